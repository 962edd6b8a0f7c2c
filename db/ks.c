/* db/ks.c — the keyspace (see ks.h for the model).
 *
 * Entry layout (one allocation per key):
 *
 *   +------+-----------+-----------------+----------------+------------------+
 *   | meta | lru (24b) | expire (8 bytes,| key length     | value            |
 *   | 1 B  | 3 B       | only if flagged)| varint + bytes |                  |
 *   +------+-----------+-----------------+----------------+------------------+
 *   meta = type:3 | enc:4 | has_expire:1
 *   value = EMBSTR: varint length + bytes | INT: int64 | other: pointer
 *
 * A 16-byte key with a 10-byte value takes 4 + 1 + 16 + 1 + 10 = 32 bytes, one
 * jemalloc size class, plus its share of a table bucket.
 */
#include "db/ks.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "core/htab.h"
#include "core/mem.h"
#include "core/util.h"

struct kentry {
    uint8_t meta;
    uint8_t lru[3];
    unsigned char rest[];
};

#define META_TYPE(m) ((m)&7)
#define META_ENC(m) (((m) >> 3) & 15)
#define META_EXP 0x80
#define MAKE_META(t, e, x) (uint8_t)((t) | ((e) << 3) | ((x) ? META_EXP : 0))

typedef struct part {
    htab *keys;
    htab *expires;
    uint64_t ecursor; /* active expiry scan position */
} part;

struct ks_db {
    int id;
    part parts[KS_SHARDS];
    _Atomic long long avg_ttl;
    _Atomic long long nkeys; /* entries in all parts (expired ones not yet deleted too) */
};

ks_settings ks_conf = {.samples = 5, .lfu_log_factor = 10, .lfu_decay_time = 1,
                       .active_expire_effort = 1};

/* Database slots: ids 0..ndbs-1 exist from the start; ids up to nslots-1
 * (ks_conf.db_slots: the databases of namespaces) are created on first use
 * by ks_db_create and never freed before exit. */
static _Atomic(ks_db *) *dbs;
static int ndbs, nslots;
static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

static inline ks_db *db_get(int i)
{
    return atomic_load_explicit(&dbs[i], memory_order_acquire);
}
static _Atomic int threaded;
static pthread_mutex_t locks[KS_SHARDS];
static const ks_value_type *vtypes[OBJ_TYPES];
static _Atomic uint32_t lru_clock;

/* ---------------------------------------------------------------- time */

static long long unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ks_update_clock(void)
{
    atomic_store_explicit(&lru_clock, (uint32_t)(unix_ms() / 1000) & 0xFFFFFF,
                          memory_order_relaxed);
}

static uint32_t clock_now(void)
{
    uint32_t c = atomic_load_explicit(&lru_clock, memory_order_relaxed);
    if (!c) {
        ks_update_clock();
        c = atomic_load_explicit(&lru_clock, memory_order_relaxed);
    }
    return c;
}

/* ---------------------------------------------------------------- stats */

#define STAT_SLOTS 64
static ks_stats stat_slots[STAT_SLOTS];
static _Atomic int next_stat;
static _Thread_local ks_stats *my_stats;

ks_stats *ks_my_stats(void)
{
    if (!my_stats) {
        int i = atomic_fetch_add(&next_stat, 1);
        my_stats = &stat_slots[i < STAT_SLOTS ? i : STAT_SLOTS - 1];
    }
    return my_stats;
}

void ks_stats_sum(ks_totals *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < STAT_SLOTS; i++) {
        const ks_stats *s = &stat_slots[i];
        out->hits += (long long)counter_get(&s->hits);
        out->misses += (long long)counter_get(&s->misses);
        out->expired += (long long)counter_get(&s->expired);
        out->evicted += (long long)counter_get(&s->evicted);
        out->expire_cycle_cpu_us += (long long)counter_get(&s->expire_cycle_cpu_us);
        out->expired_time_cap_reached += (long long)counter_get(&s->expired_time_cap_reached);
        long long stale = (long long)counter_get(&s->expired_stale_perc_x100);
        if (stale > out->expired_stale_perc_x100) out->expired_stale_perc_x100 = stale;
    }
}

void ks_stats_reset(void)
{
    for (int i = 0; i < STAT_SLOTS; i++) {
        ks_stats *s = &stat_slots[i];
        counter *all[] = {&s->hits, &s->misses, &s->expired, &s->evicted,
                          &s->expire_cycle_cpu_us, &s->expired_time_cap_reached};
        for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) counter_set(all[k], 0);
    }
}

/* ---------------------------------------------------------------- entries */

