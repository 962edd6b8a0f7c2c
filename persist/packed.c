/* persist/packed.c — readers for Redis's packed blobs, and a listpack writer
 * (see packed.h).
 *
 * All four formats are read the same way: a header check gives a cursor over
 * the entries, and a per-format `next` function decodes one entry, checking
 * every byte it touches against the end of the blob. A reader walks the whole
 * blob once to validate it (nothing is called back yet), then walks it again
 * calling back. Multi-byte fields are read byte by byte, so the code does not
 * depend on the host's byte order or alignment.
 *
 * ---- listpack ---------------------------------------------------------------
 *
 *   +-------------+---------+-------+-------+-----+-------+------+
 *   | total u32LE | n u16LE | entry | entry | ... | entry | 0xFF |
 *   +-------------+---------+-------+-------+-----+-------+------+
 *
 *   total = size of the whole blob; n = number of entries, 65535 = "unknown,
 *   count them" (used for 65535 entries and more).
 *
 *   entry:  +----------+---------+---------+
 *           | encoding | data    | backlen |   backlen = size of encoding+data
 *           +----------+---------+---------+
 *
 *   encoding (first byte)        data                          value
 *   0xxxxxxx                     -                             uint 0..127
 *   10LLLLLL                     L bytes                       string, L < 64
 *   110vvvvv vvvvvvvv            -                             int13 (signed)
 *   1110LLLL LLLLLLLL            L bytes                       string, L < 4096
 *   11110000 L:u32LE             L bytes                       string
 *   0xF1 / F2 / F3 / F4          2 / 3 / 4 / 8 bytes LE        signed int
 *   0xF5..0xFE                   invalid
 *   0xFF                         the terminator
 *
 *   backlen: the value B = size(encoding+data) in 1..5 bytes of 7 bits, laid
 *   out to be read backwards from the entry's last byte: the last byte holds
 *   bits 0-6, the one before bits 7-13, and so on; every byte but the first
 *   (lowest address) has its high bit set. Its size follows from B (1 byte up
 *   to 127, 2 up to 16383, ...), so it is checked byte for byte against the
 *   canonical form.
 *
 *   Example, "k" then a 4095-byte string (Redis's bytes):
 *     81 6b 02 | ef ff <4095 bytes> 20 81 | ff      (backlen 4097 = 0x20,0x81)
 *
 * ---- ziplist (before Redis 7) -------------------------------------------------
 *
 *   +---------------+--------------+-----------+-------+-----+-------+------+
 *   | zlbytes u32LE | zltail u32LE | n u16LE   | entry | ... | entry | 0xFF |
 *   +---------------+--------------+-----------+-------+-----+-------+------+
 *
 *   zltail = offset of the last entry (10, the header size, when empty);
 *   n = entries, 65535 = unknown.
 *
 *   entry:  +---------+----------+------+
 *           | prevlen | encoding | data |
 *           +---------+----------+------+
 *
 *   prevlen = size of the previous entry (0 for the first): one byte 0..253,
 *   or 0xFE and a u32LE (which may hold a small value too).
 *
 *   encoding                         data                 value
 *   00LLLLLL                         L bytes              string
 *   01LLLLLL LLLLLLLL (14 bits, BE)  L bytes              string
 *   10000000 L:u32BE                 L bytes              string
 *   11000000 / 11010000 / 11100000   2 / 4 / 8 bytes LE   int16 / int32 / int64
 *   11110000 / 11111110              3 / 1 bytes LE       int24 / int8
 *   1111xxxx, xxxx in 0001..1101     -                    xxxx - 1 (0..12)
 *   anything else (0xFF ends the list at the start of an entry) is invalid.
 *
 * ---- intset --------------------------------------------------------------------
 *
 *   +----------------+--------------+-------+-----+-------+
 *   | encoding u32LE | count u32LE  | value | ... | value |   value: signed LE
 *   +----------------+--------------+-------+-----+-------+
 *
 *   encoding = bytes per value: 2, 4 or 8. Values strictly increase. Redis never
 *   narrows an intset, so a wide encoding holding small values is legal.
 *
 * ---- zipmap (Redis 2.x hashes) ---------------------------------------------
 *
 *   +-------+-----+-----+-----+-----+------+-------+--------+-----+------+
 *   | count | len | key | len | free| value| pad   | len ...| ... | 0xFF |
 *   +-------+-----+-----+-----+-----+------+-------+--------+-----+------+
 *
 *   count = pairs, 1 byte; 254 or more = unknown. len = 0..253 in one byte, or
 *   254 and a u32LE; 255 in place of a key's len is the terminator. free = one
 *   byte, the number of unused bytes (pad) after the value.
 *
 * Empty blobs (no entries) are well-formed here; whether an empty collection is
 * acceptable is the caller's business (Redis drops such keys when loading).
 *
 * ---- the writer -------------------------------------------------------------
 *
 * Entries are appended to the buffer behind a 6-byte header; until
 * pk_lp_finish the first 4 bytes hold the number of entries so far (u32LE),
 * which UINT32_MAX marks as "too big": set when an entry would take the blob
 * past 4 GiB, after which adds are ignored and pk_lp_finish fails. The writer
 * always picks the smallest encoding, as Redis does, so its output matches
 * Redis's byte for byte.
 */
