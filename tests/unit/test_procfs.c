/* Unit tests for procfs.c. The socket-table parser is tested on fixture
 * files in tests/unit/data, written in the kernel's exact format, and then on
 * the real tables with sockets this test opens itself; the fd and memory
 * readers on this very process. Waits for the kernel are bounded polls, and
 * only what must happen is asserted, never how fast. */
#include "cunit_main.h"
#include "procfs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef WSF_TEST_DATA
#error "WSF_TEST_DATA: the folder of the fixture files (set by tests/unit/CMakeLists.txt)"
#endif

#define TCP4 WSF_TEST_DATA "/proc-net-tcp"
#define TCP6 WSF_TEST_DATA "/proc-net-tcp6"
#define TCP_HEADER_ONLY WSF_TEST_DATA "/proc-net-tcp-header-only"

/* Kernel TCP state numbers (include/net/tcp_states.h). */
enum {
    ESTABLISHED = 1,
    FIN_WAIT2 = 5,
    TIME_WAIT = 6,
    CLOSE_WAIT = 8,
    LISTEN = 10,
};

/* Long enough for loopback under sanitizers on a busy machine. */
#define WAIT_MS 2000

/* An entry no lookup can produce, to see whether one was written. */
static const wsf_tcp_entry untouched = {.state = -7, .inode = 7777};

/* ---------------------------------------------------------------------------
 * Socket tables from files
 * ------------------------------------------------------------------------ */

/* One lookup in a table file: what it returns and the entry it fills. */
static int held_in(const char *path, uint16_t lport, uint16_t rport, wsf_tcp_entry *e)
{
    *e = untouched;
    return wsf_tcp_held_in(path, lport, rport, e);
}

static void test_table_v4(void)
{
    wsf_tcp_entry e;

    /* The listening socket: remote port 0. */
    CU_ASSERT_EQUAL(held_in(TCP4, 8080, 0, &e), 1);
    CU_ASSERT_EQUAL(e.state, LISTEN);
    CU_ASSERT_EQUAL(e.inode, 41001);

    /* Both ends of an established connection, each found by its own
     * (local, remote) ports. */
    CU_ASSERT_EQUAL(held_in(TCP4, 8080, 50000, &e), 1);
    CU_ASSERT_EQUAL(e.state, ESTABLISHED);
    CU_ASSERT_EQUAL(e.inode, 41002);
    CU_ASSERT_EQUAL(held_in(TCP4, 50000, 8080, &e), 1);
    CU_ASSERT_EQUAL(e.state, ESTABLISHED);
    CU_ASSERT_EQUAL(e.inode, 41003);

    /* The peer closed, the server did not: its end stays held in CLOSE_WAIT.
     * This is the leak "expect socket released" is there to catch. */
    CU_ASSERT_EQUAL(held_in(TCP4, 8080, 50001, &e), 1);
    CU_ASSERT_EQUAL(e.state, CLOSE_WAIT);
    CU_ASSERT_EQUAL(e.inode, 41004);
    /* The peer's end of it is an orphan in FIN_WAIT2: the kernel's, no
     * process's. The entry is still reported, with inode 0. */
    CU_ASSERT_EQUAL(held_in(TCP4, 50001, 8080, &e), 0);
    CU_ASSERT_EQUAL(e.state, FIN_WAIT2);
    CU_ASSERT_EQUAL(e.inode, 0);

    /* A properly closed connection lingers in TIME_WAIT, held by no one. */
    CU_ASSERT_EQUAL(held_in(TCP4, 8080, 50002, &e), 0);
    CU_ASSERT_EQUAL(e.state, TIME_WAIT);
    CU_ASSERT_EQUAL(e.inode, 0);

    /* No such connection: nothing is written. */
    CU_ASSERT_EQUAL(held_in(TCP4, 8080, 40000, &e), 0);
    CU_ASSERT_EQUAL(e.state, untouched.state);
    CU_ASSERT_EQUAL(e.inode, untouched.inode);
    CU_ASSERT_EQUAL(held_in(TCP4, 8081, 50000, &e), 0);
    CU_ASSERT_EQUAL(e.state, untouched.state);
    /* Ports are compared whole, not by their hex digits' prefix. */
    CU_ASSERT_EQUAL(held_in(TCP4, 0x1F9, 0xC35, &e), 0);
    CU_ASSERT_EQUAL(held_in(TCP4, 50000, 0, &e), 0);
}

