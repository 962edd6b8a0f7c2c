/* server/cmd_command.c — COMMAND and its subcommands: COUNT, DOCS, GETKEYS,
 * GETKEYSANDFLAGS, INFO, LIST, HELP.
 *
 * Everything here is read from the command table (cmdtab.h); nothing keeps a
 * list of its own. The reply shapes are Redis 7.0's, element for element,
 * because clients parse them positionally (redis-cli, cluster clients):
 *
 *   COMMAND INFO entry (array of 10):
 *     name, arity, flags (set of status), first key, last key, step,
 *     ACL categories (set of "@cat"), tips (set), key specs (set of maps),
 *     subcommands (array of entries, same shape)
 *
 *   COMMAND DOCS entry (name => map):
 *     summary, since, group, complexity, arguments (array of argument maps:
 *     name, type, [key_spec_index], [token], [flags], [arguments]),
 *     subcommands (map of name => map)
 *
 * Key specs are derived from a command's key positions (.keys) and key flags
 * (.key_flags, one set per key role): "index"/"range" specs for the
 * positions (one per flag set: RENAME's key and newkey), plus an "unknown"
 * spec flagged incomplete when a getkeys function finds keys that the
 * positions cannot describe. The argument trees come from parsing each
 * command's .args syntax (cmddocs.h) once, on first use; a syntax that does
 * not parse gives a command without arguments rather than an error.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/glob.h"
#include "core/mem.h"
#include "server/cmddocs.h"
#include "server/cmdtab.h"

/* ------------------------------------------------------------ docs cache */

static pthread_once_t docs_once = PTHREAD_ONCE_INIT;
static cmddocs_tree **docs_by_id; /* indexed by command id; NULL: no arguments */
static int docs_n;

static void parse_one(void *priv, const command *cmd)
{
    (void)priv;
    if (cmd->id < 0 || cmd->id >= docs_n || !cmd->args) return;
    cmddocs_tree *t = NULL;
    if (cmddocs_parse(cmd->args, &t) == 0) docs_by_id[cmd->id] = t;
}

/* Parses every command's syntax; the trees live as long as the process. */
static void docs_build(void)
{
    docs_n = cmd_total_ids();
    docs_by_id = mem_calloc(sizeof(*docs_by_id) * (size_t)(docs_n > 0 ? docs_n : 1));
    cmd_foreach(parse_one, NULL);
}

static const cmddocs_tree *docs_of(const command *cmd)
{
    pthread_once(&docs_once, docs_build);
    return cmd->id >= 0 && cmd->id < docs_n ? docs_by_id[cmd->id] : NULL;
}

/* ---------------------------------------------------------------- helpers */

/* Looks a command up by its full name: "get", "config|get" (any case). */
static const command *lookup_fullname(slice name)
{
    const char *bar = memchr(name.p, '|', name.len);
    if (!bar) return cmd_lookup_name(name.p, name.len);
    slice parts[2] = {{name.p, (size_t)(bar - name.p)},
                      {bar + 1, name.len - (size_t)(bar - name.p) - 1}};
    const command *parent = cmd_lookup_name(parts[0].p, parts[0].len);
    if (!parent || !parent->subs) return NULL;
    const command *sub = cmd_lookup(parts, 2);
    return sub != parent ? sub : NULL;
}

static int count_subs(const command *cmd)
{
    int n = 0;
    if (cmd->subs)
        for (const command *s = cmd->subs; s->name; s++)
            n++;
    return n;
}

