/* The target file parser, and the expansion of ${...} in its values. */
#include "target.h"
#include "cursor.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int sig;
} signals[] = {
    {"TERM", SIGTERM}, {"INT", SIGINT},   {"KILL", SIGKILL}, {"HUP", SIGHUP},
    {"QUIT", SIGQUIT}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"ABRT", SIGABRT},
    {"SEGV", SIGSEGV}, {"PIPE", SIGPIPE}, {"STOP", SIGSTOP}, {"CONT", SIGCONT},
};

int wsf_signal_from_name(const char *name)
{
    if (!strncmp(name, "SIG", 3)) name += 3;
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++)
        if (!strcmp(signals[i].name, name)) return signals[i].sig;
    return -1;
}

const char *wsf_signal_name(int sig)
{
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++)
        if (signals[i].sig == sig) return signals[i].name;
    return "?";
}

/* Where a command's or URL's comment starts: the first '#' outside the
 * "double" and 'single' quotes wsf_split_command groups by. The lexer's rule
 * (wsf_line_code_len) does not fit free text: it takes a '/' after a blank for
 * the start of a /regex/, so "--root /srv # note" would keep its comment. */
static size_t free_text_code_len(const char *line, size_t len)
{
    char quote = 0;
    for (size_t i = 0; i < len; i++) {
        if (quote) {
            if (line[i] == quote) quote = 0;
        } else if (line[i] == '"' || line[i] == '\'') {
            quote = line[i];
        } else if (line[i] == '#') {
            return i;
        }
    }
    return len;
}

/* The rest of a line after its keyword, comment and blanks trimmed: commands
 * and URLs are taken as written, not tokenized. *col gets the value's column,
 * so messages about the value point at it. */
static char *rest_of_line(const char *line, size_t len, const wsf_cursor *c, int *col)
{
    size_t start = (size_t)c->toks.tok[0].col - 1 + c->toks.tok[0].len;
    size_t end = free_text_code_len(line, len);
    while (start < end && isspace((unsigned char)line[start]))
        start++;
    while (end > start && isspace((unsigned char)line[end - 1]))
        end--;
    *col = (int)start + 1;
    return wsf_xstrndup(line + start, end - start);
}

/* Expands v with stand-in values, and splits it when it is a command, so a
 * bad variable or quote is reported at its line. */
static bool check_expansion(wsf_cursor *c, const wsf_token *at, const char *v, bool split)
{
    wsf_target_vars probe = {.port = 1, .host = "h", .bindir = "b", .targetdir = "t"};
    char err[256];
    char *x = wsf_target_expand(v, &probe, err, sizeof err);
    if (!x) {
        wsf_cur_error_at(c, at, "%s", err);
        return false;
    }
    char **argv = split ? wsf_split_command(x, err, sizeof err) : NULL;
    free(x);
    if (split && !argv) {
        wsf_cur_error_at(c, at, "%s", err);
        return false;
    }
    wsf_free_argv(argv);
    return true;
}

/* One value of a handshake key: a word or a "string", that bad() accepts.
 * NULL with the error recorded otherwise. */
static const char *handshake_value(wsf_cursor *c, const char *after,
                                   const char *(*bad)(const char *))
{
    const wsf_token *v = wsf_cur_peek(c);
    if (!v || v->kind == WSF_TOK_REGEX) {
        wsf_cur_expected(c, after);
        return NULL;
    }
    /* A NUL inside a string would cut the value short without a word. */
    const char *why = strlen(v->text) != v->len ? "a value without NUL bytes" : bad(v->text);
    if (why) {
        wsf_cur_expected(c, why);
        return NULL;
    }
    c->i++;
    return v->text;
}

/* "header", "subprotocol", "origin" and "path": the handshake defaults
 * (docs/target-file.md#handshake-options). False when kw is none of them
 * or its value is bad (then c->failed is set). */
