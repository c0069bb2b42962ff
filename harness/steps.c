/* The steps: each one acts on the running step's connection (c->peer) or
 * the target, and an expect step waits for what it expects and records the
 * check. Expectations beyond the wire go to the judge's files. */
#include "steps.h"
#include "checks.h"
#include "describe.h"
#include "procfs.h"
#include "send.h"
#include "wait.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* A received frame is the one the expectation describes. */
static bool frame_matches(const wsf_expect *e, const wsf_rx_frame *f)
{
    if (e->opcode >= 0 && f->opcode != e->opcode) return false;
    if (e->opcode == WSF_OP_CLOSE) {
        if (!rc_code_accepted(e, f->close_code)) return false;
        if (e->check_reason && (f->reason.len != e->reason.len ||
                                memcmp(f->reason.data, e->reason.data, e->reason.len) != 0))
            return false;
        return true;
    }
    if (e->payload_check == WSF_PAYLOAD_SIZE) return f->payload.len == e->size;
    if (e->payload_check == WSF_PAYLOAD_BYTES)
        return wsf_payload_equals(&e->payload, f->payload.data, f->payload.len);
    return true;
}

static bool peer_can_observe(run_ctx *c, const wsf_step *st)
{
    if (c->peer->state == WSF_TCP_OPEN || c->peer->state == WSF_TCP_CONNECTING) return true;
    rc_error(c, st->line, "'%s' needs an open connection, but %s", st->text,
             c->peer->state == WSF_TCP_NONE ? "there is none (connect first)"
                                            : "the peer closed its own socket in an earlier step");
    return false;
}

static bool connect_begin(run_ctx *c, const wsf_step *st, char *err, size_t errlen)
{
    c->peer->frame_cut = false;
    return wsf_peer_connect(c->peer, st->u.connect.rcvbuf, st->u.connect.sndbuf, err, errlen) == 0;
}

static void step_connect(run_ctx *c, const wsf_step *st)
{
    char err[512];
    if (!c->begun && !connect_begin(c, st, err, sizeof err)) {
        rc_error(c, st->line, "%s", err);
        return;
    }
    rc_run_until(c, rc_not_connecting, c->step_start_us + st->u.connect.within_us);
    if (c->stop) return;
    const wsf_peer *p = c->peer;
    if (p->tls_failed) {
        /* Not the server's handling of closes: what the run trusts, or
         * how the server speaks TLS, is for whoever runs it to fix. */
        rc_error(c, st->line, "cannot connect to %s over TLS: %s", p->host_header, p->tls_why);
        if (p->tls_verify_failed && !c->r->tls_trust_error)
            c->r->tls_trust_error = wsf_xstrdup(p->tls_why);
        return;
    }
    if (p->state == WSF_TCP_OPEN && p->use_tls && (!p->tls || !wsf_tls_done(p->tls))) {
        char d[32];
        wsf_format_duration(st->u.connect.within_us, d, sizeof d);
        if (wsf_peer_tls_pending(p))
            rc_error(c, st->line,
                     "cannot connect to %s: TCP connected, but no TLS handshake within %s",
                     p->host_header, d);
        else
            rc_error(c, st->line,
                     "cannot connect to %s: the target ended TCP (%s) during the TLS "
                     "handshake",
                     p->host_header, p->rst_in ? "RST" : "FIN");
        return;
    }
    if (c->peer->state == WSF_TCP_OPEN) return;
    if (c->peer->state == WSF_TCP_CONNECTING) {
        char d[32];
        wsf_format_duration(st->u.connect.within_us, d, sizeof d);
        rc_error(c, st->line, "cannot connect to %s: no answer within %s", c->peer->host_header, d);
    } else {
        rc_error(c, st->line, "cannot connect to %s: %s", c->peer->host_header,
                 strerror(c->peer->connect_errno));
    }
}

/* The request's extra header lines: the run's defaults and the step's own. */
static const char **handshake_extra(run_ctx *c, const wsf_step *st, size_t *n)
{
    const typeof(st->u.handshake) *h = &st->u.handshake;
    return wsf_hs_extra_lines(c->r->handshake, (const char *const *)h->headers, h->n_headers,
                              (const char *const *)h->omit, h->n_omit, n);
}

