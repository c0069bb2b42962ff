/* `wsfault storm`: rounds of generated scenarios against one target that
 * stays up between them, the first failing round shrunk and written out
 * as a case. Each round is scenario text (stormgen.c) parsed and run as any
 * .wsf file is, so a case runs the same way under `wsfault run`. */
#include "storm.h"

#include "procfs.h"
#include "results.h"
#include "runner.h"
#include "scenario.h"
#include "stormgen.h"
#include "target.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define EXIT_USAGE 2
/* Shrinking stops after this long with the smallest failing set so far:
 * a race that rarely shows must not hold the storm up for ever. */
#define SHRINK_BUDGET_US (60 * 1000000LL)

static const char storm_usage[] =
    "usage: wsfault storm (--target FILE | --url ws://host:port/) [options]\n"
    "\n"
    "Throws many connections that end badly at one target, in rounds, and stops at\n"
    "the first round that fails (a crash, an alarm in its log, a failed probe);\n"
    "then shrinks that round to the fewest connections that still fail and writes\n"
    "them as a scenario that reproduces it.\n"
    "\n"
    "options:\n"
    "  -t, --target FILE     start and stop the server a .target file describes\n"
    "  -u, --url URL         a server already running at ws:// or wss://host:port/path\n"
    "      --ca FILE         wss://: trust the CA certificates of this PEM file\n"
    "      --insecure        wss://: verify no certificate\n"
    "      --connections N   stop after N connections (default 1000)\n"
    "      --duration T      or after T (10s, 2m): whichever comes first\n"
    "      --concurrency C   connections open at a time, one round (default 20)\n"
    "      --faults LIST     weighted kinds, e.g. rst=3,half-close=1,close=1 (default\n"
    "                        rst=2 and 1 for each other): rst, rst-handshake,\n"
    "                        rst-echo, half-close, stall, close-rst, close (or clean),\n"
    "                        trickle\n"
    "      --seed S          the random seed (default: from the clock; always printed)\n"
    "      --reruns R        re-runs that decide whether a shrunk round still fails\n"
    "                        (it does when any of them fails; default 10)\n"
    "      --case FILE       where to write the reproducing scenario\n"
    "                        (default storm-case.wsf)\n"
    "  -o, --results FILE    where to write the results (default results.json)\n"
    "      --report DIR      at the end, write an HTML report: DIR/index.html\n"
    "      --junit FILE      at the end, write JUnit XML\n"
    "      --no-capture      do not capture packets\n"
    "\n"
    "exit status: 0 no trouble, 1 trouble found (the case is written), 2 usage\n"
    "error, 130 interrupted (results so far are still written).\n";

typedef struct {
    /* The command line. */
    const char *target_file, *url, *case_path, *results_path, *report_dir, *junit;
    uint64_t max_conns, seed;
    int64_t duration_us;
    unsigned concurrency, reruns;
    unsigned weights[WSF_N_FAULTS];
    bool capture;
    /* The run. */
    wsf_target *target;
    wsf_handshake_defaults handshake;
    wsf_loop loop;
    wsf_runner runner;
    char *bindir, *targetdir, *capture_dir;
    /* wss://: --ca and --insecure, and what the run trusts. */
    const char *cli_ca;
    bool cli_insecure;
    char *tls_ca;
    bool tls_insecure;
    /* What results.json lists: the failing round and the shrink's runs. */
    wsf_results_entry *entries;
    size_t n_entries;
    uint64_t rounds, conns, passed_rounds;
    size_t n_run; /* scenarios run, for capture file names */
    /* Progress. */
    bool tty, progress_shown;
    int64_t t0, last_progress;
} storm;

static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return wsf_xstrdup(".");
    buf[n] = '\0';
    return wsf_xstrdup(dirname(buf));
}

static char *abs_dir_of(const char *file)
{
    char buf[PATH_MAX];
    if (!realpath(file, buf)) return wsf_xstrdup(".");
    return wsf_xstrdup(dirname(buf));
}

