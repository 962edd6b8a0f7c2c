/* server/cmd_stream.c — the stream commands (data structure in types/stream.c)
 * and their entries in the command table.
 *
 * Handlers run with the shards of their keys locked by the dispatcher; XREAD
 * and XREADGROUP find their keys after STREAMS (xread_getkeys), and the
 * handler checks it parsed the same positions before touching any key.
 * Arguments are parsed completely before anything changes, so a command that
 * fails changes nothing ("all or nothing", as Redis).
 *
 * Reply shapes follow Redis 7.0: an entry is [id, [field, value, ...]] in
 * both protocols; XREAD/XREADGROUP reply a map of key -> entries in RESP3
 * and an array of [key, entries] pairs in RESP2; XINFO replies maps.
 *
 * XREAD/XREADGROUP BLOCK go through server/blocking.h: when nothing can be
 * served the client waits on the keys after STREAMS, with each "$" replaced in
 * its argv copy by the stream's last ID, so that a retry (the handler run
 * again) only serves entries added since.
 *
 * The append-only file gets deterministic forms (propagate_as/_add), so that
 * a replay rebuilds the same stream whatever the clock and the chunk layout:
 *   XADD        the ID it got ("*", "ms-*" resolved); a trim that removed
 *               entries becomes MAXLEN = <length after>, one that removed
 *               none is dropped
 *   XTRIM       MAXLEN = <length after>
 *   XGROUP CREATE / SETID   the explicit ID ("$" resolved) and ENTRIESREAD
 *   XREADGROUP  per stream: XGROUP CREATECONSUMER (a new consumer), XCLAIM
 *               key group consumer 0 <ids> TIME t RETRYCOUNT n FORCE JUSTID for
 *               the entries delivered, XGROUP SETID key group <last id>
 *               ENTRIESREAD n for ">" reads
 *   XCLAIM, XAUTOCLAIM  the same XCLAIM form for what was claimed (no
 *               min-idle-time left to re-evaluate), XACK for pending entries
 *               dropped because their entry is gone, XGROUP SETID for LASTID
 * Several commands are wrapped in MULTI/EXEC by propagate.c. Consumers' seen
 * times are the replay's.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/aof.h"
#include "server/blocking.h"
#include "server/cmdtab.h"
#include "server/config.h"
#include "server/notify.h"
#include "server/propagate.h"
#include "server/server.h"
#include "server/type_limits.h"
#include "types/stream.h"

#define ERR_INVALID_ID "ERR Invalid stream ID specified as stream command argument"
#define ERR_NOKEY_XGROUP                                                                 \
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may " \
    "want to use the MKSTREAM option to create an empty stream automatically."

/* ---------------------------------------------------------------- helpers */

/* Looks key up. Returns 1 with *sp (NULL when missing), or replies WRONGTYPE
 * and returns 0. */
static int lookup_stream(client *c, slice key, int flags, stream **sp)
{
    kentry *e;
    if (!lookup_typed(c, key, flags, OBJ_STREAM, &e)) return 0;
    *sp = e ? ke_ptr(e) : NULL;
    return 1;
}

static stream *create_stream(client *c, slice key)
{
    stream *s = stream_new();
    ks_add(c->db, key, OBJ_STREAM, ENC_STREAM, s);
    return s;
}

/* A changed stream: counts the change and publishes the event. */
static void changed(client *c, slice key, const char *event)
{
    key_modified(c->db, key);
    notify_event(NOTIFY_STREAM, event, c->db, key);
}

/* Strict ID: "ms[-seq]" only. Replies the error on failure. */
static int parse_id(client *c, slice s, uint64_t missing_seq, stream_id *id)
{
    if (stream_id_parse(s.p, s.len, missing_seq, 0, id, NULL) < 0) {
        if (c) reply_error(c, ERR_INVALID_ID);
        return -1;
    }
    return 0;
}

/* Non-strict ID: also "-" and "+". */
static int parse_id_ext(client *c, slice s, uint64_t missing_seq, stream_id *id)
{
    if (s.len == 1 && s.p[0] == '-') {
        *id = STREAM_ID_MIN;
        return 0;
    }
    if (s.len == 1 && s.p[0] == '+') {
        *id = STREAM_ID_MAX;
        return 0;
    }
    return parse_id(c, s, missing_seq, id);
}

/* A range boundary: "(" makes it exclusive (strict ID after it). */
static int parse_bound(client *c, slice s, int is_end, stream_id *id)
{
    uint64_t miss = is_end ? UINT64_MAX : 0;
    if (s.len > 1 && s.p[0] == '(') {
        if (parse_id(c, slice_of(s.p + 1, s.len - 1), miss, id) < 0) return -1;
        if (!(is_end ? stream_id_decr(id) : stream_id_incr(id))) {
            reply_error(c, is_end ? "ERR invalid end ID for the interval"
                                  : "ERR invalid start ID for the interval");
            return -1;
        }
        return 0;
    }
    return parse_id_ext(c, s, miss, id);
}

static void reply_id(client *c, stream_id id)
{
    char idbuf[STREAM_ID_STR];
    int n = stream_id_fmt(idbuf, id);
    reply_bulk(c, idbuf, (size_t)n);
}

/* The current entry of it: [id, [field, value, ...]]. */
static void reply_entry(client *c, stream_iter *it, stream_id id, uint64_t npairs)
{
    reply_array(c, 2);
    reply_id(c, id);
    reply_array(c, npairs * 2);
    for (uint64_t i = 0; i < npairs; i++) {
        slice f, v;
        stream_iter_pair(it, &f, &v);
        reply_bulk(c, f.p, f.len);
        reply_bulk(c, v.p, v.len);
    }
}

/* Replies the single entry id as an entry, or a null when it is gone. */
static void reply_one(client *c, stream *s, stream_id id)
{
    stream_iter it;
    stream_id got;
    uint64_t np;
    stream_iter_init(&it, s, id, id, 0);
    if (stream_iter_next(&it, &got, &np))
        reply_entry(c, &it, got, np);
    else
        reply_null(c);
    stream_iter_done(&it);
}

/* ---------------------------------------------------------------- log forms */

/* A command for the append-only file: arguments are the client's (not
 * copied), static texts, or formatted numbers (owned here). */
typedef struct logcmd {
    slice *v;
    char **own;
    int n, cap, nown;
} logcmd;

static void lc_push(logcmd *l, slice a, char *owned)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = mem_realloc(l->v, sizeof(slice) * (size_t)l->cap);
        l->own = mem_realloc(l->own, sizeof(char *) * (size_t)l->cap);
    }
    l->v[l->n++] = a;
    if (owned) l->own[l->nown++] = owned;
}

static void lc_arg(logcmd *l, slice a)
{
    lc_push(l, a, NULL);
}

static void lc_str(logcmd *l, const char *t)
{
    lc_push(l, slice_of(t, strlen(t)), NULL);
}

static void lc_id(logcmd *l, stream_id id)
{
    char *p = mem_alloc(STREAM_ID_STR);
    int n = stream_id_fmt(p, id);
    lc_push(l, slice_of(p, (size_t)n), p);
}

static void lc_ll(logcmd *l, long long v)
{
    char *p = mem_alloc(24);
    int n = util_ll2str(p, 24, v);
    lc_push(l, slice_of(p, (size_t)n), p);
}

/* Hands the command to the log (after those of this command so far) and
 * empties l for the next one. */
static void lc_emit(logcmd *l)
{
    if (l->n) propagate_add(l->v, l->n);
    for (int i = 0; i < l->nown; i++) mem_free(l->own[i]);
    l->n = l->nown = 0;
}

static void lc_free(logcmd *l)
{
    for (int i = 0; i < l->nown; i++) mem_free(l->own[i]);
    mem_free(l->v);
    mem_free(l->own);
    memset(l, 0, sizeof(*l));
}

/* XGROUP SETID key group <last id> ENTRIESREAD <n>: g's position. */
static void log_group_pos(slice key, stream_group *g)
{
    logcmd l = {0};
    lc_str(&l, "XGROUP");
    lc_str(&l, "SETID");
    lc_arg(&l, key);
    lc_arg(&l, slice_of(g->name, g->nlen));
    lc_id(&l, g->last_id);
    lc_str(&l, "ENTRIESREAD");
    lc_ll(&l, g->entries_read);
    lc_emit(&l);
    lc_free(&l);
}

/* XCLAIM key group consumer 0 <ids> TIME t RETRYCOUNT n FORCE JUSTID for the
 * pending entries ids of g (as they are now), one command per run of equal
 * delivery time and count. */
static void log_claims(slice key, stream_group *g, slice consumer, const stream_id *ids,
                       size_t n)
{
    logcmd l = {0};
    uint64_t t = 0, cnt = 0;
    for (size_t i = 0; i < n; i++) {
        stream_nack *nk = stream_pel_find(&g->pel, ids[i], NULL);
        if (!nk) continue;
        if (l.n && (nk->delivery_time != t || nk->delivery_count != cnt)) {
            lc_str(&l, "TIME");
            lc_ll(&l, (long long)t);
            lc_str(&l, "RETRYCOUNT");
            lc_ll(&l, (long long)cnt);
            lc_str(&l, "FORCE");
            lc_str(&l, "JUSTID");
            lc_emit(&l);
        }
        if (!l.n) {
            lc_str(&l, "XCLAIM");
            lc_arg(&l, key);
            lc_arg(&l, slice_of(g->name, g->nlen));
            lc_arg(&l, consumer);
            lc_str(&l, "0");
            t = nk->delivery_time;
            cnt = nk->delivery_count;
        }
        lc_id(&l, ids[i]);
    }
    if (l.n) {
        lc_str(&l, "TIME");
        lc_ll(&l, (long long)t);
        lc_str(&l, "RETRYCOUNT");
        lc_ll(&l, (long long)cnt);
        lc_str(&l, "FORCE");
        lc_str(&l, "JUSTID");
        lc_emit(&l);
    }
    lc_free(&l);
}

