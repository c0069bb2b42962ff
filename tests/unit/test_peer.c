/* Unit tests for peer.c. Each test plays the target itself: a listening
 * socket on 127.0.0.1, accepted in the test, that writes and reads raw bytes
 * while the peer runs on the harness's own loop. Waits are bounded and the
 * assertions are about order and facts, never about exact timings, so a slow
 * or loaded machine (sanitizers, parallel ctest) cannot make them flaky. */
#include "cunit_main.h"
#include "frame.h"
#include "handshake.h"
#include "loop.h"
#include "peer.h"
#include "timeline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Long enough for anything loopback does even under sanitizers and a busy
 * machine, short enough that a test that waits in vain still ends quickly. */
#define WAIT_MS 500
/* How long "nothing happens" is watched: absence cannot be proven, only
 * looked for over a while. */
#define QUIET_MS 100

/* One test's world: the loop and timeline the peer records on, and the
 * server side. Global so that pump conditions can look at the server too. */
static struct {
    wsf_loop loop;
    wsf_timeline tl;
    wsf_peer peer;
    int lfd; /* listening socket */
    int port;
    int sfd;  /* the accepted connection */
    int sfd2; /* a second accepted connection, for reconnect tests */
    /* What the server side has read from sfd so far, drained while the
     * peer runs (see srv_drain). */
    uint8_t got[4096];
    size_t got_len;
    unsigned got_reads; /* separate recv() calls that returned data */
    bool got_eof;
    int got_err; /* errno of a failed recv(), or 0 */
    size_t want; /* what srv_has_want waits for */
    unsigned failures_at_start;
} fx;

/* --- the server side ------------------------------------------------------ */

static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;

    if (fd < 0) return -1;
    /* Port 0: the kernel picks a free one, so parallel test runs never clash. */
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* Waits until fd reports one of events (or an error), at most ms. */
static bool wait_fd(int fd, short events, int ms)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    int r;

    do {
        r = poll(&pfd, 1, ms);
    } while (r < 0 && errno == EINTR);
    return r > 0;
}

/* The kernel completes the TCP handshake on its own; accept() only takes the
 * finished connection off the backlog, so waiting for it is bounded. */
static int accept_one(void)
{
    if (!wait_fd(fx.lfd, POLLIN, WAIT_MS)) return -1;
    return accept4(fx.lfd, NULL, NULL, SOCK_CLOEXEC);
}

static void srv_send(int fd, const void *data, size_t len)
{
    ssize_t w = send(fd, data, len, MSG_NOSIGNAL);
    CU_ASSERT_EQUAL(w, (ssize_t)len);
}

/* Whether the server side has nothing to read (no data, no EOF, no error)
 * over QUIET_MS. */
static bool srv_quiet(int fd)
{
    return !wait_fd(fd, POLLIN, QUIET_MS);
}

/* Takes whatever sfd has now into fx.got, without blocking. The peer runs
 * meanwhile (it is called from pump conditions), so nothing depends on the
 * peer having written before a call returned. */
static void srv_drain(void)
{
    while (!fx.got_eof && !fx.got_err && fx.got_len < sizeof fx.got - 1) {
        ssize_t r = recv(fx.sfd, fx.got + fx.got_len, sizeof fx.got - 1 - fx.got_len, MSG_DONTWAIT);
        if (r > 0) {
            fx.got_len += (size_t)r;
            fx.got[fx.got_len] = 0;
            fx.got_reads++;
        } else if (r == 0) {
            fx.got_eof = true;
        } else {
            if (errno != EAGAIN && errno != EINTR) fx.got_err = errno;
            break;
        }
    }
}

