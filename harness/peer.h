/* The peer: a raw-TCP WebSocket client that does whatever a scenario says,
 * including what no well-behaved library allows. It never answers on its own
 * (no automatic Pong, no automatic Close reply): every byte it sends is one a
 * step asked for. Everything it does and sees goes on the timeline. */
#ifndef WSF_PEER_H
#define WSF_PEER_H

#include "frame.h"
#include "handshake.h"
#include "loop.h"
#include "scenario.h"
#include "timeline.h"
#include "tls.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define WSF_HOST_MAX 299
#define WSF_PATH_MAX 1023

/* A frame the target sent, kept until an expectation takes it. */
typedef struct {
    int64_t t_us; /* timeline time of arrival */
    int opcode;
    bool fin;
    int rsv;
    bool masked;
    wsf_buf payload;
    int close_code; /* close frames: -1 empty payload, -2 one byte, else the code */
    wsf_buf reason;
    size_t cost; /* bytes of memory it holds, counted against the inbox budget */
} wsf_rx_frame;

typedef enum {
    WSF_TCP_NONE, /* no connection yet */
    WSF_TCP_CONNECTING,
    WSF_TCP_OPEN,
    WSF_TCP_GONE, /* the peer closed or reset it itself */
} wsf_tcp_state;

struct wsf_peer;

/* The peers that have time-driven work (trickling): a loop over thousands
 * of connections wakes for these and ticks these alone. */
typedef struct {
    struct wsf_peer **v;
    size_t n, cap;
} wsf_peer_timers;

typedef struct wsf_peer {
    wsf_loop *loop;
    wsf_timeline *tl;
    int conn; /* the scenario's connection it is, for its timeline events */
    /* Where it is listed while it trickles (NULL: nowhere; whoever drives
     * it ticks it); slot is its index there plus one, 0 when not listed. */
    wsf_peer_timers *timers;
    size_t timer_slot;
    wsf_io io;
    wsf_tcp_state state;
    int connect_errno;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    /* From the URL, allocated: a fixed array of each cost every one of
     * ten thousand connections 1.3 KiB. NULL before wsf_peer_set_url. */
    char *host_header; /* at most WSF_HOST_MAX bytes */
    char *path;        /* cut at WSF_PATH_MAX bytes */

    /* wss://: TLS on the socket's byte stream (tls.h). The runner gives the
     * context before connecting; tx then carries records, rx plaintext. */
    bool use_tls;
    char *tls_host; /* the URL's host, without brackets: SNI and verification */
    wsf_tls_ctx *tls_ctx;
    wsf_tls *tls;            /* this connection's, from connect on */
    wsf_buf tls_pending;     /* plaintext sent before the TLS handshake ended */
    bool tls_close_pending;  /* a Close is the last of tls_pending */
    bool tls_failed;         /* the TLS handshake failed: why in tls_why */
    bool tls_verify_failed;  /* because the certificate is not trusted */
    char *tls_why;           /* allocated once it failed: ten thousand connections need none */
    bool tls_notify_in;      /* the target sent close_notify */
    int64_t tls_notify_in_t; /* timeline time it arrived */
    bool tls_notify_out;     /* the peer did */
    int tls_next;            /* what the next send's records suffer: 0, or 't'runcate, 's'tall */

    /* What the target did to TCP. */
    bool fin_in;   /* the target closed its side (seen as EOF, or as RDHUP while stalled) */
    bool eof_read; /* read() returned 0: every byte before the FIN is in rx */
    bool rst_in;   /* ECONNRESET */
    int64_t fin_in_t, rst_in_t;
    bool half_closed; /* we sent FIN */

    /* Reading. */
    bool read_stalled;
    bool rcvbuf_chosen; /* connect rcvbuf set a size: stall read keeps it */
    int rcvbuf_before;  /* the size a stall shrank, given back on resume; 0: none */
    wsf_buf rx;         /* bytes not yet decoded */
    bool handshake_sent;
    bool response_seen;
    wsf_response response;
    int64_t response_t;
    char expected_accept[32];
    bool rx_broken; /* undecodable input: reading stops, noted on the timeline */
    /* Why, and when: an expectation that then finds nothing says so, not
     * that nothing came within its time. */
    char rx_broken_why[96];
    int64_t rx_broken_t;

    wsf_rx_frame *inbox; /* frames not yet taken by an expectation */
    size_t inbox_head, inbox_n, inbox_cap;
    uint64_t inbox_bytes;  /* memory the inbox holds: frames, their bookkeeping and slots */
    uint64_t frames_rx;    /* frames received on this connection */
    int64_t first_frame_t; /* timeline time of the first */
    bool flooded;          /* the inbox budget was reached: reading stopped */
    int64_t flood_t;       /* timeline time it was */

    /* The connection as a state machine (RFC 6455 4 and 7), and the facts
     * of its closing, for "expect states" and "expect closing". */
    wsf_conn_state cs;
    uint8_t cs_seen[64]; /* every state (a wsf_conn_state) entered in this scenario, in order */
    size_t n_cs_seen;
    bool close_sent, close_received;
    uint64_t tx_queued_total, tx_sent_total; /* bytes, on this connection */
    uint64_t close_queued_end; /* tx_queued_total just after the Close; 0: none queued */
    int64_t close_sent_t, close_received_t;
    int close_code_rx; /* of the target's first Close */
    wsf_buf close_reason_rx;
    int tcp_ended_by; /* 0: not yet, 1: the peer (FIN, RST, close), 2: the target */
    int64_t tcp_ended_t;
    uint16_t local_ports[32]; /* of every connection this scenario made */
    size_t n_local_ports;

    /* Writing: everything queued is written as fast as allowed, or trickled,
     * or held while the write side is stalled. */
    wsf_buf tx;
    bool write_stalled;
    uint64_t trickle_bytes;
    int64_t trickle_every_us;
    int64_t next_trickle_us;
    bool shut_wr_pending; /* half-close once tx is empty */
    /* A frame was sent only in part (or raw bytes whose framing is
     * unknown): a Close after it would not be read as a Close. */
    bool frame_cut;
} wsf_peer;

