/* bench/fanout.c — pub/sub fan-out benchmark for kvik and redis-server.
 *
 * S subscriber connections SUBSCRIBE to one channel; P publisher connections
 * (one thread each) PUBLISH fixed-size messages to it for T seconds, D
 * commands in flight per round trip (pipeline depth). One reader thread
 * drains every subscriber socket with epoll. Messages have a fixed size, so
 * deliveries are counted from bytes received, at almost no client cost.
 *
 * Reports publishes/s, deliveries/s (messages received by all subscribers per
 * second, until every message counted by PUBLISH's replies has arrived or a
 * 10 s drain limit passes), the p50/p99 round-trip latency of one pipeline
 * of publishes, and whether anything was lost. The last line is
 * machine-readable (key=value) for bench/run.py.
 *
 * Plain sockets, no client library. Build: make bench-tools (bin/kvik-fanout).
 * Usage: kvik-fanout [-h host] [-p port] [-s subscribers] [-P publishers]
 *                    [-d depth] [-t seconds] [-m message-bytes] [-c channel]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *host = "127.0.0.1";
static int port = 6379, nsubs = 100, npubs = 1, depth = 1, msize = 32;
static double seconds = 5.0;
static const char *channel = "fanout";

static _Atomic long long received_bytes;
static _Atomic long long last_rx_ns;
static _Atomic int stop_readers;
static size_t msg_wire; /* bytes of one delivered message */

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "fanout: %s: %s\n", what, strerror(errno));
    exit(2);
}

static int connect_to(void)
{
    struct addrinfo hints = {0}, *res;
    char ps[16];
    snprintf(ps, sizeof(ps), "%d", port);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, ps, &hints, &res) != 0) die("getaddrinfo");
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (connect(fd, res->ai_addr, res->ai_addrlen) < 0) die("connect");
    freeaddrinfo(res);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Reads until `want` bytes arrived (exact-size replies). */
static void read_exact(int fd, char *buf, size_t want)
{
    size_t got = 0;
    while (got < want) {
        ssize_t r = read(fd, buf + got, want - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            die("read (server closed?)");
        }
        got += (size_t)r;
    }
}

/* ---------------------------------------------------------------- subscribers */

static int *sub_fds;

