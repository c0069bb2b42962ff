/* Unit tests for target files: every key, the defaults, the exact error
 * messages, and the helpers that turn a command into argv (expansion of
 * ${...}, splitting) and signal names into numbers. */
#include "cunit_main.h"
#include "target.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The three keys every target needs; tests of the other keys add to them. */
#define BASE "name t\ncommand srv\nurl ws://127.0.0.1:${port}/\n"

static char err[512];

static wsf_target *parse_ok(const char *text)
{
    err[0] = '\0';
    wsf_target *t = wsf_target_parse("t.target", text, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(t);
    if (!t) fprintf(stderr, "\n  refused:\n%s\n  with: %s\n", text, err);
    return t;
}

static void parse_fails(const char *text, const char *want)
{
    strcpy(err, "(no message)");
    wsf_target *t = wsf_target_parse("t.target", text, err, sizeof err);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_STRING_EQUAL(err, want);
    if (t || strcmp(err, want) != 0)
        fprintf(stderr, "\n  input:\n%s\n  got:  %s\n  want: %s\n", text, t ? "(accepted)" : err,
                want);
    wsf_target_free(t);
}

/* The command a one-line "command ..." parses to, or NULL. The caller frees. */
static char *command_of(const char *line)
{
    char text[512];
    snprintf(text, sizeof text, "name t\n%s\nurl ws://h/\n", line);
    wsf_target *t = parse_ok(text);
    char *cmd = t ? strdup(t->command) : NULL;
    wsf_target_free(t);
    return cmd;
}

static char *url_of(const char *line)
{
    char text[512];
    snprintf(text, sizeof text, "name t\ncommand srv\n%s\n", line);
    wsf_target *t = parse_ok(text);
    char *url = t ? strdup(t->url) : NULL;
    wsf_target_free(t);
    return url;
}

static void check_command(const char *line, const char *want)
{
    char *got = command_of(line);
    CU_ASSERT_PTR_NOT_NULL(got);
    if (got) {
        CU_ASSERT_STRING_EQUAL(got, want);
        if (strcmp(got, want) != 0)
            fprintf(stderr, "\n  %s\n  got:  [%s]\n  want: [%s]\n", line, got, want);
    }
    free(got);
}

/* ---------------------------------------------------------------------------
 * Keys and defaults
 * ------------------------------------------------------------------------ */

static void test_reference_target(void)
{
    /* targets/lws-echo.target, as shipped. */
    wsf_target *t = parse_ok("# The reference server: libwebsockets echo, correct close handling.\n"
                             "# Built next to wsfault; it prints \"listening on\" once it accepts "
                             "connections.\n"
                             "name     lws-echo\n"
                             "command  ${bindir}/lws-echo --port ${port}\n"
                             "url      ws://127.0.0.1:${port}/\n"
                             "ready    log /listening on/ within 5s\n"
                             "stop     signal TERM grace 3s\n"
                             "log      stderr\n");
    if (!t) return;
    CU_ASSERT_STRING_EQUAL(t->file, "t.target");
    CU_ASSERT_STRING_EQUAL(t->name, "lws-echo");
    CU_ASSERT_STRING_EQUAL(t->command, "${bindir}/lws-echo --port ${port}");
    CU_ASSERT_EQUAL(t->line_of_command, 4);
    CU_ASSERT_STRING_EQUAL(t->url, "ws://127.0.0.1:${port}/");
    CU_ASSERT_EQUAL(t->ready, WSF_READY_LOG);
    CU_ASSERT_STRING_EQUAL(t->ready_pattern, "listening on");
    CU_ASSERT_EQUAL(wsf_rx_match(t->ready_re, "lws-echo: listening on 8080", NULL), WSF_RX_MATCH);
    CU_ASSERT_NOT_EQUAL(wsf_rx_match(t->ready_re, "starting", NULL), WSF_RX_MATCH);
    CU_ASSERT_EQUAL(t->ready_within_us, 5000000);
    CU_ASSERT_EQUAL(t->stop_signal, SIGTERM);
    CU_ASSERT_EQUAL(t->stop_grace_us, 3000000);
    CU_ASSERT_EQUAL(t->log, WSF_LOG_STDERR);
    CU_ASSERT_EQUAL(t->n_env, 0);
    wsf_target_free(t);
}

static void test_defaults(void)
{
    wsf_target *t = parse_ok(BASE);
    if (!t) return;
    CU_ASSERT_EQUAL(t->ready, WSF_READY_PORT);
    CU_ASSERT_PTR_NULL(t->ready_pattern);
    CU_ASSERT_EQUAL(t->ready_within_us, 10000000);
    CU_ASSERT_EQUAL(t->stop_signal, SIGTERM);
    CU_ASSERT_EQUAL(t->stop_grace_us, 3000000);
    CU_ASSERT_EQUAL(t->log, WSF_LOG_BOTH);
    CU_ASSERT_EQUAL(t->n_env, 0);
    CU_ASSERT_PTR_NULL(t->env);
    CU_ASSERT_EQUAL(t->line_of_command, 2);
    wsf_target_free(t);
}

static void test_name(void)
{
    wsf_target *t = parse_ok("name \"echo server (debug)\"\ncommand srv\nurl ws://h/\n");
    if (t) CU_ASSERT_STRING_EQUAL(t->name, "echo server (debug)");
    wsf_target_free(t);

    /* A later line does not silently replace an earlier one. */
    parse_fails("name first\nname second\ncommand srv\nurl ws://h/\n",
                "t.target:2: 'name' given twice (first at line 1)");

    parse_fails("name\ncommand srv\nurl ws://h/\n",
                "t.target:1:5: expected a target name, found end of line");
    parse_fails("name two words\ncommand srv\nurl ws://h/\n",
                "t.target:1:10: expected end of line, found 'words'");
    parse_fails("name /re/\ncommand srv\nurl ws://h/\n",
                "t.target:1:6: expected a target name, found regex /re/");
}

static void test_command_free_text(void)
{
    /* Quotes belong to the command, which wsf_split_command reads later. */
    check_command("command ${bindir}/srv --msg \"hi there\" --x='a b'",
                  "${bindir}/srv --msg \"hi there\" --x='a b'");
    check_command("command   srv   --port ${port}   ", "srv   --port ${port}");
    check_command("\tcommand\tsrv", "srv");
    /* Backslashes are not string escapes here: they reach the command. */
    check_command("command printf \"a\\n\"", "printf \"a\\n\"");
    /* An unbalanced quote keeps the rest of the line whole, and the file is
     * refused at once, not when the target is started mid-run. */
    parse_fails("name t\ncommand echo it's # not a comment\nurl ws://h/\n",
                "t.target:2:9: unterminated ' quote in command");
    parse_fails("name t\ncommand srv --port ${prot}\nurl ws://h/\n",
                "t.target:2:9: unknown variable '${prot}' (known: port, port2 to port8, host, "
                "bindir, targetdir)");
    parse_fails("name t\ncommand srv\nurl ws://h:${porT}/\n",
                "t.target:3:5: unknown variable '${porT}' (known: port, port2 to port8, host, "
                "bindir, targetdir)");
    parse_fails(BASE "env A=${x}\n", "t.target:4:5: unknown variable '${x}' (known: port, port2 to "
                                     "port8, host, bindir, targetdir)");
}

static void test_command_comments(void)
{
    /* A '#' starts a comment, except inside either kind of quote. */
    check_command("command srv --port ${port} # the server", "srv --port ${port}");
    check_command("command echo \"a # b\" c # comment", "echo \"a # b\" c");
    check_command("command sh -c 'echo # hi' # comment", "sh -c 'echo # hi'");
    /* Like everywhere else in the file, '#' needs no blank before it. */
    check_command("command srv --color=#fff", "srv --color=");
    check_command("command srv#comment", "srv");
    /* A path argument does not hide the comment. (A '/' after a blank used
     * to be taken for the start of a /regex/, keeping "# comment" in the
     * command as two more arguments.) */
    check_command("command srv --root /srv # comment", "srv --root /srv");
    check_command("command /usr/bin/srv /a /b #c", "/usr/bin/srv /a /b");
}

static void test_url(void)
{
    char *u = url_of("url ws://127.0.0.1:${port}/chat?x=1 # comment");
    if (u) CU_ASSERT_STRING_EQUAL(u, "ws://127.0.0.1:${port}/chat?x=1");
    free(u);

    /* A fragment reads as a comment; WebSocket URIs have none (RFC 6455 3). */
    u = url_of("url ws://h/path#frag");
    if (u) CU_ASSERT_STRING_EQUAL(u, "ws://h/path");
    free(u);

    parse_fails("name t\ncommand srv\nurl http://h/\n",
                "t.target:3:5: expected a ws:// or wss:// URL, found 'http://h/'");
    /* The column is the value's, past any blanks. (It used to be the column
     * just after 'url'.) */
    parse_fails("name t\ncommand srv\nurl    https://h/\n",
                "t.target:3:8: expected a ws:// or wss:// URL, found 'https://h/'");
    u = url_of("url wss://h:8443/x");
    if (u) CU_ASSERT_STRING_EQUAL(u, "wss://h:8443/x");
    free(u);
    parse_fails("name t\ncommand srv\nurl wss://\n",
                "t.target:3:5: expected a host after wss://, found 'wss://'");
    parse_fails("name t\ncommand srv\nurl \"ws://h/\"\n",
                "t.target:3:5: expected a ws:// or wss:// URL, found '\"ws://h/\"'");
    /* The whole URL is checked, as the runner will use it. */
    parse_fails(
        "name t\ncommand srv\nurl ws://h:99999/\n",
        "t.target:3:5: expected a port from 1 to 65535 after the host, found 'ws://h:99999/'");
    parse_fails(
        "name t\ncommand srv\nurl ws://h:abc/\n",
        "t.target:3:5: expected a port from 1 to 65535 after the host, found 'ws://h:abc/'");
    parse_fails("name t\ncommand srv\nurl ws://\n",
                "t.target:3:5: expected a host after ws://, found 'ws://'");
    parse_fails("name t\ncommand srv\nurl ws://:80/\n",
                "t.target:3:5: expected a host after ws://, found 'ws://:80/'");
    u = url_of("url ws://${host}:${port}/x");
    if (u) CU_ASSERT_STRING_EQUAL(u, "ws://${host}:${port}/x");
    free(u);
    parse_fails("name t\ncommand srv\nurl\n",
                "t.target:3:4: expected a ws:// or wss:// URL, found end of line");
    parse_fails("name t\ncommand srv\nurl   # none\n",
                "t.target:3:4: expected a ws:// or wss:// URL, found end of line");
    /* A key given twice would silently be the last: both lines are named. */
    parse_fails("name t\ncommand srv\nurl ws://h/\n# c\nname u\n",
                "t.target:5: 'name' given twice (first at line 1)");
    parse_fails("name t\ncommand srv\nurl ws://h/\nlog level /(x)/\nlog level /(y)/\n",
                "t.target:5: 'log level' given twice (first at line 4)");
    parse_fails("name t\ncommand srv\nurl ws://h/\nurl ws://g/\n",
                "t.target:4: 'url' given twice (first at line 3)");
    parse_fails("name t\ncommand\nurl ws://h/\n",
                "t.target:2:8: expected a command line, found end of line");
    parse_fails("name t\ncommand # none\nurl ws://h/\n",
                "t.target:2:8: expected a command line, found end of line");
}

static void test_ready(void)
{
    wsf_target *t = parse_ok(BASE "ready port within 2.5s\n");
    if (t) {
        CU_ASSERT_EQUAL(t->ready, WSF_READY_PORT);
        CU_ASSERT_EQUAL(t->ready_within_us, 2500000);
    }
    wsf_target_free(t);

    /* Without 'within' the default deadline stays. */
    t = parse_ok(BASE "ready log /^ready on port [0-9]+$/\n");
    if (t) {
        CU_ASSERT_EQUAL(t->ready, WSF_READY_LOG);
        CU_ASSERT_STRING_EQUAL(t->ready_pattern, "^ready on port [0-9]+$");
        CU_ASSERT_EQUAL(t->ready_within_us, 10000000);
        CU_ASSERT_EQUAL(wsf_rx_match(t->ready_re, "ready on port 9001", NULL), WSF_RX_MATCH);
        CU_ASSERT_NOT_EQUAL(wsf_rx_match(t->ready_re, "ready on port x", NULL), WSF_RX_MATCH);
    }
    wsf_target_free(t);

    /* "\/" in a regex is a slash; a second ready line is an error. */
    parse_fails(BASE "ready log /first/\nready log /GET \\/health/ within 1s\n",
                "t.target:5: 'ready' given twice (first at line 4)");
    t = parse_ok(BASE "ready log /GET \\/health/ within 1s\n");
    if (t) {
        CU_ASSERT_STRING_EQUAL(t->ready_pattern, "GET /health");
        CU_ASSERT_EQUAL(wsf_rx_match(t->ready_re, "GET /health 200", NULL), WSF_RX_MATCH);
        CU_ASSERT_EQUAL(t->ready_within_us, 1000000);
    }
    wsf_target_free(t);

    parse_fails(BASE "ready\n",
                "t.target:4:6: expected 'port' or 'log /regex/' after 'ready', found end of line");
    parse_fails(BASE "ready soon\n",
                "t.target:4:7: expected 'port' or 'log /regex/' after 'ready', found 'soon'");
    parse_fails(BASE "ready log \"listening\"\n", "t.target:4:11: expected a /regular "
                                                  "expression/ after 'log', found string "
                                                  "\"listening\"");
    parse_fails(BASE "ready log /a(/\n",
                "t.target:4:11: bad regular expression: missing closing parenthesis at offset 2");
    parse_fails(BASE "ready log /a+++++++++++++++++++++++++/\n",
                "t.target:4:11: bad regular expression: quantifier does not follow a repeatable "
                "item at offset 3");
    parse_fails(BASE "ready log /a\n",
                "t.target:4:11: unterminated regular expression: expected a closing '/'");
    parse_fails(BASE "ready port within 5\n",
                "t.target:4:19: expected a duration after 'within' (e.g. 5s), found '5'");
    parse_fails(BASE "ready port within\n",
                "t.target:4:18: expected a duration after 'within' (e.g. 5s), found end of line");
    parse_fails(BASE "ready port 5s\n", "t.target:4:12: expected end of line, found '5s'");
}

static void test_stop(void)
{
    wsf_target *t = parse_ok(BASE "stop signal INT grace 500ms\n");
    if (t) {
        CU_ASSERT_EQUAL(t->stop_signal, SIGINT);
        CU_ASSERT_EQUAL(t->stop_grace_us, 500000);
    }
    wsf_target_free(t);

    t = parse_ok(BASE "stop signal SIGHUP\n");
    if (t) {
        CU_ASSERT_EQUAL(t->stop_signal, SIGHUP);
        CU_ASSERT_EQUAL(t->stop_grace_us, 3000000);
    }
    wsf_target_free(t);

    parse_fails(BASE "stop signal FOO\n", "t.target:4:13: expected a signal name (TERM, INT, HUP, "
                                          "QUIT, KILL, ...), found 'FOO'");
    parse_fails(BASE "stop signal term\n", "t.target:4:13: expected a signal name (TERM, INT, "
                                           "HUP, QUIT, KILL, ...), found 'term'");
    parse_fails(BASE "stop signal 15\n", "t.target:4:13: expected a signal name (TERM, INT, HUP, "
                                         "QUIT, KILL, ...), found '15'");
    parse_fails(BASE "stop signal\n", "t.target:4:12: expected a signal name (TERM, INT, HUP, "
                                      "...), found end of line");
    parse_fails(BASE "stop TERM\n", "t.target:4:6: expected 'signal', found 'TERM'");
    parse_fails(BASE "stop signal TERM grace 3\n",
                "t.target:4:24: expected a duration after 'grace' (e.g. 3s), found '3'");
    parse_fails(BASE "stop signal TERM 3s\n", "t.target:4:18: expected end of line, found '3s'");
}

static void test_signal_to(void)
{
    /* The default: a scenario's signal goes to the process wsfault started. */
    wsf_target *t = parse_ok(BASE);
    if (t) CU_ASSERT_EQUAL(t->signal_to, WSF_SIGNAL_MAIN);
    wsf_target_free(t);

    t = parse_ok(BASE "signal-to group\n");
    if (t) CU_ASSERT_EQUAL(t->signal_to, WSF_SIGNAL_GROUP);
    wsf_target_free(t);
    /* A second one is an error, as for every key that has one value. */
    parse_fails(BASE "signal-to group\nsignal-to main # back to the default\n",
                "t.target:5: 'signal-to' given twice (first at line 4)");

    parse_fails(BASE "signal-to\n",
                "t.target:4:10: expected main or group after 'signal-to', found end of line");
    parse_fails(BASE "signal-to children\n",
                "t.target:4:11: expected main or group after 'signal-to', found 'children'");
    parse_fails(BASE "signal-to group now\n", "t.target:4:17: expected end of line, found 'now'");
}

static void test_log(void)
{
    static const struct {
        const char *line;
        wsf_log_streams log;
    } cases[] = {
        {"log stderr", WSF_LOG_STDERR},
        {"log stdout", WSF_LOG_STDOUT},
        {"log both", WSF_LOG_BOTH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[256];
        snprintf(text, sizeof text, BASE "%s\n", cases[i].line);
        wsf_target *t = parse_ok(text);
        if (t) CU_ASSERT_EQUAL(t->log, cases[i].log);
        wsf_target_free(t);
    }

    parse_fails(BASE "log both2\n",
                "t.target:4:5: expected stderr, stdout, both or level /regex/, found 'both2'");
    parse_fails(BASE "log\n",
                "t.target:4:4: expected stderr, stdout, both or level /regex/, found end of line");
    parse_fails(BASE "log stderr stdout\n", "t.target:4:12: expected end of line, found 'stdout'");
}

static void test_env(void)
{
    wsf_target *t = parse_ok(BASE "env LWS_DEBUG=1\nenv \"GREETING=hello world\"\nenv EMPTY=\n"
                                  "env PATHS=a=b\n");
    if (t) {
        CU_ASSERT_EQUAL(t->n_env, 4);
        if (t->n_env == 4) {
            CU_ASSERT_STRING_EQUAL(t->env[0], "LWS_DEBUG=1");
            CU_ASSERT_STRING_EQUAL(t->env[1], "GREETING=hello world");
            CU_ASSERT_STRING_EQUAL(t->env[2], "EMPTY=");
            CU_ASSERT_STRING_EQUAL(t->env[3], "PATHS=a=b");
        }
    }
    wsf_target_free(t);

    parse_fails(BASE "env FOO\n", "t.target:4:5: expected NAME=value after 'env', found 'FOO'");
    parse_fails(BASE "env =1\n", "t.target:4:5: expected NAME=value after 'env', found '=1'");
    parse_fails(BASE "env\n", "t.target:4:4: expected NAME=value after 'env', found end of line");
    parse_fails(BASE "env A=1 B=2\n", "t.target:4:9: expected end of line, found 'B=2'");
}

/* The handshake defaults' lines, joined with " | ", for one comparison. */
static void check_handshake(const wsf_target *t, const char *path, const char *lines)
{
    char got[1024] = "";
    for (size_t i = 0; i < t->handshake.n_headers; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " | " : "",
                 t->handshake.headers[i]);
    CU_ASSERT_STRING_EQUAL(got, lines);
    if (strcmp(got, lines)) fprintf(stderr, "\n  got:  [%s]\n  want: [%s]\n", got, lines);
    if (path) {
        CU_ASSERT_PTR_NOT_NULL(t->handshake.path);
        if (t->handshake.path) CU_ASSERT_STRING_EQUAL(t->handshake.path, path);
    } else {
        CU_ASSERT_PTR_NULL(t->handshake.path);
    }
}

static void test_handshake_keys(void)
{
    wsf_target *t = parse_ok(BASE);
    if (t) check_handshake(t, NULL, "");
    wsf_target_free(t);

    t = parse_ok(BASE "header \"X-Api-Key: s3cret\"\n"
                      "header X-Word:1\n"
                      "subprotocol mqtt\n"
                      "subprotocol a,b \"c, d\" mqtt   # repeated names are offered once\n"
                      "origin http://example.test:8080\n"
                      "path /chat?room=1 # a comment\n");
    if (t)
        check_handshake(t, "/chat?room=1",
                        "X-Api-Key: s3cret | X-Word:1 | Sec-WebSocket-Protocol: mqtt, a, b, c, d | "
                        "Origin: http://example.test:8080");
    wsf_target_free(t);

    /* The last header of a name counts (any case); origin and path are
     * one each. A "Sec-WebSocket-Protocol" header and subprotocol lines make
     * one list. */
    parse_fails(BASE "origin null\norigin https://b.test\n",
                "t.target:5: 'origin' given twice (first at line 4)");
    parse_fails(BASE "path /one\npath \"/two\"\n",
                "t.target:5: 'path' given twice (first at line 4)");
    t = parse_ok(BASE "header \"X-A: 1\"\nheader \"x-a: 2\"\norigin https://b.test\n"
                      "path \"/two\"\nheader \"Sec-WebSocket-Protocol: x\"\n"
                      "subprotocol y\n");
    if (t)
        check_handshake(t, "/two",
                        "x-a: 2 | Origin: https://b.test | Sec-WebSocket-Protocol: x, y");
    wsf_target_free(t);
}

static void test_handshake_key_errors(void)
{
    parse_fails(
        BASE "header\n",
        "t.target:4:7: expected a \"Name: value\" header after 'header', found end of line");
    parse_fails(BASE "header \"no colon\"\n",
                "t.target:4:8: expected a \"Name: value\" header, found string \"no colon\"");
    parse_fails(BASE "header \"Bad Name: x\"\n",
                "t.target:4:8: expected a \"Name: value\" header, found string \"Bad Name: x\"");
    parse_fails(BASE "header \"X-A: 1\\r\\nX-B: 2\"\n",
                "t.target:4:8: expected a header without control characters, found string "
                "\"X-A: 1\\r\\nX-B: 2\"");
    parse_fails(BASE "header \"X-A: \\x00\"\n",
                "t.target:4:8: expected a value without NUL bytes, found string \"X-A: \\x00\"");
    parse_fails(BASE "header \"host: x\"\n",
                "t.target:4:8: expected a header other than those wsfault writes itself (Host, "
                "Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version), found string "
                "\"host: x\"");
    parse_fails(BASE "header \"X-A: 1\" \"X-B: 2\"\n",
                "t.target:4:17: expected end of line, found string \"X-B: 2\"");
    parse_fails(
        BASE "subprotocol\n",
        "t.target:4:12: expected a subprotocol name after 'subprotocol', found end of line");
    parse_fails(BASE "subprotocol a b/c\n",
                "t.target:4:15: expected a subprotocol name (a token: letters, digits, "
                "!#$%&'*+-.^_`|~), found 'b/c'");
    parse_fails(BASE "subprotocol \",\"\n",
                "t.target:4:13: expected a subprotocol name, found string \",\"");
    parse_fails(BASE "origin\n", "t.target:4:7: expected an origin after 'origin' (e.g. "
                                 "http://example.test), found end of line");
    parse_fails(BASE "origin example.test\n",
                "t.target:4:8: expected an origin such as http://example.test (or null), found "
                "'example.test'");
    parse_fails(BASE "origin \"http://a b\"\n",
                "t.target:4:8: expected an origin such as http://example.test (or null), found "
                "string \"http://a b\"");
    parse_fails(
        BASE "path\n",
        "t.target:4:5: expected a request path after 'path' (e.g. /chat), found end of line");
    parse_fails(BASE "path chat\n", "t.target:4:6: expected a request path that starts with '/' "
                                    "and has no blanks, found 'chat'");
    parse_fails(BASE "path /a b\n", "t.target:4:6: expected a request path that starts with '/' "
                                    "and has no blanks, found '/a b'");
}

static void test_layout(void)
{
    /* Comments, blank lines, indentation and CRLF line ends. */
    wsf_target *t = parse_ok("# comment\r\n"
                             "\r\n"
                             "  name t   # trailing\r\n"
                             "command srv --port ${port}\r\n"
                             "url ws://h/\r\n"
                             "log stdout\r\n");
    if (t) {
        CU_ASSERT_STRING_EQUAL(t->name, "t");
        CU_ASSERT_STRING_EQUAL(t->command, "srv --port ${port}");
        CU_ASSERT_EQUAL(t->line_of_command, 4);
        CU_ASSERT_STRING_EQUAL(t->url, "ws://h/");
        CU_ASSERT_EQUAL(t->log, WSF_LOG_STDOUT);
    }
    wsf_target_free(t);

    /* No newline after the last line. */
    t = parse_ok("name t\ncommand srv\nurl ws://h/");
    if (t) CU_ASSERT_STRING_EQUAL(t->url, "ws://h/");
    wsf_target_free(t);
}

static void test_errors(void)
{
    parse_fails(
        BASE "restart always\n",
        "t.target:4:1: expected a key (name, command, url, ready, stop, signal-to, log, env, "
        "alarm, ignore, known, bound, header, subprotocol, origin, path, ca, insecure), found "
        "'restart'");
    /* A key must be a word; the message says what it found, like all others.
     * (It used to stop at "expected a key (...)".) */
    parse_fails(
        BASE "\"name\" t\n",
        "t.target:4:1: expected a key (name, command, url, ready, stop, signal-to, log, env, "
        "alarm, ignore, known, bound, header, subprotocol, origin, path, ca, insecure), found "
        "string "
        "\"name\"");
    parse_fails(BASE "name \"t\n", "t.target:4:6: unterminated string: expected a closing '\"'");

    /* Each required key is named when it is missing. */
    parse_fails("", "t.target:1:1: expected a 'name' line, found none");
    parse_fails("# nothing\n", "t.target:1:1: expected a 'name' line, found none");
    parse_fails("command srv\nurl ws://h/\n", "t.target:2:1: expected a 'name' line, found none");
    parse_fails("name t\nurl ws://h/\n\n", "t.target:3:1: expected a 'command' line, found none");
    parse_fails("name t\ncommand srv\n", "t.target:2:1: expected a 'url' line, found none");
}

/* ---------------------------------------------------------------------------
 * ${...} expansion
 * ------------------------------------------------------------------------ */

static const wsf_target_vars vars = {
    .port = 8080,
    .more_ports = {9002, 9003, 9004, 9005, 9006, 9007, 9008},
    .host = "127.0.0.1",
    .bindir = "/opt/wsf/bin",
    .targetdir = "/srv/targets",
};

static void test_expand(void)
{
    char *s = wsf_target_expand("${bindir}/srv --port ${port} --host ${host} --dir ${targetdir}",
                                &vars, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(s);
    if (s)
        CU_ASSERT_STRING_EQUAL(s,
                               "/opt/wsf/bin/srv --port 8080 --host 127.0.0.1 --dir /srv/targets");
    free(s);

    s = wsf_target_expand("ws://${host}:${port}/", &vars, err, sizeof err);
    if (s) CU_ASSERT_STRING_EQUAL(s, "ws://127.0.0.1:8080/");
    free(s);

    /* Only "${" starts a variable. */
    s = wsf_target_expand("$port $ {port} $$ cost: 5$", &vars, err, sizeof err);
    if (s) CU_ASSERT_STRING_EQUAL(s, "$port $ {port} $$ cost: 5$");
    free(s);

    s = wsf_target_expand("${port}${port}", &vars, err, sizeof err);
    if (s) CU_ASSERT_STRING_EQUAL(s, "80808080");
    free(s);

    /* ${port1} is ${port}; ${port2} ... ${port8} are the other ports. */
    s = wsf_target_expand("${port1} ${port2} ${port8}/${port3}", &vars, err, sizeof err);
    if (s) CU_ASSERT_STRING_EQUAL(s, "8080 9002 9008/9003");
    free(s);

    s = wsf_target_expand("", &vars, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(s);
    if (s) CU_ASSERT_STRING_EQUAL(s, "");
    free(s);
}

static void test_expand_errors(void)
{
    err[0] = '\0';
    char *s = wsf_target_expand("srv --dir ${tmpdir}/x", &vars, err, sizeof err);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(err, "unknown variable '${tmpdir}' (known: port, port2 to port8, "
                                "host, bindir, targetdir)");
    free(s);

    s = wsf_target_expand("${PORT}", &vars, err, sizeof err);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(err, "unknown variable '${PORT}' (known: port, port2 to port8, "
                                "host, bindir, targetdir)");
    free(s);

    /* Eight ports, no more; and no port0. */
    static const char *const not_ports[] = {"${port9}", "${port0}", "${port10}", "${port-2}",
                                            "${ports}"};
    for (size_t i = 0; i < sizeof not_ports / sizeof *not_ports; i++) {
        s = wsf_target_expand(not_ports[i], &vars, err, sizeof err);
        CU_ASSERT_PTR_NULL(s);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "(known: port, port2 to port8, host, bindir"));
        free(s);
    }

    s = wsf_target_expand("a${}b", &vars, err, sizeof err);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(
        err, "unknown variable '${}' (known: port, port2 to port8, host, bindir, targetdir)");
    free(s);

    s = wsf_target_expand("srv --port ${port", &vars, err, sizeof err);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(err, "unterminated '${' in '${port'");
    free(s);

    s = wsf_target_expand("${port} ${", &vars, err, sizeof err);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(err, "unterminated '${' in '${'");
    free(s);
}

/* Which ${portN} a target uses, in command, url or env: those are claimed. */
static unsigned ports_used(const char *text)
{
    wsf_target *t = parse_ok(text);
    unsigned used = t ? wsf_target_ports_used(t) : 0xdead;
    wsf_target_free(t);
    return used;
}

static void test_ports_used(void)
{
    CU_ASSERT_EQUAL(ports_used(BASE), 1u << 1);
    CU_ASSERT_EQUAL(ports_used("name t\ncommand srv --port ${port1}\nurl ws://h/\n"), 1u << 1);
    CU_ASSERT_EQUAL(ports_used("name t\ncommand srv\nurl ws://h/\n"), 0);
    CU_ASSERT_EQUAL(ports_used(BASE "env BACKEND=${port2}\n"), (1u << 1) | (1u << 2));
    /* Not in order, not all of them: only what is used. */
    CU_ASSERT_EQUAL(ports_used("name t\ncommand proxy ${port} ${port8} ${port3}\n"
                               "url ws://h:${port}/\n"),
                    (1u << 1) | (1u << 3) | (1u << 8));
    CU_ASSERT_EQUAL(ports_used("name t\ncommand srv ${port2}${port2} ${host}\nurl ws://h/\n"),
                    1u << 2);
    /* A bad one is a parse error before anything is claimed. */
    parse_fails("name t\ncommand srv ${port9}\nurl ws://h/\n",
                "t.target:2:9: unknown variable '${port9}' (known: port, port2 to port8, host, "
                "bindir, targetdir)");
}

/* ---------------------------------------------------------------------------
 * Splitting a command into argv
 * ------------------------------------------------------------------------ */

/* Splits cmd and checks argv against want (NULL-terminated). */
static void check_split(const char *cmd, const char *const *want)
{
    err[0] = '\0';
    char **argv = wsf_split_command(cmd, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(argv);
    if (!argv) {
        fprintf(stderr, "\n  split refused [%s]: %s\n", cmd, err);
        return;
    }
    size_t i;
    for (i = 0; want[i] && argv[i]; i++) {
        CU_ASSERT_STRING_EQUAL(argv[i], want[i]);
        if (strcmp(argv[i], want[i]) != 0)
            fprintf(stderr, "\n  split [%s] argv[%zu]: [%s], want [%s]\n", cmd, i, argv[i],
                    want[i]);
    }
    CU_ASSERT_PTR_NULL(argv[i]);
    CU_ASSERT_PTR_NULL(want[i]);
    wsf_free_argv(argv);
}

static void test_split_command(void)
{
    check_split("srv --port 8080", (const char *const[]){"srv", "--port", "8080", NULL});
    check_split("  \tsrv   a\t b  ", (const char *const[]){"srv", "a", "b", NULL});
    check_split("echo \"a b\" 'c d'", (const char *const[]){"echo", "a b", "c d", NULL});
    /* Quotes group within a word and may sit next to other text. */
    check_split("x--opt=\"a b\"c 'd'\"e\"", (const char *const[]){"x--opt=a bc", "de", NULL});
    /* Each kind of quote holds the other, and backslashes, as they are. */
    check_split("sh -c 'echo \"hi\"' \"it's\" \"a\\b\"",
                (const char *const[]){"sh", "-c", "echo \"hi\"", "it's", "a\\b", NULL});
    /* An empty pair of quotes is an empty argument, not none. */
    check_split("srv \"\" ''", (const char *const[]){"srv", "", "", NULL});
}

static void test_split_command_errors(void)
{
    err[0] = '\0';
    char **argv = wsf_split_command("", err, sizeof err);
    CU_ASSERT_PTR_NULL(argv);
    CU_ASSERT_STRING_EQUAL(err, "empty command");

    argv = wsf_split_command(" \t ", err, sizeof err);
    CU_ASSERT_PTR_NULL(argv);
    CU_ASSERT_STRING_EQUAL(err, "empty command");

    argv = wsf_split_command("srv \"a b", err, sizeof err);
    CU_ASSERT_PTR_NULL(argv);
    CU_ASSERT_STRING_EQUAL(err, "unterminated \" quote in command");

    argv = wsf_split_command("echo it's", err, sizeof err);
    CU_ASSERT_PTR_NULL(argv);
    CU_ASSERT_STRING_EQUAL(err, "unterminated ' quote in command");

    wsf_free_argv(NULL);
}

/* ---------------------------------------------------------------------------
 * Signal names
 * ------------------------------------------------------------------------ */

static void test_signals(void)
{
    static const struct {
        const char *name;
        int sig;
    } cases[] = {
        {"TERM", SIGTERM}, {"INT", SIGINT},   {"KILL", SIGKILL}, {"HUP", SIGHUP},
        {"QUIT", SIGQUIT}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"ABRT", SIGABRT},
        {"SEGV", SIGSEGV}, {"PIPE", SIGPIPE}, {"STOP", SIGSTOP}, {"CONT", SIGCONT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char sig_name[16];
        snprintf(sig_name, sizeof sig_name, "SIG%s", cases[i].name);
        CU_ASSERT_EQUAL(wsf_signal_from_name(cases[i].name), cases[i].sig);
        CU_ASSERT_EQUAL(wsf_signal_from_name(sig_name), cases[i].sig);
        /* And back: the short name, without "SIG". */
        CU_ASSERT_STRING_EQUAL(wsf_signal_name(cases[i].sig), cases[i].name);
    }

    CU_ASSERT_EQUAL(wsf_signal_from_name("FOO"), -1);
    CU_ASSERT_EQUAL(wsf_signal_from_name("term"), -1);
    CU_ASSERT_EQUAL(wsf_signal_from_name("SIG"), -1);
    CU_ASSERT_EQUAL(wsf_signal_from_name("SIGSIGTERM"), -1);
    CU_ASSERT_EQUAL(wsf_signal_from_name("15"), -1);
    CU_ASSERT_EQUAL(wsf_signal_from_name(""), -1);
    CU_ASSERT_STRING_EQUAL(wsf_signal_name(0), "?");
    CU_ASSERT_STRING_EQUAL(wsf_signal_name(SIGWINCH), "?");
}

/* known PATTERN "why": which scenario files an entry names, and its errors. */
static void test_known(void)
{
    wsf_target *t = parse_ok(BASE "known protocol/unmasked-frame.wsf \"no mask check\"\n"
                                  "known */slow-*.wsf \"takes its time\"  # a glob\n");
    if (!t) return;
    CU_ASSERT_EQUAL(t->n_known, 2);
    CU_ASSERT_EQUAL(t->known[0].line, 4);
    CU_ASSERT_STRING_EQUAL(t->known[0].why, "no mask check");
    const wsf_known *k = wsf_target_known(t, "scenarios/protocol/unmasked-frame.wsf", NULL);
    CU_ASSERT_PTR_EQUAL(k, &t->known[0]);
    CU_ASSERT_PTR_EQUAL(
        wsf_target_known(t, "/abs/path/scenarios/protocol/unmasked-frame.wsf", NULL), &t->known[0]);
    CU_ASSERT_PTR_EQUAL(wsf_target_known(t, "protocol/unmasked-frame.wsf", NULL), &t->known[0]);
    /* A tail match is on whole path components, not any suffix. */
    CU_ASSERT_PTR_NULL(wsf_target_known(t, "scenarios/xprotocol/unmasked-frame.wsf", NULL));
    CU_ASSERT_PTR_NULL(wsf_target_known(t, "scenarios/protocol/masked-frame.wsf", NULL));
    CU_ASSERT_PTR_EQUAL(wsf_target_known(t, "suite/stall/slow-reader.wsf", NULL), &t->known[1]);
    /* Every case of a matrix file, by its file. */
    CU_ASSERT_PTR_EQUAL(wsf_target_known(t, "scenarios/protocol/unmasked-frame.wsf", "x"),
                        &t->known[0]);
    wsf_target_free(t);

    /* One case of a matrix, FILE[CASE], taken literally (not a glob class). */
    t = parse_ok(BASE "known close/valid-code.wsf[1005] \"echoes 1005\"\n");
    if (!t) return;
    CU_ASSERT_PTR_EQUAL(wsf_target_known(t, "scenarios/close/valid-code.wsf", "1005"),
                        &t->known[0]);
    CU_ASSERT_PTR_NULL(wsf_target_known(t, "scenarios/close/valid-code.wsf", "1000"));
    CU_ASSERT_PTR_NULL(wsf_target_known(t, "scenarios/close/valid-code.wsf", "0"));
    CU_ASSERT_PTR_NULL(wsf_target_known(t, "scenarios/close/valid-code.wsf", NULL));
    CU_ASSERT_PTR_NULL(wsf_target_known(t, "scenarios/close/other.wsf", "1005"));
    wsf_target_free(t);

    parse_fails(BASE "known\n", "t.target:4:6: expected a scenario file pattern after 'known', "
                                "found end of line");
    parse_fails(BASE "known x.wsf\n", "t.target:4:12: expected the reason as a string, found "
                                      "end of line");
    parse_fails(BASE "known x.wsf \"why\" extra\n",
                "t.target:4:19: expected end of line, found 'extra'");
}

/* ---------------------------------------------------------------------------
 * Alarm and ignore patterns for the target's log
 * ------------------------------------------------------------------------ */

/* Index of the pattern with source src in ps, or -1. */
static long pattern_index(const wsf_patterns *ps, const char *src)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->p[i].src, src) == 0) return (long)i;
    return -1;
}

