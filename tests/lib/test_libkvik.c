/* tests/lib/test_libkvik.c — tests of libkvik against real servers and a
 * scripted fake one.
 *
 * Run by tests/integration/test_libkvik.py, which starts the servers and
 * passes their ports in the environment:
 *
 *   test_libkvik offline   URL parsing, bad options, a fake server in a thread
 *                          (every RESP3 type, attributes, split and malformed
 *                          input, limits, timeouts), connection refused
 *   test_libkvik resp      KVIK_PORT: every reply type kvik sends in RESP2 and
 *                          RESP3, pipelining, pub/sub, large values, timeouts,
 *                          server-side close, handshake options, stats
 *   test_libkvik auth      KVIK_AUTH_PORT (requirepass KVIK_AUTH_PASS)
 *   test_libkvik native    KVIK_NATIVE_PORT: the same over the native protocol
 *   test_libkvik tls       KVIK_TLS_PORT, KVIK_TLS_DIR (ca.crt, client.crt,
 *                          client.key, other-ca.crt, ca-dir/); the server
 *                          requires a client certificate
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "lib/kvik.h"
#include "proto/kvik.pb-c.h"
#include "proto/native.h"

static int env_port(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "%s is not set\n", name);
        exit(2);
    }
    return atoi(v);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ======================================================================== */
/* Helpers                                                                   */
/* ======================================================================== */

static int g_port;             /* the server of the current group */
static kvik_protocol g_proto = KVIK_RESP;

static kvik *open_conn(int port, int resp)
{
    kvik_options o;
    kvik_options_init(&o);
    o.port = port;
    o.resp = resp;
    o.protocol = g_proto;
    o.timeout_ms = 10000;
    o.connect_timeout_ms = 5000;
    char err[256] = "";
    kvik *k = kvik_connect(&o, err, sizeof(err));
    if (!k) fail_msg("connect to %d: %s", port, err);
    return k;
}

/* A command that must get a reply (any type). */
static kvik_reply *run(kvik *k, const char *name, ...)
{
    const char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, name);
    for (const char *a = name; a && argc < 16; a = va_arg(ap, const char *))
        argv[argc++] = a;
    va_end(ap);
    kvik_reply *r = kvik_command(k, argc, argv, NULL);
    if (!r) fail_msg("%s: %s", name, kvik_errstr(k));
    return r;
}

static void expect_status(kvik *k, const char *status, const char *name, ...)
{
    const char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, name);
    for (const char *a = name; a && argc < 16; a = va_arg(ap, const char *))
        argv[argc++] = a;
    va_end(ap);
    kvik_reply *r = kvik_command(k, argc, argv, NULL);
    if (!r) fail_msg("%s: %s", name, kvik_errstr(k));
    if (r->type != KVIK_STATUS) fail_msg("%s: got %s %s", name, kvik_type_name(r->type), r->str ? r->str : "");
    assert_string_equal(r->str, status);
    kvik_reply_free(r);
}

static void check_str(const kvik_reply *r, kvik_type t, const char *s)
{
    assert_non_null(r);
    if (r->type != t) fail_msg("expected %s, got %s (%s)", kvik_type_name(t), kvik_type_name(r->type), r->str ? r->str : "");
    assert_int_equal(r->len, strlen(s));
    assert_string_equal(r->str, s);
}

static void check_int(const kvik_reply *r, long long v)
{
    assert_non_null(r);
    assert_int_equal(r->type, KVIK_INTEGER);
    assert_int_equal(r->integer, v);
}

/* A port nothing listens on. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    socklen_t l = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

/* ======================================================================== */
/* A scripted fake server (one connection, in a thread)                      */
/* ======================================================================== */

typedef struct step {
    const char *bytes;
    size_t len; /* 0: strlen(bytes) */
    int sleep_ms;
} step;

typedef struct fake {
    int lfd, port;
    pthread_t th;
    const step *steps;
    int wait_first;   /* read the client's first bytes before replying */
    int close_at_end; /* 1: close after the steps; 2: after the client's next bytes */
    char got[4096]; /* what the client sent first */
    size_t got_len;
    char *all; /* everything the client sent (malloc'd; freed by fake_stop) */
    size_t all_len;
    int keep; /* fake_stop keeps `all` for the test (fake_free) */
} fake;

static void keep_bytes(fake *f, const char *p, size_t n)
{
    f->all = realloc(f->all, f->all_len + n + 1);
    memcpy(f->all + f->all_len, p, n);
    f->all_len += n;
}

static void *fake_run(void *arg)
{
    fake *f = arg;
    struct pollfd p = {f->lfd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return NULL;
    int c = accept(f->lfd, NULL, NULL);
    if (c < 0) return NULL;
    if (f->wait_first) {
        struct pollfd q = {c, POLLIN, 0};
        if (poll(&q, 1, 5000) > 0) {
            ssize_t n = recv(c, f->got, sizeof(f->got), 0);
            f->got_len = n > 0 ? (size_t)n : 0;
            keep_bytes(f, f->got, f->got_len);
        }
    }
    for (const step *s = f->steps; s && s->bytes; s++) {
        if (s->sleep_ms) usleep((useconds_t)s->sleep_ms * 1000);
        size_t len = s->len ? s->len : strlen(s->bytes);
        if (send(c, s->bytes, len, MSG_NOSIGNAL) < 0) break;
    }
    if (f->close_at_end == 2) { /* wait for the client's next bytes, then close */
        char tmp[4096];
        struct pollfd q = {c, POLLIN, 0};
        if (poll(&q, 1, 5000) > 0) (void)!recv(c, tmp, sizeof(tmp), 0);
    } else if (!f->close_at_end) {
        char tmp[65536];
        struct pollfd q = {c, POLLIN, 0};
        ssize_t n;
        while (poll(&q, 1, 5000) > 0 && (n = recv(c, tmp, sizeof(tmp), 0)) > 0)
            keep_bytes(f, tmp, (size_t)n);
    }
    close(c);
    return NULL;
}

static void fake_start(fake *f, const step *steps, int wait_first, int close_at_end)
{
    memset(f, 0, sizeof(*f));
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t l = sizeof(a);
    getsockname(f->lfd, (struct sockaddr *)&a, &l);
    f->port = ntohs(a.sin_port);
    assert_int_equal(listen(f->lfd, 4), 0);
    f->steps = steps;
    f->wait_first = wait_first;
    f->close_at_end = close_at_end;
    pthread_create(&f->th, NULL, fake_run, f);
}

static void fake_free(fake *f);

static void fake_stop(fake *f)
{
    pthread_join(f->th, NULL);
    close(f->lfd);
    if (!f->keep) fake_free(f);
}

static void fake_free(fake *f)
{
    free(f->all);
    f->all = NULL;
}

static kvik *fake_conn(fake *f, kvik_options *o)
{
    kvik_options local;
    if (!o) {
        kvik_options_init(&local);
        o = &local;
    }
    o->port = f->port;
    if (!o->timeout_ms) o->timeout_ms = 5000;
    char err[256];
    kvik *k = kvik_connect(o, err, sizeof(err));
    if (!k) fail_msg("fake connect: %s", err);
    return k;
}

/* ======================================================================== */
/* offline: URL parsing and options                                          */
/* ======================================================================== */

static void test_url_basic(void **state)
{
    kvik_options o;
    kvik_options_init(&o);
    char err[128];
    assert_int_equal(kvik_options_from_url(&o, "redis://localhost", err, sizeof(err)), 0);
    assert_string_equal(o.host, "localhost");
    assert_int_equal(o.port, 6379);
    assert_int_equal(o.tls, 0);
    assert_int_equal(o.protocol, KVIK_RESP);
    assert_null(o.password);

    assert_int_equal(kvik_options_from_url(&o, "kvik://alice:p%40ss%3Aw@db.example:7000/5", err,
                                           sizeof(err)), 0);
    assert_string_equal(o.user, "alice");
    assert_string_equal(o.password, "p@ss:w");
    assert_string_equal(o.host, "db.example");
    assert_int_equal(o.port, 7000);
    assert_int_equal(o.db, 5);

    assert_int_equal(kvik_options_from_url(&o, "rediss://secret@[::1]:6380", err, sizeof(err)),
                     0);
    assert_int_equal(o.tls, 1);
    assert_null(o.user);
    assert_string_equal(o.password, "secret");
    assert_string_equal(o.host, "::1");
    assert_int_equal(o.port, 6380);
    assert_int_equal(o.db, 5); /* kept from before: a URL sets only what it names */

    assert_int_equal(kvik_options_from_url(&o, "kvik+native+tls://h?compress=zstd&resp=3&"
                                           "timeout=250&connect_timeout=100&name=cli&"
                                           "ca_file=/x/ca.crt&sni=kv.example&insecure=1",
                                           err, sizeof(err)), 0);
    assert_int_equal(o.protocol, KVIK_NATIVE);
    assert_int_equal(o.tls, 1);
    assert_int_equal(o.compress_with, KVIK_COMPRESS_ZSTD);
    assert_int_equal(o.compress, 1);
    assert_int_equal(o.resp, 3);
    assert_int_equal(o.timeout_ms, 250);
    assert_int_equal(o.connect_timeout_ms, 100);
    assert_string_equal(o.client_name, "cli");
    assert_string_equal(o.tls_ca_file, "/x/ca.crt");
    assert_string_equal(o.tls_sni, "kv.example");
    assert_int_equal(o.tls_insecure, 1);
    assert_string_equal(o.password, "secret"); /* moved into the new strings */
    assert_string_equal(o.host, "h");
    kvik_options_free(&o);
    assert_null(o.password);
    assert_string_equal(o.host, "127.0.0.1");
    kvik_options_free(&o);
}

static void test_url_errors(void **state)
{
    static const char *const bad[] = {
        "localhost:6379",           "http://x",           "redis://h:0",
        "redis://h:65536",          "redis://h:12x",      "redis://h/abc",
        "redis://[::1",             "redis://u:%zz@h",    "redis://h?resp=4",
        "redis://h?bogus=1",        "redis://h?timeout",  "redis://u:a%00b@h",
        "kvik://h?compress=brotli", "redis://h/1/2",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kvik_options o;
        kvik_options_init(&o);
        char err[128] = "";
        if (kvik_options_from_url(&o, bad[i], err, sizeof(err)) == 0)
            fail_msg("accepted bad URL %s", bad[i]);
        assert_true(err[0] != '\0');
        assert_string_equal(o.host, "127.0.0.1"); /* unchanged */
        assert_null(o.url_strings_);
    }
}

static void test_bad_options(void **state)
{
    kvik_options o;
    kvik_options_init(&o);
    o.port = 0;
    kvik_errcode code;
    char err[128];
    assert_null(kvik_connect_ex(&o, &code, err, sizeof(err)));
    assert_int_equal(code, KVIK_E_ARG);
    kvik_options_init(&o);
    o.resp = 4;
    assert_null(kvik_connect_ex(&o, &code, err, sizeof(err)));
    assert_int_equal(code, KVIK_E_ARG);
    assert_non_null(strstr(err, "resp"));
}

static void test_refused(void **state)
{
    kvik_options o;
    kvik_options_init(&o);
    o.port = closed_port();
    kvik_errcode code;
    char err[256];
    assert_null(kvik_connect_ex(&o, &code, err, sizeof(err)));
    assert_int_equal(code, KVIK_E_IO);
    assert_non_null(strstr(err, "refused"));
    o.host = "no-such-host.invalid";
    assert_null(kvik_connect_ex(&o, &code, err, sizeof(err)));
    assert_int_equal(code, KVIK_E_IO);
    assert_non_null(strstr(err, "resolve"));
    o.host = "localhost"; /* a name, resolved by getaddrinfo: still refused */
    assert_null(kvik_connect_ex(&o, &code, err, sizeof(err)));
    assert_int_equal(code, KVIK_E_IO);
}

/* A listener whose accept queue is full: the SYN is dropped and connect()
 * waits, so the connect timeout must fire. */
static void test_connect_timeout(void **state)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(lfd, (struct sockaddr *)&a, sizeof(a));
    socklen_t l = sizeof(a);
    getsockname(lfd, (struct sockaddr *)&a, &l);
    listen(lfd, 0);
    int fillers[4];
    for (int i = 0; i < 4; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fillers[i], (struct sockaddr *)&a, sizeof(a));
    }
    usleep(50 * 1000);
    kvik_options o;
    kvik_options_init(&o);
    o.port = ntohs(a.sin_port);
    o.connect_timeout_ms = 200;
    kvik_errcode code;
    char err[256];
    long long t0 = now_ms();
    kvik *k = kvik_connect_ex(&o, &code, err, sizeof(err));
    long long took = now_ms() - t0;
    assert_null(k);
    assert_int_equal(code, KVIK_E_TIMEOUT);
    assert_true(took >= 150 && took < 3000);
    for (int i = 0; i < 4; i++) close(fillers[i]);
    close(lfd);
}

