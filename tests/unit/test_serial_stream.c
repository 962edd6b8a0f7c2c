/* tests/unit/test_serial_stream.c — streams in the RDB format
 * (types/serial_stream.c): a value written by Redis 7.0 reads and writes back
 * byte for byte; kvik's own streams (small chunks, tombstones, groups) round
 * trip; the 6.x form; truncated and mutated values are refused or read
 * without harm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "types/serial.h"
#include "types/stream.h"

/* DUMP s from redis-server 7.0.15 (rdbcompression no), without type byte,
 * version and CRC: XADD s 1-1 a 1 b x; XADD s 1-2 a 2 b y; XADD s 2-0 c 3;
 * XADD s 5-0 a 12345678 b "long value here"; XDEL s 1-2; XGROUP CREATE s g 0;
 * XREADGROUP GROUP g alice COUNT 2 STREAMS s >. */
static const unsigned char redis_value[] =
    "\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    "\x00\x01\x40\x5f\x5f\x00\x00\x00\x1f\x00\x03\x01\x01\x01\x02\x01"
    "\x81\x61\x02\x81\x62\x02\x00\x01\x02\x01\x00\x01\x00\x01\x01\x01"
    "\x81\x78\x02\x05\x01\x03\x01\x00\x01\x01\x01\x02\x01\x81\x79\x02"
    "\x05\x01\x00\x01\x01\x01\xdf\xff\x02\x01\x01\x81\x63\x02\x03\x01"
    "\x06\x01\x02\x01\x04\x01\xdf\xff\x02\xf3\x4e\x61\xbc\x00\x05\x8f"
    "\x6c\x6f\x6e\x67\x20\x76\x61\x6c\x75\x65\x20\x68\x65\x72\x65\x10"
    "\x05\x01\xff\x03\x05\x00\x01\x01\x01\x02\x04\x01\x01\x67\x02\x00"
    "\x81\xff\xff\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x00\x00"
    "\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x16\x08\x3a\x02\xa2\x01"
    "\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x16\x08\x3a\x02\xa2\x01\x00\x00\x01\x01\x05\x61\x6c"
    "\x69\x63\x65\x16\x08\x3a\x02\xa2\x01\x00\x00\x02\x00\x00\x00\x00"
    "\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00"
    "\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00";

static int read_value(const void *p, size_t len, int type, stream **out, size_t *used)
{
    rdb_in in;
    rdbr_init(&in, p, len, 1 << 20);
    void *v = NULL;
    int rc = serial_stream_read(&in, type, &v);
    if (used) *used = in.pos;
    rdbr_free(&in);
    *out = v;
    return rc;
}

static void write_value(stream *s, buf *out)
{
    rdb_out o;
    rdbw_init(&o, -1, 0);
    serial_stream_write(&o, s);
    out->len = 0;
    buf_append(out, o.b.p, o.b.len);
    rdbw_free(&o);
}

static void test_redis_value(void **state)
{
    (void)state;
    size_t n = sizeof(redis_value) - 1, used;
    stream *s;
    assert_int_equal(read_value(redis_value, n, RDB_TYPE_STREAM_LISTPACKS_2, &s, &used), 0);
    assert_int_equal(used, n);
    assert_int_equal(stream_len(s), 3);
    stream_meta *m = stream_get_meta(s);
    assert_true(m->last_id.ms == 5 && m->last_id.seq == 0);
    assert_true(m->max_deleted.ms == 1 && m->max_deleted.seq == 2);
    assert_true(m->first_id.ms == 1 && m->first_id.seq == 1);
    assert_int_equal(m->entries_added, 4);
    assert_false(stream_has(s, (stream_id){1, 2}));
    assert_true(stream_has(s, (stream_id){2, 0}));
    /* the tombstone is kept in its chunk */
    uint64_t all, live;
    assert_int_equal(stream_chunks(s), 1);
    stream_chunk_counts(s, 0, &all, &live);
    assert_true(all == 4 && live == 3);
    assert_int_equal(stream_groups(s), 1);
    stream_group *g = stream_group_at(s, 0);
    assert_int_equal(g->entries_read, STREAM_READ_UNKNOWN);
    assert_int_equal(g->pel.n, 2);
    assert_int_equal(g->nconsumers, 1);
    assert_int_equal(g->consumers[0]->pel.n, 2);
    assert_ptr_equal(g->pel.v[1]->consumer, g->consumers[0]);
    /* the entry 5-0 has the master fields a, b */
    stream_iter it;
    stream_id id;
    uint64_t np;
    slice f, v;
    stream_iter_init(&it, s, (stream_id){5, 0}, STREAM_ID_MAX, 0);
    assert_int_equal(stream_iter_next(&it, &id, &np), 1);
    assert_int_equal(np, 2);
    stream_iter_pair(&it, &f, &v);
    assert_true(f.len == 1 && f.p[0] == 'a' && v.len == 8 && !memcmp(v.p, "12345678", 8));
    stream_iter_pair(&it, &f, &v);
    assert_true(v.len == 15 && !memcmp(v.p, "long value here", 15));
    stream_iter_done(&it);
    /* and it goes out as Redis wrote it */
    buf b = {0};
    write_value(s, &b);
    assert_int_equal(b.len, n);
    assert_memory_equal(b.p, redis_value, n);
    buf_free(&b);
    stream_free(s);
}

