/* server/namespace.c — per-user namespaces (see namespace.h, docs/namespaces.md).
 *
 * The registry is an array indexed by namespace number (0 = default):
 *
 *   reg.v[n]: | name | state FREE/LIVE/DELETING | maxkeys | maxmemory | clients |
 *   reg.charge[id]: bytes charged to keyspace database id (signed; a namespace's
 *                   memory is the sum over its databases, floored at 0)
 *
 * Namespace n owns keyspace databases n*databases .. n*databases+databases-1,
 * created with the namespace and kept (emptied) when it is deleted, so a
 * number is reused only once nothing refers to it: deletion is refused while
 * a client is in the namespace, and entering one takes the registry mutex
 * and checks that it is LIVE.
 *
 * Memory: each write command of a namespaced client is metered on its own
 * thread (core/mem's per-thread counter before and after, less the growth of
 * the client's reply buffer and what ran while metering was paused). Keys the
 * keyspace drops on its own (expiry outside the namespace's own write
 * commands, eviction) are refunded by their entry size. Flushes zero the
 * charges of the databases they empty. The precision this gives is written
 * down in docs/namespaces.md.
 */
#include "server/namespace.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/multi.h"
#include "server/pubsub.h"

enum { NS_FREE = 0, NS_LIVE = 1, NS_DELETING = 2 };

typedef struct nspace {
    char name[NS_NAME_MAX + 1]; /* changed under reg.lock while FREE */
    _Atomic int state;
    _Atomic long long maxkeys, maxmemory;
    _Atomic int clients;
} nspace;

static struct {
    pthread_mutex_t lock;
    nspace *v;                 /* nmax + 1 */
    int nmax;                  /* namespaces besides the default one */
    _Atomic long long *charge; /* per keyspace database id */
    int nslots;
} reg = {.lock = PTHREAD_MUTEX_INITIALIZER};

int ns_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > NS_NAME_MAX) return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
        if (!ok) return 0;
    }
    return 1;
}

static int is_default_name(const char *name, size_t len)
{
    return len == 0 || (len == strlen(NS_DEFAULT_NAME) && memcmp(name, NS_DEFAULT_NAME, len) == 0);
}

/* ---------------------------------------------------------------- start-up */

int ns_db_slots(int databases, int max_namespaces)
{
    if (databases < 1) databases = 1;
    if (max_namespaces < 0) max_namespaces = 0;
    if (max_namespaces > NS_MAX) max_namespaces = NS_MAX;
    /* Keep the slot table small whatever `databases` is (1M slots at most). */
    long long cap = (1LL << 20) / databases - 1;
    if (cap < 0) cap = 0;
    if (max_namespaces > cap) max_namespaces = (int)cap;
    return databases * (1 + max_namespaces);
}

void ns_init(void)
{
    int ndb = ks_databases();
    reg.nslots = ks_db_slots();
    reg.nmax = reg.nslots / ndb - 1;
    if (reg.nmax > NS_MAX) reg.nmax = NS_MAX;
    reg.v = mem_calloc(sizeof(nspace) * (size_t)(reg.nmax + 1));
    snprintf(reg.v[0].name, sizeof(reg.v[0].name), "%s", NS_DEFAULT_NAME);
    atomic_store(&reg.v[0].state, NS_LIVE);
    reg.charge = mem_calloc(sizeof(*reg.charge) * (size_t)reg.nslots);
}

/* ---------------------------------------------------------------- mapping */

int ns_of_db(const ks_db *db)
{
    return ks_db_id(db) / ks_databases();
}

int ns_db_index(const ks_db *db)
{
    return ks_db_id(db) % ks_databases();
}

int ns_first_db(const client *c)
{
    return ns_of_db(c->db) * ks_databases();
}

ks_db *ns_db(const client *c, int index)
{
    if (index < 0 || index >= ks_databases()) return NULL;
    return ks_db_at(ns_first_db(c) + index);
}

int ns_name_of(int ns, char *out, size_t size)
{
    if (ns < 0 || ns > reg.nmax || !reg.v) return -1;
    pthread_mutex_lock(&reg.lock);
    int ok = atomic_load(&reg.v[ns].state) != NS_FREE;
    if (ok) snprintf(out, size, "%s", reg.v[ns].name);
    pthread_mutex_unlock(&reg.lock);
    return ok ? 0 : -1;
}

