/* db/ks.h — the keyspace: databases, shards, entries, expiry, eviction, scan.
 *
 * Shards. The keyspace is split into KS_SHARDS shards by the Redis Cluster hash
 * slot of the key (slot >> KS_SLOT_SHIFT), so keys with one {hash tag} share a
 * shard. Each shard has one lock, shared by every database: a command that
 * touches keys locks their shards in ascending order (server/dispatch.c does it
 * from the command table); MOVE between databases needs no second lock. With
 * one worker thread the locks are skipped.
 *
 * Entries. A key and its value live in one allocation (kentry, layout in
 * ks.c): a 4-byte header (type, encoding, has-expire bit, 24-bit LRU/LFU), an
 * optional 8-byte expire time, the key, and the value: small strings inline,
 * integers as 8 bytes, anything else as a pointer. Each shard of each database
 * has a table of entries (core/htab) and a second table holding just the
 * entries that have an expire time, for the active expiry cycle.
 *
 * Ownership. An entry belongs to its table. A kentry pointer returned by a
 * lookup stays valid while the caller holds the shard lock and until the caller
 * itself changes that key: functions that may reallocate an entry take a
 * `kentry **` or return the new pointer, which replaces the old one.
 */
#ifndef KV_DB_KS_H
#define KV_DB_KS_H

#include <stddef.h>
#include <stdint.h>

#include "core/counter.h"
#include "core/slice.h"

#define KS_SHARDS 256
#define KS_SLOT_SHIFT 6 /* 16384 slots >> 6 = 256 shards */

/* Value types and encodings, numbered as Redis numbers them (RDB, OBJECT). */
enum { OBJ_STRING = 0, OBJ_LIST = 1, OBJ_SET = 2, OBJ_ZSET = 3, OBJ_HASH = 4, OBJ_STREAM = 6,
       OBJ_TYPES = 7 };
enum { ENC_RAW = 0, ENC_INT = 1, ENC_HT = 2, ENC_INTSET = 6, ENC_SKIPLIST = 7,
       ENC_EMBSTR = 8, ENC_QUICKLIST = 9, ENC_STREAM = 10, ENC_LISTPACK = 11 };

/* Strings up to this size are stored inside the entry ("embstr"). */
#define KS_EMBSTR_MAX 44

typedef struct kentry kentry;
typedef struct ks_db ks_db;

/* A string value stored outside its entry (ENC_RAW). */
typedef struct kvstr {
    size_t len;
    char data[];
} kvstr;

/* How the keyspace frees, copies and measures values of a type (registered by
 * the types layer at start; strings are built in). */
typedef struct ks_value_type {
    void (*free)(void *ptr);
    void *(*dup)(const void *ptr);
    size_t (*mem)(const void *ptr); /* bytes, for MEMORY USAGE; optional */
} ks_value_type;
void ks_register_type(int type, const ks_value_type *vt);

/* Settings the keyspace acts on; the server copies them from its config at
 * start and after CONFIG SET (the db layer does not read server config). */
typedef struct ks_settings {
    unsigned long long maxmemory;
    int policy;            /* enum maxmemory_policy order: noeviction, allkeys-lru,
                              allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu,
                              volatile-random, volatile-ttl */
    int samples;
    int lfu_log_factor, lfu_decay_time;
    int active_expire_effort; /* 1..10 */
    /* Bytes of used memory that do not count against maxmemory (optional). */
    size_t (*not_counted)(void);
    /* Keyspace events the server layer acts on (optional): blocked clients,
     * WATCH, keyspace notifications. Called with the key's shard lock held;
     * `key` is valid only during the call. */
    void (*event)(ks_db *db, slice key, int event, int type);
    /* Database slots ks_init reserves (the databases of every namespace,
     * server/namespace.h); ids past `databases` are created by ks_db_create.
     * Read once, by ks_init; 0 = just `databases`. */
    int db_slots;
} ks_settings;

/* Events for ks_settings.event. KS_EV_ADDED: a key was created (ks_add,
 * ks_rename, ks_copy, ks_move; `type` is its value type). KS_EV_EXPIRED and
 * KS_EV_EVICTED: the keyspace deleted a key on its own, just before it goes. */
/* KS_EV_MISS: a read lookup (not KS_WRITE) found no live key. */
enum { KS_EV_ADDED = 1, KS_EV_EXPIRED = 2, KS_EV_EVICTED = 3, KS_EV_MISS = 4 };
extern ks_settings ks_conf;

