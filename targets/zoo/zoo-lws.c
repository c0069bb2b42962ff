/*
 * zoo-lws: a WebSocket echo server on libwebsockets 4.1.6, with one defect
 * to choose from, living in application code.
 *
 * With --defect none (the default) it behaves like targets/lws-echo, which
 * it is cut down from: the same workarounds for lws's close handling, with
 * the explanations left in lws-echo.c and its README.  What it keeps is
 * what the shipped suite looks at: echo, the checks of the client's Close,
 * a bounded echo queue with lws_rx_flow_control(), and Close 1001 on
 * SIGTERM.  Each other --defect value breaks one of those, in one place
 * marked "DEFECT <name>".
 *
 * Usage: zoo-lws --port N [--defect NAME]
 */

#define _POSIX_C_SOURCE 200809L /* sigaction() under -std=c11 */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "utf8.h"

#define HOST "127.0.0.1"
#define RX_CHUNK (64 * 1024)
#define MAX_FRAME_BYTES (16 * 1024 * 1024)
#define QUEUE_MAX_BYTES (1024 * 1024)
#define QUEUE_MAX_FRAMES 1024
#define NET_TIMEOUT_SECS 5
#define CLOSE_ACK_TIMEOUT_SECS 5
#define SHUTDOWN_GRACE_US (2 * LWS_US_PER_SEC)

enum defect {
    DEFECT_NONE,
    DEFECT_IGNORE_SIGTERM,
    DEFECT_UNBOUNDED_BUFFER,
};

static const char *const defect_names[] = {"none", "ignore-sigterm", "unbounded-buffer"};

struct frame {
    struct frame *next;
    size_t len;
    int flags;           /* lws_write() flags: opcode, NO_FIN */
    unsigned char buf[]; /* LWS_PRE bytes for lws's header, then payload */
};

/* One per WebSocket connection; lws allocates it zeroed. */
struct conn {
    struct lws *wsi; /* NULL until the upgrade completes */
    unsigned long id;
    struct conn *prev, *next;

    struct frame *rx; /* frame being received, sized from its header */
    size_t rx_len;
    int rx_first;
    int binary;
    struct utf8_state utf8;

    struct frame *head, *tail; /* echoes waiting for the socket */
    size_t queued_bytes;
    int queued_frames;
    int full;       /* queue over its limit, not yet down to half */
    int paused;     /* we told lws to stop reading */
    int going_away; /* shutting down: send Close 1001 when writable */
    int closing;    /* a Close is settled; only the end of TCP is left */
    int shut_wr;    /* shut our sending side once our Close is out */
};

static enum defect defect;

static struct {
    struct lws_context *context;
    struct conn *conns;
    unsigned long last_id;
    int stopping;   /* exit once the last connection is gone */
    int going_away; /* every connection, new ones too, gets Close 1001 */
    int done;
    lws_sorted_usec_list_t grace;
} server;

static volatile sig_atomic_t stop_requested;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "zoo-lws: %s\n", line);
}

/* lws's lines end in '\n' and may hold more; the harness wants one line each. */
static void lws_log_line(int level, const char *line)
{
    size_t n = strlen(line);

    (void)level;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    fputs("lws: ", stderr);
    for (size_t i = 0; i < n; i++)
        fputc(line[i] == '\n' || line[i] == '\r' ? ' ' : line[i], stderr);
    fputc('\n', stderr);
}

/* As in lws-echo: 1012-1014 are out because lws 4.1.6 rejects them first. */
static int close_code_valid(unsigned code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
           (code >= 3000 && code <= 4999);
}

static void queue_push(struct conn *c, struct frame *f)
{
    if (c->tail)
        c->tail->next = f;
    else
        c->head = f;
    c->tail = f;
    c->queued_bytes += f->len;
    c->queued_frames++;
}

static void queue_drop_head(struct conn *c)
{
    struct frame *f = c->head;

    c->head = f->next;
    if (!c->head) c->tail = NULL;
    c->queued_bytes -= f->len;
    c->queued_frames--;
    free(f);
}

static void queue_clear(struct conn *c)
{
    while (c->head)
        queue_drop_head(c);
}

/*
 * Stop reading while the echo queue is at its limit, or while lws holds the
 * unsent tail of a frame (a Close read then would be dropped unanswered);
 * start again once the queue is down to half.
 */
