/* The scenario parser: one statement per line, dispatched on its first word.
 * Every error names file:line:col, what was expected and what was found. */
#include "scenario.h"
#include "cursor.h"
#include "bounds.h"
#include "frame.h"
#include "target.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONNECT_US 2000000
#define DEFAULT_HANDSHAKE_US 2000000

typedef struct {
    wsf_cursor c;
    wsf_scenario *s;
    wsf_step *st; /* the step this line makes, once it is known */
    int nested;   /* inside this many repeat blocks */
    /* The connection the line's "name:" gave (else 0), or its set (else -1). */
    unsigned conn;
    int set;
    const wsf_token *prefix; /* the "name:" token, NULL without one */
    uint64_t *sent;          /* the payload bytes the file sends so far, all cases */
    size_t *rx_bytes;        /* the file's compiled patterns so far, all cases */
} parser;

static void free_strs(char **a, size_t n);

static wsf_step *new_step(parser *p, wsf_step_kind kind, const char *line, size_t len)
{
    wsf_scenario *s = p->s;
    s->steps = wsf_xrealloc(s->steps, (s->n_steps + 1) * sizeof *s->steps);
    wsf_step *st = &s->steps[s->n_steps++];
    memset(st, 0, sizeof *st);
    st->kind = kind;
    st->line = p->c.line;
    st->conn = p->conn;
    st->set = p->set;
    st->named = p->prefix != NULL;
    size_t code = wsf_line_code_len(line, len);
    while (code > 0 && (line[code - 1] == ' ' || line[code - 1] == '\t'))
        code--;
    size_t lead = 0;
    while (lead < code && (line[lead] == ' ' || line[lead] == '\t'))
        lead++;
    st->text = wsf_xstrndup(line + lead, code - lead);
    p->st = st;
    return st;
}

/* A named bound where a duration (or a size) goes: 1 when the word is one
 * (the step remembers which; the runner looks up the target's value), 0
 * when no word is there, -1 for a word that is no bound of that kind. */
static int named_bound(parser *p, bool size, const char *what)
{
    wsf_cursor *c = &p->c;
    const wsf_token *t = wsf_cur_peek(c);
    if (!t || t->kind != WSF_TOK_WORD || t->text[0] < 'a' || t->text[0] > 'z') return 0;
    wsf_bound b = wsf_bound_from_name(t->text);
    if (b == WSF_BOUND_NONE || wsf_bound_is_size(b) != size) {
        wsf_cur_error_at(c, t, "expected %s or a named bound (%s), found '%s'", what,
                         wsf_bound_names(size), t->text);
        return -1;
    }
    c->i++;
    if (size)
        p->st->size_bound = b;
    else
        p->st->bound = b;
    return 1;
}

static bool parse_time(parser *p, const char *what, int64_t *us)
{
    int named = named_bound(p, false, what);
    if (named) {
        *us = 0;
        return named > 0;
    }
    return wsf_cur_duration(&p->c, what, us);
}

static bool parse_size_or_bound(parser *p, const char *what, uint64_t *size)
{
    int named = named_bound(p, true, what);
    if (named) {
        *size = 0;
        return named > 0;
    }
    return wsf_cur_size(&p->c, what, size);
}

static void push_str(char ***arr, size_t *n, const char *s)
{
    *arr = wsf_xrealloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[(*n)++] = wsf_xstrdup(s);
}

void wsf_payload_set(wsf_payload *p, const void *data, size_t len)
{
    wsf_buf_reset(&p->pattern);
    wsf_buf_append(&p->pattern, data, len);
    p->len = len;
}

uint8_t wsf_payload_at(const wsf_payload *p, uint64_t i)
{
    return p->pattern.data[i % p->pattern.len];
}

void wsf_payload_build(const wsf_payload *p, uint64_t n, wsf_buf *out)
{
    if (n > p->len) n = p->len;
    if (n == 0) return;
    /* Whole copies of the pattern, then the part of one it ends in. */
    wsf_buf_reserve(out, n);
    const size_t plen = p->pattern.len;
    for (uint64_t done = 0; done < n;) {
        size_t k = n - done < plen ? (size_t)(n - done) : plen;
        wsf_buf_append(out, p->pattern.data, k);
        done += k;
    }
}

bool wsf_payload_equals(const wsf_payload *p, const uint8_t *data, size_t len)
{
    if (len != p->len) return false;
    const size_t plen = p->pattern.len;
    for (size_t at = 0; at < len; at += plen) {
        size_t k = len - at < plen ? len - at : plen;
        if (memcmp(data + at, p->pattern.data, k) != 0) return false;
    }
    return true;
}

void wsf_payload_free(wsf_payload *p)
{
    wsf_buf_free(&p->pattern);
    p->len = 0;
}

/* payload := STRING | hex STRING | repeat STRING SIZE | size SIZE
 * Returns false when no payload starts here (nothing consumed), or on error.
 * A sized payload stays a pattern and a length until it is sent. */
static bool parse_payload(parser *p, wsf_payload *out, bool *given)
{
    wsf_cursor *c = &p->c;
    const wsf_token *t = wsf_cur_peek(c);
    *given = false;
    if (!t) return true;
    if (t->kind == WSF_TOK_STRING) {
        wsf_payload_set(out, t->text, t->len);
        c->i++;
        *given = true;
        return true;
    }
    if (wsf_cur_accept(c, "hex")) {
        const wsf_token *h;
        if (!wsf_cur_string(c, "a string of hex digits after 'hex'", &h)) return false;
        wsf_buf_reset(&out->pattern);
        if (wsf_parse_hex(h->text, &out->pattern) < 0) {
            wsf_cur_error_at(c, h, "expected pairs of hex digits, found \"%s\"", h->text);
            return false;
        }
        out->len = out->pattern.len;
        *given = true;
        return true;
    }
    const wsf_token *pat = NULL;
    bool repeat = wsf_cur_accept(c, "repeat");
    if (repeat) {
        if (!wsf_cur_string(c, "a pattern string after 'repeat'", &pat)) return false;
        if (pat->len == 0) {
            wsf_cur_error_at(c, pat, "expected a non-empty pattern, found an empty string");
            return false;
        }
    }
    if (repeat || wsf_cur_accept(c, "size")) {
        uint64_t size;
        if (!wsf_cur_size(c,
                          repeat ? "a size after the pattern (e.g. 64KiB)"
                                 : "a size after 'size' (e.g. 64KiB)",
                          &size))
            return false;
        if (size > (64u << 20)) {
            wsf_cur_error_at(c, &c->toks.tok[c->i - 1], "payload size over the 64MiB limit");
            return false;
        }
        wsf_buf_reset(&out->pattern);
        wsf_buf_append(&out->pattern, repeat ? pat->text : "x", repeat ? pat->len : 1);
        out->len = size;
        *given = true;
        return true;
    }
    return true;
}

/* Adds what a send step sends (for every member of its set) to the file's
 * payload bytes, and refuses the step that takes them over the budget. */
static bool count_sent(parser *p, const wsf_step *st)
{
    uint64_t n;
    if (st->kind == WSF_STEP_SEND)
        n = st->u.send.payload.len * st->u.send.times;
    else if (st->kind == WSF_STEP_SEND_RAW)
        n = st->u.raw.bytes.len;
    else
        return true;
    if (st->set >= 0) n *= p->s->sets[st->set].n;
    *p->sent += n;
    if (*p->sent <= WSF_MAX_FILE_PAYLOAD) return true;
    wsf_cur_error_at(&p->c, p->c.toks.n ? &p->c.toks.tok[0] : NULL,
                     "the file's payloads add up to more than 1GiB (over its steps, sets, "
                     "times and cases), the most one file may send");
    return false;
}