/* XACK key group <ids>. */
static void log_acks(slice key, stream_group *g, const stream_id *ids, size_t n)
{
    if (!n) return;
    logcmd l = {0};
    lc_str(&l, "XACK");
    lc_arg(&l, key);
    lc_arg(&l, slice_of(g->name, g->nlen));
    for (size_t i = 0; i < n; i++) lc_id(&l, ids[i]);
    lc_emit(&l);
    lc_free(&l);
}

/* XGROUP CREATECONSUMER key group consumer. */
static void log_new_consumer(slice key, stream_group *g, slice consumer)
{
    logcmd l = {0};
    lc_str(&l, "XGROUP");
    lc_str(&l, "CREATECONSUMER");
    lc_arg(&l, key);
    lc_arg(&l, slice_of(g->name, g->nlen));
    lc_arg(&l, consumer);
    lc_emit(&l);
    lc_free(&l);
}

/* A list of IDs (what a command delivered, claimed or dropped). */
typedef struct idlist {
    stream_id *v;
    size_t n, cap;
} idlist;

static void idl_push(idlist *l, stream_id id)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = mem_realloc(l->v, sizeof(stream_id) * l->cap);
    }
    l->v[l->n++] = id;
}

/* What a range reply does besides replying: deliver to a group. */
typedef struct range_ctx {
    stream_group *g;
    stream_consumer *cons;
    int noack;
    uint64_t now;
    idlist *delivered; /* the IDs delivered (for the log), or NULL */
} range_ctx;

/* Delivers id to the consumer of rc (XREADGROUP ">"): advances the group and
 * records (or reassigns) the pending entry. */
static void deliver(stream *s, range_ctx *rc, stream_id id)
{
    stream_group_advance(s, rc->g, id);
    if (rc->noack) return;
    if (rc->delivered) idl_push(rc->delivered, id);
    stream_nack *n = stream_pel_find(&rc->g->pel, id, NULL);
    if (!n) {
        stream_nack_add(rc->g, rc->cons, id, rc->now);
        return;
    }
    stream_nack_move(n, rc->cons);
    n->delivery_time = rc->now;
    n->delivery_count = 1;
}

/* Replies the entries in [start, end] (at most count when count > 0) as an
 * array; returns how many. */
static size_t reply_range(client *c, stream *s, stream_id start, stream_id end,
                          long long count, int rev, range_ctx *rc)
{
    size_t mark = reply_defer(c);
    size_t n = 0;
    stream_iter it;
    stream_id id;
    uint64_t np;
    stream_iter_init(&it, s, start, end, rev);
    while ((count <= 0 || (long long)n < count) && stream_iter_next(&it, &id, &np)) {
        reply_entry(c, &it, id, np);
        n++;
        if (rc) deliver(s, rc, id);
    }
    stream_iter_done(&it);
    reply_set_deferred(c, mark, RESP_AGG_ARRAY, n);
    return n;
}


static void reply_nogroup(client *c, slice key, slice group, const char *tail)
{
    reply_errorf(c, "NOGROUP No such key '%.*s' or consumer group '%.*s'%s", (int)key.len, key.p,
                 (int)group.len, group.p, tail);
}

/* ---------------------------------------------------------------- trim args */

typedef struct trim_opts {
    int strategy; /* 0 none, 1 maxlen, 2 minid */
    int approx;
    long long maxlen;
    stream_id minid;
    long long limit;
    int limit_given;
    int nomkstream;
    int id_pos; /* XADD: the ID argument */
} trim_opts;

/* Parses "MAXLEN|MINID [=|~] threshold" at argv[*i] (strat 1 or 2), leaving
 * *i on the threshold. */
static int parse_threshold(client *c, int strat, int *i, trim_opts *o)
{
    if (o->strategy && o->strategy != strat) {
        reply_error(c, "ERR syntax error, MAXLEN and MINID options at the same time are not "
                       "compatible");
        return -1;
    }
    slice nx = c->argv[*i + 1];
    if (nx.len == 1 && (nx.p[0] == '~' || nx.p[0] == '=') && c->argc - 1 - *i >= 2) {
        o->approx = nx.p[0] == '~';
        (*i)++;
    }
    slice t = c->argv[++*i];
    o->strategy = strat;
    if (strat == 2) return parse_id(c, t, 0, &o->minid);
    if (arg_ll(c, t, &o->maxlen) < 0) return -1;
    if (o->maxlen < 0) {
        reply_error(c, "ERR The MAXLEN argument must be >= 0.");
        return -1;
    }
    return 0;
}

/* The checks that follow the options, and the default LIMIT of "~". */
static int check_trim_opts(client *c, int xadd, trim_opts *o)
{
    if (o->limit && !o->strategy) {
        reply_error(c, "ERR syntax error, LIMIT cannot be used without specifying a trimming "
                       "strategy");
        return -1;
    }
    if (!xadd && !o->strategy) {
        reply_error(c, "ERR syntax error, XTRIM must be called with a trimming strategy");
        return -1;
    }
    if (o->limit && !o->approx) {
        reply_error(c, "ERR syntax error, LIMIT cannot be used without the special ~ option");
        return -1;
    }
    if (o->approx && !o->limit_given) {
        long long ne = cfg.stream_node_max_entries;
        o->limit = ne > 0 && ne <= (1LL << 30) / 100 ? 100 * ne : 10000;
    }
    if (!o->approx) o->limit = 0;
    return 0;
}

/* Parses MAXLEN/MINID/LIMIT (and for XADD, NOMKSTREAM up to the ID) from
 * argv[2]. Replies the error and returns -1 on failure. */
static int parse_trim_opts(client *c, int xadd, trim_opts *o)
{
    memset(o, 0, sizeof(*o));
    int i = 2;
    for (; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        slice a = c->argv[i];
        if (xadd && a.len == 1 && a.p[0] == '*') break;
        if (slice_is(a, "maxlen") && more) {
            if (parse_threshold(c, 1, &i, o) < 0) return -1;
        } else if (slice_is(a, "minid") && more) {
            if (parse_threshold(c, 2, &i, o) < 0) return -1;
        } else if (slice_is(a, "limit") && more) {
            if (arg_ll(c, c->argv[++i], &o->limit) < 0) return -1;
            if (o->limit < 0) {
                reply_error(c, "ERR The LIMIT argument must be >= 0.");
                return -1;
            }
            o->limit_given = 1;
        } else if (xadd && slice_is(a, "nomkstream")) {
            o->nomkstream = 1;
        } else if (xadd) {
            break;
        } else {
            reply_err_syntax(c);
            return -1;
        }
    }
    o->id_pos = i;
    return check_trim_opts(c, xadd, o);
}

static uint64_t apply_trim(stream *s, const trim_opts *o)
{
    stream_trim_args a = {.by_minid = o->strategy == 2,
                          .maxlen = (uint64_t)o->maxlen,
                          .minid = o->minid,
                          .approx = o->approx,
                          .limit = o->limit};
    return stream_trim(s, &a);
}

/* ---------------------------------------------------------------- XADD */

/* The ID for a new entry; replies the error and returns -1 if none fits. */
static int next_id(client *c, stream_id last, int auto_id, int seq_star, stream_id given,
                   stream_id *out)
{
    stream_id id;
    if (auto_id) {
        uint64_t ms = now_ms();
        if (ms > last.ms) {
            id = (stream_id){ms, 0};
        } else {
            id = last;
            stream_id_incr(&id);
        }
    } else if (seq_star) {
        id = given;
        if (given.ms == last.ms) {
            if (last.seq == UINT64_MAX) { /* Redis 7.0's error for this case */
                reply_error(c, "ERR Elements are too large to be stored");
                return -1;
            }
            id.seq = last.seq + 1;
        }
    } else {
        id = given;
    }
    if (stream_id_cmp(id, last) <= 0) goto smaller;
    *out = id;
    return 0;
smaller:
    reply_error(c, "ERR The ID specified in XADD is equal or smaller than the target stream "
                   "top item");
    return -1;
}

