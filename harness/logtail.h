/* A log file the user's server writes, followed as it grows (tail -f), so
 * that a server wsfault did not start (--url) still has its log judged.
 * Lines are reported as the stream "log". */
#ifndef WSF_LOGTAIL_H
#define WSF_LOGTAIL_H

#include "loop.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef void (*wsf_logtail_fn)(void *ctx, const char *stream, int64_t abs_us, const char *line,
                               size_t len);

typedef struct {
    int fd;        /* the file */
    wsf_io notify; /* inotify on it: a write wakes the loop */
    wsf_loop *loop;
    off_t off; /* how far it has been read */
    wsf_buf partial;
    wsf_logtail_fn on_line;
    void *ctx;
} wsf_logtail;

/* Opens path (a regular file) and starts at its end: what was written
 * before the run is not this run's. -1 with why in err. */
int wsf_logtail_open(wsf_logtail *t, wsf_loop *loop, const char *path, wsf_logtail_fn fn, void *ctx,
                     char *err, size_t errlen);
/* Reads what was added since; a file that shrank (rotated, truncated) is
 * read again from its start. */
void wsf_logtail_poll(wsf_logtail *t);
void wsf_logtail_close(wsf_logtail *t);

#endif
