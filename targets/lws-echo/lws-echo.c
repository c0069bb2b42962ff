/*
 * lws-echo: the reference WebSocket echo server for wsfault.
 *
 * Every text and binary frame is echoed back with the same opcode, FIN bit
 * and payload, so a fragmented message comes back fragmented the same way.
 * The harness's shipped suite must pass against this server, so the closing
 * handshake has to follow RFC 6455 exactly.  libwebsockets 4.1.6 does most
 * of that work itself; the few places where it falls short are handled here
 * and explained where they are.  README.md lists both.
 *
 * Usage: lws-echo --port N [--host ADDR]
 */

#define _POSIX_C_SOURCE 200809L /* sigaction() under -std=c11 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include "utf8.h"

#define DEFAULT_HOST "127.0.0.1"

/* How much lws reads from a socket, and hands to us, in one go. */
#define RX_CHUNK (64 * 1024)

/*
 * Frames are echoed whole, so one frame must fit in memory.  Larger ones get
 * Close 1009.  Messages can be any size as long as they come in frames.
 */
#define MAX_FRAME_BYTES (16 * 1024 * 1024)

/*
 * Echo queue limits per connection.  At either one we stop reading from the
 * client until it reads some echoes back.  The frame count matters too:
 * empty frames cost no payload bytes but do cost memory.
 */
#define QUEUE_MAX_BYTES (1024 * 1024)
#define QUEUE_MAX_FRAMES 1024

/* Bounds an incomplete HTTP request and other network round trips. */
#define NET_TIMEOUT_SECS 5

/* How long a failed connection waits for the client to answer our Close. */
#define CLOSE_ACK_TIMEOUT_SECS 5

/* How long shutdown waits for clients to answer our Close 1001. */
#define SHUTDOWN_GRACE_US (2 * LWS_US_PER_SEC)

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
    int rx_first;           /* rx is the first frame of its message */
    int binary;             /* the current message is binary */
    struct utf8_state utf8; /* carried across the frames of a text message */

    struct frame *head, *tail; /* echoes waiting for the socket */
    size_t queued_bytes;
    int queued_frames;
    int full;       /* queue went over its limit, not yet down to half */
    int paused;     /* we told lws to stop reading */
    int going_away; /* shutting down: send Close 1001 when writable */
    int closing;    /* a Close is settled; only the end of TCP is left */
    int shut_wr;    /* shut our sending side once our Close is out */
};

static struct {
    struct lws_context *context;
    struct conn *conns;
    unsigned long last_id;
    int stopping;
    int done; /* leave the service loop */
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
    fprintf(stderr, "lws-echo: %s\n", line);
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

/*
 * RFC 6455 7.4: the codes a peer may put in a Close frame.  1012-1014 are
 * left out because lws 4.1.6 rejects them before we see the frame, and the
 * two checks should agree.
 */
static int close_code_valid(unsigned code)
{
    if (code >= 3000 && code <= 4999) return 1;
    switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011:
        return 1;
    default:
        return 0;
    }
}

static struct frame *frame_new(size_t len)
{
    struct frame *f = malloc(sizeof(*f) + LWS_PRE + len);

