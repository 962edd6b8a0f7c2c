/* tests/unit/test_packed.c — persist/packed: Redis's packed blobs.
 *
 * Listpack and intset blobs captured from redis-server 7.0.15 (DUMP payloads,
 * rdbcompression off) are stored below as hex; the reader must decode them and
 * the writer must reproduce the listpacks byte for byte. Ziplists and zipmaps,
 * which Redis 7 no longer writes, are built here from the format description
 * by small independent builders. Every reader sees each blob, its truncations
 * and its corruptions placed right before an unreadable page, so an over-read
 * crashes even without ASan.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "persist/packed.h"

typedef int reader_fn(const void *, size_t, pk_fn *, void *, size_t *);

/* ---- helpers ---------------------------------------------------------------- */

/* Bytes ending right before a PROT_NONE page. */
typedef struct guarded {
    unsigned char *p; /* the copy */
    void *map;
    size_t maplen;
} guarded;

static guarded guard(const void *src, size_t len)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t data = (len + pg - 1) / pg * pg;
    guarded g;
    g.maplen = data + pg;
    g.map =
        mmap(NULL, g.maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g.map != MAP_FAILED);
    assert_int_equal(mprotect((char *)g.map + data, pg, PROT_NONE), 0);
    g.p = (unsigned char *)g.map + data - len;
    if (len) memcpy(g.p, src, len);
    return g;
}

static void unguard(guarded *g)
{
    munmap(g->map, g->maplen);
}

/* Runs a reader on a guarded copy of the bytes. */
static int run(reader_fn *rd, const void *p, size_t len, pk_fn *fn, void *priv,
               size_t *count)
{
    guarded g = guard(p, len);
    int r = rd(g.p, len, fn, priv, count);
    unguard(&g);
    return r;
}

static size_t unhex(const char *hex, unsigned char *out)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        assert_int_equal(sscanf(hex, "%2x", &v), 1);
        out[n++] = (unsigned char)v;
    }
    return n;
}

/* An expected entry: string (s, len) or integer v. */
typedef struct want {
    int is_int;
    long long v;
    const char *s;
    size_t len;
} want;

#define I(x)                                                                             \
    {                                                                                    \
        1, (x), NULL, 0                                                                  \
    }
#define S(x)                                                                             \
    {                                                                                    \
        0, 0, (x), sizeof(x) - 1                                                         \
    }

/* Collected entries (string bytes copied out). */
typedef struct got {
    pk_entry *e;
    size_t n, cap;
    int stop_at; /* 1-based index at which the callback returns 7; 0 = never */
} got;

static int collect(void *priv, const pk_entry *e)
{
    got *g = priv;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->e = realloc(g->e, g->cap * sizeof(*g->e));
        assert_non_null(g->e);
    }
    pk_entry c = *e;
    if (!e->is_int) {
        char *copy = malloc(e->len + 1);
        assert_non_null(copy);
        if (e->len) memcpy(copy, e->p, e->len);
        c.p = copy;
    } else {
        assert_null(e->p);
        assert_int_equal(e->len, 0);
    }
    g->e[g->n++] = c;
    return g->stop_at && (int)g->n == g->stop_at ? 7 : 0;
}

static void got_free(got *g)
{
    for (size_t i = 0; i < g->n; i++)
        if (!g->e[i].is_int) free((char *)g->e[i].p);
    free(g->e);
    memset(g, 0, sizeof(*g));
}

static void expect_entries(const got *g, const want *w, size_t n)
{
    assert_int_equal(g->n, n);
    for (size_t i = 0; i < n; i++) {
        if (g->e[i].is_int != w[i].is_int) fail_msg("entry %zu: wrong kind", i);
        if (w[i].is_int) {
            if (g->e[i].v != w[i].v)
                fail_msg("entry %zu: %lld, want %lld", i, g->e[i].v, w[i].v);
        } else {
            assert_int_equal(g->e[i].len, w[i].len);
            if (w[i].len) assert_memory_equal(g->e[i].p, w[i].s, w[i].len);
        }
    }
}

/* Reads a blob that must be valid and checks its entries. */
static void read_ok(reader_fn *rd, const void *p, size_t len, const want *w, size_t n)
{
    got g = {0};
    size_t count = 12345;
    assert_int_equal(run(rd, p, len, collect, &g, &count), 0);
    assert_int_equal(count, n);
    expect_entries(&g, w, n);
    got_free(&g);
    count = 0;
    assert_int_equal(run(rd, p, len, NULL, NULL, &count), 0); /* fn may be NULL */
    assert_int_equal(count, n);
}

static int no_call(void *priv, const pk_entry *e)
{
    (void)priv;
    (void)e;
    fail_msg("callback on a malformed blob");
    return 0;
}

/* A malformed blob: -1, nothing called back, count untouched. */
static void read_bad(reader_fn *rd, const void *p, size_t len)
{
    size_t count = 4242;
    assert_int_equal(run(rd, p, len, no_call, NULL, &count), -1);
    assert_int_equal(count, 4242);
}

/* Every strict prefix of a valid blob is refused. */
static void all_truncations_bad(reader_fn *rd, const unsigned char *p, size_t len)
{
    for (size_t n = 0; n < len; n++)
        read_bad(rd, p, n);
}

