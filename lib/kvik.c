/* lib/kvik.c — libkvik's connection: connect and handshake, the send / flush /
 * read pipeline, waiting with timeouts, errors and counters.
 *
 * A connection is a transport (TCP or TLS, lib/net.c) under a protocol (RESP,
 * lib/reply.c, or native, lib/native_client.c); see lib/kvik_int.h for the
 * tables and the buffers. Commands are encoded into k->out by kvik_send and
 * written by kvik_flush (or the next kvik_read); replies are parsed from
 * k->in. While a flush waits for the socket to take more bytes it also reads
 * what the server sends, so a long pipeline cannot deadlock with a server
 * that waits for its replies to be read.
 */
#include "lib/kvik_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

#define READ_CHUNK 16384
#define DEFAULT_MAX_BULK (512ull * 1024 * 1024)
#define DEFAULT_MAX_ELEMENTS (1ull << 30)
#define DEFAULT_MAX_DEPTH 64

void kvik_options_init(kvik_options *o)
{
    memset(o, 0, sizeof(*o));
    o->host = "127.0.0.1";
    o->port = 6379;
    o->protocol = KVIK_RESP;
    o->resp = 2;
    o->compress = 1;
    o->compress_with = KVIK_COMPRESS_LZ4;
    o->compress_min = 1436;
}

/* ======================================================================== */
/* Errors, time, waiting                                                     */
/* ======================================================================== */

int kl_fail(kvik *k, kvik_errcode code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->err, sizeof(k->err), fmt, ap);
    va_end(ap);
    k->code = code;
    if (code == KVIK_E_IO || code == KVIK_E_PROTOCOL || code == KVIK_E_TIMEOUT ||
        code == KVIK_E_TLS)
        k->broken = 1;
    return -1;
}

int64_t kl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The poll() timeout for the next wait: the smaller of the per-call timeout
 * and what is left before the deadline; -1 for none. */
static int wait_budget(const kvik *k)
{
    int t = k->timeout_ms > 0 ? k->timeout_ms : -1;
    if (k->deadline_ms) {
        int64_t left = k->deadline_ms - kl_now_ms();
        if (left < 0) left = 0;
        if (t < 0 || left < t) t = (int)left;
    }
    return t;
}

/* Waits for events; *revents gets what happened. */
static int wait_events(kvik *k, short events, short *revents)
{
    struct pollfd p = {k->fd, events, 0};
    for (;;) {
        int n = poll(&p, 1, wait_budget(k));
        if (n > 0) {
            *revents = p.revents;
            return 0;
        }
        if (n == 0) return kl_fail(k, KVIK_E_TIMEOUT, "timed out");
        if (errno != EINTR) return kl_fail(k, KVIK_E_IO, "poll: %s", strerror(errno));
    }
}

int kl_wait(kvik *k, short events)
{
    short rev;
    return wait_events(k, events, &rev);
}

/* ======================================================================== */
/* Reading and writing                                                       */
/* ======================================================================== */

/* One transport read into k->in. > 0 bytes, KL_WANT_*, or -1 (EOF included). */
static ssize_t read_some(kvik *k)
{
    if (k->in_pos == k->in.len) { /* all parsed: start over, small again */
        k->in.len = k->in_pos = 0;
        if (k->in.cap > (1u << 20)) buf_free(&k->in);
    } else if (k->in_pos >= k->in.len / 2) {
        memmove(k->in.p, k->in.p + k->in_pos, k->in.len - k->in_pos);
        k->in.len -= k->in_pos;
        k->in_pos = 0;
    }
    buf_reserve(&k->in, READ_CHUNK);
    ssize_t n = k->tr->read(k, k->in.p + k->in.len, k->in.cap - k->in.len);
    if (n > 0) {
        k->in.len += (size_t)n;
        k->st.bytes_in += (uint64_t)n;
    } else if (n == KL_EOF) {
        return kl_fail(k, KVIK_E_IO, "the server closed the connection");
    }
    return n;
}

int kl_fill(kvik *k)
{
    for (;;) {
        ssize_t n = read_some(k);
        if (n > 0) return 0;
        if (n == KL_ERR) return -1;
        if (kl_wait(k, n == KL_WANT_READ ? POLLIN : POLLOUT) < 0) return -1;
    }
}

int kvik_flush(kvik *k)
{
    if (k->broken) return -1;
    while (k->out_pos < k->out.len) {
        ssize_t n = k->tr->write(k, k->out.p + k->out_pos, k->out.len - k->out_pos);
        if (n > 0) {
            k->out_pos += (size_t)n;
            k->st.bytes_out += (uint64_t)n;
            continue;
        }
        if (n == KL_ERR) return -1;
        short rev = 0;
        short ev = n == KL_WANT_READ ? POLLIN : (POLLOUT | POLLIN);
        if (wait_events(k, ev, &rev) < 0) return -1;
        if (n == KL_WANT_WRITE && (rev & POLLIN) && !(rev & POLLOUT)) {
            /* The server is sending while we wait: take it in, so that
             * neither side blocks on a full socket. */
            ssize_t r = read_some(k);
            if (r == KL_ERR) return -1;
        }
    }
    k->out.len = k->out_pos = 0;
    if (k->out.cap > (1u << 20)) buf_shrink(&k->out, 1u << 16);
    return 0;
}

