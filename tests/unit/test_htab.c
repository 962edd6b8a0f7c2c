/* tests/unit/test_htab.c — unit tests for core/htab.c.
 *
 * Elements live in a pool (two copies per id, so find_ref replacement can swap
 * one for the other); free_elem only counts, so every test can check that each
 * element was freed exactly once. Randomized tests use a fixed-seed generator
 * and check the table against a bitmap model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/htab.h"
#include "core/mem.h"

typedef struct telem {
    uint32_t id;
    uint8_t copy;
    uint8_t len;
    char key[22];
} telem;

static telem *pool[2];     /* pool[copy][id] */
static uint32_t pool_n;    /* ids in the pool */
static uint32_t *freed[2]; /* free_elem calls per element */

static const void *tkey(const void *e, size_t *len)
{
    const telem *t = e;
    *len = t->len;
    return t->key;
}

static void tfree(void *e)
{
    telem *t = e;
    freed[t->copy][t->id]++;
}

static const htab_type ttype = {.key = tkey, .free_elem = tfree};

/* id 0 has the empty key; others "k:<id>" or 16-byte "key:<12 digits>" */
static void pool_init(uint32_t n, int long_keys)
{
    pool_n = n;
    for (int c = 0; c < 2; c++) {
        pool[c] = calloc(n, sizeof(telem));
        freed[c] = calloc(n, sizeof(uint32_t));
        for (uint32_t i = 0; i < n; i++) {
            telem *t = &pool[c][i];
            t->id = i;
            t->copy = (uint8_t)c;
            if (i == 0)
                t->len = 0;
            else if (long_keys)
                t->len = (uint8_t)snprintf(t->key, sizeof(t->key), "key:%012u", i);
            else
                t->len = (uint8_t)snprintf(t->key, sizeof(t->key), "k:%u", i);
        }
    }
}

static void pool_done(void)
{
    for (int c = 0; c < 2; c++) {
        free(pool[c]);
        free(freed[c]);
        pool[c] = NULL;
        freed[c] = NULL;
    }
    pool_n = 0;
}

static telem *E(uint32_t id)
{
    return &pool[0][id];
}

