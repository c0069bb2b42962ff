/* RFC 6455 section 5 framing. See frame.h for the contract. */
#include "frame.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const char *const opcode_names[16] = {
    [WSF_OP_CONT] = "continuation", [WSF_OP_TEXT] = "text", [WSF_OP_BINARY] = "binary",
    [0x3] = "opcode-0x3",           [0x4] = "opcode-0x4",   [0x5] = "opcode-0x5",
    [0x6] = "opcode-0x6",           [0x7] = "opcode-0x7",   [WSF_OP_CLOSE] = "close",
    [WSF_OP_PING] = "ping",         [WSF_OP_PONG] = "pong", [0xB] = "opcode-0xB",
    [0xC] = "opcode-0xC",           [0xD] = "opcode-0xD",   [0xE] = "opcode-0xE",
    [0xF] = "opcode-0xF",
};

const char *wsf_opcode_name(int opcode)
{
    /* The header carries four bits, so anything else is a caller's bug; it
     * still deserves a printable answer rather than a crash. */
    if (opcode < 0 || opcode > 15) return "opcode-invalid";
    return opcode_names[opcode];
}

int wsf_opcode_from_name(const char *name)
{
    static const int named[] = {WSF_OP_CONT,  WSF_OP_TEXT, WSF_OP_BINARY,
                                WSF_OP_CLOSE, WSF_OP_PING, WSF_OP_PONG};
    size_t i;

    if (!name) return -1;
    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (strcmp(name, opcode_names[named[i]]) == 0) return named[i];
    return -1;
}

bool wsf_opcode_is_control(int opcode)
{
    /* RFC 6455 5.5: control frames are those with the high opcode bit set,
     * including the reserved 0xB..0xF. */
    return opcode >= 0x8 && opcode <= 0xF;
}

void wsf_random_mask(uint8_t mask[4])
{
    size_t got = 0;

    while (got < 4) {
        ssize_t n = getrandom(mask + got, 4 - got, 0);

        if (n < 0) {
            if (errno == EINTR) continue;
            /* A predictable mask would quietly weaken every test that relies
             * on masking, so there is no fallback. */
            perror("wsfault: getrandom");
            abort();
        }
        got += (size_t)n;
    }
}

void wsf_frame_encode(wsf_buf *out, const wsf_frame_hdr *h, const uint8_t *payload, size_t len)
{
    uint8_t head[14];
    size_t n = 0, i;
    uint8_t *dst;

    head[n++] = (uint8_t)((h->fin ? 0x80 : 0) | (h->rsv & 7) << 4 | (h->opcode & 0xF));
    if (len <= 125) {
        head[n++] = (uint8_t)((h->masked ? 0x80 : 0) | len);
    } else if (len <= 0xFFFF) {
        head[n++] = (uint8_t)((h->masked ? 0x80 : 0) | 126);
        head[n++] = (uint8_t)(len >> 8);
        head[n++] = (uint8_t)len;
    } else {
        uint64_t l = len;
        int shift;

        head[n++] = (uint8_t)((h->masked ? 0x80 : 0) | 127);
        for (shift = 56; shift >= 0; shift -= 8)
            head[n++] = (uint8_t)(l >> shift);
    }
    if (h->masked) {
        memcpy(head + n, h->mask, 4);
        n += 4;
    }
    wsf_buf_append(out, head, n);

    /* Append then mask in place, so the caller's payload is left alone. */
    wsf_buf_reserve(out, len);
    dst = out->data + out->len;
    if (len) memcpy(dst, payload, len);
    if (h->masked)
        for (i = 0; i < len; i++)
            dst[i] ^= h->mask[i & 3];
    out->len += len;
    out->data[out->len] = '\0';
}

void wsf_frame_encode_fragmented(wsf_buf *out, const wsf_frame_hdr *h, const uint8_t *payload,
                                 size_t len, unsigned n)
{
    size_t base, extra, off = 0;
    unsigned i;

    if (n == 0) n = 1;
    base = len / n;
    extra = len % n;
    for (i = 0; i < n; i++) {
        wsf_frame_hdr fh = *h;
        /* The first `extra` frames take one byte more, so sizes differ by at
         * most one. */
        size_t part = base + (i < extra ? 1 : 0);

        fh.opcode = i == 0 ? h->opcode : WSF_OP_CONT;
        fh.fin = h->fin && i == n - 1;
        /* RSV bits describe the message (permessage-deflate sets RSV1 on the
         * first frame only, RFC 7692 6.1), so continuations carry none. */
        fh.rsv = i == 0 ? h->rsv : 0;
        if (fh.masked) wsf_random_mask(fh.mask);
        wsf_frame_encode(out, &fh, payload ? payload + off : NULL, part);
        off += part;
    }
}

void wsf_close_payload(wsf_buf *out, int code, const char *reason, size_t reason_len)
{
    uint8_t be[2];

    if (code < 0) return;
    be[0] = (uint8_t)(code >> 8);
    be[1] = (uint8_t)code;
    wsf_buf_append(out, be, 2);
    if (reason && reason_len) wsf_buf_append(out, reason, reason_len);
}

wsf_decode_status wsf_frame_decode(uint8_t *data, size_t len, uint64_t max_payload, wsf_frame *f)
{
    size_t hlen = 2;
    uint64_t plen;
    uint8_t *payload;
    int i;

    if (len < 2) return WSF_DECODE_NEED_MORE;

    memset(f, 0, sizeof(*f));
    f->hdr.fin = (data[0] & 0x80) != 0;
    f->hdr.rsv = (data[0] >> 4) & 7;
    f->hdr.opcode = data[0] & 0x0F;
    f->hdr.masked = (data[1] & 0x80) != 0;
    f->close_code = -1;

    plen = data[1] & 0x7F;
    if (plen == 126) {
        if (len < 4) return WSF_DECODE_NEED_MORE;
        plen = (uint64_t)data[2] << 8 | data[3];
        hlen = 4;
    } else if (plen == 127) {
        if (len < 10) return WSF_DECODE_NEED_MORE;
        plen = 0;
        for (i = 2; i < 10; i++)
            plen = plen << 8 | data[i];
        hlen = 10;
        /* RFC 6455 5.2 requires the top bit clear; a length that large is
         * never coming anyway. */
        if (plen >> 63) return WSF_DECODE_TOO_BIG;
    }
    f->len = plen;

    /* Refuse as soon as the length is known, before the peer can make us
     * wait for (or buffer) a payload we will never accept. */
    if (plen > max_payload) return WSF_DECODE_TOO_BIG;

    if (f->hdr.masked) {
        if (len < hlen + 4) return WSF_DECODE_NEED_MORE;
        memcpy(f->hdr.mask, data + hlen, 4);
        hlen += 4;
    }
    if (plen > len - hlen) return WSF_DECODE_NEED_MORE;

    payload = data + hlen;
    if (f->hdr.masked)
        for (uint64_t j = 0; j < plen; j++)
            payload[j] ^= f->hdr.mask[j & 3];
    f->payload = payload;
    f->frame_len = hlen + (size_t)plen;

    if (f->hdr.opcode == WSF_OP_CLOSE) {
        if (plen == 1) {
            f->close_code = -2;
        } else if (plen >= 2) {
            f->close_code = payload[0] << 8 | payload[1];
            f->reason = payload + 2;
            f->reason_len = (size_t)plen - 2;
        }
    }
    return WSF_DECODE_OK;
}
