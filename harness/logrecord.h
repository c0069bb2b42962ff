/* Log records: the lines a target prints, grouped into the records its
 * logger wrote (a first line and its continuations: traceback frames, stack
 * lines, the exception's last line), and the level each record was logged
 * at, read from the forms loggers commonly print. Documented in
 * docs/scenario-language.md (alarms). */
#ifndef WSF_LOGRECORD_H
#define WSF_LOGRECORD_H

#include "rx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In order of severity; UNKNOWN is a record with no level form, judged as
 * severe as an error. */
typedef enum {
    WSF_LOG_UNKNOWN,
    WSF_LOG_TRACE,
    WSF_LOG_DEBUG,
    WSF_LOG_INFO,
    WSF_LOG_NOTICE,
    WSF_LOG_WARNING,
    WSF_LOG_ERROR,
    WSF_LOG_CRITICAL,
} wsf_log_level;

/* "unknown", "trace", "debug", "info", "notice", "warning", "error",
 * "critical". */
const char *wsf_log_level_name(wsf_log_level l);
/* The level a word names, in any case: trace, debug, info, notice, warn,
 * warning, error, err, critical, crit, fatal, alert, emerg, their
 * three-letter forms (DBG, INF, WRN, ERR, FTL, TRC) and the one-letter ones
 * (D, I, W, E, C, F, T, N). UNKNOWN for any other word. */
wsf_log_level wsf_log_level_word(const char *w, size_t len);
/* The level a record's first line states: level_re first when given (a
 * target file's "log level /RE/", whose first group is the level word), then
 * the common forms; UNKNOWN when none fits. When level_re gives up on the
 * line (a match limit, rx.h) *gave_up is set (if given) and the common forms
 * are tried. */
wsf_log_level wsf_log_level_of(const char *line, const wsf_rx *level_re, bool *gave_up);
/* Whether an alarm in a record at this level fails a scenario: warning and
 * above, and unknown. Below, it is only noted. */
bool wsf_log_level_fails(wsf_log_level l);

/* A continuation is taken as part of the record before it only when it was
 * read this soon after that record's last line: a logger writes a record at
 * once, and a traceback printed on its own later is a record of its own. */
#define WSF_RECORD_GAP_US 50000

/* Groups one stream's lines into records, line by line (lines of different
 * streams never share a record: keep one recorder per stream). */
typedef struct {
    bool open;           /* a record has begun */
    wsf_log_level level; /* the current record's */
    int64_t last_us;     /* when its last line was read */
    bool in_traceback;   /* a Python traceback began in it */
    bool last_indented;  /* its last line was blank or indented */
    bool level_gave_up;  /* the level pattern gave up on its first line */
} wsf_recorder;

/* Takes the stream's next line, read at abs_us: true when the line begins a
 * record (its level is then in r->level), false when it continues the
 * current one. */
bool wsf_record_feed(wsf_recorder *r, const char *line, int64_t abs_us, const wsf_rx *level_re);

#endif
