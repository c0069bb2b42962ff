/* wsfault: the command line. Loads scenarios and the target, runs them, prints
 * a verdict per scenario as it goes, and writes results.json. */
#include "report.h"
#include "results.h"
#include "workers.h"
#include "runner.h"
#include "scenario.h"
#include "storm.h"
#include "target.h"
#include "tls.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define EXIT_USAGE 2
#ifndef WSF_SUITE_FROM_BINDIR /* set by cmake/install.cmake */
#define WSF_SUITE_FROM_BINDIR "../share/wsfault/scenarios"
#endif

static const char usage_text[] =
    "usage: wsfault run [options] [PATH...]\n"
    "       wsfault report RESULTS.json... [-o DIR [--link-captures]] [--junit FILE]\n"
    "       wsfault storm (--target FILE | --url URL) [options]\n"
    "       wsfault --help | --version\n"
    "\n"
    "Runs WebSocket fault-injection scenarios (.wsf files; folders are searched\n"
    "recursively) against a target server and judges how it handles connections\n"
    "that end badly. Without a PATH it runs the suite installed with wsfault,\n"
    "in " WSF_SUITE_FROM_BINDIR " from the folder of the wsfault program\n"
    "(in a build folder: the source tree's scenarios/).\n"
    "\n"
    "options:\n"
    "  -t, --target FILE     start and stop the server described by a .target file\n"
    "  -u, --url URL         test an external server at ws:// or wss://host:port/path;\n"
    "                        with --target, the server that file describes, already\n"
    "                        running: nothing is started, the file's bounds, known\n"
    "                        failures, alarms and handshake options apply\n"
    "      --ca FILE         wss://: trust the CA certificates of this PEM file\n"
    "                        (default: the target file's 'ca', else the system's)\n"
    "      --insecure        wss://: verify no certificate (TLS still runs)\n"
    "  -f, --filter PATTERN  run only scenarios whose name, file or tag matches\n"
    "                        (a glob with * ? [..], else a substring; repeatable)\n"
    "  -l, --list            list the scenarios that would run, then exit\n"
    "  -o, --results FILE    where to write the results (default: results.json)\n"
    "  -v, --verbose         print the timeline of every failing scenario\n"
    "  -j, --jobs N          run N scenarios at a time, each worker with its own\n"
    "                        target on its own port (default: the number of cores;\n"
    "                        with --url, 1: more share the server, with no capture\n"
    "                        and no log); output and results in the run's order\n"
    "      --repeat N        run the scenarios N times (each run is listed)\n"
    "      --until-fail      run them again and again until one fails or errors,\n"
    "                        at most 1000 times (or --repeat N); passes after the\n"
    "                        first try are counted, not listed; exit 1 when found\n"
    "      --shuffle         run them in a random order (a new one per try), from\n"
    "                        a seed that is printed; --seed S repeats an order\n"
    "      --shard I/N       run the I-th of N shares of the scenarios, for CI jobs\n"
    "                        in parallel; `report` merges the shards' results\n"
    "                        files into one column\n"
    "      --report DIR      at the end, write an HTML report: DIR/index.html\n"
    "      --junit FILE      at the end, write JUnit XML for CI\n"
    "      --no-capture      do not capture packets (on by default where permitted:\n"
    "                        one .pcap per scenario in captures/ beside the results)\n"
    "      --capture-if IF   capture on this interface (default: lo for loopback\n"
    "                        targets, any otherwise)\n"
    "      --log FILE        follow a log file the server writes (from its end):\n"
    "                        its lines are judged like a target's output (alarms,\n"
    "                        expect log); with --url the only way to see a log\n"
    "      --header 'N: V'   send this header in every handshake (repeatable)\n"
    "      --subprotocol P   offer subprotocol P in every handshake (repeatable)\n"
    "      --origin URL      send Origin: URL in every handshake\n"
    "      --path /P         the request path of every handshake, not the URL's\n"
    "                        (these four win over the target file's; a scenario's\n"
    "                        own handshake options win over both)\n"
    "      --bound NAME=VALUE  set a named bound for this server, over the target\n"
    "                        file's: handshake-timeout, close-timeout, close-tcp,\n"
    "                        shutdown-grace, ping-interval, ping-timeout\n"
    "                        (durations), rss-growth (a size)\n"
    "  -h, --help            this text\n"
    "  -V, --version         the version\n"
    "\n"
    "report renders results files (one or several: runs, shards, targets merged\n"
    "into one matrix) without running anything:\n"
    "  -o, --output DIR      write DIR/index.html and copy the captures it links\n"
    "      --link-captures   link each capture where its run left it (by its path\n"
    "                        from DIR) instead of copying it into DIR/captures/\n"
    "      --junit FILE      write JUnit XML\n"
    "\n"
    "storm throws many connections that end badly at one target until one round\n"
    "fails, then writes a scenario that reproduces it: see wsfault storm --help\n"
    "\n"
    "Verdicts are coloured when stdout is a terminal and NO_COLOR is not set.\n"
    "\n"
    "exit status: 0 all passed, 1 a scenario failed or errored,\n"
    "             2 usage error or a bad scenario or target file,\n"
    "             130 interrupted (Ctrl-C; results so far are still written).\n"
    "\n"
    "docs: docs/scenario-language.md, docs/target-file.md, docs/reports.md\n"
    "(installed in share/doc/wsfault/docs/ beside share/wsfault/)\n";

typedef struct {
    char **v;
    size_t n;
} strlist;

