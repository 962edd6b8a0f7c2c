/* net/tls.h — the TLS connection type (OpenSSL) and its server context.
 *
 * A TLS connection is a conn (net/conn.h) over an accepted non-blocking
 * socket. The handshake runs inside the first reads and writes: until it is
 * done they return CONN_AGAIN, and conn.want says when the handshake needs
 * the other direction of the socket. Decrypted bytes OpenSSL still holds are
 * reported by pending().
 *
 * One server context (certificate, key, CA, verification mode, protocol
 * versions, ciphers, session cache) is shared by every worker. tls_configure
 * builds a complete new context first and only then swaps it in, so a bad
 * setting leaves the running context untouched; connections already open keep
 * the context they started with (OpenSSL counts its references).
 *
 * This layer knows nothing about the server's settings table: the server fills
 * a tls_settings and passes it in.
 */
#ifndef KV_NET_TLS_H
#define KV_NET_TLS_H

#include <stddef.h>

#include "net/conn.h"

/* Client certificates (tls-auth-clients). */
enum { TLS_AUTH_NO, TLS_AUTH_YES, TLS_AUTH_OPTIONAL };

/* Everything a server context is built from. Strings may be NULL or "" for
 * unset; the call copies what it keeps. */
typedef struct tls_settings {
    const char *cert_file;    /* PEM, leaf first, then intermediates; required */
    const char *key_file;     /* PEM private key; NULL: in cert_file */
    const char *key_pass;     /* passphrase of an encrypted key, or NULL */
    const char *ca_file;      /* PEM CAs that client certificates must chain to */
    const char *ca_dir;       /* directory of CAs (OpenSSL hashed names) */
    int auth_clients;         /* TLS_AUTH_* */
    const char *protocols;    /* "TLSv1.2 TLSv1.3" (any order); NULL: default */
    const char *ciphers;      /* TLSv1.2 and older, OpenSSL syntax */
    const char *ciphersuites; /* TLSv1.3 */
    int prefer_server_ciphers;
    int session_caching;
    long session_cache_size;    /* entries; 0: OpenSSL's default */
    long session_cache_timeout; /* seconds; 0: OpenSSL's default */
} tls_settings;

/* Builds a server context from s and, if every part of it is valid (files
 * readable, key matching the certificate, known protocol names, ciphers that
 * select something), makes it the context of every later connection. On
 * failure nothing changes and err holds one line naming the setting and the
 * reason. Thread-safe. Returns 0 or -1. */
int tls_configure(const tls_settings *s, char *err, size_t errlen);

/* 1 once tls_configure succeeded. */
int tls_ready(void);

/* Wraps an accepted non-blocking socket in a TLS server connection using the
 * current context. NULL (the caller closes fd) if there is no context or
 * OpenSSL fails. The conn owns fd from then on: conn_close closes it. */
conn *conn_tls_new(int fd);

/* 1 if c is a TLS connection. */
int conn_is_tls(const conn *c);

/* Counters for INFO: TLS connections open now, handshakes completed and
 * failed since start. */
typedef struct tls_counters {
    long long open, handshakes, failed;
} tls_counters;
void tls_get_counters(tls_counters *out);

/* Releases the context (at exit, when no connection is left). */
void tls_cleanup(void);

#endif
