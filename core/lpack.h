/* core/lpack.h — a packed list of entries in one allocation.
 *
 * Small hashes, sets, lists and sorted sets keep their elements in an lpack
 * (reported as the "listpack" encoding) until they pass their size thresholds,
 * then convert to full structures. An lpack costs a small header plus, per
 * entry, its bytes and one or two short length fields — no pointers.
 *
 * An entry is a byte string or an integer. Every string that is a canonical
 * integer (as util_str2ll accepts it: no '+', no leading zero, no "-0", fits
 * 64 bits) is stored as an integer, in 1 to 10 bytes, and every other string
 * as its bytes; the caller always sees byte strings (lp_get formats integers
 * back). Because the form follows from the bytes, two entries are equal
 * exactly when their forms and contents are.
 *
 * Layout (the exact encodings are in lpack.c):
 *
 *   +-------------+-------------+------------------------------------------+
 *   | bytes (u32) | count (u32) | entry entry ...                          |
 *   +-------------+-------------+------------------------------------------+
 *   string entry:  head (tag/length) | bytes | backlen
 *   integer entry: tag | 0..8 value bytes | backlen, or one byte for 0..55
 *   backlen: the size of the rest of the entry, readable from its last byte,
 *            so the list can be walked backwards.
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

/* Room for the text of any integer entry ("-9223372036854775808"). */
#define LP_INTBUF 24

lpack *lp_new(void);
void lp_free(lpack *lp);
lpack *lp_dup(const lpack *lp);
size_t lp_count(const lpack *lp);
size_t lp_bytes(const lpack *lp); /* bytes in use, header included */

/* Bytes an entry holding s would take (for callers that bound an lpack's
 * size before inserting). */
size_t lp_entry_bytes(slice s);

/* Iteration: LP_END when there is no such entry. */
size_t lp_first(const lpack *lp);
size_t lp_last(const lpack *lp);
size_t lp_next(const lpack *lp, size_t pos);
size_t lp_prev(const lpack *lp, size_t pos);
/* The entry at index idx (negative counts from the end: -1 is the last). */
size_t lp_at(const lpack *lp, long idx);

/* The bytes of the entry at pos. A string entry's slice points into the
 * lpack and is valid until the lpack changes; an integer entry is formatted
 * into the caller's buf (not NUL-terminated), and its slice is valid until
 * buf is reused or goes out of scope. Callers that keep a slice must treat it as valid only while
 * both hold. */
slice lp_get(const lpack *lp, size_t pos, char buf[LP_INTBUF]);
/* 1 and *v if the entry at pos is an integer (no formatting or parsing);
 * 0 for a string entry (which is never a canonical integer). */
int lp_get_ll(const lpack *lp, size_t pos, long long *v);

/* Finds the first entry equal to s at or after start, looking only at every
 * (skip+1)-th entry (skip 1: the fields of field/value pairs). s is parsed
 * once: an integer is compared with integer entries only, by value. */
size_t lp_find(const lpack *lp, size_t start, slice s, int skip);

/* Inserts s before the entry at pos (LP_END appends). *newpos (if not NULL)
 * gets the position of the inserted entry. s may point into lp. */
lpack *lp_insert(lpack *lp, size_t pos, slice s, size_t *newpos);
/* Inserts the integer v (the same entry lp_insert makes of its text). */
lpack *lp_insert_ll(lpack *lp, size_t pos, long long v, size_t *newpos);
lpack *lp_append(lpack *lp, slice s);
lpack *lp_append_ll(lpack *lp, long long v);
lpack *lp_prepend(lpack *lp, slice s);
/* Replaces the entry at pos with s. */
lpack *lp_replace(lpack *lp, size_t pos, slice s, size_t *newpos);
/* Makes room for the lpack to grow to `bytes` bytes (header included)
 * without reallocating, for a caller that expects it to fill up (a list node
 * after a full one). Deletions may give the room back. */
lpack *lp_reserve(lpack *lp, size_t bytes);
/* Deletes n entries starting at pos. *next (if not NULL) gets the position of
 * the entry that followed them (or LP_END). */
lpack *lp_delete(lpack *lp, size_t pos, size_t n, size_t *next);

#endif
