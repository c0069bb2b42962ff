/* Named bounds: the time and size limits that depend on how a server is
 * configured (how long it lets a handshake take, how long it waits for a
 * Close reply, how long it takes to exit). Scenarios name them
 * (`within handshake-timeout`); each has a default taken from common
 * practice, and a target file (`bound NAME VALUE`) or the command line
 * (`--bound NAME=VALUE`) sets the value for one server. Documented in
 * docs/scenario-language.md#named-bounds. */
#ifndef WSF_BOUNDS_H
#define WSF_BOUNDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    WSF_BOUND_NONE = 0, /* a literal value, not a bound */
    WSF_BOUND_HANDSHAKE_TIMEOUT,
    WSF_BOUND_CLOSE_TIMEOUT,
    WSF_BOUND_CLOSE_TCP,
    WSF_BOUND_SHUTDOWN_GRACE,
    WSF_BOUND_RSS_GROWTH,
    WSF_N_BOUNDS
} wsf_bound;

typedef struct {
    int64_t value[WSF_N_BOUNDS]; /* microseconds, or bytes for a size */
    /* Where each value came from: "the default", "t.target:7", "--bound". */
    char origin[WSF_N_BOUNDS][256];
} wsf_bounds;

/* The bound a name stands for, or WSF_BOUND_NONE. */
wsf_bound wsf_bound_from_name(const char *name);
const char *wsf_bound_name(wsf_bound b);
/* A size (bytes) rather than a duration. */
bool wsf_bound_is_size(wsf_bound b);
/* Every name, for messages: "handshake-timeout, close-timeout, ...". */
const char *wsf_bound_names(bool sizes);

void wsf_bounds_defaults(wsf_bounds *bs);
void wsf_bounds_set(wsf_bounds *bs, wsf_bound b, int64_t value, const char *origin);
/* "NAME=VALUE" from the command line; -1 with why in err. */
int wsf_bounds_set_arg(wsf_bounds *bs, const char *arg, char *err, size_t errlen);

/* How long a check that names the bound waits: the server's value plus a
 * slack of a tenth (at least 100ms) for its timer and the scheduler, so a
 * server that keeps exactly to its value is never failed by a race. Sizes
 * have no slack. */
int64_t wsf_bound_effective(const wsf_bounds *bs, wsf_bound b);
/* "handshake-timeout = 60s (the default) + 6s slack", for check messages. */
void wsf_bound_describe(const wsf_bounds *bs, wsf_bound b, char *out, size_t outlen);

#endif
