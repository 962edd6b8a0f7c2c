/* server/snapshot.c — RDB snapshots: SAVE, BGSAVE without fork, loading,
 * DUMP/RESTORE payloads (see snapshot.h).
 *
 * Background snapshot, per shard:
 *
 *   start (all shards locked an instant): state[s] = PENDING for every s
 *   a write command about to change key k of a PENDING shard (snapshot_guard,
 *   under k's shard lock): k's entry, as it is, goes to pre[s]; k goes to
 *   saved[s] (also when k does not exist yet: it is new since the instant)
 *   snapshot thread, for s = 0..255 under s's lock: every entry of s not in
 *   saved[s], then pre[s]; state[s] = IDLE; then appended to the file
 *
 * So the file holds the keyspace of the instant; writes pay for the entries
 * they change, reads for nothing, and the extra memory is the pre-images of
 * keys changed before their shard was written. FLUSHALL/FLUSHDB/SWAPDB write
 * every pending shard first. A shard's part of the file selects its databases
 * again (SELECTDB), which the format allows and Redis loads.
 */
#include "server/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/htab.h"
#include "core/util.h"
#include "db/ks.h"
#include "persist/crc64.h"
#include "persist/rdb.h"
#include "server/namespace.h"
#include "server/server.h"
#include "server/type_limits.h"
#include "types/list.h"
#include "types/serial.h"

enum { SH_IDLE, SH_PENDING };

/* A key already in the snapshot through a pre-image (or created after the
 * instant): the snapshot thread skips it when it walks the shard. */
typedef struct saved_key {
    size_t len; /* of id: the database id (ID_DB bytes), then the key */
    char id[];
} saved_key;

#define ID_DB ((size_t)sizeof(int))

static const void *saved_key_of(const void *elem, size_t *len)
{
    const saved_key *k = elem;
    *len = k->len;
    return k->id;
}

static void saved_key_free(void *elem)
{
    mem_free(elem);
}

static const htab_type saved_type = {.key = saved_key_of, .free_elem = saved_key_free};

static struct {
    _Atomic int active;       /* a background snapshot is running */
    _Atomic int finished;     /* its thread is done (worker 0 reaps it) */
    _Atomic int scheduled;    /* BGSAVE SCHEDULE waiting for the running one */
    unsigned char state[KS_SHARDS]; /* under the shard's lock */
    buf out[KS_SHARDS];             /* shards written early (flush_pending_shards) */
    buf pre[KS_SHARDS];             /* pre-images of keys changed while pending */
    htab *saved[KS_SHARDS];         /* keys of pre[s] and keys created since */
    int compress;
    int took_locking;         /* turned shard locking on for a threads-1 server */
    pthread_t tid;
    rdb_out file;
    char tmp[PATH_MAX];
    char path[PATH_MAX];      /* where the file goes when done */
    snapshot_done_fn *done;   /* NULL: a BGSAVE of dbfilename */
    int ok;
    char err[256];
    uint64_t start_ms;
    long long dirty_at_start;
} bg;

/* Persistence figures for INFO. */
static struct {
    _Atomic long long lastsave;      /* unix seconds of the last successful save */
    _Atomic long long dirty_saved;   /* srv.dirty as of the last successful save */
    _Atomic int last_bg_ok;
    _Atomic long long last_bg_secs;
    _Atomic long long saves;
    _Atomic uint64_t last_try_ms;    /* last BGSAVE attempt (retry delay after failures) */
    _Atomic long long load_expired;  /* keys of the last load dropped as expired */
    _Atomic long long load_loaded;   /* and kept */
} st = {.last_bg_ok = 1, .last_bg_secs = -1};

long long snapshot_lastsave(void)
{
    long long t = atomic_load(&st.lastsave);
    return t ? t : (long long)(srv.start_ms / 1000);
}

int snapshot_is_rewrite(void)
{
    return snapshot_in_progress() && bg.done != NULL;
}

int snapshot_in_progress(void)
{
    return atomic_load(&bg.active);
}