static void *reader_main(void *arg)
{
    (void)arg;
    int ep = epoll_create1(0);
    for (int i = 0; i < nsubs; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = sub_fds[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, sub_fds[i], &ev);
    }
    static char buf[1 << 18];
    struct epoll_event evs[256];
    while (!atomic_load(&stop_readers)) {
        int n = epoll_wait(ep, evs, 256, 50);
        long long bytes = 0;
        for (int i = 0; i < n; i++) {
            for (;;) {
                ssize_t r = recv(evs[i].data.fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (r > 0) {
                    bytes += r;
                    if ((size_t)r < sizeof(buf)) break;
                    continue;
                }
                if (r == 0) {
                    fprintf(stderr, "fanout: a subscriber was disconnected\n");
                    epoll_ctl(ep, EPOLL_CTL_DEL, evs[i].data.fd, NULL);
                }
                break;
            }
        }
        if (bytes) {
            atomic_fetch_add(&received_bytes, bytes);
            atomic_store(&last_rx_ns, now_ns());
        }
    }
    close(ep);
    return NULL;
}

static void subscribe_all(void)
{
    sub_fds = calloc((size_t)nsubs, sizeof(int));
    char cmd[256], reply[256];
    int n = snprintf(cmd, sizeof(cmd), "*2\r\n$9\r\nSUBSCRIBE\r\n$%zu\r\n%s\r\n", strlen(channel),
                     channel);
    int rlen = snprintf(reply, sizeof(reply), "*3\r\n$9\r\nsubscribe\r\n$%zu\r\n%s\r\n:1\r\n",
                        strlen(channel), channel);
    for (int i = 0; i < nsubs; i++) {
        sub_fds[i] = connect_to();
        write_all(sub_fds[i], cmd, (size_t)n);
        read_exact(sub_fds[i], reply, (size_t)rlen);
        if (memcmp(reply, "*3\r\n$9\r\nsubscribe", 17) != 0) {
            fprintf(stderr, "fanout: unexpected SUBSCRIBE reply\n");
            exit(2);
        }
    }
}

/* ---------------------------------------------------------------- publishers */

typedef struct pub {
    pthread_t tid;
    long long publishes, receivers;
    long long *lat_ns;
    size_t nlat, latcap;
} pub;

static char *pub_batch;
static size_t pub_batch_len;
static _Atomic int go;
static long long stop_at_ns;

/* Reads `count` integer replies, summing them. */
static long long read_ints(int fd, int count, char *buf, size_t cap, size_t *carry)
{
    long long sum = 0;
    size_t have = *carry, pos = 0;
    int seen = 0;
    while (seen < count) {
        char *nl = have > pos ? memchr(buf + pos, '\n', have - pos) : NULL;
        if (!nl) {
            memmove(buf, buf + pos, have - pos);
            have -= pos;
            pos = 0;
            ssize_t r = read(fd, buf + have, cap - have);
            if (r <= 0) die("read publisher reply");
            have += (size_t)r;
            continue;
        }
        if (buf[pos] != ':') {
            fprintf(stderr, "fanout: unexpected PUBLISH reply: %.40s\n", buf + pos);
            exit(2);
        }
        sum += strtoll(buf + pos + 1, NULL, 10);
        pos = (size_t)(nl - buf) + 1;
        seen++;
    }
    memmove(buf, buf + pos, have - pos);
    *carry = have - pos;
    return sum;
}

static void *pub_main(void *arg)
{
    pub *p = arg;
    int fd = connect_to();
    char buf[1 << 16];
    size_t carry = 0;
    while (!atomic_load(&go)) usleep(100);
    while (now_ns() < stop_at_ns) {
        long long t0 = now_ns();
        write_all(fd, pub_batch, pub_batch_len);
        p->receivers += read_ints(fd, depth, buf, sizeof(buf), &carry);
        long long t1 = now_ns();
        p->publishes += depth;
        if (p->nlat == p->latcap) {
            p->latcap = p->latcap ? p->latcap * 2 : 4096;
            p->lat_ns = realloc(p->lat_ns, sizeof(long long) * p->latcap);
        }
        p->lat_ns[p->nlat++] = t1 - t0;
    }
    close(fd);
    return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static void build_batch(void)
{
    char *payload = malloc((size_t)msize);
    memset(payload, 'x', (size_t)msize);
    char one[256];
    size_t clen = strlen(channel);
    int n = snprintf(one, sizeof(one), "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s\r\n$%d\r\n", clen,
                     channel, msize);
    size_t cmdlen = (size_t)n + (size_t)msize + 2;
    pub_batch_len = cmdlen * (size_t)depth;
    pub_batch = malloc(pub_batch_len);
    for (int i = 0; i < depth; i++) {
        char *q = pub_batch + cmdlen * (size_t)i;
        memcpy(q, one, (size_t)n);
        memcpy(q + n, payload, (size_t)msize);
        memcpy(q + n + msize, "\r\n", 2);
    }
    /* "*3\r\n$7\r\nmessage\r\n$<clen>\r\n<ch>\r\n$<m>\r\n<payload>\r\n" */
    char hdr[128];
    int h = snprintf(hdr, sizeof(hdr), "*3\r\n$7\r\nmessage\r\n$%zu\r\n", clen);
    int m = snprintf(hdr, sizeof(hdr), "$%d\r\n", msize);
    msg_wire = (size_t)h + clen + 2 + (size_t)m + (size_t)msize + 2;
    free(payload);
}

static void usage(void)
{
    fprintf(stderr, "usage: kvik-fanout [-h host] [-p port] [-s subscribers] [-P publishers] "
                    "[-d depth] [-t seconds] [-m message-bytes] [-c channel]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int o;
    while ((o = getopt(argc, argv, "h:p:s:P:d:t:m:c:")) != -1) {
        switch (o) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 's': nsubs = atoi(optarg); break;
        case 'P': npubs = atoi(optarg); break;
        case 'd': depth = atoi(optarg); break;
        case 't': seconds = atof(optarg); break;
        case 'm': msize = atoi(optarg); break;
        case 'c': channel = optarg; break;
        default: usage();
        }
    }
    if (nsubs < 1 || npubs < 1 || depth < 1 || msize < 0 || seconds <= 0) usage();
    build_batch();
    subscribe_all();
    pthread_t reader;
    pthread_create(&reader, NULL, reader_main, NULL);
    pub *pubs = calloc((size_t)npubs, sizeof(pub));
    for (int i = 0; i < npubs; i++) pthread_create(&pubs[i].tid, NULL, pub_main, &pubs[i]);
    long long start = now_ns();
    stop_at_ns = start + (long long)(seconds * 1e9);
    atomic_store(&go, 1);
    long long publishes = 0, receivers = 0;
    size_t nlat = 0;
    for (int i = 0; i < npubs; i++) {
        pthread_join(pubs[i].tid, NULL);
        publishes += pubs[i].publishes;
        receivers += pubs[i].receivers;
        nlat += pubs[i].nlat;
    }
    long long pub_end = now_ns();
    /* Wait for every counted delivery (at most 10 s more). */
    long long expect = receivers * (long long)msg_wire;
    while (atomic_load(&received_bytes) < expect && now_ns() - pub_end < 10000000000LL)
        usleep(1000);
    atomic_store(&stop_readers, 1);
    pthread_join(reader, NULL);
    long long got = atomic_load(&received_bytes);
    long long deliveries = got / (long long)msg_wire;
    long long end = atomic_load(&last_rx_ns);
    if (end < pub_end) end = pub_end;
    double pub_secs = (double)(pub_end - start) / 1e9, all_secs = (double)(end - start) / 1e9;
    long long *lat = malloc(sizeof(long long) * (nlat ? nlat : 1));
    size_t k = 0;
    for (int i = 0; i < npubs; i++) {
        memcpy(lat + k, pubs[i].lat_ns, sizeof(long long) * pubs[i].nlat);
        k += pubs[i].nlat;
    }
    qsort(lat, nlat, sizeof(long long), cmp_ll);
    double p50 = nlat ? (double)lat[nlat / 2] / 1000.0 : 0;
    double p99 = nlat ? (double)lat[(size_t)((double)nlat * 0.99)] / 1000.0 : 0;
    printf("subscribers %d, publishers %d, depth %d, message %d bytes, %.1f s\n", nsubs, npubs,
           depth, msize, pub_secs);
    printf("publishes/s %.0f   deliveries/s %.0f   publish round trip p50 %.1f us p99 %.1f us   "
           "lost %lld\n",
           (double)publishes / pub_secs, (double)deliveries / all_secs, p50, p99,
           receivers - deliveries);
    printf("RESULT publishes_per_sec=%.0f deliveries_per_sec=%.0f p50_us=%.1f p99_us=%.1f "
           "publishes=%lld expected=%lld delivered=%lld lost=%lld\n",
           (double)publishes / pub_secs, (double)deliveries / all_secs, p50, p99, publishes,
           receivers, deliveries, receivers - deliveries);
    for (int i = 0; i < nsubs; i++) close(sub_fds[i]);
    return 0;
}
