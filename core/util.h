/* core/util.h — number/string conversions with Redis's exact rules, random
 * numbers, and small string helpers.
 *
 * Conversions take (pointer, length), never rely on NUL termination, and return
 * 1 on success and 0 on failure (nothing written on failure).
 */
#ifndef KV_CORE_UTIL_H
#define KV_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Strict integer parse as Redis's string2ll: optional '-', digits, no spaces, no
 * '+', no leading zeros (except "0" itself), no "-0", within long long range. */
int util_str2ll(const char *s, size_t len, long long *out);
/* Same for unsigned long long (no sign at all). */
int util_str2ull(const char *s, size_t len, unsigned long long *out);
/* Writes v in decimal to dst (NUL-terminated); returns the length, or 0 if dst
 * is too small (21 bytes always suffice). */
int util_ll2str(char *dst, size_t size, long long v);
int util_ull2str(char *dst, size_t size, unsigned long long v);

/* Double as Redis parses scores and floats: strtod on the whole string, no
 * leading/trailing space, "inf"/"+inf"/"-inf" (any case) accepted, NaN refused. */
int util_str2d(const char *s, size_t len, double *out);
/* long double as Redis's string2ld (INCRBYFLOAT): no spaces, NaN refused, at most
 * 5k characters. */
int util_str2ld(const char *s, size_t len, long double *out);
/* Formats a double as Redis replies it ("%.17g", "inf", "-inf", "nan");
 * returns the length. size >= 32 always suffices. */
int util_d2str(char *dst, size_t size, double v);
/* Formats a long double as INCRBYFLOAT does: "%.17Lf" with trailing zeros (and a
 * trailing '.') removed; returns the length, 0 on failure (inf/nan). size >= 5600
 * is always enough; 128 is enough for common values. */
int util_ld2str(char *dst, size_t size, long double v);

/* Memory sizes as redis.conf takes them: "1024", "1k" (1000), "1kb" (1024), "m",
 * "mb", "g", "gb", case-insensitive. */
int util_memtoull(const char *s, size_t len, unsigned long long *out);
/* Human-readable bytes as INFO prints them: "1.00K", "12.50M", "800B". */
void util_bytes_human(char *dst, size_t size, unsigned long long n);

/* Fast per-thread pseudo-random numbers (not cryptographic), seeded per thread
 * from the clock and the thread. */
uint64_t util_rand64(void);

/* Case-insensitive compare of a counted string with a C string: 1 if equal. */
int util_eq_nocase(const char *s, size_t len, const char *cstr);

#endif
