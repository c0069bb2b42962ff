/* Unit tests for handshake.c, anchored on RFC 6455 section 1.3 and 4. */
#include "cunit_main.h"
#include "handshake.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#define RFC_KEY "dGhlIHNhbXBsZSBub25jZQ=="
/* The value printed in RFC 6455 sections 1.3 and 4.2.2. */
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

#define RFC_RESPONSE                                                                               \
    "HTTP/1.1 101 Switching Protocols\r\n"                                                         \
    "Upgrade: websocket\r\n"                                                                       \
    "Connection: Upgrade\r\n"                                                                      \
    "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"                                                     \
    "\r\n"

static wsf_resp_status parse(const char *text, wsf_response *r)
{
    return wsf_response_parse((const uint8_t *)text, strlen(text), r);
}

static void test_accept(void)
{
    char out[29];

    memset(out, 'Z', sizeof(out));
    wsf_ws_accept(RFC_KEY, out);
    CU_ASSERT_STRING_EQUAL(out, RFC_ACCEPT);

    /* Any change in the key changes the answer. */
    wsf_ws_accept("dGhlIHNhbXBsZSBub25jZA==", out);
    CU_ASSERT_EQUAL(strlen(out), 28);
    CU_ASSERT_STRING_NOT_EQUAL(out, RFC_ACCEPT);
}

static void test_key(void)
{
    unsigned char raw[32];
    char key[25], again[25], other[25];
    int n;

    memset(key, 'Z', sizeof(key));
    wsf_ws_key(key);
    CU_ASSERT_EQUAL_FATAL(strlen(key), 24);
    CU_ASSERT_EQUAL(strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
                    22);
    CU_ASSERT(key[22] == '=' && key[23] == '=');

    /* EVP_DecodeBlock counts the padding as zero bytes: 18 means 16 real. */
    n = EVP_DecodeBlock(raw, (const unsigned char *)key, 24);
    CU_ASSERT_EQUAL(n, 18);
    EVP_EncodeBlock((unsigned char *)again, raw, 16);
    CU_ASSERT_STRING_EQUAL(again, key);

    wsf_ws_key(other);
    CU_ASSERT_STRING_NOT_EQUAL(other, key);
}

/* Keys come from a pool of random bytes: a forked child (a worker) must
 * not take the keys its parent takes next. */
static void test_key_after_fork(void)
{
    char mine[25], theirs[25] = "";
    int pipefd[2];
    wsf_ws_key(mine); /* the pool is filled here, before the fork */
    CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        char key[25];
        wsf_ws_key(key);
        _exit(write(pipefd[1], key, sizeof key) == (ssize_t)sizeof key ? 0 : 1);
    }
    close(pipefd[1]);
    CU_ASSERT_EQUAL(read(pipefd[0], theirs, sizeof theirs), (ssize_t)sizeof theirs);
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    wsf_ws_key(mine);
    CU_ASSERT_STRING_NOT_EQUAL(theirs, mine);
}

static void check_request(const wsf_request *r, const char *want)
{
    wsf_buf b;

    wsf_buf_init(&b);
    wsf_request_build(&b, r);
    CU_ASSERT_STRING_EQUAL((char *)b.data, want);
    CU_ASSERT_EQUAL(b.len, strlen(want));
    if (strcmp((char *)b.data, want) != 0) fprintf(stderr, "  got:\n%s\n", (char *)b.data);
    wsf_buf_free(&b);
}