static void test_table_prefers_held_entry(void)
{
    wsf_tcp_entry e;

    /* The same ports twice (the table says nothing of addresses to this
     * lookup): an orphan in TIME_WAIT, then a socket a process holds. The
     * held one wins... */
    CU_ASSERT_EQUAL(held_in(TCP4, 8080, 50003, &e), 1);
    CU_ASSERT_EQUAL(e.state, CLOSE_WAIT);
    CU_ASSERT_EQUAL(e.inode, 41005);
    /* ... in either order: a later orphan does not replace it. */
    CU_ASSERT_EQUAL(held_in(TCP4, 8080, 50004, &e), 1);
    CU_ASSERT_EQUAL(e.state, ESTABLISHED);
    CU_ASSERT_EQUAL(e.inode, 41006);

    CU_ASSERT_EQUAL(held_in(TCP6, 9443, 40003, &e), 1);
    CU_ASSERT_EQUAL(e.state, CLOSE_WAIT);
    CU_ASSERT_EQUAL(e.inode, 52005);
}

static void test_table_v6(void)
{
    wsf_tcp_entry e;

    CU_ASSERT_EQUAL(held_in(TCP6, 9443, 0, &e), 1);
    CU_ASSERT_EQUAL(e.state, LISTEN);
    CU_ASSERT_EQUAL(e.inode, 52001);

    CU_ASSERT_EQUAL(held_in(TCP6, 9443, 40000, &e), 1);
    CU_ASSERT_EQUAL(e.state, ESTABLISHED);
    CU_ASSERT_EQUAL(e.inode, 52002);
    CU_ASSERT_EQUAL(held_in(TCP6, 40000, 9443, &e), 1);
    CU_ASSERT_EQUAL(e.state, ESTABLISHED);
    CU_ASSERT_EQUAL(e.inode, 52003);

    /* IPv4 clients of a dual-stack server show up here, as ::ffff:a.b.c.d. */
    CU_ASSERT_EQUAL(held_in(TCP6, 9443, 40001, &e), 1);
    CU_ASSERT_EQUAL(e.state, CLOSE_WAIT);
    CU_ASSERT_EQUAL(e.inode, 52004);
    CU_ASSERT_EQUAL(held_in(TCP6, 40001, 9443, &e), 0);
    CU_ASSERT_EQUAL(e.state, FIN_WAIT2);

    CU_ASSERT_EQUAL(held_in(TCP6, 9443, 40002, &e), 0);
    CU_ASSERT_EQUAL(e.state, TIME_WAIT);
    CU_ASSERT_EQUAL(e.inode, 0);

    CU_ASSERT_EQUAL(held_in(TCP6, 9443, 41000, &e), 0);
    CU_ASSERT_EQUAL(e.state, untouched.state);
    /* The IPv4 table's connections are not in this one. */
    CU_ASSERT_EQUAL(held_in(TCP6, 8080, 50000, &e), 0);
    CU_ASSERT_EQUAL(e.state, untouched.state);
}

