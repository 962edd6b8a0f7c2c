/* server/cmd_string.c — the string commands: GET/SET and their variants, the
 * multi-key MGET/MSET/MSETNX, APPEND/STRLEN/GETRANGE/SETRANGE, the INCR family
 * and LCS, plus their entries in the command table.
 *
 * Handlers run with the shards of their keys already locked by the dispatcher
 * (see server.h), so they read and write the keyspace directly. String values
 * live in the keyspace entry itself (int, embstr) or in a kvstr it points to
 * (raw); replies are written straight from those bytes, so a GET copies the
 * value once, into the client's output buffer.
 *
 * GET and SET are the hot path: SET with no options is one ks_set_str() and
 * GET one ks_lookup(); option parsing only happens when there are options.
 *
 * Error texts and the order in which errors are detected follow Redis 7.0:
 * option syntax first, then argument values, then the key's type, with the
 * exceptions Redis makes (GETEX validates its expire time only when the key
 * exists; INCRBY parses its increment before looking at the key).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/cmdtab.h"
#include "server/config.h"
#include "server/notify.h"
#include "server/server.h"

#define STRLIMIT_ERR "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

/* ---------------------------------------------------------------- helpers */

/* Replies the string value of e as a bulk string. */
static void reply_entry_str(client *c, const kentry *e)
{
    char tmp[24];
    slice v = ke_str(e, tmp);
    reply_bulk(c, v.p, v.len);
}

/* Looks key up for reading. Returns 1 with *ep (NULL when missing) if the key
 * is absent or a string; replies WRONGTYPE and returns 0 otherwise. */
static int lookup_str(client *c, slice key, int flags, kentry **ep)
{
    return lookup_typed(c, key, flags, OBJ_STRING, ep);
}

/* 1 if a string of `size` bytes grown by `add` bytes stays within
 * proto-max-bulk-len; otherwise replies the error and returns 0. */