/* ---- start-up ---- */
/* Creates databases 0..databases-1 and room for ks_conf.db_slots in all. */
void ks_init(int databases, int threaded);
/* Database id (0..ks_db_slots()-1), or NULL if out of range or not created. */
ks_db *ks_db_at(int id);
/* Database id, created empty if it does not exist yet (any thread); NULL if
 * out of range. Databases are never freed before exit. */
ks_db *ks_db_create(int id);
int ks_db_id(const ks_db *db);
/* The `databases` given to ks_init (the ids that always exist). */
int ks_databases(void);
/* Every database id that may exist: ks_db_at(0..ks_db_slots()-1). */
int ks_db_slots(void);
/* Keys stored in db, kept exactly on every add and delete (keys expired but
 * not yet deleted count, as in DBSIZE). Lock-free. */
long long ks_db_keys(const ks_db *db);

/* ---- locks ---- */
int ks_shard_of(slice key);
void ks_lock(int shard);
void ks_unlock(int shard);
/* Locks/unlocks the distinct shards of n keys in ascending order. shards[] is
 * scratch of n ints; returns how many distinct shards were locked. */
int ks_lock_keys(const slice *keys, int n, int *shards);
void ks_unlock_shards(const int *shards, int n);
/* Whether shard locks are taken (several workers, or a snapshot running). */
int ks_locking(void);
/* Turns locking on or off; only the single worker of a `threads 1` server
 * does this, between commands, around a background snapshot. */
void ks_set_locking(int on);
/* Locks every shard. Nests: while a thread holds them all, its ks_lock,
 * ks_unlock and inner ks_lock_all/ks_unlock_all calls do nothing. */
void ks_lock_all(void);
void ks_unlock_all(void);

/* ---- entry accessors ---- */
int ke_type(const kentry *e);
int ke_enc(const kentry *e);
slice ke_key(const kentry *e);
long long ke_expire(const kentry *e); /* unix ms, -1 = none */
/* The string value. For ENC_INT it is formatted into tmp (>= 24 bytes). */
slice ke_str(const kentry *e, char *tmp);
/* 1 and *v if the value is a string holding a valid integer. */
int ke_str_ll(const kentry *e, long long *v);
void *ke_ptr(const kentry *e);       /* value pointer (non-inline encodings) */
void ke_set_ptr(kentry *e, void *p); /* replaces it (the old one is not freed) */
void ke_set_enc(kentry *e, int enc); /* for conversions between pointer encodings */
uint64_t ke_idle_ms(const kentry *e);
int ke_lfu_freq(const kentry *e);
/* Set the LRU idle time (seconds) / LFU counter (RESTORE, loading). */
void ke_set_idle(kentry *e, uint64_t secs);
void ke_set_freq(kentry *e, int freq);
/* 1 when the eviction policy is an LFU one (entries hold LFU counters). */
int ks_lfu_mode(void);

/* ---- lookup ---- */
enum {
    KS_READ = 0,      /* a read: counts hits/misses, touches LRU/LFU */
    KS_WRITE = 1,     /* a write lookup: touches, no hit/miss stats */
    KS_NOTOUCH = 2,   /* leaves LRU/LFU as they are */
};
/* The live entry for key, or NULL. A key found expired is deleted here. */
kentry *ks_lookup(ks_db *db, slice key, int flags);
/* 1 if the key exists (expired keys deleted), without touching it. */
int ks_exists(ks_db *db, slice key);

/* ---- writes (caller holds the shard lock) ---- */
enum { KS_KEEPTTL = 1, KS_FORCE_RAW = 2 };
/* Sets key to a string value, creating or replacing (the old value is freed, its
 * TTL dropped unless KS_KEEPTTL). Picks the encoding: int, embstr or raw. */
kentry *ks_set_str(ks_db *db, slice key, slice val, int flags);
/* Sets key to an integer string (encoding int), keeping the TTL. e is the key's
 * current entry from a lookup, or NULL if it has none; an ENC_INT entry is
 * updated in place with no second lookup. Returns the entry. */
kentry *ks_set_ll(ks_db *db, slice key, kentry *e, long long v);
/* Makes the string value of *e raw with room for newlen bytes, sets its length
 * to newlen (bytes past the old length are zero) and returns the writable bytes.
 * May replace *e. */
char *ks_str_resize(ks_db *db, kentry **e, size_t newlen);
/* Adds a new key whose value is ptr (the keyspace owns it from now on); the key
 * must not exist. */
