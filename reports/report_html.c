/* The HTML report: one self-contained page (inline CSS, SVG and script, no
 * fetch) with the summary, the matrix of scenarios by target, and for each
 * scenario everything needed to understand it without other tools. The page
 * skeleton, stylesheet and script are the files beside this one, compiled in. */
#include "markup.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

extern const char wsf_asset_page[], wsf_asset_css[], wsf_asset_js[];

static const char *const verdicts[] = {"fail", "error", "non-strict", "known",
                                       "skip", "info",  "pass"};
#define N_VERDICTS (sizeof verdicts / sizeof *verdicts)
#define TABLE_HEAD 750 /* a long timeline's first events in the table of every event */
#define TABLE_TAIL 250 /* and its last; the rest stay in results.json */
#define MAX_LOG 2000   /* log lines in a scenario's log, marked ones aside */

/* Verdicts are checked on loading (report.c), so they are safe as class
 * names as they are. */
static const char *verdict_label(const char *v)
{
    if (!strcmp(v, "pass")) return "PASS";
    if (!strcmp(v, "fail")) return "FAIL";
    if (!strcmp(v, "error")) return "ERROR";
    if (!strcmp(v, "known")) return "KNOWN";
    if (!strcmp(v, "non-strict")) return "NON-STRICT";
    if (!strcmp(v, "skip")) return "SKIP";
    if (!strcmp(v, "info")) return "INFO";
    return "?";
}

#define H(...) wsf_buf_appendf(h, __VA_ARGS__)
#define T(s) wsf_markup_str(h, s)

/* A capture is copied only from within its results file's folder and only
 * when it is a regular file of at most this size: a results file from
 * someone else must not make the report read /etc/shadow, block on a FIFO
 * or fill the disk from /dev/zero. A capture of a whole scenario is a few
 * MiB at most (the capture ring is 8 MiB). */
#define MAX_CAPTURE ((off_t)256 << 20)
#define MAX_CAPTURE_TEXT "256 MiB"

/* Copies at most size bytes from the open file in (which it closes): the
 * file may grow while it is read, the copy does not. */
static int copy_file(int in, off_t size, const char *to)
{
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n = 0;
    int rc = 0;
    while (size > 0 &&
           (n = read(in, buf, size < (off_t)sizeof buf ? (size_t)size : sizeof buf)) > 0) {
        if (write(out, buf, (size_t)n) != n) {
            rc = -1;
            break;
        }
        size -= n;
    }
    if (n < 0) rc = -1;
    close(in);
    if (close(out) < 0) rc = -1;
    return rc;
}

/* What a file that is not a regular one is, for the reader. */
static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m)) return "a folder";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

/* Opens the capture a scenario names, pcap, as its results file's folder
 * dir sees it, when it belongs there: resolved (every "..", every symlink),
 * it must be inside dir, and it must be a regular file of at most
 * MAX_CAPTURE. Returns the open file with *path its resolved path and *size
 * its size, or -1 with why (into why, why_len) it is not read. It is opened
 * without blocking, so a FIFO is found out by fstat and never waited on. */