static void test_request_simple(void)
{
    wsf_request r = {
        .host = "server.example.com",
        .path = "/chat",
        .key = RFC_KEY,
        .version = "13",
    };

    check_request(&r, "GET /chat HTTP/1.1\r\n"
                      "Host: server.example.com\r\n"
                      "Upgrade: websocket\r\n"
                      "Connection: Upgrade\r\n"
                      "Sec-WebSocket-Key: " RFC_KEY "\r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "\r\n");
}

static void test_request_extra_and_omit(void)
{
    const char *const extra[] = {"Origin: http://example.com", "Sec-WebSocket-Protocol: chat"};
    const char *const omit[] = {"upgrade", "SEC-WEBSOCKET-VERSION"};
    wsf_request r = {
        .host = "127.0.0.1:9000",
        .path = "/",
        .key = RFC_KEY,
        .version = "13",
        .extra = extra,
        .n_extra = 2,
    };

    check_request(&r, "GET / HTTP/1.1\r\n"
                      "Host: 127.0.0.1:9000\r\n"
                      "Upgrade: websocket\r\n"
                      "Connection: Upgrade\r\n"
                      "Sec-WebSocket-Key: " RFC_KEY "\r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "Origin: http://example.com\r\n"
                      "Sec-WebSocket-Protocol: chat\r\n"
                      "\r\n");

    /* Omitting a standard header does not touch a same-named extra, which
     * is how a scenario replaces one with a value of its own. */
    const char *const bad_version[] = {"Sec-WebSocket-Version: 8"};
    r.extra = bad_version;
    r.n_extra = 1;
    r.omit = omit;
    r.n_omit = 2;
    r.version = "99";
    check_request(&r, "GET / HTTP/1.1\r\n"
                      "Host: 127.0.0.1:9000\r\n"
                      "Connection: Upgrade\r\n"
                      "Sec-WebSocket-Key: " RFC_KEY "\r\n"
                      "Sec-WebSocket-Version: 8\r\n"
                      "\r\n");

    /* Any standard header can be left out, whatever the spelling of its name. */
    const char *const omit_all[] = {"host", "Connection", "sec-websocket-key"};
    r.extra = NULL;
    r.n_extra = 0;
    r.omit = omit_all;
    r.n_omit = 3;
    r.version = "13";
    check_request(&r, "GET / HTTP/1.1\r\n"
                      "Upgrade: websocket\r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "\r\n");
}

static void test_request_appends(void)
{
    wsf_request r = {.host = "h", .path = "/p", .key = "k", .version = "13"};
    wsf_buf b;

    wsf_buf_init(&b);
    wsf_buf_append(&b, "prefix|", 7);
    wsf_request_build(&b, &r);
    CU_ASSERT(strncmp((char *)b.data, "prefix|GET /p HTTP/1.1\r\n", 24) == 0);
    CU_ASSERT(b.len > 4 && memcmp(b.data + b.len - 4, "\r\n\r\n", 4) == 0);
    wsf_buf_free(&b);
}

static void test_response_rfc(void)
{
    wsf_response r;

    CU_ASSERT_EQUAL_FATAL(parse(RFC_RESPONSE, &r), WSF_RESP_OK);
    CU_ASSERT_EQUAL(r.status, 101);
    CU_ASSERT_STRING_EQUAL(r.reason, "Switching Protocols");
    CU_ASSERT_EQUAL(r.head_len, strlen(RFC_RESPONSE));
    CU_ASSERT(r.upgrade_ok);
    CU_ASSERT_STRING_EQUAL(r.accept, RFC_ACCEPT);
}

static void test_response_odd_case(void)
{
    wsf_response r;

    CU_ASSERT_EQUAL_FATAL(parse("HTTP/1.1 101 switching protocols\r\n"
                                "uPgRaDe:WebSocket\r\n"
                                "CONNECTION:   upgrade  \r\n"
                                "sec-websocket-ACCEPT: \t" RFC_ACCEPT " \r\n"
                                "X-Other: thing\r\n"
                                "\r\n",
                                &r),
                          WSF_RESP_OK);
    CU_ASSERT_EQUAL(r.status, 101);
    CU_ASSERT_STRING_EQUAL(r.reason, "switching protocols");
    CU_ASSERT(r.upgrade_ok);
    CU_ASSERT_STRING_EQUAL(r.accept, RFC_ACCEPT);
}

static void test_response_connection_list(void)
{
    wsf_response r;

    CU_ASSERT_EQUAL_FATAL(parse("HTTP/1.1 101 OK\r\n"
                                "Connection: keep-alive, Upgrade\r\n"
                                "Upgrade: websocket\r\n"
                                "\r\n",
                                &r),
                          WSF_RESP_OK);
    CU_ASSERT(r.upgrade_ok);
    CU_ASSERT_STRING_EQUAL(r.accept, "");

    CU_ASSERT_EQUAL(parse("HTTP/1.1 101 OK\r\n"
                          "Connection: keep-alive,upgrade ,close\r\n"
                          "Upgrade: websocket\r\n"
                          "\r\n",
                          &r),
                    WSF_RESP_OK);
    CU_ASSERT(r.upgrade_ok);

    /* A token that merely starts with "upgrade" is not the upgrade token. */
    CU_ASSERT_EQUAL(parse("HTTP/1.1 101 OK\r\n"
                          "Connection: keep-alive, Upgrade-Insecure\r\n"
                          "Upgrade: websocket\r\n"
                          "\r\n",
                          &r),
                    WSF_RESP_OK);
    CU_ASSERT(!r.upgrade_ok);

    /* Either header missing means no upgrade. */
    CU_ASSERT_EQUAL(parse("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\n\r\n", &r), WSF_RESP_OK);
    CU_ASSERT(!r.upgrade_ok);
    CU_ASSERT_EQUAL(parse("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n\r\n", &r), WSF_RESP_OK);
    CU_ASSERT(!r.upgrade_ok);
    CU_ASSERT_EQUAL(parse("HTTP/1.1 101 OK\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n", &r),
                    WSF_RESP_OK);
    CU_ASSERT(!r.upgrade_ok);
}

static void test_response_need_more(void)
{
    const char *text = RFC_RESPONSE;
    size_t len = strlen(text);
    wsf_response r;

    /* Each prefix in a buffer of exactly its size, so AddressSanitizer sees
     * any read past the end. */
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = wsf_xmalloc(cut ? cut : 1);
        int st;

        memcpy(copy, text, cut);
        st = wsf_response_parse(copy, cut, &r);
        CU_ASSERT_EQUAL(st, WSF_RESP_NEED_MORE);
        if (st != WSF_RESP_NEED_MORE) fprintf(stderr, "  %zu bytes: status %d\n", cut, st);
        free(copy);
    }

    /* A bare LF ending is not the end of the head. */
    CU_ASSERT_EQUAL(parse("HTTP/1.1 101 OK\nUpgrade: websocket\n\n", &r), WSF_RESP_NEED_MORE);
}

static void test_response_error_status(void)
{
    wsf_response r;

    CU_ASSERT_EQUAL_FATAL(parse("HTTP/1.1 400 Bad Request\r\n"
                                "Content-Type: text/plain\r\n"
                                "Content-Length: 11\r\n"
                                "\r\n"
                                "bad request",
                                &r),
                          WSF_RESP_OK);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(r.reason, "Bad Request");
    CU_ASSERT(!r.upgrade_ok);
    CU_ASSERT_STRING_EQUAL(r.accept, "");
    CU_ASSERT_EQUAL(r.head_len, strlen("HTTP/1.1 400 Bad Request\r\n"
                                       "Content-Type: text/plain\r\n"
                                       "Content-Length: 11\r\n"
                                       "\r\n"));

    CU_ASSERT_EQUAL(parse("HTTP/1.0 426 Upgrade Required\r\n\r\n", &r), WSF_RESP_OK);
    CU_ASSERT_EQUAL(r.status, 426);

    /* The reason phrase may be empty, with or without its space. */
    CU_ASSERT_EQUAL(parse("HTTP/1.1 101\r\n\r\n", &r), WSF_RESP_OK);
    CU_ASSERT_EQUAL(r.status, 101);
    CU_ASSERT_STRING_EQUAL(r.reason, "");
    CU_ASSERT_EQUAL(parse("HTTP/1.1 503 \r\n\r\n", &r), WSF_RESP_OK);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(r.reason, "");
}

static void test_response_garbage(void)
{
    static const char *const bad[] = {
        "garbage\r\n\r\n",
        "SSH-2.0-OpenSSH_9.2\r\n", /* refused before any blank line */
        "\r\n\r\n",
        "http/1.1 101 OK\r\n\r\n",
        "HTTP/2 101 OK\r\n\r\n",
        "HTTP/1.1 10 OK\r\n\r\n",
        "HTTP/1.1 1O1 OK\r\n\r\n",
        "HTTP/1.1  101 OK\r\n\r\n",
        "HTTP/1.1 101OK\r\n\r\n",
        "HTTP/1.x 101 OK\r\n\r\n",
        "HTTP/1.1 101 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 101 OK\r\n: empty name\r\n\r\n",
        "HTTP/1.1 101 OK\r\nUpgrade : websocket\r\n\r\n",
        "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n folded\r\n\r\n",
    };
    wsf_response r;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int st = parse(bad[i], &r);

        CU_ASSERT_EQUAL(st, WSF_RESP_BAD);
        if (st != WSF_RESP_BAD) fprintf(stderr, "  case %zu: status %d\n", i, st);
    }
}

