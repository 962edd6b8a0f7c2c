import redis
"""maxmemory and the eviction policies. Data volumes stay at a few MB: the limit
is set to the server's current used_memory plus a small budget."""

import pytest

from util import cmd, err, info_dict

OOM = "OOM command not allowed when used memory > 'maxmemory'."
BUDGET = 2 * 1024 * 1024
VALUE = b"v" * 1000
# used_memory may pass maxmemory by about one command's allocation (Redis evicts
# before running a command); allow that plus allocator slack.
SLACK = 256 * 1024


@pytest.fixture
def mem(r):
    """A client on a flushed server with maxmemory unset; restored afterwards."""
    cmd(r, "CONFIG", "SET", "maxmemory", "0")
    cmd(r, "CONFIG", "SET", "maxmemory-policy", "noeviction")
    cmd(r, "FLUSHALL", "SYNC")
    cmd(r, "CONFIG", "RESETSTAT")
    yield r
    cmd(r, "CONFIG", "SET", "maxmemory", "0")
    cmd(r, "CONFIG", "SET", "maxmemory-policy", "noeviction")
    cmd(r, "CONFIG", "SET", "maxmemory-samples", "5")
    cmd(r, "FLUSHALL", "SYNC")


def used(r):
    return int(info_dict(r, "memory")["used_memory"])


def limit_to(r, policy, budget=BUDGET, samples=None):
    if samples:
        cmd(r, "CONFIG", "SET", "maxmemory-samples", str(samples))
    cmd(r, "CONFIG", "SET", "maxmemory-policy", policy)
    limit = used(r) + budget
    cmd(r, "CONFIG", "SET", "maxmemory", str(limit))
    return limit


def write(r, prefix, n, ex=None, value=VALUE, batch=100):
    """SET n keys in pipelined batches; returns (ok_count, errors)."""
    ok, errors = 0, []
    for start in range(0, n, batch):
        pipe = r.pipeline(transaction=False)
        for i in range(start, min(n, start + batch)):
            if ex is None:
                pipe.execute_command("SET", "%s:%d" % (prefix, i), value)
            else:
                pipe.execute_command("SET", "%s:%d" % (prefix, i), value, "EX", ex)
        for res in pipe.execute(raise_on_error=False):
            if isinstance(res, Exception):
                errors.append(str(res))
            else:
                ok += 1
    return ok, errors


def evicted(r):
    return int(info_dict(r, "stats")["evicted_keys"])


def count_existing(r, prefix, n):
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.exists("%s:%d" % (prefix, i))
    return sum(pipe.execute())


class TestMaxmemoryInfo:
    def test_info_fields(self, mem):
        info = info_dict(mem, "memory")
        assert info["maxmemory"] == "0"
        assert info["maxmemory_policy"] == "noeviction"
        assert "maxmemory_human" in info
        cmd(mem, "CONFIG", "SET", "maxmemory", "100mb")
        cmd(mem, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        info = info_dict(mem, "memory")
        assert info["maxmemory"] == str(100 * 1024 * 1024)
        assert info["maxmemory_human"] == "100.00M"
        assert info["maxmemory_policy"] == "allkeys-lru"
        assert cmd(mem, "CONFIG", "GET", "maxmemory") == [b"maxmemory", b"104857600"]


class TestNoEviction:
    def test_writes_rejected_reads_work(self, mem):
        mem.set("early", "value")
        limit = limit_to(mem, "noeviction")
        ok, errors = write(mem, "k", 4000)
        assert errors, "writes past maxmemory must fail under noeviction"
        assert set(errors) == {OOM}
        assert 0 < ok < 4000
        assert evicted(mem) == 0
        assert mem.dbsize() == ok + 1
        assert used(mem) <= limit + SLACK
        # reads and deletes still work
        assert mem.get("early") == b"value"
        assert mem.get("k:0") == VALUE
        assert mem.exists("k:1") == 1
        assert mem.strlen("k:0") == 1000
        # other writes that may grow memory are refused too. Memory moves by a
        # few bytes as tables finish resizing; top it up with small writes first
        # so the checks below start from "over the limit".
        for i in range(1000):
            try:
                cmd(mem, "SET", "fill:%d" % i, "x")
            except redis.ResponseError:
                break
        for args in (("SET", "new", "x"), ("APPEND", "early", "x"), ("INCR", "cnt"),
                     ("SETNX", "n", "1"), ("MSET", "a", "1"), ("SETRANGE", "early", "0", "x")):
            assert err(mem, *args) == OOM, args
        # deleting frees memory and writes work again
        mem.delete(*["k:%d" % i for i in range(ok)])
        assert mem.set("after", "ok")
        assert mem.get("after") == b"ok"

    def test_raising_maxmemory_allows_writes(self, mem):
        limit_to(mem, "noeviction")
        ok, errors = write(mem, "k", 4000)
        assert errors
        cmd(mem, "CONFIG", "SET", "maxmemory", "0")
        assert mem.set("now", "fine")


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_allkeys_policies_evict(mem, policy):
    limit = limit_to(mem, policy)
    ok, errors = write(mem, "k", 8000)
    assert errors == []
    assert ok == 8000
    n = mem.dbsize()
    assert 0 < n < 8000
    assert evicted(mem) >= 8000 - n
    assert used(mem) <= limit + SLACK
    # roughly the budget's worth of keys is kept (not everything was dropped)
    assert n * len(VALUE) > BUDGET // 4
    assert info_dict(mem, "memory")["maxmemory_policy"] == policy


def test_allkeys_lfu_keeps_hot_keys(mem):
    cmd(mem, "CONFIG", "SET", "lfu-log-factor", "0")
    try:
        limit_to(mem, "allkeys-lfu", samples=10)
        write(mem, "hot", 200)
        for _ in range(20):
            pipe = mem.pipeline(transaction=False)
            for i in range(200):
                pipe.get("hot:%d" % i)
            pipe.execute()
        ok, errors = write(mem, "cold", 6000)
        assert errors == []
        assert evicted(mem) > 0
        hot = count_existing(mem, "hot", 200)
        assert hot >= 180
    finally:
        cmd(mem, "CONFIG", "SET", "lfu-log-factor", "10")


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random",
                                    "volatile-ttl"])