static void xadd_cmd(client *c)
{
    trim_opts o;
    if (parse_trim_opts(c, 1, &o) < 0) return;
    int fpos = o.id_pos + 1;
    if (c->argc - fpos < 2 || (c->argc - fpos) % 2) {
        reply_err_arity(c);
        return;
    }
    slice ida = c->argv[o.id_pos];
    int auto_id = ida.len == 1 && ida.p[0] == '*', star = 0;
    stream_id given = {0, 0};
    if (!auto_id) {
        if (stream_id_parse(ida.p, ida.len, 0, 1, &given, &star) < 0) {
            reply_error(c, ERR_INVALID_ID);
            return;
        }
        if (!star && stream_id_is_zero(given)) {
            reply_error(c, "ERR The ID specified in XADD must be greater than 0-0");
            return;
        }
    }
    slice key = c->argv[1];
    stream *s;
    if (!lookup_stream(c, key, KS_WRITE, &s)) return;
    if (!s) {
        if (o.nomkstream) {
            reply_null(c);
            return;
        }
    } else if (stream_id_cmp(stream_get_meta(s)->last_id, STREAM_ID_MAX) == 0) {
        reply_error(c, "ERR The stream has exhausted the last possible ID, unable to add more "
                       "items");
        return;
    }
    stream_id id;
    stream_id last = s ? stream_get_meta(s)->last_id : STREAM_ID_MIN;
    if (next_id(c, last, auto_id, star, given, &id) < 0) return;
    if (!s) s = create_stream(c, key);
    stream_limits lim = cfg_stream_limits();
    stream_append(s, id, c->argv + fpos, (size_t)(c->argc - fpos) / 2, &lim);
    reply_id(c, id);
    changed(c, key, "xadd");
    int trimmed = o.strategy && apply_trim(s, &o);
    if (trimmed) notify_event(NOTIFY_STREAM, "xtrim", c->db, key);
    if (aof_enabled()) { /* XADD key [MAXLEN = <length>] <id> fields... */
        logcmd l = {0};
        lc_str(&l, "XADD");
        lc_arg(&l, key);
        if (trimmed) {
            lc_str(&l, "MAXLEN");
            lc_str(&l, "=");
            lc_ll(&l, (long long)stream_len(s));
        }
        lc_id(&l, id);
        for (int i = fpos; i < c->argc; i++) lc_arg(&l, c->argv[i]);
        lc_emit(&l);
        lc_free(&l);
    }
    blocking_signal(c->db, key);
}

/* ---------------------------------------------------------------- XTRIM XLEN XDEL */

static void xtrim_cmd(client *c)
{
    trim_opts o;
    if (parse_trim_opts(c, 0, &o) < 0) return;
    stream *s;
    if (!lookup_stream(c, c->argv[1], KS_WRITE, &s)) return;
    uint64_t n = s ? apply_trim(s, &o) : 0;
    if (n) changed(c, c->argv[1], "xtrim");
    if (n && aof_enabled()) { /* XTRIM key MAXLEN = <length> */
        logcmd l = {0};
        lc_str(&l, "XTRIM");
        lc_arg(&l, c->argv[1]);
        lc_str(&l, "MAXLEN");
        lc_str(&l, "=");
        lc_ll(&l, (long long)stream_len(s));
        lc_emit(&l);
        lc_free(&l);
    }
    reply_int(c, (long long)n);
}

static void xlen_cmd(client *c)
{
    stream *s;
    if (!lookup_stream(c, c->argv[1], KS_READ, &s)) return;
    reply_int(c, s ? (long long)stream_len(s) : 0);
}

/* XDEL and XACK: every ID from argv[from] is checked first (one bad ID
 * changes nothing); then fn(ctx, id) runs for each. Returns the sum of fn's
 * results, or -1 after replying the ID error. */
static long long for_each_id(client *c, int from, int (*fn)(void *ctx, stream_id id), void *ctx)
{
    stream_id id;
    for (int i = from; i < c->argc; i++)
        if (parse_id(c, c->argv[i], 0, &id) < 0) return -1;
    long long n = 0;
    for (int i = from; i < c->argc; i++) {
        parse_id(NULL, c->argv[i], 0, &id);
        n += fn(ctx, id);
    }
    return n;
}

static int del_one(void *s, stream_id id)
{
    return stream_delete(s, id);
}

static int ack_one(void *g, stream_id id)
{
    return stream_nack_ack(g, id);
}

static void xdel_cmd(client *c)
{
    stream *s;
    if (!lookup_stream(c, c->argv[1], KS_WRITE, &s)) return;
    if (!s) { /* as Redis: a missing key is checked before the IDs */
        reply_int(c, 0);
        return;
    }
    long long n = for_each_id(c, 2, del_one, s);
    if (n < 0) return;
    if (n) changed(c, c->argv[1], "xdel");
    reply_int(c, n);
}

/* ---------------------------------------------------------------- XRANGE */

