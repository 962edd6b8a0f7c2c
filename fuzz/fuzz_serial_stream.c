/* fuzz/fuzz_serial_stream.c — libFuzzer target for streams in the RDB format
 * (types/serial_stream.c).
 *
 * The first input byte picks the encoding (bit 0: 1 = RDB_TYPE_STREAM_LISTPACKS,
 * 0 = RDB_TYPE_STREAM_LISTPACKS_2); the rest is a stream value as it follows
 * the type byte in a DUMP payload. For every input: no crash, no over-read
 * (the input is copied to an exact-size buffer). For every accepted value: walking it
 * both ways agrees with its length, writing it gives a value that reads back,
 * and writing that one again gives the same bytes.
 *
 * Seeds (corpus/serial_stream/) are DUMP payloads of Redis 7.0 and kvik
 * streams without their type byte, version and CRC, prefixed with 0.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "db/ks.h"
#include "types/serial.h"
#include "types/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* types/stream.c registers itself with the keyspace; not linked here. */
void ks_register_type(int type, const ks_value_type *vt)
{
    (void)type;
    (void)vt;
}

#define CHECK(c)                                                                         \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            fprintf(stderr, "fuzz_serial_stream: check failed: %s (line %d)\n", #c,      \
                    __LINE__);                                                           \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static uint64_t count_walk(stream *s, int rev)
{
    stream_iter it;
    stream_id id, prev = {0, 0};
    uint64_t np, n = 0;
    stream_iter_init(&it, s, STREAM_ID_MIN, STREAM_ID_MAX, rev);
    while (stream_iter_next(&it, &id, &np)) {
        if (n) CHECK(rev ? stream_id_cmp(id, prev) < 0 : stream_id_cmp(id, prev) > 0);
        for (uint64_t i = 0; i < np; i++) {
            slice f, v;
            stream_iter_pair(&it, &f, &v);
        }
        prev = id;
        n++;
    }
    stream_iter_done(&it);
    return n;
}

static void write_value(stream *s, buf *out)
{
    rdb_out o;
    rdbw_init(&o, -1, 0);
    serial_stream_write(&o, s);
    CHECK(o.err == 0);
    buf_append(out, o.b.p, o.b.len);
    rdbw_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int type = (data[0] & 1) ? RDB_TYPE_STREAM_LISTPACKS : RDB_TYPE_STREAM_LISTPACKS_2;
    /* an exact-size copy, so that an over-read is caught */
    unsigned char *copy = malloc(size - 1 ? size - 1 : 1);
    memcpy(copy, data + 1, size - 1);
    rdb_in in;
    rdbr_init(&in, copy, size - 1, 1 << 20);
    void *v = NULL;
    int rc = serial_stream_read(&in, type, &v);
    rdbr_free(&in);
    free(copy);
    if (rc < 0) {
        CHECK(v == NULL);
        return 0;
    }
    stream *s = v;
    CHECK(count_walk(s, 0) == stream_len(s));
    CHECK(count_walk(s, 1) == stream_len(s));

    buf a = {0}, b = {0};
    write_value(s, &a);
    rdbr_init(&in, a.p, a.len, 1 << 20);
    void *v2 = NULL;
    CHECK(serial_stream_read(&in, RDB_TYPE_STREAM_LISTPACKS_2, &v2) == 0);
    CHECK(in.pos == a.len);
    rdbr_free(&in);
    CHECK(stream_len(v2) == stream_len(s));
    write_value(v2, &b);
    CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
    buf_free(&a);
    buf_free(&b);
    stream_free(v2);
    stream_free(s);
    return 0;
}
