/* Unit tests for the peer's connection state machine (connecting, open,
 * closing-sent, closing-received, closed) and the facts of a closing it keeps
 * for "expect states" and "expect closing". As in test_peer.c, the test plays
 * the target: a socket on 127.0.0.1 it accepts and answers itself while the
 * peer runs on the harness's loop. Waits are bounded; only order and facts
 * are asserted, never timings. */
#include "cunit_main.h"
#include "frame.h"
#include "handshake.h"
#include "loop.h"
#include "peer.h"
#include "scenario.h"
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

/* Long enough for loopback under sanitizers on a busy machine. */
#define WAIT_MS 2000

static struct {
    wsf_loop loop;
    wsf_timeline tl;
    wsf_peer peer;
    int lfd; /* listening socket */
    int sfd; /* the accepted connection */
    char key[25];
    /* What the server side has read from sfd so far. */
    char got[8192];
    size_t got_len;
    unsigned failures_at_start;
} fx;

/* --- the server side ------------------------------------------------------ */

static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;

    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static int accept_one(void)
{
    struct pollfd pfd = {.fd = fx.lfd, .events = POLLIN};
    int r;
    do {
        r = poll(&pfd, 1, WAIT_MS);
    } while (r < 0 && errno == EINTR);
    if (r <= 0) return -1;
    return accept4(fx.lfd, NULL, NULL, SOCK_CLOEXEC);
}

static void srv_send(const void *data, size_t len)
{
    ssize_t w = send(fx.sfd, data, len, MSG_NOSIGNAL);
    CU_ASSERT_EQUAL(w, (ssize_t)len);
}

/* A server frame: unmasked, as a server must send. */
static void srv_frame(int opcode, const void *payload, size_t len)
{
    wsf_buf out;
    wsf_frame_hdr h = {.opcode = opcode, .fin = true};
    wsf_buf_init(&out);
    wsf_frame_encode(&out, &h, payload, len);
    srv_send(out.data, out.len);
    wsf_buf_free(&out);
}

static void srv_close_frame(int code, const char *reason)
{
    wsf_buf pl;
    wsf_buf_init(&pl);
    wsf_close_payload(&pl, code, reason, strlen(reason));
    srv_frame(WSF_OP_CLOSE, pl.data, pl.len);
    wsf_buf_free(&pl);
}

/* Takes whatever sfd has now, without blocking. */
static void srv_drain(void)
{
    while (fx.got_len < sizeof fx.got - 1) {
        ssize_t r = recv(fx.sfd, fx.got + fx.got_len, sizeof fx.got - 1 - fx.got_len, MSG_DONTWAIT);
        if (r <= 0) break;
        fx.got_len += (size_t)r;
        fx.got[fx.got_len] = 0;
    }
}

/* --- driving the peer ----------------------------------------------------- */

typedef bool (*cond_fn)(wsf_peer *p);

/* Runs the peer as the runner does until cond holds or ms pass. */
static bool pump(int ms, cond_fn cond)
{
    int64_t deadline = wsf_now_us() + (int64_t)ms * 1000;

    for (;;) {
        wsf_peer_tick(&fx.peer);
        if (cond && cond(&fx.peer)) return true;
        int64_t now = wsf_now_us();
        if (now >= deadline) return false;
        int64_t wake = deadline;
        /* The server side is read between rounds: never sleep long. */
        if (wake > now + 2000) wake = now + 2000;
        wsf_loop_run_once(&fx.loop, wake);
    }
}

static bool not_connecting(wsf_peer *p)
{
    return p->state != WSF_TCP_CONNECTING;
}
static bool has_response(wsf_peer *p)
{
    return p->response_seen;
}
static bool has_close(wsf_peer *p)
{
    return p->close_received;
}
static bool has_fin(wsf_peer *p)
{
    return p->fin_in;
}
static bool srv_has_head(wsf_peer *p)
{
    (void)p;
    srv_drain();
    return strstr(fx.got, "\r\n\r\n") != NULL;
}
static bool srv_has_close(wsf_peer *p)
{
    (void)p;
    srv_drain();
    /* A masked Close from the peer: 0x88, then the mask bit and length. */
    return fx.got_len >= 2 && (uint8_t)fx.got[0] == 0x88;
}

