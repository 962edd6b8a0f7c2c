/* server/multi.c — MULTI, EXEC, DISCARD, WATCH, UNWATCH (see multi.h).
 *
 * A client's transaction state lives in one mstate, allocated at its first
 * MULTI or WATCH and freed when it has neither:
 *
 *   mstate: | queue: mcmd*[] | error flag | dirty (atomic) | watches: wkey*[] |
 *   mcmd:   | command | argc | argv slices | argument bytes |   (one allocation)
 *   wkey:   | registry item (keyreg.h) | db | live at WATCH time |
 *
 * Watchers are marked dirty by other threads (under the watched key's shard
 * lock); EXEC holds those locks while it reads the mark.
 */
#include <string.h>

#include "core/mem.h"
#include "server/acl.h"
#include "db/ks.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/cmdtab.h"
#include "server/keyreg.h"
#include "server/propagate.h"
#include "server/snapshot.h"
#include "server/multi.h"

typedef struct mcmd {
    const command *cmd;
    int argc;
    slice argv[];
} mcmd;

typedef struct wkey {
    kr_item it;
    ks_db *db;
    int live; /* the key existed when WATCH ran */
} wkey;

typedef struct mstate {
    mcmd **queue;
    int n, cap;
    int error;           /* a command was rejected while queueing */
    _Atomic int dirty;   /* a watched key changed */
    wkey **watches;
    int nwatch, capwatch;
} mstate;

static mstate *state_of(client *c)
{
    if (!c->mstate) c->mstate = mem_calloc(sizeof(mstate));
    return c->mstate;
}

/* Frees the state once it holds neither a transaction nor WATCHes. */
static void maybe_free_state(client *c)
{
    mstate *m = c->mstate;
    if (!m || (c->flags & CL_MULTI) || m->nwatch) return;
    mem_free(m->queue);
    mem_free(m->watches);
    mem_free(m);
    c->mstate = NULL;
}

int multi_runs_now(const command *cmd)
{
    static const char *const now[] = {"exec", "discard", "multi", "watch", "quit", "reset"};
    const command *top = cmd->parent ? cmd->parent : cmd;
    for (size_t i = 0; i < sizeof(now) / sizeof(now[0]); i++)
        if (strcmp(top->name, now[i]) == 0) return 1;
    return 0;
}

void multi_flag_error(client *c)
{
    if (c->flags & CL_MULTI) state_of(c)->error = 1;
}

void multi_queue(client *c, const command *cmd)
{
    if (cmd->flags & CMD_NO_MULTI) {
        reply_error(c, "ERR Command not allowed inside a transaction");
        multi_flag_error(c);
        return;
    }
    mstate *m = state_of(c);
    size_t bytes = 0;
    for (int i = 0; i < c->argc; i++) bytes += c->argv[i].len;
    mcmd *q = mem_alloc(sizeof(mcmd) + sizeof(slice) * (size_t)c->argc + bytes);
    q->cmd = cmd;
    q->argc = c->argc;
    char *p = (char *)(q->argv + c->argc);
    for (int i = 0; i < c->argc; i++) {
        if (c->argv[i].len) memcpy(p, c->argv[i].p, c->argv[i].len);
        q->argv[i] = slice_of(p, c->argv[i].len);
        p += c->argv[i].len;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->queue = mem_realloc(m->queue, sizeof(mcmd *) * (size_t)m->cap);
    }
    m->queue[m->n++] = q;
    c->multi_n = m->n;
    reply_status(c, "QUEUED");
}

static void drop_queue(client *c)
{
    mstate *m = c->mstate;
    if (m) {
        for (int i = 0; i < m->n; i++) mem_free(m->queue[i]);
        m->n = 0;
        m->error = 0;
    }
    c->multi_n = 0;
    c->flags &= ~CL_MULTI;
}

/* ---------------------------------------------------------------- WATCH */

void multi_touch_key(ks_db *db, slice key)
{
    for (kr_item *it = kr_first(KR_WATCHED, db, key); it; it = it->next)
        atomic_store(&((mstate *)it->owner)->dirty, 1);
}

typedef struct touch_ctx {
    ks_db *db, *other;
} touch_ctx;

static void touch_if_exists(void *priv, slice key, kr_item *first)
{
    touch_ctx *x = priv;
    if (!ks_exists(x->db, key) && !(x->other && ks_exists(x->other, key))) return;
    for (kr_item *it = first; it; it = it->next) atomic_store(&((mstate *)it->owner)->dirty, 1);
}

/* A client blocked on key in db may be served once other's key is swapped in. */
static void signal_if_in_other(void *priv, slice key, kr_item *first)
{
    (void)first;
    touch_ctx *x = priv;
    if (ks_exists(x->other, key)) blocking_signal(x->db, key);
}

