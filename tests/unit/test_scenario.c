/* Unit tests for the scenario parser: every statement and option on small
 * in-memory files, the fields they produce, and the exact text of the errors a
 * scenario author sees, since those messages are the parser's user interface. */
#include "cunit_main.h"
#include "frame.h"
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most tests need a named scenario before their steps; with this first line
 * the steps under test start on line 2. */
#define HEAD "scenario \"s\"\n"

static char err[512];

/* Parses text that must be accepted; says why on stderr when it is not, since
 * a bare failed assertion would hide the parser's message. */
static wsf_scenario *parse_ok(const char *text)
{
    err[0] = '\0';
    wsf_scenario *s = wsf_scenario_parse("t.wsf", text, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(s);
    if (!s) fprintf(stderr, "\n  refused:\n%s\n  with: %s\n", text, err);
    return s;
}

/* Parses text that must be refused with exactly the message want. */
static void parse_fails(const char *text, const char *want)
{
    strcpy(err, "(no message)");
    wsf_scenario *s = wsf_scenario_parse("t.wsf", text, err, sizeof err);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(err, want);
    if (s || strcmp(err, want) != 0)
        fprintf(stderr, "\n  input:\n%s\n  got:  %s\n  want: %s\n", text, s ? "(accepted)" : err,
                want);
    wsf_scenario_free(s);
}

/* The single step of a scenario made of HEAD and one line. */
static wsf_scenario *one_step(const char *line, wsf_step **st)
{
    char text[1024];
    snprintf(text, sizeof text, HEAD "%s\n", line);
    wsf_scenario *s = parse_ok(text);
    *st = NULL;
    if (s && s->n_steps == 1) *st = &s->steps[0];
    CU_ASSERT_PTR_NOT_NULL(*st);
    return s;
}

static bool bytes_are(const wsf_payload *b, const void *want, size_t len)
{
    return wsf_payload_equals(b, want, len);
}

static bool buf_is(const wsf_buf *b, const void *want, size_t len)
{
    return b->len == len && (len == 0 || memcmp(b->data, want, len) == 0);
}

/* ---------------------------------------------------------------------------
 * The header: scenario, description, rfc, tags
 * ------------------------------------------------------------------------ */

static void test_header(void)
{
    wsf_scenario *s = parse_ok("scenario \"Close 1000 is echoed\"\n"
                               "description \"First line.\"\n"
                               "description \"Second line.\"\n"
                               "rfc 5.5.1 7.1.1\n"
                               "tags close clean\n"
                               "tag extra\n"
                               "connect\n");
    if (!s) return;
    CU_ASSERT_STRING_EQUAL(s->file, "t.wsf");
    CU_ASSERT_STRING_EQUAL(s->name, "Close 1000 is echoed");
    /* Repeated description lines make one paragraph, a line each. */
    CU_ASSERT_STRING_EQUAL(s->description, "First line.\nSecond line.");
    CU_ASSERT_EQUAL(s->n_rfc, 2);
    if (s->n_rfc == 2) {
        CU_ASSERT_STRING_EQUAL(s->rfc[0], "5.5.1");
        CU_ASSERT_STRING_EQUAL(s->rfc[1], "7.1.1");
    }
    /* 'tag' and 'tags' add to the same list. */
    CU_ASSERT_EQUAL(s->n_tags, 3);
    if (s->n_tags == 3) {
        CU_ASSERT_STRING_EQUAL(s->tags[0], "close");
        CU_ASSERT_STRING_EQUAL(s->tags[1], "clean");
        CU_ASSERT_STRING_EQUAL(s->tags[2], "extra");
    }
    CU_ASSERT_EQUAL(s->n_steps, 1);
    wsf_scenario_free(s);
}

static void test_header_optional_parts(void)
{
    wsf_scenario *s = parse_ok(HEAD "connect\n");
    if (!s) return;
    CU_ASSERT_PTR_NULL(s->description);
    CU_ASSERT_EQUAL(s->n_rfc, 0);
    CU_ASSERT_EQUAL(s->n_tags, 0);
    /* The whole text is kept for reports. */
    CU_ASSERT_STRING_EQUAL(s->source, HEAD "connect\n");
    wsf_scenario_free(s);
}

static void test_rfc_leading_6455(void)
{
    /* "rfc 6455 7.1.1" names the RFC before the sections; the 6455 is not a
     * section. Without it the words are sections all the same. */
    wsf_scenario *s = parse_ok(HEAD "rfc 6455 7.1.1 7.4\nconnect\n");
    if (s) {
        CU_ASSERT_EQUAL(s->n_rfc, 2);
        if (s->n_rfc == 2) {
            CU_ASSERT_STRING_EQUAL(s->rfc[0], "7.1.1");
            CU_ASSERT_STRING_EQUAL(s->rfc[1], "7.4");
        }
    }
    wsf_scenario_free(s);

    s = parse_ok(HEAD "rfc 7.1.1\nconnect\n");
    if (s) {
        CU_ASSERT_EQUAL(s->n_rfc, 1);
        if (s->n_rfc == 1) CU_ASSERT_STRING_EQUAL(s->rfc[0], "7.1.1");
    }
    wsf_scenario_free(s);

    parse_fails(HEAD "rfc 6455\nconnect\n",
                "t.wsf:2:9: expected an RFC 6455 section number (e.g. 7.1.1), found end of line");
    parse_fails(HEAD "rfc\nconnect\n",
                "t.wsf:2:4: expected an RFC 6455 section number (e.g. 7.1.1), found end of line");
}

static void test_header_may_precede_scenario(void)
{
    /* Only steps need the name first: metadata can come in any order. */
    wsf_scenario *s = parse_ok("tags early\ndescription \"d\"\nrfc 7.1.1\nscenario \"s\"\n"
                               "connect\n");
    if (s) {
        CU_ASSERT_STRING_EQUAL(s->name, "s");
        CU_ASSERT_EQUAL(s->n_tags, 1);
        CU_ASSERT_STRING_EQUAL(s->description, "d");
    }
    wsf_scenario_free(s);
}

static void test_header_errors(void)
{
    parse_fails("connect\n",
                "t.wsf:1:1: expected the 'scenario \"name\"' statement before 'connect'");
    parse_fails("# comment\n\nsend text \"x\"\n",
                "t.wsf:3:1: expected the 'scenario \"name\"' statement before 'send'");
    parse_fails(HEAD "connect\nscenario \"again\"\n",
                "t.wsf:3:1: a second 'scenario' statement: a file holds one scenario");
    parse_fails("scenario\nconnect\n",
                "t.wsf:1:9: expected the scenario name as a string, found end of line");
    parse_fails("scenario name\nconnect\n",
                "t.wsf:1:10: expected the scenario name as a string, found 'name'");
    parse_fails("scenario \"s\" extra\nconnect\n",
                "t.wsf:1:14: expected end of line, found 'extra'");
    parse_fails(HEAD "description plain\nconnect\n",
                "t.wsf:2:13: expected the description as a string, found 'plain'");
    parse_fails(HEAD "tags \"quoted\"\nconnect\n",
                "t.wsf:2:6: expected a tag word, found string \"quoted\"");
    parse_fails(HEAD "tags\nconnect\n", "t.wsf:2:5: expected a tag word, found end of line");
}

static void test_missing_scenario_or_steps(void)
{
    parse_fails("", "t.wsf:1:1: expected a 'scenario \"name\"' statement, found none");
    parse_fails("# only a comment\n\n",
                "t.wsf:2:1: expected a 'scenario \"name\"' statement, found none");
    parse_fails("tags a\n", "t.wsf:1:1: expected a 'scenario \"name\"' statement, found none");
    /* The message for a file without steps points at its last line. */
    parse_fails(HEAD, "t.wsf:1:1: expected at least one step (connect, ...), found none");
    parse_fails(HEAD "rfc 7.1.1\n\n# nothing to do\n",
                "t.wsf:4:1: expected at least one step (connect, ...), found none");
}

/* ---------------------------------------------------------------------------
 * Layout: line numbers, comments, blank lines, CRLF, step text
 * ------------------------------------------------------------------------ */

static void test_comments_and_blank_lines(void)
{
    wsf_scenario *s = parse_ok("# A comment before anything.\n"
                               "\n"
                               "scenario \"s\"   # the name\n"
                               "   \t\n"
                               "  connect   # indented, with a comment\n"
                               "# between steps\n"
                               "send text \"a # is not a comment in a string\"  # but this is\n"
                               "\n"
                               "rst");
    if (!s) return;
    CU_ASSERT_STRING_EQUAL(s->name, "s");
    CU_ASSERT_EQUAL(s->n_steps, 3);
    if (s->n_steps == 3) {
        CU_ASSERT_EQUAL(s->steps[0].kind, WSF_STEP_CONNECT);
        CU_ASSERT_EQUAL(s->steps[0].line, 5);
        /* The step text is the line without its indentation and comment. */
        CU_ASSERT_STRING_EQUAL(s->steps[0].text, "connect");
        CU_ASSERT_EQUAL(s->steps[1].kind, WSF_STEP_SEND);
        CU_ASSERT_EQUAL(s->steps[1].line, 7);
        CU_ASSERT_STRING_EQUAL(s->steps[1].text, "send text \"a # is not a comment in a string\"");
        CU_ASSERT(bytes_are(&s->steps[1].u.send.payload, "a # is not a comment in a string", 32));
        /* The last line needs no newline. */
        CU_ASSERT_EQUAL(s->steps[2].kind, WSF_STEP_RST);
        CU_ASSERT_EQUAL(s->steps[2].line, 9);
        CU_ASSERT_STRING_EQUAL(s->steps[2].text, "rst");
    }
    wsf_scenario_free(s);
}

static void test_crlf(void)
{
    wsf_scenario *s = parse_ok("scenario \"dos\"\r\n"
                               "tags a b\r\n"
                               "\r\n"
                               "connect within 1s\r\n"
                               "send text \"x\"  # comment\r\n"
                               "expect close 1000 within 1s\r\n");
    if (!s) return;
    /* No stray '\r' in names, tags, step texts or durations. */
    CU_ASSERT_STRING_EQUAL(s->name, "dos");
    CU_ASSERT_EQUAL(s->n_tags, 2);
    if (s->n_tags == 2) CU_ASSERT_STRING_EQUAL(s->tags[1], "b");
    CU_ASSERT_EQUAL(s->n_steps, 3);
    if (s->n_steps == 3) {
        CU_ASSERT_EQUAL(s->steps[0].line, 4);
        CU_ASSERT_STRING_EQUAL(s->steps[0].text, "connect within 1s");
        CU_ASSERT_EQUAL(s->steps[0].u.connect.within_us, 1000000);
        CU_ASSERT_STRING_EQUAL(s->steps[1].text, "send text \"x\"");
        CU_ASSERT_STRING_EQUAL(s->steps[2].text, "expect close 1000 within 1s");
        CU_ASSERT_EQUAL(s->steps[2].u.expect.close_code, 1000);
    }
    wsf_scenario_free(s);
}

static void test_statement_errors(void)
{
    parse_fails(
        HEAD "frobnicate now\n",
        "t.wsf:2:1: expected a statement (scenario, description, rfc, tags, connect, "
        "handshake, send, rst, half-close, close, stall, resume, trickle, tls, wait, signal, "
        "expect, must, should, info), found 'frobnicate'");
    parse_fails(HEAD "\"send\"\n", "t.wsf:2:1: expected a statement (scenario, connect, handshake, "
                                   "send, expect, ...), found string \"send\"");
    /* Errors stop the parse: a later bad line is never reached. */
    parse_fails(
        HEAD "  bogus\nalso bogus\n",
        "t.wsf:2:3: expected a statement (scenario, description, rfc, tags, connect, "
        "handshake, send, rst, half-close, close, stall, resume, trickle, tls, wait, signal, "
        "expect, must, should, info), found 'bogus'");
}

/* ---------------------------------------------------------------------------
 * The lexer as scenario authors meet it: strings, escapes, regexes
 * ------------------------------------------------------------------------ */

static void test_string_escapes(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("send text \"q\\\"b\\\\n\\n\\r\\t\\0\\x41\\xfF\"", &st);
    if (st) {
        static const char want[] = {'q', '"', 'b', '\\', 'n', '\n', '\r', '\t', '\0', 'A', '\xff'};
        CU_ASSERT(bytes_are(&st->u.send.payload, want, sizeof want));
    }
    wsf_scenario_free(s);

    /* A word runs up to a quote: text"x" is the word text, then a string. */
    s = one_step("send text\"x\"", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "x", 1));
    wsf_scenario_free(s);
}