static void handshake_send(run_ctx *c, const wsf_step *st)
{
    const typeof(st->u.handshake) *h = &st->u.handshake;
    const wsf_handshake_defaults *def = c->r->handshake;
    char key[25];
    wsf_ws_key(key);
    size_t n_extra;
    const char **extra = handshake_extra(c, st, &n_extra);
    wsf_request req = {
        .host = c->peer->host_header,
        .path = h->path            ? h->path
                : def && def->path ? def->path
                                   : c->peer->path,
        .key = h->key ? h->key : key,
        .version = h->version ? h->version : "13",
        .extra = extra,
        .n_extra = n_extra,
        .omit = (const char *const *)h->omit,
        .n_omit = h->n_omit,
    };
    wsf_peer_send_handshake(c->peer, &req, h->partial);
    free(extra);
}

static void step_handshake(run_ctx *c, const wsf_step *st)
{
    if (!peer_can_observe(c, st)) return;
    const typeof(st->u.handshake) *h = &st->u.handshake;
    if (!c->begun) handshake_send(c, st);
    if (!h->wait) return;
    size_t n_extra;
    const char **extra = handshake_extra(c, st, &n_extra);

    wsf_check *k = rc_add_check(c, st->line, st->text);
    char d[32];
    wsf_format_duration(h->within_us, d, sizeof d);
    char *expected = wsf_xasprintf("101 Switching Protocols with a valid Sec-WebSocket-Accept "
                                   "within %s",
                                   d);
    rc_run_until(c, rc_response_or_end, c->step_start_us + h->within_us);
    if (c->stop && c->res->verdict == WSF_ERROR) {
        free(expected);
        free(extra);
        return;
    }
    const wsf_response *rsp = &c->peer->response;
    char *actual = NULL;
    bool ok = false;
    if (!c->peer->response_seen) {
        char *story = rc_tcp_story(c);
        actual = story                ? story
                 : c->peer->rx_broken ? wsf_xstrdup("a response that is not HTTP")
                                      : wsf_xasprintf("no response within %s", d);
    } else if (rsp->status != 101) {
        actual = wsf_xasprintf("%d %s", rsp->status, rsp->reason);
    } else if (!rsp->upgrade_ok) {
        actual = wsf_xstrdup("101 without 'Upgrade: websocket' and 'Connection: Upgrade'");
    } else if (strcmp(rsp->accept, c->peer->expected_accept) != 0) {
        actual = wsf_xasprintf("101 with Sec-WebSocket-Accept \"%s\" (expected \"%s\")",
                               rsp->accept, c->peer->expected_accept);
    } else {
        /* RFC 6455 4.1: a subprotocol or extension the request did not
         * offer is a MUST-fail for the client. */
        actual = wsf_response_check_offer(rsp, extra, n_extra);
        ok = actual == NULL;
    }
    free(extra);
    rc_check_done(c, k, ok, expected, actual);
}

static void step_send(run_ctx *c, const wsf_step *st)
{
    if (peer_can_observe(c, st)) rc_send_message(c, &st->u.send);
}

