/* server/worker.c — worker threads (design.md §2).
 *
 * Each worker has its own epoll loop, its own listening sockets (SO_REUSEPORT,
 * so the kernel spreads new connections over the workers), the clients it
 * accepted, and an inbox: other threads post tasks there and wake the worker
 * through an eventfd. The cron runs `hz` times a second per worker: active
 * expiry over the shards this worker owns, incremental rehashing, and client
 * timeouts.
 */
#include "server/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "db/ks.h"
#include "server/acl.h"
#include "server/aof.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/cmdtab.h"
#include "server/native.h"
#include "server/monitor.h"
#include "server/pubsub.h"
#include "server/snapshot.h"
#include "server/stats.h"
#include "net/tls.h"

kv_server srv;

uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static double us_per_cycle = 0.001;

uint64_t cycles_now(void)
{
    return __rdtsc();
}

void cycles_calibrate(void)
{
    uint64_t t0 = now_us(), c0 = __rdtsc();
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    uint64_t t1 = now_us(), c1 = __rdtsc();
    if (c1 > c0 && t1 > t0) us_per_cycle = (double)(t1 - t0) / (double)(c1 - c0);
}

uint64_t cycles_to_us(uint64_t cycles)
{
    return (uint64_t)((double)cycles * us_per_cycle);
}
#else
uint64_t cycles_now(void)
{
    return now_us();
}

void cycles_calibrate(void)
{
}

uint64_t cycles_to_us(uint64_t cycles)
{
    return cycles;
}
#endif

/* ---------------------------------------------------------------- sockets */

static void format_addr(const struct sockaddr_storage *ss, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const void *)ss;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        port = ntohs(s->sin_port);
        snprintf(out, size, "%s:%d", ip, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const void *)ss;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        port = ntohs(s->sin6_port);
        snprintf(out, size, "%s:%d", ip, port);
    } else {
        snprintf(out, size, "?:0");
    }
}

/* Opens a listening socket on addr:port. Returns the fd or -1 (errno). */
static int listen_on(const char *addr, int port)
{
    int v6 = strchr(addr, ':') != NULL;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    if (v6) {
        struct sockaddr_in6 *s = (void *)&ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons((uint16_t)port);
        const char *a = strcmp(addr, "::*") == 0 ? "::" : addr;
        if (inet_pton(AF_INET6, a, &s->sin6_addr) != 1) {
            errno = EINVAL;
            return -1;
        }
        len = sizeof(*s);
    } else {
        struct sockaddr_in *s = (void *)&ss;
        s->sin_family = AF_INET;
        s->sin_port = htons((uint16_t)port);
        const char *a = strcmp(addr, "*") == 0 ? "0.0.0.0" : addr;
        if (strcmp(a, "localhost") == 0) a = "127.0.0.1";
        if (inet_pton(AF_INET, a, &s->sin_addr) != 1) {
            errno = EINVAL;
            return -1;
        }
        len = sizeof(*s);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, cfg.tcp_backlog) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const void *)ss;
        return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const void *)ss;
        return IN6_IS_ADDR_LOOPBACK(&s->sin6_addr);
    }
    return 1;
}

static void reject(int fd, const char *msg)
{
    ssize_t n = write(fd, msg, strlen(msg));
    (void)n;
    close(fd);
}

/* Protected mode applies while the default user needs no password (it is
 * `nopass`, whether through requirepass or ACL SETUSER default). */
static int default_user_has_password(void)
{
    return !acl_default_nopass();
}

/* Redis 7.0's reply to a client refused by protected mode, word for word but
 * for the server's name (clients and scripts match on the DENIED code). */
static const char protected_msg[] =
    "-DENIED kvik is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to kvik you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to kvik from the "
    "same host the server is running, however MAKE SURE kvik is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the kvik configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    "to do one of the above things in order for the server to start accepting connections "
    "from the outside.\r\n";

