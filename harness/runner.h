/* The runner: executes a scenario's steps against a target with the peer,
 * judges each expectation against the timeline, and gives a verdict. */
#ifndef WSF_RUNNER_H
#define WSF_RUNNER_H

#include "instance.h"
#include "logtail.h"
#include "loop.h"
#include "peer.h"
#include "procfs.h"
#include "scenario.h"
#include "target.h"
#include "timeline.h"
#include "verdict.h"

typedef enum {
    WSF_CHECK_PASS,
    WSF_CHECK_FAIL,
    WSF_CHECK_NOT_REACHED,
    WSF_CHECK_NONSTRICT, /* a SHOULD that failed */
    WSF_CHECK_INFO,      /* an informational expectation that did not hold */
    WSF_CHECK_SKIPPED,   /* not judged: this run cannot see it (why in actual) */
} wsf_check_result;

/* One judged expectation (an expect step, a handshake that must succeed, or
 * the target's survival). */
typedef struct {
    int line;        /* 0 for checks the runner adds itself */
    char *text;      /* the statement */
    wsf_level level; /* what failing it does to the verdict */
    wsf_check_result result;
    char *expected;
    char *actual; /* NULL when it passed and there is nothing to add */
    int64_t t_us; /* timeline time when it was judged */
    char *conn;   /* the connection ("a", or "c*" for a set) in a scenario with several; NULL */
} wsf_check;

typedef struct {
    const wsf_scenario *sc;
    wsf_verdict verdict;
    char *reason;      /* error: why it could not run; fail: the first failed check */
    char *url;         /* where the peer connected (each target start has a fresh port) */
    const char *known; /* the target file's reason when it lists this scenario */
    char *pcap;        /* the scenario's capture file, or NULL */
    wsf_check *checks;
    size_t n_checks;
    wsf_timeline tl;
    int64_t started_us; /* wall clock, microseconds since the epoch */
    int64_t duration_us;
    /* wsfault's own CPU (user + system) over the scenario, its target's not
     * counted; and its peak RSS at the end, in KiB: what the harness costs. */
    int64_t cpu_us;
    int64_t peak_rss_kib;
    /* Which run of the scenario this is, from 1, with --repeat or
     * --until-fail; 0 in a run that runs each scenario once. */
    unsigned try_no;
    /* Packets the capture lost (the kernel's ring overflowed). */
    unsigned capture_dropped;
} wsf_result;

typedef struct {
    wsf_loop *loop;
    const wsf_target *target; /* NULL: an external server at url */
    /* With --url and --target both: the file that describes the external
     * server (its bounds, known failures, alarms); nothing is started. */
    const wsf_target *described;
    const char *url;
    /* Sent by every handshake unless the scenario's own options replace
     * them: the target file's, overridden by the command line's. NULL: none. */
    const wsf_handshake_defaults *handshake;
    wsf_target_vars vars;
    wsf_bounds bounds; /* the server's named bounds: defaults, target file, --bound */
    /* --log FILE: the log of a server wsfault does not start, followed. */
    const char *log_file;
    wsf_logtail tail;
    bool tail_open;
    /* The alarm patterns and the lines exempt from them: the target file's,
     * or with --url the defaults. */
    const wsf_patterns *alarms, *ignore;
    wsf_patterns own_alarms, own_ignore;
    wsf_instance inst;
    bool inst_up;
    /* The instance's process group, as samples and baselines learnt it. */
    wsf_proc_watch watch;
    char *start_error; /* set once the target failed to start: not tried again */
    wsf_timeline *tl;  /* the running scenario's timeline, for target events */
    /* Target events between scenarios (absolute times), handed to the next
     * scenario's timeline so nothing the target says is lost. */
    wsf_timeline between;
    /* Every line the target printed since the last scenario ended, raw, for
     * log expectations and alarms (the timeline keeps escaped copies). */
    struct wsf_line {
        int64_t abs_us;
        bool is_log;            /* from a stream the target file calls its log */
        wsf_log_streams stream; /* lines of one stream group into records */
        uint32_t no;            /* the line's number, shared with its timeline event */
        char *text;
    } * lines;
    size_t n_lines, cap_lines;
    size_t lines_bytes; /* memory the kept lines hold, against LINES_BYTES */
    bool lines_full;    /* said so on the timeline */
    uint32_t line_no;   /* lines numbered so far */
    /* Packet capture: on unless turned off; per scenario, one file each. */
    bool capture;
    const char *capture_if; /* NULL: "lo" for loopback targets, else "any" */
    const char *capture_dir;
    char *capture_off_why;   /* why there is no capture, once that is known */
    struct wsf_capture *cap; /* open from the first scenario captured to the end */
    /* With --url and several workers: why the server's log is not read
     * (every worker would see every worker's lines); NULL otherwise. */
    const char *log_off_why;
    size_t n_run; /* scenarios run so far, for file names */
    /* wss://: the CA file to trust (NULL: the system's) or no verification
     * at all, the command line's over the target file's; the context is
     * made at the first wss:// scenario and serves every one after. */
    const char *tls_ca;
    bool tls_insecure;
    struct wsf_tls_ctx *tls_ctx;
    /* Why the server's certificate was not trusted, once it was not: a
     * matter of --ca, the same for every connection (storm stops on it). */
    char *tls_trust_error;
} wsf_runner;

void wsf_runner_init(wsf_runner *r, wsf_loop *loop, const wsf_target *target, const char *url,
                     const wsf_target_vars *vars);
/* Runs one scenario; the result owns its timeline and texts. */
void wsf_runner_run(wsf_runner *r, const wsf_scenario *sc, wsf_result *out);
/* The external server is the one this target file describes: its bounds,
 * known failures, alarm and ignore patterns and log level apply. */
void wsf_runner_describe(wsf_runner *r, const wsf_target *t);
/* Follows a log file the server writes (--log), from its end; -1 with why
 * in err. */
int wsf_runner_follow_log(wsf_runner *r, const char *path, char *err, size_t errlen);
/* How wss:// servers are verified: --ca or --insecure, else the target
 * file's 'ca' or 'insecure' (t may be NULL), else the system's CAs. *ca is
 * allocated (NULL: none). A CA file that cannot be loaded: -1, said on
 * stderr, for a usage error. */
int wsf_runner_choose_tls(const char *cli_ca, bool cli_insecure, const wsf_target *t,
                          const wsf_target_vars *vars, char **ca, bool *insecure);
/* Stops the target if it runs. */
void wsf_runner_finish(wsf_runner *r);
void wsf_result_free(wsf_result *res);

#endif