static void test_response_frames_after_head(void)
{
    static const uint8_t frame[] = {0x81, 0x02, 'h', 'i', 0x88, 0x00};
    size_t head = strlen(RFC_RESPONSE);
    uint8_t *data = wsf_xmalloc(head + sizeof(frame));
    wsf_response r;

    memcpy(data, RFC_RESPONSE, head);
    memcpy(data + head, frame, sizeof(frame));
    CU_ASSERT_EQUAL_FATAL(wsf_response_parse(data, head + sizeof(frame), &r), WSF_RESP_OK);
    CU_ASSERT_EQUAL(r.head_len, head);
    CU_ASSERT(r.upgrade_ok);
    CU_ASSERT(memcmp(data + r.head_len, frame, sizeof(frame)) == 0);
    free(data);
}

static void test_response_limits(void)
{
    size_t big = 20000;
    char *text = wsf_xmalloc(big + 1);
    wsf_response r;
    size_t n;

    /* A head that never ends: waiting below 16 KiB, refused from there. */
    n = (size_t)snprintf(text, big + 1, "HTTP/1.1 101 OK\r\nX-Long: ");
    memset(text + n, 'a', big - n);
    text[big] = '\0';
    CU_ASSERT_EQUAL(wsf_response_parse((uint8_t *)text, 16383, &r), WSF_RESP_NEED_MORE);
    CU_ASSERT_EQUAL(wsf_response_parse((uint8_t *)text, 16384, &r), WSF_RESP_BAD);
    CU_ASSERT_EQUAL(wsf_response_parse((uint8_t *)text, big, &r), WSF_RESP_BAD);

    /* A head of exactly 16 KiB is still fine; one byte more is not. */
    memcpy(text + 16384 - 4, "\r\n\r\n", 4);
    CU_ASSERT_EQUAL(wsf_response_parse((uint8_t *)text, big, &r), WSF_RESP_OK);
    CU_ASSERT_EQUAL(r.head_len, 16384);
    memcpy(text + 16384 - 4, "aaaaa\r\n\r\n", 9);
    CU_ASSERT_EQUAL(wsf_response_parse((uint8_t *)text, big, &r), WSF_RESP_BAD);

    /* Long reasons and accept values are cut to fit, not overrun. */
    n = (size_t)snprintf(text, big + 1,
                         "HTTP/1.1 101 %0100d\r\nSec-WebSocket-Accept: %0100d\r\n\r\n", 0, 0);
    CU_ASSERT_EQUAL(wsf_response_parse((uint8_t *)text, n, &r), WSF_RESP_OK);
    CU_ASSERT_EQUAL(strlen(r.reason), sizeof(r.reason) - 1);
    CU_ASSERT_EQUAL(strlen(r.accept), sizeof(r.accept) - 1);
    CU_ASSERT_EQUAL(r.head_len, n);

    free(text);
}

