/* Unit tests for report.c's re-run line: a command line, built from a results
 * file, that a shell must read back word for word and that must name the
 * original run's target whatever form its options took. */
#include "cunit_main.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* wsf_report_rerun for a results file with this command and cwd (NULL: no
 * cwd), and a scenario file. The caller frees. */
static char *rerun(const char *const *argv, size_t argc, const char *cwd, const char *file)
{
    json_t *root = json_object();
    json_t *cmd = json_array();
    for (size_t i = 0; i < argc; i++)
        json_array_append_new(cmd, json_string(argv[i]));
    json_object_set_new(root, "command", cmd);
    if (cwd) json_object_set_new(root, "cwd", json_string(cwd));
    wsf_report_run run = {.root = root};
    json_t *sc = json_object();
    wsf_report_entry e = {.sc = sc, .run = &run, .file = file, .name = "n", .verdict = "fail"};
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_report_rerun(&e, &b);
    json_decref(sc);
    json_decref(root);
    return (char *)b.data;
}

static void test_rerun_quoting(void)
{
    const char *argv[] = {"build/bin/wsfault", "run",    "--target",     "my targets/it's.target",
                          "--results",         "r.json", "--no-capture", "--junit",
                          "j 1.xml",           "a.wsf"};
    char *s = rerun(argv, sizeof argv / sizeof *argv, "/tmp/a b", "dir x/it's here.wsf");
    CU_ASSERT_STRING_EQUAL(s, "cd '/tmp/a b' && build/bin/wsfault run --target "
                              "'my targets/it'\\''s.target' --no-capture "
                              "--results rerun/results.json 'dir x/it'\\''s here.wsf'");
    free(s);

    /* Plain words are not quoted; no cwd, no "cd". */
    const char *plain[] = {"wsfault", "run", "-t", "t.target", "s.wsf"};
    s = rerun(plain, 5, NULL, "scenarios/close/a-b_c.wsf");
    CU_ASSERT_STRING_EQUAL(
        s, "wsfault run --target t.target --results rerun/results.json scenarios/close/a-b_c.wsf");
    free(s);
}

/* The options as getopt reads them: joined values, bundled flags, --name=value;
 * the whole run's filters and outputs are left out. */
static void test_rerun_option_forms(void)
{
    const char *joined[] = {"wsfault", "run", "-tt.target", "-fclose", "-o", "r.json", "x.wsf"};
    char *s = rerun(joined, 7, NULL, "s.wsf");
    CU_ASSERT_STRING_EQUAL(s, "wsfault run --target t.target --results rerun/results.json s.wsf");
    free(s);
    const char *bundled[] = {"wsfault", "run", "-vt", "t.target", "--filter", "rst", "x.wsf"};
    s = rerun(bundled, 7, NULL, "s.wsf");
    CU_ASSERT_STRING_EQUAL(s,
                           "wsfault run -v --target t.target --results rerun/results.json s.wsf");
    free(s);
    const char *eq[] = {"wsfault",         "run", "--url=ws://h:1/", "--report=rep",
                        "--capture-if=lo", "--",  "-t.wsf"};
    s = rerun(eq, 7, NULL, "s.wsf");
    CU_ASSERT_STRING_EQUAL(
        s, "wsfault run --url ws://h:1/ --capture-if lo --results rerun/results.json s.wsf");
    free(s);
}

/* The quoted word, read back by sh, is the word again. */
static int sh_reads_back(const char *word)
{
    const char *argv[] = {"wsfault", "run"};
    char *line = rerun(argv, 2, NULL, word);
    const char *prefix = "wsfault run --results rerun/results.json ";
    int ok = 0;
    if (strncmp(line, prefix, strlen(prefix)) == 0) {
        char *cmd = wsf_xasprintf("printf '%%s' %s", line + strlen(prefix));
        FILE *p = popen(cmd, "r");
        if (p) {
            char got[512];
            size_t n = fread(got, 1, sizeof got - 1, p);
            got[n] = '\0';
            ok = pclose(p) == 0 && n == strlen(word) && !memcmp(got, word, n);
            if (!ok) fprintf(stderr, "\n  sh read <%s> back as <%s>\n", line, got);
        }
        free(cmd);
    }
    free(line);
    return ok;
}

static void test_rerun_shell_roundtrip(void)
{
    const char *words[] = {
        "dir with space/it's.wsf",
        "'",
        "''",
        "a'b'c",
        "$(echo pwned)`echo pwned` $HOME ${x} ; | & > < * ? ~ !",
        "back\\slash \"double\" quotes",
        "new\nline\ttab",
        "-starts-with-dash.wsf",
        "caf\xc3\xa9 \xe2\x82\xac.wsf",
        "<script>alert('x')</script>.wsf",
        "",
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        CU_ASSERT(sh_reads_back(words[i]));
}

static CU_TestInfo tests[] = {
    {"re-run quoting", test_rerun_quoting},
    {"re-run option forms", test_rerun_option_forms},
    {"re-run read back by sh", test_rerun_shell_roundtrip},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("report", tests)
