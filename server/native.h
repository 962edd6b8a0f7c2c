/* server/native.h — kvik's native protocol, server side (docs/protocol.md).
 *
 * A client on the native port speaks in frames (proto/native.h) holding
 * Protocol Buffers messages (proto/kvik.proto). Its first message must be a
 * Hello; every later one is a Request whose argv goes through the same
 * dispatch as a RESP command. Replies are written through native_reply_ops,
 * which build a ServerMessage with a RESP3-typed Value and frame it once the
 * top-level reply is complete, so command code never knows the protocol.
 */
#ifndef KV_SERVER_NATIVE_H
#define KV_SERVER_NATIVE_H

#include <stdatomic.h>

#include "core/slice.h"
#include "server/server.h"

/* The reply writers, one table per compression the server sends with
 * (indexed by NATIVE_NONE..NATIVE_ZSTD). Each complete top-level reply or push
 * becomes one frame appended to the buf the writer is given; payloads of at
 * least native-compress-min bytes are compressed. */
extern const reply_ops native_reply_ops[4];

/* The port setting (native-port), for the listener table. */
int native_srv_port(void);

/* Sets up a new client of the native port: native replies, RESP3 semantics,
 * waiting for a Hello. */
void native_srv_client_new(client *c);
/* Frees what native_srv_client_new set up (client_free calls it). */
void native_srv_client_free(client *c);

/* Reads the frame at c->qbuf + c->qpos, like resp_read_command does for RESP:
 * - RESP_OK, *consumed = frame length: c->rd.argc > 0 when c->argv/c->argc
 *   hold a Request to dispatch (slices valid until the next call); 0 when the
 *   frame was handled here (the Hello, an empty Request).
 * - RESP_AGAIN: incomplete (c->rd.need hints the frame length).
 * - RESP_ERROR: c->rd.err says why; the caller replies the error and closes.
 */
int native_srv_read(client *c, size_t *consumed);

/* Appends a pub/sub message push [kind, (pattern,) channel, message] to c.
 * The encoding of (channel, message) is made once per message and kept in
 * *cache (one allocation, freed by the message's owner with mem_free); any
 * thread may deliver the same message concurrently. pattern.p NULL: none. */
void native_srv_push_pubsub(client *c, const char *kind, slice pattern, slice channel,
                            slice message, void *_Atomic *cache);

#endif
