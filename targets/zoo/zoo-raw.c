/*
 * zoo-raw: a WebSocket echo server written straight on sockets, one process,
 * one epoll loop, no WebSocket library.
 *
 * With --defect none (the default) it is meant to be correct: RFC 6455
 * handshake, framing and closing handshake, with the same close behaviour
 * as targets/lws-echo as seen from the wire.  Every other --defect value
 * breaks exactly one thing, in one place marked "DEFECT <name>", so that
 * wsfault can be shown to catch that one mistake and nothing else.
 *
 * Usage: zoo-raw --port N [--host ADDR] [--defect NAME]
 *                [--ping-interval MS --ping-timeout MS]
 *
 * With --ping-interval it keeps connections alive as python-websockets and
 * uvicorn do: a Ping every interval, and a connection whose Pong does not
 * come within the timeout is failed with Close 1011.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "utf8.h"

#define DEFAULT_HOST "127.0.0.1"

/* One recv() per readiness event, so a busy client cannot starve the rest. */
#define READ_CHUNK (64 * 1024)

/* The HTTP request head, up to and including its empty line. */
#define MAX_REQUEST_BYTES (8 * 1024)

/* Frames are echoed whole, so one frame must fit in memory. */
#define MAX_FRAME_BYTES (16 * 1024 * 1024)

/*
 * Echoes waiting for a client that does not read.  At this much we stop
 * reading from it; we start again at half, so a slow reader does not flip
 * the switch on every frame.
 */
#define QUEUE_MAX_BYTES (1024 * 1024)

/* The limit of the count-bounded-queue defect, in frames. */
#define QUEUE_MAX_FRAMES 64

#define HANDSHAKE_TIMEOUT_MS 5000 /* to receive the whole HTTP request */
#define CLOSE_TIMEOUT_MS 5000     /* to get our Close out to a client that does not read */
#define SHUTDOWN_GRACE_MS 2000    /* for clients to answer our Close 1001 */

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum opcode {
    OP_CONTINUATION = 0x0,
    OP_TEXT = 0x1,
    OP_BINARY = 0x2,
    OP_CLOSE = 0x8,
    OP_PING = 0x9,
    OP_PONG = 0xa,
};

enum close_code {
    CLOSE_NORMAL = 1000,
    CLOSE_GOING_AWAY = 1001,
    CLOSE_PROTOCOL_ERROR = 1002,
    CLOSE_INVALID_PAYLOAD = 1007,
    CLOSE_TOO_BIG = 1009,
    CLOSE_INTERNAL_ERROR = 1011,
};

enum defect {
    DEFECT_NONE,
    DEFECT_CLOSE_WAIT,
    DEFECT_NO_TCP_CLOSE,
    DEFECT_ONE_BYTE_CLOSE_CRASH,
    DEFECT_CLOSE_WITHOUT_FRAME,
    DEFECT_ACCEPT_INVALID_CODES,
    DEFECT_FD_LEAK_ON_RESET,
    DEFECT_NO_HANDSHAKE_TIMEOUT,
    DEFECT_HEAP_OVERFLOW,
    DEFECT_RESET_ON_CLOSE,
    DEFECT_UAF_AFTER_CLOSE,
    DEFECT_DEAF_WHILE_BLOCKED,
    DEFECT_COUNT_BOUNDED_QUEUE,
    DEFECT_PING_WITHOUT_TIMEOUT,
    DEFECT_CLOSE_RACE,
};

static const char *const defect_names[] = {
    "none",
    "close-wait",
    "no-tcp-close",
    "one-byte-close-crash",
    "close-without-frame",
    "accept-invalid-codes",
    "fd-leak-on-reset",
    "no-handshake-timeout",
    "heap-overflow",
    "reset-on-close",
    "uaf-after-close",
    "deaf-while-blocked",
    "count-bounded-queue",
    "ping-without-timeout",
    "close-race",
};

/* One queued piece of output: an HTTP response or a whole frame. */
struct out {
    struct out *next;
    size_t len;
    size_t sent;
    unsigned char data[];
};

/* What is kept per WebSocket, apart from the socket: counts for the log. */
struct session {
    unsigned long frames_in;
    unsigned long long bytes_in;
};

struct conn {
    struct conn *prev, *next;
    int fd;
    unsigned long id;
    uint32_t events;         /* what epoll watches for now */
    int upgraded;            /* the HTTP upgrade is done: frames from here on */
    struct session *session; /* from the upgrade on */
    int dead;                /* closed; freed once this round of events is over */

    /* Received bytes not yet used: [in_off, in_len) of in[in_cap]. */
    unsigned char *in;
    size_t in_off, in_len, in_cap;

    struct out *head, *tail;
    size_t queued;  /* bytes in the queue not yet sent */
    size_t nqueued; /* pieces in the queue */
    int paused;     /* not reading: the queue went over its limit */

    int in_message;   /* a fragmented message has begun and not ended */
    int message_text; /* ... and it is a text message */
    struct utf8_state utf8;

    int close_sent;         /* our Close is queued; no more data frames */
    int close_received;     /* the client's Close came; the rest is ignored */
    int failed;             /* we failed the connection; input is ignored */
    int shut_when_flushed;  /* close TCP as soon as the queue is empty */
    int reset_when_flushed; /* ... and with RST rather than FIN */
    int lingering;          /* uaf-after-close: FIN sent, reading until the client's */
    long long deadline;     /* ms on the monotonic clock; 0 for none */
    long long next_ping;    /* keepalive: when the next Ping goes out; 0 for none */
    long long pong_due;     /* ... and when its Pong is late; 0 when none is awaited */
};

static enum defect defect;

