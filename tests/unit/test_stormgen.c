/* Unit tests for the storm's generator: a seed always makes the same text,
 * the kinds come as often as their weights say, and what it writes is a
 * scenario the parser takes, with the connections and the probe it says. */
#include "cunit_main.h"
#include "scenario.h"
#include "stormgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *round_text(uint64_t seed, uint64_t round, const unsigned *w, size_t n)
{
    wsf_storm_conn c[64];
    wsf_storm_draw(seed, round, w, n, c);
    return wsf_storm_text("a comment\n\nof two lines", "storm round", c, n);
}

static void test_same_seed_same_text(void)
{
    unsigned w[WSF_N_FAULTS];
    wsf_faults_default(w);
    char *a = round_text(1234, 7, w, 20), *b = round_text(1234, 7, w, 20);
    char *other_seed = round_text(1235, 7, w, 20), *other_round = round_text(1234, 8, w, 20);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT(strcmp(a, other_seed) != 0);
    CU_ASSERT(strcmp(a, other_round) != 0);
    free(a);
    free(b);
    free(other_seed);
    free(other_round);
}

/* The generator's numbers are splitmix64's: the same on every machine. */
static void test_rng_is_splitmix64(void)
{
    wsf_rng r;
    wsf_rng_seed(&r, 0);
    CU_ASSERT_EQUAL(wsf_rng_next(&r), 0xe220a8397b1dcdafu);
    CU_ASSERT_EQUAL(wsf_rng_next(&r), 0x6e789e6aa1b965f4u);
    for (int i = 0; i < 1000; i++)
        CU_ASSERT(wsf_rng_below(&r, 7) < 7);
}

static void test_weights_respected(void)
{
    unsigned w[WSF_N_FAULTS];
    char err[256];
    CU_ASSERT_EQUAL(wsf_faults_parse("rst=3,half-close=1,clean=2", w, err, sizeof err), 0);
    unsigned count[WSF_N_FAULTS] = {0};
    wsf_rng r;
    wsf_rng_seed(&r, 99);
    const int draws = 60000;
    for (int i = 0; i < draws; i++)
        count[wsf_fault_draw(&r, w)]++;
    /* Expected 30000, 10000 and 20000: 3% either way is many standard
     * deviations, so the test does not flake. */
    CU_ASSERT(count[WSF_FAULT_RST] > 29000 && count[WSF_FAULT_RST] < 31000);
    CU_ASSERT(count[WSF_FAULT_HALF_CLOSE] > 9700 && count[WSF_FAULT_HALF_CLOSE] < 10300);
    CU_ASSERT(count[WSF_FAULT_CLOSE] > 19400 && count[WSF_FAULT_CLOSE] < 20600);
    CU_ASSERT_EQUAL(count[WSF_FAULT_STALL] + count[WSF_FAULT_TRICKLE] + count[WSF_FAULT_RST_ECHO] +
                        count[WSF_FAULT_RST_HANDSHAKE] + count[WSF_FAULT_CLOSE_RST],
                    0);
}

static void test_faults_parse_errors(void)
{
    unsigned w[WSF_N_FAULTS] = {0};
    char err[256];
    CU_ASSERT_EQUAL(wsf_faults_parse("rst=3,boom=1", w, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "--faults: unknown kind 'boom' (kinds: rst, rst-handshake, "
                                "rst-echo, half-close, stall, close-rst, close, trickle)");
    CU_ASSERT_EQUAL(wsf_faults_parse("rst=x", w, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "--faults: rst=x: expected a weight from 0 to 1000");
    CU_ASSERT_EQUAL(wsf_faults_parse("rst=0", w, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err,
                           "--faults 'rst=0': expected at least one kind with a weight above 0");
    /* A kind without a weight weighs 1; the others none. */
    CU_ASSERT_EQUAL(wsf_faults_parse("trickle,stall=4", w, err, sizeof err), 0);
    CU_ASSERT_EQUAL(w[WSF_FAULT_TRICKLE], 1);
    CU_ASSERT_EQUAL(w[WSF_FAULT_STALL], 4);
    CU_ASSERT_EQUAL(w[WSF_FAULT_RST], 0);
}

/* Every kind, over many seeds, is written as lines the parser takes: the
 * round's connections, the probe and the survival check. */
static void test_text_parses(void)
{
    for (int k = 0; k < WSF_N_FAULTS; k++) {
        unsigned w[WSF_N_FAULTS] = {0};
        w[k] = 1;
        for (uint64_t seed = 1; seed <= 20; seed++) {
            char *text = round_text(seed, seed, w, 5), err[512];
            wsf_scenario *s = wsf_scenario_parse("storm.wsf", text, err, sizeof err);
            CU_ASSERT_PTR_NOT_NULL(s);
            if (!s) {
                fprintf(stderr, "\n%s\nrefused: %s\n", text, err);
            } else {
                /* The default connection, c1 .. c5 and the probe. */
                CU_ASSERT_EQUAL(s->n_conns, 7);
                CU_ASSERT_STRING_EQUAL(s->conns[1], "c1");
                CU_ASSERT_STRING_EQUAL(s->conns[6], "probe");
                const wsf_step *last = &s->steps[s->n_steps - 1];
                CU_ASSERT_EQUAL(last->kind, WSF_STEP_EXPECT);
                CU_ASSERT_EQUAL(last->u.expect.kind, WSF_EXP_TARGET_ALIVE);
                CU_ASSERT_STRING_EQUAL(s->name, "storm round");
            }
            CU_ASSERT(strncmp(text, "# a comment\n#\n# of two lines\n", 29) == 0);
            wsf_scenario_free(s);
            free(text);
        }
    }
}

/* A delay comes before the faults that have one, and stays in its range. */
static void test_delays(void)
{
    unsigned w[WSF_N_FAULTS];
    wsf_faults_default(w);
    wsf_storm_conn c[64];
    bool some_delay = false;
    for (uint64_t round = 1; round <= 50; round++) {
        wsf_storm_draw(7, round, w, 64, c);
        for (size_t i = 0; i < 64; i++) {
            CU_ASSERT_EQUAL(c[i].id, i + 1);
            CU_ASSERT(c[i].delay_us >= 0 && c[i].delay_us <= 20000);
            if (c[i].kind == WSF_FAULT_CLOSE || c[i].kind == WSF_FAULT_CLOSE_RST ||
                c[i].kind == WSF_FAULT_HALF_CLOSE)
                CU_ASSERT_EQUAL(c[i].delay_us, 0);
            if (c[i].kind == WSF_FAULT_RST_HANDSHAKE)
                CU_ASSERT(c[i].partial >= 1 && c[i].partial <= 150);
            some_delay |= c[i].delay_us > 0;
        }
    }
    CU_ASSERT(some_delay);
}

static CU_TestInfo tests[] = {
    {"same seed, same text", test_same_seed_same_text},
    {"the generator is splitmix64", test_rng_is_splitmix64},
    {"kinds come as often as their weights say", test_weights_respected},
    {"--faults errors", test_faults_parse_errors},
    {"the text parses", test_text_parses},
    {"delays", test_delays},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("stormgen", tests)
