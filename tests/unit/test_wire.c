/* Unit tests for wsf_wire_decode (capture.c). The packets are real: pcap
 * files wsfault wrote while running scenarios against lws-echo (see
 * tests/unit/data/README.md), read back with pcap_open_offline and decoded
 * one by one against what is known to be in them. The other link types
 * (DLT_RAW, DLT_NULL) are the same packets with their Ethernet header taken
 * off or swapped; the negative cases are those packets cut short or altered
 * one byte at a time. Every frame handed to the decoder is a heap copy of
 * exactly its length, so a read past the end is a sanitizer error. */
#include "capture.h"
#include "cunit_main.h"

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WSF_TEST_DATA
#error "WSF_TEST_DATA: the folder of the fixture files (set by tests/unit/CMakeLists.txt)"
#endif

/* Flag bits capture.h does not name. */
enum { TCP_PSH = 0x08 };
enum { SYN = WSF_TCP_SYN, ACK = WSF_TCP_ACK, FIN = WSF_TCP_FIN, RST = WSF_TCP_RST, PSH = TCP_PSH };
enum { PEER = 0, TARGET = 1 };

/* Linux's AF_INET6 as a DLT_NULL header carries it (in host byte order). */
#define NULL_AF_INET 2
#define NULL_AF_INET6 10

/* ---------------------------------------------------------------------------
 * The fixtures
 * ------------------------------------------------------------------------ */

typedef struct {
    uint8_t *data;
    uint32_t caplen;
} frame;

typedef struct {
    frame *f;
    size_t n;
    int linktype;
} capture;

/* A fixture and what is known of it: the ports of its connection(s), the
 * size of the HTTP upgrade request (its Host header holds the address). */
typedef struct {
    const char *file;
    int linktype;
    uint16_t target_port;
    uint16_t peer_port;
    uint32_t request_len;
    bool ipv6;
} fixture;

/* close/clean-peer-initiated.wsf captured on "lo": Ethernet, IPv4. */
static const fixture clean_lo = {
    WSF_TEST_DATA "/wire-clean-close-lo.cap", DLT_EN10MB, 37049, 50692, 154, false};
/* The same scenario captured on "any": Linux cooked headers. */
static const fixture clean_any = {
    WSF_TEST_DATA "/wire-clean-close-any.cap", DLT_LINUX_SLL, 35513, 53390, 154, false};
/* The same scenario against lws-echo listening on ::1. */
static const fixture clean_v6 = {
    WSF_TEST_DATA "/wire-clean-close-ipv6.cap", DLT_EN10MB, 46279, 47378, 150, true};
/* rst/after-handshake.wsf on "lo": a reset connection, then a second one. */
static const fixture rst_lo = {
    WSF_TEST_DATA "/wire-rst-lo.cap", DLT_EN10MB, 37049, 50702, 154, false};
/* The second connection of rst_lo. */
#define RST_LO_SECOND_PORT 50716

static uint8_t *copy_of(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    if (c && n) memcpy(c, p, n);
    return c;
}

/* Reads every packet of a pcap file; false (with a failed assertion) when it
 * cannot be read or holds another link type than expected. */
static bool load(const char *path, int linktype, capture *cap)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    memset(cap, 0, sizeof *cap);
    pcap_t *p = pcap_open_offline(path, err);
    if (!p) {
        fprintf(stderr, "\n%s: %s\n", path, err);
        CU_FAIL("pcap_open_offline");
        return false;
    }
    cap->linktype = pcap_datalink(p);
    CU_ASSERT_EQUAL(cap->linktype, linktype);
    struct pcap_pkthdr *h;
    const u_char *bytes;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
        frame *f = realloc(cap->f, (cap->n + 1) * sizeof *f);
        if (!f) break;
        cap->f = f;
        cap->f[cap->n].data = copy_of(bytes, h->caplen);
        cap->f[cap->n].caplen = h->caplen;
        cap->n++;
        /* The whole packet: a snap length cut would change what is tested. */
        CU_ASSERT_EQUAL(h->caplen, h->len);
    }
    CU_ASSERT_EQUAL(rc, PCAP_ERROR_BREAK); /* the end of the file, not an error */
    pcap_close(p);
    return cap->linktype == linktype && cap->n > 0;
}

static void unload(capture *cap)
{
    for (size_t i = 0; i < cap->n; i++)
        free(cap->f[i].data);
    free(cap->f);
    memset(cap, 0, sizeof *cap);
}

