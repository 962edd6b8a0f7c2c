/* server/cmd_hash.c — the hash commands (data structure in types/hash.c) and
 * their entries in the command table.
 *
 * Handlers run with the shard of their key locked by the dispatcher. A hash
 * value is a `hash *` in the keyspace entry; the pointer never changes for the
 * life of the key, but its encoding can (listpack -> hashtable, never back),
 * so every write ends in `sync_enc`, which copies the encoding into the entry
 * for OBJECT ENCODING. A hash left empty is deleted, as in Redis.
 *
 * The conversion thresholds come from the config (hash-max-listpack-entries,
 * hash-max-listpack-value) at the time of each write.
 *
 * Error texts and the order of checks follow Redis 7.0 (arity and argument
 * syntax, then numbers, then the key's type, then the stored values).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/glob.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/cmdtab.h"
#include "server/notify.h"
#include "server/config.h"
#include "server/server.h"
#include "server/type_limits.h"
#include "types/hash.h"

/* ---------------------------------------------------------------- helpers */

/* Looks the key up. Returns 1 with *hp (NULL when the key is missing) if it is
 * absent or a hash; replies WRONGTYPE and returns 0 otherwise. */
static int lookup_hash(client *c, int flags, hash **hp, kentry **ep)
{
    kentry *e;
    if (!lookup_typed(c, c->argv[1], flags, OBJ_HASH, &e)) return 0;
    *hp = e ? ke_ptr(e) : NULL;
    if (ep) *ep = e;
    return 1;
}

/* The hash at argv[1] for writing, created empty when missing; NULL (after
 * replying WRONGTYPE) if the key holds another type. */
static hash *hash_for_write(client *c, kentry **ep)
{
    hash *h;
    if (!lookup_hash(c, KS_WRITE, &h, ep)) return NULL;
    if (!h) {
        h = hash_new();
        *ep = ks_add(c->db, c->argv[1], OBJ_HASH, hash_encoding(h), h);
    }
    return h;
}

/* After a change: records a conversion in the entry and signals the write. */
static void written(client *c, kentry *e, hash *h, const char *event)
{
    if (ke_enc(e) != hash_encoding(h)) ke_set_enc(e, hash_encoding(h));
    key_modified(c->db, c->argv[1]);
    notify_event(NOTIFY_HASH, event, c->db, c->argv[1]);
}

/* ---------------------------------------------------------------- writes */

/* HSET / HMSET key field value [field value ...]: the number of new fields. */
static long long hset_generic(client *c, const char *name, int *ok)
{
    *ok = 0;
    if (c->argc % 2 != 0) {
        reply_errorf(c, "ERR wrong number of arguments for '%s' command", name);
        return 0;
    }
    kentry *e;
    hash *h = hash_for_write(c, &e);
    if (!h) return 0;
    hash_limits lim = cfg_hash_limits();
    long long added = 0;
    for (int i = 2; i < c->argc; i += 2) added += hash_set(h, c->argv[i], c->argv[i + 1], &lim);
    written(c, e, h, "hset");
    *ok = 1;
    return added;
}

static void hset_cmd(client *c)
{
    int ok;
    long long added = hset_generic(c, "hset", &ok);
    if (ok) reply_int(c, added);
}

static void hmset_cmd(client *c)
{
    int ok;
    hset_generic(c, "hmset", &ok);
    if (ok) reply_ok(c);
}

static void hsetnx_cmd(client *c)
{
    hash *h;
    kentry *e;
    slice v;
    char nb[HASH_NUMBUF];
    if (!lookup_hash(c, KS_WRITE, &h, &e)) return;
    if (h && hash_get(h, c->argv[2], &v, nb)) {
        reply_int(c, 0);
        return;
    }
    if (!h) h = hash_for_write(c, &e);
    hash_limits lim = cfg_hash_limits();
    hash_set(h, c->argv[2], c->argv[3], &lim);
    written(c, e, h, "hset");
    reply_int(c, 1);
}

static void hdel_cmd(client *c)
{
    hash *h;
    kentry *e;
    if (!lookup_hash(c, KS_WRITE, &h, &e)) return;
    if (!h) {
        reply_int(c, 0);
        return;
    }
    long long deleted = 0;
    for (int i = 2; i < c->argc; i++) {
        deleted += hash_del(h, c->argv[i]);
        if (hash_len(h) == 0) break;
    }
    if (deleted) {
        notify_event(NOTIFY_HASH, "hdel", c->db, c->argv[1]);
        if (hash_len(h) == 0) {
            ks_delete(c->db, c->argv[1]);
            notify_event(NOTIFY_GENERIC, "del", c->db, c->argv[1]);
        }
        key_modified(c->db, c->argv[1]);
    }
    reply_int(c, deleted);
}

