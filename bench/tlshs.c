/* bench/tlshs.c — new TLS connections per second against kvik or redis-server.
 *
 * C threads each loop for T seconds: connect, full TLS handshake, PING, read
 * +PONG, close_notify, close. With -r each thread resumes the session of its
 * previous connection instead (abbreviated handshake). Blocking sockets; the
 * server's share of the work (its private-key operation, key exchange, accept
 * and client set-up) is what the figure measures, so run this on another core
 * than the server and with enough threads (-c) to keep the server busy.
 *
 * The last line is machine-readable for bench/tls.py:
 *   RESULT conns=N seconds=S per_sec=R failed=F resumed=M
 *
 * Build: make bench-tools (bin/kvik-tlshs).
 * Usage: kvik-tlshs -p port --cacert ca.crt [--cert c.crt --key c.key]
 *                   [-h host] [-c threads] [-t seconds] [-r]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static const char *host = "127.0.0.1", *cacert, *cert, *key;
static int port = 6379, nthreads = 4, resume;
static double seconds = 3.0;
static SSL_CTX *ctx;
static atomic_long done, failed, resumed;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One connection: 1 on success. *sess: the session to resume (replaced by
 * the new one when resuming). */
static int one(SSL_SESSION **sess)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    int one_ = 1, ok = 0;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one_, sizeof(one_));
    /* RST on close: the client side leaves no TIME_WAIT sockets behind,
     * which would exhaust local ports in a long run. */
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    SSL *ssl = NULL;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) goto out;
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (resume && *sess) SSL_set_session(ssl, *sess);
    if (SSL_connect(ssl) != 1) goto out;
    static const char ping[] = "*1\r\n$4\r\nPING\r\n";
    if (SSL_write(ssl, ping, (int)sizeof(ping) - 1) != (int)sizeof(ping) - 1) goto out;
    char buf[64];
    int n = 0;
    while (n < 7) {
        int r = SSL_read(ssl, buf + n, (int)sizeof(buf) - n);
        if (r <= 0) goto out;
        n += r;
    }
    ok = n == 7 && !memcmp(buf, "+PONG\r\n", 7);
    if (ok && SSL_session_reused(ssl)) atomic_fetch_add(&resumed, 1);
    if (ok && resume) {
        /* TLSv1.3 tickets arrive after the handshake: read with PING's reply. */
        SSL_SESSION *s = SSL_get1_session(ssl);
        if (s) {
            if (*sess) SSL_SESSION_free(*sess);
            *sess = s;
        }
    }
    SSL_shutdown(ssl);
out:
    if (ssl) SSL_free(ssl);
    ERR_clear_error();
    close(fd);
    return ok;
}

static void *worker(void *arg)
{
    double end = *(double *)arg;
    SSL_SESSION *sess = NULL;
    while (now() < end) {
        if (one(&sess))
            atomic_fetch_add(&done, 1);
        else
            atomic_fetch_add(&failed, 1);
    }
    if (sess) SSL_SESSION_free(sess);
    return NULL;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: kvik-tlshs -p port --cacert ca.crt [--cert c.crt --key c.key] "
            "[-h host] [-c threads] [-t seconds] [-r]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-r")) {
            resume = 1;
            continue;
        }
        if (!v) usage();
        i++;
        if (!strcmp(a, "-h"))
            host = v;
        else if (!strcmp(a, "-p"))
            port = atoi(v);
        else if (!strcmp(a, "-c"))
            nthreads = atoi(v);
        else if (!strcmp(a, "-t"))
            seconds = atof(v);
        else if (!strcmp(a, "--cacert"))
            cacert = v;
        else if (!strcmp(a, "--cert"))
            cert = v;
        else if (!strcmp(a, "--key"))
            key = v;
        else
            usage();
    }
    if (!cacert || nthreads < 1 || nthreads > 256) usage();
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_load_verify_locations(ctx, cacert, NULL) != 1) {
        fprintf(stderr, "cannot load %s\n", cacert);
        return 1;
    }
    if (cert &&
        (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1)) {
        fprintf(stderr, "cannot load the client certificate\n");
        return 1;
    }
    if (resume) SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
    double t0 = now(), end = t0 + seconds;
    pthread_t tids[256];
    for (int i = 0; i < nthreads; i++)
        pthread_create(&tids[i], NULL, worker, &end);
    for (int i = 0; i < nthreads; i++)
        pthread_join(tids[i], NULL);
    double el = now() - t0;
    long n = atomic_load(&done);
    printf("%ld connections in %.2f s: %.0f/s, %ld failed, %ld resumed\n", n, el,
           (double)n / el, atomic_load(&failed), atomic_load(&resumed));
    printf("RESULT conns=%ld seconds=%.3f per_sec=%.1f failed=%ld resumed=%ld\n", n, el,
           (double)n / el, atomic_load(&failed), atomic_load(&resumed));
    SSL_CTX_free(ctx);
    return n > 0 ? 0 : 1;
}
