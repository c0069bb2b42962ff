#include "capture.h"
#include "util.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <pcap/sll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>

struct wsf_capture {
    pcap_t *pcap;
    pcap_dumper_t *dump;
    char *ifname, *host;
    unsigned drop_base; /* the kernel's drop count when the scenario began */
    uint16_t target_port;
    int linktype;
    wsf_io io;
    wsf_loop *loop;
    wsf_timeline *tl;
    wsf_wire_facts *facts;
    int64_t real_minus_mono; /* pcap stamps are wall clock; the timeline is monotonic */
};

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int wsf_wire_decode(const uint8_t *f, uint32_t caplen, int linktype, uint16_t target_port,
                    wsf_wire_pkt *out)
{
    uint32_t off;
    uint16_t ethertype;
    switch (linktype) {
    case DLT_EN10MB:
        if (caplen < 14) return -1;
        ethertype = be16(f + 12);
        off = 14;
        break;
    case DLT_LINUX_SLL:
        if (caplen < SLL_HDR_LEN) return -1;
        ethertype = be16(f + 14);
        off = SLL_HDR_LEN;
        break;
    case DLT_NULL: /* host-order address family, 4 bytes */
        if (caplen < 4) return -1;
        ethertype = (f[0] == 2 || f[3] == 2) ? 0x0800 : 0x86dd;
        off = 4;
        break;
    case DLT_RAW:
        if (caplen < 1) return -1;
        ethertype = (f[0] >> 4) == 4 ? 0x0800 : 0x86dd;
        off = 0;
        break;
    default:
        return -1;
    }
    uint32_t tcp;
    if (ethertype == 0x0800) {
        if (caplen < off + 20 || (f[off] >> 4) != 4 || f[off + 9] != 6) return -1;
        uint32_t ihl = (uint32_t)(f[off] & 0x0f) * 4;
        uint32_t total = be16(f + off + 2);
        /* A later fragment carries no TCP header; a total of 0 (offloaded
         * segments) or less than the header says nothing usable. */
        if ((be16(f + off + 6) & 0x1fff) != 0) return -1;
        if (ihl < 20 || total < ihl || caplen < off + ihl + 20) return -1;
        tcp = off + ihl;
        out->payload_len = total; /* minus headers, below */
        out->payload_len -= ihl;
    } else if (ethertype == 0x86dd) {
        /* Extension headers are not followed: TCP must come next. */
        if (caplen < off + 40 + 20 || (f[off] >> 4) != 6 || f[off + 6] != 6) return -1;
        tcp = off + 40;
        out->payload_len = be16(f + off + 4);
    } else {
        return -1;
    }
    uint32_t doff = (uint32_t)(f[tcp + 12] >> 4) * 4;
    if (doff < 20 || out->payload_len < doff) return -1;
    out->sport = be16(f + tcp);
    out->dport = be16(f + tcp + 2);
    if (out->sport != target_port && out->dport != target_port) return -1;
    out->from_target = out->sport == target_port;
    out->seq = be32(f + tcp + 4);
    out->flags = f[tcp + 13];
    out->window = be16(f + tcp + 14);
    out->payload_len -= doff;
    return 0;
}

void wsf_wire_facts_init(wsf_wire_facts *f)
{
    memset(f, 0, sizeof *f);
    f->first_fin_t[0] = f->first_fin_t[1] = -1;
    f->first_rst_t[0] = f->first_rst_t[1] = -1;
    f->first_zero_window_t = -1;
    f->last_t = -1;
}

bool wsf_wire_facts_all_ended(const wsf_wire_facts *w)
{
    size_t n = sizeof w->flows / sizeof *w->flows;
    for (size_t i = 0; i < n && w->flows[i].seen; i++) {
        const struct wsf_flow *f = &w->flows[i];
        bool ended = f->first_rst_t >= 0, fin_here = f->first_fin_t >= 0, fin_back = false;
        for (size_t k = 0; k < n && w->flows[k].seen && !ended; k++) {
            const struct wsf_flow *o = &w->flows[k];
            if (o->port != f->port || o->from_target == f->from_target) continue;
            ended = o->first_rst_t >= 0;
            fin_back = o->first_fin_t >= 0;
        }
        if (!ended && !(fin_here && fin_back)) return false;
    }
    return true;
}

static void earliest(int64_t *have, int64_t t)
{
    if (t >= 0 && (*have < 0 || t < *have)) *have = t;
}