/* opcode := text | binary | close | ping | pong | continuation | opcode N */
static bool parse_opcode(parser *p, int *op, bool allow_frame)
{
    wsf_cursor *c = &p->c;
    const wsf_token *t = wsf_cur_peek(c);
    if (wsf_cur_accept(c, "opcode")) {
        uint64_t v;
        if (!wsf_cur_uint(c, "an opcode number 0-15", 15, &v)) return false;
        *op = (int)v;
        return true;
    }
    if (allow_frame && wsf_cur_accept(c, "frame")) {
        *op = -1;
        return true;
    }
    if (t && t->kind == WSF_TOK_WORD && wsf_opcode_from_name(t->text) >= 0) {
        *op = wsf_opcode_from_name(t->text);
        c->i++;
        return true;
    }
    /* Only expect allows 'frame', and there the other expectations (no frame,
     * tcp, http) are as likely to be what was meant as a frame kind. */
    wsf_cur_expected(
        c, allow_frame
               ? "an expectation (text, binary, close, ping, pong, "
                 "continuation, opcode N, frame, no frame, tcp, http, target, fds, "
                 "socket, log, no log, states, closing, wire, fail-connection, close-connection)"
               : "a frame kind (text, binary, close, ping, pong, "
                 "continuation, opcode N)");
    return false;
}

static bool parse_close_code(parser *p, uint64_t *code)
{
    return wsf_cur_uint(&p->c, "a close code 0-65535", 65535, code);
}

/* CODE or CODE|CODE|...: the codes an expectation accepts. WHAT names a
 * single code in the error (the closing fact also takes 'none'). */
static bool parse_close_codes(parser *p, wsf_expect *e, const char *what)
{
    wsf_cursor *c = &p->c;
    const wsf_token *t = wsf_cur_peek(c);
    const size_t max = 1 + sizeof e->alt_codes / sizeof *e->alt_codes;
    int codes[1 + sizeof e->alt_codes / sizeof *e->alt_codes];
    size_t n = 0;
    const char *s = t ? t->text : "";
    bool ok = t && t->kind == WSF_TOK_WORD;
    while (ok) {
        size_t len = strcspn(s, "|");
        char part[16];
        uint64_t v;
        ok = len > 0 && len < sizeof part && n < max;
        if (!ok) break;
        memcpy(part, s, len);
        part[len] = '\0';
        ok = wsf_parse_uint(part, &v) == 0 && v <= 65535;
        if (!ok) break;
        codes[n++] = (int)v;
        if (s[len] == '\0') break;
        s += len + 1;
    }
    if (!ok) {
        if (n == max)
            wsf_cur_error_at(c, t, "at most %zu close codes, found '%s'", max, t->text);
        else
            wsf_cur_expected(c, t && strchr(t->text, '|')
                                    ? "close codes 0-65535 joined by '|' (e.g. 1002|1007)"
                                    : what);
        return false;
    }
    e->close_code = codes[0];
    for (size_t i = 1; i < n; i++)
        e->alt_codes[e->n_alt_codes++] = codes[i];
    c->i++;
    return true;
}

static bool parse_send(parser *p, wsf_step *st)
{
    wsf_cursor *c = &p->c;
    if (wsf_cur_accept(c, "raw")) {
        st->kind = WSF_STEP_SEND_RAW;
        bool given;
        if (!parse_payload(p, &st->u.raw.bytes, &given)) return false;
        if (!given) {
            wsf_cur_expected(c, "the bytes to send (\"text\", hex \"..\", repeat \"..\" SIZE)");
            return false;
        }
        return wsf_cur_end(c);
    }
    st->u.send.fin = true;
    st->u.send.masked = true;
    st->u.send.fragments = 1;
    st->u.send.times = 1;
    st->u.send.partial = -1;
    if (!parse_opcode(p, &st->u.send.opcode, false)) return false;
    const wsf_token *t = wsf_cur_peek(c);
    if (st->u.send.opcode == WSF_OP_CLOSE && t && t->kind == WSF_TOK_WORD && t->text[0] >= '0' &&
        t->text[0] <= '9') {
        uint64_t code;
        if (!parse_close_code(p, &code)) return false;
        const wsf_token *reason = NULL;
        t = wsf_cur_peek(c);
        if (t && t->kind == WSF_TOK_STRING) {
            reason = t;
            c->i++;
        }
        wsf_close_payload(&st->u.send.payload.pattern, (int)code, reason ? reason->text : "",
                          reason ? reason->len : 0);
        st->u.send.payload.len = st->u.send.payload.pattern.len;
    } else {
        bool given;
        if (!parse_payload(p, &st->u.send.payload, &given)) return false;
    }
    while (!wsf_cur_at_end(c)) {
        uint64_t v;
        if (wsf_cur_accept(c, "fin")) {
            if (!wsf_cur_uint(c, "0 or 1 after 'fin'", 1, &v)) return false;
            st->u.send.fin = v;
        } else if (wsf_cur_accept(c, "rsv")) {
            if (!wsf_cur_uint(c, "RSV bits 0-7 after 'rsv'", 7, &v)) return false;
            st->u.send.rsv = (int)v;
        } else if (wsf_cur_accept(c, "unmasked")) {
            st->u.send.masked = false;
        } else if (wsf_cur_accept(c, "fragments")) {
            if (!wsf_cur_uint(c, "a fragment count 1-65536", 65536, &v)) return false;
            if (v == 0) {
                wsf_cur_error_at(c, &c->toks.tok[c->i - 1], "expected at least 1 fragment");
                return false;
            }
            st->u.send.fragments = (unsigned)v;
        } else if (wsf_cur_accept(c, "partial")) {
            if (!wsf_cur_size(c, "a byte count after 'partial'", &v)) return false;
            st->u.send.partial = (int64_t)v;
        } else if (wsf_cur_accept(c, "times")) {
            if (!wsf_cur_uint(c, "a repeat count 1-100000 after 'times'", 100000, &v)) return false;
            if (v == 0 || (uint64_t)st->u.send.payload.len * v > (256u << 20)) {
                wsf_cur_error_at(c, &c->toks.tok[c->i - 1],
                                 "expected a count from 1 that keeps the total under 256MiB");
                return false;
            }
            st->u.send.times = (unsigned)v;
        } else {
            wsf_cur_expected(c, "a send option (fin, rsv, unmasked, fragments, partial, times) "
                                "or end of line");
            return false;
        }
    }
    return true;
}

static bool parse_handshake(parser *p, wsf_step *st)
{
    wsf_cursor *c = &p->c;
    typeof(st->u.handshake) *h = &st->u.handshake;
    h->partial = -1;
    h->within_us = DEFAULT_HANDSHAKE_US;
    bool faulty = false, nowait = false;
    const wsf_token *t;
    while (!wsf_cur_at_end(c)) {
        if (wsf_cur_accept(c, "path")) {
            if (!wsf_cur_string(c, "a request path string after 'path'", &t)) return false;
            free(h->path);
            h->path = wsf_xstrdup(t->text);
        } else if (wsf_cur_accept(c, "header")) {
            if (!wsf_cur_string(c, "a \"Name: value\" string after 'header'", &t)) return false;
            push_str(&h->headers, &h->n_headers, t->text);
        } else if (wsf_cur_accept(c, "omit")) {
            const char *w;
            if (!wsf_cur_any_word(c, "a header name after 'omit'", &w)) return false;
            push_str(&h->omit, &h->n_omit, w);
            faulty = true;
        } else if (wsf_cur_accept(c, "key")) {
            if (!wsf_cur_string(c, "a key string after 'key'", &t)) return false;
            free(h->key);
            h->key = wsf_xstrdup(t->text);
            faulty = true;
        } else if (wsf_cur_accept(c, "bad-key")) {
            free(h->key);
            h->key = wsf_xstrdup("not-a-valid-key");
            faulty = true;
        } else if (wsf_cur_accept(c, "version")) {
            const char *w;
            if (!wsf_cur_any_word(c, "a version after 'version'", &w)) return false;
            free(h->version);
            h->version = wsf_xstrdup(w);
            faulty = true;
        } else if (wsf_cur_accept(c, "partial")) {
            uint64_t v;
            if (!wsf_cur_size(c, "a byte count after 'partial'", &v)) return false;
            h->partial = (int64_t)v;
            faulty = true;
        } else if (wsf_cur_accept(c, "nowait")) {
            nowait = true;
        } else if (wsf_cur_accept(c, "within")) {
            if (!parse_time(p, "a duration after 'within' (e.g. 2s)", &h->within_us)) return false;
        } else {
            wsf_cur_expected(c, "a handshake option (path, header, omit, key, bad-key, "
                                "version, partial, nowait, within) or end of line");
            return false;
        }
    }
    /* A request the RFC says must be refused is not waited on: the scenario
     * says with its own expectations what the target should do with it. */
    h->wait = !faulty && !nowait;
    return true;
}

