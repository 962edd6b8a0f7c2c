/* core/lpack.c — a packed list of entries in one allocation (see lpack.h).
 *
 * Layout (one block from mem_alloc; lp->bytes of it are in use, the rest up
 * to its size class is room to grow):
 *
 *   offset 0        4        8
 *   +--------+--------+---------------------------------------------------+
 *   | bytes  | count  | entry entry ... entry                             |
 *   +--------+--------+---------------------------------------------------+
 *
 * An entry starts with a head byte H that says what follows:
 *
 *   H 0x00..0x7f  string of H bytes:           H | H bytes | backlen
 *   H 0x80        string of L >= 128 bytes:    H | varint(L) | L bytes | backlen
 *   H 0x81..0x87  integer in n = H - 0x7f (2..8) bytes, little-endian two's
 *                 complement:                  H | n bytes | backlen
 *   H 0x88..0xc7  14-bit integer (-8192..8191): the top 6 bits are H - 0x88,
 *                 the low 8 the next byte:     H | 1 byte | backlen
 *   H 0xc8..0xff  the integer H - 0xc8 (0..55), and nothing else: the entry
 *                 is this one byte, which is also its own last byte.
 *
 * varint: little-endian base-128; each byte holds 7 bits, the high bit says
 * "another byte follows".
 *
 * backlen: the size B of the entry without its backlen, ending the entry so
 * that the list can be walked backwards from any entry's end. B < 128 is one
 * byte (B itself, 0x01..0x7f); otherwise k = 1..4 bytes of B (most
 * significant first) and then the marker byte 0x7f + k (0x80..0x83). So the
 * last byte T of any entry tells its size: T < 0x80 -> T + 1; 0x80..0x83 ->
 * read B before it; T >= 0xc8 -> a one-byte integer. (0x84..0xc7 never end an
 * entry.)
 *
 *   entry              bytes                Redis 7.0 listpack
 *   0..55              1                    2 (0..127)
 *   -8192..8191        3                    3 (-4096..4095), else 4
 *   16/24/32-bit       4/5/6                4/5/6
 *   40/48/56/64-bit    7/8/9/10             10
 *   string L <= 126    L + 2                L + 2 to 63, L + 3 to 125
 *   string L = 127     L + 3                L + 4
 *   string L 128..252  L + 5                L + 4 (to 4095)
 *   string L to 16383  L + 6                L + 4 to 4095, then L + 7
 *   longer strings     L + 7 .. L + 11      L + 7 .. L + 10
 *
 * (Collections convert to full structures well before strings get long:
 * the default *-max-listpack-value is 64 bytes; only list nodes hold long
 * strings, where a byte or two per element is noise.)
 *
 * Canonical integer strings are always stored as integers (lp_insert parses
 * every string it is given), so a string entry is never a canonical integer:
 * lp_find compares an integer needle with integer entries only, and a string
 * needle with string entries only, never formatting anything.
 *
 * Positions are byte offsets from the start of the block; the first entry is
 * at LP_HDR. An offset equal to lp->bytes is the end and is reported as LP_END.
 *
 * Growth. An insert reallocates only when the entry does not fit the block's
 * size class (mem_usable), and a deletion only when the smaller size would
 * fit a smaller class (mem_good_size), so an lpack filled by appends is
 * reallocated once per jemalloc size class rather than on every append: fewer
 * calls, and no churn of freed blocks through the allocator's caches, which
 * left a trail of dirty pages behind growing list nodes. The lpack is trusted
 * input: it is only ever built by these functions (loaders build it through
 * lp_append), so walking it does no bounds checks beyond assertions on the
 * arguments.
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

/* Head bytes. */
#define H_LONGSTR 0x80u /* string of >= 128 bytes, varint length follows */
#define H_INT 0x7fu     /* H_INT + n: integer in n = 2..8 bytes */
#define H_INT14 0x88u   /* 0x88..0xc7: 14-bit integer */
#define H_IMM 0xc8u     /* 0xc8..0xff: the integers 0..55 in one byte */
#define IMM_MAX 55
#define BACK_MARK 0x7fu /* BACK_MARK + k: k bytes of backlen before it */

struct lpack {
    uint32_t bytes; /* bytes in use, header included */
    uint32_t count; /* number of entries */
    unsigned char data[];
};

_Static_assert(sizeof(struct lpack) == LP_HDR, "lpack header is 8 bytes");
_Static_assert(LP_INTBUF >= 20, "LP_INTBUF holds any int64's text");

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

/* Bytes of the backlen closing an entry whose other bytes number body. */
static inline size_t back_size(size_t body)
{
    if (LIKELY(body < 0x80)) return 1;
    if (body < (1u << 8)) return 2;
    if (body < (1u << 16)) return 3;
    if (body < (1u << 24)) return 4;
    return 5;
}

