/* tests/unit/test_hll.c — types/hll: the Redis HyperLogLog byte format.
 *
 * Known byte strings were produced by redis-server 7.0.15 with the same
 * commands (PFADD k a b c, then GET k); the rest checks the sparse and dense
 * encoders against a plain array of registers, the estimator's accuracy, and
 * that malformed values are refused without reading out of bounds (run under
 * ASan by `make test`).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "types/hll.h"

#define HDR_SPARSE "HYLL\x01\x00\x00\x00"

static void test_empty(void **state)
{
    (void)state;
    hll_buf h;
    hll_buf_init(&h);
    hll_buf_empty(&h);
    assert_int_equal(h.len, 18);
    assert_memory_equal(h.p, HDR_SPARSE "\0\0\0\0\0\0\0\0\x7f\xff", 18);
    assert_true(hll_is_hll(h.p, h.len));
    uint64_t card = 99;
    assert_int_equal(hll_cache_get(h.p, &card), 1);
    assert_int_equal(card, 0);
    assert_int_equal(hll_count(h.p, h.len, &card), 0);
    assert_int_equal(card, 0);
    hll_buf_free(&h);
}

/* PFADD k a b c in Redis 7.0.15, then PFCOUNT k (which caches 3). */
static void test_known_bytes(void **state)
{
    (void)state;
    static const char want[] = HDR_SPARSE "\x00\x00\x00\x00\x00\x00\x00\x80"
                                          "\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a";
    hll_buf h;
    hll_buf_init(&h);
    hll_buf_empty(&h);
    assert_int_equal(hll_add(&h, "a", 1, 3000), 1);
    assert_int_equal(hll_add(&h, "b", 1, 3000), 1);
    assert_int_equal(hll_add(&h, "c", 1, 3000), 1);
    assert_int_equal(hll_add(&h, "a", 1, 3000), 0);
    assert_int_equal(h.len, sizeof want - 1);
    assert_memory_equal(h.p, want, h.len);
    uint64_t card;
    assert_int_equal(hll_cache_get(h.p, &card), 0);
    assert_int_equal(hll_count(h.p, h.len, &card), 0);
    assert_int_equal(card, 3);
    hll_cache_set(h.p, card);
    assert_memory_equal(h.p + 8, "\x03\0\0\0\0\0\0\0", 8);
    /* "foo" lands in register 7348 with a run of 5 (PFDEBUG DECODE). */
    long idx;
    assert_int_equal(hll_pattern("foo", 3, &idx), 5);
    assert_int_equal(idx, 7348);
    hll_buf_free(&h);
}

static void check_regs(const hll_buf *h, const uint8_t *model)
{
    static uint8_t regs[HLL_REGISTERS];
    assert_int_equal(hll_registers(h->p, h->len, regs), 0);
    assert_memory_equal(regs, model, HLL_REGISTERS);
}

/* Random register updates on sparse (never promoted), on a small sparse limit
 * (promoted along the way) and on dense values all agree with the model. */
static void test_round_trip(void **state)
{
    (void)state;
    static uint8_t model[HLL_REGISTERS];
    size_t limits[] = {1000000, 300, 0};
    srand(7);
    for (int li = 0; li < 3; li++) {
        hll_buf h;
        hll_buf_init(&h);
        hll_buf_empty(&h);
        memset(model, 0, sizeof model);
        for (int i = 0; i < 4000; i++) {
            long idx = rand() % HLL_REGISTERS;
            if (i % 3 == 0 && idx > 0) idx = (idx & ~7L) | (i & 7); /* neighbours */
            int count = 1 + rand() % (i % 50 == 0 ? 51 : 20);
            int changed = count > model[idx];
            assert_int_equal(hll_set(&h, idx, count, limits[li]), changed);
            if (changed) model[idx] = (uint8_t)count;
            if (i % 500 == 0) check_regs(&h, model);
        }
        check_regs(&h, model);
        if (hll_encoding(h.p) == HLL_SPARSE) {
            assert_true(h.len <= limits[li]);
            assert_int_equal(hll_to_dense(&h), 0);
            assert_int_equal(h.len, HLL_DENSE_SIZE);
            check_regs(&h, model);
        }
        /* Merging the value into zeros gives the model back. */
        static uint8_t max[HLL_REGISTERS];
        memset(max, 0, sizeof max);
        assert_int_equal(hll_merge(max, h.p, h.len), 0);
        assert_memory_equal(max, model, HLL_REGISTERS);
        hll_buf_free(&h);
    }
}

