/* Waiting: the loop runs until a condition holds or a deadline passes, so
 * the peers keep reading, the target's log keeps flowing, its memory is
 * sampled and Ctrl-C is heard while a scenario waits. Also the conditions
 * the steps wait for, and the times they are said at. */
#include "wait.h"
#include "checks.h"
#include "procfs.h"

#include <stdlib.h>

/* How long before a deadline a wait stops sleeping and polls. */
#define WAKE_EARLY_US 300

void rc_sample(run_ctx *c)
{
    if (!c->r->target || !c->r->inst_up || !c->r->inst.running) return;
    /* The whole process group, summed: a process that came or went between
     * two samples counts in those it was there for. */
    int64_t rss = wsf_proc_watch_rss(&c->r->watch);
    if (rss > c->rss_max) c->rss_max = rss;
    c->next_sample_us = wsf_now_us() + RSS_SAMPLE_US;
}

/* Runs the loop until cond holds or the absolute deadline passes. Returns
 * whether cond held. An interrupt ends the wait early with an error. */
bool rc_run_until(run_ctx *c, cond_fn cond, int64_t deadline)
{
    for (;;) {
        /* Only the connections that trickle have work a clock makes due:
         * a wait costs the same with ten connections as with ten thousand. */
        for (size_t i = 0; i < c->timers.n; i++)
            wsf_peer_tick(c->timers.v[i]);
        if (cond && cond(c)) return true;
        if (c->r->loop->interrupted) {
            rc_error(c, 0, "interrupted by SIG%s", wsf_signal_name(c->r->loop->interrupted));
            return false;
        }
        int64_t now = wsf_now_us();
        if (now >= deadline) return false;
        /* A sample reads /proc for the whole process group (a fraction of
         * a millisecond): not in the last moments of a wait, which would
         * end that much late. The next wait takes it. */
        bool sample_fits = deadline - c->next_sample_us > SAMPLE_GUARD_US;
        if (now >= c->next_sample_us && sample_fits) rc_sample(c);
        int64_t wake = deadline;
        for (size_t i = 0; i < c->timers.n; i++) {
            int64_t pw = wsf_peer_next_wake(c->timers.v[i]);
            if (pw >= 0 && pw < wake) wake = pw;
        }
        if (c->next_sample_us > now && c->next_sample_us < wake && sample_fits)
            wake = c->next_sample_us;
        /* A CPU left idle for milliseconds wakes a fifth of a millisecond
         * late: a wait sleeps until just before its end, and polls from
         * there, so that a step runs when its time says. */
        if (wake - now > WAKE_EARLY_US)
            wake -= WAKE_EARLY_US;
        else
            wake = now;
        wsf_loop_run_once(c->r->loop, wake);
    }
}

bool rc_tcp_ended(run_ctx *c)
{
    return c->peer->fin_in || c->peer->rst_in;
}
bool rc_got_rst(run_ctx *c)
{
    return c->peer->rst_in;
}
bool rc_not_connecting(run_ctx *c)
{
    /* Under wss:// a connection is made once its TLS handshake is. */
    return c->peer->state != WSF_TCP_CONNECTING && !wsf_peer_tls_pending(c->peer);
}
bool rc_response_or_end(run_ctx *c)
{
    return c->peer->response_seen || rc_tcp_ended(c) || c->peer->rx_broken;
}
bool rc_frame_or_end(run_ctx *c)
{
    return wsf_peer_inbox_peek(c->peer) || rc_tcp_ended(c) || c->peer->rx_broken;
}
bool rc_frame_arrived(run_ctx *c)
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
