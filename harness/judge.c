/* Expectations about what the target did beyond the wire: its process, its
 * log, its resources, and the facts of how the connection closed. Each one
 * ends in rc_check_done with what was expected and the evidence found. */
#include "procfs.h"
#include "runctx.h"
#include "checks.h"
#include "describe.h"
#include "wait.h"

#include <inttypes.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* fds and sockets are looked at this often while waiting for them. */
#define POLL_US 10000

/* With --url there is no process to look at: a check that needs one is
 * skipped with the reason, and the rest of the scenario is still judged. */
static bool target_needed(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    if (c->r->target) return true;
    rc_check_skip(c, k, wsf_xstrdup(st->text),
                  "with --url there is no process to watch (without --url, --target starts one)");
    return false;
}

/* The log is the target's output, or with --url the file --log follows. */
static bool log_needed(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    if (c->r->target || c->r->tail_open) return true;
    rc_check_skip(c, k, wsf_xstrdup(st->text),
                  c->r->log_off_why ? c->r->log_off_why
                                    : "with --url there is no log to read (--log FILE follows the "
                                      "server's)");
    return false;
}

/* Runs the loop until cond holds or the deadline, looking again every
 * POLL_US for conditions no event announces (fd counts, socket tables). */
static bool poll_until(run_ctx *c, cond_fn cond, int64_t deadline)
{
    for (;;) {
        if (cond(c)) return true;
        int64_t now = wsf_now_us();
        if (now >= deadline || c->stop) return false;
        int64_t next = now + POLL_US < deadline ? now + POLL_US : deadline;
        rc_run_until(c, NULL, next);
    }
}

static char *ago(run_ctx *c, int64_t abs_us)
{
    char a[32];
    wsf_format_duration(abs_us - c->res->tl.origin_us, a, sizeof a);
    return wsf_xasprintf("+%s", a);
}

static char *mib(int64_t bytes)
{
    return wsf_xasprintf("%.1f MiB", bytes / 1048576.0);
}

/* --- the process ----------------------------------------------------------------- */

static bool target_gone(run_ctx *c)
{
    return !c->r->inst.running;
}

static char *exit_story(run_ctx *c)
{
    if (c->r->inst.running) return NULL;
    char st[96];
    wsf_describe_status(c->r->inst.status, st, sizeof st);
    char *t = ago(c, c->r->inst.exited_us);
    char *s = wsf_xasprintf("the target %s at %s", st, t);
    free(t);
    return s;
}

static void judge_process(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    const wsf_expect *e = &st->u.expect;
    wsf_instance *in = &c->r->inst;
    int64_t deadline = c->step_start_us + e->within_us;
    char d[32];
    wsf_format_duration(e->within_us, d, sizeof d);
    char *expected, *actual = NULL;
    bool ok;
    switch (e->kind) {
    case WSF_EXP_TARGET_ALIVE:
        if (e->for_time) {
            expected = wsf_xasprintf("the target process running for %s", d);
            rc_run_until(c, target_gone, deadline);
        } else {
            expected = wsf_xstrdup("the target process running");
        }
        ok = in->running;
        actual = exit_story(c);
        break;
    case WSF_EXP_TARGET_EXITED:
        if (e->exit_status >= 0)
            expected =
                wsf_xasprintf("the target exits with status %d within %s", e->exit_status, d);
        else
            expected = wsf_xasprintf("the target exits within %s", d);
        rc_run_until(c, target_gone, deadline);
        ok = !in->running && WIFEXITED(in->status) &&
             (e->exit_status < 0 || WEXITSTATUS(in->status) == e->exit_status);
        actual = exit_story(c);
        if (!actual) actual = wsf_xasprintf("still running after %s", d);
        break;
    case WSF_EXP_TARGET_ENDED:
        expected = wsf_xasprintf("the target exits (with any status, or by a signal) within %s", d);
        rc_run_until(c, target_gone, deadline);
        ok = !in->running;
        actual = exit_story(c);
        if (!actual) actual = wsf_xasprintf("still running after %s", d);
        break;
    default: /* WSF_EXP_TARGET_KILLED */
        expected =
            wsf_xasprintf("the target killed by SIG%s within %s", wsf_signal_name(e->signal), d);
        rc_run_until(c, target_gone, deadline);
        ok = !in->running && WIFSIGNALED(in->status) && WTERMSIG(in->status) == e->signal;
        actual = exit_story(c);
        if (!actual) actual = wsf_xasprintf("still running after %s", d);
        break;
    }
    rc_check_done(c, k, ok, expected, actual);
}

/* --- resources --------------------------------------------------------------- */

/* The target is its whole process group: a launcher in front of the server,
 * a master and its workers, each counted. The text says which processes
 * were looked at: "...; the target's process group now: 2 processes: sh
 * 4242 (3 fds), python3 4243 (53 fds)". */
static char *with_group(run_ctx *c, char *text, int what)
{
    wsf_proc_group g;
    wsf_proc_group_read("/proc", c->r->inst.pid, what, &g);
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_buf_appendf(&b, "%s; the target's process group now: ", text);
    wsf_proc_group_describe(&g, what, &b);
    wsf_proc_group_free(&g);
    free(text);
    return (char *)b.data;
}

