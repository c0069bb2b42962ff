/* Finding a target's processes by the mark in their environment, and the
 * watchdog that kills them when wsfault dies.
 *
 * PR_SET_PDEATHSIG reaches the target's own process only, and killing the
 * process group only those that stayed in it: a daemon that forks a helper
 * which calls setsid() and ignores SIGTERM outlived both. The environment
 * is inherited across fork and exec whatever the group or session, so it
 * is the mark. The watchdog is a child that does nothing but read a pipe
 * whose write end only wsfault holds (close-on-exec: no target inherits
 * it); the pipe's end of file is wsfault's end, however it came. */
#include "reaper.h"

#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define MARK_NAME "WSFAULT_TARGET_"
#define MAX_GROUPS 256 /* groups the watchdog keeps; a run has one target at a time per process */

static pid_t owner;       /* the process the watchdog below watches */
static int watch_fd = -1; /* the pipe's write end, or -1: no watchdog */
static char owner_mark[64];
static unsigned long n_marks;

/* Whether the environment in fd (NUL-separated entries) holds mark, read
 * in pieces: an environment can be megabytes. */
static bool environ_has(int fd, const char *mark, bool prefix)
{
    size_t len = strlen(mark), at = 0; /* bytes of the entry so far that match */
    bool matching = true;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++) {
            char c = buf[i];
            if (c == 0) {
                if (matching && at == len) return true;
                at = 0;
                matching = true;
            } else if (matching && at < len && c == mark[at]) {
                at++;
            } else if (matching && at == len && prefix) {
                return true;
            } else {
                matching = false;
            }
        }
    return false;
}

int wsf_reaper_signal(const char *mark, bool prefix, pid_t skip, int sig)
{
    DIR *d = opendir("/proc");
    if (!d) return 0;
    pid_t self = getpid();
    int sent = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == self) continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/environ", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue; /* gone, or another user's */
        /* A zombie's environment reads as empty: it is not counted. */
        bool marked = environ_has(fd, mark, prefix);
        close(fd);
        if (marked && (!skip || getpgid((pid_t)pid) != skip) && kill((pid_t)pid, sig) == 0) sent++;
    }
    closedir(d);
    return sent;
}

/* The watchdog's command line is its parent's (it was forked, not
 * exec'd): overwritten, so that nobody looking for wsfault's arguments
 * (pgrep -f) takes it for wsfault, nor for a target. */
static void rename_self(void)
{
    prctl(PR_SET_NAME, "wsfault-watch");
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char st[2048];
    ssize_t n = read(fd, st, sizeof st - 1);
    close(fd);
    if (n <= 0) return;
    st[n] = 0;
    /* Fields 48 and 49, arg_start and arg_end, counted after the command
     * name in parentheses (which may hold spaces). */
    char *p = strrchr(st, ')');
    if (!p) return;
    int field = 2;
    unsigned long long start = 0, end = 0;
    for (; *p && field < 49; p++)
        if (*p == ' ') {
            field++;
            if (field == 48) start = strtoull(p + 1, NULL, 10);
            if (field == 49) end = strtoull(p + 1, NULL, 10);
        }
    const char name[] = "wsfault-watchdog";
    if (!start || end <= start + sizeof name) return;
    memset((void *)(uintptr_t)start, 0, (size_t)(end - start));
    memcpy((void *)(uintptr_t)start, name, sizeof name);
}

/* The watchdog: it holds nothing of wsfault's (a socket it held would stay
 * open after wsfault closed it), hears no signal a terminal or a process
 * group sends, learns the target groups from the pipe, and at its end of
 * file kills what is left of the targets: their groups, then every marked
 * process until none is found. wsfault is single-threaded, so the child
 * of its fork may use the C library freely. */
static void watchdog(int rfd, const char *mark)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    setpgid(0, 0);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; fd++)
        if (fd != rfd) dup2(null, fd);
    if (rfd > 3) close_range(3, (unsigned)rfd - 1, 0);
    close_range((unsigned)rfd + 1, ~0U, 0);
    rename_self();

    static pid_t groups[MAX_GROUPS];
    size_t n = 0;
    int32_t rec;
    for (;;) {
        ssize_t r = read(rfd, &rec, sizeof rec);
        if (r < 0 && errno == EINTR) continue;
        if (r != (ssize_t)sizeof rec) break;
        if (rec > 0 && n < MAX_GROUPS) groups[n++] = rec;
        for (size_t i = 0; rec < 0 && i < n; i++)
            if (groups[i] == -rec) groups[i] = groups[--n];
    }
    /* A process may fork while it is looked for: again, until a look
     * finds none (bounded: a fork bomb does not keep the watchdog). */
    for (int round = 0; round < 250; round++) {
        for (size_t i = 0; i < n; i++)
            kill(-groups[i], SIGKILL);
        if (wsf_reaper_signal(mark, true, 0, SIGKILL) == 0) break;
        usleep(20000);
    }
    _exit(0);
}

static void start_watchdog(void)
{
    /* A process forked from one with a watchdog holds that one's pipe:
     * its own targets are its own to watch. */
    if (watch_fd >= 0) close(watch_fd);
    watch_fd = -1;
    owner = getpid();
    /* A variable of its own for each wsfault process (a wsfault run by a
     * target marks its targets with both), its value the instance. */
    snprintf(owner_mark, sizeof owner_mark, MARK_NAME "%ld_%lld=", (long)owner,
             (long long)wsf_now_us());
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return; /* no watchdog: PR_SET_PDEATHSIG still holds */
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        watchdog(p[0], owner_mark);
    }
    close(p[0]);
    if (pid < 0) {
        close(p[1]);
        return;
    }
    /* A watchdog that died must not stop wsfault: writes never block, and
     * a broken pipe is an error, not a signal (wsfault ignores SIGPIPE). */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    watch_fd = p[1];
}

char *wsf_reaper_mark(void)
{
    if (owner != getpid()) start_watchdog();
    return wsf_xasprintf("%s%lu", owner_mark, ++n_marks);
}

void wsf_reaper_watch(pid_t pgid, bool on)
{
    if (watch_fd < 0 || owner != getpid() || pgid <= 0) return;
    int32_t rec = on ? (int32_t)pgid : -(int32_t)pgid;
    if (write(watch_fd, &rec, sizeof rec) < 0) {
        /* The watchdog is gone: the marks are still killed on a stop. */
    }
}
