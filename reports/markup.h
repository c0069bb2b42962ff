/* Text into HTML and XML. Everything a report shows may come from a server or
 * a user (close reasons, headers, log lines, scenario text), so every string
 * goes through here: markup characters become entities, and bytes that are
 * not text become something visible that no parser rejects. */
#ifndef WSF_MARKUP_H
#define WSF_MARKUP_H

#include "util.h"

/* Appends n bytes of s as HTML/XML character data, safe in element content
 * and in quoted attribute values alike:
 *   & < > " '        as entities;
 *   NUL and other C0 controls (but tab, newline, CR) and DEL as their
 *                    Unicode control pictures (U+2400...), so a NUL is seen;
 *   invalid UTF-8, surrogates, U+FFFE and U+FFFF as U+FFFD.
 * The output is valid UTF-8 and valid XML 1.0 character data. */
void wsf_markup(wsf_buf *out, const char *s, size_t n);
/* The same for a NUL-terminated string (NULL appends nothing). */
void wsf_markup_str(wsf_buf *out, const char *s);

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when the bytes
 * there are not one (a stray, truncated, overlong or surrogate sequence). */
size_t wsf_utf8_seq(const unsigned char *s, size_t n);

#endif
