/* server/cmd_zset.c — the sorted set commands (data structure in types/zset.c)
 * and their entries in the command table.
 *
 * Handlers run with the shards of their keys locked by the dispatcher. A zset
 * value is the `zset *` of its keyspace entry; the handle never moves, but a
 * change may convert it, so sync() refreshes the entry's encoding, and a zset
 * left empty is deleted (Redis never keeps empty zsets).
 *
 * Ranges start from a rank found with zset_count_before and a boundary
 * predicate (O(log n) on a skiplist). Rank ranges are an ascending interval
 * [lo, hi); score and lex ranges are walked with a zset_iter from the first
 * member inside one end while members stay inside the other (walk_range), as
 * Redis walks them. ZRANGE, ZRANGESTORE and the older ZRANGEBY* forms share
 * range_run; the ZREMRANGEBY* forms share remrange_generic.
 *
 * ZUNION/ZINTER/ZDIFF and their STORE forms accept sets as sources (score 1).
 * Sources are taken smallest first (not ZDIFF's), and results are computed in
 * a skiplist, as Redis does: both matter for ties of -0 and 0. A stored result
 * that fits the listpack limits is rewritten as a listpack (shrink).
 *
 * Reply shapes follow Redis 7.0: scores are RESP3 doubles (bulk strings in
 * RESP2); WITHSCORES results are arrays of [member, score] pairs in RESP3 and
 * flat in RESP2; ZSCAN always replies scores as bulk strings.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/glob.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/blocking.h"
#include "server/cmdtab.h"
#include "server/propagate.h"
#include "server/notify.h"
#include "server/config.h"
#include "server/server.h"
#include "server/type_limits.h"
#include "types/set.h"
#include "types/zset.h"

/* ---------------------------------------------------------------- helpers */

/* Looks key up. Returns 1 with *zp (NULL when missing) and *ep, or replies
 * WRONGTYPE and returns 0. */
static int lookup_zset(client *c, slice key, int flags, kentry **ep, zset **zp)
{
    kentry *e;
    if (!lookup_typed(c, key, flags, OBJ_ZSET, &e)) return 0;
    if (ep) *ep = e;
    *zp = e ? ke_ptr(e) : NULL;
    return 1;
}

/* Stores z's encoding back into e (the entry of key), publishes event (unless
 * NULL), then deletes the key when z is empty. key must not point into e. */
static void sync(client *c, slice key, kentry *e, zset *z, const char *event)
{
    if (ke_enc(e) != zset_encoding(z)) ke_set_enc(e, zset_encoding(z));
    if (event) notify_event(NOTIFY_ZSET, event, c->db, key);
    if (zset_size(z) == 0) {
        ks_delete(c->db, key);
        notify_event(NOTIFY_GENERIC, "del", c->db, key);
    }
}

/* Makes result (owned) the value of dst, replacing whatever was there, or
 * deletes dst when result is empty; replies the size. */
static void store_result(client *c, slice dst, zset *result, const char *event)
{
    size_t n = zset_size(result);
    int existed = ks_delete(c->db, dst);
    if (n)
        ks_add(c->db, dst, OBJ_ZSET, zset_encoding(result), result);
    else
        zset_free(result);
    if (n || existed) key_modified(c->db, dst);
    if (n)
        notify_event(NOTIFY_ZSET, event, c->db, dst);
    else if (existed)
        notify_event(NOTIFY_GENERIC, "del", c->db, dst);
    reply_int(c, (long long)n);
}

/* The header for n members, with or without scores, in c's protocol. */
static void reply_pairs_header(client *c, size_t n, int withscores)
{
    reply_array(c, withscores && c->resp == 2 ? n * 2 : n);
}

static void reply_member(client *c, slice m, double score, int withscores)
{
    if (withscores && c->resp == 3) reply_array(c, 2);
    reply_bulk(c, m.p, m.len);
    if (withscores) reply_double(c, score);
}

/* Parses a score: "value is not a valid float" on error. */
static int parse_score(client *c, slice s, double *d)
{
    return arg_double(c, s, d);
}

/* ---------------------------------------------------------------- ranges */

/* A boundary: members strictly before it are "before"; eq_before says whether
 * a member equal to it is before too. */
typedef struct bound {
    int lex;
    double score;
    slice v;
    int inf; /* lex: -1 for "-", 1 for "+", 0 for a value */
    int eq_before;
} bound;

static int lexcmp(slice a, slice b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c) return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

static int bound_pred(void *ctx, slice m, double score)
{
    bound *b = ctx;
    if (!b->lex) return score < b->score || (score == b->score && b->eq_before);
    if (b->inf) return b->inf > 0;
    int c = lexcmp(m, b->v);
    return c < 0 || (c == 0 && b->eq_before);
}

/* Parses a score bound ("(" = exclusive). is_max selects the eq rule. */
static int parse_score_bound(slice s, int is_max, bound *b)
{
    int excl = s.len && s.p[0] == '(';
    if (excl) s = slice_of(s.p + 1, s.len - 1);
    memset(b, 0, sizeof(*b));
    if (excl && s.len == 0)
        b->score = 0; /* as Redis's strtod of "" */
    else if (!util_str2d(s.p, s.len, &b->score))
        return -1;
    b->eq_before = is_max ? !excl : excl;
    return 0;
}

static int parse_lex_bound(slice s, int is_max, bound *b)
{
    memset(b, 0, sizeof(*b));
    b->lex = 1;
    if (s.len == 1 && s.p[0] == '-') {
        b->inf = -1;
        return 0;
    }
    if (s.len == 1 && s.p[0] == '+') {
        b->inf = 1;
        return 0;
    }
    if (s.len == 0 || (s.p[0] != '(' && s.p[0] != '[')) return -1;
    int excl = s.p[0] == '(';
    b->v = slice_of(s.p + 1, s.len - 1);
    b->eq_before = is_max ? !excl : excl;
    return 0;
}

enum { BY_RANK, BY_SCORE, BY_LEX };

/* Parses min and max for a score or lex range into bounds; replies the error. */
static int parse_range(client *c, int by, slice min, slice max, bound *lo, bound *hi)
{
    if (by == BY_SCORE) {
        if (parse_score_bound(min, 0, lo) < 0 || parse_score_bound(max, 1, hi) < 0) {
            reply_error(c, "ERR min or max is not a float");
            return -1;
        }
    } else if (parse_lex_bound(min, 0, lo) < 0 || parse_lex_bound(max, 1, hi) < 0) {
        reply_error(c, "ERR min or max not valid string range item");
        return -1;
    }
    return 0;
}

/* The ascending rank interval [*lo, *hi) of a parsed score/lex range. */
static void bounds_to_ranks(zset *z, bound *lo, bound *hi, size_t *rlo, size_t *rhi)
{
    *rlo = zset_count_before(z, bound_pred, lo);
    *rhi = zset_count_before(z, bound_pred, hi);
    if (*rhi < *rlo) *rhi = *rlo;
}

/* Rank range start..end (inclusive, negative from the end) as [lo, hi) over
 * len members, counted from the top when rev. */
static void rank_to_ranks(long long start, long long end, size_t len, int rev, size_t *lo,
                          size_t *hi)
{
    long long n = (long long)len;
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (start > end || start >= n) {
        *lo = *hi = 0;
        return;
    }
    if (end >= n) end = n - 1;
    if (rev) {
        long long s = n - 1 - end, e = n - 1 - start;
        start = s;
        end = e;
    }
    *lo = (size_t)start;
    *hi = (size_t)end + 1;
}

