/* JUnit XML, the format every CI reads: one testsuite per suite folder, one
 * testcase per scenario and target. It keeps to the attributes and elements
 * Jenkins, GitHub and GitLab all accept (tests/data/junit.xsd checks that):
 * no CDATA (escaped text cannot be broken out of), times in seconds. */
#include "markup.h"
#include "report.h"

#include <stdio.h>
#include <stdint.h>
#include <string.h>

static void attr(wsf_buf *x, const char *name, const char *value)
{
    wsf_buf_appendf(x, " %s=\"", name);
    wsf_markup_str(x, value);
    wsf_buf_append(x, "\"", 1);
}

/* An attribute from a string member, NUL bytes and all. */
static void member_attr(wsf_buf *x, const char *name, const json_t *o, const char *key)
{
    wsf_buf_appendf(x, " %s=\"", name);
    wsf_rj_markup(x, o, key);
    wsf_buf_append(x, "\"", 1);
}

static void seconds(wsf_buf *x, const char *name, json_int_t us)
{
    wsf_buf_appendf(x, " %s=\"%.3f\"", name, us < 0 ? 0.0 : (double)us / 1e6);
}

/* The expectations that did not hold, as the terminal prints them: failed
 * MUSTs, failed SHOULDs and informational ones, each tagged. */
static void failed_checks(wsf_buf *x, const wsf_report_entry *e)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(e->sc, "checks"), i, k)
    {
        const char *res = wsf_rj_str(k, "result");
        if (strcmp(res, "fail") && strcmp(res, "non-strict") && strcmp(res, "info")) continue;
        json_int_t line = wsf_rj_int(k, "line", 0);
        if (line > 0) {
            wsf_markup_str(x, e->file);
            wsf_buf_appendf(x, ":%lld: ", (long long)line);
        }
        wsf_rj_markup(x, k, "text");
        if (!strcmp(res, "non-strict")) wsf_buf_appendf(x, " (SHOULD: non-strict)");
        if (!strcmp(res, "info")) wsf_buf_appendf(x, " (informational)");
        wsf_buf_appendf(x, "\n  expected: ");
        wsf_rj_markup(x, k, "expected");
        wsf_buf_appendf(x, "\n  actual:   ");
        wsf_rj_markup(x, k, "actual");
        json_int_t t = wsf_rj_int(k, "t_us", -1);
        if (t >= 0) wsf_buf_appendf(x, "\n  judged at +%.3fms", (double)t / 1000);
        wsf_buf_append(x, "\n", 1);
    }
}

static void testcase(wsf_buf *x, const wsf_report *r, const wsf_report_entry *e)
{
    const json_t *sc = e->sc;
    wsf_buf_appendf(x, "    <testcase");
    /* Unique within the suite: CI tools key their tables on the name. */
    wsf_buf name;
    wsf_buf_init(&name);
    wsf_buf_appendf(&name, "%s", e->name);
    if (r->n_targets > 1) wsf_buf_appendf(&name, " [%s]", r->targets[e->col]);
    if (e->rep) wsf_buf_appendf(&name, " (run %zu)", e->rep + 1);
    attr(x, "name", (char *)name.data);
    wsf_buf_free(&name);
    /* Dotted like a class, so CI tools group scenarios by folder. */
    const char *suite = r->suites[e->suite];
    while (*suite == '/' || !strncmp(suite, "./", 2))
        suite += *suite == '/' ? 1 : 2;
    char *cls = wsf_xstrdup(*suite ? suite : "wsfault");
    for (char *p = cls; *p; p++)
        if (*p == '/') *p = '.';
    attr(x, "classname", cls);
    free(cls);
    seconds(x, "time", wsf_rj_int(sc, "duration_us", 0));
    wsf_buf_appendf(x, ">\n");

    const char *v = e->verdict;
    if (!strcmp(v, "fail")) {
        wsf_buf_appendf(x, "      <failure type=\"fail\"");
        member_attr(x, "message", sc, "reason");
        wsf_buf_appendf(x, ">");
        failed_checks(x, e);
        wsf_buf_appendf(x, "</failure>\n");
    } else if (!strcmp(v, "error")) {
        wsf_buf_appendf(x, "      <error type=\"error\"");
        member_attr(x, "message", sc, "reason");
        wsf_buf_appendf(x, ">");
        wsf_rj_markup(x, sc, "reason");
        wsf_buf_appendf(x, "</error>\n");
    } else if (!strcmp(v, "skip")) {
        wsf_buf_appendf(x, "      <skipped");
        member_attr(x, "message", sc, "reason");
        wsf_buf_appendf(x, "/>\n");
    } else if (!strcmp(v, "known")) {
        /* A failure the target file expects: not a red build, but told. */
        char *m = wsf_xasprintf("known failure: %s", wsf_rj_str(sc, "known"));
        wsf_buf_appendf(x, "      <skipped");
        attr(x, "message", m);
        free(m);
        wsf_buf_appendf(x, ">");
        failed_checks(x, e);
        wsf_buf_appendf(x, "</skipped>\n");
    }
    wsf_buf_appendf(x, "      <system-out>");
    wsf_buf_appendf(x, "verdict: ");
    wsf_markup_str(x, v);
    wsf_buf_appendf(x, "\nscenario: ");
    wsf_markup_str(x, e->file);
    wsf_buf_appendf(x, "\ntarget: ");
    wsf_markup_str(x, r->targets[e->col]);
    if (!strcmp(v, "non-strict")) {
        wsf_buf_appendf(x, "\nonly SHOULD expectations failed:\n");
        failed_checks(x, e);
    }
    /* Informational: the RFC is silent, so a pass, with what was seen. */
    if (!strcmp(v, "info")) {
        wsf_buf_appendf(x, "\nonly informational expectations did not hold (reported, never "
                           "failing):\n");
        failed_checks(x, e);
    }
    wsf_buf_appendf(x, "\nre-run: ");
    wsf_buf cmd;
    wsf_buf_init(&cmd);
    wsf_report_rerun(e, &cmd);
    wsf_markup(x, (const char *)cmd.data, cmd.len);
    wsf_buf_free(&cmd);
    wsf_buf_appendf(x, "\n</system-out>\n    </testcase>\n");
}