static void setup(void)
{
    char url[64], err[256] = "";
    int port = 0;

    memset(&fx, 0, sizeof fx);
    fx.sfd = -1;
    fx.failures_at_start = CU_get_number_of_failures();
    CU_ASSERT_EQUAL_FATAL(wsf_loop_init(&fx.loop), 0);
    wsf_timeline_init(&fx.tl, wsf_now_us());
    wsf_peer_init(&fx.peer, &fx.loop, &fx.tl);
    fx.lfd = listen_loopback(&port);
    CU_ASSERT_FATAL(fx.lfd >= 0);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/", port);
    CU_ASSERT_EQUAL_FATAL(wsf_peer_set_url(&fx.peer, url, err, sizeof err), 0);
}

static void teardown(void)
{
    if (CU_get_number_of_failures() != fx.failures_at_start) {
        fprintf(stderr, "\n  timeline:\n");
        wsf_timeline_print(&fx.tl, stderr, NULL);
    }
    wsf_peer_free(&fx.peer);
    if (fx.sfd >= 0) close(fx.sfd);
    close(fx.lfd);
    wsf_timeline_free(&fx.tl);
    wsf_loop_close(&fx.loop);
}

/* The peer connects and the server accepts: "connecting" from the connect()
 * call on, and still so once TCP is up, since the WebSocket is not. */
static bool connect_peer(void)
{
    char err[256] = "";
    if (fx.sfd >= 0) close(fx.sfd);
    fx.sfd = -1;
    fx.got_len = 0;
    int rc = wsf_peer_connect(&fx.peer, 0, 0, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "\n  connect: %s\n", err);
        return false;
    }
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CONNECTING);
    fx.sfd = accept_one();
    CU_ASSERT(fx.sfd >= 0);
    CU_ASSERT(pump(WAIT_MS, not_connecting));
    CU_ASSERT_EQUAL(fx.peer.state, WSF_TCP_OPEN);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CONNECTING);
    return fx.sfd >= 0 && fx.peer.state == WSF_TCP_OPEN;
}

/* The opening handshake, answered with a 101 and the right accept. */
static bool handshake(void)
{
    char accept[29], resp[256];
    wsf_ws_key(fx.key);
    wsf_request req = {
        .host = fx.peer.host_header, .path = fx.peer.path, .key = fx.key, .version = "13"};
    wsf_peer_send_handshake(&fx.peer, &req, -1);
    if (!pump(WAIT_MS, srv_has_head)) {
        CU_FAIL("the server never got the request");
        return false;
    }
    /* Only the response opens the connection, not the request. */
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CONNECTING);
    fx.got_len = 0;
    wsf_ws_accept(fx.key, accept);
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n"
                     "\r\n",
                     accept);
    srv_send(resp, (size_t)n);
    if (!pump(WAIT_MS, has_response)) {
        CU_FAIL("no response seen");
        return false;
    }
    CU_ASSERT_EQUAL(fx.peer.response.status, 101);
    CU_ASSERT(fx.peer.response.upgrade_ok);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_OPEN);
    return fx.peer.cs == WSF_CS_OPEN;
}

/* The peer's Close, as the runner sends it: the frame, then the note. */
static void peer_sends_close(int code, const char *reason)
{
    wsf_buf pl, out;
    wsf_frame_hdr h = {.opcode = WSF_OP_CLOSE, .fin = true, .masked = true};
    wsf_buf_init(&pl);
    wsf_buf_init(&out);
    wsf_close_payload(&pl, code, reason, strlen(reason));
    wsf_random_mask(h.mask);
    wsf_frame_encode(&out, &h, pl.data, pl.len);
    wsf_peer_send(&fx.peer, out.data, out.len);
    wsf_peer_note_close_sent(&fx.peer);
    wsf_buf_free(&pl);
    wsf_buf_free(&out);
}

/* Whether the states seen so far are exactly want[0..n). */
static bool seen_is(const wsf_conn_state *want, size_t n)
{
    bool ok = fx.peer.n_cs_seen == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = fx.peer.cs_seen[i] == want[i];
    if (!ok) {
        fprintf(stderr, "\n  states seen:");
        for (size_t i = 0; i < fx.peer.n_cs_seen; i++)
            fprintf(stderr, " %s", wsf_conn_state_name(fx.peer.cs_seen[i]));
        fprintf(stderr, "\n  wanted:     ");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %s", wsf_conn_state_name(want[i]));
        fprintf(stderr, "\n");
    }
    return ok;
}

/* Whether the timeline's "state" events are exactly want[0..n), in order,
 * each named for the state entered and saying where from. */
