/* A port handed out by bind(0) lies in the kernel's ephemeral range, where
 * any connect() on the machine (the peer's own among them) may take it as its
 * local port between the moment it is chosen and the moment the target binds
 * it: the target then dies with "address already in use", at random. So a
 * target's port comes from outside that range. Two wsfault processes running
 * side by side could still pick the same one; each claim is therefore also
 * an abstract unix socket named after the port, which the kernel refuses to
 * bind twice and frees when its holder exits, however it exits. Abstract
 * names live in the network namespace, as ports do. */
#include "port.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FIRST_PORT 1024 /* below: privileged, and the well-known services */
#define LAST_PORT 65535
#define MAX_TRIES 2000

void wsf_port_ephemeral_range(int *lo, int *hi)
{
    *lo = 32768;
    *hi = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (!f) return;
    int a, b;
    if (fscanf(f, "%d %d", &a, &b) == 2 && a >= 1 && a <= b && b <= LAST_PORT) {
        *lo = a;
        *hi = b;
    }
    fclose(f);
}

static int lock_port(int port)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    /* sun_path[0] stays NUL: an abstract name, no file to clean up. */
    int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "wsfault/port/%d", port);
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    if (bind(fd, (struct sockaddr *)&a, len) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Free means an exclusive bind to the wildcard address succeeds, which it
 * does not while any socket holds the port on any address: listening,
 * connected, or in TIME_WAIT (a target without SO_REUSEADDR could not bind
 * over that). IPv6 is asked separately, as a v6-only socket would not show. */
static bool bindable(int family, int port)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return family == AF_INET6 && errno == EAFNOSUPPORT;
    int rc;
    if (family == AF_INET) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    } else {
        int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
        rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    }
    int saved = errno;
    close(fd);
    /* No IPv6 on loopback at all (disabled): nothing can hold a v6 port. */
    return rc == 0 || (family == AF_INET6 && saved == EADDRNOTAVAIL);
}

static bool candidate(int port, int lo, int hi)
{
    return port >= FIRST_PORT && port <= LAST_PORT && (port < lo || port > hi);
}

static int next_port(int port)
{
    return port >= LAST_PORT ? FIRST_PORT : port + 1;
}

/* The number of candidates, and the k-th of them. */
static int outside_count(int lo, int hi)
{
    return (lo > FIRST_PORT ? lo - FIRST_PORT : 0) + (hi < LAST_PORT ? LAST_PORT - hi : 0);
}

static int outside_nth(int k, int lo, int hi)
{
    int below = lo > FIRST_PORT ? lo - FIRST_PORT : 0;
    return k < below ? FIRST_PORT + k : hi + 1 + (k - below);
}

int wsf_port_claim_from(wsf_port *p, int first, int eph_lo, int eph_hi, char *err, size_t errlen)
{
    p->port = 0;
    p->lock_fd = -1;
    int outside = outside_count(eph_lo, eph_hi);
    if (outside <= 0) {
        snprintf(err, errlen,
                 "no port outside the ephemeral range %d-%d "
                 "(/proc/sys/net/ipv4/ip_local_port_range) is left for targets",
                 eph_lo, eph_hi);
        return -1;
    }
    int port = first < FIRST_PORT || first > LAST_PORT ? FIRST_PORT : first;
    int tries = outside < MAX_TRIES ? outside : MAX_TRIES;
    for (int i = 0; i < tries; i++, port = next_port(port)) {
        while (!candidate(port, eph_lo, eph_hi))
            port = next_port(port);
        int fd = lock_port(port);
        if (fd < 0 && errno != EADDRINUSE) {
            snprintf(err, errlen, "cannot claim a port for the target: %s", strerror(errno));
            return -1;
        }
        if (fd < 0) continue;
        if (bindable(AF_INET, port) && bindable(AF_INET6, port)) {
            p->port = port;
            p->lock_fd = fd;
            return 0;
        }
        close(fd);
    }
    snprintf(err, errlen, "no free port for the target among %d tried outside the ephemeral range",
             tries);
    return -1;
}

int wsf_port_claim(wsf_port *p, char *err, size_t errlen)
{
    int lo, hi;
    wsf_port_ephemeral_range(&lo, &hi);
    /* A random start, so that wsfault processes side by side rarely contend. */
    int outside = outside_count(lo, hi);
    unsigned r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r) r = (unsigned)getpid() * 2654435761u;
    int first = outside > 0 ? outside_nth((int)(r % (unsigned)outside), lo, hi) : FIRST_PORT;
    return wsf_port_claim_from(p, first, lo, hi, err, errlen);
}

void wsf_port_release(wsf_port *p)
{
    /* A zeroed wsf_port claims nothing: its lock_fd 0 is not ours to close. */
    if (p->port != 0 && p->lock_fd >= 0) close(p->lock_fd);
    p->lock_fd = -1;
    p->port = 0;
}
