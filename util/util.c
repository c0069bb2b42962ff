/* Small helpers every part of wsfault uses. See util.h for the contract. */
/* vasprintf is a GNU extension. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t wsf_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t wsf_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint64_t wsf_rand_seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t s =
        ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 32);
    /* Short enough to type back: printed seeds are repeated by hand. */
    return wsf_rand_next(&s) % 1000000000u;
}

/* ------------------------------------------------------------------------
 * Allocation. A harness that cannot allocate cannot report anything useful,
 * so the only sensible reaction is to say so and stop.
 * --------------------------------------------------------------------- */

static void out_of_memory(size_t n)
{
    fprintf(stderr, "wsfault: out of memory allocating %zu bytes\n", n);
    abort();
}

void *wsf_xmalloc(size_t n)
{
    /* malloc(0) may return NULL, which callers would mistake for failure. */
    void *p = malloc(n ? n : 1);

    if (!p) out_of_memory(n);
    return p;
}

void *wsf_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p) out_of_memory(n * size);
    return p;
}

void *wsf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q) out_of_memory(n);
    return q;
}

char *wsf_xstrdup(const char *s)
{
    return wsf_xstrndup(s, strlen(s));
}

char *wsf_xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = wsf_xmalloc(len + 1);

    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *wsf_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int rc;

    va_start(ap, fmt);
    rc = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (rc < 0) out_of_memory(strlen(fmt));
    return s;
}

/* ------------------------------------------------------------------------
 * Growable buffers. The buffer always owns at least one byte after len and
 * keeps it zero, so data can be handed to string functions at any time.
 * --------------------------------------------------------------------- */

void wsf_buf_init(wsf_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    wsf_buf_reserve(b, 0);
}

