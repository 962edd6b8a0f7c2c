/* proto/native.h — frames of kvik's native protocol (docs/protocol.md).
 *
 * A frame is a 4-byte big-endian header, then the payload. The header's top
 * two bits give the payload's compression (NATIVE_* below), its low 30 bits
 * the payload length as sent. The payload (after decompression) is one
 * Protocol Buffers message of proto/kvik.proto: a ClientMessage from a client,
 * a ServerMessage from the server.
 *
 * This layer does no I/O and knows nothing of commands: it finds frames in the
 * bytes received so far, decompresses them within a limit, and builds frames
 * (compressing when asked). The server (server/native.c) and the client library
 * (lib/) both use it.
 */
#ifndef KV_PROTO_NATIVE_H
#define KV_PROTO_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum { NATIVE_NONE = 0, NATIVE_GZIP = 1, NATIVE_LZ4 = 2, NATIVE_ZSTD = 3 };

#define NATIVE_HEADER_LEN 4
#define NATIVE_MAX_PAYLOAD ((1u << 30) - 1)

/* Results (NATIVE_OK is 0, like RESP_OK). */
enum { NATIVE_OK = 0, NATIVE_AGAIN = -1, NATIVE_ERROR = -2 };

/* A frame found in the input: where its payload is and how it is compressed. */
typedef struct native_frame {
    int compression;     /* NATIVE_* */
    const uint8_t *payload;
    size_t len;          /* payload bytes as sent */
    size_t frame_len;    /* header + payload: what the caller consumes */
} native_frame;

/* Finds the frame at the start of buf[0..len). NATIVE_OK: *f filled.
 * NATIVE_AGAIN: more bytes needed (f->frame_len tells how many in all when the
 * header is complete, else 0). NATIVE_ERROR: the header announces more than
 * max_payload bytes; err (128 bytes) says so. */
int native_frame_parse(const uint8_t *buf, size_t len, size_t max_payload, native_frame *f,
                       char *err);

/* Decompresses f's payload into out (cleared first), refusing to produce more
 * than max_out bytes (a compression bomb is stopped, not expanded).
 * NATIVE_NONE copies nothing: the caller uses f->payload directly and out is
 * left empty. NATIVE_OK or NATIVE_ERROR with err set. */
int native_decompress(const native_frame *f, size_t max_out, buf *out, char *err);

/* Appends a frame holding payload[0..len) to out. If compression is not
 * NATIVE_NONE and len >= min_compress, the payload is compressed with it, unless
 * that does not make it smaller (then it goes uncompressed). Returns the
 * compression actually used, or NATIVE_ERROR (out unchanged) when the payload
 * cannot fit a frame (more than NATIVE_MAX_PAYLOAD bytes even compressed). */
int native_frame_write(buf *out, const uint8_t *payload, size_t len, int compression,
                       size_t min_compress);

/* Name of a compression ("none", "gzip", "lz4", "zstd"), or "?" . */
const char *native_compression_name(int compression);

#endif