/* Ends a connection with RST rather than FIN. */
static void srv_rst(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* --- driving the peer ----------------------------------------------------- */

typedef bool (*cond_fn)(wsf_peer *p);

/* Runs the peer the way the runner's run_until does: time-driven work, then
 * the loop, until cond holds or ms pass. cond NULL just runs for ms. */
static bool pump(wsf_loop *loop, wsf_peer *p, int ms, cond_fn cond)
{
    int64_t deadline = wsf_now_us() + (int64_t)ms * 1000;

    for (;;) {
        wsf_peer_tick(p);
        if (cond && cond(p)) return true;
        int64_t now = wsf_now_us();
        if (now >= deadline) return false;
        int64_t wake = deadline;
        int64_t pw = wsf_peer_next_wake(p);
        if (pw >= 0 && pw < wake) wake = pw;
        /* The server side is read between rounds, not watched by the loop:
         * never sleep long while a condition may be waiting on it. */
        if (wake > now + 2000) wake = now + 2000;
        wsf_loop_run_once(loop, wake);
    }
}

static bool is_open(wsf_peer *p)
{
    return p->state == WSF_TCP_OPEN;
}
static bool not_connecting(wsf_peer *p)
{
    return p->state != WSF_TCP_CONNECTING;
}
static bool has_fin(wsf_peer *p)
{
    return p->fin_in;
}
static bool has_rst(wsf_peer *p)
{
    return p->rst_in;
}
static bool has_frame(wsf_peer *p)
{
    return wsf_peer_inbox_peek(p) != NULL;
}
static bool has_four_frames(wsf_peer *p)
{
    return p->inbox_n >= 4;
}
static bool has_response(wsf_peer *p)
{
    return p->response_seen;
}
static bool is_broken(wsf_peer *p)
{
    return p->rx_broken;
}
static bool srv_has_want(wsf_peer *p)
{
    (void)p;
    srv_drain();
    return fx.got_len >= fx.want;
}
static bool srv_has_eof(wsf_peer *p)
{
    (void)p;
    srv_drain();
    return fx.got_eof;
}
static bool srv_has_err(wsf_peer *p)
{
    (void)p;
    srv_drain();
    return fx.got_err != 0;
}
static bool srv_has_head(wsf_peer *p)
{
    (void)p;
    srv_drain();
    return strstr((char *)fx.got, "\r\n\r\n") != NULL;
}

/* Index of the first event from index from on that matches, or -1. dir < 0
 * matches any direction. */
static int find_event(size_t from, wsf_event_kind kind, int dir, const char *what)
{
    for (size_t i = from; i < fx.tl.n; i++) {
        const wsf_event *e = &fx.tl.ev[i];
        if (e->kind == kind && (dir < 0 || (int)e->dir == dir) && strcmp(e->what, what) == 0)
            return (int)i;
    }
    return -1;
}

/* Any "rst" event said to come from the target, whatever its kind. */
static bool rst_from_target(void)
{
    for (size_t i = 0; i < fx.tl.n; i++)
        if (fx.tl.ev[i].dir == WSF_DIR_IN && strcmp(fx.tl.ev[i].what, "rst") == 0) return true;
    return false;
}

static void setup(void)
{
    char url[64], err[256] = "";

    memset(&fx, 0, sizeof fx);
    fx.sfd = fx.sfd2 = -1;
    fx.failures_at_start = CU_get_number_of_failures();
    CU_ASSERT_EQUAL_FATAL(wsf_loop_init(&fx.loop), 0);
    wsf_timeline_init(&fx.tl, wsf_now_us());
    wsf_peer_init(&fx.peer, &fx.loop, &fx.tl);
    fx.lfd = listen_loopback(&fx.port);
    CU_ASSERT_FATAL(fx.lfd >= 0);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/", fx.port);
    CU_ASSERT_EQUAL_FATAL(wsf_peer_set_url(&fx.peer, url, err, sizeof err), 0);
}

/* Connects the peer and accepts on the server side; returns the accepted fd
 * or -1 (the failure already asserted). */
static int connect_peer(void)
{
    char err[256] = "";
    int rc = wsf_peer_connect(&fx.peer, 0, 0, err, sizeof err);

    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "\n  connect: %s\n", err);
        return -1;
    }
    int fd = accept_one();
    CU_ASSERT(fd >= 0);
    CU_ASSERT(pump(&fx.loop, &fx.peer, WAIT_MS, not_connecting));
    CU_ASSERT_EQUAL(fx.peer.state, WSF_TCP_OPEN);
    if (fx.peer.state != WSF_TCP_OPEN && fd >= 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void teardown(void)
{
    /* A failing test is easier to read with what the peer saw. */
    if (CU_get_number_of_failures() != fx.failures_at_start) {
        fprintf(stderr, "\n  timeline:\n");
        wsf_timeline_print(&fx.tl, stderr, NULL);
    }
    wsf_peer_free(&fx.peer);
    if (fx.sfd >= 0) close(fx.sfd);
    if (fx.sfd2 >= 0) close(fx.sfd2);
    close(fx.lfd);
    wsf_timeline_free(&fx.tl);
    wsf_loop_close(&fx.loop);
}

/* Appends a server frame: unmasked, as a server must send. */
static void frame(wsf_buf *out, int opcode, const void *payload, size_t len)
{
    wsf_frame_hdr h = {.opcode = opcode, .fin = true};
    wsf_frame_encode(out, &h, payload, len);
}

/* Close 1000, hand-encoded. */
static const uint8_t close_1000[] = {0x88, 0x02, 0x03, 0xe8};

/* --- basic behaviour ------------------------------------------------------ */

static void test_connect(void)
{
    setup();
    CU_ASSERT_EQUAL(fx.peer.state, WSF_TCP_NONE);
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    int c = find_event(0, WSF_EV_TCP, WSF_DIR_OUT, "connect");
    int d = find_event(0, WSF_EV_TCP, WSF_DIR_IN, "connected");
    CU_ASSERT(c >= 0);
    CU_ASSERT(d > c);
    CU_ASSERT(!fx.peer.fin_in && !fx.peer.rst_in && !fx.peer.half_closed);
end:
    teardown();
}

static void test_connect_refused(void)
{
    char err[256] = "";

    setup();
    /* Once the listener is gone nothing listens there: the kernel answers
     * the SYN with RST. A fresh socket stands in so teardown has one to close. */
    close(fx.lfd);
    fx.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(wsf_peer_connect(&fx.peer, 0, 0, err, sizeof err) == 0);
    pump(&fx.loop, &fx.peer, WAIT_MS, not_connecting);
    CU_ASSERT_EQUAL(fx.peer.state, WSF_TCP_NONE);
    CU_ASSERT_EQUAL(fx.peer.connect_errno, ECONNREFUSED);
    CU_ASSERT(fx.peer.io.fd < 0);
    CU_ASSERT(find_event(0, WSF_EV_TCP, WSF_DIR_IN, "refused") >= 0);
    CU_ASSERT(find_event(0, WSF_EV_TCP, WSF_DIR_IN, "connected") < 0);
end:
    teardown();
}

static void test_send_arrives_exactly(void)
{
    static const char text[] = "hello, target";
    wsf_frame_hdr h = {.opcode = WSF_OP_TEXT, .fin = true, .masked = true};
    wsf_buf out;
    wsf_frame f;

    setup();
    wsf_buf_init(&out);
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    wsf_random_mask(h.mask);
    wsf_frame_encode(&out, &h, (const uint8_t *)text, strlen(text));
    wsf_peer_send(&fx.peer, out.data, out.len);

    fx.want = out.len;
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, srv_has_want));
    CU_ASSERT_EQUAL(fx.got_len, out.len);
    REQUIRE(fx.got_len == out.len && memcmp(fx.got, out.data, out.len) == 0);
    REQUIRE(wsf_frame_decode(fx.got, fx.got_len, 1024, &f) == WSF_DECODE_OK);
    CU_ASSERT(f.hdr.masked);
    CU_ASSERT(f.hdr.fin);
    CU_ASSERT_EQUAL(f.hdr.opcode, WSF_OP_TEXT);
    CU_ASSERT_EQUAL(f.frame_len, out.len);
    CU_ASSERT(f.len == strlen(text) && memcmp(f.payload, text, f.len) == 0);
    /* Nothing more than what was asked for. */
    pump(&fx.loop, &fx.peer, QUIET_MS, NULL);
    CU_ASSERT(srv_quiet(fx.sfd));

    /* The timeline counts exactly the bytes written. */
    uint64_t sent = 0;
    for (size_t i = 0; i < fx.tl.n; i++)
        if (fx.tl.ev[i].kind == WSF_EV_BYTES && fx.tl.ev[i].dir == WSF_DIR_OUT)
            sent += fx.tl.ev[i].len;
    CU_ASSERT_EQUAL(sent, out.len);