static inline size_t varint_len(size_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline unsigned char *put_varint(unsigned char *p, size_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

static inline const unsigned char *get_varint(const unsigned char *p, size_t *v)
{
    size_t r = 0;
    int shift = 0;
    while (*p & 0x80) {
        r |= (size_t)(*p++ & 0x7f) << shift;
        shift += 7;
    }
    *v = r | ((size_t)*p++ << shift);
    return p;
}

static inline const unsigned char *key_start(const kentry *e)
{
    return e->rest + ((e->meta & META_EXP) ? 8 : 0);
}

slice ke_key(const kentry *e)
{
    size_t len;
    const unsigned char *p = get_varint(key_start(e), &len);
    return (slice){(const char *)p, len};
}

static inline const unsigned char *val_start(const kentry *e)
{
    slice k = ke_key(e);
    return (const unsigned char *)k.p + k.len;
}

int ke_type(const kentry *e)
{
    return META_TYPE(e->meta);
}

int ke_enc(const kentry *e)
{
    return META_ENC(e->meta);
}

long long ke_expire(const kentry *e)
{
    if (!(e->meta & META_EXP)) return -1;
    long long t;
    memcpy(&t, e->rest, 8);
    return t;
}

void *ke_ptr(const kentry *e)
{
    void *p;
    memcpy(&p, val_start(e), sizeof(p));
    return p;
}

void ke_set_ptr(kentry *e, void *p)
{
    memcpy((unsigned char *)val_start(e), &p, sizeof(p));
}

void ke_set_enc(kentry *e, int enc)
{
    e->meta = MAKE_META(META_TYPE(e->meta), enc, e->meta & META_EXP);
}

static long long ke_ll(const kentry *e)
{
    long long v;
    memcpy(&v, val_start(e), 8);
    return v;
}

slice ke_str(const kentry *e, char *tmp)
{
    switch (META_ENC(e->meta)) {
    case ENC_INT: {
        int n = util_ll2str(tmp, 24, ke_ll(e));
        return (slice){tmp, (size_t)n};
    }
    case ENC_EMBSTR: {
        size_t len;
        const unsigned char *p = get_varint(val_start(e), &len);
        return (slice){(const char *)p, len};
    }
    default: {
        const kvstr *s = ke_ptr(e);
        return (slice){s->data, s->len};
    }
    }
}

int ke_str_ll(const kentry *e, long long *v)
{
    if (META_TYPE(e->meta) != OBJ_STRING) return 0;
    if (META_ENC(e->meta) == ENC_INT) {
        *v = ke_ll(e);
        return 1;
    }
    char tmp[24];
    slice s = ke_str(e, tmp);
    return util_str2ll(s.p, s.len, v);
}

static uint32_t get_lru(const kentry *e)
{
    return (uint32_t)e->lru[0] | ((uint32_t)e->lru[1] << 8) | ((uint32_t)e->lru[2] << 16);
}

static void set_lru(kentry *e, uint32_t v)
{
    e->lru[0] = (uint8_t)v;
    e->lru[1] = (uint8_t)(v >> 8);
    e->lru[2] = (uint8_t)(v >> 16);
}

static int lfu_mode(void)
{
    return ks_conf.policy == 2 || ks_conf.policy == 5; /* allkeys-lfu, volatile-lfu */
}

#define LFU_INIT 5

static uint32_t lfu_minutes(void)
{
    return (uint32_t)(clock_now() / 60) & 0xFFFF;
}

/* The LFU counter after decay (the entry's field keeps minutes<<8 | counter). */
static int lfu_decayed(const kentry *e)
{
    uint32_t v = get_lru(e);
    uint32_t then = v >> 8, freq = v & 0xff, now = lfu_minutes();
    uint32_t elapsed = now >= then ? now - then : 65535 - then + now;
    uint32_t periods = ks_conf.lfu_decay_time ? elapsed / (uint32_t)ks_conf.lfu_decay_time : 0;
    return periods > freq ? 0 : (int)(freq - periods);
}

static void touch(kentry *e)
{
    if (lfu_mode()) {
        int c = lfu_decayed(e);
        if (c < 255) {
            double r = (double)(util_rand64() >> 11) / (double)(1ULL << 53);
            double base = c > LFU_INIT ? c - LFU_INIT : 0;
            if (r < 1.0 / (base * ks_conf.lfu_log_factor + 1)) c++;
        }
        set_lru(e, (lfu_minutes() << 8) | (uint32_t)c);
    } else {
        set_lru(e, clock_now());
    }
}

static void init_lru(kentry *e)
{
    if (lfu_mode())
        set_lru(e, (lfu_minutes() << 8) | LFU_INIT);
    else
        set_lru(e, clock_now());
}

uint64_t ke_idle_ms(const kentry *e)
{
    uint32_t now = clock_now(), then = get_lru(e);
    uint32_t secs = now >= then ? now - then : (0xFFFFFF - then) + now;
    return (uint64_t)secs * 1000;
}

int ke_lfu_freq(const kentry *e)
{
    return lfu_decayed(e);
}

void ke_set_idle(kentry *e, uint64_t secs)
{
    uint32_t now = clock_now();
    if (secs > 0xFFFFFE) secs = 0xFFFFFE;
    uint32_t s = (uint32_t)secs;
    set_lru(e, now >= s ? now - s : 0xFFFFFF - (s - now));
}

void ke_set_freq(kentry *e, int freq)
{
    if (freq < 0) freq = 0;
    if (freq > 255) freq = 255;
    set_lru(e, (lfu_minutes() << 8) | (uint32_t)freq);
}

int ks_lfu_mode(void)
{
    return lfu_mode();
}

/* Allocates an entry. For ENC_EMBSTR val/vlen are the bytes; ENC_INT ival;
 * otherwise ptr. */
static kentry *ke_new(int type, int enc, long long expire, slice key, const void *val,
                      size_t vlen, long long ival, void *ptr)
{
    size_t vsize = enc == ENC_EMBSTR ? varint_len(vlen) + vlen : 8;
    size_t size = sizeof(kentry) + (expire >= 0 ? 8 : 0) + varint_len(key.len) + key.len + vsize;
    kentry *e = mem_alloc(size);
    e->meta = MAKE_META(type, enc, expire >= 0);
    unsigned char *p = e->rest;
    if (expire >= 0) {
        memcpy(p, &expire, 8);
        p += 8;
    }
    p = put_varint(p, key.len);
    memcpy(p, key.p, key.len);
    p += key.len;
    if (enc == ENC_EMBSTR) {
        p = put_varint(p, vlen);
        if (vlen) memcpy(p, val, vlen);
    } else if (enc == ENC_INT) {
        memcpy(p, &ival, 8);
    } else {
        memcpy(p, &ptr, 8);
    }
    init_lru(e);
    return e;
}

static void free_value(int type, int enc, void *ptr)
{
    if (type == OBJ_STRING) {
        if (enc == ENC_RAW) mem_free(ptr);
        return;
    }
    if (vtypes[type] && vtypes[type]->free) vtypes[type]->free(ptr);
}

static int has_ptr(const kentry *e)
{
    int enc = META_ENC(e->meta);
    return enc != ENC_EMBSTR && enc != ENC_INT;
}

static void ke_free(void *elem)
{
    kentry *e = elem;
    if (has_ptr(e)) free_value(META_TYPE(e->meta), META_ENC(e->meta), ke_ptr(e));
    mem_free(e);
}

/* A copy of e with a different key and/or expire, sharing e's value (e must
 * then be freed with mem_free only, not ke_free). */
static kentry *ke_rebuild(const kentry *e, slice key, long long expire)
{
    int enc = META_ENC(e->meta);
    kentry *n;
    if (enc == ENC_EMBSTR) {
        char tmp[24];
        slice v = ke_str(e, tmp);
        n = ke_new(META_TYPE(e->meta), enc, expire, key, v.p, v.len, 0, NULL);
    } else if (enc == ENC_INT) {
        n = ke_new(META_TYPE(e->meta), enc, expire, key, NULL, 0, ke_ll(e), NULL);
    } else {
        n = ke_new(META_TYPE(e->meta), enc, expire, key, NULL, 0, 0, ke_ptr(e));
    }
    memcpy(n->lru, e->lru, 3);
    return n;
}

/* ---------------------------------------------------------------- tables */

static const void *entry_key(const void *elem, size_t *len)
{
    slice k = ke_key(elem);
    *len = k.len;
    return k.p;
}

static const htab_type keys_type = {.key = entry_key, .free_elem = ke_free};
static const htab_type expires_type = {.key = entry_key};

void ks_register_type(int type, const ks_value_type *vt)
{
    if (type >= 0 && type < OBJ_TYPES) vtypes[type] = vt;
}

void ks_init(int databases, int thr)
{
    ndbs = databases;
    nslots = ks_conf.db_slots > databases ? ks_conf.db_slots : databases;
    threaded = thr;
    dbs = mem_calloc(sizeof(*dbs) * (size_t)nslots);
    for (int i = 0; i < databases; i++) ks_db_create(i);
    for (int i = 0; i < KS_SHARDS; i++) pthread_mutex_init(&locks[i], NULL);
    ks_update_clock();
}

ks_db *ks_db_at(int id)
{
    return id >= 0 && id < nslots ? db_get(id) : NULL;
}

ks_db *ks_db_create(int id)
{
    if (id < 0 || id >= nslots) return NULL;
    ks_db *db = db_get(id);
    if (db) return db;
    pthread_mutex_lock(&create_lock);
    db = db_get(id);
    if (!db) {
        db = mem_calloc(sizeof(ks_db));
        db->id = id;
        atomic_store_explicit(&dbs[id], db, memory_order_release);
    }
    pthread_mutex_unlock(&create_lock);
    return db;
}

int ks_db_slots(void)
{
    return nslots;
}

long long ks_db_keys(const ks_db *db)
{
    return atomic_load_explicit(&db->nkeys, memory_order_relaxed);
}

static inline void count_keys(ks_db *db, long long delta)
{
    atomic_fetch_add_explicit(&db->nkeys, delta, memory_order_relaxed);
}

int ks_db_id(const ks_db *db)
{
    return db->id;
}

int ks_databases(void)
{
    return ndbs;
}

int ks_shard_of(slice key)
{
    return (int)(hash_slot(key.p, key.len) >> KS_SLOT_SHIFT);
}

/* How deep this thread is in ks_lock_all: while it holds every shard, the
 * per-shard calls of the code it runs (a MULTI/EXEC with FLUSHALL or SCAN)
 * are no-ops. */
static _Thread_local int all_depth;

void ks_lock(int shard)
{
    if (threaded && !all_depth) {
        pthread_mutex_lock(&locks[shard]);
    }
}

int ks_locking(void)
{
    return atomic_load_explicit(&threaded, memory_order_relaxed);
}

void ks_set_locking(int on)
{
    atomic_store(&threaded, on);
}


void ks_foreach_in_shard(ks_db *db, int shard, ks_scan_fn *fn, void *priv)
{
    part *p = &db->parts[shard];
    if (!p->keys || !htab_size(p->keys)) return;
    long long now = unix_ms();
    htab_iter it;
    htab_iter_init(&it, p->keys);
    kentry *e;
    while ((e = htab_iter_next(&it))) {
        if ((e->meta & META_EXP) && ke_expire(e) <= now) continue;
        fn(priv, e);
    }
    htab_iter_done(&it);
}

void ks_unlock(int shard)
{
    if (threaded && !all_depth) pthread_mutex_unlock(&locks[shard]);
}

int ks_lock_keys(const slice *keys, int n, int *shards)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        int s = ks_shard_of(keys[i]);
        int j = m;
        while (j > 0 && shards[j - 1] > s) {
            shards[j] = shards[j - 1];
            j--;
        }
        if (j > 0 && shards[j - 1] == s) {
            memmove(&shards[j], &shards[j + 1], (size_t)(m - j) * sizeof(int));
            continue;
        }
        shards[j] = s;
        m++;
    }
    for (int i = 0; i < m; i++) ks_lock(shards[i]);
    return m;
}

