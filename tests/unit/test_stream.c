/* tests/unit/test_stream.c — types/stream: IDs, chunks, ranges both ways,
 * deletion, trimming, consumer groups and PELs.
 *
 * The larger tests compare the stream with a plain array model (ID + live
 * flag) after each change, with small chunk limits so that many entries cross
 * chunk boundaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "types/stream.h"

static stream_id sid(uint64_t ms, uint64_t seq)
{
    return (stream_id){ms, seq};
}

static int parse(const char *s, uint64_t miss, stream_id *out)
{
    return stream_id_parse(s, strlen(s), miss, 0, out, NULL);
}

static void test_id_parse(void **state)
{
    (void)state;
    stream_id id;
    int star;
    assert_int_equal(parse("5", 7, &id), 0);
    assert_true(id.ms == 5 && id.seq == 7);
    assert_int_equal(parse("5-3", 7, &id), 0);
    assert_true(id.ms == 5 && id.seq == 3);
    assert_int_equal(parse("18446744073709551615-18446744073709551615", 0, &id), 0);
    assert_true(id.ms == UINT64_MAX && id.seq == UINT64_MAX);
    assert_int_equal(parse("18446744073709551616", 0, &id), -1);
    assert_int_equal(parse("-5", 0, &id), -1);
    assert_int_equal(parse("", 0, &id), -1);
    assert_int_equal(parse("5-", 0, &id), -1);
    assert_int_equal(parse("-", 0, &id), -1);
    assert_int_equal(parse("a-1", 0, &id), -1);
    assert_int_equal(parse("1-2-3", 0, &id), -1);
    assert_int_equal(parse("5-*", 0, &id), -1);
    /* Redis reads each part with strtoull's rules past a strict integer parse */
    assert_int_equal(parse(" 5", 0, &id), 0);
    assert_true(id.ms == 5);
    assert_int_equal(parse("7-+5", 0, &id), 0);
    assert_true(id.ms == 7 && id.seq == 5);
    assert_int_equal(parse("5x", 0, &id), -1);
    assert_int_equal(stream_id_parse("5-*", 3, 0, 1, &id, &star), 0);
    assert_true(star && id.ms == 5);
    assert_int_equal(stream_id_parse("5-4", 3, 0, 1, &id, &star), 0);
    assert_false(star);
    char buf[STREAM_ID_STR];
    assert_int_equal(stream_id_fmt(buf, STREAM_ID_MAX), 41);
    assert_string_equal(buf, "18446744073709551615-18446744073709551615");
}

static void test_id_order(void **state)
{
    (void)state;
    assert_true(stream_id_cmp(sid(1, 5), sid(2, 0)) < 0);
    assert_true(stream_id_cmp(sid(2, 1), sid(2, 0)) > 0);
    assert_int_equal(stream_id_cmp(sid(2, 1), sid(2, 1)), 0);
    stream_id id = sid(1, UINT64_MAX);
    assert_true(stream_id_incr(&id));
    assert_true(id.ms == 2 && id.seq == 0);
    assert_true(stream_id_decr(&id));
    assert_true(id.ms == 1 && id.seq == UINT64_MAX);
    id = STREAM_ID_MAX;
    assert_false(stream_id_incr(&id));
    id = STREAM_ID_MIN;
    assert_false(stream_id_decr(&id));
}

/* ---- model ---- */

#define MAXN 5000

typedef struct model {
    stream_id id[MAXN];
    int live[MAXN];
    int n;
} model;

static void add(stream *s, model *m, stream_id id, const stream_limits *lim)
{
    char v[32];
    snprintf(v, sizeof(v), "v%llu", (unsigned long long)id.seq);
    slice fv[4] = {SLICE_LIT("field"), slice_of(v, strlen(v)), SLICE_LIT("f2"),
                   SLICE_LIT("")};
    /* every 7th entry has different fields */
    if (m->n % 7 == 3) fv[0] = SLICE_LIT("other");
    stream_append(s, id, fv, 2, lim);
    m->id[m->n] = id;
    m->live[m->n] = 1;
    m->n++;
}