end:
    wsf_buf_free(&out);
    teardown();
}

static void test_inbox_in_order(void)
{
    static const uint8_t bin[] = {1, 2, 3};
    wsf_buf out, close_pl;
    wsf_rx_frame *f;

    setup();
    wsf_buf_init(&out);
    wsf_buf_init(&close_pl);
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    frame(&out, WSF_OP_TEXT, "one", 3);
    frame(&out, WSF_OP_BINARY, bin, sizeof bin);
    frame(&out, WSF_OP_PING, NULL, 0);
    wsf_close_payload(&close_pl, 1001, "bye", 3);
    frame(&out, WSF_OP_CLOSE, close_pl.data, close_pl.len);
    /* Cut inside the first frame: decoding has to wait for the rest. */
    srv_send(fx.sfd, out.data, 4);
    CU_ASSERT(!pump(&fx.loop, &fx.peer, QUIET_MS, has_frame));
    srv_send(fx.sfd, out.data + 4, out.len - 4);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_four_frames));
    CU_ASSERT_EQUAL(fx.peer.inbox_n, 4);

    f = wsf_peer_inbox_peek(&fx.peer);
    CU_ASSERT_EQUAL(f->opcode, WSF_OP_TEXT);
    CU_ASSERT(f->fin && !f->masked && f->rsv == 0);
    CU_ASSERT(f->payload.len == 3 && memcmp(f->payload.data, "one", 3) == 0);
    wsf_peer_inbox_pop(&fx.peer);

    f = wsf_peer_inbox_peek(&fx.peer);
    CU_ASSERT_EQUAL(f->opcode, WSF_OP_BINARY);
    CU_ASSERT(f->payload.len == sizeof bin && memcmp(f->payload.data, bin, sizeof bin) == 0);
    wsf_peer_inbox_pop(&fx.peer);

    f = wsf_peer_inbox_peek(&fx.peer);
    CU_ASSERT_EQUAL(f->opcode, WSF_OP_PING);
    CU_ASSERT_EQUAL(f->payload.len, 0);
    wsf_peer_inbox_pop(&fx.peer);

    f = wsf_peer_inbox_peek(&fx.peer);
    CU_ASSERT_EQUAL(f->opcode, WSF_OP_CLOSE);
    CU_ASSERT_EQUAL(f->close_code, 1001);
    CU_ASSERT(f->reason.len == 3 && memcmp(f->reason.data, "bye", 3) == 0);
    wsf_peer_inbox_pop(&fx.peer);

    CU_ASSERT_PTR_NULL(wsf_peer_inbox_peek(&fx.peer));
    CU_ASSERT_EQUAL(fx.peer.inbox_bytes, 0);

    /* The timeline saw them in the same order. */
    int a = find_event(0, WSF_EV_FRAME, WSF_DIR_IN, "text");
    int b = find_event(0, WSF_EV_FRAME, WSF_DIR_IN, "binary");
    int c = find_event(0, WSF_EV_FRAME, WSF_DIR_IN, "ping");
    int d = find_event(0, WSF_EV_FRAME, WSF_DIR_IN, "close");
    CU_ASSERT(a >= 0 && a < b && b < c && c < d);
    if (d >= 0) CU_ASSERT_EQUAL(fx.tl.ev[d].close_code, 1001);
end:
    wsf_buf_free(&out);
    wsf_buf_free(&close_pl);
    teardown();
}

