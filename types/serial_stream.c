/* types/serial_stream.c — streams in the RDB format (see serial.h).
 *
 * A stream value (RDB_TYPE_STREAM_LISTPACKS_2 = 19, Redis 7.0; type 15, the
 * 6.x form, lacks the fields marked 7.0):
 *
 *   nodes (length), then per node:
 *     master ID: a 16-byte string, ms and seq as 64-bit big-endian
 *     a listpack string:
 *       master entry: live count, deleted count, number of master fields,
 *                     the master field names, 0
 *       per entry:    flags (1 deleted, 2 same fields as the master entry),
 *                     ms - master ms, seq - master seq (64-bit, wrapping),
 *                     same fields: the values
 *                     otherwise:   number of fields, field/value pairs,
 *                     the number of listpack elements of the entry before this one
 *   length; last ID (ms, seq); 7.0: first ID, max deleted ID, entries added
 *   groups (length), per group:
 *     name; last delivered ID (ms, seq); 7.0: entries read (-1 as 2^64-1)
 *     global PEL (length), per entry: 16-byte raw ID, delivery time
 *       (8-byte little-endian ms), delivery count (length)
 *     consumers (length), per consumer: name, seen time (8-byte LE ms), its
 *       PEL (length) as 16-byte raw IDs, each one of the group PEL
 *
 * A kvik chunk is a node: the same entries (tombstones included), the same
 * master ID (the ID of the chunk's first entry), the same master fields (its
 * first entry's), so a stream goes out the way Redis would have stored it.
 * Loading rebuilds the chunks from the nodes after checking every one
 * (element types and counts, increasing IDs, the master counters, each
 * entry's element count), then the metadata and groups (no duplicate group
 * or consumer, PEL IDs increasing, every pending entry owned by exactly one
 * consumer).
 */
#include <errno.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"
#include "persist/packed.h"
#include "types/serial.h"
#include "types/stream.h"

enum { SF_DELETED = 1, SF_SAME = 2 };

/* ---------------------------------------------------------------- writing */

static void put_raw_id(unsigned char *p, stream_id id)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (unsigned char)(id.ms >> (56 - 8 * i));
        p[8 + i] = (unsigned char)(id.seq >> (56 - 8 * i));
    }
}

static void write_raw_id(rdb_out *o, stream_id id)
{
    unsigned char raw[16];
    put_raw_id(raw, id);
    rdbw_bytes(o, raw, 16);
}

/* Grows a slice array to hold n. */
static slice *fv_reserve(slice *fv, size_t *cap, size_t n)
{
    if (n <= *cap) return fv;
    size_t c = *cap ? *cap : 16;
    while (c < n) c *= 2;
    *cap = c;
    return mem_realloc(fv, c * sizeof(slice));
}

/* One chunk as a node listpack in lp; its master ID in *master. 0, or -1 when
 * the listpack would be too large. */
static int node_listpack(stream *s, size_t ci, buf *lp, stream_id *master, slice **fvp,
                         size_t *fvcap)
{
    uint64_t n, live;
    stream_chunk_counts(s, ci, &n, &live);
    stream_iter it;
    stream_raw_entry e;
    stream_iter_chunk(&it, s, ci);
    pk_lp_begin(lp);
    int first = 1;
    while (stream_iter_next_raw(&it, &e)) {
        *fvp = fv_reserve(*fvp, fvcap, 2 * e.npairs + 2);
        slice *fv = *fvp;
        for (uint64_t i = 0; i < e.npairs; i++) stream_iter_pair(&it, &fv[2 * i], &fv[2 * i + 1]);
        if (first) {
            *master = e.id;
            pk_lp_add_int(lp, (long long)live);
            pk_lp_add_int(lp, (long long)(n - live));
            pk_lp_add_int(lp, (long long)e.npairs);
            for (uint64_t i = 0; i < e.npairs; i++) pk_lp_add_str(lp, fv[2 * i].p, fv[2 * i].len);
            pk_lp_add_int(lp, 0);
            first = 0;
        }
        pk_lp_add_int(lp, (e.deleted ? SF_DELETED : 0) | (e.same ? SF_SAME : 0));
        pk_lp_add_int(lp, (long long)(e.id.ms - master->ms));
        pk_lp_add_int(lp, (long long)(e.id.seq - master->seq));
        if (e.same) {
            for (uint64_t i = 0; i < e.npairs; i++)
                pk_lp_add_str(lp, fv[2 * i + 1].p, fv[2 * i + 1].len);
            pk_lp_add_int(lp, (long long)(3 + e.npairs));
        } else {
            pk_lp_add_int(lp, (long long)e.npairs);
            for (uint64_t i = 0; i < e.npairs; i++) {
                pk_lp_add_str(lp, fv[2 * i].p, fv[2 * i].len);
                pk_lp_add_str(lp, fv[2 * i + 1].p, fv[2 * i + 1].len);
            }
            pk_lp_add_int(lp, (long long)(4 + 2 * e.npairs));
        }
    }
    return pk_lp_finish(lp);
}

