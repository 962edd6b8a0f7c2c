/* types/stream.c — the stream value type (see stream.h).
 *
 * A stream is an index of chunks sorted by their base ID, plus metadata and
 * consumer groups:
 *
 *   struct stream
 *   +-------------------------------+
 *   | chunks: [c0][c1]...[cn-1] ----+--> chunk (one allocation, grows at the tail)
 *   | length, meta (last/first/     |    +------+------+---+----+-----+-----+----------
 *   |   max-deleted ID, added)      |    | base | last | n |live| len | cap | entries...
 *   | groups: [g0][g1]... by name   |    +------+------+---+----+-----+-----+----------
 *   +-------------------------------+
 *
 *   entry:
 *   +-------+----------+-----+--------+------------------------------------------+
 *   | flags | ms delta | seq | npairs | pairs                                    |
 *   +-------+----------+-----+--------+------------------------------------------+
 *   flags    bit 0 deleted, bit 1 same fields as the chunk's first entry
 *   ms delta varint, ID.ms - base.ms
 *   seq      varint: ID.seq - base.seq when ms delta is 0, else ID.seq
 *   pairs    same fields: npairs x (varint vlen, value bytes)
 *            otherwise:   npairs x (varint flen, field, varint vlen, value)
 *
 * Entries are appended in ID order, so a chunk's entries are sorted and the
 * chunk holding an ID is found by binary search over the bases. Most streams
 * repeat one set of field names; an entry whose fields equal those of its
 * chunk's first entry stores only its values (the "master entry" trick).
 * A chunk is closed when it reaches stream-node-max-entries entries or
 * stream-node-max-bytes bytes. Deletion sets the flag; a chunk with no live
 * entry left is freed and leaves the index. Reverse iteration collects the
 * entry offsets of one chunk at a time (entries have no back-links).
 *
 * Consumer groups are kept sorted by name (XINFO order); each group's
 * consumers likewise. A PEL is a sorted array of nack pointers: reads add
 * increasing IDs (appends), so the array stays cheap; the group PEL owns the
 * nacks, each consumer's PEL shares them.
 */
#include "types/stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"

/* A chunk never exceeds this many entries whatever the limits say. */
#define CHUNK_HARD_ENTRIES 65536
#define CHUNK_HARD_BYTES ((size_t)1 << 20)

enum { F_DELETED = 1, F_SAME = 2 };

typedef struct chunk {
    stream_id base, last; /* first and last entry ever appended here */
    uint32_t n, live;     /* entries, live entries */
    size_t len, cap;
    unsigned char *data;
} chunk;

struct stream {
    chunk **chunks;
    size_t nchunks, chunkcap;
    uint64_t length;
    stream_meta meta;
    stream_group **groups;
    size_t ngroups;
};

/* ---------------------------------------------------------------- IDs */

int stream_id_cmp(stream_id a, stream_id b)
{
    if (a.ms != b.ms) return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq) return a.seq < b.seq ? -1 : 1;
    return 0;
}

int stream_id_incr(stream_id *id)
{
    if (id->seq < UINT64_MAX) {
        id->seq++;
    } else if (id->ms < UINT64_MAX) {
        id->ms++;
        id->seq = 0;
    } else {
        return 0;
    }
    return 1;
}

int stream_id_decr(stream_id *id)
{
    if (id->seq > 0) {
        id->seq--;
    } else if (id->ms > 0) {
        id->ms--;
        id->seq = UINT64_MAX;
    } else {
        return 0;
    }
    return 1;
}

int stream_id_is_zero(stream_id id)
{
    return id.ms == 0 && id.seq == 0;
}

int stream_id_fmt(char *dst, stream_id id)
{
    int n = util_ull2str(dst, 21, id.ms);
    dst[n++] = '-';
    n += util_ull2str(dst + n, 21, id.seq);
    return n;
}

/* Redis's string2ull: a strict integer parse first, then strtoull's rules
 * (which accept leading spaces and a '+'). */
static int parse_u64(const char *p, size_t len, uint64_t *out)
{
    long long ll;
    if (util_str2ll(p, len, &ll)) {
        if (ll < 0) return -1;
        *out = (uint64_t)ll;
        return 0;
    }
    char tmp[64];
    if (len == 0 || len >= sizeof(tmp) || memchr(p, 0, len)) return -1;
    memcpy(tmp, p, len);
    tmp[len] = 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(tmp, &end, 10);
    if (errno == EINVAL || errno == ERANGE || *end) return -1;
    *out = v;
    return 0;
}

