#include "results.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Server-controlled text may hold any byte; JSON strings must be UTF-8, so
 * invalid sequences are escaped as \xNN text rather than lost or rejected. */
static json_t *jstr(const char *s)
{
    if (!s) return json_null();
    json_t *j = json_string(s);
    if (j) return j;
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_escape_bytes((const uint8_t *)s, strlen(s), strlen(s), &b);
    j = json_string((char *)b.data);
    wsf_buf_free(&b);
    return j ? j : json_string("");
}

static void iso_time(int64_t us, char *out, size_t n)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *strings(char **a, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, jstr(a[i]));
    return arr;
}

static json_t *event_json(const wsf_scenario *sc, const wsf_event *e)
{
    json_t *j = json_object();
    json_object_set_new(j, "t_us", json_integer(e->t_us));
    if (e->conn >= 0 && wsf_scenario_named_conns(sc))
        json_object_set_new(j, "conn", jstr(wsf_conn_name(sc, (unsigned)e->conn)));
    json_object_set_new(j, "kind", json_string(wsf_event_kind_name(e->kind)));
    if (e->dir != WSF_DIR_NONE) json_object_set_new(j, "dir", json_string(wsf_dir_name(e->dir)));
    json_object_set_new(j, "what", jstr(e->what));
    if (e->detail) json_object_set_new(j, "detail", jstr(e->detail));
    if (e->kind == WSF_EV_FRAME) {
        json_object_set_new(j, "opcode", json_integer(e->opcode));
        json_object_set_new(j, "fin", json_boolean(e->fin));
        if (e->rsv) json_object_set_new(j, "rsv", json_integer(e->rsv));
        json_object_set_new(j, "masked", json_boolean(e->masked));
        json_object_set_new(j, "len", json_integer((json_int_t)e->len));
        if (e->opcode == 8) json_object_set_new(j, "close_code", json_integer(e->close_code));
    } else if (e->kind == WSF_EV_LOG && e->mark) {
        json_object_set_new(j, "mark", json_string(e->mark));
    } else if (e->kind == WSF_EV_BYTES) {
        json_object_set_new(j, "len", json_integer((json_int_t)e->len));
    }
    return j;
}

static const char *check_name(wsf_check_result r)
{
    switch (r) {
    case WSF_CHECK_PASS:
        return "pass";
    case WSF_CHECK_FAIL:
        return "fail";
    case WSF_CHECK_NONSTRICT:
        return "non-strict";
    case WSF_CHECK_INFO:
        return "info";
    case WSF_CHECK_SKIPPED:
        return "skipped";
    default:
        return "not-reached";
    }
}

/* The peer's packets a fault can show as, in time order: every RST, or
 * every RST and FIN. */
typedef struct {
    const wsf_event **ev;
    size_t n;
} wire_list;

static int by_time(const void *a, const void *b)
{
    const wsf_event *x = *(const wsf_event *const *)a, *y = *(const wsf_event *const *)b;
    return x->t_us < y->t_us ? -1 : x->t_us > y->t_us ? 1 : x < y ? -1 : x > y;
}

/* The first packet of the list at or after t, or NULL. */
static const wsf_event *first_from(const wire_list *l, int64_t t)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->ev[mid]->t_us < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n ? l->ev[lo] : NULL;
}

/* How precisely each fault fired: the step's moment on the timeline
 * against the first matching packet from the peer in the capture. Sorted
 * lists and a binary search per fault: thousands of faults in one scenario
 * must not cost faults x events. */
static json_t *fault_precision(const wsf_timeline *tl)
{
    json_t *arr = json_array();
    wire_list rsts = {wsf_xcalloc(tl->n + 1, sizeof *rsts.ev), 0};
    wire_list ends = {wsf_xcalloc(tl->n + 1, sizeof *ends.ev), 0};
    for (size_t k = 0; k < tl->n; k++) {
        const wsf_event *w = &tl->ev[k];
        if (w->kind != WSF_EV_WIRE || w->dir != WSF_DIR_OUT) continue;
        bool rst = !strcmp(w->what, "RST");
        if (rst) rsts.ev[rsts.n++] = w;
        if (rst || !strcmp(w->what, "FIN")) ends.ev[ends.n++] = w;
    }
    qsort(rsts.ev, rsts.n, sizeof *rsts.ev, by_time);
    qsort(ends.ev, ends.n, sizeof *ends.ev, by_time);
    for (size_t i = 0; i < tl->n; i++) {
        const wsf_event *f = &tl->ev[i];
        /* The peer's own close at the end is cleanup, not a fault. */
        if (f->kind == WSF_EV_STEP && (!strcmp(f->what, "end") || !strcmp(f->what, "teardown")))
            break;
        if (f->kind != WSF_EV_FAULT || f->dir != WSF_DIR_OUT) continue;
        bool rst = !strcmp(f->what, "rst");
        if (!rst && strcmp(f->what, "close") && strcmp(f->what, "half-close")) continue;
        const wsf_event *hit = first_from(rst ? &rsts : &ends, f->t_us);
        if (!hit) continue;
        json_t *j = json_object();
        json_object_set_new(j, "fault", json_string(f->what));
        json_object_set_new(j, "t_us", json_integer(f->t_us));
        json_object_set_new(j, "wire", json_string(hit->what));
        json_object_set_new(j, "wire_t_us", json_integer(hit->t_us));
        json_object_set_new(j, "delta_us", json_integer(hit->t_us - f->t_us));
        json_array_append_new(arr, j);
    }
    free(rsts.ev);
    free(ends.ev);
    return arr;
}

