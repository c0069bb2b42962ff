#include "utf8.h"

/*
 * Incremental UTF-8 check (RFC 3629): rejects overlong forms, surrogates and
 * code points above U+10FFFF.  The state survives between calls because a
 * character may be split across frames.
 */
int utf8_feed(struct utf8_state *s, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b = p[i];

        if (s->need) {
            if (b < s->lo || b > s->hi) return 0;
            s->need--;
            s->lo = 0x80;
            s->hi = 0xbf;
            continue;
        }
        if (b < 0x80) continue;
        s->lo = 0x80;
        s->hi = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) {
            s->need = 1;
        } else if (b >= 0xe0 && b <= 0xef) {
            s->need = 2;
            if (b == 0xe0)
                s->lo = 0xa0; /* overlong */
            else if (b == 0xed)
                s->hi = 0x9f; /* surrogates */
        } else if (b >= 0xf0 && b <= 0xf4) {
            s->need = 3;
            if (b == 0xf0)
                s->lo = 0x90; /* overlong */
            else if (b == 0xf4)
                s->hi = 0x8f; /* above U+10FFFF */
        } else {
            return 0;
        }
    }
    return 1;
}

int utf8_valid(const unsigned char *p, size_t n)
{
    struct utf8_state s = {0, 0, 0};

    return utf8_feed(&s, p, n) && s.need == 0;
}
