/* types/list.c — the list value type: a quicklist of lpack nodes.
 *
 * Layout:
 *
 *   list: head -> [node] <-> [node] <-> ... <-> [node] <- tail ; len, nnodes
 *   node: prev | next | lpack* | count (u32) | bytes (u32)  (32 bytes)
 *
 * Each node caches its element count and its lpack's size so that walks skip
 * whole nodes and fullness checks read no packed memory. Nodes are never
 * empty: a node whose last element goes is freed at once.
 *
 * Growth. A push goes into the end node when the node has room for it (see
 * fits()), otherwise into a new node, whose lpack is given the full node's
 * size at once (push_node). Inserting or replacing in the middle
 * writes into the node first and then splits it in two if it went over its
 * bound. Deletions merge a node with a neighbour when both fit in one, so a
 * list thinned by LREM/LTRIM does not keep a trail of tiny nodes.
 */
#include "types/list.h"

#include <stdint.h>
#include <string.h>

#include "core/lpack.h"
#include "core/mem.h"
#include "db/ks.h"

typedef struct lnode {
    struct lnode *prev, *next;
    lpack *lp;
    uint32_t count;
    uint32_t bytes;
} lnode;

struct list {
    lnode *head, *tail;
    size_t len;
    size_t nnodes;
    int fill;
};

/* Redis's safety bound on a node's bytes when fill counts elements. */
#define SIZE_SAFETY_LIMIT 8192

_Static_assert(LIST_NUMBUF >= LP_INTBUF, "LIST_NUMBUF holds an lpack integer");

/* Node bounds for fill -1 .. -5. -1 and -2 stop one jemalloc size class
 * short of 4 KB and 8 KB: those two classes give every block a slab of its
 * own (one region per slab, so allocator metadata per node), while 3.5 KB and
 * 7 KB blocks pack 8 and 4 to a slab at the same bytes per element (about
 * 0.1 byte per element of RSS on a long list of small elements). */
static const size_t fill_bytes[] = {3584, 7168, 16384, 32768, 65536};

/* ------------------------------------------------------------ nodes */

static size_t byte_limit(int fill)
{
    if (fill >= 0) return SIZE_SAFETY_LIMIT;
    if (fill < -5) fill = -5;
    return fill_bytes[-fill - 1];
}

/* 1 if node (not NULL) can take `extra` more bytes and `add` more elements. */
static int fits(const list *l, const lnode *n, size_t extra, size_t add)
{
    if (n->count == 0) return 1;
    if ((size_t)n->bytes + extra > byte_limit(l->fill)) return 0;
    if (l->fill >= 0 && (size_t)n->count + add > (size_t)l->fill) return 0;
    return 1;
}

/* 1 if node is over its bound and holds more than one element. */
static int over(const list *l, const lnode *n)
{
    if (n->count <= 1) return 0;
    if (n->bytes > byte_limit(l->fill)) return 1;
    return l->fill >= 0 && n->count > (uint32_t)(l->fill > 0 ? l->fill : 1);
}

static void node_sync(lnode *n)
{
    n->count = (uint32_t)lp_count(n->lp);
    n->bytes = (uint32_t)lp_bytes(n->lp);
}

static lnode *node_new(void)
{
    lnode *n = mem_alloc(sizeof(*n));
    n->prev = n->next = NULL;
    n->lp = lp_new();
    node_sync(n);
    return n;
}

/* Links n after `at` (at == NULL: at the head). */
static void link_after(list *l, lnode *at, lnode *n)
{
    n->prev = at;
    n->next = at ? at->next : l->head;
    if (n->next)
        n->next->prev = n;
    else
        l->tail = n;
    if (at)
        at->next = n;
    else
        l->head = n;
    l->nnodes++;
}

/* Unlinks and frees n (its elements must already be out of l->len). */
static void node_unlink_free(list *l, lnode *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        l->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        l->tail = n->prev;
    l->nnodes--;
    lp_free(n->lp);
    mem_free(n);
}

/* Appends every element of src's lpack to dst's (both nodes of l). */
static void node_append_all(lnode *dst, const lnode *src)
{
    char buf[LP_INTBUF];
    for (size_t p = lp_first(src->lp); p != LP_END; p = lp_next(src->lp, p))
        dst->lp = lp_append(dst->lp, lp_get(src->lp, p, buf));
    node_sync(dst);
}

