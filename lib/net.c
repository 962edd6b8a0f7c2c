/* lib/net.c — libkvik's transports: TCP and TLS (OpenSSL).
 *
 * Sockets are non-blocking; every transport call either moves bytes or says
 * which readiness it waits for (KL_WANT_READ / KL_WANT_WRITE), and the caller
 * (kvik.c) waits with poll() within the timeout. Writes use send() with
 * MSG_NOSIGNAL, TLS included (its BIO below is ours, not OpenSSL's socket BIO),
 * so a closed peer is an error, never a SIGPIPE.
 *
 * TLS verifies the server by default: the chain against the CA file/dir (or
 * the system's store) and the name against tls_sni or the host (an IP address
 * is matched as one). SNI is sent unless the name is an IP address.
 */
#include "lib/kvik_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* ======================================================================== */
/* TCP                                                                       */
/* ======================================================================== */

static ssize_t tcp_read(kvik *k, void *p, size_t n)
{
    for (;;) {
        ssize_t r = recv(k->fd, p, n, 0);
        if (r >= 0) return r;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return KL_WANT_READ;
        return kl_fail(k, KVIK_E_IO, "read: %s", strerror(errno));
    }
}

static ssize_t tcp_write(kvik *k, const void *p, size_t n)
{
    for (;;) {
        ssize_t r = send(k->fd, p, n, MSG_NOSIGNAL);
        if (r >= 0) return r;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return KL_WANT_WRITE;
        return kl_fail(k, KVIK_E_IO, "write: %s", strerror(errno));
    }
}

static size_t tcp_pending(const kvik *k)
{
    return 0;
}

static void tcp_close(kvik *k)
{
}

static const kl_transport tcp_transport = {"tcp", tcp_read, tcp_write, tcp_pending,
                                           tcp_close};

/* One non-blocking connect to ai, waiting within k's deadline. 0, -1 with
 * errno set (ETIMEDOUT on the deadline). */
static int connect_one(kvik *k, const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0) return -1;
    k->fd = fd;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return 0;
    if (errno != EINPROGRESS) goto fail;
    if (kl_wait(k, POLLOUT) < 0) {
        errno = k->code == KVIK_E_TIMEOUT ? ETIMEDOUT : EIO;
        goto fail;
    }
    int soerr = 0;
    socklen_t sl = sizeof(soerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) goto fail;
    if (soerr == 0) return 0;
    errno = soerr;
fail:;
    int e = errno;
    close(fd);
    k->fd = -1;
    errno = e;
    return -1;
}

int kl_tcp_connect(kvik *k, const char *host, int port)
{
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME) {
        hints.ai_flags = 0; /* e.g. "::1" on a host without a global IPv6 address */
        rc = getaddrinfo(host, portstr, &hints, &res);
    }
    if (rc != 0)
        return kl_fail(k, KVIK_E_IO, "cannot resolve %s: %s", host, gai_strerror(rc));
    int err = 0;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        k->code = KVIK_OK;
        k->broken = 0; /* a failed wait on the previous address set it */
        if (connect_one(k, ai) == 0) {
            freeaddrinfo(res);
            int one = 1;
            setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            k->tr = &tcp_transport;
            return 0;
        }
        err = errno;
        if (err == ETIMEDOUT && k->code == KVIK_E_TIMEOUT) break;
    }
    freeaddrinfo(res);
    if (err == ETIMEDOUT)
        return kl_fail(k, KVIK_E_TIMEOUT, "connect to %s:%d: timed out", host, port);
    return kl_fail(k, KVIK_E_IO, "connect to %s:%d: %s", host, port, strerror(err));
}

/* ======================================================================== */
/* TLS                                                                       */
/* ======================================================================== */

/* A BIO over k->fd that never raises SIGPIPE. Its data is the kvik. */
static int bio_write(BIO *b, const char *p, int n)
{
    kvik *k = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    for (;;) {
        ssize_t r = send(k->fd, p, (size_t)n, MSG_NOSIGNAL);
        if (r >= 0) return (int)r;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
        return -1;
    }
}

static int bio_read(BIO *b, char *p, int n)
{
    kvik *k = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    for (;;) {
        ssize_t r = recv(k->fd, p, (size_t)n, 0);
        if (r >= 0) return (int)r;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(b);
        return -1;
    }
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *bio_method;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

static void bio_method_init(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "kvik socket");
    if (!m) return;
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    bio_method = m;
}

/* The first OpenSSL error of this thread's queue, as text (or "unknown"). */
static const char *ssl_errtext(char *dst, size_t size)
{
    unsigned long e = ERR_get_error();
    if (!e) return "unknown error";
    ERR_error_string_n(e, dst, size);
    ERR_clear_error();
    return dst;
}

/* Maps an SSL_* result. n > 0 passes through. */
static ssize_t tls_result(kvik *k, int n, const char *what)
{
    SSL *ssl = k->tls;
    char text[200];
    int e = SSL_get_error(ssl, n);
    switch (e) {
    case SSL_ERROR_NONE: return n;
    case SSL_ERROR_WANT_READ: return KL_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return KL_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: return KL_EOF;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error()) break;
        if (n == 0 || errno == 0) return KL_EOF; /* closed without close_notify */
        return kl_fail(k, KVIK_E_IO, "TLS %s: %s", what, strerror(errno));
    default: break;
    }
    long v = SSL_get_verify_result(ssl);
    if (v != X509_V_OK)
        return kl_fail(k, KVIK_E_TLS, "TLS %s: certificate verify failed: %s", what,
                       X509_verify_cert_error_string(v));
    return kl_fail(k, KVIK_E_TLS, "TLS %s: %s", what, ssl_errtext(text, sizeof(text)));
}

