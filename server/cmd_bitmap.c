/* server/cmd_bitmap.c — the bitmap commands: SETBIT GETBIT BITCOUNT BITPOS
 * BITOP BITFIELD BITFIELD_RO, plus their entries in the command table.
 *
 * A bitmap is an ordinary string value. Bit 0 is the most significant bit of
 * byte 0; a string is an infinite run of zero bits past its end. Writes grow
 * the string in place (ks_str_resize zero-fills the growth); bit offsets are
 * limited so that the string never exceeds proto-max-bulk-len, as in Redis.
 *
 * BITCOUNT and BITPOS turn their BYTE or BIT range into one inclusive range of
 * bit positions, then work on whole 8-byte words in the middle and mask the
 * partial bytes at its ends. BITOP computes straight into the destination's
 * new value, or, when the destination is also a source, into a scratch buffer
 * that it then stores.
 *
 * Error texts, the order in which errors are detected, and which calls count
 * as a change (for WATCH and the save rules) follow Redis 7.0.15: e.g. BITCOUNT
 * and BITPOS answer for a missing key before parsing their range; SETBIT and
 * BITFIELD signal a change only when a value changed or the string grew;
 * BITFIELD's overflow checks keep Redis's arithmetic, quirks included.
 */
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/cmdtab.h"
#include "server/notify.h"
#include "server/config.h"
#include "server/server.h"

#define ERR_BIT_OFFSET "ERR bit offset is not an integer or out of range"
#define ERR_BIT_VALUE "ERR bit is not an integer or out of range"
#define ERR_BF_TYPE                                                                      \
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "       \
    "supported but i64 is."

/* ---------------------------------------------------------------- helpers */

/* Looks key up. Returns 1 with *ep (NULL when missing) if the key is absent or
 * a string; replies WRONGTYPE and returns 0 otherwise. */
static int lookup_str(client *c, slice key, int flags, kentry **ep)
{
    return lookup_typed(c, key, flags, OBJ_STRING, ep);
}

/* Parses a bit offset. With bits > 0 the form "#N" is accepted too and means
 * N * bits (BITFIELD); the product wraps as Redis's does. The offset must
 * address a byte below proto-max-bulk-len. Replies the error and returns -1
 * on failure. */
static int parse_bit_offset(client *c, slice a, int bits, uint64_t *out)
{
    long long v;
    size_t hash = bits > 0 && a.len > 0 && a.p[0] == '#';
    if (!util_str2ll(a.p + hash, a.len - hash, &v)) goto bad;
    if (hash) v = (long long)((unsigned long long)v * (unsigned long long)bits);
    if (v < 0 || (unsigned long long)(v >> 3) >= cfg.proto_max_bulk_len) goto bad;
    *out = (uint64_t)v;
    return 0;
bad:
    reply_error(c, ERR_BIT_OFFSET);
    return -1;
}

/* Set bits in n bytes, a word at a time. Inlined into a plain and a POPCNT
 * build of the same loop; popcount_bytes picks one at run time. */
static inline __attribute__((always_inline)) uint64_t popcount_loop(const unsigned char *p,
                                                                     size_t n)
{
    uint64_t cnt = 0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, sizeof(w));
        cnt += (uint64_t)(__builtin_popcountll(w[0]) + __builtin_popcountll(w[1]) +
                          __builtin_popcountll(w[2]) + __builtin_popcountll(w[3]));
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        cnt += (uint64_t)__builtin_popcountll(w);
    }
    for (; i < n; i++)
        cnt += (uint64_t)__builtin_popcount(p[i]);
    return cnt;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("popcnt"))) static uint64_t popcount_hw(const unsigned char *p, size_t n)
{
    return popcount_loop(p, n);
}
#endif

static uint64_t popcount_bytes(const unsigned char *p, size_t n)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (n >= 64 && __builtin_cpu_supports("popcnt")) return popcount_hw(p, n);
#endif
    return popcount_loop(p, n);
}