/* Merges n with its next node when both fit in one. */
static void merge_next(list *l, lnode *n)
{
    lnode *m = n ? n->next : NULL;
    if (!m || !fits(l, n, m->bytes, m->count)) return;
    node_append_all(n, m);
    node_unlink_free(l, m);
}

/* After elements left n: frees it if empty, else tries merging around it. */
static void node_shrunk(list *l, lnode *n)
{
    if (n->count == 0) {
        node_unlink_free(l, n);
        return;
    }
    lnode *p = n->prev;
    merge_next(l, n);
    if (p) merge_next(l, p);
}

/* Splits n in two halves (n keeps the first). */
static void split(list *l, lnode *n)
{
    size_t keep = n->count / 2;
    lnode *m = node_new();
    size_t p = lp_at(n->lp, (long)keep);
    size_t start = p;
    char buf[LP_INTBUF];
    for (; p != LP_END; p = lp_next(n->lp, p))
        m->lp = lp_append(m->lp, lp_get(n->lp, p, buf));
    node_sync(m);
    n->lp = lp_delete(n->lp, start, n->count - keep, NULL);
    node_sync(n);
    link_after(l, n, m);
}

/* Splits n until no part is over its bound (one split suffices unless a node
 * took a big element). */
static void fix_over(list *l, lnode *n)
{
    while (over(l, n)) {
        lnode *next = n->next;
        split(l, n);
        if (over(l, n)) continue;
        n = n->next;
        if (n == next) break;
    }
}

/* The node holding index idx (0 <= idx < len) and idx's offset inside it,
 * walking from the nearer end. */
static lnode *locate(const list *l, size_t idx, size_t *local)
{
    lnode *n;
    if (idx < l->len / 2) {
        n = l->head;
        while (idx >= n->count) {
            idx -= n->count;
            n = n->next;
        }
        *local = idx;
    } else {
        size_t back = l->len - 1 - idx; /* elements after idx */
        n = l->tail;
        while (back >= n->count) {
            back -= n->count;
            n = n->prev;
        }
        *local = n->count - 1 - back;
    }
    return n;
}

/* Normalizes idx (negative from the end): 0 and *out if in range. */
static int norm_index(const list *l, long long idx, size_t *out)
{
    if (idx < 0) idx += (long long)l->len;
    if (idx < 0 || (unsigned long long)idx >= l->len) return -1;
    *out = (size_t)idx;
    return 0;
}

/* ------------------------------------------------------------ API */

list *list_new(int fill)
{
    list *l = mem_calloc(sizeof(*l));
    l->fill = fill;
    return l;
}

void list_free(list *l)
{
    if (!l) return;
    lnode *n = l->head;
    while (n) {
        lnode *next = n->next;
        lp_free(n->lp);
        mem_free(n);
        n = next;
    }
    mem_free(l);
}

list *list_dup(const list *l)
{
    list *d = list_new(l->fill);
    for (lnode *n = l->head; n; n = n->next) {
        lnode *m = mem_alloc(sizeof(*m));
        m->lp = lp_dup(n->lp);
        m->count = n->count;
        m->bytes = n->bytes;
        link_after(d, d->tail, m);
    }
    d->len = l->len;
    return d;
}

size_t list_len(const list *l)
{
    return l->len;
}

size_t list_nodes(const list *l)
{
    return l->nnodes;
}

int list_check(const list *l)
{
    size_t len = 0, nodes = 0;
    const lnode *prev = NULL;
    for (const lnode *n = l->head; n; prev = n, n = n->next) {
        if (n->prev != prev || n->count == 0) return -1;
        if (n->count != lp_count(n->lp) || n->bytes != lp_bytes(n->lp)) return -1;
        len += n->count;
        nodes++;
    }
    if (l->tail != prev || len != l->len || nodes != l->nnodes) return -1;
    return 0;
}

size_t list_mem(const list *l)
{
    size_t total = sizeof(*l) + l->nnodes * sizeof(lnode);
    for (lnode *n = l->head; n; n = n->next) total += mem_usable(n->lp);
    return total;
}

