/* Unit tests for markup.c (text into HTML/XML): everything a report shows
 * may come from a hostile server, so each markup character and each kind of
 * byte that is not text is pinned down here. */
#include "cunit_main.h"
#include "markup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* U+FFFD, U+2400 (NUL picture), U+2421 (DEL picture), in UTF-8. */
#define REPL "\xef\xbf\xbd"
#define PIC_NUL "\xe2\x90\x80"
#define PIC_DEL "\xe2\x90\xa1"

/* wsf_markup of n bytes; the result is NUL-terminated (wsf_buf keeps it so)
 * and its length goes to *len. The caller frees. */
static char *markup(const char *s, size_t n, size_t *len)
{
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_markup(&b, s, n);
    if (len) *len = b.len;
    return (char *)b.data;
}

/* The markup of s (n bytes) is exactly want (wlen bytes). */
static int markup_is(const char *s, size_t n, const char *want, size_t wlen)
{
    size_t len;
    char *out = markup(s, n, &len);
    int ok = len == wlen && memcmp(out, want, wlen) == 0;
    if (!ok) {
        fprintf(stderr, "\n  markup of %zu bytes gave %zu bytes: \"", n, len);
        for (size_t i = 0; i < len; i++)
            fprintf(stderr,
                    (unsigned char)out[i] >= 0x20 && (unsigned char)out[i] < 0x7f ? "%c"
                                                                                  : "\\x%02x",
                    (unsigned char)out[i]);
        fprintf(stderr, "\"\n");
    }
    free(out);
    return ok;
}

#define MARKUP_IS(lit, want) CU_ASSERT(markup_is(lit, sizeof lit - 1, want, sizeof want - 1))

/* The whole buffer is valid UTF-8, by wsf_utf8_seq. */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = wsf_utf8_seq(s + i, n - i);
        if (k == 0) return 0;
        i += k;
    }
    return 1;
}

/* Counts U+FFFD in s and reports whether s holds nothing else. */
static int only_replacements(const char *s, size_t n, size_t *count)
{
    *count = 0;
    for (size_t i = 0; i < n; i += 3) {
        if (n - i < 3 || memcmp(s + i, REPL, 3)) return 0;
        (*count)++;
    }
    return 1;
}

static void test_markup_chars(void)
{
    MARKUP_IS("&", "&amp;");
    MARKUP_IS("<", "&lt;");
    MARKUP_IS(">", "&gt;");
    MARKUP_IS("\"", "&quot;");
    MARKUP_IS("'", "&#39;");
    MARKUP_IS("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    MARKUP_IS("a=\"1\" b='2' & c", "a=&quot;1&quot; b=&#39;2&#39; &amp; c");
    /* An entity in the input is text, not an entity: its & is escaped. */
    MARKUP_IS("&lt;", "&amp;lt;");
    MARKUP_IS("plain text, 0-9 + ~ [ ] { } / \\ ` @", "plain text, 0-9 + ~ [ ] { } / \\ ` @");
    MARKUP_IS("", "");
}

static void test_cdata_end(void)
{
    MARKUP_IS("]]>", "]]&gt;");
    MARKUP_IS("x]]>y]]]>", "x]]&gt;y]]]&gt;");
    MARKUP_IS("<![CDATA[", "&lt;![CDATA[");
}

static void test_embedded_nul(void)
{
    /* Length given: the NUL is shown as U+2400 and what follows it stays. */
    static const char s[] = "before\0after<";
    MARKUP_IS(s, "before" PIC_NUL "after&lt;");
    /* Only NULs. */
    MARKUP_IS("\0\0", PIC_NUL PIC_NUL);
    /* wsf_markup_str stops at the first NUL, as a C string does. */
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_markup_str(&b, "a<b");
    CU_ASSERT_EQUAL(b.len, 6);
    CU_ASSERT_STRING_EQUAL((char *)b.data, "a&lt;b");
    wsf_markup_str(&b, NULL); /* appends nothing */
    CU_ASSERT_EQUAL(b.len, 6);
    wsf_buf_free(&b);
}

