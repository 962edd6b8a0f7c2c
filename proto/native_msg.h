/* proto/native_msg.h — the Request path of kvik's native protocol without
 * copies: finds which message a ClientMessage payload holds and, for a
 * Request, its arguments as pointers into the payload.
 *
 * Requests are the hot path, so they are read straight from the Protocol
 * Buffers wire format (docs/protocol.md, proto/kvik.proto): no allocation per
 * message and no copy of the arguments, with the argument count and each
 * argument's length checked before anything is reserved for them. The rare
 * Hello is left to the generated decoder (protobuf-c). The result agrees with
 * protobuf-c's (fuzz/fuzz_native.c checks it): unknown fields are skipped, the
 * last member of the oneof wins, and when the request field occurs more than
 * once the last occurrence is the Request (protobuf-c does not merge oneof
 * members). Like every parser here it does no I/O and never reads outside
 * (p, len).
 */
#ifndef KV_PROTO_NATIVE_MSG_H
#define KV_PROTO_NATIVE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

/* Which member of ClientMessage.msg is set (the field numbers of kvik.proto). */
enum { NATIVE_MSG_NONE = 0, NATIVE_MSG_HELLO = 1, NATIVE_MSG_REQUEST = 2 };

typedef struct native_msg_limits {
    size_t max_args;    /* most arguments in a Request (proto-max-multibulk-len) */
    size_t max_arg_len; /* longest argument (proto-max-bulk-len) */
} native_msg_limits;

typedef struct native_msg {
    int kind;    /* NATIVE_MSG_* */
    size_t argc; /* REQUEST: the arguments, slices into the payload passed in */
    slice *argv; /* owned by the struct, reused from call to call */
    size_t argv_cap;
} native_msg;

void native_msg_init(native_msg *m);
void native_msg_free(native_msg *m);

/* Reads the ClientMessage in p[0..len). NATIVE_OK (0): m->kind says which
 * message; for a Request m->argv points into p (valid while p is). NATIVE_ERROR
 * (-2): malformed wire data or a limit passed; err (128 bytes) says which. */
int native_msg_parse_client(native_msg *m, const uint8_t *p, size_t len,
                            const native_msg_limits *lim, char *err);

#endif
