/* core/mem.c — see mem.h. */
#include "core/mem.h"

#include "core/buf.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <malloc.h>

#ifndef KV_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/* Per-thread byte counters. A thread gets a slot on its first allocation; slots
 * are never reused, MEM_SLOTS bounds the threads that count separately and the
 * rest share the last slot with atomic updates. */
#define MEM_SLOTS 64
typedef struct {
    _Atomic long long used;
    char pad[64 - sizeof(long long)];
} mem_slot;

static mem_slot slots[MEM_SLOTS];
static _Atomic int next_slot;
static _Thread_local mem_slot *my_slot;

static inline mem_slot *slot(void)
{
    if (!my_slot) {
        int i = atomic_fetch_add(&next_slot, 1);
        my_slot = &slots[i < MEM_SLOTS ? i : MEM_SLOTS - 1];
    }
    return my_slot;
}

static inline void count(long long delta)
{
    atomic_fetch_add_explicit(&slot()->used, delta, memory_order_relaxed);
}

static void oom(size_t size)
{
    fprintf(stderr, "kvik: out of memory allocating %zu bytes\n", size);
    fflush(stderr);
    abort();
}

size_t mem_usable(const void *ptr)
{
    return ptr ? malloc_usable_size((void *)ptr) : 0;
}

size_t mem_good_size(size_t size)
{
#ifndef KV_NO_JEMALLOC
    size_t n = nallocx(size ? size : 1, 0);
    return n ? n : size;
#else
    return size;
#endif
}

void *mem_alloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) oom(size);
    count((long long)mem_usable(p));
    return p;
}

void *mem_calloc(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p) oom(size);
    count((long long)mem_usable(p));
    return p;
}

void *mem_realloc(void *ptr, size_t size)
{
    if (!ptr) return mem_alloc(size);
    size_t old = mem_usable(ptr);
    void *p = realloc(ptr, size ? size : 1);
    if (!p) oom(size);
    count((long long)mem_usable(p) - (long long)old);
    return p;
}

void mem_free(void *ptr)
{
    if (!ptr) return;
    count(-(long long)mem_usable(ptr));
    free(ptr);
}

char *mem_strdup(const char *s)
{
    return mem_dup(s, strlen(s) + 1);
}

void *mem_dup(const void *p, size_t len)
{
    void *d = mem_alloc(len);
    if (len) memcpy(d, p, len);
    return d;
}

long long mem_thread_counter(void)
{
    return atomic_load_explicit(&slot()->used, memory_order_relaxed);
}

size_t mem_used(void)
{
    long long sum = 0;
    for (int i = 0; i < MEM_SLOTS; i++)
        sum += atomic_load_explicit(&slots[i].used, memory_order_relaxed);
    return sum > 0 ? (size_t)sum : 0;
}

size_t mem_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long size = 0, rss = 0;
    int n = fscanf(f, "%lu %lu", &size, &rss);
    fclose(f);
    return n == 2 ? rss * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

const char *mem_allocator_name(void)
{
#ifndef KV_NO_JEMALLOC
    static char name[32];
    if (!name[0]) {
        const char *v = NULL;
        size_t sz = sizeof(v);
        if (mallctl("version", &v, &sz, NULL, 0) == 0 && v)
            snprintf(name, sizeof(name), "jemalloc-%.*s", (int)strcspn(v, "-"), v);
        else
            snprintf(name, sizeof(name), "jemalloc");
    }
    return name;
#else
    return "libc";
#endif
}

void mem_allocator_stats(size_t *allocated, size_t *active, size_t *resident)
{
    *allocated = *active = *resident = 0;
#ifndef KV_NO_JEMALLOC
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    sz = sizeof(size_t);
    mallctl("stats.allocated", allocated, &sz, NULL, 0);
    mallctl("stats.active", active, &sz, NULL, 0);
    mallctl("stats.resident", resident, &sz, NULL, 0);
#endif
}

static _Atomic size_t peak;

size_t mem_peak_update(void)
{
    size_t now = mem_used(), seen = atomic_load_explicit(&peak, memory_order_relaxed);
    while (now > seen &&
           !atomic_compare_exchange_weak_explicit(&peak, &seen, now, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
    return now > seen ? now : seen;
}

void mem_purge(void)
{
#ifndef KV_NO_JEMALLOC
    char name[64];
    snprintf(name, sizeof(name), "arena.%u.purge", (unsigned)MALLCTL_ARENAS_ALL);
    mallctl(name, NULL, NULL, NULL, 0);
#else
    malloc_trim(0);
#endif
}

#ifndef KV_NO_JEMALLOC
static void report_line(void *priv, const char *text)
{
    buf_puts(priv, text);
}
#endif

void mem_allocator_report(struct buf *out)
{
#ifndef KV_NO_JEMALLOC
    malloc_stats_print(report_line, out, NULL);
#else
    buf_puts(out, "Stats not supported for the current allocator\n");
#endif
}