/* ======================================================================== */
/* offline: the fake server                                                  */
/* ======================================================================== */

#define FIRST "+OK\r\n-ERR bad thing\r\n:-42\r\n$5\r\nhel\0o\r\n$0\r\n\r\n$-1\r\n*-1\r\n_\r\n"

static void test_fake_all_resp3_types(void **state)
{
    static const step steps[] = {
        {FIRST, sizeof(FIRST) - 1, 0},
        {",3.25\r\n,inf\r\n,-1.5e3\r\n#t\r\n#f\r\n(-12345678901234567890123\r\n", 0, 0},
        {"=15\r\ntxt:Some string\r\n!21\r\nSYNTAX invalid syntax\r\n", 0, 0},
        {"%2\r\n+a\r\n:1\r\n$1\r\nb\r\n*2\r\n:2\r\n:3\r\n~2\r\n:1\r\n$1\r\nx\r\n", 0, 0},
        {">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", 0, 0},
        {"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:7\r\n:9\r\n", 0, 0},
        {"*3\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n*0\r\n%0\r\n", 0, 0},
        {NULL, 0, 0},
    };
    fake f;
    fake_start(&f, steps, 1, 0);
    kvik *k = fake_conn(&f, NULL);
    const char *ping[] = {"PING"};
    assert_int_equal(kvik_send(k, 1, ping, NULL), 0);
    kvik_reply *r;

    check_str(r = kvik_read(k), KVIK_STATUS, "OK"), kvik_reply_free(r);
    check_str(r = kvik_read(k), KVIK_ERROR, "ERR bad thing"), kvik_reply_free(r);
    check_int(r = kvik_read(k), -42), kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_STRING);
    assert_int_equal(r->len, 5);
    assert_memory_equal(r->str, "hel\0o", 6);
    kvik_reply_free(r);
    check_str(r = kvik_read(k), KVIK_STRING, ""), kvik_reply_free(r);
    for (int i = 0; i < 3; i++) {
        r = kvik_read(k);
        assert_int_equal(r->type, KVIK_NIL);
        assert_null(r->str);
        kvik_reply_free(r);
    }
    r = kvik_read(k);
    check_str(r, KVIK_DOUBLE, "3.25");
    assert_true(r->dval == 3.25);
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_DOUBLE);
    assert_true(r->dval > 1e308);
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_true(r->dval == -1500.0);
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_BOOL);
    assert_int_equal(r->integer, 1);
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_BOOL);
    assert_int_equal(r->integer, 0);
    kvik_reply_free(r);
    check_str(r = kvik_read(k), KVIK_BIGNUM, "-12345678901234567890123"), kvik_reply_free(r);
    r = kvik_read(k);
    check_str(r, KVIK_VERBATIM, "Some string");
    assert_string_equal(r->vtype, "txt");
    kvik_reply_free(r);
    check_str(r = kvik_read(k), KVIK_ERROR, "SYNTAX invalid syntax"), kvik_reply_free(r);

    r = kvik_read(k); /* map: a -> 1, b -> [2, 3] */
    assert_int_equal(r->type, KVIK_MAP);
    assert_int_equal(r->elements, 4);
    check_str(r->element[0], KVIK_STATUS, "a");
    check_int(r->element[1], 1);
    check_str(r->element[2], KVIK_STRING, "b");
    assert_int_equal(r->element[3]->type, KVIK_ARRAY);
    assert_int_equal(r->element[3]->elements, 2);
    check_int(r->element[3]->element[1], 3);
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_SET);
    assert_int_equal(r->elements, 2);
    check_str(r->element[1], KVIK_STRING, "x");
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_PUSH);
    assert_int_equal(r->elements, 3);
    check_str(r->element[0], KVIK_STRING, "message");
    check_str(r->element[2], KVIK_STRING, "hi");
    kvik_reply_free(r);

    /* A top-level attribute comes first, then the value it annotates. */
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_ATTRIBUTE);
    assert_int_equal(r->elements, 2);
    check_str(r->element[0], KVIK_STATUS, "key-popularity");
    assert_int_equal(r->element[1]->type, KVIK_MAP);
    kvik_reply_free(r);
    assert_true(kvik_buffered(k) > 0);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_ARRAY);
    check_int(r->element[0], 7);
    kvik_reply_free(r);
    /* A nested attribute is dropped; the element it annotates stays. */
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_ARRAY);
    assert_int_equal(r->elements, 3);
    check_int(r->element[0], 1);
    check_str(r->element[1], KVIK_STRING, "v");
    assert_int_equal(r->element[2]->type, KVIK_ARRAY);
    assert_int_equal(r->element[2]->elements, 0);
    assert_null(r->element[2]->element);
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_MAP);
    assert_int_equal(r->elements, 0);
    kvik_reply_free(r);
    assert_int_equal(kvik_buffered(k), 0);

    kvik_stats st;
    kvik_get_stats(k, &st);
    assert_int_equal(st.bytes_out, 14); /* *1\r\n$4\r\nPING\r\n */
    assert_int_equal(st.commands_sent, 1);
    assert_int_equal(st.replies_read, 23);
    assert_int_equal(st.bytes_in, st.payload_in);
    kvik_close(k);
    fake_stop(&f);
    assert_int_equal(f.got_len, 14);
    assert_memory_equal(f.got, "*1\r\n$4\r\nPING\r\n", 14);
}

