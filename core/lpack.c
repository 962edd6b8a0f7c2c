/* core/lpack.c — a packed list of byte strings in one allocation (see lpack.h).
 *
 * Layout (all in one block from mem_alloc, sized exactly to lp->bytes):
 *
 *   offset 0        4        8
 *   +--------+--------+---------------------------------------------------+
 *   | bytes  | count  | entry entry ... entry                             |
 *   +--------+--------+---------------------------------------------------+
 *
 *   entry:  +-----------+------------------+-------------+
 *           | varint(L) | L bytes of data  | backlen(H+L)|   H = size of varint(L)
 *           +-----------+------------------+-------------+
 *
 * varint: little-endian base-128; each byte holds 7 bits, the high bit says
 * "another byte follows". 0..127 -> 1 byte, ..16383 -> 2, ..2^21-1 -> 3,
 * ..2^28-1 -> 4, else 5 (lengths fit in 32 bits: the whole lpack does).
 *
 * backlen: the value H+L written so that it can be read from its last byte
 * backwards: the last byte holds bits 0-6, the byte before it bits 7-13, and
 * so on; every byte but the first (lowest address) has the high bit set. Going
 * forward its size follows from H+L, so it is never parsed forward.
 *
 * Cost per entry: L + 2 bytes for L <= 126, L + 3 up to 16381, L + 4 up to
 * ~2M. Redis's listpack strings cost L + 2 below 64 bytes, L + 3 up to ~125,
 * L + 4 up to 4095 and L + 7 or more beyond, so we match or beat it for every
 * string. It does store small integers as binary (e.g. "42" in 2 bytes where
 * we need 4), which we cannot: lp_get hands out a pointer into the block, so
 * the bytes must be there verbatim.
 *
 * Positions are byte offsets from the start of the block; the first entry is
 * at LP_HDR. An offset equal to lp->bytes is the end and is reported as LP_END.
 *
 * Changes reallocate to the exact new size (jemalloc's size classes make most
 * of these reallocations in place). The lpack is trusted input: it is only ever
 * built by these functions (loaders build it through lp_append), so walking it
 * does no bounds checks beyond assertions on the arguments.
 */
