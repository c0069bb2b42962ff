/* RFC 6455 section 4: the client half of the opening handshake. See
 * handshake.h for the contract. */
#include "handshake.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
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

/* Random bytes for 64 keys at a time: a system call per key was one of a
 * dozen per faulted connection. A forked worker must not send its
 * parent's keys, so a fork empties the pool. */
static unsigned char key_pool[64 * 16];
static size_t key_used = sizeof key_pool;

static void empty_key_pool(void)
{
    key_used = sizeof key_pool;
}

void wsf_ws_key(char out[25])
{
    static bool hooked;
    unsigned char raw[16];

    if (!hooked) {
        pthread_atfork(NULL, NULL, empty_key_pool);
        hooked = true;
    }
    if (key_used == sizeof key_pool) {
        size_t got = 0;
        while (got < sizeof key_pool) {
            ssize_t n = getrandom(key_pool + got, sizeof key_pool - got, 0);

            if (n < 0) {
                if (errno == EINTR) continue;
                perror("wsfault: getrandom");
                abort();
            }
            got += (size_t)n;
        }
        key_used = 0;
    }
    memcpy(raw, key_pool + key_used, sizeof raw);
    key_used += sizeof raw;
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

/* A header that may come more than once is one list (RFC 9110 5.3): later
 * values join the first with ", ". */
static void join_cut(char *dst, size_t dstlen, bool *seen, const uint8_t *p, const uint8_t *end)
{
    size_t used = *seen ? strlen(dst) : 0;

    if (*seen) {
        if (used + 2 >= dstlen) return; /* full: the rest is cut */
        memcpy(dst + used, ", ", 2);
        used += 2;
    }
    copy_cut(dst + used, dstlen - used, p, (size_t)(end - p));
    *seen = true;
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
    char protocol[WSF_PROTOCOL_MAX + 1] = "", extensions[WSF_EXTENSIONS_MAX + 1] = "";

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
        } else if (header_is(name, name_len, "Sec-WebSocket-Protocol")) {
            join_cut(protocol, sizeof protocol, &r->has_protocol, value, value_end);
        } else if (header_is(name, name_len, "Sec-WebSocket-Extensions")) {
            join_cut(extensions, sizeof extensions, &r->has_extensions, value, value_end);
        }
    }

    r->head_len = head_len;
    r->upgrade_ok = upgrade && connection;
    if (r->has_protocol) r->protocol = wsf_xstrdup(protocol);
    if (r->has_extensions) r->extensions = wsf_xstrdup(extensions);
    return WSF_RESP_OK;
}

void wsf_response_free(wsf_response *r)
{
    free(r->protocol);
    free(r->extensions);
    r->protocol = r->extensions = NULL;
}

/* ------------------------------------------------------------------------
 * What the server selected against what the request offered.
 * --------------------------------------------------------------------- */

typedef struct {
    char **v;
    size_t n;
} strs;

static void strs_push(strs *l, const char *p, size_t n)
{
    l->v = wsf_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = wsf_xstrndup(p, n);
}

