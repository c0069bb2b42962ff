#include "instance.h"

#include "reaper.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int pidfd_open(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void remember_line(wsf_instance *in, const char *line, size_t len)
{
    size_t slot = in->n_last % WSF_LAST_LINES;
    free(in->last[slot]);
    in->last[slot] = wsf_xstrndup(line, len);
    in->n_last++;
}

static void emit_line(wsf_instance *in, wsf_stream *s, const char *line, size_t len)
{
    int64_t now = wsf_now_us();
    remember_line(in, line, len);
    const wsf_target *t = in->target;
    bool is_log = (!strcmp(s->name, "stderr") && (t->log & WSF_LOG_STDERR)) ||
                  (!strcmp(s->name, "stdout") && (t->log & WSF_LOG_STDOUT));
    if (is_log && t->ready == WSF_READY_LOG && !in->ready_seen && !in->ready_gave_up) {
        char *z = wsf_xstrndup(line, len);
        wsf_rx_result r = wsf_rx_match(t->ready_re, z, NULL);
        if (r == WSF_RX_MATCH) in->ready_seen = true;
        if (r == WSF_RX_GAVE_UP) {
            in->ready_gave_up = z;
            z = NULL;
        }
        free(z);
    }
    if (in->on_line) in->on_line(in->ctx, s->name, now, line, len);
}

static void emit_stream_line(void *ctx, const char *line, size_t len)
{
    wsf_stream *s = ctx;
    emit_line(s->owner, s, line, len);
}

/* Splits what arrived into lines; a line longer than WSF_MAX_LINE is cut
 * into pieces so a target cannot make the harness hold unbounded text. */
static void split_lines(wsf_instance *in, wsf_stream *s, bool eof)
{
    (void)in;
    wsf_split_lines(&s->partial, eof, WSF_MAX_LINE, emit_stream_line, s);
}

static void read_stream(wsf_stream *s)
{
    wsf_instance *in = s->owner;
    char chunk[8192];
    for (int rounds = 0; rounds < 64; rounds++) {
        ssize_t r = read(s->io.fd, chunk, sizeof chunk);
        if (r > 0) {
            wsf_buf_append(&s->partial, chunk, (size_t)r);
            split_lines(in, s, false);
            /* Less than asked for: the pipe is empty now, and the loop says
             * when it is not (a read to hear EAGAIN cost one per line). */
            if ((size_t)r < sizeof chunk) return;
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            split_lines(in, s, true);
            wsf_loop_del(in->loop, &s->io);
            close(s->io.fd);
            s->io.fd = -1;
        }
        return;
    }
}

static void on_stream(wsf_io *io, uint32_t events)
{
    (void)events;
    read_stream(io->ctx);
}

static void reap(wsf_instance *in)
{
    if (!in->running) return;
    siginfo_t si = {0};
    if (waitid(P_PID, (id_t)in->pid, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0) return;
    in->running = false;
    in->exited_us = wsf_now_us();
    in->status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0)
                                          : (si.si_status | (si.si_code == CLD_DUMPED ? 0x80 : 0));
    wsf_loop_del(in->loop, &in->pidio);
    close(in->pidio.fd);
    in->pidio.fd = -1;
    /* Its last words are in the pipes: read them before telling anyone. */
    wsf_instance_drain(in);
    if (in->on_exit) in->on_exit(in->ctx, in->exited_us, in->status);
}

static void on_pidfd(wsf_io *io, uint32_t events)
{
    (void)events;
    reap(io->ctx);
}

void wsf_instance_drain(wsf_instance *in)
{
    if (in->out.io.fd >= 0) read_stream(&in->out);
    if (in->err.io.fd >= 0) read_stream(&in->err);
}

void wsf_describe_status(int status, char *out, size_t outlen)
{
    if (WIFEXITED(status))
        snprintf(out, outlen, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, outlen, "was killed by signal %s (%d)%s", wsf_signal_name(WTERMSIG(status)),
                 WTERMSIG(status), WCOREDUMP(status) ? ", core dumped" : "");
    else
        snprintf(out, outlen, "ended with wait status 0x%x", status);
}