int snapshot_write_blocked(void)
{
    return cfg.stop_writes_on_bgsave_error && cfg.nsave > 0 && !atomic_load(&st.last_bg_ok);
}

static serial_limits load_limits(void)
{
    return (serial_limits){.hash = cfg_hash_limits(), .set = cfg_set_limits(),
                           .zset = cfg_zset_limits(), .list_fill = cfg_list_fill()};
}

/* ---------------------------------------------------------------- writing */

/* The type byte, the key (for files, not DUMP) and the value of an entry. */
static void write_value(rdb_out *o, kentry *e, int with_key)
{
    int type = ke_type(e);
    rdbw_u8(o, type == OBJ_STRING ? RDB_TYPE_STRING : serial_type(type, ke_ptr(e)));
    if (with_key) {
        slice k = ke_key(e);
        rdbw_string(o, k.p, k.len);
    }
    if (type == OBJ_STRING) {
        char tmp[24];
        slice v = ke_str(e, tmp);
        rdbw_string(o, v.p, v.len);
    } else {
        serial_write(o, type, ke_ptr(e));
    }
}

typedef struct shard_ctx {
    rdb_out *o;
    int dbid;
    int selected;
    int lru, lfu;
    htab *skip; /* keys (database id + key) not to write, or NULL */
} shard_ctx;

/* 1 if e's key is in skip (db x->dbid). */
static int skipped(shard_ctx *x, kentry *e)
{
    if (!x->skip || !htab_size(x->skip)) return 0;
    slice k = ke_key(e);
    char stack[256];
    size_t len = k.len + ID_DB;
    char *id = len <= sizeof(stack) ? stack : mem_alloc(len);
    memcpy(id, &x->dbid, ID_DB);
    memcpy(id + ID_DB, k.p, k.len);
    int found = htab_find(x->skip, id, len) != NULL;
    if (id != stack) mem_free(id);
    return found;
}

static void write_entry(void *priv, kentry *e)
{
    shard_ctx *x = priv;
    rdb_out *o = x->o;
    if (skipped(x, e)) return;
    if (!x->selected) {
        rdbw_u8(o, RDB_OP_SELECTDB);
        rdbw_len(o, (uint64_t)x->dbid);
        x->selected = 1;
    }
    long long exp = ke_expire(e);
    if (exp >= 0) {
        rdbw_u8(o, RDB_OP_EXPIRETIME_MS);
        rdbw_ms(o, exp);
    }
    if (x->lru) {
        rdbw_u8(o, RDB_OP_IDLE);
        rdbw_len(o, ke_idle_ms(e) / 1000);
    } else if (x->lfu) {
        rdbw_u8(o, RDB_OP_FREQ);
        rdbw_u8(o, ke_lfu_freq(e));
    }
    write_value(o, e, 1);
}

/* Serialises every database's entries of shard s (caller holds its lock). */
static void write_shard(rdb_out *o, int s)
{
    int p = cfg.maxmemory_policy;
    shard_ctx x = {.o = o, .lru = p == 1 || p == 4, .lfu = p == 2 || p == 5};
    for (int d = 0; d < ks_db_slots(); d++) { /* every namespace's databases */
        if (!ks_db_at(d)) continue;
        x.dbid = d;
        x.selected = 0;
        ks_foreach_in_shard(ks_db_at(d), s, write_entry, &x);
    }
}

/* The namespaces (persisted with their databases' ids and quotas), written
 * at the snapshot's instant: the databases the file selects are those of the
 * namespaces named here. Nothing for a server without namespaces, so its
 * files stay what redis-server loads. */
static void write_ns_aux(rdb_out *o)
{
    buf v = BUF_INIT;
    if (ns_rdb_aux(&v)) {
        buf_putc(&v, 0);
        rdbw_aux(o, NS_RDB_AUX, v.p);
    }
    buf_free(&v);
}