/* Caller holds reg.lock. Number of the namespace named name in any state but
 * FREE, or -1. */
static int find_locked(const char *name, size_t len)
{
    if (is_default_name(name, len)) return 0;
    for (int i = 1; i <= reg.nmax; i++)
        if (atomic_load(&reg.v[i].state) != NS_FREE && strlen(reg.v[i].name) == len &&
            memcmp(reg.v[i].name, name, len) == 0)
            return i;
    return -1;
}

int ns_lookup(const char *name, size_t len)
{
    if (is_default_name(name, len)) return 0;
    if (!reg.v) return -1;
    pthread_mutex_lock(&reg.lock);
    int n = find_locked(name, len);
    if (n > 0 && atomic_load(&reg.v[n].state) != NS_LIVE) n = -1;
    pthread_mutex_unlock(&reg.lock);
    return n;
}

/* Finds or creates name; with `enter`, counts one more client in it (under
 * the lock, so that ns_delete sees it). Returns its number or -1 with *err. */
static int acquire(const char *name, size_t len, int enter, const char **err)
{
    if (is_default_name(name, len)) return 0;
    if (!ns_name_valid(name, len)) {
        *err = "ERR invalid namespace name (1 to 64 characters of A-Z a-z 0-9 _ . -)";
        return -1;
    }
    if (!reg.v || reg.nmax == 0) {
        *err = "ERR namespaces are disabled (max-namespaces is 0)";
        return -1;
    }
    pthread_mutex_lock(&reg.lock);
    int n = find_locked(name, len);
    if (n > 0 && atomic_load(&reg.v[n].state) == NS_DELETING) {
        pthread_mutex_unlock(&reg.lock);
        *err = "ERR this namespace is being deleted";
        return -1;
    }
    if (n < 0) {
        for (int i = 1; i <= reg.nmax && n < 0; i++)
            if (atomic_load(&reg.v[i].state) == NS_FREE) n = i;
        if (n < 0) {
            pthread_mutex_unlock(&reg.lock);
            *err = "ERR too many namespaces (see max-namespaces)";
            return -1;
        }
        int ndb = ks_databases();
        ns_meter_pause(); /* its databases are nobody's data (NAMESPACE QUOTA, USE) */
        for (int d = 0; d < ndb; d++) {
            ks_db_create(n * ndb + d);
            atomic_store(&reg.charge[n * ndb + d], 0);
        }
        ns_meter_resume();
        memcpy(reg.v[n].name, name, len);
        reg.v[n].name[len] = 0;
        atomic_store(&reg.v[n].maxkeys, 0);
        atomic_store(&reg.v[n].maxmemory, 0);
        atomic_store(&reg.v[n].clients, 0);
        atomic_store(&reg.v[n].state, NS_LIVE);
    }
    if (enter) atomic_fetch_add(&reg.v[n].clients, 1);
    pthread_mutex_unlock(&reg.lock);
    return n;
}

int ns_get_or_create(const char *name, size_t len, const char **err)
{
    return acquire(name, len, 0, err);
}

/* Moves c (already counted in namespace `to`, unless to == 0) there. */
static void move_client(client *c, int to)
{
    int from = ns_of_db(c->db);
    if (from != to) {
        /* Its channels and WATCHes belong to the namespace it leaves (inside
         * EXEC, AUTH or NAMESPACE USE runs from the queue, whose WATCHes
         * were checked already and go when EXEC ends). */
        pubsub_client_reset(c);
        if (!(c->flags & CL_EXEC)) multi_reset(c);
        if (from) atomic_fetch_sub(&reg.v[from].clients, 1);
    } else if (to) {
        atomic_fetch_sub(&reg.v[to].clients, 1); /* counted twice */
    }
    c->dbid = 0;
    c->db = ks_db_at(to * ks_databases());
}

int ns_bind(client *c, const char *name, const char **err)
{
    if (!name) name = "";
    int n = acquire(name, strlen(name), 1, err);
    if (n < 0) return -1;
    move_client(c, n);
    if (n)
        c->flags |= CL_NS_BOUND;
    else
        c->flags &= ~CL_NS_BOUND;
    return 0;
}

/* NAMESPACE USE by name: acquire + move, for cmd_namespace.c. */
int ns_enter(client *c, const char *name, size_t len, const char **err)
{
    int n = acquire(name, len, 1, err);
    if (n < 0) return -1;
    move_client(c, n);
    return 0;
}

