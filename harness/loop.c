#include "loop.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void on_signal(wsf_io *io, uint32_t events)
{
    (void)events;
    wsf_loop *l = io->ctx;
    struct signalfd_siginfo si;
    while (read(l->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
        l->interrupted = (int)si.ssi_signo;
}

int wsf_loop_init(wsf_loop *l)
{
    memset(l, 0, sizeof *l);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) return -1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    /* Writes to a socket the target reset must be an error, not a death. */
    signal(SIGPIPE, SIG_IGN);
    l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
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
    return 0;
}

int wsf_loop_mod(wsf_loop *l, wsf_io *io, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = io};
    return epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev);
}

void wsf_loop_del(wsf_loop *l, wsf_io *io)
{
    if (!io->registered) return;
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
    io->registered = false;
}

void wsf_loop_run_once(wsf_loop *l, int64_t deadline_us)
{
    int timeout_ms = 0;
    if (deadline_us >= 0) {
        int64_t left = deadline_us - wsf_now_us();
        /* Round up: waking a little late is fine, spinning early is not. */
        timeout_ms = left <= 0 ? 0 : (int)((left + 999) / 1000);
    }
    struct epoll_event evs[16];
    int n = epoll_wait(l->epfd, evs, 16, timeout_ms);
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
