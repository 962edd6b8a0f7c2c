/* net/loop.c — see loop.h. */
#include "net/loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

#define LOOP_BATCH 256

struct loop {
    int epfd;
    int stop;
    int nowait;
    int64_t wake_in; /* -1: no bound from loop_wake_in */
    int cron_ms;
    uint64_t next_cron;
    void (*cron)(loop *, void *);
    void *cron_priv;
    void (*before_sleep)(loop *, void *);
    void *bs_priv;
    unsigned poll_max_us; /* busy-poll bound (0: off) */
    unsigned poll_us;     /* current busy-poll window, adapted per wait */
    struct epoll_event ev[LOOP_BATCH];
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); /* a few ms of precision is plenty */
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

loop *loop_new(void)
{
    loop *l = mem_calloc(sizeof(*l));
    l->wake_in = -1;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) {
        mem_free(l);
        return NULL;
    }
    return l;
}

void loop_free(loop *l)
{
    if (!l) return;
    close(l->epfd);
    mem_free(l);
}

int loop_watch(loop *l, loop_handle *h, int mask)
{
    if (mask == h->mask) return 0;
    struct epoll_event ev = {0};
    ev.data.ptr = h;
    if (mask & LOOP_READ) ev.events |= EPOLLIN;
    if (mask & LOOP_WRITE) ev.events |= EPOLLOUT;
    if (mask & LOOP_EXCLUSIVE) ev.events |= EPOLLEXCLUSIVE;
    int op = h->mask == 0 ? EPOLL_CTL_ADD : (mask == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
    if (epoll_ctl(l->epfd, op, h->fd, &ev) < 0) return -1;
    h->mask = mask;
    return 0;
}

void loop_set_cron(loop *l, int period_ms, void (*fn)(loop *, void *), void *priv)
{
    l->cron_ms = period_ms;
    l->cron = fn;
    l->cron_priv = priv;
    l->next_cron = now_ms() + (uint64_t)period_ms;
}

void loop_set_before_sleep(loop *l, void (*fn)(loop *, void *), void *priv)
{
    l->before_sleep = fn;
    l->bs_priv = priv;
}

void loop_nowait(loop *l)
{
    l->nowait = 1;
}

void loop_wake_in(loop *l, uint64_t ms)
{
    if (l->wake_in < 0 || (int64_t)ms < l->wake_in) l->wake_in = (int64_t)ms;
}

void loop_set_busy_poll(loop *l, unsigned max_us)
{
    l->poll_max_us = max_us;
    if (l->poll_us > max_us) l->poll_us = max_us;
}

unsigned loop_busy_poll_window(const loop *l)
{
    return l->poll_us;
}

/* Smallest window a poll starts from once waits have been short. */
#define POLL_START_US 4

unsigned loop_poll_adapt(unsigned window, unsigned bound, int event, uint64_t waited_us)
{
    if (event && waited_us <= bound) {
        unsigned grown = window ? window * 2 : POLL_START_US;
        return grown < bound ? grown : bound;
    }
    return window / 2 >= POLL_START_US ? window / 2 : 0;
}

/* Waits for events. With busy polling on, a wait that would block first polls
 * for up to poll_us: a request that arrives within it is served without the
 * worker sleeping, and without the sender paying for waking it. The window
 * adapts (loop_poll_adapt) as the kernel's halt polling does for virtual
 * CPUs, so a worker whose requests come further apart than the bound soon
 * stops polling and spends no CPU on it. */
static int wait_events(loop *l, int timeout)
{
    if (timeout == 0 || l->poll_max_us == 0) return epoll_wait(l->epfd, l->ev, LOOP_BATCH, timeout);
    uint64_t start = now_us();
    if (l->poll_us) {
        uint64_t until = start + l->poll_us;
        do {
            int n = epoll_wait(l->epfd, l->ev, LOOP_BATCH, 0);
            if (n != 0) return n; /* caught within the window: keep it */
        } while (now_us() < until);
    }
    int n = epoll_wait(l->epfd, l->ev, LOOP_BATCH, timeout);
    if (n >= 0) l->poll_us = loop_poll_adapt(l->poll_us, l->poll_max_us, n > 0, now_us() - start);
    return n;
}

void loop_run_once(loop *l)
{
    if (l->before_sleep) l->before_sleep(l, l->bs_priv);
    int timeout = -1;
    if (l->cron) {
        uint64_t now = now_ms();
        timeout = l->next_cron > now ? (int)(l->next_cron - now) : 0;
    }
    if (l->wake_in >= 0) {
        if (timeout < 0 || l->wake_in < timeout) timeout = (int)l->wake_in;
        l->wake_in = -1;
    }
    if (l->nowait) {
        timeout = 0;
        l->nowait = 0;
    }
    int n = wait_events(l, timeout);
    for (int i = 0; i < n; i++) {
        loop_handle *h = l->ev[i].data.ptr;
        uint32_t e = l->ev[i].events;
        int events = 0;
        if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) events |= LOOP_READ;
        if (e & EPOLLOUT) events |= LOOP_WRITE;
        events &= h->mask | LOOP_READ;
        if (events) h->fn(l, h, events);
    }
    if (l->cron) {
        uint64_t now = now_ms();
        if (now >= l->next_cron) {
            l->next_cron = now + (uint64_t)l->cron_ms;
            l->cron(l, l->cron_priv);
        }
    }
}

void loop_run(loop *l)
{
    while (!l->stop) loop_run_once(l);
}

void loop_stop(loop *l)
{
    l->stop = 1;
}

int loop_stopped(loop *l)
{
    return l->stop;
}