static void range_generic(client *c, int rev)
{
    stream_id start, end;
    if (parse_bound(c, c->argv[rev ? 3 : 2], 0, &start) < 0) return;
    if (parse_bound(c, c->argv[rev ? 2 : 3], 1, &end) < 0) return;
    long long count = -1;
    for (int i = 4; i < c->argc; i++) {
        if (slice_is(c->argv[i], "count") && i + 1 < c->argc) {
            if (arg_ll(c, c->argv[++i], &count) < 0) return;
            if (count < 0) count = 0;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    stream *s;
    if (!lookup_stream(c, c->argv[1], KS_READ, &s)) return;
    if (s && count == 0) { /* Redis 7.0 replies a null array here */
        reply_null_array(c);
        return;
    }
    if (!s || stream_id_cmp(start, end) > 0) {
        reply_array(c, 0);
        return;
    }
    reply_range(c, s, start, end, count, rev, NULL);
}

static void xrange_cmd(client *c)
{
    range_generic(c, 0);
}

static void xrevrange_cmd(client *c)
{
    range_generic(c, 1);
}

/* ---------------------------------------------------------------- XREAD */

/* Finds STREAMS after the options of XREAD/XREADGROUP; returns its index, or
 * -1. Options are skipped with their arguments, as the key finder must. */
static int find_streams(const slice *argv, int argc)
{
    for (int i = 1; i < argc; i++) {
        if (slice_is(argv[i], "block") || slice_is(argv[i], "count"))
            i++;
        else if (slice_is(argv[i], "group"))
            i += 2;
        else if (slice_is(argv[i], "noack"))
            continue;
        else if (slice_is(argv[i], "streams"))
            return i;
        else
            return -1;
    }
    return -1;
}

static int xread_getkeys(const slice *argv, int argc, int *pos, int max)
{
    int sp = find_streams(argv, argc);
    if (sp < 0) return 0;
    int nkeys = argc - sp - 1;
    if (nkeys == 0 || nkeys % 2) return 0;
    nkeys /= 2;
    int n = 0;
    for (int i = 0; i < nkeys && n < max; i++) pos[n++] = sp + 1 + i;
    return n;
}

typedef struct xread_args {
    int group_mode;
    slice group, consumer;
    long long count;
    int block, noack;
    long long deadline;
    int streams_arg, nstreams;
} xread_args;

static int parse_xread_opts(client *c, int group_mode, xread_args *a)
{
    memset(a, 0, sizeof(*a));
    a->group_mode = group_mode;
    int have_group = 0;
    for (int i = 1; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        slice o = c->argv[i];
        if (slice_is(o, "block") && more) {
            if (blocking_parse_timeout(c, c->argv[++i], 1, &a->deadline) < 0) return -1;
            a->block = 1;
        } else if (slice_is(o, "count") && more) {
            if (arg_ll(c, c->argv[++i], &a->count) < 0) return -1;
            if (a->count < 0) a->count = 0;
        } else if (slice_is(o, "streams") && more) {
            a->streams_arg = i + 1;
            int n = c->argc - a->streams_arg;
            if (n % 2) {
                /* Redis 7.0 names XREAD and '$' for both commands */
                reply_error(c, "ERR Unbalanced XREAD list of streams: for each stream key an "
                               "ID or '$' must be specified.");
                return -1;
            }
            a->nstreams = n / 2;
            break;
        } else if (slice_is(o, "group") && more >= 2) {
            if (!group_mode) {
                reply_error(c, "ERR The GROUP option is only supported by XREADGROUP. You "
                               "called XREAD instead.");
                return -1;
            }
            a->group = c->argv[i + 1];
            a->consumer = c->argv[i + 2];
            have_group = 1;
            i += 2;
        } else if (slice_is(o, "noack")) {
            if (!group_mode) {
                reply_error(c, "ERR The NOACK option is only supported by XREADGROUP. You "
                               "called XREAD instead.");
                return -1;
            }
            a->noack = 1;
        } else {
            reply_err_syntax(c);
            return -1;
        }
    }
    if (!a->streams_arg) {
        reply_err_syntax(c);
        return -1;
    }
    if (group_mode && !have_group) {
        reply_error(c, "ERR Missing GROUP option for XREADGROUP");
        return -1;
    }
    if (find_streams(c->argv, c->argc) != a->streams_arg - 1) {
        reply_err_syntax(c); /* the keys locked are not these */
        return -1;
    }
    return 0;
}

/* One stream of an XREAD: what to serve. */
typedef struct xread_item {
    stream *s;
    stream_group *g;
    stream_id after; /* serve entries > after */
    int new_only;    /* XREADGROUP ">" */
    int dollar;      /* XREAD "$" */
} xread_item;

/* Resolves the key, group and ID of each stream. */
static int resolve_xread(client *c, const xread_args *a, xread_item *items)
{
    for (int i = 0; i < a->nstreams; i++) {
        slice key = c->argv[a->streams_arg + i], ida = c->argv[a->streams_arg + a->nstreams + i];
        xread_item *it = &items[i];
        memset(it, 0, sizeof(*it));
        if (!lookup_stream(c, key, a->group_mode ? KS_WRITE : KS_READ, &it->s)) return -1;
        if (a->group_mode && (!it->s || !(it->g = stream_group_find(it->s, a->group)))) {
            reply_nogroup(c, key, a->group, " in XREADGROUP with GROUP option");
            return -1;
        }
        if (ida.len == 1 && ida.p[0] == '$') {
            if (a->group_mode) {
                reply_error(c, "ERR The $ ID is meaningless in the context of XREADGROUP: you "
                               "want to read the history of this consumer by specifying a "
                               "proper ID, or use the > ID to get new messages. The $ ID would "
                               "just return an empty result set.");
                return -1;
            }
            it->dollar = 1;
            it->after = it->s ? stream_get_meta(it->s)->last_id : STREAM_ID_MIN;
        } else if (ida.len == 1 && ida.p[0] == '>') {
            if (!a->group_mode) {
                reply_error(c, "ERR The > ID can be specified only when calling XREADGROUP "
                               "using the GROUP <group> <consumer> option.");
                return -1;
            }
            it->new_only = 1;
        } else if (parse_id(c, ida, 0, &it->after) < 0) {
            return -1;
        }
    }
    return 0;
}

/* 1 if the stream has a live entry with an ID greater than id. */
static int has_after(stream *s, stream_id id)
{
    stream_id last;
    return stream_len(s) && stream_edge(s, 1, &last) && stream_id_cmp(last, id) > 0;
}

/* XREADGROUP with an explicit ID: the consumer's own pending entries after
 * `after`, each re-delivered (entries since deleted come as [id, nil]). */
static void reply_history(client *c, stream *s, stream_consumer *cons, stream_id after,
                          long long count, uint64_t now, idlist *redelivered)
{
    stream_id start = after;
    if (!stream_id_incr(&start)) {
        reply_array(c, 0);
        return;
    }
    size_t i = stream_pel_lower(&cons->pel, start);
    size_t n = cons->pel.n - i;
    if (count > 0 && (size_t)count < n) n = (size_t)count;
    reply_array(c, n);
    for (size_t k = 0; k < n; k++) {
        stream_nack *nk = cons->pel.v[i + k];
        if (stream_has(s, nk->id)) {
            reply_one(c, s, nk->id);
            nk->delivery_time = now;
            nk->delivery_count++;
            idl_push(redelivered, nk->id);
        } else { /* deleted since: the ID with no fields, not counted */
            reply_array(c, 2);
            reply_id(c, nk->id);
            reply_null_array(c);
        }
    }
}

/* Serves stream i if it can: the key and its entries. Returns 1 if served;
 * *modified tells whether the group changed. */
static int serve_one(client *c, const xread_args *a, xread_item *it, slice key,
                     size_t *served, size_t *outer, int *modified)
{
    *modified = 0;
    int history = 0;
    stream_id after = it->after;
    if (a->group_mode) {
        if (!it->new_only)
            history = 1;
        else if (has_after(it->s, it->g->last_id))
            after = it->g->last_id;
        else
            return 0;
    } else if (!it->s || !has_after(it->s, after)) {
        return 0;
    }
    if ((*served)++ == 0) *outer = reply_defer(c);
    if (c->resp == 2) reply_array(c, 2);
    reply_bulk(c, key.p, key.len);
    uint64_t now = now_ms();
    stream_consumer *cons = NULL;
    int logging = a->group_mode && aof_enabled();
    if (a->group_mode) {
        int created;
        cons = stream_consumer_get(it->g, a->consumer, now, &created);
        cons->seen_time = now;
        if (created) notify_event(NOTIFY_STREAM, "xgroup-createconsumer", c->db, key);
        if (created && logging) log_new_consumer(key, it->g, a->consumer);
        *modified = created;
    }
    idlist ids = {0};
    if (history) {
        reply_history(c, it->s, cons, after, a->count, now, &ids);
        if (ids.n) *modified = 1;
        if (logging) log_claims(key, it->g, a->consumer, ids.v, ids.n);
        mem_free(ids.v);
        return 1;
    }
    range_ctx rc = {0}, *rcp = NULL;
    if (a->group_mode) {
        rc.g = it->g;
        rc.cons = cons;
        rc.noack = a->noack;
        rc.now = now;
        rc.delivered = logging ? &ids : NULL;
        rcp = &rc;
        *modified = 1;
    }
    stream_id start = after;
    stream_id_incr(&start);
    reply_range(c, it->s, start, STREAM_ID_MAX, a->count, 0, rcp);
    if (logging) {
        log_claims(key, it->g, a->consumer, ids.v, ids.n);
        log_group_pos(key, it->g);
    }
    mem_free(ids.v);
    return 1;
}

/* Blocks the client on the stream keys (first call only). */
static void block_xread(client *c, const xread_args *a, xread_item *items)
{
    int *keypos = mem_alloc(sizeof(int) * (size_t)a->nstreams);
    for (int i = 0; i < a->nstreams; i++) keypos[i] = a->streams_arg + i;
    blocking_wait(c, keypos, a->nstreams, a->deadline);
    mem_free(keypos);
    for (int i = 0; i < a->nstreams; i++) {
        if (!items[i].dollar) continue;
        char idbuf[STREAM_ID_STR];
        int n = stream_id_fmt(idbuf, items[i].after);
        blocking_set_arg(c, a->streams_arg + a->nstreams + i, slice_of(idbuf, (size_t)n));
    }
}

static void xread_generic(client *c, int group_mode)
{
    xread_args a;
    if (parse_xread_opts(c, group_mode, &a) < 0) return;
    xread_item *items = mem_alloc(sizeof(*items) * (size_t)a.nstreams);
    if (resolve_xread(c, &a, items) < 0) goto done;
    size_t served = 0, outer = 0;
    for (int i = 0; i < a.nstreams; i++) {
        slice key = c->argv[a.streams_arg + i];
        int modified;
        if (serve_one(c, &a, &items[i], key, &served, &outer, &modified) && modified)
            key_modified(c->db, key);
    }
    if (served) {
        reply_set_deferred(c, outer, c->resp == 2 ? RESP_AGG_ARRAY : RESP_AGG_MAP, served);
    } else if (blocking_is_retry(c)) {
        /* still nothing: stay blocked */
    } else if (a.block) {
        block_xread(c, &a, items);
    } else {
        reply_null_array(c);
    }
done:
    mem_free(items);
}

static void xread_cmd(client *c)
{
    xread_generic(c, 0);
}

static void xreadgroup_cmd(client *c)
{
    xread_generic(c, 1);
}

/* ---------------------------------------------------------------- XGROUP */

static const char *const xgroup_help[] = {
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
    NULL,
};

static void xgroup_help_cmd(client *c)
{
    reply_help(c, xgroup_help);
}

/* Parses [MKSTREAM] [ENTRIESREAD n] from argv[5] (mk_ok: MKSTREAM allowed). */
static int parse_group_opts(client *c, int mk_ok, int *mkstream, long long *entries_read)
{
    *mkstream = 0;
    *entries_read = STREAM_READ_UNKNOWN;
    for (int i = 5; i < c->argc;) {
        if (mk_ok && slice_is(c->argv[i], "mkstream")) {
            *mkstream = 1;
            i++;
        } else if (slice_is(c->argv[i], "entriesread") && i + 1 < c->argc) {
            if (arg_ll(c, c->argv[i + 1], entries_read) < 0) return -1;
            if (*entries_read < 0 && *entries_read != STREAM_READ_UNKNOWN) {
                reply_error(c, "ERR value for ENTRIESREAD must be positive or -1");
                return -1;
            }
            i += 2;
        } else {
            reply_err_subcommand_args(c);
            return -1;
        }
    }
    return 0;
}

/* The stream of an XGROUP subcommand (and its group when need_group): replies
 * the error and returns -1 when missing. */
static int xgroup_target(client *c, int need_group, stream **sp, stream_group **gp)
{
    if (!lookup_stream(c, c->argv[2], KS_WRITE, sp)) return -1;
    if (!*sp) {
        reply_error(c, ERR_NOKEY_XGROUP);
        return -1;
    }
    *gp = stream_group_find(*sp, c->argv[3]);
    if (need_group && !*gp) {
        reply_errorf(c, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                     (int)c->argv[3].len, c->argv[3].p, (int)c->argv[2].len, c->argv[2].p);
        return -1;
    }
    return 0;
}

/* "$" (the stream's last ID) or an ID; strict for CREATE. */
static int parse_group_id(client *c, stream *s, slice a, int strict, stream_id *id)
{
    if (a.len == 1 && a.p[0] == '$') {
        *id = s ? stream_get_meta(s)->last_id : STREAM_ID_MIN;
        return 0;
    }
    return strict ? parse_id(c, a, 0, id) : parse_id_ext(c, a, 0, id);
}

static void xgroup_create_cmd(client *c)
{
    int mk;
    long long er;
    if (parse_group_opts(c, 1, &mk, &er) < 0) return;
    slice key = c->argv[2];
    stream *s;
    stream_group *g;
    if (!lookup_stream(c, key, KS_WRITE, &s)) return;
    if (!s && !mk) {
        reply_error(c, ERR_NOKEY_XGROUP);
        return;
    }
    stream_id id;
    if (parse_group_id(c, s, c->argv[4], 1, &id) < 0) return;
    if (!s) {
        s = create_stream(c, key);
        key_modified(c->db, key);
    }
    g = stream_group_create(s, c->argv[3], id, er);
    if (!g) {
        reply_error(c, "BUSYGROUP Consumer Group name already exists");
        return;
    }
    reply_ok(c);
    changed(c, key, "xgroup-create");
    if (aof_enabled()) { /* "$" resolved */
        logcmd l = {0};
        lc_str(&l, "XGROUP");
        lc_str(&l, "CREATE");
        lc_arg(&l, key);
        lc_arg(&l, c->argv[3]);
        lc_id(&l, g->last_id);
        if (mk) lc_str(&l, "MKSTREAM");
        lc_str(&l, "ENTRIESREAD");
        lc_ll(&l, g->entries_read);
        lc_emit(&l);
        lc_free(&l);
    }
}

static void xgroup_setid_cmd(client *c)
{
    if (c->argc != 5 && c->argc != 7) {
        reply_err_subcommand_args(c);
        return;
    }
    int mk;
    long long er;
    if (parse_group_opts(c, 0, &mk, &er) < 0) return;
    stream *s;
    stream_group *g;
    if (xgroup_target(c, 1, &s, &g) < 0) return;
    stream_id id;
    if (parse_group_id(c, s, c->argv[4], 0, &id) < 0) return;
    g->last_id = id;
    g->entries_read = er;
    reply_ok(c);
    changed(c, c->argv[2], "xgroup-setid");
    if (aof_enabled()) log_group_pos(c->argv[2], g); /* "$" resolved */
}

static void xgroup_destroy_cmd(client *c)
{
    stream *s;
    stream_group *g;
    if (xgroup_target(c, 0, &s, &g) < 0) return;
    if (!g) {
        reply_int(c, 0);
        return;
    }
    stream_group_destroy(s, c->argv[3]);
    reply_int(c, 1);
    changed(c, c->argv[2], "xgroup-destroy");
    blocking_signal(c->db, c->argv[2]); /* waiting XREADGROUPs get NOGROUP */
}

static void xgroup_createconsumer_cmd(client *c)
{
    stream *s;
    stream_group *g;
    if (xgroup_target(c, 1, &s, &g) < 0) return;
    int created;
    stream_consumer_get(g, c->argv[4], now_ms(), &created);
    reply_int(c, created);
    if (created) changed(c, c->argv[2], "xgroup-createconsumer");
}

static void xgroup_delconsumer_cmd(client *c)
{
    stream *s;
    stream_group *g;
    if (xgroup_target(c, 1, &s, &g) < 0) return;
    stream_consumer *cons = stream_consumer_find(g, c->argv[4]);
    if (!cons) {
        reply_int(c, 0);
        return;
    }
    reply_int(c, (long long)stream_consumer_delete(g, cons));
    changed(c, c->argv[2], "xgroup-delconsumer");
}

/* ---------------------------------------------------------------- XSETID */

typedef struct setid_opts {
    stream_id id, maxdel;
    long long added; /* -1: not given */
    int have_maxdel;
} setid_opts;

static int parse_setid(client *c, setid_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->added = -1;
    if (parse_id(c, c->argv[2], 0, &o->id) < 0) return -1;
    for (int i = 3; i < c->argc; i++) {
        if (slice_is(c->argv[i], "entriesadded") && i + 1 < c->argc) {
            if (arg_ll(c, c->argv[++i], &o->added) < 0) return -1;
            if (o->added < 0) {
                reply_error(c, "ERR entries_added must be positive");
                return -1;
            }
        } else if (slice_is(c->argv[i], "maxdeletedid") && i + 1 < c->argc) {
            if (parse_id(c, c->argv[++i], 0, &o->maxdel) < 0) return -1;
            if (stream_id_cmp(o->id, o->maxdel) < 0) {
                reply_error(c, "ERR The ID specified in XSETID is smaller than the provided "
                               "max_deleted_entry_id");
                return -1;
            }
            o->have_maxdel = 1;
        } else {
            reply_err_syntax(c);
            return -1;
        }
    }
    return 0;
}

static void xsetid_cmd(client *c)
{
    setid_opts o;
    if (parse_setid(c, &o) < 0) return;
    stream *s;
    if (!lookup_stream(c, c->argv[1], KS_WRITE, &s)) return;
    if (!s) {
        reply_error(c, "ERR no such key");
        return;
    }
    stream_id top;
    if (stream_edge(s, 1, &top) && stream_id_cmp(o.id, top) < 0) {
        reply_error(c, "ERR The ID specified in XSETID is smaller than the target stream top "
                       "item");
        return;
    }
    if (o.added >= 0 && (uint64_t)o.added < stream_len(s)) {
        reply_error(c, "ERR The entries_added specified in XSETID is smaller than the target "
                       "stream length");
        return;
    }
    stream_meta *m = stream_get_meta(s);
    m->last_id = o.id;
    if (o.added >= 0) m->entries_added = (uint64_t)o.added;
    if (o.have_maxdel) m->max_deleted = o.maxdel;
    reply_ok(c);
    changed(c, c->argv[1], "xsetid");
}

/* ---------------------------------------------------------------- XACK */

static void xack_cmd(client *c)
{
    stream *s;
    if (!lookup_stream(c, c->argv[1], KS_WRITE, &s)) return;
    stream_group *g = s ? stream_group_find(s, c->argv[2]) : NULL;
    if (!g) {
        reply_int(c, 0);
        return;
    }
    long long n = for_each_id(c, 3, ack_one, g);
    if (n < 0) return;
    if (n) key_modified(c->db, c->argv[1]);
    reply_int(c, n);
}

/* ---------------------------------------------------------------- XPENDING */

static void pending_summary(client *c, stream_group *g)
{
    reply_array(c, 4);
    reply_int(c, (long long)g->pel.n);
    if (!g->pel.n) {
        reply_null(c);
        reply_null(c);
        reply_null_array(c);
        return;
    }
    reply_id(c, g->pel.v[0]->id);
    reply_id(c, g->pel.v[g->pel.n - 1]->id);
    size_t n = 0;
    for (size_t i = 0; i < g->nconsumers; i++) n += g->consumers[i]->pel.n > 0;
    reply_array(c, n);
    for (size_t i = 0; i < g->nconsumers; i++) {
        stream_consumer *cs = g->consumers[i];
        if (!cs->pel.n) continue;
        reply_array(c, 2);
        reply_bulk(c, cs->name, cs->nlen);
        reply_bulk_ll(c, (long long)cs->pel.n);
    }
}

static void pending_range(client *c, const stream_pel *pel, stream_id start, stream_id end,
                          long long count, long long minidle)
{
    uint64_t now = now_ms();
    size_t mark = reply_defer(c), n = 0;
    for (size_t i = stream_pel_lower(pel, start); i < pel->n && count > 0; i++) {
        stream_nack *nk = pel->v[i];
        if (stream_id_cmp(nk->id, end) > 0) break;
        long long idle = (long long)(now - nk->delivery_time);
        if (now < nk->delivery_time) idle = 0;
        if (minidle && idle < minidle) continue;
        n++;
        count--;
        reply_array(c, 4);
        reply_id(c, nk->id);
        reply_bulk(c, nk->consumer->name, nk->consumer->nlen);
        reply_int(c, idle);
        reply_int(c, (long long)nk->delivery_count);
    }
    reply_set_deferred(c, mark, RESP_AGG_ARRAY, n);
}

static void xpending_cmd(client *c)
{
    if (c->argc != 3 && (c->argc < 6 || c->argc > 9)) {
        reply_err_syntax(c);
        return;
    }
    long long minidle = 0, count = 0;
    stream_id start = STREAM_ID_MIN, end = STREAM_ID_MAX;
    int consumer_arg = 0;
    if (c->argc >= 6) {
        int si = 3;
        if (slice_is(c->argv[3], "idle")) {
            if (arg_ll(c, c->argv[4], &minidle) < 0) return;
            if (c->argc < 8) {
                reply_err_syntax(c);
                return;
            }
            si += 2;
        }
        if (arg_ll(c, c->argv[si + 2], &count) < 0) return;
        if (count < 0) count = 0;
        if (parse_bound(c, c->argv[si], 0, &start) < 0) return;
        if (parse_bound(c, c->argv[si + 1], 1, &end) < 0) return;
        if (si + 3 < c->argc) consumer_arg = si + 3;
    }
    stream *s;
    if (!lookup_stream(c, c->argv[1], KS_READ, &s)) return;
    stream_group *g = s ? stream_group_find(s, c->argv[2]) : NULL;
    if (!g) {
        reply_nogroup(c, c->argv[1], c->argv[2], "");
        return;
    }
    if (c->argc == 3) {
        pending_summary(c, g);
        return;
    }
    const stream_pel *pel = &g->pel;
    if (consumer_arg) {
        stream_consumer *cs = stream_consumer_find(g, c->argv[consumer_arg]);
        if (!cs) {
            reply_array(c, 0);
            return;
        }
        pel = &cs->pel;
    }
    pending_range(c, pel, start, end, count, minidle);
}

/* ---------------------------------------------------------------- XCLAIM */

typedef struct claim_opts {
    long long minidle;
    long long retrycount; /* -1: not given */
    long long deliverytime; /* -1: not given */
    int force, justid;
    stream_id lastid;
    int last_id_arg; /* the IDs are argv[5..last_id_arg] */
} claim_opts;

static int parse_claim_opts(client *c, claim_opts *o, uint64_t now)
{
    memset(o, 0, sizeof(*o));
    o->retrycount = o->deliverytime = -1;
    if (arg_ll_range(c, c->argv[4], LLONG_MIN, LLONG_MAX, &o->minidle,
                     "ERR Invalid min-idle-time argument for XCLAIM") < 0)
        return -1;
    if (o->minidle < 0) o->minidle = 0;
    int j = 5;
    for (; j < c->argc; j++) {
        stream_id id;
        if (parse_id(NULL, c->argv[j], 0, &id) < 0) break;
    }
    o->last_id_arg = j - 1;
    for (; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        slice a = c->argv[j];
        if (slice_is(a, "force")) {
            o->force = 1;
        } else if (slice_is(a, "justid")) {
            o->justid = 1;
        } else if (slice_is(a, "idle") && more) {
            if (arg_ll_range(c, c->argv[++j], LLONG_MIN, LLONG_MAX, &o->deliverytime,
                             "ERR Invalid IDLE option argument for XCLAIM") < 0)
                return -1;
            o->deliverytime = (long long)now - o->deliverytime;
        } else if (slice_is(a, "time") && more) {
            if (arg_ll_range(c, c->argv[++j], LLONG_MIN, LLONG_MAX, &o->deliverytime,
                             "ERR Invalid TIME option argument for XCLAIM") < 0)
                return -1;
        } else if (slice_is(a, "retrycount") && more) {
            if (arg_ll_range(c, c->argv[++j], LLONG_MIN, LLONG_MAX, &o->retrycount,
                             "ERR Invalid RETRYCOUNT option argument for XCLAIM") < 0)
                return -1;
        } else if (slice_is(a, "lastid") && more) {
            if (parse_id(c, c->argv[++j], 0, &o->lastid) < 0) return -1;
        } else {
            reply_errorf(c, "ERR Unrecognized XCLAIM option '%.*s'", (int)(a.len > 128 ? 128 : a.len),
                         a.p);
            return -1;
        }
    }
    if (o->deliverytime != -1) {
        if (o->deliverytime < 0 || o->deliverytime > (long long)now) o->deliverytime = (long long)now;
    } else {
        o->deliverytime = (long long)now;
    }
    return 0;
}

/* The claiming consumer (argv[3]), looked up or created on the first claim. */
static stream_consumer *claimer(client *c, stream_group *g, stream_consumer **consp,
                                uint64_t now)
{
    if (!*consp) {
        int created;
        *consp = stream_consumer_get(g, c->argv[3], now, &created);
        (*consp)->seen_time = now;
        if (created) notify_event(NOTIFY_STREAM, "xgroup-createconsumer", c->db, c->argv[1]);
    }
    return *consp;
}

/* Replies the claimed IDs: as IDs (justid) or as entries. */
static void reply_claimed(client *c, stream *s, const stream_id *ids, size_t n, int justid)
{
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        if (justid)
            reply_id(c, ids[i]);
        else
            reply_one(c, s, ids[i]);
    }
}

/* Claims id for the consumer argv[3] (created lazily in *cons): 1 if
 * claimed. A pending entry whose stream entry is gone is dropped (*dirty). */
static int claim_one(client *c, stream *s, stream_group *g, const claim_opts *o,
                     stream_id id, stream_consumer **cons, uint64_t now, int *dirty,
                     idlist *dropped)
{
    stream_nack *nk = stream_pel_find(&g->pel, id, NULL);
    if (!stream_has(s, id)) {
        if (nk && stream_nack_ack(g, id)) {
            *dirty = 1;
            idl_push(dropped, id);
        }
        return 0;
    }
    if (!nk && o->force) {
        nk = stream_nack_add(g, claimer(c, g, cons, now), id, now);
    } else {
        if (!nk) return 0;
        if (o->minidle && (long long)(now - nk->delivery_time) < o->minidle) return 0;
        stream_nack_move(nk, claimer(c, g, cons, now));
    }
    nk->delivery_time = (uint64_t)o->deliverytime;
    if (o->retrycount >= 0)
        nk->delivery_count = (uint64_t)o->retrycount;
    else if (!o->justid)
        nk->delivery_count++;
    *dirty = 1;
    return 1;
}

static void xclaim_cmd(client *c)
{
    stream *s;
    if (!lookup_stream(c, c->argv[1], KS_WRITE, &s)) return;
    stream_group *g = s ? stream_group_find(s, c->argv[2]) : NULL;
    if (!g) {
        reply_nogroup(c, c->argv[1], c->argv[2], "");
        return;
    }
    uint64_t now = now_ms();
    claim_opts o;
    if (parse_claim_opts(c, &o, now) < 0) return;
    int dirty = 0, moved = 0;
    if (stream_id_cmp(o.lastid, g->last_id) > 0) {
        g->last_id = o.lastid;
        dirty = moved = 1;
    }
    stream_consumer *cons = NULL;
    stream_id *ids = mem_alloc(sizeof(*ids) * (size_t)(o.last_id_arg - 4 + 1));
    size_t n = 0;
    idlist dropped = {0};
    for (int j = 5; j <= o.last_id_arg; j++) {
        stream_id id;
        parse_id(NULL, c->argv[j], 0, &id);
        if (claim_one(c, s, g, &o, id, &cons, now, &dirty, &dropped)) ids[n++] = id;
    }
    reply_claimed(c, s, ids, n, o.justid);
    if (dirty) key_modified(c->db, c->argv[1]);
    if (dirty && aof_enabled()) { /* what happened, not the min-idle-time test */
        if (moved) log_group_pos(c->argv[1], g);
        log_claims(c->argv[1], g, c->argv[3], ids, n);
        log_acks(c->argv[1], g, dropped.v, dropped.n);
    }
    mem_free(ids);
    mem_free(dropped.v);
}

/* ---------------------------------------------------------------- XAUTOCLAIM */

/* One XAUTOCLAIM scan: what it claimed, what it found deleted, where it
 * stopped (the cursor). */
typedef struct autoclaim {
    long long minidle, count;
    int justid;
    stream_id start;
    stream_id *claimed, *deleted;
    size_t nclaimed, ndeleted;
    stream_id cursor;
} autoclaim;

static int parse_autoclaim(client *c, autoclaim *ac)
{
    memset(ac, 0, sizeof(*ac));
    ac->count = 100;
    if (arg_ll_range(c, c->argv[4], LLONG_MIN, LLONG_MAX, &ac->minidle,
                     "ERR Invalid min-idle-time argument for XAUTOCLAIM") < 0)
        return -1;
    if (ac->minidle < 0) ac->minidle = 0;
    if (parse_bound(c, c->argv[5], 0, &ac->start) < 0) return -1;
    for (int j = 6; j < c->argc; j++) {
        if (slice_is(c->argv[j], "count") && j + 1 < c->argc) {
            if (arg_ll_range(c, c->argv[++j], 1, LLONG_MAX / 16, &ac->count,
                             "ERR COUNT must be > 0") < 0)
                return -1;
        } else if (slice_is(c->argv[j], "justid")) {
            ac->justid = 1;
        } else {
            reply_err_syntax(c);
            return -1;
        }
    }
    return 0;
}

/* Scans g's PEL from ac->start: at most count entries claimed or found
 * deleted (their pending entries are dropped), at most 10 * count looked at. */
static void autoclaim_run(client *c, stream *s, stream_group *g, autoclaim *ac)
{
    uint64_t now = now_ms();
    long long attempts = ac->count * 10, count = ac->count;
    stream_consumer *cons = NULL;
    /* each step consumes one pending entry: the PEL size bounds both lists */
    size_t cap = (size_t)count < g->pel.n ? (size_t)count : g->pel.n;
    ac->claimed = mem_alloc(sizeof(stream_id) * (cap + 1));
    ac->deleted = mem_alloc(sizeof(stream_id) * (cap + 1));
    size_t i = stream_pel_lower(&g->pel, ac->start);
    while (attempts-- && count && i < g->pel.n) {
        stream_nack *nk = g->pel.v[i];
        stream_id id = nk->id;
        if (!stream_has(s, id)) {
            stream_nack_ack(g, id);
            ac->deleted[ac->ndeleted++] = id;
            count--;
            continue;
        }
        i++;
        if (ac->minidle && (long long)(now - nk->delivery_time) < ac->minidle) continue;
        stream_nack_move(nk, claimer(c, g, &cons, now));
        nk->delivery_time = now;
        if (!ac->justid) nk->delivery_count++;
        ac->claimed[ac->nclaimed++] = id;
        count--;
    }
    ac->cursor = i < g->pel.n ? g->pel.v[i]->id : STREAM_ID_MIN;
}

static void xautoclaim_cmd(client *c)
{
    autoclaim ac;
    if (parse_autoclaim(c, &ac) < 0) return;
    stream *s;
    if (!lookup_stream(c, c->argv[1], KS_WRITE, &s)) return;
    stream_group *g = s ? stream_group_find(s, c->argv[2]) : NULL;
    if (!g) {
        reply_nogroup(c, c->argv[1], c->argv[2], "");
        return;
    }
    autoclaim_run(c, s, g, &ac);
    reply_array(c, 3);
    reply_id(c, ac.cursor);
    reply_claimed(c, s, ac.claimed, ac.nclaimed, ac.justid);
    reply_array(c, ac.ndeleted);
    for (size_t k = 0; k < ac.ndeleted; k++) reply_id(c, ac.deleted[k]);
    if (ac.nclaimed || ac.ndeleted) {
        key_modified(c->db, c->argv[1]);
        if (aof_enabled()) {
            log_claims(c->argv[1], g, c->argv[3], ac.claimed, ac.nclaimed);
            log_acks(c->argv[1], g, ac.deleted, ac.ndeleted);
        }
    }
    mem_free(ac.claimed);
    mem_free(ac.deleted);
}

/* ---------------------------------------------------------------- XINFO */

static const char *const xinfo_help[] = {
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
    NULL,
};

static void xinfo_help_cmd(client *c)
{
    reply_help(c, xinfo_help);
}

/* The stream for XINFO: "ERR no such key" when missing. */
static stream *xinfo_target(client *c)
{
    stream *s;
    if (!lookup_stream(c, c->argv[2], KS_READ, &s)) return NULL;
    if (!s) reply_error(c, "ERR no such key");
    return s;
}

static void reply_field(client *c, const char *name)
{
    reply_bulk_cstr(c, name);
}

static void reply_lag(client *c, stream *s, stream_group *g)
{
    long long lag;
    if (stream_group_lag(s, g, &lag))
        reply_int(c, lag);
    else
        reply_null(c);
}

static void reply_entries_read(client *c, stream_group *g)
{
    if (g->entries_read != STREAM_READ_UNKNOWN)
        reply_int(c, g->entries_read);
    else
        reply_null(c);
}

static void xinfo_groups_cmd(client *c)
{
    stream *s = xinfo_target(c);
    if (!s) return;
    size_t n = stream_groups(s);
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        stream_group *g = stream_group_at(s, i);
        reply_map(c, 6);
        reply_field(c, "name");
        reply_bulk(c, g->name, g->nlen);
        reply_field(c, "consumers");
        reply_int(c, (long long)g->nconsumers);
        reply_field(c, "pending");
        reply_int(c, (long long)g->pel.n);
        reply_field(c, "last-delivered-id");
        reply_id(c, g->last_id);
        reply_field(c, "entries-read");
        reply_entries_read(c, g);
        reply_field(c, "lag");
        reply_lag(c, s, g);
    }
}

