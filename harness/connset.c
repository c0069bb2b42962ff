/* Connection sets ("connect 10 as c*", then "c*: ..."): a step for a set
 * runs on each member in turn, and the members' checks become one that
 * speaks for the set. */
#include "connset.h"
#include "checks.h"
#include "steps.h"

#include <stdint.h>
#include <stdlib.h>

/* A step for a set leaves its checks for each member it reached (one,
 * or two for fail-connection's MUST and SHOULD); the members' j-th checks
 * become one, which speaks for the set: the worst member's result and what
 * it found, with how many of the set passed. starts[m] is where member m's
 * checks begin; starts[reached] where the step's checks end. */
static void merge_set_checks(run_ctx *c, const size_t *starts, size_t reached,
                             const wsf_conn_set *set)
{
    wsf_result *res = c->res;
    size_t from = starts[0], groups = 0;
    for (size_t m = 0; m < reached; m++)
        if (starts[m + 1] - starts[m] > groups) groups = starts[m + 1] - starts[m];
    if (groups == 0) return;
    wsf_check *merged = wsf_xcalloc(groups, sizeof *merged);
    for (size_t j = 0; j < groups; j++) {
        size_t passed = 0, had = 0, worst = SIZE_MAX, first = SIZE_MAX;
        int64_t t = 0;
        for (size_t m = 0; m < reached; m++) {
            if (starts[m] + j >= starts[m + 1]) continue;
            size_t i = starts[m] + j;
            had++;
            if (first == SIZE_MAX) first = i;
            if (res->checks[i].result == WSF_CHECK_PASS) passed++;
            if (worst == SIZE_MAX ||
                rc_check_rank(res->checks[i].result) > rc_check_rank(res->checks[worst].result))
                worst = i;
            if (res->checks[i].t_us > t) t = res->checks[i].t_us;
        }
        const wsf_check *w = &res->checks[worst];
        wsf_check *k = &merged[j];
        *k = res->checks[first]; /* its line, text, level and connection */
        res->checks[first].text = res->checks[first].conn = NULL;
        k->result = w->result;
        k->t_us = t;
        k->expected = wsf_xasprintf("on each of the %zu connections %s1 .. %s%zu: %s", set->n,
                                    set->name, set->name, set->n, w->expected ? w->expected : "");
        if (w->result == WSF_CHECK_PASS)
            k->actual = wsf_xasprintf("so on all %zu", set->n);
        else
            k->actual =
                wsf_xasprintf("%s (%zu of %zu passed%s)", w->actual ? w->actual : "?", passed,
                              set->n, had < set->n ? "; the others were not reached" : "");
    }
    for (size_t i = from; i < res->n_checks; i++) {
        free(res->checks[i].text);
        free(res->checks[i].conn);
        free(res->checks[i].expected);
        free(res->checks[i].actual);
    }
    for (size_t j = 0; j < groups; j++)
        res->checks[from + j] = merged[j];
    res->n_checks = from + groups;
    free(merged);
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
    size_t *starts = wsf_xcalloc(set->n + 1, sizeof *starts), m = 0;
    /* A step that acts and then waits (connect, handshake) acts for every
     * member first, so that the members' waits overlap: waiting for each
     * answer before the next request cost every connection two sleeps of
     * the loop. The first member it cannot act for without an error, and
     * all after it, run the whole step in turn, as before. */
    bool *begun = wsf_xcalloc(set->n, sizeof *begun);
    for (size_t b = 0; b < set->n; b++) {
        c->peer = &c->conns[set->first + b];
        c->member = c->sc->conns[set->first + b];
        if (!(begun[b] = rc_step_begin(c, st))) break;
    }
    for (; m < set->n && !c->stop; m++) {
        starts[m] = c->res->n_checks;
        c->peer = &c->conns[set->first + m];
        c->member = c->sc->conns[set->first + m];
        c->begun = begun[m];
        rc_run_step(c, st);
    }
    starts[m] = c->res->n_checks;
    c->member = NULL;
    c->begun = false;
    free(begun);
    merge_set_checks(c, starts, m, set);
    free(starts);
}