#define HEAD_101                                                                                   \
    "HTTP/1.1 101 Switching Protocols\r\n"                                                         \
    "Upgrade: websocket\r\n"                                                                       \
    "Connection: Upgrade\r\n"

static void test_response_selections(void)
{
    wsf_response r;

    /* Absent: nothing selected. */
    CU_ASSERT_EQUAL_FATAL(parse(RFC_RESPONSE, &r), WSF_RESP_OK);
    CU_ASSERT(!r.has_protocol && !r.has_extensions);
    CU_ASSERT_PTR_NULL(r.protocol);
    CU_ASSERT_PTR_NULL(r.extensions);

    /* Any case of the name; blanks around the value trimmed. */
    CU_ASSERT_EQUAL_FATAL(parse(HEAD_101 "sec-websocket-protocol:  chat \r\n"
                                         "SEC-WEBSOCKET-EXTENSIONS: permessage-deflate; "
                                         "client_max_window_bits=15\r\n\r\n",
                                &r),
                          WSF_RESP_OK);
    CU_ASSERT(r.has_protocol && r.has_extensions);
    CU_ASSERT_STRING_EQUAL(r.protocol, "chat");
    CU_ASSERT_STRING_EQUAL(r.extensions, "permessage-deflate; client_max_window_bits=15");
    wsf_response_free(&r);

    /* Present but empty is still present; a repeated header is one list. */
    CU_ASSERT_EQUAL_FATAL(parse(HEAD_101 "Sec-WebSocket-Protocol:\r\n"
                                         "Sec-WebSocket-Extensions: a\r\n"
                                         "Sec-WebSocket-Extensions: b; x=1\r\n\r\n",
                                &r),
                          WSF_RESP_OK);
    CU_ASSERT(r.has_protocol);
    CU_ASSERT_STRING_EQUAL(r.protocol, "");
    CU_ASSERT_STRING_EQUAL(r.extensions, "a, b; x=1");
    wsf_response_free(&r);

    /* Long values are cut to fit, and so is a join that does not fit. */
    char text[4096];
    int n = snprintf(text, sizeof text,
                     HEAD_101 "Sec-WebSocket-Protocol: %0300d\r\n"
                              "Sec-WebSocket-Protocol: x\r\n"
                              "Sec-WebSocket-Extensions: %02000d\r\n\r\n",
                     0, 0);
    CU_ASSERT_EQUAL_FATAL(wsf_response_parse((uint8_t *)text, (size_t)n, &r), WSF_RESP_OK);
    CU_ASSERT_EQUAL(strlen(r.protocol), WSF_PROTOCOL_MAX);
    CU_ASSERT_EQUAL(strlen(r.extensions), WSF_EXTENSIONS_MAX);
    wsf_response_free(&r);
}

