/* tests/unit/test_util.c — core/util: Redis's number rules, byte units, PRNG.
 *
 * Expected strings marked "redis 7.0" were taken from a real redis-server
 * 7.0.15 (INCRBY / INCRBYFLOAT / ZADD+ZSCORE / CONFIG SET maxmemory).
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
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

#include "core/util.h"

/* Copies s to the very end of a readable page followed by an unreadable one, so
 * that reading one byte past it faults. */
typedef struct guard {
    char *map;
    size_t page;
} guard;

static char *guard_put(guard *g, const char *s, size_t len)
{
    g->page = (size_t)sysconf(_SC_PAGESIZE);
    assert_true(len <= g->page);
    g->map = mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    assert_true(g->map != MAP_FAILED);
    assert_int_equal(mprotect(g->map + g->page, g->page, PROT_NONE), 0);
    char *p = g->map + g->page - len;
    memcpy(p, s, len);
    return p;
}

static void guard_free(guard *g)
{
    munmap(g->map, 2 * g->page);
}

/* ---- integers ---- */

static int ll_ok(const char *s, long long *v)
{
    guard g;
    size_t n = strlen(s);
    char *p = guard_put(&g, s, n);
    int ok = util_str2ll(p, n, v);
    guard_free(&g);
    return ok;
}

static void test_str2ll(void **state)
{
    (void)state;
    long long v;
    static const char *bad[] = {"",
                                "+1",
                                " 1",
                                "1 ",
                                "01",
                                "-0",
                                "-",
                                "--1",
                                "1a",
                                "a",
                                "9223372036854775808",
                                "-9223372036854775809",
                                "99999999999999999999",
                                "1.0",
                                "0x10",
                                "00",
                                "-01",
                                "\t1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 12345;
        assert_int_equal(ll_ok(bad[i], &v), 0);
        assert_int_equal(v, 12345); /* untouched on failure */
    }
    assert_true(ll_ok("0", &v));
    assert_int_equal(v, 0);
    assert_true(ll_ok("-1", &v));
    assert_int_equal(v, -1);
    assert_true(ll_ok("9223372036854775807", &v));
    assert_true(v == LLONG_MAX);
    assert_true(ll_ok("-9223372036854775808", &v));
    assert_true(v == LLONG_MIN);
    assert_true(ll_ok("1234567890", &v));
    assert_int_equal(v, 1234567890);
    /* Only len bytes count. */
    assert_true(util_str2ll("123xyz", 3, &v));
    assert_int_equal(v, 123);
    assert_false(util_str2ll("1\0", 2, &v));
}

static void test_str2ull(void **state)
{
    (void)state;
    unsigned long long v;
    assert_true(util_str2ull("18446744073709551615", 20, &v));
    assert_true(v == ULLONG_MAX);
    assert_false(util_str2ull("18446744073709551616", 20, &v));
    assert_false(util_str2ull("-1", 2, &v));
    assert_false(util_str2ull("+1", 2, &v));
    assert_false(util_str2ull("01", 2, &v));
    assert_false(util_str2ull("", 0, &v));
    assert_false(util_str2ull("123456789012345678901", 21, &v));
    assert_true(util_str2ull("0", 1, &v));
    assert_true(v == 0);
}

static void test_ll2str(void **state)
{
    (void)state;
    char b[32];
    static const long long vals[] = {
        0,    1,  9,   10,       99,        100,       101,           999,
        1000, -1, -10, 12345678, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1, 1000000000000LL};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        char want[32];
        int wn = snprintf(want, sizeof(want), "%lld", vals[i]);
        assert_int_equal(util_ll2str(b, sizeof(b), vals[i]), wn);
        assert_string_equal(b, want);
        long long back;
        assert_true(util_str2ll(b, (size_t)wn, &back));
        assert_true(back == vals[i]);
    }
    assert_int_equal(util_ll2str(b, 21, LLONG_MIN), 20); /* 21 bytes always suffice */
    assert_int_equal(util_ll2str(b, 3, 123), 0);         /* no room for the NUL */
    assert_int_equal(util_ll2str(b, 4, 123), 3);
    assert_int_equal(util_ull2str(b, 21, ULLONG_MAX), 20);
    assert_string_equal(b, "18446744073709551615");
    assert_int_equal(util_ull2str(b, 2, 10), 0);
    assert_int_equal(util_ull2str(b, sizeof(b), 0), 1);
    assert_string_equal(b, "0");
}

