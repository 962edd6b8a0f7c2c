/* tools/kvik-benchmark.c — a load generator for kvik (and any RESP server).
 *
 * Design. --threads T threads each drive their share of the -c connections
 * with one epoll loop. A connection is set up by libkvik (connect, HELLO or
 * the native Hello, AUTH), then its socket is made non-blocking and driven
 * here directly: a batch of -P requests is encoded into one buffer and
 * written with one write(); replies are counted by a parser that only skips
 * over them (RESP) or reads a frame's first bytes (native). A new batch goes
 * out as soon as the last reply of the previous one is in. Latency is the
 * time from a batch's write to each of its replies, kept in a log-linear
 * histogram (HDR-style: 1/1024 relative precision) per thread.
 *
 * Over TLS, libkvik owns the encrypted stream, so connections are driven with
 * its blocking calls instead (each thread sends a batch on every one of its
 * connections, then reads them back): correct, not as fast.
 *
 *   per connection:   [ batch of P commands ] --write--> server
 *                     <--replies-- counted; latency = now - batch start
 *
 * Tests: named ones run one after another (-t set,get,incr) like
 * redis-benchmark; a weighted mix (-t set:3,get:7) runs as one test whose
 * requests pick a command at random with those weights.
 *
 * Pub/sub (--pubsub S): S subscriber connections SUBSCRIBE to --channels
 * channels; --publishers M connections PUBLISH -d byte messages (pipelined
 * -P). Each message carries its send time, so a subscriber measures delivery
 * latency; the run ends when every delivery counted by PUBLISH's replies has
 * arrived (or 10 s after the last publish).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "lib/kvik.h"
#include "proto/native.h"

#define BENCH_VERSION "0.1.0"
#define MAX_ARGS 32
#define MSET_KEYS 10

/* ---- configuration -------------------------------------------------------- */

enum {
    T_PING,
    T_SET,
    T_GET,
    T_INCR,
    T_LPUSH,
    T_RPUSH,
    T_LPOP,
    T_RPOP,
    T_SADD,
    T_HSET,
    T_SPOP,
    T_ZADD,
    T_MSET,
    T_PUBLISH,
    T_COUNT
};
static const char *const test_names[T_COUNT] = {
    "ping", "set",  "get",  "incr", "lpush", "rpush", "lpop",
    "rpop", "sadd", "hset", "spop", "zadd",  "mset",  "publish",
};

typedef struct mix {
    int weight[T_COUNT];
    int total;
    char label[128];
} mix;

static struct {
    kvik_options o;
    int clients, threads, pipeline;
    long long requests;
    double duration;
    long long keyspace;
    size_t dsize;
    int compressible;
    int sequential;  /* keys 0, 1, 2 ... instead of random */
    int compression; /* what we send on the native protocol */
    size_t compress_min;
    int csv, quiet, use_lib;
    mix runs[T_COUNT];
    int nruns;
    int subs, pubs, channels;
} cfg;

/* ---- time and histogram --------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Values in units of 100 ns: exact below 2048, then 1024 steps per power of
 * two. 40 powers cover far more than any run. */
#define H_UNIT 100
#define H_LINEAR 2048
#define H_SUB 1024
#define H_BUCKETS (H_LINEAR + 40 * H_SUB)

static int hist_index(uint64_t ns)
{
    uint64_t v = ns / H_UNIT;
    if (v < H_LINEAR) return (int)v;
    int b = 63 - __builtin_clzll(v);
    int shift = b - 10;
    int idx = H_LINEAR + (shift - 1) * H_SUB + (int)((v >> shift) - H_SUB);
    return idx < H_BUCKETS ? idx : H_BUCKETS - 1;
}

/* The middle of bucket idx, in ns. */
static double hist_value(int idx)
{
    if (idx < H_LINEAR) return ((double)idx + 0.5) * H_UNIT;
    int shift = (idx - H_LINEAR) / H_SUB + 1;
    double lo = (double)((uint64_t)((idx - H_LINEAR) % H_SUB + H_SUB) << shift);
    return (lo + (double)(1u << shift) / 2) * H_UNIT;
}

typedef struct hist {
    uint64_t *n;
    uint64_t count, max_ns;
    double sum_ns;
} hist;

static void hist_init(hist *h)
{
    h->n = calloc(H_BUCKETS, sizeof(uint64_t));
    if (!h->n) abort();
    h->count = h->max_ns = 0;
    h->sum_ns = 0;
}

static inline void hist_add(hist *h, uint64_t ns)
{
    h->n[hist_index(ns)]++;
    h->count++;
    h->sum_ns += (double)ns;
    if (ns > h->max_ns) h->max_ns = ns;
}

static void hist_merge(hist *into, const hist *h)
{
    for (int i = 0; i < H_BUCKETS; i++)
        into->n[i] += h->n[i];
    into->count += h->count;
    into->sum_ns += h->sum_ns;
    if (h->max_ns > into->max_ns) into->max_ns = h->max_ns;
}

/* The q-quantile (0..1) in ms. */
static double hist_quantile_ms(const hist *h, double q)
{
    if (!h->count) return 0;
    uint64_t want = (uint64_t)ceil(q * (double)h->count);
    if (want == 0) want = 1;
    uint64_t seen = 0;
    for (int i = 0; i < H_BUCKETS; i++) {
        seen += h->n[i];
        if (seen >= want) return hist_value(i) / 1e6;
    }
    return (double)h->max_ns / 1e6;
}

/* ---- values and keys ------------------------------------------------------ */

static char *value_pool; /* 2 x dsize bytes; a value starts at a random offset */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Incompressible: random bytes. Compressible: words of a small vocabulary in
 * a JSON-like shape, which general-purpose compressors shrink 3-6x. */
