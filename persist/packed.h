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
 * non-zero return value (so a callback should stop with a positive value to
 * tell its own stop from a malformed blob). *count (if not NULL) gets the
 * number of entries of the whole blob whenever it is well-formed, even if fn
 * stops early; it is left alone on -1. fn may be NULL: validate and count only.
 * String entries point into blob and stay valid as long as it does. A blob
 * without entries is well-formed; whether an empty collection is acceptable is
 * the caller's decision. Non-minimal encodings that Redis would not write but
 * that the format allows (an int64 holding 5, a wide intset of small values, a
 * 5-byte ziplist prevlen holding a small length) are accepted. */
int pk_listpack_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count);
int pk_ziplist_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count);
/* Intset entries are always integers; entries must be sorted and distinct. */
int pk_intset_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count);
/* Zipmap: entries alternate key, value (*count counts both: twice the pairs). */
int pk_zipmap_each(const void *blob, size_t len, pk_fn *fn, void *priv, size_t *count);

/* Listpack writer: builds a listpack in b. pk_lp_begin empties b (keeping its
 * memory) and must come first; the bytes in b are not a listpack until
 * pk_lp_finish writes the header and terminator. Integers (and strings that
 * are canonical integers, as Redis's string2ll accepts them) use the integer
 * encodings; every entry takes the smallest encoding, so the output matches
 * Redis's bytes. The header's count saturates at 65535 ("unknown"). */
void pk_lp_begin(buf *b);
void pk_lp_add_str(buf *b, const void *p, size_t len);
void pk_lp_add_int(buf *b, long long v);
/* Returns -1 if the listpack would exceed Redis's limits (4 GiB; adds past
 * the limit are dropped, so memory stays bounded); b then holds no listpack
 * and is reused with pk_lp_begin or freed with buf_free as usual. */
int pk_lp_finish(buf *b);

#endif
