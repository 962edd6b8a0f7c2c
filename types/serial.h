/* types/serial.h — values in the RDB format: what SAVE, DUMP and the
 * loaders use for every type.
 *
 * Writing: kvik writes the encodings Redis 7.0 loads everywhere: strings
 * (integer-encoded or LZF-compressed when that is shorter), lists as
 * quicklists of listpacks, intsets for integer sets and plain forms for
 * other sets, hashes and sorted sets (RDB_TYPE_SET, _HASH, _ZSET_2; Redis
 * turns small ones back into listpacks as it loads them).
 *
 * Reading: every value type and encoding Redis 7.0 writes or can still load
 * (plain forms, zipmap, ziplist, intset, listpack, quicklist 1 and 2). The
 * input is untrusted: lengths are bounded by what is left of the data,
 * packed blobs are validated before use, duplicates are refused.
 */
#ifndef KV_TYPES_SERIAL_H
#define KV_TYPES_SERIAL_H

#include "core/slice.h"
#include "persist/rdb.h"
#include "types/hash.h"
#include "types/set.h"
#include "types/stream.h"
#include "types/zset.h"

typedef struct serial_limits {
    hash_limits hash;
    set_limits set;
    zset_limits zset;
    int list_fill; /* list-max-listpack-size */
} serial_limits;

/* The RDB type byte serial_write uses for a collection of OBJ_* type objtype
 * (strings: RDB_TYPE_STRING, written with rdbw_string). */
int serial_type(int objtype, const void *value);
/* Writes the value (after its type byte and key) of a collection. */
void serial_write(rdb_out *o, int objtype, const void *value);

/* A loaded value: a string (str valid until the next read from in) or a
 * collection (value, owned by the caller: serial_free or hand it to the
 * keyspace). objtype -1: the value was an empty collection (skip it). */
typedef struct serial_value {
    int objtype;
    int enc;
    void *value;
    slice str;
} serial_value;

/* Reads a value whose RDB type byte was rdbtype. 0, or -1 with in->err set. */
int serial_read(rdb_in *in, int rdbtype, const serial_limits *lim, serial_value *out);
void serial_free(int objtype, void *value);

/* ---- streams (types/serial_stream.c) ----
 * Written as RDB_TYPE_STREAM_LISTPACKS_2 (Redis 7.0); read from that type and
 * from RDB_TYPE_STREAM_LISTPACKS (6.x). An empty stream is a value (it is
 * kept, as Redis keeps it). serial_type/serial_write/serial_read/serial_free
 * call these for OBJ_STREAM. */
void serial_stream_write(rdb_out *o, const stream *s);
/* 0 with *out (a new stream), or -1 with in->err set. */
int serial_stream_read(rdb_in *in, int rdbtype, void **out);

#endif