int stream_id_parse(const char *p, size_t len, uint64_t missing_seq, int star_ok,
                    stream_id *out, int *star)
{
    if (star) *star = 0;
    if (len > 127) return -1;
    const char *dash = memchr(p, '-', len);
    /* A leading '-' belongs to the number (and fails it), as in strtoull. */
    if (dash == p) dash = len > 1 ? memchr(p + 1, '-', len - 1) : NULL;
    stream_id id;
    if (!dash) {
        if (parse_u64(p, len, &id.ms) < 0) return -1;
        id.seq = missing_seq;
    } else {
        size_t mlen = (size_t)(dash - p);
        const char *sp = dash + 1;
        size_t slen = len - mlen - 1;
        if (parse_u64(p, mlen, &id.ms) < 0) return -1;
        if (star_ok && slen == 1 && sp[0] == '*') {
            id.seq = 0;
            if (star) *star = 1;
        } else if (parse_u64(sp, slen, &id.seq) < 0) {
            return -1;
        }
    }
    *out = id;
    return 0;
}

/* ---------------------------------------------------------------- varints */

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static uint64_t get_varint(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint64_t v = 0;
    int shift = 0;
    while (*p & 0x80) {
        v |= (uint64_t)(*p++ & 0x7f) << shift;
        shift += 7;
    }
    v |= (uint64_t)*p++ << shift;
    *pp = p;
    return v;
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* ---------------------------------------------------------------- entries */

/* A decoded entry header. */
typedef struct ehdr {
    int flags;
    stream_id id;
    uint64_t npairs;
    const unsigned char *pairs; /* first pair */
} ehdr;

static const unsigned char *read_hdr(const chunk *ch, const unsigned char *p, ehdr *h)
{
    h->flags = *p++;
    uint64_t dms = get_varint(&p);
    uint64_t seq = get_varint(&p);
    h->id.ms = ch->base.ms + dms;
    h->id.seq = dms == 0 ? ch->base.seq + seq : seq;
    h->npairs = get_varint(&p);
    h->pairs = p;
    return p;
}

static const unsigned char *skip_blob(const unsigned char *p)
{
    uint64_t l = get_varint(&p);
    return p + l;
}

/* The offset just past the entry at p. */
static const unsigned char *skip_entry(const chunk *ch, const unsigned char *p)
{
    ehdr h;
    p = read_hdr(ch, p, &h);
    for (uint64_t i = 0; i < h.npairs; i++) {
        if (!(h.flags & F_SAME)) p = skip_blob(p);
        p = skip_blob(p);
    }
    return p;
}

/* 1 if the field names of fv equal those of the chunk's first entry. */
static int same_fields(const chunk *ch, const slice *fv, size_t npairs)
{
    ehdr h;
    const unsigned char *p = read_hdr(ch, ch->data, &h);
    if (h.npairs != npairs) return 0;
    for (size_t i = 0; i < npairs; i++) {
        uint64_t l = get_varint(&p);
        if (l != fv[2 * i].len || (l && memcmp(p, fv[2 * i].p, l) != 0)) return 0;
        p = skip_blob(p + l);
    }
    return 1;
}

static chunk *chunk_new(stream_id base)
{
    chunk *ch = mem_calloc(sizeof(*ch));
    ch->base = ch->last = base;
    return ch;
}

static void chunk_free(chunk *ch)
{
    if (!ch) return;
    mem_free(ch->data);
    mem_free(ch);
}

static void chunk_reserve(chunk *ch, size_t extra)
{
    if (ch->len + extra <= ch->cap) return;
    size_t cap = ch->cap ? ch->cap * 2 : 64;
    while (cap < ch->len + extra) cap *= 2;
    ch->data = mem_realloc(ch->data, cap);
    ch->cap = cap;
}

/* Appends an entry to ch (its ID is >= ch->base). */
static void chunk_put(chunk *ch, stream_id id, const slice *fv, size_t npairs)
{
    int same = ch->n > 0 && same_fields(ch, fv, npairs);
    uint64_t dms = id.ms - ch->base.ms;
    uint64_t seq = dms == 0 ? id.seq - ch->base.seq : id.seq;
    size_t need = 1 + varint_len(dms) + varint_len(seq) + varint_len(npairs);
    for (size_t i = 0; i < npairs; i++) {
        if (!same) need += varint_len(fv[2 * i].len) + fv[2 * i].len;
        need += varint_len(fv[2 * i + 1].len) + fv[2 * i + 1].len;
    }
    chunk_reserve(ch, need);
    unsigned char *p = ch->data + ch->len;
    *p++ = same ? F_SAME : 0;
    p += put_varint(p, dms);
    p += put_varint(p, seq);
    p += put_varint(p, npairs);
    for (size_t i = 0; i < npairs; i++) {
        for (int k = same ? 1 : 0; k < 2; k++) {
            slice s = fv[2 * i + (size_t)k];
            p += put_varint(p, s.len);
            if (s.len) memcpy(p, s.p, s.len);
            p += s.len;
        }
    }
    ch->len = (size_t)(p - ch->data);
    ch->n++;
    ch->live++;
    ch->last = id;
}

static int chunk_full(const chunk *ch, const stream_limits *lim)
{
    if (ch->n >= CHUNK_HARD_ENTRIES || ch->len >= CHUNK_HARD_BYTES) return 1;
    if (lim && lim->max_entries > 0 && ch->n >= (uint64_t)lim->max_entries) return 1;
    if (lim && lim->max_bytes > 0 && ch->len >= (uint64_t)lim->max_bytes) return 1;
    return 0;
}

/* ---------------------------------------------------------------- stream */

stream *stream_new(void)
{
    return mem_calloc(sizeof(stream));
}

static void group_free(stream_group *g);

void stream_free(stream *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nchunks; i++) chunk_free(s->chunks[i]);
    mem_free(s->chunks);
    for (size_t i = 0; i < s->ngroups; i++) group_free(s->groups[i]);
    mem_free(s->groups);
    mem_free(s);
}

