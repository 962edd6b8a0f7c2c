/* types/set.h — the set value type: unordered, unique byte-string members.
 *
 * Encodings (OBJECT ENCODING names them):
 *
 *   intset     every member is a canonical integer (util_str2ll) and there are
 *              at most `intset_entries` of them: a sorted array of integers, all
 *              of the smallest width (16, 32 or 64 bits) that fits the widest.
 *              Membership is a binary search; the whole set is one allocation.
 *   listpack   (Redis 7.2's encoding; Redis 7.0 would say hashtable) at most
 *              `listpack_entries` members of at most `listpack_value` bytes
 *              each: an unordered core/lpack, membership by a linear scan.
 *              Setting listpack_entries to 0 gives Redis 7.0's behaviour.
 *   hashtable  anything else: a core/htab whose elements are single allocations
 *              (varint length + bytes), so a member costs its bytes, one or two
 *              length bytes, allocator rounding and ~15 bytes of table.
 *
 * A set starts as an intset. A non-integer member, or more than intset_entries
 * members, converts it to a listpack when the result fits the listpack limits,
 * else to a hashtable; a listpack passing its limits becomes a hashtable.
 * Conversions only go that way (as in Redis): removing members never converts
 * back. The caller passes the limits in (set-max-intset-entries,
 * set-max-listpack-entries, set-max-listpack-value).
 *
 * Ownership. A set is an opaque pointer owned by whoever created it (the
 * keyspace, once given to ks_add). Calls that may reallocate or convert it take
 * `set **` and store the new pointer; the caller must then refresh any copy it
 * holds (the keyspace entry: ke_set_ptr, and ke_set_enc with set_encoding).
 * Members passed in are copied. Slices handed out (iterator, random member)
 * point into the set's memory or into the caller-provided iterator/buffer and
 * stay valid only until the set next changes (or the buffer is reused).
 *
 * Thread safety: none; the keyspace's shard locks cover a set.
 */
#ifndef KV_TYPES_SET_H
#define KV_TYPES_SET_H

#include <stddef.h>
#include <stdint.h>

#include "core/htab.h"
#include "core/slice.h"

typedef struct set set;

/* Thresholds for the compact encoding (from cfg, passed in by the caller). */
typedef struct set_limits {
    long long intset_entries;   /* set-max-intset-entries */
    long long listpack_entries; /* set-max-listpack-entries (0: no listpacks) */
    long long listpack_value;   /* set-max-listpack-value (bytes) */
} set_limits;

/* Room for a formatted 64-bit integer member. */
#define SET_NUMBUF 24

/* A new empty set (intset encoding). */
set *set_new(void);
void set_free(set *s); /* s may be NULL */
/* A deep copy with the same encoding. */
set *set_dup(const set *s);
size_t set_size(const set *s);
/* ENC_INTSET, ENC_LISTPACK or ENC_HT (db/ks.h numbering). */
int set_encoding(const set *s);
/* Bytes used by the set: structure, table and members (estimated from a
 * sample for large hashtables). */
size_t set_mem(const set *s);

/* Adds m: 1 if added, 0 if already a member. May convert or reallocate *s. */
int set_add(set **s, slice m, const set_limits *lim);
/* Removes m: 1 if it was a member. May reallocate *s (never converts). */
int set_remove(set **s, slice m);
/* 1 if m is a member. (Not const: a hashtable lookup may do rehash work.) */
int set_contains(set *s, slice m);

/* A random member (uniform for intsets, close to uniform for hashtables) in
 * *out: 0, or -1 if the set is empty. An integer member is formatted into buf. */
int set_random(set *s, char buf[SET_NUMBUF], slice *out);

/* Removes `count` (< set_size) members chosen at random, calling fn with each
 * just before it is removed (the slice is valid only during the call). May
 * reallocate *s. */
typedef void set_member_fn(void *priv, slice m);
void set_pop_random(set **s, size_t count, set_member_fn *fn, void *priv);

/* Iteration over every member once, in encoding order (ascending for intsets).
 * The set must not change while iterating. Close with set_iter_done. */
typedef struct set_iter {
    set *s;
    size_t pos;   /* intset index or lpack position */
    htab_iter hi; /* hashtables */
    char buf[SET_NUMBUF];
} set_iter;
void set_iter_init(set_iter *it, set *s);
/* 1 and *out for the next member, 0 at the end. */
int set_iter_next(set_iter *it, slice *out);
void set_iter_done(set_iter *it);

/* One SSCAN step: calls fn for each member of at least `count` (roughly)
 * members from cursor and returns the next cursor, 0 when done. An intset or a
 * listpack is returned whole in one call (cursor 0), as Redis does. fn's slice is valid
 * only during the call. */
uint64_t set_scan(set *s, uint64_t cursor, long count, set_member_fn *fn, void *priv);

/* Registers the type's free/dup/mem functions with the keyspace. */
void set_type_register(void);

#endif
