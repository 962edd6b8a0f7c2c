/* core/htab.c — the bucketized, incrementally rehashed hash table (see htab.h).
 *
 * Bucket (64 bytes, one cache line; home-bucket arrays are 64-byte aligned):
 *
 *   byte 0      1 .. 7        8 ............................................ 63
 *   +--------+-------------+------------------------------------------------+
 *   | meta   | tag[0..6]   | slot[0] slot[1] ... slot[5] slot[6]            |
 *   +--------+-------------+------------------------------------------------+
 *   meta bits 0-6: slot i holds an element; bit 7 (CHAIN): slot[6] points to a
 *   child bucket (then bit 6 is clear). tag[i] is the top byte of the element's
 *   hash; the low bits of the hash pick the home bucket, so the two never overlap
 *   (tables stay far below 2^56 buckets).
 *
 * Lookup: hash, load the home bucket, compare the 7 tags at once (SWAR on the
 * first 8 bytes of the bucket), call key_eq only on a tag match, follow the
 * chain pointer if CHAIN is set. A miss compares ~1/256 keys per occupied slot.
 *
 * Chains: a full bucket that needs an 8th element moves slot[6] into a new child
 * bucket and stores the child pointer there. All elements of a chain share the
 * home bucket index, so scan, rehash and sampling treat a chain as one unit.
 * Removal clears the presence bit; when no iterator is open the chain is then
 * compacted: the last element of the chain fills the hole and an emptied child
 * is freed (a one-element tail folds back into its parent's slot 6). While an
 * iterator is open nothing moves (holes stay, later adds reuse them), which is
 * what makes "remove the element the iterator just returned" safe.
 *
 * Fill policy (n elements, B home buckets, 7B slots):
 *   - grow to 2B when an add would make n > 7B (100% of the slots). Elements per
 *     home bucket then oscillate between 3.5 and 7: table bytes per element go
 *     from ~18.8 just after a grow to ~12.9 just before the next, ~15.0 averaged
 *     over sizes (child buckets included; Poisson model, matching measurements).
 *     At the top ~20% of hits and the chain of ~40% of misses need a second
 *     cache line; averaged over sizes ~9% / ~16%. Growing at 7/8 would cost
 *     ~16.3 B/element on average (21.2 after a grow) for a few percent fewer
 *     second-line accesses; growing at 8/7 saves 1 B/element on average but
 *     makes misses ~25% slower near the limit. (Redis's dict: a 24-byte
 *     dictEntry plus 8-16 bytes of bucket array per key.) HTAB_GROW_NUM/DEN
 *     override the ratio at compile time for experiments.
 *   - shrink when n < 7B/8 (below 1/8 of the slots, <0.875 per bucket) to the
 *     smallest power of two that is at most half full. Never below 1 bucket: a
 *     table that was used keeps one bucket (only htab_clear/free release it), so
 *     small sets that churn around empty do not reallocate.
 *   - a new table has 0 buckets and allocates 1 on the first add.
 *   - a shrink that removals under an open iterator deferred starts when the
 *     last iterator closes (or at the next remove / htab_rehash_step).
 *
 * Memory: home-bucket arrays come from mem_calloc and are re-allocated with 64
 * bytes of padding only if the allocator did not return them 64-byte aligned
 * (jemalloc does for these sizes; glibc in sanitizer builds does not). Child
 * buckets are single zeroed 64-byte blocks, counted in htab_mem.
 *
 * Rehash: tab[0] is the old table, tab[1] the new one; old home buckets below
 * rehash_idx have been moved. A key lives in tab[1] if its old home index is
 * below rehash_idx, else in tab[0] (new adds go to that same table), so every
 * operation still touches exactly one chain. Each find/add/remove first moves
 * one non-empty old bucket (visiting at most REHASH_EMPTY_VISITS empty ones),
 * 8 if the new table is already over its grow limit; htab_rehash_step does idle
 * work. A grow from B completes in at most ~B operations, long before the next
 * grow is due, so no grow ever starts while rehashing (none is needed). While an
 * iterator is open no rehash step, grow or shrink happens.
 *
 * Scan: the reverse-binary cursor of Redis's dictScan. Not rehashing: visit home
 * bucket (cursor & mask) with its chain. Rehashing: visit the smaller table's
 * bucket and every bucket of the larger table that expands from it. Scan itself
 * never rehashes.
 *
 * Random: rejection sampling so the choice is close to uniform although buckets
 * hold different numbers of elements: pick a home bucket uniformly (over the
 * unmoved old buckets and the new table while rehashing), accept it with
 * probability count/RANDOM_CAP, then pick one of its elements uniformly. Exact
 * for chains of up to RANDOM_CAP elements (longer ones are slightly
 * under-sampled); empty buckets are skipped by re-probing, and only a very
 * sparse table (paused shrink) falls back to walking to the next non-empty one.
 * Sample: consecutive home buckets from a random one, the first chain read from
 * a random offset so every element of a crowded bucket can be drawn.
 */
