/* server/cmd_server.c — server commands: INFO, DBSIZE, FLUSHDB/FLUSHALL,
 * SWAPDB, TIME, DEBUG, SHUTDOWN, CONFIG (handlers in cmd_config.c), and the
 * statistics reset. */
#include <ctype.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "net/tls.h"
#include "server/acl.h"
#include "server/client.h"
#include "server/cmd_config.h"
#include "server/cmdtab.h"
#include "server/aof.h"
#include "server/multi.h"
#include "server/namespace.h"
#include "server/snapshot.h"
#include "server/server_init.h"
#include "server/notify.h"
#include "server/pubsub.h"
#include "server/stats.h"
#include "types/hash.h"
#include "types/list.h"
#include "types/set.h"
#include "types/stream.h"
#include "types/zset.h"

void server_apply_log_config(void)
{
    const char *r = cfg.log_rotation ? cfg.log_rotation : "never";
    log_set_rotation(!strcmp(r, "hourly")  ? LOG_ROTATE_HOURLY
                     : !strcmp(r, "daily") ? LOG_ROTATE_DAILY
                                           : LOG_ROTATE_NEVER);
    log_set_level(cfg.loglevel);
}

void server_apply_config(void)
{
    ks_conf.maxmemory = cfg.maxmemory;
    ks_conf.policy = cfg.maxmemory_policy;
    ks_conf.samples = cfg.maxmemory_samples;
    ks_conf.lfu_log_factor = cfg.lfu_log_factor;
    ks_conf.lfu_decay_time = cfg.lfu_decay_time;
    ks_conf.active_expire_effort = cfg.active_expire_effort;
    ks_conf.not_counted = clients_buffer_memory;
    ks_conf.event = server_key_event;
    ks_conf.db_slots = ns_db_slots(cfg.databases, cfg.max_namespaces);
    /* CONFIG SET appendonly (at start the log is opened after loading). */
    if (srv.nworkers && cfg.appendonly != aof_enabled()) {
        char err[256];
        if (aof_set_enabled(cfg.appendonly, err, sizeof(err)) < 0)
            log_warning("Can't turn the append only file %s: %s", cfg.appendonly ? "on" : "off",
                        err);
    }
    server_apply_log_config();
    notify_configure(cfg.notify_keyspace_events);
    acl_config_changed();
}

void types_init(void)
{
    /* Strings are built into the keyspace; collection types register here. */
    hash_type_register();
    set_type_register();
    list_type_register();
    zset_type_register();
    stream_type_register();
}

void server_shutdown_hooks(void)
{
    /* Free the data so leak checkers see a clean exit. */
    ks_flush_all(0);
    pubsub_shutdown();
}

void server_reset_stats(void)
{
    for (int i = 0; i < srv.nworkers; i++) {
        worker *w = &srv.workers[i];
        for (int id = 0; id < cmd_total_ids(); id++) {
            cmd_stat *st = &w->cmdstats[id];
            counter_set(&st->calls, 0);
            counter_set(&st->cycles, 0);
            counter_set(&st->rejected, 0);
            counter_set(&st->failed, 0);
        }
        worker_stats *s = w->stats;
        counter *all[] = {&s->commands, &s->conns_received, &s->rejected_conns, &s->net_in,
                          &s->net_out, &s->errors_total, &s->unexpected_errors,
                          &s->client_qbuf_limit_disconnections,
                          &s->client_obuf_limit_disconnections, &s->io_reads, &s->io_writes};
        for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) counter_set(all[k], 0);
        atomic_store_explicit(&s->nerr, 0, memory_order_release); /* errorstats */
    }
    ks_stats_reset();
}

/* ---------------------------------------------------------------- DB-wide */

static void cmd_dbsize(client *c)
{
    reply_int(c, (long long)ks_dbsize(c->db));
}

/* Parses the optional ASYNC|SYNC argument of FLUSHDB/FLUSHALL: 1 async, 0 sync,
 * -1 after replying an error. */
