/* server/dispatch.c — runs one command: lookup, checks, locks, handler, stats.
 *
 * The order of checks follows Redis, so that clients see the same error for
 * the same mistake: unknown command, arity, authentication, pause, memory.
 * Then the shards of the command's keys (from the command table) are locked
 * in ascending order for the handler's run.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "db/ks.h"
#include "server/acl.h"
#include "server/aof.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/keyreg.h"
#include "server/multi.h"
#include "server/namespace.h"
#include "server/notify.h"
#include "server/propagate.h"
#include "server/pubsub.h"
#include "server/monitor.h"
#include "server/slowlog.h"
#include "server/snapshot.h"
#include "server/stats.h"

/* Changes made by this thread: call() compares before and after a command
 * to know whether it must be propagated. */
static _Thread_local long long changes;

void server_dirty(long long n)
{
    atomic_fetch_add_explicit(&srv.dirty, n, memory_order_relaxed);
    changes += n;
}

void key_modified(ks_db *db, slice key)
{
    server_dirty(1);
    if (kr_any(KR_WATCHED)) multi_touch_key(db, key);
}

/* The keyspace's own events (ks_settings.event), under the key's shard lock. */
void server_key_event(ks_db *db, slice key, int event, int type)
{
    ns_meter_pause(); /* bookkeeping, not the namespace's data */
    if (event == KS_EV_EVICTED) snapshot_before_write(db, key);
    if (event == KS_EV_EXPIRED || event == KS_EV_EVICTED) {
        ns_key_dropped(db, key);
        key_modified(db, key);
        propagate_del(db, key);
    }
    if (event == KS_EV_ADDED && kr_any(KR_BLOCKED) &&
        (type == OBJ_LIST || type == OBJ_ZSET || type == OBJ_STREAM))
        blocking_signal(db, key);
    /* keyspace notifications */
    if (event == KS_EV_EXPIRED) notify_event(NOTIFY_EXPIRED, "expired", db, key);
    if (event == KS_EV_EVICTED) notify_event(NOTIFY_EVICTED, "evicted", db, key);
    if (event == KS_EV_ADDED) notify_event(NOTIFY_NEW, "new", db, key);
    if (event == KS_EV_MISS) notify_event(NOTIFY_KEY_MISS, "keymiss", db, key);
    ns_meter_resume();
}

int lookup_typed(client *c, slice key, int flags, int type, kentry **ep)
{
    kentry *e = ks_lookup(c->db, key, flags);
    if (e && ke_type(e) != type) {
        reply_err_wrongtype(c);
        return 0;
    }
    *ep = e;
    return 1;
}

/* The first arguments, quoted, for the unknown-command error. */
static void args_preview(client *c, char *out, size_t size)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = 1; i < c->argc && n < 128; i++) {
        size_t budget = 128 - n;
        int w = snprintf(out + n, size - n, "'%.*s' ",
                         (int)(c->argv[i].len > budget ? budget : c->argv[i].len), c->argv[i].p);
        if (w < 0 || (size_t)w >= size - n) break;
        n += (size_t)w;
    }
}

static int check_arity(const command *cmd, int argc)
{
    return cmd->arity > 0 ? argc == cmd->arity : argc >= -cmd->arity;
}

static void reject_unknown(client *c, const command *cmd)
{
    char preview[512];
    args_preview(c, preview, sizeof(preview));
    if (cmd && cmd->subs) {
        if (c->argc < 2) {
            reply_err_arity(c);
            return;
        }
        /* A container whose subcommand is unknown. */
        char upper[64];
        size_t i = 0;
        for (; cmd->name[i] && i < sizeof(upper) - 1; i++)
            upper[i] = (char)toupper((unsigned char)cmd->name[i]);
        upper[i] = 0;
        reply_errorf(c, "ERR unknown subcommand '%.*s'. Try %s HELP.",
                     (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].p, upper);
        return;
    }
    char name[130];
    size_t n = c->argv[0].len > 128 ? 128 : c->argv[0].len;
    memcpy(name, c->argv[0].p, n);
    name[n] = 0;
    reply_errorf(c, "ERR unknown command '%s', with args beginning with: %s", name, preview);
}

void call(client *c, const command *cmd)
{
    c->cmd = cmd;
    c->cmd_failed = 0;
    uint64_t start = cycles_now();
    long long before = changes;
    ns_meter_begin(c, cmd);
    cmd->proc(c);
    if (changes != before && (cmd->flags & CMD_WRITE))
        propagate_command(c, cmd);
    else
        propagate_reset();
    ns_meter_end(c);
    uint64_t spent = cycles_now() - start;
    cmd_stat *st = &c->w->cmdstats[cmd->id];
    counter_add(&st->calls, 1);
    counter_add(&st->cycles, spent);
    slowlog_after_call(c, cmd, spent);
    monitor_feed(c, cmd);
    if (c->cmd_failed) counter_add(&st->failed, 1);
    counter_add(&c->w->stats->commands, 1);
}

/* Rejects the command before it runs; inside MULTI this also dooms the
 * transaction (EXEC replies EXECABORT), as in Redis. */