/* Decodes a heap copy of the first len bytes of a frame, so the decoder
 * cannot read beyond len unnoticed. */
static int decode_n(const uint8_t *data, uint32_t len, int linktype, uint16_t port,
                    wsf_wire_pkt *out)
{
    uint8_t *c = copy_of(data, len);
    if (!c) return -2;
    int rc = wsf_wire_decode(c, len, linktype, port, out);
    free(c);
    return rc;
}

static int decode(const frame *f, int linktype, uint16_t port, wsf_wire_pkt *out)
{
    return decode_n(f->data, f->caplen, linktype, port, out);
}

/* The link header's length and the network header's offset per type. */
static uint32_t link_len(int linktype)
{
    return linktype == DLT_LINUX_SLL ? 16
           : linktype == DLT_EN10MB  ? 14
           : linktype == DLT_NULL    ? 4
                                     : 0;
}

/* ---------------------------------------------------------------------------
 * A clean close, packet by packet
 * ------------------------------------------------------------------------ */

typedef struct {
    int side;
    uint8_t flags;
    uint32_t len;
} want;

/* Stands for the fixture's request_len. */
#define REQUEST UINT32_MAX

/* clean-peer-initiated.wsf as lws-echo answers it: the handshake, the
 * upgrade, "hello" (11 bytes masked, 7 back), Close 1000 "bye" (11 bytes
 * masked, 7 back), then the target's FIN first and the peer's after it. */
static const want clean_close[] = {
    {PEER, SYN, 0},         {TARGET, SYN | ACK, 0},
    {PEER, ACK, 0},         {PEER, PSH | ACK, REQUEST}, /* GET / HTTP/1.1 */
    {TARGET, ACK, 0},       {TARGET, PSH | ACK, 129},   /* HTTP/1.1 101 Switching Protocols */
    {PEER, ACK, 0},         {PEER, PSH | ACK, 11},      /* text "hello", masked */
    {TARGET, PSH | ACK, 7},                             /* its echo */
    {PEER, PSH | ACK, 11},                              /* Close 1000 "bye", masked */
    {TARGET, PSH | ACK, 7},                             /* Close 1000 "bye" back */
    {TARGET, FIN | ACK, 0}, {PEER, FIN | ACK, 0},
    {TARGET, ACK, 0},
};
#define N_CLEAN (sizeof clean_close / sizeof *clean_close)

static void check_clean_close(const fixture *fx)
{
    capture cap;
    wsf_wire_pkt p[N_CLEAN];
    if (!load(fx->file, fx->linktype, &cap)) goto end;
    REQUIRE(cap.n == N_CLEAN);
    for (size_t i = 0; i < N_CLEAN; i++) {
        const want *w = &clean_close[i];
        uint32_t len = w->len == REQUEST ? fx->request_len : w->len;
        memset(&p[i], 0xa5, sizeof p[i]);
        REQUIRE(decode(&cap.f[i], fx->linktype, fx->target_port, &p[i]) == 0);
        if (p[i].flags != w->flags || p[i].from_target != (w->side == TARGET) ||
            p[i].payload_len != len)
            fprintf(stderr, "\n%s packet %zu: flags 0x%02x from_target %d len %u\n", fx->file,
                    i + 1, p[i].flags, p[i].from_target, p[i].payload_len);
        CU_ASSERT_EQUAL(p[i].flags, w->flags);
        CU_ASSERT_EQUAL(p[i].from_target, w->side == TARGET);
        CU_ASSERT_EQUAL(p[i].payload_len, len);
        /* The ports, the right way round for the direction. */
        CU_ASSERT_EQUAL(p[i].sport, w->side == TARGET ? fx->target_port : fx->peer_port);
        CU_ASSERT_EQUAL(p[i].dport, w->side == TARGET ? fx->peer_port : fx->target_port);
    }

    /* The handshake: SYN, SYN+ACK, ACK, with nothing else set. */
    CU_ASSERT_EQUAL(p[0].flags, SYN);
    CU_ASSERT_EQUAL(p[1].flags, SYN | ACK);
    CU_ASSERT_EQUAL(p[2].flags, ACK);
    /* A SYN's window is not scaled: lo's MSS-sized 65495 (65476 on IPv6).
     * Later windows are as sent, before scaling (64 << 10). */
    CU_ASSERT_EQUAL(p[0].window, fx->ipv6 ? 65476 : 65495);
    CU_ASSERT_EQUAL(p[2].window, 64);

    /* Sequence numbers: the SYN takes one, then every byte sent. */
    uint32_t peer_isn = p[0].seq, target_isn = p[1].seq;
    CU_ASSERT_EQUAL(p[2].seq, peer_isn + 1);
    CU_ASSERT_EQUAL(p[3].seq, peer_isn + 1);
    CU_ASSERT_EQUAL(p[5].seq, target_isn + 1);
    CU_ASSERT_EQUAL(p[9].seq, peer_isn + 1 + fx->request_len + 11);
    CU_ASSERT_EQUAL(p[11].seq, target_isn + 1 + 129 + 7 + 7);
    CU_ASSERT_EQUAL(p[12].seq, peer_isn + 1 + fx->request_len + 11 + 11);
    CU_ASSERT_EQUAL(p[13].seq, target_isn + 1 + 129 + 7 + 7 + 1);

    /* FIN order: the target's is the first FIN of all, the peer's follows
     * it, and nobody resets. */
    size_t first_fin = N_CLEAN, fins = 0;
    for (size_t i = 0; i < N_CLEAN; i++) {
        if (p[i].flags & FIN) {
            if (first_fin == N_CLEAN) first_fin = i;
            fins++;
        }
        CU_ASSERT_FALSE(p[i].flags & RST);
    }
    CU_ASSERT_EQUAL(fins, 2);
    REQUIRE(first_fin < N_CLEAN);
    CU_ASSERT_TRUE(p[first_fin].from_target);
    CU_ASSERT_FALSE(p[12].from_target);
end:
    unload(&cap);
}

