/* A scenario's timeline as a sequence diagram: the peer's lane on the left
 * (one lane per connection, up to MAX_LANES of them), the target's on the
 * right, time running down. Frames, HTTP and the wire's
 * SYN/FIN/RST are arrows between the lanes; faults, steps and the peer's
 * states are notes by the peer; the target's log lines and process events are
 * notes by the target. Rows follow the events' order, not a time scale (a
 * scenario's events bunch within microseconds, then wait for seconds), so
 * every row carries its time and long pauses are drawn as breaks. */
#include "markup.h"
#include "report.h"

#include <string.h>

#define ROW 18
#define TOP 44
#define X_TIME 6
#define X_NOTE 90
#define X_PEER 340
#define X_TARGET 700
#define WIDTH 1240
#define GAP_US 20000 /* a pause this long gets a break row */
#define MAX_ROWS 400 /* beyond this, the middle is left out */
#define KEEP_HEAD 250
#define MAX_LANES 8 /* more connections share one lane, named in the labels */
#define LANE_GAP 44

typedef enum { ROW_ARROW, ROW_PEER, ROW_TARGET, ROW_STEP } row_kind;

typedef struct {
    const json_t *ev;
    row_kind kind;
    int out;          /* arrows: 1 peer->target, 0 target->peer */
    const char *cls;  /* CSS class of the arrow or note */
    char label[48];   /* a label built here, when not the event's detail */
    int x;            /* the peer-side lane of its connection */
    const char *conn; /* its connection's name, when all share one lane */
} row;

/* The peer-side lanes: which connections have one, and where. */
typedef struct {
    size_t n;
    const char *name[MAX_LANES];
    int x[MAX_LANES];
    bool shared; /* more connections than lanes: one lane, names in labels */
    int xt;      /* the target's lane, moved right by the extra peer lanes */
    int width;
} lanes;

/* Appends at most max characters of s (UTF-8 aware), escaped, with an
 * ellipsis when cut. */
static void clip(wsf_buf *h, const char *s, size_t len, size_t max)
{
    size_t p = 0, chars = 0;
    while (p < len && chars < max) {
        size_t n = wsf_utf8_seq((const unsigned char *)s + p, len - p);
        p += n ? n : 1;
        chars++;
    }
    wsf_markup(h, s, p);
    if (p < len) wsf_buf_appendf(h, "&#8230;");
}

static void text_of(const json_t *ev, const char *key, const char **s, size_t *n)
{
    const json_t *v = json_object_get(ev, key);
    *s = json_is_string(v) ? json_string_value(v) : "";
    *n = json_is_string(v) ? json_string_length(v) : 0;
}

/* Which events are drawn, and how. Returns 0 for the ones left out: byte
 * counts, and the wire's plain data and ACK segments (frames show those). */
static int classify(const json_t *ev, row *r)
{
    const char *kind = wsf_rj_str(ev, "kind"), *what = wsf_rj_str(ev, "what");
    const char *dir = wsf_rj_str(ev, "dir");
    memset(r, 0, sizeof *r);
    r->ev = ev;
    r->out = !strcmp(dir, "peer>target");
    if (!strcmp(kind, "frame")) {
        r->kind = ROW_ARROW;
        r->cls = wsf_rj_int(ev, "opcode", -1) == 8 ? "close" : "frame";
    } else if (!strcmp(kind, "http")) {
        if (!strcmp(what, "headers")) return 0; /* the table shows the whole head */
        r->kind = ROW_ARROW;
        r->cls = "http";
    } else if (!strcmp(kind, "wire")) {
        if (strcmp(what, "SYN") && strcmp(what, "FIN") && strcmp(what, "RST")) return 0;
        r->kind = ROW_ARROW;
        r->cls = !strcmp(what, "RST") ? "rst" : !strcmp(what, "FIN") ? "fin" : "syn";
        snprintf(r->label, sizeof r->label, "%s (on the wire)", what);
    } else if (!strcmp(kind, "step")) {
        r->kind = ROW_STEP;
        r->cls = "step";
    } else if (!strcmp(kind, "log")) {
        r->kind = ROW_TARGET;
        const char *mark = wsf_rj_str(ev, "mark");
        r->cls = !strcmp(mark, "alarm")   ? "log alarm"
                 : !strcmp(mark, "match") ? "log match"
                 : !strcmp(mark, "noted") ? "log noted"
                                          : "log";
    } else if (!strcmp(kind, "target")) {
        r->kind = ROW_TARGET;
        r->cls = !strcmp(what, "exit") ? "bad" : "note";
        snprintf(r->label, sizeof r->label, "target %s", what);
    } else if (!strcmp(kind, "fault")) {
        r->kind = ROW_PEER;
        r->cls = "fault";
        snprintf(r->label, sizeof r->label, "\xe2\x9a\xa1 fault: %s", what);
    } else if (!strcmp(kind, "timeout")) {
        /* An informational miss is reported, not a failure: not red. */
        r->kind = ROW_PEER;
        r->cls = !strcmp(what, "info") ? "info" : "bad";
    } else if (!strcmp(kind, "tcp")) {
        r->kind = ROW_PEER;
        r->cls = !strcmp(what, "rst") ? "rst" : !strcmp(what, "fin") ? "fin" : "note";
        snprintf(r->label, sizeof r->label, "tcp %s", what);
    } else if (!strcmp(kind, "state") || !strcmp(kind, "note")) {
        r->kind = ROW_PEER;
        r->cls = "note";
    } else {
        return 0;
    }
    return 1;
}

