/* server/cmd_keys.c — generic key commands (DEL, EXISTS, RENAME, SCAN, ...)
 * and expiry commands (EXPIRE family, TTL family, PERSIST). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/glob.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/client.h"
#include "server/cmdtab.h"
#include "server/namespace.h"
#include "server/notify.h"

static const char *type_name(int type)
{
    switch (type) {
    case OBJ_STRING: return "string";
    case OBJ_LIST: return "list";
    case OBJ_SET: return "set";
    case OBJ_ZSET: return "zset";
    case OBJ_HASH: return "hash";
    case OBJ_STREAM: return "stream";
    default: return "none";
    }
}

static const char *enc_name(int enc)
{
    switch (enc) {
    case ENC_RAW: return "raw";
    case ENC_INT: return "int";
    case ENC_HT: return "hashtable";
    case ENC_INTSET: return "intset";
    case ENC_SKIPLIST: return "skiplist";
    case ENC_EMBSTR: return "embstr";
    case ENC_QUICKLIST: return "quicklist";
    case ENC_STREAM: return "stream";
    case ENC_LISTPACK: return "listpack";
    default: return "unknown";
    }
}

/* DEL and UNLINK (values are freed at once either way; large frees are cheap
 * enough with jemalloc that a background thread is not worth a second path). */
static void cmd_del(client *c)
{
    long long n = 0;
    for (int i = 1; i < c->argc; i++)
        if (ks_delete(c->db, c->argv[i])) {
            key_modified(c->db, c->argv[i]);
            notify_event(NOTIFY_GENERIC, "del", c->db, c->argv[i]);
            n++;
        }
    reply_int(c, n);
}

static void cmd_exists(client *c)
{
    long long n = 0;
    for (int i = 1; i < c->argc; i++) n += ks_exists(c->db, c->argv[i]);
    reply_int(c, n);
}

static void cmd_touch(client *c)
{
    long long n = 0;
    for (int i = 1; i < c->argc; i++) n += ks_lookup(c->db, c->argv[i], KS_WRITE) != NULL;
    reply_int(c, n);
}

static void cmd_type(client *c)
{
    kentry *e = ks_lookup(c->db, c->argv[1], KS_WRITE | KS_NOTOUCH);
    reply_status(c, e ? type_name(ke_type(e)) : "none");
}

static void rename_generic(client *c, int nx)
{
    slice src = c->argv[1], dst = c->argv[2];
    kentry *e = ks_lookup(c->db, src, KS_WRITE | KS_NOTOUCH);
    if (!e) {
        reply_error(c, "ERR no such key");
        return;
    }
    if (slice_eq(src, dst)) {
        if (nx)
            reply_int(c, 0);
        else
            reply_ok(c);
        return;
    }
    if (nx && ks_exists(c->db, dst)) {
        reply_int(c, 0);
        return;
    }
    /* dst may be an expired leftover: exists() above or the lookup in
     * ks_rename handles it. */
    ks_exists(c->db, dst);
    ks_rename(c->db, e, dst);
    key_modified(c->db, src);
    key_modified(c->db, dst);
    notify_event(NOTIFY_GENERIC, "rename_from", c->db, src);
    notify_event(NOTIFY_GENERIC, "rename_to", c->db, dst);
    if (nx)
        reply_int(c, 1);
    else
        reply_ok(c);
}

static void cmd_rename(client *c)
{
    rename_generic(c, 0);
}

static void cmd_renamenx(client *c)
{
    rename_generic(c, 1);
}

static int parse_db(client *c, slice s, ks_db **out)
{
    long long id;
    if (!util_str2ll(s.p, s.len, &id)) {
        reply_err_notint(c);
        return -1;
    }
    if (id < 0 || id >= ks_databases()) {
        reply_error(c, "ERR DB index is out of range");
        return -1;
    }
    *out = ns_db(c, (int)id); /* in c's namespace */
    return 0;
}

