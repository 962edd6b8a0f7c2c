/* server/aof.c — the append-only file (see aof.h).
 *
 *   workers (shard locks held)            log thread
 *   aof_feed: lock; append RESP to   -->  lock write_lock; take `pending`
 *             pending; signal             and the fd; write; fsync as
 *                                         appendfsync says; publish `synced`;
 *                                         wake workers holding replies
 *
 * Files live in appenddirname; the manifest lists the base (a snapshot) and
 * the incremental files in order. The manifest is replaced atomically
 * (temporary file, fsync, rename), so a crash leaves either the old list or
 * the new one.
 */
#include "server/aof.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/client.h"
#include "server/multi.h"
#include "server/namespace.h"
#include "server/snapshot.h"
#include "server/stats.h"

#define MAX_INCR 64
#define MAX_WORKERS_WAKE 256

typedef struct aof_file {
    char name[256];
    long long seq;
    char type; /* 'b' base, 'i' incremental */
} aof_file;

static struct {
    _Atomic int on;
    pthread_mutex_t lock;       /* pending, last_db, appended, fd, files */
    pthread_mutex_t write_lock; /* held by whoever writes to the files */
    pthread_cond_t cond;
    buf pending;
    int last_db;                /* keyspace id last SELECTed in the log, -1 unknown */
    int last_ns;                /* namespace the log is in (namespace.h) */
    long long appended;         /* bytes fed since start */
    _Atomic long long synced;   /* bytes on disk as appendfsync requires */
    int fd;
    long long incr_size, base_size;
    pthread_t tid;
    int stop, running;
    aof_file base;
    int has_base;
    aof_file incr[MAX_INCR];
    int nincr;
    uint64_t last_fsync_ms;
    _Atomic int write_ok;
    int write_errno;
    _Atomic int want_wake[MAX_WORKERS_WAKE];
    /* rewrite */
    _Atomic int rewriting, scheduled;
    uint64_t rewrite_start_ms;
    long long last_rewrite_secs, rewrites;
    int last_rewrite_ok;
    aof_file new_base;
} aof = {.lock = PTHREAD_MUTEX_INITIALIZER, .write_lock = PTHREAD_MUTEX_INITIALIZER,
         .cond = PTHREAD_COND_INITIALIZER, .fd = -1, .last_db = -1, .write_ok = 1,
         .last_rewrite_secs = -1, .last_rewrite_ok = 1};

int aof_enabled(void)
{
    return atomic_load(&aof.on);
}

int aof_write_blocked(void)
{
    return aof_enabled() && !atomic_load(&aof.write_ok);
}

/* ---------------------------------------------------------------- files */

static void path_of(char *out, size_t size, const char *name)
{
    int n = snprintf(out, size, "%s/%s", cfg.appenddirname, name);
    if (n < 0 || (size_t)n >= size) out[0] = 0; /* cannot happen: names are bounded */
}

static void manifest_path(char *out, size_t size)
{
    char name[300];
    snprintf(name, sizeof(name), "%s.manifest", cfg.appendfilename);
    path_of(out, size, name);
}

static void file_name(aof_file *f, long long seq, char type)
{
    f->seq = seq;
    f->type = type;
    snprintf(f->name, sizeof(f->name), "%s.%lld.%s", cfg.appendfilename, seq,
             type == 'b' ? "base.rdb" : "incr.aof");
}

