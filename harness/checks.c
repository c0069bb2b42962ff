/* Recording checks and verdicts: each expectation leaves a check with what
 * was expected and what was found, and the strongest failure gives the
 * scenario its verdict. The judge's files and the steps record through
 * these functions alone. */
#include "checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* How bad a check's result is, for the one that speaks for a set: a failure
 * outranks a check not reached, which outranks a SHOULD, an informational
 * miss, a skip and a pass, in that order. */
int rc_check_rank(wsf_check_result r)
{
    static const int order[] = {
        [WSF_CHECK_PASS] = 0,      [WSF_CHECK_SKIPPED] = 1,     [WSF_CHECK_INFO] = 2,
        [WSF_CHECK_NONSTRICT] = 3, [WSF_CHECK_NOT_REACHED] = 4, [WSF_CHECK_FAIL] = 5};
    return order[r];
}
