/* Unit tests for rx.c: that the POSIX extended patterns the docs promise
 * match as before, that patterns which make a backtracking matcher blow up
 * are refused when compiled or give up within a second and a few MiB, and
 * that giving up is told apart from no match. */
#include "cunit_main.h"
#include "rx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static wsf_rx *compile(const char *src)
{
    char err[256];
    wsf_rx *rx = wsf_rx_compile(src, err, sizeof err);
    if (!rx) fprintf(stderr, "\n  /%s/: %s\n", src, err);
    return rx;
}

static wsf_rx_result match(const char *src, const char *line)
{
    wsf_rx *rx = compile(src);
    if (!rx) return WSF_RX_GAVE_UP;
    wsf_rx_result r = wsf_rx_match(rx, line, NULL);
    wsf_rx_free(rx);
    return r;
}

static void test_posix_dialect(void)
{
    static const struct {
        const char *re, *line;
        wsf_rx_result want;
    } cases[] = {
        {"listening on", "lws-echo: listening on 8080", WSF_RX_MATCH},
        {"conn [0-9]+ closed", "conn 12 closed", WSF_RX_MATCH},
        {"conn [0-9]+ closed", "conn x closed", WSF_RX_NO_MATCH},
        {"^(open|opened)$", "opened", WSF_RX_MATCH},
        {"^(open|opened)$", "reopened", WSF_RX_NO_MATCH},
        {"[[:digit:]]{2,3}", "port 80", WSF_RX_MATCH},
        {"[[:upper:]][[:alpha:]]+Error", "ValueError: x", WSF_RX_MATCH},
        {"[]x]", "a]b", WSF_RX_MATCH},
        {"a.c", "abc", WSF_RX_MATCH},
        {"a\\.c", "abc", WSF_RX_NO_MATCH},
        {"Assertion .* failed", "t: t.c:3: f: Assertion `x' failed.", WSF_RX_MATCH},
        {"x?y*z", "z", WSF_RX_MATCH},
        {"^$", "", WSF_RX_MATCH},
        /* $ is the end of the line only, as in POSIX (no newline before it). */
        {"abc$", "abc\n", WSF_RX_NO_MATCH},
        /* Case matters; bytes are bytes (no UTF-8 decoding). */
        {"CLOSE", "close", WSF_RX_NO_MATCH},
        {"\xc3", "caf\xc3\xa9", WSF_RX_MATCH},
        /* GNU's word and text boundaries, as glibc read them. */
        {"\\<ab", "x abc", WSF_RX_MATCH},
        {"\\<ab", "xabc", WSF_RX_NO_MATCH},
        {"\\<ab", "_ab", WSF_RX_NO_MATCH},
        {"ab\\>", "cab d", WSF_RX_MATCH},
        {"ab\\>", "abc", WSF_RX_NO_MATCH},
        {"\\`ab\\'", "ab", WSF_RX_MATCH},
        {"\\`ab", "cab", WSF_RX_NO_MATCH},
        {"\\bclosed\\b", "conn closed.", WSF_RX_MATCH},
        {"\\w+\\s\\S", "ab c", WSF_RX_MATCH},
        /* Inside a bracket nothing is translated, and classes keep their ']'. */
        {"[[:space:]<]x", "<x", WSF_RX_MATCH},
        {"[]<]x", "]x", WSF_RX_MATCH},
        {"[^]]\\<a", "x a", WSF_RX_MATCH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_rx_result r = match(cases[i].re, cases[i].line);
        CU_ASSERT_EQUAL(r, cases[i].want);
        if (r != cases[i].want)
            fprintf(stderr, "\n  /%s/ on \"%s\": %d\n", cases[i].re, cases[i].line, (int)r);
    }
}

static void test_groups(void)
{
    wsf_rx *rx = compile("^[^|]*\\|([A-Z])\\|");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
    CU_ASSERT_EQUAL(wsf_rx_groups(rx), 1);
    long g[2];
    CU_ASSERT_EQUAL(wsf_rx_match(rx, "12:00 |W| slow", g), WSF_RX_MATCH);
    CU_ASSERT_EQUAL(g[0], 7);
    CU_ASSERT_EQUAL(g[1], 8);
    CU_ASSERT_EQUAL(wsf_rx_match(rx, "no bars", g), WSF_RX_NO_MATCH);
    wsf_rx_free(rx);
    /* A group that takes no part in the match has no span. */
    rx = compile("x(y)?");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
    CU_ASSERT_EQUAL(wsf_rx_match(rx, "x", g), WSF_RX_MATCH);
    CU_ASSERT_EQUAL(g[0], -1);
    wsf_rx_free(rx);
}

static void refused(const char *src, const char *want)
{
    char err[256] = "";
    wsf_rx *rx = wsf_rx_compile(src, err, sizeof err);
    CU_ASSERT_PTR_NULL(rx);
    CU_ASSERT_STRING_EQUAL(err, want);
    if (strcmp(err, want)) fprintf(stderr, "\n  got:  %s\n  want: %s\n", err, want);
    wsf_rx_free(rx);
}

static void test_refused_when_compiled(void)
{
    refused("a+++++++++++++++++++++++++",
            "quantifier does not follow a repeatable item at offset 3");
    refused("(unclosed", "missing closing parenthesis at offset 9");
    /* A pattern that ends in a lone backslash is an error, as in glibc, not
     * a pattern that matches nothing. */
    refused("done\\", "\\ at end of pattern at offset 5");
    char big[WSF_RX_MAX_PATTERN + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    refused(big, "a pattern of 1025 bytes, over the limit of 1024");
    big[WSF_RX_MAX_PATTERN] = '\0';
    wsf_rx *rx = compile(big);
    CU_ASSERT_PTR_NOT_NULL(rx);
    wsf_rx_free(rx);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Patterns that backtrack without end on a line made to defeat them: each
 * gives up (never a silent no match) within a second, in bounded memory. */
static void test_gives_up_in_bounded_time(void)
{
    char *line = malloc(4097);
    static const struct {
        const char *re;
        char fill, last;
        size_t n;
    } cases[] = {
        {"^(a|aa)+$", 'a', 'b', 60},          {"^(a+)+$", 'a', '!', 4000},
        {"(?:a?){200}a{200}", 'a', 'a', 200}, {"^(([a-z])+.)+[A-Z]([a-z])+$", 'a', '!', 4000},
        {"(.*a){20}", 'a', 'b', 4000},
    };
    long rss0 = max_rss_kib();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(line, cases[i].fill, cases[i].n);
        line[cases[i].n - 1] = cases[i].last;
        line[cases[i].n] = '\0';
        wsf_rx *rx = compile(cases[i].re);
        CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
        double t0 = now_s();
        wsf_rx_result r = wsf_rx_match(rx, line, NULL);
        double took = now_s() - t0;
        fprintf(stderr, "\n  /%s/ on %zu bytes: %s in %.3f s", cases[i].re, cases[i].n,
                r == WSF_RX_GAVE_UP ? "gave up"
                : r == WSF_RX_MATCH ? "match"
                                    : "no match",
                took);
        CU_ASSERT_EQUAL(r, WSF_RX_GAVE_UP);
        CU_ASSERT(took < 1.0);
        wsf_rx_free(rx);
    }
    long grew = max_rss_kib() - rss0;
    fprintf(stderr, "\n  peak RSS grew by %ld KiB\n", grew);
    CU_ASSERT(grew < WSF_RX_HEAP_LIMIT_KIB + 8192);
    free(line);
}

static CU_TestInfo tests[] = {
    {"POSIX extended dialect", test_posix_dialect},
    {"groups", test_groups},
    {"refused when compiled", test_refused_when_compiled},
    {"gives up in bounded time", test_gives_up_in_bounded_time},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("rx", tests)
