/* expect fail-connection: RFC 6455 7.1.7, _Fail the WebSocket Connection_.
 * (expect close-connection is the same judgement for a target that ends a
 * connection of its own accord, as on shutdown: _Close the WebSocket
 * Connection_ is the MUST, a Close with the code first the SHOULD.)
 *
 *   "the server MUST _Close the WebSocket Connection_ [...] If _The
 *   WebSocket Connection is Established_ prior to the point where the
 *   endpoint is required to _Fail the WebSocket Connection_, the endpoint
 *   SHOULD send a Close frame with an appropriate status code (Section
 *   7.4) before proceeding to _Close the WebSocket Connection_."
 *
 * So one statement makes two checks on its line. The MUST: no further
 * data from the target ("MUST NOT continue to attempt to process data"),
 * and its side of TCP ends. The SHOULD: a Close frame with one of the
 * accepted codes came first. A target that drops TCP at once passes the
 * MUST and is non-strict; one that sends the Close and keeps TCP open gets
 * a Close in reply, as a client gives it (5.5.1), and must then close TCP
 * at once (within the close-tcp bound), so no scenario waits on a server's
 * close timeout. */
#include "runctx.h"
#include "checks.h"
#include "describe.h"
#include "send.h"
#include "wait.h"

#include <stdlib.h>

/* A code an endpoint may put in a Close (RFC 6455 7.4.1, 7.4.2): 1004,
 * 1005, 1006 and 1015 are reserved, below 1000 and from 5000 up unused. */
static bool sendable(int code)
{
    return code >= 1000 && code <= 4999 && code != 1004 && code != 1005 && code != 1006 &&
           code != 1015;
}

static char *expected_close(const wsf_expect *e)
{
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_buf_appendf(&b, "a Close frame (");
    if (e->close_code == WSF_CLOSE_ANY)
        wsf_buf_appendf(&b, "any code");
    else
        rc_describe_codes(&b, e);
    wsf_buf_appendf(&b, ") before the target closes TCP");
    return (char *)b.data;
}

void rc_judge_failure(run_ctx *c, const wsf_step *st, wsf_check *must)
{
    const wsf_expect *e = &st->u.expect;
    wsf_check *should = rc_add_check(c, st->line, st->text);
    should->level = e->close_may                  ? WSF_LEVEL_INFO
                    : st->level == WSF_LEVEL_MUST ? WSF_LEVEL_SHOULD
                                                  : st->level;
    must = &c->res->checks[c->res->n_checks - 2]; /* the array moved */
    char d[32];
    wsf_format_duration(e->within_us, d, sizeof d);
    char *exp_must = wsf_xasprintf("the target %s the connection: no more data, a Close or the "
                                   "end of TCP within %s, and TCP closed",
                                   e->own_accord ? "closes" : "fails", d);
    rc_run_until(c, rc_frame_or_end, c->step_start_us + e->within_us);
    if (c->res->verdict == WSF_ERROR) {
        free(exp_must);
        return;
    }
    wsf_rx_frame *f = wsf_peer_inbox_peek(c->peer);
    if (f && f->opcode != WSF_OP_CLOSE) {
        char *a = rc_describe_rx(c, f);
        wsf_peer_inbox_pop(c->peer);
        rc_check_done(c, must, false, exp_must,
                      wsf_xasprintf("%s: the target went on instead of failing the connection", a));
        free(a);
        return;
    }
    if (!f) {
        char *story = rc_tcp_story(c);
        if (!story) {
            rc_check_done(c, must, false, exp_must,
                          wsf_xasprintf("no Close and the connection still open after %s", d));
            return;
        }
        rc_check_done(c, should, false, expected_close(e),
                      wsf_xasprintf("no Close frame: %s", story));
        rc_check_done(c, must, true, exp_must, story);
        return;
    }

    int code = f->close_code;
    char *got = rc_describe_rx(c, f);
    wsf_peer_inbox_pop(c->peer);
    rc_check_done(c, should, rc_code_accepted(e, code), expected_close(e), wsf_xstrdup(got));
    /* The target may wait for the reply to its Close before it closes TCP
     * (starting a closing handshake rather than dropping the connection):
     * the peer gives it, as a client does (RFC 6455 5.5.1). A Close the
     * peer sent before was the fault (a malformed one): the target need not
     * have taken it for a Close. After the reply the target has all it
     * needs and must close TCP at once. */
    if (!rc_tcp_ended(c)) {
        wsf_timeline_add(&c->res->tl, WSF_EV_NOTE, WSF_DIR_NONE, "reply",
                         "the peer answers the target's Close, as a client does (RFC 6455 5.5.1)");
        rc_send_close(c, sendable(code) ? code : 1000);
    }
    int64_t wait = wsf_bound_effective(&c->r->bounds, WSF_BOUND_CLOSE_TCP);
    rc_run_until(c, rc_tcp_ended, wsf_now_us() + wait);
    char bound[400];
    wsf_bound_describe(&c->r->bounds, WSF_BOUND_CLOSE_TCP, bound, sizeof bound);
    char *story = rc_tcp_story(c);
    bool ok = story != NULL;
    char *actual = ok ? wsf_xasprintf("%s, then %s", got, story)
                      : wsf_xasprintf("%s, then the connection still open (%s)", got, bound);
    free(got);
    free(story);
    rc_check_done(c, must, ok, exp_must, actual);
}