static json_t *result_json(const wsf_result *r)
{
    const wsf_scenario *sc = r->sc;
    json_t *j = json_object();
    json_object_set_new(j, "name", jstr(sc->name));
    json_object_set_new(j, "file", jstr(sc->file));
    if (sc->case_label) json_object_set_new(j, "case", jstr(sc->case_label));
    if (wsf_scenario_named_conns(sc)) {
        json_t *cs = json_array();
        for (size_t i = 0; i < sc->n_conns; i++)
            json_array_append_new(cs, jstr(wsf_conn_name(sc, (unsigned)i)));
        json_object_set_new(j, "connections", cs);
    }
    if (sc->description) json_object_set_new(j, "description", jstr(sc->description));
    json_object_set_new(j, "rfc", strings(sc->rfc, sc->n_rfc));
    json_object_set_new(j, "tags", strings(sc->tags, sc->n_tags));
    json_object_set_new(j, "verdict", json_string(wsf_verdict_name(r->verdict)));
    if (r->try_no) json_object_set_new(j, "try", json_integer(r->try_no));
    if (r->reason) json_object_set_new(j, "reason", jstr(r->reason));
    if (r->url) json_object_set_new(j, "url", jstr(r->url));
    if (r->known) json_object_set_new(j, "known", jstr(r->known));
    if (r->pcap) json_object_set_new(j, "pcap", jstr(r->pcap));
    if (r->capture_dropped)
        json_object_set_new(j, "capture_dropped", json_integer(r->capture_dropped));
    json_t *faults = fault_precision(&r->tl);
    if (json_array_size(faults))
        json_object_set_new(j, "faults", faults);
    else
        json_decref(faults);
    char when[32];
    iso_time(r->started_us, when, sizeof when);
    json_object_set_new(j, "started", json_string(when));
    json_object_set_new(j, "duration_us", json_integer(r->duration_us));
    json_object_set_new(j, "cpu_us", json_integer(r->cpu_us));
    json_object_set_new(j, "peak_rss_kib", json_integer(r->peak_rss_kib));
    json_t *checks = json_array();
    for (size_t i = 0; i < r->n_checks; i++) {
        const wsf_check *k = &r->checks[i];
        json_t *cj = json_object();
        json_object_set_new(cj, "line", json_integer(k->line));
        json_object_set_new(cj, "text", jstr(k->text));
        if (k->conn) json_object_set_new(cj, "conn", jstr(k->conn));
        json_object_set_new(cj, "result", json_string(check_name(k->result)));
        json_object_set_new(cj, "level", json_string(wsf_level_name(k->level)));
        if (k->expected) json_object_set_new(cj, "expected", jstr(k->expected));
        if (k->actual) json_object_set_new(cj, "actual", jstr(k->actual));
        if (k->result != WSF_CHECK_NOT_REACHED)
            json_object_set_new(cj, "t_us", json_integer(k->t_us));
        json_array_append_new(checks, cj);
    }
    json_object_set_new(j, "checks", checks);
    json_t *tl = json_array();
    for (size_t i = 0; i < r->tl.n; i++)
        json_array_append_new(tl, event_json(sc, &r->tl.ev[i]));
    json_object_set_new(j, "timeline", tl);
    if (r->tl.dropped)
        json_object_set_new(j, "timeline_dropped", json_integer((json_int_t)r->tl.dropped));
    if (r->tl.dropped) {
        /* A flood is summed up, not listed: how many of each kind went. */
        json_t *by = json_object();
        for (size_t k = 0; k < sizeof r->tl.dropped_kind / sizeof *r->tl.dropped_kind; k++)
            if (r->tl.dropped_kind[k])
                json_object_set_new(by, wsf_event_kind_name((wsf_event_kind)k),
                                    json_integer((json_int_t)r->tl.dropped_kind[k]));
        json_object_set_new(j, "timeline_dropped_by_kind", by);
    }
    json_object_set_new(j, "source", jstr(sc->source));
    return j;
}

/* The handshake defaults every scenario's handshake started from. */
static json_t *handshake_json(const wsf_handshake_defaults *d)
{
    json_t *j = json_object();
    json_object_set_new(j, "path", jstr(d ? d->path : NULL));
    json_object_set_new(j, "headers", d ? strings(d->headers, d->n_headers) : json_array());
    return j;
}

char *wsf_result_entry(const wsf_result *r)
{
    json_t *j = result_json(r);
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    return text;
}