static char *dir_of(const char *file)
{
    char *copy = wsf_xstrdup(file);
    char *dir = wsf_xstrdup(dirname(copy));
    free(copy);
    return dir;
}

/* An output's folder is created when missing, and must be writable. */
static bool folder_writable(const char *option, const char *file)
{
    char *dir = dir_of(file), why[1024];
    bool ok = wsf_mkdir_p(dir, why, sizeof why) == 0 && access(dir, W_OK) == 0;
    free(dir);
    if (!ok)
        fprintf(stderr, "wsfault: %s %s: its folder cannot be created or written\n", option, file);
    return ok;
}

static bool interrupted(const storm *s)
{
    return s->loop.interrupted != 0;
}

/* Nothing more can run: Ctrl-C, or the target failed to start (again,
 * after a crash), which is not a round's failure. */
static bool halted(const storm *s)
{
    return interrupted(s) || s->runner.start_error || s->runner.tls_trust_error;
}

/* The progress line: overwritten in place on a terminal, a plain line
 * otherwise; the target's memory and fds when wsfault started it. */
static void progress(storm *s, bool force)
{
    int64_t now = wsf_now_us();
    if (!force && now - s->last_progress < 1000000) return;
    s->last_progress = now;
    double secs = (double)(now - s->t0) / 1e6;
    printf("%sstorm: %" PRIu64 " connections (%.0f/s), %" PRIu64 " rounds, %.1fs",
           s->tty ? "\r\033[K" : "", s->conns, secs > 0 ? (double)s->conns / secs : 0.0, s->rounds,
           secs);
    const wsf_instance *in = &s->runner.inst;
    if (s->runner.inst_up && in->running) {
        int64_t rss = wsf_proc_group_rss_total(in->pid);
        int fds = wsf_proc_group_fd_total(in->pid);
        if (rss >= 0) printf(", target %.1f MiB RSS", (double)rss / (1024.0 * 1024.0));
        if (fds >= 0) printf(", %d fds", fds);
    }
    printf(s->tty ? "" : "\n");
    fflush(stdout);
    s->progress_shown = s->tty;
}

/* Ends an overwritten progress line before other output: cleared, or
 * kept as the last word on the rounds. */
static void progress_end(storm *s, bool keep)
{
    if (!s->progress_shown) return;
    printf(keep ? "\n" : "\r\033[K");
    s->progress_shown = false;
}

/* A capture is named relative to the results file's folder. */
static void remove_capture(const storm *s, const char *pcap)
{
    char *dir = dir_of(s->results_path), *path = wsf_xasprintf("%s/%s", dir, pcap);
    unlink(path);
    free(path);
    free(dir);
}

static bool is_trouble(wsf_verdict v)
{
    return v == WSF_FAIL || v == WSF_ERROR;
}

/* Runs scenario text as file: its verdict, its results entry in *entry
 * (NULL for a run that passed unless keep_passing: then its capture is
 * removed too, so a storm of passing rounds leaves nothing behind), and in
 * *reason why it failed (malloc'd; reason may be NULL). */
static wsf_verdict run_text(storm *s, const char *file, const char *text, bool keep_passing,
                            char **entry, char **reason)
{
    char err[1024];
    *entry = NULL;
    wsf_scenario *sc = wsf_scenario_parse(file, text, err, sizeof err);
    if (!sc) {
        /* The generator writes only what the parser takes: a bug if not. */
        fprintf(stderr, "wsfault: storm made a scenario it cannot parse: %s\n", err);
        if (reason) *reason = wsf_xstrdup(err);
        return WSF_ERROR;
    }
    wsf_result res;
    s->runner.n_run = s->n_run++;
    wsf_runner_run(&s->runner, sc, &res);
    wsf_verdict v = res.verdict;
    if (reason) *reason = res.reason ? wsf_xstrdup(res.reason) : NULL;
    if (keep_passing || is_trouble(v))
        *entry = wsf_result_entry(&res);
    else if (res.pcap)
        remove_capture(s, res.pcap);
    wsf_result_free(&res);
    wsf_scenario_free(sc);
    return v;
}