void serial_stream_write(rdb_out *o, const stream *cs)
{
    /* Iteration takes a non-const handle but changes nothing. */
    stream *s = (stream *)cs;
    size_t nch = stream_chunks(s);
    rdbw_len(o, nch);
    buf lp = {0};
    slice *fv = NULL;
    size_t fvcap = 0;
    for (size_t ci = 0; ci < nch; ci++) {
        stream_id master = STREAM_ID_MIN;
        if (node_listpack(s, ci, &lp, &master, &fv, &fvcap) < 0) {
            /* beyond a listpack's 4 GiB: cannot be stored */
            if (!o->err) o->err = EFBIG;
            lp.len = 0;
            pk_lp_begin(&lp);
            pk_lp_finish(&lp);
        }
        unsigned char raw[16];
        put_raw_id(raw, master);
        rdbw_string(o, raw, 16);
        rdbw_string(o, lp.p, lp.len);
    }
    buf_free(&lp);
    mem_free(fv);

    stream_meta *m = stream_get_meta(s);
    rdbw_len(o, stream_len(s));
    rdbw_len(o, m->last_id.ms);
    rdbw_len(o, m->last_id.seq);
    rdbw_len(o, m->first_id.ms);
    rdbw_len(o, m->first_id.seq);
    rdbw_len(o, m->max_deleted.ms);
    rdbw_len(o, m->max_deleted.seq);
    rdbw_len(o, m->entries_added);

    size_t ng = stream_groups(s);
    rdbw_len(o, ng);
    for (size_t gi = 0; gi < ng; gi++) {
        stream_group *g = stream_group_at(s, gi);
        rdbw_string(o, g->name, g->nlen);
        rdbw_len(o, g->last_id.ms);
        rdbw_len(o, g->last_id.seq);
        rdbw_len(o, (uint64_t)g->entries_read);
        rdbw_len(o, g->pel.n);
        for (size_t i = 0; i < g->pel.n; i++) {
            const stream_nack *nk = g->pel.v[i];
            write_raw_id(o, nk->id);
            rdbw_ms(o, (long long)nk->delivery_time);
            rdbw_len(o, nk->delivery_count);
        }
        rdbw_len(o, g->nconsumers);
        for (size_t ci = 0; ci < g->nconsumers; ci++) {
            const stream_consumer *c = g->consumers[ci];
            rdbw_string(o, c->name, c->nlen);
            rdbw_ms(o, (long long)c->seen_time);
            rdbw_len(o, c->pel.n);
            for (size_t i = 0; i < c->pel.n; i++) write_raw_id(o, c->pel.v[i]->id);
        }
    }
}

/* ---------------------------------------------------------------- reading */

static stream_id get_raw_id(const unsigned char *p)
{
    stream_id id = {0, 0};
    for (int i = 0; i < 8; i++) {
        id.ms = id.ms << 8 | p[i];
        id.seq = id.seq << 8 | p[8 + i];
    }
    return id;
}