static const struct {
    uint32_t flag;
    const char *name;
} flag_names[] = {
    {CMD_WRITE, "write"},
    {CMD_READONLY, "readonly"},
    {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"},
    {CMD_PUBSUB, "pubsub"},
    {CMD_NOSCRIPT, "noscript"},
    {CMD_BLOCKING, "blocking"},
    {CMD_LOADING, "loading"},
    {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"},
    {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_FAST, "fast"},
    {CMD_NO_AUTH, "no_auth"},
    {CMD_MAY_REPLICATE, "may_replicate"},
    {CMD_NO_ASYNC_LOADING, "no_async_loading"},
    {CMD_NO_MULTI, "no_multi"},
    {CMD_MOVABLE_KEYS, "movablekeys"},
    {CMD_ALLOW_BUSY, "allow_busy"},
};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static uint32_t reported_flags(const command *cmd)
{
    return cmd->flags | (cmd->getkeys ? CMD_MOVABLE_KEYS : 0);
}

static void reply_flags(client *c, const command *cmd)
{
    uint32_t f = reported_flags(cmd);
    size_t n = 0;
    for (size_t i = 0; i < NFLAGS; i++)
        n += (f & flag_names[i].flag) != 0;
    reply_set(c, n);
    for (size_t i = 0; i < NFLAGS; i++)
        if (f & flag_names[i].flag) reply_status(c, flag_names[i].name);
}

static void reply_acl(client *c, const command *cmd)
{
    int ncat = acl_category_count();
    size_t n = 0;
    for (int i = 0; i < ncat && i < 64; i++)
        n += (cmd->acl >> i) & 1;
    reply_set(c, n);
    for (int i = 0; i < ncat && i < 64; i++) {
        if (!((cmd->acl >> i) & 1)) continue;
        char name[64];
        snprintf(name, sizeof(name), "@%s", acl_category_names[i]);
        reply_status(c, name);
    }
}

/* ------------------------------------------------------------- key specs */

#define MAX_KEY_FLAGS 12

typedef struct key_flags {
    int n;
    char w[MAX_KEY_FLAGS][24];
} key_flags;

/* The key-spec flags of set `set` of cmd (cmdtab.h) as COMMAND reports them:
 * RO/RW/OW/RM in capitals, the rest in lower case ("RW ACCESS UPDATE" -> RW
 * access update). Without .key_flags: RW for write commands, RO for the
 * others. */
static void get_key_flags(const command *cmd, int set, key_flags *kf)
{
    kf->n = 0;
    size_t total;
    const char *s = cmd_key_flagset_text(cmd, set, &total);
    const char *end = s + total;
    while (s < end && kf->n < MAX_KEY_FLAGS) {
        while (s < end && *s == ' ')
            s++;
        size_t len = 0;
        while (s + len < end && s[len] != ' ') len++;
        if (!len) break;
        char *w = kf->w[kf->n];
        size_t k = len < sizeof(kf->w[0]) - 1 ? len : sizeof(kf->w[0]) - 1;
        memcpy(w, s, k);
        w[k] = 0;
        int upper = k == 2 && (!strcasecmp(w, "RO") || !strcasecmp(w, "RW") ||
                               !strcasecmp(w, "OW") || !strcasecmp(w, "RM"));
        for (size_t i = 0; i < k; i++) {
            if (upper && w[i] >= 'a' && w[i] <= 'z') w[i] = (char)(w[i] - 'a' + 'A');
            if (!upper && w[i] >= 'A' && w[i] <= 'Z') w[i] = (char)(w[i] - 'A' + 'a');
        }
        kf->n++;
        s += len;
    }
}

static void reply_key_flags(client *c, const key_flags *kf, int add_incomplete)
{
    int has = 0;
    for (int i = 0; i < kf->n; i++)
        has |= strcmp(kf->w[i], "incomplete") == 0;
    add_incomplete = add_incomplete && !has;
    reply_set(c, (size_t)kf->n + (add_incomplete ? 1 : 0));
    for (int i = 0; i < kf->n; i++)
        reply_status(c, kf->w[i]);
    if (add_incomplete) reply_status(c, "incomplete");
}

/* How many key specs COMMAND INFO reports for cmd: a fixed range split into
 * one spec per flag set (RENAME: key, newkey), or one range spec (first
 * set) plus an "unknown" one (last set) when a getkeys function finds more. */
static int range_specs(const command *cmd)
{
    if (cmd->keys.first <= 0) return 0;
    return cmd->getkeys ? 1 : cmd_key_flagsets(cmd);
}

static int spec_count(const command *cmd)
{
    return range_specs(cmd) + (cmd->getkeys != NULL);
}

static void reply_search(client *c, const char *type, const char *k1, long long v1,
                         const char *k2, long long v2, const char *k3, long long v3)
{
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, type);
    reply_bulk_cstr(c, "spec");
    reply_map(c, (size_t)(k1 != NULL) + (k2 != NULL) + (k3 != NULL));
    const char *keys[3] = {k1, k2, k3};
    long long vals[3] = {v1, v2, v3};
    for (int i = 0; i < 3; i++) {
        if (!keys[i]) continue;
        reply_bulk_cstr(c, keys[i]);
        reply_int(c, vals[i]);
    }
}

static void reply_key_specs(client *c, const command *cmd)
{
    key_flags kf;
    reply_set(c, (size_t)spec_count(cmd));
    const cmd_keys *k = &cmd->keys;
    int nrange = range_specs(cmd), step = k->step > 0 ? k->step : 1;
    for (int i = 0; i < nrange; i++) {
        int begin = k->first + i * step;
        get_key_flags(cmd, i, &kf);
        reply_map(c, 3);
        reply_bulk_cstr(c, "flags");
        reply_key_flags(c, &kf, 0);
        reply_bulk_cstr(c, "begin_search");
        reply_search(c, "index", "index", begin, NULL, 0, NULL, 0);
        reply_bulk_cstr(c, "find_keys");
        int lastkey = i < nrange - 1 ? 0 : k->last >= 0 ? k->last - begin : k->last;
        reply_search(c, "range", "lastkey", lastkey, "keystep", step, "limit", 0);
    }
    if (cmd->getkeys) {
        get_key_flags(cmd, cmd_key_flagsets(cmd) - 1, &kf);
        reply_map(c, 3);
        reply_bulk_cstr(c, "flags");
        reply_key_flags(c, &kf, 1);
        reply_bulk_cstr(c, "begin_search");
        reply_search(c, "unknown", NULL, 0, NULL, 0, NULL, 0);
        reply_bulk_cstr(c, "find_keys");
        reply_search(c, "unknown", NULL, 0, NULL, 0, NULL, 0);
    }
}

/* ----------------------------------------------------------- COMMAND INFO */

static void reply_info_entry(client *c, const command *cmd)
{
    const cmd_keys *k = &cmd->keys;
    int has_range = k->first > 0;
    reply_array(c, 10);
    reply_bulk_cstr(c, cmd->name);
    reply_int(c, cmd->arity);
    reply_flags(c, cmd);
    reply_int(c, has_range ? k->first : 0);
    reply_int(c, has_range ? k->last : 0);
    reply_int(c, has_range ? (k->step > 0 ? k->step : 1) : 0);
    reply_acl(c, cmd);
    reply_set(c, 0); /* tips */
    reply_key_specs(c, cmd);
    int nsubs = count_subs(cmd);
    if (!nsubs) {
        reply_set(c, 0); /* as Redis: an empty set, but an array when there are some */
        return;
    }
    reply_array(c, (size_t)nsubs);
    for (const command *s = cmd->subs; s->name; s++)
        reply_info_entry(c, s);
}

static void reply_all_info(client *c)
{
    int n = cmd_count();
    reply_array(c, (size_t)n);
    for (int i = 0; i < n; i++)
        reply_info_entry(c, cmd_table[i]);
}

static void command_info_cmd(client *c)
{
    if (c->argc <= 2) {
        reply_all_info(c);
        return;
    }
    reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) {
        const command *cmd = lookup_fullname(c->argv[i]);
        if (cmd)
            reply_info_entry(c, cmd);
        else
            reply_null(c);
    }
}