    if (f) {
        f->next = NULL;
        f->len = len;
        f->flags = 0;
    }
    return f;
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
 * Reading is paused while the echo queue is at its limit, so a client that
 * stops reading cannot make us buffer without bound; it resumes once the
 * queue is down to half, so a slow reader does not flip it every frame.
 * Reading is also paused while lws holds the unsent tail of a frame: if a
 * Close arrives at that moment, lws 4.1.6 drops the connection without
 * answering it.
 */
static void update_rx_flow(struct conn *c)
{
    int pause;

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

/*
 * Send a Close frame now.  lws 4.1.6 keeps the Close opcode for lws_write()
 * private (its own Close goes out only through lws_close_reason() and a
 * callback returning -1), so the frame is built here and sent raw.
 */
static int send_close(struct conn *c, enum lws_close_status code, const char *why)
{
    unsigned char buf[LWS_PRE + 4 + 123];
    unsigned char *p = buf + LWS_PRE;
    size_t n = strlen(why);

    if (n > 123) n = 123;
    p[0] = 0x88; /* FIN, opcode Close; server frames are not masked */
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

/*
 * Once our Close is on the wire after a protocol error, shut our sending
 * side: the client sees FIN right after the Close (RFC 6455 7.1.7 has the
 * endpoint that fails a connection close it), yet we keep reading, so its
 * answer is drained and not met with a reset.
 */
static void shut_if_close_sent(struct conn *c)
{
    if (c->shut_wr && !lws_partial_buffered(c->wsi)) {
        c->shut_wr = 0;
        shutdown(lws_get_socket_fd(c->wsi), SHUT_WR);
    }
}

/*
 * Close from our side: send a Close, then read and discard until the client
 * answers with its own, and close TCP then, or after CLOSE_ACK_TIMEOUT_SECS.
 * lws_close_reason() and returning -1 would do this too, but lws then throws
 * away the rest of what it has read.  If that held part of a frame, lws
 * parses the bytes that follow as a frame header, can miss the client's
 * Close, and then holds TCP open for its full 5 s timeout.
 */
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
    update_rx_flow(c); /* the client's Close may be behind a paused read */
    return 0;
}

/* Bad data from the client: fail the connection (RFC 6455 7.1.7). */
static int fail_connection(struct conn *c, enum lws_close_status code, const char *why)
{
    say("conn %lu %s, closing with %d", c->id, why, (int)code);
    return start_close(c, code, why, 1);
}

/*
 * The client's Close was invalid: answer with our own Close and drop the
 * connection.  With lws_close_reason() and -1 instead, lws would send its
 * Close and then wait 5 s for an answer that never comes, as the client has
 * sent its Close already.  After a -1 from here lws closes TCP at once (or
 * once the socket has taken the frame).
 */
static int answer_bad_close(struct conn *c, enum lws_close_status code, const char *why)
{
    say("conn %lu %s, answering close %d", c->id, why, (int)code);
    queue_clear(c); /* a failed connection gets no more data */
    c->closing = 1;
    send_close(c, code, why);
    return -1;
}

/* EOF or an error on the socket: the client is gone, nobody to tell. */
static int peer_gone(struct lws *wsi)
{
    char b;
    ssize_t n = recv(lws_get_socket_fd(wsi), &b, 1, MSG_PEEK | MSG_DONTWAIT);

    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/*
 * lws is closing a connection whose close we have not settled ourselves,
 * and calls this just before it decides whether to send a Close.  With the
 * client gone (EOF, reset) there is nothing to send.  Otherwise lws's parser
 * has failed the connection, and lws 4.1.6 gets two things wrong there: on
 * some errors (a control frame over 125 bytes, a length with its top bit
 * set) it sends no Close at all, and after the Close it does send it waits
 * up to 5 s for the client's answer before closing TCP.  So set the Close
 * (its own reasons are all 1002 too, only the text is lost) and ask for a
 * writable callback: lws makes it only once its Close is out, and then we
 * shut our side.
 */
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

    if (c->closing) return 0; /* only the client's Close matters now */

    if (!c->rx) {
        /* lws knows the whole frame length from the header. */
        size_t total = len + left;

        if (total > MAX_FRAME_BYTES)
            return fail_connection(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "frame too large");
        c->rx_first = lws_is_first_fragment(wsi);
        if (c->rx_first) {
            c->binary = lws_frame_is_binary(wsi);
            memset(&c->utf8, 0, sizeof(c->utf8));
        }
        c->rx = frame_new(total);
        if (!c->rx)
            return fail_connection(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        c->rx_len = 0;
    }

    if (len > c->rx->len - c->rx_len)
        return fail_connection(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
                               "frame longer than its header said");
    if (len > 0) memcpy(c->rx->buf + LWS_PRE + c->rx_len, in, len);
    c->rx_len += len;

    /* Checking each chunk as it comes fails an invalid message early. */
    if (!c->binary && !utf8_feed(&c->utf8, in, len))
        return fail_connection(c, LWS_CLOSE_STATUS_INVALID_PAYLOAD,
                               "invalid UTF-8 in text message");
    if (left > 0) return 0;

    fin = lws_is_final_fragment(wsi);
    if (fin && !c->binary && c->utf8.need)
        return fail_connection(c, LWS_CLOSE_STATUS_INVALID_PAYLOAD,
                               "text message ends inside a UTF-8 sequence");

    f = c->rx;
    c->rx = NULL;
    f->flags = lws_write_ws_flags(c->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT, c->rx_first, fin);
    queue_push(c, f);
    update_rx_flow(c);
    lws_callback_on_writable(wsi);
    return 0;
}

/* One frame per call, as lws wants: it may keep part of it to send later. */
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
 * The client sent a Close.  lws has dealt with some invalid ones already: a
 * code below 1000, 1004-1006 or 1012-2999 it rewrote to 1002 in the payload
 * before calling here, so those arrive as 1002 and are echoed as such.  It
 * lets through a 1-byte payload, codes of 5000 and up, and a reason that is
 * not UTF-8; those are answered here.
 */
static int on_peer_close(struct conn *c, const unsigned char *in, size_t len)
{
    unsigned code = len >= 2 ? (unsigned)in[0] << 8 | in[1] : 0;

    if (len >= 2)
        say("conn %lu close received code=%u", c->id, code);
    else
        say("conn %lu close received %s", c->id, len ? "with a 1-byte payload" : "without a code");

    /*
     * It answers the Close we sent, or crossed it on the wire: either way
     * both sides have sent and received a Close, and lws closes TCP.
     */
    if (c->closing) return -1;
    if (len == 1)
        return answer_bad_close(c, LWS_CLOSE_STATUS_PROTOCOL_ERR, "close payload of 1 byte");
    if (len >= 2 && !close_code_valid(code))
        return answer_bad_close(c, LWS_CLOSE_STATUS_PROTOCOL_ERR, "invalid close code");
    if (len > 2 && !utf8_valid(in + 2, len - 2))
        return answer_bad_close(c, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "close reason not UTF-8");

    /*
     * lws answers with the same payload once the socket is writable, then
     * closes TCP.  Left alone, it would send its answer ahead of the echoes
     * still queued and discard them.  RFC 6455 allows that, but an echo
     * server should echo everything it got before the Close, so hand them to
     * lws now: what the socket does not take, lws sends before the Close.
     */
    c->closing = 1;
    while (c->head) {
        struct frame *f = c->head;

        if (lws_write(c->wsi, f->buf + LWS_PRE, f->len, (enum lws_write_protocol)f->flags) < 0)
            return -1;
        queue_drop_head(c);
    }
    return 0;
}

/*
 * End the service loop.  lws_service() may be about to sleep in poll() with
 * nothing else due, so wake it.
 */
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

    if (server.stopping) {
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
    say("shutting down");
    if (!server.conns) {
        finish();
        return;
    }
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
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
        /*
         * Two settings for lws 4.1.6 on OpenSSL 3 (user is the vhost's
         * SSL_CTX). A client's FIN without close_notify is an error there
         * ("unexpected eof") that lws does not take for the end of the
         * stream: a half-closed connection stayed open for ever. Read as EOF,
         * as OpenSSL 1.1 did, lws closes it. And on a connection the client
         * reset, lws retries SSL_shutdown's close_notify on the dead socket
         * in a loop (EPIPE after EPIPE), holding its fd: a quiet shutdown
         * sends no close_notify, so lws ends TLS connections with a FIN
         * alone, as it ends plain ones.
         */
        SSL_CTX_set_options((SSL_CTX *)user, SSL_OP_IGNORE_UNEXPECTED_EOF);
        SSL_CTX_set_quiet_shutdown((SSL_CTX *)user, 1);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* Sent once per protocol per vhost; we have one of each. */
        if (stop_requested && !server.stopping) begin_shutdown();
        return 0;
    default:
        break;
    }
    /* Plain HTTP requests get lws's default 404. */
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

/*
 * Only async-signal-safe work here: lws_cancel_service() just writes to an
 * eventfd, which wakes the loop; the shutdown itself runs in
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED.
 */
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    if (server.context) lws_cancel_service(server.context);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: lws-echo --port N [--host ADDR] [--tls-cert FILE --tls-key FILE]\n"
                 "\n"
                 "WebSocket echo server (libwebsockets) with RFC 6455 close handling.\n"
                 "  --port N     TCP port to listen on (0 picks a free one)\n"
                 "  --host ADDR  numeric IPv4 or IPv6 address to bind (default " DEFAULT_HOST ")\n"
                 "  --tls-cert FILE, --tls-key FILE\n"
                 "               serve wss:// (TLS) with this PEM certificate and key\n"
                 "  --help       show this text\n");
}

static void bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void bad_usage(const char *fmt, ...)
{
    va_list ap;

    fputs("lws-echo: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    usage(stderr);
    exit(2);
}

/*
 * lws reports a failed bind only in its log, without errno, so bind the
 * address once ourselves first to be able to say why.
 */
static int try_bind(int family, const void *addr, int port, char *why, size_t whylen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    int fd, one = 1, ok;

    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        memcpy(&sin->sin_addr, addr, sizeof(sin->sin_addr));
        sslen = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        memcpy(&sin6->sin6_addr, addr, sizeof(sin6->sin6_addr));
        sslen = sizeof(*sin6);
    }

    fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return 0;
    }
    /* As lws does, so a port in TIME_WAIT is not reported as taken. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ok = bind(fd, (struct sockaddr *)&ss, sslen) == 0;
    if (!ok) snprintf(why, whylen, "%s", strerror(errno));
    close(fd);
    return ok;
}

int main(int argc, char **argv)
{
    static char errbuf[BUFSIZ];
    struct lws_context_creation_info info;
    struct lws_vhost *vhost;
    struct sigaction sa;
    const char *host = DEFAULT_HOST;
    const char *tls_cert = NULL, *tls_key = NULL;
    unsigned char addr[sizeof(struct in6_addr)];
    char why[256];
    const char *lb = "", *rb = ""; /* brackets around an IPv6 host in messages */
    long port = -1;
    int family;