static bool fds_back(run_ctx *c)
{
    int n = wsf_proc_group_fd_total(c->r->inst.pid);
    return n >= 0 && n <= c->fd_baseline;
}

static void judge_fds(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    const wsf_expect *e = &st->u.expect;
    char d[32];
    wsf_format_duration(e->within_us, d, sizeof d);
    char *expected = wsf_xasprintf("the open fds of the target's process group back to %d (at "
                                   "the start) within %s",
                                   c->fd_baseline, d);
    if (!c->r->inst.running) {
        rc_check_done(c, k, false, expected, exit_story(c));
        return;
    }
    bool ok = poll_until(c, fds_back, c->step_start_us + e->within_us);
    int n = wsf_proc_group_fd_total(c->r->inst.pid);
    char *actual = ok ? wsf_xasprintf("%d open fds", n)
                      : wsf_xasprintf("%d open fds after %s, %+d over the %d at the start", n, d,
                                      n - c->fd_baseline, c->fd_baseline);
    rc_check_done(c, k, ok, expected, with_group(c, actual, WSF_PROC_FDS));
}

/* The target's processes, when wsfault started them; g is emptied when not. */
static bool target_group(run_ctx *c, wsf_proc_group *g)
{
    *g = (wsf_proc_group){0};
    return c->r->target && c->r->inst.pid > 0 &&
           wsf_proc_group_read("/proc", c->r->inst.pid, 0, g) >= 0;
}

/* The first of this scenario's connections the target still holds, and in
 * *who which of its processes has it ("fd 7 of python3 4243"), or NULL when
 * that is not known. The socket table says only that some process holds an
 * entry (inode not 0): with the target's processes at hand, an entry none of
 * them has among its fds is not the target's. Without them (--url), or when
 * a process's fds cannot be read, a held entry counts as the target's. */
static int held_connection(run_ctx *c, wsf_tcp_entry *e, uint16_t *port, char **who)
{
    uint16_t tport = wsf_peer_target_port(c->peer);
    wsf_proc_group g;
    bool mine = target_group(c, &g);
    wsf_tcp_table t;
    bool readable = wsf_tcp_table_read(&t) == 0;
    int held = 0;
    for (size_t n = 0; n < c->n_conns && held == 0; n++) {
        const wsf_peer *pr = &c->conns[n];
        for (size_t i = 0; i < pr->n_local_ports && held == 0; i++) {
            int r = readable ? wsf_tcp_table_held(&t, tport, pr->local_ports[i], e) : -1;
            if (r == 1 && mine) {
                int fd = -1;
                int p = wsf_proc_group_socket(&g, e->inode, &fd);
                if (p == -1) continue;
                if (who && p >= 0)
                    *who =
                        wsf_xasprintf("fd %d of %s %d", fd, g.procs[p].name, (int)g.procs[p].pid);
            }
            if (r != 0) {
                *port = pr->local_ports[i];
                held = r;
            }
        }
    }
    wsf_tcp_table_free(&t);
    wsf_proc_group_free(&g);
    return held;
}

bool rc_connections_released(run_ctx *c)
{
    wsf_tcp_entry e;
    uint16_t port;
    return held_connection(c, &e, &port, NULL) == 0;
}

static void judge_socket(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    const wsf_expect *e = &st->u.expect;
    char d[32];
    wsf_format_duration(e->within_us, d, sizeof d);
    size_t made = 0;
    for (size_t n = 0; n < c->n_conns; n++)
        made += c->conns[n].n_local_ports;
    char *expected = wsf_xasprintf("the target holds none of this scenario's %zu connection%s "
                                   "within %s",
                                   made, made == 1 ? "" : "s", d);
    bool ok = poll_until(c, rc_connections_released, c->step_start_us + e->within_us);
    wsf_tcp_entry te;
    uint16_t port = 0;
    char *who = NULL;
    int held = ok ? 0 : held_connection(c, &te, &port, &who);
    char *actual = NULL;
    if (held < 0)
        actual = wsf_xstrdup("the kernel's socket tables (/proc/net/tcp) cannot be read");
    else if (held > 0)
        actual = wsf_xasprintf("after %s the target still holds its end of the connection from "
                               "port %u, in %s%s%s%s",
                               d, port, wsf_tcp_state_name(te.state), who ? " (" : "",
                               who ? who : "", who ? ")" : "");
    free(who);
    wsf_proc_group g;
    if (target_group(c, &g)) {
        wsf_proc_group_free(&g);
        actual = with_group(c, actual ? actual : wsf_xstrdup("none held"), 0);
    }
    rc_check_done(c, k, ok && held == 0, expected, actual);
}

static void judge_rss(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    const wsf_expect *e = &st->u.expect;
    rc_sample(c);
    char *limit = mib((int64_t)e->size);
    char *peak = mib(c->rss_max), *start = mib(c->rss_start);
    char *expected, *actual;
    bool ok;
    if (e->kind == WSF_EXP_RSS_BELOW) {
        expected =
            wsf_xasprintf("the RSS of the target's process group below %s throughout", limit);
        ok = c->rss_max >= 0 && (uint64_t)c->rss_max < e->size;
        actual = wsf_xasprintf("a peak of %s (%s at the start)", peak, start);
    } else {
        expected =
            wsf_xasprintf("the RSS of the target's process group to grow by less than %s", limit);
        ok = c->rss_max >= 0 && (uint64_t)(c->rss_max - c->rss_start) < e->size;
        char *growth = mib(c->rss_max - c->rss_start);
        actual = wsf_xasprintf("grew by %s, from %s to a peak of %s", growth, start, peak);
        free(growth);
    }
    free(limit);
    free(peak);
    free(start);
    rc_check_done(c, k, ok, expected, with_group(c, actual, WSF_PROC_RSS));
}

