/* server/stats.h — per-worker counters. Each worker writes only its own; INFO
 * sums over workers (plain loads: a figure may be a moment stale). */
#ifndef KV_SERVER_STATS_H
#define KV_SERVER_STATS_H

#include <stdint.h>

typedef struct cmd_stat {
    uint64_t calls, cycles, rejected, failed; /* cycles: see cycles_to_us */
} cmd_stat;

#define STATS_MAX_ERRCODES 128

typedef struct worker_stats {
    uint64_t commands;
    uint64_t conns_received;
    uint64_t rejected_conns;
    uint64_t net_in, net_out;
    uint64_t errors_total;
    uint64_t unexpected_errors;
    uint64_t client_qbuf_limit_disconnections, client_obuf_limit_disconnections;
    uint64_t io_reads, io_writes;
    int nerr;
    struct {
        char code[32];
        uint64_t count;
    } err[STATS_MAX_ERRCODES];
} worker_stats;

/* Counts an error reply by its code (the first word of msg). */
void stats_count_error(worker_stats *st, const char *msg, size_t len);

#endif