void wsf_instance_last_lines(const wsf_instance *in, wsf_buf *out)
{
    size_t n = in->n_last < WSF_LAST_LINES ? in->n_last : WSF_LAST_LINES;
    if (n == 0) {
        wsf_buf_appendf(out, "  (it printed nothing)");
        return;
    }
    for (size_t i = in->n_last - n; i < in->n_last; i++) {
        if (i > in->n_last - n) wsf_buf_appendf(out, "\n");
        wsf_buf_appendf(out, "  | ");
        wsf_escape_bytes((const uint8_t *)in->last[i % WSF_LAST_LINES],
                         strlen(in->last[i % WSF_LAST_LINES]), 300, out);
    }
}

static bool port_accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static int spawn(wsf_instance *in, char **argv, char **env, size_t n_env, char *err, size_t errlen)
{
    int outp[2], errp[2], execp[2];
    if (pipe2(outp, O_CLOEXEC) < 0) goto fail;
    if (pipe2(errp, O_CLOEXEC) < 0) goto fail;
    /* The child writes errno here if exec fails; EOF means exec succeeded. */
    if (pipe2(execp, O_CLOEXEC) < 0) goto fail;
    /* Made before the fork: the child only puts it in its environment. */
    in->mark = wsf_reaper_mark();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) goto fail;
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127); /* the harness died before prctl */
        wsf_loop_child_reset_signals();
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(outp[1], 1);
        dup2(errp[1], 2);
        for (size_t i = 0; i < n_env; i++)
            putenv(env[i]);
        putenv(in->mark);
        execvp(argv[0], argv);
        int e = errno;
        if (write(execp[1], &e, sizeof e) < 0) _exit(127);
        _exit(127);
    }
    setpgid(pid, pid); /* also here, so the group exists before we signal it */
    wsf_reaper_watch(pid, true);
    close(outp[1]);
    close(errp[1]);
    close(execp[1]);
    int child_errno = 0;
    ssize_t r;
    do
        r = read(execp[0], &child_errno, sizeof child_errno);
    while (r < 0 && errno == EINTR);
    close(execp[0]);
    in->pid = pid;
    in->running = true;
    in->started_us = wsf_now_us();
    in->pidio = (wsf_io){.fd = pidfd_open(pid), .cb = on_pidfd, .ctx = in};
    fcntl(outp[0], F_SETFL, O_NONBLOCK);
    fcntl(errp[0], F_SETFL, O_NONBLOCK);
    in->out = (wsf_stream){
        .io = {.fd = outp[0], .cb = on_stream, .ctx = &in->out}, .name = "stdout", .owner = in};
    in->err = (wsf_stream){
        .io = {.fd = errp[0], .cb = on_stream, .ctx = &in->err}, .name = "stderr", .owner = in};
    wsf_loop_add(in->loop, &in->out.io, EPOLLIN);
    wsf_loop_add(in->loop, &in->err.io, EPOLLIN);
    if (in->pidio.fd >= 0) wsf_loop_add(in->loop, &in->pidio, EPOLLIN);
    if (r == (ssize_t)sizeof child_errno) {
        snprintf(err, errlen, "cannot run '%s': %s", argv[0], strerror(child_errno));
        return -1;
    }
    return 0;
fail:
    snprintf(err, errlen, "cannot start the target: %s", strerror(errno));
    return -1;
}

/* ${port} always, since url and readiness need it; ${port2} and up only
 * when used, so a target of one port does not hold eight. */
static int claim_ports(wsf_instance *in, wsf_target_vars *vars, char *err, size_t errlen)
{
    if (wsf_port_claim(&in->claim, err, errlen) < 0) return -1;
    vars->port = in->claim.port;
    unsigned used = wsf_target_ports_used(in->target);
    for (int i = 0; i < WSF_TARGET_PORTS - 1; i++) {
        vars->more_ports[i] = 0;
        if (!(used & (1u << (i + 2)))) continue;
        if (wsf_port_claim(&in->more_claims[i], err, errlen) < 0) return -1;
        vars->more_ports[i] = in->more_claims[i].port;
    }
    return 0;
}

