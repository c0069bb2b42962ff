#include "logrecord.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *word;
    wsf_log_level level;
} level_words[] = {
    {"trace", WSF_LOG_TRACE},       {"trc", WSF_LOG_TRACE},      {"t", WSF_LOG_TRACE},
    {"debug", WSF_LOG_DEBUG},       {"dbg", WSF_LOG_DEBUG},      {"d", WSF_LOG_DEBUG},
    {"info", WSF_LOG_INFO},         {"inf", WSF_LOG_INFO},       {"i", WSF_LOG_INFO},
    {"notice", WSF_LOG_NOTICE},     {"n", WSF_LOG_NOTICE},       {"warning", WSF_LOG_WARNING},
    {"warn", WSF_LOG_WARNING},      {"wrn", WSF_LOG_WARNING},    {"w", WSF_LOG_WARNING},
    {"error", WSF_LOG_ERROR},       {"err", WSF_LOG_ERROR},      {"e", WSF_LOG_ERROR},
    {"critical", WSF_LOG_CRITICAL}, {"crit", WSF_LOG_CRITICAL},  {"c", WSF_LOG_CRITICAL},
    {"fatal", WSF_LOG_CRITICAL},    {"ftl", WSF_LOG_CRITICAL},   {"f", WSF_LOG_CRITICAL},
    {"alert", WSF_LOG_CRITICAL},    {"emerg", WSF_LOG_CRITICAL},
};

const char *wsf_log_level_name(wsf_log_level l)
{
    static const char *const names[] = {"unknown", "trace",   "debug", "info",
                                        "notice",  "warning", "error", "critical"};
    return (unsigned)l < sizeof names / sizeof *names ? names[l] : "unknown";
}

wsf_log_level wsf_log_level_word(const char *w, size_t len)
{
    for (size_t i = 0; i < sizeof level_words / sizeof *level_words; i++)
        if (strlen(level_words[i].word) == len && !strncasecmp(level_words[i].word, w, len))
            return level_words[i].level;
    return WSF_LOG_UNKNOWN;
}

bool wsf_log_level_fails(wsf_log_level l)
{
    return l == WSF_LOG_UNKNOWN || l >= WSF_LOG_WARNING;
}

/* --- the forms a first line states its level in ----------------------------------- */

/* "<7>...": a syslog priority, whose low three bits are the severity. */
static bool syslog_form(const char *s, wsf_log_level *out)
{
    static const wsf_log_level by_severity[8] = {
        WSF_LOG_CRITICAL, WSF_LOG_CRITICAL, WSF_LOG_CRITICAL, WSF_LOG_ERROR,
        WSF_LOG_WARNING,  WSF_LOG_NOTICE,   WSF_LOG_INFO,     WSF_LOG_DEBUG,
    };
    if (s[0] != '<') return false;
    int pri = 0;
    size_t i = 1;
    while (i <= 3 && isdigit((unsigned char)s[i]))
        pri = pri * 10 + (s[i++] - '0');
    if (i == 1 || s[i] != '>' || pri > 191) return false;
    *out = by_severity[pri & 7];
    return true;
}

/* pino's and bunyan's numbers: 10 trace, 20 debug, 30 info, 40 warn, 50
 * error, 60 fatal. */
static wsf_log_level numbered(long n)
{
    return n < 20   ? WSF_LOG_TRACE
           : n < 30 ? WSF_LOG_DEBUG
           : n < 40 ? WSF_LOG_INFO
           : n < 50 ? WSF_LOG_WARNING
           : n < 60 ? WSF_LOG_ERROR
                    : WSF_LOG_CRITICAL;
}

/* A JSON log line: {"level":"debug",...}, {"level":30,...}, and the
 * "levelname" and "severity" of other structured loggers. */
static bool json_form(const char *s, wsf_log_level *out)
{
    static const char *const keys[] = {"\"level\"", "\"levelname\"", "\"severity\""};
    if (s[0] != '{') return false;
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const char *p = strstr(s, keys[k]);
        if (!p) continue;
        p += strlen(keys[k]);
        while (*p == ' ')
            p++;
        if (*p++ != ':') continue;
        while (*p == ' ')
            p++;
        if (*p == '"') {
            const char *end = strchr(++p, '"');
            if (!end) continue;
            *out = wsf_log_level_word(p, (size_t)(end - p));
            return true;
        }
        if (isdigit((unsigned char)*p)) {
            *out = numbered(strtol(p, NULL, 10));
            return true;
        }
    }
    return false;
}

/* logfmt: level=debug, level="warn", lvl=info, anywhere in the line. */
static bool logfmt_form(const char *s, wsf_log_level *out)
{
    static const char *const keys[] = {"level=", "lvl="};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        for (const char *p = strstr(s, keys[k]); p; p = strstr(p + 1, keys[k])) {
            if (p != s && p[-1] != ' ' && p[-1] != '\t') continue;
            const char *v = p + strlen(keys[k]);
            if (*v == '"') v++;
            size_t len = strcspn(v, "\" \t");
            *out = wsf_log_level_word(v, len);
            return true;
        }
    }
    return false;
}

