/* Executes scenarios. Each step runs in order; waits go through the event
 * loop with a deadline, so the peer keeps reading, the target's log keeps
 * flowing and Ctrl-C is heard while a scenario waits. */
#include "runner.h"
#include "runctx.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "procfs.h"

/* How often the target's memory is looked at while a scenario runs. */
#define RSS_SAMPLE_US 10000
/* How long the target may stay quiet before a scenario's log is complete. */
#define SETTLE_QUIET_US 25000
#define SETTLE_MAX_US 250000
/* After a teardown the target may take longer to tell what wsfault's own
 * close did (a server blocked writing to a stalled reader notices the end
 * only when its write fails): its words must land in this scenario's
 * teardown, where they are only noted, not in the next scenario. So the
 * settle waits until the target has let go of the connection, then for a
 * longer quiet, at most the close-tcp bound. */
#define SETTLE_TEARDOWN_QUIET_US 150000
/* Lines of target output kept per scenario for judging. */
#define MAX_LINES 100000
/* How long the capture goes on after a scenario's last step. */
#define CAPTURE_LINGER_US 30000

static wsf_timeline *target_timeline(wsf_runner *r)
{
    return r->tl ? r->tl : &r->between;
}

static void on_target_line(void *ctx, const char *stream, int64_t abs_us, const char *line,
                           size_t len)
{
    wsf_runner *r = ctx;
    wsf_buf d;
    wsf_buf_init(&d);
    wsf_escape_bytes((const uint8_t *)line, len, 1000, &d);
    wsf_event *e = wsf_timeline_add_at(target_timeline(r), abs_us, WSF_EV_LOG, WSF_DIR_NONE, stream,
                                       (char *)d.data);
    wsf_buf_free(&d);
    r->line_no++;
    if (e) e->line_no = r->line_no;
    if (r->n_lines >= MAX_LINES) return; /* the timeline notes what it drops */
    if (r->n_lines == r->cap_lines) {
        r->cap_lines = r->cap_lines ? r->cap_lines * 2 : 256;
        r->lines = wsf_xrealloc(r->lines, r->cap_lines * sizeof *r->lines);
    }
    wsf_log_streams s = !strcmp(stream, "stderr") ? WSF_LOG_STDERR : WSF_LOG_STDOUT;
    /* A followed log file is the log, whatever the streams are. */
    bool is_log = !r->target || !strcmp(stream, "log") || (r->target->log & s) != 0;
    /* Regexes stop at a NUL; a line with one is matched up to it. */
    r->lines[r->n_lines++] =
        (struct wsf_line){abs_us, is_log, s, r->line_no, wsf_xstrndup(line, len)};
}

static void clear_lines(wsf_runner *r)
{
    for (size_t i = 0; i < r->n_lines; i++)
        free(r->lines[i].text);
    r->n_lines = 0;
}

static void on_target_exit(void *ctx, int64_t abs_us, int status)
{
    wsf_runner *r = ctx;
    char st[96];
    wsf_describe_status(status, st, sizeof st);
    wsf_timeline_add_at(target_timeline(r), abs_us, WSF_EV_TARGET, WSF_DIR_NONE, "exit", st);
}

/* Moves what the target said between scenarios onto this scenario's
 * timeline; it happened before the origin, so its times are negative. */
static void take_between(wsf_runner *r, wsf_timeline *tl)
{
    for (size_t i = 0; i < r->between.n; i++) {
        const wsf_event *e = &r->between.ev[i];
        wsf_event *moved = wsf_timeline_add_at(tl, e->t_us, e->kind, e->dir, e->what, e->detail);
        if (moved) moved->line_no = e->line_no;
    }
    wsf_timeline_free(&r->between);
    wsf_timeline_init(&r->between, 0);
}

void wsf_runner_init(wsf_runner *r, wsf_loop *loop, const wsf_target *target, const char *url,
                     const wsf_target_vars *vars)
{
    memset(r, 0, sizeof *r);
    r->loop = loop;
    r->target = target;
    r->url = url;
    if (vars) r->vars = *vars;
    if (target) {
        r->bounds = target->bounds;
        r->alarms = &target->alarms;
        r->ignore = &target->ignore;
    } else {
        wsf_bounds_defaults(&r->bounds);
        wsf_patterns_add_default_alarms(&r->own_alarms);
        r->alarms = &r->own_alarms;
        r->ignore = &r->own_ignore;
    }
    r->inst.on_line = on_target_line;
    r->inst.on_exit = on_target_exit;
    r->inst.ctx = r;
    wsf_timeline_init(&r->between, 0);
    /* OpenSSL loads its SHA-1 provider on first use (a few milliseconds):
     * pay that here, not inside the first scenario's handshake. */
    char key[25], accept[29];
    wsf_ws_key(key);
    wsf_ws_accept(key, accept);
}

void wsf_runner_describe(wsf_runner *r, const wsf_target *t)
{
    r->described = t;
    r->bounds = t->bounds;
    r->alarms = &t->alarms;
    r->ignore = &t->ignore;
}

int wsf_runner_follow_log(wsf_runner *r, const char *path, char *err, size_t errlen)
{
    if (wsf_logtail_open(&r->tail, r->loop, path, on_target_line, r, err, errlen) < 0) return -1;
    r->log_file = path;
    r->tail_open = true;
    return 0;
}

