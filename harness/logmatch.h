/* Patterns over the target's log lines: the alarms every scenario checks
 * (tracebacks, failed assertions, sanitizer reports, ...), the ones a target
 * file adds, and the noise it tells wsfault to ignore. */
#ifndef WSF_LOGMATCH_H
#define WSF_LOGMATCH_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *src;
    regex_t re;
} wsf_pattern;

typedef struct {
    wsf_pattern *p;
    size_t n;
} wsf_patterns;

/* Compiles src (POSIX extended) and appends it; -1 with regerror's text. */
int wsf_patterns_add(wsf_patterns *ps, const char *src, char *err, size_t errlen);
void wsf_patterns_free(wsf_patterns *ps);
/* The first pattern that matches line, or NULL. */
const wsf_pattern *wsf_patterns_match(const wsf_patterns *ps, const char *line);

/* Appends the alarms every scenario checks unless a target file says
 * otherwise: crashes, failed assertions, tracebacks, sanitizer reports and
 * the asyncio messages that mean an error went unhandled. */
void wsf_patterns_add_default_alarms(wsf_patterns *ps);

/* The alarm a line raises: the first alarm pattern it matches, unless an
 * ignore pattern matches it too. NULL when the line is fine. */
const wsf_pattern *wsf_alarm_of(const wsf_patterns *alarms, const wsf_patterns *ignore,
                                const char *line);

#endif