int kvik_send(kvik *k, int argc, const char *const *argv, const size_t *lens)
{
    if (k->broken) return -1;
    if (argc < 1 || !argv) return kl_fail(k, KVIK_E_ARG, "a command needs at least a name");
    for (int i = 0; i < argc; i++)
        if (!argv[i]) return kl_fail(k, KVIK_E_ARG, "argument %d is NULL", i);
    if (k->proto->encode(k, argc, argv, lens) < 0) return -1;
    k->st.commands_sent++;
    return 0;
}

kvik_reply *kvik_read(kvik *k)
{
    kvik_reply *r = k->held;
    if (r) {
        k->held = NULL;
        k->st.replies_read++;
        return r;
    }
    if (k->broken) return NULL;
    if (k->out_pos < k->out.len && kvik_flush(k) < 0) return NULL;
    for (;;) {
        int rc = k->proto->parse(k, &r);
        if (rc > 0) {
            k->st.replies_read++;
            return r;
        }
        if (rc < 0 || kl_fill(k) < 0) return NULL;
    }
}

kvik_reply *kvik_command(kvik *k, int argc, const char *const *argv, const size_t *lens)
{
    if (kvik_send(k, argc, argv, lens) < 0) return NULL;
    return kvik_read(k);
}

kvik_reply *kvik_commandv(kvik *k, const char *name, ...)
{
    const char *small[16];
    const char **argv = small;
    int argc = 0, cap = 16;
    va_list ap;
    va_start(ap, name);
    for (const char *a = name; a; a = va_arg(ap, const char *)) {
        if (argc == cap) {
            const char **n = mem_alloc(2 * (size_t)cap * sizeof(*n));
            memcpy(n, argv, (size_t)argc * sizeof(*n));
            if (argv != small) mem_free(argv);
            argv = n;
            cap *= 2;
        }
        argv[argc++] = a;
    }
    va_end(ap);
    kvik_reply *r = kvik_command(k, argc, argv, NULL);
    if (argv != small) mem_free(argv);
    return r;
}

/* ======================================================================== */
/* Connecting                                                                */
/* ======================================================================== */

/* What a handshake error reply means. */
static kvik_errcode handshake_code(const char *cmd, const char *msg)
{
    if (!strncmp(msg, "NOPROTO", 7)) return KVIK_E_PROTOCOL;
    if (strstr(msg, "max number of clients")) return KVIK_E_IO; /* refused before reading */
    if (!strcmp(cmd, "AUTH") || !strcmp(cmd, "HELLO")) return KVIK_E_AUTH;
    if (!strncmp(msg, "NOAUTH", 6) || !strncmp(msg, "WRONGPASS", 9)) return KVIK_E_AUTH;
    return KVIK_E_ARG;
}

/* The RESP handshake, pipelined: [HELLO 3 [AUTH u p] [SETNAME n]] or
 * [AUTH [u] p] [CLIENT SETNAME n], then [SELECT db]. */
static int resp_handshake(kvik *k, const kvik_options *o)
{
    const char *names[3];
    int n = 0;
    char dbs[16];
    snprintf(dbs, sizeof(dbs), "%d", o->db);
    if (o->resp == 3) {
        const char *argv[7] = {"HELLO", "3"};
        int c = 2;
        if (o->password) {
            argv[c++] = "AUTH";
            argv[c++] = o->user ? o->user : "default";
            argv[c++] = o->password;
        }
        if (o->client_name) {
            argv[c++] = "SETNAME";
            argv[c++] = o->client_name;
        }
        kvik_send(k, c, argv, NULL);
        names[n++] = "HELLO";
    } else {
        if (o->password) {
            const char *argv[3] = {"AUTH", o->user ? o->user : o->password, o->password};
            kvik_send(k, o->user ? 3 : 2, argv, NULL);
            names[n++] = "AUTH";
        }
        if (o->client_name) {
            const char *argv[3] = {"CLIENT", "SETNAME", o->client_name};
            kvik_send(k, 3, argv, NULL);
            names[n++] = "CLIENT SETNAME";
        }
    }
    if (o->db > 0) {
        const char *argv[2] = {"SELECT", dbs};
        kvik_send(k, 2, argv, NULL);
        names[n++] = "SELECT";
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        kvik_reply *r = kvik_read(k);
        if (!r) return -1;
        if (r->type == KVIK_ERROR && !failed) {
            failed = 1;
            kl_fail(k, handshake_code(names[i], r->str), "%s refused: %s", names[i], r->str);
        }
        kvik_reply_free(r);
    }
    return failed ? -1 : 0;
}

