#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bounds on what a target can make the peer hold. */
#define MAX_FRAME_PAYLOAD (16u << 20)
/* The inbox counts memory, not payload: a slot, its two buffers and what
 * malloc keeps beside each (an empty frame costs ~150 bytes, so a flood of
 * them must be counted too). */
#define MAX_INBOX_BYTES (32u << 20)
/* And all the connections of a scenario together (one scenario runs at a
 * time in a process): two hundred connections flooded at once must not
 * hold two hundred inboxes' worth. */
#define MAX_INBOXES_BYTES (64u << 20)
#define ALLOC_OVERHEAD 16
#define READ_CHUNK 65536
#define READ_ROUNDS 16

/* Memory held by every inbox of this process. */
static uint64_t inboxes_bytes;

/* An event stamped at a time already taken, as this connection's. */
static void peer_event_at(wsf_peer *p, int64_t abs_us, wsf_event_kind kind, wsf_dir dir,
                          const char *what, const char *detail)
{
    wsf_event *e = wsf_timeline_add_at(p->tl, abs_us, kind, dir, what, detail);
    if (e) e->conn = p->conn;
}

static void on_io(wsf_io *io, uint32_t events);
static void check_close_sent(wsf_peer *p);
static void tls_progress(wsf_peer *p);
static void tls_send(wsf_peer *p, const void *data, size_t len);
static void rx_stop(wsf_peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_state(wsf_peer *p, wsf_conn_state s)
{
    if (p->n_cs_seen && p->cs == s) return;
    wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_STATE, WSF_DIR_NONE, wsf_conn_state_name(s),
                          "%s -> %s", p->n_cs_seen ? wsf_conn_state_name(p->cs) : "none",
                          wsf_conn_state_name(s));
    p->cs = s;
    if (p->n_cs_seen < sizeof p->cs_seen / sizeof *p->cs_seen) p->cs_seen[p->n_cs_seen++] = s;
}

/* Who ended TCP first, and when: the first FIN or RST either way. by_target
 * false means the peer (its half-close, close or rst). */
static void tcp_ended(wsf_peer *p, bool by_target, bool fully)
{
    if (!p->tcp_ended_by) {
        p->tcp_ended_by = by_target ? 2 : 1;
        p->tcp_ended_t = wsf_timeline_now(p->tl);
    }
    if (fully) set_state(p, WSF_CS_CLOSED);
}

void wsf_peer_init(wsf_peer *p, wsf_loop *loop, wsf_timeline *tl)
{
    memset(p, 0, sizeof *p);
    p->loop = loop;
    p->tl = tl;
    p->io = (wsf_io){.fd = -1, .cb = on_io, .ctx = p};
    p->close_code_rx = -1;
    wsf_buf_init(&p->close_reason_rx);
}

static void timers_add(wsf_peer *p)
{
    wsf_peer_timers *t = p->timers;
    if (!t || p->timer_slot) return;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->v = wsf_xrealloc(t->v, t->cap * sizeof *t->v);
    }
    t->v[t->n++] = p;
    p->timer_slot = t->n;
}

/* The last one takes the leaving one's place: order does not matter. */
static void timers_remove(wsf_peer *p)
{
    wsf_peer_timers *t = p->timers;
    if (!t || !p->timer_slot) return;
    wsf_peer *last = t->v[--t->n];
    t->v[p->timer_slot - 1] = last;
    last->timer_slot = p->timer_slot;
    p->timer_slot = 0;
}

static void rx_frame_free(wsf_rx_frame *f)
{
    wsf_buf_free(&f->payload);
    wsf_buf_free(&f->reason);
}

/* A connection whose socket is gone keeps what judging needs (its facts,
 * the frames not yet expected), not its buffers. */
static void drop_socket(wsf_peer *p)
{
    if (p->io.fd < 0) return;
    wsf_loop_del(p->loop, &p->io);
    close(p->io.fd);
    p->io.fd = -1;
    wsf_buf_free(&p->rx);
    wsf_buf_free(&p->tx);
    wsf_buf_free(&p->tls_pending);
    wsf_tls_free(p->tls);
    p->tls = NULL;
}

void wsf_peer_free(wsf_peer *p)
{
    timers_remove(p);
    drop_socket(p);
    wsf_buf_free(&p->rx);
    wsf_buf_free(&p->tx);
    free(p->host_header);
    free(p->path);
    free(p->tls_host);
    free(p->tls_why);
    p->host_header = p->path = p->tls_host = p->tls_why = NULL;
    wsf_buf_free(&p->tls_pending);
    wsf_tls_free(p->tls);
    p->tls = NULL;
    wsf_response_free(&p->response);
    for (size_t i = 0; i < p->inbox_n; i++)
        rx_frame_free(&p->inbox[(p->inbox_head + i) % p->inbox_cap]);
    free(p->inbox);
    p->inbox = NULL;
    p->inbox_n = p->inbox_cap = p->inbox_head = 0;
    inboxes_bytes -= p->inbox_bytes;
    p->inbox_bytes = 0;
    wsf_buf_free(&p->close_reason_rx);
}

