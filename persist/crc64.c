/* persist/crc64.c — CRC-64/Jones (see crc64.h), slicing by 8 bytes.
 *
 * tab[0] is the usual byte-at-a-time table of the reflected polynomial;
 * tab[k][b] is the CRC of byte b followed by k zero bytes, so eight table
 * look-ups advance the CRC by eight input bytes. */
#include "persist/crc64.h"

#include <pthread.h>
#include <string.h>

#define POLY_REFLECTED 0x95ac9329ac4bc9b5ULL /* 0xad93d23594c935a9 bit-reversed */

static uint64_t tab[8][256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_tables(void)
{
    for (int b = 0; b < 256; b++) {
        uint64_t c = (uint64_t)b;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY_REFLECTED : c >> 1;
        tab[0][b] = c;
    }
    for (int b = 0; b < 256; b++)
        for (int k = 1; k < 8; k++) tab[k][b] = (tab[k - 1][b] >> 8) ^ tab[0][tab[k - 1][b] & 0xff];
}

uint64_t crc64(uint64_t crc, const void *p, size_t n)
{
    pthread_once(&once, init_tables);
    const unsigned char *s = p;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8); /* little-endian host assumed (x86-64, arm64) */
        w ^= crc;
        crc = tab[7][w & 0xff] ^ tab[6][(w >> 8) & 0xff] ^ tab[5][(w >> 16) & 0xff] ^
              tab[4][(w >> 24) & 0xff] ^ tab[3][(w >> 32) & 0xff] ^ tab[2][(w >> 40) & 0xff] ^
              tab[1][(w >> 48) & 0xff] ^ tab[0][w >> 56];
        s += 8;
        n -= 8;
    }
    while (n--) crc = tab[0][(crc ^ *s++) & 0xff] ^ (crc >> 8);
    return crc;
}
