/* core/log.c — see log.h. */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

static int min_level = LOG_NOTICE;
static FILE *out;
static char *out_path;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(int level)
{
    min_level = level;
}

int log_open(const char *path)
{
    pthread_mutex_lock(&lock);
    if (out && out != stderr) fclose(out);
    out = NULL;
    if (path && *path) {
        if (path != out_path) {
            char *dup = mem_strdup(path);
            mem_free(out_path);
            out_path = dup;
        }
        out = fopen(out_path, "a");
    }
    int rc = (path && *path && !out) ? -1 : 0;
    pthread_mutex_unlock(&lock);
    return rc;
}

void log_msg(int level, const char *fmt, ...)
{
    if (level < min_level) return;
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
    FILE *f = out ? out : stderr;
    fprintf(f, "%d:M %s %c %s\n", (int)getpid(), ts, marks[level & 3], msg);
    fflush(f);
    pthread_mutex_unlock(&lock);
}