/* A new node at the head or the tail for a push that did not fit the end
 * node `full` (NULL for an empty list). A list that filled one node by pushes
 * will likely fill the next: the new node gets the full node's size up front,
 * so it does not climb through every allocator size class on the way (each
 * class visited leaves regions cached in the allocator: memory that a long
 * list paid for and never used). */
static lnode *push_node(list *l, int where, const lnode *full)
{
    lnode *n = node_new();
    if (full) n->lp = lp_reserve(n->lp, full->bytes);
    link_after(l, where == LIST_HEAD ? NULL : l->tail, n);
    return n;
}

void list_push(list *l, int where, slice v)
{
    size_t need = lp_entry_bytes(v);
    lnode *n = where == LIST_HEAD ? l->head : l->tail;
    if (!n || !fits(l, n, need, 1)) n = push_node(l, where, n);
    n->lp = where == LIST_HEAD ? lp_prepend(n->lp, v) : lp_append(n->lp, v);
    node_sync(n);
    l->len++;
}

size_t list_pop(list *l, int where, size_t n, list_elem_fn *fn, void *priv)
{
    size_t done = 0;
    char buf[LP_INTBUF];
    while (done < n && l->len) {
        lnode *nd = where == LIST_HEAD ? l->head : l->tail;
        size_t k = n - done < nd->count ? n - done : nd->count;
        if (where == LIST_HEAD) {
            size_t p = lp_first(nd->lp);
            if (fn)
                for (size_t i = 0, q = p; i < k; i++, q = lp_next(nd->lp, q))
                    fn(priv, lp_get(nd->lp, q, buf));
            if (k < nd->count) nd->lp = lp_delete(nd->lp, p, k, NULL);
        } else {
            size_t q = lp_last(nd->lp);
            for (size_t i = 1; i < k; i++) {
                if (fn) fn(priv, lp_get(nd->lp, q, buf));
                q = lp_prev(nd->lp, q);
            }
            if (fn) fn(priv, lp_get(nd->lp, q, buf));
            if (k < nd->count) nd->lp = lp_delete(nd->lp, q, k, NULL);
        }
        l->len -= k;
        done += k;
        if (k == nd->count) {
            nd->count = 0;
            node_unlink_free(l, nd);
        } else {
            node_sync(nd);
        }
    }
    return done;
}

int list_index(const list *l, long long idx, slice *out, char buf[LIST_NUMBUF])
{
    size_t i, local;
    if (norm_index(l, idx, &i) < 0) return -1;
    lnode *n = locate(l, i, &local);
    *out = lp_get(n->lp, lp_at(n->lp, (long)local), buf);
    return 0;
}

int list_set(list *l, long long idx, slice v)
{
    size_t i, local;
    if (norm_index(l, idx, &i) < 0) return -1;
    lnode *n = locate(l, i, &local);
    n->lp = lp_replace(n->lp, lp_at(n->lp, (long)local), v, NULL);
    node_sync(n);
    fix_over(l, n);
    return 0;
}

/* Inserts v into n at position pos (LP_END: after its last element). */
static void insert_at(list *l, lnode *n, size_t pos, slice v)
{
    n->lp = lp_insert(n->lp, pos, v, NULL);
    node_sync(n);
    l->len++;
    fix_over(l, n);
}

int list_insert(list *l, int after, slice pivot, slice v)
{
    for (lnode *n = l->head; n; n = n->next) {
        size_t p = lp_find(n->lp, lp_first(n->lp), pivot, 0);
        if (p == LP_END) continue;
        if (after) {
            p = lp_next(n->lp, p);
            /* After a node's last element: the next node's head may have room. */
            if (p == LP_END && n->next && !fits(l, n, lp_entry_bytes(v), 1) &&
                fits(l, n->next, lp_entry_bytes(v), 1)) {
                insert_at(l, n->next, lp_first(n->next->lp), v);
                return 1;
            }
        } else if (p == lp_first(n->lp) && n->prev &&
                   !fits(l, n, lp_entry_bytes(v), 1) &&
                   fits(l, n->prev, lp_entry_bytes(v), 1)) {
            insert_at(l, n->prev, LP_END, v);
            return 1;
        }
        insert_at(l, n, p, v);
        return 1;
    }
    return 0;
}