static inline unsigned char *bytes_of(const lpack *lp)
{
    return (unsigned char *)lp;
}

/* Reads a string entry's head at p: its length in *len; returns the head's
 * size (1, or 1 + the varint's). */
static inline size_t str_head(const unsigned char *p, size_t *len)
{
    if (LIKELY(p[0] < H_LONGSTR)) {
        *len = p[0];
        return 1;
    }
    size_t v = 0, i = 1;
    unsigned shift = 0;
    unsigned char b;
    do {
        b = p[i++];
        v |= (size_t)(b & 0x7f) << shift;
        shift += 7;
    } while ((b & 0x80) && i < 6);
    *len = v;
    return i;
}

/* The value of the integer entry at p (p[0] > H_LONGSTR). */
static inline long long int_at(const unsigned char *p)
{
    unsigned h = p[0];
    if (h >= H_IMM) return (long long)(h - H_IMM);
    if (h >= H_INT14) {
        int u = (int)((h - H_INT14) << 8 | p[1]);
        return u >= 8192 ? u - 16384 : u;
    }
    unsigned n = h - H_INT;
    uint64_t u = 0;
    for (unsigned i = n; i--;)
        u = u << 8 | p[1 + i];
    unsigned shift = 64 - 8 * n; /* sign-extend from n bytes */
    u <<= shift;
    int64_t v;
    memcpy(&v, &u, sizeof(v));
    return v >> shift; /* arithmetic shift (gcc and clang define it so) */
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes the text of v at buf (no NUL; at most 20 bytes); returns its length.
 * Sized first, then written backwards two digits at a time: this is what every
 * read of an integer element costs, so it avoids util_ll2str's scratch copy. */
static size_t format_int(char *buf, long long v)
{
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n = v < 0 ? 2 : 1; /* sign and first digit, then 4 digits a step */
    for (uint64_t t = u;; t /= 10000, n += 4) {
        if (t < 10) break;
        if (t < 100) {
            n += 1;
            break;
        }
        if (t < 1000) {
            n += 2;
            break;
        }
        if (t < 10000) {
            n += 3;
            break;
        }
    }
    char *p = buf + n;
    while (u > UINT32_MAX) { /* rare: 64-bit divisions until it fits 32 bits */
        unsigned i = (unsigned)(u % 100) * 2;
        u /= 100;
        p -= 2;
        memcpy(p, digit_pairs + i, 2);
    }
    uint32_t w = (uint32_t)u;
    while (w >= 100) {
        unsigned i = (w % 100) * 2;
        w /= 100;
        p -= 2;
        memcpy(p, digit_pairs + i, 2);
    }
    if (w >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + w * 2, 2);
    } else {
        *--p = (char)('0' + w);
    }
    if (v < 0) buf[0] = '-';
    return n;
}

/* Size of the whole entry at p. */
static inline size_t entry_at_size(const unsigned char *p)
{
    unsigned h = p[0];
    if (LIKELY(h < 0x7f)) return h + 2u; /* short string, one-byte backlen */
    if (h >= H_INT14) return h >= H_IMM ? 1 : 3;
    if (h > H_LONGSTR) return h - H_INT + 2u;
    size_t len, body = str_head(p, &len);
    body += len;
    return body + back_size(body);
}

/* Size of the entry that ends just before end, read from its last bytes. */
static inline size_t read_back(const unsigned char *end)
{
    unsigned t = end[-1];
    if (LIKELY(t < 0x80)) return (size_t)t + 1;
    if (t >= H_IMM) return 1;
    LP_ASSERT(t <= BACK_MARK + 4);
    size_t k = t - BACK_MARK, v = 0;
    for (size_t i = 0; i < k; i++)
        v |= (size_t)end[-2 - (long)i] << (8 * i);
    return v + k + 1;
}

/* Writes the backlen for body at p; returns its size. */
static inline size_t write_back(unsigned char *p, size_t body)
{
    if (LIKELY(body < 0x80)) {
        p[0] = (unsigned char)body;
        return 1;
    }
    size_t k = back_size(body) - 1;
    for (size_t i = 0; i < k; i++)
        p[k - 1 - i] = (unsigned char)(body >> (8 * i));
    p[k] = (unsigned char)(BACK_MARK + k);
    return k + 1;
}

/* An entry about to be written: head bytes, then (strings) data bytes, then
 * the backlen unless it is a one-byte integer. */
typedef struct enc {
    unsigned char head[10];
    size_t hlen;
    const char *data;
    size_t dlen;
    size_t size; /* the whole entry */
} enc;