static void test_table_unreadable_or_empty(void)
{
    wsf_tcp_entry e;

    CU_ASSERT_EQUAL(held_in(WSF_TEST_DATA "/no-such-table", 8080, 50000, &e), -1);
    CU_ASSERT_EQUAL(e.state, untouched.state);
    /* A folder opens, but reading it fails: that is no table either. */
    CU_ASSERT_EQUAL(held_in(WSF_TEST_DATA, 8080, 50000, &e), -1);

    /* A machine with no TCP sockets: the header alone. */
    CU_ASSERT_EQUAL(held_in(TCP_HEADER_ONLY, 8080, 0, &e), 0);
    CU_ASSERT_EQUAL(e.state, untouched.state);

    /* Not even a header. */
    char path[] = "/tmp/wsf-procfs-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(held_in(path, 8080, 0, &e), 0);
    CU_ASSERT_EQUAL(e.state, untouched.state);
    /* The header and one line cut short, as a table read while it changes
     * can be: the line is skipped, not misread. */
    static const char cut[] = "  sl  local_address rem_address   st tx_queue rx_queue tr "
                              "tm->when retrnsmt   uid  timeout inode\n"
                              "   0: 0100007F:1F90 0100007F:C350 01 00000000:00000000\n";
    CU_ASSERT_EQUAL(write(fd, cut, sizeof cut - 1), (ssize_t)(sizeof cut - 1));
    CU_ASSERT_EQUAL(held_in(path, 8080, 50000, &e), 0);
    CU_ASSERT_EQUAL(e.state, untouched.state);
    close(fd);
    unlink(path);
}

/* A table read once answers as the files read for each question do: the
 * IPv4 file first, then the IPv6 one, a held entry preferred. */
static void test_table_read_once(void)
{
    static const uint16_t pairs[][2] = {
        {8080, 0},     {8080, 50000}, {50000, 8080},  {8080, 50001}, {50001, 8080}, {8080, 50002},
        {8080, 40000}, {8081, 50000}, {0x1F9, 0xC35}, {50000, 0},    {8080, 50003}, {8080, 50004},
        {9443, 40003}, {9443, 0},     {9443, 40000},  {40000, 9443}, {9443, 40001}, {9443, 40002},
    };
    wsf_tcp_table t;
    CU_ASSERT_EQUAL_FATAL(wsf_tcp_table_read_from(TCP4, TCP6, &t), 0);
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        wsf_tcp_entry want = untouched, got = untouched;
        int r = held_in(TCP4, pairs[i][0], pairs[i][1], &want);
        if (r != 1) r = held_in(TCP6, pairs[i][0], pairs[i][1], &want);
        int held = wsf_tcp_table_held(&t, pairs[i][0], pairs[i][1], &got);
        CU_ASSERT_EQUAL(held, r == 1);
        if (held == 1 && r == 1) {
            CU_ASSERT_EQUAL(got.state, want.state);
            CU_ASSERT_EQUAL(got.inode, want.inode);
        }
    }
    wsf_tcp_table_free(&t);
    /* One file missing: the other's rows still count; both: unreadable. */
    CU_ASSERT_EQUAL(wsf_tcp_table_read_from(WSF_TEST_DATA "/no-such-table", TCP6, &t), 0);
    wsf_tcp_entry e;
    CU_ASSERT_EQUAL(wsf_tcp_table_held(&t, 9443, 40003, &e), 1);
    CU_ASSERT_EQUAL(wsf_tcp_table_held(&t, 8080, 50000, &e), 0);
    wsf_tcp_table_free(&t);
    CU_ASSERT_EQUAL(wsf_tcp_table_read_from(WSF_TEST_DATA "/no-such-table", WSF_TEST_DATA, &t), -1);
    wsf_tcp_table_free(&t);
}

static void test_state_names(void)
{
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(ESTABLISHED), "ESTABLISHED");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(2), "SYN_SENT");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(3), "SYN_RECV");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(4), "FIN_WAIT1");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(FIN_WAIT2), "FIN_WAIT2");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(TIME_WAIT), "TIME_WAIT");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(7), "CLOSE");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(CLOSE_WAIT), "CLOSE_WAIT");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(9), "LAST_ACK");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(LISTEN), "LISTEN");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(11), "CLOSING");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(12), "NEW_SYN_RECV");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(0), "?");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(13), "?");
    CU_ASSERT_STRING_EQUAL(wsf_tcp_state_name(-1), "?");
}

