/* core/glob.c — see glob.h.
 *
 * Semantics (those of Redis's KEYS/PSUBSCRIBE patterns):
 *   *        any run of bytes (consecutive stars count as one)
 *   ?        any one byte
 *   [abc]    one byte of the set; [^abc] one byte not in it; "a-z" is a range
 *            and a reversed range "z-a" means the same as "a-z"; "\x" inside a
 *            class is the literal x; a class left open at the end of the
 *            pattern ends there
 *   \x       the literal x (a trailing lone backslash is a literal backslash)
 *   other    the byte itself (ASCII case folded when nocase)
 * An empty string matches only the empty pattern (so "*" does not match "",
 * as in Redis).
 *
 * Algorithm: every token but '*' consumes exactly one byte of the string, so a
 * match needs to remember only the most recent star: on a mismatch, that star
 * swallows one more byte and matching restarts right after it. Earlier stars
 * never need to be revisited (whatever they would absorb, the latest star can
 * absorb as well). Each restart moves the star's start forward, so the time is
 * O(plen * slen) and the stack is constant.
 */
#include "core/glob.h"

#include <ctype.h>

static inline int fold(int c, int nocase)
{
    return nocase ? tolower(c) : c;
}

/* Matches the '[' class starting at p[*pi] (the '[') against byte c and moves
 * *pi past the class. Returns 1 if c belongs to the class. */
static int match_class(const unsigned char *p, size_t plen, size_t *pi, int c, int nocase)
{
    size_t i = *pi + 1;
    int neg = 0, hit = 0;

    if (i < plen && p[i] == '^') {
        neg = 1;
        i++;
    }
    while (i < plen && p[i] != ']') {
        if (p[i] == '\\' && plen - i >= 2) {
            /* escaped byte: literal, compared exactly as Redis does */
            if (p[i + 1] == c) hit = 1;
            i += 2;
        } else if (plen - i >= 3 && p[i + 1] == '-') {
            int lo = p[i], hi = p[i + 2], x = c;
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (nocase) {
                lo = tolower(lo);
                hi = tolower(hi);
                x = tolower(x);
            }
            if (x >= lo && x <= hi) hit = 1;
            i += 3;
        } else {
            if (fold(p[i], nocase) == fold(c, nocase)) hit = 1;
            i++;
        }
    }
    /* i is at the closing ']' (skip it) or at the end of an open class */
    *pi = i < plen ? i + 1 : plen;
    return neg ? !hit : hit;
}

/* Matches the single non-star token at p[*pi] against byte c, moving *pi past
 * it. The token's extent depends on the pattern alone, never on c. */
static int match_one(const unsigned char *p, size_t plen, size_t *pi, int c, int nocase)
{
    size_t i = *pi;

    if (p[i] == '?') {
        *pi = i + 1;
        return 1;
    }
    if (p[i] == '[') return match_class(p, plen, pi, c, nocase);
    /* an escaped byte (or a lone trailing '\\') is literal */
    if (p[i] == '\\' && plen - i >= 2) i++;
    *pi = i + 1;
    return fold(p[i], nocase) == fold(c, nocase);
}

int glob_match(const char *pattern, size_t plen, const char *str, size_t slen, int nocase)
{
    const unsigned char *p = (const unsigned char *)pattern;
    const unsigned char *s = (const unsigned char *)str;
    size_t pi = 0, si = 0;
    size_t star_p = (size_t)-1,
           star_s = 0; /* pattern after the last star; its start in s */

    if (slen == 0) return plen == 0;

    while (si < slen) {
        if (pi < plen && p[pi] == '*') {
            while (pi < plen && p[pi] == '*')
                pi++;
            if (pi == plen) return 1; /* a trailing star takes the rest */
            star_p = pi;
            star_s = si;
            continue;
        }
        if (pi < plen) {
            size_t next = pi;
            if (match_one(p, plen, &next, s[si], nocase)) {
                pi = next;
                si++;
                continue;
            }
        }
        if (star_p == (size_t)-1) return 0;
        /* backtrack: the last star swallows one more byte */
        pi = star_p;
        si = ++star_s;
    }
    while (pi < plen && p[pi] == '*')
        pi++;
    return pi == plen;
}
