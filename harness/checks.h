/* Recording checks and verdicts (checks.c): the interface the steps and the
 * judge's files record what they found through. */
#ifndef WSF_CHECKS_H
#define WSF_CHECKS_H

#include "runctx.h"

/* A check for a statement (line 0: one the runner adds itself). */
wsf_check *rc_add_check(run_ctx *c, int line, const char *text);
/* Judges it: takes ownership of expected and actual. A failed MUST fails
 * the scenario and stops it; a failed SHOULD makes it non-strict and a
 * failed informational check gives it the verdict info, and it goes on. */
void rc_check_done(run_ctx *c, wsf_check *k, bool ok, char *expected, char *actual);
/* The check cannot be judged in this run (why, e.g. no process to look at
 * with --url): recorded as skipped, the scenario goes on, the verdict is
 * unchanged. Takes ownership of expected. */
void rc_check_skip(run_ctx *c, wsf_check *k, char *expected, const char *why);
/* The scenario cannot go on: error verdict, with why. */
void rc_error(run_ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* How bad a result is: the higher, the worse. */
int rc_check_rank(wsf_check_result r);

#endif
