/* What the checks say: frames, Close codes and the end of TCP as text, for
 * a check's expected and actual. */
#include "describe.h"
#include "wait.h"

#include <inttypes.h>
#include <stdlib.h>

/* What the connection's end looked like, for "got ..." messages. */
char *rc_tcp_story(run_ctx *c)
{
    if (c->peer->rst_in) {
        char *w = rc_when(c, c->peer->rst_in_t);
        char *s = wsf_xasprintf("the target reset TCP (RST) %s", w);
        free(w);
        return s;
    }
    if (c->peer->fin_in) {
        char *w = rc_when(c, c->peer->fin_in_t);
        char *s = wsf_xasprintf("the target closed TCP (FIN) %s", w);
        free(w);
        return s;
    }
    return NULL;
}

char *rc_rx_story(run_ctx *c)
{
    if (!c->peer->rx_broken || !c->peer->rx_broken_why[0]) return NULL;
    char *w = rc_when(c, c->peer->rx_broken_t);
    char *s = wsf_xasprintf("%s %s", c->peer->rx_broken_why, w);
    free(w);
    return s;
}

void rc_describe_close(wsf_buf *b, int code, const uint8_t *reason, size_t rlen)
{
    if (code == WSF_CLOSE_ANY)
        wsf_buf_appendf(b, "close");
    else if (code == -1)
        wsf_buf_appendf(b, "close with an empty payload");
    else if (code == -2)
        wsf_buf_appendf(b, "close with a 1-byte payload");
    else
        wsf_buf_appendf(b, "close %d", code);
    if (reason) {
        wsf_buf_appendf(b, " \"");
        wsf_escape_bytes(reason, rlen, 123, b);
        wsf_buf_appendf(b, "\"");
    }
}

char *rc_describe_rx(run_ctx *c, const wsf_rx_frame *f)
{
    wsf_buf b;
    wsf_buf_init(&b);
    if (f->opcode == WSF_OP_CLOSE) {
        rc_describe_close(&b, f->close_code, f->reason.len ? f->reason.data : NULL, f->reason.len);
    } else {
        wsf_buf_appendf(&b, "%s frame of %zu bytes", wsf_opcode_name(f->opcode), f->payload.len);
        if (f->payload.len) {
            wsf_buf_appendf(&b, " \"");
            wsf_escape_bytes(f->payload.data, f->payload.len, 60, &b);
            wsf_buf_appendf(&b, "\"");
        }
    }
    if (!f->fin) wsf_buf_appendf(&b, " without FIN");
    if (f->rsv) wsf_buf_appendf(&b, " with RSV bits %d", f->rsv);
    char *w = rc_when(c, f->t_us);
    wsf_buf_appendf(&b, " %s", w);
    free(w);
    return (char *)b.data;
}

char *rc_describe_expected_frame(const wsf_expect *e)
{
    wsf_buf b;
    wsf_buf_init(&b);
    if (e->opcode == WSF_OP_CLOSE) {
        rc_describe_codes(&b, e);
    } else {
        wsf_buf_appendf(&b, "%s frame", e->opcode < 0 ? "any" : wsf_opcode_name(e->opcode));
        if (e->payload_check == WSF_PAYLOAD_SIZE)
            wsf_buf_appendf(&b, " of %" PRIu64 " bytes", e->size);
        else if (e->payload_check == WSF_PAYLOAD_BYTES) {
            wsf_buf_appendf(&b, " \"");
            wsf_buf head; /* what is shown of it */
            wsf_buf_init(&head);
            wsf_payload_build(&e->payload, 64, &head);
            wsf_escape_bytes(head.data, (size_t)e->payload.len, 60, &b);
            wsf_buf_free(&head);
            wsf_buf_appendf(&b, "\"");
        }
    }
    char d[32];
    wsf_format_duration(e->within_us, d, sizeof d);
    wsf_buf_appendf(&b, " within %s", d);
    return (char *)b.data;
}

bool rc_code_accepted(const wsf_expect *e, int code)
{
    if (e->close_code == WSF_CLOSE_ANY || code == e->close_code) return true;
    for (size_t i = 0; i < e->n_alt_codes; i++)
        if (code == e->alt_codes[i]) return true;
    return false;
}

void rc_describe_codes(wsf_buf *b, const wsf_expect *e)
{
    rc_describe_close(b, e->close_code, e->check_reason ? e->reason.data : NULL, e->reason.len);
    for (size_t i = 0; i < e->n_alt_codes; i++)
        wsf_buf_appendf(b, "%s%d", i + 1 == e->n_alt_codes ? " or " : ", ", e->alt_codes[i]);
}