/* The COMMAND container itself: without a subcommand, every command. The
 * dispatcher resolves known subcommands, so with arguments we only get here
 * for an unknown one. */
static void command_cmd(client *c)
{
    if (c->argc == 1) {
        reply_all_info(c);
        return;
    }
    slice s = c->argv[1];
    reply_errorf(c, "ERR unknown subcommand '%.*s'. Try COMMAND HELP.",
                 (int)(s.len > 128 ? 128 : s.len), s.p);
}

static void command_count_cmd(client *c)
{
    reply_int(c, cmd_count());
}

/* ----------------------------------------------------------- COMMAND DOCS */

static size_t flag_count(unsigned f)
{
    return (size_t)((f & CMDDOCS_OPTIONAL) != 0) + ((f & CMDDOCS_MULTIPLE) != 0) +
           ((f & CMDDOCS_MULTIPLE_TOKEN) != 0);
}

static void reply_doc_arg(client *c, const cmddocs_arg *a, int nspecs)
{
    int ksi = a->type == CMDDOCS_KEY && a->key_index >= 0 && nspecs > 0;
    size_t nflags = flag_count(a->flags);
    reply_map(c, 2 + (size_t)ksi + (a->token != NULL) + (nflags > 0) + (a->nargs > 0));
    reply_bulk_cstr(c, "name");
    reply_bulk_cstr(c, a->name);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, cmddocs_type_name(a->type));
    if (ksi) {
        reply_bulk_cstr(c, "key_spec_index");
        reply_int(c, a->key_index < nspecs ? a->key_index : nspecs - 1);
    }
    if (a->token) {
        reply_bulk_cstr(c, "token");
        reply_bulk_cstr(c, a->token);
    }
    if (nflags) {
        reply_bulk_cstr(c, "flags");
        reply_set(c, nflags);
        if (a->flags & CMDDOCS_OPTIONAL) reply_status(c, "optional");
        if (a->flags & CMDDOCS_MULTIPLE) reply_status(c, "multiple");
        if (a->flags & CMDDOCS_MULTIPLE_TOKEN) reply_status(c, "multiple_token");
    }
    if (a->nargs) {
        reply_bulk_cstr(c, "arguments");
        reply_array(c, (size_t)a->nargs);
        for (int i = 0; i < a->nargs; i++)
            reply_doc_arg(c, &a->args[i], nspecs);
    }
}

