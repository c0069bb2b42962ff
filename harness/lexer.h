/* The tokens of wsfault's line-oriented files (scenarios and targets): bare
 * words, "quoted strings" with C-like escapes, /regular expressions/, and
 * comments from # to the end of the line. Shared so both files read alike. */
#ifndef WSF_LEXER_H
#define WSF_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { WSF_TOK_WORD, WSF_TOK_STRING, WSF_TOK_REGEX } wsf_tok_kind;

typedef struct {
    wsf_tok_kind kind;
    char *text; /* unescaped; NUL-terminated, but strings may hold NULs: see len */
    size_t len;
    int col; /* 1-based column of the token's first character */
} wsf_token;

typedef struct {
    wsf_token *tok;
    size_t n, cap;
    int end_col; /* column just past the last non-comment character */
} wsf_tokens;

/* Splits one line (without its newline). Returns 0, or -1 with *err_col and
 * err filled ("unterminated string", ...). Appends to out, which the caller
 * clears with wsf_tokens_clear. */
int wsf_lex_line(const char *line, size_t len, wsf_tokens *out, int *err_col, char *err,
                 size_t errlen);
void wsf_tokens_clear(wsf_tokens *t);
void wsf_tokens_free(wsf_tokens *t);

/* A short description of a token for "expected X, found Y" messages. */
void wsf_token_describe(const wsf_token *t, char *out, size_t outlen);

/* Offset of the line's comment ('#' outside quotes and regexes), or len. */
size_t wsf_line_code_len(const char *line, size_t len);

#endif
