/* tests/unit/test_lpack.c — core/lpack: the packed list of byte strings.
 *
 * Every test checks the whole lpack against a plain array model after each
 * change: count, byte size (header + exact entry sizes), forward and backward
 * walks, lp_at from both ends, and the raw layout documented in lpack.h.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/lpack.h"
#include "core/mem.h"

#define HDR 8u

/* ---- the model ---- */

typedef struct item {
    char *p;
    size_t len;
} item;

typedef struct model {
    item *v;
    size_t n, cap;
} model;

static void model_insert(model *m, size_t i, const char *p, size_t len)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->v = realloc(m->v, m->cap * sizeof(item));
        assert_non_null(m->v);
    }
    memmove(m->v + i + 1, m->v + i, (m->n - i) * sizeof(item));
    m->v[i].p = malloc(len ? len : 1);
    if (len) memcpy(m->v[i].p, p, len);
    m->v[i].len = len;
    m->n++;
}

static void model_delete(model *m, size_t i, size_t n)
{
    if (i + n > m->n) n = m->n - i;
    for (size_t k = i; k < i + n; k++)
        free(m->v[k].p);
    memmove(m->v + i, m->v + i + n, (m->n - i - n) * sizeof(item));
    m->n -= n;
}

static void model_replace(model *m, size_t i, const char *p, size_t len)
{
    free(m->v[i].p);
    m->v[i].p = malloc(len ? len : 1);
    if (len) memcpy(m->v[i].p, p, len);
    m->v[i].len = len;
}