void ks_unlock_shards(const int *shards, int n)
{
    for (int i = n - 1; i >= 0; i--) ks_unlock(shards[i]);
}

void ks_lock_all(void)
{
    if (all_depth++ || !threaded) return;
    for (int i = 0; i < KS_SHARDS; i++) pthread_mutex_lock(&locks[i]);
}

void ks_unlock_all(void)
{
    if (--all_depth || !threaded) return;
    for (int i = KS_SHARDS - 1; i >= 0; i--) pthread_mutex_unlock(&locks[i]);
}

static inline part *part_of(ks_db *db, slice key)
{
    return &db->parts[ks_shard_of(key)];
}

static htab *keys_of(part *p)
{
    if (!p->keys) p->keys = htab_new(&keys_type);
    return p->keys;
}

static htab *expires_of(part *p)
{
    if (!p->expires) p->expires = htab_new(&expires_type);
    return p->expires;
}

/* ---------------------------------------------------------------- lookup */

static int is_expired(const kentry *e)
{
    return (e->meta & META_EXP) && ke_expire(e) <= unix_ms();
}

static void delete_in(part *p, slice key)
{
    if (p->expires) htab_remove(p->expires, key.p, key.len);
    htab_delete(p->keys, key.p, key.len);
}

static void emit(ks_db *db, slice key, int event, int type)
{
    if (ks_conf.event) ks_conf.event(db, key, event, type);
}