static bool timeline_states_are(const wsf_conn_state *want, size_t n)
{
    size_t k = 0;
    bool ok = true;
    for (size_t i = 0; i < fx.tl.n; i++) {
        const wsf_event *e = &fx.tl.ev[i];
        if (e->kind != WSF_EV_STATE) continue;
        if (k >= n || strcmp(e->what, wsf_conn_state_name(want[k])) != 0) {
            ok = false;
            break;
        }
        char detail[64];
        snprintf(detail, sizeof detail, "%s -> %s", k ? wsf_conn_state_name(want[k - 1]) : "none",
                 wsf_conn_state_name(want[k]));
        if (!e->detail || strcmp(e->detail, detail) != 0) ok = false;
        k++;
    }
    return ok && k == n;
}

/* --- the flows ------------------------------------------------------------ */

/* The peer closes first; the target answers Close and then closes TCP, as
 * RFC 6455 7.1.1 asks of a server. */
static void test_peer_initiated_clean_close(void)
{
    static const wsf_conn_state want[] = {WSF_CS_CONNECTING, WSF_CS_OPEN, WSF_CS_CLOSING_SENT,
                                          WSF_CS_CLOSED};
    setup();
    CU_ASSERT_EQUAL(fx.peer.n_cs_seen, 0);
    REQUIRE(connect_peer());
    REQUIRE(handshake());
    CU_ASSERT(!fx.peer.close_sent && !fx.peer.close_received);
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 0);

    peer_sends_close(1000, "done");
    CU_ASSERT(fx.peer.close_sent);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CLOSING_SENT);
    REQUIRE(pump(WAIT_MS, srv_has_close));

    srv_close_frame(1000, "bye");
    close(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(WAIT_MS, has_fin));

    CU_ASSERT(fx.peer.close_received);
    CU_ASSERT_EQUAL(fx.peer.close_code_rx, 1000);
    CU_ASSERT(fx.peer.close_reason_rx.len == 3 &&
              memcmp(fx.peer.close_reason_rx.data, "bye", 3) == 0);
    CU_ASSERT(fx.peer.close_sent_t <= fx.peer.close_received_t);
    /* The answering Close does not make it closing-received: the peer was
     * first. */
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 2);
    CU_ASSERT(!fx.peer.rst_in);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CLOSED);
    CU_ASSERT(seen_is(want, 4));
    CU_ASSERT(timeline_states_are(want, 4));

    /* Closed is the end: noting a Close again changes nothing. */
    wsf_peer_note_close_sent(&fx.peer);
    CU_ASSERT(seen_is(want, 4));
end:
    teardown();
}

/* The target closes first (1001, going away); the peer answers and then
 * drops TCP itself, with RST. */
static void test_target_initiated_then_peer_rst(void)
{
    static const wsf_conn_state want[] = {WSF_CS_CONNECTING, WSF_CS_OPEN, WSF_CS_CLOSING_RECEIVED,
                                          WSF_CS_CLOSED};
    setup();
    REQUIRE(connect_peer());
    REQUIRE(handshake());

    srv_close_frame(1001, "");
    REQUIRE(pump(WAIT_MS, has_close));
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CLOSING_RECEIVED);
    CU_ASSERT_EQUAL(fx.peer.close_code_rx, 1001);
    CU_ASSERT_EQUAL(fx.peer.close_reason_rx.len, 0);
    CU_ASSERT(!fx.peer.close_sent);
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 0);

    /* The peer's answering Close: it was second, the state stays. */
    peer_sends_close(1001, "");
    CU_ASSERT(fx.peer.close_sent);
    CU_ASSERT(fx.peer.close_received_t <= fx.peer.close_sent_t);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CLOSING_RECEIVED);

    wsf_peer_rst(&fx.peer);
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 1);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CLOSED);
    CU_ASSERT(seen_is(want, 4));
    CU_ASSERT(timeline_states_are(want, 4));
end:
    teardown();
}

/* Only the target's first Close counts: a second one changes no fact. */
static void test_second_close_changes_nothing(void)
{
    setup();
    REQUIRE(connect_peer());
    REQUIRE(handshake());
    srv_close_frame(1001, "first");
    srv_close_frame(1011, "second");
    REQUIRE(pump(WAIT_MS, has_close));
    /* Both frames are in; read until the second is too. */
    for (int i = 0; i < 100 && fx.peer.inbox_n < 2; i++)
        pump(10, NULL);
    CU_ASSERT_EQUAL(fx.peer.inbox_n, 2);
    CU_ASSERT_EQUAL(fx.peer.close_code_rx, 1001);
    CU_ASSERT(fx.peer.close_reason_rx.len == 5 &&
              memcmp(fx.peer.close_reason_rx.data, "first", 5) == 0);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CLOSING_RECEIVED);
end:
    teardown();
}

