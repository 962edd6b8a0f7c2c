/* fuzz/fuzz_acl.c — libFuzzer target for the ACL rule parser (server/acl_rules.c).
 *
 * The input is a list of ACL SETUSER arguments separated by newlines. They are
 * applied to a new user; when that succeeds, two invariants are checked:
 *   - the ACL LIST description, split back into arguments and applied to a
 *     fresh user, parses and describes identically (what ACL SAVE writes,
 *     ACL LOAD reads back);
 *   - a copy of the permissions describes identically.
 * Arguments holding spaces or parentheses inside patterns cannot survive the
 * space-separated aclfile form (as in Redis), so those inputs skip the first
 * check. Everything is freed per input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "server/acl_int.h"
#include "server/cmdtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cmd_init();
    return 0;
}

/* Splits s (len bytes) at sep into slices; returns the count. */
static int split(const char *s, size_t len, char sep, slice *out, int max)
{
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len && n < max; i++) {
        if (i == len || s[i] == sep) {
            if (i > start) out[n++] = slice_of(s + start, i - start);
            start = i + 1;
        }
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    enum { MAXARGS = 256 };
    slice args[MAXARGS];
    int n = split((const char *)data, size, '\n', args, MAXARGS);
    int roundtrip = 1;
    for (int i = 0; i < n; i++) {
        const char *p = args[i].p;
        size_t l = args[i].len;
        int sel = l >= 1 && (p[0] == '(' || p[l - 1] == ')');
        for (size_t j = 0; j < l; j++)
            if (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\0' ||
                (!sel && (p[j] == '(' || p[j] == ')')))
                roundtrip = 0;
        if (sel) roundtrip = 0; /* selector bodies are re-split by the parser itself */
    }
    acl_perm *perm = acl_perm_new();
    char err[512];
    if (acl_perm_apply(perm, args, n, err, sizeof(err)) == 0) {
        buf d1 = BUF_INIT, d2 = BUF_INIT, d3 = BUF_INIT;
        acl_perm_describe(perm, &d1);
        acl_perm *copy = acl_perm_dup(perm);
        acl_perm_describe(copy, &d3);
        if (d1.len != d3.len || memcmp(d1.p, d3.p, d1.len) != 0) abort();
        acl_perm_free(copy);
        if (roundtrip) {
            slice again[4 * MAXARGS];
            int m = split(d1.p, d1.len, ' ', again, 4 * MAXARGS);
            acl_perm *p2 = acl_perm_new();
            if (acl_perm_apply(p2, again, m, err, sizeof(err)) != 0) {
                fprintf(stderr, "description does not parse: %.*s\n%s\n", (int)d1.len,
                        d1.p, err);
                abort();
            }
            acl_perm_describe(p2, &d2);
            if (d1.len != d2.len || memcmp(d1.p, d2.p, d1.len) != 0) {
                fprintf(stderr, "round trip differs:\n%.*s\n%.*s\n", (int)d1.len, d1.p,
                        (int)d2.len, d2.p);
                abort();
            }
            acl_perm_free(p2);
        }
        buf_free(&d1);
        buf_free(&d2);
        buf_free(&d3);
    }
    acl_perm_free(perm);
    return 0;
}
