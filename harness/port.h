/* Ports for targets: one no other process is using, claimed among wsfault
 * processes for as long as the target runs. */
#ifndef WSF_PORT_H
#define WSF_PORT_H

#include <stddef.h>

typedef struct {
    int port;    /* 0 when nothing is claimed */
    int lock_fd; /* the claim; -1 when nothing is claimed */
} wsf_port;

/* Claims a port outside the kernel's ephemeral range that nothing is bound to
 * on IPv4 or IPv6 and no other wsfault process has claimed. Returns 0, or -1
 * with why in err. */
int wsf_port_claim(wsf_port *p, char *err, size_t errlen);

/* The same, trying candidates from `first` upwards and treating
 * [eph_lo, eph_hi] as the ephemeral range; for tests. */
int wsf_port_claim_from(wsf_port *p, int first, int eph_lo, int eph_hi, char *err, size_t errlen);

/* Gives the claim up. Idempotent; a zeroed wsf_port claims nothing. */
void wsf_port_release(wsf_port *p);

/* The kernel's ephemeral range, from /proc (32768-60999 when unreadable). */
void wsf_port_ephemeral_range(int *lo, int *hi);

#endif
