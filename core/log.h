/* core/log.h — the server log. Lines look like Redis's:
 *   <pid>:<role> <day> <mon> <year> <time>.<ms> <level char> <message>
 * Writes go to stderr until log_open sets a file. Thread-safe.
 *
 * With rotation on, the file at the configured path holds the current hour or
 * day; earlier periods are renamed to "<path>.YYYY-MM-DDTHH" (hourly) or
 * "<path>.YYYY-MM-DD" (daily), local time (see log.c). */
#ifndef KV_CORE_LOG_H
#define KV_CORE_LOG_H

#include <stddef.h>
#include <time.h>

enum { LOG_DEBUG, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING };
enum { LOG_ROTATE_NEVER, LOG_ROTATE_HOURLY, LOG_ROTATE_DAILY };

/* Sets the minimum level that is written. */
void log_set_level(int level);
/* Logs to path (appending); NULL or "" logs to stderr. Returns 0 or -1. Calling
 * it again reopens (after logrotate: SIGHUP). The path is copied. */
int log_open(const char *path);
/* LOG_ROTATE_NEVER, _HOURLY or _DAILY; takes effect from the next line. Set it
 * before log_open so that a stale file is rotated at open. */
void log_set_rotation(int mode);
/* Rotates now, as if the period had ended (tests, DEBUG LOG-ROTATE). 0, or -1
 * when there is no log file or rotation is off. */
int log_rotate_now(void);
/* Writes "<path>.<stamp>" for the period starting at `period` into out (size
 * bytes); returns the length it needs, as snprintf. */
size_t log_rotated_name(const char *path, time_t period, int mode, char *out, size_t size);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)

#endif