static int open_capture(const char *dir, const char *pcap, char **path, off_t *size, char *why,
                        size_t why_len)
{
    *path = NULL;
    char *d = realpath(dir, NULL);
    char *src = pcap[0] == '/' ? wsf_xstrdup(pcap) : wsf_xasprintf("%s/%s", dir, pcap);
    char *f = d ? realpath(src, NULL) : NULL;
    int err = errno, fd = -1;
    free(src);
    if (!d || !f) {
        snprintf(why, why_len, "%s",
                 err == ENOENT ? "no such file beside the results file" : strerror(err));
        goto out;
    }
    size_t n = strlen(d);
    bool inside = !strcmp(d, "/") || (!strncmp(f, d, n) && f[n] == '/');
    if (!inside) {
        snprintf(why, why_len, "outside the results file's folder");
        goto out;
    }
    fd = open(f, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        snprintf(why, why_len, "%s", strerror(errno));
    } else if (fstat(fd, &st) < 0) {
        snprintf(why, why_len, "%s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(why, why_len, "%s, not a regular file", file_kind(st.st_mode));
    } else if (st.st_size > MAX_CAPTURE) {
        snprintf(why, why_len, "larger than " MAX_CAPTURE_TEXT " (%lld bytes)",
                 (long long)st.st_size);
    } else {
        *size = st.st_size;
        *path = f;
        f = NULL;
        goto out;
    }
    if (fd >= 0) close(fd);
    fd = -1;
out:
    free(d);
    free(f);
    return fd;
}

/* The path of file from the folder dir ("../run/captures/001-x.pcap"),
 * both resolved first; NULL when either cannot be. */
static char *relative_path(const char *dir, const char *file)
{
    char *d = realpath(dir, NULL), *f = realpath(file, NULL);
    char *rel = NULL;
    if (d && f) {
        /* The end of the folders both share, then a ".." for each of dir's
         * own folders below it. */
        size_t i = 0, common = 0;
        for (; d[i] && d[i] == f[i]; i++)
            if (d[i] == '/') common = i;
        if (!d[i] && f[i] == '/') common = i;
        wsf_buf b;
        wsf_buf_init(&b);
        const char *below = d + common + (d[common] == '/');
        if (*below) {
            wsf_buf_append(&b, "../", 3);
            for (const char *c = below; *c; c++)
                if (*c == '/') wsf_buf_append(&b, "../", 3);
        }
        wsf_buf_append(&b, f + common + 1, strlen(f + common + 1));
        rel = (char *)b.data;
    }
    free(d);
    free(f);
    return rel;
}

/* The capture's link from the report: a copy in captures/ beside it
 * (run-prefixed when several results files are merged: their numbering
 * would collide) or, linking, the file where its run left it. NULL when the
 * scenario has none, or with why (into why, why_len) when it is not its
 * run's to show (open_capture) or cannot be copied. */
static char *capture_link(const wsf_report *r, const wsf_report_entry *e, const char *dir,
                          bool link, char *why, size_t why_len)
{
    const char *pcap = wsf_rj_str(e->sc, "pcap");
    *why = 0;
    if (!*pcap) return NULL;
    char *src;
    off_t size = 0;
    int in = open_capture(e->run->dir, pcap, &src, &size, why, why_len);
    if (in < 0) return NULL;
    if (link) {
        close(in);
        char *rel = relative_path(dir, src);
        if (!rel) snprintf(why, why_len, "%s", strerror(errno));
        free(src);
        return rel;
    }
    char *copy = wsf_xstrdup(src);
    char *rel = r->n_runs > 1 ? wsf_xasprintf("captures/r%zu-%s", (size_t)(e->run - r->runs) + 1,
                                              basename(copy))
                              : wsf_xasprintf("captures/%s", basename(copy));
    free(copy);
    char *dst = wsf_xasprintf("%s/%s", dir, rel);
    /* A report written beside its results (--report .) links the capture
     * where it is: copying a file onto itself would empty it. */
    struct stat a, b;
    bool same =
        fstat(in, &a) == 0 && stat(dst, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    int rc = 0;
    if (same)
        close(in);
    else
        rc = copy_file(in, size, dst);
    if (rc < 0) snprintf(why, why_len, "%s: %s", dst, strerror(errno));
    free(src);
    free(dst);
    if (rc < 0) {
        free(rel);
        return NULL;
    }
    return rel;
}

/* A path as a URL's path: every byte but the unreserved ones and '/'
 * percent-encoded, so a folder named "a #1" still links. */
static void url_path(wsf_buf *h, const char *path)
{
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (strchr("-._~/", *p) || (*p >= '0' && *p <= '9') ||
            ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
            wsf_buf_append(h, p, 1);
        else
            H("%%%02X", *p);
}

/* A string member between two pieces of markup, or nothing when it is
 * absent or empty. */
static void member(wsf_buf *h, const char *before, const json_t *o, const char *key,
                   const char *after)
{
    if (!*wsf_rj_str(o, key)) return;
    H("%s", before);
    wsf_rj_markup(h, o, key);
    H("%s", after);
}

static void duration(wsf_buf *h, json_int_t us)
{
    char d[32];
    wsf_format_duration(us, d, sizeof d);
    T(d);
}

static void badge(wsf_buf *h, const char *v)
{
    H("<span class=\"badge v-%s\">%s</span>", v, verdict_label(v));
}

/* --- summary, filter, matrix ---------------------------------------------------- */

static void command_line(wsf_buf *h, const json_t *root)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(root, "command"), i, a)
    {
        if (i) H(" ");
        if (json_is_string(a)) wsf_markup(h, json_string_value(a), json_string_length(a));
    }
}

static void summary(wsf_buf *h, const wsf_report *r)
{
    size_t count[N_VERDICTS] = {0};
    for (size_t i = 0; i < r->n; i++)
        for (size_t v = 0; v < N_VERDICTS; v++)
            if (!strcmp(r->entries[i].verdict, verdicts[v])) count[v]++;
    H("<h1>wsfault report</h1>\n<div class=\"counts\" id=\"counts\">");
    H("<span class=\"badge\">%zu scenario run%s</span>", r->n, r->n == 1 ? "" : "s");
    for (size_t v = 0; v < N_VERDICTS; v++)
        if (count[v])
            H("<span class=\"badge v-%s\">%zu %s</span>", verdicts[v], count[v], verdicts[v]);
    H("</div>\n<table class=\"summary\">\n");
    for (size_t i = 0; i < r->n_runs; i++) {
        const json_t *root = r->runs[i].root, *t = json_object_get(root, "target");
        if (r->n_runs > 1) {
            H("<tr><th colspan=\"2\">results ");
            T(r->runs[i].path);
            H("</th></tr>\n");
        }
        H("<tr><td>target</td><td>");
        T(r->targets[r->runs[i].col]);
        member(h, " <span class=\"muted\">(", t, "file", ")</span>");
        H(" <code>");
        wsf_rj_markup(h, t, "url");
        H("</code></td></tr>\n<tr><td>started</td><td>");
        wsf_rj_markup(h, root, "started");
        H(", took ");
        duration(h, wsf_rj_int(root, "duration_us", 0));
        if (json_is_true(json_object_get(root, "interrupted")))
            H(" <strong>(interrupted: the results are partial)</strong>");
        H("</td></tr>\n<tr><td>wsfault</td><td>");
        wsf_rj_markup(h, root, "wsfault_version");
        H("</td></tr>\n<tr><td>command</td><td><code>");
        command_line(h, root);
        H("</code>");
        member(h, " <span class=\"muted\">in</span> <code>", root, "cwd", "</code>");
        H("</td></tr>\n");
    }
    H("</table>\n");
    if (!r->n_notes) return;
    H("<ul class=\"notes\" id=\"notes\">\n");
    for (size_t i = 0; i < r->n_notes; i++) {
        H("<li>");
        T(r->notes[i]);
        H("</li>\n");
    }
    H("</ul>\n");
}

/* " (run 2)": how a scenario's second run in one results file is told from
 * its first, everywhere it is shown. */
static void repeat(wsf_buf *h, const wsf_report_entry *e)
{
    if (e->rep) H(" <span class=\"repeat\">(run %zu)</span>", e->rep + 1);
}

static void filter(wsf_buf *h)
{
    H("<div id=\"filter\">show: ");
    for (size_t v = 0; v < N_VERDICTS; v++)
        H("<label class=\"badge v-%s\"><input type=\"checkbox\" data-verdict=\"%s\" checked> "
          "%s</label>",
          verdicts[v], verdicts[v], verdicts[v]);
    H("</div>\n");
}

/* The verdicts of one scenario file across targets: for the row's filter. */
static void row_verdicts(wsf_buf *h, const wsf_report *r, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        H("%s%s", i > from ? " " : "", r->entries[i].verdict);
}

static void matrix(wsf_buf *h, const wsf_report *r)
{
    H("<h2>Matrix</h2>\n<table class=\"matrix\" id=\"matrix\">\n<thead><tr><th>scenario</th>");
    for (size_t c = 0; c < r->n_targets; c++) {
        H("<th>");
        T(r->targets[c]);
        H("</th>");
    }
    H("</tr></thead>\n<tbody>\n");
    size_t i = 0;
    while (i < r->n) {
        size_t suite = r->entries[i].suite;
        H("<tr class=\"suite\"><th colspan=\"%zu\">", r->n_targets + 1);
        T(r->suites[suite]);
        H("</th></tr>\n");
        while (i < r->n && r->entries[i].suite == suite) {
            size_t j = i;
            while (j < r->n && !strcmp(r->entries[j].file, r->entries[i].file) &&
                   r->entries[j].rep == r->entries[i].rep)
                j++;
            H("<tr data-verdicts=\"");
            row_verdicts(h, r, i, j);
            H("\"><td><a href=\"#%s\">", r->entries[i].id);
            wsf_rj_markup(h, r->entries[i].sc, "name");
            H("</a>");
            repeat(h, &r->entries[i]);
            H("<br><small class=\"muted\">");
            T(r->entries[i].file);
            H("</small></td>");
            size_t k = i;
            for (size_t c = 0; c < r->n_targets; c++) {
                if (k < j && r->entries[k].col == c) {
                    const wsf_report_entry *e = &r->entries[k++];
                    char seen[32];
                    wsf_report_close_seen(e->sc, seen, sizeof seen);
                    H("<td class=\"cell v-%s\"><a href=\"#%s\" title=\"", e->verdict, e->id);
                    wsf_rj_markup(h, e->sc, "reason");
                    H("\">%s<small>%s</small></a></td>", verdict_label(e->verdict),
                      *seen ? seen : "&#8212;");
                } else {
                    H("<td class=\"cell none\" title=\"not run against this target\"></td>");
                }
            }
            H("</tr>\n");
            i = j;
        }
    }
    H("</tbody>\n</table>\n<p class=\"muted\">Each cell: the verdict, and the close code the "
      "target sent (or how its side of TCP ended: FIN, RST; &#8212; for neither).</p>\n");
}

/* --- one scenario --------------------------------------------------------------- */

/* "(SHOULD)" or "(info)" after an expectation that is not a MUST; results
 * written before levels existed say "should": true. */
static const char *level_tag(const json_t *k)
{
    const char *l = wsf_rj_str(k, "level");
    if (!strcmp(l, "should") || json_is_true(json_object_get(k, "should")))
        return " <small>(SHOULD)</small>";
    if (!strcmp(l, "info")) return " <small>(info)</small>";
    return "";
}

static void checks(wsf_buf *h, const wsf_report_entry *e)
{
    const json_t *arr = json_object_get(e->sc, "checks");
    if (!json_array_size(arr)) return;
    H("<h3>Expectations</h3>\n<table class=\"checks\"><thead><tr><th>line</th><th>expectation</th>"
      "<th>result</th><th>expected</th><th>actual</th><th>judged at</th></tr></thead><tbody>\n");
    size_t i;
    json_t *k;
    json_array_foreach(arr, i, k)
    {
        const char *res = wsf_rj_str(k, "result");
        const char *cls = !strcmp(res, "pass")         ? "pass"
                          : !strcmp(res, "fail")       ? "fail"
                          : !strcmp(res, "non-strict") ? "non-strict"
                          : !strcmp(res, "info")       ? "info"
                          : !strcmp(res, "skipped")    ? "skipped"
                                                       : "not-reached";
        json_int_t line = wsf_rj_int(k, "line", 0);
        H("<tr class=\"r-%s\"><td>", cls);
        if (line > 0)
            H("%lld", (long long)line);
        else
            H("<span class=\"muted\">implicit</span>");
        H("</td><td><code>");
        wsf_rj_markup(h, k, "text");
        H("</code>%s</td><td class=\"r-%s\">%s</td><td>", level_tag(k), cls, cls);
        wsf_rj_markup(h, k, "expected");
        H("</td><td>");
        wsf_rj_markup(h, k, "actual");
        H("</td><td class=\"mono\">");
        json_int_t t = wsf_rj_int(k, "t_us", -1);
        if (t >= 0) {
            char ts[32];
            wsf_report_time(t, ts, sizeof ts);
            T(ts);
        }
        H("</td></tr>\n");
    }
    H("</tbody></table>\n");
}

/* The target's output during the scenario (and just before it, from the
 * lines printed between scenarios), cited and alarming lines highlighted,
 * and, more quietly, alarms only noted (a low level, or the teardown). */
static void target_log(wsf_buf *h, const wsf_report_entry *e)
{
    const json_t *tl = json_object_get(e->sc, "timeline");
    size_t i, n = 0;
    json_t *ev;
    json_array_foreach(tl, i, ev) if (!strcmp(wsf_rj_str(ev, "kind"), "log")) n++;
    H("<h3>Target log</h3>\n");
    if (!n) {
        H("<p class=\"muted\">The target printed nothing while this scenario ran.</p>\n");
        return;
    }
    H("<ol class=\"log\">\n");
    /* A flooding target: the first and last lines, and every marked one. */
    size_t k = 0, left_out = 0;
    json_array_foreach(tl, i, ev)
    {
        if (strcmp(wsf_rj_str(ev, "kind"), "log")) continue;
        const char *mark = wsf_rj_str(ev, "mark");
        k++;
        if (n > MAX_LOG && k > MAX_LOG / 2 && k <= n - MAX_LOG / 2 && !*mark) {
            left_out++;
            continue;
        }
        if (left_out) {
            H("<li><strong>%zu lines left out here</strong></li>\n", left_out);
            left_out = 0;
        }
        json_int_t t = wsf_rj_int(ev, "t_us", 0);
        const char *cls = !strcmp(mark, "alarm")   ? "alarm"
                          : !strcmp(mark, "match") ? "match"
                          : !strcmp(mark, "noted") ? "noted"
                                                   : "";
        if (!*cls && t < 0) cls = "before";
        char ts[32];
        wsf_report_time(t, ts, sizeof ts);
        H("<li class=\"%s\"><span class=\"t\">%s ", cls, ts);
        wsf_rj_markup(h, ev, "what");
        H("</span>");
        wsf_rj_markup(h, ev, "detail");
        if (*cls && strcmp(cls, "before"))
            H(" <small>(%s)</small>", !strcmp(cls, "alarm")   ? "alarm"
                                      : !strcmp(cls, "noted") ? "alarm noted, not failing"
                                                              : "cited by a check");
        H("</li>\n");
    }
    H("</ol>\n");
}

/* The mark of a line of the scenario's text, from the checks on it: failed
 * (a MUST or SHOULD that did not hold), info (an informational one), passed,
 * or none. */
static const char *line_mark(const json_t *checks, json_int_t line)
{
    const char *cls = "";
    size_t i;
    json_t *k;
    json_array_foreach(checks, i, k)
    {
        if (wsf_rj_int(k, "line", 0) != line) continue;
        const char *res = wsf_rj_str(k, "result");
        if (!strcmp(res, "fail") || !strcmp(res, "non-strict"))
            cls = "failed";
        else if (!strcmp(res, "info") && strcmp(cls, "failed"))
            cls = "info";
        else if (!strcmp(res, "pass") && !*cls)
            cls = "passed";
    }
    return cls;
}

/* The scenario's text as list items, one a line, marked by the checks
 * (none when checks is NULL). */
static void source_lines(wsf_buf *h, const json_t *src, const json_t *checks)
{
    const char *s = json_string_value(src);
    size_t len = json_string_length(src);
    size_t line = 1, start = 0;
    for (size_t p = 0; p <= len; p++) {
        if (p < len && s[p] != '\n') continue;
        if (p == len && p == start) break;
        if (checks)
            H("<li class=\"%s\">", line_mark(checks, (json_int_t)line));
        else
            H("<li>");
        wsf_markup(h, s + start, p - start);
        H("</li>");
        start = p + 1;
        line++;
    }
}

/* What the page is rendered with, and the scenario texts of the passing
 * scenarios held back: each once, however many runs share it. */
typedef struct {
    const wsf_report *r;
    const char *dir;
    bool link_captures;
    const json_t **texts;
    size_t n_texts;
} page;

static size_t shared_text(page *p, const json_t *src)
{
    size_t len = json_string_length(src);
    for (size_t i = 0; i < p->n_texts; i++)
        if (json_string_length(p->texts[i]) == len &&
            !memcmp(json_string_value(p->texts[i]), json_string_value(src), len))
            return i;
    p->texts = wsf_xrealloc(p->texts, (p->n_texts + 1) * sizeof *p->texts);
    p->texts[p->n_texts] = src;
    return p->n_texts++;
}

/* The scenario's text with line numbers; the lines of failed checks marked,
 * and those of informational ones that did not hold, apart. Held back
 * (shared), it is a reference to the text, stored once in the page, and
 * the marks of its lines, which report.js puts together. */
static void source(wsf_buf *h, page *p, const wsf_report_entry *e, bool shared)
{
    const json_t *src = json_object_get(e->sc, "source");
    if (!json_is_string(src)) return;
    const json_t *arr = json_object_get(e->sc, "checks");
    H("<h3>Scenario <code>");
    T(e->file);
    H("</code></h3>\n<ol class=\"source\"");
    if (shared) {
        H(" data-source=\"%zu\" data-marks=\"", shared_text(p, src));
        size_t i;
        json_t *k;
        json_array_foreach(arr, i, k)
        {
            json_int_t line = wsf_rj_int(k, "line", 0);
            const char *cls = line_mark(arr, line);
            if (line > 0 && *cls) H("%lld:%s ", (long long)line, cls);
        }
        H("\"></ol>\n");
        return;
    }
    H(">");
    source_lines(h, src, arr);
    H("</ol>\n");
}

/* Markup held back until its reader opens the part it belongs to: deflated,
 * in base64, in the data-later attribute of the part's <details> (or of a
 * scenario text's one place), which report.js unpacks into it when it
 * opens. Base64 has no quote, '<' or '&': nothing in it can end the
 * attribute or mean markup. A page of many scenarios is mostly this, so it
 * is small, and a browser opens it without building what nobody looks at.
 * Returns false, writing nothing, when zlib cannot (out of memory): the
 * markup is then shown as it is. */
static bool held_back(wsf_buf *h, const wsf_buf *markup)
{
    uLongf zlen = compressBound(markup->len);
    unsigned char *z = wsf_xmalloc(zlen);
    if (compress2(z, &zlen, markup->data, markup->len, Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(z);
        return false;
    }
    size_t len = 4 * ((zlen + 2) / 3);
    H(" data-later=\"");
    wsf_buf_reserve(h, len);
    EVP_EncodeBlock(h->data + h->len, z, (int)zlen);
    h->len += len;
    H("\"");
    free(z);
    return true;
}

static void timeline_rows(wsf_buf *h, const wsf_report_entry *e)
{
    const json_t *tl = json_object_get(e->sc, "timeline");
    H("<table class=\"timeline\"><tbody>\n");
    /* A flood (a target writing without end) would make the page too big to
     * open: the middle of a long timeline stays in results.json. */
    size_t n = json_array_size(tl), head = n > TABLE_HEAD + TABLE_TAIL ? TABLE_HEAD : n;
    size_t i;
    json_t *ev;
    json_array_foreach(tl, i, ev)
    {
        if (i >= head && i < n - TABLE_TAIL) {
            if (i == head)
                H("<tr class=\"left-out\"><td colspan=\"5\"><strong>%zu more events here are in "
                  "results.json</strong></td></tr>\n",
                  n - TABLE_TAIL - head);
            continue;
        }
        char ts[32];
        wsf_report_time(wsf_rj_int(ev, "t_us", 0), ts, sizeof ts);
        H("<tr><td>%s</td><td>", ts);
        wsf_rj_markup(h, ev, "dir");
        H("</td><td>");
        wsf_rj_markup(h, ev, "kind");
        H("</td><td>");
        wsf_rj_markup(h, ev, "what");
        H("</td><td>");
        wsf_rj_markup(h, ev, "detail");
        H("</td></tr>\n");
    }
    H("</tbody></table>\n");
    json_int_t dropped = wsf_rj_int(e->sc, "timeline_dropped", 0);
    if (dropped > 0)
        H("<p><strong>%lld later events were dropped</strong></p>\n", (long long)dropped);
}

/* The table of every event, folded. Its rows are held back until it is
 * opened, unless the markup around it is already (whole). */
static void timeline_table(wsf_buf *h, const wsf_report_entry *e, bool whole)
{
    wsf_buf rows;
    wsf_buf_init(&rows);
    timeline_rows(&rows, e);
    H("<details class=\"events\"");
    bool held = !whole && held_back(h, &rows);
    H("><summary>Every event (%zu)</summary>\n",
      json_array_size(json_object_get(e->sc, "timeline")));
    if (!held) wsf_buf_append(h, rows.data, rows.len);
    wsf_buf_free(&rows);
    H("</details>\n");
}

static void rfc_refs(wsf_buf *h, const json_t *sc)
{
    const json_t *arr = json_object_get(sc, "rfc");
    if (!json_array_size(arr)) return;
    H("<p>RFC 6455: ");
    size_t i;
    json_t *ref;
    json_array_foreach(arr, i, ref)
    {
        const char *s = json_string_value(ref);
        if (!s) continue;
        /* A link only for what is plainly a section number. */
        bool number = *s && strspn(s, "0123456789.") == strlen(s);
        if (i) H(", ");
        if (number) H("<a href=\"https://www.rfc-editor.org/rfc/rfc6455#section-%s\">", s);
        H("&#167;");
        T(s);
        if (number) H("</a>");
    }
    H("</p>\n");
}

static void evidence(wsf_buf *h, const page *p, const wsf_report_entry *e)
{
    const json_t *sc = e->sc;
    H("<h3>Evidence</h3>\n<p>");
    char why[256];
    char *pcap = capture_link(p->r, e, p->dir, p->link_captures, why, sizeof why);
    if (pcap) {
        H("Packet capture: <a href=\"");
        url_path(h, pcap);
        H("\" download>");
        T(pcap);
        H("</a> (open with Wireshark or <code>tshark -r</code>)");
        free(pcap);
    } else if (*wsf_rj_str(sc, "pcap")) {
        /* Said where the link would be, and once on stderr: the report
         * is still written. */
        const char *verb = p->link_captures ? "linked" : "copied";
        H("<span class=\"not-copied\">capture not %s: ", verb);
        T(why);
        H("</span> (<code>");
        wsf_rj_markup(h, sc, "pcap");
        H("</code>)");
        fprintf(stderr, "wsfault: %s: %s: capture not %s: %s (%s)\n", e->run->path, e->name, verb,
                why, wsf_rj_str(sc, "pcap"));
    } else {
        H("No packet capture for this scenario.");
    }
    H("</p>\n");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(sc, "faults"), i, f)
    {
        H("<p class=\"muted\">fault <code>");
        wsf_rj_markup(h, f, "fault");
        H("</code> fired; its ");
        wsf_rj_markup(h, f, "wire");
        H(" was on the wire %lldus later.</p>\n", (long long)wsf_rj_int(f, "delta_us", 0));
    }
}

/* All of a scenario but its header: everything, or for a passing one
 * (whole) the same markup, to be held back whole. */
static void scenario_body(wsf_buf *h, page *p, const wsf_report_entry *e, bool whole)
{
    const json_t *sc = e->sc;
    member(h, "<p>", sc, "description", "</p>\n");
    rfc_refs(h, sc);
    member(h, "<p>The target file lists this as a known failure: <em>", sc, "known", "</em></p>\n");
    checks(h, e);
    H("<h3>Sequence</h3>\n<div class=\"seq-wrap\">");
    wsf_report_svg(h, p->r, e);
    H("</div>\n");
    target_log(h, e);
    evidence(h, p, e);
    H("<p>Re-run exactly this scenario:</p>\n<pre class=\"rerun\"><code>");
    wsf_buf cmd;
    wsf_buf_init(&cmd);
    wsf_report_rerun(e, &cmd);
    wsf_markup(h, (const char *)cmd.data, cmd.len);
    wsf_buf_free(&cmd);
    H("</code></pre>\n");
    source(h, p, e, whole);
    timeline_table(h, e, whole);
}

/* A scenario's block: its header line, the name, verdict, duration, file
 * and reason, which a reader scans; then the rest, at once for what did not
 * pass, held back until it is opened for what did (most of a big merge). */
static void scenario(wsf_buf *h, page *p, const wsf_report_entry *e)
{
    const wsf_report *r = p->r;
    const json_t *sc = e->sc;
    const char *v = e->verdict;
    bool open = !strcmp(v, "fail") || !strcmp(v, "error");
    bool pass = !strcmp(v, "pass");
    wsf_buf body;
    wsf_buf_init(&body);
    scenario_body(&body, p, e, pass);
    H("<details class=\"scenario v-%s\" id=\"%s\" data-verdicts=\"%s\"%s", v, e->id, v,
      open ? " open" : "");
    bool held = pass && held_back(h, &body);
    H(">\n<summary>");
    badge(h, e->verdict);
    wsf_rj_markup(h, sc, "name");
    repeat(h, e);
    if (r->n_targets > 1) {
        H(" <span class=\"muted\">against ");
        T(r->targets[e->col]);
        H("</span>");
    }
    H(" <small class=\"muted\">");
    duration(h, wsf_rj_int(sc, "duration_us", 0));
    H("</small></summary>\n<p class=\"muted\">file <code>");
    T(e->file);
    H("</code>, target ");
    T(r->targets[e->col]);
    member(h, " at <code>", sc, "url", "</code>");
    H(", started ");
    wsf_rj_markup(h, sc, "started");
    H("</p>\n");
    member(h, "<div class=\"reason\">", sc, "reason", "</div>\n");
    if (!held) wsf_buf_append(h, body.data, body.len);
    wsf_buf_free(&body);
    H("</details>\n");
}

/* The texts the passing scenarios refer to, each held back once. */
static void shared_texts(wsf_buf *h, const page *p)
{
    H("<div hidden id=\"sources\">\n");
    for (size_t i = 0; i < p->n_texts; i++) {
        wsf_buf lines;
        wsf_buf_init(&lines);
        source_lines(&lines, p->texts[i], NULL);
        H("<div id=\"source-%zu\"", i);
        bool held = held_back(h, &lines);
        H(">");
        if (!held) wsf_buf_append(h, lines.data, lines.len);
        H("</div>\n");
        wsf_buf_free(&lines);
    }
    H("</div>\n");
}

/* --- the page ------------------------------------------------------------------- */

/* 'sha256-...' of the script, for the page's Content-Security-Policy. */
static void script_hash(const char *js, char *out, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(js, strlen(js), md, &len, EVP_sha256(), NULL);
    unsigned char b64[64];
    EVP_EncodeBlock(b64, md, (int)len);
    snprintf(out, n, "sha256-%s", (char *)b64);
}

/* Fills the page template's {{name}} slots. */
static void fill(wsf_buf *out, const char *tpl, const char *const *names, const char *const *values,
                 size_t n)
{
    const char *p = tpl;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (!open) break;
        wsf_buf_append(out, p, (size_t)(open - p));
        const char *close = strstr(open, "}}");
        size_t k = n;
        if (close)
            for (k = 0; k < n; k++)
                if (strlen(names[k]) == (size_t)(close - open - 2) &&
                    !strncmp(open + 2, names[k], strlen(names[k])))
                    break;
        if (k == n) {
            wsf_buf_append(out, "{{", 2);
            p = open + 2;
            continue;
        }
        wsf_buf_append(out, values[k], strlen(values[k]));
        p = close + 2;
    }
    wsf_buf_append(out, p, strlen(p));
}