void wsf_runner_finish(wsf_runner *r)
{
    if (r->tail_open) wsf_logtail_close(&r->tail);
    r->tail_open = false;
    wsf_patterns_free(&r->own_alarms);
    wsf_patterns_free(&r->own_ignore);
    if (r->inst_up) wsf_instance_stop(&r->inst);
    r->inst_up = false;
    wsf_timeline_free(&r->between);
    clear_lines(r);
    free(r->lines);
    r->lines = NULL;
    r->cap_lines = 0;
    free(r->start_error);
    r->start_error = NULL;
    free(r->capture_off_why);
    r->capture_off_why = NULL;
}

void wsf_result_free(wsf_result *res)
{
    for (size_t i = 0; i < res->n_checks; i++) {
        free(res->checks[i].text);
        free(res->checks[i].expected);
        free(res->checks[i].actual);
        free(res->checks[i].conn);
    }
    free(res->checks);
    free(res->reason);
    free(res->url);
    free(res->pcap);
    wsf_timeline_free(&res->tl);
    memset(res, 0, sizeof *res);
}

/* --- verdict bookkeeping ------------------------------------------------ */

wsf_check *rc_add_check(run_ctx *c, int line, const char *text)
{
    wsf_result *res = c->res;
    res->checks = wsf_xrealloc(res->checks, (res->n_checks + 1) * sizeof *res->checks);
    wsf_check *k = &res->checks[res->n_checks++];
    memset(k, 0, sizeof *k);
    k->line = line;
    k->text = wsf_xstrdup(text);
    k->result = WSF_CHECK_NOT_REACHED;
    const wsf_step *st = c->step;
    if (st && st->line == line && wsf_scenario_named_conns(c->sc) && wsf_step_has_conn(st))
        k->conn =
            wsf_xstrdup(st->set >= 0 ? c->sc->sets[st->set].name : wsf_conn_name(c->sc, st->conn));
    if (k->conn && st->set >= 0) {
        char *set = wsf_xasprintf("%s*", k->conn);
        free(k->conn);
        k->conn = set;
    }
    return k;
}

/* How much each verdict weighs, for "the strongest failure gives the
 * verdict": a MUST outranks a SHOULD, which outranks an informational one. */
static int weight(wsf_verdict v)
{
    return v == WSF_FAIL ? 3 : v == WSF_NONSTRICT ? 2 : v == WSF_INFO ? 1 : 0;
}

void rc_check_done(run_ctx *c, wsf_check *k, bool ok, char *expected, char *actual)
{
    static const wsf_check_result missed[] = {WSF_CHECK_FAIL, WSF_CHECK_NONSTRICT, WSF_CHECK_INFO};
    static const wsf_verdict gives[] = {WSF_FAIL, WSF_NONSTRICT, WSF_INFO};
    static const char *const said[] = {"failed", "non-strict", "info"};
    k->result = ok ? WSF_CHECK_PASS : missed[k->level];
    /* A check that waited for a named bound says its value and where the
     * value came from, so a user knows what to change for their server. */
    const wsf_step *st = c->step;
    wsf_bound b = st && st->line == k->line ? (st->bound ? st->bound : st->size_bound) : 0;
    if (b && expected) {
        char d[400];
        wsf_bound_describe(&c->r->bounds, b, d, sizeof d);
        char *x = wsf_xasprintf("%s (%s)", expected, d);
        free(expected);
        expected = x;
    }
    if (!ok && c->member && actual) {
        char *x = wsf_xasprintf("%s: %s", c->member, actual);
        free(actual);
        actual = x;
    }
    k->expected = expected;
    k->actual = actual;
    k->t_us = wsf_timeline_now(&c->res->tl);
    if (ok) return;
    wsf_timeline_add(&c->res->tl, WSF_EV_TIMEOUT, WSF_DIR_NONE, said[k->level], "line %d: %s",
                     k->line, k->text);
    wsf_verdict v = c->res->verdict, mine = gives[k->level];
    /* The first failure of the strongest kind gives the reason. An error
     * or a skip already said why the scenario could not be judged. */
    if ((v == WSF_PASS || weight(v) > 0) && weight(mine) > weight(v)) {
        c->res->verdict = mine;
        free(c->res->reason);
        c->res->reason = wsf_xasprintf("line %d: %s: expected %s, got %s", k->line, k->text,
                                       expected, actual ? actual : "?");
    }
    /* After a SHOULD or an informational miss the scenario goes on: what
     * comes next is still worth knowing. After a MUST, later steps would
     * judge a broken premise. */
    if (k->level == WSF_LEVEL_MUST) c->stop = true;
}

void rc_check_skip(run_ctx *c, wsf_check *k, char *expected, const char *why)
{
    k->result = WSF_CHECK_SKIPPED;
    k->expected = expected;
    k->actual = wsf_xasprintf("not judged: %s", why);
    k->t_us = wsf_timeline_now(&c->res->tl);
    wsf_timeline_add(&c->res->tl, WSF_EV_NOTE, WSF_DIR_NONE, "skipped", "line %d: %s: %s", k->line,
                     k->text, why);
}

