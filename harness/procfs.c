#include "procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A process group is found by reading every /proc/N/stat: the kernel has no
 * list of a group's members. That is about 3 us per process on the machine
 * (0.25 ms for 80), cheap enough for a sample every 10 ms. */

static int fd_count_in(const char *root, pid_t pid)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%d/fd", root, (int)pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* -1 when the status file cannot be read; 0 when it has no VmRSS line, as a
 * zombie's has not: it holds no memory. */
static int64_t rss_in(const char *root, pid_t pid, int64_t none)
{
    char path[PATH_MAX], text[8192];
    snprintf(path, sizeof path, "%s/%d/status", root, (int)pid);
    /* One read, no stdio buffer: a sample reads this a hundred times a
     * second. A status file is well under 8 KiB. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 0) return -1;
    text[n] = '\0';
    int64_t kib = -1;
    for (char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
        if (sscanf(line, "VmRSS: %" SCNd64 " kB", &kib) == 1) break;
    return kib < 0 ? none : kib * 1024;
}

int wsf_proc_fd_count(pid_t pid)
{
    return fd_count_in("/proc", pid);
}

int64_t wsf_proc_rss(pid_t pid)
{
    return rss_in("/proc", pid, -1);
}

/* "1234 (nginx: worker) S 1 1230 ...": the name may hold blanks and ')',
 * so the fields are read after its last ')'. Returns 0 and the process
 * group, or -1. */
static int read_stat(const char *root, pid_t pid, char *name, size_t namelen, pid_t *pgrp)
{
    char path[PATH_MAX], buf[512];
    snprintf(path, sizeof path, "%s/%d/stat", root, (int)pid);
    /* Read with one call and no stdio buffer: this runs for every process
     * of the machine, a hundred times a second. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) return -1;
    buf[n] = '\0';
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    int ppid, group;
    char state;
    if (!open || !close || close < open ||
        sscanf(close + 1, " %c %d %d", &state, &ppid, &group) != 3)
        return -1;
    size_t len = (size_t)(close - open - 1);
    if (len >= namelen) len = namelen - 1;
    memcpy(name, open + 1, len);
    name[len] = '\0';
    *pgrp = group;
    return 0;
}

static int by_pid(const void *a, const void *b)
{
    pid_t x = ((const wsf_proc *)a)->pid, y = ((const wsf_proc *)b)->pid;
    return (x > y) - (x < y);
}

int wsf_proc_group_read(const char *root, pid_t pgid, int what, wsf_proc_group *g)
{
    *g = (wsf_proc_group){.root = root};
    DIR *d = opendir(root);
    if (!d) return -1;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        wsf_proc p = {.pid = (pid_t)pid, .fds = -1, .rss = -1};
        pid_t group;
        if (read_stat(root, p.pid, p.name, sizeof p.name, &group) < 0 || group != pgid) continue;
        if (what & WSF_PROC_FDS) p.fds = fd_count_in(root, p.pid);
        if (what & WSF_PROC_RSS) {
            p.rss = rss_in(root, p.pid, 0);
            if (p.rss < 0) continue; /* it ended meanwhile */
        }
        if (g->n == cap) {
            cap = cap ? cap * 2 : 8;
            g->procs = wsf_xrealloc(g->procs, cap * sizeof *g->procs);
        }
        g->procs[g->n++] = p;
    }
    closedir(d);
    if (g->n) qsort(g->procs, g->n, sizeof *g->procs, by_pid);
    return (int)g->n;
}

void wsf_proc_group_free(wsf_proc_group *g)
{
    free(g->procs);
    g->procs = NULL;
    g->n = 0;
}

int wsf_proc_group_fds(const wsf_proc_group *g, int *unreadable)
{
    int total = 0, bad = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (g->procs[i].fds < 0)
            bad++;
        else
            total += g->procs[i].fds;
    }
    if (unreadable) *unreadable = bad;
    return total;
}

int64_t wsf_proc_group_rss(const wsf_proc_group *g)
{
    int64_t total = 0;
    for (size_t i = 0; i < g->n; i++)
        if (g->procs[i].rss > 0) total += g->procs[i].rss;
    return total;
}

int wsf_proc_group_fd_total(pid_t pgid)
{
    wsf_proc_group g;
    int n = wsf_proc_group_read("/proc", pgid, WSF_PROC_FDS, &g);
    int total = n > 0 ? wsf_proc_group_fds(&g, NULL) : -1;
    wsf_proc_group_free(&g);
    return total;
}

int64_t wsf_proc_group_rss_total(pid_t pgid)
{
    wsf_proc_group g;
    int n = wsf_proc_group_read("/proc", pgid, WSF_PROC_RSS, &g);
    int64_t total = n > 0 ? wsf_proc_group_rss(&g) : -1;
    wsf_proc_group_free(&g);
    return total;
}

