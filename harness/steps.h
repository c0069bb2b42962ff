/* The step actions (steps.c). */
#ifndef WSF_STEPS_H
#define WSF_STEPS_H

#include "runctx.h"

/* Runs one step on the running step's connection, c->peer. With c->begun,
 * what rc_step_begin did for it is not done again. */
void rc_run_step(run_ctx *c, const wsf_step *st);
/* Does the acting part of a step that acts and then waits (connect, a
 * handshake that is waited for) on c->peer, if it can be done without a
 * word of error; returns whether it was done. */
bool rc_step_begin(run_ctx *c, const wsf_step *st);

#endif