static void xinfo_consumers_cmd(client *c)
{
    stream *s = xinfo_target(c);
    if (!s) return;
    stream_group *g = stream_group_find(s, c->argv[3]);
    if (!g) {
        reply_errorf(c, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                     (int)c->argv[3].len, c->argv[3].p, (int)c->argv[2].len, c->argv[2].p);
        return;
    }
    uint64_t now = now_ms();
    reply_array(c, g->nconsumers);
    for (size_t i = 0; i < g->nconsumers; i++) {
        stream_consumer *cs = g->consumers[i];
        long long idle = now > cs->seen_time ? (long long)(now - cs->seen_time) : 0;
        reply_map(c, 3);
        reply_field(c, "name");
        reply_bulk(c, cs->name, cs->nlen);
        reply_field(c, "pending");
        reply_int(c, (long long)cs->pel.n);
        reply_field(c, "idle");
        reply_int(c, idle);
    }
}

static void reply_stream_common(client *c, stream *s, size_t nfields)
{
    stream_meta *m = stream_get_meta(s);
    reply_map(c, nfields);
    reply_field(c, "length");
    reply_int(c, (long long)stream_len(s));
    reply_field(c, "radix-tree-keys");
    reply_int(c, (long long)stream_chunks(s));
    reply_field(c, "radix-tree-nodes");
    reply_int(c, (long long)stream_chunks(s) + 1);
    reply_field(c, "last-generated-id");
    reply_id(c, m->last_id);
    reply_field(c, "max-deleted-entry-id");
    reply_id(c, m->max_deleted);
    reply_field(c, "entries-added");
    reply_int(c, (long long)m->entries_added);
    reply_field(c, "recorded-first-entry-id");
    reply_id(c, m->first_id);
}

