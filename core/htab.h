/* core/htab.h — the hash table every kvik structure uses: the keyspace, the
 * expiry index, hash/set types, the command table, client registries.
 *
 * It stores element pointers, not key/value pairs: an element carries its own
 * key, which the table reads through the type's `key` callback. The keyspace
 * stores one allocation per key (header, key, value) and the table holds just
 * the pointer, so a key costs its entry plus a share of a bucket.
 *
 * Layout: a table is an array of 2^n buckets of 64 bytes (one cache line):
 *
 *     +--------+--------+------------------+------------------------------+
 *     | used:7 | chain:1| hash8[7]         | elem[7] (elem[6] is a pointer |
 *     | bits   | bit    | top hash byte of |  to a child bucket when chain)|
 *     +--------+--------+------------------+------------------------------+
 *
 * A key's home bucket is (hash & mask). When a bucket is full, its last slot
 * becomes a pointer to a child bucket; chains are short because the table grows
 * before buckets fill. A lookup compares the stored hash byte before looking at
 * an element, so a miss rarely touches element memory.
 *
 * Growth and shrinking are incremental: while rehashing there are two tables,
 * and every find/add/remove moves a bucket (plus its chain) from the old one to
 * the new one; htab_rehash_step lets an idle loop do more. There is never a
 * stop-the-world resize.
 *
 * Scan: htab_scan uses a reverse-binary cursor over home buckets, so a full scan
 * returns every element that was in the table for the whole scan, even across
 * resizes (elements may be returned more than once).
 *
 * Thread safety: none; callers lock.
 */
#ifndef KV_CORE_HTAB_H
#define KV_CORE_HTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct htab htab;

typedef struct htab_type {
    /* Required. The key of an element; sets *len. The returned pointer stays
     * valid while the element is in the table. */
    const void *(*key)(const void *elem, size_t *len);
    /* Optional: hash of a key (default hash_bytes from core/hash.h). */
    uint64_t (*hash)(const void *key, size_t len);
    /* Optional: key equality (default: equal lengths and memcmp). */
    int (*key_eq)(const void *a, size_t alen, const void *b, size_t blen);
    /* Optional: frees an element; called by htab_delete, htab_clear, htab_free. */
    void (*free_elem)(void *elem);
} htab_type;

/* A new empty table (allocates no buckets until the first add). The type must
 * outlive the table. */
htab *htab_new(const htab_type *type);
/* Frees every element (free_elem) and the table. h may be NULL. */
void htab_free(htab *h);
/* Removes and frees every element; the table stays usable. */
void htab_clear(htab *h);

size_t htab_size(const htab *h);
/* Bytes of memory the table itself uses (buckets and header), not elements. */
size_t htab_mem(const htab *h);
/* Number of home buckets (both tables while rehashing), for INFO/DEBUG. */
size_t htab_buckets(const htab *h);

/* The element with this key, or NULL. */
void *htab_find(htab *h, const void *key, size_t len);

/* The address of the slot holding the element with this key, or NULL. The
 * caller may store a different element with an EQUAL key through it (the
 * keyspace does this when a value is reallocated). Valid until the next call
 * that adds, removes, finds (finds may rehash) or scans on this table. */
void **htab_find_ref(htab *h, const void *key, size_t len);

/* Adds elem; returns 1, or 0 (and adds nothing) if an element with an equal key
 * is present. */
int htab_add(htab *h, void *elem);

/* Find-or-reserve in one lookup. If an element with this key exists, sets
 * *existed = 1 and returns the address of its slot (as htab_find_ref). Otherwise
 * sets *existed = 0, reserves a slot for a new element with this key (counted in
 * htab_size) and returns its address: the caller MUST store a non-NULL element
 * whose key equals `key` there before any other call on the table. */
void **htab_upsert_ref(htab *h, const void *key, size_t len, int *existed);

/* Unlinks the element with this key and returns it (NOT freed), or NULL. */
void *htab_remove(htab *h, const void *key, size_t len);
/* Unlinks and frees (free_elem) the element with this key: 1 if there was one. */
int htab_delete(htab *h, const void *key, size_t len);

/* A random element (roughly uniform), or NULL if empty. rnd is a caller's random
 * number (the table keeps no generator state). */
void *htab_random(htab *h, uint64_t rnd);
/* Up to n elements from consecutive buckets starting at a random one (for
 * eviction and expiry sampling); returns how many were stored in out. */
size_t htab_sample(htab *h, uint64_t rnd, void **out, size_t n);

/* One scan step from cursor (0 starts): calls fn for each element of at least
 * one home bucket and returns the next cursor, 0 when the scan is complete. fn
 * must not modify the table. */
typedef void htab_scan_fn(void *priv, void *elem);
uint64_t htab_scan(htab *h, uint64_t cursor, htab_scan_fn *fn, void *priv);

/* Iteration over every element once. While an iterator is open the table does
 * not rehash or resize; the caller may htab_remove/htab_delete the element the
 * iterator last returned (and only that one) but must not add. Close with
 * htab_iter_done. */
typedef struct htab_iter {
    htab *h;
    int table;
    size_t bucket;
    void *b;     /* current bucket in a chain */
    int slot;
    int started;
} htab_iter;
void htab_iter_init(htab_iter *it, htab *h);
void *htab_iter_next(htab_iter *it);
void htab_iter_done(htab_iter *it);

/* Does up to n buckets of pending rehash work; returns 1 if work remains. */
int htab_rehash_step(htab *h, int n);
int htab_is_rehashing(const htab *h);

#endif