void wsf_wire_facts_of_ports(const wsf_wire_facts *w, const uint16_t *ports, size_t n,
                             wsf_wire_facts *out)
{
    wsf_wire_facts_init(out);
    out->untracked = w->untracked;
    for (size_t i = 0; i < sizeof w->flows / sizeof *w->flows && w->flows[i].seen; i++) {
        const struct wsf_flow *f = &w->flows[i];
        bool ours = false;
        for (size_t k = 0; k < n && !ours; k++)
            ours = ports[k] == f->port;
        if (!ours) continue;
        int side = f->from_target ? 1 : 0;
        earliest(&out->first_fin_t[side], f->first_fin_t);
        earliest(&out->first_rst_t[side], f->first_rst_t);
        earliest(&out->first_zero_window_t, f->first_zero_window_t);
        out->retransmissions[side] += f->retransmissions;
        out->packets += f->packets;
    }
}

/* The flow (one direction of one connection) a segment belongs to; NULL
 * when the table is full (the capture then notes it). */
static struct wsf_flow *flow_of(wsf_wire_facts *w, const wsf_wire_pkt *p)
{
    uint16_t port = p->from_target ? p->dport : p->sport;
    size_t n = sizeof w->flows / sizeof *w->flows;
    size_t mask = sizeof w->flow_at / sizeof *w->flow_at - 1;
    /* Four slots for each flow: a free one is always near. */
    size_t h = (((uint32_t)port * 2654435761u) >> 16 ^ p->from_target) & mask;
    for (;; h = (h + 1) & mask) {
        if (!w->flow_at[h]) {
            if (w->n_flows == n) return NULL;
            struct wsf_flow *f = &w->flows[w->n_flows++];
            w->flow_at[h] = w->n_flows;
            f->seen = true;
            f->port = port;
            f->from_target = p->from_target;
            f->first_fin_t = f->first_rst_t = f->first_zero_window_t = -1;
            return f;
        }
        struct wsf_flow *f = &w->flows[w->flow_at[h] - 1];
        if (f->port == port && f->from_target == p->from_target) return f;
    }
}

/* A segment whose data ends at or before what its flow already carried is
 * a retransmission (sequence numbers wrap: compare as signed differences). */
static bool is_resend(struct wsf_flow *f, const wsf_wire_pkt *p)
{
    uint32_t end = p->seq + p->payload_len + ((p->flags & (WSF_TCP_SYN | WSF_TCP_FIN)) ? 1 : 0);
    bool resend = f->end_known && (p->payload_len || (p->flags & WSF_TCP_FIN)) &&
                  (int32_t)(end - f->end) <= 0;
    if (!f->end_known || (int32_t)(end - f->end) > 0) f->end = end;
    f->end_known = true;
    return resend;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    wsf_capture *c = (wsf_capture *)user;
    if (c->dump) pcap_dump((u_char *)c->dump, h, bytes);
    wsf_wire_pkt p;
    if (wsf_wire_decode(bytes, h->caplen, c->linktype, c->target_port, &p) < 0) return;
    int64_t abs = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec - c->real_minus_mono;
    int64_t t = abs - c->tl->origin_us;
    wsf_wire_facts *w = c->facts;
    int side = p.from_target ? 1 : 0;
    wsf_dir dir = p.from_target ? WSF_DIR_IN : WSF_DIR_OUT;
    w->packets++;
    if (t > w->last_t) w->last_t = t;
    struct wsf_flow *flow = flow_of(w, &p);
    bool resend = flow && is_resend(flow, &p);
    if (resend) w->retransmissions[side]++;
    if (!flow) w->untracked++;
    if (flow) {
        flow->packets++;
        if (resend) flow->retransmissions++;
        if ((p.flags & WSF_TCP_FIN) && flow->first_fin_t < 0) flow->first_fin_t = t;
        if ((p.flags & WSF_TCP_RST) && flow->first_rst_t < 0) flow->first_rst_t = t;
        if (p.from_target && p.window == 0 && !(p.flags & (WSF_TCP_RST | WSF_TCP_SYN)) &&
            flow->first_zero_window_t < 0)
            flow->first_zero_window_t = t;
    }

    char flags[32] = "";
    if (p.flags & WSF_TCP_SYN) strcat(flags, "SYN ");
    if (p.flags & WSF_TCP_FIN) strcat(flags, "FIN ");
    if (p.flags & WSF_TCP_RST) strcat(flags, "RST ");
    if (p.flags & WSF_TCP_ACK) strcat(flags, "ACK ");
    /* A window that opens again after a zero window is worth its own name:
     * the side started reading again. */
    bool reopened = flow && flow->window_closed && p.window > 0 && !(p.flags & WSF_TCP_RST);
    if (flow && !(p.flags & (WSF_TCP_RST | WSF_TCP_SYN))) flow->window_closed = p.window == 0;
    const char *what = p.flags & WSF_TCP_RST   ? "RST"
                       : p.flags & WSF_TCP_SYN ? "SYN"
                       : p.flags & WSF_TCP_FIN ? "FIN"
                       : p.payload_len         ? "data"
                       : p.window == 0         ? "zero-window"
                       : reopened              ? "window-update"
                                               : "ack";
    wsf_event *e = wsf_timeline_add_at(c->tl, abs, WSF_EV_WIRE, dir, what, NULL);
    if (e) {
        e->len = p.payload_len;
        e->port = p.from_target ? p.dport : p.sport;
        e->detail =
            wsf_xasprintf("%s%u bytes, win %u, port %u%s", flags, p.payload_len, p.window,
                          p.from_target ? p.dport : p.sport, resend ? ", retransmission" : "");
    }
    if ((p.flags & WSF_TCP_FIN) && w->first_fin_t[side] < 0) w->first_fin_t[side] = t;
    if ((p.flags & WSF_TCP_RST) && w->first_rst_t[side] < 0) w->first_rst_t[side] = t;
    if (p.from_target && p.window == 0 && !(p.flags & (WSF_TCP_RST | WSF_TCP_SYN)) &&
        w->first_zero_window_t < 0)
        w->first_zero_window_t = t;
}

