/* core/counter.h — statistics that one thread writes and others read.
 *
 * Each worker counts its own commands, bytes, hits and so on; INFO sums them
 * from another thread. The fields are relaxed atomics: the one writer pays a
 * plain load, add and store (no locked instruction, since nobody else writes
 * the field), and a reader sees a whole value, possibly a moment old. A reset
 * from another thread (CONFIG RESETSTAT) may lose an increment made at the
 * same instant, never more.
 */
#ifndef KV_CORE_COUNTER_H
#define KV_CORE_COUNTER_H

#include <stdatomic.h>
#include <stdint.h>

typedef _Atomic uint64_t counter;

static inline void counter_add(counter *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static inline uint64_t counter_get(const counter *c)
{
    return atomic_load_explicit((counter *)c, memory_order_relaxed);
}

static inline void counter_set(counter *c, uint64_t v)
{
    atomic_store_explicit(c, v, memory_order_relaxed);
}

#endif