static void test_fin_in(void)
{
    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    srv_send(fx.sfd, close_1000, sizeof close_1000);
    close(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_fin));
    CU_ASSERT(!fx.peer.rst_in);
    /* The Close frame came before the FIN, and both are recorded in order. */
    wsf_rx_frame *f = wsf_peer_inbox_peek(&fx.peer);
    REQUIRE(f != NULL);
    CU_ASSERT_EQUAL(f->opcode, WSF_OP_CLOSE);
    CU_ASSERT_EQUAL(f->close_code, 1000);
    int c = find_event(0, WSF_EV_FRAME, WSF_DIR_IN, "close");
    int e = find_event(0, WSF_EV_TCP, WSF_DIR_IN, "fin");
    CU_ASSERT(c >= 0 && e > c);
    /* A socket at EOF stays readable; the peer must stop asking, or every
     * later wait would spin. A quiet pump adds nothing to the timeline. */
    size_t n = fx.tl.n;
    pump(&fx.loop, &fx.peer, QUIET_MS, NULL);
    CU_ASSERT_EQUAL(fx.tl.n, n);
end:
    teardown();
}

static void test_rst_in(void)
{
    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    srv_rst(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_rst));
    CU_ASSERT(!fx.peer.fin_in);
    CU_ASSERT(find_event(0, WSF_EV_TCP, WSF_DIR_IN, "rst") >= 0);
end:
    teardown();
}

/* A Close frame followed at once by an RST: the frame was delivered before
 * the reset, so the peer must still see it (and then the RST). */
static void test_frame_then_rst(void)
{
    static const uint8_t close_1000[] = {0x88, 0x02, 0x03, 0xe8};
    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    srv_send(fx.sfd, close_1000, sizeof close_1000);
    srv_rst(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_rst));
    /* After a reset the kernel may report EOF before the error: it is still
     * an RST, never a FIN. */
    CU_ASSERT(!fx.peer.fin_in);
    wsf_rx_frame *f = wsf_peer_inbox_peek(&fx.peer);
    CU_ASSERT_PTR_NOT_NULL(f);
    if (f) {
        CU_ASSERT_EQUAL(f->opcode, WSF_OP_CLOSE);
        CU_ASSERT_EQUAL(f->close_code, 1000);
    }
    int fr = find_event(0, WSF_EV_FRAME, WSF_DIR_IN, "close");
    CU_ASSERT(fr >= 0 && fr < find_event(0, WSF_EV_TCP, WSF_DIR_IN, "rst"));
end:
    teardown();
}

/* The reset is first heard of through a write: the peer sends before it
 * has read the Close the target sent ahead of its RST. The Close must still
 * be read, before the reset (it used to be lost). */
static void test_frame_then_rst_seen_by_write(void)
{
    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    srv_send(fx.sfd, close_1000, sizeof close_1000);
    srv_rst(fx.sfd);
    fx.sfd = -1;
    usleep(20000); /* the RST is in before the peer's next move */
    /* Twice: the first send may still be accepted by the kernel. */
    static const uint8_t text[] = {0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2};
    wsf_peer_send(&fx.peer, text, sizeof text);
    if (!fx.peer.rst_in) {
        usleep(20000);
        wsf_peer_send(&fx.peer, text, sizeof text);
    }
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_rst));
    wsf_rx_frame *f = wsf_peer_inbox_peek(&fx.peer);
    CU_ASSERT_PTR_NOT_NULL(f);
    if (f) CU_ASSERT_EQUAL(f->close_code, 1000);
    int fr = find_event(0, WSF_EV_FRAME, WSF_DIR_IN, "close");
    CU_ASSERT(fr >= 0 && fr < find_event(0, WSF_EV_TCP, WSF_DIR_IN, "rst"));
end:
    teardown();
}

static bool tcp_ended(wsf_peer *p)
{
    return p->fin_in || p->rst_in;
}

/* The frame is read first, the RST comes later to an empty receive queue:
 * Linux may then answer read() with EOF, yet it was a reset. */
static void test_rst_after_frame_read(void)
{
    static const uint8_t close_1000[] = {0x88, 0x02, 0x03, 0xe8};
    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    srv_send(fx.sfd, close_1000, sizeof close_1000);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_frame));
    srv_rst(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, tcp_ended));
    CU_ASSERT(fx.peer.rst_in);
    CU_ASSERT(!fx.peer.fin_in);
end:
    teardown();
}

static void test_peer_rst(void)
{
    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    wsf_peer_rst(&fx.peer);
    CU_ASSERT_EQUAL(fx.peer.state, WSF_TCP_GONE);
    CU_ASSERT(fx.peer.io.fd < 0);
    CU_ASSERT(find_event(0, WSF_EV_FAULT, WSF_DIR_OUT, "rst") >= 0);
    CU_ASSERT(pump(&fx.loop, &fx.peer, WAIT_MS, srv_has_err));
    CU_ASSERT_EQUAL(fx.got_err, ECONNRESET);
    CU_ASSERT(!fx.got_eof);
end:
    teardown();
}