static void make_values(void)
{
    size_t n = cfg.dsize * 2 + 64;
    value_pool = malloc(n);
    if (!value_pool) abort();
    uint64_t s = 0x9e3779b97f4a7c15ull;
    if (!cfg.compressible) {
        for (size_t i = 0; i < n; i++)
            value_pool[i] = (char)(rng_next(&s) >> 24);
        return;
    }
    static const char *const words[] = {
        "\"id\":",
        "\"name\":",
        "\"user\"",
        "\"email\":",
        "\"active\":true,",
        "\"score\":",
        "\"tags\":[",
        "\"alpha\",",
        "\"beta\",",
        "\"gamma\"],",
        "\"created\":",
        "\"2026-12-06\",",
        "{",
        "},",
        "\"status\":\"ok\",",
        "\"region\":\"eu-west\",",
        "\"items\":[",
        "],",
        "\"price\":",
        "\"currency\":\"EUR\",",
        "\"qty\":",
        "\"city\":\"Lyon\",",
        "null,",
        "\"description\":\"a value that repeats like real data does\",",
    };
    size_t nw = sizeof(words) / sizeof(words[0]), i = 0;
    while (i < n) {
        const char *w = words[rng_next(&s) % nw];
        char num[24];
        int k = snprintf(num, sizeof(num), "%u,", (unsigned)(rng_next(&s) % 100000));
        for (const char *p = w; *p && i < n; p++)
            value_pool[i++] = *p;
        if (rng_next(&s) % 2)
            for (int j = 0; j < k && i < n; j++)
                value_pool[i++] = num[j];
    }
}

static const char *value_at(uint64_t *rng)
{
    return value_pool + rng_next(rng) % (cfg.dsize + 1);
}

static void put_key(char *dst, const char *prefix, uint64_t n)
{
    size_t pl = strlen(prefix);
    memcpy(dst, prefix, pl);
    for (int i = 11; i >= 0; i--) {
        dst[pl + (size_t)i] = (char)('0' + n % 10);
        n /= 10;
    }
    dst[pl + 12] = 0;
}

/* ---- commands ------------------------------------------------------------- */

typedef struct cmd {
    int argc;
    const char *argv[MAX_ARGS];
    size_t lens[MAX_ARGS];
    char keys[MSET_KEYS][32];
    char ts[32];
    char *msg; /* a pub/sub message being built (owned) */
    size_t msg_cap;
} cmd;

static _Atomic uint64_t next_key; /* --sequential */

static uint64_t key_number(uint64_t *rng)
{
    if (cfg.keyspace <= 0) return 0;
    if (cfg.sequential)
        return atomic_fetch_add_explicit(&next_key, 1, memory_order_relaxed) %
               (uint64_t)cfg.keyspace;
    return rng_next(rng) % (uint64_t)cfg.keyspace;
}

static void arg(cmd *c, const char *s, size_t n)
{
    c->argv[c->argc] = s;
    c->lens[c->argc++] = n;
}

static void args_str(cmd *c, const char *s)
{
    arg(c, s, strlen(s));
}

/* A pub/sub message: its send time in ns (20 digits), then filler. */
/* Channel names, written once before any thread starts. */
#define MAX_CHANNELS 64
static char channel_names[MAX_CHANNELS][32];

static void make_channel_names(void)
{
    for (int i = 0; i < MAX_CHANNELS; i++)
        snprintf(channel_names[i], sizeof(channel_names[i]), "bench-channel-%d", i);
}

static void publish_args(cmd *c, uint64_t *rng, int channel)
{
    args_str(c, "PUBLISH");
    args_str(c, channel_names[channel % MAX_CHANNELS]);
    const char *v = value_at(rng);
    if (cfg.dsize >= 20) {
        /* the timestamp replaces the first 20 bytes of a copy of the value */
        if (c->msg_cap < cfg.dsize) {
            free(c->msg);
            c->msg = malloc(cfg.dsize);
            if (!c->msg) abort();
            c->msg_cap = cfg.dsize;
        }
        memcpy(c->msg, v, cfg.dsize);
        snprintf(c->ts, sizeof(c->ts), "%020" PRIu64, now_ns());
        memcpy(c->msg, c->ts, 20);
        v = c->msg;
    }
    arg(c, v, cfg.dsize);
}

static void make_cmd(cmd *c, int test, uint64_t *rng, int channel)
{
    c->argc = 0;
    char *k = c->keys[0];
    switch (test) {
    case T_PING:
        args_str(c, "PING");
        return;
    case T_SET:
    case T_GET:
    case T_INCR:
        args_str(c, test == T_SET ? "SET" : test == T_GET ? "GET" : "INCR");
        put_key(k, test == T_INCR ? "counter:" : "key:", key_number(rng));
        args_str(c, k);
        if (test == T_SET) arg(c, value_at(rng), cfg.dsize);
        return;
    case T_LPUSH:
    case T_RPUSH:
        args_str(c, test == T_LPUSH ? "LPUSH" : "RPUSH");
        args_str(c, "mylist");
        arg(c, value_at(rng), cfg.dsize);
        return;
    case T_LPOP:
        args_str(c, "LPOP");
        args_str(c, "mylist");
        return;
    case T_RPOP:
        args_str(c, "RPOP");
        args_str(c, "mylist");
        return;
    case T_SPOP:
        args_str(c, "SPOP");
        args_str(c, "myset");
        return;
    case T_SADD:
    case T_HSET:
    case T_ZADD:
        args_str(c, test == T_SADD ? "SADD" : test == T_HSET ? "HSET" : "ZADD");
        args_str(c, test == T_SADD ? "myset" : test == T_HSET ? "myhash" : "myzset");
        put_key(k, "element:", key_number(rng));
        if (test == T_ZADD) args_str(c, "0");
        args_str(c, k);
        if (test == T_HSET) arg(c, value_at(rng), cfg.dsize);
        return;
    case T_MSET:
        args_str(c, "MSET");
        for (int i = 0; i < MSET_KEYS; i++) {
            put_key(c->keys[i], "key:", key_number(rng));
            args_str(c, c->keys[i]);
            arg(c, value_at(rng), cfg.dsize);
        }
        return;
    case T_PUBLISH:
        publish_args(c, rng, channel);
        return;
    }
}