static void test_clean_close_lo(void)
{
    check_clean_close(&clean_lo);
}

static void test_clean_close_any(void)
{
    check_clean_close(&clean_any);
}

static void test_clean_close_ipv6(void)
{
    check_clean_close(&clean_v6);
}

/* The same packets whichever way they were captured: the "any" and IPv6
 * fixtures give the lo fixture's flags, directions and lengths (their own
 * ports and sequence numbers aside). */
static void test_captures_agree(void)
{
    const fixture *others[] = {&clean_any, &clean_v6};
    capture lo, o = {0};
    if (!load(clean_lo.file, clean_lo.linktype, &lo)) goto end;
    for (size_t k = 0; k < sizeof others / sizeof *others; k++) {
        const fixture *fx = others[k];
        if (!load(fx->file, fx->linktype, &o)) goto end;
        REQUIRE(o.n == lo.n);
        for (size_t i = 0; i < lo.n; i++) {
            wsf_wire_pkt a, b;
            REQUIRE(decode(&lo.f[i], lo.linktype, clean_lo.target_port, &a) == 0);
            REQUIRE(decode(&o.f[i], o.linktype, fx->target_port, &b) == 0);
            CU_ASSERT_EQUAL(a.flags, b.flags);
            CU_ASSERT_EQUAL(a.from_target, b.from_target);
            CU_ASSERT_EQUAL(a.sport == clean_lo.target_port, b.sport == fx->target_port);
            /* Windows past the handshake (IPv6's MSS makes its SYNs' smaller). */
            if (!(a.flags & SYN)) CU_ASSERT_EQUAL(a.window, b.window);
            if (i == 3) { /* the request: its Host header differs */
                CU_ASSERT_EQUAL(a.payload_len, clean_lo.request_len);
                CU_ASSERT_EQUAL(b.payload_len, fx->request_len);
            } else {
                CU_ASSERT_EQUAL(a.payload_len, b.payload_len);
            }
        }
        unload(&o);
    }
end:
    unload(&o);
    unload(&lo);
}

/* ---------------------------------------------------------------------------
 * A reset
 * ------------------------------------------------------------------------ */

/* rst/after-handshake.wsf: one connection reset by the peer right after the
 * upgrade (SO_LINGER 0), a second one that echoes and ends with the peer's
 * close. Exactly one RST in all, the peer's, on the first connection. */