static void write_entries(buf *b, const want *w, size_t n)
{
    pk_lp_begin(b);
    for (size_t i = 0; i < n; i++) {
        if (w[i].is_int)
            pk_lp_add_int(b, w[i].v);
        else
            pk_lp_add_str(b, w[i].s, w[i].len);
    }
    assert_int_equal(pk_lp_finish(b), 0);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++, v >>= 8)
        p[i] = (unsigned char)v;
}

/* ---- listpack: real Redis bytes -------------------------------------------- */

/* HSET h with the pairs in redis_hash_entries (hash-max-listpack-value 10000).
 * Redis stores canonical integers as integers, everything else as strings. */
static const char redis_hash_hex[] =
    "7502000038008173028176028165028001826e30030001846e313237057f01846e31323805c0"
    "8002826d3103dfff0285613430393506cfff0286622d3430393607d0000285633430393606f1"
    "00100386642d3430393707f1ffef038369313604f1ff7f03836a313604f1008003836b323404"
    "f200800004836c323404f200008004836d323404f2ffff7f04836e333204f30000800005836f"
    "333204f300000080058370333204f3ffffff7f058371363404f4000000800000000009837236"
    "3404f40000000000000080098373363404f4ffffffffffffff7f09856c65616430068330303704"
    "846e65677a05822d300384706c757305822b35038362696704933932323333373230333638353437"
    "3735383038148373363304bf"
    "787878787878787878787878787878787878787878787878787878787878787878787878787878"
    "787878787878787878787878787878787878787878787878"
    "40847336346205e040"
    "797979797979797979797979797979797979797979797979797979797979797979797979797979"
    "79797979797979797979797979797979797979797979797979"
    "42847332303005e0c8"
    "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
    "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
    "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
    "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
    "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
    "7a7a7a7a7a01caff";

#define X10 "xxxxxxxxxx"
#define Y10 "yyyyyyyyyy"
#define Z10 "zzzzzzzzzz"
#define Z50 Z10 Z10 Z10 Z10 Z10

static const want redis_hash_entries[] = {
    S("s"),      S("v"),
    S("e"),      S(""),
    S("n0"),     I(0),
    S("n127"),   I(127),
    S("n128"),   I(128),
    S("m1"),     I(-1),
    S("a4095"),  I(4095),
    S("b-4096"), I(-4096),
    S("c4096"),  I(4096),
    S("d-4097"), I(-4097),
    S("i16"),    I(32767),
    S("j16"),    I(-32768),
    S("k24"),    I(32768),
    S("l24"),    I(-8388608),
    S("m24"),    I(8388607),
    S("n32"),    I(8388608),
    S("o32"),    I(-2147483648LL),
    S("p32"),    I(2147483647),
    S("q64"),    I(2147483648LL),
    S("r64"),    I(LLONG_MIN),
    S("s64"),    I(LLONG_MAX),
    S("lead0"),  S("007"),
    S("negz"),   S("-0"),
    S("plus"),   S("+5"),
    S("big"),    S("9223372036854775808"),
    S("s63"),    S(X10 X10 X10 X10 X10 X10 "xxx"),
    S("s64b"),   S(Y10 Y10 Y10 Y10 Y10 Y10 "yyyy"),
    S("s200"),   S(Z50 Z50 Z50 Z50),
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void check_redis_listpack(const char *hex, const want *w, size_t n)
{
    unsigned char *blob = malloc(strlen(hex) / 2 + 1);
    size_t len = unhex(hex, blob);
    read_ok(pk_listpack_each, blob, len, w, n);
    buf b = BUF_INIT;
    write_entries(&b, w, n);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.p, blob, len);
    buf_free(&b);
    free(blob);
}

static void test_lp_redis_hash(void **state)
{
    (void)state;
    check_redis_listpack(redis_hash_hex, redis_hash_entries, N_OF(redis_hash_entries));
}

/* ZADD z 1 a 2.5 b -3 c 1e300 d: member, score pairs in score order. */
static void test_lp_redis_zset(void **state)
{
    (void)state;
    static const want w[] = {S("c"), I(-3),    S("a"), I(1),
                             S("b"), S("2.5"), S("d"), S("1.0000000000000001e+300")};
    check_redis_listpack("360000000800816302dffd02816102010181620283322e3504816402"
                         "97312e30303030303030303030303030303031652b33303018ff",
                         w, N_OF(w));
}

/* RPUSH l a b 1 -2 "hello world" 9999999999: the only node of the quicklist. */
static void test_lp_redis_list(void **state)
{
    (void)state;
    static const want w[] = {S("a"), S("b"),           I(1),
                             I(-2),  S("hello world"), I(9999999999LL)};
    check_redis_listpack("2900000006008161028162020101dffe028b68656c6c6f20776f726c640c"
                         "f4ffe30b540200000009ff",
                         w, N_OF(w));
}

/* HSET with one value of `n` copies of c: Redis's bytes are prefix, the run,
 * suffix. Covers the 12-bit and 32-bit string lengths and 2-byte backlens. */
