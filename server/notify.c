/* server/notify.c — keyspace and keyevent notifications (see notify.h). */
#include "server/notify.h"

void notify_event(int cls, const char *event, ks_db *db, slice key)
{
    (void)cls;
    (void)event;
    (void)db;
    (void)key;
}