static void test_rst_lo(void)
{
    capture cap;
    if (!load(rst_lo.file, rst_lo.linktype, &cap)) goto end;
    REQUIRE(cap.n == 20);
    wsf_wire_pkt p[20];
    size_t rsts = 0, rst_at = 0, syns = 0;
    for (size_t i = 0; i < cap.n; i++) {
        REQUIRE(decode(&cap.f[i], rst_lo.linktype, rst_lo.target_port, &p[i]) == 0);
        uint16_t port = p[i].from_target ? p[i].dport : p[i].sport;
        CU_ASSERT(port == rst_lo.peer_port || port == RST_LO_SECOND_PORT);
        CU_ASSERT_EQUAL(p[i].from_target ? p[i].sport : p[i].dport, rst_lo.target_port);
        if (p[i].flags & RST) {
            rsts++;
            rst_at = i;
        }
        if (p[i].flags == SYN) syns++;
    }
    CU_ASSERT_EQUAL(syns, 2);
    REQUIRE(rsts == 1);
    /* The 8th packet: after the upgrade and the peer's ACK of it. */
    CU_ASSERT_EQUAL(rst_at, 7);
    const wsf_wire_pkt *r = &p[rst_at];
    CU_ASSERT_FALSE(r->from_target);
    CU_ASSERT_EQUAL(r->sport, rst_lo.peer_port);
    CU_ASSERT_EQUAL(r->dport, rst_lo.target_port);
    CU_ASSERT_EQUAL(r->flags, RST | ACK);
    CU_ASSERT_EQUAL(r->payload_len, 0);
    /* At the next byte the peer would have sent. */
    CU_ASSERT_EQUAL(r->seq, p[0].seq + 1 + rst_lo.request_len);
    /* Before it, the handshake and the upgrade. */
    CU_ASSERT_EQUAL(p[0].flags, SYN);
    CU_ASSERT_EQUAL(p[1].flags, SYN | ACK);
    CU_ASSERT_EQUAL(p[2].flags, ACK);
    CU_ASSERT_EQUAL(p[3].payload_len, rst_lo.request_len);
    CU_ASSERT_EQUAL(p[5].payload_len, 129);
    CU_ASSERT_TRUE(p[5].from_target);

    /* The second connection from another port: its handshake, the text
     * "still there?" (18 bytes masked, 14 back), then the end of the
     * scenario: the peer's FIN first this time, the target's after. */
    CU_ASSERT_EQUAL(p[8].flags, SYN);
    CU_ASSERT_EQUAL(p[8].sport, RST_LO_SECOND_PORT);
    CU_ASSERT_EQUAL(p[9].flags, SYN | ACK);
    CU_ASSERT_EQUAL(p[9].dport, RST_LO_SECOND_PORT);
    CU_ASSERT_EQUAL(p[15].payload_len, 18);
    CU_ASSERT_FALSE(p[15].from_target);
    CU_ASSERT_EQUAL(p[16].payload_len, 14);
    CU_ASSERT_TRUE(p[16].from_target);
    CU_ASSERT_EQUAL(p[17].flags, FIN | ACK);
    CU_ASSERT_FALSE(p[17].from_target);
    CU_ASSERT_EQUAL(p[18].flags, FIN | ACK);
    CU_ASSERT_TRUE(p[18].from_target);
    CU_ASSERT_EQUAL(p[19].flags, ACK);
end:
    unload(&cap);
}

/* ---------------------------------------------------------------------------
 * DLT_RAW and DLT_NULL: the lo packets without Ethernet, or with BSD's
 * loopback header instead
 * ------------------------------------------------------------------------ */

static void same_pkt(const wsf_wire_pkt *a, const wsf_wire_pkt *b)
{
    CU_ASSERT_EQUAL(a->from_target, b->from_target);
    CU_ASSERT_EQUAL(a->sport, b->sport);
    CU_ASSERT_EQUAL(a->dport, b->dport);
    CU_ASSERT_EQUAL(a->flags, b->flags);
    CU_ASSERT_EQUAL(a->seq, b->seq);
    CU_ASSERT_EQUAL(a->window, b->window);
    CU_ASSERT_EQUAL(a->payload_len, b->payload_len);
}