/* --- the log ------------------------------------------------------------------ */

/* The index of the first log line of this scenario at or after from that
 * matches the expectation's pattern p, or -1. A pattern that gives up on a
 * line (a match limit) makes the scenario an error naming it: taking that
 * for no match could fail (or pass) the scenario wrongly. */
static long find_line(run_ctx *c, const wsf_step *st, size_t p, size_t from)
{
    const wsf_expect *e = &st->u.expect;
    wsf_runner *r = c->r;
    for (size_t i = from; i < r->n_lines; i++) {
        const struct wsf_line *l = &r->lines[i];
        if (!l->is_log || l->abs_us < c->res->tl.origin_us) continue;
        wsf_rx_result m = wsf_rx_match(e->regexes[p], l->text, NULL);
        if (m == WSF_RX_MATCH) return (long)i;
        if (m == WSF_RX_GAVE_UP) {
            wsf_buf b;
            wsf_buf_init(&b);
            wsf_escape_bytes((const uint8_t *)l->text, strlen(l->text), 200, &b);
            rc_error(c, st->line,
                     "the pattern /%s/ gave up on the log line \"%s\": %s, so whether it "
                     "matches cannot be told",
                     e->patterns[p], (char *)b.data, WSF_RX_GAVE_UP_WHY);
            wsf_buf_free(&b);
            return -1;
        }
    }
    return -1;
}

/* How far the patterns of a "log in order" got: each must follow the last. */
static size_t patterns_found(run_ctx *c, const wsf_step *st, long *last)
{
    const wsf_expect *e = &st->u.expect;
    size_t from = 0, n = 0;
    *last = -1;
    for (; n < e->n_patterns; n++) {
        long i = find_line(c, st, n, from);
        if (i < 0) break;
        *last = i;
        from = (size_t)i + 1;
    }
    return n;
}

static bool all_patterns_found(run_ctx *c)
{
    long last;
    /* A pattern that gave up stopped the scenario: no use waiting on. */
    return patterns_found(c, c->step, &last) == c->step->u.expect.n_patterns || c->stop;
}

#define MAX_MARKED 100

/* How strongly a mark asks for attention: an alarm stays an alarm, and a
 * line a check cites stays cited when an alarm in it is only noted. */
static int mark_rank(const char *mark)
{
    return !mark ? 0 : !strcmp(mark, "alarm") ? 3 : !strcmp(mark, "match") ? 2 : 1;
}

/* Marks the line's timeline event, for reports to highlight: "match" (a
 * check cites it), "alarm" (it fails the scenario), "noted" (an alarm that
 * does not: a low level, or the teardown). */
static void mark_line(run_ctx *c, long i, const char *mark)
{
    uint32_t no = c->r->lines[i].no;
    wsf_timeline *tl = &c->res->tl;
    for (size_t k = 0; k < tl->n; k++) {
        wsf_event *e = &tl->ev[k];
        if (e->kind != WSF_EV_LOG || e->line_no != no) continue;
        if (mark_rank(mark) > mark_rank(e->mark)) e->mark = mark;
        return;
    }
}

/* The line as evidence in a check's actual text; it is marked as cited. */
static char *quote_line(run_ctx *c, long i)
{
    const struct wsf_line *l = &c->r->lines[i];
    mark_line(c, i, "match");
    wsf_buf b;
    wsf_buf_init(&b);
    char *t = ago(c, l->abs_us);
    wsf_buf_appendf(&b, "at %s: \"", t);
    free(t);
    wsf_escape_bytes((const uint8_t *)l->text, strlen(l->text), 200, &b);
    wsf_buf_appendf(&b, "\"");
    return (char *)b.data;
}

static void judge_log(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    const wsf_expect *e = &st->u.expect;
    char d[32];
    wsf_format_duration(e->within_us, d, sizeof d);
    wsf_buf x;
    wsf_buf_init(&x);
    wsf_buf_appendf(&x,
                    e->n_patterns > 1 ? "log lines matching, in order," : "a log line matching");
    for (size_t i = 0; i < e->n_patterns; i++)
        wsf_buf_appendf(&x, " /%s/", e->patterns[i]);
    wsf_buf_appendf(&x, " within %s", d);
    rc_run_until(c, all_patterns_found, c->step_start_us + e->within_us);
    long last;
    size_t n = patterns_found(c, st, &last);
    bool ok = n == e->n_patterns;
    char *actual;
    if (ok) {
        for (size_t p = 0, from = 0; p + 1 < e->n_patterns; p++) {
            long i = find_line(c, st, p, from);
            mark_line(c, i, "match");
            from = (size_t)i + 1;
        }
        actual = quote_line(c, last);
    } else if (n == 0) {
        actual = wsf_xasprintf("no line matched /%s/ within %s", e->patterns[0], d);
    } else {
        char *q = quote_line(c, last);
        actual = wsf_xasprintf("/%s/ matched %s, but no line after it matched /%s/ within %s",
                               e->patterns[n - 1], q, e->patterns[n], d);
        free(q);
    }
    rc_check_done(c, k, ok, (char *)x.data, actual);
}

