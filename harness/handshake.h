/* The HTTP/1.1 Upgrade handshake of RFC 6455 section 4, client side. */
#ifndef WSF_HANDSHAKE_H
#define WSF_HANDSHAKE_H

#include "util.h"
#include <stdbool.h>

/* base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), into out
 * (at least 29 bytes). RFC 6455 4.2.2 example: "dGhlIHNhbXBsZSBub25jZQ==" ->
 * "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=". */
void wsf_ws_accept(const char *key, char out[29]);

/* A fresh Sec-WebSocket-Key: base64 of 16 random bytes, into out (25 bytes). */
void wsf_ws_key(char out[25]);

typedef struct {
    const char *host;    /* Host header value, e.g. "127.0.0.1:9000" */
    const char *path;    /* request target, e.g. "/" */
    const char *key;     /* Sec-WebSocket-Key value */
    const char *version; /* Sec-WebSocket-Version value, normally "13" */
    /* Extra header lines ("Name: value"), added after the standard ones. */
    const char *const *extra;
    size_t n_extra;
    /* Names of standard headers to leave out (case-insensitive), e.g. "Upgrade". */
    const char *const *omit;
    size_t n_omit;
} wsf_request;

/* Appends the request, CRLF line endings, ending with the empty line. */
void wsf_request_build(wsf_buf *out, const wsf_request *r);

typedef struct {
    int status;      /* e.g. 101 */
    char reason[64]; /* status text, cut to fit */
    size_t head_len; /* bytes of the response head, including the final CRLFCRLF */
    bool upgrade_ok; /* Upgrade: websocket and Connection: upgrade present */
    char accept[64]; /* Sec-WebSocket-Accept value, "" if absent */
    /* The server's selections (RFC 6455 4.2.2). Repeated headers are joined
     * with ", " as HTTP combines them; values are cut to fit. */
    bool has_protocol, has_extensions;
    /* Allocated when the header came (NULL when not), so that ten thousand
     * connections do not each carry 1.3 KiB of room for them. */
    char *protocol;   /* Sec-WebSocket-Protocol, cut at WSF_PROTOCOL_MAX bytes */
    char *extensions; /* Sec-WebSocket-Extensions, cut at WSF_EXTENSIONS_MAX bytes */
} wsf_response;

#define WSF_PROTOCOL_MAX 255
#define WSF_EXTENSIONS_MAX 1023

typedef enum {
    WSF_RESP_OK = 0,
    WSF_RESP_NEED_MORE = 1,
    WSF_RESP_BAD = 2, /* not an HTTP/1.x response, or a head over 16 KiB */
} wsf_resp_status;

/* Parses the response head at the start of data; bytes after head_len are
 * already WebSocket frames. Only a parse that returns WSF_RESP_OK leaves
 * anything to free (wsf_response_free); r is overwritten either way. */
wsf_resp_status wsf_response_parse(const uint8_t *data, size_t len, wsf_response *r);
void wsf_response_free(wsf_response *r);

/* RFC 6455 4.1: a client MUST fail the connection when the server selects a
 * subprotocol or an extension the request did not offer. extra are the
 * request's extra header lines as sent (a line may hold several, split on
 * CRLF). NULL when the response keeps to the offer; else what it did wrong,
 * allocated, for a check's actual text. */
char *wsf_response_check_offer(const wsf_response *r, const char *const *extra, size_t n_extra);

/* ------------------------------------------------------------------------
 * Handshake defaults: header lines and a request path that every handshake
 * of a run sends, from the target file and the command line. Origin and
 * subprotocols are kept as the header lines they become, so one rule covers
 * all: a line replaces an earlier line of the same name.
 * --------------------------------------------------------------------- */

typedef struct {
    char **headers; /* "Name: value", names unique (case-insensitive) */
    size_t n_headers;
    char *path; /* NULL: the URL's path */
} wsf_handshake_defaults;

/* Each returns NULL when the value is acceptable, else what was expected
 * (for "expected X, found Y" messages). A header must be "Name: value" with
 * a token for a name, no control characters, and not one of the headers
 * wsfault writes itself (Host, Upgrade, Connection, Sec-WebSocket-Key,
 * Sec-WebSocket-Version). */
const char *wsf_hs_bad_header(const char *line);
const char *wsf_hs_bad_subprotocol(const char *name);
const char *wsf_hs_bad_origin(const char *origin);
const char *wsf_hs_bad_path(const char *path);

/* Adds a checked line, replacing one of the same name. */
void wsf_hs_defaults_header(wsf_handshake_defaults *d, const char *line);
/* Adds NAME to the Sec-WebSocket-Protocol line ("a, b"), creating it. */
void wsf_hs_defaults_subprotocol(wsf_handshake_defaults *d, const char *name);
/* Adds each name of a list ("a", "a,b", "a, b"); NULL, or what was
 * expected when a name is bad or there is none (then nothing is added). */
const char *wsf_hs_defaults_subprotocols(wsf_handshake_defaults *d, const char *list);
/* Sets the Origin line. */
void wsf_hs_defaults_origin(wsf_handshake_defaults *d, const char *origin);
void wsf_hs_defaults_path(wsf_handshake_defaults *d, const char *path);
/* over wins: each of its lines replaces d's line of that name or is added,
 * and its path replaces d's. */
void wsf_hs_defaults_override(wsf_handshake_defaults *d, const wsf_handshake_defaults *over);
void wsf_hs_defaults_free(wsf_handshake_defaults *d);

/* The extra header lines of one request: the defaults' lines, less those
 * named by a line of own or by omit (a scenario's own header replaces the
 * default one, never joins it), then own. The array is allocated, its
 * strings are d's and own's; *n gets the count. */
const char **wsf_hs_extra_lines(const wsf_handshake_defaults *d, const char *const *own,
                                size_t n_own, const char *const *omit, size_t n_omit, size_t *n);

#endif
