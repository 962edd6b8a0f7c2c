/* server/slowlog.h — the slow log: commands that ran longer than
 * slowlog-log-slower-than microseconds, newest first, at most slowlog-max-len
 * of them (SLOWLOG GET | LEN | RESET | HELP, as Redis 7.0).
 *
 * Entries are shared by every worker behind one mutex, taken only for a slow
 * command or a SLOWLOG call. Arguments that may hold secrets (AUTH, HELLO's
 * AUTH pair, ACL SETUSER rules, CONFIG SET of a sensitive setting, MIGRATE's
 * AUTH/AUTH2) are stored as "(redacted)", as Redis does.
 */
#ifndef KV_SERVER_SLOWLOG_H
#define KV_SERVER_SLOWLOG_H

#include <stdint.h>

#include "server/server.h"

/* Called after each command: logs it when duration_us reaches the threshold
 * (and the command is not flagged skip_slowlog). */
void slowlog_after_call(client *c, const command *cmd, uint64_t duration_us);

/* Frees every entry (exit). */
void slowlog_free(void);

/* The SLOWLOG command (listed in cmdtab.h with the other groups). */

#endif