/* Deletes an expired entry (of db) found in p, telling the server first. */
static void expire_in(ks_db *db, part *p, kentry *e)
{
    slice key = ke_key(e);
    emit(db, key, KS_EV_EXPIRED, META_TYPE(e->meta));
    delete_in(p, key);
    count_keys(db, -1);
    counter_add(&ks_my_stats()->expired, 1);
}

kentry *ks_lookup(ks_db *db, slice key, int flags)
{
    part *p = part_of(db, key);
    kentry *e = p->keys ? htab_find(p->keys, key.p, key.len) : NULL;
    if (e && (e->meta & META_EXP) && is_expired(e)) {
        expire_in(db, p, e);
        e = NULL;
    }
    if (!(flags & KS_WRITE)) {
        if (e)
            counter_add(&ks_my_stats()->hits, 1);
        else {
            counter_add(&ks_my_stats()->misses, 1);
            emit(db, key, KS_EV_MISS, 0);
        }
    }
    if (e && !(flags & KS_NOTOUCH)) touch(e);
    return e;
}

int ks_exists(ks_db *db, slice key)
{
    return ks_lookup(db, key, KS_WRITE | KS_NOTOUCH) != NULL;
}

/* ---------------------------------------------------------------- writes */

/* Stores n in the slot of the entry with n's key (which must exist), keeping the
 * expires index in step. old is the entry being replaced. */
static void replace_entry(part *p, kentry *old, kentry *n)
{
    slice key = ke_key(n);
    void **ref = htab_find_ref(p->keys, key.p, key.len);
    *ref = n;
    if (old->meta & META_EXP) {
        if (n->meta & META_EXP) {
            void **eref = htab_find_ref(p->expires, key.p, key.len);
            if (eref) *eref = n;
        } else {
            htab_remove(p->expires, key.p, key.len);
        }
    } else if (n->meta & META_EXP) {
        htab_add(expires_of(p), n);
    }
}

static int pick_str_enc(slice val, long long *iv)
{
    if (val.len <= 20 && util_str2ll(val.p, val.len, iv)) return ENC_INT;
    return val.len <= KS_EMBSTR_MAX ? ENC_EMBSTR : ENC_RAW;
}

static kentry *new_str_entry(slice key, slice val, long long expire, int flags)
{
    long long iv = 0;
    int enc = (flags & KS_FORCE_RAW) ? ENC_RAW : pick_str_enc(val, &iv);
    if (enc == ENC_RAW) {
        kvstr *s = mem_alloc(sizeof(kvstr) + val.len);
        s->len = val.len;
        if (val.len) memcpy(s->data, val.p, val.len);
        return ke_new(OBJ_STRING, ENC_RAW, expire, key, NULL, 0, 0, s);
    }
    return ke_new(OBJ_STRING, enc, expire, key, val.p, val.len, iv, NULL);
}

kentry *ks_set_str(ks_db *db, slice key, slice val, int flags)
{
    part *p = part_of(db, key);
    int existed;
    void **ref = htab_upsert_ref(keys_of(p), key.p, key.len, &existed);
    kentry *old = existed ? *ref : NULL;
    long long expire = -1;
    if (old && (flags & KS_KEEPTTL)) expire = ke_expire(old);
    kentry *n = new_str_entry(key, val, expire, flags);
    *ref = n;
    if (old) {
        if (old->meta & META_EXP) {
            if (expire >= 0) {
                void **eref = htab_find_ref(p->expires, key.p, key.len);
                if (eref) *eref = n;
            } else {
                htab_remove(p->expires, key.p, key.len);
            }
        }
        ke_free(old);
    } else {
        count_keys(db, 1);
        emit(db, key, KS_EV_ADDED, OBJ_STRING);
    }
    return n;
}

kentry *ks_set_ll(ks_db *db, slice key, kentry *e, long long v)
{
    if (e && META_TYPE(e->meta) == OBJ_STRING && META_ENC(e->meta) == ENC_INT) {
        memcpy((unsigned char *)val_start(e), &v, 8);
        return e;
    }
    char tmp[24];
    int n = util_ll2str(tmp, sizeof(tmp), v);
    return ks_set_str(db, key, (slice){tmp, (size_t)n}, KS_KEEPTTL);
}

