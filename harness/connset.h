/* Steps on a connection or on every member of a set (connset.c). */
#ifndef WSF_CONNSET_H
#define WSF_CONNSET_H

#include "runctx.h"

/* Runs the step on its connection, or on each member of its set in turn,
 * leaving one check for the set. */
void rc_run_step_on(run_ctx *c, const wsf_step *st);

#endif