static int flush_mode(client *c)
{
    if (c->argc == 1) return cfg.lazyfree_lazy_user_flush;
    if (c->argc == 2 && slice_is(c->argv[1], "ASYNC")) return 1;
    if (c->argc == 2 && slice_is(c->argv[1], "SYNC")) return 0;
    reply_err_syntax(c);
    return -1;
}

static void cmd_flushdb(client *c)
{
    int async = flush_mode(c);
    if (async < 0) return;
    size_t n = ks_dbsize(c->db);
    multi_touch_db(c->db, NULL);
    ks_flush(c->db, async);
    ns_flushed(ks_db_id(c->db), 1);
    server_dirty((long long)n + 1);
    reply_ok(c);
}

static void cmd_flushall(client *c)
{
    int async = flush_mode(c);
    if (async < 0) return;
    /* Only the caller's namespace (docs/namespaces.md). */
    int first = ns_first_db(c);
    for (int d = 0; d < ks_databases(); d++) multi_touch_db(ks_db_at(first + d), NULL);
    ks_flush_range(first, ks_databases(), async);
    ns_flushed(first, ks_databases());
    server_dirty(1);
    reply_ok(c);
}

static void cmd_swapdb(client *c)
{
    long long a, b;
    if (!util_str2ll(c->argv[1].p, c->argv[1].len, &a)) {
        reply_error(c, "ERR invalid first DB index");
        return;
    }
    if (!util_str2ll(c->argv[2].p, c->argv[2].len, &b)) {
        reply_error(c, "ERR invalid second DB index");
        return;
    }
    if (a < 0 || a >= ks_databases() || b < 0 || b >= ks_databases()) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    ks_db *da = ns_db(c, (int)a), *db = ns_db(c, (int)b);
    multi_touch_db(da, db);
    multi_touch_db(db, da);
    ks_swap(da, db);
    ns_swapped(da, db);
    server_dirty(1);
    reply_ok(c);
}

static void cmd_time(client *c)
{
    uint64_t us = now_us();
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)(us / 1000000));
    reply_bulk_ll(c, (long long)(us % 1000000));
}

static void cmd_lastsave(client *c)
{
    reply_int(c, snapshot_lastsave());
}

/* ---------------------------------------------------------------- SHUTDOWN */

static void cmd_shutdown(client *c)
{
    int save = cfg.nsave > 0, force = 0;
    for (int i = 1; i < c->argc; i++) {
        slice o = c->argv[i];
        if (!slice_is(o, "NOSAVE") && !slice_is(o, "SAVE") && !slice_is(o, "NOW") &&
            !slice_is(o, "FORCE") && !slice_is(o, "ABORT")) {
            reply_err_syntax(c);
            return;
        }
        if (slice_is(o, "ABORT")) {
            reply_error(c, "ERR No shutdown in progress.");
            return;
        }
        if (slice_is(o, "NOSAVE")) save = 0;
        if (slice_is(o, "SAVE")) save = 1;
        if (slice_is(o, "FORCE")) force = 1;
    }
    if (save) {
        char err[300];
        snapshot_wait();
        if (snapshot_save(cfg.dbfilename, err, sizeof(err)) < 0) {
            log_warning("Error trying to save the DB, can't exit: %s", err);
            if (!force) {
                reply_error(c, "ERR Errors trying to SHUTDOWN. Check logs.");
                return;
            }
        }
    }
    atomic_store(&srv.shutdown_saved, 1);
    atomic_store(&srv.shutdown_asap, 1);
    /* No reply: the connection closes as the server exits, as Redis does. */
    c->flags |= CL_CLOSE_ASAP;
}

/* ---------------------------------------------------------------- DEBUG */

/* DEBUG RELOAD [NOSAVE] [NOFLUSH]: save, empty the keyspace, load the file
 * back, with every shard held so that no client sees the gap. */