static bool parse_handshake_key(wsf_cursor *c, wsf_target *t, const char *kw, const char *line,
                                size_t len)
{
    wsf_handshake_defaults *d = &t->handshake;
    const char *v;
    if (!strcmp(kw, "header")) {
        v = handshake_value(c, "a \"Name: value\" header after 'header'", wsf_hs_bad_header);
        if (v) wsf_hs_defaults_header(d, v);
    } else if (!strcmp(kw, "origin")) {
        v = handshake_value(c, "an origin after 'origin' (e.g. http://example.test)",
                            wsf_hs_bad_origin);
        if (v) wsf_hs_defaults_origin(d, v);
    } else if (!strcmp(kw, "path")) {
        /* Free text like url: the lexer would take "/chat" for a regex. A
         * "string" is unquoted. */
        int col;
        char *p = rest_of_line(line, len, c, &col);
        size_t n = strlen(p);
        wsf_token at = {.col = col};
        if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
            memmove(p, p + 1, n - 2);
            p[n - 2] = '\0';
        }
        const char *why = wsf_hs_bad_path(p);
        if (!*p)
            wsf_cur_error_at(c, &at,
                             "expected a request path after 'path' (e.g. /chat), found "
                             "end of line");
        else if (why)
            wsf_cur_error_at(c, &at, "expected %s, found '%s'", why, p);
        else
            wsf_hs_defaults_path(d, p);
        free(p);
        c->i = c->toks.n;
    } else if (!strcmp(kw, "subprotocol")) {
        /* A list: several values, each of which may be "a,b". */
        do {
            const wsf_token *tok = wsf_cur_peek(c);
            const char *why = !tok || tok->kind == WSF_TOK_REGEX || strlen(tok->text) != tok->len
                                  ? "a subprotocol name after 'subprotocol'"
                                  : wsf_hs_defaults_subprotocols(d, tok->text);
            if (why) {
                wsf_cur_expected(c, why);
                return true;
            }
            c->i++;
        } while (!wsf_cur_at_end(c));
    } else {
        return false;
    }
    return true;
}

/* bound NAME VALUE: how this server is configured (its handshake timeout,
 * its close timeout...), for the scenarios that name the bound. */
static bool parse_bound(wsf_cursor *c, wsf_target *t)
{
    const wsf_token *nt = wsf_cur_peek(c);
    const char *name;
    if (!wsf_cur_any_word(c, "a bound name after 'bound'", &name)) return false;
    wsf_bound b = wsf_bound_from_name(name);
    if (b == WSF_BOUND_NONE) {
        wsf_cur_error_at(c, nt, "expected a bound name (%s, %s), found '%s'",
                         wsf_bound_names(false), wsf_bound_names(true), name);
        return false;
    }
    int64_t v;
    if (wsf_bound_is_size(b)) {
        uint64_t size;
        if (!wsf_cur_size(c, "a size (e.g. 16MiB)", &size)) return false;
        v = (int64_t)size;
    } else if (!wsf_cur_duration(c, "a duration (e.g. 10s)", &v)) {
        return false;
    }
    if (!wsf_cur_end(c)) return false;
    char origin[256];
    snprintf(origin, sizeof origin, "%s:%d", c->file, c->line);
    wsf_bounds_set(&t->bounds, b, v, origin);
    return true;
}

/* Every key, for the messages that list them. */
#define KEYS                                                                                       \
    "name, command, url, ready, stop, signal-to, log, env, alarm, ignore, known, bound, header, "  \
    "subprotocol, origin, path, ca, insecure"