static void step_expect(run_ctx *c, const wsf_step *st)
{
    const wsf_expect *e = &st->u.expect;
    int64_t deadline = c->step_start_us + e->within_us;
    wsf_check *k = rc_add_check(c, st->line, st->text);
    k->level = st->level;
    char d[32];
    wsf_format_duration(e->within_us, d, sizeof d);
    char *expected = NULL, *actual = NULL;
    bool ok = false;

    if (e->kind == WSF_EXP_FAIL_CONNECTION) {
        if (peer_can_observe(c, st)) rc_judge_failure(c, st, k);
        return;
    }
    if (e->kind >= WSF_EXP_TARGET_ALIVE) {
        rc_judge(c, st, k);
        return;
    }
    /* Frames already received can be judged after the peer closed its own
     * socket; TCP facts can only be seen through an open one. */
    if (e->kind != WSF_EXP_FRAME && e->kind != WSF_EXP_NO_FRAME && e->kind != WSF_EXP_HTTP &&
        !peer_can_observe(c, st))
        return; /* an error; the check stays not-reached */
    if (c->peer->state == WSF_TCP_NONE) {
        peer_can_observe(c, st);
        return;
    }

    switch (e->kind) {
    case WSF_EXP_FRAME: {
        expected = rc_describe_expected_frame(e);
        rc_run_until(c, rc_frame_or_end, deadline);
        wsf_rx_frame *f = wsf_peer_inbox_peek(c->peer);
        if (f) {
            ok = frame_matches(e, f);
            actual = rc_describe_rx(c, f);
            wsf_peer_inbox_pop(c->peer);
        } else {
            /* Reading stopped on bad input is the cause, before any end of TCP. */
            char *story = rc_rx_story(c);
            if (!story) story = rc_tcp_story(c);
            actual = story ? wsf_xasprintf("no frame: %s", story)
                           : wsf_xasprintf("no frame within %s", d);
            free(story);
        }
        break;
    }
    case WSF_EXP_NO_FRAME: {
        expected = wsf_xasprintf("no frame for %s", d);
        rc_run_until(c, rc_frame_arrived, deadline);
        wsf_rx_frame *f = wsf_peer_inbox_peek(c->peer);
        ok = f == NULL;
        if (f) {
            actual = rc_describe_rx(c, f);
            wsf_peer_inbox_pop(c->peer);
        }
        break;
    }
    case WSF_EXP_HTTP:
        expected = wsf_xasprintf("an HTTP %d response within %s", e->http_status, d);
        rc_run_until(c, rc_response_or_end, deadline);
        if (c->peer->response_seen) {
            ok = c->peer->response.status == e->http_status;
            char *w = rc_when(c, c->peer->response_t);
            actual =
                wsf_xasprintf("%d %s %s", c->peer->response.status, c->peer->response.reason, w);
            free(w);
        } else {
            char *story = rc_rx_story(c);
            if (!story) story = rc_tcp_story(c);
            actual = story ? wsf_xasprintf("no response: %s", story)
                           : wsf_xasprintf("no response within %s", d);
            free(story);
        }
        break;
    case WSF_EXP_FIN:
    case WSF_EXP_CLOSED:
        expected = wsf_xasprintf(e->kind == WSF_EXP_FIN ? "the target closes TCP (FIN) within %s"
                                                        : "the target ends TCP (FIN or RST) "
                                                          "within %s",
                                 d);
        rc_run_until(c, rc_tcp_ended, deadline);
        ok = e->kind == WSF_EXP_FIN ? c->peer->fin_in && !c->peer->rst_in : rc_tcp_ended(c);
        actual = rc_tcp_story(c);
        if (!actual) actual = wsf_xasprintf("the connection still open after %s", d);
        break;
    case WSF_EXP_RST:
        expected = wsf_xasprintf("the target resets TCP (RST) within %s", d);
        rc_run_until(c, rc_got_rst, deadline);
        ok = c->peer->rst_in;
        actual = rc_tcp_story(c);
        if (!actual)
            actual = wsf_xasprintf("the connection still open after %s", d);
        else if (!ok) {
            char *a = wsf_xasprintf("%s, and no RST within %s", actual, d);
            free(actual);
            actual = a;
        }
        break;
    case WSF_EXP_OPEN:
        expected = wsf_xasprintf("the connection stays open for %s", d);
        rc_run_until(c, rc_tcp_ended, deadline);
        ok = !rc_tcp_ended(c);
        actual = rc_tcp_story(c);
        break;
    default: /* judged by rc_judge above */
        break;
    }
    if (c->res->verdict == WSF_ERROR) {
        free(expected);
        free(actual);
        return;
    }
    if (!ok || e->kind == WSF_EXP_FRAME) {
        char *w = rc_when(c, wsf_timeline_now(&c->res->tl));
        if (!actual) actual = wsf_xasprintf("nothing %s", w);
        free(w);
    }
    rc_check_done(c, k, ok, expected, actual);
}

/* Signals go to the target's own process, as a service manager's would, or
 * with "signal-to group" to its whole process group: the server behind a
 * launcher script, a master and its workers. */