int wsf_peer_set_url(wsf_peer *p, const char *url, char *err, size_t errlen)
{
    char why[256];
    if (wsf_url_bad(url, why, sizeof why)) {
        snprintf(err, errlen, "'%s': expected %s", url, why);
        return -1;
    }
    /* wss:// is the same URL with TLS under it (RFC 6455 3). */
    bool tls = strncmp(url, "wss://", 6) == 0;
    const char *hp = url + (tls ? 6 : 5);
    const char *slash = strchr(hp, '/');
    size_t hplen = slash ? (size_t)(slash - hp) : strlen(hp);
    if (hplen == 0 || hplen > WSF_HOST_MAX) {
        snprintf(err, errlen, "'%s': no host", url);
        return -1;
    }
    free(p->host_header);
    free(p->path);
    p->host_header = wsf_xstrndup(hp, hplen);
    p->path = wsf_xstrndup(slash ? slash : "/", WSF_PATH_MAX);

    char host[256], port[16];
    snprintf(port, sizeof port, "%s", tls ? "443" : "80");
    const char *h = p->host_header, *colon;
    if (h[0] == '[') { /* [::1]:port */
        const char *rb = strchr(h, ']');
        if (!rb) {
            snprintf(err, errlen, "'%s': unterminated IPv6 address", url);
            return -1;
        }
        snprintf(host, sizeof host, "%.*s", (int)(rb - h - 1), h + 1);
        colon = rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = strrchr(h, ':');
        snprintf(host, sizeof host, "%.*s", (int)(colon ? (size_t)(colon - h) : strlen(h)), h);
    }
    if (colon) snprintf(port, sizeof port, "%s", colon + 1);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "'%s': cannot resolve %s:%s: %s", url, host, port, gai_strerror(rc));
        return -1;
    }
    memcpy(&p->addr, res->ai_addr, res->ai_addrlen);
    p->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    p->use_tls = tls;
    free(p->tls_host);
    p->tls_host = tls ? wsf_xstrdup(host) : NULL;
    return 0;
}

void wsf_peer_copy_url(wsf_peer *p, const wsf_peer *from)
{
    free(p->host_header);
    free(p->path);
    p->host_header = from->host_header ? wsf_xstrdup(from->host_header) : NULL;
    p->path = from->path ? wsf_xstrdup(from->path) : NULL;
    p->addr = from->addr;
    p->addrlen = from->addrlen;
    p->use_tls = from->use_tls;
    free(p->tls_host);
    p->tls_host = from->tls_host ? wsf_xstrdup(from->tls_host) : NULL;
    p->tls_ctx = from->tls_ctx;
}

static void update_interest(wsf_peer *p)
{
    if (p->io.fd < 0) return;
    uint32_t ev = 0;
    if (p->state == WSF_TCP_CONNECTING) {
        ev = EPOLLOUT;
    } else if (p->state == WSF_TCP_OPEN) {
        /* After EOF a readable socket stays readable: stop asking, or the
         * loop spins. Errors (a later RST) are reported regardless. */
        if (!p->eof_read && !p->rx_broken) {
            if (!p->read_stalled) ev |= EPOLLIN;
            /* RDHUP stays raised once seen: ask for it only until it is noted. */
            if (!p->fin_in) ev |= EPOLLRDHUP;
        }
        if (p->tx.len && !p->write_stalled && !p->trickle_bytes && !p->rst_in) ev |= EPOLLOUT;
    }
    if (!p->io.registered)
        wsf_loop_add(p->loop, &p->io, ev);
    else
        wsf_loop_mod(p->loop, &p->io, ev);
}

int wsf_peer_connect(wsf_peer *p, uint64_t rcvbuf, uint64_t sndbuf, char *err, size_t errlen)
{
    if (p->io.fd >= 0) {
        if (!p->half_closed && !p->fin_in && !p->rst_in) {
            snprintf(err, errlen, "already connected: close or rst it first");
            return -1;
        }
        /* The old connection is done in at least one direction: a new one
         * replaces it, as a client would open a fresh socket. */
        wsf_peer_close(p);
    }
    if (p->inbox_n) {
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_NONE, "dropped",
                              "%zu frames from the previous connection were never expected",
                              p->inbox_n);
        while (p->inbox_n)
            wsf_peer_inbox_pop(p);
    }
    p->fin_in = p->eof_read = p->rst_in = p->half_closed = p->rx_broken = false;
    p->read_stalled = p->write_stalled = p->shut_wr_pending = false;
    p->flooded = false;
    p->frames_rx = 0;
    p->handshake_sent = p->response_seen = false;
    wsf_response_free(&p->response);
    wsf_buf_reset(&p->rx);
    wsf_buf_reset(&p->tx);
    p->tls_failed = p->tls_verify_failed = p->tls_notify_in = p->tls_notify_out = false;
    p->tls_close_pending = false;
    p->tls_next = 0;
    free(p->tls_why);
    p->tls_why = NULL;
    if (p->use_tls && !p->tls_ctx) {
        snprintf(err, errlen, "a wss:// URL, but no TLS context");
        return -1;
    }
    int fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    /* Buffer sizes only shape the TCP window when set before connect(). */
    p->rcvbuf_chosen = rcvbuf != 0;
    p->rcvbuf_before = 0;
    if (rcvbuf) {
        int v = (int)rcvbuf;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    }
    if (sndbuf) {
        int v = (int)sndbuf;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    }
    int one = 1;
    /* Each step's bytes leave when the step runs, not when Nagle decides. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    p->io.fd = fd;
    p->state = WSF_TCP_CONNECTING;
    p->close_sent = p->close_received = false;
    p->close_queued_end = 0;
    p->tx_queued_total = p->tx_sent_total = 0;
    p->expected_accept[0] = '\0';
    p->close_code_rx = -1;
    wsf_buf_reset(&p->close_reason_rx);
    p->tcp_ended_by = 0;
    if (p->use_tls) {
        /* The ClientHello waits in tx until TCP connects. */
        p->tls = wsf_tls_new(p->tls_ctx, p->tls_host);
        tls_progress(p);
    }
    set_state(p, WSF_CS_CONNECTING);
    wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_TCP, WSF_DIR_OUT, "connect", "%s", p->host_header);
    int crc = connect(fd, (struct sockaddr *)&p->addr, p->addrlen);
    int cerr = errno;
    struct sockaddr_storage me;
    socklen_t melen = sizeof me;
    /* The kernel picks the local port at connect(): remember it, so the
     * target's end of this connection can be found in its socket table. */
    if (getsockname(fd, (struct sockaddr *)&me, &melen) == 0 &&
        p->n_local_ports < sizeof p->local_ports / sizeof *p->local_ports)
        p->local_ports[p->n_local_ports++] =
            ntohs(me.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&me)->sin6_port
                                           : ((struct sockaddr_in *)&me)->sin_port);
    errno = cerr;
    if (crc == 0) {
        p->state = WSF_TCP_OPEN;
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_TCP, WSF_DIR_IN, "connected", NULL);
    } else if (errno != EINPROGRESS) {
        p->connect_errno = errno;
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_TCP, WSF_DIR_IN, "refused", "%s",
                              strerror(errno));
        drop_socket(p);
        p->state = WSF_TCP_NONE;
        return 0;
    }
    update_interest(p);
    return 0;
}

