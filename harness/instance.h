/* A running instance of a target: spawned in its own process group, bound to
 * die with the harness, its stdout and stderr read line by line with
 * timestamps, its exit seen through a pidfd, stopped with a signal and a grace
 * period and then SIGKILL. */
#ifndef WSF_INSTANCE_H
#define WSF_INSTANCE_H

#include "loop.h"
#include "port.h"
#include "target.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define WSF_LAST_LINES 20
#define WSF_MAX_LINE 4096

/* Called for every line the target prints; stream is "stdout" or "stderr". */
typedef void (*wsf_line_fn)(void *ctx, const char *stream, int64_t abs_us, const char *line,
                            size_t len);
/* Called once when the target exits; status as from waitpid. */
typedef void (*wsf_exit_fn)(void *ctx, int64_t abs_us, int status);

typedef struct {
    wsf_io io;
    const char *name;
    wsf_buf partial;
    struct wsf_instance *owner;
} wsf_stream;

typedef struct wsf_instance {
    const wsf_target *target;
    wsf_loop *loop;
    pid_t pid;
    char *mark; /* in its processes' environment (reaper.h) */
    wsf_io pidio;
    wsf_stream out, err;
    bool running;
    int status; /* wait status once !running */
    int64_t started_us, exited_us;
    wsf_port claim;             /* held while the target runs */
    char *url;                  /* expanded */
    char *last[WSF_LAST_LINES]; /* ring of the last lines, for error messages */
    size_t n_last;
    bool ready_seen; /* a line matched the ready pattern */
    /* The ready pattern gave up on this line (a match limit, rx.h): whether
     * the target is ready cannot be told, an error. NULL while it has not. */
    char *ready_gave_up;
    /* ${port2} ... ${port8}, those the target uses, held like claim. */
    wsf_port more_claims[WSF_TARGET_PORTS - 1];
    wsf_line_fn on_line;
    wsf_exit_fn on_exit;
    void *ctx;
} wsf_instance;

/* Claims a port (port.h) for ${port} and for each ${portN} the target uses,
 * expands the target's command, spawns it and waits until
 * it is ready (port accepts, or its ready pattern is printed) or the deadline.
 * Returns 0, or -1 with why in err (with its last log lines). On -1 the
 * instance is already stopped. */
int wsf_instance_start(wsf_instance *in, const wsf_target *t, const wsf_target_vars *vars,
                       wsf_loop *loop, char *err, size_t errlen);

/* Sends the stop signal to the process group, waits for the grace period
 * (reading its logs meanwhile), then SIGKILLs the group. Idempotent. */
void wsf_instance_stop(wsf_instance *in);

/* Reads what is left in the pipes now, without waiting. */
void wsf_instance_drain(wsf_instance *in);

/* "exited with status 1", "was killed by signal SEGV (11), core dumped". */
void wsf_describe_status(int status, char *out, size_t outlen);

/* The last lines printed, prefixed with "  | ", joined by newlines (none at the end). */
void wsf_instance_last_lines(const wsf_instance *in, wsf_buf *out);

#endif