static bool parse_within(parser *p, wsf_expect *e)
{
    wsf_cursor *c = &p->c;
    if (!wsf_cur_word(c, "within")) return false;
    if (!parse_time(p, "a duration after 'within' (e.g. 500ms)", &e->within_us)) return false;
    return wsf_cur_end(c);
}

const char *wsf_level_name(wsf_level l)
{
    return l == WSF_LEVEL_SHOULD ? "should" : l == WSF_LEVEL_INFO ? "info" : "must";
}

static const char *const state_names[] = {"connecting", "open", "closing-sent", "closing-received",
                                          "closed"};

const char *wsf_conn_state_name(wsf_conn_state s)
{
    return (unsigned)s < sizeof state_names / sizeof *state_names ? state_names[s] : "?";
}

int wsf_conn_state_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof state_names / sizeof *state_names; i++)
        if (!strcmp(state_names[i], name)) return (int)i;
    return -1;
}

/* One /regex/ into the expectation's list, compiled now so a bad pattern is
 * a parse error with its column. */
static bool add_pattern(parser *p, wsf_expect *e)
{
    wsf_cursor *c = &p->c;
    const wsf_token *re;
    if (!wsf_cur_regex(c, "a /regular expression/", &re)) return false;
    char msg[256];
    wsf_rx *rx = wsf_rx_compile(re->text, msg, sizeof msg);
    if (!rx) {
        wsf_cur_error_at(c, re, "bad regular expression: %s", msg);
        return false;
    }
    if (!wsf_rx_budget(rx, p->rx_bytes, msg, sizeof msg)) {
        wsf_rx_free(rx);
        wsf_cur_error_at(c, re, "%s", msg);
        return false;
    }
    e->regexes = wsf_xrealloc(e->regexes, (e->n_patterns + 1) * sizeof *e->regexes);
    e->regexes[e->n_patterns] = rx;
    e->patterns = wsf_xrealloc(e->patterns, (e->n_patterns + 1) * sizeof *e->patterns);
    e->patterns[e->n_patterns++] = wsf_xstrdup(re->text);
    return true;
}

static bool parse_peer_or_target(parser *p, bool *by_target)
{
    if (wsf_cur_accept(&p->c, "target"))
        *by_target = true;
    else if (wsf_cur_accept(&p->c, "peer"))
        *by_target = false;
    else {
        wsf_cur_expected(&p->c, "'peer' or 'target'");
        return false;
    }
    return true;
}

/* expect target alive|exited|killed|rss ... */
static bool parse_expect_target(parser *p, wsf_expect *e)
{
    wsf_cursor *c = &p->c;
    uint64_t v;
    if (wsf_cur_accept(c, "alive")) {
        e->kind = WSF_EXP_TARGET_ALIVE;
        if (wsf_cur_accept(c, "for")) {
            e->for_time = true;
            if (!parse_time(p, "a duration after 'for' (e.g. 1s)", &e->within_us)) return false;
        }
        return wsf_cur_end(c);
    }
    if (wsf_cur_accept(c, "exited")) {
        e->kind = WSF_EXP_TARGET_EXITED;
        e->exit_status = -1;
        const wsf_token *t = wsf_cur_peek(c);
        if (t && t->kind == WSF_TOK_WORD && strcmp(t->text, "within") != 0) {
            if (!wsf_cur_uint(c, "an exit status 0-255 or 'within'", 255, &v)) return false;
            e->exit_status = (int)v;
        }
        return parse_within(p, e);
    }
    if (wsf_cur_accept(c, "killed")) {
        e->kind = WSF_EXP_TARGET_KILLED;
        wsf_cur_accept(c, "by");
        const wsf_token *t = wsf_cur_peek(c);
        const char *name;
        if (!wsf_cur_any_word(c, "a signal name (SEGV, ABRT, KILL, ...)", &name)) return false;
        e->signal = wsf_signal_from_name(name);
        if (e->signal < 0) {
            wsf_cur_error_at(
                c, t, "expected a signal name (SEGV, ABRT, KILL, TERM, ...), found '%s'", name);
            return false;
        }
        return parse_within(p, e);
    }
    if (wsf_cur_accept(c, "rss")) {
        if (wsf_cur_accept(c, "below"))
            e->kind = WSF_EXP_RSS_BELOW;
        else if (wsf_cur_accept(c, "growth")) {
            e->kind = WSF_EXP_RSS_GROWTH;
            if (!wsf_cur_word(c, "below")) return false;
        } else {
            wsf_cur_expected(c, "'below' or 'growth below' after 'rss'");
            return false;
        }
        if (!parse_size_or_bound(p, "a size (e.g. 64MiB)", &e->size)) return false;
        return wsf_cur_end(c);
    }
    if (wsf_cur_accept(c, "ended")) {
        e->kind = WSF_EXP_TARGET_ENDED;
        return parse_within(p, e);
    }
    wsf_cur_expected(c, "alive, exited, killed, ended or rss after 'target'");
    return false;
}

/* "from peer|target" after a wire fact. */
static bool parse_from(parser *p, wsf_expect *e)
{
    if (!wsf_cur_word(&p->c, "from")) return false;
    return parse_peer_or_target(p, &e->by_target);
}

/* expect wire fin first by X | fin from X within T | rst from X within T |
 * no rst from X [for T] | zero-window from target within T |
 * retransmissions below N */
static bool parse_expect_wire(parser *p, wsf_expect *e)
{
    wsf_cursor *c = &p->c;
    e->kind = WSF_EXP_WIRE;
    if (wsf_cur_accept(c, "fin")) {
        if (wsf_cur_accept(c, "first")) {
            e->wire = WSF_WIRE_FIN_FIRST;
            if (!wsf_cur_word(c, "by") || !parse_peer_or_target(p, &e->by_target)) return false;
            return wsf_cur_end(c);
        }
        e->wire = WSF_WIRE_FIN;
        return parse_from(p, e) && parse_within(p, e);
    }
    if (wsf_cur_accept(c, "rst")) {
        e->wire = WSF_WIRE_RST;
        return parse_from(p, e) && parse_within(p, e);
    }
    if (wsf_cur_accept(c, "no")) {
        e->wire = WSF_WIRE_NO_RST;
        if (!wsf_cur_word(c, "rst") || !parse_from(p, e)) return false;
        if (wsf_cur_accept(c, "for") &&
            !parse_time(p, "a duration after 'for' (e.g. 1s)", &e->within_us))
            return false;
        return wsf_cur_end(c);
    }
    if (wsf_cur_accept(c, "zero-window")) {
        e->wire = WSF_WIRE_ZERO_WINDOW;
        e->by_target = true;
        if (!wsf_cur_word(c, "from") || !wsf_cur_word(c, "target")) return false;
        return parse_within(p, e);
    }
    if (wsf_cur_accept(c, "retransmissions")) {
        e->wire = WSF_WIRE_RETRANS;
        if (!wsf_cur_word(c, "below")) return false;
        if (!wsf_cur_uint(c, "a count", 1000000, &e->size)) return false;
        return wsf_cur_end(c);
    }
    wsf_cur_expected(c, "fin, rst, no rst, zero-window or retransmissions after 'wire'");
    return false;
}