uint64_t stream_len(const stream *s)
{
    return s->length;
}

size_t stream_chunks(const stream *s)
{
    return s->nchunks;
}

stream_meta *stream_get_meta(stream *s)
{
    return &s->meta;
}

static void index_insert_tail(stream *s, chunk *ch)
{
    if (s->nchunks == s->chunkcap) {
        s->chunkcap = s->chunkcap ? s->chunkcap * 2 : 4;
        s->chunks = mem_realloc(s->chunks, s->chunkcap * sizeof(*s->chunks));
    }
    s->chunks[s->nchunks++] = ch;
}

static void index_remove(stream *s, size_t i)
{
    chunk_free(s->chunks[i]);
    memmove(&s->chunks[i], &s->chunks[i + 1], (s->nchunks - i - 1) * sizeof(*s->chunks));
    s->nchunks--;
}

void stream_append(stream *s, stream_id id, const slice *fv, size_t npairs,
                   const stream_limits *lim)
{
    chunk *ch = s->nchunks ? s->chunks[s->nchunks - 1] : NULL;
    if (!ch || chunk_full(ch, lim)) {
        if (ch && ch->cap > ch->len) { /* closed: give back the slack */
            ch->data = mem_realloc(ch->data, ch->len);
            ch->cap = ch->len;
        }
        ch = chunk_new(id);
        index_insert_tail(s, ch);
    }
    chunk_put(ch, id, fv, npairs);
    if (s->length == 0) s->meta.first_id = id;
    s->length++;
    s->meta.last_id = id;
    s->meta.entries_added++;
}

