/* fuzz/fuzz_native.c — libFuzzer target for the native protocol's readers:
 * proto/native.c (frames, decompression) and proto/native_msg.c (the
 * ClientMessage/Request reader), cross-checked with protobuf-c.
 *
 * The input is a byte stream as a client would send it: frames one after the
 * other. Byte 0 is a control byte: bit 0 picks tiny limits (frames and
 * decompressed payloads of 4 KB, 4 arguments of 64 bytes) instead of large
 * ones, so both the limit paths and deep decoding get exercised. For each
 * frame:
 * 1. native_frame_parse on an exactly sized heap copy of the rest of the
 *    stream (ASan catches over-reads); an incomplete frame must say how long it
 *    is once its header is there.
 * 2. native_decompress within the limit: the output never exceeds it, and a
 *    failure leaves no partial success.
 * 3. native_msg_parse_client on the payload: every argument lies inside the
 *    payload, argc within the limit. Whenever protobuf-c accepts the payload
 *    as a ClientMessage, the reader must agree on its member and, for a
 *    Request within the limits, on every argument.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "proto/kvik.pb-c.h"
#include "proto/native.h"
#include "proto/native_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                         \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            fprintf(stderr, "fuzz_native: check failed: %s (line %d)\n", #c, __LINE__);  \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static void check_message(const uint8_t *p, size_t len, const native_msg_limits *lim)
{
    native_msg m;
    native_msg_init(&m);
    char err[128];
    int rc = native_msg_parse_client(&m, p, len, lim, err);
    CHECK(rc == NATIVE_OK || rc == NATIVE_ERROR);
    if (rc == NATIVE_OK) {
        CHECK(m.argc <= lim->max_args);
        for (size_t i = 0; i < m.argc; i++) {
            const uint8_t *a = (const uint8_t *)m.argv[i].p;
            CHECK(m.argv[i].len <= lim->max_arg_len);
            CHECK(a >= p && a + m.argv[i].len <= p + len);
        }
    }
    Kvik__ClientMessage *cm = kvik__client_message__unpack(NULL, len, p);
    if (cm) {
        if (cm->msg_case == KVIK__CLIENT_MESSAGE__MSG_REQUEST) {
            int within = cm->request->n_argv <= lim->max_args;
            for (size_t i = 0; within && i < cm->request->n_argv; i++)
                within = cm->request->argv[i].len <= lim->max_arg_len;
            if (within) {
                CHECK(rc == NATIVE_OK && m.kind == NATIVE_MSG_REQUEST);
                CHECK(m.argc == cm->request->n_argv);
                for (size_t i = 0; i < m.argc; i++) {
                    CHECK(m.argv[i].len == cm->request->argv[i].len);
                    CHECK(m.argv[i].len == 0 ||
                          memcmp(m.argv[i].p, cm->request->argv[i].data, m.argv[i].len) ==
                              0);
                }
            }
        } else if (rc == NATIVE_OK) {
            CHECK(m.kind == (int)cm->msg_case);
        }
        kvik__client_message__free_unpacked(cm, NULL);
    }
    native_msg_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int tiny = data[0] & 1;
    size_t max = tiny ? 4096 : (1u << 20);
    native_msg_limits lim = {tiny ? 4 : 1u << 20, tiny ? 64 : 1u << 20};
    data++;
    size--;
    size_t pos = 0;
    buf out = BUF_INIT;
    while (pos < size) {
        size_t left = size - pos;
        uint8_t *copy = malloc(left);
        memcpy(copy, data + pos, left);
        native_frame f;
        char err[128];
        int rc = native_frame_parse(copy, left, max, &f, err);
        if (rc != NATIVE_OK) {
            if (rc == NATIVE_AGAIN) {
                CHECK(left < NATIVE_HEADER_LEN ? f.frame_len == 0 : f.frame_len > left);
            }
            free(copy);
            break;
        }
        CHECK(f.frame_len == NATIVE_HEADER_LEN + f.len && f.frame_len <= left);
        CHECK(f.compression >= NATIVE_NONE && f.compression <= NATIVE_ZSTD);
        rc = native_decompress(&f, max, &out, err);
        CHECK(rc == NATIVE_OK || rc == NATIVE_ERROR);
        CHECK(out.len <= max);
        if (rc == NATIVE_OK) {
            if (f.compression == NATIVE_NONE) {
                CHECK(out.len == 0);
                check_message(f.payload, f.len, &lim);
            } else {
                /* An exactly sized copy, so the reader's bounds are checked. */
                uint8_t *pl = malloc(out.len ? out.len : 1);
                if (out.len) memcpy(pl, out.p, out.len);
                check_message(pl, out.len, &lim);
                free(pl);
            }
        }
        pos += f.frame_len;
        free(copy);
    }
    buf_free(&out);
    return 0;
}
