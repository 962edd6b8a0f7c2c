/* tests/unit/test_glob.c — unit tests for core/glob.c.
 *
 * Fixed cases pin Redis's pattern semantics (checked against redis-server 7.0
 * with PSUBSCRIBE/PUBLISH); a randomized test compares glob_match with a small
 * recursive reference written from the same rules; adversarial patterns must
 * finish in linear-ish time. Patterns and strings are copied to the end of a
 * heap block of exactly their size, so ASan catches any over-read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ctype.h>

#include <cmocka.h>

#include "core/glob.h"

/* Calls glob_match on exact-size heap copies (no NUL after the bytes). */
static int gm_n(const char *p, size_t plen, const char *s, size_t slen, int nocase)
{
    char *pc = malloc(plen ? plen : 1), *sc = malloc(slen ? slen : 1);
    memcpy(pc, p, plen);
    memcpy(sc, s, slen);
    int r = glob_match(pc, plen, sc, slen, nocase);
    free(pc);
    free(sc);
    return r;
}

static int gm(const char *p, const char *s)
{
    return gm_n(p, strlen(p), s, strlen(s), 0);
}

static int gmi(const char *p, const char *s)
{
    return gm_n(p, strlen(p), s, strlen(s), 1);
}

static void test_literals(void **state)
{
    (void)state;
    assert_true(gm("", ""));
    assert_false(gm("", "a"));
    assert_false(gm("a", ""));
    assert_true(gm("abc", "abc"));
    assert_false(gm("abc", "abd"));
    assert_false(gm("abc", "ab"));
    assert_false(gm("ab", "abc"));
    assert_false(gm("abc", "ABC"));
    assert_true(gmi("abc", "ABC"));
    assert_true(gmi("AbC", "aBc"));
}

static void test_star(void **state)
{
    (void)state;
    assert_true(gm("*", "x"));
    assert_true(gm("*", "anything at all"));
    assert_false(gm("*", "")); /* Redis: the empty string matches only "" */
    assert_false(gm("**", ""));
    assert_true(gm("a*", "a"));
    assert_true(gm("a**", "a"));
    assert_true(gm("a*", "abc"));
    assert_false(gm("a*", "ba"));
    assert_true(gm("*c", "abc"));
    assert_true(gm("*c", "c"));
    assert_false(gm("*c", "abd"));
    assert_true(gm("a*c", "ac"));
    assert_true(gm("a*c", "abbbc"));
    assert_true(gm("a*c", "acbc"));
    assert_false(gm("a*c", "acb"));
    assert_true(gm("a*b*c", "aXbYc"));
    assert_true(gm("a*b*c", "abc"));
    assert_true(gm("a*b*c", "abbbcbc"));
    assert_false(gm("a*b*c", "acb"));
    assert_true(gm("*a*", "bab"));
    assert_true(gm("h*llo", "hello"));
    assert_true(gm("h*llo", "hllo"));
    assert_true(gm("user:*:name", "user:1000:name"));
    assert_false(gm("user:*:name", "user:1000:names"));
}

static void test_question(void **state)
{
    (void)state;
    assert_true(gm("?", "a"));
    assert_false(gm("?", ""));
    assert_false(gm("?", "ab"));
    assert_true(gm("h?llo", "hello"));
    assert_true(gm("h?llo", "hallo"));
    assert_false(gm("h?llo", "hllo"));
    assert_true(gm("*?", "a"));
    assert_true(gm("?*", "a"));
    assert_false(gm("??*", "a"));
    assert_true(gm("*??", "abc"));
}