char *ks_str_resize(ks_db *db, kentry **ep, size_t newlen)
{
    kentry *e = *ep;
    if (META_ENC(e->meta) != ENC_RAW) {
        char tmp[24];
        slice cur = ke_str(e, tmp);
        size_t keep = cur.len < newlen ? cur.len : newlen;
        kvstr *s = mem_alloc(sizeof(kvstr) + newlen);
        memcpy(s->data, cur.p, keep);
        memset(s->data + keep, 0, newlen - keep);
        s->len = newlen;
        kentry *n = ke_new(OBJ_STRING, ENC_RAW, ke_expire(e), ke_key(e), NULL, 0, 0, s);
        memcpy(n->lru, e->lru, 3);
        replace_entry(part_of(db, ke_key(e)), e, n);
        ke_free(e);
        *ep = n;
        return s->data;
    }
    kvstr *s = ke_ptr(e);
    size_t old = s->len;
    if (sizeof(kvstr) + newlen > mem_usable(s)) {
        /* Grow geometrically so that repeated APPENDs are amortised O(1). */
        size_t want = newlen < (1u << 20) ? newlen * 2 : newlen + (1u << 20);
        s = mem_realloc(s, sizeof(kvstr) + want);
        ke_set_ptr(e, s);
    }
    if (newlen > old) memset(s->data + old, 0, newlen - old);
    s->len = newlen;
    return s->data;
}

kentry *ks_add(ks_db *db, slice key, int type, int enc, void *ptr)
{
    part *p = part_of(db, key);
    kentry *e = ke_new(type, enc, -1, key, NULL, 0, 0, ptr);
    int existed;
    void **ref = htab_upsert_ref(keys_of(p), key.p, key.len, &existed);
    if (existed) { /* caller broke the contract: replace rather than leak */
        kentry *old = *ref;
        *ref = e;
        if (old->meta & META_EXP) htab_remove(p->expires, key.p, key.len);
        ke_free(old);
    } else {
        *ref = e;
        count_keys(db, 1);
    }
    emit(db, key, KS_EV_ADDED, type);
    return e;
}

void ks_replace(ks_db *db, kentry *e, int type, int enc, void *ptr)
{
    if (has_ptr(e)) free_value(META_TYPE(e->meta), META_ENC(e->meta), ke_ptr(e));
    /* Rebuilt, so the value area is a pointer whatever it was before. */
    kentry *n = ke_new(type, enc, ke_expire(e), ke_key(e), NULL, 0, 0, ptr);
    memcpy(n->lru, e->lru, 3);
    replace_entry(part_of(db, ke_key(e)), e, n);
    mem_free(e);
}

int ks_delete(ks_db *db, slice key)
{
    part *p = part_of(db, key);
    if (!p->keys) return 0;
    kentry *e = htab_find(p->keys, key.p, key.len);
    if (!e) return 0;
    if (is_expired(e)) {
        expire_in(db, p, e);
        return 0;
    }
    delete_in(p, key);
    count_keys(db, -1);
    return 1;
}

kentry *ks_set_expire(ks_db *db, kentry *e, long long when_ms)
{
    part *p = part_of(db, ke_key(e));
    if (when_ms < 0) {
        if (!(e->meta & META_EXP)) return e;
    } else if (e->meta & META_EXP) {
        memcpy(e->rest, &when_ms, 8);
        return e;
    }
    kentry *n = ke_rebuild(e, ke_key(e), when_ms);
    replace_entry(p, e, n);
    mem_free(e);
    return n;
}

void ks_rename(ks_db *db, kentry *src, slice dst)
{
    slice skey = ke_key(src);
    part *sp = part_of(db, skey), *dp = part_of(db, dst);
    long long expire = ke_expire(src);
    kentry *n = ke_rebuild(src, dst, expire);
    /* Unlink src without freeing its value (n shares it). */
    if (src->meta & META_EXP) htab_remove(sp->expires, skey.p, skey.len);
    htab_remove(sp->keys, skey.p, skey.len);
    mem_free(src);
    slice nkey = ke_key(n);
    int existed;
    void **ref = htab_upsert_ref(keys_of(dp), nkey.p, nkey.len, &existed);
    if (existed) {
        kentry *old = *ref;
        if (old->meta & META_EXP) htab_remove(dp->expires, nkey.p, nkey.len);
        ke_free(old);
        count_keys(db, -1); /* src went, dst replaced */
    }
    *ref = n;
    if (expire >= 0) htab_add(expires_of(dp), n);
    emit(db, nkey, KS_EV_ADDED, META_TYPE(n->meta));
}

int ks_copy(ks_db *dstdb, kentry *src, slice dst)
{
    int type = META_TYPE(src->meta), enc = META_ENC(src->meta);
    long long expire = ke_expire(src);
    kentry *n;
    if (type == OBJ_STRING) {
        char tmp[24];
        slice v = ke_str(src, tmp);
        n = new_str_entry(dst, v, expire, enc == ENC_RAW ? KS_FORCE_RAW : 0);
    } else {
        if (!vtypes[type] || !vtypes[type]->dup) return -1;
        n = ke_new(type, enc, expire, dst, NULL, 0, 0, vtypes[type]->dup(ke_ptr(src)));
    }
    part *p = part_of(dstdb, dst);
    htab_add(keys_of(p), n);
    if (expire >= 0) htab_add(expires_of(p), n);
    count_keys(dstdb, 1);
    emit(dstdb, ke_key(n), KS_EV_ADDED, type);
    return 0;
}

int ks_move(ks_db *src, ks_db *dst, kentry *e)
{
    slice key = ke_key(e);
    part *sp = part_of(src, key), *dp = part_of(dst, key);
    if (dp->keys && htab_find(dp->keys, key.p, key.len)) return 0;
    if (e->meta & META_EXP) htab_remove(sp->expires, key.p, key.len);
    htab_remove(sp->keys, key.p, key.len);
    htab_add(keys_of(dp), e);
    if (e->meta & META_EXP) htab_add(expires_of(dp), e);
    count_keys(src, -1);
    count_keys(dst, 1);
    emit(dst, key, KS_EV_ADDED, META_TYPE(e->meta));
    return 1;
}

