/* Walking the tokens of one line with error messages that say where, what was
 * expected and what was found: "file:line:col: expected X, found Y". Scenario
 * and target parsers share it so their errors read the same. */
#ifndef WSF_CURSOR_H
#define WSF_CURSOR_H

#include "lexer.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *file;
    int line;
    wsf_tokens toks;
    size_t i;  /* next token */
    char *err; /* caller's buffer for the first error */
    size_t errlen;
    bool failed;
} wsf_cursor;

/* Current token, or NULL at the end of the line. */
const wsf_token *wsf_cur_peek(wsf_cursor *c);
bool wsf_cur_at_end(wsf_cursor *c);
/* True (and advances) when the current token is the bare word w. */
bool wsf_cur_accept(wsf_cursor *c, const char *w);

/* Records "file:line:col: expected <what>, found <current token>" (once). */
void wsf_cur_expected(wsf_cursor *c, const char *what);
/* Records "file:line:col: <message>" at the column of token t (NULL: line end). */
void wsf_cur_error_at(wsf_cursor *c, const wsf_token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Each takes one token of a kind, or records an error naming what was
 * expected and returns false. */
bool wsf_cur_word(wsf_cursor *c, const char *w); /* exactly w */
bool wsf_cur_any_word(wsf_cursor *c, const char *what, const char **out);
bool wsf_cur_string(wsf_cursor *c, const char *what, const wsf_token **out);
bool wsf_cur_regex(wsf_cursor *c, const char *what, const wsf_token **out);
bool wsf_cur_duration(wsf_cursor *c, const char *what, int64_t *out_us);
bool wsf_cur_size(wsf_cursor *c, const char *what, uint64_t *out);
bool wsf_cur_uint(wsf_cursor *c, const char *what, uint64_t max, uint64_t *out);
/* Records "expected end of line" unless the line is done. */
bool wsf_cur_end(wsf_cursor *c);

#endif