/* Removes matches of v from n, head to tail, at most max (0: all). */
static size_t remove_fwd(lnode *n, slice v, size_t max)
{
    size_t removed = 0;
    size_t p = lp_first(n->lp);
    while (p != LP_END && (max == 0 || removed < max)) {
        p = lp_find(n->lp, p, v, 0);
        if (p == LP_END) break;
        n->lp = lp_delete(n->lp, p, 1, &p);
        removed++;
    }
    return removed;
}

/* Removes matches of v from n, tail to head, at most max (> 0). Offsets of
 * the entries before a deleted one do not change (lpack layout). */
static size_t remove_back(lnode *n, slice v, size_t max)
{
    size_t removed = 0;
    size_t p = lp_last(n->lp);
    char buf[LP_INTBUF];
    while (p != LP_END && removed < max) {
        size_t prev = lp_prev(n->lp, p);
        slice e = lp_get(n->lp, p, buf);
        if (slice_eq(e, v)) {
            n->lp = lp_delete(n->lp, p, 1, NULL);
            removed++;
        }
        p = prev;
    }
    return removed;
}

size_t list_remove(list *l, slice v, long long count)
{
    size_t total = 0;
    size_t max = count < 0 ? (size_t)(-(count + 1)) + 1 : (size_t)count;
    lnode *n = count < 0 ? l->tail : l->head;
    while (n && (max == 0 || total < max)) {
        lnode *step = count < 0 ? n->prev : n->next;
        size_t left = max ? max - total : 0;
        size_t k = count < 0 ? remove_back(n, v, left) : remove_fwd(n, v, left);
        if (k) {
            node_sync(n);
            l->len -= k;
            total += k;
            if (n->count == 0) {
                node_unlink_free(l, n);
            } else if (count >= 0) {
                /* Merging forward would swallow `step`, which the walk still
                 * needs: only merge with the previous node. */
                if (n->prev) merge_next(l, n->prev);
            } else {
                merge_next(l, n);
            }
        }
        n = step;
    }
    return total;
}

void list_del_range(list *l, size_t start, size_t n)
{
    if (start >= l->len || n == 0) return;
    if (n > l->len - start) n = l->len - start;
    size_t local;
    lnode *nd = locate(l, start, &local);
    lnode *first = nd;
    while (n) {
        lnode *next = nd->next;
        size_t k = nd->count - local < n ? nd->count - local : n;
        if (k == nd->count) {
            nd->count = 0;
            if (first == nd) first = nd->prev;
            node_unlink_free(l, nd);
        } else {
            nd->lp = lp_delete(nd->lp, lp_at(nd->lp, (long)local), k, NULL);
            node_sync(nd);
        }
        l->len -= k;
        n -= k;
        local = 0;
        nd = next;
    }
    if (first)
        node_shrunk(l, first);
    else if (l->head)
        node_shrunk(l, l->head);
}

void list_iter_init(list_iter *it, const list *l, long long start, int dir)
{
    it->l = l;
    it->dir = dir;
    it->node = NULL;
    it->pos = LP_END;
    size_t i, local;
    if (norm_index(l, start, &i) < 0) return;
    lnode *n = locate(l, i, &local);
    it->node = n;
    it->pos = lp_at(n->lp, (long)local);
}

int list_iter_next(list_iter *it, slice *out)
{
    lnode *n = it->node;
    if (!n) return 0;
    *out = lp_get(n->lp, it->pos, it->buf);
    if (it->dir == LIST_TAIL) {
        it->pos = lp_next(n->lp, it->pos);
        if (it->pos == LP_END) {
            n = n->next;
            it->node = n;
            if (n) it->pos = lp_first(n->lp);
        }
    } else {
        it->pos = lp_prev(n->lp, it->pos);
        if (it->pos == LP_END) {
            n = n->prev;
            it->node = n;
            if (n) it->pos = lp_last(n->lp);
        }
    }
    return 1;
}

/* ------------------------------------------------------------ keyspace type */

static void vt_free(void *p)
{
    list_free(p);
}

static void *vt_dup(const void *p)
{
    return list_dup(p);
}

static size_t vt_mem(const void *p)
{
    return list_mem(p);
}

void list_type_register(void)
{
    static const ks_value_type vt = {vt_free, vt_dup, vt_mem};
    ks_register_type(OBJ_LIST, &vt);
}