static void note_rst(wsf_peer *p, const char *how)
{
    if (p->rst_in) return;
    p->rst_in = true;
    p->rst_in_t = wsf_timeline_now(p->tl);
    wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_TCP, WSF_DIR_IN, "rst", "%s", how);
    tcp_ended(p, true, true);
    wsf_buf_reset(&p->tx);
    /* A reset socket has nothing more to say; keeping it in epoll would spin. */
    wsf_loop_del(p->loop, &p->io);
}

/* An emptied buffer gives its memory back: of ten thousand connections,
 * most have nothing queued either way most of the time. */
static void shrink_when_empty(wsf_buf *b)
{
    if (b->len == 0 && b->cap) wsf_buf_free(b);
}

static void do_read(wsf_peer *p);

static void flush(wsf_peer *p, size_t max)
{
    if (p->io.fd < 0 || p->state != WSF_TCP_OPEN || p->rst_in) return;
    size_t want = p->tx.len < max ? p->tx.len : max;
    while (want > 0) {
        ssize_t w = send(p->io.fd, p->tx.data, want, MSG_NOSIGNAL);
        if (w > 0) {
            wsf_event *e =
                wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_BYTES, WSF_DIR_OUT, "bytes", "%zd", w);
            if (e) e->len = (uint64_t)w;
            wsf_buf_consume(&p->tx, (size_t)w);
            p->tx_sent_total += (uint64_t)w;
            check_close_sent(p);
            want -= (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) break;
        int e = errno;
        /* EPIPE is our own doing (writing after half-close) or the echo of
         * a reset already noted; only ECONNRESET is news from the target. */
        wsf_timeline_add_conn(
            p->tl, p->conn, WSF_EV_TCP, WSF_DIR_OUT, "write-error", "%s%s", strerror(e),
            e == EPIPE && p->half_closed ? " (the peer half-closed earlier)" : "");
        if (e == ECONNRESET) {
            /* As on EPOLLERR: what the target sent before its reset is
             * still queued (its Close, say), and is read before the reset
             * is taken as the end. */
            if (!p->read_stalled && !p->eof_read && !p->rx_broken) do_read(p);
            note_rst(p, strerror(e));
        }
        wsf_buf_reset(&p->tx);
        break;
    }
    shrink_when_empty(&p->tx);
    if (p->tx.len == 0 && p->shut_wr_pending) {
        p->shut_wr_pending = false;
        int64_t t0 = wsf_now_us();
        shutdown(p->io.fd, SHUT_WR);
        p->half_closed = true;
        tcp_ended(p, false, false);
        peer_event_at(p, t0, WSF_EV_FAULT, WSF_DIR_OUT, "half-close", "FIN sent (SHUT_WR)");
    }
    update_interest(p);
}

void wsf_peer_send(wsf_peer *p, const void *data, size_t len)
{
    if (p->tls) {
        tls_send(p, data, len);
        return;
    }
    wsf_buf_append(&p->tx, data, len);
    p->tx_queued_total += len;
    if (!p->write_stalled && !p->trickle_bytes) flush(p, SIZE_MAX);
}

/* What the TLS library has to send goes to tx, where the socket's faults
 * apply to it; counted as queued like any bytes. */
static size_t tls_out(wsf_peer *p)
{
    size_t n = wsf_tls_take(p->tls, &p->tx);
    p->tx_queued_total += n;
    return n;
}

/* Plaintext under TLS: held until the handshake is done, then encrypted
 * into records, which a TLS fault armed for this send may cut short. */