static void check_range(stream *s, model *m, stream_id lo, stream_id hi, int rev)
{
    stream_iter it;
    stream_iter_init(&it, s, lo, hi, rev);
    int i = rev ? m->n - 1 : 0;
    for (;;) {
        while (i >= 0 && i < m->n &&
               (!m->live[i] || stream_id_cmp(m->id[i], lo) < 0 ||
                stream_id_cmp(m->id[i], hi) > 0))
            i += rev ? -1 : 1;
        stream_id id;
        uint64_t np;
        int got = stream_iter_next(&it, &id, &np);
        if (i < 0 || i >= m->n) {
            assert_false(got);
            break;
        }
        assert_true(got);
        assert_int_equal(stream_id_cmp(id, m->id[i]), 0);
        assert_int_equal(np, 2);
        slice f, v;
        char want[32];
        snprintf(want, sizeof(want), "v%llu", (unsigned long long)id.seq);
        stream_iter_pair(&it, &f, &v);
        assert_true(slice_eq(f, i % 7 == 3 ? SLICE_LIT("other") : SLICE_LIT("field")));
        assert_true(slice_eq(v, slice_of(want, strlen(want))));
        stream_iter_pair(&it, &f, &v);
        assert_true(slice_eq(f, SLICE_LIT("f2")));
        assert_int_equal(v.len, 0);
        i += rev ? -1 : 1;
    }
    stream_iter_done(&it);
}

static uint64_t model_len(const model *m)
{
    uint64_t n = 0;
    for (int i = 0; i < m->n; i++) n += (uint64_t)m->live[i];
    return n;
}

static void check_all(stream *s, model *m)
{
    assert_int_equal(stream_len(s), model_len(m));
    check_range(s, m, STREAM_ID_MIN, STREAM_ID_MAX, 0);
    check_range(s, m, STREAM_ID_MIN, STREAM_ID_MAX, 1);
}

static void test_append_range(void **state)
{
    (void)state;
    static model m;
    memset(&m, 0, sizeof(m));
    stream_limits lim = {.max_bytes = 0, .max_entries = 10};
    stream *s = stream_new();
    check_all(s, &m);
    for (int i = 0; i < 1000; i++) add(s, &m, sid(100 + (uint64_t)i / 3, (uint64_t)i), &lim);
    assert_int_equal(stream_chunks(s), 100);
    check_all(s, &m);
    /* sub-ranges both ways, including bounds between entries */
    for (int k = 0; k < 50; k++) {
        int a = rand() % m.n, b = rand() % m.n;
        if (a > b) {
            int t = a;
            a = b;
            b = t;
        }
        check_range(s, &m, m.id[a], m.id[b], 0);
        check_range(s, &m, m.id[a], m.id[b], 1);
        check_range(s, &m, sid(m.id[a].ms, 0), sid(m.id[b].ms, UINT64_MAX), k & 1);
    }
    check_range(s, &m, sid(0, 0), sid(99, 5), 0);
    check_range(s, &m, sid(500, 0), STREAM_ID_MAX, 1);
    stream_id e;
    assert_true(stream_edge(s, 0, &e));
    assert_int_equal(stream_id_cmp(e, m.id[0]), 0);
    assert_true(stream_edge(s, 1, &e));
    assert_int_equal(stream_id_cmp(e, m.id[m.n - 1]), 0);
    stream_meta *meta = stream_get_meta(s);
    assert_int_equal(meta->entries_added, 1000);
    assert_int_equal(stream_id_cmp(meta->last_id, m.id[999]), 0);

    stream *d = stream_dup(s);
    stream_free(s);
    check_all(d, &m);
    assert_true(stream_mem(d) > 1000);
    stream_free(d);
}