/* expect closing initiator|clean|dropped-by|code ... */
static bool parse_expect_closing(parser *p, wsf_expect *e)
{
    wsf_cursor *c = &p->c;
    e->kind = WSF_EXP_CLOSING;
    if (wsf_cur_accept(c, "initiator")) {
        e->fact = WSF_FACT_INITIATOR;
        if (!parse_peer_or_target(p, &e->by_target)) return false;
    } else if (wsf_cur_accept(c, "clean")) {
        e->fact = WSF_FACT_CLEAN;
    } else if (wsf_cur_accept(c, "dropped-by")) {
        e->fact = WSF_FACT_DROPPED;
        if (!parse_peer_or_target(p, &e->by_target)) return false;
    } else if (wsf_cur_accept(c, "code")) {
        e->fact = WSF_FACT_CODE;
        if (wsf_cur_accept(c, "none"))
            e->close_code = -1;
        else if (!parse_close_codes(p, e, "a close code 0-65535 or 'none'"))
            return false;
        const wsf_token *t = wsf_cur_peek(c);
        if (t && t->kind == WSF_TOK_STRING) {
            e->check_reason = true;
            wsf_buf_append(&e->reason, t->text, t->len);
            c->i++;
        }
    } else {
        wsf_cur_expected(c, "initiator, clean, dropped-by or code after 'closing'");
        return false;
    }
    return wsf_cur_end(c);
}

static bool parse_expect(parser *p, wsf_step *st)
{
    wsf_cursor *c = &p->c;
    wsf_expect *e = &st->u.expect;
    e->opcode = -1;
    if (wsf_cur_accept(c, "target")) return parse_expect_target(p, e);
    if (wsf_cur_accept(c, "closing")) return parse_expect_closing(p, e);
    if (wsf_cur_accept(c, "wire")) return parse_expect_wire(p, e);
    if (wsf_cur_accept(c, "fail-connection") || wsf_cur_accept(c, "close-connection")) {
        /* expect fail-connection|close-connection [may-close] [CODE|CODE...]
         * within T */
        e->kind = WSF_EXP_FAIL_CONNECTION;
        e->own_accord = c->toks.tok[c->i - 1].text[0] == 'c';
        e->close_code = WSF_CLOSE_ANY;
        e->close_may = wsf_cur_accept(c, "may-close");
        const wsf_token *t = wsf_cur_peek(c);
        if (t && t->kind == WSF_TOK_WORD && t->text[0] >= '0' && t->text[0] <= '9' &&
            !parse_close_codes(p, e, "a close code 0-65535"))
            return false;
        return parse_within(p, e);
    }
    if (wsf_cur_accept(c, "fds")) {
        e->kind = WSF_EXP_FDS_BASELINE;
        if (!wsf_cur_word(c, "baseline")) return false;
        return parse_within(p, e);
    }
    if (wsf_cur_accept(c, "socket")) {
        e->kind = WSF_EXP_SOCKET_RELEASED;
        if (!wsf_cur_word(c, "released")) return false;
        return parse_within(p, e);
    }
    if (wsf_cur_accept(c, "log")) {
        e->kind = WSF_EXP_LOG;
        if (wsf_cur_accept(c, "in")) {
            if (!wsf_cur_word(c, "order")) return false;
            do {
                if (!add_pattern(p, e)) return false;
            } while (wsf_cur_peek(c) && wsf_cur_peek(c)->kind == WSF_TOK_REGEX);
        } else if (!add_pattern(p, e)) {
            return false;
        }
        return parse_within(p, e);
    }
    if (wsf_cur_accept(c, "states")) {
        e->kind = WSF_EXP_STATES;
        do {
            const wsf_token *t = wsf_cur_peek(c);
            const char *name;
            if (!wsf_cur_any_word(c,
                                  "a state (connecting, open, closing-sent, "
                                  "closing-received, closed)",
                                  &name))
                return false;
            int s = wsf_conn_state_from_name(name);
            if (s < 0) {
                wsf_cur_error_at(c, t,
                                 "expected a state (connecting, open, closing-sent, "
                                 "closing-received, closed), found '%s'",
                                 name);
                return false;
            }
            e->states = wsf_xrealloc(e->states, (e->n_states + 1) * sizeof *e->states);
            e->states[e->n_states++] = (wsf_conn_state)s;
        } while (!wsf_cur_at_end(c));
        return true;
    }
    if (wsf_cur_accept(c, "no") && wsf_cur_accept(c, "log")) {
        e->kind = WSF_EXP_NO_LOG;
        if (!add_pattern(p, e)) return false;
        if (wsf_cur_accept(c, "for")) {
            if (!parse_time(p, "a duration after 'for' (e.g. 1s)", &e->within_us)) return false;
        } else if (wsf_cur_accept(c, "until")) {
            if (!wsf_cur_word(c, "end")) return false;
            e->until_end = true;
        }
        return wsf_cur_end(c);
    }
    if (c->i > 0 && !strcmp(c->toks.tok[c->i - 1].text, "no")) {
        e->kind = WSF_EXP_NO_FRAME;
        if (!wsf_cur_word(c, "frame")) return false;
        if (!wsf_cur_accept(c, "for") && !wsf_cur_accept(c, "within")) {
            wsf_cur_expected(c, "'for' or 'within'");
            return false;
        }
        if (!parse_time(p, "a duration (e.g. 1s)", &e->within_us)) return false;
        return wsf_cur_end(c);
    }
    if (wsf_cur_accept(c, "tcp")) {
        if (wsf_cur_accept(c, "fin"))
            e->kind = WSF_EXP_FIN;
        else if (wsf_cur_accept(c, "rst"))
            e->kind = WSF_EXP_RST;
        else if (wsf_cur_accept(c, "closed"))
            e->kind = WSF_EXP_CLOSED;
        else if (wsf_cur_accept(c, "open")) {
            e->kind = WSF_EXP_OPEN;
            if (!wsf_cur_word(c, "for")) return false;
            if (!parse_time(p, "a duration after 'for' (e.g. 2s)", &e->within_us)) return false;
            return wsf_cur_end(c);
        } else {
            wsf_cur_expected(c, "fin, rst, closed or open after 'tcp'");
            return false;
        }
        return parse_within(p, e);
    }
    if (wsf_cur_accept(c, "http")) {
        uint64_t v;
        e->kind = WSF_EXP_HTTP;
        if (!wsf_cur_uint(c, "an HTTP status 100-599", 599, &v)) return false;
        if (v < 100) {
            /* Step back so the message names the refused number. */
            c->i--;
            wsf_cur_expected(c, "an HTTP status 100-599");
            return false;
        }
        e->http_status = (int)v;
        return parse_within(p, e);
    }
    e->kind = WSF_EXP_FRAME;
    if (!parse_opcode(p, &e->opcode, true)) return false;
    if (e->opcode == WSF_OP_CLOSE) {
        e->close_code = WSF_CLOSE_ANY;
        const wsf_token *t = wsf_cur_peek(c);
        if (wsf_cur_accept(c, "any")) {
            e->close_code = WSF_CLOSE_ANY;
        } else if (wsf_cur_accept(c, "empty")) {
            e->close_code = -1;
        } else if (t && t->kind == WSF_TOK_WORD && t->text[0] >= '0' && t->text[0] <= '9') {
            if (!parse_close_codes(p, e, "a close code 0-65535")) return false;
        }
        t = wsf_cur_peek(c);
        if (t && t->kind == WSF_TOK_STRING) {
            e->check_reason = true;
            wsf_buf_append(&e->reason, t->text, t->len);
            c->i++;
        }
        return parse_within(p, e);
    }
    bool given;
    wsf_buf_init(&e->payload.pattern);
    const wsf_token *t = wsf_cur_peek(c);
    if (wsf_cur_accept(c, "size")) {
        if (!wsf_cur_size(c, "a size after 'size'", &e->size)) return false;
        e->payload_check = WSF_PAYLOAD_SIZE;
    } else if (t && t->kind == WSF_TOK_WORD && strcmp(t->text, "within") != 0 &&
               strcmp(t->text, "hex") != 0 && strcmp(t->text, "repeat") != 0) {
        wsf_cur_expected(c, "a payload (\"text\", hex \"..\", repeat \"..\" SIZE, size N) "
                            "or 'within'");
        return false;
    } else {
        if (!parse_payload(p, &e->payload, &given)) return false;
        e->payload_check = given ? WSF_PAYLOAD_BYTES : WSF_PAYLOAD_ANY;
    }
    return parse_within(p, e);
}