static void enc_int(enc *e, long long v)
{
    e->data = NULL;
    e->dlen = 0;
    if (v >= 0 && v <= IMM_MAX) {
        e->head[0] = (unsigned char)(H_IMM + v);
        e->hlen = e->size = 1;
        return;
    }
    if (v >= -8192 && v <= 8191) {
        unsigned u = (unsigned)(v & 0x3fff);
        e->head[0] = (unsigned char)(H_INT14 + (u >> 8));
        e->head[1] = (unsigned char)(u & 0xff);
        e->hlen = 2;
        e->size = 3;
        return;
    }
    unsigned n = 2;
    while (n < 8) {
        long long lim = 1LL << (8 * n - 1);
        if (v >= -lim && v < lim) break;
        n++;
    }
    uint64_t u;
    int64_t sv = v;
    memcpy(&u, &sv, sizeof(u));
    e->head[0] = (unsigned char)(H_INT + n);
    for (unsigned i = 0; i < n; i++)
        e->head[1 + i] = (unsigned char)(u >> (8 * i));
    e->hlen = 1 + n;
    e->size = n + 2;
}

/* 1 and *v if s is a canonical integer (cheap rejection of most strings). */
static inline int as_int(slice s, long long *v)
{
    if (s.len == 0 || s.len > 20) return 0;
    unsigned char c = (unsigned char)s.p[0];
    if ((unsigned)(c - '0') > 9u && c != '-') return 0;
    return util_str2ll(s.p, s.len, v);
}

static void enc_make(enc *e, slice s)
{
    long long v;
    if (as_int(s, &v)) {
        enc_int(e, v);
        return;
    }
    size_t len = s.len, h = 0;
    if (len < H_LONGSTR) {
        e->head[h++] = (unsigned char)len;
    } else {
        e->head[h++] = H_LONGSTR;
        while (len >= 0x80) {
            e->head[h++] = (unsigned char)(len | 0x80);
            len >>= 7;
        }
        e->head[h++] = (unsigned char)len;
    }
    e->hlen = h;
    e->data = s.p;
    e->dlen = s.len;
    size_t body = h + s.len;
    e->size = body + back_size(body);
}

/* Writes e at p (the caller made e->size bytes of room). */
static void write_entry(unsigned char *p, const enc *e)
{
    memcpy(p, e->head, e->hlen);
    if (e->size == 1) return; /* one-byte integer: no backlen */
    if (e->dlen) memcpy(p + e->hlen, e->data, e->dlen);
    size_t body = e->hlen + e->dlen;
    write_back(p + body, body);
}

static inline size_t end_or(const lpack *lp, size_t pos)
{
    return pos >= lp->bytes ? LP_END : pos;
}

static inline void check_pos(const lpack *lp, size_t pos)
{
    LP_ASSERT(pos >= LP_HDR && pos < lp->bytes);
}

/* Makes room for size bytes: reallocates only past the block's size class. */
static lpack *grow(lpack *lp, size_t size)
{
    LP_ASSERT(size <= LP_MAX_BYTES);
    if (size <= mem_usable(lp)) return lp;
    return mem_realloc(lp, size);
}

/* After shrinking to size bytes: gives memory back when a smaller size class
 * would do. */
static lpack *shrink(lpack *lp, size_t size)
{
    if (mem_good_size(size) >= mem_usable(lp)) return lp;
    return mem_realloc(lp, size);
}

/* 1 if e's data points into the block of lp (then a change would pull it
 * away, so the caller copies it first). */