static bool parse_line(wsf_cursor *c, wsf_target *t, const char *line, size_t len)
{
    const wsf_token *kwt = wsf_cur_peek(c);
    const char *kw = kwt->text;
    if (kwt->kind != WSF_TOK_WORD) {
        wsf_cur_expected(c, "a key (" KEYS ")");
        return false;
    }
    c->i++;
    if (!strcmp(kw, "name")) {
        const char *w;
        const wsf_token *s = wsf_cur_peek(c);
        if (s && s->kind == WSF_TOK_STRING) {
            c->i++;
            w = s->text;
        } else if (!wsf_cur_any_word(c, "a target name", &w)) {
            return false;
        }
        free(t->name);
        t->name = wsf_xstrdup(w);
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "command") || !strcmp(kw, "url")) {
        int col;
        char *v = rest_of_line(line, len, c, &col);
        if (!*v) {
            free(v);
            c->i = c->toks.n;
            wsf_cur_expected(c, !strcmp(kw, "url") ? "a ws:// or wss:// URL" : "a command line");
            return false;
        }
        /* Mistakes in ${...} or quoting are file errors, found now rather
         * than when the target is started in the middle of a run. */
        wsf_token at = {.col = col};
        if (!check_expansion(c, &at, v, kw[0] == 'c')) {
            free(v);
            return false;
        }
        if (kw[0] == 'c') {
            free(t->command);
            t->command = v;
            t->line_of_command = c->line;
        } else {
            /* Checked as the runner will use it, ${port} and all. */
            wsf_target_vars probe = {.port = 1, .host = "h", .bindir = "b", .targetdir = "t"};
            char why[256], e[256];
            char *x = wsf_target_expand(v, &probe, e, sizeof e);
            if (x && wsf_url_bad(x, why, sizeof why)) {
                wsf_cur_error_at(c, &at, "expected %s, found '%s'", why, v);
                free(x);
                free(v);
                return false;
            }
            free(x);
            free(t->url);
            t->url = v;
        }
        return true;
    }
    if (!strcmp(kw, "ready")) {
        if (wsf_cur_accept(c, "port")) {
            t->ready = WSF_READY_PORT;
        } else if (wsf_cur_accept(c, "log")) {
            const wsf_token *re;
            if (!wsf_cur_regex(c, "a /regular expression/ after 'log'", &re)) return false;
            if (t->ready_pattern) {
                wsf_rx_free(t->ready_re);
                t->ready_re = NULL;
                free(t->ready_pattern);
                t->ready_pattern = NULL;
            }
            char msg[256];
            t->ready_re = wsf_rx_compile(re->text, msg, sizeof msg);
            if (!t->ready_re) {
                wsf_cur_error_at(c, re, "bad regular expression: %s", msg);
                return false;
            }
            t->ready = WSF_READY_LOG;
            t->ready_pattern = wsf_xstrdup(re->text);
        } else {
            wsf_cur_expected(c, "'port' or 'log /regex/' after 'ready'");
            return false;
        }
        if (wsf_cur_accept(c, "within") &&
            !wsf_cur_duration(c, "a duration after 'within' (e.g. 5s)", &t->ready_within_us))
            return false;
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "stop")) {
        const char *w;
        if (!wsf_cur_word(c, "signal")) return false;
        const wsf_token *st = wsf_cur_peek(c);
        if (!wsf_cur_any_word(c, "a signal name (TERM, INT, HUP, ...)", &w)) return false;
        int sig = wsf_signal_from_name(w);
        if (sig < 0) {
            wsf_cur_error_at(c, st,
                             "expected a signal name (TERM, INT, HUP, QUIT, KILL, ...), "
                             "found '%s'",
                             w);
            return false;
        }
        t->stop_signal = sig;
        if (wsf_cur_accept(c, "grace") &&
            !wsf_cur_duration(c, "a duration after 'grace' (e.g. 3s)", &t->stop_grace_us))
            return false;
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "signal-to")) {
        if (wsf_cur_accept(c, "main"))
            t->signal_to = WSF_SIGNAL_MAIN;
        else if (wsf_cur_accept(c, "group"))
            t->signal_to = WSF_SIGNAL_GROUP;
        else {
            wsf_cur_expected(c, "main or group after 'signal-to'");
            return false;
        }
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "log")) {
        if (wsf_cur_accept(c, "level")) {
            const wsf_token *re;
            if (!wsf_cur_regex(c, "a /regular expression/ after 'level'", &re)) return false;
            char msg[256];
            wsf_rx *compiled = wsf_rx_compile(re->text, msg, sizeof msg);
            if (!compiled) {
                wsf_cur_error_at(c, re, "bad regular expression: %s", msg);
                return false;
            }
            if (wsf_rx_groups(compiled) < 1) {
                wsf_rx_free(compiled);
                wsf_cur_error_at(c, re,
                                 "expected a group ( ) around the level word in /%s/, found none",
                                 re->text);
                return false;
            }
            wsf_rx_free(t->level_re);
            free(t->level_pattern);
            t->level_re = compiled;
            t->level_pattern = wsf_xstrdup(re->text);
            return wsf_cur_end(c);
        }
        if (wsf_cur_accept(c, "stderr"))
            t->log = WSF_LOG_STDERR;
        else if (wsf_cur_accept(c, "stdout"))
            t->log = WSF_LOG_STDOUT;
        else if (wsf_cur_accept(c, "both"))
            t->log = WSF_LOG_BOTH;
        else {
            wsf_cur_expected(c, "stderr, stdout, both or level /regex/");
            return false;
        }
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "ca")) {
        /* A path, free text like a command's (a '/' is no regex here). */
        int col;
        char *v = rest_of_line(line, len, c, &col);
        wsf_token at = {.col = col};
        if (!*v) {
            free(v);
            c->i = c->toks.n;
            wsf_cur_expected(c, "a PEM file of CA certificates after 'ca'");
            return false;
        }
        if (!check_expansion(c, &at, v, false)) {
            free(v);
            return false;
        }
        t->tls_ca = v;
        return true;
    }
    if (!strcmp(kw, "insecure")) {
        t->tls_insecure = true;
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "env")) {
        const wsf_token *e = wsf_cur_peek(c);
        if (!e || !strchr(e->text, '=') || e->text[0] == '=') {
            wsf_cur_expected(c, "NAME=value after 'env'");
            return false;
        }
        c->i++;
        if (!check_expansion(c, e, e->text, false)) return false;
        t->env = wsf_xrealloc(t->env, (t->n_env + 1) * sizeof *t->env);
        t->env[t->n_env++] = wsf_xstrdup(e->text);
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "alarm") || !strcmp(kw, "ignore")) {
        const wsf_token *re;
        if (!wsf_cur_word(c, "log")) return false;
        if (!wsf_cur_regex(c, "a /regular expression/ after 'log'", &re)) return false;
        char err[256];
        if (wsf_patterns_add(kw[0] == 'a' ? &t->alarms : &t->ignore, re->text, err, sizeof err) <
            0) {
            wsf_cur_error_at(c, re, "%s", err);
            return false;
        }
        return wsf_cur_end(c);
    }
    if (!strcmp(kw, "known")) {
        const char *pattern;
        const wsf_token *why;
        if (!wsf_cur_any_word(c, "a scenario file pattern after 'known'", &pattern)) return false;
        if (!wsf_cur_string(c, "the reason as a string", &why)) return false;
        if (!wsf_cur_end(c)) return false;
        t->known = wsf_xrealloc(t->known, (t->n_known + 1) * sizeof *t->known);
        t->known[t->n_known++] = (wsf_known){wsf_xstrdup(pattern), wsf_xstrdup(why->text), c->line};
        return true;
    }
    if (!strcmp(kw, "bound")) return parse_bound(c, t);
    if (parse_handshake_key(c, t, kw, line, len)) return !c->failed && wsf_cur_end(c);
    if (c->failed) return false;
    wsf_cur_error_at(c, kwt, "expected a key (" KEYS "), found '%s'", kw);
    return false;
}

