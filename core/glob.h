/* core/glob.h — glob-style matching as KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE
 * and ACL patterns use it: '*', '?', '[abc]', '[^a-z]', '\x' escapes.
 * Runs in O(len(pattern) * len(string)) time and constant stack, whatever the
 * pattern (no recursion, so hostile patterns cannot blow up). */
#ifndef KV_CORE_GLOB_H
#define KV_CORE_GLOB_H

#include <stddef.h>

/* 1 if str matches pattern. nocase compares ASCII letters case-insensitively. */
int glob_match(const char *pattern, size_t plen, const char *str, size_t slen, int nocase);

#endif