static void check_redis_long(const char *prefix, char c, size_t n, const char *suffix)
{
    unsigned char head[32], tail[8];
    size_t hl = unhex(prefix, head), tl = unhex(suffix, tail);
    size_t len = hl + n + tl;
    unsigned char *blob = malloc(len);
    memcpy(blob, head, hl);
    memset(blob + hl, c, n);
    memcpy(blob + hl + n, tail, tl);
    char *val = malloc(n);
    memset(val, c, n);
    want w[] = {S("k"), {0, 0, val, n}};
    read_ok(pk_listpack_each, blob, len, w, 2);
    buf b = BUF_INIT;
    write_entries(&b, w, 2);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.p, blob, len);
    all_truncations_bad(pk_listpack_each, blob, len < 64 ? len : 64);
    buf_free(&b);
    free(val);
    free(blob);
}

static void test_lp_redis_long_strings(void **state)
{
    (void)state;
    check_redis_long("0d1000000200816b02efff", 'w', 4095, "2081ff");
    check_redis_long("151000000200816b02f004100000", 'x', 4100, "2089ff");
}

static uint64_t fnv1a(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return h;
}

/* HSET hh f0 0 f1 1 ... f39999 39999 (hash-max-listpack-entries 100000): 80000
 * entries, so the header count says 65535. Redis's blob: 471905 bytes, header
 * 61 33 07 00 ff ff, FNV-1a 64 0x76c4895839eaf935. */
static void test_lp_redis_many(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    char key[16];
    pk_lp_begin(&b);
    for (int i = 0; i < 40000; i++) {
        int n = snprintf(key, sizeof(key), "f%d", i);
        pk_lp_add_str(&b, key, (size_t)n);
        pk_lp_add_int(&b, i);
    }
    assert_int_equal(pk_lp_finish(&b), 0);
    assert_int_equal(b.len, 471905);
    assert_memory_equal(b.p, "\x61\x33\x07\x00\xff\xff", 6);
    assert_true(fnv1a(b.p, b.len) == 0x76c4895839eaf935ULL);
    size_t count = 0;
    assert_int_equal(pk_listpack_each(b.p, b.len, NULL, NULL, &count), 0);
    assert_int_equal(count, 80000);
    buf_free(&b);
}

/* ---- listpack: writer round trips ------------------------------------------ */

/* Writes one entry and checks its exact size and that it reads back. */
static void roundtrip_one(const want *w, size_t entry_size)
{
    buf b = BUF_INIT;
    write_entries(&b, w, 1);
    assert_int_equal(b.len, 6 + entry_size + 1);
    assert_int_equal(le32((unsigned char *)b.p), b.len);
    assert_int_equal((unsigned char)b.p[4], 1);
    read_ok(pk_listpack_each, b.p, b.len, w, 1);
    buf_free(&b);
}

static void test_lp_int_boundaries(void **state)
{
    (void)state;
    static const struct {
        long long v;
        size_t size; /* encoding + data + backlen */
    } cases[] = {
        {0, 2},          {127, 2},        {128, 3},           {-1, 3},
        {4095, 3},       {-4096, 3},      {4096, 4},          {-4097, 4},
        {32767, 4},      {-32768, 4},     {32768, 5},         {-32769, 5},
        {8388607, 5},    {-8388608, 5},   {8388608, 6},       {-8388609, 6},
        {INT32_MAX, 6},  {INT32_MIN, 6},  {2147483648LL, 10}, {-2147483649LL, 10},
        {LLONG_MAX, 10}, {LLONG_MIN, 10},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        want w = I(cases[i].v);
        roundtrip_one(&w, cases[i].size);
        /* the same value given as a string takes the integer encoding */
        char s[32];
        int n = snprintf(s, sizeof(s), "%lld", cases[i].v);
        buf b = BUF_INIT;
        pk_lp_begin(&b);
        pk_lp_add_str(&b, s, (size_t)n);
        assert_int_equal(pk_lp_finish(&b), 0);
        assert_int_equal(b.len, 7 + cases[i].size);
        read_ok(pk_listpack_each, b.p, b.len, &w, 1);
        buf_free(&b);
    }
}

static void test_lp_noncanonical_strings(void **state)
{
    (void)state;
    static const want w[] = {
        S("007"),
        S("-0"),
        S("+1"),
        S(" 1"),
        S("1 "),
        S("-"),
        S("0x10"),
        S("1e3"),
        S("00"),
        S("-01"),
        S("1.0"),
        S("9223372036854775808"),
        S("-9223372036854775809"),
        S("123456789012345678901234567890"),
    };
    for (size_t i = 0; i < N_OF(w); i++)
        roundtrip_one(&w[i], 1 + w[i].len + 1);
}

static void test_lp_string_boundaries(void **state)
{
    (void)state;
    /* (length, encoding + data + backlen) */
    static const size_t cases[][2] = {
        {0, 2},
        {1, 3},
        {63, 65},
        {64, 67},
        {125, 128},
        {126, 130},
        {4095, 4099},
        {4096, 4103},
        {16378, 16385},
        {16379, 16387},
        {100000, 100008},
        {2097146, 2097154},
        {2097147, 2097156},
    };
    char *s = malloc(2097147);
    for (size_t i = 0; i < 2097147; i++)
        s[i] = (char)('a' + i % 26);
    for (size_t i = 0; i < N_OF(cases); i++) {
        want w = {0, 0, s, cases[i][0]};
        roundtrip_one(&w, cases[i][1]);
    }
    free(s);
}

