/* server/cmdtab.h — the command table is assembled from per-group arrays.
 *
 * Each server/cmd_<group>.c defines its commands once, as data, in an array
 * `<group>_commands[]` terminated by an entry with name == NULL, and lists it
 * in the groups of cmdtab.c. Subcommands are arrays hung off their container
 * (`.subs`), named "container|sub". */
#ifndef KV_SERVER_CMDTAB_H
#define KV_SERVER_CMDTAB_H

#include "server/server.h"

extern command string_commands[];
extern command keys_commands[];
extern command server_commands[];
extern command connection_commands[];
extern command command_commands[];
extern command hash_commands[];
extern command set_commands[];
extern command list_commands[];
extern command zset_commands[];
extern command stream_commands[];
extern command bitmap_commands[];
extern command hll_commands[];
extern command geo_commands[];
extern command sort_commands[];
extern command multi_commands[];
extern command persist_commands[];
extern command pubsub_commands[];
extern command namespace_commands[];
extern command acl_commands[];
extern command slowlog_commands[];
extern command memory_commands[];
extern command monitor_commands[];

/* ACL category names, indexed by bit position. */
extern const char *const acl_category_names[];
int acl_category_count(void);

/* Key-spec flags (command.key_flags) as bits. */
enum {
    KEYF_RO = 1u << 0, KEYF_RW = 1u << 1, KEYF_OW = 1u << 2, KEYF_RM = 1u << 3,
    KEYF_ACCESS = 1u << 4, KEYF_UPDATE = 1u << 5, KEYF_INSERT = 1u << 6, KEYF_DELETE = 1u << 7,
    KEYF_NOT_KEY = 1u << 8, KEYF_INCOMPLETE = 1u << 9, KEYF_VARIABLE_FLAGS = 1u << 10,
};
/* How many flag sets cmd's key_flags holds (at least 1). */
int cmd_key_flagsets(const command *cmd);
/* The text of set i (as written; NOT NUL-terminated at the set's end):
 * *len bytes at the returned pointer. Without key_flags: "RW" for write
 * commands, "RO" otherwise. */
const char *cmd_key_flagset_text(const command *cmd, int i, size_t *len);
/* KEYF_* bits of the keyidx-th key cmd_get_keys finds (0-based). */
uint32_t cmd_key_flags(const command *cmd, int keyidx);

/* Like cmd_key_flags, but for VARIABLE_FLAGS commands the flags these
 * arguments give (SET without GET only overwrites its key). */
uint32_t cmd_key_flags_argv(const command *cmd, const slice *argv, int argc, int keyidx);
/* Writes the COMMAND name of each flag in bits, in Redis's order, into
 * words (up to max); returns how many. */
int cmd_key_flag_words(uint32_t bits, const char **words, int max);

/* Iterates over every command and subcommand (stats, COMMAND LIST). */
void cmd_foreach(void (*fn)(void *priv, const command *cmd), void *priv);
const command *cmd_by_id(int id);

#endif