/* ---- balancing: an accepted connection goes to the worker with the fewest
 * clients. EPOLLEXCLUSIVE wakes the first idle worker, so connections opened
 * while the server is idle (a pool, 100 subscribers) would otherwise all land
 * on one worker. The fd is handed over through the target's inbox; it joins
 * that worker's epoll there. */

typedef struct adopt {
    int fd;
    const listener_kind *kind;
    char addr[64], laddr[64];
} adopt;

/* Makes the client for an accepted socket on worker w. */
static void start_client(worker *w, const listener_kind *kind, int fd, const char *addr,
                         const char *laddr)
{
    conn *cn = kind->wrap(fd);
    if (!cn) {
        log_warning("Error accepting a %s connection from %s", kind->what, addr);
        close(fd);
        atomic_fetch_sub(&srv.nclients, 1);
        return;
    }
    client_new(w, cn, addr, laddr, kind->proto);
}

static void adopt_task(worker *w, void *arg)
{
    adopt *a = arg;
    start_client(w, a->kind, a->fd, a->addr, a->laddr);
    mem_free(a);
}

/* Client counts per worker, counting connections handed over but not yet
 * adopted (the caller adds its own assignments). */
static void load_snapshot(int *counts)
{
    pthread_mutex_lock(&srv.clients_lock);
    for (int i = 0; i < srv.nworkers; i++) counts[i] = srv.workers[i].nclients;
    pthread_mutex_unlock(&srv.clients_lock);
}

static worker *pick_worker(worker *self, int *counts)
{
    int best = self->id;
    for (int i = 0; i < srv.nworkers; i++)
        if (counts[i] < counts[best]) best = i;
    counts[best]++;
    return &srv.workers[best];
}

static void on_accept(loop *l, loop_handle *h, int events)
{
    listener *li = h->priv;
    worker *w = li->w;
    (void)l;
    (void)events;
    int counts_stack[64];
    int *counts = srv.nworkers <= 64 ? counts_stack : NULL;
    if (counts) load_snapshot(counts);
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = accept4(h->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                /* e.g. EMFILE: at most one line a second, not one per wake */
                static _Atomic uint64_t last_warn;
                uint64_t now = now_ms();
                if (now - atomic_load(&last_warn) >= 1000) {
                    atomic_store(&last_warn, now);
                    log_warning("accept: %s", strerror(errno));
                }
            }
            return;
        }
        counter_add(&w->stats->conns_received, 1);
        if (atomic_load(&srv.nclients) >= cfg.maxclients) {
            counter_add(&w->stats->rejected_conns, 1);
            reject(fd, "-ERR max number of clients reached\r\n");
            continue;
        }
        if (cfg.protected_mode && !default_user_has_password() && !is_loopback(&ss)) {
            counter_add(&w->stats->rejected_conns, 1);
            reject(fd, protected_msg);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (cfg.tcp_keepalive > 0) setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        char addr[64], laddr[64];
        format_addr(&ss, addr, sizeof(addr));
        struct sockaddr_storage ls;
        socklen_t llen = sizeof(ls);
        if (getsockname(fd, (struct sockaddr *)&ls, &llen) == 0)
            format_addr(&ls, laddr, sizeof(laddr));
        else
            snprintf(laddr, sizeof(laddr), "?:0");
        atomic_fetch_add(&srv.nclients, 1);
        worker *to = counts ? pick_worker(w, counts) : w;
        if (to == w) {
            start_client(w, li->kind, fd, addr, laddr);
        } else {
            adopt *a = mem_alloc(sizeof(*a));
            a->fd = fd;
            a->kind = li->kind;
            memcpy(a->addr, addr, sizeof(a->addr));
            memcpy(a->laddr, laddr, sizeof(a->laddr));
            worker_post(to, adopt_task, a);
        }
    }
}

/* The kinds of listening ports. A transport or protocol adds a line here
 * (TLS: net/tls.c, native protocol: proto/native.c). */
