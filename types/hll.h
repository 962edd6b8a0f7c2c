/* types/hll.h — HyperLogLog values in the Redis string format.
 *
 * A HyperLogLog is an ordinary string value whose bytes follow the layout Redis
 * documents and stores in snapshots, so values move between Redis and kvik:
 *
 *   +------+-----+---------+------------------+---------------------------+
 *   | HYLL | enc | 0 0 0   | card (8, LE)     | registers                 |
 *   +------+-----+---------+------------------+---------------------------+
 *    0      4     5         8                  16
 *
 *   enc 0 (dense):  16384 registers of 6 bits, packed from the least significant
 *                   bit of each byte up (12288 bytes).
 *   enc 1 (sparse): run-length opcodes: ZERO 00xxxxxx (1..64 zero registers),
 *                   XZERO 01xxxxxx yyyyyyyy (1..16384 zeros), VAL 1vvvvvxx
 *                   (1..4 registers holding 1..32).
 *   card:           the cached cardinality; its top bit set means "stale".
 *
 * The functions here are pure byte manipulation; they never trust a value: a
 * malformed one makes them return HLL_INVALID, never read out of bounds.
 *
 * Ownership. Functions that change a value work on an hll_buf, a buffer of
 * HLL_BUF_CAP bytes owned by the caller (hll_buf_new/hll_buf_free), into which
 * the caller copies the stored string and from which it stores the result.
 */
#ifndef KV_TYPES_HLL_H
#define KV_TYPES_HLL_H

#include <stddef.h>
#include <stdint.h>

#define HLL_P 14
#define HLL_REGISTERS (1 << HLL_P)
#define HLL_HDR_SIZE 16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * 6 + 7) / 8)
/* A sparse value never exceeds 2 bytes per register; slack for one edit. */
#define HLL_BUF_CAP (HLL_HDR_SIZE + 2 * HLL_REGISTERS + 16)

enum { HLL_DENSE = 0, HLL_SPARSE = 1 };
enum { HLL_INVALID = -1 };

typedef struct hll_buf {
    unsigned char *p; /* HLL_BUF_CAP bytes */
    size_t len;       /* bytes of the value */
} hll_buf;

void hll_buf_init(hll_buf *h); /* allocates; empty (len 0) */
void hll_buf_free(hll_buf *h);
/* Copies a stored value (len <= HLL_BUF_CAP, else HLL_INVALID) into h. */
int hll_buf_load(hll_buf *h, const void *p, size_t len);
/* Makes h a new empty HLL: sparse, one XZERO run, cached cardinality 0. */
void hll_buf_empty(hll_buf *h);

/* MurmurHash64A, the hash Redis applies to elements (seed 0xadc83b19). */
uint64_t hll_murmur64a(const void *key, size_t len, uint64_t seed);
/* The register index and the run length (1..51) an element maps to. */
int hll_pattern(const void *ele, size_t len, long *index);

/* 1 if p/len has the header of a HyperLogLog (magic, known encoding, dense
 * size right); the sparse body is checked only when used. */
int hll_is_hll(const void *p, size_t len);
int hll_encoding(const void *p); /* HLL_DENSE / HLL_SPARSE (after hll_is_hll) */

/* Adds an element: 1 if a register changed, 0 if not, HLL_INVALID. A sparse
 * value is promoted to dense when it would exceed sparse_max bytes or needs a
 * register value above 32. The cache is invalidated on change. */
int hll_add(hll_buf *h, const void *ele, size_t len, size_t sparse_max);
/* Raises register index to count if higher; same results as hll_add. */
int hll_set(hll_buf *h, long index, int count, size_t sparse_max);
/* Converts sparse to dense in place (no-op for dense): 0 or HLL_INVALID. */
int hll_to_dense(hll_buf *h);

/* The cached cardinality: 1 and *card if it is valid. */
int hll_cache_get(const void *p, uint64_t *card);
void hll_cache_set(void *p, uint64_t card);
void hll_cache_invalidate(void *p);

/* Estimates the cardinality of a value (ignoring the cache): 0 or HLL_INVALID. */
int hll_count(const void *p, size_t len, uint64_t *card);
/* Maxes the registers of a value into max[HLL_REGISTERS]: 0 or HLL_INVALID. */
int hll_merge(uint8_t *max, const void *p, size_t len);
/* Estimates the cardinality of plain registers (one byte each). */
uint64_t hll_count_regs(const uint8_t *regs);
/* Reads every register of a value into regs: 0 or HLL_INVALID. */
int hll_registers(const void *p, size_t len, uint8_t *regs);
/* Checks the encoders against each other (PFSELFTEST): NULL, or what failed. */
const char *hll_selftest(void);

#endif
