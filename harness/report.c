#include "report.h"
#include "markup.h"
#include "runner.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *wsf_rj_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

json_int_t wsf_rj_int(const json_t *o, const char *key, json_int_t fallback)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? json_integer_value(v) : fallback;
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
    return x->col < y->col ? -1 : x->col > y->col;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int wsf_report_load(wsf_report *r, char *const *paths, size_t n, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->runs = wsf_xcalloc(n ? n : 1, sizeof *r->runs);
    for (size_t i = 0; i < n; i++) {
        json_error_t je;
        json_t *root = json_load_file(paths[i], JSON_ALLOW_NUL, &je);
        if (!root) {
            if (je.line > 0)
                snprintf(err, errlen, "%s:%d: %s", paths[i], je.line, je.text);
            else
                snprintf(err, errlen, "%s: %s", paths[i], je.text);
            return -1;
        }
        wsf_report_run *run = &r->runs[r->n_runs++];
        run->root = root;
        run->path = wsf_xstrdup(paths[i]);
        char *copy = wsf_xstrdup(paths[i]);
        run->dir = wsf_xstrdup(dirname(copy));
        free(copy);
        if (check_shape(root, paths[i], err, errlen) < 0) return -1;
        const json_t *t = json_object_get(root, "target");
        const char *label = wsf_rj_str(t, "name");
        if (!*label) label = wsf_rj_str(t, "url");
        if (!*label) label = "target";
        run->col = intern(&r->targets, &r->n_targets, label);
    }

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
    qsort(r->suites, r->n_suites, sizeof *r->suites, cmp_str);

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
            wsf_report_entry *old = NULL;
            for (size_t j = 0; j < r->n && !old; j++)
                if (r->entries[j].col == e.col && !strcmp(r->entries[j].file, e.file))
                    old = &r->entries[j];
            if (old) {
                e.id = old->id;
                *old = e;
                continue;
            }
            e.id = wsf_xasprintf("s%zu-%zu", r->n + 1, e.col + 1);
            r->entries = wsf_xrealloc(r->entries, (r->n + 1) * sizeof *r->entries);
            r->entries[r->n++] = e;
        }
    }
    qsort(r->entries, r->n, sizeof *r->entries, cmp_entry);
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