void rc_sample(run_ctx *c)
{
    if (!c->r->target || !c->r->inst_up || !c->r->inst.running) return;
    /* The whole process group, summed: a process that came or went between
     * two samples counts in those it was there for. */
    int64_t rss = wsf_proc_group_rss_total(c->r->inst.pid);
    if (rss > c->rss_max) c->rss_max = rss;
    c->next_sample_us = wsf_now_us() + RSS_SAMPLE_US;
}

void rc_error(run_ctx *c, int line, const char *fmt, ...)
{
    if (c->res->verdict == WSF_ERROR) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    free(c->res->reason);
    c->res->reason = line ? wsf_xasprintf("line %d: %s", line, msg) : wsf_xstrdup(msg);
    c->res->verdict = WSF_ERROR;
    c->stop = true;
    wsf_timeline_add(&c->res->tl, WSF_EV_NOTE, WSF_DIR_NONE, "error", "%s", msg);
}

/* --- waiting ---------------------------------------------------------------- */

/* Runs the loop until cond holds or the absolute deadline passes. Returns
 * whether cond held. An interrupt ends the wait early with an error. */
bool rc_run_until(run_ctx *c, cond_fn cond, int64_t deadline)
{
    for (;;) {
        for (size_t i = 0; i < c->n_conns; i++)
            wsf_peer_tick(&c->conns[i]);
        if (cond && cond(c)) return true;
        if (c->r->loop->interrupted) {
            rc_error(c, 0, "interrupted by SIG%s", wsf_signal_name(c->r->loop->interrupted));
            return false;
        }
        int64_t now = wsf_now_us();
        if (now >= deadline) return false;
        if (now >= c->next_sample_us) rc_sample(c);
        int64_t wake = deadline;
        for (size_t i = 0; i < c->n_conns; i++) {
            int64_t pw = wsf_peer_next_wake(&c->conns[i]);
            if (pw >= 0 && pw < wake) wake = pw;
        }
        if (c->next_sample_us > now && c->next_sample_us < wake) wake = c->next_sample_us;
        wsf_loop_run_once(c->r->loop, wake);
    }
}

bool rc_tcp_ended(run_ctx *c)
{
    return c->peer->fin_in || c->peer->rst_in;
}
static bool got_rst(run_ctx *c)
{
    return c->peer->rst_in;
}
static bool not_connecting(run_ctx *c)
{
    return c->peer->state != WSF_TCP_CONNECTING;
}
static bool response_or_end(run_ctx *c)
{
    return c->peer->response_seen || rc_tcp_ended(c) || c->peer->rx_broken;
}
bool rc_frame_or_end(run_ctx *c)
{
    return wsf_peer_inbox_peek(c->peer) || rc_tcp_ended(c) || c->peer->rx_broken;
}
static bool frame_arrived(run_ctx *c)
{
    return wsf_peer_inbox_peek(c->peer) != NULL;
}

/* "at +12.3ms (4.1ms after the step)" */
char *rc_when(run_ctx *c, int64_t t_us)
{
    char a[32], b[32];
    wsf_format_duration(t_us, a, sizeof a);
    int64_t since = t_us - (c->step_start_us - c->res->tl.origin_us);
    wsf_format_duration(since < 0 ? -since : since, b, sizeof b);
    return wsf_xasprintf("at +%s, %s %s the step", a, b, since < 0 ? "before" : "after");
}

/* What the connection's end looked like, for "got ..." messages. */
char *rc_tcp_story(run_ctx *c)
{
    if (c->peer->rst_in) {
        char *w = rc_when(c, c->peer->rst_in_t);
        char *s = wsf_xasprintf("the target reset TCP (RST) %s", w);
        free(w);
        return s;
    }
    if (c->peer->fin_in) {
        char *w = rc_when(c, c->peer->fin_in_t);
        char *s = wsf_xasprintf("the target closed TCP (FIN) %s", w);
        free(w);
        return s;
    }
    return NULL;
}

/* --- describing frames ------------------------------------------------------ */

void rc_describe_close(wsf_buf *b, int code, const uint8_t *reason, size_t rlen)
{
    if (code == WSF_CLOSE_ANY)
        wsf_buf_appendf(b, "close");
    else if (code == -1)
        wsf_buf_appendf(b, "close with an empty payload");
    else if (code == -2)
        wsf_buf_appendf(b, "close with a 1-byte payload");
    else
        wsf_buf_appendf(b, "close %d", code);
    if (reason) {
        wsf_buf_appendf(b, " \"");
        wsf_escape_bytes(reason, rlen, 123, b);
        wsf_buf_appendf(b, "\"");
    }
}

char *rc_describe_rx(run_ctx *c, const wsf_rx_frame *f)
{
    wsf_buf b;
    wsf_buf_init(&b);
    if (f->opcode == WSF_OP_CLOSE) {
        rc_describe_close(&b, f->close_code, f->reason.len ? f->reason.data : NULL, f->reason.len);
    } else {
        wsf_buf_appendf(&b, "%s frame of %zu bytes", wsf_opcode_name(f->opcode), f->payload.len);
        if (f->payload.len) {
            wsf_buf_appendf(&b, " \"");
            wsf_escape_bytes(f->payload.data, f->payload.len, 60, &b);
            wsf_buf_appendf(&b, "\"");
        }
    }
    if (!f->fin) wsf_buf_appendf(&b, " without FIN");
    if (f->rsv) wsf_buf_appendf(&b, " with RSV bits %d", f->rsv);
    char *w = rc_when(c, f->t_us);
    wsf_buf_appendf(&b, " %s", w);
    free(w);
    return (char *)b.data;
}