static void update_rx_flow(struct conn *c)
{
    int pause;

    if (defect == DEFECT_UNBOUNDED_BUFFER) {
        /*
         * DEFECT unbounded-buffer: reading never stops.  A client that
         * sends without reading has every echo kept in memory, and the
         * server grows by as much as it sends.
         */
        return;
    }
    if (!c->full && (c->queued_bytes >= QUEUE_MAX_BYTES || c->queued_frames >= QUEUE_MAX_FRAMES)) {
        c->full = 1;
        say("conn %lu send queue full (%zu bytes, %d frames), reading paused", c->id,
            c->queued_bytes, c->queued_frames);
    } else if (c->full && c->queued_bytes <= QUEUE_MAX_BYTES / 2 &&
               c->queued_frames <= QUEUE_MAX_FRAMES / 2) {
        c->full = 0;
        say("conn %lu send queue down to %zu bytes, reading resumed", c->id, c->queued_bytes);
    }
    pause = c->full || lws_partial_buffered(c->wsi);
    if (pause != c->paused) {
        c->paused = pause;
        lws_rx_flow_control(c->wsi, !pause);
    }
}

/* lws 4.1.6 keeps its Close opcode private, so our Close goes out raw. */
static int send_close(struct conn *c, enum lws_close_status code, const char *why)
{
    unsigned char buf[LWS_PRE + 4 + 123];
    unsigned char *p = buf + LWS_PRE;
    size_t n = strlen(why);

    if (n > 123) n = 123;
    p[0] = 0x88; /* FIN, Close */
    p[1] = (unsigned char)(2 + n);
    p[2] = (unsigned char)(code >> 8);
    p[3] = (unsigned char)code;
    memcpy(p + 4, why, n);
    if (lws_write(c->wsi, p, 4 + n, LWS_WRITE_RAW) < 0) {
        say("conn %lu could not send close", c->id);
        return -1;
    }
    return 0;
}

static void shut_if_close_sent(struct conn *c)
{
    if (c->shut_wr && !lws_partial_buffered(c->wsi)) {
        c->shut_wr = 0;
        shutdown(lws_get_socket_fd(c->wsi), SHUT_WR);
    }
}

/* Our Close; TCP ends with the client's answer, or after a timeout. */
static int start_close(struct conn *c, enum lws_close_status code, const char *why, int failed)
{
    queue_clear(c);
    free(c->rx);
    c->rx = NULL;
    c->closing = 1;
    c->shut_wr = failed;
    if (send_close(c, code, why) < 0) return -1;
    shut_if_close_sent(c);
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, CLOSE_ACK_TIMEOUT_SECS);
    update_rx_flow(c);
    return 0;
}

static int fail_connection(struct conn *c, enum lws_close_status code, const char *why)
{
    say("conn %lu %s, closing with %d", c->id, why, (int)code);
    return start_close(c, code, why, 1);
}

/* An invalid Close from the client: answer it, then lws drops TCP. */
static int answer_bad_close(struct conn *c, enum lws_close_status code, const char *why)
{
    say("conn %lu %s, answering close %d", c->id, why, (int)code);
    queue_clear(c);
    c->closing = 1;
    send_close(c, code, why);
    return -1;
}