/* name => map; the name is the full one ("config|get"). */
static void reply_docs_entry(client *c, const command *cmd)
{
    const cmddocs_tree *t = docs_of(cmd);
    int has_args = t && t->nargs > 0;
    int nsubs = count_subs(cmd);
    reply_bulk_cstr(c, cmd->name);
    reply_map(c, (size_t)(cmd->summary != NULL) + (cmd->since != NULL) +
                     (cmd->group != NULL) + (cmd->complexity != NULL) + (size_t)has_args +
                     (nsubs > 0));
    const char *fields[4][2] = {{"summary", cmd->summary},
                                {"since", cmd->since},
                                {"group", cmd->group},
                                {"complexity", cmd->complexity}};
    for (int i = 0; i < 4; i++) {
        if (!fields[i][1]) continue;
        reply_bulk_cstr(c, fields[i][0]);
        reply_bulk_cstr(c, fields[i][1]);
    }
    if (has_args) {
        int nspecs = spec_count(cmd);
        reply_bulk_cstr(c, "arguments");
        reply_array(c, (size_t)t->nargs);
        for (int i = 0; i < t->nargs; i++)
            reply_doc_arg(c, &t->args[i], nspecs);
    }
    if (nsubs) {
        reply_bulk_cstr(c, "subcommands");
        reply_map(c, (size_t)nsubs);
        for (const command *s = cmd->subs; s->name; s++)
            reply_docs_entry(c, s);
    }
}