static void test_delete(void **state)
{
    (void)state;
    static model m;
    memset(&m, 0, sizeof(m));
    stream_limits lim = {.max_bytes = 200, .max_entries = 0};
    stream *s = stream_new();
    for (int i = 0; i < 2000; i++) add(s, &m, sid((uint64_t)i, (uint64_t)i), &lim);
    size_t chunks = stream_chunks(s);
    assert_true(chunks > 20);
    for (int k = 0; k < 1500; k++) {
        int i = rand() % m.n;
        assert_int_equal(stream_delete(s, m.id[i]), m.live[i]);
        m.live[i] = 0;
        if (k % 100 == 0) check_all(s, &m);
    }
    check_all(s, &m);
    assert_false(stream_delete(s, sid(5000, 0)));
    for (int i = 0; i < m.n; i++) assert_int_equal(stream_has(s, m.id[i]), m.live[i]);
    /* deleting everything frees every chunk */
    for (int i = 0; i < m.n; i++)
        if (m.live[i]) {
            stream_delete(s, m.id[i]);
            m.live[i] = 0;
        }
    assert_int_equal(stream_len(s), 0);
    assert_int_equal(stream_chunks(s), 0);
    stream_meta *meta = stream_get_meta(s);
    assert_int_equal(stream_id_cmp(meta->max_deleted, m.id[m.n - 1]), 0);
    assert_true(stream_id_is_zero(meta->first_id));
    check_all(s, &m);
    stream_free(s);
}

static void trim_model(model *m, const stream_trim_args *a, uint64_t removed)
{
    for (int i = 0; i < m->n && removed; i++)
        if (m->live[i]) {
            m->live[i] = 0;
            removed--;
        }
}

static void test_trim(void **state)
{
    (void)state;
    static model m;
    memset(&m, 0, sizeof(m));
    stream_limits lim = {.max_bytes = 0, .max_entries = 100};
    stream *s = stream_new();
    for (int i = 0; i < 1000; i++) add(s, &m, sid(1, (uint64_t)i), &lim);

    stream_trim_args a = {.maxlen = 950, .approx = 1};
    assert_int_equal(stream_trim(s, &a), 0); /* less than one chunk */
    a.maxlen = 850;
    assert_int_equal(stream_trim(s, &a), 100);
    trim_model(&m, &a, 100);
    check_all(s, &m);
    a.approx = 0;
    a.maxlen = 777;
    assert_int_equal(stream_trim(s, &a), 900 - 777);
    trim_model(&m, &a, 900 - 777);
    check_all(s, &m);
    stream_id first;
    assert_true(stream_edge(s, 0, &first));
    assert_int_equal(stream_id_cmp(stream_get_meta(s)->first_id, first), 0);

    /* MINID: exact and approximate */
    stream_trim_args b = {.by_minid = 1, .minid = sid(1, 450), .approx = 1};
    assert_int_equal(stream_trim(s, &b), 400 - 223);
    trim_model(&m, &b, 400 - 223);
    check_all(s, &m);
    b.approx = 0;
    assert_int_equal(stream_trim(s, &b), 50);
    trim_model(&m, &b, 50);
    check_all(s, &m);
    assert_true(stream_edge(s, 0, &first));
    assert_int_equal(stream_id_cmp(first, sid(1, 450)), 0);

    /* LIMIT stops before a chunk that would exceed it */
    stream_trim_args c = {.maxlen = 0, .approx = 1, .limit = 120};
    assert_int_equal(stream_trim(s, &c), 50);
    trim_model(&m, &c, 50);
    check_all(s, &m);
    c.limit = 0;
    assert_int_equal(stream_trim(s, &c), 500);
    assert_int_equal(stream_len(s), 0);
    assert_int_equal(stream_chunks(s), 0);
    stream_free(s);
}

