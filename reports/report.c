#include "report.h"
#include "markup.h"
#include "verdict.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *wsf_rj_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

json_int_t wsf_rj_int(const json_t *o, const char *key, json_int_t fallback)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) return fallback;
    /* A hand-edited file may hold 2^63-1 or -2^63: clamped to what any
     * timestamp can be, so that the renderers' sums, differences and
     * negations cannot overflow. */
    json_int_t x = json_integer_value(v);
    return x > WSF_RJ_INT_MAX ? WSF_RJ_INT_MAX : x < -WSF_RJ_INT_MAX ? -WSF_RJ_INT_MAX : x;
}

void wsf_rj_markup(wsf_buf *out, const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_string(v)) wsf_markup(out, json_string_value(v), json_string_length(v));
}

void wsf_report_close_seen(const json_t *sc, char *out, size_t n)
{
    const json_t *tl = json_object_get(sc, "timeline");
    const char *tcp_end = "";
    size_t i;
    json_t *e;
    out[0] = '\0';
    json_array_foreach(tl, i, e)
    {
        const char *kind = wsf_rj_str(e, "kind"), *dir = wsf_rj_str(e, "dir");
        if (strcmp(dir, "target>peer")) continue;
        if (!strcmp(kind, "frame") && wsf_rj_int(e, "opcode", -1) == 8) {
            json_int_t code = wsf_rj_int(e, "close_code", -1);
            if (code >= 0)
                snprintf(out, n, "%lld", (long long)code);
            else
                snprintf(out, n, "close");
            return;
        }
        if (!*tcp_end && !strcmp(kind, "tcp")) {
            const char *what = wsf_rj_str(e, "what");
            if (!strcmp(what, "rst")) tcp_end = "RST";
            if (!strcmp(what, "fin")) tcp_end = "FIN";
        }
    }
    snprintf(out, n, "%s", tcp_end);
}

/* The scenario's folder ("scenarios/close"); "." for a bare file name. */
static char *suite_of(const char *file)
{
    char *copy = wsf_xstrdup(file);
    char *d = wsf_xstrdup(dirname(copy));
    free(copy);
    return d;
}

static size_t intern(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i], s)) return i;
    *v = wsf_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n] = wsf_xstrdup(s);
    return (*n)++;
}

/* A results file is trusted for nothing: its shape is checked here, so the
 * renderers may assume the members they index exist with the right types. */
static int check_shape(const json_t *root, const char *path, char *err, size_t errlen)
{
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!json_is_object(root) || !fmt || strcmp(fmt, "wsfault-results-1")) {
        snprintf(err, errlen, "%s: not a wsfault results file (format wsfault-results-1)", path);
        return -1;
    }
    const json_t *scs = json_object_get(root, "scenarios");
    if (!json_is_array(scs)) {
        snprintf(err, errlen, "%s: no \"scenarios\" array", path);
        return -1;
    }
    size_t i;
    json_t *sc;
    json_array_foreach(scs, i, sc)
    {
        if (!json_is_object(sc) || !json_is_string(json_object_get(sc, "file")) ||
            !json_is_string(json_object_get(sc, "verdict")) ||
            !json_is_string(json_object_get(sc, "name"))) {
            snprintf(err, errlen, "%s: scenario %zu lacks a name, file or verdict", path, i + 1);
            return -1;
        }
        const char *v = json_string_value(json_object_get(sc, "verdict"));
        if (wsf_verdict_parse(v) < 0) {
            /* A verdict a reader does not know must not pass for a pass. */
            wsf_buf b;
            wsf_buf_init(&b);
            wsf_escape_bytes((const uint8_t *)v, strlen(v), 40, &b);
            snprintf(err, errlen, "%s: scenario %zu: unknown verdict \"%s\"", path, i + 1,
                     (char *)b.data);
            wsf_buf_free(&b);
            return -1;
        }
        const json_t *tl = json_object_get(sc, "timeline"), *checks = json_object_get(sc, "checks");
        if ((tl && !json_is_array(tl)) || (checks && !json_is_array(checks))) {
            snprintf(err, errlen, "%s: scenario %zu: timeline and checks must be arrays", path,
                     i + 1);
            return -1;
        }
    }
    return 0;
}

