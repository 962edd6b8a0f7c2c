/* server/cmd_acl.c — the ACL command and the ACL log.
 *
 * Reply shapes are Redis 7.0's: GETUSER is a map (flags as a set, passwords
 * as an array, commands/keys/channels as strings, selectors as an array of
 * maps) plus kvik's "namespace" field at the end; LOG entries are maps of
 * seven fields with age-seconds as a double.
 *
 * The log is a list, newest first, under its own mutex (only denials and
 * failed AUTHs write to it). Like Redis, a denial equal to a recent entry
 * (same reason, context, object and user, within 60 s) bumps that entry's
 * count instead of adding one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/mem.h"
#include "core/util.h"
#include "server/acl_int.h"
#include "server/client.h"
#include "server/cmdtab.h"


/* ------------------------------------------------------------- the log */

typedef struct log_entry {
    long long count;
    int reason, ctx;
    char *object, *username, *cinfo;
    uint64_t ctime_ms;
    struct log_entry *next;
} log_entry;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static log_entry *log_head;
static int log_len;

#define LOG_GROUP_MS 60000

static void entry_free(log_entry *e)
{
    mem_free(e->object);
    mem_free(e->username);
    mem_free(e->cinfo);
    mem_free(e);
}

static char *dup_n(const char *p, size_t n)
{
    char *s = mem_alloc(n + 1);
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

static void trim_locked(int max)
{
    log_entry **pp = &log_head;
    int i = 0;
    while (*pp) {
        if (i >= max) {
            log_entry *e = *pp;
            *pp = e->next;
            entry_free(e);
            log_len--;
            continue;
        }
        pp = &(*pp)->next;
        i++;
    }
}

void acl_log_add(client *c, int reason, int ctx, const char *object, size_t olen,
                 const char *username)
{
    buf info = BUF_INIT;
    pthread_mutex_lock(&srv.clients_lock);
    client_describe(c, &info);
    pthread_mutex_unlock(&srv.clients_lock);
    uint64_t now = now_ms();
    pthread_mutex_lock(&log_lock);
    log_entry **pp = &log_head, *e = NULL;
    for (; *pp; pp = &(*pp)->next) {
        log_entry *x = *pp;
        if (x->reason == reason && x->ctx == ctx && strlen(x->object) == olen &&
            memcmp(x->object, object, olen) == 0 && strcmp(x->username, username) == 0 &&
            now - x->ctime_ms < LOG_GROUP_MS) {
            e = x;
            *pp = x->next; /* moved to the head below */
            log_len--;
            break;
        }
    }
    if (e) {
        e->count++;
        mem_free(e->cinfo);
    } else {
        e = mem_calloc(sizeof(*e));
        e->count = 1;
        e->reason = reason;
        e->ctx = ctx;
        e->object = dup_n(object, olen);
        e->username = mem_strdup(username);
    }
    e->cinfo = dup_n(info.p ? info.p : "", info.len);
    e->ctime_ms = now;
    e->next = log_head;
    log_head = e;
    log_len++;
    trim_locked(cfg.acllog_max_len);
    pthread_mutex_unlock(&log_lock);
    buf_free(&info);
}

static const char *reason_name(int r)
{
    switch (r) {
    case ACL_DENIED_CMD:
        return "command";
    case ACL_DENIED_KEY:
        return "key";
    case ACL_DENIED_CHANNEL:
        return "channel";
    case ACL_DENIED_AUTH:
        return "auth";
    default:
        return "unknown";
    }
}

static void cmd_acl_log(client *c)
{
    long long count = 10;
    if (c->argc > 3) {
        reply_err_subcommand_args(c);
        return;
    }
    if (c->argc == 3) {
        if (slice_is(c->argv[2], "reset")) {
            pthread_mutex_lock(&log_lock);
            trim_locked(0);
            pthread_mutex_unlock(&log_lock);
            reply_ok(c);
            return;
        }
        if (!util_str2ll(c->argv[2].p, c->argv[2].len, &count)) {
            reply_err_notint(c);
            return;
        }
        if (count < 0) count = 0;
    }
    uint64_t now = now_ms();
    pthread_mutex_lock(&log_lock);
    long long n = log_len < count ? log_len : count;
    reply_array(c, (size_t)n);
    log_entry *e = log_head;
    for (long long i = 0; i < n && e; i++, e = e->next) {
        reply_map(c, 7);
        reply_bulk_cstr(c, "count");
        reply_int(c, e->count);
        reply_bulk_cstr(c, "reason");
        reply_bulk_cstr(c, reason_name(e->reason));
        reply_bulk_cstr(c, "context");
        reply_bulk_cstr(c, e->ctx == ACL_CTX_MULTI ? "multi" : "toplevel");
        reply_bulk_cstr(c, "object");
        reply_bulk_cstr(c, e->object);
        reply_bulk_cstr(c, "username");
        reply_bulk_cstr(c, e->username);
        reply_bulk_cstr(c, "age-seconds");
        reply_double(c, (double)(now - e->ctime_ms) / 1000.0);
        reply_bulk_cstr(c, "client-info");
        reply_bulk_cstr(c, e->cinfo);
    }
    pthread_mutex_unlock(&log_lock);
}

/* ------------------------------------------------------------- users */

static int valid_username(slice s)
{
    return !memchr(s.p, ' ', s.len) && !memchr(s.p, '\0', s.len);
}

static void cmd_acl_setuser(client *c)
{
    if (!valid_username(c->argv[2])) {
        reply_error(c, "ERR Usernames can't contain spaces or null characters");
        return;
    }
    char err[1024];
    acl_set_caller(c);
    pthread_mutex_lock(&acl_lock);
    int rc = acl_setuser_locked(c->argv[2], c->argv + 3, c->argc - 3, err, sizeof(err));
    pthread_mutex_unlock(&acl_lock);
    acl_set_caller(NULL);
    if (rc < 0) {
        reply_errorf(c, "ERR %s", err);
        return;
    }
    reply_ok(c);
}

static void cmd_acl_deluser(client *c)
{
    for (int i = 2; i < c->argc; i++)
        if (slice_is(c->argv[i], "default") && c->argv[i].len == 7 &&
            memcmp(c->argv[i].p, "default", 7) == 0) {
            reply_error(c, "ERR The 'default' user cannot be removed");
            return;
        }
    long long n = 0;
    acl_set_caller(c);
    pthread_mutex_lock(&acl_lock);
    for (int i = 2; i < c->argc; i++)
        n += acl_deluser_locked(c->argv[i]);
    pthread_mutex_unlock(&acl_lock);
    acl_set_caller(NULL);
    reply_int(c, n);
}

static void reply_buf(client *c, buf *b)
{
    reply_bulk(c, b->p ? b->p : "", b->len);
    b->len = 0;
}

static void cmd_acl_getuser(client *c)
{
    pthread_mutex_lock(&acl_lock);
    acl_user *u = acl_find_locked(c->argv[2].p, c->argv[2].len);
    if (!u) {
        pthread_mutex_unlock(&acl_lock);
        reply_null(c);
        return;
    }
    const acl_perm *p = acl_perm_of(u);
    buf b = BUF_INIT;
    reply_map(c, 7);
    reply_bulk_cstr(c, "flags");
    const char *flags[4];
    int nf = 0;
    flags[nf++] = (p->flags & U_ON) ? "on" : "off";
    if (p->flags & U_NOPASS) flags[nf++] = "nopass";
    if (p->flags & U_SKIP_SANITIZE) flags[nf++] = "skip-sanitize-payload";
    if (p->flags & U_SANITIZE) flags[nf++] = "sanitize-payload";
    reply_set(c, (size_t)nf);
    for (int i = 0; i < nf; i++)
        reply_bulk_cstr(c, flags[i]);
    reply_bulk_cstr(c, "passwords");
    reply_array(c, (size_t)p->npw);
    for (int i = 0; i < p->npw; i++) {
        acl_hex(p->pw[i], &b);
        reply_buf(c, &b);
    }
    for (int s = 0; s < p->nsel; s++) {
        if (s == 1) {
            reply_bulk_cstr(c, "selectors");
            reply_array(c, (size_t)(p->nsel - 1));
        }
        if (s >= 1) reply_map(c, 3);
        reply_bulk_cstr(c, "commands");
        acl_sel_describe_cmds(&p->sel[s], &b);
        reply_buf(c, &b);
        reply_bulk_cstr(c, "keys");
        acl_sel_describe_keys(&p->sel[s], &b);
        reply_buf(c, &b);
        reply_bulk_cstr(c, "channels");
        acl_sel_describe_chans(&p->sel[s], &b);
        reply_buf(c, &b);
    }
    if (p->nsel == 1) {
        reply_bulk_cstr(c, "selectors");
        reply_array(c, 0);
    }
    reply_bulk_cstr(c, "namespace");
    reply_bulk_cstr(c, p->ns ? p->ns : "");
    pthread_mutex_unlock(&acl_lock);
    buf_free(&b);
}

typedef struct list_ctx {
    client *c;
    buf b;
    int names_only;
} list_ctx;

static void list_one(void *priv, acl_user *u)
{
    list_ctx *x = priv;
    if (x->names_only) {
        reply_bulk_cstr(x->c, u->name);
        return;
    }
    buf_puts(&x->b, "user ");
    buf_puts(&x->b, u->name);
    buf_putc(&x->b, ' ');
    acl_perm_describe(acl_perm_of(u), &x->b);
    reply_buf(x->c, &x->b);
}

static void list_generic(client *c, int names_only)
{
    list_ctx x = {c, BUF_INIT, names_only};
    pthread_mutex_lock(&acl_lock);
    reply_array(c, (size_t)acl_count_locked());
    acl_foreach_locked(list_one, &x);
    pthread_mutex_unlock(&acl_lock);
    buf_free(&x.b);
}

static void cmd_acl_list(client *c)
{
    list_generic(c, 0);
}

static void cmd_acl_users(client *c)
{
    list_generic(c, 1);
}

static void cmd_acl_whoami(client *c)
{
    reply_bulk_cstr(c, acl_client_username(c));
}

typedef struct cat_ctx {
    client *c;
    uint64_t bit;
    size_t n;
} cat_ctx;

static void cat_one(void *priv, const command *cmd)
{
    cat_ctx *x = priv;
    if (!(cmd->acl & x->bit)) return;
    reply_bulk_cstr(x->c, cmd->name);
    x->n++;
}

static void cmd_acl_cat(client *c)
{
    int ncat = acl_category_count();
    if (c->argc == 2) {
        reply_array(c, (size_t)ncat);
        for (int i = 0; i < ncat; i++)
            reply_bulk_cstr(c, acl_category_names[i]);
        return;
    }
    if (c->argc > 3) {
        reply_err_subcommand_args(c);
        return;
    }
    int i;
    for (i = 0; i < ncat; i++)
        if (slice_is(c->argv[2], acl_category_names[i])) break;
    if (i == ncat) {
        reply_errorf(c, "ERR Unknown category '%.*s'", (int)c->argv[2].len, c->argv[2].p);
        return;
    }
    cat_ctx x = {c, 1ull << i, 0};
    size_t mark = reply_defer(c);
    cmd_foreach(cat_one, &x);
    reply_set_deferred(c, mark, RESP_AGG_ARRAY, x.n);
}

static void cmd_acl_genpass(client *c)
{
    long long bits = 256;
    if (c->argc > 3) {
        reply_err_subcommand_args(c);
        return;
    }
    if (c->argc == 3) {
        if (!util_str2ll(c->argv[2].p, c->argv[2].len, &bits)) {
            reply_err_notint(c);
            return;
        }
        if (bits <= 0 || bits > 4096) {
            reply_error(
                c, "ERR ACL GENPASS argument must be the number of bits for the output "
                   "password, a positive number up to 4096");
            return;
        }
    }
    size_t chars = (size_t)(bits + 3) / 4;
    unsigned char raw[512];
    size_t nbytes = (chars + 1) / 2;
    if (RAND_bytes(raw, (int)nbytes) != 1) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        ssize_t got = fd >= 0 ? read(fd, raw, nbytes) : -1;
        if (fd >= 0) close(fd);
        if (got != (ssize_t)nbytes) {
            reply_error(c, "ERR can't read random bytes");
            return;
        }
    }
    static const char hex[] = "0123456789abcdef";
    char out[1025];
    for (size_t i = 0; i < chars; i++)
        out[i] = hex[(raw[i / 2] >> ((i % 2) ? 0 : 4)) & 15];
    reply_bulk(c, out, chars);
}

