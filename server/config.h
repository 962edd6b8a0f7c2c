/* server/config.h — every setting of kvik, in one table.
 *
 * The table (server/config.c) is the only list of settings: the config file
 * parser, `--name value` arguments, KVIK_<NAME> environment variables, CONFIG
 * GET/SET/REWRITE, `kvik-server --help` and the generated config all read it.
 * Values live in the global `cfg` struct below; code reads them directly.
 *
 * Precedence at start: defaults, then the config file, then KVIK_* variables,
 * then command-line arguments.
 *
 * Threads: the setters (cfg_set*, cfg_load_*) and cfg_get/cfg_rewrite take one
 * internal lock; readers read `cfg` fields without a lock. A string setting that
 * CONFIG SET replaces is never freed while the server runs (the old string goes
 * on a retired list, freed by cfg_free_all at exit), so a reader that loaded the
 * old pointer may keep using it for the rest of its command.
 *
 * Strings: pidfile, logfile, requirepass, aclfile and the tls_* file/cipher
 * strings are NULL when empty (unset); every other string field is never NULL.
 * dir is an absolute path (resolved when set; the config module never chdirs).
 */
#ifndef KV_SERVER_CONFIG_H
#define KV_SERVER_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "core/buf.h"

enum maxmemory_policy {
    MM_NOEVICTION,
    MM_ALLKEYS_LRU,
    MM_ALLKEYS_LFU,
    MM_ALLKEYS_RANDOM,
    MM_VOLATILE_LRU,
    MM_VOLATILE_LFU,
    MM_VOLATILE_RANDOM,
    MM_VOLATILE_TTL
};

enum { LL_DEBUG, LL_VERBOSE, LL_NOTICE, LL_WARNING, LL_NOTHING };

/* Client classes for client-output-buffer-limit. */
enum {
    CLIENT_CLASS_NORMAL,
    CLIENT_CLASS_REPLICA,
    CLIENT_CLASS_PUBSUB,
    CLIENT_CLASS_COUNT
};

typedef struct obuf_limit {
    unsigned long long hard, soft; /* bytes, 0 = none */
    long long soft_seconds;
} obuf_limit;

#define CFG_MAX_BIND 16
#define CFG_MAX_SAVE 16

