/* The scenario's end. Once its last step has run, a connection that is
 * still open is ended by wsfault itself, as a well-behaved client ends
 * one: read what is there, Close 1000 (or the reply to the target's
 * Close), a moment for the target's answer, then FIN, then close.
 *
 * Closing a socket that still has unread bytes makes the kernel send RST,
 * and closing it without a Close frame is a client vanishing: both are
 * faults, and a scenario that wants them says so (rst, close). Done by
 * accident at the end of every scenario, they made servers log tracebacks
 * that were then judged as the scenario's doing. What happens from here on
 * is the teardown: on the timeline, never a failure of the scenario.
 *
 * A connection that is already over (the target closed TCP, or both Close
 * frames are through) is only closed: the peer does what any client does
 * then, and the target's last words about it are the scenario's (some
 * servers log a connection only once both sides have closed TCP). */
#include "runctx.h"

#include <stdlib.h>

/* Frames that arrive now were not expected by anyone: they are on the
 * timeline already, and dropping them keeps reading from pausing. */
static void drop_inbox(run_ctx *c)
{
    while (wsf_peer_inbox_peek(&c->peer))
        wsf_peer_inbox_pop(&c->peer);
}

static bool tcp_ended(run_ctx *c)
{
    drop_inbox(c);
    return c->peer.fin_in || c->peer.rst_in || c->peer.rx_broken;
}

static bool close_or_end(run_ctx *c)
{
    drop_inbox(c);
    return c->peer.close_received || tcp_ended(c);
}

static bool tx_flushed(run_ctx *c)
{
    drop_inbox(c);
    return c->peer.tx.len == 0 || tcp_ended(c);
}

/* The connection is over as the protocol sees it: the target ended TCP, the
 * closing handshake is done, or the scenario ended the peer's side (FIN)
 * itself. A client closes its socket then; what the target logs about it is
 * still the scenario's doing (python-websockets, for one, logs a connection
 * only once both sides have closed TCP). */
static bool over(const wsf_peer *p)
{
    return p->fin_in || p->rst_in || p->rx_broken || p->half_closed ||
           (p->close_sent && p->close_received);
}

void rc_teardown(run_ctx *c)
{
    wsf_peer *p = &c->peer;
    if (p->io.fd < 0) return;
    /* Both deadlines are the server's close-tcp bound: a correct server
     * answers a Close and closes TCP at once (RFC 6455 5.5.1). */
    int64_t wait = wsf_bound_effective(&c->r->bounds, WSF_BOUND_CLOSE_TCP);
    if (p->read_stalled) wsf_peer_stall_read(p, false);
    if (over(p)) {
        wsf_timeline_add(&c->res->tl, WSF_EV_STEP, WSF_DIR_NONE, "end",
                         "end of scenario: the connection is over; the peer reads what is left "
                         "and closes its socket, as a client does");
        rc_run_until(c, tx_flushed, wsf_now_us() + wait / 4);
        wsf_peer_close(p);
        return;
    }
    c->teardown_us = wsf_now_us();
    bool open_ws = p->response_seen && p->response.status == 101;
    wsf_timeline_add(&c->res->tl, WSF_EV_STEP, WSF_DIR_NONE, "teardown",
                     "end of scenario: the connection is still open, and wsfault ends it itself "
                     "(%s); what follows is not judged as the scenario's doing",
                     open_ws && !c->frame_cut ? "Close 1000, then FIN" : "FIN");
    if (p->trickle_bytes) wsf_peer_trickle(p, 0, 0);
    if (p->write_stalled) wsf_peer_stall_write(p, false);
    int64_t until = wsf_now_us() + wait;
    rc_run_until(c, tx_flushed, until);
    /* A Close behind half a frame would be read as that frame's payload:
     * with a frame cut short, only FIN is clean. */
    bool clean = open_ws && !c->frame_cut;
    if (clean && !tcp_ended(c) && !p->close_sent && !p->close_queued_end)
        rc_send_close(c,
                      p->close_received ? (p->close_code_rx >= 0 ? p->close_code_rx : -1) : 1000);
    if (clean) rc_run_until(c, close_or_end, until);
    if (!tcp_ended(c) && !p->half_closed) {
        rc_run_until(c, tx_flushed, until);
        wsf_peer_half_close(p);
    }
    rc_run_until(c, tcp_ended, wsf_now_us() + wait);
    if (p->io.fd >= 0) wsf_peer_close(p);
}
