/* server/cmd_namespace.c — NAMESPACE: administering per-user namespaces.
 *
 * LIST, INFO, QUOTA, USE, DEL, HELP (see docs/namespaces.md). The registry
 * itself lives in server/namespace.c. NAMESPACE is for administrators: a
 * connection bound to a namespace by its user (CL_NS_BOUND) may only ask for
 * HELP, so a tenant can neither leave its namespace nor look into others.
 * QUOTA and DEL are write commands: they reach the append-only file like any
 * other write, and replaying them restores quotas and deletions.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "server/client.h"
#include "server/cmdtab.h"
#include "server/namespace.h"

/* Replies an error and returns 1 for a connection bound to a namespace. */
static int refuse_bound(client *c)
{
    if (!(c->flags & CL_NS_BOUND)) return 0;
    reply_error(c, "ERR NAMESPACE is not allowed on a connection bound to a namespace by its "
                   "user");
    return 1;
}

static void reply_info(client *c, const ns_info *in)
{
    reply_map(c, 6);
    reply_bulk_cstr(c, "name");
    reply_bulk_cstr(c, in->name);
    reply_bulk_cstr(c, "keys");
    reply_int(c, in->keys);
    reply_bulk_cstr(c, "memory");
    reply_int(c, in->memory);
    reply_bulk_cstr(c, "clients");
    reply_int(c, in->clients);
    reply_bulk_cstr(c, "maxkeys");
    reply_int(c, in->maxkeys);
    reply_bulk_cstr(c, "maxmemory");
    reply_int(c, in->maxmemory);
}

typedef struct list_ctx {
    client *c;
    size_t n;
} list_ctx;

static void list_one(void *priv, const ns_info *in)
{
    list_ctx *x = priv;
    reply_info(x->c, in);
    x->n++;
}

static void cmd_ns_list(client *c)
{
    if (refuse_bound(c)) return;
    size_t mark = reply_defer(c);
    list_ctx x = {c, 0};
    ns_foreach(list_one, &x);
    reply_set_deferred(c, mark, RESP_AGG_ARRAY, x.n);
}

/* The namespace named by argv[2], or -1 after replying an error. */
static int named_ns(client *c)
{
    int n = ns_lookup(c->argv[2].p, c->argv[2].len);
    if (n < 0)
        reply_errorf(c, "ERR no such namespace '%.*s'",
                     (int)(c->argv[2].len > NS_NAME_MAX ? NS_NAME_MAX : c->argv[2].len),
                     c->argv[2].p);
    return n;
}

static void cmd_ns_info(client *c)
{
    if (refuse_bound(c)) return;
    int n = named_ns(c);
    ns_info in;
    if (n < 0) return;
    if (ns_get_info(n, &in) < 0) {
        reply_error(c, "ERR no such namespace");
        return;
    }
    reply_info(c, &in);
}

/* NAMESPACE QUOTA name [MAXKEYS n] [MAXMEMORY bytes]: sets (creating the
 * namespace), or with no option shows, the quotas. */
