/* server/main.c — kvik-server: configuration, start-up, signals, shutdown.
 *
 *   kvik-server [config-file] [--name value ...]
 *   kvik-server --help | --version
 *   kvik-server --gen-config [--tls] [--native] [--storage memory|aof|rdb]
 *
 * The main thread starts the workers and then only waits for signals (SIGTERM
 * and SIGINT shut down cleanly, SIGHUP reopens the log) and for SHUTDOWN.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/acl.h"
#include "server/client.h"
#include "server/cmdtab.h"
#include "server/aof.h"
#include "server/namespace.h"
#include "server/server_init.h"
#include "server/slowlog.h"
#include "server/snapshot.h"
#include "server/tlsconf.h"
#include "server/worker.h"

extern char **environ;

static void usage_error(const char *msg)
{
    fprintf(stderr, "%s\n", msg);
    exit(1);
}


static void load_config(int argc, char **argv)
{
    char err[2048];
    cfg_defaults();
    int i = 1;
    if (i < argc && strncmp(argv[i], "--", 2) != 0) {
        if (cfg_load_file(argv[i], err, sizeof(err)) < 0) usage_error(err);
        i++;
    }
    if (cfg_load_env(environ, err, sizeof(err)) < 0) usage_error(err);
    if (cfg_load_args(argc - i, argv + i, err, sizeof(err)) < 0) usage_error(err);
}

/* Makes room for maxclients connections: raises the open files limit to
 * maxclients plus the descriptors the server needs itself, or, when the
 * system refuses, lowers maxclients to what fits (as Redis does), so that a
 * flood of connections meets "max number of clients reached", never EMFILE. */
static void adjust_open_files_limit(void)
{
    long long reserved = 32 + 2LL * cfg.threads;
    long long want = (long long)cfg.maxclients + reserved;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur != RLIM_INFINITY && (long long)rl.rlim_cur < want) {
        struct rlimit nl = rl;
        nl.rlim_cur = (rlim_t)want;
        if (nl.rlim_max != RLIM_INFINITY && nl.rlim_cur > nl.rlim_max) nl.rlim_cur = nl.rlim_max;
        if (nl.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &nl) == 0) rl = nl;
    }
    if (rl.rlim_cur == RLIM_INFINITY || (long long)rl.rlim_cur >= want) return;
    long long fit = (long long)rl.rlim_cur - reserved;
    if (fit < 1) {
        fprintf(stderr, "Your open files limit (%llu) is too low to run kvik: raise 'ulimit -n'\n",
                (unsigned long long)rl.rlim_cur);
        exit(1);
    }
    char v[32], err[256];
    snprintf(v, sizeof(v), "%lld", fit);
    log_warning("You requested maxclients of %d requiring at least %lld max file descriptors, "
                "but the open files limit is %llu: maxclients has been reduced to %lld. If you "
                "need more clients raise 'ulimit -n'.",
                cfg.maxclients, want, (unsigned long long)rl.rlim_cur, fit);
    cfg_set("maxclients", v, err, sizeof(err));
}

static void daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0) usage_error("fork failed");
    if (pid > 0) exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        if (!cfg.logfile || !cfg.logfile[0]) dup2(fd, 2);
        if (fd > 2) close(fd);
    }
}

static void write_pidfile(void)
{
    if (!cfg.pidfile || !cfg.pidfile[0]) return;
    FILE *f = fopen(cfg.pidfile, "w");
    if (!f) {
        log_warning("Failed to write PID file: %s", strerror(errno));
        return;
    }
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

static void make_run_id(void)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 40; i++) srv.run_id[i] = hex[util_rand64() & 15];
    srv.run_id[40] = 0;
}

/* kvik-server --check-rdb FILE: parses a snapshot without starting. */
static int check_rdb(const char *path)
{
    cfg_defaults();
    ks_init(cfg.databases, 0);
    types_init();
    char err[1024];
    long long keys = 0;
    int rc = snapshot_load(path, 1, &keys, err, sizeof(err));
    if (rc < 0) {
        printf("%s\n", err);
        return 1;
    }
    if (rc == 0) {
        printf("Can't open %s: no such file\n", path);
        return 1;
    }
    printf("%s: OK, %lld keys\n", path, keys);
    return 0;
}

/* Loads the data at start: the append-only file when it is on and exists,
 * else the snapshot in dir; then opens the log. -1 stops the start. */
