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
} wsf_response;

typedef enum {
    WSF_RESP_OK = 0,
    WSF_RESP_NEED_MORE = 1,
    WSF_RESP_BAD = 2, /* not an HTTP/1.x response, or a head over 16 KiB */
} wsf_resp_status;

/* Parses the response head at the start of data; bytes after head_len are
 * already WebSocket frames. */
wsf_resp_status wsf_response_parse(const uint8_t *data, size_t len, wsf_response *r);

#endif