static void tls_send(wsf_peer *p, const void *data, size_t len)
{
    if (!wsf_tls_done(p->tls)) {
        wsf_buf_append(&p->tls_pending, data, len);
        return;
    }
    wsf_tls_write(p->tls, data, len);
    int fault = p->tls_next;
    p->tls_next = 0;
    if (fault == 't') {
        /* A truncated record: its first half leaves, the rest never. */
        wsf_buf rec;
        wsf_buf_init(&rec);
        size_t n = wsf_tls_take(p->tls, &rec);
        size_t keep = n / 2 ? n / 2 : n;
        wsf_buf_append(&p->tx, rec.data, keep);
        p->tx_queued_total += keep;
        wsf_buf_free(&rec);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FAULT, WSF_DIR_OUT, "tls-truncate",
                              "%zu of the %zu bytes of the TLS records sent; the rest never", keep,
                              n);
    } else if (fault == 's') {
        /* A stall mid-record: part of the records leaves, then writing
         * stalls with the rest held (resume write sends it). */
        size_t n = tls_out(p);
        size_t part = n / 2 ? n / 2 : n;
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FAULT, WSF_DIR_OUT, "tls-stall",
                              "%zu of the %zu bytes of the TLS records sent, then writing stalls "
                              "(%zu bytes held back)",
                              part, n, n - part);
        if (!p->write_stalled && !p->trickle_bytes) flush(p, p->tx.len - (n - part));
        p->write_stalled = true;
        update_interest(p);
        return;
    } else {
        tls_out(p);
    }
    if (!p->write_stalled && !p->trickle_bytes) flush(p, SIZE_MAX);
}

/* The TLS handshake on as far as the bytes received take it; once done,
 * the plaintext that waited is sent. */
static void tls_progress(wsf_peer *p)
{
    if (!p->tls || wsf_tls_done(p->tls) || p->tls_failed) return;
    bool verify_failed;
    char why[256];
    wsf_tls_progress st = wsf_tls_handshake(p->tls, why, sizeof why, &verify_failed);
    tls_out(p);
    if (st == WSF_TLS_FAIL) {
        p->tls_failed = true;
        p->tls_verify_failed = verify_failed;
        free(p->tls_why);
        p->tls_why = wsf_xstrdup(why);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_IN, "tls-failed", "%s",
                              p->tls_why);
        rx_stop(p, "TLS: %s", p->tls_why);
    } else if (st == WSF_TLS_DONE) {
        char d[128];
        wsf_tls_describe(p->tls, d, sizeof d);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_IN, "tls", "handshake done: %s",
                              d);
        if (p->tls_pending.len) {
            wsf_buf held = p->tls_pending;
            wsf_buf_init(&p->tls_pending);
            tls_send(p, held.data, held.len);
            wsf_buf_free(&held);
        }
        if (p->tls_close_pending) {
            p->tls_close_pending = false;
            p->close_queued_end = p->tx_queued_total;
            check_close_sent(p);
        }
    }
    if (!p->write_stalled && !p->trickle_bytes) flush(p, SIZE_MAX);
}

bool wsf_peer_tls_pending(const wsf_peer *p)
{
    return p->tls && !p->tls_failed && !wsf_tls_done(p->tls) && p->io.fd >= 0 && !p->rst_in &&
           !p->fin_in;
}

int wsf_peer_tls_close_notify(wsf_peer *p)
{
    if (!p->tls) return -1;
    wsf_tls_close_notify(p->tls);
    tls_out(p);
    p->tls_notify_out = true;
    wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FAULT, WSF_DIR_OUT, "tls-close-notify",
                          "close_notify sent (SSL_shutdown), no WebSocket Close");
    if (!p->write_stalled && !p->trickle_bytes) flush(p, SIZE_MAX);
    return 0;
}

int wsf_peer_tls_truncate(wsf_peer *p)
{
    if (!p->tls) return -1;
    p->tls_next = 't';
    return 0;
}

int wsf_peer_tls_stall(wsf_peer *p)
{
    if (!p->tls) return -1;
    p->tls_next = 's';
    return 0;
}

void wsf_peer_send_handshake(wsf_peer *p, const wsf_request *r, int64_t partial)
{
    wsf_buf req;
    wsf_buf_init(&req);
    wsf_request_build(&req, r);
    size_t n = partial >= 0 && (size_t)partial < req.len ? (size_t)partial : req.len;
    wsf_ws_accept(r->key, p->expected_accept);
    p->handshake_sent = true;
    wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_HTTP, WSF_DIR_OUT, "request",
                          "GET %s (%zu of %zu bytes)", r->path, n, req.len);
    wsf_peer_send(p, req.data, n);
    wsf_buf_free(&req);
}