    /* A parent reading our stderr through a pipe must see each line at once. */
    setvbuf(stderr, errbuf, _IOLBF, sizeof(errbuf));

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(arg, "--tls-cert") || !strcmp(arg, "--tls-key")) {
            if (i + 1 >= argc) bad_usage("%s needs a value", arg);
            if (!strcmp(arg, "--tls-cert"))
                tls_cert = argv[++i];
            else
                tls_key = argv[++i];
        } else if (!strcmp(arg, "--port") || !strcmp(arg, "--host")) {
            if (i + 1 >= argc) bad_usage("%s needs a value", arg);
            if (!strcmp(arg, "--host")) {
                host = argv[++i];
            } else {
                const char *val = argv[++i];
                char *end;

                errno = 0;
                port = strtol(val, &end, 10);
                if (errno || end == val || *end || port < 0 || port > 65535)
                    bad_usage("invalid port '%s'", val);
            }
        } else {
            bad_usage("unknown argument '%s'", arg);
        }
    }
    if (port < 0) bad_usage("--port is required");
    if (!tls_cert != !tls_key) bad_usage("--tls-cert and --tls-key go together");
    /* lws would log a missing file and serve nothing: say so first. */
    if (tls_cert && (access(tls_cert, R_OK) || access(tls_key, R_OK))) {
        fprintf(stderr, "lws-echo: cannot read %s: %s\n",
                access(tls_cert, R_OK) ? tls_cert : tls_key, strerror(errno));
        return 1;
    }

    if (inet_pton(AF_INET, host, addr) == 1)
        family = AF_INET;
    else if (inet_pton(AF_INET6, host, addr) == 1)
        family = AF_INET6;
    else
        bad_usage("--host must be a numeric IP address, not '%s'", host);
    if (family == AF_INET6) {
        lb = "[";
        rb = "]";
    }

    if (!try_bind(family, addr, (int)port, why, sizeof(why))) {
        fprintf(stderr, "lws-echo: cannot listen on %s%s%s:%ld: %s\n", lb, host, rb, port, why);
        return 1;
    }

    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_line);

    memset(&info, 0, sizeof(info));
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    if (tls_cert) info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.pt_serv_buf_size = RX_CHUNK;
    info.timeout_secs = NET_TIMEOUT_SECS;
    server.context = lws_create_context(&info);
    if (!server.context) {
        fprintf(stderr, "lws-echo: cannot create the libwebsockets context\n");
        return 1;
    }

    /* The vhost fields; context-only fields above are ignored here. */
    info.port = (int)port;
    info.protocols = protocols;
    info.timeout_secs_ah_idle = NET_TIMEOUT_SECS; /* incomplete HTTP requests */
    info.keepalive_timeout = NET_TIMEOUT_SECS;
    info.options |= LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    if (family == AF_INET) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    /* lws takes "any address" as no interface at all. */
    if (strcmp(host, "0.0.0.0") && strcmp(host, "::")) info.iface = host;
    info.ssl_cert_filepath = tls_cert;
    info.ssl_private_key_filepath = tls_key;
    vhost = lws_create_vhost(server.context, &info);
    if (!vhost) {
        fprintf(stderr, "lws-echo: cannot listen on %s%s%s:%ld: libwebsockets could not bind\n", lb,
                host, rb, port);
        lws_context_destroy(server.context);
        return 1;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    say("listening on %s%s%s:%d%s", lb, host, rb, lws_get_vhost_listen_port(vhost),
        tls_cert ? " (TLS)" : "");

    /*
     * A signal that lands before this loop polls is not lost: the eventfd
     * stays readable, so the next lws_service() returns at once.
     */
    while (!server.done)
        if (lws_service(server.context, 0) < 0) break;

    server.done = 1;
    lws_sul_cancel(&server.grace);
    lws_context_destroy(server.context);
    return 0;
}
