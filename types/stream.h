/* types/stream.h — the stream value type: an append-only log of entries, each
 * a 128-bit ID (ms-seq) and a list of field/value pairs, plus consumer groups
 * with their pending entries lists (PEL).
 *
 * Entries live in chunks of packed bytes indexed by their first ID (layout in
 * stream.c). Deleted entries are flagged, not removed; a chunk whose entries
 * are all deleted is freed. Consumer groups, consumers and PELs are plain
 * records the command layer reads directly; they change only through the
 * functions below, which keep the group PEL and the per-consumer PELs in step.
 *
 * Ownership. The handle never moves. Slices handed out (fields, values, names)
 * point into the stream and stay valid only until it next changes. Names and
 * field/value bytes passed in are copied.
 *
 * Thread safety: none; the keyspace's shard locks cover a stream.
 */
#ifndef KV_TYPES_STREAM_H
#define KV_TYPES_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

typedef struct stream_id {
    uint64_t ms, seq;
} stream_id;

#define STREAM_ID_MIN ((stream_id){0, 0})
#define STREAM_ID_MAX ((stream_id){UINT64_MAX, UINT64_MAX})
/* An entries-read counter that is not known. */
#define STREAM_READ_UNKNOWN (-1LL)
/* Room for "ms-seq" with both parts at their maximum, plus NUL. */
#define STREAM_ID_STR 48

int stream_id_cmp(stream_id a, stream_id b);
/* id + 1 (the smallest greater ID); 0 if id is the maximum (id unchanged). */
int stream_id_incr(stream_id *id);
/* id - 1; 0 if id is 0-0. */
int stream_id_decr(stream_id *id);
int stream_id_is_zero(stream_id id);
/* Formats id as "ms-seq" into dst (>= STREAM_ID_STR bytes); returns the length. */
int stream_id_fmt(char *dst, stream_id id);
/* Parses "ms" or "ms-seq" (each part an unsigned 64-bit decimal, as Redis's
 * string2ull reads it). A missing seq becomes missing_seq. With star_ok,
 * "ms-*" is accepted and sets *star (which may otherwise be NULL). Returns 0,
 * or -1 for an invalid text. */
int stream_id_parse(const char *p, size_t len, uint64_t missing_seq, int star_ok,
                    stream_id *out, int *star);

typedef struct stream stream;

/* Chunk size limits (stream-node-max-bytes, stream-node-max-entries; 0 = no
 * limit). */
typedef struct stream_limits {
    long long max_bytes, max_entries;
} stream_limits;

stream *stream_new(void);
void stream_free(stream *s); /* s may be NULL */
stream *stream_dup(const stream *s);
size_t stream_mem(const stream *s);
/* Live entries. */
uint64_t stream_len(const stream *s);
/* Chunks in the index (XINFO radix-tree-keys). */
size_t stream_chunks(const stream *s);

/* Stream metadata, as XINFO STREAM reports it. */
typedef struct stream_meta {
    stream_id last_id;     /* last-generated-id */
    stream_id first_id;    /* recorded-first-entry-id (0-0 when empty) */
    stream_id max_deleted; /* max-deleted-entry-id */
    uint64_t entries_added;
} stream_meta;
stream_meta *stream_get_meta(stream *s);

/* Appends an entry of npairs field/value pairs (fv[2i], fv[2i+1]). id must
 * be greater than meta.last_id (the caller checks); updates last_id,
 * entries_added and first_id. */
void stream_append(stream *s, stream_id id, const slice *fv, size_t npairs,
                   const stream_limits *lim);
/* Deletes the entry with this ID: 1 if it existed (max_deleted and first_id
 * are updated). */
int stream_delete(stream *s, stream_id id);
/* 1 and *id of the first (last when last != 0) live entry, 0 if empty. */
int stream_edge(stream *s, int last, stream_id *id);

/* Trimming: by MAXLEN (keep at most maxlen entries) or MINID (drop entries
 * below minid). approx removes whole chunks only; limit (> 0) bounds the
 * entries removed (0 = none). Returns the number removed. */
typedef struct stream_trim_args {
    int by_minid;
    uint64_t maxlen;
    stream_id minid;
    int approx;
    long long limit;
} stream_trim_args;
uint64_t stream_trim(stream *s, const stream_trim_args *a);

/* Iterates the live entries with start <= ID <= end, upwards or (rev)
 * downwards. The stream must not change while iterating; call
 * stream_iter_done at the end. */
typedef struct stream_iter {
    stream *s;
    stream_id start, end;
    int rev;
    size_t ci;               /* chunk index */
    size_t pos;              /* forward: offset of the next entry */
    uint32_t *offs;          /* reverse: entry offsets of the current chunk */
    size_t noffs, offcap;
    int started;
    /* the current entry's pairs */
    const unsigned char *p, *mp; /* value/field cursor, master-field cursor */
    int same;
    uint64_t left;
} stream_iter;
void stream_iter_init(stream_iter *it, stream *s, stream_id start, stream_id end, int rev);
/* 1 with *id and *npairs for the next entry, 0 at the end. */
int stream_iter_next(stream_iter *it, stream_id *id, uint64_t *npairs);
/* The next field and value of the current entry (npairs times). */
void stream_iter_pair(stream_iter *it, slice *f, slice *v);
void stream_iter_done(stream_iter *it);
/* 1 if an entry with this ID is live. */
int stream_has(stream *s, stream_id id);

