/* server/cmd_hll.c — the HyperLogLog commands: PFADD, PFCOUNT, PFMERGE and
 * PFDEBUG, plus their entries in the command table.
 *
 * A HyperLogLog is a plain string in the keyspace whose bytes follow Redis's
 * format (types/hll.h), so GET, SET, DUMP and snapshots carry it unchanged. A
 * command that changes one copies the stored bytes into a scratch hll_buf,
 * edits them there and stores the result back (keeping the TTL); PFCOUNT only
 * rewrites the 8 bytes of the cached cardinality in place.
 *
 * A string that does not carry the HLL header is refused with Redis's
 * WRONGTYPE text for HLLs; a body found malformed while it is used gives
 * "INVALIDOBJ Corrupted HLL object detected". Error order and replies follow
 * Redis 7.0.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "db/ks.h"
#include "server/cmdtab.h"
#include "server/notify.h"
#include "server/config.h"
#include "server/server.h"
#include "types/hll.h"

#define NOT_HLL_ERR "WRONGTYPE Key is not a valid HyperLogLog string value."
#define INVALID_HLL_ERR "INVALIDOBJ Corrupted HLL object detected"

/* ---------------------------------------------------------------- helpers */

/* Looks key up. Returns 1 with *ep (NULL when missing) and, for an existing
 * key, its bytes in *val (valid until the key changes; tmp backs integer
 * values) if the key is absent or an HLL; replies the error and returns 0. */
static int lookup_hll(client *c, slice key, int flags, kentry **ep, slice *val, char *tmp)
{
    kentry *e = ks_lookup(c->db, key, flags);
    *ep = e;
    if (!e) return 1;
    if (ke_type(e) != OBJ_STRING) {
        reply_err_wrongtype(c);
        return 0;
    }
    *val = ke_str(e, tmp);
    if (!hll_is_hll(val->p, val->len)) {
        reply_error(c, NOT_HLL_ERR);
        return 0;
    }
    return 1;
}

/* Makes the stored value raw (OBJECT ENCODING "raw"), as Redis does to any
 * HLL a PF command opens for writing. Invalidates pointers into the value. */
static void make_raw(client *c, kentry *e, size_t len)
{
    if (ke_enc(e) != ENC_RAW) ks_str_resize(c->db, &e, len);
}

/* Loads key's HLL into h (a new empty one if the key is missing). 1 on
 * success, 0 after replying an error. *existed tells which. */
static int load_hll(client *c, slice key, hll_buf *h, int *existed)
{
    kentry *e;
    slice v;
    char tmp[24];
    if (!lookup_hll(c, key, KS_WRITE, &e, &v, tmp)) return 0;
    *existed = e != NULL;
    if (!e) {
        hll_buf_empty(h);
        return 1;
    }
    if (hll_buf_load(h, v.p, v.len) < 0) {
        reply_error(c, INVALID_HLL_ERR);
        return 0;
    }
    make_raw(c, e, v.len);
    return 1;
}

/* Stores h at key, keeping the key's TTL, and signals the change (event: the
 * keyspace notification, NULL for none). */
static void store_hll(client *c, slice key, const hll_buf *h, long long dirty, const char *event)
{
    ks_set_str(c->db, key, slice_of((const char *)h->p, h->len), KS_KEEPTTL | KS_FORCE_RAW);
    key_modified(c->db, key);
    server_dirty(dirty);
    if (event) notify_event(NOTIFY_STRING, event, c->db, key);
}

static size_t sparse_max(void)
{
    long long v = cfg.hll_sparse_max_bytes;
    return v < 0 ? 0 : (size_t)v;
}

/* ---------------------------------------------------------------- PFADD */

static void pfadd_cmd(client *c)
{
    slice key = c->argv[1];
    hll_buf h;
    int existed;
    long long updated = 0;
    hll_buf_init(&h);
    if (!load_hll(c, key, &h, &existed)) goto out;
    if (!existed) updated++;
    for (int j = 2; j < c->argc; j++) {
        int rc = hll_add(&h, c->argv[j].p, c->argv[j].len, sparse_max());
        if (rc < 0) {
            /* As in Redis, registers already raised stay raised. */
            if (updated) store_hll(c, key, &h, updated, NULL);
            reply_error(c, INVALID_HLL_ERR);
            goto out;
        }
        updated += rc;
    }
    if (updated) {
        hll_cache_invalidate(h.p);
        store_hll(c, key, &h, updated, "pfadd");
    }
    reply_int(c, updated ? 1 : 0);
out:
    hll_buf_free(&h);
}

