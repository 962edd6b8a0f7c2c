/* core/slice.h — a borrowed byte string: pointer and length, no ownership.
 * Command arguments are slices into the client's query buffer. */
#ifndef KV_CORE_SLICE_H
#define KV_CORE_SLICE_H

#include <stddef.h>
#include <string.h>
#include <strings.h>

typedef struct slice {
    const char *p;
    size_t len;
} slice;

#define SLICE_LIT(s) ((slice){(s), sizeof(s) - 1})

static inline slice slice_of(const char *p, size_t len)
{
    return (slice){p, len};
}

/* 1 if s equals the C string lit, ignoring ASCII case. */
static inline int slice_is(slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && strncasecmp(s.p, lit, n) == 0;
}

static inline int slice_eq(slice a, slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

#endif