kentry *ks_add(ks_db *db, slice key, int type, int enc, void *ptr);
/* Replaces the value of an existing key with ptr (old value freed), keeping the
 * TTL. */
void ks_replace(ks_db *db, kentry *e, int type, int enc, void *ptr);
/* Deletes key: 1 if it existed. */
int ks_delete(ks_db *db, slice key);
/* Sets or clears (when_ms < 0) the expire time; returns the entry (possibly
 * moved). */
kentry *ks_set_expire(ks_db *db, kentry *e, long long when_ms);
/* Renames src to dst in the same database (dst replaced if present); the shards
 * of both are locked by the caller. The TTL moves with the value. */
void ks_rename(ks_db *db, kentry *src, slice dst);
/* Copies the value (and TTL) of src to dst in dstdb; dst must not exist there.
 * Returns 0, or -1 if the type cannot be copied. */
int ks_copy(ks_db *dstdb, kentry *src, slice dst);
/* Moves key from src db to dst db (same shard). 1 on success, 0 if dst has it. */
int ks_move(ks_db *src, ks_db *dst, kentry *e);

/* ---- whole-keyspace operations (take the shard locks themselves) ---- */
size_t ks_dbsize(ks_db *db);
size_t ks_db_expires(ks_db *db);
long long ks_db_avg_ttl(ks_db *db);
void ks_flush(ks_db *db, int async);
void ks_flush_all(int async);
/* Empties the existing databases with ids first..first+count-1. */
void ks_flush_range(int first, int count, int async);
void ks_swap(ks_db *a, ks_db *b);
/* A random live key copied into out/outlen (malloc'd with mem_alloc, caller
 * frees); 0 if the db is empty. */
int ks_random_key(ks_db *db, char **out, size_t *outlen);
/* One SCAN step over all shards. fn runs with the entry's shard locked and must
 * copy what it keeps. Returns the next cursor (0 = done). */
typedef void ks_scan_fn(void *priv, kentry *e);
uint64_t ks_scan(ks_db *db, uint64_t cursor, long count, ks_scan_fn *fn, void *priv);
/* Calls fn for every live key (KEYS). */
void ks_foreach(ks_db *db, ks_scan_fn *fn, void *priv);
/* Calls fn for every live entry of db in shard; the caller holds its lock. */
void ks_foreach_in_shard(ks_db *db, int shard, ks_scan_fn *fn, void *priv);

/* ---- expiry and eviction ---- */
/* Runs the active expiry cycle over the shards owned by worker wid of n, for at
 * most budget_us microseconds. */
void ks_active_expire(int wid, int nworkers, uint64_t budget_us);
/* Evicts keys per maxmemory-policy until used memory is under maxmemory. 0 when
 * under the limit (or no limit), -1 when nothing more can be evicted. Must be
 * called with no shard lock held. */
int ks_evict(void);
/* Idle work: incremental rehash of shard tables for about budget_us. */
void ks_rehash_some(int wid, int nworkers, uint64_t budget_us);
/* The LRU clock (seconds, 24 bits); the server's cron refreshes it. */
void ks_update_clock(void);

/* ---- statistics (per thread, summed on read) ---- */
/* One thread's keyspace counters (core/counter.h: only that thread writes). */
typedef struct ks_stats {
    counter hits, misses, expired, evicted, expire_cycle_cpu_us;
    counter expired_stale_perc_x100, expired_time_cap_reached;
} ks_stats;
/* The sums over threads (expired_stale_perc_x100: the highest). */
typedef struct ks_totals {
    long long hits, misses, expired, evicted, expire_cycle_cpu_us;
    long long expired_stale_perc_x100, expired_time_cap_reached;
} ks_totals;
void ks_stats_sum(ks_totals *out);
void ks_stats_reset(void);
/* The calling thread's counters (registered on first use). */
ks_stats *ks_my_stats(void);

/* Bytes held by an entry and its value (the value type's `mem`). */
size_t ks_entry_mem(const kentry *e);
/* ks_entry_mem of key's entry in db, expired or not, without touching it; 0
 * when absent. Caller holds the key's shard lock. */
size_t ks_mem_of(ks_db *db, slice key);

/* Memory of the keyspace tables (not the entries), for INFO memory. */
size_t ks_overhead(void);
/* The same for one database: its key tables and its expiry tables. */
void ks_db_overhead(ks_db *db, size_t *keys, size_t *expires);

#endif