/* Two top-level attributes before one value (found by fuzz_libkvik: the
 * first leaked): the last one is reported, then the value. */
static void test_fake_two_attributes(void **state)
{
    static const step steps[] = {
        {"|1\r\n+a\r\n+b\r\n|1\r\n+c\r\n+d\r\n:1\r\n+after\r\n", 0, 0},
        {NULL, 0, 0},
    };
    fake f;
    fake_start(&f, steps, 1, 0);
    kvik *k = fake_conn(&f, NULL);
    kvik_reply *r = kvik_commandv(k, "PING", NULL);
    assert_int_equal(r->type, KVIK_ATTRIBUTE);
    check_str(r->element[0], KVIK_STATUS, "c");
    kvik_reply_free(r);
    check_int(r = kvik_read(k), 1), kvik_reply_free(r);
    check_str(r = kvik_read(k), KVIK_STATUS, "after"), kvik_reply_free(r);
    kvik_close(k);
    fake_stop(&f);
}

/* Values arriving in pieces, with pauses, in every kind of place. */
static void test_fake_split(void **state)
{
    static char big[200000];
    static step steps[8];
    /* an array of 20000 ":1234\r\n" sent in uneven pieces */
    size_t n = (size_t)snprintf(big, sizeof(big), "*20000\r\n");
    for (int i = 0; i < 20000; i++) n += (size_t)snprintf(big + n, sizeof(big) - n, ":%d\r\n", i);
    size_t a = n / 3, b = 2 * n / 3 + 1;
    step s[] = {
        {"*2\r\n$5\r\nhel", 0, 0}, {"lo\r\n:1\r\n", 0, 30},        /* cut inside a bulk */
        {"*3\r\n:1\r\n:2\r\n", 0, 0}, {":3\r\n+O", 0, 30},  /* cut after a CRLF */
        {"K\r\n", 0, 30},                                      {big, a, 0},
        {big + a, b - a, 30},                                  {big + b, n - b, 30},
    };
    memcpy(steps, s, sizeof(s));
    step all[9];
    memcpy(all, steps, sizeof(steps));
    all[8].bytes = NULL;
    fake f;
    fake_start(&f, all, 1, 0);
    kvik *k = fake_conn(&f, NULL);
    const char *ping[] = {"PING"};
    kvik_send(k, 1, ping, NULL);
    kvik_reply *r = kvik_read(k);
    assert_non_null(r);
    check_str(r->element[0], KVIK_STRING, "hello");
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->elements, 3);
    check_int(r->element[2], 3);
    kvik_reply_free(r);
    check_str(r = kvik_read(k), KVIK_STATUS, "OK"), kvik_reply_free(r);
    r = kvik_read(k);
    assert_non_null(r);
    assert_int_equal(r->elements, 20000);
    check_int(r->element[19999], 19999);
    kvik_reply_free(r);
    kvik_close(k);
    fake_stop(&f);
}

static void expect_failure(const step *steps, kvik_options *o, kvik_errcode code,
                           const char *text)
{
    fake f;
    fake_start(&f, steps, 1, 1);
    kvik *k = fake_conn(&f, o);
    const char *ping[] = {"PING"};
    kvik_send(k, 1, ping, NULL);
    kvik_reply *r = kvik_read(k);
    if (r) fail_msg("expected a failure, got %s", kvik_type_name(r->type));
    assert_int_equal(kvik_errcode_of(k), code);
    if (!strstr(kvik_errstr(k), text)) fail_msg("error '%s' lacks '%s'", kvik_errstr(k), text);
    /* The connection is unusable from now on. */
    assert_int_equal(kvik_send(k, 1, ping, NULL), -1);
    assert_null(kvik_read(k));
    assert_int_equal(kvik_errcode_of(k), code);
    kvik_close(k);
    fake_stop(&f);
}

static void test_fake_errors(void **state)
{
    static const step bad_type[] = {{"?what\r\n", 0, 0}, {NULL, 0, 0}};
    expect_failure(bad_type, NULL, KVIK_E_PROTOCOL, "unknown type");
    static const step bad_int[] = {{":12a\r\n", 0, 0}, {NULL, 0, 0}};
    expect_failure(bad_int, NULL, KVIK_E_PROTOCOL, "integer");
    static const step cut[] = {{"$10\r\nabc", 0, 0}, {NULL, 0, 0}};
    expect_failure(cut, NULL, KVIK_E_IO, "closed");
    static const step nothing[] = {{NULL, 0, 0}};
    expect_failure(nothing, NULL, KVIK_E_IO, "closed");

    kvik_options o;
    kvik_options_init(&o);
    o.max_bulk = 10;
    static const step big[] = {{"$11\r\nhello world\r\n", 0, 0}, {NULL, 0, 0}};
    expect_failure(big, &o, KVIK_E_PROTOCOL, "bulk length");
    kvik_options_init(&o);
    o.max_depth = 2;
    static const step deep[] = {{"*1\r\n*1\r\n*1\r\n:1\r\n", 0, 0}, {NULL, 0, 0}};
    expect_failure(deep, &o, KVIK_E_PROTOCOL, "nesting");
    kvik_options_init(&o);
    o.max_elements = 3;
    static const step many[] = {{"*4\r\n:1\r\n:1\r\n:1\r\n:1\r\n", 0, 0}, {NULL, 0, 0}};
    expect_failure(many, &o, KVIK_E_PROTOCOL, "multibulk length");
}

static void test_fake_timeout(void **state)
{
    static const step late[] = {{"+late\r\n", 0, 600}, {NULL, 0, 0}};
    fake f;
    fake_start(&f, late, 1, 0);
    kvik_options o;
    kvik_options_init(&o);
    o.timeout_ms = 150;
    kvik *k = fake_conn(&f, &o);
    long long t0 = now_ms();
    kvik_reply *r = kvik_commandv(k, "PING", NULL);
    long long took = now_ms() - t0;
    assert_null(r);
    assert_int_equal(kvik_errcode_of(k), KVIK_E_TIMEOUT);
    assert_true(took >= 120); /* and before the reply at 600 ms: r is NULL */
    kvik_close(k);
    fake_stop(&f);

    /* kvik_set_timeout changes it on an open connection; 0 waits forever. */
    fake_start(&f, late, 1, 0);
    k = fake_conn(&f, &o);
    kvik_set_timeout(k, 0);
    r = kvik_commandv(k, "PING", NULL);
    check_str(r, KVIK_STATUS, "late");
    kvik_reply_free(r);
    kvik_close(k);
    fake_stop(&f);
}

static void test_send_args(void **state)
{
    static const step ok[] = {{"+OK\r\n", 0, 0}, {NULL, 0, 0}};
    fake f;
    fake_start(&f, ok, 1, 0);
    kvik *k = fake_conn(&f, NULL);
    assert_int_equal(kvik_send(k, 0, NULL, NULL), -1);
    assert_int_equal(kvik_errcode_of(k), KVIK_E_ARG);
    const char *argv[] = {"SET", "k\0x", ""};
    size_t lens[] = {3, 3, 0};
    assert_int_equal(kvik_send(k, 3, argv, lens), 0); /* still usable after KVIK_E_ARG */
    assert_int_equal(kvik_flush(k), 0);
    kvik_reply *r = kvik_read(k);
    check_str(r, KVIK_STATUS, "OK");
    kvik_reply_free(r);
    kvik_close(k);
    fake_stop(&f);
    assert_int_equal(f.got_len, 28);
    assert_memory_equal(f.got, "*3\r\n$3\r\nSET\r\n$3\r\nk\0x\r\n$0\r\n\r\n", 28);
}


/* ======================================================================== */
/* offline: a fake native server                                             */
/* ======================================================================== */

static void put_server_message(buf *out, const Kvik__ServerMessage *m, int comp)
{
    size_t n = kvik__server_message__get_packed_size(m);
    uint8_t *p = malloc(n ? n : 1);
    kvik__server_message__pack(m, p);
    int used = native_frame_write(out, p, n, comp, 0);
    if (comp != NATIVE_NONE) assert_int_equal(used, comp);
    free(p);
}

static void put_hello_reply(buf *out, const char *error, size_t n_accept,
                            Kvik__Compression *accept)
{
    Kvik__HelloReply h = KVIK__HELLO_REPLY__INIT;
    h.version = 1;
    h.n_accept = n_accept;
    h.accept = accept;
    h.compress_min = 100;
    h.server = (char *)"kvik";
    h.client_id = 7;
    if (error) h.error = (char *)error;
    Kvik__ServerMessage m = KVIK__SERVER_MESSAGE__INIT;
    m.msg_case = KVIK__SERVER_MESSAGE__MSG_HELLO;
    m.hello = &h;
    put_server_message(out, &m, NATIVE_NONE);
}

static void put_reply(buf *out, Kvik__Value *v, int comp)
{
    Kvik__ServerMessage m = KVIK__SERVER_MESSAGE__INIT;
    m.msg_case = KVIK__SERVER_MESSAGE__MSG_REPLY;
    m.reply = v;
    put_server_message(out, &m, comp);
}