static int cmp_entry(const void *a, const void *b)
{
    const wsf_report_entry *x = a, *y = b;
    if (x->suite != y->suite) return x->suite < y->suite ? -1 : 1;
    int c = strcmp(x->file, y->file);
    if (c) return c;
    if (x->rep != y->rep) return x->rep < y->rep ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void note(wsf_report *r, char *text)
{
    r->notes = wsf_xrealloc(r->notes, (r->n_notes + 1) * sizeof *r->notes);
    r->notes[r->n_notes++] = text;
}

/* The last k components of a path ("a/results.json" for k = 2), or all of it. */
static const char *path_suffix(const char *path, size_t k)
{
    const char *p = path + strlen(path);
    while (p > path) {
        if (p[-1] == '/' && --k == 0) break;
        p--;
    }
    return p;
}

/* Whether the last k components of these paths tell them apart, or are all
 * there is to them. */
static bool suffixes_tell_apart(const wsf_report *r, const size_t *runs, size_t n, size_t k)
{
    bool whole = true, differ = true;
    for (size_t i = 0; i < n; i++) {
        const char *a = path_suffix(r->runs[runs[i]].path, k);
        whole = whole && a == r->runs[runs[i]].path;
        for (size_t j = i + 1; j < n && differ; j++)
            differ = strcmp(a, path_suffix(r->runs[runs[j]].path, k)) != 0;
    }
    return differ || whole;
}

/* A run's share of its suite: "shard": {"index": I, "count": N}, or 0. */
static json_int_t shard_of(const wsf_report_run *run, json_int_t *count)
{
    const json_t *sh = json_object_get(run->root, "shard");
    *count = wsf_rj_int(sh, "count", 0);
    return *count > 0 ? wsf_rj_int(sh, "index", 0) : 0;
}

/* The shards of one run (--shard I/N against targets of one name, split in
 * as many shares) are one column: a shard joins the first column of its
 * name and share count that does not hold its share yet. Returns the
 * number of columns; leaders[c] is the first run of column c. */
static size_t group_shards(wsf_report *r, const char **names, size_t *leaders)
{
    size_t n_cols = 0;
    for (size_t i = 0; i < r->n_runs; i++) {
        json_int_t count, index = shard_of(&r->runs[i], &count);
        size_t c = n_cols;
        for (size_t k = 0; k < n_cols && index && c == n_cols; k++) {
            json_int_t kcount;
            if (!shard_of(&r->runs[leaders[k]], &kcount) || kcount != count ||
                strcmp(names[leaders[k]], names[i]))
                continue;
            bool taken = false;
            for (size_t j = 0; j < i && !taken; j++) {
                json_int_t jcount;
                taken = r->runs[j].col == k && shard_of(&r->runs[j], &jcount) == index;
            }
            if (!taken) c = k;
        }
        if (c == n_cols) leaders[n_cols++] = i;
        r->runs[i].col = c;
    }
    for (size_t c = 0; c < n_cols; c++) {
        size_t n = 0;
        wsf_buf files;
        wsf_buf_init(&files);
        for (size_t i = 0; i < r->n_runs; i++)
            if (r->runs[i].col == c) {
                wsf_buf_appendf(&files, "%s%s", n ? ", " : "", r->runs[i].path);
                n++;
            }
        json_int_t count;
        shard_of(&r->runs[leaders[c]], &count);
        if (n > 1)
            note(r, wsf_xasprintf("%zu of %lld shards against %s (%s) are merged into one column.",
                                  n, (long long)count, names[leaders[c]], (char *)files.data));
        else if (count > 1)
            note(r, wsf_xasprintf("%s holds one shard of %lld: the other shares were not given.",
                                  r->runs[leaders[c]].path, (long long)count));
        wsf_buf_free(&files);
    }
    return n_cols;
}

/* The column labels. Columns against targets of one name (a rerun, two
 * builds of one server) would read as one target: each gets its (first)
 * results file's path, as few of its last components as tell them apart. */
static void label_columns(wsf_report *r, const char **names)
{
    size_t *leaders = wsf_xcalloc(r->n_runs ? r->n_runs : 1, sizeof *leaders);
    size_t n_cols = group_shards(r, names, leaders);
    r->targets = wsf_xcalloc(n_cols ? n_cols : 1, sizeof *r->targets);
    r->n_targets = n_cols;
    size_t *same = wsf_xcalloc(n_cols ? n_cols : 1, sizeof *same);
    for (size_t c = 0; c < n_cols; c++) {
        if (r->targets[c]) continue;
        const char *name = names[leaders[c]];
        size_t n = 0, depth = 1;
        for (size_t k = c; k < n_cols; k++)
            if (!strcmp(names[leaders[k]], name)) same[n++] = leaders[k];
        if (n == 1) {
            r->targets[c] = wsf_xstrdup(name);
            continue;
        }
        /* Distinct files have distinct paths: at worst the whole paths. */
        while (!suffixes_tell_apart(r, same, n, depth))
            depth++;
        wsf_buf files;
        wsf_buf_init(&files);
        for (size_t j = 0; j < n; j++) {
            const wsf_report_run *run = &r->runs[same[j]];
            r->targets[run->col] = wsf_xasprintf("%s (%s)", name, path_suffix(run->path, depth));
            wsf_buf_appendf(&files, "%s%s", j ? ", " : "", run->path);
        }
        note(r, wsf_xasprintf("%zu runs against targets named %s (%s): each has a column of its "
                              "own, labelled by its results file, so none hides another.",
                              n, name, (char *)files.data));
        wsf_buf_free(&files);
    }
    free(same);
    free(leaders);
}

/* Scenarios that are in one results file more than once (run twice on one
 * command line, or results joined by hand): each run is kept, in a row of
 * its own, and said. */
static void note_repeats(wsf_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const wsf_report_entry *e = &r->entries[i];
        bool last = e->rep > 0;
        for (size_t j = i + 1; j < r->n && last; j++)
            last = !(r->entries[j].col == e->col && !strcmp(r->entries[j].file, e->file));
        if (!last) continue;
        char *marks = e->rep == 1 ? wsf_xstrdup("the second marked (run 2)")
                                  : wsf_xasprintf("marked (run 2) to (run %zu)", e->rep + 1);
        note(r, wsf_xasprintf("%s ran %zu times in %s: each run has a row of its own, %s.", e->file,
                              e->rep + 1, e->run->path, marks));
        free(marks);
    }
}