/* One letter after a bracketed stamp: tornado's "[D 240101 12:00:00
 * web:2243]" and libwebsockets' "[2024/01/01 12:00:00:1234] N: ...". And
 * glog's "I0101 12:00:00.123456 ...". */
static bool letter_form(const char *s, wsf_log_level *out)
{
    char letter = 0;
    if (s[0] == '[' && s[1] && strchr("DIWEC", s[1]) && s[2] == ' ' && isdigit((unsigned char)s[3]))
        letter = s[1];
    else if (s[0] == '[' && isdigit((unsigned char)s[1])) {
        const char *end = strchr(s, ']');
        if (end && end[1] == ' ' && end[2] && strchr("EWNID", end[2]) && end[3] == ':')
            letter = end[2];
    } else if (s[0] && strchr("IWEF", s[0]) && strspn(s + 1, "0123456789") == 4 && s[5] == ' ')
        letter = s[0];
    if (!letter) return false;
    *out = wsf_log_level_word(&letter, 1);
    return true;
}

static bool word_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '.';
}

/* A level word among the first words, after any timestamp (words starting
 * with a digit are not counted): "DEBUG:websockets.server:...", uvicorn's
 * "INFO:     ...", "2024-01-01 12:00:00,123 DEBUG ...", "... - name - DEBUG
 * - ...", "[error]", winston's "info: ...". A bare word must be upper case,
 * so that a message's own words ("error reading") are not taken for one. */
static bool word_form(const char *s, wsf_log_level *out)
{
    size_t words = 0;
    for (size_t i = 0; s[i] && i < 160 && words < 3;) {
        if (!word_char(s[i])) {
            i++;
            continue;
        }
        size_t start = i, upper = 0;
        for (; word_char(s[i]); i++)
            if (isupper((unsigned char)s[i])) upper++;
        size_t len = i - start;
        if (isdigit((unsigned char)s[start])) continue;
        words++;
        wsf_log_level l = wsf_log_level_word(s + start, len);
        if (l == WSF_LOG_UNKNOWN || len == 1) continue;
        bool bracketed = start > 0 && s[start - 1] == '[' && s[i] == ']';
        bool leading = start == 0 && s[i] == ':';
        if (bracketed || leading || upper == len) {
            *out = l;
            return true;
        }
    }
    return false;
}

wsf_log_level wsf_log_level_of(const char *line, const wsf_rx *level_re, bool *gave_up)
{
    if (level_re) {
        long g[2];
        wsf_rx_result r = wsf_rx_match(level_re, line, g);
        if (r == WSF_RX_MATCH)
            return g[0] < 0 ? WSF_LOG_UNKNOWN
                            : wsf_log_level_word(line + g[0], (size_t)(g[1] - g[0]));
        if (r == WSF_RX_GAVE_UP && gave_up) *gave_up = true;
    }
    /* Python's logging prints this block when it could not format a record
     * (a bad argument to a log call), without that record's level; the
     * program goes on. It tells of a broken log call, not of a failure of
     * the server: a notice. */
    if (!strcmp(line, "--- Logging error ---")) return WSF_LOG_NOTICE;
    wsf_log_level l;
    if (syslog_form(line, &l) || json_form(line, &l) || letter_form(line, &l) ||
        logfmt_form(line, &l) || word_form(line, &l))
        return l;
    return WSF_LOG_UNKNOWN;
}

/* --- grouping ------------------------------------------------------------------- */

static bool starts_traceback(const char *s)
{
    return !strncmp(s, "Traceback (most recent call last):", 34);
}

/* The sentences between the tracebacks of chained Python exceptions. */
static bool chains_tracebacks(const char *s)
{
    return !strncmp(s, "During handling of the above exception", 38) ||
           !strncmp(s, "The above exception was the direct cause", 40);
}

/* A traceback's last line: the exception's (dotted) name, then ": message"
 * or nothing. */
static bool exception_line(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_') return false;
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.");
    return s[n] == '\0' || (s[n] == ':' && (s[n + 1] == ' ' || s[n + 1] == '\0'));
}

/* asyncio's exception handler adds the context to its message, a line each:
 * "future: <Task ...>", "handle: <Handle ...>", "protocol: <...>". */
static bool context_line(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
    return n > 0 && s[n] == ':' && s[n + 1] == ' ' && s[n + 2] == '<';
}

bool wsf_record_feed(wsf_recorder *r, const char *line, int64_t abs_us, const wsf_rx *level_re)
{
    bool indented = line[0] == '\0' || line[0] == ' ' || line[0] == '\t';
    bool continues = false;
    if (r->open && abs_us - r->last_us <= WSF_RECORD_GAP_US) {
        if (indented || starts_traceback(line))
            continues = true;
        else if (r->in_traceback)
            continues = chains_tracebacks(line) || (r->last_indented && exception_line(line));
        else
            continues = context_line(line);
    }
    if (!continues) {
        r->open = true;
        r->level_gave_up = false;
        r->level = wsf_log_level_of(line, level_re, &r->level_gave_up);
        r->in_traceback = false;
    }
    if (starts_traceback(line)) r->in_traceback = true;
    r->last_indented = indented;
    r->last_us = abs_us;
    return !continues;
}