#include "core/htab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/mem.h"

#define SLOTS 7
#define CHAIN 0x80u
#define PRESENT 0x7fu
#define REHASH_EMPTY_VISITS 16
/* Grow when elements > buckets * SLOTS * GROW_NUM / GROW_DEN; shrink when
 * elements * SHRINK_DEN < buckets * SLOTS, to at most half the grow limit. */
#ifndef HTAB_GROW_NUM
#define HTAB_GROW_NUM 1
#define HTAB_GROW_DEN 1
#endif
#define SHRINK_DEN 8
#define RANDOM_CAP 13 /* a home bucket plus a full child */
#define RANDOM_TRIES 128

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Assertions stay on in every build. */
#define HT_ASSERT(c)                                                                     \
    do {                                                                                 \
        if (UNLIKELY(!(c))) assert_fail(#c, __LINE__);                                   \
    } while (0)

typedef struct bucket {
    uint8_t meta;       /* PRESENT bits + CHAIN */
    uint8_t tag[SLOTS]; /* top hash byte of each element */
    void *slot[SLOTS];  /* elements; slot[6] is the child bucket if CHAIN */
} bucket;

_Static_assert(sizeof(void *) == 8, "htab assumes 64-bit pointers");
_Static_assert(sizeof(bucket) == 64, "a bucket is one cache line");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ||
                   __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__,
               "unknown byte order");

struct htab {
    const htab_type *type;
    const void *(*keyf)(const void *elem, size_t *len);
    uint64_t (*hashf)(const void *key, size_t len);
    int (*eqf)(const void *a, size_t alen, const void *b, size_t blen);
    bucket *tab[2];    /* home buckets; tab[1] only while rehashing */
    void *raw[2];      /* allocations behind tab[] (tab[] is 64-byte aligned) */
    size_t nb[2];      /* home buckets per table (power of two, or 0) */
    size_t alloc[2];   /* bytes allocated for tab[] */
    size_t size;       /* elements (including reserved slots) */
    size_t nchild;     /* child buckets in both tables */
    size_t rehash_idx; /* old buckets below this have moved */
    int rehashing;
    int iterators; /* open iterators: no rehash, no resize, no compaction */
};

static void assert_fail(const char *what, int line)
{
    fprintf(stderr, "kvik: assertion failed: %s (core/htab.c:%d)\n", what, line);
    fflush(stderr);
    abort();
}

/* ---- small helpers ------------------------------------------------------ */

static inline uint8_t tag_of(uint64_t hv)
{
    return (uint8_t)(hv >> 56);
}

static inline unsigned free_mask(const bucket *b)
{
    return ~(unsigned)b->meta & ((b->meta & CHAIN) ? 0x3fu : PRESENT);
}

static inline bucket *child(const bucket *b)
{
    return (b->meta & CHAIN) ? (bucket *)b->slot[SLOTS - 1] : NULL;
}

static inline int popcount(unsigned x)
{
    return __builtin_popcount(x);
}

static inline uint64_t mix64(uint64_t *state)
{
    /* splitmix64: derives further random numbers from the caller's one */
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
}