static char *describe_expected_frame(const wsf_expect *e)
{
    wsf_buf b;
    wsf_buf_init(&b);
    if (e->opcode == WSF_OP_CLOSE) {
        rc_describe_codes(&b, e);
    } else {
        wsf_buf_appendf(&b, "%s frame", e->opcode < 0 ? "any" : wsf_opcode_name(e->opcode));
        if (e->payload_check == WSF_PAYLOAD_SIZE)
            wsf_buf_appendf(&b, " of %" PRIu64 " bytes", e->size);
        else if (e->payload_check == WSF_PAYLOAD_BYTES) {
            wsf_buf_appendf(&b, " \"");
            wsf_escape_bytes(e->payload.data, e->payload.len, 60, &b);
            wsf_buf_appendf(&b, "\"");
        }
    }
    char d[32];
    wsf_format_duration(e->within_us, d, sizeof d);
    wsf_buf_appendf(&b, " within %s", d);
    return (char *)b.data;
}

bool rc_code_accepted(const wsf_expect *e, int code)
{
    if (e->close_code == WSF_CLOSE_ANY || code == e->close_code) return true;
    for (size_t i = 0; i < e->n_alt_codes; i++)
        if (code == e->alt_codes[i]) return true;
    return false;
}

void rc_describe_codes(wsf_buf *b, const wsf_expect *e)
{
    rc_describe_close(b, e->close_code, e->check_reason ? e->reason.data : NULL, e->reason.len);
    for (size_t i = 0; i < e->n_alt_codes; i++)
        wsf_buf_appendf(b, "%s%d", i + 1 == e->n_alt_codes ? " or " : ", ", e->alt_codes[i]);
}

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
        return f->payload.len == e->payload.len &&
               memcmp(f->payload.data, e->payload.data, e->payload.len) == 0;
    return true;
}

/* --- steps -------------------------------------------------------------------- */

static bool peer_can_observe(run_ctx *c, const wsf_step *st)
{
    if (c->peer->state == WSF_TCP_OPEN || c->peer->state == WSF_TCP_CONNECTING) return true;
    rc_error(c, st->line, "'%s' needs an open connection, but %s", st->text,
             c->peer->state == WSF_TCP_NONE ? "there is none (connect first)"
                                            : "the peer closed its own socket in an earlier step");
    return false;
}