void ns_client_gone(client *c)
{
    int n = c->db && reg.v ? ns_of_db(c->db) : 0;
    if (n) atomic_fetch_sub(&reg.v[n].clients, 1);
}

/* ---------------------------------------------------------------- figures */

static long long keys_of(int ns)
{
    int ndb = ks_databases();
    long long n = 0;
    for (int d = 0; d < ndb; d++) {
        ks_db *db = ks_db_at(ns * ndb + d);
        if (db) n += ks_db_keys(db);
    }
    return n;
}

static long long memory_of(int ns)
{
    int ndb = ks_databases();
    long long n = 0;
    for (int d = 0; d < ndb; d++) n += atomic_load_explicit(&reg.charge[ns * ndb + d],
                                                            memory_order_relaxed);
    return n > 0 ? n : 0;
}

/* The default namespace is not metered: its memory is what the data set
 * uses less what the other namespaces are charged. */
static long long default_memory(void)
{
    long long used = (long long)mem_used();
    if (ks_conf.not_counted) used -= (long long)ks_conf.not_counted();
    for (int i = 1; i <= reg.nmax; i++)
        if (atomic_load(&reg.v[i].state) != NS_FREE) used -= memory_of(i);
    return used > 0 ? used : 0;
}

static void fill_info(int ns, ns_info *out)
{
    nspace *sp = &reg.v[ns];
    out->ns = ns;
    snprintf(out->name, sizeof(out->name), "%s", sp->name);
    out->keys = keys_of(ns);
    out->memory = ns ? memory_of(ns) : default_memory();
    out->maxkeys = atomic_load(&sp->maxkeys);
    out->maxmemory = atomic_load(&sp->maxmemory);
    out->clients = atomic_load(&sp->clients);
}

int ns_get_info(int ns, ns_info *out)
{
    if (!reg.v || ns < 0 || ns > reg.nmax) return -1;
    pthread_mutex_lock(&reg.lock);
    int ok = atomic_load(&reg.v[ns].state) == NS_LIVE;
    if (ok) fill_info(ns, out);
    pthread_mutex_unlock(&reg.lock);
    return ok ? 0 : -1;
}

void ns_foreach(void (*fn)(void *priv, const ns_info *in), void *priv)
{
    if (!reg.v) return;
    int total = reg.nmax + 1;
    ns_info *all = mem_alloc(sizeof(ns_info) * (size_t)total);
    int n = 0;
    pthread_mutex_lock(&reg.lock);
    for (int i = 0; i < total; i++)
        if (atomic_load(&reg.v[i].state) == NS_LIVE) fill_info(i, &all[n++]);
    pthread_mutex_unlock(&reg.lock);
    for (int i = 0; i < n; i++) fn(priv, &all[i]);
    mem_free(all);
}

void ns_set_quota(int ns, long long maxkeys, long long maxmemory)
{
    if (ns <= 0 || ns > reg.nmax) return;
    if (maxkeys >= 0) atomic_store(&reg.v[ns].maxkeys, maxkeys);
    if (maxmemory >= 0) atomic_store(&reg.v[ns].maxmemory, maxmemory);
}

int ns_delete(int ns, const char **err)
{
    static _Thread_local char msg[160];
    if (ns == 0) {
        *err = "ERR the default namespace can't be deleted";
        return -1;
    }
    pthread_mutex_lock(&reg.lock);
    if (atomic_load(&reg.v[ns].state) != NS_LIVE) {
        pthread_mutex_unlock(&reg.lock);
        *err = "ERR no such namespace";
        return -1;
    }
    int clients = atomic_load(&reg.v[ns].clients);
    if (clients) {
        snprintf(msg, sizeof(msg),
                 "ERR namespace '%s' has %d connected client(s): close them first", reg.v[ns].name,
                 clients);
        pthread_mutex_unlock(&reg.lock);
        *err = msg;
        return -1;
    }
    atomic_store(&reg.v[ns].state, NS_DELETING);
    pthread_mutex_unlock(&reg.lock);
    /* Nobody is in it: no watcher, waiter or subscriber of its own. */
    int ndb = ks_databases();
    ns_meter_pause();
    ks_flush_range(ns * ndb, ndb, 1);
    ns_meter_resume();
    pthread_mutex_lock(&reg.lock);
    for (int d = 0; d < ndb; d++) atomic_store(&reg.charge[ns * ndb + d], 0);
    atomic_store(&reg.v[ns].maxkeys, 0);
    atomic_store(&reg.v[ns].maxmemory, 0);
    reg.v[ns].name[0] = 0;
    atomic_store(&reg.v[ns].state, NS_FREE);
    pthread_mutex_unlock(&reg.lock);
    return 0;
}