/* Masks keeping the bits of a byte from bit position k (0 = MSB) on, and up to
 * bit position k inclusive. */
static unsigned char mask_from(unsigned k) { return (unsigned char)(0xffu >> k); }
static unsigned char mask_upto(unsigned k) { return (unsigned char)(0xffu << (7 - k)); }

/* Set bits in the inclusive bit range [sb, eb] of p. */
static uint64_t count_bits(const unsigned char *p, uint64_t sb, uint64_t eb)
{
    uint64_t fb = sb >> 3, lb = eb >> 3;
    unsigned mf = mask_from((unsigned)(sb & 7)), mu = mask_upto((unsigned)(eb & 7));
    if (fb == lb) return (uint64_t)__builtin_popcount(p[fb] & mf & mu);
    return (uint64_t)__builtin_popcount(p[fb] & mf) + (uint64_t)__builtin_popcount(p[lb] & mu) +
           popcount_bytes(p + fb + 1, (size_t)(lb - fb - 1));
}

/* Position of the first bit equal to bit in the inclusive range [sb, eb] of
 * p, or -1. Whole words of the wrong value are skipped. */
static long long find_bit(const unsigned char *p, uint64_t sb, uint64_t eb, int bit)
{
    uint64_t i = sb >> 3, last = eb >> 3;
    unsigned char flip = bit ? 0 : 0xff;
    uint64_t skip = bit ? 0 : UINT64_MAX;
    unsigned b = (unsigned char)(p[i] ^ flip) & mask_from((unsigned)(sb & 7));
    for (;;) {
        if (i == last) b &= mask_upto((unsigned)(eb & 7));
        if (b) return (long long)(i * 8 + (uint64_t)(__builtin_clz(b) - 24));
        if (i == last) return -1;
        i++;
        while (i + 32 <= last) {
            uint64_t w[4];
            memcpy(w, p + i, sizeof(w));
            uint64_t all = bit ? w[0] | w[1] | w[2] | w[3] : ~(w[0] & w[1] & w[2] & w[3]);
            if (all) break;
            i += 32;
        }
        while (i + 8 <= last) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w != skip) break;
            i += 8;
        }
        b = (unsigned char)(p[i] ^ flip);
    }
}

/* Parses BYTE | BIT: 1 for BIT, 0 for BYTE; replies a syntax error and returns
 * -1 otherwise. */
static int parse_unit(client *c, slice a)
{
    if (slice_is(a, "BIT")) return 1;
    if (slice_is(a, "BYTE")) return 0;
    reply_err_syntax(c);
    return -1;
}

/* Clips an inclusive range with negative indexes counting from the end to
 * [0, total-1]; the result is empty when *start > *end. */
static void clip_range(long long *start, long long *end, long long total)
{
    if (*start < 0) *start += total;
    if (*end < 0) *end += total;
    if (*start < 0) *start = 0;
    if (*end < 0) *end = 0;
    if (*end >= total) *end = total - 1;
}

/* ---------------------------------------------------------------- SETBIT GETBIT */

static void setbit_cmd(client *c)
{
    slice key = c->argv[1];
    uint64_t off;
    long long on;
    if (parse_bit_offset(c, c->argv[2], 0, &off) < 0) return;
    if (!util_str2ll(c->argv[3].p, c->argv[3].len, &on) || (on & ~1LL)) {
        reply_error(c, ERR_BIT_VALUE);
        return;
    }
    kentry *e;
    if (!lookup_str(c, key, KS_WRITE, &e)) return;
    int grown = 0;
    size_t olen = 0, byte = (size_t)(off >> 3);
    if (!e) {
        e = ks_set_str(c->db, key, slice_of("", 0), 0);
        grown = 1;
    } else {
        char tmp[24];
        olen = ke_str(e, tmp).len;
    }
    if (byte >= olen) grown = 1;
    unsigned char *p =
        (unsigned char *)ks_str_resize(c->db, &e, byte >= olen ? byte + 1 : olen);
    unsigned char m = (unsigned char)(0x80u >> (off & 7));
    int old = (p[byte] & m) != 0;
    if (on)
        p[byte] |= m;
    else
        p[byte] &= (unsigned char)~m;
    if (grown || old != (int)on) {
        key_modified(c->db, key);
        notify_event(NOTIFY_STRING, "setbit", c->db, key);
    }
    reply_int(c, old);
}

