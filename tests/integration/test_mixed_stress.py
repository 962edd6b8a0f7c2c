"""Publishers, subscribers, blocked consumers and transactions at once, on a
server with two worker threads, for a few seconds. At the end: every message
delivered once and in each publisher's order, every job consumed once, the
money in the accounts conserved."""

import threading
import time

import pytest
import redis

from util import ServerFactory, finish, wait_for

SECONDS = 3.0
ACCOUNTS = 5
START = 1000


@pytest.fixture(scope="module")
def srv():
    f = ServerFactory()
    s = f(threads=2)
    yield s
    finish(f)


def test_everything_together(srv):
    stop_at = time.monotonic() + SECONDS
    errors = []
    ctl = srv.client()
    ctl.flushall()
    for i in range(ACCOUNTS):
        ctl.set("acct:%d" % i, START)

    def guard(fn):
        def run(*a):
            try:
                fn(*a)
            except Exception as e:  # reported below; a thread must not die silently
                errors.append(repr(e))
        return run

    # pub/sub: subscribers first, so that no message precedes them
    subs = []
    for _ in range(4):
        p = srv.client().pubsub()
        p.subscribe("news")
        subs.append(p)
    wait_for(lambda: ctl.pubsub_numsub("news")[0][1] == 4, message="4 subscribers")
    published = {}

    @guard
    def publisher(pid):
        c = srv.client()
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            c.publish("news", "%d:%d" % (pid, n))
        published[pid] = n

    # a job queue served by blocked consumers
    pushed, popped = [], []
    lock = threading.Lock()

    @guard
    def producer(pid):
        c = srv.client()
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            job = "%d-%d" % (pid, n)
            c.lpush("jobs", job)
            with lock:
                pushed.append(job)

    @guard
    def consumer():
        c = srv.client()
        while True:
            got = c.brpop("jobs", timeout=1)
            if got is None:
                if time.monotonic() > stop_at + 1:
                    return
                continue
            with lock:
                popped.append(got[1].decode())

    # transfers between accounts under WATCH
    @guard
    def transferer(tid):
        c = srv.client()
        k = tid
        while time.monotonic() < stop_at:
            a, b = "acct:%d" % (k % ACCOUNTS), "acct:%d" % ((k + 1 + tid) % ACCOUNTS)
            k += 1
            if a == b:
                continue
            with c.pipeline() as p:
                try:
                    p.watch(a, b)
                    va, vb = int(p.get(a)), int(p.get(b))
                    amount = min(7, va)
                    p.multi()
                    p.set(a, va - amount)
                    p.set(b, vb + amount)
                    p.execute()
                except redis.WatchError:
                    pass

    threads = ([threading.Thread(target=publisher, args=(i,)) for i in range(2)]
               + [threading.Thread(target=producer, args=(i,)) for i in range(3)]
               + [threading.Thread(target=consumer) for _ in range(3)]
               + [threading.Thread(target=transferer, args=(i,)) for i in range(4)])
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors

    total = sum(int(ctl.get("acct:%d" % i)) for i in range(ACCOUNTS))
    assert total == ACCOUNTS * START

    assert ctl.llen("jobs") == 0
    assert sorted(popped) == sorted(pushed)

    expected = sum(published.values())
    for p in subs:
        last = {}
        count = 0
        deadline = time.monotonic() + 20
        while count < expected and time.monotonic() < deadline:
            m = p.get_message(timeout=1)
            if not m or m["type"] != "message":
                continue
            pid, n = (int(x) for x in m["data"].decode().split(":"))
            assert n == last.get(pid, 0) + 1, "publisher %d out of order" % pid
            last[pid] = n
            count += 1
        assert count == expected
        p.close()