/* Appends "<c><n>\r\n" (a RESP header) without printf. */
static void resp_header(buf *b, char c, size_t n)
{
    char tmp[24];
    int i = sizeof(tmp);
    tmp[--i] = '\n';
    tmp[--i] = '\r';
    do {
        tmp[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    tmp[--i] = c;
    buf_append(b, tmp + i, sizeof(tmp) - (size_t)i);
}

static void resp_encode(buf *b, const cmd *c)
{
    resp_header(b, '*', (size_t)c->argc);
    for (int i = 0; i < c->argc; i++) {
        resp_header(b, '$', c->lens[i]);
        buf_append(b, c->argv[i], c->lens[i]);
        buf_append(b, "\r\n", 2);
    }
}

static void put_varint(buf *b, uint64_t v)
{
    while (v >= 0x80) {
        buf_putc(b, (char)(v | 0x80));
        v >>= 7;
    }
    buf_putc(b, (char)v);
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* ClientMessage{ request (2) = Request{ argv (1) repeated bytes } } in a
 * frame, compressed with cfg.compression above cfg.compress_min. */
static void native_encode(buf *b, const cmd *c, buf *scratch)
{
    size_t inner = 0;
    for (int i = 0; i < c->argc; i++)
        inner += 1 + varint_len(c->lens[i]) + c->lens[i];
    scratch->len = 0;
    buf_putc(scratch, 0x12);
    put_varint(scratch, inner);
    for (int i = 0; i < c->argc; i++) {
        buf_putc(scratch, 0x0a);
        put_varint(scratch, c->lens[i]);
        buf_append(scratch, c->argv[i], c->lens[i]);
    }
    native_frame_write(b, (const uint8_t *)scratch->p, scratch->len, cfg.compression,
                       cfg.compress_min);
}

/* ---- reply scanning ------------------------------------------------------- */

typedef struct scan {
    int is_error;
    int has_int;
    long long integer;
    const char *last_bulk; /* the last bulk string of the reply */
    size_t last_bulk_len;
} scan;

static long long parse_ll(const char *p, const char *end, const char **after)
{
    int neg = 0;
    long long v = 0;
    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }
    while (p < end && *p >= '0' && *p <= '9')
        v = v * 10 + (*p++ - '0');
    *after = p;
    return neg ? -v : v;
}

/* Skips one RESP2/RESP3 reply in p[0..len): bytes used, 0 if incomplete, -1
 * if malformed. */
static long resp_skip(const char *p, size_t len, scan *s, int depth)
{
    const char *end = p + len;
    const char *nl = memchr(p, '\n', len);
    if (!nl) return 0;
    if (depth > 64) return -1;
    const char *after;
    long long n;
    switch (p[0]) {
    case '-':
    case '!':
        if (depth == 0) s->is_error = 1;
        /* fallthrough */
    case '+':
    case ',':
    case '#':
    case '(':
    case '_':
        return nl + 1 - p;
    case ':':
        s->integer = parse_ll(p + 1, nl, &after);
        s->has_int = depth == 0;
        return nl + 1 - p;
    case '$':
    case '=':
        n = parse_ll(p + 1, nl, &after);
        if (n < 0) return nl + 1 - p;
        if ((size_t)(end - (nl + 1)) < (size_t)n + 2) return 0;
        s->last_bulk = nl + 1;
        s->last_bulk_len = (size_t)n;
        return nl + 1 + n + 2 - p;
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
        n = parse_ll(p + 1, nl, &after);
        if (p[0] == '%' || p[0] == '|') n *= 2;
        const char *q = nl + 1;
        for (long long i = 0; i < n; i++) {
            long r = resp_skip(q, (size_t)(end - q), s, depth + 1);
            if (r <= 0) return r;
            q += r;
        }
        if (p[0] == '|') { /* attributes precede the real reply */
            long r = resp_skip(q, (size_t)(end - q), s, depth);
            if (r <= 0) return r;
            q += r;
        }
        return q - p;
    }
    default:
        return -1;
    }
}

static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 0;
    }
    return -1;
}

/* Looks into a Value: error (field 2), integer (field 3, zigzag). */
static void native_value(const uint8_t *p, const uint8_t *end, scan *s)
{
    uint64_t v;
    if (p >= end) return;
    uint8_t tag = *p++;
    if (tag == 0x12)
        s->is_error = 1;
    else if (tag == 0x18 && get_varint(&p, end, &v) == 0) {
        s->has_int = 1;
        s->integer = (long long)(v >> 1) ^ -(long long)(v & 1);
    }
}

/* Finds the last bulk (field 4) of a push Aggregate: a message's payload. */
static void native_push(const uint8_t *p, const uint8_t *end, scan *s)
{
    uint64_t len;
    while (p < end && *p == 0x0a) {
        p++;
        if (get_varint(&p, end, &len) != 0 || len > (uint64_t)(end - p)) return;
        const uint8_t *val = p, *vend = p + len;
        p = vend;
        uint64_t bl;
        if (val < vend && *val == 0x22) {
            val++;
            if (get_varint(&val, vend, &bl) == 0 && bl <= (uint64_t)(vend - val)) {
                s->last_bulk = (const char *)val;
                s->last_bulk_len = (size_t)bl;
            }
        }
    }
}

/* A ServerMessage: 1 reply, 2 push, 0 other. */
static int native_message(const uint8_t *p, size_t len, scan *s)
{
    const uint8_t *end = p + len;
    uint64_t l;
    if (len < 1) return 0;
    uint8_t tag = *p++;
    if (get_varint(&p, end, &l) != 0 || l > (uint64_t)(end - p)) return 0;
    if (tag == 0x12) {
        native_value(p, p + l, s);
        return 1;
    }
    if (tag == 0x1a) {
        native_push(p, p + l, s);
        return 2;
    }
    return 0;
}

/* ---- connections and workers ---------------------------------------------- */

enum { ROLE_REQUESTS, ROLE_SUBSCRIBER };

typedef struct conn {
    kvik *k;
    int fd;
    int role;
    int channel;
    buf out;
    size_t out_off;
    int writing; /* EPOLLOUT armed */
    buf in;
    size_t in_off;
    int inflight;
    int finished;
    uint64_t t0;
    uint64_t rng;
    struct worker *w;
} conn;