static void test_default_alarms(void)
{
    wsf_target *t = parse_ok(BASE);
    if (!t) return;
    /* Every target starts with the default alarms and nothing ignored. */
    CU_ASSERT_EQUAL(t->alarms.n, 11);
    CU_ASSERT_EQUAL(pattern_index(&t->alarms, "Traceback"), 0);
    CU_ASSERT(pattern_index(&t->alarms, "AddressSanitizer") >= 0);
    CU_ASSERT_PTR_NOT_NULL(wsf_alarm_of(&t->alarms, &t->ignore, "Unhandled 'error' event"));
    CU_ASSERT_EQUAL(t->ignore.n, 0);
    const wsf_pattern *a =
        wsf_alarm_of(&t->alarms, &t->ignore, "Traceback (most recent call last):");
    CU_ASSERT(a != NULL && strcmp(a->src, "Traceback") == 0);
    CU_ASSERT_PTR_NULL(wsf_alarm_of(&t->alarms, &t->ignore, "listening on 8080"));
    wsf_target_free(t);
}

static void test_alarm_and_ignore(void)
{
    wsf_target *t = parse_ok(BASE "alarm    log /level=error/\n"
                                  "ignore   log /DeprecationWarning/    # known, harmless\n"
                                  "alarm log /FATAL|CRITICAL/\n"
                                  "ignore log /Traceback.*in test_helper/\n");
    if (!t) return;
    /* Added after the defaults, in file order. */
    CU_ASSERT_EQUAL(t->alarms.n, 13);
    if (t->alarms.n == 13) {
        CU_ASSERT_STRING_EQUAL(t->alarms.p[11].src, "level=error");
        CU_ASSERT_STRING_EQUAL(t->alarms.p[12].src, "FATAL|CRITICAL");
    }
    CU_ASSERT_EQUAL(pattern_index(&t->alarms, "Traceback"), 0);
    CU_ASSERT_EQUAL(t->ignore.n, 2);
    if (t->ignore.n == 2) {
        CU_ASSERT_STRING_EQUAL(t->ignore.p[0].src, "DeprecationWarning");
        CU_ASSERT_STRING_EQUAL(t->ignore.p[1].src, "Traceback.*in test_helper");
    }
    /* ignore patterns are not alarms, nor alarms ignored. */
    CU_ASSERT_EQUAL(pattern_index(&t->alarms, "DeprecationWarning"), -1);
    CU_ASSERT_EQUAL(pattern_index(&t->ignore, "level=error"), -1);

    /* What they do to lines. */
    const wsf_pattern *a = wsf_alarm_of(&t->alarms, &t->ignore, "ts=1 level=error msg=boom");
    CU_ASSERT(a != NULL && strcmp(a->src, "level=error") == 0);
    a = wsf_alarm_of(&t->alarms, &t->ignore, "CRITICAL: out of fds");
    CU_ASSERT(a != NULL && strcmp(a->src, "FATAL|CRITICAL") == 0);
    CU_ASSERT_PTR_NULL(
        wsf_alarm_of(&t->alarms, &t->ignore, "Traceback (simulated) in test_helper, as planned"));
    a = wsf_alarm_of(&t->alarms, &t->ignore, "Traceback (most recent call last):");
    CU_ASSERT(a != NULL && strcmp(a->src, "Traceback") == 0);
    wsf_target_free(t);
}