static int check_str_len(client *c, unsigned long long size, unsigned long long add)
{
    unsigned long long total = size + add;
    if (total < size || total > cfg.proto_max_bulk_len) {
        reply_error(c, STRLIMIT_ERR);
        return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- expire options */

enum { EXP_NONE, EXP_EX, EXP_PX, EXP_EXAT, EXP_PXAT };

/* Converts an expire argument of the given kind into an absolute unix time in
 * milliseconds. Relative times must be positive and absolute ones too; a value
 * whose conversion overflows is refused. On failure replies the error ("not an
 * integer", or "invalid expire time in '<cmdname>' command") and returns -1. */
static int expire_to_abs_ms(client *c, slice arg, int kind, const char *cmdname,
                            long long *out)
{
    long long v;
    if (arg_ll(c, arg, &v) < 0) return -1;
    int secs = kind == EXP_EX || kind == EXP_EXAT;
    if (v <= 0 || (secs && v > LLONG_MAX / 1000)) goto bad;
    if (secs) v *= 1000;
    if (kind == EXP_EX || kind == EXP_PX) {
        long long now = (long long)now_ms();
        if (v > LLONG_MAX - now) goto bad;
        v += now;
    }
    *out = v;
    return 0;
bad:
    reply_errorf(c, "ERR invalid expire time in '%s' command", cmdname);
    return -1;
}

/* The options of SET and GETEX. */
typedef struct str_opts {
    unsigned nx : 1, xx : 1, get : 1, keepttl : 1, persist : 1;
    int kind;   /* EXP_* */
    slice when; /* the expire argument when kind != EXP_NONE */
} str_opts;

enum { FOR_SET, FOR_GETEX };

static int expire_kind(slice a)
{
    if (a.len == 2) {
        if (slice_is(a, "EX")) return EXP_EX;
        if (slice_is(a, "PX")) return EXP_PX;
    } else if (a.len == 4) {
        if (slice_is(a, "EXAT")) return EXP_EXAT;
        if (slice_is(a, "PXAT")) return EXP_PXAT;
    }
    return EXP_NONE;
}

/* Parses argv[start..] as SET (which == FOR_SET) or GETEX options. An option
 * may repeat (the last expire wins) but conflicting ones (NX with XX, two
 * different expire kinds, an expire with KEEPTTL or PERSIST) are a syntax
 * error, as is an expire option with no argument. Replies the error and
 * returns -1 on failure. Values are not validated here. */
static int parse_str_opts(client *c, int start, int which, str_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int j = start; j < c->argc; j++) {
        slice a = c->argv[j];
        int kind = expire_kind(a);
        if (kind != EXP_NONE) {
            if (j + 1 >= c->argc || o->keepttl || o->persist || (o->kind && o->kind != kind))
                goto syntax;
            o->kind = kind;
            o->when = c->argv[++j];
        } else if (which == FOR_SET && slice_is(a, "NX") && !o->xx) {
            o->nx = 1;
        } else if (which == FOR_SET && slice_is(a, "XX") && !o->nx) {
            o->xx = 1;
        } else if (which == FOR_SET && slice_is(a, "GET")) {
            o->get = 1;
        } else if (which == FOR_SET && slice_is(a, "KEEPTTL") && !o->kind) {
            o->keepttl = 1;
        } else if (which == FOR_GETEX && slice_is(a, "PERSIST") && !o->kind) {
            o->persist = 1;
        } else {
            goto syntax;
        }
    }
    return 0;
syntax:
    reply_err_syntax(c);
    return -1;
}

/* ---------------------------------------------------------------- GET / SET */

static void get_cmd(client *c)
{
    kentry *e = ks_lookup(c->db, c->argv[1], KS_READ);
    if (!e) {
        reply_null(c);
        return;
    }
    if (ke_type(e) != OBJ_STRING) {
        reply_err_wrongtype(c);
        return;
    }
    reply_entry_str(c, e);
}

/* Stores val at key with an optional absolute expire time (when_ms < 0: none;
 * keepttl keeps the key's current one) and signals the change. */
static void store_str(client *c, slice key, slice val, long long when_ms, int keepttl)
{
    if (when_ms >= 0) {
        /* Keeping the old TTL slot lets ks_set_expire overwrite it in place. */
        kentry *e = ks_set_str(c->db, key, val, KS_KEEPTTL);
        ks_set_expire(c->db, e, when_ms);
    } else {
        ks_set_str(c->db, key, val, keepttl ? KS_KEEPTTL : 0);
    }
    key_modified(c->db, key);
    notify_event(NOTIFY_STRING, "set", c->db, key);
    if (when_ms >= 0) notify_event(NOTIFY_GENERIC, "expire", c->db, key);
}

/* SET with options: NX/XX conditions, GET (reply the old value), an expire time
 * or KEEPTTL. */
static void set_with_opts(client *c)
{
    slice key = c->argv[1];
    str_opts o;
    long long when = -1;
    if (parse_str_opts(c, 3, FOR_SET, &o) < 0) return;
    if (o.kind && expire_to_abs_ms(c, o.when, o.kind, "set", &when) < 0) return;

    kentry *e;
    if (o.get) {
        if (!lookup_str(c, key, KS_READ, &e)) return;
        if (e)
            reply_entry_str(c, e);
        else
            reply_null(c);
    } else if (o.nx || o.xx || o.keepttl) {
        /* Also drops an expired key, so that KEEPTTL does not inherit its TTL. */
        e = ks_lookup(c->db, key, KS_WRITE | KS_NOTOUCH);
    } else {
        e = NULL; /* unconditional: no need to look */
    }
    if ((o.nx && e) || (o.xx && !e)) {
        if (!o.get) reply_null(c);
        return;
    }
    store_str(c, key, c->argv[2], when, o.keepttl);
    if (!o.get) reply_ok(c);
}

static void set_cmd(client *c)
{
    if (c->argc > 3) {
        set_with_opts(c);
        return;
    }
    ks_set_str(c->db, c->argv[1], c->argv[2], 0);
    key_modified(c->db, c->argv[1]);
    notify_event(NOTIFY_STRING, "set", c->db, c->argv[1]);
    reply_ok(c);
}

static void setnx_cmd(client *c)
{
    if (ks_exists(c->db, c->argv[1])) {
        reply_int(c, 0);
        return;
    }
    store_str(c, c->argv[1], c->argv[2], -1, 0);
    reply_int(c, 1);
}

/* SETEX / PSETEX key time value. */
static void setex_generic(client *c, int kind, const char *name)
{
    long long when;
    if (expire_to_abs_ms(c, c->argv[2], kind, name, &when) < 0) return;
    store_str(c, c->argv[1], c->argv[3], when, 0);
    reply_ok(c);
}

static void setex_cmd(client *c)
{
    setex_generic(c, EXP_EX, "setex");
}

static void psetex_cmd(client *c)
{
    setex_generic(c, EXP_PX, "psetex");
}

static void getset_cmd(client *c)
{
    kentry *e;
    if (!lookup_str(c, c->argv[1], KS_READ, &e)) return;
    if (e)
        reply_entry_str(c, e);
    else
        reply_null(c);
    store_str(c, c->argv[1], c->argv[2], -1, 0);
}

static void getdel_cmd(client *c)
{
    kentry *e;
    if (!lookup_str(c, c->argv[1], KS_READ, &e)) return;
    if (!e) {
        reply_null(c);
        return;
    }
    reply_entry_str(c, e);
    ks_delete(c->db, c->argv[1]);
    key_modified(c->db, c->argv[1]);
    notify_event(NOTIFY_GENERIC, "del", c->db, c->argv[1]);
}

static void getex_cmd(client *c)
{
    str_opts o;
    kentry *e;
    long long when = -1;
    if (parse_str_opts(c, 2, FOR_GETEX, &o) < 0) return;
    if (!lookup_str(c, c->argv[1], KS_READ, &e)) return;
    if (!e) {
        reply_null(c);
        return;
    }
    if (o.kind && expire_to_abs_ms(c, o.when, o.kind, "getex", &when) < 0) return;
    reply_entry_str(c, e);
    if (o.kind) {
        int gone = when <= (long long)now_ms();
        if (gone)
            ks_delete(c->db, c->argv[1]);
        else
            ks_set_expire(c->db, e, when);
        key_modified(c->db, c->argv[1]);
        notify_event(NOTIFY_GENERIC, gone ? "del" : "expire", c->db, c->argv[1]);
    } else if (o.persist && ke_expire(e) >= 0) {
        ks_set_expire(c->db, e, -1);
        key_modified(c->db, c->argv[1]);
        notify_event(NOTIFY_GENERIC, "persist", c->db, c->argv[1]);
    }
}

/* ---------------------------------------------------------------- MGET / MSET */

static void mget_cmd(client *c)
{
    reply_array(c, (size_t)c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        kentry *e = ks_lookup(c->db, c->argv[j], KS_READ);
        if (e && ke_type(e) == OBJ_STRING)
            reply_entry_str(c, e);
        else
            reply_null(c);
    }
}

static void mset_cmd(client *c)
{
    if (c->argc % 2 == 0) {
        reply_err_arity(c);
        return;
    }
    for (int j = 1; j < c->argc; j += 2) store_str(c, c->argv[j], c->argv[j + 1], -1, 0);
    reply_ok(c);
}

static void msetnx_cmd(client *c)
{
    if (c->argc % 2 == 0) {
        reply_err_arity(c);
        return;
    }
    for (int j = 1; j < c->argc; j += 2) {
        if (ks_exists(c->db, c->argv[j])) {
            reply_int(c, 0);
            return;
        }
    }
    for (int j = 1; j < c->argc; j += 2) store_str(c, c->argv[j], c->argv[j + 1], -1, 0);
    reply_int(c, 1);
}

/* ---------------------------------------------------------------- APPEND, ranges */

static void append_cmd(client *c)
{
    slice key = c->argv[1], val = c->argv[2];
    kentry *e;
    if (!lookup_str(c, key, KS_WRITE, &e)) return;
    if (!e) {
        ks_set_str(c->db, key, val, 0);
        key_modified(c->db, key);
        notify_event(NOTIFY_STRING, "append", c->db, key);
        reply_int(c, (long long)val.len);
        return;
    }
    char tmp[24];
    size_t olen = ke_str(e, tmp).len;
    if (!check_str_len(c, olen, val.len)) return;
    if (val.len) {
        char *p = ks_str_resize(c->db, &e, olen + val.len);
        memcpy(p + olen, val.p, val.len);
        key_modified(c->db, key);
    }
    notify_event(NOTIFY_STRING, "append", c->db, key);
    reply_int(c, (long long)(olen + val.len));
}

static void strlen_cmd(client *c)
{
    kentry *e;
    if (!lookup_str(c, c->argv[1], KS_READ, &e)) return;
    if (!e) {
        reply_int(c, 0);
        return;
    }
    char tmp[24];
    reply_int(c, (long long)ke_str(e, tmp).len);
}

/* GETRANGE / SUBSTR key start end: inclusive, negative indexes count from the
 * end, the range is clipped to the string. */
static void getrange_cmd(client *c)
{
    long long start, end;
    kentry *e;
    if (arg_ll(c, c->argv[2], &start) < 0 || arg_ll(c, c->argv[3], &end) < 0) return;
    if (!lookup_str(c, c->argv[1], KS_READ, &e)) return;
    if (!e) {
        reply_bulk(c, "", 0);
        return;
    }
    char tmp[24];
    slice v = ke_str(e, tmp);
    long long len = (long long)v.len;
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (len == 0 || start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    reply_bulk(c, v.p + start, (size_t)(end - start + 1));
}

static void setrange_cmd(client *c)
{
    slice key = c->argv[1], val = c->argv[3];
    long long off;
    kentry *e;
    if (arg_ll(c, c->argv[2], &off) < 0) return;
    if (off < 0) {
        reply_error(c, "ERR offset is out of range");
        return;
    }
    if (!lookup_str(c, key, KS_WRITE, &e)) return;
    size_t olen = 0;
    if (e) {
        char tmp[24];
        olen = ke_str(e, tmp).len;
    }
    if (val.len == 0) { /* nothing to write: no key is created, none changed */
        reply_int(c, (long long)olen);
        return;
    }
    if (!check_str_len(c, (unsigned long long)off, val.len)) return;
    if (!e) e = ks_set_str(c->db, key, slice_of("", 0), 0);
    size_t need = (size_t)off + val.len, newlen = need > olen ? need : olen;
    char *p = ks_str_resize(c->db, &e, newlen);
    memcpy(p + off, val.p, val.len);
    key_modified(c->db, key);
    notify_event(NOTIFY_STRING, "setrange", c->db, key);
    reply_int(c, (long long)newlen);
}

/* ---------------------------------------------------------------- INCR family */

static void incr_generic(client *c, long long by)
{
    slice key = c->argv[1];
    kentry *e;
    long long v = 0;
    if (!lookup_str(c, key, KS_WRITE, &e)) return;
    if (e && !ke_str_ll(e, &v)) {
        reply_err_notint(c);
        return;
    }
    if ((by < 0 && v < 0 && by < LLONG_MIN - v) || (by > 0 && v > 0 && by > LLONG_MAX - v)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    v += by;
    ks_set_ll(c->db, key, e, v);
    key_modified(c->db, key);
    notify_event(NOTIFY_STRING, "incrby", c->db, key);
    reply_int(c, v);
}

static void incr_cmd(client *c)
{
    incr_generic(c, 1);
}

static void decr_cmd(client *c)
{
    incr_generic(c, -1);
}

static void incrby_cmd(client *c)
{
    long long by;
    if (arg_ll(c, c->argv[2], &by) < 0) return;
    incr_generic(c, by);
}

static void decrby_cmd(client *c)
{
    long long by;
    if (arg_ll(c, c->argv[2], &by) < 0) return;
    if (by == LLONG_MIN) {
        reply_error(c, "ERR decrement would overflow");
        return;
    }
    incr_generic(c, -by);
}

static void incrbyfloat_cmd(client *c)
{
    slice key = c->argv[1];
    kentry *e;
    long double v = 0, by;
    if (!lookup_str(c, key, KS_WRITE, &e)) return;
    if (e) {
        char tmp[24];
        slice s = ke_str(e, tmp);
        if (!util_str2ld(s.p, s.len, &v)) {
            reply_err_notfloat(c);
            return;
        }
    }
    if (!util_str2ld(c->argv[2].p, c->argv[2].len, &by)) {
        reply_err_notfloat(c);
        return;
    }
    v += by;
    if (isnan(v) || isinf(v)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char small[128], *txt = small;
    int n = util_ld2str(small, sizeof(small), v);
    if (n == 0) { /* a huge finite value: up to ~5000 digits */
        txt = mem_alloc(5600);
        n = util_ld2str(txt, 5600, v);
    }
    slice out = slice_of(txt, (size_t)n);
    ks_set_str(c->db, key, out, KS_KEEPTTL);
    key_modified(c->db, key);
    notify_event(NOTIFY_STRING, "incrbyfloat", c->db, key);
    reply_bulk(c, out.p, out.len);
    if (txt != small) mem_free(txt);
}

/* ---------------------------------------------------------------- LCS */

/* Length of the longest common subsequence of a and b, in O(min) memory. */
static uint32_t lcs_length(slice a, slice b)
{
    if (a.len < b.len) {
        slice t = a;
        a = b;
        b = t;
    }
    size_t m = b.len;
    uint32_t *prev = mem_calloc((m + 1) * sizeof(uint32_t));
    uint32_t *cur = mem_calloc((m + 1) * sizeof(uint32_t));
    for (size_t i = 1; i <= a.len; i++) {
        char ch = a.p[i - 1];
        for (size_t j = 1; j <= m; j++) {
            if (ch == b.p[j - 1])
                cur[j] = prev[j - 1] + 1;
            else
                cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
        }
        uint32_t *t = prev;
        prev = cur;
        cur = t;
    }
    uint32_t r = prev[m];
    mem_free(prev);
    mem_free(cur);
    return r;
}

/* One IDX match: ranges [as, ae] of a and [bs, be] of b. */
static void lcs_reply_match(client *c, size_t as, size_t ae, size_t bs, size_t be,
                            int withlen)
{
    reply_array(c, withlen ? 3 : 2);
    reply_array(c, 2);
    reply_int(c, (long long)as);
    reply_int(c, (long long)ae);
    reply_array(c, 2);
    reply_int(c, (long long)bs);
    reply_int(c, (long long)be);
    if (withlen) reply_int(c, (long long)(ae - as + 1));
}

/* Full dynamic-programming table, then a walk back from the end that either
 * collects the common subsequence (idx == 0) or replies the matching ranges,
 * last ones first, as Redis does. The walk steps up in a when that keeps a
 * strictly longer subsequence, otherwise left in b. */
static void lcs_full(client *c, slice a, slice b, int idx, long long minlen, int withlen)
{
    size_t w = b.len + 1;
    uint32_t *dp = mem_alloc((a.len + 1) * w * sizeof(uint32_t));
#define DP(i, j) dp[(size_t)(i) * w + (j)]
    for (size_t j = 0; j < w; j++) DP(0, j) = 0;
    for (size_t i = 1; i <= a.len; i++) {
        DP(i, 0) = 0;
        char ch = a.p[i - 1];
        for (size_t j = 1; j < w; j++) {
            if (ch == b.p[j - 1])
                DP(i, j) = DP(i - 1, j - 1) + 1;
            else
                DP(i, j) = DP(i - 1, j) > DP(i, j - 1) ? DP(i - 1, j) : DP(i, j - 1);
        }
    }
    uint32_t total = DP(a.len, b.len);
    char *res = idx ? NULL : mem_alloc(total ? total : 1);
    size_t mark = 0, nmatches = 0, k = total;
    if (idx) {
        reply_map(c, 2);
        reply_bulk(c, "matches", 7);
        mark = reply_defer(c);
    }
    size_t i = a.len, j = b.len, as = 0, ae = 0, bs = 0, be = 0;
    int open = 0;
    while (i > 0 && j > 0) {
        int emit = 0;
        if (a.p[i - 1] == b.p[j - 1]) {
            if (res) res[--k] = a.p[i - 1];
            /* A match right after a match always extends the open range. */
            if (!open) {
                open = 1;
                ae = i - 1;
                be = j - 1;
            }
            as = i - 1;
            bs = j - 1;
            if (as == 0 || bs == 0) emit = 1;
            i--;
            j--;
        } else {
            if (DP(i - 1, j) > DP(i, j - 1))
                i--;
            else
                j--;
            emit = open;
        }
        if (emit) {
            if (idx && (minlen == 0 || (long long)(ae - as + 1) >= minlen)) {
                lcs_reply_match(c, as, ae, bs, be, withlen);
                nmatches++;
            }
            open = 0;
        }
    }
#undef DP
    mem_free(dp);
    if (idx) {
        reply_set_deferred(c, mark, RESP_AGG_ARRAY, nmatches);
        reply_bulk(c, "len", 3);
        reply_int(c, total);
    } else {
        reply_bulk(c, res, total);
        mem_free(res);
    }
}

static void lcs_cmd(client *c)
{
    kentry *ea = ks_lookup(c->db, c->argv[1], KS_READ);
    /* The same key twice: one lookup, so the entry cannot expire in between. */
    kentry *eb = slice_eq(c->argv[1], c->argv[2]) ? ea : ks_lookup(c->db, c->argv[2], KS_READ);
    if ((ea && ke_type(ea) != OBJ_STRING) || (eb && ke_type(eb) != OBJ_STRING)) {
        reply_error(c, "ERR The specified keys must contain string values");
        return;
    }
    int getlen = 0, getidx = 0, withlen = 0;
    long long minlen = 0;
    for (int j = 3; j < c->argc; j++) {
        slice o = c->argv[j];
        if (slice_is(o, "IDX")) {
            getidx = 1;
        } else if (slice_is(o, "LEN")) {
            getlen = 1;
        } else if (slice_is(o, "WITHMATCHLEN")) {
            withlen = 1;
        } else if (slice_is(o, "MINMATCHLEN") && j + 1 < c->argc) {
            if (arg_ll(c, c->argv[++j], &minlen) < 0) return;
            if (minlen < 0) minlen = 0;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    if (getidx && getlen) {
        reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
        return;
    }
    char ta[24], tb[24];
    slice a = ea ? ke_str(ea, ta) : slice_of("", 0);
    slice b = eb ? ke_str(eb, tb) : slice_of("", 0);
    if (a.len >= UINT32_MAX - 1 || b.len >= UINT32_MAX - 1) {
        reply_error(c, "ERR String too long for LCS");
        return;
    }
    /* The table has (|a|+1)*(|b|+1) 32-bit cells; refuse what would not fit in
     * proto-max-bulk-len bytes (this also bounds the time spent). */
    unsigned long long cells, bytes;
    if (__builtin_mul_overflow((unsigned long long)a.len + 1, (unsigned long long)b.len + 1,
                               &cells) ||
        __builtin_mul_overflow(cells, 4ull, &bytes) || bytes > cfg.proto_max_bulk_len) {
        reply_error(c, "ERR Insufficient memory, transient memory for LCS exceeds "
                       "proto-max-bulk-len");
        return;
    }
    if (getlen)
        reply_int(c, lcs_length(a, b));
    else
        lcs_full(c, a, b, getidx, minlen, withlen);
}

/* ---------------------------------------------------------------- command table */

#define EXPIRE_ARGS                                                                    \
    "EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds"

/* SET reads its key only with GET (ACL: %W~ suffices otherwise), as Redis. */
static uint32_t set_key_flags(const slice *argv, int argc, int keyidx)
{
    (void)keyidx;
    for (int i = 3; i < argc; i++)
        if (slice_is(argv[i], "GET")) return KEYF_RW | KEYF_ACCESS | KEYF_UPDATE;
    return KEYF_OW | KEYF_UPDATE;
}

command string_commands[] = {
    {.name = "get", .proc = get_cmd, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_STRING | ACL_FAST, .keys = {1, 1, 1}, .group = "string",
     .since = "1.0.0", .summary = "Returns the string value stored at a key.",
     .complexity = "O(1)", .args = "key", .key_flags = "RO ACCESS"},
    {.name = "set", .proc = set_cmd, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .keys = {1, 1, 1}, .group = "string",
     .since = "1.0.0",
     .summary = "Stores a string at a key, optionally with a condition, an expire time or "
                "returning the previous value.",
     .complexity = "O(1)",
     .args = "key value [NX | XX] [GET] [" EXPIRE_ARGS " | KEEPTTL]",
     .key_flags = "RW ACCESS UPDATE VARIABLE_FLAGS", .key_flags_fn = set_key_flags},
    {.name = "setnx", .proc = setnx_cmd, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_STRING | ACL_FAST,
     .keys = {1, 1, 1}, .group = "string", .since = "1.0.0",
     .summary = "Stores a string at a key only when the key is absent.",
     .complexity = "O(1)", .args = "key value", .key_flags = "OW INSERT"},
    {.name = "setex", .proc = setex_cmd, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .keys = {1, 1, 1}, .group = "string",
     .since = "2.0.0", .summary = "Stores a string at a key with a time to live in seconds.",
     .complexity = "O(1)", .args = "key seconds value", .key_flags = "OW UPDATE"},
    {.name = "psetex", .proc = psetex_cmd, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .keys = {1, 1, 1}, .group = "string",
     .since = "2.6.0",
     .summary = "Stores a string at a key with a time to live in milliseconds.",
     .complexity = "O(1)", .args = "key milliseconds value", .key_flags = "OW UPDATE"},
    {.name = "getset", .proc = getset_cmd, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_STRING | ACL_FAST,
     .keys = {1, 1, 1}, .group = "string", .since = "1.0.0",
     .summary = "Stores a string at a key and returns the value it replaced (deprecated: "
                "SET with GET).",
     .complexity = "O(1)", .args = "key value", .key_flags = "RW ACCESS UPDATE"},
    {.name = "getdel", .proc = getdel_cmd, .arity = 2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .keys = {1, 1, 1}, .group = "string",
     .since = "6.2.0", .summary = "Returns the string value of a key and removes the key.",
     .complexity = "O(1)", .args = "key", .key_flags = "RW ACCESS DELETE"},
    {.name = "getex", .proc = getex_cmd, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .keys = {1, 1, 1}, .group = "string",
     .since = "6.2.0",
     .summary = "Returns the string value of a key, optionally changing or removing its "
                "expire time.",
     .complexity = "O(1)", .args = "key [" EXPIRE_ARGS " | PERSIST]",
     .key_flags = "RW ACCESS UPDATE"},
    {.name = "mget", .proc = mget_cmd, .arity = -2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_STRING | ACL_FAST, .keys = {1, -1, 1}, .group = "string",
     .since = "1.0.0",
     .summary = "Returns the string values of several keys (nil for missing or non-string "
                "keys).",
     .complexity = "O(N) for N keys", .args = "key [key ...]", .key_flags = "RO ACCESS"},
    {.name = "mset", .proc = mset_cmd, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .keys = {1, -1, 2}, .group = "string",
     .since = "1.0.1", .summary = "Stores strings at several keys at once.",
     .complexity = "O(N) for N keys", .args = "key value [key value ...]",
     .key_flags = "OW UPDATE"},
    {.name = "msetnx", .proc = msetnx_cmd, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .keys = {1, -1, 2}, .group = "string",
     .since = "1.0.1",
     .summary = "Stores strings at several keys at once, only when none of them exists.",
     .complexity = "O(N) for N keys", .args = "key value [key value ...]",
     .key_flags = "OW INSERT"},
    {.name = "append", .proc = append_cmd, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_STRING | ACL_FAST,
     .keys = {1, 1, 1}, .group = "string", .since = "2.0.0",
     .summary = "Adds bytes to the end of a string, creating it when absent.",
     .complexity = "O(1) amortized, the value growing geometrically",
     .args = "key value", .key_flags = "RW INSERT"},
    {.name = "strlen", .proc = strlen_cmd, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_STRING | ACL_FAST, .keys = {1, 1, 1}, .group = "string",
     .since = "2.2.0", .summary = "Returns the length in bytes of a string value.",
     .complexity = "O(1)", .args = "key", .key_flags = "RO"},
    {.name = "getrange", .proc = getrange_cmd, .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STRING | ACL_SLOW, .keys = {1, 1, 1}, .group = "string",
     .since = "2.4.0",
     .summary = "Returns the bytes of a string between two inclusive offsets.",
     .complexity = "O(N) for N returned bytes", .args = "key start end",
     .key_flags = "RO ACCESS"},
    {.name = "substr", .proc = getrange_cmd, .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STRING | ACL_SLOW, .keys = {1, 1, 1}, .group = "string",
     .since = "1.0.0",
     .summary = "Returns the bytes of a string between two inclusive offsets (deprecated: "
                "GETRANGE).",
     .complexity = "O(N) for N returned bytes", .args = "key start end",
     .key_flags = "RO ACCESS"},
    {.name = "setrange", .proc = setrange_cmd, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .keys = {1, 1, 1}, .group = "string",
     .since = "2.2.0",
     .summary = "Writes bytes into a string at an offset, zero-padding it as needed.",
     .complexity = "O(M) for M written bytes, plus any padding",
     .args = "key offset value", .key_flags = "RW UPDATE"},
    {.name = "incr", .proc = incr_cmd, .arity = 2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .keys = {1, 1, 1}, .group = "string",
     .since = "1.0.0", .summary = "Adds one to the integer stored at a key.",
     .complexity = "O(1)", .args = "key", .key_flags = "RW ACCESS UPDATE"},
    {.name = "decr", .proc = decr_cmd, .arity = 2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .keys = {1, 1, 1}, .group = "string",
     .since = "1.0.0", .summary = "Subtracts one from the integer stored at a key.",
     .complexity = "O(1)", .args = "key", .key_flags = "RW ACCESS UPDATE"},
    {.name = "incrby", .proc = incrby_cmd, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_STRING | ACL_FAST,
     .keys = {1, 1, 1}, .group = "string", .since = "1.0.0",
     .summary = "Adds an amount to the integer stored at a key.", .complexity = "O(1)",
     .args = "key increment", .key_flags = "RW ACCESS UPDATE"},
    {.name = "decrby", .proc = decrby_cmd, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_STRING | ACL_FAST,
     .keys = {1, 1, 1}, .group = "string", .since = "1.0.0",
     .summary = "Subtracts an amount from the integer stored at a key.", .complexity = "O(1)",
     .args = "key decrement", .key_flags = "RW ACCESS UPDATE"},
    {.name = "incrbyfloat", .proc = incrbyfloat_cmd, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_STRING | ACL_FAST,
     .keys = {1, 1, 1}, .group = "string", .since = "2.6.0",
     .summary = "Adds a floating-point amount to the number stored at a key.",
     .complexity = "O(1)", .args = "key increment", .key_flags = "RW ACCESS UPDATE"},
    {.name = "lcs", .proc = lcs_cmd, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STRING | ACL_SLOW, .keys = {1, 2, 1}, .group = "string",
     .since = "7.0.0",
     .summary = "Finds the longest common subsequence of the strings at two keys.",
     .complexity = "O(N*M) for strings of lengths N and M",
     .args = "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]",
     .key_flags = "RO ACCESS"},
    {0},
};