static void step_signal(run_ctx *c, const wsf_step *st)
{
    wsf_runner *r = c->r;
    if (!r->target) {
        rc_error(c, st->line,
                 "'%s' needs a target wsfault starts (--target); with --url there "
                 "is no process to signal",
                 st->text);
        return;
    }
    if (!r->inst.running) {
        rc_error(c, st->line, "'%s': the target is not running", st->text);
        return;
    }
    const char *sig = wsf_signal_name(st->u.signal.sig);
    if (st->u.signal.sig == SIGINT && !c->sigint_us) c->sigint_us = wsf_now_us();
    if (r->target->signal_to == WSF_SIGNAL_MAIN) {
        kill(r->inst.pid, st->u.signal.sig);
        wsf_timeline_add(&c->res->tl, WSF_EV_FAULT, WSF_DIR_NONE, "signal", "SIG%s to pid %d", sig,
                         (int)r->inst.pid);
        return;
    }
    wsf_proc_group g;
    wsf_proc_group_read("/proc", r->inst.pid, 0, &g);
    wsf_buf who;
    wsf_buf_init(&who);
    wsf_proc_group_describe(&g, 0, &who);
    wsf_proc_group_free(&g);
    kill(-r->inst.pid, st->u.signal.sig);
    wsf_timeline_add(&c->res->tl, WSF_EV_FAULT, WSF_DIR_NONE, "signal",
                     "SIG%s to process group %d (%s)", sig, (int)r->inst.pid, (char *)who.data);
    wsf_buf_free(&who);
}

/* A TLS fault: on a connection that has TLS, else an error at its line. */
static void step_tls(run_ctx *c, const wsf_step *st)
{
    wsf_peer *p = c->peer;
    if (!p->use_tls) {
        rc_error(c, st->line, "'%s' needs a wss:// connection, and this one is ws://", st->text);
        return;
    }
    if (!p->tls || !wsf_tls_done(p->tls)) {
        rc_error(c, st->line, "'%s' needs an open TLS connection (connect first)", st->text);
        return;
    }
    switch (st->u.tls.fault) {
    case WSF_TLS_CLOSE_NOTIFY:
        wsf_peer_tls_close_notify(p);
        break;
    case WSF_TLS_TRUNCATE:
        wsf_peer_tls_truncate(p);
        break;
    case WSF_TLS_STALL:
        wsf_peer_tls_stall(p);
        break;
    }
}

bool rc_step_begin(run_ctx *c, const wsf_step *st)
{
    char err[512];
    switch (st->kind) {
    case WSF_STEP_CONNECT:
        return connect_begin(c, st, err, sizeof err);
    case WSF_STEP_HANDSHAKE:
        if (!st->u.handshake.wait ||
            (c->peer->state != WSF_TCP_OPEN && c->peer->state != WSF_TCP_CONNECTING))
            return false;
        handshake_send(c, st);
        return true;
    default:
        return false;
    }
}

void rc_run_step(run_ctx *c, const wsf_step *st)
{
    switch (st->kind) {
    case WSF_STEP_CONNECT:
        step_connect(c, st);
        break;
    case WSF_STEP_HANDSHAKE:
        step_handshake(c, st);
        break;
    case WSF_STEP_SEND:
        step_send(c, st);
        break;
    case WSF_STEP_SEND_RAW:
        if (!peer_can_observe(c, st)) break;
        rc_send_raw(c, &st->u.raw.bytes);
        break;
    case WSF_STEP_RST:
        wsf_peer_rst(c->peer);
        break;
    case WSF_STEP_HALF_CLOSE:
        wsf_peer_half_close(c->peer);
        break;
    case WSF_STEP_SIGNAL:
        step_signal(c, st);
        break;
    case WSF_STEP_CLOSE:
        wsf_peer_close(c->peer);
        break;
    case WSF_STEP_STALL_READ:
        wsf_peer_stall_read(c->peer, true);
        break;
    case WSF_STEP_RESUME_READ:
        wsf_peer_stall_read(c->peer, false);
        break;
    case WSF_STEP_STALL_WRITE:
        wsf_peer_stall_write(c->peer, true);
        break;
    case WSF_STEP_RESUME_WRITE:
        wsf_peer_stall_write(c->peer, false);
        break;
    case WSF_STEP_TRICKLE:
        wsf_peer_trickle(c->peer, st->u.trickle.bytes, st->u.trickle.every_us);
        break;
    case WSF_STEP_TLS:
        step_tls(c, st);
        break;
    case WSF_STEP_WAIT:
        rc_run_until(c, NULL, c->step_start_us + st->u.wait.us);
        break;
    case WSF_STEP_EXPECT:
        step_expect(c, st);
        break;
    }
}
