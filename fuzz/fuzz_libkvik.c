/* fuzz_libkvik.c — libkvik's reply parsing: whatever a server sends, the
 * client returns replies or fails cleanly, within its limits.
 *
 * The first byte picks the protocol (bit 0: native, else RESP) and small
 * limits (bits 1-3: max_depth, bits 4-7: max_elements); the rest is what the
 * "server" sends, fed to a connection without a socket (kl_detached), which
 * is read until it fails. Every reply is walked (to touch every byte libkvik
 * claims) and freed; ASan and LeakSanitizer do the checking.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/kvik_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const kvik_reply *r)
{
    size_t sum = r->len + (size_t)r->type;
    if (r->str) sum += (size_t)(unsigned char)r->str[r->len]; /* the NUL */
    for (size_t i = 0; i < r->elements; i++) sum += walk(r->element[i]);
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    kvik_options o;
    kvik_options_init(&o);
    o.protocol = data[0] & 1 ? KVIK_NATIVE : KVIK_RESP;
    o.max_depth = 1 + ((data[0] >> 1) & 7);
    o.max_elements = 1 + (size_t)(data[0] >> 4) * 64;
    o.max_bulk = 1 << 20;
    kvik *k = kl_detached(&o);
    kl_feed(k, data + 1, size - 1);
    volatile size_t sink = 0;
    kvik_reply *r;
    while ((r = kvik_read(k)) != NULL) {
        sink += walk(r);
        kvik_reply_free(r);
    }
    (void)sink;
    kvik_close(k);
    return 0;
}
