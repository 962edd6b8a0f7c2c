/* net/loop.h — a per-thread event loop over epoll.
 *
 * Each worker thread owns one loop. File descriptors are registered with a
 * loop_handle that the caller embeds in its own object (a client, a listener),
 * so an event leads straight to its owner without a lookup table. Level
 * triggered. A loop also runs a periodic cron callback and a before-sleep hook
 * (where replies are flushed, so that one pass of reads costs one write per
 * client).
 */
#ifndef KV_NET_LOOP_H
#define KV_NET_LOOP_H

#include <stdint.h>

typedef struct loop loop;
typedef struct loop_handle loop_handle;

/* LOOP_EXCLUSIVE (with LOOP_READ): an fd several loops watch, of which only one
 * is woken per event (a shared listening socket). */
enum { LOOP_READ = 1, LOOP_WRITE = 2, LOOP_EXCLUSIVE = 4 };

/* Called with the events that fired (LOOP_READ and/or LOOP_WRITE; errors and
 * hang-ups are reported as LOOP_READ so that the read sees them). */
typedef void loop_fn(loop *l, loop_handle *h, int events);

struct loop_handle {
    int fd;
    int mask; /* events currently watched */
    loop_fn *fn;
    void *priv;
};

loop *loop_new(void);
void loop_free(loop *l);
/* Sets which events h->fd is watched for (0 removes it from the loop). The
 * handle must stay valid while registered. Returns 0 or -1 (errno). */
int loop_watch(loop *l, loop_handle *h, int mask);
/* Waits for events up to timeout_ms (-1 forever) and dispatches them; also
 * runs the cron when due and the before-sleep hook before waiting. */
void loop_run_once(loop *l);
/* Runs until loop_stop. */
void loop_run(loop *l);
void loop_stop(loop *l);
int loop_stopped(loop *l);
void loop_set_cron(loop *l, int period_ms, void (*fn)(loop *, void *), void *priv);
void loop_set_before_sleep(loop *l, void (*fn)(loop *, void *), void *priv);
/* Lets a wait poll for up to max_us before it sleeps (0: never); the window
 * in use adapts to how soon events come (see wait_events in loop.c). */
void loop_set_busy_poll(loop *l, unsigned max_us);
/* The busy-poll window the next wait will use, in microseconds. */
unsigned loop_busy_poll_window(const loop *l);
/* The window after a wait that polled for `window` without an event, then
 * slept: an event within `bound` microseconds of the start grows it (the poll
 * was just too short), a later event or a timer halves it. */
unsigned loop_poll_adapt(unsigned window, unsigned bound, int event, uint64_t waited_us);
/* Makes the next wait return at once (e.g. work was queued from this thread). */
void loop_nowait(loop *l);
/* Makes the next wait return within ms milliseconds at the latest (called
 * from the before-sleep hook; applies to one wait). */
void loop_wake_in(loop *l, uint64_t ms);

#endif
