/* fuzz/fuzz_lpack.c — libFuzzer target for core/lpack.
 *
 * The input is a program: each operation is one opcode byte followed by its
 * arguments, run against an lpack and against a plain array model. After every
 * operation the whole lpack is checked against the model: count, exact byte
 * size (strings and integer entries, by the sizes documented in lpack.c),
 * forward and backward walks, lp_at from both ends, lp_get_ll. Any mismatch
 * aborts.
 *
 *   op % 8   operation            arguments
 *   0        insert               index byte, string
 *   1        append               string
 *   2        prepend              string
 *   3        replace              index byte, string
 *   4        delete               index byte, count byte (0..7)
 *   5        find                 index byte, skip byte (0..2), string
 *   6        dup                  -
 *   7        insert a copy of an entry (slice into the lpack itself)
 *                                 index byte, index byte
 *
 *   string: length byte L; L < 200: the next L input bytes (fewer if the input
 *   ends); 200..239: a generated string of (L - 200) * 331 + next byte bytes
 *   (up to 13165), which reaches the 2-byte and 3-byte length fields; 240..255:
 *   an integer's text from the next 8 bytes, at a width picked by L (so every
 *   integer entry size and its edges come up), sometimes made non-canonical
 *   ("+1", "01", "-0").
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lpack.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                         \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            fprintf(stderr, "fuzz_lpack: check failed: %s (line %d)\n", #c, __LINE__);   \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#define MAX_ENTRIES 512
#define MAX_BYTES (1u << 16) /* a few 3-byte-varint entries; keeps runs fast */

typedef struct item {
    char *p;
    size_t len;
} item;

typedef struct model {
    item v[MAX_ENTRIES];
    size_t n;
} model;

typedef struct input {
    const uint8_t *p;
    size_t left;
} input;

static unsigned byte(input *in)
{
    if (!in->left) return 0;
    in->left--;
    return *in->p++;
}

static char big[(240 - 200) * 331 + 256];
static char num[32];

/* An integer's text from 8 input bytes; kind picks the magnitude (bits kept)
 * and, for a few kinds, a non-canonical spelling. */
static slice number(input *in, unsigned kind)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | byte(in);
    static const unsigned bits[] = {6, 7, 13, 14, 15, 16, 23, 24, 31, 32, 40, 48, 56, 63, 64, 64};
    unsigned b = bits[kind % 16];
    long long v;
    if (b < 64) {
        uint64_t mask = ((uint64_t)1 << b) - 1;
        long long mag = (long long)(u & mask);
        v = (u >> 63) ? -mag - (long long)((u >> 62) & 1) : mag; /* reach -2^b too */
    } else {
        memcpy(&v, &u, sizeof(v));
    }
    int n = snprintf(num, sizeof(num), "%lld", v);
    if (kind == 15) { /* non-canonical forms of a canonical number */
        if (u % 3 == 2) {
            n = snprintf(num, sizeof(num), "-0");
        } else {
            memmove(num + 1, num, (size_t)n + 1);
            num[0] = u % 3 ? '0' : '+';
            n++;
        }
    }
    return slice_of(num, (size_t)n);
}

/* Reads a string argument; returns a slice into the input, big or num. */
static slice string(input *in)
{
    unsigned l = byte(in);
    if (l < 200) {
        size_t n = l < in->left ? l : in->left;
        slice s = slice_of((const char *)in->p, n);
        in->p += n;
        in->left -= n;
        return s;
    }
    if (l >= 240) return number(in, l - 240);
    size_t n = (size_t)(l - 200) * 331 + byte(in);
    return slice_of(big, n);
}

static item copy(slice s)
{
    item it = {malloc(s.len ? s.len : 1), s.len};
    CHECK(it.p);
    if (s.len) memcpy(it.p, s.p, s.len);
    return it;
}

static void m_insert(model *m, size_t i, slice s)
{
    memmove(m->v + i + 1, m->v + i, (m->n - i) * sizeof(item));
    m->v[i] = copy(s);
    m->n++;
}

static void m_delete(model *m, size_t i, size_t n)
{
    if (n > m->n - i) n = m->n - i;
    for (size_t k = i; k < i + n; k++)
        free(m->v[k].p);
    memmove(m->v + i, m->v + i + n, (m->n - i - n) * sizeof(item));
    m->n -= n;
}

static int eq(slice s, const item *it)
{
    return s.len == it->len && (s.len == 0 || memcmp(s.p, it->p, s.len) == 0);
}

static size_t vsize(size_t v)
{
    size_t n = 1;
    for (; v >= 128; v >>= 7)
        n++;
    return n;
}

/* Entry size by the table in lpack.c. */
static size_t entry_size(const item *it)
{
    long long v;
    if (util_str2ll(it->p, it->len, &v)) {
        if (v >= 0 && v <= 55) return 1;
        if (v >= -8192 && v <= 8191) return 3;
        for (unsigned n = 2; n < 8; n++)
            if (v >= -(1LL << (8 * n - 1)) && v < (1LL << (8 * n - 1))) return n + 2;
        return 10;
    }
    size_t body = (it->len < 128 ? 1 : 1 + vsize(it->len)) + it->len;
    if (body < 128) return body + 1;
    return body + (body < 256 ? 2 : body < 65536 ? 3 : body < (1u << 24) ? 4 : 5);
}