static void arrow(wsf_buf *h, const lanes *L, const row *r, int y)
{
    int from = r->out ? r->x : L->xt, to = r->out ? L->xt : r->x;
    int tip = r->out ? to - 1 : to + 1, back = r->out ? -9 : 9;
    wsf_buf_appendf(h, "<line class=\"arrow %s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", r->cls,
                    from, y, tip, y);
    wsf_buf_appendf(h, "<path class=\"arrow %s\" d=\"M%d %d L%d %d L%d %d\"/>", r->cls, tip + back,
                    y - 4, tip, y, tip + back, y + 4);
    wsf_buf_appendf(h, "<text class=\"%s\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", r->cls,
                    (L->x[L->n - 1] + L->xt) / 2, y - 3);
}

/* A dot on a lane and a text beside it: the row's label, then its detail. */
static void note(wsf_buf *h, const row *r, int y, int lane, int x, const char *anchor,
                 const char *sep, size_t max, const char *detail, size_t dlen)
{
    wsf_buf_appendf(h, "<circle class=\"%s\" cx=\"%d\" cy=\"%d\" r=\"3\"/>", r->cls, lane, y);
    wsf_buf_appendf(h, "<text class=\"%s\" x=\"%d\" y=\"%d\" text-anchor=\"%s\">", r->cls, x, y + 4,
                    anchor);
    if (r->conn) wsf_buf_appendf(h, "%s: ", r->conn);
    if (*r->label) {
        wsf_markup_str(h, r->label);
        if (dlen) wsf_buf_appendf(h, "%s", sep);
    }
    clip(h, detail, dlen, max);
    wsf_buf_appendf(h, "</text>");
}

/* A row is drawn at its own origin and moved down to y: rows of one kind
 * are then the same markup but for their words, which keeps a diagram held
 * back in the page small once deflated. */
static void draw(wsf_buf *h, const lanes *L, const row *r, int row_y)
{
    const int y = 0;
    const char *detail;
    size_t dlen;
    text_of(r->ev, "detail", &detail, &dlen);
    char ts[32];
    wsf_report_time(wsf_rj_int(r->ev, "t_us", 0), ts, sizeof ts);
    wsf_buf_appendf(h, "<g transform=\"translate(0 %d)\"><title>%s ", row_y, ts);
    wsf_rj_markup(h, r->ev, "kind");
    wsf_buf_appendf(h, " ");
    wsf_rj_markup(h, r->ev, "what");
    wsf_buf_appendf(h, ": ");
    wsf_markup(h, detail, dlen);
    wsf_buf_appendf(h, "</title><text class=\"time\" x=\"%d\" y=\"%d\">%s</text>", X_TIME, y + 4,
                    ts);
    switch (r->kind) {
    case ROW_ARROW:
        arrow(h, L, r, y);
        if (r->conn) wsf_buf_appendf(h, "%s: ", r->conn);
        if (*r->label) {
            wsf_markup_str(h, r->label);
        } else {
            clip(h, detail, dlen, 52);
        }
        wsf_buf_appendf(h, "</text>");
        break;
    case ROW_STEP:
        wsf_buf_appendf(h, "<line class=\"step-line\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
                        X_NOTE, y + 6, L->width - 10, y + 6);
        wsf_buf_appendf(h, "<text class=\"step\" x=\"%d\" y=\"%d\">", X_NOTE, y + 4);
        clip(h, detail, dlen, 90);
        wsf_buf_appendf(h, "</text>");
        break;
    case ROW_PEER:
        /* Left of the leftmost peer lane, ending there: room for less. */
        note(h, r, y, r->x, L->x[0] - 8, "end", " ", *r->label ? 20 : 36, detail, dlen);
        break;
    case ROW_TARGET:
        note(h, r, y, L->xt, L->xt + 10, "start", ": ", 80, detail, dlen);
        break;
    }
    wsf_buf_appendf(h, "</g>\n");
}