/* ---------------------------------------------------------------------------
 * The real tables, with this process's own sockets
 * ------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000};
    nanosleep(&ts, NULL);
}

static uint16_t port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) < 0) return 0;
    return ntohs(a.sin_port);
}

static unsigned long inode_of(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* Looks up (lport, rport) until want says the answer is right, at most
 * WAIT_MS. Returns the last answer; *e holds its entry. */
static int held_until(uint16_t lport, uint16_t rport, wsf_tcp_entry *e,
                      bool (*want)(int r, const wsf_tcp_entry *e))
{
    int64_t deadline = now_ms() + WAIT_MS;
    for (;;) {
        *e = untouched;
        int r = wsf_tcp_held(lport, rport, e);
        if (want(r, e) || now_ms() >= deadline) return r;
        sleep_ms(5);
    }
}

static bool in_close_wait(int r, const wsf_tcp_entry *e)
{
    return r == 1 && e->state == CLOSE_WAIT;
}

static bool released(int r, const wsf_tcp_entry *e)
{
    (void)e;
    return r == 0;
}

static void test_live_sockets(void)
{
    int lfd = -1, cfd = -1, afd = -1;
    wsf_tcp_entry e;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;

    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(lfd >= 0);
    REQUIRE(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0);
    REQUIRE(listen(lfd, 4) == 0);
    REQUIRE(getsockname(lfd, (struct sockaddr *)&a, &alen) == 0);
    uint16_t lport = ntohs(a.sin_port);
    cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(cfd >= 0);
    /* Loopback completes the handshake inside connect(); accept() then only
     * takes the connection off the backlog. */
    REQUIRE(connect(cfd, (struct sockaddr *)&a, sizeof a) == 0);
    afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    REQUIRE(afd >= 0);
    uint16_t cport = port_of(cfd);
    REQUIRE(cport != 0);

    /* The listener, and the accepted socket: exactly those, by inode. */
    CU_ASSERT_EQUAL(wsf_tcp_held(lport, 0, &e), 1);
    CU_ASSERT_EQUAL(e.state, LISTEN);
    CU_ASSERT_EQUAL(e.inode, inode_of(lfd));
    CU_ASSERT_EQUAL(wsf_tcp_held(lport, cport, &e), 1);
    CU_ASSERT_EQUAL(e.state, ESTABLISHED);
    CU_ASSERT_EQUAL(e.inode, inode_of(afd));
    /* And the client's end, the other way round. */
    CU_ASSERT_EQUAL(wsf_tcp_held(cport, lport, &e), 1);
    CU_ASSERT_EQUAL(e.state, ESTABLISHED);
    CU_ASSERT_EQUAL(e.inode, inode_of(cfd));

    /* The client closes (FIN); the accepted socket, still open, goes to
     * CLOSE_WAIT and stays held. */
    close(cfd);
    cfd = -1;
    CU_ASSERT_EQUAL(held_until(lport, cport, &e, in_close_wait), 1);
    CU_ASSERT_EQUAL(e.state, CLOSE_WAIT);
    CU_ASSERT_EQUAL(e.inode, inode_of(afd));
    /* The client's end is the kernel's now, held by no process. */
    CU_ASSERT_EQUAL(wsf_tcp_held(cport, lport, &e), 0);
    /* Held it stays, for as long as the server does not close it. */
    sleep_ms(50);
    CU_ASSERT_EQUAL(wsf_tcp_held(lport, cport, &e), 1);
    CU_ASSERT_EQUAL(e.state, CLOSE_WAIT);

    /* The server closes it too: released. */
    close(afd);
    afd = -1;
    CU_ASSERT_EQUAL(held_until(lport, cport, &e, released), 0);
    /* The listener was never part of it. */
    CU_ASSERT_EQUAL(wsf_tcp_held(lport, 0, &e), 1);
end:
    if (afd >= 0) close(afd);
    if (cfd >= 0) close(cfd);
    if (lfd >= 0) close(lfd);
}

/* A pid no process can have: above the kernel's limit (PID_MAX_LIMIT is
 * 2^22). */
