/* server/cmd_config.h — the CONFIG command: GET, SET, RESETSTAT, REWRITE, HELP.
 *
 * The handlers are thin: every rule about settings lives in server/config.c.
 * config_subcommands is the subcommand table ("config|get", ...) to hang under
 * the "config" container entry of the command table (.subs). */
#ifndef KV_SERVER_CMD_CONFIG_H
#define KV_SERVER_CMD_CONFIG_H

#include "server/server.h"

/* CONFIG GET pattern [pattern ...]: a map (RESP3) or flat array (RESP2) of
 * name/value pairs; a setting matched by several patterns appears once. */
void cmd_config_get(client *c);
/* CONFIG SET name value [name value ...]: all pairs or none. */
void cmd_config_set(client *c);
/* CONFIG RESETSTAT: clears the statistics INFO reports. */
void cmd_config_resetstat(client *c);
/* CONFIG REWRITE: writes the running settings into the config file. */
void cmd_config_rewrite(client *c);
void cmd_config_help(client *c);

/* NULL-terminated (name == NULL) subcommands of CONFIG. */
extern command config_subcommands[];

/* Clears INFO statistics (server/stats: provided by the server layer). */
void server_reset_stats(void);

#endif
