/* server/cmd_persist.c — SAVE, BGSAVE, DUMP, RESTORE (snapshots in
 * server/snapshot.c, the value format in types/serial.c). */
#include <limits.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/aof.h"
#include "server/cmdtab.h"
#include "server/notify.h"
#include "server/snapshot.h"

static void cmd_save(client *c)
{
    char err[300];
    if (snapshot_save(cfg.dbfilename, err, sizeof(err)) < 0) {
        reply_errorf(c, "ERR %s", err);
        return;
    }
    reply_ok(c);
}

static void cmd_bgsave(client *c)
{
    int schedule = 0;
    if (c->argc == 2 && slice_is(c->argv[1], "SCHEDULE")) {
        schedule = 1;
    } else if (c->argc > 1) {
        reply_err_syntax(c);
        return;
    }
    /* Inside EXEC the shards may be held (nested ks_lock_all): a snapshot
     * started there would not see the transaction's later writes as
     * changes, and on a threads-1 server it would turn locking on between
     * the transaction's lock and unlock. Redis schedules it too. */
    /* A BGSAVE waits only behind an AOF rewrite (or the EXEC it is in); a
     * BGSAVE already running is an error even with SCHEDULE, as in Redis. */
    if (snapshot_in_progress() || (c->flags & CL_EXEC)) {
        if ((schedule && snapshot_is_rewrite()) || (c->flags & CL_EXEC)) {
            snapshot_schedule();
            reply_status(c, "Background saving scheduled");
        } else {
            reply_error(c, "ERR Background save already in progress");
        }
        return;
    }
    char err[300];
    if (snapshot_bgsave(err, sizeof(err)) < 0) {
        reply_errorf(c, "ERR %s", err);
        return;
    }
    reply_status(c, "Background saving started");
}

static void cmd_bgrewriteaof(client *c)
{
    char err[300];
    int rc = aof_rewrite(err, sizeof(err));
    if (rc < 0)
        reply_errorf(c, "ERR %s", err);
    else if (rc > 0)
        reply_status(c, "Background append only file rewriting scheduled");
    else
        reply_status(c, "Background append only file rewriting started");
}

static void cmd_dump(client *c)
{
    kentry *e = ks_lookup(c->db, c->argv[1], KS_READ);
    if (!e) {
        reply_null(c);
        return;
    }
    buf out;
    snapshot_dump(e, &out);
    reply_bulk(c, out.p, out.len);
    buf_free(&out);
}

/* RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
static void cmd_restore(client *c)
{
    int replace = 0, absttl = 0;
    long long ttl, idle = -1, freq = -1;
    for (int j = 4; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (slice_is(c->argv[j], "REPLACE")) {
            replace = 1;
        } else if (slice_is(c->argv[j], "ABSTTL")) {
            absttl = 1;
        } else if (slice_is(c->argv[j], "IDLETIME") && more && freq < 0) {
            if (arg_ll(c, c->argv[++j], &idle) < 0) return;
            if (idle < 0) {
                reply_error(c, "ERR Invalid IDLETIME value, must be >= 0");
                return;
            }
        } else if (slice_is(c->argv[j], "FREQ") && more && idle < 0) {
            if (arg_ll(c, c->argv[++j], &freq) < 0) return;
            if (freq < 0 || freq > 255) {
                reply_error(c, "ERR Invalid FREQ value, must be >= 0 and <= 255");
                return;
            }
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    slice key = c->argv[1];
    if (!replace && ks_exists(c->db, key)) {
        reply_error(c, "BUSYKEY Target key name already exists.");
        return;
    }
    if (arg_ll(c, c->argv[2], &ttl) < 0) return;
    if (ttl < 0) {
        reply_error(c, "ERR Invalid TTL value, must be >= 0");
        return;
    }
    long long expire = -1;
    if (ttl > 0) expire = absttl ? ttl : (long long)now_ms() + ttl;
    /* An absolute time already past: the key would expire at once. The
     * payload is still checked first, as Redis does (restored, then
     * deleted), and REPLACE deletes the old key. */
    int existed = ks_exists(c->db, key);
    int expired = expire >= 0 && expire <= (long long)now_ms();
    const char *err;
    if (snapshot_restore(c->db, key, c->argv[3], expired ? -1 : expire, idle, (int)freq,
                         &err) < 0) {
        reply_error(c, err);
        return;
    }
    if (expired) {
        ks_delete(c->db, key);
        if (existed) key_modified(c->db, key);
        reply_ok(c);
        return;
    }
    key_modified(c->db, key);
    notify_event(NOTIFY_GENERIC, "restore", c->db, key);
    reply_ok(c);
}

command persist_commands[] = {
    {.name = "save", .proc = cmd_save, .arity = 1, .group = "server",
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI | CMD_ALL_SHARDS,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "1.0.0",
     .summary = "Synchronously saves the database(s) to disk.",
     .complexity = "O(N) where N is the total number of keys in all databases"},
    {.name = "bgsave", .proc = cmd_bgsave, .arity = -1, .group = "server",
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_ALL_SHARDS,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "1.0.0",
     .summary = "Asynchronously saves the database(s) to disk.",
     .complexity = "O(1)", .args = "[SCHEDULE]"},
    {.name = "bgrewriteaof", .proc = cmd_bgrewriteaof, .arity = 1, .group = "server",
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_ALL_SHARDS,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "1.0.0",
     .summary = "Asynchronously rewrites the append-only file to disk.",
     .complexity = "O(1)"},
    {.name = "dump", .proc = cmd_dump, .arity = 2, .group = "generic",
     .flags = CMD_READONLY, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {1, 1, 1},
     .since = "2.6.0", .summary = "Returns a serialized representation of the value stored at a key.",
     .complexity = "O(1) to access the key and additional O(N*M) to serialize it",
     .args = "key", .key_flags = "RO ACCESS"},
    {.name = "restore", .proc = cmd_restore, .arity = -4, .group = "generic",
     .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS,
     .keys = {1, 1, 1}, .since = "2.6.0",
     .summary = "Creates a key from the serialized representation of a value.",
     .complexity = "O(1) to create the new key and additional O(N*M) to reconstruct the "
                   "serialized value",
     .args = "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
     .key_flags = "OW UPDATE"},
    {0},
};