static void reply_edge(client *c, stream *s, int last)
{
    stream_id id;
    if (stream_edge(s, last, &id))
        reply_one(c, s, id);
    else
        reply_null(c);
}

/* The group part of XINFO STREAM FULL. */
static void reply_group_full(client *c, stream *s, stream_group *g, long long count)
{
    reply_map(c, 7);
    reply_field(c, "name");
    reply_bulk(c, g->name, g->nlen);
    reply_field(c, "last-delivered-id");
    reply_id(c, g->last_id);
    reply_field(c, "entries-read");
    reply_entries_read(c, g);
    reply_field(c, "lag");
    reply_lag(c, s, g);
    reply_field(c, "pel-count");
    reply_int(c, (long long)g->pel.n);
    reply_field(c, "pending");
    size_t n = count > 0 && (size_t)count < g->pel.n ? (size_t)count : g->pel.n;
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) {
        stream_nack *nk = g->pel.v[i];
        reply_array(c, 4);
        reply_id(c, nk->id);
        reply_bulk(c, nk->consumer->name, nk->consumer->nlen);
        reply_int(c, (long long)nk->delivery_time);
        reply_int(c, (long long)nk->delivery_count);
    }
    reply_field(c, "consumers");
    reply_array(c, g->nconsumers);
    for (size_t i = 0; i < g->nconsumers; i++) {
        stream_consumer *cs = g->consumers[i];
        reply_map(c, 4);
        reply_field(c, "name");
        reply_bulk(c, cs->name, cs->nlen);
        reply_field(c, "seen-time");
        reply_int(c, (long long)cs->seen_time);
        reply_field(c, "pel-count");
        reply_int(c, (long long)cs->pel.n);
        reply_field(c, "pending");
        size_t m = count > 0 && (size_t)count < cs->pel.n ? (size_t)count : cs->pel.n;
        reply_array(c, m);
        for (size_t k = 0; k < m; k++) {
            stream_nack *nk = cs->pel.v[k];
            reply_array(c, 3);
            reply_id(c, nk->id);
            reply_int(c, (long long)nk->delivery_time);
            reply_int(c, (long long)nk->delivery_count);
        }
    }
}