static void test_lexer_errors(void)
{
    parse_fails(HEAD "send text \"abc\n",
                "t.wsf:2:11: unterminated string: expected a closing '\"'");
    parse_fails(HEAD "send text \"abc\\\"\n",
                "t.wsf:2:11: unterminated string: expected a closing '\"'");
    /* A backslash as the last character escapes nothing: the string is still
     * open. (It used to be taken as a finished string "abc".) */
    parse_fails(HEAD "send text \"abc\\\n",
                "t.wsf:2:11: unterminated string: expected a closing '\"'");
    parse_fails(HEAD "send text \"abc\\",
                "t.wsf:2:11: unterminated string: expected a closing '\"'");
    parse_fails(HEAD "send text \"a\\qb\"\n",
                "t.wsf:2:13: unknown escape \\q (known: \\\" \\\\ \\n \\r \\t \\0 \\xNN)");
    parse_fails(HEAD "send text \"\\x4\"\n", "t.wsf:2:12: expected two hex digits after \\x");
    parse_fails(HEAD "send text \"\\xg0\"\n", "t.wsf:2:12: expected two hex digits after \\x");
    parse_fails(HEAD "send text /abc\n",
                "t.wsf:2:11: unterminated regular expression: expected a closing '/'");
    /* A regex is a token of its own, and no scenario statement takes one. */
    parse_fails(HEAD "send text /re # x/\n",
                "t.wsf:2:11: expected a send option (fin, rsv, unmasked, fragments, partial, "
                "times) or end of line, found regex /re # x/");
}

/* ---------------------------------------------------------------------------
 * connect, handshake
 * ------------------------------------------------------------------------ */

static void test_connect(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("connect", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->kind, WSF_STEP_CONNECT);
        CU_ASSERT_EQUAL(st->line, 2);
        CU_ASSERT_EQUAL(st->u.connect.rcvbuf, 0);
        CU_ASSERT_EQUAL(st->u.connect.sndbuf, 0);
        CU_ASSERT_EQUAL(st->u.connect.within_us, 2000000);
    }
    wsf_scenario_free(s);

    s = one_step("connect rcvbuf 4KiB sndbuf 1MiB within 1.5s", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.connect.rcvbuf, 4096);
        CU_ASSERT_EQUAL(st->u.connect.sndbuf, 1048576);
        CU_ASSERT_EQUAL(st->u.connect.within_us, 1500000);
    }
    wsf_scenario_free(s);

    s = one_step("connect sndbuf 512 within 250ms rcvbuf 2k", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.connect.rcvbuf, 2048);
        CU_ASSERT_EQUAL(st->u.connect.sndbuf, 512);
        CU_ASSERT_EQUAL(st->u.connect.within_us, 250000);
    }
    wsf_scenario_free(s);

    parse_fails(HEAD "connect bogus\n", "t.wsf:2:9: expected a connect option (rcvbuf, sndbuf, "
                                        "within) or end of line, found 'bogus'");
    parse_fails(HEAD "connect within 5\n",
                "t.wsf:2:16: expected a duration after 'within', found '5'");
    parse_fails(HEAD "connect rcvbuf 4 KiB\n", "t.wsf:2:18: expected a connect option (rcvbuf, "
                                               "sndbuf, within) or end of line, found 'KiB'");
    parse_fails(HEAD "connect rcvbuf\n",
                "t.wsf:2:15: expected a size after 'rcvbuf', found end of line");
    parse_fails(HEAD "connect sndbuf lots\n",
                "t.wsf:2:16: expected a size after 'sndbuf', found 'lots'");
}

static void test_handshake_defaults(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("handshake", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->kind, WSF_STEP_HANDSHAKE);
        CU_ASSERT_PTR_NULL(st->u.handshake.path);
        CU_ASSERT_EQUAL(st->u.handshake.n_headers, 0);
        CU_ASSERT_EQUAL(st->u.handshake.n_omit, 0);
        CU_ASSERT_PTR_NULL(st->u.handshake.key);
        CU_ASSERT_PTR_NULL(st->u.handshake.version);
        CU_ASSERT_EQUAL(st->u.handshake.partial, -1);
        CU_ASSERT_TRUE(st->u.handshake.wait);
        CU_ASSERT_EQUAL(st->u.handshake.within_us, 2000000);
    }
    wsf_scenario_free(s);
}

static void test_handshake_options(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("handshake path \"/chat?x=1\" header \"X-One: 1\" "
                               "header \"X-Two: 2\" within 5s",
                               &st);
    if (st) {
        CU_ASSERT_STRING_EQUAL(st->u.handshake.path, "/chat?x=1");
        CU_ASSERT_EQUAL(st->u.handshake.n_headers, 2);
        if (st->u.handshake.n_headers == 2) {
            CU_ASSERT_STRING_EQUAL(st->u.handshake.headers[0], "X-One: 1");
            CU_ASSERT_STRING_EQUAL(st->u.handshake.headers[1], "X-Two: 2");
        }
        CU_ASSERT_EQUAL(st->u.handshake.within_us, 5000000);
        /* Extra headers and another path still make a valid request. */
        CU_ASSERT_TRUE(st->u.handshake.wait);
    }
    wsf_scenario_free(s);

    s = one_step("handshake omit Sec-WebSocket-Key omit Upgrade", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.handshake.n_omit, 2);
        if (st->u.handshake.n_omit == 2) {
            CU_ASSERT_STRING_EQUAL(st->u.handshake.omit[0], "Sec-WebSocket-Key");
            CU_ASSERT_STRING_EQUAL(st->u.handshake.omit[1], "Upgrade");
        }
        CU_ASSERT_FALSE(st->u.handshake.wait);
    }
    wsf_scenario_free(s);

    s = one_step("handshake key \"c2hvcnQ=\"", &st);
    if (st) {
        CU_ASSERT_STRING_EQUAL(st->u.handshake.key, "c2hvcnQ=");
        CU_ASSERT_FALSE(st->u.handshake.wait);
    }
    wsf_scenario_free(s);

    s = one_step("handshake bad-key", &st);
    if (st) {
        CU_ASSERT_STRING_EQUAL(st->u.handshake.key, "not-a-valid-key");
        CU_ASSERT_FALSE(st->u.handshake.wait);
    }
    wsf_scenario_free(s);

    s = one_step("handshake version 8", &st);
    if (st) {
        CU_ASSERT_STRING_EQUAL(st->u.handshake.version, "8");
        CU_ASSERT_FALSE(st->u.handshake.wait);
    }
    wsf_scenario_free(s);

    s = one_step("handshake partial 30", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.handshake.partial, 30);
        CU_ASSERT_FALSE(st->u.handshake.wait);
    }
    wsf_scenario_free(s);

    s = one_step("handshake nowait", &st);
    if (st) {
        CU_ASSERT_FALSE(st->u.handshake.wait);
        CU_ASSERT_PTR_NULL(st->u.handshake.key);
    }
    wsf_scenario_free(s);

    /* A later key replaces an earlier one. */
    s = one_step("handshake bad-key key \"k\"", &st);
    if (st) CU_ASSERT_STRING_EQUAL(st->u.handshake.key, "k");
    wsf_scenario_free(s);
}

static void test_handshake_errors(void)
{
    parse_fails(HEAD "handshake bogus\n",
                "t.wsf:2:11: expected a handshake option (path, header, omit, key, bad-key, "
                "version, partial, nowait, within) or end of line, found 'bogus'");
    parse_fails(HEAD "handshake path /chat/\n",
                "t.wsf:2:16: expected a request path string after 'path', found regex /chat/");
    parse_fails(HEAD "handshake header X-A\n",
                "t.wsf:2:18: expected a \"Name: value\" string after 'header', found 'X-A'");
    parse_fails(HEAD "handshake omit \"Upgrade\"\n",
                "t.wsf:2:16: expected a header name after 'omit', found string \"Upgrade\"");
    parse_fails(HEAD "handshake key\n",
                "t.wsf:2:14: expected a key string after 'key', found end of line");
    parse_fails(HEAD "handshake version\n",
                "t.wsf:2:18: expected a version after 'version', found end of line");
    parse_fails(HEAD "handshake partial half\n",
                "t.wsf:2:19: expected a byte count after 'partial', found 'half'");
    parse_fails(HEAD "handshake within 2\n",
                "t.wsf:2:18: expected a duration after 'within' (e.g. 2s), found '2'");
}

/* ---------------------------------------------------------------------------
 * send and send raw
 * ------------------------------------------------------------------------ */

static void test_send_defaults(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("send text \"hello\"", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->kind, WSF_STEP_SEND);
        CU_ASSERT_STRING_EQUAL(st->text, "send text \"hello\"");
        CU_ASSERT_EQUAL(st->u.send.opcode, WSF_OP_TEXT);
        CU_ASSERT_TRUE(st->u.send.fin);
        CU_ASSERT_EQUAL(st->u.send.rsv, 0);
        CU_ASSERT_TRUE(st->u.send.masked);
        CU_ASSERT_EQUAL(st->u.send.fragments, 1);
        CU_ASSERT_EQUAL(st->u.send.times, 1);
        CU_ASSERT_EQUAL(st->u.send.partial, -1);
        CU_ASSERT(bytes_are(&st->u.send.payload, "hello", 5));
    }
    wsf_scenario_free(s);

    /* No payload at all is an empty one. */
    s = one_step("send text", &st);
    if (st) CU_ASSERT_EQUAL(st->u.send.payload.len, 0);
    wsf_scenario_free(s);
}

static void test_send_opcodes(void)
{
    static const struct {
        const char *line;
        int opcode;
    } cases[] = {
        {"send text \"t\"", WSF_OP_TEXT},
        {"send binary \"t\"", WSF_OP_BINARY},
        {"send ping \"t\"", WSF_OP_PING},
        {"send pong \"t\"", WSF_OP_PONG},
        {"send continuation \"t\"", WSF_OP_CONT},
        {"send close \"t\"", WSF_OP_CLOSE},
        {"send opcode 3 \"t\"", 3},
        {"send opcode 0 \"t\"", 0},
        {"send opcode 15 \"t\"", 15},
        {"send opcode 0xB \"t\"", 11},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_step *st;
        wsf_scenario *s = one_step(cases[i].line, &st);
        if (st) {
            CU_ASSERT_EQUAL(st->u.send.opcode, cases[i].opcode);
            CU_ASSERT(bytes_are(&st->u.send.payload, "t", 1));
        }
        wsf_scenario_free(s);
    }

    parse_fails(HEAD "send opcode 16\n", "t.wsf:2:13: expected an opcode number 0-15, found '16'");
    parse_fails(HEAD "send opcode\n",
                "t.wsf:2:12: expected an opcode number 0-15, found end of line");
    parse_fails(HEAD "send foo\n", "t.wsf:2:6: expected a frame kind (text, binary, close, ping, "
                                   "pong, continuation, opcode N), found 'foo'");
    /* 'frame' means any frame: fine to expect, meaningless to send. */
    parse_fails(HEAD "send frame\n", "t.wsf:2:6: expected a frame kind (text, binary, close, "
                                     "ping, pong, continuation, opcode N), found 'frame'");
}