typedef struct worker {
    pthread_t th;
    int id;
    conn *conns;
    int nconns;
    int live;  /* requesting connections not finished */
    int nsubs; /* subscribing connections */
    int ep;
    const mix *m;
    hist lat, delivery;
    uint64_t done, errors, delivered, expected;
    uint64_t bytes_out, bytes_in;
    buf scratch, decomp;
    cmd c;
    int failed;
    char err[256];
} worker;

static _Atomic long long issued;      /* requests claimed so far (-n) */
static _Atomic int stop_all;          /* end now (signal, drain done, failure) */
static _Atomic int active_requesters; /* connections still sending */
static _Atomic long long delivered_total, expected_total;
static uint64_t deadline_ns;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
    atomic_store(&stop_all, 1);
}

static int pick_test(const mix *m, uint64_t *rng)
{
    if (m->total <= 0) return T_PING;
    int r = (int)(rng_next(rng) % (uint64_t)m->total);
    for (int t = 0; t < T_COUNT; t++) {
        if (r < m->weight[t]) return t;
        r -= m->weight[t];
    }
    return T_PING;
}

/* How many requests the next batch may carry: 0 when the run is over. */
static int claim(uint64_t now)
{
    if (atomic_load_explicit(&stop_all, memory_order_relaxed)) return 0;
    if (cfg.duration > 0) return now < deadline_ns ? cfg.pipeline : 0;
    long long got = atomic_fetch_add(&issued, cfg.pipeline);
    if (got >= cfg.requests) return 0;
    long long left = cfg.requests - got;
    return left < cfg.pipeline ? (int)left : cfg.pipeline;
}

static void encode_one(worker *w, conn *c, buf *b)
{
    if (cfg.o.protocol == KVIK_NATIVE)
        native_encode(b, &w->c, &w->scratch);
    else
        resp_encode(b, &w->c);
}

static void set_events(conn *c, int out)
{
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0u), .data.ptr = c};
    epoll_ctl(c->w->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->writing = out;
}

static int flush_out(conn *c)
{
    while (c->out_off < c->out.len) {
        ssize_t n = write(c->fd, c->out.p + c->out_off, c->out.len - c->out_off);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                if (!c->writing) set_events(c, 1);
                return 0;
            }
            return -1;
        }
        c->out_off += (size_t)n;
        c->w->bytes_out += (uint64_t)n;
    }
    c->out.len = c->out_off = 0;
    if (c->writing) set_events(c, 0);
    return 0;
}

static void finish_conn(conn *c)
{
    if (c->finished) return;
    c->finished = 1;
    c->w->live--;
    atomic_fetch_sub(&active_requesters, 1);
}

/* Queues and writes the next batch of a requesting connection. */
static int next_batch(conn *c, uint64_t now)
{
    worker *w = c->w;
    int n = claim(now);
    if (n == 0) {
        finish_conn(c);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        int t = pick_test(w->m, &c->rng);
        make_cmd(&w->c, t, &c->rng, c->channel);
        encode_one(w, c, &c->out);
    }
    c->inflight = n;
    c->t0 = now_ns(); /* after encoding: latency is the server's and the network's */
    return flush_out(c);
}

/* Accounts one reply (or pushed message) to its connection. */
static void got_reply(conn *c, const scan *s, int push, uint64_t now)
{
    worker *w = c->w;
    if (c->role == ROLE_SUBSCRIBER || push) {
        w->delivered++;
        if (s->last_bulk && s->last_bulk_len >= 20 && cfg.dsize >= 20) {
            const char *after;
            long long t = parse_ll(s->last_bulk, s->last_bulk + 20, &after);
            if (after == s->last_bulk + 20 && (uint64_t)t <= now)
                hist_add(&w->delivery, now - (uint64_t)t);
        }
        return;
    }
    if (c->inflight <= 0) return; /* not ours: ignore */
    c->inflight--;
    w->done++;
    if (s->is_error) w->errors++;
    if (s->has_int && w->m->weight[T_PUBLISH] && s->integer > 0) {
        w->expected += (uint64_t)s->integer;
        atomic_fetch_add(&expected_total, s->integer);
    }
    hist_add(&w->lat, now - c->t0);
}

/* Consumes every complete reply in c->in. -1 on malformed input. */
static int parse_input(conn *c, uint64_t now)
{
    worker *w = c->w;
    for (;;) {
        const char *p = c->in.p + c->in_off;
        size_t len = c->in.len - c->in_off;
        if (!len) break;
        scan s = {0};
        if (cfg.o.protocol == KVIK_NATIVE) {
            native_frame f;
            char err[128];
            int r =
                native_frame_parse((const uint8_t *)p, len, NATIVE_MAX_PAYLOAD, &f, err);
            if (r == NATIVE_AGAIN) break;
            if (r != NATIVE_OK) return -1;
            const uint8_t *pl = f.payload;
            size_t pn = f.len;
            if (f.compression != NATIVE_NONE) {
                if (native_decompress(&f, 1u << 30, &w->decomp, err) != NATIVE_OK)
                    return -1;
                pl = (const uint8_t *)w->decomp.p;
                pn = w->decomp.len;
            }
            int kind = native_message(pl, pn, &s);
            if (kind) got_reply(c, &s, kind == 2, now);
            c->in_off += f.frame_len;
        } else {
            long r = resp_skip(p, len, &s, 0);
            if (r == 0) break;
            if (r < 0) return -1;
            got_reply(c, &s, p[0] == '>', now);
            c->in_off += (size_t)r;
        }
    }
    if (c->in_off == c->in.len)
        c->in.len = c->in_off = 0;
    else if (c->in_off > (1u << 20)) {
        buf_consume(&c->in, c->in_off);
        c->in_off = 0;
    }
    return 0;
}

