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
    WSF_BOUND_PING_INTERVAL,
    WSF_BOUND_PING_TIMEOUT,
    WSF_BOUND_RSS_GROWTH,
    WSF_N_BOUNDS
} wsf_bound;

/* The value of a bound that has no default and was not declared: a server
 * is taken not to have that behaviour (ping-interval: it does not ping). */
#define WSF_BOUND_UNDECLARED (-1)

typedef struct {
    int64_t value[WSF_N_BOUNDS]; /* microseconds, bytes, or WSF_BOUND_UNDECLARED */
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
/* The bound has a value: a default, or one a target file or --bound gave. */
bool wsf_bound_declared(const wsf_bounds *bs, wsf_bound b);
/* What a server that declares no value of a bound without default is taken
 * to do: "a server that declares none is taken not to ping". */
const char *wsf_bound_without(wsf_bound b);
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
