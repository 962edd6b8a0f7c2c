/* server/blocking.h — clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK...).
 *
 * A blocking command first tries to serve itself like its non-blocking form.
 * When there is nothing to serve it calls blocking_wait and returns without a
 * reply. From then on the client reads no more commands until it is served,
 * times out (null reply), is unblocked (CLIENT UNBLOCK) or disconnects.
 *
 * When a key it waits on may have become servable (a list, sorted set or
 * stream created under that name, or an XADD to the stream), the command's
 * handler runs again on the client's own copy of its arguments, with
 * blocking_is_retry(c) true, right after the command that made the key ready
 * and with the shards of the client's keys locked. A retry may run on another
 * worker thread with a stand-in client that carries the blocked client's
 * database, protocol and argv: the handler must only read c->argv, c->db and
 * reply through the reply API. On a retry the handler either serves (replies)
 * or replies nothing and returns, leaving the client blocked. Waiters on one
 * key are served in the order they blocked.
 */
#ifndef KV_SERVER_BLOCKING_H
#define KV_SERVER_BLOCKING_H

#include "server/server.h"

/* Blocks c on the keys at argv positions keypos[0..nkeys) of its database,
 * until the unix time deadline_ms (0 = forever). c's argv is copied, so the
 * handler may change arguments of the copy with blocking_set_arg afterwards. */
void blocking_wait(client *c, const int *keypos, int nkeys, long long deadline_ms);
/* blocking_wait on the keys at argv[first..last]. */
void blocking_wait_range(client *c, int first, int last, long long deadline_ms);
/* Looks up the key a blocking command pops from: as lookup_typed, except
 * that on a retry a key of another type counts as absent (the client keeps
 * waiting instead of getting WRONGTYPE). */
int blocking_lookup(client *c, slice key, int type, kentry **ep);
/* Replaces argument i of a blocked client's argv copy (XREAD turns "$" into
 * the stream's current last ID, so that a retry reads only newer entries). */
void blocking_set_arg(client *c, int i, slice s);
/* 1 while the handler runs again for a blocked client. */
int blocking_is_retry(const client *c);
/* Signals that key of db may now serve blocked clients. Keys created as
 * lists, sorted sets or streams are signalled by the keyspace itself; XADD to
 * an existing stream signals explicitly. */
void blocking_signal(ks_db *db, slice key);
/* Serves the clients blocked on keys signalled by this thread's last
 * command (dispatch calls it with no shard locks held). */
void blocking_serve_ready(worker *w);
/* Times out w's blocked clients whose deadline passed; returns the next
 * deadline (unix ms) among those left, 0 if none. */
uint64_t blocking_check_timeouts(worker *w);
/* CLIENT UNBLOCK, on c's own thread: ends its wait with the timeout reply, or
 * with the UNBLOCKED error. */
void blocking_unblock(client *c, int error);
/* From any thread holding srv.clients_lock, for a client about to be
 * closed (CLIENT KILL): no server will serve its wait from now on. */
void blocking_cancel(client *c);
/* c is being freed: drops its wait. */
void blocking_client_gone(client *c);
/* Parses a timeout argument (seconds, fractional allowed) into a deadline
 * (0 = forever); replies Redis's error and returns -1 when invalid. */
int blocking_parse_timeout(client *c, slice arg, int unit_ms, long long *deadline_ms);

#endif
