/* Unit tests for util.c: buffers, the parsers and the formatters. */
#include "cunit_main.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Parse a duration and return the result, or -2 when the parser refuses, so
 * one assertion checks both the verdict and the value. */
static int64_t dur(const char *s)
{
    int64_t us = 12345;

    if (wsf_parse_duration(s, &us) != 0) return -2;
    return us;
}

static int64_t size(const char *s)
{
    uint64_t v = 777;

    if (wsf_parse_size(s, &v) != 0) return -2;
    return (int64_t)v;
}

static void test_duration_units(void)
{
    CU_ASSERT_EQUAL(dur("100us"), 100);
    CU_ASSERT_EQUAL(dur("500ms"), 500000);
    CU_ASSERT_EQUAL(dur("2s"), 2000000);
    CU_ASSERT_EQUAL(dur("1m"), 60000000);
    CU_ASSERT_EQUAL(dur("0s"), 0);
    CU_ASSERT_EQUAL(dur("0us"), 0);
}

static void test_duration_decimals(void)
{
    CU_ASSERT_EQUAL(dur("1.5s"), 1500000);
    CU_ASSERT_EQUAL(dur("0.25ms"), 250);
    CU_ASSERT_EQUAL(dur("2.5m"), 150000000);
    CU_ASSERT_EQUAL(dur("0.000001s"), 1);
    /* Digits past microsecond precision are accepted and truncated. */
    CU_ASSERT_EQUAL(dur("1.0000019s"), 1000001);
    CU_ASSERT_EQUAL(dur("10.000000000000s"), 10000000);
}

static void test_duration_errors(void)
{
    const char *bad[] = {"500",
                         "5x",
                         "-1s",
                         "",
                         "1.5.5s",
                         "s",
                         ".5s",
                         "1.s",
                         " 1s",
                         "1s ",
                         "1 s",
                         "1S",
                         "1ms5",
                         "+1s",
                         "1h",
                         "0x10s",
                         "99999999999999999999us",
                         "9223372036854775807s"};
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t us = 42;
        int rc = wsf_parse_duration(bad[i], &us);

        CU_ASSERT_EQUAL(rc, -1);
        /* A refused parse must not touch the output. */
        CU_ASSERT_EQUAL(us, 42);
        if (rc != -1) fprintf(stderr, "  accepted bad duration \"%s\"\n", bad[i]);
    }
}

static void test_size(void)
{
    CU_ASSERT_EQUAL(size("4096"), 4096);
    CU_ASSERT_EQUAL(size("0"), 0);
    CU_ASSERT_EQUAL(size("10B"), 10);
    CU_ASSERT_EQUAL(size("10k"), 10240);
    CU_ASSERT_EQUAL(size("10K"), 10240);
    CU_ASSERT_EQUAL(size("64KiB"), 65536);
    CU_ASSERT_EQUAL(size("1M"), 1048576);
    CU_ASSERT_EQUAL(size("1MiB"), 1048576);
    CU_ASSERT_EQUAL(size("3MiB"), 3 * 1048576);

    uint64_t v = 0;
    CU_ASSERT_EQUAL(wsf_parse_size("18446744073709551615", &v), 0);
    CU_ASSERT_EQUAL(v, UINT64_MAX);

    CU_ASSERT_EQUAL(size(""), -2);
    CU_ASSERT_EQUAL(size("k"), -2);
    CU_ASSERT_EQUAL(size("-1"), -2);
    CU_ASSERT_EQUAL(size("1.5k"), -2);
    CU_ASSERT_EQUAL(size("10 k"), -2);
    CU_ASSERT_EQUAL(size("10kb"), -2);
    CU_ASSERT_EQUAL(size("10x"), -2);
    CU_ASSERT_EQUAL(size("18446744073709551616"), -2);
    CU_ASSERT_EQUAL(size("18014398509481984k"), -2); /* 2^54 KiB = 2^64 */
    CU_ASSERT_EQUAL(size("18014398509481983k"), (int64_t)(18014398509481983ull * 1024));
}