/* Keepalive (--ping-interval, --ping-timeout), in ms; 0 for none. */
static long long ping_interval_ms, ping_timeout_ms;

static struct {
    int epfd;
    int listen_fd;
    int signal_fd;
    struct conn *conns;     /* open connections */
    struct conn *dead;      /* closed during this round of events */
    struct conn *abandoned; /* given up on with their socket still open */
    unsigned long last_id;
    int stopping;
    long long grace_end;
} server = {-1, -1, -1, NULL, NULL, NULL, 0, 0, 0};

/*
 * What epoll_event.data.ptr points at for the two descriptors that are not
 * connections.
 */
static int listen_tag, signal_tag;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "zoo-raw: %s\n", line);
}

/* A server this small has no good way to go on without memory. */
static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        say("out of memory");
        exit(1);
    }
    return p;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * RFC 6455 7.4: the codes a client may put in a Close frame.  1004-1006 and
 * 1015 are reserved for reporting, never for the wire; the rest below 3000
 * is unassigned, and 5000 and up is undefined.
 */
static int close_code_valid(unsigned code)
{
    if (code >= 1000 && code <= 1003) return 1;
    if (code >= 1007 && code <= 1014) return 1;
    return code >= 3000 && code <= 4999;
}

/* ---- Connections and their output queue ---- */

