/* Wire evidence: a libpcap capture of one scenario's connections, written
 * to a .pcap file and decoded into timeline events as packets arrive. What
 * the peer's socket cannot tell (who sent FIN first, whether the target
 * reset, whether it stopped reading) the packets do. */
#ifndef WSF_CAPTURE_H
#define WSF_CAPTURE_H

#include "loop.h"
#include "timeline.h"

#include <stdbool.h>
#include <stdint.h>

/* TCP flag bits as in the header. */
enum { WSF_TCP_FIN = 0x01, WSF_TCP_SYN = 0x02, WSF_TCP_RST = 0x04, WSF_TCP_ACK = 0x10 };

/* One decoded TCP segment. */
typedef struct {
    bool from_target; /* its source port is the target's */
    uint16_t sport, dport;
    uint8_t flags;
    uint32_t seq;
    uint16_t window; /* as sent (not scaled) */
    uint32_t payload_len;
} wsf_wire_pkt;

/* Decodes a captured frame of the given link type (DLT_EN10MB, as on "lo",
 * DLT_LINUX_SLL for "any", DLT_RAW, DLT_NULL). Returns 0, or -1 when it is
 * not IPv4/IPv6 TCP touching target_port. */
int wsf_wire_decode(const uint8_t *frame, uint32_t caplen, int linktype, uint16_t target_port,
                    wsf_wire_pkt *out);

/* What the capture saw of the scenario, for wire expectations. */
typedef struct {
    int64_t first_fin_t[2]; /* timeline time of the first FIN: [0] peer, [1] target; -1 none */
    int64_t first_rst_t[2];
    int64_t first_zero_window_t; /* the target advertised a zero window; -1 none */
    unsigned retransmissions[2];
    unsigned packets;
    unsigned untracked; /* packets of flows beyond the table */
    int64_t last_t;     /* timeline time of the last packet; -1 none */
    /* Per direction of each connection: the highest sequence end seen, to
     * tell resends, and whether its window was last zero. */
    struct wsf_flow {
        uint16_t port; /* the peer's port of the connection */
        bool from_target;
        bool seen, end_known;
        uint32_t end;
        bool window_closed;
        /* The same facts for this direction alone (-1: none), for the
         * expectations that name a connection. */
        int64_t first_fin_t, first_rst_t, first_zero_window_t;
        unsigned retransmissions, packets;
    } flows[512];
    /* Where each flow is in flows, hashed on its port and direction (its
     * index plus one; 0: free), so that a segment of the ten-thousandth
     * connection is not compared with every flow before it. */
    uint16_t flow_at[2048];
    uint16_t n_flows;
} wsf_wire_facts;

/* The facts of the connections that used one of the n ports (a
 * connection's ports over the scenario), from their flows. */
void wsf_wire_facts_of_ports(const wsf_wire_facts *w, const uint16_t *ports, size_t n,
                             wsf_wire_facts *out);

typedef struct wsf_capture wsf_capture;

/* Opens a capture on ifname ("lo", "any", ...) for TCP to or from the
 * target's address and port (host is its numeric address). Returns NULL with
 * why in err; *denied says it was a matter of permission (no CAP_NET_RAW), as
 * opposed to a missing interface. One capture serves every scenario of a
 * runner: setting up the kernel's ring and tearing it down cost more than
 * a short scenario. */
wsf_capture *wsf_capture_open(const char *ifname, const char *host, uint16_t target_port, char *err,
                              size_t errlen, bool *denied);
/* Whether the capture is on ifname for host: else it must be opened anew. */
bool wsf_capture_is_for(const wsf_capture *c, const char *ifname, const char *host);
/* Follows another port of the same host (a target restarted on a fresh
 * one); 0, or -1 with why in err. */
int wsf_capture_retarget(wsf_capture *c, uint16_t target_port, char *err, size_t errlen);
/* Starts writing packets to path and events to tl. What arrived between
 * scenarios is discarded, and drops are counted from here. */
int wsf_capture_begin(wsf_capture *c, wsf_loop *loop, const char *path, wsf_timeline *tl,
                      wsf_wire_facts *facts, char *err, size_t errlen);
/* Reads what is there now (the loop calls this too when packets arrive). */
void wsf_capture_poll(wsf_capture *c);
/* Stops writing the scenario's file; returns how many packets the kernel
 * dropped before they could be read (then the wire facts are incomplete). */
unsigned wsf_capture_end(wsf_capture *c);
void wsf_capture_close(wsf_capture *c);

void wsf_wire_facts_init(wsf_wire_facts *f);
/* Whether every connection seen has ended on the wire: an RST, or a FIN
 * each way. Then nothing more is to come but an ACK. */
bool wsf_wire_facts_all_ended(const wsf_wire_facts *f);

#endif
