/* The results reader and both renderers on any bytes as a results file.
 * The report reads files: the input goes to a file in a private folder, the
 * page and the XML are written there, and the folder is emptied each time. */
#include "report.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag;
    return ftw->level > 0 ? remove(path) : 0;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/wsf-fuzz-report.XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    char results[128], page[128], junit[128];
    snprintf(results, sizeof results, "%s/results.json", dir);
    snprintf(page, sizeof page, "%s/page", dir);
    snprintf(junit, sizeof junit, "%s/junit.xml", dir);
    write_file(results, data, size);

    wsf_report r;
    char err[512];
    char *paths[] = {results};
    if (wsf_report_load(&r, paths, 1, err, sizeof err) == 0) {
        wsf_html_options o = {.link_captures = true};
        (void)wsf_report_html(&r, page, &o, err, sizeof err);
        (void)wsf_report_junit(&r, junit, err, sizeof err);
    }
    wsf_report_free(&r); /* after a failed load too, as the CLI does */
    if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) abort();
    return 0;
}
