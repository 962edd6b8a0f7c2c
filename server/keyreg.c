/* server/keyreg.c — registries of clients waiting on keys (see keyreg.h).
 *
 *   shard table (core/htab) --(db id, key)--> kr_node
 *   kr_node: | head | tail | dbid | keylen | key bytes ("db id" 4 bytes + key)
 *   items: doubly linked from head to tail, each embedded in its owner.
 */
#include <string.h>

#include "core/htab.h"
#include "core/mem.h"
#include "db/ks.h"
#include "server/keyreg.h"

struct kr_node {
    kr_item *head, *tail;
    int shard;
    size_t len; /* of id (4 bytes: db id) + key */
    char id[];
};

_Atomic long kr_count[KR_KINDS];

static htab *tables[KR_KINDS][KS_SHARDS];

static const void *node_key(const void *elem, size_t *len)
{
    const kr_node *n = elem;
    *len = n->len;
    return n->id;
}

static const htab_type node_type = {.key = node_key};

/* The composite lookup key: 4 bytes of db id, then the key. */
typedef struct idkey {
    char *p;
    size_t len;
    char small[128];
} idkey;

static void idkey_make(idkey *k, ks_db *db, slice key)
{
    int id = ks_db_id(db);
    k->len = 4 + key.len;
    k->p = k->len <= sizeof(k->small) ? k->small : mem_alloc(k->len);
    memcpy(k->p, &id, 4);
    if (key.len) memcpy(k->p + 4, key.p, key.len);
}

static void idkey_free(idkey *k)
{
    if (k->p != k->small) mem_free(k->p);
}

void kr_add(int kind, ks_db *db, slice key, kr_item *it)
{
    int shard = ks_shard_of(key);
    htab **t = &tables[kind][shard];
    if (!*t) *t = htab_new(&node_type);
    idkey k;
    idkey_make(&k, db, key);
    kr_node *n = htab_find(*t, k.p, k.len);
    if (!n) {
        n = mem_calloc(sizeof(*n) + k.len);
        n->shard = shard;
        n->len = k.len;
        memcpy(n->id, k.p, k.len);
        htab_add(*t, n);
    }
    idkey_free(&k);
    it->node = n;
    it->next = NULL;
    it->prev = n->tail;
    if (n->tail)
        n->tail->next = it;
    else
        n->head = it;
    n->tail = it;
    atomic_fetch_add_explicit(&kr_count[kind], 1, memory_order_relaxed);
}

void kr_remove(int kind, kr_item *it)
{
    kr_node *n = it->node;
    if (!n) return;
    if (it->prev)
        it->prev->next = it->next;
    else
        n->head = it->next;
    if (it->next)
        it->next->prev = it->prev;
    else
        n->tail = it->prev;
    it->node = NULL;
    it->prev = it->next = NULL;
    atomic_fetch_sub_explicit(&kr_count[kind], 1, memory_order_relaxed);
    if (!n->head) {
        htab_remove(tables[kind][n->shard], n->id, n->len);
        mem_free(n);
    }
}

kr_item *kr_first(int kind, ks_db *db, slice key)
{
    htab *t = tables[kind][ks_shard_of(key)];
    if (!t || !htab_size(t)) return NULL;
    idkey k;
    idkey_make(&k, db, key);
    kr_node *n = htab_find(t, k.p, k.len);
    idkey_free(&k);
    return n ? n->head : NULL;
}

slice kr_key(const kr_item *it)
{
    return slice_of(it->node->id + 4, it->node->len - 4);
}

typedef struct foreach_ctx {
    int dbid;
    kr_key_fn *fn;
    void *priv;
} foreach_ctx;

static void foreach_node(void *priv, void *elem)
{
    foreach_ctx *x = priv;
    kr_node *n = elem;
    int id;
    memcpy(&id, n->id, 4);
    if (id == x->dbid) x->fn(x->priv, slice_of(n->id + 4, n->len - 4), n->head);
}

void kr_foreach_in_shard(int kind, ks_db *db, int shard, kr_key_fn *fn, void *priv)
{
    htab *t = tables[kind][shard];
    if (!t || !htab_size(t)) return;
    foreach_ctx x = {ks_db_id(db), fn, priv};
    uint64_t cur = 0;
    do {
        cur = htab_scan(t, cur, foreach_node, &x);
    } while (cur);
}
