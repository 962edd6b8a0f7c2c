/* server/snapshot.h — RDB snapshots of the whole keyspace.
 *
 * SAVE writes a snapshot with every shard locked. BGSAVE takes one without
 * fork and without stopping clients: at its start instant every shard is
 * marked pending (all shards locked for a moment); a snapshot thread then
 * visits the shards in order, and whoever locks a pending shard first — the
 * snapshot thread or any command about to read or change it — serialises
 * that shard into a buffer before doing anything else (a keyspace lock hook).
 * So each shard is written as it was at the start instant, and the extra
 * memory is the serialised form of shards not yet written to the file, not a
 * copy of every page touched. The file is written to a temporary name,
 * fsynced, and renamed over dbfilename.
 */
#ifndef KV_SERVER_SNAPSHOT_H
#define KV_SERVER_SNAPSHOT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/slice.h"

typedef struct kentry kentry;
typedef struct command command;
typedef struct ks_db ks_db;

/* Writes a snapshot to path now (SAVE, SHUTDOWN, DEBUG RELOAD). 0, or -1
 * with a message in err. */
int snapshot_save(const char *path, char *err, size_t errlen);
/* Starts a background snapshot to dbfilename. 0, or -1 with a message. */
int snapshot_bgsave(char *err, size_t errlen);
/* A background snapshot to path; done(ok) runs on worker 0 when it ends
 * (the AOF rewrite's base file). Does not count as a BGSAVE in INFO. */
typedef void snapshot_done_fn(int ok);
int snapshot_bgsave_to(const char *path, snapshot_done_fn *done, char *err, size_t errlen);
int snapshot_in_progress(void);
/* 1 while the running background snapshot is an AOF rewrite's base. */
int snapshot_is_rewrite(void);
/* Before a command changes data: keeps what its keys were at the snapshot's
 * instant (see snapshot.c). db is the client's database: the keys are kept in
 * every database of its namespace (MOVE, COPY ... DB). Called with the keys'
 * shards locked, except for commands that lock shards themselves
 * (CMD_ALL_SHARDS). */
void snapshot_guard(ks_db *db, const command *cmd, const slice *argv, int argc);
/* The same for one key about to change in db's namespace (eviction). */
void snapshot_before_write(ks_db *db, slice key);
/* Worker 0's cron: finishes a background save that ended, applies the
 * `save` rules, runs a scheduled BGSAVE. */
void snapshot_cron(void);
/* Asks for a BGSAVE as soon as the running one ends (BGSAVE SCHEDULE). */
void snapshot_schedule(void);
/* Waits for a background save to end (SHUTDOWN, DEBUG RELOAD). */
void snapshot_wait(void);

/* Loads path into the (empty) keyspace. 1 loaded, 0 no such file, -1 error
 * (message names the file and byte offset). check_only: parse and count
 * keys without loading (--check-rdb); *keys gets the count. */
int snapshot_load(const char *path, int check_only, long long *keys, char *err, size_t errlen);

/* INFO persistence fields for snapshots. */
void snapshot_info(buf *out);
long long snapshot_lastsave(void);
/* 1 when writes must be refused: the last background save failed and
 * stop-writes-on-bgsave-error is on. */
int snapshot_write_blocked(void);

/* DUMP: the payload of an entry's value (type, value, version, CRC-64). */
void snapshot_dump(kentry *e, buf *out);
/* RESTORE: checks a payload's version and checksum and creates key in db from
 * it (replacing any existing key). expire_ms -1 for none. 0, or -1 with err
 * set to the reply error. The caller holds the key's shard lock. */
int snapshot_restore(ks_db *db, slice key, slice payload, long long expire_ms, long long idle,
                     int freq, const char **err);

#endif
