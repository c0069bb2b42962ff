#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct wsf_tls_ctx {
    SSL_CTX *ctx;
};

struct wsf_tls {
    SSL *ssl;
    BIO *rbio, *wbio; /* what came from the server; what goes to it */
    bool done;
};

/* OpenSSL's reason for the last failure, or what to say when it gave none. */
static void last_error(char *why, size_t whylen, const char *none)
{
    unsigned long e = ERR_get_error();
    if (!e) {
        snprintf(why, whylen, "%s", none);
        return;
    }
    const char *r = ERR_reason_error_string(e);
    if (r)
        snprintf(why, whylen, "%s", r);
    else
        ERR_error_string_n(e, why, whylen);
    ERR_clear_error();
}

wsf_tls_ctx *wsf_tls_ctx_new(const char *ca, bool insecure, char *err, size_t errlen)
{
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        last_error(err, errlen, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (ca && access(ca, R_OK) != 0) {
            snprintf(err, errlen, "--ca %s: cannot load its certificates: %s", ca, strerror(errno));
            SSL_CTX_free(ctx);
            return NULL;
        }
        int ok = ca ? SSL_CTX_load_verify_locations(ctx, ca, NULL)
                    : SSL_CTX_set_default_verify_paths(ctx);
        if (!ok) {
            char why[256];
            last_error(why, sizeof why, "no certificate in it");
            if (ca)
                snprintf(err, errlen, "--ca %s: cannot load its certificates: %s", ca, why);
            else
                snprintf(err, errlen, "cannot load the system's certificates: %s", why);
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    wsf_tls_ctx *x = wsf_xcalloc(1, sizeof *x);
    x->ctx = ctx;
    return x;
}

void wsf_tls_ctx_free(wsf_tls_ctx *x)
{
    if (!x) return;
    SSL_CTX_free(x->ctx);
    free(x);
}

static bool is_ip_literal(const char *host)
{
    unsigned char a[16];
    return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

wsf_tls *wsf_tls_new(wsf_tls_ctx *x, const char *host)
{
    wsf_tls *t = wsf_xcalloc(1, sizeof *t);
    t->ssl = SSL_new(x->ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        fputs("wsfault: out of memory (OpenSSL)\n", stderr);
        abort();
    }
    /* An empty read BIO means "not yet", never the end: the end of the
     * stream is the socket's business, told apart by the peer. */
    BIO_set_mem_eof_return(t->rbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_connect_state(t->ssl);
    X509_VERIFY_PARAM *pm = SSL_get0_param(t->ssl);
    if (is_ip_literal(host)) {
        /* RFC 6066 3: no SNI for an address. */
        X509_VERIFY_PARAM_set1_ip_asc(pm, host);
    } else {
        SSL_set_tlsext_host_name(t->ssl, host);
        X509_VERIFY_PARAM_set_hostflags(pm, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(pm, host, 0);
    }
    return t;
}

void wsf_tls_free(wsf_tls *t)
{
    if (!t) return;
    SSL_free(t->ssl); /* and its BIOs */
    free(t);
}

void wsf_tls_feed(wsf_tls *t, const void *data, size_t len)
{
    if (len) BIO_write(t->rbio, data, (int)len);
}

wsf_tls_progress wsf_tls_handshake(wsf_tls *t, char *why, size_t whylen, bool *verify_failed)
{
    *verify_failed = false;
    if (t->done) return WSF_TLS_DONE;
    ERR_clear_error();
    int rc = SSL_do_handshake(t->ssl);
    if (rc == 1) {
        t->done = true;
        return WSF_TLS_DONE;
    }
    int e = SSL_get_error(t->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return WSF_TLS_WANT;
    long v = SSL_get_verify_result(t->ssl);
    if (v != X509_V_OK) {
        *verify_failed = true;
        bool name = v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH;
        snprintf(why, whylen, "certificate verification failed: %s (%s)",
                 X509_verify_cert_error_string(v),
                 name ? "the certificate is for another host: connect by a name or address it "
                        "holds, or --insecure"
                      : "give the CA's certificate with --ca FILE or the target file's 'ca FILE', "
                        "or --insecure");
        ERR_clear_error();
        return WSF_TLS_FAIL;
    }
    char r[200];
    last_error(r, sizeof r, "the handshake failed");
    snprintf(why, whylen, "TLS handshake failed: %s", r);
    return WSF_TLS_FAIL;
}

bool wsf_tls_done(const wsf_tls *t)
{
    return t->done;
}

void wsf_tls_describe(const wsf_tls *t, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s %s", SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl));
}

wsf_tls_read_status wsf_tls_read(wsf_tls *t, wsf_buf *out, char *why, size_t whylen)
{
    for (;;) {
        static unsigned char chunk[16384];
        size_t n = 0;
        ERR_clear_error();
        int rc = SSL_read_ex(t->ssl, chunk, sizeof chunk, &n);
        if (rc == 1) {
            wsf_buf_append(out, chunk, n);
            continue;
        }
        int e = SSL_get_error(t->ssl, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return WSF_TLS_READ_OK;
        if (e == SSL_ERROR_ZERO_RETURN) return WSF_TLS_READ_CLOSE_NOTIFY;
        last_error(why, whylen, "undecodable TLS records");
        return WSF_TLS_READ_ERROR;
    }
}

void wsf_tls_write(wsf_tls *t, const void *data, size_t len)
{
    /* A memory BIO takes everything: SSL_write never waits. */
    size_t done = 0;
    ERR_clear_error();
    if (len && SSL_write_ex(t->ssl, data, len, &done) != 1) ERR_clear_error();
}

void wsf_tls_close_notify(wsf_tls *t)
{
    ERR_clear_error();
    if (SSL_shutdown(t->ssl) < 0) ERR_clear_error();
}

size_t wsf_tls_take(wsf_tls *t, wsf_buf *out)
{
    size_t total = 0;
    unsigned char chunk[16384];
    int r;
    while ((r = BIO_read(t->wbio, chunk, sizeof chunk)) > 0) {
        wsf_buf_append(out, chunk, (size_t)r);
        total += (size_t)r;
    }
    return total;
}
