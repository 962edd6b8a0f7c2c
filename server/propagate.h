/* server/propagate.h — what a write leaves in the append-only file.
 *
 * After every command that changed data, call() propagates it: by default
 * its own arguments; commands with relative times are rewritten to absolute
 * ones from the key's state right after the command (EXPIRE -> PEXPIREAT,
 * SET EX -> SET PXAT, ...) so a replay gives the same expiry; a handler
 * whose effect its arguments do not say (a served BLPOP, SPOP's random
 * members) names it with propagate_as. Keys the keyspace deletes on its own
 * (expiry, eviction) are propagated as DEL. EXEC's writes are wrapped in
 * MULTI/EXEC so that a replay applies them together.
 */
#ifndef KV_SERVER_PROPAGATE_H
#define KV_SERVER_PROPAGATE_H

#include "server/server.h"

/* The current command (on this thread) propagates as argv instead of its own
 * arguments (copied). */
void propagate_as(const slice *argv, int argc);
/* One more command for the current command's log form (after those given by
 * propagate_as / propagate_add; the first call replaces the command's own
 * arguments). Several commands go to the log in order, inside MULTI/EXEC
 * (unless the command runs in a transaction, which has its own), so that a
 * replay applies them together. */
void propagate_add(const slice *argv, int argc);
/* Called by call() after cmd ran on c and changed data. */
void propagate_command(client *c, const command *cmd);
/* Forgets a propagate_as of a command that turned out to change nothing. */
void propagate_reset(void);
/* A key deleted by expiry or eviction (under its shard lock). */
void propagate_del(ks_db *db, slice key);
/* End of EXEC: closes the MULTI it opened in the log, if any. */
void propagate_exec_end(client *c);

#endif