static void getbit_cmd(client *c)
{
    uint64_t off;
    kentry *e;
    if (parse_bit_offset(c, c->argv[2], 0, &off) < 0) return;
    if (!lookup_str(c, c->argv[1], KS_READ, &e)) return;
    if (!e) {
        reply_int(c, 0);
        return;
    }
    char tmp[24];
    slice v = ke_str(e, tmp);
    uint64_t byte = off >> 3;
    int bit = byte < v.len && (((const unsigned char *)v.p)[byte] & (0x80u >> (off & 7)));
    reply_int(c, bit);
}

/* ---------------------------------------------------------------- BITCOUNT BITPOS */

/* BITCOUNT key [start end [BYTE | BIT]] */
static void bitcount_cmd(client *c)
{
    kentry *e;
    if (!lookup_str(c, c->argv[1], KS_READ, &e)) return;
    if (!e) {
        reply_int(c, 0);
        return;
    }
    char tmp[24];
    slice v = ke_str(e, tmp);
    long long start = 0, end = (long long)v.len - 1;
    int isbit = 0;
    if (c->argc == 4 || c->argc == 5) {
        if (arg_ll(c, c->argv[2], &start) < 0 || arg_ll(c, c->argv[3], &end) < 0) return;
        if (start < 0 && end < 0 && start > end) {
            reply_int(c, 0);
            return;
        }
        if (c->argc == 5 && (isbit = parse_unit(c, c->argv[4])) < 0) return;
        clip_range(&start, &end, isbit ? (long long)v.len * 8 : (long long)v.len);
    } else if (c->argc != 2) {
        reply_err_syntax(c);
        return;
    }
    if (start > end) {
        reply_int(c, 0);
        return;
    }
    uint64_t sb = isbit ? (uint64_t)start : (uint64_t)start * 8;
    uint64_t eb = isbit ? (uint64_t)end : (uint64_t)end * 8 + 7;
    reply_int(c, (long long)count_bits((const unsigned char *)v.p, sb, eb));
}

/* BITPOS key bit [start [end [BYTE | BIT]]]. Looking for a clear bit without
 * an explicit end, the string counts as followed by zeros: the answer is then
 * the first bit past it. */
static void bitpos_cmd(client *c)
{
    long long bit;
    kentry *e;
    if (arg_ll(c, c->argv[2], &bit) < 0) return;
    if (bit != 0 && bit != 1) {
        reply_error(c, "ERR The bit argument must be 1 or 0.");
        return;
    }
    if (!lookup_str(c, c->argv[1], KS_READ, &e)) return;
    if (!e) {
        reply_int(c, bit ? -1 : 0);
        return;
    }
    char tmp[24];
    slice v = ke_str(e, tmp);
    long long len = (long long)v.len, start = 0, end = len - 1;
    int isbit = 0, end_given = 0;
    if (c->argc >= 4 && c->argc <= 6) {
        if (arg_ll(c, c->argv[3], &start) < 0) return;
        if (c->argc == 6 && (isbit = parse_unit(c, c->argv[5])) < 0) return;
        if (c->argc >= 5) { /* BIT needs an end, so without one the unit is BYTE */
            if (arg_ll(c, c->argv[4], &end) < 0) return;
            end_given = 1;
        }
        clip_range(&start, &end, isbit ? len * 8 : len);
    } else if (c->argc != 3) {
        reply_err_syntax(c);
        return;
    }
    if (start > end) {
        reply_int(c, -1);
        return;
    }
    uint64_t sb = isbit ? (uint64_t)start : (uint64_t)start * 8;
    uint64_t eb = isbit ? (uint64_t)end : (uint64_t)end * 8 + 7;
    long long pos = find_bit((const unsigned char *)v.p, sb, eb, (int)bit);
    if (pos < 0 && bit == 0 && !end_given) pos = (long long)eb + 1;
    reply_int(c, pos);
}