static bool parse_words(parser *p, char ***arr, size_t *n, const char *what)
{
    wsf_cursor *c = &p->c;
    if (wsf_cur_at_end(c)) {
        wsf_cur_expected(c, what);
        return false;
    }
    while (!wsf_cur_at_end(c)) {
        const char *w;
        if (!wsf_cur_any_word(c, what, &w)) return false;
        push_str(arr, n, w);
    }
    return true;
}

static int find_conn(const wsf_scenario *s, const char *name, size_t len)
{
    for (size_t i = 1; i < s->n_conns; i++)
        if (strlen(s->conns[i]) == len && !memcmp(s->conns[i], name, len)) return (int)i;
    return -1;
}

static int find_set(const wsf_scenario *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->n_sets; i++)
        if (strlen(s->sets[i].name) == len && !memcmp(s->sets[i].name, name, len)) return (int)i;
    return -1;
}

static bool conn_name_ok(const char *n, size_t len)
{
    if (len == 0 || len > 32 || n[0] < 'a' || n[0] > 'z') return false;
    for (size_t i = 1; i < len; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '-' ||
              n[i] == '_'))
            return false;
    return true;
}

/* "name:" or "set*:" before a statement: the connection it is about. A
 * name not seen yet is looked up again by connect, which makes it. */
static bool take_prefix(parser *p)
{
    wsf_cursor *c = &p->c;
    const wsf_token *t = wsf_cur_peek(c);
    p->conn = 0;
    p->set = -1;
    p->prefix = NULL;
    if (t->kind != WSF_TOK_WORD) return true;
    size_t len = strlen(t->text);
    if (len < 2 || t->text[len - 1] != ':') return true;
    p->prefix = t;
    c->i++;
    bool is_set = t->text[len - 2] == '*';
    size_t n = len - 1 - is_set;
    if (!conn_name_ok(t->text, n) || !strncmp(t->text, "peer", n)) {
        wsf_cur_error_at(c, t,
                         "expected a connection name (a-z, then a-z, 0-9, - or _; not 'peer') "
                         "before ':', found '%s'",
                         t->text);
        return false;
    }
    if (is_set) {
        int k = find_set(p->s, t->text, n);
        if (k < 0) {
            wsf_cur_error_at(c, t, "no connection set '%.*s*' (make it with 'connect N as %.*s*')",
                             (int)n, t->text, (int)n, t->text);
            return false;
        }
        p->set = k;
        p->conn = (unsigned)p->s->sets[k].first;
        return true;
    }
    int k = find_conn(p->s, t->text, n);
    if (k > 0) p->conn = (unsigned)k;
    return true;
}

static unsigned add_conn(wsf_scenario *s, const char *name, size_t len)
{
    s->conns = wsf_xrealloc(s->conns, (s->n_conns + 1) * sizeof *s->conns);
    s->conns[s->n_conns] = wsf_xstrndup(name, len);
    return (unsigned)s->n_conns++;
}

/* A connect makes the connection its prefix names, or with "N as c*" a set
 * of N named c1 .. cN: the connect then applies to each. */
static bool connection_to_make(parser *p)
{
    wsf_cursor *c = &p->c;
    wsf_scenario *s = p->s;
    const wsf_token *t = wsf_cur_peek(c);
    if (t && t->kind == WSF_TOK_WORD && t->text[0] >= '0' && t->text[0] <= '9') {
        uint64_t n;
        if (p->prefix) {
            wsf_cur_error_at(c, p->prefix, "'connect N as name*' names its set itself");
            return false;
        }
        if (!wsf_cur_size(c, "a count", &n)) return false;
        if (n == 0 || n > WSF_MAX_CONNS) {
            wsf_cur_error_at(c, t, "expected from 1 to %d connections", WSF_MAX_CONNS);
            return false;
        }
        if (!wsf_cur_word(c, "as")) return false;
        const wsf_token *nt = wsf_cur_peek(c);
        const char *name;
        if (!wsf_cur_any_word(c, "a set name ending in '*' (e.g. c*)", &name)) return false;
        size_t len = strlen(name);
        if (len < 2 || name[len - 1] != '*' || !conn_name_ok(name, len - 1)) {
            wsf_cur_error_at(c, nt, "expected a set name ending in '*' (e.g. c*), found '%s'",
                             name);
            return false;
        }
        int k = find_set(s, name, len - 1);
        if (k >= 0 && s->sets[k].n != n) {
            wsf_cur_error_at(c, nt, "set '%s' has %zu connections, not %llu", name, s->sets[k].n,
                             (unsigned long long)n);
            return false;
        }
        if (k < 0) {
            if (s->n_conns + n > WSF_MAX_CONNS) {
                wsf_cur_error_at(c, t, "more than %d connections in one scenario", WSF_MAX_CONNS);
                return false;
            }
            s->sets = wsf_xrealloc(s->sets, (s->n_sets + 1) * sizeof *s->sets);
            wsf_conn_set *set = &s->sets[s->n_sets];
            set->name = wsf_xstrndup(name, len - 1);
            set->first = s->n_conns;
            set->n = n;
            for (uint64_t m = 1; m <= n; m++) {
                char member[48];
                int ml = snprintf(member, sizeof member, "%.*s%llu", (int)(len - 1), name,
                                  (unsigned long long)m);
                if (find_conn(s, member, (size_t)ml) > 0) {
                    wsf_cur_error_at(c, nt, "set '%s' would make '%s', already a connection", name,
                                     member);
                    return false;
                }
                add_conn(s, member, (size_t)ml);
            }
            k = (int)s->n_sets++;
        }
        p->set = k;
        p->conn = (unsigned)s->sets[k].first;
        return true;
    }
    if (p->prefix && !p->conn && p->set < 0) {
        if (s->n_conns == WSF_MAX_CONNS) {
            wsf_cur_error_at(c, p->prefix, "more than %d connections in one scenario",
                             WSF_MAX_CONNS);
            return false;
        }
        p->conn = add_conn(s, p->prefix->text, strlen(p->prefix->text) - 1);
    }
    return true;
}

/* Steps that act on or judge one connection; the others (wait, signal,
 * expectations about the target and its log) are about the whole scenario
 * and take no "name:". An expectation about the capture is either. */
bool wsf_step_has_conn(const wsf_step *st)
{
    if (st->kind == WSF_STEP_WAIT || st->kind == WSF_STEP_SIGNAL) return false;
    if (st->kind != WSF_STEP_EXPECT) return true;
    wsf_expect_kind k = st->u.expect.kind;
    /* What the capture saw is the whole scenario's, unless the step names
     * a connection: then only that one's segments count. */
    if (k == WSF_EXP_WIRE) return st->named;
    return k < WSF_EXP_TARGET_ALIVE || k == WSF_EXP_STATES || k == WSF_EXP_CLOSING ||
           k == WSF_EXP_FAIL_CONNECTION;
}

static bool parse_statement_body(parser *p, const char *line, size_t len);

/* One line. Returns false on error (recorded in p->c). */
static bool parse_statement(parser *p, const char *line, size_t len)
{
    size_t before = p->s->n_steps;
    if (!parse_statement_body(p, line, len)) return false;
    if (p->s->n_steps > before && !count_sent(p, &p->s->steps[before])) return false;
    if (p->prefix && (p->s->n_steps == before || !wsf_step_has_conn(&p->s->steps[before]))) {
        wsf_cur_error_at(&p->c, p->prefix,
                         "this statement is about the whole scenario, not one connection (as are "
                         "wait, signal and expectations about the target and its log): drop '%s'",
                         p->prefix->text);
        return false;
    }
    return true;
}