static void strs_free(strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* The items of a comma-separated list in [p, end), blanks trimmed, empty
 * ones skipped. With names_only, an item is cut at its first ';': the
 * extension's name without its parameters, whose "quoted strings" may hold
 * commas that do not split. */
static void split_list(const char *p, const char *end, bool names_only, strs *out)
{
    while (p < end) {
        const char *item, *item_end, *stop;
        bool quoted = false;

        while (p < end && (is_ows((uint8_t)*p) || *p == ','))
            p++;
        item = p;
        for (; p < end && (quoted || *p != ','); p++) {
            if (*p == '"') quoted = !quoted;
            if (quoted && *p == '\\' && p + 1 < end) p++;
        }
        stop = p;
        if (names_only)
            for (stop = item; stop < p && *stop != ';'; stop++)
                ;
        item_end = stop;
        while (item_end > item && is_ows((uint8_t)item_end[-1]))
            item_end--;
        if (item_end > item) strs_push(out, item, (size_t)(item_end - item));
    }
}

/* The subprotocols and extension names of the request's extra lines. */
static void collect_offer(const char *const *extra, size_t n_extra, strs *protocols, strs *exts)
{
    for (size_t i = 0; i < n_extra; i++) {
        const char *line = extra[i];

        while (line && *line) {
            const char *eol = strstr(line, "\r\n");
            const char *end = eol ? eol : line + strlen(line);
            const char *colon = memchr(line, ':', (size_t)(end - line));

            if (colon) {
                size_t len = (size_t)(colon - line);
                if (header_is((const uint8_t *)line, len, "Sec-WebSocket-Protocol"))
                    split_list(colon + 1, end, false, protocols);
                else if (header_is((const uint8_t *)line, len, "Sec-WebSocket-Extensions"))
                    split_list(colon + 1, end, true, exts);
            }
            line = eol ? eol + 2 : NULL;
        }
    }
}

static bool offered(const strs *l, const char *s, bool any_case)
{
    for (size_t i = 0; i < l->n; i++)
        if (any_case ? !strcasecmp(l->v[i], s) : !strcmp(l->v[i], s)) return true;
    return false;
}

/* Server text, quoted and escaped: it may hold any byte. */
static void append_quoted(wsf_buf *b, const char *s)
{
    wsf_buf_append(b, "\"", 1);
    wsf_escape_bytes((const uint8_t *)s, strlen(s), 200, b);
    wsf_buf_append(b, "\"", 1);
}

static void append_offer(wsf_buf *b, const strs *l)
{
    wsf_buf_appendf(b, " (offered: ");
    if (l->n == 0) wsf_buf_appendf(b, "none");
    for (size_t i = 0; i < l->n; i++) {
        if (i) wsf_buf_appendf(b, ", ");
        append_quoted(b, l->v[i]);
    }
    wsf_buf_appendf(b, ")");
}

char *wsf_response_check_offer(const wsf_response *r, const char *const *extra, size_t n_extra)
{
    strs protocols = {0}, exts = {0}, selected = {0};
    wsf_buf why;

    wsf_buf_init(&why);
    collect_offer(extra, n_extra, &protocols, &exts);
    /* The server picks one subprotocol: the whole value must be an offer,
     * so "a, b" fails even when both were offered. */
    if (r->has_protocol && !offered(&protocols, r->protocol, false)) {
        wsf_buf_appendf(&why, "101 selecting subprotocol ");
        append_quoted(&why, r->protocol);
        wsf_buf_appendf(&why, ", which the request did not offer");
        append_offer(&why, &protocols);
    } else if (r->has_extensions) {
        split_list(r->extensions, r->extensions + strlen(r->extensions), true, &selected);
        for (size_t i = 0; i < selected.n && !why.len; i++) {
            if (offered(&exts, selected.v[i], true)) continue;
            wsf_buf_appendf(&why, "101 selecting extension ");
            append_quoted(&why, selected.v[i]);
            wsf_buf_appendf(&why, " (Sec-WebSocket-Extensions: ");
            append_quoted(&why, r->extensions);
            wsf_buf_appendf(&why, "), which the request did not offer");
            append_offer(&why, &exts);
        }
    }
    strs_free(&protocols);
    strs_free(&exts);
    strs_free(&selected);
    if (why.len == 0) {
        wsf_buf_free(&why);
        return NULL;
    }
    return (char *)why.data;
}

/* ------------------------------------------------------------------------
 * Handshake defaults.
 * --------------------------------------------------------------------- */

static const char *const standard_headers[] = {"Host", "Upgrade", "Connection", "Sec-WebSocket-Key",
                                               "Sec-WebSocket-Version"};

/* The length of a line's header name: up to its colon. */
static size_t name_len(const char *line)
{
    const char *colon = strchr(line, ':');
    return colon ? (size_t)(colon - line) : strlen(line);
}

static bool same_name(const char *a, const char *b)
{
    size_t n = name_len(a);
    return n == name_len(b) && strncasecmp(a, b, n) == 0;
}

static bool printable(const char *s, bool tab_ok)
{
    for (; *s; s++) {
        uint8_t c = (uint8_t)*s;
        if ((c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f) return false;
    }
    return true;
}

const char *wsf_hs_bad_header(const char *line)
{
    size_t n = name_len(line);

    for (size_t i = 0; i < n; i++)
        if (!is_tchar((uint8_t)line[i])) return "a \"Name: value\" header";
    if (n == 0 || line[n] != ':') return "a \"Name: value\" header";
    if (!printable(line, true)) return "a header without control characters";
    for (size_t i = 0; i < sizeof standard_headers / sizeof *standard_headers; i++)
        if (n == strlen(standard_headers[i]) && !strncasecmp(line, standard_headers[i], n))
            return "a header other than those wsfault writes itself (Host, Upgrade, Connection, "
                   "Sec-WebSocket-Key, Sec-WebSocket-Version)";
    return NULL;
}

const char *wsf_hs_bad_subprotocol(const char *name)
{
    const char *p = name;

    while (*p && is_tchar((uint8_t)*p))
        p++;
    return *name && !*p ? NULL : "a subprotocol name (a token: letters, digits, !#$%&'*+-.^_`|~)";
}

const char *wsf_hs_bad_origin(const char *origin)
{
    const char *p = origin, *sep = strstr(origin, "://");
    bool scheme = sep && sep > origin && isalpha((unsigned char)*origin);

    for (; scheme && p < sep; p++)
        scheme = isalnum((unsigned char)*p) || strchr("+-.", *p);
    if (!strcmp(origin, "null")) return NULL;
    if (!scheme || !sep[3] || strpbrk(origin, " \t") || !printable(origin, false))
        return "an origin such as http://example.test (or null)";
    return NULL;
}

const char *wsf_hs_bad_path(const char *path)
{
    if (path[0] != '/' || strpbrk(path, " \t") || !printable(path, false))
        return "a request path that starts with '/' and has no blanks";
    return NULL;
}

void wsf_hs_defaults_header(wsf_handshake_defaults *d, const char *line)
{
    for (size_t i = 0; i < d->n_headers; i++) {
        if (!same_name(d->headers[i], line)) continue;
        free(d->headers[i]);
        d->headers[i] = wsf_xstrdup(line);
        return;
    }
    d->headers = wsf_xrealloc(d->headers, (d->n_headers + 1) * sizeof *d->headers);
    d->headers[d->n_headers++] = wsf_xstrdup(line);
}

void wsf_hs_defaults_subprotocol(wsf_handshake_defaults *d, const char *name)
{
    static const char key[] = "Sec-WebSocket-Protocol";

    for (size_t i = 0; i < d->n_headers; i++) {
        char *line = d->headers[i];
        strs have = {0};
        bool dup;
        size_t n_have;

        if (!same_name(line, key)) continue;
        split_list(line + name_len(line) + 1, line + strlen(line), false, &have);
        dup = offered(&have, name, false);
        n_have = have.n;
        strs_free(&have);
        if (dup) return;
        d->headers[i] =
            n_have ? wsf_xasprintf("%s, %s", line, name) : wsf_xasprintf("%s: %s", key, name);
        free(line);
        return;
    }
    char *line = wsf_xasprintf("%s: %s", key, name);
    wsf_hs_defaults_header(d, line);
    free(line);
}

const char *wsf_hs_defaults_subprotocols(wsf_handshake_defaults *d, const char *list)
{
    strs names = {0};
    const char *why = NULL;

    split_list(list, list + strlen(list), false, &names);
    if (names.n == 0) why = "a subprotocol name";
    for (size_t i = 0; i < names.n && !why; i++)
        why = wsf_hs_bad_subprotocol(names.v[i]);
    for (size_t i = 0; i < names.n && !why; i++)
        wsf_hs_defaults_subprotocol(d, names.v[i]);
    strs_free(&names);
    return why;
}

void wsf_hs_defaults_origin(wsf_handshake_defaults *d, const char *origin)
{
    char *line = wsf_xasprintf("Origin: %s", origin);
    wsf_hs_defaults_header(d, line);
    free(line);
}

void wsf_hs_defaults_path(wsf_handshake_defaults *d, const char *path)
{
    free(d->path);
    d->path = wsf_xstrdup(path);
}

void wsf_hs_defaults_override(wsf_handshake_defaults *d, const wsf_handshake_defaults *over)
{
    for (size_t i = 0; i < over->n_headers; i++)
        wsf_hs_defaults_header(d, over->headers[i]);
    if (over->path) wsf_hs_defaults_path(d, over->path);
}

void wsf_hs_defaults_free(wsf_handshake_defaults *d)
{
    for (size_t i = 0; i < d->n_headers; i++)
        free(d->headers[i]);
    free(d->headers);
    free(d->path);
    memset(d, 0, sizeof *d);
}

/* Does one of the lines of text (split on CRLF) have this header name? */
static bool names_header(const char *text, const char *line)
{
    while (text && *text) {
        if (same_name(text, line)) return true;
        text = strstr(text, "\r\n");
        if (text) text += 2;
    }
    return false;
}

const char **wsf_hs_extra_lines(const wsf_handshake_defaults *d, const char *const *own,
                                size_t n_own, const char *const *omit, size_t n_omit, size_t *n)
{
    size_t n_def = d ? d->n_headers : 0;
    const char **out = wsf_xmalloc((n_def + n_own + 1) * sizeof *out);

    *n = 0;
    for (size_t i = 0; i < n_def; i++) {
        const char *line = d->headers[i];
        bool replaced = false;

        for (size_t k = 0; k < n_own && !replaced; k++)
            replaced = own[k] && names_header(own[k], line);
        for (size_t k = 0; k < n_omit && !replaced; k++)
            replaced = omit[k] && same_name(omit[k], line);
        if (!replaced) out[(*n)++] = line;
    }
    for (size_t k = 0; k < n_own; k++)
        if (own[k]) out[(*n)++] = own[k];
    return out;
}