static void keep_entry(storm *s, wsf_verdict v, char *json)
{
    if (!json) return;
    s->entries = wsf_xrealloc(s->entries, (s->n_entries + 1) * sizeof *s->entries);
    s->entries[s->n_entries++] = (wsf_results_entry){.verdict = v, .json = json};
}

/* "close, rst": the kinds among the connections, in the generator's order. */
static void kinds_of(const wsf_storm_conn *c, size_t n, char *out, size_t outlen)
{
    size_t len = 0;
    out[0] = '\0';
    for (int k = 0; k < WSF_N_FAULTS; k++) {
        bool here = false;
        for (size_t i = 0; i < n && !here; i++)
            here = c[i].kind == (wsf_fault_kind)k;
        if (here && len < outlen)
            len += (size_t)snprintf(out + len, outlen - len, "%s%s", len ? ", " : "",
                                    wsf_fault_name((wsf_fault_kind)k));
    }
}

/* The round's first and last connection, counted over the whole storm. */
static void round_span(const storm *s, uint64_t round, size_t n, uint64_t *first, uint64_t *last)
{
    *first = (round - 1) * s->concurrency + 1;
    *last = *first + n - 1;
}

/* Whether the connections fail: any of up to R runs; *failed_on gets the
 * run that failed (from 1), 0 when none did. Every run is kept for
 * results.json. */
static bool still_fails(storm *s, const wsf_storm_conn *c, size_t n, uint64_t round,
                        unsigned *failed_on, size_t try_no)
{
    char name[384], file[64], kinds[256];
    kinds_of(c, n, kinds, sizeof kinds);
    snprintf(name, sizeof name, "storm: seed %" PRIu64 ", round %" PRIu64 ", shrink %zu (%zu: %s)",
             s->seed, round, try_no, n, kinds);
    snprintf(file, sizeof file, "storm/shrink-%zu.wsf", try_no);
    char *text = wsf_storm_text(NULL, name, c, n);
    *failed_on = 0;
    unsigned done = 0;
    for (unsigned k = 1; k <= s->reruns && !halted(s); k++) {
        char *json;
        wsf_verdict v = run_text(s, file, text, true, &json, NULL);
        if (halted(s)) {
            free(json);
            break;
        }
        keep_entry(s, v, json);
        done = k;
        if (is_trouble(v)) {
            *failed_on = k;
            break;
        }
    }
    free(text);
    printf("shrink: %zu connection%s (%s): ", n, n == 1 ? "" : "s", kinds);
    if (*failed_on)
        printf("failed on re-run %u of up to %u\n", *failed_on, s->reruns);
    else if (done < s->reruns)
        printf("stopped after %u re-runs\n", done);
    else
        printf("passed %u re-runs\n", s->reruns);
    fflush(stdout);
    return *failed_on != 0;
}

/* The connections without those of kind k; how many are left. */
static size_t without_kind(const wsf_storm_conn *c, size_t n, wsf_fault_kind k, wsf_storm_conn *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i].kind != k) out[m++] = c[i];
    return m;
}

/* Shrinks *n connections in place to the fewest that still fail: first
 * whole kinds are dropped, then the set is halved while a half fails. */