static void test_half_close(void)
{
    wsf_buf out;

    setup();
    wsf_buf_init(&out);
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    wsf_peer_send(&fx.peer, "ab", 2);
    wsf_peer_half_close(&fx.peer);
    /* What was sent before the FIN arrives, then EOF. */
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, srv_has_eof));
    CU_ASSERT(fx.got_len == 2 && memcmp(fx.got, "ab", 2) == 0);
    CU_ASSERT(fx.peer.half_closed);
    CU_ASSERT(find_event(0, WSF_EV_FAULT, WSF_DIR_OUT, "half-close") >= 0);

    /* Half-closed is not closed: the peer still reads. */
    frame(&out, WSF_OP_TEXT, "still here", 10);
    srv_send(fx.sfd, out.data, out.len);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_frame));
    wsf_rx_frame *f = wsf_peer_inbox_peek(&fx.peer);
    CU_ASSERT_EQUAL(f->opcode, WSF_OP_TEXT);
    CU_ASSERT(f->payload.len == 10 && memcmp(f->payload.data, "still here", 10) == 0);
    CU_ASSERT(!fx.peer.fin_in && !fx.peer.rst_in);
end:
    wsf_buf_free(&out);
    teardown();
}

#define TRICKLE_LEN 30
#define TRICKLE_STEP 5
#define TRICKLE_EVERY_US 10000

static void test_trickle(void)
{
    uint8_t data[TRICKLE_LEN];

    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)('a' + i % 26);
    /* Taken before trickling starts: its first tick is due at once. */
    int64_t t0 = wsf_now_us();
    wsf_peer_trickle(&fx.peer, TRICKLE_STEP, TRICKLE_EVERY_US);
    wsf_peer_send(&fx.peer, data, sizeof data);
    /* Queued, not written at once: only ticks let bytes out. */
    CU_ASSERT_EQUAL(fx.peer.tx.len, sizeof data);
    fx.want = sizeof data;
    REQUIRE(pump(&fx.loop, &fx.peer, 2 * WAIT_MS, srv_has_want));
    int64_t took = wsf_now_us() - t0;

    CU_ASSERT_EQUAL(fx.got_len, sizeof data);
    CU_ASSERT(memcmp(fx.got, data, sizeof data) == 0);
    /* The server saw pieces, not one read of everything. */
    CU_ASSERT(fx.got_reads >= 2);
    /* Every write was at most one tick's worth, so there were six. */
    unsigned writes = 0;
    for (size_t i = 0; i < fx.tl.n; i++) {
        const wsf_event *e = &fx.tl.ev[i];
        if (e->kind != WSF_EV_BYTES || e->dir != WSF_DIR_OUT) continue;
        writes++;
        CU_ASSERT(e->len <= TRICKLE_STEP);
    }
    CU_ASSERT_EQUAL(writes, TRICKLE_LEN / TRICKLE_STEP);
    /* Six ticks are at least five intervals apart. Only this lower bound is
     * checked: a slow machine can stretch it, never shrink it. */
    CU_ASSERT(took >= (TRICKLE_LEN / TRICKLE_STEP - 1) * TRICKLE_EVERY_US);
    CU_ASSERT_EQUAL(wsf_peer_next_wake(&fx.peer), -1);
end:
    teardown();
}

static void test_stall_write(void)
{
    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    wsf_peer_stall_write(&fx.peer, true);
    wsf_peer_send(&fx.peer, "held", 4);
    pump(&fx.loop, &fx.peer, QUIET_MS, NULL);
    CU_ASSERT(srv_quiet(fx.sfd));
    CU_ASSERT_EQUAL(fx.peer.tx.len, 4);

    wsf_peer_stall_write(&fx.peer, false);
    fx.want = 4;
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, srv_has_want));
    CU_ASSERT(fx.got_len == 4 && memcmp(fx.got, "held", 4) == 0);
    CU_ASSERT_EQUAL(fx.peer.tx.len, 0);
    int s = find_event(0, WSF_EV_FAULT, WSF_DIR_NONE, "stall-write");
    CU_ASSERT(s >= 0 && s < find_event(0, WSF_EV_FAULT, WSF_DIR_NONE, "resume-write"));
end:
    teardown();
}

/* stall read shrinks an autotuned receive buffer, so the target's window
 * closes after a few KiB instead of megabytes. */
static void test_stall_read_shrinks_buffer(void)
{
    int before = 0, after = 0;
    socklen_t len = sizeof before;

    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    getsockopt(fx.peer.io.fd, SOL_SOCKET, SO_RCVBUF, &before, &len);
    wsf_peer_stall_read(&fx.peer, true);
    len = sizeof after;
    getsockopt(fx.peer.io.fd, SOL_SOCKET, SO_RCVBUF, &after, &len);
    CU_ASSERT(after < before);
    CU_ASSERT(after <= 8192);
    CU_ASSERT(find_event(0, WSF_EV_FAULT, WSF_DIR_NONE, "stall-read") >= 0);
end:
    teardown();
}