#define VAL(name) Kvik__Value name = KVIK__VALUE__INIT
#define BULK(v, s, n)                                                                     \
    do {                                                                                  \
        (v).kind_case = KVIK__VALUE__KIND_BULK;                                           \
        (v).bulk.data = (uint8_t *)(s);                                                   \
        (v).bulk.len = (n);                                                               \
    } while (0)

/* Nested arrays `levels` deep around an integer. */
static void put_nested(buf *out, int levels)
{
    Kvik__Value *vals = calloc((size_t)levels + 1, sizeof(*vals));
    Kvik__Aggregate *aggs = calloc((size_t)levels, sizeof(*aggs));
    Kvik__Value **ptrs = calloc((size_t)levels, sizeof(*ptrs));
    Kvik__Value init_v = KVIK__VALUE__INIT;
    Kvik__Aggregate init_a = KVIK__AGGREGATE__INIT;
    vals[levels] = init_v;
    vals[levels].kind_case = KVIK__VALUE__KIND_INTEGER;
    vals[levels].integer = 1;
    for (int i = levels - 1; i >= 0; i--) {
        aggs[i] = init_a;
        ptrs[i] = &vals[i + 1];
        aggs[i].n_values = 1;
        aggs[i].values = &ptrs[i];
        vals[i] = init_v;
        vals[i].kind_case = KVIK__VALUE__KIND_ARRAY;
        vals[i].array = &aggs[i];
    }
    put_reply(out, &vals[0], NATIVE_NONE);
    free(vals);
    free(aggs);
    free(ptrs);
}

/* The client's frames in f->all, decoded: the n-th ClientMessage, and the
 * compression of its frame. */
static Kvik__ClientMessage *client_message(const fake *f, int nth, int *comp)
{
    size_t off = 0;
    for (int i = 0;; i++) {
        native_frame fr;
        char err[128];
        assert_int_equal(native_frame_parse((const uint8_t *)f->all + off, f->all_len - off,
                                            1u << 30, &fr, err), NATIVE_OK);
        if (i == nth) {
            buf dec = BUF_INIT;
            const uint8_t *p = fr.payload;
            size_t n = fr.len;
            if (fr.compression != NATIVE_NONE) {
                assert_int_equal(native_decompress(&fr, 1u << 30, &dec, err), NATIVE_OK);
                p = (const uint8_t *)dec.p;
                n = dec.len;
            }
            Kvik__ClientMessage *m = kvik__client_message__unpack(NULL, n, p);
            buf_free(&dec);
            assert_non_null(m);
            *comp = fr.compression;
            return m;
        }
        off += fr.frame_len;
    }
}

static void test_native_fake_types(void **state)
{
    buf out = BUF_INIT;
    Kvik__Compression acc[] = {KVIK__COMPRESSION__LZ4, KVIK__COMPRESSION__ZSTD,
                               KVIK__COMPRESSION__GZIP};
    put_hello_reply(&out, NULL, 3, acc);
    VAL(v);
    v.kind_case = KVIK__VALUE__KIND_SIMPLE, v.simple = (char *)"OK", put_reply(&out, &v, 0);
    v.kind_case = KVIK__VALUE__KIND_ERROR, v.error = (char *)"ERR nope", put_reply(&out, &v, 0);
    v.kind_case = KVIK__VALUE__KIND_INTEGER, v.integer = -5, put_reply(&out, &v, 0);
    BULK(v, "a\0b", 3);
    put_reply(&out, &v, 0);
    Kvik__Null null = KVIK__NULL__INIT;
    v.kind_case = KVIK__VALUE__KIND_NULL, v.null = &null, put_reply(&out, &v, 0);
    v.kind_case = KVIK__VALUE__KIND_DOUBLE, v.double_ = 2.5, put_reply(&out, &v, 0);
    v.kind_case = KVIK__VALUE__KIND_BOOLEAN, v.boolean = 1, put_reply(&out, &v, 0);
    Kvik__Verbatim vb = KVIK__VERBATIM__INIT;
    vb.format = (char *)"mkd";
    vb.text.data = (uint8_t *)"# hi";
    vb.text.len = 4;
    v.kind_case = KVIK__VALUE__KIND_VERBATIM, v.verbatim = &vb, put_reply(&out, &v, 0);
    v.kind_case = KVIK__VALUE__KIND_BIGNUM, v.bignum = (char *)"-123456789012345678901234567890";
    put_reply(&out, &v, 0);
    VAL(e1);
    VAL(e2);
    e1.kind_case = KVIK__VALUE__KIND_INTEGER, e1.integer = 1;
    BULK(e2, "x", 1);
    Kvik__Value *elems[] = {&e1, &e2};
    Kvik__Aggregate agg = KVIK__AGGREGATE__INIT;
    agg.n_values = 2;
    agg.values = elems;
    v.kind_case = KVIK__VALUE__KIND_ARRAY, v.array = &agg, put_reply(&out, &v, 0);
    v.kind_case = KVIK__VALUE__KIND_SET, v.set = &agg, put_reply(&out, &v, 0);
    Kvik__Map map = KVIK__MAP__INIT;
    Kvik__Value *keys[] = {&e2}, *vals[] = {&e1};
    map.n_keys = map.n_values = 1;
    map.keys = keys;
    map.values = vals;
    v.kind_case = KVIK__VALUE__KIND_MAP, v.map = &map, put_reply(&out, &v, 0);
    Kvik__ServerMessage pm = KVIK__SERVER_MESSAGE__INIT;
    pm.msg_case = KVIK__SERVER_MESSAGE__MSG_PUSH;
    pm.push = &agg;
    put_server_message(&out, &pm, NATIVE_NONE);
    static char zs[20000];
    memset(zs, 'z', sizeof(zs));
    BULK(v, zs, sizeof(zs));
    put_reply(&out, &v, NATIVE_ZSTD);
    put_reply(&out, &v, NATIVE_GZIP);
    put_reply(&out, &v, NATIVE_LZ4);

    step steps[] = {{out.p, out.len, 0}, {NULL, 0, 0}};
    fake f;
    fake_start(&f, steps, 1, 0);
    f.keep = 1;
    kvik_options o;
    kvik_options_init(&o);
    o.protocol = KVIK_NATIVE;
    o.client_name = "nat";
    o.compress_min = 64;
    kvik *k = fake_conn(&f, &o);
    assert_int_equal(kvik_protocol_version(k), 1);
    static char ys[10000];
    memset(ys, 'y', sizeof(ys));
    const char *set[] = {"SET", "k", ys};
    size_t lens[] = {3, 1, sizeof(ys)};
    assert_int_equal(kvik_send(k, 3, set, lens), 0);
    const char *ping[] = {"PING"};
    assert_int_equal(kvik_send(k, 1, ping, NULL), 0);

    kvik_reply *r;
    check_str(r = kvik_read(k), KVIK_STATUS, "OK"), kvik_reply_free(r);
    check_str(r = kvik_read(k), KVIK_ERROR, "ERR nope"), kvik_reply_free(r);
    check_int(r = kvik_read(k), -5), kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_STRING);
    assert_int_equal(r->len, 3);
    assert_memory_equal(r->str, "a\0b", 4);
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_NIL);
    kvik_reply_free(r);
    r = kvik_read(k);
    check_str(r, KVIK_DOUBLE, "2.5");
    assert_true(r->dval == 2.5);
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_BOOL);
    assert_int_equal(r->integer, 1);
    kvik_reply_free(r);
    r = kvik_read(k);
    check_str(r, KVIK_VERBATIM, "# hi");
    assert_string_equal(r->vtype, "mkd");
    kvik_reply_free(r);
    check_str(r = kvik_read(k), KVIK_BIGNUM, "-123456789012345678901234567890"), kvik_reply_free(r);
    kvik_type aggs[] = {KVIK_ARRAY, KVIK_SET};
    for (int i = 0; i < 2; i++) {
        r = kvik_read(k);
        assert_int_equal(r->type, aggs[i]);
        assert_int_equal(r->elements, 2);
        check_int(r->element[0], 1);
        check_str(r->element[1], KVIK_STRING, "x");
        kvik_reply_free(r);
    }
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_MAP);
    assert_int_equal(r->elements, 2);
    check_str(r->element[0], KVIK_STRING, "x");
    check_int(r->element[1], 1);
    kvik_reply_free(r);
    r = kvik_read(k);
    assert_int_equal(r->type, KVIK_PUSH);
    assert_int_equal(r->elements, 2);
    kvik_reply_free(r);
    for (int i = 0; i < 3; i++) { /* zstd, gzip, lz4 */
        r = kvik_read(k);
        if (!r) fail_msg("compressed reply %d: %s", i, kvik_errstr(k));
        assert_int_equal(r->len, sizeof(zs));
        assert_memory_equal(r->str, zs, sizeof(zs));
        kvik_reply_free(r);
    }
    kvik_stats st;
    kvik_get_stats(k, &st);
    assert_true(st.payload_in > st.bytes_in);   /* the big replies came compressed */
    assert_true(st.payload_out > st.bytes_out); /* and so did the big request */
    assert_int_equal(st.replies_read, 16);
    kvik_close(k);
    fake_stop(&f);

    int comp;
    Kvik__ClientMessage *m = client_message(&f, 0, &comp);
    assert_int_equal(comp, NATIVE_NONE);
    assert_int_equal(m->msg_case, KVIK__CLIENT_MESSAGE__MSG_HELLO);
    assert_int_equal(m->hello->version, 1);
    assert_int_equal(m->hello->n_accept, 3);
    assert_string_equal(m->hello->client_name, "nat");
    assert_string_equal(m->hello->password, "");
    kvik__client_message__free_unpacked(m, NULL);
    m = client_message(&f, 1, &comp);
    assert_int_equal(comp, NATIVE_LZ4);
    assert_int_equal(m->msg_case, KVIK__CLIENT_MESSAGE__MSG_REQUEST);
    assert_int_equal(m->request->n_argv, 3);
    assert_int_equal(m->request->argv[2].len, sizeof(ys));
    assert_memory_equal(m->request->argv[2].data, ys, sizeof(ys));
    kvik__client_message__free_unpacked(m, NULL);
    m = client_message(&f, 2, &comp);
    assert_int_equal(comp, NATIVE_NONE);
    assert_int_equal(m->request->n_argv, 1);
    assert_memory_equal(m->request->argv[0].data, "PING", 4);
    kvik__client_message__free_unpacked(m, NULL);
    fake_free(&f);
    buf_free(&out);
}

