/* Scenario files (.wsf): what the peer does and what it expects, step by step.
 * The parser turns a file into a wsf_scenario; the runner executes its steps in
 * order. The language is documented in docs/scenario-language.md. */
#ifndef WSF_SCENARIO_H
#define WSF_SCENARIO_H

#include "bounds.h"
#include "util.h"
#include <stdbool.h>
#include "rx.h"
#include <stdint.h>

typedef enum {
    WSF_STEP_CONNECT,
    WSF_STEP_HANDSHAKE,
    WSF_STEP_SEND,     /* one frame or a fragmented message */
    WSF_STEP_SEND_RAW, /* bytes as given */
    WSF_STEP_RST,
    WSF_STEP_HALF_CLOSE,
    WSF_STEP_CLOSE,
    WSF_STEP_STALL_READ,
    WSF_STEP_RESUME_READ,
    WSF_STEP_STALL_WRITE,
    WSF_STEP_RESUME_WRITE,
    WSF_STEP_TRICKLE,
    WSF_STEP_WAIT,
    WSF_STEP_SIGNAL, /* a signal to the target process */
    WSF_STEP_EXPECT,
    WSF_STEP_TLS, /* a TLS fault: close-notify, truncate, stall (wss:// only) */
} wsf_step_kind;

typedef enum {
    WSF_TLS_CLOSE_NOTIFY, /* close_notify now, without a WebSocket Close */
    WSF_TLS_TRUNCATE,     /* the next send's records leave in part, the rest never */
    WSF_TLS_STALL,        /* the next send's records leave in part, then writing stalls */
} wsf_tls_fault;

typedef enum {
    WSF_EXP_FRAME,    /* the next frame from the target matches */
    WSF_EXP_NO_FRAME, /* no frame arrives within the time */
    WSF_EXP_HTTP,     /* the handshake response has this status */
    WSF_EXP_FIN,      /* the target closed its side of TCP (EOF) */
    WSF_EXP_RST,      /* the target reset the connection */
    WSF_EXP_CLOSED,   /* FIN or RST */
    WSF_EXP_OPEN,     /* neither FIN nor RST for the whole time */
    /* The target process (wsfault must have started it). */
    WSF_EXP_TARGET_ALIVE,    /* running now, or for the whole time */
    WSF_EXP_TARGET_EXITED,   /* exited (with a status) within the time */
    WSF_EXP_TARGET_KILLED,   /* killed by a signal within the time */
    WSF_EXP_TARGET_ENDED,    /* exited or killed, however, within the time */
    WSF_EXP_RSS_BELOW,       /* the highest RSS seen in this scenario stays under size */
    WSF_EXP_RSS_GROWTH,      /* ... grows by less than size over the scenario's start */
    WSF_EXP_FDS_BASELINE,    /* its open fds fall back to the count at the start */
    WSF_EXP_SOCKET_RELEASED, /* it holds no socket of this scenario's connections */
    /* Its log (the target file's log streams). */
    WSF_EXP_LOG,    /* lines matching the patterns, in order, within the time */
    WSF_EXP_NO_LOG, /* no line matching, so far and for the time, or until the end */
    /* The peer's view of the connection. */
    WSF_EXP_STATES,  /* the sequence of connection states so far */
    WSF_EXP_CLOSING, /* a fact about how the connection closed */
    /* The packets, from the capture. */
    WSF_EXP_WIRE,
    /* RFC 6455 7.1.7, Fail the WebSocket Connection: TCP closed (MUST), a
     * Close with one of the codes first (SHOULD). */
    WSF_EXP_FAIL_CONNECTION,
} wsf_expect_kind;

typedef enum {
    WSF_WIRE_FIN_FIRST,   /* who sent the first FIN */
    WSF_WIRE_FIN,         /* a FIN from that side within the time */
    WSF_WIRE_RST,         /* an RST from that side within the time */
    WSF_WIRE_NO_RST,      /* no RST from that side so far (and for the time) */
    WSF_WIRE_ZERO_WINDOW, /* the target advertised a zero window within the time */
    WSF_WIRE_RETRANS,     /* fewer retransmissions than size so far */
} wsf_wire_fact;

typedef enum {
    WSF_FACT_INITIATOR, /* who sent the first Close frame: peer or target */
    WSF_FACT_CLEAN,     /* Close both ways, then the target closed TCP first */
    WSF_FACT_DROPPED,   /* who ended TCP first: peer or target */
    WSF_FACT_CODE,      /* the close code (and reason) the target sent */
} wsf_closing_fact;