static void test_alarm_and_ignore_errors(void)
{
    parse_fails(BASE "alarm log /(unclosed/\n",
                "t.target:4:11: bad regular expression /(unclosed/: missing closing parenthesis at "
                "offset 9");
    parse_fails(BASE "ignore log /a{2,1}/\n", "t.target:4:12: bad regular expression /a{2,1}/: "
                                              "numbers out of order in {} quantifier at offset 5");
    /* As docs/target-file.md shows it. */
    parse_fails(BASE "ignore log Traceback\n",
                "t.target:4:12: expected a /regular expression/ after 'log', found 'Traceback'");
    parse_fails(BASE "ignore log\n",
                "t.target:4:11: expected a /regular expression/ after 'log', found end of line");
    parse_fails(BASE "ignore log \"Traceback\"\n",
                "t.target:4:12: expected a /regular expression/ after 'log', found string "
                "\"Traceback\"");
    parse_fails(BASE "alarm /FATAL/\n", "t.target:4:7: expected 'log', found regex /FATAL/");
    parse_fails(BASE "ignore\n", "t.target:4:7: expected 'log', found end of line");
    parse_fails(BASE "alarm log /a/ /b/\n", "t.target:4:15: expected end of line, found regex /b/");
}

static void test_bounds(void)
{
    wsf_target *t = parse_ok(BASE "bound handshake-timeout 10s\nbound rss-growth 4MiB\n");
    if (!t) return;
    CU_ASSERT_EQUAL(t->bounds.value[WSF_BOUND_HANDSHAKE_TIMEOUT], 10000000);
    CU_ASSERT_STRING_EQUAL(t->bounds.origin[WSF_BOUND_HANDSHAKE_TIMEOUT], "t.target:4");
    CU_ASSERT_EQUAL(t->bounds.value[WSF_BOUND_RSS_GROWTH], 4 << 20);
    /* The others keep their defaults. */
    CU_ASSERT_EQUAL(t->bounds.value[WSF_BOUND_CLOSE_TCP], 2000000);
    CU_ASSERT_STRING_EQUAL(t->bounds.origin[WSF_BOUND_CLOSE_TCP], "the default");
    /* The slack: a tenth, at least 100ms; sizes have none. */
    CU_ASSERT_EQUAL(wsf_bound_effective(&t->bounds, WSF_BOUND_HANDSHAKE_TIMEOUT), 11000000);
    CU_ASSERT_EQUAL(wsf_bound_effective(&t->bounds, WSF_BOUND_RSS_GROWTH), 4 << 20);
    char d[200];
    wsf_bound_describe(&t->bounds, WSF_BOUND_HANDSHAKE_TIMEOUT, d, sizeof d);
    CU_ASSERT_STRING_EQUAL(d, "handshake-timeout = 10s (t.target:4) + 1s slack");
    wsf_target_free(t);

    parse_fails(BASE "bound handshake 10s\n",
                "t.target:4:7: expected a bound name (handshake-timeout, close-timeout, "
                "close-tcp, shutdown-grace, ping-interval, ping-timeout, rss-growth), found "
                "'handshake'");
    parse_fails(BASE "bound close-tcp 4MiB\n",
                "t.target:4:17: expected a duration (e.g. 10s), found '4MiB'");
    parse_fails(BASE "bound rss-growth 2s\n",
                "t.target:4:18: expected a size (e.g. 16MiB), found '2s'");
    parse_fails(BASE "bound close-tcp\n",
                "t.target:4:16: expected a duration (e.g. 10s), found end of line");
}