static void *find_id(htab *h, uint32_t id)
{
    return htab_find(h, E(id)->key, E(id)->len);
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

/* Upper bound of htab_mem for a table with one home bucket and no child
 * buckets (64 more when the allocator did not align the bucket). */
static size_t one_bucket_mem(void)
{
    htab_type ty = {.key = tkey};
    htab *h = htab_new(&ty);
    size_t m = htab_mem(h) + 128;
    htab_free(h);
    return m;
}

/* ---- basic ---------------------------------------------------------------- */

static void cb_count(void *priv, void *elem)
{
    (*(size_t *)priv)++;
}

static void test_empty(void **state)
{
    pool_init(4, 0);
    htab *h = htab_new(&ttype);
    assert_int_equal(htab_size(h), 0);
    assert_int_equal(htab_buckets(h), 0);
    assert_true(htab_mem(h) > 0);
    assert_null(find_id(h, 1));
    assert_null(htab_find_ref(h, "x", 1));
    assert_null(htab_remove(h, "x", 1));
    assert_int_equal(htab_delete(h, "", 0), 0);
    assert_null(htab_random(h, 42));
    void *out[4];
    assert_int_equal(htab_sample(h, 42, out, 4), 0);
    size_t calls = 0;
    assert_int_equal(htab_scan(h, 0, cb_count, &calls), 0);
    assert_int_equal(calls, 0);
    htab_iter it;
    htab_iter_init(&it, h);
    assert_null(htab_iter_next(&it));
    htab_iter_done(&it);
    assert_int_equal(htab_rehash_step(h, 10), 0);
    assert_int_equal(htab_is_rehashing(h), 0);
    htab_clear(h);
    htab_free(h);
    htab_free(NULL);
    pool_done();
}

static void test_small(void **state)
{
    pool_init(200, 0);
    htab *h = htab_new(&ttype);
    for (uint32_t i = 0; i < 100; i++)
        assert_int_equal(htab_add(h, E(i)), 1);
    assert_int_equal(htab_size(h), 100);
    for (uint32_t i = 0; i < 100; i++) {
        assert_int_equal(htab_add(h, E(i)), 0);        /* same element */
        assert_int_equal(htab_add(h, &pool[1][i]), 0); /* equal key */
    }
    assert_int_equal(htab_size(h), 100);
    for (uint32_t i = 0; i < 200; i++) {
        if (i < 100)
            assert_ptr_equal(find_id(h, i), E(i));
        else
            assert_null(find_id(h, i));
    }
    assert_null(htab_find(h, "k:1x", 4));
    assert_null(htab_find(h, "k:", 2));
    /* the empty key is a key like any other */
    assert_ptr_equal(htab_find(h, "", 0), E(0));
    for (uint32_t i = 0; i < 100; i += 2)
        assert_ptr_equal(htab_remove(h, E(i)->key, E(i)->len), E(i));
    for (uint32_t i = 1; i < 100; i += 4)
        assert_int_equal(htab_delete(h, E(i)->key, E(i)->len), 1);
    assert_int_equal(htab_delete(h, E(1)->key, E(1)->len), 0);
    assert_null(htab_remove(h, E(0)->key, E(0)->len));
    for (uint32_t i = 0; i < 100; i++) {
        int in = (i % 2) && (i % 4 != 1);
        if (in)
            assert_ptr_equal(find_id(h, i), E(i));
        else
            assert_null(find_id(h, i));
        /* removed elements are not freed, deleted ones once */
        assert_int_equal(freed[0][i], (i % 4 == 1) ? 1 : 0);
    }
    assert_int_equal(htab_size(h), 25);
    htab_free(h);
    for (uint32_t i = 0; i < 100; i++)
        assert_int_equal(freed[0][i], (i % 2) ? 1 : 0);
    pool_done();
}

static void test_large(void **state)
{
    const uint32_t n = 1000000;
    pool_init(n + 1000, 1);
    htab *h = htab_new(&ttype);
    size_t max_buckets = 0;
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(htab_add(h, E(i)), 1);
        if (htab_buckets(h) > max_buckets) max_buckets = htab_buckets(h);
    }
    assert_int_equal(htab_size(h), n);
    while (htab_rehash_step(h, 100)) {
    }
    /* 1M elements need 2^18 home buckets under the 7-per-bucket grow limit */
    assert_int_equal(htab_buckets(h), 1u << 18);
    size_t per = htab_mem(h) / n;
    assert_true(per >= 10 && per <= 24);
    for (uint32_t i = 0; i < n + 1000; i++) {
        void *e = find_id(h, i);
        if (i < n)
            assert_ptr_equal(e, E(i));
        else
            assert_null(e);
    }
    for (uint32_t i = 0; i < n; i += 2)
        assert_int_equal(htab_delete(h, E(i)->key, E(i)->len), 1);
    for (uint32_t i = 0; i < n; i++) {
        if (i & 1)
            assert_ptr_equal(find_id(h, i), E(i));
        else
            assert_null(find_id(h, i));
    }
    for (uint32_t i = 1; i < n; i += 2)
        assert_ptr_equal(htab_remove(h, E(i)->key, E(i)->len), E(i));
    assert_int_equal(htab_size(h), 0);
    while (htab_rehash_step(h, 100)) {
    }
    assert_int_equal(htab_buckets(h), 1);
    assert_true(htab_mem(h) <= one_bucket_mem());
    htab_free(h);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(freed[0][i], (i & 1) ? 0 : 1);
    pool_done();
}

static void test_upsert_ref(void **state)
{
    pool_init(64, 0);
    htab *h = htab_new(&ttype);
    int existed = -1;
    void **ref = htab_upsert_ref(h, E(5)->key, E(5)->len, &existed);
    assert_non_null(ref);
    assert_int_equal(existed, 0);
    assert_int_equal(htab_size(h), 1); /* the reservation counts */
    *ref = E(5);
    assert_ptr_equal(find_id(h, 5), E(5));
    ref = htab_upsert_ref(h, E(5)->key, E(5)->len, &existed);
    assert_int_equal(existed, 1);
    assert_ptr_equal(*ref, E(5));
    assert_int_equal(htab_size(h), 1);
    *ref = &pool[1][5]; /* replace through the existing slot */
    assert_ptr_equal(find_id(h, 5), &pool[1][5]);
    /* many reservations, enough to grow and chain */
    for (uint32_t i = 0; i < 64; i++) {
        ref = htab_upsert_ref(h, E(i)->key, E(i)->len, &existed);
        assert_int_equal(existed, i == 5);
        if (!existed) *ref = E(i);
    }
    assert_int_equal(htab_size(h), 64);
    for (uint32_t i = 0; i < 64; i++)
        assert_ptr_equal(find_id(h, i), i == 5 ? &pool[1][5] : E(i));
    htab_free(h);
    assert_int_equal(freed[1][5], 1);
    assert_int_equal(freed[0][5], 0);
    pool_done();
}

