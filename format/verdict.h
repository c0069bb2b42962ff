/* The verdicts of results.json: the words the harness writes and a report
 * reads back. One list, so the two sides cannot drift apart. */
#ifndef WSF_VERDICT_H
#define WSF_VERDICT_H

/* KNOWN: failed, but the target file lists the scenario as a known failure.
 * NONSTRICT: only SHOULD expectations failed. */
typedef enum {
    WSF_PASS,
    WSF_FAIL,
    WSF_ERROR,
    WSF_KNOWN,
    WSF_NONSTRICT,
    WSF_SKIP, /* not run: it needs something this run does not have (the capture) */
    WSF_INFO, /* only informational expectations failed: reported, never failing */
    WSF_N_VERDICTS
} wsf_verdict;
/* "pass", "fail", "error", "known", "non-strict", "skip", "info" */
const char *wsf_verdict_name(wsf_verdict v);
/* The verdict a name stands for, or -1 (results files are read back). */
int wsf_verdict_parse(const char *name);

#endif