static void test_lp_count_saturation(void **state)
{
    (void)state;
    static const size_t ns[] = {0, 1, 65534, 65535, 65536, 70000};
    for (size_t k = 0; k < N_OF(ns); k++) {
        buf b = BUF_INIT;
        pk_lp_begin(&b);
        for (size_t i = 0; i < ns[k]; i++)
            if (i % 2)
                pk_lp_add_int(&b, (long long)i * 1000);
            else
                pk_lp_add_str(&b, "", 0);
        assert_int_equal(pk_lp_finish(&b), 0);
        unsigned hdr = (unsigned char)b.p[4] | (unsigned char)b.p[5] << 8;
        assert_int_equal(hdr, ns[k] < 65535 ? ns[k] : 65535);
        size_t count = 0;
        assert_int_equal(run(pk_listpack_each, b.p, b.len, NULL, NULL, &count), 0);
        assert_int_equal(count, ns[k]);
        buf_free(&b);
    }
}

/* pk_lp_begin empties a used buffer; a string past 4 GiB makes finish fail. */
static void test_lp_writer_reuse_and_limit(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_puts(&b, "junk that pk_lp_begin drops");
    static const want w[] = {S("a"), I(5)};
    write_entries(&b, w, 2);
    read_ok(pk_listpack_each, b.p, b.len, w, 2);
    pk_lp_begin(&b);
    pk_lp_add_str(&b, "a", 1);
    /* never read: too long to encode, so only its length is looked at */
    pk_lp_add_str(&b, "x", (size_t)UINT32_MAX + 1);
    pk_lp_add_int(&b, 1);
    assert_int_equal(pk_lp_finish(&b), -1);
    write_entries(&b, w, 2); /* usable again after begin */
    read_ok(pk_listpack_each, b.p, b.len, w, 2);
    buf_free(&b);
}

/* ---- listpack: malformed input ---------------------------------------------- */

static void test_lp_truncations(void **state)
{
    (void)state;
    unsigned char blob[700];
    size_t len = unhex(redis_hash_hex, blob);
    all_truncations_bad(pk_listpack_each, blob, len);
    /* truncations that keep a consistent header and terminator, so that the
     * entries themselves run past the end: only the cuts right after an entry
     * are valid, and they hold 0, 1, 2, ... entries */
    unsigned char cut[700];
    size_t valid = 0;
    for (size_t n = 7; n < len; n++) {
        memcpy(cut, blob, n);
        put32(cut, (uint32_t)n);
        cut[n - 1] = 0xFF;
        cut[4] = cut[5] = 0xFF; /* count unknown: only the structure decides */
        size_t count = 9999;
        int r = run(pk_listpack_each, cut, n, NULL, NULL, &count);
        if (r == 0) {
            assert_int_equal(count, valid);
            valid++;
        } else {
            assert_int_equal(r, -1);
            assert_int_equal(count, 9999);
        }
    }
    assert_int_equal(valid, N_OF(redis_hash_entries));
}

/* Applies one change to a copy of a valid listpack and expects -1. */
static void lp_corrupt(const unsigned char *blob, size_t len, size_t at, unsigned char v)
{
    unsigned char *c = malloc(len);
    memcpy(c, blob, len);
    c[at] = v;
    read_bad(pk_listpack_each, c, len);
    free(c);
}