/* A server that accepts no compression gets none; a client that wants none
 * offers none. */
static void test_native_fake_no_compression(void **state)
{
    buf out = BUF_INIT;
    put_hello_reply(&out, NULL, 0, NULL);
    VAL(v);
    v.kind_case = KVIK__VALUE__KIND_SIMPLE, v.simple = (char *)"OK", put_reply(&out, &v, 0);
    step steps[] = {{out.p, out.len, 0}, {NULL, 0, 0}};
    for (int round = 0; round < 2; round++) {
        fake f;
        fake_start(&f, steps, 1, 0);
        f.keep = 1;
        kvik_options o;
        kvik_options_init(&o);
        o.protocol = KVIK_NATIVE;
        o.compress = round; /* round 0: the client wants none */
        o.compress_min = 16;
        o.user = "alice";
        o.password = "pw";
        kvik *k = fake_conn(&f, &o);
        static char ys[5000];
        memset(ys, 'y', sizeof(ys));
        const char *set[] = {"SET", "k", ys};
        size_t lens[] = {3, 1, sizeof(ys)};
        kvik_reply *r = kvik_command(k, 3, set, lens);
        check_str(r, KVIK_STATUS, "OK");
        kvik_reply_free(r);
        kvik_close(k);
        fake_stop(&f);
        int comp;
        Kvik__ClientMessage *m = client_message(&f, 0, &comp);
        assert_int_equal(m->hello->n_accept, round ? 3 : 0);
        assert_string_equal(m->hello->user, "alice");
        assert_string_equal(m->hello->password, "pw");
        kvik__client_message__free_unpacked(m, NULL);
        m = client_message(&f, 1, &comp);
        assert_int_equal(comp, NATIVE_NONE);
        kvik__client_message__free_unpacked(m, NULL);
        fake_free(&f);
    }
    buf_free(&out);
}

static void native_connect_fails(buf *script, kvik_errcode want, const char *text)
{
    step steps[] = {{script->p, script->len, 0}, {NULL, 0, 0}};
    fake f;
    fake_start(&f, steps, 1, 1);
    kvik_options o;
    kvik_options_init(&o);
    o.protocol = KVIK_NATIVE;
    o.port = f.port;
    o.timeout_ms = 5000;
    kvik_errcode code;
    char err[256];
    kvik *k = kvik_connect_ex(&o, &code, err, sizeof(err));
    if (k) fail_msg("connect should fail (%s)", text);
    assert_int_equal(code, want);
    if (!strstr(err, text)) fail_msg("error '%s' lacks '%s'", err, text);
    fake_stop(&f);
}

static void test_native_fake_refused(void **state)
{
    buf out = BUF_INIT;
    put_hello_reply(&out, "WRONGPASS invalid username-password pair or user is disabled.", 0,
                    NULL);
    native_connect_fails(&out, KVIK_E_AUTH, "WRONGPASS");
    out.len = 0;
    put_hello_reply(&out, "unsupported protocol version 9", 0, NULL);
    native_connect_fails(&out, KVIK_E_PROTOCOL, "unsupported");
    out.len = 0; /* refused before the first frame: one RESP error line */
    buf_puts(&out, "-ERR max number of clients reached\r\n");
    native_connect_fails(&out, KVIK_E_IO, "refused the connection: ERR max number of clients");
    out.len = 0;
    buf_puts(&out, "-DENIED Running in protected mode\r\n");
    native_connect_fails(&out, KVIK_E_AUTH, "DENIED Running in protected mode");
    out.len = 0; /* a RESP server's answer to a Hello frame */
    buf_puts(&out, "*3\r\n$3\r\nfoo\r\n");
    native_connect_fails(&out, KVIK_E_PROTOCOL, "native port?");
    out.len = 0;
    VAL(v); /* a reply instead of HelloReply */
    v.kind_case = KVIK__VALUE__KIND_SIMPLE, v.simple = (char *)"OK", put_reply(&out, &v, 0);
    native_connect_fails(&out, KVIK_E_PROTOCOL, "Hello");
    buf_free(&out);
}

static void native_read_fails(buf *script, kvik_options *o, kvik_errcode want,
                              const char *text)
{
    step steps[] = {{script->p, script->len, 0}, {NULL, 0, 0}};
    fake f;
    fake_start(&f, steps, 1, 2); /* the Hello, then the request: no reset */
    o->protocol = KVIK_NATIVE;
    kvik *k = fake_conn(&f, o);
    kvik_reply *r = kvik_commandv(k, "GET", "x", NULL);
    if (r) fail_msg("expected a failure (%s), got %s", text, kvik_type_name(r->type));
    assert_int_equal(kvik_errcode_of(k), want);
    if (!strstr(kvik_errstr(k), text)) fail_msg("error '%s' lacks '%s'", kvik_errstr(k), text);
    kvik_close(k);
    fake_stop(&f);
}

static void test_native_fake_limits(void **state)
{
    buf out = BUF_INIT;
    kvik_options o;
    /* nesting: 3 levels pass max_depth 3, 4 do not; 10000 levels (which
     * would make protobuf-c recurse that deep) are refused before decoding */
    put_hello_reply(&out, NULL, 0, NULL);
    put_nested(&out, 3);
    step steps[] = {{out.p, out.len, 0}, {NULL, 0, 0}};
    fake f;
    fake_start(&f, steps, 1, 0);
    kvik_options_init(&o);
    o.protocol = KVIK_NATIVE;
    o.max_depth = 3;
    kvik *k = fake_conn(&f, &o);
    kvik_reply *r = kvik_commandv(k, "GET", "x", NULL);
    assert_non_null(r);
    check_int(r->element[0]->element[0]->element[0], 1);
    kvik_reply_free(r);
    kvik_close(k);
    fake_stop(&f);

    out.len = 0;
    put_hello_reply(&out, NULL, 0, NULL);
    put_nested(&out, 4);
    native_read_fails(&out, &o, KVIK_E_PROTOCOL, "nested");
    out.len = 0;
    put_hello_reply(&out, NULL, 0, NULL);
    put_nested(&out, 10000);
    kvik_options_init(&o);
    native_read_fails(&out, &o, KVIK_E_PROTOCOL, "nested");

    /* a compressed reply that would expand past max_bulk */
    out.len = 0;
    put_hello_reply(&out, NULL, 0, NULL);
    char *zeros = calloc(1, 1u << 20);
    VAL(v);
    BULK(v, zeros, 1u << 20);
    put_reply(&out, &v, NATIVE_ZSTD);
    free(zeros);
    kvik_options_init(&o);
    o.max_bulk = 100000;
    native_read_fails(&out, &o, KVIK_E_PROTOCOL, "native frame");

    /* a frame announcing more than max_bulk */
    out.len = 0;
    put_hello_reply(&out, NULL, 0, NULL);
    buf_append(&out, "\x00\x10\x00\x00", 4);
    native_read_fails(&out, &o, KVIK_E_PROTOCOL, "exceeds");

    /* garbage payload */
    out.len = 0;
    put_hello_reply(&out, NULL, 0, NULL);
    buf_append(&out, "\x00\x00\x00\x03\xff\xff\xff", 7);
    kvik_options_init(&o);
    native_read_fails(&out, &o, KVIK_E_PROTOCOL, "native message");

    /* a map with more keys than values */
    out.len = 0;
    put_hello_reply(&out, NULL, 0, NULL);
    VAL(k1);
    k1.kind_case = KVIK__VALUE__KIND_INTEGER;
    Kvik__Value *keys[] = {&k1, &k1};
    Kvik__Map map = KVIK__MAP__INIT;
    map.n_keys = 2;
    map.keys = keys;
    map.n_values = 1;
    map.values = keys;
    v.kind_case = KVIK__VALUE__KIND_MAP;
    v.map = &map;
    put_reply(&out, &v, 0);
    native_read_fails(&out, &o, KVIK_E_PROTOCOL, "map");

    /* closed mid-frame */
    out.len = 0;
    put_hello_reply(&out, NULL, 0, NULL);
    buf_append(&out, "\x00\x00\x00\x10\x12", 5);
    native_read_fails(&out, &o, KVIK_E_IO, "closed");
    buf_free(&out);
}

