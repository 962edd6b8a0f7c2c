/* server/stats.h — per-worker counters. Each worker writes only its own; INFO
 * sums over workers (core/counter.h: relaxed atomics, a figure may be a moment
 * stale). */
#ifndef KV_SERVER_STATS_H
#define KV_SERVER_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/counter.h"

typedef struct cmd_stat {
    counter calls, cycles, rejected, failed; /* cycles: see cycles_to_us */
} cmd_stat;

#define STATS_MAX_ERRCODES 128

typedef struct worker_stats {
    counter commands;
    counter conns_received;
    counter rejected_conns;
    counter net_in, net_out;
    counter errors_total;
    counter unexpected_errors;
    counter client_qbuf_limit_disconnections, client_obuf_limit_disconnections;
    counter io_reads, io_writes;
    /* Error codes seen, for INFO errorstats: the owner fills err[nerr] and
     * then publishes it by storing nerr (release); readers load nerr first
     * (acquire). */
    _Atomic int nerr;
    struct {
        char code[32];
        counter count;
    } err[STATS_MAX_ERRCODES];
} worker_stats;

/* Counts an error reply by its code (the first word of msg). */
void stats_count_error(worker_stats *st, const char *msg, size_t len);

#endif