/* Bits 0-6: tag[i] == t (presence not checked). */
static inline unsigned tag_match(const bucket *b, uint8_t t)
{
    uint64_t w;
    memcpy(&w, b, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    const uint64_t lo7 = 0x7F7F7F7F7F7F7F7FULL;
    uint64_t x = w ^ (0x0101010101010101ULL * t);
    uint64_t z = ~(((x & lo7) + lo7) | x | lo7); /* 0x80 in each zero byte */
    z >>= 15;                                    /* tag[i] flag now at bit 8*i */
    /* gather bits 0, 8, ..., 48 into bits 0..6 */
    return (unsigned)(((z & 0x0001010101010101ULL) * 0x0102040810204080ULL) >> 56) &
           PRESENT;
}

static inline int key_eq(const htab *h, const void *a, size_t alen, const void *elem)
{
    size_t blen;
    const void *b = h->keyf(elem, &blen);
    if (h->eqf) return h->eqf(a, alen, b, blen);
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static inline uint64_t elem_hash(const htab *h, const void *elem)
{
    size_t len;
    const void *k = h->keyf(elem, &len);
    return h->hashf(k, len);
}

static bucket *bucket_new(htab *h)
{
    /* zeroed: lookups read all 8 meta/tag bytes at once (and valgrind would
     * see the unused tags as uninitialised) */
    bucket *b = mem_calloc(sizeof(bucket));
    h->nchild++;
    return b;
}

static void bucket_free(htab *h, bucket *b)
{
    mem_free(b);
    h->nchild--;
}

/* ---- tables -------------------------------------------------------------- */

/* Allocates n zeroed, 64-byte aligned home buckets into table t. jemalloc
 * returns naturally aligned blocks for these sizes; glibc (sanitizer builds)
 * does not, and then we pad. */
static void table_alloc(htab *h, int t, size_t n)
{
    size_t bytes = n * sizeof(bucket);
    HT_ASSERT(n && bytes / n == sizeof(bucket));
    void *p = mem_calloc(bytes);
    size_t alloc = bytes;
    if ((uintptr_t)p & 63) {
        mem_free(p);
        alloc = bytes + 64;
        p = mem_calloc(alloc);
    }
    h->raw[t] = p;
    h->alloc[t] = alloc;
    h->tab[t] = (bucket *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
    h->nb[t] = n;
}

static void table_release(htab *h, int t)
{
    mem_free(h->raw[t]);
    h->raw[t] = NULL;
    h->tab[t] = NULL;
    h->nb[t] = 0;
    h->alloc[t] = 0;
}

/* The home bucket of hash hv: in tab[1] if its old bucket has already moved. */
static inline bucket *home_of(const htab *h, uint64_t hv)
{
    size_t i = hv & (h->nb[0] - 1);
    if (UNLIKELY(h->rehashing) && i < h->rehash_idx)
        return &h->tab[1][hv & (h->nb[1] - 1)];
    return &h->tab[0][i];
}

/* A free slot in the chain starting at home (extending it if full), marked
 * present with tag t. The caller stores the element. */
static void **chain_reserve(htab *h, bucket *home, uint8_t t)
{
    bucket *b = home;
    for (;;) {
        unsigned fm = free_mask(b);
        if (fm) {
            int i = __builtin_ctz(fm);
            b->meta |= (uint8_t)(1u << i);
            b->tag[i] = t;
            return &b->slot[i];
        }
        bucket *c = child(b);
        if (!c) break;
        b = c;
    }
    /* b is full and has no child: move slot 6 into a new child bucket */
    bucket *c = bucket_new(h);
    c->slot[0] = b->slot[SLOTS - 1];
    c->tag[0] = b->tag[SLOTS - 1];
    c->slot[1] = NULL;
    c->tag[1] = t;
    c->meta = 0x3;
    b->slot[SLOTS - 1] = c;
    b->meta = (uint8_t)((b->meta & 0x3f) | CHAIN);
    return &c->slot[1];
}

static void **chain_find(const htab *h, bucket *b, uint8_t t, const void *key, size_t len,
                         bucket **found_in)
{
    do {
        unsigned m = tag_match(b, t) & b->meta;
        while (m) {
            int i = __builtin_ctz(m);
            m &= m - 1;
            if (LIKELY(key_eq(h, key, len, b->slot[i]))) {
                if (found_in) *found_in = b;
                return &b->slot[i];
            }
        }
        b = child(b);
    } while (b);
    return NULL;
}

/* Fills holes of the chain from its tail and frees emptied children. Only when
 * no iterator is open. Bounded by the chain length (chains are short). */
static void chain_compact(htab *h, bucket *home)
{
    while (home->meta & CHAIN) {
        bucket *prev = home, *last = child(home);
        while (last->meta & CHAIN) {
            prev = last;
            last = child(last);
        }
        unsigned lm = last->meta & PRESENT;
        if (!lm) { /* empty tail: unlink it */
            bucket_free(h, last);
            prev->slot[SLOTS - 1] = NULL;
            prev->meta &= (uint8_t)~CHAIN;
            continue;
        }
        bucket *hb = home;
        unsigned fm = 0;
        for (; hb != last; hb = child(hb))
            if ((fm = free_mask(hb)) != 0) break;
        int src = 31 - __builtin_clz(lm);
        if (hb == last) {
            /* no hole before the tail; a one-element tail folds into prev */
            if (popcount(lm) == 1) {
                prev->slot[SLOTS - 1] = last->slot[src];
                prev->tag[SLOTS - 1] = last->tag[src];
                prev->meta = (uint8_t)((prev->meta & 0x3f) | 0x40);
                bucket_free(h, last);
            }
            return;
        }
        int dst = __builtin_ctz(fm);
        hb->slot[dst] = last->slot[src];
        hb->tag[dst] = last->tag[src];
        hb->meta |= (uint8_t)(1u << dst);
        last->meta &= (uint8_t) ~(1u << src);
    }
}

/* ---- rehashing ------------------------------------------------------------- */

static void rehash_start(htab *h, size_t nbuckets)
{
    HT_ASSERT(!h->rehashing && h->iterators == 0);
    if (!h->tab[0]) {
        table_alloc(h, 0, nbuckets);
        return;
    }
    if (nbuckets == h->nb[0]) return;
    table_alloc(h, 1, nbuckets);
    h->rehash_idx = 0;
    h->rehashing = 1;
}

static void rehash_finish(htab *h)
{
    table_release(h, 0);
    h->tab[0] = h->tab[1];
    h->raw[0] = h->raw[1];
    h->nb[0] = h->nb[1];
    h->alloc[0] = h->alloc[1];
    h->tab[1] = NULL;
    h->raw[1] = NULL;
    h->nb[1] = 0;
    h->alloc[1] = 0;
    h->rehashing = 0;
    h->rehash_idx = 0;
}

/* Moves old home bucket i (with its chain) into the new table. */
static void move_bucket(htab *h, size_t i)
{
    bucket *home = &h->tab[0][i];
    size_t mask1 = h->nb[1] - 1;
    int shrink = h->nb[1] < h->nb[0];
    bucket *b = home;
    while (b) {
        unsigned m = b->meta & PRESENT;
        while (m) {
            int s = __builtin_ctz(m);
            m &= m - 1;
            void *e = b->slot[s];
            size_t j = shrink ? (i & mask1) : (elem_hash(h, e) & mask1);
            *chain_reserve(h, &h->tab[1][j], b->tag[s]) = e;
        }
        bucket *c = child(b);
        if (b != home) bucket_free(h, b);
        b = c;
    }
    home->meta = 0;
}

/* Moves up to n non-empty old buckets; returns 1 while rehashing continues. */
static int rehash_some(htab *h, int n)
{
    if (!h->rehashing) return 0;
    if (h->iterators) return 1;
    size_t empty_left = (size_t)n * REHASH_EMPTY_VISITS;
    while (n > 0 && h->rehash_idx < h->nb[0]) {
        bucket *b = &h->tab[0][h->rehash_idx];
        if (b->meta) {
            move_bucket(h, h->rehash_idx);
            n--;
        } else if (empty_left-- == 0) {
            break;
        }
        h->rehash_idx++;
    }
    if (h->rehash_idx < h->nb[0]) return 1;
    rehash_finish(h);
    return 0;
}

static inline size_t grow_limit(size_t nb)
{
    return nb * SLOTS * HTAB_GROW_NUM / HTAB_GROW_DEN;
}

/* The rehash work every find/add/remove does: one bucket, more when the new
 * table is already over its grow limit (many adds during a shrink). */
static inline void rehash_on_op(htab *h)
{
    if (UNLIKELY(h->rehashing)) rehash_some(h, h->size > grow_limit(h->nb[1]) ? 8 : 1);
}

/* Smallest power of two b >= 1 with n <= grow_limit(b) * num / den. */
static size_t buckets_for(size_t n, size_t num, size_t den)
{
    size_t b = 1;
    while (grow_limit(b) * num / den < n)
        b <<= 1;
    return b;
}

static void maybe_grow(htab *h, size_t incoming)
{
    if (!h->tab[0]) {
        rehash_start(h, buckets_for(incoming, 1, 1));
        return;
    }
    if (h->rehashing || h->iterators) return;
    size_t n = h->size + incoming;
    if (n > grow_limit(h->nb[0])) rehash_start(h, buckets_for(n, 1, 1));
}

static void maybe_shrink(htab *h)
{
    if (h->rehashing || h->iterators || !h->tab[0] || h->nb[0] == 1) return;
    if (h->size * SHRINK_DEN >= h->nb[0] * SLOTS) return;
    size_t target = buckets_for(h->size, 1, 2);
    if (target < h->nb[0]) rehash_start(h, target);
}

/* ---- public API --------------------------------------------------------- */

htab *htab_new(const htab_type *type)
{
    HT_ASSERT(type && type->key);
    htab *h = mem_calloc(sizeof(*h));
    h->type = type;
    h->keyf = type->key;
    h->hashf = type->hash ? type->hash : hash_bytes;
    h->eqf = type->key_eq;
    return h;
}

static void free_all(htab *h)
{
    void (*fr)(void *) = h->type->free_elem;
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; i < h->nb[t]; i++) {
            bucket *home = &h->tab[t][i];
            for (bucket *b = home; b;) {
                unsigned m = b->meta & PRESENT;
                if (fr)
                    for (; m; m &= m - 1)
                        fr(b->slot[__builtin_ctz(m)]);
                bucket *c = child(b);
                if (b != home) bucket_free(h, b);
                b = c;
            }
        }
        if (h->tab[t]) table_release(h, t);
    }
    h->size = 0;
    h->rehashing = 0;
    h->rehash_idx = 0;
}

void htab_free(htab *h)
{
    if (!h) return;
    HT_ASSERT(h->iterators == 0);
    free_all(h);
    mem_free(h);
}

void htab_clear(htab *h)
{
    HT_ASSERT(h->iterators == 0);
    free_all(h);
}

size_t htab_size(const htab *h)
{
    return h->size;
}

size_t htab_mem(const htab *h)
{
    return sizeof(*h) + h->alloc[0] + h->alloc[1] + h->nchild * sizeof(bucket);
}

size_t htab_buckets(const htab *h)
{
    return h->nb[0] + h->nb[1];
}

void **htab_find_ref(htab *h, const void *key, size_t len)
{
    if (h->size == 0) return NULL;
    rehash_on_op(h);
    uint64_t hv = h->hashf(key, len);
    return chain_find(h, home_of(h, hv), tag_of(hv), key, len, NULL);
}

void *htab_find(htab *h, const void *key, size_t len)
{
    void **ref = htab_find_ref(h, key, len);
    return ref ? *ref : NULL;
}

void **htab_upsert_ref(htab *h, const void *key, size_t len, int *existed)
{
    rehash_on_op(h);
    maybe_grow(h, 1);
    uint64_t hv = h->hashf(key, len);
    bucket *home = home_of(h, hv);
    uint8_t t = tag_of(hv);
    void **ref = h->size ? chain_find(h, home, t, key, len, NULL) : NULL;
    if (ref) {
        *existed = 1;
        return ref;
    }
    *existed = 0;
    h->size++;
    ref = chain_reserve(h, home, t);
    *ref = NULL;
    return ref;
}

int htab_add(htab *h, void *elem)
{
    HT_ASSERT(elem);
    size_t len;
    const void *key = h->keyf(elem, &len);
    int existed;
    void **ref = htab_upsert_ref(h, key, len, &existed);
    if (existed) return 0;
    *ref = elem;
    return 1;
}

void *htab_remove(htab *h, const void *key, size_t len)
{
    if (h->size == 0) return NULL;
    rehash_on_op(h);
    uint64_t hv = h->hashf(key, len);
    bucket *home = home_of(h, hv), *b;
    void **ref = chain_find(h, home, tag_of(hv), key, len, &b);
    if (!ref) return NULL;
    void *e = *ref;
    b->meta &= (uint8_t) ~(1u << (ref - b->slot));
    h->size--;
    if (!h->iterators) {
        if (home->meta & CHAIN) chain_compact(h, home);
        maybe_shrink(h);
    }
    return e;
}

int htab_delete(htab *h, const void *key, size_t len)
{
    void *e = htab_remove(h, key, len);
    if (!e) return 0;
    if (h->type->free_elem) h->type->free_elem(e);
    return 1;
}

/* Elements in the chain of home. */
static int chain_count(const bucket *b)
{
    int n = 0;
    for (; b; b = child(b))
        n += popcount(b->meta & PRESENT);
    return n;
}

/* The k-th element (0-based) of the chain of home. */
static void *chain_nth(const bucket *b, int k)
{
    for (; b; b = child(b)) {
        unsigned m = b->meta & PRESENT;
        int c = popcount(m);
        if (k < c) {
            while (k--)
                m &= m - 1;
            return b->slot[__builtin_ctz(m)];
        }
        k -= c;
    }
    return NULL; /* cannot happen: k < chain_count */
}

/* Home bucket number k of the candidates: unmoved old buckets, then tab[1]. */
static bucket *candidate(const htab *h, size_t k)
{
    size_t old = h->nb[0] - h->rehash_idx;
    return k < old ? &h->tab[0][h->rehash_idx + k] : &h->tab[1][k - old];
}

/* A non-empty candidate home bucket: random probes, then a walk from a random
 * start (only very sparse tables get there). Sets *count. */
static const bucket *nonempty_bucket(const htab *h, uint64_t *st, size_t ncand,
                                     int *count)
{
    for (int probes = 0; probes < 32; probes++) {
        const bucket *b = candidate(h, (size_t)(mix64(st) % ncand));
        if ((*count = chain_count(b)) != 0) return b;
    }
    size_t k = (size_t)(mix64(st) % ncand);
    for (size_t n = 0; n < ncand; n++, k = k + 1 == ncand ? 0 : k + 1) {
        const bucket *b = candidate(h, k);
        if ((*count = chain_count(b)) != 0) return b;
    }
    HT_ASSERT(0 && "non-empty table without elements");
    return NULL;
}

void *htab_random(htab *h, uint64_t rnd)
{
    if (h->size == 0) return NULL;
    size_t ncand = h->nb[0] - h->rehash_idx + h->nb[1];
    uint64_t st = rnd;
    const bucket *b;
    int c;
    for (int tries = 0;; tries++) {
        b = nonempty_bucket(h, &st, ncand, &c);
        uint64_t r = mix64(&st);
        /* accept with probability c / RANDOM_CAP, then uniform in the chain */
        if (c >= RANDOM_CAP || (int)(r % RANDOM_CAP) < c || tries == RANDOM_TRIES)
            return chain_nth(b, (int)((r >> 32) % (uint64_t)c));
    }
}

/* Appends the chain's elements with index in [from, to) to out[got..n). */
static size_t chain_take(const bucket *b, int from, int to, void **out, size_t got,
                         size_t n)
{
    int idx = 0;
    for (; b && got < n && idx < to; b = child(b))
        for (unsigned m = b->meta & PRESENT; m && got < n && idx < to; m &= m - 1, idx++)
            if (idx >= from) out[got++] = b->slot[__builtin_ctz(m)];
    return got;
}

/* Consecutive candidate buckets from a random one; the first bucket's chain is
 * read from a random offset (wrapping), so with small n every element of a
 * crowded bucket can still be sampled. */
size_t htab_sample(htab *h, uint64_t rnd, void **out, size_t n)
{
    if (h->size == 0 || n == 0) return 0;
    if (n > h->size) n = h->size;
    size_t ncand = h->nb[0] - h->rehash_idx + h->nb[1];
    uint64_t st = rnd;
    size_t k = (size_t)(mix64(&st) % ncand), got = 0, empty = 0;
    for (size_t visited = 0; visited < ncand && got < n; visited++) {
        const bucket *b = candidate(h, k);
        int c = chain_count(b);
        if (c) {
            int off = got ? 0 : (int)(mix64(&st) % (uint64_t)c);
            got = chain_take(b, off, c, out, got, n);
            got = chain_take(b, 0, off, out, got, n);
            empty = 0;
        } else if (++empty >= 10 * n + 16 && got) {
            break; /* a long empty stretch ends the sample, once it has something */
        }
        k = k + 1 == ncand ? 0 : k + 1;
    }
    return got;
}

static void scan_bucket(const bucket *b, htab_scan_fn *fn, void *priv)
{
    for (; b; b = child(b))
        for (unsigned m = b->meta & PRESENT; m; m &= m - 1)
            fn(priv, b->slot[__builtin_ctz(m)]);
}

uint64_t htab_scan(htab *h, uint64_t cursor, htab_scan_fn *fn, void *priv)
{
    if (h->size == 0) return 0;
    if (!h->rehashing) {
        uint64_t m0 = h->nb[0] - 1;
        scan_bucket(&h->tab[0][cursor & m0], fn, priv);
        cursor |= ~m0;
        cursor = rev64(rev64(cursor) + 1);
        return cursor;
    }
    int small = h->nb[0] <= h->nb[1] ? 0 : 1, large = 1 - small;
    uint64_t m0 = h->nb[small] - 1, m1 = h->nb[large] - 1;
    scan_bucket(&h->tab[small][cursor & m0], fn, priv);
    /* every bucket of the larger table that expands from the small one */
    do {
        scan_bucket(&h->tab[large][cursor & m1], fn, priv);
        cursor |= ~m1;
        cursor = rev64(rev64(cursor) + 1);
    } while (cursor & (m0 ^ m1));
    return cursor;
}

/* Iterator fields: table/bucket is the current home bucket, b the bucket of
 * its chain being read (NULL: advance to the next home bucket), slot the last
 * slot returned in b, started 1 while the iterator is open (it holds the
 * table's rehash pause). */
void htab_iter_init(htab_iter *it, htab *h)
{
    it->h = h;
    it->table = 0;
    it->bucket = h->rehashing ? h->rehash_idx : 0;
    it->b = NULL;
    it->slot = -1;
    it->started = 1;
    h->iterators++;
}

void *htab_iter_next(htab_iter *it)
{
    htab *h = it->h;
    for (;;) {
        bucket *b = it->b;
        if (b) {
            unsigned m = b->meta & PRESENT;
            if (it->slot >= 0) m &= ~((2u << it->slot) - 1);
            if (m) {
                it->slot = __builtin_ctz(m);
                return b->slot[it->slot];
            }
            it->b = child(b);
            it->slot = -1;
            if (!it->b) it->bucket++;
            continue;
        }
        if (it->bucket >= h->nb[it->table]) {
            if (it->table == 1 || !h->rehashing) return NULL;
            it->table = 1;
            it->bucket = 0;
            if (!h->nb[1]) return NULL;
        }
        it->b = &h->tab[it->table][it->bucket];
        it->slot = -1;
    }
}

void htab_iter_done(htab_iter *it)
{
    if (!it->started) return;
    it->started = 0;
    HT_ASSERT(it->h->iterators > 0);
    /* a shrink that removes during the iteration deferred can start now */
    if (--it->h->iterators == 0) maybe_shrink(it->h);
}

int htab_rehash_step(htab *h, int n)
{
    if (!h->rehashing) {
        if (h->iterators) return 0;
        maybe_shrink(h);
        if (!h->rehashing) return 0;
    }
    return rehash_some(h, n > 0 ? n : 1);
}

int htab_is_rehashing(const htab *h)
{
    return h->rehashing;
}