static int read_input(conn *c, uint64_t now)
{
    for (;;) {
        buf_reserve(&c->in, 64 * 1024);
        ssize_t n = read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return 0;
            return -1;
        }
        if (n == 0) return -1;
        c->in.len += (size_t)n;
        c->w->bytes_in += (uint64_t)n;
        now = now_ns(); /* the wake-up time would flatter later connections */
        if (parse_input(c, now) != 0) return -1;
        if ((size_t)n < 64 * 1024) return 0;
    }
}

static void fail(worker *w, const char *what)
{
    if (!w->failed) snprintf(w->err, sizeof(w->err), "%s", what);
    w->failed = 1;
    atomic_store(&stop_all, 1);
}

/* A connection finishes only with nothing in flight; subscribers listen
 * until the run ends. */
static int worker_busy(worker *w)
{
    return w->live > 0 || (w->nsubs > 0 && !atomic_load(&stop_all));
}

static void *event_loop(void *arg)
{
    worker *w = arg;
    struct epoll_event evs[256];
    uint64_t now = now_ns();
    for (int i = 0; i < w->nconns; i++)
        if (w->conns[i].role == ROLE_REQUESTS && next_batch(&w->conns[i], now) != 0)
            fail(w, "write failed");
    uint64_t last_count = 0;
    while (!w->failed && worker_busy(w)) {
        int n = epoll_wait(w->ep, evs, 256, 50);
        now = now_ns();
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if ((evs[i].events & EPOLLOUT) && flush_out(c) != 0) fail(w, "write failed");
            if ((evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
                read_input(c, now) != 0)
                fail(w, "connection closed or bad reply");
            if (c->role == ROLE_REQUESTS && c->inflight == 0 && !c->finished &&
                next_batch(c, now) != 0)
                fail(w, "write failed");
        }
        /* a connection that stopped because of -n or the deadline and has
         * nothing in flight is done; one waiting for replies is not */
        for (int i = 0; i < w->nconns && n == 0; i++) {
            conn *c = &w->conns[i];
            if (c->role == ROLE_REQUESTS && c->inflight == 0 && !c->finished)
                next_batch(c, now);
        }
        if (w->delivered != last_count) {
            atomic_fetch_add(&delivered_total, (long long)(w->delivered - last_count));
            last_count = w->delivered;
        }
    }
    return NULL;
}

/* Over TLS: libkvik's blocking calls, a batch on every connection, then the
 * replies of each. */
static void *blocking_loop(void *arg)
{
    worker *w = arg;
    for (;;) {
        uint64_t now = now_ns();
        int sent = 0;
        for (int i = 0; i < w->nconns; i++) {
            conn *c = &w->conns[i];
            int n = claim(now);
            c->inflight = n;
            c->t0 = now;
            for (int j = 0; j < n; j++) {
                make_cmd(&w->c, pick_test(w->m, &c->rng), &c->rng, c->channel);
                if (kvik_send(c->k, w->c.argc, w->c.argv, w->c.lens) != 0) goto broken;
            }
            if (n && kvik_flush(c->k) != 0) goto broken;
            sent += n;
        }
        if (!sent) break;
        for (int i = 0; i < w->nconns; i++) {
            conn *c = &w->conns[i];
            while (c->inflight > 0) {
                kvik_reply *r = kvik_read(c->k);
                if (!r) goto broken;
                scan s = {.is_error = r->type == KVIK_ERROR,
                          .has_int = r->type == KVIK_INTEGER,
                          .integer = r->integer};
                got_reply(c, &s, 0, now_ns());
                kvik_reply_free(r);
            }
        }
    }
    for (int i = 0; i < w->nconns; i++) {
        kvik_stats st;
        kvik_get_stats(w->conns[i].k, &st);
        w->bytes_out += st.bytes_out;
        w->bytes_in += st.bytes_in;
    }
    return NULL;
broken:
    fail(w, "connection failed");
    return NULL;
}

/* ---- setting up a run ----------------------------------------------------- */

static kvik *open_conn(char *err, size_t errlen)
{
    return kvik_connect(&cfg.o, err, errlen);
}