#define NO_SUCH_PID ((pid_t)INT_MAX)

/* This process's open fds, counted without /proc. */
static int fds_open(void)
{
    int n = 0;
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = 0; fd < max; fd++)
        if (fcntl(fd, F_GETFD) >= 0) n++;
    return n;
}

static void test_fd_count(void)
{
    int before = wsf_proc_fd_count(getpid());
    CU_ASSERT(before >= 3);
    /* Exactly the open fds, and the one reading /proc/PID/fd itself holds
     * while it counts (only so when a process counts its own). */
    CU_ASSERT_EQUAL(before, fds_open() + 1);
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(wsf_proc_fd_count(getpid()), before + 1);
    int fd2 = dup(fd);
    CU_ASSERT_EQUAL(wsf_proc_fd_count(getpid()), before + 2);
    close(fd2);
    close(fd);
    CU_ASSERT_EQUAL(wsf_proc_fd_count(getpid()), before);

    CU_ASSERT_EQUAL(wsf_proc_fd_count(NO_SUCH_PID), -1);
}

#define TOUCHED (32u << 20)

static void test_rss(void)
{
    int64_t before = wsf_proc_rss(getpid());
    CU_ASSERT(before > 0);
    /* Some real memory, not a 64 KiB rounding of nothing. */
    CU_ASSERT(before >= 64 * 1024);
    CU_ASSERT_EQUAL(before % 1024, 0);

    char *p = malloc(TOUCHED);
    CU_ASSERT_FATAL(p != NULL);
    memset(p, 0x5a, TOUCHED);
    /* The compiler must not drop the memset as unused. */
    __asm__ volatile("" : : "r"(p) : "memory");
    int64_t after = wsf_proc_rss(getpid());
    /* Every page of it is resident now. Only a lower bound: the allocator
     * may add its own. */
    CU_ASSERT(after - before >= (int64_t)(TOUCHED * 3 / 4));
    if (after - before < (int64_t)(TOUCHED * 3 / 4))
        fprintf(stderr, "\n  RSS %lld -> %lld bytes\n", (long long)before, (long long)after);
    free(p);

    CU_ASSERT_EQUAL(wsf_proc_rss(NO_SUCH_PID), -1);
}

/* ---------------------------------------------------------------------------
 * Process groups, from a folder laid out like /proc
 * ------------------------------------------------------------------------ */

static char root[] = "/tmp/wsf-proc-XXXXXX";

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void mkdir_in(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    CU_ASSERT_FATAL(mkdir(path, 0755) == 0);
}

static void link_in(const char *rel, const char *target)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    CU_ASSERT_FATAL(symlink(target, path) == 0);
}

/* A process: its stat line (pid, name, state, parent, group), VmRSS in KiB
 * (-1: no such line, as a zombie's status) and fds (-1: no fd folder, as
 * when it cannot be read); fd 0 of each is socket:[inode] when inode != 0. */
static void fake_process(int pid, const char *name, char state, int ppid, int pgrp, int rss_kib,
                         int fds, unsigned long inode)
{
    char rel[64], text[256];
    snprintf(rel, sizeof rel, "%d", pid);
    mkdir_in(rel);
    snprintf(rel, sizeof rel, "%d/stat", pid);
    snprintf(text, sizeof text, "%d (%s) %c %d %d %d 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1\n", pid,
             name, state, ppid, pgrp, pgrp);
    put(rel, text);
    snprintf(rel, sizeof rel, "%d/status", pid);
    if (rss_kib >= 0)
        snprintf(text, sizeof text, "Name:\t%s\nVmPeak:\t 9999 kB\nVmRSS:\t %d kB\nThreads:\t1\n",
                 name, rss_kib);
    else
        snprintf(text, sizeof text, "Name:\t%s\nState:\tZ (zombie)\nThreads:\t1\n", name);
    put(rel, text);
    if (fds < 0) return;
    snprintf(rel, sizeof rel, "%d/fd", pid);
    mkdir_in(rel);
    for (int fd = 0; fd < fds; fd++) {
        char target[64];
        if (fd == 0 && inode)
            snprintf(target, sizeof target, "socket:[%lu]", inode);
        else
            snprintf(target, sizeof target, "/dev/null");
        snprintf(rel, sizeof rel, "%d/fd/%d", pid, fd);
        link_in(rel, target);
    }
}