int wsf_results_write(const char *path, const wsf_run_info *info, const wsf_results_entry *entries,
                      size_t n, char *err, size_t errlen)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string("wsfault-results-1"));
    json_object_set_new(root, "wsfault_version", json_string(WSF_VERSION));
    char when[32];
    iso_time(info->started_us, when, sizeof when);
    json_object_set_new(root, "started", json_string(when));
    json_object_set_new(root, "duration_us", json_integer(info->duration_us));
    json_object_set_new(root, "command", strings(info->argv, (size_t)info->argc));
    /* The command's paths are relative to here: a report's re-run line
     * starts with a cd into it. */
    char *cwd = getcwd(NULL, 0);
    if (cwd) json_object_set_new(root, "cwd", jstr(cwd));
    free(cwd);
    json_object_set_new(root, "interrupted", json_boolean(info->interrupted));
    if (info->workers > 1) json_object_set_new(root, "workers", json_integer(info->workers));
    if (info->shard_count) {
        json_t *sh = json_object();
        json_object_set_new(sh, "index", json_integer(info->shard_index));
        json_object_set_new(sh, "count", json_integer(info->shard_count));
        json_object_set_new(root, "shard", sh);
    }
    if (info->shuffled) json_object_set_new(root, "seed", json_integer((json_int_t)info->seed));
    if (info->tries) {
        /* With --until-fail the passes after the first try are counted,
         * not listed: a long hunt stays a small file. */
        json_t *rp = json_object();
        json_object_set_new(rp, "tries", json_integer(info->tries));
        json_object_set_new(rp, "of", json_integer(info->tries_max));
        json_object_set_new(rp, "until_fail", json_boolean(info->until_fail));
        json_object_set_new(rp, "runs", json_integer((json_int_t)info->runs));
        json_object_set_new(rp, "not_listed", json_integer((json_int_t)info->not_listed));
        json_object_set_new(root, "repeat", rp);
    }
    json_t *target = json_object();
    json_object_set_new(target, "name", jstr(info->target_name));
    json_object_set_new(target, "file", jstr(info->target_file));
    json_object_set_new(target, "url", jstr(info->url));
    json_object_set_new(root, "target", target);
    json_object_set_new(root, "handshake", handshake_json(info->handshake));
    size_t counts[WSF_N_VERDICTS] = {0};
    for (size_t i = 0; i < n; i++) {
        if (!entries[i].json) {
            snprintf(err, errlen, "cannot encode the results for %s: scenario %zu: no entry", path,
                     i + 1);
            json_decref(root);
            return -1;
        }
        counts[entries[i].verdict]++;
    }
    json_t *summary = json_object();
    json_object_set_new(summary, "passed", json_integer((json_int_t)counts[WSF_PASS]));
    json_object_set_new(summary, "failed", json_integer((json_int_t)counts[WSF_FAIL]));
    json_object_set_new(summary, "errors", json_integer((json_int_t)counts[WSF_ERROR]));
    json_object_set_new(summary, "known", json_integer((json_int_t)counts[WSF_KNOWN]));
    json_object_set_new(summary, "non_strict", json_integer((json_int_t)counts[WSF_NONSTRICT]));
    json_object_set_new(summary, "skipped", json_integer((json_int_t)counts[WSF_SKIP]));
    json_object_set_new(summary, "info", json_integer((json_int_t)counts[WSF_INFO]));
    json_object_set_new(root, "summary", summary);
    json_t *storm = info->storm ? json_loads(info->storm, 0, NULL) : NULL;
    if (storm) json_object_set_new(root, "storm", storm);

    /* The entries are JSON already: they are spliced in as they are, one a
     * line, not parsed back into a tree a hundred times their size. */
    char *head = json_dumps(root, JSON_INDENT(1) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(root);
    size_t hl = head ? strlen(head) : 0;
    if (!head || hl < 2 || head[hl - 1] != '}') {
        free(head);
        snprintf(err, errlen, "cannot encode the results for %s", path);
        return -1;
    }
    /* Written part by part, head, separators and entries, never joined:
     * the file can be hundreds of megabytes, and the entries are already
     * in memory once. */
    hl--;
    while (hl && (head[hl - 1] == '\n' || head[hl - 1] == ' '))
        hl--;
    size_t np = 2 * n + 3;
    const char **parts = wsf_xcalloc(np, sizeof *parts);
    size_t *lens = wsf_xcalloc(np, sizeof *lens);
    size_t k = 0;
    parts[k] = head, lens[k++] = hl;
    parts[k] = ",\n \"scenarios\": [", lens[k] = strlen(parts[k]), k++;
    for (size_t i = 0; i < n; i++) {
        parts[k] = i ? ",\n  " : "\n  ", lens[k] = i ? 4 : 3, k++;
        parts[k] = entries[i].json, lens[k] = strlen(entries[i].json), k++;
    }
    parts[k] = n ? "\n ]\n}\n" : "]\n}\n", lens[k] = strlen(parts[k]), k++;
    int rc = wsf_write_parts_atomic(path, parts, lens, k, err, errlen);
    free(parts);
    free(lens);
    free(head);
    return rc;
}
