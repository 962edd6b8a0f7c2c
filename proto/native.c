/* proto/native.c — frames of kvik's native protocol (see native.h and
 * docs/protocol.md).
 *
 *   +--------+--------+--------+--------+---------------------------+
 *   | cc pppppp pppppppp pppppppp pppppppp | payload (p bytes)       |
 *   +--------+--------+--------+--------+---------------------------+
 *     cc: compression (0 none, 1 gzip, 2 lz4, 3 zstd), p: 30-bit length,
 *     big-endian; the payload is p bytes as sent (compressed or not).
 *
 * Decompression never trusts the sender: a declared content size (gzip's
 * ISIZE, lz4's and zstd's frame content size) above max_out is refused before
 * any output is produced, and streaming output stops with an error as soon as
 * it would pass max_out, so a small frame that expands to gigabytes costs at
 * most max_out bytes of memory. A compressed payload must be exactly one
 * complete frame (gzip member, LZ4 frame, zstd frame) with no trailing bytes.
 *
 * Compression uses fast levels (gzip 1, lz4 default, zstd 1): replies are
 * compressed on the worker thread that sends them.
 */
#include "proto/native.h"

#include <stdio.h>
#include <string.h>

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#define ERRLEN 128
/* Output is produced in steps of at most this many bytes beyond what is known
 * to be needed, so a lying or absent declared size cannot make us reserve
 * max_out up front. */
#define STEP (256 * 1024)

const char *native_compression_name(int compression)
{
    switch (compression) {
    case NATIVE_NONE:
        return "none";
    case NATIVE_GZIP:
        return "gzip";
    case NATIVE_LZ4:
        return "lz4";
    case NATIVE_ZSTD:
        return "zstd";
    default:
        return "?";
    }
}

int native_frame_parse(const uint8_t *in, size_t len, size_t max_payload, native_frame *f,
                       char *err)
{
    f->frame_len = 0;
    if (len < NATIVE_HEADER_LEN) return NATIVE_AGAIN;
    uint32_t h = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 |
                 (uint32_t)in[3];
    size_t plen = h & NATIVE_MAX_PAYLOAD;
    if (plen > max_payload) {
        if (err)
            snprintf(err, ERRLEN, "frame payload of %zu bytes exceeds the limit of %zu",
                     plen, max_payload);
        return NATIVE_ERROR;
    }
    f->compression = (int)(h >> 30);
    f->len = plen;
    f->frame_len = NATIVE_HEADER_LEN + plen;
    f->payload = in + NATIVE_HEADER_LEN;
    if (len < f->frame_len) return NATIVE_AGAIN;
    return NATIVE_OK;
}

static int fail(char *err, const char *what, const char *detail)
{
    if (err) snprintf(err, ERRLEN, "%s: %s", what, detail);
    return NATIVE_ERROR;
}

static int too_big(char *err, const char *what, unsigned long long n, size_t max_out)
{
    if (err) {
        if (n)
            snprintf(err, ERRLEN, "%s: decompressed size %llu exceeds the limit of %zu",
                     what, n, max_out);
        else
            snprintf(err, ERRLEN, "%s: decompressed size exceeds the limit of %zu", what,
                     max_out);
    }
    return NATIVE_ERROR;
}

/* Makes room for the next output step: at least 1 byte beyond max_out is never
 * reserved; returns the writable span (0 when out already holds max_out). */
static size_t room(buf *out, size_t max_out, size_t hint)
{
    if (out->len >= max_out) return 0;
    size_t want = hint ? hint : STEP;
    if (want > STEP) want = STEP;
    if (want > max_out - out->len) want = max_out - out->len;
    buf_reserve(out, want);
    size_t avail = out->cap - out->len;
    return avail < max_out - out->len ? avail : max_out - out->len;
}

/* ---------------------------------------------------------------- gzip */

