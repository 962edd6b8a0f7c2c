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

/* ACL category names, indexed by bit position. */
extern const char *const acl_category_names[];
int acl_category_count(void);

/* Iterates over every command and subcommand (stats, COMMAND LIST). */
void cmd_foreach(void (*fn)(void *priv, const command *cmd), void *priv);
const command *cmd_by_id(int id);

#endif