static void test_send_payload_forms(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("send binary hex \"00 ff 10\"", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "\x00\xff\x10", 3));
    wsf_scenario_free(s);

    s = one_step("send binary hex \"DEADbeef\"", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "\xde\xad\xbe\xef", 4));
    wsf_scenario_free(s);

    s = one_step("send binary hex \"\"", &st);
    if (st) CU_ASSERT_EQUAL(st->u.send.payload.len, 0);
    wsf_scenario_free(s);

    /* The pattern repeats up to the size, cut short in its middle if need be. */
    s = one_step("send text repeat \"abc\" 7", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "abcabca", 7));
    wsf_scenario_free(s);

    s = one_step("send binary repeat \"0123456789abcdef\" 16KiB", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.send.payload.len, 16384);
        if (st->u.send.payload.len == 16384) {
            CU_ASSERT_EQUAL(wsf_payload_at(&st->u.send.payload, 16), '0');
            CU_ASSERT_EQUAL(wsf_payload_at(&st->u.send.payload, 16383), 'f');
            wsf_buf b;
            wsf_buf_init(&b);
            wsf_payload_build(&st->u.send.payload, UINT64_MAX, &b);
            CU_ASSERT_EQUAL(b.len, 16384);
            if (b.len == 16384) {
                CU_ASSERT_EQUAL(b.data[16], '0');
                CU_ASSERT_EQUAL(b.data[16383], 'f');
                CU_ASSERT_EQUAL(b.data[16382], 'e');
            }
            wsf_buf_free(&b);
        }
    }
    wsf_scenario_free(s);

    s = one_step("send text repeat \"ab\" 0", &st);
    if (st) CU_ASSERT_EQUAL(st->u.send.payload.len, 0);
    wsf_scenario_free(s);

    s = one_step("send text size 5", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "xxxxx", 5));
    wsf_scenario_free(s);

    s = one_step("send binary size 1KiB", &st);
    if (st) CU_ASSERT_EQUAL(st->u.send.payload.len, 1024);
    wsf_scenario_free(s);

    /* Strings may hold NUL bytes; the payload keeps them. */
    s = one_step("send binary \"a\\0b\"", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "a\0b", 3));
    wsf_scenario_free(s);
}

static void test_send_payload_errors(void)
{
    parse_fails(HEAD "send binary hex \"abc\"\n",
                "t.wsf:2:17: expected pairs of hex digits, found \"abc\"");
    parse_fails(HEAD "send binary hex \"0 a\"\n",
                "t.wsf:2:17: expected pairs of hex digits, found \"0 a\"");
    parse_fails(HEAD "send binary hex \"zz\"\n",
                "t.wsf:2:17: expected pairs of hex digits, found \"zz\"");
    parse_fails(HEAD "send binary hex 00ff\n",
                "t.wsf:2:17: expected a string of hex digits after 'hex', found '00ff'");
    parse_fails(HEAD "send text repeat \"\" 10\n",
                "t.wsf:2:18: expected a non-empty pattern, found an empty string");
    parse_fails(HEAD "send text repeat ab 10\n",
                "t.wsf:2:18: expected a pattern string after 'repeat', found 'ab'");
    parse_fails(HEAD "send text repeat \"ab\"\n",
                "t.wsf:2:22: expected a size after the pattern (e.g. 64KiB), found end of line");
    parse_fails(HEAD "send text repeat \"ab\" 65MiB\n",
                "t.wsf:2:23: payload size over the 64MiB limit");
    parse_fails(HEAD "send text size 65MiB\n", "t.wsf:2:16: payload size over the 64MiB limit");
    parse_fails(HEAD "send text size big\n",
                "t.wsf:2:16: expected a size after 'size' (e.g. 64KiB), found 'big'");
}

static void test_send_close(void)
{
    wsf_step *st;
    /* A bare close has an empty body: no code, no reason. */
    wsf_scenario *s = one_step("send close", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.send.opcode, WSF_OP_CLOSE);
        CU_ASSERT_EQUAL(st->u.send.payload.len, 0);
    }
    wsf_scenario_free(s);

    /* The code goes first, two bytes big-endian, then the reason. */
    s = one_step("send close 1000", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "\x03\xe8", 2));
    wsf_scenario_free(s);

    s = one_step("send close 1001 \"bye\"", &st);
    if (st)
        CU_ASSERT(bytes_are(&st->u.send.payload,
                            "\x03\xe9"
                            "bye",
                            5));
    wsf_scenario_free(s);

    s = one_step("send close 1000 \"\\xff\\xfe\"", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "\x03\xe8\xff\xfe", 4));
    wsf_scenario_free(s);

    s = one_step("send close 0", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "\x00\x00", 2));
    wsf_scenario_free(s);

    s = one_step("send close 65535 \"\"", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "\xff\xff", 2));
    wsf_scenario_free(s);

    s = one_step("send close 0x3e8", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "\x03\xe8", 2));
    wsf_scenario_free(s);

    /* A one-byte body, which no code can produce, is written in hex. */
    s = one_step("send close hex \"03\"", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.send.payload, "\x03", 1));
    wsf_scenario_free(s);

    /* Options follow the code and reason as for any frame. */
    s = one_step("send close 1000 \"r\" unmasked fin 0", &st);
    if (st) {
        CU_ASSERT(bytes_are(&st->u.send.payload, "\x03\xe8r", 3));
        CU_ASSERT_FALSE(st->u.send.masked);
        CU_ASSERT_FALSE(st->u.send.fin);
    }
    wsf_scenario_free(s);

    parse_fails(HEAD "send close 65536\n",
                "t.wsf:2:12: expected a close code 0-65535, found '65536'");
    parse_fails(HEAD "send close 70000 \"x\"\n",
                "t.wsf:2:12: expected a close code 0-65535, found '70000'");
    parse_fails(HEAD "send close 1000x\n",
                "t.wsf:2:12: expected a close code 0-65535, found '1000x'");
    /* The reason must be a string; a word is taken for an option. */
    parse_fails(HEAD "send close 1000 bye\n",
                "t.wsf:2:17: expected a send option (fin, rsv, unmasked, fragments, partial, "
                "times) or end of line, found 'bye'");
}

static void test_send_options(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("send text \"abcdef\" fin 0 rsv 5 unmasked fragments 3 partial 4 "
                               "times 2",
                               &st);
    if (st) {
        CU_ASSERT_FALSE(st->u.send.fin);
        CU_ASSERT_EQUAL(st->u.send.rsv, 5);
        CU_ASSERT_FALSE(st->u.send.masked);
        CU_ASSERT_EQUAL(st->u.send.fragments, 3);
        CU_ASSERT_EQUAL(st->u.send.partial, 4);
        CU_ASSERT_EQUAL(st->u.send.times, 2);
        CU_ASSERT(bytes_are(&st->u.send.payload, "abcdef", 6));
    }
    wsf_scenario_free(s);

    s = one_step("send binary fin 1 rsv 0 fragments 1 partial 0", &st);
    if (st) {
        CU_ASSERT_TRUE(st->u.send.fin);
        CU_ASSERT_EQUAL(st->u.send.rsv, 0);
        CU_ASSERT_TRUE(st->u.send.masked);
        CU_ASSERT_EQUAL(st->u.send.fragments, 1);
        CU_ASSERT_EQUAL(st->u.send.partial, 0);
    }
    wsf_scenario_free(s);

    s = one_step("send binary repeat \"0123456789abcdef\" 16KiB times 64", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.send.times, 64);
        CU_ASSERT_EQUAL(st->u.send.payload.len, 16384);
    }
    wsf_scenario_free(s);

    s = one_step("send text \"x\" fragments 65536 partial 1KiB times 100000", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.send.fragments, 65536);
        CU_ASSERT_EQUAL(st->u.send.partial, 1024);
        CU_ASSERT_EQUAL(st->u.send.times, 100000);
    }
    wsf_scenario_free(s);
}

static void test_send_option_errors(void)
{
    parse_fails(HEAD "send text \"x\" bogus\n",
                "t.wsf:2:15: expected a send option (fin, rsv, unmasked, fragments, partial, "
                "times) or end of line, found 'bogus'");
    parse_fails(HEAD "send text \"x\" \"y\"\n",
                "t.wsf:2:15: expected a send option (fin, rsv, unmasked, fragments, partial, "
                "times) or end of line, found string \"y\"");
    parse_fails(HEAD "send text \"x\" fin 2\n",
                "t.wsf:2:19: expected 0 or 1 after 'fin', found '2'");
    parse_fails(HEAD "send text \"x\" rsv 8\n",
                "t.wsf:2:19: expected RSV bits 0-7 after 'rsv', found '8'");
    parse_fails(HEAD "send text \"x\" fragments 0\n", "t.wsf:2:25: expected at least 1 fragment");
    parse_fails(HEAD "send text \"x\" fragments 65537\n",
                "t.wsf:2:25: expected a fragment count 1-65536, found '65537'");
    parse_fails(HEAD "send text \"x\" partial\n",
                "t.wsf:2:22: expected a byte count after 'partial', found end of line");
    parse_fails(HEAD "send text \"x\" times 0\n",
                "t.wsf:2:21: expected a count from 1 that keeps the total under 256MiB");
    parse_fails(HEAD "send text size 4KiB times 100000\n",
                "t.wsf:2:27: expected a count from 1 that keeps the total under 256MiB");
    parse_fails(HEAD "send text \"x\" times 100001\n",
                "t.wsf:2:21: expected a repeat count 1-100000 after 'times', found '100001'");
}

static void test_send_raw(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("send raw \"GET / HTTP/1.1\\r\\n\"", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->kind, WSF_STEP_SEND_RAW);
        CU_ASSERT(bytes_are(&st->u.raw.bytes, "GET / HTTP/1.1\r\n", 16));
    }
    wsf_scenario_free(s);

    s = one_step("send raw hex \"81 00\"", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.raw.bytes, "\x81\x00", 2));
    wsf_scenario_free(s);

    s = one_step("send raw repeat \"ab\" 3", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.raw.bytes, "aba", 3));
    wsf_scenario_free(s);

    s = one_step("send raw size 4", &st);
    if (st) CU_ASSERT(bytes_are(&st->u.raw.bytes, "xxxx", 4));
    wsf_scenario_free(s);

    parse_fails(HEAD "send raw\n", "t.wsf:2:9: expected the bytes to send (\"text\", hex \"..\", "
                                   "repeat \"..\" SIZE), found end of line");
    parse_fails(HEAD "send raw bytes\n", "t.wsf:2:10: expected the bytes to send (\"text\", hex "
                                         "\"..\", repeat \"..\" SIZE), found 'bytes'");
    /* Raw bytes take no frame options. */
    parse_fails(HEAD "send raw \"x\" unmasked\n",
                "t.wsf:2:14: expected end of line, found 'unmasked'");
}

/* ---------------------------------------------------------------------------
 * The steps without payloads: rst, half-close, close, stall, resume, trickle,
 * wait
 * ------------------------------------------------------------------------ */