static void cmd_acl_dryrun(client *c)
{
    pthread_mutex_lock(&acl_lock);
    acl_user *u = acl_find_locked(c->argv[2].p, c->argv[2].len);
    if (!u) {
        pthread_mutex_unlock(&acl_lock);
        reply_errorf(c, "ERR User '%.*s' not found", (int)c->argv[2].len, c->argv[2].p);
        return;
    }
    const slice *av = c->argv + 3;
    int ac = c->argc - 3;
    const command *cmd = cmd_lookup(av, ac);
    if (!cmd || (cmd->subs && ac >= 2)) { /* unknown command or subcommand */
        pthread_mutex_unlock(&acl_lock);
        reply_errorf(c, "ERR Command '%.*s' not found", (int)av[0].len, av[0].p);
        return;
    }
    if (cmd->subs) { /* a container without its subcommand */
        pthread_mutex_unlock(&acl_lock);
        reply_errorf(c, "ERR wrong number of arguments for '%s' command", cmd->name);
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != ac) || ac < -cmd->arity) {
        pthread_mutex_unlock(&acl_lock);
        reply_errorf(c, "ERR wrong number of arguments for '%s' command", cmd->name);
        return;
    }
    int pos = 0;
    int r = acl_check_user(u, cmd, av, ac, &pos);
    pthread_mutex_unlock(&acl_lock);
    if (r == ACL_OK) {
        reply_ok(c);
        return;
    }
    char msg[512];
    if (r == ACL_DENIED_CMD)
        snprintf(msg, sizeof(msg), "This user has no permissions to run the '%s' command",
                 cmd->name);
    else
        snprintf(msg, sizeof(msg), "This user has no permissions to access the '%.*s' %s",
                 (int)(av[pos].len > 256 ? 256 : av[pos].len), av[pos].p,
                 r == ACL_DENIED_KEY ? "key" : "channel");
    reply_bulk_cstr(c, msg);
}