/* ---------------------------------------------------------------- BITOP */

enum { OP_AND, OP_OR, OP_XOR, OP_NOT };

/* dst[i] op= src[i] for n bytes, a word at a time. */
static void combine(unsigned char *dst, const unsigned char *src, size_t n, int op)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t a, b;
        memcpy(&a, dst + i, 8);
        memcpy(&b, src + i, 8);
        a = op == OP_AND ? a & b : op == OP_OR ? a | b : a ^ b;
        memcpy(dst + i, &a, 8);
    }
    for (; i < n; i++)
        dst[i] = (unsigned char)(op == OP_AND ? dst[i] & src[i]
                                 : op == OP_OR ? dst[i] | src[i] : dst[i] ^ src[i]);
}

/* Computes op over the n source strings into res[0..maxlen): missing bytes of
 * shorter sources count as zeros. res must not overlap a source. */
static void bitop_compute(int op, const slice *src, size_t n, size_t maxlen, unsigned char *res)
{
    if (op == OP_NOT) {
        size_t i = 0;
        const unsigned char *s = (const unsigned char *)src[0].p;
        for (; i + 8 <= maxlen; i += 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            w = ~w;
            memcpy(res + i, &w, 8);
        }
        for (; i < maxlen; i++)
            res[i] = (unsigned char)~s[i];
    } else if (op == OP_AND) {
        size_t minlen = src[0].len;
        for (size_t k = 1; k < n; k++)
            if (src[k].len < minlen) minlen = src[k].len;
        if (minlen) memcpy(res, src[0].p, minlen);
        for (size_t k = 1; k < n; k++)
            combine(res, (const unsigned char *)src[k].p, minlen, OP_AND);
        memset(res + minlen, 0, maxlen - minlen);
    } else {
        memset(res, 0, maxlen);
        for (size_t k = 0; k < n; k++)
            combine(res, (const unsigned char *)src[k].p, src[k].len, op);
    }
}

/* BITOP <AND | OR | XOR | NOT> destkey key [key ...]: stores the result (its
 * length is the longest source's) at destkey, or deletes destkey when every
 * source is empty or missing. */
static void bitop_cmd(client *c)
{
    slice opname = c->argv[1], dst = c->argv[2];
    int op;
    if (slice_is(opname, "AND"))
        op = OP_AND;
    else if (slice_is(opname, "OR"))
        op = OP_OR;
    else if (slice_is(opname, "XOR"))
        op = OP_XOR;
    else if (slice_is(opname, "NOT"))
        op = OP_NOT;
    else {
        reply_err_syntax(c);
        return;
    }
    if (op == OP_NOT && c->argc != 4) {
        reply_error(c, "ERR BITOP NOT must be called with a single source key.");
        return;
    }
    size_t n = (size_t)c->argc - 3, maxlen = 0;
    int dst_is_src = 0;
    /* One slice per source, then 24 bytes per source for int-encoded values. */
    slice *src = mem_alloc(n * (sizeof(slice) + 24));
    char *tmps = (char *)(src + n);
    for (size_t k = 0; k < n; k++) {
        kentry *e;
        if (!lookup_str(c, c->argv[3 + k], KS_READ, &e)) {
            mem_free(src);
            return;
        }
        src[k] = e ? ke_str(e, tmps + 24 * k) : slice_of("", 0);
        if (src[k].len > maxlen) maxlen = src[k].len;
        dst_is_src |= slice_eq(c->argv[3 + k], dst);
    }
    if (maxlen && !dst_is_src) { /* compute straight into the new value */
        kentry *de = ks_set_str(c->db, dst, slice_of("", 0), KS_FORCE_RAW);
        bitop_compute(op, src, n, maxlen, (unsigned char *)ks_str_resize(c->db, &de, maxlen));
        key_modified(c->db, dst);
        notify_event(NOTIFY_STRING, "set", c->db, dst);
    } else if (maxlen) { /* the old value is a source: compute aside, then copy */
        unsigned char *res = mem_alloc(maxlen);
        bitop_compute(op, src, n, maxlen, res);
        ks_set_str(c->db, dst, slice_of((const char *)res, maxlen), KS_FORCE_RAW);
        mem_free(res);
        key_modified(c->db, dst);
        notify_event(NOTIFY_STRING, "set", c->db, dst);
    } else if (ks_delete(c->db, dst)) {
        key_modified(c->db, dst);
        notify_event(NOTIFY_GENERIC, "del", c->db, dst);
    }
    mem_free(src);
    reply_int(c, (long long)maxlen);
}

