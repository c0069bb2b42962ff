/* Unit tests for logmatch.c: that each default alarm catches a real line from
 * the failure it is there for, that everyday lines raise nothing, how ignore
 * patterns take lines back out, and the exact error for a bad regex. */
#include "cunit_main.h"
#include "logmatch.h"

/* The default alarm for unhandled errors, as logmatch.c spells it. */
#define UNHANDLED                                                                                  \
    "Unhandled( |')?([Ee]xception|[Ee]rror|[Rr]ejection|[Pp]romise|'error')|"                      \
    "UnhandledPromiseRejection"

#include <stdio.h>
#include <string.h>

static wsf_patterns defaults(void)
{
    wsf_patterns ps = {0};
    wsf_patterns_add_default_alarms(&ps);
    return ps;
}

/* The source of the alarm line raises, "" when none. */
static const char *alarm_src(const wsf_patterns *alarms, const wsf_patterns *ignore,
                             const char *line)
{
    const wsf_pattern *p = wsf_alarm_of(alarms, ignore, line);
    return p ? p->src : "";
}

/* Asserts that line raises exactly the alarm want ("" for none), and says
 * which line when it does not. */
static void check_alarm(const wsf_patterns *alarms, const wsf_patterns *ignore, const char *line,
                        const char *want)
{
    const char *got = alarm_src(alarms, ignore, line);
    CU_ASSERT_STRING_EQUAL(got, want);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n  line: %s\n  got:  /%s/\n  want: /%s/\n", line, got, want);
}

/* ---------------------------------------------------------------------------
 * The default alarms
 * ------------------------------------------------------------------------ */

static void test_default_alarms_catch_failures(void)
{
    /* One line per failure, as the failing program prints it, and the
     * pattern that must name it: the first in the list that matches. */
    static const struct {
        const char *line;
        const char *alarm;
    } cases[] = {
        {"Traceback (most recent call last):", "Traceback"},
        {"AssertionError", "AssertionError"},
        {"AssertionError: expected close code 1000", "AssertionError"},
        {"a.out: x.c:12: main: Assertion `p' failed.", "Assertion .* failed"},
        {"Segmentation fault (core dumped)", "Segmentation fault"},
        {"==123==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011 at pc "
         "0x55d5 bp 0x7ffd sp 0x7ffd",
         "AddressSanitizer"},
        {"==1==ERROR: LeakSanitizer: detected memory leaks", "LeakSanitizer"},
        {"x.c:3:5: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented "
         "in type 'int'",
         "runtime error:"},
        {"panic: runtime error: index out of range [3] with length 3", "runtime error:"},
        {"panic: close of closed channel", "panic:"},
        {"Task exception was never retrieved", "Task exception was never retrieved"},
        {"RuntimeError: Event loop is closed", "Event loop is closed"},
        {"Unhandled promise rejection: Error: socket hang up", UNHANDLED},
        /* Newer Node says it this way. */
        {"[UnhandledPromiseRejection: This error originated either by throwing inside of an "
         "async function without a catch block]",
         UNHANDLED},
    };
    wsf_patterns alarms = defaults();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_alarm(&alarms, NULL, cases[i].line, cases[i].alarm);
    wsf_patterns_free(&alarms);
}