static void debug_reload(client *c)
{
    int save = 1, flush = 1;
    for (int i = 2; i < c->argc; i++) {
        if (slice_is(c->argv[i], "NOSAVE"))
            save = 0;
        else if (slice_is(c->argv[i], "NOFLUSH"))
            flush = 0;
        else {
            reply_error(c, "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
            return;
        }
    }
    char err[600];
    snapshot_wait();
    ks_lock_all();
    int rc = save ? snapshot_save(cfg.dbfilename, err, sizeof(err)) : 0;
    if (rc == 0) {
        if (flush)
            for (int d = 0; d < ks_db_slots(); d++)
                if (ks_db_at(d)) multi_touch_db(ks_db_at(d), NULL);
        if (flush) ks_flush_all(0);
        rc = snapshot_load(cfg.dbfilename, 0, NULL, err, sizeof(err)) < 0 ? -1 : 0;
        ns_recount();
    }
    ks_unlock_all();
    if (rc < 0) {
        reply_errorf(c, "ERR Error trying to reload: %s", err);
        return;
    }
    log_notice("DB reloaded by DEBUG RELOAD");
    reply_ok(c);
}

static void cmd_debug(client *c)
{
    slice sub = c->argv[1];
    if (slice_is(sub, "SLEEP") && c->argc == 3) {
        double secs;
        if (arg_double(c, c->argv[2], &secs) < 0) return;
        if (secs > 0) {
            struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
            nanosleep(&ts, NULL);
        }
        reply_ok(c);
    } else if (slice_is(sub, "SET-ACTIVE-EXPIRE") && c->argc == 3) {
        long long v;
        if (arg_ll(c, c->argv[2], &v) < 0) return;
        atomic_store(&srv.active_expire_enabled, v != 0);
        reply_ok(c);
    } else if (slice_is(sub, "OBJECT") && c->argc == 3) {
        int shard = ks_shard_of(c->argv[2]);
        ks_lock(shard);
        kentry *e = ks_lookup(c->db, c->argv[2], KS_WRITE | KS_NOTOUCH);
        if (!e) {
            ks_unlock(shard);
            reply_error(c, "ERR no such key");
            return;
        }
        static const char *const encs[] = {"raw", "int", "hashtable", "zipmap", "linkedlist",
                                           "ziplist", "intset", "skiplist", "embstr",
                                           "quicklist", "stream", "listpack"};
        int enc = ke_enc(e);
        char tmp[24];
        size_t len = ke_type(e) == OBJ_STRING ? ke_str(e, tmp).len : 0;
        char line[256];
        snprintf(line, sizeof(line),
                 "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%llu "
                 "lru_seconds_idle:%llu",
                 (void *)e, enc >= 0 && enc < 12 ? encs[enc] : "unknown", len,
                 (unsigned long long)0, (unsigned long long)(ke_idle_ms(e) / 1000));
        ks_unlock(shard);
        reply_status(c, line);
    } else if (slice_is(sub, "RELOAD")) {
        debug_reload(c);
    } else if (slice_is(sub, "LOG-ROTATE") && c->argc == 2) {
        /* Rotates the log file now, as if its hour or day had ended (tests). */
        if (log_rotate_now() < 0)
            reply_error(c, "ERR no log file, or log-rotation is never");
        else
            reply_ok(c);
    } else if (slice_is(sub, "HELP")) {
        reply_array(c, 5);
        reply_status(c, "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        reply_status(c, "SLEEP <seconds>, SET-ACTIVE-EXPIRE <0|1>, OBJECT <key>,");
        reply_status(c, "RELOAD: saves the dataset, empties it and loads it back.");
        reply_status(c, "LOG-ROTATE, QUICKLIST-PACKED-THRESHOLD, HELP");
        reply_status(c, "Debugging commands; not for production use.");
    } else {
        reply_err_subcommand_args(c);
    }
}

/* ---------------------------------------------------------------- INFO */

typedef struct info_ctx {
    client *c;
    buf *out;
    int all, everything, dflt;
    slice *want;
    int nwant;
} info_ctx;

static void header(info_ctx *ic, const char *title)
{
    if (ic->out->len) buf_puts(ic->out, "\r\n");
    buf_printf(ic->out, "# %s\r\n", title);
}

static void info_server(info_ctx *ic)
{
    struct utsname u;
    uname(&u);
    uint64_t up = (now_ms() - srv.start_ms) / 1000;
    header(ic, "Server");
    buf_printf(ic->out,
               "redis_version:%s\r\nkvik_version:%s\r\nredis_git_sha1:00000000\r\n"
               "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\n"
               "os:%s %s %s\r\narch_bits:%d\r\nmonotonic_clock:POSIX clock_gettime\r\n"
               "multiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:%d.%d.%d\r\n"
               "process_id:%d\r\nprocess_supervised:no\r\nrun_id:%s\r\ntcp_port:%d\r\n"
               "server_time_usec:%llu\r\nuptime_in_seconds:%llu\r\nuptime_in_days:%llu\r\n"
               "hz:%d\r\nconfigured_hz:%d\r\nlru_clock:%llu\r\nexecutable:%s\r\n"
               "config_file:%s\r\nio_threads_active:0\r\nthreads:%d\r\n",
               KVIK_REDIS_COMPAT_VERSION, KVIK_VERSION, u.sysname, u.release, u.machine,
               (int)(sizeof(void *) * 8),
#ifdef __GNUC__
               __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
               0, 0, 0,
#endif
               (int)srv.pid, srv.run_id, cfg.port, (unsigned long long)now_us(),
               (unsigned long long)up, (unsigned long long)(up / 86400), cfg.hz, cfg.hz,
               (unsigned long long)((now_ms() / 1000) & 0xFFFFFF), "kvik-server",
               cfg_file_path ? cfg_file_path : "", srv.nworkers);
}

static void info_clients(info_ctx *ic)
{
    size_t max_in = 0, max_out = 0;
    int blocked = 0, pubsub = 0;
    pthread_mutex_lock(&srv.clients_lock);
    for (int w = 0; w < srv.nworkers; w++)
        for (client *c = srv.workers[w].clients; c; c = c->next) {
            if (c->qbuf.cap > max_in) max_in = c->qbuf.cap;
            if (c->out.cap > max_out) max_out = c->out.cap;
            blocked += (c->flags & CL_BLOCKED) != 0;
            pubsub += (c->flags & CL_PUBSUB) != 0;
        }
    pthread_mutex_unlock(&srv.clients_lock);
    header(ic, "Clients");
    buf_printf(ic->out,
               "connected_clients:%d\r\ncluster_connections:0\r\nmaxclients:%d\r\n"
               "client_recent_max_input_buffer:%zu\r\nclient_recent_max_output_buffer:%zu\r\n"
               "blocked_clients:%d\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n"
               "pubsub_clients:%d\r\n",
               atomic_load(&srv.nclients), cfg.maxclients, max_in, max_out, blocked, pubsub);
    if (cfg.tls_port || cfg.tls_native_port) {
        tls_counters tc;
        tls_get_counters(&tc);
        buf_printf(ic->out, "tls_connected_clients:%lld\r\n", tc.open);
    }
}

static void human(char *out, size_t n, unsigned long long v)
{
    util_bytes_human(out, n, v);
}

static void info_memory(info_ctx *ic)
{
    /* Allocator figures first: jemalloc sets up its statistics (a few hundred
     * KB) on the first read, and the RSS read after it includes them, so the
     * first INFO does not report an RSS that the second one exceeds. */
    size_t allocated, active, resident;
    mem_allocator_stats(&allocated, &active, &resident);
    size_t used = mem_used(), rss = mem_rss(), overhead = ks_overhead();
    size_t peak = mem_peak_update();
    char h1[32], h2[32], h3[32];
    human(h1, sizeof(h1), used);
    human(h2, sizeof(h2), rss);
    human(h3, sizeof(h3), cfg.maxmemory);
    static const char *const policies[] = {"noeviction", "allkeys-lru", "allkeys-lfu",
                                           "allkeys-random", "volatile-lru", "volatile-lfu",
                                           "volatile-random", "volatile-ttl"};
    header(ic, "Memory");
    buf_printf(ic->out,
               "used_memory:%zu\r\nused_memory_human:%s\r\nused_memory_rss:%zu\r\n"
               "used_memory_rss_human:%s\r\nused_memory_peak:%zu\r\nused_memory_overhead:%zu\r\n"
               "used_memory_dataset:%zu\r\nallocator_allocated:%zu\r\nallocator_active:%zu\r\n"
               "allocator_resident:%zu\r\nmaxmemory:%llu\r\nmaxmemory_human:%s\r\n"
               "maxmemory_policy:%s\r\nmem_fragmentation_ratio:%.2f\r\nmem_allocator:%s\r\n"
               "lazyfree_pending_objects:0\r\n",
               used, h1, rss, h2, peak, overhead, used > overhead ? used - overhead : 0,
               allocated, active, resident, cfg.maxmemory, h3,
               policies[cfg.maxmemory_policy & 7], used ? (double)rss / (double)used : 0.0,
               mem_allocator_name());
}

static void info_persistence(info_ctx *ic)
{
    header(ic, "Persistence");
    buf_puts(ic->out, "loading:0\r\nasync_loading:0\r\n");
    snapshot_info(ic->out);
    aof_info(ic->out);
}

/* A worker_stats counter summed over the workers. */
static uint64_t worker_sum(size_t offset)
{
    uint64_t v = 0;
    for (int i = 0; i < srv.nworkers; i++)
        v += counter_get((const counter *)((const char *)srv.workers[i].stats + offset));
    return v;
}
#define WSUM(field) worker_sum(offsetof(worker_stats, field))

static void info_stats(info_ctx *ic)
{
    ks_totals ks;
    ks_stats_sum(&ks);
    uint64_t up = now_ms() - srv.start_ms;
    double secs = up ? (double)up / 1000.0 : 1.0;
    header(ic, "Stats");
    buf_printf(ic->out,
               "total_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
               "instantaneous_ops_per_sec:%llu\r\ntotal_net_input_bytes:%llu\r\n"
               "total_net_output_bytes:%llu\r\nrejected_connections:%llu\r\n"
               "expired_keys:%lld\r\nexpired_stale_perc:%.2f\r\n"
               "expired_time_cap_reached_count:%lld\r\nexpire_cycle_cpu_milliseconds:%lld\r\n"
               "evicted_keys:%lld\r\nevicted_clients:0\r\nkeyspace_hits:%lld\r\n"
               "keyspace_misses:%lld\r\npubsub_channels:%zu\r\npubsub_patterns:%zu\r\n"
               "pubsubshard_channels:%zu\r\n"
               "total_error_replies:%llu\r\ntotal_reads_processed:%llu\r\n"
               "total_writes_processed:%llu\r\nclient_query_buffer_limit_disconnections:%llu\r\n"
               "client_output_buffer_limit_disconnections:%llu\r\n",
               (unsigned long long)WSUM(conns_received), (unsigned long long)WSUM(commands),
               (unsigned long long)((double)WSUM(commands) / secs), (unsigned long long)WSUM(net_in),
               (unsigned long long)WSUM(net_out), (unsigned long long)WSUM(rejected_conns), ks.expired,
               (double)ks.expired_stale_perc_x100 / 100.0, ks.expired_time_cap_reached,
               ks.expire_cycle_cpu_us / 1000, ks.evicted, ks.hits, ks.misses,
               pubsub_names(-1, PS_CHANNEL), pubsub_names(-1, PS_PATTERN),
               pubsub_names(-1, PS_SHARD),
               (unsigned long long)WSUM(errors_total), (unsigned long long)WSUM(io_reads),
               (unsigned long long)WSUM(io_writes),
               (unsigned long long)WSUM(client_qbuf_limit_disconnections),
               (unsigned long long)WSUM(client_obuf_limit_disconnections));
    if (cfg.tls_port || cfg.tls_native_port) {
        tls_counters tc;
        tls_get_counters(&tc);
        buf_printf(ic->out, "tls_handshakes:%lld\r\ntls_handshake_failures:%lld\r\n",
                   tc.handshakes, tc.failed);
    }
}

static void info_replication(info_ctx *ic)
{
    header(ic, "Replication");
    buf_printf(ic->out, "role:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n"
                        "master_replid:%s\r\nmaster_repl_offset:0\r\n",
               srv.run_id);
}

static void info_cpu(info_ctx *ic)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    header(ic, "CPU");
    buf_printf(ic->out,
               "used_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\n"
               "used_cpu_sys_children:%ld.%06ld\r\nused_cpu_user_children:%ld.%06ld\r\n",
               (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec,
               (long)self.ru_utime.tv_sec, (long)self.ru_utime.tv_usec,
               (long)kids.ru_stime.tv_sec, (long)kids.ru_stime.tv_usec,
               (long)kids.ru_utime.tv_sec, (long)kids.ru_utime.tv_usec);
}

static void cmdstat_line(void *priv, const command *cmd)
{
    info_ctx *ic = priv;
    struct {
        uint64_t calls, cycles, rejected, failed;
    } t = {0, 0, 0, 0};
    for (int i = 0; i < srv.nworkers; i++) {
        cmd_stat *s = &srv.workers[i].cmdstats[cmd->id];
        t.calls += counter_get(&s->calls);
        t.cycles += counter_get(&s->cycles);
        t.rejected += counter_get(&s->rejected);
        t.failed += counter_get(&s->failed);
    }
    if (!t.calls && !t.rejected && !t.failed) return;
    uint64_t usec = cycles_to_us(t.cycles);
    buf_printf(ic->out,
               "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
               "failed_calls=%llu\r\n",
               cmd->name, (unsigned long long)t.calls, (unsigned long long)usec,
               t.calls ? (double)usec / (double)t.calls : 0.0, (unsigned long long)t.rejected,
               (unsigned long long)t.failed);
}

static void info_commandstats(info_ctx *ic)
{
    header(ic, "Commandstats");
    cmd_foreach(cmdstat_line, ic);
}

static void info_errorstats(info_ctx *ic)
{
    header(ic, "Errorstats");
    /* Merge per-worker tables by code. */
    char codes[STATS_MAX_ERRCODES][32];
    uint64_t counts[STATS_MAX_ERRCODES];
    int n = 0;
    for (int w = 0; w < srv.nworkers; w++) {
        worker_stats *s = srv.workers[w].stats;
        int nerr = atomic_load_explicit(&s->nerr, memory_order_acquire);
        for (int i = 0; i < nerr; i++) {
            int j = 0;
            while (j < n && strcmp(codes[j], s->err[i].code)) j++;
            if (j == n) {
                if (n == STATS_MAX_ERRCODES) continue;
                snprintf(codes[n], sizeof(codes[n]), "%s", s->err[i].code);
                counts[n++] = 0;
            }
            counts[j] += counter_get(&s->err[i].count);
        }
    }
    for (int i = 0; i < n; i++)
        buf_printf(ic->out, "errorstat_%s:count=%llu\r\n", codes[i], (unsigned long long)counts[i]);
}

static void info_keyspace(info_ctx *ic)
{
    header(ic, "Keyspace");
    for (int i = 0; i < ks_databases(); i++) {
        ks_db *db = ns_db(ic->c, i); /* the caller's namespace, numbered from 0 */
        size_t keys = ks_dbsize(db);
        if (!keys) continue;
        buf_printf(ic->out, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, keys,
                   ks_db_expires(db), ks_db_avg_ttl(db));
    }
}

typedef struct info_section {
    const char *name;
    void (*fn)(info_ctx *);
    int in_default;
} info_section;

static const info_section sections[] = {
    {"server", info_server, 1},           {"clients", info_clients, 1},
    {"memory", info_memory, 1},           {"persistence", info_persistence, 1},
    {"stats", info_stats, 1},             {"replication", info_replication, 1},
    {"cpu", info_cpu, 1},                 {"commandstats", info_commandstats, 0},
    {"errorstats", info_errorstats, 1},   {"keyspace", info_keyspace, 1},
};

static void cmd_info(client *c)
{
    buf out = BUF_INIT;
    info_ctx ic = {.c = c, .out = &out, .want = c->argv + 1, .nwant = c->argc - 1};
    if (c->argc == 1) ic.dflt = 1;
    for (int i = 1; i < c->argc; i++) {
        if (slice_is(c->argv[i], "all")) ic.all = 1;
        if (slice_is(c->argv[i], "everything")) ic.everything = 1;
        if (slice_is(c->argv[i], "default")) ic.dflt = 1;
    }
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        const info_section *s = &sections[i];
        int want = ic.everything || (ic.all && strcmp(s->name, "commandstats")) ||
                   (ic.dflt && s->in_default);
        if (ic.all && !strcmp(s->name, "commandstats")) want = 1;
        for (int k = 0; !want && k < ic.nwant; k++) want = slice_is(ic.want[k], s->name);
        if (want) s->fn(&ic);
    }
    reply_verbatim(c, out.p ? out.p : "", out.len, "txt");
    buf_free(&out);
}

/* ---------------------------------------------------------------- table */

#define SRV_CMD(...) {.group = "server", __VA_ARGS__}

command server_commands[] = {
    SRV_CMD(.name = "info", .proc = cmd_info, .arity = -1,
            .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_DANGEROUS, .since = "1.0.0",
            .summary = "Reports server state and statistics.", .complexity = "O(1)",
            .args = "[section [section ...]]"),
    SRV_CMD(.name = "dbsize", .proc = cmd_dbsize, .arity = 1,
            .flags = CMD_READONLY | CMD_FAST | CMD_ALL_SHARDS,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, .since = "1.0.0",
            .summary = "Counts the keys of the selected database.", .complexity = "O(1)"),
    SRV_CMD(.name = "flushdb", .proc = cmd_flushdb, .arity = -1,
            .flags = CMD_WRITE | CMD_ALL_SHARDS,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .since = "1.0.0",
            .summary = "Deletes every key of the selected database.",
            .complexity = "O(N) in keys", .args = "[ASYNC | SYNC]"),
    SRV_CMD(.name = "flushall", .proc = cmd_flushall, .arity = -1,
            .flags = CMD_WRITE | CMD_ALL_SHARDS,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .since = "1.0.0",
            .summary = "Deletes every key of every database.", .complexity = "O(N) in keys",
            .args = "[ASYNC | SYNC]"),
    SRV_CMD(.name = "swapdb", .proc = cmd_swapdb, .arity = 3,
            .flags = CMD_WRITE | CMD_FAST | CMD_ALL_SHARDS,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST | ACL_DANGEROUS, .since = "4.0.0",
            .summary = "Exchanges the contents of two databases.", .complexity = "O(1)",
            .args = "index1 index2"),
    SRV_CMD(.name = "time", .proc = cmd_time, .arity = 1,
            .flags = CMD_LOADING | CMD_STALE | CMD_FAST, .acl = ACL_FAST, .since = "2.6.0",
            .summary = "Returns the server's clock.", .complexity = "O(1)"),
    SRV_CMD(.name = "lastsave", .proc = cmd_lastsave, .arity = 1,
            .flags = CMD_LOADING | CMD_STALE | CMD_FAST, .acl = ACL_ADMIN | ACL_FAST | ACL_DANGEROUS,
            .since = "1.0.0", .summary = "Returns the Unix time of the last snapshot.",
            .complexity = "O(1)"),
    SRV_CMD(.name = "shutdown", .proc = cmd_shutdown, .arity = -1,
            .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_MULTI |
                     CMD_ALLOW_BUSY | CMD_ALL_SHARDS,
            .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "1.0.0",
            .summary = "Stops the server.", .complexity = "O(N) with a save",
            .args = "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]"),
    SRV_CMD(.name = "debug", .proc = cmd_debug, .arity = -2,
            .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALL_SHARDS,
            .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "1.0.0",
            .summary = "Debugging and testing aids.", .complexity = "Depends on subcommand.",
            .args = "subcommand [argument ...]"),
    SRV_CMD(.name = "config", .arity = -2, .acl = ACL_SLOW, .since = "2.0.0",
            .summary = "Reads and changes the server's settings.",
            .complexity = "Depends on subcommand.", .subs = config_subcommands),
    {0},
};