static int by_pid_t(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

void wsf_proc_watch_init(wsf_proc_watch *w, const char *root, pid_t pgid)
{
    *w = (wsf_proc_watch){.root = root, .pgid = pgid};
}

void wsf_proc_watch_free(wsf_proc_watch *w)
{
    free(w->outside);
    w->outside = NULL;
    w->n_outside = 0;
}

/* Visits the group's processes, learning who is outside it; what each
 * member adds is asked for by what. Returns the sum, or -1 when no member
 * was read. */
static int64_t watch_sum(wsf_proc_watch *w, int what)
{
    DIR *d = opendir(w->root);
    if (!d) return -1;
    pid_t *outside = NULL;
    size_t n_outside = 0, cap = 0, members = 0;
    int64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        pid_t p = (pid_t)pid;
        bool known_outside =
            w->n_outside && bsearch(&p, w->outside, w->n_outside, sizeof *w->outside, by_pid_t);
        char name[16];
        pid_t group;
        if (!known_outside && read_stat(w->root, p, name, sizeof name, &group) < 0) continue;
        if (known_outside || group != w->pgid) {
            if (n_outside == cap) {
                cap = cap ? cap * 2 : 64;
                outside = wsf_xrealloc(outside, cap * sizeof *outside);
            }
            outside[n_outside++] = p;
            continue;
        }
        if (what == WSF_PROC_RSS) {
            int64_t rss = rss_in(w->root, p, 0);
            if (rss < 0) continue; /* it ended meanwhile */
            total += rss;
        } else {
            int fds = fd_count_in(w->root, p);
            if (fds > 0) total += fds; /* unreadable ones are not counted */
        }
        members++;
    }
    closedir(d);
    /* Only the processes still there are kept: one that ended is forgotten
     * before its pid can come back as somebody else's. */
    if (n_outside) qsort(outside, n_outside, sizeof *outside, by_pid_t);
    free(w->outside);
    w->outside = outside;
    w->n_outside = n_outside;
    return members ? total : -1;
}

int64_t wsf_proc_watch_rss(wsf_proc_watch *w)
{
    return watch_sum(w, WSF_PROC_RSS);
}

int wsf_proc_watch_fds(wsf_proc_watch *w)
{
    return (int)watch_sum(w, WSF_PROC_FDS);
}

#define NAMED 8

void wsf_proc_group_describe(const wsf_proc_group *g, int what, wsf_buf *out)
{
    wsf_buf_appendf(out, "%zu process%s", g->n, g->n == 1 ? "" : "es");
    for (size_t i = 0; i < g->n && i < NAMED; i++) {
        const wsf_proc *p = &g->procs[i];
        wsf_buf_appendf(out, "%s", i ? ", " : ": ");
        wsf_escape_bytes((const uint8_t *)p->name, strlen(p->name), sizeof p->name, out);
        wsf_buf_appendf(out, " %d", (int)p->pid);
        if ((what & WSF_PROC_FDS) && p->fds >= 0)
            wsf_buf_appendf(out, " (%d fd%s)", p->fds, p->fds == 1 ? "" : "s");
        else if (what & WSF_PROC_FDS)
            wsf_buf_appendf(out, " (fds unreadable)");
        else if (what & WSF_PROC_RSS)
            wsf_buf_appendf(out, " (%.1f MiB)", p->rss / 1048576.0);
    }
    if (g->n > NAMED) wsf_buf_appendf(out, ", and %zu more", g->n - NAMED);
}

/* Whether pid has socket `inode` open: 1 (its fd in *fd), 0, or -1 when its
 * fds cannot be read. */