static void test_handshake(void)
{
    char key[25], accept[29], resp[512];
    wsf_buf out;

    setup();
    wsf_buf_init(&out);
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    wsf_ws_key(key);
    wsf_request req = {
        .host = fx.peer.host_header, .path = fx.peer.path, .key = key, .version = "13"};
    wsf_peer_send_handshake(&fx.peer, &req, -1);
    CU_ASSERT(fx.peer.handshake_sent);

    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, srv_has_head));
    CU_ASSERT(strncmp((char *)fx.got, "GET / HTTP/1.1\r\n", 16) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)fx.got, key));

    /* A well-formed answer with a frame right behind the head, in the same
     * segment: the frame must be decoded too. */
    wsf_ws_accept(key, accept);
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n"
                     "\r\n",
                     accept);
    wsf_buf_append(&out, resp, (size_t)n);
    frame(&out, WSF_OP_TEXT, "hi", 2);
    srv_send(fx.sfd, out.data, out.len);

    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_response));
    CU_ASSERT_EQUAL(fx.peer.response.status, 101);
    CU_ASSERT(fx.peer.response.upgrade_ok);
    CU_ASSERT_STRING_EQUAL(fx.peer.response.accept, accept);
    CU_ASSERT_STRING_EQUAL(fx.peer.expected_accept, accept);
    CU_ASSERT(!fx.peer.rx_broken);
    int r = find_event(0, WSF_EV_HTTP, WSF_DIR_IN, "response");
    CU_ASSERT(r > find_event(0, WSF_EV_HTTP, WSF_DIR_OUT, "request"));

    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_frame));
    wsf_rx_frame *f = wsf_peer_inbox_peek(&fx.peer);
    CU_ASSERT_EQUAL(f->opcode, WSF_OP_TEXT);
    CU_ASSERT(f->payload.len == 2 && memcmp(f->payload.data, "hi", 2) == 0);
    CU_ASSERT(find_event(0, WSF_EV_FRAME, WSF_DIR_IN, "text") > r);
end:
    wsf_buf_free(&out);
    teardown();
}

/* --- regressions ---------------------------------------------------------- */

/* Writing after our own FIN fails locally with EPIPE. That is the peer's
 * doing, not the target's: calling it an RST from the target would let an
 * "expect rst" pass that the target never earned. */
static void test_send_after_half_close_is_not_rst(void)
{
    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    wsf_peer_half_close(&fx.peer);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, srv_has_eof));
    wsf_peer_send(&fx.peer, "late", 4);
    pump(&fx.loop, &fx.peer, QUIET_MS, NULL);
    CU_ASSERT(!fx.peer.rst_in);
    CU_ASSERT(!rst_from_target());
    /* Nothing reached the target after its EOF. */
    CU_ASSERT_EQUAL(fx.got_len, 0);
    /* And the connection still reads what the target sends. */
    srv_send(fx.sfd, close_1000, sizeof close_1000);
    CU_ASSERT(pump(&fx.loop, &fx.peer, WAIT_MS, has_frame));
end:
    teardown();
}

/* Turning trickling off must not undo a write stall: held bytes stay held. */
static void test_trickle_off_keeps_stall(void)
{
    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    wsf_peer_stall_write(&fx.peer, true);
    wsf_peer_send(&fx.peer, "held", 4);
    wsf_peer_trickle(&fx.peer, 0, 0);
    pump(&fx.loop, &fx.peer, QUIET_MS, NULL);
    CU_ASSERT(srv_quiet(fx.sfd));
    CU_ASSERT_EQUAL(fx.peer.tx.len, 4);

    wsf_peer_stall_write(&fx.peer, false);
    fx.want = 4;
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, srv_has_want));
    CU_ASSERT(fx.got_len == 4 && memcmp(fx.got, "held", 4) == 0);
end:
    teardown();
}

/* Frames from an earlier connection belong to it: a new connection starts
 * with an empty inbox, or an expectation would take a stale frame. */
static void test_reconnect_empties_inbox(void)
{
    char err[256] = "";
    wsf_buf out;

    setup();
    wsf_buf_init(&out);
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    frame(&out, WSF_OP_TEXT, "old", 3);
    srv_send(fx.sfd, out.data, out.len);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_frame));
    wsf_peer_close(&fx.peer);

    REQUIRE(wsf_peer_connect(&fx.peer, 0, 0, err, sizeof err) == 0);
    CU_ASSERT_PTR_NULL(wsf_peer_inbox_peek(&fx.peer));
    CU_ASSERT_EQUAL(fx.peer.inbox_n, 0);
    CU_ASSERT_EQUAL(fx.peer.inbox_bytes, 0);
    REQUIRE((fx.sfd2 = accept_one()) >= 0);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, is_open));

    /* The first frame the new connection yields is its own. */
    wsf_buf_reset(&out);
    frame(&out, WSF_OP_TEXT, "new", 3);
    srv_send(fx.sfd2, out.data, out.len);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_frame));
    wsf_rx_frame *f = wsf_peer_inbox_peek(&fx.peer);
    CU_ASSERT(f->payload.len == 3 && memcmp(f->payload.data, "new", 3) == 0);
end:
    wsf_buf_free(&out);
    teardown();
}

/* Not reading is not the same as having nothing to read: a FIN noticed while
 * stalled comes after bytes still in the socket, and resuming must read them. */
static void test_stalled_read_keeps_data_before_fin(void)
{
    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    wsf_peer_stall_read(&fx.peer, true);
    srv_send(fx.sfd, close_1000, sizeof close_1000);
    close(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_fin));
    CU_ASSERT_PTR_NULL(wsf_peer_inbox_peek(&fx.peer));

    wsf_peer_stall_read(&fx.peer, false);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_frame));
    wsf_rx_frame *f = wsf_peer_inbox_peek(&fx.peer);
    CU_ASSERT_EQUAL(f->opcode, WSF_OP_CLOSE);
    CU_ASSERT_EQUAL(f->close_code, 1000);
    CU_ASSERT(fx.peer.fin_in && !fx.peer.rst_in);
