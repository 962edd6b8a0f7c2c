/* types/hash.c — the hash value type (see hash.h for the encodings).
 *
 * The handle (struct hash, 16 bytes) names the encoding and points at the
 * lpack or the htab. Keeping the handle fixed means a conversion or an lpack
 * reallocation never has to touch the keyspace entry.
 *
 * listpack: entries alternate field, value; a field lookup is lp_find with
 * skip 1 (fields only), the value is the entry after it. New pairs go at the
 * end, so iteration is in insertion order (as in Redis).
 *
 * hashtable: each element is one allocation, `varint flen | varint vlen |
 * field | value` (a 10-byte field with a 10-byte value is 22 bytes, one
 * 24-byte jemalloc class; Redis spends a 24-byte dictEntry plus two sds
 * strings). Replacing a value allocates a new element and stores it through
 * the slot htab_upsert_ref returns, so the table is searched once.
 */
#include "types/hash.h"

#include <string.h>

#include "core/lpack.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"

/* An lpack never grows past this (its lengths are 32-bit); a hash that would
 * converts instead, whatever the thresholds say. */
#define LP_SAFE_BYTES ((size_t)1 << 30)

_Static_assert(HASH_NUMBUF >= LP_INTBUF, "HASH_NUMBUF holds an lpack integer");

struct hash {
    int enc; /* ENC_LISTPACK or ENC_HT */
    union {
        lpack *lp;
        htab *ht;
    } u;
};

/* ---------------------------------------------------------------- pair elements */

