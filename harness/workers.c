/* The worker pool of -j N. A worker takes a scenario's index on its job
 * pipe ("17\n"), runs it, writes what it left into two files of a private
 * folder (the entry of results.json and the printed lines: either may be
 * megabytes, more than a pipe holds while the parent is busy with another
 * worker) and says "17 VERDICT INTERRUPTED\n" on its result pipe. The
 * parent polls the result pipes and a signalfd, so that Ctrl-C stops the
 * handing out, lets every worker finish the scenario it is in, and loses
 * nothing that finished. */
#include "workers.h"
#include "loop.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NO_JOB ((size_t)-1)

typedef struct {
    pid_t pid;
    int job_fd;    /* parent -> worker */
    int result_fd; /* worker -> parent; -1 once it ended */
    size_t job;    /* the scenario it runs, or NO_JOB */
    char line[64]; /* a result line being read */
    size_t line_len;
} worker;

int wsf_workers_default(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static char *path_of(const char *dir, size_t index, const char *ext)
{
    return wsf_xasprintf("%s/%zu.%s", dir, index, ext);
}

static bool write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        s += w;
        n -= (size_t)w;
    }
    return true;
}

static bool put_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    bool ok = write_all(fd, s ? s : "", s ? strlen(s) : 0);
    return close(fd) == 0 && ok;
}

static char *take_file(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) return NULL;
    wsf_buf b;
    wsf_buf_init(&b);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        wsf_buf_append(&b, chunk, got);
    fclose(f);
    unlink(path);
    wsf_buf_append(&b, "", 1);
    return (char *)b.data;
}

/* A parent killed outright (SIGKILL) cleans nothing: the workers, which
 * outlive it by a scenario, remove what is left of the folder, the last
 * one the folder itself. */