/* ======================================================================== */
/* resp: a real kvik server                                                  */
/* ======================================================================== */

static void test_types_resp2(void **state)
{
    kvik *k = open_conn(g_port, 2);
    int native = g_proto == KVIK_NATIVE; /* native replies are RESP3-typed */
    assert_int_equal(kvik_protocol_version(k), native ? 1 : 2);
    kvik_reply_free(run(k, "FLUSHALL", NULL));
    expect_status(k, "OK", "SET", "s", "hello", NULL);
    kvik_reply *r = run(k, "GET", "s", NULL);
    check_str(r, KVIK_STRING, "hello");
    kvik_reply_free(r);
    r = run(k, "GET", "missing", NULL);
    assert_int_equal(r->type, KVIK_NIL);
    kvik_reply_free(r);
    check_int(r = run(k, "INCRBY", "n", "-7", NULL), -7), kvik_reply_free(r);
    r = run(k, "NOSUCHCOMMAND", NULL);
    assert_int_equal(r->type, KVIK_ERROR);
    assert_true(!strncmp(r->str, "ERR ", 4));
    kvik_reply_free(r);
    r = run(k, "LPUSH", "s", "x", NULL);
    assert_int_equal(r->type, KVIK_ERROR);
    assert_true(!strncmp(r->str, "WRONGTYPE", 9));
    kvik_reply_free(r);
    kvik_reply_free(run(k, "RPUSH", "l", "a", "b", "c", NULL));
    r = run(k, "LRANGE", "l", "0", "-1", NULL);
    assert_int_equal(r->type, KVIK_ARRAY);
    assert_int_equal(r->elements, 3);
    check_str(r->element[2], KVIK_STRING, "c");
    kvik_reply_free(r);
    kvik_reply_free(run(k, "HSET", "h", "f", "v", NULL));
    r = run(k, "HGETALL", "h", NULL); /* RESP2: a flat array */
    assert_int_equal(r->type, native ? KVIK_MAP : KVIK_ARRAY);
    assert_int_equal(r->elements, 2);
    kvik_reply_free(r);
    kvik_reply_free(run(k, "ZADD", "z", "1.5", "m", NULL));
    r = run(k, "ZSCORE", "z", "m", NULL); /* RESP2: a bulk */
    check_str(r, native ? KVIK_DOUBLE : KVIK_STRING, "1.5");
    kvik_reply_free(r);
    r = run(k, "BLPOP", "nolist", "0.01", NULL); /* RESP2 null array */
    assert_int_equal(r->type, KVIK_NIL);
    kvik_reply_free(r);
    r = run(k, "INFO", "server", NULL);
    assert_int_equal(r->type, native ? KVIK_VERBATIM : KVIK_STRING);
    kvik_reply_free(r);
    kvik_close(k);
}

static void test_types_resp3(void **state)
{
    kvik *k = open_conn(g_port, 3);
    if (g_proto == KVIK_RESP) assert_int_equal(kvik_protocol_version(k), 3);
    kvik_reply_free(run(k, "FLUSHALL", NULL));
    expect_status(k, "OK", "SET", "s", "hello", NULL);
    kvik_reply *r = run(k, "GET", "missing", NULL);
    assert_int_equal(r->type, KVIK_NIL);
    kvik_reply_free(r);
    kvik_reply_free(run(k, "HSET", "h", "f", "v", "g", "w", NULL));
    r = run(k, "HGETALL", "h", NULL);
    assert_int_equal(r->type, KVIK_MAP);
    assert_int_equal(r->elements, 4);
    kvik_reply_free(r);
    kvik_reply_free(run(k, "SADD", "set", "a", "b", NULL));
    r = run(k, "SMEMBERS", "set", NULL);
    assert_int_equal(r->type, KVIK_SET);
    assert_int_equal(r->elements, 2);
    kvik_reply_free(r);
    kvik_reply_free(run(k, "ZADD", "z", "2.5", "m", NULL));
    r = run(k, "ZSCORE", "z", "m", NULL);
    assert_int_equal(r->type, KVIK_DOUBLE);
    assert_true(r->dval == 2.5);
    assert_string_equal(r->str, "2.5");
    kvik_reply_free(r);
    r = run(k, "INFO", "server", NULL);
    assert_int_equal(r->type, KVIK_VERBATIM);
    assert_string_equal(r->vtype, "txt");
    assert_non_null(strstr(r->str, "# Server"));
    kvik_reply_free(r);
    r = run(k, "HELLO", NULL);
    assert_int_equal(r->type, KVIK_MAP);
    kvik_reply_free(r);
    kvik_close(k);
}

static void test_pipeline_10k(void **state)
{
    kvik *k = open_conn(g_port, 2);
    kvik_reply_free(run(k, "DEL", "ctr", NULL));
    enum { N = 10000 };
    for (int i = 0; i < N; i++) {
        char v[16];
        snprintf(v, sizeof(v), "%d", i);
        const char *argv[] = {i % 2 ? "INCR" : "RPUSH", i % 2 ? "ctr" : "plist", v};
        assert_int_equal(kvik_send(k, i % 2 ? 2 : 3, argv, NULL), 0);
    }
    assert_int_equal(kvik_flush(k), 0);
    for (int i = 0; i < N; i++) {
        kvik_reply *r = kvik_read(k);
        if (!r) fail_msg("reply %d: %s", i, kvik_errstr(k));
        assert_int_equal(r->type, KVIK_INTEGER);
        assert_int_equal(r->integer, i / 2 + 1);
        kvik_reply_free(r);
    }
    kvik_reply *r = run(k, "LRANGE", "plist", "0", "-1", NULL);
    assert_int_equal(r->elements, N / 2);
    check_str(r->element[N / 2 - 1], KVIK_STRING, "9998");
    kvik_reply_free(r);
    kvik_reply_free(run(k, "DEL", "plist", "ctr", NULL));
    kvik_close(k);
}

static void test_large_values(void **state)
{
    kvik *k = open_conn(g_port, 3);
    size_t n = 8u << 20;
    char *v = malloc(n);
    for (size_t i = 0; i < n; i++) v[i] = (char)(i * 7 + (i >> 13));
    const char *argv[] = {"SET", "big", v};
    size_t lens[] = {3, 3, n};
    kvik_reply *r = kvik_command(k, 3, argv, lens);
    check_str(r, KVIK_STATUS, "OK");
    kvik_reply_free(r);
    r = run(k, "GET", "big", NULL);
    assert_int_equal(r->type, KVIK_STRING);
    assert_int_equal(r->len, n);
    assert_memory_equal(r->str, v, n);
    assert_int_equal(r->str[n], '\0');
    kvik_reply_free(r);
    /* many elements */
    for (int i = 0; i < 100; i++) {
        const char *pv[1002];
        pv[0] = "RPUSH";
        pv[1] = "biglist";
        for (int j = 0; j < 1000; j++) pv[2 + j] = "element-value";
        kvik_send(k, 1002, pv, NULL);
    }
    for (int i = 0; i < 100; i++) kvik_reply_free(kvik_read(k));
    r = run(k, "LRANGE", "biglist", "0", "-1", NULL);
    assert_int_equal(r->type, KVIK_ARRAY);
    assert_int_equal(r->elements, 100000);
    kvik_reply_free(r);
    if (g_proto == KVIK_NATIVE) { /* compressed both ways (lz4 out, server's choice in) */
        kvik_stats st;
        kvik_get_stats(k, &st);
        assert_true(st.payload_out > st.bytes_out + (4u << 20));
        assert_true(st.payload_in > st.bytes_in + (4u << 20));
    }
    kvik_reply_free(run(k, "DEL", "big", "biglist", NULL));
    free(v);
    kvik_close(k);
}

static void pubsub_with(int resp)
{
    kvik *sub = open_conn(g_port, resp);
    kvik *pub = open_conn(g_port, 2);
    kvik_reply *r = run(sub, "SUBSCRIBE", "news", "sport", NULL);
    kvik_type want = resp == 3 || g_proto == KVIK_NATIVE ? KVIK_PUSH : KVIK_ARRAY;
    assert_int_equal(r->type, want);
    check_str(r->element[0], KVIK_STRING, "subscribe");
    kvik_reply_free(r);
    r = kvik_read(sub);
    assert_int_equal(r->type, want);
    check_int(r->element[2], 2);
    kvik_reply_free(r);
    for (int i = 0; i < 50; i++) {
        r = run(pub, "PUBLISH", i % 2 ? "news" : "sport", "payload", NULL);
        check_int(r, 1);
        kvik_reply_free(r);
    }
    for (int i = 0; i < 50; i++) {
        r = kvik_read(sub);
        if (!r) fail_msg("message %d: %s", i, kvik_errstr(sub));
        assert_int_equal(r->type, want);
        assert_int_equal(r->elements, 3);
        check_str(r->element[0], KVIK_STRING, "message");
        check_str(r->element[1], KVIK_STRING, i % 2 ? "news" : "sport");
        check_str(r->element[2], KVIK_STRING, "payload");
        kvik_reply_free(r);
    }
    /* nothing more is waiting */
    assert_int_equal(kvik_buffered(sub), 0);
    struct pollfd p = {kvik_fd(sub), POLLIN, 0};
    assert_int_equal(poll(&p, 1, 50), 0);
    r = run(sub, "UNSUBSCRIBE", NULL);
    assert_int_equal(r->type, want);
    kvik_reply_free(r);
    kvik_reply_free(kvik_read(sub));
    if (resp == 3) {
        /* In RESP3 ordinary commands work while subscribed. */
        r = run(sub, "PING", NULL);
        check_str(r, KVIK_STATUS, "PONG");
        kvik_reply_free(r);
    }
    kvik_close(sub);
    kvik_close(pub);
}