static void test_find_ref_replace(void **state)
{
    pool_init(3000, 0);
    htab *h = htab_new(&ttype);
    for (uint32_t i = 0; i < 3000; i++)
        htab_add(h, E(i));
    assert_null(htab_find_ref(h, "nope", 4));
    for (uint32_t i = 0; i < 3000; i += 3) {
        void **ref = htab_find_ref(h, E(i)->key, E(i)->len);
        assert_non_null(ref);
        assert_ptr_equal(*ref, E(i));
        *ref = &pool[1][i];
    }
    for (uint32_t i = 0; i < 3000; i++)
        assert_ptr_equal(find_id(h, i), &pool[i % 3 == 0][i]);
    for (uint32_t i = 0; i < 3000; i += 6)
        assert_int_equal(htab_delete(h, E(i)->key, E(i)->len), 1);
    htab_clear(h);
    assert_int_equal(htab_size(h), 0);
    assert_int_equal(htab_buckets(h), 0);
    for (uint32_t i = 0; i < 3000; i++) {
        assert_int_equal(freed[1][i], i % 3 == 0 ? 1 : 0);
        assert_int_equal(freed[0][i], i % 3 == 0 ? 0 : 1);
    }
    /* still usable after clear */
    assert_int_equal(htab_add(h, E(7)), 1);
    assert_ptr_equal(find_id(h, 7), E(7));
    htab_free(h);
    assert_int_equal(freed[0][7], 2);
    pool_done();
}

/* ---- randomized model test ------------------------------------------------ */

typedef struct model {
    uint8_t *in;       /* id present */
    uint8_t *cur;      /* which copy is stored */
    uint32_t *expf[2]; /* expected free_elem calls per element */
    size_t n;
} model;

static model model_new(uint32_t universe)
{
    model m = {calloc(universe, 1),
               calloc(universe, 1),
               {calloc(universe, 4), calloc(universe, 4)},
               0};
    return m;
}

/* Frees the table and checks every element was freed exactly as often as it
 * was deleted, plus once if it was in the table at the end. */
static void model_free_and_check(htab *h, model *m, uint32_t universe)
{
    htab_free(h);
    for (uint32_t id = 0; id < universe; id++) {
        if (m->in[id]) m->expf[m->cur[id]][id]++;
        assert_int_equal(freed[0][id], m->expf[0][id]);
        assert_int_equal(freed[1][id], m->expf[1][id]);
    }
    free(m->in);
    free(m->cur);
    free(m->expf[0]);
    free(m->expf[1]);
}

static void check_full_iter(htab *h, model *m)
{
    uint8_t *seen = calloc(pool_n, 1);
    size_t count = 0;
    htab_iter it;
    htab_iter_init(&it, h);
    telem *t;
    while ((t = htab_iter_next(&it))) {
        assert_true(m->in[t->id]);
        assert_int_equal(t->copy, m->cur[t->id]);
        assert_int_equal(seen[t->id], 0);
        seen[t->id] = 1;
        count++;
    }
    htab_iter_done(&it);
    assert_int_equal(count, m->n);
    assert_int_equal(htab_size(h), m->n);
    free(seen);
}