static int gunzip(const native_frame *f, size_t max_out, buf *out, char *err)
{
    /* The trailer's ISIZE is the size modulo 2^32: a declared size above the
     * limit is refused at once; a smaller one is only a hint (streaming stops
     * at the limit anyway). */
    size_t hint = 0;
    if (f->len >= 18) {
        const uint8_t *t = f->payload + f->len - 4;
        uint32_t isize = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
                         (uint32_t)t[3] << 24;
        if (isize > max_out) return too_big(err, "gzip", isize, max_out);
        hint = isize + 1;
    }
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return fail(err, "gzip", "cannot initialise");
    z.next_in = (Bytef *)(uintptr_t)f->payload;
    int rc = Z_OK;
    size_t left = f->len;
    for (;;) {
        uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
        z.avail_in = chunk;
        size_t span = room(out, max_out, hint > out->len ? hint - out->len : 0);
        if (span == 0) {
            /* Output is full: the stream must end exactly here (only the
             * trailer may follow). Probe with a one-byte window. */
            unsigned char probe;
            z.next_out = &probe;
            z.avail_out = 1;
            rc = inflate(&z, Z_NO_FLUSH);
            left -= chunk - z.avail_in;
            if (rc == Z_STREAM_END && z.avail_out == 1) break;
            int over = z.avail_out == 0;
            const char *m = z.msg ? z.msg : "truncated or corrupt data";
            inflateEnd(&z);
            return over ? too_big(err, "gzip", 0, max_out) : fail(err, "gzip", m);
        }
        if (span > (1u << 30)) span = 1u << 30;
        z.next_out = (Bytef *)out->p + out->len;
        z.avail_out = (uInt)span;
        rc = inflate(&z, Z_NO_FLUSH);
        out->len += span - z.avail_out;
        left -= chunk - z.avail_in;
        if (rc == Z_STREAM_END) break;
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
            inflateEnd(&z);
            return fail(err, "gzip", "truncated data");
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            const char *m = z.msg ? z.msg : "corrupt data";
            inflateEnd(&z);
            return fail(err, "gzip", m);
        }
    }
    size_t rest = left;
    inflateEnd(&z);
    if (rest) return fail(err, "gzip", "trailing bytes after the gzip member");
    return NATIVE_OK;
}

static size_t gzip_into(buf *out, const uint8_t *p, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    size_t bound = deflateBound(&z, (uLong)len) + 32;
    buf_reserve(out, bound);
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out->p + out->len;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    size_t n = bound - z.avail_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? n : 0;
}

/* ---------------------------------------------------------------- lz4 */

static int unlz4(const native_frame *f, size_t max_out, buf *out, char *err)
{
    LZ4F_dctx *d;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return fail(err, "lz4", "cannot initialise");
    LZ4F_frameInfo_t info;
    memset(&info, 0, sizeof(info));
    size_t in_len = f->len;
    size_t r = LZ4F_getFrameInfo(d, &info, f->payload, &in_len);
    if (LZ4F_isError(r)) {
        LZ4F_freeDecompressionContext(d);
        return fail(err, "lz4", LZ4F_getErrorName(r));
    }
    if (info.contentSize > max_out) {
        LZ4F_freeDecompressionContext(d);
        return too_big(err, "lz4", info.contentSize, max_out);
    }
    size_t pos = in_len;
    size_t hint = info.contentSize ? (size_t)info.contentSize + 1 : 0;
    int done = 0;
    while (!done) {
        size_t span = room(out, max_out, hint > out->len ? hint - out->len : 0);
        unsigned char probe;
        void *dst = span ? (void *)(out->p + out->len) : (void *)&probe;
        size_t dst_len = span ? span : 1;
        size_t src_len = f->len - pos;
        r = LZ4F_decompress(d, dst, &dst_len, f->payload + pos, &src_len, NULL);
        if (LZ4F_isError(r)) {
            LZ4F_freeDecompressionContext(d);
            return fail(err, "lz4", LZ4F_getErrorName(r));
        }
        pos += src_len;
        if (!span && dst_len) {
            LZ4F_freeDecompressionContext(d);
            return too_big(err, "lz4", 0, max_out);
        }
        out->len += span ? dst_len : 0;
        if (r == 0) {
            done = 1;
        } else if (dst_len == 0 && src_len == 0) {
            /* No progress: the frame needs bytes that are not there. */
            LZ4F_freeDecompressionContext(d);
            return fail(err, "lz4", "truncated frame");
        }
    }
    LZ4F_freeDecompressionContext(d);
    if (pos != f->len) return fail(err, "lz4", "trailing bytes after the frame");
    if (info.contentSize && out->len != info.contentSize)
        return fail(err, "lz4", "content size mismatch");
    return NATIVE_OK;
}

static size_t lz4_into(buf *out, const uint8_t *p, size_t len)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof(prefs));
    prefs.frameInfo.contentSize = len;
    size_t bound = LZ4F_compressFrameBound(len, &prefs);
    buf_reserve(out, bound);
    size_t n = LZ4F_compressFrame(out->p + out->len, bound, p, len, &prefs);
    return LZ4F_isError(n) ? 0 : n;
}

/* ---------------------------------------------------------------- zstd */

