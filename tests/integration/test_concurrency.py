"""Many clients at once (kvik runs these with --threads 2): exact counters, atomic
multi-key commands, races on single keys, connection churn, maxclients."""

import random
import threading

import pytest

from resp import Error, Integer, RawClient, Simple
from util import ServerFactory, cmd, finish, info_dict, run_threads, wait_for

N_CLIENTS = 50


@pytest.fixture(scope="module")
def conc_server():
    f = ServerFactory()
    srv = f(threads=2)
    yield srv
    finish(f)


@pytest.fixture
def c(conc_server):
    if not conc_server.is_running():
        pytest.fail("the server is not running\n" + conc_server.output_tail())
    cl = conc_server.client()
    cmd(cl, "FLUSHALL")
    yield cl
    conc_server.close_clients()
    assert conc_server.is_running(), "server died\n" + conc_server.output_tail()


def test_incr_exact(conc_server, c):
    per_client = 100
    keys = ["counter:%d" % i for i in range(5)]

    def work(i):
        with RawClient(conc_server.host, conc_server.port) as rc:
            for j in range(per_client):
                rep = rc.call("INCR", keys[j % len(keys)])
                assert isinstance(rep, Integer), rep

    run_threads(N_CLIENTS, work)
    total = N_CLIENTS * per_client
    vals = [int(v) for v in c.mget(keys)]
    assert vals == [total // len(keys)] * len(keys)


def test_incr_pipelined_exact(conc_server, c):
    per_client = 2000

    def work(i):
        with RawClient(conc_server.host, conc_server.port) as rc:
            rc.send_many([("INCRBY", "shared", "3"), ("DECR", "shared"),
                          ("INCRBYFLOAT", "f", "0.5")] * (per_client // 2))
            reps = rc.read_many(3 * (per_client // 2), timeout=60)
            assert not any(isinstance(x, Error) for x in reps)

    run_threads(20, work)
    assert int(c.get("shared")) == 20 * (per_client // 2) * 2
    assert float(c.get("f")) == 20 * (per_client // 2) * 0.5


def test_append_exact(conc_server, c):
    def work(i):
        with RawClient(conc_server.host, conc_server.port) as rc:
            for _ in range(40):
                rc.call("APPEND", "log", "x" * (i % 7 + 1))

    run_threads(N_CLIENTS, work)
    assert c.strlen("log") == sum(40 * (i % 7 + 1) for i in range(N_CLIENTS))


def test_mset_mget_atomic(conc_server, c):
    """A reader never sees a half-applied MSET of keys with the same hash tag."""
    keys = ["{tag}a", "{tag}b", "{tag}c", "{tag}d", "{tag}e"]
    c.mset({k: "0" for k in keys})
    writers, readers, rounds = 4, 3, 500
    writers_left = [writers]
    lock = threading.Lock()
    done = threading.Event()
    torn = []
    reads = [0]

    def writer(i):
        try:
            with RawClient(conc_server.host, conc_server.port) as rc:
                for n in range(rounds):
                    args = []
                    for k in keys:
                        args += [k, "%d-%d" % (i, n)]
                    assert rc.call("MSET", *args) == Simple(b"OK")
        finally:
            with lock:
                writers_left[0] -= 1
                if writers_left[0] == 0:
                    done.set()

    def reader(i):
        with RawClient(conc_server.host, conc_server.port) as rc:
            for _ in range(100000):
                if done.is_set() or torn:
                    break
                vals = rc.call("MGET", *keys)
                reads[0] += 1
                if len(set(vals)) != 1:
                    torn.append(vals)

    run_threads(writers + readers, lambda i: writer(i) if i < writers else reader(i))
    assert not torn, "MGET saw a partial MSET: %r" % (torn[0],)
    assert reads[0] > 100
    assert len(set(c.mget(keys))) == 1


def test_msetnx_one_winner(conc_server, c):
    for rnd in range(5):
        wins = []

        def work(i):
            with RawClient(conc_server.host, conc_server.port) as rc:
                rep = rc.call("MSETNX", "{r%d}a" % rnd, i, "{r%d}b" % rnd, i)
                if rep == 1:
                    wins.append(i)

        run_threads(20, work)
        assert len(wins) == 1
        assert c.mget("{r%d}a" % rnd, "{r%d}b" % rnd) == [str(wins[0]).encode()] * 2


def test_setnx_one_winner(conc_server, c):
    wins = []

    def work(i):
        with RawClient(conc_server.host, conc_server.port) as rc:
            if rc.call("SETNX", "lock", i) == 1:
                wins.append(i)
            if rc.call("SET", "lock2", i, "NX", "PX", "100000") == Simple(b"OK"):
                wins.append(("px", i))

    run_threads(N_CLIENTS, work)
    assert len([w for w in wins if not isinstance(w, tuple)]) == 1
    assert len([w for w in wins if isinstance(w, tuple)]) == 1


def test_getdel_one_winner(conc_server, c):
    for rnd in range(5):
        c.set("prize", "gold")
        got = []

        def work(i):
            with RawClient(conc_server.host, conc_server.port) as rc:
                v = rc.call("GETDEL", "prize")
                if v:
                    got.append(v)

        run_threads(20, work)
        assert got == [b"gold"]


def test_getset_chain(conc_server, c):
    """GETSET hands each old value to exactly one client."""
    c.set("token", "start")
    seen = []
    lock = threading.Lock()

    def work(i):
        with RawClient(conc_server.host, conc_server.port) as rc:
            for n in range(50):
                old = rc.call("GETSET", "token", "%d-%d" % (i, n))
                with lock:
                    seen.append(bytes(old))

    run_threads(20, work)
    final = c.get("token")
    assert len(seen) == 1000
    assert len(set(seen)) == 1000
    assert b"start" in seen and final not in seen


def test_incr_many_keys_across_shards(conc_server, c):
    nkeys = 500

    def work(i):
        rng = random.Random(i)
        order = list(range(nkeys))
        rng.shuffle(order)
        with RawClient(conc_server.host, conc_server.port) as rc:
            rc.send_many([("INCR", "k:%d" % k) for k in order])
            rc.read_many(nkeys, timeout=60)

    run_threads(10, work)
    vals = c.mget(["k:%d" % k for k in range(nkeys)])
    assert all(v == b"10" for v in vals)
    assert c.dbsize() == nkeys


def test_rename_race_keeps_one_value(conc_server, c):
    c.set("{x}src", "payload")

    def work(i):
        with RawClient(conc_server.host, conc_server.port) as rc:
            for n in range(50):
                a, b = ("{x}src", "{x}dst") if (i + n) % 2 else ("{x}dst", "{x}src")
                rep = rc.call("RENAME", a, b)
                assert rep == Simple(b"OK") or rep == Error(b"ERR no such key"), rep

    run_threads(10, work)
    vals = [v for v in c.mget("{x}src", "{x}dst") if v is not None]
    assert vals == [b"payload"]


def test_connection_churn(conc_server, c):
    def work(i):
        for n in range(20):
            with RawClient(conc_server.host, conc_server.port) as rc:
                assert rc.call("SET", "churn:%d:%d" % (i, n), n) == Simple(b"OK")
                if n % 5 == 0:
                    rc.send_raw(b"*2\r\n$3\r\nGET\r\n$10\r\nhal")  # leave half a command

    n0 = int(info_dict(c, "clients")["connected_clients"])
    run_threads(N_CLIENTS, work)
    assert c.dbsize() == N_CLIENTS * 20
    wait_for(lambda: int(info_dict(c, "clients")["connected_clients"]) <= n0,
             timeout=10, message="closed connections to be released")


def test_readers_and_writers_mixed(conc_server, c):
    c.mset({"m:%d" % i: 0 for i in range(100)})

    def work(i):
        rng = random.Random(i)
        with RawClient(conc_server.host, conc_server.port) as rc:
            for _ in range(80):
                k = "m:%d" % rng.randrange(100)
                op = rng.randrange(4)
                if op == 0:
                    rc.call("INCR", k)
                elif op == 1:
                    assert not isinstance(rc.call("GET", k), Error)
                elif op == 2:
                    rc.call("EXPIRE", k, 1000)
                else:
                    cur, _ = rc.call("SCAN", 0, "COUNT", 20)
                    assert isinstance(cur, bytes)

    run_threads(20, work)
    assert c.dbsize() == 100
    total = sum(int(v) for v in c.mget(["m:%d" % i for i in range(100)]))
    assert total > 0


def test_maxclients(server):
    srv = server("--maxclients", "10", threads=2)
    conns = []
    for _ in range(10):
        rc = srv.raw()
        assert rc.call("PING") == Simple(b"PONG")
        conns.append(rc)
    extra = srv.raw()
    extra.send("PING")
    closed, replies = extra.read_until_closed(10)
    assert replies == [Error(b"ERR max number of clients reached")]
    assert closed
    # existing clients are unaffected
    assert conns[0].call("CONFIG", "GET", "maxclients") == [b"maxclients", b"10"]
    # after one leaves, a newcomer gets in
    conns.pop().close()

    def newcomer_ok():
        rc = RawClient(srv.host, srv.port)
        try:
            rc.send("PING")
            closed, reps = rc.read_until_closed(0.3)
            return reps == [Simple(b"PONG")]
        finally:
            rc.close()

    wait_for(newcomer_ok, timeout=10, interval=0.05, message="a free client slot")
    stats = conns[0].call("INFO", "stats").decode()
    assert int(stats.split("rejected_connections:")[1].split()[0]) >= 1
