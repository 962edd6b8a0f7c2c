/* fuzz/fuzz_rdb.c — libFuzzer target for the RDB reader (persist/rdb +
 * types/serial), below the keyspace.
 *
 * The first input byte picks the mode; the rest is the data:
 *
 *   byte0 & 1 == 0   a DUMP payload body as RESTORE reads it after its version
 *                    and checksum passed: type byte, value, nothing after it
 *   byte0 & 1 == 1   a whole file: "REDIS00vv", opcodes (AUX, SELECTDB,
 *                    RESIZEDB, EXPIRETIME[_MS], IDLE, FREQ, FUNCTION2) and
 *                    entries up to EOF, walked as snapshot.c's loader does
 *                    (minus the checksum, which mutations would never pass)
 *   byte0 & 2        small encoding limits (8 entries / 16 bytes), so that
 *                    loading converts between encodings far more often
 *
 * For every value read successfully: it is written back with serial_write /
 * rdbw_string (compression on when byte0 & 4) and that output must read back
 * to a value of the same type and size (strings: the same bytes); writing
 * that again must give the same bytes for lists, and be stable from the
 * second write on for sorted sets (see round_trip). No crash, no leak, no over-read (the data ends where the input
 * does).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "db/ks.h"
#include "persist/rdb.h"
#include "types/hash.h"
#include "types/list.h"
#include "types/serial.h"
#include "types/set.h"
#include "types/zset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The value types register their keyspace callbacks at start-up; the
 * keyspace (db/ks.c) is not linked here and nothing calls this. */
void ks_register_type(int objtype, const ks_value_type *t)
{
    (void)objtype;
    (void)t;
}

