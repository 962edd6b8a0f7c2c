/* server/notify.c — keyspace and keyevent notifications (see notify.h).
 *
 * The enabled classes live in one atomic int, so a disabled class costs a load
 * and a test; with no subscriber at all (pubsub_active) no channel name is
 * built either. Notifications are ordinary PUBLISHes from the thread that made
 * the change, under the key's shard lock, so the pub/sub queues keep them in
 * change order for every key. */
#include "server/notify.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "db/ks.h"
#include "server/namespace.h"
#include "server/pubsub.h"

static _Atomic int enabled;

void notify_configure(const char *s)
{
    int f = 0;
    for (; s && *s; s++) {
        switch (*s) {
        case 'A':
            f |= NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH |
                 NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE;
            break;
        case 'g': f |= NOTIFY_GENERIC; break;
        case '$': f |= NOTIFY_STRING; break;
        case 'l': f |= NOTIFY_LIST; break;
        case 's': f |= NOTIFY_SET; break;
        case 'h': f |= NOTIFY_HASH; break;
        case 'z': f |= NOTIFY_ZSET; break;
        case 'x': f |= NOTIFY_EXPIRED; break;
        case 'e': f |= NOTIFY_EVICTED; break;
        case 'K': f |= NOTIFY_KEYSPACE; break;
        case 'E': f |= NOTIFY_KEYEVENT; break;
        case 't': f |= NOTIFY_STREAM; break;
        case 'm': f |= NOTIFY_KEY_MISS; break;
        case 'd': f |= NOTIFY_MODULE; break;
        case 'n': f |= NOTIFY_NEW; break;
        default: break; /* validated by the config layer */
        }
    }
    /* Without a channel kind nothing is ever published. */
    if (!(f & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT))) f = 0;
    atomic_store_explicit(&enabled, f, memory_order_relaxed);
}

void notify_event(int cls, const char *event, ks_db *db, slice key)
{
    int f = atomic_load_explicit(&enabled, memory_order_relaxed);
    if (!(f & cls) || !pubsub_active()) return;
    ns_meter_pause(); /* messages in flight are not the namespace's data */
    char stack[256];
    buf ch = {stack, 0, sizeof(stack)};
    int heap = 0;
    size_t evlen = strlen(event);
    /* In db's namespace, with the database numbered as its clients see it. */
    int ns = ns_of_db(db), dbid = ns_db_index(db);
    if (f & NOTIFY_KEYSPACE) {
        char pre[48];
        int n = snprintf(pre, sizeof(pre), "__keyspace@%d__:", dbid);
        if ((size_t)n + key.len > sizeof(stack)) {
            ch = (buf)BUF_INIT;
            heap = 1;
        }
        buf_append(&ch, pre, (size_t)n);
        buf_append(&ch, key.p, key.len);
        pubsub_publish(ns, PS_CHANNEL, slice_of(ch.p, ch.len), slice_of(event, evlen));
    }
    if (f & NOTIFY_KEYEVENT) {
        ch.len = 0;
        char pre[48];
        int n = snprintf(pre, sizeof(pre), "__keyevent@%d__:", dbid);
        if (!heap && (size_t)n + evlen > sizeof(stack)) {
            ch = (buf)BUF_INIT;
            heap = 1;
        }
        buf_append(&ch, pre, (size_t)n);
        buf_append(&ch, event, evlen);
        pubsub_publish(ns, PS_CHANNEL, slice_of(ch.p, ch.len), key);
    }
    if (heap) buf_free(&ch);
    ns_meter_resume();
}