/* A connection ended without any Close: straight from open to closed. */
static void test_target_drops_without_close(void)
{
    static const wsf_conn_state want[] = {WSF_CS_CONNECTING, WSF_CS_OPEN, WSF_CS_CLOSED};
    setup();
    REQUIRE(connect_peer());
    REQUIRE(handshake());
    close(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(WAIT_MS, has_fin));
    CU_ASSERT(!fx.peer.close_sent && !fx.peer.close_received);
    CU_ASSERT_EQUAL(fx.peer.close_code_rx, -1);
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 2);
    CU_ASSERT(seen_is(want, 3));
    CU_ASSERT(timeline_states_are(want, 3));
end:
    teardown();
}

/* A peer half-close ends TCP from the peer's side first, but the connection
 * is not closed until the target's side ends too. */
static void test_half_close_then_target_fin(void)
{
    static const wsf_conn_state want[] = {WSF_CS_CONNECTING, WSF_CS_OPEN, WSF_CS_CLOSED};
    setup();
    REQUIRE(connect_peer());
    REQUIRE(handshake());
    wsf_peer_half_close(&fx.peer);
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 1);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_OPEN);
    close(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(WAIT_MS, has_fin));
    /* The first to end it stays the one that ended it. */
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 1);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CLOSED);
    CU_ASSERT(seen_is(want, 3));
end:
    teardown();
}

/* Connecting again starts a new connection: its states are appended to the
 * scenario's, and the facts of the old closing are forgotten. */
static void test_reconnect(void)
{
    static const wsf_conn_state first[] = {WSF_CS_CONNECTING, WSF_CS_OPEN, WSF_CS_CLOSING_RECEIVED,
                                           WSF_CS_CLOSED};
    static const wsf_conn_state all[] = {
        WSF_CS_CONNECTING, WSF_CS_OPEN, WSF_CS_CLOSING_RECEIVED, WSF_CS_CLOSED,
        WSF_CS_CONNECTING, WSF_CS_OPEN, WSF_CS_CLOSING_SENT,     WSF_CS_CLOSED,
    };
    setup();
    REQUIRE(connect_peer());
    REQUIRE(handshake());
    srv_close_frame(1001, "going");
    REQUIRE(pump(WAIT_MS, has_close));
    peer_sends_close(1000, "");
    /* Read before closing: unread bytes would make the close an RST. */
    REQUIRE(pump(WAIT_MS, srv_has_close));
    close(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(WAIT_MS, has_fin));
    REQUIRE(seen_is(first, 4));
    CU_ASSERT(fx.peer.close_sent && fx.peer.close_received);
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 2);
    CU_ASSERT_EQUAL(fx.peer.n_local_ports, 1);

    REQUIRE(connect_peer());
    CU_ASSERT(seen_is(all, 5));
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CONNECTING);
    CU_ASSERT(!fx.peer.close_sent);
    CU_ASSERT(!fx.peer.close_received);
    CU_ASSERT_EQUAL(fx.peer.close_code_rx, -1);
    CU_ASSERT_EQUAL(fx.peer.close_reason_rx.len, 0);
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 0);
    /* Both connections' local ports are kept, for "socket released". */
    CU_ASSERT_EQUAL(fx.peer.n_local_ports, 2);
    if (fx.peer.n_local_ports == 2)
        CU_ASSERT_NOT_EQUAL(fx.peer.local_ports[0], fx.peer.local_ports[1]);

    /* The new connection's own story: this time the peer closes first. */
    REQUIRE(handshake());
    peer_sends_close(1000, "");
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CLOSING_SENT);
    wsf_peer_close(&fx.peer);
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 1);
    CU_ASSERT(seen_is(all, 8));
    CU_ASSERT(timeline_states_are(all, 8));
end:
    teardown();
}

/* A refused handshake never opens: the connection goes from connecting to
 * closed when the target hangs up. */
static void test_refused_handshake_never_opens(void)
{
    static const wsf_conn_state want[] = {WSF_CS_CONNECTING, WSF_CS_CLOSED};
    static const char refusal[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    setup();
    REQUIRE(connect_peer());
    wsf_ws_key(fx.key);
    wsf_request req = {
        .host = fx.peer.host_header, .path = fx.peer.path, .key = fx.key, .version = "13"};
    wsf_peer_send_handshake(&fx.peer, &req, -1);
    REQUIRE(pump(WAIT_MS, srv_has_head));
    srv_send(refusal, strlen(refusal));
    REQUIRE(pump(WAIT_MS, has_response));
    CU_ASSERT_EQUAL(fx.peer.response.status, 400);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CONNECTING);
    close(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(WAIT_MS, has_fin));
    CU_ASSERT(seen_is(want, 2));
    CU_ASSERT(timeline_states_are(want, 2));
end:
    teardown();
}

