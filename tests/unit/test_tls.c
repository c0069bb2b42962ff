/* Unit tests for tls.c: the client on memory BIOs against an OpenSSL
 * server on memory BIOs in the same process, bytes moved by hand as the
 * peer moves them through its socket. The certificate is made here. */
#include "cunit_main.h"
#include "tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static EVP_PKEY *key;
static X509 *cert;
static char ca_file[] = "/tmp/wsf-test-tls-XXXXXX";

/* A self-signed certificate for 127.0.0.1 and localhost. */
static int make_cert(void)
{
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    if (!key || !cert) return -1;
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME *n = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"wsf-test", -1, -1, 0);
    X509_set_issuer_name(cert, n);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *san =
        X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
    if (!san || !bc) return -1;
    X509_add_ext(cert, san, -1);
    X509_add_ext(cert, bc, -1);
    X509_EXTENSION_free(san);
    X509_EXTENSION_free(bc);
    if (!X509_sign(cert, key, EVP_sha256())) return -1;
    int fd = mkstemp(ca_file);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) return -1;
    PEM_write_X509(f, cert);
    fclose(f);
    return 0;
}

typedef struct {
    SSL_CTX *sctx;
    SSL *srv;
    BIO *srv_in, *srv_out;
    wsf_tls_ctx *cctx;
    wsf_tls *cli;
} pair;

static void pair_open(pair *p, const char *ca, bool insecure, const char *host)
{
    memset(p, 0, sizeof *p);
    p->sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(p->sctx, cert);
    SSL_CTX_use_PrivateKey(p->sctx, key);
    p->srv = SSL_new(p->sctx);
    p->srv_in = BIO_new(BIO_s_mem());
    p->srv_out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(p->srv_in, -1);
    SSL_set_bio(p->srv, p->srv_in, p->srv_out);
    SSL_set_accept_state(p->srv);
    char err[256];
    p->cctx = wsf_tls_ctx_new(ca, insecure, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(p->cctx);
    if (p->cctx) p->cli = wsf_tls_new(p->cctx, host);
}

static void pair_close(pair *p)
{
    wsf_tls_free(p->cli);
    wsf_tls_ctx_free(p->cctx);
    SSL_free(p->srv);
    SSL_CTX_free(p->sctx);
}

/* Client to server: what the client has to send. */
static void to_server(pair *p)
{
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_tls_take(p->cli, &b);
    if (b.len) BIO_write(p->srv_in, b.data, (int)b.len);
    wsf_buf_free(&b);
}

/* Server to client. */
static void to_client(pair *p)
{
    char chunk[16384];
    int n;
    while ((n = BIO_read(p->srv_out, chunk, sizeof chunk)) > 0)
        wsf_tls_feed(p->cli, chunk, (size_t)n);
}

/* Runs both handshakes to their end; the client's result. */
static wsf_tls_progress handshake(pair *p, char *why, size_t whylen, bool *verify_failed)
{
    wsf_tls_progress st = WSF_TLS_WANT;
    for (int i = 0; i < 10 && st == WSF_TLS_WANT; i++) {
        st = wsf_tls_handshake(p->cli, why, whylen, verify_failed);
        to_server(p);
        SSL_do_handshake(p->srv);
        ERR_clear_error();
        to_client(p);
    }
    return st;
}

static void test_echo_with_ca(void)
{
    pair p;
    char why[256] = "";
    bool vf = true;
    pair_open(&p, ca_file, false, "127.0.0.1");
    REQUIRE(p.cli);
    REQUIRE(handshake(&p, why, sizeof why, &vf) == WSF_TLS_DONE);
    CU_ASSERT_FALSE(vf);
    CU_ASSERT_TRUE(wsf_tls_done(p.cli));
    char d[128];
    wsf_tls_describe(p.cli, d, sizeof d);
    CU_ASSERT_NSTRING_EQUAL(d, "TLSv1.3 ", 8);
    /* Plaintext to the server and back. */
    wsf_tls_write(p.cli, "hello", 5);
    to_server(&p);
    char got[16] = "";
    CU_ASSERT_EQUAL(SSL_read(p.srv, got, sizeof got), 5);
    CU_ASSERT_NSTRING_EQUAL(got, "hello", 5);
    SSL_write(p.srv, "world", 5);
    to_client(&p);
    wsf_buf rx;
    wsf_buf_init(&rx);
    CU_ASSERT_EQUAL(wsf_tls_read(p.cli, &rx, why, sizeof why), WSF_TLS_READ_OK);
    CU_ASSERT_EQUAL(rx.len, 5);
    CU_ASSERT_NSTRING_EQUAL((char *)rx.data, "world", 5);
    /* The server's close_notify is the end of its stream. */
    SSL_shutdown(p.srv);
    to_client(&p);
    CU_ASSERT_EQUAL(wsf_tls_read(p.cli, &rx, why, sizeof why), WSF_TLS_READ_CLOSE_NOTIFY);
    /* The client's reaches the server as a clean end too. */
    wsf_tls_close_notify(p.cli);
    to_server(&p);
    CU_ASSERT_EQUAL(SSL_read(p.srv, got, sizeof got), 0);
    CU_ASSERT_EQUAL(SSL_get_error(p.srv, 0), SSL_ERROR_ZERO_RETURN);
    wsf_buf_free(&rx);
end:
    pair_close(&p);
}

static void test_by_name(void)
{
    pair p;
    char why[256] = "";
    bool vf;
    pair_open(&p, ca_file, false, "localhost");
    REQUIRE(p.cli);
    CU_ASSERT_EQUAL(handshake(&p, why, sizeof why, &vf), WSF_TLS_DONE);
    /* SNI carries the name. */
    CU_ASSERT_STRING_EQUAL(SSL_get_servername(p.srv, TLSEXT_NAMETYPE_host_name), "localhost");
end:
    pair_close(&p);
}

static void test_no_sni_for_an_address(void)
{
    pair p;
    char why[256] = "";
    bool vf;
    pair_open(&p, ca_file, false, "127.0.0.1");
    REQUIRE(p.cli);
    CU_ASSERT_EQUAL(handshake(&p, why, sizeof why, &vf), WSF_TLS_DONE);
    CU_ASSERT_PTR_NULL(SSL_get_servername(p.srv, TLSEXT_NAMETYPE_host_name));
end:
    pair_close(&p);
}

static void test_unknown_ca(void)
{
    pair p;
    char why[256] = "";
    bool vf = false;
    pair_open(&p, NULL, false, "127.0.0.1"); /* the system's CAs */
    REQUIRE(p.cli);
    CU_ASSERT_EQUAL(handshake(&p, why, sizeof why, &vf), WSF_TLS_FAIL);
    CU_ASSERT_TRUE(vf);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "certificate verification failed: self-signed certificate"));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "--ca FILE"));
