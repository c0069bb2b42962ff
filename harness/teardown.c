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
#include "send.h"
#include "wait.h"

#include <stdlib.h>

/* Frames that arrive now were not expected by anyone: they are on the
 * timeline already, and dropping them keeps reading from pausing. */
static void drop_inbox(wsf_peer *p)
{
    while (wsf_peer_inbox_peek(p))
        wsf_peer_inbox_pop(p);
}

static bool tcp_ended(wsf_peer *p)
{
    drop_inbox(p);
    return p->fin_in || p->rst_in || p->rx_broken;
}

static bool clean_close(const wsf_peer *p);

/* A connection ended with FIN alone has no Close to wait for. */
static bool close_or_end(wsf_peer *p)
{
    return tcp_ended(p) || p->close_received || !clean_close(p);
}

static bool tx_flushed(wsf_peer *p)
{
    return tcp_ended(p) || p->tx.len == 0;
}

/* The connections being ended all wait together: a server that takes its
 * time with one must not make the others wait in turn. */
static bool all(run_ctx *c, bool (*each)(wsf_peer *))
{
    for (size_t i = 0; i < c->n_conns; i++)
        if (c->ending[i] && c->conns[i].io.fd >= 0 && !each(&c->conns[i])) return false;
    return true;
}
static bool all_tcp_ended(run_ctx *c)
{
    return all(c, tcp_ended);
}
static bool all_close_or_end(run_ctx *c)
{
    return all(c, close_or_end);
}
static bool all_tx_flushed(run_ctx *c)
{
    return all(c, tx_flushed);
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

/* A connection still open, as a step would see it: its events are its own. */
static void note(run_ctx *c, wsf_peer *p, const char *what, const char *text)
{
    wsf_timeline_add_conn(&c->res->tl, p->conn, WSF_EV_STEP, WSF_DIR_NONE, what, "%s", text);
}

static bool clean_close(const wsf_peer *p)
{
    /* A Close behind half a frame would be read as that frame's payload:
     * with a frame cut short, only FIN is clean. */
    return p->response_seen && p->response.status == 101 && !p->frame_cut;
}

void rc_teardown(run_ctx *c)
{
    /* Every deadline is the server's close-tcp bound: a correct server
     * answers a Close and closes TCP at once (RFC 6455 5.5.1). */
    int64_t wait = wsf_bound_effective(&c->r->bounds, WSF_BOUND_CLOSE_TCP);
    bool *ending = wsf_xcalloc(c->n_conns ? c->n_conns : 1, sizeof *ending);
    c->ending = ending;
    size_t n_over = 0, n_open = 0;
    for (size_t i = 0; i < c->n_conns; i++) {
        wsf_peer *p = &c->conns[i];
        if (p->io.fd < 0) continue;
        ending[i] = true;
        if (p->read_stalled) wsf_peer_stall_read(p, false);
        if (over(p)) {
            n_over++;
            note(c, p, "end",
                 "end of scenario: the connection is over; the peer reads what is left "
                 "and closes its socket, as a client does");
            continue;
        }
        if (!n_open++) c->teardown_us = wsf_now_us();
        note(c, p, "teardown",
             clean_close(p) ? "end of scenario: the connection is still open, and wsfault ends it "
                              "itself (Close 1000, then FIN); what follows is not judged as the "
                              "scenario's doing"
                            : "end of scenario: the connection is still open, and wsfault ends it "
                              "itself (FIN); what follows is not judged as the scenario's doing");
        if (p->trickle_bytes) wsf_peer_trickle(p, 0, 0);
        if (p->write_stalled) wsf_peer_stall_write(p, false);
    }
    /* Those that are over: what they still send is read, then they close. */
    if (n_over) {
        rc_run_until(c, all_tx_flushed, wsf_now_us() + wait / 4);
        for (size_t i = 0; i < c->n_conns; i++)
            if (ending[i] && over(&c->conns[i])) {
                wsf_peer_close(&c->conns[i]);
                ending[i] = false;
            }
    }
    if (n_open) {
        int64_t until = wsf_now_us() + wait;
        rc_run_until(c, all_tx_flushed, until);
        wsf_peer *was = c->peer;
        for (size_t i = 0; i < c->n_conns; i++) {
            wsf_peer *p = &c->conns[i];
            if (!ending[i] || !clean_close(p) || tcp_ended(p) || p->close_sent ||
                p->close_queued_end)
                continue;
            c->peer = p;
            rc_send_close(c, p->close_received ? (p->close_code_rx >= 0 ? p->close_code_rx : -1)
                                               : 1000);
        }
        c->peer = was;
        rc_run_until(c, all_close_or_end, until);
        rc_run_until(c, all_tx_flushed, until);
        for (size_t i = 0; i < c->n_conns; i++) {
            wsf_peer *p = &c->conns[i];
            if (ending[i] && p->io.fd >= 0 && !tcp_ended(p) && !p->half_closed)
                wsf_peer_half_close(p);
        }
        rc_run_until(c, all_tcp_ended, wsf_now_us() + wait);
    }
    for (size_t i = 0; i < c->n_conns; i++)
        if (ending[i] && c->conns[i].io.fd >= 0) wsf_peer_close(&c->conns[i]);
    c->ending = NULL;
    free(ending);
}
