"""MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP and INFO's
used_memory_peak (Redis 7.0 reply shapes and field names).

Every test also passes against redis-server (KVIK_TEST_TARGET=redis); the
figures themselves differ between the servers, so they are checked for
consistency, not for values."""

import pytest

from resp import NULL_BULK, Error, Map
from util import IS_REDIS, info_dict

THREADS = [None] if IS_REDIS else [1, 2]

STATS_FIELDS = [
    "peak.allocated", "total.allocated", "startup.allocated", "replication.backlog",
    "clients.slaves", "clients.normal", "cluster.links", "aof.buffer", "lua.caches",
    "functions.caches", "overhead.total", "keys.count", "keys.bytes-per-key",
    "dataset.bytes", "dataset.percentage", "peak.percentage", "allocator.allocated",
    "allocator.active", "allocator.resident", "allocator-fragmentation.ratio",
    "allocator-fragmentation.bytes", "allocator-rss.ratio", "allocator-rss.bytes",
    "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation", "fragmentation.bytes",
]


@pytest.fixture(params=THREADS, ids=lambda t: "redis" if t is None else "threads%d" % t)
def srv(request, server):
    return server(threads=request.param)


def test_usage(srv):
    c = srv.raw()
    assert c.call("MEMORY", "USAGE", "nosuch") == NULL_BULK
    c.call("SET", "small", "v")
    c.call("SET", "big", "x" * 100000)
    small = c.call("MEMORY", "USAGE", "small")
    big = c.call("MEMORY", "USAGE", "big")
    assert isinstance(small, int) and small > 0
    assert 100000 <= big < 200000
    c.call("RPUSH", "list", *["e%d" % i for i in range(1000)])
    assert c.call("MEMORY", "USAGE", "list") > c.call("MEMORY", "USAGE", "small")
    assert c.call("MEMORY", "USAGE", "small", "SAMPLES", 0) == small
    assert c.call("MEMORY", "USAGE", "small", "samples", 5) == small
    assert c.call("MEMORY", "USAGE", "small", "SAMPLES", -1) == Error(b"ERR syntax error")
    assert c.call("MEMORY", "USAGE", "small", "SAMPLES", "x") == Error(
        b"ERR value is not an integer or out of range")
    assert c.call("MEMORY", "USAGE", "small", "FOO") == Error(b"ERR syntax error")
    assert c.call("MEMORY", "USAGE", "small", "SAMPLES") == Error(b"ERR syntax error")
    assert c.call("MEMORY", "USAGE") == Error(
        b"ERR wrong number of arguments for 'memory|usage' command")
    # USAGE does not count as an access (OBJECT IDLETIME keeps growing)
    c.call("DEBUG", "SLEEP", "1.1")
    c.call("MEMORY", "USAGE", "small")
    assert c.call("OBJECT", "IDLETIME", "small") >= 1


@pytest.mark.parametrize("proto", [2, 3])
def test_stats(srv, proto):
    c = srv.raw()
    c.call("HELLO", proto)
    c.call("SET", "a", 1)
    c.call("SELECT", 3)
    c.call("SET", "b", "x" * 1000, "EX", 100)
    c.call("SELECT", 0)
    st = c.call("MEMORY", "STATS")
    if proto == 3:
        assert isinstance(st, Map)
        stats = {k.decode(): v for k, v in st.items()}
    else:
        stats = {st[i].decode(): st[i + 1] for i in range(0, len(st), 2)}
    dbs = sorted(k for k in stats if k.startswith("db."))
    assert dbs == ["db.0", "db.3"]
    for k in dbs:
        d = stats.pop(k)
        d = dict(d.items()) if proto == 3 else {d[i]: d[i + 1] for i in range(0, len(d), 2)}
        assert set(d) == {b"overhead.hashtable.main", b"overhead.hashtable.expires",
                          b"overhead.hashtable.slot-to-keys"}
    assert sorted(stats) == sorted(STATS_FIELDS)
    num = {k: float(v) for k, v in stats.items()}
    assert num["keys.count"] == 2
    assert num["peak.allocated"] >= num["total.allocated"] >= num["startup.allocated"] > 0
    assert num["overhead.total"] >= num["startup.allocated"]
    assert 0 < num["peak.percentage"] <= 100
    assert 0 <= num["dataset.percentage"] <= 100
    assert num["allocator.resident"] >= num["allocator.active"] >= num["allocator.allocated"]


def test_peak_stays_after_a_free(srv):
    c = srv.raw()
    before = info_dict(srv.client(), "memory")
    c.call("SET", "huge", "x" * 5000000)
    during = int(info_dict(srv.client(), "memory")["used_memory"])
    c.call("DEL", "huge")
    after = info_dict(srv.client(), "memory")
    assert int(after["used_memory_peak"]) >= during
    assert int(after["used_memory"]) < during
    assert int(after["used_memory_peak"]) >= int(before["used_memory_peak"])


def test_doctor_malloc_stats_purge_help(srv):
    c = srv.raw()
    doctor = c.call("MEMORY", "DOCTOR")
    assert isinstance(doctor, bytes) and len(doctor) > 20
    report = c.call("MEMORY", "MALLOC-STATS")
    assert isinstance(report, bytes) and len(report) > 0
    assert c.call("MEMORY", "PURGE") == b"OK"
    help_lines = c.call("MEMORY", "HELP")
    assert help_lines[0].startswith(b"MEMORY <subcommand>")
    assert any(l.startswith(b"USAGE <key>") for l in help_lines)
    assert c.call("MEMORY", "NOSUCH") == Error(
        b"ERR unknown subcommand 'NOSUCH'. Try MEMORY HELP.")
    assert c.call("MEMORY", "STATS", "extra") == Error(
        b"ERR wrong number of arguments for 'memory|stats' command")