/* Reads one results file into a new run, unless it is a file read already
 * (under this path or another): that is noted and skipped. */
static int load_run(wsf_report *r, const char *path, struct stat *seen, char *err, size_t errlen)
{
    struct stat *st = &seen[r->n_runs];
    if (stat(path, st) == 0)
        for (size_t i = 0; i < r->n_runs; i++)
            if (seen[i].st_dev == st->st_dev && seen[i].st_ino == st->st_ino) {
                note(r, wsf_xasprintf("%s is %s, given again: it is read once.", path,
                                      r->runs[i].path));
                return 0;
            }
    /* A FIFO or /dev/zero would hang the report or fill memory. */
    int fd = wsf_open_regular(path, err, errlen);
    if (fd < 0) return -1;
    json_error_t je;
    json_t *root = json_loadfd(fd, JSON_ALLOW_NUL, &je);
    close(fd);
    if (!root) {
        if (je.line > 0)
            snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
        else
            snprintf(err, errlen, "%s: %s", path, je.text);
        return -1;
    }
    wsf_report_run *run = &r->runs[r->n_runs++];
    run->root = root;
    run->path = wsf_xstrdup(path);
    char *copy = wsf_xstrdup(path);
    run->dir = wsf_xstrdup(dirname(copy));
    free(copy);
    return check_shape(root, path, err, errlen);
}

int wsf_report_load(wsf_report *r, char *const *paths, size_t n, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->runs = wsf_xcalloc(n ? n : 1, sizeof *r->runs);
    struct stat *seen = wsf_xcalloc(n ? n : 1, sizeof *seen);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = load_run(r, paths[i], seen, err, errlen);
    free(seen);
    if (rc < 0) return -1;

    const char **names = wsf_xcalloc(r->n_runs ? r->n_runs : 1, sizeof *names);
    for (size_t i = 0; i < r->n_runs; i++) {
        const json_t *t = json_object_get(r->runs[i].root, "target");
        names[i] = wsf_rj_str(t, "name");
        if (!*names[i]) names[i] = wsf_rj_str(t, "url");
        if (!*names[i]) names[i] = "target";
    }
    label_columns(r, names);
    free(names);

    /* Suites first, sorted, so entries can sort by suite index. */
    for (size_t i = 0; i < r->n_runs; i++) {
        size_t k;
        json_t *sc;
        json_array_foreach(json_object_get(r->runs[i].root, "scenarios"), k, sc)
        {
            char *s = suite_of(wsf_rj_str(sc, "file"));
            intern(&r->suites, &r->n_suites, s);
            free(s);
        }
    }
    /* A results file may list no scenario (a storm that found nothing):
     * qsort is not given the NULL of an empty list. */
    if (r->n_suites) qsort(r->suites, r->n_suites, sizeof *r->suites, cmp_str);

    for (size_t i = 0; i < r->n_runs; i++) {
        const wsf_report_run *run = &r->runs[i];
        size_t k;
        json_t *sc;
        json_array_foreach(json_object_get(run->root, "scenarios"), k, sc)
        {
            wsf_report_entry e = {.sc = sc,
                                  .run = run,
                                  .col = run->col,
                                  .file = wsf_rj_str(sc, "file"),
                                  .name = wsf_rj_str(sc, "name"),
                                  .verdict = wsf_rj_str(sc, "verdict")};
            char *s = suite_of(e.file);
            e.suite = intern(&r->suites, &r->n_suites, s);
            free(s);
            for (size_t j = 0; j < r->n; j++)
                if (r->entries[j].col == e.col && !strcmp(r->entries[j].file, e.file)) e.rep++;
            e.id = wsf_xasprintf("s%zu-%zu", r->n + 1, e.col + 1);
            r->entries = wsf_xrealloc(r->entries, (r->n + 1) * sizeof *r->entries);
            r->entries[r->n++] = e;
        }
    }
    if (r->n) qsort(r->entries, r->n, sizeof *r->entries, cmp_entry);
    note_repeats(r);
    return 0;
}