/* ---- doubles ---- */

static void test_str2d(void **state)
{
    (void)state;
    double d;
    static const struct {
        const char *s;
        double v;
    } good[] = {{"1.5", 1.5},       {"inf", INFINITY},
                {"+inf", INFINITY}, {"-inf", -INFINITY},
                {"INF", INFINITY},  {"-Infinity", -INFINITY},
                {"0x10", 16},       {"+5", 5},
                {".5", 0.5},        {"5.", 5},
                {"-0", -0.0},       {"1e308", 1e308},
                {"3", 3},           {"1e-5", 1e-5}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        guard g;
        size_t n = strlen(good[i].s);
        char *p = guard_put(&g, good[i].s, n);
        assert_true(util_str2d(p, n, &d));
        assert_true(d == good[i].v);
        guard_free(&g);
    }
    /* Denormal: ERANGE but not zero, accepted as Redis does (redis 7.0). */
    assert_true(util_str2d("4e-320", 6, &d));
    assert_true(d > 0 && d < 1e-300);
    static const char *bad[] = {"",       " 1",     "1 ",  "nan",  "NaN", "-nan", "1e400",
                                "-1e400", "1e-400", "abc", "1.5x", "\t1", "1,5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        d = 42;
        assert_false(util_str2d(bad[i], strlen(bad[i]), &d));
        assert_true(d == 42);
    }
    assert_false(util_str2d("1\0"
                            "2",
                            3, &d));           /* embedded NUL */
    assert_true(util_str2d("2.5junk", 3, &d)); /* counted, not NUL-terminated */
    assert_true(d == 2.5);
    /* Long input goes through the heap copy. */
    char longs[400];
    memset(longs, '0', sizeof(longs));
    longs[1] = '.';
    longs[102] = '1'; /* "0." 100 zeros "1" then 297 zeros: 1e-101 */
    assert_true(util_str2d(longs, sizeof(longs), &d));
    assert_true(d > 0.99e-101 && d < 1.01e-101);
    longs[102] = '0'; /* all zeros: 0, no ERANGE */
    assert_true(util_str2d(longs, sizeof(longs), &d));
    assert_true(d == 0);
}

static void test_str2ld(void **state)
{
    (void)state;
    long double v;
    assert_true(util_str2ld("10.5", 4, &v));
    assert_true(v == 10.5L);
    assert_true(util_str2ld("0x10", 4, &v)); /* redis 7.0: INCRBYFLOAT f 0x10 -> 16 */
    assert_true(v == 16.0L);
    assert_true(util_str2ld("inf", 3, &v)); /* the command refuses it afterwards */
    assert_true(isinf(v));
    assert_true(util_str2ld("1e4000", 6, &v));  /* fits a long double */
    assert_false(util_str2ld("1e5000", 6, &v)); /* redis 7.0: not a valid float */
    assert_false(util_str2ld("1e-5000", 7, &v));
    assert_false(util_str2ld(" 1", 2, &v));
    assert_false(util_str2ld("1 ", 2, &v));
    assert_false(util_str2ld("", 0, &v));
    assert_false(util_str2ld("nan", 3, &v));
    assert_false(util_str2ld("1\0", 2, &v));
    char big[5200];
    memset(big, '1', sizeof(big));
    assert_false(util_str2ld(big, 5119, &v)); /* 1e5118 overflows */
    assert_false(util_str2ld(big, 5120, &v)); /* at most 5k characters */
    big[0] = '0';
    big[1] = '.';
    assert_true(util_str2ld(big, 5119, &v));
}

static void d2s(double d, const char *want)
{
    char b[64];
    int n = util_d2str(b, sizeof(b), d);
    assert_string_equal(b, want);
    assert_int_equal(n, (int)strlen(want));
}

