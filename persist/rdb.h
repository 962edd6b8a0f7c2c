/* persist/rdb.h — the RDB format's building blocks: opcodes, value types,
 * lengths, strings, numbers; a writer and a bounds-checked reader.
 *
 * An RDB file (version 10, Redis 7.0):
 *
 *   "REDIS0010" | aux fields | per database: SELECTDB n, RESIZEDB, entries |
 *   EOF (0xFF) | CRC-64 of everything before it (8 bytes, little-endian)
 *
 *   entry = [EXPIRETIME_MS t] [IDLE s | FREQ f] type key value
 *
 * Lengths are 1, 2, 5 or 9 bytes: 00xxxxxx (6 bits), 01xxxxxx xxxxxxxx (14
 * bits, big-endian), 0x80 + 32-bit BE, 0x81 + 64-bit BE; 11xxxxxx marks a
 * specially encoded string: 0/1/2 = integer in 1/2/4 bytes (LE), 3 = LZF
 * (compressed length, original length, data). A DUMP payload is one value:
 * type byte, value, RDB version (2 bytes LE), CRC-64 (8 bytes LE).
 *
 * The writer appends to a buffer, updating the CRC, and flushes it to a file
 * descriptor when one is given. The reader works on a memory region (a mapped
 * file or a payload), checks every length against what is left, and keeps the
 * first error with its byte offset.
 */
#ifndef KV_PERSIST_RDB_H
#define KV_PERSIST_RDB_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/slice.h"

#define RDB_VERSION 10

/* Value types. */
enum {
    RDB_TYPE_STRING = 0, RDB_TYPE_LIST = 1, RDB_TYPE_SET = 2, RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4, RDB_TYPE_ZSET_2 = 5, RDB_TYPE_MODULE = 6, RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9, RDB_TYPE_LIST_ZIPLIST = 10, RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12, RDB_TYPE_HASH_ZIPLIST = 13, RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15, RDB_TYPE_HASH_LISTPACK = 16, RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18, RDB_TYPE_STREAM_LISTPACKS_2 = 19,
};

/* Opcodes. */
enum {
    RDB_OP_FUNCTION2 = 245, RDB_OP_FUNCTION = 246, RDB_OP_MODULE_AUX = 247,
    RDB_OP_IDLE = 248, RDB_OP_FREQ = 249, RDB_OP_AUX = 250, RDB_OP_RESIZEDB = 251,
    RDB_OP_EXPIRETIME_MS = 252, RDB_OP_EXPIRETIME = 253, RDB_OP_SELECTDB = 254,
    RDB_OP_EOF = 255,
};

/* Quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2). */
enum { RDB_QL_PLAIN = 1, RDB_QL_PACKED = 2 };

/* ---- writer ---- */

typedef struct rdb_out {
    buf b;             /* bytes not yet flushed (all of them without a file) */
    int fd;            /* -1: keep everything in b */
    uint64_t crc;
    uint64_t total;    /* bytes written so far, flushed or not */
    int err;           /* errno of the first failed write, 0 if none */
    int compress;      /* LZF-compress long strings (rdbcompression) */
} rdb_out;

void rdbw_init(rdb_out *o, int fd, int compress);
/* Flushes what is buffered to the file (no-op without one). 0 or -1. */
int rdbw_flush(rdb_out *o);
/* Frees the buffer (after a flush, or to take o->b's bytes: see DUMP). */
void rdbw_free(rdb_out *o);
void rdbw_bytes(rdb_out *o, const void *p, size_t n);
void rdbw_u8(rdb_out *o, int v);
void rdbw_len(rdb_out *o, uint64_t len);
/* A string: as an integer encoding when it is a small canonical integer, LZF
 * compressed when that saves space and compression is on, raw otherwise. */
void rdbw_string(rdb_out *o, const void *p, size_t len);
void rdbw_string_ll(rdb_out *o, long long v);
void rdbw_double_bin(rdb_out *o, double d); /* 8 bytes LE (ZSET_2 scores) */
void rdbw_ms(rdb_out *o, long long ms);     /* 8 bytes LE */
/* Writes the file header / the EOF opcode and checksum. */
void rdbw_header(rdb_out *o);
void rdbw_aux(rdb_out *o, const char *key, const char *val);
void rdbw_footer(rdb_out *o, int checksum); /* checksum 0 writes 0 (rdbchecksum no) */

/* ---- reader ---- */

typedef struct rdb_in {
    const unsigned char *p;
    size_t len, pos;
    const char *err;   /* first error (static text), NULL if none */
    size_t err_pos;    /* where it happened */
    size_t max_string; /* longest string accepted (decompressed size too) */
    buf tmp;           /* decompressed / formatted strings */
} rdb_in;

void rdbr_init(rdb_in *in, const void *p, size_t len, size_t max_string);
void rdbr_free(rdb_in *in);
/* Records an error at the current position (the first one wins); returns -1. */
int rdbr_fail(rdb_in *in, const char *why);
int rdbr_u8(rdb_in *in, int *v);
int rdbr_bytes(rdb_in *in, size_t n, const unsigned char **p);
/* A length; *encoded set (and the length is the encoding number) for the
 * special string encodings. encoded may be NULL (then they are errors). */
int rdbr_len(rdb_in *in, uint64_t *len, int *encoded);
/* A length that counts elements still to read: refused when larger than
 * the bytes left (every element takes at least one byte). */
int rdbr_count(rdb_in *in, uint64_t *n);
/* A string. *s points into the region, or into in->tmp (valid until the next
 * rdbr_string call) for integer and LZF encodings. */
int rdbr_string(rdb_in *in, slice *s);
int rdbr_double_bin(rdb_in *in, double *d);
int rdbr_double_str(rdb_in *in, double *d); /* old ZSET scores */
int rdbr_ms(rdb_in *in, long long *ms);
int rdbr_u32(rdb_in *in, uint32_t *v);

#endif
