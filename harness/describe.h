/* Frames, Close codes and the end of TCP as a check's text (describe.c). */
#ifndef WSF_DESCRIBE_H
#define WSF_DESCRIBE_H

#include "runctx.h"

/* "close 1000 \"bye\"", "close with an empty payload", ...: code -1 is an
 * empty payload, -2 a 1-byte one, WSF_CLOSE_ANY any; reason may be NULL. */
void rc_describe_close(wsf_buf *b, int code, const uint8_t *reason, size_t rlen);
/* "close 1002 or 1007": the codes an expectation accepts. */
void rc_describe_codes(wsf_buf *b, const wsf_expect *e);
bool rc_code_accepted(const wsf_expect *e, int code);
/* The frame an expect step waits for, with its deadline ("text frame of 5
 * bytes within 1s"). */
char *rc_describe_expected_frame(const wsf_expect *e);
/* A received frame as a check's actual text, with when it came. */
char *rc_describe_rx(run_ctx *c, const wsf_rx_frame *f);
/* How the target ended TCP, with when ("the target closed TCP (FIN) at
 * ..."), or NULL while it has not. */
char *rc_tcp_story(run_ctx *c);
/* "the target sent a frame over 16777216 bytes (too-big): the peer stopped
 * reading at +3ms, 30us after the step" when the peer stopped reading on
 * input it cannot decode, else NULL. */
char *rc_rx_story(run_ctx *c);

#endif