static void model_op(htab *h, model *m, uint32_t universe, int add_bias)
{
    uint32_t id = (uint32_t)(rnd() % universe);
    telem *e = &pool[m->cur[id]][id];
    int op = (int)(rnd() % 100);
    int existed;
    if (op < add_bias) {
        if (rnd() & 1) {
            int r = htab_add(h, e);
            assert_int_equal(r, !m->in[id]);
        } else {
            void **ref = htab_upsert_ref(h, e->key, e->len, &existed);
            assert_int_equal(existed, m->in[id]);
            if (existed)
                assert_ptr_equal(*ref, e);
            else
                *ref = e;
        }
        if (!m->in[id]) m->n++;
        m->in[id] = 1;
    } else if (op < 80) {
        if (rnd() & 1) {
            void *r = htab_remove(h, e->key, e->len);
            assert_ptr_equal(r, m->in[id] ? e : NULL);
        } else {
            uint32_t before = freed[m->cur[id]][id];
            assert_int_equal(htab_delete(h, e->key, e->len), m->in[id]);
            assert_int_equal(freed[m->cur[id]][id], before + m->in[id]);
            m->expf[m->cur[id]][id] += m->in[id];
        }
        if (m->in[id]) m->n--;
        m->in[id] = 0;
    } else if (op < 95) {
        assert_ptr_equal(htab_find(h, e->key, e->len), m->in[id] ? e : NULL);
    } else if (op < 98) {
        void **ref = htab_find_ref(h, e->key, e->len);
        if (!m->in[id]) {
            assert_null(ref);
        } else {
            assert_ptr_equal(*ref, e);
            m->cur[id] ^= 1;
            *ref = &pool[m->cur[id]][id];
        }
    } else {
        htab_rehash_step(h, (int)(rnd() % 3));
    }
    assert_int_equal(htab_size(h), m->n);
}

static void test_model_random(void **state)
{
    const uint32_t universe = 20000;
    pool_init(universe, 0);
    model m = model_new(universe);
    htab *h = htab_new(&ttype);
    size_t grows = 0, shrinks = 0, prev_b = 0, rehash_seen = 0;
    rng_state = 12345;
    for (int phase = 0; phase < 16; phase++) {
        /* alternate fill-up and drain phases so the table grows and shrinks */
        int add_bias = (phase % 2 == 0) ? 70 : 10;
        uint32_t uni = (phase % 4 == 0) ? universe : universe / 8 + 7;
        for (int i = 0; i < 60000; i++) {
            model_op(h, &m, uni, add_bias);
            size_t b = htab_buckets(h);
            if (htab_is_rehashing(h)) rehash_seen++;
            if (b > prev_b && prev_b) grows++;
            if (b < prev_b) shrinks++;
            prev_b = b;
        }
        check_full_iter(h, &m);
        for (uint32_t id = 0; id < universe; id++)
            assert_ptr_equal(htab_find(h, E(id)->key, E(id)->len),
                             m.in[id] ? (void *)&pool[m.cur[id]][id] : NULL);
    }
    assert_true(grows > 5);
    assert_true(shrinks > 2);
    assert_true(rehash_seen > 100);
    model_free_and_check(h, &m, universe);
    pool_done();
}

/* Bad hash functions: everything in one chain, or same bucket bits. */
static uint64_t hash_const(const void *k, size_t len)
{
    return 0x1234;
}
static uint64_t hash_lowbits(const void *k, size_t len)
{
    /* few bucket bits, tags from the key */
    uint64_t x = 0;
    const unsigned char *p = k;
    for (size_t i = 0; i < len; i++)
        x = x * 131 + p[i];
    return (x << 56) | (x & 3);
}

static void run_model_with_type(const htab_type *type, uint32_t universe, int ops)
{
    pool_init(universe, 0);
    model m = model_new(universe);
    htab *h = htab_new(type);
    for (int phase = 0; phase < 6; phase++) {
        int add_bias = (phase % 2 == 0) ? 70 : 15;
        for (int i = 0; i < ops; i++)
            model_op(h, &m, universe, add_bias);
        check_full_iter(h, &m);
    }
    /* delete everything: chains compact back, all freed once */
    for (uint32_t id = 0; id < universe; id++)
        if (m.in[id]) {
            telem *e = &pool[m.cur[id]][id];
            assert_int_equal(htab_delete(h, e->key, e->len), 1);
            m.expf[e->copy][id]++;
            m.in[id] = 0;
        }
    assert_int_equal(htab_size(h), 0);
    while (htab_rehash_step(h, 8)) {
    }
    assert_int_equal(htab_buckets(h), 1);
    assert_true(htab_mem(h) <= one_bucket_mem()); /* no child buckets left */
    model_free_and_check(h, &m, universe);
    pool_done();
}

