"""The append-only file: layout, replay after a crash, truncated and corrupt
logs, rewrites, turning it on at run time, exact replays of commands whose
effect is not in their arguments, and moving log directories between
redis-server and kvik.

Servers restart on the same directory (workdir=...) to replay their log."""

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest
import redis

from util import IS_KVIK, IS_REDIS, ServerFactory, finish, free_port, info_dict, server_binary, wait_for

AOF = ("--appendonly", "yes")


@pytest.fixture
def fac():
    f = ServerFactory()
    yield f
    finish(f)


def aof_dir(srv):
    return os.path.join(srv.dir, "appendonlydir")


def manifest(srv):
    with open(os.path.join(aof_dir(srv), "appendonly.aof.manifest")) as f:
        return [line.split() for line in f if line.strip()]


def incr_path(srv):
    incr = [m[1] for m in manifest(srv) if m[-1] == "i"]
    return os.path.join(aof_dir(srv), incr[-1])


def kill9(srv):
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(10)
    srv.expect_failure = True  # killed on purpose: not a failure of the server


def restart(fac, srv, *extra):
    """A new server on srv's directory (srv must be stopped)."""
    return fac(*AOF, *extra, workdir=srv.dir, threads=srv.threads)


def wait_rewrite_done(c):
    wait_for(lambda: info_dict(c, "persistence")["aof_rewrite_in_progress"] == "0"
             and info_dict(c, "persistence").get("aof_rewrite_scheduled", "0") == "0",
             timeout=20, message="AOF rewrite to finish")


def test_layout_and_info(fac):
    s = fac(*AOF)
    c = s.client()
    c.set("k", "v")
    m = manifest(s)
    types = [x[-1] for x in m]
    assert types.count("b") == 1 and types.count("i") == 1
    for entry in m:
        assert os.path.exists(os.path.join(aof_dir(s), entry[1]))
    inf = info_dict(c, "persistence")
    assert inf["aof_enabled"] == "1"
    assert inf["aof_last_write_status"] == "ok"
    assert inf["aof_rewrite_in_progress"] == "0"


@pytest.mark.parametrize("threads", [1, 2])
def test_kill9_with_always_loses_nothing_acknowledged(fac, threads):
    s = fac(*AOF, "--appendfsync", "always", threads=threads)
    acked = {}
    stop = threading.Event()

    def writer(i):
        c = s.client()
        n = 0
        try:
            while not stop.is_set() and n < 5000:
                n = c.incr("ctr:%d" % i)
                c.rpush("log:%d" % i, n)
                acked[i] = n
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            pass

    ts = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in ts:
        t.start()
    wait_for(lambda: len(acked) == 6 and min(acked.values()) > 50, timeout=20,
             message="writers to get going")
    kill9(s)
    stop.set()
    for t in ts:
        t.join(10)
    s2 = restart(fac, s)
    c = s2.client()
    for i, n in acked.items():
        got = int(c.get("ctr:%d" % i))
        # Everything acknowledged is there; at most the one write in flight more.
        assert n <= got <= n + 1
        log = [int(x) for x in c.lrange("log:%d" % i, 0, -1)]
        assert log == list(range(1, len(log) + 1))
        assert len(log) >= n


def test_clean_restart_everysec(fac):
    s = fac(*AOF)
    c = s.client()
    c.mset({"a": "1", "b": "2"})
    c.hset("h", mapping={"f": "v"})
    c.zadd("z", {"m": 1.5})
    c.sadd("s", "x", "y")
    c.rpush("l", "1", "2", "3")
    c.execute_command("SELECT", 5)
    c.set("in5", "yes")
    s.stop()
    s2 = restart(fac, s)
    c = s2.client()
    assert c.mget("a", "b") == [b"1", b"2"]
    assert c.hgetall("h") == {b"f": b"v"}
    assert c.zscore("z", "m") == 1.5
    assert c.smembers("s") == {b"x", b"y"}
    assert c.lrange("l", 0, -1) == [b"1", b"2", b"3"]
    c.execute_command("SELECT", 5)
    assert c.get("in5") == b"yes"


def test_truncated_tail_is_dropped_when_allowed(fac):
    s = fac(*AOF)
    c = s.client()
    for i in range(10):
        c.set("k%d" % i, i)
    s.stop()
    with open(incr_path(s), "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$5\r\nhalf")
    s2 = restart(fac, s)
    c = s2.client()
    assert [int(c.get("k%d" % i)) for i in range(10)] == list(range(10))
    assert c.get("half") is None
    c.set("after", "1")  # the log is usable again after the cut
    s2.stop()
    s3 = restart(fac, s2)
    assert s3.client().get("after") == b"1"


def test_truncated_tail_refused_when_not_allowed(fac):
    s = fac(*AOF)
    s.client().set("k", "v")
    s.stop()
    with open(incr_path(s), "ab") as f:
        f.write(b"*2\r\n$3\r\nDEL")
    s2 = fac(*AOF, "--aof-load-truncated", "no", workdir=s.dir, start=False)
    s2.expect_failure = True
    s2.spawn()
    assert s2.wait_exit(15) not in (0, None)


