/* Unit tests for report.c: merging results files, which must never drop a
 * run; and the re-run line, a command line built from a results file that a
 * shell must read back word for word and that must name the original run's
 * target whatever form its options took. */
#include "cunit_main.h"
#include "report.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- merging ------------------------------------------------------------------- */

static char tmp[] = "/tmp/wsf-report-XXXXXX";

static void remove_tmp(void)
{
    char *cmd = wsf_xasprintf("rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
    free(cmd);
}

/* Writes tmp/REL, a results file of a run against TARGET with the scenario
 * files FILES (each with verdict pass), and returns its path (freed by the
 * caller). */
static char *results(const char *rel, const char *target, const char *const *files, size_t n)
{
    /* Made on first use. Not told by the template's last letter: one name
     * in 62 that mkdtemp picks ends in an X too. */
    static bool made;
    if (!made) {
        CU_ASSERT_FATAL(mkdtemp(tmp) != NULL);
        atexit(remove_tmp);
        made = true;
    }
    char *path = wsf_xasprintf("%s/%s", tmp, rel);
    char *dir = wsf_xstrdup(path);
    *strrchr(dir, '/') = '\0';
    char err[256];
    CU_ASSERT_FATAL(wsf_mkdir_p(dir, err, sizeof err) == 0);
    free(dir);
    json_t *root = json_pack("{s:s, s:{s:s, s:s}, s:[]}", "format", "wsfault-results-1", "target",
                             "name", target, "url", "ws://127.0.0.1:1/", "scenarios");
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            json_object_get(root, "scenarios"),
            json_pack("{s:s, s:s, s:s}", "file", files[i], "name", files[i], "verdict", "pass"));
    CU_ASSERT_FATAL(json_dump_file(root, path, 0) == 0);
    json_decref(root);
    return path;
}

static void load(wsf_report *r, char **paths, size_t n)
{
    char err[512] = "";
    int rc = wsf_report_load(r, paths, n, err, sizeof err);
    if (rc < 0) fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_FATAL(rc == 0);
}

/* The entry for FILE in column COL, its REPth occurrence there (0: the first). */
static const wsf_report_entry *entry(const wsf_report *r, const char *file, size_t col, size_t rep)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->entries[i].file, file) && r->entries[i].col == col && rep-- == 0)
            return &r->entries[i];
    return NULL;
}

/* Two runs against targets of one name (a rerun, or two builds of one
 * server) are two columns, told apart by their results files. */
static void test_merge_same_name(void)
{
    const char *files[] = {"close/a.wsf", "close/b.wsf"};
    char *paths[] = {results("a/results.json", "lws-echo", files, 2),
                     results("b/results.json", "lws-echo", files, 1)};
    wsf_report r;
    load(&r, paths, 2);
    CU_ASSERT_EQUAL(r.n_targets, 2);
    CU_ASSERT_EQUAL(r.n, 3);
    if (r.n_targets == 2) {
        CU_ASSERT_STRING_EQUAL(r.targets[0], "lws-echo (a/results.json)");
        CU_ASSERT_STRING_EQUAL(r.targets[1], "lws-echo (b/results.json)");
    }
    CU_ASSERT_PTR_NOT_NULL(entry(&r, "close/a.wsf", 0, 0));
    CU_ASSERT_PTR_NOT_NULL(entry(&r, "close/a.wsf", 1, 0));
    CU_ASSERT_PTR_NOT_NULL(entry(&r, "close/b.wsf", 0, 0));
    /* The page says why the columns carry file names. */
    CU_ASSERT_EQUAL(r.n_notes, 1);
    if (r.n_notes == 1) {
        CU_ASSERT_PTR_NOT_NULL(strstr(r.notes[0], "2 runs against targets named lws-echo"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r.notes[0], paths[1]));
    }
    wsf_report_free(&r);
    free(paths[0]);
    free(paths[1]);
}

/* The label carries as much of each path as tells them apart, and no more;
 * a target of another name keeps its plain label. */
static void test_merge_label_suffix(void)
{
    const char *files[] = {"close/a.wsf"};
    char *paths[] = {results("x/run/results.json", "lws-echo", files, 1),
                     results("y/run/results.json", "lws-echo", files, 1),
                     results("z/results.json", "zoo-raw", files, 1)};
    wsf_report r;
    load(&r, paths, 3);
    CU_ASSERT_EQUAL(r.n_targets, 3);
    if (r.n_targets == 3) {
        CU_ASSERT_STRING_EQUAL(r.targets[0], "lws-echo (x/run/results.json)");
        CU_ASSERT_STRING_EQUAL(r.targets[1], "lws-echo (y/run/results.json)");
        CU_ASSERT_STRING_EQUAL(r.targets[2], "zoo-raw");
    }
    CU_ASSERT_EQUAL(r.n, 3);
    CU_ASSERT_EQUAL(r.n_notes, 1);
    wsf_report_free(&r);
    for (size_t i = 0; i < 3; i++)
        free(paths[i]);
}

/* One file given twice, under two spellings, is one run: one column. */
static void test_merge_same_file(void)
{
    const char *files[] = {"close/a.wsf"};
    char *a = results("same/results.json", "lws-echo", files, 1);
    char *again = wsf_xasprintf("%s/./same//results.json", tmp);
    char *paths[] = {a, again};
    wsf_report r;
    load(&r, paths, 2);
    CU_ASSERT_EQUAL(r.n_runs, 1);
    CU_ASSERT_EQUAL(r.n_targets, 1);
    if (r.n_targets == 1) CU_ASSERT_STRING_EQUAL(r.targets[0], "lws-echo");
    CU_ASSERT_EQUAL(r.n, 1);
    CU_ASSERT_EQUAL(r.n_notes, 1);
    if (r.n_notes == 1) CU_ASSERT_PTR_NOT_NULL(strstr(r.notes[0], "given again: it is read once"));
    wsf_report_free(&r);
    free(a);
    free(again);
}