typedef struct {
    size_t tests, failures, errors, skipped;
    json_int_t us;
} tally;

static void count(tally *t, const wsf_report_entry *e)
{
    t->tests++;
    if (!strcmp(e->verdict, "fail")) t->failures++;
    if (!strcmp(e->verdict, "error")) t->errors++;
    if (!strcmp(e->verdict, "skip") || !strcmp(e->verdict, "known")) t->skipped++;
    /* Each is at most 2^53: the sum of many stops at the largest instead of
     * overflowing. */
    json_int_t d = wsf_rj_int(e->sc, "duration_us", 0);
    if (d > 0) t->us = d > INT64_MAX - t->us ? INT64_MAX : t->us + d;
}

static void counts(wsf_buf *x, const tally *t)
{
    wsf_buf_appendf(x, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"", t->tests,
                    t->failures, t->errors, t->skipped);
    seconds(x, "time", t->us);
}

int wsf_report_junit(const wsf_report *r, const char *file, char *err, size_t errlen)
{
    wsf_buf x;
    wsf_buf_init(&x);
    tally all = {0};
    for (size_t i = 0; i < r->n; i++)
        count(&all, &r->entries[i]);
    wsf_buf_appendf(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"wsfault\"");
    counts(&x, &all);
    wsf_buf_appendf(&x, ">\n");
    for (size_t s = 0; s < r->n_suites; s++) {
        tally t = {0};
        size_t first = r->n;
        for (size_t i = 0; i < r->n; i++) {
            if (r->entries[i].suite != s) continue;
            if (first == r->n) first = i;
            count(&t, &r->entries[i]);
        }
        if (!t.tests) continue;
        wsf_buf_appendf(&x, "  <testsuite");
        attr(&x, "name", r->suites[s]);
        counts(&x, &t);
        /* The first scenario's start, in the format JUnit tools parse. */
        char stamp[32];
        snprintf(stamp, sizeof stamp, "%s", wsf_rj_str(r->entries[first].sc, "started"));
        size_t len = strlen(stamp);
        if (len && stamp[len - 1] == 'Z') stamp[len - 1] = '\0';
        if (*stamp) attr(&x, "timestamp", stamp);
        wsf_buf_appendf(&x, ">\n    <properties>\n");
        for (size_t c = 0; c < r->n_targets; c++) {
            /* Only the targets this suite ran against. */
            bool ran = false;
            for (size_t i = first; i < r->n && !ran; i++)
                ran = r->entries[i].suite == s && r->entries[i].col == c;
            if (!ran) continue;
            wsf_buf_appendf(&x, "      <property name=\"target\"");
            attr(&x, "value", r->targets[c]);
            wsf_buf_appendf(&x, "/>\n");
        }
        for (size_t i = 0; i < r->n_notes; i++) {
            wsf_buf_appendf(&x, "      <property name=\"note\"");
            attr(&x, "value", r->notes[i]);
            wsf_buf_appendf(&x, "/>\n");
        }
        wsf_buf_appendf(&x, "    </properties>\n");
        for (size_t i = 0; i < r->n; i++)
            if (r->entries[i].suite == s) testcase(&x, r, &r->entries[i]);
        wsf_buf_appendf(&x, "  </testsuite>\n");
    }
    wsf_buf_appendf(&x, "</testsuites>\n");
    int rc = wsf_write_file_atomic(file, x.data, x.len, err, errlen);
    wsf_buf_free(&x);
    return rc;
}