int wsf_report_html(const wsf_report *r, const char *dir, const wsf_html_options *o, char *err,
                    size_t errlen)
{
    if (wsf_mkdir_p(dir, err, errlen) < 0) return -1;
    if (!o->link_captures) {
        char *caps = wsf_xasprintf("%s/captures", dir);
        int rc = wsf_mkdir_p(caps, err, errlen);
        free(caps);
        if (rc < 0) return -1;
    }
    page p = {.r = r, .dir = dir, .link_captures = o->link_captures};

    wsf_buf body, title;
    wsf_buf_init(&body);
    wsf_buf_init(&title);
    wsf_buf *h = &body;
    summary(h, r);
    filter(h);
    matrix(h, r);
    H("<h2>Scenarios</h2>\n<p class=\"muted\" id=\"folding\">A passing scenario shows its header "
      "line; the rest of it, as every table of events, is unpacked when it is opened (with "
      "scripts on).");
    if (o->link_captures)
        H(" The packet captures are linked where their runs left them, by their paths from this "
          "report's folder, not copied beside it: move the report, and they stay behind.");
    H("</p>\n<div id=\"scenarios\">\n");
    for (size_t i = 0; i < r->n; i++)
        scenario(h, &p, &r->entries[i]);
    H("</div>\n");
    shared_texts(h, &p);
    free(p.texts);

    wsf_buf_appendf(&title, "wsfault report: ");
    for (size_t c = 0; c < r->n_targets; c++) {
        if (c) wsf_buf_appendf(&title, ", ");
        wsf_markup_str(&title, r->targets[c]);
    }
    char hash[96];
    script_hash(wsf_asset_js, hash, sizeof hash);
    const char *names[] = {"title", "version", "css", "js", "script_hash", "body"};
    const char *values[] = {(char *)title.data, WSF_VERSION, wsf_asset_css,
                            wsf_asset_js,       hash,        (char *)body.data};
    wsf_buf out;
    wsf_buf_init(&out);
    fill(&out, wsf_asset_page, names, values, sizeof names / sizeof *names);
    char *path = wsf_xasprintf("%s/index.html", dir);
    int rc = wsf_write_file_atomic(path, out.data, out.len, err, errlen);
    free(path);
    wsf_buf_free(&out);
    wsf_buf_free(&body);
    wsf_buf_free(&title);
    return rc;
}
