/* Unit tests for port.c. A target's port must stay free from the moment it
 * is chosen until the target binds it: no connect() may take it as its local
 * port (so it lies outside the ephemeral range), no other wsfault process may
 * choose it too, and nothing already bound to it, even in TIME_WAIT, may
 * hold it. */
#include "cunit_main.h"
#include "port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MANY 100

static int lo, hi;

static bool outside_ephemeral(int port)
{
    return port >= 1024 && port <= 65535 && (port < lo || port > hi);
}

static int claim_from(wsf_port *p, int first)
{
    char err[256] = "";
    int rc = wsf_port_claim_from(p, first, lo, hi, err, sizeof err);
    if (rc < 0) fprintf(stderr, "claim from %d: %s\n", first, err);
    return rc;
}

/* A listening or bound socket on 127.0.0.1:port (or ::1), or -1. */
static int bound_socket(int family, int port, bool listening)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int rc;
    if (family == AF_INET) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    } else {
        int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
        a.sin6_addr = in6addr_loopback;
        rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    }
    if (rc < 0 || (listening && listen(fd, 4) < 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void test_outside_ephemeral_and_distinct(void)
{
    wsf_port held[MANY];
    char err[256];
    int n = 0;

    for (; n < MANY; n++) {
        REQUIRE(wsf_port_claim(&held[n], err, sizeof err) == 0);
        CU_ASSERT(outside_ephemeral(held[n].port));
        for (int j = 0; j < n; j++)
            CU_ASSERT_NOT_EQUAL(held[j].port, held[n].port);
    }
end:
    while (n-- > 0)
        wsf_port_release(&held[n]);
}

/* The claim, not luck, keeps a second claim off the port: released, the
 * same port is claimed again from the same start. */
static void test_claimed_port_skipped(void)
{
    wsf_port a = {0}, b = {0}, c = {0};
    char err[256];

    REQUIRE(wsf_port_claim(&a, err, sizeof err) == 0);
    int port = a.port;
    REQUIRE(claim_from(&b, port) == 0);
    CU_ASSERT_NOT_EQUAL(b.port, port);
    CU_ASSERT(outside_ephemeral(b.port));
    wsf_port_release(&a);
    wsf_port_release(&b);
    REQUIRE(claim_from(&c, port) == 0);
    CU_ASSERT_EQUAL(c.port, port);
end:
    wsf_port_release(&a);
    wsf_port_release(&b);
    wsf_port_release(&c);
}

/* Another wsfault process's claim counts, and ends when that process exits
 * without giving it up. */
static void test_claim_of_another_process(void)
{
    int to_parent[2] = {-1, -1}, to_child[2] = {-1, -1};
    pid_t pid = -1;
    wsf_port mine = {0};

    REQUIRE(pipe(to_parent) == 0 && pipe(to_child) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        wsf_port p;
        char err[256], byte;
        int port = wsf_port_claim(&p, err, sizeof err) == 0 ? p.port : -1;
        close(to_child[1]);
        if (write(to_parent[1], &port, sizeof port) != sizeof port) _exit(1);
        (void)read(to_child[0], &byte, 1); /* until the parent closes its end */
        _exit(0);                          /* no release: exiting must be enough */
    }
    close(to_child[0]);
    to_child[0] = -1;
    int port = -1;
    REQUIRE(read(to_parent[0], &port, sizeof port) == sizeof port);
    REQUIRE(port > 0);
    REQUIRE(claim_from(&mine, port) == 0);
    CU_ASSERT_NOT_EQUAL(mine.port, port);
    wsf_port_release(&mine);

    close(to_child[1]);
    to_child[1] = -1;
    int status;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    pid = -1;
    REQUIRE(claim_from(&mine, port) == 0);
    CU_ASSERT_EQUAL(mine.port, port);
end:
    wsf_port_release(&mine);
    for (int i = 0; i < 2; i++) {
        if (to_parent[i] >= 0) close(to_parent[i]);
        if (to_child[i] >= 0) close(to_child[i]);
    }
    if (pid > 0) waitpid(pid, NULL, 0);
}

/* A port some other program listens on, on IPv4 or IPv6 loopback only, is
 * not handed out. */
static void test_bound_port_skipped(void)
{
    wsf_port a = {0}, b = {0};
    char err[256];
    int fd = -1;
    int families[] = {AF_INET, AF_INET6};

    for (int i = 0; i < 2; i++) {
        REQUIRE(wsf_port_claim(&a, err, sizeof err) == 0);
        int port = a.port;
        wsf_port_release(&a);
        fd = bound_socket(families[i], port, true);
        if (fd < 0 && families[i] == AF_INET6) break; /* no IPv6 here */
        REQUIRE(fd >= 0);
        REQUIRE(claim_from(&b, port) == 0);
        CU_ASSERT_NOT_EQUAL(b.port, port);
        wsf_port_release(&b);
        close(fd);
        fd = -1;
    }
end:
    if (fd >= 0) close(fd);
    wsf_port_release(&a);
    wsf_port_release(&b);
}

/* A port left in TIME_WAIT by a connection that used it is not handed out:
 * a target that binds without SO_REUSEADDR could not bind it. */
static void test_time_wait_port_skipped(void)
{
    wsf_port a = {0}, b = {0};
    char err[256];
    int listener = -1, client = -1, server = -1;

    REQUIRE(wsf_port_claim(&a, err, sizeof err) == 0);
    int port = a.port;
    wsf_port_release(&a);
    listener = bound_socket(AF_INET, 0, true);
    REQUIRE(listener >= 0);
    struct sockaddr_in to;
    socklen_t len = sizeof to;
    REQUIRE(getsockname(listener, (struct sockaddr *)&to, &len) == 0);
    client = bound_socket(AF_INET, port, false);
    REQUIRE(client >= 0);
    REQUIRE(connect(client, (struct sockaddr *)&to, sizeof to) == 0);
    server = accept(listener, NULL, NULL);
    REQUIRE(server >= 0);
    close(client); /* the side that closes first keeps TIME_WAIT */
    client = -1;
    char byte;
    REQUIRE(read(server, &byte, 1) == 0);
    close(server);
    server = -1;

    REQUIRE(claim_from(&b, port) == 0);
    CU_ASSERT_NOT_EQUAL(b.port, port);
end:
    if (listener >= 0) close(listener);
    if (client >= 0) close(client);
    if (server >= 0) close(server);
    wsf_port_release(&a);
    wsf_port_release(&b);
}

/* Past the last port the search goes on from 1024, skipping the ephemeral
 * range wherever it lies. */
static void test_wraps_around(void)
{
    wsf_port a = {0}, b = {0}, c = {0};
    char err[256];

    REQUIRE(wsf_port_claim_from(&a, 65535, 30000, 65000, err, sizeof err) == 0);
    REQUIRE(wsf_port_claim_from(&b, a.port, 30000, 65000, err, sizeof err) == 0);
    CU_ASSERT(b.port != a.port && (b.port < 30000 || b.port > 65000) && b.port >= 1024);
    /* A start inside the range begins past it. */
    REQUIRE(wsf_port_claim_from(&c, 20000, 10000, 40000, err, sizeof err) == 0);
    CU_ASSERT(c.port > 40000);
end:
    wsf_port_release(&a);
    wsf_port_release(&b);
    wsf_port_release(&c);
}

/* A range that leaves no port outside it is a clear error, not a hang. */
static void test_no_room(void)
{
    wsf_port p = {0};
    char err[256] = "";

    CU_ASSERT_EQUAL(wsf_port_claim_from(&p, 5000, 1024, 65535, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "ip_local_port_range"));
    CU_ASSERT_EQUAL(p.port, 0);
    err[0] = '\0';
    CU_ASSERT_EQUAL(wsf_port_claim_from(&p, 5000, 1, 65535, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "1-65535"));
}

/* A zeroed wsf_port claims nothing: releasing it closes no descriptor (its
 * lock_fd 0 is standard input). */
static void test_release_of_nothing(void)
{
    int fds[2];

    CU_ASSERT_FATAL(pipe(fds) == 0);
    wsf_port p = {.port = 0, .lock_fd = fds[0]};
    wsf_port_release(&p);
    CU_ASSERT(fcntl(fds[0], F_GETFD) != -1);
    close(fds[0]);
    close(fds[1]);
}

static CU_TestInfo tests[] = {
    {"outside the ephemeral range, distinct", test_outside_ephemeral_and_distinct},
    {"a claimed port is skipped", test_claimed_port_skipped},
    {"another process's claim", test_claim_of_another_process},
    {"a bound port is skipped", test_bound_port_skipped},
    {"a TIME_WAIT port is skipped", test_time_wait_port_skipped},
    {"wraps around", test_wraps_around},
    {"no room", test_no_room},
    {"release of nothing", test_release_of_nothing},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    wsf_port_ephemeral_range(&lo, &hi);
    return wsf_cunit_run("port", tests);
}
