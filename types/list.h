/* types/list.h — the list value type: a quicklist of lpack nodes.
 *
 * A list is a doubly linked list of nodes, each holding a run of elements in
 * one lpack (core/lpack.h). Pushing and popping at either end touch one node;
 * positional access walks from the nearer end and skips whole nodes by their
 * element counts, so LINDEX/LSET cost O(nodes/2 + node size).
 *
 * Node size. `fill` is Redis's list-max-listpack-size: a negative value bounds
 * a node's bytes (-1: 4 KB, -2: 8 KB, -3: 16 KB, -4: 32 KB, -5 or less:
 * 64 KB; -1 and -2 are applied as 3.5 KB and 7 KB, see list.c); a positive
 * one bounds its element count (and, as in Redis, its bytes at 8 KB). An element too big for any node gets a node of its own. The fill
 * is fixed when the list is created (Redis 7.0 does the same).
 *
 * Ownership. A list owns its nodes and their bytes. Slices handed out by
 * list_index, the iterator and the pop callback point into the list's memory
 * and stay valid only until the list next changes — except integer elements,
 * which the lpack stores in binary: their text is formatted into the caller's
 * buffer (list_index), the iterator (valid until the next list_iter_next) or
 * the stack (the pop callback: valid during the call). Elements passed in are
 * copied. Indexes are 0-based; functions taking an index accept negative ones
 * counting from the tail (-1 is the last element) unless noted.
 */
#ifndef KV_TYPES_LIST_H
#define KV_TYPES_LIST_H

#include <stddef.h>

#include "core/slice.h"

typedef struct list list;

enum { LIST_HEAD = 0, LIST_TAIL = 1 };

/* A new empty list whose nodes are bounded by fill (see above). */
list *list_new(int fill);
void list_free(list *l);
/* A deep copy (same fill). */
list *list_dup(const list *l);
size_t list_len(const list *l);
/* Bytes used by the list (structure, nodes and packed elements). */
size_t list_mem(const list *l);
/* Number of nodes (for tests and DEBUG). */
size_t list_nodes(const list *l);
/* Checks the structure (links, cached counts and sizes, no empty node, the
 * total length): 0 if sound, -1 otherwise. For tests and DEBUG. */
int list_check(const list *l);

/* Adds v at the head or the tail. */
void list_push(list *l, int where, slice v);

/* Called with each popped element before it is removed; v is valid only during
 * the call. */
typedef void list_elem_fn(void *priv, slice v);
/* Removes up to n elements from the head or the tail, calling fn (if not NULL)
 * for each, in pop order. Returns how many were removed. */
size_t list_pop(list *l, int where, size_t n, list_elem_fn *fn, void *priv);

/* Room for an integer element's text (see Ownership). */
#define LIST_NUMBUF 24

/* 0 and *out if idx is in range, -1 otherwise. *out may point into buf. */
int list_index(const list *l, long long idx, slice *out, char buf[LIST_NUMBUF]);
/* Replaces the element at idx: 0, or -1 if idx is out of range. */
int list_set(list *l, long long idx, slice v);
/* Inserts v before (after == 0) or after the first element equal to pivot,
 * searching from the head: 1 if inserted, 0 if pivot was not found. */
int list_insert(list *l, int after, slice pivot, slice v);
/* Removes elements equal to v: count > 0 the first count from the head,
 * count < 0 the first -count from the tail, 0 all. Returns how many. */
size_t list_remove(list *l, slice v, long long count);
/* Deletes n elements starting at index start (0 <= start; clamped to the end). */
void list_del_range(list *l, size_t start, size_t n);

/* Iteration from index start (as above) towards the tail (dir LIST_TAIL) or
 * the head (dir LIST_HEAD). The list must not change while iterating. */
typedef struct list_iter {
    const list *l;
    void *node;
    size_t pos;
    int dir;
    char buf[LIST_NUMBUF]; /* an integer element's text */
} list_iter;
void list_iter_init(list_iter *it, const list *l, long long start, int dir);
/* 1 and *out for the next element, 0 at the end. *out is valid until the
 * next call (or a change of the list). */
int list_iter_next(list_iter *it, slice *out);

/* Registers the type's free/dup/mem functions with the keyspace. */
void list_type_register(void);

#endif
