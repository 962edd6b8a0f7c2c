/* net/tls.c — TLS connections over OpenSSL (see tls.h).
 *
 * A tls_conn is a conn followed by its SSL object. OpenSSL does the socket I/O
 * itself (a socket BIO on the non-blocking fd), so a read or write maps to
 * SSL_read / SSL_write and OpenSSL's "want read / want write" answers become
 * CONN_AGAIN, plus a conn.want bit when the call waits for the direction the
 * caller did not ask for:
 *
 *     SSL_read  -> WANT_READ   CONN_AGAIN (the caller watches reads anyway)
 *     SSL_read  -> WANT_WRITE  CONN_AGAIN + CONN_READ_WANTS_WRITE
 *     SSL_write -> WANT_WRITE  CONN_AGAIN (the caller watches writes anyway)
 *     SSL_write -> WANT_READ   CONN_AGAIN + CONN_WRITE_WANTS_READ
 *
 * The handshake is the first step of whichever call comes first (normally a
 * read: the client speaks first). Writes are partial (SSL_MODE_ENABLE_PARTIAL_
 * WRITE) and may be retried from a moved buffer holding the same bytes, which
 * is how the server's output buffer behaves.
 *
 * Closing sends close_notify once, without waiting for the peer's, unless the
 * connection failed (OpenSSL forbids a shutdown after a fatal error).
 *
 * The context: `current` is swapped under ctx_lock; SSL_new takes its own
 * reference on the context, so the old one is freed when its last connection
 * closes.
 */
#include "net/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/log.h"
#include "core/mem.h"

enum {
    TC_OPEN = 1,   /* handshake done */
    TC_FAILED = 2, /* fatal error: no close_notify */
};

typedef struct tls_conn {
    conn c; /* first: a tls_conn * is a conn * */
    SSL *ssl;
    unsigned flags;
    char peer[64]; /* "ip:port", for log lines (read at accept: a reset
                    * socket no longer knows its peer) */
} tls_conn;

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *current;
static atomic_llong n_open, n_handshakes, n_failed;

/* ------------------------------------------------------------ errors */

/* "ip:port" of the peer of fd, for log lines. */
static void peer_name(int fd, char *out, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET) {
            const struct sockaddr_in *s = (const void *)&ss;
            inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
            port = ntohs(s->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *s = (const void *)&ss;
            inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
            port = ntohs(s->sin6_port);
        }
    }
    snprintf(out, size, "%s:%d", ip, port);
}

/* The first error on this thread's OpenSSL queue as text (the queue is
 * emptied); `fallback` if it is empty. */
static const char *ssl_reason(char *out, size_t size, const char *fallback)
{
    unsigned long e = ERR_get_error();
    if (!e) {
        snprintf(out, size, "%s", fallback);
    } else {
        const char *r = ERR_reason_error_string(e);
        if (r)
            snprintf(out, size, "%s", r);
        else
            ERR_error_string_n(e, out, size);
    }
    ERR_clear_error();
    return out;
}

/* Maps a failed SSL call (its return r) to CONN_AGAIN, 0 (peer closed; reads
 * only) or CONN_ERR, logging real errors with the peer's address. writing:
 * the call was a write. */
static ssize_t io_fail(tls_conn *t, int r, int writing)
{
    int e = SSL_get_error(t->ssl, r);
    int saved = errno;
    const char *peer = t->peer;
    char why[256];
    switch (e) {
    case SSL_ERROR_WANT_READ:
        if (writing) t->c.want |= CONN_WRITE_WANTS_READ;
        return CONN_AGAIN;
    case SSL_ERROR_WANT_WRITE:
        if (!writing) {
            t->c.want |= CONN_READ_WANTS_WRITE;
            log_debug("TLS %s: a read waits for the socket to be writable", t->peer);
        }
        return CONN_AGAIN;
    case SSL_ERROR_ZERO_RETURN: /* close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF) */
        if (!(t->flags & TC_OPEN)) {
            atomic_fetch_add(&n_failed, 1);
            t->flags |= TC_FAILED;
            log_verbose("TLS client %s closed the connection during the handshake", peer);
        }
        if (writing) {
            errno = EPIPE;
            return CONN_ERR;
        }
        return 0;
    case SSL_ERROR_SYSCALL:
        if (saved == EAGAIN || saved == EWOULDBLOCK || saved == EINTR) return CONN_AGAIN;
        t->flags |= TC_FAILED;
        if (!(t->flags & TC_OPEN)) atomic_fetch_add(&n_failed, 1);
        ERR_clear_error();
        if (saved == 0 && !writing) return 0; /* EOF */
        log_verbose("TLS connection with %s: %s", peer, saved ? strerror(saved) : "EOF");
        errno = saved ? saved : EPIPE;
        return CONN_ERR;
    default: /* SSL_ERROR_SSL: a protocol error, a refused certificate */
        t->flags |= TC_FAILED;
        ssl_reason(why, sizeof(why), "protocol error");
        if (!(t->flags & TC_OPEN)) {
            atomic_fetch_add(&n_failed, 1);
            long v = SSL_get_verify_result(t->ssl);
            if (v != X509_V_OK)
                log_notice("TLS handshake with %s failed: %s (%s)", peer, why,
                           X509_verify_cert_error_string(v));
            else
                log_notice("TLS handshake with %s failed: %s", peer, why);
        } else {
            log_notice("TLS error with %s: %s", peer, why);
        }
        errno = EPROTO;
        return CONN_ERR;
    }
}

