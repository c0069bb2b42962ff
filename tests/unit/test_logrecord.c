/* Unit tests for logrecord.c and the record alarms of logmatch.c: the level
 * forms loggers print, how lines group into records, and which alarms fail
 * a scenario and which are only noted, on logs real servers printed
 * (tests/unit/data/logs/, README there says how each was made). */
#include "cunit_main.h"
#include "logmatch.h"
#include "logrecord.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WSF_TEST_DATA
#error "WSF_TEST_DATA: the folder of the fixture files (set by tests/unit/CMakeLists.txt)"
#endif
#define LOGS WSF_TEST_DATA "/logs/"

/* ---------------------------------------------------------------------------
 * Levels
 * ------------------------------------------------------------------------ */

static void check_level(const char *line, const wsf_rx *re, const char *want)
{
    bool gave_up = false;
    const char *got = wsf_log_level_name(wsf_log_level_of(line, re, &gave_up));
    CU_ASSERT_FALSE(gave_up);
    CU_ASSERT_STRING_EQUAL(got, want);
    if (strcmp(got, want)) fprintf(stderr, "\n  line: %s\n  got: %s, want: %s\n", line, got, want);
}

static void test_level_forms(void)
{
    static const struct {
        const char *line, *level;
    } cases[] = {
        /* Python logging's default format, and uvicorn's. */
        {"DEBUG:websockets.server:! invalid handshake", "debug"},
        {"ERROR:asyncio:Task exception was never retrieved", "error"},
        {"WARNING:root:careful", "warning"},
        {"CRITICAL:app:gone", "critical"},
        {"INFO:     connection open", "info"},
        {"ERROR:    Exception in ASGI application", "error"},
        /* %(asctime)s LEVEL ... and %(asctime)s - name - LEVEL - ... */
        {"2026-12-02 05:07:30,448 DEBUG asyncio: Using selector: EpollSelector", "debug"},
        {"2026-12-02 05:07:32,173 ERROR aiohttp.server: Error handling request", "error"},
        {"2024-01-01 12:00:00,123 - websockets.server - DEBUG - < TEXT 'x'", "debug"},
        {"2024-01-01 12:00:00,123 - websockets.server - WARNING - slow", "warning"},
        /* tornado, libwebsockets, glog */
        {"[D 261202 05:07:18 websocket:872] Malformed WebSocket request received", "debug"},
        {"[E 261202 05:07:18 web:1820] Uncaught exception GET / (127.0.0.1)", "error"},
        {"[W 240101 12:00:00 web:2243] 404 GET /x", "warning"},
        {"[I 261202 05:07:19 web:2293] 101 GET / (127.0.0.1) 0.74ms", "info"},
        {"[2024/01/01 12:00:00:1234] N: lws_create_context: LWS: 4.1.6", "notice"},
        {"[2024/01/01 12:00:00:1234] E: lws_socket_bind: ERROR on binding", "error"},
        {"I0101 12:00:00.123456  1234 server.cc:12] listening", "info"},
        {"E0101 12:00:00.123456  1234 server.cc:40] accept failed", "error"},
        /* brackets, logfmt, JSON */
        {"[debug] conn 3 closed", "debug"},
        {"2024/01/01 12:00:00 [error] 12#0: *1 upstream prematurely closed", "error"},
        {"[INFO] started", "info"},
        {"time=\"2024-01-01T12:00:00Z\" level=debug msg=\"conn closed\"", "debug"},
        {"ts=1 level=\"warn\" msg=x", "warning"},
        {"{\"level\":\"debug\",\"msg\":\"Traceback follows\"}", "debug"},
        {"{\"level\":30,\"time\":1,\"msg\":\"hi\"}", "info"},
        {"{\"level\":50,\"time\":1,\"msg\":\"boom\"}", "error"},
        {"{\"level\": 20, \"msg\": \"x\"}", "debug"},
        {"{\"level\":10}", "trace"},
        {"{\"level\":40}", "warning"},
        {"{\"level\":60}", "critical"},
        {"{\"severity\":\"ERROR\",\"message\":\"x\"}", "error"},
        /* syslog priorities: severity is the low three bits */
        {"<7>conn closed", "debug"},
        {"<14>user.info: started", "info"},
        {"<3>failed", "error"},
        /* winston's simple format */
        {"info: listening on 8080", "info"},
        {"error: connect ECONNREFUSED", "error"},
        /* No level: Go's log, a bare traceback, a program's own words. */
        {"2024/01/01 12:00:00 http: TLS handshake error from 127.0.0.1:5555: EOF", "unknown"},
        {"Traceback (most recent call last):", "unknown"},
        {"lws-echo: conn 1 close received code=1000", "unknown"},
        {"error reading from client", "unknown"},
        {"connection Debug mode", "unknown"},
        {"panic: runtime error: index out of range", "unknown"},
        {"", "unknown"},
        {"<999>x", "unknown"},
        {"{\"msg\":\"no level here\"}", "unknown"},
        /* A level word far into the message is the message's. */
        {"conn 1: client sent text ERROR", "unknown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_level(cases[i].line, NULL, cases[i].level);
}

static void test_level_regex(void)
{
    char err[256];
    wsf_rx *re = wsf_rx_compile("^[^|]*\\|([A-Z])\\|", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(re);
    /* A server that prints "<time> |W| message". */
    check_level("12:00:00 |D| Traceback (most recent call last):", re, "debug");
    check_level("12:00:00 |W| slow client", re, "warning");
    /* The regex matches but its word is no level: unknown, not a guess. */
    check_level("12:00:00 |Q| odd", re, "unknown");
    /* It does not match: the common forms still apply. */
    check_level("DEBUG:x:y", re, "debug");
    check_level("plain words", re, "unknown");
    wsf_rx_free(re);
    /* The regex wins over the common forms. */
    re = wsf_rx_compile("sev=([a-z]+)", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(re);
    check_level("ERROR:x: sev=debug", re, "debug");
    wsf_rx_free(re);
    /* A level pattern that gives up on a line says so, and the common forms
     * are read instead. */
    re = wsf_rx_compile("^(a|aa)+$", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(re);
    char line[200];
    memset(line, 'a', 60);
    strcpy(line + 60, "b ERROR: x");
    bool gave_up = false;
    CU_ASSERT_EQUAL(wsf_log_level_of(line, re, &gave_up), WSF_LOG_ERROR);
    CU_ASSERT_TRUE(gave_up);
    wsf_rx_free(re);
}

static void test_level_words(void)
{
    CU_ASSERT_EQUAL(wsf_log_level_word("WARN", 4), WSF_LOG_WARNING);
    CU_ASSERT_EQUAL(wsf_log_level_word("warning", 7), WSF_LOG_WARNING);
    CU_ASSERT_EQUAL(wsf_log_level_word("Fatal", 5), WSF_LOG_CRITICAL);
    CU_ASSERT_EQUAL(wsf_log_level_word("DBG", 3), WSF_LOG_DEBUG);
    CU_ASSERT_EQUAL(wsf_log_level_word("errors", 6), WSF_LOG_UNKNOWN);
    CU_ASSERT_EQUAL(wsf_log_level_word("debugger", 5), WSF_LOG_DEBUG); /* its length */
    CU_ASSERT_EQUAL(wsf_log_level_word("", 0), WSF_LOG_UNKNOWN);
    CU_ASSERT_FALSE(wsf_log_level_fails(WSF_LOG_TRACE));
    CU_ASSERT_FALSE(wsf_log_level_fails(WSF_LOG_DEBUG));
    CU_ASSERT_FALSE(wsf_log_level_fails(WSF_LOG_INFO));
    CU_ASSERT_FALSE(wsf_log_level_fails(WSF_LOG_NOTICE));
    CU_ASSERT_TRUE(wsf_log_level_fails(WSF_LOG_WARNING));
    CU_ASSERT_TRUE(wsf_log_level_fails(WSF_LOG_ERROR));
    CU_ASSERT_TRUE(wsf_log_level_fails(WSF_LOG_CRITICAL));
    CU_ASSERT_TRUE(wsf_log_level_fails(WSF_LOG_UNKNOWN));
    CU_ASSERT_STRING_EQUAL(wsf_log_level_name(WSF_LOG_NOTICE), "notice");
    CU_ASSERT_STRING_EQUAL(wsf_log_level_name((wsf_log_level)99), "unknown");
}

/* ---------------------------------------------------------------------------
 * Records and their alarms
 * ------------------------------------------------------------------------ */

/* Reads lines through a recorder and the alarm patterns, as the judge does,
 * and says what came out: the number of records, then one line per record
 * with an alarm, "L<first> <level> <verdict> /<alarm>/ at L<hit>" (line
 * numbers from 1). Lines are read 1 ms apart, as one write of a logger
 * would be, unless a line starts with "@", which means "read 1 s later". */
typedef struct {
    const wsf_rx *level_re;
    const wsf_patterns *ignore;
    bool teardown;
} reading;

static const char *const verdict_names[] = {"none", "noted", "fails"};

static void settle(wsf_buf *out, const wsf_record_alarm *ra, long first, bool teardown)
{
    if (first < 0 || !ra->alarm) return;
    wsf_buf_appendf(out, "L%ld %s %s /%s/ at L%ld\n", first + 1, wsf_log_level_name(ra->level),
                    verdict_names[wsf_record_alarm_verdict(ra, teardown)], ra->alarm->src,
                    ra->hit + 1);
}

static char *read_records(const char *text, const reading *how)
{
    wsf_patterns alarms = {0};
    wsf_patterns_add_default_alarms(&alarms);
    wsf_recorder rec = {0};
    wsf_record_alarm ra = {0};
    wsf_buf out, line;
    wsf_buf_init(&out);
    wsf_buf_init(&line);
    long first = -1, no = 0;
    size_t records = 0;
    int64_t t = 0;
    for (const char *p = text; *p; no++) {
        size_t len = strcspn(p, "\n");
        bool late = *p == '@';
        t += late ? 1001000 : 1000;
        line.len = 0;
        wsf_buf_append(&line, p + late, len - late);
        wsf_buf_append(&line, "", 1);
        if (wsf_record_feed(&rec, (char *)line.data, t, how->level_re)) {
            settle(&out, &ra, first, how->teardown);
            first = no;
            records++;
            wsf_record_alarm_begin(&ra, rec.level);
        }
        wsf_record_alarm_line(&ra, &alarms, how->ignore, (char *)line.data, no);
        p += len + (p[len] == '\n');
    }
    settle(&out, &ra, first, how->teardown);
    wsf_buf_free(&line);
    wsf_patterns_free(&alarms);
    char *s = wsf_xasprintf("%zu records\n%s", records, out.data ? (char *)out.data : "");
    wsf_buf_free(&out);
    return s;
}

static void check_records(const char *what, const char *text, const reading *how, const char *want)
{
    char *got = read_records(text, how);
    CU_ASSERT_STRING_EQUAL(got, want);
    if (strcmp(got, want)) fprintf(stderr, "\n%s:\n--- got\n%s--- want\n%s", what, got, want);
    free(got);
}

static char *load(const char *name)
{
    char path[512], err[256];
    snprintf(path, sizeof path, LOGS "%s", name);
    wsf_buf b;
    wsf_buf_init(&b);
    if (wsf_read_text_file(path, "log", &b, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        wsf_buf_free(&b);
        return wsf_xstrdup("");
    }
    return (char *)b.data;
}

static void check_log(const char *file, const reading *how, const char *want)
{
    char *text = load(file);
    check_records(file, text, how, want);
    free(text);
}

static const reading plain = {0};

/* python-websockets 10.4 at DEBUG: a bad upgrade is a handled exception,
 * logged at DEBUG with its traceback; a handler that lets
 * ConnectionClosedError escape after a reset, and one that raises, are
 * "connection handler failed" at ERROR; a fire-and-forget task is asyncio's
 * "Task exception was never retrieved". */
static void test_python_websockets(void)
{
    check_log("python-websockets.log", &plain,
              "86 records\n"
              "L8 debug noted /Traceback/ at L9\n"
              "L58 error fails /Traceback/ at L59\n"
              "L116 error fails /Traceback/ at L117\n"
              "L145 error fails /Task exception was never retrieved/ at L145\n"
              "L154 error fails /Traceback/ at L155\n");
}

/* Python logging's "--- Logging error ---" block, for a DEBUG record
 * websockets 10.4 could not format: a broken log call, noted as a notice;
 * the block's own traceback does not fail the scenario. */
static void test_logging_error(void)
{
    check_level("--- Logging error ---", NULL, "notice");
    check_log("websockets-logging-error.log", &plain,
              "4 records\nL1 notice noted /Traceback/ at L2\n");
}

/* tornado 6.2, its own format: "Malformed WebSocket request received" at
 * DEBUG with an indented traceback; then tornado's own AttributeError while
 * aborting, and an on_message that raises, at ERROR. */
static void test_tornado(void)
{
    check_log("tornado.log", &plain,
              "7 records\n"
              "L2 debug noted /Traceback/ at L3\n"
              "L14 error fails /Traceback/ at L16\n"
              "L48 error fails /Traceback/ at L50\n");
}

/* aiohttp 3.8 with %(asctime)s LEVEL: garbage instead of HTTP is an ERROR
 * with a traceback (aiohttp's choice), so is a handler that raises; the
 * access log lines are INFO. */
static void test_aiohttp(void)
{
    check_log("aiohttp.log", &plain,
              "6 records\n"
              "L3 error fails /Traceback/ at L4\n"
              "L12 error fails /Traceback/ at L13\n");
}

/* uvicorn 0.17 + FastAPI 0.92 at debug: websockets' "! invalid handshake"
 * at DEBUG; WebSocketDisconnect escaping the endpoint after a reset, and an
 * endpoint that raises, are "Exception in ASGI application" at ERROR. */
static void test_uvicorn(void)
{
    check_log("uvicorn-fastapi.log", &plain,
              "68 records\n"
              "L10 debug noted /Traceback/ at L11\n"
              "L63 error fails /Traceback/ at L64\n"
              "L119 error fails /Traceback/ at L120\n");
}

/* Node ws 8.23: an error caught and printed with console.error has no level
 * and no alarm; without a listener it is an unhandled 'error' event. */
static void test_node_ws(void)
{
    check_log("node-ws-handled.log", &plain, "2 records\n");
    check_log("node-ws-unhandled.log", &plain,
              "5 records\n"
              "L1 unknown fails /Unhandled( |')?([Ee]xception|[Ee]rror|[Rr]ejection|[Pp]romise|"
              "'error')|UnhandledPromiseRejection/ at L2\n");
}

/* autobahn-python 22.7 through txaio: a timestamp and no level at all, so
 * every record is of unknown level; the pretty-printed option list is one
 * record (its lines after the first are indented). */
static void test_autobahn(void)
{
    check_log("autobahn.log", &plain, "10 records\n");
}

/* During the teardown, every alarm is only noted. */
static void test_teardown_notes(void)
{
    reading how = {.teardown = true};
    check_log("python-websockets.log", &how,
              "86 records\n"
              "L8 debug noted /Traceback/ at L9\n"
              "L58 error noted /Traceback/ at L59\n"
              "L116 error noted /Traceback/ at L117\n"
              "L145 error noted /Task exception was never retrieved/ at L145\n"
              "L154 error noted /Traceback/ at L155\n");
    check_records("crash in teardown", "==1==ERROR: AddressSanitizer: heap-use-after-free\n", &how,
                  "1 records\n"
                  "L1 error noted /AddressSanitizer/ at L1\n");
}

static void test_grouping(void)
{
    /* A header and its traceback are one record, at the header's level. */
    check_records("header + traceback",
                  "DEBUG:app:handled it\n"
                  "Traceback (most recent call last):\n"
                  "  File \"x.py\", line 1, in f\n"
                  "    g()\n"
                  "ValueError: bad\n"
                  "INFO:app:next\n",
                  &plain,
                  "2 records\n"
                  "L1 debug noted /Traceback/ at L2\n");
    /* A traceback with no header line: unknown, so it fails. */
    check_records("bare traceback",
                  "Traceback (most recent call last):\n"
                  "  File \"x.py\", line 1, in f\n"
                  "ValueError: bad\n",
                  &plain,
                  "1 records\n"
                  "L1 unknown fails /Traceback/ at L1\n");
    /* A traceback printed long after the DEBUG line is not its own: it
     * starts a record, of unknown level. */
    check_records("late traceback",
                  "DEBUG:app:conn open\n"
                  "@Traceback (most recent call last):\n"
                  "  File \"x.py\", line 1, in f\n"
                  "ValueError: bad\n",
                  &plain,
                  "2 records\n"
                  "L2 unknown fails /Traceback/ at L2\n");
    /* A line that is not a traceback's ends the record, even right after. */
    check_records("next record",
                  "DEBUG:app:handled\n"
                  "  detail\n"
                  "Traceback is a word here\n",
                  &plain,
                  "2 records\n"
                  "L3 unknown fails /Traceback/ at L3\n");
    /* An exception's line continues only after a frame: in the middle of a
     * record it begins one. */
    check_records("exception line",
                  "DEBUG:app:x\n"
                  "Traceback (most recent call last):\n"
                  "ValueError: bad\n",
                  &plain, "2 records\nL1 debug noted /Traceback/ at L2\n");
    /* Chained tracebacks stay one record. */
    check_records("chained",
                  "INFO:app:x\n"
                  "Traceback (most recent call last):\n"
                  "  File \"a\", line 1, in f\n"
                  "KeyError: 'k'\n"
                  "\n"
                  "During handling of the above exception, another exception occurred:\n"
                  "\n"
                  "Traceback (most recent call last):\n"
                  "  File \"b\", line 2, in g\n"
                  "websockets.exceptions.InvalidHeader: missing\n"
                  "DEBUG:app:after\n",
                  &plain, "2 records\nL1 info noted /Traceback/ at L2\n");
    /* A crash at DEBUG still fails; the crash line beats an earlier alarm. */
    check_records("crash at debug",
                  "DEBUG:app:x\n"
                  "Traceback (most recent call last):\n"
                  "  ==1==ERROR: AddressSanitizer: heap-buffer-overflow\n",
                  &plain, "1 records\nL1 debug fails /AddressSanitizer/ at L3\n");
    check_records("panic at info", "INFO:x: panic: oh\n", &plain,
                  "1 records\nL1 info fails /panic:/ at L1\n");
    /* An alarm in a WARNING record fails. */
    check_records("warning", "WARNING:asyncio:Event loop is closed\n", &plain,
                  "1 records\nL1 warning fails /Event loop is closed/ at L1\n");
}

static void test_ignore_exempts_record(void)
{
    char err[256];
    wsf_patterns ignore = {0};
    CU_ASSERT_EQUAL(wsf_patterns_add(&ignore, "Uncaught exception GET", err, sizeof err), 0);
    reading how = {.ignore = &ignore};
    /* The ignored header takes its whole traceback along; the other
     * records still count. */
    check_log("tornado.log", &how,
              "7 records\n"
              "L2 debug noted /Traceback/ at L3\n"
              "L14 error none /Traceback/ at L16\n"
              "L48 error none /Traceback/ at L50\n");
    wsf_patterns_free(&ignore);
    /* An ignore pattern matching a continuation exempts the record too. */
    CU_ASSERT_EQUAL(wsf_patterns_add(&ignore, "^ValueError: boom", err, sizeof err), 0);
    check_log("aiohttp.log", &how,
              "6 records\n"
              "L3 error fails /Traceback/ at L4\n"
              "L12 error none /Traceback/ at L13\n");
    wsf_patterns_free(&ignore);
}

static void test_level_regex_records(void)
{
    /* txaio prints no level; a target file that knows its own format can
     * say where the level is, here for a made-up one. */
    char err[256];
    wsf_rx *re = wsf_rx_compile("^[0-9T:-]+ \\[([a-z]+)\\]", err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(re);
    reading how = {.level_re = re};
    check_records("regex",
                  "2026-12-02T05:07:59 [debug] dropping connection\n"
                  "Traceback (most recent call last):\n"
                  "  File \"a\", line 1, in f\n"
                  "2026-12-02T05:07:59 [error] Traceback in message\n",
                  &how,
                  "2 records\n"
                  "L1 debug noted /Traceback/ at L2\n"
                  "L4 error fails /Traceback/ at L4\n");
    wsf_rx_free(re);
}

static CU_TestInfo tests[] = {
    {"level forms", test_level_forms},
    {"level regex", test_level_regex},
    {"level words", test_level_words},
    {"records: python-websockets", test_python_websockets},
    {"records: a Python logging error", test_logging_error},
    {"records: tornado", test_tornado},
    {"records: aiohttp", test_aiohttp},
    {"records: uvicorn + fastapi", test_uvicorn},
    {"records: node ws", test_node_ws},
    {"records: autobahn", test_autobahn},
    {"teardown notes every alarm", test_teardown_notes},
    {"grouping", test_grouping},
    {"ignore exempts a record", test_ignore_exempts_record},
    {"level regex in records", test_level_regex_records},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("logrecord", tests)
