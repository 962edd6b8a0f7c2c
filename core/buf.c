/* core/buf.c — see buf.h. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/mem.h"

void buf_free(buf *b)
{
    mem_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void buf_grow(buf *b, size_t need)
{
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap < (1u << 20) ? cap * 2 : cap + cap / 2;
    b->p = mem_realloc(b->p, cap);
    b->cap = mem_usable(b->p);
}

void buf_consume(buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

void buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof(tmp)) {
        buf_append(b, tmp, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_insert(buf *b, size_t off, const void *p, size_t n)
{
    buf_reserve(b, n);
    memmove(b->p + off + n, b->p + off, b->len - off);
    memcpy(b->p + off, p, n);
    b->len += n;
}

void buf_shrink(buf *b, size_t keep)
{
    size_t want = b->len > keep ? b->len : keep;
    if (b->cap <= want * 2 || b->cap < 4096) return;
    if (want == 0) {
        buf_free(b);
        return;
    }
    b->p = mem_realloc(b->p, want);
    b->cap = mem_usable(b->p);
}