static void command_docs_cmd(client *c)
{
    if (c->argc <= 2) {
        int n = cmd_count();
        reply_map(c, (size_t)n);
        for (int i = 0; i < n; i++)
            reply_docs_entry(c, cmd_table[i]);
        return;
    }
    int nnames = c->argc - 2;
    const command **found = mem_alloc(sizeof(*found) * (size_t)nnames);
    int n = 0;
    for (int i = 0; i < nnames; i++) {
        const command *cmd = lookup_fullname(c->argv[2 + i]);
        if (cmd) found[n++] = cmd;
    }
    reply_map(c, (size_t)n);
    for (int i = 0; i < n; i++)
        reply_docs_entry(c, found[i]);
    mem_free(found);
}

/* ----------------------------------------------------------- COMMAND LIST */

enum { FILTER_NONE, FILTER_MODULE, FILTER_ACLCAT, FILTER_PATTERN };

typedef struct list_state {
    client *c;
    int filter;
    uint64_t cat;  /* ACLCAT: the category bit */
    slice pattern; /* PATTERN */
    size_t n;
} list_state;

static void list_one(void *priv, const command *cmd)
{
    list_state *st = priv;
    if (st->filter == FILTER_ACLCAT && !(cmd->acl & st->cat)) return;
    if (st->filter == FILTER_PATTERN &&
        !glob_match(st->pattern.p, st->pattern.len, cmd->name, strlen(cmd->name), 1))
        return;
    reply_bulk_cstr(st->c, cmd->name);
    st->n++;
}

static void command_list_cmd(client *c)
{
    list_state st = {.c = c, .filter = FILTER_NONE};
    if (c->argc == 5 && slice_is(c->argv[2], "filterby")) {
        slice kind = c->argv[3], arg = c->argv[4];
        if (slice_is(kind, "module")) {
            reply_array(c, 0); /* no modules */
            return;
        } else if (slice_is(kind, "aclcat")) {
            int ncat = acl_category_count(), i;
            for (i = 0; i < ncat && i < 64; i++)
                if (slice_is(arg, acl_category_names[i])) break;
            if (i == ncat || i >= 64) {
                reply_array(c, 0);
                return;
            }
            st.filter = FILTER_ACLCAT;
            st.cat = 1ull << i;
        } else if (slice_is(kind, "pattern")) {
            st.filter = FILTER_PATTERN;
            st.pattern = arg;
        } else {
            reply_err_syntax(c);
            return;
        }
    } else if (c->argc != 2) {
        reply_err_syntax(c);
        return;
    }
    size_t mark = reply_defer(c);
    cmd_foreach(list_one, &st);
    reply_set_deferred(c, mark, RESP_AGG_ARRAY, st.n);
}

/* ------------------------------------------------- COMMAND GETKEYS[ANDFLAGS] */