static void rewrap(const fixture *fx, uint8_t af)
{
    capture cap;
    if (!load(fx->file, fx->linktype, &cap)) goto end;
    for (size_t i = 0; i < cap.n; i++) {
        const frame *f = &cap.f[i];
        wsf_wire_pkt eth, raw, null_le, null_be;
        REQUIRE(f->caplen > 14);
        REQUIRE(decode(f, DLT_EN10MB, fx->target_port, &eth) == 0);
        /* DLT_RAW: the IP packet alone. */
        REQUIRE(decode_n(f->data + 14, f->caplen - 14, DLT_RAW, fx->target_port, &raw) == 0);
        same_pkt(&eth, &raw);
        /* DLT_NULL: a 4-byte address family in the writer's byte order. */
        uint8_t *n = malloc(f->caplen - 14 + 4);
        REQUIRE(n);
        memcpy(n + 4, f->data + 14, f->caplen - 14);
        memcpy(n, (uint8_t[]){af, 0, 0, 0}, 4);
        int rc_le = decode_n(n, f->caplen - 14 + 4, DLT_NULL, fx->target_port, &null_le);
        memcpy(n, (uint8_t[]){0, 0, 0, af}, 4);
        int rc_be = decode_n(n, f->caplen - 14 + 4, DLT_NULL, fx->target_port, &null_be);
        free(n);
        REQUIRE(rc_le == 0);
        REQUIRE(rc_be == 0);
        same_pkt(&eth, &null_le);
        same_pkt(&eth, &null_be);
    }
end:
    unload(&cap);
}

static void test_raw_and_null_ipv4(void)
{
    rewrap(&clean_lo, NULL_AF_INET);
    rewrap(&rst_lo, NULL_AF_INET);
}

static void test_raw_and_null_ipv6(void)
{
    rewrap(&clean_v6, NULL_AF_INET6);
}

/* ---------------------------------------------------------------------------
 * What is not decoded
 * ------------------------------------------------------------------------ */

/* Every length short of the link, IP and fixed TCP headers is refused; the
 * full headers alone are enough, and give the lengths the IP header says (a
 * snap length may cut the payload, not what it was). */
static void truncations(const uint8_t *data, uint32_t caplen, int linktype, uint32_t header,
                        uint16_t port, const char *what)
{
    wsf_wire_pkt full, p;
    CU_ASSERT(caplen >= header);
    if (caplen < header) return;
    int rc_full = decode_n(data, caplen, linktype, port, &full);
    CU_ASSERT_EQUAL(rc_full, 0);
    if (rc_full != 0) return;
    for (uint32_t len = 0; len < header; len++) {
        int rc = decode_n(data, len, linktype, port, &p);
        if (rc != -1) fprintf(stderr, "\n%s cut to %u bytes: %d\n", what, len, rc);
        CU_ASSERT_EQUAL(rc, -1);
    }
    CU_ASSERT_EQUAL(decode_n(data, header, linktype, port, &p), 0);
    same_pkt(&full, &p);
}

static void test_truncated(void)
{
    const fixture *fxs[] = {&clean_lo, &clean_any, &clean_v6};
    capture cap = {0};
    for (size_t k = 0; k < sizeof fxs / sizeof *fxs; k++) {
        const fixture *fx = fxs[k];
        if (!load(fx->file, fx->linktype, &cap)) goto end;
        uint32_t l = link_len(fx->linktype);
        uint32_t ip = fx->ipv6 ? 40 : 20;
        /* Every packet: the SYN with its options, the data, the FINs. */
        for (size_t i = 0; i < cap.n; i++) {
            const frame *f = &cap.f[i];
            if (!fx->ipv6) REQUIRE((f->data[l] & 0x0f) == 5); /* no IP options here */
            truncations(f->data, f->caplen, fx->linktype, l + ip + 20, fx->target_port, fx->file);
            /* And without the link header. */
            truncations(f->data + l, f->caplen - l, DLT_RAW, ip + 20, fx->target_port, "raw");
        }
        unload(&cap);
    }
end:
    unload(&cap);
}

/* Changes one byte of a copy and decodes it. */
static int decode_altered(const frame *f, int linktype, uint16_t port, uint32_t at, uint8_t value)
{
    wsf_wire_pkt p;
    uint8_t *c = copy_of(f->data, f->caplen);
    if (!c) return -2;
    c[at] = value;
    int rc = wsf_wire_decode(c, f->caplen, linktype, port, &p);
    free(c);
    return rc;
}

