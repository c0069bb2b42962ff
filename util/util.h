/* Small helpers every part of wsfault uses: clocks, growable buffers, strings,
 * and the parsing of durations and sizes shared by scenario and target files. */
#ifndef WSF_UTIL_H
#define WSF_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds on CLOCK_MONOTONIC: every timeline timestamp is on this clock. */
int64_t wsf_now_us(void);

/* splitmix64: a small, fast generator whose sequence is the same on every
 * machine, so that a seed printed by one run reproduces its draws in
 * another. The state may start at any value. */
uint64_t wsf_rand_next(uint64_t *state);
/* A seed nobody chose: the clock and the pid, for runs not given one. */
uint64_t wsf_rand_seed(void);

/* Allocation that never returns NULL: running out of memory is fatal here. */
void *wsf_xmalloc(size_t n);
void *wsf_xcalloc(size_t n, size_t size);
void *wsf_xrealloc(void *p, size_t n);
char *wsf_xstrdup(const char *s);
char *wsf_xstrndup(const char *s, size_t n);
char *wsf_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer. Always NUL-terminated past len, so text is easy. */
typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} wsf_buf;

void wsf_buf_init(wsf_buf *b);
void wsf_buf_free(wsf_buf *b);
void wsf_buf_reserve(wsf_buf *b, size_t extra);
void wsf_buf_append(wsf_buf *b, const void *p, size_t n);
void wsf_buf_appendf(wsf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wsf_buf_consume(wsf_buf *b, size_t n); /* drop n bytes from the front */
void wsf_buf_reset(wsf_buf *b);

/* Hands each whole line in partial to emit (without "\n" or a "\r" before
 * it) and keeps the rest; a line longer than max is cut into pieces, so a
 * writer cannot make the reader hold unbounded text. At eof what is left
 * is a line too. */
void wsf_split_lines(wsf_buf *partial, bool eof, size_t max,
                     void (*emit)(void *ctx, const char *line, size_t len), void *ctx);

/* "500ms", "2s", "1.5s", "100us", "1m" -> microseconds. A unit is required.
 * Returns 0 on success, -1 if the text is not a duration. */
int wsf_parse_duration(const char *s, int64_t *out_us);
/* "4096", "64KiB", "1MiB", "10k" -> bytes. Returns 0 or -1. */
int wsf_parse_size(const char *s, uint64_t *out);
/* Plain non-negative decimal or 0x-hex integer. Returns 0 or -1. */
int wsf_parse_uint(const char *s, uint64_t *out);
/* "0a ff 10" or "0aff10" -> bytes. Returns 0 or -1 (odd digit count, bad char). */
int wsf_parse_hex(const char *s, wsf_buf *out);

/* Opens file for reading only if it is a regular file: a FIFO, a device or
 * a socket would block or never end, so it is refused before any read
 * (opened with O_NONBLOCK, checked with fstat). Returns the fd (blocking
 * again), or -1 with "file: not a regular file" or "file: cannot open: why". */
int wsf_open_regular(const char *file, char *err, size_t errlen);

/* Checks a ws:// or wss://host[:port][/path] URL whole: the scheme, a host (a name,
 * an address, or [an IPv6 address]), a port of digits from 1 to 65535 when
 * given, no blank or control byte. NULL when good, else why, as the text
 * after "expected" ("a port from 1 to 65535 after the host"). */
const char *wsf_url_bad(const char *url, char *why, size_t whylen);

/* Reads a whole text file of at most 1 MiB into out (NUL-terminated).
 * Returns 0, or -1 with "file: why" in err (cannot open, read error, too
 * big to be a <what>, a NUL byte: not text). */
int wsf_read_text_file(const char *file, const char *what, wsf_buf *out, char *err, size_t errlen);

/* Creates dir and its parents as needed; 0, or -1 with a message. */
int wsf_mkdir_p(const char *dir, char *err, size_t errlen);
/* Writes data to path through a temporary file renamed into place, so a
 * reader never sees half a file, even after Ctrl-C. 0, or -1 with a message. */
int wsf_write_file_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);
/* The same for a file written in parts: n parts of lens[i] bytes at
 * parts[i], never joined in memory (a results file can be hundreds of MB). */
int wsf_write_parts_atomic(const char *path, const char *const *parts, const size_t *lens, size_t n,
                           char *err, size_t errlen);

/* Human text for a duration in microseconds: "1.5s", "250ms", "80us". */
void wsf_format_duration(int64_t us, char *out, size_t outlen);

/* Printable, escaped rendering of arbitrary bytes (for messages): quotes and
 * backslashes escaped, control and non-ASCII bytes as \xNN, cut at max bytes. */
void wsf_escape_bytes(const uint8_t *p, size_t n, size_t max, wsf_buf *out);

#endif
