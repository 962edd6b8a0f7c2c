/* server/cmdtab.c — the command table: lookup, ids, key positions.
 *
 * The commands themselves are defined beside their handlers (cmdtab.h); this
 * file assembles the groups into one name index at start. */
#include "server/cmdtab.h"

#include <ctype.h>
#include <string.h>

#include "core/hash.h"
#include "core/htab.h"
#include "core/mem.h"


/* The groups, in COMMAND order. */
static command *group_list[] = {
    string_commands, list_commands, hash_commands, set_commands, zset_commands,
    stream_commands,
    bitmap_commands, hll_commands, geo_commands, sort_commands, keys_commands,
    server_commands, connection_commands, command_commands, multi_commands,
    persist_commands, pubsub_commands, namespace_commands,
};
#define NGROUPS (sizeof(group_list) / sizeof(group_list[0]))

command *cmd_table[1024];
static int ncmds, nids;
static const command **by_id;
static htab *index_;

static const void *cmd_key(const void *elem, size_t *len)
{
    const command *c = elem;
    *len = strlen(c->name);
    return c->name;
}

static int key_eq_nocase(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

static const htab_type cmd_htab_type = {
    .key = cmd_key, .hash = hash_nocase, .key_eq = key_eq_nocase,
};

static void assign_ids(command *cmd)
{
    cmd->id = nids++;
    if (cmd->subs)
        for (command *s = cmd->subs; s->name; s++) {
            s->parent = cmd;
            assign_ids(s);
        }
}

static void collect_ids(command *cmd)
{
    by_id[cmd->id] = cmd;
    if (cmd->subs)
        for (command *s = cmd->subs; s->name; s++) collect_ids(s);
}

void cmd_init(void)
{
    if (index_) return;
    index_ = htab_new(&cmd_htab_type);
    for (size_t g = 0; g < NGROUPS; g++) {
        for (command *c = group_list[g]; c->name; c++) {
            if (!htab_add(index_, c)) continue; /* first definition wins */
            cmd_table[ncmds++] = c;
            assign_ids(c);
        }
    }
    cmd_table[ncmds] = NULL;
    by_id = mem_calloc(sizeof(*by_id) * (size_t)nids);
    for (int i = 0; i < ncmds; i++) collect_ids(cmd_table[i]);
}

int cmd_count(void)
{
    return ncmds;
}

int cmd_total_ids(void)
{
    return nids;
}

const command *cmd_by_id(int id)
{
    return id >= 0 && id < nids ? by_id[id] : NULL;
}

const command *cmd_lookup_name(const char *name, size_t len)
{
    return htab_find(index_, name, len);
}

static const command *find_sub(const command *parent, slice name)
{
    size_t plen = strlen(parent->name);
    for (const command *s = parent->subs; s->name; s++) {
        const char *sub = s->name + plen + 1; /* after "parent|" */
        if (strlen(sub) == name.len && strncasecmp(sub, name.p, name.len) == 0) return s;
    }
    return NULL;
}

const command *cmd_lookup(const slice *argv, int argc)
{
    const command *c = htab_find(index_, argv[0].p, argv[0].len);
    if (!c || !c->subs || argc < 2) return c;
    const command *s = find_sub(c, argv[1]);
    return s ? s : c;
}

void cmd_foreach(void (*fn)(void *priv, const command *cmd), void *priv)
{
    for (int i = 0; i < nids; i++) fn(priv, by_id[i]);
}

int cmd_get_keys(const command *cmd, const slice *argv, int argc, int *pos, int max)
{
    if (cmd->getkeys) return cmd->getkeys(argv, argc, pos, max);
    const cmd_keys *k = &cmd->keys;
    if (k->first <= 0 || k->first >= argc) return 0;
    int last = k->last < 0 ? argc + k->last : k->last;
    if (last >= argc) last = argc - 1;
    int step = k->step > 0 ? k->step : 1;
    int n = 0;
    for (int i = k->first; i <= last && n < max; i += step) pos[n++] = i;
    return n;
}

const char *const acl_category_names[] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
    "dangerous", "connection", "transaction", "scripting",
};

int acl_category_count(void)
{
    return (int)(sizeof(acl_category_names) / sizeof(acl_category_names[0]));
}