static void hincrby_cmd(client *c)
{
    long long by, cur = 0;
    if (arg_ll(c, c->argv[3], &by) < 0) return;
    hash *h;
    kentry *e;
    slice v;
    char nb[HASH_NUMBUF];
    if (!lookup_hash(c, KS_WRITE, &h, &e)) return;
    if (h && hash_get(h, c->argv[2], &v, nb) && !util_str2ll(v.p, v.len, &cur)) {
        reply_error(c, "ERR hash value is not an integer");
        return;
    }
    if ((by < 0 && cur < LLONG_MIN - by) || (by > 0 && cur > LLONG_MAX - by)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    cur += by;
    if (!h) h = hash_for_write(c, &e);
    char num[24];
    int n = util_ll2str(num, sizeof(num), cur);
    hash_limits lim = cfg_hash_limits();
    hash_set(h, c->argv[2], slice_of(num, (size_t)n), &lim);
    written(c, e, h, "hincrby");
    reply_int(c, cur);
}

static void hincrbyfloat_cmd(client *c)
{
    long double by, cur = 0;
    if (!util_str2ld(c->argv[3].p, c->argv[3].len, &by)) {
        reply_err_notfloat(c);
        return;
    }
    if (isnan(by) || isinf(by)) {
        reply_error(c, "ERR value is NaN or Infinity");
        return;
    }
    hash *h;
    kentry *e;
    slice v;
    char nb[HASH_NUMBUF];
    if (!lookup_hash(c, KS_WRITE, &h, &e)) return;
    if (h && hash_get(h, c->argv[2], &v, nb) && !util_str2ld(v.p, v.len, &cur)) {
        reply_error(c, "ERR hash value is not a float");
        return;
    }
    cur += by;
    if (isnan(cur) || isinf(cur)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char small[128], *txt = small;
    int n = util_ld2str(small, sizeof(small), cur);
    if (n == 0) { /* a huge finite value: up to ~5000 digits */
        txt = mem_alloc(5600);
        n = util_ld2str(txt, 5600, cur);
    }
    if (!h) h = hash_for_write(c, &e);
    hash_limits lim = cfg_hash_limits();
    hash_set(h, c->argv[2], slice_of(txt, (size_t)n), &lim);
    written(c, e, h, "hincrbyfloat");
    reply_bulk(c, txt, (size_t)n);
    if (txt != small) mem_free(txt);
}

/* ---------------------------------------------------------------- reads */

static void hget_cmd(client *c)
{
    hash *h;
    slice v;
    char nb[HASH_NUMBUF];
    if (!lookup_hash(c, KS_READ, &h, NULL)) return;
    if (h && hash_get(h, c->argv[2], &v, nb))
        reply_bulk(c, v.p, v.len);
    else
        reply_null(c);
}

static void hmget_cmd(client *c)
{
    hash *h;
    slice v;
    char nb[HASH_NUMBUF];
    if (!lookup_hash(c, KS_READ, &h, NULL)) return;
    reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) {
        if (h && hash_get(h, c->argv[i], &v, nb))
            reply_bulk(c, v.p, v.len);
        else
            reply_null(c);
    }
}

static void hlen_cmd(client *c)
{
    hash *h;
    if (!lookup_hash(c, KS_READ, &h, NULL)) return;
    reply_int(c, h ? (long long)hash_len(h) : 0);
}

static void hstrlen_cmd(client *c)
{
    hash *h;
    slice v;
    char nb[HASH_NUMBUF];
    if (!lookup_hash(c, KS_READ, &h, NULL)) return;
    reply_int(c, h && hash_get(h, c->argv[2], &v, nb) ? (long long)v.len : 0);
}

static void hexists_cmd(client *c)
{
    hash *h;
    slice v;
    char nb[HASH_NUMBUF];
    if (!lookup_hash(c, KS_READ, &h, NULL)) return;
    reply_int(c, h && hash_get(h, c->argv[2], &v, nb));
}

enum { WANT_FIELDS = 1, WANT_VALUES = 2 };

/* HKEYS / HVALS (arrays) and HGETALL (a map in RESP3). */
static void getall_generic(client *c, int want)
{
    hash *h;
    if (!lookup_hash(c, KS_READ, &h, NULL)) return;
    size_t n = h ? hash_len(h) : 0;
    if (want == (WANT_FIELDS | WANT_VALUES))
        reply_map(c, n);
    else
        reply_array(c, n);
    if (!h) return;
    hash_iter it;
    slice f, v;
    hash_iter_init(&it, h);
    while (hash_iter_next(&it, &f, &v)) {
        if (want & WANT_FIELDS) reply_bulk(c, f.p, f.len);
        if (want & WANT_VALUES) reply_bulk(c, v.p, v.len);
    }
    hash_iter_done(&it);
}

static void hkeys_cmd(client *c)
{
    getall_generic(c, WANT_FIELDS);
}

static void hvals_cmd(client *c)
{
    getall_generic(c, WANT_VALUES);
}

static void hgetall_cmd(client *c)
{
    getall_generic(c, WANT_FIELDS | WANT_VALUES);
}

/* ---------------------------------------------------------------- HRANDFIELD */

typedef struct rand_reply {
    client *c;
    int withvalues;
} rand_reply;

static void reply_rand_pair(void *priv, slice f, slice v)
{
    rand_reply *rr = priv;
    if (rr->withvalues && rr->c->resp > 2) reply_array(rr->c, 2);
    reply_bulk(rr->c, f.p, f.len);
    if (rr->withvalues) reply_bulk(rr->c, v.p, v.len);
}

/* HRANDFIELD key count [WITHVALUES]. A negative count allows repetitions; a
 * positive one returns distinct fields (the whole hash when count >= len).
 * With values, RESP2 gets a flat array and RESP3 an array of [field, value]. */
static void hrandfield_count(client *c)
{
    long long count;
    if (arg_ll(c, c->argv[2], &count) < 0) return;
    if (count < -LLONG_MAX) {
        reply_errorf(c, "ERR value is out of range, value must between %lld and %lld",
                     -LLONG_MAX, LLONG_MAX);
        return;
    }
    int withvalues = 0;
    if (c->argc > 4 || (c->argc == 4 && !slice_is(c->argv[3], "WITHVALUES"))) {
        reply_err_syntax(c);
        return;
    }
    if (c->argc == 4) {
        withvalues = 1;
        if (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2) {
            reply_error(c, "ERR value is out of range");
            return;
        }
    }
    hash *h;
    if (!lookup_hash(c, KS_READ, &h, NULL)) return;
    if (!h || count == 0) {
        reply_array(c, 0);
        return;
    }
    rand_reply rr = {c, withvalues};
    size_t len = hash_len(h);
    size_t n = count < 0 ? (size_t)-count : (size_t)count;
    if (count > 0 && n > len) n = len;
    reply_array(c, withvalues && c->resp == 2 ? n * 2 : n);
    if (count < 0) {
        hash_random_pairs(h, n, reply_rand_pair, &rr);
    } else if (n == len) {
        hash_iter it;
        slice f, v;
        hash_iter_init(&it, h);
        while (hash_iter_next(&it, &f, &v)) reply_rand_pair(&rr, f, v);
        hash_iter_done(&it);
    } else {
        hash_random_distinct(h, n, reply_rand_pair, &rr);
    }
}

static void hrandfield_cmd(client *c)
{
    if (c->argc >= 3) {
        hrandfield_count(c);
        return;
    }
    hash *h;
    if (!lookup_hash(c, KS_READ, &h, NULL)) return;
    if (!h) {
        reply_null(c);
        return;
    }
    rand_reply rr = {c, 0};
    hash_random_pairs(h, 1, reply_rand_pair, &rr);
}

/* ---------------------------------------------------------------- HSCAN */

typedef struct scan_list {
    buf bytes;   /* copies of the fields and values (a listpack's integers are
                    formatted for the duration of the callback only) */
    size_t *off; /* item i: offset off[2i] and length off[2i+1] in bytes */
    size_t n, cap; /* items: field, value, field, value ... */
} scan_list;

static void collect_one(scan_list *sl, slice s)
{
    if (sl->n == sl->cap) {
        sl->cap = sl->cap ? sl->cap * 2 : 32;
        sl->off = mem_realloc(sl->off, sl->cap * 2 * sizeof(size_t));
    }
    sl->off[2 * sl->n] = sl->bytes.len;
    sl->off[2 * sl->n + 1] = s.len;
    sl->n++;
    buf_append(&sl->bytes, s.p, s.len);
}

static void collect_pair(void *priv, slice f, slice v)
{
    collect_one(priv, f);
    collect_one(priv, v);
}

static slice scan_item(const scan_list *sl, size_t i)
{
    if (!sl->off[2 * i + 1]) return slice_of("", 0); /* bytes.p may be NULL */
    return slice_of(sl->bytes.p + sl->off[2 * i], sl->off[2 * i + 1]);
}

/* A SCAN cursor as Redis reads it (strtoul: optional sign, no leading space,
 * nothing after the digits, no overflow). */
static int parse_cursor(client *c, slice s, uint64_t *out)
{
    char tmp[32];
    if (s.len >= sizeof(tmp) || (s.len && memchr(s.p, 0, s.len))) goto bad;
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = 0;
    if (s.len && (tmp[0] == ' ' || (tmp[0] >= '\t' && tmp[0] <= '\r'))) goto bad;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(tmp, &end, 10);
    if (*end || errno == ERANGE) goto bad;
    *out = v;
    return 0;
bad:
    reply_error(c, "ERR invalid cursor");
    return -1;
}

static void hscan_cmd(client *c)
{
    uint64_t cursor;
    if (parse_cursor(c, c->argv[2], &cursor) < 0) return;
    hash *h;
    if (!lookup_hash(c, KS_READ, &h, NULL)) return;
    if (!h) {
        reply_array(c, 2);
        reply_bulk(c, "0", 1);
        reply_array(c, 0);
        return;
    }
    long long count = 10;
    slice pattern = {0};
    int match_all = 1;
    for (int i = 3; i < c->argc; i++) {
        int more = c->argc - i - 1;
        if (slice_is(c->argv[i], "COUNT") && more) {
            if (arg_ll(c, c->argv[++i], &count) < 0) return;
            if (count < 1) {
                reply_err_syntax(c);
                return;
            }
        } else if (slice_is(c->argv[i], "MATCH") && more) {
            pattern = c->argv[++i];
            match_all = pattern.len == 1 && pattern.p[0] == '*';
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    scan_list sl = {.bytes = BUF_INIT};
    if (hash_encoding(h) != ENC_HT) {
        cursor = hash_scan(h, 0, collect_pair, &sl);
    } else {
        /* As Redis: steps until `count` items (fields and values) are collected,
         * at most count*10 steps. */
        long long steps = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
        do {
            cursor = hash_scan(h, cursor, collect_pair, &sl);
        } while (cursor && steps-- && sl.n < (unsigned long long)count);
    }
    size_t kept = sl.n;
    if (!match_all) {
        kept = 0;
        for (size_t i = 0; i < sl.n; i += 2) {
            slice f = scan_item(&sl, i);
            if (!glob_match(pattern.p, pattern.len, f.p, f.len, 0)) continue;
            for (size_t j = 0; j < 4; j++) sl.off[2 * kept + j] = sl.off[2 * i + j];
            kept += 2;
        }
    }
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)cursor);
    reply_array(c, kept);
    for (size_t i = 0; i < kept; i++) {
        slice it = scan_item(&sl, i);
        reply_bulk(c, it.p, it.len);
    }
    mem_free(sl.off);
    buf_free(&sl.bytes);
}

/* ---------------------------------------------------------------- table */

#define HASH_CMD(...) {.group = "hash", .keys = {1, 1, 1}, __VA_ARGS__}
#define W_FAST (CMD_WRITE | CMD_DENYOOM | CMD_FAST)
#define RO_FAST (CMD_READONLY | CMD_FAST)

command hash_commands[] = {
    HASH_CMD(.name = "hset", .proc = hset_cmd, .arity = -4, .flags = W_FAST,
             .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .since = "2.0.0",
             .summary = "Sets one or more fields of a hash, creating the hash when absent.",
             .complexity = "O(1) per field set", .args = "key field value [field value ...]",
             .key_flags = "RW UPDATE"),
    HASH_CMD(.name = "hsetnx", .proc = hsetnx_cmd, .arity = 4, .flags = W_FAST,
             .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .since = "2.0.0",
             .summary = "Sets a field of a hash only when the field is absent.",
             .complexity = "O(1)", .args = "key field value", .key_flags = "RW INSERT"),
    HASH_CMD(.name = "hget", .proc = hget_cmd, .arity = 3, .flags = RO_FAST,
             .acl = ACL_READ | ACL_HASH | ACL_FAST, .since = "2.0.0",
             .summary = "Returns the value of a field of a hash.", .complexity = "O(1)",
             .args = "key field", .key_flags = "RO ACCESS"),
    HASH_CMD(.name = "hmget", .proc = hmget_cmd, .arity = -3, .flags = RO_FAST,
             .acl = ACL_READ | ACL_HASH | ACL_FAST, .since = "2.0.0",
             .summary = "Returns the values of several fields of a hash (nil for absent ones).",
             .complexity = "O(N) for N fields", .args = "key field [field ...]",
             .key_flags = "RO ACCESS"),
    HASH_CMD(.name = "hmset", .proc = hmset_cmd, .arity = -4, .flags = W_FAST,
             .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .since = "2.0.0",
             .summary = "Sets one or more fields of a hash (deprecated: HSET).",
             .complexity = "O(N) for N fields", .args = "key field value [field value ...]",
             .key_flags = "RW UPDATE"),
    HASH_CMD(.name = "hdel", .proc = hdel_cmd, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
             .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .since = "2.0.0",
             .summary = "Removes fields from a hash, deleting the hash when none are left.",
             .complexity = "O(N) for N fields", .args = "key field [field ...]",
             .key_flags = "RW DELETE"),
    HASH_CMD(.name = "hlen", .proc = hlen_cmd, .arity = 2, .flags = RO_FAST,
             .acl = ACL_READ | ACL_HASH | ACL_FAST, .since = "2.0.0",
             .summary = "Returns the number of fields of a hash.", .complexity = "O(1)",
             .args = "key", .key_flags = "RO"),
    HASH_CMD(.name = "hstrlen", .proc = hstrlen_cmd, .arity = 3, .flags = RO_FAST,
             .acl = ACL_READ | ACL_HASH | ACL_FAST, .since = "3.2.0",
             .summary = "Returns the length in bytes of the value of a field of a hash.",
             .complexity = "O(1)", .args = "key field", .key_flags = "RO"),
    HASH_CMD(.name = "hexists", .proc = hexists_cmd, .arity = 3, .flags = RO_FAST,
             .acl = ACL_READ | ACL_HASH | ACL_FAST, .since = "2.0.0",
             .summary = "Tells whether a field is present in a hash.", .complexity = "O(1)",
             .args = "key field", .key_flags = "RO"),
    HASH_CMD(.name = "hkeys", .proc = hkeys_cmd, .arity = 2, .flags = CMD_READONLY,
             .acl = ACL_READ | ACL_HASH | ACL_SLOW, .since = "2.0.0",
             .summary = "Returns every field of a hash.", .complexity = "O(N) for N fields",
             .args = "key", .key_flags = "RO ACCESS"),
    HASH_CMD(.name = "hvals", .proc = hvals_cmd, .arity = 2, .flags = CMD_READONLY,
             .acl = ACL_READ | ACL_HASH | ACL_SLOW, .since = "2.0.0",
             .summary = "Returns every value of a hash.", .complexity = "O(N) for N fields",
             .args = "key", .key_flags = "RO ACCESS"),
    HASH_CMD(.name = "hgetall", .proc = hgetall_cmd, .arity = 2, .flags = CMD_READONLY,
             .acl = ACL_READ | ACL_HASH | ACL_SLOW, .since = "2.0.0",
             .summary = "Returns every field and value of a hash.",
             .complexity = "O(N) for N fields", .args = "key", .key_flags = "RO ACCESS"),
    HASH_CMD(.name = "hincrby", .proc = hincrby_cmd, .arity = 4, .flags = W_FAST,
             .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .since = "2.0.0",
             .summary = "Adds an amount to the integer in a field of a hash, starting from 0 "
                        "when absent.",
             .complexity = "O(1)", .args = "key field increment",
             .key_flags = "RW ACCESS UPDATE"),
    HASH_CMD(.name = "hincrbyfloat", .proc = hincrbyfloat_cmd, .arity = 4, .flags = W_FAST,
             .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .since = "2.6.0",
             .summary = "Adds a floating-point amount to the number in a field of a hash, "
                        "starting from 0 when absent.",
             .complexity = "O(1)", .args = "key field increment",
             .key_flags = "RW ACCESS UPDATE"),
    HASH_CMD(.name = "hrandfield", .proc = hrandfield_cmd, .arity = -2, .flags = CMD_READONLY,
             .acl = ACL_READ | ACL_HASH | ACL_SLOW, .since = "6.2.0",
             .summary = "Returns random fields of a hash, optionally with their values.",
             .complexity = "O(N) for N returned fields",
             .args = "key [count [WITHVALUES]]", .key_flags = "RO ACCESS"),
    HASH_CMD(.name = "hscan", .proc = hscan_cmd, .arity = -3, .flags = CMD_READONLY,
             .acl = ACL_READ | ACL_HASH | ACL_SLOW, .since = "2.8.0",
             .summary = "Iterates over the fields and values of a hash with a cursor.",
             .complexity = "O(1) per call, O(N) for a whole iteration",
             .args = "key cursor [MATCH pattern] [COUNT count]", .key_flags = "RO ACCESS"),
    {0},
};
