/* PCRE2 with limits (rx.h). The compile context bounds a pattern's length
 * and nesting, the match context what one line may cost; both are made once
 * and shared (the harness matches from one thread per process). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "rx.h"
#include "util.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wsf_rx {
    pcre2_code *code;
};

static void out_of_memory(void)
{
    fprintf(stderr, "wsfault: out of memory for a regular expression\n");
    abort();
}

static pcre2_compile_context *compile_ctx(void)
{
    static pcre2_compile_context *cc;
    if (!cc) {
        cc = pcre2_compile_context_create(NULL);
        if (!cc) out_of_memory();
        /* The file's pattern is held to WSF_RX_MAX_PATTERN; its GNU escapes
         * grow fivefold at most when spelled for PCRE2. */
        pcre2_set_max_pattern_length(cc, 5 * WSF_RX_MAX_PATTERN);
        pcre2_set_parens_nest_limit(cc, WSF_RX_MAX_NESTING);
    }
    return cc;
}

static pcre2_match_context *match_ctx(void)
{
    static pcre2_match_context *mc;
    if (!mc) {
        mc = pcre2_match_context_create(NULL);
        if (!mc) out_of_memory();
        pcre2_set_match_limit(mc, WSF_RX_MATCH_LIMIT);
        pcre2_set_depth_limit(mc, WSF_RX_DEPTH_LIMIT);
        pcre2_set_heap_limit(mc, WSF_RX_HEAP_LIMIT_KIB);
    }
    return mc;
}

/* glibc's extended regexes know GNU's \< and \> (start and end of a word)
 * and \` and \' (start and end of the text); PCRE2 would take them for a
 * literal '<', '>', '`' and '\'', so patterns written for them would
 * silently never match. They become PCRE2's spelling of the same, outside
 * bracket expressions (inside, a backslash is PCRE2's, docs/regex.md). */
static void translate_gnu(const char *src, size_t len, wsf_buf *out)
{
    bool bracket = false;
    for (size_t i = 0; i < len; i++) {
        char ch = src[i];
        if (bracket) {
            /* "[:alpha:]" inside a bracket holds a ']' of its own. */
            if (ch == '[' && i + 1 < len && src[i + 1] == ':') {
                const char *end = strstr(src + i + 2, ":]");
                size_t n = end ? (size_t)(end - (src + i)) + 2 : 1;
                wsf_buf_append(out, src + i, n);
                i += n - 1;
                continue;
            }
            if (ch == '\\' && i + 1 < len) {
                wsf_buf_append(out, src + i, 2);
                i++;
                continue;
            }
            if (ch == ']') bracket = false;
            wsf_buf_append(out, &ch, 1);
            continue;
        }
        if (ch == '[') {
            /* A ']' first (after an optional '^') is a member, not the end. */
            size_t j = i + 1;
            if (j < len && src[j] == '^') j++;
            if (j < len && src[j] == ']') j++;
            wsf_buf_append(out, src + i, j - i);
            i = j - 1;
            bracket = true;
            continue;
        }
        if (ch == '\\' && i + 1 < len) {
            const char *to = NULL;
            switch (src[i + 1]) {
            case '<':
                to = "\\b(?=\\w)";
                break;
            case '>':
                to = "\\b(?<=\\w)";
                break;
            case '`':
                to = "\\A";
                break;
            case '\'':
                to = "\\z";
                break;
            }
            if (to)
                wsf_buf_append(out, to, strlen(to));
            else
                wsf_buf_append(out, src + i, 2);
            i++;
            continue;
        }
        wsf_buf_append(out, &ch, 1);
    }
}

bool wsf_rx_budget(const wsf_rx *rx, size_t *used, char *err, size_t errlen)
{
    size_t n = 0;
    pcre2_pattern_info(rx->code, PCRE2_INFO_SIZE, &n);
    if (n > WSF_RX_FILE_BUDGET - *used) {
        snprintf(err, errlen,
                 "the file's patterns compile to more than %uMiB (this one takes %zu bytes, "
                 "%zu before it)",
                 WSF_RX_FILE_BUDGET >> 20, n, *used);
        return false;
    }
    *used += n;
    return true;
}

wsf_rx *wsf_rx_compile(const char *src, char *err, size_t errlen)
{
    size_t len = strlen(src);
    if (len > WSF_RX_MAX_PATTERN) {
        snprintf(err, errlen, "a pattern of %zu bytes, over the limit of %d", len,
                 WSF_RX_MAX_PATTERN);
        return NULL;
    }
    wsf_buf pcre;
    wsf_buf_init(&pcre);
    translate_gnu(src, len, &pcre);
    int code;
    PCRE2_SIZE at;
    /* As in POSIX without REG_NEWLINE: $ only at the very end, and . any
     * byte (a line holds no newline, but a pattern should mean the same). */
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pcre.data, pcre.len,
                                   PCRE2_DOLLAR_ENDONLY | PCRE2_DOTALL, &code, &at, compile_ctx());
    wsf_buf_free(&pcre);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "%s at offset %zu", (char *)msg, (size_t)at);
        return NULL;
    }
    wsf_rx *rx = wsf_xcalloc(1, sizeof *rx);
    rx->code = re;
    return rx;
}

void wsf_rx_free(wsf_rx *rx)
{
    if (!rx) return;
    pcre2_code_free(rx->code);
    free(rx);
}

unsigned wsf_rx_groups(const wsf_rx *rx)
{
    uint32_t n = 0;
    pcre2_pattern_info(rx->code, PCRE2_INFO_CAPTURECOUNT, &n);
    return n;
}

wsf_rx_result wsf_rx_match(const wsf_rx *rx, const char *subject, long group[2])
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(rx->code, NULL);
    if (!md) out_of_memory();
    int rc = pcre2_match(rx->code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, match_ctx());
    wsf_rx_result r = rc >= 0                     ? WSF_RX_MATCH
                      : rc == PCRE2_ERROR_NOMATCH ? WSF_RX_NO_MATCH
                                                  : WSF_RX_GAVE_UP;
    if (group) {
        group[0] = group[1] = -1;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (rc > 1 && ov[2] != PCRE2_UNSET) {
            group[0] = (long)ov[2];
            group[1] = (long)ov[3];
        }
    }
    pcre2_match_data_free(md);
    return r;
}