static const char no_aclfile[] =
    "ERR This Redis instance is not configured to use an ACL file. You may want to "
    "specify "
    "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you "
    "have a "
    "Redis configuration file set) in order to store users in the Redis configuration.";

static void cmd_acl_save(client *c)
{
    const char *path = cfg.aclfile;
    if (!path || !path[0]) {
        reply_error(c, no_aclfile);
        return;
    }
    char err[512];
    if (acl_save_file(path, err, sizeof(err)) < 0) {
        reply_errorf(c, "ERR %s", err);
        return;
    }
    reply_ok(c);
}

static void cmd_acl_load(client *c)
{
    const char *path = cfg.aclfile;
    if (!path || !path[0]) {
        reply_error(c, no_aclfile);
        return;
    }
    char err[1024];
    acl_set_caller(c);
    int rc = acl_load_file(path, err, sizeof(err));
    acl_set_caller(NULL);
    if (rc < 0) {
        reply_errorf(c, "ERR %s", err);
        return;
    }
    reply_ok(c);
}

static void cmd_acl_help(client *c)
{
    static const char *const lines[] = {
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing "
        "the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Prints this help.",
        NULL,
    };
    reply_help(c, lines);
}

/* ------------------------------------------------------------- table */

#define ADM (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define ADM_ACL (ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS)
#define PLAIN (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define ACL_SUB(...)                                                                     \
    {                                                                                    \
        .group = "server", __VA_ARGS__                                                   \
    }