def test_volatile_policies_only_evict_volatile(mem, policy):
    limit = limit_to(mem, policy)
    # persistent keys take half the budget
    ok, errors = write(mem, "persistent", 800)
    assert errors == []
    ok, errors = write(mem, "volatile", 6000, ex=100000)
    assert errors == [] or set(errors) == {OOM}
    assert evicted(mem) > 0
    # no persistent key was evicted
    assert count_existing(mem, "persistent", 800) == 800
    assert used(mem) <= limit + SLACK
    # once only persistent keys are left to evict, writes fail like noeviction
    ok, errors = write(mem, "persistent2", 4000)
    assert errors and set(errors) == {OOM}
    assert count_existing(mem, "persistent", 800) == 800
    ks = info_dict(mem, "keyspace")
    assert "db0" in ks
    assert mem.get("persistent:0") == VALUE


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random",
                                    "volatile-ttl"])
def test_volatile_policies_without_volatile_keys_act_as_noeviction(mem, policy):
    limit_to(mem, policy)
    ok, errors = write(mem, "p", 4000)
    assert errors and set(errors) == {OOM}
    assert evicted(mem) == 0
    assert mem.dbsize() == ok
    assert mem.get("p:0") == VALUE


def test_volatile_ttl_evicts_shortest_ttl_first(mem):
    limit_to(mem, "volatile-ttl", samples=10)
    write(mem, "short", 600, ex=1000)
    write(mem, "long", 600, ex=1000000)
    ok, errors = write(mem, "newer", 1000, ex=2000000)
    assert errors == []
    assert evicted(mem) > 300
    shorts = count_existing(mem, "short", 600)
    longs = count_existing(mem, "long", 600)
    # keys closest to expiring go first
    assert longs >= 540, (shorts, longs)
    assert shorts < longs


def test_eviction_with_large_values(mem):
    limit = limit_to(mem, "allkeys-random")
    big = b"B" * (256 * 1024)
    for i in range(40):  # 10 MB written into a 2 MB budget
        assert mem.set("big:%d" % i, big)
    assert used(mem) <= limit + 2 * len(big)
    assert evicted(mem) > 0
    n = mem.dbsize()
    assert 0 < n < 40
    # whatever is left is intact (any key may be the one evicted next)
    left = [v for v in mem.mget(["big:%d" % i for i in range(40)]) if v is not None]
    assert left and all(v == big for v in left)


def test_maxmemory_in_config_file_arg(server):
    srv = server("--maxmemory", "50mb", "--maxmemory-policy", "allkeys-lru")
    c = srv.client()
    info = info_dict(c, "memory")
    assert info["maxmemory"] == str(50 * 1024 * 1024)
    assert info["maxmemory_policy"] == "allkeys-lru"


def test_oom_error_via_raw_protocol(mem, shared_server):
    limit_to(mem, "noeviction", budget=512 * 1024)
    write(mem, "fill", 2000)
    c = shared_server.raw()
    rep = c.call("SET", "x", "y")
    assert rep == OOM.encode()
    assert rep.code == b"OOM"
    assert c.call("GET", "fill:0") == VALUE
    c.close()
