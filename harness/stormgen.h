/* What `wsfault storm` throws at a target, as scenario text: the kinds of
 * bad endings, their weights, a seeded random generator, and one round's
 * connections written out in the .wsf language. Pure: no I/O, no clock, so
 * a seed always gives the same text. */
#ifndef WSF_STORMGEN_H
#define WSF_STORMGEN_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    WSF_FAULT_RST,           /* RST after the handshake */
    WSF_FAULT_RST_HANDSHAKE, /* RST in the middle of the Upgrade request */
    WSF_FAULT_RST_ECHO,      /* RST while the echo of a message is in flight */
    WSF_FAULT_HALF_CLOSE,    /* FIN, reading on */
    WSF_FAULT_STALL,         /* reading stalled, a message sent, then RST */
    WSF_FAULT_CLOSE_RST,     /* a Close frame, then RST at once */
    WSF_FAULT_CLOSE,         /* a clean closing handshake */
    WSF_FAULT_TRICKLE,       /* a frame sent a byte at a time, then RST */
    WSF_N_FAULTS,
} wsf_fault_kind;

/* "rst", "rst-handshake", ... as --faults spells them. */
const char *wsf_fault_name(wsf_fault_kind k);

/* The weights when --faults is not given. */
void wsf_faults_default(unsigned weights[WSF_N_FAULTS]);
/* Parses "rst=3,half-close=1,...": the kinds named get their weight, the
 * others 0 ("clean" is another name for close). Returns 0, or -1 with why. */
int wsf_faults_parse(const char *list, unsigned weights[WSF_N_FAULTS], char *err, size_t errlen);

/* splitmix64: small, fast, and the same numbers on every machine. */
typedef struct {
    uint64_t state;
} wsf_rng;

void wsf_rng_seed(wsf_rng *r, uint64_t seed);
uint64_t wsf_rng_next(wsf_rng *r);
/* A number in [0, n); n > 0. */
uint64_t wsf_rng_below(wsf_rng *r, uint64_t n);
/* A kind drawn by weight; the weights must not all be 0. */
wsf_fault_kind wsf_fault_draw(wsf_rng *r, const unsigned weights[WSF_N_FAULTS]);

/* One connection of a round and how it ends. */
typedef struct {
    unsigned id; /* its number in the round, from 1: the connection c<id> */
    wsf_fault_kind kind;
    int64_t delay_us; /* before the fault, where a delay makes sense */
    unsigned partial; /* rst-handshake: bytes of the request sent first */
} wsf_storm_conn;

/* The n connections of round `round` of the storm seeded with seed: each
 * round has its own stream, so one can be made again without the others. */
void wsf_storm_draw(uint64_t seed, uint64_t round, const unsigned weights[WSF_N_FAULTS], size_t n,
                    wsf_storm_conn *out);

/* The scenario text of the connections: each opened (all are open at
 * once), then each ended by its fault, then a probe (a fresh connection
 * whose message is echoed and which closes cleanly) and `expect target
 * alive`. comment (its lines written as # comments, may be NULL) heads
 * the text; name is the scenario's name. malloc'd. */
char *wsf_storm_text(const char *comment, const char *name, const wsf_storm_conn *c, size_t n);

#endif