static void cmd_ns_quota(client *c)
{
    if (refuse_bound(c)) return;
    slice name = c->argv[2];
    if (name.len == 0 || ns_lookup(name.p, name.len) == 0) {
        reply_error(c, "ERR the default namespace has no quotas (see maxmemory)");
        return;
    }
    if (c->argc == 3) {
        ns_info in;
        int n = named_ns(c);
        if (n < 0 || ns_get_info(n, &in) < 0) return;
        reply_map(c, 2);
        reply_bulk_cstr(c, "maxkeys");
        reply_int(c, in.maxkeys);
        reply_bulk_cstr(c, "maxmemory");
        reply_int(c, in.maxmemory);
        return;
    }
    long long maxkeys = -1, maxmemory = -1;
    for (int i = 3; i < c->argc; i += 2) {
        if (i + 1 >= c->argc) {
            reply_err_syntax(c);
            return;
        }
        slice v = c->argv[i + 1];
        if (slice_is(c->argv[i], "MAXKEYS")) {
            if (!util_str2ll(v.p, v.len, &maxkeys) || maxkeys < 0) {
                reply_error(c, "ERR MAXKEYS must be a count of keys (0 = no quota)");
                return;
            }
        } else if (slice_is(c->argv[i], "MAXMEMORY")) {
            unsigned long long b;
            if (!util_memtoull(v.p, v.len, &b) || b > (unsigned long long)LLONG_MAX) {
                reply_error(c, "ERR MAXMEMORY must be a size in bytes, e.g. 1048576 or 100mb "
                               "(0 = no quota)");
                return;
            }
            maxmemory = (long long)b;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    const char *err;
    int n = ns_get_or_create(name.p, name.len, &err);
    if (n < 0) {
        reply_error(c, err);
        return;
    }
    ns_set_quota(n, maxkeys, maxmemory);
    server_dirty(1);
    reply_ok(c);
}

static void cmd_ns_use(client *c)
{
    if (refuse_bound(c)) return;
    const char *err;
    if (ns_enter(c, c->argv[2].p, c->argv[2].len, &err) < 0) {
        reply_error(c, err);
        return;
    }
    reply_ok(c);
}

static void cmd_ns_del(client *c)
{
    if (refuse_bound(c)) return;
    int n = named_ns(c);
    if (n < 0) return;
    const char *err;
    if (ns_delete(n, &err) < 0) {
        reply_error(c, err);
        return;
    }
    server_dirty(1);
    reply_ok(c);
}

static void cmd_ns_help(client *c)
{
    static const char *const help[] = {
        "NAMESPACE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LIST",
        "    Every namespace with its keys, memory (bytes), clients and quotas.",
        "INFO <name>",
        "    The same for one namespace.",
        "QUOTA <name> [MAXKEYS <count>] [MAXMEMORY <bytes>]",
        "    Sets the quotas of a namespace, creating it if needed (0 = no quota);",
        "    without options, shows them.",
        "USE <name>",
        "    Moves this connection into the namespace (\"default\" for the default one),",
        "    creating it if needed. Refused to connections bound to a namespace.",
        "DEL <name>",
        "    Empties and removes a namespace no connection is in.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}

/* ---------------------------------------------------------------- table */

#define NS_SUB(sname, fn, ar, fl, ver, sum, cplx, syntax)                                 \
    {                                                                                     \
        .name = "namespace|" sname, .proc = fn, .arity = ar, .flags = fl,                 \
        .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = ver,     \
        .summary = sum, .complexity = cplx, .args = syntax                                \
    }

#define NS_ADMIN (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static command namespace_subcommands[] = {
    NS_SUB("list", cmd_ns_list, 2, NS_ADMIN, "0.1.0",
           "Lists the namespaces with their keys, memory, clients and quotas.",
           "O(N) where N is the number of namespaces", NULL),
    NS_SUB("info", cmd_ns_info, 3, NS_ADMIN, "0.1.0",
           "Shows one namespace's keys, memory, clients and quotas.", "O(1)", "name"),
    NS_SUB("quota", cmd_ns_quota, -3, NS_ADMIN | CMD_WRITE, "0.1.0",
           "Sets or shows the key and memory quotas of a namespace.", "O(1)",
           "name [MAXKEYS count] [MAXMEMORY bytes]"),
    NS_SUB("use", cmd_ns_use, 3, NS_ADMIN, "0.1.0",
           "Moves the connection into a namespace.", "O(1)", "name"),
    NS_SUB("del", cmd_ns_del, 3, NS_ADMIN | CMD_WRITE, "0.1.0",
           "Empties and removes a namespace.",
           "O(N) where N is the number of keys in the namespace", "name"),
    {.name = "namespace|help", .proc = cmd_ns_help, .arity = 2,
     .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW, .group = "server", .since = "0.1.0",
     .summary = "Describes the NAMESPACE subcommands.", .complexity = "O(1)"},
    {0},
};

command namespace_commands[] = {
    {.name = "namespace", .arity = -2, .acl = ACL_SLOW, .group = "server", .since = "0.1.0",
     .summary = "A container for namespace administration commands (kvik).",
     .complexity = "Depends on subcommand.", .subs = namespace_subcommands},
    {0},
};
