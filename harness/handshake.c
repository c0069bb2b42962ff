/* RFC 6455 section 4: the client half of the opening handshake. See
 * handshake.h for the contract. */
#include "handshake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <openssl/evp.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* The largest response head we wait for. Real servers send a few hundred
 * bytes; a target that keeps talking without a blank line is broken. */
#define MAX_HEAD 16384

void wsf_ws_accept(const char *key, char out[29])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    char *text = wsf_xasprintf("%s%s", key, WS_GUID);

    if (!EVP_Digest(text, strlen(text), digest, &dlen, EVP_sha1(), NULL) || dlen != 20) {
        fprintf(stderr, "wsfault: SHA-1 failed\n");
        abort();
    }
    free(text);
    /* 20 bytes encode to 28 characters plus the NUL EVP_EncodeBlock adds. */
    EVP_EncodeBlock((unsigned char *)out, digest, 20);
}

void wsf_ws_key(char out[25])
{
    unsigned char raw[16];
    size_t got = 0;

    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

        if (n < 0) {
            if (errno == EINTR) continue;
            perror("wsfault: getrandom");
            abort();
        }
        got += (size_t)n;
    }
    EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw));
}

/* ------------------------------------------------------------------------
 * The request.
 * --------------------------------------------------------------------- */

static bool omitted(const wsf_request *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->n_omit; i++)
        if (r->omit[i] && strcasecmp(r->omit[i], name) == 0) return true;
    return false;
}

static void add_header(wsf_buf *out, const wsf_request *r, const char *name, const char *value)
{
    /* A NULL value leaves the header out, the same as naming it in omit. */
    if (!value || omitted(r, name)) return;
    wsf_buf_appendf(out, "%s: %s\r\n", name, value);
}

void wsf_request_build(wsf_buf *out, const wsf_request *r)
{
    size_t i;

    wsf_buf_appendf(out, "GET %s HTTP/1.1\r\n", r->path ? r->path : "/");
    add_header(out, r, "Host", r->host);
    add_header(out, r, "Upgrade", "websocket");
    add_header(out, r, "Connection", "Upgrade");
    add_header(out, r, "Sec-WebSocket-Key", r->key);
    add_header(out, r, "Sec-WebSocket-Version", r->version);
    for (i = 0; i < r->n_extra; i++)
        if (r->extra[i]) wsf_buf_appendf(out, "%s\r\n", r->extra[i]);
    wsf_buf_append(out, "\r\n", 2);
}

/* ------------------------------------------------------------------------
 * The response.
 * --------------------------------------------------------------------- */

static bool is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 5.6.2 token characters, which is what a header name must be. */
static bool is_tchar(uint8_t c)
{
    if (c >= '0' && c <= '9') return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Does the comma-separated list in [p, end) contain token, ignoring case?
 * Connection is commonly "keep-alive, Upgrade", so an exact match is wrong. */
static bool list_has_token(const uint8_t *p, const uint8_t *end, const char *token)
{
    size_t tlen = strlen(token);

    while (p < end) {
        const uint8_t *item, *item_end;

        while (p < end && (is_ows(*p) || *p == ','))
            p++;
        item = p;
        while (p < end && *p != ',')
            p++;
        item_end = p;
        while (item_end > item && is_ows(item_end[-1]))
            item_end--;
        if ((size_t)(item_end - item) == tlen && strncasecmp((const char *)item, token, tlen) == 0)
            return true;
    }
    return false;
}

/* Header names compare without regard to case (RFC 9110 5.1). */
static bool header_is(const uint8_t *name, size_t len, const char *want)
{
    return len == strlen(want) && strncasecmp((const char *)name, want, len) == 0;
}

static void copy_cut(char *dst, size_t dstlen, const uint8_t *p, size_t n)
{
    if (n >= dstlen) n = dstlen - 1;
    memcpy(dst, p, n);
    dst[n] = '\0';
}

/* Finds "\r\n" in [p, end); returns end if there is none. */
static const uint8_t *find_crlf(const uint8_t *p, const uint8_t *end)
{
    for (; p + 1 < end; p++)
        if (p[0] == '\r' && p[1] == '\n') return p;
    return end;
}

static wsf_resp_status parse_status_line(const uint8_t *p, const uint8_t *end, wsf_response *r)
{
    const uint8_t *reason;

    /* "HTTP/1.x NNN" then optionally " reason"; RFC 9112 allows it empty. */
    if (end - p < 12 || memcmp(p, "HTTP/1.", 7) != 0) return WSF_RESP_BAD;
    if (p[7] < '0' || p[7] > '9' || p[8] != ' ') return WSF_RESP_BAD;
    if (p[9] < '0' || p[9] > '9' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9')
        return WSF_RESP_BAD;
    r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');

    reason = p + 12;
    if (reason < end) {
        if (*reason != ' ') return WSF_RESP_BAD;
        reason++;
    }
    copy_cut(r->reason, sizeof(r->reason), reason, (size_t)(end - reason));
    return WSF_RESP_OK;
}

wsf_resp_status wsf_response_parse(const uint8_t *data, size_t len, wsf_response *r)
{
    static const char prefix[] = "HTTP/1.";
    size_t limit = len < MAX_HEAD ? len : MAX_HEAD;
    size_t head_len = 0, i;
    const uint8_t *p, *end, *eol;
    bool upgrade = false, connection = false;

    memset(r, 0, sizeof(*r));

    /* Garbage is reported at once, not after 16 KiB of waiting. */
    for (i = 0; i < len && i < sizeof(prefix) - 1; i++)
        if (data[i] != (uint8_t)prefix[i]) return WSF_RESP_BAD;

    for (i = 0; i + 4 <= limit; i++) {
        if (memcmp(data + i, "\r\n\r\n", 4) == 0) {
            head_len = i + 4;
            break;
        }
    }
    if (head_len == 0) return len >= MAX_HEAD ? WSF_RESP_BAD : WSF_RESP_NEED_MORE;

    end = data + head_len - 2; /* the last line's CRLF stays, the blank line goes */
    eol = find_crlf(data, end);
    if (parse_status_line(data, eol, r) != WSF_RESP_OK) return WSF_RESP_BAD;

    for (p = eol + 2; p < end; p = eol + 2) {
        const uint8_t *name = p, *colon, *value, *value_end;

        eol = find_crlf(p, end);
        colon = name;
        while (colon < eol && is_tchar(*colon))
            colon++;
        /* No whitespace before the colon (RFC 9112 5.1) and no empty name;
         * this also refuses obsolete line folding. */
        if (colon == name || colon == eol || *colon != ':') return WSF_RESP_BAD;

        value = colon + 1;
        value_end = eol;
        while (value < value_end && is_ows(*value))
            value++;
        while (value_end > value && is_ows(value_end[-1]))
            value_end--;

        size_t name_len = (size_t)(colon - name);
        if (header_is(name, name_len, "Upgrade")) {
            upgrade = upgrade || list_has_token(value, value_end, "websocket");
        } else if (header_is(name, name_len, "Connection")) {
            connection = connection || list_has_token(value, value_end, "upgrade");
        } else if (header_is(name, name_len, "Sec-WebSocket-Accept")) {
            copy_cut(r->accept, sizeof(r->accept), value, (size_t)(value_end - value));
        }
    }

    r->head_len = head_len;
    r->upgrade_ok = upgrade && connection;
    return WSF_RESP_OK;
}
