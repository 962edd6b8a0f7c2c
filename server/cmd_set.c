/* server/cmd_set.c — the set commands (data structure in types/set.c) and their
 * entries in the command table.
 *
 * Handlers run with the shards of their keys locked by the dispatcher. A set
 * value is the `set *` of its keyspace entry; the set API may reallocate or
 * convert it, so after every change sync() stores the new pointer and encoding
 * in the entry, and a set left empty is deleted (Redis never keeps empty sets).
 *
 * Multi-key operations (SINTER, SUNION, SDIFF and their STORE forms) first look
 * every source up, replying WRONGTYPE if any is not a set (a missing key is an
 * empty set), then compute. SINTER streams its result; SUNION and SDIFF build a
 * temporary set (which also removes duplicates). The STORE forms build the
 * result as a new set and then replace the destination, dropping its TTL, or
 * delete it when the result is empty.
 *
 * Reply types follow Redis 7.0: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a
 * count are sets in RESP3; SRANDMEMBER with a count and SMISMEMBER are arrays.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/glob.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/cmdtab.h"
#include "server/notify.h"
#include "server/config.h"
#include "server/propagate.h"
#include "server/server.h"
#include "server/type_limits.h"
#include "types/set.h"

/* ---------------------------------------------------------------- helpers */

/* Looks key up. Returns 1 with *sp (NULL when missing) and *ep, or replies
 * WRONGTYPE and returns 0. */
static int lookup_set(client *c, slice key, int flags, kentry **ep, set **sp)
{
    kentry *e;
    if (!lookup_typed(c, key, flags, OBJ_SET, &e)) return 0;
    if (ep) *ep = e;
    *sp = e ? ke_ptr(e) : NULL;
    return 1;
}

/* Stores the (possibly moved or converted) set s back into e (the entry of
 * key), publishes event (unless NULL), then deletes the key when s is empty. */
static void sync(client *c, slice key, kentry *e, set *s, const char *event)
{
    if (ke_ptr(e) != s) ke_set_ptr(e, s);
    if (ke_enc(e) != set_encoding(s)) ke_set_enc(e, set_encoding(s));
    if (event) notify_event(NOTIFY_SET, event, c->db, key);
    if (set_size(s) == 0) {
        ks_delete(c->db, key);
        notify_event(NOTIFY_GENERIC, "del", c->db, key);
    }
}

/* Replies every member of s as a RESP3 set (array in RESP2). */
static void reply_members(client *c, set *s)
{
    reply_set(c, s ? set_size(s) : 0);
    if (!s) return;
    set_iter it;
    slice m;
    set_iter_init(&it, s);
    while (set_iter_next(&it, &m))
        reply_bulk(c, m.p, m.len);
    set_iter_done(&it);
}

/* ---------------------------------------------------------------- SADD SREM */

static void sadd_cmd(client *c)
{
    kentry *e;
    set *s;
    if (!lookup_set(c, c->argv[1], KS_WRITE, &e, &s)) return;
    if (!s) s = set_new();
    set_limits lim = cfg_set_limits();
    long long added = 0;
    for (int i = 2; i < c->argc; i++)
        added += set_add(&s, c->argv[i], &lim);
    if (e) {
        sync(c, c->argv[1], e, s, added ? "sadd" : NULL);
    } else {
        ks_add(c->db, c->argv[1], OBJ_SET, set_encoding(s), s);
        notify_event(NOTIFY_SET, "sadd", c->db, c->argv[1]);
    }
    if (added) key_modified(c->db, c->argv[1]);
    reply_int(c, added);
}

static void srem_cmd(client *c)
{
    kentry *e;
    set *s;
    if (!lookup_set(c, c->argv[1], KS_WRITE, &e, &s)) return;
    long long removed = 0;
    for (int i = 2; s && i < c->argc && set_size(s); i++)
        removed += set_remove(&s, c->argv[i]);
    if (removed) {
        sync(c, c->argv[1], e, s, "srem");
        key_modified(c->db, c->argv[1]);
    }
    reply_int(c, removed);
}

/* ---------------------------------------------------------------- reads */

static void scard_cmd(client *c)
{
    set *s;
    if (lookup_set(c, c->argv[1], KS_READ, NULL, &s))
        reply_int(c, s ? (long long)set_size(s) : 0);
}