void wsf_buf_free(wsf_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void wsf_buf_reserve(wsf_buf *b, size_t extra)
{
    size_t need, cap;

    if (extra > SIZE_MAX - b->len - 1) out_of_memory(SIZE_MAX);
    need = b->len + extra + 1;
    if (need <= b->cap) return;

    /* Doubling keeps a long run of small appends linear overall. */
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    b->data = wsf_xrealloc(b->data, cap);
    b->cap = cap;
    b->data[b->len] = '\0';
}

void wsf_buf_append(wsf_buf *b, const void *p, size_t n)
{
    wsf_buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void wsf_buf_appendf(wsf_buf *b, const char *fmt, ...)
{
    va_list ap, again;
    int n;

    va_start(ap, fmt);
    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        wsf_buf_reserve(b, (size_t)n);
        vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void wsf_buf_consume(wsf_buf *b, size_t n)
{
    if (n >= b->len) {
        wsf_buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void wsf_buf_reset(wsf_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

/* ------------------------------------------------------------------------
 * Parsing. Everything here is hand-rolled rather than built on strtod or
 * strtoull: those accept leading blanks, signs and locale decimal commas,
 * and a scenario file that says "-1s" or " 5ms" is a mistake to report.
 * --------------------------------------------------------------------- */

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads a run of decimal digits into *out. Returns the count read, or -1 if
 * the value does not fit in 64 bits. */
static int parse_digits(const char **sp, uint64_t *out)
{
    const char *s = *sp;
    uint64_t v = 0;
    int n = 0;

    while (is_digit(*s)) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
        s++;
        n++;
    }
    *sp = s;
    *out = v;
    return n;
}

int wsf_parse_duration(const char *s, int64_t *out_us)
{
    static const struct {
        const char *name;
        uint64_t us;
    } units[] = {
        {"us", 1},
        {"ms", 1000},
        {"s", 1000000},
        {"m", 60000000},
    };
    uint64_t whole, frac = 0, frac_scale = 1, mult = 0, us;
    size_t i;

    if (!s || parse_digits(&s, &whole) <= 0) return -1;
    if (*s == '.') {
        int digits = 0;

        s++;
        /* Nine fractional digits are already finer than a microsecond for
         * every unit; further digits are checked but cannot matter. */
        while (is_digit(*s)) {
            if (digits < 9) {
                frac = frac * 10 + (uint64_t)(*s - '0');
                frac_scale *= 10;
            }
            digits++;
            s++;
        }
        if (digits == 0) return -1;
    }

    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(s, units[i].name) == 0) {
            mult = units[i].us;
            break;
        }
    }
    if (mult == 0) return -1;

    if (whole > (uint64_t)INT64_MAX / mult) return -1;
    us = whole * mult;
    /* frac < 10^9 and mult <= 6 * 10^7, so the product stays below 2^63. */
    us += frac * mult / frac_scale;
    if (us > (uint64_t)INT64_MAX) return -1;
    *out_us = (int64_t)us;
    return 0;
}

int wsf_parse_size(const char *s, uint64_t *out)
{
    static const struct {
        const char *name;
        uint64_t bytes;
    } suffixes[] = {
        {"", 1},
        {"B", 1},
        {"k", 1024},
        {"K", 1024},
        {"KiB", 1024},
        {"M", 1024 * 1024},
        {"MiB", 1024 * 1024},
        {"G", 1024 * 1024 * 1024},
        {"GiB", 1024 * 1024 * 1024},
    };
    uint64_t v;
    size_t i;

    if (!s || parse_digits(&s, &v) <= 0) return -1;
    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        if (strcmp(s, suffixes[i].name) == 0) {
            if (v > UINT64_MAX / suffixes[i].bytes) return -1;
            *out = v * suffixes[i].bytes;
            return 0;
        }
    }
    return -1;
}

int wsf_parse_uint(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (!s) return -1;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        int n = 0;

        for (s += 2; *s; s++, n++) {
            int d = hex_value(*s);
            if (d < 0 || v > UINT64_MAX >> 4) return -1;
            v = v << 4 | (uint64_t)d;
        }
        if (n == 0) return -1;
    } else {
        if (parse_digits(&s, &v) <= 0 || *s != '\0') return -1;
    }
    *out = v;
    return 0;
}

int wsf_parse_hex(const char *s, wsf_buf *out)
{
    size_t start = out->len;

    if (!s) return -1;
    for (;;) {
        int hi, lo;
        uint8_t byte;

        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0') return 0;

        /* A byte is two adjacent digits: "0 a" is two broken bytes, not 0x0a. */
        hi = hex_value(s[0]);
        lo = hi < 0 ? -1 : hex_value(s[1]);
        if (lo < 0) {
            out->len = start;
            if (out->data) out->data[start] = '\0';
            return -1;
        }
        byte = (uint8_t)(hi << 4 | lo);
        wsf_buf_append(out, &byte, 1);
        s += 2;
    }
}

/* ------------------------------------------------------------------------
 * Formatting.
 * --------------------------------------------------------------------- */

void wsf_format_duration(int64_t us, char *out, size_t outlen)
{
    const char *sign = us < 0 ? "-" : "";
    /* Going through unsigned makes INT64_MIN safe to negate. */
    uint64_t mag = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;

    if (!out || outlen == 0) return;
    if (mag < 1000) {
        snprintf(out, outlen, "%s%" PRIu64 "us", sign, mag);
        return;
    }

    if (mag < 1000000) {
        uint64_t tenths = (mag + 50) / 100;

        /* 999.96ms rounds to 1000.0ms; that reads better as "1s". */
        if (tenths < 10000) {
            if (tenths % 10)
                snprintf(out, outlen, "%s%" PRIu64 ".%" PRIu64 "ms", sign, tenths / 10,
                         tenths % 10);
            else
                snprintf(out, outlen, "%s%" PRIu64 "ms", sign, tenths / 10);
            return;
        }
    }

    uint64_t ms = mag / 1000 + (mag % 1000 >= 500);
    uint64_t frac = ms % 1000;
    char digits[4];
    int n;

    if (frac == 0) {
        snprintf(out, outlen, "%s%" PRIu64 "s", sign, ms / 1000);
        return;
    }
    /* Three decimals with trailing zeros trimmed: 1.500 -> 1.5. */
    snprintf(digits, sizeof(digits), "%03" PRIu64, frac);
    n = 3;
    while (digits[n - 1] == '0')
        n--;
    snprintf(out, outlen, "%s%" PRIu64 ".%.*ss", sign, ms / 1000, n, digits);
}

void wsf_escape_bytes(const uint8_t *p, size_t n, size_t max, wsf_buf *out)
{
    size_t shown = n > max ? max : n;
    size_t i;

    for (i = 0; i < shown; i++) {
        uint8_t c = p[i];

        switch (c) {
        case '"':
            wsf_buf_append(out, "\\\"", 2);
            break;
        case '\\':
            wsf_buf_append(out, "\\\\", 2);
            break;
        case '\n':
            wsf_buf_append(out, "\\n", 2);
            break;
        case '\r':
            wsf_buf_append(out, "\\r", 2);
            break;
        case '\t':
            wsf_buf_append(out, "\\t", 2);
            break;
        default:
            if (c >= 0x20 && c < 0x7f)
                wsf_buf_append(out, &c, 1);
            else
                wsf_buf_appendf(out, "\\x%02x", c);
        }
    }
    if (n > max) wsf_buf_append(out, "...", 3);
}

static const char *colon_or(const char *colon, const char *end)
{
    return colon ? colon : end;
}

const char *wsf_url_bad(const char *url, char *why, size_t whylen)
{
    size_t scheme = !strncmp(url, "ws://", 5) ? 5 : !strncmp(url, "wss://", 6) ? 6 : 0;
    if (!scheme) {
        snprintf(why, whylen, "a ws:// or wss:// URL");
        return why;
    }
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            snprintf(why, whylen, "a URL without blanks or control bytes");
            return why;
        }
    /* The authority ends at the path: the request line and Host come from
     * what is before and after the first '/'. */
    const char *h = url + scheme, *end = h + strcspn(h, "/"), *colon = NULL;
    if (*h == '[') {
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (!rb || rb == h + 1) {
            snprintf(why, whylen, "an IPv6 address in [ ] after %.*s", (int)scheme, url);
            return why;
        }
        if (rb + 1 < end && rb[1] != ':') {
            snprintf(why, whylen, "':port' or '/' after the ']' of the host");
            return why;
        }
        colon = rb + 1 < end ? rb + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
        if (colon == h || h == end) {
            snprintf(why, whylen, "a host after %.*s", (int)scheme, url);
            return why;
        }
        if (memchr(h, '@', (size_t)(end - h))) {
            snprintf(why, whylen, "a host without user information ('@')");
            return why;
        }
        for (const char *p = h; p < colon_or(colon, end); p++)
            if (!isalnum((unsigned char)*p) && !strchr("-._~%", *p)) {
                snprintf(why, whylen,
                         "a host of letters, digits, '.' and '-', then ':port' or '/'");
                return why;
            }
    }
    if (!colon) return NULL;
    const char *port = colon + 1;
    size_t n = (size_t)(end - port);
    bool digits = n > 0 && n <= 5;
    for (size_t i = 0; digits && i < n; i++)
        digits = port[i] >= '0' && port[i] <= '9';
    long value = digits ? strtol(port, NULL, 10) : 0;
    if (!digits || value < 1 || value > 65535) {
        snprintf(why, whylen, "a port from 1 to 65535 after the host");
        return why;
    }
    return NULL;
}

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m)    ? " (a folder)"
           : S_ISFIFO(m) ? " (a FIFO)"
           : S_ISCHR(m)  ? " (a character device)"
           : S_ISBLK(m)  ? " (a block device)"
           : S_ISSOCK(m) ? " (a socket)"
                         : "";
}

