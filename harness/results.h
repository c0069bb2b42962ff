/* results.json: everything a run found, the only input of reports. Written
 * with jansson, atomically (a temporary file renamed into place), so a reader
 * never sees half a file, even after Ctrl-C. */
#ifndef WSF_RESULTS_H
#define WSF_RESULTS_H

#include "runner.h"

typedef struct {
    int argc;
    char **argv;
    const char *target_name; /* NULL for an external URL */
    const char *target_file;
    const char *url;
    int64_t started_us; /* wall clock */
    int64_t duration_us;
    bool interrupted;
    int workers;                  /* processes the scenarios ran in (-j) */
    int shard_index, shard_count; /* --shard I/N; 0/0: the whole suite */
    bool shuffled;                /* --shuffle, with this seed */
    uint64_t seed;
    /* --repeat / --until-fail: tries begun, of at most tries_max; runs of
     * scenarios done, and how many of them (passes) are not listed. */
    unsigned tries, tries_max;
    bool until_fail;
    size_t runs, not_listed;
    /* The handshake defaults of the run; NULL: none. */
    const wsf_handshake_defaults *handshake;
    /* `wsfault storm`'s own account (a JSON object's text): its seed and
     * the rounds that passed, which are counted, not listed; NULL: none. */
    const char *storm;
} wsf_run_info;

/* One scenario's entry of the file, as compact JSON text (malloc'd), made
 * as soon as the scenario is over: the entry is all that is kept of it, and
 * it can cross from a worker process to the one that writes the file. */
char *wsf_result_entry(const wsf_result *r);

typedef struct {
    wsf_verdict verdict;
    char *json; /* wsf_result_entry's text */
} wsf_results_entry;

/* Writes the file from the entries, in their order; returns 0, or -1 with a
 * message in err. */
int wsf_results_write(const char *path, const wsf_run_info *info, const wsf_results_entry *entries,
                      size_t n, char *err, size_t errlen);

#endif