#define CHECK(c)                                                                       \
    do {                                                                               \
        if (!(c)) {                                                                    \
            fprintf(stderr, "fuzz_rdb: check failed: %s (line %d)\n", #c, __LINE__);   \
            abort();                                                                   \
        }                                                                              \
    } while (0)

/* Longest string accepted (also bounds LZF output allocations). */
#define MAX_STRING (1u << 20)

static serial_limits limits(int small)
{
    serial_limits l;
    l.hash.max_entries = small ? 8 : 128;
    l.hash.max_value = small ? 16 : 64;
    l.set = (set_limits){.intset_entries = small ? 8 : 512,
                         .listpack_entries = small ? 8 : 128,
                         .listpack_value = small ? 16 : 64};
    l.zset = (zset_limits){.max_entries = small ? 8 : 128, .max_value = small ? 16 : 64};
    l.list_fill = small ? 4 : -2;
    return l;
}

static size_t value_size(int objtype, void *v)
{
    switch (objtype) {
    case OBJ_LIST: return list_len(v);
    case OBJ_SET: return set_size(v);
    case OBJ_ZSET: return zset_size(v);
    case OBJ_HASH: return hash_len(v);
    default: return 0;
    }
}

/* Writes a value as a DUMP body would be (type byte, value). */
static void write_value(buf *out, const serial_value *v, int compress)
{
    rdb_out o;
    rdbw_init(&o, -1, compress);
    if (v->objtype == OBJ_STRING) {
        rdbw_u8(&o, RDB_TYPE_STRING);
        rdbw_string(&o, v->str.p, v->str.len);
    } else {
        rdbw_u8(&o, serial_type(v->objtype, v->value));
        serial_write(&o, v->objtype, v->value);
    }
    *out = o.b;
}

/* Reads a DUMP body that must be valid and end exactly; returns the value. */
static void read_back(const buf *b, const serial_limits *lim, serial_value *v, rdb_in *in)
{
    rdbr_init(in, b->p, b->len, MAX_STRING);
    int type;
    CHECK(rdbr_u8(in, &type) == 0);
    CHECK(serial_read(in, type, lim, v) == 0);
    CHECK(in->pos == b->len);
}

/* The round trip of one value that was read successfully. */
static void round_trip(const serial_value *v, const serial_limits *lim, int compress)
{
    if (v->objtype < 0) return; /* an empty collection: skipped by loaders */
    buf first;
    write_value(&first, v, compress);
    serial_value again;
    rdb_in in;
    read_back(&first, lim, &again, &in);
    CHECK(again.objtype == v->objtype);
    if (v->objtype == OBJ_STRING) {
        CHECK(again.str.len == v->str.len);
        CHECK(v->str.len == 0 || memcmp(again.str.p, v->str.p, v->str.len) == 0);
    } else {
        CHECK(value_size(again.objtype, again.value) == value_size(v->objtype, v->value));
        buf second;
        write_value(&second, &again, compress);
        /* Sets and hashes iterate in an order that may depend on how they
         * were built; lists must write the same bytes again. Sorted sets
         * may normalise a score once (a -0.0 stored in a listpack comes
         * back as 0), so theirs must be stable from the second write on. */
        if (v->objtype == OBJ_LIST) {
            CHECK(second.len == first.len);
            CHECK(memcmp(second.p, first.p, first.len) == 0);
        } else if (v->objtype == OBJ_ZSET) {
            serial_value third_v;
            rdb_in in3;
            read_back(&second, lim, &third_v, &in3);
            buf third;
            write_value(&third, &third_v, compress);
            CHECK(third.len == second.len);
            CHECK(memcmp(third.p, second.p, second.len) == 0);
            buf_free(&third);
            serial_free(third_v.objtype, third_v.value);
            rdbr_free(&in3);
        }
        buf_free(&second);
        serial_free(again.objtype, again.value);
    }
    rdbr_free(&in);
    buf_free(&first);
}

/* Reads one value of type rdbtype from in and checks its round trip. */
static int one_value(rdb_in *in, int rdbtype, const serial_limits *lim, int compress)
{
    serial_value v;
    if (serial_read(in, rdbtype, lim, &v) < 0) {
        CHECK(in->err != NULL);
        return -1;
    }
    round_trip(&v, lim, compress);
    if (v.objtype > OBJ_STRING) serial_free(v.objtype, v.value);
    return 0;
}

static void fuzz_payload(const uint8_t *p, size_t n, const serial_limits *lim, int compress)
{
    rdb_in in;
    rdbr_init(&in, p, n, MAX_STRING);
    int type;
    if (rdbr_u8(&in, &type) == 0) one_value(&in, type, lim, compress);
    CHECK(in.pos <= n);
    rdbr_free(&in);
}

static void fuzz_file(const uint8_t *p, size_t n, const serial_limits *lim, int compress)
{
    rdb_in in;
    rdbr_init(&in, p, n, MAX_STRING);
    const unsigned char *h;
    if (rdbr_bytes(&in, 9, &h) < 0 || memcmp(h, "REDIS", 5) != 0) goto out;
    for (int entries = 0; entries < 10000;) {
        int op;
        uint64_t a, b;
        slice s;
        long long ms;
        uint32_t secs;
        if (rdbr_u8(&in, &op) < 0) break;
        if (op == RDB_OP_EOF) break;
        int rc = 0;
        switch (op) {
        case RDB_OP_SELECTDB: rc = rdbr_len(&in, &a, NULL); break;
        case RDB_OP_RESIZEDB:
            rc = rdbr_len(&in, &a, NULL);
            if (rc == 0) rc = rdbr_len(&in, &b, NULL);
            break;
        case RDB_OP_AUX:
            rc = rdbr_string(&in, &s);
            if (rc == 0) rc = rdbr_string(&in, &s);
            break;
        case RDB_OP_EXPIRETIME_MS: rc = rdbr_ms(&in, &ms); break;
        case RDB_OP_EXPIRETIME: rc = rdbr_u32(&in, &secs); break;
        case RDB_OP_IDLE: rc = rdbr_len(&in, &a, NULL); break;
        case RDB_OP_FREQ: rc = rdbr_u8(&in, &op); break;
        case RDB_OP_FUNCTION2: rc = rdbr_string(&in, &s); break;
        default: {
            /* An entry: the key, then the value (which may reuse in->tmp). */
            rc = rdbr_string(&in, &s);
            if (rc == 0) rc = one_value(&in, op, lim, compress);
            entries++;
        }
        }
        if (rc < 0) break;
    }
    CHECK(in.pos <= n);
out:
    rdbr_free(&in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int mode = data[0];
    serial_limits lim = limits(mode & 2);
    int compress = (mode & 4) != 0;
    /* An exact-size heap copy, so that any over-read is caught by ASan. */
    uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
    memcpy(copy, data + 1, size - 1);
    if (mode & 1)
        fuzz_file(copy, size - 1, &lim, compress);
    else
        fuzz_payload(copy, size - 1, &lim, compress);
    free(copy);
    return 0;
}
