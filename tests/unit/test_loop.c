/* tests/unit/test_loop.c — net/loop: dispatch, wake-ups and the adaptive busy
 * poll's window (opens when events come soon, halves on waits that only a
 * timer or a late event ends, never passes its bound, stays off at 0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/loop.h"

typedef struct pipe_end {
    loop_handle h;
    int fired;
} pipe_end;

static void on_read(loop *l, loop_handle *h, int events)
{
    (void)l;
    pipe_end *p = h->priv;
    char c;
    if (events & LOOP_READ && read(h->fd, &c, 1) == 1) p->fired++;
}

typedef struct fixture {
    loop *l;
    int fds[2];
    pipe_end end;
} fixture;

static void setup(fixture *f, unsigned poll_max)
{
    f->l = loop_new();
    assert_non_null(f->l);
    assert_int_equal(pipe(f->fds), 0);
    f->end.fired = 0;
    f->end.h.fd = f->fds[0];
    f->end.h.mask = 0;
    f->end.h.fn = on_read;
    f->end.h.priv = &f->end;
    assert_int_equal(loop_watch(f->l, &f->end.h, LOOP_READ), 0);
    loop_set_busy_poll(f->l, poll_max);
}

static void teardown(fixture *f)
{
    loop_watch(f->l, &f->end.h, 0);
    close(f->fds[0]);
    close(f->fds[1]);
    loop_free(f->l);
}

/* One byte is waiting before the wait starts: the wait returns with it. */
static void event_ready(fixture *f)
{
    int before = f->end.fired;
    assert_int_equal(write(f->fds[1], "x", 1), 1);
    loop_run_once(f->l);
    assert_int_equal(f->end.fired, before + 1);
}

/* Nothing to read: only the 1 ms timer ends the wait. */
static void timer_only(fixture *f)
{
    int before = f->end.fired;
    loop_wake_in(f->l, 1);
    loop_run_once(f->l);
    assert_int_equal(f->end.fired, before);
}

static void test_dispatch_and_timer(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 0);
    event_ready(&f);
    timer_only(&f);
    event_ready(&f);
    teardown(&f);
}

static void test_poll_off_stays_off(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 0);
    for (int i = 0; i < 20; i++) event_ready(&f);
    assert_int_equal(loop_busy_poll_window(f.l), 0);
    teardown(&f);
}

static void test_poll_window_in_a_loop(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 1000);
    assert_int_equal(loop_busy_poll_window(f.l), 0);
    /* An event at once: the window opens; later events, caught by the poll,
     * keep it as it is. */
    event_ready(&f);
    unsigned open = loop_busy_poll_window(f.l);
    assert_true(open > 0 && open <= 1000);
    for (int i = 0; i < 10; i++) event_ready(&f);
    assert_int_equal(loop_busy_poll_window(f.l), open);
    /* Waits that only a timer ends close it. */
    for (int i = 0; i < 20; i++) timer_only(&f);
    assert_int_equal(loop_busy_poll_window(f.l), 0);
    /* A lower bound clips the window at once; 0 turns polling off. */
    event_ready(&f);
    loop_set_busy_poll(f.l, 2);
    assert_true(loop_busy_poll_window(f.l) <= 2);
    loop_set_busy_poll(f.l, 0);
    assert_int_equal(loop_busy_poll_window(f.l), 0);
    event_ready(&f);
    assert_int_equal(loop_busy_poll_window(f.l), 0);
    teardown(&f);
}

static void test_poll_adapt(void **state)
{
    (void)state;
    /* Short waits grow the window from 4 by doubling, up to the bound. */
    unsigned w = 0, seen[16];
    int n = 0;
    for (int i = 0; i < 16; i++) {
        w = loop_poll_adapt(w, 100, 1, 50);
        seen[n++] = w;
    }
    assert_int_equal(seen[0], 4);
    assert_int_equal(seen[1], 8);
    assert_int_equal(seen[2], 16);
    assert_int_equal(seen[4], 64);
    assert_int_equal(seen[5], 100);
    assert_int_equal(seen[15], 100);
    /* An event later than the bound, or none (a timer), halves it; below the
     * start it closes. */
    assert_int_equal(loop_poll_adapt(100, 100, 1, 101), 50);
    assert_int_equal(loop_poll_adapt(100, 100, 0, 10), 50);
    assert_int_equal(loop_poll_adapt(8, 100, 0, 10), 4);
    assert_int_equal(loop_poll_adapt(4, 100, 1, 500), 0);
    assert_int_equal(loop_poll_adapt(0, 100, 0, 10), 0);
    /* An event exactly at the bound still counts as short. */
    assert_int_equal(loop_poll_adapt(16, 20, 1, 20), 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatch_and_timer),
        cmocka_unit_test(test_poll_off_stays_off),
        cmocka_unit_test(test_poll_window_in_a_loop),
        cmocka_unit_test(test_poll_adapt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