/* Connection states as the peer sees them (RFC 6455 4 and 7). */
typedef enum {
    WSF_CS_CONNECTING,
    WSF_CS_OPEN,
    WSF_CS_CLOSING_SENT,     /* the peer sent Close first */
    WSF_CS_CLOSING_RECEIVED, /* the target sent Close first */
    WSF_CS_CLOSED,           /* TCP ended */
} wsf_conn_state;

/* "connecting", "open", "closing-sent", "closing-received", "closed". */
const char *wsf_conn_state_name(wsf_conn_state s);
int wsf_conn_state_from_name(const char *name); /* -1 if unknown */

/* A payload as the file gives it: len bytes of the pattern over and over (a
 * string or hex is its own pattern, "size N" is "x" repeated). The file's
 * description is kept and the bytes are made only when sent or compared, so
 * a line of a few bytes cannot make the parser hold 64 MiB. */
typedef struct {
    wsf_buf pattern; /* empty only when len is 0 */
    uint64_t len;
} wsf_payload;

/* A payload of exactly these bytes. */
void wsf_payload_set(wsf_payload *p, const void *data, size_t len);
/* Appends its first n bytes (all of it if n is larger) to out. */
void wsf_payload_build(const wsf_payload *p, uint64_t n, wsf_buf *out);
/* Its byte at offset i (i < len). */
uint8_t wsf_payload_at(const wsf_payload *p, uint64_t i);
/* Whether data is exactly the payload, compared without building it. */
bool wsf_payload_equals(const wsf_payload *p, const uint8_t *data, size_t len);
void wsf_payload_free(wsf_payload *p);

/* The payload bytes one file may send in all (over its steps, the members of
 * sets they act for, times and the cases of its matrix): checked at parse
 * time, so a short file cannot ask for unbounded work. */
#define WSF_MAX_FILE_PAYLOAD (1ull << 30)

/* What an expected frame's payload must be. */
typedef enum {
    WSF_PAYLOAD_ANY,   /* not checked */
    WSF_PAYLOAD_BYTES, /* exactly these bytes */
    WSF_PAYLOAD_SIZE,  /* only its length */
} wsf_payload_check;

typedef struct {
    wsf_expect_kind kind;
    int64_t within_us; /* deadline, counted from when the step starts */
    int opcode;        /* FRAME: opcode to match, -1 for any */
    wsf_payload_check payload_check;
    wsf_payload payload; /* BYTES */
    uint64_t size;       /* SIZE */
    /* FRAME with opcode close, FAIL_CONNECTION: */
    int close_code; /* code to match; -1: no code (empty payload); -3: any */
    /* Other codes that are as good ("close 1002|1007"): the RFC allows
     * either, so the scenario accepts exactly those. */
    int alt_codes[7];
    size_t n_alt_codes;
    /* FAIL_CONNECTION: the Close frame is a MAY (RFC 6455 5.1), not the
     * SHOULD of 7.1.7: its check is informational. */
    bool close_may;
    /* FAIL_CONNECTION said as "close-connection": the target ends the
     * connection of its own accord (a shutdown), judged the same way. */
    bool own_accord;
    bool check_reason;
    wsf_buf reason;
    int http_status; /* HTTP */
    /* TARGET_*: */
    bool for_time;   /* ALIVE: for within_us rather than now */
    int exit_status; /* EXITED: -1 for any */
    int signal;      /* KILLED */
    /* LOG, NO_LOG: regexes (docs/regex.md), compiled at parse time. */
    char **patterns;
    wsf_rx **regexes;
    size_t n_patterns;
    bool until_end; /* NO_LOG: judged when the scenario ends */
    /* STATES: */
    wsf_conn_state *states;
    size_t n_states;
    /* CLOSING: */
    wsf_closing_fact fact;
    bool by_target; /* INITIATOR, DROPPED, WIRE: the target (else the peer) */
    wsf_wire_fact wire;
} wsf_expect;

#define WSF_CLOSE_ANY (-3)

/* How much an expectation weighs (RFC 2119's words): a failed MUST fails
 * the scenario and stops it; a failed SHOULD makes it non-strict; a failed
 * informational one is reported and changes nothing (the RFC is silent). */
typedef enum {
    WSF_LEVEL_MUST,
    WSF_LEVEL_SHOULD,
    WSF_LEVEL_INFO,
} wsf_level;

/* "must", "should", "info". */
const char *wsf_level_name(wsf_level l);