static void shrink(storm *s, wsf_storm_conn *cur, size_t *n, uint64_t round)
{
    int64_t stop = wsf_now_us() + SHRINK_BUDGET_US;
    wsf_storm_conn *cand = wsf_xcalloc(*n, sizeof *cand);
    size_t tries = 0;
    unsigned failed_on;
    bool changed = true;
    while (changed && *n > 1) {
        changed = false;
        for (int k = 0; k<WSF_N_FAULTS && * n> 1; k++) {
            if (halted(s) || wsf_now_us() >= stop) goto done;
            size_t m = without_kind(cur, *n, (wsf_fault_kind)k, cand);
            if (m == *n || m == 0) continue;
            if (still_fails(s, cand, m, round, &failed_on, ++tries)) {
                memcpy(cur, cand, m * sizeof *cur);
                *n = m;
                changed = true;
            }
        }
    }
    while (*n > 1) {
        size_t h = *n / 2;
        if (halted(s) || wsf_now_us() >= stop) goto done;
        if (still_fails(s, cur, h, round, &failed_on, ++tries)) {
            *n = h;
            continue;
        }
        if (halted(s) || wsf_now_us() >= stop) goto done;
        if (still_fails(s, cur + h, *n - h, round, &failed_on, ++tries)) {
            memmove(cur, cur + h, (*n - h) * sizeof *cur);
            *n -= h;
            continue;
        }
        break;
    }
done:
    if (wsf_now_us() >= stop) printf("shrink: stopped after 60s with the smallest failing set\n");
    free(cand);
}

/* Runs the final case R times: how often it fails. */
static unsigned count_failures(storm *s, const char *text, unsigned *runs)
{
    unsigned failed = 0;
    *runs = 0;
    for (unsigned k = 0; k < s->reruns && !halted(s); k++) {
        char *json;
        wsf_verdict v = run_text(s, "storm/case.wsf", text, true, &json, NULL);
        if (halted(s)) {
            free(json);
            break;
        }
        keep_entry(s, v, json);
        (*runs)++;
        if (is_trouble(v)) failed++;
    }
    return failed;
}

/* The line that runs the case again. */
static char *rerun_command(const storm *s)
{
    if (s->target_file && !s->url)
        return wsf_xasprintf("wsfault run --target %s --until-fail %s", s->target_file,
                             s->case_path);
    if (s->target_file)
        return wsf_xasprintf("wsfault run --url %s --target %s --until-fail %s", s->url,
                             s->target_file, s->case_path);
    return wsf_xasprintf("wsfault run --url %s --until-fail %s", s->url, s->case_path);
}

/* Shrinks the failing round, writes the case; 0, or -1 when it could not
 * be written. */
static int write_case(storm *s, const wsf_storm_conn *round_conns, size_t n, uint64_t round)
{
    wsf_storm_conn *cur = wsf_xcalloc(n, sizeof *cur);
    memcpy(cur, round_conns, n * sizeof *cur);
    size_t m = n;
    printf("shrinking: a set fails when any of %u re-runs fails\n", s->reruns);
    shrink(s, cur, &m, round);

    uint64_t first, last;
    round_span(s, round, n, &first, &last);
    char kinds[256], name[384];
    kinds_of(cur, m, kinds, sizeof kinds);
    snprintf(name, sizeof name, "storm: seed %" PRIu64 ", round %" PRIu64 ", %zu connection%s",
             s->seed, round, m, m == 1 ? "" : "s");
    /* Measured on the text without the count, then written with it. */
    char *probe_text = wsf_storm_text(NULL, name, cur, m);
    unsigned runs, failed = count_failures(s, probe_text, &runs);
    free(probe_text);
    char *cmd = rerun_command(s), how[96];
    /* The storm may have stopped before the count (Ctrl-C). */
    if (runs == 0)
        snprintf(how, sizeof how, "not re-run: the storm stopped first");
    else
        snprintf(how, sizeof how, "it failed %u of %u re-runs", failed, runs);
    char *comment = wsf_xasprintf("Made by wsfault storm: seed %" PRIu64 ", round %" PRIu64
                                  " (connections %" PRIu64 "-%" PRIu64
                                  " of the storm; c<N> is the round's N-th)\n"
                                  "shrunk from %zu connections to %zu (%s)\n"
                                  "%s\n"
                                  "run it with: %s",
                                  s->seed, round, first, last, n, m, kinds, how, cmd);
    char *text = wsf_storm_text(comment, name, cur, m);
    char err[1024];
    int rc = wsf_write_file_atomic(s->case_path, text, strlen(text), err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "wsfault: --case: %s\n", err);
    else
        printf("case: %s (%zu connection%s: %s; %s)\n"
               "run it with: %s\n",
               s->case_path, m, m == 1 ? "" : "s", kinds, how, cmd);
    free(text);
    free(comment);
    free(cmd);
    free(cur);
    return rc;
}