/* ---------------------------------------------------------------- BITFIELD */

enum { BF_GET, BF_SET, BF_INCRBY };
enum { OW_WRAP, OW_SAT, OW_FAIL };

typedef struct bf_op {
    uint64_t off;
    long long arg; /* SET value or INCRBY increment */
    unsigned char op, ow, bits, sign;
} bf_op;

/* Parses a type: i1..i64 or u1..u63 (lower case i/u only, as Redis). */
static int parse_bf_type(client *c, slice a, int *sign, int *bits)
{
    long long v;
    if (a.len < 2 || (a.p[0] != 'i' && a.p[0] != 'u') ||
        !util_str2ll(a.p + 1, a.len - 1, &v) || v < 1 || v > (a.p[0] == 'i' ? 64 : 63)) {
        reply_error(c, ERR_BF_TYPE);
        return -1;
    }
    *sign = a.p[0] == 'i';
    *bits = (int)v;
    return 0;
}

/* The unsigned bits-wide field at bit offset off of p[0..len), MSB first;
 * bytes past len read as zeros. */
static uint64_t field_get(const unsigned char *p, size_t len, uint64_t off, int bits)
{
    uint64_t byte = off >> 3;
    unsigned shift = (unsigned)(off & 7);
    unsigned char b[9] = {0};
    for (unsigned i = 0; i < 9 && byte + i < len; i++)
        b[i] = p[byte + i];
    uint64_t w = 0;
    for (unsigned i = 0; i < 8; i++)
        w = (w << 8) | b[i];
    if (shift) w = (w << shift) | (uint64_t)(b[8] >> (8 - shift));
    return w >> (64 - bits);
}

/* Writes the low bits of v as a bits-wide field at bit offset off (the string
 * is long enough). */
static void field_set(unsigned char *p, uint64_t off, int bits, uint64_t v)
{
    for (int i = 0; i < bits; i++) {
        uint64_t pos = off + (uint64_t)i;
        unsigned char m = (unsigned char)(0x80u >> (pos & 7));
        if ((v >> (bits - 1 - i)) & 1)
            p[pos >> 3] |= m;
        else
            p[pos >> 3] &= (unsigned char)~m;
    }
}

static int64_t sign_extend(uint64_t v, int bits)
{
    if (bits < 64 && (v & (1ull << (bits - 1)))) v |= ~0ull << bits;
    return (int64_t)v;
}

/* value + incr into an unsigned bits-wide field. Returns 1 on overflow, with
 * *res the wrapped or saturated value per ow; 0 with *res the sum otherwise.
 * SET checks its value with incr 0: a negative value is "too big". */
static int ubf_add(uint64_t value, long long incr, int bits, int ow, uint64_t *res)
{
    uint64_t max = (1ull << bits) - 1, sum = value + (uint64_t)incr;
    int dir = 0;
    if (value > max || (incr > 0 && (uint64_t)incr > max - value))
        dir = 1;
    else if (incr < 0 && incr < -(long long)value)
        dir = -1;
    if (!dir) {
        *res = sum;
        return 0;
    }
    if (ow == OW_WRAP) *res = sum & max;
    else if (ow == OW_SAT) *res = dir > 0 ? max : 0;
    return 1;
}