static void xinfo_stream_cmd(client *c)
{
    int full = 0;
    long long count = 10;
    stream *s = xinfo_target(c);
    if (!s) return;
    if (c->argc > 3) {
        if (!slice_is(c->argv[3], "full") || (c->argc != 4 && c->argc != 6) ||
            (c->argc == 6 && !slice_is(c->argv[4], "count"))) {
            reply_err_subcommand_args(c);
            return;
        }
        if (c->argc == 6) {
            if (arg_ll(c, c->argv[5], &count) < 0) return;
            if (count < 0) count = 10;
        }
        full = 1;
    }
    if (!full) {
        reply_stream_common(c, s, 10);
        reply_field(c, "groups");
        reply_int(c, (long long)stream_groups(s));
        reply_field(c, "first-entry");
        reply_edge(c, s, 0);
        reply_field(c, "last-entry");
        reply_edge(c, s, 1);
        return;
    }
    reply_stream_common(c, s, 9);
    reply_field(c, "entries");
    reply_range(c, s, STREAM_ID_MIN, STREAM_ID_MAX, count, 0, NULL);
    reply_field(c, "groups");
    size_t n = stream_groups(s);
    reply_array(c, n);
    for (size_t i = 0; i < n; i++) reply_group_full(c, s, stream_group_at(s, i), count);
}

/* ---------------------------------------------------------------- table */

#define STREAM_CMD(...)                                                                  \
    {                                                                                    \
        .group = "stream", __VA_ARGS__                                                   \
    }
#define SW (ACL_WRITE | ACL_STREAM)
#define SR (ACL_READ | ACL_STREAM)

static command xgroup_subs[] = {
    STREAM_CMD(.name = "xgroup|create", .proc = xgroup_create_cmd, .arity = -5,
               .flags = CMD_WRITE | CMD_DENYOOM, .acl = SW | ACL_SLOW, .keys = {2, 2, 1},
               .since = "5.0.0", .summary = "Creates a consumer group.", .complexity = "O(1)",
               .args = "key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]",
               .key_flags = "RW INSERT"),
    STREAM_CMD(.name = "xgroup|setid", .proc = xgroup_setid_cmd, .arity = -5,
               .flags = CMD_WRITE, .acl = SW | ACL_SLOW, .keys = {2, 2, 1}, .since = "5.0.0",
               .summary = "Sets the last-delivered ID of a consumer group.",
               .complexity = "O(1)", .args = "key group <id | $> [ENTRIESREAD entries-read]",
               .key_flags = "RW UPDATE"),
    STREAM_CMD(.name = "xgroup|destroy", .proc = xgroup_destroy_cmd, .arity = 4,
               .flags = CMD_WRITE, .acl = SW | ACL_SLOW, .keys = {2, 2, 1}, .since = "5.0.0",
               .summary = "Destroys a consumer group.",
               .complexity = "O(N) for N entries in the group's PEL", .args = "key group",
               .key_flags = "RW DELETE"),
    STREAM_CMD(.name = "xgroup|createconsumer", .proc = xgroup_createconsumer_cmd, .arity = 5,
               .flags = CMD_WRITE | CMD_DENYOOM, .acl = SW | ACL_SLOW, .keys = {2, 2, 1},
               .since = "6.2.0", .summary = "Creates a consumer in a consumer group.",
               .complexity = "O(1)", .args = "key group consumer", .key_flags = "RW INSERT"),
    STREAM_CMD(.name = "xgroup|delconsumer", .proc = xgroup_delconsumer_cmd, .arity = 5,
               .flags = CMD_WRITE, .acl = SW | ACL_SLOW, .keys = {2, 2, 1}, .since = "5.0.0",
               .summary = "Deletes a consumer from a consumer group.",
               .complexity = "O(N) for N pending entries of the consumer",
               .args = "key group consumer", .key_flags = "RW DELETE"),
    STREAM_CMD(.name = "xgroup|help", .proc = xgroup_help_cmd, .arity = 2,
               .flags = CMD_LOADING | CMD_STALE, .acl = ACL_STREAM | ACL_SLOW, .since = "5.0.0",
               .summary = "Lists the XGROUP subcommands.", .complexity = "O(1)"),
    {0},
};