static void inbox_push(wsf_peer *p, const wsf_frame *f)
{
    if (p->inbox_n == p->inbox_cap) {
        size_t ncap = p->inbox_cap ? p->inbox_cap * 2 : 4;
        wsf_rx_frame *n = wsf_xcalloc(ncap, sizeof *n);
        for (size_t i = 0; i < p->inbox_n; i++)
            n[i] = p->inbox[(p->inbox_head + i) % p->inbox_cap];
        free(p->inbox);
        p->inbox = n;
        p->inbox_cap = ncap;
        p->inbox_head = 0;
    }
    wsf_rx_frame *r = &p->inbox[(p->inbox_head + p->inbox_n++) % p->inbox_cap];
    memset(r, 0, sizeof *r);
    r->t_us = wsf_timeline_now(p->tl);
    r->opcode = f->hdr.opcode;
    r->fin = f->hdr.fin;
    r->rsv = f->hdr.rsv;
    r->masked = f->hdr.masked;
    wsf_buf_append(&r->payload, f->payload, f->len);
    r->close_code = f->close_code;
    if (f->hdr.opcode == WSF_OP_CLOSE) wsf_buf_append(&r->reason, f->reason, f->reason_len);
    r->cost = sizeof *r + ALLOC_OVERHEAD;
    if (r->payload.cap) r->cost += r->payload.cap + ALLOC_OVERHEAD;
    if (r->reason.cap) r->cost += r->reason.cap + ALLOC_OVERHEAD;
    p->inbox_bytes += r->cost;
    inboxes_bytes += r->cost;
    if (!p->frames_rx++) p->first_frame_t = r->t_us;
    if (f->hdr.opcode == WSF_OP_CLOSE && !p->close_received) {
        p->close_received = true;
        p->close_received_t = r->t_us;
        p->close_code_rx = f->close_code;
        wsf_buf_append(&p->close_reason_rx, f->reason, f->reason_len);
        if (p->cs == WSF_CS_OPEN) set_state(p, WSF_CS_CLOSING_RECEIVED);
    }
}

/* A Close counts as sent once its last byte left, not when it was queued:
 * held back by a stall or a trickle, it has not been sent. */
static void check_close_sent(wsf_peer *p)
{
    if (p->close_sent || !p->close_queued_end || p->tx_sent_total < p->close_queued_end) return;
    p->close_sent = true;
    p->close_sent_t = wsf_timeline_now(p->tl);
    if (p->cs == WSF_CS_OPEN) set_state(p, WSF_CS_CLOSING_SENT);
}

void wsf_peer_note_close_sent(wsf_peer *p)
{
    if (p->close_sent || p->close_queued_end) return;
    if (p->tls && p->tls_pending.len) {
        /* Its bytes are plaintext still: it is queued once encrypted. */
        p->tls_close_pending = true;
        return;
    }
    p->close_queued_end = p->tx_queued_total;
    check_close_sent(p);
}

uint16_t wsf_peer_target_port(const wsf_peer *p)
{
    if (p->addr.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&p->addr)->sin6_port);
    return ntohs(((struct sockaddr_in *)&p->addr)->sin_port);
}

wsf_rx_frame *wsf_peer_inbox_peek(wsf_peer *p)
{
    return p->inbox_n ? &p->inbox[p->inbox_head] : NULL;
}

void wsf_peer_inbox_pop(wsf_peer *p)
{
    if (!p->inbox_n) return;
    wsf_rx_frame *f = &p->inbox[p->inbox_head];
    p->inbox_bytes -= f->cost;
    inboxes_bytes -= f->cost;
    rx_frame_free(f);
    p->inbox_head = (p->inbox_head + 1) % p->inbox_cap;
    /* An inbox emptied is given back: most connections' stay empty. */
    if (--p->inbox_n == 0) {
        free(p->inbox);
        p->inbox = NULL;
        p->inbox_cap = p->inbox_head = 0;
    }
}

static void record_frame(wsf_peer *p, const wsf_frame *f)
{
    wsf_buf d;
    wsf_buf_init(&d);
    if (f->hdr.opcode == WSF_OP_CLOSE) {
        if (f->close_code == -1)
            wsf_buf_appendf(&d, "close (no code)");
        else if (f->close_code == -2)
            wsf_buf_appendf(&d, "close (1-byte payload)");
        else
            wsf_buf_appendf(&d, "close %d", f->close_code);
        if (f->reason_len) {
            wsf_buf_appendf(&d, " \"");
            wsf_escape_bytes(f->reason, f->reason_len, 123, &d);
            wsf_buf_appendf(&d, "\"");
        }
    } else {
        wsf_buf_appendf(&d, "%s %" PRIu64 " bytes", wsf_opcode_name(f->hdr.opcode), f->len);
        if (f->len) {
            wsf_buf_appendf(&d, " \"");
            wsf_escape_bytes(f->payload, (size_t)f->len, 40, &d);
            wsf_buf_appendf(&d, "\"");
        }
    }
    if (!f->hdr.fin) wsf_buf_appendf(&d, " (no FIN)");
    if (f->hdr.rsv) wsf_buf_appendf(&d, " rsv=%d", f->hdr.rsv);
    if (f->hdr.masked) wsf_buf_appendf(&d, " (masked)");
    wsf_event *e = wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FRAME, WSF_DIR_IN,
                                         wsf_opcode_name(f->hdr.opcode), "%s", (char *)d.data);
    if (e) {
        e->opcode = f->hdr.opcode;
        e->fin = f->hdr.fin;
        e->rsv = f->hdr.rsv;
        e->masked = f->hdr.masked;
        e->len = f->len;
        e->close_code = f->close_code;
    }
    wsf_buf_free(&d);
}

static bool looks_like_http(const wsf_buf *rx)
{
    size_t n = rx->len < 5 ? rx->len : 5;
    return memcmp(rx->data, "HTTP/", n) == 0;
}

/* Reading stops on input that cannot be decoded; the cause is kept for the
 * expectations that then see nothing. */
static void __attribute__((format(printf, 2, 3))) rx_stop(wsf_peer *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->rx_broken_why, sizeof p->rx_broken_why, fmt, ap);
    va_end(ap);
    p->rx_broken = true;
    p->rx_broken_t = wsf_timeline_now(p->tl);
}

