"""SLOWLOG GET | LEN | RESET | HELP and the slowlog-* settings (Redis 7.0
semantics: entry shape, argument cuts, redacted secrets, skip_slowlog).

Every test also passes against redis-server (KVIK_TEST_TARGET=redis)."""

import pytest

from resp import Array, Error, Integer
from util import IS_REDIS, cmd, err

THREADS = [None] if IS_REDIS else [1, 2]


@pytest.fixture(params=THREADS, ids=lambda t: "redis" if t is None else "threads%d" % t)
def srv(request, server):
    return server("--slowlog-log-slower-than", "0", threads=request.param)


def entries(c, n=-1):
    """SLOWLOG GET as dicts, newest first, without the SLOWLOG call itself."""
    out = []
    for e in c.call("SLOWLOG", "GET", n):
        eid, ts, dur, argv, addr, name = e
        out.append({"id": eid, "time": ts, "duration": dur, "argv": list(argv),
                    "addr": addr, "name": name})
    return out


def logged(c, *commands):
    """Runs commands after a RESET; returns the argv lists logged for them,
    oldest first (the RESET itself is logged too and is left out)."""
    assert c.call("SLOWLOG", "RESET") == b"OK"
    for command in commands:
        c.call(*command)
    return [e["argv"] for e in reversed(entries(c)) if e["argv"][:2] != [b"SLOWLOG", b"RESET"]]


def test_entry_shape(srv):
    c = srv.raw()
    c.call("CLIENT", "SETNAME", "worker-7")
    c.call("SLOWLOG", "RESET")
    c.call("SET", "k", "v")
    e = entries(c, 1)[0]
    assert e["argv"] == [b"SET", b"k", b"v"]
    assert isinstance(e["id"], int) and isinstance(e["time"], int)
    assert isinstance(e["duration"], int) and e["duration"] >= 0
    assert e["name"] == b"worker-7"
    host, port = e["addr"].decode().rsplit(":", 1)
    assert host == "127.0.0.1" and int(port) > 0
    # ids grow; entries come newest first
    c.call("GET", "k")
    ids = [x["id"] for x in entries(c)]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)


def test_len_reset_and_count(srv):
    c = srv.raw()
    assert c.call("SLOWLOG", "RESET") == b"OK"
    for i in range(5):
        c.call("SET", "k%d" % i, i)
    # RESET, five SETs, and each SLOWLOG call is itself logged after it ran
    assert c.call("SLOWLOG", "LEN") == 6
    assert len(c.call("SLOWLOG", "GET")) == 7
    assert len(c.call("SLOWLOG", "GET", 2)) == 2
    assert len(c.call("SLOWLOG", "GET", 0)) == 0
    assert len(c.call("SLOWLOG", "GET", -1)) == 10
    for bad in ("-2", "x"):
        assert c.call("SLOWLOG", "GET", bad) == Error(
            b"ERR count should be greater than or equal to -1")
    assert c.call("SLOWLOG", "GET", 1, 2) == Error(
        b"ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
    assert c.call("SLOWLOG", "NOSUCH") == Error(
        b"ERR unknown subcommand 'NOSUCH'. Try SLOWLOG HELP.")
    help_lines = c.call("SLOWLOG", "HELP")
    assert help_lines[0].startswith(b"SLOWLOG <subcommand>") and len(help_lines) > 5


def test_threshold_and_max_len(srv):
    c = srv.raw()
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1") == b"OK"
    c.call("SLOWLOG", "RESET")
    c.call("SET", "a", 1)
    assert c.call("SLOWLOG", "LEN") == 0
    # a threshold no command reaches logs nothing either
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000000") == b"OK"
    c.call("SET", "a", 1)
    assert c.call("SLOWLOG", "LEN") == 0
    # DEBUG SLEEP passes a 50 ms threshold
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "50000") == b"OK"
    c.call("DEBUG", "SLEEP", "0.1")
    c.call("SET", "a", 1)
    e = entries(c)
    assert [x["argv"] for x in e] == [[b"DEBUG", b"SLEEP", b"0.1"]]
    assert e[0]["duration"] >= 50000
    # max-len keeps the newest entries
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == b"OK"
    assert c.call("CONFIG", "SET", "slowlog-max-len", "3") == b"OK"
    for i in range(10):
        c.call("SET", "m", i)
    assert c.call("SLOWLOG", "LEN") == 3
    assert [x["argv"] for x in entries(c)][1:] == [[b"SET", b"m", b"9"], [b"SET", b"m", b"8"]]
    assert c.call("CONFIG", "SET", "slowlog-max-len", "0") == b"OK"
    c.call("SET", "m", 1)
    assert c.call("SLOWLOG", "LEN") == 0


def test_long_arguments_are_cut(srv):
    c = srv.raw()
    args = ["RPUSH", "list"] + ["e%d" % i for i in range(40)]
    (argv,) = logged(c, args)
    assert len(argv) == 32
    assert argv[:31] == [a.encode() for a in args[:31]]
    assert argv[31] == b"... (11 more arguments)"
    (argv,) = logged(c, ("SET", "big", "x" * 300))
    assert argv[2] == b"x" * 128 + b"... (172 more bytes)"


def test_secrets_are_redacted(srv):
    c = srv.raw()
    got = logged(c,
                 ("ACL", "SETUSER", "someone", "on", ">hunter2", "+@all"),
                 ("AUTH", "someone", "hunter2"),
                 ("HELLO", "2", "AUTH", "someone", "hunter2"),
                 ("CONFIG", "SET", "requirepass", ""),
                 ("CONFIG", "SET", "maxmemory", "0"))
    assert got == [
        [b"ACL", b"SETUSER", b"(redacted)", b"(redacted)", b"(redacted)", b"(redacted)"],
        [b"AUTH", b"(redacted)", b"(redacted)"],
        [b"HELLO", b"2", b"AUTH", b"(redacted)", b"(redacted)"],
        [b"CONFIG", b"SET", b"requirepass", b"(redacted)"],
        [b"CONFIG", b"SET", b"maxmemory", b"0"],
    ]


def test_exec_is_not_logged_but_its_commands_are(srv):
    c = srv.raw()
    got = logged(c, ("MULTI",), ("SET", "t", 1), ("INCR", "t"), ("EXEC",))
    assert got == [[b"MULTI"], [b"SET", b"t", b"1"], [b"INCR", b"t"]]