static void strlist_push(strlist *l, char *s)
{
    l->v = wsf_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Adds every .wsf below dir, in a stable (sorted) order. */
static int collect_dir(const char *dir, strlist *out)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "wsfault: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    strlist here = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        strlist_push(&here, wsf_xasprintf("%s/%s", dir, e->d_name));
    }
    closedir(d);
    /* An empty folder has no array to sort: qsort(NULL, 0) is undefined. */
    if (here.n > 1) qsort(here.v, here.n, sizeof *here.v, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < here.n; i++) {
        struct stat st;
        if (stat(here.v[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (collect_dir(here.v[i], out) < 0) rc = -1;
            free(here.v[i]);
        } else if (has_suffix(here.v[i], ".wsf")) {
            /* A .wsf that is a FIFO or a device would block the run: refused
             * by name, not skipped. */
            char why[1024];
            int fd = wsf_open_regular(here.v[i], why, sizeof why);
            if (fd < 0) {
                fprintf(stderr, "wsfault: %s\n", why);
                free(here.v[i]);
                rc = -1;
                continue;
            }
            close(fd);
            strlist_push(out, here.v[i]);
        } else {
            free(here.v[i]);
        }
    }
    free(here.v);
    return rc;
}

static int collect(const char *path, strlist *out)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "wsfault: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        char *p = wsf_xstrdup(path);
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
            p[--n] = '\0';
        int rc = collect_dir(p, out);
        free(p);
        return rc;
    }
    char why[1024];
    int fd = wsf_open_regular(path, why, sizeof why);
    if (fd < 0) {
        fprintf(stderr, "wsfault: %s\n", why);
        return -1;
    }
    close(fd);
    strlist_push(out, wsf_xstrdup(path));
    return 0;
}

static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return wsf_xstrdup(".");
    buf[n] = '\0';
    return wsf_xstrdup(dirname(buf));
}

/* The suite installed with this program: WSF_SUITE_FROM_BINDIR from its own
 * folder (../share/wsfault/scenarios), found at run time so that a prefix
 * that was moved still finds its own suite. A build folder has the same
 * shape: build/share/wsfault/scenarios links to the source tree's. The
 * leading ".." are taken off by hand, so that the path is plain in an
 * error even when nothing is there. */
static char *installed_suite(void)
{
    char *dir = exe_dir();
    const char *rel = WSF_SUITE_FROM_BINDIR;
    while (!strncmp(rel, "../", 3) && strcmp(dir, "/") != 0) {
        char *up = wsf_xstrdup(dirname(dir));
        free(dir);
        dir = up;
        rel += 3;
    }
    char *suite = wsf_xasprintf("%s%s%s", dir, strcmp(dir, "/") ? "/" : "", rel);
    free(dir);
    return suite;
}

static char *abs_dir_of(const char *file)
{
    char buf[PATH_MAX];
    if (!realpath(file, buf)) return wsf_xstrdup(".");
    return wsf_xstrdup(dirname(buf));
}

/* Captures go in a folder beside the results file: results/captures/. */
static char *captures_dir(const char *results_path)
{
    char *copy = wsf_xstrdup(results_path);
    char *dir = wsf_xasprintf("%s/captures", dirname(copy));
    free(copy);
    return dir;
}

/* Colour only for a person at a terminal: logs and CI files stay plain, and
 * NO_COLOR (https://no-color.org) turns it off everywhere. */
static bool tty, colour;

static void setup_terminal(void)
{
    tty = isatty(STDOUT_FILENO);
    const char *no = getenv("NO_COLOR");
    colour = tty && !(no && *no);
}

static const char *paint(wsf_verdict v)
{
    static const char *code[] = {"\033[32m", "\033[1;31m", "\033[1;35m", "\033[33m",
                                 "\033[33m", "\033[36m",   "\033[34m"};
    return colour ? code[v] : "";
}

/* On a terminal, the scenario running now shows on a line the next verdict
 * overwrites, so a long run is never silent. */
static void print_running(const wsf_scenario *sc, size_t i, size_t n, unsigned try_no)
{
    if (!tty) return;
    printf("\r\033[K");
    if (try_no) printf("try %u ", try_no);
    printf("[%zu/%zu] running %s ...", i + 1, n, sc->name);
    fflush(stdout);
}

