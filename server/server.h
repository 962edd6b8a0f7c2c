/* server/server.h — the server layer's shared types: commands, clients, workers.
 *
 * Request path, on the worker thread that owns the connection:
 *
 *   socket --conn_read--> client.qbuf --resp_read_command--> argv (slices into
 *   qbuf) --cmd_lookup--> command --dispatch: checks, shard locks--> handler
 *   --reply_*--> client.out --before sleep: one writev--> socket
 *
 * Handlers look single-threaded: the dispatcher locks the shards of every key
 * the command table says the command touches (ascending order, so no deadlock)
 * before calling the handler, and unlocks after. Commands that walk the whole
 * keyspace have no key positions and lock shards one at a time themselves.
 */
#ifndef KV_SERVER_SERVER_H
#define KV_SERVER_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/slice.h"
#include "net/conn.h"
#include "net/loop.h"
#include "proto/resp.h"
#include "server/config.h"

#define KVIK_VERSION "0.1.0"
/* The Redis version kvik reports for compatibility (clients gate features on it). */
#define KVIK_REDIS_COMPAT_VERSION "7.0.15"

typedef struct client client;
typedef struct worker worker;
typedef struct ks_db ks_db;
typedef struct kentry kentry;

/* ---- Commands ---- */

typedef void cmd_proc(client *c);

/* Command flags, as COMMAND INFO reports them. */
enum {
    CMD_WRITE = 1u << 0,
    CMD_READONLY = 1u << 1,
    CMD_DENYOOM = 1u << 2,
    CMD_ADMIN = 1u << 3,
    CMD_PUBSUB = 1u << 4,
    CMD_NOSCRIPT = 1u << 5,
    CMD_BLOCKING = 1u << 6,
    CMD_LOADING = 1u << 7,
    CMD_STALE = 1u << 8,
    CMD_SKIP_MONITOR = 1u << 9,
    CMD_SKIP_SLOWLOG = 1u << 10,
    CMD_FAST = 1u << 11,
    CMD_NO_AUTH = 1u << 12,
    CMD_MAY_REPLICATE = 1u << 13,
    CMD_NO_MULTI = 1u << 14,
    CMD_MOVABLE_KEYS = 1u << 15,
    CMD_ALLOW_BUSY = 1u << 16,
    CMD_NO_ASYNC_LOADING = 1u << 17,
    /* kvik-internal: not reported */
    CMD_ALL_SHARDS = 1u << 24, /* locks shards itself (walks the keyspace) */
    CMD_ALLOW_PAUSED = 1u << 25,
    CMD_TIMEOUT_NULL_BULK = 1u << 26, /* blocked: a timeout replies a null bulk, not array */
    /* Channels, for ACL checks: PUBLISH-like (argv[1]) or SUBSCRIBE-like
     * (argv[1..]); PATTERN: the arguments are patterns (PSUBSCRIBE). */
    CMD_CHAN_PUBLISH = 1u << 27,
    CMD_CHAN_SUBSCRIBE = 1u << 28,
    CMD_CHAN_PATTERN = 1u << 29,
};

/* ACL categories (bit positions; names in cmdtab.c). */
enum {
    ACL_KEYSPACE = 1ull << 0, ACL_READ = 1ull << 1, ACL_WRITE = 1ull << 2,
    ACL_SET = 1ull << 3, ACL_SORTEDSET = 1ull << 4, ACL_LIST = 1ull << 5,
    ACL_HASH = 1ull << 6, ACL_STRING = 1ull << 7, ACL_BITMAP = 1ull << 8,
    ACL_HYPERLOGLOG = 1ull << 9, ACL_GEO = 1ull << 10, ACL_STREAM = 1ull << 11,
    ACL_PUBSUB = 1ull << 12, ACL_ADMIN = 1ull << 13, ACL_FAST = 1ull << 14,
    ACL_SLOW = 1ull << 15, ACL_BLOCKING = 1ull << 16, ACL_DANGEROUS = 1ull << 17,
    ACL_CONNECTION = 1ull << 18, ACL_TRANSACTION = 1ull << 19, ACL_SCRIPTING = 1ull << 20,
};

/* Where a command's keys are: argv[first..last] step `step` (last < 0 counts
 * from the end: -1 = last argument). first == 0: no keys at these positions.
 * A getkeys function, if set, overrides (for commands like ZUNIONSTORE). */
