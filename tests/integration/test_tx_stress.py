"""Transactions and blocking commands under concurrency (kvik with --threads 2).

Fixed amounts of work, a few seconds each, and no timing assertions: the checks
are invariants (money conserved, every job delivered exactly once, a
transaction's writes seen all together or not at all).
"""

import random
import threading

import pytest
import redis

from resp import NULL_ARRAY, NULL_BULK, Array, Error, RawClient, Simple
from util import ServerFactory, cmd, finish, run_parallel

OK = Simple(b"OK")
QUEUED = Simple(b"QUEUED")


@pytest.fixture(scope="module")
def stress_server():
    f = ServerFactory()
    srv = f(threads=2)
    yield srv
    finish(f)


@pytest.fixture
def c(stress_server):
    if not stress_server.is_running():
        pytest.fail("the server is not running\n" + stress_server.output_tail())
    cl = stress_server.client()
    cmd(cl, "FLUSHALL")
    yield cl
    stress_server.close_clients()
    assert stress_server.is_running(), "server died\n" + stress_server.output_tail()


def test_money_transfers_conserve_total(stress_server, c):
    accounts = ["acct:%d" % i for i in range(10)]
    start = 1000
    c.mset({a: start for a in accounts})
    total = start * len(accounts)
    n_clients, transfers = 8, 300
    stats = {"done": 0, "retries": 0, "bounced": 0, "audits": 0}
    lock = threading.Lock()
    stop = threading.Event()
    bad_audits = []

    def transfer(i):
        rnd = random.Random(1000 + i)
        cl = stress_server.client()
        for _ in range(transfers):
            src, dst = rnd.sample(accounts, 2)
            amount = rnd.randint(1, 300)
            for attempt in range(10000):
                with cl.pipeline() as p:
                    try:
                        p.watch(src, dst)
                        bal = int(p.get(src))
                        if bal < amount:
                            p.unwatch()
                            with lock:
                                stats["bounced"] += 1
                            break
                        p.multi()
                        p.decrby(src, amount)
                        p.incrby(dst, amount)
                        res = p.execute()
                        assert res[0] >= 0, res
                        with lock:
                            stats["done"] += 1
                        break
                    except redis.WatchError:
                        with lock:
                            stats["retries"] += 1
            else:
                raise AssertionError("transfer never went through")

    def auditor():
        with RawClient(stress_server.host, stress_server.port) as rc:
            while not stop.is_set():
                if stats["audits"] % 2:
                    vals = rc.call("MGET", *accounts)
                else:
                    assert rc.call("MULTI") == OK
                    for a in accounts:
                        assert rc.call("GET", a) == QUEUED
                    vals = rc.call("EXEC")
                stats["audits"] += 1
                s = sum(int(v) for v in vals)
                if s != total or min(int(v) for v in vals) < 0:
                    bad_audits.append(vals)
                    return

    auditor_thread = threading.Thread(target=auditor, daemon=True)
    auditor_thread.start()
    try:
        run_parallel([lambda i=i: transfer(i) for i in range(n_clients)])
    finally:
        stop.set()
        auditor_thread.join(30)
    assert not bad_audits, "an audit saw money created or destroyed: %r" % bad_audits[0]
    vals = [int(v) for v in c.mget(accounts)]
    assert sum(vals) == total
    assert min(vals) >= 0
    assert stats["done"] + stats["bounced"] == n_clients * transfers
    assert stats["done"] > 0 and stats["audits"] > 0


def test_cas_counter_counts_successes(stress_server, c):
    """INCR done the optimistic way: GET under WATCH, SET in MULTI. The final
    value is exactly the number of EXECs that succeeded."""
    n_clients, rounds = 8, 150
    wins = [0] * n_clients
    aborts = [0] * n_clients

    def work(i):
        with RawClient(stress_server.host, stress_server.port) as rc:
            for _ in range(rounds):
                assert rc.call("WATCH", "cas") == OK
                cur = rc.call("GET", "cas")
                nxt = (int(cur) if cur else 0) + 1
                assert rc.call("MULTI") == OK
                assert rc.call("SET", "cas", nxt) == QUEUED
                rep = rc.call("EXEC")
                if rep == NULL_ARRAY:
                    aborts[i] += 1
                else:
                    assert rep == [OK]
                    wins[i] += 1

    run_parallel([lambda i=i: work(i) for i in range(n_clients)])
    assert int(c.get("cas")) == sum(wins)
    assert sum(wins) + sum(aborts) == n_clients * rounds
    assert sum(wins) >= rounds  # at least one client gets through each "round"


# --------------------------------------------------------------------------- atomicity


def test_exec_is_atomic_for_readers(stress_server, c):
    keys = ["atom:a", "atom:b", "atom:c", "atom:d", "atom:e"]
    n_writers, rounds = 6, 600
    done = threading.Event()
    torn = []
    reads = [0]

    def writer(i):
        with RawClient(stress_server.host, stress_server.port) as rc:
            for _ in range(rounds):
                cmds = [("MULTI",)] + [("INCR", k) for k in keys] + [("EXEC",)]
                rc.send_many(cmds)
                reps = rc.read_many(len(cmds))
                assert reps[0] == OK and all(r == QUEUED for r in reps[1:-1]), reps
                res = reps[-1]
                assert isinstance(res, Array) and len(set(res)) == 1, res

    def reader(mode):
        with RawClient(stress_server.host, stress_server.port) as rc:
            while not done.is_set() and not torn:
                if mode == "mget":
                    vals = rc.call("MGET", *keys)
                else:
                    rc.send_many([("MULTI",)] + [("GET", k) for k in keys] + [("EXEC",)])
                    vals = rc.read_many(len(keys) + 2)[-1]
                reads[0] += 1
                if len(set(vals)) != 1:
                    torn.append(vals)

    readers = [threading.Thread(target=reader, args=(m,), daemon=True)
               for m in ("mget", "multi")]
    for t in readers:
        t.start()
    try:
        run_parallel([lambda i=i: writer(i) for i in range(n_writers)])
    finally:
        done.set()
        for t in readers:
            t.join(30)
    assert not torn, "a reader saw part of a transaction: %r" % (torn[0],)
    assert reads[0] > 0
    assert [int(v) for v in c.mget(keys)] == [n_writers * rounds] * len(keys)