void multi_touch_db(ks_db *db, ks_db *other)
{
    int watched = kr_any(KR_WATCHED);
    /* SWAPDB also makes keys appear for blocked clients (as Redis does); the
     * signalled keys are served after the command, once the swap is done. */
    int blocked = other && kr_any(KR_BLOCKED);
    if (!watched && !blocked) return;
    touch_ctx x = {db, other};
    for (int s = 0; s < KS_SHARDS; s++) {
        ks_lock(s);
        if (watched) kr_foreach_in_shard(KR_WATCHED, db, s, touch_if_exists, &x);
        if (blocked) kr_foreach_in_shard(KR_BLOCKED, db, s, signal_if_in_other, &x);
        ks_unlock(s);
    }
}

/* Removes every WATCH of c, locking each key's shard: call with no shard
 * locks held. */
static void unwatch_all(client *c)
{
    mstate *m = c->mstate;
    if (!m) return;
    for (int i = 0; i < m->nwatch; i++) {
        wkey *w = m->watches[i];
        int s = ks_shard_of(kr_key(&w->it));
        ks_lock(s);
        kr_remove(KR_WATCHED, &w->it);
        ks_unlock(s);
        mem_free(w);
    }
    m->nwatch = 0;
    atomic_store(&m->dirty, 0);
}

static int watching(mstate *m, ks_db *db, slice key)
{
    for (int i = 0; i < m->nwatch; i++)
        if (m->watches[i]->db == db && slice_eq(kr_key(&m->watches[i]->it), key)) return 1;
    return 0;
}