static void test_simple_steps(void)
{
    wsf_scenario *s = parse_ok(HEAD "rst\n"
                                    "half-close\n"
                                    "close\n"
                                    "stall read\n"
                                    "stall write\n"
                                    "resume read\n"
                                    "resume write\n");
    if (!s) return;
    static const wsf_step_kind want[] = {
        WSF_STEP_RST,         WSF_STEP_HALF_CLOSE,  WSF_STEP_CLOSE,        WSF_STEP_STALL_READ,
        WSF_STEP_STALL_WRITE, WSF_STEP_RESUME_READ, WSF_STEP_RESUME_WRITE,
    };
    CU_ASSERT_EQUAL(s->n_steps, sizeof want / sizeof *want);
    for (size_t i = 0; i < s->n_steps && i < sizeof want / sizeof *want; i++) {
        CU_ASSERT_EQUAL(s->steps[i].kind, want[i]);
        CU_ASSERT_EQUAL(s->steps[i].line, (int)i + 2);
    }
    if (s->n_steps == 7) CU_ASSERT_STRING_EQUAL(s->steps[5].text, "resume read");
    wsf_scenario_free(s);

    parse_fails(HEAD "rst now\n", "t.wsf:2:5: expected end of line, found 'now'");
    parse_fails(HEAD "half-close 1\n", "t.wsf:2:12: expected end of line, found '1'");
    parse_fails(HEAD "close 1000\n", "t.wsf:2:7: expected end of line, found '1000'");
    parse_fails(HEAD "stall\n", "t.wsf:2:6: expected 'read' or 'write', found end of line");
    parse_fails(HEAD "resume both\n", "t.wsf:2:8: expected 'read' or 'write', found 'both'");
    parse_fails(HEAD "stall read write\n", "t.wsf:2:12: expected end of line, found 'write'");
}

static void test_trickle(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("trickle 8 every 5ms", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->kind, WSF_STEP_TRICKLE);
        CU_ASSERT_EQUAL(st->u.trickle.bytes, 8);
        CU_ASSERT_EQUAL(st->u.trickle.every_us, 5000);
    }
    wsf_scenario_free(s);

    s = one_step("trickle 1KiB every 250us", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.trickle.bytes, 1024);
        CU_ASSERT_EQUAL(st->u.trickle.every_us, 250);
    }
    wsf_scenario_free(s);

    /* 'off' is a trickle of zero bytes. */
    s = one_step("trickle off", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->kind, WSF_STEP_TRICKLE);
        CU_ASSERT_EQUAL(st->u.trickle.bytes, 0);
        CU_ASSERT_EQUAL(st->u.trickle.every_us, 0);
    }
    wsf_scenario_free(s);

    parse_fails(HEAD "trickle 0 every 1ms\n",
                "t.wsf:2:9: expected at least 1 byte per tick (use 'trickle off' to stop)");
    parse_fails(HEAD "trickle 8\n", "t.wsf:2:10: expected 'every', found end of line");
    parse_fails(HEAD "trickle 8 every 5\n",
                "t.wsf:2:17: expected a duration after 'every' (e.g. 10ms), found '5'");
    parse_fails(HEAD "trickle\n",
                "t.wsf:2:8: expected a byte count or 'off' after 'trickle', found end of line");
    parse_fails(HEAD "trickle off now\n", "t.wsf:2:13: expected end of line, found 'now'");
}