static void test_uint(void)
{
    uint64_t v = 0;

    CU_ASSERT_EQUAL(wsf_parse_uint("0", &v), 0);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(wsf_parse_uint("1000", &v), 0);
    CU_ASSERT_EQUAL(v, 1000);
    CU_ASSERT_EQUAL(wsf_parse_uint("0x3E8", &v), 0);
    CU_ASSERT_EQUAL(v, 1000);
    CU_ASSERT_EQUAL(wsf_parse_uint("0Xff", &v), 0);
    CU_ASSERT_EQUAL(v, 255);
    CU_ASSERT_EQUAL(wsf_parse_uint("0xffffffffffffffff", &v), 0);
    CU_ASSERT_EQUAL(v, UINT64_MAX);
    CU_ASSERT_EQUAL(wsf_parse_uint("18446744073709551615", &v), 0);
    CU_ASSERT_EQUAL(v, UINT64_MAX);

    v = 9;
    CU_ASSERT_EQUAL(wsf_parse_uint("", &v), -1);
    CU_ASSERT_EQUAL(wsf_parse_uint("0x", &v), -1);
    CU_ASSERT_EQUAL(wsf_parse_uint("-1", &v), -1);
    CU_ASSERT_EQUAL(wsf_parse_uint("+1", &v), -1);
    CU_ASSERT_EQUAL(wsf_parse_uint(" 1", &v), -1);
    CU_ASSERT_EQUAL(wsf_parse_uint("12a", &v), -1);
    CU_ASSERT_EQUAL(wsf_parse_uint("0x1g", &v), -1);
    CU_ASSERT_EQUAL(wsf_parse_uint("18446744073709551616", &v), -1);
    CU_ASSERT_EQUAL(wsf_parse_uint("0x10000000000000000", &v), -1);
    CU_ASSERT_EQUAL(v, 9);
}

static void test_hex(void)
{
    static const uint8_t want[] = {0x0a, 0xff, 0x10};
    wsf_buf b;

    wsf_buf_init(&b);
    CU_ASSERT_EQUAL(wsf_parse_hex("0a ff 10", &b), 0);
    CU_ASSERT_EQUAL(b.len, 3);
    CU_ASSERT(b.len == 3 && memcmp(b.data, want, 3) == 0);

    wsf_buf_reset(&b);
    CU_ASSERT_EQUAL(wsf_parse_hex("0aFF10", &b), 0);
    CU_ASSERT(b.len == 3 && memcmp(b.data, want, 3) == 0);

    wsf_buf_reset(&b);
    CU_ASSERT_EQUAL(wsf_parse_hex("  0a\tff  10 ", &b), 0);
    CU_ASSERT(b.len == 3 && memcmp(b.data, want, 3) == 0);

    wsf_buf_reset(&b);
    CU_ASSERT_EQUAL(wsf_parse_hex("", &b), 0);
    CU_ASSERT_EQUAL(b.len, 0);

    /* Failures leave what was already in the buffer and add nothing. */
    wsf_buf_reset(&b);
    wsf_buf_append(&b, "x", 1);
    CU_ASSERT_EQUAL(wsf_parse_hex("0a f", &b), -1);
    CU_ASSERT_EQUAL(wsf_parse_hex("0af", &b), -1);
    CU_ASSERT_EQUAL(wsf_parse_hex("0 a", &b), -1);
    CU_ASSERT_EQUAL(wsf_parse_hex("0g", &b), -1);
    CU_ASSERT_EQUAL(wsf_parse_hex("0x0a", &b), -1);
    CU_ASSERT_EQUAL(wsf_parse_hex("0a,ff", &b), -1);
    CU_ASSERT_EQUAL(b.len, 1);
    CU_ASSERT_EQUAL(b.data[0], 'x');
    CU_ASSERT_EQUAL(b.data[1], '\0');
    wsf_buf_free(&b);
}

static void check_format(int64_t us, const char *want)
{
    char out[32];

    wsf_format_duration(us, out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, want);
    if (strcmp(out, want) != 0)
        fprintf(stderr, "  %lld us -> \"%s\", want \"%s\"\n", (long long)us, out, want);
}

static void test_format_duration(void)
{
    check_format(0, "0us");
    check_format(80, "80us");
    check_format(999, "999us");
    check_format(1000, "1ms");
    check_format(1500, "1.5ms");
    check_format(1549, "1.5ms");
    check_format(1550, "1.6ms");
    check_format(250000, "250ms");
    check_format(999900, "999.9ms");
    check_format(999960, "1s");
    check_format(1000000, "1s");
    check_format(1500000, "1.5s");
    check_format(2000000, "2s");
    check_format(1234567, "1.235s");
    check_format(1020000, "1.02s");
    check_format(90000000, "90s");
    check_format(-250000, "-250ms");

    /* A short buffer is cut, never overrun. */
    char tiny[4];
    memset(tiny, 'Z', sizeof(tiny));
    wsf_format_duration(1500000, tiny, sizeof(tiny));
    CU_ASSERT_STRING_EQUAL(tiny, "1.5");
}