static void test_lp_corruptions(void **state)
{
    (void)state;
    /* "a", 300, "hello", an empty string, a 200-byte string */
    buf b = BUF_INIT;
    char big[200];
    memset(big, 'q', sizeof(big));
    static const want w0[] = {S("a"), I(300), S("hello"), S("")};
    pk_lp_begin(&b);
    for (size_t i = 0; i < N_OF(w0); i++)
        if (w0[i].is_int)
            pk_lp_add_int(&b, w0[i].v);
        else
            pk_lp_add_str(&b, w0[i].s, w0[i].len);
    pk_lp_add_str(&b, big, sizeof(big));
    assert_int_equal(pk_lp_finish(&b), 0);
    const unsigned char *p = (unsigned char *)b.p;
    size_t len = b.len;
    /* layout: 6 hdr | 81 61 02 | c1 2c 02 | 85 hello 06 | 80 01 | e0 c8 <200> 01 ca | ff
     */
    assert_int_equal(len, 6 + 3 + 3 + 7 + 2 + 204 + 1);
    assert_int_equal(p[9], 0xC1);
    assert_int_equal(p[len - 3], 0x01);
    assert_int_equal(p[len - 2], 0xCA);

    lp_corrupt(p, len, 8, 0x03);       /* backlen of "a" too big */
    lp_corrupt(p, len, 8, 0x01);       /* too small */
    lp_corrupt(p, len, 8, 0x82);       /* high bit set on a 1-byte backlen */
    lp_corrupt(p, len, len - 3, 0x81); /* first byte of a 2-byte backlen flagged */
    lp_corrupt(p, len, len - 2, 0x4A); /* last byte of a 2-byte backlen unflagged */
    lp_corrupt(p, len, len - 2, 0xCB);
    lp_corrupt(p, len, 4, 4);                        /* count too small */
    lp_corrupt(p, len, 4, 6);                        /* count too big */
    lp_corrupt(p, len, 5, 1);                        /* count 261 */
    lp_corrupt(p, len, 0, (unsigned char)(len + 1)); /* total bytes */
    lp_corrupt(p, len, 1, 1);
    lp_corrupt(p, len, 3, 1);
    lp_corrupt(p, len, len - 1, 0x00); /* no terminator */
    lp_corrupt(p, len, 6, 0xFF);       /* terminator before the end */
    for (unsigned c = 0xF5; c <= 0xFE; c++)
        lp_corrupt(p, len, 6, (unsigned char)c); /* unused encodings */
    lp_corrupt(p, len, 6, 0x82);                 /* string longer than its entry */
    lp_corrupt(p, len, 6, 0x80);                 /* shorter */
    lp_corrupt(p, len, 6, 0xF0);                 /* a 32-bit length from the next bytes */
    lp_corrupt(p, len, 6, 0xF4);                 /* an int64 overrunning its entry */
    lp_corrupt(p, len, 6, 0x7F);                 /* int 127 followed by garbage */
    lp_corrupt(p, len, 19, 0x8F);                /* "" claims 15 bytes */
    lp_corrupt(p, len, 21, 0xEF);                /* 12-bit length 3784: past the end */

    /* the count 65535 means "count them": accepted with any real count */
    unsigned char *c = malloc(len);
    memcpy(c, p, len);
    c[4] = c[5] = 0xFF;
    size_t count = 0;
    assert_int_equal(run(pk_listpack_each, c, len, NULL, NULL, &count), 0);
    assert_int_equal(count, 5);
    free(c);

    /* a 32-bit length near 4 GiB in a small blob */
    static const unsigned char huge[] = {0x0d, 0,    0,    0,    1,    0,   0xF0,
                                         0xFA, 0xFF, 0xFF, 0xFF, 0x05, 0xFF};
    read_bad(pk_listpack_each, huge, sizeof(huge));
    /* the smallest listpack, and one byte short of it */
    static const unsigned char empty[] = {7, 0, 0, 0, 0, 0, 0xFF};
    read_ok(pk_listpack_each, empty, sizeof(empty), NULL, 0);
    read_bad(pk_listpack_each, empty, 6);
    buf_free(&b);
}

/* A listpack entry that is valid but not what Redis would write: non-minimal
 * encodings are accepted (the format allows them), a backlen with a padding
 * byte is not (its size follows from the entry). */
static void test_lp_noncanonical_encodings(void **state)
{
    (void)state;
    static const unsigned char lp[] = {
        0x1f, 0,    0,   0, 4, 0,   0xF4, 5, 0, 0, 0, 0, 0, 0, 0, 9, /* 5 as an int64 */
        0xE0, 0x01, 'z', 3,            /* "z" with a 12-bit length */
        0xF0, 1,    0,   0, 0, 'y', 6, /* "y" with a 32-bit length */
        0xC0, 0x05, 2,                 /* 5 as a 13-bit int */
        0xFF,
    };
    static const want w[] = {I(5), S("z"), S("y"), I(5)};
    assert_int_equal(sizeof(lp), 0x1f);
    read_ok(pk_listpack_each, lp, sizeof(lp), w, 4);
    all_truncations_bad(pk_listpack_each, lp, sizeof(lp));
    static const unsigned char padded[] = {10, 0, 0, 0, 1, 0, 0x01, 0x00, 0x81, 0xFF};
    read_bad(pk_listpack_each, padded, sizeof(padded));
}

/* Every first byte of a 2-byte entry: only the 7-bit integers and the empty
 * string fit; everything else is refused. */
static void test_lp_all_encodings(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 256; c++) {
        unsigned char lp[] = {9, 0, 0, 0, 1, 0, (unsigned char)c, 1, 0xFF};
        if (c < 0x80) {
            want w = I((long long)c);
            read_ok(pk_listpack_each, lp, sizeof(lp), &w, 1);
        } else if (c == 0x80) {
            want w = S("");
            read_ok(pk_listpack_each, lp, sizeof(lp), &w, 1);
        } else {
            read_bad(pk_listpack_each, lp, sizeof(lp));
        }
    }
}

/* ---- ziplist ------------------------------------------------------------------- */

/* Builds a ziplist from raw entries (encoding + data); prevlens are computed,
 * in the 5-byte form when wide[i] (or when needed). */
typedef struct zlb {
    unsigned char *p;
    size_t len, last, prev;
    unsigned n;
} zlb;

static void zl_begin(zlb *z)
{
    z->p = calloc(1, 11);
    z->len = 10;
    z->last = 10;
    z->prev = 0;
    z->n = 0;
}

static void zl_add(zlb *z, const void *enc, size_t elen, const void *data, size_t dlen,
                   int wide)
{
    size_t pl = (z->prev >= 254 || wide) ? 5 : 1, size = pl + elen + dlen;
    z->p = realloc(z->p, z->len + size + 1);
    unsigned char *e = z->p + z->len;
    if (pl == 5) {
        e[0] = 0xFE;
        put32(e + 1, (uint32_t)z->prev);
    } else {
        e[0] = (unsigned char)z->prev;
    }
    memcpy(e + pl, enc, elen);
    if (dlen) memcpy(e + pl + elen, data, dlen);
    z->last = z->len;
    z->len += size;
    z->prev = size;
    z->n++;
}

