/* types/zset.c — the sorted set value type (see zset.h for the encodings).
 *
 * The handle (struct zset) names the encoding and points at the lpack or the
 * skiplist, so conversions never move it.
 *
 * skiplist node (one allocation, member bytes after the level array):
 *   +-------+------+------+--------+-------------------------+--------------+
 *   | score | back | mlen | height | lv[height]: {fwd, span} | member bytes |
 *   +-------+------+------+--------+-------------------------+--------------+
 * lv[i].span counts the nodes the link skips plus one (the distance in ranks),
 * so summing spans along a search path gives a rank. The htab index holds the
 * node pointers themselves (their key is the member), and frees nothing: the
 * skiplist owns the nodes.
 */
#include "types/zset.h"

#include <math.h>
#include <string.h>

#include "core/htab.h"
#include "core/lpack.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"

#define SL_MAXLEVEL 32
/* An lpack never grows past this whatever the limits say. */
#define LP_SAFE_BYTES ((size_t)1 << 30)

typedef struct slnode {
    double score;
    struct slnode *back;
    uint32_t mlen;
    int height;
    struct {
        struct slnode *fwd;
        size_t span;
    } lv[];
} slnode;

typedef struct zsl {
    slnode *head, *tail;
    size_t len;
    int level;
    htab *idx;
} zsl;

struct zset {
    int enc; /* ENC_LISTPACK or ENC_SKIPLIST */
    union {
        lpack *lp; /* listpack */
        zsl *sl;   /* skiplist */
    };
};

_Static_assert(sizeof(((zset_iter *)0)->buf) >= LP_INTBUF, "zset_iter buf holds an integer");

/* ---------------------------------------------------------------- nodes */

static char *node_member(const slnode *n)
{
    return (char *)&n->lv[n->height];
}

static slice node_slice(const slnode *n)
{
    return slice_of(node_member(n), n->mlen);
}

static const void *node_key(const void *elem, size_t *len)
{
    const slnode *n = elem;
    *len = n->mlen;
    return node_member(n);
}

static const htab_type node_type = {.key = node_key};

static slnode *node_new(int height, double score, slice m)
{
    size_t sz = sizeof(slnode) + (size_t)height * sizeof(((slnode *)0)->lv[0]) + m.len;
    slnode *n = mem_calloc(sz);
    n->score = score;
    n->height = height;
    n->mlen = (uint32_t)m.len;
    if (m.len) memcpy(node_member(n), m.p, m.len);
    return n;
}

/* (score, member) order: <0, 0, >0. */
static int cmp_sm(double s1, slice m1, double s2, slice m2)
{
    if (s1 < s2) return -1;
    if (s1 > s2) return 1;
    size_t n = m1.len < m2.len ? m1.len : m2.len;
    int c = n ? memcmp(m1.p, m2.p, n) : 0;
    if (c) return c;
    return m1.len < m2.len ? -1 : m1.len > m2.len;
}

static int node_before(const slnode *n, double score, slice m)
{
    return cmp_sm(n->score, node_slice(n), score, m) < 0;
}

/* ---------------------------------------------------------------- skiplist */

static zsl *sl_new(void)
{
    zsl *sl = mem_calloc(sizeof(zsl));
    sl->head = node_new(SL_MAXLEVEL, 0, slice_of("", 0));
    sl->level = 1;
    sl->idx = htab_new(&node_type);
    return sl;
}

static void sl_free(zsl *sl)
{
    slnode *n = sl->head->lv[0].fwd;
    while (n) {
        slnode *next = n->lv[0].fwd;
        mem_free(n);
        n = next;
    }
    mem_free(sl->head);
    htab_free(sl->idx);
    mem_free(sl);
}

static int random_level(void)
{
    int h = 1;
    while (h < SL_MAXLEVEL && (util_rand64() & 3) == 0)
        h++;
    return h;
}

