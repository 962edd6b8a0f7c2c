/* types/set.c — the set value type (see set.h for the encodings and the
 * ownership rules).
 *
 * Every set handle starts with a one-byte tag naming its encoding, so a bare
 * `set *` is enough to dispatch on:
 *
 *   intset (one allocation, realloc'd as it grows and shrinks):
 *   +-----+-------+-----+---------+-------------------------------------+
 *   | tag | width | pad | n (u32) | n integers of `width` bytes, sorted  |
 *   +-----+-------+-----+---------+-------------------------------------+
 *
 *   listpack and hashtable (a 16-byte handle that never moves once made):
 *   +-----+-------------+
 *   | tag | lpack/htab* |
 *   +-----+-------------+
 *   listpack: the members, unordered, in one core/lpack.
 *   hashtable: htab elements, one allocation per member:
 *              +-----------------+---------------+
 *              | varint(len)     | len bytes     |
 *              +-----------------+---------------+
 *
 * An intset is widened (2 -> 4 -> 8 bytes per integer) when a member does not
 * fit its current width, and never narrowed (as Redis). Conversions (intset ->
 * listpack -> hashtable, or intset -> hashtable) follow the limits described
 * in set.h.
 */
#include "types/set.h"

#include <limits.h>
#include <string.h>

#include "core/lpack.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"

enum { TAG_INTSET = 1, TAG_HT = 2, TAG_LP = 3 };

/* Hard cap on intset members whatever the configuration (its count is 32-bit
 * and every insert moves O(n) bytes). */
#define INTSET_HARD_MAX (1LL << 24)
/* A listpack never grows past this many bytes whatever the configuration (its
 * offsets are 32-bit, and every lookup is a linear scan). */
#define LP_SAFE_BYTES ((size_t)1 << 30)

_Static_assert(SET_NUMBUF >= LP_INTBUF, "SET_NUMBUF holds an lpack integer");

typedef struct intset {
    uint8_t tag;
    uint8_t width; /* 2, 4 or 8 */
    uint16_t pad;
    uint32_t n;
    unsigned char data[];
} intset;

/* The handle of a listpack (p is an lpack *) or hashtable (p is an htab *). */
typedef struct pset {
    uint8_t tag;
    void *p;
} pset;

#define HT(s) ((htab *)((pset *)(s))->p)
#define LP(s) ((lpack *)((pset *)(s))->p)

struct set {
    uint8_t tag;
};

/* ---------------------------------------------------------------- members */