static int make_nonblocking(conn *c, worker *w)
{
    /* from here on the socket is read directly: nothing may wait in libkvik */
    if (kvik_buffered(c->k) != 0) {
        errno = EPROTO;
        return -1;
    }
    c->fd = kvik_fd(c->k);
    int fl = fcntl(c->fd, F_GETFL);
    if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0) return -1;
    kvik_set_timeout(c->k, 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    return epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static int subscribe_conn(conn *c, char *err, size_t errlen)
{
    const char *ch = channel_names[c->channel % MAX_CHANNELS];
    kvik_reply *r = kvik_commandv(c->k, "SUBSCRIBE", ch, NULL);
    if (!r || r->type == KVIK_ERROR) {
        snprintf(err, errlen, "SUBSCRIBE: %s", r ? r->str : kvik_errstr(c->k));
        kvik_reply_free(r);
        return -1;
    }
    kvik_reply_free(r);
    return 0;
}

/* Distributes nreq requesting and nsub subscribing connections round-robin
 * over the workers and connects them. */
static worker *setup(int nreq, int nsub, const mix *m, int blocking)
{
    worker *ws = calloc((size_t)cfg.threads, sizeof(worker));
    if (!ws) abort();
    int total = nreq + nsub;
    for (int t = 0; t < cfg.threads; t++) {
        worker *w = &ws[t];
        w->id = t;
        w->m = m;
        w->conns = calloc((size_t)total / (size_t)cfg.threads + 1, sizeof(conn));
        w->ep = epoll_create1(0);
        hist_init(&w->lat);
        hist_init(&w->delivery);
    }
    for (int i = 0; i < total; i++) {
        worker *w = &ws[i % cfg.threads];
        conn *c = &w->conns[w->nconns++];
        char err[256];
        c->w = w;
        c->role = i < nreq ? ROLE_REQUESTS : ROLE_SUBSCRIBER;
        if (c->role == ROLE_REQUESTS)
            w->live++;
        else
            w->nsubs++;
        c->channel = i % (cfg.channels > 0 ? cfg.channels : 1);
        c->rng = 0x2545f4914f6cdd1dull * (uint64_t)(i + 1) + 12345;
        c->k = open_conn(err, sizeof(err));
        if (!c->k) {
            fprintf(stderr, "kvik-benchmark: cannot connect to %s:%d: %s\n", cfg.o.host,
                    cfg.o.port, err);
            exit(1);
        }
        if (c->role == ROLE_SUBSCRIBER && subscribe_conn(c, err, sizeof(err)) != 0) {
            fprintf(stderr, "kvik-benchmark: %s\n", err);
            exit(1);
        }
        if (!blocking && make_nonblocking(c, w) != 0) {
            perror("kvik-benchmark: setting up a connection");
            exit(1);
        }
    }
    atomic_store(&active_requesters, nreq);
    return ws;
}

static void teardown(worker *ws)
{
    for (int t = 0; t < cfg.threads; t++) {
        worker *w = &ws[t];
        for (int i = 0; i < w->nconns; i++) {
            kvik_close(w->conns[i].k);
            buf_free(&w->conns[i].out);
            buf_free(&w->conns[i].in);
        }
        free(w->conns);
        close(w->ep);
        free(w->lat.n);
        free(w->delivery.n);
        buf_free(&w->scratch);
        buf_free(&w->decomp);
        free(w->c.msg);
    }
    free(ws);
}

/* ---- reporting ------------------------------------------------------------ */

typedef struct result {
    const char *label;
    double seconds;
    uint64_t done, errors, delivered, expected;
    uint64_t bytes_out, bytes_in;
    hist lat, delivery;
} result;

static int csv_header_done;

static const char *proto_name(void)
{
    if (cfg.o.protocol == KVIK_NATIVE)
        return cfg.compression == NATIVE_NONE ? "native"
                                              : native_compression_name(cfg.compression);
    return cfg.o.resp == 3 ? "resp3" : "resp2";
}

static void report(const result *r, int pubsub)
{
    double ops = r->seconds > 0 ? (double)r->done / r->seconds : 0;
    double out_op = r->done ? (double)r->bytes_out / (double)r->done : 0;
    double in_op = r->done ? (double)r->bytes_in / (double)r->done : 0;
    double dps = r->seconds > 0 ? (double)r->delivered / r->seconds : 0;
    if (cfg.csv) {
        if (!csv_header_done) {
            printf("test,protocol,clients,threads,pipeline,value_size,requests,seconds,"
                   "ops_per_sec,"
                   "avg_ms,p50_ms,p99_ms,p999_ms,max_ms,bytes_out_per_op,bytes_in_per_op,"
                   "errors,"
                   "delivered,delivered_per_sec\n");
            csv_header_done = 1;
        }
        printf("\"%s\",%s,%d,%d,%d,%zu,%" PRIu64
               ",%.3f,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.1f,%.1f,%" PRIu64 ",%" PRIu64
               ",%.1f\n",
               r->label, proto_name(), cfg.clients, cfg.threads, cfg.pipeline, cfg.dsize,
               r->done, r->seconds, ops,
               r->lat.count ? r->lat.sum_ns / (double)r->lat.count / 1e6 : 0,
               hist_quantile_ms(&r->lat, 0.5), hist_quantile_ms(&r->lat, 0.99),
               hist_quantile_ms(&r->lat, 0.999), (double)r->lat.max_ns / 1e6, out_op,
               in_op, r->errors, r->delivered, dps);
        fflush(stdout);
        return;
    }
    if (cfg.quiet) {
        printf("%s: %.2f requests per second, p50=%.3f msec\n", r->label, ops,
               hist_quantile_ms(&r->lat, 0.5));
        if (pubsub) printf("%s: %.2f deliveries per second\n", r->label, dps);
        fflush(stdout);
        return;
    }
    printf("====== %s ======\n", r->label);
    printf("  %" PRIu64 " requests in %.3f s: %d clients, %d threads, pipeline %d, "
                        "%zu-byte values%s, %s\n",
           r->done, r->seconds, cfg.clients, cfg.threads, cfg.pipeline, cfg.dsize,
           cfg.compressible ? " (compressible)" : "", proto_name());
    printf("  throughput: %.1f ops/s\n", ops);
    printf("  latency ms: avg %.3f  p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
           r->lat.count ? r->lat.sum_ns / (double)r->lat.count / 1e6 : 0,
           hist_quantile_ms(&r->lat, 0.5), hist_quantile_ms(&r->lat, 0.99),
           hist_quantile_ms(&r->lat, 0.999), (double)r->lat.max_ns / 1e6);
    printf("  wire: %.1f bytes/op sent, %.1f bytes/op received\n", out_op, in_op);
    if (r->errors) printf("  errors: %" PRIu64 " error replies\n", r->errors);
    if (pubsub) {
        printf("  pub/sub: %d subscribers, %d publishers, %" PRIu64 " of %" PRIu64
               " deliveries arrived, %.1f deliveries/s\n",
               cfg.subs, cfg.pubs, r->delivered, r->expected, dps);
        if (r->delivery.count)
            printf(
                "  delivery latency ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
                hist_quantile_ms(&r->delivery, 0.5), hist_quantile_ms(&r->delivery, 0.99),
                hist_quantile_ms(&r->delivery, 0.999), (double)r->delivery.max_ns / 1e6);
    }
    printf("\n");
    fflush(stdout);
}

/* Runs one test (or mix) to the end; returns 0, or 1 if a connection failed. */
static int run(const mix *m, int nreq, int nsub)
{
    int blocking = cfg.use_lib || cfg.o.tls;
    worker *ws = setup(nreq, nsub, m, blocking);
    atomic_store(&issued, 0);
    atomic_store(&stop_all, 0);
    atomic_store(&delivered_total, 0);
    atomic_store(&expected_total, 0);
    uint64_t start = now_ns();
    deadline_ns = start + (uint64_t)(cfg.duration * 1e9);
    for (int t = 0; t < cfg.threads; t++)
        pthread_create(&ws[t].th, NULL, blocking ? blocking_loop : event_loop, &ws[t]);
    uint64_t end = 0;
    if (nsub > 0) {
        /* publishers first; then deliveries drain, up to 10 s */
        while (atomic_load(&active_requesters) > 0 && !atomic_load(&stop_all))
            usleep(1000);
        end = now_ns();
        uint64_t limit = end + 10000000000ull;
        long long last = -1;
        while (!atomic_load(&stop_all) && now_ns() < limit) {
            usleep(2000);
            long long d = atomic_load(&delivered_total);
            /* expected is known once every publisher has its replies */
            long long exp = atomic_load(&expected_total);
            if (d >= exp && d == last) break;
            last = d;
        }
        end = now_ns();
        atomic_store(&stop_all, 1);
    }
    int failed = 0;
    for (int t = 0; t < cfg.threads; t++) {
        pthread_join(ws[t].th, NULL);
        if (ws[t].failed) {
            fprintf(stderr, "kvik-benchmark: thread %d: %s\n", t, ws[t].err);
            failed = 1;
        }
    }
    if (!end) end = now_ns();
    result r = {.label = m->label, .seconds = (double)(end - start) / 1e9};
    hist_init(&r.lat);
    hist_init(&r.delivery);
    for (int t = 0; t < cfg.threads; t++) {
        worker *w = &ws[t];
        r.done += w->done;
        r.errors += w->errors;
        r.delivered += w->delivered;
        r.expected += w->expected;
        r.bytes_out += w->bytes_out;
        r.bytes_in += w->bytes_in;
        hist_merge(&r.lat, &w->lat);
        hist_merge(&r.delivery, &w->delivery);
    }
    teardown(ws);
    if (!interrupted || r.done) report(&r, nsub > 0);
    free(r.lat.n);
    free(r.delivery.n);
    return failed;
}

/* ---- options -------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(
        f,
        "Usage: kvik-benchmark [OPTIONS]\n"
        "  -h <host>          Server host (default 127.0.0.1).\n"
        "  -p <port>          Server port (default 6379).\n"
        "  -a <password>      Password (also --pass); --user <name> for an ACL user.\n"
        "  -c <clients>       Connections (default 50).\n"
        "  --threads <n>      Client threads, each driving its share of the\n"
        "                     connections with epoll (default 1).\n"
        "  -P <depth>         Pipeline: requests per batch and connection (default 1).\n"
        "  -n <requests>      Requests per test (default 100000).\n"
        "  --duration <s>     Run each test this long instead of -n requests.\n"
        "  -r <keyspace>      Random keys key:000000000000 .. below this number\n"
        "                     (default: one key).\n"
        "  --sequential       With -r: keys in order 0, 1, 2 ... (e.g. to fill a "
        "keyspace).\n"
        "  -d <bytes>         Value (and pub/sub message) size (default 3).\n"
        "  --compressible     Values that compress (JSON-like text) instead of random "
        "bytes.\n"
        "  -t <tests>         Comma-separated tests run one after another:\n"
        "                     ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,\n"
        "                     zadd,mset,publish (default set,get); or a weighted mix "
        "run\n"
        "                     as one test: set:3,get:7.\n"
        "  --native           Speak kvik's native protocol (its own port).\n"
        "  --compress <alg>   Native: compress payloads above --compress-min bytes with\n"
        "                     lz4, zstd or gzip, and accept compressed replies (default "
        "none).\n"
        "  --compress-min <n> Native: smallest payload to compress (default 1436).\n"
        "  -3                 RESP3 (HELLO 3) instead of RESP2.\n"
        "  --tls, --cacert <file>, --cacertdir <dir>, --cert <file>, --key <file>,\n"
        "  --sni <name>, --insecure\n"
        "                     TLS (connections then use libkvik's blocking calls).\n"
        "  --lib              Drive connections with libkvik's blocking calls (no "
        "epoll).\n"
        "  --pubsub <S>       Pub/sub fan-out: S subscribers, --publishers M (default "
        "1)\n"
        "                     connections publishing -d byte messages on --channels K\n"
        "                     channels (default 1); reports deliveries/s.\n"
        "  --csv              One CSV line per test (after a header line).\n"
        "  -q                 Quiet: one line per test.\n"
        "  --help, --version\n");
}

static void die(const char *msg, const char *a)
{
    fprintf(stderr, "kvik-benchmark: %s%s%s\n", msg, a ? ": " : "", a ? a : "");
    exit(1);
}

static const char *need(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) die("option requires an argument", argv[*i]);
    return argv[++*i];
}

static long long num(const char *s, long long min)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min) die("bad number", s);
    return v;
}

static int test_id(const char *name, size_t n)
{
    for (int t = 0; t < T_COUNT; t++)
        if (strlen(test_names[t]) == n && !strncasecmp(test_names[t], name, n)) return t;
    return -1;
}

static void upper(char *dst, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        dst[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    dst[i] = 0;
}

/* "set,get" -> two runs; "set:3,get:7" -> one weighted run. */
static void parse_tests(const char *spec)
{
    int weighted = strchr(spec, ':') != NULL;
    cfg.nruns = 0;
    mix *one = &cfg.runs[0];
    memset(one, 0, sizeof(*one));
    const char *p = spec;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *colon = memchr(p, ':', n);
        size_t nl = colon ? (size_t)(colon - p) : n;
        int t = test_id(p, nl);
        if (t < 0) {
            char bad[64];
            snprintf(bad, sizeof(bad), "%.*s", (int)nl, p);
            die("unknown test", bad);
        }
        int wgt = colon ? atoi(colon + 1) : 1;
        if (wgt <= 0) die("bad weight in", spec);
        if (weighted) {
            one->weight[t] += wgt;
            one->total += wgt;
        } else if (cfg.nruns < T_COUNT) {
            mix *m = &cfg.runs[cfg.nruns++];
            memset(m, 0, sizeof(*m));
            m->weight[t] = m->total = 1;
            upper(m->label, sizeof(m->label), test_names[t]);
        }
        p += n;
        if (*p == ',') p++;
    }
    if (weighted) {
        cfg.nruns = 1;
        upper(one->label, sizeof(one->label), spec);
    }
    if (cfg.nruns == 0) die("no tests in", spec);
}

