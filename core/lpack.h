/* core/lpack.h — a packed list of byte strings in one allocation.
 *
 * Small hashes, sets, lists and sorted sets keep their elements in an lpack
 * (reported as the "listpack" encoding) until they pass their size thresholds,
 * then convert to full structures. An lpack costs a small header plus, per
 * entry, its bytes and two short length fields — no pointers.
 *
 * Layout:
 *
 *   +-------------+-------------+------------------------------------------+
 *   | bytes (u32) | count (u32) | entry entry ...                          |
 *   +-------------+-------------+------------------------------------------+
 *   entry = varint(len) | len bytes | backlen (len of the varint+bytes part,
 *           written as a reversed varint so the list can be walked backwards)
 *
 * Positions are byte offsets into the lpack (LP_END past the last entry).
 * Any call that changes the lpack may move it: it returns the new pointer,
 * and every position taken before the change is invalid except the one the
 * call returns.
 */
#ifndef KV_CORE_LPACK_H
#define KV_CORE_LPACK_H

#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

typedef struct lpack lpack;

#define LP_END ((size_t)-1)

lpack *lp_new(void);
void lp_free(lpack *lp);
lpack *lp_dup(const lpack *lp);
size_t lp_count(const lpack *lp);
size_t lp_bytes(const lpack *lp); /* total size, for memory accounting */

/* Iteration: LP_END when there is no such entry. */
size_t lp_first(const lpack *lp);
size_t lp_last(const lpack *lp);
size_t lp_next(const lpack *lp, size_t pos);
size_t lp_prev(const lpack *lp, size_t pos);
/* The entry at index idx (negative counts from the end: -1 is the last). */
size_t lp_at(const lpack *lp, long idx);

/* The bytes of the entry at pos; valid until the lpack changes. */
slice lp_get(const lpack *lp, size_t pos);
/* 1 and *v if the entry at pos is a canonical integer (as util_str2ll). */
int lp_get_ll(const lpack *lp, size_t pos, long long *v);

/* Finds the first entry equal to s at or after start, looking only at every
 * (skip+1)-th entry (skip 1: the fields of field/value pairs). */
size_t lp_find(const lpack *lp, size_t start, slice s, int skip);

/* Inserts s before the entry at pos (LP_END appends). *newpos (if not NULL)
 * gets the position of the inserted entry. */
lpack *lp_insert(lpack *lp, size_t pos, slice s, size_t *newpos);
lpack *lp_append(lpack *lp, slice s);
lpack *lp_prepend(lpack *lp, slice s);
/* Replaces the entry at pos with s. */
lpack *lp_replace(lpack *lp, size_t pos, slice s, size_t *newpos);
/* Deletes n entries starting at pos. *next (if not NULL) gets the position of
 * the entry that followed them (or LP_END). */
lpack *lp_delete(lpack *lp, size_t pos, size_t n, size_t *next);

#endif
