/* tests/unit/test_tls.c — unit tests for net/tls.c over socketpairs.
 *
 * The server side is a conn from conn_tls_new; the client side is a plain
 * OpenSSL client on the other end of a non-blocking AF_UNIX socketpair. Both
 * are stepped by hand, so the tests reach states a real network rarely
 * shows: a handshake that must wait for the socket to be writable while the
 * server reads (a certificate chain larger than tiny socket buffers), writes
 * that stall and are retried from a moved buffer, decrypted bytes left pending
 * inside OpenSSL, a plaintext peer, a reload while a connection is open.
 *
 * Certificates come from tools/gen-certs.sh (run from the repository root,
 * as `make unit` does) into a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/tls.h"

static char dir[256];

static const char *path(const char *name)
{
    static char p[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
    return p[i];
}

static tls_settings settings(void)
{
    tls_settings s;
    memset(&s, 0, sizeof(s));
    s.cert_file = path("server.crt");
    s.key_file = path("server.key");
    s.ca_file = path("ca.crt");
    s.auth_clients = TLS_AUTH_NO;
    s.session_caching = 1;
    return s;
}

static int setup_all(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/kvik-unit-tls-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "sh tools/gen-certs.sh %s >/dev/null", dir);
    if (system(cmd) != 0) return -1;
    char err[512];
    tls_settings s = settings();
    if (tls_configure(&s, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    tls_cleanup();
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ a pair */

typedef struct pair {
    conn *srv;
    SSL_CTX *cctx;
    SSL *cli;
    int cfd;
} pair;

/* A server conn and a client SSL on a socketpair; bufsize > 0 shrinks both
 * ends' buffers. */
static void pair_open(pair *p, int bufsize, const char *ca)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    if (bufsize) {
        for (int i = 0; i < 2; i++) {
            setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
            setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
        }
    }
    p->srv = conn_tls_new(sv[0]);
    assert_non_null(p->srv);
    assert_true(conn_is_tls(p->srv));
    p->cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(p->cctx, SSL_VERIFY_PEER, NULL);
    assert_int_equal(SSL_CTX_load_verify_locations(p->cctx, ca, NULL), 1);
    SSL_CTX_set_max_cert_list(p->cctx, 4 << 20);
    p->cli = SSL_new(p->cctx);
    SSL_set_fd(p->cli, sv[1]);
    SSL_set_connect_state(p->cli);
    p->cfd = sv[1];
}

static void pair_close(pair *p)
{
    if (p->srv) conn_close(p->srv);
    SSL_free(p->cli);
    SSL_CTX_free(p->cctx);
    close(p->cfd);
    ERR_clear_error();
}

/* Steps both sides until the handshake is done on both (the server's is
 * finished by one of its reads). Returns how often the server's read reported
 * that it waits for the socket to be writable. */
static int pair_handshake(pair *p)
{
    tls_counters tc;
    tls_get_counters(&tc);
    long long start = tc.handshakes;
    int waits = 0, cdone = 0;
    char b[16];
    for (int i = 0; i < 100000; i++) {
        if (!cdone) {
            ERR_clear_error();
            int r = SSL_do_handshake(p->cli);
            if (r == 1) {
                cdone = 1;
            } else {
                int e = SSL_get_error(p->cli, r);
                assert_true(e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE);
            }
        }
        assert_int_equal(conn_read(p->srv, b, sizeof(b)), CONN_AGAIN); /* no data yet */
        if (p->srv->want & CONN_READ_WANTS_WRITE) waits++;
        tls_get_counters(&tc);
        if (cdone && tc.handshakes > start) return waits;
    }
    fail_msg("handshake did not finish");
    return waits;
}

static void cli_write(pair *p, const void *data, int len)
{
    assert_int_equal(SSL_write(p->cli, data, len), len);
}

/* Reads exactly len bytes on the client side, stepping nothing else. */
static void cli_read(pair *p, char *out, size_t len)
{
    size_t got = 0;
    for (int i = 0; got < len && i < 1000000; i++) {
        int n = SSL_read(p->cli, out + got, (int)(len - got));
        if (n > 0) got += (size_t)n;
    }
    assert_int_equal(got, len);
}