static void model_free(model *m)
{
    model_delete(m, 0, m->n);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

static size_t vsize(size_t v)
{
    size_t n = 1;
    while (v >= 128) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t esize(size_t len)
{
    size_t body = vsize(len) + len;
    return body + vsize(body);
}

static int item_eq(slice s, const item *it)
{
    return s.len == it->len && (it->len == 0 || memcmp(s.p, it->p, it->len) == 0);
}

/* Decodes the raw block by the layout in lpack.h, independently of lpack.c. */
static void check_raw(const lpack *lp, const model *m)
{
    const unsigned char *b = (const unsigned char *)lp;
    uint32_t bytes, count;
    memcpy(&bytes, b, 4);
    memcpy(&count, b + 4, 4);
    assert_int_equal(bytes, lp_bytes(lp));
    assert_int_equal(count, m->n);
    size_t pos = HDR;
    for (size_t i = 0; i < m->n; i++) {
        size_t len = 0, h = 0;
        unsigned shift = 0;
        unsigned char c;
        do {
            c = b[pos + h++];
            len |= (size_t)(c & 0x7f) << shift;
            shift += 7;
        } while (c & 0x80);
        assert_int_equal(len, m->v[i].len);
        if (len) assert_memory_equal(b + pos + h, m->v[i].p, len);
        size_t body = h + len, k = vsize(body);
        /* backlen: read from its last byte backwards */
        size_t end = pos + body + k, back = 0;
        shift = 0;
        for (size_t j = 0; j < k; j++) {
            c = b[end - 1 - j];
            back |= (size_t)(c & 0x7f) << shift;
            shift += 7;
            assert_int_equal(!!(c & 0x80), j + 1 < k);
        }
        assert_int_equal(back, body);
        pos = end;
    }
    assert_int_equal(pos, bytes);
}

/* Full check of lp against m. Walks lp_at for every index only when small. */
static void check(const lpack *lp, const model *m)
{
    size_t want = HDR;
    for (size_t i = 0; i < m->n; i++)
        want += esize(m->v[i].len);
    assert_int_equal(lp_count(lp), m->n);
    assert_int_equal(lp_bytes(lp), want);
    check_raw(lp, m);

    size_t *fw = malloc((m->n + 1) * sizeof(size_t));
    size_t i = 0;
    for (size_t p = lp_first(lp); p != LP_END; p = lp_next(lp, p)) {
        assert_true(i < m->n);
        assert_true(item_eq(lp_get(lp, p), &m->v[i]));
        fw[i++] = p;
    }
    assert_int_equal(i, m->n);
    for (size_t p = lp_last(lp); p != LP_END; p = lp_prev(lp, p)) {
        assert_true(i > 0);
        assert_int_equal(p, fw[--i]);
    }
    assert_int_equal(i, 0);
    if (m->n <= 64) {
        for (size_t k = 0; k < m->n; k++) {
            assert_int_equal(lp_at(lp, (long)k), fw[k]);
            assert_int_equal(lp_at(lp, -(long)(m->n - k)), fw[k]);
        }
    } else if (m->n) {
        size_t k = (size_t)rand() % m->n;
        assert_int_equal(lp_at(lp, (long)k), fw[k]);
        assert_int_equal(lp_at(lp, -(long)(m->n - k)), fw[k]);
    }
    assert_int_equal(lp_at(lp, (long)m->n), LP_END);
    assert_int_equal(lp_at(lp, -(long)m->n - 1), LP_END);
    free(fw);
}

static slice S(const char *s)
{
    return slice_of(s, strlen(s));
}

static int get_is(const lpack *lp, size_t pos, const char *s)
{
    return slice_eq(lp_get(lp, pos), S(s));
}

/* ---- basics ---- */

static void test_empty(void **state)
{
    lpack *lp = lp_new();
    model m = {0};
    check(lp, &m);
    assert_int_equal(lp_count(lp), 0);
    assert_int_equal(lp_bytes(lp), HDR);
    assert_int_equal(lp_first(lp), LP_END);
    assert_int_equal(lp_last(lp), LP_END);
    assert_int_equal(lp_next(lp, LP_END), LP_END);
    assert_int_equal(lp_prev(lp, LP_END), LP_END);
    assert_int_equal(lp_at(lp, 0), LP_END);
    assert_int_equal(lp_at(lp, -1), LP_END);
    assert_int_equal(lp_at(lp, LONG_MIN), LP_END);
    assert_int_equal(lp_at(lp, LONG_MAX), LP_END);
    assert_int_equal(lp_find(lp, lp_first(lp), S("a"), 0), LP_END);
    size_t next = 0;
    lp = lp_delete(lp, LP_END, 3, &next);
    assert_int_equal(next, LP_END);
    lpack *d = lp_dup(lp);
    check(d, &m);
    lp_free(d);
    lp_free(lp);
    lp_free(NULL);
}

static void test_insert_positions(void **state)
{
    lpack *lp = lp_new();
    model m = {0};
    size_t np;
    lp = lp_insert(lp, LP_END, S("b"), &np); /* into empty */
    model_insert(&m, 0, "b", 1);
    assert_int_equal(np, HDR);
    check(lp, &m);
    lp = lp_prepend(lp, S("a"));
    model_insert(&m, 0, "a", 1);
    check(lp, &m);
    lp = lp_append(lp, S("d"));
    model_insert(&m, 2, "d", 1);
    check(lp, &m);
    lp = lp_insert(lp, lp_at(lp, 2), S("c"), &np); /* middle */
    model_insert(&m, 2, "c", 1);
    check(lp, &m);
    assert_int_equal(np, lp_at(lp, 2));
    assert_true(get_is(lp, np, "c"));
    lp = lp_insert(lp, lp_first(lp), S("head"), &np); /* head */
    model_insert(&m, 0, "head", 4);
    assert_int_equal(np, HDR);
    check(lp, &m);
    lp = lp_insert(lp, LP_END, S("tail"), &np); /* tail */
    model_insert(&m, m.n, "tail", 4);
    assert_int_equal(np, lp_last(lp));
    assert_true(get_is(lp, np, "tail"));
    check(lp, &m);
    /* insert before the last entry */
    lp = lp_insert(lp, lp_last(lp), S("pre-tail"), &np);
    model_insert(&m, m.n - 1, "pre-tail", 8);
    assert_true(get_is(lp, lp_prev(lp, lp_last(lp)), "pre-tail"));
    check(lp, &m);
    lp = lp_insert(lp, lp_first(lp), S("x"), NULL);
    model_insert(&m, 0, "x", 1);
    check(lp, &m);

    lpack *d = lp_dup(lp);
    assert_ptr_not_equal(d, lp);
    check(d, &m);
    assert_memory_equal(d, lp, lp_bytes(lp));
    lp_free(d);
    lp_free(lp);
    model_free(&m);
}

static void test_iteration(void **state)
{
    lpack *lp = lp_new();
    char buf[32];
    for (int i = 0; i < 200; i++) {
        int n = snprintf(buf, sizeof(buf), "e%d", i);
        lp = lp_append(lp, slice_of(buf, (size_t)n));
    }
    int i = 0;
    for (size_t p = lp_first(lp); p != LP_END; p = lp_next(lp, p), i++) {
        int n = snprintf(buf, sizeof(buf), "e%d", i);
        assert_true(slice_eq(lp_get(lp, p), slice_of(buf, (size_t)n)));
        assert_int_equal(lp_at(lp, i), p);
        assert_int_equal(lp_at(lp, i - 200), p);
    }
    assert_int_equal(i, 200);
    for (size_t p = lp_last(lp); p != LP_END; p = lp_prev(lp, p)) {
        i--;
        int n = snprintf(buf, sizeof(buf), "e%d", i);
        assert_true(slice_eq(lp_get(lp, p), slice_of(buf, (size_t)n)));
    }
    assert_int_equal(i, 0);
    assert_int_equal(lp_prev(lp, lp_first(lp)), LP_END);
    assert_int_equal(lp_next(lp, lp_last(lp)), LP_END);
    assert_int_equal(lp_prev(lp, LP_END), lp_last(lp));
    assert_int_equal(lp_at(lp, -1), lp_last(lp));
    assert_int_equal(lp_at(lp, 0), lp_first(lp));
    assert_int_equal(lp_at(lp, 200), LP_END);
    assert_int_equal(lp_at(lp, -201), LP_END);
    assert_int_equal(lp_at(lp, LONG_MIN), LP_END);
    assert_int_equal(lp_at(lp, LONG_MAX), LP_END);
    lp_free(lp);
}

static void test_delete(void **state)
{
    lpack *lp = lp_new();
    model m = {0};
    char buf[32];
    for (int i = 0; i < 20; i++) {
        int n = snprintf(buf, sizeof(buf), "v%d", i);
        lp = lp_append(lp, slice_of(buf, (size_t)n));
        model_insert(&m, m.n, buf, (size_t)n);
    }
    check(lp, &m);
    size_t next;
    /* middle range */
    lp = lp_delete(lp, lp_at(lp, 5), 3, &next);
    model_delete(&m, 5, 3);
    check(lp, &m);
    assert_int_equal(next, lp_at(lp, 5));
    assert_true(get_is(lp, next, "v8"));
    /* head */
    lp = lp_delete(lp, lp_first(lp), 1, &next);
    model_delete(&m, 0, 1);
    check(lp, &m);
    assert_int_equal(next, lp_first(lp));
    assert_true(get_is(lp, next, "v1"));
    /* tail: next is LP_END */
    lp = lp_delete(lp, lp_last(lp), 1, &next);
    model_delete(&m, m.n - 1, 1);
    check(lp, &m);
    assert_int_equal(next, LP_END);
    /* zero entries: nothing changes, next is pos */
    size_t p = lp_at(lp, 2);
    lp = lp_delete(lp, p, 0, &next);
    assert_int_equal(next, p);
    check(lp, &m);
    /* more than remain: to the end */
    lp = lp_delete(lp, lp_at(lp, -3), 100, &next);
    model_delete(&m, m.n - 3, 100);
    assert_int_equal(next, LP_END);
    check(lp, &m);
    /* everything */
    lp = lp_delete(lp, lp_first(lp), lp_count(lp), NULL);
    model_delete(&m, 0, m.n);
    check(lp, &m);
    assert_int_equal(lp_bytes(lp), HDR);
    /* usable again */
    lp = lp_append(lp, S("again"));
    model_insert(&m, 0, "again", 5);
    check(lp, &m);
    lp_free(lp);
    model_free(&m);
}

static void test_replace(void **state)
{
    lpack *lp = lp_new();
    model m = {0};
    const char *init[] = {"aa", "bb", "cc"};
    for (int i = 0; i < 3; i++) {
        lp = lp_append(lp, S(init[i]));
        model_insert(&m, m.n, init[i], 2);
    }
    size_t np;
    /* same length */
    lp = lp_replace(lp, lp_at(lp, 1), S("BB"), &np);
    model_replace(&m, 1, "BB", 2);
    assert_int_equal(np, lp_at(lp, 1));
    check(lp, &m);
    /* longer, crossing the 1-byte varint limit */
    char *big = malloc(20000);
    memset(big, 'x', 20000);
    size_t lens[] = {0,     1,     126,   127,   128,   200, 16380,
                     16381, 16382, 16383, 16384, 20000, 5,   0};
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        for (size_t at = 0; at < 3; at++) {
            big[0] = (char)('a' + k);
            lp = lp_replace(lp, lp_at(lp, (long)at), slice_of(big, lens[k]), &np);
            model_replace(&m, at, big, lens[k]);
            assert_int_equal(np, lp_at(lp, (long)at));
            assert_true(item_eq(lp_get(lp, np), &m.v[at]));
            check(lp, &m);
        }
    }
    /* shorter */
    lp = lp_replace(lp, lp_first(lp), S("s"), NULL);
    model_replace(&m, 0, "s", 1);
    check(lp, &m);
    lp = lp_replace(lp, lp_last(lp), S(""), NULL);
    model_replace(&m, 2, "", 0);
    check(lp, &m);
    free(big);
    lp_free(lp);
    model_free(&m);
}

/* Slices that point into the lpack itself stay valid inputs to a change. */
static void test_self_reference(void **state)
{
    lpack *lp = lp_new();
    model m = {0};
    lp = lp_append(lp, S("alpha"));
    lp = lp_append(lp, S("beta"));
    model_insert(&m, 0, "alpha", 5);
    model_insert(&m, 1, "beta", 4);
    for (int i = 0; i < 50; i++) {
        slice s = lp_get(lp, lp_first(lp));
        lp = lp_append(lp, s);
        model_insert(&m, m.n, m.v[0].p, m.v[0].len);
        s = lp_get(lp, lp_last(lp));
        lp = lp_prepend(lp, s);
        model_insert(&m, 0, m.v[m.n - 1].p, m.v[m.n - 1].len);
    }
    check(lp, &m);
    /* replace with a part of another entry, and of itself */
    slice s = lp_get(lp, lp_at(lp, 1));
    lp = lp_replace(lp, lp_at(lp, 2), slice_of(s.p + 1, 2), NULL);
    model_replace(&m, 2, m.v[1].p + 1, 2);
    check(lp, &m);
    s = lp_get(lp, lp_at(lp, 3));
    lp = lp_replace(lp, lp_at(lp, 3), slice_of(s.p + 1, s.len - 1), NULL);
    model_replace(&m, 3, "lpha", 4);
    check(lp, &m);
    lp_free(lp);
    model_free(&m);
}

static void test_find(void **state)
{
    lpack *lp = lp_new();
    const char *kv[] = {"f1", "v1", "f2", "f1", "", "v3", "f3", "", "v1", "f2"};
    for (int i = 0; i < 10; i++)
        lp = lp_append(lp, S(kv[i]));
    size_t first = lp_first(lp);
    /* skip 0: every entry */
    assert_int_equal(lp_find(lp, first, S("f1"), 0), lp_at(lp, 0));
    assert_int_equal(lp_find(lp, lp_at(lp, 1), S("f1"), 0), lp_at(lp, 3));
    assert_int_equal(lp_find(lp, first, S("v3"), 0), lp_at(lp, 5));
    assert_int_equal(lp_find(lp, first, S(""), 0), lp_at(lp, 4));
    assert_int_equal(lp_find(lp, first, S("f2"), 0), lp_at(lp, 2));
    assert_int_equal(lp_find(lp, lp_at(lp, 3), S("f2"), 0), lp_at(lp, 9));
    assert_int_equal(lp_find(lp, first, S("nope"), 0), LP_END);
    assert_int_equal(lp_find(lp, first, S("f"), 0), LP_END);
    assert_int_equal(lp_find(lp, first, S("f11"), 0), LP_END);
    assert_int_equal(lp_find(lp, LP_END, S("f1"), 0), LP_END);
    /* skip 1: fields only (even indexes) */
    assert_int_equal(lp_find(lp, first, S("f1"), 1), lp_at(lp, 0));
    assert_int_equal(lp_find(lp, first, S("v1"), 1), lp_at(lp, 8));
    assert_int_equal(lp_find(lp, first, S("f2"), 1), lp_at(lp, 2));
    assert_int_equal(lp_find(lp, first, S(""), 1), lp_at(lp, 4));
    assert_int_equal(lp_find(lp, first, S("v3"), 1), LP_END);
    assert_int_equal(lp_find(lp, first, S("f3"), 1), lp_at(lp, 6));
    /* from an odd index, skip 1 looks at the values */
    assert_int_equal(lp_find(lp, lp_at(lp, 1), S("f1"), 1), lp_at(lp, 3));
    assert_int_equal(lp_find(lp, lp_at(lp, 1), S("f2"), 1), lp_at(lp, 9));
    assert_int_equal(lp_find(lp, lp_at(lp, 1), S("v1"), 1), lp_at(lp, 1));
    assert_int_equal(lp_find(lp, lp_at(lp, 3), S("f3"), 1), LP_END);
    /* skip 2 */
    assert_int_equal(lp_find(lp, first, S("f1"), 2), lp_at(lp, 0));
    assert_int_equal(lp_find(lp, lp_at(lp, 1), S("f1"), 2), LP_END);
    assert_int_equal(lp_find(lp, lp_at(lp, 1), S(""), 2), lp_at(lp, 4));
    assert_int_equal(lp_find(lp, lp_at(lp, 2), S("f1"), 2), LP_END);
    assert_int_equal(lp_find(lp, first, S("f2"), 2), lp_at(lp, 9));
    assert_int_equal(lp_find(lp, first, S("v1"), 2), LP_END);
    /* find with long entries (multi-byte lengths) in between */
    char *big = malloc(100000);
    memset(big, 'q', 100000);
    lpack *l2 = lp_new();
    l2 = lp_append(l2, slice_of(big, 100000));
    l2 = lp_append(l2, slice_of(big, 200));
    l2 = lp_append(l2, slice_of(big, 16384));
    l2 = lp_append(l2, S("k"));
    assert_int_equal(lp_find(l2, lp_first(l2), S("k"), 0), lp_at(l2, 3));
    assert_int_equal(lp_find(l2, lp_first(l2), S("k"), 1), LP_END);
    assert_int_equal(lp_find(l2, lp_first(l2), slice_of(big, 16384), 1), lp_at(l2, 2));
    assert_int_equal(lp_find(l2, lp_first(l2), slice_of(big, 200), 0), lp_at(l2, 1));
    assert_int_equal(lp_find(l2, lp_first(l2), slice_of(big, 200), 1), LP_END);
    free(big);
    lp_free(l2);
    lp_free(lp);
}

static void test_get_ll(void **state)
{
    lpack *lp = lp_new();
    const char *v[] = {
        "0",  "-1",  "123", "9223372036854775807",    "-9223372036854775808",
        "01", "-0",  "+1",  "9223372036854775808",    " 1",
        "",   "1.5", "abc", "12345678901234567890123"};
    int ok[] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    long long want[] = {0, -1, 123, LLONG_MAX, LLONG_MIN};
    for (int i = 0; i < 14; i++)
        lp = lp_append(lp, S(v[i]));
    int i = 0;
    for (size_t p = lp_first(lp); p != LP_END; p = lp_next(lp, p), i++) {
        long long x = 42;
        assert_int_equal(lp_get_ll(lp, p, &x), ok[i]);
        if (ok[i]) assert_true(x == want[i]);
    }
    assert_int_equal(i, 14);
    lp_free(lp);
}

/* Entries at the varint boundaries of the length and of the backlen. */
static void test_boundaries(void **state)
{
    size_t lens[] = {0,     1,      125,     126,     127,     128,
                     129,   16380,  16381,   16382,   16383,   16384,
                     16385, 100000, 2097149, 2097150, 2097151, 2097152};
    size_t nl = sizeof(lens) / sizeof(lens[0]);
    char *big = malloc(2097152 + nl); /* entry k starts at big + k */
    for (size_t i = 0; i < 2097152 + nl; i++)
        big[i] = (char)(i * 31 + 7);
    lpack *lp = lp_new();
    model m = {0};
    for (size_t k = 0; k < nl; k++) {
        lp = lp_append(lp, slice_of(big + k, lens[k]));
        model_insert(&m, m.n, big + k, lens[k]);
        check(lp, &m);
    }
    /* and in the reverse order, from the head */
    for (size_t k = 0; k < nl; k++) {
        lp = lp_prepend(lp, slice_of(big, lens[k]));
        model_insert(&m, 0, big, lens[k]);
    }
    check(lp, &m);
    assert_int_equal(esize(0), 2);
    assert_int_equal(esize(126), 128);
    assert_int_equal(esize(127), 130); /* 1 + 127 = 128 needs a 2-byte backlen */
    assert_int_equal(esize(128), 132);
    for (size_t k = 0; k < nl; k++) {
        size_t p = lp_find(lp, lp_first(lp), slice_of(big + k, lens[k]), 0);
        assert_true(p != LP_END);
        assert_true(item_eq(lp_get(lp, p), &(item){big + k, lens[k]}));
    }
    /* delete from the middle across big entries */
    size_t next;
    lp = lp_delete(lp, lp_at(lp, 10), 10, &next);
    model_delete(&m, 10, 10);
    assert_int_equal(next, lp_at(lp, 10));
    check(lp, &m);
    free(big);
    lp_free(lp);
    model_free(&m);
}

static void test_binary(void **state)
{
    lpack *lp = lp_new();
    model m = {0};
    char bin[256];
    for (int i = 0; i < 256; i++)
        bin[i] = (char)(255 - i);
    for (size_t len = 0; len <= 256; len += 17) {
        lp = lp_append(lp, slice_of(bin, len));
        model_insert(&m, m.n, bin, len);
    }
    static const char nul3[3] = {0, 0, 0};
    static const char hi[3] = {(char)0x80, (char)0xff, (char)0x81};
    lp = lp_append(lp, slice_of(nul3, 3));
    model_insert(&m, m.n, nul3, 3);
    lp = lp_prepend(lp, slice_of(hi, 3));
    model_insert(&m, 0, hi, 3);
    check(lp, &m);
    assert_int_equal(lp_find(lp, lp_first(lp), slice_of(nul3, 3), 0), lp_last(lp));
    assert_int_equal(lp_find(lp, lp_first(lp), slice_of(nul3, 2), 0), LP_END);
    assert_int_equal(lp_find(lp, lp_first(lp), slice_of(hi, 3), 0), lp_first(lp));
    lp_free(lp);
    model_free(&m);
}

/* Memory: the block is exactly header + entries, with 2 bytes of overhead for
 * short entries. */
static void test_memory(void **state)
{
    lpack *lp = lp_new();
    for (int i = 0; i < 100; i++)
        lp = lp_append(lp, S("0123456789"));
    assert_int_equal(lp_bytes(lp), HDR + 100 * 12);
    lp = lp_delete(lp, lp_first(lp), 50, NULL);
    assert_int_equal(lp_bytes(lp), HDR + 50 * 12);
    lp_free(lp);
}

/* ---- randomized against the model ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static size_t rnd_len(void)
{
    switch (rnd() % 10) {
    case 0:
        return 0;
    case 1:
        return 120 + rnd() % 20; /* around 127/128 */
    case 2:
        return 16370 + rnd() % 30; /* around 16383/16384 */
    case 3:
        return rnd() % 3000;
    default:
        return rnd() % 12;
    }
}