size_t ks_entry_mem(const kentry *e)
{
    size_t n = mem_usable(e);
    if (!has_ptr(e)) return n;
    int type = META_TYPE(e->meta);
    if (type == OBJ_STRING) return n + mem_usable(ke_ptr(e));
    if (vtypes[type] && vtypes[type]->mem) n += vtypes[type]->mem(ke_ptr(e));
    return n;
}

size_t ks_mem_of(ks_db *db, slice key)
{
    part *p = part_of(db, key);
    kentry *e = p->keys ? htab_find(p->keys, key.p, key.len) : NULL;
    return e ? ks_entry_mem(e) : 0;
}

/* ---------------------------------------------------------------- whole db */

size_t ks_dbsize(ks_db *db)
{
    size_t n = 0;
    for (int s = 0; s < KS_SHARDS; s++) {
        ks_lock(s);
        if (db->parts[s].keys) n += htab_size(db->parts[s].keys);
        ks_unlock(s);
    }
    return n;
}

size_t ks_db_expires(ks_db *db)
{
    size_t n = 0;
    for (int s = 0; s < KS_SHARDS; s++) {
        ks_lock(s);
        if (db->parts[s].expires) n += htab_size(db->parts[s].expires);
        ks_unlock(s);
    }
    return n;
}

long long ks_db_avg_ttl(ks_db *db)
{
    return atomic_load(&db->avg_ttl);
}

static void *free_tables_thread(void *arg)
{
    htab **t = arg;
    for (size_t i = 0; t[i]; i++) htab_free(t[i]);
    mem_free(t);
    return NULL;
}

/* Detaches every table of db (caller holds all locks) into list, freeing
 * expires tables right away (they own nothing). */
static size_t detach(ks_db *db, htab **list, size_t n)
{
    for (int s = 0; s < KS_SHARDS; s++) {
        part *p = &db->parts[s];
        if (p->expires) htab_free(p->expires);
        if (p->keys) list[n++] = p->keys;
        p->keys = p->expires = NULL;
        p->ecursor = 0;
    }
    atomic_store(&db->avg_ttl, 0);
    atomic_store(&db->nkeys, 0);
    return n;
}

static void free_detached(htab **list, size_t n, int async)
{
    list[n] = NULL;
    if (async && n) {
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &a, free_tables_thread, list) == 0) {
            pthread_attr_destroy(&a);
            return;
        }
        pthread_attr_destroy(&a);
    }
    free_tables_thread(list);
}

void ks_flush(ks_db *db, int async)
{
    htab **list = mem_alloc(sizeof(htab *) * (KS_SHARDS + 1));
    size_t n = 0;
    for (int s = 0; s < KS_SHARDS; s++) {
        ks_lock(s);
        part *p = &db->parts[s];
        if (p->expires) htab_free(p->expires);
        if (p->keys) {
            count_keys(db, -(long long)htab_size(p->keys));
            list[n++] = p->keys;
        }
        p->keys = p->expires = NULL;
        ks_unlock(s);
    }
    atomic_store(&db->avg_ttl, 0);
    free_detached(list, n, async);
}

void ks_flush_range(int first, int count, int async)
{
    if (first < 0) first = 0;
    if (count > nslots - first) count = nslots - first;
    if (count <= 0) return;
    htab **list = mem_alloc(sizeof(htab *) * ((size_t)KS_SHARDS * (size_t)count + 1));
    size_t n = 0;
    ks_lock_all();
    for (int i = first; i < first + count; i++)
        if (db_get(i)) n = detach(db_get(i), list, n);
    ks_unlock_all();
    free_detached(list, n, async);
}

void ks_flush_all(int async)
{
    ks_flush_range(0, nslots, async);
}

void ks_swap(ks_db *a, ks_db *b)
{
    if (a == b) return;
    ks_lock_all();
    for (int s = 0; s < KS_SHARDS; s++) {
        part t = a->parts[s];
        a->parts[s] = b->parts[s];
        b->parts[s] = t;
    }
    long long t = atomic_load(&a->avg_ttl);
    atomic_store(&a->avg_ttl, atomic_load(&b->avg_ttl));
    atomic_store(&b->avg_ttl, t);
    t = atomic_load(&a->nkeys);
    atomic_store(&a->nkeys, atomic_load(&b->nkeys));
    atomic_store(&b->nkeys, t);
    ks_unlock_all();
}

int ks_random_key(ks_db *db, char **out, size_t *outlen)
{
    for (int attempt = 0; attempt < 4 * KS_SHARDS; attempt++) {
        int s = attempt < 2 * KS_SHARDS ? (int)(util_rand64() % KS_SHARDS)
                                       : attempt % KS_SHARDS;
        ks_lock(s);
        part *p = &db->parts[s];
        for (int tries = 0; p->keys && htab_size(p->keys) && tries < 100; tries++) {
            kentry *e = htab_random(p->keys, util_rand64());
            if (!e) break;
            if (is_expired(e)) {
                /* Expired keys are not returned; delete them as we go. */
                if (tries < 50) {
                    expire_in(db, p, e);
                    continue;
                }
            }
            slice k = ke_key(e);
            *out = mem_dup(k.p, k.len);
            *outlen = k.len;
            ks_unlock(s);
            return 1;
        }
        ks_unlock(s);
    }
    return 0;
}

typedef struct scan_ctx {
    ks_scan_fn *fn;
    void *priv;
    long seen;
    long long now;
} scan_ctx;