/* The keys a target has one of: a second line would silently win over the
 * first, so it is an error naming both. ("log level" and "log stderr" are
 * two keys; env, alarm, header... add up.) */
static const char *const single_keys[] = {"name",   "command",   "url", "ready",
                                          "stop",   "signal-to", "log", "log level",
                                          "origin", "path",      "ca",  "insecure"};
/* ca and insecure, by their places above. */
#define CA_KEY 10
#define INSECURE_KEY 11
#define N_SINGLE (sizeof single_keys / sizeof *single_keys)

/* The single key a line sets, as an index of single_keys, or -1. */
static int single_key_of(const wsf_tokens *toks)
{
    if (toks->n == 0 || toks->tok[0].kind != WSF_TOK_WORD) return -1;
    const char *kw = toks->tok[0].text;
    if (!strcmp(kw, "log") && toks->n > 1 && toks->tok[1].kind == WSF_TOK_WORD &&
        !strcmp(toks->tok[1].text, "level"))
        kw = "log level";
    for (size_t i = 0; i < N_SINGLE; i++)
        if (!strcmp(kw, single_keys[i])) return (int)i;
    return -1;
}

wsf_target *wsf_target_parse(const char *file, const char *text, char *err, size_t errlen)
{
    int first_at[N_SINGLE] = {0};
    wsf_target *t = wsf_xcalloc(1, sizeof *t);
    t->file = wsf_xstrdup(file);
    t->ready = WSF_READY_PORT;
    t->ready_within_us = 10000000;
    t->stop_signal = SIGTERM;
    t->stop_grace_us = 3000000;
    t->log = WSF_LOG_BOTH;
    wsf_patterns_add_default_alarms(&t->alarms);
    wsf_bounds_defaults(&t->bounds);
    wsf_cursor c = {.file = file, .err = err, .errlen = errlen};
    const char *line = text;
    bool ok = true;
    while (ok && *line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        size_t clen = len && line[len - 1] == '\r' ? len - 1 : len;
        c.line++;
        c.i = 0;
        wsf_tokens_clear(&c.toks);
        /* Commands and URLs are free text: quotes in them are the command's
         * business, so only their keyword goes through the lexer. */
        size_t kw = 0, kwend;
        while (kw < clen && isspace((unsigned char)line[kw]))
            kw++;
        for (kwend = kw; kwend < clen && !isspace((unsigned char)line[kwend]);)
            kwend++;
        bool free_text = (kwend - kw == 7 && !strncmp(line + kw, "command", 7)) ||
                         (kwend - kw == 3 && !strncmp(line + kw, "url", 3)) ||
                         (kwend - kw == 4 && !strncmp(line + kw, "path", 4)) ||
                         (kwend - kw == 2 && !strncmp(line + kw, "ca", 2));
        int ecol;
        char emsg[256];
        if (wsf_lex_line(line, free_text ? kwend : clen, &c.toks, &ecol, emsg, sizeof emsg) < 0) {
            snprintf(err, errlen, "%s:%d:%d: %s", file, c.line, ecol, emsg);
            ok = false;
        } else if (c.toks.n > 0) {
            int k = single_key_of(&c.toks);
            if (k >= 0 && first_at[k]) {
                snprintf(err, errlen, "%s:%d: '%s' given twice (first at line %d)", file, c.line,
                         single_keys[k], first_at[k]);
                ok = false;
            } else {
                if (k >= 0) first_at[k] = c.line;
                ok = parse_line(&c, t, line, clen);
            }
        }
        line = nl ? nl + 1 : line + len;
    }
    wsf_tokens_free(&c.toks);
    /* As --ca with --insecure on the command line: one of them is a mistake. */
    int ca_at = first_at[CA_KEY], insecure_at = first_at[INSECURE_KEY];
    if (ok && ca_at && insecure_at) {
        snprintf(err, errlen, "%s:%d: 'ca' and 'insecure' (line %d) together: choose one", file,
                 ca_at > insecure_at ? ca_at : insecure_at,
                 ca_at > insecure_at ? insecure_at : ca_at);
        ok = false;
    }
    if (ok) {
        const char *missing = !t->name ? "name" : !t->command ? "command" : !t->url ? "url" : NULL;
        if (missing) {
            snprintf(err, errlen, "%s:%d:1: expected a '%s' line, found none", file,
                     c.line ? c.line : 1, missing);
            ok = false;
        }
    }
    if (!ok) {
        wsf_target_free(t);
        return NULL;
    }
    return t;
}