void wsf_peer_init(wsf_peer *p, wsf_loop *loop, wsf_timeline *tl);
/* Closes whatever is open (plain close) and frees buffers. */
void wsf_peer_free(wsf_peer *p);

/* Parses ws:// or wss://host:port/path into the peer's address, Host header and path.
 * Returns 0 or -1 with a message. */
int wsf_peer_set_url(wsf_peer *p, const char *url, char *err, size_t errlen);
/* Gives p the address, Host header and path from's URL gave it: the URL
 * is resolved once however many connections use it. */
void wsf_peer_copy_url(wsf_peer *p, const wsf_peer *from);

/* Starts a non-blocking connect; the state becomes OPEN when it completes. */
int wsf_peer_connect(wsf_peer *p, uint64_t rcvbuf, uint64_t sndbuf, char *err, size_t errlen);

/* Queues bytes and writes what can be written now. */
void wsf_peer_send(wsf_peer *p, const void *data, size_t len);
/* Queues the handshake request; partial < 0 for all of it. */
void wsf_peer_send_handshake(wsf_peer *p, const wsf_request *r, int64_t partial);

void wsf_peer_rst(wsf_peer *p);
void wsf_peer_half_close(wsf_peer *p);
void wsf_peer_close(wsf_peer *p);
void wsf_peer_stall_read(wsf_peer *p, bool stall);
void wsf_peer_stall_write(wsf_peer *p, bool stall);
void wsf_peer_trickle(wsf_peer *p, uint64_t bytes, int64_t every_us);

/* When the peer next needs the loop to wake for it (trickling), or -1. */
int64_t wsf_peer_next_wake(const wsf_peer *p);
/* Does time-driven work (trickling) that is due. */
void wsf_peer_tick(wsf_peer *p);

/* The runner tells the peer the bytes it just queued end a whole Close
 * frame; it counts as sent once they have left. */
void wsf_peer_note_close_sent(wsf_peer *p);
/* The port the target listens on (from the URL). */
uint16_t wsf_peer_target_port(const wsf_peer *p);

/* TLS faults (0, or -1 on a ws:// connection): close_notify now; the
 * next send's records cut short (the rest never sent); the next send's
 * records leave only in part, then writing stalls. */
int wsf_peer_tls_close_notify(wsf_peer *p);
int wsf_peer_tls_truncate(wsf_peer *p);
int wsf_peer_tls_stall(wsf_peer *p);
/* The TLS handshake is under way: the connection is not yet usable. */
bool wsf_peer_tls_pending(const wsf_peer *p);

/* The oldest frame not yet taken, or NULL. */
wsf_rx_frame *wsf_peer_inbox_peek(wsf_peer *p);
void wsf_peer_inbox_pop(wsf_peer *p);

#endif