static command xinfo_subs[] = {
    STREAM_CMD(.name = "xinfo|stream", .proc = xinfo_stream_cmd, .arity = -3,
               .flags = CMD_READONLY, .acl = SR | ACL_SLOW, .keys = {2, 2, 1}, .since = "5.0.0",
               .summary = "Returns information about a stream.",
               .complexity = "O(1); FULL: O(N) for the N entries returned",
               .args = "key [FULL [COUNT count]]", .key_flags = "RO ACCESS"),
    STREAM_CMD(.name = "xinfo|groups", .proc = xinfo_groups_cmd, .arity = 3,
               .flags = CMD_READONLY, .acl = SR | ACL_SLOW, .keys = {2, 2, 1}, .since = "5.0.0",
               .summary = "Returns the consumer groups of a stream.", .complexity = "O(1)",
               .args = "key", .key_flags = "RO ACCESS"),
    STREAM_CMD(.name = "xinfo|consumers", .proc = xinfo_consumers_cmd, .arity = 4,
               .flags = CMD_READONLY, .acl = SR | ACL_SLOW, .keys = {2, 2, 1}, .since = "5.0.0",
               .summary = "Returns the consumers of a consumer group.", .complexity = "O(1)",
               .args = "key group", .key_flags = "RO ACCESS"),
    STREAM_CMD(.name = "xinfo|help", .proc = xinfo_help_cmd, .arity = 2,
               .flags = CMD_LOADING | CMD_STALE, .acl = ACL_STREAM | ACL_SLOW, .since = "5.0.0",
               .summary = "Lists the XINFO subcommands.", .complexity = "O(1)"),
    {0},
};

command stream_commands[] = {
    STREAM_CMD(.name = "xadd", .proc = xadd_cmd, .arity = -5,
               .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = SW | ACL_FAST,
               .keys = {1, 1, 1}, .since = "5.0.0", .summary = "Appends an entry to a stream.",
               .complexity = "O(1) per entry added, plus O(N) for N entries trimmed",
               .args = "key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] "
                       "<* | id> field value [field value ...]",
               .key_flags = "RW UPDATE"),
    STREAM_CMD(.name = "xtrim", .proc = xtrim_cmd, .arity = -4, .flags = CMD_WRITE,
               .acl = SW | ACL_SLOW, .keys = {1, 1, 1}, .since = "5.0.0",
               .summary = "Deletes the oldest entries of a stream.",
               .complexity = "O(N) for N entries trimmed",
               .args = "key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]",
               .key_flags = "RW DELETE"),
    STREAM_CMD(.name = "xdel", .proc = xdel_cmd, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
               .acl = SW | ACL_FAST, .keys = {1, 1, 1}, .since = "5.0.0",
               .summary = "Deletes entries from a stream by ID.",
               .complexity = "O(log N) per entry", .args = "key id [id ...]",
               .key_flags = "RW DELETE"),
    STREAM_CMD(.name = "xlen", .proc = xlen_cmd, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
               .acl = SR | ACL_FAST, .keys = {1, 1, 1}, .since = "5.0.0",
               .summary = "Counts the entries of a stream.", .complexity = "O(1)",
               .args = "key", .key_flags = "RO"),
    STREAM_CMD(.name = "xrange", .proc = xrange_cmd, .arity = -4, .flags = CMD_READONLY,
               .acl = SR | ACL_SLOW, .keys = {1, 1, 1}, .since = "5.0.0",
               .summary = "Returns the entries within a range of IDs.",
               .complexity = "O(log N + M) for M entries returned",
               .args = "key start end [COUNT count]", .key_flags = "RO ACCESS"),
    STREAM_CMD(.name = "xrevrange", .proc = xrevrange_cmd, .arity = -4, .flags = CMD_READONLY,
               .acl = SR | ACL_SLOW, .keys = {1, 1, 1}, .since = "5.0.0",
               .summary = "Returns the entries within a range of IDs, newest first.",
               .complexity = "O(log N + M) for M entries returned",
               .args = "key end start [COUNT count]", .key_flags = "RO ACCESS"),
    STREAM_CMD(.name = "xread", .proc = xread_cmd, .arity = -4,
               .flags = CMD_READONLY | CMD_BLOCKING | CMD_MOVABLE_KEYS,
               .acl = SR | ACL_SLOW | ACL_BLOCKING, .getkeys = xread_getkeys,
               .since = "5.0.0",
               .summary = "Returns entries newer than given IDs from streams, optionally "
                          "waiting for them.",
               .complexity = "O(M) for M entries returned",
               .args = "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
               .key_flags = "RO ACCESS"),
    STREAM_CMD(.name = "xreadgroup", .proc = xreadgroup_cmd, .arity = -7,
               .flags = CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS,
               .acl = SW | ACL_SLOW | ACL_BLOCKING, .getkeys = xread_getkeys,
               .since = "5.0.0",
               .summary = "Returns new or pending entries for a consumer of a group, "
                          "optionally waiting for them.",
               .complexity = "O(M) for M entries returned",
               .args = "GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] "
                       "STREAMS key [key ...] id [id ...]",
               .key_flags = "RO ACCESS"),
    STREAM_CMD(.name = "xgroup", .arity = -2, .acl = ACL_SLOW, .since = "5.0.0",
               .summary = "A container for consumer group commands.",
               .complexity = "Depends on subcommand.", .subs = xgroup_subs),
    STREAM_CMD(.name = "xack", .proc = xack_cmd, .arity = -4, .flags = CMD_WRITE | CMD_FAST,
               .acl = SW | ACL_FAST, .keys = {1, 1, 1}, .since = "5.0.0",
               .summary = "Acknowledges pending entries of a consumer group.",
               .complexity = "O(1) per ID", .args = "key group id [id ...]",
               .key_flags = "RW UPDATE"),
    STREAM_CMD(.name = "xpending", .proc = xpending_cmd, .arity = -3, .flags = CMD_READONLY,
               .acl = SR | ACL_SLOW, .keys = {1, 1, 1}, .since = "5.0.0",
               .summary = "Returns the pending entries of a consumer group.",
               .complexity = "O(N) for N entries returned",
               .args = "key group [[IDLE min-idle-time] start end count [consumer]]",
               .key_flags = "RO ACCESS"),
    STREAM_CMD(.name = "xclaim", .proc = xclaim_cmd, .arity = -6, .flags = CMD_WRITE | CMD_FAST,
               .acl = SW | ACL_FAST, .keys = {1, 1, 1}, .since = "5.0.0",
               .summary = "Changes the owner of pending entries of a consumer group.",
               .complexity = "O(log N) per ID",
               .args = "key group consumer min-idle-time id [id ...] [IDLE ms] "
                       "[TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] "
                       "[LASTID lastid]",
               .key_flags = "RW UPDATE"),
    STREAM_CMD(.name = "xautoclaim", .proc = xautoclaim_cmd, .arity = -6,
               .flags = CMD_WRITE | CMD_FAST, .acl = SW | ACL_FAST, .keys = {1, 1, 1},
               .since = "6.2.0",
               .summary = "Claims the idle pending entries of a consumer group, scanning "
                          "from an ID.",
               .complexity = "O(1) per entry scanned",
               .args = "key group consumer min-idle-time start [COUNT count] [JUSTID]",
               .key_flags = "RW DELETE"),
    STREAM_CMD(.name = "xinfo", .arity = -2, .acl = ACL_SLOW, .since = "5.0.0",
               .summary = "A container for stream introspection commands.",
               .complexity = "Depends on subcommand.", .subs = xinfo_subs),
    STREAM_CMD(.name = "xsetid", .proc = xsetid_cmd, .arity = -3,
               .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = SW | ACL_FAST,
               .keys = {1, 1, 1}, .since = "5.0.0",
               .summary = "Sets the last ID (and counters) of a stream.", .complexity = "O(1)",
               .args = "key last-id [ENTRIESADDED entries-added] "
                       "[MAXDELETEDID max-deleted-id]",
               .key_flags = "RW UPDATE"),
    {0},
};
