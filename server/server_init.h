/* server/server_init.h — start-up and shutdown steps that main.c calls. */
#ifndef KV_SERVER_SERVER_INIT_H
#define KV_SERVER_SERVER_INIT_H

/* Copies settings into the subsystems that keep their own copy (the keyspace's
 * eviction settings, the log level). Called at start and after CONFIG SET. */
void server_apply_config(void);
/* The log settings only (level, rotation): main applies them before opening
 * the log file; server_apply_config calls it too. */
void server_apply_log_config(void);
/* Registers the value types of the types layer with the keyspace. */
void types_init(void);
/* Work done once the workers have stopped (final save, etc.). */
void server_shutdown_hooks(void);
/* Zeroes the statistics (CONFIG RESETSTAT). */
void server_reset_stats(void);

#endif