/* Inserts (score, m); m must not be present. */
static void sl_insert(zsl *sl, double score, slice m)
{
    slnode *update[SL_MAXLEVEL];
    size_t rank[SL_MAXLEVEL];
    slnode *x = sl->head;
    for (int i = sl->level - 1; i >= 0; i--) {
        rank[i] = i == sl->level - 1 ? 0 : rank[i + 1];
        while (x->lv[i].fwd && node_before(x->lv[i].fwd, score, m)) {
            rank[i] += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        update[i] = x;
    }
    int h = random_level();
    if (h > sl->level) {
        for (int i = sl->level; i < h; i++) {
            rank[i] = 0;
            update[i] = sl->head;
            update[i]->lv[i].span = sl->len;
        }
        sl->level = h;
    }
    slnode *n = node_new(h, score, m);
    for (int i = 0; i < h; i++) {
        n->lv[i].fwd = update[i]->lv[i].fwd;
        update[i]->lv[i].fwd = n;
        n->lv[i].span = update[i]->lv[i].span - (rank[0] - rank[i]);
        update[i]->lv[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = h; i < sl->level; i++)
        update[i]->lv[i].span++;
    n->back = update[0] == sl->head ? NULL : update[0];
    if (n->lv[0].fwd)
        n->lv[0].fwd->back = n;
    else
        sl->tail = n;
    sl->len++;
    htab_add(sl->idx, n);
}

/* Unlinks and frees node n (found through the index). */
static void sl_delete(zsl *sl, slnode *n)
{
    slnode *update[SL_MAXLEVEL];
    slnode *x = sl->head;
    slice m = node_slice(n);
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && node_before(x->lv[i].fwd, n->score, m))
            x = x->lv[i].fwd;
        update[i] = x;
    }
    for (int i = 0; i < sl->level; i++) {
        if (update[i]->lv[i].fwd == n) {
            update[i]->lv[i].span += n->lv[i].span - 1;
            update[i]->lv[i].fwd = n->lv[i].fwd;
        } else {
            update[i]->lv[i].span--;
        }
    }
    if (n->lv[0].fwd)
        n->lv[0].fwd->back = n->back;
    else
        sl->tail = n->back;
    while (sl->level > 1 && !sl->head->lv[sl->level - 1].fwd)
        sl->level--;
    sl->len--;
    htab_remove(sl->idx, m.p, m.len);
    mem_free(n);
}

/* The node at 0-based rank r (< len). */
static slnode *sl_at(zsl *sl, size_t r)
{
    size_t traversed = 0, want = r + 1;
    slnode *x = sl->head;
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && traversed + x->lv[i].span <= want) {
            traversed += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        if (traversed == want) return x;
    }
    return NULL; /* cannot happen for r < len */
}

static size_t sl_count_before(zsl *sl, zset_pred_fn *pred, void *ctx)
{
    size_t traversed = 0;
    slnode *x = sl->head;
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && pred(ctx, node_slice(x->lv[i].fwd), x->lv[i].fwd->score)) {
            traversed += x->lv[i].span;
            x = x->lv[i].fwd;
        }
    }
    return traversed;
}

/* ---------------------------------------------------------------- listpack */

/* The score entry at pos: an integer entry, or text written by util_d2str. */
static double lp_score(const lpack *lp, size_t pos)
{
    long long v;
    if (lp_get_ll(lp, pos, &v)) return (double)v;
    char buf[LP_INTBUF];
    slice s = lp_get(lp, pos, buf);
    double d = 0;
    util_str2d(s.p, s.len, &d); /* always valid: written by util_d2str */
    return d;
}

/* Inserts a score entry at pos: an integral score below 1e17 in magnitude
 * (exact as an int64, and what "%.17g" prints as plain digits) as an integer
 * entry, any other as its shortest exact text. */
static lpack *lp_insert_score(lpack *lp, size_t pos, double score)
{
    if (score > -1e17 && score < 1e17 && score == (double)(long long)score)
        return lp_insert_ll(lp, pos, (long long)score, NULL);
    char buf[40];
    int n = util_d2str(buf, sizeof(buf), score);
    return lp_insert(lp, pos, slice_of(buf, (size_t)n), NULL);
}

/* Position of member m, or LP_END. */
static size_t lp_find_member(const lpack *lp, slice m)
{
    size_t first = lp_first(lp);
    if (first == LP_END) return LP_END;
    return lp_find(lp, first, m, 1);
}

