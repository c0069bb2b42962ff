/* Following a log file. inotify says when it was written to, so a line is
 * stamped within a loop turn of its write, as the target's pipe lines are. */
#include "logtail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINE 4096 /* as for the target's pipes: longer lines are cut */

static void emit(void *ctx, const char *line, size_t len)
{
    wsf_logtail *t = ctx;
    t->on_line(t->ctx, "log", wsf_now_us(), line, len);
}

void wsf_logtail_poll(wsf_logtail *t)
{
    if (t->fd < 0) return;
    struct stat st;
    if (fstat(t->fd, &st) == 0 && st.st_size < t->off) {
        t->off = 0;
        wsf_buf_reset(&t->partial);
    }
    char chunk[8192];
    /* Bounded per call, like every read of the target's output. */
    for (int rounds = 0; rounds < 64; rounds++) {
        ssize_t r = pread(t->fd, chunk, sizeof chunk, t->off);
        if (r <= 0) break;
        t->off += r;
        wsf_buf_append(&t->partial, chunk, (size_t)r);
        wsf_split_lines(&t->partial, false, MAX_LINE, emit, t);
    }
}

static void on_notify(wsf_io *io, uint32_t events)
{
    (void)events;
    wsf_logtail *t = io->ctx;
    char buf[4096];
    while (read(io->fd, buf, sizeof buf) > 0) {
    }
    wsf_logtail_poll(t);
}

int wsf_logtail_open(wsf_logtail *t, wsf_loop *loop, const char *path, wsf_logtail_fn fn, void *ctx,
                     char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->fd = t->notify.fd = -1;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "--log %s: %s", path,
                 fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0) close(fd);
        return -1;
    }
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in < 0 || inotify_add_watch(in, path, IN_MODIFY) < 0) {
        snprintf(err, errlen, "--log %s: cannot watch it: %s", path, strerror(errno));
        if (in >= 0) close(in);
        close(fd);
        return -1;
    }
    t->fd = fd;
    t->off = st.st_size;
    t->loop = loop;
    t->on_line = fn;
    t->ctx = ctx;
    wsf_buf_init(&t->partial);
    t->notify = (wsf_io){.fd = in, .cb = on_notify, .ctx = t};
    wsf_loop_add(loop, &t->notify, EPOLLIN);
    return 0;
}

void wsf_logtail_close(wsf_logtail *t)
{
    if (t->fd < 0) return;
    wsf_logtail_poll(t);
    wsf_split_lines(&t->partial, true, MAX_LINE, emit, t);
    wsf_loop_del(t->loop, &t->notify);
    close(t->notify.fd);
    close(t->fd);
    wsf_buf_free(&t->partial);
    t->fd = t->notify.fd = -1;
}
