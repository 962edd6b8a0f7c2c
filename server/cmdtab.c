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
#include "server/config.h"


/* The groups, in COMMAND order. */
static command *group_list[] = {
    string_commands, list_commands, hash_commands, set_commands, zset_commands,
    stream_commands,
    bitmap_commands, hll_commands, geo_commands, sort_commands, keys_commands,
    server_commands, connection_commands, command_commands, multi_commands,
    persist_commands, pubsub_commands, namespace_commands, acl_commands, slowlog_commands,
    memory_commands, monitor_commands,
};
#define NGROUPS (sizeof(group_list) / sizeof(group_list[0]))

command *cmd_table[1024];
static int ncmds, nids;
static const command **by_id;
static htab *index_;
static void key_sets_init(void);

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
    key_sets_init();
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

/* ---- key-spec flag sets ---- */

#define MAX_KEY_SETS 4

static uint32_t (*key_bits)[MAX_KEY_SETS]; /* by command id */
static unsigned char *key_nsets;

const char *cmd_key_flagset_text(const command *cmd, int i, size_t *len)
{
    const char *s = cmd->key_flags;
    if (!s || !*s) {
        s = (cmd->flags & CMD_WRITE) ? "RW" : "RO";
        *len = 2;
        return s;
    }
    for (; i > 0; i--) {
        const char *semi = strchr(s, ';');
        if (!semi) break;
        s = semi + 1;
    }
    while (*s == ' ') s++;
    size_t n = strcspn(s, ";");
    while (n && s[n - 1] == ' ') n--;
    *len = n;
    return s;
}

int cmd_key_flagsets(const command *cmd)
{
    int n = 1;
    if (cmd->key_flags)
        for (const char *s = cmd->key_flags; *s; s++) n += *s == ';';
    return n;
}

static uint32_t parse_key_set(const char *s, size_t len)
{
    static const struct {
        const char *w;
        uint32_t bit;
    } words[] = {{"RO", KEYF_RO}, {"RW", KEYF_RW}, {"OW", KEYF_OW}, {"RM", KEYF_RM},
                 {"ACCESS", KEYF_ACCESS}, {"UPDATE", KEYF_UPDATE}, {"INSERT", KEYF_INSERT},
                 {"DELETE", KEYF_DELETE}, {"NOT_KEY", KEYF_NOT_KEY},
                 {"INCOMPLETE", KEYF_INCOMPLETE}, {"VARIABLE_FLAGS", KEYF_VARIABLE_FLAGS}};
    uint32_t bits = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && s[i] == ' ') i++;
        size_t j = i;
        while (j < len && s[j] != ' ') j++;
        for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
            if (strlen(words[k].w) == j - i && strncasecmp(words[k].w, s + i, j - i) == 0)
                bits |= words[k].bit;
        i = j;
    }
    return bits;
}

static void key_sets_init(void)
{
    key_bits = mem_calloc(sizeof(*key_bits) * (size_t)(nids ? nids : 1));
    key_nsets = mem_calloc((size_t)(nids ? nids : 1));
    for (int id = 0; id < nids; id++) {
        const command *c = by_id[id];
        int n = cmd_key_flagsets(c);
        if (n > MAX_KEY_SETS) n = MAX_KEY_SETS;
        key_nsets[id] = (unsigned char)n;
        for (int i = 0; i < n; i++) {
            size_t len;
            const char *t = cmd_key_flagset_text(c, i, &len);
            key_bits[id][i] = parse_key_set(t, len);
        }
    }
}

uint32_t cmd_key_flags(const command *cmd, int keyidx)
{
    int n = key_nsets[cmd->id];
    return key_bits[cmd->id][keyidx < n ? keyidx : n - 1];
}

uint32_t cmd_key_flags_argv(const command *cmd, const slice *argv, int argc, int keyidx)
{
    if (cmd->key_flags_fn) return cmd->key_flags_fn(argv, argc, keyidx);
    return cmd_key_flags(cmd, keyidx);
}

int cmd_key_flag_words(uint32_t bits, const char **words, int max)
{
    static const char *const names[] = {"RO", "RW", "OW", "RM", "access", "update", "insert",
                                        "delete", "not_key", "incomplete", "variable_flags"};
    int n = 0;
    for (int i = 0; i < 11 && n < max; i++)
        if (bits & (1u << i)) words[n++] = names[i];
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

/* ---------------------------------------------------------------- secrets */

static int arg_is(slice s, const char *lit)
{
    return s.len == strlen(lit) && strncasecmp(s.p, lit, s.len) == 0;
}

int cmd_arg_secret(const command *cmd, const slice *argv, int argc, int i)
{
    const char *name = cmd->name;
    if (!strcmp(name, "auth")) return i >= 1;
    if (!strcmp(name, "acl|setuser")) return i >= 2;
    if (!strcmp(name, "hello")) {
        /* HELLO [protover [AUTH username password] [SETNAME clientname]] */
        for (int k = 2; k + 2 < argc; k++)
            if (arg_is(argv[k], "auth")) return i == k + 1 || i == k + 2;
        return 0;
    }
    if (!strcmp(name, "config|set")) {
        /* pairs from argument 2: the value of a sensitive setting */
        if (i < 3 || (i - 2) % 2 != 1) return 0;
        char setting[128];
        size_t n = argv[i - 1].len < sizeof(setting) - 1 ? argv[i - 1].len : sizeof(setting) - 1;
        for (size_t k = 0; k < n; k++) {
            char ch = argv[i - 1].p[k];
            setting[k] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        }
        setting[n] = 0;
        return cfg_is_sensitive(setting);
    }
    if (!strcmp(name, "migrate")) {
        for (int k = 6; k < argc && k < i; k++) {
            if (arg_is(argv[k], "auth") && i == k + 1) return 1;
            if (arg_is(argv[k], "auth2") && (i == k + 1 || i == k + 2)) return 1;
        }
        return 0;
    }
    return 0;
}

