/* types/serial.c — values in the RDB format (see serial.h). */
#include "types/serial.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "persist/packed.h"
#include "types/list.h"

/* List nodes written per listpack: bounded by count and bytes. */
#define LIST_NODE_ENTRIES 128
#define LIST_NODE_BYTES 8192

/* ---------------------------------------------------------------- writing */


static void write_list(rdb_out *o, const list *l)
{
    size_t n = list_len(l);
    /* Nodes are cut by count and size; count them first. */
    size_t nodes = 0, in_node = 0, bytes = 0;
    list_iter it;
    slice v;
    list_iter_init(&it, l, 0, LIST_TAIL);
    while (list_iter_next(&it, &v)) {
        if (in_node == LIST_NODE_ENTRIES || bytes >= LIST_NODE_BYTES) in_node = bytes = 0;
        if (!in_node) nodes++;
        in_node++;
        bytes += v.len + 2;
    }
    rdbw_len(o, nodes);
    buf lp = {0};
    in_node = bytes = 0;
    list_iter_init(&it, l, 0, LIST_TAIL);
    for (size_t i = 0; i < n && list_iter_next(&it, &v); i++) {
        if (in_node == LIST_NODE_ENTRIES || bytes >= LIST_NODE_BYTES) {
            pk_lp_finish(&lp);
            rdbw_len(o, RDB_QL_PACKED);
            rdbw_string(o, lp.p, lp.len);
            in_node = bytes = 0;
        }
        if (!in_node) {
            lp.len = 0;
            pk_lp_begin(&lp);
        }
        pk_lp_add_str(&lp, v.p, v.len);
        in_node++;
        bytes += v.len + 2;
    }
    if (in_node) {
        pk_lp_finish(&lp);
        rdbw_len(o, RDB_QL_PACKED);
        rdbw_string(o, lp.p, lp.len);
    }
    buf_free(&lp);
}

/* An intset blob: encoding width, count, sorted little-endian integers. */
static void write_intset(rdb_out *o, set *s)
{
    size_t n = set_size(s);
    long long *v = mem_alloc(sizeof(long long) * (n ? n : 1));
    set_iter it;
    slice m;
    size_t k = 0;
    long long lo = 0, hi = 0;
    set_iter_init(&it, s);
    while (k < n && set_iter_next(&it, &m)) {
        util_str2ll(m.p, m.len, &v[k]);
        if (!k || v[k] < lo) lo = v[k];
        if (!k || v[k] > hi) hi = v[k];
        k++;
    }
    set_iter_done(&it);
    int width = (lo >= INT16_MIN && hi <= INT16_MAX) ? 2 : (lo >= INT32_MIN && hi <= INT32_MAX) ? 4 : 8;
    size_t len = 8 + (size_t)width * k;
    unsigned char *b = mem_alloc(len);
    for (int i = 0; i < 4; i++) {
        b[i] = (unsigned char)((unsigned)width >> (8 * i));
        b[4 + i] = (unsigned char)((uint32_t)k >> (8 * i));
    }
    for (size_t i = 0; i < k; i++)
        for (int j = 0; j < width; j++)
            b[8 + i * (size_t)width + (size_t)j] = (unsigned char)((unsigned long long)v[i] >> (8 * j));
    rdbw_string(o, b, len);
    mem_free(b);
    mem_free(v);
}

static void write_set(rdb_out *o, set *s)
{
    if (set_encoding(s) == ENC_INTSET) {
        write_intset(o, s);
        return;
    }
    rdbw_len(o, set_size(s));
    set_iter it;
    slice m;
    set_iter_init(&it, s);
    while (set_iter_next(&it, &m)) rdbw_string(o, m.p, m.len);
    set_iter_done(&it);
}

static void write_zset(rdb_out *o, zset *z)
{
    rdbw_len(o, zset_size(z));
    zset_iter it;
    slice m;
    double sc;
    zset_iter_init(&it, z, 0, 0);
    while (zset_iter_next(&it, &m, &sc)) {
        rdbw_string(o, m.p, m.len);
        rdbw_double_bin(o, sc);
    }
}

static void write_hash(rdb_out *o, hash *h)
{
    rdbw_len(o, hash_len(h));
    hash_iter it;
    slice f, v;
    hash_iter_init(&it, h);
    while (hash_iter_next(&it, &f, &v)) {
        rdbw_string(o, f.p, f.len);
        rdbw_string(o, v.p, v.len);
    }
    hash_iter_done(&it);
}

int serial_type(int objtype, const void *value)
{
    switch (objtype) {
    case OBJ_LIST: return RDB_TYPE_LIST_QUICKLIST_2;
    case OBJ_SET: return set_encoding(value) == ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case OBJ_ZSET: return RDB_TYPE_ZSET_2;
    case OBJ_HASH: return RDB_TYPE_HASH;
    case OBJ_STREAM: return RDB_TYPE_STREAM_LISTPACKS_2;
    default: return RDB_TYPE_STRING;
    }
}