/* value + incr into a signed bits-wide field; as ubf_add. The limits are
 * computed with Redis's wrapping arithmetic, so that a SET of a value near
 * INT64_MIN saturates as it does there. */
static int sbf_add(int64_t value, long long incr, int bits, int ow, int64_t *res)
{
    int64_t max = bits == 64 ? INT64_MAX : (int64_t)((1ull << (bits - 1)) - 1);
    int64_t min = -max - 1;
    int64_t maxincr = (int64_t)((uint64_t)max - (uint64_t)value);
    int64_t minincr = (int64_t)((uint64_t)min - (uint64_t)value);
    uint64_t sum = (uint64_t)value + (uint64_t)incr;
    int dir = 0;
    if (value > max || (bits != 64 && incr > maxincr) ||
        (value >= 0 && incr > 0 && incr > maxincr))
        dir = 1;
    else if (value < min || (bits != 64 && incr < minincr) ||
             (value < 0 && incr < 0 && incr < minincr))
        dir = -1;
    if (!dir) {
        *res = (int64_t)sum;
        return 0;
    }
    if (ow == OW_WRAP) *res = sign_extend(sum & (bits == 64 ? ~0ull : (1ull << bits) - 1), bits);
    else if (ow == OW_SAT) *res = dir > 0 ? max : min;
    return 1;
}

/* Runs one SET or INCRBY on p and replies its result (nil on a FAIL
 * overflow). Returns 1 if the field changed value, 0 if not, -1 on a FAIL
 * overflow (nothing written). */
static int bf_write(client *c, unsigned char *p, size_t len, const bf_op *o)
{
    uint64_t raw = field_get(p, len, o->off, o->bits), nraw;
    long long ret;
    int over;
    if (o->sign) {
        int64_t old = sign_extend(raw, o->bits), nv = 0;
        over = o->op == BF_INCRBY ? sbf_add(old, o->arg, o->bits, o->ow, &nv)
                                  : sbf_add(o->arg, 0, o->bits, o->ow, &nv);
        ret = o->op == BF_INCRBY ? nv : old;
        nraw = (uint64_t)nv;
    } else {
        uint64_t nv = 0;
        over = o->op == BF_INCRBY ? ubf_add(raw, o->arg, o->bits, o->ow, &nv)
                                  : ubf_add((uint64_t)o->arg, 0, o->bits, o->ow, &nv);
        ret = o->op == BF_INCRBY ? (long long)nv : (long long)raw;
        nraw = nv;
    }
    if (over && o->ow == OW_FAIL) {
        reply_null(c);
        return -1;
    }
    reply_int(c, ret);
    uint64_t mask = o->bits == 64 ? ~0ull : (1ull << o->bits) - 1;
    field_set(p, o->off, o->bits, nraw);
    return (nraw & mask) != raw;
}

/* Parses the subcommands of BITFIELD from argv[2] on into ops (room for
 * argc/3+1). Returns how many, or -1 after replying an error. *hiwrite gets
 * the highest bit a write touches, *writes whether there is one. */