static void test_not_tcp(void)
{
    capture v4, v6 = {0}, sll = {0};
    if (!load(clean_lo.file, clean_lo.linktype, &v4)) goto end;
    if (!load(clean_v6.file, clean_v6.linktype, &v6)) goto end;
    if (!load(clean_any.file, clean_any.linktype, &sll)) goto end;
    const frame *data4 = &v4.f[3], *data6 = &v6.f[3], *datas = &sll.f[3];
    uint16_t port4 = clean_lo.target_port, port6 = clean_v6.target_port;

    /* Still the target's ports, but UDP: IPv4's protocol, IPv6's next
     * header (17). */
    CU_ASSERT_EQUAL(decode_altered(data4, DLT_EN10MB, port4, 14 + 9, 17), -1);
    CU_ASSERT_EQUAL(decode_altered(data6, DLT_EN10MB, port6, 14 + 6, 17), -1);
    CU_ASSERT_EQUAL(decode_altered(datas, DLT_LINUX_SLL, clean_any.target_port, 16 + 9, 17), -1);
    /* ICMP. */
    CU_ASSERT_EQUAL(decode_altered(data4, DLT_EN10MB, port4, 14 + 9, 1), -1);
    /* An IPv6 extension header (hop-by-hop) before TCP is not followed. */
    CU_ASSERT_EQUAL(decode_altered(data6, DLT_EN10MB, port6, 14 + 6, 0), -1);
    /* Not IP at all: ARP's ethertype, in Ethernet and in SLL. */
    CU_ASSERT_EQUAL(decode_altered(data4, DLT_EN10MB, port4, 13, 0x06), -1);
    CU_ASSERT_EQUAL(decode_altered(datas, DLT_LINUX_SLL, clean_any.target_port, 15, 0x06), -1);
    /* An ethertype that does not match the IP version behind it. */
    CU_ASSERT_EQUAL(decode_altered(data4, DLT_EN10MB, port4, 14, 0x65), -1);
    CU_ASSERT_EQUAL(decode_altered(data6, DLT_EN10MB, port6, 14, 0x45), -1);
    /* Header lengths below their minimum: IPv4's IHL, TCP's data offset. */
    CU_ASSERT_EQUAL(decode_altered(data4, DLT_EN10MB, port4, 14, 0x44), -1);
    CU_ASSERT_EQUAL(decode_altered(data4, DLT_EN10MB, port4, 14 + 20 + 12, 0x40), -1);
    CU_ASSERT_EQUAL(decode_altered(data6, DLT_EN10MB, port6, 14 + 40 + 12, 0x40), -1);
    /* A data offset beyond the segment: IPv4 and IPv6 (the SYN is 40
     * bytes of TCP, with no payload). */
    CU_ASSERT_EQUAL(decode_altered(&v4.f[0], DLT_EN10MB, port4, 14 + 20 + 12, 0xf0), -1);
    CU_ASSERT_EQUAL(decode_altered(&v6.f[0], DLT_EN10MB, port6, 14 + 40 + 12, 0xf0), -1);
    /* An IPv4 total length below its own header (0 is what offloaded
     * segments show): no payload length can be trusted. */
    uint8_t *z = copy_of(data4->data, data4->caplen);
    wsf_wire_pkt zp;
    if (z) {
        z[14 + 2] = 0;
        z[14 + 3] = 0;
        CU_ASSERT_EQUAL(wsf_wire_decode(z, data4->caplen, DLT_EN10MB, port4, &zp), -1);
        z[14 + 3] = 10;
        CU_ASSERT_EQUAL(wsf_wire_decode(z, data4->caplen, DLT_EN10MB, port4, &zp), -1);
        free(z);
    }
    /* A later IPv4 fragment has no TCP header where one would be. */
    CU_ASSERT_EQUAL(decode_altered(data4, DLT_EN10MB, port4, 14 + 7, 0x10), -1);
end:
    unload(&sll);
    unload(&v6);
    unload(&v4);
}

/* A packet that does not touch the target's port is someone else's. */
static void test_other_port(void)
{
    const fixture *fxs[] = {&clean_lo, &clean_any, &clean_v6, &rst_lo};
    capture cap = {0};
    for (size_t k = 0; k < sizeof fxs / sizeof *fxs; k++) {
        const fixture *fx = fxs[k];
        if (!load(fx->file, fx->linktype, &cap)) goto end;
        for (size_t i = 0; i < cap.n; i++) {
            wsf_wire_pkt p, q;
            CU_ASSERT_EQUAL(decode(&cap.f[i], fx->linktype, 80, &p), -1);
            CU_ASSERT_EQUAL(decode(&cap.f[i], fx->linktype, fx->target_port + 1, &p), -1);
            CU_ASSERT_EQUAL(decode(&cap.f[i], fx->linktype, 0, &p), -1);
            /* The direction comes from the port alone: take the peer's for
             * the target's and every packet turns round. */
            REQUIRE(decode(&cap.f[i], fx->linktype, fx->target_port, &p) == 0);
            uint16_t peer = p.from_target ? p.dport : p.sport;
            REQUIRE(decode(&cap.f[i], fx->linktype, peer, &q) == 0);
            CU_ASSERT_EQUAL(q.from_target, !p.from_target);
            CU_ASSERT_EQUAL(q.flags, p.flags);
            CU_ASSERT_EQUAL(q.payload_len, p.payload_len);
        }
        unload(&cap);
    }
end:
    unload(&cap);
}

