/* The peer sends messages and puts them on the timeline (send.c). */
#ifndef WSF_SEND_H
#define WSF_SEND_H

#include "runctx.h"

typedef typeof(((wsf_step *)0)->u.send) send_args;

/* Sends the message of a send step (or one made up by wsfault), and puts it
 * on the timeline as the frame it is. */
void rc_send_message(run_ctx *c, const send_args *s);
/* The peer sends a Close with this code (-1: an empty payload), as a
 * well-behaved client would, and puts it on the timeline. */
void rc_send_close(run_ctx *c, int code);
/* The peer sends these bytes as they are (a raw step) and notes them. */
void rc_send_raw(run_ctx *c, const wsf_payload *bytes);

#endif