static void zl_str(zlb *z, const char *s, size_t len, int wide)
{
    unsigned char enc[5];
    size_t elen;
    if (len < 64) {
        enc[0] = (unsigned char)len, elen = 1;
    } else if (len < 16384) {
        enc[0] = (unsigned char)(0x40 | len >> 8), enc[1] = (unsigned char)len, elen = 2;
    } else {
        enc[0] = 0x80, elen = 5;
        for (int i = 0; i < 4; i++)
            enc[1 + i] = (unsigned char)(len >> (24 - 8 * i)); /* big-endian */
    }
    zl_add(z, enc, elen, s, len, wide);
}

/* Integer with the given encoding byte and data width (little-endian). */
static void zl_int(zlb *z, unsigned char enc, long long v, unsigned width)
{
    unsigned char d[8];
    unsigned long long u = (unsigned long long)v;
    for (unsigned i = 0; i < width; i++, u >>= 8)
        d[i] = (unsigned char)u;
    zl_add(z, &enc, 1, d, width, 0);
}

static void zl_finish(zlb *z, unsigned count)
{
    z->p[z->len++] = 0xFF;
    put32(z->p, (uint32_t)z->len);
    put32(z->p + 4, (uint32_t)z->last);
    z->p[8] = (unsigned char)count;
    z->p[9] = (unsigned char)(count >> 8);
}

static void zl_bad(const zlb *z, size_t at, unsigned char v)
{
    unsigned char *c = malloc(z->len);
    memcpy(c, z->p, z->len);
    c[at] = v;
    read_bad(pk_ziplist_each, c, z->len);
    free(c);
}

static void test_ziplist(void **state)
{
    (void)state;
    char *s300 = malloc(20000);
    for (int i = 0; i < 20000; i++)
        s300[i] = (char)('A' + i % 23);
    want w[40];
    size_t n = 0;
    zlb z;
    zl_begin(&z);
    zl_str(&z, "", 0, 0), w[n++] = (want)S("");
    zl_str(&z, "hello", 5, 0), w[n++] = (want)S("hello");
    zl_str(&z, s300, 63, 0), w[n++] = (want){0, 0, s300, 63};
    zl_str(&z, s300, 64, 0), w[n++] = (want){0, 0, s300, 64};
    zl_str(&z, s300, 300, 0),
        w[n++] = (want){0, 0, s300, 300}; /* next prevlen: 5 bytes */
    zl_str(&z, s300, 16383, 0), w[n++] = (want){0, 0, s300, 16383};
    zl_str(&z, s300, 16384, 0), w[n++] = (want){0, 0, s300, 16384};
    for (int v = 0; v <= 12; v++) {
        unsigned char enc = (unsigned char)(0xF1 + v);
        zl_add(&z, &enc, 1, NULL, 0, 0), w[n++] = (want)I(v);
    }
    zl_int(&z, 0xFE, -128, 1), w[n++] = (want)I(-128);
    zl_int(&z, 0xFE, 127, 1), w[n++] = (want)I(127);
    zl_int(&z, 0xC0, -32768, 2), w[n++] = (want)I(-32768);
    zl_int(&z, 0xC0, 32767, 2), w[n++] = (want)I(32767);
    zl_int(&z, 0xF0, -8388608, 3), w[n++] = (want)I(-8388608);
    zl_int(&z, 0xF0, 8388607, 3), w[n++] = (want)I(8388607);
    zl_int(&z, 0xD0, INT32_MIN, 4), w[n++] = (want)I(INT32_MIN);
    zl_int(&z, 0xD0, INT32_MAX, 4), w[n++] = (want)I(INT32_MAX);
    zl_int(&z, 0xE0, LLONG_MIN, 8), w[n++] = (want)I(LLONG_MIN);
    zl_int(&z, 0xE0, LLONG_MAX, 8), w[n++] = (want)I(LLONG_MAX);
    zl_str(&z, "wide", 4, 1), w[n++] = (want)S("wide"); /* small prevlen, 5 bytes */
    zl_str(&z, "end", 3, 0), w[n++] = (want)S("end");
    zl_finish(&z, (unsigned)n);
    read_ok(pk_ziplist_each, z.p, z.len, w, n);

    /* count 65535: counted */
    z.p[8] = z.p[9] = 0xFF;
    read_ok(pk_ziplist_each, z.p, z.len, w, n);
    z.p[8] = (unsigned char)n, z.p[9] = 0;

    all_truncations_bad(pk_ziplist_each, z.p, 2000); /* every truncation of the head */
    for (size_t k = z.len - 300; k < z.len; k++)
        read_bad(pk_ziplist_each, z.p, k);

    zl_bad(&z, 8, (unsigned char)(n + 1)); /* count */
    zl_bad(&z, 8, (unsigned char)(n - 1));
    zl_bad(&z, 4, (unsigned char)(z.p[4] + 1)); /* zltail */
    zl_bad(&z, 0, (unsigned char)(z.p[0] + 1)); /* zlbytes */
    zl_bad(&z, z.len - 1, 0);                   /* terminator */
    zl_bad(&z, 10, 1);                          /* first prevlen must be 0 */
    zl_bad(&z, 11, 0x01);                       /* "" becomes 1 byte: chain breaks */
    zl_bad(&z, 10, 0xFF);                       /* terminator at the first entry */
    zl_bad(&z, 10, 0xFE);                       /* 5-byte prevlen reading the entry */
    zl_bad(&z, 13, 0x06);                       /* "hello" claims 6 bytes */
    free(z.p);

    /* every encoding byte of a 2-byte entry: only "" and the immediates fit */
    for (unsigned c = 0; c < 256; c++) {
        unsigned char zl[] = {13, 0, 0, 0, 10, 0, 0, 0, 1, 0, 0, (unsigned char)c, 0xFF};
        if (c == 0) {
            want w1 = S("");
            read_ok(pk_ziplist_each, zl, sizeof(zl), &w1, 1);
        } else if (c >= 0xF1 && c <= 0xFD) {
            want w1 = I((long long)c - 0xF1);
            read_ok(pk_ziplist_each, zl, sizeof(zl), &w1, 1);
        } else {
            read_bad(pk_ziplist_each, zl, sizeof(zl));
        }
    }
    /* strings with a 32-bit length must use exactly 0x80 */
    unsigned char zs[] = {17, 0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0x80, 0, 0, 0, 0, 0xFF};
    want we = S("");
    read_ok(pk_ziplist_each, zs, sizeof(zs), &we, 1);
    zs[11] = 0x81;
    read_bad(pk_ziplist_each, zs, sizeof(zs));

    /* the empty ziplist: zltail is the header size */
    static const unsigned char empty[] = {11, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0xFF};
    read_ok(pk_ziplist_each, empty, sizeof(empty), NULL, 0);
    unsigned char e2[sizeof(empty)];
    memcpy(e2, empty, sizeof(e2));
    e2[4] = 11;
    read_bad(pk_ziplist_each, e2, sizeof(e2));
    all_truncations_bad(pk_ziplist_each, empty, sizeof(empty));

    /* a 32-bit string length near 4 GiB */
    static const unsigned char huge[] = {16, 0, 0,    0,    10,   0,    0,    0,
                                         1,  0, 0x00, 0x80, 0xFF, 0xFF, 0xFF, 0xFF};
    read_bad(pk_ziplist_each, huge, sizeof(huge));
    free(s300);
}

