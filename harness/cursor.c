#include "cursor.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const wsf_token *wsf_cur_peek(wsf_cursor *c)
{
    return c->i < c->toks.n ? &c->toks.tok[c->i] : NULL;
}

bool wsf_cur_at_end(wsf_cursor *c)
{
    return c->i >= c->toks.n;
}

bool wsf_cur_accept(wsf_cursor *c, const char *w)
{
    const wsf_token *t = wsf_cur_peek(c);
    if (t && t->kind == WSF_TOK_WORD && strcmp(t->text, w) == 0) {
        c->i++;
        return true;
    }
    return false;
}

void wsf_cur_error_at(wsf_cursor *c, const wsf_token *t, const char *fmt, ...)
{
    if (c->failed) return;
    c->failed = true;
    int col = t ? t->col : c->toks.end_col;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s:%d:%d: %s", c->file, c->line, col, msg);
}

void wsf_cur_expected(wsf_cursor *c, const char *what)
{
    const wsf_token *t = wsf_cur_peek(c);
    /* Room for the longest description: 40 bytes escaped as \xNN, the
     * "..." that marks the cut, and the 'string ""' around them. */
    char found[192];
    wsf_token_describe(t, found, sizeof found);
    wsf_cur_error_at(c, t, "expected %s, found %s", what, found);
}

bool wsf_cur_word(wsf_cursor *c, const char *w)
{
    if (wsf_cur_accept(c, w)) return true;
    char what[64];
    snprintf(what, sizeof what, "'%s'", w);
    wsf_cur_expected(c, what);
    return false;
}

bool wsf_cur_any_word(wsf_cursor *c, const char *what, const char **out)
{
    const wsf_token *t = wsf_cur_peek(c);
    if (!t || t->kind != WSF_TOK_WORD) {
        wsf_cur_expected(c, what);
        return false;
    }
    *out = t->text;
    c->i++;
    return true;
}

static bool take_kind(wsf_cursor *c, wsf_tok_kind kind, const char *what, const wsf_token **out)
{
    const wsf_token *t = wsf_cur_peek(c);
    if (!t || t->kind != kind) {
        wsf_cur_expected(c, what);
        return false;
    }
    *out = t;
    c->i++;
    return true;
}

bool wsf_cur_string(wsf_cursor *c, const char *what, const wsf_token **out)
{
    return take_kind(c, WSF_TOK_STRING, what, out);
}

bool wsf_cur_regex(wsf_cursor *c, const char *what, const wsf_token **out)
{
    return take_kind(c, WSF_TOK_REGEX, what, out);
}

bool wsf_cur_duration(wsf_cursor *c, const char *what, int64_t *out_us)
{
    const wsf_token *t = wsf_cur_peek(c);
    if (!t || t->kind != WSF_TOK_WORD || wsf_parse_duration(t->text, out_us) < 0) {
        wsf_cur_expected(c, what);
        return false;
    }
    c->i++;
    return true;
}

bool wsf_cur_size(wsf_cursor *c, const char *what, uint64_t *out)
{
    const wsf_token *t = wsf_cur_peek(c);
    if (!t || t->kind != WSF_TOK_WORD || wsf_parse_size(t->text, out) < 0) {
        wsf_cur_expected(c, what);
        return false;
    }
    c->i++;
    return true;
}

bool wsf_cur_uint(wsf_cursor *c, const char *what, uint64_t max, uint64_t *out)
{
    const wsf_token *t = wsf_cur_peek(c);
    if (!t || t->kind != WSF_TOK_WORD || wsf_parse_uint(t->text, out) < 0 || *out > max) {
        wsf_cur_expected(c, what);
        return false;
    }
    c->i++;
    return true;
}

bool wsf_cur_end(wsf_cursor *c)
{
    if (wsf_cur_at_end(c)) return true;
    wsf_cur_expected(c, "end of line");
    return false;
}
