/* server/blocking.c — clients blocked on keys (see blocking.h).
 *
 * A blocked client owns one bwait: a copy of its command, its database and
 * protocol, its deadline, and one registry item per key it waits on
 * (keyreg.h, KR_BLOCKED), queued per key in blocking order.
 *
 * Serving. A command that creates a list, sorted set or stream (the keyspace
 * reports KS_EV_ADDED), or XADD, signals the key; the key goes on this thread's
 * ready list if anyone waits on it. At the end of the command, with its locks
 * released, blocking_serve_ready walks the ready list: for each key, it claims
 * the first waiting bwait (state WAITING -> SERVING, under the key's shard
 * lock), locks the shards of the waiter's command keys and runs the command's
 * handler again on a stand-in client that writes into a private buffer. If the
 * handler replied, the reply is posted to the owner's worker (deliver), which
 * appends it to the client's output and unblocks it; otherwise the waiter goes
 * back to WAITING and the key is done. So an element pushed to a key with
 * waiters reaches the first waiter before the pusher's next command runs, on
 * whatever thread the waiter lives.
 *
 * States (atomic): WAITING -> SERVING -> WAITING (nothing to serve) or DONE
 * (served: a deliver task is on its way); WAITING -> DONE by the owner
 * (timeout, CLIENT UNBLOCK, disconnect). The owner frees a bwait only in
 * DONE, after removing its registry items; a server holds a bwait only while
 * it is SERVING, during which the owner waits (a handler's run) rather than
 * free it.
 */
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/acl.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/keyreg.h"
#include "server/snapshot.h"

/* CANCELLED: another thread (CLIENT KILL) took the wait away from servers;
 * the owner frees it as if it had claimed it. */
enum { BW_WAITING, BW_SERVING, BW_DONE, BW_CANCELLED };

typedef struct bwait {
    _Atomic int state;
    client *c;            /* owner thread only; NULL once the client is gone */
    worker *w;            /* the owner's worker */
    ks_db *db;
    int resp;
    const reply_ops *rops;
    const command *cmd;
    int argc;
    slice *argv;          /* points into this allocation (or into extra) */
    char **extra;         /* arguments replaced by blocking_set_arg */
    int nextra;
    long long deadline;   /* unix ms, 0 = none */
    buf result;           /* the reply, written by the serving thread */
    long long aof_wait;   /* log offset the reply must wait for (appendfsync always) */
    struct acl_user *user; /* checked again when the command runs (acl.h) */
    struct bwait *prev, *next; /* the owner worker's blocked list */
    int nkeys;
    kr_item items[];      /* one per key, then argv slices, then bytes */
} bwait;

/* ---------------------------------------------------------------- blocking */

/* The reply of a blocking command that cannot block (inside MULTI/EXEC):
 * BLMOVE and BRPOPLPUSH answer a null bulk there. */
static void reply_timeout(client *c, const command *cmd)
{
    if (cmd->flags & CMD_TIMEOUT_NULL_BULK)
        reply_null(c);
    else
        reply_null_array(c);
}

static bwait *bwait_new(client *c, int nkeys)
{
    size_t bytes = 0;
    for (int i = 0; i < c->argc; i++) bytes += c->argv[i].len;
    size_t head = sizeof(bwait) + sizeof(kr_item) * (size_t)nkeys;
    bwait *b = mem_calloc(head + sizeof(slice) * (size_t)c->argc + bytes);
    b->argv = (slice *)((char *)b + head);
    char *p = (char *)(b->argv + c->argc);
    for (int i = 0; i < c->argc; i++) {
        if (c->argv[i].len) memcpy(p, c->argv[i].p, c->argv[i].len);
        b->argv[i] = slice_of(p, c->argv[i].len);
        p += c->argv[i].len;
    }
    b->argc = c->argc;
    b->c = c;
    b->user = acl_user_hold(c);
    b->w = c->w;
    b->db = c->db;
    b->resp = c->resp;
    b->rops = c->rops;
    b->cmd = c->cmd;
    b->nkeys = nkeys;
    return b;
}