static void release_ports(wsf_instance *in)
{
    wsf_port_release(&in->claim);
    for (int i = 0; i < WSF_TARGET_PORTS - 1; i++)
        wsf_port_release(&in->more_claims[i]);
}

int wsf_instance_start(wsf_instance *in, const wsf_target *t, const wsf_target_vars *vars0,
                       wsf_loop *loop, char *err, size_t errlen)
{
    wsf_line_fn on_line = in->on_line;
    wsf_exit_fn on_exit = in->on_exit;
    void *ctx = in->ctx;
    memset(in, 0, sizeof *in);
    in->on_line = on_line;
    in->on_exit = on_exit;
    in->ctx = ctx;
    in->target = t;
    in->loop = loop;
    in->out.io.fd = in->err.io.fd = in->pidio.fd = -1;

    wsf_target_vars vars = *vars0;
    char xerr[256];
    if (claim_ports(in, &vars, xerr, sizeof xerr) < 0) {
        snprintf(err, errlen, "target '%s': %s", t->name, xerr);
        release_ports(in);
        return -1;
    }
    char *cmd = wsf_target_expand(t->command, &vars, xerr, sizeof xerr);
    char *url = cmd ? wsf_target_expand(t->url, &vars, xerr, sizeof xerr) : NULL;
    char **env = wsf_xcalloc(t->n_env + 1, sizeof *env);
    for (size_t i = 0; url && i < t->n_env; i++)
        if (!(env[i] = wsf_target_expand(t->env[i], &vars, xerr, sizeof xerr))) {
            free(url);
            url = NULL;
        }
    char **argv = url ? wsf_split_command(cmd, xerr, sizeof xerr) : NULL;
    int rc = -1;
    if (!argv) {
        snprintf(err, errlen, "%s:%d: %s", t->file, t->line_of_command, xerr);
        goto out;
    }
    in->url = url;
    url = NULL;
    if (spawn(in, argv, env, t->n_env, err, errlen) < 0) goto out;

    int64_t deadline = in->started_us + t->ready_within_us;
    int64_t next_probe = 0;
    for (;;) {
        if (t->ready == WSF_READY_LOG && in->ready_seen) break;
        if (in->ready_gave_up) {
            wsf_buf b;
            wsf_buf_init(&b);
            wsf_escape_bytes((const uint8_t *)in->ready_gave_up, strlen(in->ready_gave_up), 200,
                             &b);
            snprintf(err, errlen,
                     "target '%s': its ready pattern /%s/ gave up on the line \"%s\": %s, so "
                     "whether it is ready cannot be told",
                     t->name, t->ready_pattern, (char *)b.data, WSF_RX_GAVE_UP_WHY);
            wsf_buf_free(&b);
            goto out;
        }
        if (t->ready == WSF_READY_PORT && wsf_now_us() >= next_probe) {
            if (port_accepts(in->claim.port)) break;
            next_probe = wsf_now_us() + 10000;
        }
        if (!in->running) {
            char st[96];
            wsf_describe_status(in->status, st, sizeof st);
            wsf_buf b;
            wsf_buf_init(&b);
            wsf_instance_last_lines(in, &b);
            snprintf(err, errlen, "target '%s' %s before it was ready; its last lines:\n%s",
                     t->name, st, (char *)b.data);
            wsf_buf_free(&b);
            goto out;
        }
        if (loop->interrupted) {
            snprintf(err, errlen, "interrupted while waiting for target '%s'", t->name);
            goto out;
        }
        int64_t now = wsf_now_us();
        if (now >= deadline) {
            char d[32];
            wsf_format_duration(t->ready_within_us, d, sizeof d);
            wsf_buf b;
            wsf_buf_init(&b);
            wsf_instance_last_lines(in, &b);
            if (t->ready == WSF_READY_LOG)
                snprintf(err, errlen,
                         "target '%s' not ready after %s: no line on %s matched /%s/; its "
                         "last lines:\n%s",
                         t->name, d,
                         t->log == WSF_LOG_BOTH     ? "stdout or stderr"
                         : t->log == WSF_LOG_STDERR ? "stderr"
                                                    : "stdout",
                         t->ready_pattern, (char *)b.data);
            else
                snprintf(err, errlen,
                         "target '%s' not ready after %s: port %d never accepted a connection; "
                         "its last lines:\n%s",
                         t->name, d, in->claim.port, (char *)b.data);
            wsf_buf_free(&b);
            goto out;
        }
        int64_t wake = deadline;
        if (t->ready == WSF_READY_PORT && next_probe < wake) wake = next_probe;
        wsf_loop_run_once(loop, wake);
    }
    rc = 0;
out:
    if (rc < 0) wsf_instance_stop(in);
    free(cmd);
    free(url);
    for (size_t i = 0; i < t->n_env; i++)
        free(env[i]);
    free(env);
    wsf_free_argv(argv);
    return rc;
}