static ssize_t tls_read(kvik *k, void *p, size_t n)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_read(k->tls, p, n > INT32_MAX ? INT32_MAX : (int)n);
    return r > 0 ? r : tls_result(k, r, "read");
}

static ssize_t tls_write(kvik *k, const void *p, size_t n)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_write(k->tls, p, n > INT32_MAX ? INT32_MAX : (int)n);
    if (r > 0) return r;
    ssize_t x = tls_result(k, r, "write");
    return x == KL_EOF ? kl_fail(k, KVIK_E_IO, "TLS write: connection closed") : x;
}

static size_t tls_pending(const kvik *k)
{
    return k->tls ? (size_t)SSL_pending(k->tls) : 0;
}

static void tls_close(kvik *k)
{
    if (k->tls) {
        if (!k->broken) SSL_shutdown(k->tls); /* best effort, non-blocking */
        SSL_free(k->tls);
    }
    if (k->tls_ctx) SSL_CTX_free(k->tls_ctx);
    k->tls = NULL;
    k->tls_ctx = NULL;
}

static const kl_transport tls_transport = {"tls", tls_read, tls_write, tls_pending,
                                           tls_close};

static int ctx_setup(kvik *k, SSL_CTX *ctx, const kvik_options *o)
{
    char text[200];
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (o->tls_ca_file || o->tls_ca_dir) {
        if (!SSL_CTX_load_verify_locations(ctx, o->tls_ca_file, o->tls_ca_dir))
            return kl_fail(k, KVIK_E_TLS, "TLS: cannot load CA %s: %s",
                           o->tls_ca_file ? o->tls_ca_file : o->tls_ca_dir,
                           ssl_errtext(text, sizeof(text)));
    } else if (!SSL_CTX_set_default_verify_paths(ctx)) {
        return kl_fail(k, KVIK_E_TLS, "TLS: cannot load the system CA store: %s",
                       ssl_errtext(text, sizeof(text)));
    }
    if (o->tls_cert_file || o->tls_key_file) {
        const char *cert = o->tls_cert_file, *key = o->tls_key_file ? o->tls_key_file : cert;
        if (!cert) return kl_fail(k, KVIK_E_ARG, "TLS: a key file needs a certificate file");
        if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
            return kl_fail(k, KVIK_E_TLS, "TLS: cannot load certificate %s: %s", cert,
                           ssl_errtext(text, sizeof(text)));
        if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
            return kl_fail(k, KVIK_E_TLS, "TLS: cannot load key %s: %s", key,
                           ssl_errtext(text, sizeof(text)));
        if (SSL_CTX_check_private_key(ctx) != 1)
            return kl_fail(k, KVIK_E_TLS, "TLS: key %s does not match certificate %s", key,
                           cert);
    }
    SSL_CTX_set_verify(ctx, o->tls_insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    return 0;
}

/* The name to verify (and send as SNI unless an IP address). */
static int ssl_setup(kvik *k, SSL *ssl, const kvik_options *o)
{
    const char *name = o->tls_sni && o->tls_sni[0] ? o->tls_sni : o->host;
    unsigned char addr[16];
    int is_ip = inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1;
    if (!is_ip && !SSL_set_tlsext_host_name(ssl, name))
        return kl_fail(k, KVIK_E_TLS, "TLS: bad server name '%s'", name);
    if (o->tls_insecure) return 0;
    X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, name) : SSL_set1_host(ssl, name);
    if (!ok) return kl_fail(k, KVIK_E_TLS, "TLS: cannot verify against name '%s'", name);
    return 0;
}

int kl_tls_start(kvik *k, const kvik_options *o)
{
    pthread_once(&bio_once, bio_method_init);
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    BIO *bio = bio_method ? BIO_new(bio_method) : NULL;
    if (!ctx || !bio) {
        if (ctx) SSL_CTX_free(ctx);
        return kl_fail(k, KVIK_E_TLS, "TLS: cannot create a context");
    }
    BIO_set_data(bio, k);
    k->tls_ctx = ctx;
    k->tr = &tls_transport;
    if (ctx_setup(k, ctx, o) < 0) {
        BIO_free(bio);
        return -1;
    }
    SSL *ssl = SSL_new(ctx);
    if (!ssl) {
        BIO_free(bio);
        return kl_fail(k, KVIK_E_TLS, "TLS: cannot create a session");
    }
    SSL_set_bio(ssl, bio, bio);
    k->tls = ssl;
    if (ssl_setup(k, ssl, o) < 0) return -1;
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int r = SSL_connect(ssl);
        if (r == 1) return 0;
        ssize_t x = tls_result(k, r, "handshake");
        if (x == KL_WANT_READ || x == KL_WANT_WRITE) {
            if (kl_wait(k, x == KL_WANT_READ ? POLLIN : POLLOUT) < 0) return -1;
            continue;
        }
        if (x == KL_EOF)
            return kl_fail(k, KVIK_E_TLS,
                           "TLS handshake: the server closed the connection "
                           "(not a TLS port, or it refused the client certificate?)");
        return -1;
    }
}
