/* What the kernel knows about the target: its open fds and memory from
 * /proc/PID, and who holds which TCP connection from /proc/net/tcp{,6}. */
#ifndef WSF_PROCFS_H
#define WSF_PROCFS_H

#include <stdint.h>
#include <sys/types.h>

/* Open file descriptors of pid, or -1 if it cannot be read. */
int wsf_proc_fd_count(pid_t pid);
/* Resident set size of pid in bytes (VmRSS), or -1. */
int64_t wsf_proc_rss(pid_t pid);

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

/* "ESTABLISHED", "CLOSE_WAIT", ... for a kernel TCP state number. */
const char *wsf_tcp_state_name(int state);

#endif
