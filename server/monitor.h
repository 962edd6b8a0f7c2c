/* server/monitor.h — MONITOR: every command the server runs, as a line to
 * each monitoring client (Redis 7.0's format and rules).
 *
 *   +<unix seconds>.<microseconds> [<db> <addr>] "<command>" "<arg>" ...
 *
 * A line is made once, after the command ran (so EXEC follows the commands it
 * ran, and SELECT shows the new database), for commands that are not flagged
 * admin or skip_monitor; secret arguments read "(redacted)" (cmd_arg_secret).
 * A monitor sees the commands of its own namespace only.
 *
 * Threads: each worker keeps the list of its own monitoring clients (owner
 * thread only); a global count per worker says which workers to tell. A line
 * for another worker travels through that worker's inbox (worker_post), so a
 * client pointer never crosses threads and one client's commands reach a
 * monitor in order. With no monitor, the cost per command is one atomic load.
 */
#ifndef KV_SERVER_MONITOR_H
#define KV_SERVER_MONITOR_H

#include <stdatomic.h>

#include "server/server.h"

extern _Atomic int monitor_count;

/* Sets the per-worker state up (after the workers exist). */
void monitor_init(void);
/* Called after a command ran: feeds it to the monitors. */
void monitor_feed_slow(client *c, const command *cmd);
static inline void monitor_feed(client *c, const command *cmd)
{
    if (atomic_load_explicit(&monitor_count, memory_order_relaxed) > 0)
        monitor_feed_slow(c, cmd);
}
/* A monitoring client leaves monitor mode (RESET, or it is freed). */
void monitor_stop(client *c);

#endif
