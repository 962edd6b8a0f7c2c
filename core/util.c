/* core/util.c — see util.h.
 *
 * The number parsers follow Redis's rules byte for byte because clients see the
 * difference: INCR on "01" or "+1" must fail, ZADD must accept "0x10" and
 * "inf", INCRBYFLOAT must print "10.6" and not "10.59999999999999964". Every
 * function takes (pointer, length); the ones that need libc's strtod copy the
 * bytes into a NUL-terminated scratch buffer first (on the stack when short).
 *
 * Deliberate differences from Redis 7.0 (stricter, never more permissive):
 * util_memtoull refuses "" / "kb" (Redis reads them as 0) and refuses values
 * that overflow 64 bits (Redis saturates or wraps them).
 */
#include "core/util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"

/* ---- integers ---- */

/* Strict unsigned digits: no sign, no leading zero unless "0", no overflow. */
static int parse_udigits(const char *s, size_t len, unsigned long long *out)
{
    if (len == 0 || len > 20) return 0;
    if (s[0] == '0') {
        if (len != 1) return 0;
        *out = 0;
        return 1;
    }
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9) return 0;
        if (v > (ULLONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

int util_str2ll(const char *s, size_t len, long long *out)
{
    unsigned long long u;
    if (len == 0) return 0;
    if (s[0] == '-') {
        if (len < 2 || s[1] == '0') return 0; /* "-" and "-0..." */
        if (!parse_udigits(s + 1, len - 1, &u)) return 0;
        if (u > (unsigned long long)LLONG_MAX + 1) return 0;
        *out = u == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)u;
        return 1;
    }
    if (!parse_udigits(s, len, &u) || u > (unsigned long long)LLONG_MAX) return 0;
    *out = (long long)u;
    return 1;
}

int util_str2ull(const char *s, size_t len, unsigned long long *out)
{
    return parse_udigits(s, len, out);
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes the digits of v ending just before end; returns the start. */
static char *udigits_back(char *end, unsigned long long v)
{
    char *p = end;
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = digit_pairs[i + 1];
        *--p = digit_pairs[i];
    }
    if (v >= 10) {
        unsigned i = (unsigned)v * 2;
        *--p = digit_pairs[i + 1];
        *--p = digit_pairs[i];
    } else {
        *--p = (char)('0' + v);
    }
    return p;
}

static int emit(char *dst, size_t size, const char *p, size_t n)
{
    if (n + 1 > size) return 0;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return (int)n;
}

int util_ull2str(char *dst, size_t size, unsigned long long v)
{
    char tmp[24];
    char *p = udigits_back(tmp + sizeof(tmp), v);
    return emit(dst, size, p, (size_t)(tmp + sizeof(tmp) - p));
}

int util_ll2str(char *dst, size_t size, long long v)
{
    char tmp[24];
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    char *p = udigits_back(tmp + sizeof(tmp), u);
    if (v < 0) *--p = '-';
    return emit(dst, size, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* ---- floating point ---- */

#define LD_MAX_CHARS (5 * 1024) /* Redis's MAX_LONG_DOUBLE_CHARS */

static int is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

int util_str2d(const char *s, size_t len, double *out)
{
    char stack[128];
    if (len == 0 || is_space(s[0])) return 0;
    if (memchr(s, '\0', len)) return 0; /* strtod would stop there */
    char *tmp = len < sizeof(stack) ? stack : mem_alloc(len + 1);
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    int ok = (size_t)(end - tmp) == len && !isnan(v) &&
             !(errno == ERANGE && (isinf(v) || v == 0.0));
    if (tmp != stack) mem_free(tmp);
    if (ok) *out = v;
    return ok;
}

int util_str2ld(const char *s, size_t len, long double *out)
{
    char tmp[LD_MAX_CHARS];
    if (len == 0 || len >= sizeof(tmp) || is_space(s[0])) return 0;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    long double v = strtold(tmp, &end);
    if ((size_t)(end - tmp) != len || isnan(v)) return 0;
    if (errno == ERANGE && (isinf(v) || v == 0.0L)) return 0;
    *out = v;
    return 1;
}

int util_d2str(char *dst, size_t size, double v)
{
    if (isnan(v)) return emit(dst, size, "nan", 3);
    if (isinf(v)) return v > 0 ? emit(dst, size, "inf", 3) : emit(dst, size, "-inf", 4);
    /* Fast path: integral values below 1e17 print as plain integers under
     * "%.17g" (17 significant digits, no exponent). -0.0 keeps its sign. */
    if (v > -1e17 && v < 1e17 && v == (double)(long long)v && !(v == 0 && signbit(v)))
        return util_ll2str(dst, size, (long long)v);
    int n = snprintf(dst, size, "%.17g", v);
    if (n < 0 || (size_t)n >= size) {
        if (size) dst[0] = '\0';
        return 0;
    }
    return n;
}

int util_ld2str(char *dst, size_t size, long double v)
{
    if (isnan(v) || isinf(v)) return 0;
    int n = snprintf(dst, size, "%.17Lf", v);
    if (n < 0 || (size_t)n >= size) {
        if (size) dst[0] = '\0';
        return 0;
    }
    /* "%.17Lf" always prints a '.', then 17 digits: drop trailing zeros, then
     * the '.' if nothing is left after it. */
    if (memchr(dst, '.', (size_t)n)) {
        while (dst[n - 1] == '0')
            n--;
        if (dst[n - 1] == '.') n--;
    }
    if (n == 2 && dst[0] == '-' && dst[1] == '0') { /* -0.000...01 rounds to "-0" */
        dst[0] = '0';
        n = 1;
    }
    dst[n] = '\0';
    return n;
}

/* ---- memory units ---- */

int util_eq_nocase(const char *s, size_t len, const char *cstr)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char a = (unsigned char)s[i], b = (unsigned char)cstr[i];
        if (b == 0) return 0;
        if ((unsigned)(a - 'A') < 26u) a |= 0x20;
        if ((unsigned)(b - 'A') < 26u) b |= 0x20;
        if (a != b) return 0;
    }
    return cstr[len] == '\0';
}

int util_memtoull(const char *s, size_t len, unsigned long long *out)
{
    size_t nd = 0;
    while (nd < len && (unsigned)(s[nd] - '0') < 10u)
        nd++;
    if (nd == 0 || nd > 20) return 0;
    const char *u = s + nd;
    size_t ulen = len - nd;
    unsigned long long mul;
    if (ulen == 0 || util_eq_nocase(u, ulen, "b"))
        mul = 1;
    else if (util_eq_nocase(u, ulen, "k"))
        mul = 1000ULL;
    else if (util_eq_nocase(u, ulen, "kb"))
        mul = 1024ULL;
    else if (util_eq_nocase(u, ulen, "m"))
        mul = 1000ULL * 1000;
    else if (util_eq_nocase(u, ulen, "mb"))
        mul = 1024ULL * 1024;
    else if (util_eq_nocase(u, ulen, "g"))
        mul = 1000ULL * 1000 * 1000;
    else if (util_eq_nocase(u, ulen, "gb"))
        mul = 1024ULL * 1024 * 1024;
    else
        return 0;
    /* Leading zeros are fine here ("007"), unlike util_str2ull. */
    unsigned long long v = 0;
    for (size_t i = 0; i < nd; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (v > ULLONG_MAX / mul) return 0;
    *out = v * mul;
    return 1;
}

void util_bytes_human(char *dst, size_t size, unsigned long long n)
{
    static const char units[] = "KMGTP";
    unsigned long long unit = 1024; /* 1024^(i+1) for units[i] */
    if (n < 1024) {
        snprintf(dst, size, "%lluB", n);
        return;
    }
    for (int i = 0; i < 5; i++, unit *= 1024) {
        if (n / unit < 1024) {
            snprintf(dst, size, "%.2f%c", (double)n / (double)unit, units[i]);
            return;
        }
    }
    snprintf(dst, size, "%lluB", n); /* 1024P and more: raw bytes, as Redis */
}

/* ---- random numbers: xoshiro256** per thread, seeded by splitmix64 ---- */

static _Thread_local uint64_t rng_s[4];
static _Thread_local int rng_seeded;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    clock_gettime(CLOCK_REALTIME, &ts);
    x ^= ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec;
    x ^= (uint64_t)(uintptr_t)&rng_s ^ ((uint64_t)pthread_self() << 17);
    for (int i = 0; i < 4; i++)
        rng_s[i] = splitmix64(&x);
    rng_seeded = 1;
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t util_rand64(void)
{
    if (__builtin_expect(!rng_seeded, 0)) rng_seed();
    uint64_t *s = rng_s;
    uint64_t r = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}
