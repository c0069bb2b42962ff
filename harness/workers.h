/* Running the scenarios of one run in N worker processes (-j N). Each
 * worker has its own loop, runner and target instance, on its own port, so
 * that what a target logs, holds or suffers is judged with the scenario of
 * its own worker. The parent hands the next scenario to whichever worker is
 * free and passes the finished ones on in the order of the run, so output
 * and results read as a serial run's. With one worker nothing is forked:
 * the scenarios run in this process, one after another. */
#ifndef WSF_WORKERS_H
#define WSF_WORKERS_H

#include <stdbool.h>
#include <stddef.h>

#include "results.h"

/* What a finished scenario leaves: its verdict, its entry of results.json
 * and the lines printed for it. */
typedef struct {
    wsf_results_entry entry;
    char *text;
    bool interrupted; /* Ctrl-C (or SIGTERM) ended the run during it */
} wsf_job_out;

typedef struct {
    /* In a worker (after the fork): its state, or NULL with why in err. */
    void *(*start)(void *ctx, char *err, size_t errlen);
    /* In a worker: runs scenario `index`; fills out (malloc'd strings). */
    void (*run)(void *state, size_t index, wsf_job_out *out);
    void (*stop)(void *state);
    /* In the parent, just before a scenario is given to a worker. */
    void (*began)(void *ctx, size_t index);
    /* In the parent, once per finished scenario, in index order; takes
     * ownership of out's strings. Returns true to end the run early (no
     * further scenario is handed out; those running finish and are passed
     * on), as --until-fail does at a failure. */
    bool (*done)(void *ctx, size_t index, wsf_job_out *out);
    void *ctx;
} wsf_workers_ops;

/* Runs scenarios 0..n-1; returns how many were done (all of them unless
 * the run was interrupted or ended early by done(), then those that
 * finished), or -1 with why in err when no worker could start. */
long wsf_workers_run(size_t n, int workers, const wsf_workers_ops *ops, bool *interrupted,
                     char *err, size_t errlen);

/* The default of -j: the number of cores. */
int wsf_workers_default(void);

#endif