static bool parse_statement_body(parser *p, const char *line, size_t len)
{
    wsf_cursor *c = &p->c;
    wsf_scenario *s = p->s;
    const wsf_token *t;
    if (!take_prefix(p)) return false;
    const wsf_token *kwt = wsf_cur_peek(c);
    if (!kwt || kwt->kind != WSF_TOK_WORD) {
        wsf_cur_expected(c, "a statement (scenario, connect, handshake, send, expect, ...)");
        return false;
    }
    const char *kw = kwt->text;
    c->i++;
    if (s->n_steps == WSF_MAX_STEPS) {
        wsf_cur_error_at(c, kwt, "more than %d steps in one scenario", WSF_MAX_STEPS);
        return false;
    }
    if (!strcmp(kw, "connect") && !connection_to_make(p)) return false;
    if (p->prefix && strcmp(kw, "connect") && !p->conn && p->set < 0) {
        wsf_cur_error_at(c, p->prefix, "no connection '%.*s' yet (say '%s connect' first)",
                         (int)strlen(p->prefix->text) - 1, p->prefix->text, p->prefix->text);
        return false;
    }

    if (!strcmp(kw, "scenario")) {
        if (s->name) {
            wsf_cur_error_at(c, kwt, "a second 'scenario' statement: a file holds one scenario");
            return false;
        }
        if (!wsf_cur_string(c, "the scenario name as a string", &t)) return false;
        s->name = wsf_xstrdup(t->text);
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "description")) {
        if (!wsf_cur_string(c, "the description as a string", &t)) return false;
        if (s->description) {
            char *d = wsf_xasprintf("%s\n%s", s->description, t->text);
            free(s->description);
            s->description = d;
        } else {
            s->description = wsf_xstrdup(t->text);
        }
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "rfc")) {
        wsf_cur_accept(c, "6455");
        return parse_words(p, &s->rfc, &s->n_rfc, "an RFC 6455 section number (e.g. 7.1.1)");
    }
    if (!strcmp(kw, "tags") || !strcmp(kw, "tag"))
        return parse_words(p, &s->tags, &s->n_tags, "a tag word");

    if (!s->name) {
        wsf_cur_error_at(c, kwt, "expected the 'scenario \"name\"' statement before '%s'", kw);
        return false;
    }
    wsf_step *st;
    if (!strcmp(kw, "connect")) {
        st = new_step(p, WSF_STEP_CONNECT, line, len);
        st->u.connect.within_us = DEFAULT_CONNECT_US;
        while (!wsf_cur_at_end(c)) {
            if (wsf_cur_accept(c, "rcvbuf")) {
                if (!wsf_cur_size(c, "a size after 'rcvbuf'", &st->u.connect.rcvbuf)) return false;
            } else if (wsf_cur_accept(c, "sndbuf")) {
                if (!wsf_cur_size(c, "a size after 'sndbuf'", &st->u.connect.sndbuf)) return false;
            } else if (wsf_cur_accept(c, "within")) {
                if (!wsf_cur_duration(c, "a duration after 'within'", &st->u.connect.within_us))
                    return false;
            } else {
                wsf_cur_expected(c, "a connect option (rcvbuf, sndbuf, within) or end of line");
                return false;
            }
        }
        return true;
    }
    if (!strcmp(kw, "handshake")) {
        st = new_step(p, WSF_STEP_HANDSHAKE, line, len);
        return parse_handshake(p, st);
    }
    if (!strcmp(kw, "send")) {
        st = new_step(p, WSF_STEP_SEND, line, len);
        return parse_send(p, st);
    }
    if (!strcmp(kw, "rst")) {
        new_step(p, WSF_STEP_RST, line, len);
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "half-close")) {
        new_step(p, WSF_STEP_HALF_CLOSE, line, len);
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "close")) {
        new_step(p, WSF_STEP_CLOSE, line, len);
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "stall") || !strcmp(kw, "resume")) {
        bool stall = kw[0] == 's';
        if (wsf_cur_accept(c, "read"))
            new_step(p, stall ? WSF_STEP_STALL_READ : WSF_STEP_RESUME_READ, line, len);
        else if (wsf_cur_accept(c, "write"))
            new_step(p, stall ? WSF_STEP_STALL_WRITE : WSF_STEP_RESUME_WRITE, line, len);
        else {
            wsf_cur_expected(c, "'read' or 'write'");
            return false;
        }
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "tls")) {
        /* Which URL a scenario meets is the run's choice: on a ws://
         * connection these are errors when they run, not when parsed. */
        st = new_step(p, WSF_STEP_TLS, line, len);
        if (wsf_cur_accept(c, "close-notify"))
            st->u.tls.fault = WSF_TLS_CLOSE_NOTIFY;
        else if (wsf_cur_accept(c, "truncate"))
            st->u.tls.fault = WSF_TLS_TRUNCATE;
        else if (wsf_cur_accept(c, "stall"))
            st->u.tls.fault = WSF_TLS_STALL;
        else {
            wsf_cur_expected(c, "'close-notify', 'truncate' or 'stall' after 'tls'");
            return false;
        }
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "trickle")) {
        st = new_step(p, WSF_STEP_TRICKLE, line, len);
        if (wsf_cur_accept(c, "off")) return wsf_cur_end(c);
        if (!wsf_cur_size(c, "a byte count or 'off' after 'trickle'", &st->u.trickle.bytes))
            return false;
        if (st->u.trickle.bytes == 0) {
            wsf_cur_error_at(c, &c->toks.tok[c->i - 1],
                             "expected at least 1 byte per tick (use 'trickle off' to stop)");
            return false;
        }
        if (!wsf_cur_word(c, "every")) return false;
        if (!wsf_cur_duration(c, "a duration after 'every' (e.g. 10ms)", &st->u.trickle.every_us))
            return false;
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "wait")) {
        st = new_step(p, WSF_STEP_WAIT, line, len);
        if (!parse_time(p, "a duration (e.g. 100ms)", &st->u.wait.us)) return false;
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "signal")) {
        st = new_step(p, WSF_STEP_SIGNAL, line, len);
        const wsf_token *t = wsf_cur_peek(c);
        const char *name;
        if (!wsf_cur_any_word(c, "a signal name (TERM, INT, HUP, ...)", &name)) return false;
        st->u.signal.sig = wsf_signal_from_name(name);
        if (st->u.signal.sig < 0) {
            wsf_cur_error_at(
                c, t, "expected a signal name (TERM, INT, HUP, QUIT, KILL, ...), found '%s'", name);
            return false;
        }
        return wsf_cur_end(c);
    }
    /* "must" is "expect" said the RFC's way; "should" is its SHOULD: a miss
     * makes the scenario non-strict instead of failed; "info" is for what
     * the RFC leaves open: a miss is reported and changes nothing. */
    if (!strcmp(kw, "expect") || !strcmp(kw, "must") || !strcmp(kw, "should") ||
        !strcmp(kw, "info")) {
        st = new_step(p, WSF_STEP_EXPECT, line, len);
        st->level = kw[0] == 's'   ? WSF_LEVEL_SHOULD
                    : kw[0] == 'i' ? WSF_LEVEL_INFO
                                   : WSF_LEVEL_MUST;
        return parse_expect(p, st);
    }
    wsf_cur_error_at(c, kwt,
                     "expected a statement (scenario, description, rfc, tags, connect, "
                     "handshake, send, rst, half-close, close, stall, resume, trickle, "
                     "tls, wait, signal, expect, must, should, info), found '%s'",
                     kw);
    return false;
}

/* --- lines, variables, repeat blocks and cases ---------------------------- */

typedef struct {
    const char *text;
    size_t len; /* without the newline and a '\r' before it */
    int no;
} src_line;

typedef struct {
    const char *name;
    const char *value;
} var;

#define MAX_VARS 16

/* The first word of a line's code, for finding blocks before lexing it. */
static bool first_word_is(const src_line *l, const char *w)
{
    size_t code = wsf_line_code_len(l->text, l->len), i = 0, n = strlen(w);
    while (i < code && (l->text[i] == ' ' || l->text[i] == '\t'))
        i++;
    return code - i >= n && !memcmp(l->text + i, w, n) &&
           (code - i == n || l->text[i + n] == ' ' || l->text[i + n] == '\t');
}

/* The line with every ${name} replaced by the variable's value; false with
 * the error for a name no 'with' or 'repeat' gave. */