static void clean_up_for(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                char *p = wsf_xasprintf("%s/%s", dir, e->d_name);
                unlink(p);
                free(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

/* A worker's life: jobs until its pipe ends (the parent is done, gone, or
 * was interrupted) or a scenario was interrupted. */
static void worker_main(const wsf_workers_ops *ops, const char *dir, int job_fd, int result_fd)
{
    pid_t parent = getppid();
    /* The parent's death ends the scenario running, as Ctrl-C would (the
     * loop's signalfd takes SIGTERM), and then the job pipe's end. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() == 1) {
        clean_up_for(dir);
        _exit(0);
    }
    char err[1024];
    void *state = ops->start(ops->ctx, err, sizeof err);
    if (!state) {
        fprintf(stderr, "wsfault: worker %d: %s\n", (int)getpid(), err);
        _exit(1);
    }
    char buf[64];
    size_t len = 0;
    for (;;) {
        char *nl = memchr(buf, '\n', len);
        if (!nl) {
            if (len == sizeof buf) break;
            ssize_t r = read(job_fd, buf + len, sizeof buf - len);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            len += (size_t)r;
            continue;
        }
        *nl = '\0';
        size_t index = strtoul(buf, NULL, 10);
        size_t used = (size_t)(nl - buf) + 1;
        memmove(buf, nl + 1, len - used);
        len -= used;

        wsf_job_out out = {0};
        ops->run(state, index, &out);
        char *jp = path_of(dir, index, "json"), *tp = path_of(dir, index, "txt");
        bool ok = put_file(jp, out.entry.json) && put_file(tp, out.text);
        free(jp);
        free(tp);
        char msg[64];
        int m = snprintf(msg, sizeof msg, "%zu %d %d\n", index, ok ? (int)out.entry.verdict : -1,
                         out.interrupted ? 1 : 0);
        free(out.entry.json);
        free(out.text);
        if (!write_all(result_fd, msg, (size_t)m) || out.interrupted) break;
    }
    ops->stop(state);
    if (getppid() != parent) clean_up_for(dir);
    _exit(0);
}

/* The finished scenarios, kept until every one before them is done. */
typedef struct {
    wsf_job_out *outs;
    bool *finished;
    size_t next; /* the first not yet passed on */
} ledger;

/* Returns true when done() asked for the run to end. */
static bool pass_on(const wsf_workers_ops *ops, ledger *l, size_t n)
{
    bool end = false;
    while (l->next < n && l->finished[l->next]) {
        end = ops->done(ops->ctx, l->next, &l->outs[l->next]) || end;
        l->next++;
    }
    return end;
}

static void finish(ledger *l, size_t index, wsf_job_out *out)
{
    l->outs[index] = *out;
    l->finished[index] = true;
}

/* What the parent makes of a worker that ended in the middle of a
 * scenario: an error of that scenario, not a lost one. */
static void lost_job(ledger *l, size_t index, pid_t pid, int status)
{
    char why[128];
    if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(why, sizeof why, "exited with status %d", WEXITSTATUS(status));
    wsf_job_out out = {.entry = {.verdict = WSF_ERROR}};
    out.text = wsf_xasprintf("[worker %d] %s while running scenario %zu: no verdict\n", (int)pid,
                             why, index + 1);
    finish(l, index, &out);
}

static void read_result(worker *w, const char *dir, ledger *l, bool *interrupted)
{
    ssize_t r = read(w->result_fd, w->line + w->line_len, sizeof w->line - 1 - w->line_len);
    if (r < 0 && errno == EINTR) return;
    if (r <= 0) {
        int status = 0;
        close(w->result_fd);
        w->result_fd = -1;
        waitpid(w->pid, &status, 0);
        if (w->job != NO_JOB) lost_job(l, w->job, w->pid, status);
        w->job = NO_JOB;
        return;
    }
    w->line_len += (size_t)r;
    w->line[w->line_len] = '\0';
    char *nl;
    while ((nl = strchr(w->line, '\n'))) {
        *nl = '\0';
        size_t index;
        int verdict, intr;
        if (sscanf(w->line, "%zu %d %d", &index, &verdict, &intr) == 3 && index == w->job) {
            char *jp = path_of(dir, index, "json"), *tp = path_of(dir, index, "txt");
            wsf_job_out out = {.entry = {.verdict = verdict < 0 ? WSF_ERROR : verdict},
                               .interrupted = intr != 0};
            out.entry.json = verdict < 0 ? NULL : take_file(jp);
            out.text = take_file(tp);
            if (!out.text || verdict < 0) {
                free(out.text);
                out.text = wsf_xasprintf("[worker %d] could not pass on scenario %zu's results\n",
                                         (int)w->pid, index + 1);
            }
            free(jp);
            free(tp);
            finish(l, index, &out);
            if (out.interrupted) *interrupted = true;
            w->job = NO_JOB;
        }
        size_t used = (size_t)(nl - w->line) + 1;
        memmove(w->line, nl + 1, w->line_len - used + 1);
        w->line_len -= used;
    }
}

static long run_here(size_t n, const wsf_workers_ops *ops, bool *interrupted, char *err,
                     size_t errlen)
{
    void *state = ops->start(ops->ctx, err, errlen);
    if (!state) return -1;
    size_t i = 0;
    while (i < n) {
        wsf_job_out out = {0};
        ops->began(ops->ctx, i);
        ops->run(state, i, &out);
        bool interrupted_here = out.interrupted;
        bool end = ops->done(ops->ctx, i, &out);
        i++;
        if (interrupted_here) {
            *interrupted = true;
            break;
        }
        if (end) break;
    }
    ops->stop(state);
    return (long)i;
}

long wsf_workers_run(size_t n, int workers, const wsf_workers_ops *ops, bool *interrupted,
                     char *err, size_t errlen)
{
    *interrupted = false;
    if ((size_t)workers > n) workers = (int)n;
    if (workers <= 1) return run_here(n, ops, interrupted, err, errlen);

    const char *tmp = getenv("TMPDIR");
    char *dir = wsf_xasprintf("%s/wsfault-workers.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot make a folder for the workers in %s: %s",
                 tmp && *tmp ? tmp : "/tmp", strerror(errno));
        free(dir);
        return -1;
    }
    /* Signals come as data, here as in every worker's loop. */
    int sigfd = wsf_signal_fd();
    fflush(stdout);
    fflush(stderr);

    worker *ws = wsf_xcalloc((size_t)workers, sizeof *ws);
    int started = 0;
    for (int k = 0; k < workers; k++) {
        int jp[2], rp[2];
        if (pipe2(jp, O_CLOEXEC) < 0) break;
        if (pipe2(rp, O_CLOEXEC) < 0) {
            close(jp[0]);
            close(jp[1]);
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            close(jp[0]);
            close(jp[1]);
            close(rp[0]);
            close(rp[1]);
            break;
        }
        if (pid == 0) {
            /* Only its own pipes: a worker holding another's would keep
             * that one's end open after it died. */
            for (int o = 0; o < k; o++) {
                close(ws[o].job_fd);
                close(ws[o].result_fd);
            }
            close(jp[1]);
            close(rp[0]);
            if (sigfd >= 0) close(sigfd);
            worker_main(ops, dir, jp[0], rp[1]);
        }
        close(jp[0]);
        close(rp[1]);
        ws[k] = (worker){.pid = pid, .job_fd = jp[1], .result_fd = rp[0], .job = NO_JOB};
        started++;
    }
    if (started == 0) {
        snprintf(err, errlen, "cannot start a worker: %s", strerror(errno));
        free(ws);
        rmdir(dir);
        free(dir);
        if (sigfd >= 0) close(sigfd);
        return -1;
    }

    ledger l = {.outs = wsf_xcalloc(n, sizeof *l.outs), .finished = wsf_xcalloc(n, sizeof(bool))};
    size_t next_job = 0;
    bool stopping = false;
    for (;;) {
        /* Hand out work to the idle; once stopping, end their job pipes. */
        for (int k = 0; k < started; k++) {
            worker *w = &ws[k];
            if (w->result_fd < 0 || w->job != NO_JOB || w->job_fd < 0) continue;
            if (stopping || next_job >= n) {
                close(w->job_fd);
                w->job_fd = -1;
                continue;
            }
            char msg[32];
            int m = snprintf(msg, sizeof msg, "%zu\n", next_job);
            ops->began(ops->ctx, next_job);
            if (!write_all(w->job_fd, msg, (size_t)m)) {
                close(w->job_fd);
                w->job_fd = -1;
                continue;
            }
            w->job = next_job++;
        }
        struct pollfd pf[65];
        int np = 0, map[65];
        for (int k = 0; k < started; k++)
            if (ws[k].result_fd >= 0) {
                pf[np] = (struct pollfd){.fd = ws[k].result_fd, .events = POLLIN};
                map[np++] = k;
            }
        if (np == 0) break;
        int nw = np;
        if (sigfd >= 0) pf[np++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
        if (poll(pf, (nfds_t)np, -1) < 0 && errno != EINTR) break;
        if (sigfd >= 0 && (pf[nw].revents & POLLIN)) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
                /* A signal sent to wsfault alone (not to its terminal's
                 * process group) reaches the workers too. */
                for (int k = 0; k < started; k++)
                    if (ws[k].result_fd >= 0) kill(ws[k].pid, (int)si.ssi_signo);
                *interrupted = true;
            }
        }
        for (int p = 0; p < nw; p++)
            if (pf[p].revents & (POLLIN | POLLHUP | POLLERR))
                read_result(&ws[map[p]], dir, &l, interrupted);
        if (pass_on(ops, &l, n) || *interrupted) stopping = true;
    }
    /* Past a gap (a scenario an interrupt cut off), what finished is kept. */
    long done = (long)l.next;
    for (size_t i = l.next; i < n; i++)
        if (l.finished[i]) {
            ops->done(ops->ctx, i, &l.outs[i]);
            done++;
        }
    for (int k = 0; k < started; k++)
        if (ws[k].job_fd >= 0) close(ws[k].job_fd);
    free(ws);
    free(l.outs);
    free(l.finished);
    rmdir(dir);
    free(dir);
    if (sigfd >= 0) close(sigfd);
    return done;
}