static void test_bound_args(void)
{
    wsf_bounds bs;
    char e[256];
    wsf_bounds_defaults(&bs);
    CU_ASSERT_EQUAL(wsf_bounds_set_arg(&bs, "close-timeout=5s", e, sizeof e), 0);
    CU_ASSERT_EQUAL(bs.value[WSF_BOUND_CLOSE_TIMEOUT], 5000000);
    CU_ASSERT_STRING_EQUAL(bs.origin[WSF_BOUND_CLOSE_TIMEOUT], "--bound");
    CU_ASSERT_EQUAL(wsf_bounds_set_arg(&bs, "close-timeout", e, sizeof e), -1);
    CU_ASSERT_STRING_EQUAL(e,
                           "--bound close-timeout: expected NAME=VALUE (e.g. close-timeout=10s)");
    CU_ASSERT_EQUAL(wsf_bounds_set_arg(&bs, "close-timeout=5", e, sizeof e), -1);
    CU_ASSERT_STRING_EQUAL(e, "--bound close-timeout=5: expected a duration (e.g. 10s), found '5'");
    CU_ASSERT_EQUAL(wsf_bounds_set_arg(&bs, "nope=5s", e, sizeof e), -1);
    CU_ASSERT_STRING_EQUAL(e, "--bound nope=5s: unknown bound 'nope' (known: handshake-timeout, "
                              "close-timeout, close-tcp, shutdown-grace, ping-interval, "
                              "ping-timeout, rss-growth)");
    /* A failed argument changes nothing. */
    CU_ASSERT_EQUAL(bs.value[WSF_BOUND_CLOSE_TIMEOUT], 5000000);
}

