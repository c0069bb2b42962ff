/* Unit tests for frame.c, anchored on the examples of RFC 6455 section 5.7. */
#include "cunit_main.h"
#include "frame.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t rfc_key[4] = {0x37, 0xfa, 0x21, 0x3d};

static wsf_frame_hdr hdr(int opcode, bool fin)
{
    wsf_frame_hdr h;

    memset(&h, 0, sizeof(h));
    h.opcode = opcode;
    h.fin = fin;
    return h;
}

static wsf_frame_hdr masked_hdr(int opcode, bool fin, const uint8_t key[4])
{
    wsf_frame_hdr h = hdr(opcode, fin);

    h.masked = true;
    memcpy(h.mask, key, 4);
    return h;
}

/* Compares an encoding with the bytes expected, and says where they differ. */
static void check_bytes(const wsf_buf *b, const uint8_t *want, size_t n)
{
    CU_ASSERT_EQUAL(b->len, n);
    if (b->len != n) return;
    CU_ASSERT(memcmp(b->data, want, n) == 0);
    for (size_t i = 0; i < n; i++) {
        if (b->data[i] != want[i]) {
            fprintf(stderr, "  byte %zu: 0x%02x, want 0x%02x\n", i, b->data[i], want[i]);
            break;
        }
    }
}

static uint8_t *pattern(size_t n)
{
    uint8_t *p = wsf_xmalloc(n);

    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + 7);
    return p;
}