static void test_groups(void **state)
{
    (void)state;
    stream *s = stream_new();
    assert_non_null(stream_group_create(s, SLICE_LIT("b"), STREAM_ID_MIN, 0));
    assert_non_null(stream_group_create(s, SLICE_LIT("a"), STREAM_ID_MIN, -1));
    assert_null(stream_group_create(s, SLICE_LIT("a"), STREAM_ID_MIN, 0));
    assert_int_equal(stream_groups(s), 2);
    assert_string_equal(stream_group_at(s, 0)->name, "a");
    stream_group *g = stream_group_find(s, SLICE_LIT("b"));
    assert_non_null(g);
    int created;
    stream_consumer *c1 = stream_consumer_get(g, SLICE_LIT("zed"), 10, &created);
    assert_true(created);
    stream_consumer *c2 = stream_consumer_get(g, SLICE_LIT("amy"), 10, &created);
    assert_true(created);
    assert_ptr_equal(stream_consumer_get(g, SLICE_LIT("zed"), 11, &created), c1);
    assert_false(created);
    assert_ptr_equal(g->consumers[0], c2);

    /* out-of-order inserts keep the PELs sorted */
    uint64_t order[] = {5, 1, 9, 3, 7, 2, 8};
    for (size_t i = 0; i < 7; i++)
        stream_nack_add(g, i % 2 ? c2 : c1, sid(order[i], 0), 100);
    assert_int_equal(g->pel.n, 7);
    for (size_t i = 1; i < g->pel.n; i++)
        assert_true(stream_id_cmp(g->pel.v[i - 1]->id, g->pel.v[i]->id) < 0);
    assert_int_equal(c1->pel.n, 4);
    assert_int_equal(c2->pel.n, 3);
    assert_int_equal(stream_pel_lower(&g->pel, sid(4, 0)), 3);
    stream_nack *n = stream_pel_find(&g->pel, sid(9, 0), NULL);
    assert_non_null(n);
    assert_ptr_equal(n->consumer, c1);
    stream_nack_move(n, c2);
    assert_int_equal(c1->pel.n, 3);
    assert_int_equal(c2->pel.n, 4);
    assert_true(stream_nack_ack(g, sid(9, 0)));
    assert_false(stream_nack_ack(g, sid(9, 0)));
    assert_int_equal(c2->pel.n, 3);

    stream *d = stream_dup(s);
    stream_group *dg = stream_group_find(d, SLICE_LIT("b"));
    assert_int_equal(dg->pel.n, 6);
    assert_int_equal(dg->nconsumers, 2);
    stream_free(d);

    assert_int_equal(stream_consumer_delete(g, c1), 3);
    assert_int_equal(g->pel.n, 3);
    assert_int_equal(g->nconsumers, 1);
    assert_true(stream_group_destroy(s, SLICE_LIT("a")));
    assert_false(stream_group_destroy(s, SLICE_LIT("a")));
    stream_free(s);
}

static void test_entries_read(void **state)
{
    (void)state;
    stream *s = stream_new();
    slice fv[2] = {SLICE_LIT("f"), SLICE_LIT("v")};
    assert_int_equal(stream_estimate_read(s, sid(5, 0)), 0);
    for (uint64_t i = 1; i <= 5; i++) stream_append(s, sid(i, 0), fv, 1, NULL);
    assert_int_equal(stream_estimate_read(s, sid(5, 0)), 5);
    assert_int_equal(stream_estimate_read(s, sid(1, 0)), 1);
    assert_int_equal(stream_estimate_read(s, sid(0, 0)), 0);
    assert_int_equal(stream_estimate_read(s, sid(3, 0)), STREAM_READ_UNKNOWN);
    assert_int_equal(stream_estimate_read(s, sid(6, 0)), STREAM_READ_UNKNOWN);
    stream_group *g = stream_group_create(s, SLICE_LIT("g"), STREAM_ID_MIN, STREAM_READ_UNKNOWN);
    long long lag;
    assert_true(stream_group_lag(s, g, &lag));
    assert_int_equal(lag, 5);
    stream_group_advance(s, g, sid(1, 0));
    assert_int_equal(g->entries_read, 1);
    stream_group_advance(s, g, sid(2, 0));
    assert_int_equal(g->entries_read, 2);
    stream_delete(s, sid(4, 0));
    assert_true(stream_range_has_tombstones(s, sid(2, 0), STREAM_ID_MAX));
    assert_false(stream_group_lag(s, g, &lag));
    stream_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_parse),     cmocka_unit_test(test_id_order),
        cmocka_unit_test(test_append_range), cmocka_unit_test(test_delete),
        cmocka_unit_test(test_trim),         cmocka_unit_test(test_groups),
        cmocka_unit_test(test_entries_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
