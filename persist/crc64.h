/* persist/crc64.h — the CRC-64 that RDB files and DUMP payloads end with.
 *
 * CRC-64 with the Jones polynomial (0xad93d23594c935a9), reflected input and
 * output, initial value 0, no final xor: the checksum Redis uses, so that
 * files and payloads move between the two servers. Check value: the CRC of
 * "123456789" is 0xe9c6d914c4b8d9ca.
 */
#ifndef KV_PERSIST_CRC64_H
#define KV_PERSIST_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc over n more bytes (start with 0). */
uint64_t crc64(uint64_t crc, const void *p, size_t n);

#endif