/* The elements of one node listpack. */
typedef struct node_elems {
    pk_entry *v;
    size_t n, cap;
} node_elems;

static int collect_elem(void *priv, const pk_entry *e)
{
    node_elems *ne = priv;
    if (ne->n == ne->cap) {
        ne->cap = ne->cap ? ne->cap * 2 : 64;
        ne->v = mem_realloc(ne->v, ne->cap * sizeof(*ne->v));
    }
    ne->v[ne->n++] = *e;
    return 0;
}

/* An element as an integer (integer-encoded, or a string holding one). */
static int elem_int(const pk_entry *e, long long *v)
{
    if (e->is_int) {
        *v = e->v;
        return 1;
    }
    return util_str2ll(e->p, e->len, v) ? 1 : 0;
}

/* An element as bytes; integers are formatted at *num (21 bytes each). */
static slice elem_bytes(const pk_entry *e, char **num)
{
    if (!e->is_int) return slice_of(e->p, e->len);
    char *p = *num;
    int n = util_ll2str(p, 21, e->v);
    *num += 21;
    return slice_of(p, (size_t)n);
}

/* What loading keeps between nodes. */
typedef struct load_ctx {
    rdb_in *in;
    stream *s;
    node_elems ne;
    slice *fv;
    size_t fvcap;
    char *num;
    size_t numcap;
    int have_prev;
    stream_id prev; /* the greatest stored ID so far */
    uint64_t live;  /* live entries so far */
} load_ctx;

static int bad(load_ctx *x, const char *why)
{
    return rdbr_fail(x->in, why);
}

/* Reads and checks one node, appending its entries to the stream. */
static int load_node(load_ctx *x)
{
    rdb_in *in = x->in;
    slice key, blob;
    if (rdbr_string(in, &key) < 0) return -1;
    if (key.len != 16) return bad(x, "invalid stream node key");
    stream_id master = get_raw_id((const unsigned char *)key.p);
    if (x->have_prev && stream_id_cmp(master, x->prev) <= 0)
        return bad(x, "stream node keys not increasing");
    if (rdbr_string(in, &blob) < 0) return -1;
    x->ne.n = 0;
    if (pk_listpack_each(blob.p, blob.len, collect_elem, &x->ne, NULL) != 0)
        return bad(x, "invalid stream node listpack");
    const pk_entry *E = x->ne.v;
    size_t N = x->ne.n, k = 0;
    long long count, deleted, nmf, v;
    if (N < 4) return bad(x, "stream node without entries");
    if (!elem_int(&E[0], &count) || count < 0 || !elem_int(&E[1], &deleted) || deleted < 0 ||
        !elem_int(&E[2], &nmf) || nmf < 0 || (uint64_t)nmf > N - 4)
        return bad(x, "invalid stream master entry");
    size_t mf = 3;
    k = 3 + (size_t)nmf;
    if (!elem_int(&E[k], &v) || v != 0) return bad(x, "invalid stream master entry");
    k++;
    if (k >= N) return bad(x, "stream node without entries");
    /* integers formatted as bytes: an entry formats at most its own elements
     * and the master fields */
    if (x->numcap < 2 * N * 21) {
        x->numcap = 2 * N * 21;
        mem_free(x->num);
        x->num = mem_alloc(x->numcap);
    }
    char *num = x->num;
    uint64_t live = 0, dead = 0;
    int first = 1;
    while (k < N) {
        size_t start = k;
        long long flags, msd, seqd, np, lpc;
        if (N - k < 4 || !elem_int(&E[k], &flags) || (flags & ~(long long)(SF_DELETED | SF_SAME)) ||
            !elem_int(&E[k + 1], &msd) || !elem_int(&E[k + 2], &seqd))
            return bad(x, "invalid stream entry");
        k += 3;
        stream_id id = {master.ms + (uint64_t)msd, master.seq + (uint64_t)seqd};
        if (first && stream_id_cmp(id, master) < 0) return bad(x, "stream entry below its node key");
        if (x->have_prev && stream_id_cmp(id, x->prev) <= 0)
            return bad(x, "stream entry IDs not increasing");
        int same = (flags & SF_SAME) != 0;
        if (same) {
            np = nmf;
            if ((uint64_t)np > N - k - 1) return bad(x, "invalid stream entry");
        } else {
            if (!elem_int(&E[k], &np) || np < 0 || (uint64_t)np > (N - k - 2) / 2)
                return bad(x, "invalid stream entry");
            k++;
        }
        x->fv = fv_reserve(x->fv, &x->fvcap, 2 * (size_t)np + 2);
        for (size_t i = 0; i < (size_t)np; i++) {
            if (same) {
                x->fv[2 * i] = elem_bytes(&E[mf + i], &num);
                x->fv[2 * i + 1] = elem_bytes(&E[k++], &num);
            } else {
                x->fv[2 * i] = elem_bytes(&E[k++], &num);
                x->fv[2 * i + 1] = elem_bytes(&E[k++], &num);
            }
        }
        if (k >= N || !elem_int(&E[k], &lpc) || lpc != (long long)(k - start))
            return bad(x, "invalid stream entry element count");
        k++;
        int del = (flags & SF_DELETED) != 0;
        stream_load_append(x->s, id, del, x->fv, (size_t)np, first);
        first = 0;
        if (del)
            dead++;
        else
            live++;
        x->prev = id;
        x->have_prev = 1;
        num = x->num; /* the entry is copied: reuse the room */
    }
    if (live != (uint64_t)count || dead != (uint64_t)deleted)
        return bad(x, "stream node counters do not match its entries");
    x->live += live;
    return 0;
}

