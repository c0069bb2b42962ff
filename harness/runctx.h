/* The state of one running scenario, shared by the runner (steps) and the
 * judge (expectations about the target, its log and the closing). Private to
 * the runner's files. */
#ifndef WSF_RUNCTX_H
#define WSF_RUNCTX_H

#include "capture.h"
#include "runner.h"

typedef struct {
    wsf_runner *r;
    const wsf_scenario *sc;
    wsf_result *res;
    wsf_peer peer;
    int64_t step_start_us; /* absolute */
    const wsf_step *step;  /* the step running now */
    bool stop;             /* a check failed or the run cannot go on */
    /* The target as the scenario began, for "fds baseline" and "rss growth". */
    int fd_baseline;
    int64_t rss_start, rss_max;
    int64_t next_sample_us;
    int64_t settle_from; /* when the scenario's own steps ended */
    /* When wsfault began ending the connections itself (absolute, like the
     * lines' abs_us; 0: not yet): alarms from then on are only noted. */
    int64_t teardown_us;
    struct wsf_capture *cap;
    wsf_wire_facts wire;
} run_ctx;

typedef bool (*cond_fn)(run_ctx *c);

/* A check for a statement (line 0: one the runner adds itself). */
wsf_check *rc_add_check(run_ctx *c, int line, const char *text);
/* Judges it: takes ownership of expected and actual. A failed SHOULD makes
 * the scenario non-strict; a failed MUST fails it and stops it. */
void rc_check_done(run_ctx *c, wsf_check *k, bool ok, char *expected, char *actual);
/* The scenario cannot go on: error verdict, with why. */
void rc_error(run_ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Runs the loop until cond holds or the absolute deadline; false on timeout. */
bool rc_run_until(run_ctx *c, cond_fn cond, int64_t deadline);
/* "at +12.3ms, 4.1ms after the step" for a timeline time. */
char *rc_when(run_ctx *c, int64_t t_us);
/* "close 1000 \"bye\"", "close with an empty payload", ...: code -1 is an
 * empty payload, -2 a 1-byte one, WSF_CLOSE_ANY any; reason may be NULL. */
void rc_describe_close(wsf_buf *b, int code, const uint8_t *reason, size_t rlen);
/* Takes a sample of the target's RSS into rss_max. */
void rc_sample(run_ctx *c);

/* Expectations about the target process, its log, its resources and the
 * closing facts (judge.c). */
void rc_judge(run_ctx *c, const wsf_step *st, wsf_check *k);
/* Checks made when the scenario ends: "no log ... until end" and alarms. */
void rc_judge_at_end(run_ctx *c);

#endif