int wsf_open_regular(const char *file, char *err, size_t errlen)
{
    /* stat first: a socket cannot even be opened, and says so better. */
    struct stat st = {0};
    if (stat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file%s", file, kind_of(st.st_mode));
        return -1;
    }
    /* Checked again on what was opened: the name may have changed since. */
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", file, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file%s", file, kind_of(st.st_mode));
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

int wsf_read_text_file(const char *file, const char *what, wsf_buf *out, char *err, size_t errlen)
{
    int fd = wsf_open_regular(file, err, errlen);
    if (fd < 0) return -1;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", file, strerror(errno));
        close(fd);
        return -1;
    }
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && out->len <= (1u << 20))
        wsf_buf_append(out, chunk, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad || out->len > (1u << 20)) {
        snprintf(err, errlen, "%s: %s%s", file, bad ? "read error" : "over 1MiB: not a ",
                 bad ? "" : what);
        return -1;
    }
    if (out->len && memchr(out->data, '\0', out->len)) {
        snprintf(err, errlen, "%s:1:1: expected text, found a NUL byte", file);
        return -1;
    }
    return 0;
}

int wsf_mkdir_p(const char *dir, char *err, size_t errlen)
{
    char *p = wsf_xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        mkdir(p, 0777);
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, 0777) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", p, strerror(errno));
        rc = -1;
    }
    free(p);
    return rc;
}

int wsf_write_file_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    const char *part = data;
    return wsf_write_parts_atomic(path, &part, &len, 1, err, errlen);
}

int wsf_write_parts_atomic(const char *path, const char *const *parts, const size_t *lens, size_t n,
                           char *err, size_t errlen)
{
    /* The signals that end a run are held while the temporary file exists:
     * one that arrives now takes effect after the rename (or the unlink),
     * so a Ctrl-C or a SIGTERM never leaves a path.tmp.PID behind. Only
     * SIGKILL can. */
    sigset_t ending, old;
    sigemptyset(&ending);
    sigaddset(&ending, SIGINT);
    sigaddset(&ending, SIGTERM);
    sigaddset(&ending, SIGHUP);
    sigaddset(&ending, SIGQUIT);
    sigprocmask(SIG_BLOCK, &ending, &old);
    char *tmp = wsf_xasprintf("%s.tmp.%d", path, (int)getpid());
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f && fd >= 0) close(fd);
    bool ok = f != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = fwrite(parts[i], 1, lens[i], f) == lens[i];
    if (ok && fflush(f) != 0) ok = false;
    /* On disk before it takes the name: after a crash of the machine the
     * file is the old one or the new one, never an empty one. */
    if (ok && fsync(fileno(f)) != 0) ok = false;
    if (f && fclose(f) != 0) ok = false;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
        unlink(tmp);
        rc = -1;
    }
    free(tmp);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void wsf_split_lines(wsf_buf *b, bool eof, size_t max,
                     void (*emit)(void *ctx, const char *line, size_t len), void *ctx)
{
    for (;;) {
        uint8_t *nl = b->len ? memchr(b->data, '\n', b->len) : NULL;
        size_t n;
        if (nl)
            n = (size_t)(nl - b->data);
        else if (b->len >= max)
            n = max;
        else if (eof && b->len)
            n = b->len;
        else
            break;
        size_t linelen = n;
        if (linelen && b->data[linelen - 1] == '\r') linelen--;
        emit(ctx, (const char *)b->data, linelen);
        wsf_buf_consume(b, nl ? n + 1 : n);
    }
}