static void getkeys_generic(client *c, int with_flags)
{
    const slice *av = c->argv + 2;
    int n = c->argc - 2;
    if (n < 1) { /* the dispatcher's arity check makes this impossible */
        reply_err_arity(c);
        return;
    }
    const command *cmd = cmd_lookup(av, n);
    /* A container left unresolved: unknown subcommand, or none given. */
    if (!cmd || (cmd->subs && (n >= 2 || !cmd->proc))) {
        reply_error(c, "ERR Invalid command specified");
        return;
    }
    if (cmd->keys.first <= 0 && !cmd->getkeys) {
        reply_error(c, "ERR The command has no key arguments");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != n) || n < -cmd->arity) {
        reply_error(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    int *pos = mem_alloc(sizeof(int) * (size_t)n);
    int nkeys = cmd_get_keys(cmd, av, n, pos, n);
    if (nkeys < 0) {
        mem_free(pos);
        reply_error(c, "ERR Invalid arguments specified for command");
        return;
    }
    int valid = 0;
    for (int i = 0; i < nkeys; i++)
        if (pos[i] >= 0 && pos[i] < n) pos[valid++] = pos[i];
    key_flags kf;
    int nsets = cmd_key_flagsets(cmd);
    reply_array(c, (size_t)valid);
    for (int i = 0; i < valid; i++) {
        /* the i-th key takes the i-th flag set (cmdtab.h) */
        if (with_flags && cmd->key_flags_fn) {
            const char *words[MAX_KEY_FLAGS];
            kf.n = cmd_key_flag_words(cmd->key_flags_fn(av, n, i), words, MAX_KEY_FLAGS);
            for (int w = 0; w < kf.n; w++) snprintf(kf.w[w], sizeof(kf.w[w]), "%s", words[w]);
        } else if (with_flags) {
            get_key_flags(cmd, i < nsets ? i : nsets - 1, &kf);
        }
        if (with_flags) reply_array(c, 2);
        reply_bulk(c, av[pos[i]].p, av[pos[i]].len);
        if (with_flags) reply_key_flags(c, &kf, 0);
    }
    mem_free(pos);
}

static void command_getkeys_cmd(client *c)
{
    getkeys_generic(c, 0);
}

static void command_getkeysandflags_cmd(client *c)
{
    getkeys_generic(c, 1);
}

/* ----------------------------------------------------------- COMMAND HELP */

static void command_help_cmd(client *c)
{
    static const char *const lines[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about every command of the server.",
        "COUNT",
        "    Return the number of commands of the server.",
        "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
        "    Return the names of the commands and subcommands, all of them or those",
        "    matching the filter.",
        "INFO [<command-name> ...]",
        "    Return details about the named commands, or about all commands when no",
        "    name is given.",
        "DOCS [<command-name> ...]",
        "    Return the documentation of the named commands, or of all commands when",
        "    no name is given.",
        "GETKEYS <full-command>",
        "    Return the key names found in a full command line.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the key names found in a full command line, with their flags.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, lines);
}

/* ---------------------------------------------------------- command table */

#define COMMAND_SUB(sname, fn, ar, ver, sum, cplx, syntax)                               \
    {                                                                                    \
        .name = "command|" sname, .proc = fn, .arity = ar,                               \
        .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,              \
        .group = "server", .since = ver, .summary = sum, .complexity = cplx,             \
        .args = syntax                                                                   \
    }

static command command_subcommands[] = {
    COMMAND_SUB("count", command_count_cmd, 2, "2.8.13",
                "Returns how many commands the server has.", "O(1)", NULL),
    COMMAND_SUB("docs", command_docs_cmd, -2, "7.0.0",
                "Returns the documentation of one, several or all commands.",
                "O(N) where N is the number of commands looked up",
                "[command-name [command-name ...]]"),
    COMMAND_SUB("getkeys", command_getkeys_cmd, -4, "2.8.13",
                "Extracts the key names from a full command line.",
                "O(N) where N is the number of arguments of the command",
                "command [arg [arg ...]]"),
    COMMAND_SUB("getkeysandflags", command_getkeysandflags_cmd, -4, "7.0.0",
                "Extracts the key names from a full command line, with how each is used.",
                "O(N) where N is the number of arguments of the command",
                "command [arg [arg ...]]"),
    COMMAND_SUB("help", command_help_cmd, 2, "5.0.0",
                "Returns help text about the COMMAND subcommands.", "O(1)", NULL),
    COMMAND_SUB("info", command_info_cmd, -2, "2.8.13",
                "Returns the details of one, several or all commands.",
                "O(N) where N is the number of commands looked up",
                "[command-name [command-name ...]]"),
    COMMAND_SUB("list", command_list_cmd, -2, "7.0.0",
                "Returns the names of the commands, optionally filtered.",
                "O(N) where N is the total number of commands and subcommands",
                "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]"),
    {0},
};

command command_commands[] = {
    {.name = "command",
     .proc = command_cmd,
     .arity = -1,
     .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_CONNECTION,
     .group = "server",
     .since = "2.8.13",
     .summary = "Returns the details of every command of the server.",
     .complexity = "O(N) where N is the total number of commands",
     .subs = command_subcommands},
    {0},
};