static bool no_log_line_yet(run_ctx *c)
{
    return find_line(c, c->step, 0, 0) >= 0 || c->stop;
}

static void judge_no_log(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    const wsf_expect *e = &st->u.expect;
    char d[32];
    wsf_format_duration(e->within_us, d, sizeof d);
    if (e->until_end) {
        /* Judged by rc_judge_at_end; the mark says the scenario got here. */
        k->expected = wsf_xstrdup("(judged at the end)");
        return;
    }
    char *expected =
        e->within_us
            ? wsf_xasprintf("no log line matching /%s/, so far and for %s", e->patterns[0], d)
            : wsf_xasprintf("no log line matching /%s/ so far", e->patterns[0]);
    if (e->within_us) rc_run_until(c, no_log_line_yet, c->step_start_us + e->within_us);
    long i = find_line(c, st, 0, 0);
    rc_check_done(c, k, i < 0, expected, i < 0 ? NULL : quote_line(c, i));
}

/* --- the connection ------------------------------------------------------------ */

static void judge_states(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    const wsf_expect *e = &st->u.expect;
    wsf_buf x, a;
    wsf_buf_init(&x);
    wsf_buf_init(&a);
    for (size_t i = 0; i < e->n_states; i++)
        wsf_buf_appendf(&x, "%s%s", i ? " " : "", wsf_conn_state_name(e->states[i]));
    for (size_t i = 0; i < c->peer->n_cs_seen; i++)
        wsf_buf_appendf(&a, "%s%s", i ? " " : "", wsf_conn_state_name(c->peer->cs_seen[i]));
    bool ok = e->n_states == c->peer->n_cs_seen;
    for (size_t i = 0; ok && i < e->n_states; i++)
        ok = e->states[i] == (wsf_conn_state)c->peer->cs_seen[i];
    char *expected = wsf_xasprintf("the states %s", (char *)x.data);
    char *actual = wsf_xasprintf("%s", a.len ? (char *)a.data : "no state yet");
    wsf_buf_free(&x);
    wsf_buf_free(&a);
    rc_check_done(c, k, ok, expected, actual);
}

static const char *side(bool target)
{
    return target ? "the target" : "the peer";
}

/* Who sent the first Close, as the peer saw it. */
static int close_initiator(const wsf_peer *p)
{
    if (p->close_sent && (!p->close_received || p->close_sent_t <= p->close_received_t)) return 1;
    if (p->close_received) return 2;
    return 0;
}

static void judge_closing(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    const wsf_expect *e = &st->u.expect;
    const wsf_peer *p = c->peer;
    char *expected = NULL, *actual = NULL;
    bool ok = false;
    int who = close_initiator(p);
    switch (e->fact) {
    case WSF_FACT_INITIATOR:
        expected = wsf_xasprintf("%s sent the first Close", side(e->by_target));
        ok = who == (e->by_target ? 2 : 1);
        actual = who ? wsf_xasprintf("%s did", side(who == 2)) : wsf_xstrdup("no Close either way");
        break;
    case WSF_FACT_CLEAN:
        expected = wsf_xstrdup("a clean close: Close sent and received, then the target closed "
                               "TCP first, with FIN");
        ok = p->close_sent && p->close_received && p->tcp_ended_by == 2 && p->fin_in && !p->rst_in;
        if (ok) break;
        if (!p->close_sent || !p->close_received)
            actual = wsf_xasprintf("Close %s by the peer, %s from the target",
                                   p->close_sent ? "sent" : "not sent",
                                   p->close_received ? "received" : "none received");
        else if (p->tcp_ended_by == 1)
            actual = wsf_xstrdup("the peer ended TCP first");
        else if (p->rst_in)
            actual = wsf_xstrdup("the target reset TCP (RST)");
        else
            actual = wsf_xstrdup("TCP still open");
        break;
    case WSF_FACT_DROPPED:
        expected = wsf_xasprintf("%s ended TCP first", side(e->by_target));
        ok = p->tcp_ended_by == (e->by_target ? 2 : 1);
        actual = p->tcp_ended_by ? wsf_xasprintf("%s did", side(p->tcp_ended_by == 2))
                                 : wsf_xstrdup("TCP still open both ways");
        break;
    case WSF_FACT_CODE: {
        wsf_buf b;
        wsf_buf_init(&b);
        wsf_buf_appendf(&b, "the target's first Close: ");
        rc_describe_codes(&b, e);
        expected = (char *)b.data;
        ok =
            p->close_received && rc_code_accepted(e, p->close_code_rx) &&
            (!e->check_reason || (p->close_reason_rx.len == e->reason.len &&
                                  !memcmp(p->close_reason_rx.data, e->reason.data, e->reason.len)));
        if (!p->close_received) {
            actual = wsf_xstrdup("no Close from the target");
        } else {
            wsf_buf_init(&b);
            rc_describe_close(&b, p->close_code_rx, p->close_reason_rx.data,
                              p->close_reason_rx.len);
            actual = (char *)b.data;
        }
        break;
    }
    }
    rc_check_done(c, k, ok, expected, actual);
}

