/* The main() every unit test program shares: one suite, run verbosely with
 * the basic interface, exit status non-zero when anything failed so ctest
 * notices. A test file lists its tests and ends with WSF_CUNIT_MAIN. */
#ifndef WSF_CUNIT_MAIN_H
#define WSF_CUNIT_MAIN_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>

static inline int wsf_cunit_run(const char *suite, CU_TestInfo *tests)
{
    CU_SuiteInfo suites[] = {
        {.pName = suite, .pTests = tests},
        CU_SUITE_INFO_NULL,
    };
    unsigned failures;

    if (CU_initialize_registry() != CUE_SUCCESS || CU_register_suites(suites) != CUE_SUCCESS) {
        fprintf(stderr, "%s: CUnit setup failed: %s\n", suite, CU_get_error_msg());
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();

    /* Read the counts before cleanup, which clears them. A suite that could
     * not run is a failure too, though it records no failed assertion. */
    failures = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}

/* Checks expr as CU_ASSERT does and, when it fails, ends the test through
 * its "end:" label, so what the test opened is still closed. */
#define REQUIRE(expr)                                                                              \
    do {                                                                                           \
        if (!CU_assertImplementation(!!(expr), __LINE__, #expr, __FILE__, "", CU_FALSE)) goto end; \
    } while (0)

#define WSF_CUNIT_MAIN(suite, tests)                                                               \
    int main(void)                                                                                 \
    {                                                                                              \
        return wsf_cunit_run(suite, tests);                                                        \
    }

#endif