/* WATCH key [key ...]: the dispatcher holds the keys' shard locks. */
static void watch_cmd(client *c)
{
    if (c->flags & CL_MULTI) {
        reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    mstate *m = state_of(c);
    for (int i = 1; i < c->argc; i++) {
        slice key = c->argv[i];
        if (watching(m, c->db, key)) continue;
        wkey *w = mem_calloc(sizeof(*w));
        w->db = c->db;
        w->live = ks_exists(c->db, key);
        w->it.owner = m;
        kr_add(KR_WATCHED, c->db, key, &w->it);
        if (m->nwatch == m->capwatch) {
            m->capwatch = m->capwatch ? m->capwatch * 2 : 4;
            m->watches = mem_realloc(m->watches, sizeof(wkey *) * (size_t)m->capwatch);
        }
        m->watches[m->nwatch++] = w;
    }
    reply_ok(c);
}

static void unwatch_cmd(client *c)
{
    unwatch_all(c);
    maybe_free_state(c);
    reply_ok(c);
}

/* ---------------------------------------------------------------- MULTI / EXEC */

static void multi_cmd(client *c)
{
    if (c->flags & CL_MULTI) {
        reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    state_of(c);
    c->flags |= CL_MULTI;
    reply_ok(c);
}

static void discard_cmd(client *c)
{
    if (!(c->flags & CL_MULTI)) {
        reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    drop_queue(c);
    unwatch_all(c);
    maybe_free_state(c);
    reply_ok(c);
}

void multi_reset(client *c)
{
    drop_queue(c);
    unwatch_all(c);
    maybe_free_state(c);
}

/* Marks in want[] the shards EXEC must hold; returns 1 if it needs them all. */
static int exec_shards(client *c, unsigned char *want)
{
    mstate *m = c->mstate;
    int pos[64];
    for (int i = 0; i < m->n; i++) {
        mcmd *q = m->queue[i];
        if (q->cmd->flags & CMD_ALL_SHARDS) return 1;
        int maxk = q->argc;
        int *p = maxk > 64 ? mem_alloc(sizeof(int) * (size_t)maxk) : pos;
        int nk = cmd_get_keys(q->cmd, q->argv, q->argc, p, maxk);
        for (int k = 0; k < nk; k++) want[ks_shard_of(q->argv[p[k]])] = 1;
        if (p != pos) mem_free(p);
        /* A command without keys may lock shards itself (INFO's keyspace
         * section, UNWATCH): with some shards already held here that would
         * deadlock, so hold them all (nested per-shard locks are then no-ops). */
        if (nk == 0) return 1;
    }
    for (int i = 0; i < m->nwatch; i++) want[ks_shard_of(kr_key(&m->watches[i]->it))] = 1;
    return 0;
}

static void lock_wanted(const unsigned char *want, int all, int unlock)
{
    if (all) {
        if (unlock)
            ks_unlock_all();
        else
            ks_lock_all();
        return;
    }
    if (unlock) {
        for (int s = KS_SHARDS - 1; s >= 0; s--)
            if (want[s]) ks_unlock(s);
    } else {
        for (int s = 0; s < KS_SHARDS; s++)
            if (want[s]) ks_lock(s);
    }
}

/* With the shards held: 1 if a watched key changed or expired since WATCH. */
static int watch_broken(mstate *m)
{
    for (int i = 0; i < m->nwatch; i++) {
        wkey *w = m->watches[i];
        /* A lookup deletes a key that has expired meanwhile, which marks us.
         * A key that appeared or disappeared has changed in any case (this
         * also covers a FLUSHDB/SWAPDB that ran between its marking pass and
         * the flush or swap itself). */
        if (ks_exists(w->db, kr_key(&w->it)) != w->live) return 1;
    }
    return atomic_load(&m->dirty);
}

/* A queued command the user may no longer run (its rules changed since). */
static void exec_acl_denied(client *c, mcmd *q, int res, int pos)
{
    char msg[200];
    acl_denied(c, q->cmd, q->argv, res, pos, ACL_CTX_MULTI, msg, sizeof(msg));
    const char *why = res == ACL_DENIED_CMD   ? "no permission to execute the command or subcommand"
                      : res == ACL_DENIED_KEY ? "no permission to touch the specified keys"
                                              : "no permission to access one of the channels used "
                                                "as arguments";
    reply_errorf(c, "NOPERM ACLs rules changed between the moment the transaction was "
                    "accumulated and the EXEC call. This command is no longer allowed for the "
                    "following reason: %s", why);
}

static void exec_cmd(client *c)
{
    if (!(c->flags & CL_MULTI)) {
        reply_error(c, "ERR EXEC without MULTI");
        return;
    }
    mstate *m = c->mstate;
    if (m->error) {
        reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
        multi_reset(c);
        return;
    }
    unsigned char want[KS_SHARDS] = {0};
    int all = exec_shards(c, want);
    lock_wanted(want, all, 0);
    if (watch_broken(m)) {
        lock_wanted(want, all, 1);
        multi_reset(c);
        reply_null_array(c);
        return;
    }
    int argc = c->argc;
    slice *argv = c->argv;
    c->flags |= CL_EXEC;
    reply_array(c, (size_t)m->n);
    for (int i = 0; i < m->n; i++) {
        mcmd *q = m->queue[i];
        c->argc = q->argc;
        c->argv = q->argv;
        int aclpos = 0, aclres = acl_check(c, q->cmd, q->argv, q->argc, &aclpos);
        if (aclres != ACL_OK) {
            exec_acl_denied(c, q, aclres, aclpos);
            continue;
        }
        snapshot_guard(c->db, q->cmd, q->argv, q->argc);
        call(c, q->cmd);
    }
    c->flags &= ~CL_EXEC;
    propagate_exec_end(c);
    c->argc = argc;
    c->argv = argv;
    c->cmd = cmd_lookup(argv, argc);
    lock_wanted(want, all, 1);
    multi_reset(c);
}

cmd_proc *multi_exec_proc(void)
{
    return exec_cmd;
}

/* ---------------------------------------------------------------- command table */

#define TX_CMD(...) {.group = "transactions", __VA_ARGS__}

command multi_commands[] = {
    TX_CMD(.name = "multi", .proc = multi_cmd, .arity = 1,
           .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
           .acl = ACL_FAST | ACL_TRANSACTION, .since = "1.2.0",
           .summary = "Starts a transaction.", .complexity = "O(1)"),
    TX_CMD(.name = "exec", .proc = exec_cmd, .arity = 1,
           .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG,
           .acl = ACL_SLOW | ACL_TRANSACTION, .since = "1.2.0",
           .summary = "Executes all commands in a transaction.",
           .complexity = "Depends on commands in the transaction"),
    TX_CMD(.name = "discard", .proc = discard_cmd, .arity = 1,
           .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
           .acl = ACL_FAST | ACL_TRANSACTION, .since = "2.0.0",
           .summary = "Discards a transaction.",
           .complexity = "O(N), when N is the number of queued commands"),
    TX_CMD(.name = "watch", .proc = watch_cmd, .arity = -2,
           .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
           .acl = ACL_FAST | ACL_TRANSACTION, .keys = {1, -1, 1}, .since = "2.2.0",
           .summary = "Monitors changes to keys to determine the execution of a transaction.",
           .complexity = "O(1) for every key.", .args = "key [key ...]", .key_flags = "RO"),
    TX_CMD(.name = "unwatch", .proc = unwatch_cmd, .arity = 1,
           .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
           .acl = ACL_FAST | ACL_TRANSACTION, .since = "2.2.0",
           .summary = "Forgets about watched keys of a transaction.", .complexity = "O(1)"),
    {0},
};
