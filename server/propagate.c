/* server/propagate.c — what a write leaves in the append-only file (see
 * propagate.h). */
#include "server/propagate.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/aof.h"
#include "server/namespace.h"

/* The override of the current command (propagate_as, propagate_add), owned
 * here: as_ncmds commands, whose arguments' lengths are in as_lens (as_argcs
 * per command) and bytes one after the other in as_bytes. */
static _Thread_local buf as_bytes;
static _Thread_local size_t *as_lens;
static _Thread_local int *as_argcs;
static _Thread_local int as_ncmds, as_nargs, as_lens_cap, as_cmds_cap;

void propagate_add(const slice *argv, int argc)
{
    if (as_nargs + argc > as_lens_cap) {
        as_lens_cap = (as_nargs + argc) * 2;
        as_lens = mem_realloc(as_lens, sizeof(size_t) * (size_t)as_lens_cap);
    }
    if (as_ncmds == as_cmds_cap) {
        as_cmds_cap = as_cmds_cap ? as_cmds_cap * 2 : 4;
        as_argcs = mem_realloc(as_argcs, sizeof(int) * (size_t)as_cmds_cap);
    }
    for (int i = 0; i < argc; i++) {
        as_lens[as_nargs++] = argv[i].len;
        buf_append(&as_bytes, argv[i].p, argv[i].len);
    }
    as_argcs[as_ncmds++] = argc;
}

void propagate_as(const slice *argv, int argc)
{
    propagate_reset();
    propagate_add(argv, argc);
}

/* Also frees the override's memory: a thread-local must not hold any when
 * its thread ends. */
void propagate_reset(void)
{
    if (as_lens_cap || as_cmds_cap || as_bytes.p) {
        buf_free(&as_bytes);
        mem_free(as_lens);
        mem_free(as_argcs);
        as_lens = NULL;
        as_argcs = NULL;
        as_lens_cap = as_cmds_cap = 0;
    }
    as_ncmds = as_nargs = 0;
}

/* aof_feed takes keyspace database ids (they say the namespace too). */
static long long feed(client *c, const slice *argv, int argc)
{
    ns_meter_pause(); /* the log buffer is not the namespace's data */
    if ((c->flags & CL_EXEC) && !(c->flags & CL_EXEC_LOGGED)) {
        slice multi = slice_of("MULTI", 5);
        aof_feed(ks_db_id(c->db), &multi, 1);
        c->flags |= CL_EXEC_LOGGED;
    }
    long long at = aof_feed(ks_db_id(c->db), argv, argc);
    if (at > c->aof_wait) c->aof_wait = at;
    ns_meter_resume();
    return at;
}

/* The key's absolute expire time right after the command, formatted. */
static int abs_expire(client *c, slice key, char *out, size_t size, int *exists)
{
    kentry *e = ks_lookup(c->db, key, KS_WRITE | KS_NOTOUCH);
    *exists = e != NULL;
    long long t = e ? ke_expire(e) : -1;
    if (t < 0) return 0;
    return snprintf(out, size, "%lld", t);
}

/* SET key value [opts]: EX/PX/EXAT/PXAT n replaced by PXAT <absolute>. */
static int rewrite_set(client *c, slice *out, int cap, char *num)
{
    int n = 0, exists, had = 0;
    for (int i = 0; i < c->argc && n < cap - 2; i++) {
        slice a = c->argv[i];
        if (i >= 3 && i + 1 < c->argc &&
            (slice_is(a, "EX") || slice_is(a, "PX") || slice_is(a, "EXAT") || slice_is(a, "PXAT"))) {
            had = 1;
            i++;
            continue;
        }
        out[n++] = a;
    }
    int len = abs_expire(c, c->argv[1], num, 24, &exists);
    if (had && len > 0) {
        out[n++] = slice_of("PXAT", 4);
        out[n++] = slice_of(num, (size_t)len);
    }
    return n;
}