/* Advances the handshake: 1 when done, else as io_fail. */
static ssize_t handshake(tls_conn *t, int writing)
{
    ERR_clear_error();
    int r = SSL_do_handshake(t->ssl);
    if (r == 1) {
        t->flags |= TC_OPEN;
        t->c.ready = 1;
        atomic_fetch_add(&n_handshakes, 1);
        return 1;
    }
    return io_fail(t, r, writing);
}

/* ------------------------------------------------------------ the conn type */

static ssize_t tls_read(conn *c, void *dst, size_t len)
{
    tls_conn *t = (tls_conn *)c;
    c->want &= ~CONN_READ_WANTS_WRITE;
    if (!(t->flags & TC_OPEN)) {
        ssize_t h = handshake(t, 0);
        if (h != 1) return h;
    }
    ERR_clear_error();
    int n = SSL_read(t->ssl, dst, len > INT_MAX ? INT_MAX : (int)len);
    if (n > 0) return n;
    return io_fail(t, n, 0);
}

static ssize_t tls_writev(conn *c, const struct iovec *iov, int iovcnt)
{
    tls_conn *t = (tls_conn *)c;
    c->want &= ~CONN_WRITE_WANTS_READ;
    if (!(t->flags & TC_OPEN)) {
        ssize_t h = handshake(t, 1);
        if (h != 1) return h == 0 ? CONN_ERR : h;
    }
    ssize_t total = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len == 0) continue;
        int want = iov[i].iov_len > INT_MAX ? INT_MAX : (int)iov[i].iov_len;
        ERR_clear_error();
        int w = SSL_write(t->ssl, iov[i].iov_base, want);
        if (w <= 0) {
            ssize_t r = io_fail(t, w, 1);
            /* Report what went; the stalled part is retried (or fails) next. */
            return total > 0 ? total : r;
        }
        total += w;
        if (w < want) break;
    }
    return total;
}

static size_t tls_pending(conn *c)
{
    tls_conn *t = (tls_conn *)c;
    if (!(t->flags & TC_OPEN) || (t->flags & TC_FAILED)) return 0;
    int n = SSL_pending(t->ssl);
    return n > 0 ? (size_t)n : 0;
}

static void tls_close(conn *c)
{
    tls_conn *t = (tls_conn *)c;
    if ((t->flags & TC_OPEN) && !(t->flags & TC_FAILED)) {
        ERR_clear_error();
        (void)SSL_shutdown(t->ssl); /* one close_notify; the peer's is not awaited */
    }
    SSL_free(t->ssl);
    ERR_clear_error();
    if (t->flags & TC_FAILED) {
        /* Unread input would turn the close into a reset: drop what the peer
         * sent (a plaintext client's command), bounded, so it sees an end. */
        char junk[4096];
        for (int i = 0; i < 16 && read(c->fd, junk, sizeof(junk)) > 0; i++)
            continue;
    }
    close(c->fd);
    atomic_fetch_sub(&n_open, 1);
    mem_free(t);
}

static const conn_type tls_type = {
    .name = "tls",
    .read = tls_read,
    .writev = tls_writev,
    .pending = tls_pending,
    .close = tls_close,
};

conn *conn_tls_new(int fd)
{
    pthread_mutex_lock(&ctx_lock);
    SSL *ssl = current ? SSL_new(current) : NULL;
    pthread_mutex_unlock(&ctx_lock);
    if (!ssl || !SSL_set_fd(ssl, fd)) {
        SSL_free(ssl);
        ERR_clear_error();
        return NULL;
    }
    SSL_set_accept_state(ssl);
    tls_conn *t = mem_calloc(sizeof(*t));
    t->c.type = &tls_type;
    t->c.fd = fd;
    t->c.want = 0;
    t->ssl = ssl;
    peer_name(fd, t->peer, sizeof(t->peer));
    atomic_fetch_add(&n_open, 1);
    return &t->c;
}

int conn_is_tls(const conn *c)
{
    return c->type == &tls_type;
}

void tls_get_counters(tls_counters *out)
{
    out->open = atomic_load(&n_open);
    out->handshakes = atomic_load(&n_handshakes);
    out->failed = atomic_load(&n_failed);
}