static void gap(wsf_buf *h, const lanes *L, int y, const char *text)
{
    wsf_buf_appendf(h, "<line class=\"gap-line\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", X_NOTE,
                    y, L->width - 10, y);
    wsf_buf_appendf(h, "<text class=\"gap\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    (L->x[L->n - 1] + L->xt) / 2, y - 3, text);
}

/* A lane for each connection that has an event, in the order they are
 * listed, the last one where a single peer's lane would be. */
static void lay_lanes(const json_t *sc, const json_t *tl, lanes *L)
{
    memset(L, 0, sizeof *L);
    L->xt = X_TARGET;
    L->width = WIDTH;
    const json_t *names = json_object_get(sc, "connections");
    size_t used = 0, n = json_array_size(names);
    for (size_t i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(names, i));
        bool seen = false;
        for (size_t k = 0; k < json_array_size(tl) && !seen && name; k++)
            seen = !strcmp(wsf_rj_str(json_array_get(tl, k), "conn"), name);
        if (!seen) continue;
        if (used < MAX_LANES) L->name[used] = name;
        used++;
    }
    if (used <= 1 || used > MAX_LANES) {
        L->n = 1;
        L->shared = used > 1;
        L->name[0] = NULL;
        L->x[0] = X_PEER;
        return;
    }
    /* Peer lanes from where the single one is, rightwards; the target's
     * lane and the picture move right by as much. */
    L->n = used;
    for (size_t i = 0; i < used; i++)
        L->x[i] = X_PEER + (int)i * LANE_GAP;
    L->xt = X_TARGET + (int)(used - 1) * LANE_GAP;
    L->width = WIDTH + (int)(used - 1) * LANE_GAP;
}

static void place(const lanes *L, row *r)
{
    const char *conn = wsf_rj_str(r->ev, "conn");
    r->x = L->x[0];
    if (!*conn) return;
    if (L->shared) {
        r->conn = conn;
        return;
    }
    for (size_t i = 0; i < L->n; i++)
        if (L->name[i] && !strcmp(L->name[i], conn)) r->x = L->x[i];
}

void wsf_report_svg(wsf_buf *out, const wsf_report *r, const wsf_report_entry *e)
{
    const json_t *tl = json_object_get(e->sc, "timeline");
    size_t n = json_array_size(tl), nrows = 0;
    row *rows = wsf_xcalloc(n ? n : 1, sizeof *rows);
    lanes L;
    lay_lanes(e->sc, tl, &L);
    for (size_t i = 0; i < n; i++)
        if (classify(json_array_get(tl, i), &rows[nrows])) place(&L, &rows[nrows++]);

    /* Heights first: the SVG's size goes in its opening tag. */
    size_t skip_from = nrows, skip_to = nrows;
    if (nrows > MAX_ROWS) skip_from = KEEP_HEAD, skip_to = nrows - (MAX_ROWS - KEEP_HEAD);
    int lines = 0;
    json_int_t last_t = 0;
    for (size_t i = 0; i < nrows; i++) {
        if (i >= skip_from && i < skip_to) continue;
        json_int_t t = wsf_rj_int(rows[i].ev, "t_us", 0);
        if ((i > 0 && t - last_t >= GAP_US) || i == skip_to) lines++;
        last_t = t;
        lines++;
    }
    int height = TOP + (lines + 1) * ROW;

    wsf_buf_appendf(out,
                    "<svg class=\"seq\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"sequence "
                    "diagram\" data-events=\"%zu\">\n",
                    L.width, height, L.width, height, nrows);
    if (L.n == 1)
        wsf_buf_appendf(out,
                        "<text class=\"lane-head\" x=\"%d\" y=\"18\" text-anchor=\"middle\">peer "
                        "(wsfault)</text>",
                        X_PEER);
    for (size_t i = 0; L.n > 1 && i < L.n; i++) {
        wsf_buf_appendf(out, "<text class=\"lane-head\" x=\"%d\" y=\"18\" text-anchor=\"middle\">",
                        L.x[i]);
        clip(out, L.name[i], strlen(L.name[i]), 6);
        wsf_buf_appendf(out, "</text>");
    }
    wsf_buf_appendf(
        out, "<text class=\"lane-head\" x=\"%d\" y=\"18\" text-anchor=\"middle\">target: ", L.xt);
    clip(out, r->targets[e->col], strlen(r->targets[e->col]), 40);
    wsf_buf_appendf(out, "</text>\n");
    for (size_t i = 0; i < L.n; i++)
        wsf_buf_appendf(out, "<line class=\"lane\" x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\"/>",
                        L.x[i], L.x[i], height - 6);
    wsf_buf_appendf(out, "<line class=\"lane\" x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\"/>\n", L.xt,
                    L.xt, height - 6);

    int y = TOP;
    last_t = 0;
    for (size_t i = 0; i < nrows; i++) {
        if (i >= skip_from && i < skip_to) continue;
        json_int_t t = wsf_rj_int(rows[i].ev, "t_us", 0);
        if (i == skip_to && skip_to > skip_from) {
            char text[96];
            snprintf(text, sizeof text, "%zu events not drawn (results.json has them all)",
                     skip_to - skip_from);
            gap(out, &L, y, text);
            y += ROW;
        } else if (i > 0 && t - last_t >= GAP_US) {
            char d[32], text[64];
            wsf_format_duration(t - last_t, d, sizeof d);
            snprintf(text, sizeof text, "%s later", d);
            gap(out, &L, y, text);
            y += ROW;
        }
        last_t = t;
        draw(out, &L, &rows[i], y);
        y += ROW;
    }
    wsf_buf_appendf(out, "</svg>");
    free(rows);
}
