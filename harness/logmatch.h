/* Patterns over the target's log lines: the alarms every scenario checks
 * (tracebacks, failed assertions, sanitizer reports, ...), the ones a target
 * file adds, and the noise it tells wsfault to ignore. */
#ifndef WSF_LOGMATCH_H
#define WSF_LOGMATCH_H

#include "logrecord.h"

#include "rx.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *src;
    wsf_rx *re;
    bool any_level; /* a crash or a sanitizer report: fails in a record of any level */
} wsf_pattern;

typedef struct {
    wsf_pattern *p;
    size_t n;
    size_t rx_bytes; /* compiled, against WSF_RX_FILE_BUDGET */
} wsf_patterns;

/* Compiles src (docs/regex.md) and appends it; -1 with the reason. */
int wsf_patterns_add(wsf_patterns *ps, const char *src, char *err, size_t errlen);
void wsf_patterns_free(wsf_patterns *ps);
/* The first pattern that matches line, or NULL. A pattern that gives up on
 * the line (a match limit, rx.h) is no match here, and is put in *gave_up
 * (when given, and not already set) for the caller to report. */
const wsf_pattern *wsf_patterns_match(const wsf_patterns *ps, const char *line,
                                      const wsf_pattern **gave_up);

/* Appends the alarms every scenario checks unless a target file says
 * otherwise: crashes, failed assertions, tracebacks, sanitizer reports and
 * the asyncio messages that mean an error went unhandled. */
void wsf_patterns_add_default_alarms(wsf_patterns *ps);

/* The alarm a line raises: the first alarm pattern it matches, unless an
 * ignore pattern matches it too. NULL when the line is fine. */
const wsf_pattern *wsf_alarm_of(const wsf_patterns *alarms, const wsf_patterns *ignore,
                                const char *line);

/* What the patterns say of one log record, line by line: the line that
 * raised its alarm (a crash or sanitizer line over any other), and whether
 * an ignore pattern exempts the whole record. */
typedef struct {
    wsf_log_level level;
    const wsf_pattern *alarm; /* NULL: none yet */
    long hit;                 /* the caller's id of the line that raised it */
    bool ignored;
    /* An alarm or ignore pattern that gave up on one of its lines (then the
     * record cannot be judged: the caller reports an error naming it). */
    const wsf_pattern *gave_up;
    long gave_up_at; /* that line's id */
} wsf_record_alarm;

typedef enum {
    WSF_ALARM_NONE,  /* no alarm, or an ignored one */
    WSF_ALARM_NOTED, /* below warning, or during the scenario's teardown */
    WSF_ALARM_FAILS,
} wsf_alarm_verdict;

/* Starts a record at this level. */
void wsf_record_alarm_begin(wsf_record_alarm *ra, wsf_log_level level);
/* Looks at the record's next line (id: the caller's, kept in hit). */
void wsf_record_alarm_line(wsf_record_alarm *ra, const wsf_patterns *alarms,
                           const wsf_patterns *ignore, const char *line, long id);
/* The record's verdict: an alarm fails at warning and above or an unknown
 * level, a crash or sanitizer alarm at any level; during teardown every
 * alarm is only noted. */
wsf_alarm_verdict wsf_record_alarm_verdict(const wsf_record_alarm *ra, bool teardown);

#endif
