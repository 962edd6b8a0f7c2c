/* core/log.c — see log.h.
 *
 * Rotation: the file being written is always the configured path (so `tail -F`
 * and logrotate keep working). When a line is logged in a later period than
 * the one the open file started in, the file is renamed to
 * "<path>.<stamp of its period>" and a fresh file is opened at <path>:
 *
 *     kvik.log                    the current hour or day
 *     kvik.log.2026-12-06T13      hourly: the lines of 13:00-13:59 (local time)
 *     kvik.log.2026-12-06         daily: the lines of that day (local time)
 *
 * Local time, like the time stamps of the lines. A name that exists already
 * (the same period rotated twice, e.g. by DEBUG LOG-ROTATE) gets ".1", ".2"...
 * At open, a file last written in an earlier period is rotated first, so a
 * restart does not mix yesterday's lines into today's file.
 */
#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

static _Atomic int min_level = LOG_NOTICE; /* CONFIG SET changes it while workers log */
static int rotation = LOG_ROTATE_NEVER;
static FILE *out;
static char *out_path;
static time_t out_period = -1; /* start of the period the open file belongs to */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(int level)
{
    atomic_store_explicit(&min_level, level, memory_order_relaxed);
}

/* The start of the period (hour or day, local time) holding t. */
static time_t period_of(time_t t, int mode)
{
    struct tm tm;
    localtime_r(&t, &tm);
    tm.tm_sec = 0;
    tm.tm_min = 0;
    if (mode == LOG_ROTATE_DAILY) tm.tm_hour = 0;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

size_t log_rotated_name(const char *path, time_t period, int mode, char *outname,
                        size_t size)
{
    struct tm tm;
    char stamp[32];
    localtime_r(&period, &tm);
    strftime(stamp, sizeof(stamp), mode == LOG_ROTATE_HOURLY ? "%Y-%m-%dT%H" : "%Y-%m-%d",
             &tm);
    return (size_t)snprintf(outname, size, "%s.%s", path, stamp);
}

/* Renames the open file to its period's name and opens a new one. Caller holds
 * lock; out_path is set. A failure leaves the old file in use. */
static void rotate_locked(int mode)
{
    char name[4096 + 64];
    size_t n = log_rotated_name(out_path, out_period, mode, name, sizeof(name) - 16);
    if (n >= sizeof(name) - 16) return; /* a path that long is not rotated */
    struct stat st;
    for (int i = 1; i < 10000 && stat(name, &st) == 0; i++)
        snprintf(name + n, sizeof(name) - n, ".%d", i);
    if (out) fflush(out);
    if (rename(out_path, name) != 0) return;
    FILE *f = fopen(out_path, "a");
    if (!f) return;
    if (out && out != stderr) fclose(out);
    out = f;
}

static void open_locked(void)
{
    if (out && out != stderr) fclose(out);
    out = NULL;
    out_period = -1;
    if (!out_path) return;
    struct stat st;
    if (rotation != LOG_ROTATE_NEVER && stat(out_path, &st) == 0 && st.st_size > 0) {
        out_period = period_of(st.st_mtime, rotation);
        if (out_period != period_of(time(NULL), rotation)) rotate_locked(rotation);
    }
    if (!out) out = fopen(out_path, "a");
    out_period = rotation != LOG_ROTATE_NEVER ? period_of(time(NULL), rotation) : -1;
}

int log_open(const char *path)
{
    pthread_mutex_lock(&lock);
    if (path != out_path) {
        char *dup = path && *path ? mem_strdup(path) : NULL;
        mem_free(out_path);
        out_path = dup;
    }
    open_locked();
    int rc = (out_path && !out) ? -1 : 0;
    pthread_mutex_unlock(&lock);
    return rc;
}

void log_set_rotation(int mode)
{
    pthread_mutex_lock(&lock);
    if (mode != rotation) {
        rotation = mode;
        out_period = mode != LOG_ROTATE_NEVER ? period_of(time(NULL), mode) : -1;
    }
    pthread_mutex_unlock(&lock);
}

int log_rotate_now(void)
{
    int rc = -1;
    pthread_mutex_lock(&lock);
    if (out_path && out && rotation != LOG_ROTATE_NEVER) {
        if (out_period < 0) out_period = period_of(time(NULL), rotation);
        rotate_locked(rotation);
        rc = 0;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void log_msg(int level, const char *fmt, ...)
{
    if (level < atomic_load_explicit(&min_level, memory_order_relaxed)) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t t = tv.tv_sec;
    localtime_r(&t, &tm);
    char ts[64];
    size_t n = strftime(ts, sizeof(ts), "%d %b %Y %H:%M:%S", &tm);
    snprintf(ts + n, sizeof(ts) - n, ".%03d", (int)(tv.tv_usec / 1000));
    static const char marks[] = ".-*#";
    pthread_mutex_lock(&lock);
    static time_t checked; /* the second last checked: one period_of a second */
    if (out && out_period >= 0 && rotation != LOG_ROTATE_NEVER && t != checked) {
        checked = t;
        time_t p = period_of(t, rotation);
        if (p > out_period) {
            rotate_locked(rotation);
            out_period = p;
        }
    }
    FILE *f = out ? out : stderr;
    fprintf(f, "%d:M %s %c %s\n", (int)getpid(), ts, marks[level & 3], msg);
    fflush(f);
    pthread_mutex_unlock(&lock);
}