/* Commands with relative times become absolute; 0 if cmd needs no rewrite. */
static int rewrite_relative(client *c, const command *cmd, slice *out, int cap, char *num)
{
    const char *name = cmd->name;
    int exists, len;
    if (!strcmp(name, "expire") || !strcmp(name, "pexpire") || !strcmp(name, "expireat") ||
        !strcmp(name, "pexpireat") || !strcmp(name, "getex")) {
        len = abs_expire(c, c->argv[1], num, 24, &exists);
        if (!exists) {
            out[0] = slice_of("DEL", 3);
            out[1] = c->argv[1];
            return 2;
        }
        if (len <= 0) {
            out[0] = slice_of("PERSIST", 7);
            out[1] = c->argv[1];
            return 2;
        }
        out[0] = slice_of("PEXPIREAT", 9);
        out[1] = c->argv[1];
        out[2] = slice_of(num, (size_t)len);
        return 3;
    }
    if (!strcmp(name, "setex") || !strcmp(name, "psetex")) {
        len = abs_expire(c, c->argv[1], num, 24, &exists);
        out[0] = slice_of("SET", 3);
        out[1] = c->argv[1];
        out[2] = c->argv[3];
        if (len <= 0) return 3;
        out[3] = slice_of("PXAT", 4);
        out[4] = slice_of(num, (size_t)len);
        return 5;
    }
    if (!strcmp(name, "set")) return rewrite_set(c, out, cap, num);
    if (!strcmp(name, "restore") && c->argc >= 4) {
        len = abs_expire(c, c->argv[1], num, 24, &exists);
        int n = 0;
        for (int i = 0; i < c->argc && n < cap - 1; i++) {
            if (i == 2 && len > 0) {
                out[n++] = slice_of(num, (size_t)len);
                continue;
            }
            if (slice_is(c->argv[i], "ABSTTL")) continue;
            out[n++] = i == 2 ? slice_of("0", 1) : c->argv[i];
        }
        if (len > 0) out[n++] = slice_of("ABSTTL", 6);
        return n;
    }
    return 0;
}

void propagate_command(client *c, const command *cmd)
{
    if (!aof_enabled()) {
        propagate_reset();
        return;
    }
    if (as_ncmds) {
        /* several commands outside a transaction: replayed together */
        int wrap = as_ncmds > 1 && !(c->flags & CL_EXEC);
        slice multi = slice_of("MULTI", 5), exec = slice_of("EXEC", 4);
        if (wrap) feed(c, &multi, 1);
        slice stack[16];
        size_t off = 0;
        int arg = 0;
        for (int k = 0; k < as_ncmds; k++) {
            int argc = as_argcs[k];
            slice *v = argc <= 16 ? stack : mem_alloc(sizeof(slice) * (size_t)argc);
            for (int i = 0; i < argc; i++, arg++) {
                v[i] = slice_of(as_bytes.p + off, as_lens[arg]);
                off += as_lens[arg];
            }
            feed(c, v, argc);
            if (v != stack) mem_free(v);
        }
        if (wrap) feed(c, &exec, 1);
        propagate_reset();
        return;
    }
    slice stack[16];
    slice *out = c->argc + 4 <= 16 ? stack : mem_alloc(sizeof(slice) * (size_t)(c->argc + 4));
    char num[24];
    int n = rewrite_relative(c, cmd, out, c->argc + 4, num);
    if (n)
        feed(c, out, n);
    else
        feed(c, c->argv, c->argc);
    if (out != stack) mem_free(out);
}

void propagate_del(ks_db *db, slice key)
{
    if (!aof_enabled()) return;
    slice argv[2] = {slice_of("DEL", 3), key};
    aof_feed(ks_db_id(db), argv, 2);
}

void propagate_exec_end(client *c)
{
    if (!(c->flags & CL_EXEC_LOGGED)) return;
    c->flags &= ~CL_EXEC_LOGGED;
    slice exec = slice_of("EXEC", 4);
    long long at = aof_feed(ks_db_id(c->db), &exec, 1);
    if (at > c->aof_wait) c->aof_wait = at;
}
