/* server/pubsub.h — the pub/sub registry and cross-thread message delivery.
 *
 * Three kinds of subscription: channels (SUBSCRIBE), glob patterns
 * (PSUBSCRIBE) and shard channels (SSUBSCRIBE). A client subscribes on the
 * worker that owns it, and a message reaches it only through that worker: a
 * publisher never touches another worker's clients or buffers.
 *
 * Two levels of registry:
 *   - global (one mutex): name -> total subscribers and subscribers per
 *     worker. PUBLISH reads it to count receivers and to learn which workers
 *     have any;
 *   - per worker (owner thread only): name -> that worker's subscribed
 *     clients, in subscription order.
 *
 * A published message is encoded once into a reference-counted ps_msg (the
 * RESP bulk strings of channel and payload) and appended to the delivery
 * queue of every worker with subscribers; a worker whose queue was empty is
 * woken through its inbox (worker_post + eventfd). The publisher's own worker
 * delivers at once, after anything already queued for it. Queue order is
 * append order, and appends happen while the publisher runs (under the key's
 * shard lock for keyspace notifications), so every subscriber sees one
 * publisher's messages — and one key's notifications — in order, whatever the
 * threads. Each worker copies the encoded bytes into its subscribers' output
 * buffers (see docs/architecture.md for why a copy rather than a shared
 * reference), where client-output-buffer-limit pubsub bounds them.
 */
#ifndef KV_SERVER_PUBSUB_H
#define KV_SERVER_PUBSUB_H

#include <stddef.h>

#include "core/slice.h"
#include "server/server.h"

enum { PS_CHANNEL = 0, PS_PATTERN = 1, PS_SHARD = 2, PS_KINDS = 3 };

/* Sets up the registry and the per-worker queues; srv.workers must exist. */
void pubsub_init(void);
/* Frees what is left at exit (queued messages, tables), after the workers
 * stopped. */
void pubsub_shutdown(void);

/* Publishes msg on channel of namespace ns (server/namespace.h; kind
 * PS_CHANNEL: also matched against the namespace's patterns; PS_SHARD: shard
 * subscribers only). Callable from any worker thread. Returns the number of
 * clients the message is delivered to. */
long long pubsub_publish(int ns, int kind, slice channel, slice msg);
/* 1 if any client has any subscription (a cheap test before building
 * notification channel names). */
int pubsub_active(void);

/* Subscribes c (on its own thread) to name in its namespace; 1 if new, 0 if
 * already. */
int pubsub_subscribe(client *c, int kind, slice name);
/* Unsubscribes c from name; 1 if it was subscribed. */
int pubsub_unsubscribe(client *c, int kind, slice name);
/* Copies the name of one of c's subscriptions of this kind into out (caller
 * frees with buf_free); 0 if it has none. */
int pubsub_any_name(const client *c, int kind, buf *out);
/* c's subscriptions of this kind. */
int pubsub_count(const client *c, int kind);
/* Drops every subscription of c without replying (client freed, RESET). */
void pubsub_client_reset(client *c);

/* 1 if cmd may run on a RESP2 connection in subscriber mode. */
int pubsub_mode_allows(const command *cmd);

/* Introspection (PUBSUB, INFO), in namespace ns. */
/* Distinct channels / patterns / shard channels (ns < 0: of all namespaces). */
size_t pubsub_names(int ns, int kind);
long long pubsub_numsub(int ns, int kind, slice name);
/* Calls fn for each channel (kind PS_CHANNEL or PS_SHARD) of ns matching
 * pattern (all if pattern.p == NULL), under the registry lock: fn must not
 * call back. */
void pubsub_foreach(int ns, int kind, slice pattern, void (*fn)(void *priv, slice name),
                    void *priv);

#endif
