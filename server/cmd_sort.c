/* server/cmd_sort.c — SORT and SORT_RO over lists, sets and sorted sets.
 *
 * SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 * [ALPHA] [STORE destination], with Redis 7.0 semantics:
 *
 * - Elements are compared as doubles by default (parsed with strtod, as Redis
 *   does; a value that does not parse fails the whole command with "One or
 *   more scores can't be converted into double"); equal scores fall back to
 *   byte order so the result is deterministic. ALPHA compares bytes. Redis
 *   uses strcoll() when not storing, which is byte order in the C locale; kvik
 *   always uses byte order (memcmp, then length).
 * - BY pattern: the weight of an element is the string at the key made by
 *   replacing the first '*' of the pattern by the element, or the field after
 *   "->" of the hash at that key. A missing weight is 0 (numeric) or sorts
 *   first (ALPHA). A BY pattern without '*' means "do not sort": lists and
 *   sorted sets keep their order (DESC walks from the tail, LIMIT takes a
 *   range); a set is then sorted ALPHA anyway when storing, as in Redis, so
 *   the stored result is deterministic.
 * - GET pattern (repeatable): the replied value per element; "#" is the
 *   element itself; a missing key or field (or a value of another type) is a
 *   nil, stored as an empty string by STORE.
 * - STORE writes the result as a list (replacing the destination whatever its
 *   type, dropping its TTL), or deletes the destination when the result is
 *   empty, and replies the number of elements.
 *
 * Locking. The keys named by BY and GET patterns are known only while the
 * command runs, so the dispatcher cannot lock their shards up front. SORT and
 * SORT_RO are therefore flagged CMD_ALL_SHARDS (the dispatcher takes no locks)
 * and the handler holds every shard lock for the whole run (ks_lock_all takes
 * them in ascending order, so it cannot deadlock with the dispatcher's
 * ordered locking) when there is more than one worker thread. That serialises
 * SORT with everything else; it is simple and safe, and SORT is a slow command
 * anyway. The table still declares the sort key (and the STORE destination
 * through a getkeys function) for COMMAND INFO / GETKEYS.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "db/ks.h"
#include "server/cmdtab.h"
#include "server/notify.h"
#include "server/config.h"
#include "server/server.h"
#include "server/type_limits.h"
#include "types/hash.h"
#include "types/list.h"
#include "types/set.h"
#include "types/zset.h"

/* ---------------------------------------------------------------- helpers */

typedef struct sort_elem {
    char *p; /* the element (owned copy) */
    size_t len;
    double score; /* numeric weight */
    char *cmp;    /* ALPHA with BY: the weight (owned), NULL when missing */
    size_t cmplen;
} sort_elem;

typedef struct sort_opts {
    int desc, alpha, bypattern;
} sort_opts;

/* qsort has no context argument; the options of the sort in progress. */
static _Thread_local sort_opts cur;

static int bytes_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int r = memcmp(a, b, al < bl ? al : bl);
    if (r) return r;
    return al < bl ? -1 : al > bl;
}

static int elem_cmp(const void *x, const void *y)
{
    const sort_elem *a = x, *b = y;
    int r;
    if (!cur.alpha) {
        if (a->score > b->score)
            r = 1;
        else if (a->score < b->score)
            r = -1;
        else
            r = bytes_cmp(a->p, a->len, b->p, b->len);
    } else if (cur.bypattern) {
        if (!a->cmp || !b->cmp)
            r = a->cmp == b->cmp ? 0 : (a->cmp == NULL ? -1 : 1);
        else
            r = bytes_cmp(a->cmp, a->cmplen, b->cmp, b->cmplen);
    } else {
        r = bytes_cmp(a->p, a->len, b->p, b->len);
    }
    return cur.desc ? -r : r;
}

/* Looks up the value a BY or GET pattern names for element `sub`. Returns 1
 * with *out (valid until the keyspace changes) or 0 when there is none (no
 * '*' in the pattern, a missing key or field, a value of the wrong type).
 * tmp (>= 24 bytes) holds an integer string's text. */