/* --- the wire ------------------------------------------------------------------ */

/* The facts a wire expectation judges: the whole scenario's, or with
 * "name:" those of that connection's segments (buf holds them). */
static const wsf_wire_facts *wire_facts(run_ctx *c, const wsf_step *st, wsf_wire_facts *buf)
{
    if (!st->named) return &c->wire;
    wsf_wire_facts_of_ports(&c->wire, c->peer->local_ports, c->peer->n_local_ports, buf);
    return buf;
}

static bool wire_fact_seen(run_ctx *c)
{
    const wsf_expect *e = &c->step->u.expect;
    wsf_wire_facts buf;
    const wsf_wire_facts *w = wire_facts(c, c->step, &buf);
    int side = e->by_target ? 1 : 0;
    switch (e->wire) {
    case WSF_WIRE_FIN:
        return w->first_fin_t[side] >= 0;
    case WSF_WIRE_RST:
    case WSF_WIRE_NO_RST:
        return w->first_rst_t[side] >= 0;
    case WSF_WIRE_ZERO_WINDOW:
        return w->first_zero_window_t >= 0;
    default:
        return false;
    }
}

static char *at(int64_t t)
{
    char a[32];
    wsf_format_duration(t, a, sizeof a);
    return wsf_xasprintf("+%s", a);
}

/* Under TLS the target ends its stream with close_notify, and a TLS server
 * may then keep TCP open until the client's own close_notify (lws does),
 * which this peer never sends unasked: the end was there, only not as a
 * FIN. The earliest close_notify of the connections the step is about
 * (before `before`, when that is not -1), or -1. */
static int64_t tls_end_before(run_ctx *c, const wsf_step *st, int64_t before)
{
    int64_t first = -1;
    for (size_t i = 0; i < c->n_conns; i++) {
        const wsf_peer *p = st->named ? c->peer : &c->conns[i];
        if (p->tls_notify_in && (before < 0 || p->tls_notify_in_t < before) &&
            (first < 0 || p->tls_notify_in_t < first))
            first = p->tls_notify_in_t;
        if (st->named) break;
    }
    return first;
}

/* A wire FIN check the target's close_notify at tls_t answers instead:
 * skipped with why, never failed. */
static void skip_for_tls_end(run_ctx *c, wsf_check *k, char *expected, int64_t tls_t,
                             const char *lead, const char *tail)
{
    char *t = at(tls_t);
    char *why = wsf_xasprintf("TLS: %sthe target ended its stream with close_notify at %s%s; a "
                              "TLS server may hold TCP open until the client's close_notify",
                              lead, t, tail);
    free(t);
    rc_check_skip(c, k, expected, why);
    free(why);
}

static void judge_wire(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    const wsf_expect *e = &st->u.expect;
    wsf_wire_facts buf;
    const wsf_wire_facts *w = &c->wire;
    const char *who = side(e->by_target);
    int s = e->by_target ? 1 : 0;
    char d[32];
    wsf_format_duration(e->within_us, d, sizeof d);
    char *expected = NULL, *actual = NULL;
    bool ok = false;
    /* Packets reach the capture a moment after the socket saw their effect:
     * read what is there before judging. */
    if (c->cap) wsf_capture_poll(c->cap);
    w = wire_facts(c, st, &buf);
    switch (e->wire) {
    case WSF_WIRE_FIN_FIRST: {
        expected = wsf_xasprintf("the first FIN on the wire from %s", who);
        int64_t mine = w->first_fin_t[s], other = w->first_fin_t[!s];
        ok = mine >= 0 && (other < 0 || mine <= other);
        if (mine < 0 && other < 0)
            actual = wsf_xstrdup("no FIN on the wire yet");
        else {
            int first = other >= 0 && (mine < 0 || other < mine) ? !s : s;
            char *t = at(w->first_fin_t[first]);
            actual = wsf_xasprintf("the first FIN came from %s, at %s", side(first == 1), t);
            free(t);
        }
        int64_t tls_t = e->by_target && !ok ? tls_end_before(c, st, other) : -1;
        if (tls_t >= 0) {
            free(actual);
            skip_for_tls_end(c, k, expected, tls_t, "", ", before the peer's FIN");
            return;
        }
        break;
    }
    case WSF_WIRE_FIN:
    case WSF_WIRE_RST:
    case WSF_WIRE_ZERO_WINDOW: {
        const char *what = e->wire == WSF_WIRE_FIN   ? "FIN"
                           : e->wire == WSF_WIRE_RST ? "RST"
                                                     : "zero window";
        expected = wsf_xasprintf("a %s on the wire from %s within %s", what, who, d);
        rc_run_until(c, wire_fact_seen, c->step_start_us + e->within_us);
        ok = wire_fact_seen(c);
        w = wire_facts(c, st, &buf);
        int64_t t = e->wire == WSF_WIRE_FIN   ? w->first_fin_t[s]
                    : e->wire == WSF_WIRE_RST ? w->first_rst_t[s]
                                              : w->first_zero_window_t;
        if (ok) {
            char *a = at(t);
            actual = wsf_xasprintf("at %s", a);
            free(a);
        } else {
            actual = wsf_xasprintf("none within %s (%u packets seen)", d, w->packets);
            int64_t tls_t =
                e->wire == WSF_WIRE_FIN && e->by_target ? tls_end_before(c, st, -1) : -1;
            if (tls_t >= 0) {
                free(actual);
                skip_for_tls_end(c, k, expected, tls_t, "no FIN, but ", "");
                return;
            }
        }
        break;
    }
    case WSF_WIRE_NO_RST:
        expected = e->within_us
                       ? wsf_xasprintf("no RST on the wire from %s, so far and for %s", who, d)
                       : wsf_xasprintf("no RST on the wire from %s so far", who);
        if (e->within_us) rc_run_until(c, wire_fact_seen, c->step_start_us + e->within_us);
        w = wire_facts(c, st, &buf);
        ok = w->first_rst_t[s] < 0;
        if (!ok) {
            char *a = at(w->first_rst_t[s]);
            actual = wsf_xasprintf("an RST from %s at %s", who, a);
            free(a);
        }
        break;
    case WSF_WIRE_RETRANS:
        expected = wsf_xasprintf("fewer than %" PRIu64 " retransmissions", e->size);
        ok = w->retransmissions[0] + w->retransmissions[1] < e->size;
        actual = wsf_xasprintf("%u from the peer, %u from the target", w->retransmissions[0],
                               w->retransmissions[1]);
        break;
    }
    rc_check_done(c, k, ok, expected, actual);
}