static void print_result(FILE *out, const wsf_result *r, size_t i, size_t n, bool verbose)
{
    static const char *label[] = {"PASS ",      "FAIL ", "ERROR", "KNOWN",
                                  "NON-STRICT", "SKIP ", "INFO "};
    char d[32];
    wsf_format_duration(r->duration_us, d, sizeof d);
    int w = n >= 100 ? 3 : n >= 10 ? 2 : 1;
    if (tty) fprintf(out, "\r\033[K");
    char try_text[32] = "";
    if (r->try_no) snprintf(try_text, sizeof try_text, ", try %u", r->try_no);
    fprintf(out, "[%*zu/%zu] %s%s%s %s  (%s, %s%s)\n", w, i + 1, n, paint(r->verdict),
            label[r->verdict], colour ? "\033[0m" : "", r->sc->name, r->sc->file, d, try_text);
    if (r->verdict == WSF_SKIP) {
        fprintf(out, "        %s\n", r->reason);
    } else if (r->verdict == WSF_ERROR) {
        /* Continuation lines (a target's last log lines) stay indented. */
        fprintf(out, "        error: ");
        for (const char *p = r->reason ? r->reason : "?"; *p; p++) {
            fputc(*p, out);
            if (*p == '\n' && p[1]) fprintf(out, "        ");
        }
        fputc('\n', out);
    } else if (r->verdict != WSF_PASS) {
        if (r->known && r->verdict == WSF_KNOWN)
            fprintf(out, "        known failure: %s\n", r->known);
        for (size_t k = 0; k < r->n_checks; k++) {
            const wsf_check *c = &r->checks[k];
            if (c->result != WSF_CHECK_FAIL && c->result != WSF_CHECK_NONSTRICT &&
                c->result != WSF_CHECK_INFO)
                continue;
            const char *tag = c->result == WSF_CHECK_NONSTRICT ? " (SHOULD: non-strict)"
                              : c->result == WSF_CHECK_INFO    ? " (informational)"
                                                               : "";
            if (c->line)
                fprintf(out, "        %s:%d: %s%s\n", r->sc->file, c->line, c->text, tag);
            else
                fprintf(out, "        %s%s\n", c->text, tag);
            fprintf(out, "          expected: %s\n", c->expected ? c->expected : "");
            fprintf(out, "          actual:   %s\n", c->actual ? c->actual : "");
        }
    }
    /* A check this run could not see is said, so a pass is not read as
     * more than it is. */
    for (size_t k = 0; k < r->n_checks && r->verdict != WSF_SKIP; k++) {
        const wsf_check *c = &r->checks[k];
        if (c->result == WSF_CHECK_SKIPPED)
            fprintf(out, "        skipped %s:%d: %s: %s\n", r->sc->file, c->line, c->text,
                    c->actual ? c->actual : "");
    }
    if (r->verdict == WSF_PASS && r->known)
        fprintf(out,
                "        passed, though the target file lists it as a known failure (\"%s\"): "
                "remove the entry\n",
                r->known);
    if (verbose && r->verdict != WSF_PASS) {
        fprintf(out, "        timeline:\n");
        const char **names = NULL;
        if (wsf_scenario_named_conns(r->sc)) {
            names = wsf_xcalloc(r->sc->n_conns, sizeof *names);
            for (size_t i = 0; i < r->sc->n_conns; i++)
                names[i] = wsf_conn_name(r->sc, (unsigned)i);
        }
        wsf_timeline_print(&r->tl, out, names);
        free(names);
    }
}

/* The folder of an output file is created when missing; the file itself,
 * when it is there, must be a file the rename can replace, not a folder. */
static bool folder_writable(const char *option, const char *file)
{
    struct stat st;
    if (stat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
        fprintf(stderr, "wsfault: %s %s: not a regular file%s\n", option, file,
                S_ISDIR(st.st_mode) ? " (a folder)" : "");
        return false;
    }
    char *copy = wsf_xstrdup(file), why[1024];
    const char *dir = dirname(copy);
    /* mkdir says nothing when a file of that name is there: a folder is
     * asked for. */
    struct stat dst;
    bool ok = wsf_mkdir_p(dir, why, sizeof why) == 0 && stat(dir, &dst) == 0 &&
              S_ISDIR(dst.st_mode) && access(dir, W_OK) == 0;
    free(copy);
    if (!ok)
        fprintf(stderr, "wsfault: %s %s: its folder cannot be created or written\n", option, file);
    return ok;
}

/* Outputs that cannot be written are found out before the run, not after
 * it. The report folder is created now. */
static bool outputs_writable(const char *results, const char *report_dir, const char *junit)
{
    char why[1024];
    if (!folder_writable("--results", results)) return false;
    if (junit && !folder_writable("--junit", junit)) return false;
    if (report_dir && wsf_mkdir_p(report_dir, why, sizeof why) < 0) {
        fprintf(stderr, "wsfault: --report %s: %s\n", report_dir, why);
        return false;
    }
    return true;
}

/* Renders the reports from results files: the same path for `run --report`
 * and `report`, so a report rebuilt later is the report the run wrote.
 * Returns 0, 1 when an output cannot be written, 2 for a bad results file. */
static int render(char *const *paths, size_t n, const char *html_dir, const wsf_html_options *html,
                  const char *junit)
{
    wsf_report r;
    char err[1024];
    if (wsf_report_load(&r, paths, n, err, sizeof err) < 0) {
        fprintf(stderr, "wsfault: %s\n", err);
        wsf_report_free(&r);
        return EXIT_USAGE;
    }
    int rc = 0;
    if (html_dir) {
        if (wsf_report_html(&r, html_dir, html, err, sizeof err) < 0) {
            fprintf(stderr, "wsfault: report: %s\n", err);
            rc = 1;
        } else {
            printf("report: %s/index.html\n", html_dir);
        }
    }
    if (junit) {
        if (wsf_report_junit(&r, junit, err, sizeof err) < 0) {
            fprintf(stderr, "wsfault: junit: %s\n", err);
            rc = 1;
        } else {
            printf("junit: %s\n", junit);
        }
    }
    wsf_report_free(&r);
    return rc;
}

/* The reports a run writes at its end (run and storm): captures copied. */
static int render_copying(char *const *paths, size_t n, const char *html_dir, const char *junit)
{
    return render(paths, n, html_dir, &(wsf_html_options){0}, junit);
}

static int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"junit", required_argument, 0, 'J'},
                                         {"link-captures", no_argument, 0, 'L'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *html_dir = NULL, *junit = NULL;
    wsf_html_options html = {0};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            html_dir = optarg;
            break;
        case 'J':
            junit = optarg;
            break;
        case 'L':
            html.link_captures = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            fputs("wsfault: try 'wsfault --help'\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fputs("wsfault: report needs at least one results file\ntry 'wsfault --help'\n", stderr);
        return EXIT_USAGE;
    }
    if (!html_dir && !junit) {
        fputs("wsfault: report: give -o DIR for HTML, --junit FILE, or both\n", stderr);
        return EXIT_USAGE;
    }
    return render(argv + optind, (size_t)(argc - optind), html_dir, &html, junit);
}

/* --header, --subprotocol, --origin, --path: checked as the target file's
 * keys are, into the command line's handshake defaults. */