/* ------------------------------------------------------------ tests */

static void test_configure_errors(void **state)
{
    (void)state;
    char err[512];
    tls_settings s = settings();
    s.cert_file = path("missing.crt");
    assert_int_equal(tls_configure(&s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "tls-cert-file"));
    assert_non_null(strstr(err, "No such file"));

    s = settings();
    s.key_file = path("client.key");
    assert_int_equal(tls_configure(&s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "does not match"));

    s = settings();
    s.protocols = "TLSv1.2 TLSv2";
    assert_int_equal(tls_configure(&s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown protocol 'TLSv2'"));

    s = settings();
    s.ca_file = NULL;
    s.auth_clients = TLS_AUTH_YES;
    assert_int_equal(tls_configure(&s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "neither"));

    s = settings();
    s.ca_dir = path("ca.crt"); /* a file */
    assert_int_equal(tls_configure(&s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a directory"));

    s = settings();
    s.ciphersuites = "TLS_NOT_A_SUITE";
    assert_int_equal(tls_configure(&s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "tls-ciphersuites"));

    /* the context from setup is still there */
    assert_true(tls_ready());
    s = settings();
    s.protocols = "tlsv1.3, TLSv1.2";
    assert_int_equal(tls_configure(&s, err, sizeof(err)), 0);
}

static void test_io_and_pending(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, 0, path("ca.crt"));
    pair_handshake(&p);

    /* three commands in one record: a small read leaves the rest pending */
    const char cmds[] = "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n";
    cli_write(&p, cmds, (int)strlen(cmds));
    char b[64];
    ssize_t n = conn_read(p.srv, b, 5);
    assert_int_equal(n, 5);
    assert_int_equal(conn_pending(p.srv), strlen(cmds) - 5);
    n = conn_read(p.srv, b + 5, sizeof(b) - 5);
    assert_int_equal(n, (ssize_t)strlen(cmds) - 5);
    assert_memory_equal(b, cmds, strlen(cmds));
    assert_int_equal(conn_pending(p.srv), 0);
    assert_int_equal(conn_read(p.srv, b, sizeof(b)), CONN_AGAIN);

    /* writev of several pieces */
    struct iovec iov[3] = {{"+PONG\r\n", 7}, {"", 0}, {"+OK\r\n", 5}};
    assert_int_equal(conn_writev(p.srv, iov, 3), 12);
    cli_read(&p, b, 12);
    assert_memory_equal(b, "+PONG\r\n+OK\r\n", 12);

    /* close sends close_notify: the client sees a clean end */
    conn_close(p.srv);
    p.srv = NULL;
    int r = SSL_read(p.cli, b, sizeof(b));
    assert_true(r <= 0);
    assert_int_equal(SSL_get_error(p.cli, r), SSL_ERROR_ZERO_RETURN);
    pair_close(&p);
}

/* A chain far larger than the socket buffers: the server's handshake step,
 * run from a read, must report CONN_READ_WANTS_WRITE, and finish once the
 * client drained the socket. */
static void test_read_waits_for_writable(void **state)
{
    (void)state;
    char err[512];
    FILE *out = fopen(path("chain.crt"), "w");
    assert_non_null(out);
    char buf[8192];
    FILE *in = fopen(path("server.crt"), "r");
    size_t n = fread(buf, 1, sizeof(buf), in);
    fclose(in);
    fwrite(buf, 1, n, out);
    in = fopen(path("ca.crt"), "r");
    n = fread(buf, 1, sizeof(buf), in);
    fclose(in);
    for (int i = 0; i < 200; i++)
        fwrite(buf, 1, n, out);
    fclose(out);
    tls_settings s = settings();
    s.cert_file = path("chain.crt");
    assert_int_equal(tls_configure(&s, err, sizeof(err)), 0);

    pair p;
    pair_open(&p, 4096, path("ca.crt"));
    int waits = pair_handshake(&p);
    assert_true(waits > 0);
    const char ping[] = "*1\r\n$4\r\nPING\r\n";
    cli_write(&p, ping, (int)strlen(ping));
    char b[64];
    assert_int_equal(conn_read(p.srv, b, sizeof(b)), (ssize_t)strlen(ping));
    assert_int_equal(p.srv->want, 0);
    pair_close(&p);

    s = settings();
    assert_int_equal(tls_configure(&s, err, sizeof(err)), 0);
}

/* A large reply through tiny buffers: partial writes, CONN_AGAIN, and the
 * rest retried from a different buffer holding the same bytes. */
static void test_partial_writes_moving_buffer(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, 4096, path("ca.crt"));
    pair_handshake(&p);
    size_t len = 1 << 20;
    char *data = malloc(len), *got = malloc(len);
    for (size_t i = 0; i < len; i++)
        data[i] = (char)(i * 7 + (i >> 11));
    size_t sent = 0, recvd = 0;
    int agains = 0;
    while (recvd < len) {
        if (sent < len) {
            /* a fresh copy of the unsent part each time: the buffer moves */
            char *copy = malloc(len - sent);
            memcpy(copy, data + sent, len - sent);
            struct iovec iov = {copy, len - sent};
            ssize_t w = conn_writev(p.srv, &iov, 1);
            memset(copy, 0, len - sent);
            free(copy);
            if (w == CONN_AGAIN)
                agains++;
            else {
                assert_true(w > 0);
                sent += (size_t)w;
            }
        }
        int r = SSL_read(p.cli, got + recvd, (int)(len - recvd));
        if (r > 0) recvd += (size_t)r;
    }
    assert_true(agains > 0);
    assert_memory_equal(got, data, len);
    free(data);
    free(got);
    pair_close(&p);
}

static void test_plaintext_peer(void **state)
{
    (void)state;
    tls_counters before, after;
    tls_get_counters(&before);
    pair p;
    pair_open(&p, 0, path("ca.crt"));
    const char ping[] = "*1\r\n$4\r\nPING\r\n";
    assert_int_equal(write(p.cfd, ping, strlen(ping)), (ssize_t)strlen(ping));
    char b[64];
    assert_int_equal(conn_read(p.srv, b, sizeof(b)), CONN_ERR);
    assert_int_equal(conn_pending(p.srv), 0);
    tls_get_counters(&after);
    assert_int_equal(after.failed, before.failed + 1);
    assert_int_equal(after.open, before.open + 1);
    conn_close(p.srv); /* no close_notify after a failure; must not crash */
    p.srv = NULL;
    tls_get_counters(&after);
    assert_int_equal(after.open, before.open);
    pair_close(&p);
}

/* Connections keep the context they started with across a reload. */
static void test_reload_keeps_open_connections(void **state)
{
    (void)state;
    char err[512];
    pair old;
    pair_open(&old, 0, path("ca.crt"));
    pair_handshake(&old);
    tls_settings s = settings();
    s.protocols = "TLSv1.2";
    s.ciphers = "ECDHE-RSA-AES256-GCM-SHA384";
    assert_int_equal(tls_configure(&s, err, sizeof(err)), 0);
    pair fresh;
    pair_open(&fresh, 0, path("ca.crt"));
    pair_handshake(&fresh);
    assert_string_equal(SSL_get_version(fresh.cli), "TLSv1.2");
    assert_string_equal(SSL_get_cipher_name(fresh.cli), "ECDHE-RSA-AES256-GCM-SHA384");
    assert_string_equal(SSL_get_version(old.cli), "TLSv1.3");
    cli_write(&old, "x", 1);
    char b[4];
    assert_int_equal(conn_read(old.srv, b, sizeof(b)), 1);
    pair_close(&old);
    pair_close(&fresh);
    s = settings();
    assert_int_equal(tls_configure(&s, err, sizeof(err)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_configure_errors),
        cmocka_unit_test(test_io_and_pending),
        cmocka_unit_test(test_read_waits_for_writable),
        cmocka_unit_test(test_partial_writes_moving_buffer),
        cmocka_unit_test(test_plaintext_peer),
        cmocka_unit_test(test_reload_keeps_open_connections),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