static void check_escape(const char *in, size_t n, size_t max, const char *want)
{
    wsf_buf b;

    wsf_buf_init(&b);
    wsf_escape_bytes((const uint8_t *)in, n, max, &b);
    CU_ASSERT_STRING_EQUAL((char *)b.data, want);
    CU_ASSERT_EQUAL(b.len, strlen(want));
    if (strcmp((char *)b.data, want) != 0)
        fprintf(stderr, "  escaped to \"%s\", want \"%s\"\n", (char *)b.data, want);
    wsf_buf_free(&b);
}

static void test_escape_bytes(void)
{
    check_escape("hello", 5, 100, "hello");
    check_escape("a\"b\\c", 5, 100, "a\\\"b\\\\c");
    check_escape("\n\r\t", 3, 100, "\\n\\r\\t");
    check_escape("\x00\x01\x7f\x80\xff", 5, 100, "\\x00\\x01\\x7f\\x80\\xff");
    check_escape(" ~", 2, 100, " ~");
    check_escape("abcdef", 6, 3, "abc...");
    check_escape("abc", 3, 3, "abc");
    check_escape("abc", 3, 0, "...");
    check_escape("", 0, 10, "");
}

static void test_buf(void)
{
    wsf_buf b;

    wsf_buf_init(&b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b.data);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(b.data[0], '\0');

    wsf_buf_append(&b, "hello", 5);
    wsf_buf_appendf(&b, " %s %d", "world", 42);
    CU_ASSERT_EQUAL(b.len, 14);
    CU_ASSERT_STRING_EQUAL((char *)b.data, "hello world 42");
    CU_ASSERT(b.cap > b.len);

    wsf_buf_consume(&b, 6);
    CU_ASSERT_STRING_EQUAL((char *)b.data, "world 42");
    CU_ASSERT_EQUAL(b.len, 8);
    wsf_buf_consume(&b, 100);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(b.data[0], '\0');

    /* Growth across many appends keeps every byte and the terminator. */
    for (int i = 0; i < 10000; i++)
        wsf_buf_append(&b, &"0123456789"[i % 10], 1);
    CU_ASSERT_EQUAL(b.len, 10000);
    CU_ASSERT_EQUAL(b.data[9999], '9');
    CU_ASSERT_EQUAL(b.data[10000], '\0');

    wsf_buf_reset(&b);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(b.data[0], '\0');
    wsf_buf_free(&b);
    CU_ASSERT_PTR_NULL(b.data);
}

static void test_strings(void)
{
    char *s = wsf_xasprintf("%s-%03d", "id", 7);
    CU_ASSERT_STRING_EQUAL(s, "id-007");
    free(s);

    s = wsf_xstrndup("abcdef", 3);
    CU_ASSERT_STRING_EQUAL(s, "abc");
    free(s);

    s = wsf_xstrndup("ab", 10);
    CU_ASSERT_STRING_EQUAL(s, "ab");
    free(s);

    s = wsf_xstrdup("copy");
    CU_ASSERT_STRING_EQUAL(s, "copy");
    free(s);
}

static void test_now_us(void)
{
    int64_t a = wsf_now_us();
    int64_t b = wsf_now_us();

    CU_ASSERT(a > 0);
    CU_ASSERT(b >= a);
}

/* A printed seed must give the same draws on every machine: these are the
 * first outputs of splitmix64 from 0 and from 1234567, as its reference
 * implementation (Vigna, splitmix64.c) gives them. */
static void test_rand(void)
{
    uint64_t s = 0;
    CU_ASSERT_EQUAL(wsf_rand_next(&s), 0xe220a8397b1dcdafULL);
    CU_ASSERT_EQUAL(wsf_rand_next(&s), 0x6e789e6aa1b965f4ULL);
    s = 1234567;
    CU_ASSERT_EQUAL(wsf_rand_next(&s), 6457827717110365317ULL);
    CU_ASSERT_EQUAL(wsf_rand_next(&s), 3203168211198807973ULL);
    CU_ASSERT(wsf_rand_seed() < 1000000000u);
}

/* The test's own fsync, which wsf_write_file_atomic calls while its
 * temporary file exists: it raises SIGTERM there, and the handler notes
 * whether the temporary file was still on disk when the signal came. */
static const char *tmp_seen_path;
static volatile sig_atomic_t term_came, tmp_there_at_term;
static bool fsync_called;

static void on_term(int sig)
{
    (void)sig;
    term_came = 1;
    tmp_there_at_term = access(tmp_seen_path, F_OK) == 0;
}