static int check_options(const kvik_options *o, char *err, size_t errlen)
{
    const char *why = NULL;
    if (!o) why = "no options";
    else if (!o->host || !o->host[0]) why = "no host";
    else if (o->port <= 0 || o->port > 65535) why = "port out of range";
    else if (o->protocol != KVIK_RESP && o->protocol != KVIK_NATIVE) why = "unknown protocol";
    else if (o->protocol == KVIK_RESP && o->resp != 2 && o->resp != 3) why = "resp must be 2 or 3";
    else if (o->db < 0) why = "negative db";
    else if (o->user && !o->password) why = "a user needs a password";
    else if ((unsigned)o->compress_with > KVIK_COMPRESS_ZSTD) why = "unknown compression";
    else if (o->connect_timeout_ms < 0 || o->timeout_ms < 0) why = "negative timeout";
    if (why && err && errlen) snprintf(err, errlen, "bad options: %s", why);
    return why ? -1 : 0;
}

static kvik *conn_new(const kvik_options *o)
{
    kvik *k = mem_calloc(sizeof(*k));
    k->fd = -1;
    k->kind = o->protocol;
    k->proto = o->protocol == KVIK_NATIVE ? &kl_native_protocol : &kl_resp_protocol;
    k->version = o->protocol == KVIK_NATIVE ? 1 : o->resp;
    k->timeout_ms = o->timeout_ms;
    k->lim.max_bulk = o->max_bulk ? o->max_bulk : DEFAULT_MAX_BULK;
    k->lim.max_args = o->max_elements ? o->max_elements : DEFAULT_MAX_ELEMENTS;
    k->lim.max_inline = 64 * 1024;
    k->max_depth = o->max_depth > 0 ? o->max_depth : DEFAULT_MAX_DEPTH;
    return k;
}

kvik *kvik_connect_ex(const kvik_options *o, kvik_errcode *code, char *err, size_t errlen)
{
    if (code) *code = KVIK_OK;
    if (check_options(o, err, errlen) < 0) {
        if (code) *code = KVIK_E_ARG;
        return NULL;
    }
    kvik *k = conn_new(o);
    if (o->connect_timeout_ms > 0) k->deadline_ms = kl_now_ms() + o->connect_timeout_ms;
    int rc = kl_tcp_connect(k, o->host, o->port);
    if (rc == 0 && o->tls) rc = kl_tls_start(k, o);
    if (rc == 0)
        rc = o->protocol == KVIK_NATIVE ? kl_native_hello(k, o) : resp_handshake(k, o);
    k->deadline_ms = 0;
    if (rc < 0) {
        if (code) *code = k->code;
        if (err && errlen) snprintf(err, errlen, "%s", k->err);
        kvik_close(k);
        return NULL;
    }
    k->code = KVIK_OK;
    k->err[0] = '\0';
    return k;
}

static ssize_t none_read(kvik *k, void *p, size_t n)
{
    return KL_EOF;
}

static ssize_t none_write(kvik *k, const void *p, size_t n)
{
    return (ssize_t)n; /* what a detached connection sends goes nowhere */
}

static size_t none_pending(const kvik *k)
{
    return 0;
}

static void none_close(kvik *k)
{
}

static const kl_transport none_transport = {"none", none_read, none_write, none_pending,
                                            none_close};

kvik *kl_detached(const kvik_options *o)
{
    kvik *k = conn_new(o);
    k->tr = &none_transport;
    return k;
}

void kl_feed(kvik *k, const void *p, size_t n)
{
    buf_append(&k->in, p, n);
}

kvik *kvik_connect(const kvik_options *o, char *err, size_t errlen)
{
    return kvik_connect_ex(o, NULL, err, errlen);
}

void kvik_close(kvik *k)
{
    if (!k) return;
    if (k->tr) k->tr->close(k);
    if (k->proto && k->proto->free_state) k->proto->free_state(k);
    if (k->fd >= 0) close(k->fd);
    kvik_reply_free(k->held);
    buf_free(&k->in);
    buf_free(&k->out);
    mem_free(k);
}

/* ======================================================================== */
/* Accessors                                                                 */
/* ======================================================================== */

const char *kvik_errstr(const kvik *k)
{
    return k->code == KVIK_OK ? "" : k->err;
}

kvik_errcode kvik_errcode_of(const kvik *k)
{
    return k->code;
}

void kvik_set_timeout(kvik *k, int ms)
{
    k->timeout_ms = ms > 0 ? ms : 0;
}

int kvik_fd(const kvik *k)
{
    return k->fd;
}

size_t kvik_buffered(const kvik *k)
{
    return (k->in.len - k->in_pos) + (k->held ? 1 : 0) + (k->tr ? k->tr->pending(k) : 0);
}

int kvik_protocol_version(const kvik *k)
{
    return k->version;
}

void kvik_get_stats(const kvik *k, kvik_stats *st)
{
    *st = k->st;
}