static void test_model_bad_hash(void **state)
{
    rng_state = 777;
    htab_type t1 = {.key = tkey, .free_elem = tfree, .hash = hash_const};
    run_model_with_type(&t1, 300, 3000);
    htab_type t2 = {.key = tkey, .free_elem = tfree, .hash = hash_lowbits};
    run_model_with_type(&t2, 2000, 20000);
}

/* ---- custom key_eq -------------------------------------------------------- */

static int eq_nocase(const void *a, size_t alen, const void *b, size_t blen)
{
    if (alen != blen) return 0;
    for (size_t i = 0; i < alen; i++) {
        int x = ((const unsigned char *)a)[i], y = ((const unsigned char *)b)[i];
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
    }
    return 1;
}
static uint64_t hash_nocase_simple(const void *k, size_t len)
{
    uint64_t x = 1469598103934665603ULL;
    const unsigned char *p = k;
    for (size_t i = 0; i < len; i++) {
        int c = p[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        x = (x ^ (uint64_t)c) * 1099511628211ULL;
    }
    return x ^ (x >> 29);
}

static void test_custom_eq(void **state)
{
    pool_init(500, 0);
    htab_type t = {.key = tkey, .hash = hash_nocase_simple, .key_eq = eq_nocase};
    htab *h = htab_new(&t);
    for (uint32_t i = 0; i < 500; i++)
        htab_add(h, E(i));
    assert_ptr_equal(htab_find(h, "K:42", 4), E(42));
    assert_ptr_equal(htab_remove(h, "K:43", 4), E(43));
    assert_null(htab_find(h, "k:43", 4));
    htab_free(h); /* no free_elem: nothing counted */
    for (uint32_t i = 0; i < 500; i++)
        assert_int_equal(freed[0][i], 0);
    pool_done();
}

/* ---- scan ----------------------------------------------------------------- */

static void cb_mark(void *priv, void *elem)
{
    uint8_t *seen = priv;
    telem *t = elem;
    if (seen[t->id] < 255) seen[t->id]++;
}

/* Scans while between calls the table grows and shrinks (and rehashes); every
 * stable element (present the whole time) must be returned. */
static int scan_resized, scan_rehashing;

static void scan_scenario(uint32_t stable, uint32_t universe, int pattern, uint64_t seed)
{
    pool_init(universe, 0);
    htab *h = htab_new(&ttype);
    uint8_t *in = calloc(universe, 1);
    uint8_t *seen = calloc(universe, 1);
    rng_state = seed;
    for (uint32_t i = 0; i < stable; i++)
        htab_add(h, E(i)), in[i] = 1;
    if (pattern == 2) /* start big, shrink during the scan */
        for (uint32_t i = stable; i < universe; i++)
            htab_add(h, E(i)), in[i] = 1;
    uint64_t cursor = 0;
    int calls = 0;
    size_t b0 = htab_buckets(h);
    do {
        if (htab_is_rehashing(h)) scan_rehashing++;
        cursor = htab_scan(h, cursor, cb_mark, seen);
        calls++;
        /* mutate: pattern 0 grow then shrink waves, 1 random churn, 2 drain */
        int k = (int)(rnd() % 400);
        for (int j = 0; j < k; j++) {
            uint32_t id = stable + (uint32_t)(rnd() % (universe - stable));
            int add;
            if (pattern == 0)
                add = ((calls / 40) % 2) == 0;
            else if (pattern == 1)
                add = rnd() & 1;
            else
                add = (rnd() % 10) == 0;
            if (add && !in[id]) {
                htab_add(h, E(id));
                in[id] = 1;
            } else if (!add && in[id]) {
                htab_remove(h, E(id)->key, E(id)->len);
                in[id] = 0;
            }
        }
        if (htab_buckets(h) != b0) scan_resized++, b0 = htab_buckets(h);
        assert_true(calls < 10000000);
    } while (cursor != 0);
    for (uint32_t i = 0; i < stable; i++)
        assert_true(seen[i] >= 1);
    htab_free(h);
    free(in);
    free(seen);
    pool_done();
}

static void test_scan_guarantee(void **state)
{
    scan_resized = scan_rehashing = 0;
    for (uint64_t s = 1; s <= 6; s++) {
        scan_scenario(300, 20000, 0, s);
        scan_scenario(1000, 12000, 1, s * 7);
        scan_scenario(500, 30000, 2, s * 13);
        scan_scenario(5, 5000, 0, s * 17);
    }
    /* the scenarios really did resize and rehash between scan calls */
    assert_true(scan_resized > 50);
    assert_true(scan_rehashing > 50);
}

static void scan_all(htab *h, uint8_t *seen, size_t *count)
{
    uint64_t cursor = 0;
    int was = htab_is_rehashing(h);
    do {
        cursor = htab_scan(h, cursor, cb_mark, seen);
        assert_int_equal(htab_is_rehashing(h), was); /* scan does not rehash */
    } while (cursor);
    *count = 0;
    for (uint32_t i = 0; i < pool_n; i++)
        *count += seen[i];
}

/* Full scans of a table that is in the middle of a grow, and of one in the
 * middle of a shrink: every element exactly once (nothing changes meanwhile). */
static void test_scan_rehashing(void **state)
{
    pool_init(10000, 0);
    htab *h = htab_new(&ttype);
    uint8_t *seen = calloc(10000, 1);
    uint32_t n = 0;
    while (!htab_is_rehashing(h) || n < 1000) {
        htab_add(h, E(n++));
        assert_true(n < 10000);
    }
    size_t count;
    scan_all(h, seen, &count);
    assert_true(htab_is_rehashing(h));
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(count, n);
    while (htab_rehash_step(h, 100)) {
    }
    /* delete until a shrink starts */
    uint32_t i = 0;
    while (!htab_is_rehashing(h)) {
        assert_true(i < n);
        htab_delete(h, E(i)->key, E(i)->len);
        i++;
    }
    assert_true(htab_size(h) > 0);
    memset(seen, 0, 10000);
    scan_all(h, seen, &count);
    assert_true(htab_is_rehashing(h));
    for (uint32_t j = 0; j < n; j++)
        assert_int_equal(seen[j], j >= i ? 1 : 0);
    assert_int_equal(count, htab_size(h));
    htab_free(h);
    free(seen);
    pool_done();
}

/* ---- iterator ------------------------------------------------------------- */

static void test_iter_delete_current(void **state)
{
    for (int variant = 0; variant < 4; variant++) {
        pool_init(5000, 0);
        htab_type t = {
            .key = tkey, .free_elem = tfree, .hash = variant == 3 ? hash_lowbits : NULL};
        htab *h = htab_new(&t);
        uint32_t n = variant == 0 ? 5000 : 0;
        if (variant == 0)
            for (uint32_t i = 0; i < n; i++)
                htab_add(h, E(i));
        else /* stop while a grow is in progress */
            while (n < 5000 && (!htab_is_rehashing(h) || n < 300))
                htab_add(h, E(n++));
        int was_rehashing = htab_is_rehashing(h);
        size_t buckets = htab_buckets(h);
        uint8_t *seen = calloc(n, 1);
        htab_iter it;
        htab_iter_init(&it, h);
        telem *e;
        size_t count = 0, left = n;
        while ((e = htab_iter_next(&it))) {
            assert_true(e->id < n);
            assert_int_equal(seen[e->id], 0);
            seen[e->id] = 1;
            count++;
            /* variant 1 deletes everything; others every other element */
            if (variant == 1 || (e->id % 2) == 0) {
                if (e->id % 3)
                    assert_int_equal(htab_delete(h, e->key, e->len), 1);
                else
                    assert_ptr_equal(htab_remove(h, e->key, e->len), e);
                left--;
                /* finds are allowed while iterating */
                assert_null(htab_find(h, e->key, e->len));
            }
            /* nothing rehashes or resizes while the iterator is open */
            assert_int_equal(htab_is_rehashing(h), was_rehashing);
            assert_int_equal(htab_buckets(h), buckets);
            assert_int_equal(htab_rehash_step(h, 10), was_rehashing);
        }
        htab_iter_done(&it);
        assert_int_equal(count, n);
        assert_int_equal(htab_size(h), left);
        for (uint32_t i = 0; i < n; i++) {
            int gone = variant == 1 || i % 2 == 0;
            assert_ptr_equal(find_id(h, i), gone ? NULL : E(i));
            assert_int_equal(freed[0][i], gone && (i % 3) ? 1 : 0);
        }
        /* holes left while iterating are reused and the table stays correct */
        for (uint32_t i = 0; i < n; i++)
            if (variant == 1 || i % 2 == 0) assert_int_equal(htab_add(h, E(i)), 1);
        for (uint32_t i = 0; i < n; i++)
            assert_ptr_equal(find_id(h, i), E(i));
        while (htab_rehash_step(h, 1)) {
        }
        for (uint32_t i = 0; i < n; i++)
            assert_ptr_equal(find_id(h, i), E(i));
        htab_free(h);
        free(seen);
        pool_done();
    }
}

static void test_iter_pauses_rehash(void **state)
{
    pool_init(4000, 0);
    htab *h = htab_new(&ttype);
    for (uint32_t i = 0; i < 4000; i++)
        htab_add(h, E(i));
    while (htab_rehash_step(h, 100)) {
    }
    size_t b = htab_buckets(h);
    /* drain the table through the iterator: no shrink while it is open */
    htab_iter it;
    htab_iter_init(&it, h);
    telem *e;
    size_t count = 0;
    while ((e = htab_iter_next(&it))) {
        count++;
        if (e->id < 3990) htab_delete(h, e->key, e->len);
        assert_int_equal(htab_buckets(h), b);
        assert_int_equal(htab_is_rehashing(h), 0);
        assert_int_equal(htab_rehash_step(h, 100), 0);
    }
    assert_int_equal(count, 4000);
    assert_int_equal(htab_size(h), 10);
    assert_int_equal(htab_buckets(h), b);
    htab_iter_done(&it);
    /* the shrink deferred while the iterator was open starts when it closes */
    assert_int_equal(htab_is_rehashing(h), 1);
    htab_iter_done(&it); /* idempotent */
    while (htab_rehash_step(h, 100)) {
    }
    assert_true(htab_buckets(h) < b);
    for (uint32_t i = 0; i < 4000; i++)
        assert_ptr_equal(find_id(h, i), i >= 3990 ? E(i) : NULL);
    /* two iterators at once */
    htab_iter a, c;
    htab_iter_init(&a, h);
    htab_iter_init(&c, h);
    size_t na = 0, nc = 0;
    while (htab_iter_next(&a))
        na++;
    htab_iter_done(&a);
    while (htab_iter_next(&c))
        nc++;
    htab_iter_done(&c);
    assert_int_equal(na, 10);
    assert_int_equal(nc, 10);
    htab_free(h);
    pool_done();
}

/* ---- random and sample ---------------------------------------------------- */

static void check_random_cover(htab *h, const uint8_t *in, uint32_t universe, size_t n)
{
    uint32_t *hits = calloc(universe, sizeof(uint32_t));
    size_t draws = n * 2000;
    for (size_t i = 0; i < draws; i++) {
        telem *e = htab_random(h, rnd());
        assert_non_null(e);
        assert_true(in[e->id]);
        hits[e->id]++;
    }
    for (uint32_t i = 0; i < universe; i++) {
        if (!in[i]) continue;
        /* roughly uniform: mean 2000 per element */
        assert_true(hits[i] > 1000 && hits[i] < 3000);
    }
    void *out[64];
    for (int r = 0; r < 500; r++) {
        size_t want = (size_t)(rnd() % 64);
        size_t got = htab_sample(h, rnd(), out, want);
        assert_true(got <= want && got <= n);
        if (want) assert_true(got > 0);
        for (size_t i = 0; i < got; i++) {
            telem *e = out[i];
            assert_true(in[e->id]);
            for (size_t j = 0; j < i; j++)
                assert_ptr_not_equal(out[j], out[i]);
        }
    }
    /* sampling eventually sees every element */
    uint8_t *seen = calloc(universe, 1);
    for (int r = 0; r < 20000; r++) {
        size_t got = htab_sample(h, rnd(), out, 3);
        assert_true(got > 0);
        for (size_t i = 0; i < got; i++)
            seen[((telem *)out[i])->id] = 1;
    }
    for (uint32_t i = 0; i < universe; i++)
        assert_int_equal(seen[i], in[i]);
    free(seen);
    free(hits);
}

static void test_random_sample(void **state)
{
    rng_state = 99;
    pool_init(600, 0);
    uint8_t *in = calloc(600, 1);
    htab *h = htab_new(&ttype);
    /* tiny table */
    htab_add(h, E(3));
    in[3] = 1;
    for (int i = 0; i < 100; i++)
        assert_ptr_equal(htab_random(h, rnd()), E(3));
    void *out[8];
    assert_int_equal(htab_sample(h, 5, out, 8), 1);
    /* 40 elements, some removed */
    for (uint32_t i = 0; i < 40; i++)
        htab_add(h, E(i)), in[i] = 1;
    for (uint32_t i = 0; i < 40; i += 5)
        htab_delete(h, E(i)->key, E(i)->len), in[i] = 0;
    check_random_cover(h, in, 600, htab_size(h));
    /* while rehashing (grow in progress) */
    uint32_t n = 40;
    while (!htab_is_rehashing(h) && n < 600) {
        htab_add(h, E(n));
        in[n++] = 1;
    }
    assert_true(htab_is_rehashing(h));
    check_random_cover(h, in, 600, htab_size(h));
    assert_true(htab_is_rehashing(h)); /* random/sample do not rehash */
    /* sparse after many deletes, with a shrink pending */
    for (uint32_t i = 0; i < n; i++)
        if (in[i] && i % 13) htab_delete(h, E(i)->key, E(i)->len), in[i] = 0;
    check_random_cover(h, in, 600, htab_size(h));
    htab_free(h);
    free(in);
    pool_done();
}

/* ---- memory and free accounting -------------------------------------------- */

static void test_mem(void **state)
{
    pool_init(200000, 1);
    htab *h = htab_new(&ttype);
    size_t empty = htab_mem(h);
    htab_add(h, E(1));
    assert_true(htab_mem(h) >= empty + 64);
    size_t prev = htab_mem(h);
    for (uint32_t i = 2; i < 200000; i++) {
        htab_add(h, E(i));
        if ((i & 1023) == 0) {
            size_t m = htab_mem(h);
            /* table bytes per element stay bounded; rehash needs both tables */
            assert_true(m <= empty + 64 + (size_t)i * 64);
            if (!htab_is_rehashing(h)) assert_true(m / i <= 40);
            prev = m;
        }
    }
    (void)prev;
    while (htab_rehash_step(h, 1000)) {
    }
    size_t m = htab_mem(h);
    assert_true(m >= htab_buckets(h) * 64);
    assert_true(m / 199999 < 24);
    htab_clear(h);
    assert_int_equal(htab_mem(h), empty);
    htab_free(h);
    pool_done();
}

static void test_free_once(void **state)
{
    pool_init(20000, 0);
    htab *h = htab_new(&ttype);
    for (uint32_t i = 0; i < 20000; i++)
        htab_add(h, E(i));
    for (uint32_t i = 0; i < 20000; i += 4)
        htab_delete(h, E(i)->key, E(i)->len);
    for (uint32_t i = 1; i < 20000; i += 4)
        htab_remove(h, E(i)->key, E(i)->len);
    htab_clear(h);
    for (uint32_t i = 0; i < 20000; i++) {
        assert_int_equal(freed[0][i], (i % 4 == 1) ? 0 : 1);
        freed[0][i] = 0;
    }
    for (uint32_t i = 0; i < 9000; i++)
        htab_add(h, E(i));
    htab_free(h);
    for (uint32_t i = 0; i < 20000; i++)
        assert_int_equal(freed[0][i], i < 9000 ? 1 : 0);
    /* free while a grow is in progress */
    memset(freed[0], 0, 20000 * sizeof(uint32_t));
    h = htab_new(&ttype);
    uint32_t n = 0;
    while (!htab_is_rehashing(h) || n < 100)
        htab_add(h, E(n++));
    htab_free(h);
    for (uint32_t i = 0; i < 20000; i++)
        assert_int_equal(freed[0][i], i < n ? 1 : 0);
    pool_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_small),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_upsert_ref),
        cmocka_unit_test(test_find_ref_replace),
        cmocka_unit_test(test_model_random),
        cmocka_unit_test(test_model_bad_hash),
        cmocka_unit_test(test_custom_eq),
        cmocka_unit_test(test_scan_guarantee),
        cmocka_unit_test(test_scan_rehashing),
        cmocka_unit_test(test_iter_delete_current),
        cmocka_unit_test(test_iter_pauses_rehash),
        cmocka_unit_test(test_random_sample),
        cmocka_unit_test(test_mem),
        cmocka_unit_test(test_free_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