static lpack *lp_insert_sorted(lpack *lp, double score, slice m)
{
    if (score == 0) score = 0; /* Redis's listpack keeps -0 as the integer 0 */
    char buf[LP_INTBUF];
    size_t pos = lp_first(lp);
    while (pos != LP_END) {
        size_t sp = lp_next(lp, pos);
        double s = lp_score(lp, sp);
        /* the member is read only to break a tie */
        if (s > score || (s == score && cmp_sm(s, lp_get(lp, pos, buf), score, m) > 0)) break;
        pos = lp_next(lp, sp);
    }
    size_t np;
    lp = lp_insert(lp, pos, m, &np);
    return lp_insert_score(lp, lp_next(lp, np), score);
}

/* ---------------------------------------------------------------- zset */

zset *zset_new(void)
{
    zset *z = mem_calloc(sizeof(zset));
    z->enc = ENC_LISTPACK;
    z->lp = lp_new();
    return z;
}

void zset_free(zset *z)
{
    if (!z) return;
    if (z->enc == ENC_LISTPACK)
        lp_free(z->lp);
    else
        sl_free(z->sl);
    mem_free(z);
}

zset *zset_dup(const zset *z)
{
    zset *d = mem_calloc(sizeof(zset));
    d->enc = z->enc;
    if (z->enc == ENC_LISTPACK) {
        d->lp = lp_dup(z->lp);
        return d;
    }
    d->sl = sl_new();
    for (slnode *n = z->sl->tail; n; n = n->back)
        sl_insert(d->sl, n->score, node_slice(n)); /* each goes first: cheap */
    return d;
}

size_t zset_size(const zset *z)
{
    return z->enc == ENC_LISTPACK ? lp_count(z->lp) / 2 : z->sl->len;
}

int zset_encoding(const zset *z)
{
    return z->enc;
}

size_t zset_mem(const zset *z)
{
    size_t m = sizeof(zset);
    if (z->enc == ENC_LISTPACK) return m + mem_usable(z->lp);
    m += sizeof(zsl) + htab_mem(z->sl->idx) + mem_usable(z->sl->head);
    size_t i = 0, nodes = 0;
    for (slnode *n = z->sl->head->lv[0].fwd; n && i < 64; n = n->lv[0].fwd, i++)
        nodes += mem_usable(n);
    /* The first 64 nodes stand for the rest. */
    return m + (i ? nodes / i * z->sl->len : 0);
}

void zset_convert(zset *z)
{
    if (z->enc == ENC_SKIPLIST) return;
    zsl *sl = sl_new();
    char buf[LP_INTBUF];
    for (size_t pos = lp_first(z->lp); pos != LP_END;) {
        size_t sp = lp_next(z->lp, pos);
        sl_insert(sl, lp_score(z->lp, sp), lp_get(z->lp, pos, buf));
        pos = lp_next(z->lp, sp);
    }
    lp_free(z->lp);
    z->sl = sl;
    z->enc = ENC_SKIPLIST;
}

int zset_score(zset *z, slice m, double *score)
{
    if (z->enc == ENC_LISTPACK) {
        size_t pos = lp_find_member(z->lp, m);
        if (pos == LP_END) return 0;
        *score = lp_score(z->lp, lp_next(z->lp, pos));
        return 1;
    }
    slnode *n = htab_find(z->sl->idx, m.p, m.len);
    if (!n) return 0;
    *score = n->score;
    return 1;
}

int zset_remove(zset *z, slice m)
{
    if (z->enc == ENC_LISTPACK) {
        size_t pos = lp_find_member(z->lp, m);
        if (pos == LP_END) return 0;
        z->lp = lp_delete(z->lp, pos, 2, NULL);
        return 1;
    }
    slnode *n = htab_find(z->sl->idx, m.p, m.len);
    if (!n) return 0;
    sl_delete(z->sl, n);
    return 1;
}

int zset_set(zset *z, slice m, double score, const zset_limits *lim)
{
    if (z->enc == ENC_LISTPACK) {
        size_t pos = lp_find_member(z->lp, m);
        if (pos != LP_END) {
            z->lp = lp_delete(z->lp, pos, 2, NULL);
            z->lp = lp_insert_sorted(z->lp, score, m);
            return 0;
        }
        if ((long long)zset_size(z) + 1 > lim->max_entries ||
            (long long)m.len > lim->max_value ||
            lp_bytes(z->lp) + m.len + 64 > LP_SAFE_BYTES) {
            zset_convert(z);
        } else {
            z->lp = lp_insert_sorted(z->lp, score, m);
            return 1;
        }
    }
    slnode *n = htab_find(z->sl->idx, m.p, m.len);
    if (n) {
        if (n->score == score && signbit(n->score) == signbit(score)) return 0;
        /* Stays in place when the order would not change. */
        if ((!n->back || n->back->score < score) &&
            (!n->lv[0].fwd || n->lv[0].fwd->score > score)) {
            n->score = score;
            return 0;
        }
        sl_delete(z->sl, n);
        sl_insert(z->sl, score, m);
        return 0;
    }
    sl_insert(z->sl, score, m);
    return 1;
}