char *wsf_target_ca_path(const wsf_target *t, const wsf_target_vars *v, char *err, size_t errlen)
{
    char e[512];
    char *x = wsf_target_expand(t->tls_ca, v, e, sizeof e);
    if (!x) {
        snprintf(err, errlen, "%s: ca: %s", t->file, e);
        return NULL;
    }
    if (x[0] == '/' || !v->targetdir) return x;
    char *full = wsf_xasprintf("%s/%s", v->targetdir, x);
    free(x);
    return full;
}

wsf_target *wsf_target_load(const char *file, char *err, size_t errlen)
{
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_target *t = wsf_read_text_file(file, "target file", &b, err, errlen) == 0
                        ? wsf_target_parse(file, (char *)b.data, err, errlen)
                        : NULL;
    wsf_buf_free(&b);
    return t;
}

void wsf_target_free(wsf_target *t)
{
    if (!t) return;
    wsf_rx_free(t->ready_re);
    free(t->ready_pattern);
    free(t->tls_ca);
    wsf_rx_free(t->level_re);
    free(t->level_pattern);
    for (size_t i = 0; i < t->n_env; i++)
        free(t->env[i]);
    free(t->env);
    for (size_t i = 0; i < t->n_known; i++) {
        free(t->known[i].pattern);
        free(t->known[i].why);
    }
    free(t->known);
    wsf_patterns_free(&t->alarms);
    wsf_patterns_free(&t->ignore);
    wsf_hs_defaults_free(&t->handshake);
    free(t->file);
    free(t->name);
    free(t->command);
    free(t->url);
    free(t);
}

/* True when PAT names FILE: a glob over the whole path or over its tail
 * after any '/' ("protocol/x.wsf" names scenarios/protocol/x.wsf from
 * wherever the suite was given on the command line). */
static bool names_file(const char *pat, const char *file)
{
    if (fnmatch(pat, file, 0) == 0) return true;
    char *tail = wsf_xasprintf("*/%s", pat);
    bool hit = fnmatch(tail, file, 0) == 0;
    free(tail);
    return hit;
}