/* The storm's own account for results.json: the passing rounds are
 * counted here rather than listed. */
static char *summary_json(const storm *s, uint64_t failing_round, bool case_written)
{
    json_t *j = json_object();
    char seed[24];
    snprintf(seed, sizeof seed, "%" PRIu64, s->seed);
    json_object_set_new(j, "seed", json_string(seed));
    json_object_set_new(j, "rounds", json_integer((json_int_t)s->rounds));
    json_object_set_new(j, "connections", json_integer((json_int_t)s->conns));
    json_object_set_new(j, "passed_rounds", json_integer((json_int_t)s->passed_rounds));
    json_object_set_new(j, "concurrency", json_integer(s->concurrency));
    json_object_set_new(j, "reruns", json_integer(s->reruns));
    json_t *w = json_object();
    for (int k = 0; k < WSF_N_FAULTS; k++)
        if (s->weights[k])
            json_object_set_new(w, wsf_fault_name((wsf_fault_kind)k), json_integer(s->weights[k]));
    json_object_set_new(j, "faults", w);
    if (failing_round)
        json_object_set_new(j, "failing_round", json_integer((json_int_t)failing_round));
    if (case_written) json_object_set_new(j, "case", json_string(s->case_path));
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    return text;
}

static int parse_count(const char *option, const char *v, uint64_t max, uint64_t *out)
{
    if (wsf_parse_uint(v, out) < 0 || *out < 1 || *out > max) {
        fprintf(stderr, "wsfault: %s %s: expected a number from 1 to %" PRIu64 "\n", option, v,
                max);
        return -1;
    }
    return 0;
}