static void check_all(const lpack *lp, const model *m)
{
    static size_t pos[MAX_ENTRIES];
    size_t want = 8;
    for (size_t i = 0; i < m->n; i++)
        want += entry_size(&m->v[i]);
    CHECK(lp_count(lp) == m->n);
    CHECK(lp_bytes(lp) == want);
    size_t i = 0;
    for (size_t p = lp_first(lp); p != LP_END; p = lp_next(lp, p)) {
        CHECK(i < m->n);
        char buf[LP_INTBUF];
        CHECK(eq(lp_get(lp, p, buf), &m->v[i]));
        long long a, b;
        int ok = util_str2ll(m->v[i].p, m->v[i].len, &a);
        CHECK(lp_get_ll(lp, p, &b) == ok);
        CHECK(!ok || a == b);
        pos[i++] = p;
    }
    CHECK(i == m->n);
    for (size_t p = lp_last(lp); p != LP_END; p = lp_prev(lp, p)) {
        CHECK(i > 0);
        CHECK(pos[--i] == p);
    }
    CHECK(i == 0);
    /* lp_at walks: every index of a short list, a stride through a long one */
    size_t stride = m->n <= 32 ? 1 : m->n / 16;
    for (size_t k = 0; k < m->n; k += stride) {
        CHECK(lp_at(lp, (long)k) == pos[k]);
        CHECK(lp_at(lp, (long)k - (long)m->n) == pos[k]);
    }
    CHECK(lp_at(lp, (long)m->n) == LP_END);
    CHECK(lp_at(lp, -(long)m->n - 1) == LP_END);
}

/* Position of model index i, where i == n means LP_END. */
static size_t at(const lpack *lp, size_t i)
{
    return i >= lp_count(lp) ? LP_END : lp_at(lp, (long)i);
}

static lpack *step(lpack *lp, model *m, input *in)
{
    unsigned op = byte(in) % 8;
    size_t n = m->n, np, next;
    int full = n >= MAX_ENTRIES || lp_bytes(lp) > MAX_BYTES;
    switch (op) {
    case 0: {
        size_t i = byte(in) % (n + 1);
        slice s = string(in);
        if (full) break;
        lp = lp_insert(lp, at(lp, i), s, &np);
        m_insert(m, i, s);
        CHECK(np == lp_at(lp, (long)i));
        break;
    }
    case 1:
    case 2: {
        slice s = string(in);
        if (full) break;
        lp = op == 1 ? lp_append(lp, s) : lp_prepend(lp, s);
        m_insert(m, op == 1 ? n : 0, s);
        break;
    }
    case 3: {
        size_t i = byte(in) % (n ? n : 1);
        slice s = string(in);
        if (!n || lp_bytes(lp) > MAX_BYTES) break;
        lp = lp_replace(lp, lp_at(lp, (long)i), s, &np);
        free(m->v[i].p);
        m->v[i] = copy(s);
        CHECK(np == lp_at(lp, (long)i));
        break;
    }
    case 4: {
        size_t i = byte(in) % (n ? n : 1), cnt = byte(in) % 8;
        if (!n) break;
        lp = lp_delete(lp, lp_at(lp, (long)i), cnt, &next);
        m_delete(m, i, cnt);
        CHECK(next == at(lp, i));
        break;
    }
    case 5: {
        size_t i = byte(in) % (n ? n : 1);
        int skip = (int)(byte(in) % 3);
        slice s = string(in);
        if (!n) break;
        size_t want = LP_END;
        for (size_t j = i; j < n; j += (size_t)skip + 1)
            if (eq(s, &m->v[j])) {
                want = j;
                break;
            }
        size_t got = lp_find(lp, lp_at(lp, (long)i), s, skip);
        CHECK(got == (want == LP_END ? LP_END : lp_at(lp, (long)want)));
        break;
    }
    case 6: {
        lpack *d = lp_dup(lp);
        lp_free(lp);
        lp = d;
        break;
    }
    case 7: {
        size_t src = byte(in) % (n ? n : 1), dst = byte(in) % (n + 1);
        if (!n || full) break;
        char buf[LP_INTBUF];
        slice s = lp_get(lp, lp_at(lp, (long)src), buf);
        item it = copy(s);
        lp = lp_insert(lp, at(lp, dst), s, NULL);
        m_insert(m, dst, slice_of(it.p, it.len));
        free(it.p);
        break;
    }
    }
    return lp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        for (size_t i = 0; i < sizeof(big); i++)
            big[i] = (char)('0' + i % 10);
        init = 1;
    }
    static model m;
    input in = {data, size};
    lpack *lp = lp_new();
    m.n = 0;
    while (in.left) {
        lp = step(lp, &m, &in);
        check_all(lp, &m);
    }
    lp_free(lp);
    m_delete(&m, 0, m.n);
    return 0;
}