/* ping-interval has no default: a server that declares none does not ping,
 * and a scenario that needs it is skipped, not run against a made-up value. */
static void test_bound_undeclared(void)
{
    wsf_target *t = parse_ok(BASE "bound ping-timeout 3s\n");
    if (!t) return;
    CU_ASSERT_FALSE(wsf_bound_declared(&t->bounds, WSF_BOUND_PING_INTERVAL));
    CU_ASSERT_STRING_EQUAL(t->bounds.origin[WSF_BOUND_PING_INTERVAL], "not declared");
    CU_ASSERT_TRUE(wsf_bound_declared(&t->bounds, WSF_BOUND_PING_TIMEOUT));
    CU_ASSERT_TRUE(wsf_bound_declared(&t->bounds, WSF_BOUND_CLOSE_TIMEOUT));
    wsf_target_free(t);

    t = parse_ok(BASE "bound ping-interval 10s\n");
    if (!t) return;
    CU_ASSERT_TRUE(wsf_bound_declared(&t->bounds, WSF_BOUND_PING_INTERVAL));
    CU_ASSERT_EQUAL(wsf_bound_effective(&t->bounds, WSF_BOUND_PING_INTERVAL), 11000000);
    wsf_target_free(t);

    wsf_bounds bs;
    char e[256];
    wsf_bounds_defaults(&bs);
    CU_ASSERT_EQUAL(wsf_bounds_set_arg(&bs, "ping-interval=2s", e, sizeof e), 0);
    CU_ASSERT_TRUE(wsf_bound_declared(&bs, WSF_BOUND_PING_INTERVAL));
}