/* A hashtable member: varint length (7 bits a byte, low groups first), bytes. */
static size_t varint_put(unsigned char *p, size_t v)
{
    size_t i = 0;
    while (v >= 0x80) {
        p[i++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[i++] = (unsigned char)v;
    return i;
}

static const void *member_key(const void *elem, size_t *len)
{
    const unsigned char *p = elem;
    size_t v = 0;
    int shift = 0;
    while (*p & 0x80) {
        v |= (size_t)(*p++ & 0x7f) << shift;
        shift += 7;
    }
    v |= (size_t)*p++ << shift;
    *len = v;
    return p;
}

static void *member_new(slice m)
{
    unsigned char hdr[10];
    size_t h = varint_put(hdr, m.len);
    unsigned char *e = mem_alloc(h + m.len);
    memcpy(e, hdr, h);
    if (m.len) memcpy(e + h, m.p, m.len);
    return e;
}

static void member_free(void *elem)
{
    mem_free(elem);
}

static const htab_type member_type = {.key = member_key, .free_elem = member_free};

static slice member_slice(const void *elem)
{
    size_t len;
    const char *p = member_key(elem, &len);
    return slice_of(p, len);
}

/* ---------------------------------------------------------------- intset */

static int width_for(long long v)
{
    if (v >= INT16_MIN && v <= INT16_MAX) return 2;
    if (v >= INT32_MIN && v <= INT32_MAX) return 4;
    return 8;
}

static long long is_get(const intset *is, size_t i)
{
    switch (is->width) {
    case 2: {
        int16_t v;
        memcpy(&v, is->data + i * 2, 2);
        return v;
    }
    case 4: {
        int32_t v;
        memcpy(&v, is->data + i * 4, 4);
        return v;
    }
    default: {
        int64_t v;
        memcpy(&v, is->data + i * 8, 8);
        return v;
    }
    }
}

static void is_put(intset *is, size_t i, long long x)
{
    switch (is->width) {
    case 2: {
        int16_t v = (int16_t)x;
        memcpy(is->data + i * 2, &v, 2);
        break;
    }
    case 4: {
        int32_t v = (int32_t)x;
        memcpy(is->data + i * 4, &v, 4);
        break;
    }
    default: {
        int64_t v = x;
        memcpy(is->data + i * 8, &v, 8);
        break;
    }
    }
}

/* Binary search: 1 and *pos = index if found, else 0 and *pos = insertion point. */
static int is_search(const intset *is, long long v, size_t *pos)
{
    size_t lo = 0, hi = is->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        long long x = is_get(is, mid);
        if (x == v) {
            *pos = mid;
            return 1;
        }
        if (x < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return 0;
}

static intset *is_resize(intset *is, size_t n)
{
    return mem_realloc(is, sizeof(intset) + n * is->width);
}

/* Rewrites every integer at a new, larger width. */
static intset *is_widen(intset *is, int width)
{
    intset *w = mem_alloc(sizeof(intset) + (size_t)is->n * (size_t)width);
    *w = *is;
    w->width = (uint8_t)width;
    for (size_t i = 0; i < is->n; i++)
        is_put(w, i, is_get(is, i));
    mem_free(is);
    return w;
}

/* Inserts v (not present) keeping the order. */
static intset *is_insert(intset *is, long long v)
{
    if (width_for(v) > is->width) is = is_widen(is, width_for(v));
    size_t pos;
    is_search(is, v, &pos);
    is = is_resize(is, (size_t)is->n + 1);
    memmove(is->data + (pos + 1) * is->width, is->data + pos * is->width,
            (is->n - pos) * is->width);
    is_put(is, pos, v);
    is->n++;
    return is;
}

static intset *is_delete_at(intset *is, size_t pos)
{
    memmove(is->data + pos * is->width, is->data + (pos + 1) * is->width,
            (is->n - pos - 1) * is->width);
    is->n--;
    return is_resize(is, is->n);
}

static slice is_member(const intset *is, size_t i, char *buf)
{
    int n = util_ll2str(buf, SET_NUMBUF, is_get(is, i));
    return slice_of(buf, (size_t)n);
}

/* ---------------------------------------------------------------- handles */

set *set_new(void)
{
    intset *is = mem_alloc(sizeof(intset));
    memset(is, 0, sizeof(*is));
    is->tag = TAG_INTSET;
    is->width = 2;
    return (set *)is;
}

static pset *pset_new(int tag, void *p)
{
    pset *ps = mem_alloc(sizeof(pset));
    ps->tag = (uint8_t)tag;
    ps->p = p;
    return ps;
}

static pset *ht_new(void)
{
    return pset_new(TAG_HT, htab_new(&member_type));
}

void set_free(set *s)
{
    if (!s) return;
    if (s->tag == TAG_HT) htab_free(HT(s));
    if (s->tag == TAG_LP) lp_free(LP(s));
    mem_free(s);
}

set *set_dup(const set *s)
{
    if (s->tag == TAG_INTSET) {
        const intset *is = (const intset *)s;
        return mem_dup(is, sizeof(intset) + (size_t)is->n * is->width);
    }
    if (s->tag == TAG_LP) return (set *)pset_new(TAG_LP, lp_dup(LP(s)));
    pset *d = ht_new();
    htab_iter it;
    htab_iter_init(&it, HT(s));
    void *e;
    while ((e = htab_iter_next(&it)))
        htab_add(d->p, member_new(member_slice(e)));
    htab_iter_done(&it);
    return (set *)d;
}

size_t set_size(const set *s)
{
    switch (s->tag) {
    case TAG_INTSET:
        return ((const intset *)s)->n;
    case TAG_LP:
        return lp_count(LP(s));
    default:
        return htab_size(HT(s));
    }
}

int set_encoding(const set *s)
{
    switch (s->tag) {
    case TAG_INTSET:
        return ENC_INTSET;
    case TAG_LP:
        return ENC_LISTPACK;
    default:
        return ENC_HT;
    }
}

size_t set_mem(const set *s)
{
    if (s->tag == TAG_INTSET) return mem_usable(s);
    if (s->tag == TAG_LP) return mem_usable(s) + mem_usable(LP(s));
    htab *h = HT(s);
    size_t total = mem_usable(s) + htab_mem(h), n = htab_size(h), seen = 0, bytes = 0;
    htab_iter it;
    htab_iter_init(&it, h);
    void *e;
    while (seen < 64 && (e = htab_iter_next(&it))) {
        bytes += mem_usable(e);
        seen++;
    }
    htab_iter_done(&it);
    if (seen) total += (size_t)((double)bytes / (double)seen * (double)n);
    return total;
}

/* ---------------------------------------------------------------- conversions */

/* Whether a listpack may hold `n` members of which the longest has maxlen bytes. */
static int lp_fits(const set_limits *lim, size_t n, size_t maxlen)
{
    return (long long)n <= lim->listpack_entries &&
           (long long)maxlen <= lim->listpack_value;
}

/* The members of an intset in a new listpack or hashtable handle (the intset
 * is freed). `extra` is the member about to be added (for the limits). */
static set *from_intset(intset *is, const set_limits *lim, slice extra)
{
    char buf[SET_NUMBUF];
    size_t maxlen = extra.len;
    for (size_t i = 0; i < is->n; i++) {
        size_t l = is_member(is, i, buf).len;
        if (l > maxlen) maxlen = l;
    }
    pset *ps;
    if (lp_fits(lim, (size_t)is->n + 1, maxlen)) {
        lpack *lp = lp_new();
        for (size_t i = 0; i < is->n; i++)
            lp = lp_append_ll(lp, is_get(is, i));
        ps = pset_new(TAG_LP, lp);
    } else {
        ps = ht_new();
        for (size_t i = 0; i < is->n; i++)
            htab_add(ps->p, member_new(is_member(is, i, buf)));
    }
    mem_free(is);
    return (set *)ps;
}

/* Moves a listpack's members into a hashtable (same handle). */
static void lp_to_ht(pset *ps)
{
    lpack *lp = ps->p;
    htab *h = htab_new(&member_type);
    char buf[LP_INTBUF];
    for (size_t pos = lp_first(lp); pos != LP_END; pos = lp_next(lp, pos))
        htab_add(h, member_new(lp_get(lp, pos, buf)));
    lp_free(lp);
    ps->tag = TAG_HT;
    ps->p = h;
}

/* ---------------------------------------------------------------- members in/out */

int set_add(set **sp, slice m, const set_limits *lim)
{
    set *s = *sp;
    if (s->tag == TAG_INTSET) {
        intset *is = (intset *)s;
        long long v;
        if (util_str2ll(m.p, m.len, &v)) {
            size_t pos;
            if (is_search(is, v, &pos)) return 0;
            long long max = lim->intset_entries < INTSET_HARD_MAX ? lim->intset_entries
                                                                  : INTSET_HARD_MAX;
            if ((long long)is->n < max) {
                *sp = (set *)is_insert(is, v);
                return 1;
            }
        }
        s = from_intset(is, lim, m);
        *sp = s;
    }
    if (s->tag == TAG_LP) {
        pset *ps = (pset *)s;
        if (lp_find(ps->p, lp_first(ps->p), m, 0) != LP_END) return 0;
        if (lp_fits(lim, lp_count(ps->p) + 1, m.len) &&
            lp_bytes(ps->p) + m.len < LP_SAFE_BYTES) {
            ps->p = lp_append(ps->p, m);
            return 1;
        }
        lp_to_ht(ps);
    }
    int existed;
    void **ref = htab_upsert_ref(HT(s), m.p, m.len, &existed);
    if (existed) return 0;
    *ref = member_new(m);
    return 1;
}

int set_remove(set **sp, slice m)
{
    set *s = *sp;
    if (s->tag == TAG_HT) return htab_delete(HT(s), m.p, m.len);
    if (s->tag == TAG_LP) {
        pset *ps = (pset *)s;
        size_t pos = lp_find(ps->p, lp_first(ps->p), m, 0);
        if (pos == LP_END) return 0;
        ps->p = lp_delete(ps->p, pos, 1, NULL);
        return 1;
    }
    intset *is = (intset *)s;
    long long v;
    size_t pos;
    if (!util_str2ll(m.p, m.len, &v) || !is_search(is, v, &pos)) return 0;
    *sp = (set *)is_delete_at(is, pos);
    return 1;
}

int set_contains(set *s, slice m)
{
    if (s->tag == TAG_HT) return htab_find(HT(s), m.p, m.len) != NULL;
    if (s->tag == TAG_LP) return lp_find(LP(s), lp_first(LP(s)), m, 0) != LP_END;
    long long v;
    size_t pos;
    return util_str2ll(m.p, m.len, &v) && is_search((intset *)s, v, &pos);
}

int set_random(set *s, char buf[SET_NUMBUF], slice *out)
{
    if (s->tag == TAG_INTSET) {
        intset *is = (intset *)s;
        if (!is->n) return -1;
        *out = is_member(is, util_rand64() % is->n, buf);
        return 0;
    }
    if (s->tag == TAG_LP) {
        lpack *lp = LP(s);
        size_t n = lp_count(lp);
        if (!n) return -1; /* cannot happen: empty sets are intsets or deleted */
        *out = lp_get(lp, lp_at(lp, (long)(util_rand64() % n)), buf);
        return 0;
    }
    void *e = htab_random(HT(s), util_rand64());
    if (!e) return -1;
    *out = member_slice(e);
    return 0;
}

/* Intsets and listpacks: one pass of selection sampling (Knuth's algorithm
 * S) picks exactly count members, each subset equally likely. */
static intset *is_pop_random(intset *is, size_t count, set_member_fn *fn, void *priv)
{
    char buf[SET_NUMBUF];
    size_t n = is->n, keep = 0;
    for (size_t i = 0; i < n; i++) {
        if (count && util_rand64() % (n - i) < count) {
            fn(priv, is_member(is, i, buf));
            count--;
        } else {
            if (keep != i) is_put(is, keep, is_get(is, i));
            keep++;
        }
    }
    is->n = (uint32_t)keep;
    return is_resize(is, keep);
}

static lpack *lp_pop_random(lpack *lp, size_t count, set_member_fn *fn, void *priv)
{
    size_t left = lp_count(lp), pos = lp_first(lp);
    char buf[LP_INTBUF];
    while (count && pos != LP_END) {
        if (util_rand64() % left-- < count) {
            fn(priv, lp_get(lp, pos, buf));
            lp = lp_delete(lp, pos, 1, &pos);
            count--;
        } else {
            pos = lp_next(lp, pos);
        }
    }
    return lp;
}

void set_pop_random(set **sp, size_t count, set_member_fn *fn, void *priv)
{
    set *s = *sp;
    if (s->tag == TAG_INTSET) {
        *sp = (set *)is_pop_random((intset *)s, count, fn, priv);
        return;
    }
    if (s->tag == TAG_LP) {
        ((pset *)s)->p = lp_pop_random(LP(s), count, fn, priv);
        return;
    }
    htab *h = HT(s);
    for (size_t i = 0; i < count; i++) {
        void *e = htab_random(h, util_rand64());
        if (!e) break; /* cannot happen: count < size */
        slice m = member_slice(e);
        fn(priv, m);
        htab_delete(h, m.p, m.len);
    }
}

/* ---------------------------------------------------------------- iteration */

void set_iter_init(set_iter *it, set *s)
{
    it->s = s;
    it->pos = 0;
    if (s->tag == TAG_HT) htab_iter_init(&it->hi, HT(s));
    if (s->tag == TAG_LP) it->pos = lp_first(LP(s));
}

int set_iter_next(set_iter *it, slice *out)
{
    if (it->s->tag == TAG_INTSET) {
        intset *is = (intset *)it->s;
        if (it->pos >= is->n) return 0;
        *out = is_member(is, it->pos++, it->buf);
        return 1;
    }
    if (it->s->tag == TAG_LP) {
        lpack *lp = LP(it->s);
        if (it->pos == LP_END) return 0;
        *out = lp_get(lp, it->pos, it->buf);
        it->pos = lp_next(lp, it->pos);
        return 1;
    }
    void *e = htab_iter_next(&it->hi);
    if (!e) return 0;
    *out = member_slice(e);
    return 1;
}

void set_iter_done(set_iter *it)
{
    if (it->s->tag == TAG_HT) htab_iter_done(&it->hi);
}

typedef struct scan_ctx {
    set_member_fn *fn;
    void *priv;
    long seen;
} scan_ctx;

static void scan_one(void *priv, void *elem)
{
    scan_ctx *sc = priv;
    sc->fn(sc->priv, member_slice(elem));
    sc->seen++;
}

uint64_t set_scan(set *s, uint64_t cursor, long count, set_member_fn *fn, void *priv)
{
    if (s->tag != TAG_HT) {
        set_iter it;
        slice m;
        set_iter_init(&it, s);
        while (set_iter_next(&it, &m))
            fn(priv, m);
        set_iter_done(&it);
        return 0;
    }
    scan_ctx sc = {fn, priv, 0};
    long steps = count > LONG_MAX / 10 ? LONG_MAX : count * 10;
    do {
        cursor = htab_scan(HT(s), cursor, scan_one, &sc);
    } while (cursor && sc.seen < count && --steps > 0);
    return cursor;
}

/* ---------------------------------------------------------------- keyspace */

static void vt_free(void *p)
{
    set_free(p);
}

static void *vt_dup(const void *p)
{
    return set_dup(p);
}

static size_t vt_mem(const void *p)
{
    return set_mem(p);
}

void set_type_register(void)
{
    static const ks_value_type vt = {.free = vt_free, .dup = vt_dup, .mem = vt_mem};
    ks_register_type(OBJ_SET, &vt);
}
