/* One scenario's timeline: every event, both directions, with a microsecond
 * timestamp relative to the scenario's start. Expectations are judged against
 * it and results.json carries it whole. */
#ifndef WSF_TIMELINE_H
#define WSF_TIMELINE_H

#include "util.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

typedef enum {
    WSF_EV_STEP,    /* a scenario step began (detail: its text) */
    WSF_EV_TCP,     /* connect, connected, fin, rst, half-close, close, error */
    WSF_EV_BYTES,   /* bytes written or read (count) */
    WSF_EV_HTTP,    /* handshake request sent / response received */
    WSF_EV_FRAME,   /* a whole frame sent or received */
    WSF_EV_FAULT,   /* a fault fired: rst, half-close, close, stall, trickle */
    WSF_EV_LOG,     /* a line the target printed */
    WSF_EV_TARGET,  /* target process: started, ready, exited, signalled */
    WSF_EV_TIMEOUT, /* an expectation's deadline passed */
    WSF_EV_NOTE,    /* anything else worth reading */
    WSF_EV_STATE,   /* the peer's view of the connection changed state */
    WSF_EV_WIRE,    /* a TCP segment the capture saw */
} wsf_event_kind;

typedef enum {
    WSF_DIR_NONE, /* harness-side, no direction */
    WSF_DIR_OUT,  /* peer -> target */
    WSF_DIR_IN,   /* target -> peer */
} wsf_dir;

/* Ten thousand connections make a hundred thousand events: the fields
 * are laid out and sized so that one is 64 bytes. */
typedef struct {
    int64_t t_us;     /* since the timeline's origin */
    const char *what; /* short word: "fin", "rst", "text", "stderr", ...; interned, never freed */
    char *detail;     /* escaped, human text; may be NULL */
    /* Log lines: why a report should highlight it ("match": a check cites
     * it, "alarm"; NULL: neither). */
    const char *mark;
    uint64_t len;       /* frames: payload length; bytes: a byte count */
    int32_t close_code; /* -1: none */
    uint32_t line_no;   /* log lines: the runner's number for the line */
    /* The scenario's connection it belongs to (an index into its conns),
     * or -1 for the target, its log, the capture and the runner. */
    int32_t conn;
    /* Wire segments: the peer's port, to find their connection when the
     * scenario is over (0 for other events). */
    uint16_t port;
    uint8_t kind; /* a wsf_event_kind */
    uint8_t dir;  /* a wsf_dir */
    /* Frames: */
    int8_t opcode; /* -1 when not a frame */
    uint8_t rsv;
    bool fin;
    bool masked;
} wsf_event;

typedef struct {
    int64_t origin_us; /* wsf_now_us() at the start */
    wsf_event *ev;
    size_t n, cap;
    size_t max; /* events kept at most; later ones are counted in dropped */
    size_t dropped;
    /* Memory the kept events hold (slots, details and malloc's share), and
     * the most they may: past it, or past the run's budget, events are
     * counted by kind instead of kept, and one note says so. */
    size_t bytes, max_bytes;
    size_t dropped_kind[WSF_EV_WIRE + 1];
    bool full_noted;
    size_t notes_over; /* notes kept past the budgets (a few: they say why) */
} wsf_timeline;

/* Budgets of the timeline's memory: per scenario (grown by the runner for
 * a scenario of many connections), across the run (the results file holds
 * every scenario's, as JSON about twice the size), and a floor each
 * scenario keeps when the run's budget is spent, so that its own checks
 * can still be judged. */
#define WSF_TIMELINE_BYTES (2u << 20)
#define WSF_TIMELINE_RUN_BYTES (64u << 20)
#define WSF_TIMELINE_FLOOR_BYTES (256u << 10)

/* The run's budget is shared by its workers: each of N worker processes
 * keeps 1/N of it, so that the run's results file is bounded however many
 * run at a time. */
void wsf_timeline_share_run_budget(int workers);

void wsf_timeline_init(wsf_timeline *tl, int64_t origin_us);
void wsf_timeline_free(wsf_timeline *tl);
int64_t wsf_timeline_now(const wsf_timeline *tl);

/* Appends an event stamped now; returns it (NULL when the timeline is full)
 * so frame fields can be filled in. detail is printf-formatted, may be NULL. */
wsf_event *wsf_timeline_add(wsf_timeline *tl, wsf_event_kind kind, wsf_dir dir, const char *what,
                            const char *detail_fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same for an event of one connection. */
wsf_event *wsf_timeline_add_conn(wsf_timeline *tl, int conn, wsf_event_kind kind, wsf_dir dir,
                                 const char *what, const char *detail_fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The same with an explicit timestamp (absolute, on wsf_now_us's clock). */
wsf_event *wsf_timeline_add_at(wsf_timeline *tl, int64_t abs_us, wsf_event_kind kind, wsf_dir dir,
                               const char *what, const char *detail);

const char *wsf_event_kind_name(wsf_event_kind k);
const char *wsf_dir_name(wsf_dir d); /* "", "peer>target", "target>peer" */

/* Orders the events by time, keeping the order of events stamped alike. */
void wsf_timeline_sort(wsf_timeline *tl);

/* One line per event: "  +12.345ms  target>peer  frame  close 1000 \"bye\"".
 * With conn_names (indexed by an event's conn), a column names the
 * connection of each event that belongs to one. */
void wsf_timeline_print(const wsf_timeline *tl, FILE *out, const char *const *conn_names);

#endif