/* ---------------------------------------------------------------- quotas */

const char *ns_check_quota(const client *c)
{
    static _Thread_local char msg[NS_NAME_MAX + 128];
    /* The AOF's replay (a client without a connection) runs writes that were
     * accepted when they were logged: never refused, whatever the charges
     * say while loading. */
    if (!reg.v || !c->conn) return NULL;
    int ns = ns_of_db(c->db);
    if (!ns) return NULL;
    nspace *sp = &reg.v[ns];
    long long mk = atomic_load_explicit(&sp->maxkeys, memory_order_relaxed);
    long long mm = atomic_load_explicit(&sp->maxmemory, memory_order_relaxed);
    if (mk && keys_of(ns) >= mk) {
        snprintf(msg, sizeof(msg), "OOM namespace '%s' reached its maxkeys quota (%lld)",
                 sp->name, mk);
        return msg;
    }
    if (mm && memory_of(ns) > mm) {
        snprintf(msg, sizeof(msg), "OOM namespace '%s' reached its maxmemory quota (%lld bytes)",
                 sp->name, mm);
        return msg;
    }
    return NULL;
}

/* ---------------------------------------------------------------- metering */

static _Thread_local struct meter {
    client *c;              /* metered client, NULL when not metering */
    int dbid;               /* charged database */
    long long start;        /* thread counter at the start */
    long long excluded;     /* counted while paused */
    long long out_cap;      /* c->out.cap at the start */
    long long out_excluded; /* c->out growth while paused */
    long long paused_at, paused_out;
    int pause, flushed, was_blocked;
} mt;

void ns_meter_begin(client *c, const command *cmd)
{
    if (mt.c || !(cmd->flags & CMD_WRITE) || !reg.charge || !c->db) return;
    int id = ks_db_id(c->db);
    if (id < ks_databases()) return; /* the default namespace is not metered */
    mt.c = c;
    mt.dbid = id;
    mt.start = mem_thread_counter();
    mt.excluded = mt.out_excluded = 0;
    mt.out_cap = (long long)c->out.cap;
    mt.pause = mt.flushed = 0;
    mt.was_blocked = (c->flags & CL_BLOCKED) != 0;
}

void ns_meter_end(client *c)
{
    if (!mt.c || mt.c != c) return;
    long long out_growth = (long long)c->out.cap - mt.out_cap - mt.out_excluded;
    long long delta = mem_thread_counter() - mt.start - mt.excluded - out_growth;
    /* A command that blocked changed nothing (its wait is freed elsewhere);
     * a flush set the charges itself. */
    int blocked = (c->flags & CL_BLOCKED) && !mt.was_blocked;
    if (!mt.flushed && !blocked)
        atomic_fetch_add_explicit(&reg.charge[mt.dbid], delta, memory_order_relaxed);
    mt.c = NULL;
}

void ns_meter_pause(void)
{
    if (!mt.c || mt.pause++) return;
    mt.paused_at = mem_thread_counter();
    mt.paused_out = (long long)mt.c->out.cap;
}

void ns_meter_resume(void)
{
    if (!mt.c || --mt.pause) return;
    mt.excluded += mem_thread_counter() - mt.paused_at;
    mt.out_excluded += (long long)mt.c->out.cap - mt.paused_out;
}

void ns_key_dropped(ks_db *db, slice key)
{
    if (!reg.charge) return;
    int id = ks_db_id(db), ndb = ks_databases();
    if (id < ndb) return;
    /* Freed inside a metered command of the same namespace: already in its
     * measure. */
    if (mt.c && mt.dbid / ndb == id / ndb) return;
    atomic_fetch_sub_explicit(&reg.charge[id], (long long)ks_mem_of(db, key),
                              memory_order_relaxed);
}

void ns_flushed(int first, int n)
{
    if (!reg.charge) return;
    for (int i = first; i < first + n && i < reg.nslots; i++) atomic_store(&reg.charge[i], 0);
    if (mt.c) mt.flushed = 1;
}