/* ---- intset -------------------------------------------------------------------- */

static void test_intset_redis(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        want w[4];
        size_t n;
    } cases[] = {
        /* SADD s16 3 1 2 -7 */
        {"0200000004000000f9ff010002000300", {I(-7), I(1), I(2), I(3)}, 4},
        /* SADD s32 70000 -5 1 */
        {"0400000003000000fbffffff0100000070110100", {I(-5), I(1), I(70000)}, 3},
        /* SADD s64 5000000000 -1 0 */
        {"0800000003000000ffffffffffffffff000000000000000000f2052a01000000",
         {I(-1), I(0), I(5000000000LL)},
         3},
        /* SADD sdown 1 5000000000; SREM sdown 5000000000: stays 8 bytes wide */
        {"08000000010000000100000000000000", {I(1)}, 1},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        unsigned char blob[64];
        size_t len = unhex(cases[i].hex, blob);
        read_ok(pk_intset_each, blob, len, cases[i].w, cases[i].n);
        all_truncations_bad(pk_intset_each, blob, len);
    }
}

static void intset_bad(const char *hex)
{
    unsigned char blob[64];
    size_t len = unhex(hex, blob);
    read_bad(pk_intset_each, blob, len);
}

static void test_intset_malformed(void **state)
{
    (void)state;
    intset_bad("0200000003000000010003000200"); /* unsorted */
    intset_bad("0200000003000000010002000200"); /* duplicate */
    intset_bad("02000000020000000100ffff");     /* -1 after 1 */
    intset_bad("0300000001000000010000");       /* width 3 */
    intset_bad("0000000000000000");             /* width 0 */
    intset_bad("1000000001000000"
               "01000000000000000000000000000000"); /* 16 */
    intset_bad("01000000010000000100");             /* width 1 */
    intset_bad("020000000300000001000200");         /* count too big */
    intset_bad("0200000001000000010002000300");     /* count too small */
    intset_bad("0200000001000000010002");           /* odd tail */
    intset_bad("02000000ffffffff0100");             /* huge count */
    intset_bad("0800000001000000010000000000");     /* short value */
    /* widths and counts whose products overflow 32 bits */
    intset_bad("0800000000000020");
    /* the empty intset is well-formed */
    static const unsigned char empty[] = {2, 0, 0, 0, 0, 0, 0, 0};
    read_ok(pk_intset_each, empty, sizeof(empty), NULL, 0);
    /* extremes, sorted */
    unsigned char b[8 + 24] = {8, 0, 0, 0, 3, 0, 0, 0};
    memset(b + 8, 0, 24);
    b[15] = 0x80; /* LLONG_MIN */
    memset(b + 24, 0xFF, 8);
    b[31] = 0x7F; /* LLONG_MAX */
    static const want w[] = {I(LLONG_MIN), I(0), I(LLONG_MAX)};
    read_ok(pk_intset_each, b, sizeof(b), w, 3);
}

/* ---- zipmap -------------------------------------------------------------------- */