#define CAPTURE_SNAPLEN 4096
#define CAPTURE_RING (8 << 20)

/* WSFAULT_CAPTURE_RING=BYTES makes the ring smaller (or larger): the tests
 * use it to make a capture lose packets, which the shipped suite must not. */
static int capture_ring_bytes(void)
{
    const char *v = getenv("WSFAULT_CAPTURE_RING");
    uint64_t n;
    if (v && wsf_parse_size(v, &n) == 0 && n >= 1024 && n <= (256u << 20)) return (int)n;
    return CAPTURE_RING;
}

/* The address too: on "any", other connections to the same port number
 * elsewhere on the machine must not count as the scenario's. */
static int set_filter(pcap_t *p, const char *host, uint16_t port, char *err, size_t errlen)
{
    char filter[128];
    snprintf(filter, sizeof filter, "tcp and host %s and port %u", host, port);
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
        pcap_setfilter(p, &prog) < 0) {
        snprintf(err, errlen, "capture filter '%s': %s", filter, pcap_geterr(p));
        pcap_freecode(&prog);
        return -1;
    }
    pcap_freecode(&prog);
    return 0;
}

static void discard(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    (void)user;
    (void)h;
    (void)bytes;
}

/* Empties the ring of what no scenario is listening for. */
static void drain(wsf_capture *c)
{
    for (int i = 0; i < 1024; i++)
        if (pcap_dispatch(c->pcap, 256, discard, NULL) <= 0) break;
}

static unsigned drops_so_far(wsf_capture *c)
{
    struct pcap_stat st;
    return pcap_stats(c->pcap, &st) == 0 ? st.ps_drop + st.ps_ifdrop : 0;
}

bool wsf_capture_is_for(const wsf_capture *c, const char *ifname, const char *host)
{
    return !strcmp(c->ifname, ifname) && !strcmp(c->host, host);
}

int wsf_capture_retarget(wsf_capture *c, uint16_t target_port, char *err, size_t errlen)
{
    if (target_port == c->target_port) return 0;
    if (set_filter(c->pcap, c->host, target_port, err, errlen) < 0) return -1;
    c->target_port = target_port;
    return 0;
}

static void on_readable(wsf_io *io, uint32_t events)
{
    (void)events;
    wsf_capture_poll(io->ctx);
}

