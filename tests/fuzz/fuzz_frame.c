/* The frame decoder on any bytes: decodes frames one after another, as the
 * peer does with what a server sends, with the peer's own payload limit. */
#include "frame.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The decoder unmasks in place: it gets its own copy. */
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    size_t off = 0;
    for (;;) {
        wsf_frame f;
        wsf_decode_status st = wsf_frame_decode(buf + off, size - off, 1u << 20, &f);
        if (st != WSF_DECODE_OK) break;
        if (f.frame_len == 0 || f.frame_len > size - off) abort(); /* no progress or overrun */
        if (f.payload && f.len) (void)f.payload[f.len - 1];
        if (f.reason && f.reason_len) (void)f.reason[f.reason_len - 1];
        off += f.frame_len;
    }
    free(buf);
    return 0;
}