static bool handshake_option(wsf_handshake_defaults *d, int ch, const char *v)
{
    const char *name = ch == 'H'   ? "header"
                       : ch == 'O' ? "origin"
                       : ch == 'A' ? "path"
                                   : "subprotocol";
    const char *why = ch == 'H'   ? wsf_hs_bad_header(v)
                      : ch == 'O' ? wsf_hs_bad_origin(v)
                      : ch == 'A' ? wsf_hs_bad_path(v)
                                  : wsf_hs_defaults_subprotocols(d, v);
    if (why) {
        wsf_buf b;
        wsf_buf_init(&b);
        wsf_escape_bytes((const uint8_t *)v, strlen(v), 200, &b);
        fprintf(stderr, "wsfault: --%s: expected %s, found '%s'\n", name, why, (char *)b.data);
        wsf_buf_free(&b);
        return false;
    }
    if (ch == 'H') wsf_hs_defaults_header(d, v);
    if (ch == 'O') wsf_hs_defaults_origin(d, v);
    if (ch == 'A') wsf_hs_defaults_path(d, v);
    return true;
}

/* What every worker needs to run the scenarios, settled before any runs,
 * and what the run collects of them. */
typedef struct {
    wsf_scenario **scs;
    size_t n;
    const wsf_target *target;    /* to start; NULL with --url */
    const wsf_target *described; /* --target with --url: the server at the URL */
    const char *url;
    wsf_target_vars vars;
    const wsf_handshake_defaults *handshake;
    const char **bound_args;
    size_t n_bound_args;
    const char *log_file;
    bool capture, verbose;
    const char *tls_ca; /* wss://: --ca, or the target file's 'ca' */
    bool tls_insecure;
    const char *capture_if;
    char *capture_dir, *capture_off_why;
    char *shared_why; /* --url with -j N > 1: why capture and log are off */
    /* The jobs: try t runs scenario order[t * n + k] as its k-th. */
    size_t n_jobs;
    size_t *order;
    int workers;   /* -j: they share the run's timeline budget */
    bool numbered; /* tries are numbered: --repeat or --until-fail */
    bool until_fail;
    /* Collected in the order of the run. */
    wsf_results_entry *entries;
    bool *have;
    size_t counts[WSF_N_VERDICTS], runs, not_listed;
    size_t failed_job; /* --until-fail: the first failure, or (size_t)-1 */
} run_plan;

typedef struct {
    run_plan *p;
    wsf_loop loop;
    wsf_runner runner;
} run_state;

static void *plan_start(void *ctx, char *err, size_t errlen)
{
    run_plan *p = ctx;
    run_state *st = wsf_xcalloc(1, sizeof *st);
    st->p = p;
    wsf_timeline_share_run_budget(p->workers);
    if (wsf_loop_init(&st->loop) < 0) {
        snprintf(err, errlen, "event loop: %s", strerror(errno));
        free(st);
        return NULL;
    }
    wsf_runner *r = &st->runner;
    wsf_runner_init(r, &st->loop, p->target, p->url, &p->vars);
    if (p->described) wsf_runner_describe(r, p->described);
    r->handshake = p->handshake;
    /* The command line wins over the target file: checked when read. */
    for (size_t i = 0; i < p->n_bound_args; i++) {
        char e[512];
        wsf_bounds_set_arg(&r->bounds, p->bound_args[i], e, sizeof e);
    }
    /* Workers sharing one external server cannot tell whose connections
     * the capture sees, nor whose scenario a log line belongs to: neither
     * is read, and what needs them is skipped with the reason. */
    if (p->shared_why) {
        r->log_off_why = p->shared_why;
        if (p->capture && !p->capture_off_why) r->capture_off_why = wsf_xstrdup(p->shared_why);
    }
    if (p->log_file && !p->shared_why && wsf_runner_follow_log(r, p->log_file, err, errlen) < 0) {
        wsf_runner_finish(r);
        wsf_loop_close(&st->loop);
        free(st);
        return NULL;
    }
    r->capture = p->capture;
    r->capture_if = p->capture_if;
    r->capture_dir = p->capture_dir;
    r->tls_ca = p->tls_ca;
    r->tls_insecure = p->tls_insecure;
    if (p->capture_off_why) r->capture_off_why = wsf_xstrdup(p->capture_off_why);
    return st;
}

static int64_t cpu_of(const struct rusage *u)
{
    return (int64_t)(u->ru_utime.tv_sec + u->ru_stime.tv_sec) * 1000000 + u->ru_utime.tv_usec +
           u->ru_stime.tv_usec;
}

static void plan_run(void *state, size_t i, wsf_job_out *out)
{
    run_state *st = state;
    run_plan *p = st->p;
    wsf_result res;
    /* Captures are named by the scenario's place in the run, in every worker. */
    st->runner.n_run = i;
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    wsf_runner_run(&st->runner, p->scs[p->order[i]], &res);
    getrusage(RUSAGE_SELF, &after);
    res.cpu_us = cpu_of(&after) - cpu_of(&before);
    res.peak_rss_kib = after.ru_maxrss;
    res.try_no = p->numbered ? (unsigned)(i / p->n + 1) : 0;
    size_t len;
    FILE *f = open_memstream(&out->text, &len);
    if (f) {
        print_result(f, &res, i % p->n, p->n, p->verbose);
        fclose(f);
    }
    out->entry.verdict = res.verdict;
    out->entry.json = wsf_result_entry(&res);
    out->interrupted = st->loop.interrupted != 0;
    wsf_result_free(&res);
}

static void plan_stop(void *state)
{
    run_state *st = state;
    wsf_runner_finish(&st->runner);
    wsf_loop_close(&st->loop);
    free(st);
}

static void plan_began(void *ctx, size_t i)
{
    run_plan *p = ctx;
    print_running(p->scs[p->order[i]], i % p->n, p->n, p->numbered ? (unsigned)(i / p->n + 1) : 0);
}