static void test_default_alarms_list(void)
{
    /* The list itself, in order: the first match names the failure, so the
     * order is part of what a report says. */
    static const char *const want[] = {"Traceback",
                                       "AssertionError",
                                       "Assertion .* failed",
                                       "Segmentation fault",
                                       "AddressSanitizer",
                                       "LeakSanitizer",
                                       "runtime error:",
                                       "panic:",
                                       "Task exception was never retrieved",
                                       "Event loop is closed",
                                       UNHANDLED};
    wsf_patterns alarms = defaults();
    CU_ASSERT_EQUAL(alarms.n, sizeof want / sizeof *want);
    for (size_t i = 0; i < alarms.n && i < sizeof want / sizeof *want; i++)
        CU_ASSERT_STRING_EQUAL(alarms.p[i].src, want[i]);
    /* Crashes and sanitizer reports fail at any level; the others follow
     * their record's level. */
    static const char *const any_level[] = {"Assertion .* failed", "Segmentation fault",
                                            "AddressSanitizer",    "LeakSanitizer",
                                            "runtime error:",      "panic:"};
    for (size_t i = 0; i < alarms.n; i++) {
        bool want_any = false;
        for (size_t j = 0; j < sizeof any_level / sizeof *any_level; j++)
            if (!strcmp(alarms.p[i].src, any_level[j])) want_any = true;
        CU_ASSERT_EQUAL(alarms.p[i].any_level, want_any);
    }
    /* Appending twice appends twice: the caller decides. */
    wsf_patterns_add_default_alarms(&alarms);
    CU_ASSERT_EQUAL(alarms.n, 2 * (sizeof want / sizeof *want));
    wsf_patterns_free(&alarms);
    CU_ASSERT_EQUAL(alarms.n, 0);
    CU_ASSERT_PTR_NULL(alarms.p);
}

static void test_ordinary_lines_are_fine(void)
{
    static const char *const lines[] = {
        "lws-echo: conn 3 closed",
        "connection closed normally",
        "assertions: 0",
        "listening on 127.0.0.1:8080",
        "close code 1000 reason \"bye\"",
        "client sent Close 1001 (going away)",
        "",
        /* Near misses: the words, but not the failure. */
        "assertion passed",
        "Assertion ok",
        "zoo-raw: conn 4 unhandled opcode 0x3, closing with 1002",
        "Unhandled opcode 0x3: failing the connection",
        "handled promise rejection",
        "panic button pressed",
        "event loop is closing",
        "segmentation of the message: 3 fragments",
    };
    wsf_patterns alarms = defaults();
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        check_alarm(&alarms, NULL, lines[i], "");
    wsf_patterns_free(&alarms);
}

/* ---------------------------------------------------------------------------
 * Ignore patterns
 * ------------------------------------------------------------------------ */

static void test_ignore_suppresses_only_its_lines(void)
{
    char err[256];
    wsf_patterns alarms = defaults(), ignore = {0};
    /* A server that logs a handled Go panic on purpose. */
    CU_ASSERT_EQUAL(wsf_patterns_add(&ignore, "panic: test panic \\(recovered\\)", err, sizeof err),
                    0);

    check_alarm(&alarms, &ignore, "panic: test panic (recovered)", "");
    check_alarm(&alarms, &ignore, "2024/01/02 panic: test panic (recovered) in handler", "");
    /* Other panics still raise the alarm. */
    check_alarm(&alarms, &ignore, "panic: test panic", "panic:");
    check_alarm(&alarms, &ignore, "panic: close of closed channel", "panic:");
    /* And so do the other alarms. */
    check_alarm(&alarms, &ignore, "Traceback (most recent call last):", "Traceback");
    /* A line the ignore list matches but no alarm does is fine either way. */
    check_alarm(&alarms, &ignore, "test panic (recovered)", "");

    /* An empty ignore list and none at all are the same. */
    wsf_patterns none = {0};
    check_alarm(&alarms, &none, "panic: test panic (recovered)", "panic:");
    check_alarm(&alarms, NULL, "panic: test panic (recovered)", "panic:");

    /* An ignore pattern suppresses the line whichever alarm it raised. */
    CU_ASSERT_EQUAL(wsf_patterns_add(&ignore, "^DEBUG:", err, sizeof err), 0);
    check_alarm(&alarms, &ignore, "DEBUG: simulated Traceback for the docs", "");
    check_alarm(&alarms, &ignore, "INFO: DEBUG: Traceback", "Traceback");

    wsf_patterns_free(&ignore);
    wsf_patterns_free(&alarms);
}

