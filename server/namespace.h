/* server/namespace.h — per-user namespaces (design.md §5).
 *
 * A namespace is a keyspace of its own: its own `databases` databases, its own
 * pub/sub channels and keyspace notifications, optional quotas. A client is in
 * one namespace at a time: the default one ("") unless its ACL user is bound
 * to another with the rule `namespace:<name>`. Everything a client can reach
 * (keys, SELECT, SCAN/KEYS/RANDOMKEY, DBSIZE, FLUSHDB/FLUSHALL, INFO keyspace,
 * channels) is in its namespace; nothing in another one is visible to it.
 *
 * Mechanism (docs/namespaces.md): namespace number n (its "slot"; 0 is the
 * default namespace) owns the keyspace's database ids n*databases ..
 * n*databases + databases-1 (db/ks.h ks_db_create), so a client's `db`
 * pointer alone says which namespace it is in, and every command that works on
 * c->db is confined without rewriting keys. `client.dbid` stays the index the
 * client selected (0..databases-1). Channels are registered under a 2-byte
 * namespace prefix inside server/pubsub.c and shown without it.
 *
 * Locks: the registry mutex is a leaf: nothing here takes a shard lock, the
 * AOF lock or a pub/sub lock while holding it (the snapshot and the AOF read
 * names under their own locks).
 */
#ifndef KV_SERVER_NAMESPACE_H
#define KV_SERVER_NAMESPACE_H

#include <stdint.h>

#include "core/buf.h"
#include "server/server.h"

/* Longest namespace name. */
#define NS_NAME_MAX 64
/* The name NAMESPACE commands, LIST and the AOF use for the default namespace
 * (the ACL rule namespace:default binds to it too). */
#define NS_DEFAULT_NAME "default"
/* Most namespaces besides the default one (max-namespaces is clamped to it). */
#define NS_MAX 1024

/* 1 if name is valid for the ACL rule namespace:<name> (1..NS_NAME_MAX bytes
 * of [A-Za-z0-9_.-]). */
int ns_name_valid(const char *name, size_t len);

/* Moves c into namespace name ("" or "default" = the default one), creating
 * it on first use, and selects its database 0. A client moved to another
 * namespace leaves its channels and patterns. A non-default namespace marks
 * the client CL_NS_BOUND (NAMESPACE USE is then refused to it). Returns 0, or
 * -1 with *err set to a message for the client (e.g. too many namespaces). */
int ns_bind(client *c, const char *name, const char **err);

/* ---- start-up ---- */

/* Database slots the keyspace must reserve (ks_conf.db_slots) for
 * `databases` databases per namespace and max_namespaces namespaces. */
int ns_db_slots(int databases, int max_namespaces);
/* Sets up the registry after ks_init (reads cfg.databases, the slots the
 * keyspace has). Until called only the default namespace exists. */
void ns_init(void);
/* Sets every namespace's memory charge from its entries (after loading). */
void ns_recount(void);

/* ---- where a client is ---- */

/* Namespace number of a database (0 = default). */
int ns_of_db(const ks_db *db);
/* The index of db inside its namespace (what SELECT and notifications show). */
int ns_db_index(const ks_db *db);
/* Database `index` (0..databases-1) of c's namespace; NULL if out of range. */
ks_db *ns_db(const client *c, int index);
/* Keyspace id of database 0 of c's namespace. */
int ns_first_db(const client *c);
/* Copies the name of namespace number ns into out (NS_DEFAULT_NAME for 0).
 * 0, or -1 when no such namespace exists. */
int ns_name_of(int ns, char *out, size_t size);
/* A client is freed: it leaves its namespace. */
void ns_client_gone(client *c);

/* ---- quotas and memory ---- */

/* For a command flagged DENYOOM from c: NULL when c's namespace is within its
 * quotas, else the error text (valid until the thread's next call). The AOF
 * replay's client (no connection) is never refused. */
const char *ns_check_quota(const client *c);
/* call() runs each write command between these: the bytes it allocated minus
 * those it freed on this thread (its reply buffer's growth left out) are
 * charged to the namespace of the client's database. No-ops for the default
 * namespace and for other commands. */
void ns_meter_begin(client *c, const command *cmd);
void ns_meter_end(client *c);
/* Leaves out of the current command's charge what runs in between
 * (notifications, the AOF feed, blocked-client bookkeeping). Nests. */
void ns_meter_pause(void);
void ns_meter_resume(void);
/* The keyspace drops key of db on its own (expiry, eviction): its bytes are
 * refunded, unless the running metered command is charged for them anyway.
 * Called under the key's shard lock, before the entry goes. */
void ns_key_dropped(ks_db *db, slice key);
/* FLUSHDB, FLUSHALL (first..first+n-1) and SWAPDB: charges follow the data. */
void ns_flushed(int first, int n);
void ns_swapped(ks_db *a, ks_db *b);

/* ---- persistence ---- */

/* RDB aux field "kvik-namespaces" naming the namespaces, their numbers and
 * quotas; 0 (out untouched) when there is none besides the default one. */
#define NS_RDB_AUX "kvik-namespaces"
int ns_rdb_aux(buf *out);
/* Loading a snapshot: begin resets the mapping of the file's database ids;
 * the aux field, if present, registers its namespaces (not when checking);
 * ns_rdb_db maps a SELECTDB id of the file to a keyspace id (-1: out of
 * range). */
void ns_rdb_load_begin(void);
int ns_rdb_load_aux(slice value, int check_only, const char **err);
int ns_rdb_db(uint64_t file_id, int check_only);

/* ---- administration (NAMESPACE, server/cmd_namespace.c) ---- */

typedef struct ns_info {
    int ns;                      /* number (0 = default) */
    char name[NS_NAME_MAX + 1];
    long long keys;              /* exact */
    long long memory;            /* bytes charged (default: an estimate) */
    long long maxkeys, maxmemory; /* 0 = none */
    int clients;                 /* connections in it (not counted for default) */
} ns_info;

/* Number of the namespace called name (NS_DEFAULT_NAME or "" = 0); -1 if none. */
int ns_lookup(const char *name, size_t len);
/* Number of the namespace called name, created if needed; -1 with *err. */
int ns_get_or_create(const char *name, size_t len, const char **err);
/* Moves c into namespace name, created if needed (NAMESPACE USE: this does
 * not bind it). 0, or -1 with *err. */
int ns_enter(client *c, const char *name, size_t len, const char **err);
/* Fills out with namespace ns; 0, or -1 if it does not exist. */
int ns_get_info(int ns, ns_info *out);
/* Calls fn for every namespace, the default one first. */
void ns_foreach(void (*fn)(void *priv, const ns_info *in), void *priv);
/* Sets the quotas of ns (a negative value leaves that one as it is). */
void ns_set_quota(int ns, long long maxkeys, long long maxmemory);
/* Empties and removes namespace ns (not the default one, not while clients
 * are in it). 0, or -1 with *err. */
int ns_delete(int ns, const char **err);

#endif