void wsf_report_free(wsf_report *r)
{
    for (size_t i = 0; i < r->n_runs; i++) {
        json_decref(r->runs[i].root);
        free(r->runs[i].path);
        free(r->runs[i].dir);
    }
    free(r->runs);
    for (size_t i = 0; i < r->n_targets; i++)
        free(r->targets[i]);
    free(r->targets);
    for (size_t i = 0; i < r->n_suites; i++)
        free(r->suites[i]);
    free(r->suites);
    for (size_t i = 0; i < r->n; i++)
        free(r->entries[i].id);
    free(r->entries);
    for (size_t i = 0; i < r->n_notes; i++)
        free(r->notes[i]);
    free(r->notes);
    memset(r, 0, sizeof *r);
}

/* One shell word, quoted only when it has to be. */
static void shell_word(wsf_buf *out, const char *w)
{
    bool plain = *w != '\0';
    for (const char *p = w; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,/:@%",
                       *p) != NULL;
    if (plain) {
        wsf_buf_append(out, w, strlen(w));
        return;
    }
    wsf_buf_append(out, "'", 1);
    for (const char *p = w; *p; p++) {
        if (*p == '\'')
            wsf_buf_append(out, "'\\''", 4);
        else
            wsf_buf_append(out, p, 1);
    }
    wsf_buf_append(out, "'", 1);
}

static void option(wsf_buf *out, const char *name, const char *value)
{
    wsf_buf_appendf(out, " %s", name);
    if (!value) return;
    wsf_buf_append(out, " ", 1);
    shell_word(out, value);
}

static bool one_of(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && !strncmp(s, *words, n)) return true;
    return false;
}

void wsf_report_rerun(const wsf_report_entry *e, wsf_buf *out)
{
    const json_t *cmd = json_object_get(e->run->root, "command");
    const char *cwd = wsf_rj_str(e->run->root, "cwd");
    if (*cwd) {
        wsf_buf_append(out, "cd ", 3);
        shell_word(out, cwd);
        wsf_buf_append(out, " && ", 4);
    }
    const char *prog = json_string_value(json_array_get(cmd, 0));
    shell_word(out, prog ? prog : "wsfault");
    wsf_buf_append(out, " run", 4);
    /* The original options, read as getopt read them (--name=value, -tFILE,
     * bundled -vt FILE): the target and what changes how a scenario runs are
     * kept; the paths, filters and outputs of the whole run are not. */
    static const char *const kept[] = {"target", "url", "capture-if", NULL};
    static const char *const flags[] = {"no-capture", "verbose", NULL};
    static const char *const dropped[] = {"filter", "results", "report", "junit", NULL};
    size_t n = json_array_size(cmd);
    for (size_t i = 2; i < n; i++) {
        const char *a = json_string_value(json_array_get(cmd, i));
        const char *next = i + 1 < n ? json_string_value(json_array_get(cmd, i + 1)) : NULL;
        if (!a || a[0] != '-' || !a[1]) continue;
        if (!strcmp(a, "--")) break;
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            if (one_of(name, len, kept)) {
                char *opt = wsf_xasprintf("--%.*s", (int)len, name);
                option(out, opt, eq ? eq + 1 : next ? next : "");
                free(opt);
                if (!eq) i++;
            } else if (one_of(name, len, flags)) {
                option(out, a, NULL);
            } else if (one_of(name, len, dropped) && !eq) {
                i++;
            }
            continue;
        }
        for (const char *p = a + 1; *p; p++) {
            if (*p == 'v') option(out, "-v", NULL);
            if (!strchr("tufo", *p)) continue;
            const char *value = p[1] ? p + 1 : next;
            if (!p[1]) i++;
            if (*p == 't') option(out, "--target", value ? value : "");
            if (*p == 'u') option(out, "--url", value ? value : "");
            break;
        }
    }
    /* Its own results, so the run the report came from is not overwritten. */
    option(out, "--results", "rerun/results.json");
    wsf_buf_append(out, " ", 1);
    shell_word(out, e->file);
}

void wsf_report_time(json_int_t us, char *out, size_t n)
{
    long long a = us < 0 ? -(long long)us : (long long)us;
    snprintf(out, n, "%c%lld.%03lldms", us < 0 ? '-' : '+', a / 1000, a % 1000);
}