static void fsync_dir(void)
{
    int fd = open(cfg.appenddirname, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Writes the manifest: base (if any) and the incremental files. */
static int write_manifest(const aof_file *base, const aof_file *incr, int nincr)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    manifest_path(path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        log_warning("Can't write the AOF manifest %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (base) fprintf(f, "file %s seq %lld type b\n", base->name, base->seq);
    for (int i = 0; i < nincr; i++) fprintf(f, "file %s seq %lld type i\n", incr[i].name, incr[i].seq);
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) < 0) {
        log_warning("Can't write the AOF manifest %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    fsync_dir();
    return 0;
}

/* Reads the manifest: 1 read, 0 none, -1 malformed (logged). */
static int read_manifest(void)
{
    char path[PATH_MAX];
    manifest_path(path, sizeof(path));
    FILE *f = fopen(path, "r");
    if (!f) return errno == ENOENT ? 0 : -1;
    char line[1024];
    int lineno = 0, rc = 1;
    aof.has_base = 0;
    aof.nincr = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n') continue;
        char name[256], type;
        long long seq;
        if (sscanf(line, "file %255s seq %lld type %c", name, &seq, &type) != 3 ||
            strchr(name, '/') || (type != 'b' && type != 'i' && type != 'h')) {
            log_warning("Bad AOF manifest %s at line %d", path, lineno);
            rc = -1;
            break;
        }
        if (type == 'h') continue; /* history: no longer part of the data */
        aof_file *af = type == 'b' ? &aof.base : aof.nincr < MAX_INCR ? &aof.incr[aof.nincr++] : NULL;
        if (!af) {
            log_warning("AOF manifest %s lists too many files", path);
            rc = -1;
            break;
        }
        snprintf(af->name, sizeof(af->name), "%s", name);
        af->seq = seq;
        af->type = type;
        if (type == 'b') aof.has_base = 1;
    }
    fclose(f);
    return rc;
}

/* ---------------------------------------------------------------- loading */

void aof_replay_init(replay *r)
{
    memset(r, 0, sizeof(*r));
    r->w.cmdstats = mem_calloc(sizeof(cmd_stat) * (size_t)(cmd_total_ids() + 1));
    r->w.stats = mem_calloc(sizeof(worker_stats));
    r->c.w = &r->w;
    r->c.flags = CL_AUTHENTICATED | CL_PENDING_WRITE;
    r->c.obuf_check_at = (size_t)-1;
    r->c.db = ks_db_at(0);
    client_set_resp(&r->c, 2);
}

void aof_replay_free(replay *r)
{
    multi_reset(&r->c);
    ns_client_gone(&r->c);
    buf_free(&r->c.out);
    mem_free(r->c.argv);
    mem_free(r->w.cmdstats);
    mem_free(r->w.stats);
}

/* Only writes (and SELECT, MULTI, EXEC) belong in a log: anything else in
 * one means the file is not what it claims, and running it could do harm
 * (SHUTDOWN, CONFIG SET, DEBUG SLEEP). */
static int loggable(const slice *argv, int argc)
{
    const command *cmd = cmd_lookup(argv, argc);
    if (!cmd || !cmd->proc) return 0;
    if (cmd->flags & CMD_WRITE) return 1;
    return !strcmp(cmd->name, "select") || !strcmp(cmd->name, "multi") ||
           !strcmp(cmd->name, "exec") || !strcmp(cmd->name, "namespace|use");
}

int aof_replay(replay *r, char *p, size_t len, size_t *good, size_t *bad_at)
{
    client check = {0}; /* r == NULL: parse and check, run nothing */
    client *c = r ? &r->c : &check;
    resp_reader rd;
    resp_reader_init(&rd);
    resp_limits lim = {.max_bulk = (size_t)cfg.proto_max_bulk_len, .max_args = 1u << 20,
                       .max_inline = 64 * 1024};
    size_t pos = 0, multi_at = 0;
    int rc = 0;
    while (pos < len) {
        size_t consumed = 0;
        int st = p[pos] == '*' ? resp_read_command(&rd, &lim, p + pos, len - pos, &consumed)
                               : RESP_ERROR;
        if (st == RESP_AGAIN) break;
        if (st == RESP_OK && rd.argc) {
            if ((size_t)c->argv_cap < rd.argc) {
                mem_free(c->argv);
                c->argv_cap = (int)rd.argc;
                c->argv = mem_alloc(sizeof(slice) * rd.argc);
            }
            for (size_t i = 0; i < rd.argc; i++)
                c->argv[i] = slice_of(p + pos + rd.argv[i].off, rd.argv[i].len);
            c->argc = (int)rd.argc;
            if (!loggable(c->argv, c->argc)) st = RESP_ERROR;
        }
        if (st == RESP_ERROR) {
            *bad_at = pos;
            rc = -1;
            break;
        }
        if (rd.argc) {
            if (!(c->flags & CL_MULTI)) multi_at = pos;
            if (r) {
                dispatch(c);
                c->out.len = 0;
                /* The writes that follow belong to that namespace: going on
                 * in another one would mix namespaces (max-namespaces too
                 * low for the log, say). */
                if (c->cmd_failed && c->cmd && !strcmp(c->cmd->name, "namespace|use")) {
                    log_warning("AOF: can't enter a namespace the log names (see "
                                "max-namespaces)");
                    *bad_at = pos;
                    rc = -1;
                    break;
                }
            } else if (slice_is(c->argv[0], "MULTI")) {
                c->flags |= CL_MULTI;
            } else if (slice_is(c->argv[0], "EXEC")) {
                c->flags &= ~CL_MULTI;
            }
        }
        pos += consumed;
    }
    /* A transaction or a command cut short at the end. */
    *good = (c->flags & CL_MULTI) ? multi_at : pos;
    if (r) multi_reset(c);
    mem_free(check.argv);
    resp_reader_free(&rd);
    return rc;
}

/* Maps a log file privately writable (the RESP reader may change bytes in
 * place). Returns the fd (the caller closes it and unmaps *p) or -1 with
 * err set. */
static int map_file(const char *path, char **p, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "Can't open the append only file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    fstat(fd, &sb);
    *len = (size_t)sb.st_size;
    *p = *len ? mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) : NULL;
    if (*len && *p == MAP_FAILED) {
        snprintf(err, errlen, "Can't map the append only file %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Runs the commands of one log file. last: the final file (a cut-short
 * tail may be dropped there). Returns 0 or -1 (logged). */
static int replay_file(replay *r, const char *path, int last)
{
    char *p, err[PATH_MAX + 100];
    size_t len;
    int fd = map_file(path, &p, &len, err, sizeof(err));
    if (fd < 0) {
        log_warning("%s", err);
        return -1;
    }
    size_t good = 0, bad_at = 0;
    const char *nserr;
    ns_bind(&r->c, "", &nserr); /* each file starts in the default namespace */
    int rc = aof_replay(r, p, len, &good, &bad_at);
    if (rc < 0) {
        log_warning("Bad file format reading the append only file %s at offset %zu", path, bad_at);
    } else if (good < len) {
        if (last && cfg.aof_load_truncated) {
            log_warning("!!! Warning: short read while loading the AOF file %s!!! Truncating the "
                        "AOF at offset %zu (cut-short command or unfinished MULTI dropped)",
                        path, good);
            if (ftruncate(fd, (off_t)good) < 0) rc = -1;
        } else {
            log_warning("Unexpected end of file reading the append only file %s at offset %zu. "
                        "Set aof-load-truncated yes to load it anyway.", path, good);
            rc = -1;
        }
    }
    if (len) munmap(p, len);
    close(fd);
    return rc;
}

int aof_load(void)
{
    int m = read_manifest();
    if (m <= 0) return m;
    char path[PATH_MAX];
    struct stat sb;
    if (aof.has_base) {
        path_of(path, sizeof(path), aof.base.name);
        char err[1024];
        if (stat(path, &sb) == 0) aof.base_size = sb.st_size;
        if (snapshot_load(path, 0, NULL, err, sizeof(err)) <= 0) {
            log_warning("Can't load the AOF base %s: %s", path, err);
            return -1;
        }
    }
    replay r;
    aof_replay_init(&r);
    int rc = 0;
    for (int i = 0; i < aof.nincr && rc == 0; i++) {
        path_of(path, sizeof(path), aof.incr[i].name);
        rc = replay_file(&r, path, i == aof.nincr - 1);
    }
    /* Appends go on in the last file, where the replay ended up. */
    aof.last_ns = r.c.db ? ns_of_db(r.c.db) : 0;
    aof_replay_free(&r);
    if (rc < 0) return -1;
    log_notice("DB loaded from append only file");
    return 1;
}

/* ---------------------------------------------------------------- the log thread */

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void wake_waiters(void)
{
    for (int i = 0; i < srv.nworkers && i < MAX_WORKERS_WAKE; i++)
        if (atomic_exchange(&aof.want_wake[i], 0)) worker_post(&srv.workers[i], client_aof_unpark, NULL);
}

/* Writes what is pending; syncs as the policy says. Caller holds write_lock. */
static void write_pending(int force_sync)
{
    pthread_mutex_lock(&aof.lock);
    buf out = aof.pending;
    aof.pending = (buf){0};
    long long upto = aof.appended;
    int fd = aof.fd;
    pthread_mutex_unlock(&aof.lock);
    if (out.len && fd >= 0) {
        if (write_all(fd, out.p, out.len) < 0) {
            int e = errno;
            if (atomic_exchange(&aof.write_ok, 0))
                log_warning("Error writing to the AOF file: %s", strerror(e));
            aof.write_errno = e;
            /* Keep the bytes: put them back in front of what came since. */
            pthread_mutex_lock(&aof.lock);
            buf_insert(&aof.pending, 0, out.p, out.len);
            pthread_mutex_unlock(&aof.lock);
            buf_free(&out);
            return;
        }
        aof.incr_size += (long long)out.len;
        if (!atomic_exchange(&aof.write_ok, 1)) log_notice("AOF write error looks solved.");
    }
    buf_free(&out);
    uint64_t now = now_ms();
    int sync = force_sync || cfg.appendfsync == 0 ||
               (cfg.appendfsync == 1 && now - aof.last_fsync_ms >= 1000);
    if (sync && fd >= 0 && upto > atomic_load(&aof.synced)) {
        fdatasync(fd);
        aof.last_fsync_ms = now;
    }
    if (sync || cfg.appendfsync != 0) atomic_store(&aof.synced, upto);
    wake_waiters();
}

static void *log_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&aof.lock);
    while (!aof.stop) {
        if (!aof.pending.len) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&aof.cond, &aof.lock, &ts);
        }
        pthread_mutex_unlock(&aof.lock);
        if (!atomic_load(&aof.write_ok)) usleep(100 * 1000); /* failing disk: retry gently */
        pthread_mutex_lock(&aof.write_lock);
        write_pending(0);
        pthread_mutex_unlock(&aof.write_lock);
        pthread_mutex_lock(&aof.lock);
    }
    pthread_mutex_unlock(&aof.lock);
    return NULL;
}

