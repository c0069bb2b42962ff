#include "logmatch.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

/* Each names a way servers are known to fail in their close paths. The
 * crashes and sanitizer reports fail whatever level they are logged at: no
 * program reports its own memory error at DEBUG on purpose. */
static const struct {
    const char *src;
    bool any_level;
} default_alarms[] = {
    {"Traceback", false},                          /* Python: an exception escaped */
    {"AssertionError", false},                     /* Python: a failed assert */
    {"Assertion .* failed", true},                 /* C: assert() */
    {"Segmentation fault", true},                  /* a shell or libc reporting a crash */
    {"AddressSanitizer", true},                    /* ASan: memory error */
    {"LeakSanitizer", true},                       /* LSan: leaks at exit */
    {"runtime error:", true},                      /* UBSan */
    {"panic:", true},                              /* Go */
    {"Task exception was never retrieved", false}, /* asyncio: a task died unseen */
    {"Event loop is closed", false},               /* asyncio: work after shutdown */
    /* Node and others: unhandled errors and rejections. Not "Unhandled"
     * alone: servers log "unhandled opcode" while rightly refusing one. */
    {"Unhandled( |')?([Ee]xception|[Ee]rror|[Rr]ejection|[Pp]romise|'error')|"
     "UnhandledPromiseRejection",
     false},
};

int wsf_patterns_add(wsf_patterns *ps, const char *src, char *err, size_t errlen)
{
    char msg[256];
    wsf_rx *re = wsf_rx_compile(src, msg, sizeof msg);
    if (!re) {
        snprintf(err, errlen, "bad regular expression /%s/: %s", src, msg);
        return -1;
    }
    if (!wsf_rx_budget(re, &ps->rx_bytes, msg, sizeof msg)) {
        wsf_rx_free(re);
        snprintf(err, errlen, "%s", msg);
        return -1;
    }
    ps->p = wsf_xrealloc(ps->p, (ps->n + 1) * sizeof *ps->p);
    ps->p[ps->n].src = wsf_xstrdup(src);
    ps->p[ps->n].re = re;
    ps->p[ps->n].any_level = false;
    ps->n++;
    return 0;
}

void wsf_patterns_free(wsf_patterns *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        wsf_rx_free(ps->p[i].re);
        free(ps->p[i].src);
    }
    free(ps->p);
    ps->p = NULL;
    ps->n = 0;
    ps->rx_bytes = 0;
}

const wsf_pattern *wsf_patterns_match(const wsf_patterns *ps, const char *line,
                                      const wsf_pattern **gave_up)
{
    for (size_t i = 0; i < ps->n; i++) {
        wsf_rx_result r = wsf_rx_match(ps->p[i].re, line, NULL);
        if (r == WSF_RX_MATCH) return &ps->p[i];
        if (r == WSF_RX_GAVE_UP && gave_up && !*gave_up) *gave_up = &ps->p[i];
    }
    return NULL;
}

void wsf_patterns_add_default_alarms(wsf_patterns *ps)
{
    char err[256];
    for (size_t i = 0; i < sizeof default_alarms / sizeof *default_alarms; i++) {
        if (wsf_patterns_add(ps, default_alarms[i].src, err, sizeof err) < 0) abort(); /* ours */
        ps->p[ps->n - 1].any_level = default_alarms[i].any_level;
    }
}

const wsf_pattern *wsf_alarm_of(const wsf_patterns *alarms, const wsf_patterns *ignore,
                                const char *line)
{
    const wsf_pattern *a = wsf_patterns_match(alarms, line, NULL);
    if (a && ignore && wsf_patterns_match(ignore, line, NULL)) return NULL;
    return a;
}

void wsf_record_alarm_begin(wsf_record_alarm *ra, wsf_log_level level)
{
    *ra = (wsf_record_alarm){.level = level, .hit = -1, .gave_up_at = -1};
}

void wsf_record_alarm_line(wsf_record_alarm *ra, const wsf_patterns *alarms,
                           const wsf_patterns *ignore, const char *line, long id)
{
    const wsf_pattern *gave_up = NULL;
    if (ignore && wsf_patterns_match(ignore, line, &gave_up)) ra->ignored = true;
    const wsf_pattern *a = NULL;
    if (!ra->alarm || !ra->alarm->any_level) a = wsf_patterns_match(alarms, line, &gave_up);
    if (gave_up && !ra->gave_up) {
        ra->gave_up = gave_up;
        ra->gave_up_at = id;
    }
    if (!a || (ra->alarm && !a->any_level)) return;
    ra->alarm = a;
    ra->hit = id;
}

wsf_alarm_verdict wsf_record_alarm_verdict(const wsf_record_alarm *ra, bool teardown)
{
    if (!ra->alarm || ra->ignored) return WSF_ALARM_NONE;
    if (teardown) return WSF_ALARM_NOTED;
    return ra->alarm->any_level || wsf_log_level_fails(ra->level) ? WSF_ALARM_FAILS
                                                                  : WSF_ALARM_NOTED;
}