static command acl_subs[] = {
    ACL_SUB(.name = "acl|cat", .proc = cmd_acl_cat, .arity = -2, .flags = PLAIN,
            .acl = ACL_SLOW, .since = "6.0.0",
            .summary = "Lists the ACL categories, or the commands inside a category.",
            .complexity = "O(1) since the categories and commands are a fixed set.",
            .args = "[category]"),
    ACL_SUB(.name = "acl|deluser", .proc = cmd_acl_deluser, .arity = -3, .flags = ADM,
            .acl = ADM_ACL, .since = "6.0.0",
            .summary = "Deletes ACL users, and terminates their connections.",
            .complexity = "O(1) amortized time considering the typical user.",
            .args = "username [username ...]"),
    ACL_SUB(.name = "acl|dryrun", .proc = cmd_acl_dryrun, .arity = -4, .flags = ADM,
            .acl = ADM_ACL, .since = "7.0.0",
            .summary =
                "Simulates the execution of a command by a user, without executing the "
                "command.",
            .complexity = "O(1).", .args = "username command [arg [arg ...]]"),
    ACL_SUB(.name = "acl|genpass", .proc = cmd_acl_genpass, .arity = -2, .flags = PLAIN,
            .acl = ACL_SLOW, .since = "6.0.0",
            .summary =
                "Generates a pseudorandom, secure password that can be used to identify "
                "ACL users.",
            .complexity = "O(1)", .args = "[bits]"),
    ACL_SUB(.name = "acl|getuser", .proc = cmd_acl_getuser, .arity = 3, .flags = ADM,
            .acl = ADM_ACL, .since = "6.0.0", .summary = "Lists the ACL rules of a user.",
            .complexity =
                "O(N). Where N is the number of password, command and pattern rules "
                "that the user has.",
            .args = "username"),
    ACL_SUB(.name = "acl|help", .proc = cmd_acl_help, .arity = 2,
            .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW, .since = "6.0.0",
            .summary = "Returns helpful text about the different subcommands.",
            .complexity = "O(1)"),
    ACL_SUB(.name = "acl|list", .proc = cmd_acl_list, .arity = 2, .flags = ADM,
            .acl = ADM_ACL, .since = "6.0.0",
            .summary = "Dumps the effective rules in ACL file format.",
            .complexity = "O(N). Where N is the number of configured users."),
    ACL_SUB(.name = "acl|load", .proc = cmd_acl_load, .arity = 2, .flags = ADM,
            .acl = ADM_ACL, .since = "6.0.0",
            .summary = "Reloads the rules from the configured ACL file.",
            .complexity = "O(N). Where N is the number of configured users."),
    ACL_SUB(.name = "acl|log", .proc = cmd_acl_log, .arity = -2, .flags = ADM,
            .acl = ADM_ACL, .since = "6.0.0",
            .summary = "Lists recent security events generated due to ACL rules.",
            .complexity = "O(N) with N being the number of entries shown.",
            .args = "[count | RESET]"),
    ACL_SUB(.name = "acl|save", .proc = cmd_acl_save, .arity = 2, .flags = ADM,
            .acl = ADM_ACL, .since = "6.0.0",
            .summary = "Saves the effective ACL rules in the configured ACL file.",
            .complexity = "O(N). Where N is the number of configured users."),
    ACL_SUB(.name = "acl|setuser", .proc = cmd_acl_setuser, .arity = -3, .flags = ADM,
            .acl = ADM_ACL, .since = "6.0.0",
            .summary = "Creates and modifies an ACL user and its rules.",
            .complexity = "O(N). Where N is the number of rules provided.",
            .args = "username [rule [rule ...]]"),
    ACL_SUB(.name = "acl|users", .proc = cmd_acl_users, .arity = 2, .flags = ADM,
            .acl = ADM_ACL, .since = "6.0.0", .summary = "Lists all ACL users.",
            .complexity = "O(N). Where N is the number of configured users."),
    ACL_SUB(.name = "acl|whoami", .proc = cmd_acl_whoami, .arity = 2, .flags = PLAIN,
            .acl = ACL_SLOW, .since = "6.0.0",
            .summary = "Returns the authenticated username of the current connection.",
            .complexity = "O(1)"),
    {0},
};

command acl_commands[] = {
    {.name = "acl",
     .arity = -2,
     .acl = ACL_SLOW,
     .group = "server",
     .since = "6.0.0",
     .summary = "A container for Access List Control commands.",
     .complexity = "Depends on subcommand.",
     .subs = acl_subs},
    {0},
};
