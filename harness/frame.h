/* RFC 6455 frames: encoding any frame, well-formed or not, and decoding the
 * frames a target sends. The encoder does what the peer asks, including what
 * the RFC forbids (oversized control frames, reserved opcodes, RSV bits). */
#ifndef WSF_FRAME_H
#define WSF_FRAME_H

#include "util.h"
#include <stdbool.h>
#include <stdint.h>

enum {
    WSF_OP_CONT = 0x0,
    WSF_OP_TEXT = 0x1,
    WSF_OP_BINARY = 0x2,
    WSF_OP_CLOSE = 0x8,
    WSF_OP_PING = 0x9,
    WSF_OP_PONG = 0xA,
};

/* "text", "binary", "close", "ping", "pong", "continuation", or "opcode-0xN". */
const char *wsf_opcode_name(int opcode);
/* Inverse of wsf_opcode_name for the six named opcodes; -1 if unknown. */
int wsf_opcode_from_name(const char *name);
bool wsf_opcode_is_control(int opcode);

typedef struct {
    int opcode;  /* 0..15 */
    bool fin;    /* FIN bit */
    int rsv;     /* RSV1..3 as a 3-bit number: RSV1 = 4, RSV2 = 2, RSV3 = 1 */
    bool masked; /* clients must mask; the peer may choose not to */
    uint8_t mask[4];
} wsf_frame_hdr;

/* Appends one encoded frame (header, optional masking key, masked payload). */
void wsf_frame_encode(wsf_buf *out, const wsf_frame_hdr *h, const uint8_t *payload, size_t len);

/* Encodes a message as n frames (n >= 1): the first carries h->opcode and the
 * rest are continuations; FIN is set on the last only, unless h->fin is false,
 * in which case no frame carries FIN. Payload is split as evenly as possible;
 * n larger than len gives empty frames. Each frame gets a fresh mask key when
 * h->masked. */
void wsf_frame_encode_fragmented(wsf_buf *out, const wsf_frame_hdr *h, const uint8_t *payload,
                                 size_t len, unsigned n);

/* Close payload: 2-byte code, big-endian, then the reason. code < 0 means an
 * empty payload (no code, no reason). */
void wsf_close_payload(wsf_buf *out, int code, const char *reason, size_t reason_len);

/* Fills a random 4-byte masking key (from getrandom). */
void wsf_random_mask(uint8_t mask[4]);

/* A decoded frame. payload points into memory owned by the caller's buffer
 * until the next decode; the decoder unmasks in place. */
typedef struct {
    wsf_frame_hdr hdr;
    uint64_t len;           /* payload length as announced */
    const uint8_t *payload; /* len bytes */
    size_t frame_len;       /* header + payload: bytes consumed */
    /* Close frames only: */
    int close_code;        /* -1 when the payload is empty, -2 when it is a single
                            * byte (malformed: a code needs two), code otherwise */
    const uint8_t *reason; /* close reason bytes, reason_len long */
    size_t reason_len;
} wsf_frame;

typedef enum {
    WSF_DECODE_OK = 0,        /* one frame decoded into *f */
    WSF_DECODE_NEED_MORE = 1, /* not a whole frame yet */
    WSF_DECODE_TOO_BIG = 2,   /* announced payload exceeds max_payload */
} wsf_decode_status;

/* Decodes the first frame in data[0..len). Unmasks masked payloads in place.
 * A frame larger than max_payload is refused (TOO_BIG) so a target cannot make
 * the harness allocate without bound. */
wsf_decode_status wsf_frame_decode(uint8_t *data, size_t len, uint64_t max_payload, wsf_frame *f);

#endif
