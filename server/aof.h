/* server/aof.h — the append-only file: every write, in RESP, in execution order.
 *
 * Layout (Redis 7's multi-part AOF, in dir/appenddirname):
 *
 *   appendonly.aof.manifest        which files make up the log, in order
 *   appendonly.aof.<n>.base.rdb    a snapshot: the state when the log began
 *   appendonly.aof.<m>.incr.aof    the writes since, as RESP commands
 *
 * Feeding. A write command is appended to one in-memory log buffer while its
 * shard locks are held, so the log order is the execution order of every key
 * (design.md §4). A log thread writes the buffer out and fsyncs it as
 * appendfsync says. With `always`, a client's reply is held until the log
 * is synced past its command: all the commands of a loop pass, on every
 * worker, share one fsync (group commit).
 *
 * Rewriting (BGREWRITEAOF, or automatic past auto-aof-rewrite-percentage):
 * at one instant (all shards locked) new writes switch to a new incremental
 * file and a background snapshot of that same instant becomes the new base;
 * then the manifest names just the new pair and the old files are deleted.
 */
#ifndef KV_SERVER_AOF_H
#define KV_SERVER_AOF_H

#include <stddef.h>

#include "core/buf.h"
#include "core/slice.h"
#include "server/server.h"

/* Loads the log at start (before the workers run). 1 loaded, 0 there is none,
 * -1 error (logged, naming the file and offset). */
int aof_load(void);
/* Starts logging at start-up (after loading): creates the log from the
 * current data when there is none. 0 or -1. */
int aof_open(void);
/* Flushes and syncs the log and stops the log thread (shutdown). */
void aof_close(void);
/* CONFIG SET appendonly: turns logging on (starting a rewrite to make a
 * base) or off. 0, or -1 with a message. */
int aof_set_enabled(int on, char *err, size_t errlen);
int aof_enabled(void);

/* Appends a command to the log if logging is on (caller holds the shards of
 * its keys). dbid is the keyspace id of the command's database: one of a
 * namespace's is logged as NAMESPACE USE <name> + SELECT <index> (see
 * docs/namespaces.md). Returns the log offset that must be synced before its
 * reply goes out (0 when nothing needs waiting for). */
long long aof_feed(int dbid, const slice *argv, int argc);
/* Wakes the log thread if this thread fed it: workers call it once per loop
 * pass, so the commands of a pass share one write and one fsync. */
void aof_kick(void);
/* 1 when a reply for log offset `offset` must still wait for an fsync. */
int aof_must_wait(long long offset);
/* Worker w has clients waiting for an fsync: wake it when it comes. */
void aof_want_wake(worker *w);

/* BGREWRITEAOF. 0 started, 1 scheduled (a snapshot is running), -1 error. */
int aof_rewrite(char *err, size_t errlen);
/* Worker 0's cron: scheduled and automatic rewrites. */
void aof_cron(void);
/* INFO persistence fields for the log. */
void aof_info(buf *out);
/* 1 while writes must be refused because the log cannot be written. */
int aof_write_blocked(void);

/* Replaying log bytes (the loader, the fuzz target, and --check-aof with
 * r NULL: parse and check only): a stand-in client
 * on a stand-in worker runs each command. Only writes, SELECT, MULTI and
 * EXEC are accepted. aof_replay returns 0 with *good = the length of the
 * complete prefix (a cut-short command or unfinished MULTI excluded), or -1
 * with *bad_at = the offset of a malformed or unexpected command. p is
 * changed in place (inline unescaping never happens: commands must be
 * multibulk). */
typedef struct replay {
    worker w;
    client c;
} replay;
void aof_replay_init(replay *r);
int aof_replay(replay *r, char *p, size_t len, size_t *good, size_t *bad_at);
void aof_replay_free(replay *r);

/* kvik-server --check-aof DIR: checks a log without loading it. 0 ok, 1 not. */
int aof_check(const char *dir);

#endif