static void test_truncated_and_mutated(void **state)
{
    (void)state;
    size_t n = sizeof(redis_value) - 1;
    stream *s;
    for (size_t len = 0; len < n; len++) {
        unsigned char *p = malloc(len ? len : 1);
        memcpy(p, redis_value, len);
        assert_int_equal(read_value(p, len, RDB_TYPE_STREAM_LISTPACKS_2, &s, NULL), -1);
        assert_null(s);
        free(p);
    }
    unsigned char *p = malloc(n);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(p, redis_value, n);
            p[i] ^= (unsigned char)(1 << bit);
            if (read_value(p, n, RDB_TYPE_STREAM_LISTPACKS_2, &s, NULL) == 0) {
                /* accepted: a consistent stream */
                buf b = {0};
                write_value(s, &b);
                stream *s2;
                assert_int_equal(read_value(b.p, b.len, RDB_TYPE_STREAM_LISTPACKS_2, &s2, NULL), 0);
                assert_int_equal(stream_len(s2), stream_len(s));
                stream_free(s2);
                buf_free(&b);
                stream_free(s);
            }
        }
    }
    free(p);
}

/* A kvik stream: small chunks, mixed fields, tombstones, groups. */
static stream *build(void)
{
    stream *s = stream_new();
    stream_limits lim = {.max_entries = 3};
    char val[32];
    for (uint64_t i = 1; i <= 40; i++) {
        int n = snprintf(val, sizeof(val), "%llu", (unsigned long long)(i * 7919));
        slice fv[4] = {slice_of("f", 1), slice_of(val, (size_t)n),
                       i % 5 ? slice_of("g", 1) : slice_of("h", 1), slice_of("", 0)};
        stream_append(s, (stream_id){i / 4 + 1, i}, fv, i % 7 ? 2 : 1, &lim);
    }
    for (uint64_t i = 1; i <= 40; i += 3) stream_delete(s, (stream_id){i / 4 + 1, i});
    stream_group *g = stream_group_create(s, slice_of("grp", 3), (stream_id){5, 20}, 14);
    stream_consumer *a = stream_consumer_get(g, slice_of("a", 1), 111, NULL);
    stream_consumer *b = stream_consumer_get(g, slice_of("b", 1), 222, NULL);
    for (uint64_t i = 2; i <= 20; i += 2) {
        stream_nack *nk = stream_nack_add(g, i % 4 ? a : b, (stream_id){i / 4 + 1, i}, 1000 + i);
        nk->delivery_count = i;
    }
    stream_group_create(s, slice_of("", 0), STREAM_ID_MIN, STREAM_READ_UNKNOWN);
    return s;
}