typedef struct kv_config {
    /* network */
    char *bind[CFG_MAX_BIND];
    int nbind;
    int port;
    int tcp_backlog;
    int protected_mode;
    long long timeout; /* idle client timeout, seconds, 0 = none */
    int tcp_keepalive;
    int threads;
    int busy_poll_us; /* upper bound of a worker's adaptive busy poll */
    int maxclients;
    /* process */
    int daemonize;
    char *pidfile;
    char *logfile;
    int loglevel;
    char *log_rotation; /* "never" | "hourly" | "daily" (issue: tools) */
    int databases;
    int max_namespaces;
    int hz;
    char *dir;
    /* memory */
    unsigned long long maxmemory;
    int maxmemory_policy;
    int maxmemory_samples;
    int lfu_log_factor;
    int lfu_decay_time;
    int active_expire_effort;
    /* limits */
    unsigned long long proto_max_bulk_len;
    unsigned long long client_query_buffer_limit;
    long long proto_max_multibulk_len;
    unsigned long long proto_max_inline_len; /* inline line and *N / $N header line */
    obuf_limit obuf[CLIENT_CLASS_COUNT];
    unsigned long long client_output_throttle; /* unsent reply bytes that hold input */
    long long client_idle_request_timeout; /* a half-sent command, seconds, 0 = none */
    /* persistence (later issues; accepted and validated now) */
    char *dbfilename;
    struct {
        long long seconds, changes;
    } save[CFG_MAX_SAVE];
    int nsave;
    int appendonly;
    char *appendfilename;
    char *appenddirname;
    int appendfsync; /* 0 always, 1 everysec, 2 no */
    int stop_writes_on_bgsave_error;
    int rdbcompression;
    int rdbchecksum;
    int aof_use_rdb_preamble;
    int aof_load_truncated;
    int auto_aof_rewrite_percentage;
    long long auto_aof_rewrite_min_size;
    int aof_rewrite_incremental_fsync;
    int no_appendfsync_on_rewrite;
    /* security */
    char *requirepass;
    char *aclfile;
    int acllog_max_len;
    int acl_pubsub_default; /* 0 resetchannels, 1 allchannels */
    int tls_port, tls_native_port;
    char *tls_cert_file, *tls_key_file, *tls_ca_cert_file, *tls_ca_cert_dir;
    char *tls_auth_clients; /* yes | no | optional */
    char *tls_protocols, *tls_ciphers, *tls_ciphersuites;
    int tls_prefer_server_ciphers;
    int tls_session_caching;
    char *tls_key_file_pass;
    long long tls_session_cache_size, tls_session_cache_timeout;
    /* native protocol */
    int native_port;
    long long native_compress_min;
    /* events */
    char *notify_keyspace_events;
    /* data types (compact encodings) */
    long long hash_max_listpack_entries, hash_max_listpack_value;
    long long list_max_listpack_size;
    long long list_compress_depth;
    long long set_max_intset_entries, set_max_listpack_entries, set_max_listpack_value;
    long long zset_max_listpack_entries, zset_max_listpack_value;
    long long stream_node_max_bytes, stream_node_max_entries;
    long long hll_sparse_max_bytes;
    /* lazy free (accepted for compatibility) */
    int lazyfree_lazy_eviction, lazyfree_lazy_expire, lazyfree_lazy_server_del;
    int lazyfree_lazy_user_del, lazyfree_lazy_user_flush;
    /* slow log */
    long long slowlog_log_slower_than;
    long long slowlog_max_len;
    /* CONFIG SET of protected settings (dir, dbfilename): 0 no, 1 yes, 2 local */
    int enable_protected_configs;
} kv_config;

extern kv_config cfg;

/* Path of the config file the server started with (NULL if none). */
extern const char *cfg_file_path;

/* Resets every setting to its default. */
void cfg_defaults(void);
/* Loads a redis.conf-style file and sets cfg_file_path (absolute) on success.
 * On error returns -1 and writes into err the multi-line "*** FATAL CONFIG FILE
 * ERROR ***" message that names the line number (and the file, for an included
 * one) and shows the line; the caller prints it and exits. */
int cfg_load_file(const char *path, char *err, size_t errlen);
/* Same for config text in memory (len bytes, need not be NUL-terminated; may
 * hold anything: this is the fuzzing entry point). `include` lines still read
 * files. Does not touch cfg_file_path. */
int cfg_load_string(const char *text, size_t len, char *err, size_t errlen);
/* Applies "--name value [value...]" arguments (argv[0] is not the program).
 * An option with no value takes a following "--word" as its value, except
 * --save, which alone means save "" (as in Redis). Errors name the option. */
int cfg_load_args(int argc, char **argv, char *err, size_t errlen);
/* Applies KVIK_<NAME> environment variables (NAME upper case, '-' as '_').
 * KVIK_* variables that name no setting (KVIK_BIN, ...) are ignored. */
int cfg_load_env(char **envp, char *err, size_t errlen);
/* Sets one setting at run time (CONFIG SET): 0, or -1 with err. value is the
 * CONFIG SET argument (multi-word settings such as save, bind and
 * client-output-buffer-limit split it at spaces). Settings marked immutable are
 * refused, as are protected ones (dir, dbfilename) unless
 * enable-protected-configs is yes. err receives the complete Redis error text,
 * starting with "ERR ", ready for reply_error. */
int cfg_set(const char *name, const char *value, char *err, size_t errlen);
/* CONFIG SET with several name/value pairs: all are checked (unknown, immutable,
 * protected, duplicate, bad value) before any is applied, so either every pair
 * takes effect or none does. 0, or -1 with err as for cfg_set. */
