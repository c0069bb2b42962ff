#include "loop.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static void on_signal(wsf_io *io, uint32_t events)
{
    (void)events;
    wsf_loop *l = io->ctx;
    struct signalfd_siginfo si;
    while (read(l->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
        l->interrupted = (int)si.ssi_signo;
}

int wsf_signal_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    /* Writes to a socket the target reset must be an error, not a death. */
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int wsf_loop_init(wsf_loop *l)
{
    memset(l, 0, sizeof *l);
    /* A scenario's waits are exact to the microsecond where it can be: the
     * kernel's default slack of 50 us would make every one of them late. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) return -1;
    l->sigfd = wsf_signal_fd();
    if (l->sigfd < 0) return -1;
    l->sigio = (wsf_io){.fd = l->sigfd, .cb = on_signal, .ctx = l};
    return wsf_loop_add(l, &l->sigio, EPOLLIN);
}

void wsf_loop_close(wsf_loop *l)
{
    if (l->sigfd >= 0) close(l->sigfd);
    if (l->epfd >= 0) close(l->epfd);
    l->sigfd = l->epfd = -1;
}

int wsf_loop_add(wsf_loop *l, wsf_io *io, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = io};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0) return -1;
    io->registered = true;
    io->events = events;
    return 0;
}

int wsf_loop_mod(wsf_loop *l, wsf_io *io, uint32_t events)
{
    if (io->registered && io->events == events) return 0;
    struct epoll_event ev = {.events = events, .data.ptr = io};
    if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0) return -1;
    io->events = events;
    return 0;
}

void wsf_loop_del(wsf_loop *l, wsf_io *io)
{
    if (!io->registered) return;
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
    io->registered = false;
}

/* epoll_pwait2 takes its timeout in nanoseconds (Linux 5.11): a `wait
 * 250us` wakes after 250 us, not after a whole millisecond. Where the kernel
 * lacks it, epoll_wait rounds up to milliseconds: late, never early. */
static int wait_for(wsf_loop *l, struct epoll_event *evs, int max, int64_t deadline_us)
{
    int64_t left = deadline_us < 0 ? 0 : deadline_us - wsf_now_us();
    if (left < 0) left = 0;
    if (!l->no_pwait2) {
        struct timespec ts = {.tv_sec = left / 1000000, .tv_nsec = (left % 1000000) * 1000};
        int n = epoll_pwait2(l->epfd, evs, max, &ts, NULL);
        if (n >= 0 || errno != ENOSYS) return n;
        l->no_pwait2 = true;
    }
    /* Round up: waking a little late is fine, spinning early is not. */
    return epoll_wait(l->epfd, evs, max, (int)((left + 999) / 1000));
}

void wsf_loop_run_once(wsf_loop *l, int64_t deadline_us)
{
    /* Thousands of connections can be ready at once: take many per wake. */
    struct epoll_event evs[256];
    int n = wait_for(l, evs, 256, deadline_us);
    if (n < 0 && errno != EINTR) return;
    for (int i = 0; i < n; i++) {
        wsf_io *io = evs[i].data.ptr;
        if (io->registered) io->cb(io, evs[i].events);
    }
}

void wsf_loop_child_reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
}
