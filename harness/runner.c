/* Runs scenarios: the runner's life (the target's output, its log, its
 * start), and for each scenario the loop over its steps, the teardown, the
 * settle, the capture and the checks made at its end. The steps themselves
 * are in steps.c (through connset.c for sets), waits in wait.c, checks in
 * checks.c. */
#include "runner.h"
#include "checks.h"
#include "connset.h"
#include "runctx.h"
#include "wait.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "procfs.h"

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
/* The lines a scenario keeps for its log checks, by memory: a line's slot,
 * its text and malloc's share of it. */
#define LINES_BYTES (8u << 20)
/* How long the capture goes on after a scenario's last step, at most: it
 * ends sooner once every connection has ended on the wire and no packet
 * came for CAPTURE_QUIET_US. */
#define CAPTURE_LINGER_US 30000
#define CAPTURE_QUIET_US 2000
/* The timeline's limit grows past its default with a scenario's
 * connections: this many events for each. */
#define EVENTS_PER_CONN 16
/* An event's slot and a detail of a line or so. */
#define BYTES_PER_EVENT 160

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
    size_t cost = sizeof *r->lines + len + 1 + 16;
    if (r->lines_bytes + cost > LINES_BYTES) {
        if (!r->lines_full) {
            char note[96];
            snprintf(note, sizeof note,
                     "log budget reached: %zu lines kept, later ones are not matched", r->n_lines);
            wsf_timeline_add_at(target_timeline(r), abs_us, WSF_EV_NOTE, WSF_DIR_NONE, "log-full",
                                note);
        }
        r->lines_full = true;
        return;
    }
    r->lines_bytes += cost;
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
    r->lines_bytes = 0;
    r->lines_full = false;
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

/* How wss:// servers are verified: --ca or --insecure, else the target
 * file's 'ca' or 'insecure', else the system's CAs. A CA file that cannot
 * be loaded is a usage error now, not an error in every scenario. */
int wsf_runner_choose_tls(const char *cli_ca, bool cli_insecure, const wsf_target *t,
                          const wsf_target_vars *vars, char **ca, bool *insecure)
{
    char err[1024];
    *ca = NULL;
    *insecure = cli_insecure;
    if (cli_ca) {
        *ca = wsf_xstrdup(cli_ca);
    } else if (!cli_insecure && t && t->tls_ca) {
        *ca = wsf_target_ca_path(t, vars, err, sizeof err);
        if (!*ca) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
    } else if (!cli_insecure && t) {
        *insecure = t->tls_insecure;
    }
    if (!*ca) return 0;
    wsf_tls_ctx *x = wsf_tls_ctx_new(*ca, false, err, sizeof err);
    if (!x) {
        fprintf(stderr, "wsfault: %s\n", err);
        free(*ca);
        *ca = NULL;
        return -1;
    }
    wsf_tls_ctx_free(x);
    return 0;
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
    wsf_proc_watch_free(&r->watch);
    clear_lines(r);
    free(r->lines);
    r->lines = NULL;
    r->cap_lines = 0;
    free(r->start_error);
    r->start_error = NULL;
    free(r->capture_off_why);
    r->capture_off_why = NULL;
    wsf_capture_close(r->cap);
    r->cap = NULL;
    wsf_tls_ctx_free(r->tls_ctx);
    r->tls_ctx = NULL;
    free(r->tls_trust_error);
    r->tls_trust_error = NULL;
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

/* The capture sees ports, not connections: once the scenario is over, each
 * segment goes to the connection that used its port (a port is used once
 * within a scenario; the target's own connections keep -1). */
static void wire_events_to_conns(run_ctx *c)
{
    /* A table of the ports, so that each segment is one look-up: ten
     * thousand connections must not cost segments x connections. */
    int *conn_of = wsf_xcalloc(65536, sizeof *conn_of);
    for (size_t k = c->n_conns; k-- > 0;) {
        const wsf_peer *p = &c->conns[k];
        for (size_t j = 0; j < p->n_local_ports; j++)
            conn_of[p->local_ports[j]] = (int)k + 1;
    }
    wsf_timeline *tl = &c->res->tl;
    for (size_t i = 0; i < tl->n; i++) {
        wsf_event *e = &tl->ev[i];
        if (e->kind == WSF_EV_WIRE && e->port && e->conn < 0) e->conn = conn_of[e->port] - 1;
    }
    free(conn_of);
}

static bool expects(const wsf_scenario *sc, wsf_expect_kind kind)
{
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].kind == WSF_STEP_EXPECT && sc->steps[i].u.expect.kind == kind) return true;
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
    uint16_t port = wsf_peer_target_port(c->peer);
    if (r->cap && (!wsf_capture_is_for(r->cap, ifname, host) ||
                   wsf_capture_retarget(r->cap, port, err, sizeof err) < 0)) {
        wsf_capture_close(r->cap);
        r->cap = NULL;
    }
    if (!r->cap) r->cap = wsf_capture_open(ifname, host, port, err, sizeof err, &denied);
    c->cap = r->cap;
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
        c->cap = r->cap = NULL;
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
    for (;;) {
        int64_t now = wsf_now_us();
        if (now >= until) break;
        wsf_capture_poll(c->cap);
        int64_t last = c->wire.last_t >= 0 ? c->res->tl.origin_us + c->wire.last_t : 0;
        if (wsf_wire_facts_all_ended(&c->wire) && now - last >= CAPTURE_QUIET_US) break;
        wsf_loop_run_once(c->r->loop,
                          now + CAPTURE_QUIET_US < until ? now + CAPTURE_QUIET_US : until);
    }
    c->res->capture_dropped = wsf_capture_end(c->cap);
    c->cap = NULL;
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