def test_watched_transactions_on_disjoint_keys_all_succeed(stress_server, c):
    """Clients that WATCH only their own keys never abort each other, whatever
    the others write meanwhile."""
    n_clients, rounds = 8, 200

    def work(i):
        mine = ["own:%d:%d" % (i, j) for j in range(3)]
        with RawClient(stress_server.host, stress_server.port) as rc:
            for n in range(rounds):
                assert rc.call("WATCH", *mine) == OK
                rc.call("GET", mine[0])
                cmds = [("MULTI",)] + [("INCR", k) for k in mine] + [("EXEC",)]
                rc.send_many(cmds)
                res = rc.read_many(len(cmds))[-1]
                assert res == [n + 1] * 3, (i, n, res)

    run_parallel([lambda i=i: work(i) for i in range(n_clients)])
    for i in range(n_clients):
        assert c.mget(["own:%d:%d" % (i, j) for j in range(3)]) == [b"%d" % rounds] * 3


# --------------------------------------------------------------------------- blocking


def test_producers_consumers_exactly_once(stress_server, c):
    n_producers, per_producer = 4, 800
    n_blpop, n_brpoplpush = 3, 3
    produced_all = threading.Event()
    received = []
    lock = threading.Lock()

    def producer(i):
        rnd = random.Random(i)
        with RawClient(stress_server.host, stress_server.port) as rc:
            j = 0
            while j < per_producer:
                batch = min(rnd.randint(1, 3), per_producer - j)
                items = ["p%d-%d" % (i, j + b) for b in range(batch)]
                rep = rc.call("LPUSH", "jobs", *items)
                assert not isinstance(rep, Error), rep
                j += batch

    def consumer_blpop(i):
        got = []
        with RawClient(stress_server.host, stress_server.port, timeout=30) as rc:
            while True:
                rep = rc.call("BLPOP", "jobs", "0.3")
                if rep == NULL_ARRAY:
                    if produced_all.is_set():
                        break
                    continue
                assert rep[0] == b"jobs", rep
                got.append(rep[1])
        with lock:
            received.extend(got)

    def consumer_reliable(i):
        got = []
        processing = "processing:%d" % i
        with RawClient(stress_server.host, stress_server.port, timeout=30) as rc:
            while True:
                rep = rc.call("BRPOPLPUSH", "jobs", processing, "0.3")
                if rep in (NULL_ARRAY, NULL_BULK):
                    if produced_all.is_set():
                        break
                    continue
                assert not isinstance(rep, Error), rep
                got.append(bytes(rep))
                assert rc.call("LREM", processing, "1", rep) == 1
        with lock:
            received.extend(got)

    consumers = [lambda i=i: consumer_blpop(i) for i in range(n_blpop)]
    consumers += [lambda i=i: consumer_reliable(i) for i in range(n_brpoplpush)]
    producers = [lambda i=i: producer(i) for i in range(n_producers)]

    def produce_all():
        run_parallel(producers)
        produced_all.set()

    run_parallel(consumers + [produce_all])
    expected = {b"p%d-%d" % (i, j) for i in range(n_producers) for j in range(per_producer)}
    assert len(received) == len(expected), "duplicates or losses: %d received, %d sent" % (
        len(received), len(expected))
    assert set(received) == expected
    assert c.exists("jobs") == 0
    assert c.keys("processing:*") == []
    info = c.info("clients")
    assert info["blocked_clients"] == 0


def test_blocked_clients_through_transactions(stress_server, c):
    """Waiters are served by pushes made inside MULTI/EXEC from several
    connections; each EXEC pushes a pair, so every element arrives exactly
    once and the queue ends empty."""
    n_waiters, n_pushers, per_pusher = 10, 4, 150
    total = n_pushers * per_pusher * 2
    got = []
    lock = threading.Lock()
    pushed_all = threading.Event()

    def waiter(i):
        mine = []
        with RawClient(stress_server.host, stress_server.port, timeout=30) as rc:
            while True:
                rep = rc.call("BZPOPMIN" if i % 2 else "BLPOP", "tq" if i % 2 == 0 else "tz",
                              "0.3")
                if rep == NULL_ARRAY:
                    if pushed_all.is_set():
                        break
                    continue
                mine.append(rep[1])
        with lock:
            got.extend(mine)

    def pusher(i):
        with RawClient(stress_server.host, stress_server.port) as rc:
            for j in range(per_pusher):
                rc.send_many([("MULTI",), ("RPUSH", "tq", "l%d-%d" % (i, j)),
                              ("ZADD", "tz", j, "z%d-%d" % (i, j)), ("EXEC",)])
                reps = rc.read_many(4)
                assert reps[-1] == [1, 1] or isinstance(reps[-1], Array), reps

    def push_all():
        run_parallel([lambda i=i: pusher(i) for i in range(n_pushers)])
        pushed_all.set()

    run_parallel([lambda i=i: waiter(i) for i in range(n_waiters)] + [push_all])
    assert len(got) == total
    assert len(set(got)) == total
    assert c.exists("tq", "tz") == 0