static int lookup_pattern(client *c, slice pat, slice sub, char *tmp, slice *out)
{
    if (pat.len == 1 && pat.p[0] == '#') {
        *out = sub;
        return 1;
    }
    const char *star = memchr(pat.p, '*', pat.len);
    if (!star) return 0;
    size_t prefix = (size_t)(star - pat.p);
    const char *rest = star + 1;
    size_t restlen = pat.len - prefix - 1;
    size_t postfix = restlen;
    slice field = {0};
    int has_field = 0;
    for (size_t i = 0; i + 1 < restlen; i++) {
        if (rest[i] == '-' && rest[i + 1] == '>') {
            if (i + 2 < restlen) {
                postfix = i;
                field = (slice){rest + i + 2, restlen - i - 2};
                has_field = 1;
            }
            break;
        }
    }
    size_t klen = prefix + sub.len + postfix;
    char stack[256];
    char *k = klen <= sizeof(stack) ? stack : mem_alloc(klen);
    memcpy(k, pat.p, prefix);
    if (sub.len) memcpy(k + prefix, sub.p, sub.len);
    if (postfix) memcpy(k + prefix + sub.len, rest, postfix);
    kentry *e = ks_lookup(c->db, (slice){k, klen}, KS_READ);
    if (k != stack) mem_free(k);
    if (!e) return 0;
    if (has_field) {
        if (ke_type(e) != OBJ_HASH) return 0;
        return hash_get(ke_ptr(e), field, out, tmp);
    }
    if (ke_type(e) != OBJ_STRING) return 0;
    *out = ke_str(e, tmp);
    return 1;
}

/* Parses a weight as Redis does (strtod on the whole string). */
static int parse_score(slice v, double *out)
{
    char stack[128];
    char *s = v.len < sizeof(stack) ? stack : mem_alloc(v.len + 1);
    memcpy(s, v.p, v.len);
    s[v.len] = 0;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    int ok = !(*end || errno == ERANGE || isnan(d));
    if (s != stack) mem_free(s);
    *out = d;
    return ok;
}

static void add_elem(sort_elem *vec, size_t *n, slice m)
{
    vec[*n] = (sort_elem){.p = mem_dup(m.p, m.len), .len = m.len};
    (*n)++;
}

/* ---------------------------------------------------------------- SORT */

