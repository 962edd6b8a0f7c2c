/* server/namespace.h — per-user namespaces (design.md §5).
 *
 * A namespace is a keyspace of its own: its own `databases` databases, its own
 * pub/sub channels and keyspace notifications, optional quotas. A client is in
 * one namespace at a time: the default one ("") unless its ACL user is bound
 * to another with the rule `namespace:<name>`. Everything a client can reach
 * (keys, SELECT, SCAN/KEYS/RANDOMKEY, DBSIZE, FLUSHDB/FLUSHALL, INFO keyspace,
 * channels) is in its namespace; nothing in another one is visible to it.
 */
#ifndef KV_SERVER_NAMESPACE_H
#define KV_SERVER_NAMESPACE_H

#include "server/server.h"

/* Longest namespace name. */
#define NS_NAME_MAX 64

/* 1 if name is valid for the ACL rule namespace:<name> (1..NS_NAME_MAX bytes
 * of [A-Za-z0-9_.-]). */
int ns_name_valid(const char *name, size_t len);

/* Moves c into namespace name ("" = default), creating it on first use, and
 * selects its database 0. Returns 0, or -1 with *err set to a message for the
 * client (e.g. too many namespaces). */
int ns_bind(client *c, const char *name, const char **err);

#endif