void serial_write(rdb_out *o, int objtype, const void *value)
{
    /* The iterators take non-const handles but do not change the values. */
    void *v = (void *)value;
    switch (objtype) {
    case OBJ_LIST: write_list(o, v); break;
    case OBJ_SET: write_set(o, v); break;
    case OBJ_ZSET: write_zset(o, v); break;
    case OBJ_HASH: write_hash(o, v); break;
    case OBJ_STREAM: serial_stream_write(o, v); break; /* types/serial_stream.c */
    default: break; /* cannot happen: strings use serial_write_string */
    }
}

/* ---------------------------------------------------------------- reading */

void serial_free(int objtype, void *value)
{
    switch (objtype) {
    case OBJ_LIST: list_free(value); break;
    case OBJ_SET: set_free(value); break;
    case OBJ_ZSET: zset_free(value); break;
    case OBJ_HASH: hash_free(value); break;
    case OBJ_STREAM: stream_free(value); break;
    default: break;
    }
}

/* A packed entry as bytes (integers formatted into tmp). */
static slice entry_bytes(const pk_entry *e, char tmp[24])
{
    if (!e->is_int) return slice_of(e->p, e->len);
    return slice_of(tmp, (size_t)util_ll2str(tmp, 24, e->v));
}

static int parse_score(slice s, double *d)
{
    char tmp[128];
    if (s.len == 0 || s.len >= sizeof(tmp)) return -1;
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = 0;
    char *end;
    *d = strtod(tmp, &end);
    return *end || isnan(*d) ? -1 : 0;
}

/* Collects packed entries into a collection; pairs for hashes and zsets. */
typedef struct fill_ctx {
    int objtype;
    void *value;
    const serial_limits *lim;
    char first_tmp[24];
    slice first;  /* field / member waiting for its value / score */
    int have_first;
    char *first_copy;
    int dup;      /* a duplicate was found */
    int bad;      /* an invalid score */
} fill_ctx;

static int fill_one(void *priv, const pk_entry *e)
{
    fill_ctx *x = priv;
    char tmp[24];
    slice s = entry_bytes(e, tmp);
    switch (x->objtype) {
    case OBJ_LIST:
        list_push(x->value, LIST_TAIL, s);
        return 0;
    case OBJ_SET:
        if (!set_add((set **)&x->value, s, &x->lim->set)) x->dup = 1;
        return x->dup;
    default:
        break;
    }
    if (!x->have_first) {
        /* Keep the first of the pair: its bytes may be in tmp. */
        mem_free(x->first_copy);
        /* (not mem_dup(p, 1) for an empty one: p may be the end of the data) */
        x->first_copy = mem_alloc(s.len ? s.len : 1);
        if (s.len) memcpy(x->first_copy, s.p, s.len);
        x->first = slice_of(x->first_copy, s.len);
        x->have_first = 1;
        return 0;
    }
    x->have_first = 0;
    if (x->objtype == OBJ_HASH) {
        if (!hash_set(x->value, x->first, s, &x->lim->hash)) x->dup = 1;
    } else {
        double d;
        if (parse_score(s, &d) < 0) {
            x->bad = 1;
            return 1;
        }
        if (!zset_set(x->value, x->first, d, &x->lim->zset)) x->dup = 1;
    }
    return x->dup;
}

static void *new_value(int objtype, const serial_limits *lim)
{
    switch (objtype) {
    case OBJ_LIST: return list_new(lim->list_fill);
    case OBJ_SET: return set_new();
    case OBJ_ZSET: return zset_new();
    default: return hash_new();
    }
}

typedef int pk_each_fn(const void *, size_t, pk_fn *, void *, size_t *);

/* Reads one packed blob into x's collection with reader each. */
static int read_blob(rdb_in *in, pk_each_fn *each, fill_ctx *x)
{
    slice blob;
    if (rdbr_string(in, &blob) < 0) return -1;
    /* The blob may sit in in->tmp, which filling does not touch. */
    int rc = each(blob.p, blob.len, fill_one, x, NULL);
    if (rc < 0) return rdbr_fail(in, "invalid packed encoding");
    if (x->dup) return rdbr_fail(in, "duplicate member");
    if (x->bad) return rdbr_fail(in, "invalid score");
    return 0;
}

static int read_plain(rdb_in *in, int rdbtype, fill_ctx *x)
{
    uint64_t n;
    if (rdbr_count(in, &n) < 0) return -1;
    int pairs = rdbtype == RDB_TYPE_HASH;
    for (uint64_t i = 0; i < n; i++) {
        slice s;
        pk_entry e = {0};
        if (rdbr_string(in, &s) < 0) return -1;
        e.p = s.p;
        e.len = s.len;
        fill_one(x, &e);
        if (pairs) {
            if (rdbr_string(in, &s) < 0) return -1;
            e.p = s.p;
            e.len = s.len;
            fill_one(x, &e);
        } else if (rdbtype == RDB_TYPE_ZSET || rdbtype == RDB_TYPE_ZSET_2) {
            double d;
            int rc = rdbtype == RDB_TYPE_ZSET ? rdbr_double_str(in, &d) : rdbr_double_bin(in, &d);
            if (rc < 0) return -1;
            if (isnan(d)) return rdbr_fail(in, "invalid score");
            x->have_first = 0;
            if (!zset_set(x->value, x->first, d, &x->lim->zset)) x->dup = 1;
        }
        if (x->dup) return rdbr_fail(in, "duplicate member");
    }
    return 0;
}

