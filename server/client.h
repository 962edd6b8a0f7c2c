/* server/client.h — client connections: input, output, lifetime.
 *
 * A client belongs to the worker that accepted it; only that worker's thread
 * touches its buffers. Other threads reach it through worker_post. Clients are
 * never freed in the middle of a loop pass: closing flags them and queues them
 * on the worker's closing list, freed before the loop sleeps. */
#ifndef KV_SERVER_CLIENT_H
#define KV_SERVER_CLIENT_H

#include "server/server.h"

/* Creates a client for an accepted connection and registers it with w; proto
 * (PROTO_RESP, PROTO_NATIVE) says how it speaks. */
client *client_new(worker *w, conn *cn, const char *addr, const char *laddr, int proto);
/* Flags c for closing; it is freed at the end of the current loop pass. */
void client_close(client *c);
/* Frees every client on w's closing list. */
void client_free_closed(worker *w);
/* Puts c on its worker's list of clients with output to flush. */
void client_mark_pending(client *c);
/* Writes pending output of every client of w (before the loop sleeps). */
void client_flush_pending(worker *w);
/* Writes the output of w's clients whose replies waited for an AOF fsync
 * that has now happened (a worker task; arg unused). */
void client_aof_unpark(worker *w, void *arg);
/* Checks c's unsent output against its class's limits; closes it if over. */
void client_check_obuf(client *c);
/* Parses and runs buffered commands (also called after CLIENT UNPAUSE). */
void client_process_input(client *c);
/* Sets the protocol version (2 or 3). */
void client_set_resp(client *c, int resp);
/* Appends c's CLIENT LIST line (without newline) to out. Caller holds
 * srv.clients_lock. */
void client_describe(client *c, buf *out);
/* Runs periodic checks on w's clients: idle timeouts, stalled half commands,
 * soft output limits, CLIENT PAUSE expiry. */
void client_cron(worker *w);

/* Brings w->client_mem up to date with c's buffer sizes. */
void client_account(client *c);
/* Bytes held in client I/O buffers, all workers: not counted against
 * maxmemory (clients are bounded by their own buffer limits). */
size_t clients_buffer_memory(void);

/* Executes the command in c->argv (server/dispatch.c). */
void dispatch(client *c);
/* Runs cmd's handler on c->argv and counts it: no checks, no locks (the
 * caller holds the shards). Used by dispatch and EXEC. */
void call(client *c, const command *cmd);

#endif
