/* What the kernel knows about the target: the processes of its process
 * group, their open fds and memory from /proc/PID, and who holds which TCP
 * connection from /proc/net/tcp{,6} and the fds that point at it. */
#ifndef WSF_PROCFS_H
#define WSF_PROCFS_H

#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Open file descriptors of pid, or -1 if it cannot be read. */
int wsf_proc_fd_count(pid_t pid);
/* Resident set size of pid in bytes (VmRSS), or -1. */
int64_t wsf_proc_rss(pid_t pid);

/* One process of a group, as /proc showed it when the group was read. */
typedef struct {
    pid_t pid;
    char name[16]; /* its comm: the program's name, cut at 15 bytes */
    int fds;       /* open fds; -1 when /proc/PID/fd cannot be read, or not asked */
    int64_t rss;   /* bytes; 0 for a process without memory (a zombie); -1 unread */
} wsf_proc;

/* The processes of one process group, in pid order. */
typedef struct {
    const char *root; /* "/proc", or a folder laid out like it (tests) */
    wsf_proc *procs;
    size_t n;
} wsf_proc_group;

enum { WSF_PROC_FDS = 1, WSF_PROC_RSS = 2 };

/* Reads the processes whose process group is pgid, with what `what` asks for
 * (WSF_PROC_FDS, WSF_PROC_RSS). A process that ends while it is read is left
 * out. Returns the number of processes, or -1 when the root cannot be read;
 * free the group with wsf_proc_group_free either way. */
int wsf_proc_group_read(const char *root, pid_t pgid, int what, wsf_proc_group *g);
void wsf_proc_group_free(wsf_proc_group *g);

/* Totals over the group: the fds of the processes whose fds could be read
 * (*unreadable, if not NULL, gets how many could not), and the RSS. */
int wsf_proc_group_fds(const wsf_proc_group *g, int *unreadable);
int64_t wsf_proc_group_rss(const wsf_proc_group *g);

/* The same read from /proc at once, for samples: -1 when nothing is read. */
int wsf_proc_group_fd_total(pid_t pgid);
int64_t wsf_proc_group_rss_total(pid_t pgid);

/* A process group sampled again and again: the processes found outside
 * it are remembered, so that a sample reads the /proc/N/stat of the
 * members and of processes new since the last sample, not of every
 * process of the machine each time. One a member forks is new, and an
 * outsider joins only through setpgid, which no server does: a remembered
 * pid stays outside until it disappears from /proc, which a sample sees:
 * sampled every few milliseconds, a pid cannot come back for another
 * process in between. */
typedef struct {
    const char *root; /* "/proc", or a folder laid out like it (tests) */
    pid_t pgid;
    pid_t *outside; /* sorted */
    size_t n_outside;
} wsf_proc_watch;

void wsf_proc_watch_init(wsf_proc_watch *w, const char *root, pid_t pgid);
/* The RSS of the group's processes, summed, in bytes; -1 when none is read. */
int64_t wsf_proc_watch_rss(wsf_proc_watch *w);
/* Their open fds, summed over those whose fds can be read; -1 when the
 * group has no process. */
int wsf_proc_watch_fds(wsf_proc_watch *w);
void wsf_proc_watch_free(wsf_proc_watch *w);

/* "3 processes: nginx 1234, nginx 1235, lws-echo 1240", and with `what`
 * each one's fds or RSS ("lws-echo 1240 (12 fds)"); at most 8 are named. */
void wsf_proc_group_describe(const wsf_proc_group *g, int what, wsf_buf *out);

/* Which process of the group has socket `inode` among its fds: its index
 * (and the fd in *fd), or -1 when none has it and every process's fds could
 * be read, or -2 when none of those read has it but some could not be read. */
int wsf_proc_group_socket(const wsf_proc_group *g, unsigned long inode, int *fd);

typedef struct {
    int state;           /* TCP state number as the kernel gives it (1..12) */
    unsigned long inode; /* 0: no process holds it (TIME_WAIT, an orphan) */
} wsf_tcp_entry;

/* Finds the TCP socket whose local port is lport and remote port is rport,
 * in the IPv4 and IPv6 tables. Returns 1 and fills *out when there is one
 * held by a process (inode != 0), preferring such an entry; 0 when none is
 * held; -1 when the tables cannot be read. */
int wsf_tcp_held(uint16_t lport, uint16_t rport, wsf_tcp_entry *out);
/* The same over one table file, for tests. */
int wsf_tcp_held_in(const char *path, uint16_t lport, uint16_t rport, wsf_tcp_entry *out);

/* Both tables read once, for many look-ups: asking wsf_tcp_held about
 * each of ten thousand connections read ten thousand times a table of
 * twenty thousand lines. */
typedef struct {
    uint16_t lport, rport;
    size_t order; /* its place in the tables, IPv4 first */
    wsf_tcp_entry entry;
} wsf_tcp_row;

typedef struct {
    wsf_tcp_row *rows; /* by ports, then order */
    size_t n;
} wsf_tcp_table;

/* Reads /proc/net/tcp and tcp6: 0, or -1 when neither can be read (the
 * rows of one that cannot are left out). */
int wsf_tcp_table_read(wsf_tcp_table *t);
/* The same from two table files, for tests. */
int wsf_tcp_table_read_from(const char *v4, const char *v6, wsf_tcp_table *t);
/* What wsf_tcp_held says of the pair, from the table read: 1 with *out,
 * or 0. */
int wsf_tcp_table_held(const wsf_tcp_table *t, uint16_t lport, uint16_t rport, wsf_tcp_entry *out);
void wsf_tcp_table_free(wsf_tcp_table *t);

/* "ESTABLISHED", "CLOSE_WAIT", ... for a kernel TCP state number. */
const char *wsf_tcp_state_name(int state);

#endif