static void step_connect(run_ctx *c, const wsf_step *st)
{
    char err[512];
    c->peer->frame_cut = false;
    if (wsf_peer_connect(c->peer, st->u.connect.rcvbuf, st->u.connect.sndbuf, err, sizeof err) <
        0) {
        rc_error(c, st->line, "%s", err);
        return;
    }
    rc_run_until(c, not_connecting, c->step_start_us + st->u.connect.within_us);
    if (c->stop) return;
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

static void step_handshake(run_ctx *c, const wsf_step *st)
{
    if (!peer_can_observe(c, st)) return;
    const typeof(st->u.handshake) *h = &st->u.handshake;
    const wsf_handshake_defaults *def = c->r->handshake;
    char key[25];
    wsf_ws_key(key);
    size_t n_extra;
    const char **extra = wsf_hs_extra_lines(def, (const char *const *)h->headers, h->n_headers,
                                            (const char *const *)h->omit, h->n_omit, &n_extra);
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
    if (!h->wait) {
        free(extra);
        return;
    }

    wsf_check *k = rc_add_check(c, st->line, st->text);
    char d[32];
    wsf_format_duration(h->within_us, d, sizeof d);
    char *expected = wsf_xasprintf("101 Switching Protocols with a valid Sec-WebSocket-Accept "
                                   "within %s",
                                   d);
    rc_run_until(c, response_or_end, c->step_start_us + h->within_us);
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

typedef typeof(((wsf_step *)0)->u.send) send_args;

/* Sends the message of a send step (or one made up by the runner), and puts
 * it on the timeline as the frame it is. */
static void send_message(run_ctx *c, const send_args *s)
{
    wsf_frame_hdr h = {.opcode = s->opcode, .fin = s->fin, .rsv = s->rsv, .masked = s->masked};
    wsf_buf out;
    wsf_buf_init(&out);
    for (unsigned t = 0; t < s->times; t++) {
        if (h.masked) wsf_random_mask(h.mask);
        wsf_frame_encode_fragmented(&out, &h, s->payload.data, s->payload.len, s->fragments);
    }
    size_t n = s->partial >= 0 && (size_t)s->partial < out.len ? (size_t)s->partial : out.len;
    if (n < out.len) c->peer->frame_cut = true;

    wsf_buf d;
    wsf_buf_init(&d);
    if (s->opcode == WSF_OP_CLOSE) {
        if (s->payload.len >= 2)
            wsf_buf_appendf(&d, "close %d", s->payload.data[0] << 8 | s->payload.data[1]);
        else
            wsf_buf_appendf(&d, "close with %zu-byte payload", s->payload.len);
    } else {
        wsf_buf_appendf(&d, "%s %zu bytes", wsf_opcode_name(s->opcode), s->payload.len);
    }
    if (s->fragments > 1) wsf_buf_appendf(&d, " in %u fragments", s->fragments);
    if (s->times > 1) wsf_buf_appendf(&d, ", %u times", s->times);
    if (!s->fin) wsf_buf_appendf(&d, " without FIN");
    if (s->rsv) wsf_buf_appendf(&d, " rsv=%d", s->rsv);
    if (!s->masked) wsf_buf_appendf(&d, " unmasked");
    if (n < out.len) wsf_buf_appendf(&d, ", only %zu of %zu bytes", n, out.len);
    wsf_event *e = wsf_timeline_add_conn(&c->res->tl, c->peer->conn, WSF_EV_FRAME, WSF_DIR_OUT,
                                         wsf_opcode_name(s->opcode), "%s", (char *)d.data);
    if (e) {
        e->opcode = s->opcode;
        e->fin = s->fin;
        e->rsv = s->rsv;
        e->masked = s->masked;
        e->len = s->payload.len;
        if (s->opcode == WSF_OP_CLOSE && s->payload.len >= 2)
            e->close_code = s->payload.data[0] << 8 | s->payload.data[1];
    }
    wsf_buf_free(&d);
    wsf_peer_send(c->peer, out.data, n);
    /* Only a whole Close frame counts as sent: half of one is a fault. */
    if (s->opcode == WSF_OP_CLOSE && n == out.len && s->fin) wsf_peer_note_close_sent(c->peer);
    wsf_buf_free(&out);
}

static void step_send(run_ctx *c, const wsf_step *st)
{
    if (peer_can_observe(c, st)) send_message(c, &st->u.send);
}

void rc_send_close(run_ctx *c, int code)
{
    send_args s = {.opcode = WSF_OP_CLOSE,
                   .fin = true,
                   .masked = true,
                   .fragments = 1,
                   .times = 1,
                   .partial = -1};
    wsf_buf_init(&s.payload);
    if (code >= 0) {
        uint8_t be[2] = {(uint8_t)(code >> 8), (uint8_t)code};
        wsf_buf_append(&s.payload, be, 2);
    }
    send_message(c, &s);
    wsf_buf_free(&s.payload);
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
        expected = describe_expected_frame(e);
        rc_run_until(c, rc_frame_or_end, deadline);
        wsf_rx_frame *f = wsf_peer_inbox_peek(c->peer);
        if (f) {
            ok = frame_matches(e, f);
            actual = rc_describe_rx(c, f);
            wsf_peer_inbox_pop(c->peer);
        } else {
            char *story = rc_tcp_story(c);
            actual = story ? wsf_xasprintf("no frame: %s", story)
                           : wsf_xasprintf("no frame within %s", d);
            free(story);
        }
        break;
    }
    case WSF_EXP_NO_FRAME: {
        expected = wsf_xasprintf("no frame for %s", d);
        rc_run_until(c, frame_arrived, deadline);
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
        rc_run_until(c, response_or_end, deadline);
        if (c->peer->response_seen) {
            ok = c->peer->response.status == e->http_status;
            char *w = rc_when(c, c->peer->response_t);
            actual =
                wsf_xasprintf("%d %s %s", c->peer->response.status, c->peer->response.reason, w);
            free(w);
        } else {
            char *story = rc_tcp_story(c);
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
        rc_run_until(c, got_rst, deadline);
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

/* The capture sees ports, not connections: once the scenario is over, each
 * segment goes to the connection that used its port (a port is used once
 * within a scenario; the target's own connections keep -1). */
static void wire_events_to_conns(run_ctx *c)
{
    wsf_timeline *tl = &c->res->tl;
    for (size_t i = 0; i < tl->n; i++) {
        wsf_event *e = &tl->ev[i];
        if (e->kind != WSF_EV_WIRE || !e->port) continue;
        for (size_t k = 0; k < c->n_conns && e->conn < 0; k++) {
            const wsf_peer *p = &c->conns[k];
            for (size_t j = 0; j < p->n_local_ports; j++)
                if (p->local_ports[j] == e->port) e->conn = (int)k;
        }
    }
}

static bool needs_wire(const wsf_scenario *sc)
{
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].kind == WSF_STEP_EXPECT && sc->steps[i].u.expect.kind == WSF_EXP_WIRE)
            return true;
    return false;
}

static bool is_loopback(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
    return a->ss_family == AF_INET6 &&
           IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

/* "captures/003-after-peer-close.pcap" for the third scenario of the run. */
static char *capture_path(wsf_runner *r, const wsf_scenario *sc)
{
    const char *base = strrchr(sc->file, '/');
    base = base ? base + 1 : sc->file;
    size_t n = strlen(base);
    if (n > 4 && !strcmp(base + n - 4, ".wsf")) n -= 4;
    return wsf_xasprintf("%s/%03zu-%.*s.pcap", r->capture_dir, r->n_run, (int)n, base);
}

/* Starts the scenario's capture; without one, the reason is kept (and said
 * once on the timeline) and wire expectations cannot be judged. */
static void capture_begin(wsf_runner *r, run_ctx *c)
{
    if (!r->capture || r->capture_off_why) return;
    char err[512];
    bool denied;
    const char *ifname = r->capture_if ? r->capture_if : is_loopback(&c->peer->addr) ? "lo" : "any";
    char host[INET6_ADDRSTRLEN] = "";
    const struct sockaddr_storage *a = &c->peer->addr;
    inet_ntop(a->ss_family,
              a->ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr
                                       : (const void *)&((const struct sockaddr_in *)a)->sin_addr,
              host, sizeof host);
    c->cap =
        wsf_capture_open(ifname, host, wsf_peer_target_port(c->peer), err, sizeof err, &denied);
    if (c->cap) {
        char *path = capture_path(r, c->sc);
        if (wsf_capture_begin(c->cap, r->loop, path, &c->res->tl, &c->wire, err, sizeof err) == 0) {
            /* Recorded relative to the results file, which sits beside the
             * captures folder, so the pair can be moved together. */
            c->res->pcap = wsf_xstrdup(strstr(path, "captures/"));
            free(path);
            return;
        }
        free(path);
        wsf_capture_close(c->cap);
        c->cap = NULL;
    }
    /* Permission does not come back within a run; other failures might, but
     * a run that cannot capture once is told so once. */
    r->capture_off_why = wsf_xstrdup(err);
    wsf_timeline_add(&c->res->tl, WSF_EV_NOTE, WSF_DIR_NONE, "no-capture", "%s", err);
}

static void capture_end(run_ctx *c)
{
    if (!c->cap) return;
    /* A short linger, so the target's last FIN or RST is in the file. */
    int64_t until = wsf_now_us() + CAPTURE_LINGER_US;
    while (wsf_now_us() < until)
        wsf_loop_run_once(c->r->loop, until);
    wsf_capture_end(c->cap);
    wsf_capture_close(c->cap);
    c->cap = NULL;
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

/* A scenario that stops the target on purpose is judged by what it expects
 * of the exit, not by the implicit survival check. */
static bool scenario_ends_target(const wsf_scenario *sc)
{
    for (size_t i = 0; i < sc->n_steps; i++) {
        const wsf_step *st = &sc->steps[i];
        if (st->kind == WSF_STEP_SIGNAL) return true;
        if (st->kind == WSF_STEP_EXPECT && (st->u.expect.kind == WSF_EXP_TARGET_EXITED ||
                                            st->u.expect.kind == WSF_EXP_TARGET_KILLED ||
                                            st->u.expect.kind == WSF_EXP_TARGET_ENDED))
            return true;
    }
    return false;
}

/* Waits until the target has said nothing for a moment, so the lines a
 * scenario caused are judged with it, not with the next one. */
static bool target_quiet(run_ctx *c)
{
    wsf_runner *r = c->r;
    int64_t last = r->n_lines ? r->lines[r->n_lines - 1].abs_us : 0;
    if (last < c->settle_from) last = c->settle_from;
    if (r->target && !r->inst.running) return true;
    if (c->teardown_us && !rc_connections_released(c)) return false;
    int64_t quiet = c->teardown_us ? SETTLE_TEARDOWN_QUIET_US : SETTLE_QUIET_US;
    return wsf_now_us() - last >= quiet;
}

/* The step with its named bounds replaced by this server's values; the
 * copy shares everything else with the scenario's step. */
static wsf_step with_bounds(const wsf_bounds *bs, const wsf_step *orig)
{
    wsf_step st = *orig;
    if (st.bound) {
        int64_t us = wsf_bound_effective(bs, st.bound);
        switch (st.kind) {
        case WSF_STEP_WAIT:
            st.u.wait.us = us;
            break;
        case WSF_STEP_HANDSHAKE:
            st.u.handshake.within_us = us;
            break;
        case WSF_STEP_EXPECT:
            st.u.expect.within_us = us;
            break;
        default:
            break;
        }
    }
    if (st.size_bound && st.kind == WSF_STEP_EXPECT)
        st.u.expect.size = (uint64_t)wsf_bound_effective(bs, st.size_bound);
    return st;
}

static void run_step(run_ctx *c, const wsf_step *st)
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
        wsf_timeline_add_conn(&c->res->tl, c->peer->conn, WSF_EV_BYTES, WSF_DIR_OUT, "raw",
                              "%zu raw bytes", st->u.raw.bytes.len);
        wsf_peer_send(c->peer, st->u.raw.bytes.data, st->u.raw.bytes.len);
        c->peer->frame_cut = true;
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
    case WSF_STEP_WAIT:
        rc_run_until(c, NULL, c->step_start_us + st->u.wait.us);
        break;
    case WSF_STEP_EXPECT:
        step_expect(c, st);
        break;
    }
}

static int rank(wsf_check_result r)
{
    static const int order[] = {
        [WSF_CHECK_PASS] = 0,      [WSF_CHECK_SKIPPED] = 1,     [WSF_CHECK_INFO] = 2,
        [WSF_CHECK_NONSTRICT] = 3, [WSF_CHECK_NOT_REACHED] = 4, [WSF_CHECK_FAIL] = 5};
    return order[r];
}

/* A step for a set leaves one check per member it reached; they become one,
 * which speaks for the set: the worst member's result and what it found,
 * with how many of the set passed. */
static void merge_set_checks(run_ctx *c, size_t from, const wsf_conn_set *set)
{
    wsf_result *res = c->res;
    size_t n = res->n_checks - from, passed = 0, worst = from;
    if (n == 0) return;
    for (size_t i = from; i < res->n_checks; i++) {
        if (res->checks[i].result == WSF_CHECK_PASS) passed++;
        if (rank(res->checks[i].result) > rank(res->checks[worst].result)) worst = i;
        if (res->checks[i].t_us > res->checks[from].t_us)
            res->checks[from].t_us = res->checks[i].t_us;
    }
    wsf_check *k = &res->checks[from], *w = &res->checks[worst];
    char *expected = wsf_xasprintf("on each of the %zu connections %s1 .. %s%zu: %s", set->n,
                                   set->name, set->name, set->n, w->expected ? w->expected : "");
    char *actual;
    if (w->result == WSF_CHECK_PASS)
        actual = wsf_xasprintf("so on all %zu", set->n);
    else
        actual = wsf_xasprintf("%s (%zu of %zu passed%s)", w->actual ? w->actual : "?", passed,
                               set->n, n < set->n ? "; the others were not reached" : "");
    k->result = w->result;
    for (size_t i = from; i < res->n_checks; i++) {
        free(res->checks[i].expected);
        free(res->checks[i].actual);
        if (i > from) {
            free(res->checks[i].text);
            free(res->checks[i].conn);
        }
    }
    k->expected = expected;
    k->actual = actual;
    res->n_checks = from + 1;
}

/* A step runs on its connection, or on each member of its set in turn. A
 * wait in it is counted from the step's start for every member, so the
 * members' waits overlap instead of adding up. */
static void run_step_on(run_ctx *c, const wsf_step *st)
{
    if (st->set < 0) {
        c->peer = &c->conns[st->conn];
        c->member = NULL;
        run_step(c, st);
        return;
    }
    const wsf_conn_set *set = &c->sc->sets[st->set];
    size_t from = c->res->n_checks;
    for (size_t m = 0; m < set->n && !c->stop; m++) {
        c->peer = &c->conns[set->first + m];
        c->member = c->sc->conns[set->first + m];
        run_step(c, st);
    }
    c->member = NULL;
    merge_set_checks(c, from, set);
}

static bool ensure_target(wsf_runner *r, run_ctx *c)
{
    if (!r->target) return true;
    if (r->inst_up && r->inst.running) return true;
    if (r->inst_up) {
        /* It died in an earlier scenario; that one was told. Start afresh. */
        wsf_instance_stop(&r->inst);
        r->inst_up = false;
    }
    if (r->start_error) {
        rc_error(c, 0, "target '%s' failed to start earlier in this run; not tried again:\n%s",
                 r->target->name, r->start_error);
        return false;
    }
    char err[8192];
    if (wsf_instance_start(&r->inst, r->target, &r->vars, r->loop, err, sizeof err) < 0) {
        r->start_error = wsf_xstrdup(err);
        rc_error(c, 0, "%s", err);
        return false;
    }
    r->inst_up = true;
    wsf_timeline_add(&c->res->tl, WSF_EV_TARGET, WSF_DIR_NONE, "ready", "pid %d, %s",
                     (int)r->inst.pid, r->inst.url);
    return true;
}

void wsf_runner_run(wsf_runner *r, const wsf_scenario *sc, wsf_result *res)
{
    memset(res, 0, sizeof *res);
    res->sc = sc;
    res->verdict = WSF_PASS;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    res->started_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    wsf_timeline_init(&res->tl, wsf_now_us());
    run_ctx c = {.r = r, .sc = sc, .res = res};
    take_between(r, &res->tl);
    r->tl = &res->tl;
    c.n_conns = sc->n_conns ? sc->n_conns : 1;
    c.conns = wsf_xcalloc(c.n_conns, sizeof *c.conns);
    for (size_t i = 0; i < c.n_conns; i++) {
        wsf_peer_init(&c.conns[i], r->loop, &res->tl);
        c.conns[i].conn = (int)i;
    }
    c.peer = &c.conns[0];

    if (ensure_target(r, &c)) {
        char err[512];
        const char *url = r->target ? r->inst.url : r->url;
        res->url = wsf_xstrdup(url);
        for (size_t i = 0; i < c.n_conns && res->verdict == WSF_PASS; i++)
            if (wsf_peer_set_url(&c.conns[i], url, err, sizeof err) < 0) rc_error(&c, 0, "%s", err);
    }
    r->n_run++;
    wsf_wire_facts_init(&c.wire);
    if (res->verdict == WSF_PASS) capture_begin(r, &c);
    if (res->verdict == WSF_PASS && !c.cap && needs_wire(sc)) {
        res->verdict = WSF_SKIP;
        res->reason = wsf_xasprintf("skip: %s", r->capture ? r->capture_off_why
                                                           : "capture turned off (--no-capture)");
        c.stop = true;
    }
    if (res->verdict == WSF_PASS && !r->target && scenario_ends_target(sc)) {
        res->verdict = WSF_SKIP;
        res->reason = wsf_xstrdup("skip: it signals the target or expects it to exit, and with "
                                  "--url there is no process (without --url, --target starts one)");
        c.stop = true;
    }
    bool target_was_up = r->target && r->inst_up && r->inst.running;
    if (target_was_up) {
        c.fd_baseline = wsf_proc_group_fd_total(r->inst.pid);
        c.rss_start = c.rss_max = wsf_proc_group_rss_total(r->inst.pid);
        c.next_sample_us = wsf_now_us() + RSS_SAMPLE_US;
    } else {
        c.next_sample_us = INT64_MAX;
    }

    size_t i = 0;
    for (; i < sc->n_steps && !c.stop; i++) {
        wsf_step st = with_bounds(&r->bounds, &sc->steps[i]);
        c.step = &st;
        c.step_start_us = wsf_now_us();
        int conn = wsf_scenario_named_conns(sc) && wsf_step_has_conn(&st) && st.set < 0
                       ? (int)st.conn
                       : -1;
        wsf_timeline_add_conn(&res->tl, conn, WSF_EV_STEP, WSF_DIR_NONE, "step", "line %d: %s",
                              st.line, st.text);
        run_step_on(&c, &st);
    }
    c.step = NULL;
    /* What was not reached is listed, so a report shows the whole scenario. */
    for (; i < sc->n_steps; i++) {
        const wsf_step *st = &sc->steps[i];
        c.step = st; /* so that the check names its connection */
        if (st->kind == WSF_STEP_EXPECT || (st->kind == WSF_STEP_HANDSHAKE && st->u.handshake.wait))
            rc_add_check(&c, st->line, st->text);
    }
    c.step = NULL;

    if (!r->loop->interrupted) rc_teardown(&c);
    for (size_t i = 0; i < c.n_conns; i++)
        if (c.conns[i].io.fd >= 0) wsf_peer_close(&c.conns[i]);
    /* Give the target's last log lines a moment to arrive through the pipes,
     * then judge what needs the whole scenario: its log, and whether it
     * survived. */
    if ((r->target && r->inst_up) || r->tail_open) {
        c.settle_from = wsf_now_us();
        int64_t stop =
            c.settle_from +
            (c.teardown_us ? wsf_bound_effective(&r->bounds, WSF_BOUND_CLOSE_TCP) : SETTLE_MAX_US);
        while (!target_quiet(&c) && wsf_now_us() < stop && !r->loop->interrupted)
            wsf_loop_run_once(r->loop, wsf_now_us() + SETTLE_QUIET_US);
        if (r->target) wsf_instance_drain(&r->inst);
        if (r->tail_open) wsf_logtail_poll(&r->tail);
    }
    capture_end(&c);
    if (c.n_conns > 1) wire_events_to_conns(&c);
    if (res->verdict != WSF_ERROR && res->verdict != WSF_SKIP && !r->loop->interrupted)
        rc_judge_at_end(&c);
    /* A target that died is the finding, whatever went wrong after it (a
     * refused reconnect is an error only in appearance). */
    if (target_was_up && !r->inst.running && !r->loop->interrupted && !scenario_ends_target(sc)) {
        /* A death once wsfault was ending the connection itself is told,
         * but is not the scenario's doing. */
        bool in_teardown = c.teardown_us && r->inst.exited_us >= c.teardown_us;
        wsf_check *k = rc_add_check(&c, 0,
                                    in_teardown ? "target survives the teardown (implicit; "
                                                  "wsfault's own clean close)"
                                                : "target survives the scenario (implicit)");
        if (in_teardown) k->level = WSF_LEVEL_INFO;
        char st[96];
        wsf_describe_status(r->inst.status, st, sizeof st);
        char a[32];
        wsf_format_duration(r->inst.exited_us - res->tl.origin_us, a, sizeof a);
        if (!in_teardown) {
            res->verdict = WSF_PASS; /* so check_done records this as the reason */
            free(res->reason);
            res->reason = NULL;
        }
        rc_check_done(&c, k, false, wsf_xstrdup("the target process still running"),
                      wsf_xasprintf("it %s at +%s", st, a));
    }
    /* A documented defect still fails, visibly, but does not fail the run;
     * a known failure that passes is reported so its entry can go. */
    const wsf_target *file = r->target ? r->target : r->described;
    const wsf_known *k = file ? wsf_target_known(file, sc->file, sc->case_label) : NULL;
    if (k) {
        res->known = k->why;
        if (res->verdict == WSF_FAIL) res->verdict = WSF_KNOWN;
    }
    /* A target that was signalled may still be on its way out: it must not
     * die during the next scenario and be blamed on it. Stop it here (its
     * end goes on this timeline) and start afresh next time. */
    if (r->inst_up && scenario_ends_target(sc)) {
        wsf_instance_stop(&r->inst);
        r->inst_up = false;
    }
    for (size_t i = 0; i < c.n_conns; i++)
        wsf_peer_free(&c.conns[i]);
    free(c.conns);
    clear_lines(r);
    /* Packets and log lines are stamped when they happened but added when
     * read: put the timeline in time order for whoever reads it. */
    wsf_timeline_sort(&res->tl);
    r->tl = NULL;
    res->duration_us = wsf_timeline_now(&res->tl);
}
