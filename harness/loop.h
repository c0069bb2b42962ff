/* The event loop: one epoll set for the peer's socket, the target's pipes and
 * pidfd, and a signalfd for Ctrl-C. Parts embed a wsf_io and get called back;
 * the runner drives the loop with deadlines, so every wait is bounded. */
#ifndef WSF_LOOP_H
#define WSF_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct wsf_io wsf_io;
struct wsf_io {
    int fd;
    void (*cb)(wsf_io *io, uint32_t events);
    void *ctx;
    bool registered;
    uint32_t events; /* as registered: asking again for the same costs nothing */
};

typedef struct {
    int epfd;
    int sigfd;
    wsf_io sigio;
    int interrupted; /* the signal that asked us to stop (SIGINT, SIGTERM, SIGHUP), or 0 */
    bool no_pwait2;  /* the kernel has no epoll_pwait2: millisecond timeouts */
} wsf_loop;

/* Blocks SIGINT, SIGTERM and SIGHUP for the process and takes them through a
 * signalfd instead, so an interrupt is an ordinary event. Returns 0 or -1. */
int wsf_loop_init(wsf_loop *l);
/* The same for a process without a loop: blocks the three and returns a
 * signalfd that reads them (or -1). */
int wsf_signal_fd(void);
void wsf_loop_close(wsf_loop *l);

int wsf_loop_add(wsf_loop *l, wsf_io *io, uint32_t events);
int wsf_loop_mod(wsf_loop *l, wsf_io *io, uint32_t events);
void wsf_loop_del(wsf_loop *l, wsf_io *io);

/* Waits until an event or the absolute deadline (wsf_now_us clock; <0 means
 * do not block) and dispatches what is ready. */
void wsf_loop_run_once(wsf_loop *l, int64_t deadline_us);

/* The signal mask a child should start with: empty, default dispositions. */
void wsf_loop_child_reset_signals(void);

#endif