static int bf_parse(client *c, bf_op *ops, uint64_t *hiwrite, int *writes)
{
    int n = 0, ow = OW_WRAP;
    *hiwrite = 0;
    *writes = 0;
    for (int j = 2; j < c->argc; j++) {
        int rem = c->argc - j - 1, op, sign, bits;
        slice s = c->argv[j];
        if (slice_is(s, "GET") && rem >= 2) {
            op = BF_GET;
        } else if (slice_is(s, "SET") && rem >= 3) {
            op = BF_SET;
        } else if (slice_is(s, "INCRBY") && rem >= 3) {
            op = BF_INCRBY;
        } else if (slice_is(s, "OVERFLOW") && rem >= 1) {
            slice t = c->argv[++j];
            if (slice_is(t, "WRAP")) ow = OW_WRAP;
            else if (slice_is(t, "SAT")) ow = OW_SAT;
            else if (slice_is(t, "FAIL")) ow = OW_FAIL;
            else {
                reply_error(c, "ERR Invalid OVERFLOW type specified");
                return -1;
            }
            continue;
        } else {
            reply_err_syntax(c);
            return -1;
        }
        bf_op *o = &ops[n];
        if (parse_bf_type(c, c->argv[j + 1], &sign, &bits) < 0) return -1;
        if (parse_bit_offset(c, c->argv[j + 2], bits, &o->off) < 0) return -1;
        o->arg = 0;
        if (op != BF_GET) {
            *writes = 1;
            if (o->off + (uint64_t)bits - 1 > *hiwrite) *hiwrite = o->off + (uint64_t)bits - 1;
            if (arg_ll(c, c->argv[j + 3], &o->arg) < 0) return -1;
        }
        o->op = (unsigned char)op;
        o->ow = (unsigned char)ow;
        o->bits = (unsigned char)bits;
        o->sign = (unsigned char)sign;
        n++;
        j += op == BF_GET ? 2 : 3;
    }
    return n;
}

static void bf_reply_get(client *c, const unsigned char *p, size_t len, const bf_op *o)
{
    uint64_t raw = p ? field_get(p, len, o->off, o->bits) : 0;
    reply_int(c, o->sign ? (long long)sign_extend(raw, o->bits) : (long long)raw);
}

static void bitfield_generic(client *c, int ro)
{
    slice key = c->argv[1];
    bf_op small[16], *ops = small;
    size_t cap = (size_t)c->argc / 3 + 1;
    if (cap > 16) ops = mem_alloc(cap * sizeof(*ops));
    uint64_t hiwrite;
    int writes, n = bf_parse(c, ops, &hiwrite, &writes);
    kentry *e;
    if (n < 0) goto done;
    if (!writes) {
        if (!lookup_str(c, key, KS_READ, &e)) goto done;
        char tmp[24];
        slice v = e ? ke_str(e, tmp) : slice_of(NULL, 0);
        reply_array(c, (size_t)n);
        for (int i = 0; i < n; i++)
            bf_reply_get(c, (const unsigned char *)v.p, v.len, &ops[i]);
        goto done;
    }
    if (ro) {
        reply_error(c, "ERR BITFIELD_RO only supports the GET subcommand");
        goto done;
    }
    if (!lookup_str(c, key, KS_WRITE, &e)) goto done;
    size_t olen = 0, need = (size_t)(hiwrite >> 3) + 1;
    int grown = 0;
    if (!e) {
        e = ks_set_str(c->db, key, slice_of("", 0), 0);
        grown = 1;
    } else {
        char tmp[24];
        olen = ke_str(e, tmp).len;
    }
    if (need > olen) grown = 1;
    size_t len = need > olen ? need : olen;
    unsigned char *p = (unsigned char *)ks_str_resize(c->db, &e, len);
    long long changes = 0;
    reply_array(c, (size_t)n);
    for (int i = 0; i < n; i++) {
        if (ops[i].op == BF_GET) {
            bf_reply_get(c, p, len, &ops[i]);
        } else {
            int r = bf_write(c, p, len, &ops[i]);
            if (r >= 0 && (grown || r)) changes++;
        }
    }
    if (changes) {
        key_modified(c->db, key);
        notify_event(NOTIFY_STRING, "setbit", c->db, key);
        if (changes > 1) server_dirty(changes - 1);
    }
done:
    if (ops != small) mem_free(ops);
}

static void bitfield_cmd(client *c) { bitfield_generic(c, 0); }
static void bitfield_ro_cmd(client *c) { bitfield_generic(c, 1); }

/* ---------------------------------------------------------------- table */