static int compression_id(const char *s)
{
    for (int c = NATIVE_NONE; c <= NATIVE_ZSTD; c++)
        if (!strcasecmp(s, native_compression_name(c))) return c;
    die("unknown compression (none, gzip, lz4, zstd)", s);
    return 0;
}

static void parse_options(int argc, char **argv)
{
    kvik_options_init(&cfg.o);
    cfg.o.host = "127.0.0.1";
    cfg.o.compress = 0;
    cfg.clients = 50;
    cfg.threads = 1;
    cfg.pipeline = 1;
    cfg.requests = 100000;
    cfg.dsize = 3;
    cfg.pubs = 1;
    cfg.channels = 1;
    cfg.compress_min = 1436;
    const char *tests = "set,get";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h"))
            cfg.o.host = need(argc, argv, &i);
        else if (!strcmp(a, "-p"))
            cfg.o.port = (int)num(need(argc, argv, &i), 1);
        else if (!strcmp(a, "-a") || !strcmp(a, "--pass"))
            cfg.o.password = need(argc, argv, &i);
        else if (!strcmp(a, "--user"))
            cfg.o.user = need(argc, argv, &i);
        else if (!strcmp(a, "-c"))
            cfg.clients = (int)num(need(argc, argv, &i), 1);
        else if (!strcmp(a, "--threads"))
            cfg.threads = (int)num(need(argc, argv, &i), 1);
        else if (!strcmp(a, "-P"))
            cfg.pipeline = (int)num(need(argc, argv, &i), 1);
        else if (!strcmp(a, "-n"))
            cfg.requests = num(need(argc, argv, &i), 1);
        else if (!strcmp(a, "--duration"))
            cfg.duration = atof(need(argc, argv, &i));
        else if (!strcmp(a, "-r"))
            cfg.keyspace = num(need(argc, argv, &i), 1);
        else if (!strcmp(a, "-d"))
            cfg.dsize = (size_t)num(need(argc, argv, &i), 0);
        else if (!strcmp(a, "--compressible"))
            cfg.compressible = 1;
        else if (!strcmp(a, "--sequential"))
            cfg.sequential = 1;
        else if (!strcmp(a, "-t"))
            tests = need(argc, argv, &i);
        else if (!strcmp(a, "--native"))
            cfg.o.protocol = KVIK_NATIVE;
        else if (!strcmp(a, "--compress"))
            cfg.compression = compression_id(need(argc, argv, &i));
        else if (!strcmp(a, "--compress-min"))
            cfg.compress_min = (size_t)num(need(argc, argv, &i), 0);
        else if (!strcmp(a, "-3"))
            cfg.o.resp = 3;
        else if (!strcmp(a, "--tls"))
            cfg.o.tls = 1;
        else if (!strcmp(a, "--cacert"))
            cfg.o.tls_ca_file = need(argc, argv, &i);
        else if (!strcmp(a, "--cacertdir"))
            cfg.o.tls_ca_dir = need(argc, argv, &i);
        else if (!strcmp(a, "--cert"))
            cfg.o.tls_cert_file = need(argc, argv, &i);
        else if (!strcmp(a, "--key"))
            cfg.o.tls_key_file = need(argc, argv, &i);
        else if (!strcmp(a, "--sni"))
            cfg.o.tls_sni = need(argc, argv, &i);
        else if (!strcmp(a, "--insecure"))
            cfg.o.tls_insecure = 1;
        else if (!strcmp(a, "--lib"))
            cfg.use_lib = 1;
        else if (!strcmp(a, "--pubsub"))
            cfg.subs = (int)num(need(argc, argv, &i), 1);
        else if (!strcmp(a, "--publishers"))
            cfg.pubs = (int)num(need(argc, argv, &i), 1);
        else if (!strcmp(a, "--channels")) {
            cfg.channels = (int)num(need(argc, argv, &i), 1);
            if (cfg.channels > MAX_CHANNELS) die("at most 64 channels", NULL);
        } else if (!strcmp(a, "--csv"))
            cfg.csv = 1;
        else if (!strcmp(a, "-q"))
            cfg.quiet = 1;
        else if (!strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--version")) {
            printf("kvik-benchmark %s (libkvik %s)\n", BENCH_VERSION, KVIK_LIB_VERSION);
            exit(0);
        } else {
            fprintf(stderr, "kvik-benchmark: unknown option %s\n", a);
            usage(stderr);
            exit(1);
        }
    }
    if (cfg.compression != NATIVE_NONE) {
        cfg.o.compress = 1;
        cfg.o.compress_with = (kvik_compression)cfg.compression;
        cfg.o.compress_min = cfg.compress_min;
    }
    if (cfg.subs > 0) {
        cfg.nruns = 1;
        memset(&cfg.runs[0], 0, sizeof(mix));
        cfg.runs[0].weight[T_PUBLISH] = cfg.runs[0].total = 1;
        snprintf(cfg.runs[0].label, sizeof(cfg.runs[0].label), "PUBSUB");
        if (cfg.o.tls || cfg.use_lib)
            die("pub/sub mode needs the epoll driver (no --tls/--lib)", NULL);
    } else {
        parse_tests(tests);
    }
    if (cfg.threads > cfg.clients + cfg.subs) cfg.threads = cfg.clients + cfg.subs;
}

int main(int argc, char **argv)
{
    parse_options(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    make_values();
    make_channel_names();
    int failed = 0;
    if (cfg.subs > 0) {
        cfg.clients = cfg.pubs; /* what the report calls clients */
        if (cfg.threads > cfg.pubs + cfg.subs) cfg.threads = cfg.pubs + cfg.subs;
        failed = run(&cfg.runs[0], cfg.pubs, cfg.subs);
    } else {
        for (int i = 0; i < cfg.nruns && !interrupted; i++)
            failed |= run(&cfg.runs[i], cfg.clients, 0);
    }
    free(value_pool);
    return failed || interrupted ? 1 : 0;
}