static int points_into(const lpack *lp, const enc *e)
{
    const char *b = (const char *)lp;
    return e->dlen && e->data >= b && e->data < b + lp->bytes;
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

size_t lp_entry_bytes(slice s)
{
    enc e;
    enc_make(&e, s);
    return e.size;
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

slice lp_get(const lpack *lp, size_t pos, char buf[LP_INTBUF])
{
    check_pos(lp, pos);
    const unsigned char *p = bytes_of(lp) + pos;
    if (LIKELY(p[0] <= H_LONGSTR)) {
        size_t len, h = str_head(p, &len);
        return slice_of((const char *)p + h, len);
    }
    return slice_of(buf, format_int(buf, int_at(p)));
}

int lp_get_ll(const lpack *lp, size_t pos, long long *v)
{
    check_pos(lp, pos);
    const unsigned char *p = bytes_of(lp) + pos;
    if (p[0] <= H_LONGSTR) return 0;
    *v = int_at(p);
    return 1;
}

/* Steps over the skip entries after the entry at p (stopping at end). */
static inline const unsigned char *skip_entries(const unsigned char *p,
                                                const unsigned char *end, int skip)
{
    for (int k = 0; k < skip && p < end; k++)
        p += entry_at_size(p);
    return p;
}

size_t lp_find(const lpack *lp, size_t start, slice s, int skip)
{
    if (start == LP_END) return LP_END;
    check_pos(lp, start);
    LP_ASSERT(skip >= 0);
    const unsigned char *b = bytes_of(lp), *p = b + start, *end = b + lp->bytes;
    long long v;
    if (as_int(s, &v)) {
        while (p < end) {
            if (p[0] > H_LONGSTR && int_at(p) == v) return (size_t)(p - b);
            p = skip_entries(p + entry_at_size(p), end, skip);
        }
    } else if (s.len < H_LONGSTR) {
        /* A short string's head byte is its length: one compare rejects
         * every integer and every string of another length. */
        unsigned want = (unsigned)s.len;
        while (p < end) {
            unsigned h = p[0];
            if (h == want && (want == 0 || memcmp(p + 1, s.p, want) == 0))
                return (size_t)(p - b);
            p = skip_entries(p + (LIKELY(h < 0x7f) ? h + 2u : entry_at_size(p)), end, skip);
        }
    } else {
        while (p < end) {
            if (p[0] == H_LONGSTR) {
                size_t len, h = str_head(p, &len);
                if (len == s.len && memcmp(p + h, s.p, len) == 0) return (size_t)(p - b);
            }
            p = skip_entries(p + entry_at_size(p), end, skip);
        }
    }
    return LP_END;
}

/* ---- changes ------------------------------------------------------------ */

static lpack *insert_enc(lpack *lp, size_t pos, enc *e, size_t *newpos)
{
    size_t old = lp->bytes;
    if (pos == LP_END) pos = old;
    LP_ASSERT(pos >= LP_HDR && pos <= old);
    char *tmp = NULL;
    if (points_into(lp, e)) e->data = tmp = mem_dup(e->data, e->dlen);
    size_t esz = e->size;
    LP_ASSERT(e->dlen <= LP_MAX_BYTES && esz <= LP_MAX_BYTES - old);
    lp = grow(lp, old + esz);
    unsigned char *b = bytes_of(lp);
    memmove(b + pos + esz, b + pos, old - pos);
    write_entry(b + pos, e);
    lp->bytes = (uint32_t)(old + esz);
    lp->count++;
    mem_free(tmp);
    if (newpos) *newpos = pos;
    return lp;
}

lpack *lp_insert(lpack *lp, size_t pos, slice s, size_t *newpos)
{
    enc e;
    enc_make(&e, s);
    return insert_enc(lp, pos, &e, newpos);
}

lpack *lp_insert_ll(lpack *lp, size_t pos, long long v, size_t *newpos)
{
    enc e;
    enc_int(&e, v);
    return insert_enc(lp, pos, &e, newpos);
}

lpack *lp_append(lpack *lp, slice s)
{
    return lp_insert(lp, LP_END, s, NULL);
}

lpack *lp_append_ll(lpack *lp, long long v)
{
    return lp_insert_ll(lp, LP_END, v, NULL);
}

lpack *lp_prepend(lpack *lp, slice s)
{
    return lp_insert(lp, LP_HDR, s, NULL);
}

lpack *lp_replace(lpack *lp, size_t pos, slice s, size_t *newpos)
{
    check_pos(lp, pos);
    enc e;
    enc_make(&e, s);
    size_t old = lp->bytes;
    size_t osz = entry_at_size(bytes_of(lp) + pos);
    size_t esz = e.size;
    if (newpos) *newpos = pos;
    char *tmp = NULL;
    if (points_into(lp, &e)) e.data = tmp = mem_dup(e.data, e.dlen);
    if (esz == osz) { /* same size: the entry is rewritten in place */
        write_entry(bytes_of(lp) + pos, &e);
        mem_free(tmp);
        return lp;
    }
    LP_ASSERT(e.dlen <= LP_MAX_BYTES && (esz < osz || esz - osz <= LP_MAX_BYTES - old));
    size_t size = old - osz + esz;
    if (esz > osz) lp = grow(lp, size);
    unsigned char *b = bytes_of(lp);
    memmove(b + pos + esz, b + pos + osz, old - pos - osz);
    write_entry(b + pos, &e);
    lp->bytes = (uint32_t)size;
    if (esz < osz) lp = shrink(lp, size);
    mem_free(tmp);
    return lp;
}

lpack *lp_reserve(lpack *lp, size_t bytes)
{
    return grow(lp, bytes);
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
    lp->bytes = (uint32_t)size;
    lp->count -= (uint32_t)k;
    lp = shrink(lp, size);
    if (next) *next = end_or(lp, pos);
    return lp;
}