static int unzstd(const native_frame *f, size_t max_out, buf *out, char *err)
{
    unsigned long long cs = ZSTD_getFrameContentSize(f->payload, f->len);
    if (cs == ZSTD_CONTENTSIZE_ERROR) return fail(err, "zstd", "not a zstd frame");
    if (cs != ZSTD_CONTENTSIZE_UNKNOWN && cs > max_out)
        return too_big(err, "zstd", cs, max_out);
    size_t fsize = ZSTD_findFrameCompressedSize(f->payload, f->len);
    if (ZSTD_isError(fsize)) return fail(err, "zstd", ZSTD_getErrorName(fsize));
    if (fsize != f->len) return fail(err, "zstd", "trailing bytes after the frame");
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d) return fail(err, "zstd", "cannot initialise");
    /* The window is memory the decoder reserves: no more than the output may
     * hold, but at least the 8 MB every decoder should support, and never more
     * than zstd's default cap (128 MB). */
    int wlog = 23;
    while (wlog < 27 && ((size_t)1 << wlog) < max_out)
        wlog++;
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, wlog);
    ZSTD_inBuffer in = {f->payload, f->len, 0};
    size_t hint = cs != ZSTD_CONTENTSIZE_UNKNOWN ? (size_t)cs + 1 : 0;
    for (;;) {
        size_t span = room(out, max_out, hint > out->len ? hint - out->len : 0);
        unsigned char probe;
        ZSTD_outBuffer o = {span ? (void *)(out->p + out->len) : (void *)&probe,
                            span ? span : 1, 0};
        size_t r = ZSTD_decompressStream(d, &o, &in);
        if (ZSTD_isError(r)) {
            const char *m = ZSTD_getErrorName(r);
            ZSTD_freeDCtx(d);
            return fail(err, "zstd", m);
        }
        if (!span && o.pos) {
            ZSTD_freeDCtx(d);
            return too_big(err, "zstd", 0, max_out);
        }
        out->len += span ? o.pos : 0;
        if (r == 0) break;
        if (in.pos == in.size && o.pos < o.size) {
            ZSTD_freeDCtx(d);
            return fail(err, "zstd", "truncated frame");
        }
    }
    ZSTD_freeDCtx(d);
    if (cs != ZSTD_CONTENTSIZE_UNKNOWN && out->len != cs)
        return fail(err, "zstd", "content size mismatch");
    return NATIVE_OK;
}

static size_t zstd_into(buf *out, const uint8_t *p, size_t len)
{
    size_t bound = ZSTD_compressBound(len);
    buf_reserve(out, bound);
    size_t n = ZSTD_compress(out->p + out->len, bound, p, len, 1);
    return ZSTD_isError(n) ? 0 : n;
}

/* ---------------------------------------------------------------- API */

int native_decompress(const native_frame *f, size_t max_out, buf *out, char *err)
{
    out->len = 0;
    switch (f->compression) {
    case NATIVE_NONE:
        if (f->len > max_out) return too_big(err, "payload", f->len, max_out);
        return NATIVE_OK;
    case NATIVE_GZIP:
        return gunzip(f, max_out, out, err);
    case NATIVE_LZ4:
        return unlz4(f, max_out, out, err);
    case NATIVE_ZSTD:
        return unzstd(f, max_out, out, err);
    default:
        return fail(err, "frame", "unknown compression");
    }
}

static void put_header(char *p, int compression, size_t len)
{
    uint32_t h = (uint32_t)compression << 30 | (uint32_t)len;
    p[0] = (char)(h >> 24);
    p[1] = (char)(h >> 16);
    p[2] = (char)(h >> 8);
    p[3] = (char)h;
}

int native_frame_write(buf *out, const uint8_t *payload, size_t len, int compression,
                       size_t min_compress)
{
    size_t start = out->len;
    if (compression > NATIVE_NONE && compression <= NATIVE_ZSTD && len >= min_compress &&
        len > 0 && len <= 0xffffffffu) {
        buf_reserve(out, NATIVE_HEADER_LEN);
        out->len += NATIVE_HEADER_LEN;
        size_t n = 0;
        if (compression == NATIVE_GZIP)
            n = gzip_into(out, payload, len);
        else if (compression == NATIVE_LZ4)
            n = lz4_into(out, payload, len);
        else
            n = zstd_into(out, payload, len);
        if (n > 0 && n < len && n <= NATIVE_MAX_PAYLOAD) {
            put_header(out->p + start, compression, n);
            out->len += n;
            return compression;
        }
        out->len = start; /* no gain (or a failure): send it as it is */
    }
    if (len > NATIVE_MAX_PAYLOAD) return NATIVE_ERROR;
    buf_reserve(out, NATIVE_HEADER_LEN + len);
    put_header(out->p + out->len, NATIVE_NONE, len);
    out->len += NATIVE_HEADER_LEN;
    buf_append(out, payload, len);
    return NATIVE_NONE;
}