void ns_swapped(ks_db *a, ks_db *b)
{
    if (!reg.charge) return;
    int ia = ks_db_id(a), ib = ks_db_id(b);
    long long t = atomic_load(&reg.charge[ia]);
    atomic_store(&reg.charge[ia], atomic_load(&reg.charge[ib]));
    atomic_store(&reg.charge[ib], t);
}

static void add_entry_mem(void *priv, kentry *e)
{
    *(long long *)priv += (long long)ks_entry_mem(e);
}

void ns_recount(void)
{
    if (!reg.charge) return;
    int ndb = ks_databases();
    for (int i = ndb; i < reg.nslots; i++) {
        ks_db *db = ks_db_at(i);
        long long n = 0;
        if (db && ks_db_keys(db)) ks_foreach(db, add_entry_mem, &n);
        atomic_store(&reg.charge[i], n);
    }
}

/* ---------------------------------------------------------------- persistence */

int ns_rdb_aux(buf *out)
{
    if (!reg.v) return 0;
    int n = 0;
    pthread_mutex_lock(&reg.lock);
    for (int i = 1; i <= reg.nmax; i++) {
        nspace *sp = &reg.v[i];
        if (atomic_load(&sp->state) == NS_FREE) continue;
        if (!n++) buf_printf(out, "%d", ks_databases());
        buf_printf(out, " %d:%lld:%lld:%s", i, atomic_load(&sp->maxkeys),
                   atomic_load(&sp->maxmemory), sp->name);
    }
    pthread_mutex_unlock(&reg.lock);
    return n > 0;
}

/* The loading file's namespaces: its databases per namespace (0: a plain
 * file) and its namespace numbers mapped to ours. Loading runs on one thread
 * (start-up, or DEBUG RELOAD holding every shard). */
static struct {
    int file_ndb;
    int map[NS_MAX + 1];
} ld;

void ns_rdb_load_begin(void)
{
    ld.file_ndb = 0;
    for (int i = 0; i <= NS_MAX; i++) ld.map[i] = -1;
}

static int parse_ll(const char **p, long long *out)
{
    char *end;
    long long v = strtoll(*p, &end, 10);
    if (end == *p || v < 0) return -1;
    *p = end;
    *out = v;
    return 0;
}

int ns_rdb_load_aux(slice value, int check_only, const char **err)
{
    char *s = mem_alloc(value.len + 1);
    memcpy(s, value.p, value.len);
    s[value.len] = 0;
    const char *p = s;
    long long ndb, num, mk, mm;
    int rc = 0;
    *err = "bad kvik-namespaces field";
    if (parse_ll(&p, &ndb) < 0 || ndb < 1 || ndb > (1 << 20)) rc = -1;
    while (rc == 0 && *p == ' ') {
        p++;
        if (parse_ll(&p, &num) < 0 || *p++ != ':' || parse_ll(&p, &mk) < 0 || *p++ != ':' ||
            parse_ll(&p, &mm) < 0 || *p++ != ':' || num < 1 || num > NS_MAX) {
            rc = -1;
            break;
        }
        size_t len = strcspn(p, " ");
        if (!ns_name_valid(p, len) || is_default_name(p, len)) {
            rc = -1;
            break;
        }
        int n = (int)num;
        if (!check_only) {
            const char *e;
            n = acquire(p, len, 0, &e);
            if (n < 0) {
                *err = "the file has more namespaces than max-namespaces allows";
                rc = -1;
                break;
            }
            ns_set_quota(n, mk, mm);
        }
        ld.map[num] = n;
        p += len;
    }
    if (rc == 0 && *p) rc = -1;
    if (rc == 0) ld.file_ndb = (int)ndb;
    mem_free(s);
    return rc;
}

int ns_rdb_db(uint64_t file_id, int check_only)
{
    uint64_t ndb = (uint64_t)ks_databases();
    if (!ld.file_ndb) return file_id < ndb ? (int)file_id : -1;
    uint64_t num = file_id / (uint64_t)ld.file_ndb, index = file_id % (uint64_t)ld.file_ndb;
    if (index >= ndb || num > NS_MAX) return -1;
    if (num == 0) return (int)index;
    if (ld.map[num] < 0) return -1;
    if (check_only) return 0;
    return ld.map[num] * (int)ndb + (int)index;
}