end:
    teardown();
}

/* After a request, bytes that cannot begin an HTTP response never will: the
 * peer must say so at once instead of waiting for more. */
static void test_non_http_answer_breaks_at_once(void)
{
    static const char ssh[] = "SSH-2.0-nope\r\n\r\n";
    char key[25];

    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    wsf_ws_key(key);
    wsf_request req = {
        .host = fx.peer.host_header, .path = fx.peer.path, .key = key, .version = "13"};
    wsf_peer_send_handshake(&fx.peer, &req, -1);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, srv_has_head));
    /* The connection stays open: only the bytes themselves can tell. */
    srv_send(fx.sfd, ssh, strlen(ssh));
    CU_ASSERT(pump(&fx.loop, &fx.peer, WAIT_MS, is_broken));
    CU_ASSERT(!fx.peer.response_seen);
    CU_ASSERT(!fx.peer.fin_in && !fx.peer.rst_in);
    CU_ASSERT_PTR_NULL(wsf_peer_inbox_peek(&fx.peer));
end:
    teardown();
}

/* A half-closed connection is still open; connecting again replaces it,
 * closing the old socket and saying so on the timeline. */
static void test_connect_after_half_close(void)
{
    char err[256] = "";

    setup();
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    wsf_peer_half_close(&fx.peer);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, srv_has_eof));
    int hc = find_event(0, WSF_EV_FAULT, WSF_DIR_OUT, "half-close");
    REQUIRE(hc >= 0);

    int rc = wsf_peer_connect(&fx.peer, 0, 0, err, sizeof err);
    if (rc != 0) fprintf(stderr, "\n  connect: %s\n", err);
    REQUIRE(rc == 0);
    /* Something between the half-close and the new connect tells of the old
     * socket going. */
    int c = find_event((size_t)hc, WSF_EV_TCP, WSF_DIR_OUT, "connect");
    CU_ASSERT(c > hc + 1);
    REQUIRE((fx.sfd2 = accept_one()) >= 0);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, is_open));
    CU_ASSERT(!fx.peer.half_closed);

    /* The old socket is really closed: data sent to it is answered with RST,
     * which the server side sees as an error (EPIPE on Linux, as it had our
     * FIN already; only "some error" is checked). */
    srv_send(fx.sfd, "x", 1);
    struct pollfd pfd = {.fd = fx.sfd};
    CU_ASSERT(poll(&pfd, 1, WAIT_MS) == 1 && (pfd.revents & POLLERR));
    int so_err = 0;
    socklen_t len = sizeof so_err;
    getsockopt(fx.sfd, SOL_SOCKET, SO_ERROR, &so_err, &len);
    CU_ASSERT(so_err != 0);
end:
    teardown();
}

/* What the server side still has to send in test_resume_read_reopens_window,
 * written as the window lets it (called from the pump condition). */
static wsf_buf backlog;
static size_t backlog_sent;

static bool backlog_delivered(wsf_peer *p)
{
    while (backlog_sent < backlog.len) {
        ssize_t w = send(fx.sfd, backlog.data + backlog_sent, backlog.len - backlog_sent,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w <= 0) break;
        backlog_sent += (size_t)w;
    }
    return p->inbox_n >= 16;
}

/* A reader that resumes must get its window back, not just its buffer: with
 * the window left as small as the shrunk buffer, what the target queued
 * meanwhile came a few KiB per persist-timer probe (every 200ms), so 1 MiB
 * took over a minute and a teardown behind a stalled reader ran out of
 * time. */
static void test_resume_read_reopens_window(void)
{
    static uint8_t payload[64 * 1024];

    setup();
    wsf_buf_init(&backlog);
    backlog_sent = 0;
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    for (int i = 0; i < 16; i++)
        frame(&backlog, WSF_OP_BINARY, payload, sizeof payload);
    wsf_peer_stall_read(&fx.peer, true);
    pump(&fx.loop, &fx.peer, 300, backlog_delivered); /* fills the window, then waits */
    CU_ASSERT_EQUAL(fx.peer.inbox_n, 0);
    wsf_peer_stall_read(&fx.peer, false);
    CU_ASSERT(pump(&fx.loop, &fx.peer, 1000, backlog_delivered));
    CU_ASSERT_EQUAL(fx.peer.inbox_n, 16);
end:
    wsf_buf_free(&backlog);
    teardown();
}

/* A connection keeps only the part of a frame it has not seen the end of:
 * once a large message is in its inbox and taken, its read and write
 * buffers are small again, so that thousands of idle connections cost
 * little. */