/* ------------------------------------------------------------ the context */

static int set(const char *s)
{
    return s && s[0];
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    ERR_clear_error();
    return -1;
}

/* A file the context reads: refused early with the system's reason, which is
 * clearer than OpenSSL's. */
static int check_file(const char *setting, const char *path, int dir, char *err,
                      size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0 || access(path, R_OK) != 0)
        return fail(err, errlen, "%s '%s': %s", setting, path, strerror(errno));
    if (dir && !S_ISDIR(st.st_mode))
        return fail(err, errlen, "%s '%s': not a directory", setting, path);
    if (!dir && S_ISDIR(st.st_mode))
        return fail(err, errlen, "%s '%s': is a directory", setting, path);
    return 0;
}

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pass = u;
    if (!pass || size <= 0) return 0;
    size_t n = strlen(pass);
    if (n > (size_t)size) n = (size_t)size;
    memcpy(buf, pass, n);
    return (int)n;
}

static const struct {
    const char *name;
    int version;
    long no_option;
} protos[] = {
    {"TLSv1", TLS1_VERSION, SSL_OP_NO_TLSv1},
    {"TLSv1.1", TLS1_1_VERSION, SSL_OP_NO_TLSv1_1},
    {"TLSv1.2", TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
    {"TLSv1.3", TLS1_3_VERSION, SSL_OP_NO_TLSv1_3},
};
#define NPROTOS (int)(sizeof(protos) / sizeof(protos[0]))

/* tls-protocols: a space-separated set of versions; the context allows the
 * span from the lowest to the highest, minus the ones left out between. */
static int set_protocols(SSL_CTX *ctx, const char *list, char *err, size_t errlen)
{
    int on[NPROTOS] = {0}, any = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, " \t,");
        if (!n) break;
        int k;
        for (k = 0; k < NPROTOS; k++)
            if (strlen(protos[k].name) == n && !strncasecmp(p, protos[k].name, n)) break;
        if (k == NPROTOS)
            return fail(
                err, errlen,
                "tls-protocols: unknown protocol '%.*s' (known: TLSv1 TLSv1.1 TLSv1.2 "
                "TLSv1.3)",
                (int)n, p);
        on[k] = any = 1;
        p += n;
    }
    if (!any) return 0; /* empty: OpenSSL's defaults */
    int lo = 0, hi = NPROTOS - 1;
    while (!on[lo])
        lo++;
    while (!on[hi])
        hi--;
    long no = 0;
    for (int k = lo; k <= hi; k++)
        if (!on[k]) no |= protos[k].no_option;
    if (!SSL_CTX_set_min_proto_version(ctx, protos[lo].version) ||
        !SSL_CTX_set_max_proto_version(ctx, protos[hi].version))
        return fail(err, errlen, "tls-protocols: '%s' not supported by this OpenSSL",
                    list);
    if (no) SSL_CTX_set_options(ctx, (uint64_t)no);
    return 0;
}

static int set_identity(SSL_CTX *ctx, const tls_settings *s, char *err, size_t errlen)
{
    char why[256];
    const char *key = set(s->key_file) ? s->key_file : s->cert_file;
    if (!set(s->cert_file)) return fail(err, errlen, "tls-cert-file is not set");
    if (check_file("tls-cert-file", s->cert_file, 0, err, errlen) < 0) return -1;
    if (set(s->key_file) && check_file("tls-key-file", s->key_file, 0, err, errlen) < 0)
        return -1;
    if (SSL_CTX_use_certificate_chain_file(ctx, s->cert_file) != 1)
        return fail(err, errlen, "tls-cert-file '%s': %s", s->cert_file,
                    ssl_reason(why, sizeof(why), "cannot load the certificate"));
    SSL_CTX_set_default_passwd_cb(ctx, pass_cb);
    SSL_CTX_set_default_passwd_cb_userdata(
        ctx, (void *)(set(s->key_pass) ? s->key_pass : NULL));
    int ok = SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM);
    /* The key is loaded: nothing may call back into the caller's string later. */
    SSL_CTX_set_default_passwd_cb(ctx, NULL);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    if (ok != 1) {
        unsigned long e = ERR_peek_error();
        if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
            ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
            return fail(err, errlen,
                        "tls-key-file '%s' does not match tls-cert-file '%s'", key,
                        s->cert_file);
        return fail(err, errlen, "tls-key-file '%s': %s", key,
                    ssl_reason(why, sizeof(why), "cannot load the private key"));
    }
    if (SSL_CTX_check_private_key(ctx) != 1)
        return fail(err, errlen,
                    "tls-key-file '%s' does not match tls-cert-file '%s': %s", key,
                    s->cert_file, ssl_reason(why, sizeof(why), "key mismatch"));
    return 0;
}

