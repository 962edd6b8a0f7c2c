/* server/keyreg.h — registries of clients waiting on keys.
 *
 * Two features need "who cares about this key": blocked clients (BLPOP waits
 * for a list to appear) and WATCH (a write must invalidate the watchers'
 * transactions). Both keep their interest as items in a key registry: per
 * shard, a table from (database, key) to a FIFO list of items, so waiters are
 * found in O(1) from a key and served in the order they arrived.
 *
 * Items are embedded in their owner's own structure (no allocation per item
 * beyond the per-key node); `owner` leads back to it. Every call on a key
 * must be made with that key's shard lock held (ks_lock), which is also what
 * makes an item's list safe to walk: writers of a key hold its lock anyway.
 *
 * Ownership: the registry owns the per-key nodes; the caller owns the items and
 * must remove them (kr_remove) before freeing them.
 */
#ifndef KV_SERVER_KEYREG_H
#define KV_SERVER_KEYREG_H

#include <stdatomic.h>

#include "core/slice.h"

typedef struct ks_db ks_db;
typedef struct kr_node kr_node;

enum { KR_BLOCKED = 0, KR_WATCHED = 1, KR_KINDS = 2 };

typedef struct kr_item {
    struct kr_item *prev, *next;
    kr_node *node; /* NULL while not registered */
    void *owner;
} kr_item;

/* Items registered of each kind, all keys: lets writers skip the lookup when
 * nobody waits (the common case). */
extern _Atomic long kr_count[KR_KINDS];

static inline int kr_any(int kind)
{
    return atomic_load_explicit(&kr_count[kind], memory_order_relaxed) != 0;
}

/* Appends it to the list of (db, key). */
void kr_add(int kind, ks_db *db, slice key, kr_item *it);
/* Unlinks it (no-op if not registered). Caller holds its key's shard lock. */
void kr_remove(int kind, kr_item *it);
/* The first item for (db, key), or NULL. Follow ->next for the rest. */
kr_item *kr_first(int kind, ks_db *db, slice key);
/* The key an item is registered under (valid while it is registered). */
slice kr_key(const kr_item *it);
/* Calls fn for every key of db registered in shard (caller holds that
 * shard's lock); fn may not add or remove items. */
typedef void kr_key_fn(void *priv, slice key, kr_item *first);
void kr_foreach_in_shard(int kind, ks_db *db, int shard, kr_key_fn *fn, void *priv);

#endif