static void start_thread(void)
{
    aof.stop = 0;
    aof.last_db = -1;
    atomic_store(&aof.on, 1);
    if (pthread_create(&aof.tid, NULL, log_main, NULL) == 0) aof.running = 1;
}

void aof_close(void)
{
    if (!aof.running) return;
    pthread_mutex_lock(&aof.lock);
    aof.stop = 1;
    pthread_cond_signal(&aof.cond);
    pthread_mutex_unlock(&aof.lock);
    pthread_join(aof.tid, NULL);
    aof.running = 0;
    pthread_mutex_lock(&aof.write_lock);
    write_pending(1);
    pthread_mutex_unlock(&aof.write_lock);
    atomic_store(&aof.on, 0);
    if (aof.fd >= 0) close(aof.fd);
    aof.fd = -1;
}

/* ---------------------------------------------------------------- feeding */

static void append_command(buf *b, const slice *argv, int argc)
{
    buf_printf(b, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        buf_printf(b, "$%zu\r\n", argv[i].len);
        buf_append(b, argv[i].p, argv[i].len);
        buf_append(b, "\r\n", 2);
    }
}

/* This thread fed the log since its last aof_kick. */
static _Thread_local int fed;

void aof_kick(void)
{
    if (!fed) return;
    fed = 0;
    pthread_mutex_lock(&aof.lock);
    pthread_cond_signal(&aof.cond);
    pthread_mutex_unlock(&aof.lock);
}