static void sort_generic(client *c, int readonly)
{
    int desc = 0, alpha = 0, dontsort = 0;
    long long limit_start = 0, limit_count = -1;
    slice sortby = {0};
    int has_sortby = 0;
    slice store = {0};
    int has_store = 0;
    int ngets = 0;
    slice *gets = mem_alloc(sizeof(slice) * (size_t)c->argc);

    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        slice a = c->argv[j];
        if (slice_is(a, "ASC")) {
            desc = 0;
        } else if (slice_is(a, "DESC")) {
            desc = 1;
        } else if (slice_is(a, "ALPHA")) {
            alpha = 1;
        } else if (slice_is(a, "LIMIT") && left >= 2) {
            if (arg_ll(c, c->argv[j + 1], &limit_start) < 0 ||
                arg_ll(c, c->argv[j + 2], &limit_count) < 0) {
                mem_free(gets);
                return;
            }
            j += 2;
        } else if (slice_is(a, "STORE") && left >= 1 && !readonly) {
            store = c->argv[++j];
            has_store = 1;
        } else if (slice_is(a, "BY") && left >= 1) {
            sortby = c->argv[++j];
            has_sortby = 1;
            if (!memchr(sortby.p, '*', sortby.len)) dontsort = 1;
        } else if (slice_is(a, "GET") && left >= 1) {
            gets[ngets++] = c->argv[++j];
        } else {
            reply_err_syntax(c);
            mem_free(gets);
            return;
        }
    }

    ks_lock_all();

    kentry *e = ks_lookup(c->db, c->argv[1], KS_READ);
    int type = e ? ke_type(e) : OBJ_LIST;
    if (e && type != OBJ_LIST && type != OBJ_SET && type != OBJ_ZSET) {
        reply_err_wrongtype(c);
        goto out_unlock;
    }

    /* A set has no order of its own: make a stored result deterministic. */
    if (dontsort && type == OBJ_SET && has_store) {
        dontsort = 0;
        alpha = 1;
        has_sortby = 0;
    }

    size_t size = 0;
    if (e) {
        if (type == OBJ_LIST)
            size = list_len(ke_ptr(e));
        else if (type == OBJ_SET)
            size = set_size(ke_ptr(e));
        else
            size = zset_size(ke_ptr(e));
    }
    long long vectorlen = (long long)size;
    long long start = limit_start < 0 ? 0 : limit_start;
    long long end = limit_count < 0                   ? vectorlen - 1
                    : limit_count > LLONG_MAX - start ? LLONG_MAX /* no overflow */
                                                      : start + limit_count - 1;
    if (start >= vectorlen) {
        start = vectorlen - 1;
        end = vectorlen - 2;
    }
    if (end >= vectorlen) end = vectorlen - 1;
    if ((type == OBJ_ZSET || type == OBJ_LIST) && dontsort &&
        (start != 0 || end != vectorlen - 1))
        vectorlen = end - start + 1;
    if (vectorlen < 0) vectorlen = 0;

    sort_elem *vec = mem_calloc(sizeof(sort_elem) * ((size_t)vectorlen + 1));
    size_t n = 0;
    if (e && type == OBJ_LIST) {
        list_iter it;
        slice m;
        if (dontsort) {
            if (vectorlen > 0) {
                list_iter_init(&it, ke_ptr(e), desc ? -start - 1 : start,
                               desc ? LIST_HEAD : LIST_TAIL);
                while (n < (size_t)vectorlen && list_iter_next(&it, &m))
                    add_elem(vec, &n, m);
            }
            end -= start;
            start = 0;
        } else {
            list_iter_init(&it, ke_ptr(e), 0, LIST_TAIL);
            while (n < (size_t)vectorlen && list_iter_next(&it, &m))
                add_elem(vec, &n, m);
        }
    } else if (e && type == OBJ_SET) {
        set_iter it;
        slice m;
        set_iter_init(&it, ke_ptr(e));
        while (n < (size_t)vectorlen && set_iter_next(&it, &m))
            add_elem(vec, &n, m);
        set_iter_done(&it);
    } else if (e && type == OBJ_ZSET) {
        zset_iter it;
        slice m;
        double sc;
        if (dontsort) {
            if (vectorlen > 0) {
                /* DESC walks down from the start-th highest rank */
                zset_iter_init(&it, ke_ptr(e),
                               desc ? size - 1 - (size_t)start : (size_t)start, desc);
                while (n < (size_t)vectorlen && zset_iter_next(&it, &m, &sc))
                    add_elem(vec, &n, m);
            }
            end -= start;
            start = 0;
        } else {
            zset_iter_init(&it, ke_ptr(e), 0, 0);
            while (n < (size_t)vectorlen && zset_iter_next(&it, &m, &sc))
                add_elem(vec, &n, m);
        }
    }

    if (!dontsort) {
        int conv_error = 0;
        char tmp[32];
        for (size_t j = 0; j < n; j++) {
            slice v, m = {vec[j].p, vec[j].len};
            if (has_sortby) {
                if (!lookup_pattern(c, sortby, m, tmp, &v)) continue;
            } else {
                v = m;
            }
            if (alpha) {
                if (has_sortby) {
                    vec[j].cmp = mem_dup(v.p, v.len);
                    vec[j].cmplen = v.len;
                }
            } else if (!parse_score(v, &vec[j].score)) {
                conv_error = 1;
            }
        }
        if (conv_error) {
            reply_error(c, "ERR One or more scores can't be converted into double");
            goto out_free;
        }
        cur = (sort_opts){.desc = desc, .alpha = alpha, .bypattern = has_sortby};
        if (n > 1) qsort(vec, n, sizeof(sort_elem), elem_cmp);
    }

    long long count = end - start + 1;
    if (count < 0) count = 0;
    long long outlen = ngets ? (long long)ngets * count : count;
    char tmp[32];
    if (!has_store) {
        reply_array(c, (size_t)outlen);
        for (long long j = start; j <= end; j++) {
            slice m = {vec[j].p, vec[j].len};
            if (!ngets) {
                reply_bulk(c, m.p, m.len);
                continue;
            }
            for (int g = 0; g < ngets; g++) {
                slice v;
                if (lookup_pattern(c, gets[g], m, tmp, &v))
                    reply_bulk(c, v.p, v.len);
                else
                    reply_null(c);
            }
        }
    } else {
        list *l = list_new(cfg_list_fill());
        for (long long j = start; j <= end; j++) {
            slice m = {vec[j].p, vec[j].len};
            if (!ngets) {
                list_push(l, LIST_TAIL, m);
                continue;
            }
            for (int g = 0; g < ngets; g++) {
                slice v;
                if (!lookup_pattern(c, gets[g], m, tmp, &v)) v = (slice){"", 0};
                /* v may point into the destination's value: copy before
                 * replacing it (list_push copies). */
                list_push(l, LIST_TAIL, v);
            }
        }
        int existed = ks_delete(c->db, store);
        if (outlen) {
            ks_add(c->db, store, OBJ_LIST, ENC_QUICKLIST, l);
            key_modified(c->db, store);
            notify_event(NOTIFY_LIST, "sortstore", c->db, store);
            server_dirty(outlen - 1);
        } else {
            list_free(l);
            if (existed) {
                key_modified(c->db, store);
                notify_event(NOTIFY_GENERIC, "del", c->db, store);
            }
        }
        reply_int(c, outlen);
    }

