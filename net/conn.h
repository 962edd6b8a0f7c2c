/* net/conn.h — a connection: one vtable, several transports.
 *
 * The server reads and writes clients only through these calls, so TCP, TLS and
 * Noise connections are interchangeable and every feature works over each.
 * Calls never block: a read or write that would block returns CONN_AGAIN.
 */
#ifndef KV_NET_CONN_H
#define KV_NET_CONN_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

enum { CONN_AGAIN = -2, CONN_ERR = -1 };

/* conn.want: set by a transport whose read or write returned CONN_AGAIN
 * because it waits for the other direction (TLS: a handshake or key update
 * must send while reading, or receive while writing). The caller then also
 * watches that event and retries the stalled call when it fires. TCP never
 * sets them; a successful call clears its bit. */
enum { CONN_READ_WANTS_WRITE = 1, CONN_WRITE_WANTS_READ = 2 };

typedef struct conn conn;

typedef struct conn_type {
    const char *name; /* "tcp", "tls", ... */
    /* >0 bytes read, 0 = peer closed, CONN_AGAIN, CONN_ERR (errno set). */
    ssize_t (*read)(conn *c, void *dst, size_t len);
    /* >=0 bytes written, CONN_AGAIN, CONN_ERR. */
    ssize_t (*writev)(conn *c, const struct iovec *iov, int iovcnt);
    /* Bytes the transport already holds decrypted but not yet returned by read
     * (TLS); the caller must read again even if the fd is not readable. */
    size_t (*pending)(conn *c);
    /* Closes the socket and frees c. */
    void (*close)(conn *c);
} conn_type;

struct conn {
    const conn_type *type;
    int fd;
    int want;  /* CONN_*_WANTS_* bits, 0 for TCP */
    int ready; /* 1 once application data can flow: TCP at once, TLS after its
                  handshake (the server bounds how long a connection may take) */
};

/* Wraps an accepted, non-blocking TCP socket. */
conn *conn_tcp_new(int fd);

static inline ssize_t conn_read(conn *c, void *dst, size_t len)
{
    return c->type->read(c, dst, len);
}
static inline ssize_t conn_writev(conn *c, const struct iovec *iov, int n)
{
    return c->type->writev(c, iov, n);
}
static inline size_t conn_pending(conn *c)
{
    return c->type->pending ? c->type->pending(c) : 0;
}
static inline void conn_close(conn *c)
{
    c->type->close(c);
}

#endif
