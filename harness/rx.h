/* Regular expressions of scenario and target files (log patterns, the ready
 * pattern, the level pattern), through PCRE2 with limits on what one pattern
 * may cost: to compile (its length, its nesting) and to match one line (the
 * match, depth and heap limits). A pattern that reaches a match limit has
 * given up on that line: callers say so rather than take it for no match.
 * Why PCRE2, the figures and the dialect: docs/regex.md. */
#ifndef WSF_RX_H
#define WSF_RX_H

#include <stdbool.h>
#include <stddef.h>

/* The longest pattern a file may give, in bytes. */
#define WSF_RX_MAX_PATTERN 1024
/* How deeply its groups may nest. */
#define WSF_RX_MAX_NESTING 32
/* What one match of one line may cost: calls of PCRE2's internal match
 * function, its backtracking depth, and its heap in KiB. */
#define WSF_RX_MATCH_LIMIT 1000000
#define WSF_RX_DEPTH_LIMIT 10000
#define WSF_RX_HEAP_LIMIT_KIB 16384

typedef struct wsf_rx wsf_rx;

/* Compiles src (NUL-terminated). NULL with the reason in err when it is not
 * a valid pattern or is over a limit: "quantifier does not follow a
 * repeatable item at offset 3" (a byte offset into src). */
wsf_rx *wsf_rx_compile(const char *src, char *err, size_t errlen);
void wsf_rx_free(wsf_rx *rx);
/* The number of capturing groups. */
unsigned wsf_rx_groups(const wsf_rx *rx);

/* Compiled bytes the patterns of one scenario or target file may take: one
 * pattern is capped by its length, but a repeat block, a matrix or a long
 * target file of big ones would add up to gigabytes (50,000 passes of
 * /((ab|cd)(ef|gh)){1000}/ took 2.2 GB to --list). */
#define WSF_RX_FILE_BUDGET (16u << 20)
/* Adds rx's compiled size to *used: false, with the reason in err, when that
 * goes past WSF_RX_FILE_BUDGET. */
bool wsf_rx_budget(const wsf_rx *rx, size_t *used, char *err, size_t errlen);

typedef enum {
    WSF_RX_NO_MATCH,
    WSF_RX_MATCH,
    WSF_RX_GAVE_UP, /* a match limit was reached: neither match nor no match */
} wsf_rx_result;

/* Matches the pattern anywhere in subject (NUL-terminated). With group,
 * the span of the first group on a match (-1, -1 when it took no part). */
wsf_rx_result wsf_rx_match(const wsf_rx *rx, const char *subject, long group[2]);

/* Why a pattern gave up, for messages. */
#define WSF_RX_GAVE_UP_WHY "it reached PCRE2's match limit (see docs/regex.md)"

#endif