end:
    pair_close(&p);
}

static void test_wrong_host(void)
{
    pair p;
    char why[256] = "";
    bool vf = false;
    pair_open(&p, ca_file, false, "elsewhere.test");
    REQUIRE(p.cli);
    CU_ASSERT_EQUAL(handshake(&p, why, sizeof why, &vf), WSF_TLS_FAIL);
    CU_ASSERT_TRUE(vf);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "hostname mismatch"));
    pair_close(&p);
    pair_open(&p, ca_file, false, "127.0.0.2");
    REQUIRE(p.cli);
    CU_ASSERT_EQUAL(handshake(&p, why, sizeof why, &vf), WSF_TLS_FAIL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "IP address mismatch"));
end:
    pair_close(&p);
}

static void test_insecure(void)
{
    pair p;
    char why[256] = "";
    bool vf;
    pair_open(&p, NULL, true, "elsewhere.test");
    REQUIRE(p.cli);
    CU_ASSERT_EQUAL(handshake(&p, why, sizeof why, &vf), WSF_TLS_DONE);
end:
    pair_close(&p);
}

static void test_garbage_is_an_error(void)
{
    pair p;
    char why[256] = "";
    bool vf;
    pair_open(&p, ca_file, false, "127.0.0.1");
    REQUIRE(p.cli);
    REQUIRE(handshake(&p, why, sizeof why, &vf) == WSF_TLS_DONE);
    /* An application-data record whose bytes do not decrypt. */
    static const char bad[] = "\x17\x03\x03\x00\x14xxxxxxxxxxxxxxxxxxxx";
    wsf_tls_feed(p.cli, bad, sizeof bad - 1);
    wsf_buf rx;
    wsf_buf_init(&rx);
    CU_ASSERT_EQUAL(wsf_tls_read(p.cli, &rx, why, sizeof why), WSF_TLS_READ_ERROR);
    CU_ASSERT_NOT_EQUAL(why[0], '\0');
    CU_ASSERT_EQUAL(rx.len, 0);
    wsf_buf_free(&rx);
end:
    pair_close(&p);
}

static void test_bad_ca_file(void)
{
    char err[256];
    CU_ASSERT_PTR_NULL(wsf_tls_ctx_new("/no/such/ca.pem", false, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err,
                           "--ca /no/such/ca.pem: cannot load its certificates: No such file or "
                           "directory");
    CU_ASSERT_PTR_NULL(wsf_tls_ctx_new("/dev/null", false, err, sizeof err));
    CU_ASSERT_NSTRING_EQUAL(err, "--ca /dev/null: cannot load its certificates: ", 46);
}

static CU_TestInfo tests[] = {
    {"handshake, echo, close_notify both ways", test_echo_with_ca},
    {"a name: verified, and sent as SNI", test_by_name},
    {"an address: verified, no SNI", test_no_sni_for_an_address},
    {"an unknown CA fails verification", test_unknown_ca},
    {"another host fails verification", test_wrong_host},
    {"insecure verifies nothing", test_insecure},
    {"records that do not decrypt are an error", test_garbage_is_an_error},
    {"a CA file that cannot be loaded", test_bad_ca_file},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    if (make_cert() < 0) {
        fprintf(stderr, "tls: cannot make a test certificate\n");
        return 2;
    }
    int rc = wsf_cunit_run("tls", tests);
    unlink(ca_file);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}