static void test_classes(void **state)
{
    (void)state;
    assert_true(gm("h[ae]llo", "hello"));
    assert_true(gm("h[ae]llo", "hallo"));
    assert_false(gm("h[ae]llo", "hillo"));
    assert_true(gm("h[^e]llo", "hallo"));
    assert_false(gm("h[^e]llo", "hello"));
    assert_true(gm("h[a-b]llo", "hbllo"));
    assert_false(gm("h[a-b]llo", "hcllo"));
    /* reversed ranges mean the same range */
    assert_true(gm("[z-a]", "m"));
    assert_true(gm("[9-0]", "5"));
    assert_false(gm("[9-0]", "a"));
    /* several items */
    assert_true(gm("[a-cx-z0]", "y"));
    assert_true(gm("[a-cx-z0]", "0"));
    assert_false(gm("[a-cx-z0]", "m"));
    /* escapes inside a class */
    assert_true(gm("[\\]]", "]"));
    assert_true(gm("[\\-]", "-"));
    assert_true(gm("[a\\-z]", "-"));
    assert_false(gm("[a\\-z]", "m"));
    assert_true(gm("[\\^]", "^"));
    /* '^' only negates at the start */
    assert_true(gm("[a^]", "^"));
    /* an empty class matches nothing; "[^]" matches any byte */
    assert_false(gm("[]", "a"));
    assert_false(gm("[]", ""));
    assert_true(gm("[^]", "a"));
    assert_false(gm("[]a]", "a")); /* "[]" is a complete, empty class */
    assert_false(gm("[]a]", "]"));
    /* a class left open runs to the end of the pattern */
    assert_true(gm("[abc", "b"));
    assert_false(gm("[abc", "d"));
    assert_true(gm("[^", "x"));
    assert_false(gm("[", "["));
    assert_false(gm("[", ""));
    /* "a-]" is a range from ']' to 'a' (as Redis reads it), and the class is open */
    assert_true(gm("[a-]", "^"));
    assert_false(gm("[a-]", "-"));
    /* "[a-" : too short for a range: literal 'a' and '-' */
    assert_true(gm("[a-", "-"));
    assert_true(gm("[a-", "a"));
    assert_false(gm("[a-", "b"));
    /* nocase */
    assert_true(gmi("[A-C]", "b"));
    assert_true(gmi("[a-c]", "B"));
    assert_true(gmi("[^A-C]", "d"));
    assert_false(gmi("[^A-C]", "b"));
    assert_true(gmi("[XY]", "y"));
    assert_false(gm("[A-C]", "b"));
}

static void test_escape(void **state)
{
    (void)state;
    assert_true(gm("\\*", "*"));
    assert_false(gm("\\*", "a"));
    assert_true(gm("\\?", "?"));
    assert_false(gm("\\?", "a"));
    assert_true(gm("\\[a]", "[a]"));
    assert_true(gm("a\\\\b", "a\\b"));
    assert_true(gm("\\a", "a"));
    assert_true(gm("\\", "\\")); /* trailing lone backslash is literal */
    assert_true(gm("a\\", "a\\"));
    assert_false(gm("a\\", "a"));
    assert_true(gm("*\\*", "abc*"));
    assert_false(gm("*\\*", "abc"));
    assert_true(gmi("\\A", "a"));
}

static void test_binary(void **state)
{
    (void)state;
    assert_true(gm_n("a\0*", 3, "a\0xyz", 5, 0));
    assert_false(gm_n("a\0*", 3, "a\1xyz", 5, 0));
    assert_true(gm_n("?", 1, "\0", 1, 0));
    assert_true(gm_n("[\x01-\xff]", 5, "\x80", 1, 0));
    assert_true(gm_n("*\xff", 2, "ab\xff", 3, 0));
}

/* ---- reference implementation: recursion straight from the rules ---- */

/* Parses one non-star token at p[i]; returns its end and whether c matches. */
static size_t ref_token(const unsigned char *p, size_t n, size_t i, int c, int nocase,
                        int *hit)
{
    if (p[i] == '?') {
        *hit = 1;
        return i + 1;
    }
    if (p[i] == '\\') {
        if (i + 1 < n) i++;
        *hit = nocase ? tolower(p[i]) == tolower(c) : p[i] == c;
        return i + 1;
    }
    if (p[i] != '[') {
        *hit = nocase ? tolower(p[i]) == tolower(c) : p[i] == c;
        return i + 1;
    }
    i++;
    int neg = i < n && p[i] == '^';
    if (neg) i++;
    int m = 0;
    for (;;) {
        if (i >= n) break;
        if (p[i] == '\\' && i + 1 < n) {
            if (p[i + 1] == c) m = 1;
            i += 2;
        } else if (p[i] == ']') {
            i++;
            break;
        } else if (i + 2 < n && p[i + 1] == '-') {
            int a = p[i], b = p[i + 2], x = c;
            if (a > b) {
                int t = a;
                a = b;
                b = t;
            }
            if (nocase) {
                a = tolower(a);
                b = tolower(b);
                x = tolower(x);
            }
            if (x >= a && x <= b) m = 1;
            i += 3;
        } else {
            if (nocase ? tolower(p[i]) == tolower(c) : p[i] == c) m = 1;
            i++;
        }
    }
    *hit = neg ? !m : m;
    return i;
}

