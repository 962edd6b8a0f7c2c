/* persist/rdb.c — RDB building blocks (see rdb.h). */
#include "persist/rdb.h"

#include <errno.h>
#include <liblzf/lzf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/util.h"
#include "persist/crc64.h"

#define FLUSH_AT (64 * 1024)

/* ---------------------------------------------------------------- writer */

void rdbw_init(rdb_out *o, int fd, int compress)
{
    memset(o, 0, sizeof(*o));
    o->fd = fd;
    o->compress = compress;
}

int rdbw_flush(rdb_out *o)
{
    if (o->fd < 0 || o->err) return o->err ? -1 : 0;
    size_t off = 0;
    while (off < o->b.len) {
        ssize_t n = write(o->fd, o->b.p + off, o->b.len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            o->err = errno;
            return -1;
        }
        off += (size_t)n;
    }
    o->b.len = 0;
    return 0;
}

void rdbw_free(rdb_out *o)
{
    buf_free(&o->b);
}

void rdbw_bytes(rdb_out *o, const void *p, size_t n)
{
    o->crc = crc64(o->crc, p, n);
    o->total += n;
    buf_append(&o->b, p, n);
    if (o->fd >= 0 && o->b.len >= FLUSH_AT) rdbw_flush(o);
}

void rdbw_u8(rdb_out *o, int v)
{
    unsigned char c = (unsigned char)v;
    rdbw_bytes(o, &c, 1);
}