/* Reads the options into s; 0, 1 for --help (printed), or -1. */
static int parse_options(storm *s, int argc, char **argv)
{
    static const struct option opts[] = {{"target", required_argument, 0, 't'},
                                         {"url", required_argument, 0, 'u'},
                                         {"connections", required_argument, 0, 'n'},
                                         {"duration", required_argument, 0, 'd'},
                                         {"concurrency", required_argument, 0, 'c'},
                                         {"faults", required_argument, 0, 'F'},
                                         {"seed", required_argument, 0, 's'},
                                         {"reruns", required_argument, 0, 'r'},
                                         {"case", required_argument, 0, 'K'},
                                         {"results", required_argument, 0, 'o'},
                                         {"report", required_argument, 0, 'R'},
                                         {"junit", required_argument, 0, 'J'},
                                         {"no-capture", no_argument, 0, 'N'},
                                         {"ca", required_argument, 0, 'A'},
                                         {"insecure", no_argument, 0, 'k'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    bool seeded = false;
    uint64_t v;
    char err[512];
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "t:u:o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 't':
            s->target_file = optarg;
            break;
        case 'u':
            s->url = optarg;
            break;
        case 'A':
            s->cli_ca = optarg;
            break;
        case 'k':
            s->cli_insecure = true;
            break;
        case 'n':
            if (parse_count("--connections", optarg, 100000000, &s->max_conns) < 0) return -1;
            break;
        case 'd':
            if (wsf_parse_duration(optarg, &s->duration_us) < 0 || s->duration_us <= 0) {
                fprintf(stderr, "wsfault: --duration %s: expected a duration (10s, 2m)\n", optarg);
                return -1;
            }
            break;
        case 'c':
            /* A round is one scenario: its connections count towards the
             * parser's limit, with one for the probe. */
            if (parse_count("--concurrency", optarg, 1000, &v) < 0) return -1;
            s->concurrency = (unsigned)v;
            break;
        case 'F':
            if (wsf_faults_parse(optarg, s->weights, err, sizeof err) < 0) {
                fprintf(stderr, "wsfault: %s\n", err);
                return -1;
            }
            break;
        case 's':
            if (wsf_parse_uint(optarg, &s->seed) < 0) {
                fprintf(stderr, "wsfault: --seed %s: expected a number\n", optarg);
                return -1;
            }
            seeded = true;
            break;
        case 'r':
            if (parse_count("--reruns", optarg, 1000, &v) < 0) return -1;
            s->reruns = (unsigned)v;
            break;
        case 'K':
            s->case_path = optarg;
            break;
        case 'o':
            s->results_path = optarg;
            break;
        case 'R':
            s->report_dir = optarg;
            break;
        case 'J':
            s->junit = optarg;
            break;
        case 'N':
            s->capture = false;
            break;
        case 'h':
            fputs(storm_usage, stdout);
            return 1;
        default:
            fputs("wsfault: try 'wsfault storm --help'\n", stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "wsfault: storm takes no file ('%s'); it writes its case to --case\n",
                argv[optind]);
        return -1;
    }
    if (!s->target_file && !s->url) {
        fputs("wsfault: give a target: --target FILE or --url ws://host:port/\n", stderr);
        return -1;
    }
    if (s->cli_ca && s->cli_insecure) {
        fputs("wsfault: --ca FILE and --insecure: trust that CA, or verify nothing, not both\n",
              stderr);
        return -1;
    }
    char url_why[256];
    if (s->url && wsf_url_bad(s->url, url_why, sizeof url_why)) {
        fprintf(stderr, "wsfault: --url %s: expected %s (ws://host:port/path)\n", s->url, url_why);
        return -1;
    }
    if (!seeded) {
        /* From the clock and the pid, kept short enough to type again. */
        wsf_rng r;
        wsf_rng_seed(&r, (uint64_t)wsf_now_us() ^ ((uint64_t)getpid() << 32));
        s->seed = wsf_rng_next(&r) % 1000000000u;
    }
    return 0;
}

/* The runner, as `run` sets one up, on a target that stays up between
 * rounds (and is started again when it died). */
static void start_runner(storm *s)
{
    s->bindir = exe_dir();
    s->targetdir = s->target_file ? abs_dir_of(s->target_file) : wsf_xstrdup(".");
    char *rdir = dir_of(s->results_path);
    s->capture_dir = wsf_xasprintf("%s/captures", rdir);
    free(rdir);
    wsf_runner *r = &s->runner;
    wsf_target_vars vars = {.host = "127.0.0.1", .bindir = s->bindir, .targetdir = s->targetdir};
    wsf_runner_init(r, &s->loop, s->url ? NULL : s->target, s->url, &vars);
    if (s->url && s->target) wsf_runner_describe(r, s->target);
    r->tls_ca = s->tls_ca;
    r->tls_insecure = s->tls_insecure;
    if (s->target) wsf_hs_defaults_override(&s->handshake, &s->target->handshake);
    r->handshake = &s->handshake;
    r->capture = s->capture;
    r->capture_dir = s->capture_dir;
    if (s->capture && mkdir(s->capture_dir, 0777) < 0 && errno != EEXIST)
        r->capture_off_why = wsf_xasprintf("cannot create %s: %s", s->capture_dir, strerror(errno));
}

/* Why a round failed, under its line; a target's last log lines stay
 * indented with it. */
static void print_indented(const char *text)
{
    printf("        ");
    for (const char *p = text; *p; p++) {
        putchar(*p);
        if (*p == '\n' && p[1]) printf("        ");
    }
    putchar('\n');
}

/* The rounds; the failing one's number (0 when none failed) and its
 * connections in *bad (n_bad of them). */
static uint64_t storm_rounds(storm *s, wsf_storm_conn *bad, size_t *n_bad)
{
    wsf_storm_conn *c = wsf_xcalloc(s->concurrency, sizeof *c);
    uint64_t failing = 0;
    while (s->conns < s->max_conns && !interrupted(s)) {
        if (s->duration_us && wsf_now_us() - s->t0 >= s->duration_us) break;
        uint64_t round = s->rounds + 1, first, last;
        size_t n = s->max_conns - s->conns < s->concurrency ? (size_t)(s->max_conns - s->conns)
                                                            : s->concurrency;
        round_span(s, round, n, &first, &last);
        wsf_storm_draw(s->seed, round, s->weights, n, c);
        char name[96], file[64];
        snprintf(name, sizeof name, "storm: seed %" PRIu64 ", round %" PRIu64, s->seed, round);
        snprintf(file, sizeof file, "storm/round-%" PRIu64 ".wsf", round);
        char *text = wsf_storm_text(NULL, name, c, n);
        char *json, *reason;
        wsf_verdict v = run_text(s, file, text, false, &json, &reason);
        free(text);
        if (halted(s)) {
            /* A failed start is listed, so the report says why. */
            if (interrupted(s))
                free(json);
            else
                keep_entry(s, v, json);
            free(reason);
            break;
        }
        s->rounds++;
        s->conns += n;
        if (is_trouble(v)) {
            progress(s, true);
            progress_end(s, true);
            printf("trouble in round %" PRIu64 " (connections %" PRIu64 "-%" PRIu64
                   "), seed %" PRIu64 ": %s\n",
                   round, first, last, s->seed, v == WSF_FAIL ? "FAIL" : "ERROR");
            print_indented(reason ? reason : "");
            keep_entry(s, v, json);
            free(reason);
            memcpy(bad, c, n * sizeof *c);
            *n_bad = n;
            failing = round;
            break;
        }
        free(json);
        free(reason);
        s->passed_rounds++;
        progress(s, false);
    }
    free(c);
    return failing;
}

int wsf_storm_main(int argc, char **argv, int full_argc, char **full_argv, wsf_render_fn render)
{
    storm s = {.max_conns = 1000,
               .concurrency = 20,
               .reruns = 10,
               .capture = true,
               .case_path = "storm-case.wsf",
               .results_path = "results.json"};
    wsf_faults_default(s.weights);
    int p = parse_options(&s, argc, argv);
    if (p != 0) return p > 0 ? 0 : EXIT_USAGE;
    char err[1024];
    if (s.target_file) {
        s.target = wsf_target_load(s.target_file, err, sizeof err);
        if (!s.target) {
            fprintf(stderr, "%s\n", err);
            return EXIT_USAGE;
        }
    }
    char *bd = exe_dir(), *td = s.target_file ? abs_dir_of(s.target_file) : wsf_xstrdup(".");
    wsf_target_vars tls_vars = {.host = "127.0.0.1", .bindir = bd, .targetdir = td};
    int tls_rc = wsf_runner_choose_tls(s.cli_ca, s.cli_insecure, s.target, &tls_vars, &s.tls_ca,
                                       &s.tls_insecure);
    free(bd);
    free(td);
    if (tls_rc < 0) {
        wsf_target_free(s.target);
        return EXIT_USAGE;
    }
    /* Outputs that cannot be written are found out before the storm. */
    bool writable = folder_writable("--results", s.results_path) &&
                    folder_writable("--case", s.case_path) &&
                    (!s.junit || folder_writable("--junit", s.junit));
    if (writable && s.report_dir && wsf_mkdir_p(s.report_dir, err, sizeof err) < 0) {
        fprintf(stderr, "wsfault: --report %s: %s\n", s.report_dir, err);
        writable = false;
    }
    if (!writable) {
        wsf_target_free(s.target);
        return EXIT_USAGE;
    }
    if (wsf_loop_init(&s.loop) < 0) {
        fprintf(stderr, "wsfault: event loop: %s\n", strerror(errno));
        wsf_target_free(s.target);
        return 1;
    }
    start_runner(&s);
    s.tty = isatty(STDOUT_FILENO);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    wsf_run_info info = {.argc = full_argc,
                         .argv = full_argv,
                         .target_name = s.target ? s.target->name : NULL,
                         .target_file = s.target_file,
                         .url = s.url ? s.url : s.target->url,
                         .handshake = &s.handshake,
                         .workers = 1,
                         .started_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec};
    char kinds[256] = "";
    for (int k = 0, len = 0; k < WSF_N_FAULTS; k++)
        if (s.weights[k])
            len += snprintf(kinds + len, sizeof kinds - (size_t)len, "%s%s=%u", len ? "," : "",
                            wsf_fault_name((wsf_fault_kind)k), s.weights[k]);
    printf("wsfault storm: seed %" PRIu64 " against %s: up to %" PRIu64
           " connections, %u at a time, faults %s\n",
           s.seed, s.target ? s.target->name : s.url, s.max_conns, s.concurrency, kinds);
    fflush(stdout);
    s.t0 = s.last_progress = wsf_now_us();

    wsf_storm_conn *bad = wsf_xcalloc(s.concurrency, sizeof *bad);
    size_t n_bad = 0;
    uint64_t failing = storm_rounds(&s, bad, &n_bad);
    int rc = 0;
    bool case_written = false;
    if (failing) case_written = write_case(&s, bad, n_bad, failing) == 0;
    if (s.runner.start_error) {
        /* Not a finding of its own: the rounds stopped (or the shrink,
         * whose case is then the smallest failing set so far). */
        progress_end(&s, false);
        fprintf(stderr, "wsfault: the target did not start: %s\n", s.runner.start_error);
    }
    if (s.runner.tls_trust_error) {
        /* Not the server's trouble either: nothing to shrink. */
        progress_end(&s, false);
        fprintf(stderr, "wsfault: cannot connect over TLS: %s\n", s.runner.tls_trust_error);
    }
    if (failing || s.runner.start_error || s.runner.tls_trust_error) {
        rc = 1;
    } else if (!interrupted(&s)) {
        progress(&s, true);
        progress_end(&s, true);
        printf("no trouble: %" PRIu64 " connections in %" PRIu64 " rounds, seed %" PRIu64 "\n",
               s.conns, s.rounds, s.seed);
    }
    free(bad);
    info.interrupted = interrupted(&s);
    if (info.interrupted) {
        progress_end(&s, false);
        printf("interrupted: %" PRIu64 " connections in %" PRIu64 " rounds, seed %" PRIu64 "\n",
               s.conns, s.rounds, s.seed);
        rc = 130;
    }
    info.duration_us = wsf_now_us() - s.t0;
    wsf_runner_finish(&s.runner);
    wsf_loop_close(&s.loop);

    char *summary = summary_json(&s, failing, case_written);
    info.storm = summary;
    if (wsf_results_write(s.results_path, &info, s.entries, s.n_entries, err, sizeof err) < 0) {
        fprintf(stderr, "wsfault: %s\n", err);
        if (rc == 0) rc = 1;
    } else {
        printf("results: %s\n", s.results_path);
        if ((s.report_dir || s.junit) &&
            render((char *const *)&s.results_path, 1, s.report_dir, s.junit) != 0 && rc == 0)
            rc = 1;
    }
    free(summary);
    for (size_t i = 0; i < s.n_entries; i++)
        free(s.entries[i].json);
    free(s.entries);
    free(s.bindir);
    free(s.targetdir);
    free(s.capture_dir);
    free(s.tls_ca);
    wsf_hs_defaults_free(&s.handshake);
    wsf_target_free(s.target);
    return rc;
}