void wsf_instance_stop(wsf_instance *in)
{
    /* Also after a start that failed before there was a process: the port
     * and the URL are held from before the spawn. */
    if (in->pid <= 0) {
        free(in->url);
        in->url = NULL;
        free(in->mark);
        in->mark = NULL;
        release_ports(in);
        return;
    }
    /* The stop signal goes to the group and to every process of the
     * target's that left it (setsid); the grace is for them all. Its
     * processes that are still there after it are killed, wherever they
     * are. */
    if (in->running) kill(-in->pid, in->target->stop_signal);
    int left = wsf_reaper_signal(in->mark, false, in->pid, in->target->stop_signal);
    if (in->running || left) {
        int64_t deadline = wsf_now_us() + in->target->stop_grace_us;
        while (wsf_now_us() < deadline) {
            if (!in->running && !wsf_reaper_signal(in->mark, false, 0, 0)) break;
            /* Once the target itself is gone, only a look at /proc tells
             * that the others are: every 20 ms. */
            int64_t wake = in->running ? deadline : wsf_now_us() + 20000;
            wsf_loop_run_once(in->loop, wake < deadline ? wake : deadline);
            if (in->pidio.fd < 0) {
                /* No pidfd (old kernel): poll. */
                reap(in);
                if (in->running) usleep(5000);
            }
        }
    }
    /* Whatever is left of the group, the target's children included, goes;
     * and those that left the group, until a look finds none (they may
     * fork meanwhile; bounded). */
    kill(-in->pid, SIGKILL);
    for (int round = 0; round < 100 && wsf_reaper_signal(in->mark, false, 0, SIGKILL); round++)
        usleep(10000);
    if (in->running) {
        int status;
        if (waitpid(in->pid, &status, 0) == in->pid) {
            in->running = false;
            in->status = status;
            in->exited_us = wsf_now_us();
            wsf_instance_drain(in);
            if (in->on_exit) in->on_exit(in->ctx, in->exited_us, status);
        }
    }
    wsf_instance_drain(in);
    if (in->pidio.fd >= 0) {
        wsf_loop_del(in->loop, &in->pidio);
        close(in->pidio.fd);
        in->pidio.fd = -1;
    }
    for (wsf_stream *s = &in->out; s; s = s == &in->out ? &in->err : NULL) {
        if (s->io.fd >= 0) {
            wsf_loop_del(in->loop, &s->io);
            close(s->io.fd);
            s->io.fd = -1;
        }
        wsf_buf_free(&s->partial);
    }
    for (size_t i = 0; i < WSF_LAST_LINES; i++) {
        free(in->last[i]);
        in->last[i] = NULL;
    }
    free(in->url);
    in->url = NULL;
    wsf_reaper_watch(in->pid, false);
    free(in->mark);
    in->mark = NULL;
    free(in->ready_gave_up);
    in->ready_gave_up = NULL;
    in->pid = 0;
    release_ports(in);
}