static void reject(client *c, const command *cmd, const char *err)
{
    if (err && cmd && cmd->proc == multi_exec_proc()) {
        /* Redis: a rejected EXEC discards the transaction. */
        reply_errorf(c, "EXECABORT Transaction discarded because of: %s", err);
        multi_reset(c);
        counter_add(&c->w->cmdstats[cmd->id].rejected, 1);
        return;
    }
    if (err) reply_error(c, err);
    if (cmd) counter_add(&c->w->cmdstats[cmd->id].rejected, 1);
    multi_flag_error(c);
}

/* Locks the shards of cmd's keys; returns how many shard ids are in shards. */
static int lock_keys(client *c, const command *cmd, int *shards, int cap, int **heap)
{
    int stack_pos[64];
    int *pos = stack_pos;
    int maxkeys = c->argc;
    if (maxkeys > 64) pos = mem_alloc(sizeof(int) * (size_t)maxkeys);
    int n = cmd_get_keys(cmd, c->argv, c->argc, pos, maxkeys);
    slice stack_keys[64];
    slice *keys = n > 64 ? mem_alloc(sizeof(slice) * (size_t)n) : stack_keys;
    for (int i = 0; i < n; i++) keys[i] = c->argv[pos[i]];
    int *sh = shards;
    if (n > cap) {
        sh = mem_alloc(sizeof(int) * (size_t)n);
        *heap = sh;
    }
    int m = ks_lock_keys(keys, n, sh);
    if (keys != stack_keys) mem_free(keys);
    if (pos != stack_pos) mem_free(pos);
    return m;
}

/* Runs cmd with the shards of its keys locked. */
static void run_locked(client *c, const command *cmd)
{
    int shards_stack[16];
    int *heap = NULL;
    int nshards = 0;
    int locking = ks_locking() && !(cmd->flags & CMD_ALL_SHARDS);
    if (locking) nshards = lock_keys(c, cmd, shards_stack, 16, &heap);
    snapshot_guard(c->db, cmd, c->argv, c->argc);
    call(c, cmd);
    if (locking) ks_unlock_shards(heap ? heap : shards_stack, nshards);
    mem_free(heap);
}

void dispatch(client *c)
{
    c->cmd_failed = 0;
    c->flags &= ~CL_REPLY_SKIP;
    if (c->flags & CL_REPLY_SKIP_NEXT) {
        c->flags &= ~CL_REPLY_SKIP_NEXT;
        c->flags |= CL_REPLY_SKIP;
    }
    const command *cmd = cmd_lookup(c->argv, c->argc);
    c->cmd = cmd;
    if (!cmd || !cmd->proc) {
        reject_unknown(c, cmd);
        reject(c, NULL, NULL);
        return;
    }
    if (!check_arity(cmd, c->argc)) {
        reply_err_arity(c);
        reject(c, cmd, NULL);
        return;
    }
    if (!(c->flags & CL_AUTHENTICATED) && !(cmd->flags & CMD_NO_AUTH)) {
        reject(c, cmd, "NOAUTH Authentication required.");
        return;
    }
    int aclpos = 0, aclres = acl_check(c, cmd, c->argv, c->argc, &aclpos);
    if (aclres != ACL_OK) {
        char msg[200];
        acl_denied(c, cmd, c->argv, aclres, aclpos,
                   (c->flags & CL_MULTI) ? ACL_CTX_MULTI : ACL_CTX_TOPLEVEL, msg, sizeof(msg));
        reject(c, cmd, msg);
        return;
    }
    /* pub/sub: a subscribed RESP2 connection only carries subscription commands. */
    if ((c->flags & CL_PUBSUB) && c->resp == 2 && !pubsub_mode_allows(cmd)) {
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT "
                 "/ RESET are allowed in this context",
                 cmd->name);
        reject(c, cmd, msg);
        return;
    }
    /* A monitor only watches (Redis treats it as a replica): no reads or writes. */
    if ((c->flags & CL_MONITOR) && (cmd->flags & (CMD_READONLY | CMD_WRITE | CMD_MAY_REPLICATE))) {
        reject(c, cmd, "ERR Replica can't interact with the keyspace");
        return;
    }
    if (ks_conf.maxmemory) {
        int over = ks_evict() < 0;
        if (over && (cmd->flags & CMD_DENYOOM)) {
            reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.");
            return;
        }
    }
    if (cmd->flags & CMD_DENYOOM) {
        const char *qerr = ns_check_quota(c);
        if (qerr) {
            reject(c, cmd, qerr);
            return;
        }
    }
    if ((cmd->flags & CMD_WRITE) && aof_write_blocked()) {
        reject(c, cmd, "MISCONF Errors writing to the AOF file: writes are refused until the "
                       "append only file can be written again. Check the server log.");
        return;
    }
    if ((cmd->flags & CMD_WRITE) && snapshot_write_blocked()) {
        reject(c, cmd, "MISCONF Errors writing the RDB snapshot to disk: commands that may "
                       "modify the data set are disabled because stop-writes-on-bgsave-error "
                       "is on. Check the server log for details about the RDB error.");
        return;
    }
    if ((c->flags & CL_MULTI) && !multi_runs_now(cmd)) {
        multi_queue(c, cmd);
        return;
    }
    c->lastcmd = cmd;
    run_locked(c, cmd);
    client_account(c);
    c->ncmds++;
    /* Serve clients blocked on keys this command made ready (after the
     * command's own locks are released: serving locks what it needs). */
    blocking_serve_ready(c->w);
}