static void test_unknown_linktype(void)
{
    capture cap;
    if (!load(clean_lo.file, clean_lo.linktype, &cap)) goto end;
    const int unknown[] = {DLT_PPP, DLT_IEEE802_11, DLT_LINUX_SLL2, DLT_IPV4, -1, 12345};
    for (size_t i = 0; i < cap.n; i++) {
        for (size_t k = 0; k < sizeof unknown / sizeof *unknown; k++) {
            wsf_wire_pkt p;
            CU_ASSERT_EQUAL(decode(&cap.f[i], unknown[k], clean_lo.target_port, &p), -1);
        }
    }
    /* And the Ethernet frame read as a Linux cooked one: its ethertype
     * field is then two bytes of the IP header. */
    wsf_wire_pkt p;
    CU_ASSERT_EQUAL(decode(&cap.f[0], DLT_LINUX_SLL, clean_lo.target_port, &p), -1);
end:
    unload(&cap);
}

/* The facts of one connection come from its own flows: another
 * connection's RST, or its FIN, is not this one's. */
static void test_facts_of_ports(void)
{
    static wsf_wire_facts w; /* large: not on the stack */
    wsf_wire_facts_init(&w);
    struct wsf_flow flows[] = {
        {.port = 1000,
         .from_target = false,
         .seen = true,
         .first_fin_t = -1,
         .first_rst_t = 50,
         .first_zero_window_t = -1,
         .packets = 4},
        {.port = 1000,
         .from_target = true,
         .seen = true,
         .first_fin_t = -1,
         .first_rst_t = -1,
         .first_zero_window_t = -1,
         .packets = 3},
        {.port = 2000,
         .from_target = true,
         .seen = true,
         .first_fin_t = 70,
         .first_rst_t = -1,
         .first_zero_window_t = 20,
         .retransmissions = 2,
         .packets = 5},
        {.port = 2001,
         .from_target = true,
         .seen = true,
         .first_fin_t = 60,
         .first_rst_t = -1,
         .first_zero_window_t = -1,
         .packets = 1},
    };
    memcpy(w.flows, flows, sizeof flows);
    static wsf_wire_facts out;
    const uint16_t a[] = {1000};
    wsf_wire_facts_of_ports(&w, a, 1, &out);
    CU_ASSERT_EQUAL(out.first_rst_t[0], 50);
    CU_ASSERT_EQUAL(out.first_fin_t[1], -1);
    CU_ASSERT_EQUAL(out.first_zero_window_t, -1);
    CU_ASSERT_EQUAL(out.packets, 7);
    /* A connection that reconnected has two ports: the earliest fact wins. */
    const uint16_t b[] = {2000, 2001};
    wsf_wire_facts_of_ports(&w, b, 2, &out);
    CU_ASSERT_EQUAL(out.first_rst_t[0], -1);
    CU_ASSERT_EQUAL(out.first_fin_t[1], 60);
    CU_ASSERT_EQUAL(out.first_zero_window_t, 20);
    CU_ASSERT_EQUAL(out.retransmissions[1], 2);
    CU_ASSERT_EQUAL(out.packets, 6);
    const uint16_t none[] = {3000};
    wsf_wire_facts_of_ports(&w, none, 1, &out);
    CU_ASSERT_EQUAL(out.packets, 0);
    CU_ASSERT_EQUAL(out.first_fin_t[1], -1);
}

/* ---------------------------------------------------------------------------
 * An RST alone
 * ------------------------------------------------------------------------ */

/* A reset with no ACK bit, as a target sends to a segment of a connection it
 * no longer has: IPv4 in DLT_RAW, 40 bytes, target port 9000 to 40000. */