static void test_wait_durations(void)
{
    static const struct {
        const char *line;
        int64_t us;
    } cases[] = {
        {"wait 100ms", 100000}, {"wait 1.5s", 1500000}, {"wait 250us", 250},
        {"wait 1m", 60000000},  {"wait 0s", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_step *st;
        wsf_scenario *s = one_step(cases[i].line, &st);
        if (st) {
            CU_ASSERT_EQUAL(st->kind, WSF_STEP_WAIT);
            CU_ASSERT_EQUAL(st->u.wait.us, cases[i].us);
        }
        wsf_scenario_free(s);
    }

    parse_fails(HEAD "wait 100\n", "t.wsf:2:6: expected a duration (e.g. 100ms), found '100'");
    parse_fails(HEAD "wait\n", "t.wsf:2:5: expected a duration (e.g. 100ms), found end of line");
    parse_fails(HEAD "wait -1s\n", "t.wsf:2:6: expected a duration (e.g. 100ms), found '-1s'");
    parse_fails(HEAD "wait 1 s\n", "t.wsf:2:6: expected a duration (e.g. 100ms), found '1'");
}

/* ---------------------------------------------------------------------------
 * expect
 * ------------------------------------------------------------------------ */

static void test_expect_frames(void)
{
    static const struct {
        const char *line;
        int opcode;
        wsf_payload_check check;
        const char *bytes;
        size_t len;
        uint64_t size;
        int64_t within_us;
    } cases[] = {
        {"expect text \"hi\" within 1s", WSF_OP_TEXT, WSF_PAYLOAD_BYTES, "hi", 2, 0, 1000000},
        {"expect binary hex \"01 02\" within 500ms", WSF_OP_BINARY, WSF_PAYLOAD_BYTES, "\x01\x02",
         2, 0, 500000},
        {"expect ping within 1s", WSF_OP_PING, WSF_PAYLOAD_ANY, NULL, 0, 0, 1000000},
        {"expect pong \"are you there\" within 1s", WSF_OP_PONG, WSF_PAYLOAD_BYTES, "are you there",
         13, 0, 1000000},
        {"expect continuation within 2s", WSF_OP_CONT, WSF_PAYLOAD_ANY, NULL, 0, 0, 2000000},
        {"expect frame within 1s", -1, WSF_PAYLOAD_ANY, NULL, 0, 0, 1000000},
        {"expect frame \"x\" within 1s", -1, WSF_PAYLOAD_BYTES, "x", 1, 0, 1000000},
        {"expect opcode 3 within 1s", 3, WSF_PAYLOAD_ANY, NULL, 0, 0, 1000000},
        {"expect binary size 16KiB within 3s", WSF_OP_BINARY, WSF_PAYLOAD_SIZE, NULL, 0, 16384,
         3000000},
        {"expect text size 0 within 1s", WSF_OP_TEXT, WSF_PAYLOAD_SIZE, NULL, 0, 0, 1000000},
        {"expect binary repeat \"ab\" 5 within 1s", WSF_OP_BINARY, WSF_PAYLOAD_BYTES, "ababa", 5, 0,
         1000000},
        {"expect text \"\" within 1s", WSF_OP_TEXT, WSF_PAYLOAD_BYTES, "", 0, 0, 1000000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_step *st;
        wsf_scenario *s = one_step(cases[i].line, &st);
        if (st) {
            const wsf_expect *e = &st->u.expect;
            CU_ASSERT_EQUAL(st->kind, WSF_STEP_EXPECT);
            CU_ASSERT_EQUAL(e->kind, WSF_EXP_FRAME);
            CU_ASSERT_EQUAL(e->opcode, cases[i].opcode);
            CU_ASSERT_EQUAL(e->payload_check, cases[i].check);
            if (cases[i].check == WSF_PAYLOAD_BYTES)
                CU_ASSERT(bytes_are(&e->payload, cases[i].bytes, cases[i].len));
            if (cases[i].check == WSF_PAYLOAD_SIZE) CU_ASSERT_EQUAL(e->size, cases[i].size);
            CU_ASSERT_EQUAL(e->within_us, cases[i].within_us);
        }
        wsf_scenario_free(s);
    }
}

static void test_expect_close(void)
{
    static const struct {
        const char *line;
        int code;
        bool check_reason;
        const char *reason;
    } cases[] = {
        {"expect close 1000 within 1s", 1000, false, NULL},
        {"expect close 1002 within 1s", 1002, false, NULL},
        {"expect close any within 1s", WSF_CLOSE_ANY, false, NULL},
        /* No code at all means any code. */
        {"expect close within 1s", WSF_CLOSE_ANY, false, NULL},
        /* 'empty' asks for a body without even a code. */
        {"expect close empty within 1s", -1, false, NULL},
        {"expect close 1000 \"bye\" within 1s", 1000, true, "bye"},
        {"expect close \"bye\" within 1s", WSF_CLOSE_ANY, true, "bye"},
        {"expect close any \"\" within 1s", WSF_CLOSE_ANY, true, ""},
        {"expect close 0 within 1s", 0, false, NULL},
        {"expect close 65535 within 1s", 65535, false, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_step *st;
        wsf_scenario *s = one_step(cases[i].line, &st);
        if (st) {
            const wsf_expect *e = &st->u.expect;
            CU_ASSERT_EQUAL(e->kind, WSF_EXP_FRAME);
            CU_ASSERT_EQUAL(e->opcode, WSF_OP_CLOSE);
            CU_ASSERT_EQUAL(e->close_code, cases[i].code);
            CU_ASSERT_EQUAL(e->check_reason, cases[i].check_reason);
            if (cases[i].check_reason)
                CU_ASSERT(buf_is(&e->reason, cases[i].reason, strlen(cases[i].reason)));
            CU_ASSERT_EQUAL(e->within_us, 1000000);
        }
        wsf_scenario_free(s);
    }

    parse_fails(HEAD "expect close 70000 within 1s\n",
                "t.wsf:2:14: expected a close code 0-65535, found '70000'");
    parse_fails(HEAD "expect close normal within 1s\n",
                "t.wsf:2:14: expected 'within', found 'normal'");
    parse_fails(HEAD "expect close 1000\n", "t.wsf:2:18: expected 'within', found end of line");
}

static void test_expect_other_kinds(void)
{
    static const struct {
        const char *line;
        wsf_expect_kind kind;
        int64_t within_us;
        int http_status;
    } cases[] = {
        {"expect no frame for 1s", WSF_EXP_NO_FRAME, 1000000, 0},
        {"expect no frame within 250ms", WSF_EXP_NO_FRAME, 250000, 0},
        {"expect http 101 within 1s", WSF_EXP_HTTP, 1000000, 101},
        {"expect http 400 within 2s", WSF_EXP_HTTP, 2000000, 400},
        {"expect http 100 within 2s", WSF_EXP_HTTP, 2000000, 100},
        {"expect http 599 within 2s", WSF_EXP_HTTP, 2000000, 599},
        {"expect tcp fin within 2s", WSF_EXP_FIN, 2000000, 0},
        {"expect tcp rst within 500ms", WSF_EXP_RST, 500000, 0},
        {"expect tcp closed within 2s", WSF_EXP_CLOSED, 2000000, 0},
        {"expect tcp open for 1s", WSF_EXP_OPEN, 1000000, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_step *st;
        wsf_scenario *s = one_step(cases[i].line, &st);
        if (st) {
            CU_ASSERT_EQUAL(st->kind, WSF_STEP_EXPECT);
            CU_ASSERT_EQUAL(st->u.expect.kind, cases[i].kind);
            CU_ASSERT_EQUAL(st->u.expect.within_us, cases[i].within_us);
            if (cases[i].kind == WSF_EXP_HTTP)
                CU_ASSERT_EQUAL(st->u.expect.http_status, cases[i].http_status);
        }
        wsf_scenario_free(s);
    }
}

static void test_expect_errors(void)
{
    /* Every expectation has a deadline. */
    parse_fails(HEAD "expect text \"x\"\n", "t.wsf:2:16: expected 'within', found end of line");
    parse_fails(HEAD "expect tcp fin\n", "t.wsf:2:15: expected 'within', found end of line");
    parse_fails(HEAD "expect http 101\n", "t.wsf:2:16: expected 'within', found end of line");
    parse_fails(HEAD "expect tcp open\n", "t.wsf:2:16: expected 'for', found end of line");
    parse_fails(HEAD "expect tcp open within 1s\n", "t.wsf:2:17: expected 'for', found 'within'");

    parse_fails(HEAD "expect text \"x\" within 500\n",
                "t.wsf:2:24: expected a duration after 'within' (e.g. 500ms), found '500'");
    parse_fails(HEAD "\n\nexpect tcp fin within 2\n",
                "t.wsf:4:23: expected a duration after 'within' (e.g. 500ms), found '2'");
    parse_fails(HEAD "expect tcp open for 1\n",
                "t.wsf:2:21: expected a duration after 'for' (e.g. 2s), found '1'");
    parse_fails(HEAD "expect no frame for 1\n",
                "t.wsf:2:21: expected a duration (e.g. 1s), found '1'");
    parse_fails(HEAD "expect text \"x\" within 1s now\n",
                "t.wsf:2:27: expected end of line, found 'now'");

    /* 'for' is as good as 'within' here, and the message says so. (It used to
     * ask for 'within' alone.) */
    parse_fails(HEAD "expect no frame 1s\n", "t.wsf:2:17: expected 'for' or 'within', found '1s'");
    parse_fails(HEAD "expect no text within 1s\n", "t.wsf:2:11: expected 'frame', found 'text'");

    /* An unknown expectation lists all of them, not just the frame kinds. */
    parse_fails(
        HEAD "expect tcp-closed within 1s\n",
        "t.wsf:2:8: expected an expectation (text, binary, close, ping, pong, "
        "continuation, opcode N, frame, no frame, tcp, http, target, fds, socket, log, no "
        "log, states, closing, wire, fail-connection, close-connection), found 'tcp-closed'");
    parse_fails(HEAD "expect\n", "t.wsf:2:7: expected an expectation (text, binary, close, ping, "
                                 "pong, continuation, opcode N, frame, no frame, tcp, http, "
                                 "target, fds, socket, log, no log, states, closing, wire, "
                                 "fail-connection, close-connection), "
                                 "found end of line");
    parse_fails(HEAD "expect tcp maybe within 1s\n",
                "t.wsf:2:12: expected fin, rst, closed or open after 'tcp', found 'maybe'");

    parse_fails(HEAD "expect http 600 within 1s\n",
                "t.wsf:2:13: expected an HTTP status 100-599, found '600'");
    /* Below 100 is not a status either, as the message always said. (It used
     * to be accepted.) */
    parse_fails(HEAD "expect http 99 within 1s\n",
                "t.wsf:2:13: expected an HTTP status 100-599, found '99'");
    parse_fails(HEAD "expect http 0 within 1s\n",
                "t.wsf:2:13: expected an HTTP status 100-599, found '0'");

    parse_fails(HEAD "expect text bogus within 1s\n",
                "t.wsf:2:13: expected a payload (\"text\", hex \"..\", repeat \"..\" SIZE, size N) "
                "or 'within', found 'bogus'");
    parse_fails(HEAD "expect binary size within 1s\n",
                "t.wsf:2:20: expected a size after 'size', found 'within'");
    parse_fails(HEAD "expect binary hex \"a\" within 1s\n",
                "t.wsf:2:19: expected pairs of hex digits, found \"a\"");
}

static void test_long_token_in_message(void)
{
    /* A long token is cut in the message with "..." and its quotes kept,
     * rather than cut off in the middle of an escape. */
    char text[512];
    char want[512];
    char ff[41 * 4 + 1] = "";
    char shown[40 * 4 + 1] = "";
    for (int i = 0; i < 41; i++)
        strcat(ff, "\\xff");
    for (int i = 0; i < 40; i++)
        strcat(shown, "\\xff");
    snprintf(text, sizeof text, HEAD "tags \"%s\"\nconnect\n", ff);
    snprintf(want, sizeof want, "t.wsf:2:6: expected a tag word, found string \"%s...\"", shown);
    parse_fails(text, want);
}

/* ---------------------------------------------------------------------------
 * A whole scenario, as the files in scenarios/ are written
 * ------------------------------------------------------------------------ */

static void test_whole_file(void)
{
    wsf_scenario *s = parse_ok("# The textbook ending.\n"
                               "scenario \"Peer-initiated clean close\"\n"
                               "description \"The peer sends Close 1000 after an echo.\"\n"
                               "rfc 5.5.1 7.1.1 7.1.2\n"
                               "tags close clean\n"
                               "\n"
                               "connect\n"
                               "handshake\n"
                               "send text \"hello\"\n"
                               "expect text \"hello\" within 1s\n"
                               "send close 1000 \"bye\"\n"
                               "expect close 1000 within 1s\n"
                               "expect tcp fin within 2s\n");
    if (!s) return;
    static const wsf_step_kind kinds[] = {WSF_STEP_CONNECT, WSF_STEP_HANDSHAKE, WSF_STEP_SEND,
                                          WSF_STEP_EXPECT,  WSF_STEP_SEND,      WSF_STEP_EXPECT,
                                          WSF_STEP_EXPECT};
    CU_ASSERT_EQUAL(s->n_steps, 7);
    for (size_t i = 0; i < s->n_steps && i < 7; i++) {
        CU_ASSERT_EQUAL(s->steps[i].kind, kinds[i]);
        CU_ASSERT_EQUAL(s->steps[i].line, (int)i + 7);
    }
    if (s->n_steps == 7) {
        CU_ASSERT_STRING_EQUAL(s->steps[4].text, "send close 1000 \"bye\"");
        CU_ASSERT_EQUAL(s->steps[6].u.expect.kind, WSF_EXP_FIN);
    }
    wsf_scenario_free(s);
}

/* ---------------------------------------------------------------------------
 * Selecting scenarios by pattern
 * ------------------------------------------------------------------------ */

static void test_matches(void)
{
    wsf_scenario *s = wsf_scenario_parse("scenarios/close/clean.wsf",
                                         "scenario \"Peer-initiated clean close\"\n"
                                         "tags close fast-path\n"
                                         "connect\n",
                                         err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);

    /* Without glob characters: a substring of the name or the path. */
    CU_ASSERT_TRUE(wsf_scenario_matches(s, "initiated"));
    CU_ASSERT_TRUE(wsf_scenario_matches(s, "Peer-initiated clean close"));
    CU_ASSERT_TRUE(wsf_scenario_matches(s, "close/clean"));
    CU_ASSERT_TRUE(wsf_scenario_matches(s, ".wsf"));
    CU_ASSERT_FALSE(wsf_scenario_matches(s, "peer-initiated"));
    CU_ASSERT_FALSE(wsf_scenario_matches(s, "handshake"));
    /* ... but a tag must match whole. */
    CU_ASSERT_TRUE(wsf_scenario_matches(s, "fast-path"));
    CU_ASSERT_FALSE(wsf_scenario_matches(s, "fast"));
    CU_ASSERT_FALSE(wsf_scenario_matches(s, "path"));

    /* With them: a glob over the whole name, path or a tag. */
    CU_ASSERT_TRUE(wsf_scenario_matches(s, "Peer-*"));
    CU_ASSERT_TRUE(wsf_scenario_matches(s, "*clean close"));
    CU_ASSERT_TRUE(wsf_scenario_matches(s, "scenarios/*/clean.wsf"));
    CU_ASSERT_TRUE(wsf_scenario_matches(s, "fast-*"));
    CU_ASSERT_TRUE(wsf_scenario_matches(s, "fast-pat?"));
    CU_ASSERT_TRUE(wsf_scenario_matches(s, "[cd]lose"));
    CU_ASSERT_FALSE(wsf_scenario_matches(s, "Peer*x"));
    CU_ASSERT_FALSE(wsf_scenario_matches(s, "slow-*"));
    CU_ASSERT_FALSE(wsf_scenario_matches(s, "close/*"));

    wsf_scenario_free(s);
}

#include <signal.h>

/* ---------------------------------------------------------------------------
 * Signals, MUST and SHOULD, and the expectations beyond the wire: the target
 * process, its resources, its log, and the peer's view of the closing
 * ------------------------------------------------------------------------ */

static void test_signal(void)
{
    static const struct {
        const char *line;
        int sig;
    } cases[] = {
        {"signal TERM", SIGTERM}, {"signal SIGTERM", SIGTERM}, {"signal INT", SIGINT},
        {"signal HUP", SIGHUP},   {"signal SIGKILL", SIGKILL}, {"signal USR1", SIGUSR1},
        {"signal STOP", SIGSTOP}, {"signal CONT", SIGCONT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_step *st;
        wsf_scenario *s = one_step(cases[i].line, &st);
        if (st) {
            CU_ASSERT_EQUAL(st->kind, WSF_STEP_SIGNAL);
            CU_ASSERT_EQUAL(st->u.signal.sig, cases[i].sig);
            CU_ASSERT_EQUAL(st->level, WSF_LEVEL_MUST);
            CU_ASSERT_STRING_EQUAL(st->text, cases[i].line);
        }
        wsf_scenario_free(s);
    }

    parse_fails(HEAD "signal FOO\n", "t.wsf:2:8: expected a signal name (TERM, INT, HUP, QUIT, "
                                     "KILL, ...), found 'FOO'");
    /* Names are upper case, as kill -l prints them. */
    parse_fails(HEAD "signal term\n", "t.wsf:2:8: expected a signal name (TERM, INT, HUP, QUIT, "
                                      "KILL, ...), found 'term'");
    parse_fails(HEAD "signal 15\n", "t.wsf:2:8: expected a signal name (TERM, INT, HUP, QUIT, "
                                    "KILL, ...), found '15'");
    parse_fails(HEAD "signal\n",
                "t.wsf:2:7: expected a signal name (TERM, INT, HUP, ...), found end of line");
    parse_fails(HEAD "signal TERM now\n", "t.wsf:2:13: expected end of line, found 'now'");
}

static void test_must_and_should(void)
{
    static const struct {
        const char *line;
        wsf_level level;
        wsf_expect_kind kind;
    } cases[] = {
        {"expect tcp fin within 2s", WSF_LEVEL_MUST, WSF_EXP_FIN},
        {"must tcp fin within 2s", WSF_LEVEL_MUST, WSF_EXP_FIN},
        {"should tcp fin within 2s", WSF_LEVEL_SHOULD, WSF_EXP_FIN},
        {"must close 1000 within 1s", WSF_LEVEL_MUST, WSF_EXP_FRAME},
        {"should close 1000 within 1s", WSF_LEVEL_SHOULD, WSF_EXP_FRAME},
        {"should closing clean", WSF_LEVEL_SHOULD, WSF_EXP_CLOSING},
        {"must target exited 0 within 3s", WSF_LEVEL_MUST, WSF_EXP_TARGET_EXITED},
        {"should socket released within 2s", WSF_LEVEL_SHOULD, WSF_EXP_SOCKET_RELEASED},
        {"should no log /Traceback/ until end", WSF_LEVEL_SHOULD, WSF_EXP_NO_LOG},
        {"should no frame for 1s", WSF_LEVEL_SHOULD, WSF_EXP_NO_FRAME},
        {"info close 1002 within 1s", WSF_LEVEL_INFO, WSF_EXP_FRAME},
        {"info tcp closed within 1s", WSF_LEVEL_INFO, WSF_EXP_CLOSED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_step *st;
        wsf_scenario *s = one_step(cases[i].line, &st);
        if (st) {
            CU_ASSERT_EQUAL(st->kind, WSF_STEP_EXPECT);
            CU_ASSERT_EQUAL(st->level, cases[i].level);
            CU_ASSERT_EQUAL(st->u.expect.kind, cases[i].kind);
            /* Reports show the line as written, with its own first word. */
            CU_ASSERT_STRING_EQUAL(st->text, cases[i].line);
        }
        wsf_scenario_free(s);
    }

    /* They need an expectation as much as 'expect' does. */
    parse_fails(HEAD "should\n", "t.wsf:2:7: expected an expectation (text, binary, close, ping, "
                                 "pong, continuation, opcode N, frame, no frame, tcp, http, "
                                 "target, fds, socket, log, no log, states, closing, wire, "
                                 "fail-connection, close-connection), "
                                 "found end of line");
    parse_fails(HEAD "must tcp fin\n", "t.wsf:2:13: expected 'within', found end of line");
    /* Only as the first word. */
    parse_fails(HEAD "expect should tcp fin within 1s\n",
                "t.wsf:2:8: expected an expectation (text, binary, close, ping, pong, "
                "continuation, opcode N, frame, no frame, tcp, http, target, fds, socket, log, no "
                "log, states, closing, wire, fail-connection, close-connection), found 'should'");
}

static void test_expect_target(void)
{
    static const struct {
        const char *line;
        wsf_expect_kind kind;
        int64_t within_us;
        bool for_time;
        int exit_status; /* EXITED */
        int signal;      /* KILLED */
        uint64_t size;   /* RSS */
    } cases[] = {
        {"expect target alive", WSF_EXP_TARGET_ALIVE, 0, false, 0, 0, 0},
        {"expect target alive for 2s", WSF_EXP_TARGET_ALIVE, 2000000, true, 0, 0, 0},
        {"expect target exited within 3s", WSF_EXP_TARGET_EXITED, 3000000, false, -1, 0, 0},
        {"expect target exited 0 within 3s", WSF_EXP_TARGET_EXITED, 3000000, false, 0, 0, 0},
        {"expect target exited 255 within 1s", WSF_EXP_TARGET_EXITED, 1000000, false, 255, 0, 0},
        {"expect target killed by SEGV within 1s", WSF_EXP_TARGET_KILLED, 1000000, false, 0,
         SIGSEGV, 0},
        {"expect target killed SIGABRT within 500ms", WSF_EXP_TARGET_KILLED, 500000, false, 0,
         SIGABRT, 0},
        {"expect target killed by KILL within 2s", WSF_EXP_TARGET_KILLED, 2000000, false, 0,
         SIGKILL, 0},
        {"expect target rss below 64MiB", WSF_EXP_RSS_BELOW, 0, false, 0, 0, 64u << 20},
        {"expect target rss below 1000", WSF_EXP_RSS_BELOW, 0, false, 0, 0, 1000},
        {"expect target rss growth below 16MiB", WSF_EXP_RSS_GROWTH, 0, false, 0, 0, 16u << 20},
        {"expect fds baseline within 2s", WSF_EXP_FDS_BASELINE, 2000000, false, 0, 0, 0},
        {"expect socket released within 250ms", WSF_EXP_SOCKET_RELEASED, 250000, false, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_step *st;
        wsf_scenario *s = one_step(cases[i].line, &st);
        if (st) {
            const wsf_expect *e = &st->u.expect;
            CU_ASSERT_EQUAL(st->kind, WSF_STEP_EXPECT);
            CU_ASSERT_EQUAL(st->level, WSF_LEVEL_MUST);
            CU_ASSERT_EQUAL(e->kind, cases[i].kind);
            CU_ASSERT_EQUAL(e->within_us, cases[i].within_us);
            CU_ASSERT_EQUAL(e->for_time, cases[i].for_time);
            if (e->kind == WSF_EXP_TARGET_EXITED)
                CU_ASSERT_EQUAL(e->exit_status, cases[i].exit_status);
            if (e->kind == WSF_EXP_TARGET_KILLED) CU_ASSERT_EQUAL(e->signal, cases[i].signal);
            if (e->kind == WSF_EXP_RSS_BELOW || e->kind == WSF_EXP_RSS_GROWTH)
                CU_ASSERT_EQUAL(e->size, cases[i].size);
            CU_ASSERT_EQUAL(e->n_patterns, 0);
            CU_ASSERT_EQUAL(e->n_states, 0);
        }
        wsf_scenario_free(s);
    }
}

static void test_expect_target_errors(void)
{
    parse_fails(HEAD "expect target sleeping\n",
                "t.wsf:2:15: expected alive, exited, killed, ended or rss after 'target', found "
                "'sleeping'");
    parse_fails(HEAD "expect target\n",
                "t.wsf:2:14: expected alive, exited, killed, ended or rss after "
                "'target', found end of line");
    parse_fails(HEAD "expect target exited 300 within 1s\n",
                "t.wsf:2:22: expected an exit status 0-255 or 'within', found '300'");
    parse_fails(HEAD "expect target exited -1 within 1s\n",
                "t.wsf:2:22: expected an exit status 0-255 or 'within', found '-1'");
    parse_fails(HEAD "expect target exited 0\n",
                "t.wsf:2:23: expected 'within', found end of line");
    parse_fails(HEAD "expect target killed by FOO within 1s\n",
                "t.wsf:2:25: expected a signal name (SEGV, ABRT, KILL, TERM, ...), found 'FOO'");
    parse_fails(HEAD "expect target killed within 1s\n",
                "t.wsf:2:22: expected a signal name (SEGV, ABRT, KILL, TERM, ...), found 'within'");
    parse_fails(HEAD "expect target killed SEGV\n",
                "t.wsf:2:26: expected 'within', found end of line");
    parse_fails(HEAD "expect target alive now\n", "t.wsf:2:21: expected end of line, found 'now'");
    parse_fails(HEAD "expect target alive for 1\n",
                "t.wsf:2:25: expected a duration after 'for' (e.g. 1s), found '1'");
    parse_fails(HEAD "expect target rss 64MiB\n",
                "t.wsf:2:19: expected 'below' or 'growth below' after 'rss', found '64MiB'");
    parse_fails(HEAD "expect target rss growth 1MiB\n",
                "t.wsf:2:26: expected 'below', found '1MiB'");
    parse_fails(HEAD "expect target rss below\n",
                "t.wsf:2:24: expected a size (e.g. 64MiB), found end of line");
    parse_fails(HEAD "expect fds within 1s\n", "t.wsf:2:12: expected 'baseline', found 'within'");
    parse_fails(HEAD "expect fds baseline\n", "t.wsf:2:20: expected 'within', found end of line");
    parse_fails(HEAD "expect socket within 1s\n",
                "t.wsf:2:15: expected 'released', found 'within'");
    parse_fails(HEAD "expect socket released\n",
                "t.wsf:2:23: expected 'within', found end of line");
}

/* Whether regex i of e matches line, as the judge runs it. */
static bool pattern_matches(const wsf_expect *e, size_t i, const char *line)
{
    return i < e->n_patterns && wsf_rx_match(e->regexes[i], line, NULL) == WSF_RX_MATCH;
}

static void test_expect_log(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("expect log /conn [0-9]+ closed/ within 1s", &st);
    if (st) {
        const wsf_expect *e = &st->u.expect;
        CU_ASSERT_EQUAL(e->kind, WSF_EXP_LOG);
        CU_ASSERT_EQUAL(e->within_us, 1000000);
        CU_ASSERT_EQUAL(e->n_patterns, 1);
        if (e->n_patterns == 1) {
            CU_ASSERT_STRING_EQUAL(e->patterns[0], "conn [0-9]+ closed");
            /* Compiled as extended regexes: '+' needs no backslash. */
            CU_ASSERT_TRUE(pattern_matches(e, 0, "lws-echo: conn 12 closed"));
            CU_ASSERT_FALSE(pattern_matches(e, 0, "conn  closed"));
        }
    }
    wsf_scenario_free(s);

    s = one_step("expect log in order /open/ /close received/ /closed/ within 2s", &st);
    if (st) {
        const wsf_expect *e = &st->u.expect;
        CU_ASSERT_EQUAL(e->kind, WSF_EXP_LOG);
        CU_ASSERT_EQUAL(e->within_us, 2000000);
        CU_ASSERT_EQUAL(e->n_patterns, 3);
        if (e->n_patterns == 3) {
            CU_ASSERT_STRING_EQUAL(e->patterns[0], "open");
            CU_ASSERT_STRING_EQUAL(e->patterns[1], "close received");
            CU_ASSERT_STRING_EQUAL(e->patterns[2], "closed");
            CU_ASSERT_TRUE(pattern_matches(e, 1, "close received: 1000"));
            CU_ASSERT_FALSE(pattern_matches(e, 1, "closed"));
        }
    }
    wsf_scenario_free(s);

    /* In order with a single pattern is a plain "expect log". */
    s = one_step("expect log in order /only/ within 1s", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.expect.kind, WSF_EXP_LOG);
        CU_ASSERT_EQUAL(st->u.expect.n_patterns, 1);
    }
    wsf_scenario_free(s);

    /* "\/" stands for a slash; other backslashes reach the regex engine. */
    s = one_step("expect log /GET \\/chat\\.html/ within 1s", &st);
    if (st && st->u.expect.n_patterns == 1) {
        CU_ASSERT_STRING_EQUAL(st->u.expect.patterns[0], "GET /chat\\.html");
        CU_ASSERT_TRUE(pattern_matches(&st->u.expect, 0, "GET /chat.html 200"));
        CU_ASSERT_FALSE(pattern_matches(&st->u.expect, 0, "GET /chatxhtml 200"));
    }
    wsf_scenario_free(s);

    static const struct {
        const char *line;
        int64_t within_us;
        bool until_end;
    } nolog[] = {
        {"expect no log /Traceback/", 0, false},
        {"expect no log /Traceback/ for 1s", 1000000, false},
        {"expect no log /Traceback/ until end", 0, true},
    };
    for (size_t i = 0; i < sizeof nolog / sizeof *nolog; i++) {
        s = one_step(nolog[i].line, &st);
        if (st) {
            const wsf_expect *e = &st->u.expect;
            CU_ASSERT_EQUAL(e->kind, WSF_EXP_NO_LOG);
            CU_ASSERT_EQUAL(e->within_us, nolog[i].within_us);
            CU_ASSERT_EQUAL(e->until_end, nolog[i].until_end);
            CU_ASSERT_EQUAL(e->n_patterns, 1);
            if (e->n_patterns == 1) CU_ASSERT_STRING_EQUAL(e->patterns[0], "Traceback");
        }
        wsf_scenario_free(s);
    }
    /* 'no' still starts 'no frame'. */
    s = one_step("expect no frame for 1s", &st);
    if (st) CU_ASSERT_EQUAL(st->u.expect.kind, WSF_EXP_NO_FRAME);
    wsf_scenario_free(s);
}

static void test_expect_log_errors(void)
{
    parse_fails(HEAD "expect log /(a/ within 1s\n",
                "t.wsf:2:12: bad regular expression: missing closing parenthesis at offset 2");
    parse_fails(
        HEAD "expect log in order /a/ /b{2,1}/ within 1s\n",
        "t.wsf:2:25: bad regular expression: numbers out of order in {} quantifier at offset 5");
    parse_fails(
        HEAD "expect no log /[z-a]/\n",
        "t.wsf:2:15: bad regular expression: range out of order in character class at offset 3");
    /* What made glibc's regcomp take gigabytes is refused at once. */
    parse_fails(HEAD "expect log /a+++++++++++++++++++++++++/ within 1s\n",
                "t.wsf:2:12: bad regular expression: quantifier does not follow a repeatable "
                "item at offset 3");
    char line[1200];
    snprintf(line, sizeof line, HEAD "expect no log /%01100d/\n", 0);
    parse_fails(line, "t.wsf:2:15: bad regular expression: a pattern of 1100 bytes, over the "
                      "limit of 1024");
    parse_fails(
        HEAD
        "expect no log /((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))/\n",
        "t.wsf:2:15: bad regular expression: parentheses are too deeply nested at "
        "offset 33");
    parse_fails(HEAD "expect log\n",
                "t.wsf:2:11: expected a /regular expression/, found end of line");
    parse_fails(HEAD "expect log within 1s\n",
                "t.wsf:2:12: expected a /regular expression/, found 'within'");
    parse_fails(HEAD "expect log \"quoted\" within 1s\n",
                "t.wsf:2:12: expected a /regular expression/, found string \"quoted\"");
    parse_fails(HEAD "expect log in order within 1s\n",
                "t.wsf:2:21: expected a /regular expression/, found 'within'");
    parse_fails(HEAD "expect log in /a/ within 1s\n",
                "t.wsf:2:15: expected 'order', found regex /a/");
    /* Two patterns need 'in order'. */
    parse_fails(HEAD "expect log /a/ /b/ within 1s\n",
                "t.wsf:2:16: expected 'within', found regex /b/");
    parse_fails(HEAD "expect log /a/\n", "t.wsf:2:15: expected 'within', found end of line");
    parse_fails(HEAD "expect no log\n",
                "t.wsf:2:14: expected a /regular expression/, found end of line");
    parse_fails(HEAD "expect no log /x/ until later\n",
                "t.wsf:2:25: expected 'end', found 'later'");
    parse_fails(HEAD "expect no log /x/ for 1\n",
                "t.wsf:2:23: expected a duration after 'for' (e.g. 1s), found '1'");
    parse_fails(HEAD "expect no log /x/ for 1s until end\n",
                "t.wsf:2:26: expected end of line, found 'until'");
}

static void test_expect_states(void)
{
    static const wsf_conn_state all[] = {WSF_CS_CONNECTING, WSF_CS_OPEN, WSF_CS_CLOSING_SENT,
                                         WSF_CS_CLOSING_RECEIVED, WSF_CS_CLOSED};
    wsf_step *st;
    wsf_scenario *s =
        one_step("expect states connecting open closing-sent closing-received closed", &st);
    if (st) {
        const wsf_expect *e = &st->u.expect;
        CU_ASSERT_EQUAL(e->kind, WSF_EXP_STATES);
        CU_ASSERT_EQUAL(e->within_us, 0);
        CU_ASSERT_EQUAL(e->n_states, 5);
        if (e->n_states == 5) CU_ASSERT(memcmp(e->states, all, sizeof all) == 0);
    }
    wsf_scenario_free(s);

    /* Repeats are kept: a reconnect enters connecting again. */
    s = one_step("expect states connecting closed connecting", &st);
    if (st) {
        const wsf_expect *e = &st->u.expect;
        CU_ASSERT_EQUAL(e->n_states, 3);
        if (e->n_states == 3) {
            CU_ASSERT_EQUAL(e->states[0], WSF_CS_CONNECTING);
            CU_ASSERT_EQUAL(e->states[1], WSF_CS_CLOSED);
            CU_ASSERT_EQUAL(e->states[2], WSF_CS_CONNECTING);
        }
    }
    wsf_scenario_free(s);

    parse_fails(HEAD "expect states connecting open bogus\n",
                "t.wsf:2:31: expected a state (connecting, open, closing-sent, closing-received, "
                "closed), found 'bogus'");
    parse_fails(HEAD "expect states open closing\n",
                "t.wsf:2:20: expected a state (connecting, open, closing-sent, closing-received, "
                "closed), found 'closing'");
    parse_fails(HEAD "expect states\n",
                "t.wsf:2:14: expected a state (connecting, open, closing-sent, closing-received, "
                "closed), found end of line");
    parse_fails(HEAD "expect states /open/\n",
                "t.wsf:2:15: expected a state (connecting, open, closing-sent, closing-received, "
                "closed), found regex /open/");
}

static void test_expect_closing(void)
{
    static const struct {
        const char *line;
        wsf_closing_fact fact;
        bool by_target;
        int close_code;
        bool check_reason;
        const char *reason;
    } cases[] = {
        {"expect closing initiator peer", WSF_FACT_INITIATOR, false, 0, false, NULL},
        {"expect closing initiator target", WSF_FACT_INITIATOR, true, 0, false, NULL},
        {"expect closing clean", WSF_FACT_CLEAN, false, 0, false, NULL},
        {"expect closing dropped-by peer", WSF_FACT_DROPPED, false, 0, false, NULL},
        {"expect closing dropped-by target", WSF_FACT_DROPPED, true, 0, false, NULL},
        {"expect closing code 1000", WSF_FACT_CODE, false, 1000, false, NULL},
        {"expect closing code 1001 \"going away\"", WSF_FACT_CODE, false, 1001, true, "going away"},
        {"expect closing code 1000 \"\"", WSF_FACT_CODE, false, 1000, true, ""},
        {"expect closing code none", WSF_FACT_CODE, false, -1, false, NULL},
        {"expect closing code 0", WSF_FACT_CODE, false, 0, false, NULL},
        {"expect closing code 65535", WSF_FACT_CODE, false, 65535, false, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_step *st;
        wsf_scenario *s = one_step(cases[i].line, &st);
        if (st) {
            const wsf_expect *e = &st->u.expect;
            CU_ASSERT_EQUAL(e->kind, WSF_EXP_CLOSING);
            CU_ASSERT_EQUAL(e->fact, cases[i].fact);
            CU_ASSERT_EQUAL(e->within_us, 0);
            if (e->fact == WSF_FACT_INITIATOR || e->fact == WSF_FACT_DROPPED)
                CU_ASSERT_EQUAL(e->by_target, cases[i].by_target);
            if (e->fact == WSF_FACT_CODE) {
                CU_ASSERT_EQUAL(e->close_code, cases[i].close_code);
                CU_ASSERT_EQUAL(e->check_reason, cases[i].check_reason);
                if (cases[i].check_reason)
                    CU_ASSERT(buf_is(&e->reason, cases[i].reason, strlen(cases[i].reason)));
            }
        }
        wsf_scenario_free(s);
    }

    /* Where the RFC leaves the answer's code open, the fact lists the codes
     * a target may rightly choose (7.7: the echoed code, or 1000). */
    {
        wsf_step *st;
        wsf_scenario *s = one_step("expect closing code 4999|1000", &st);
        if (st) {
            const wsf_expect *e = &st->u.expect;
            CU_ASSERT_EQUAL(e->fact, WSF_FACT_CODE);
            CU_ASSERT_EQUAL(e->close_code, 4999);
            CU_ASSERT_EQUAL(e->n_alt_codes, 1);
            CU_ASSERT_EQUAL(e->alt_codes[0], 1000);
        }
        wsf_scenario_free(s);
    }
    parse_fails(HEAD "expect closing code 1000|\n",
                "t.wsf:2:21: expected close codes 0-65535 joined by '|' (e.g. 1002|1007), "
                "found '1000|'");

    parse_fails(HEAD "expect closing sideways\n",
                "t.wsf:2:16: expected initiator, clean, dropped-by or code after 'closing', "
                "found 'sideways'");
    parse_fails(HEAD "expect closing\n", "t.wsf:2:15: expected initiator, clean, dropped-by or "
                                         "code after 'closing', found end of line");
    parse_fails(HEAD "expect closing initiator nobody\n",
                "t.wsf:2:26: expected 'peer' or 'target', found 'nobody'");
    parse_fails(HEAD "expect closing dropped-by\n",
                "t.wsf:2:26: expected 'peer' or 'target', found end of line");
    parse_fails(HEAD "expect closing code 70000\n",
                "t.wsf:2:21: expected a close code 0-65535 or 'none', found '70000'");
    parse_fails(HEAD "expect closing code normal\n",
                "t.wsf:2:21: expected a close code 0-65535 or 'none', found 'normal'");
    parse_fails(HEAD "expect closing clean now\n", "t.wsf:2:22: expected end of line, found 'now'");
    parse_fails(HEAD "expect closing code 1000 \"a\" \"b\"\n",
                "t.wsf:2:30: expected end of line, found string \"b\"");
}

static void test_closing_facts_file(void)
{
    /* The example of the closing facts in docs/scenario-language.md. */
    wsf_scenario *s = parse_ok("scenario \"Closing facts: peer-initiated, clean, the target "
                               "drops TCP\"\n"
                               "connect\n"
                               "handshake\n"
                               "send close 1000 \"done\"\n"
                               "expect close 1000 within 1s\n"
                               "expect tcp fin within 2s\n"
                               "expect states connecting open closing-sent closed\n"
                               "expect closing initiator peer\n"
                               "expect closing code 1000\n"
                               "should closing clean\n"
                               "should closing dropped-by target\n");
    if (!s) return;
    CU_ASSERT_EQUAL(s->n_steps, 10);
    if (s->n_steps == 10) {
        CU_ASSERT_EQUAL(s->steps[5].u.expect.kind, WSF_EXP_STATES);
        CU_ASSERT_EQUAL(s->steps[5].u.expect.n_states, 4);
        CU_ASSERT_EQUAL(s->steps[5].line, 7);
        CU_ASSERT_EQUAL(s->steps[7].level, WSF_LEVEL_MUST);
        CU_ASSERT_EQUAL(s->steps[8].level, WSF_LEVEL_SHOULD);
        CU_ASSERT_EQUAL(s->steps[8].u.expect.fact, WSF_FACT_CLEAN);
        CU_ASSERT_EQUAL(s->steps[9].level, WSF_LEVEL_SHOULD);
        CU_ASSERT_EQUAL(s->steps[9].u.expect.fact, WSF_FACT_DROPPED);
        CU_ASSERT_TRUE(s->steps[9].u.expect.by_target);
    }
    wsf_scenario_free(s);
}

static void test_close_code_alternatives(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("expect close 1002|1007 within 1s", &st);
    if (st) {
        const wsf_expect *e = &st->u.expect;
        CU_ASSERT_EQUAL(e->close_code, 1002);
        CU_ASSERT_EQUAL(e->n_alt_codes, 1);
        CU_ASSERT_EQUAL(e->alt_codes[0], 1007);
    }
    wsf_scenario_free(s);
    s = one_step("expect close 1000|1001|1002|1003|1007|1008|1009|1010 within 1s", &st);
    if (st) CU_ASSERT_EQUAL(st->u.expect.n_alt_codes, 7);
    wsf_scenario_free(s);

    parse_fails(HEAD "expect close 1002| within 1s\n",
                "t.wsf:2:14: expected close codes 0-65535 joined by '|' (e.g. 1002|1007), "
                "found '1002|'");
    parse_fails(HEAD "expect close 1002||1007 within 1s\n",
                "t.wsf:2:14: expected close codes 0-65535 joined by '|' (e.g. 1002|1007), "
                "found '1002||1007'");
    parse_fails(HEAD "expect close 1002|70000 within 1s\n",
                "t.wsf:2:14: expected close codes 0-65535 joined by '|' (e.g. 1002|1007), "
                "found '1002|70000'");
    parse_fails(HEAD "expect close 1|2|3|4|5|6|7|8|9 within 1s\n",
                "t.wsf:2:14: at most 8 close codes, found '1|2|3|4|5|6|7|8|9'");
}

static void test_fail_connection(void)
{
    wsf_step *st;
    wsf_scenario *s = one_step("expect fail-connection 1002|1007 within 1s", &st);
    if (st) {
        const wsf_expect *e = &st->u.expect;
        CU_ASSERT_EQUAL(e->kind, WSF_EXP_FAIL_CONNECTION);
        CU_ASSERT_EQUAL(e->close_code, 1002);
        CU_ASSERT_EQUAL(e->alt_codes[0], 1007);
        CU_ASSERT_EQUAL(e->within_us, 1000000);
        CU_ASSERT_EQUAL(st->level, WSF_LEVEL_MUST);
    }
    wsf_scenario_free(s);
    /* Without codes, any Close is as good. */
    s = one_step("expect fail-connection within 500ms", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.expect.close_code, WSF_CLOSE_ANY);
        CU_ASSERT_FALSE(st->u.expect.close_may);
    }
    wsf_scenario_free(s);
    /* RFC 6455 5.1: the Close is a MAY there. */
    s = one_step("expect fail-connection may-close 1002 within 1s", &st);
    if (st) {
        CU_ASSERT_TRUE(st->u.expect.close_may);
        CU_ASSERT_EQUAL(st->u.expect.close_code, 1002);
    }
    wsf_scenario_free(s);
    s = one_step("expect target ended within shutdown-grace", &st);
    if (st) {
        CU_ASSERT_EQUAL(st->u.expect.kind, WSF_EXP_TARGET_ENDED);
        CU_ASSERT_EQUAL(st->bound, WSF_BOUND_SHUTDOWN_GRACE);
    }
    wsf_scenario_free(s);
    parse_fails(HEAD "expect fail-connection 1002\n",
                "t.wsf:2:28: expected 'within', found end of line");
    parse_fails(HEAD "expect fail-connection x within 1s\n",
                "t.wsf:2:24: expected 'within', found 'x'");
}

static void test_named_bounds(void)
{
    static const struct {
        const char *line;
        wsf_bound bound, size_bound;
    } cases[] = {
        {"expect tcp closed within handshake-timeout", WSF_BOUND_HANDSHAKE_TIMEOUT, 0},
        {"expect close 1001 within close-timeout", WSF_BOUND_CLOSE_TIMEOUT, 0},
        {"should tcp fin within close-tcp", WSF_BOUND_CLOSE_TCP, 0},
        {"expect target exited 0 within shutdown-grace", WSF_BOUND_SHUTDOWN_GRACE, 0},
        {"expect tcp open for close-tcp", WSF_BOUND_CLOSE_TCP, 0},
        {"wait close-timeout", WSF_BOUND_CLOSE_TIMEOUT, 0},
        {"handshake within handshake-timeout", WSF_BOUND_HANDSHAKE_TIMEOUT, 0},
        {"expect target rss growth below rss-growth", 0, WSF_BOUND_RSS_GROWTH},
        {"expect tcp closed within 2s", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wsf_step *st;
        wsf_scenario *s = one_step(cases[i].line, &st);
        if (st) {
            CU_ASSERT_EQUAL(st->bound, cases[i].bound);
            CU_ASSERT_EQUAL(st->size_bound, cases[i].size_bound);
        }
        wsf_scenario_free(s);
    }
    parse_fails(HEAD "expect tcp closed within handshake-timout\n",
                "t.wsf:2:26: expected a duration after 'within' (e.g. 500ms) or a named bound "
                "(handshake-timeout, close-timeout, close-tcp, shutdown-grace, ping-interval, "
                "ping-timeout), found 'handshake-timout'");
    /* A size is no duration, and the other way round. */
    parse_fails(HEAD "wait rss-growth\n",
                "t.wsf:2:6: expected a duration (e.g. 100ms) or a named bound (handshake-timeout, "
                "close-timeout, close-tcp, shutdown-grace, ping-interval, ping-timeout), found "
                "'rss-growth'");
    parse_fails(HEAD "expect target rss growth below close-tcp\n",
                "t.wsf:2:32: expected a size (e.g. 64MiB) or a named bound (rss-growth), found "
                "'close-tcp'");
}

/* ---------------------------------------------------------------------------
 * Several connections, repeat blocks and parameter matrices. */

static void test_named_connections(void)
{
    wsf_scenario *s = parse_ok(HEAD "connect\n"
                                    "a: connect\n"
                                    "a: handshake\n"
                                    "b: connect\n"
                                    "a: expect close 1000 within 1s\n"
                                    "wait 10ms\n");
    if (!s) return;
    CU_ASSERT_EQUAL(s->n_conns, 3);
    CU_ASSERT_TRUE(wsf_scenario_named_conns(s));
    CU_ASSERT_STRING_EQUAL(wsf_conn_name(s, 0), "peer");
    CU_ASSERT_STRING_EQUAL(wsf_conn_name(s, 1), "a");
    CU_ASSERT_STRING_EQUAL(wsf_conn_name(s, 2), "b");
    unsigned want[] = {0, 1, 1, 2, 1, 0};
    for (size_t i = 0; i < 6; i++) {
        CU_ASSERT_EQUAL(s->steps[i].conn, want[i]);
        CU_ASSERT_EQUAL(s->steps[i].set, -1);
    }
    CU_ASSERT_STRING_EQUAL(s->steps[4].text, "a: expect close 1000 within 1s");
    wsf_scenario_free(s);

    parse_fails(HEAD "a: send text \"x\"\n",
                "t.wsf:2:1: no connection 'a' yet (say 'a: connect' first)");
    parse_fails(HEAD "a: connect\na: wait 1s\n",
                "t.wsf:3:1: this statement is about the whole scenario, not one connection (as "
                "are wait, signal and expectations about the target and its log): drop 'a:'");
    /* A wire expectation is about one connection with a name, else about
     * the whole scenario. */
    s = parse_ok(
        HEAD
        "a: connect\na: expect wire fin first by target\nexpect wire rst from peer within 1s\n");
    if (s) {
        CU_ASSERT_TRUE(s->steps[1].named);
        CU_ASSERT_TRUE(wsf_step_has_conn(&s->steps[1]));
        CU_ASSERT_EQUAL(s->steps[1].conn, 1);
        CU_ASSERT_FALSE(s->steps[2].named);
        CU_ASSERT_FALSE(wsf_step_has_conn(&s->steps[2]));
        wsf_scenario_free(s);
    }
    parse_fails(HEAD "Peer: connect\n",
                "t.wsf:2:1: expected a connection name (a-z, then a-z, 0-9, - or _; not 'peer') "
                "before ':', found 'Peer:'");
}

static void test_connection_sets(void)
{
    wsf_scenario *s = parse_ok(HEAD "connect 3 as c* within 1s\n"
                                    "c*: handshake\n"
                                    "c2: rst\n"
                                    "c*: expect tcp closed within 1s\n");
    if (!s) return;
    CU_ASSERT_EQUAL(s->n_conns, 4);
    CU_ASSERT_EQUAL(s->n_sets, 1);
    CU_ASSERT_STRING_EQUAL(s->sets[0].name, "c");
    CU_ASSERT_EQUAL(s->sets[0].first, 1);
    CU_ASSERT_EQUAL(s->sets[0].n, 3);
    CU_ASSERT_STRING_EQUAL(s->conns[3], "c3");
    CU_ASSERT_EQUAL(s->steps[0].set, 0);
    CU_ASSERT_EQUAL(s->steps[0].u.connect.within_us, 1000000);
    CU_ASSERT_EQUAL(s->steps[1].set, 0);
    CU_ASSERT_EQUAL(s->steps[2].set, -1);
    CU_ASSERT_EQUAL(s->steps[2].conn, 2);
    CU_ASSERT_EQUAL(s->steps[3].set, 0);
    wsf_scenario_free(s);

    parse_fails(HEAD "d*: connect\n",
                "t.wsf:2:1: no connection set 'd*' (make it with 'connect N as d*')");
    parse_fails(HEAD "connect 2 as c*\nconnect 3 as c*\n",
                "t.wsf:3:14: set 'c*' has 2 connections, not 3");
    parse_fails(HEAD "connect 2 as c\n",
                "t.wsf:2:14: expected a set name ending in '*' (e.g. c*), found 'c'");
}

static void test_repeat(void)
{
    wsf_scenario *s = parse_ok(HEAD "connect\n"
                                    "repeat 3\n"
                                    "  send text \"m${i}\"\n"
                                    "  repeat 2 as j\n"
                                    "    expect text \"m${i}.${j}\" within 1s\n"
                                    "  end\n"
                                    "end\n");
    if (!s) return;
    CU_ASSERT_EQUAL(s->n_steps, 1 + 3 * 3);
    CU_ASSERT_TRUE(bytes_are(&s->steps[1].u.send.payload, "m1", 2));
    CU_ASSERT_EQUAL(s->steps[1].line, 4);
    CU_ASSERT_TRUE(bytes_are(&s->steps[3].u.expect.payload, "m1.2", 4));
    CU_ASSERT_EQUAL(s->steps[3].line, 6);
    CU_ASSERT_TRUE(bytes_are(&s->steps[7].u.send.payload, "m3", 2));
    CU_ASSERT_STRING_EQUAL(s->steps[8].text, "expect text \"m3.1\" within 1s");
    wsf_scenario_free(s);

    parse_fails(HEAD "repeat 2\nconnect\n", "t.wsf:2:1: 'repeat' without its 'end'");
    parse_fails(HEAD "connect\nend\n", "t.wsf:3:1: 'end' without a 'repeat' before it");
    parse_fails(HEAD "send text \"${k}\"\n",
                "t.wsf:2:12: unknown variable '${k}' (variables here: none; 'with' and 'repeat' "
                "make them)");
}

static void test_matrix(void)
{
    wsf_scenario **cases;
    int n = wsf_scenario_parse_cases("scenarios/close/code.wsf",
                                     "scenario \"code\"\n"
                                     "with code in 1000 3000\n"
                                     "with why in a b\n"
                                     "connect\n"
                                     "send close ${code} \"${why}\"\n",
                                     &cases, err, sizeof err);
    CU_ASSERT_EQUAL(n, 4);
    if (n != 4) {
        fprintf(stderr, "\n  %s\n", err);
        return;
    }
    CU_ASSERT_STRING_EQUAL(cases[0]->case_label, "1000,a");
    CU_ASSERT_STRING_EQUAL(cases[3]->case_label, "3000,b");
    CU_ASSERT_STRING_EQUAL(cases[1]->name, "code [1000,b]");
    CU_ASSERT_STRING_EQUAL(cases[2]->id, "scenarios/close/code[3000,a]");
    CU_ASSERT_STRING_EQUAL(cases[2]->file, "scenarios/close/code.wsf");
    const uint8_t want[] = {0x0b, 0xb8, 'a'};
    CU_ASSERT_TRUE(bytes_are(&cases[2]->steps[1].u.send.payload, want, 3));
    /* --filter picks one case by its name as written, brackets and all. */
    CU_ASSERT_TRUE(wsf_scenario_matches(cases[2], "close/code[3000,a]"));
    CU_ASSERT_FALSE(wsf_scenario_matches(cases[1], "close/code[3000,a]"));
    CU_ASSERT_TRUE(wsf_scenario_matches(cases[1], "close/code"));
    for (int i = 0; i < n; i++)
        wsf_scenario_free(cases[i]);
    free(cases);

    wsf_scenario *plain = parse_ok(HEAD "connect\n");
    if (plain) {
        CU_ASSERT_PTR_NULL(plain->case_label);
        CU_ASSERT_STRING_EQUAL(plain->id, "t");
    }
    wsf_scenario_free(plain);
    parse_fails(HEAD "with c in 1 2\nconnect\n",
                "t.wsf:1:1: expected one scenario, found a matrix of 2 cases");
}

static CU_TestInfo tests[] = {
    {"header", test_header},
    {"header optional parts", test_header_optional_parts},
    {"rfc with and without 6455", test_rfc_leading_6455},
    {"header before scenario", test_header_may_precede_scenario},
    {"header errors", test_header_errors},
    {"missing scenario or steps", test_missing_scenario_or_steps},
    {"comments and blank lines", test_comments_and_blank_lines},
    {"crlf", test_crlf},
    {"statement errors", test_statement_errors},
    {"string escapes", test_string_escapes},
    {"lexer errors", test_lexer_errors},
    {"connect", test_connect},
    {"handshake defaults", test_handshake_defaults},
    {"handshake options", test_handshake_options},
    {"handshake errors", test_handshake_errors},
    {"send defaults", test_send_defaults},
    {"send opcodes", test_send_opcodes},
    {"send payload forms", test_send_payload_forms},
    {"send payload errors", test_send_payload_errors},
    {"send close", test_send_close},
    {"send options", test_send_options},
    {"send option errors", test_send_option_errors},
    {"send raw", test_send_raw},
    {"simple steps", test_simple_steps},
    {"trickle", test_trickle},
    {"wait durations", test_wait_durations},
    {"expect frames", test_expect_frames},
    {"expect close", test_expect_close},
    {"expect other kinds", test_expect_other_kinds},
    {"expect errors", test_expect_errors},
    {"long token in message", test_long_token_in_message},
    {"whole file", test_whole_file},
    {"matches", test_matches},
    {"signal", test_signal},
    {"must and should", test_must_and_should},
    {"expect target", test_expect_target},
    {"expect target errors", test_expect_target_errors},
    {"expect log", test_expect_log},
    {"expect log errors", test_expect_log_errors},
    {"expect states", test_expect_states},
    {"expect closing", test_expect_closing},
    {"closing facts file", test_closing_facts_file},
    {"close code alternatives", test_close_code_alternatives},
    {"fail-connection", test_fail_connection},
    {"named bounds", test_named_bounds},
    {"named connections", test_named_connections},
    {"connection sets", test_connection_sets},
    {"repeat", test_repeat},
    {"matrix", test_matrix},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("scenario", tests)