static void test_log_level(void)
{
    wsf_target *t = parse_ok(BASE "log level /^[^|]*\\|([A-Z])\\|/\n");
    if (t) {
        CU_ASSERT_STRING_EQUAL(t->level_pattern, "^[^|]*\\|([A-Z])\\|");
        CU_ASSERT_EQUAL(wsf_log_level_of("12:00 |D| Traceback", t->level_re, NULL), WSF_LOG_DEBUG);
        /* It leaves the streams alone. */
        CU_ASSERT_EQUAL(t->log, WSF_LOG_BOTH);
    }
    wsf_target_free(t);
    /* A second one is an error naming the first. */
    parse_fails(BASE "log level /(x)/\nlog level /lvl=([a-z]+)/\n",
                "t.target:5: 'log level' given twice (first at line 4)");
    /* Without one, no regex: the common forms apply. */
    t = parse_ok(BASE "log stderr\n");
    if (t) CU_ASSERT_PTR_NULL(t->level_pattern);
    wsf_target_free(t);

    parse_fails(
        BASE "log level /[A-Z]+/\n",
        "t.target:4:11: expected a group ( ) around the level word in /[A-Z]+/, found none");
    parse_fails(BASE "log level /(unclosed/\n",
                "t.target:4:11: bad regular expression: missing closing parenthesis at offset 9");
    parse_fails(BASE "log level DEBUG\n",
                "t.target:4:11: expected a /regular expression/ after 'level', found 'DEBUG'");
    parse_fails(BASE "log level /(x)/ extra\n",
                "t.target:4:17: expected end of line, found 'extra'");
}

static CU_TestInfo tests[] = {
    {"known", test_known},
    {"log level", test_log_level},
    {"reference target", test_reference_target},
    {"defaults", test_defaults},
    {"name", test_name},
    {"command is free text", test_command_free_text},
    {"command comments", test_command_comments},
    {"url", test_url},
    {"ready", test_ready},
    {"stop", test_stop},
    {"signal-to", test_signal_to},
    {"log", test_log},
    {"env", test_env},
    {"handshake keys", test_handshake_keys},
    {"handshake key errors", test_handshake_key_errors},
    {"layout", test_layout},
    {"errors", test_errors},
    {"expand", test_expand},
    {"expand errors", test_expand_errors},
    {"ports used", test_ports_used},
    {"split command", test_split_command},
    {"split command errors", test_split_command_errors},
    {"signals", test_signals},
    {"default alarms", test_default_alarms},
    {"alarm and ignore", test_alarm_and_ignore},
    {"alarm and ignore errors", test_alarm_and_ignore_errors},
    {"bounds", test_bounds},
    {"bound args", test_bound_args},
    {"a bound with no default", test_bound_undeclared},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("target", tests)