static void make_fake_proc(void)
{
    /* The template again, for a second fixture in one run. */
    memcpy(root + strlen(root) - 6, "XXXXXX", 6);
    CU_ASSERT_FATAL(mkdtemp(root) != NULL);
    /* Group 100: a launcher shell, the server it forked (with a name that
     * has blanks and parentheses, as a process may give itself), and a
     * zombie whose fds cannot be read. */
    fake_process(100, "sh", 'S', 1, 100, 1000, 3, 0);
    fake_process(101, "srv (worker) 1", 'S', 100, 100, 2048, 5, 777);
    fake_process(102, "z", 'Z', 100, 100, -1, -1, 0);
    /* Another group, with a child of 100 that left it (setsid). */
    fake_process(200, "other", 'S', 1, 200, 4096, 2, 555);
    fake_process(103, "escaped", 'S', 100, 103, 512, 1, 0);
    /* Group 300: eleven processes. */
    for (int i = 0; i < 11; i++)
        fake_process(300 + i, "w", 'S', 300, 300, 10, 1, 0);
    /* What else lies in /proc: not processes. */
    mkdir_in("self");
    put("uptime", "12.0 3.0\n");
    mkdir_in("12x");
}

static void remove_fake_proc(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static char *describe(const wsf_proc_group *g, int what)
{
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_proc_group_describe(g, what, &b);
    return (char *)b.data;
}

static void check_describe(const wsf_proc_group *g, int what, const char *want)
{
    char *got = describe(g, what);
    CU_ASSERT_STRING_EQUAL(got, want);
    if (strcmp(got, want) != 0) fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, want);
    free(got);
}