static void scan_cb(void *priv, void *elem)
{
    scan_ctx *sc = priv;
    kentry *e = elem;
    if ((e->meta & META_EXP) && ke_expire(e) <= sc->now) return;
    sc->seen++;
    sc->fn(sc->priv, e);
}

uint64_t ks_scan(ks_db *db, uint64_t cursor, long count, ks_scan_fn *fn, void *priv)
{
    int s = (int)(cursor & (KS_SHARDS - 1));
    uint64_t hc = cursor >> 8;
    scan_ctx sc = {fn, priv, 0, unix_ms()};
    long work = 0;
    if (count < 1) count = 1;
    while (s < KS_SHARDS) {
        ks_lock(s);
        part *p = &db->parts[s];
        if (p->keys && htab_size(p->keys)) {
            do {
                hc = htab_scan(p->keys, hc, scan_cb, &sc);
                work++;
            } while (hc && sc.seen < count && work < count * 10);
        } else {
            hc = 0;
        }
        ks_unlock(s);
        if (hc) return (hc << 8) | (uint64_t)s;
        s++;
        if (sc.seen >= count || work >= count * 10) break;
    }
    return s >= KS_SHARDS ? 0 : (uint64_t)s;
}

void ks_foreach(ks_db *db, ks_scan_fn *fn, void *priv)
{
    for (int s = 0; s < KS_SHARDS; s++) {
        ks_lock(s);
        ks_foreach_in_shard(db, s, fn, priv);
        ks_unlock(s);
    }
}

size_t ks_overhead(void)
{
    size_t n = 0;
    for (int s = 0; s < KS_SHARDS; s++) {
        ks_lock(s);
        for (int i = 0; i < nslots; i++) {
            if (!db_get(i)) continue;
            part *p = &db_get(i)->parts[s];
            if (p->keys) n += htab_mem(p->keys);
            if (p->expires) n += htab_mem(p->expires);
        }
        ks_unlock(s);
    }
    return n;
}

void ks_db_overhead(ks_db *db, size_t *keys, size_t *expires)
{
    *keys = *expires = 0;
    for (int s = 0; s < KS_SHARDS; s++) {
        ks_lock(s);
        part *p = &db->parts[s];
        if (p->keys) *keys += htab_mem(p->keys);
        if (p->expires) *expires += htab_mem(p->expires);
        ks_unlock(s);
    }
}

/* ---------------------------------------------------------------- expiry */

#define EXPIRE_BATCH 64

typedef struct expire_ctx {
    kentry *found[EXPIRE_BATCH];
    int nfound;
    int checked;
    long long now;
    long long ttl_sum, ttl_n;
} expire_ctx;