static int peer_gone(struct lws *wsi)
{
    char b;
    ssize_t n = recv(lws_get_socket_fd(wsi), &b, 1, MSG_PEEK | MSG_DONTWAIT);

    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* lws's parser failed the connection: make sure a 1002 goes out, then FIN. */
static void on_lws_closing(struct conn *c)
{
    if (!c->wsi || c->closing || server.done || peer_gone(c->wsi)) return;
    say("conn %lu failed by lws, closing with 1002", c->id);
    c->closing = 1;
    c->shut_wr = 1;
    lws_close_reason(c->wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR, (unsigned char *)"protocol error", 14);
    lws_callback_on_writable(c->wsi);
}

static int on_receive(struct conn *c, const unsigned char *in, size_t len)
{
    struct lws *wsi = c->wsi;
    size_t left = lws_remaining_packet_payload(wsi);
    struct frame *f;
    int fin;

    if (c->closing) return 0;

    if (!c->rx) {
        size_t total = len + left; /* lws knows the frame length from its header */

        if (total > MAX_FRAME_BYTES)
            return fail_connection(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "frame too large");
        c->rx_first = lws_is_first_fragment(wsi);
        if (c->rx_first) {
            c->binary = lws_frame_is_binary(wsi);
            memset(&c->utf8, 0, sizeof(c->utf8));
        }
        c->rx = malloc(sizeof(*c->rx) + LWS_PRE + total);
        if (!c->rx)
            return fail_connection(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        c->rx->next = NULL;
        c->rx->len = total;
        c->rx_len = 0;
    }

    if (len > c->rx->len - c->rx_len)
        return fail_connection(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
                               "frame longer than its header said");
    if (len > 0) memcpy(c->rx->buf + LWS_PRE + c->rx_len, in, len);
    c->rx_len += len;

    if (!c->binary && !utf8_feed(&c->utf8, in, len))
        return fail_connection(c, LWS_CLOSE_STATUS_INVALID_PAYLOAD,
                               "invalid UTF-8 in text message");
    if (left > 0) return 0;

    fin = lws_is_final_fragment(wsi);
    if (fin && !c->binary && c->utf8.need)
        return fail_connection(c, LWS_CLOSE_STATUS_INVALID_PAYLOAD,
                               "text message ends inside a UTF-8 sequence");

    /* Whole frame in: echo it with the same opcode and FIN bit. */
    f = c->rx;
    c->rx = NULL;
    f->flags = lws_write_ws_flags(c->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT, c->rx_first, fin);
    queue_push(c, f);
    update_rx_flow(c);
    lws_callback_on_writable(wsi);
    return 0;
}

/* One frame per call: lws may keep part of it to send later. */
static int on_writeable(struct conn *c)
{
    struct frame *f = c->head;

    if (c->closing) {
        shut_if_close_sent(c);
        update_rx_flow(c);
        return 0;
    }
    if (c->going_away) {
        say("conn %lu sending close 1001 (going away)", c->id);
        return start_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down", 0);
    }
    if (f) {
        int n = lws_write(c->wsi, f->buf + LWS_PRE, f->len, (enum lws_write_protocol)f->flags);

        if (n < 0 || (size_t)n < f->len) {
            say("conn %lu write failed", c->id);
            return -1;
        }
        queue_drop_head(c);
        if (c->head) lws_callback_on_writable(c->wsi);
    }
    update_rx_flow(c);
    return 0;
}

/*
 * The client's Close.  lws has rewritten codes below 1000, 1004-1006 and
 * 1012-2999 to 1002 already; the rest of the checks are ours.  A valid one
 * is echoed by lws, after the echoes still queued.
 */
static int on_peer_close(struct conn *c, const unsigned char *in, size_t len)
{
    unsigned code = len >= 2 ? (unsigned)in[0] << 8 | in[1] : 0;

    if (len >= 2)
        say("conn %lu close received code=%u", c->id, code);
    else
        say("conn %lu close received %s", c->id, len ? "with a 1-byte payload" : "without a code");

    if (c->closing) return -1; /* it answers ours */
    if (len == 1)
        return answer_bad_close(c, LWS_CLOSE_STATUS_PROTOCOL_ERR, "close payload of 1 byte");
    if (len >= 2 && !close_code_valid(code))
        return answer_bad_close(c, LWS_CLOSE_STATUS_PROTOCOL_ERR, "invalid close code");
    if (len > 2 && !utf8_valid(in + 2, len - 2))
        return answer_bad_close(c, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "close reason not UTF-8");

    c->closing = 1;
    while (c->head) {
        struct frame *f = c->head;

        if (lws_write(c->wsi, f->buf + LWS_PRE, f->len, (enum lws_write_protocol)f->flags) < 0)
            return -1;
        queue_drop_head(c);
    }
    return 0;
}

/* Leave the service loop; lws_service() may be asleep in poll(). */
static void finish(void)
{
    server.done = 1;
    lws_cancel_service(server.context);
}

static void on_established(struct conn *c, struct lws *wsi)
{
    c->wsi = wsi;
    c->id = ++server.last_id;
    c->next = server.conns;
    if (server.conns) server.conns->prev = c;
    server.conns = c;
    say("conn %lu open", c->id);

    if (server.going_away) {
        c->going_away = 1;
        lws_callback_on_writable(wsi);
    }
}

static void on_closed(struct conn *c)
{
    if (!c->wsi) return;
    say("conn %lu closed", c->id);
    queue_clear(c);
    free(c->rx);
    c->rx = NULL;
    if (c->prev)
        c->prev->next = c->next;
    else
        server.conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->wsi = NULL;

    if (server.stopping && !server.conns && !server.done) finish();
}

static void grace_over(lws_sorted_usec_list_t *sul)
{
    int n = 0;

    (void)sul;
    for (struct conn *c = server.conns; c; c = c->next)
        n++;
    say("%d connection(s) still open after the grace period, dropping them", n);
    finish();
}

static void begin_shutdown(void)
{
    server.stopping = 1;
    if (!server.conns) {
        say("shutting down");
        finish();
        return;
    }
    if (defect == DEFECT_IGNORE_SIGTERM) {
        /*
         * DEFECT ignore-sigterm: with clients connected, the request to stop
         * is only noted.  Nobody is told to leave and no grace period runs:
         * the server exits when the last client has gone of its own accord,
         * which may be never.
         */
        say("shutdown requested, waiting for clients");
        return;
    }
    say("shutting down");
    server.going_away = 1;
    for (struct conn *c = server.conns; c; c = c->next) {
        c->going_away = 1;
        lws_callback_on_writable(c->wsi);
    }
    lws_sul_schedule(server.context, 0, &server.grace, grace_over, SHUTDOWN_GRACE_US);
}

static int echo_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    struct conn *c = user;

    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        on_established(c, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return on_receive(c, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return on_writeable(c);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        return on_peer_close(c, in, len);
    case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL:
        on_lws_closing(c);
        return 0;
    case LWS_CALLBACK_CLOSED:
        on_closed(c);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (stop_requested && !server.stopping) begin_shutdown();
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {
        .name = "echo",
        .callback = echo_callback,
        .per_session_data_size = sizeof(struct conn),
        .rx_buffer_size = RX_CHUNK,
    },
    {0},
};

/* Async-signal-safe: lws_cancel_service() only writes to an eventfd. */
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    if (server.context) lws_cancel_service(server.context);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: zoo-lws --port N [--defect NAME]\n"
                 "\n"
                 "WebSocket echo server (libwebsockets) on " HOST ", correct unless a defect\n"
                 "is chosen.\n"
                 "  --port N       TCP port to listen on\n"
                 "  --defect NAME  none (default), ignore-sigterm or unbounded-buffer\n"
                 "  --help         show this text\n");
}

static void bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void bad_usage(const char *fmt, ...)
{
    va_list ap;

    fputs("zoo-lws: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    usage(stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    static char errbuf[BUFSIZ];
    struct lws_context_creation_info info;
    struct lws_vhost *vhost;
    struct sigaction sa;
    long port = -1;

    setvbuf(stderr, errbuf, _IOLBF, sizeof(errbuf));

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val;

        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--port") && strcmp(arg, "--defect"))
            bad_usage("unknown argument '%s'", arg);
        if (i + 1 >= argc) bad_usage("%s needs a value", arg);
        val = argv[++i];
        if (!strcmp(arg, "--defect")) {
            size_t d = 0;

            while (d < sizeof(defect_names) / sizeof(defect_names[0]) &&
                   strcmp(val, defect_names[d]))
                d++;
            if (d == sizeof(defect_names) / sizeof(defect_names[0]))
                bad_usage("unknown defect '%s'", val);
            defect = (enum defect)d;
        } else {
            char *end;

            errno = 0;
            port = strtol(val, &end, 10);
            if (errno || end == val || *end || port < 1 || port > 65535)
                bad_usage("invalid port '%s'", val);
        }
    }
    if (port < 0) bad_usage("--port is required");

    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_line);

    memset(&info, 0, sizeof(info));
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    info.pt_serv_buf_size = RX_CHUNK;
    info.timeout_secs = NET_TIMEOUT_SECS;
    server.context = lws_create_context(&info);
    if (!server.context) {
        say("cannot create the libwebsockets context");
        return 1;
    }

    info.port = (int)port;
    info.protocols = protocols;
    info.timeout_secs_ah_idle = NET_TIMEOUT_SECS;
    info.keepalive_timeout = NET_TIMEOUT_SECS;
    info.options |= LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.iface = HOST;
    vhost = lws_create_vhost(server.context, &info);
    if (!vhost) {
        say("cannot listen on " HOST ":%ld", port);
        lws_context_destroy(server.context);
        return 1;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (defect != DEFECT_NONE) say("defect: %s", defect_names[defect]);
    say("listening on " HOST ":%d", lws_get_vhost_listen_port(vhost));

    while (!server.done)
        if (lws_service(server.context, 0) < 0) break;

    lws_sul_cancel(&server.grace);
    lws_context_destroy(server.context);
    return 0;
}
