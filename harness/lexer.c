#include "lexer.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void push(wsf_tokens *t, wsf_tok_kind kind, char *text, size_t len, int col)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->tok = wsf_xrealloc(t->tok, t->cap * sizeof *t->tok);
    }
    t->tok[t->n++] = (wsf_token){kind, text, len, col};
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Scans a quoted string starting at line[*i] == '"'. Escapes: \" \\ \n \r \t
 * \0 and \xNN, so any byte can be written, NUL included. */
static int lex_string(const char *line, size_t len, size_t *i, wsf_buf *out, int *err_col,
                      char *err, size_t errlen)
{
    size_t start = *i;
    size_t j = start + 1;
    while (j < len && line[j] != '"') {
        char c = line[j];
        if (c != '\\') {
            wsf_buf_append(out, &c, 1);
            j++;
            continue;
        }
        /* A backslash as the last character escapes nothing and leaves the
         * string open: report it as unterminated, not as a finished string. */
        if (j + 1 >= len) {
            j = len;
            break;
        }
        char e = line[j + 1];
        char v;
        switch (e) {
        case '"':
            v = '"';
            break;
        case '\\':
            v = '\\';
            break;
        case 'n':
            v = '\n';
            break;
        case 'r':
            v = '\r';
            break;
        case 't':
            v = '\t';
            break;
        case '0':
            v = '\0';
            break;
        case 'x': {
            int hi = j + 2 < len ? hexval((unsigned char)line[j + 2]) : -1;
            int lo = j + 3 < len ? hexval((unsigned char)line[j + 3]) : -1;
            if (hi < 0 || lo < 0) {
                *err_col = (int)j + 1;
                snprintf(err, errlen, "expected two hex digits after \\x");
                return -1;
            }
            v = (char)(hi * 16 + lo);
            wsf_buf_append(out, &v, 1);
            j += 4;
            continue;
        }
        default:
            *err_col = (int)j + 1;
            snprintf(err, errlen, "unknown escape \\%c (known: \\\" \\\\ \\n \\r \\t \\0 \\xNN)",
                     e);
            return -1;
        }
        wsf_buf_append(out, &v, 1);
        j += 2;
    }
    if (j >= len) {
        *err_col = (int)start + 1;
        snprintf(err, errlen, "unterminated string: expected a closing '\"'");
        return -1;
    }
    *i = j + 1;
    return 0;
}

/* A regex runs to the next unescaped '/'; "\/" stands for '/', every other
 * backslash is kept for the regex engine. */
static int lex_regex(const char *line, size_t len, size_t *i, wsf_buf *out, int *err_col, char *err,
                     size_t errlen)
{
    size_t start = *i;
    size_t j = start + 1;
    while (j < len && line[j] != '/') {
        if (line[j] == '\\' && j + 1 < len && line[j + 1] == '/') {
            wsf_buf_append(out, "/", 1);
            j += 2;
            continue;
        }
        if (line[j] == '\\' && j + 1 < len) {
            wsf_buf_append(out, line + j, 2);
            j += 2;
            continue;
        }
        wsf_buf_append(out, line + j, 1);
        j++;
    }
    if (j >= len) {
        *err_col = (int)start + 1;
        snprintf(err, errlen, "unterminated regular expression: expected a closing '/'");
        return -1;
    }
    *i = j + 1;
    return 0;
}

size_t wsf_line_code_len(const char *line, size_t len)
{
    char quote = 0;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (quote) {
            if (c == '\\')
                i++;
            else if (c == quote)
                quote = 0;
        } else if (c == '"') {
            quote = '"';
        } else if (c == '/' && (i == 0 || isspace((unsigned char)line[i - 1]))) {
            quote = '/';
        } else if (c == '#') {
            return i;
        }
    }
    return len;
}

int wsf_lex_line(const char *line, size_t len, wsf_tokens *out, int *err_col, char *err,
                 size_t errlen)
{
    size_t i = 0;
    out->end_col = 1;
    while (i < len) {
        unsigned char c = (unsigned char)line[i];
        if (isspace(c)) {
            i++;
            continue;
        }
        if (c == '#') break;
        int col = (int)i + 1;
        wsf_buf b;
        wsf_buf_init(&b);
        wsf_tok_kind kind;
        int rc = 0;
        if (c == '"') {
            kind = WSF_TOK_STRING;
            rc = lex_string(line, len, &i, &b, err_col, err, errlen);
        } else if (c == '/') {
            kind = WSF_TOK_REGEX;
            rc = lex_regex(line, len, &i, &b, err_col, err, errlen);
        } else {
            kind = WSF_TOK_WORD;
            size_t j = i;
            while (j < len && !isspace((unsigned char)line[j]) && line[j] != '#' && line[j] != '"')
                j++;
            wsf_buf_append(&b, line + i, j - i);
            i = j;
        }
        if (rc < 0) {
            wsf_buf_free(&b);
            return -1;
        }
        if (!b.data) b.data = (uint8_t *)wsf_xstrdup("");
        push(out, kind, (char *)b.data, b.len, col);
        out->end_col = (int)i + 1;
    }
    return 0;
}

void wsf_tokens_clear(wsf_tokens *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->tok[i].text);
    t->n = 0;
}

void wsf_tokens_free(wsf_tokens *t)
{
    wsf_tokens_clear(t);
    free(t->tok);
    t->tok = NULL;
    t->cap = 0;
}

void wsf_token_describe(const wsf_token *t, char *out, size_t outlen)
{
    if (!t) {
        snprintf(out, outlen, "end of line");
        return;
    }
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_escape_bytes((const uint8_t *)t->text, t->len, 40, &b);
    switch (t->kind) {
    case WSF_TOK_WORD:
        snprintf(out, outlen, "'%s'", (char *)b.data);
        break;
    case WSF_TOK_STRING:
        snprintf(out, outlen, "string \"%s\"", (char *)b.data);
        break;
    case WSF_TOK_REGEX:
        snprintf(out, outlen, "regex /%s/", (char *)b.data);
        break;
    }
    wsf_buf_free(&b);
}