const wsf_known *wsf_target_known(const wsf_target *t, const char *scenario_file,
                                  const char *case_label)
{
    for (size_t i = 0; i < t->n_known; i++) {
        const char *pat = t->known[i].pattern;
        const char *open = strrchr(pat, '[');
        size_t plen = strlen(pat);
        /* FILE[CASE] names one case of a matrix, literally: the brackets
         * would otherwise be a glob's character class. */
        if (case_label && open && plen > 2 && pat[plen - 1] == ']') {
            size_t flen = (size_t)(open - pat), clen = plen - flen - 2;
            char *file = wsf_xstrndup(pat, flen);
            bool hit = strlen(case_label) == clen && !memcmp(open + 1, case_label, clen) &&
                       names_file(file, scenario_file);
            free(file);
            if (hit) return &t->known[i];
        }
        if (names_file(pat, scenario_file)) return &t->known[i];
    }
    return NULL;
}

/* N for a variable named portN (1 to WSF_TARGET_PORTS; plain "port" is 1),
 * or 0. */
static int port_number(const char *name, size_t n)
{
    if (n < 4 || strncmp(name, "port", 4) != 0) return 0;
    if (n == 4) return 1;
    if (n != 5 || name[4] < '1' || name[4] > '0' + WSF_TARGET_PORTS) return 0;
    return name[4] - '0';
}

static unsigned ports_in(const char *s)
{
    unsigned used = 0;
    for (const char *v = strstr(s, "${"); v; v = strstr(v + 2, "${")) {
        const char *end = strchr(v, '}');
        if (!end) break;
        used |= 1u << port_number(v + 2, (size_t)(end - v - 2));
    }
    return used & ~1u; /* bit 0: not a port */
}

unsigned wsf_target_ports_used(const wsf_target *t)
{
    unsigned used = ports_in(t->command) | ports_in(t->url);
    for (size_t i = 0; i < t->n_env; i++)
        used |= ports_in(t->env[i]);
    return used;
}

char *wsf_target_expand(const char *s, const wsf_target_vars *v, char *err, size_t errlen)
{
    wsf_buf b;
    wsf_buf_init(&b);
    while (*s) {
        if (s[0] != '$' || s[1] != '{') {
            wsf_buf_append(&b, s, 1);
            s++;
            continue;
        }
        const char *end = strchr(s, '}');
        if (!end) {
            snprintf(err, errlen, "unterminated '${' in '%s'", s);
            wsf_buf_free(&b);
            return NULL;
        }
        size_t n = (size_t)(end - s - 2);
        const char *name = s + 2;
        int port = port_number(name, n);
        if (port == 1)
            wsf_buf_appendf(&b, "%d", v->port);
        else if (port > 1)
            wsf_buf_appendf(&b, "%d", v->more_ports[port - 2]);
        else if (n == 4 && !strncmp(name, "host", 4))
            wsf_buf_appendf(&b, "%s", v->host);
        else if (n == 6 && !strncmp(name, "bindir", 6))
            wsf_buf_appendf(&b, "%s", v->bindir);
        else if (n == 9 && !strncmp(name, "targetdir", 9))
            wsf_buf_appendf(&b, "%s", v->targetdir);
        else {
            snprintf(err, errlen,
                     "unknown variable '${%.*s}' (known: port, port2 to port%d, host, bindir, "
                     "targetdir)",
                     (int)n, name, WSF_TARGET_PORTS);
            wsf_buf_free(&b);
            return NULL;
        }
        s = end + 1;
    }
    if (!b.data) return wsf_xstrdup("");
    return (char *)b.data;
}

char **wsf_split_command(const char *cmd, char *err, size_t errlen)
{
    char **argv = NULL;
    size_t n = 0;
    const char *p = cmd;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p) break;
        wsf_buf w;
        wsf_buf_init(&w);
        while (*p && !isspace((unsigned char)*p)) {
            if (*p == '"' || *p == '\'') {
                char q = *p++;
                const char *close = strchr(p, q);
                if (!close) {
                    snprintf(err, errlen, "unterminated %c quote in command", q);
                    wsf_buf_free(&w);
                    argv = wsf_xrealloc(argv, (n + 1) * sizeof *argv);
                    argv[n] = NULL;
                    wsf_free_argv(argv);
                    return NULL;
                }
                wsf_buf_append(&w, p, (size_t)(close - p));
                p = close + 1;
            } else {
                wsf_buf_append(&w, p, 1);
                p++;
            }
        }
        argv = wsf_xrealloc(argv, (n + 2) * sizeof *argv);
        argv[n++] = w.data ? (char *)w.data : wsf_xstrdup("");
    }
    if (n == 0) {
        snprintf(err, errlen, "empty command");
        free(argv);
        return NULL;
    }
    argv[n] = NULL;
    return argv;
}

void wsf_free_argv(char **argv)
{
    if (!argv) return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}