typedef struct cmd_keys {
    int first, last, step;
} cmd_keys;

typedef int cmd_getkeys_fn(const slice *argv, int argc, int *pos, int max);

typedef struct command {
    const char *name;      /* lower case; "config|get" style for subcommands */
    cmd_proc *proc;        /* NULL for a container with subcommands */
    int arity;             /* >0 exact, <0 at least -arity (command name included) */
    uint32_t flags;        /* CMD_* */
    uint64_t acl;          /* ACL_* categories */
    cmd_keys keys;
    cmd_getkeys_fn *getkeys;
    const char *group;     /* "string", "generic", "server", "connection", ... */
    const char *since;     /* Redis version that introduced it */
    const char *summary;
    const char *complexity;
    /* Argument syntax in the documentation's notation, e.g.
     * "key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]";
     * COMMAND DOCS derives its argument tree from it. */
    const char *args;
    /* Key-spec flags (COMMAND INFO, ACL), e.g. "RW ACCESS UPDATE". Keys playing
     * different roles take one set each, separated by ';': the i-th key found
     * gets the i-th set, the last set applies to every further key
     * ("RW ACCESS DELETE; OW UPDATE" for RENAME). */
    const char *key_flags;
    /* VARIABLE_FLAGS commands (SET, BITFIELD): the KEYF_* bits (cmdtab.h) of
     * the keyidx-th key for these arguments; NULL: the declared sets. */
    uint32_t (*key_flags_fn)(const slice *argv, int argc, int keyidx);
    struct command *subs;  /* subcommands (NULL-terminated array) */
    struct command *parent;
    int id;                /* index into per-worker stats */
} command;

/* Looks a command up by name (case-insensitive); for a container, resolves the
 * subcommand from argv[1] when given. NULL if unknown. */
const command *cmd_lookup(const slice *argv, int argc);
const command *cmd_lookup_name(const char *name, size_t len);
/* Every top-level command, NULL-terminated. */
extern command *cmd_table[];
int cmd_count(void);       /* top-level commands */
int cmd_total_ids(void);   /* commands + subcommands (stats slots) */
void cmd_init(void);
/* Fills pos with argument indexes of the command's keys; returns how many (at
 * most max). */
int cmd_get_keys(const command *cmd, const slice *argv, int argc, int *pos, int max);
/* 1 if argument i of this command may hold a secret (AUTH, HELLO's AUTH pair,
 * ACL SETUSER rules, CONFIG SET of a sensitive setting, MIGRATE AUTH/AUTH2):
 * the slow log and MONITOR show it as "(redacted)", as Redis does. */
int cmd_arg_secret(const command *cmd, const slice *argv, int argc, int i);

/* ---- Clients ---- */

enum {
    CL_CLOSE_AFTER_REPLY = 1u << 0, /* QUIT, protocol errors */
    CL_CLOSE_ASAP = 1u << 1,        /* killed, output limit */
    CL_PENDING_WRITE = 1u << 2,     /* on the worker's pending-write list */
    CL_REPLY_OFF = 1u << 3,
    CL_REPLY_SKIP_NEXT = 1u << 4,
    CL_REPLY_SKIP = 1u << 5,        /* this command's reply is dropped */
    CL_NO_EVICT = 1u << 6,
    CL_PUBSUB = 1u << 7,
    CL_MULTI = 1u << 8,
    CL_BLOCKED = 1u << 9,
    CL_CLOSED = 1u << 10,           /* freed at the end of the loop pass */
    CL_AUTHENTICATED = 1u << 11,
    CL_PROTECTED_REMOTE = 1u << 12,
    CL_EXEC = 1u << 13,             /* running the queue of EXEC */
    CL_RETRY = 1u << 14,            /* stand-in running a blocked command again */
    CL_AOF_PARKED = 1u << 15,       /* reply held until the AOF is synced (aof.c) */
    CL_EXEC_LOGGED = 1u << 16,      /* this EXEC wrote MULTI to the AOF */
    CL_NS_BOUND = 1u << 17,         /* bound to a namespace by its user (namespace.h) */
    CL_MONITOR = 1u << 18,          /* MONITOR (monitor.h) */
};

