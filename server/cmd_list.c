/* server/cmd_list.c — the list commands (data structure in types/list.c).
 *
 * LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM
 * LTRIM LPOS LMOVE RPOPLPUSH LMPOP, with Redis 7.0's replies, error texts and
 * order of checks (some commands parse their arguments before looking at the
 * key, others after: each handler follows Redis). Every list value is a
 * types/list.h quicklist (OBJECT ENCODING "quicklist", as 7.0 reports for
 * every list); a list that becomes empty is deleted with its key. New lists
 * take their node size from list-max-listpack-size.
 *
 * Handlers run with the shards of their keys locked by the dispatcher; LMPOP's
 * keys come from lmpop_getkeys (numkeys).
 */
#include <limits.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/blocking.h"
#include "server/cmdtab.h"
#include "server/notify.h"
#include "server/config.h"
#include "server/propagate.h"
#include "server/server.h"
#include "server/type_limits.h"
#include "types/list.h"

#define ERR_POSITIVE "ERR value is out of range, must be positive"

/* ---------------------------------------------------------------- helpers */

/* Looks key up. Returns 1 with *out (NULL when the key is missing) if it is
 * absent or a list; replies WRONGTYPE and returns 0 otherwise. */
static int get_list(client *c, slice key, int flags, list **out)
{
    kentry *e = ks_lookup(c->db, key, flags);
    if (e && ke_type(e) != OBJ_LIST) {
        reply_err_wrongtype(c);
        return 0;
    }
    *out = e ? ke_ptr(e) : NULL;
    return 1;
}

static list *create_list(client *c, slice key)
{
    list *l = list_new(cfg_list_fill());
    ks_add(c->db, key, OBJ_LIST, ENC_QUICKLIST, l);
    return l;
}

/* After a change to key's list l: deletes the key if l is empty, signals. */
static void list_changed(client *c, slice key, list *l, const char *event)
{
    notify_event(NOTIFY_LIST, event, c->db, key);
    if (list_len(l) == 0) {
        ks_delete(c->db, key);
        notify_event(NOTIFY_GENERIC, "del", c->db, key);
    }
    key_modified(c->db, key);
}

static const char *pop_event(int where)
{
    return where == LIST_HEAD ? "lpop" : "rpop";
}

static void reply_elem(void *priv, slice v)
{
    reply_bulk(priv, v.p, v.len);
}