static void test_rst_only(void)
{
    uint8_t f[40] = {0};
    f[0] = 0x45;       /* IPv4, IHL 5 */
    f[3] = 40;         /* total length */
    f[8] = 64;         /* TTL */
    f[9] = 6;          /* TCP */
    f[20] = 9000 >> 8; /* source port: the target's */
    f[21] = 9000 & 0xff;
    f[22] = 40000 >> 8;
    f[23] = 40000 & 0xff;
    f[24] = 0x12; /* sequence 0x12345678 */
    f[25] = 0x34;
    f[26] = 0x56;
    f[27] = 0x78;
    f[32] = 5 << 4; /* data offset 5 words */
    f[33] = RST;    /* RST and nothing else; window 0 */
    wsf_wire_pkt p;
    REQUIRE(decode_n(f, sizeof f, DLT_RAW, 9000, &p) == 0);
    CU_ASSERT_EQUAL(p.flags, RST);
    CU_ASSERT_FALSE(p.flags & ACK);
    CU_ASSERT_TRUE(p.from_target);
    CU_ASSERT_EQUAL(p.sport, 9000);
    CU_ASSERT_EQUAL(p.dport, 40000);
    CU_ASSERT_EQUAL(p.seq, 0x12345678u);
    CU_ASSERT_EQUAL(p.window, 0);
    CU_ASSERT_EQUAL(p.payload_len, 0);
    /* Seen from the peer's port, the same packet is the peer's. */
    REQUIRE(decode_n(f, sizeof f, DLT_RAW, 40000, &p) == 0);
    CU_ASSERT_FALSE(p.from_target);
    /* Not the target's port at all: refused. */
    CU_ASSERT_EQUAL(decode_n(f, sizeof f, DLT_RAW, 9001, &p), -1);
end:;
}

/* A connection has ended when either side reset it (an RST alone is
 * enough), or when both sides sent a FIN; one FIN is a half-close. */
static void test_all_ended(void)
{
    static wsf_wire_facts w; /* large: not on the stack */
    wsf_wire_facts_init(&w);
    CU_ASSERT_TRUE(wsf_wire_facts_all_ended(&w)); /* nothing seen */
    struct wsf_flow rst = {.port = 1000,
                           .from_target = true,
                           .seen = true,
                           .first_fin_t = -1,
                           .first_rst_t = 5,
                           .first_zero_window_t = -1,
                           .packets = 1};
    w.flows[0] = rst;
    CU_ASSERT_TRUE(wsf_wire_facts_all_ended(&w));
    /* The peer's side of the same connection, reset by the target. */
    struct wsf_flow peer = rst;
    peer.from_target = false;
    peer.first_rst_t = -1;
    w.flows[1] = peer;
    CU_ASSERT_TRUE(wsf_wire_facts_all_ended(&w));
    /* A second connection with one FIN only: not ended. */
    struct wsf_flow fin = {.port = 2000,
                           .from_target = false,
                           .seen = true,
                           .first_fin_t = 7,
                           .first_rst_t = -1,
                           .first_zero_window_t = -1,
                           .packets = 1};
    w.flows[2] = fin;
    CU_ASSERT_FALSE(wsf_wire_facts_all_ended(&w));
    struct wsf_flow fin_back = fin;
    fin_back.from_target = true;
    fin_back.first_fin_t = 9;
    w.flows[3] = fin_back;
    CU_ASSERT_TRUE(wsf_wire_facts_all_ended(&w));
    /* A FIN back without a FIN from this side: not ended either. */
    w.flows[2].first_fin_t = -1;
    CU_ASSERT_FALSE(wsf_wire_facts_all_ended(&w));
}

static CU_TestInfo tests[] = {
    {"facts of one connection's ports", test_facts_of_ports},
    {"a clean close on lo: handshake, lengths, FIN order", test_clean_close_lo},
    {"a clean close on any (Linux cooked)", test_clean_close_any},
    {"a clean close over IPv6", test_clean_close_ipv6},
    {"lo, any and IPv6 captures decode alike", test_captures_agree},
    {"rst after the handshake: one RST, the peer's", test_rst_lo},
    {"DLT_RAW and DLT_NULL, IPv4", test_raw_and_null_ipv4},
    {"DLT_RAW and DLT_NULL, IPv6", test_raw_and_null_ipv6},
    {"truncated frames at every length are refused", test_truncated},
    {"not TCP, or not well-formed: refused", test_not_tcp},
    {"a port that is not the target's: refused", test_other_port},
    {"unknown link types: refused", test_unknown_linktype},
    {"an RST alone, without ACK", test_rst_only},
    {"a connection ends with an RST or a FIN each way", test_all_ended},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("wire", tests)