wsf_capture *wsf_capture_open(const char *ifname, const char *host, uint16_t target_port, char *err,
                              size_t errlen, bool *denied)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    *denied = false;
    pcap_t *p = pcap_create(ifname, ebuf);
    if (!p) {
        snprintf(err, errlen, "capture on %s: %s", ifname, ebuf);
        return NULL;
    }
    /* Packets must reach the timeline as they happen, not a buffer later. */
    pcap_set_immediate_mode(p, 1);
    /* In immediate mode each slot of the kernel's ring is as big as the
     * snapshot length: whole 64 KiB segments of loopback would leave a few
     * dozen slots, and a bulk transfer overflows them. What the wire facts
     * and a reader of the pcap need are the headers, the handshake and the
     * control frames: the first 4 KiB of a packet holds them, and a ring of
     * 8 MiB holds two thousand packets between two reads. */
    pcap_set_snaplen(p, CAPTURE_SNAPLEN);
    pcap_set_buffer_size(p, capture_ring_bytes());
    pcap_set_timeout(p, 1);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
    int rc = pcap_activate(p);
    if (rc < 0) {
        *denied = rc == PCAP_ERROR_PERM_DENIED;
        snprintf(err, errlen, "capture on %s: %s", ifname,
                 rc == PCAP_ERROR_PERM_DENIED ? "not permitted (run as root or grant cap_net_raw)"
                                              : pcap_geterr(p));
        pcap_close(p);
        return NULL;
    }
    if (set_filter(p, host, target_port, err, errlen) < 0) {
        pcap_close(p);
        return NULL;
    }
    int dlt = pcap_datalink(p);
    if (dlt != DLT_EN10MB && dlt != DLT_LINUX_SLL && dlt != DLT_RAW && dlt != DLT_NULL) {
        /* Better said now than found as expectations that never see a FIN. */
        snprintf(err, errlen, "capture on %s: link type %s is not decoded", ifname,
                 pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?");
        pcap_close(p);
        return NULL;
    }
    if (pcap_setnonblock(p, 1, ebuf) < 0) {
        snprintf(err, errlen, "capture on %s: %s", ifname, ebuf);
        pcap_close(p);
        return NULL;
    }
    wsf_capture *c = wsf_xcalloc(1, sizeof *c);
    c->pcap = p;
    c->ifname = wsf_xstrdup(ifname);
    c->host = wsf_xstrdup(host);
    c->target_port = target_port;
    c->linktype = pcap_datalink(p);
    c->io = (wsf_io){.fd = pcap_get_selectable_fd(p), .cb = on_readable, .ctx = c};
    return c;
}

int wsf_capture_begin(wsf_capture *c, wsf_loop *loop, const char *path, wsf_timeline *tl,
                      wsf_wire_facts *facts, char *err, size_t errlen)
{
    /* Packets from between scenarios (a late FIN of the last one, packets
     * of the old port before a new filter) are no scenario's. */
    drain(c);
    c->drop_base = drops_so_far(c);
    c->dump = pcap_dump_open(c->pcap, path);
    if (!c->dump) {
        snprintf(err, errlen, "cannot write %s: %s", path, pcap_geterr(c->pcap));
        return -1;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    c->real_minus_mono = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec - wsf_now_us();
    c->tl = tl;
    c->facts = facts;
    c->loop = loop;
    if (c->io.fd >= 0) wsf_loop_add(loop, &c->io, EPOLLIN);
    return 0;
}

void wsf_capture_poll(wsf_capture *c)
{
    if (!c->tl) return;
    /* Bounded, so a flood of packets cannot starve the rest of the loop. */
    for (int i = 0; i < 16; i++)
        if (pcap_dispatch(c->pcap, 256, on_packet, (u_char *)c) <= 0) break;
}

unsigned wsf_capture_end(wsf_capture *c)
{
    wsf_capture_poll(c);
    /* Facts judged on a capture that lost packets are not facts: said on
     * the timeline, and returned for the verdict. */
    unsigned dropped = c->tl ? drops_so_far(c) - c->drop_base : 0;
    if (dropped)
        wsf_timeline_add(c->tl, WSF_EV_NOTE, WSF_DIR_NONE, "capture-drops",
                         "%u packets dropped by the kernel: wire facts may be incomplete", dropped);
    if (c->tl && c->facts->untracked)
        wsf_timeline_add(c->tl, WSF_EV_NOTE, WSF_DIR_NONE, "capture-flows",
                         "%u packets beyond the %zu connections tracked for retransmissions",
                         c->facts->untracked, sizeof c->facts->flows / sizeof *c->facts->flows / 2);
    if (c->loop) wsf_loop_del(c->loop, &c->io);
    if (c->dump) pcap_dump_close(c->dump);
    c->dump = NULL;
    c->tl = NULL;
    return dropped;
}

void wsf_capture_close(wsf_capture *c)
{
    if (!c) return;
    if (c->dump) wsf_capture_end(c);
    pcap_close(c->pcap);
    free(c->ifname);
    free(c->host);
    free(c);
}