void blocking_wait(client *c, const int *keypos, int nkeys, long long deadline_ms)
{
    if (c->flags & CL_RETRY) return; /* still nothing: stay blocked */
    /* Inside a transaction nothing can arrive; a log replay (no connection)
     * must not wait either. */
    if ((c->flags & CL_EXEC) || !c->conn) {
        reply_timeout(c, c->cmd);
        return;
    }
    bwait *b = bwait_new(c, nkeys);
    b->deadline = deadline_ms;
    atomic_store(&b->state, BW_WAITING);
    /* The dispatcher holds the shards of the command's keys. */
    for (int i = 0; i < nkeys; i++) {
        b->items[i].owner = b;
        kr_add(KR_BLOCKED, c->db, b->argv[keypos[i]], &b->items[i]);
    }
    worker *w = c->w; /* its blocked list, for timeouts (owner thread only) */
    b->next = w->blocked;
    if (w->blocked) w->blocked->prev = b;
    w->blocked = b;
    pthread_mutex_lock(&srv.clients_lock);
    c->blk = b;
    c->flags |= CL_BLOCKED;
    pthread_mutex_unlock(&srv.clients_lock);
}

void blocking_wait_range(client *c, int first, int last, long long deadline_ms)
{
    int pos[64] = {0};
    int n = last - first + 1;
    int *p = n > 64 ? mem_alloc(sizeof(int) * (size_t)n) : pos;
    for (int i = 0; i < n; i++) p[i] = first + i;
    blocking_wait(c, p, n, deadline_ms);
    if (p != pos) mem_free(p);
}

int blocking_lookup(client *c, slice key, int type, kentry **ep)
{
    if (c->flags & CL_RETRY) {
        kentry *e = ks_lookup(c->db, key, KS_WRITE);
        *ep = e && ke_type(e) == type ? e : NULL;
        return 1;
    }
    return lookup_typed(c, key, KS_WRITE, type, ep);
}

void blocking_set_arg(client *c, int i, slice s)
{
    bwait *b = c->blk;
    if (!b || i < 0 || i >= b->argc) return;
    char *copy = mem_dup(s.p, s.len);
    b->extra = mem_realloc(b->extra, sizeof(char *) * (size_t)(b->nextra + 1));
    b->extra[b->nextra++] = copy;
    b->argv[i] = slice_of(copy, s.len);
}

int blocking_is_retry(const client *c)
{
    return (c->flags & CL_RETRY) != 0;
}

/* ---------------------------------------------------------------- ending */

/* Removes b's registry items (locking each key's shard) and frees it. Owner
 * thread, no shard locks held, state DONE. */
static void bwait_free(bwait *b)
{
    for (int i = 0; i < b->nkeys; i++) {
        if (!b->items[i].node) continue;
        int s = ks_shard_of(kr_key(&b->items[i]));
        ks_lock(s);
        kr_remove(KR_BLOCKED, &b->items[i]);
        ks_unlock(s);
    }
    if (b->prev)
        b->prev->next = b->next;
    else if (b->w->blocked == b)
        b->w->blocked = b->next;
    if (b->next) b->next->prev = b->prev;
    for (int i = 0; i < b->nextra; i++) mem_free(b->extra[i]);
    mem_free(b->extra);
    buf_free(&b->result);
    acl_user_release(b->user);
    mem_free(b);
}

/* Takes b from WAITING to DONE for its owner, waiting out a server that is
 * running it. 1 if the owner got it; 0 if it was served (deliver pending). */
static int owner_claim(bwait *b)
{
    for (;;) {
        int st = BW_WAITING;
        if (atomic_compare_exchange_strong(&b->state, &st, BW_DONE)) return 1;
        if (st == BW_CANCELLED) return 1;
        if (st == BW_DONE) return 0;
        sched_yield(); /* SERVING: a handler's run on another thread */
    }
}

/* Detaches b from its client and lets the client read commands again. The
 * end of a wait counts as activity: the idle `timeout` starts again from here,
 * so the cron cannot close a client whose reply is about to be written. */
static void unblock(client *c)
{
    pthread_mutex_lock(&srv.clients_lock);
    c->blk = NULL;
    c->flags &= ~CL_BLOCKED;
    pthread_mutex_unlock(&srv.clients_lock);
    c->last_ms = now_ms();
}

static void resume(client *c)
{
    if (!(c->flags & CL_CLOSED) && c->qpos < c->qbuf.len) client_process_input(c);
}

/* Owner thread: a served bwait's reply arrives. */
static void deliver(worker *w, void *arg)
{
    (void)w;
    bwait *b = arg;
    client *c = b->c;
    if (c) {
        unblock(c);
        if (b->aof_wait > c->aof_wait) c->aof_wait = b->aof_wait;
        if (!(c->flags & (CL_REPLY_OFF | CL_CLOSE_ASAP)) && b->result.len) {
            buf_append(&c->out, b->result.p, b->result.len);
            client_mark_pending(c);
            client_check_obuf(c);
        }
    }
    bwait_free(b);
    if (c) resume(c);
}