/* LEFT / RIGHT: 0 and *where, or -1 after a syntax error reply. */
static int parse_where(client *c, slice s, int *where)
{
    if (slice_is(s, "LEFT")) {
        *where = LIST_HEAD;
    } else if (slice_is(s, "RIGHT")) {
        *where = LIST_TAIL;
    } else {
        reply_err_syntax(c);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- push / pop */

static void push_generic(client *c, int where, int only_existing)
{
    slice key = c->argv[1];
    list *l;
    if (!get_list(c, key, KS_WRITE, &l)) return;
    if (!l) {
        if (only_existing) {
            reply_int(c, 0);
            return;
        }
        l = create_list(c, key);
    }
    for (int j = 2; j < c->argc; j++) list_push(l, where, c->argv[j]);
    key_modified(c->db, key);
    notify_event(NOTIFY_LIST, where == LIST_HEAD ? "lpush" : "rpush", c->db, key);
    reply_int(c, (long long)list_len(l));
}

static void lpush_cmd(client *c) { push_generic(c, LIST_HEAD, 0); }
static void rpush_cmd(client *c) { push_generic(c, LIST_TAIL, 0); }
static void lpushx_cmd(client *c) { push_generic(c, LIST_HEAD, 1); }
static void rpushx_cmd(client *c) { push_generic(c, LIST_TAIL, 1); }

/* LPOP/RPOP key [count]: without count a bulk (null if missing), with count an
 * array (null array if missing, empty for count 0). */
static void pop_generic(client *c, int where)
{
    slice key = c->argv[1];
    long long count = 1;
    int hascount = c->argc == 3;
    if (c->argc > 3) {
        reply_err_arity(c);
        return;
    }
    if (hascount && arg_ll_range(c, c->argv[2], 0, LLONG_MAX, &count, ERR_POSITIVE) < 0)
        return;
    list *l;
    if (!get_list(c, key, KS_WRITE, &l)) return;
    if (!l) {
        if (hascount)
            reply_null_array(c);
        else
            reply_null(c);
        return;
    }
    if (hascount) {
        size_t n = (unsigned long long)count < list_len(l) ? (size_t)count : list_len(l);
        reply_array(c, n);
        if (n == 0) return;
        list_pop(l, where, n, reply_elem, c);
    } else {
        list_pop(l, where, 1, reply_elem, c);
    }
    list_changed(c, key, l, pop_event(where));
}

static void lpop_cmd(client *c) { pop_generic(c, LIST_HEAD); }
static void rpop_cmd(client *c) { pop_generic(c, LIST_TAIL); }

/* ---------------------------------------------------------------- reads */

static void llen_cmd(client *c)
{
    list *l;
    if (!get_list(c, c->argv[1], KS_READ, &l)) return;
    reply_int(c, l ? (long long)list_len(l) : 0);
}

static void lrange_cmd(client *c)
{
    long long start, end;
    if (arg_ll(c, c->argv[2], &start) < 0 || arg_ll(c, c->argv[3], &end) < 0) return;
    list *l;
    if (!get_list(c, c->argv[1], KS_READ, &l)) return;
    long long len = l ? (long long)list_len(l) : 0;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        reply_array(c, 0);
        return;
    }
    if (end >= len) end = len - 1;
    size_t n = (size_t)(end - start + 1);
    reply_array(c, n);
    list_iter it;
    slice v;
    list_iter_init(&it, l, start, LIST_TAIL);
    while (n-- && list_iter_next(&it, &v)) reply_bulk(c, v.p, v.len);
}

static void lindex_cmd(client *c)
{
    list *l;
    if (!get_list(c, c->argv[1], KS_READ, &l)) return;
    if (!l) {
        reply_null(c);
        return;
    }
    long long idx;
    if (arg_ll(c, c->argv[2], &idx) < 0) return;
    slice v;
    char nb[LIST_NUMBUF];
    if (list_index(l, idx, &v, nb) < 0)
        reply_null(c);
    else
        reply_bulk(c, v.p, v.len);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
static void lpos_cmd(client *c)
{
    long long rank = 1, count = -1, maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        slice o = c->argv[j];
        int more = j + 1 < c->argc;
        if (slice_is(o, "RANK") && more) {
            if (arg_ll(c, c->argv[++j], &rank) < 0) return;
            if (rank == 0) {
                reply_error(c, "ERR RANK can't be zero: use 1 to start from the first "
                               "match, 2 from the second ... or use negative to start "
                               "from the end of the list");
                return;
            }
        } else if (slice_is(o, "COUNT") && more) {
            if (arg_ll_range(c, c->argv[++j], 0, LLONG_MAX, &count,
                             "ERR COUNT can't be negative") < 0)
                return;
        } else if (slice_is(o, "MAXLEN") && more) {
            if (arg_ll_range(c, c->argv[++j], 0, LLONG_MAX, &maxlen,
                             "ERR MAXLEN can't be negative") < 0)
                return;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    list *l;
    if (!get_list(c, c->argv[1], KS_READ, &l)) return;
    if (!l) {
        if (count >= 0)
            reply_array(c, 0);
        else
            reply_null(c);
        return;
    }
    int dir = rank > 0 ? LIST_TAIL : LIST_HEAD;
    /* RANK -LLONG_MIN cannot be negated: every match qualifies, as in Redis. */
    if (rank < 0) rank = rank == LLONG_MIN ? 1 : -rank;
    long long len = (long long)list_len(l);
    size_t mark = 0, found = 0;
    if (count >= 0) mark = reply_defer(c);
    list_iter it;
    slice v, ele = c->argv[2];
    long long idx = 0, matches = 0;
    list_iter_init(&it, l, dir == LIST_TAIL ? 0 : -1, dir);
    while ((maxlen == 0 || idx < maxlen) && list_iter_next(&it, &v)) {
        if (slice_eq(v, ele) && ++matches >= rank) {
            long long pos = dir == LIST_TAIL ? idx : len - 1 - idx;
            if (count < 0) {
                reply_int(c, pos);
                return;
            }
            reply_int(c, pos);
            found++;
            if (count && matches - rank + 1 >= count) break;
        }
        idx++;
    }
    if (count >= 0)
        reply_set_deferred(c, mark, RESP_AGG_ARRAY, found);
    else
        reply_null(c);
}

/* ---------------------------------------------------------------- in-place writes */

static void lset_cmd(client *c)
{
    slice key = c->argv[1];
    list *l;
    if (!get_list(c, key, KS_WRITE, &l)) return;
    if (!l) {
        reply_error(c, "ERR no such key");
        return;
    }
    long long idx;
    if (arg_ll(c, c->argv[2], &idx) < 0) return;
    if (list_set(l, idx, c->argv[3]) < 0) {
        reply_error(c, "ERR index out of range");
        return;
    }
    key_modified(c->db, key);
    notify_event(NOTIFY_LIST, "lset", c->db, key);
    reply_ok(c);
}

/* LINSERT key BEFORE|AFTER pivot element */
static void linsert_cmd(client *c)
{
    slice key = c->argv[1];
    int after;
    if (slice_is(c->argv[2], "AFTER")) {
        after = 1;
    } else if (slice_is(c->argv[2], "BEFORE")) {
        after = 0;
    } else {
        reply_err_syntax(c);
        return;
    }
    list *l;
    if (!get_list(c, key, KS_WRITE, &l)) return;
    if (!l) {
        reply_int(c, 0);
        return;
    }
    if (!list_insert(l, after, c->argv[3], c->argv[4])) {
        reply_int(c, -1);
        return;
    }
    key_modified(c->db, key);
    notify_event(NOTIFY_LIST, "linsert", c->db, key);
    reply_int(c, (long long)list_len(l));
}

static void lrem_cmd(client *c)
{
    slice key = c->argv[1];
    long long count;
    if (arg_ll(c, c->argv[2], &count) < 0) return;
    list *l;
    if (!get_list(c, key, KS_WRITE, &l)) return;
    size_t n = l ? list_remove(l, c->argv[3], count) : 0;
    if (n) list_changed(c, key, l, "lrem");
    reply_int(c, (long long)n);
}

static void ltrim_cmd(client *c)
{
    slice key = c->argv[1];
    long long start, end;
    if (arg_ll(c, c->argv[2], &start) < 0 || arg_ll(c, c->argv[3], &end) < 0) return;
    list *l;
    if (!get_list(c, key, KS_WRITE, &l)) return;
    if (!l) {
        reply_ok(c);
        return;
    }
    long long len = (long long)list_len(l);
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    long long ltrim, rtrim;
    if (start > end || start >= len) {
        ltrim = len;
        rtrim = 0;
    } else {
        if (end >= len) end = len - 1;
        ltrim = start;
        rtrim = len - end - 1;
    }
    if (rtrim) list_del_range(l, (size_t)(len - rtrim), (size_t)rtrim);
    if (ltrim) list_del_range(l, 0, (size_t)ltrim);
    list_changed(c, key, l, "ltrim");
    reply_ok(c);
}

/* ---------------------------------------------------------------- LMOVE */

typedef struct elem_copy {
    char *p;
    size_t len;
    char small[128];
} elem_copy;

static void copy_elem(void *priv, slice v)
{
    elem_copy *ec = priv;
    ec->p = v.len <= sizeof(ec->small) ? ec->small : mem_alloc(v.len);
    memcpy(ec->p, v.p, v.len);
    ec->len = v.len;
}

static void lmove_generic(client *c, int from, int to)
{
    slice skey = c->argv[1], dkey = c->argv[2];
    list *src, *dst;
    if (!get_list(c, skey, KS_WRITE, &src)) return;
    if (!src) {
        reply_null(c);
        return;
    }
    if (!get_list(c, dkey, KS_WRITE, &dst)) return;
    elem_copy ec;
    list_pop(src, from, 1, copy_elem, &ec);
    if (!dst) dst = create_list(c, dkey);
    list_push(dst, to, slice_of(ec.p, ec.len));
    key_modified(c->db, dkey);
    notify_event(NOTIFY_LIST, to == LIST_HEAD ? "lpush" : "rpush", c->db, dkey);
    list_changed(c, skey, src, pop_event(from));
    reply_bulk(c, ec.p, ec.len);
    if (ec.p != ec.small) mem_free(ec.p);
}

static void lmove_cmd(client *c)
{
    int from, to;
    if (parse_where(c, c->argv[3], &from) < 0 || parse_where(c, c->argv[4], &to) < 0) return;
    lmove_generic(c, from, to);
}

static void rpoplpush_cmd(client *c)
{
    lmove_generic(c, LIST_TAIL, LIST_HEAD);
}

/* ---------------------------------------------------------------- LMPOP */

/* [B]LMPOP: numkeys at argv[base], then the keys, when numkeys is valid; none
 * otherwise (the handler then fails first). */
static int mpop_keys(const slice *argv, int argc, int base, int *pos, int max)
{
    long long n;
    if (argc < base + 2 || !util_str2ll(argv[base].p, argv[base].len, &n) || n <= 0 ||
        n > argc - base - 2)
        return 0;
    int k = 0;
    for (long long i = 0; i < n && k < max; i++) pos[k++] = base + 1 + (int)i;
    return k;
}

static int lmpop_getkeys(const slice *argv, int argc, int *pos, int max)
{
    return mpop_keys(argv, argc, 1, pos, max);
}

static int blmpop_getkeys(const slice *argv, int argc, int *pos, int max)
{
    return mpop_keys(argv, argc, 2, pos, max);
}

/* The list at key for a blocking pop (see blocking_lookup): 0 with *l (NULL
 * if there is none to pop from), or -1 after a WRONGTYPE reply. */
static int blocking_list(client *c, slice key, list **l)
{
    kentry *e;
    if (!blocking_lookup(c, key, OBJ_LIST, &e)) return -1;
    *l = e ? ke_ptr(e) : NULL;
    return 0;
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count], and BLMPOP (numkeys at
 * argv[2], after the timeout; deadline < 0 for LMPOP: never block). */
static void mpop_generic(client *c, int base, long long deadline)
{
    long long numkeys, count = -1;
    int where;
    if (arg_ll_range(c, c->argv[base], 1, LLONG_MAX, &numkeys,
                     "ERR numkeys should be greater than 0") < 0)
        return;
    if (numkeys > c->argc - base - 2) {
        reply_err_syntax(c);
        return;
    }
    int where_idx = base + 1 + (int)numkeys;
    if (parse_where(c, c->argv[where_idx], &where) < 0) return;
    for (int j = where_idx + 1; j < c->argc; j++) {
        if (count < 0 && slice_is(c->argv[j], "COUNT") && j + 1 < c->argc) {
            if (arg_ll_range(c, c->argv[++j], 1, LLONG_MAX, &count,
                             "ERR count should be greater than 0") < 0)
                return;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    if (count < 0) count = 1;
    for (int j = base + 1; j < where_idx; j++) {
        slice key = c->argv[j];
        list *l;
        if (blocking_list(c, key, &l) < 0) return;
        if (!l) continue;
        size_t n = (unsigned long long)count < list_len(l) ? (size_t)count : list_len(l);
        reply_array(c, 2);
        reply_bulk(c, key.p, key.len);
        reply_array(c, n);
        list_pop(l, where, n, reply_elem, c);
        list_changed(c, key, l, pop_event(where));
        char num[24];
        slice pop[3] = {where == LIST_HEAD ? slice_of("LPOP", 4) : slice_of("RPOP", 4), key,
                        slice_of(num, (size_t)util_ll2str(num, sizeof(num), (long long)n))};
        propagate_as(pop, 3);
        return;
    }
    if (deadline >= 0)
        blocking_wait_range(c, base + 1, where_idx - 1, deadline);
    else
        reply_null_array(c);
}

static void lmpop_cmd(client *c)
{
    mpop_generic(c, 1, -1);
}

static void blmpop_cmd(client *c)
{
    long long deadline;
    if (blocking_parse_timeout(c, c->argv[1], 1000, &deadline) < 0) return;
    mpop_generic(c, 2, deadline);
}

/* ---------------------------------------------------------------- BLPOP BRPOP */

/* BLPOP/BRPOP key [key ...] timeout: [key, element] from the first non-empty
 * list, else wait. */
static void bpop_generic(client *c, int where)
{
    long long deadline;
    if (blocking_parse_timeout(c, c->argv[c->argc - 1], 1000, &deadline) < 0) return;
    for (int j = 1; j < c->argc - 1; j++) {
        slice key = c->argv[j];
        list *l;
        if (blocking_list(c, key, &l) < 0) return;
        if (!l) continue;
        reply_array(c, 2);
        reply_bulk(c, key.p, key.len);
        list_pop(l, where, 1, reply_elem, c);
        list_changed(c, key, l, pop_event(where));
        slice pop[2] = {where == LIST_HEAD ? slice_of("LPOP", 4) : slice_of("RPOP", 4), key};
        propagate_as(pop, 2);
        return;
    }
    blocking_wait_range(c, 1, c->argc - 2, deadline);
}

static void blpop_cmd(client *c) { bpop_generic(c, LIST_HEAD); }
static void brpop_cmd(client *c) { bpop_generic(c, LIST_TAIL); }

/* BLMOVE / BRPOPLPUSH: LMOVE once the source has an element. */
static void bmove_generic(client *c, int from, int to, slice timeout)
{
    long long deadline;
    if (blocking_parse_timeout(c, timeout, 1000, &deadline) < 0) return;
    list *src;
    if (blocking_list(c, c->argv[1], &src) < 0) return;
    if (!src) {
        blocking_wait_range(c, 1, 1, deadline);
        return;
    }
    lmove_generic(c, from, to);
    slice mv[5] = {slice_of("LMOVE", 5), c->argv[1], c->argv[2],
                   from == LIST_HEAD ? slice_of("LEFT", 4) : slice_of("RIGHT", 5),
                   to == LIST_HEAD ? slice_of("LEFT", 4) : slice_of("RIGHT", 5)};
    propagate_as(mv, 5);
}

static void blmove_cmd(client *c)
{
    int from, to;
    if (parse_where(c, c->argv[3], &from) < 0 || parse_where(c, c->argv[4], &to) < 0) return;
    bmove_generic(c, from, to, c->argv[5]);
}

static void brpoplpush_cmd(client *c)
{
    bmove_generic(c, LIST_TAIL, LIST_HEAD, c->argv[3]);
}

/* ---------------------------------------------------------------- command table */

#define LIST_CMD(...) {.group = "list", __VA_ARGS__}

command list_commands[] = {
    LIST_CMD(.name = "lpush", .proc = lpush_cmd, .arity = -3,
             .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_LIST | ACL_FAST,
             .keys = {1, 1, 1}, .since = "1.0.0",
             .summary = "Adds elements at the head of a list, creating it when absent.",
             .complexity = "O(1) per element", .args = "key element [element ...]",
             .key_flags = "RW INSERT"),
    LIST_CMD(.name = "rpush", .proc = rpush_cmd, .arity = -3,
             .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_LIST | ACL_FAST,
             .keys = {1, 1, 1}, .since = "1.0.0",
             .summary = "Adds elements at the tail of a list, creating it when absent.",
             .complexity = "O(1) per element", .args = "key element [element ...]",
             .key_flags = "RW INSERT"),
    LIST_CMD(.name = "lpushx", .proc = lpushx_cmd, .arity = -3,
             .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_LIST | ACL_FAST,
             .keys = {1, 1, 1}, .since = "2.2.0",
             .summary = "Adds elements at the head of a list only when the list exists.",
             .complexity = "O(1) per element", .args = "key element [element ...]",
             .key_flags = "RW INSERT"),
    LIST_CMD(.name = "rpushx", .proc = rpushx_cmd, .arity = -3,
             .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_LIST | ACL_FAST,
             .keys = {1, 1, 1}, .since = "2.2.0",
             .summary = "Adds elements at the tail of a list only when the list exists.",
             .complexity = "O(1) per element", .args = "key element [element ...]",
             .key_flags = "RW INSERT"),
    LIST_CMD(.name = "lpop", .proc = lpop_cmd, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
             .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1}, .since = "1.0.0",
             .summary = "Removes and returns the first element, or the first count elements, "
                        "of a list.",
             .complexity = "O(N) for N returned elements", .args = "key [count]",
             .key_flags = "RW ACCESS DELETE"),
    LIST_CMD(.name = "rpop", .proc = rpop_cmd, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
             .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1}, .since = "1.0.0",
             .summary = "Removes and returns the last element, or the last count elements, "
                        "of a list.",
             .complexity = "O(N) for N returned elements", .args = "key [count]",
             .key_flags = "RW ACCESS DELETE"),
    LIST_CMD(.name = "llen", .proc = llen_cmd, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
             .acl = ACL_READ | ACL_LIST | ACL_FAST, .keys = {1, 1, 1}, .since = "1.0.0",
             .summary = "Returns the number of elements of a list.", .complexity = "O(1)",
             .args = "key", .key_flags = "RO"),
    LIST_CMD(.name = "lrange", .proc = lrange_cmd, .arity = 4, .flags = CMD_READONLY,
             .acl = ACL_READ | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}, .since = "1.0.0",
             .summary = "Returns the elements of a list between two inclusive indexes.",
             .complexity = "O(S+N): S to reach the start from the nearer end, N returned",
             .args = "key start stop", .key_flags = "RO ACCESS"),
    LIST_CMD(.name = "lindex", .proc = lindex_cmd, .arity = 3, .flags = CMD_READONLY,
             .acl = ACL_READ | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}, .since = "1.0.0",
             .summary = "Returns the element of a list at an index.",
             .complexity = "O(N) to reach the index from the nearer end", .args = "key index",
             .key_flags = "RO ACCESS"),
    LIST_CMD(.name = "lset", .proc = lset_cmd, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
             .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}, .since = "1.0.0",
             .summary = "Replaces the element of a list at an index.",
             .complexity = "O(N) to reach the index from the nearer end",
             .args = "key index element", .key_flags = "RW UPDATE"),
    LIST_CMD(.name = "linsert", .proc = linsert_cmd, .arity = 5,
             .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_WRITE | ACL_LIST | ACL_SLOW,
             .keys = {1, 1, 1}, .since = "2.2.0",
             .summary = "Inserts an element before or after the first occurrence of another.",
             .complexity = "O(N) to find the pivot", .args = "key <BEFORE | AFTER> pivot element",
             .key_flags = "RW INSERT"),
    LIST_CMD(.name = "lrem", .proc = lrem_cmd, .arity = 4, .flags = CMD_WRITE,
             .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}, .since = "1.0.0",
             .summary = "Removes occurrences of an element from a list, from either end.",
             .complexity = "O(N+M): N elements visited, M removed",
             .args = "key count element", .key_flags = "RW DELETE"),
    LIST_CMD(.name = "ltrim", .proc = ltrim_cmd, .arity = 4, .flags = CMD_WRITE,
             .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}, .since = "1.0.0",
             .summary = "Keeps only the elements of a list between two inclusive indexes.",
             .complexity = "O(N) for N removed elements", .args = "key start stop",
             .key_flags = "RW DELETE"),
    LIST_CMD(.name = "lpos", .proc = lpos_cmd, .arity = -3, .flags = CMD_READONLY,
             .acl = ACL_READ | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}, .since = "6.0.6",
             .summary = "Returns the indexes of matching elements of a list.",
             .complexity = "O(N) for N visited elements (MAXLEN bounds it)",
             .args = "key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
             .key_flags = "RO ACCESS"),
    LIST_CMD(.name = "lmove", .proc = lmove_cmd, .arity = 5, .flags = CMD_WRITE | CMD_DENYOOM,
             .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 2, 1}, .since = "6.2.0",
             .summary = "Pops an element from one end of a list and pushes it to an end of "
                        "another (or the same) list.",
             .complexity = "O(1)",
             .args = "source destination <LEFT | RIGHT> <LEFT | RIGHT>",
             .key_flags = "RW ACCESS DELETE; RW INSERT"),
    LIST_CMD(.name = "rpoplpush", .proc = rpoplpush_cmd, .arity = 3,
             .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_WRITE | ACL_LIST | ACL_SLOW,
             .keys = {1, 2, 1}, .since = "1.2.0",
             .summary = "Pops the last element of a list and pushes it at the head of another "
                        "(deprecated: LMOVE).",
             .complexity = "O(1)", .args = "source destination",
             .key_flags = "RW ACCESS DELETE; RW INSERT"),
    LIST_CMD(.name = "lmpop", .proc = lmpop_cmd, .arity = -4, .flags = CMD_WRITE,
             .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .getkeys = lmpop_getkeys,
             .since = "7.0.0",
             .summary = "Pops elements from the first non-empty list among several keys.",
             .complexity = "O(N+M): N keys looked at, M popped elements",
             .args = "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
             .key_flags = "RW ACCESS DELETE"),
    LIST_CMD(.name = "blpop", .proc = blpop_cmd, .arity = -3,
             .flags = CMD_WRITE | CMD_BLOCKING, .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING,
             .keys = {1, -2, 1}, .since = "2.0.0",
             .summary = "Removes and returns the first element of the first non-empty list, "
                        "or blocks until one is available.",
             .complexity = "O(N) where N is the number of provided keys.",
             .args = "key [key ...] timeout", .key_flags = "RW ACCESS DELETE"),
    LIST_CMD(.name = "brpop", .proc = brpop_cmd, .arity = -3,
             .flags = CMD_WRITE | CMD_BLOCKING, .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING,
             .keys = {1, -2, 1}, .since = "2.0.0",
             .summary = "Removes and returns the last element of the first non-empty list, "
                        "or blocks until one is available.",
             .complexity = "O(N) where N is the number of provided keys.",
             .args = "key [key ...] timeout", .key_flags = "RW ACCESS DELETE"),
    LIST_CMD(.name = "blmove", .proc = blmove_cmd, .arity = 6,
             .flags = CMD_WRITE | CMD_DENYOOM | CMD_BLOCKING | CMD_TIMEOUT_NULL_BULK,
             .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {1, 2, 1},
             .since = "6.2.0",
             .summary = "Pops an element from a list, pushes it to another list and returns "
                        "it; blocks until an element is available.",
             .complexity = "O(1)",
             .args = "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout",
             .key_flags = "RW ACCESS DELETE; RW INSERT"),
    LIST_CMD(.name = "brpoplpush", .proc = brpoplpush_cmd, .arity = 4,
             .flags = CMD_WRITE | CMD_DENYOOM | CMD_BLOCKING | CMD_TIMEOUT_NULL_BULK,
             .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {1, 2, 1},
             .since = "2.2.0",
             .summary = "Pops an element from a list, pushes it to another list and returns "
                        "it; blocks until an element is available.",
             .complexity = "O(1)", .args = "source destination timeout",
             .key_flags = "RW ACCESS DELETE; RW INSERT"),
    LIST_CMD(.name = "blmpop", .proc = blmpop_cmd, .arity = -5,
             .flags = CMD_WRITE | CMD_BLOCKING, .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING,
             .getkeys = blmpop_getkeys, .since = "7.0.0",
             .summary = "Pops elements from the first non-empty list, or blocks until one is "
                        "available.",
             .complexity = "O(N+M): N keys looked at, M popped elements",
             .args = "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
             .key_flags = "RW ACCESS DELETE"),
    {0},
};