static void test_round_trip(void **state)
{
    (void)state;
    stream *s = build();
    buf a = {0}, b = {0};
    write_value(s, &a);
    stream *s2;
    size_t used;
    assert_int_equal(read_value(a.p, a.len, RDB_TYPE_STREAM_LISTPACKS_2, &s2, &used), 0);
    assert_int_equal(used, a.len);
    assert_int_equal(stream_len(s2), stream_len(s));
    assert_int_equal(stream_chunks(s2), stream_chunks(s));
    assert_memory_equal(stream_get_meta(s2), stream_get_meta(s), sizeof(stream_meta));
    /* every stored entry, tombstones included, in the same chunks */
    for (size_t ci = 0; ci < stream_chunks(s); ci++) {
        stream_iter i1, i2;
        stream_raw_entry e1, e2;
        stream_iter_chunk(&i1, s, ci);
        stream_iter_chunk(&i2, s2, ci);
        while (stream_iter_next_raw(&i1, &e1)) {
            assert_int_equal(stream_iter_next_raw(&i2, &e2), 1);
            assert_memory_equal(&e1, &e2, sizeof(e1));
            for (uint64_t k = 0; k < e1.npairs; k++) {
                slice f1, v1, f2, v2;
                stream_iter_pair(&i1, &f1, &v1);
                stream_iter_pair(&i2, &f2, &v2);
                assert_true(f1.len == f2.len && !memcmp(f1.p, f2.p, f1.len));
                assert_true(v1.len == v2.len && !memcmp(v1.p, v2.p, v1.len));
            }
        }
        assert_int_equal(stream_iter_next_raw(&i2, &e2), 0);
    }
    assert_int_equal(stream_groups(s2), 2);
    stream_group *g = stream_group_find(s2, slice_of("grp", 3));
    assert_non_null(g);
    assert_int_equal(g->entries_read, 14);
    assert_int_equal(g->pel.n, 10);
    stream_consumer *b2 = stream_consumer_find(g, slice_of("b", 1));
    assert_int_equal(b2->seen_time, 222);
    assert_int_equal(b2->pel.n, 5);
    assert_int_equal(b2->pel.v[0]->delivery_time, 1004);
    assert_int_equal(b2->pel.v[0]->delivery_count, 4);
    assert_int_equal(stream_group_find(s2, slice_of("", 0))->entries_read, STREAM_READ_UNKNOWN);
    write_value(s2, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    /* an empty stream is a value too */
    stream *e = stream_new(), *e2;
    write_value(e, &a);
    assert_int_equal(read_value(a.p, a.len, RDB_TYPE_STREAM_LISTPACKS_2, &e2, NULL), 0);
    assert_int_equal(stream_len(e2), 0);
    stream_free(e);
    stream_free(e2);
    buf_free(&a);
    buf_free(&b);
    stream_free(s);
    stream_free(s2);
}

/* A consumer claiming an entry missing from the group PEL, or two consumers
 * claiming the same one, is refused. */
static void test_bad_pels(void **state)
{
    (void)state;
    stream *s = stream_new();
    slice fv[2] = {slice_of("a", 1), slice_of("1", 1)};
    stream_append(s, (stream_id){1, 1}, fv, 1, NULL);
    stream_group *g = stream_group_create(s, slice_of("g", 1), (stream_id){1, 1}, 1);
    stream_consumer *c1 = stream_consumer_get(g, slice_of("c1", 2), 5, NULL);
    stream_consumer_get(g, slice_of("c2", 2), 5, NULL);
    stream_nack_add(g, c1, (stream_id){1, 1}, 7);
    buf a = {0};
    write_value(s, &a);
    stream *r;
    assert_int_equal(read_value(a.p, a.len, RDB_TYPE_STREAM_LISTPACKS_2, &r, NULL), 0);
    stream_free(r);
    /* the value ends with: c2's name, seen time, PEL length 0. Give c2 c1's
     * entry (same 16-byte ID) too. */
    size_t n = a.len;
    unsigned char *p = malloc(n + 16);
    memcpy(p, a.p, n);
    assert_int_equal(p[n - 1], 0);
    p[n - 1] = 1;
    memset(p + n, 0, 16);
    p[n + 7] = 1;
    p[n + 15] = 1;
    assert_int_equal(read_value(p, n + 16, RDB_TYPE_STREAM_LISTPACKS_2, &r, NULL), -1);
    /* an ID the group PEL does not have */
    p[n + 15] = 2;
    assert_int_equal(read_value(p, n + 16, RDB_TYPE_STREAM_LISTPACKS_2, &r, NULL), -1);
    free(p);
    buf_free(&a);
    stream_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redis_value),
        cmocka_unit_test(test_truncated_and_mutated),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_pels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