typedef struct {
    wsf_step_kind kind;
    wsf_level level; /* expect/must: MUST; should: SHOULD; info: informational */
    /* The connection it acts on or judges (an index into the scenario's
     * conns; 0 is the one a step without "name:" means), or with set >= 0
     * every member of that set, one after another. */
    unsigned conn;
    int set;
    bool named; /* it began with "name:" (a wire expectation is then about that one) */
    int line;   /* 1-based line in the file, for messages and results */
    /* A named bound in place of the step's duration (within, for, wait) or
     * of its size (rss ... below): the runner puts in the target's value. */
    wsf_bound bound, size_bound;
    char *text; /* the step's source line, trimmed, for reports */
    union {
        struct {
            uint64_t rcvbuf, sndbuf; /* 0: system default */
            int64_t within_us;
        } connect;
        struct {
            char *path;     /* NULL: from the URL */
            char **headers; /* extra "Name: value" lines */
            size_t n_headers;
            char **omit; /* standard header names to leave out */
            size_t n_omit;
            char *key;       /* NULL: a fresh random key */
            char *version;   /* NULL: "13" */
            int64_t partial; /* -1: whole request; else bytes to send */
            bool wait;       /* wait for a 101 and check it */
            int64_t within_us;
        } handshake;
        struct {
            int opcode;
            bool fin;
            int rsv;
            bool masked;
            unsigned fragments;  /* 1: a single frame */
            unsigned times;      /* the whole message, this many times */
            int64_t partial;     /* -1: every byte; else only the first N */
            wsf_payload payload; /* for close: code and reason already encoded */
        } send;
        struct {
            wsf_payload bytes;
        } raw;
        struct {
            uint64_t bytes; /* bytes per tick; 0 turns trickling off */
            int64_t every_us;
        } trickle;
        struct {
            wsf_tls_fault fault;
        } tls;
        struct {
            int64_t us;
        } wait;
        struct {
            int sig;
        } signal;
        wsf_expect expect;
    } u;
} wsf_step;

/* Connections made together ("connect 200 as c*"): members are the
 * consecutive conns first .. first+n-1, named c1 .. cN. */
typedef struct {
    char *name; /* "c" */
    size_t first, n;
} wsf_conn_set;

/* Cases, connections and steps a file may make at most, so a short file
 * cannot ask for unbounded work. */
#define WSF_MAX_CASES 1000
#define WSF_MAX_CONNS 20000
#define WSF_MAX_STEPS 100000

typedef struct {
    char *file; /* path as given */
    /* One case of a parameter matrix ("with code in 1000 1001"): its values,
     * "1001" or "1001,bye"; NULL for a file without one. */
    char *case_label;
    /* What --filter and reports know it by: the file without ".wsf", with
     * "[case]" after it: "scenarios/close/valid-code[1001]". */
    char *id;
    char *source; /* the whole file text */
    char *name;
    char *description; /* NULL when absent */
    char **rfc;        /* section references, e.g. "7.1.1" */
    size_t n_rfc;
    char **tags;
    size_t n_tags;
    wsf_step *steps;
    size_t n_steps;
    /* Connection names; conns[0] is the default connection, "" (shown as
     * "peer"), there whether or not a step uses it. */
    char **conns;
    size_t n_conns;
    wsf_conn_set *sets;
    size_t n_sets;
} wsf_scenario;

/* The name a report shows for a connection: its own, or "peer". */
const char *wsf_conn_name(const wsf_scenario *s, unsigned conn);
/* Whether the step acts on or judges one connection (else it is about the
 * whole scenario: wait, signal, the target, its log, the capture). */
bool wsf_step_has_conn(const wsf_step *st);
/* True when any step names a connection: the scenario has several. */
bool wsf_scenario_named_conns(const wsf_scenario *s);

/* Parses text (NUL-terminated) read from file. On error returns NULL and puts
 * "file:line:col: message" into err (errlen bytes). */
wsf_scenario *wsf_scenario_parse(const char *file, const char *text, char *err, size_t errlen);
/* A file with a parameter matrix is several scenarios, one per case: puts
 * them (one for a plain file) into *out, returns their count, or -1 with
 * the error. */
int wsf_scenario_parse_cases(const char *file, const char *text, wsf_scenario ***out, char *err,
                             size_t errlen);
/* Reads and parses a file into its cases; I/O errors are reported the same
 * way. */
int wsf_scenario_load_cases(const char *file, wsf_scenario ***out, char *err, size_t errlen);
/* Reads and parses a file that must hold exactly one case. */
wsf_scenario *wsf_scenario_load(const char *file, char *err, size_t errlen);
void wsf_scenario_free(wsf_scenario *s);

/* True when pattern matches the scenario: a glob (fnmatch) or, without glob
 * characters, a substring, tried against the name, the file path and each tag. */
bool wsf_scenario_matches(const wsf_scenario *s, const char *pattern);

#endif
