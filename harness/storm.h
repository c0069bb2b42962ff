/* `wsfault storm`: many connections ending badly, thrown at one target in
 * rounds of generated scenarios, until the first sign of trouble; then the
 * failing round is shrunk to the fewest connections that still fail and
 * written as a .wsf file that reproduces it. */
#ifndef WSF_STORM_H
#define WSF_STORM_H

#include <stddef.h>

/* Renders reports from results files (main.c's, shared with `run`): the
 * harness does not know the reports. Returns 0 when all was written. */
typedef int (*wsf_render_fn)(char *const *paths, size_t n, const char *html_dir, const char *junit);

/* The options after "storm"; full_argc/full_argv are the whole command
 * line, for results.json. Returns the exit status: 0 no trouble, 1 trouble
 * found (the case written), 2 a usage error, 130 interrupted. */
int wsf_storm_main(int argc, char **argv, int full_argc, char **full_argv, wsf_render_fn render);

#endif