#include "persist/packed.h"

#include <stdint.h>
#include <string.h>

#include "core/util.h"

#define LP_HDR 6u
#define ZL_HDR 10u
#define IS_HDR 8u
#define END 0xFFu
#define UNKNOWN SIZE_MAX   /* declared count not given */
#define TOO_BIG UINT32_MAX /* writer: running count meaning "failed" */

typedef unsigned char u8;

/* ---- byte helpers ---------------------------------------------------------- */

static uint64_t get_le(const u8 *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i--;)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_be(const u8 *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static void put_le(u8 *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, v >>= 8)
        p[i] = (u8)v;
}

/* The low `bits` bits of u as a two's complement number (no implementation-
 * defined conversions). */
static long long sign_extend(uint64_t u, unsigned bits)
{
    uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    u &= mask;
    if (!(u >> (bits - 1))) return (long long)u;
    return -(long long)(~u & mask) - 1;
}

static void set_int(pk_entry *e, long long v)
{
    e->is_int = 1;
    e->v = v;
    e->p = NULL;
    e->len = 0;
}

static void set_str(pk_entry *e, const u8 *p, size_t len)
{
    e->is_int = 0;
    e->v = 0;
    e->p = (const char *)p;
    e->len = len;
}

/* ---- the generic walk ----------------------------------------------------- */

/* Where a reader is in its blob. `end` is the offset of the terminator (the
 * blob's size for an intset); entries must lie entirely before it. */
typedef struct cursor {
    const u8 *b;
    size_t pos, end;
    size_t n;         /* entries decoded so far */
    size_t want;      /* declared count, or UNKNOWN */
    size_t prev;      /* ziplist: size of the previous entry */
    size_t last;      /* ziplist: offset of the previous entry */
    size_t tail;      /* ziplist: zltail from the header */
    long long prev_v; /* intset: previous value */
    unsigned width;   /* intset: bytes per value */
} cursor;

/* Decodes the entry at c->pos into *e and moves past it: 1. At the end: 0 if
 * the blob's global checks (count, tail, ...) pass, else -1. Malformed: -1. */
typedef int next_fn(cursor *c, pk_entry *e);

/* Validates the whole blob, then calls fn on every entry. */
static int walk(const cursor *start, next_fn *next, pk_fn *fn, void *priv, size_t *count)
{
    cursor c = *start;
    pk_entry e;
    int r;
    while ((r = next(&c, &e)) > 0)
        c.n++;
    if (r < 0) return -1;
    if (count) *count = c.n;
    if (!fn) return 0;
    c = *start;
    while (next(&c, &e) > 0) {
        c.n++;
        if ((r = fn(priv, &e)) != 0) return r;
    }
    return 0;
}

/* At the end of a walk: the declared count (if any) matches. */
static int count_ok(const cursor *c)
{
    return c->want == UNKNOWN || c->want == c->n;
}

/* ---- listpack ---------------------------------------------------------------- */

static size_t backlen_size(size_t v)
{
    size_t k = 1;
    while (k < 5 && v >= ((size_t)1 << (7 * k)))
        k++;
    return k;
}