/* Turns received bytes into an HTTP response and frames, as far as they go. */
static void decode(wsf_peer *p)
{
    if (!p->response_seen && p->rx.len && looks_like_http(&p->rx)) {
        wsf_resp_status st = wsf_response_parse(p->rx.data, p->rx.len, &p->response);
        if (st == WSF_RESP_NEED_MORE) return;
        if (st == WSF_RESP_BAD) {
            wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_IN, "bad-http",
                                  "the target's response is not valid HTTP");
            rx_stop(p, "the target's handshake response is not valid HTTP");
            return;
        }
        p->response_seen = true;
        p->response_t = wsf_timeline_now(p->tl);
        /* The status line and the head are the server's bytes: escaped. */
        wsf_buf d;
        wsf_buf_init(&d);
        wsf_buf_appendf(&d, "%d ", p->response.status);
        wsf_escape_bytes((const uint8_t *)p->response.reason, strlen(p->response.reason), 64, &d);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_HTTP, WSF_DIR_IN, "response", "%s",
                              (char *)d.data);
        wsf_buf_reset(&d);
        wsf_escape_bytes(p->rx.data, p->response.head_len, 4096, &d);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_HTTP, WSF_DIR_IN, "headers", "%s",
                              (char *)d.data);
        wsf_buf_free(&d);
        /* The RFC's client fails a 101 without the right accept key; this
         * peer goes on (the handshake check fails the scenario), but the
         * connection never counts as open. */
        if (p->response.status == 101 && p->response.upgrade_ok &&
            (!p->expected_accept[0] || !strcmp(p->response.accept, p->expected_accept)))
            set_state(p, WSF_CS_OPEN);
        wsf_buf_consume(&p->rx, p->response.head_len);
        if (p->response.status != 101) {
            /* A refusal's body is not frames. */
            wsf_buf_reset(&p->rx);
            return;
        }
    } else if (!p->response_seen && p->rx.len && p->handshake_sent) {
        wsf_buf d;
        wsf_buf_init(&d);
        wsf_escape_bytes(p->rx.data, p->rx.len, 40, &d);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_IN, "bad-http",
                              "the target answered the handshake with something not HTTP: \"%s\"",
                              (char *)d.data);
        wsf_buf_free(&d);
        rx_stop(p, "the target answered the handshake with something not HTTP");
        update_interest(p);
        return;
    }
    if (p->response_seen && p->response.status != 101) {
        wsf_buf_reset(&p->rx);
        return;
    }
    while (p->rx.len) {
        wsf_frame f;
        wsf_decode_status st = wsf_frame_decode(p->rx.data, p->rx.len, MAX_FRAME_PAYLOAD, &f);
        if (st == WSF_DECODE_NEED_MORE) return;
        if (st == WSF_DECODE_TOO_BIG) {
            wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_IN, "too-big",
                                  "a frame over %u bytes: the peer stops reading",
                                  MAX_FRAME_PAYLOAD);
            rx_stop(p, "the target sent a frame over %u bytes (too-big): the peer stopped reading",
                    MAX_FRAME_PAYLOAD);
            update_interest(p);
            return;
        }
        record_frame(p, &f);
        inbox_push(p, &f);
        wsf_buf_consume(&p->rx, f.frame_len);
    }
}

/* Records received: the handshake's, then plaintext into rx. false when
 * reading must stop. A close_notify is the target ending its stream: for
 * the connection's facts, a FIN. */
static bool tls_received(wsf_peer *p, const uint8_t *data, size_t len)
{
    wsf_tls_feed(p->tls, data, len);
    if (!wsf_tls_done(p->tls)) {
        tls_progress(p);
        if (p->tls_failed) {
            update_interest(p);
            return false;
        }
        if (!wsf_tls_done(p->tls)) return true;
    }
    if (p->tls_notify_in) return true; /* what follows it is not read */
    char why[128];
    wsf_tls_read_status st = wsf_tls_read(p->tls, &p->rx, why, sizeof why);
    /* TLS 1.3 answers some messages after the handshake (a key update). */
    if (tls_out(p) && !p->write_stalled && !p->trickle_bytes) flush(p, SIZE_MAX);
    if (st == WSF_TLS_READ_ERROR) {
        decode(p);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_IN, "tls-error", "%s", why);
        rx_stop(p, "the target's TLS stream broke: %s", why);
        update_interest(p);
        return false;
    }
    if (st == WSF_TLS_READ_CLOSE_NOTIFY) {
        decode(p);
        p->tls_notify_in = true;
        p->tls_notify_in_t = wsf_timeline_now(p->tl);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_TCP, WSF_DIR_IN, "close-notify",
                              "the target ended its TLS stream (close_notify): taken as its FIN");
        if (!p->fin_in) {
            p->fin_in = true;
            p->fin_in_t = wsf_timeline_now(p->tl);
            tcp_ended(p, true, true);
        }
    }
    return true;
}