static void test_group_fixture(void)
{
    make_fake_proc();
    wsf_proc_group g;

    /* Members by process group, not by parent: 103 left the group. */
    CU_ASSERT_EQUAL(wsf_proc_group_read(root, 100, WSF_PROC_FDS | WSF_PROC_RSS, &g), 3);
    REQUIRE(g.n == 3);
    CU_ASSERT_EQUAL(g.procs[0].pid, 100);
    CU_ASSERT_STRING_EQUAL(g.procs[0].name, "sh");
    CU_ASSERT_EQUAL(g.procs[0].fds, 3);
    CU_ASSERT_EQUAL(g.procs[0].rss, 1000 * 1024);
    CU_ASSERT_EQUAL(g.procs[1].pid, 101);
    CU_ASSERT_STRING_EQUAL(g.procs[1].name, "srv (worker) 1");
    CU_ASSERT_EQUAL(g.procs[1].fds, 5);
    CU_ASSERT_EQUAL(g.procs[1].rss, 2048 * 1024);
    /* A zombie holds no memory; its fds are unknown. */
    CU_ASSERT_EQUAL(g.procs[2].pid, 102);
    CU_ASSERT_EQUAL(g.procs[2].fds, -1);
    CU_ASSERT_EQUAL(g.procs[2].rss, 0);

    int unreadable = -1;
    CU_ASSERT_EQUAL(wsf_proc_group_fds(&g, &unreadable), 8);
    CU_ASSERT_EQUAL(unreadable, 1);
    CU_ASSERT_EQUAL(wsf_proc_group_rss(&g), (1000 + 2048) * 1024);

    check_describe(&g, 0, "3 processes: sh 100, srv (worker) 1 101, z 102");
    check_describe(
        &g, WSF_PROC_FDS,
        "3 processes: sh 100 (3 fds), srv (worker) 1 101 (5 fds), z 102 (fds unreadable)");
    check_describe(&g, WSF_PROC_RSS,
                   "3 processes: sh 100 (1.0 MiB), srv (worker) 1 101 (2.0 MiB), z 102 (0.0 MiB)");

    /* Sockets: found by inode in the fds, with the fd. Not found, it may
     * still be the zombie's, whose fds could not be read. */
    int fd = -1;
    CU_ASSERT_EQUAL(wsf_proc_group_socket(&g, 777, &fd), 1);
    CU_ASSERT_EQUAL(fd, 0);
    CU_ASSERT_EQUAL(wsf_proc_group_socket(&g, 555, &fd), -2);
    CU_ASSERT_EQUAL(wsf_proc_group_socket(&g, 77, &fd), -2);
    wsf_proc_group_free(&g);
    CU_ASSERT_PTR_NULL(g.procs);

    /* Every fd folder read: not found means no process of the group has it. */
    CU_ASSERT_EQUAL(wsf_proc_group_read(root, 200, 0, &g), 1);
    CU_ASSERT_EQUAL(g.procs[0].fds, -1); /* not asked for */
    CU_ASSERT_EQUAL(g.procs[0].rss, -1);
    CU_ASSERT_EQUAL(wsf_proc_group_socket(&g, 555, &fd), 0);
    CU_ASSERT_EQUAL(wsf_proc_group_socket(&g, 777, &fd), -1);
    check_describe(&g, 0, "1 process: other 200");
    wsf_proc_group_free(&g);

    /* Eight named, the rest counted. */
    CU_ASSERT_EQUAL(wsf_proc_group_read(root, 300, WSF_PROC_FDS, &g), 11);
    CU_ASSERT_EQUAL(wsf_proc_group_fds(&g, NULL), 11);
    check_describe(&g, 0,
                   "11 processes: w 300, w 301, w 302, w 303, w 304, w 305, w 306, w 307, "
                   "and 3 more");
    wsf_proc_group_free(&g);

    /* No such group; no such folder. */
    CU_ASSERT_EQUAL(wsf_proc_group_read(root, 999, WSF_PROC_FDS, &g), 0);
    check_describe(&g, 0, "0 processes");
    CU_ASSERT_EQUAL(wsf_proc_group_socket(&g, 777, &fd), -1);
    wsf_proc_group_free(&g);
    CU_ASSERT_EQUAL(wsf_proc_group_read(WSF_TEST_DATA "/no-such-proc", 100, 0, &g), -1);
    CU_ASSERT_EQUAL(g.n, 0);
end:
    wsf_proc_group_free(&g);
    remove_fake_proc();
}

/* A watched group sums what a group read sums; a member new since the
 * last sample counts, and a pid that left /proc is forgotten, so it counts
 * when it comes back as a member. */
static void test_watch_fixture(void)
{
    make_fake_proc();
    wsf_proc_watch w;
    wsf_proc_watch_init(&w, root, 100);
    CU_ASSERT_EQUAL(wsf_proc_watch_rss(&w), (1000 + 2048) * 1024);
    CU_ASSERT_EQUAL(wsf_proc_watch_rss(&w), (1000 + 2048) * 1024);
    fake_process(104, "forked", 'S', 101, 100, 100, 1, 0);
    CU_ASSERT_EQUAL(wsf_proc_watch_rss(&w), (1000 + 2048 + 100) * 1024);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/200'", root);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    CU_ASSERT_EQUAL(wsf_proc_watch_rss(&w), (1000 + 2048 + 100) * 1024);
    fake_process(200, "reused", 'S', 100, 100, 1, 1, 0);
    CU_ASSERT_EQUAL(wsf_proc_watch_rss(&w), (1000 + 2048 + 100 + 1) * 1024);
    wsf_proc_watch_free(&w);
    wsf_proc_watch_init(&w, root, 999);
    CU_ASSERT_EQUAL(wsf_proc_watch_rss(&w), -1);
    wsf_proc_watch_free(&w);
    remove_fake_proc();
}