/* Writes the k-byte backlen of v at p. */
static void backlen_put(u8 *p, size_t v, size_t k)
{
    for (size_t i = 0; i < k; i++, v >>= 7)
        p[k - 1 - i] = (u8)((v & 0x7f) | (k - 1 - i ? 0x80 : 0));
}

/* What an encoding says about its entry. */
enum { ENC_BAD = -1, ENC_IMM, ENC_STR, ENC_INT };

/* Parses the listpack encoding at p (left > 0 bytes available): sets *hdr
 * (encoding size) and *dlen (data size). Returns ENC_IMM for an integer held
 * in the encoding itself (then *e is set), ENC_STR for a string of *dlen
 * bytes, ENC_INT for a little-endian integer of *dlen bytes, ENC_BAD for a
 * bad or truncated encoding. */
static int lp_encoding(const u8 *p, size_t left, size_t *hdr, size_t *dlen, pk_entry *e)
{
    static const unsigned char width[] = {2, 3, 4, 8};
    unsigned c = p[0];
    *dlen = 0;
    *hdr = c < 0xC0 || c >= 0xF1 ? 1 : c < 0xF0 ? 2 : 5;
    if (*hdr > left) return ENC_BAD;
    if (c < 0x80) {
        set_int(e, c);
        return ENC_IMM;
    }
    if (c < 0xC0) {
        *dlen = c & 0x3f;
        return ENC_STR;
    }
    if (c < 0xE0) {
        set_int(e, sign_extend(((uint64_t)(c & 0x1f) << 8) | p[1], 13));
        return ENC_IMM;
    }
    if (c <= 0xF0) {
        *dlen = c == 0xF0 ? (size_t)get_le(p + 1, 4) : ((size_t)(c & 0x0f) << 8) | p[1];
        return ENC_STR;
    }
    if (c > 0xF4) return ENC_BAD; /* unused, or a terminator before the end */
    *dlen = width[c - 0xF1];
    return ENC_INT;
}

/* Sets *e from an entry's data, for ENC_STR and ENC_INT. */
static void set_data(pk_entry *e, int kind, const u8 *data, size_t dlen)
{
    if (kind == ENC_STR)
        set_str(e, data, dlen);
    else if (kind == ENC_INT)
        set_int(e, sign_extend(get_le(data, (unsigned)dlen), 8 * (unsigned)dlen));
}

static int lp_next(cursor *c, pk_entry *e)
{
    if (c->pos == c->end) return count_ok(c) ? 0 : -1;
    const u8 *p = c->b + c->pos;
    size_t left = c->end - c->pos, hdr, dlen;
    int kind = lp_encoding(p, left, &hdr, &dlen, e);
    if (kind == ENC_BAD || dlen > left - hdr) return -1;
    size_t body = hdr + dlen, k = backlen_size(body);
    if (k > left - body) return -1;
    u8 want[5];
    backlen_put(want, body, k);
    if (memcmp(p + body, want, k) != 0) return -1;
    set_data(e, kind, p + hdr, dlen);
    c->pos += body + k;
    return 1;
}

int pk_listpack_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count)
{
    const u8 *b = blob;
    if (len < LP_HDR + 1 || get_le(b, 4) != len || b[len - 1] != END) return -1;
    size_t n = (size_t)get_le(b + 4, 2);
    cursor c = {.b = b, .pos = LP_HDR, .end = len - 1, .want = n == 65535 ? UNKNOWN : n};
    return walk(&c, lp_next, fn, priv, count);
}

/* ---- ziplist ------------------------------------------------------------------ */

/* Parses the ziplist encoding at p (left > 0 bytes): like lp_encoding. */
static int zl_encoding(const u8 *p, size_t left, size_t *hdr, size_t *dlen, pk_entry *e)
{
    unsigned c = p[0];
    *hdr = (c >> 6) == 1 ? 2 : (c >> 6) == 2 ? 5 : 1;
    if (*hdr > left) return ENC_BAD;
    static const struct {
        u8 tag, width;
    } ints[] = {{0xC0, 2}, {0xD0, 4}, {0xE0, 8}, {0xF0, 3}, {0xFE, 1}};
    if (c < 0x40) {
        *dlen = c;
        return ENC_STR;
    }
    if (c < 0x80) {
        *dlen = ((size_t)(c & 0x3f) << 8) | p[1];
        return ENC_STR;
    }
    if (c < 0xC0) {
        *dlen = (size_t)get_be(p + 1, 4);
        return c == 0x80 ? ENC_STR : ENC_BAD;
    }
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        if (c == ints[i].tag) {
            *dlen = ints[i].width;
            return ENC_INT;
        }
    if (c < 0xF1 || c > 0xFD) return ENC_BAD;
    *dlen = 0;
    set_int(e, (long long)(c & 0x0f) - 1);
    return ENC_IMM;
}

