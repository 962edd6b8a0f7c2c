/* types/hll.c — HyperLogLog: hashing, dense and sparse registers, estimation.
 *
 * The byte format is Redis's (see hll.h), and so is every choice that shows in
 * the stored bytes: how a sparse run is split when one register in it changes,
 * which neighbouring VAL opcodes are joined afterwards, when a value turns
 * dense, and which cache bytes survive an invalidation. A value written by
 * the same commands in the same order is therefore byte-for-byte the value
 * Redis writes, and snapshots carry it either way.
 *
 * The estimator is Otmar Ertl's improved raw estimator ("New cardinality
 * estimation algorithms for HyperLogLog sketches", 2017), computed from the
 * histogram of register values, as Redis 5+ does, so counts agree exactly.
 *
 * Every walk over sparse opcodes checks the bytes it reads against the end of
 * the value and the register total against 16384.
 */
#include "types/hll.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"

#define HLL_Q (64 - HLL_P)
#define REG_MAX 63
#define VAL_MAX_VALUE 32
#define VAL_MAX_LEN 4
#define ZERO_MAX_LEN 64
#define XZERO_MAX_LEN 16384
#define ALPHA_INF 0.721347520444481703680

/* Sparse opcode tests and fields. */
#define IS_ZERO(b) (((b)&0xc0) == 0x00)
#define IS_XZERO(b) (((b)&0xc0) == 0x40)
#define IS_VAL(b) (((b)&0x80) == 0x80)
#define ZERO_LEN(b) (((b)&0x3f) + 1)
#define XZERO_LEN(b0, b1) (((((b0)&0x3f) << 8) | (b1)) + 1)
#define VAL_VALUE(b) ((((b) >> 2) & 0x1f) + 1)
#define VAL_LEN(b) (((b)&0x3) + 1)

static unsigned char val_op(int value, int len)
{
    return (unsigned char)(0x80 | ((value - 1) << 2) | (len - 1));
}

/* ---------------------------------------------------------------- buffers */

void hll_buf_init(hll_buf *h)
{
    h->p = mem_alloc(HLL_BUF_CAP);
    h->len = 0;
}

void hll_buf_free(hll_buf *h)
{
    mem_free(h->p);
    h->p = NULL;
    h->len = 0;
}

int hll_buf_load(hll_buf *h, const void *p, size_t len)
{
    if (len > HLL_BUF_CAP - 8) return HLL_INVALID;
    memcpy(h->p, p, len);
    h->len = len;
    return 0;
}

void hll_buf_empty(hll_buf *h)
{
    memset(h->p, 0, HLL_HDR_SIZE);
    memcpy(h->p, "HYLL", 4);
    h->p[4] = HLL_SPARSE;
    /* 16384 zero registers: a single XZERO run. */
    h->p[HLL_HDR_SIZE] = 0x40 | ((XZERO_MAX_LEN - 1) >> 8);
    h->p[HLL_HDR_SIZE + 1] = (XZERO_MAX_LEN - 1) & 0xff;
    h->len = HLL_HDR_SIZE + 2;
}

/* ---------------------------------------------------------------- hashing */