struct client {
    uint64_t id;
    worker *w;
    conn *conn;
    loop_handle h;
    uint32_t flags;
    int proto;                 /* PROTO_RESP or PROTO_NATIVE (listener_kind) */
    int resp;                  /* 2 or 3 */
    const reply_ops *rops;
    /* input */
    buf qbuf;
    size_t qpos;               /* start of the unparsed part of qbuf */
    resp_reader rd;
    int argc;
    slice *argv;
    int argv_cap;
    const command *cmd;        /* being executed */
    const command *lastcmd;
    /* output */
    buf out;
    size_t out_sent;           /* bytes of out already written */
    uint64_t obuf_soft_since;  /* ms when the soft limit was first exceeded, 0 = not */
    size_t obuf_check_at;      /* unsent bytes above which limits are checked */
    int cmd_failed;            /* the current command replied an error */
    size_t accounted;          /* buffer bytes counted in w->client_mem */
    /* state */
    int dbid;                  /* the index SELECTed: 0..databases-1 of its namespace */
    ks_db *db;                 /* in the keyspace: that of its namespace (namespace.h) */
    char *name, *lib_name, *lib_ver;
    struct acl_user *user;     /* ACL user (server/acl.h); changes under srv.clients_lock */
    char addr[64], laddr[64];
    uint64_t ctime_ms, last_ms;
    uint64_t cmd_start_ms;     /* last bytes of a partial command arrived (0: none) */
    int throttled;             /* commands wait: too many reply bytes unsent */
    long long qbuf_peak;
    uint64_t ncmds;
    uint64_t paused_since;     /* CLIENT PAUSE held this client's input */
    struct mstate *mstate;     /* MULTI queue and WATCHes (multi.c), or NULL */
    int multi_n;               /* commands queued (for CLIENT LIST from other threads) */
    long long aof_wait;        /* AOF offset to be synced before the reply goes, 0 none */
    struct bwait *blk;         /* while blocked on keys (blocking.c), or NULL */
    client *next_pending;      /* pending-write list */
    client *next_closing;      /* closing list */
    client *prev, *next;       /* worker's client list */
    struct ps_client *ps;      /* pub/sub subscriptions (server/pubsub.c), NULL if none */
    struct native_state *nat;  /* native protocol state (server/native.c), NULL for RESP */
};

/* Reply API: the only way command code writes to a client. Protocol-neutral. */
void reply_ok(client *c);
void reply_status(client *c, const char *s);
/* msg is the full error text without '-', starting with its code, e.g.
 * "ERR syntax error" or "WRONGTYPE ..."; a msg without a code gets "ERR ". */