/* The offer check on a response head, against the request's extra lines;
 * want NULL when it must hold. */
static void check_offer(const char *head, const char *const *extra, size_t n, const char *want)
{
    wsf_response r;
    CU_ASSERT_EQUAL_FATAL(parse(head, &r), WSF_RESP_OK);
    char *got = wsf_response_check_offer(&r, extra, n);
    if (want) {
        CU_ASSERT_PTR_NOT_NULL(got);
        if (got) CU_ASSERT_STRING_EQUAL(got, want);
        if (got && strcmp(got, want)) fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, want);
    } else {
        CU_ASSERT_PTR_NULL(got);
        if (got) fprintf(stderr, "\n  unexpected: %s\n", got);
    }
    free(got);
    wsf_response_free(&r);
}

static void test_offer_subprotocol(void)
{
    const char *none[] = {"X-Other: 1"};
    const char *two[] = {"Sec-WebSocket-Protocol: chat, echo-proto"};
    /* Offered in two lines, one of them with another header after a CRLF
     * (a scenario's header may hold several lines). */
    const char *split[] = {"X-A: 1\r\nsec-websocket-protocol: chat",
                           "Sec-WebSocket-Protocol: mqtt"};

    /* No answer is fine, whatever was offered (RFC 6455 4.1 point 6). */
    check_offer(RFC_RESPONSE, NULL, 0, NULL);
    check_offer(RFC_RESPONSE, two, 1, NULL);
    /* One of the offer. */
    check_offer(HEAD_101 "Sec-WebSocket-Protocol: echo-proto\r\n\r\n", two, 1, NULL);
    check_offer(HEAD_101 "Sec-WebSocket-Protocol: mqtt\r\n\r\n", split, 2, NULL);
    check_offer(HEAD_101 "Sec-WebSocket-Protocol: chat\r\n\r\n", split, 2, NULL);
    /* Named when none was offered. */
    check_offer(HEAD_101 "Sec-WebSocket-Protocol: chat\r\n\r\n", none, 1,
                "101 selecting subprotocol \"chat\", which the request did not offer (offered: "
                "none)");
    /* Not among those offered: names are compared exactly. */
    check_offer(HEAD_101 "Sec-WebSocket-Protocol: Chat\r\n\r\n", two, 1,
                "101 selecting subprotocol \"Chat\", which the request did not offer (offered: "
                "\"chat\", \"echo-proto\")");
    /* Two selected, or an empty value: neither is one of the offer. */
    check_offer(HEAD_101 "Sec-WebSocket-Protocol: chat, echo-proto\r\n\r\n", two, 1,
                "101 selecting subprotocol \"chat, echo-proto\", which the request did not offer "
                "(offered: \"chat\", \"echo-proto\")");
    check_offer(HEAD_101 "Sec-WebSocket-Protocol: \r\n\r\n", two, 1,
                "101 selecting subprotocol \"\", which the request did not offer (offered: "
                "\"chat\", \"echo-proto\")");
    /* The server's text is escaped. */
    check_offer(HEAD_101 "Sec-WebSocket-Protocol: \"\xff\r\n\r\n", none, 1,
                "101 selecting subprotocol \"\\\"\\xff\", which the request did not offer "
                "(offered: none)");
}