void rc_judge(run_ctx *c, const wsf_step *st, wsf_check *k)
{
    switch (st->u.expect.kind) {
    case WSF_EXP_TARGET_ALIVE:
    case WSF_EXP_TARGET_EXITED:
    case WSF_EXP_TARGET_KILLED:
    case WSF_EXP_TARGET_ENDED:
        if (target_needed(c, st, k)) judge_process(c, st, k);
        break;
    case WSF_EXP_RSS_BELOW:
    case WSF_EXP_RSS_GROWTH:
        if (target_needed(c, st, k)) judge_rss(c, st, k);
        break;
    case WSF_EXP_FDS_BASELINE:
        if (target_needed(c, st, k)) judge_fds(c, st, k);
        break;
    case WSF_EXP_SOCKET_RELEASED:
        judge_socket(c, st, k);
        break;
    case WSF_EXP_LOG:
        if (log_needed(c, st, k)) judge_log(c, st, k);
        break;
    case WSF_EXP_NO_LOG:
        if (log_needed(c, st, k)) judge_no_log(c, st, k);
        break;
    case WSF_EXP_STATES:
        judge_states(c, st, k);
        break;
    case WSF_EXP_CLOSING:
        judge_closing(c, st, k);
        break;
    case WSF_EXP_WIRE:
        judge_wire(c, st, k);
        break;
    default:
        break;
    }
}

/* One stream's log record being read, for the alarms. */
typedef struct {
    wsf_recorder rec;
    wsf_record_alarm ra;
    long first;         /* its first line, or -1 */
    long last;          /* the last line fed to it */
    bool level_gave_up; /* the level pattern gave up on its first line */
} alarm_reader;

/* What the alarms found: the first record that fails, and how many. */
typedef struct {
    long first, hit;
    wsf_log_level level;
    const wsf_pattern *alarm;
    size_t fails, marked;
} alarm_tally;

/* The text of a record's line, escaped, for a check or a note. */
static void append_line(wsf_buf *b, run_ctx *c, long i)
{
    const char *text = c->r->lines[i].text;
    wsf_buf_appendf(b, "\"");
    wsf_escape_bytes((const uint8_t *)text, strlen(text), 200, b);
    wsf_buf_appendf(b, "\"");
}

/* A record that ends "KeyboardInterrupt", begun after the scenario sent
 * SIGINT itself: Python's default answer to the signal the scenario chose
 * (it prints the traceback and dies of SIGINT), not a defect of the target. */
static bool is_keyboard_interrupt(const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
        n--;
    return n == strlen("KeyboardInterrupt") && !strncmp(line, "KeyboardInterrupt", n);
}

/* Python's last line of a traceback: "Name" or "Name: message", a dotted
 * identifier first. A line of another process (lws-echo: ...) is not. */
static bool is_exception_line(const char *line)
{
    if (!isalpha((unsigned char)*line) && *line != '_') return false;
    const char *p = line;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
        p++;
    return *p == '\0' || *p == '\r' || (p[0] == ':' && p[1] == ' ');
}

static bool python_sigint(run_ctx *c, const alarm_reader *a)
{
    const wsf_runner *r = c->r;
    if (!c->sigint_us) return false;
    /* Another process of the target's group writing to the same pipe (the
     * server a Python wrapper runs, closing its connections on the same
     * SIGINT) can put its lines before and in the middle of the traceback:
     * the traceback then starts inside a record of the other's, begun before
     * the SIGINT when its last line came less than WSF_RECORD_GAP_US before
     * the traceback, and ends in a later one. What must follow the SIGINT is
     * the traceback itself; its own last line is looked for past the
     * other's lines. */
    long start = a->ra.hit >= 0 ? a->ra.hit : a->first;
    bool traceback = !strncmp(r->lines[start].text, "Traceback (most recent call last):", 34);
    if (!traceback) start = a->first;
    if (r->lines[start].abs_us < c->sigint_us) return false;
    if (is_keyboard_interrupt(r->lines[a->last].text)) return true;
    if (!traceback) return false;
    wsf_log_streams stream = r->lines[start].stream;
    for (size_t i = (size_t)start + 1, seen = 0; i < r->n_lines && seen < 1000; i++) {
        const struct wsf_line *l = &r->lines[i];
        if (l->stream != stream) continue;
        seen++;
        if (l->text[0] == ' ') continue;
        if (!strncmp(l->text, "Traceback ", 10)) return false;
        if (is_exception_line(l->text)) return is_keyboard_interrupt(l->text);
    }
    return false;
}