static void test_random(void **state)
{
    char *buf = malloc(20000);
    lpack *lp = lp_new();
    model m = {0};
    for (int op = 0; op < 20000; op++) {
        size_t len = rnd_len();
        /* small alphabet so lp_find gets hits */
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)('a' + rnd() % 3);
        size_t n = m.n;
        size_t idx = n ? rnd() % n : 0;
        size_t np, next;
        switch (rnd() % 8) {
        case 0:
        case 1: { /* insert anywhere, including the end */
            size_t at = rnd() % (n + 1);
            lp = lp_insert(lp, at == n ? LP_END : lp_at(lp, (long)at), slice_of(buf, len),
                           &np);
            model_insert(&m, at, buf, len);
            assert_int_equal(np, lp_at(lp, (long)at));
            break;
        }
        case 2:
            if (rnd() & 1) {
                lp = lp_append(lp, slice_of(buf, len));
                model_insert(&m, n, buf, len);
            } else {
                lp = lp_prepend(lp, slice_of(buf, len));
                model_insert(&m, 0, buf, len);
            }
            break;
        case 3:
            if (!n) break;
            lp = lp_replace(lp, lp_at(lp, -(long)(n - idx)), slice_of(buf, len), &np);
            model_replace(&m, idx, buf, len);
            assert_int_equal(np, lp_at(lp, (long)idx));
            break;
        case 4:
        case 5: {
            if (!n) break;
            size_t cnt = rnd() % 4;
            lp = lp_delete(lp, lp_at(lp, (long)idx), cnt, &next);
            model_delete(&m, idx, cnt);
            assert_int_equal(next, idx < m.n ? lp_at(lp, (long)idx) : LP_END);
            break;
        }
        case 6: { /* find, against a linear scan of the model */
            if (!n) break;
            int skip = (int)(rnd() % 3);
            slice s =
                (rnd() & 1) ? slice_of(m.v[rnd() % n].p, 0) : slice_of(buf, len % 4);
            if (rnd() & 1) {
                size_t j = rnd() % n;
                s = slice_of(m.v[j].p, m.v[j].len);
            }
            size_t want = LP_END;
            for (size_t j = idx; j < n; j += (size_t)skip + 1)
                if (item_eq(s, &m.v[j])) {
                    want = j;
                    break;
                }
            size_t got = lp_find(lp, lp_at(lp, (long)idx), s, skip);
            assert_int_equal(got, want == LP_END ? LP_END : lp_at(lp, (long)want));
            break;
        }
        case 7: { /* dup */
            lpack *d = lp_dup(lp);
            lp_free(lp);
            lp = d;
            break;
        }
        }
        if (op % 16 == 0 || m.n < 8) check(lp, &m);
        if (lp_bytes(lp) > (1u << 20)) { /* keep it from growing without bound */
            lp = lp_delete(lp, lp_first(lp), m.n / 2, NULL);
            model_delete(&m, 0, m.n / 2);
        }
    }
    check(lp, &m);
    lp_free(lp);
    model_free(&m);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),      cmocka_unit_test(test_insert_positions),
        cmocka_unit_test(test_iteration),  cmocka_unit_test(test_delete),
        cmocka_unit_test(test_replace),    cmocka_unit_test(test_self_reference),
        cmocka_unit_test(test_find),       cmocka_unit_test(test_get_ll),
        cmocka_unit_test(test_boundaries), cmocka_unit_test(test_binary),
        cmocka_unit_test(test_memory),     cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
