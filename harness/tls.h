/* TLS for wss:// through OpenSSL on memory BIOs: the library never touches
 * the socket. The peer hands it the bytes it received and takes from it the
 * bytes to send, so that every TCP fault (RST, half-close, stalls, trickle,
 * partial sends) applies to the TLS byte stream as the wire carries it. */
#ifndef WSF_TLS_H
#define WSF_TLS_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* How a run verifies servers: one per runner, shared by its connections. */
typedef struct wsf_tls_ctx wsf_tls_ctx;
/* One connection's TLS. */
typedef struct wsf_tls wsf_tls;

/* ca: a PEM file of the certificates to trust (NULL: the system's);
 * insecure: no verification at all. NULL with why in err. */
wsf_tls_ctx *wsf_tls_ctx_new(const char *ca, bool insecure, char *err, size_t errlen);
void wsf_tls_ctx_free(wsf_tls_ctx *x);

/* A client connection to host (a name, or an IP literal without brackets):
 * SNI for names, and the certificate checked against the name or address
 * unless the context is insecure. */
wsf_tls *wsf_tls_new(wsf_tls_ctx *x, const char *host);
void wsf_tls_free(wsf_tls *t);

typedef enum {
    WSF_TLS_WANT, /* more bytes from the server are needed */
    WSF_TLS_DONE, /* the handshake is done */
    WSF_TLS_FAIL, /* it failed: why says so */
} wsf_tls_progress;

/* Bytes received from the socket, in order. */
void wsf_tls_feed(wsf_tls *t, const void *data, size_t len);
/* Drives the handshake on with what was fed. verify_failed tells a
 * certificate the run does not trust (a matter of --ca) from other
 * failures. */
wsf_tls_progress wsf_tls_handshake(wsf_tls *t, char *why, size_t whylen, bool *verify_failed);
bool wsf_tls_done(const wsf_tls *t);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" once done. */
void wsf_tls_describe(const wsf_tls *t, char *out, size_t outlen);

typedef enum {
    WSF_TLS_READ_OK,           /* everything fed so far is read */
    WSF_TLS_READ_CLOSE_NOTIFY, /* the server ended its TLS stream */
    WSF_TLS_READ_ERROR,        /* an alert or undecodable records: why */
} wsf_tls_read_status;

/* Appends the plaintext of what was fed to out. */
wsf_tls_read_status wsf_tls_read(wsf_tls *t, wsf_buf *out, char *why, size_t whylen);
/* Encrypts plaintext; its records wait in the library until wsf_tls_take. */
void wsf_tls_write(wsf_tls *t, const void *data, size_t len);
/* Sends close_notify (SSL_shutdown), to be taken like any record. */
void wsf_tls_close_notify(wsf_tls *t);
/* Moves every byte the library has to send (records, the handshake's
 * messages) to out; returns how many. */
size_t wsf_tls_take(wsf_tls *t, wsf_buf *out);

#endif
