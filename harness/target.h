/* Target files (.target): how to start, recognise as ready, read and stop the
 * server under test. Documented in docs/target-file.md. */
#ifndef WSF_TARGET_H
#define WSF_TARGET_H

#include "bounds.h"
#include "handshake.h"
#include "logmatch.h"

#include "rx.h"
#include <stdbool.h>
#include <stdint.h>

typedef enum { WSF_READY_PORT, WSF_READY_LOG } wsf_ready_kind;

/* "known PATTERN \"why\"": a scenario the target fails for a documented
 * reason. Its failure is reported as known and does not fail the run. */
typedef struct {
    char *pattern; /* glob on the scenario's path, or on its tail after a '/' */
    char *why;
    int line;
} wsf_known;
typedef enum { WSF_LOG_STDERR = 1, WSF_LOG_STDOUT = 2, WSF_LOG_BOTH = 3 } wsf_log_streams;
/* Where a scenario's `signal` step goes ("signal-to main|group"). */
typedef enum { WSF_SIGNAL_MAIN, WSF_SIGNAL_GROUP } wsf_signal_to;

/* ${port}, ${port2} ... ${port8}: the ports a target may claim. */
#define WSF_TARGET_PORTS 8

typedef struct {
    char *file;          /* the target file's path */
    int line_of_command; /* for messages about the command */
    char *name;
    char *command; /* unexpanded: ${port}, ${bindir}, ${targetdir}, ${host} */
    char *url;     /* unexpanded */
    wsf_ready_kind ready;
    char *ready_pattern; /* WSF_READY_LOG: the regex source */
    wsf_rx *ready_re;
    int64_t ready_within_us;
    int stop_signal;       /* sent to the target's process group */
    int64_t stop_grace_us; /* then SIGKILL */
    wsf_signal_to signal_to;
    wsf_log_streams log;
    char *level_pattern; /* "log level /RE/": its first group is a record's level word */
    wsf_rx *level_re;
    char **env; /* "NAME=value", added to the environment */
    size_t n_env;
    wsf_known *known;    /* scenarios this target is known to fail */
    wsf_patterns alarms; /* log lines that fail any scenario: the defaults plus "alarm log" */
    wsf_patterns ignore; /* "ignore log": lines never taken for alarms */
    size_t n_known;
    wsf_bounds bounds; /* the defaults, with this server's "bound" lines */
    /* "header", "subprotocol", "origin", "path": sent by every handshake. */
    wsf_handshake_defaults handshake;
    /* wss://: "ca FILE" (unexpanded; relative to the target file's folder)
     * and "insecure". The command line's --ca and --insecure win. */
    char *tls_ca;
    bool tls_insecure;
} wsf_target;

/* The entry that lists a scenario as a known failure, or NULL: by its file
 * (every case of a matrix), or as FILE[CASE] for CASE_LABEL alone. */
const wsf_known *wsf_target_known(const wsf_target *t, const char *scenario_file,
                                  const char *case_label);

/* Parses a target file; on error NULL and "file:line:col: message" in err. */
wsf_target *wsf_target_parse(const char *file, const char *text, char *err, size_t errlen);
wsf_target *wsf_target_load(const char *file, char *err, size_t errlen);
void wsf_target_free(wsf_target *t);

/* Values for ${...} in command, url and env. */
typedef struct {
    int port;
    const char *host;      /* 127.0.0.1 */
    const char *bindir;    /* folder of the wsfault executable */
    const char *targetdir; /* folder of the target file */
    /* ${port2} ... ${port8}; 0 for those not claimed. */
    int more_ports[WSF_TARGET_PORTS - 1];
} wsf_target_vars;

/* The target file's "ca FILE" as a path: expanded, and from the target
 * file's folder when relative. NULL with why in err. */
char *wsf_target_ca_path(const wsf_target *t, const wsf_target_vars *v, char *err, size_t errlen);

/* Expands ${port} (also ${port1}), ${port2} ... ${port8}, ${host}, ${bindir},
 * ${targetdir}; unknown names are an error: returns NULL and a message in err. */
char *wsf_target_expand(const char *s, const wsf_target_vars *v, char *err, size_t errlen);

/* The ports the target's command, url and env use: bit N for ${portN}, bit
 * 1 for ${port}. Only those are claimed. */
unsigned wsf_target_ports_used(const wsf_target *t);

/* Splits a command into argv (NULL-terminated): words split on blanks, with
 * "double" or 'single' quotes grouping. NULL with a message on bad quoting. */
char **wsf_split_command(const char *cmd, char *err, size_t errlen);
void wsf_free_argv(char **argv);

/* Signal number from "TERM", "SIGTERM", "INT", "KILL", "HUP", "QUIT", "USR1",
 * "USR2"; -1 if unknown. And back to a name ("TERM"). */
int wsf_signal_from_name(const char *name);
const char *wsf_signal_name(int sig);

#endif