typedef struct sm_ctx {
    double score;
    slice m;
} sm_ctx;

static int before_sm(void *ctx, slice m, double score)
{
    sm_ctx *k = ctx;
    return cmp_sm(score, m, k->score, k->m) < 0;
}

int zset_rank(zset *z, slice m, size_t *rank)
{
    sm_ctx k = {0, m};
    if (!zset_score(z, m, &k.score)) return 0;
    *rank = zset_count_before(z, before_sm, &k);
    return 1;
}

size_t zset_count_before(zset *z, zset_pred_fn *pred, void *ctx)
{
    if (z->enc == ENC_SKIPLIST) return sl_count_before(z->sl, pred, ctx);
    size_t n = 0;
    char buf[LP_INTBUF];
    for (size_t pos = lp_first(z->lp); pos != LP_END; n++) {
        size_t sp = lp_next(z->lp, pos);
        if (!pred(ctx, lp_get(z->lp, pos, buf), lp_score(z->lp, sp))) break;
        pos = lp_next(z->lp, sp);
    }
    return n;
}

/* ---------------------------------------------------------------- iteration */

void zset_iter_init(zset_iter *it, zset *z, size_t rank, int rev)
{
    it->z = z;
    it->rev = rev;
    it->pos = LP_END;
    it->node = NULL;
    if (rank >= zset_size(z)) return;
    if (z->enc == ENC_LISTPACK)
        it->pos = lp_at(z->lp, (long)(2 * rank));
    else
        it->node = sl_at(z->sl, rank);
}

int zset_iter_next(zset_iter *it, slice *m, double *score)
{
    if (it->z->enc == ENC_SKIPLIST) {
        slnode *n = it->node;
        if (!n) return 0;
        *m = node_slice(n);
        *score = n->score;
        it->node = it->rev ? n->back : n->lv[0].fwd;
        return 1;
    }
    lpack *lp = it->z->lp;
    if (it->pos == LP_END) return 0;
    size_t sp = lp_next(lp, it->pos);
    *m = lp_get(lp, it->pos, it->buf);
    *score = lp_score(lp, sp);
    if (it->rev) {
        size_t p = lp_prev(lp, it->pos);
        it->pos = p == LP_END ? LP_END : lp_prev(lp, p);
    } else {
        it->pos = lp_next(lp, sp);
    }
    return 1;
}

typedef struct scan_ctx {
    zset_member_fn *fn;
    void *priv;
    long seen;
} scan_ctx;

static void scan_one(void *priv, void *elem)
{
    scan_ctx *sc = priv;
    slnode *n = elem;
    sc->fn(sc->priv, node_slice(n), n->score);
    sc->seen++;
}

uint64_t zset_scan(zset *z, uint64_t cursor, long count, zset_member_fn *fn, void *priv)
{
    if (z->enc == ENC_LISTPACK) {
        zset_iter it;
        slice m;
        double s;
        zset_iter_init(&it, z, 0, 0);
        while (zset_iter_next(&it, &m, &s))
            fn(priv, m, s);
        return 0;
    }
    scan_ctx sc = {fn, priv, 0};
    long steps = count > (1L << 40) ? (1L << 40) : count * 10;
    do {
        cursor = htab_scan(z->sl->idx, cursor, scan_one, &sc);
    } while (cursor && sc.seen < count && --steps > 0);
    return cursor;
}

/* ---------------------------------------------------------------- keyspace */

static void vt_free(void *p)
{
    zset_free(p);
}

static void *vt_dup(const void *p)
{
    return zset_dup(p);
}

static size_t vt_mem(const void *p)
{
    return zset_mem(p);
}

void zset_type_register(void)
{
    static const ks_value_type vt = {.free = vt_free, .dup = vt_dup, .mem = vt_mem};
    ks_register_type(OBJ_ZSET, &vt);
}
