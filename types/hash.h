/* types/hash.h — the hash value type: field -> value maps.
 *
 * Two encodings, as Redis has them:
 *
 *   listpack   one lpack (core/lpack.h) holding field, value, field, value...
 *              in insertion order. Lookups are linear, but a small hash costs
 *              a few bytes per pair and no pointers.
 *   hashtable  a core/htab whose elements are one allocation per pair:
 *                +------------+------------+-----------+-----------+
 *                | varint flen| varint vlen| field     | value     |
 *                +------------+------------+-----------+-----------+
 *
 * A hash starts as a listpack and converts to a hashtable, for good, when it
 * would hold more than `max_entries` pairs or a field or value longer than
 * `max_value` bytes (Redis's hash-max-listpack-entries / -value; the caller
 * passes them in, this layer reads no configuration).
 *
 * The keyspace holds a `hash *` (a small handle naming the encoding and the
 * structure); the handle never moves, so a hash's keyspace pointer stays the
 * same for its whole life, but its encoding can change (hash_set reports it
 * through hash_encoding, ENC_* values of db/ks.h).
 *
 * Ownership. A hash owns its bytes; fields and values passed in are copied.
 * Slices handed out point into the hash and stay valid until it next changes,
 * except that a listpack stores integers in binary: their text is formatted
 * into a caller-provided buffer (hash_get), the iterator's buffers (valid
 * until the next hash_iter_next) or the stack of the call (callbacks: valid
 * during the call only).
 */
#ifndef KV_TYPES_HASH_H
#define KV_TYPES_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "core/htab.h"
#include "core/slice.h"

typedef struct hash hash;

/* Conversion thresholds (hash-max-listpack-entries, hash-max-listpack-value). */
typedef struct hash_limits {
    size_t max_entries;
    size_t max_value;
} hash_limits;

/* A new empty hash, listpack-encoded. */
hash *hash_new(void);
void hash_free(hash *h);
/* A deep copy, same encoding. */
hash *hash_dup(const hash *h);
size_t hash_len(const hash *h);
/* ENC_LISTPACK or ENC_HT (db/ks.h numbering). */
int hash_encoding(const hash *h);
/* Bytes used by the hash (handle, structure, pairs). O(n) for a hashtable. */
size_t hash_mem(const hash *h);

/* Room for a listpack integer's text (see the ownership note above). */
#define HASH_NUMBUF 24

/* 1 and *val if field is present, else 0. *val is valid until the hash
 * changes, or points into buf (valid while buf is). */
int hash_get(hash *h, slice field, slice *val, char buf[HASH_NUMBUF]);
/* Sets field to val, converting to a hashtable first when lim requires it.
 * Returns 1 if the field is new, 0 if an existing value was replaced. */
int hash_set(hash *h, slice field, slice val, const hash_limits *lim);
/* Removes field: 1 if it was present. The hash may become empty (the caller
 * deletes the key then). */
int hash_del(hash *h, slice field);
/* Forces the hashtable encoding (no-op if already). For loaders and tests. */
void hash_convert(hash *h);

/* Iteration over every pair once, in listpack order for a listpack. The hash
 * must not change while an iterator is open; close it with hash_iter_done. */
typedef struct hash_iter {
    hash *h;
    size_t pos;   /* listpack: position of the next field */
    htab_iter hi; /* hashtable */
    char fbuf[HASH_NUMBUF], vbuf[HASH_NUMBUF]; /* listpack integers' text */
} hash_iter;
void hash_iter_init(hash_iter *it, hash *h);
/* 1 with *field and *val for the next pair, 0 at the end. The slices are
 * valid until the next call (or a change of the hash). */
int hash_iter_next(hash_iter *it, slice *field, slice *val);
void hash_iter_done(hash_iter *it);

/* Callback for pairs handed out one by one; the slices are valid only during
 * the call (copy what must outlive it). */
typedef void hash_pair_fn(void *priv, slice field, slice val);
/* Calls fn for `count` random pairs, repetitions allowed (HRANDFIELD with a
 * negative count). The hash must not be empty. */
void hash_random_pairs(hash *h, size_t count, hash_pair_fn *fn, void *priv);
/* Calls fn for min(count, len) distinct random pairs. */
void hash_random_distinct(hash *h, size_t count, hash_pair_fn *fn, void *priv);

/* One HSCAN step over a hashtable-encoded hash (see htab_scan): calls fn for the
 * pairs of at least one bucket, returns the next cursor (0: done). For a
 * listpack it calls fn for every pair and returns 0. */
uint64_t hash_scan(hash *h, uint64_t cursor, hash_pair_fn *fn, void *priv);

/* Registers the type's free/dup/mem functions with the keyspace. */
void hash_type_register(void);

#endif
