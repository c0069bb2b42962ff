/* The storm's scenario text: kinds, weights, the seeded generator, and one
 * round written out as .wsf lines. */
#include "stormgen.h"

#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[WSF_N_FAULTS] = {
    "rst", "rst-handshake", "rst-echo", "half-close", "stall", "close-rst", "close", "trickle",
};

const char *wsf_fault_name(wsf_fault_kind k)
{
    return k < WSF_N_FAULTS ? names[k] : "?";
}

void wsf_faults_default(unsigned weights[WSF_N_FAULTS])
{
    /* Resets after the handshake are the commonest bad ending in the wild. */
    for (int k = 0; k < WSF_N_FAULTS; k++)
        weights[k] = 1;
    weights[WSF_FAULT_RST] = 2;
}

static int kind_of(const char *name, size_t len)
{
    if (len == 5 && memcmp(name, "clean", 5) == 0) return WSF_FAULT_CLOSE;
    for (int k = 0; k < WSF_N_FAULTS; k++)
        if (strlen(names[k]) == len && memcmp(names[k], name, len) == 0) return k;
    return -1;
}

int wsf_faults_parse(const char *list, unsigned weights[WSF_N_FAULTS], char *err, size_t errlen)
{
    unsigned w[WSF_N_FAULTS] = {0}, total = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        size_t name_len = eq ? (size_t)(eq - p) : len;
        int k = kind_of(p, name_len);
        if (k < 0) {
            snprintf(err, errlen,
                     "--faults: unknown kind '%.*s' (kinds: rst, rst-handshake, rst-echo, "
                     "half-close, stall, close-rst, close, trickle)",
                     (int)name_len, p);
            return -1;
        }
        /* A kind without "=N" weighs 1. */
        unsigned long n = 1;
        if (eq) {
            char num[16], *end;
            size_t nl = len - name_len - 1;
            if (nl == 0 || nl >= sizeof num) goto bad_weight;
            memcpy(num, eq + 1, nl);
            num[nl] = '\0';
            errno = 0;
            n = strtoul(num, &end, 10);
            if (errno || *end || num[0] == '-' || n > 1000) goto bad_weight;
        }
        w[k] = (unsigned)n;
        p += len;
        if (*p == ',') p++;
        continue;
    bad_weight:
        snprintf(err, errlen, "--faults: %.*s: expected a weight from 0 to 1000", (int)len, p);
        return -1;
    }
    for (int k = 0; k < WSF_N_FAULTS; k++)
        total += w[k];
    if (total == 0) {
        snprintf(err, errlen, "--faults '%s': expected at least one kind with a weight above 0",
                 list);
        return -1;
    }
    memcpy(weights, w, sizeof w);
    return 0;
}