/* An alarm that does not fail the scenario, said on its timeline where the
 * record begins. */
static void note_alarm(run_ctx *c, const alarm_reader *a, bool teardown)
{
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_buf_appendf(&b, "/%s/ ", a->ra.alarm->src);
    if (python_sigint(c, a))
        wsf_buf_appendf(&b, "in a KeyboardInterrupt traceback after the scenario's own SIGINT "
                            "(Python's default answer to it), so not failing");
    else if (teardown)
        wsf_buf_appendf(&b, "during teardown (after the scenario's last step, while wsfault "
                            "ended its connections), so not failing");
    else
        wsf_buf_appendf(&b, "in a record at level %s, below warning, so not failing",
                        wsf_log_level_name(a->ra.level));
    wsf_buf_appendf(&b, ": ");
    append_line(&b, c, a->first);
    if (a->ra.hit != a->first) {
        wsf_buf_appendf(&b, ", at its line ");
        append_line(&b, c, a->ra.hit);
    }
    wsf_timeline_add_at(&c->res->tl, c->r->lines[a->first].abs_us, WSF_EV_NOTE, WSF_DIR_NONE,
                        "alarm-noted", (char *)b.data);
    wsf_buf_free(&b);
}

/* A pattern that gave up on a line of a record (a match limit): whether the
 * record raises an alarm cannot be told, and taking it for "no alarm" or
 * "alarm" could be wrong either way, so the scenario is an error naming the
 * pattern and the line. */
static void record_gave_up(run_ctx *c, const alarm_reader *a)
{
    const wsf_runner *r = c->r;
    const wsf_target *tg = r->target ? r->target : r->described;
    const char *what = a->ra.gave_up ? "alarm or ignore" : "level";
    const char *src = a->ra.gave_up ? a->ra.gave_up->src : tg->level_pattern;
    long at = a->ra.gave_up ? a->ra.gave_up_at : a->first;
    wsf_buf b;
    wsf_buf_init(&b);
    append_line(&b, c, at);
    rc_error(c, 0,
             "the %s pattern /%s/ gave up on the log line %s: %s, so whether it is an alarm "
             "cannot be told",
             what, src, (char *)b.data, WSF_RX_GAVE_UP_WHY);
    wsf_buf_free(&b);
}

/* Judges the record a has read, once it is whole. */
static void settle_record(run_ctx *c, const alarm_reader *a, alarm_tally *t)
{
    if (a->first < 0) return;
    int64_t begun = c->r->lines[a->first].abs_us;
    if (begun < c->res->tl.origin_us) return; /* printed before this scenario */
    /* A level matters only to a record with an alarm. */
    if (a->ra.gave_up || (a->level_gave_up && a->ra.alarm)) {
        record_gave_up(c, a);
        return;
    }
    if (!a->ra.alarm) return;
    bool teardown = c->teardown_us && begun >= c->teardown_us;
    wsf_alarm_verdict v = wsf_record_alarm_verdict(&a->ra, teardown);
    if (v == WSF_ALARM_NONE) return;
    if (v == WSF_ALARM_FAILS && python_sigint(c, a)) v = WSF_ALARM_NOTED;
    /* Each mark is a search of the timeline: a target spewing alarms gets
     * its first ones marked and noted, and the count in the check. */
    if (t->marked++ >= MAX_MARKED) {
        if (v == WSF_ALARM_FAILS) t->fails++;
        return;
    }
    if (v == WSF_ALARM_NOTED) {
        mark_line(c, a->ra.hit, "noted");
        note_alarm(c, a, teardown);
        return;
    }
    mark_line(c, a->ra.hit, "alarm");
    if (t->fails++ == 0) {
        t->first = a->first;
        t->hit = a->ra.hit;
        t->level = a->ra.level;
        t->alarm = a->ra.alarm;
    }
}

/* The alarm check every scenario gets: no log record of the target's, while
 * the scenario ran, has a line matching an alarm pattern (unless an ignore
 * pattern exempts the record), at warning level or above, or at an unknown
 * one; crashes and sanitizer reports at any level. */
