/* server/cmd_config.c — CONFIG GET/SET/RESETSTAT/REWRITE/HELP (see cmd_config.h).
 *
 * Arguments are slices into the query buffer; config.c takes C strings, so
 * names and values are copied (NUL-terminated) first. A value holding a NUL
 * byte cannot be a setting and is refused here. */
#include "server/cmd_config.h"
#include "server/server_init.h"

#include <string.h>

#include "core/mem.h"
#include "server/acl.h"
#include "server/config.h"

/* A NUL-terminated copy of an argument. */
static char *arg_cstr(slice s)
{
    char *p = mem_alloc(s.len + 1);
    if (s.len) memcpy(p, s.p, s.len);
    p[s.len] = '\0';
    return p;
}

/* ---------------------------------------------------------------- GET */

typedef struct get_acc {
    char **names, **values; /* owned copies */
    size_t n, cap;
} get_acc;

static void get_one(void *priv, const char *name, const char *value)
{
    get_acc *a = priv;
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->names[i], name)) return; /* matched by an earlier pattern */
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->names = mem_realloc(a->names, a->cap * sizeof(char *));
        a->values = mem_realloc(a->values, a->cap * sizeof(char *));
    }
    a->names[a->n] = mem_strdup(name);
    a->values[a->n] = mem_strdup(value);
    a->n++;
}

void cmd_config_get(client *c)
{
    if (c->argc < 3) {
        reply_err_arity(c);
        return;
    }
    get_acc a = {NULL, NULL, 0, 0};
    for (int i = 2; i < c->argc; i++) {
        char *pat = arg_cstr(c->argv[i]);
        cfg_get(pat, get_one, &a);
        mem_free(pat);
    }
    reply_map(c, a.n);
    for (size_t i = 0; i < a.n; i++) {
        reply_bulk_cstr(c, a.names[i]);
        reply_bulk_cstr(c, a.values[i]);
        mem_free(a.names[i]);
        mem_free(a.values[i]);
    }
    mem_free(a.names);
    mem_free(a.values);
}

/* ---------------------------------------------------------------- SET */

/* Loopback clients may change protected settings under
 * enable-protected-configs local. addr is "ip:port" as the worker formats it. */
static int is_local_client(const client *c)
{
    return !strncmp(c->addr, "127.", 4) || !strncmp(c->addr, "::1:", 4) ||
           !strncmp(c->addr, "[::1]:", 6) || !strncmp(c->addr, "::ffff:127.", 11);
}

void cmd_config_set(client *c)
{
    if ((c->argc - 2) % 2) {
        reply_err_syntax(c);
        return;
    }
    int n = (c->argc - 2) / 2;
    const char **names = mem_calloc((size_t)n * sizeof(char *));
    const char **values = mem_calloc((size_t)n * sizeof(char *));
    char err[1024];
    int bad = -1;
    for (int i = 0; i < n; i++) {
        slice v = c->argv[3 + 2 * i];
        names[i] = arg_cstr(c->argv[2 + 2 * i]);
        values[i] = arg_cstr(v);
        if (bad < 0 && v.len && memchr(v.p, '\0', v.len)) bad = i;
    }
    if (bad >= 0) {
        reply_errorf(
            c,
            "ERR CONFIG SET failed (possibly related to argument '%s') - argument "
            "must not contain NUL bytes",
            names[bad]);
    } else if (cfg_set_multi_ex(n, names, values, is_local_client(c) ? CFG_SET_LOCAL : 0,
                                err, sizeof(err)) != 0) {
        reply_error(c, err);
    } else {
        server_apply_config();
        reply_ok(c);
    }
    for (int i = 0; i < n; i++) {
        mem_free((char *)names[i]);
        mem_free((char *)values[i]);
    }
    mem_free(names);
    mem_free(values);
}

/* ---------------------------------------------------------------- the rest */

void cmd_config_resetstat(client *c)
{
    if (c->argc != 2) {
        reply_err_arity(c);
        return;
    }
    server_reset_stats();
    reply_ok(c);
}

void cmd_config_rewrite(client *c)
{
    char err[1024];
    if (c->argc != 2) {
        reply_err_arity(c);
        return;
    }
    /* Users go into the config file unless an aclfile keeps them (Redis). */
    int rc;
    if (cfg.aclfile && cfg.aclfile[0]) {
        rc = cfg_rewrite_users(NULL, err, sizeof(err));
    } else {
        buf users = BUF_INIT;
        acl_describe_users(&users);
        buf_putc(&users, '\0');
        rc = cfg_rewrite_users(users.p, err, sizeof(err));
        buf_free(&users);
    }
    if (rc != 0) {
        fprintf(stderr, "CONFIG REWRITE failed: %s\n", err);
        reply_error(c, err);
        return;
    }
    reply_ok(c);
}

void cmd_config_help(client *c)
{
    static const char *const help[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern> [<pattern> ...]",
        "    Return the settings whose names match any of the glob-style patterns,",
        "    with their values.",
        "SET <name> <value> [<name> <value> ...]",
        "    Change one or more settings; either all of them change or none does.",
        "RESETSTAT",
        "    Reset the statistics that INFO reports.",
        "REWRITE",
        "    Write the running settings into the configuration file.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}

/* ---------------------------------------------------------------- table */

#define CONFIG_SUB(sname, fn, ar, fl, acls, ver, sum, cplx, syntax)                      \
    {                                                                                    \
        .name = "config|" sname, .proc = fn, .arity = ar, .flags = fl, .acl = acls,      \
        .group = "server", .since = ver, .summary = sum, .complexity = cplx,             \
        .args = syntax                                                                   \
    }

#define CONFIG_ADMIN (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define CONFIG_ACL (ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS)

command config_subcommands[] = {
    CONFIG_SUB("get", cmd_config_get, -3, CONFIG_ADMIN, CONFIG_ACL, "2.0.0",
               "Returns the settings whose names match the patterns, with their values.",
               "O(N) where N is the number of settings", "parameter [parameter ...]"),
    CONFIG_SUB("set", cmd_config_set, -4, CONFIG_ADMIN, CONFIG_ACL, "2.0.0",
               "Changes settings at run time: every pair takes effect, or none does.",
               "O(N) where N is the number of pairs given",
               "parameter value [parameter value ...]"),
    CONFIG_SUB("resetstat", cmd_config_resetstat, 2, CONFIG_ADMIN, CONFIG_ACL, "2.0.0",
               "Clears the statistics that INFO reports.", "O(1)", NULL),
    CONFIG_SUB("rewrite", cmd_config_rewrite, 2, CONFIG_ADMIN, CONFIG_ACL, "2.8.0",
               "Writes the running settings into the config file.",
               "O(N) where N is the number of settings", NULL),
    CONFIG_SUB("help", cmd_config_help, 2, CMD_LOADING | CMD_STALE, ACL_SLOW, "5.0.0",
               "Describes the CONFIG subcommands.", "O(1)", NULL),
    {0},
};