/* A bound the scenario names and this server does not declare: the scenario
 * tests a behaviour the server is taken not to have. */
static wsf_bound undeclared_bound(const wsf_scenario *sc, const wsf_bounds *bs)
{
    for (size_t i = 0; i < sc->n_steps; i++) {
        wsf_bound b = sc->steps[i].bound;
        if (b && !wsf_bound_declared(bs, b)) return b;
    }
    return WSF_BOUND_NONE;
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

/* A server that flooded a connection (its inbox budget reached: no more
 * was read) made whatever failed next: the verdict says so first. */
static void name_flood(run_ctx *c)
{
    wsf_result *res = c->res;
    if (res->verdict == WSF_PASS || res->verdict == WSF_SKIP) return;
    /* The connection that took most: others may have stopped only because
     * the scenario's inboxes together were full. */
    const wsf_peer *p = NULL;
    for (size_t i = 0; i < c->n_conns; i++)
        if (c->conns[i].flooded && (!p || c->conns[i].frames_rx > p->frames_rx)) p = &c->conns[i];
    if (p) {
        char d[32];
        wsf_format_duration(p->flood_t - p->first_frame_t, d, sizeof d);
        char *why = wsf_xasprintf(
            "the server flooded: %" PRIu64 " frames in %s, and wsfault stopped reading%s%s",
            p->frames_rx, d, res->reason ? "; " : "", res->reason ? res->reason : "");
        free(res->reason);
        res->reason = why;
    }
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
    /* A connection's life is a dozen events or so (its packets, its
     * handshake, its end): a scenario of many keeps them all. */
    if (c.n_conns * EVENTS_PER_CONN > res->tl.max) res->tl.max = c.n_conns * EVENTS_PER_CONN;
    if (c.n_conns * EVENTS_PER_CONN * BYTES_PER_EVENT > res->tl.max_bytes)
        res->tl.max_bytes = c.n_conns * EVENTS_PER_CONN * BYTES_PER_EVENT;
    c.conns = wsf_xcalloc(c.n_conns, sizeof *c.conns);
    for (size_t i = 0; i < c.n_conns; i++) {
        wsf_peer_init(&c.conns[i], r->loop, &res->tl);
        c.conns[i].conn = (int)i;
        c.conns[i].timers = &c.timers;
    }
    c.peer = &c.conns[0];

    if (ensure_target(r, &c)) {
        char err[512];
        const char *url = r->target ? r->inst.url : r->url;
        res->url = wsf_xstrdup(url);
        if (!strncmp(url, "wss://", 6) && !r->tls_ctx)
            r->tls_ctx = wsf_tls_ctx_new(r->tls_ca, r->tls_insecure, err, sizeof err);
        c.conns[0].tls_ctx = r->tls_ctx;
        if (!strncmp(url, "wss://", 6) && !r->tls_ctx)
            rc_error(&c, 0, "%s", err);
        else if (wsf_peer_set_url(&c.conns[0], url, err, sizeof err) < 0)
            rc_error(&c, 0, "%s", err);
        for (size_t i = 1; i < c.n_conns && res->verdict == WSF_PASS; i++)
            wsf_peer_copy_url(&c.conns[i], &c.conns[0]);
    }
    r->n_run++;
    /* A scenario skipped for what the server is or does has no capture. */
    wsf_bound undeclared = undeclared_bound(sc, &r->bounds);
    if (res->verdict == WSF_PASS && undeclared) {
        const char *n = wsf_bound_name(undeclared);
        res->verdict = WSF_SKIP;
        res->reason = wsf_xasprintf("skip: it needs %s, which this server does not declare (%s; "
                                    "a target file's 'bound %s VALUE' or --bound %s=VALUE)",
                                    n, wsf_bound_without(undeclared), n, n);
        c.stop = true;
    }
    if (res->verdict == WSF_PASS && !r->target && scenario_ends_target(sc)) {
        res->verdict = WSF_SKIP;
        res->reason = wsf_xstrdup("skip: it signals the target or expects it to exit, and with "
                                  "--url there is no process (without --url, --target starts one)");
        c.stop = true;
    }
    wsf_wire_facts_init(&c.wire);
    if (res->verdict == WSF_PASS) capture_begin(r, &c);
    if (res->verdict == WSF_PASS && !c.cap && expects(sc, WSF_EXP_WIRE)) {
        res->verdict = WSF_SKIP;
        res->reason = wsf_xasprintf("skip: %s", r->capture ? r->capture_off_why
                                                           : "capture turned off (--no-capture)");
        c.stop = true;
    }
    bool target_was_up = r->target && r->inst_up && r->inst.running;
    if (target_was_up) {
        /* Learnt afresh for each scenario: between two scenarios no sample
         * runs, and a pid could come back as the target's (pid_max can be
         * as low as 32768). */
        wsf_proc_watch_free(&r->watch);
        wsf_proc_watch_init(&r->watch, "/proc", r->inst.pid);
    }
    /* The baseline and the samples are read by the checks of fds and RSS
     * alone: a scenario without them does not pay a pass over /proc at
     * its start and every 10 ms. */
    c.next_sample_us = INT64_MAX;
    if (target_was_up && expects(sc, WSF_EXP_FDS_BASELINE))
        c.fd_baseline = wsf_proc_watch_fds(&r->watch);
    if (target_was_up && (expects(sc, WSF_EXP_RSS_BELOW) || expects(sc, WSF_EXP_RSS_GROWTH))) {
        c.rss_start = c.rss_max = wsf_proc_watch_rss(&r->watch);
        c.next_sample_us = wsf_now_us() + RSS_SAMPLE_US;
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
        rc_run_step_on(&c, &st);
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
    if (((r->target && r->inst_up) || r->tail_open) && res->verdict != WSF_SKIP) {
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
    /* Wire checks judged on a capture that lost packets may have passed on a
     * FIN or RST that was never read, or failed for want of one: neither is
     * a verdict on the server. The scenario could not be judged (a death of
     * the target, found without the capture, stays the finding). */
    bool died = target_was_up && !r->inst.running && !scenario_ends_target(sc);
    if (res->capture_dropped && expects(sc, WSF_EXP_WIRE) && !died && res->verdict != WSF_ERROR &&
        res->verdict != WSF_SKIP) {
        res->verdict = WSF_ERROR;
        free(res->reason);
        res->reason = wsf_xasprintf(
            "the capture lost %u packets (dropped by the kernel before wsfault read them): its "
            "wire checks cannot be judged; run it alone, or with fewer workers (-j)",
            res->capture_dropped);
    }
    name_flood(&c);
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
    free(c.timers.v);
    clear_lines(r);
    /* Packets and log lines are stamped when they happened but added when
     * read: put the timeline in time order for whoever reads it. */
    wsf_timeline_sort(&res->tl);
    r->tl = NULL;
    res->duration_us = wsf_timeline_now(&res->tl);
}