static void do_read(wsf_peer *p)
{
    for (int round = 0; round < READ_ROUNDS && !p->read_stalled; round++) {
        bool all_full = inboxes_bytes > MAX_INBOXES_BYTES;
        if (p->inbox_bytes > MAX_INBOX_BYTES || all_full) {
            /* A server that sends faster than the scenario takes is told
             * once a connection, in figures, and not read until frames are
             * taken (the teardown drops them all). */
            if (!p->flooded) {
                p->flooded = true;
                p->flood_t = wsf_timeline_now(p->tl);
                char d[32];
                wsf_format_duration(p->flood_t - p->first_frame_t, d, sizeof d);
                if (p->inbox_bytes > MAX_INBOX_BYTES)
                    wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_IN, "flood",
                                          "inbox budget reached: %" PRIu64 " frames in %s, %u MiB "
                                          "of memory, stopped reading",
                                          p->frames_rx, d, MAX_INBOX_BYTES >> 20);
                else
                    wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_IN, "flood",
                                          "the scenario's inbox budget reached (%u MiB over all "
                                          "its connections), %" PRIu64 " frames on this one, "
                                          "stopped reading",
                                          MAX_INBOXES_BYTES >> 20, p->frames_rx);
            }
            p->read_stalled = true;
            break;
        }
        /* One buffer for every connection's reads: a connection keeps only
         * the part of a frame it has not seen the end of, so thousands of
         * idle ones cost little. */
        static uint8_t chunk[READ_CHUNK];
        ssize_t r = recv(p->io.fd, chunk, sizeof chunk, 0);
        if (r > 0) {
            wsf_event *e =
                wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_BYTES, WSF_DIR_IN, "bytes", "%zd", r);
            if (e) e->len = (uint64_t)r;
            if (p->tls) {
                if (!tls_received(p, chunk, (size_t)r)) break;
            } else {
                wsf_buf_append(&p->rx, chunk, (size_t)r);
            }
            decode(p);
            shrink_when_empty(&p->rx);
            if (p->rx_broken) break;
            continue;
        }
        if (r == 0) {
            p->eof_read = true;
            if (p->tls_notify_in)
                wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_TCP, WSF_DIR_IN, "fin",
                                      "EOF after close_notify");
            if (p->fin_in) { /* noted while reading was stalled; now all is read */
                tcp_ended(p, true, true);
                break;
            }
            p->fin_in = true;
            p->fin_in_t = wsf_timeline_now(p->tl);
            if (p->rx.len)
                wsf_timeline_add_conn(
                    p->tl, p->conn, WSF_EV_TCP, WSF_DIR_IN, "fin",
                    "EOF, with %zu bytes of an incomplete frame or response before it", p->rx.len);
            else
                wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_TCP, WSF_DIR_IN, "fin", "EOF");
            tcp_ended(p, true, true);
            break;
        }
        if (errno == EAGAIN || errno == EINTR) break;
        note_rst(p, strerror(errno));
        return;
    }
    update_interest(p);
}

static void on_io(wsf_io *io, uint32_t events)
{
    wsf_peer *p = io->ctx;
    if (p->state == WSF_TCP_CONNECTING) {
        int e = 0;
        socklen_t len = sizeof e;
        getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &e, &len);
        if (e) {
            p->connect_errno = e;
            wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_TCP, WSF_DIR_IN, "refused", "%s",
                                  strerror(e));
            drop_socket(p);
            p->state = WSF_TCP_NONE;
            return;
        }
        p->state = WSF_TCP_OPEN;
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_TCP, WSF_DIR_IN, "connected", NULL);
        flush(p, p->trickle_bytes ? 0 : SIZE_MAX);
        return;
    }
    if (events & EPOLLERR) {
        /* What arrived before the reset is still queued: read it first (the
         * read ends in ECONNRESET). Asking SO_ERROR first would clear the
         * error and leave those frames unseen. */
        if (!p->read_stalled && !p->eof_read && !p->rx_broken) {
            do_read(p);
            if (p->rst_in) return;
        }
        int e = 0;
        socklen_t len = sizeof e;
        getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &e, &len);
        if (e) {
            note_rst(p, strerror(e));
            return;
        }
    }
    if ((events & EPOLLIN) && !p->read_stalled)
        do_read(p);
    else if ((events & (EPOLLRDHUP | EPOLLHUP)) && p->read_stalled && !p->fin_in) {
        /* Not reading, but the kernel says the target sent FIN after the data
         * we have not read: that is when it happened. */
        p->fin_in = true;
        p->fin_in_t = wsf_timeline_now(p->tl);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_TCP, WSF_DIR_IN, "fin",
                              "FIN seen while not reading");
        /* Frames before the FIN are still unread: the state moves to closed
         * once reading reaches the EOF, after them. */
        tcp_ended(p, true, false);
        update_interest(p);
    } else if ((events & EPOLLHUP) && p->eof_read) {
        wsf_loop_del(p->loop, &p->io); /* both sides done: nothing more to see */
    }
    if ((events & EPOLLOUT) && p->io.fd >= 0 && p->io.registered) flush(p, SIZE_MAX);
}

void wsf_peer_rst(wsf_peer *p)
{
    if (p->io.fd < 0) {
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_NONE, "rst",
                              "no connection to reset");
        return;
    }
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(p->io.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    /* Stamped before the call: the RST leaves inside close(). */
    int64_t t0 = wsf_now_us();
    drop_socket(p);
    p->state = WSF_TCP_GONE;
    peer_event_at(p, t0, WSF_EV_FAULT, WSF_DIR_OUT, "rst", "SO_LINGER {1,0} + close(): RST");
    tcp_ended(p, false, true);
}