static int read_quicklist(rdb_in *in, int rdbtype, fill_ctx *x)
{
    uint64_t nodes;
    if (rdbr_count(in, &nodes) < 0) return -1;
    for (uint64_t i = 0; i < nodes; i++) {
        uint64_t container = RDB_QL_PACKED;
        if (rdbtype == RDB_TYPE_LIST_QUICKLIST_2 && rdbr_len(in, &container, NULL) < 0) return -1;
        if (container == RDB_QL_PLAIN) {
            slice s;
            if (rdbr_string(in, &s) < 0) return -1;
            list_push(x->value, LIST_TAIL, s);
            continue;
        }
        if (container != RDB_QL_PACKED) return rdbr_fail(in, "invalid quicklist container");
        pk_each_fn *each = rdbtype == RDB_TYPE_LIST_QUICKLIST ? pk_ziplist_each : pk_listpack_each;
        if (read_blob(in, each, x) < 0) return -1;
    }
    return 0;
}

/* The collection type and how an RDB type is read. */
static int objtype_of(int rdbtype)
{
    switch (rdbtype) {
    case RDB_TYPE_LIST: case RDB_TYPE_LIST_ZIPLIST: case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return OBJ_LIST;
    case RDB_TYPE_SET: case RDB_TYPE_SET_INTSET:
        return OBJ_SET;
    case RDB_TYPE_ZSET: case RDB_TYPE_ZSET_2: case RDB_TYPE_ZSET_ZIPLIST: case RDB_TYPE_ZSET_LISTPACK:
        return OBJ_ZSET;
    case RDB_TYPE_HASH: case RDB_TYPE_HASH_ZIPMAP: case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
        return OBJ_HASH;
    default:
        return -1;
    }
}

static int value_size(int objtype, void *v)
{
    switch (objtype) {
    case OBJ_LIST: return list_len(v) != 0;
    case OBJ_SET: return set_size(v) != 0;
    case OBJ_ZSET: return zset_size(v) != 0;
    default: return hash_len(v) != 0;
    }
}

static int value_enc(int objtype, void *v)
{
    switch (objtype) {
    case OBJ_LIST: return ENC_QUICKLIST;
    case OBJ_SET: return set_encoding(v);
    case OBJ_ZSET: return zset_encoding(v);
    default: return hash_encoding(v);
    }
}

int serial_read(rdb_in *in, int rdbtype, const serial_limits *lim, serial_value *out)
{
    memset(out, 0, sizeof(*out));
    if (rdbtype == RDB_TYPE_STRING) {
        out->objtype = OBJ_STRING;
        return rdbr_string(in, &out->str);
    }
    if (rdbtype == RDB_TYPE_STREAM_LISTPACKS || rdbtype == RDB_TYPE_STREAM_LISTPACKS_2) {
        /* types/serial_stream.c; an empty stream is kept */
        if (serial_stream_read(in, rdbtype, &out->value) < 0) return -1;
        out->objtype = OBJ_STREAM;
        out->enc = ENC_STREAM;
        return 0;
    }
    int objtype = objtype_of(rdbtype);
    if (objtype < 0) {
        if (rdbtype == RDB_TYPE_MODULE || rdbtype == RDB_TYPE_MODULE_2)
            return rdbr_fail(in, "module values are not supported");
        return rdbr_fail(in, "unknown value type");
    }
    fill_ctx x = {.objtype = objtype, .value = new_value(objtype, lim), .lim = lim};
    int rc;
    switch (rdbtype) {
    case RDB_TYPE_LIST_QUICKLIST: case RDB_TYPE_LIST_QUICKLIST_2:
        rc = read_quicklist(in, rdbtype, &x);
        break;
    case RDB_TYPE_LIST_ZIPLIST: case RDB_TYPE_ZSET_ZIPLIST: case RDB_TYPE_HASH_ZIPLIST:
        rc = read_blob(in, pk_ziplist_each, &x);
        break;
    case RDB_TYPE_SET_INTSET:
        rc = read_blob(in, pk_intset_each, &x);
        break;
    case RDB_TYPE_HASH_ZIPMAP:
        rc = read_blob(in, pk_zipmap_each, &x);
        break;
    case RDB_TYPE_HASH_LISTPACK: case RDB_TYPE_ZSET_LISTPACK:
        rc = read_blob(in, pk_listpack_each, &x);
        break;
    default:
        rc = read_plain(in, rdbtype, &x);
        break;
    }
    if (rc == 0 && x.have_first) rc = rdbr_fail(in, "odd number of entries in a pairs encoding");
    mem_free(x.first_copy);
    if (rc < 0) {
        serial_free(objtype, x.value);
        return -1;
    }
    if (!value_size(objtype, x.value)) {
        serial_free(objtype, x.value);
        out->objtype = -1;
        return 0;
    }
    out->objtype = objtype;
    out->enc = value_enc(objtype, x.value);
    out->value = x.value;
    return 0;
}