static void test_controls(void)
{
    /* Tab, newline and CR are kept as they are. */
    MARKUP_IS("a\tb\nc\rd", "a\tb\nc\rd");
    /* Other C0 controls become their control pictures, DEL becomes U+2421. */
    MARKUP_IS("\x01", "\xe2\x90\x81");
    MARKUP_IS("\x08", "\xe2\x90\x88");
    MARKUP_IS("\x0b\x0c", "\xe2\x90\x8b\xe2\x90\x8c");
    MARKUP_IS("\x1b[31m", "\xe2\x90\x9b[31m");
    MARKUP_IS("\x1f", "\xe2\x90\x9f");
    MARKUP_IS("\x7f", PIC_DEL);
    /* C1 controls, well-formed as UTF-8, are XML 1.0 characters: kept. */
    MARKUP_IS("\xc2\x85", "\xc2\x85");
}

static void test_invalid_utf8(void)
{
    /* Each invalid sequence becomes U+FFFD (one or more, never raw bytes, and
     * nothing else), and the text around it stays. */
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {"\xff", 1},                 /* never valid in UTF-8 */
        {"\xfe", 1},                 /* never valid in UTF-8 */
        {"\x80", 1},                 /* a stray continuation byte */
        {"\xe2\x82", 2},             /* truncated euro sign (at the end) */
        {"\xc0\xaf", 2},             /* overlong '/' */
        {"\xe0\x80\xaf", 3},         /* overlong '/', 3 bytes */
        {"\xed\xa0\x80", 3},         /* U+D800, a surrogate */
        {"\xed\xbf\xbf", 3},         /* U+DFFF, a surrogate */
        {"\xf4\x90\x80\x80", 4},     /* U+110000, above U+10FFFF */
        {"\xf8\x88\x80\x80\x80", 5}, /* 5-byte form */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t len, count;
        char *out = markup(bad[i].s, bad[i].n, &len);
        int ok = only_replacements(out, len, &count);
        CU_ASSERT(ok);
        CU_ASSERT(count >= 1 && count <= bad[i].n);
        if (!ok || count < 1 || count > bad[i].n)
            fprintf(stderr, "\n  bad sequence %zu: %zu bytes out, %zu U+FFFD\n", i, len, count);
        free(out);
        /* wsf_utf8_seq refuses it. */
        CU_ASSERT_EQUAL(wsf_utf8_seq((const unsigned char *)bad[i].s, bad[i].n), 0);
    }
    /* Between valid text, one byte at a time. */
    MARKUP_IS("a\xff-z", "a" REPL "-z");
    MARKUP_IS("\xc3\x28", REPL "(");
    MARKUP_IS("x\xe2\x82y", "x" REPL REPL "y");
    /* A truncated sequence does not swallow the markup character after it. */
    MARKUP_IS("\xe2\x82<", REPL REPL "&lt;");
    MARKUP_IS("\xf0\x9f\x98<b>", REPL REPL REPL "&lt;b&gt;");
}

