/* core/mem.h — the allocator wrapper.
 *
 * Every allocation in kvik goes through these functions. They abort the process
 * with a message when memory runs out (there is no sane recovery mid-command),
 * and they keep a count of the bytes in use, per thread, which is what
 * maxmemory and INFO memory compare against.
 *
 * The allocator is jemalloc (linked in place of the system malloc); sanitizer
 * builds define KV_NO_JEMALLOC and use glibc's malloc so that ASan sees every
 * allocation.
 *
 * Counting: each thread adds the usable size of what it allocates and subtracts
 * what it frees to a counter of its own (no atomics on the hot path); the total
 * is the sum over threads. A block allocated on one thread and freed on another
 * moves the count between them, which the sum does not mind.
 */
#ifndef KV_CORE_MEM_H
#define KV_CORE_MEM_H

#include <stddef.h>
#include <stdint.h>

void *mem_alloc(size_t size);               /* never NULL */
void *mem_calloc(size_t size);              /* zeroed; never NULL */
void *mem_realloc(void *ptr, size_t size);  /* never NULL; ptr may be NULL */
void mem_free(void *ptr);                   /* ptr may be NULL */
char *mem_strdup(const char *s);
void *mem_dup(const void *p, size_t len); /* len may be 0: reads nothing */
size_t mem_usable(const void *ptr);         /* bytes actually reserved for ptr */
/* The usable size an allocation of size bytes would get (its size class), so
 * that a caller can tell whether a resize would change anything. */
size_t mem_good_size(size_t size);

/* Bytes currently allocated through this module, summed over all threads. */
size_t mem_used(void);
/* This thread's counter: what it allocated minus what it freed (any thread's
 * blocks), for measuring the memory one piece of work takes. */
long long mem_thread_counter(void);
/* Resident set size of the process in bytes (from /proc), 0 if unknown. */
size_t mem_rss(void);
/* The highest mem_used seen so far: updates it with the current figure and
 * returns it (called by the cron and by INFO / MEMORY STATS). */
size_t mem_peak_update(void);
/* Asks the allocator to give unused dirty pages back to the system (MEMORY
 * PURGE). */
void mem_purge(void);
/* Appends the allocator's own statistics report (MEMORY MALLOC-STATS); a line
 * saying there is none for allocators without one. */
struct buf;
void mem_allocator_report(struct buf *out);
/* Allocator name and version, for INFO. */
const char *mem_allocator_name(void);
/* Allocator figures for INFO memory: allocated, active, resident (bytes). Fields
 * are 0 when the allocator cannot say. */
void mem_allocator_stats(size_t *allocated, size_t *active, size_t *resident);

#endif