static void cmd_copy(client *c)
{
    ks_db *dstdb = c->db;
    int replace = 0;
    for (int i = 3; i < c->argc; i++) {
        if (slice_is(c->argv[i], "REPLACE")) {
            replace = 1;
        } else if (slice_is(c->argv[i], "DB") && i + 1 < c->argc) {
            if (parse_db(c, c->argv[++i], &dstdb) < 0) return;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    slice src = c->argv[1], dst = c->argv[2];
    if (dstdb == c->db && slice_eq(src, dst)) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    kentry *e = ks_lookup(c->db, src, KS_WRITE | KS_NOTOUCH);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    if (ks_exists(dstdb, dst)) {
        if (!replace) {
            reply_int(c, 0);
            return;
        }
        ks_delete(dstdb, dst);
    }
    if (ks_copy(dstdb, e, dst) < 0) {
        reply_error(c, "ERR this type of value cannot be copied");
        return;
    }
    key_modified(dstdb, dst);
    notify_event(NOTIFY_GENERIC, "copy_to", dstdb, dst);
    reply_int(c, 1);
}

static void cmd_move(client *c)
{
    ks_db *dst;
    if (parse_db(c, c->argv[2], &dst) < 0) return;
    if (dst == c->db) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    kentry *e = ks_lookup(c->db, c->argv[1], KS_WRITE | KS_NOTOUCH);
    if (!e || ks_exists(dst, c->argv[1])) {
        reply_int(c, 0);
        return;
    }
    int moved = ks_move(c->db, dst, e);
    if (moved) {
        key_modified(c->db, c->argv[1]);
        key_modified(dst, c->argv[1]);
        notify_event(NOTIFY_GENERIC, "move_from", c->db, c->argv[1]);
        notify_event(NOTIFY_GENERIC, "move_to", dst, c->argv[1]);
    }
    reply_int(c, moved);
}

/* ---------------------------------------------------------------- KEYS, SCAN */

typedef struct key_list {
    buf keys; /* concatenated: u32 length + bytes */
    size_t n;
    slice pattern;
    int match_all;
    int type; /* -1 any */
} key_list;

static void collect_key(void *priv, kentry *e)
{
    key_list *kl = priv;
    slice k = ke_key(e);
    if (kl->type != -1 && ke_type(e) != kl->type) return;
    if (!kl->match_all && !glob_match(kl->pattern.p, kl->pattern.len, k.p, k.len, 0)) return;
    uint32_t len = (uint32_t)k.len;
    buf_append(&kl->keys, &len, sizeof(len));
    buf_append(&kl->keys, k.p, k.len);
    kl->n++;
}

static void reply_key_list(client *c, key_list *kl)
{
    reply_array(c, kl->n);
    size_t off = 0;
    while (off < kl->keys.len) {
        uint32_t len;
        memcpy(&len, kl->keys.p + off, sizeof(len));
        off += sizeof(len);
        reply_bulk(c, kl->keys.p + off, len);
        off += len;
    }
    buf_free(&kl->keys);
}

static void cmd_keys_cmd(client *c)
{
    key_list kl = {.pattern = c->argv[1], .type = -1};
    kl.match_all = c->argv[1].len == 1 && c->argv[1].p[0] == '*';
    ks_foreach(c->db, collect_key, &kl);
    reply_key_list(c, &kl);
}

static int parse_type_name(slice s)
{
    static const int types[] = {OBJ_STRING, OBJ_LIST, OBJ_SET, OBJ_ZSET, OBJ_HASH, OBJ_STREAM};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (slice_is(s, type_name(types[i]))) return types[i];
    return -2; /* unknown type: matches nothing, as Redis */
}

static void cmd_scan(client *c)
{
    unsigned long long cursor;
    if (!util_str2ull(c->argv[1].p, c->argv[1].len, &cursor)) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    key_list kl = {.type = -1, .match_all = 1};
    long long count = 10;
    for (int i = 2; i < c->argc; i++) {
        int more = c->argc - i - 1;
        if (slice_is(c->argv[i], "COUNT") && more) {
            if (arg_ll(c, c->argv[++i], &count) < 0) return;
            if (count < 1) {
                reply_err_syntax(c);
                return;
            }
        } else if (slice_is(c->argv[i], "MATCH") && more) {
            kl.pattern = c->argv[++i];
            kl.match_all = kl.pattern.len == 1 && kl.pattern.p[0] == '*';
        } else if (slice_is(c->argv[i], "TYPE") && more) {
            kl.type = parse_type_name(c->argv[++i]);
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    uint64_t next = ks_scan(c->db, cursor, (long)count, collect_key, &kl);
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)next);
    reply_key_list(c, &kl);
}

static void cmd_randomkey(client *c)
{
    char *k;
    size_t len;
    if (!ks_random_key(c->db, &k, &len)) {
        reply_null(c);
        return;
    }
    reply_bulk(c, k, len);
    mem_free(k);
}

/* ---------------------------------------------------------------- OBJECT */

static void cmd_object_help(client *c)
{
    static const char *const help[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used to store the value of <key>.",
        "FREQ <key>",
        "    Return the access frequency index of <key> (LFU policies only).",
        "IDLETIME <key>",
        "    Return the idle time of <key> in seconds (LRU policies only).",
        "REFCOUNT <key>",
        "    Return the reference count of the value of <key>.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}

static kentry *object_target(client *c)
{
    kentry *e = ks_lookup(c->db, c->argv[2], KS_WRITE | KS_NOTOUCH);
    if (!e) reply_null(c);
    return e;
}

static void cmd_object_encoding(client *c)
{
    kentry *e = object_target(c);
    if (e) reply_bulk_cstr(c, enc_name(ke_enc(e)));
}

static void cmd_object_refcount(client *c)
{
    kentry *e = object_target(c);
    if (e) reply_int(c, 1);
}

static int lfu_policy(void)
{
    return cfg.maxmemory_policy == MM_ALLKEYS_LFU || cfg.maxmemory_policy == MM_VOLATILE_LFU;
}

static void cmd_object_idletime(client *c)
{
    kentry *e = object_target(c);
    if (!e) return;
    if (lfu_policy()) {
        reply_error(c, "ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                       "note that when switching between policies at runtime LRU and LFU data "
                       "will take some time to adjust.");
        return;
    }
    reply_int(c, (long long)(ke_idle_ms(e) / 1000));
}

static void cmd_object_freq(client *c)
{
    kentry *e = object_target(c);
    if (!e) return;
    if (!lfu_policy()) {
        reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not "
                       "tracked. Please note that when switching between policies at runtime "
                       "LRU and LFU data will take some time to adjust.");
        return;
    }
    reply_int(c, ke_lfu_freq(e));
}

/* ---------------------------------------------------------------- expiry */

enum { EXP_NX = 1, EXP_XX = 2, EXP_GT = 4, EXP_LT = 8 };

/* EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT: unit_ms is 1000 for seconds, 1 for ms;
 * absolute for the *AT forms. */
static void expire_generic(client *c, long long unit_ms, int absolute)
{
    long long when;
    if (arg_ll(c, c->argv[2], &when) < 0) return;
    int flags = 0;
    for (int i = 3; i < c->argc; i++) {
        slice o = c->argv[i];
        if (slice_is(o, "NX"))
            flags |= EXP_NX;
        else if (slice_is(o, "XX"))
            flags |= EXP_XX;
        else if (slice_is(o, "GT"))
            flags |= EXP_GT;
        else if (slice_is(o, "LT"))
            flags |= EXP_LT;
        else {
            reply_errorf(c, "ERR Unsupported option %.*s", (int)o.len, o.p);
            return;
        }
    }
    if ((flags & EXP_NX) && (flags & (EXP_XX | EXP_GT | EXP_LT))) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return;
    }
    if ((flags & EXP_GT) && (flags & EXP_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return;
    }
    /* Overflow checks as Redis: the product and the sum must fit. */
    long long base = absolute ? 0 : (long long)now_ms();
    if (when > (LLONG_MAX - base) / unit_ms || when < (LLONG_MIN + base) / unit_ms) {
        reply_errorf(c, "ERR invalid expire time in '%s' command", c->cmd->name);
        return;
    }
    when = when * unit_ms + base;
    kentry *e = ks_lookup(c->db, c->argv[1], KS_WRITE | KS_NOTOUCH);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    long long cur = ke_expire(e);
    if ((flags & EXP_NX) && cur >= 0) goto no;
    if ((flags & EXP_XX) && cur < 0) goto no;
    if ((flags & EXP_GT) && (cur < 0 || when <= cur)) goto no;
    if ((flags & EXP_LT) && cur >= 0 && when >= cur) goto no;
    int gone = when <= (long long)now_ms();
    if (gone)
        ks_delete(c->db, c->argv[1]);
    else
        ks_set_expire(c->db, e, when);
    key_modified(c->db, c->argv[1]);
    notify_event(NOTIFY_GENERIC, gone ? "del" : "expire", c->db, c->argv[1]);
    reply_int(c, 1);
    return;
no:
    reply_int(c, 0);
}

static void cmd_expire(client *c)
{
    expire_generic(c, 1000, 0);
}

static void cmd_pexpire(client *c)
{
    expire_generic(c, 1, 0);
}

static void cmd_expireat(client *c)
{
    expire_generic(c, 1000, 1);
}

static void cmd_pexpireat(client *c)
{
    expire_generic(c, 1, 1);
}

/* TTL family: ms = reply in milliseconds; abs = absolute time. */
static void ttl_generic(client *c, int ms, int abs)
{
    kentry *e = ks_lookup(c->db, c->argv[1], KS_WRITE | KS_NOTOUCH);
    if (!e) {
        reply_int(c, -2);
        return;
    }
    long long t = ke_expire(e);
    if (t < 0) {
        reply_int(c, -1);
        return;
    }
    if (!abs) {
        t -= (long long)now_ms();
        if (t < 0) t = 0;
        reply_int(c, ms ? t : (t + 500) / 1000);
    } else {
        reply_int(c, ms ? t : t / 1000);
    }
}

static void cmd_ttl(client *c)
{
    ttl_generic(c, 0, 0);
}

static void cmd_pttl(client *c)
{
    ttl_generic(c, 1, 0);
}

static void cmd_expiretime(client *c)
{
    ttl_generic(c, 0, 1);
}

static void cmd_pexpiretime(client *c)
{
    ttl_generic(c, 1, 1);
}

static void cmd_persist(client *c)
{
    kentry *e = ks_lookup(c->db, c->argv[1], KS_WRITE | KS_NOTOUCH);
    if (!e || ke_expire(e) < 0) {
        reply_int(c, 0);
        return;
    }
    ks_set_expire(c->db, e, -1);
    key_modified(c->db, c->argv[1]);
    notify_event(NOTIFY_GENERIC, "persist", c->db, c->argv[1]);
    reply_int(c, 1);
}

/* ---------------------------------------------------------------- table */

#define KEY_CMD(...) {.group = "generic", __VA_ARGS__}
#define RO_FAST (CMD_READONLY | CMD_FAST)
#define K1 .keys = {1, 1, 1}

static command object_subs[] = {
    KEY_CMD(.name = "object|encoding", .proc = cmd_object_encoding, .arity = 3,
            .flags = CMD_READONLY, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {2, 2, 1},
            .since = "2.2.3", .summary = "Names the internal encoding of a value.",
            .complexity = "O(1)", .args = "key", .key_flags = "RO"),
    KEY_CMD(.name = "object|freq", .proc = cmd_object_freq, .arity = 3, .flags = CMD_READONLY,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {2, 2, 1}, .since = "4.0.0",
            .summary = "Returns the LFU access counter of a key.", .complexity = "O(1)",
            .args = "key", .key_flags = "RO"),
    KEY_CMD(.name = "object|idletime", .proc = cmd_object_idletime, .arity = 3,
            .flags = CMD_READONLY, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {2, 2, 1},
            .since = "2.2.3", .summary = "Returns the seconds since a key was last used.",
            .complexity = "O(1)", .args = "key", .key_flags = "RO"),
    KEY_CMD(.name = "object|refcount", .proc = cmd_object_refcount, .arity = 3,
            .flags = CMD_READONLY, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {2, 2, 1},
            .since = "2.2.3", .summary = "Returns the reference count of a value.",
            .complexity = "O(1)", .args = "key", .key_flags = "RO"),
    KEY_CMD(.name = "object|help", .proc = cmd_object_help, .arity = 2,
            .flags = CMD_LOADING | CMD_STALE, .acl = ACL_KEYSPACE | ACL_SLOW, .since = "6.2.0",
            .summary = "Lists the OBJECT subcommands.", .complexity = "O(1)"),
    {0},
};

#define EXPIRE_ARGS(unit) unit " [NX | XX | GT | LT]"

command keys_commands[] = {
    KEY_CMD(.name = "del", .proc = cmd_del, .arity = -2, .flags = CMD_WRITE,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW, .keys = {1, -1, 1}, .since = "1.0.0",
            .summary = "Deletes keys.", .complexity = "O(N) in keys", .args = "key [key ...]",
            .key_flags = "RM DELETE"),
    KEY_CMD(.name = "unlink", .proc = cmd_del, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .keys = {1, -1, 1}, .since = "4.0.0",
            .summary = "Deletes keys, freeing memory without blocking.",
            .complexity = "O(1) per key", .args = "key [key ...]", .key_flags = "RM DELETE"),
    KEY_CMD(.name = "exists", .proc = cmd_exists, .arity = -2, .flags = RO_FAST,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, .keys = {1, -1, 1}, .since = "1.0.0",
            .summary = "Counts how many of the given keys exist.", .complexity = "O(N) in keys",
            .args = "key [key ...]", .key_flags = "RO"),
    KEY_CMD(.name = "touch", .proc = cmd_touch, .arity = -2, .flags = RO_FAST,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, .keys = {1, -1, 1}, .since = "3.2.1",
            .summary = "Marks keys as used and counts those that exist.",
            .complexity = "O(N) in keys", .args = "key [key ...]", .key_flags = "RO"),
    KEY_CMD(.name = "type", .proc = cmd_type, .arity = 2, .flags = RO_FAST,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, K1, .since = "1.0.0",
            .summary = "Names the type of a key's value.", .complexity = "O(1)", .args = "key",
            .key_flags = "RO"),
    KEY_CMD(.name = "rename", .proc = cmd_rename, .arity = 3, .flags = CMD_WRITE,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW, .keys = {1, 2, 1}, .since = "1.0.0",
            .summary = "Gives a key a new name, replacing any key of that name.",
            .complexity = "O(1)", .args = "key newkey", .key_flags = "RW ACCESS DELETE; OW UPDATE"),
    KEY_CMD(.name = "renamenx", .proc = cmd_renamenx, .arity = 3, .flags = CMD_WRITE | CMD_FAST,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .keys = {1, 2, 1}, .since = "1.0.0",
            .summary = "Renames a key only if the new name is free.", .complexity = "O(1)",
            .args = "key newkey", .key_flags = "RW ACCESS DELETE; OW INSERT"),
    KEY_CMD(.name = "copy", .proc = cmd_copy, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW, .keys = {1, 2, 1}, .since = "6.2.0",
            .summary = "Copies a key's value to another key.",
            .complexity = "O(N) in the size of the value",
            .args = "source destination [DB destination-db] [REPLACE]",
             .key_flags = "RO ACCESS; OW UPDATE"),
    KEY_CMD(.name = "move", .proc = cmd_move, .arity = 3, .flags = CMD_WRITE | CMD_FAST,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, K1, .since = "1.0.0",
            .summary = "Moves a key to another database.", .complexity = "O(1)",
            .args = "key db", .key_flags = "RW ACCESS UPDATE"),
    KEY_CMD(.name = "keys", .proc = cmd_keys_cmd, .arity = 2, .flags = CMD_READONLY | CMD_ALL_SHARDS,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW | ACL_DANGEROUS, .since = "1.0.0",
            .summary = "Lists every key matching a glob pattern.", .complexity = "O(N) in keys",
            .args = "pattern"),
    KEY_CMD(.name = "scan", .proc = cmd_scan, .arity = -2, .flags = CMD_READONLY | CMD_ALL_SHARDS,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .since = "2.8.0",
            .summary = "Walks the keyspace a few keys at a time.",
            .complexity = "O(1) per call, O(N) for a whole scan",
            .args = "cursor [MATCH pattern] [COUNT count] [TYPE type]"),
    KEY_CMD(.name = "randomkey", .proc = cmd_randomkey, .arity = 1,
            .flags = CMD_READONLY | CMD_ALL_SHARDS, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW,
            .since = "1.0.0", .summary = "Returns a random key name.", .complexity = "O(1)"),
    KEY_CMD(.name = "object", .arity = -2, .acl = ACL_SLOW, .since = "2.2.3",
            .summary = "Inspects the internals of a value.",
            .complexity = "Depends on subcommand.", .subs = object_subs),
    KEY_CMD(.name = "expire", .proc = cmd_expire, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, K1, .since = "1.0.0",
            .summary = "Sets a key's time to live in seconds.", .complexity = "O(1)",
            .args = "key " EXPIRE_ARGS("seconds"), .key_flags = "RW UPDATE"),
    KEY_CMD(.name = "pexpire", .proc = cmd_pexpire, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, K1, .since = "2.6.0",
            .summary = "Sets a key's time to live in milliseconds.", .complexity = "O(1)",
            .args = "key " EXPIRE_ARGS("milliseconds"), .key_flags = "RW UPDATE"),
    KEY_CMD(.name = "expireat", .proc = cmd_expireat, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, K1, .since = "1.2.0",
            .summary = "Sets the Unix time (seconds) at which a key expires.",
            .complexity = "O(1)", .args = "key " EXPIRE_ARGS("unix-time-seconds"),
            .key_flags = "RW UPDATE"),
    KEY_CMD(.name = "pexpireat", .proc = cmd_pexpireat, .arity = -3,
            .flags = CMD_WRITE | CMD_FAST, .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, K1,
            .since = "2.6.0", .summary = "Sets the Unix time (milliseconds) at which a key expires.",
            .complexity = "O(1)", .args = "key " EXPIRE_ARGS("unix-time-milliseconds"),
            .key_flags = "RW UPDATE"),
    KEY_CMD(.name = "ttl", .proc = cmd_ttl, .arity = 2, .flags = RO_FAST,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, K1, .since = "1.0.0",
            .summary = "Returns a key's remaining time to live in seconds.",
            .complexity = "O(1)", .args = "key", .key_flags = "RO ACCESS"),
    KEY_CMD(.name = "pttl", .proc = cmd_pttl, .arity = 2, .flags = RO_FAST,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, K1, .since = "2.6.0",
            .summary = "Returns a key's remaining time to live in milliseconds.",
            .complexity = "O(1)", .args = "key", .key_flags = "RO ACCESS"),
    KEY_CMD(.name = "expiretime", .proc = cmd_expiretime, .arity = 2, .flags = RO_FAST,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, K1, .since = "7.0.0",
            .summary = "Returns the Unix time (seconds) at which a key expires.",
            .complexity = "O(1)", .args = "key", .key_flags = "RO ACCESS"),
    KEY_CMD(.name = "pexpiretime", .proc = cmd_pexpiretime, .arity = 2, .flags = RO_FAST,
            .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, K1, .since = "7.0.0",
            .summary = "Returns the Unix time (milliseconds) at which a key expires.",
            .complexity = "O(1)", .args = "key", .key_flags = "RO ACCESS"),
    KEY_CMD(.name = "persist", .proc = cmd_persist, .arity = 2, .flags = CMD_WRITE | CMD_FAST,
            .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, K1, .since = "2.2.0",
            .summary = "Removes a key's time to live.", .complexity = "O(1)", .args = "key",
            .key_flags = "RW UPDATE"),
    {0},
};