static int ref_rec(const unsigned char *p, size_t n, size_t i, const unsigned char *s,
                   size_t m, size_t j, int nocase)
{
    if (i == n) return j == m;
    if (p[i] == '*') {
        for (size_t k = j; k <= m; k++)
            if (ref_rec(p, n, i + 1, s, m, k, nocase)) return 1;
        return 0;
    }
    if (j == m) return 0;
    int hit;
    size_t next = ref_token(p, n, i, s[j], nocase, &hit);
    return hit && ref_rec(p, n, next, s, m, j + 1, nocase);
}

static int ref_match(const char *p, size_t n, const char *s, size_t m, int nocase)
{
    if (m == 0) return n == 0;
    return ref_rec((const unsigned char *)p, n, 0, (const unsigned char *)s, m, 0,
                   nocase);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void test_random_vs_reference(void **state)
{
    (void)state;
    static const char palp[] = "ab*?[]^-\\Ab";
    static const char pals[] = "abAB-]^[\\*";
    char p[12], s[12];
    long matches = 0;
    for (int iter = 0; iter < 200000; iter++) {
        size_t n = rnd() % 10, m = rnd() % 9;
        for (size_t k = 0; k < n; k++)
            p[k] = palp[rnd() % (sizeof(palp) - 1)];
        for (size_t k = 0; k < m; k++)
            s[k] = pals[rnd() % (sizeof(pals) - 1)];
        int nocase = rnd() & 1;
        int want = ref_match(p, n, s, m, nocase);
        int got = gm_n(p, n, s, m, nocase);
        if (want != got)
            fail_msg("pattern '%.*s' string '%.*s' nocase %d: want %d got %d", (int)n, p,
                     (int)m, s, nocase, want, got);
        matches += want;
    }
    assert_true(matches > 1000); /* the generator does produce matches */
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_adversarial(void **state)
{
    (void)state;
    size_t n = 100000;
    char *s = malloc(n);
    memset(s, 'a', n);
    double t0 = now_s();
    assert_false(gm_n("a*a*a*a*a*a*a*a*b", 17, s, n, 0));
    assert_false(gm_n("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", 42, s, n, 1));
    assert_true(gm_n("a*a*a*a*a*a*a*a*a", 17, s, n, 0));
    assert_false(gm_n("*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?b", 31, s, n, 0));
    assert_false(gm_n("*[a]*[a-a]*[^b]*[a]*[a]*[a]*[a]*b", 33, s, n, 0));
    /* many stars: constant stack however long the pattern */
    size_t pn = 200000;
    char *p = malloc(pn);
    for (size_t k = 0; k < pn; k++)
        p[k] = (k & 1) ? 'a' : '*';
    p[pn - 1] = 'b';
    assert_false(gm_n(p, pn, s, 1000, 0));
    memset(p, '*', pn);
    assert_true(gm_n(p, pn, s, n, 0));
    /* the worst case for the algorithm is O(n*m): a long non-matching tail */
    char tail[64];
    memset(tail, 'a', 63);
    tail[0] = '*';
    tail[62] = 'b';
    assert_false(gm_n(tail, 63, s, n, 0));
    double dt = now_s() - t0;
    free(p);
    free(s);
    /* all of the above is a few million byte steps; generous even under ASan */
    assert_true(dt < 5.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_star),
        cmocka_unit_test(test_question),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_random_vs_reference),
        cmocka_unit_test(test_adversarial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