/* At the end: count, and zltail names the last entry (the header when empty). */
static int zl_end(const cursor *c)
{
    size_t last = c->n ? c->last : ZL_HDR;
    return count_ok(c) && c->tail == last ? 0 : -1;
}

static int zl_next(cursor *c, pk_entry *e)
{
    if (c->pos == c->end) return zl_end(c);
    const u8 *p = c->b + c->pos;
    size_t left = c->end - c->pos, pl, plsize = p[0] == 0xFE ? 5 : 1;
    if (p[0] == END || plsize > left) return -1;
    pl = plsize == 1 ? p[0] : (size_t)get_le(p + 1, 4);
    if (pl != c->prev) return -1;
    size_t hdr, dlen;
    left -= plsize;
    if (!left) return -1;
    int kind = zl_encoding(p + plsize, left, &hdr, &dlen, e);
    if (kind == ENC_BAD || dlen > left - hdr) return -1;
    set_data(e, kind, p + plsize + hdr, dlen);
    c->last = c->pos;
    c->prev = plsize + hdr + dlen;
    c->pos += c->prev;
    return 1;
}

int pk_ziplist_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count)
{
    const u8 *b = blob;
    if (len < ZL_HDR + 1 || get_le(b, 4) != len || b[len - 1] != END) return -1;
    size_t n = (size_t)get_le(b + 8, 2);
    cursor c = {.b = b,
                .pos = ZL_HDR,
                .end = len - 1,
                .want = n == 65535 ? UNKNOWN : n,
                .tail = (size_t)get_le(b + 4, 4)};
    return walk(&c, zl_next, fn, priv, count);
}

/* ---- intset ------------------------------------------------------------------- */

static int is_next(cursor *c, pk_entry *e)
{
    if (c->pos == c->end) return 0; /* the header check fixed the count */
    long long v = sign_extend(get_le(c->b + c->pos, c->width), 8 * c->width);
    if (c->n && v <= c->prev_v) return -1;
    set_int(e, v);
    c->prev_v = v;
    c->pos += c->width;
    return 1;
}

int pk_intset_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count)
{
    const u8 *b = blob;
    if (len < IS_HDR) return -1;
    uint64_t width = get_le(b, 4), n = get_le(b + 4, 4);
    if (width != 2 && width != 4 && width != 8) return -1;
    if ((len - IS_HDR) % width || (len - IS_HDR) / width != n) return -1;
    cursor c = {.b = b, .pos = IS_HDR, .end = len, .width = (unsigned)width};
    return walk(&c, is_next, fn, priv, count);
}

/* ---- zipmap ------------------------------------------------------------------- */

/* Reads a zipmap length at c->pos (before c->end) into *v; -1 if it is
 * truncated or the terminator. */
static int zm_len(cursor *c, size_t *v)
{
    const u8 *p = c->b + c->pos;
    size_t left = c->end - c->pos;
    if (!left || p[0] == END) return -1;
    if (p[0] < 254) {
        *v = p[0];
        c->pos += 1;
        return 0;
    }
    if (left < 5) return -1;
    *v = (size_t)get_le(p + 1, 4);
    c->pos += 5;
    return 0;
}

/* Entries alternate: even ones are keys, odd ones values (with free bytes). */
static int zm_next(cursor *c, pk_entry *e)
{
    int key = !(c->n & 1);
    if (key && c->pos == c->end) return count_ok(c) ? 0 : -1;
    size_t len, free_ = 0;
    if (zm_len(c, &len) < 0) return -1;
    if (!key) {
        if (c->pos == c->end) return -1;
        free_ = c->b[c->pos++];
    }
    size_t left = c->end - c->pos;
    if (len > left || free_ > left - len) return -1;
    set_str(e, c->b + c->pos, len);
    c->pos += len + free_;
    return 1;
}

