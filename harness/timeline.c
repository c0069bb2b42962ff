#include "timeline.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_EVENTS 100000

static size_t hash_word(const char *s)
{
    size_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

void wsf_timeline_init(wsf_timeline *tl, int64_t origin_us)
{
    memset(tl, 0, sizeof *tl);
    tl->origin_us = origin_us;
    tl->max = DEFAULT_MAX_EVENTS;
    tl->max_bytes = WSF_TIMELINE_BYTES;
}

/* What malloc keeps beside each block, near enough. */
#define ALLOC_OVERHEAD 16
#define NOTES_OVER 64

/* Bytes of events kept by every timeline of the run: they all end up in
 * one results file. */
static size_t run_bytes;
static size_t run_budget = WSF_TIMELINE_RUN_BYTES;

void wsf_timeline_share_run_budget(int workers)
{
    run_budget = workers > 1 ? WSF_TIMELINE_RUN_BYTES / (size_t)workers : WSF_TIMELINE_RUN_BYTES;
}

void wsf_timeline_free(wsf_timeline *tl)
{
    for (size_t i = 0; i < tl->n; i++) {
        free(tl->ev[i].detail);
    }
    free(tl->ev);
    memset(tl, 0, sizeof *tl);
}

int64_t wsf_timeline_now(const wsf_timeline *tl)
{
    return wsf_now_us() - tl->origin_us;
}

/* The words events say are few (the code's own: "fin", "bytes", "stderr"),
 * and there are a hundred thousand events: each word is kept once, for
 * the life of the process, in a table hashed on it. */
static const char *intern(const char *word)
{
    static char **slots;
    static size_t n_slots, used;
    if (!word) return NULL;
    if (2 * (used + 1) > n_slots) {
        size_t grown = n_slots ? n_slots * 2 : 256;
        char **bigger = wsf_xcalloc(grown, sizeof *bigger);
        for (size_t i = 0; i < n_slots; i++) {
            if (!slots[i]) continue;
            size_t h = hash_word(slots[i]) & (grown - 1);
            while (bigger[h])
                h = (h + 1) & (grown - 1);
            bigger[h] = slots[i];
        }
        free(slots);
        slots = bigger;
        n_slots = grown;
    }
    size_t h = hash_word(word) & (n_slots - 1);
    for (; slots[h]; h = (h + 1) & (n_slots - 1))
        if (!strcmp(slots[h], word)) return slots[h];
    used++;
    return slots[h] = wsf_xstrdup(word);
}

/* A slot at the end; the array grows by doubling up to the event cap (and
 * one more, for the note that the timeline is full). */
static wsf_event *append(wsf_timeline *tl)
{
    if (tl->n == tl->cap) {
        size_t grown = tl->cap ? tl->cap * 2 : 64;
        if (grown > tl->max + 1) grown = tl->max + 1;
        if (grown <= tl->n) grown = tl->n + 1;
        tl->cap = grown;
        tl->ev = wsf_xrealloc(tl->ev, tl->cap * sizeof *tl->ev);
    }
    return &tl->ev[tl->n++];
}

static void fill(const wsf_timeline *tl, wsf_event *e, int64_t abs_us, wsf_event_kind kind,
                 wsf_dir dir, const char *what, const char *detail)
{
    memset(e, 0, sizeof *e);
    e->t_us = abs_us - tl->origin_us;
    e->kind = kind;
    e->dir = dir;
    e->what = intern(what);
    e->detail = detail ? wsf_xstrdup(detail) : NULL;
    e->opcode = -1;
    e->close_code = -1;
    e->conn = -1;
}

wsf_event *wsf_timeline_add_at(wsf_timeline *tl, int64_t abs_us, wsf_event_kind kind, wsf_dir dir,
                               const char *what, const char *detail)
{
    /* A target can print or send without end; the timeline must stay
     * bounded, by events and by bytes, for the scenario and for the run. */
    size_t cost = sizeof(wsf_event) + (detail ? strlen(detail) + 1 + ALLOC_OVERHEAD : 0);
    bool run_spent = run_bytes + cost > run_budget && tl->bytes + cost > WSF_TIMELINE_FLOOR_BYTES;
    bool over = tl->n >= tl->max || tl->bytes + cost > tl->max_bytes || run_spent;
    /* wsfault's own notes (a flood, an error) say why a scenario went as it
     * did: a few are kept past the budgets. */
    if (over && kind == WSF_EV_NOTE && tl->notes_over < NOTES_OVER) {
        tl->notes_over++;
        over = false;
    }
    if (over) {
        tl->dropped++;
        if ((unsigned)kind < sizeof tl->dropped_kind / sizeof *tl->dropped_kind)
            tl->dropped_kind[kind]++;
        if (tl->full_noted) return NULL;
        /* Said once, past every bound: the one event over them. */
        tl->full_noted = true;
        char note[160];
        snprintf(note, sizeof note,
                 "timeline budget reached (%zu events, %zu KiB%s): later events are counted by "
                 "kind, not kept",
                 tl->n, tl->bytes >> 10, run_spent ? ", the run's budget spent" : "");
        kind = WSF_EV_NOTE;
        dir = WSF_DIR_NONE;
        what = "timeline-full";
        detail = note;
        cost = 0;
        wsf_event *e = append(tl);
        fill(tl, e, abs_us, kind, dir, what, detail);
        return NULL;
    }
    tl->bytes += cost;
    run_bytes += cost;
    wsf_event *e = append(tl);
    fill(tl, e, abs_us, kind, dir, what, detail);
    return e;
}

static wsf_event *add_v(wsf_timeline *tl, int conn, wsf_event_kind kind, wsf_dir dir,
                        const char *what, const char *detail_fmt, va_list ap)
{
    char *detail = NULL;
    if (detail_fmt && vasprintf(&detail, detail_fmt, ap) < 0) detail = NULL;
    wsf_event *e = wsf_timeline_add_at(tl, wsf_now_us(), kind, dir, what, detail);
    free(detail);
    if (e) e->conn = conn;
    return e;
}

wsf_event *wsf_timeline_add(wsf_timeline *tl, wsf_event_kind kind, wsf_dir dir, const char *what,
                            const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    wsf_event *e = add_v(tl, -1, kind, dir, what, detail_fmt, ap);
    va_end(ap);
    return e;
}

wsf_event *wsf_timeline_add_conn(wsf_timeline *tl, int conn, wsf_event_kind kind, wsf_dir dir,
                                 const char *what, const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    wsf_event *e = add_v(tl, conn, kind, dir, what, detail_fmt, ap);
    va_end(ap);
    return e;
}

const char *wsf_event_kind_name(wsf_event_kind k)
{
    static const char *names[] = {"step", "tcp",    "bytes",   "http", "frame", "fault",
                                  "log",  "target", "timeout", "note", "state", "wire"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

const char *wsf_dir_name(wsf_dir d)
{
    switch (d) {
    case WSF_DIR_OUT:
        return "peer>target";
    case WSF_DIR_IN:
        return "target>peer";
    default:
        return "";
    }
}

void wsf_timeline_print(const wsf_timeline *tl, FILE *out, const char *const *conn_names)
{
    for (size_t i = 0; i < tl->n; i++) {
        const wsf_event *e = &tl->ev[i];
        fprintf(out, "  %+10.3fms  ", e->t_us / 1000.0);
        if (conn_names) fprintf(out, "%-6s ", e->conn >= 0 ? conn_names[e->conn] : "");
        fprintf(out, "%-11s  %-7s %-10s %s\n", wsf_dir_name(e->dir), wsf_event_kind_name(e->kind),
                e->what, e->detail ? e->detail : "");
    }
    if (!tl->dropped) return;
    fprintf(out, "  (%zu later events not kept:", tl->dropped);
    for (size_t k = 0; k < sizeof tl->dropped_kind / sizeof *tl->dropped_kind; k++)
        if (tl->dropped_kind[k])
            fprintf(out, " %zu %s", tl->dropped_kind[k], wsf_event_kind_name((wsf_event_kind)k));
    fprintf(out, ")\n");
}

void wsf_timeline_sort(wsf_timeline *tl)
{
    /* Insertion sort: the timeline is nearly in order, and it is stable. */
    for (size_t i = 1; i < tl->n; i++) {
        wsf_event e = tl->ev[i];
        size_t j = i;
        while (j > 0 && tl->ev[j - 1].t_us > e.t_us) {
            tl->ev[j] = tl->ev[j - 1];
            j--;
        }
        tl->ev[j] = e;
    }
}