#include "core/lpack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Assertions stay on in every build. */
#define LP_ASSERT(c)                                                                     \
    do {                                                                                 \
        if (UNLIKELY(!(c))) assert_fail(#c, __LINE__);                                   \
    } while (0)

#define LP_HDR 8u
#define LP_MAX_BYTES UINT32_MAX

struct lpack {
    uint32_t bytes; /* total size of the block, header included */
    uint32_t count; /* number of entries */
    unsigned char data[];
};

_Static_assert(sizeof(struct lpack) == LP_HDR, "lpack header is 8 bytes");

static void assert_fail(const char *what, int line)
{
    fprintf(stderr, "kvik: assertion failed: %s (core/lpack.c:%d)\n", what, line);
    fflush(stderr);
    abort();
}

/* ---- encoding helpers --------------------------------------------------- */

static inline size_t varint_size(size_t v)
{
    if (LIKELY(v < (1u << 7))) return 1;
    if (v < (1u << 14)) return 2;
    if (v < (1u << 21)) return 3;
    if (v < (1u << 28)) return 4;
    return 5;
}

/* Bytes taken by an entry holding len bytes of data. */
static inline size_t entry_size(size_t len)
{
    size_t body = varint_size(len) + len;
    return body + varint_size(body);
}

static inline unsigned char *bytes_of(const lpack *lp)
{
    return (unsigned char *)lp;
}

/* Reads the varint at p into *len; returns its size. */
static inline size_t read_len(const unsigned char *p, size_t *len)
{
    if (LIKELY(p[0] < 0x80)) {
        *len = p[0];
        return 1;
    }
    size_t v = 0, i = 0;
    unsigned shift = 0;
    unsigned char b;
    do {
        b = p[i++];
        v |= (size_t)(b & 0x7f) << shift;
        shift += 7;
    } while ((b & 0x80) && i < 5);
    *len = v;
    return i;
}

/* Size of the whole entry at p. */
static inline size_t entry_at_size(const unsigned char *p)
{
    size_t len;
    size_t h = read_len(p, &len);
    if (LIKELY(h + len < 0x80)) return h + len + 1;
    return h + len + varint_size(h + len);
}

/* Reads the backlen that ends just before end; returns the offset (backwards)
 * from end to the start of the entry it closes. */
static inline size_t read_back(const unsigned char *end)
{
    unsigned char b = end[-1];
    if (LIKELY(b < 0x80)) return (size_t)b + 1;
    size_t v = 0, n = 0;
    unsigned shift = 0;
    do {
        b = *--end;
        v |= (size_t)(b & 0x7f) << shift;
        shift += 7;
        n++;
    } while ((b & 0x80) && n < 5);
    return v + n;
}

/* Writes an entry with data s at p (the caller sized the room with entry_size). */
static void write_entry(unsigned char *p, slice s)
{
    size_t len = s.len, h = 0;
    while (len >= 0x80) {
        p[h++] = (unsigned char)(len | 0x80);
        len >>= 7;
    }
    p[h++] = (unsigned char)len;
    if (s.len) memcpy(p + h, s.p, s.len);
    p += h + s.len;
    size_t body = h + s.len, k = varint_size(body);
    for (size_t i = 0; i < k; i++) {
        p[k - 1 - i] = (unsigned char)((body & 0x7f) | (i + 1 < k ? 0x80 : 0));
        body >>= 7;
    }
}

static inline size_t end_or(const lpack *lp, size_t pos)
{
    return pos >= lp->bytes ? LP_END : pos;
}

static inline void check_pos(const lpack *lp, size_t pos)
{
    LP_ASSERT(pos >= LP_HDR && pos < lp->bytes);
}

/* Resizes the block to size bytes (size must fit the 32-bit header). */
static lpack *resize(lpack *lp, size_t size)
{
    LP_ASSERT(size <= LP_MAX_BYTES);
    return mem_realloc(lp, size);
}

/* 1 if s points into the block of lp (then a change would pull it away). */
static int points_into(const lpack *lp, slice s)
{
    const char *b = (const char *)lp;
    return s.len && s.p >= b && s.p < b + lp->bytes;
}

/* ---- basics ------------------------------------------------------------- */

lpack *lp_new(void)
{
    lpack *lp = mem_alloc(LP_HDR);
    lp->bytes = LP_HDR;
    lp->count = 0;
    return lp;
}

void lp_free(lpack *lp)
{
    mem_free(lp);
}

lpack *lp_dup(const lpack *lp)
{
    return mem_dup(lp, lp->bytes);
}

size_t lp_count(const lpack *lp)
{
    return lp->count;
}

size_t lp_bytes(const lpack *lp)
{
    return lp->bytes;
}

/* ---- iteration ---------------------------------------------------------- */

size_t lp_first(const lpack *lp)
{
    return lp->count ? LP_HDR : LP_END;
}

size_t lp_last(const lpack *lp)
{
    if (!lp->count) return LP_END;
    return lp->bytes - read_back(bytes_of(lp) + lp->bytes);
}

/* lp_next(LP_END) is LP_END. */
size_t lp_next(const lpack *lp, size_t pos)
{
    if (pos == LP_END) return LP_END;
    check_pos(lp, pos);
    return end_or(lp, pos + entry_at_size(bytes_of(lp) + pos));
}

/* lp_prev(LP_END) is the last entry (as with Redis's lpPrev on the end). */
size_t lp_prev(const lpack *lp, size_t pos)
{
    if (pos == LP_END) return lp_last(lp);
    check_pos(lp, pos);
    if (pos == LP_HDR) return LP_END;
    return pos - read_back(bytes_of(lp) + pos);
}

/* Walks from whichever end is nearer. */
size_t lp_at(const lpack *lp, long idx)
{
    size_t n = lp->count, i;
    if (idx < 0) {
        size_t back = (size_t)(-(idx + 1)); /* -1 -> 0; no overflow at LONG_MIN */
        if (back >= n) return LP_END;
        i = n - back - 1;
    } else {
        if ((size_t)idx >= n) return LP_END;
        i = (size_t)idx;
    }
    const unsigned char *b = bytes_of(lp);
    size_t pos;
    if (i <= n / 2) {
        pos = LP_HDR;
        while (i--)
            pos += entry_at_size(b + pos);
    } else {
        pos = lp->bytes;
        for (size_t k = n - i; k; k--)
            pos -= read_back(b + pos);
    }
    return pos;
}

/* ---- reading ------------------------------------------------------------ */

slice lp_get(const lpack *lp, size_t pos)
{
    check_pos(lp, pos);
    const unsigned char *p = bytes_of(lp) + pos;
    size_t len, h = read_len(p, &len);
    return slice_of((const char *)p + h, len);
}

int lp_get_ll(const lpack *lp, size_t pos, long long *v)
{
    slice s = lp_get(lp, pos);
    if (s.len == 0 || s.len > 20) return 0;
    return util_str2ll(s.p, s.len, v);
}

size_t lp_find(const lpack *lp, size_t start, slice s, int skip)
{
    if (start == LP_END) return LP_END;
    check_pos(lp, start);
    LP_ASSERT(skip >= 0);
    const unsigned char *b = bytes_of(lp), *p = b + start, *end = b + lp->bytes;
    while (p < end) {
        size_t len, h = read_len(p, &len);
        if (len == s.len && (len == 0 || memcmp(p + h, s.p, len) == 0))
            return (size_t)(p - b);
        size_t body = h + len;
        p += body + (LIKELY(body < 0x80) ? 1 : varint_size(body));
        for (int k = 0; k < skip && p < end; k++)
            p += entry_at_size(p);
    }
    return LP_END;
}

/* ---- changes ------------------------------------------------------------ */

lpack *lp_insert(lpack *lp, size_t pos, slice s, size_t *newpos)
{
    size_t old = lp->bytes;
    if (pos == LP_END) pos = old;
    LP_ASSERT(pos >= LP_HDR && pos <= old);
    char *tmp = NULL;
    if (points_into(lp, s)) s.p = tmp = mem_dup(s.p, s.len);
    size_t esz = entry_size(s.len);
    LP_ASSERT(s.len <= LP_MAX_BYTES && esz <= LP_MAX_BYTES - old);
    lp = resize(lp, old + esz);
    unsigned char *b = bytes_of(lp);
    memmove(b + pos + esz, b + pos, old - pos);
    write_entry(b + pos, s);
    lp->bytes = (uint32_t)(old + esz);
    lp->count++;
    mem_free(tmp);
    if (newpos) *newpos = pos;
    return lp;
}

lpack *lp_append(lpack *lp, slice s)
{
    return lp_insert(lp, LP_END, s, NULL);
}

lpack *lp_prepend(lpack *lp, slice s)
{
    return lp_insert(lp, LP_HDR, s, NULL);
}

lpack *lp_replace(lpack *lp, size_t pos, slice s, size_t *newpos)
{
    check_pos(lp, pos);
    size_t old = lp->bytes;
    size_t osz = entry_at_size(bytes_of(lp) + pos);
    size_t esz = entry_size(s.len);
    if (newpos) *newpos = pos;
    if (esz == osz) { /* same varint sizes: only the data changes */
        unsigned char *p = bytes_of(lp) + pos;
        if (s.len) memmove(p + varint_size(s.len), s.p, s.len);
        return lp;
    }
    char *tmp = NULL;
    if (points_into(lp, s)) s.p = tmp = mem_dup(s.p, s.len);
    LP_ASSERT(s.len <= LP_MAX_BYTES && (esz < osz || esz - osz <= LP_MAX_BYTES - old));
    size_t size = old - osz + esz;
    if (esz > osz) lp = resize(lp, size);
    unsigned char *b = bytes_of(lp);
    memmove(b + pos + esz, b + pos + osz, old - pos - osz);
    write_entry(b + pos, s);
    if (esz < osz) lp = resize(lp, size);
    lp->bytes = (uint32_t)size;
    mem_free(tmp);
    return lp;
}

/* n larger than the entries from pos on deletes to the end; n == 0 or
 * pos == LP_END changes nothing. */
lpack *lp_delete(lpack *lp, size_t pos, size_t n, size_t *next)
{
    if (pos == LP_END || n == 0) {
        if (next) *next = pos;
        return lp;
    }
    check_pos(lp, pos);
    unsigned char *b = bytes_of(lp);
    size_t old = lp->bytes, end = pos, k = 0;
    while (k < n && end < old) {
        end += entry_at_size(b + end);
        k++;
    }
    memmove(b + pos, b + end, old - end);
    size_t size = old - (end - pos);
    lp = resize(lp, size);
    lp->bytes = (uint32_t)size;
    lp->count -= (uint32_t)k;
    if (next) *next = end_or(lp, pos);
    return lp;
}