long long aof_feed(int dbid, const slice *argv, int argc)
{
    if (!aof_enabled()) return 0;
    pthread_mutex_lock(&aof.lock);
    if (dbid != aof.last_db) {
        size_t before = aof.pending.len;
        /* A namespace's databases are logged as NAMESPACE USE <name> + SELECT
         * <index>: a log without namespaces stays plain SELECTs. */
        int ns = dbid / ks_databases();
        char name[NS_NAME_MAX + 1];
        if (ns != aof.last_ns && ns_name_of(ns, name, sizeof(name)) == 0) {
            slice use[3] = {slice_of("NAMESPACE", 9), slice_of("USE", 3),
                            slice_of(name, strlen(name))};
            append_command(&aof.pending, use, 3);
            aof.last_ns = ns;
        }
        char num[16];
        int n = snprintf(num, sizeof(num), "%d", dbid % ks_databases());
        slice sel[2] = {slice_of("SELECT", 6), slice_of(num, (size_t)n)};
        append_command(&aof.pending, sel, 2);
        aof.appended += (long long)(aof.pending.len - before);
        aof.last_db = dbid;
    }
    size_t before = aof.pending.len;
    append_command(&aof.pending, argv, argc);
    aof.appended += (long long)(aof.pending.len - before);
    long long at = aof.appended;
    pthread_mutex_unlock(&aof.lock);
    fed = 1; /* the log thread is woken once per loop pass: aof_kick */
    return cfg.appendfsync == 0 ? at : 0;
}