static void test_d2str(void **state)
{
    (void)state;
    d2s(1.5, "1.5"); /* redis 7.0 ZSCORE */
    d2s(0.1, "0.10000000000000001");
    d2s(3, "3");
    d2s(-0.0, "-0");
    d2s(0.0, "0");
    d2s(1e20, "1e+20");
    d2s(1e17, "1e+17");
    d2s(1e16, "10000000000000000");
    d2s(99999999999999999.0, "1e+17");
    d2s(-12345, "-12345");
    d2s(INFINITY, "inf");
    d2s(-INFINITY, "-inf");
    d2s(NAN, "nan");
    d2s(-NAN, "nan");
    d2s(1e-5, "1.0000000000000001e-05");
    d2s(123456789.123456789, "123456789.12345679");
    d2s(4e-320, "3.999955468730732e-320");
    d2s(2.2250738585072014e-308, "2.2250738585072014e-308");
    d2s(1.7976931348623157e308, "1.7976931348623157e+308");
    d2s(-1.7976931348623157e308, "-1.7976931348623157e+308");
    d2s(9007199254740993.0, "9007199254740992");
    /* The integer fast path agrees with "%.17g" everywhere. */
    for (int i = 0; i < 200000; i++) {
        double d;
        uint64_t r = util_rand64();
        switch (i % 4) {
        case 0:
            memcpy(&d, &r, sizeof(d));
            break;
        case 1:
            d = (double)(int64_t)r / (double)(1ULL << (r & 63));
            break;
        case 2:
            d = (double)((int64_t)r >> (r & 63));
            break;
        default:
            d = (double)(int64_t)(r % 200001) - 100000;
            break;
        }
        if (isnan(d)) continue;
        char want[64], got[64];
        snprintf(want, sizeof(want), "%.17g", d);
        util_d2str(got, sizeof(got), d);
        assert_string_equal(got, want);
    }
    char small[4];
    assert_int_equal(util_d2str(small, sizeof(small), 0.1), 0);
    assert_int_equal(util_d2str(small, sizeof(small), 123), 3);
}

static void ld2s(long double v, const char *want)
{
    char b[5600];
    int n = util_ld2str(b, sizeof(b), v);
    assert_string_equal(b, want);
    assert_int_equal(n, (int)strlen(want));
}

static long double ld(const char *s)
{
    long double v = 0;
    assert_true(util_str2ld(s, strlen(s), &v));
    return v;
}

static void test_ld2str(void **state)
{
    (void)state;
    /* INCRBYFLOAT, as redis 7.0 answers. */
    ld2s(ld("10.5") + ld("0.1"), "10.6");
    ld2s(ld("0") + ld("3.0e3"), "3000");
    ld2s(ld("5.0e3") + ld("0"), "5000");
    ld2s(ld("0") + ld("-1e-20"), "0");
    ld2s(ld("1") + ld("-1"), "0");
    ld2s(ld("-0.0") + ld("-0.0"), "0");
    ld2s(ld("0") + ld("0.1"), "0.1");
    ld2s(ld("0.1") + ld("1.5e-7"), "0.10000015");
    ld2s(ld("12345678901234567890") + ld("0.10000015"), "12345678901234567890");
    ld2s(ld("-2.5"), "-2.5");
    ld2s(ld("0") + ld("1e300"),
         "1000000000000000000008997324079559193870523944273290747938260082321265646596180"
         "935"
         "7558491520837504971903503725086142748359035925561846729839130962605207486462873"
         "271"
         "3564184365329408425510760601678972665293237003055138294762099454029477278188962"
         "060"
         "6179267611627097410650567187386105690089424915104006144");
    char b[5600];
    assert_int_equal(util_ld2str(b, sizeof(b), ld("1.7976931348623157e308")), 309);
    assert_int_equal(util_ld2str(b, sizeof(b), (long double)INFINITY), 0);
    assert_int_equal(util_ld2str(b, sizeof(b), -(long double)INFINITY), 0);
    assert_int_equal(util_ld2str(b, sizeof(b), (long double)NAN), 0);
    assert_int_equal(util_ld2str(b, 8, ld("10.5")),
                     0); /* "10.50000000000000000" needs 21 */
    /* The largest long double fits in 5600 bytes. */
    assert_true(util_ld2str(b, sizeof(b), ld("1.18e4932")) > 4900);
}

/* ---- memory units and human bytes ---- */