/* A group PEL entry while loading, before its consumer is known. */
typedef struct pel_tmp {
    stream_id id;
    uint64_t time, count;
    stream_consumer *owner;
} pel_tmp;

static pel_tmp *pel_tmp_find(pel_tmp *v, size_t n, stream_id id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = stream_id_cmp(v[mid].id, id);
        if (c == 0) return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int read_u64(rdb_in *in, uint64_t *v)
{
    return rdbr_len(in, v, NULL);
}

static int read_id(rdb_in *in, stream_id *id)
{
    if (read_u64(in, &id->ms) < 0 || read_u64(in, &id->seq) < 0) return -1;
    return 0;
}

static int load_group(load_ctx *x, int v2)
{
    rdb_in *in = x->in;
    stream *s = x->s;
    slice name;
    stream_id last;
    uint64_t er = (uint64_t)STREAM_READ_UNKNOWN;
    if (rdbr_string(in, &name) < 0) return -1;
    /* the name may sit in in->tmp: keep a copy while the IDs are read */
    size_t glen = name.len;
    char *gname = mem_alloc(glen ? glen : 1);
    if (glen) memcpy(gname, name.p, glen);
    int rc = read_id(in, &last);
    if (rc == 0 && v2) rc = read_u64(in, &er);
    if (rc == 0 && v2 && (long long)er < 0 && (long long)er != STREAM_READ_UNKNOWN)
        rc = bad(x, "invalid consumer group entries-read");
    stream_group *g = NULL;
    if (rc == 0) {
        long long read = v2 ? (long long)er : stream_estimate_read(s, last);
        g = stream_group_create(s, slice_of(gname, glen), last, read);
        if (!g) rc = bad(x, "duplicate consumer group");
    }
    mem_free(gname);
    if (rc < 0) return -1;

    uint64_t np;
    if (rdbr_count(in, &np) < 0) return -1;
    pel_tmp *pel = mem_alloc(sizeof(*pel) * (np ? np : 1));
    for (uint64_t i = 0; i < np; i++) {
        const unsigned char *raw;
        long long t;
        if (rdbr_bytes(in, 16, &raw) < 0 || rdbr_ms(in, &t) < 0 || read_u64(in, &pel[i].count) < 0)
            goto fail;
        pel[i].id = get_raw_id(raw);
        pel[i].time = (uint64_t)t;
        pel[i].owner = NULL;
        if (i && stream_id_cmp(pel[i].id, pel[i - 1].id) <= 0) {
            bad(x, "consumer group PEL IDs not increasing");
            goto fail;
        }
    }
    uint64_t nc;
    if (rdbr_count(in, &nc) < 0) goto fail;
    for (uint64_t ci = 0; ci < nc; ci++) {
        long long seen;
        uint64_t cp;
        int created;
        if (rdbr_string(in, &name) < 0) goto fail;
        /* the consumer copies its name before anything else is read */
        stream_consumer *c = stream_consumer_get(g, name, 0, &created);
        if (!created) {
            bad(x, "duplicate consumer");
            goto fail;
        }
        if (rdbr_ms(in, &seen) < 0 || rdbr_count(in, &cp) < 0) goto fail;
        c->seen_time = (uint64_t)seen;
        for (uint64_t i = 0; i < cp; i++) {
            const unsigned char *raw;
            if (rdbr_bytes(in, 16, &raw) < 0) goto fail;
            pel_tmp *t = pel_tmp_find(pel, np, get_raw_id(raw));
            if (!t) {
                bad(x, "consumer PEL entry not in the group PEL");
                goto fail;
            }
            if (t->owner) {
                bad(x, "consumer group PEL entry owned twice");
                goto fail;
            }
            t->owner = c;
        }
    }
    for (uint64_t i = 0; i < np; i++) {
        if (!pel[i].owner) {
            bad(x, "consumer group PEL entry without a consumer");
            goto fail;
        }
    }
    /* in ID order: every PEL grows at its end */
    for (uint64_t i = 0; i < np; i++) {
        stream_nack *nk = stream_nack_add(g, pel[i].owner, pel[i].id, pel[i].time);
        nk->delivery_count = pel[i].count;
    }
    mem_free(pel);
    return 0;
fail:
    mem_free(pel);
    return -1;
}

static int load_stream(load_ctx *x, int rdbtype)
{
    rdb_in *in = x->in;
    stream *s = x->s;
    int v2 = rdbtype == RDB_TYPE_STREAM_LISTPACKS_2;
    uint64_t nodes;
    if (rdbr_count(in, &nodes) < 0) return -1;
    for (uint64_t i = 0; i < nodes; i++)
        if (load_node(x) < 0) return -1;
    stream_load_done(s);

    uint64_t length;
    stream_meta m = {0};
    if (read_u64(in, &length) < 0 || read_id(in, &m.last_id) < 0) return -1;
    if (length != x->live) return bad(x, "stream length does not match its entries");
    if (x->have_prev && stream_id_cmp(m.last_id, x->prev) < 0)
        return bad(x, "stream last ID below its entries");
    if (v2) {
        if (read_id(in, &m.first_id) < 0 || read_id(in, &m.max_deleted) < 0 ||
            read_u64(in, &m.entries_added) < 0)
            return -1;
        if (m.entries_added < length) return bad(x, "stream entries-added below its length");
    } else {
        /* as Redis 7.0 fills them in: an empty stream's first ID is the
         * maximum ID there (XINFO shows it) */
        m.entries_added = length;
        if (!stream_edge(s, 0, &m.first_id)) m.first_id = STREAM_ID_MAX;
    }
    *stream_get_meta(s) = m;

    uint64_t ng;
    if (rdbr_count(in, &ng) < 0) return -1;
    for (uint64_t i = 0; i < ng; i++)
        if (load_group(x, v2) < 0) return -1;
    return 0;
}

int serial_stream_read(rdb_in *in, int rdbtype, void **out)
{
    load_ctx x = {.in = in, .s = stream_new()};
    int rc = load_stream(&x, rdbtype);
    mem_free(x.ne.v);
    mem_free(x.fv);
    mem_free(x.num);
    if (rc < 0) {
        stream_free(x.s);
        *out = NULL;
        return -1;
    }
    *out = x.s;
    return 0;
}