int aof_must_wait(long long offset)
{
    return offset > atomic_load(&aof.synced) && aof_enabled();
}

void aof_want_wake(worker *w)
{
    if (w->id < MAX_WORKERS_WAKE) atomic_store(&aof.want_wake[w->id], 1);
}

/* ---------------------------------------------------------------- opening */

static int open_incr(const aof_file *f)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), f->name);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) log_warning("Can't open the append only file %s: %s", path, strerror(errno));
    return fd;
}

int aof_open(void)
{
    mkdir(cfg.appenddirname, 0755);
    int m = aof.nincr ? 1 : read_manifest();
    if (m < 0) return -1;
    if (m == 0 || !aof.nincr) {
        /* No log yet: today's data becomes its base. */
        char path[PATH_MAX], err[512];
        file_name(&aof.base, 1, 'b');
        path_of(path, sizeof(path), aof.base.name);
        if (snapshot_save(path, err, sizeof(err)) < 0) {
            log_warning("Can't create the AOF base: %s", err);
            return -1;
        }
        aof.has_base = 1;
        file_name(&aof.incr[0], 1, 'i');
        aof.nincr = 1;
        aof.last_ns = 0;
        aof.fd = open_incr(&aof.incr[0]);
        if (aof.fd < 0 || write_manifest(&aof.base, aof.incr, 1) < 0) return -1;
        log_notice("Creating AOF base file %s on server start", aof.base.name);
    } else {
        aof.fd = open_incr(&aof.incr[aof.nincr - 1]);
        if (aof.fd < 0) return -1;
        struct stat sb;
        if (fstat(aof.fd, &sb) == 0) aof.incr_size = sb.st_size;
    }
    start_thread();
    return 0;
}

/* ---------------------------------------------------------------- rewriting */

static long long next_seq(void)
{
    long long s = aof.has_base ? aof.base.seq : 0;
    for (int i = 0; i < aof.nincr; i++)
        if (aof.incr[i].seq > s) s = aof.incr[i].seq;
    return s + 1;
}

static void remove_file(const aof_file *f)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), f->name);
    unlink(path);
}

static void rewrite_done(int ok)
{
    long long secs = (long long)((now_ms() - aof.rewrite_start_ms + 500) / 1000);
    aof.last_rewrite_secs = secs;
    aof.last_rewrite_ok = ok;
    if (ok) {
        pthread_mutex_lock(&aof.lock);
        aof_file old_base = aof.base;
        int had_base = aof.has_base;
        aof_file old[MAX_INCR];
        int nold = aof.nincr - 1;
        memcpy(old, aof.incr, sizeof(aof_file) * (size_t)nold);
        aof.base = aof.new_base;
        aof.has_base = 1;
        aof.incr[0] = aof.incr[aof.nincr - 1];
        aof.nincr = 1;
        char path[PATH_MAX];
        struct stat sb;
        path_of(path, sizeof(path), aof.base.name);
        if (stat(path, &sb) == 0) aof.base_size = sb.st_size;
        int mrc = write_manifest(&aof.base, aof.incr, 1);
        pthread_mutex_unlock(&aof.lock);
        if (mrc == 0) {
            if (had_base && old_base.seq != aof.base.seq) remove_file(&old_base);
            for (int i = 0; i < nold; i++) remove_file(&old[i]);
        }
        aof.rewrites++;
        log_notice("Background AOF rewrite finished successfully");
    } else {
        log_warning("Background AOF rewrite failed");
    }
    atomic_store(&aof.rewriting, 0);
}

