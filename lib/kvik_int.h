/* lib/kvik_int.h — libkvik's private parts: the connection struct and the two
 * tables a connection is made of.
 *
 *   kvik ──┬── transport (kl_transport): how bytes move: TCP or TLS
 *          │     read / write / pending / close, all non-blocking; the
 *          │     generic layer (kvik.c) waits with poll() between calls
 *          └── protocol (kl_protocol): what the bytes mean: RESP or native
 *                encode a command into k->out, parse one reply from k->in
 *
 * Buffers:
 *
 *   k->in:   [ consumed | unparsed bytes ......... | free ]
 *            0          in_pos                     in.len   in.cap
 *   k->out:  [ sent | queued, not yet written ]
 *            0      out_pos                    out.len
 *
 * Nothing here is exported from the shared library: the files of lib/ are compiled with
 * -fvisibility=hidden and only the declarations of kvik.h are made visible.
 */
#ifndef KV_LIB_KVIK_INT_H
#define KV_LIB_KVIK_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(default)
#include "lib/kvik.h"
#pragma GCC visibility pop

#include "core/buf.h"
#include "proto/resp.h"

/* Transport results besides a byte count (> 0). */
enum {
    KL_EOF = 0,         /* the peer closed (read only) */
    KL_ERR = -1,        /* failed; the error is set on k */
    KL_WANT_READ = -2,  /* wait for POLLIN, then call again */
    KL_WANT_WRITE = -3, /* wait for POLLOUT, then call again */
};

typedef struct kl_transport {
    const char *name;
    ssize_t (*read)(kvik *k, void *p, size_t n);
    ssize_t (*write)(kvik *k, const void *p, size_t n);
    size_t (*pending)(const kvik *k); /* bytes buffered below us (TLS) */
    void (*close)(kvik *k);           /* frees the transport's state, not the fd */
} kl_transport;

typedef struct kl_protocol {
    /* Appends one command to k->out. 0, or -1 (KVIK_E_ARG set, nothing
     * appended) when the command cannot be encoded. */
    int (*encode)(kvik *k, int argc, const char *const *argv, const size_t *lens);
    /* Parses one reply from k->in at in_pos: 1 with *out set (in_pos advanced),
     * 0 when more bytes are needed, -1 on a protocol error (set on k). */
    int (*parse)(kvik *k, kvik_reply **out);
    void (*free_state)(kvik *k);
} kl_protocol;

struct kvik {
    int fd;
    const kl_transport *tr;
    void *tls;     /* SSL *, TLS transport only */
    void *tls_ctx; /* SSL_CTX * */
    const kl_protocol *proto;
    kvik_protocol kind;
    int version; /* 2, 3, or the native version */

    buf in, out;
    size_t in_pos, out_pos;
    size_t resp_tried; /* RESP: unparsed bytes at the last incomplete attempt */

    int timeout_ms;
    int64_t deadline_ms; /* during kvik_connect: the connect deadline, else 0 */

    kvik_errcode code;
    int broken; /* after an I/O, protocol, TLS or timeout error */
    char err[256];

    kvik_stats st;
    resp_limits lim; /* max_bulk, max_args = max_elements, max_inline */
    int max_depth;

    kvik_reply *held; /* a reply to return before reading (after an attribute) */

    /* Native protocol. */
    void *native; /* lib/native_client.c's state */
};

/* Sets the error on k and returns -1. IO, PROTOCOL, TIMEOUT and TLS errors
 * make the connection unusable. */
int kl_fail(kvik *k, kvik_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Milliseconds of a monotonic clock. */
int64_t kl_now_ms(void);

/* Waits until fd is readable (events POLLIN) or writable (POLLOUT), within
 * k's timeout and deadline. 0, or -1 with KVIK_E_TIMEOUT / KVIK_E_IO set. */
int kl_wait(kvik *k, short events);

/* ---- lib/net.c ---- */
/* Resolves and connects (non-blocking socket, TCP_NODELAY) within the
 * deadline; sets k->fd and the TCP transport. 0 or -1. */
int kl_tcp_connect(kvik *k, const char *host, int port);
/* Starts TLS on k->fd and completes the handshake. 0 or -1. */
int kl_tls_start(kvik *k, const kvik_options *o);

/* ---- lib/reply.c ---- */
extern const kl_protocol kl_resp_protocol;
kvik_reply *kl_reply_new(kvik_type t, const char *s, size_t len);
/* A double's text, shortest form that reads back the same. */
void kl_format_double(char *dst, size_t size, double d);

/* ---- lib/native_client.c ---- */
extern const kl_protocol kl_native_protocol;
/* Runs the native Hello handshake. 0 or -1. */
int kl_native_hello(kvik *k, const kvik_options *o);

/* ---- lib/kvik.c ---- */
/* Reads more bytes into k->in (waiting up to the timeout). 0 or -1. */
int kl_fill(kvik *k);
/* For fuzzing and tests: a connection without a socket, past its handshake,
 * whose replies are parsed from bytes given to kl_feed(); once they run out,
 * kvik_read fails as if the server had closed. Free with kvik_close. */
kvik *kl_detached(const kvik_options *o);
void kl_feed(kvik *k, const void *p, size_t n);

#endif
