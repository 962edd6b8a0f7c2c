/* proto/native_msg.c — ClientMessage/Request reader (see native_msg.h).
 *
 * Wire format reminder (protobuf): a message is a sequence of fields, each a
 * varint key (field_number << 3 | wire_type) then a value: wire type 0 a
 * varint, 1 eight bytes, 2 a varint length and that many bytes, 5 four bytes.
 * ClientMessage: field 1 (Hello) and 2 (Request), both wire type 2.
 * Request: field 1 (argv), repeated bytes, wire type 2.
 */
#include "proto/native_msg.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "proto/native.h"

#define ERRLEN 128

void native_msg_init(native_msg *m)
{
    memset(m, 0, sizeof(*m));
}

void native_msg_free(native_msg *m)
{
    mem_free(m->argv);
    memset(m, 0, sizeof(*m));
}

static int bad(char *err, const char *what)
{
    if (err) snprintf(err, ERRLEN, "invalid native message: %s", what);
    return NATIVE_ERROR;
}

/* Reads a varint of at most max bytes at *pos; 0 on success. Bits past 64
 * are dropped, as protobuf-c does. */
static int varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v, int max)
{
    uint64_t x = 0;
    for (int i = 0; i < max; i++) {
        if (*pos >= len) return -1;
        uint8_t b = p[(*pos)++];
        if (i < 10) x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* One field: its number, wire type, and for wire type 2 the (offset, length)
 * of its bytes. Advances *pos past it. 0 or -1 (err set). */
typedef struct field {
    uint32_t num;
    int wt;
    size_t off, len;
} field;

/* The limits follow protobuf-c, the decoder the rest of kvik uses, so that
 * both accept the same messages: keys of at most 5 bytes (a field number 0 is
 * refused only in a one-byte key), varints of at most 10 bytes, lengths of at
 * most 5 bytes taken modulo 2^32. */
static int next_field(const uint8_t *p, size_t len, size_t *pos, field *f, char *err)
{
    uint64_t key, v;
    size_t start = *pos;
    if (varint(p, len, pos, &key, 5) < 0) return bad(err, "bad field key");
    f->num = (uint32_t)(key >> 3);
    f->wt = (int)(key & 7);
    if (f->num == 0 && *pos - start == 1) return bad(err, "field number 0");
    switch (f->wt) {
    case 0:
        if (varint(p, len, pos, &v, 10) < 0) return bad(err, "bad varint");
        return 0;
    case 1:
        if (len - *pos < 8) return bad(err, "truncated fixed64");
        *pos += 8;
        return 0;
    case 5:
        if (len - *pos < 4) return bad(err, "truncated fixed32");
        *pos += 4;
        return 0;
    case 2:
        if (varint(p, len, pos, &v, 5) < 0) return bad(err, "bad length");
        v &= 0xffffffffu;
        if (v > len - *pos) return bad(err, "length past the end");
        f->off = *pos;
        f->len = (size_t)v;
        *pos += (size_t)v;
        return 0;
    default:
        return bad(err, "unsupported wire type");
    }
}

/* Reads the arguments of the Request in p[0..len) into m (appending). */
static int read_request(native_msg *m, const uint8_t *p, size_t len,
                        const native_msg_limits *lim, char *err)
{
    size_t pos = 0;
    field f;
    while (pos < len) {
        if (next_field(p, len, &pos, &f, err) < 0) return NATIVE_ERROR;
        if (f.num != 1) continue; /* unknown field: skipped */
        if (f.wt != 2) return bad(err, "Request.argv is not length-delimited");
        if (m->argc >= lim->max_args) {
            if (err)
                snprintf(err, ERRLEN, "too many arguments (limit %zu)", lim->max_args);
            return NATIVE_ERROR;
        }
        if (f.len > lim->max_arg_len) {
            if (err)
                snprintf(err, ERRLEN, "argument of %zu bytes exceeds the limit of %zu",
                         f.len, lim->max_arg_len);
            return NATIVE_ERROR;
        }
        if (m->argc == m->argv_cap) {
            m->argv_cap = m->argv_cap ? m->argv_cap * 2 : 16;
            m->argv = mem_realloc(m->argv, sizeof(slice) * m->argv_cap);
        }
        m->argv[m->argc++] = slice_of((const char *)p + f.off, f.len);
    }
    return NATIVE_OK;
}

int native_msg_parse_client(native_msg *m, const uint8_t *p, size_t len,
                            const native_msg_limits *lim, char *err)
{
    m->kind = NATIVE_MSG_NONE;
    m->argc = 0;
    size_t pos = 0;
    field f;
    while (pos < len) {
        if (next_field(p, len, &pos, &f, err) < 0) return NATIVE_ERROR;
        if (f.num != NATIVE_MSG_HELLO && f.num != NATIVE_MSG_REQUEST) continue;
        if (f.wt != 2) return bad(err, "message field is not length-delimited");
        if (f.num == NATIVE_MSG_HELLO) {
            /* The oneof switches to hello (its contents are read elsewhere). */
            m->kind = NATIVE_MSG_HELLO;
            m->argc = 0;
            continue;
        }
        m->argc = 0; /* the last occurrence wins (as protobuf-c decides) */
        m->kind = NATIVE_MSG_REQUEST;
        if (read_request(m, p + f.off, f.len, lim, err) < 0) return NATIVE_ERROR;
    }
    return NATIVE_OK;
}
