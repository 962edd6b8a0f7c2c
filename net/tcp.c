/* net/tcp.c — the plain TCP connection type. */
#include <errno.h>
#include <unistd.h>

#include "core/mem.h"
#include "net/conn.h"

static ssize_t tcp_read(conn *c, void *dst, size_t len)
{
    ssize_t n = read(c->fd, dst, len);
    if (n >= 0) return n;
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? CONN_AGAIN : CONN_ERR;
}

static ssize_t tcp_writev(conn *c, const struct iovec *iov, int n)
{
    ssize_t w = writev(c->fd, iov, n);
    if (w >= 0) return w;
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? CONN_AGAIN : CONN_ERR;
}

static void tcp_close(conn *c)
{
    close(c->fd);
    mem_free(c);
}

static const conn_type tcp_type = {
    .name = "tcp", .read = tcp_read, .writev = tcp_writev, .pending = NULL, .close = tcp_close,
};

conn *conn_tcp_new(int fd)
{
    conn *c = mem_alloc(sizeof(*c));
    c->type = &tcp_type;
    c->fd = fd;
    c->want = 0;
    c->ready = 1;
    return c;
}