static size_t varint_put(unsigned char *p, size_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static size_t varint_get(const unsigned char *p, size_t *v)
{
    size_t n = 0, r = 0;
    int shift = 0;
    for (;;) {
        unsigned char b = p[n++];
        r |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
    }
    *v = r;
    return n;
}

/* Decodes a pair element into its field and value. */
static void pair_decode(const void *elem, slice *field, slice *val)
{
    const unsigned char *p = elem;
    size_t flen, vlen;
    p += varint_get(p, &flen);
    p += varint_get(p, &vlen);
    *field = slice_of((const char *)p, flen);
    if (val) *val = slice_of((const char *)p + flen, vlen);
}

static void *pair_new(slice field, slice val)
{
    unsigned char hdr[20];
    size_t h = varint_put(hdr, field.len);
    h += varint_put(hdr + h, val.len);
    unsigned char *p = mem_alloc(h + field.len + val.len);
    memcpy(p, hdr, h);
    if (field.len) memcpy(p + h, field.p, field.len);
    if (val.len) memcpy(p + h + field.len, val.p, val.len);
    return p;
}

static const void *pair_key(const void *elem, size_t *len)
{
    slice f;
    pair_decode(elem, &f, NULL);
    *len = f.len;
    return f.p;
}

static const htab_type pair_type = {.key = pair_key, .free_elem = mem_free};
/* Same keys, not owning its elements (random distinct picks). */
static const htab_type pair_ref_type = {.key = pair_key};

/* ---------------------------------------------------------------- life cycle */

hash *hash_new(void)
{
    hash *h = mem_alloc(sizeof(*h));
    h->enc = ENC_LISTPACK;
    h->u.lp = lp_new();
    return h;
}

void hash_free(hash *h)
{
    if (!h) return;
    if (h->enc == ENC_LISTPACK)
        lp_free(h->u.lp);
    else
        htab_free(h->u.ht);
    mem_free(h);
}

hash *hash_dup(const hash *h)
{
    hash *d = mem_alloc(sizeof(*d));
    d->enc = h->enc;
    if (h->enc == ENC_LISTPACK) {
        d->u.lp = lp_dup(h->u.lp);
        return d;
    }
    d->u.ht = htab_new(&pair_type);
    htab_iter it;
    htab_iter_init(&it, h->u.ht);
    void *e;
    while ((e = htab_iter_next(&it)) != NULL) {
        slice f, v;
        pair_decode(e, &f, &v);
        htab_add(d->u.ht, pair_new(f, v));
    }
    htab_iter_done(&it);
    return d;
}

size_t hash_len(const hash *h)
{
    return h->enc == ENC_LISTPACK ? lp_count(h->u.lp) / 2 : htab_size(h->u.ht);
}

int hash_encoding(const hash *h)
{
    return h->enc;
}

size_t hash_mem(const hash *h)
{
    size_t total = mem_usable(h);
    if (h->enc == ENC_LISTPACK) return total + mem_usable(h->u.lp);
    total += htab_mem(h->u.ht);
    htab_iter it;
    htab_iter_init(&it, h->u.ht);
    void *e;
    while ((e = htab_iter_next(&it)) != NULL) total += mem_usable(e);
    htab_iter_done(&it);
    return total;
}

void hash_convert(hash *h)
{
    if (h->enc == ENC_HT) return;
    lpack *lp = h->u.lp;
    htab *ht = htab_new(&pair_type);
    char fb[LP_INTBUF], vb[LP_INTBUF];
    for (size_t p = lp_first(lp); p != LP_END;) {
        size_t vp = lp_next(lp, p);
        htab_add(ht, pair_new(lp_get(lp, p, fb), lp_get(lp, vp, vb)));
        p = lp_next(lp, vp);
    }
    lp_free(lp);
    h->enc = ENC_HT;
    h->u.ht = ht;
}

/* ---------------------------------------------------------------- access */

int hash_get(hash *h, slice field, slice *val, char buf[HASH_NUMBUF])
{
    if (h->enc == ENC_LISTPACK) {
        lpack *lp = h->u.lp;
        size_t p = lp_find(lp, lp_first(lp), field, 1);
        if (p == LP_END) return 0;
        *val = lp_get(lp, lp_next(lp, p), buf);
        return 1;
    }
    void *e = htab_find(h->u.ht, field.p, field.len);
    if (!e) return 0;
    slice f;
    pair_decode(e, &f, val);
    return 1;
}

static int lp_set(hash *h, slice field, slice val, const hash_limits *lim)
{
    lpack *lp = h->u.lp;
    size_t p = lp_find(lp, lp_first(lp), field, 1);
    if (p != LP_END) {
        h->u.lp = lp_replace(lp, lp_next(lp, p), val, NULL);
        return 0;
    }
    lp = lp_append(lp, field);
    h->u.lp = lp_append(lp, val);
    if (lp_count(h->u.lp) / 2 > lim->max_entries) hash_convert(h);
    return 1;
}

int hash_set(hash *h, slice field, slice val, const hash_limits *lim)
{
    if (h->enc == ENC_LISTPACK) {
        if (field.len <= lim->max_value && val.len <= lim->max_value &&
            lp_bytes(h->u.lp) + field.len + val.len < LP_SAFE_BYTES)
            return lp_set(h, field, val, lim);
        hash_convert(h);
    }
    int existed;
    void **ref = htab_upsert_ref(h->u.ht, field.p, field.len, &existed);
    void *old = existed ? *ref : NULL;
    *ref = pair_new(field, val);
    mem_free(old);
    return !existed;
}

int hash_del(hash *h, slice field)
{
    if (h->enc == ENC_HT) return htab_delete(h->u.ht, field.p, field.len);
    lpack *lp = h->u.lp;
    size_t p = lp_find(lp, lp_first(lp), field, 1);
    if (p == LP_END) return 0;
    h->u.lp = lp_delete(lp, p, 2, NULL);
    return 1;
}

/* ---------------------------------------------------------------- iteration */

void hash_iter_init(hash_iter *it, hash *h)
{
    it->h = h;
    if (h->enc == ENC_LISTPACK)
        it->pos = lp_first(h->u.lp);
    else
        htab_iter_init(&it->hi, h->u.ht);
}

int hash_iter_next(hash_iter *it, slice *field, slice *val)
{
    if (it->h->enc == ENC_LISTPACK) {
        lpack *lp = it->h->u.lp;
        if (it->pos == LP_END) return 0;
        size_t vp = lp_next(lp, it->pos);
        *field = lp_get(lp, it->pos, it->fbuf);
        *val = lp_get(lp, vp, it->vbuf);
        it->pos = lp_next(lp, vp);
        return 1;
    }
    void *e = htab_iter_next(&it->hi);
    if (!e) return 0;
    pair_decode(e, field, val);
    return 1;
}

void hash_iter_done(hash_iter *it)
{
    if (it->h->enc == ENC_HT) htab_iter_done(&it->hi);
}

/* ---------------------------------------------------------------- random */

void hash_random_pairs(hash *h, size_t count, hash_pair_fn *fn, void *priv)
{
    size_t n = hash_len(h);
    if (h->enc == ENC_HT) {
        for (size_t i = 0; i < count; i++) {
            slice f, v;
            pair_decode(htab_random(h->u.ht, util_rand64()), &f, &v);
            fn(priv, f, v);
        }
        return;
    }
    /* Index the fields once so that each pick is O(1). */
    lpack *lp = h->u.lp;
    size_t *pos = mem_alloc(n * sizeof(*pos)), i = 0;
    for (size_t p = lp_first(lp); p != LP_END; p = lp_next(lp, lp_next(lp, p))) pos[i++] = p;
    char fb[LP_INTBUF], vb[LP_INTBUF];
    for (i = 0; i < count; i++) {
        size_t p = pos[util_rand64() % n];
        fn(priv, lp_get(lp, p, fb), lp_get(lp, lp_next(lp, p), vb));
    }
    mem_free(pos);
}

/* Selection sampling (Knuth's algorithm S): one pass, each pair taken with
 * probability needed/remaining, so exactly `count` distinct pairs. */
static void sample_by_iteration(hash *h, size_t count, hash_pair_fn *fn, void *priv)
{
    size_t left = hash_len(h), need = count;
    hash_iter it;
    slice f, v;
    hash_iter_init(&it, h);
    while (need && hash_iter_next(&it, &f, &v)) {
        if (util_rand64() % left < need) {
            fn(priv, f, v);
            need--;
        }
        left--;
    }
    hash_iter_done(&it);
}

void hash_random_distinct(hash *h, size_t count, hash_pair_fn *fn, void *priv)
{
    size_t n = hash_len(h);
    if (count > n) count = n;
    if (h->enc == ENC_LISTPACK || count * 3 > n) {
        sample_by_iteration(h, count, fn, priv);
        return;
    }
    /* Few picks from a big table: random elements, duplicates dropped. */
    htab *seen = htab_new(&pair_ref_type);
    while (htab_size(seen) < count) {
        void *e = htab_random(h->u.ht, util_rand64());
        if (!htab_add(seen, e)) continue;
        slice f, v;
        pair_decode(e, &f, &v);
        fn(priv, f, v);
    }
    htab_free(seen);
}

/* ---------------------------------------------------------------- scan */

typedef struct scan_ctx {
    hash_pair_fn *fn;
    void *priv;
} scan_ctx;

static void scan_elem(void *priv, void *elem)
{
    scan_ctx *sc = priv;
    slice f, v;
    pair_decode(elem, &f, &v);
    sc->fn(sc->priv, f, v);
}

uint64_t hash_scan(hash *h, uint64_t cursor, hash_pair_fn *fn, void *priv)
{
    if (h->enc == ENC_LISTPACK) {
        hash_iter it;
        slice f, v;
        hash_iter_init(&it, h);
        while (hash_iter_next(&it, &f, &v)) fn(priv, f, v);
        hash_iter_done(&it);
        return 0;
    }
    scan_ctx sc = {fn, priv};
    return htab_scan(h->u.ht, cursor, scan_elem, &sc);
}

/* ---------------------------------------------------------------- keyspace type */

static void vt_free(void *p)
{
    hash_free(p);
}

static void *vt_dup(const void *p)
{
    return hash_dup(p);
}

static size_t vt_mem(const void *p)
{
    return hash_mem(p);
}

void hash_type_register(void)
{
    static const ks_value_type vt = {.free = vt_free, .dup = vt_dup, .mem = vt_mem};
    ks_register_type(OBJ_HASH, &vt);
}
