/* server/multi.h — transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * Between MULTI and EXEC a client's commands are checked (unknown command,
 * arity, memory) and queued with copies of their arguments. EXEC locks the
 * shards of every queued command's keys and of every watched key at once (all
 * shards when a queued command walks the keyspace), checks the WATCHes, then
 * runs the queue: no other client, on any thread, sees a state in between.
 *
 * WATCH registers the client in the key registry (keyreg.h); every write to
 * a key (key_modified, called under the key's shard lock by every writer,
 * including expiry and eviction) marks its watchers dirty. FLUSHDB, FLUSHALL
 * and SWAPDB mark the watchers of keys they make disappear or appear.
 */
#ifndef KV_SERVER_MULTI_H
#define KV_SERVER_MULTI_H

#include "server/server.h"

/* 1 if cmd runs at once even inside MULTI (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET). */
int multi_runs_now(const command *cmd);
/* EXEC's handler (the dispatcher words a rejected EXEC as EXECABORT). */
cmd_proc *multi_exec_proc(void);
/* Queues c's current command (argv copied) and replies QUEUED. */
void multi_queue(client *c, const command *cmd);
/* Marks c's transaction as failed (a command was rejected while queueing). */
void multi_flag_error(client *c);
/* Drops c's transaction and WATCHes (RESET, disconnect). */
void multi_reset(client *c);
/* Marks the watchers of key in db (caller holds the key's shard lock). */
void multi_touch_key(ks_db *db, slice key);
/* Before a flush or swap of db: marks watchers of db's keys that exist in db
 * or in other (the db swapped in; NULL for a flush). Locks shards itself. */
void multi_touch_db(ks_db *db, ks_db *other);

#endif
