/* tests/unit/test_lpack.c — core/lpack: the packed list of entries.
 *
 * Every test checks the whole lpack against a plain array model after each
 * change: count, byte size (header + exact entry sizes), forward and backward
 * walks, lp_at from both ends, and the raw layout documented in lpack.c
 * (decoded here independently: string and integer entries, backlens).
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

/* Bytes of the backlen of an entry whose other bytes number body. */
static size_t bsize(size_t body)
{
    if (body < 128) return 1;
    if (body < 256) return 2;
    if (body < 65536) return 3;
    return body < (1u << 24) ? 4 : 5;
}

/* Canonical integer text, checked independently of util_str2ll: an optional
 * '-', no leading zero (but "0"), not "-0", within int64. */
static int canon(const char *p, size_t len, long long *out)
{
    size_t i = 0;
    int neg = 0;
    if (len && p[0] == '-') neg = 1, i = 1;
    if (i == len || len - i > 19) return 0;
    if (p[i] == '0' && (len - i > 1 || neg)) return 0;
    unsigned long long u = 0;
    for (; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        u = u * 10 + (unsigned)(p[i] - '0');
    }
    if (u > (unsigned long long)LLONG_MAX + neg) return 0;
    *out = neg ? (long long)(0 - u) : (long long)u;
    return 1;
}

/* Bytes of an integer entry. */
static size_t isize(long long v)
{
    if (v >= 0 && v <= 55) return 1;
    if (v >= -8192 && v <= 8191) return 3;
    for (unsigned n = 2; n < 8; n++)
        if (v >= -(1LL << (8 * n - 1)) && v < (1LL << (8 * n - 1))) return n + 2;
    return 10;
}

/* Bytes of a string entry of len bytes. */
static size_t esize(size_t len)
{
    size_t body = (len < 128 ? 1 : 1 + vsize(len)) + len;
    return body + bsize(body);
}

/* Bytes of the entry the lpack makes of it. */
static size_t item_size(const item *it)
{
    long long v;
    return canon(it->p, it->len, &v) ? isize(v) : esize(it->len);
}

static int item_eq(slice s, const item *it)
{
    return s.len == it->len && (it->len == 0 || memcmp(s.p, it->p, it->len) == 0);
}