int pk_zipmap_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count)
{
    const u8 *b = blob;
    if (len < 2 || b[len - 1] != END) return -1;
    cursor c = {
        .b = b, .pos = 1, .end = len - 1, .want = b[0] >= 254 ? UNKNOWN : 2u * b[0]};
    return walk(&c, zm_next, fn, priv, count);
}

/* ---- listpack writer ---------------------------------------------------------- */

static uint32_t running_count(const buf *b)
{
    return (uint32_t)get_le((const u8 *)b->p, 4);
}

/* Makes room for an entry of size bytes, or marks the listpack too big (one
 * byte stays reserved for the terminator). Returns where to write, or NULL. */
static u8 *entry_room(buf *b, size_t size)
{
    uint32_t n = running_count(b);
    if (n == TOO_BIG) return NULL;
    if (size > (size_t)UINT32_MAX - 1 - b->len) {
        put_le((u8 *)b->p, TOO_BIG, 4);
        return NULL;
    }
    put_le((u8 *)b->p, n + 1, 4);
    buf_reserve(b, size);
    u8 *p = (u8 *)b->p + b->len;
    b->len += size;
    return p;
}

void pk_lp_begin(buf *b)
{
    b->len = 0;
    buf_reserve(b, LP_HDR + 1);
    memset(b->p, 0, LP_HDR);
    b->len = LP_HDR;
}

void pk_lp_add_int(buf *b, long long v)
{
    size_t hdr, body;
    u8 tag;
    if (v >= 0 && v <= 127) {
        hdr = 1, body = 1, tag = (u8)v;
    } else if (v >= -4096 && v <= 4095) {
        hdr = 2, body = 2, tag = (u8)(0xC0 | (((uint64_t)v >> 8) & 0x1f));
    } else {
        unsigned w = v >= INT16_MIN && v <= INT16_MAX   ? 2
                     : v >= -8388608 && v <= 8388607    ? 3
                     : v >= INT32_MIN && v <= INT32_MAX ? 4
                                                        : 8;
        hdr = 1, body = 1 + w, tag = (u8)(w == 8 ? 0xF4 : 0xF1 + (w - 2));
    }
    u8 *p = entry_room(b, body + 1);
    if (!p) return;
    p[0] = tag;
    if (hdr == 2) p[1] = (u8)((uint64_t)v & 0xff);
    if (body > hdr) put_le(p + 1, (uint64_t)v, (unsigned)(body - 1));
    p[body] = (u8)body; /* bodies of integers are at most 9 bytes */
}

void pk_lp_add_str(buf *b, const void *s, size_t len)
{
    long long v;
    if (len && len <= 20 && util_str2ll(s, len, &v)) {
        pk_lp_add_int(b, v);
        return;
    }
    if (len > UINT32_MAX) { /* cannot be encoded: mark the listpack too big */
        if (running_count(b) != TOO_BIG) put_le((u8 *)b->p, TOO_BIG, 4);
        return;
    }
    size_t hdr = len < 64 ? 1 : len < 4096 ? 2 : 5, body = hdr + len;
    size_t k = backlen_size(body);
    u8 *p = entry_room(b, body + k);
    if (!p) return;
    if (hdr == 1) {
        p[0] = (u8)(0x80 | len);
    } else if (hdr == 2) {
        p[0] = (u8)(0xE0 | (len >> 8));
        p[1] = (u8)(len & 0xff);
    } else {
        p[0] = 0xF0;
        put_le(p + 1, len, 4);
    }
    if (len) memcpy(p + hdr, s, len);
    backlen_put(p + body, body, k);
}

int pk_lp_finish(buf *b)
{
    uint32_t n = running_count(b);
    if (n == TOO_BIG) return -1;
    buf_putc(b, (char)END); /* entry_room kept room for it under 4 GiB */
    u8 *p = (u8 *)b->p;
    put_le(p, b->len, 4);
    put_le(p + 4, n < 65535 ? n : 65535, 2);
    return 0;
}