void wsf_rng_seed(wsf_rng *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t wsf_rng_next(wsf_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint64_t wsf_rng_below(wsf_rng *r, uint64_t n)
{
    /* The modulo's bias is below 2^-40 for the small n used here. */
    return wsf_rng_next(r) % n;
}

wsf_fault_kind wsf_fault_draw(wsf_rng *r, const unsigned weights[WSF_N_FAULTS])
{
    uint64_t total = 0;
    for (int k = 0; k < WSF_N_FAULTS; k++)
        total += weights[k];
    uint64_t x = wsf_rng_below(r, total);
    for (int k = 0; k < WSF_N_FAULTS; k++) {
        if (x < weights[k]) return (wsf_fault_kind)k;
        x -= weights[k];
    }
    return WSF_FAULT_RST; /* not reached */
}

/* The longest delay before each kind's fault, in microseconds: 0 where
 * the fault comes at once by definition (a Close then RST) or where the
 * connection ends by itself (half-close, the closing handshake). An echo
 * is in flight for well under a millisecond on loopback. */
static const int64_t max_delay_us[WSF_N_FAULTS] = {
    [WSF_FAULT_RST] = 10000,   [WSF_FAULT_RST_HANDSHAKE] = 10000, [WSF_FAULT_RST_ECHO] = 1000,
    [WSF_FAULT_STALL] = 20000, [WSF_FAULT_TRICKLE] = 10000,
};

void wsf_storm_draw(uint64_t seed, uint64_t round, const unsigned weights[WSF_N_FAULTS], size_t n,
                    wsf_storm_conn *out)
{
    wsf_rng r;
    /* The round's own stream: the seed and the round mixed, then spread. */
    wsf_rng_seed(&r, seed ^ (round * 0xd1342543de82ef95u));
    wsf_rng_next(&r);
    for (size_t i = 0; i < n; i++) {
        wsf_storm_conn *c = &out[i];
        c->id = (unsigned)i + 1;
        c->kind = wsf_fault_draw(&r, weights);
        int64_t max = max_delay_us[c->kind];
        c->delay_us = max ? (int64_t)wsf_rng_below(&r, (uint64_t)max + 1) : 0;
        /* The request is about 200 bytes: cut it anywhere in its head. */
        c->partial = c->kind == WSF_FAULT_RST_HANDSHAKE ? 1 + (unsigned)wsf_rng_below(&r, 150) : 0;
    }
}

static void line(wsf_buf *b, const wsf_storm_conn *c, const char *step)
{
    wsf_buf_appendf(b, "c%u: %s\n", c->id, step);
}

static void delay(wsf_buf *b, const wsf_storm_conn *c)
{
    if (c->delay_us > 0) wsf_buf_appendf(b, "wait %lldus\n", (long long)c->delay_us);
}

/* The lines that end one connection. */
static void fault(wsf_buf *b, const wsf_storm_conn *c)
{
    char msg[48];
    snprintf(msg, sizeof msg, "send text \"storm c%u\"", c->id);
    switch (c->kind) {
    case WSF_FAULT_RST:
    case WSF_FAULT_RST_HANDSHAKE:
        delay(b, c);
        line(b, c, "rst");
        break;
    case WSF_FAULT_RST_ECHO:
        line(b, c, msg);
        delay(b, c);
        line(b, c, "rst");
        break;
    case WSF_FAULT_HALF_CLOSE:
        line(b, c, "half-close");
        break;
    case WSF_FAULT_STALL:
        line(b, c, "stall read");
        line(b, c, msg);
        delay(b, c);
        line(b, c, "rst");
        break;
    case WSF_FAULT_CLOSE_RST:
        line(b, c, "send close 1000");
        line(b, c, "rst");
        break;
    case WSF_FAULT_CLOSE:
        line(b, c, "send close 1000");
        line(b, c, "expect close any within 1s");
        break;
    case WSF_FAULT_TRICKLE:
        line(b, c, "trickle 1 every 500us");
        line(b, c, msg);
        delay(b, c);
        line(b, c, "rst");
        break;
    case WSF_N_FAULTS:
        break;
    }
}

char *wsf_storm_text(const char *comment, const char *name, const wsf_storm_conn *c, size_t n)
{
    wsf_buf b;
    wsf_buf_init(&b);
    for (const char *p = comment; p && *p;) {
        size_t len = strcspn(p, "\n");
        wsf_buf_appendf(&b, "#%s%.*s\n", len ? " " : "", (int)len, p);
        p += len;
        if (*p) p++;
    }
    /* The name goes in a string: only what needs no escape is kept. */
    wsf_buf_append(&b, "scenario \"", 10);
    for (const char *p = name; *p; p++)
        if (*p != '"' && *p != '\\' && *p >= ' ') wsf_buf_append(&b, p, 1);
    wsf_buf_appendf(&b, "\"\ntags storm\n\n");

    wsf_buf_appendf(&b, "# %zu connection%s, all open at once\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        line(&b, &c[i], "connect");
        if (c[i].kind == WSF_FAULT_RST_HANDSHAKE) {
            char hs[32];
            snprintf(hs, sizeof hs, "handshake partial %u", c[i].partial);
            line(&b, &c[i], hs);
        } else {
            line(&b, &c[i], "handshake");
        }
    }
    wsf_buf_appendf(&b, "\n# each ends badly\n");
    for (size_t i = 0; i < n; i++)
        fault(&b, &c[i]);
    wsf_buf_appendf(&b, "\n# the target still serves a fresh connection\n"
                        "probe: connect\n"
                        "probe: handshake\n"
                        "probe: send text \"storm probe\"\n"
                        "probe: expect text \"storm probe\" within 1s\n"
                        "probe: send close 1000\n"
                        "probe: expect close any within 1s\n"
                        "expect target alive\n");
    wsf_buf_append(&b, "", 1);
    return (char *)b.data;
}