/* Ends c's wait without a served reply: timeout (err NULL) or an error. */
static void end_wait(client *c, const char *err)
{
    bwait *b = c->blk;
    if (!b || !owner_claim(b)) return;
    unblock(c);
    bwait_free(b);
    /* A wait that ends unserved answers a null array for every command, as
     * Redis 7.0 does (BLMOVE/BRPOPLPUSH included: *-1 in RESP2). */
    if (err)
        reply_error(c, err);
    else
        reply_null_array(c);
    resume(c);
}

void blocking_client_gone(client *c)
{
    bwait *b = c->blk;
    if (!b) return;
    unblock(c);
    if (owner_claim(b))
        bwait_free(b);
    else
        b->c = NULL; /* deliver frees it */
}

void blocking_cancel(client *c)
{
    bwait *b = c->blk;
    if (!b) return;
    int st = BW_WAITING;
    while (!atomic_compare_exchange_strong(&b->state, &st, BW_CANCELLED)) {
        if (st != BW_SERVING) return; /* served already, or cancelled */
        sched_yield();
        st = BW_WAITING;
    }
}

void blocking_unblock(client *c, int error)
{
    end_wait(c, error ? "UNBLOCKED client unblocked via CLIENT UNBLOCK" : NULL);
}

uint64_t blocking_check_timeouts(worker *w)
{
    uint64_t now = now_ms(), next = 0;
    bwait *b = w->blocked;
    while (b) {
        bwait *nb = b->next;
        if (b->deadline && (uint64_t)b->deadline <= now && b->c) {
            end_wait(b->c, NULL); /* may free b */
        } else if (b->deadline && (!next || (uint64_t)b->deadline < next)) {
            next = (uint64_t)b->deadline;
        }
        b = nb;
    }
    return next;
}

/* ---------------------------------------------------------------- serving */

typedef struct ready_key {
    ks_db *db;
    char *key;
    size_t len;
} ready_key;

static _Thread_local ready_key *ready;
static _Thread_local int nready, capready;

void blocking_signal(ks_db *db, slice key)
{
    if (!kr_first(KR_BLOCKED, db, key)) return;
    for (int i = 0; i < nready; i++)
        if (ready[i].db == db && slice_eq(slice_of(ready[i].key, ready[i].len), key)) return;
    if (nready == capready) {
        capready = capready ? capready * 2 : 8;
        ready = mem_realloc(ready, sizeof(ready_key) * (size_t)capready);
    }
    ready[nready++] = (ready_key){db, mem_dup(key.p, key.len), key.len};
}

/* Claims the first waiting bwait on (db, key), or NULL. Skips waiters of
 * this thread whose client is already closed (CLIENT KILL frees it only
 * later): an element must not go to a connection that is gone. */
static bwait *claim_first(worker *w, ks_db *db, slice key)
{
    int s = ks_shard_of(key);
    ks_lock(s);
    bwait *got = NULL;
    for (kr_item *it = kr_first(KR_BLOCKED, db, key); it && !got; it = it->next) {
        bwait *b = it->owner;
        if (b->w == w && (!b->c || (b->c->flags & CL_CLOSED))) continue;
        int st = BW_WAITING;
        if (atomic_compare_exchange_strong(&b->state, &st, BW_SERVING)) got = b;
    }
    ks_unlock(s);
    return got;
}

/* Runs b's command again with its keys' shards locked; 1 if it replied. */
static int retry(worker *w, bwait *b)
{
    client sh;
    memset(&sh, 0, sizeof(sh));
    sh.w = w;
    sh.flags = CL_RETRY | CL_PENDING_WRITE | CL_AUTHENTICATED;
    sh.resp = b->resp;
    sh.rops = b->rops;
    sh.db = b->db;
    sh.dbid = ks_db_id(b->db);
    sh.argc = b->argc;
    sh.argv = b->argv;
    sh.cmd = b->cmd;
    sh.obuf_check_at = (size_t)-1;
    int pos[16], shards[16];
    int maxk = b->argc;
    int *p = maxk > 16 ? mem_alloc(sizeof(int) * (size_t)maxk) : pos;
    int *sv = maxk > 16 ? mem_alloc(sizeof(int) * (size_t)maxk) : shards;
    slice *keys = mem_alloc(sizeof(slice) * (size_t)(maxk ? maxk : 1));
    int nk = cmd_get_keys(b->cmd, b->argv, b->argc, p, maxk);
    for (int i = 0; i < nk; i++) keys[i] = b->argv[p[i]];
    int ns = ks_lock_keys(keys, nk, sv);
    sh.user = b->user;
    int aclpos = 0, aclres = acl_check(&sh, b->cmd, b->argv, b->argc, &aclpos);
    if (aclres != ACL_OK) { /* the user's rules changed while it waited */
        char msg[200];
        acl_error_text(b->cmd, aclres, msg, sizeof(msg));
        reply_error(&sh, msg);
    } else {
        snapshot_guard(b->db, b->cmd, b->argv, b->argc);
        call(&sh, b->cmd); /* logs what it changed, under the locks */
    }
    ks_unlock_shards(sv, ns);
    mem_free(keys);
    if (p != pos) mem_free(p);
    if (sv != shards) mem_free(sv);
    if (!sh.out.len) return 0;
    b->result = sh.out;
    b->aof_wait = sh.aof_wait;
    return 1;
}