/* ---------------------------------------------------------------------------
 * A real process group: a child in a group of its own, and its child, which
 * opens fds, touches memory and holds a socket. What the group read shows
 * is what each process shows alone, summed.
 * ------------------------------------------------------------------------ */

#define GRANDCHILD_FDS 20
#define GRANDCHILD_MEM (16u << 20)

struct ready_msg {
    pid_t grandchild;
    unsigned long inode;
};

static void grandchild(int report)
{
    for (int i = 0; i < GRANDCHILD_FDS; i++)
        if (open("/dev/null", O_RDONLY) < 0) _exit(1);
    char *p = malloc(GRANDCHILD_MEM);
    if (!p) _exit(1);
    memset(p, 0x5a, GRANDCHILD_MEM);
    __asm__ volatile("" : : "r"(p) : "memory");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct ready_msg m = {getpid(), inode_of(s)};
    if (write(report, &m, sizeof m) != sizeof m) _exit(1);
    for (;;)
        pause();
}

static void test_group_live(void)
{
    int pipefd[2];
    CU_ASSERT_FATAL(pipe(pipefd) == 0);
    pid_t child = fork();
    CU_ASSERT_FATAL(child >= 0);
    if (child == 0) {
        setpgid(0, 0);
        close(pipefd[0]);
        if (fork() == 0) grandchild(pipefd[1]);
        for (;;)
            pause();
    }
    setpgid(child, child);
    close(pipefd[1]);
    struct ready_msg m = {0};
    wsf_proc_group g = {0};
    REQUIRE(read(pipefd[0], &m, sizeof m) == sizeof m);

    REQUIRE(wsf_proc_group_read("/proc", child, WSF_PROC_FDS | WSF_PROC_RSS, &g) == 2);
    CU_ASSERT_EQUAL(g.procs[0].pid, child);
    CU_ASSERT_EQUAL(g.procs[1].pid, m.grandchild);
    CU_ASSERT_EQUAL(g.procs[0].fds, wsf_proc_fd_count(child));
    CU_ASSERT_EQUAL(g.procs[1].fds, wsf_proc_fd_count(m.grandchild));
    CU_ASSERT(g.procs[1].fds >= GRANDCHILD_FDS + 1);
    CU_ASSERT(g.procs[1].rss >= (int64_t)(GRANDCHILD_MEM * 3 / 4));
    CU_ASSERT_EQUAL(wsf_proc_group_fd_total(child), wsf_proc_group_fds(&g, NULL));
    CU_ASSERT_EQUAL(wsf_proc_group_fds(&g, NULL), g.procs[0].fds + g.procs[1].fds);
    /* The grandchild's memory is in the sum. */
    CU_ASSERT(wsf_proc_group_rss_total(child) >= (int64_t)(GRANDCHILD_MEM * 3 / 4));

    /* Its socket is found in its fds; this process's own is not the group's. */
    int fd = -1;
    CU_ASSERT_EQUAL(wsf_proc_group_socket(&g, m.inode, &fd), 1);
    CU_ASSERT(fd >= 3);
    int mine = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CU_ASSERT_EQUAL(wsf_proc_group_socket(&g, inode_of(mine), &fd), -1);
    close(mine);
end:
    wsf_proc_group_free(&g);
    kill(-child, SIGKILL);
    waitpid(child, NULL, 0);
    close(pipefd[0]);
}

static CU_TestInfo tests[] = {
    {"table: IPv4", test_table_v4},
    {"table: IPv6", test_table_v6},
    {"table: a held entry is preferred", test_table_prefers_held_entry},
    {"table: unreadable or empty", test_table_unreadable_or_empty},
    {"table: read once for many look-ups", test_table_read_once},
    {"state names", test_state_names},
    {"live: a connection through CLOSE_WAIT to released", test_live_sockets},
    {"fd count", test_fd_count},
    {"rss", test_rss},
    {"group: from a fixture folder", test_group_fixture},
    {"group: watched over samples", test_watch_fixture},
    {"group: a real child and grandchild", test_group_live},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("procfs", tests)
