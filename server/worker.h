/* server/worker.h — starting and stopping the worker threads. */
#ifndef KV_SERVER_WORKER_H
#define KV_SERVER_WORKER_H

#include "server/server.h"

/* Creates n workers, opens the listening sockets and starts the threads.
 * Returns 0, or -1 after logging why. */
int workers_start(int n);
/* Asks every worker to stop, closes their clients and joins them. */
void workers_stop(void);
/* The worker of the calling thread, or NULL. */
worker *worker_self(void);

#endif