void reply_error(client *c, const char *msg);
void reply_errorf(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_int(client *c, long long v);
void reply_bulk(client *c, const void *p, size_t len);
void reply_bulk_cstr(client *c, const char *s); /* NULL gives a null reply */
void reply_bulk_ll(client *c, long long v);
void reply_null(client *c);
void reply_null_array(client *c);
void reply_array(client *c, size_t n);
void reply_map(client *c, size_t n);
void reply_set(client *c, size_t n);
void reply_push(client *c, size_t n);
void reply_double(client *c, double d);
/* A double whose text the caller formatted (RESP2: bulk string). */
void reply_double_text(client *c, const char *p, size_t len);
void reply_bool(client *c, int v);
void reply_verbatim(client *c, const char *p, size_t len, const char *ext);
void reply_bignum(client *c, const char *p, size_t len);
size_t reply_defer(client *c);
void reply_set_deferred(client *c, size_t mark, resp_agg kind, size_t n);
/* A HELP subcommand's reply: the NULL-terminated lines as status replies. */
void reply_help(client *c, const char *const *lines);
/* Common errors with Redis's texts. */
void reply_err_arity(client *c);
/* "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try
 * <CONTAINER> HELP.": a subcommand with a bad argument list (argv[1] as typed,
 * the container upper-cased), Redis's text. */
void reply_err_subcommand_args(client *c);
void reply_err_syntax(client *c);
void reply_err_wrongtype(client *c);
void reply_err_notint(client *c);
void reply_err_notfloat(client *c);

/* Argument parsing helpers: on failure they reply the Redis error and return -1. */
int arg_ll(client *c, slice s, long long *out);          /* "value is not an integer..." */
int arg_ll_range(client *c, slice s, long long min, long long max, long long *out,
                 const char *errmsg);
int arg_double(client *c, slice s, double *out);         /* "value is not a valid float" */

/* ---- Listeners ---- */

/* How clients speak on a listening port (server/worker.c opens one set of
 * sockets per kind: RESP over TCP, RESP over TLS, the native protocol). */
enum { PROTO_RESP = 0, PROTO_NATIVE = 1 };

typedef struct listener_kind {
    const char *what;             /* for log lines: "TCP", "TLS", "native" */
    int (*port)(void);            /* the configured port; 0 = kind disabled */
    /* Wraps an accepted non-blocking socket in its transport; NULL on failure
     * (the socket is then closed by the caller). */
    conn *(*wrap)(int fd);
    int proto;                    /* PROTO_* */
} listener_kind;

/* A listening socket watched by one worker. */
typedef struct listener {
    loop_handle h;
    worker *w;
    const listener_kind *kind;
} listener;

/* ---- Workers ---- */

/* A task posted to another worker's inbox; runs on that worker's thread. */
typedef struct task {
    void (*fn)(worker *w, void *arg);
    void *arg;
    struct task *next;
} task;

struct worker {
    int id;
    pthread_t tid;
    loop *loop;
    struct listener *listen;   /* one per (listener kind, bind address) */
    int nlisten;
    loop_handle wake_h;        /* eventfd */
    pthread_mutex_t inbox_lock;
    task *inbox;
    client *clients;           /* owned clients, doubly linked */
    int nclients;
    client *pending;           /* clients with output to flush */
    client *closing;           /* clients to free at the end of the pass */
    struct cmd_stat *cmdstats; /* indexed by command id */
    struct worker_stats *stats;
    buf rbuf;                  /* shared read buffer (see client.c) */
    struct bwait *blocked;     /* clients blocked on keys (blocking.c) */
    client *aof_parked;        /* clients whose replies wait for an AOF fsync */
    uint64_t now_ms;           /* clock cached once per loop pass */
    _Atomic long long client_mem; /* bytes in clients' own I/O buffers */
};

/* Posts fn(arg) to run on worker w's thread (any thread may call). */
void worker_post(worker *w, void (*fn)(worker *, void *), void *arg);

/* ---- The server ---- */

typedef struct kv_server {
    int nworkers;
    worker *workers;
    uint64_t start_ms;
    size_t startup_mem; /* mem_used once initialised, before loading data */
    pid_t pid;
    char run_id[41];
    _Atomic uint64_t next_client_id;
    _Atomic int nclients;            /* connected, all workers */
    _Atomic int shutdown_asap;
    _Atomic int shutdown_saved;      /* SHUTDOWN already saved (or was told not to) */
    _Atomic uint64_t pause_until_ms; /* CLIENT PAUSE */
    _Atomic int pause_all;           /* 1: ALL, 0: WRITE */
    _Atomic long long dirty;         /* changes since the last save */
    _Atomic int active_expire_enabled;
    int exit_code;
    pthread_mutex_t clients_lock;    /* guards cross-worker client walks */
} kv_server;

extern kv_server srv;

/* Every write command calls this for each key it changed (after the change):
 * counts the change for the save rules and invalidates WATCHes. */
void key_modified(ks_db *db, slice key);
/* Looks key up in c's database for a command on values of `type`. Returns 1
 * with *ep (NULL when the key is missing) if the key is absent or of that
 * type; replies WRONGTYPE and returns 0 otherwise. flags as ks_lookup. */
int lookup_typed(client *c, slice key, int flags, int type, kentry **ep);

/* Receives the keyspace's events (db/ks.h KS_EV_*): expiry, eviction, keys
 * created. Installed as ks_conf.event. */
void server_key_event(ks_db *db, slice key, int event, int type);

/* Adds n to the dirty counter (changes since the last save). */
void server_dirty(long long n);

uint64_t now_ms(void);
uint64_t now_us(void);
/* A cheap timestamp for measuring command durations (TSC ticks on x86). */
uint64_t cycles_now(void);
/* Converts a cycles_now() difference to microseconds. */
uint64_t cycles_to_us(uint64_t cycles);
void cycles_calibrate(void);

#endif