#define BF_WRITE_OP                                                                      \
    "[OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset " \
    "increment>"

/* BITFIELD with only GET (and OVERFLOW) reads its key, as Redis. */
static uint32_t bitfield_key_flags(const slice *argv, int argc, int keyidx)
{
    (void)keyidx;
    for (int i = 2; i < argc; i++)
        if (slice_is(argv[i], "SET") || slice_is(argv[i], "INCRBY"))
            return KEYF_RW | KEYF_ACCESS | KEYF_UPDATE;
    return KEYF_RO | KEYF_ACCESS;
}

command bitmap_commands[] = {
    {.name = "setbit", .proc = setbit_cmd, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_BITMAP | ACL_SLOW, .keys = {1, 1, 1}, .group = "bitmap",
     .since = "2.2.0",
     .summary = "Sets or clears one bit of a string, growing it with zeros as needed; "
                "returns the bit's old value.",
     .complexity = "O(1)", .args = "key offset value", .key_flags = "RW ACCESS UPDATE"},
    {.name = "getbit", .proc = getbit_cmd, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_BITMAP | ACL_FAST, .keys = {1, 1, 1}, .group = "bitmap",
     .since = "2.2.0",
     .summary = "Returns one bit of a string (0 past its end or for a missing key).",
     .complexity = "O(1)", .args = "key offset", .key_flags = "RO ACCESS"},
    {.name = "bitcount", .proc = bitcount_cmd, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_BITMAP | ACL_SLOW, .keys = {1, 1, 1}, .group = "bitmap",
     .since = "2.6.0",
     .summary = "Counts the bits set to 1 in a string, or in a range of its bytes or bits.",
     .complexity = "O(N) for N bytes in the range",
     .args = "key [start end [BYTE | BIT]]", .key_flags = "RO ACCESS"},
    {.name = "bitpos", .proc = bitpos_cmd, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_BITMAP | ACL_SLOW, .keys = {1, 1, 1}, .group = "bitmap",
     .since = "2.8.7",
     .summary = "Returns the position of the first bit set to 1, or to 0, in a string or "
                "a range of it.",
     .complexity = "O(N) for N bytes in the range",
     .args = "key bit [start [end [BYTE | BIT]]]", .key_flags = "RO ACCESS"},
    {.name = "bitop", .proc = bitop_cmd, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_BITMAP | ACL_SLOW, .keys = {2, -1, 1}, .group = "bitmap",
     .since = "2.6.0",
     .summary = "Combines strings bit by bit with AND, OR, XOR or NOT and stores the result "
                "at a key.",
     .complexity = "O(N) for N bytes in the longest source",
     .args = "operation destkey key [key ...]",
     .key_flags = "OW UPDATE; RO ACCESS"},
    {.name = "bitfield", .proc = bitfield_cmd, .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_BITMAP | ACL_SLOW, .keys = {1, 1, 1}, .group = "bitmap",
     .since = "3.2.0",
     .summary = "Reads, writes and increments integer fields of any width at any bit offset "
                "of a string.",
     .complexity = "O(1) per subcommand",
     .args = "key [GET encoding offset | " BF_WRITE_OP " [GET encoding offset | " BF_WRITE_OP
             " ...]]",
     .key_flags = "RW ACCESS UPDATE VARIABLE_FLAGS", .key_flags_fn = bitfield_key_flags},
    {.name = "bitfield_ro", .proc = bitfield_ro_cmd, .arity = -2,
     .flags = CMD_READONLY | CMD_FAST, .acl = ACL_READ | ACL_BITMAP | ACL_FAST,
     .keys = {1, 1, 1}, .group = "bitmap", .since = "6.0.0",
     .summary = "Reads integer fields of a string (the read-only form of BITFIELD).",
     .complexity = "O(1) per subcommand",
     .args = "key [GET encoding offset [GET encoding offset ...]]", .key_flags = "RO ACCESS"},
    {0},
};
