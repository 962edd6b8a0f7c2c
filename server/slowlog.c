/* server/slowlog.c — see slowlog.h. */
#include "server/slowlog.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/mem.h"
#include "core/util.h"
#include "server/config.h"

/* What an entry keeps of a command: at most this many arguments (the last
 * one then says how many more there were), each cut to this many bytes. */
#define SLOWLOG_MAX_ARGC 32
#define SLOWLOG_MAX_STRING 128

typedef struct entry {
    struct entry *next; /* older */
    long long id, time, duration;
    int argc;
    slice *argv; /* each points into its own allocation */
    char *addr, *name;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *newest;
static long long count, next_id;

static void entry_free(entry *e)
{
    for (int i = 0; i < e->argc; i++) mem_free((void *)e->argv[i].p);
    mem_free(e->argv);
    mem_free(e->addr);
    mem_free(e->name);
    mem_free(e);
}

/* Drops entries past max (caller holds the lock). */
static void trim_locked(long long max)
{
    entry **pp = &newest;
    for (long long i = 0; *pp && i < max; i++) pp = &(*pp)->next;
    entry *e = *pp;
    *pp = NULL;
    while (e) {
        entry *next = e->next;
        entry_free(e);
        count--;
        e = next;
    }
}

static slice copy_arg(const command *cmd, const slice *argv, int argc, int i)
{
    char tmp[SLOWLOG_MAX_STRING + 64];
    const char *p = argv[i].p;
    size_t len = argv[i].len;
    if (cmd_arg_secret(cmd, argv, argc, i)) {
        p = "(redacted)";
        len = strlen(p);
    } else if (len > SLOWLOG_MAX_STRING) {
        int n = snprintf(tmp, sizeof(tmp), "%.*s... (%zu more bytes)", SLOWLOG_MAX_STRING, p,
                         len - SLOWLOG_MAX_STRING);
        p = tmp;
        len = (size_t)n;
    }
    return slice_of(mem_dup(p, len), len);
}

void slowlog_push(client *c, const command *cmd, uint64_t duration_us)
{
    if (cmd->flags & CMD_SKIP_SLOWLOG) return;
    entry *e = mem_calloc(sizeof(*e));
    e->time = (long long)time(NULL);
    e->duration = (long long)duration_us;
    int argc = c->argc, shown = argc > SLOWLOG_MAX_ARGC ? SLOWLOG_MAX_ARGC : argc;
    e->argv = mem_alloc(sizeof(slice) * (size_t)shown);
    for (int i = 0; i < shown; i++) {
        if (i == shown - 1 && shown < argc) {
            char more[64];
            int n = snprintf(more, sizeof(more), "... (%d more arguments)", argc - shown + 1);
            e->argv[i] = slice_of(mem_dup(more, (size_t)n), (size_t)n);
        } else {
            e->argv[i] = copy_arg(cmd, c->argv, argc, i);
        }
    }
    e->argc = shown;
    e->addr = mem_strdup(c->addr);
    e->name = mem_strdup(c->name ? c->name : "");
    pthread_mutex_lock(&lock);
    e->id = next_id++;
    e->next = newest;
    newest = e;
    count++;
    trim_locked(cfg.slowlog_max_len);
    pthread_mutex_unlock(&lock);
}

void slowlog_free(void)
{
    pthread_mutex_lock(&lock);
    trim_locked(0);
    pthread_mutex_unlock(&lock);
}

/* ---------------------------------------------------------------- commands */

static void cmd_slowlog_get(client *c)
{
    long long want = 10;
    if (c->argc > 3) {
        reply_err_subcommand_args(c);
        return;
    }
    if (c->argc == 3) {
        if (!util_str2ll(c->argv[2].p, c->argv[2].len, &want) || want < -1) {
            reply_error(c, "ERR count should be greater than or equal to -1");
            return;
        }
    }
    pthread_mutex_lock(&lock);
    /* a shorter max-len set since the last entry takes effect here too */
    trim_locked(cfg.slowlog_max_len);
    long long n = want < 0 || want > count ? count : want;
    reply_array(c, (size_t)n);
    entry *e = newest;
    for (long long i = 0; i < n; i++, e = e->next) {
        reply_array(c, 6);
        reply_int(c, e->id);
        reply_int(c, e->time);
        reply_int(c, e->duration);
        reply_array(c, (size_t)e->argc);
        for (int k = 0; k < e->argc; k++) reply_bulk(c, e->argv[k].p, e->argv[k].len);
        reply_bulk(c, e->addr, strlen(e->addr));
        reply_bulk(c, e->name, strlen(e->name));
    }
    pthread_mutex_unlock(&lock);
}

static void cmd_slowlog_len(client *c)
{
    pthread_mutex_lock(&lock);
    trim_locked(cfg.slowlog_max_len);
    long long n = count;
    pthread_mutex_unlock(&lock);
    reply_int(c, n);
}

static void cmd_slowlog_reset(client *c)
{
    slowlog_free();
    reply_ok(c);
}

static void cmd_slowlog_help(client *c)
{
    static const char *const help[] = {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
        NULL,
    };
    reply_help(c, help);
}

#define SLOWLOG_SUB(sname, fn, ar, sum, cplx, syntax)                                      \
    {                                                                                      \
        .name = "slowlog|" sname, .proc = fn, .arity = ar,                                 \
        .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,                       \
        .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "2.2.12", \
        .summary = sum, .complexity = cplx, .args = syntax                                 \
    }

static command slowlog_subcommands[] = {
    SLOWLOG_SUB("get", cmd_slowlog_get, -2, "Returns the slow log's entries.",
                "O(N) where N is the number of entries returned", "[count]"),
    SLOWLOG_SUB("len", cmd_slowlog_len, 2, "Returns the number of entries in the slow log.",
                "O(1)", NULL),
    SLOWLOG_SUB("reset", cmd_slowlog_reset, 2, "Clears all entries from the slow log.",
                "O(N) where N is the number of entries in the slowlog", NULL),
    {.name = "slowlog|help", .proc = cmd_slowlog_help, .arity = 2,
     .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW, .group = "server", .since = "6.2.0",
     .summary = "Show helpful text about the different subcommands.", .complexity = "O(1)"},
    {0},
};

command slowlog_commands[] = {
    {.name = "slowlog", .arity = -2, .acl = ACL_SLOW, .group = "server", .since = "2.2.12",
     .summary = "A container for slow log commands.", .complexity = "Depends on subcommand.",
     .subs = slowlog_subcommands},
    {0},
};