int cfg_set_multi(int n, const char **names, const char **values, char *err,
                  size_t errlen);
/* Same, with flags: CFG_SET_LOCAL says the caller is a local (loopback)
 * connection, which allows protected settings under enable-protected-configs
 * local. */
#define CFG_SET_LOCAL 1u
int cfg_set_multi_ex(int n, const char **names, const char **values, unsigned flags,
                     char *err, size_t errlen);
/* 1 if the named setting (or alias) holds a secret (requirepass): logs, SLOWLOG
 * and MONITOR show its value redacted. */
int cfg_is_sensitive(const char *name);
/* Set once at start by the server (NULL in tools and fuzzers). CONFIG SET
 * calls it, under the config lock, when a pair changes a setting of the TLS
 * section: `next` holds every new value, parsed but not yet in effect. The TLS
 * context depends on several settings together (certificate and key), so the
 * hook builds and swaps it here; non-zero refuses the whole CONFIG SET, with
 * the reason in err, and no value changes. */
extern int (*cfg_tls_hook)(const struct kv_config *next, char *err, size_t errlen);
/* Calls fn for every setting whose name (or alias) matches the glob pattern
 * (ASCII case ignored), with its current value as CONFIG GET shows it; a name
 * and its alias both match "*". name and value are valid during the call only.
 * fn runs under the config lock: it must not call cfg_* functions. */
void cfg_get(const char *pattern,
             void (*fn)(void *priv, const char *name, const char *value), void *priv);
/* Rewrites the config file (cfg_file_path) as CONFIG REWRITE does: comments,
 * blank lines and lines it does not own are kept; each setting the file
 * mentions gets its current value on its first line (repeats removed); settings
 * that differ from their defaults and are not in the file are appended under
 * "# Generated by CONFIG REWRITE". Written to a temporary file, fsynced and
 * renamed over the old one (its mode kept). 0, or -1 with the Redis error text
 * ("ERR The server is running without a config file", ...) in err. */
int cfg_rewrite(char *err, size_t errlen);
/* CONFIG REWRITE with the ACL's users: `user` lines of the file are replaced
 * by lines ("user <name> <rules>" lines, '\n'-terminated, in place of
 * the first old one, or appended), or all dropped when lines is NULL
 * (an aclfile holds the users), as Redis does. cfg_rewrite keeps them. */
int cfg_rewrite_users(const char *lines, char *err, size_t errlen);

/* `user <name> <rules...>` lines of the config file and command line (users
 * declared in redis.conf, applied by acl_init): how many, and the words of the
 * i-th after "user" (name first). Two lines for one name stop the load. */
int cfg_user_count(void);
char **cfg_user_words(int i, int *n);
/* Prints every setting, by section, with its type, default and doc (for
 * --help). */
void cfg_print_help(FILE *out);
/* Prints a complete config file: every setting at its default with a comment
 * saying what it does, in sections (for --gen-config). Settings whose default
 * depends on the machine (threads, dir) are commented out. Loading the file
 * gives the defaults. */
void cfg_gen(FILE *out);
/* cfg_gen with presets for `kvik-server --gen-config`: "tls" (tls-port 6380,
 * certificates under ./tls as tools/gen-certs.sh writes them), "native"
 * (native-port 6381), "storage=memory" (no persistence), "storage=rdb"
 * (snapshots by the default save rules), "storage=aof" (append-only file,
 * everysec). The chosen settings are written uncommented and marked. 0, or -1
 * for an unknown preset (nothing printed). */
int cfg_gen_profiles(FILE *out, int n, const char *const *profiles);
#define CFG_GEN_MAX_SETTINGS 32
/* Frees every string setting, the retired strings and cfg_file_path (at exit,
 * when no other thread runs). The string fields of cfg become NULL; the next
 * cfg_* call starts again from the defaults. */
void cfg_free_all(void);

#endif