/* ---------------------------------------------------------------- PFCOUNT */

/* One key: answers from the cached cardinality, or computes it and caches it
 * in the stored value (in place). */
static void pfcount_one(client *c)
{
    kentry *e;
    slice v;
    char tmp[24];
    uint64_t card;
    if (!lookup_hll(c, c->argv[1], KS_WRITE, &e, &v, tmp)) return;
    if (!e) {
        reply_int(c, 0);
        return;
    }
    if (!hll_cache_get(v.p, &card)) {
        if (hll_count(v.p, v.len, &card) < 0) {
            reply_error(c, INVALID_HLL_ERR);
            return;
        }
        char *w = ks_str_resize(c->db, &e, v.len); /* raw, in place */
        hll_cache_set(w, card);
        key_modified(c->db, c->argv[1]);
        server_dirty(1);
    } else {
        make_raw(c, e, v.len);
    }
    reply_int(c, (long long)card);
}

/* Maxes the registers of keys argv[from..] into max. 1 on success (use_dense
 * set if one of them is dense), 0 after replying an error. */
static int merge_keys(client *c, int from, uint8_t *max, int *use_dense)
{
    for (int j = from; j < c->argc; j++) {
        kentry *e;
        slice v;
        char tmp[24];
        if (!lookup_hll(c, c->argv[j], KS_READ, &e, &v, tmp)) return 0;
        if (!e) continue;
        if (hll_encoding(v.p) == HLL_DENSE) *use_dense = 1;
        if (hll_merge(max, v.p, v.len) < 0) {
            reply_error(c, INVALID_HLL_ERR);
            return 0;
        }
    }
    return 1;
}

static void pfcount_cmd(client *c)
{
    if (c->argc == 2) {
        pfcount_one(c);
        return;
    }
    /* Several keys: the union in a temporary, nothing cached. */
    uint8_t *max = mem_calloc(HLL_REGISTERS);
    int use_dense = 0;
    if (merge_keys(c, 1, max, &use_dense)) reply_int(c, (long long)hll_count_regs(max));
    mem_free(max);
}

/* ---------------------------------------------------------------- PFMERGE */

static void pfmerge_cmd(client *c)
{
    uint8_t *max = mem_calloc(HLL_REGISTERS);
    hll_buf h;
    int use_dense = 0, existed;
    hll_buf_init(&h);
    /* The destination counts as a source too. */
    if (!merge_keys(c, 1, max, &use_dense)) goto out;
    if (!load_hll(c, c->argv[1], &h, &existed)) goto out;
    if (use_dense && hll_to_dense(&h) < 0) {
        reply_error(c, INVALID_HLL_ERR);
        goto out;
    }
    for (long j = 0; j < HLL_REGISTERS; j++)
        if (max[j]) hll_set(&h, j, max[j], sparse_max());
    hll_cache_invalidate(h.p);
    store_hll(c, c->argv[1], &h, 1, "pfadd");
    reply_ok(c);
out:
    hll_buf_free(&h);
    mem_free(max);
}

/* ---------------------------------------------------------------- PFDEBUG */

/* Appends the opcodes of a sparse body as "z:n" (ZERO), "Z:n" (XZERO) and
 * "v:value,n" (VAL), space separated. 0, or HLL_INVALID. */
static int decode_sparse(const unsigned char *p, const unsigned char *end, buf *out)
{
    char item[32];
    while (p < end) {
        int n;
        if ((*p & 0xc0) == 0x00) {
            n = snprintf(item, sizeof item, "z:%d ", (*p & 0x3f) + 1);
            p++;
        } else if ((*p & 0xc0) == 0x40) {
            if (p + 1 >= end) return HLL_INVALID;
            n = snprintf(item, sizeof item, "Z:%d ", (((p[0] & 0x3f) << 8) | p[1]) + 1);
            p += 2;
        } else {
            n = snprintf(item, sizeof item, "v:%d,%d ", ((*p >> 2) & 0x1f) + 1, (*p & 3) + 1);
            p++;
        }
        buf_append(out, item, (size_t)n);
    }
    return 0;
}