/* ---- consumer groups ---- */

typedef struct stream_consumer stream_consumer;

/* A pending entry: delivered to a consumer of a group, not yet acknowledged. */
typedef struct stream_nack {
    stream_id id;
    uint64_t delivery_time; /* unix ms */
    uint64_t delivery_count;
    stream_consumer *consumer;
} stream_nack;

/* A PEL: nacks ordered by ID (a sorted array; appends at the end are O(1)). */
typedef struct stream_pel {
    stream_nack **v;
    size_t n, cap;
} stream_pel;
/* The nack with this ID, or NULL; *pos (optional) is where it is or would go. */
stream_nack *stream_pel_find(const stream_pel *pel, stream_id id, size_t *pos);
/* Index of the first nack with ID >= id. */
size_t stream_pel_lower(const stream_pel *pel, stream_id id);

struct stream_consumer {
    char *name;
    size_t nlen;
    uint64_t seen_time; /* unix ms of its last read/claim */
    stream_pel pel;
};

typedef struct stream_group {
    char *name;
    size_t nlen;
    stream_id last_id;
    long long entries_read; /* STREAM_READ_UNKNOWN when not known */
    stream_pel pel;
    stream_consumer **consumers; /* ordered by name */
    size_t nconsumers;
} stream_group;

size_t stream_groups(const stream *s);
/* The i-th group in name order. */
stream_group *stream_group_at(stream *s, size_t i);
stream_group *stream_group_find(stream *s, slice name);
/* A new group, or NULL if the name exists. */
stream_group *stream_group_create(stream *s, slice name, stream_id last_id,
                                  long long entries_read);
/* 1 if the group existed (it is freed with its consumers and PEL). */
int stream_group_destroy(stream *s, slice name);

stream_consumer *stream_consumer_find(stream_group *g, slice name);
/* The consumer, created (seen now) if missing; *created tells which. */
stream_consumer *stream_consumer_get(stream_group *g, slice name, uint64_t now,
                                     int *created);
/* Deletes a consumer and its pending entries; returns how many it had. */
uint64_t stream_consumer_delete(stream_group *g, stream_consumer *c);

/* Adds a pending entry for id (not yet in g's PEL) owned by c, delivered now
 * (count 1). */
stream_nack *stream_nack_add(stream_group *g, stream_consumer *c, stream_id id,
                             uint64_t now);
/* Gives nack n to consumer c (no-op when it already owns it). */
void stream_nack_move(stream_nack *n, stream_consumer *c);
/* Acknowledges id: 1 if it was pending. */
int stream_nack_ack(stream_group *g, stream_id id);

/* Entries-read bookkeeping (Redis 7.0's rules). The logical position of id
 * counted from the first entry ever added, or STREAM_READ_UNKNOWN. */
long long stream_estimate_read(stream *s, stream_id id);
/* 1 if a deleted entry may lie in [start, end]. */
int stream_range_has_tombstones(stream *s, stream_id start, stream_id end);
/* The lag of group g: 1 with *lag when known. */
int stream_group_lag(stream *s, stream_group *g, long long *lag);
/* Moves g's last_id to id after delivering it (id > last_id), updating
 * entries_read as Redis does. */
void stream_group_advance(stream *s, stream_group *g, stream_id id);

/* ---- raw access, for persistence (types/serial_stream.c) ----
 *
 * A stream as stored: its chunks in order, each holding every entry appended
 * to it that is still stored, deleted ones (tombstones) included. This is the
 * shape of Redis's stream nodes: a chunk's base is the ID of its first entry
 * (the node's master ID) and "same" marks an entry whose field names equal
 * those of the chunk's first entry (the master fields). */
typedef struct stream_raw_entry {
    stream_id id;
    int deleted;
    int same;
    uint64_t npairs;
} stream_raw_entry;
/* The number of entries stored in chunk ci (tombstones included) and of live
 * ones among them. */
void stream_chunk_counts(const stream *s, size_t ci, uint64_t *entries, uint64_t *live);
/* Starts it on chunk ci (< stream_chunks(s)): stream_iter_next_raw yields
 * each stored entry of that chunk, in order, then 0; the pairs of each come
 * from stream_iter_pair as usual. No stream_iter_done is needed. */
void stream_iter_chunk(stream_iter *it, stream *s, size_t ci);
int stream_iter_next_raw(stream_iter *it, stream_raw_entry *e);

/* Rebuilding a stream (loading): appends a stored entry, live or a tombstone
 * (deleted), to the last chunk, or to a new one when new_chunk is set (or the
 * chunk reached its hard size). The ID must be greater than every stored one
 * (the caller checks). The length counts live entries; the metadata is left
 * alone (set it with stream_get_meta). Call stream_load_done at the end: it
 * drops chunks without a live entry and gives back unused memory. */
void stream_load_append(stream *s, stream_id id, int deleted, const slice *fv, size_t npairs,
                        int new_chunk);
void stream_load_done(stream *s);

/* Registers the type's free/dup/mem functions with the keyspace. */
void stream_type_register(void);

#endif
