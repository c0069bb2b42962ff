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
    /* One peer per connection of the scenario (conns[0] is the default
     * one); peer is the one the running step is about. */
    wsf_peer *conns;
    size_t n_conns;
    wsf_peer *peer;
    /* While a step runs for each member of a set: the member's name, said
     * in what its checks found. */
    const char *member;
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
/* The target ended TCP (FIN or RST); and that, or a frame to take, or input
 * that cannot be read: conditions for rc_run_until. */
bool rc_tcp_ended(run_ctx *c);
bool rc_frame_or_end(run_ctx *c);
/* Runs the loop until cond holds or the absolute deadline; false on timeout. */
bool rc_run_until(run_ctx *c, cond_fn cond, int64_t deadline);
/* "at +12.3ms, 4.1ms after the step" for a timeline time. */
char *rc_when(run_ctx *c, int64_t t_us);
/* "close 1000 \"bye\"", "close with an empty payload", ...: code -1 is an
 * empty payload, -2 a 1-byte one, WSF_CLOSE_ANY any; reason may be NULL. */
void rc_describe_close(wsf_buf *b, int code, const uint8_t *reason, size_t rlen);
/* "close 1002 or 1007": the codes an expectation accepts. */
void rc_describe_codes(wsf_buf *b, const wsf_expect *e);
bool rc_code_accepted(const wsf_expect *e, int code);
/* A received frame as a check's actual text, with when it came. */
char *rc_describe_rx(run_ctx *c, const wsf_rx_frame *f);
/* How the target ended TCP, with when ("the target closed TCP (FIN) at
 * ..."), or NULL while it has not. */
char *rc_tcp_story(run_ctx *c);
/* The peer sends a Close with this code (-1: an empty payload), as a
 * well-behaved client would, and puts it on the timeline. */
void rc_send_close(run_ctx *c, int code);
/* Takes a sample of the target's RSS into rss_max. */
void rc_sample(run_ctx *c);

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
