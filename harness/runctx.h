/* The state of one running scenario, shared by the runner's files: the
 * scenario loop (runner.c), the steps (steps.c, connset.c, send.c), and the
 * judge (expectations about the target, its log and the closing). What they
 * record goes through checks.h, waits through wait.h, texts through
 * describe.h. Private to the runner's files. */
#ifndef WSF_RUNCTX_H
#define WSF_RUNCTX_H

#include "capture.h"
#include "runner.h"

typedef struct {
    wsf_runner *r;
    const wsf_scenario *sc;
    wsf_result *res;
    /* One peer per connection of the scenario (conns[0] is the default
     * one); peer is the one the running step is about. */
    wsf_peer *conns;
    size_t n_conns;
    wsf_peer *peer;
    /* The connections with time-driven work: what a wait ticks. */
    wsf_peer_timers timers;
    /* While a step runs for each member of a set: the member's name, said
     * in what its checks found. */
    const char *member;
    /* The running step's action was done already for this member, with
     * the set's others (rc_step_begin): only its waiting and judging are
     * left. */
    bool begun;
    bool *ending;          /* during the teardown: the connections it is ending */
    int64_t step_start_us; /* absolute */
    const wsf_step *step;  /* the step running now */
    bool stop;             /* a check failed or the run cannot go on */
    /* The target as the scenario began, for "fds baseline" and "rss growth". */
    int fd_baseline;
    int64_t rss_start, rss_max;
    int64_t next_sample_us;
    int64_t settle_from; /* when the scenario's own steps ended */
    struct wsf_capture *cap;
    wsf_wire_facts wire;
    /* When wsfault began to end the connection itself (absolute; 0: not
     * yet): what happens from then on is never the scenario's doing. */
    int64_t teardown_us;
    /* When the scenario first sent SIGINT (absolute; 0: never): Python's
     * answer to it, a KeyboardInterrupt traceback, is no alarm. */
    int64_t sigint_us;
} run_ctx;

typedef bool (*cond_fn)(run_ctx *c);

/* Expectations about the target process, its log, its resources and the
 * closing facts (judge.c). */
void rc_judge(run_ctx *c, const wsf_step *st, wsf_check *k);
/* Ends the connections the scenario left open, cleanly, all at once
 * (teardown.c). */
void rc_teardown(run_ctx *c);
/* expect fail-connection (failure.c). */
void rc_judge_failure(run_ctx *c, const wsf_step *st, wsf_check *k);
/* The target holds none of this scenario's connections (judge.c). */
bool rc_connections_released(run_ctx *c);
/* Checks made when the scenario ends: "no log ... until end" and alarms. */
void rc_judge_at_end(run_ctx *c);

#endif
