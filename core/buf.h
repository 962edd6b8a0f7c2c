/* core/buf.h — a growable byte buffer (query buffers, reply buffers, encoders).
 *
 * The struct is public so that hot paths append without a call. `p` is owned by
 * the buffer and may move on any append/reserve: never keep a pointer into a
 * buffer across an append.
 */
#ifndef KV_CORE_BUF_H
#define KV_CORE_BUF_H

#include <stddef.h>
#include <string.h>

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

#define BUF_INIT {NULL, 0, 0}

void buf_free(buf *b);              /* releases memory; b becomes empty */
void buf_grow(buf *b, size_t need); /* out of line: makes cap >= need */
void buf_consume(buf *b, size_t n); /* drops the first n bytes */
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Inserts n bytes at offset off (off <= len), moving the tail. */
void buf_insert(buf *b, size_t off, const void *p, size_t n);
/* Shrinks capacity to at most max(len, keep) bytes. */
void buf_shrink(buf *b, size_t keep);

static inline void buf_reserve(buf *b, size_t extra)
{
    if (b->cap - b->len < extra) buf_grow(b, b->len + extra);
}

static inline void buf_append(buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
}

static inline void buf_putc(buf *b, char c)
{
    buf_reserve(b, 1);
    b->p[b->len++] = c;
}

static inline void buf_puts(buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

#endif
