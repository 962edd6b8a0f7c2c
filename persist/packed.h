/* persist/packed.h — Redis's packed blobs, as they appear inside RDB files.
 *
 * Redis stores small collections as one string holding a packed structure:
 * listpack (7.0: hashes, sorted sets, list nodes, stream nodes), ziplist
 * (older files), intset (integer sets) and zipmap (very old hashes). kvik
 * reads all four when loading a file or a RESTORE payload, and writes
 * listpacks (stream nodes, and anywhere else it chooses to).
 *
 * Every reader takes untrusted bytes: it checks the whole blob's structure
 * (header sizes, every entry's encoding and length, the terminator, that
 * nothing points outside the blob) before calling back with a single entry,
 * and never reads past `len`. A blob that fails any check is refused with -1.
 *
 * Entries come back as a pk_entry: either bytes (p, len) pointing into the
 * blob, or an integer (is_int, v). Callbacks return 0 to go on, non-zero to
 * stop (the reader then returns that value).
 */
#ifndef KV_PERSIST_PACKED_H
#define KV_PERSIST_PACKED_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct pk_entry {
    int is_int;
    long long v;       /* when is_int */
    const char *p;     /* when !is_int: bytes inside the blob */
    size_t len;
} pk_entry;

typedef int pk_fn(void *priv, const pk_entry *e);

/* Validates the blob and calls fn for each entry in order. Returns 0, -1 when
 * the blob is malformed (nothing is called back in that case), or fn's
 * non-zero return value. *count (if not NULL) gets the number of entries. */
int pk_listpack_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count);
int pk_ziplist_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count);
/* Intset entries are always integers; entries must be sorted and distinct. */
int pk_intset_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count);
/* Zipmap: entries alternate key, value. */
int pk_zipmap_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count);

/* Listpack writer: builds a listpack in b (empty at pk_lp_begin). Integers
 * (and strings that are canonical integers, as Redis does) use the integer
 * encodings. pk_lp_finish writes the header and terminator. */
void pk_lp_begin(buf *b);
void pk_lp_add_str(buf *b, const void *p, size_t len);
void pk_lp_add_int(buf *b, long long v);
/* Returns -1 if the listpack would exceed Redis's limits (4 GiB). */
int pk_lp_finish(buf *b);

#endif