static bool substitute(parser *p, const src_line *l, const var *vars, size_t n_vars, wsf_buf *out)
{
    wsf_buf_reset(out);
    for (size_t i = 0; i < l->len; i++) {
        if (l->text[i] != '$' || i + 1 >= l->len || l->text[i + 1] != '{') {
            wsf_buf_append(out, l->text + i, 1);
            continue;
        }
        const char *end = memchr(l->text + i, '}', l->len - i);
        size_t nlen = end ? (size_t)(end - l->text) - i - 2 : 0;
        const var *v = NULL;
        for (size_t k = n_vars; end && k-- > 0;)
            if (strlen(vars[k].name) == nlen && !memcmp(vars[k].name, l->text + i + 2, nlen)) {
                v = &vars[k];
                break;
            }
        if (!v) {
            wsf_buf known;
            wsf_buf_init(&known);
            for (size_t k = 0; k < n_vars; k++)
                wsf_buf_appendf(&known, "%s%s", k ? ", " : "", vars[k].name);
            snprintf(p->c.err, p->c.errlen,
                     "%s:%d:%zu: unknown variable '%.*s' (variables here: %s)", p->c.file, l->no,
                     i + 1, end ? (int)(nlen + 3) : 2, l->text + i,
                     n_vars ? (char *)known.data : "none; 'with' and 'repeat' make them");
            wsf_buf_free(&known);
            return false;
        }
        wsf_buf_append(out, v->value, strlen(v->value));
        i += nlen + 2;
    }
    wsf_buf_append(out, "", 1);
    out->len--;
    return true;
}

static bool parse_lines(parser *p, const src_line *lines, size_t from, size_t to, var *vars,
                        size_t n_vars);

/* "repeat N [as NAME]" ... "end": the lines between, N times, with NAME
 * (default i) counting 1 .. N. */
static bool parse_repeat(parser *p, const src_line *lines, size_t at, size_t end, var *vars,
                         size_t n_vars)
{
    wsf_cursor *c = &p->c;
    c->i = 1;
    uint64_t n;
    const wsf_token *t = wsf_cur_peek(c);
    const char *name = "i";
    if (!wsf_cur_size(c, "a count after 'repeat' (e.g. repeat 10)", &n)) return false;
    if (n == 0 || n > WSF_MAX_STEPS) {
        wsf_cur_error_at(c, t, "expected a count from 1 to %d", WSF_MAX_STEPS);
        return false;
    }
    if (wsf_cur_accept(c, "as") && !wsf_cur_any_word(c, "a variable name after 'as'", &name))
        return false;
    if (!wsf_cur_end(c)) return false;
    if (n_vars == MAX_VARS) {
        wsf_cur_error_at(c, NULL, "more than %d variables at once", MAX_VARS);
        return false;
    }
    char *own = wsf_xstrdup(name);
    bool ok = true;
    for (uint64_t k = 1; ok && k <= n; k++) {
        char value[24];
        snprintf(value, sizeof value, "%llu", (unsigned long long)k);
        vars[n_vars] = (var){own, value};
        ok = parse_lines(p, lines, at + 1, end, vars, n_vars + 1);
    }
    free(own);
    return ok;
}

/* The line after the block opened at lines[at] ends, at its "end", or
 * (size_t)-1 when it has none. */
static size_t block_end(const src_line *lines, size_t at, size_t to)
{
    int depth = 0;
    for (size_t k = at; k < to; k++) {
        if (first_word_is(&lines[k], "repeat")) depth++;
        if (first_word_is(&lines[k], "end") && --depth == 0) return k;
    }
    return (size_t)-1;
}

static bool parse_lines(parser *p, const src_line *lines, size_t from, size_t to, var *vars,
                        size_t n_vars)
{
    wsf_buf line;
    wsf_buf_init(&line);
    bool ok = true;
    for (size_t k = from; ok && k < to; k++) {
        const src_line *l = &lines[k];
        p->c.line = l->no;
        p->c.i = 0;
        p->c.failed = false;
        if (!substitute(p, l, vars, n_vars, &line)) {
            ok = false;
            break;
        }
        wsf_tokens_clear(&p->c.toks);
        int ecol;
        char emsg[256];
        if (wsf_lex_line((char *)line.data, line.len, &p->c.toks, &ecol, emsg, sizeof emsg) < 0) {
            snprintf(p->c.err, p->c.errlen, "%s:%d:%d: %s", p->c.file, l->no, ecol, emsg);
            ok = false;
        } else if (p->c.toks.n == 0) {
            continue;
        } else if (p->c.toks.tok[0].kind == WSF_TOK_WORD &&
                   !strcmp(p->c.toks.tok[0].text, "with")) {
            /* Read before any step, by cases_of(). */
            if (p->nested) {
                wsf_cur_error_at(&p->c, &p->c.toks.tok[0], "'with' inside a repeat block");
                ok = false;
            }
        } else if (p->c.toks.tok[0].kind == WSF_TOK_WORD &&
                   !strcmp(p->c.toks.tok[0].text, "repeat")) {
            size_t end = block_end(lines, k, to);
            if (end == (size_t)-1) {
                wsf_cur_error_at(&p->c, &p->c.toks.tok[0], "'repeat' without its 'end'");
                ok = false;
                break;
            }
            p->nested++;
            ok = parse_repeat(p, lines, k, end, vars, n_vars);
            p->nested--;
            k = end;
        } else if (p->c.toks.tok[0].kind == WSF_TOK_WORD && !strcmp(p->c.toks.tok[0].text, "end")) {
            wsf_cur_error_at(&p->c, &p->c.toks.tok[0], "'end' without a 'repeat' before it");
            ok = false;
        } else {
            ok = parse_statement(p, (char *)line.data, line.len);
        }
    }
    wsf_buf_free(&line);
    return ok;
}

/* One case: the whole file parsed with the matrix's values in vars. */
static wsf_scenario *parse_case(const char *file, const char *text, const src_line *lines,
                                size_t n_lines, var *vars, size_t n_vars, uint64_t *sent,
                                size_t *rx_bytes, char *err, size_t errlen)
{
    wsf_scenario *s = wsf_xcalloc(1, sizeof *s);
    s->file = wsf_xstrdup(file);
    s->source = wsf_xstrdup(text);
    s->conns = wsf_xcalloc(1, sizeof *s->conns);
    s->conns[0] = wsf_xstrdup("");
    s->n_conns = 1;
    parser p = {.c = {.file = file, .err = err, .errlen = errlen},
                .s = s,
                .sent = sent,
                .rx_bytes = rx_bytes};
    bool ok = parse_lines(&p, lines, 0, n_lines, vars, n_vars);
    int last = n_lines ? lines[n_lines - 1].no : 1;
    if (ok && !s->name) {
        snprintf(err, errlen, "%s:%d:1: expected a 'scenario \"name\"' statement, found none", file,
                 last);
        ok = false;
    }
    if (ok && s->n_steps == 0) {
        snprintf(err, errlen, "%s:%d:1: expected at least one step (connect, ...), found none",
                 file, last);
        ok = false;
    }
    wsf_tokens_free(&p.c.toks);
    if (!ok) {
        wsf_scenario_free(s);
        return NULL;
    }
    size_t n = strlen(file);
    if (n > 4 && !strcmp(file + n - 4, ".wsf")) n -= 4;
    if (n_vars) {
        wsf_buf label;
        wsf_buf_init(&label);
        for (size_t k = 0; k < n_vars; k++)
            wsf_buf_appendf(&label, "%s%s", k ? "," : "", vars[k].value);
        s->case_label = wsf_xstrdup((char *)label.data);
        wsf_buf_free(&label);
        char *name = wsf_xasprintf("%s [%s]", s->name, s->case_label);
        free(s->name);
        s->name = name;
        s->id = wsf_xasprintf("%.*s[%s]", (int)n, file, s->case_label);
    } else {
        s->id = wsf_xstrndup(file, n);
    }
    return s;
}

/* "with NAME in V1 V2 ...": one matrix dimension. */
typedef struct {
    char *name;
    char **values;
    size_t n;
} dimension;

