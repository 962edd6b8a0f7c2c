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

#include "server/config.h"
#include "server/server.h"

/* Logs c's command, which ran duration_us (not flagged skip_slowlog). */
void slowlog_push(client *c, const command *cmd, uint64_t duration_us);

/* Called after each command with the cycles it took: logs it when its time
 * reaches slowlog-log-slower-than. A cycle is never longer than a
 * microsecond, so a command that took fewer cycles than the threshold's
 * microseconds (nearly every one) is passed over without converting. */
static inline void slowlog_after_call(client *c, const command *cmd, uint64_t cycles)
{
    long long threshold = cfg.slowlog_log_slower_than;
    if (threshold < 0 || cycles < (uint64_t)threshold) return;
    uint64_t us = cycles_to_us(cycles);
    if ((long long)us >= threshold) slowlog_push(c, cmd, us);
}

/* Frees every entry (exit). */
void slowlog_free(void);

/* The SLOWLOG command (listed in cmdtab.h with the other groups). */

#endif