/* Decodes the raw block by the layout in lpack.c, independently of it. */
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
        const unsigned char *e = b + pos;
        long long want;
        size_t body;
        if (canon(m->v[i].p, m->v[i].len, &want)) {
            long long got;
            if (e[0] >= 0xc8) { /* one byte, no backlen */
                assert_true(want == e[0] - 0xc8);
                pos += 1;
                continue;
            }
            if (e[0] >= 0x88) {
                got = (long long)((e[0] - 0x88) << 8 | e[1]);
                if (got >= 8192) got -= 16384;
                body = 2;
            } else {
                assert_true(e[0] >= 0x81);
                unsigned n = e[0] - 0x7fu;
                unsigned long long u = 0;
                for (unsigned k = 0; k < n; k++)
                    u |= (unsigned long long)e[1 + k] << (8 * k);
                if (n < 8 && (u >> (8 * n - 1))) u |= ~0ULL << (8 * n);
                memcpy(&got, &u, sizeof(got));
                body = 1 + n;
            }
            assert_true(got == want);
            assert_int_equal(body + 1, isize(want));
        } else {
            size_t len = 0, h = 1;
            if (e[0] < 0x80) {
                len = e[0];
            } else {
                assert_int_equal(e[0], 0x80);
                unsigned shift = 0;
                unsigned char c;
                do {
                    c = e[h++];
                    len |= (size_t)(c & 0x7f) << shift;
                    shift += 7;
                } while (c & 0x80);
                assert_true(len >= 128);
            }
            assert_int_equal(len, m->v[i].len);
            if (len) assert_memory_equal(e + h, m->v[i].p, len);
            body = h + len;
        }
        /* backlen: one byte below 128, else k bytes (high first) and 0x7f + k */
        size_t k = bsize(body), end = pos + body + k, back = 0;
        if (k == 1) {
            back = b[end - 1];
        } else {
            assert_int_equal(b[end - 1], 0x7f + (k - 1));
            for (size_t j = 0; j + 1 < k; j++)
                back |= (size_t)b[end - 2 - j] << (8 * j);
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
        want += item_size(&m->v[i]);
    assert_int_equal(lp_count(lp), m->n);
    assert_int_equal(lp_bytes(lp), want);
    check_raw(lp, m);

    size_t *fw = malloc((m->n + 1) * sizeof(size_t));
    size_t i = 0;
    for (size_t p = lp_first(lp); p != LP_END; p = lp_next(lp, p)) {
        assert_true(i < m->n);
        char buf[LP_INTBUF];
        assert_true(item_eq(lp_get(lp, p, buf), &m->v[i]));
        long long a, b;
        int ok = canon(m->v[i].p, m->v[i].len, &a);
        assert_int_equal(lp_get_ll(lp, p, &b), ok);
        if (ok) assert_true(a == b);
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
    char buf[LP_INTBUF];
    return slice_eq(lp_get(lp, pos, buf), S(s));
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
        snprintf(buf, sizeof(buf), "e%d", i);
        assert_true(get_is(lp, p, buf));
        assert_int_equal(lp_at(lp, i), p);
        assert_int_equal(lp_at(lp, i - 200), p);
    }
    assert_int_equal(i, 200);
    for (size_t p = lp_last(lp); p != LP_END; p = lp_prev(lp, p)) {
        i--;
        snprintf(buf, sizeof(buf), "e%d", i);
        assert_true(get_is(lp, p, buf));
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
            char nb[LP_INTBUF];
            assert_true(item_eq(lp_get(lp, np, nb), &m.v[at]));
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
    char buf[LP_INTBUF];
    for (int i = 0; i < 50; i++) {
        slice s = lp_get(lp, lp_first(lp), buf);
        lp = lp_append(lp, s);
        model_insert(&m, m.n, m.v[0].p, m.v[0].len);
        s = lp_get(lp, lp_last(lp), buf);
        lp = lp_prepend(lp, s);
        model_insert(&m, 0, m.v[m.n - 1].p, m.v[m.n - 1].len);
    }
    check(lp, &m);
    /* replace with a part of another entry, and of itself */
    slice s = lp_get(lp, lp_at(lp, 1), buf);
    lp = lp_replace(lp, lp_at(lp, 2), slice_of(s.p + 1, 2), NULL);
    model_replace(&m, 2, m.v[1].p + 1, 2);
    check(lp, &m);
    s = lp_get(lp, lp_at(lp, 3), buf);
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
    assert_int_equal(esize(128), 133); /* tag, 2-byte length, 2-byte backlen */
    assert_int_equal(esize(252), 257);
    assert_int_equal(esize(253), 259); /* body 256: 3-byte backlen */
    for (size_t k = 0; k < nl; k++) {
        size_t p = lp_find(lp, lp_first(lp), slice_of(big + k, lens[k]), 0);
        assert_true(p != LP_END);
        char nb[LP_INTBUF];
        assert_true(item_eq(lp_get(lp, p, nb), &(item){big + k, lens[k]}));
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


/* ---- integer entries ---- */

/* Every width edge, both signs, and strings that look like integers but are
 * not canonical (they stay strings). */
static const char *int_edges[] = {
    "0", "1", "55", "56", "-1", "127", "128", "-128", "8191", "8192", "-8192", "-8193",
    "32767", "32768", "-32768", "-32769", "8388607", "8388608", "-8388608", "-8388609",
    "2147483647", "2147483648", "-2147483648", "-2147483649", "549755813887",
    "549755813888", "-549755813888", "-549755813889", "140737488355327",
    "140737488355328", "-140737488355328", "-140737488355329", "36028797018963967",
    "36028797018963968", "-36028797018963968", "-36028797018963969",
    "9223372036854775807", "-9223372036854775808",
    /* not canonical: strings */
    "-0", "01", "00", "-01", "+1", "+0", " 1", "1 ", "1a", "-", "", "0x10", "1e3",
    "9223372036854775808", "-9223372036854775809", "18446744073709551616",
    "12345678901234567890", "99999999999999999999", "-99999999999999999999",
    "100000000000000000000"};
#define N_EDGES (sizeof(int_edges) / sizeof(int_edges[0]))

static void test_int_sizes(void **state)
{
    struct {
        const char *s;
        size_t bytes;
    } t[] = {{"0", 1},
             {"55", 1},
             {"56", 3},
             {"-1", 3},
             {"8191", 3},
             {"-8192", 3},
             {"8192", 4},
             {"-8193", 4},
             {"32767", 4},
             {"32768", 5},
             {"-32769", 5},
             {"8388607", 5},
             {"8388608", 6},
             {"2147483647", 6},
             {"2147483648", 7},
             {"549755813888", 8},
             {"140737488355328", 9},
             {"36028797018963967", 9},
             {"36028797018963968", 10},
             {"9223372036854775807", 10},
             {"-9223372036854775808", 10},
             {"-0", 4},
             {"01", 4},
             {"+1", 4},
             {"9223372036854775808", 21},
             {"12345678901234567890", 22},
             {"", 2}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_int_equal(lp_entry_bytes(S(t[i].s)), t[i].bytes);
        lpack *lp = lp_new();
        lp = lp_append(lp, S(t[i].s));
        assert_int_equal(lp_bytes(lp), HDR + t[i].bytes);
        assert_true(get_is(lp, lp_first(lp), t[i].s));
        assert_int_equal(lp_last(lp), lp_first(lp));
        lp_free(lp);
    }
    /* lp_insert_ll makes the same entry as the text */
    long long v[] = {0, 55, 56, -1, 8191, 8192, -8193, LLONG_MAX, LLONG_MIN, 1LL << 40};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char txt[32];
        int n = snprintf(txt, sizeof(txt), "%lld", v[i]);
        lpack *a = lp_append(lp_new(), slice_of(txt, (size_t)n));
        lpack *b = lp_append_ll(lp_new(), v[i]);
        assert_int_equal(lp_bytes(a), lp_bytes(b));
        assert_memory_equal(a, b, lp_bytes(a));
        long long got;
        assert_int_equal(lp_get_ll(b, lp_first(b), &got), 1);
        assert_true(got == v[i]);
        lp_free(a);
        lp_free(b);
    }
}

/* Edges mixed with strings, walked both ways, found, replaced, deleted. */
static void test_int_mixed(void **state)
{
    lpack *lp = lp_new();
    model m = {0};
    char big[300];
    memset(big, '7', sizeof(big)); /* digits, but far too long for an integer */
    for (size_t i = 0; i < N_EDGES; i++) {
        lp = lp_append(lp, S(int_edges[i]));
        model_insert(&m, m.n, int_edges[i], strlen(int_edges[i]));
        if (i % 5 == 0) {
            lp = lp_append(lp, slice_of(big, 130 + i));
            model_insert(&m, m.n, big, 130 + i);
        }
        check(lp, &m);
    }
    /* and prepended, so each sits before different neighbours */
    for (size_t i = 0; i < N_EDGES; i++) {
        lp = lp_prepend(lp, S(int_edges[i]));
        model_insert(&m, 0, int_edges[i], strlen(int_edges[i]));
    }
    check(lp, &m);
    /* find: the first match is the prepended copy; from after it, the
     * appended one; "-0" is not "0", "01" is not "1" */
    for (size_t i = 0; i < N_EDGES; i++) {
        slice s = S(int_edges[i]);
        size_t p = lp_find(lp, lp_first(lp), s, 0);
        assert_int_equal(p, lp_at(lp, (long)(N_EDGES - 1 - i)));
        size_t q = lp_find(lp, lp_next(lp, p), s, 0);
        assert_true(q != LP_END);
        assert_true(get_is(lp, q, int_edges[i]));
    }
    assert_int_equal(lp_find(lp, lp_first(lp), S("-00"), 0), LP_END);
    assert_int_equal(lp_find(lp, lp_first(lp), S("54"), 0), LP_END);
    assert_int_equal(lp_find(lp, lp_first(lp), S("9223372036854775806"), 0), LP_END);
    /* replace every entry by the next edge (crossing forms and sizes) */
    for (size_t i = 0; i < m.n; i++) {
        const char *r = int_edges[(i * 7 + 3) % N_EDGES];
        size_t np;
        lp = lp_replace(lp, lp_at(lp, (long)i), S(r), &np);
        model_replace(&m, i, r, strlen(r));
        assert_int_equal(np, lp_at(lp, (long)i));
        if (i % 8 == 0) check(lp, &m);
    }
    check(lp, &m);
    /* same-size replacements across forms: "a", 100 and -1 are 3 bytes each */
    lp = lp_replace(lp, lp_first(lp), S("a"), NULL);
    model_replace(&m, 0, "a", 1);
    lp = lp_replace(lp, lp_first(lp), S("100"), NULL);
    model_replace(&m, 0, "100", 3);
    check(lp, &m);
    lp = lp_replace(lp, lp_first(lp), S("-1"), NULL);
    model_replace(&m, 0, "-1", 2);
    lp = lp_replace(lp, lp_first(lp), S("zz"), NULL);
    model_replace(&m, 0, "zz", 2);
    check(lp, &m);
    /* insert in the middle, delete across forms */
    lp = lp_insert(lp, lp_at(lp, 5), S("12"), NULL);
    model_insert(&m, 5, "12", 2);
    lp = lp_insert(lp, lp_at(lp, 5), S("twelve"), NULL);
    model_insert(&m, 5, "twelve", 6);
    check(lp, &m);
    size_t next;
    lp = lp_delete(lp, lp_at(lp, 3), 9, &next);
    model_delete(&m, 3, 9);
    assert_int_equal(next, lp_at(lp, 3));
    check(lp, &m);
    while (m.n) { /* from the tail, two at a time */
        size_t k = m.n >= 2 ? m.n - 2 : 0;
        lp = lp_delete(lp, lp_at(lp, (long)k), 2, &next);
        model_delete(&m, k, 2);
        assert_int_equal(next, LP_END);
        check(lp, &m);
    }
    lp_free(lp);
    model_free(&m);
}

/* lp_find with skip over pairs whose fields and values are integers. */
static void test_int_find_pairs(void **state)
{
    lpack *lp = lp_new();
    const char *kv[] = {"1", "2", "f", "1", "2", "-5", "100000", "x", "-5", "1"};
    for (int i = 0; i < 10; i++)
        lp = lp_append(lp, S(kv[i]));
    size_t first = lp_first(lp);
    assert_int_equal(lp_find(lp, first, S("1"), 1), lp_at(lp, 0));
    assert_int_equal(lp_find(lp, first, S("2"), 1), lp_at(lp, 4));
    assert_int_equal(lp_find(lp, first, S("-5"), 1), lp_at(lp, 8));
    assert_int_equal(lp_find(lp, first, S("100000"), 1), lp_at(lp, 6));
    assert_int_equal(lp_find(lp, first, S("x"), 1), LP_END);
    assert_int_equal(lp_find(lp, lp_at(lp, 1), S("1"), 1), lp_at(lp, 3));
    assert_int_equal(lp_find(lp, lp_at(lp, 1), S("x"), 1), lp_at(lp, 7));
    assert_int_equal(lp_find(lp, lp_at(lp, 5), S("1"), 1), lp_at(lp, 9));
    assert_int_equal(lp_find(lp, first, S("01"), 0), LP_END);
    assert_int_equal(lp_find(lp, first, S("+1"), 0), LP_END);
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

/* Integer text at a random width (both signs, edges included), or one of
 * the near-integers of int_edges. */
static size_t rnd_number(char *buf)
{
    if (rnd() % 4 == 0) {
        const char *e = int_edges[rnd() % N_EDGES];
        memcpy(buf, e, strlen(e));
        return strlen(e);
    }
    unsigned bits = (unsigned)(rnd() % 64);
    unsigned long long mask = bits == 63 ? ~0ULL >> 1 : (1ULL << bits) - 1;
    long long v = (long long)(rnd() & mask);
    if (rnd() & 1) v = -v - (long long)(rnd() & 1);
    if (rnd() % 8 == 0) v = (long long)(rnd() % 20) - 4; /* small: frequent hits */
    return (size_t)snprintf(buf, 24, "%lld", v);
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
        if (rnd() % 3 == 0) len = rnd_number(buf);
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
        cmocka_unit_test(test_memory),     cmocka_unit_test(test_int_sizes),
        cmocka_unit_test(test_int_mixed),  cmocka_unit_test(test_int_find_pairs),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
