/* The practical limit for bench/run.sh: the least a client can do to
 * connect, finish a WebSocket handshake and reset the connection, N times,
 * C at a time, on one epoll loop and no library. wsfault's CPU per faulted
 * connection is measured against this program's.
 *
 *   minloop PORT N C     prints "N connections, U user+sys us, W wall us"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char request[] = "GET / HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n";

typedef struct {
    int fd;
    int sent; /* the request is written */
    char head[512];
    size_t got;
} conn;

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int open_one(int ep, int port, conn *c)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) return -1;
    c->sent = 0;
    c->got = 0;
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) return -1;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
    return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* The RST: SO_LINGER {1, 0}, then close. */
static void reset(conn *c)
{
    struct linger l = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(c->fd);
    c->fd = -1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: minloop PORT N CONCURRENCY\n");
        return 2;
    }
    int port = atoi(argv[1]);
    long n = atol(argv[2]), conc = atol(argv[3]);
    if (port <= 0 || n <= 0 || conc <= 0) return 2;
    if (conc > n) conc = n;
    int ep = epoll_create1(0);
    conn *cs = calloc((size_t)conc, sizeof *cs);
    long started = 0, done = 0;
    long long t0 = now_us();
    for (long i = 0; i < conc; i++, started++)
        if (open_one(ep, port, &cs[i]) < 0) {
            perror("minloop: connect");
            return 1;
        }
    struct epoll_event evs[256];
    while (done < n) {
        int k = epoll_wait(ep, evs, 256, 5000);
        if (k <= 0) {
            fprintf(stderr, "minloop: stuck at %ld of %ld\n", done, n);
            return 1;
        }
        for (int e = 0; e < k; e++) {
            conn *c = evs[e].data.ptr;
            if (!c->sent && (evs[e].events & EPOLLOUT)) {
                if (write(c->fd, request, sizeof request - 1) != (ssize_t)(sizeof request - 1)) {
                    perror("minloop: write");
                    return 1;
                }
                c->sent = 1;
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                continue;
            }
            if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            ssize_t r = read(c->fd, c->head + c->got, sizeof c->head - 1 - c->got);
            if (r <= 0) {
                fprintf(stderr, "minloop: the server closed a connection\n");
                return 1;
            }
            c->got += (size_t)r;
            c->head[c->got] = '\0';
            if (!strstr(c->head, "\r\n\r\n")) continue;
            if (strncmp(c->head, "HTTP/1.1 101", 12)) {
                fprintf(stderr, "minloop: no 101: %.40s\n", c->head);
                return 1;
            }
            reset(c);
            done++;
            if (started < n) {
                if (open_one(ep, port, c) < 0) {
                    perror("minloop: connect");
                    return 1;
                }
                started++;
            }
        }
    }
    long long wall = now_us() - t0;
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    long long cpu = (long long)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000 +
                    u.ru_utime.tv_usec + u.ru_stime.tv_usec;
    printf("%ld connections, %lld user+sys us, %lld wall us\n", n, cpu, wall);
    free(cs);
    close(ep);
    return 0;
}
