/* core/hash.h — hash functions.
 *
 * hash_bytes: SipHash-1-2 with a process-wide random key, for every hash table
 * that holds client-chosen keys (a fixed or weak hash would let a client force
 * collisions). hash_nocase hashes as if the bytes were lower case.
 * hash_crc16: CRC16-CCITT (XMODEM) as Redis Cluster uses it; hash_slot maps a key
 * to one of 16384 slots, honouring a non-empty {hash tag}.
 */
#ifndef KV_CORE_HASH_H
#define KV_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SLOTS 16384

/* Seeds the SipHash key from 16 bytes (call once at start, before any table is
 * used). Without a call the key is all zeros, which tests may rely on. */
void hash_set_seed(const uint8_t seed[16]);
/* Seeds from /dev/urandom (falls back to time and pid). */
void hash_seed_random(void);

uint64_t hash_bytes(const void *p, size_t len);
uint64_t hash_nocase(const void *p, size_t len);
uint16_t hash_crc16(const void *p, size_t len);
unsigned hash_slot(const void *key, size_t len);

#endif