int aof_rewrite(char *err, size_t errlen)
{
    if (!aof_enabled()) {
        snprintf(err, errlen, "Background append only file rewriting needs appendonly yes");
        return -1;
    }
    if (atomic_load(&aof.rewriting)) {
        snprintf(err, errlen, "Background append only file rewriting already in progress");
        return -1;
    }
    if (snapshot_in_progress()) {
        atomic_store(&aof.scheduled, 1);
        return 1;
    }
    if (aof.nincr >= MAX_INCR) {
        snprintf(err, errlen, "too many incremental AOF files");
        return -1;
    }
    long long seq = next_seq();
    aof_file incr;
    file_name(&incr, seq, 'i');
    file_name(&aof.new_base, seq, 'b');
    char path[PATH_MAX];
    path_of(path, sizeof(path), aof.new_base.name);
    /* The instant: no command runs while every shard is held. */
    ks_lock_all();
    pthread_mutex_lock(&aof.write_lock);
    write_pending(1); /* everything before the instant goes to the old file */
    int fd = open_incr(&incr);
    int rc = -1;
    if (fd >= 0) {
        pthread_mutex_lock(&aof.lock);
        int old = aof.fd;
        aof.fd = fd;
        aof.incr[aof.nincr++] = incr;
        aof.incr_size = 0;
        aof.last_db = -1;
        aof.last_ns = 0; /* a file's replay starts in the default namespace */
        write_manifest(aof.has_base ? &aof.base : NULL, aof.incr, aof.nincr);
        pthread_mutex_unlock(&aof.lock);
        close(old);
        aof.rewrite_start_ms = now_ms();
        atomic_store(&aof.rewriting, 1);
        rc = snapshot_bgsave_to(path, rewrite_done, err, errlen);
        if (rc < 0) atomic_store(&aof.rewriting, 0);
    } else {
        snprintf(err, errlen, "Can't open a new AOF file: %s", strerror(errno));
    }
    pthread_mutex_unlock(&aof.write_lock);
    ks_unlock_all();
    if (rc == 0) log_notice("Background append only file rewriting started");
    return rc;
}

void aof_cron(void)
{
    if (!aof_enabled() || atomic_load(&aof.rewriting) || snapshot_in_progress()) return;
    char err[256];
    int due = atomic_exchange(&aof.scheduled, 0);
    long long base = aof.base_size > 0 ? aof.base_size : 1;
    if (!due && cfg.auto_aof_rewrite_percentage > 0 &&
        aof.incr_size >= cfg.auto_aof_rewrite_min_size &&
        aof.incr_size * 100 / base >= cfg.auto_aof_rewrite_percentage)
        due = 1;
    if (due && aof_rewrite(err, sizeof(err)) < 0) log_warning("AOF rewrite: %s", err);
}

int aof_set_enabled(int on, char *err, size_t errlen)
{
    if (on == aof_enabled()) return 0;
    if (!on) {
        aof_close();
        return 0;
    }
    /* Start a log from a snapshot of now, taken in the background. */
    mkdir(cfg.appenddirname, 0755);
    aof.has_base = 0;
    aof.nincr = 0;
    int m = read_manifest();
    if (m < 0) {
        snprintf(err, errlen, "bad AOF manifest");
        return -1;
    }
    long long seq = next_seq();
    file_name(&aof.incr[aof.nincr], seq, 'i');
    aof.fd = open_incr(&aof.incr[aof.nincr]);
    if (aof.fd < 0) {
        snprintf(err, errlen, "Can't open the append only file: %s", strerror(errno));
        return -1;
    }
    /* Until the base exists only the new file counts. */
    aof.has_base = 0;
    aof.incr[0] = aof.incr[aof.nincr];
    aof.nincr = 1;
    aof.last_ns = 0; /* a new file: its replay starts in the default namespace */
    start_thread();
    char path[PATH_MAX];
    file_name(&aof.new_base, seq, 'b');
    path_of(path, sizeof(path), aof.new_base.name);
    ks_lock_all();
    aof.rewrite_start_ms = now_ms();
    atomic_store(&aof.rewriting, 1);
    int rc = snapshot_bgsave_to(path, rewrite_done, err, errlen);
    if (rc < 0) atomic_store(&aof.rewriting, 0);
    ks_unlock_all();
    return rc;
}