static void watch(struct conn *c)
{
    uint32_t want = EPOLLRDHUP;
    struct epoll_event ev;

    if (!c->paused) want |= EPOLLIN;
    if (c->head) want |= EPOLLOUT;
    if (c->paused && defect == DEFECT_DEAF_WHILE_BLOCKED) {
        /*
         * DEFECT deaf-while-blocked: a connection that waits for its
         * client to take the echoes is watched for nothing but room to
         * write, as a thread blocked in send() would be.  The client's
         * FIN goes unnoticed; if the client never reads again, the socket
         * stays in CLOSE_WAIT for as long as the server runs.
         */
        want = EPOLLOUT;
    }
    if (want == c->events) return;
    c->events = want;
    memset(&ev, 0, sizeof(ev));
    ev.events = want;
    ev.data.ptr = c;
    epoll_ctl(server.epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/*
 * How full the queue is, as a fraction of its limit in 1/2 steps: 2 or more
 * is full, below 1 is half empty.
 */
static size_t queue_halves(const struct conn *c)
{
    if (defect == DEFECT_COUNT_BOUNDED_QUEUE) {
        /*
         * DEFECT count-bounded-queue: the limit counts frames, not bytes.
         * Sixty-four small echoes are a few KiB; sixty-four large ones are
         * gigabytes, all held for a client that does not read.
         */
        return c->nqueued * 2 / QUEUE_MAX_FRAMES;
    }
    return c->queued * 2 / QUEUE_MAX_BYTES;
}

/* Backpressure: stop reading while the queue is at its limit. */
static void update_flow(struct conn *c)
{
    if (!c->paused && queue_halves(c) >= 2) {
        c->paused = 1;
        say("conn %lu send queue full (%zu bytes), reading paused", c->id, c->queued);
    } else if (c->paused && queue_halves(c) < 1) {
        c->paused = 0;
        say("conn %lu send queue down to %zu bytes, reading resumed", c->id, c->queued);
    }
    watch(c);
}

static void unlink_conn(struct conn *c, struct conn **list)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        *list = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

static void push_conn(struct conn *c, struct conn **list)
{
    c->prev = NULL;
    c->next = *list;
    if (*list) (*list)->prev = c;
    *list = c;
}

static void free_conn(struct conn *c)
{
    while (c->head) {
        struct out *o = c->head;

        c->head = o->next;
        free(o);
    }
    if (!c->lingering) free(c->session); /* a lingering one gave it back already */
    free(c->in);
    free(c);
}

/*
 * A closing socket with unread bytes in its receive buffer sends RST, not
 * FIN.  Whatever the client sent after the point where we stopped caring is
 * read and dropped, so it sees an orderly close.
 */
static void drain(int fd)
{
    char buf[4096];

    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        ;
}

/*
 * The end of a connection.  peer_gone says the client left without
 * finishing the closing handshake (EOF or reset): there is nobody to say
 * goodbye to, only a socket to release.
 */
static void close_conn(struct conn *c, int peer_gone)
{
    if (peer_gone && defect == DEFECT_FD_LEAK_ON_RESET) {
        /*
         * DEFECT fd-leak-on-reset: the connection is forgotten, but its
         * descriptor is never closed.  Every client that resets or vanishes
         * costs one file descriptor, until accept() fails with EMFILE.
         */
        epoll_ctl(server.epfd, EPOLL_CTL_DEL, c->fd, NULL);
    } else {
        /* An orderly end: FIN first, then what the client still sends is
         * read away so close() does not turn into an RST (unless the RST is
         * the defect). */
        if (!peer_gone && !c->reset_when_flushed) {
            shutdown(c->fd, SHUT_WR);
            drain(c->fd);
        }
        close(c->fd); /* also takes it out of epoll */
    }
    say("conn %lu closed", c->id);
    c->dead = 1;
    unlink_conn(c, &server.conns);
    push_conn(c, &server.dead);
}

/*
 * The closing handshake is done and our last word is out.  TCP is closed
 * the gentle way: FIN first, then reading until the client's FIN, for at
 * most the close timeout.
 */
static void linger(struct conn *c)
{
    /*
     * DEFECT uaf-after-close: the WebSocket is over, so its session is
     * freed here, with the socket still open; but every read still counts
     * its bytes in the session.  A bare FIN reads none; any byte the client
     * sends after the closing handshake is counted in freed memory.
     */
    say("conn %lu session over after %lu frames, %llu bytes", c->id, c->session->frames_in,
        c->session->bytes_in);
    free(c->session);
    c->lingering = 1;
    c->shut_when_flushed = 0;
    c->deadline = now_ms() + CLOSE_TIMEOUT_MS;
    shutdown(c->fd, SHUT_WR);
    say("conn %lu closing handshake done, waiting for the client's FIN", c->id);
    watch(c);
}

/*
 * Send what the socket takes now; the rest waits for EPOLLOUT.  Once the
 * queue is empty, a connection whose last word was queued is closed.
 */
static void flush(struct conn *c)
{
    while (c->head) {
        struct out *o = c->head;
        ssize_t n = send(c->fd, o->data + o->sent, o->len - o->sent, MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            say("conn %lu send failed: %s", c->id, strerror(errno));
            close_conn(c, 1);
            return;
        }
        o->sent += (size_t)n;
        c->queued -= (size_t)n;
        if (o->sent == o->len) {
            c->head = o->next;
            if (!c->head) c->tail = NULL;
            c->nqueued--;
            free(o);
        }
    }
    if (!c->head && c->shut_when_flushed) {
        if (c->reset_when_flushed) {
            struct linger lg = {.l_onoff = 1, .l_linger = 0};
            setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        }
        if (defect == DEFECT_UAF_AFTER_CLOSE && c->close_received)
            linger(c);
        else
            close_conn(c, 0);
        return;
    }
    update_flow(c);
}

static void queue_bytes(struct conn *c, const void *a, size_t alen, const void *b, size_t blen)
{
    struct out *o = xmalloc(sizeof(*o) + alen + blen);

    o->next = NULL;
    o->len = alen + blen;
    o->sent = 0;
    memcpy(o->data, a, alen);
    if (blen) memcpy(o->data + alen, b, blen);
    if (c->tail)
        c->tail->next = o;
    else
        c->head = o;
    c->tail = o;
    c->queued += o->len;
    c->nqueued++;
}

/* Server frames are never masked (RFC 6455 5.1). */
static void queue_frame(struct conn *c, int fin, int opcode, const unsigned char *payload,
                        size_t len)
{
    unsigned char head[10];
    size_t hlen;

    head[0] = (unsigned char)((fin ? 0x80 : 0) | opcode);
    if (len < 126) {
        head[1] = (unsigned char)len;
        hlen = 2;
    } else if (len <= 0xffff) {
        head[1] = 126;
        head[2] = (unsigned char)(len >> 8);
        head[3] = (unsigned char)len;
        hlen = 4;
    } else {
        head[1] = 127;
        for (int i = 0; i < 8; i++)
            head[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
        hlen = 10;
    }
    queue_bytes(c, head, hlen, payload, len);
}

/*
 * Nothing queued behind a Close may go out, but a frame already half sent
 * must be finished, or the Close would land inside it.
 */
static void drop_unsent(struct conn *c)
{
    struct out *keep = c->head && c->head->sent ? c->head : NULL;
    struct out *o = keep ? keep->next : c->head;

    while (o) {
        struct out *next = o->next;

        c->queued -= o->len;
        c->nqueued--;
        free(o);
        o = next;
    }
    c->head = c->tail = keep;
    if (keep) keep->next = NULL;
}

static void queue_close(struct conn *c, const unsigned char *payload, size_t len)
{
    queue_frame(c, 1, OP_CLOSE, payload, len);
    c->close_sent = 1;
    c->deadline = now_ms() + CLOSE_TIMEOUT_MS;
}

static void queue_close_code(struct conn *c, unsigned code, const char *reason)
{
    unsigned char payload[125];
    size_t n = strlen(reason);

    if (n > sizeof(payload) - 2) n = sizeof(payload) - 2;
    payload[0] = (unsigned char)(code >> 8);
    payload[1] = (unsigned char)code;
    memcpy(payload + 2, reason, n);
    queue_close(c, payload, 2 + n);
}

/*
 * Bad data from the client: fail the connection (RFC 6455 7.1.7).  Our
 * Close goes out, then TCP is closed at once; the client's answer, if it
 * sends one, is not waited for.
 */
static void fail(struct conn *c, unsigned code, const char *why)
{
    c->failed = 1;
    c->in_off = c->in_len;
    if (c->close_sent) {
        /* We said goodbye already and were waiting for its Close. */
        say("conn %lu %s while closing", c->id, why);
        close_conn(c, 0);
        return;
    }
    say("conn %lu %s, closing with %u", c->id, why, code);
    drop_unsent(c);
    queue_close_code(c, code, why);
    c->shut_when_flushed = 1;
}

/*
 * DEFECT close-race: a race in the closing handshake that is lost about one
 * time in 45.  Where a threaded server's reply to a Close races the sweep
 * that frees the connection, which side wins depends on scheduling; here
 * the loser is drawn, from a seed of the clock and the pid, so that no
 * order of events a client can choose makes it lose every time or never.
 * Losing is an assertion failure: the server aborts, every connection lost.
 */
static int close_race_lost(void)
{
    static uint64_t state;

    if (!state) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid() ^ 1;
    }
    /* xorshift64 */
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % 45 == 0;
}

/* Answer a Close from the client; TCP is closed once the answer is out. */
static void answer_close(struct conn *c, const unsigned char *payload, size_t len)
{
    if (defect == DEFECT_CLOSE_RACE && close_race_lost()) {
        say("conn %lu: assertion failed: c->state == CLOSING (the sweep freed it first)", c->id);
        abort();
    }
    queue_close(c, payload, len);
    if (defect == DEFECT_NO_TCP_CLOSE) {
        /*
         * DEFECT no-tcp-close: the answer goes out, but TCP is left open
         * until the client closes it.  RFC 6455 7.1.1 wants the server to
         * close first; a client that waits for that waits forever.
         */
        c->deadline = 0;
        return;
    }
    if (defect == DEFECT_RESET_ON_CLOSE) {
        /*
         * DEFECT reset-on-close: the Close answer goes out, then the
         * connection is dropped with SO_LINGER 0, so the client sees an RST
         * where the closing handshake should end in a FIN (RFC 6455 7.1.1).
         */
        c->reset_when_flushed = 1;
    }
    c->shut_when_flushed = 1;
}

static void answer_close_code(struct conn *c, unsigned code, const char *why)
{
    unsigned char payload[2 + 64];
    size_t n = strlen(why);

    say("conn %lu %s, answering close %u", c->id, why, code);
    if (n > sizeof(payload) - 2) n = sizeof(payload) - 2;
    payload[0] = (unsigned char)(code >> 8);
    payload[1] = (unsigned char)code;
    memcpy(payload + 2, why, n);
    answer_close(c, payload, 2 + n);
}

/* One line for the log, with the reason made printable. */
static void log_close(struct conn *c, const unsigned char *payload, size_t len)
{
    unsigned code;
    size_t n;
    char *reason;

    if (len == 0) {
        say("conn %lu close received without a code", c->id);
        return;
    }
    if (len == 1) {
        say("conn %lu close received with a 1-byte payload", c->id);
        return;
    }
    code = (unsigned)payload[0] << 8 | payload[1];
    if (len == 2) {
        say("conn %lu close received code=%u", c->id, code);
        return;
    }

    n = len - 2;
    if (defect == DEFECT_HEAP_OVERFLOW) {
        /*
         * DEFECT heap-overflow: no room is kept for the terminator, so it
         * is written one byte past the end of the allocation.
         */
        reason = xmalloc(n);
    } else {
        reason = xmalloc(n + 1);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char b = payload[2 + i];

        reason[i] = b >= 0x20 && b < 0x7f && b != '"' && b != '\\' ? (char)b : '?';
    }
    reason[n] = '\0';
    say("conn %lu close received code=%u reason=\"%s\"", c->id, code, reason);
    free(reason);
}

/*
 * The client's Close.  A valid one is echoed with the same payload; an
 * invalid one gets 1002 (or 1007 for a reason that is not UTF-8).  Either
 * way TCP is closed by us as soon as the answer is out.
 */
static void on_close_frame(struct conn *c, const unsigned char *payload, size_t len)
{
    unsigned code;

    log_close(c, payload, len);
    c->close_received = 1;
    c->in_off = c->in_len; /* nothing after a Close counts */

    if (c->close_sent) {
        /*
         * It answers the Close we sent, or crossed it on the wire: both
         * sides have sent and received a Close, only TCP is left.
         */
        c->shut_when_flushed = 1;
        return;
    }

    if (defect == DEFECT_CLOSE_WITHOUT_FRAME) {
        /*
         * DEFECT close-without-frame: TCP is closed without the Close frame
         * RFC 6455 5.5.1 requires in answer, so the client never learns
         * that its Close was received.
         */
        close_conn(c, 0);
        return;
    }

    if (len == 0) {
        answer_close(c, payload, 0);
        return;
    }
    if (len == 1) {
        if (defect == DEFECT_ONE_BYTE_CLOSE_CRASH) {
            /*
             * DEFECT one-byte-close-crash: a payload too short to hold a
             * code is taken as having none, and the code is then read
             * through the pointer to it, which is NULL in that case.
             */
            const unsigned char *volatile codep = NULL;

            code = (unsigned)codep[0] << 8 | codep[1];
            say("conn %lu close code %u", c->id, code);
        }
        answer_close_code(c, CLOSE_PROTOCOL_ERROR, "close payload of 1 byte");
        return;
    }

    code = (unsigned)payload[0] << 8 | payload[1];
    if (!close_code_valid(code)) {
        if (defect == DEFECT_ACCEPT_INVALID_CODES) {
            /*
             * DEFECT accept-invalid-codes: any code is echoed as if it were
             * valid, even those RFC 6455 7.4 forbids on the wire.
             */
        } else {
            answer_close_code(c, CLOSE_PROTOCOL_ERROR, "invalid close code");
            return;
        }
    }
    if (!utf8_valid(payload + 2, len - 2)) {
        answer_close_code(c, CLOSE_INVALID_PAYLOAD, "close reason not UTF-8");
        return;
    }
    answer_close(c, payload, len);
}

static void on_frame(struct conn *c, int fin, int opcode, const unsigned char *payload, size_t len)
{
    c->session->frames_in++;
    switch (opcode) {
    case OP_TEXT:
    case OP_BINARY:
    case OP_CONTINUATION:
        if (opcode != OP_CONTINUATION) {
            c->message_text = opcode == OP_TEXT;
            memset(&c->utf8, 0, sizeof(c->utf8));
        }
        c->in_message = !fin;
        if (c->close_sent) return; /* closing: data is no longer echoed */
        if (c->message_text && !utf8_feed(&c->utf8, payload, len)) {
            fail(c, CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in text message");
            return;
        }
        if (c->message_text && fin && c->utf8.need) {
            fail(c, CLOSE_INVALID_PAYLOAD, "text message ends inside a UTF-8 sequence");
            return;
        }
        /* Same opcode and FIN bit: a fragmented message stays fragmented. */
        queue_frame(c, fin, opcode, payload, len);
        return;
    case OP_PING:
        if (!c->close_sent) queue_frame(c, 1, OP_PONG, payload, len);
        return;
    case OP_PONG:
        /* Any Pong will do, as in python-websockets: the client is alive.
         * Unsolicited pongs are allowed, and need no answer. */
        c->pong_due = 0;
        return;
    case OP_CLOSE:
        on_close_frame(c, payload, len);
        return;
    }
}

/*
 * Take every complete frame out of the input.  A bad header fails the
 * connection as soon as enough of it is in, without waiting for a payload
 * that may never come.
 */
static void read_frames(struct conn *c)
{
    while (!c->dead && !c->failed && !c->close_received) {
        unsigned char *p = c->in + c->in_off;
        size_t avail = c->in_len - c->in_off;
        int fin, opcode;
        uint64_t len;
        size_t hlen = 2;
        unsigned char *mask, *payload;

        if (avail < 2) return;
        fin = p[0] & 0x80;
        opcode = p[0] & 0x0f;
        len = p[1] & 0x7f;

        if (p[0] & 0x70) {
            fail(c, CLOSE_PROTOCOL_ERROR, "RSV bits set");
            return;
        }
        if ((opcode > OP_BINARY && opcode < OP_CLOSE) || opcode > OP_PONG) {
            fail(c, CLOSE_PROTOCOL_ERROR, "reserved opcode");
            return;
        }
        if (!(p[1] & 0x80)) {
            fail(c, CLOSE_PROTOCOL_ERROR, "unmasked frame");
            return;
        }
        if (opcode >= OP_CLOSE && !fin) {
            fail(c, CLOSE_PROTOCOL_ERROR, "fragmented control frame");
            return;
        }
        if (opcode >= OP_CLOSE && len > 125) {
            fail(c, CLOSE_PROTOCOL_ERROR, "control frame over 125 bytes");
            return;
        }
        if (opcode == OP_CONTINUATION && !c->in_message) {
            fail(c, CLOSE_PROTOCOL_ERROR, "continuation frame outside a message");
            return;
        }
        if ((opcode == OP_TEXT || opcode == OP_BINARY) && c->in_message) {
            fail(c, CLOSE_PROTOCOL_ERROR, "new message before the last one ended");
            return;
        }

        if (len == 126) {
            if (avail < 4) return;
            len = (uint64_t)p[2] << 8 | p[3];
            hlen = 4;
        } else if (len == 127) {
            if (avail < 10) return;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | p[2 + i];
            hlen = 10;
            if (len >> 63) {
                fail(c, CLOSE_PROTOCOL_ERROR, "frame length with its top bit set");
                return;
            }
        }
        if (len > MAX_FRAME_BYTES) {
            fail(c, CLOSE_TOO_BIG, "frame too large");
            return;
        }
        if (avail < hlen + 4 + len) return; /* the rest is still on its way */

        mask = p + hlen;
        payload = mask + 4;
        for (uint64_t i = 0; i < len; i++)
            payload[i] ^= mask[i & 3];
        c->in_off += hlen + 4 + (size_t)len;
        on_frame(c, fin, opcode, payload, (size_t)len);
    }
}

/* ---- The HTTP upgrade ---- */

struct request {
    char *host, *upgrade, *connection, *version, *key, *protocol;
};

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    return s;
}

/* Does a comma-separated header value hold this token (any case)? */
static int has_token(const char *value, const char *token)
{
    char copy[1024];
    char *save = NULL;

    if (!value || strlen(value) >= sizeof(copy)) return 0;
    strcpy(copy, value);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (!strcasecmp(trim(t), token)) return 1;
    return 0;
}

/* RFC 6455 4.1: the key is 16 random bytes in base64, so 24 characters. */
static int key_valid(const char *key)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char raw[18];

    return strlen(key) == 24 && strspn(key, alphabet) == 22 && !strcmp(key + 22, "==") &&
           EVP_DecodeBlock(raw, (const unsigned char *)key, 24) == 18;
}

/* Sec-WebSocket-Accept: base64(SHA-1(key + GUID)), RFC 6455 4.2.2. */
static void accept_value(const char *key, char out[29])
{
    char buf[24 + sizeof(WS_GUID)];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);
    EVP_Digest(buf, strlen(buf), md, &mdlen, EVP_sha1(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
}

static void reject(struct conn *c, int status, const char *text, const char *extra, const char *why)
{
    char resp[256];
    int n = snprintf(resp, sizeof(resp),
                     "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Length: 0\r\n%s\r\n", status,
                     text, extra);

    say("conn %lu bad request: %s, answering %d", c->id, why, status);
    queue_bytes(c, resp, (size_t)n, NULL, 0);
    c->shut_when_flushed = 1;
    c->failed = 1;
    c->in_off = c->in_len;
}

/*
 * Parse and answer the request head, head_len bytes ending in the empty
 * line.  Returns 1 if the connection is now a WebSocket.
 */
static int upgrade(struct conn *c, size_t head_len)
{
    char head[MAX_REQUEST_BYTES + 1];
    struct request r = {NULL, NULL, NULL, NULL, NULL, NULL};
    char *line, *next, *method, *version, *save = NULL;
    char resp[512], accept[29];
    const char *protocol = "";
    int n;

    memcpy(head, c->in + c->in_off, head_len);
    head[head_len] = '\0';

    /* The request line: GET <target> HTTP/1.1 */
    next = strstr(head, "\r\n");
    *next = '\0';
    method = strtok_r(head, " ", &save);
    strtok_r(NULL, " ", &save);
    version = strtok_r(NULL, " ", &save);
    if (!method || !version || strtok_r(NULL, " ", &save) || strcmp(version, "HTTP/1.1")) {
        reject(c, 400, "Bad Request", "", "malformed request line");
        return 0;
    }
    if (strcmp(method, "GET")) {
        reject(c, 405, "Method Not Allowed", "Allow: GET\r\n", "not a GET");
        return 0;
    }

    /* Header lines, up to the empty line that ends the head. */
    for (line = next + 2; strncmp(line, "\r\n", 2); line = next + 2) {
        char *colon, *name, *value;

        next = strstr(line, "\r\n");
        *next = '\0';
        colon = strchr(line, ':');
        if (!colon || colon == line) {
            reject(c, 400, "Bad Request", "", "malformed header line");
            return 0;
        }
        *colon = '\0';
        name = line;
        value = trim(colon + 1);
        if (!strcasecmp(name, "Host"))
            r.host = value;
        else if (!strcasecmp(name, "Upgrade"))
            r.upgrade = value;
        else if (!strcasecmp(name, "Connection"))
            r.connection = value;
        else if (!strcasecmp(name, "Sec-WebSocket-Version"))
            r.version = value;
        else if (!strcasecmp(name, "Sec-WebSocket-Key"))
            r.key = value;
        else if (!strcasecmp(name, "Sec-WebSocket-Protocol"))
            r.protocol = value;
    }

    if (!r.host) {
        reject(c, 400, "Bad Request", "", "no Host header");
        return 0;
    }
    if (!has_token(r.upgrade, "websocket") || !has_token(r.connection, "upgrade")) {
        reject(c, 400, "Bad Request", "", "not a WebSocket upgrade");
        return 0;
    }
    if (!r.version || strcmp(r.version, "13")) {
        reject(c, 426, "Upgrade Required", "Sec-WebSocket-Version: 13\r\n",
               "unsupported Sec-WebSocket-Version");
        return 0;
    }
    if (!r.key || !key_valid(r.key)) {
        reject(c, 400, "Bad Request", "", "invalid Sec-WebSocket-Key");
        return 0;
    }

    /* "echo" is the one subprotocol we speak; without it, none is chosen. */
    if (has_token(r.protocol, "echo")) protocol = "Sec-WebSocket-Protocol: echo\r\n";
    accept_value(r.key, accept);
    n = snprintf(resp, sizeof(resp),
                 "HTTP/1.1 101 Switching Protocols\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: %s\r\n"
                 "%s\r\n",
                 accept, protocol);
    queue_bytes(c, resp, (size_t)n, NULL, 0);
    c->in_off += head_len;
    c->upgraded = 1;
    c->session = xmalloc(sizeof(*c->session));
    memset(c->session, 0, sizeof(*c->session));
    c->deadline = 0;
    if (ping_interval_ms) c->next_ping = now_ms() + ping_interval_ms;
    say("conn %lu open", c->id);
    return 1;
}

/* Wait for the whole request head, then upgrade; frames may follow it. */
static void read_request(struct conn *c)
{
    const unsigned char *p = c->in + c->in_off;
    size_t avail = c->in_len - c->in_off;
    const unsigned char *end = memmem(p, avail, "\r\n\r\n", 4);
    size_t head_len = end ? (size_t)(end - p) + 4 : avail;

    if (head_len > MAX_REQUEST_BYTES) {
        reject(c, 431, "Request Header Fields Too Large", "", "request head over 8 KiB");
        return;
    }
    if (!end) return;
    if (memchr(p, '\0', head_len)) {
        reject(c, 400, "Bad Request", "", "NUL byte in the request");
        return;
    }
    if (upgrade(c, head_len)) read_frames(c);
}

/* ---- Events ---- */

/* Room for one more READ_CHUNK, keeping what is not used yet. */
static void make_room(struct conn *c)
{
    if (c->in_off == c->in_len) {
        c->in_off = c->in_len = 0;
        /* Give back the memory of a large frame once it is done. */
        if (c->in_cap > 4 * READ_CHUNK) {
            free(c->in);
            c->in = NULL;
            c->in_cap = 0;
        }
    }
    if (c->in_cap - c->in_len >= READ_CHUNK) return;
    if (c->in_off > 0) {
        memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
        c->in_len -= c->in_off;
        c->in_off = 0;
    }
    if (c->in_cap - c->in_len < READ_CHUNK) {
        size_t cap = c->in_cap ? c->in_cap * 2 : 2 * READ_CHUNK;
        unsigned char *in;

        while (cap - c->in_len < READ_CHUNK)
            cap *= 2;
        in = realloc(c->in, cap);
        if (!in) {
            say("out of memory");
            exit(1);
        }
        c->in = in;
        c->in_cap = cap;
    }
}

/* The client closed its sending side: it can never send a Close now. */
static void on_eof(struct conn *c)
{
    say("conn %lu client closed its side of TCP", c->id);

    /* A Close we owe it may still be queued: one last try. */
    if (c->head && c->shut_when_flushed) {
        flush(c);
        if (c->dead) return;
    }
    if (defect == DEFECT_CLOSE_WAIT) {
        /*
         * DEFECT close-wait: the connection is no longer read, but its
         * socket is never closed.  The kernel keeps it in CLOSE_WAIT, with
         * its descriptor, for as long as the server runs.
         */
        epoll_ctl(server.epfd, EPOLL_CTL_DEL, c->fd, NULL);
        unlink_conn(c, &server.conns);
        push_conn(c, &server.abandoned);
        return;
    }
    close_conn(c, !c->close_received);
}

static void on_readable(struct conn *c)
{
    ssize_t n;

    if (c->failed || c->close_received) {
        /* Input no longer matters; read only to notice EOF or a reset. */
        char buf[4096];

        n = recv(c->fd, buf, sizeof(buf), 0);
    } else {
        make_room(c);
        n = recv(c->fd, c->in + c->in_len, READ_CHUNK, 0);
        if (n > 0) {
            c->in_len += (size_t)n;
            if (c->upgraded)
                read_frames(c);
            else
                read_request(c);
        }
    }

    if (n > 0) {
        if (c->session) c->session->bytes_in += (unsigned long long)n;
        if (!c->dead) flush(c);
    } else if (n == 0) {
        on_eof(c);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        say("conn %lu %s", c->id, errno == ECONNRESET ? "reset by the client" : strerror(errno));
        close_conn(c, 1);
    }
}

static void on_conn_event(struct conn *c, uint32_t events)
{
    if (c->dead) return; /* closed earlier in this round */

    /*
     * A paused connection is still read once the client has hung up or
     * failed: it cannot send much more, and what it did send may end in
     * EOF or a Close we must see.
     */
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(c);
    if (!c->dead && (events & EPOLLOUT)) flush(c);
}

static void on_accept(void)
{
    for (;;) {
        struct epoll_event ev;
        struct conn *c;
        int one = 1;
        int fd = accept4(server.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                say("cannot accept a connection: %s", strerror(errno));
            return;
        }
        /* Echoes are small and answered at once: no Nagle delay. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

        c = xmalloc(sizeof(*c));
        memset(c, 0, sizeof(*c));
        c->fd = fd;
        c->id = ++server.last_id;
        c->events = EPOLLIN | EPOLLRDHUP;
        if (defect == DEFECT_NO_HANDSHAKE_TIMEOUT) {
            /*
             * DEFECT no-handshake-timeout: nothing limits how long a client
             * may take to send its request.  A trickled or half-sent
             * request holds the connection, and its memory, forever.
             */
        } else {
            c->deadline = now_ms() + HANDSHAKE_TIMEOUT_MS;
        }
        push_conn(c, &server.conns);

        memset(&ev, 0, sizeof(ev));
        ev.events = c->events;
        ev.data.ptr = c;
        epoll_ctl(server.epfd, EPOLL_CTL_ADD, fd, &ev);
    }
}

/* ---- Shutdown ---- */

static void go_away(struct conn *c)
{
    say("conn %lu sending close 1001 (going away)", c->id);
    drop_unsent(c);
    queue_close_code(c, CLOSE_GOING_AWAY, "server shutting down");
    flush(c);
}

static void begin_shutdown(void)
{
    struct conn *c, *next;

    server.stopping = 1;
    server.grace_end = now_ms() + SHUTDOWN_GRACE_MS;
    say("shutting down");
    close(server.listen_fd);
    server.listen_fd = -1;
    for (c = server.conns; c; c = next) {
        next = c->next;
        if (!c->upgraded)
            close_conn(c, 0);
        else if (!c->close_sent)
            go_away(c);
    }
}

static void on_signal(void)
{
    struct signalfd_siginfo si;

    while (read(server.signal_fd, &si, sizeof(si)) == sizeof(si))
        if (!server.stopping) begin_shutdown();
}

/* ---- The loop ---- */

/* The keepalive of one connection; returns when it next needs a look. */
static long long keepalive(struct conn *c, long long now)
{
    if (!c->next_ping || c->close_sent || c->close_received || c->failed) return 0;
    if (c->pong_due && now >= c->pong_due) {
        /*
         * DEFECT ping-without-timeout: the Pings go on, but a client that
         * never answers them is kept for ever, which is what the keepalive
         * was for: a dead peer holds its socket and its memory until the
         * server restarts.
         */
        if (defect == DEFECT_PING_WITHOUT_TIMEOUT) {
            say("conn %lu missed its pong, kept", c->id);
            c->pong_due = 0;
        } else {
            fail(c, CLOSE_INTERNAL_ERROR, "keepalive ping timeout");
            flush(c);
            return 0;
        }
    }
    if (now >= c->next_ping) {
        queue_frame(c, 1, OP_PING, (const unsigned char *)"keepalive", 9);
        flush(c);
        c->next_ping = now + ping_interval_ms;
        if (!c->pong_due) c->pong_due = now + ping_timeout_ms;
    }
    if (c->pong_due && c->pong_due < c->next_ping) return c->pong_due;
    return c->next_ping;
}

/* Close what ran out of time; returns how long epoll may sleep. */
static int run_timers(void)
{
    long long now = now_ms(), next = -1;
    struct conn *c, *cnext;

    for (c = server.conns; c; c = cnext) {
        long long at;

        cnext = c->next;
        if (c->dead) continue;
        at = keepalive(c, now);
        if (at && (next < 0 || at < next)) next = at;
        if (c->dead || !c->deadline) continue;
        if (now >= c->deadline) {
            if (c->upgraded)
                say("conn %lu close timed out", c->id);
            else
                say("conn %lu handshake timed out", c->id);
            close_conn(c, 0);
        } else if (next < 0 || c->deadline < next) {
            next = c->deadline;
        }
    }
    if (server.stopping && (next < 0 || server.grace_end < next)) next = server.grace_end;
    if (next < 0) return -1;
    return next > now ? (int)(next - now) : 0;
}

static void free_list(struct conn **list)
{
    while (*list) {
        struct conn *c = *list;

        *list = c->next;
        free_conn(c);
    }
}

static void serve(void)
{
    struct epoll_event events[64];

    for (;;) {
        int timeout = run_timers();
        int n;

        free_list(&server.dead);
        if (server.stopping && !server.conns) return;
        if (server.stopping && now_ms() >= server.grace_end) {
            int left = 0;

            for (struct conn *c = server.conns; c; c = c->next)
                left++;
            say("%d connection(s) still open after the grace period, dropping them", left);
            while (server.conns)
                close_conn(server.conns, 0);
            free_list(&server.dead);
            return;
        }

        n = epoll_wait(server.epfd, events, 64, timeout);
        if (n < 0 && errno != EINTR) {
            say("epoll_wait: %s", strerror(errno));
            return;
        }
        for (int i = 0; i < n; i++) {
            void *ptr = events[i].data.ptr;

            if (ptr == &listen_tag) {
                if (server.listen_fd >= 0) on_accept();
            } else if (ptr == &signal_tag) {
                on_signal();
            } else {
                on_conn_event(ptr, events[i].events);
            }
        }
    }
}

/* ---- Start-up ---- */

static void usage(FILE *out)
{
    fprintf(out, "usage: zoo-raw --port N [--host ADDR] [--defect NAME]\n"
                 "               [--ping-interval MS --ping-timeout MS]\n"
                 "\n"
                 "WebSocket echo server on raw sockets, correct unless a defect is chosen.\n"
                 "  --port N       TCP port to listen on (0 picks a free one)\n"
                 "  --host ADDR    numeric IPv4 or IPv6 address (default " DEFAULT_HOST ")\n"
                 "  --ping-interval MS, --ping-timeout MS\n"
                 "                 keepalive: a Ping every interval, Close 1011 when its\n"
                 "                 Pong is later than the timeout (default: no Pings)\n"
                 "  --defect NAME  the one defect to have (default none):\n");
    for (size_t i = 0; i < sizeof(defect_names) / sizeof(defect_names[0]); i++)
        fprintf(out, "                   %s\n", defect_names[i]);
    fprintf(out, "  --help         show this text\n");
}

static void bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void bad_usage(const char *fmt, ...)
{
    va_list ap;

    fputs("zoo-raw: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    usage(stderr);
    exit(2);
}

static int parse_defect(const char *name)
{
    for (size_t i = 0; i < sizeof(defect_names) / sizeof(defect_names[0]); i++)
        if (!strcmp(name, defect_names[i])) return (int)i;
    return -1;
}

/* Returns the listening socket, or -1 with why filled in. */
static int listen_on(const char *host, int port, int *bound_port, char *why, size_t whylen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    int fd, one = 1;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
        sslen = sizeof(struct sockaddr_in);
    } else {
        inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr);
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
        sslen = sizeof(struct sockaddr_in6);
    }

    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    /* A port whose last connections are in TIME_WAIT is free to reuse. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, 128) < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    sslen = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sslen);
    *bound_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

int main(int argc, char **argv)
{
    static char errbuf[BUFSIZ];
    const char *host = DEFAULT_HOST;
    unsigned char addr[sizeof(struct in6_addr)];
    const char *lb = "", *rb = ""; /* brackets around an IPv6 host in messages */
    struct epoll_event ev;
    sigset_t mask;
    char why[256];
    long port = -1;
    int bound_port = 0;

    /* A parent reading our stderr through a pipe must see each line at once. */
    setvbuf(stderr, errbuf, _IOLBF, sizeof(errbuf));

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val;

        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--port") && strcmp(arg, "--host") && strcmp(arg, "--defect") &&
            strcmp(arg, "--ping-interval") && strcmp(arg, "--ping-timeout"))
            bad_usage("unknown argument '%s'", arg);
        if (i + 1 >= argc) bad_usage("%s needs a value", arg);
        val = argv[++i];
        if (!strcmp(arg, "--host")) {
            host = val;
        } else if (!strcmp(arg, "--defect")) {
            int d = parse_defect(val);

            if (d < 0) bad_usage("unknown defect '%s'", val);
            defect = (enum defect)d;
        } else if (!strcmp(arg, "--ping-interval") || !strcmp(arg, "--ping-timeout")) {
            char *end;
            long ms;

            errno = 0;
            ms = strtol(val, &end, 10);
            if (errno || end == val || *end || ms <= 0 || ms > 3600000)
                bad_usage("%s: expected milliseconds from 1 to 3600000, not '%s'", arg, val);
            if (!strcmp(arg, "--ping-interval"))
                ping_interval_ms = ms;
            else
                ping_timeout_ms = ms;
        } else {
            char *end;

            errno = 0;
            port = strtol(val, &end, 10);
            if (errno || end == val || *end || port < 0 || port > 65535)
                bad_usage("invalid port '%s'", val);
        }
    }
    if (port < 0) bad_usage("--port is required");
    if (!ping_interval_ms != !ping_timeout_ms)
        bad_usage("--ping-interval and --ping-timeout go together");
    if (inet_pton(AF_INET6, host, addr) == 1) {
        lb = "[";
        rb = "]";
    } else if (inet_pton(AF_INET, host, addr) != 1) {
        bad_usage("--host must be a numeric IP address, not '%s'", host);
    }

    /* Signals arrive as readable data on the loop, not in a handler. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    server.signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

    server.listen_fd = listen_on(host, (int)port, &bound_port, why, sizeof(why));
    if (server.listen_fd < 0) {
        say("cannot listen on %s%s%s:%ld: %s", lb, host, rb, port, why);
        return 1;
    }

    server.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (server.epfd < 0 || server.signal_fd < 0) {
        say("cannot set up the event loop: %s", strerror(errno));
        return 1;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = &listen_tag;
    epoll_ctl(server.epfd, EPOLL_CTL_ADD, server.listen_fd, &ev);
    ev.data.ptr = &signal_tag;
    epoll_ctl(server.epfd, EPOLL_CTL_ADD, server.signal_fd, &ev);

    if (defect != DEFECT_NONE) say("defect: %s", defect_names[defect]);
    say("listening on %s%s%s:%d", lb, host, rb, bound_port);

    serve();

    /* Sockets given up on are released only now, as the process ends. */
    for (struct conn *c = server.abandoned; c; c = c->next)
        close(c->fd);
    free_list(&server.abandoned);
    free_list(&server.conns);
    close(server.epfd);
    close(server.signal_fd);
    if (server.listen_fd >= 0) close(server.listen_fd);
    return 0;
}
