#include "markup.h"

#include <string.h>

size_t wsf_utf8_seq(const unsigned char *s, size_t n)
{
    if (n == 0) return 0;
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned cp, min;
    if ((c & 0xe0) == 0xc0) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return len;
}

static void put_codepoint(wsf_buf *out, unsigned cp)
{
    unsigned char b[3] = {(unsigned char)(0xe0 | cp >> 12),
                          (unsigned char)(0x80 | (cp >> 6 & 0x3f)),
                          (unsigned char)(0x80 | (cp & 0x3f))};
    wsf_buf_append(out, b, 3); /* only BMP code points above U+07FF come here */
}

void wsf_markup(wsf_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        const char *ent = NULL;
        switch (c) {
        case '&':
            ent = "&amp;";
            break;
        case '<':
            ent = "&lt;";
            break;
        case '>':
            ent = "&gt;";
            break;
        case '"':
            ent = "&quot;";
            break;
        case '\'':
            ent = "&#39;";
            break;
        }
        if (ent) {
            wsf_buf_append(out, ent, strlen(ent));
            i++;
            continue;
        }
        if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7f)) {
            wsf_buf_append(out, &p[i], 1);
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            put_codepoint(out, c == 0x7f ? 0x2421 : 0x2400 + c);
            i++;
            continue;
        }
        size_t len = wsf_utf8_seq(p + i, n - i);
        /* U+FFFE and U+FFFF are not XML characters (EF BF BE, EF BF BF). */
        if (len == 3 && p[i] == 0xef && p[i + 1] == 0xbf && p[i + 2] >= 0xbe) {
            put_codepoint(out, 0xfffd);
            i += 3;
            continue;
        }
        if (len == 0) {
            put_codepoint(out, 0xfffd);
            i++;
            continue;
        }
        wsf_buf_append(out, &p[i], len);
        i += len;
    }
}

void wsf_markup_str(wsf_buf *out, const char *s)
{
    if (s) wsf_markup(out, s, strlen(s));
}
