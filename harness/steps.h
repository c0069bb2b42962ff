/* The step actions (steps.c). */
#ifndef WSF_STEPS_H
#define WSF_STEPS_H

#include "runctx.h"

/* Runs one step on the running step's connection, c->peer. */
void rc_run_step(run_ctx *c, const wsf_step *st);

#endif