void rdbw_len(rdb_out *o, uint64_t len)
{
    unsigned char b[9];
    size_t n;
    if (len < (1 << 6)) {
        b[0] = (unsigned char)len;
        n = 1;
    } else if (len < (1 << 14)) {
        b[0] = (unsigned char)(0x40 | (len >> 8));
        b[1] = (unsigned char)len;
        n = 2;
    } else if (len <= UINT32_MAX) {
        b[0] = 0x80;
        for (int i = 0; i < 4; i++) b[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        n = 5;
    } else {
        b[0] = 0x81;
        for (int i = 0; i < 8; i++) b[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 9;
    }
    rdbw_bytes(o, b, n);
}

/* Writes v with the smallest integer string encoding; 0 if it does not fit one. */
static int write_int_enc(rdb_out *o, long long v)
{
    unsigned char b[5];
    size_t n;
    if (v >= INT8_MIN && v <= INT8_MAX) {
        b[0] = 0xC0;
        b[1] = (unsigned char)v;
        n = 2;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        b[0] = 0xC1;
        b[1] = (unsigned char)v;
        b[2] = (unsigned char)(v >> 8);
        n = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        b[0] = 0xC2;
        for (int i = 0; i < 4; i++) b[1 + i] = (unsigned char)((unsigned long long)v >> (8 * i));
        n = 5;
    } else {
        return 0;
    }
    rdbw_bytes(o, b, n);
    return 1;
}

/* LZF-compresses p into the output if it saves space; 1 if written. */
static int write_lzf(rdb_out *o, const void *p, size_t len)
{
    if (len <= 20 || len > UINT32_MAX) return 0;
    size_t cap = len - 4;
    char stack[1024];
    char *out = cap <= sizeof(stack) ? stack : mem_alloc(cap);
    unsigned int clen = lzf_compress(p, (unsigned int)len, out, (unsigned int)cap);
    if (clen) {
        rdbw_u8(o, 0xC3);
        rdbw_len(o, clen);
        rdbw_len(o, len);
        rdbw_bytes(o, out, clen);
    }
    if (out != stack) mem_free(out);
    return clen != 0;
}

void rdbw_string(rdb_out *o, const void *p, size_t len)
{
    long long v;
    if (len <= 11 && util_str2ll(p, len, &v) && write_int_enc(o, v)) return;
    if (o->compress && write_lzf(o, p, len)) return;
    rdbw_len(o, len);
    rdbw_bytes(o, p, len);
}

void rdbw_string_ll(rdb_out *o, long long v)
{
    if (write_int_enc(o, v)) return;
    char tmp[24];
    int n = util_ll2str(tmp, sizeof(tmp), v);
    rdbw_len(o, (uint64_t)n);
    rdbw_bytes(o, tmp, (size_t)n);
}

void rdbw_double_bin(rdb_out *o, double d)
{
    unsigned char b[8];
    memcpy(b, &d, 8); /* little-endian host */
    rdbw_bytes(o, b, 8);
}

void rdbw_ms(rdb_out *o, long long ms)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((unsigned long long)ms >> (8 * i));
    rdbw_bytes(o, b, 8);
}

void rdbw_header(rdb_out *o)
{
    char h[16];
    snprintf(h, sizeof(h), "REDIS%04d", RDB_VERSION);
    rdbw_bytes(o, h, 9);
}

void rdbw_aux(rdb_out *o, const char *key, const char *val)
{
    rdbw_u8(o, RDB_OP_AUX);
    rdbw_string(o, key, strlen(key));
    rdbw_string(o, val, strlen(val));
}

void rdbw_footer(rdb_out *o, int checksum)
{
    rdbw_u8(o, RDB_OP_EOF);
    uint64_t crc = checksum ? o->crc : 0; /* 0: "not computed", loaders skip the check */
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(crc >> (8 * i));
    rdbw_bytes(o, b, 8);
}

/* ---------------------------------------------------------------- reader */

void rdbr_init(rdb_in *in, const void *p, size_t len, size_t max_string)
{
    memset(in, 0, sizeof(*in));
    in->p = p;
    in->len = len;
    in->max_string = max_string;
}

void rdbr_free(rdb_in *in)
{
    buf_free(&in->tmp);
}

int rdbr_fail(rdb_in *in, const char *why)
{
    if (!in->err) {
        in->err = why;
        in->err_pos = in->pos;
    }
    return -1;
}

int rdbr_bytes(rdb_in *in, size_t n, const unsigned char **p)
{
    if (in->err) return -1;
    if (n > in->len - in->pos) return rdbr_fail(in, "unexpected end of data");
    *p = in->p + in->pos;
    in->pos += n;
    return 0;
}

int rdbr_u8(rdb_in *in, int *v)
{
    const unsigned char *p;
    if (rdbr_bytes(in, 1, &p) < 0) return -1;
    *v = p[0];
    return 0;
}

int rdbr_u32(rdb_in *in, uint32_t *v)
{
    const unsigned char *p;
    if (rdbr_bytes(in, 4, &p) < 0) return -1;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return 0;
}

int rdbr_len(rdb_in *in, uint64_t *len, int *encoded)
{
    int b0;
    const unsigned char *p;
    if (encoded) *encoded = 0;
    if (rdbr_u8(in, &b0) < 0) return -1;
    switch (b0 >> 6) {
    case 0:
        *len = (uint64_t)(b0 & 0x3F);
        return 0;
    case 1:
        if (rdbr_bytes(in, 1, &p) < 0) return -1;
        *len = (uint64_t)(b0 & 0x3F) << 8 | p[0];
        return 0;
    case 2: {
        int n = b0 == 0x80 ? 4 : b0 == 0x81 ? 8 : 0;
        if (!n) return rdbr_fail(in, "invalid length encoding");
        if (rdbr_bytes(in, (size_t)n, &p) < 0) return -1;
        uint64_t v = 0;
        for (int i = 0; i < n; i++) v = v << 8 | p[i];
        *len = v;
        return 0;
    }
    default:
        if (!encoded) return rdbr_fail(in, "unexpected string encoding");
        *encoded = 1;
        *len = (uint64_t)(b0 & 0x3F);
        return 0;
    }
}

int rdbr_count(rdb_in *in, uint64_t *n)
{
    if (rdbr_len(in, n, NULL) < 0) return -1;
    if (*n > in->len - in->pos) return rdbr_fail(in, "element count larger than the data");
    return 0;
}

static int read_int_string(rdb_in *in, int enc, slice *s)
{
    int n = enc == 0 ? 1 : enc == 1 ? 2 : 4;
    const unsigned char *p;
    if (rdbr_bytes(in, (size_t)n, &p) < 0) return -1;
    uint32_t u = 0;
    for (int i = 0; i < n; i++) u |= (uint32_t)p[i] << (8 * i);
    long long v = n == 1 ? (int8_t)u : n == 2 ? (int16_t)u : (int32_t)u;
    buf_reserve(&in->tmp, 24);
    in->tmp.len = (size_t)util_ll2str(in->tmp.p, 24, v);
    *s = slice_of(in->tmp.p, in->tmp.len);
    return 0;
}

static int read_lzf_string(rdb_in *in, slice *s)
{
    uint64_t clen, len;
    const unsigned char *p;
    if (rdbr_len(in, &clen, NULL) < 0 || rdbr_len(in, &len, NULL) < 0) return -1;
    if (len > in->max_string || len > UINT32_MAX) return rdbr_fail(in, "string too long");
    if (clen > UINT32_MAX || rdbr_bytes(in, (size_t)clen, &p) < 0)
        return rdbr_fail(in, "unexpected end of data");
    buf_reserve(&in->tmp, (size_t)len + 1);
    unsigned int got = len ? lzf_decompress(p, (unsigned int)clen, in->tmp.p, (unsigned int)len) : 0;
    if (got != len) return rdbr_fail(in, "invalid LZF compressed string");
    in->tmp.len = (size_t)len;
    *s = slice_of(in->tmp.p, in->tmp.len);
    return 0;
}

int rdbr_string(rdb_in *in, slice *s)
{
    uint64_t len;
    int enc;
    if (rdbr_len(in, &len, &enc) < 0) return -1;
    if (enc) {
        if (len <= 2) return read_int_string(in, (int)len, s);
        if (len == 3) return read_lzf_string(in, s);
        return rdbr_fail(in, "unknown string encoding");
    }
    if (len > in->max_string) return rdbr_fail(in, "string too long");
    const unsigned char *p;
    if (rdbr_bytes(in, (size_t)len, &p) < 0) return -1;
    *s = slice_of((const char *)p, (size_t)len);
    return 0;
}

int rdbr_double_bin(rdb_in *in, double *d)
{
    const unsigned char *p;
    if (rdbr_bytes(in, 8, &p) < 0) return -1;
    memcpy(d, p, 8);
    return 0;
}

int rdbr_double_str(rdb_in *in, double *d)
{
    int n;
    if (rdbr_u8(in, &n) < 0) return -1;
    if (n == 253) {
        *d = NAN;
        return 0;
    }
    if (n == 254 || n == 255) {
        *d = n == 254 ? INFINITY : -INFINITY;
        return 0;
    }
    const unsigned char *p;
    if (rdbr_bytes(in, (size_t)n, &p) < 0) return -1;
    char tmp[256];
    memcpy(tmp, p, (size_t)n);
    tmp[n] = 0;
    char *end;
    *d = strtod(tmp, &end);
    if (end == tmp || *end) return rdbr_fail(in, "invalid double");
    return 0;
}

int rdbr_ms(rdb_in *in, long long *ms)
{
    const unsigned char *p;
    if (rdbr_bytes(in, 8, &p) < 0) return -1;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    *ms = (long long)v;
    return 0;
}