int fsync(int fd)
{
    (void)fd;
    fsync_called = true;
    raise(SIGTERM);
    return 0;
}

static void test_write_atomic(void)
{
    char dir[] = "/tmp/wsf-test-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char *path = wsf_xasprintf("%s/results.json", dir);
    char *tmp = wsf_xasprintf("%s.tmp.%d", path, (int)getpid());
    tmp_seen_path = tmp;
    struct sigaction sa = {.sa_handler = on_term}, old;
    sigaction(SIGTERM, &sa, &old);
    char err[256];
    CU_ASSERT_EQUAL(wsf_write_file_atomic(path, "{}\n", 3, err, sizeof err), 0);
    /* Synced before the rename; the SIGTERM waited until the temporary
     * file had its name. */
    CU_ASSERT(fsync_called);
    CU_ASSERT_EQUAL(term_came, 1);
    CU_ASSERT_EQUAL(tmp_there_at_term, 0);
    CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
    CU_ASSERT_EQUAL(access(path, F_OK), 0);
    /* A folder where the file should go: an error, and no temporary left. */
    term_came = 0;
    char *sub = wsf_xasprintf("%s/folder", dir);
    mkdir(sub, 0777);
    char *subtmp = wsf_xasprintf("%s.tmp.%d", sub, (int)getpid());
    tmp_seen_path = subtmp;
    CU_ASSERT_EQUAL(wsf_write_file_atomic(sub, "x", 1, err, sizeof err), -1);
    CU_ASSERT_NOT_EQUAL(access(subtmp, F_OK), 0);
    sigaction(SIGTERM, &old, NULL);
    rmdir(sub);
    unlink(path);
    rmdir(dir);
    free(sub);
    free(subtmp);
    free(path);
    free(tmp);
}

static void test_open_regular(void)
{
    char err[256];
    CU_ASSERT_EQUAL(wsf_open_regular("/dev/zero", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "/dev/zero: not a regular file (a character device)");
    CU_ASSERT_EQUAL(wsf_open_regular("/tmp", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "/tmp: not a regular file (a folder)");
    char fifo[] = "/tmp/wsf-fifo-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(fifo));
    char *f = wsf_xasprintf("%s/f", fifo);
    CU_ASSERT_EQUAL(mkfifo(f, 0600), 0);
    CU_ASSERT_EQUAL(wsf_open_regular(f, err, sizeof err), -1); /* at once, no hang */
    CU_ASSERT(strstr(err, ": not a regular file (a FIFO)") != NULL);
    unlink(f);
    rmdir(fifo);
    free(f);
    int fd = wsf_open_regular("/proc/self/exe", err, sizeof err);
    CU_ASSERT(fd >= 0);
    if (fd >= 0) close(fd);
}

static void test_url(void)
{
    char why[256];
    const char *good[] = {
        "ws://h/", "ws://127.0.0.1:1/", "ws://h:65535",           "ws://[::1]:80/x?y",
        "ws://h",  "wss://h/",          "wss://127.0.0.1:8443/x", "wss://[::1]/"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        CU_ASSERT_PTR_NULL(wsf_url_bad(good[i], why, sizeof why));
    const char *bad[] = {"ws://",     "ws://:80/",  "ws://h:0/",  "ws://h:65536/", "ws://h:99999/",
                         "ws://h:/",  "ws://h:abc", "ws://h:-1/", "ws://h:+80/",   "wss://",
                         "http://h/", "ws://[::1",  "ws://[]:1/", "ws://h x/",     "ws://u@h/",
                         "ws://h?x",  "ws://h:1?x", "wss:/h/",    "https://h/",    "wss://:443/"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CU_ASSERT_PTR_NOT_NULL(wsf_url_bad(bad[i], why, sizeof why));
        if (!wsf_url_bad(bad[i], why, sizeof why)) fprintf(stderr, "accepted: %s\n", bad[i]);
    }
}

static CU_TestInfo tests[] = {
    {"write_file_atomic", test_write_atomic},
    {"open_regular", test_open_regular},
    {"url", test_url},
    {"duration units", test_duration_units},
    {"duration decimals", test_duration_decimals},
    {"duration errors", test_duration_errors},
    {"size", test_size},
    {"uint", test_uint},
    {"hex", test_hex},
    {"format_duration", test_format_duration},
    {"escape_bytes", test_escape_bytes},
    {"buf", test_buf},
    {"strings", test_strings},
    {"now_us", test_now_us},
    {"rand", test_rand},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("util", tests)