/* ---------------------------------------------------------------- ZADD ZINCRBY */

enum { ZA_NX = 1, ZA_XX = 2, ZA_GT = 4, ZA_LT = 8, ZA_CH = 16, ZA_INCR = 32 };

/* Applies one score to m under the ZADD flags. Returns 1 added, 2 updated, 0
 * unchanged/skipped, -1 on NaN (replied). *out gets the resulting score. */
static int zadd_one(client *c, zset *z, slice m, double score, int fl,
                    const zset_limits *lim, double *out)
{
    double cur;
    if (zset_score(z, m, &cur)) {
        if (fl & ZA_NX) return 0;
        double nv = (fl & ZA_INCR) ? cur + score : score;
        if (isnan(nv)) {
            reply_error(c, "ERR resulting score is not a number (NaN)");
            return -1;
        }
        if (((fl & ZA_GT) && nv <= cur) || ((fl & ZA_LT) && nv >= cur)) return 0;
        *out = nv;
        if (nv == cur) return 3; /* counted as done, not changed */
        zset_set(z, m, nv, lim);
        return 2;
    }
    if (fl & ZA_XX) return 0;
    zset_set(z, m, score, lim);
    *out = score;
    return 1;
}

static void zadd_generic(client *c, int fl, int first)
{
    int npairs = (c->argc - first) / 2;
    if ((c->argc - first) % 2 || npairs == 0) {
        reply_err_syntax(c);
        return;
    }
    if ((fl & ZA_NX) && (fl & ZA_XX)) {
        reply_error(c, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    if (((fl & ZA_GT) && (fl & ZA_NX)) || ((fl & ZA_LT) && (fl & ZA_NX)) ||
        ((fl & ZA_GT) && (fl & ZA_LT))) {
        reply_error(c,
                    "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if ((fl & ZA_INCR) && npairs > 1) {
        reply_error(c, "ERR INCR option supports a single increment-element pair");
        return;
    }
    double stack[16];
    double *scores = npairs <= 16 ? stack : mem_alloc(sizeof(double) * (size_t)npairs);
    for (int i = 0; i < npairs; i++)
        if (parse_score(c, c->argv[first + 2 * i], &scores[i]) < 0) goto done;
    kentry *e;
    zset *z;
    if (!lookup_zset(c, c->argv[1], KS_WRITE, &e, &z)) goto done;
    if (!z && (fl & ZA_XX)) {
        if (fl & ZA_INCR)
            reply_null(c);
        else
            reply_int(c, 0);
        goto done;
    }
    int created = !z;
    if (!z) z = zset_new();
    zset_limits lim = cfg_zset_limits();
    long long added = 0, changed = 0;
    double last = 0;
    int r = 0;
    for (int i = 0; i < npairs; i++) {
        r = zadd_one(c, z, c->argv[first + 2 * i + 1], scores[i], fl, &lim, &last);
        if (r < 0) break;
        added += r == 1;
        changed += r == 2;
    }
    const char *event = (added || changed) ? ((fl & ZA_INCR) ? "zincr" : "zadd") : NULL;
    if (created && zset_size(z)) {
        ks_add(c->db, c->argv[1], OBJ_ZSET, zset_encoding(z), z);
        if (event) notify_event(NOTIFY_ZSET, event, c->db, c->argv[1]);
    } else if (created) {
        zset_free(z);
    } else {
        sync(c, c->argv[1], e, z, event);
    }
    if (added || changed) key_modified(c->db, c->argv[1]);
    if (r < 0) goto done;
    if (fl & ZA_INCR) {
        if (r)
            reply_double(c, last);
        else
            reply_null(c);
    } else {
        reply_int(c, (fl & ZA_CH) ? added + changed : added);
    }
done:
    if (scores != stack) mem_free(scores);
}

static void zadd_cmd(client *c)
{
    int fl = 0, i = 2;
    for (; i < c->argc; i++) {
        slice a = c->argv[i];
        if (slice_is(a, "NX"))
            fl |= ZA_NX;
        else if (slice_is(a, "XX"))
            fl |= ZA_XX;
        else if (slice_is(a, "GT"))
            fl |= ZA_GT;
        else if (slice_is(a, "LT"))
            fl |= ZA_LT;
        else if (slice_is(a, "CH"))
            fl |= ZA_CH;
        else if (slice_is(a, "INCR"))
            fl |= ZA_INCR;
        else
            break;
    }
    zadd_generic(c, fl, i);
}

/* ZINCRBY key increment member: ZADD key INCR increment member. */
static void zincrby_cmd(client *c)
{
    zadd_generic(c, ZA_INCR, 2);
}

/* ---------------------------------------------------------------- simple reads */

static void zrem_cmd(client *c)
{
    kentry *e;
    zset *z;
    if (!lookup_zset(c, c->argv[1], KS_WRITE, &e, &z)) return;
    long long removed = 0;
    for (int i = 2; z && i < c->argc; i++)
        removed += zset_remove(z, c->argv[i]);
    if (removed) {
        sync(c, c->argv[1], e, z, "zrem");
        key_modified(c->db, c->argv[1]);
    }
    reply_int(c, removed);
}

static void zcard_cmd(client *c)
{
    zset *z;
    if (lookup_zset(c, c->argv[1], KS_READ, NULL, &z))
        reply_int(c, z ? (long long)zset_size(z) : 0);
}

static void zscore_cmd(client *c)
{
    zset *z;
    double s;
    if (!lookup_zset(c, c->argv[1], KS_READ, NULL, &z)) return;
    if (z && zset_score(z, c->argv[2], &s))
        reply_double(c, s);
    else
        reply_null(c);
}

static void zmscore_cmd(client *c)
{
    zset *z;
    double s;
    if (!lookup_zset(c, c->argv[1], KS_READ, NULL, &z)) return;
    reply_array(c, (size_t)c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        if (z && zset_score(z, c->argv[i], &s))
            reply_double(c, s);
        else
            reply_null(c);
    }
}

static void rank_generic(client *c, int rev)
{
    zset *z;
    size_t r;
    if (!lookup_zset(c, c->argv[1], KS_READ, NULL, &z)) return;
    if (z && zset_rank(z, c->argv[2], &r))
        reply_int(c, (long long)(rev ? zset_size(z) - 1 - r : r));
    else
        reply_null(c);
}

static void zrank_cmd(client *c)
{
    rank_generic(c, 0);
}

static void zrevrank_cmd(client *c)
{
    rank_generic(c, 1);
}

static void count_generic(client *c, int by)
{
    bound lo, hi;
    if (parse_range(c, by, c->argv[2], c->argv[3], &lo, &hi) < 0) return;
    zset *z;
    if (!lookup_zset(c, c->argv[1], KS_READ, NULL, &z)) return;
    size_t a = 0, b = 0;
    if (z) bounds_to_ranks(z, &lo, &hi, &a, &b);
    reply_int(c, (long long)(b - a));
}

static void zcount_cmd(client *c)
{
    count_generic(c, BY_SCORE);
}

static void zlexcount_cmd(client *c)
{
    count_generic(c, BY_LEX);
}

/* ---------------------------------------------------------------- ZRANGE family */

typedef struct range_req {
    int by, rev, withscores, has_limit;
    long long offset, count;
    slice min, max; /* as given (max first for REV score/lex forms) */
} range_req;

/* Where range results go: the client (withscores or not), a new zset, or
 * nowhere (c and out NULL: counted only). */
typedef struct range_sink {
    client *c;
    zset *out;
    int withscores;
    zset_limits lim;
    size_t n;
} range_sink;

static void sink_put(range_sink *k, slice m, double s)
{
    if (k->out)
        zset_set(k->out, m, s, &k->lim);
    else if (k->c)
        reply_member(k->c, m, s, k->withscores);
    k->n++;
}

/* Emits a score or lex range as Redis walks it: from the first member at or
 * after min (the last at or before max for REV), skipping `offset`, then while
 * members stay within the other end, at most `count` (< 0: no limit). With
 * members in order this is exactly the range; with lex ranges over mixed
 * scores (unspecified in Redis) it stops where Redis stops. */
static void walk_range(zset *z, bound *blo, bound *bhi, int rev, long long offset,
                       long long count, range_sink *k)
{
    size_t start;
    if (rev) {
        start = zset_count_before(z, bound_pred, bhi);
        if (start == 0) return;
        start--;
    } else {
        start = zset_count_before(z, bound_pred, blo);
    }
    zset_iter it;
    slice m;
    double s;
    zset_iter_init(&it, z, start, rev);
    if (!zset_iter_next(&it, &m, &s)) return;
    /* The first member must be inside the other end too. */
    if (rev ? bound_pred(blo, m, s) : !bound_pred(bhi, m, s)) return;
    zset_iter_init(&it, z, start, rev);
    while (offset-- > 0)
        if (!zset_iter_next(&it, &m, &s)) return;
    while (count-- != 0 && zset_iter_next(&it, &m, &s)) {
        if (rev ? bound_pred(blo, m, s) : !bound_pred(bhi, m, s)) break;
        sink_put(k, m, s);
    }
}

/* Runs a parsed range request on key: replies the members, or stores them at
 * *dst. */
static void range_run(client *c, slice key, const slice *dst, range_req *q)
{
    bound blo, bhi;
    long long start = 0, end = 0;
    if (q->by == BY_RANK) {
        if (arg_ll(c, q->min, &start) < 0 || arg_ll(c, q->max, &end) < 0) return;
    } else {
        slice mn = q->rev ? q->max : q->min, mx = q->rev ? q->min : q->max;
        if (parse_range(c, q->by, mn, mx, &blo, &bhi) < 0) return;
    }
    zset *z;
    if (!lookup_zset(c, key, KS_READ, NULL, &z)) return;
    range_sink k = {.c = c, .withscores = q->withscores, .lim = cfg_zset_limits()};
    if (dst) k.out = zset_new();
    if (q->by != BY_RANK) {
        size_t mark = dst ? 0 : reply_defer(c);
        if (z && !(q->has_limit && q->offset < 0))
            walk_range(z, &blo, &bhi, q->rev, q->has_limit ? q->offset : 0,
                       q->has_limit ? q->count : -1, &k);
        if (!dst)
            reply_set_deferred(c, mark, RESP_AGG_ARRAY,
                               q->withscores && c->resp == 2 ? k.n * 2 : k.n);
    } else {
        size_t lo = 0, hi = 0;
        if (z) rank_to_ranks(start, end, zset_size(z), q->rev, &lo, &hi);
        size_t n = hi - lo;
        if (!dst) reply_pairs_header(c, n, q->withscores);
        if (n) {
            zset_iter it;
            zset_iter_init(&it, z, q->rev ? hi - 1 : lo, q->rev);
            slice m;
            double s;
            for (size_t i = 0; i < n && zset_iter_next(&it, &m, &s); i++)
                sink_put(&k, m, s);
        }
    }
    if (dst) store_result(c, *dst, k.out, "zrangestore");
}

/* Parses the options from argv[i]. `full` allows BYSCORE/BYLEX/REV (ZRANGE,
 * ZRANGESTORE); `allow_ws` allows WITHSCORES. */
static int range_opts(client *c, int i, range_req *q, int full, int allow_ws)
{
    for (; i < c->argc; i++) {
        slice a = c->argv[i];
        if (allow_ws && slice_is(a, "WITHSCORES")) {
            q->withscores = 1;
        } else if (slice_is(a, "LIMIT") && i + 2 < c->argc) {
            if (arg_ll(c, c->argv[i + 1], &q->offset) < 0 ||
                arg_ll(c, c->argv[i + 2], &q->count) < 0)
                return -1;
            q->has_limit = 1;
            i += 2;
        } else if (full && q->by == BY_RANK && slice_is(a, "BYSCORE")) {
            q->by = BY_SCORE;
        } else if (full && q->by == BY_RANK && slice_is(a, "BYLEX")) {
            q->by = BY_LEX;
        } else if (full && !q->rev && slice_is(a, "REV")) {
            q->rev = 1;
        } else {
            reply_err_syntax(c);
            return -1;
        }
    }
    if (q->has_limit && q->by == BY_RANK) {
        reply_error(c, "ERR syntax error, LIMIT is only supported in combination with "
                       "either BYSCORE or BYLEX");
        return -1;
    }
    if (q->withscores && q->by == BY_LEX) {
        reply_error(
            c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return -1;
    }
    return 0;
}

static void zrange_cmd(client *c)
{
    range_req q = {.by = BY_RANK, .min = c->argv[2], .max = c->argv[3]};
    if (range_opts(c, 4, &q, 1, 1) == 0) range_run(c, c->argv[1], NULL, &q);
}

static void zrangestore_cmd(client *c)
{
    range_req q = {.by = BY_RANK, .min = c->argv[3], .max = c->argv[4]};
    if (range_opts(c, 5, &q, 1, 0) == 0) range_run(c, c->argv[2], &c->argv[1], &q);
}

static void oldrange_generic(client *c, int by, int rev)
{
    range_req q = {.by = by, .rev = rev, .min = c->argv[2], .max = c->argv[3]};
    if (range_opts(c, 4, &q, 0, 1) == 0) range_run(c, c->argv[1], NULL, &q);
}

static void zrangebyscore_cmd(client *c)
{
    oldrange_generic(c, BY_SCORE, 0);
}

static void zrevrangebyscore_cmd(client *c)
{
    oldrange_generic(c, BY_SCORE, 1);
}

static void zrangebylex_cmd(client *c)
{
    oldrange_generic(c, BY_LEX, 0);
}

static void zrevrangebylex_cmd(client *c)
{
    oldrange_generic(c, BY_LEX, 1);
}

/* ---------------------------------------------------------------- ZREMRANGEBY* */

/* Removes members with ascending ranks [lo, hi). */
static void remove_ranks(zset *z, size_t lo, size_t hi)
{
    size_t n = hi - lo;
    if (!n) return;
    /* Collect the members first: removal invalidates the iterator. */
    buf b = BUF_INIT;
    zset_iter it;
    zset_iter_init(&it, z, lo, 0);
    slice m;
    double s;
    for (size_t i = 0; i < n && zset_iter_next(&it, &m, &s); i++) {
        uint32_t len = (uint32_t)m.len;
        buf_append(&b, &len, sizeof(len));
        buf_append(&b, m.p, m.len);
    }
    for (size_t off = 0; off < b.len;) {
        uint32_t len;
        memcpy(&len, b.p + off, sizeof(len));
        off += sizeof(len);
        zset_remove(z, slice_of(b.p + off, len));
        off += len;
    }
    buf_free(&b);
}

static void remrange_generic(client *c, int by)
{
    bound blo, bhi;
    long long start = 0, end = 0;
    if (by == BY_RANK) {
        if (arg_ll(c, c->argv[2], &start) < 0 || arg_ll(c, c->argv[3], &end) < 0) return;
    } else if (parse_range(c, by, c->argv[2], c->argv[3], &blo, &bhi) < 0) {
        return;
    }
    kentry *e;
    zset *z;
    if (!lookup_zset(c, c->argv[1], KS_WRITE, &e, &z)) return;
    if (!z) {
        reply_int(c, 0);
        return;
    }
    size_t lo, hi;
    if (by == BY_RANK) {
        rank_to_ranks(start, end, zset_size(z), 0, &lo, &hi);
    } else {
        /* The members the forward range walk visits (see walk_range). */
        lo = zset_count_before(z, bound_pred, &blo);
        range_sink k = {0}; /* counts only */
        walk_range(z, &blo, &bhi, 0, 0, -1, &k);
        hi = lo + k.n;
    }
    remove_ranks(z, lo, hi);
    if (hi > lo) {
        static const char *const events[] = {
            [BY_RANK] = "zremrangebyrank", [BY_SCORE] = "zremrangebyscore",
            [BY_LEX] = "zremrangebylex"};
        sync(c, c->argv[1], e, z, events[by]);
        key_modified(c->db, c->argv[1]);
    }
    reply_int(c, (long long)(hi - lo));
}

static void zremrangebyrank_cmd(client *c)
{
    remrange_generic(c, BY_RANK);
}

static void zremrangebyscore_cmd(client *c)
{
    remrange_generic(c, BY_SCORE);
}

static void zremrangebylex_cmd(client *c)
{
    remrange_generic(c, BY_LEX);
}

/* ---------------------------------------------------------------- pops */

/* Reply shapes of the pops: ZPOPMIN without a count (one flat pair in both
 * protocols), with a count (flat in RESP2, pairs in RESP3), ZMPOP (pairs),
 * BZPOPMIN (member and score inside the caller's array). */
enum { POP_ONE, POP_COUNT, POP_NESTED, POP_FLAT };

/* Pops up to count members from the min (or max) end of z (the value of e),
 * replying them in `shape`; deletes the key when it empties. */
static void pop_members(client *c, kentry *e, zset *z, size_t count, int max, int shape)
{
    size_t n = zset_size(z);
    if (count > n) count = n;
    if (shape == POP_NESTED)
        reply_array(c, count);
    else if (shape == POP_COUNT)
        reply_pairs_header(c, count, 1);
    for (size_t i = 0; i < count; i++) {
        zset_iter it;
        zset_iter_init(&it, z, max ? zset_size(z) - 1 : 0, max);
        slice m;
        double s;
        zset_iter_next(&it, &m, &s);
        if (shape == POP_NESTED || (shape == POP_COUNT && c->resp == 3) ||
            shape == POP_ONE)
            reply_array(c, 2);
        reply_bulk(c, m.p, m.len);
        reply_double(c, s);
        char *copy = mem_dup(m.p, m.len); /* m dies with the member */
        zset_remove(z, slice_of(copy, m.len));
        mem_free(copy);
    }
    key_modified(c->db, ke_key(e));
    slice k = ke_key(e);
    char small[128];
    char *kc = k.len <= sizeof(small) ? small : mem_alloc(k.len);
    memcpy(kc, k.p, k.len); /* the key dies with e when z empties */
    sync(c, slice_of(kc, k.len), e, z, max ? "zpopmax" : "zpopmin");
    if (kc != small) mem_free(kc);
}

static void pop_generic(client *c, int max)
{
    long long count = 1;
    if (c->argc > 3) {
        reply_err_syntax(c);
        return;
    }
    if (c->argc == 3 &&
        (!util_str2ll(c->argv[2].p, c->argv[2].len, &count) || count < 0)) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    kentry *e;
    zset *z;
    if (!lookup_zset(c, c->argv[1], KS_WRITE, &e, &z)) return;
    if (!z || count == 0) {
        reply_array(c, 0);
        return;
    }
    pop_members(c, e, z, (size_t)count, max, c->argc == 2 ? POP_ONE : POP_COUNT);
}

static void zpopmin_cmd(client *c)
{
    pop_generic(c, 0);
}

static void zpopmax_cmd(client *c)
{
    pop_generic(c, 1);
}

/* Parses numkeys at argv[idx]: the count, or -1 with the error replied. */
static long long parse_numkeys(client *c, int idx, const char *zero_msg)
{
    long long nk;
    if (zero_msg && !util_str2ll(c->argv[idx].p, c->argv[idx].len, &nk))
        nk = 0;
    else if (!zero_msg && arg_ll(c, c->argv[idx], &nk) < 0)
        return -1;
    if (nk < 1) {
        if (zero_msg)
            reply_error(c, zero_msg);
        else
            reply_errorf(c, "ERR at least 1 input key is needed for '%s' command",
                         c->cmd->name);
        return -1;
    }
    return nk;
}

/* The log form of a pop from key: ZPOPMIN/ZPOPMAX key count. */
static void propagate_pop(slice key, int max, long long count)
{
    char num[24];
    slice argv[3] = {max ? slice_of("ZPOPMAX", 7) : slice_of("ZPOPMIN", 7), key,
                     slice_of(num, (size_t)util_ll2str(num, sizeof(num), count))};
    propagate_as(argv, 3);
}

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count], and BZMPOP (numkeys at
 * argv[2], after the timeout; deadline < 0 for ZMPOP: never block). */
static void mpop_generic(client *c, int base, long long deadline)
{
    long long nk = parse_numkeys(c, base, "ERR numkeys should be greater than 0");
    if (nk < 0) return;
    if (nk > c->argc - base - 2) {
        reply_err_syntax(c);
        return;
    }
    int i = base + 1 + (int)nk, max;
    if (slice_is(c->argv[i], "MIN"))
        max = 0;
    else if (slice_is(c->argv[i], "MAX"))
        max = 1;
    else {
        reply_err_syntax(c);
        return;
    }
    long long count = 1;
    if (i + 1 < c->argc) {
        if (!slice_is(c->argv[i + 1], "COUNT") || i + 3 != c->argc) {
            reply_err_syntax(c);
            return;
        }
        if (!util_str2ll(c->argv[i + 2].p, c->argv[i + 2].len, &count) || count < 1) {
            reply_error(c, "ERR count should be greater than 0");
            return;
        }
    }
    for (int k = base + 1; k < i; k++) {
        kentry *e;
        if (!blocking_lookup(c, c->argv[k], OBJ_ZSET, &e)) return;
        if (!e) continue;
        reply_array(c, 2);
        reply_bulk(c, c->argv[k].p, c->argv[k].len);
        pop_members(c, e, ke_ptr(e), (size_t)count, max, POP_NESTED);
        propagate_pop(c->argv[k], max, count);
        return;
    }
    if (deadline >= 0)
        blocking_wait_range(c, base + 1, i - 1, deadline);
    else
        reply_null_array(c);
}

static void zmpop_cmd(client *c)
{
    mpop_generic(c, 1, -1);
}

static void bzmpop_cmd(client *c)
{
    long long deadline;
    if (blocking_parse_timeout(c, c->argv[1], 1000, &deadline) < 0) return;
    mpop_generic(c, 2, deadline);
}

/* BZPOPMIN/BZPOPMAX key [key ...] timeout: [key, member, score] from the
 * first non-empty sorted set, else wait. */
static void bzpop_generic(client *c, int max)
{
    long long deadline;
    if (blocking_parse_timeout(c, c->argv[c->argc - 1], 1000, &deadline) < 0) return;
    for (int k = 1; k < c->argc - 1; k++) {
        kentry *e;
        if (!blocking_lookup(c, c->argv[k], OBJ_ZSET, &e)) return;
        if (!e) continue;
        reply_array(c, 3);
        reply_bulk(c, c->argv[k].p, c->argv[k].len);
        pop_members(c, e, ke_ptr(e), 1, max, POP_FLAT);
        propagate_pop(c->argv[k], max, 1);
        return;
    }
    blocking_wait_range(c, 1, c->argc - 2, deadline);
}

static void bzpopmin_cmd(client *c)
{
    bzpop_generic(c, 0);
}

static void bzpopmax_cmd(client *c)
{
    bzpop_generic(c, 1);
}

/* ---------------------------------------------------------------- ZRANDMEMBER */

static void zrandmember_cmd(client *c)
{
    zset *z;
    zset_iter it;
    slice m;
    double s;
    if (c->argc == 2) {
        if (!lookup_zset(c, c->argv[1], KS_READ, NULL, &z)) return;
        if (!z) {
            reply_null(c);
            return;
        }
        zset_iter_init(&it, z, util_rand64() % zset_size(z), 0);
        zset_iter_next(&it, &m, &s);
        reply_bulk(c, m.p, m.len);
        return;
    }
    int ws = 0;
    if (c->argc == 4 && slice_is(c->argv[3], "WITHSCORES"))
        ws = 1;
    else if (c->argc > 3) {
        reply_err_syntax(c);
        return;
    }
    long long count;
    if (arg_ll(c, c->argv[2], &count) < 0) return;
    if (count < -LLONG_MAX / 2 && ws) {
        reply_error(c, "ERR value is out of range");
        return;
    }
    if (count == LLONG_MIN) {
        reply_error(c,
                    "ERR value is out of range, value must between -9223372036854775807 "
                    "and 9223372036854775807");
        return;
    }
    if (!lookup_zset(c, c->argv[1], KS_READ, NULL, &z)) return;
    if (!z || count == 0) {
        reply_array(c, 0);
        return;
    }
    size_t size = zset_size(z);
    if (count < 0) {
        reply_pairs_header(c, (size_t)-count, ws);
        for (long long i = 0; i < -count; i++) {
            if ((i & 1023) == 1023 && (c->flags & CL_CLOSE_ASAP)) break;
            zset_iter_init(&it, z, util_rand64() % size, 0);
            zset_iter_next(&it, &m, &s);
            reply_member(c, m, s, ws);
        }
        return;
    }
    size_t want = (unsigned long long)count >= size ? size : (size_t)count;
    reply_pairs_header(c, want, ws);
    /* One pass choosing each member with probability need/left. */
    size_t left = size;
    zset_iter_init(&it, z, 0, 0);
    while (want && zset_iter_next(&it, &m, &s)) {
        if (util_rand64() % left-- < want) {
            reply_member(c, m, s, ws);
            want--;
        }
    }
}

/* ---------------------------------------------------------------- set algebra */

/* A source of ZUNION & co: a zset, a set (every score 1) or missing. */
typedef struct src {
    zset *z;
    set *s;
    double w;
} src;

static size_t src_size(const src *x)
{
    return x->z ? zset_size(x->z) : x->s ? set_size(x->s) : 0;
}

static int src_score(src *x, slice m, double *d)
{
    if (x->z) return zset_score(x->z, m, d);
    if (x->s && set_contains(x->s, m)) {
        *d = 1;
        return 1;
    }
    return 0;
}

typedef void src_fn(void *priv, slice m, double score);

static void src_each(src *x, src_fn *fn, void *priv)
{
    if (x->z) {
        zset_iter it;
        slice m;
        double s;
        zset_iter_init(&it, x->z, 0, 0);
        while (zset_iter_next(&it, &m, &s))
            fn(priv, m, s);
    } else if (x->s) {
        set_iter it;
        slice m;
        set_iter_init(&it, x->s);
        while (set_iter_next(&it, &m))
            fn(priv, m, 1);
        set_iter_done(&it);
    }
}

enum { AGG_SUM, AGG_MIN, AGG_MAX };
enum { OP_UNION, OP_INTER, OP_DIFF };

static double weighted(double s, double w)
{
    double r = s * w;
    return isnan(r) ? 0 : r;
}

static double aggregate(int agg, double a, double b)
{
    /* Ties keep the accumulated value a (it matters for -0 against 0). */
    if (agg == AGG_MIN) return b < a ? b : a;
    if (agg == AGG_MAX) return b > a ? b : a;
    double r = a + b;
    return isnan(r) ? 0 : r;
}

typedef struct algebra {
    src *srcs;
    int n, op, agg;
    src *cur;
    zset *out;
    zset_limits lim;
    size_t limit, found; /* ZINTERCARD */
    int count_only;
} algebra;

static void union_one(void *priv, slice m, double s)
{
    algebra *a = priv;
    double v = weighted(s, a->cur->w), old;
    if (zset_score(a->out, m, &old)) v = aggregate(a->agg, old, v);
    zset_set(a->out, m, v, &a->lim);
}

static void inter_one(void *priv, slice m, double s)
{
    algebra *a = priv;
    if (a->limit && a->found >= a->limit) return;
    double v = weighted(s, a->srcs[0].w), d;
    for (int i = 1; i < a->n; i++) {
        if (!src_score(&a->srcs[i], m, &d)) return;
        v = aggregate(a->agg, v, weighted(d, a->srcs[i].w));
    }
    a->found++;
    if (!a->count_only) zset_set(a->out, m, v, &a->lim);
}

static void diff_one(void *priv, slice m, double s)
{
    algebra *a = priv;
    double d;
    for (int i = 1; i < a->n; i++)
        if (src_score(&a->srcs[i], m, &d)) return;
    zset_set(a->out, m, s, &a->lim);
}

static int by_size(const void *x, const void *y)
{
    size_t a = src_size(x), b = src_size(y);
    return a < b ? -1 : a > b;
}

static void compute(algebra *a)
{
    if (a->op == OP_UNION) {
        /* Smallest first, as Redis (the order decides ties such as -0/0). */
        qsort(a->srcs, (size_t)a->n, sizeof(src), by_size);
        for (int i = 0; i < a->n; i++) {
            a->cur = &a->srcs[i];
            src_each(a->cur, union_one, a);
        }
    } else if (a->op == OP_INTER) {
        for (int i = 0; i < a->n; i++)
            if (!a->srcs[i].z && !a->srcs[i].s) return;
        qsort(a->srcs, (size_t)a->n, sizeof(src), by_size);
        src_each(&a->srcs[0], inter_one, a);
    } else {
        src_each(&a->srcs[0], diff_one, a);
    }
}

/* Looks up n sources at keys (set or zset, else WRONGTYPE): 0 or -1. */
static int gather(client *c, const slice *keys, int n, src *srcs)
{
    for (int i = 0; i < n; i++) {
        srcs[i].z = NULL;
        srcs[i].s = NULL;
        srcs[i].w = 1;
        kentry *e = ks_lookup(c->db, keys[i], KS_READ);
        if (!e) continue;
        if (ke_type(e) == OBJ_ZSET)
            srcs[i].z = ke_ptr(e);
        else if (ke_type(e) == OBJ_SET)
            srcs[i].s = ke_ptr(e);
        else {
            reply_err_wrongtype(c);
            return -1;
        }
    }
    return 0;
}

/* Returns z itself, or (freeing z) a listpack copy when z fits the limits. */
static zset *shrink(zset *z, const zset_limits *lim)
{
    if ((long long)zset_size(z) > lim->max_entries) return z;
    zset_iter it;
    slice m;
    double s;
    zset_iter_init(&it, z, 0, 0);
    while (zset_iter_next(&it, &m, &s))
        if ((long long)m.len > lim->max_value) return z;
    zset *lp = zset_new();
    zset_iter_init(&it, z, 0, 0);
    while (zset_iter_next(&it, &m, &s))
        zset_set(lp, m, s, lim);
    zset_free(z);
    return lp;
}

/* ZUNION/ZINTER/ZDIFF (dst NULL; numkeys at argv[1]) and their STORE forms
 * (numkeys at argv[2]). */
static void algebra_generic(client *c, const slice *dst, int op)
{
    int nki = dst ? 2 : 1;
    long long nk = parse_numkeys(c, nki, NULL);
    if (nk < 0) return;
    if (nk > c->argc - nki - 1) {
        reply_err_syntax(c);
        return;
    }
    int n = (int)nk;
    src *srcs = mem_alloc(sizeof(src) * (size_t)n);
    algebra a = {.srcs = srcs, .n = n, .op = op, .agg = AGG_SUM, .lim = cfg_zset_limits()};
    int ws = 0;
    if (gather(c, c->argv + nki + 1, n, srcs) < 0) goto done;
    for (int i = nki + 1 + n; i < c->argc; i++) {
        int left = c->argc - i - 1;
        slice o = c->argv[i];
        if (op != OP_DIFF && slice_is(o, "WEIGHTS") && left >= n) {
            for (int j = 0; j < n; j++) {
                slice w = c->argv[++i];
                if (!util_str2d(w.p, w.len, &srcs[j].w)) {
                    reply_error(c, "ERR weight value is not a float");
                    goto done;
                }
            }
        } else if (op != OP_DIFF && slice_is(o, "AGGREGATE") && left >= 1) {
            slice v = c->argv[++i];
            if (slice_is(v, "SUM"))
                a.agg = AGG_SUM;
            else if (slice_is(v, "MIN"))
                a.agg = AGG_MIN;
            else if (slice_is(v, "MAX"))
                a.agg = AGG_MAX;
            else {
                reply_err_syntax(c);
                goto done;
            }
        } else if (!dst && slice_is(o, "WITHSCORES")) {
            ws = 1;
        } else {
            reply_err_syntax(c);
            goto done;
        }
    }
    /* The result is computed in a skiplist, as in Redis (which keeps -0 scores
     * there, while a listpack stores them as 0); a stored result small enough
     * is then rewritten as a listpack. */
    a.out = zset_new();
    zset_convert(a.out);
    compute(&a);
    if (dst) {
        static const char *const events[] = {
            [OP_UNION] = "zunionstore", [OP_INTER] = "zinterstore", [OP_DIFF] = "zdiffstore"};
        store_result(c, *dst, shrink(a.out, &a.lim), events[op]);
        goto done;
    }
    size_t cnt = zset_size(a.out);
    reply_pairs_header(c, cnt, ws);
    zset_iter it;
    slice m;
    double s;
    zset_iter_init(&it, a.out, 0, 0);
    while (zset_iter_next(&it, &m, &s))
        reply_member(c, m, s, ws);
    zset_free(a.out);
done:
    mem_free(srcs);
}

static void zunion_cmd(client *c)
{
    algebra_generic(c, NULL, OP_UNION);
}

static void zinter_cmd(client *c)
{
    algebra_generic(c, NULL, OP_INTER);
}

static void zdiff_cmd(client *c)
{
    algebra_generic(c, NULL, OP_DIFF);
}

static void zunionstore_cmd(client *c)
{
    algebra_generic(c, &c->argv[1], OP_UNION);
}

static void zinterstore_cmd(client *c)
{
    algebra_generic(c, &c->argv[1], OP_INTER);
}

static void zdiffstore_cmd(client *c)
{
    algebra_generic(c, &c->argv[1], OP_DIFF);
}

/* ZINTERCARD numkeys key [key ...] [LIMIT limit] */
static void zintercard_cmd(client *c)
{
    long long nk = parse_numkeys(c, 1, NULL), limit = 0;
    if (nk < 0) return;
    if (nk > c->argc - 2) {
        reply_err_syntax(c);
        return;
    }
    for (int i = 2 + (int)nk; i < c->argc; i++) {
        if (slice_is(c->argv[i], "LIMIT") && i + 1 < c->argc) {
            slice l = c->argv[++i];
            if (!util_str2ll(l.p, l.len, &limit) || limit < 0) {
                reply_error(c, "ERR LIMIT can't be negative");
                return;
            }
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    int n = (int)nk;
    src *srcs = mem_alloc(sizeof(src) * (size_t)n);
    if (gather(c, c->argv + 2, n, srcs) == 0) {
        algebra a = {.srcs = srcs,
                     .n = n,
                     .op = OP_INTER,
                     .limit = (size_t)limit,
                     .count_only = 1};
        compute(&a);
        reply_int(c, (long long)a.found);
    }
    mem_free(srcs);
}

/* Keys: numkeys at argv[nki], the keys after it; plus argv[1] when store. None
 * if numkeys is not valid (the handler then replies the error). */
static int numkeys_keys(const slice *argv, int argc, int nki, int store, int *pos,
                        int max)
{
    long long nk;
    if (argc <= nki || !util_str2ll(argv[nki].p, argv[nki].len, &nk) || nk < 1 ||
        nk > argc - nki - 1)
        return 0;
    int n = 0;
    if (store && n < max) pos[n++] = 1;
    for (long long i = 0; i < nk && n < max; i++)
        pos[n++] = nki + 1 + (int)i;
    return n;
}

static int numkeys1_getkeys(const slice *argv, int argc, int *pos, int max)
{
    return numkeys_keys(argv, argc, 1, 0, pos, max);
}

static int numkeys2_getkeys(const slice *argv, int argc, int *pos, int max)
{
    return numkeys_keys(argv, argc, 2, 0, pos, max);
}

static int store_getkeys(const slice *argv, int argc, int *pos, int max)
{
    return numkeys_keys(argv, argc, 2, 1, pos, max);
}

/* ---------------------------------------------------------------- ZSCAN */

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
    buf b; /* per member: u32 length, bytes, double */
} scan_out;

static void scan_collect(void *priv, slice m, double s)
{
    scan_out *so = priv;
    if (!so->match_all && !glob_match(so->pattern.p, so->pattern.len, m.p, m.len, 0))
        return;
    uint32_t len = (uint32_t)m.len;
    buf_append(&so->b, &len, sizeof(len));
    buf_append(&so->b, m.p, m.len);
    buf_append(&so->b, &s, sizeof(s));
    so->n++;
}

static void zscan_cmd(client *c)
{
    uint64_t cursor;
    if (parse_cursor(c->argv[2], &cursor) < 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    zset *z;
    if (!lookup_zset(c, c->argv[1], KS_READ, NULL, &z)) return;
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
    uint64_t next = 0;
    if (z)
        next = zset_scan(z, cursor, count > LONG_MAX ? LONG_MAX : (long)count,
                         scan_collect, &so);
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)next);
    reply_array(c, so.n * 2);
    for (size_t off = 0; off < so.b.len;) {
        uint32_t len;
        double s;
        char tmp[40];
        memcpy(&len, so.b.p + off, sizeof(len));
        off += sizeof(len);
        reply_bulk(c, so.b.p + off, len);
        off += len;
        memcpy(&s, so.b.p + off, sizeof(s));
        off += sizeof(s);
        int tl = util_d2str(tmp, sizeof(tmp), s);
        reply_bulk(c, tmp, (size_t)tl);
    }
    buf_free(&so.b);
}

/* ---------------------------------------------------------------- table */

#define ZSET_CMD(...)                                                                    \
    {                                                                                    \
        .group = "sorted-set", __VA_ARGS__                                               \
    }
#define W_FAST (CMD_WRITE | CMD_FAST)
#define R_FAST (CMD_READONLY | CMD_FAST)
#define ZW (ACL_WRITE | ACL_SORTEDSET)
#define ZR (ACL_READ | ACL_SORTEDSET)

command zset_commands[] = {
    ZSET_CMD(.name = "zadd", .proc = zadd_cmd, .arity = -4,
             .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ZW | ACL_FAST,
             .keys = {1, 1, 1}, .since = "1.2.0",
             .summary = "Adds members to a sorted set, or updates their scores.",
             .complexity = "O(log N) per member",
             .args =
                 "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
             .key_flags = "RW UPDATE"),
    ZSET_CMD(.name = "zincrby", .proc = zincrby_cmd, .arity = 4,
             .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ZW | ACL_FAST,
             .keys = {1, 1, 1}, .since = "1.2.0",
             .summary = "Increments the score of a member of a sorted set.",
             .complexity = "O(log N)", .args = "key increment member",
             .key_flags = "RW ACCESS UPDATE"),
    ZSET_CMD(.name = "zrem", .proc = zrem_cmd, .arity = -3, .flags = W_FAST,
             .acl = ZW | ACL_FAST, .keys = {1, 1, 1}, .since = "1.2.0",
             .summary = "Removes members from a sorted set, deleting it when it empties.",
             .complexity = "O(M log N) for M members", .args = "key member [member ...]",
             .key_flags = "RW DELETE"),
    ZSET_CMD(.name = "zcard", .proc = zcard_cmd, .arity = 2, .flags = R_FAST,
             .acl = ZR | ACL_FAST, .keys = {1, 1, 1}, .since = "1.2.0",
             .summary = "Counts the members of a sorted set.", .complexity = "O(1)",
             .args = "key", .key_flags = "RO"),
    ZSET_CMD(.name = "zcount", .proc = zcount_cmd, .arity = 4, .flags = R_FAST,
             .acl = ZR | ACL_FAST, .keys = {1, 1, 1}, .since = "2.0.0",
             .summary = "Counts the members whose score is within a range.",
             .complexity = "O(log N)", .args = "key min max", .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zlexcount", .proc = zlexcount_cmd, .arity = 4, .flags = R_FAST,
             .acl = ZR | ACL_FAST, .keys = {1, 1, 1}, .since = "2.8.9",
             .summary = "Counts the members within a lexicographical range.",
             .complexity = "O(log N)", .args = "key min max", .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zscore", .proc = zscore_cmd, .arity = 3, .flags = R_FAST,
             .acl = ZR | ACL_FAST, .keys = {1, 1, 1}, .since = "1.2.0",
             .summary = "Returns the score of a member.", .complexity = "O(1)",
             .args = "key member", .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zmscore", .proc = zmscore_cmd, .arity = -3, .flags = R_FAST,
             .acl = ZR | ACL_FAST, .keys = {1, 1, 1}, .since = "6.2.0",
             .summary = "Returns the scores of several members.",
             .complexity = "O(N) for N members", .args = "key member [member ...]",
             .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zrank", .proc = zrank_cmd, .arity = 3, .flags = R_FAST,
             .acl = ZR | ACL_FAST, .keys = {1, 1, 1}, .since = "2.0.0",
             .summary = "Returns the index of a member in ascending order.",
             .complexity = "O(log N)", .args = "key member", .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zrevrank", .proc = zrevrank_cmd, .arity = 3, .flags = R_FAST,
             .acl = ZR | ACL_FAST, .keys = {1, 1, 1}, .since = "2.0.0",
             .summary = "Returns the index of a member in descending order.",
             .complexity = "O(log N)", .args = "key member", .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zrange", .proc = zrange_cmd, .arity = -4, .flags = CMD_READONLY,
             .acl = ZR | ACL_SLOW, .keys = {1, 1, 1}, .since = "1.2.0",
             .summary = "Returns members in a range of ranks, scores or lexicographical "
                        "order.",
             .complexity = "O(log N + M) for M returned members",
             .args = "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] "
                     "[WITHSCORES]",
             .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zrangestore", .proc = zrangestore_cmd, .arity = -5,
             .flags = CMD_WRITE | CMD_DENYOOM, .acl = ZW | ACL_SLOW, .keys = {1, 2, 1},
             .since = "6.2.0", .summary = "Stores a range of a sorted set at a key.",
             .complexity = "O(log N + M) for M stored members",
             .args = "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
             .key_flags = "OW UPDATE; RO ACCESS"),
    ZSET_CMD(.name = "zrangebyscore", .proc = zrangebyscore_cmd, .arity = -4,
             .flags = CMD_READONLY, .acl = ZR | ACL_SLOW, .keys = {1, 1, 1},
             .since = "1.0.5", .summary = "Returns members within a range of scores.",
             .complexity = "O(log N + M) for M returned members",
             .args = "key min max [WITHSCORES] [LIMIT offset count]",
             .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zrevrangebyscore", .proc = zrevrangebyscore_cmd, .arity = -4,
             .flags = CMD_READONLY, .acl = ZR | ACL_SLOW, .keys = {1, 1, 1},
             .since = "2.2.0",
             .summary = "Returns members within a range of scores, highest first.",
             .complexity = "O(log N + M) for M returned members",
             .args = "key max min [WITHSCORES] [LIMIT offset count]",
             .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zrangebylex", .proc = zrangebylex_cmd, .arity = -4,
             .flags = CMD_READONLY, .acl = ZR | ACL_SLOW, .keys = {1, 1, 1},
             .since = "2.8.9",
             .summary = "Returns members within a lexicographical range.",
             .complexity = "O(log N + M) for M returned members",
             .args = "key min max [LIMIT offset count]", .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zrevrangebylex", .proc = zrevrangebylex_cmd, .arity = -4,
             .flags = CMD_READONLY, .acl = ZR | ACL_SLOW, .keys = {1, 1, 1},
             .since = "2.8.9",
             .summary = "Returns members within a lexicographical range, highest first.",
             .complexity = "O(log N + M) for M returned members",
             .args = "key max min [LIMIT offset count]", .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zremrangebyrank", .proc = zremrangebyrank_cmd, .arity = 4,
             .flags = CMD_WRITE, .acl = ZW | ACL_SLOW, .keys = {1, 1, 1},
             .since = "2.0.0", .summary = "Removes members within a range of ranks.",
             .complexity = "O(log N + M) for M removed members", .args = "key start stop",
             .key_flags = "RW DELETE"),
    ZSET_CMD(.name = "zremrangebyscore", .proc = zremrangebyscore_cmd, .arity = 4,
             .flags = CMD_WRITE, .acl = ZW | ACL_SLOW, .keys = {1, 1, 1},
             .since = "1.2.0", .summary = "Removes members within a range of scores.",
             .complexity = "O(log N + M) for M removed members", .args = "key min max",
             .key_flags = "RW DELETE"),
    ZSET_CMD(.name = "zremrangebylex", .proc = zremrangebylex_cmd, .arity = 4,
             .flags = CMD_WRITE, .acl = ZW | ACL_SLOW, .keys = {1, 1, 1},
             .since = "2.8.9",
             .summary = "Removes members within a lexicographical range.",
             .complexity = "O(log N + M) for M removed members", .args = "key min max",
             .key_flags = "RW DELETE"),
    ZSET_CMD(.name = "zpopmin", .proc = zpopmin_cmd, .arity = -2, .flags = W_FAST,
             .acl = ZW | ACL_FAST, .keys = {1, 1, 1}, .since = "5.0.0",
             .summary = "Removes and returns the members with the lowest scores.",
             .complexity = "O(M log N) for M popped members", .args = "key [count]",
             .key_flags = "RW ACCESS DELETE"),
    ZSET_CMD(.name = "zpopmax", .proc = zpopmax_cmd, .arity = -2, .flags = W_FAST,
             .acl = ZW | ACL_FAST, .keys = {1, 1, 1}, .since = "5.0.0",
             .summary = "Removes and returns the members with the highest scores.",
             .complexity = "O(M log N) for M popped members", .args = "key [count]",
             .key_flags = "RW ACCESS DELETE"),
    ZSET_CMD(.name = "zmpop", .proc = zmpop_cmd, .arity = -4, .flags = CMD_WRITE,
             .acl = ZW | ACL_SLOW, .getkeys = numkeys1_getkeys, .since = "7.0.0",
             .summary = "Pops members from the first non-empty sorted set among keys.",
             .complexity = "O(K) + O(M log N) for M popped members",
             .args = "numkeys key [key ...] MIN | MAX [COUNT count]",
             .key_flags = "RW ACCESS DELETE"),
    ZSET_CMD(.name = "bzpopmin", .proc = bzpopmin_cmd, .arity = -3,
             .flags = CMD_WRITE | CMD_FAST | CMD_BLOCKING, .acl = ZW | ACL_FAST | ACL_BLOCKING,
             .keys = {1, -2, 1}, .since = "5.0.0",
             .summary = "Removes and returns the member with the lowest score from one or more "
                        "sorted sets, or blocks until one is available.",
             .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
             .args = "key [key ...] timeout", .key_flags = "RW ACCESS DELETE"),
    ZSET_CMD(.name = "bzpopmax", .proc = bzpopmax_cmd, .arity = -3,
             .flags = CMD_WRITE | CMD_FAST | CMD_BLOCKING, .acl = ZW | ACL_FAST | ACL_BLOCKING,
             .keys = {1, -2, 1}, .since = "5.0.0",
             .summary = "Removes and returns the member with the highest score from one or more "
                        "sorted sets, or blocks until one is available.",
             .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
             .args = "key [key ...] timeout", .key_flags = "RW ACCESS DELETE"),
    ZSET_CMD(.name = "bzmpop", .proc = bzmpop_cmd, .arity = -5,
             .flags = CMD_WRITE | CMD_BLOCKING, .acl = ZW | ACL_SLOW | ACL_BLOCKING,
             .getkeys = numkeys2_getkeys, .since = "7.0.0",
             .summary = "Pops members from the first non-empty sorted set among keys, or "
                        "blocks until one is available.",
             .complexity = "O(K) + O(M log N) for M popped members",
             .args = "timeout numkeys key [key ...] MIN | MAX [COUNT count]",
             .key_flags = "RW ACCESS DELETE"),
    ZSET_CMD(.name = "zrandmember", .proc = zrandmember_cmd, .arity = -2,
             .flags = CMD_READONLY, .acl = ZR | ACL_SLOW, .keys = {1, 1, 1},
             .since = "6.2.0", .summary = "Returns random members of a sorted set.",
             .complexity = "O(N) for N returned members",
             .args = "key [count [WITHSCORES]]", .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zunion", .proc = zunion_cmd, .arity = -3, .flags = CMD_READONLY,
             .acl = ZR | ACL_SLOW, .getkeys = numkeys1_getkeys, .since = "6.2.0",
             .summary = "Returns the union of sorted sets.",
             .complexity = "O(N log M) for N input members, M result members",
             .args = "numkeys key [key ...] [WEIGHTS weight [weight ...]] "
                     "[AGGREGATE SUM | MIN | MAX] [WITHSCORES]",
             .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zinter", .proc = zinter_cmd, .arity = -3, .flags = CMD_READONLY,
             .acl = ZR | ACL_SLOW, .getkeys = numkeys1_getkeys, .since = "6.2.0",
             .summary = "Returns the intersection of sorted sets.",
             .complexity = "O(N*K) for N members of the smallest, K sets",
             .args = "numkeys key [key ...] [WEIGHTS weight [weight ...]] "
                     "[AGGREGATE SUM | MIN | MAX] [WITHSCORES]",
             .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zdiff", .proc = zdiff_cmd, .arity = -3, .flags = CMD_READONLY,
             .acl = ZR | ACL_SLOW, .getkeys = numkeys1_getkeys, .since = "6.2.0",
             .summary =
                 "Returns the members of the first sorted set that are in no other.",
             .complexity = "O(N*K) for N members of the first, K sets",
             .args = "numkeys key [key ...] [WITHSCORES]", .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zintercard", .proc = zintercard_cmd, .arity = -3,
             .flags = CMD_READONLY, .acl = ZR | ACL_SLOW, .getkeys = numkeys1_getkeys,
             .since = "7.0.0", .summary = "Counts the intersection of sorted sets.",
             .complexity = "O(N*K) for N members of the smallest, K sets",
             .args = "numkeys key [key ...] [LIMIT limit]", .key_flags = "RO ACCESS"),
    ZSET_CMD(.name = "zunionstore", .proc = zunionstore_cmd, .arity = -4,
             .flags = CMD_WRITE | CMD_DENYOOM, .acl = ZW | ACL_SLOW,
             .keys = {1, 1, 1}, .getkeys = store_getkeys, .since = "2.0.0",
             .summary = "Stores the union of sorted sets at a key.",
             .complexity = "O(N log M) for N input members, M result members",
             .args = "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] "
                     "[AGGREGATE SUM | MIN | MAX]",
             .key_flags = "OW UPDATE; RO ACCESS"),
    ZSET_CMD(.name = "zinterstore", .proc = zinterstore_cmd, .arity = -4,
             .flags = CMD_WRITE | CMD_DENYOOM, .acl = ZW | ACL_SLOW,
             .keys = {1, 1, 1}, .getkeys = store_getkeys, .since = "2.0.0",
             .summary = "Stores the intersection of sorted sets at a key.",
             .complexity = "O(N*K) for N members of the smallest, K sets",
             .args = "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] "
                     "[AGGREGATE SUM | MIN | MAX]",
             .key_flags = "OW UPDATE; RO ACCESS"),
    ZSET_CMD(.name = "zdiffstore", .proc = zdiffstore_cmd, .arity = -4,
             .flags = CMD_WRITE | CMD_DENYOOM, .acl = ZW | ACL_SLOW,
             .keys = {1, 1, 1}, .getkeys = store_getkeys, .since = "6.2.0",
             .summary = "Stores the difference of sorted sets at a key.",
             .complexity = "O(N*K) for N members of the first, K sets",
             .args = "destination numkeys key [key ...]",
             .key_flags = "OW UPDATE; RO ACCESS"),
    ZSET_CMD(.name = "zscan", .proc = zscan_cmd, .arity = -3, .flags = CMD_READONLY,
             .acl = ZR | ACL_SLOW, .keys = {1, 1, 1}, .since = "2.8.0",
             .summary = "Walks the members and scores of a sorted set a few at a time.",
             .complexity = "O(1) per call, O(N) for a whole scan",
             .args = "key cursor [MATCH pattern] [COUNT count]",
             .key_flags = "RO ACCESS"),
    {0},
};
