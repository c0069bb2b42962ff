/* UTF-8 validation for the servers wsfault ships (lws-echo and the zoo):
 * text messages and close reasons must be valid UTF-8 (RFC 6455 5.6, 8.1). */
#ifndef TARGETS_UTF8_H
#define TARGETS_UTF8_H

#include <stddef.h>

/* Carried between calls: a character may be split across frames. */
struct utf8_state {
    unsigned char need;   /* continuation bytes still to come */
    unsigned char lo, hi; /* allowed range for the next one */
};

/* Feeds n bytes; 0 as soon as they cannot be UTF-8, 1 while they still can. */
int utf8_feed(struct utf8_state *s, const unsigned char *p, size_t n);
/* Whether p[0..n) is whole, valid UTF-8. */
int utf8_valid(const unsigned char *p, size_t n);

#endif