static void test_rfc_examples(void)
{
    static const uint8_t hello_plain[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    static const uint8_t hello_masked[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                           0x7f, 0x9f, 0x4d, 0x51, 0x58};
    static const uint8_t hello_split[] = {0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f};
    static const uint8_t ping[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    static const uint8_t pong_masked[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                          0x7f, 0x9f, 0x4d, 0x51, 0x58};
    const uint8_t *hello = (const uint8_t *)"Hello";
    wsf_frame_hdr h;
    wsf_buf b;

    wsf_buf_init(&b);

    h = hdr(WSF_OP_TEXT, true);
    wsf_frame_encode(&b, &h, hello, 5);
    check_bytes(&b, hello_plain, sizeof(hello_plain));

    wsf_buf_reset(&b);
    h = masked_hdr(WSF_OP_TEXT, true, rfc_key);
    wsf_frame_encode(&b, &h, hello, 5);
    check_bytes(&b, hello_masked, sizeof(hello_masked));

    wsf_buf_reset(&b);
    h = hdr(WSF_OP_TEXT, true);
    wsf_frame_encode_fragmented(&b, &h, hello, 5, 2);
    check_bytes(&b, hello_split, sizeof(hello_split));

    wsf_buf_reset(&b);
    h = hdr(WSF_OP_PING, true);
    wsf_frame_encode(&b, &h, hello, 5);
    check_bytes(&b, ping, sizeof(ping));

    wsf_buf_reset(&b);
    h = masked_hdr(WSF_OP_PONG, true, rfc_key);
    wsf_frame_encode(&b, &h, hello, 5);
    check_bytes(&b, pong_masked, sizeof(pong_masked));

    /* 256 bytes and 64 KiB of binary data in a single unmasked frame. */
    static const uint8_t head256[] = {0x82, 0x7E, 0x01, 0x00};
    static const uint8_t head64k[] = {0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00};
    uint8_t *data = pattern(65536);

    wsf_buf_reset(&b);
    h = hdr(WSF_OP_BINARY, true);
    wsf_frame_encode(&b, &h, data, 256);
    CU_ASSERT_EQUAL(b.len, 4 + 256);
    CU_ASSERT(memcmp(b.data, head256, 4) == 0);
    CU_ASSERT(memcmp(b.data + 4, data, 256) == 0);

    wsf_buf_reset(&b);
    wsf_frame_encode(&b, &h, data, 65536);
    CU_ASSERT_EQUAL(b.len, 10 + 65536);
    CU_ASSERT(memcmp(b.data, head64k, 10) == 0);
    CU_ASSERT(memcmp(b.data + 10, data, 65536) == 0);

    free(data);
    wsf_buf_free(&b);
}

static void test_decode_rfc_masked(void)
{
    uint8_t frame[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    wsf_frame f;

    CU_ASSERT_EQUAL_FATAL(wsf_frame_decode(frame, sizeof(frame), 1024, &f), WSF_DECODE_OK);
    CU_ASSERT_EQUAL(f.hdr.opcode, WSF_OP_TEXT);
    CU_ASSERT(f.hdr.fin);
    CU_ASSERT_EQUAL(f.hdr.rsv, 0);
    CU_ASSERT(f.hdr.masked);
    CU_ASSERT(memcmp(f.hdr.mask, rfc_key, 4) == 0);
    CU_ASSERT_EQUAL(f.len, 5);
    CU_ASSERT_EQUAL(f.frame_len, sizeof(frame));
    CU_ASSERT(memcmp(f.payload, "Hello", 5) == 0);
    /* Unmasked in place: the payload is inside the caller's buffer. */
    CU_ASSERT_PTR_EQUAL(f.payload, frame + 6);
    CU_ASSERT(memcmp(frame + 6, "Hello", 5) == 0);
}

/* Encodes len bytes, checks the length field chosen, and decodes it back. */
static void round_trip(size_t len, bool masked)
{
    uint8_t *data = pattern(len ? len : 1);
    wsf_frame_hdr h = masked ? masked_hdr(WSF_OP_BINARY, true, rfc_key) : hdr(WSF_OP_BINARY, true);
    size_t hlen = (len <= 125 ? 2 : len <= 65535 ? 4 : 10) + (masked ? 4 : 0);
    wsf_frame f;
    wsf_buf b;

    wsf_buf_init(&b);
    wsf_frame_encode(&b, &h, data, len);
    CU_ASSERT_EQUAL_FATAL(b.len, hlen + len);
    CU_ASSERT_EQUAL(b.data[0], 0x82);
    CU_ASSERT_EQUAL(b.data[1] & 0x80, masked ? 0x80 : 0);
    if (len <= 125) {
        CU_ASSERT_EQUAL(b.data[1] & 0x7F, len);
    } else if (len <= 65535) {
        CU_ASSERT_EQUAL(b.data[1] & 0x7F, 126);
        CU_ASSERT_EQUAL(b.data[2], len >> 8);
        CU_ASSERT_EQUAL(b.data[3], len & 0xFF);
    } else {
        uint64_t l = 0;

        CU_ASSERT_EQUAL(b.data[1] & 0x7F, 127);
        for (int i = 2; i < 10; i++)
            l = l << 8 | b.data[i];
        CU_ASSERT_EQUAL(l, len);
    }

    CU_ASSERT_EQUAL_FATAL(wsf_frame_decode(b.data, b.len, 1 << 20, &f), WSF_DECODE_OK);
    CU_ASSERT_EQUAL(f.hdr.opcode, WSF_OP_BINARY);
    CU_ASSERT(f.hdr.fin);
    CU_ASSERT_EQUAL(f.hdr.masked, masked);
    CU_ASSERT_EQUAL(f.len, len);
    CU_ASSERT_EQUAL(f.frame_len, hlen + len);
    CU_ASSERT(len == 0 || memcmp(f.payload, data, len) == 0);
    CU_ASSERT_EQUAL(f.close_code, -1);

    wsf_buf_free(&b);
    free(data);
}

static void test_lengths(void)
{
    static const size_t lens[] = {0, 1, 125, 126, 127, 65535, 65536, 100000};

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        round_trip(lens[i], false);
        round_trip(lens[i], true);
    }
}

static void test_masking(void)
{
    static const uint8_t key[4] = {0xde, 0xad, 0xbe, 0xef};
    uint8_t *data = pattern(1000);
    wsf_frame_hdr h = masked_hdr(WSF_OP_BINARY, true, key);
    wsf_frame f;
    wsf_buf b;
    size_t i, bad = 0;

    wsf_buf_init(&b);
    wsf_frame_encode(&b, &h, data, 1000);
    CU_ASSERT_EQUAL_FATAL(b.len, 4 + 4 + 1000);
    CU_ASSERT(memcmp(b.data + 4, key, 4) == 0);
    for (i = 0; i < 1000; i++)
        if (b.data[8 + i] != (data[i] ^ key[i % 4])) bad++;
    CU_ASSERT_EQUAL(bad, 0);

    CU_ASSERT_EQUAL_FATAL(wsf_frame_decode(b.data, b.len, 1000, &f), WSF_DECODE_OK);
    CU_ASSERT(memcmp(f.payload, data, 1000) == 0);

    /* The caller's payload is not masked along with the copy. */
    uint8_t *fresh = pattern(1000);
    CU_ASSERT(memcmp(data, fresh, 1000) == 0);
    free(fresh);

    wsf_buf_free(&b);
    free(data);
}

static void test_random_mask(void)
{
    uint8_t a[4], b[4];

    /* Equal keys twice in a row would happen once in 2^32 runs. */
    wsf_random_mask(a);
    wsf_random_mask(b);
    CU_ASSERT(memcmp(a, b, 4) != 0);
}

/* Decodes every frame in b, recording up to max of them. */
static size_t decode_all(wsf_buf *b, wsf_frame *frames, size_t max)
{
    size_t off = 0, n = 0;

    while (off < b->len && n < max) {
        if (wsf_frame_decode(b->data + off, b->len - off, 1 << 20, &frames[n]) != WSF_DECODE_OK)
            break;
        off += frames[n].frame_len;
        n++;
    }
    CU_ASSERT_EQUAL(off, b->len);
    return n;
}

static void test_fragmentation(void)
{
    const uint8_t *msg = (const uint8_t *)"0123456789";
    wsf_frame_hdr h = hdr(WSF_OP_TEXT, true);
    wsf_frame f[8];
    wsf_buf b;

    wsf_buf_init(&b);

    /* 10 bytes in 3 frames: 4 + 3 + 3, only the last with FIN. */
    h.rsv = 4;
    wsf_frame_encode_fragmented(&b, &h, msg, 10, 3);
    CU_ASSERT_EQUAL_FATAL(decode_all(&b, f, 8), 3);
    CU_ASSERT_EQUAL(f[0].hdr.opcode, WSF_OP_TEXT);
    CU_ASSERT_EQUAL(f[1].hdr.opcode, WSF_OP_CONT);
    CU_ASSERT_EQUAL(f[2].hdr.opcode, WSF_OP_CONT);
    CU_ASSERT(!f[0].hdr.fin && !f[1].hdr.fin && f[2].hdr.fin);
    CU_ASSERT_EQUAL(f[0].len, 4);
    CU_ASSERT_EQUAL(f[1].len, 3);
    CU_ASSERT_EQUAL(f[2].len, 3);
    CU_ASSERT(memcmp(f[0].payload, "0123", 4) == 0);
    CU_ASSERT(memcmp(f[1].payload, "456", 3) == 0);
    CU_ASSERT(memcmp(f[2].payload, "789", 3) == 0);
    /* RSV bits belong to the message, so only its first frame has them. */
    CU_ASSERT_EQUAL(f[0].hdr.rsv, 4);
    CU_ASSERT_EQUAL(f[1].hdr.rsv, 0);
    CU_ASSERT_EQUAL(f[2].hdr.rsv, 0);

    /* More frames than bytes: the tail frames are empty. */
    wsf_buf_reset(&b);
    h = hdr(WSF_OP_BINARY, true);
    wsf_frame_encode_fragmented(&b, &h, msg, 2, 5);
    CU_ASSERT_EQUAL_FATAL(decode_all(&b, f, 8), 5);
    CU_ASSERT_EQUAL(f[0].hdr.opcode, WSF_OP_BINARY);
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(f[i].len, i < 2 ? 1 : 0);
        CU_ASSERT_EQUAL(f[i].hdr.fin, i == 4);
        if (i > 0) CU_ASSERT_EQUAL(f[i].hdr.opcode, WSF_OP_CONT);
    }
    CU_ASSERT_EQUAL(f[0].payload[0], '0');
    CU_ASSERT_EQUAL(f[1].payload[0], '1');

    /* fin = false: a message that never ends. */
    wsf_buf_reset(&b);
    h = hdr(WSF_OP_TEXT, false);
    wsf_frame_encode_fragmented(&b, &h, msg, 10, 2);
    CU_ASSERT_EQUAL_FATAL(decode_all(&b, f, 8), 2);
    CU_ASSERT(!f[0].hdr.fin && !f[1].hdr.fin);

    /* n = 1 is a plain frame. */
    wsf_buf_reset(&b);
    h = hdr(WSF_OP_TEXT, true);
    wsf_frame_encode_fragmented(&b, &h, msg, 10, 1);
    CU_ASSERT_EQUAL_FATAL(decode_all(&b, f, 8), 1);
    CU_ASSERT(f[0].hdr.fin);
    CU_ASSERT_EQUAL(f[0].hdr.opcode, WSF_OP_TEXT);
    CU_ASSERT_EQUAL(f[0].len, 10);

    /* Masked: every frame carries its own fresh key and still decodes. */
    wsf_buf_reset(&b);
    h = masked_hdr(WSF_OP_TEXT, true, rfc_key);
    wsf_frame_encode_fragmented(&b, &h, msg, 10, 4);
    CU_ASSERT_EQUAL_FATAL(decode_all(&b, f, 8), 4);
    size_t off = 0;
    for (int i = 0; i < 4; i++) {
        CU_ASSERT(f[i].hdr.masked);
        CU_ASSERT(memcmp(f[i].payload, msg + off, f[i].len) == 0);
        off += f[i].len;
    }
    CU_ASSERT_EQUAL(off, 10);
    /* Four keys all equal to each other would be a 2^-96 coincidence. */
    CU_ASSERT(memcmp(f[0].hdr.mask, f[1].hdr.mask, 4) != 0 ||
              memcmp(f[1].hdr.mask, f[2].hdr.mask, 4) != 0 ||
              memcmp(f[2].hdr.mask, f[3].hdr.mask, 4) != 0);

    wsf_buf_free(&b);
}

static void test_control_frames(void)
{
    uint8_t *data = pattern(126);
    wsf_frame_hdr h = hdr(WSF_OP_PING, true);
    wsf_frame f;
    wsf_buf b;

    /* RFC 6455 5.5 caps control payloads at 125 bytes; the encoder obeys
     * the caller anyway, using the 16-bit length form. */
    wsf_buf_init(&b);
    wsf_frame_encode(&b, &h, data, 126);
    CU_ASSERT_EQUAL_FATAL(b.len, 4 + 126);
    CU_ASSERT_EQUAL(b.data[0], 0x89);
    CU_ASSERT_EQUAL(b.data[1], 0x7E);
    CU_ASSERT_EQUAL(b.data[2], 0x00);
    CU_ASSERT_EQUAL(b.data[3], 0x7E);
    CU_ASSERT_EQUAL(wsf_frame_decode(b.data, b.len, 1000, &f), WSF_DECODE_OK);
    CU_ASSERT_EQUAL(f.len, 126);

    /* A fragmented control frame is also just encoded. */
    wsf_buf_reset(&b);
    h = hdr(WSF_OP_CLOSE, false);
    wsf_frame_encode(&b, &h, NULL, 0);
    CU_ASSERT_EQUAL(b.len, 2);
    CU_ASSERT_EQUAL(b.data[0], 0x08);
    CU_ASSERT_EQUAL(b.data[1], 0x00);

    for (int op = 0; op < 16; op++)
        CU_ASSERT_EQUAL(wsf_opcode_is_control(op), op >= 8);
    CU_ASSERT(!wsf_opcode_is_control(16));
    CU_ASSERT(!wsf_opcode_is_control(-1));

    wsf_buf_free(&b);
    free(data);
}

static void test_rsv_and_reserved_opcodes(void)
{
    wsf_frame_hdr h = hdr(WSF_OP_TEXT, true);
    wsf_frame f;
    wsf_buf b;

    wsf_buf_init(&b);
    h.rsv = 4;
    wsf_frame_encode(&b, &h, (const uint8_t *)"x", 1);
    CU_ASSERT_EQUAL(b.data[0], 0xC1);

    wsf_buf_reset(&b);
    h.rsv = 2;
    wsf_frame_encode(&b, &h, (const uint8_t *)"x", 1);
    CU_ASSERT_EQUAL(b.data[0], 0xA1);

    wsf_buf_reset(&b);
    h.rsv = 1;
    wsf_frame_encode(&b, &h, (const uint8_t *)"x", 1);
    CU_ASSERT_EQUAL(b.data[0], 0x91);

    wsf_buf_reset(&b);
    h.rsv = 7;
    wsf_frame_encode(&b, &h, (const uint8_t *)"x", 1);
    CU_ASSERT_EQUAL(b.data[0], 0xF1);
    CU_ASSERT_EQUAL_FATAL(wsf_frame_decode(b.data, b.len, 10, &f), WSF_DECODE_OK);
    CU_ASSERT_EQUAL(f.hdr.rsv, 7);

    /* Reserved data and control opcodes go out as asked. */
    wsf_buf_reset(&b);
    h = hdr(0x3, true);
    wsf_frame_encode(&b, &h, NULL, 0);
    CU_ASSERT_EQUAL(b.data[0], 0x83);
    CU_ASSERT_EQUAL_FATAL(wsf_frame_decode(b.data, b.len, 10, &f), WSF_DECODE_OK);
    CU_ASSERT_EQUAL(f.hdr.opcode, 0x3);

    wsf_buf_reset(&b);
    h = hdr(0xF, false);
    h.rsv = 5;
    wsf_frame_encode(&b, &h, NULL, 0);
    CU_ASSERT_EQUAL(b.data[0], 0x5F);
    CU_ASSERT_EQUAL_FATAL(wsf_frame_decode(b.data, b.len, 10, &f), WSF_DECODE_OK);
    CU_ASSERT_EQUAL(f.hdr.opcode, 0xF);
    CU_ASSERT_EQUAL(f.hdr.rsv, 5);
    CU_ASSERT(!f.hdr.fin);

    wsf_buf_free(&b);
}

/* Every proper prefix of a frame must ask for more, reading nothing past
 * its end: each prefix sits in a buffer of exactly its size, so a stray read
 * is an AddressSanitizer report. */
static void check_truncations(const wsf_buf *frame)
{
    wsf_frame f;

    for (size_t cut = 0; cut < frame->len; cut++) {
        uint8_t *copy = wsf_xmalloc(cut ? cut : 1);
        int st;

        memcpy(copy, frame->data, cut);
        st = wsf_frame_decode(copy, cut, UINT64_MAX >> 1, &f);
        CU_ASSERT_EQUAL(st, WSF_DECODE_NEED_MORE);
        if (st != WSF_DECODE_NEED_MORE)
            fprintf(stderr, "  %zu of %zu bytes: status %d\n", cut, frame->len, st);
        free(copy);
    }

    uint8_t *whole = wsf_xmalloc(frame->len);
    memcpy(whole, frame->data, frame->len);
    CU_ASSERT_EQUAL(wsf_frame_decode(whole, frame->len, UINT64_MAX >> 1, &f), WSF_DECODE_OK);
    CU_ASSERT_EQUAL(f.frame_len, frame->len);
    free(whole);
}

static void test_need_more(void)
{
    static const size_t lens[] = {0, 5, 200, 70000};
    uint8_t *data = pattern(70000);
    wsf_buf b;

    wsf_buf_init(&b);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        for (int masked = 0; masked < 2; masked++) {
            wsf_frame_hdr h =
                masked ? masked_hdr(WSF_OP_BINARY, true, rfc_key) : hdr(WSF_OP_BINARY, true);

            /* For the large frame, the cuts through the header are the
             * interesting ones; the payload cuts add nothing but time. */
            wsf_buf_reset(&b);
            wsf_frame_encode(&b, &h, data, lens[i]);
            if (lens[i] > 1000) {
                wsf_frame f;
                size_t hlen = masked ? 14 : 10;
                wsf_buf head;

                wsf_buf_init(&head);
                wsf_buf_append(&head, b.data, hlen + 3);
                for (size_t cut = 0; cut < head.len; cut++)
                    CU_ASSERT_EQUAL(wsf_frame_decode(head.data, cut, UINT64_MAX, &f),
                                    WSF_DECODE_NEED_MORE);
                CU_ASSERT_EQUAL(wsf_frame_decode(b.data, b.len - 1, UINT64_MAX, &f),
                                WSF_DECODE_NEED_MORE);
                CU_ASSERT_EQUAL(wsf_frame_decode(b.data, b.len, UINT64_MAX, &f), WSF_DECODE_OK);
                wsf_buf_free(&head);
            } else {
                check_truncations(&b);
            }
        }
    }
    wsf_buf_free(&b);
    free(data);
}