static void judge_alarms(run_ctx *c)
{
    wsf_runner *r = c->r;
    const wsf_target *t = r->target ? r->target : r->described;
    const wsf_rx *level_re = t && t->level_pattern ? t->level_re : NULL;
    alarm_reader streams[2] = {{.first = -1}, {.first = -1}};
    alarm_tally tally = {0};
    for (size_t i = 0; i < r->n_lines; i++) {
        const struct wsf_line *l = &r->lines[i];
        alarm_reader *a = &streams[l->stream == WSF_LOG_STDERR ? 0 : 1];
        if (wsf_record_feed(&a->rec, l->text, l->abs_us, level_re)) {
            settle_record(c, a, &tally);
            a->first = (long)i;
            wsf_record_alarm_begin(&a->ra, a->rec.level);
            a->level_gave_up = a->rec.level_gave_up;
        }
        wsf_record_alarm_line(&a->ra, r->alarms, r->ignore, l->text, (long)i);
        a->last = (long)i;
    }
    settle_record(c, &streams[0], &tally);
    settle_record(c, &streams[1], &tally);
    if (!tally.fails) return;

    wsf_check *k = rc_add_check(c, 0, "no alarm in the target's output (implicit)");
    wsf_buf b;
    wsf_buf_init(&b);
    char *q = quote_line(c, tally.first);
    wsf_buf_appendf(&b, "%s (level %s)", q, wsf_log_level_name(tally.level));
    free(q);
    if (tally.hit == tally.first) {
        wsf_buf_appendf(&b, ", matching /%s/", tally.alarm->src);
    } else {
        char *when = ago(c, r->lines[tally.hit].abs_us);
        wsf_buf_appendf(&b, ", whose line at %s: ", when);
        free(when);
        append_line(&b, c, tally.hit);
        wsf_buf_appendf(&b, " matches /%s/", tally.alarm->src);
    }
    if (tally.fails > 1)
        wsf_buf_appendf(&b, " (and %zu more alarming record%s)", tally.fails - 1,
                        tally.fails == 2 ? "" : "s");
    rc_check_done(c, k, false,
                  wsf_xstrdup("no log record at warning or above (or of unknown level) matching an "
                              "alarm pattern, nor a crash at any level"),
                  (char *)b.data);
}

/* What RFC 6455 forbids in the frames a server sends, whatever a scenario
 * expects of them: none of it is a matter of choice. */
static const char *frame_fault(const wsf_event *e)
{
    if (e->masked) return "a masked frame (5.2: \"A server MUST NOT mask any frames\")";
    if (e->rsv)
        return "RSV bits set with no extension negotiated (5.2: they \"MUST be 0 unless an "
               "extension is negotiated\")";
    if (e->opcode >= 8 && (!e->fin || e->len > 125))
        return "a control frame fragmented or over 125 bytes (5.5: \"All control frames MUST "
               "have a payload length of 125 bytes or less and MUST NOT be fragmented\")";
    if (e->opcode != 8) return NULL;
    if (e->close_code == -2)
        return "a Close with a 1-byte body (5.5.1: its first two bytes \"MUST be a 2-byte "
               "unsigned integer\")";
    if (e->close_code == 1005 || e->close_code == 1006 || e->close_code == 1015)
        return "a Close with a reserved code (7.4.1: 1005, 1006 and 1015 \"MUST NOT be set as a "
               "status code in a Close control frame by an endpoint\")";
    return NULL;
}

/* The implicit check that the target's frames are well-formed. One sent
 * while wsfault ended the connection itself is a fault all the same, but
 * not the scenario's doing: informational then. */
static void judge_target_frames(run_ctx *c)
{
    const wsf_timeline *tl = &c->res->tl;
    int64_t teardown = c->teardown_us ? c->teardown_us - tl->origin_us : INT64_MAX;
    for (size_t i = 0; i < tl->n; i++) {
        const wsf_event *e = &tl->ev[i];
        if (e->kind != WSF_EV_FRAME || e->dir != WSF_DIR_IN) continue;
        const char *why = frame_fault(e);
        if (!why) continue;
        bool late = e->t_us >= teardown;
        wsf_check *k = rc_add_check(c, 0,
                                    late ? "the target's frames are well-formed (implicit; "
                                           "during wsfault's own clean close)"
                                         : "the target's frames are well-formed (implicit)");
        if (late) k->level = WSF_LEVEL_INFO;
        char *t = ago(c, tl->origin_us + e->t_us);
        rc_check_done(c, k, false, wsf_xstrdup("frames as RFC 6455 allows a server to send"),
                      wsf_xasprintf("at %s: %s: %s", t, e->detail ? e->detail : "", why));
        free(t);
        return;
    }
}

void rc_judge_at_end(run_ctx *c)
{
    const wsf_scenario *sc = c->sc;
    for (size_t i = 0; i < sc->n_steps; i++) {
        const wsf_step *st = &sc->steps[i];
        if (st->kind != WSF_STEP_EXPECT || st->u.expect.kind != WSF_EXP_NO_LOG ||
            !st->u.expect.until_end || !(c->r->target || c->r->tail_open))
            continue;
        /* Its check was added, unjudged, when the step ran (or listed as
         * not reached); judge it now only if the scenario got that far. */
        for (size_t j = 0; j < c->res->n_checks; j++) {
            wsf_check *k = &c->res->checks[j];
            if (k->line != st->line || k->result != WSF_CHECK_NOT_REACHED || !k->expected) continue;
            free(k->expected);
            long hit = find_line(c, st, 0, 0);
            rc_check_done(c, k, hit < 0,
                          wsf_xasprintf("no log line matching /%s/ until the scenario ends",
                                        st->u.expect.patterns[0]),
                          hit < 0 ? NULL : quote_line(c, hit));
        }
    }
    judge_target_frames(c);
    if (c->r->target || c->r->tail_open) judge_alarms(c);
}
