/* server/cmd_memory.c — MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE |
 * HELP, with Redis 7.0's reply shapes and field names.
 *
 * Figures come from the same sources as INFO memory: the allocation counters
 * of core/mem.c (used, peak), the allocator's own statistics, /proc for RSS,
 * and the keyspace's table sizes. MEMORY USAGE is exact (an entry's own bytes
 * plus its value's, from the type's accounting), so SAMPLES is checked but
 * does not change the answer.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/client.h"
#include "server/cmdtab.h"
#include "server/namespace.h"
#include "server/worker.h"

/* ---------------------------------------------------------------- USAGE */

static void cmd_memory_usage(client *c)
{
    for (int i = 3; i < c->argc; i += 2) {
        long long samples;
        if (!slice_is(c->argv[i], "samples") || i + 1 >= c->argc) {
            reply_error(c, "ERR syntax error");
            return;
        }
        if (arg_ll(c, c->argv[i + 1], &samples) < 0) return;
        if (samples < 0) {
            reply_error(c, "ERR syntax error");
            return;
        }
    }
    kentry *e = ks_lookup(c->db, c->argv[2], KS_WRITE | KS_NOTOUCH);
    if (!e) {
        reply_null(c);
        return;
    }
    reply_int(c, (long long)ks_entry_mem(e));
}

/* ---------------------------------------------------------------- STATS */

typedef struct mem_figures {
    size_t peak, total, startup, clients;
    size_t allocated, active, resident, rss;
    size_t db_keys[64], db_expires[64]; /* per database of the caller's namespace */
    long long db_count[64];
    int ndbs;
    size_t tables;
    long long keys;
} mem_figures;

/* Buffers (the workers' running totals) and structures of the connected
 * clients. */
static size_t clients_memory(void)
{
    return clients_buffer_memory() + sizeof(client) * (size_t)atomic_load(&srv.nclients);
}

static void gather(client *c, mem_figures *f)
{
    memset(f, 0, sizeof(*f));
    mem_allocator_stats(&f->allocated, &f->active, &f->resident);
    f->rss = mem_rss();
    f->total = mem_used();
    f->peak = mem_peak_update();
    f->startup = srv.startup_mem;
    f->clients = clients_memory();
    int dbs = ks_databases();
    for (int i = 0; i < dbs; i++) {
        ks_db *db = ns_db(c, i);
        if (!db) continue;
        long long keys = ks_db_keys(db);
        size_t k, x;
        ks_db_overhead(db, &k, &x);
        f->keys += keys;
        f->tables += k + x;
        if (!keys || f->ndbs == 64) continue; /* db.N fields: the first 64 non-empty */
        f->db_count[f->ndbs] = i;
        f->db_keys[f->ndbs] = k;
        f->db_expires[f->ndbs] = x;
        f->ndbs++;
    }
}

static double ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static size_t minus(size_t a, size_t b)
{
    return a > b ? a - b : 0;
}

static void field_int(client *c, const char *name, long long v)
{
    reply_bulk(c, name, strlen(name));
    reply_int(c, v);
}

static void field_double(client *c, const char *name, double v)
{
    reply_bulk(c, name, strlen(name));
    reply_double(c, v);
}

static void cmd_memory_stats(client *c)
{
    mem_figures f;
    gather(c, &f);
    size_t overhead = f.startup + f.clients + f.tables;
    size_t net = minus(f.total, f.startup), dataset = minus(f.total, overhead);
    reply_map(c, 27 + (size_t)f.ndbs);
    field_int(c, "peak.allocated", (long long)f.peak);
    field_int(c, "total.allocated", (long long)f.total);
    field_int(c, "startup.allocated", (long long)f.startup);
    field_int(c, "replication.backlog", 0);
    field_int(c, "clients.slaves", 0);
    field_int(c, "clients.normal", (long long)f.clients);
    field_int(c, "cluster.links", 0);
    field_int(c, "aof.buffer", 0);
    field_int(c, "lua.caches", 0);
    field_int(c, "functions.caches", 0);
    for (int i = 0; i < f.ndbs; i++) {
        char name[32];
        snprintf(name, sizeof(name), "db.%lld", f.db_count[i]);
        reply_bulk(c, name, strlen(name));
        reply_map(c, 3);
        field_int(c, "overhead.hashtable.main", (long long)f.db_keys[i]);
        field_int(c, "overhead.hashtable.expires", (long long)f.db_expires[i]);
        field_int(c, "overhead.hashtable.slot-to-keys", 0);
    }
    field_int(c, "overhead.total", (long long)overhead);
    field_int(c, "keys.count", f.keys);
    field_int(c, "keys.bytes-per-key", f.keys ? (long long)(net / (size_t)f.keys) : 0);
    field_int(c, "dataset.bytes", (long long)dataset);
    field_double(c, "dataset.percentage", 100.0 * ratio(dataset, net));
    field_double(c, "peak.percentage", 100.0 * ratio(f.total, f.peak));
    field_int(c, "allocator.allocated", (long long)f.allocated);
    field_int(c, "allocator.active", (long long)f.active);
    field_int(c, "allocator.resident", (long long)f.resident);
    field_double(c, "allocator-fragmentation.ratio", ratio(f.active, f.allocated));
    field_int(c, "allocator-fragmentation.bytes", (long long)minus(f.active, f.allocated));
    field_double(c, "allocator-rss.ratio", ratio(f.resident, f.active));
    field_int(c, "allocator-rss.bytes", (long long)minus(f.resident, f.active));
    field_double(c, "rss-overhead.ratio", ratio(f.rss, f.resident));
    field_int(c, "rss-overhead.bytes", (long long)minus(f.rss, f.resident));
    field_double(c, "fragmentation", ratio(f.rss, f.total));
    field_int(c, "fragmentation.bytes", (long long)minus(f.rss, f.total));
}