static bool read_dimension(parser *p, dimension *d)
{
    wsf_cursor *c = &p->c;
    c->i = 1;
    const char *name;
    if (!wsf_cur_any_word(c, "a variable name after 'with'", &name)) return false;
    d->name = wsf_xstrdup(name);
    if (!wsf_cur_word(c, "in")) return false;
    return parse_words(p, &d->values, &d->n, "a value (a word) for the variable");
}

int wsf_scenario_parse_cases(const char *file, const char *text, wsf_scenario ***out, char *err,
                             size_t errlen)
{
    *out = NULL;
    src_line *lines = NULL;
    size_t n_lines = 0;
    for (const char *l = text; *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        lines = wsf_xrealloc(lines, (n_lines + 1) * sizeof *lines);
        size_t clen = len;
        if (clen > 0 && l[clen - 1] == '\r') clen--;
        lines[n_lines] = (src_line){l, clen, (int)n_lines + 1};
        n_lines++;
        l = nl ? nl + 1 : l + len;
    }
    /* The matrix comes first: every case is the whole file again. */
    parser p = {.c = {.file = file, .err = err, .errlen = errlen}};
    dimension dims[MAX_VARS];
    size_t n_dims = 0, n_cases = 1;
    int ret = -1;
    for (size_t k = 0; k < n_lines; k++) {
        if (!first_word_is(&lines[k], "with")) continue;
        p.c.line = lines[k].no;
        wsf_tokens_clear(&p.c.toks);
        int ecol;
        char emsg[256];
        if (wsf_lex_line(lines[k].text, lines[k].len, &p.c.toks, &ecol, emsg, sizeof emsg) < 0) {
            snprintf(err, errlen, "%s:%d:%d: %s", file, lines[k].no, ecol, emsg);
            goto out;
        }
        if (n_dims == MAX_VARS) {
            wsf_cur_error_at(&p.c, NULL, "more than %d 'with' lines", MAX_VARS);
            goto out;
        }
        dimension *d = &dims[n_dims];
        memset(d, 0, sizeof *d);
        n_dims++;
        if (!read_dimension(&p, d)) goto out;
        for (size_t j = 0; j + 1 < n_dims; j++)
            if (!strcmp(dims[j].name, d->name)) {
                wsf_cur_error_at(&p.c, &p.c.toks.tok[1], "'%s' already has its values", d->name);
                goto out;
            }
        n_cases *= d->n;
        if (n_cases > WSF_MAX_CASES) {
            wsf_cur_error_at(&p.c, NULL, "more than %d cases in one file", WSF_MAX_CASES);
            goto out;
        }
    }
    *out = wsf_xcalloc(n_cases, sizeof **out);
    uint64_t sent = 0;
    size_t rx_bytes = 0; /* over every case of the file */
    for (size_t ci = 0; ci < n_cases; ci++) {
        var vars[MAX_VARS];
        size_t rest = ci;
        for (size_t j = n_dims; j-- > 0;) {
            vars[j] = (var){dims[j].name, dims[j].values[rest % dims[j].n]};
            rest /= dims[j].n;
        }
        (*out)[ci] =
            parse_case(file, text, lines, n_lines, vars, n_dims, &sent, &rx_bytes, err, errlen);
        if (!(*out)[ci]) {
            for (size_t j = 0; j < ci; j++)
                wsf_scenario_free((*out)[j]);
            free(*out);
            *out = NULL;
            goto out;
        }
    }
    ret = (int)n_cases;
out:
    for (size_t j = 0; j < n_dims; j++) {
        free(dims[j].name);
        free_strs(dims[j].values, dims[j].n);
    }
    wsf_tokens_free(&p.c.toks);
    free(lines);
    return ret;
}

wsf_scenario *wsf_scenario_parse(const char *file, const char *text, char *err, size_t errlen)
{
    wsf_scenario **cases;
    int n = wsf_scenario_parse_cases(file, text, &cases, err, errlen);
    if (n < 0) return NULL;
    wsf_scenario *s = cases[0];
    for (int k = 1; k < n; k++)
        wsf_scenario_free(cases[k]);
    free(cases);
    if (n > 1) {
        snprintf(err, errlen, "%s:1:1: expected one scenario, found a matrix of %d cases", file, n);
        wsf_scenario_free(s);
        return NULL;
    }
    return s;
}

int wsf_scenario_load_cases(const char *file, wsf_scenario ***out, char *err, size_t errlen)
{
    wsf_buf b;
    wsf_buf_init(&b);
    int n = wsf_read_text_file(file, "scenario", &b, err, errlen) == 0
                ? wsf_scenario_parse_cases(file, (char *)b.data, out, err, errlen)
                : -1;
    wsf_buf_free(&b);
    return n;
}

wsf_scenario *wsf_scenario_load(const char *file, char *err, size_t errlen)
{
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_scenario *s = wsf_read_text_file(file, "scenario", &b, err, errlen) == 0
                          ? wsf_scenario_parse(file, (char *)b.data, err, errlen)
                          : NULL;
    wsf_buf_free(&b);
    return s;
}

static void free_strs(char **a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(a[i]);
    free(a);
}

void wsf_scenario_free(wsf_scenario *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_steps; i++) {
        wsf_step *st = &s->steps[i];
        free(st->text);
        switch (st->kind) {
        case WSF_STEP_HANDSHAKE:
            free(st->u.handshake.path);
            free(st->u.handshake.key);
            free(st->u.handshake.version);
            free_strs(st->u.handshake.headers, st->u.handshake.n_headers);
            free_strs(st->u.handshake.omit, st->u.handshake.n_omit);
            break;
        case WSF_STEP_SEND:
            wsf_payload_free(&st->u.send.payload);
            break;
        case WSF_STEP_SEND_RAW:
            wsf_payload_free(&st->u.raw.bytes);
            break;
        case WSF_STEP_EXPECT:
            wsf_payload_free(&st->u.expect.payload);
            wsf_buf_free(&st->u.expect.reason);
            for (size_t k = 0; k < st->u.expect.n_patterns; k++) {
                wsf_rx_free(st->u.expect.regexes[k]);
                free(st->u.expect.patterns[k]);
            }
            free(st->u.expect.regexes);
            free(st->u.expect.patterns);
            free(st->u.expect.states);
            break;
        default:
            break;
        }
    }
    free(s->steps);
    free_strs(s->conns, s->n_conns);
    for (size_t i = 0; i < s->n_sets; i++)
        free(s->sets[i].name);
    free(s->sets);
    free(s->case_label);
    free(s->id);
    free_strs(s->rfc, s->n_rfc);
    free_strs(s->tags, s->n_tags);
    free(s->file);
    free(s->source);
    free(s->name);
    free(s->description);
    free(s);
}

const char *wsf_conn_name(const wsf_scenario *s, unsigned conn)
{
    return conn == 0 || conn >= s->n_conns ? "peer" : s->conns[conn];
}

bool wsf_scenario_named_conns(const wsf_scenario *s)
{
    return s->n_conns > 1;
}

static bool match_one(const char *pattern, bool glob, const char *text)
{
    if (glob) return fnmatch(pattern, text, 0) == 0;
    return strstr(text, pattern) != NULL;
}

bool wsf_scenario_matches(const wsf_scenario *s, const char *pattern)
{
    /* A case's own name has brackets ("close/valid-code[1001]"): taken
     * literally first, as a glob only if that finds nothing. */
    if (strstr(s->id, pattern) || strstr(s->name, pattern) || strstr(s->file, pattern)) return true;
    /* ... and as --list prints it, "close/valid-code.wsf[1001]". */
    if (s->case_label) {
        char *listed = wsf_xasprintf("%s[%s]", s->file, s->case_label);
        bool hit = strstr(listed, pattern) != NULL;
        free(listed);
        if (hit) return true;
    }
    bool glob = strpbrk(pattern, "*?[") != NULL;
    if (glob && (match_one(pattern, true, s->name) || match_one(pattern, true, s->file) ||
                 match_one(pattern, true, s->id)))
        return true;
    for (size_t i = 0; i < s->n_tags; i++)
        if (glob ? match_one(pattern, true, s->tags[i]) : strcmp(pattern, s->tags[i]) == 0)
            return true;
    return false;
}
