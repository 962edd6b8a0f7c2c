/* types/zset.h — the sorted set value type: unique byte-string members, each
 * with a double score, ordered by (score, member bytes).
 *
 * Encodings (OBJECT ENCODING names them):
 *
 *   listpack   at most `max_entries` members of at most `max_value` bytes: a
 *              core/lpack of member, score pairs in order (an integral score
 *              of magnitude below 1e17 as an integer entry, any other as its
 *              "%.17g" text, so it round-trips exactly). Lookups are linear.
 *   skiplist   anything else: a skiplist ordered by (score, member) whose links
 *              carry spans, so rank <-> node is O(log n), plus a core/htab
 *              member -> node index for O(1) ZSCORE.
 *
 * A zset starts as a listpack and converts once it passes a limit; it never
 * converts back (as Redis). The caller passes the limits in
 * (zset-max-listpack-entries, zset-max-listpack-value).
 *
 * Ranks are 0-based positions in ascending order. Range queries are expressed
 * as "how many members come before a boundary" (zset_count_before) with a
 * caller predicate that must be monotone over the order (true for a prefix),
 * so score, lex and rank ranges all reduce to rank intervals [lo, hi).
 *
 * Ownership. The handle never moves once made (conversions swap what it points
 * to), so the keyspace entry only needs its encoding refreshed
 * (ke_set_enc with zset_encoding). Members passed in are copied. Slices handed
 * out point into the zset and stay valid only until it next changes, except
 * listpack members that are integers (stored in binary): their text lives in
 * the iterator (valid until the next zset_iter_next) or on the stack of the
 * call (predicate and scan callbacks: valid during the call).
 *
 * Thread safety: none; the keyspace's shard locks cover a zset.
 */
#ifndef KV_TYPES_ZSET_H
#define KV_TYPES_ZSET_H

#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

typedef struct zset zset;

/* Conversion thresholds (zset-max-listpack-entries, zset-max-listpack-value). */
typedef struct zset_limits {
    long long max_entries;
    long long max_value;
} zset_limits;

/* A new empty zset, listpack-encoded. */
zset *zset_new(void);
void zset_free(zset *z); /* z may be NULL */
/* A deep copy, same encoding. */
zset *zset_dup(const zset *z);
size_t zset_size(const zset *z);
/* ENC_LISTPACK or ENC_SKIPLIST (db/ks.h numbering). */
int zset_encoding(const zset *z);
/* Bytes used by the zset (handle, structure, members). */
size_t zset_mem(const zset *z);
/* Forces the skiplist encoding (no-op if already). */
void zset_convert(zset *z);

/* 1 and *score if m is a member, else 0. */
int zset_score(zset *z, slice m, double *score);
/* Sets m's score (adding m if absent), converting first when lim requires it:
 * 1 if added, 0 if updated. score must not be NaN. */
int zset_set(zset *z, slice m, double score, const zset_limits *lim);
/* Removes m: 1 if it was a member. */
int zset_remove(zset *z, slice m);
/* 1 and *rank (ascending, 0-based) if m is a member. */
int zset_rank(zset *z, slice m, size_t *rank);

/* Monotone predicate over the order: true for members before a boundary. */
typedef int zset_pred_fn(void *ctx, slice m, double score);
/* How many members (a prefix of the order) satisfy pred. O(log n) skiplist. */
size_t zset_count_before(zset *z, zset_pred_fn *pred, void *ctx);

/* Room for a listpack integer member's text (see Ownership). */
#define ZSET_NUMBUF 24

/* Iteration from ascending rank `rank` upwards (rev 0) or downwards (rev 1).
 * The zset must not change while iterating. No cleanup needed. */
typedef struct zset_iter {
    zset *z;
    int rev;
    size_t pos; /* listpack: position of the next member (LP_END: done) */
    void *node; /* skiplist: next node (NULL: done) */
    char buf[ZSET_NUMBUF]; /* listpack: an integer member's text */
} zset_iter;
void zset_iter_init(zset_iter *it, zset *z, size_t rank, int rev);
/* 1 with *m and *score for the next member, 0 at the end. *m is valid until
 * the next call (or a change of the zset). */
int zset_iter_next(zset_iter *it, slice *m, double *score);

/* One ZSCAN step: calls fn for some members from cursor and returns the next
 * cursor, 0 when done. A listpack is returned whole (cursor 0). */
typedef void zset_member_fn(void *priv, slice m, double score);
uint64_t zset_scan(zset *z, uint64_t cursor, long count, zset_member_fn *fn, void *priv);

/* Registers the type's free/dup/mem functions with the keyspace. */
void zset_type_register(void);

#endif
