/* What a target leaves behind. A target's processes carry a mark in their
 * environment, inherited by every process they start, whatever process
 * group or session it moves to: the mark finds them all, where the process
 * group finds only those that stayed in it. A watchdog process, started
 * with the first target, kills every marked process once wsfault is gone,
 * however it went (SIGKILL included). */
#ifndef WSF_REAPER_H
#define WSF_REAPER_H

#include <stdbool.h>
#include <sys/types.h>

/* A new instance's mark, "WSFAULT_TARGET_PID_T=N" (PID and T the wsfault
 * process's and its watchdog's start, N the instance), for its process to
 * putenv before exec; free it. Starts this process's watchdog if it has
 * none yet (a process forked from one that had one starts its own). */
char *wsf_reaper_mark(void);

/* Tells the watchdog that the process group pgid is a target's (on) or is
 * no more (off): it kills the groups it was told of, too. */
void wsf_reaper_watch(pid_t pgid, bool on);

/* Sends sig to every live process whose environment holds the entry mark
 * (exactly, or as a prefix when prefix is set), but those of the process
 * group skip (0: none); sig 0 only counts them. Returns how many it sent
 * the signal to. Reads /proc/PID/environ, so it sees the processes of its
 * own user (or all, as root); a process that cleared its environment
 * before exec is not found (the process group still is). */
int wsf_reaper_signal(const char *mark, bool prefix, pid_t skip, int sig);

#endif