uint64_t hll_murmur64a(const void *key, size_t len, uint64_t seed)
{
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    const unsigned char *d = key;
    uint64_t h = seed ^ ((uint64_t)len * m);
    size_t nblocks = len / 8;
    for (size_t i = 0; i < nblocks; i++, d += 8) {
        uint64_t k = 0;
        for (int b = 7; b >= 0; b--)
            k = (k << 8) | d[b]; /* little endian */
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    size_t rest = len & 7;
    if (rest) {
        for (size_t b = rest; b-- > 0;)
            h ^= (uint64_t)d[b] << (8 * b);
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

int hll_pattern(const void *ele, size_t len, long *index)
{
    uint64_t hash = hll_murmur64a(ele, len, 0xadc83b19ULL);
    *index = (long)(hash & (HLL_REGISTERS - 1));
    hash >>= HLL_P;
    hash |= (uint64_t)1 << HLL_Q; /* bounds the run at HLL_Q + 1 */
    int count = 1;
    while ((hash & 1) == 0) {
        count++;
        hash >>= 1;
    }
    return count;
}

/* ---------------------------------------------------------------- header */

int hll_is_hll(const void *p, size_t len)
{
    const unsigned char *b = p;
    if (len < HLL_HDR_SIZE || memcmp(b, "HYLL", 4) != 0) return 0;
    if (b[4] > HLL_SPARSE) return 0;
    if (b[4] == HLL_DENSE && len != HLL_DENSE_SIZE) return 0;
    return 1;
}

int hll_encoding(const void *p)
{
    return ((const unsigned char *)p)[4];
}

int hll_cache_get(const void *p, uint64_t *card)
{
    const unsigned char *c = (const unsigned char *)p + 8;
    if (c[7] & 0x80) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | c[i];
    *card = v;
    return 1;
}

void hll_cache_set(void *p, uint64_t card)
{
    unsigned char *c = (unsigned char *)p + 8;
    for (int i = 0; i < 8; i++)
        c[i] = (unsigned char)(card >> (8 * i));
}

void hll_cache_invalidate(void *p)
{
    ((unsigned char *)p)[15] |= 0x80;
}

/* ---------------------------------------------------------------- dense */

static int dense_get(const unsigned char *regs, long i)
{
    unsigned long bit = (unsigned long)i * 6, byte = bit / 8, fb = bit & 7;
    unsigned v = regs[byte] >> fb;
    if (fb > 2) v |= (unsigned)regs[byte + 1] << (8 - fb);
    return (int)(v & REG_MAX);
}

static void dense_put(unsigned char *regs, long i, int val)
{
    unsigned long bit = (unsigned long)i * 6, byte = bit / 8, fb = bit & 7;
    unsigned v = (unsigned)val & REG_MAX;
    regs[byte] = (unsigned char)((regs[byte] & ~(REG_MAX << fb)) | (v << fb));
    if (fb > 2)
        regs[byte + 1] =
            (unsigned char)((regs[byte + 1] & ~(REG_MAX >> (8 - fb))) | (v >> (8 - fb)));
}

/* 1 if register i was raised to count. */
static int dense_set(unsigned char *regs, long i, int count)
{
    if (dense_get(regs, i) >= count) return 0;
    dense_put(regs, i, count);
    return 1;
}

/* ---------------------------------------------------------------- sparse walk */

/* Decodes the opcode at p (< end): its byte length, run length and value.
 * -1 if it is cut off by end. */
static int sparse_op(const unsigned char *p, const unsigned char *end, int *oplen,
                     long *run, int *value)
{
    if (IS_ZERO(*p)) {
        *oplen = 1, *run = ZERO_LEN(*p), *value = 0;
    } else if (IS_XZERO(*p)) {
        if (p + 1 >= end) return -1;
        *oplen = 2, *run = XZERO_LEN(p[0], p[1]), *value = 0;
    } else {
        *oplen = 1, *run = VAL_LEN(*p), *value = VAL_VALUE(*p);
    }
    return 0;
}

/* Calls fn(arg, first, run, value) for each run of a sparse body, stopping at
 * a run that would pass register 16384. 0 if the runs cover exactly 16384
 * registers, HLL_INVALID otherwise. */
typedef void run_fn(void *arg, long first, long run, int value);

static int sparse_walk(const unsigned char *p, const unsigned char *end, run_fn *fn,
                       void *arg)
{
    long idx = 0;
    while (p < end) {
        int oplen, value;
        long run;
        if (sparse_op(p, end, &oplen, &run, &value) < 0) return HLL_INVALID;
        if (idx + run > HLL_REGISTERS) return HLL_INVALID;
        fn(arg, idx, run, value);
        idx += run;
        p += oplen;
    }
    return idx == HLL_REGISTERS ? 0 : HLL_INVALID;
}

static void run_to_regs(void *arg, long first, long run, int value)
{
    uint8_t *regs = arg;
    memset(regs + first, value, (size_t)run);
}

static void run_to_max(void *arg, long first, long run, int value)
{
    uint8_t *max = arg;
    for (long i = first; i < first + run; i++)
        if (max[i] < value) max[i] = (uint8_t)value;
}

static void run_to_histo(void *arg, long first, long run, int value)
{
    (void)first;
    ((int *)arg)[value] += (int)run;
}

int hll_registers(const void *p, size_t len, uint8_t *regs)
{
    const unsigned char *b = p;
    if (!hll_is_hll(p, len)) return HLL_INVALID;
    if (b[4] == HLL_DENSE) {
        for (long i = 0; i < HLL_REGISTERS; i++)
            regs[i] = (uint8_t)dense_get(b + HLL_HDR_SIZE, i);
        return 0;
    }
    memset(regs, 0, HLL_REGISTERS);
    return sparse_walk(b + HLL_HDR_SIZE, b + len, run_to_regs, regs);
}

int hll_to_dense(hll_buf *h)
{
    if (!hll_is_hll(h->p, h->len)) return HLL_INVALID;
    if (h->p[4] == HLL_DENSE) return 0;
    uint8_t *regs = mem_alloc(HLL_REGISTERS);
    int rc = hll_registers(h->p, h->len, regs);
    if (rc == 0) {
        /* The header (magic, cached cardinality) is kept. */
        h->p[4] = HLL_DENSE;
        memset(h->p + HLL_HDR_SIZE, 0, HLL_DENSE_SIZE - HLL_HDR_SIZE);
        for (long i = 0; i < HLL_REGISTERS; i++)
            if (regs[i]) dense_put(h->p + HLL_HDR_SIZE, i, regs[i]);
        h->len = HLL_DENSE_SIZE;
    }
    mem_free(regs);
    return rc;
}

/* ---------------------------------------------------------------- sparse set */

/* Writes a run of len zero registers (ZERO or XZERO) at n; returns bytes. */
static int put_zeros(unsigned char *n, long len)
{
    if (len > ZERO_MAX_LEN) {
        n[0] = (unsigned char)(0x40 | ((len - 1) >> 8));
        n[1] = (unsigned char)((len - 1) & 0xff);
        return 2;
    }
    n[0] = (unsigned char)(len - 1);
    return 1;
}

/* Joins equal adjacent VAL opcodes near a change: up to five opcodes are
 * examined starting at `from`, re-examining a joined one with its right
 * neighbour. */
static void sparse_join(hll_buf *h, size_t from)
{
    unsigned char *p = h->p + from, *end = h->p + h->len;
    int scan = 5;
    while (p < end && scan--) {
        if (IS_XZERO(*p)) {
            p += 2;
            continue;
        }
        if (IS_ZERO(*p)) {
            p++;
            continue;
        }
        if (p + 1 < end && IS_VAL(p[1]) && VAL_VALUE(p[0]) == VAL_VALUE(p[1])) {
            int len = VAL_LEN(p[0]) + VAL_LEN(p[1]);
            if (len <= VAL_MAX_LEN) {
                p[1] = val_op(VAL_VALUE(p[0]), len);
                memmove(p, p + 1, (size_t)(end - p - 1));
                end--;
                h->len--;
                continue;
            }
        }
        p++;
    }
}

static int promote_and_set(hll_buf *h, long index, int count)
{
    if (hll_to_dense(h) < 0) return HLL_INVALID;
    dense_set(h->p + HLL_HDR_SIZE, index, count);
    return 1;
}

/* Raises register index of a sparse value to count, splitting the run that
 * holds it into at most three runs. */
static int sparse_set(hll_buf *h, long index, int count, size_t sparse_max)
{
    if (count > VAL_MAX_VALUE) return promote_and_set(h, index, count);

    unsigned char *base = h->p + HLL_HDR_SIZE, *end = h->p + h->len;
    unsigned char *p = base, *prev = NULL;
    long first = 0, run = 0;
    int oplen = 1, value = 0;
    while (p < end) {
        if (sparse_op(p, end, &oplen, &run, &value) < 0) return HLL_INVALID;
        if (index <= first + run - 1) break;
        prev = p;
        p += oplen;
        first += run;
    }
    if (p >= end) return HLL_INVALID;
    size_t from = (size_t)((prev ? prev : base) - h->p);

    if (IS_VAL(*p)) {
        if (value >= count) return 0;
        if (run == 1) {
            *p = val_op(count, 1);
            goto updated;
        }
    } else if (IS_ZERO(*p) && run == 1) {
        *p = val_op(count, 1);
        goto updated;
    }

    unsigned char seq[5];
    int n = 0;
    long last = first + run - 1;
    if (!IS_VAL(*p)) {
        if (index != first) n += put_zeros(seq + n, index - first);
        seq[n++] = val_op(count, 1);
        if (index != last) n += put_zeros(seq + n, last - index);
    } else {
        if (index != first) seq[n++] = val_op(value, (int)(index - first));
        seq[n++] = val_op(count, 1);
        if (index != last) seq[n++] = val_op(value, (int)(last - index));
    }
    long delta = n - oplen;
    if (delta > 0 &&
        (h->len + (size_t)delta > sparse_max || h->len + (size_t)delta > HLL_BUF_CAP))
        return promote_and_set(h, index, count);
    unsigned char *next = p + oplen;
    if (delta != 0) memmove(next + delta, next, (size_t)(end - next));
    h->len = (size_t)((long)h->len + delta);
    memcpy(p, seq, (size_t)n);

updated:
    sparse_join(h, from);
    hll_cache_invalidate(h->p);
    return 1;
}

int hll_set(hll_buf *h, long index, int count, size_t sparse_max)
{
    if (!hll_is_hll(h->p, h->len)) return HLL_INVALID;
    if (h->p[4] == HLL_DENSE) return dense_set(h->p + HLL_HDR_SIZE, index, count);
    return sparse_set(h, index, count, sparse_max);
}

int hll_add(hll_buf *h, const void *ele, size_t len, size_t sparse_max)
{
    long index;
    int count = hll_pattern(ele, len, &index);
    return hll_set(h, index, count, sparse_max);
}

/* ---------------------------------------------------------------- estimate */

int hll_merge(uint8_t *max, const void *p, size_t len)
{
    const unsigned char *b = p;
    if (!hll_is_hll(p, len)) return HLL_INVALID;
    if (b[4] == HLL_DENSE) {
        for (long i = 0; i < HLL_REGISTERS; i++) {
            int v = dense_get(b + HLL_HDR_SIZE, i);
            if (v > max[i]) max[i] = (uint8_t)v;
        }
        return 0;
    }
    return sparse_walk(b + HLL_HDR_SIZE, b + len, run_to_max, max);
}

/* Ertl's sigma and tau series, iterated until they stop changing. */
static double hll_sigma(double x)
{
    if (x == 1.) return INFINITY;
    double y = 1, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (prev != z);
    return z;
}

static double hll_tau(double x)
{
    if (x == 0. || x == 1.) return 0.;
    double y = 1.0, z = 1 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (prev != z);
    return z / 3;
}

static uint64_t estimate(const int *histo)
{
    double m = HLL_REGISTERS;
    double z = m * hll_tau((m - histo[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += histo[j];
        z *= 0.5;
    }
    z += m * hll_sigma(histo[0] / m);
    return (uint64_t)llroundl(ALPHA_INF * m * m / z);
}

uint64_t hll_count_regs(const uint8_t *regs)
{
    int histo[64] = {0};
    for (long i = 0; i < HLL_REGISTERS; i++)
        histo[regs[i] & REG_MAX]++;
    return estimate(histo);
}

int hll_count(const void *p, size_t len, uint64_t *card)
{
    const unsigned char *b = p;
    int histo[64] = {0};
    if (!hll_is_hll(p, len)) return HLL_INVALID;
    if (b[4] == HLL_DENSE) {
        for (long i = 0; i < HLL_REGISTERS; i++)
            histo[dense_get(b + HLL_HDR_SIZE, i)]++;
    } else if (sparse_walk(b + HLL_HDR_SIZE, b + len, run_to_histo, histo) < 0) {
        return HLL_INVALID;
    }
    *card = estimate(histo);
    return 0;
}

/* ---------------------------------------------------------------- self test */

/* Writes and reads every register of a dense body with changing values, then
 * feeds the same elements to a sparse and a dense copy and compares their
 * registers and estimates. NULL on success, else what failed. */
const char *hll_selftest(void)
{
    const char *fail = NULL;
    hll_buf s, d;
    hll_buf_init(&s);
    hll_buf_init(&d);
    hll_buf_empty(&d);
    if (hll_to_dense(&d) < 0) fail = "conversion of an empty value failed";
    unsigned char *regs = d.p + HLL_HDR_SIZE;
    for (int round = 0; round < 4 && !fail; round++) {
        for (long i = 0; i < HLL_REGISTERS; i++)
            dense_put(regs, i, (int)((i * 7 + round) & REG_MAX));
        for (long i = 0; i < HLL_REGISTERS && !fail; i++)
            if (dense_get(regs, i) != (int)((i * 7 + round) & REG_MAX))
                fail = "dense register read back a different value";
    }
    hll_buf_empty(&s);
    hll_buf_empty(&d);
    if (!fail && hll_to_dense(&d) < 0) fail = "conversion of an empty value failed";
    char el[24];
    for (int i = 0; i < 20000 && !fail; i++) {
        int n = snprintf(el, sizeof el, "selftest:%d", i);
        int a = hll_add(&s, el, (size_t)n, HLL_BUF_CAP),
            b = hll_add(&d, el, (size_t)n, 0);
        if (a != b || a < 0) fail = "sparse and dense disagree on an update";
        if (i % 1000 == 0 && !fail) {
            uint64_t cs, cd;
            if (hll_count(s.p, s.len, &cs) < 0 || hll_count(d.p, d.len, &cd) < 0 ||
                cs != cd)
                fail = "sparse and dense estimates differ";
        }
    }
    hll_buf_free(&s);
    hll_buf_free(&d);
    return fail;
}