/* A worker that died in the middle of a scenario leaves no entry: the
 * scenario still gets one, an error saying so, so that results.json lists
 * every scenario that ran. */
static char *lost_entry(const wsf_scenario *sc, const char *why, unsigned try_no)
{
    wsf_result res = {.sc = sc, .verdict = WSF_ERROR, .try_no = try_no};
    res.reason = wsf_xstrdup(why && *why ? why : "the worker running it ended: no verdict");
    size_t n = strlen(res.reason);
    while (n && res.reason[n - 1] == '\n')
        res.reason[--n] = '\0';
    wsf_timeline_init(&res.tl, wsf_now_us());
    char *json = wsf_result_entry(&res);
    wsf_timeline_free(&res.tl);
    free(res.reason);
    return json;
}

static bool plan_done(void *ctx, size_t i, wsf_job_out *out)
{
    run_plan *p = ctx;
    if (!out->entry.json) {
        out->entry.verdict = WSF_ERROR;
        out->entry.json =
            lost_entry(p->scs[p->order[i]], out->text, p->numbered ? (unsigned)(i / p->n + 1) : 0);
    }
    wsf_verdict v = out->entry.verdict;
    bool failed = v == WSF_FAIL || v == WSF_ERROR;
    p->counts[v]++;
    p->runs++;
    /* --until-fail: the first try is shown and kept whole; later ones only
     * what failed, and a line at the end of each try. */
    bool keep = !p->until_fail || i < p->n || failed;
    if (keep && out->text) fputs(out->text, stdout);
    free(out->text);
    if (keep) {
        p->entries[i] = out->entry;
        p->have[i] = true;
    } else {
        free(out->entry.json);
        p->not_listed++;
    }
    if (p->until_fail && failed && p->failed_job == (size_t)-1) p->failed_job = i;
    if (p->until_fail && i >= p->n && i % p->n == p->n - 1 && p->failed_job == (size_t)-1) {
        if (tty) printf("\r\033[K");
        printf("try %zu: no failure\n", i / p->n + 1);
    }
    fflush(stdout);
    return p->until_fail && failed;
}

/* --shard I/N: "3/8". */
static bool parse_shard(const char *v, int *index, int *count)
{
    char *end;
    errno = 0;
    long i = strtol(v, &end, 10);
    if (errno || end == v || *end != '/') return false;
    const char *c = end + 1;
    long n = strtol(c, &end, 10);
    if (errno || end == c || *end || n < 1 || n > 10000 || i < 1 || i > n) return false;
    *index = (int)i;
    *count = (int)n;
    return true;
}

/* --repeat N, --seed S: a whole number, at most max. */
static bool parse_count(const char *v, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (*v < '0' || *v > '9') return false;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end || x > max) return false;
    *out = x;
    return true;
}