static void test_memtoull(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        unsigned long long v;
    } good[] = {{"1024", 1024},
                {"1k", 1000},
                {"1kb", 1024},
                {"1K", 1000},
                {"1KB", 1024},
                {"1kB", 1024},
                {"1m", 1000000},
                {"1mb", 1048576},
                {"1g", 1000000000},
                {"1gb", 1073741824},
                {"2GB", 2147483648ULL},
                {"1b", 1},
                {"1B", 1},
                {"007", 7},
                {"0", 0},
                {"18446744073709551615", ULLONG_MAX},
                {"17179869183gb", 17179869183ULL * 1073741824ULL}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        unsigned long long v = 1;
        assert_true(util_memtoull(good[i].s, strlen(good[i].s), &v));
        assert_true(v == good[i].v);
    }
    /* Redis 7.0 reads "" and "kb" as 0, saturates 2^64 and wraps 2^34gb; we refuse. */
    static const char *bad[] = {"",
                                "kb",
                                "-1",
                                "1 ",
                                " 1",
                                "1.5k",
                                "1t",
                                "1kbb",
                                "k1",
                                "18446744073709551616",
                                "17179869184gb",
                                "1e3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned long long v = 77;
        assert_false(util_memtoull(bad[i], strlen(bad[i]), &v));
        assert_true(v == 77);
    }
    unsigned long long v;
    assert_true(util_memtoull("10mbXX", 4, &v)); /* counted string */
    assert_true(v == 10485760);
}

static void human(unsigned long long n, const char *want)
{
    char b[64];
    util_bytes_human(b, sizeof(b), n);
    assert_string_equal(b, want);
}

static void test_bytes_human(void **state)
{
    (void)state;
    human(0, "0B");
    human(800, "800B");
    human(1023, "1023B");
    human(1024, "1.00K");
    human(1536, "1.50K");
    human(1024ULL * 1024 - 1, "1024.00K");
    human(1024ULL * 1024, "1.00M");
    human(13107200, "12.50M");
    human(1024ULL * 1024 * 1024 * 3, "3.00G");
    human(1024ULL * 1024 * 1024 * 1024, "1.00T");
    human(1024ULL * 1024 * 1024 * 1024 * 1024, "1.00P");
    human(1024ULL * 1024 * 1024 * 1024 * 1024 * 1024, "1152921504606846976B");
    char b[4];
    util_bytes_human(b, sizeof(b), 123456); /* truncates, never overflows */
    assert_int_equal(strlen(b), 3);
}

/* ---- random numbers ---- */

static void *rand_thread(void *arg)
{
    uint64_t *out = arg;
    for (int i = 0; i < 4; i++)
        out[i] = util_rand64();
    return NULL;
}

static void test_rand64(void **state)
{
    (void)state;
    uint64_t a = util_rand64(), b = util_rand64();
    assert_true(a != b);
    /* Each bit is set about half the time. */
    int ones[64] = {0};
    const int N = 20000;
    for (int i = 0; i < N; i++) {
        uint64_t r = util_rand64();
        for (int k = 0; k < 64; k++)
            ones[k] += (int)((r >> k) & 1);
    }
    for (int k = 0; k < 64; k++)
        assert_true(ones[k] > N * 45 / 100 && ones[k] < N * 55 / 100);
    /* Threads get different streams. */
    uint64_t t1[4], t2[4];
    pthread_t p1, p2;
    pthread_create(&p1, NULL, rand_thread, t1);
    pthread_create(&p2, NULL, rand_thread, t2);
    pthread_join(p1, NULL);
    pthread_join(p2, NULL);
    assert_memory_not_equal(t1, t2, sizeof(t1));
}

static void test_eq_nocase(void **state)
{
    (void)state;
    assert_true(util_eq_nocase("GET", 3, "get"));
    assert_true(util_eq_nocase("gEt", 3, "GeT"));
    assert_true(util_eq_nocase("", 0, ""));
    assert_false(util_eq_nocase("GE", 2, "get"));
    assert_false(util_eq_nocase("GETX", 4, "get"));
    assert_false(util_eq_nocase("GETX", 3, "ge"));
    assert_true(util_eq_nocase("GETX", 3, "get"));
    assert_false(util_eq_nocase("[", 1, "{")); /* '[' | 0x20 == '{': only letters fold */
    assert_false(util_eq_nocase("@", 1, "`"));
    assert_false(util_eq_nocase("g\0t", 3, "g"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str2ll),      cmocka_unit_test(test_str2ull),
        cmocka_unit_test(test_ll2str),      cmocka_unit_test(test_str2d),
        cmocka_unit_test(test_str2ld),      cmocka_unit_test(test_d2str),
        cmocka_unit_test(test_ld2str),      cmocka_unit_test(test_memtoull),
        cmocka_unit_test(test_bytes_human), cmocka_unit_test(test_rand64),
        cmocka_unit_test(test_eq_nocase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