static void zm_len(buf *b, size_t len)
{
    if (len < 254) {
        buf_putc(b, (char)len);
        return;
    }
    unsigned char l[5] = {254};
    put32(l + 1, (uint32_t)len);
    buf_append(b, l, 5);
}

static void zm_pair(buf *b, const char *k, size_t kl, const char *v, size_t vl,
                    unsigned free_)
{
    zm_len(b, kl);
    buf_append(b, k, kl);
    zm_len(b, vl);
    buf_putc(b, (char)free_);
    buf_append(b, v, vl);
    for (unsigned i = 0; i < free_; i++)
        buf_putc(b, '#');
}

static void test_zipmap(void **state)
{
    (void)state;
    char *big = malloc(300);
    memset(big, 'K', 300);
    buf b = BUF_INIT;
    buf_putc(&b, 3);
    zm_pair(&b, "foo", 3, "bar", 3, 0);
    zm_pair(&b, "hello", 5, "world", 5, 4);
    zm_pair(&b, big, 300, "", 0, 2); /* 5-byte length */
    buf_putc(&b, (char)0xFF);
    want w[] = {S("foo"), S("bar"), S("hello"), S("world"), {0, 0, big, 300}, S("")};
    read_ok(pk_zipmap_each, b.p, b.len, w, 6);
    all_truncations_bad(pk_zipmap_each, (unsigned char *)b.p, b.len);

    unsigned char *c = malloc(b.len);
    memcpy(c, b.p, b.len);
    c[0] = 254; /* unknown: counted */
    read_ok(pk_zipmap_each, c, b.len, w, 6);
    c[0] = 255;
    read_ok(pk_zipmap_each, c, b.len, w, 6);
    c[0] = 2; /* wrong count */
    read_bad(pk_zipmap_each, c, b.len);
    c[0] = 4;
    read_bad(pk_zipmap_each, c, b.len);
    c[0] = 3;
    c[1] = 4; /* key "foo\x03" then garbage */
    read_bad(pk_zipmap_each, c, b.len);
    memcpy(c, b.p, b.len);
    c[333] = 3; /* the last value's free bytes run over the terminator */
    read_bad(pk_zipmap_each, c, b.len);
    memcpy(c, b.p, b.len);
    c[5] = 0xFF; /* value length is the terminator */
    read_bad(pk_zipmap_each, c, b.len);
    memcpy(c, b.p, b.len);
    c[b.len - 1] = 0; /* no terminator */
    read_bad(pk_zipmap_each, c, b.len);
    memcpy(c, b.p, b.len);
    c[b.len - 3] = 0xFF; /* a terminator inside the free bytes: data, not the end */
    read_ok(pk_zipmap_each, c, b.len, w, 6);
    free(c);

    /* a key without its value */
    static const unsigned char lone[] = {1, 1, 'k', 0xFF};
    read_bad(pk_zipmap_each, lone, sizeof(lone));
    /* free running past the end */
    static const unsigned char over[] = {1, 1, 'k', 1, 9, 'v', 0xFF};
    read_bad(pk_zipmap_each, over, sizeof(over));
    /* a huge length */
    static const unsigned char huge[] = {1, 254, 0xFF, 0xFF, 0xFF, 0xFF, 'k', 0xFF};
    read_bad(pk_zipmap_each, huge, sizeof(huge));
    /* empty */
    static const unsigned char empty[] = {0, 0xFF};
    read_ok(pk_zipmap_each, empty, sizeof(empty), NULL, 0);
    read_bad(pk_zipmap_each, empty, 1);
    buf_free(&b);
    free(big);
}

/* ---- callbacks ----------------------------------------------------------------- */

static void test_callback_stop(void **state)
{
    (void)state;
    unsigned char blob[700];
    size_t len = unhex(redis_hash_hex, blob);
    got g = {.stop_at = 3};
    size_t count = 0;
    assert_int_equal(pk_listpack_each(blob, len, collect, &g, &count), 7);
    assert_int_equal(g.n, 3);
    assert_int_equal(count, N_OF(redis_hash_entries)); /* the whole blob's count */
    got_free(&g);
    static const unsigned char is[] = {2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0};
    g.stop_at = 1;
    assert_int_equal(pk_intset_each(is, sizeof(is), collect, &g, NULL), 7);
    assert_int_equal(g.n, 1);
    got_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lp_redis_hash),
        cmocka_unit_test(test_lp_redis_zset),
        cmocka_unit_test(test_lp_redis_list),
        cmocka_unit_test(test_lp_redis_long_strings),
        cmocka_unit_test(test_lp_redis_many),
        cmocka_unit_test(test_lp_int_boundaries),
        cmocka_unit_test(test_lp_noncanonical_strings),
        cmocka_unit_test(test_lp_string_boundaries),
        cmocka_unit_test(test_lp_count_saturation),
        cmocka_unit_test(test_lp_writer_reuse_and_limit),
        cmocka_unit_test(test_lp_truncations),
        cmocka_unit_test(test_lp_corruptions),
        cmocka_unit_test(test_lp_noncanonical_encodings),
        cmocka_unit_test(test_lp_all_encodings),
        cmocka_unit_test(test_ziplist),
        cmocka_unit_test(test_intset_redis),
        cmocka_unit_test(test_intset_malformed),
        cmocka_unit_test(test_zipmap),
        cmocka_unit_test(test_callback_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