static int has_socket(const char *root, pid_t pid, const char *want, int *fd)
{
    char path[PATH_MAX], link[64];
    snprintf(path, sizeof path, "%s/%d/fd", root, (int)pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof link - 1);
        if (n < 0) continue;
        link[n] = '\0';
        if (!strcmp(link, want)) {
            *fd = atoi(e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

int wsf_proc_group_socket(const wsf_proc_group *g, unsigned long inode, int *fd)
{
    char want[64];
    snprintf(want, sizeof want, "socket:[%lu]", inode);
    int unknown = 0;
    for (size_t i = 0; i < g->n; i++) {
        int r = has_socket(g->root, g->procs[i].pid, want, fd);
        if (r > 0) return (int)i;
        if (r < 0) unknown = 1;
    }
    return unknown ? -2 : -1;
}

/* The rows of one table file appended to t; -1 when it cannot be read
 * (then none of its rows count). */
static int read_rows(const char *path, wsf_tcp_table *t)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t had = t->n, cap = t->n;
    char line[512];
    bool bad = false;
    if (fgets(line, sizeof line, f)) { /* the header */
        while (fgets(line, sizeof line, f)) {
            char local[64], remote[64];
            unsigned st;
            unsigned long inode;
            if (sscanf(line, " %*d: %63s %63s %x %*s %*s %*s %*d %*d %lu", local, remote, &st,
                       &inode) != 4)
                continue;
            const char *lp = strrchr(local, ':'), *rp = strrchr(remote, ':');
            if (!lp || !rp) continue;
            if (t->n == cap) {
                cap = cap ? cap * 2 : 256;
                t->rows = wsf_xrealloc(t->rows, cap * sizeof *t->rows);
            }
            t->rows[t->n] = (wsf_tcp_row){(uint16_t)strtoul(lp + 1, NULL, 16),
                                          (uint16_t)strtoul(rp + 1, NULL, 16),
                                          t->n,
                                          {(int)st, inode}};
            t->n++;
        }
    }
    bad = ferror(f);
    fclose(f);
    if (bad) t->n = had;
    return bad ? -1 : 0;
}

static int by_ports(const void *a, const void *b)
{
    const wsf_tcp_row *x = a, *y = b;
    if (x->lport != y->lport) return x->lport < y->lport ? -1 : 1;
    if (x->rport != y->rport) return x->rport < y->rport ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

int wsf_tcp_table_read_from(const char *v4, const char *v6, wsf_tcp_table *t)
{
    *t = (wsf_tcp_table){0};
    int r4 = read_rows(v4, t), r6 = read_rows(v6, t);
    if (t->n) qsort(t->rows, t->n, sizeof *t->rows, by_ports);
    return r4 < 0 && r6 < 0 ? -1 : 0;
}

int wsf_tcp_table_read(wsf_tcp_table *t)
{
    return wsf_tcp_table_read_from("/proc/net/tcp", "/proc/net/tcp6", t);
}

int wsf_tcp_table_held(const wsf_tcp_table *t, uint16_t lport, uint16_t rport, wsf_tcp_entry *out)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const wsf_tcp_row *r = &t->rows[mid];
        if (r->lport < lport || (r->lport == lport && r->rport < rport))
            lo = mid + 1;
        else
            hi = mid;
    }
    /* In the tables' order, IPv4 first: the first entry a process holds. */
    for (; lo < t->n && t->rows[lo].lport == lport && t->rows[lo].rport == rport; lo++)
        if (t->rows[lo].entry.inode) {
            *out = t->rows[lo].entry;
            return 1;
        }
    return 0;
}

void wsf_tcp_table_free(wsf_tcp_table *t)
{
    free(t->rows);
    *t = (wsf_tcp_table){0};
}

const char *wsf_tcp_state_name(int state)
{
    static const char *names[] = {
        "?",     "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV"};
    return state > 0 && (size_t)state < sizeof names / sizeof *names ? names[state] : "?";
}

/* Lines look like
 *   "  0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000 0 0 12345 ..."
 * (IPv6 tables have 32 hex digits of address); ports and state are hex. */
int wsf_tcp_held_in(const char *path, uint16_t lport, uint16_t rport, wsf_tcp_entry *out)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[512];
    int found = 0;
    if (!fgets(line, sizeof line, f)) { /* the header */
        int bad = ferror(f);
        fclose(f);
        return bad ? -1 : 0;
    }
    while (fgets(line, sizeof line, f)) {
        char local[64], remote[64];
        unsigned st;
        unsigned long inode;
        if (sscanf(line, " %*d: %63s %63s %x %*s %*s %*s %*d %*d %lu", local, remote, &st,
                   &inode) != 4)
            continue;
        const char *lp = strrchr(local, ':'), *rp = strrchr(remote, ':');
        if (!lp || !rp) continue;
        if (strtoul(lp + 1, NULL, 16) != lport || strtoul(rp + 1, NULL, 16) != rport) continue;
        /* An entry a process holds says more than an orphan of the same pair. */
        if (!found || (inode && !out->inode)) {
            out->state = (int)st;
            out->inode = inode;
        }
        found = 1;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) return -1;
    return found && out->inode ? 1 : 0;
}

int wsf_tcp_held(uint16_t lport, uint16_t rport, wsf_tcp_entry *out)
{
    wsf_tcp_entry e4 = {0}, e6 = {0};
    int r4 = wsf_tcp_held_in("/proc/net/tcp", lport, rport, &e4);
    int r6 = wsf_tcp_held_in("/proc/net/tcp6", lport, rport, &e6);
    if (r4 < 0 && r6 < 0) return -1;
    if (r4 == 1) {
        *out = e4;
        return 1;
    }
    if (r6 == 1) {
        *out = e6;
        return 1;
    }
    return 0;
}