def test_unfinished_transaction_is_dropped(fac):
    s = fac(*AOF)
    c = s.client()
    c.set("x", "0")
    s.stop()
    with open(incr_path(s), "ab") as f:
        f.write(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n")
    s2 = restart(fac, s)
    assert s2.client().get("x") == b"0"


def test_corrupt_log_stops_the_start(fac):
    s = fac(*AOF)
    c = s.client()
    for i in range(20):
        c.set("k%d" % i, "v")
    s.stop()
    p = incr_path(s)
    data = bytearray(open(p, "rb").read())
    mid = data.index(b"*3", len(data) // 2)
    data[mid] = ord("?")
    open(p, "wb").write(bytes(data))
    s2 = fac(*AOF, workdir=s.dir, start=False)
    s2.expect_failure = True
    s2.spawn()
    assert s2.wait_exit(15) not in (0, None)
    out = s2.output()
    if IS_KVIK:
        assert os.path.basename(p) in out and ("offset %d" % mid) in out


def test_bgrewriteaof_compacts_and_keeps_data(fac):
    s = fac(*AOF, "--appendfsync", "always")
    c = s.client()
    for i in range(200):
        c.set("k", i)
        c.rpush("l", i)
    old = set(x[1] for x in manifest(s))
    assert c.bgrewriteaof()
    wait_rewrite_done(c)
    new = set(x[1] for x in manifest(s))
    assert not (old & new)
    for name in old:
        assert not os.path.exists(os.path.join(aof_dir(s), name))
    c.set("after", "rewrite")
    kill9(s)
    s2 = restart(fac, s, "--appendfsync", "always")
    c = s2.client()
    assert c.get("k") == b"199"
    assert c.llen("l") == 200
    assert c.get("after") == b"rewrite"


@pytest.mark.kvik_only  # kvik: --threads; the invariant holds for Redis too
def test_rewrite_while_writing_loses_nothing(fac):
    s = fac(*AOF, "--appendfsync", "always", threads=2)
    acked = {}
    stop = threading.Event()

    def writer(i):
        c = s.client()
        while not stop.is_set():
            acked[i] = c.incr("w:%d" % i)

    ts = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    c = s.client()
    wait_for(lambda: len(acked) == 4, message="writers")
    for _ in range(3):
        c.bgrewriteaof()
        wait_rewrite_done(c)
    stop.set()
    for t in ts:
        t.join(10)
    kill9(s)
    s2 = restart(fac, s)
    c = s2.client()
    for i, n in acked.items():
        assert int(c.get("w:%d" % i)) == n


def test_config_set_appendonly_at_run_time(fac):
    s = fac()
    c = s.client()
    c.set("before", "1")
    c.config_set("appendonly", "yes")
    wait_for(lambda: info_dict(c, "persistence")["aof_enabled"] == "1", message="aof on")
    wait_rewrite_done(c)
    c.set("after", "2")
    time.sleep(1.2)  # appendfsync everysec: let the second pass
    kill9(s)
    s2 = restart(fac, s)
    c = s2.client()
    assert c.get("before") == b"1"
    assert c.get("after") == b"2"


def test_relative_times_and_random_effects_replay_exactly(fac):
    s = fac(*AOF, "--appendfsync", "always")
    c = s.client()
    c.set("ex", "v", ex=100)
    c.setex("setex", 100, "v")
    c.set("e", "v")
    c.expire("e", 100)
    c.sadd("s", *range(50))
    popped = c.spop("s", 7)
    one = c.spop("s")
    before = {k: c.pttl(k) for k in ("ex", "setex", "e")}
    members = c.smembers("s")
    assert len(members) == 42 and one not in members
    time.sleep(1.1)
    kill9(s)
    s2 = restart(fac, s)
    c = s2.client()
    assert c.smembers("s") == members
    for k, ttl in before.items():
        now = c.pttl(k)
        # Absolute expiry: time kept running while the server was down.
        assert 0 < now <= ttl - 1000, (k, ttl, now)
    assert popped


def test_served_blocking_pop_replays(fac):
    s = fac(*AOF, "--appendfsync", "always")
    c = s.client()
    got = {}

    def blocker():
        got["v"] = s.client().blpop(["q1", "q2"], timeout=10)

    t = threading.Thread(target=blocker)
    t.start()
    wait_for(lambda: info_dict(c, "clients")["blocked_clients"] == "1", message="blocked")
    c.rpush("q2", "a", "b")
    t.join(10)
    assert got["v"] == (b"q2", b"a")
    kill9(s)
    s2 = restart(fac, s)
    assert s2.client().lrange("q2", 0, -1) == [b"b"]


@pytest.mark.kvik_only  # kvik-server's own tool
def test_check_aof(fac):
    s = fac(*AOF)
    c = s.client()
    for i in range(5):
        c.set("k%d" % i, i)
    s.stop()
    ok = subprocess.run([server_binary(), "--check-aof", aof_dir(s)], capture_output=True,
                        text=True, timeout=30)
    assert ok.returncode == 0, ok.stdout
    with open(incr_path(s), "ab") as f:
        f.write(b"*2\r\n$3\r\nDEL")
    bad = subprocess.run([server_binary(), "--check-aof", aof_dir(s)], capture_output=True,
                         text=True, timeout=30)
    assert bad.returncode == 1
    assert "offset" in bad.stdout


def _redis_server(workdir, *args):
    port = free_port()
    p = subprocess.Popen(["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1",
                          "--dir", workdir, "--save", "", *args],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = redis.Redis(port=port)
    wait_for(lambda: _pings(c), timeout=10, message="redis-server to start")
    return p, c


def _pings(c):
    try:
        return c.ping()
    except redis.ConnectionError:
        return False


def _fill(c):
    c.set("s", "v")
    c.rpush("l", *range(100))
    c.hset("h", mapping={"a": "1"})
    c.zadd("z", {"m": 2})
    c.sadd("set", "x")
    c.set("ttl", "v", ex=1000)


def _check(c):
    assert c.get("s") == b"v"
    assert c.llen("l") == 100
    assert c.hgetall("h") == {b"a": b"1"}
    assert c.zscore("z", "m") == 2
    assert c.smembers("set") == {b"x"}
    assert 900 < c.ttl("ttl") <= 1000


@pytest.mark.kvik_only  # moves a log between the two servers
def test_log_directories_move_both_ways(fac):
    # kvik -> redis-server
    s = fac(*AOF)
    c = s.client()
    _fill(c)
    c.bgrewriteaof()
    wait_rewrite_done(c)
    c.set("tail", "after-rewrite")
    s.stop()
    d = tempfile.mkdtemp(prefix="kvik-it-redis-")
    try:
        shutil.copytree(aof_dir(s), os.path.join(d, "appendonlydir"))
        p, rc = _redis_server(d, "--appendonly", "yes")
        try:
            _check(rc)
            assert rc.get("tail") == b"after-rewrite"
            rc.set("from-redis", "1")
            rc.bgrewriteaof()
            wait_for(lambda: rc.info("persistence")["aof_rewrite_in_progress"] == 0, timeout=20)
            rc.set("redis-tail", "2")
        finally:
            p.terminate()
            p.wait(10)
        # redis-server -> kvik
        s2 = fac(*AOF, workdir=d)
        c2 = s2.client()
        _check(c2)
        assert c2.get("from-redis") == b"1"
        assert c2.get("redis-tail") == b"2"
        s2.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _run_writers(s, nwriters, seconds, acked, history=None):
    """Writers INCR their own counter until `seconds` pass or the server dies;
    acked[i] is the last acknowledged value; history[i] gets (time, value)."""
    stop = time.monotonic() + seconds

    def writer(i):
        c = s.client()
        try:
            while time.monotonic() < stop:
                v = c.incr("ctr:%d" % i)
                acked[i] = v
                if history is not None:
                    history.setdefault(i, []).append((time.monotonic(), v))
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            pass

    ts = [threading.Thread(target=writer, args=(i,)) for i in range(nwriters)]
    for t in ts:
        t.start()
    return ts


def test_kill9_at_random_instants_always(fac):
    import random
    rnd = random.Random(7)
    s = fac(*AOF, "--appendfsync", "always", threads=2)
    acked = {}
    for cycle in range(3):
        ts = _run_writers(s, 4, 30, acked)
        time.sleep(rnd.uniform(0.2, 0.8))
        kill9(s)
        for t in ts:
            t.join(10)
        s = restart(fac, s, "--appendfsync", "always")
        c = s.client()
        for i, n in acked.items():
            got = int(c.get("ctr:%d" % i) or 0)
            assert n <= got <= n + 1, (cycle, i, n, got)
            acked[i] = got


def test_kill9_everysec_loses_at_most_about_two_seconds(fac):
    s = fac(*AOF, "--appendfsync", "everysec", threads=2)
    acked, history = {}, {}
    ts = _run_writers(s, 4, 30, acked, history)
    wait_for(lambda: len(acked) == 4 and min(acked.values()) > 100, timeout=20,
             message="writers")
    time.sleep(2.5)
    killed_at = time.monotonic()
    kill9(s)
    for t in ts:
        t.join(10)
    s2 = restart(fac, s)
    c = s2.client()
    for i, hist in history.items():
        got = int(c.get("ctr:%d" % i) or 0)
        # Everything acknowledged more than ~2 s before the kill is there.
        old = [v for (t, v) in hist if t <= killed_at - 2.2]
        assert old, "no writes early enough"
        assert got >= old[-1], (i, got, old[-1])
        assert got <= acked[i] + 1