out_free:
    for (size_t j = 0; j < n; j++) {
        mem_free(vec[j].p);
        mem_free(vec[j].cmp);
    }
    mem_free(vec);
out_unlock:
    ks_unlock_all();
    mem_free(gets);
}

static void sort_cmd(client *c)
{
    sort_generic(c, 0);
}

static void sort_ro_cmd(client *c)
{
    sort_generic(c, 1);
}

/* The keys of SORT: the sort key and, after a STORE option, the destination.
 * Options are skipped by their argument counts so a pattern or GET argument
 * spelled "store" is not mistaken for the option. */
static int sort_getkeys(const slice *argv, int argc, int *pos, int max)
{
    int n = 0;
    if (argc < 2 || max < 1) return 0;
    pos[n++] = 1;
    int store = 0;
    for (int j = 2; j < argc; j++) {
        if (slice_is(argv[j], "LIMIT"))
            j += 2;
        else if (slice_is(argv[j], "BY") || slice_is(argv[j], "GET"))
            j += 1;
        else if (slice_is(argv[j], "STORE") && j + 1 < argc)
            store = ++j; /* the last STORE wins, as in the handler */
    }
    if (store && n < max) pos[n++] = store;
    return n;
}

/* ---------------------------------------------------------------- table */

#define SORT_CMD(...)                                                                    \
    {                                                                                    \
        .group = "generic", __VA_ARGS__                                                  \
    }

command sort_commands[] = {
    SORT_CMD(.name = "sort", .proc = sort_cmd, .arity = -2,
             .flags = CMD_WRITE | CMD_DENYOOM | CMD_ALL_SHARDS,
             .acl = ACL_WRITE | ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_SLOW |
                    ACL_DANGEROUS,
             .keys = {1, 1, 1}, .getkeys = sort_getkeys, .since = "1.0.0",
             .summary = "Sorts the elements of a list, set or sorted set, optionally "
                        "weighting them by other keys, fetching other keys for each, "
                        "and storing the result as a list.",
             .complexity = "O(N+M*log(M)): N elements, M of them returned; add the key "
                           "lookups of BY and GET patterns",
             .args = "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern "
                     "...]] [ASC | DESC] [ALPHA] [STORE destination]",
             .key_flags = "RO ACCESS; OW UPDATE"),
    SORT_CMD(.name = "sort_ro", .proc = sort_ro_cmd, .arity = -2,
             .flags = CMD_READONLY | CMD_ALL_SHARDS,
             .acl =
                 ACL_READ | ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_SLOW | ACL_DANGEROUS,
             .keys = {1, 1, 1}, .since = "7.0.0",
             .summary =
                 "Sorts the elements of a list, set or sorted set without storing, "
                 "optionally weighting them by other keys and fetching other "
                 "keys for each.",
             .complexity = "O(N+M*log(M)): N elements, M of them returned; add the key "
                           "lookups of BY and GET patterns",
             .args = "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern "
                     "...]] [ASC | DESC] [ALPHA]",
             .key_flags = "RO ACCESS"),
    {0},
};