/* A scenario twice in one results file (run twice, or files concatenated)
 * keeps both runs, in order. */
static void test_merge_repeated_scenario(void)
{
    const char *files[] = {"close/a.wsf", "close/b.wsf", "close/a.wsf"};
    char *path = results("rep/results.json", "lws-echo", files, 3);
    wsf_report r;
    load(&r, &path, 1);
    CU_ASSERT_EQUAL(r.n, 3);
    const wsf_report_entry *first = entry(&r, "close/a.wsf", 0, 0);
    const wsf_report_entry *second = entry(&r, "close/a.wsf", 0, 1);
    CU_ASSERT_PTR_NOT_NULL(first);
    CU_ASSERT_PTR_NOT_NULL(second);
    if (first && second) {
        CU_ASSERT_PTR_EQUAL(first->sc,
                            json_array_get(json_object_get(r.runs[0].root, "scenarios"), 0));
        CU_ASSERT_PTR_EQUAL(second->sc,
                            json_array_get(json_object_get(r.runs[0].root, "scenarios"), 2));
        CU_ASSERT_STRING_NOT_EQUAL(first->id, second->id);
        CU_ASSERT_EQUAL(first->rep, 0);
        CU_ASSERT_EQUAL(second->rep, 1);
        /* Sorted next to each other: rows of the matrix, run 1 then run 2. */
        CU_ASSERT_PTR_EQUAL(second, first + 1);
    }
    CU_ASSERT_EQUAL(r.n_notes, 1);
    if (r.n_notes == 1) CU_ASSERT_PTR_NOT_NULL(strstr(r.notes[0], "close/a.wsf ran 2 times in"));
    wsf_report_free(&r);
    free(path);
}

/* --- the re-run line ----------------------------------------------------------- */

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

/* --- the sequence diagram ------------------------------------------------------ */

/* The SVG of a scenario whose timeline has a frame out on each of the
 * connections NAMES (N of them), listed with one connection that is unused. */
static char *svg_of(const char *const *names, size_t n)
{
    json_t *conns = json_array(), *tl = json_array();
    json_array_append_new(conns, json_string("peer"));
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(conns, json_string(names[i]));
        json_array_append_new(tl, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i}", "t_us",
                                            (json_int_t)(100 + i), "conn", names[i], "kind",
                                            "frame", "dir", "peer>target", "what", "text", "detail",
                                            "text 1 bytes", "opcode", 1));
    }
    json_t *sc = json_pack("{s:o, s:o}", "connections", conns, "timeline", tl);
    char *target = "lws-echo";
    wsf_report r = {.targets = &target, .n_targets = 1};
    wsf_report_entry e = {.sc = sc, .col = 0};
    wsf_buf b;
    wsf_buf_init(&b);
    wsf_report_svg(&b, &r, &e);
    json_decref(sc);
    return (char *)b.data;
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* A lane per connection that has events (not the unused default one), each
 * headed by its name; past eight, one lane with the name on every label. */
static void test_svg_lanes(void)
{
    static const char *const three[] = {"c1", "c2", "x"};
    char *s = svg_of(three, 3);
    CU_ASSERT_EQUAL(count(s, "<line class=\"lane\""), 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "text-anchor=\"middle\">c2</text>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "text-anchor=\"middle\">x</text>"));
    CU_ASSERT_PTR_NULL(strstr(s, ">peer</text>"));
    CU_ASSERT_PTR_NULL(strstr(s, "peer (wsfault)"));
    /* The arrows start on three different lanes, each in its row (drawn at
     * its origin and moved down). */
    CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(s, "translate(0 44)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(strstr(s, "translate(0 44)"), "x1=\"340\" y1=\"0\""));
    CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(s, "translate(0 62)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(strstr(s, "translate(0 62)"), "x1=\"384\" y1=\"0\""));
    CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(s, "translate(0 80)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(strstr(s, "translate(0 80)"), "x1=\"428\" y1=\"0\""));
    free(s);

    static const char *const nine[] = {"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"};
    s = svg_of(nine, 9);
    CU_ASSERT_EQUAL(count(s, "<line class=\"lane\""), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "peer (wsfault)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, ">c9: text 1 bytes<"));
    free(s);

    static const char *const one[] = {"a"};
    s = svg_of(one, 1);
    CU_ASSERT_EQUAL(count(s, "<line class=\"lane\""), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, ">text 1 bytes<"));
    free(s);
}

static CU_TestInfo tests[] = {
    {"sequence diagram: a lane per connection", test_svg_lanes},
    {"merge: one target name, two runs", test_merge_same_name},
    {"merge: labels by the shortest path suffix", test_merge_label_suffix},
    {"merge: one file given twice", test_merge_same_file},
    {"merge: one scenario twice in a file", test_merge_repeated_scenario},
    {"re-run quoting", test_rerun_quoting},
    {"re-run option forms", test_rerun_option_forms},
    {"re-run read back by sh", test_rerun_shell_roundtrip},
    CU_TEST_INFO_NULL,
};

WSF_CUNIT_MAIN("report", tests)