/* --- names ---------------------------------------------------------------- */

static void test_state_names(void)
{
    static const struct {
        wsf_conn_state s;
        const char *name;
    } cases[] = {
        {WSF_CS_CONNECTING, "connecting"},
        {WSF_CS_OPEN, "open"},
        {WSF_CS_CLOSING_SENT, "closing-sent"},
        {WSF_CS_CLOSING_RECEIVED, "closing-received"},
        {WSF_CS_CLOSED, "closed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CU_ASSERT_STRING_EQUAL(wsf_conn_state_name(cases[i].s), cases[i].name);
        CU_ASSERT_EQUAL(wsf_conn_state_from_name(cases[i].name), (int)cases[i].s);
    }
    CU_ASSERT_STRING_EQUAL(wsf_conn_state_name((wsf_conn_state)5), "?");
    CU_ASSERT_STRING_EQUAL(wsf_conn_state_name((wsf_conn_state)-1), "?");
    CU_ASSERT_EQUAL(wsf_conn_state_from_name("closing"), -1);
    CU_ASSERT_EQUAL(wsf_conn_state_from_name("Open"), -1);
    CU_ASSERT_EQUAL(wsf_conn_state_from_name("open "), -1);
    CU_ASSERT_EQUAL(wsf_conn_state_from_name(""), -1);
    CU_ASSERT_EQUAL(wsf_conn_state_from_name("?"), -1);
}

/* A Close held back by a stalled writer has not been sent: the target's own
 * Close, arriving meanwhile, makes the target the initiator. */
static void test_held_close_is_not_sent(void)
{
    static const wsf_conn_state want[] = {WSF_CS_CONNECTING, WSF_CS_OPEN, WSF_CS_CLOSING_RECEIVED};
    setup();
    REQUIRE(connect_peer());
    REQUIRE(handshake());
    wsf_peer_stall_write(&fx.peer, true);
    peer_sends_close(1000, "held");
    CU_ASSERT(!fx.peer.close_sent);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_OPEN);

    srv_close_frame(1001, "first");
    REQUIRE(pump(WAIT_MS, has_close));
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CLOSING_RECEIVED);

    wsf_peer_stall_write(&fx.peer, false);
    REQUIRE(pump(WAIT_MS, srv_has_close));
    CU_ASSERT(fx.peer.close_sent);
    CU_ASSERT(fx.peer.close_received_t <= fx.peer.close_sent_t);
    CU_ASSERT(seen_is(want, 3));
end:
    teardown();
}

/* Close then FIN while the peer is not reading: the FIN is noticed at once,
 * but the connection is closed only after the Close before it is read. */
static void test_fin_while_stalled_keeps_order(void)
{
    static const wsf_conn_state want[] = {WSF_CS_CONNECTING, WSF_CS_OPEN, WSF_CS_CLOSING_RECEIVED,
                                          WSF_CS_CLOSED};
    setup();
    REQUIRE(connect_peer());
    REQUIRE(handshake());
    wsf_peer_stall_read(&fx.peer, true);
    srv_close_frame(1000, "bye");
    close(fx.sfd);
    fx.sfd = -1;
    REQUIRE(pump(WAIT_MS, has_fin));
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_OPEN);
    CU_ASSERT_EQUAL(fx.peer.tcp_ended_by, 2);

    wsf_peer_stall_read(&fx.peer, false);
    REQUIRE(pump(WAIT_MS, has_close));
    CU_ASSERT_EQUAL(fx.peer.close_code_rx, 1000);
    CU_ASSERT_EQUAL(fx.peer.cs, WSF_CS_CLOSED);
    CU_ASSERT(seen_is(want, 4));
    CU_ASSERT(timeline_states_are(want, 4));
end:
    teardown();
}

static CU_TestInfo tests[] = {
    {"held close is not sent", test_held_close_is_not_sent},
    {"fin while stalled keeps order", test_fin_while_stalled_keeps_order},
    {"peer-initiated clean close", test_peer_initiated_clean_close},
    {"target-initiated close, then peer rst", test_target_initiated_then_peer_rst},
    {"a second Close changes nothing", test_second_close_changes_nothing},
    {"target drops without Close", test_target_drops_without_close},
    {"half-close, then target FIN", test_half_close_then_target_fin},
    {"reconnect appends and resets", test_reconnect},
    {"refused handshake never opens", test_refused_handshake_never_opens},
    {"state names both ways", test_state_names},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("states", tests)