static void test_pubsub_resp2(void **state)
{
    pubsub_with(2);
}

static void test_pubsub_resp3(void **state)
{
    pubsub_with(3);
}

static void test_timeout_debug_sleep(void **state)
{
    kvik *k = open_conn(g_port, 2);
    kvik_set_timeout(k, 100);
    long long t0 = now_ms();
    kvik_reply *r = kvik_commandv(k, "DEBUG", "SLEEP", "0.5", NULL);
    long long took = now_ms() - t0;
    assert_null(r);
    assert_int_equal(kvik_errcode_of(k), KVIK_E_TIMEOUT);
    assert_true(took >= 80); /* and before the sleep ended: r is NULL */
    assert_null(kvik_commandv(k, "PING", NULL)); /* unusable after a timeout */
    assert_int_equal(kvik_errcode_of(k), KVIK_E_TIMEOUT);
    kvik_close(k);
    usleep(500 * 1000); /* let the sleeping worker wake before the next test */
}

static void test_server_closes(void **state)
{
    kvik *victim = open_conn(g_port, 2);
    kvik *killer = open_conn(g_port, 2);
    kvik_reply *r = run(victim, "CLIENT", "ID", NULL);
    char id[32];
    snprintf(id, sizeof(id), "%lld", r->integer);
    kvik_reply_free(r);
    r = run(killer, "CLIENT", "KILL", "ID", id, NULL);
    check_int(r, 1);
    kvik_reply_free(r);
    r = kvik_commandv(victim, "PING", NULL);
    assert_null(r);
    assert_int_equal(kvik_errcode_of(victim), KVIK_E_IO);
    kvik_close(victim);

    /* QUIT: +OK, then the close */
    kvik *q = open_conn(g_port, 2);
    if (g_proto == KVIK_RESP) {
        expect_status(q, "OK", "QUIT", NULL);
        assert_null(kvik_read(q));
        assert_int_equal(kvik_errcode_of(q), KVIK_E_IO);
    }
    kvik_close(q);
    kvik_close(killer);
}

static void test_handshake_options(void **state)
{
    kvik_options o;
    kvik_options_init(&o);
    o.port = g_port;
    o.protocol = g_proto;
    o.client_name = "lib-test";
    o.db = 3;
    o.timeout_ms = 5000;
    for (int resp = 2; resp <= 3; resp++) {
        o.resp = resp;
        char err[256];
        kvik *k = kvik_connect(&o, err, sizeof(err));
        if (!k) fail_msg("%s", err);
        kvik_reply *r = run(k, "CLIENT", "GETNAME", NULL);
        check_str(r, KVIK_STRING, "lib-test");
        kvik_reply_free(r);
        expect_status(k, "OK", "SET", "in-db-3", "yes", NULL);
        kvik_close(k);
    }
    kvik *k0 = open_conn(g_port, 2);
    kvik_reply *r = run(k0, "EXISTS", "in-db-3", NULL);
    check_int(r, 0);
    kvik_reply_free(r);
    expect_status(k0, "OK", "SELECT", "3", NULL);
    r = run(k0, "GET", "in-db-3", NULL);
    check_str(r, KVIK_STRING, "yes");
    kvik_reply_free(r);
    kvik_reply_free(run(k0, "DEL", "in-db-3", NULL));
    kvik_close(k0);

    o.db = 100000;
    o.client_name = NULL;
    kvik_errcode code;
    char err[256];
    assert_null(kvik_connect_ex(&o, &code, err, sizeof(err)));
    assert_int_equal(code, KVIK_E_ARG);
    assert_non_null(strstr(err, "SELECT"));
}

static void test_url_connect(void **state)
{
    char url[128];
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d/2?resp=3&name=via-url",
             g_proto == KVIK_NATIVE ? "kvik+native" : "redis", g_port);
    kvik_options o;
    kvik_options_init(&o);
    char err[256];
    assert_int_equal(kvik_options_from_url(&o, url, err, sizeof(err)), 0);
    kvik *k = kvik_connect(&o, err, sizeof(err));
    kvik_options_free(&o);
    if (!k) fail_msg("%s", err);
    kvik_reply *r = run(k, "CLIENT", "GETNAME", NULL);
    check_str(r, KVIK_STRING, "via-url");
    kvik_reply_free(r);
    kvik_close(k);
}

/* Connections used by several threads at once, one each. */
static void *thread_work(void *arg)
{
    long id = (long)arg;
    char key[32], err[256];
    snprintf(key, sizeof(key), "thread-ctr-%ld", id);
    kvik_options o;
    kvik_options_init(&o);
    o.port = g_port;
    o.protocol = g_proto;
    o.resp = 2 + (int)(id % 2);
    o.timeout_ms = 10000;
    kvik *k = kvik_connect(&o, err, sizeof(err));
    if (!k) return (void *)"connect failed";
    const char *del[] = {"DEL", key};
    kvik_reply_free(kvik_command(k, 2, del, NULL));
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 200; i++) {
            const char *argv[] = {"INCR", key};
            kvik_send(k, 2, argv, NULL);
        }
        for (int i = 0; i < 200; i++) {
            kvik_reply *r = kvik_read(k);
            long long want = round * 200 + i + 1;
            int ok = r && r->type == KVIK_INTEGER && r->integer == want;
            kvik_reply_free(r);
            if (!ok) {
                kvik_close(k);
                return (void *)"wrong reply";
            }
        }
    }
    kvik_reply_free(kvik_command(k, 2, del, NULL));
    kvik_close(k);
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t th[6];
    for (long i = 0; i < 6; i++) pthread_create(&th[i], NULL, thread_work, (void *)i);
    for (int i = 0; i < 6; i++) {
        void *res;
        pthread_join(th[i], &res);
        if (res) fail_msg("thread %d: %s", i, (const char *)res);
    }
}

static void test_stats(void **state)
{
    kvik *k = open_conn(g_port, 2);
    kvik_stats a, b;
    kvik_get_stats(k, &a);
    expect_status(k, "PONG", "PING", NULL);
    kvik_get_stats(k, &b);
    assert_int_equal(b.commands_sent - a.commands_sent, 1);
    assert_int_equal(b.replies_read - a.replies_read, 1);
    if (g_proto == KVIK_RESP) {
        assert_int_equal(b.bytes_out - a.bytes_out, 14); /* *1\r\n$4\r\nPING\r\n */
        assert_int_equal(b.bytes_in - a.bytes_in, 7);    /* +PONG\r\n */
        assert_int_equal(b.payload_out, b.bytes_out);
        assert_int_equal(b.payload_in, b.bytes_in);
    } else {
        assert_true(b.bytes_out - a.bytes_out > 4);
        assert_true(b.payload_out - a.payload_out == b.bytes_out - a.bytes_out - 4);
    }
    kvik_close(k);
}

/* ======================================================================== */
/* auth                                                                      */
/* ======================================================================== */

static void test_auth(void **state)
{
    int port = env_port("KVIK_AUTH_PORT");
    const char *pass = getenv("KVIK_AUTH_PASS");
    kvik_options o;
    kvik_options_init(&o);
    o.port = port;
    o.protocol = g_proto;
    o.timeout_ms = 5000;
    kvik_errcode code;
    char err[256];
    for (int resp = 2; resp <= 3; resp++) {
        o.resp = resp;
        o.user = NULL;
        o.password = "wrong";
        assert_null(kvik_connect_ex(&o, &code, err, sizeof(err)));
        assert_int_equal(code, KVIK_E_AUTH);
        o.password = pass;
        kvik *k = kvik_connect_ex(&o, &code, err, sizeof(err));
        if (!k) fail_msg("resp %d: %s", resp, err);
        assert_int_equal(code, KVIK_OK);
        expect_status(k, "PONG", "PING", NULL);
        kvik_close(k);
        o.user = "default";
        k = kvik_connect(&o, err, sizeof(err));
        if (!k) fail_msg("resp %d user default: %s", resp, err);
        kvik_close(k);
    }
    /* No password: RESP3's HELLO is refused; RESP2 connects, commands get NOAUTH. */
    o.user = NULL;
    o.password = NULL;
    o.resp = 3;
    if (g_proto == KVIK_RESP) {
        assert_null(kvik_connect_ex(&o, &code, err, sizeof(err)));
        assert_int_equal(code, KVIK_E_AUTH);
        assert_non_null(strstr(err, "NOAUTH"));
    }
    o.resp = 2;
    kvik *k = kvik_connect(&o, err, sizeof(err));
    if (k) {
        kvik_reply *r = run(k, "GET", "x", NULL);
        assert_int_equal(r->type, KVIK_ERROR);
        assert_true(!strncmp(r->str, "NOAUTH", 6));
        kvik_reply_free(r);
        kvik_close(k);
    } else {
        assert_int_equal(g_proto, KVIK_NATIVE); /* native may refuse at Hello */
    }
}