/* ---------------------------------------------------------------- INFO, check */

void aof_info(buf *out)
{
    int on = aof_enabled();
    int rewriting = atomic_load(&aof.rewriting);
    buf_printf(out,
               "aof_enabled:%d\r\naof_rewrite_in_progress:%d\r\naof_rewrite_scheduled:%d\r\n"
               "aof_last_rewrite_time_sec:%lld\r\naof_current_rewrite_time_sec:%lld\r\n"
               "aof_last_bgrewrite_status:%s\r\naof_rewrites:%lld\r\n"
               "aof_last_write_status:%s\r\naof_last_cow_size:0\r\n",
               on, rewriting, atomic_load(&aof.scheduled), aof.last_rewrite_secs,
               rewriting ? (long long)((now_ms() - aof.rewrite_start_ms) / 1000) : -1LL,
               aof.last_rewrite_ok ? "ok" : "err", aof.rewrites,
               atomic_load(&aof.write_ok) ? "ok" : "err");
    if (on) {
        pthread_mutex_lock(&aof.lock);
        size_t pend = aof.pending.len;
        pthread_mutex_unlock(&aof.lock);
        buf_printf(out,
                   "aof_current_size:%lld\r\naof_base_size:%lld\r\naof_pending_rewrite:%d\r\n"
                   "aof_buffer_length:%zu\r\naof_pending_bgfsync:0\r\naof_delayed_fsync:0\r\n",
                   aof.base_size + aof.incr_size, aof.base_size, atomic_load(&aof.scheduled),
                   pend);
    }
}

/* Checks that a log file holds only complete log commands; prints what is
 * wrong. */
static int check_file(const char *path)
{
    char *p, err[PATH_MAX + 100];
    size_t len, good = 0, bad_at = 0;
    int fd = map_file(path, &p, &len, err, sizeof(err));
    if (fd < 0) {
        printf("%s\n", err);
        return -1;
    }
    close(fd);
    int rc = aof_replay(NULL, p, len, &good, &bad_at);
    if (rc < 0)
        printf("%s: bad format at offset %zu\n", path, bad_at);
    else if (good < len)
        printf("%s: truncated at offset %zu (a command or MULTI cut short)\n", path, good);
    else
        printf("%s: OK, %zu bytes\n", path, len);
    if (len) munmap(p, len);
    return rc < 0 || good < len ? -1 : 0;
}

static int check_dir(const char *dir);

int aof_check(const char *dir)
{
    char *configured = cfg.appenddirname;
    cfg.appenddirname = (char *)dir;
    int bad = check_dir(dir);
    cfg.appenddirname = configured;
    return bad;
}

/* aof_check with cfg.appenddirname pointing at dir. */
static int check_dir(const char *dir)
{
    int m = read_manifest();
    if (m <= 0) {
        printf("%s: no readable manifest (%s.manifest)\n", dir, cfg.appendfilename);
        return 1;
    }
    int bad = 0;
    char path[PATH_MAX], err[1024];
    if (aof.has_base) {
        path_of(path, sizeof(path), aof.base.name);
        long long keys = 0;
        if (snapshot_load(path, 1, &keys, err, sizeof(err)) <= 0) {
            printf("%s\n", err);
            bad = 1;
        } else {
            printf("%s: OK, %lld keys\n", path, keys);
        }
    }
    for (int i = 0; i < aof.nincr; i++) {
        path_of(path, sizeof(path), aof.incr[i].name);
        if (check_file(path) < 0) bad = 1;
    }
    return bad;
}
