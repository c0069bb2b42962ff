/* Reports: HTML and JUnit XML rendered from results files alone, so a report
 * can be rebuilt later and the results of several runs, shards or targets
 * merged into one. The model here is what every renderer reads. */
#ifndef WSF_REPORT_H
#define WSF_REPORT_H

#include "util.h"

#include <jansson.h>
#include <stdbool.h>

/* One results file: a column of the matrix, shared with the other shares
 * of its suite when it is one of the shards of a run (--shard I/N). */
typedef struct {
    json_t *root;
    char *path;
    char *dir;  /* its folder: pcap paths in it are relative to this */
    size_t col; /* its column in targets */
} wsf_report_run;

/* One scenario run against one target. */
typedef struct {
    json_t *sc; /* the scenario's object in its results file */
    const wsf_report_run *run;
    size_t col;   /* the run's column in the matrix */
    size_t suite; /* index in suites */
    size_t rep;   /* 0; 1 for the second run of its file in one results file, ... */
    char *id;     /* unique, safe as an HTML id: "s12-3" */
    const char *file;
    const char *name;
    const char *verdict; /* pass fail error known non-strict skip */
} wsf_report_entry;

/* Merging drops no run: every results file has a column (the shards of one
 * run share one), every scenario in it an entry. A file given twice (the
 * same file under any path) is read once. */
typedef struct {
    wsf_report_run *runs;
    size_t n_runs;
    /* Column labels: the target's name (or its URL), with the shortest
     * suffix of the results file's path that tells apart the runs whose
     * targets share that name: "lws-echo (a/results.json)". */
    char **targets;
    size_t n_targets;
    char **suites; /* the scenario files' folders, sorted */
    size_t n_suites;
    /* Sorted by suite, then file, then repeat, then column: a matrix row is
     * one file and repeat. */
    wsf_report_entry *entries;
    size_t n;
    /* Plain sentences for the reader where the merge made a choice: columns
     * labelled by their files, a file given twice, a scenario run twice. */
    char **notes;
    size_t n_notes;
} wsf_report;

/* Reads and checks the results files; returns 0, or -1 with "file: why". */
int wsf_report_load(wsf_report *r, char *const *paths, size_t n, char *err, size_t errlen);
void wsf_report_free(wsf_report *r);

/* How the page is written. */
typedef struct {
    /* Link each capture where its run left it, by its path from DIR,
     * instead of copying it into DIR/captures/. */
    bool link_captures;
} wsf_html_options;

/* DIR/index.html (one self-contained page) and the captures it links, copied
 * into DIR/captures/ unless linked. Returns 0, or -1 with a message. */
int wsf_report_html(const wsf_report *r, const char *dir, const wsf_html_options *o, char *err,
                    size_t errlen);
/* JUnit XML: one testsuite per suite folder, one testcase per entry. */
int wsf_report_junit(const wsf_report *r, const char *file, char *err, size_t errlen);

/* Reading the results' JSON without checking each step: missing members
 * read as "" or the fallback. */
const char *wsf_rj_str(const json_t *o, const char *key);
/* Integers read between -2^53 and 2^53 (285 years of microseconds; the
 * epoch's microseconds fit), whatever the file says. */
#define WSF_RJ_INT_MAX ((json_int_t)1 << 53)
json_int_t wsf_rj_int(const json_t *o, const char *key, json_int_t fallback);
/* Appends a string member (NUL bytes and all) escaped for HTML/XML. */
void wsf_rj_markup(wsf_buf *out, const json_t *o, const char *key);

/* The close code the target sent ("1000"), else how its side ended ("RST",
 * "FIN"), else "". Written into out. */
void wsf_report_close_seen(const json_t *sc, char *out, size_t n);
/* A shell command line that re-runs exactly this scenario against the same
 * target, from the folder the run was started in. */
void wsf_report_rerun(const wsf_report_entry *e, wsf_buf *out);
/* "+103.801ms": a timeline time as every part of a report shows it. */
void wsf_report_time(json_int_t us, char *out, size_t n);
/* The scenario's timeline as an SVG sequence diagram (class "seq"). */
void wsf_report_svg(wsf_buf *out, const wsf_report *r, const wsf_report_entry *e);

#endif
