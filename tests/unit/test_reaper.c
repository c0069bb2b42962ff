/* Unit tests for reaper.c: a target's processes are found by the mark in
 * their environment, the instance's exactly (the tenth instance is not the
 * first) and the wsfault process's as a prefix, wherever they are (a new
 * session too); a process group can be left out; sig 0 only counts. */
#include "cunit_main.h"
#include "reaper.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child in a session of its own, with entry in its environment, that
 * sleeps until killed. */
static pid_t marked_child(const char *entry)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        char *env[] = {(char *)entry, NULL};
        /* Exec closes the pipe: the parent then knows the environment is
         * the new one. */
        execle("/bin/sleep", "sleep", "30", (char *)NULL, env);
        _exit(127);
    }
    close(p[1]);
    char c;
    while (read(p[0], &c, 1) > 0) {
    }
    close(p[0]);
    return pid;
}

static void test_found_by_mark(void)
{
    char *one = wsf_reaper_mark(), *two = NULL;
    pid_t a = -1, b = -1;
    /* The tenth instance's mark begins with the first's. */
    for (int i = 2; i <= 10; i++) {
        free(two);
        two = wsf_reaper_mark();
    }
    REQUIRE(!strncmp(one, "WSFAULT_TARGET_", 15));
    REQUIRE(!strncmp(two, one, strlen(one)));
    char *owner = strndup(one, (size_t)(strchr(one, '=') - one + 1));
    a = marked_child(one);
    b = marked_child(two);
    REQUIRE(a > 0 && b > 0);
    CU_ASSERT_EQUAL(wsf_reaper_signal(one, false, 0, 0), 1);
    CU_ASSERT_EQUAL(wsf_reaper_signal(two, false, 0, 0), 1);
    CU_ASSERT_EQUAL(wsf_reaper_signal(owner, true, 0, 0), 2);
    CU_ASSERT_EQUAL(wsf_reaper_signal(owner, false, 0, 0), 0);
    /* Left out by its process group (its own: it called setsid). */
    CU_ASSERT_EQUAL(wsf_reaper_signal(owner, true, a, 0), 1);
    /* The signal reaches the one marked, and only it. */
    CU_ASSERT_EQUAL(wsf_reaper_signal(one, false, 0, SIGKILL), 1);
    int st;
    CU_ASSERT_EQUAL(waitpid(a, &st, 0), a);
    CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    a = -1;
    CU_ASSERT_EQUAL(waitpid(b, &st, WNOHANG), 0);
    CU_ASSERT_EQUAL(wsf_reaper_signal(owner, true, 0, 0), 1);
    free(owner);
end:
    if (a > 0) kill(a, SIGKILL), waitpid(a, NULL, 0);
    if (b > 0) kill(b, SIGKILL), waitpid(b, NULL, 0);
    free(one);
    free(two);
}

static CU_TestInfo tests[] = {
    {"a target's processes are found by their mark", test_found_by_mark},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("reaper", tests)