/* ---------------------------------------------------------------- DOCTOR */

/* Looks for the usual memory problems and says what it found, in plain words. */
static void cmd_memory_doctor(client *c)
{
    mem_figures f;
    gather(c, &f);
    buf out = BUF_INIT;
    if (f.total < 5 * 1024 * 1024) {
        buf_puts(&out, "This server holds less than 5 MB: too little data for a memory "
                       "diagnosis. Ask again once it holds your data.\n");
    } else {
        int found = 0;
        if (f.peak > f.total + f.total / 2) {
            buf_printf(&out, "* Peak: the server once used %zu bytes, more than 150%% of the "
                             "%zu it uses now. Memory the allocator keeps after a peak makes "
                             "RSS and fragmentation figures look high; MEMORY PURGE returns "
                             "what it can.\n",
                       f.peak, f.total);
            found = 1;
        }
        if (ratio(f.rss, f.total) > 1.4 && minus(f.rss, f.total) > 10 * 1024 * 1024) {
            buf_printf(&out, "* Fragmentation: the process holds %zu bytes of RSS for %zu "
                             "bytes in use (ratio %.2f). MEMORY PURGE may give some back.\n",
                       f.rss, f.total, ratio(f.rss, f.total));
            found = 1;
        }
        if (f.clients > f.total / 4 && f.clients > 16 * 1024 * 1024) {
            buf_printf(&out, "* Clients: connection buffers take %zu bytes, over a quarter of "
                             "the memory in use. Look for clients that pipeline without "
                             "reading replies (CLIENT LIST omem, qbuf) and for "
                             "client-output-buffer-limit.\n",
                       f.clients);
            found = 1;
        }
        if (!found) buf_puts(&out, "No memory problem found.\n");
    }
    reply_verbatim(c, out.p, out.len, "txt");
    buf_free(&out);
}

/* ---------------------------------------------------------------- the rest */

static void cmd_memory_malloc_stats(client *c)
{
    buf out = BUF_INIT;
    mem_allocator_report(&out);
    reply_verbatim(c, out.p ? out.p : "", out.len, "txt");
    buf_free(&out);
}

static void cmd_memory_purge(client *c)
{
    mem_purge();
    reply_ok(c);
}

static void cmd_memory_help(client *c)
{
    static const char *const help[] = {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Looks for memory problems and reports them.",
        "MALLOC-STATS",
        "    The memory allocator's own statistics report.",
        "PURGE",
        "    Gives the allocator's unused dirty pages back to the system.",
        "STATS",
        "    Where the server's memory goes.",
        "USAGE <key> [SAMPLES <count>]",
        "    Bytes used by <key> and its value (exact: SAMPLES is accepted and ignored).",
        "HELP",
        "    Prints this help.",
        NULL,
    };
    reply_help(c, help);
}

#define MEMORY_SUB(sname, fn, ar, fl, acls, sum, cplx, syntax)                              \
    {                                                                                       \
        .name = "memory|" sname, .proc = fn, .arity = ar, .flags = fl, .acl = acls,         \
        .group = "server", .since = "4.0.0", .summary = sum, .complexity = cplx,            \
        .args = syntax                                                                      \
    }

static command memory_subcommands[] = {
    {.name = "memory|usage", .proc = cmd_memory_usage, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SLOW, .keys = {.first = 2, .last = 2, .step = 1}, .group = "server",
     .since = "4.0.0", .summary = "Estimates the memory usage of a key.",
     .complexity = "O(N) where N is the number of samples.", .args = "key [SAMPLES count]",
     .key_flags = "RO"},
    MEMORY_SUB("stats", cmd_memory_stats, 2, 0, ACL_SLOW,
               "Returns details about memory usage.", "O(1)", NULL),
    MEMORY_SUB("doctor", cmd_memory_doctor, 2, 0, ACL_SLOW,
               "Outputs a memory problems report.", "O(1)", NULL),
    MEMORY_SUB("malloc-stats", cmd_memory_malloc_stats, 2, 0, ACL_SLOW,
               "Returns the allocator statistics.",
               "Depends on how much memory is allocated, could be slow", NULL),
    MEMORY_SUB("purge", cmd_memory_purge, 2, 0, ACL_SLOW,
               "Asks the allocator to release memory.",
               "Depends on how much memory is allocated, could be slow", NULL),
    MEMORY_SUB("help", cmd_memory_help, 2, CMD_LOADING | CMD_STALE, ACL_SLOW,
               "Returns helpful text about the different subcommands.", "O(1)", NULL),
    {0},
};

command memory_commands[] = {
    {.name = "memory", .arity = -2, .acl = ACL_SLOW, .group = "server", .since = "4.0.0",
     .summary = "A container for memory diagnostics commands.",
     .complexity = "Depends on subcommand.", .subs = memory_subcommands},
    {0},
};
