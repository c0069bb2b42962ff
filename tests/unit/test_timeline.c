/* The timeline's memory budgets: per scenario by bytes, wsfault's own notes
 * kept past them, and the run's budget with its floor per scenario. */
#include "cunit_main.h"
#include "timeline.h"

#include <string.h>

static char detail[1001];

static size_t count_what(const wsf_timeline *tl, const char *what)
{
    size_t n = 0;
    for (size_t i = 0; i < tl->n; i++)
        n += !strcmp(tl->ev[i].what, what);
    return n;
}

/* Events of a kilobyte each: the byte budget stops them long before the
 * event cap, one note says so, and the rest are counted by kind. */
static void test_byte_budget(void)
{
    wsf_timeline tl;
    wsf_timeline_init(&tl, wsf_now_us());
    for (int i = 0; i < 5000; i++)
        wsf_timeline_add(&tl, WSF_EV_FRAME, WSF_DIR_IN, "binary", "%s", detail);
    wsf_timeline_add(&tl, WSF_EV_BYTES, WSF_DIR_IN, "bytes", "%s", detail);
    CU_ASSERT(tl.bytes <= tl.max_bytes);
    CU_ASSERT(tl.n < 5000);
    CU_ASSERT_EQUAL(count_what(&tl, "timeline-full"), 1);
    CU_ASSERT_EQUAL(tl.dropped, 5001 - (tl.n - 1));
    CU_ASSERT_EQUAL(tl.dropped_kind[WSF_EV_FRAME], 5000 - (tl.n - 1));
    CU_ASSERT_EQUAL(tl.dropped_kind[WSF_EV_BYTES], 1);
    /* A note of wsfault's still goes in: it says why. */
    CU_ASSERT_PTR_NOT_NULL(wsf_timeline_add(&tl, WSF_EV_NOTE, WSF_DIR_IN, "flood", "said"));
    CU_ASSERT_EQUAL(count_what(&tl, "flood"), 1);
    wsf_timeline_free(&tl);
}

/* Timelines of a run share its budget, and so do its workers: once a
 * worker of two has spent half of it, a scenario keeps its floor and no
 * more. */
static void test_run_budget(void)
{
    wsf_timeline_share_run_budget(2);
    size_t scenarios = WSF_TIMELINE_RUN_BYTES / 2 / WSF_TIMELINE_BYTES + 1;
    for (size_t s = 0; s < scenarios; s++) {
        wsf_timeline tl;
        wsf_timeline_init(&tl, wsf_now_us());
        while (wsf_timeline_add(&tl, WSF_EV_LOG, WSF_DIR_NONE, "stderr", "%s", detail))
            ;
        wsf_timeline_free(&tl);
    }
    wsf_timeline tl;
    wsf_timeline_init(&tl, wsf_now_us());
    while (wsf_timeline_add(&tl, WSF_EV_LOG, WSF_DIR_NONE, "stderr", "%s", detail))
        ;
    CU_ASSERT(tl.bytes <= WSF_TIMELINE_FLOOR_BYTES);
    CU_ASSERT(tl.bytes > WSF_TIMELINE_FLOOR_BYTES / 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(tl.ev[tl.n - 1].detail, "the run's budget spent"));
    wsf_timeline_free(&tl);
}

static CU_TestInfo tests[] = {
    {"byte budget", test_byte_budget},
    {"run budget", test_run_budget}, /* last: it spends the process's budget */
    CU_TEST_INFO_NULL,
};

static int run(void)
{
    memset(detail, 'd', sizeof detail - 1);
    return wsf_cunit_run("timeline", tests);
}

int main(void)
{
    return run();
}