/* ======================================================================== */
/* tls                                                                       */
/* ======================================================================== */

static char tls_dir[512];

static const char *tls_path(char *dst, const char *name)
{
    snprintf(dst, 600, "%s/%s", tls_dir, name);
    return dst;
}

static void tls_opts(kvik_options *o, char *ca, char *cert, char *key)
{
    kvik_options_init(o);
    o->port = g_port;
    o->protocol = g_proto;
    o->tls = 1;
    o->timeout_ms = 5000;
    o->connect_timeout_ms = 5000;
    o->tls_ca_file = tls_path(ca, "ca.crt");
    o->tls_cert_file = tls_path(cert, "client.crt");
    o->tls_key_file = tls_path(key, "client.key");
}

/* Connect and PING; NULL reply or failed connect give the code. */
static kvik_errcode tls_try(const kvik_options *o, char *err, size_t errlen)
{
    kvik_errcode code;
    kvik *k = kvik_connect_ex(o, &code, err, errlen);
    if (!k) return code;
    kvik_reply *r = kvik_commandv(k, "PING", NULL);
    if (!r) {
        code = kvik_errcode_of(k);
        snprintf(err, errlen, "%s", kvik_errstr(k));
    } else {
        code = r->type == KVIK_STATUS && !strcmp(r->str, "PONG") ? KVIK_OK : KVIK_E_PROTOCOL;
        kvik_reply_free(r);
    }
    kvik_close(k);
    return code;
}

static void test_tls_mutual(void **state)
{
    char ca[600], cert[600], key[600], err[256];
    kvik_options o;
    tls_opts(&o, ca, cert, key);
    for (int resp = 2; resp <= 3; resp++) {
        o.resp = resp;
        kvik *k = kvik_connect(&o, err, sizeof(err));
        if (!k) fail_msg("TLS connect: %s", err);
        expect_status(k, "OK", "SET", "tls-key", "v", NULL);
        /* a large value through TLS records */
        size_t n = 3u << 20;
        char *v = malloc(n);
        memset(v, 'q', n);
        const char *argv[] = {"SET", "tls-big", v};
        size_t lens[] = {3, 7, n};
        kvik_reply *r = kvik_command(k, 3, argv, lens);
        check_str(r, KVIK_STATUS, "OK");
        kvik_reply_free(r);
        r = run(k, "GET", "tls-big", NULL);
        assert_int_equal(r->len, n);
        assert_memory_equal(r->str, v, n);
        kvik_reply_free(r);
        free(v);
        for (int i = 0; i < 2000; i++) {
            const char *p[] = {"INCR", "tls-ctr"};
            kvik_send(k, 2, p, NULL);
        }
        for (int i = 0; i < 2000; i++) {
            r = kvik_read(k);
            assert_non_null(r);
            assert_int_equal(r->type, KVIK_INTEGER);
            kvik_reply_free(r);
        }
        kvik_reply_free(run(k, "DEL", "tls-big", "tls-ctr", NULL));
        kvik_close(k);
    }
    /* by name: the certificate names localhost */
    o.host = "localhost";
    assert_int_equal(tls_try(&o, err, sizeof(err)), KVIK_OK);
    /* the CA from a hashed directory instead of a file */
    char dir[600];
    o.tls_ca_file = NULL;
    o.tls_ca_dir = tls_path(dir, "ca-dir");
    if (tls_try(&o, err, sizeof(err)) != KVIK_OK) fail_msg("CA dir: %s", err);
}

static void test_tls_refusals(void **state)
{
    char ca[600], cert[600], key[600], other[600], err[256];
    kvik_options o;
    /* no client certificate: the server refuses */
    tls_opts(&o, ca, cert, key);
    o.tls_cert_file = o.tls_key_file = NULL;
    kvik_errcode c = tls_try(&o, err, sizeof(err));
    if (c != KVIK_E_TLS && c != KVIK_E_IO) fail_msg("no client cert: code %d (%s)", c, err);
    /* a CA that did not sign the server's certificate */
    tls_opts(&o, ca, cert, key);
    o.tls_ca_file = tls_path(other, "other-ca.crt");
    assert_int_equal(tls_try(&o, err, sizeof(err)), KVIK_E_TLS);
    assert_non_null(strstr(err, "verify"));
    /* ... unless told not to verify */
    o.tls_insecure = 1;
    assert_int_equal(tls_try(&o, err, sizeof(err)), KVIK_OK);
    /* a name the certificate does not have */
    tls_opts(&o, ca, cert, key);
    o.tls_sni = "wrong.example";
    assert_int_equal(tls_try(&o, err, sizeof(err)), KVIK_E_TLS);
    /* missing files */
    tls_opts(&o, ca, cert, key);
    o.tls_cert_file = "/nonexistent/client.crt";
    assert_int_equal(tls_try(&o, err, sizeof(err)), KVIK_E_TLS);
    assert_non_null(strstr(err, "/nonexistent/client.crt"));
    /* plain TCP client on the TLS port: the server hangs up or sends junk */
    kvik_options_init(&o);
    o.port = g_port;
    o.protocol = g_proto;
    o.timeout_ms = 2000;
    c = tls_try(&o, err, sizeof(err));
    assert_true(c != KVIK_OK);
}

/* ======================================================================== */

static int setup_port(const char *var)
{
    g_port = env_port(var);
    return 0;
}

int main(int argc, char **argv)
{
    const char *group = argc > 1 ? argv[1] : "offline";
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(test_url_basic),           cmocka_unit_test(test_url_errors),
        cmocka_unit_test(test_bad_options),         cmocka_unit_test(test_refused),
        cmocka_unit_test(test_connect_timeout),     cmocka_unit_test(test_fake_all_resp3_types),
        cmocka_unit_test(test_fake_two_attributes), cmocka_unit_test(test_fake_split),          cmocka_unit_test(test_fake_errors),
        cmocka_unit_test(test_fake_timeout),        cmocka_unit_test(test_send_args),
        cmocka_unit_test(test_native_fake_types),   cmocka_unit_test(test_native_fake_no_compression),
        cmocka_unit_test(test_native_fake_refused), cmocka_unit_test(test_native_fake_limits),
    };
    const struct CMUnitTest server[] = {
        cmocka_unit_test(test_types_resp2),     cmocka_unit_test(test_types_resp3),
        cmocka_unit_test(test_pipeline_10k),    cmocka_unit_test(test_large_values),
        cmocka_unit_test(test_pubsub_resp2),    cmocka_unit_test(test_pubsub_resp3),
        cmocka_unit_test(test_timeout_debug_sleep), cmocka_unit_test(test_server_closes),
        cmocka_unit_test(test_handshake_options), cmocka_unit_test(test_url_connect),
        cmocka_unit_test(test_threads),         cmocka_unit_test(test_stats),
    };
    const struct CMUnitTest auth[] = {cmocka_unit_test(test_auth)};
    const struct CMUnitTest tls[] = {cmocka_unit_test(test_tls_mutual),
                                     cmocka_unit_test(test_tls_refusals)};
    if (!strcmp(group, "offline")) return cmocka_run_group_tests_name("offline", offline, NULL, NULL);
    if (!strcmp(group, "resp")) {
        setup_port("KVIK_PORT");
        return cmocka_run_group_tests_name("resp", server, NULL, NULL);
    }
    if (!strcmp(group, "native")) {
        g_proto = KVIK_NATIVE;
        setup_port("KVIK_NATIVE_PORT");
        return cmocka_run_group_tests_name("native", server, NULL, NULL);
    }
    if (!strcmp(group, "auth")) return cmocka_run_group_tests_name("auth", auth, NULL, NULL);
    if (!strcmp(group, "native-auth")) {
        g_proto = KVIK_NATIVE;
        return cmocka_run_group_tests_name("native-auth", auth, NULL, NULL);
    }
    if (!strcmp(group, "tls") || !strcmp(group, "native-tls")) {
        if (!strcmp(group, "native-tls")) g_proto = KVIK_NATIVE;
        setup_port("KVIK_TLS_PORT");
        snprintf(tls_dir, sizeof(tls_dir), "%s", getenv("KVIK_TLS_DIR") ? getenv("KVIK_TLS_DIR") : ".");
        return cmocka_run_group_tests_name(group, tls, NULL, NULL);
    }
    fprintf(stderr, "unknown group %s (offline, resp, auth, native, native-auth, tls, native-tls)\n", group);
    return 2;
}