/* Index of the last chunk whose base is <= id, or 0 if none is. */
static size_t chunk_search(const stream *s, stream_id id)
{
    size_t lo = 0, hi = s->nchunks;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (stream_id_cmp(s->chunks[mid]->base, id) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Finds a live entry: 1 with *ci and *off. */
static int find_entry(const stream *s, stream_id id, size_t *ci, size_t *off)
{
    if (!s->nchunks) return 0;
    size_t i = chunk_search(s, id);
    chunk *ch = s->chunks[i];
    if (stream_id_cmp(id, ch->base) < 0 || stream_id_cmp(id, ch->last) > 0) return 0;
    const unsigned char *p = ch->data, *end = ch->data + ch->len;
    while (p < end) {
        ehdr h;
        read_hdr(ch, p, &h);
        int c = stream_id_cmp(h.id, id);
        if (c > 0) return 0;
        if (c == 0) {
            if (h.flags & F_DELETED) return 0;
            *ci = i;
            *off = (size_t)(p - ch->data);
            return 1;
        }
        p = skip_entry(ch, p);
    }
    return 0;
}

int stream_has(stream *s, stream_id id)
{
    size_t ci, off;
    return find_entry(s, id, &ci, &off);
}

/* Marks the entry at ch/off deleted; frees the chunk when it empties. Returns
 * 1 if the chunk was freed. */
static int mark_deleted(stream *s, size_t ci, size_t off)
{
    chunk *ch = s->chunks[ci];
    ch->data[off] |= F_DELETED;
    ch->live--;
    s->length--;
    if (ch->live == 0) {
        index_remove(s, ci);
        return 1;
    }
    return 0;
}

static void refresh_first(stream *s)
{
    if (!stream_edge(s, 0, &s->meta.first_id)) s->meta.first_id = STREAM_ID_MIN;
}

int stream_delete(stream *s, stream_id id)
{
    size_t ci, off;
    if (!find_entry(s, id, &ci, &off)) return 0;
    mark_deleted(s, ci, off);
    if (stream_id_cmp(id, s->meta.max_deleted) > 0) s->meta.max_deleted = id;
    if (stream_id_cmp(id, s->meta.first_id) == 0) refresh_first(s);
    return 1;
}

int stream_edge(stream *s, int last, stream_id *id)
{
    stream_iter it;
    uint64_t np;
    stream_iter_init(&it, s, STREAM_ID_MIN, STREAM_ID_MAX, last);
    int found = stream_iter_next(&it, id, &np);
    stream_iter_done(&it);
    return found;
}

/* ---------------------------------------------------------------- trim */

/* Exact trimming inside the first chunk: deletes entries from its start while
 * the stream is too long / below minid. */
static uint64_t trim_inside(stream *s, const stream_trim_args *a)
{
    chunk *ch = s->chunks[0];
    uint64_t removed = 0;
    const unsigned char *p = ch->data, *end = ch->data + ch->len;
    while (p < end) {
        ehdr h;
        read_hdr(ch, p, &h);
        const unsigned char *next = skip_entry(ch, p);
        if (!(h.flags & F_DELETED)) {
            if (a->by_minid ? stream_id_cmp(h.id, a->minid) >= 0 : s->length <= a->maxlen)
                break;
            removed++;
            if (mark_deleted(s, 0, (size_t)(p - ch->data))) break;
        }
        p = next;
    }
    return removed;
}

uint64_t stream_trim(stream *s, const stream_trim_args *a)
{
    uint64_t removed = 0;
    while (s->nchunks) {
        if (!a->by_minid && s->length <= a->maxlen) break;
        chunk *ch = s->chunks[0];
        if (a->limit > 0 && removed + ch->live > (uint64_t)a->limit) break;
        int whole = a->by_minid ? stream_id_cmp(ch->last, a->minid) < 0
                                : s->length - ch->live >= a->maxlen;
        if (whole) {
            removed += ch->live;
            s->length -= ch->live;
            index_remove(s, 0);
            continue;
        }
        if (a->approx) break;
        removed += trim_inside(s, a);
        break;
    }
    if (removed) refresh_first(s);
    return removed;
}

/* ---------------------------------------------------------------- iteration */

void stream_iter_init(stream_iter *it, stream *s, stream_id start, stream_id end, int rev)
{
    memset(it, 0, sizeof(*it));
    it->s = s;
    it->start = start;
    it->end = end;
    it->rev = rev;
    if (s->nchunks) it->ci = chunk_search(s, rev ? end : start);
}

void stream_iter_done(stream_iter *it)
{
    mem_free(it->offs);
    it->offs = NULL;
}

/* Collects the offsets of chunk ci's entries (reverse iteration). */
static void collect_offsets(stream_iter *it)
{
    chunk *ch = it->s->chunks[it->ci];
    it->noffs = 0;
    if (it->offcap < ch->n) {
        it->offcap = ch->n;
        it->offs = mem_realloc(it->offs, it->offcap * sizeof(*it->offs));
    }
    const unsigned char *p = ch->data, *end = ch->data + ch->len;
    while (p < end) {
        it->offs[it->noffs++] = (uint32_t)(p - ch->data);
        p = skip_entry(ch, p);
    }
}

/* Sets up the pair cursors for the entry h of chunk ch. */
static void start_pairs(stream_iter *it, const chunk *ch, const ehdr *h)
{
    it->p = h->pairs;
    it->same = (h->flags & F_SAME) != 0;
    it->left = h->npairs;
    if (it->same) {
        ehdr m;
        read_hdr(ch, ch->data, &m);
        it->mp = m.pairs;
    }
}

/* The next entry forward (any, deleted included): 1 with *h, or 0. */
static int step_forward(stream_iter *it, chunk **chp, ehdr *h)
{
    stream *s = it->s;
    while (it->ci < s->nchunks) {
        chunk *ch = s->chunks[it->ci];
        if (it->pos < ch->len) {
            const unsigned char *p = ch->data + it->pos;
            read_hdr(ch, p, h);
            it->pos = (size_t)(skip_entry(ch, p) - ch->data);
            *chp = ch;
            return 1;
        }
        it->ci++;
        it->pos = 0;
    }
    return 0;
}

static int step_backward(stream_iter *it, chunk **chp, ehdr *h)
{
    stream *s = it->s;
    for (;;) {
        if (!it->started) {
            if (it->ci >= s->nchunks) return 0;
            collect_offsets(it);
            it->started = 1;
        }
        if (it->noffs) {
            chunk *ch = s->chunks[it->ci];
            read_hdr(ch, ch->data + it->offs[--it->noffs], h);
            *chp = ch;
            return 1;
        }
        if (it->ci == 0) return 0;
        it->ci--;
        it->started = 0;
    }
}

int stream_iter_next(stream_iter *it, stream_id *id, uint64_t *npairs)
{
    chunk *ch;
    ehdr h;
    for (;;) {
        if (!(it->rev ? step_backward(it, &ch, &h) : step_forward(it, &ch, &h))) return 0;
        if (!it->rev) {
            if (stream_id_cmp(h.id, it->end) > 0) {
                it->ci = it->s->nchunks; /* done */
                return 0;
            }
            if (stream_id_cmp(h.id, it->start) < 0) continue;
        } else {
            if (stream_id_cmp(h.id, it->start) < 0) {
                it->ci = 0;
                it->noffs = 0;
                it->started = 1;
                return 0;
            }
            if (stream_id_cmp(h.id, it->end) > 0) continue;
        }
        if (h.flags & F_DELETED) continue;
        start_pairs(it, ch, &h);
        *id = h.id;
        *npairs = h.npairs;
        return 1;
    }
}

void stream_iter_pair(stream_iter *it, slice *f, slice *v)
{
    const unsigned char *p = it->same ? it->mp : it->p;
    uint64_t l = get_varint(&p);
    *f = slice_of((const char *)p, l);
    p += l;
    if (it->same) {
        it->mp = skip_blob(p); /* the master entry's value */
        p = it->p;
    }
    l = get_varint(&p);
    *v = slice_of((const char *)p, l);
    it->p = p + l;
    it->left--;
}

/* ---------------------------------------------------------------- raw access */

void stream_chunk_counts(const stream *s, size_t ci, uint64_t *entries, uint64_t *live)
{
    *entries = s->chunks[ci]->n;
    *live = s->chunks[ci]->live;
}

void stream_iter_chunk(stream_iter *it, stream *s, size_t ci)
{
    memset(it, 0, sizeof(*it));
    it->s = s;
    it->start = STREAM_ID_MIN;
    it->end = STREAM_ID_MAX;
    it->ci = ci;
}

int stream_iter_next_raw(stream_iter *it, stream_raw_entry *e)
{
    if (it->ci >= it->s->nchunks) return 0;
    chunk *ch = it->s->chunks[it->ci];
    if (it->pos >= ch->len) return 0;
    const unsigned char *p = ch->data + it->pos;
    ehdr h;
    read_hdr(ch, p, &h);
    it->pos = (size_t)(skip_entry(ch, p) - ch->data);
    start_pairs(it, ch, &h);
    e->id = h.id;
    e->deleted = (h.flags & F_DELETED) != 0;
    /* the first entry's fields are the chunk's fields */
    e->same = (h.flags & F_SAME) != 0 || p == ch->data;
    e->npairs = h.npairs;
    return 1;
}

void stream_load_append(stream *s, stream_id id, int deleted, const slice *fv, size_t npairs,
                        int new_chunk)
{
    chunk *ch = s->nchunks ? s->chunks[s->nchunks - 1] : NULL;
    if (!ch || new_chunk || chunk_full(ch, NULL)) {
        ch = chunk_new(id);
        index_insert_tail(s, ch);
    }
    size_t at = ch->len; /* chunk_put appends the entry here */
    chunk_put(ch, id, fv, npairs);
    if (deleted) {
        ch->data[at] |= F_DELETED;
        ch->live--;
    } else {
        s->length++;
    }
}

void stream_load_done(stream *s)
{
    for (size_t i = 0; i < s->nchunks;) {
        chunk *ch = s->chunks[i];
        if (!ch->live) {
            index_remove(s, i);
            continue;
        }
        if (ch->cap > ch->len) {
            ch->data = mem_realloc(ch->data, ch->len);
            ch->cap = ch->len;
        }
        i++;
    }
}

/* ---------------------------------------------------------------- PELs */

size_t stream_pel_lower(const stream_pel *pel, stream_id id)
{
    size_t lo = 0, hi = pel->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (stream_id_cmp(pel->v[mid]->id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

stream_nack *stream_pel_find(const stream_pel *pel, stream_id id, size_t *pos)
{
    size_t i = pel->n && stream_id_cmp(pel->v[pel->n - 1]->id, id) < 0
                   ? pel->n
                   : stream_pel_lower(pel, id);
    if (pos) *pos = i;
    if (i < pel->n && stream_id_cmp(pel->v[i]->id, id) == 0) return pel->v[i];
    return NULL;
}

static void pel_insert(stream_pel *pel, stream_nack *n)
{
    size_t pos;
    if (stream_pel_find(pel, n->id, &pos)) return;
    if (pel->n == pel->cap) {
        pel->cap = pel->cap ? pel->cap * 2 : 8;
        pel->v = mem_realloc(pel->v, pel->cap * sizeof(*pel->v));
    }
    memmove(&pel->v[pos + 1], &pel->v[pos], (pel->n - pos) * sizeof(*pel->v));
    pel->v[pos] = n;
    pel->n++;
}

static void pel_remove(stream_pel *pel, stream_id id)
{
    size_t pos;
    if (!stream_pel_find(pel, id, &pos)) return;
    memmove(&pel->v[pos], &pel->v[pos + 1], (pel->n - pos - 1) * sizeof(*pel->v));
    pel->n--;
    if (pel->n == 0) {
        mem_free(pel->v);
        pel->v = NULL;
        pel->cap = 0;
    }
}

/* ---------------------------------------------------------------- groups */

static int name_cmp(const char *a, size_t alen, slice b)
{
    size_t n = alen < b.len ? alen : b.len;
    int c = n ? memcmp(a, b.p, n) : 0;
    if (c) return c;
    return alen < b.len ? -1 : alen > b.len;
}

static size_t group_pos(const stream *s, slice name, int *found)
{
    size_t lo = 0, hi = s->ngroups;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(s->groups[mid]->name, s->groups[mid]->nlen, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t consumer_pos(const stream_group *g, slice name, int *found)
{
    size_t lo = 0, hi = g->nconsumers;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(g->consumers[mid]->name, g->consumers[mid]->nlen, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static char *dup_name(slice name)
{
    char *p = mem_alloc(name.len + 1);
    if (name.len) memcpy(p, name.p, name.len);
    p[name.len] = 0;
    return p;
}

size_t stream_groups(const stream *s)
{
    return s->ngroups;
}

stream_group *stream_group_at(stream *s, size_t i)
{
    return i < s->ngroups ? s->groups[i] : NULL;
}

stream_group *stream_group_find(stream *s, slice name)
{
    int found;
    size_t i = group_pos(s, name, &found);
    return found ? s->groups[i] : NULL;
}

stream_group *stream_group_create(stream *s, slice name, stream_id last_id,
                                  long long entries_read)
{
    int found;
    size_t i = group_pos(s, name, &found);
    if (found) return NULL;
    stream_group *g = mem_calloc(sizeof(*g));
    g->name = dup_name(name);
    g->nlen = name.len;
    g->last_id = last_id;
    g->entries_read = entries_read;
    s->groups = mem_realloc(s->groups, (s->ngroups + 1) * sizeof(*s->groups));
    memmove(&s->groups[i + 1], &s->groups[i], (s->ngroups - i) * sizeof(*s->groups));
    s->groups[i] = g;
    s->ngroups++;
    return g;
}

static void consumer_free(stream_consumer *c)
{
    mem_free(c->pel.v);
    mem_free(c->name);
    mem_free(c);
}

static void group_free(stream_group *g)
{
    for (size_t i = 0; i < g->pel.n; i++) mem_free(g->pel.v[i]);
    mem_free(g->pel.v);
    for (size_t i = 0; i < g->nconsumers; i++) consumer_free(g->consumers[i]);
    mem_free(g->consumers);
    mem_free(g->name);
    mem_free(g);
}

int stream_group_destroy(stream *s, slice name)
{
    int found;
    size_t i = group_pos(s, name, &found);
    if (!found) return 0;
    group_free(s->groups[i]);
    memmove(&s->groups[i], &s->groups[i + 1], (s->ngroups - i - 1) * sizeof(*s->groups));
    s->ngroups--;
    return 1;
}

stream_consumer *stream_consumer_find(stream_group *g, slice name)
{
    int found;
    size_t i = consumer_pos(g, name, &found);
    return found ? g->consumers[i] : NULL;
}

stream_consumer *stream_consumer_get(stream_group *g, slice name, uint64_t now, int *created)
{
    int found;
    size_t i = consumer_pos(g, name, &found);
    if (created) *created = !found;
    if (found) return g->consumers[i];
    stream_consumer *c = mem_calloc(sizeof(*c));
    c->name = dup_name(name);
    c->nlen = name.len;
    c->seen_time = now;
    g->consumers = mem_realloc(g->consumers, (g->nconsumers + 1) * sizeof(*g->consumers));
    memmove(&g->consumers[i + 1], &g->consumers[i],
            (g->nconsumers - i) * sizeof(*g->consumers));
    g->consumers[i] = c;
    g->nconsumers++;
    return c;
}

uint64_t stream_consumer_delete(stream_group *g, stream_consumer *c)
{
    uint64_t n = c->pel.n;
    for (size_t i = 0; i < c->pel.n; i++) {
        stream_nack *nk = c->pel.v[i];
        pel_remove(&g->pel, nk->id);
        mem_free(nk);
    }
    int found;
    size_t i = consumer_pos(g, slice_of(c->name, c->nlen), &found);
    if (found) {
        memmove(&g->consumers[i], &g->consumers[i + 1],
                (g->nconsumers - i - 1) * sizeof(*g->consumers));
        g->nconsumers--;
    }
    consumer_free(c);
    return n;
}

stream_nack *stream_nack_add(stream_group *g, stream_consumer *c, stream_id id, uint64_t now)
{
    stream_nack *n = mem_calloc(sizeof(*n));
    n->id = id;
    n->delivery_time = now;
    n->delivery_count = 1;
    n->consumer = c;
    pel_insert(&g->pel, n);
    pel_insert(&c->pel, n);
    return n;
}

void stream_nack_move(stream_nack *n, stream_consumer *c)
{
    if (n->consumer == c) return;
    pel_remove(&n->consumer->pel, n->id);
    n->consumer = c;
    pel_insert(&c->pel, n);
}

int stream_nack_ack(stream_group *g, stream_id id)
{
    stream_nack *n = stream_pel_find(&g->pel, id, NULL);
    if (!n) return 0;
    pel_remove(&n->consumer->pel, id);
    pel_remove(&g->pel, id);
    mem_free(n);
    return 1;
}

/* ---------------------------------------------------------------- entries-read */

long long stream_estimate_read(stream *s, stream_id id)
{
    stream_meta *m = &s->meta;
    if (!m->entries_added) return 0;
    if (!s->length && stream_id_cmp(id, m->last_id) < 1) return (long long)m->entries_added;
    int cmp_last = stream_id_cmp(id, m->last_id);
    if (cmp_last == 0) return (long long)m->entries_added;
    if (cmp_last > 0) return STREAM_READ_UNKNOWN;
    int cmp_first = stream_id_cmp(id, m->first_id);
    if (stream_id_is_zero(m->max_deleted) || stream_id_cmp(m->max_deleted, m->first_id) < 0) {
        if (cmp_first < 0) return (long long)(m->entries_added - s->length);
        if (cmp_first == 0) return (long long)(m->entries_added - s->length + 1);
    }
    return STREAM_READ_UNKNOWN;
}

int stream_range_has_tombstones(stream *s, stream_id start, stream_id end)
{
    if (!s->length || stream_id_is_zero(s->meta.max_deleted)) return 0;
    /* every deletion lies before the first entry */
    if (stream_id_cmp(s->meta.first_id, s->meta.max_deleted) > 0) return 0;
    return stream_id_cmp(start, s->meta.max_deleted) <= 0 &&
           stream_id_cmp(s->meta.max_deleted, end) <= 0;
}

int stream_group_lag(stream *s, stream_group *g, long long *lag)
{
    if (!s->meta.entries_added) {
        *lag = 0;
        return 1;
    }
    if (g->entries_read != STREAM_READ_UNKNOWN &&
        !stream_range_has_tombstones(s, g->last_id, STREAM_ID_MAX)) {
        *lag = (long long)s->meta.entries_added - g->entries_read;
        return 1;
    }
    long long r = stream_estimate_read(s, g->last_id);
    if (r == STREAM_READ_UNKNOWN) return 0;
    *lag = (long long)s->meta.entries_added - r;
    return 1;
}

void stream_group_advance(stream *s, stream_group *g, stream_id id)
{
    if (stream_id_cmp(id, g->last_id) <= 0) return;
    if (g->entries_read != STREAM_READ_UNKNOWN &&
        !stream_range_has_tombstones(s, id, STREAM_ID_MAX))
        g->entries_read++;
    else if (s->meta.entries_added)
        g->entries_read = stream_estimate_read(s, id);
    g->last_id = id;
}

/* ---------------------------------------------------------------- dup, mem */

static stream_consumer *consumer_by_name(stream_group *g, const stream_consumer *c)
{
    return stream_consumer_find(g, slice_of(c->name, c->nlen));
}

static stream_group *group_dup(const stream_group *src)
{
    stream_group *g = mem_calloc(sizeof(*g));
    g->name = dup_name(slice_of(src->name, src->nlen));
    g->nlen = src->nlen;
    g->last_id = src->last_id;
    g->entries_read = src->entries_read;
    for (size_t i = 0; i < src->nconsumers; i++) {
        const stream_consumer *sc = src->consumers[i];
        stream_consumer *c = stream_consumer_get(g, slice_of(sc->name, sc->nlen), 0, NULL);
        c->seen_time = sc->seen_time;
    }
    for (size_t i = 0; i < src->pel.n; i++) {
        const stream_nack *sn = src->pel.v[i];
        stream_nack *n = stream_nack_add(g, consumer_by_name(g, sn->consumer), sn->id, 0);
        n->delivery_time = sn->delivery_time;
        n->delivery_count = sn->delivery_count;
    }
    return g;
}

stream *stream_dup(const stream *src)
{
    stream *s = stream_new();
    s->length = src->length;
    s->meta = src->meta;
    s->nchunks = s->chunkcap = src->nchunks;
    s->chunks = src->nchunks ? mem_alloc(src->nchunks * sizeof(*s->chunks)) : NULL;
    for (size_t i = 0; i < src->nchunks; i++) {
        const chunk *sc = src->chunks[i];
        chunk *ch = mem_alloc(sizeof(*ch));
        *ch = *sc;
        ch->cap = sc->len;
        ch->data = mem_dup(sc->data, sc->len);
        s->chunks[i] = ch;
    }
    s->ngroups = src->ngroups;
    s->groups = src->ngroups ? mem_alloc(src->ngroups * sizeof(*s->groups)) : NULL;
    for (size_t i = 0; i < src->ngroups; i++) s->groups[i] = group_dup(src->groups[i]);
    return s;
}

static size_t group_mem(const stream_group *g)
{
    size_t n = mem_usable(g) + mem_usable(g->name) + g->pel.cap * sizeof(void *) +
               g->pel.n * sizeof(stream_nack) + g->nconsumers * sizeof(void *);
    for (size_t i = 0; i < g->nconsumers; i++) {
        const stream_consumer *c = g->consumers[i];
        n += sizeof(*c) + c->nlen + 1 + c->pel.cap * sizeof(void *);
    }
    return n;
}

size_t stream_mem(const stream *s)
{
    size_t n = mem_usable(s) + s->chunkcap * sizeof(void *);
    for (size_t i = 0; i < s->nchunks; i++)
        n += sizeof(chunk) + s->chunks[i]->cap;
    for (size_t i = 0; i < s->ngroups; i++) n += group_mem(s->groups[i]);
    return n;
}

static void vt_free(void *p)
{
    stream_free(p);
}

static void *vt_dup(const void *p)
{
    return stream_dup(p);
}

static size_t vt_mem(const void *p)
{
    return stream_mem(p);
}

void stream_type_register(void)
{
    static const ks_value_type vt = {.free = vt_free, .dup = vt_dup, .mem = vt_mem};
    ks_register_type(OBJ_STREAM, &vt);
}
