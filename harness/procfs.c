#include "procfs.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wsf_proc_fd_count(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

int64_t wsf_proc_rss(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int64_t kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %" SCNd64 " kB", &kib) == 1) break;
    fclose(f);
    return kib < 0 ? -1 : kib * 1024;
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