static void test_offer_extensions(void)
{
    const char *deflate[] = {"Sec-WebSocket-Extensions: permessage-deflate; "
                             "client_max_window_bits, x-webkit-deflate-frame"};
    const char *quoted[] = {"Sec-WebSocket-Extensions: foo; p=\"a, bar\""};

    check_offer(RFC_RESPONSE, deflate, 1, NULL);
    /* Parameters may differ from the offer; the name is what counts. */
    check_offer(HEAD_101 "Sec-WebSocket-Extensions: permessage-deflate; "
                         "server_no_context_takeover\r\n\r\n",
                deflate, 1, NULL);
    check_offer(HEAD_101 "Sec-WebSocket-Extensions: Permessage-Deflate\r\n\r\n", deflate, 1, NULL);
    check_offer(HEAD_101 "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", NULL, 0,
                "101 selecting extension \"permessage-deflate\" (Sec-WebSocket-Extensions: "
                "\"permessage-deflate\"), which the request did not offer (offered: none)");
    /* The first name not offered is named. */
    check_offer(HEAD_101 "Sec-WebSocket-Extensions: permessage-deflate, foo; a=1\r\n\r\n", deflate,
                1,
                "101 selecting extension \"foo\" (Sec-WebSocket-Extensions: \"permessage-deflate, "
                "foo; a=1\"), which the request did not offer (offered: \"permessage-deflate\", "
                "\"x-webkit-deflate-frame\")");
    /* A comma inside a quoted parameter does not start another extension. */
    check_offer(HEAD_101 "Sec-WebSocket-Extensions: foo; p=\"a, bar\"\r\n\r\n", quoted, 1, NULL);
    check_offer(HEAD_101 "Sec-WebSocket-Extensions: bar\r\n\r\n", quoted, 1,
                "101 selecting extension \"bar\" (Sec-WebSocket-Extensions: \"bar\"), which the "
                "request did not offer (offered: \"foo\")");
    /* The subprotocol is judged first. */
    check_offer(HEAD_101 "Sec-WebSocket-Extensions: bar\r\nSec-WebSocket-Protocol: p\r\n\r\n", NULL,
                0,
                "101 selecting subprotocol \"p\", which the request did not offer (offered: none)");
}

/* The lines of d joined with " | ". */
static void check_lines(const char *const *lines, size_t n, const char *want)
{
    char got[1024] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " | " : "", lines[i]);
    CU_ASSERT_STRING_EQUAL(got, want);
    if (strcmp(got, want)) fprintf(stderr, "\n  got:  [%s]\n  want: [%s]\n", got, want);
}