static void test_idle_buffers_small(void)
{
    wsf_buf out, big;
    setup();
    wsf_buf_init(&out);
    wsf_buf_init(&big);
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    for (size_t i = 0; i < 256 * 1024; i++)
        wsf_buf_append(&big, "x", 1);
    frame(&out, WSF_OP_BINARY, big.data, big.len);
    srv_send(fx.sfd, out.data, out.len);
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_frame));
    CU_ASSERT_EQUAL(wsf_peer_inbox_peek(&fx.peer)->payload.len, big.len);
    wsf_peer_inbox_pop(&fx.peer);
    /* Nothing half-read and nothing waiting: nothing kept. */
    CU_ASSERT_EQUAL(fx.peer.rx.cap, 0);
    CU_ASSERT_PTR_NULL(fx.peer.inbox);
    /* A large message sent: once written, its buffer goes too. */
    wsf_peer_send(&fx.peer, out.data, out.len);
    for (int i = 0; i < 200 && fx.peer.tx.len; i++) {
        char sink[65536];
        (void)!recv(fx.sfd, sink, sizeof sink, MSG_DONTWAIT);
        pump(&fx.loop, &fx.peer, 5, NULL);
    }
    CU_ASSERT_EQUAL(fx.peer.tx.len, 0);
    CU_ASSERT_EQUAL(fx.peer.tx.cap, 0);
end:
    wsf_buf_free(&out);
    wsf_buf_free(&big);
    teardown();
}

/* A connection that is over keeps its facts and the frames no expectation
 * took yet, not its buffers: half a frame and unsent bytes go with the
 * socket. */
static void test_finished_keeps_no_buffers(void)
{
    wsf_buf out;
    setup();
    wsf_buf_init(&out);
    REQUIRE((fx.sfd = connect_peer()) >= 0);
    frame(&out, WSF_OP_TEXT, (const uint8_t *)"kept", 4);
    srv_send(fx.sfd, out.data, out.len);
    srv_send(fx.sfd, out.data, 3); /* the start of another frame */
    REQUIRE(pump(&fx.loop, &fx.peer, WAIT_MS, has_frame));
    pump(&fx.loop, &fx.peer, QUIET_MS, NULL);
    CU_ASSERT(fx.peer.rx.len > 0);
    wsf_peer_stall_write(&fx.peer, true);
    wsf_peer_send(&fx.peer, "held", 4);
    CU_ASSERT(fx.peer.tx.cap > 0);
    wsf_peer_rst(&fx.peer);
    CU_ASSERT_EQUAL(fx.peer.rx.cap, 0);
    CU_ASSERT_EQUAL(fx.peer.tx.cap, 0);
    REQUIRE(wsf_peer_inbox_peek(&fx.peer) != NULL);
    CU_ASSERT_EQUAL(wsf_peer_inbox_peek(&fx.peer)->payload.len, 4);
end:
    wsf_buf_free(&out);
    teardown();
}

/* A peer with a list of timers is on it while it trickles, and only then:
 * a loop over many connections ticks the list, not every connection. */
static void test_trickling_is_listed(void)
{
    wsf_peer_timers timers = {0};
    setup();
    fx.peer.timers = &timers;
    CU_ASSERT_EQUAL(timers.n, 0);
    wsf_peer_trickle(&fx.peer, 10, 1000);
    CU_ASSERT_EQUAL(timers.n, 1);
    if (timers.n) CU_ASSERT_PTR_EQUAL(timers.v[0], &fx.peer);
    wsf_peer_trickle(&fx.peer, 20, 1000); /* a new pace: still once */
    CU_ASSERT_EQUAL(timers.n, 1);
    wsf_peer_trickle(&fx.peer, 0, 0);
    CU_ASSERT_EQUAL(timers.n, 0);
    wsf_peer_trickle(&fx.peer, 10, 1000);
    teardown(); /* frees the peer, which leaves the list */
    CU_ASSERT_EQUAL(timers.n, 0);
    free(timers.v);
}

static CU_TestInfo tests[] = {
    {"idle connections keep small buffers", test_idle_buffers_small},
    {"a finished connection keeps no buffers", test_finished_keeps_no_buffers},
    {"a trickling connection is on the timer list", test_trickling_is_listed},
    {"an RST after the frames were read is an RST", test_rst_after_frame_read},
    {"a frame then an RST: the frame is kept", test_frame_then_rst},
    {"a frame then an RST, heard of by a write: the frame is kept",
     test_frame_then_rst_seen_by_write},
    {"stall read shrinks the receive buffer", test_stall_read_shrinks_buffer},
    {"resume read reopens the window", test_resume_read_reopens_window},
    {"connect: connected event", test_connect},
    {"connect: refused", test_connect_refused},
    {"send: bytes arrive exactly", test_send_arrives_exactly},
    {"receive: frames in order in the inbox", test_inbox_in_order},
    {"target FIN: fin_in", test_fin_in},
    {"target RST: rst_in", test_rst_in},
    {"peer rst: target sees ECONNRESET", test_peer_rst},
    {"peer half-close: target sees EOF, peer still reads", test_half_close},
    {"trickle: bytes leave in pieces", test_trickle},
    {"stall write: bytes held until resumed", test_stall_write},
    {"handshake: 101 response parsed", test_handshake},
    {"regression: send after half-close is no RST", test_send_after_half_close_is_not_rst},
    {"regression: trickle off keeps a write stall", test_trickle_off_keeps_stall},
    {"regression: reconnect empties the inbox", test_reconnect_empties_inbox},
    {"regression: stalled read keeps data before FIN", test_stalled_read_keeps_data_before_fin},
    {"regression: non-HTTP answer breaks at once", test_non_http_answer_breaks_at_once},
    {"regression: connect after half-close", test_connect_after_half_close},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("peer", tests)