static void test_valid_multibyte(void)
{
    MARKUP_IS("caf\xc3\xa9", "caf\xc3\xa9");             /* é */
    MARKUP_IS("\xe2\x82\xac 5", "\xe2\x82\xac 5");       /* € */
    MARKUP_IS("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!"); /* 😀 */
    MARKUP_IS("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");   /* U+10FFFF */
    MARKUP_IS("\xef\xbf\xbd", REPL);                     /* U+FFFD itself */
    MARKUP_IS("\xee\x80\x80", "\xee\x80\x80");           /* U+E000 */
    MARKUP_IS("<\xc3\xa9\xe2\x82\xac>", "&lt;\xc3\xa9\xe2\x82\xac&gt;");
    CU_ASSERT_EQUAL(wsf_utf8_seq((const unsigned char *)"A", 1), 1);
    CU_ASSERT_EQUAL(wsf_utf8_seq((const unsigned char *)"\xc3\xa9", 2), 2);
    CU_ASSERT_EQUAL(wsf_utf8_seq((const unsigned char *)"\xe2\x82\xac", 3), 3);
    CU_ASSERT_EQUAL(wsf_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
    CU_ASSERT_EQUAL(wsf_utf8_seq((const unsigned char *)"\xc3\xa9", 1), 0); /* cut short */
    CU_ASSERT_EQUAL(wsf_utf8_seq((const unsigned char *)"", 0), 0);
}

static void test_noncharacters(void)
{
    /* U+FFFE and U+FFFF are not XML characters. */
    MARKUP_IS("\xef\xbf\xbe", REPL);
    MARKUP_IS("\xef\xbf\xbf", REPL);
    MARKUP_IS("a\xef\xbf\xbe-z", "a" REPL "-z");
    /* U+FFFD and U+FFFC next to them are fine. */
    MARKUP_IS("\xef\xbf\xbc", "\xef\xbf\xbc");
}

/* The markup of every byte value, and of every pair: valid UTF-8, no C0
 * control but tab, newline and CR, no markup character outside an entity. */
static void check_clean(const char *what, const unsigned char *out, size_t len)
{
    CU_ASSERT(valid_utf8(out, len));
    for (size_t i = 0; i < len; i++) {
        unsigned c = out[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            CU_FAIL("a C0 control in the output");
            fprintf(stderr, "\n  %s: byte 0x%02x at %zu\n", what, c, i);
            return;
        }
        if (c == 0x7f || c == '<' || c == '>' || c == '"' || c == '\'') {
            CU_FAIL("DEL or a markup character in the output");
            fprintf(stderr, "\n  %s: byte 0x%02x at %zu\n", what, c, i);
            return;
        }
        if (c == '&') {
            /* Only the entities markup writes. */
            const char *ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
            int known = 0;
            for (size_t k = 0; k < 5; k++)
                if (len - i >= strlen(ents[k]) && !memcmp(out + i, ents[k], strlen(ents[k])))
                    known = 1;
            CU_ASSERT(known);
        }
    }
    /* No U+FFFE/U+FFFF in the output. */
    for (size_t i = 0; i + 2 < len; i++)
        if (out[i] == 0xef && out[i + 1] == 0xbf && out[i + 2] >= 0xbe) {
            CU_FAIL("U+FFFE or U+FFFF in the output");
            return;
        }
}

static void test_all_bytes(void)
{
    char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    size_t len;
    char *out = markup(all, sizeof all, &len);
    check_clean("all 256 bytes", (const unsigned char *)out, len);
    /* The picture of NUL is there, and the printable ASCII run after the
     * controls survived. */
    CU_ASSERT_PTR_NOT_NULL(memmem(out, len, PIC_NUL, 3));
    CU_ASSERT_PTR_NOT_NULL(memmem(out, len, "0123456789:;&lt;=&gt;?@ABC", 26));
    free(out);

    /* Every pair of bytes, so truncated sequences meet every follower. */
    for (int a = 0x80; a < 256; a++) {
        char pair[256 * 2];
        for (int b = 0; b < 256; b++) {
            pair[2 * b] = (char)a;
            pair[2 * b + 1] = (char)b;
        }
        out = markup(pair, sizeof pair, &len);
        char what[32];
        snprintf(what, sizeof what, "pairs 0x%02x ..", a);
        check_clean(what, (const unsigned char *)out, len);
        free(out);
    }
}

static CU_TestInfo tests[] = {
    {"markup characters", test_markup_chars},
    {"CDATA end", test_cdata_end},
    {"embedded NUL", test_embedded_nul},
    {"control characters", test_controls},
    {"invalid UTF-8", test_invalid_utf8},
    {"valid multi-byte", test_valid_multibyte},
    {"U+FFFE and U+FFFF", test_noncharacters},
    {"all byte values", test_all_bytes},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("markup", tests)