static void expire_cb(void *priv, void *elem)
{
    expire_ctx *x = priv;
    kentry *e = elem;
    x->checked++;
    long long t = ke_expire(e);
    if (t <= x->now) {
        if (x->nfound < EXPIRE_BATCH) x->found[x->nfound++] = e;
    } else {
        x->ttl_sum += t - x->now;
        x->ttl_n++;
    }
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Expires keys of one part until a sample shows few stale keys. Returns the
 * number of keys checked. */
static int expire_part(ks_db *db, part *p, int per_loop, expire_ctx *x)
{
    int checked = 0;
    for (int round = 0; round < 16; round++) {
        if (!p->expires || !htab_size(p->expires)) break;
        x->nfound = 0;
        x->checked = 0;
        x->now = unix_ms();
        int steps = 0;
        do {
            p->ecursor = htab_scan(p->expires, p->ecursor, expire_cb, x);
            steps++;
        } while (p->ecursor && x->checked < per_loop && x->nfound < EXPIRE_BATCH && steps < 64);
        for (int i = 0; i < x->nfound; i++) expire_in(db, p, x->found[i]);
        checked += x->checked;
        if (x->checked == 0 || x->nfound * 10 < x->checked) break; /* under 10% stale */
    }
    return checked;
}

void ks_active_expire(int wid, int nworkers, uint64_t budget_us)
{
    uint64_t start = mono_us();
    int effort = ks_conf.active_expire_effort < 1 ? 1 : ks_conf.active_expire_effort;
    int per_loop = 20 + 5 * (effort - 1);
    for (int i = 0; i < nslots; i++) {
        ks_db *db = db_get(i);
        if (!db || !ks_db_keys(db)) continue; /* namespaces' empty databases cost nothing */
        expire_ctx x = {0};
        for (int s = wid; s < KS_SHARDS; s += nworkers) {
            ks_lock(s);
            expire_part(db, &db->parts[s], per_loop, &x);
            ks_unlock(s);
            if (((s / nworkers) & 15) == 15 && mono_us() - start > budget_us) {
                counter_add(&ks_my_stats()->expired_time_cap_reached, 1);
                goto out;
            }
        }
        if (x.ttl_n) {
            long long avg = x.ttl_sum / x.ttl_n, old = atomic_load(&db->avg_ttl);
            atomic_store(&db->avg_ttl, old ? (old / 50) * 49 + avg / 50 : avg);
        }
    }
out:
    counter_add(&ks_my_stats()->expire_cycle_cpu_us, mono_us() - start);
}

void ks_rehash_some(int wid, int nworkers, uint64_t budget_us)
{
    uint64_t start = mono_us();
    for (int i = 0; i < nslots; i++) {
        ks_db *db = db_get(i);
        if (!db || !ks_db_keys(db)) continue; /* an empty database has nothing to rehash */
        for (int s = wid; s < KS_SHARDS; s += nworkers) {
            part *p = &db->parts[s];
            ks_lock(s); /* p's tables change under this lock only */
            if (p->keys) htab_rehash_step(p->keys, 64);
            if (p->expires) htab_rehash_step(p->expires, 64);
            ks_unlock(s);
            if (mono_us() - start > budget_us) return;
        }
    }
}

/* ---------------------------------------------------------------- eviction */

#define EVPOOL 16

typedef struct ev_cand {
    unsigned long long score; /* higher = better to evict */
    int db, shard;
    char *key;
    size_t klen;
} ev_cand;

static unsigned long long ev_score(const kentry *e, int policy)
{
    switch (policy) {
    case 1: case 4: /* lru */
        return ke_idle_ms(e);
    case 2: case 5: /* lfu */
        return 255 - (unsigned long long)lfu_decayed(e);
    case 7: /* ttl: sooner expiry = higher score */
        return ULLONG_MAX - (unsigned long long)ke_expire(e);
    default:
        return 0;
    }
}

static void pool_insert(ev_cand *pool, int *n, unsigned long long score, int db, int shard,
                        slice key)
{
    for (int i = 0; i < *n; i++)
        if (pool[i].db == db && pool[i].klen == key.len && memcmp(pool[i].key, key.p, key.len) == 0)
            return;
    int pos;
    if (*n < EVPOOL) {
        pos = (*n)++;
    } else {
        /* replace the worst candidate if this one is better */
        pos = 0;
        for (int i = 1; i < *n; i++)
            if (pool[i].score < pool[pos].score) pos = i;
        if (pool[pos].score >= score) return;
        mem_free(pool[pos].key);
    }
    pool[pos] = (ev_cand){score, db, shard, mem_dup(key.p, key.len), key.len};
}

static int evict_one(int policy)
{
    int volatile_only = policy >= 4;
    int random_policy = policy == 3 || policy == 6;
    ev_cand pool[EVPOOL];
    int n = 0;
    int samples = ks_conf.samples > 0 ? ks_conf.samples : 5;
    /* Sample a few shards of every db for candidates. */
    for (int d = 0; d < nslots; d++) {
        if (!db_get(d) || !ks_db_keys(db_get(d))) continue;
        for (int tries = 0; tries < 8; tries++) {
            int s = (int)(util_rand64() % KS_SHARDS);
            ks_lock(s);
            part *p = &db_get(d)->parts[s];
            htab *t = volatile_only ? p->expires : p->keys;
            if (t && htab_size(t)) {
                void *got[64];
                size_t m = htab_sample(t, util_rand64(), got, (size_t)samples);
                for (size_t i = 0; i < m; i++) {
                    kentry *e = got[i];
                    unsigned long long sc = random_policy ? util_rand64() : ev_score(e, policy);
                    pool_insert(pool, &n, sc, d, s, ke_key(e));
                }
            }
            ks_unlock(s);
        }
    }
    if (n == 0) {
        /* Sparse keyspace: walk the shards for anything evictable. */
        for (int d = 0; d < nslots && !n; d++)
            for (int s = 0; s < KS_SHARDS && !n && db_get(d) && ks_db_keys(db_get(d)); s++) {
                ks_lock(s);
                part *p = &db_get(d)->parts[s];
                htab *t = volatile_only ? p->expires : p->keys;
                kentry *e = t && htab_size(t) ? htab_random(t, util_rand64()) : NULL;
                if (e) pool_insert(pool, &n, 0, d, s, ke_key(e));
                ks_unlock(s);
            }
    }
    int best = -1;
    for (int i = 0; i < n; i++)
        if (best < 0 || pool[i].score > pool[best].score) best = i;
    int evicted = 0;
    if (best >= 0) {
        ev_cand *c = &pool[best];
        ks_lock(c->shard);
        part *p = &db_get(c->db)->parts[c->shard];
        kentry *e = p->keys ? htab_find(p->keys, c->key, c->klen) : NULL;
        if (e) {
            emit(db_get(c->db), ke_key(e), KS_EV_EVICTED, META_TYPE(e->meta));
            delete_in(p, (slice){c->key, c->klen});
            count_keys(db_get(c->db), -1);
            counter_add(&ks_my_stats()->evicted, 1);
            evicted = 1;
        }
        ks_unlock(c->shard);
    }
    for (int i = 0; i < n; i++) mem_free(pool[i].key);
    return evicted;
}

/* Used memory as maxmemory counts it. */
static size_t counted_memory(void)
{
    size_t used = mem_used(), skip = ks_conf.not_counted ? ks_conf.not_counted() : 0;
    return used > skip ? used - skip : 0;
}

/* Set while writes are being refused for memory. Memory moves by a few bytes
 * on its own (a table finishing a resize frees its old bucket array), so once
 * over the limit with nothing to evict, writes stay refused until usage is a
 * margin below the limit, rather than flapping at the boundary. */
static _Atomic int oom_latched;

int ks_evict(void)
{
    size_t max = ks_conf.maxmemory;
    if (!max) {
        atomic_store(&oom_latched, 0);
        return 0;
    }
    size_t margin = max / 64;
    size_t limit = atomic_load(&oom_latched) ? max - margin : max;
    if (counted_memory() <= limit) {
        atomic_store(&oom_latched, 0);
        return 0;
    }
    if (ks_conf.policy == 0) goto refuse;
    for (int i = 0; i < 100000 && counted_memory() > limit; i++) {
        if (!evict_one(ks_conf.policy)) {
            /* Retry a few times: sampling may simply have missed. */
            int ok = 0;
            for (int r = 0; r < 3 && !ok; r++) ok = evict_one(ks_conf.policy);
            if (!ok) goto refuse;
        }
    }
    if (counted_memory() <= limit) {
        atomic_store(&oom_latched, 0);
        return 0;
    }
refuse:
    atomic_store(&oom_latched, 1);
    return -1;
}
