/* The peer sends a message, of a send step or one wsfault makes up (a
 * Close as a well-behaved client sends it), and puts it on the timeline as
 * the frame it is. */
#include "send.h"

void rc_send_message(run_ctx *c, const send_args *s)
{
    wsf_frame_hdr h = {.opcode = s->opcode, .fin = s->fin, .rsv = s->rsv, .masked = s->masked};
    /* The file's payload is a description until now: its bytes live only
     * while this message is encoded. */
    wsf_buf payload, out;
    wsf_buf_init(&payload);
    wsf_payload_build(&s->payload, s->payload.len, &payload);
    const size_t len = payload.len;
    wsf_buf_init(&out);
    for (unsigned t = 0; t < s->times; t++) {
        if (h.masked) wsf_random_mask(h.mask);
        wsf_frame_encode_fragmented(&out, &h, payload.data, len, s->fragments);
    }
    size_t n = s->partial >= 0 && (size_t)s->partial < out.len ? (size_t)s->partial : out.len;
    if (n < out.len) c->peer->frame_cut = true;

    wsf_buf d;
    wsf_buf_init(&d);
    int code = len >= 2 ? payload.data[0] << 8 | payload.data[1] : -1;
    if (s->opcode == WSF_OP_CLOSE) {
        if (code >= 0)
            wsf_buf_appendf(&d, "close %d", code);
        else
            wsf_buf_appendf(&d, "close with %zu-byte payload", len);
    } else {
        wsf_buf_appendf(&d, "%s %zu bytes", wsf_opcode_name(s->opcode), len);
    }
    if (s->fragments > 1) wsf_buf_appendf(&d, " in %u fragments", s->fragments);
    if (s->times > 1) wsf_buf_appendf(&d, ", %u times", s->times);
    if (!s->fin) wsf_buf_appendf(&d, " without FIN");
    if (s->rsv) wsf_buf_appendf(&d, " rsv=%d", s->rsv);
    if (!s->masked) wsf_buf_appendf(&d, " unmasked");
    if (n < out.len) wsf_buf_appendf(&d, ", only %zu of %zu bytes", n, out.len);
    wsf_event *e = wsf_timeline_add_conn(&c->res->tl, c->peer->conn, WSF_EV_FRAME, WSF_DIR_OUT,
                                         wsf_opcode_name(s->opcode), "%s", (char *)d.data);
    if (e) {
        e->opcode = s->opcode;
        e->fin = s->fin;
        e->rsv = s->rsv;
        e->masked = s->masked;
        e->len = len;
        if (s->opcode == WSF_OP_CLOSE && code >= 0) e->close_code = code;
    }
    wsf_buf_free(&d);
    wsf_buf_free(&payload);
    wsf_peer_send(c->peer, out.data, n);
    /* Only a whole Close frame counts as sent: half of one is a fault. */
    if (s->opcode == WSF_OP_CLOSE && n == out.len && s->fin) wsf_peer_note_close_sent(c->peer);
    wsf_buf_free(&out);
}

void rc_send_close(run_ctx *c, int code)
{
    send_args s = {.opcode = WSF_OP_CLOSE,
                   .fin = true,
                   .masked = true,
                   .fragments = 1,
                   .times = 1,
                   .partial = -1};
    uint8_t be[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    wsf_payload_set(&s.payload, be, code >= 0 ? 2 : 0);
    rc_send_message(c, &s);
    wsf_payload_free(&s.payload);
}

void rc_send_raw(run_ctx *c, const wsf_payload *bytes)
{
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_payload_build(bytes, bytes->len, &b);
    wsf_timeline_add_conn(&c->res->tl, c->peer->conn, WSF_EV_BYTES, WSF_DIR_OUT, "raw",
                          "%zu raw bytes", b.len);
    wsf_peer_send(c->peer, b.data, b.len);
    wsf_buf_free(&b);
    c->peer->frame_cut = true;
}