static void sismember_cmd(client *c)
{
    set *s;
    if (lookup_set(c, c->argv[1], KS_READ, NULL, &s))
        reply_int(c, s && set_contains(s, c->argv[2]));
}

static void smismember_cmd(client *c)
{
    set *s;
    if (!lookup_set(c, c->argv[1], KS_READ, NULL, &s)) return;
    reply_array(c, (size_t)c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        reply_int(c, s && set_contains(s, c->argv[i]));
}

static void smembers_cmd(client *c)
{
    set *s;
    if (lookup_set(c, c->argv[1], KS_READ, NULL, &s)) reply_members(c, s);
}

/* ---------------------------------------------------------------- SRANDMEMBER */

/* count distinct random members (0 < count < size), as an array. */
static void reply_distinct_random(client *c, set *s, size_t count)
{
    size_t size = set_size(s);
    reply_array(c, count);
    set_iter it;
    slice m;
    if (count > size / 3) {
        /* Many: one pass choosing each member with probability need/left. */
        size_t left = size;
        set_iter_init(&it, s);
        while (count && set_iter_next(&it, &m)) {
            if (util_rand64() % left-- < count) {
                reply_bulk(c, m.p, m.len);
                count--;
            }
        }
        set_iter_done(&it);
        return;
    }
    /* Few: random picks, duplicates filtered through a temporary set. */
    set *seen = set_new();
    set_limits lim = cfg_set_limits();
    char nb[SET_NUMBUF];
    while (set_size(seen) < count) {
        set_random(s, nb, &m);
        if (set_add(&seen, m, &lim)) reply_bulk(c, m.p, m.len);
    }
    set_free(seen);
}

static void srandmember_cmd(client *c)
{
    set *s;
    char nb[SET_NUMBUF];
    slice m;
    if (c->argc > 3) {
        reply_err_syntax(c);
        return;
    }
    if (c->argc == 2) {
        if (!lookup_set(c, c->argv[1], KS_READ, NULL, &s)) return;
        if (!s) {
            reply_null(c);
            return;
        }
        set_random(s, nb, &m);
        reply_bulk(c, m.p, m.len);
        return;
    }
    long long count;
    if (arg_ll(c, c->argv[2], &count) < 0) return;
    if (count == LLONG_MIN) {
        reply_error(c,
                    "ERR value is out of range, value must between -9223372036854775807 "
                    "and 9223372036854775807");
        return;
    }
    if (!lookup_set(c, c->argv[1], KS_READ, NULL, &s)) return;
    if (!s || count == 0) {
        reply_array(c, 0);
        return;
    }
    if (count < 0) {
        /* Repeats allowed: -count independent picks. A huge count could run
         * for ever; stop once the client is being dropped (output limit). */
        reply_array(c, (size_t)-count);
        for (long long i = 0; i < -count; i++) {
            if ((i & 1023) == 1023 && (c->flags & CL_CLOSE_ASAP)) break;
            set_random(s, nb, &m);
            reply_bulk(c, m.p, m.len);
        }
        return;
    }
    size_t size = set_size(s);
    if ((unsigned long long)count >= size) {
        reply_array(c, size);
        set_iter it;
        set_iter_init(&it, s);
        while (set_iter_next(&it, &m))
            reply_bulk(c, m.p, m.len);
        set_iter_done(&it);
        return;
    }
    reply_distinct_random(c, s, (size_t)count);
}

/* ---------------------------------------------------------------- SPOP */

/* SPOP with a count: replies each member and keeps it for the log (SREM). */
typedef struct popped {
    client *c;
    buf bytes; /* members, each as length (size_t) + bytes */
    int n;
} popped;

static void reply_popped(void *priv, slice m)
{
    popped *pc = priv;
    reply_bulk(pc->c, m.p, m.len);
    buf_append(&pc->bytes, &m.len, sizeof(m.len));
    buf_append(&pc->bytes, m.p, m.len);
    pc->n++;
}

static void propagate_popped(popped *pc, slice key)
{
    slice *argv = mem_alloc(sizeof(slice) * (size_t)(pc->n + 2));
    argv[0] = slice_of("SREM", 4);
    argv[1] = key;
    size_t off = 0;
    for (int i = 0; i < pc->n; i++) {
        size_t len;
        memcpy(&len, pc->bytes.p + off, sizeof(len));
        off += sizeof(len);
        argv[2 + i] = slice_of(pc->bytes.p + off, len);
        off += len;
    }
    propagate_as(argv, pc->n + 2);
    mem_free(argv);
    buf_free(&pc->bytes);
}

static void spop_one(client *c)
{
    kentry *e;
    set *s;
    if (!lookup_set(c, c->argv[1], KS_WRITE, &e, &s)) return;
    if (!s) {
        reply_null(c);
        return;
    }
    char nb[SET_NUMBUF];
    slice m;
    set_random(s, nb, &m);
    reply_bulk(c, m.p, m.len);
    slice srem[3] = {slice_of("SREM", 4), c->argv[1], m};
    propagate_as(srem, 3); /* the log gets the member, not the dice roll */
    set_remove(&s, m); /* m may point into the member being freed: not used after */
    sync(c, c->argv[1], e, s, "spop");
    key_modified(c->db, c->argv[1]);
}

static void spop_cmd(client *c)
{
    if (c->argc > 3) {
        reply_err_syntax(c);
        return;
    }
    if (c->argc == 2) {
        spop_one(c);
        return;
    }
    long long count;
    if (!util_str2ll(c->argv[2].p, c->argv[2].len, &count) || count < 0) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    kentry *e;
    set *s;
    if (!lookup_set(c, c->argv[1], KS_WRITE, &e, &s)) return;
    if (!s || count == 0) {
        reply_set(c, 0);
        return;
    }
    size_t size = set_size(s);
    if ((unsigned long long)count >= size) {
        reply_members(c, s);
        notify_event(NOTIFY_SET, "spop", c->db, c->argv[1]);
        ks_delete(c->db, c->argv[1]);
        slice del[2] = {slice_of("DEL", 3), c->argv[1]};
        propagate_as(del, 2);
        notify_event(NOTIFY_GENERIC, "del", c->db, c->argv[1]);
    } else {
        reply_set(c, (size_t)count);
        popped pc = {c, {0}, 0};
        set_pop_random(&s, (size_t)count, reply_popped, &pc);
        propagate_popped(&pc, c->argv[1]);
        sync(c, c->argv[1], e, s, "spop");
    }
    key_modified(c->db, c->argv[1]);
}

/* ---------------------------------------------------------------- SMOVE */

static void smove_cmd(client *c)
{
    slice src = c->argv[1], dst = c->argv[2], m = c->argv[3];
    kentry *se, *de;
    set *ss, *ds;
    if (!lookup_set(c, src, KS_WRITE, &se, &ss)) return;
    if (!ss) {
        reply_int(c, 0);
        return;
    }
    if (!lookup_set(c, dst, KS_WRITE, &de, &ds)) return;
    if (slice_eq(src, dst)) {
        reply_int(c, set_contains(ss, m));
        return;
    }
    if (!set_remove(&ss, m)) {
        reply_int(c, 0);
        return;
    }
    sync(c, src, se, ss, "srem"); /* may delete src; de (another key) stays valid */
    set_limits lim = cfg_set_limits();
    if (!ds) {
        ds = set_new();
        set_add(&ds, m, &lim);
        ks_add(c->db, dst, OBJ_SET, set_encoding(ds), ds);
        notify_event(NOTIFY_SET, "sadd", c->db, dst);
    } else {
        int added = set_add(&ds, m, &lim);
        sync(c, dst, de, ds, added ? "sadd" : NULL);
    }
    key_modified(c->db, src);
    key_modified(c->db, dst);
    reply_int(c, 1);
}

/* ---------------------------------------------------------------- set algebra */

/* Looks up n source keys into sets[] (NULL for a missing key). Replies
 * WRONGTYPE and returns -1 if any is not a set. */
static int gather(client *c, const slice *keys, int n, set **sets)
{
    for (int i = 0; i < n; i++)
        if (!lookup_set(c, keys[i], KS_READ, NULL, &sets[i])) return -1;
    return 0;
}

static int by_size(const void *a, const void *b)
{
    size_t x = set_size(*(set *const *)a), y = set_size(*(set *const *)b);
    return x < y ? -1 : x > y;
}

/* Where an operation's result goes: replied, counted or collected. */
typedef struct sink {
    client *c; /* reply each member (when out is NULL and !count_only) */
    set *out;  /* collect into this set */
    int count_only;
    size_t n;
    set_limits lim;
} sink;

/* The intersection of n sets (none NULL), to sink k, stopping after limit
 * members (0: no limit). */
static void intersect(set **sets, int n, sink *k, size_t limit)
{
    qsort(sets, (size_t)n, sizeof(set *), by_size);
    set_iter it;
    slice m;
    set_iter_init(&it, sets[0]);
    while (set_iter_next(&it, &m)) {
        int j = 1;
        while (j < n && (sets[j] == sets[0] || set_contains(sets[j], m)))
            j++;
        if (j < n) continue;
        if (k->out)
            set_add(&k->out, m, &k->lim);
        else if (!k->count_only)
            reply_bulk(k->c, m.p, m.len);
        if (++k->n == limit) break;
    }
    set_iter_done(&it);
}

static void add_all(set **dst, set *src, const set_limits *lim)
{
    set_iter it;
    slice m;
    set_iter_init(&it, src);
    while (set_iter_next(&it, &m))
        set_add(dst, m, lim);
    set_iter_done(&it);
}

/* sets[0] minus the others (any may be NULL), as a new set. Picks the cheaper
 * of: test each member of the first against every other set, or copy the first
 * and remove every member of the others. */
static set *difference(set **sets, int n, const set_limits *lim)
{
    set *out = set_new();
    if (!sets[0]) return out;
    size_t per_member = 0, others = 0;
    for (int i = 1; i < n; i++)
        if (sets[i]) {
            per_member++;
            others += set_size(sets[i]);
        }
    if (set_size(sets[0]) * per_member / 2 <= set_size(sets[0]) + others) {
        set_iter it;
        slice m;
        set_iter_init(&it, sets[0]);
        while (set_iter_next(&it, &m)) {
            int j = 1;
            while (j < n && !(sets[j] && set_contains(sets[j], m)))
                j++;
            if (j == n) set_add(&out, m, lim);
        }
        set_iter_done(&it);
        return out;
    }
    add_all(&out, sets[0], lim);
    for (int i = 1; i < n && set_size(out); i++) {
        if (!sets[i]) continue;
        set_iter it;
        slice m;
        set_iter_init(&it, sets[i]);
        while (set_size(out) && set_iter_next(&it, &m))
            set_remove(&out, m);
        set_iter_done(&it);
    }
    return out;
}

/* Makes result (owned, possibly empty) the value of dst, replacing whatever was
 * there (TTL dropped), or deletes dst when result is empty; replies the size. */
static void store_result(client *c, slice dst, set *result, const char *event)
{
    size_t n = set_size(result);
    int existed = ks_delete(c->db, dst);
    if (n)
        ks_add(c->db, dst, OBJ_SET, set_encoding(result), result);
    else
        set_free(result);
    if (n || existed) key_modified(c->db, dst);
    if (n)
        notify_event(NOTIFY_SET, event, c->db, dst);
    else if (existed)
        notify_event(NOTIFY_GENERIC, "del", c->db, dst);
    reply_int(c, (long long)n);
}

enum { OP_INTER, OP_UNION, OP_DIFF };

/* SINTER SUNION SDIFF (dst NULL) and their STORE forms: sources are
 * argv[first..argc). */
static void setop_generic(client *c, int first, const slice *dst, int op)
{
    int n = c->argc - first;
    set *stack[16];
    set **sets = n <= 16 ? stack : mem_alloc(sizeof(set *) * (size_t)n);
    if (gather(c, c->argv + first, n, sets) < 0) goto done;
    sink k = {.c = c, .lim = cfg_set_limits()};
    set *result = NULL;
    if (op == OP_INTER) {
        int missing = 0;
        for (int i = 0; i < n; i++)
            missing |= sets[i] == NULL;
        if (dst) {
            k.out = set_new();
            if (!missing) intersect(sets, n, &k, 0);
            result = k.out;
        } else if (missing) {
            reply_set(c, 0);
        } else {
            size_t mark = reply_defer(c);
            intersect(sets, n, &k, 0);
            reply_set_deferred(c, mark, RESP_AGG_SET, k.n);
        }
    } else if (op == OP_UNION) {
        result = set_new();
        for (int i = 0; i < n; i++)
            if (sets[i]) add_all(&result, sets[i], &k.lim);
    } else {
        result = difference(sets, n, &k.lim);
    }
    if (result && dst) {
        static const char *const events[] = {"sinterstore", "sunionstore", "sdiffstore"};
        store_result(c, *dst, result, events[op]);
    } else if (result) {
        reply_members(c, result);
        set_free(result);
    }
done:
    if (sets != stack) mem_free(sets);
}

static void sinter_cmd(client *c)
{
    setop_generic(c, 1, NULL, OP_INTER);
}

static void sunion_cmd(client *c)
{
    setop_generic(c, 1, NULL, OP_UNION);
}

static void sdiff_cmd(client *c)
{
    setop_generic(c, 1, NULL, OP_DIFF);
}

static void sinterstore_cmd(client *c)
{
    setop_generic(c, 2, &c->argv[1], OP_INTER);
}

static void sunionstore_cmd(client *c)
{
    setop_generic(c, 2, &c->argv[1], OP_UNION);
}

static void sdiffstore_cmd(client *c)
{
    setop_generic(c, 2, &c->argv[1], OP_DIFF);
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
static void sintercard_cmd(client *c)
{
    long long numkeys, limit = 0;
    if (!util_str2ll(c->argv[1].p, c->argv[1].len, &numkeys) || numkeys < 1) {
        reply_error(c, "ERR numkeys should be greater than 0");
        return;
    }
    if (numkeys > c->argc - 2) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int i = 2 + (int)numkeys; i < c->argc; i++) {
        if (slice_is(c->argv[i], "LIMIT") && i + 1 < c->argc) {
            slice a = c->argv[++i];
            if (!util_str2ll(a.p, a.len, &limit) || limit < 0) {
                reply_error(c, "ERR LIMIT can't be negative");
                return;
            }
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    int n = (int)numkeys;
    set *stack[16];
    set **sets = n <= 16 ? stack : mem_alloc(sizeof(set *) * (size_t)n);
    if (gather(c, c->argv + 2, n, sets) == 0) {
        int missing = 0;
        for (int i = 0; i < n; i++)
            missing |= sets[i] == NULL;
        sink k = {.c = c, .count_only = 1};
        if (!missing) intersect(sets, n, &k, (size_t)limit);
        reply_int(c, (long long)k.n);
    }
    if (sets != stack) mem_free(sets);
}

/* The keys of SINTERCARD: numkeys of them after argv[1]; none if numkeys is not
 * valid (the handler then replies the error without touching the keyspace). */
static int sintercard_getkeys(const slice *argv, int argc, int *pos, int max)
{
    long long nk;
    if (argc < 3 || !util_str2ll(argv[1].p, argv[1].len, &nk) || nk < 1 || nk > argc - 2)
        return 0;
    int n = 0;
    for (long long i = 0; i < nk && n < max; i++)
        pos[n++] = 2 + (int)i;
    return n;
}

/* ---------------------------------------------------------------- SSCAN */

/* Parses a SCAN cursor as Redis 7.0 does (strtoul: an optional sign, digits,
 * no leading space, in range). */
static int parse_cursor(slice s, uint64_t *out)
{
    char tmp[64];
    if (s.len >= sizeof(tmp) || memchr(s.p, 0, s.len)) return -1;
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = 0;
    if (s.len && (tmp[0] == ' ' || (tmp[0] >= '\t' && tmp[0] <= '\r'))) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(tmp, &end, 10);
    if (*end || errno == ERANGE) return -1;
    *out = v;
    return 0;
}

typedef struct scan_out {
    slice pattern;
    int match_all;
    size_t n;
    buf b; /* u32 length + bytes, per member */
} scan_out;

static void scan_collect(void *priv, slice m)
{
    scan_out *so = priv;
    if (!so->match_all && !glob_match(so->pattern.p, so->pattern.len, m.p, m.len, 0))
        return;
    uint32_t len = (uint32_t)m.len;
    buf_append(&so->b, &len, sizeof(len));
    buf_append(&so->b, m.p, m.len);
    so->n++;
}

static void sscan_cmd(client *c)
{
    uint64_t cursor;
    if (parse_cursor(c->argv[2], &cursor) < 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    set *s;
    if (!lookup_set(c, c->argv[1], KS_READ, NULL, &s)) return;
    if (!s) {
        reply_array(c, 2);
        reply_bulk_cstr(c, "0");
        reply_array(c, 0);
        return;
    }
    scan_out so = {.match_all = 1, .b = BUF_INIT};
    long long count = 10;
    for (int i = 3; i < c->argc; i++) {
        int more = i + 1 < c->argc;
        if (slice_is(c->argv[i], "COUNT") && more) {
            if (arg_ll(c, c->argv[++i], &count) < 0) return;
            if (count < 1) {
                reply_err_syntax(c);
                return;
            }
        } else if (slice_is(c->argv[i], "MATCH") && more) {
            so.pattern = c->argv[++i];
            so.match_all = so.pattern.len == 1 && so.pattern.p[0] == '*';
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    uint64_t next =
        set_scan(s, cursor, count > LONG_MAX ? LONG_MAX : (long)count, scan_collect, &so);
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)next);
    reply_array(c, so.n);
    for (size_t off = 0; off < so.b.len;) {
        uint32_t len;
        memcpy(&len, so.b.p + off, sizeof(len));
        off += sizeof(len);
        reply_bulk(c, so.b.p + off, len);
        off += len;
    }
    buf_free(&so.b);
}

/* ---------------------------------------------------------------- table */

#define SET_CMD(...)                                                                     \
    {                                                                                    \
        .group = "set", __VA_ARGS__                                                      \
    }
#define W_FAST (CMD_WRITE | CMD_FAST)
#define R_FAST (CMD_READONLY | CMD_FAST)

command set_commands[] = {
    SET_CMD(.name = "sadd", .proc = sadd_cmd, .arity = -3,
            .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
            .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 1, 1}, .since = "1.0.0",
            .summary = "Adds members to a set, creating the set when absent.",
            .complexity = "O(1) per member added", .args = "key member [member ...]",
            .key_flags = "RW INSERT"),
    SET_CMD(.name = "srem", .proc = srem_cmd, .arity = -3, .flags = W_FAST,
            .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 1, 1}, .since = "1.0.0",
            .summary = "Removes members from a set, deleting the set when it empties.",
            .complexity = "O(1) per member removed", .args = "key member [member ...]",
            .key_flags = "RW DELETE"),
    SET_CMD(.name = "scard", .proc = scard_cmd, .arity = 2, .flags = R_FAST,
            .acl = ACL_READ | ACL_SET | ACL_FAST, .keys = {1, 1, 1}, .since = "1.0.0",
            .summary = "Counts the members of a set.", .complexity = "O(1)",
            .args = "key", .key_flags = "RO"),
    SET_CMD(.name = "sismember", .proc = sismember_cmd, .arity = 3, .flags = R_FAST,
            .acl = ACL_READ | ACL_SET | ACL_FAST, .keys = {1, 1, 1}, .since = "1.0.0",
            .summary = "Tells whether a value is a member of a set.",
            .complexity = "O(1)", .args = "key member", .key_flags = "RO"),
    SET_CMD(.name = "smismember", .proc = smismember_cmd, .arity = -3, .flags = R_FAST,
            .acl = ACL_READ | ACL_SET | ACL_FAST, .keys = {1, 1, 1}, .since = "6.2.0",
            .summary =
                "Tells, for each of several values, whether it is a member of a set.",
            .complexity = "O(N) for N values", .args = "key member [member ...]",
            .key_flags = "RO ACCESS"),
    SET_CMD(.name = "smembers", .proc = smembers_cmd, .arity = 2, .flags = CMD_READONLY,
            .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, 1, 1}, .since = "1.0.0",
            .summary = "Returns every member of a set.",
            .complexity = "O(N) for a set of N members", .args = "key",
            .key_flags = "RO ACCESS"),
    SET_CMD(.name = "srandmember", .proc = srandmember_cmd, .arity = -2,
            .flags = CMD_READONLY, .acl = ACL_READ | ACL_SET | ACL_SLOW,
            .keys = {1, 1, 1}, .since = "1.0.0",
            .summary =
                "Returns random members of a set: distinct ones for a positive count, "
                "possibly repeated ones for a negative count.",
            .complexity = "O(1) without count, else O(N) for N returned members",
            .args = "key [count]", .key_flags = "RO ACCESS"),
    SET_CMD(.name = "spop", .proc = spop_cmd, .arity = -2, .flags = W_FAST,
            .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 1, 1}, .since = "1.0.0",
            .summary = "Removes and returns random members of a set.",
            .complexity = "O(1) without count, else O(N) for N popped members",
            .args = "key [count]", .key_flags = "RW ACCESS DELETE"),
    SET_CMD(.name = "smove", .proc = smove_cmd, .arity = 4, .flags = W_FAST,
            .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 2, 1}, .since = "1.0.0",
            .summary = "Moves a member from one set to another.", .complexity = "O(1)",
            .args = "source destination member", .key_flags = "RW ACCESS DELETE; RW INSERT"),
    SET_CMD(.name = "sinter", .proc = sinter_cmd, .arity = -2, .flags = CMD_READONLY,
            .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, -1, 1}, .since = "1.0.0",
            .summary = "Returns the members common to every given set.",
            .complexity = "O(N*M): N members of the smallest set, M sets",
            .args = "key [key ...]", .key_flags = "RO ACCESS"),
    SET_CMD(.name = "sintercard", .proc = sintercard_cmd, .arity = -3,
            .flags = CMD_READONLY, .acl = ACL_READ | ACL_SET | ACL_SLOW,
            .getkeys = sintercard_getkeys, .since = "7.0.0",
            .summary =
                "Counts the members common to every given set, optionally stopping "
                "at a limit.",
            .complexity = "O(N*M): N members of the smallest set, M sets",
            .args = "numkeys key [key ...] [LIMIT limit]", .key_flags = "RO ACCESS"),
    SET_CMD(.name = "sinterstore", .proc = sinterstore_cmd, .arity = -3,
            .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_WRITE | ACL_SET | ACL_SLOW,
            .keys = {1, -1, 1}, .since = "1.0.0",
            .summary = "Stores the intersection of sets at a key, replacing it.",
            .complexity = "O(N*M): N members of the smallest set, M sets",
            .args = "destination key [key ...]", .key_flags = "RW UPDATE; RO ACCESS"),
    SET_CMD(.name = "sunion", .proc = sunion_cmd, .arity = -2, .flags = CMD_READONLY,
            .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, -1, 1}, .since = "1.0.0",
            .summary = "Returns the members of any of the given sets.",
            .complexity = "O(N) for N members in all the sets", .args = "key [key ...]",
            .key_flags = "RO ACCESS"),
    SET_CMD(.name = "sunionstore", .proc = sunionstore_cmd, .arity = -3,
            .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_WRITE | ACL_SET | ACL_SLOW,
            .keys = {1, -1, 1}, .since = "1.0.0",
            .summary = "Stores the union of sets at a key, replacing it.",
            .complexity = "O(N) for N members in all the sets",
            .args = "destination key [key ...]", .key_flags = "OW UPDATE; RO ACCESS"),
    SET_CMD(.name = "sdiff", .proc = sdiff_cmd, .arity = -2, .flags = CMD_READONLY,
            .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, -1, 1}, .since = "1.0.0",
            .summary =
                "Returns the members of the first set that are in none of the others.",
            .complexity = "O(N) for N members in all the sets", .args = "key [key ...]",
            .key_flags = "RO ACCESS"),
    SET_CMD(.name = "sdiffstore", .proc = sdiffstore_cmd, .arity = -3,
            .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_WRITE | ACL_SET | ACL_SLOW,
            .keys = {1, -1, 1}, .since = "1.0.0",
            .summary = "Stores the difference of the first set and the others at a key, "
                       "replacing it.",
            .complexity = "O(N) for N members in all the sets",
            .args = "destination key [key ...]", .key_flags = "OW UPDATE; RO ACCESS"),
    SET_CMD(.name = "sscan", .proc = sscan_cmd, .arity = -3, .flags = CMD_READONLY,
            .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, 1, 1}, .since = "2.8.0",
            .summary = "Walks the members of a set a few at a time.",
            .complexity = "O(1) per call, O(N) for a whole scan",
            .args = "key cursor [MATCH pattern] [COUNT count]", .key_flags = "RO ACCESS"),
    {0},
};
