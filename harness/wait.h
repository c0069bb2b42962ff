/* Waiting through the event loop, and what a wait waits for (wait.c). */
#ifndef WSF_WAIT_H
#define WSF_WAIT_H

#include "runctx.h"

/* How often the target's memory is looked at while a scenario runs. */
#define RSS_SAMPLE_US 10000
/* No sample this close to the end of a wait. */
#define SAMPLE_GUARD_US 2000

/* Runs the loop until cond holds or the absolute deadline; false on timeout. */
bool rc_run_until(run_ctx *c, cond_fn cond, int64_t deadline);
/* Takes a sample of the target's RSS into rss_max. */
void rc_sample(run_ctx *c);
/* Conditions about the running step's connection: the target ended TCP
 * (FIN or RST); and that, or a frame to take, or input that cannot be read;
 * the target reset TCP; the connect is over; a response came, or the end;
 * a frame came. */
bool rc_tcp_ended(run_ctx *c);
bool rc_frame_or_end(run_ctx *c);
bool rc_got_rst(run_ctx *c);
bool rc_not_connecting(run_ctx *c);
bool rc_response_or_end(run_ctx *c);
bool rc_frame_arrived(run_ctx *c);
/* "at +12.3ms, 4.1ms after the step" for a timeline time. */
char *rc_when(run_ctx *c, int64_t t_us);

#endif