static void write_header(rdb_out *o)
{
    char num[32];
    rdbw_header(o);
    rdbw_aux(o, "redis-ver", KVIK_REDIS_COMPAT_VERSION);
    rdbw_aux(o, "redis-bits", sizeof(void *) == 8 ? "64" : "32");
    snprintf(num, sizeof(num), "%lld", (long long)(now_ms() / 1000));
    rdbw_aux(o, "ctime", num);
    rdbw_aux(o, "kvik-ver", KVIK_VERSION);
    rdbw_aux(o, "aof-base", "0");
}

/* A bare file name (dbfilename) inside dir: CONFIG SET dir changes cfg.dir
 * without a chdir, so such names are resolved against it here. Paths (the
 * AOF's "appenddirname/file", absolute ones) stay as given, relative to the
 * working directory like the rest of the AOF's files. */
static void in_dir(char *out, size_t size, const char *name)
{
    if (strchr(name, '/') || !cfg.dir || !cfg.dir[0])
        snprintf(out, size, "%s", name);
    else
        snprintf(out, size, "%s/%s", cfg.dir, name);
}

/* Opens a temporary file where the file named final will go: in dir for a
 * bare name, in the working directory otherwise (as before). */
static int open_tmp(const char *final, char *tmp, size_t size, char *err, size_t errlen)
{
    static _Atomic unsigned seq;
    char name[64];
    snprintf(name, sizeof(name), "temp-%d-%u.rdb", (int)getpid(), atomic_fetch_add(&seq, 1));
    if (strchr(final, '/'))
        snprintf(tmp, size, "%s", name);
    else
        in_dir(tmp, size, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        snprintf(err, errlen, "Failed opening the temp RDB file %s (in server root dir %s) for "
                 "saving: %s", name, cfg.dir ? cfg.dir : ".", strerror(errno));
    return fd;
}

/* Ends a file: footer, flush, fsync, close, rename over path. */
static int finish_file(rdb_out *o, const char *tmp, const char *path, char *err, size_t errlen)
{
    rdbw_footer(o, cfg.rdbchecksum);
    int rc = rdbw_flush(o);
    if (rc == 0 && fsync(o->fd) < 0) {
        o->err = errno;
        rc = -1;
    }
    if (close(o->fd) < 0 && rc == 0) {
        o->err = errno;
        rc = -1;
    }
    rdbw_free(o);
    if (rc == 0 && rename(tmp, path) < 0) {
        o->err = errno;
        rc = -1;
    }
    if (rc < 0) {
        snprintf(err, errlen, "Write error saving DB on disk: %s", strerror(o->err));
        unlink(tmp);
    }
    return rc;
}

static void saved(long long dirty_at_start)
{
    atomic_store(&st.lastsave, (long long)(now_ms() / 1000));
    atomic_store(&st.dirty_saved, dirty_at_start);
    atomic_fetch_add(&st.saves, 1);
}

int snapshot_save(const char *path, char *err, size_t errlen)
{
    if (snapshot_in_progress()) {
        snprintf(err, errlen, "Background save already in progress");
        return -1;
    }
    char tmp[PATH_MAX], full[PATH_MAX];
    in_dir(full, sizeof(full), path);
    int fd = open_tmp(path, tmp, sizeof(tmp), err, errlen);
    if (fd < 0) return -1;
    rdb_out o;
    rdbw_init(&o, fd, cfg.rdbcompression);
    write_header(&o);
    long long dirty = atomic_load(&srv.dirty);
    ks_lock_all();
    write_ns_aux(&o);
    for (int s = 0; s < KS_SHARDS; s++) write_shard(&o, s);
    ks_unlock_all();
    if (finish_file(&o, tmp, full, err, errlen) < 0) return -1;
    saved(dirty);
    log_notice("DB saved on disk");
    return 0;
}

/* ---------------------------------------------------------------- BGSAVE */

/* ---- pre-images ----
 *
 * Until the snapshot thread has written shard s, a command that is about to
 * change a key of s first writes the key's current entry (if any) to pre[s]
 * and records the key in saved[s]; the snapshot thread then writes pre[s]
 * and skips those keys when it walks the shard. So the file holds every key
 * as it was at the instant, a write pays for serialising only the entry it
 * changes, and reads pay nothing. */

static int lru_policy(void)
{
    return cfg.maxmemory_policy == 1 || cfg.maxmemory_policy == 4;
}

static int lfu_policy(void)
{
    return cfg.maxmemory_policy == 2 || cfg.maxmemory_policy == 5;
}

/* Saves (db, key)'s entry before a change. Caller holds the key's shard lock. */
static void preimage(ks_db *db, slice key, int s)
{
    char stack[256];
    size_t len = key.len + ID_DB;
    char *id = len <= sizeof(stack) ? stack : mem_alloc(len);
    int dbid = ks_db_id(db);
    memcpy(id, &dbid, ID_DB);
    memcpy(id + ID_DB, key.p, key.len);
    if (!bg.saved[s]) bg.saved[s] = htab_new(&saved_type);
    if (!htab_find(bg.saved[s], id, len)) {
        saved_key *k = mem_alloc(sizeof(*k) + len);
        k->len = len;
        memcpy(k->id, id, len);
        htab_add(bg.saved[s], k);
        kentry *e = ks_lookup(db, key, KS_WRITE | KS_NOTOUCH);
        if (e) {
            rdb_out o;
            rdbw_init(&o, -1, bg.compress);
            o.b = bg.pre[s];
            shard_ctx x = {.o = &o, .dbid = ks_db_id(db), .lru = lru_policy(),
                           .lfu = lfu_policy()};
            write_entry(&x, e);
            bg.pre[s] = o.b;
        }
    }
    if (id != stack) mem_free(id);
}

void snapshot_before_write(ks_db *db, slice key)
{
    int s = ks_shard_of(key);
    if (!atomic_load_explicit(&bg.active, memory_order_acquire) || bg.state[s] != SH_PENDING)
        return;
    /* Every database of db's namespace: MOVE and COPY ... DB change the key
     * in another one. */
    int first = ks_db_id(db) - ks_db_id(db) % ks_databases();
    for (int d = 0; d < ks_databases(); d++) preimage(ks_db_at(first + d), key, s);
}

/* Writes shard s's part (entries not pre-imaged, then the pre-images) into
 * out. Caller holds the shard's lock. */
static void write_pending_shard(rdb_out *o, int s)
{
    rdb_out tmp;
    rdbw_init(&tmp, -1, bg.compress);
    shard_ctx x = {.o = &tmp, .lru = lru_policy(), .lfu = lfu_policy(), .skip = bg.saved[s]};
    for (int d = 0; d < ks_db_slots(); d++) {
        if (!ks_db_at(d)) continue;
        x.dbid = d;
        x.selected = 0;
        ks_foreach_in_shard(ks_db_at(d), s, write_entry, &x);
    }
    buf_append(&tmp.b, bg.pre[s].p, bg.pre[s].len);
    *o = tmp;
    buf_free(&bg.pre[s]);
    htab_free(bg.saved[s]);
    bg.saved[s] = NULL;
    bg.state[s] = SH_IDLE;
}

/* Writes every pending shard now (FLUSHALL, FLUSHDB, SWAPDB: they change
 * everything). Locks each shard (no-ops when the caller holds them all). */
static void flush_pending_shards(void)
{
    for (int s = 0; s < KS_SHARDS; s++) {
        ks_lock(s);
        if (bg.state[s] == SH_PENDING) {
            rdb_out o;
            write_pending_shard(&o, s);
            bg.out[s] = o.b;
        }
        ks_unlock(s);
    }
}

void snapshot_guard(ks_db *db, const command *cmd, const slice *argv, int argc)
{
    if (!atomic_load_explicit(&bg.active, memory_order_acquire) || !(cmd->flags & CMD_WRITE))
        return;
    const command *top = cmd->parent ? cmd->parent : cmd;
    if (!strcmp(top->name, "flushall") || !strcmp(top->name, "flushdb") ||
        !strcmp(top->name, "swapdb") || !strcmp(top->name, "namespace")) {
        flush_pending_shards();
        return;
    }
    int stack[16];
    int *pos = argc > 16 ? mem_alloc(sizeof(int) * (size_t)argc) : stack;
    int n = cmd_get_keys(cmd, argv, argc, pos, argc);
    /* Commands that lock their shards themselves are not holding them yet. */
    int lock = (cmd->flags & CMD_ALL_SHARDS) != 0;
    for (int i = 0; i < n; i++) {
        int s = ks_shard_of(argv[pos[i]]);
        if (lock) ks_lock(s);
        snapshot_before_write(db, argv[pos[i]]);
        if (lock) ks_unlock(s);
    }
    if (pos != stack) mem_free(pos);
}

static void *bg_main(void *arg)
{
    (void)arg;
    for (int s = 0; s < KS_SHARDS; s++) {
        ks_lock(s);
        buf part = bg.out[s];
        bg.out[s] = (buf){0};
        if (bg.state[s] == SH_PENDING) {
            rdb_out o;
            write_pending_shard(&o, s);
            part = o.b;
        }
        ks_unlock(s);
        rdbw_bytes(&bg.file, part.p, part.len);
        buf_free(&part);
    }
    bg.ok = finish_file(&bg.file, bg.tmp, bg.path, bg.err, sizeof(bg.err)) == 0;
    atomic_store(&bg.finished, 1);
    return NULL;
}

int snapshot_bgsave(char *err, size_t errlen)
{
    return snapshot_bgsave_to(cfg.dbfilename, NULL, err, errlen);
}

int snapshot_bgsave_to(const char *path, snapshot_done_fn *done, char *err, size_t errlen)
{
    if (snapshot_in_progress()) {
        snprintf(err, errlen, "Background save already in progress");
        return -1;
    }
    if (!done) atomic_store(&st.last_try_ms, now_ms());
    int fd = open_tmp(path, bg.tmp, sizeof(bg.tmp), err, errlen);
    if (fd < 0) {
        if (!done) atomic_store(&st.last_bg_ok, 0);
        return -1;
    }
    in_dir(bg.path, sizeof(bg.path), path);
    bg.done = done;
    rdbw_init(&bg.file, fd, cfg.rdbcompression);
    write_header(&bg.file);
    bg.compress = cfg.rdbcompression;
    bg.took_locking = !ks_locking();
    if (bg.took_locking) ks_set_locking(1);
    ks_lock_all(); /* the snapshot's instant */
    write_ns_aux(&bg.file);
    for (int s = 0; s < KS_SHARDS; s++) bg.state[s] = SH_PENDING;
    bg.start_ms = now_ms();
    bg.dirty_at_start = atomic_load(&srv.dirty);
    atomic_store(&bg.finished, 0);
    atomic_store(&bg.active, 1);
    ks_unlock_all();
    if (pthread_create(&bg.tid, NULL, bg_main, NULL) != 0) {
        /* Serialise the rest here rather than leave shards pending. */
        bg_main(NULL);
    }
    log_notice("Background saving started");
    return 0;
}

/* Joins the snapshot thread once it has ended. Several workers may try at
 * once (worker 0's cron, SHUTDOWN or DEBUG RELOAD on another): only the one
 * that claims `finished` reaps; 0 for the others and while it runs. */
static int reap(void)
{
    if (!atomic_exchange(&bg.finished, 0)) return 0;
    pthread_join(bg.tid, NULL);
    if (bg.took_locking) ks_set_locking(0);
    if (bg.done) {
        atomic_store(&bg.active, 0);
        if (!bg.ok) log_warning("Background snapshot error: %s", bg.err);
        bg.done(bg.ok);
        return 1;
    }
    long long secs = (long long)((now_ms() - bg.start_ms + 500) / 1000);
    atomic_store(&st.last_bg_secs, secs);
    atomic_store(&st.last_bg_ok, bg.ok);
    if (bg.ok) {
        saved(bg.dirty_at_start);
        log_notice("Background saving terminated with success");
    } else {
        log_warning("Background saving error: %s", bg.err);
    }
    /* Last, so that INFO never shows the save ended with the old status. */
    atomic_store(&bg.active, 0);
    return 1;
}

void snapshot_wait(void)
{
    while (snapshot_in_progress())
        if (!reap()) usleep(1000);
}

void snapshot_schedule(void)
{
    atomic_store(&bg.scheduled, 1);
}

/* 1 when a `save` rule says it is time. After a failure, retries wait 5 s. */
static int rule_due(void)
{
    long long changes = atomic_load(&srv.dirty) - atomic_load(&st.dirty_saved);
    long long since = (long long)(now_ms() / 1000) - snapshot_lastsave();
    if (!atomic_load(&st.last_bg_ok) && now_ms() - atomic_load(&st.last_try_ms) < 5000) return 0;
    for (int i = 0; i < cfg.nsave; i++)
        if (changes >= cfg.save[i].changes && since > cfg.save[i].seconds) return 1;
    return 0;
}

void snapshot_cron(void)
{
    if (snapshot_in_progress()) {
        reap();
        return;
    }
    char err[256];
    if (atomic_exchange(&bg.scheduled, 0) || rule_due()) {
        if (snapshot_bgsave(err, sizeof(err)) < 0) log_warning("BGSAVE failed: %s", err);
    }
}

void snapshot_info(buf *out)
{
    int in_progress = snapshot_in_progress();
    long long cur = in_progress ? (long long)((now_ms() - bg.start_ms) / 1000) : -1;
    buf_printf(out,
               "rdb_changes_since_last_save:%lld\r\nrdb_bgsave_in_progress:%d\r\n"
               "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
               "rdb_last_bgsave_time_sec:%lld\r\nrdb_current_bgsave_time_sec:%lld\r\n"
               "rdb_saves:%lld\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:%lld\r\n"
               "rdb_last_load_keys_loaded:%lld\r\n",
               atomic_load(&srv.dirty) - atomic_load(&st.dirty_saved), in_progress,
               snapshot_lastsave(), atomic_load(&st.last_bg_ok) ? "ok" : "err",
               atomic_load(&st.last_bg_secs), cur, atomic_load(&st.saves),
               atomic_load(&st.load_expired), atomic_load(&st.load_loaded));
}

/* ---------------------------------------------------------------- loading */

typedef struct loader {
    rdb_in in;
    const serial_limits *lim;
    int check_only;
    long long keys;
    long long expired, loaded;
    long long now;
} loader;

/* Stores one loaded key (or only counts it when checking). */
static int store_key(loader *ld, int dbid, slice key, serial_value *v, long long expire,
                     long long idle, int freq)
{
    ld->keys++;
    if (ld->check_only || (expire >= 0 && expire <= ld->now)) {
        if (v->objtype > OBJ_STRING) serial_free(v->objtype, v->value);
        if (!ld->check_only) ld->expired++;
        return 0;
    }
    ld->loaded++;
    ks_db *db = ks_db_create(dbid);
    if (ks_exists(db, key)) {
        if (v->objtype > OBJ_STRING) serial_free(v->objtype, v->value);
        return rdbr_fail(&ld->in, "duplicate key");
    }
    kentry *e = v->objtype == OBJ_STRING ? ks_set_str(db, key, v->str, 0)
                                         : ks_add(db, key, v->objtype, v->enc, v->value);
    if (expire >= 0) e = ks_set_expire(db, e, expire);
    if (idle >= 0) ke_set_idle(e, (uint64_t)idle);
    if (freq >= 0) ke_set_freq(e, freq);
    return 0;
}

static int load_entry(loader *ld, int type, int dbid, long long expire, long long idle, int freq)
{
    slice k;
    if (rdbr_string(&ld->in, &k) < 0) return -1;
    /* The value read may reuse the reader's scratch: keep the key. */
    char *key = mem_alloc(k.len ? k.len : 1); /* an empty key may end the data */
    if (k.len) memcpy(key, k.p, k.len);
    size_t klen = k.len;
    serial_value v;
    int rc = serial_read(&ld->in, type, ld->lim, &v);
    if (rc == 0 && v.objtype >= 0)
        rc = store_key(ld, dbid, slice_of(key, klen), &v, expire, idle, freq);
    mem_free(key);
    return rc;
}

static int load_body(loader *ld, int version)
{
    rdb_in *in = &ld->in;
    int dbid = 0;
    long long expire = -1, idle = -1;
    int freq = -1;
    for (;;) {
        int op;
        uint64_t a, b;
        slice s;
        if (rdbr_u8(in, &op) < 0) return -1;
        switch (op) {
        case RDB_OP_EOF:
            return 0;
        case RDB_OP_SELECTDB:
            if (rdbr_len(in, &a, NULL) < 0) return -1;
            dbid = ns_rdb_db(a, ld->check_only);
            if (dbid < 0)
                return rdbr_fail(in, "database index out of range (see the databases setting)");
            continue;
        case RDB_OP_RESIZEDB:
            if (rdbr_len(in, &a, NULL) < 0 || rdbr_len(in, &b, NULL) < 0) return -1;
            continue;
        case RDB_OP_AUX: {
            if (rdbr_string(in, &s) < 0) return -1;
            int is_ns = slice_is(s, NS_RDB_AUX);
            if (rdbr_string(in, &s) < 0) return -1;
            const char *e;
            if (is_ns && ns_rdb_load_aux(s, ld->check_only, &e) < 0) return rdbr_fail(in, e);
            continue;
        }
        case RDB_OP_EXPIRETIME_MS:
            if (rdbr_ms(in, &expire) < 0) return -1;
            continue;
        case RDB_OP_EXPIRETIME: {
            uint32_t secs;
            if (rdbr_u32(in, &secs) < 0) return -1;
            expire = (long long)secs * 1000;
            continue;
        }
        case RDB_OP_IDLE:
            if (rdbr_len(in, &a, NULL) < 0) return -1;
            idle = (long long)(a > 0xFFFFFF ? 0xFFFFFF : a);
            continue;
        case RDB_OP_FREQ:
            if (rdbr_u8(in, &freq) < 0) return -1;
            continue;
        case RDB_OP_FUNCTION2:
            /* Function libraries need a scripting engine kvik does not have yet. */
            if (rdbr_string(in, &s) < 0) return -1;
            log_warning("RDB: skipping a function library (functions are not supported)");
            continue;
        case RDB_OP_FUNCTION:
        case RDB_OP_MODULE_AUX:
            return rdbr_fail(in, "module or pre-7.0 function data is not supported");
        default:
            if (load_entry(ld, op, dbid, expire, idle, freq) < 0) return -1;
            expire = idle = -1;
            freq = -1;
        }
    }
    (void)version;
}

/* Parses a whole file image. */
static int load_image(loader *ld, const unsigned char *p, size_t len)
{
    rdb_in *in = &ld->in;
    const unsigned char *h;
    if (rdbr_bytes(in, 9, &h) < 0 || memcmp(h, "REDIS", 5) != 0)
        return rdbr_fail(in, "not an RDB file (bad signature)");
    int version = 0;
    for (int i = 5; i < 9; i++) {
        if (h[i] < '0' || h[i] > '9') return rdbr_fail(in, "bad RDB version");
        version = version * 10 + (h[i] - '0');
    }
    if (version < 1 || version > RDB_VERSION) return rdbr_fail(in, "unsupported RDB format version");
    if (load_body(ld, version) < 0) return -1;
    if (version >= 5) {
        size_t end = in->pos;
        const unsigned char *c;
        if (rdbr_bytes(in, 8, &c) < 0) return -1;
        uint64_t want = 0;
        for (int i = 7; i >= 0; i--) want = want << 8 | c[i];
        if (want && crc64(0, p, end) != want) {
            in->pos = end;
            return rdbr_fail(in, "checksum mismatch");
        }
    }
    if (in->pos != len) return rdbr_fail(in, "trailing bytes after the end of the file");
    return 0;
}

int snapshot_load(const char *name, int check_only, long long *keys, char *err, size_t errlen)
{
    char path[PATH_MAX];
    in_dir(path, sizeof(path), name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "Can't open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        snprintf(err, errlen, "Can't stat %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    size_t len = (size_t)sb.st_size;
    const unsigned char *p = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (len && p == MAP_FAILED) {
        snprintf(err, errlen, "Can't map %s: %s", path, strerror(errno));
        return -1;
    }
    serial_limits lim = load_limits();
    loader ld = {.lim = &lim, .check_only = check_only, .now = (long long)now_ms()};
    rdbr_init(&ld.in, p, len, (size_t)cfg.proto_max_bulk_len);
    ns_rdb_load_begin();
    int rc = load_image(&ld, p, len);
    if (rc < 0)
        snprintf(err, errlen, "Bad RDB file %s at byte offset %zu: %s", path, ld.in.err_pos,
                 ld.in.err);
    rdbr_free(&ld.in);
    if (len) munmap((void *)p, len);
    if (keys) *keys = ld.keys;
    /* A file that fails part way leaves nothing behind (what was loaded
     * would otherwise leak when the start stops). */
    if (rc < 0 && !check_only) ks_flush_all(0);
    if (rc == 0 && !check_only) {
        atomic_store(&st.load_expired, ld.expired);
        atomic_store(&st.load_loaded, ld.loaded);
        atomic_store(&st.dirty_saved, atomic_load(&srv.dirty));
        atomic_store(&st.lastsave, (long long)(now_ms() / 1000));
    }
    return rc < 0 ? -1 : 1;
}

/* ---------------------------------------------------------------- DUMP / RESTORE */

void snapshot_dump(kentry *e, buf *out)
{
    rdb_out o;
    rdbw_init(&o, -1, cfg.rdbcompression);
    write_value(&o, e, 0);
    unsigned char ver[2] = {RDB_VERSION & 0xff, RDB_VERSION >> 8};
    rdbw_bytes(&o, ver, 2);
    uint64_t crc = o.crc;
    unsigned char c[8];
    for (int i = 0; i < 8; i++) c[i] = (unsigned char)(crc >> (8 * i));
    rdbw_bytes(&o, c, 8);
    *out = o.b;
}

int snapshot_restore(ks_db *db, slice key, slice payload, long long expire_ms, long long idle,
                     int freq, const char **err)
{
    const unsigned char *p = (const unsigned char *)payload.p;
    *err = "ERR DUMP payload version or checksum are wrong";
    if (payload.len < 11) return -1;
    size_t body = payload.len - 10;
    int ver = p[body] | p[body + 1] << 8;
    if (ver > RDB_VERSION) return -1;
    uint64_t want = 0;
    for (int i = 7; i >= 0; i--) want = want << 8 | p[body + 2 + (size_t)i];
    if (crc64(0, p, body + 2) != want) return -1;
    serial_limits lim = load_limits();
    rdb_in in;
    rdbr_init(&in, p, body, (size_t)cfg.proto_max_bulk_len);
    int type;
    serial_value v;
    int rc = rdbr_u8(&in, &type);
    if (rc == 0) rc = serial_read(&in, type, &lim, &v);
    if (rc == 0 && in.pos != body) {
        if (v.objtype > OBJ_STRING) serial_free(v.objtype, v.value);
        rc = -1;
    }
    if (rc < 0 || v.objtype < 0) {
        rdbr_free(&in);
        *err = "ERR Bad data format";
        return -1;
    }
    ks_delete(db, key);
    kentry *e = v.objtype == OBJ_STRING ? ks_set_str(db, key, v.str, 0)
                                        : ks_add(db, key, v.objtype, v.enc, v.value);
    rdbr_free(&in);
    if (expire_ms >= 0) e = ks_set_expire(db, e, expire_ms);
    if (idle >= 0) ke_set_idle(e, (uint64_t)idle);
    if (freq >= 0) ke_set_freq(e, freq);
    *err = NULL;
    return 0;
}