static void test_trailing_bytes(void)
{
    wsf_frame_hdr h = hdr(WSF_OP_TEXT, true);
    wsf_frame f;
    wsf_buf b;

    /* Two frames back to back: the first decode consumes only the first. */
    wsf_buf_init(&b);
    wsf_frame_encode(&b, &h, (const uint8_t *)"abc", 3);
    h = hdr(WSF_OP_PING, true);
    wsf_frame_encode(&b, &h, (const uint8_t *)"pq", 2);
    CU_ASSERT_EQUAL_FATAL(wsf_frame_decode(b.data, b.len, 100, &f), WSF_DECODE_OK);
    CU_ASSERT_EQUAL(f.frame_len, 5);
    CU_ASSERT_EQUAL(f.len, 3);
    CU_ASSERT_EQUAL_FATAL(wsf_frame_decode(b.data + 5, b.len - 5, 100, &f), WSF_DECODE_OK);
    CU_ASSERT_EQUAL(f.hdr.opcode, WSF_OP_PING);
    CU_ASSERT(memcmp(f.payload, "pq", 2) == 0);
    wsf_buf_free(&b);
}

static void test_too_big(void)
{
    uint8_t msb[] = {0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0};
    uint8_t huge[] = {0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    uint8_t medium[] = {0x82, 0x7E, 0x01, 0x00}; /* 256 bytes announced, none sent */
    uint8_t small[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    wsf_frame f;

    /* The top bit of a 64-bit length is refused whatever the limit. */
    CU_ASSERT_EQUAL(wsf_frame_decode(msb, sizeof(msb), UINT64_MAX, &f), WSF_DECODE_TOO_BIG);
    CU_ASSERT_EQUAL(wsf_frame_decode(huge, sizeof(huge), 1 << 20, &f), WSF_DECODE_TOO_BIG);
    /* Within the limit, the same header simply waits for its payload. */
    CU_ASSERT_EQUAL(wsf_frame_decode(huge, sizeof(huge), UINT64_MAX, &f), WSF_DECODE_NEED_MORE);

    /* The verdict comes from the header alone. */
    CU_ASSERT_EQUAL(wsf_frame_decode(medium, sizeof(medium), 255, &f), WSF_DECODE_TOO_BIG);
    CU_ASSERT_EQUAL(f.len, 256);
    CU_ASSERT_EQUAL(wsf_frame_decode(medium, sizeof(medium), 256, &f), WSF_DECODE_NEED_MORE);

    CU_ASSERT_EQUAL(wsf_frame_decode(small, sizeof(small), 4, &f), WSF_DECODE_TOO_BIG);
    CU_ASSERT_EQUAL(wsf_frame_decode(small, sizeof(small), 5, &f), WSF_DECODE_OK);
    CU_ASSERT(memcmp(f.payload, "Hello", 5) == 0);
}

/* Encodes a close frame with the given payload and decodes it. */
static void decode_close(wsf_buf *b, const uint8_t *payload, size_t n, bool masked, wsf_frame *f)
{
    wsf_frame_hdr h = masked ? masked_hdr(WSF_OP_CLOSE, true, rfc_key) : hdr(WSF_OP_CLOSE, true);

    wsf_buf_reset(b);
    wsf_frame_encode(b, &h, payload, n);
    CU_ASSERT_EQUAL(wsf_frame_decode(b->data, b->len, 125, f), WSF_DECODE_OK);
}

static void test_close_payload(void)
{
    static const uint8_t want[] = {0x03, 0xE8, 'b', 'y', 'e'};
    wsf_buf p, b;
    wsf_frame f;

    wsf_buf_init(&p);
    wsf_buf_init(&b);

    wsf_close_payload(&p, 1000, "bye", 3);
    check_bytes(&p, want, sizeof(want));

    for (int masked = 0; masked < 2; masked++) {
        decode_close(&b, p.data, p.len, masked, &f);
        CU_ASSERT_EQUAL(f.close_code, 1000);
        CU_ASSERT_EQUAL(f.reason_len, 3);
        CU_ASSERT(f.reason && memcmp(f.reason, "bye", 3) == 0);
    }

    /* Code only. */
    wsf_buf_reset(&p);
    wsf_close_payload(&p, 4999, NULL, 0);
    CU_ASSERT_EQUAL(p.len, 2);
    decode_close(&b, p.data, p.len, false, &f);
    CU_ASSERT_EQUAL(f.close_code, 4999);
    CU_ASSERT_EQUAL(f.reason_len, 0);

    /* No code: an empty payload. */
    wsf_buf_reset(&p);
    wsf_close_payload(&p, -1, "ignored", 7);
    CU_ASSERT_EQUAL(p.len, 0);
    decode_close(&b, NULL, 0, true, &f);
    CU_ASSERT_EQUAL(f.close_code, -1);
    CU_ASSERT_EQUAL(f.reason_len, 0);

    /* One byte cannot hold a code. */
    decode_close(&b, (const uint8_t *)"\x03", 1, false, &f);
    CU_ASSERT_EQUAL(f.close_code, -2);
    CU_ASSERT_EQUAL(f.reason_len, 0);

    /* Codes the RFC forbids on the wire are still parsed as numbers. */
    decode_close(&b, (const uint8_t *)"\xff\xff", 2, false, &f);
    CU_ASSERT_EQUAL(f.close_code, 65535);
    decode_close(&b, (const uint8_t *)"\x00\x00", 2, false, &f);
    CU_ASSERT_EQUAL(f.close_code, 0);

    /* Only close frames are parsed this way. */
    wsf_frame_hdr h = hdr(WSF_OP_TEXT, true);
    wsf_buf_reset(&b);
    wsf_frame_encode(&b, &h, want, sizeof(want));
    CU_ASSERT_EQUAL(wsf_frame_decode(b.data, b.len, 125, &f), WSF_DECODE_OK);
    CU_ASSERT_EQUAL(f.close_code, -1);
    CU_ASSERT_EQUAL(f.reason_len, 0);

    wsf_buf_free(&p);
    wsf_buf_free(&b);
}

static void test_opcode_names(void)
{
    static const struct {
        int op;
        const char *name;
    } named[] = {
        {WSF_OP_CONT, "continuation"}, {WSF_OP_TEXT, "text"}, {WSF_OP_BINARY, "binary"},
        {WSF_OP_CLOSE, "close"},       {WSF_OP_PING, "ping"}, {WSF_OP_PONG, "pong"},
    };

    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        CU_ASSERT_STRING_EQUAL(wsf_opcode_name(named[i].op), named[i].name);
        CU_ASSERT_EQUAL(wsf_opcode_from_name(named[i].name), named[i].op);
    }
    CU_ASSERT_STRING_EQUAL(wsf_opcode_name(0x3), "opcode-0x3");
    CU_ASSERT_STRING_EQUAL(wsf_opcode_name(0xB), "opcode-0xB");
    CU_ASSERT_STRING_EQUAL(wsf_opcode_name(0xF), "opcode-0xF");
    CU_ASSERT_PTR_NOT_NULL(wsf_opcode_name(16));
    CU_ASSERT_PTR_NOT_NULL(wsf_opcode_name(-1));

    CU_ASSERT_EQUAL(wsf_opcode_from_name("opcode-0x3"), -1);
    CU_ASSERT_EQUAL(wsf_opcode_from_name("bogus"), -1);
    CU_ASSERT_EQUAL(wsf_opcode_from_name(""), -1);
    CU_ASSERT_EQUAL(wsf_opcode_from_name("tex"), -1);
}

static CU_TestInfo tests[] = {
    {"RFC 6455 5.7 examples", test_rfc_examples},
    {"decode RFC masked example", test_decode_rfc_masked},
    {"payload length forms", test_lengths},
    {"masking", test_masking},
    {"random mask", test_random_mask},
    {"fragmentation", test_fragmentation},
    {"control frames", test_control_frames},
    {"RSV bits and reserved opcodes", test_rsv_and_reserved_opcodes},
    {"NEED_MORE on truncation", test_need_more},
    {"trailing bytes", test_trailing_bytes},
    {"TOO_BIG", test_too_big},
    {"close payload", test_close_payload},
    {"opcode names", test_opcode_names},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("frame", tests)