static int set_verify(SSL_CTX *ctx, const tls_settings *s, char *err, size_t errlen)
{
    char why[256];
    int have_ca = set(s->ca_file) || set(s->ca_dir);
    if (set(s->ca_file) && check_file("tls-ca-cert-file", s->ca_file, 0, err, errlen) < 0)
        return -1;
    if (set(s->ca_dir) && check_file("tls-ca-cert-dir", s->ca_dir, 1, err, errlen) < 0)
        return -1;
    if (s->auth_clients != TLS_AUTH_NO && !have_ca)
        return fail(
            err, errlen,
            "tls-auth-clients is %s but neither tls-ca-cert-file nor tls-ca-cert-dir "
            "is set",
            s->auth_clients == TLS_AUTH_YES ? "yes" : "optional");
    if (have_ca) {
        if (SSL_CTX_load_verify_locations(ctx, set(s->ca_file) ? s->ca_file : NULL,
                                          set(s->ca_dir) ? s->ca_dir : NULL) != 1)
            return fail(err, errlen, "%s '%s': %s",
                        set(s->ca_file) ? "tls-ca-cert-file" : "tls-ca-cert-dir",
                        set(s->ca_file) ? s->ca_file : s->ca_dir,
                        ssl_reason(why, sizeof(why), "cannot load the CA certificates"));
        if (set(s->ca_file)) {
            /* Names the acceptable CAs in the certificate request. */
            STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(s->ca_file);
            if (names) SSL_CTX_set_client_CA_list(ctx, names);
            ERR_clear_error();
        }
    }
    int mode = SSL_VERIFY_NONE;
    if (s->auth_clients == TLS_AUTH_YES)
        mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    else if (s->auth_clients == TLS_AUTH_OPTIONAL)
        mode = SSL_VERIFY_PEER;
    SSL_CTX_set_verify(ctx, mode, NULL);
    return 0;
}

static int set_ciphers(SSL_CTX *ctx, const tls_settings *s, char *err, size_t errlen)
{
    char why[256];
    if (set(s->ciphers) && SSL_CTX_set_cipher_list(ctx, s->ciphers) != 1)
        return fail(err, errlen, "tls-ciphers '%s': %s", s->ciphers,
                    ssl_reason(why, sizeof(why), "no cipher matches"));
    if (set(s->ciphersuites) && SSL_CTX_set_ciphersuites(ctx, s->ciphersuites) != 1)
        return fail(err, errlen, "tls-ciphersuites '%s': %s", s->ciphersuites,
                    ssl_reason(why, sizeof(why), "no cipher suite matches"));
    if (s->prefer_server_ciphers)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    return 0;
}

static void set_sessions(SSL_CTX *ctx, const tls_settings *s)
{
    /* Needed for resumption whenever client certificates are checked. */
    static const unsigned char sid_ctx[] = "kvik";
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
    if (s->session_caching) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
        if (s->session_cache_size > 0)
            SSL_CTX_sess_set_cache_size(ctx, s->session_cache_size);
        if (s->session_cache_timeout > 0)
            SSL_CTX_set_timeout(ctx, s->session_cache_timeout);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(ctx, 0);
    }
}

int tls_configure(const tls_settings *s, char *err, size_t errlen)
{
    char why[256];
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return fail(err, errlen, "cannot create a TLS context: %s",
                    ssl_reason(why, sizeof(why), "out of memory"));
    uint64_t opts = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_SSLv2 |
                    SSL_OP_NO_SSLv3;
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    opts |= SSL_OP_IGNORE_UNEXPECTED_EOF; /* a client that just closes is not an error */
#endif
    SSL_CTX_set_options(ctx, opts);
    SSL_CTX_set_mode(ctx,
                     SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if ((s->protocols && set_protocols(ctx, s->protocols, err, errlen) < 0) ||
        set_identity(ctx, s, err, errlen) < 0 || set_verify(ctx, s, err, errlen) < 0 ||
        set_ciphers(ctx, s, err, errlen) < 0) {
        SSL_CTX_free(ctx);
        return -1;
    }
    set_sessions(ctx, s);
    pthread_mutex_lock(&ctx_lock);
    SSL_CTX *old = current;
    current = ctx;
    pthread_mutex_unlock(&ctx_lock);
    SSL_CTX_free(old); /* connections made with it hold their own references */
    return 0;
}

int tls_ready(void)
{
    pthread_mutex_lock(&ctx_lock);
    int r = current != NULL;
    pthread_mutex_unlock(&ctx_lock);
    return r;
}

void tls_cleanup(void)
{
    pthread_mutex_lock(&ctx_lock);
    SSL_CTX *old = current;
    current = NULL;
    pthread_mutex_unlock(&ctx_lock);
    SSL_CTX_free(old);
}
