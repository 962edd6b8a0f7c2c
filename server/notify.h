/* server/notify.h — keyspace and keyevent notifications.
 *
 * Every command that changes a key calls notify_event once per change, with
 * the class of the change and Redis's event name ("set", "lpush", "del",
 * "expire", ...), after the change and while it still holds the key's shard
 * lock. When `notify-keyspace-events` selects the class, the event is
 * published on __keyspace@<db>__:<key> (message: the event name) and/or
 * __keyevent@<db>__:<event> (message: the key), as Redis does. Expiry and
 * eviction are reported by the keyspace itself (server_key_event).
 */
#ifndef KV_SERVER_NOTIFY_H
#define KV_SERVER_NOTIFY_H

#include "core/slice.h"

typedef struct ks_db ks_db;

/* Event classes: the letters of notify-keyspace-events. */
enum {
    NOTIFY_KEYSPACE = 1 << 0, /* K */
    NOTIFY_KEYEVENT = 1 << 1, /* E */
    NOTIFY_GENERIC = 1 << 2,  /* g */
    NOTIFY_STRING = 1 << 3,   /* $ */
    NOTIFY_LIST = 1 << 4,     /* l */
    NOTIFY_SET = 1 << 5,      /* s */
    NOTIFY_HASH = 1 << 6,     /* h */
    NOTIFY_ZSET = 1 << 7,     /* z */
    NOTIFY_EXPIRED = 1 << 8,  /* x */
    NOTIFY_EVICTED = 1 << 9,  /* e */
    NOTIFY_STREAM = 1 << 10,  /* t */
    NOTIFY_KEY_MISS = 1 << 11, /* m */
    NOTIFY_MODULE = 1 << 12,  /* d */
    NOTIFY_NEW = 1 << 13,     /* n */
};

/* Sets the classes to publish from a notify-keyspace-events string (after
 * start and every CONFIG SET). */
void notify_configure(const char *flags);
/* Publishes the notifications for one change of key in db, if enabled. */
void notify_event(int cls, const char *event, ks_db *db, slice key);

#endif
