/* Unit tests for verdict.c: a verdict written to results.json reads back as
 * itself, and a word that is not one is refused. */
#include "cunit_main.h"
#include "verdict.h"

static void test_round_trip(void)
{
    for (int v = 0; v < WSF_N_VERDICTS; v++)
        CU_ASSERT_EQUAL(wsf_verdict_parse(wsf_verdict_name((wsf_verdict)v)), v);
}

static void test_names(void)
{
    CU_ASSERT_STRING_EQUAL(wsf_verdict_name(WSF_NONSTRICT), "non-strict");
    CU_ASSERT_STRING_EQUAL(wsf_verdict_name(WSF_ERROR), "error");
    CU_ASSERT_EQUAL(wsf_verdict_parse("passed"), -1);
    CU_ASSERT_EQUAL(wsf_verdict_parse(""), -1);
}

static CU_TestInfo tests[] = {
    {"names read back", test_round_trip},
    {"names and strangers", test_names},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("verdict", tests)