static void test_defaults(void)
{
    wsf_handshake_defaults file = {0}, cli = {0}, run = {0};

    wsf_hs_defaults_header(&file, "X-A: file");
    wsf_hs_defaults_header(&file, "X-B: file");
    wsf_hs_defaults_subprotocol(&file, "one");
    wsf_hs_defaults_subprotocol(&file, "two");
    wsf_hs_defaults_subprotocol(&file, "one"); /* offered once */
    wsf_hs_defaults_origin(&file, "http://file.test");
    wsf_hs_defaults_path(&file, "/file");
    check_lines((const char *const *)file.headers, file.n_headers,
                "X-A: file | X-B: file | Sec-WebSocket-Protocol: one, two | "
                "Origin: http://file.test");

    /* The command line's lines replace the file's of the same name (any
     * case), the rest are added; its subprotocols replace the file's list. */
    wsf_hs_defaults_header(&cli, "x-a: cli");
    CU_ASSERT_PTR_NULL(wsf_hs_defaults_subprotocols(&cli, "mqtt, three"));
    wsf_hs_defaults_header(&cli, "X-C: cli");
    wsf_hs_defaults_override(&run, &file);
    wsf_hs_defaults_override(&run, &cli);
    check_lines((const char *const *)run.headers, run.n_headers,
                "x-a: cli | X-B: file | Sec-WebSocket-Protocol: mqtt, three | "
                "Origin: http://file.test | X-C: cli");
    CU_ASSERT_STRING_EQUAL(run.path, "/file");
    wsf_hs_defaults_path(&cli, "/cli");
    wsf_hs_defaults_override(&run, &cli);
    CU_ASSERT_STRING_EQUAL(run.path, "/cli");

    /* A bad list adds nothing. */
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_defaults_subprotocols(&cli, "ok, not ok"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_defaults_subprotocols(&cli, " , "));
    CU_ASSERT_EQUAL(cli.n_headers, 3);

    /* One request's lines: a scenario's own header of a default's name
     * replaces it (also inside a multi-line header text), omit drops one. */
    const char *own[] = {"Sec-WebSocket-Protocol: other", "X-Z: 1\r\nX-B: own"};
    const char *omit[] = {"origin"};
    size_t n;
    const char **lines = wsf_hs_extra_lines(&run, own, 2, omit, 1, &n);
    check_lines(lines, n,
                "x-a: cli | X-C: cli | Sec-WebSocket-Protocol: other | X-Z: 1\r\nX-B: own");
    free(lines);
    lines = wsf_hs_extra_lines(NULL, own, 1, NULL, 0, &n);
    check_lines(lines, n, "Sec-WebSocket-Protocol: other");
    free(lines);

    wsf_hs_defaults_free(&file);
    wsf_hs_defaults_free(&cli);
    wsf_hs_defaults_free(&run);
    CU_ASSERT_EQUAL(run.n_headers, 0);
}

static void test_default_values(void)
{
    CU_ASSERT_PTR_NULL(wsf_hs_bad_header("X-Api-Key: a b\tc"));
    CU_ASSERT_PTR_NULL(wsf_hs_bad_header("X-Empty:"));
    CU_ASSERT_PTR_NULL(wsf_hs_bad_header("Sec-WebSocket-Extensions: permessage-deflate"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_header(""));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_header(": x"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_header("X-A : x"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_header("X-A: x\r\nX-B: y"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_header("Sec-WebSocket-Key: x"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_header("CONNECTION: close"));

    CU_ASSERT_PTR_NULL(wsf_hs_bad_subprotocol("lws-mirror-protocol"));
    CU_ASSERT_PTR_NULL(wsf_hs_bad_subprotocol("v1.mqtt"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_subprotocol(""));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_subprotocol("a b"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_subprotocol("a,b"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_subprotocol("a/b"));

    CU_ASSERT_PTR_NULL(wsf_hs_bad_origin("http://example.test"));
    CU_ASSERT_PTR_NULL(wsf_hs_bad_origin("https://example.test:8443"));
    CU_ASSERT_PTR_NULL(wsf_hs_bad_origin("chrome-extension://abc"));
    CU_ASSERT_PTR_NULL(wsf_hs_bad_origin("null"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_origin("example.test"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_origin("http://"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_origin("://x"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_origin("1http://x"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_origin("http://a b"));

    CU_ASSERT_PTR_NULL(wsf_hs_bad_path("/"));
    CU_ASSERT_PTR_NULL(wsf_hs_bad_path("/chat?room=1&x=%20"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_path(""));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_path("chat"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_path("/a b"));
    CU_ASSERT_PTR_NOT_NULL(wsf_hs_bad_path("/a\x01"));
}

static CU_TestInfo tests[] = {
    {"ws_accept RFC example", test_accept},
    {"ws_key", test_key},
    {"ws_key: a fork takes other keys", test_key_after_fork},
    {"request: simple", test_request_simple},
    {"request: extra and omit", test_request_extra_and_omit},
    {"request: appends", test_request_appends},
    {"response: RFC example", test_response_rfc},
    {"response: odd case", test_response_odd_case},
    {"response: Connection list", test_response_connection_list},
    {"response: NEED_MORE", test_response_need_more},
    {"response: error status", test_response_error_status},
    {"response: garbage", test_response_garbage},
    {"response: frames after head", test_response_frames_after_head},
    {"response: 16 KiB limit", test_response_limits},
    {"response: subprotocol and extensions", test_response_selections},
    {"offer: subprotocol", test_offer_subprotocol},
    {"offer: extensions", test_offer_extensions},
    {"defaults: lines and override", test_defaults},
    {"defaults: values", test_default_values},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("handshake", tests)