void wsf_peer_half_close(wsf_peer *p)
{
    if (p->io.fd < 0) {
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_NONE, "half-close",
                              "no connection");
        return;
    }
    /* FIN goes after what the scenario already sent, as it would from a real
     * client; while writing is stalled the queued bytes never leave. */
    if (p->tx.len && !p->write_stalled) {
        p->shut_wr_pending = true;
        flush(p, p->trickle_bytes ? 0 : SIZE_MAX);
        return;
    }
    int64_t t0 = wsf_now_us();
    shutdown(p->io.fd, SHUT_WR);
    p->half_closed = true;
    tcp_ended(p, false, false);
    peer_event_at(p, t0, WSF_EV_FAULT, WSF_DIR_OUT, "half-close",
                  p->tx.len ? "FIN sent (SHUT_WR), queued bytes dropped" : "FIN sent (SHUT_WR)");
    wsf_buf_reset(&p->tx);
}

void wsf_peer_close(wsf_peer *p)
{
    if (p->io.fd < 0) {
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_NOTE, WSF_DIR_NONE, "close", "no connection");
        return;
    }
    int unread = 0;
    ioctl(p->io.fd, FIONREAD, &unread);
    int64_t t0 = wsf_now_us();
    drop_socket(p);
    p->state = WSF_TCP_GONE;
    char *d = unread > 0
                  ? wsf_xasprintf("close() with %d unread bytes: the kernel sends RST", unread)
                  : wsf_xstrdup("close(): FIN, no Close frame");
    peer_event_at(p, t0, WSF_EV_FAULT, WSF_DIR_OUT, "close", d);
    free(d);
    tcp_ended(p, false, true);
}

void wsf_peer_stall_read(wsf_peer *p, bool stall)
{
    p->read_stalled = stall;
    if (stall && p->io.fd >= 0 && !p->rcvbuf_chosen) {
        /* An autotuned receive buffer can swallow megabytes before the window
         * closes; the smallest one the kernel allows makes the stall felt at
         * once. A size chosen with `connect rcvbuf` is left alone. */
        int v = 1, got = 0;
        socklen_t len = sizeof got;
        if (!p->rcvbuf_before) getsockopt(p->io.fd, SOL_SOCKET, SO_RCVBUF, &p->rcvbuf_before, &len);
        len = sizeof got;
        setsockopt(p->io.fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
        getsockopt(p->io.fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FAULT, WSF_DIR_NONE, "stall-read",
                              "reading stops; receive buffer shrunk to %d bytes", got);
    } else if (!stall && p->io.fd >= 0 && p->rcvbuf_before) {
        /* With the shrunk buffer a reader that resumes would crawl through
         * what the target queued meanwhile, a few KiB a round trip. The
         * buffer alone is not enough: shrinking it also clamped the window,
         * and a window that stays a few KiB wide (far below the MSS of lo)
         * is never announced as open, so the target sent only when its
         * persist timer probed, every 200ms. Lifting the clamp reopens it. */
        int v = p->rcvbuf_before / 2; /* the kernel doubles what it is given */
        setsockopt(p->io.fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
        int clamp = p->rcvbuf_before;
        setsockopt(p->io.fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &clamp, sizeof clamp);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FAULT, WSF_DIR_NONE, "resume-read",
                              "receive buffer back to %d bytes", p->rcvbuf_before);
        p->rcvbuf_before = 0;
    } else {
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FAULT, WSF_DIR_NONE,
                              stall ? "stall-read" : "resume-read", NULL);
    }
    update_interest(p);
    if (!stall && p->io.fd >= 0 && p->state == WSF_TCP_OPEN && !p->eof_read) do_read(p);
}

void wsf_peer_stall_write(wsf_peer *p, bool stall)
{
    p->write_stalled = stall;
    if (stall && p->tx.len)
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FAULT, WSF_DIR_NONE, "stall-write",
                              "%zu bytes held back", p->tx.len);
    else
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FAULT, WSF_DIR_NONE,
                              stall ? "stall-write" : "resume-write", NULL);
    if (!stall && !p->trickle_bytes) flush(p, SIZE_MAX);
    update_interest(p);
}

void wsf_peer_trickle(wsf_peer *p, uint64_t bytes, int64_t every_us)
{
    p->trickle_bytes = bytes;
    p->trickle_every_us = every_us;
    p->next_trickle_us = wsf_now_us();
    if (bytes)
        timers_add(p);
    else
        timers_remove(p);
    if (bytes) {
        char d[32];
        wsf_format_duration(every_us, d, sizeof d);
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FAULT, WSF_DIR_NONE, "trickle",
                              "%" PRIu64 " bytes every %s", bytes, d);
    } else {
        wsf_timeline_add_conn(p->tl, p->conn, WSF_EV_FAULT, WSF_DIR_NONE, "trickle", "off");
        if (!p->write_stalled) flush(p, SIZE_MAX);
    }
}

int64_t wsf_peer_next_wake(const wsf_peer *p)
{
    if (p->trickle_bytes && p->tx.len && !p->write_stalled && p->state == WSF_TCP_OPEN)
        return p->next_trickle_us;
    return -1;
}

void wsf_peer_tick(wsf_peer *p)
{
    int64_t now = wsf_now_us();
    if (wsf_peer_next_wake(p) < 0 || now < p->next_trickle_us) return;
    flush(p, p->trickle_bytes);
    /* Keep the cadence: the next tick is counted from when this one was due. */
    p->next_trickle_us += p->trickle_every_us;
    if (p->next_trickle_us < now) p->next_trickle_us = now + p->trickle_every_us;
}
