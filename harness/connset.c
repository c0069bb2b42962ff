/* Connection sets ("connect 10 as c*", then "c*: ..."): a step for a set
 * runs on each member in turn, and the members' checks become one that
 * speaks for the set. */
#include "connset.h"
#include "checks.h"
#include "steps.h"

#include <stdlib.h>

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
        if (rc_check_rank(res->checks[i].result) > rc_check_rank(res->checks[worst].result))
            worst = i;
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
void rc_run_step_on(run_ctx *c, const wsf_step *st)
{
    if (st->set < 0) {
        c->peer = &c->conns[st->conn];
        c->member = NULL;
        rc_run_step(c, st);
        return;
    }
    const wsf_conn_set *set = &c->sc->sets[st->set];
    size_t from = c->res->n_checks;
    for (size_t m = 0; m < set->n && !c->stop; m++) {
        c->peer = &c->conns[set->first + m];
        c->member = c->sc->conns[set->first + m];
        rc_run_step(c, st);
    }
    c->member = NULL;
    merge_set_checks(c, from, set);
}