static int cmd_run(int argc, char **argv, int full_argc, char **full_argv)
{
    static const struct option opts[] = {{"target", required_argument, 0, 't'},
                                         {"url", required_argument, 0, 'u'},
                                         {"filter", required_argument, 0, 'f'},
                                         {"list", no_argument, 0, 'l'},
                                         {"results", required_argument, 0, 'o'},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {"version", no_argument, 0, 'V'},
                                         {"capture", no_argument, 0, 'C'},
                                         {"no-capture", no_argument, 0, 'N'},
                                         {"capture-if", required_argument, 0, 'I'},
                                         {"report", required_argument, 0, 'R'},
                                         {"junit", required_argument, 0, 'J'},
                                         {"header", required_argument, 0, 'H'},
                                         {"subprotocol", required_argument, 0, 'P'},
                                         {"origin", required_argument, 0, 'O'},
                                         {"path", required_argument, 0, 'A'},
                                         {"bound", required_argument, 0, 'B'},
                                         {"log", required_argument, 0, 'L'},
                                         {"jobs", required_argument, 0, 'j'},
                                         {"repeat", required_argument, 0, 'r'},
                                         {"until-fail", no_argument, 0, 'U'},
                                         {"shuffle", no_argument, 0, 'S'},
                                         {"seed", required_argument, 0, 's'},
                                         {"shard", required_argument, 0, 'D'},
                                         {"ca", required_argument, 0, 'c'},
                                         {"insecure", no_argument, 0, 'k'},
                                         {0, 0, 0, 0}};
    const char *target_file = NULL, *url = NULL, *results_path = "results.json";
    const char *cli_ca = NULL;
    bool cli_insecure = false;
    /* The command line's handshake defaults, and those of the run: the
     * target file's overridden by them. */
    wsf_handshake_defaults cli_handshake = {0}, handshake = {0};
    strlist filters = {0};
    /* --bound values, checked as they are read, applied once the runner
     * holds the target file's. */
    const char *bound_args[WSF_N_BOUNDS * 4];
    size_t n_bound_args = 0;
    wsf_bounds scratch;
    bool list = false, verbose = false, capture = true;
    const char *capture_if = NULL, *report_dir = NULL, *junit = NULL, *log_file = NULL;
    int ch, jobs = 0; /* 0: the default */
    unsigned long long repeat = 0, seed = 0;
    bool until_fail = false, shuffle = false, have_seed = false;
    int shard_index = 0, shard_count = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "t:u:f:lo:vhVj:", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': {
            char *end;
            errno = 0;
            long j = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || j < 1 || j > 64) {
                fprintf(stderr, "wsfault: -j %s: expected a number of workers from 1 to 64\n",
                        optarg);
                wsf_hs_defaults_free(&cli_handshake);
                free(filters.v);
                return EXIT_USAGE;
            }
            jobs = (int)j;
            break;
        }
        case 'r':
        case 's':
        case 'D': {
            unsigned long long x = 0;
            bool ok = ch == 'D'   ? parse_shard(optarg, &shard_index, &shard_count)
                      : ch == 'r' ? parse_count(optarg, 1000000, &x) && x >= 1
                                  : parse_count(optarg, UINT64_MAX, &x);
            if (!ok) {
                fprintf(stderr, "wsfault: --%s %s: expected %s\n",
                        ch == 'D'   ? "shard"
                        : ch == 'r' ? "repeat"
                                    : "seed",
                        optarg,
                        ch == 'D'   ? "I/N, the I-th of N shares, 1 <= I <= N <= 10000 (e.g. 2/4)"
                        : ch == 'r' ? "a number of times from 1 to 1000000"
                                    : "a whole number (as a run printed it)");
                wsf_hs_defaults_free(&cli_handshake);
                free(filters.v);
                return EXIT_USAGE;
            }
            if (ch == 'r') repeat = x;
            if (ch == 's') {
                seed = x;
                have_seed = true;
            }
            break;
        }
        case 'U':
            until_fail = true;
            break;
        case 'S':
            shuffle = true;
            break;
        case 't':
            target_file = optarg;
            break;
        case 'u':
            url = optarg;
            break;
        case 'c':
            cli_ca = optarg;
            break;
        case 'k':
            cli_insecure = true;
            break;
        case 'f':
            strlist_push(&filters, optarg);
            break;
        case 'l':
            list = true;
            break;
        case 'o':
            results_path = optarg;
            break;
        case 'v':
            verbose = true;
            break;
        case 'C':
            capture = true;
            break;
        case 'N':
            capture = false;
            break;
        case 'I':
            capture_if = optarg;
            break;
        case 'R':
            report_dir = optarg;
            break;
        case 'J':
            junit = optarg;
            break;
        case 'L':
            log_file = optarg;
            break;
        case 'H':
        case 'P':
        case 'O':
        case 'A':
            if (!handshake_option(&cli_handshake, ch, optarg)) {
                wsf_hs_defaults_free(&cli_handshake);
                free(filters.v);
                return EXIT_USAGE;
            }
            break;
        case 'B': {
            char err[512];
            if (n_bound_args == sizeof bound_args / sizeof *bound_args)
                snprintf(err, sizeof err, "too many --bound options");
            else if (wsf_bounds_set_arg(&scratch, optarg, err, sizeof err) == 0)
                err[0] = '\0';
            if (err[0]) {
                fprintf(stderr, "wsfault: %s\n", err);
                wsf_hs_defaults_free(&cli_handshake);
                free(filters.v);
                return EXIT_USAGE;
            }
            bound_args[n_bound_args++] = optarg;
            break;
        }
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'V':
            printf("wsfault %s\n", WSF_VERSION);
            return 0;
        default:
            fputs("wsfault: try 'wsfault --help'\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (!list && !target_file && !url) {
        fputs("wsfault: give a target: --target FILE or --url ws://host:port/\n", stderr);
        return EXIT_USAGE;
    }
    char url_why[256];
    if (url && wsf_url_bad(url, url_why, sizeof url_why)) {
        fprintf(stderr, "wsfault: --url %s: expected %s (ws://host:port/path)\n", url, url_why);
        wsf_hs_defaults_free(&cli_handshake);
        free(filters.v);
        return EXIT_USAGE;
    }
    if (have_seed && !shuffle) {
        fputs("wsfault: --seed S goes with --shuffle: the seed chooses the order\n", stderr);
        return EXIT_USAGE;
    }
    if (cli_ca && cli_insecure) {
        fputs("wsfault: --ca FILE and --insecure: trust that CA, or verify nothing, not both\n",
              stderr);
        return EXIT_USAGE;
    }

    /* No path: the suite installed beside this program. */
    char *suite = NULL;
    char **paths = argv + optind;
    int n_paths = argc - optind;
    if (n_paths == 0) {
        struct stat st;
        suite = installed_suite();
        if (stat(suite, &st) < 0) {
            fprintf(
                stderr,
                "wsfault: no scenario file or folder given, and no installed suite at %s (%s)\n",
                suite, strerror(errno));
            free(suite);
            return EXIT_USAGE;
        }
        paths = &suite;
        n_paths = 1;
    }

    strlist files = {0};
    int bad = 0;
    for (int i = 0; i < n_paths; i++)
        if (collect(paths[i], &files) < 0) bad = 1;
    if (bad) {
        free(suite);
        return EXIT_USAGE;
    }

    /* Every file is parsed before anything runs: a typo in the last scenario
     * should not cost a whole run. */
    wsf_scenario **scs = NULL;
    size_t n = 0;
    for (size_t i = 0; i < files.n; i++) {
        char err[1024];
        wsf_scenario **cases;
        int nc = wsf_scenario_load_cases(files.v[i], &cases, err, sizeof err);
        if (nc < 0) {
            fprintf(stderr, "%s\n", err);
            bad = 1;
            continue;
        }
        scs = wsf_xrealloc(scs, (n + (size_t)nc + 1) * sizeof *scs);
        for (int k = 0; k < nc; k++) {
            wsf_scenario *s = cases[k];
            bool keep = filters.n == 0;
            for (size_t f = 0; f < filters.n && !keep; f++)
                keep = wsf_scenario_matches(s, filters.v[f]);
            if (keep)
                scs[n++] = s;
            else
                wsf_scenario_free(s);
        }
        free(cases);
    }
    for (size_t i = 0; i < files.n; i++)
        free(files.v[i]);
    free(files.v);
    size_t n_filters = filters.n;
    free(filters.v);
    int rc = EXIT_USAGE;
    wsf_target *target = NULL;
    size_t *order = NULL;
    if (bad) goto out;
    if (n == 0) {
        /* Where it looked, so an empty or mistyped folder is seen at once. */
        fprintf(stderr, "wsfault: no scenario to run in");
        for (int i = 0; i < n_paths; i++)
            fprintf(stderr, " %s", paths[i]);
        fprintf(stderr, "%s\n", n_filters ? " (none matched the filter)" : " (no .wsf file)");
        goto out;
    }
    /* A share is every N-th scenario of the sorted suite: long and short
     * ones spread over the shares, and the shares of one suite are the
     * same on every machine. */
    if (shard_count) {
        size_t kept = 0, all = n;
        for (size_t i = 0; i < all; i++) {
            if (i % (size_t)shard_count == (size_t)(shard_index - 1))
                scs[kept++] = scs[i];
            else
                wsf_scenario_free(scs[i]);
        }
        n = kept;
        if (n == 0) {
            fprintf(stderr, "wsfault: --shard %d/%d: no scenario in this share (%zu in all)\n",
                    shard_index, shard_count, all);
            goto out;
        }
    }
    if (list) {
        for (size_t i = 0; i < n; i++) {
            printf("%-50s %s", scs[i]->name, scs[i]->file);
            if (scs[i]->case_label) printf("[%s]", scs[i]->case_label);
            for (size_t t = 0; t < scs[i]->n_tags; t++)
                printf("%s%s", t ? "," : "  [", scs[i]->tags[t]);
            printf("%s\n", scs[i]->n_tags ? "]" : "");
        }
        rc = 0;
        goto out;
    }
    if (target_file) {
        char err[1024];
        target = wsf_target_load(target_file, err, sizeof err);
        if (!target) {
            fprintf(stderr, "%s\n", err);
            goto out;
        }
    }
    if (target) wsf_hs_defaults_override(&handshake, &target->handshake);
    wsf_hs_defaults_override(&handshake, &cli_handshake);

    /* With --url every worker meets the same server: by default one at a
     * time, so that its log and the capture of its port belong to the
     * scenario running. */
    if (jobs == 0) jobs = url ? 1 : wsf_workers_default();

    /* The jobs of the run: each try in the suite's order or, shuffled, in
     * an order drawn from the seed (a new one per try). */
    unsigned tries_max = repeat ? (unsigned)repeat : until_fail ? 1000 : 1;
    size_t n_jobs = n * tries_max;
    if (!have_seed) seed = wsf_rand_seed();
    uint64_t rng = seed;
    order = wsf_xcalloc(n_jobs, sizeof *order);
    for (size_t t = 0; t < tries_max; t++) {
        size_t *o = order + t * n;
        for (size_t k = 0; k < n; k++)
            o[k] = k;
        for (size_t k = n; shuffle && k > 1; k--) {
            size_t j = (size_t)(wsf_rand_next(&rng) % k), x = o[k - 1];
            o[k - 1] = o[j];
            o[j] = x;
        }
    }
    if ((size_t)jobs > n_jobs) jobs = (int)n_jobs;

    char *bindir = exe_dir();
    char *targetdir = target_file ? abs_dir_of(target_file) : wsf_xstrdup(".");
    char *capture_dir = captures_dir(results_path);
    wsf_target_vars tls_vars = {.host = "127.0.0.1", .bindir = bindir, .targetdir = targetdir};
    char *tls_ca = NULL;
    bool tls_insecure = false;
    if (wsf_runner_choose_tls(cli_ca, cli_insecure, target, &tls_vars, &tls_ca, &tls_insecure) <
        0) {
        rc = EXIT_USAGE;
        free(bindir);
        free(targetdir);
        free(capture_dir);
        goto out;
    }
    run_plan plan = {.tls_ca = tls_ca,
                     .tls_insecure = tls_insecure,
                     .scs = scs,
                     .n = n,
                     .target = url ? NULL : target,
                     .described = url ? target : NULL,
                     .url = url,
                     .vars = {.host = "127.0.0.1", .bindir = bindir, .targetdir = targetdir},
                     .handshake = &handshake,
                     .bound_args = bound_args,
                     .n_bound_args = n_bound_args,
                     .log_file = log_file,
                     .capture = capture,
                     .verbose = verbose,
                     .capture_if = capture_if,
                     .capture_dir = capture_dir,
                     .n_jobs = n_jobs,
                     .order = order,
                     .numbered = tries_max > 1,
                     .until_fail = until_fail,
                     .failed_job = (size_t)-1};
    if (log_file) {
        /* Checked before anything runs (the worker opens it again). */
        char why[1024];
        int fd = wsf_open_regular(log_file, why, sizeof why);
        if (fd < 0) {
            fprintf(stderr, "wsfault: --log %s\n", why);
            rc = EXIT_USAGE;
            goto done_paths;
        }
        close(fd);
    }
    if (!outputs_writable(results_path, report_dir, junit)) {
        rc = EXIT_USAGE;
        goto done_paths;
    }
    if (url && jobs > 1)
        plan.shared_why = wsf_xasprintf(
            "with --url and -j %d the workers share one server: a capture of its port or a "
            "line of its log could not be told apart per scenario (-j 1 reads both)",
            jobs);
    if (capture && !plan.shared_why && mkdir(capture_dir, 0777) < 0 && errno != EEXIST)
        plan.capture_off_why = wsf_xasprintf("cannot create %s: %s", capture_dir, strerror(errno));

    struct timeval tv;
    gettimeofday(&tv, NULL);
    wsf_run_info info = {.argc = full_argc,
                         .argv = full_argv,
                         .target_name = target ? target->name : NULL,
                         .target_file = target_file,
                         .url = url ? url : target->url,
                         .handshake = &handshake,
                         .workers = jobs,
                         .shard_index = shard_index,
                         .shard_count = shard_count,
                         .shuffled = shuffle,
                         .seed = seed,
                         .tries_max = tries_max > 1 ? tries_max : 0,
                         .until_fail = until_fail,
                         .started_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec};
    int64_t t0 = wsf_now_us();
    printf("wsfault %s: %zu scenario%s against %s%s%s", WSF_VERSION, n, n == 1 ? "" : "s",
           target ? target->name : url, target && url ? " at " : "", target && url ? url : "");
    if (jobs > 1) printf(", %d workers", jobs);
    if (plan.shared_why) printf(" sharing it (no capture, no log)");
    if (shard_count) printf(", share %d of %d", shard_index, shard_count);
    if (until_fail)
        printf(", until one fails (at most %u tries)", tries_max);
    else if (tries_max > 1)
        printf(", %u times", tries_max);
    printf("\n");
    /* The seed first, so that even a run cut short can be repeated. */
    if (shuffle)
        printf("shuffled with seed %llu (--shuffle --seed %llu repeats the order)\n", seed, seed);
    fflush(stdout);

    plan.workers = jobs;
    plan.entries = wsf_xcalloc(n_jobs, sizeof *plan.entries);
    plan.have = wsf_xcalloc(n_jobs, sizeof *plan.have);
    wsf_workers_ops ops = {.start = plan_start,
                           .run = plan_run,
                           .stop = plan_stop,
                           .began = plan_began,
                           .done = plan_done,
                           .ctx = &plan};
    char err[1024];
    long ran = wsf_workers_run(n_jobs, jobs, &ops, &info.interrupted, err, sizeof err);
    if (ran < 0) {
        fprintf(stderr, "wsfault: %s\n", err);
        rc = log_file ? EXIT_USAGE : 1;
        goto done_run;
    }
    info.duration_us = wsf_now_us() - t0;

    /* What finished, in the order of the run. */
    size_t done = 0;
    const size_t *counts = plan.counts;
    for (size_t i = 0; i < n_jobs; i++)
        if (plan.have[i]) plan.entries[done++] = plan.entries[i];
    info.runs = plan.runs;
    info.not_listed = plan.not_listed;
    if (tries_max > 1)
        info.tries = (unsigned)(plan.failed_job != (size_t)-1 ? plan.failed_job / n + 1
                                : plan.runs                   ? (plan.runs - 1) / n + 1
                                                              : 0);
    if (info.interrupted) printf("interrupted: %zu of %zu scenarios run\n", plan.runs, n_jobs);
    if (until_fail && plan.failed_job != (size_t)-1)
        printf("until-fail: %s (%s) failed on try %u, after %zu runs without a failure\n",
               scs[order[plan.failed_job]]->name, scs[order[plan.failed_job]]->file, info.tries,
               plan.failed_job);
    else if (until_fail && !info.interrupted)
        printf("until-fail: no failure in %u tries of %zu scenario%s\n", info.tries, n,
               n == 1 ? "" : "s");
    printf("%zu passed, %zu failed, %zu errors", counts[WSF_PASS], counts[WSF_FAIL],
           counts[WSF_ERROR]);
    /* Verdicts that do not fail the run are told apart from passes. */
    if (counts[WSF_SKIP]) printf(", %zu skipped", counts[WSF_SKIP]);
    if (counts[WSF_KNOWN] || counts[WSF_NONSTRICT] || counts[WSF_INFO]) {
        const char *sep = " (and ";
        if (counts[WSF_KNOWN]) {
            printf("%s%zu known failure%s", sep, counts[WSF_KNOWN],
                   counts[WSF_KNOWN] == 1 ? "" : "s");
            sep = ", ";
        }
        if (counts[WSF_NONSTRICT]) {
            printf("%s%zu non-strict", sep, counts[WSF_NONSTRICT]);
            sep = ", ";
        }
        if (counts[WSF_INFO]) printf("%s%zu info", sep, counts[WSF_INFO]);
        printf(")");
    }
    printf("\n");
    if (wsf_results_write(results_path, &info, plan.entries, done, err, sizeof err) < 0) {
        fprintf(stderr, "wsfault: %s\n", err);
        rc = 1;
    } else {
        printf("results: %s\n", results_path);
        rc = info.interrupted ? 130 : counts[WSF_FAIL] || counts[WSF_ERROR] ? 1 : 0;
        if ((report_dir || junit) &&
            render_copying((char *const *)&results_path, 1, report_dir, junit) != 0 && rc == 0)
            rc = 1;
    }
    for (size_t i = 0; i < done; i++)
        free(plan.entries[i].json);
done_run:
    free(plan.entries);
    free(plan.have);
done_paths:
    free(tls_ca);
    free(plan.capture_off_why);
    free(plan.shared_why);
    free(bindir);
    free(targetdir);
    free(capture_dir);
out:
    for (size_t i = 0; i < n; i++)
        wsf_scenario_free(scs[i]);
    free(scs);
    free(suite);
    free(order);
    wsf_target_free(target);
    wsf_hs_defaults_free(&cli_handshake);
    wsf_hs_defaults_free(&handshake);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("wsfault %s\n", WSF_VERSION);
        return 0;
    }
    setup_terminal();
    if (!strcmp(argv[1], "report")) return cmd_report(argc - 1, argv + 1);
    if (!strcmp(argv[1], "run")) return cmd_run(argc - 1, argv + 1, argc, argv);
    if (!strcmp(argv[1], "storm"))
        return wsf_storm_main(argc - 1, argv + 1, argc, argv, render_copying);
    fprintf(stderr, "wsfault: unknown command '%s'\ntry 'wsfault --help'\n", argv[1]);
    return EXIT_USAGE;
}
