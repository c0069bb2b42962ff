/* The named bounds and their defaults. Each default is the longest value in
 * common use among widely deployed servers, so that a correctly configured
 * server is never failed by wsfault's impatience; docs/scenario-language.md
 * gives the source of each. */
#include "bounds.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    bool size;
    int64_t dflt;
    const char *without; /* what a server that does not declare it is taken to do */
} table[WSF_N_BOUNDS] = {
    [WSF_BOUND_HANDSHAKE_TIMEOUT] = {"handshake-timeout", false, 60000000, NULL}, /* Node, nginx */
    [WSF_BOUND_CLOSE_TIMEOUT] = {"close-timeout", false, 30000000, NULL},         /* Node ws */
    [WSF_BOUND_CLOSE_TCP] = {"close-tcp", false, 2000000, NULL},            /* RFC 6455 5.5.1 */
    [WSF_BOUND_SHUTDOWN_GRACE] = {"shutdown-grace", false, 10000000, NULL}, /* docker stop */
    /* Pinging is the server's choice: no default, a server that declares
     * none is taken not to ping. The timeout is python-websockets' and
     * uvicorn's (20 s after the Ping). */
    [WSF_BOUND_PING_INTERVAL] = {"ping-interval", false, WSF_BOUND_UNDECLARED,
                                 "a server that declares none is taken not to ping"},
    [WSF_BOUND_PING_TIMEOUT] = {"ping-timeout", false, 20000000, NULL},
    [WSF_BOUND_RSS_GROWTH] = {"rss-growth", true, 16 << 20, NULL},
};

wsf_bound wsf_bound_from_name(const char *name)
{
    for (int b = 1; b < WSF_N_BOUNDS; b++)
        if (!strcmp(table[b].name, name)) return (wsf_bound)b;
    return WSF_BOUND_NONE;
}

const char *wsf_bound_name(wsf_bound b)
{
    return b > WSF_BOUND_NONE && b < WSF_N_BOUNDS ? table[b].name : "?";
}

bool wsf_bound_is_size(wsf_bound b)
{
    return b > WSF_BOUND_NONE && b < WSF_N_BOUNDS && table[b].size;
}

const char *wsf_bound_names(bool sizes)
{
    return sizes ? "rss-growth"
                 : "handshake-timeout, close-timeout, close-tcp, shutdown-grace, ping-interval, "
                   "ping-timeout";
}

void wsf_bounds_defaults(wsf_bounds *bs)
{
    for (int b = 1; b < WSF_N_BOUNDS; b++)
        wsf_bounds_set(bs, (wsf_bound)b, table[b].dflt,
                       table[b].dflt == WSF_BOUND_UNDECLARED ? "not declared" : "the default");
}

const char *wsf_bound_without(wsf_bound b)
{
    return b > WSF_BOUND_NONE && b < WSF_N_BOUNDS && table[b].without ? table[b].without : "";
}

bool wsf_bound_declared(const wsf_bounds *bs, wsf_bound b)
{
    return b > WSF_BOUND_NONE && b < WSF_N_BOUNDS && bs->value[b] != WSF_BOUND_UNDECLARED;
}

void wsf_bounds_set(wsf_bounds *bs, wsf_bound b, int64_t value, const char *origin)
{
    bs->value[b] = value;
    snprintf(bs->origin[b], sizeof bs->origin[b], "%s", origin);
}

int wsf_bounds_set_arg(wsf_bounds *bs, const char *arg, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    char name[64];
    if (!eq || (size_t)(eq - arg) >= sizeof name) {
        snprintf(err, errlen, "--bound %s: expected NAME=VALUE (e.g. close-timeout=10s)", arg);
        return -1;
    }
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    wsf_bound b = wsf_bound_from_name(name);
    if (b == WSF_BOUND_NONE) {
        snprintf(err, errlen, "--bound %s: unknown bound '%s' (known: %s, %s)", arg, name,
                 wsf_bound_names(false), wsf_bound_names(true));
        return -1;
    }
    int64_t v;
    uint64_t size;
    if (wsf_bound_is_size(b)) {
        if (wsf_parse_size(eq + 1, &size) < 0 || size > INT64_MAX) {
            snprintf(err, errlen, "--bound %s: expected a size (e.g. 16MiB), found '%s'", arg,
                     eq + 1);
            return -1;
        }
        v = (int64_t)size;
    } else if (wsf_parse_duration(eq + 1, &v) < 0) {
        snprintf(err, errlen, "--bound %s: expected a duration (e.g. 10s), found '%s'", arg,
                 eq + 1);
        return -1;
    }
    wsf_bounds_set(bs, b, v, "--bound");
    return 0;
}

static int64_t slack(int64_t v)
{
    return v / 10 > 100000 ? v / 10 : 100000;
}

int64_t wsf_bound_effective(const wsf_bounds *bs, wsf_bound b)
{
    int64_t v = bs->value[b];
    return wsf_bound_is_size(b) ? v : v + slack(v);
}

void wsf_bound_describe(const wsf_bounds *bs, wsf_bound b, char *out, size_t outlen)
{
    int64_t v = bs->value[b];
    if (wsf_bound_is_size(b)) {
        snprintf(out, outlen, "%s = %.1f MiB (%s)", table[b].name, (double)v / 1048576.0,
                 bs->origin[b]);
        return;
    }
    char a[32], s[32];
    wsf_format_duration(v, a, sizeof a);
    wsf_format_duration(slack(v), s, sizeof s);
    snprintf(out, outlen, "%s = %s (%s) + %s slack", table[b].name, a, bs->origin[b], s);
}
