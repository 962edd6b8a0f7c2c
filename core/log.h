/* core/log.h — the server log. Lines look like Redis's:
 *   <pid>:<role> <day> <mon> <year> <time>.<ms> <level char> <message>
 * Writes go to stderr until log_open sets a file. Thread-safe. */
#ifndef KV_CORE_LOG_H
#define KV_CORE_LOG_H

enum { LOG_DEBUG, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING };

/* Sets the minimum level that is written. */
void log_set_level(int level);
/* Logs to path (appending); NULL or "" logs to stderr. Returns 0 or -1. Calling
 * it again reopens (after logrotate). */
int log_open(const char *path);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)

#endif