static int load_data(void)
{
    char err[1024];
    long long keys = 0;
    uint64_t t0 = now_ms();
    if (cfg.appendonly) {
        int a = aof_load();
        if (a < 0) {
            fprintf(stderr, "Bad append only file: see the log\n");
            return -1;
        }
        if (a > 0) return aof_open();
    }
    int rc = snapshot_load(cfg.dbfilename, 0, &keys, err, sizeof(err));
    if (rc < 0) {
        log_warning("%s", err);
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    if (rc > 0)
        log_notice("DB loaded from disk: %.3f seconds, %lld keys", (double)(now_ms() - t0) / 1000,
                   keys);
    return cfg.appendonly ? aof_open() : 0;
}

/* kvik-server --gen-config [--tls] [--native] [--storage memory|aof|rdb]:
 * prints a complete config file (server/config.c, cfg_gen_profiles). */
static int gen_config(int argc, char **argv)
{
    const char *profiles[8];
    char storage[32];
    int n = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--tls") || !strcmp(argv[i], "--native")) {
            profiles[n++] = argv[i] + 2;
        } else if (!strcmp(argv[i], "--storage") && i + 1 < argc &&
                   (!strcmp(argv[i + 1], "memory") || !strcmp(argv[i + 1], "aof") ||
                    !strcmp(argv[i + 1], "rdb"))) {
            snprintf(storage, sizeof(storage), "storage=%s", argv[++i]);
            profiles[n++] = storage;
        } else {
            fprintf(stderr, "Usage: kvik-server --gen-config [--tls] [--native] "
                            "[--storage memory|aof|rdb]\n");
            return 1;
        }
        if (n > 3) usage_error("--gen-config: an option is given twice");
    }
    cfg_defaults();
    return cfg_gen_profiles(stdout, n, profiles) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--gen-config")) return gen_config(argc, argv);
    if (argc == 3 && !strcmp(argv[1], "--check-rdb")) return check_rdb(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "--check-aof")) {
        cfg_defaults();
        cmd_init();
        ks_init(cfg.databases, 0);
        types_init();
        return aof_check(argv[2]);
    }
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: kvik-server [/path/to/kvik.conf] [--name value ...]\n"
               "       kvik-server --version\n"
               "       kvik-server --check-rdb FILE   (checks a snapshot, does not start)\n"
               "       kvik-server --check-aof DIR    (checks an append-only directory)\n"
               "       kvik-server --gen-config [--tls] [--native] [--storage memory|aof|rdb]\n"
               "                                      (prints a complete config file)\n\n"
               "Precedence: defaults < config file < environment < command line.\n\n");
        cfg_print_help(stdout);
        return 0;
    }
    if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
        printf("kvik-server v=%s redis-compat=%s malloc=%s\n", KVIK_VERSION,
               KVIK_REDIS_COMPAT_VERSION, mem_allocator_name());
        return 0;
    }
    load_config(argc, argv);
    if (cfg.daemonize) daemonize();
    server_apply_log_config();
    if (cfg.logfile && cfg.logfile[0] && log_open(cfg.logfile) < 0) {
        fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
        return 1;
    }
    if (cfg.dir && cfg.dir[0]) {
        mkdir(cfg.dir, 0755);
        if (chdir(cfg.dir) < 0) {
            log_warning("Can't chdir to '%s': %s", cfg.dir, strerror(errno));
            return 1;
        }
    }
    adjust_open_files_limit();
    hash_seed_random();
    srv.pid = getpid();
    srv.start_ms = now_ms();
    atomic_store(&srv.next_client_id, 1);
    atomic_store(&srv.active_expire_enabled, 1);
    pthread_mutex_init(&srv.clients_lock, NULL);
    make_run_id();
    cycles_calibrate();
    server_apply_config();
    cmd_init();
    ks_init(cfg.databases, cfg.threads > 1);
    ns_init();
    types_init();
    {
        char err[1024];
        if (acl_init(err, sizeof(err)) < 0) {
            log_warning("%s", err);
            return 1;
        }
    }
    {
        /* The first read of the allocator's statistics sets them up (some
         * 100 KB) and pages in their code: done here, the first INFO reports
         * the same RSS as the next ones (Redis reads them from its cron). */
        size_t allocated, active, resident;
        mem_allocator_stats(&allocated, &active, &resident);
        (void)mem_rss();
    }
    srv.startup_mem = mem_used(); /* MEMORY STATS startup.allocated: before the data */
    if (load_data() < 0) return 1;
    ns_recount();

    /* Signals are taken by this thread only: block them before workers start. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    log_notice("kvik %s starting, pid=%d, threads=%d", KVIK_VERSION, (int)srv.pid, cfg.threads);
    if (tlsconf_start() < 0) return 1;
    if (workers_start(cfg.threads) < 0) return 1;
    write_pidfile();
    log_notice("Ready to accept connections tcp on port %d", cfg.port);
    if (cfg.tls_port)
        log_notice("Ready to accept connections tls on port %d", cfg.tls_port);
    if (cfg.native_port)
        log_notice("Ready to accept native protocol connections on port %d", cfg.native_port);
    if (cfg.tls_native_port)
        log_notice("Ready to accept native protocol connections over tls on port %d",
                   cfg.tls_native_port);

    for (;;) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        int sig = sigtimedwait(&set, NULL, &ts);
        ks_update_clock();
        if (sig == SIGHUP) {
            log_open(cfg.logfile);
            log_notice("Received SIGHUP, log file reopened");
            continue;
        }
        if (sig == SIGTERM || sig == SIGINT) {
            log_warning("Received %s scheduling shutdown...", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
        if (atomic_load(&srv.shutdown_asap)) break;
    }
    log_warning("User requested shutdown...");
    workers_stop();
    tlsconf_stop();
    snapshot_wait();
    aof_close();
    if (cfg.nsave > 0 && !atomic_load(&srv.shutdown_saved)) {
        char err[300];
        log_notice("Saving the final RDB snapshot before exiting.");
        if (snapshot_save(cfg.dbfilename, err, sizeof(err)) < 0) log_warning("%s", err);
    }
    server_shutdown_hooks();
    if (cfg.pidfile && cfg.pidfile[0]) unlink(cfg.pidfile);
    log_warning("kvik is now ready to exit, bye bye...");
    slowlog_free();
    cfg_free_all();
    return srv.exit_code;
}