static void pfdebug_cmd(client *c)
{
    slice sub = c->argv[1], key = c->argv[2];
    kentry *e;
    slice v;
    char tmp[24];
    e = ks_lookup(c->db, key, KS_WRITE);
    if (!e) {
        reply_error(c, "ERR The specified key does not exist");
        return;
    }
    if (!lookup_hll(c, key, KS_WRITE, &e, &v, tmp)) return;
    if (ke_enc(e) != ENC_RAW) {
        make_raw(c, e, v.len);
        e = ks_lookup(c->db, key, KS_NOTOUCH);
        v = ke_str(e, tmp);
    }

    int getreg = slice_is(sub, "getreg"), todense = slice_is(sub, "todense");
    if (getreg || todense) {
        int converted = 0;
        hll_buf h;
        hll_buf_init(&h);
        if (hll_encoding(v.p) == HLL_SPARSE) {
            if (hll_buf_load(&h, v.p, v.len) < 0 || hll_to_dense(&h) < 0) {
                reply_error(c, INVALID_HLL_ERR);
                hll_buf_free(&h);
                return;
            }
            store_hll(c, key, &h, 1, NULL);
            converted = 1;
            e = ks_lookup(c->db, key, KS_NOTOUCH);
            v = ke_str(e, tmp);
        }
        hll_buf_free(&h);
        if (todense) {
            reply_int(c, converted);
            return;
        }
        uint8_t *regs = mem_alloc(HLL_REGISTERS);
        hll_registers(v.p, v.len, regs);
        reply_array(c, HLL_REGISTERS);
        for (long i = 0; i < HLL_REGISTERS; i++) reply_int(c, regs[i]);
        mem_free(regs);
    } else if (slice_is(sub, "encoding")) {
        reply_status(c, hll_encoding(v.p) == HLL_DENSE ? "dense" : "sparse");
    } else if (slice_is(sub, "decode")) {
        if (hll_encoding(v.p) != HLL_SPARSE) {
            reply_error(c, "ERR HLL encoding is not sparse");
            return;
        }
        buf out = {0};
        if (decode_sparse((const unsigned char *)v.p + HLL_HDR_SIZE,
                          (const unsigned char *)v.p + v.len, &out) < 0) {
            reply_error(c, INVALID_HLL_ERR);
        } else {
            if (out.len && out.p[out.len - 1] == ' ') out.len--;
            buf_append(&out, "", 1);
            reply_status(c, out.p);
        }
        buf_free(&out);
    } else {
        reply_errorf(c, "ERR Unknown PFDEBUG subcommand '%.*s'", (int)sub.len, sub.p);
    }
}

/* ---------------------------------------------------------------- PFSELFTEST */

static void pfselftest_cmd(client *c)
{
    const char *fail = hll_selftest();
    if (fail)
        reply_errorf(c, "TESTFAILED %s", fail);
    else
        reply_ok(c);
}

/* ---------------------------------------------------------------- table */

command hll_commands[] = {
    {.name = "pfadd", .proc = pfadd_cmd, .arity = -2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_FAST, .keys = {1, 1, 1}, .group = "hyperloglog",
     .since = "2.8.9",
     .summary = "Adds elements to a HyperLogLog, creating it if needed; 1 if its estimate "
                "may have changed.",
     .complexity = "O(1) per element", .args = "key [element [element ...]]",
     .key_flags = "RW INSERT"},
    {.name = "pfcount", .proc = pfcount_cmd, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HYPERLOGLOG | ACL_SLOW, .keys = {1, -1, 1}, .group = "hyperloglog",
     .since = "2.8.9",
     .summary = "Estimates the number of distinct elements of a HyperLogLog, or of the "
                "union of several.",
     .complexity = "O(1) for one key (cached), O(N) for N keys with a large constant",
     .args = "key [key ...]", .key_flags = "RW ACCESS"},
    {.name = "pfmerge", .proc = pfmerge_cmd, .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_SLOW, .keys = {1, -1, 1}, .group = "hyperloglog",
     .since = "2.8.9",
     .summary = "Stores at a key the union of HyperLogLogs (the key itself included).",
     .complexity = "O(N) for N keys with a large constant",
     .args = "destkey [sourcekey [sourcekey ...]]", .key_flags = "RW ACCESS INSERT; RO ACCESS"},
    {.name = "pfdebug", .proc = pfdebug_cmd, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_ADMIN,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS,
     .keys = {2, 2, 1}, .group = "hyperloglog", .since = "2.8.9",
     .summary = "Internal: inspects or converts the encoding of a HyperLogLog.",
     .complexity = "O(N)", .args = "subcommand key", .key_flags = "RW ACCESS"},
    {.name = "pfselftest", .proc = pfselftest_cmd, .arity = 1, .flags = CMD_ADMIN,
     .acl = ACL_HYPERLOGLOG | ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "hyperloglog",
     .since = "2.8.9", .summary = "Internal: checks the HyperLogLog encoders against each other.",
     .complexity = "O(N)", .args = ""},
    {0},
};
