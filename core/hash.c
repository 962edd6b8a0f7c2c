/* core/hash.c — SipHash-1-2 (after the SipHash paper by Aumasson and Bernstein)
 * and CRC16-XMODEM. */
#include "core/hash.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t k0, k1;

void hash_set_seed(const uint8_t seed[16])
{
    memcpy(&k0, seed, 8);
    memcpy(&k1, seed + 8, 8);
}

void hash_seed_random(void)
{
    uint8_t seed[16];
    int fd = open("/dev/urandom", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, seed, sizeof(seed)) : -1;
    if (fd >= 0) close(fd);
    if (n != (ssize_t)sizeof(seed)) {
        uint64_t a = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        uint64_t b = (uint64_t)clock() * 0x9E3779B97F4A7C15ULL;
        memcpy(seed, &a, 8);
        memcpy(seed + 8, &b, 8);
    }
    hash_set_seed(seed);
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                   \
    do {                                                                           \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                  \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                     \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                     \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                  \
    } while (0)

static inline uint64_t load64(const uint8_t *p, int lower)
{
    uint64_t m;
    memcpy(&m, p, 8);
    if (lower) {
        uint8_t b[8];
        memcpy(b, p, 8);
        for (int i = 0; i < 8; i++) b[i] = (uint8_t)tolower(b[i]);
        memcpy(&m, b, 8);
    }
    return m;
}

static uint64_t siphash(const uint8_t *in, size_t len, int lower)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    const uint8_t *end = in + len - (len % 8);
    for (; in != end; in += 8) {
        uint64_t m = load64(in, lower);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = ((uint64_t)len) << 56;
    for (int i = (int)(len & 7) - 1; i >= 0; i--) {
        uint8_t c = lower ? (uint8_t)tolower(in[i]) : in[i];
        b |= ((uint64_t)c) << (8 * i);
    }
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t hash_bytes(const void *p, size_t len)
{
    return siphash(p, len, 0);
}

uint64_t hash_nocase(const void *p, size_t len)
{
    return siphash(p, len, 1);
}

static uint16_t crc16_table[256];

static void crc16_init(void)
{
    for (int i = 0; i < 256; i++) {
        uint16_t c = (uint16_t)(i << 8);
        for (int j = 0; j < 8; j++) c = (c & 0x8000) ? (uint16_t)((c << 1) ^ 0x1021) : (uint16_t)(c << 1);
        crc16_table[i] = c;
    }
}

uint16_t hash_crc16(const void *p, size_t len)
{
    if (!crc16_table[1]) crc16_init(); /* idempotent, so a race is harmless */
    const uint8_t *s = p;
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++)
        crc = (uint16_t)((crc << 8) ^ crc16_table[((crc >> 8) ^ s[i]) & 0xff]);
    return crc;
}

unsigned hash_slot(const void *key, size_t len)
{
    const char *k = key;
    const char *open = memchr(k, '{', len);
    if (open) {
        size_t start = (size_t)(open - k) + 1;
        const char *close = memchr(k + start, '}', len - start);
        if (close && close > k + start) {
            return hash_crc16(k + start, (size_t)(close - (k + start))) & (HASH_SLOTS - 1);
        }
    }
    return hash_crc16(k, len) & (HASH_SLOTS - 1);
}