static int tcp_port(void)
{
    return cfg.port;
}

static int tls_port(void)
{
    return cfg.tls_port;
}

static int tls_native_port(void)
{
    return cfg.tls_native_port;
}

static const listener_kind listener_kinds[] = {
    {"TCP", tcp_port, conn_tcp_new, PROTO_RESP},
    {"TLS", tls_port, conn_tls_new, PROTO_RESP},
    {"native TLS", tls_native_port, conn_tls_new, PROTO_NATIVE},
    {"native", native_srv_port, conn_tcp_new, PROTO_NATIVE},
};
#define NKINDS (int)(sizeof(listener_kinds) / sizeof(listener_kinds[0]))

/* Opens every bind address once per enabled kind; every worker watches each
 * listening socket (EPOLLEXCLUSIVE: one worker is woken per connection, and a
 * busy worker is not waiting, so idle ones take new clients). Addresses
 * starting with '-' are optional (skipped if unavailable). Returns 0 or -1
 * after logging. */
static int open_listeners(void)
{
    int fds[NKINDS][CFG_MAX_BIND], nfd[NKINDS] = {0}, total = 0;
    for (int k = 0; k < NKINDS; k++) {
        const listener_kind *kind = &listener_kinds[k];
        int port = kind->port();
        if (port == 0) continue;
        for (int b = 0; b < cfg.nbind; b++) {
            const char *a = cfg.bind[b];
            int optional = a[0] == '-';
            if (optional) a++;
            int fd = listen_on(a, port);
            if (fd < 0) {
                if (optional) continue;
                log_warning("Could not create server %s listening socket %s:%d: %s", kind->what,
                            a, port, strerror(errno));
                return -1;
            }
            fds[k][nfd[k]++] = fd;
        }
        if (nfd[k] == 0) {
            log_warning("Failed listening on %s port %d (no bind address available)", kind->what,
                        port);
            return -1;
        }
        total += nfd[k];
    }
    for (int i = 0; i < srv.nworkers; i++) {
        worker *w = &srv.workers[i];
        w->listen = mem_calloc(sizeof(listener) * (size_t)(total ? total : 1));
        for (int k = 0; k < NKINDS; k++) {
            for (int j = 0; j < nfd[k]; j++) {
                listener *li = &w->listen[w->nlisten++];
                li->w = w;
                li->kind = &listener_kinds[k];
                li->h.fd = fds[k][j];
                li->h.fn = on_accept;
                li->h.priv = li;
                li->h.mask = 0;
                loop_watch(w->loop, &li->h, LOOP_READ | LOOP_EXCLUSIVE);
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- inbox */

static void on_wake(loop *l, loop_handle *h, int events)
{
    worker *w = h->priv;
    (void)l;
    (void)events;
    uint64_t v;
    ssize_t n = read(h->fd, &v, sizeof(v));
    (void)n;
    pthread_mutex_lock(&w->inbox_lock);
    task *t = w->inbox;
    w->inbox = NULL;
    pthread_mutex_unlock(&w->inbox_lock);
    /* Run in posting order. */
    task *rev = NULL;
    while (t) {
        task *next = t->next;
        t->next = rev;
        rev = t;
        t = next;
    }
    while (rev) {
        task *next = rev->next;
        rev->fn(w, rev->arg);
        mem_free(rev);
        rev = next;
    }
}

void worker_post(worker *w, void (*fn)(worker *, void *), void *arg)
{
    task *t = mem_alloc(sizeof(*t));
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&w->inbox_lock);
    t->next = w->inbox;
    w->inbox = t;
    pthread_mutex_unlock(&w->inbox_lock);
    uint64_t one = 1;
    ssize_t n = write(w->wake_h.fd, &one, sizeof(one));
    (void)n;
}

/* ---------------------------------------------------------------- loop */

/* Busy polling only pays while each worker has a core to itself: with more
 * workers than the CPUs the process may run on, a polling worker would take
 * time from another (docs/architecture.md, Threads). */
static int poll_cores_ok;

static void check_poll_cores(int nworkers)
{
    cpu_set_t set;
    int cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
    poll_cores_ok = nworkers <= cpus;
}

static void before_sleep(loop *l, void *priv)
{
    worker *w = priv;
    if (w->blocked) {
        uint64_t next = blocking_check_timeouts(w);
        if (next) {
            uint64_t now = now_ms();
            loop_wake_in(l, next > now ? next - now : 0);
        }
    }
    aof_kick(); /* one log write and fsync for all this pass's commands */
    acl_quiescent(w->id); /* every command of this pass is done with its ACL version */
    client_flush_pending(w);
    client_free_closed(w);
    loop_set_busy_poll(l, poll_cores_ok ? (unsigned)cfg.busy_poll_us : 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    w->now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void cron(loop *l, void *priv)
{
    worker *w = priv;
    (void)l;
    int hz = cfg.hz > 0 ? cfg.hz : 10;
    if (atomic_load(&srv.active_expire_enabled))
        ks_active_expire(w->id, srv.nworkers, (uint64_t)(250000 / hz));
    ks_rehash_some(w->id, srv.nworkers, 1000);
    client_cron(w);
    if (w->id == 0) {
        mem_peak_update(); /* INFO used_memory_peak, MEMORY STATS peak.allocated */
        snapshot_cron();
        aof_cron();
    }
}

static void stop_task(worker *w, void *arg)
{
    (void)arg;
    loop_stop(w->loop);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    char name[16];
    snprintf(name, sizeof(name), "kvik-w%d", w->id);
    pthread_setname_np(pthread_self(), name);
    loop_run(w->loop);
    /* Close what is left: listeners and clients. */
    for (int i = 0; i < w->nlisten; i++) loop_watch(w->loop, &w->listen[i].h, 0);
    for (client *c = w->clients; c; c = c->next) client_close(c);
    client_flush_pending(w);
    client_free_closed(w);
    buf_free(&w->rbuf);
    return NULL;
}

int workers_start(int n)
{
    srv.nworkers = n;
    check_poll_cores(n);
    srv.workers = mem_calloc(sizeof(worker) * (size_t)n);
    int ids = cmd_total_ids();
    for (int i = 0; i < n; i++) {
        worker *w = &srv.workers[i];
        w->id = i;
        w->loop = loop_new();
        if (!w->loop) {
            log_warning("epoll_create: %s", strerror(errno));
            return -1;
        }
        pthread_mutex_init(&w->inbox_lock, NULL);
        w->wake_h.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        w->wake_h.fn = on_wake;
        w->wake_h.priv = w;
        loop_watch(w->loop, &w->wake_h, LOOP_READ);
        w->cmdstats = mem_calloc(sizeof(cmd_stat) * (size_t)(ids ? ids : 1));
        w->stats = mem_calloc(sizeof(worker_stats));
        int hz = cfg.hz > 0 ? cfg.hz : 10;
        loop_set_cron(w->loop, 1000 / hz, cron, w);
        loop_set_before_sleep(w->loop, before_sleep, w);
    }
    pubsub_init();
    monitor_init();
    if (open_listeners() < 0) return -1;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&srv.workers[i].tid, NULL, worker_main, &srv.workers[i]) != 0) {
            log_warning("cannot start worker thread: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

void workers_stop(void)
{
    for (int i = 0; i < srv.nworkers; i++) worker_post(&srv.workers[i], stop_task, NULL);
    for (int i = 0; i < srv.nworkers; i++) pthread_join(srv.workers[i].tid, NULL);
}

worker *worker_self(void)
{
    pthread_t me = pthread_self();
    for (int i = 0; i < srv.nworkers; i++)
        if (pthread_equal(srv.workers[i].tid, me)) return &srv.workers[i];
    return NULL;
}