static int key_exists(ks_db *db, slice key)
{
    int s = ks_shard_of(key);
    ks_lock(s);
    int e = ks_exists(db, key);
    ks_unlock(s);
    return e;
}

static void serve_key(worker *w, ks_db *db, slice key)
{
    /* Waiters that could not be served stay claimed (SERVING) until the key
     * is done, so that the ones behind them get their turn: a BLPOP waiter
     * ahead of BZPOPMIN waiters must not keep them from a new sorted set. */
    bwait *stack[16], **skipped = stack;
    int nskipped = 0, capskipped = 16;
    for (;;) {
        bwait *b = claim_first(w, db, key);
        if (!b) break;
        if (!retry(w, b)) {
            if (nskipped == capskipped) {
                capskipped *= 2;
                if (skipped == stack) {
                    skipped = mem_alloc(sizeof(bwait *) * (size_t)capskipped);
                    memcpy(skipped, stack, sizeof(stack));
                } else {
                    skipped = mem_realloc(skipped, sizeof(bwait *) * (size_t)capskipped);
                }
            }
            skipped[nskipped++] = b;
            /* Gone (or emptied): nobody behind can be served either. */
            if (!key_exists(db, key)) break;
            continue;
        }
        /* Served: this key no longer queues it (the owner removes the rest). */
        int s = ks_shard_of(key);
        ks_lock(s);
        for (int i = 0; i < b->nkeys; i++)
            if (b->items[i].node && slice_eq(kr_key(&b->items[i]), key) &&
                b->items[i].owner == b)
                kr_remove(KR_BLOCKED, &b->items[i]);
        ks_unlock(s);
        atomic_store(&b->state, BW_DONE);
        worker_post(b->w, deliver, b);
    }
    for (int i = 0; i < nskipped; i++) atomic_store(&skipped[i]->state, BW_WAITING);
    if (skipped != stack) mem_free(skipped);
}

void blocking_serve_ready(worker *w)
{
    while (nready) {
        ready_key r = ready[0];
        memmove(ready, ready + 1, sizeof(ready_key) * (size_t)(nready - 1));
        nready--;
        serve_key(w, r.db, slice_of(r.key, r.len));
        mem_free(r.key);
    }
    /* The list is per thread and rarely used: do not keep it (a worker
     * thread's last one would leak at exit). */
    if (ready) {
        mem_free(ready);
        ready = NULL;
        capready = 0;
    }
}

/* ---------------------------------------------------------------- timeouts */

int blocking_parse_timeout(client *c, slice arg, int unit_ms, long long *deadline_ms)
{
    double t;
    if (unit_ms == 1) {
        long long ms;
        if (!util_str2ll(arg.p, arg.len, &ms)) {
            reply_error(c, "ERR timeout is not an integer or out of range");
            return -1;
        }
        t = (double)ms;
    } else {
        char tmp[64];
        if (arg.len == 0 || arg.len >= sizeof(tmp)) goto notfloat;
        memcpy(tmp, arg.p, arg.len);
        tmp[arg.len] = 0;
        char *end;
        t = strtod(tmp, &end);
        if (*end || isnan(t) || isinf(t)) goto notfloat;
        t *= unit_ms;
    }
    /* As Redis: rounded up to whole ms first (so -0.0001 s is 0: forever),
     * and out of range only when now + timeout would overflow. */
    t = ceil(t);
    if (t < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    long long now = (long long)now_ms();
    if (t >= (double)(LLONG_MAX - now)) {
        reply_error(c, "ERR timeout is out of range");
        return -1;
    }
    *deadline_ms = t > 0 ? now + (long long)t : 0;
    return 0;
notfloat:
    reply_error(c, "ERR timeout is not a float or out of range");
    return -1;
}
