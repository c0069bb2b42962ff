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
    /* The handshake defaults of the run; NULL: none. */
    const wsf_handshake_defaults *handshake;
} wsf_run_info;

/* Writes the file; returns 0, or -1 with a message in err. */
int wsf_results_write(const char *path, const wsf_run_info *info, const wsf_result *results,
                      size_t n, char *err, size_t errlen);

#endif