static void test_promotion(void **state)
{
    (void)state;
    hll_buf h;
    hll_buf_init(&h);
    hll_buf_empty(&h);
    char el[32];
    int i = 0;
    while (hll_encoding(h.p) == HLL_SPARSE) {
        int n = snprintf(el, sizeof el, "el:%d", i++);
        assert_true(h.len <= 3000);
        assert_true(hll_add(&h, el, (size_t)n, 3000) >= 0);
    }
    assert_int_equal(h.len, HLL_DENSE_SIZE);
    assert_true(i > 100);
    /* A run above 32 cannot be sparse: promoted at once. */
    hll_buf_empty(&h);
    assert_int_equal(hll_set(&h, 5, 33, 3000), 1);
    assert_int_equal(hll_encoding(h.p), HLL_DENSE);
    hll_buf_free(&h);
}

static void test_accuracy(void **state)
{
    (void)state;
    hll_buf h;
    hll_buf_init(&h);
    hll_buf_empty(&h);
    char el[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(el, sizeof el, "el:%d", i);
        assert_true(hll_add(&h, el, (size_t)n, 3000) >= 0);
    }
    uint64_t card;
    assert_int_equal(hll_count(h.p, h.len, &card), 0);
    /* Redis 7.0.15 says 98893 for the same elements. */
    assert_int_equal(card, 98893);
    assert_true(card > 98000 && card < 102000);
    hll_buf_free(&h);
}

/* Malformed values: every reader refuses them; random bodies never crash. */
static void test_corrupt(void **state)
{
    (void)state;
    static const struct {
        const char *p;
        size_t len;
    } bad[] = {
        {"HYLL", 4},
        {HDR_SPARSE "\0\0\0\0\0\0\0\0", 16},                 /* no registers */
        {HDR_SPARSE "\0\0\0\0\0\0\0\0\x7f", 17},             /* cut XZERO */
        {HDR_SPARSE "\0\0\0\0\0\0\0\0\x7f\xfe", 18},         /* 16383 */
        {HDR_SPARSE "\0\0\0\0\0\0\0\0\x7f\xff\x00", 19},     /* 16385 */
        {HDR_SPARSE "\0\0\0\0\0\0\0\0\x7f\xff\x7f\xff", 20}, /* 32768 */
        {"HYLL\x02\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18},      /* encoding */
        {"HYLL\x00\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18},      /* dense size */
        {"HYLX\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18},      /* magic */
    };
    static uint8_t regs[HLL_REGISTERS];
    hll_buf h;
    hll_buf_init(&h);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t card;
        /* Exact-size heap copies so ASan catches any over-read. */
        char *v = malloc(bad[i].len);
        memcpy(v, bad[i].p, bad[i].len);
        assert_int_equal(hll_count(v, bad[i].len, &card), HLL_INVALID);
        assert_int_equal(hll_merge(regs, v, bad[i].len), HLL_INVALID);
        assert_int_equal(hll_registers(v, bad[i].len, regs), HLL_INVALID);
        assert_int_equal(hll_buf_load(&h, v, bad[i].len), 0);
        assert_int_equal(hll_to_dense(&h), HLL_INVALID);
        free(v);
    }
    /* Random sparse bodies: any result but a crash or an over-read. */
    srand(11);
    for (int t = 0; t < 3000; t++) {
        size_t n = HLL_HDR_SIZE + (size_t)(rand() % 64);
        char *v = malloc(n);
        memcpy(v, HDR_SPARSE "\0\0\0\0\0\0\0\0", HLL_HDR_SIZE);
        for (size_t j = HLL_HDR_SIZE; j < n; j++)
            v[j] = (char)(rand() & 0xff);
        if (t % 2 && n > HLL_HDR_SIZE)
            v[HLL_HDR_SIZE] = (char)(0x40 | (rand() & 0x3f)); /* big runs */
        uint64_t card;
        (void)hll_count(v, n, &card);
        (void)hll_merge(regs, v, n);
        (void)hll_registers(v, n, regs);
        assert_int_equal(hll_buf_load(&h, v, n), 0);
        for (int k = 0; k < 4; k++)
            (void)hll_set(&h, rand() % HLL_REGISTERS, 1 + rand() % 40, 200);
        free(v);
    }
    hll_buf_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),      cmocka_unit_test(test_known_bytes),
        cmocka_unit_test(test_round_trip), cmocka_unit_test(test_promotion),
        cmocka_unit_test(test_accuracy),   cmocka_unit_test(test_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