static void test_added_alarms(void)
{
    char err[256];
    wsf_patterns alarms = defaults(), ignore = {0};
    CU_ASSERT_EQUAL(wsf_patterns_add(&alarms, "double free", err, sizeof err), 0);
    CU_ASSERT_EQUAL(wsf_patterns_add(&alarms, "^FATAL", err, sizeof err), 0);
    check_alarm(&alarms, &ignore, "free(): double free detected in tcache 2", "double free");
    check_alarm(&alarms, &ignore, "FATAL can't bind", "^FATAL");
    check_alarm(&alarms, &ignore, "not FATAL at all", "");
    wsf_patterns_free(&alarms);
}

/* ---------------------------------------------------------------------------
 * The pattern list
 * ------------------------------------------------------------------------ */

static void test_add_bad_regex(void)
{
    char err[256] = "";
    wsf_patterns ps = {0};
    CU_ASSERT_EQUAL(wsf_patterns_add(&ps, "(unclosed", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(
        err, "bad regular expression /(unclosed/: missing closing parenthesis at offset 9");
    CU_ASSERT_EQUAL(wsf_patterns_add(&ps, "a{2,1}", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(
        err, "bad regular expression /a{2,1}/: numbers out of order in {} quantifier at offset 5");
    CU_ASSERT_EQUAL(wsf_patterns_add(&ps, "[z-a]", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(
        err, "bad regular expression /[z-a]/: range out of order in character class at offset 3");
    /* A refused pattern is not added. */
    CU_ASSERT_EQUAL(ps.n, 0);
    CU_ASSERT_EQUAL(wsf_patterns_add(&ps, "fine", err, sizeof err), 0);
    CU_ASSERT_EQUAL(ps.n, 1);
    CU_ASSERT_STRING_EQUAL(ps.p[0].src, "fine");
    wsf_patterns_free(&ps);

    /* The message is cut to the caller's buffer, never overrun. */
    char small[16];
    memset(small, 'x', sizeof small);
    CU_ASSERT_EQUAL(wsf_patterns_add(&ps, "(unclosed", small, 12), -1);
    CU_ASSERT_STRING_EQUAL(small, "bad regular");
    CU_ASSERT_EQUAL(small[12], 'x');
    wsf_patterns_free(&ps);
}

static void test_match_returns_first(void)
{
    char err[256];
    wsf_patterns ps = {0};
    CU_ASSERT_PTR_NULL(wsf_patterns_match(&ps, "anything", NULL));
    CU_ASSERT_EQUAL(wsf_patterns_add(&ps, "close", err, sizeof err), 0);
    CU_ASSERT_EQUAL(wsf_patterns_add(&ps, "code [0-9]+", err, sizeof err), 0);
    CU_ASSERT_EQUAL(wsf_patterns_add(&ps, "close code", err, sizeof err), 0);

    /* Both the first and the third match: the first wins. */
    CU_ASSERT_PTR_EQUAL(wsf_patterns_match(&ps, "close code 1000", NULL), &ps.p[0]);
    /* Only the second. */
    CU_ASSERT_PTR_EQUAL(wsf_patterns_match(&ps, "code 1001", NULL), &ps.p[1]);
    CU_ASSERT_PTR_NULL(wsf_patterns_match(&ps, "code none", NULL));
    /* Extended syntax: + and alternation work unescaped. */
    CU_ASSERT_EQUAL(wsf_patterns_add(&ps, "^(open|opened)$", err, sizeof err), 0);
    CU_ASSERT_PTR_EQUAL(wsf_patterns_match(&ps, "opened", NULL), &ps.p[3]);
    CU_ASSERT_PTR_NULL(wsf_patterns_match(&ps, "reopened", NULL));
    /* Matching is case-sensitive. */
    CU_ASSERT_PTR_NULL(wsf_patterns_match(&ps, "CLOSE", NULL));
    wsf_patterns_free(&ps);
}

static CU_TestInfo tests[] = {
    {"default alarms catch failures", test_default_alarms_catch_failures},
    {"default alarms list", test_default_alarms_list},
    {"ordinary lines are fine", test_ordinary_lines_are_fine},
    {"ignore suppresses only its lines", test_ignore_suppresses_only_its_lines},
    {"added alarms", test_added_alarms},
    {"add: bad regex", test_add_bad_regex},
    {"match returns the first", test_match_returns_first},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("logmatch", tests)
