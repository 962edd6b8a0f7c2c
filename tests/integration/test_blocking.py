"""Blocking commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP.

Waiters are raw connections that send the command and read the reply later;
"blocked" is established through INFO blocked_clients (wait_for), never by
sleeping. The shared server runs at --threads 1 and 2; the cross-thread tests
start their own --threads 2 server.
"""

import threading
import time

import pytest

from resp import NULL3, NULL_ARRAY, NULL_BULK, Array, Bulk, Double, Error, Simple
from util import IS_KVIK, IS_REDIS, client_list, wait_for

OK = Simple(b"OK")
UNBLOCKED = b"UNBLOCKED client unblocked via CLIENT UNBLOCK"


def blocked(c):
    """INFO blocked_clients, asked over raw client c."""
    text = c.call("INFO", "clients")
    for line in bytes(text).decode().splitlines():
        if line.startswith("blocked_clients:"):
            return int(line.split(":")[1])
    raise AssertionError("no blocked_clients in INFO")


def wait_blocked(c, n, timeout=10):
    wait_for(lambda: blocked(c) == n, timeout=timeout,
             message="blocked_clients == %d (now %d)" % (n, blocked(c)))


def block(srv, ctl, *command, expect=None, proto=2):
    """Open a connection, send a blocking command and wait until the number of
    blocked clients reaches expect (default: one more than before)."""
    n = blocked(ctl) + 1 if expect is None else expect
    w = srv.raw()
    if proto == 3:
        w.call("HELLO", "3")
    w.send(*command)
    wait_blocked(ctl, n)
    return w


# --------------------------------------------------------------------------- served at once


class TestImmediate:
    def test_blpop_brpop(self, raw):
        raw.call("RPUSH", "l2", "a", "b", "c")
        assert raw.call("BLPOP", "l1", "l2", "0") == [b"l2", b"a"]
        assert raw.call("BRPOP", "l1", "l2", "0") == [b"l2", b"c"]
        assert raw.call("BLPOP", "l2", "1") == [b"l2", b"b"]
        assert raw.call("EXISTS", "l2") == 0

    def test_first_non_empty_key_wins(self, raw):
        raw.call("RPUSH", "b", "from-b")
        raw.call("RPUSH", "c", "from-c")
        assert raw.call("BLPOP", "a", "b", "c", "0") == [b"b", b"from-b"]
        assert raw.call("BRPOP", "c", "b", "0") == [b"c", b"from-c"]

    def test_blmove_brpoplpush(self, raw):
        raw.call("RPUSH", "src", "1", "2", "3")
        assert raw.call("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0") == b"1"
        assert raw.call("BRPOPLPUSH", "src", "dst", "0") == b"3"
        assert raw.call("LRANGE", "dst", 0, -1) == [b"3", b"1"]
        # same source and destination: rotation
        assert raw.call("BLMOVE", "dst", "dst", "LEFT", "RIGHT", "0") == b"3"
        assert raw.call("LRANGE", "dst", 0, -1) == [b"1", b"3"]

    def test_blmpop(self, raw):
        raw.call("RPUSH", "l", "a", "b", "c")
        assert raw.call("BLMPOP", "0", "2", "x", "l", "LEFT") == [b"l", [b"a"]]
        assert raw.call("BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "10") == [b"l", [b"c", b"b"]]
        assert raw.call("EXISTS", "l") == 0

    def test_bzpop(self, raw):
        raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
        assert raw.call("BZPOPMIN", "none", "z", "0") == [b"z", b"a", b"1"]
        assert raw.call("BZPOPMAX", "z", "0") == [b"z", b"c", b"3"]
        assert raw.call("ZRANGE", "z", 0, -1) == [b"b"]

    def test_bzmpop(self, raw):
        raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
        assert raw.call("BZMPOP", "0", "1", "z", "MAX", "COUNT", "2") == \
            [b"z", [[b"c", b"3"], [b"b", b"2"]]]
        assert raw.call("BZMPOP", "0", "2", "q", "z", "MIN") == [b"z", [[b"a", b"1"]]]
        assert raw.call("EXISTS", "z") == 0


# --------------------------------------------------------------------------- reply shapes


SHAPES_SETUP = [("RPUSH", "l", "a", "b"), ("ZADD", "z", "1.5", "m", "2.5", "n")]


class TestReplyShapes:
    @pytest.mark.parametrize("proto", [2, 3])
    def test_immediate_shapes(self, raw, proto):
        if proto == 3:
            raw.call("HELLO", "3")
        for c in SHAPES_SETUP:
            raw.call(*c)
        rep = raw.call("BLPOP", "l", "0")
        assert isinstance(rep, Array) and rep == [b"l", b"a"]
        assert all(isinstance(x, Bulk) for x in rep)
        rep = raw.call("BLMOVE", "l", "d", "LEFT", "LEFT", "0")
        assert isinstance(rep, Bulk) and rep == b"b"
        raw.call("RPUSH", "l", "c")
        rep = raw.call("BLMPOP", "0", "1", "l", "LEFT")
        assert isinstance(rep, Array) and isinstance(rep[1], Array) and rep == [b"l", [b"c"]]
        rep = raw.call("BZPOPMIN", "z", "0")
        assert isinstance(rep, Array) and rep[:2] == [b"z", b"m"]
        if proto == 2:
            assert isinstance(rep[2], Bulk) and rep[2] == b"1.5"
        else:
            assert isinstance(rep[2], Double) and rep[2] == 1.5
        rep = raw.call("BZMPOP", "0", "1", "z", "MIN")
        assert rep[0] == b"z" and isinstance(rep[1], Array)
        member, score = rep[1][0]
        assert member == b"n"
        if proto == 2:
            assert isinstance(score, Bulk) and score == b"2.5"
        else:
            assert isinstance(score, Double) and score == 2.5

    @pytest.mark.parametrize("proto", [2, 3])
    def test_served_after_blocking_shapes(self, shared_server, raw, proto):
        """The reply built when a waiter is served later keeps its protocol."""
        w1 = block(shared_server, raw, "BLPOP", "l", "0", proto=proto)
        w2 = block(shared_server, raw, "BLMOVE", "l2", "d", "LEFT", "RIGHT", "0", proto=proto)
        w3 = block(shared_server, raw, "BZPOPMAX", "z", "0", proto=proto)
        w4 = block(shared_server, raw, "BZMPOP", "0", "1", "z2", "MIN", "COUNT", "5",
                   proto=proto)
        w5 = block(shared_server, raw, "BLMPOP", "0", "1", "l3", "RIGHT", "COUNT", "2",
                   proto=proto)
        raw.call("RPUSH", "l", "x")
        raw.call("RPUSH", "l2", "y")
        raw.call("ZADD", "z", "1", "a", "7.25", "b")
        raw.call("ZADD", "z2", "3", "c", "1", "a", "2", "b")
        raw.call("RPUSH", "l3", "1", "2", "3")
        rep = w1.read()
        assert isinstance(rep, Array) and rep == [b"l", b"x"]
        rep = w2.read()
        assert isinstance(rep, Bulk) and rep == b"y"
        rep = w3.read()
        assert rep[:2] == [b"z", b"b"]
        assert (isinstance(rep[2], Bulk) and rep[2] == b"7.25") if proto == 2 else \
            (isinstance(rep[2], Double) and rep[2] == 7.25)
        rep = w4.read()
        assert rep[0] == b"z2" and [m for m, _ in rep[1]] == [b"a", b"b", b"c"]
        for _, score in rep[1]:
            assert isinstance(score, Bulk if proto == 2 else Double)
        assert w5.read() == [b"l3", [b"3", b"2"]]
        assert raw.call("LRANGE", "l3", 0, -1) == [b"1"]
        assert raw.call("LRANGE", "d", 0, -1) == [b"y"]

    @pytest.mark.parametrize("proto", [2, 3])
    def test_timeout_shapes(self, raw, proto):
        if proto == 3:
            raw.call("HELLO", "3")
        list_null = NULL_ARRAY if proto == 2 else NULL3
        # A wait that times out answers *-1 even for BLMOVE/BRPOPLPUSH (Redis 7.0;
        # inside MULTI, where they cannot block, they answer $-1: test_multi.py).
        bulk_null = list_null
        assert raw.call("BLPOP", "l", "0.01") == list_null
        assert raw.call("BRPOP", "l", "l2", "0.01") == list_null
        assert raw.call("BLMOVE", "l", "d", "LEFT", "LEFT", "0.01") == bulk_null
        assert raw.call("BRPOPLPUSH", "l", "d", "0.01") == bulk_null
        assert raw.call("BLMPOP", "0.01", "1", "l", "LEFT") == list_null
        assert raw.call("BZPOPMIN", "z", "0.01") == list_null
        assert raw.call("BZPOPMAX", "z", "0.01") == list_null
        assert raw.call("BZMPOP", "0.01", "1", "z", "MAX") == list_null
        assert raw.call("EXISTS", "l", "d", "z") == 0


# --------------------------------------------------------------------------- timeouts


class TestTimeouts:
    @pytest.mark.parametrize("command", [
        ("BLPOP", "l", "0.2"),
        ("BLMOVE", "l", "d", "RIGHT", "LEFT", "0.2"),
        ("BZPOPMIN", "z", "0.2"),
        ("BZMPOP", "0.2", "1", "z", "MIN"),
    ])
    def test_fractional_timeout(self, raw, command):
        t0 = time.monotonic()
        rep = raw.call(*command)
        elapsed = time.monotonic() - t0
        assert rep in (NULL_ARRAY, NULL_BULK)
        assert elapsed >= 0.195, elapsed
        assert elapsed < 3.0, elapsed

    def test_integer_timeout(self, raw):
        t0 = time.monotonic()
        assert raw.call("BRPOP", "l", "1") == NULL_ARRAY
        elapsed = time.monotonic() - t0
        assert 0.99 <= elapsed < 4.0, elapsed

    def test_timeout_zero_waits_until_served(self, shared_server, raw):
        w = block(shared_server, raw, "BLPOP", "l", "0")
        assert w.no_reply_within(0.3)
        assert blocked(raw) == 1
        raw.call("LPUSH", "l", "late")
        assert w.read() == [b"l", b"late"]
        wait_blocked(raw, 0)

    def test_served_before_timeout(self, shared_server, raw):
        w = block(shared_server, raw, "BZPOPMIN", "z", "30")
        raw.call("ZADD", "z", "5", "m")
        assert w.read(timeout=10) == [b"z", b"m", b"5"]

    def test_pipelined_commands_wait_for_the_blocked_one(self, shared_server, raw):
        w = shared_server.raw()
        w.send_many([("BLPOP", "l", "0"), ("PING",), ("SET", "after", "1")])
        wait_blocked(raw, 1)
        assert raw.call("EXISTS", "after") == 0
        raw.call("RPUSH", "l", "x")
        assert w.read_many(3) == [[b"l", b"x"], Simple(b"PONG"), OK]
        assert raw.call("GET", "after") == b"1"

    def test_pipelined_commands_after_timeout(self, shared_server, raw):
        w = shared_server.raw()
        w.send_many([("BLPOP", "l", "0.05"), ("PING",)])
        assert w.read_many(2) == [NULL_ARRAY, Simple(b"PONG")]

    @pytest.mark.parametrize("command", [
        ("BLPOP", "l", "{}"),
        ("BRPOP", "l", "{}"),
        ("BLMOVE", "l", "d", "LEFT", "LEFT", "{}"),
        ("BRPOPLPUSH", "l", "d", "{}"),
        ("BLMPOP", "{}", "1", "l", "LEFT"),
        ("BZPOPMIN", "z", "{}"),
        ("BZPOPMAX", "z", "{}"),
        ("BZMPOP", "{}", "1", "z", "MIN"),
    ])
    def test_timeout_errors(self, raw, command):
        def run(t):
            return raw.call(*[a.format(t) if a == "{}" else a for a in command])

        assert run("abc") == Error(b"ERR timeout is not a float or out of range")
        assert run("") == Error(b"ERR timeout is not a float or out of range")
        assert run("1x") == Error(b"ERR timeout is not a float or out of range")
        assert run("nan") == Error(b"ERR timeout is not a float or out of range")
        assert run("-1") == Error(b"ERR timeout is negative")
        assert run("-0.5") == Error(b"ERR timeout is negative")
        assert blocked(raw) == 0

    @pytest.mark.kvik_only
    def test_overflowing_timeout(self, raw):
        """Redis 7.0 casts an overflowing timeout to a negative number (and says
        "timeout is negative" for 1e300 or inf); kvik refuses what would
        overflow now + timeout as out of range, and inf as not a float."""
        assert raw.call("BLPOP", "l", "1e300") == Error(b"ERR timeout is out of range")
        assert raw.call("BLPOP", "l", "9.3e15") == Error(b"ERR timeout is out of range")
        assert raw.call("BZPOPMIN", "z", "inf") == \
            Error(b"ERR timeout is not a float or out of range")
        assert blocked(raw) == 0

    def test_huge_timeout_blocks(self, shared_server, raw):
        """1e13 s is in range (Redis only refuses what overflows now + timeout)."""
        w = block(shared_server, raw, "BLPOP", "l", "1e13")
        raw.call("RPUSH", "l", "x")
        assert w.read() == [b"l", b"x"]

    def test_tiny_negative_timeout_rounds_to_zero(self, shared_server, raw):
        """The timeout is rounded up to whole milliseconds before the sign
        check: -0.0001 s is 0, i.e. wait forever."""
        w = block(shared_server, raw, "BZPOPMIN", "z", "-0.0001")
        assert w.no_reply_within(0.2)
        raw.call("ZADD", "z", "1", "m")
        assert w.read() == [b"z", b"m", b"1"]

    def test_timeout_checked_before_keys(self, raw):
        raw.call("SET", "s", "string")
        assert raw.call("BLPOP", "s", "-1") == Error(b"ERR timeout is negative")
        assert raw.call("BZPOPMIN", "s", "x") == \
            Error(b"ERR timeout is not a float or out of range")


# --------------------------------------------------------------------------- types


WRONGTYPE = b"WRONGTYPE Operation against a key holding the wrong kind of value"


class TestWrongType:
    def test_wrongtype_at_call_time(self, raw):
        raw.call("SET", "s", "string")
        raw.call("RPUSH", "l", "x")
        raw.call("ZADD", "z", "1", "m")
        assert raw.call("BLPOP", "s", "0") == Error(WRONGTYPE)
        assert raw.call("BRPOP", "missing", "s", "0") == Error(WRONGTYPE)
        assert raw.call("BLMOVE", "s", "d", "LEFT", "LEFT", "0") == Error(WRONGTYPE)
        assert raw.call("BRPOPLPUSH", "z", "d", "0") == Error(WRONGTYPE)
        assert raw.call("BLMPOP", "0", "2", "missing", "z", "LEFT") == Error(WRONGTYPE)
        assert raw.call("BZPOPMIN", "l", "0") == Error(WRONGTYPE)
        assert raw.call("BZPOPMAX", "missing", "s", "0") == Error(WRONGTYPE)
        assert raw.call("BZMPOP", "0", "1", "l", "MIN") == Error(WRONGTYPE)
        assert blocked(raw) == 0
        # a non-empty key before the wrong one serves
        assert raw.call("BLPOP", "l", "s", "0") == [b"l", b"x"]

    def test_blmove_wrong_destination_with_data(self, raw):
        raw.call("RPUSH", "src", "x")
        raw.call("SET", "dst", "string")
        assert raw.call("BLMOVE", "src", "dst", "LEFT", "LEFT", "0") == Error(WRONGTYPE)
        assert raw.call("LRANGE", "src", 0, -1) == [b"x"]

    def test_key_becomes_string_keeps_waiting(self, shared_server, raw):
        w = block(shared_server, raw, "BLPOP", "k", "0")
        assert raw.call("SET", "k", "now-a-string") == OK
        raw.call("ZADD", "k2", "1", "m")
        raw.call("RENAME", "k2", "k")  # now a sorted set
        assert w.no_reply_within(0.2)
        assert blocked(raw) == 1
        raw.call("DEL", "k")
        raw.call("RPUSH", "k", "finally")
        assert w.read() == [b"k", b"finally"]

    def test_zset_waiter_ignores_list(self, shared_server, raw):
        w = block(shared_server, raw, "BZPOPMIN", "k", "0")
        raw.call("RPUSH", "k", "x")
        assert w.no_reply_within(0.2)
        raw.call("DEL", "k")
        raw.call("ZADD", "k", "2", "m")
        assert w.read() == [b"k", b"m", b"2"]


# --------------------------------------------------------------------------- serving


class TestServing:
    def test_fifo_one_push_at_a_time(self, shared_server, raw):
        waiters = [block(shared_server, raw, "BLPOP", "q", "0") for _ in range(5)]
        for i in range(5):
            assert raw.call("RPUSH", "q", "e%d" % i) == 1
        for i, w in enumerate(waiters):
            assert w.read() == [b"q", b"e%d" % i]
        assert raw.call("EXISTS", "q") == 0
        assert blocked(raw) == 0

    def test_one_push_serves_several_in_order(self, shared_server, raw):
        waiters = [block(shared_server, raw, "BLPOP", "q", "0") for _ in range(3)]
        extra = block(shared_server, raw, "BRPOP", "q", "0")
        assert raw.call("RPUSH", "q", "a", "b", "c", "d", "e") == 5
        assert [w.read() for w in waiters] == [[b"q", b"a"], [b"q", b"b"], [b"q", b"c"]]
        assert extra.read() == [b"q", b"e"]  # BRPOP takes from the tail
        assert raw.call("LRANGE", "q", 0, -1) == [b"d"]

    def test_mixed_waiters_on_one_zset(self, shared_server, raw):
        w1 = block(shared_server, raw, "BZPOPMAX", "z", "0")
        w2 = block(shared_server, raw, "BZPOPMIN", "z", "0")
        w3 = block(shared_server, raw, "BZMPOP", "0", "1", "z", "MIN", "COUNT", "2")
        raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
        assert w1.read() == [b"z", b"e", b"5"]
        assert w2.read() == [b"z", b"a", b"1"]
        assert w3.read() == [b"z", [[b"b", b"2"], [b"c", b"3"]]]
        assert raw.call("ZRANGE", "z", 0, -1) == [b"d"]

    def test_waiters_of_other_type_ahead(self, shared_server, raw):
        """A BLPOP waiter ahead in the queue does not keep BZPOPMIN waiters on
        the same key from a new sorted set (and the other way round)."""
        lw = block(shared_server, raw, "BLPOP", "k", "0")
        zw1 = block(shared_server, raw, "BZPOPMIN", "k", "0")
        zw2 = block(shared_server, raw, "BZMPOP", "0", "1", "k", "MAX")
        raw.call("ZADD", "k", "1", "a", "2", "b", "3", "c")
        assert zw1.read() == [b"k", b"a", b"1"]
        assert zw2.read() == [b"k", [[b"c", b"3"]]]
        assert raw.call("ZRANGE", "k", 0, -1) == [b"b"]
        assert lw.no_reply_within(0.1)
        raw.call("DEL", "k")
        zw3 = block(shared_server, raw, "BZPOPMAX", "k", "0")
        raw.call("RPUSH", "k", "x")
        assert lw.read() == [b"k", b"x"]
        raw.call("ZADD", "k", "5", "z")
        assert zw3.read() == [b"k", b"z", b"5"]

    def test_client_kill_then_push(self, shared_server, raw):
        w = shared_server.raw()
        wid = int(w.call("CLIENT", "ID"))
        w.send("BLPOP", "k", "0")
        wait_blocked(raw, 1)
        raw.call("CLIENT", "KILL", "ID", wid)
        wait_blocked(raw, 0)
        raw.call("RPUSH", "k", "x")
        assert raw.call("LRANGE", "k", 0, -1) == [b"x"]

    def test_rotating_blmove_waiters(self, shared_server, raw):
        """BLMOVE k k waiters: the element goes round through each of them."""
        w1 = block(shared_server, raw, "BLMOVE", "k", "k", "LEFT", "RIGHT", "0")
        w2 = block(shared_server, raw, "BLMOVE", "k", "k", "RIGHT", "LEFT", "0")
        raw.call("RPUSH", "k", "x")
        assert w1.read() == b"x"
        assert w2.read() == b"x"
        assert raw.call("LRANGE", "k", 0, -1) == [b"x"]

    def test_many_keys(self, shared_server, raw):
        keys = ["many:%d" % i for i in range(100)]
        w = block(shared_server, raw, "BLPOP", *keys, "0")
        z = block(shared_server, raw, "BZMPOP", "0", len(keys), *keys, "MIN")
        raw.call("RPUSH", keys[97], "x")
        assert w.read() == [keys[97].encode(), b"x"]
        raw.call("ZADD", keys[42], "1", "m")
        assert z.read() == [keys[42].encode(), [[b"m", b"1"]]]
        assert blocked(raw) == 0

    def test_waiter_on_several_keys(self, shared_server, raw):
        w = block(shared_server, raw, "BLPOP", "a", "b", "c", "0")
        raw.call("RPUSH", "c", "x")
        assert w.read() == [b"c", b"x"]
        # no longer waits on a or b
        wait_blocked(raw, 0)
        raw.call("RPUSH", "a", "y")
        assert raw.call("LRANGE", "a", 0, -1) == [b"y"]

    def test_same_key_twice(self, shared_server, raw):
        w = block(shared_server, raw, "BLPOP", "k", "k", "0")
        w2 = block(shared_server, raw, "BLPOP", "k", "0")
        raw.call("RPUSH", "k", "1", "2", "3")
        assert w.read() == [b"k", b"1"]
        assert w2.read() == [b"k", b"2"]
        assert raw.call("LRANGE", "k", 0, -1) == [b"3"]
        assert blocked(raw) == 0

    def test_waiter_in_other_db(self, shared_server, raw):
        w = shared_server.raw()
        w.call("SELECT", "3")
        w.send("BLPOP", "k", "0")
        wait_blocked(raw, 1)
        raw.call("RPUSH", "k", "db0")
        assert w.no_reply_within(0.2)
        raw.call("SELECT", "3")
        raw.call("RPUSH", "k", "db3")
        assert w.read() == [b"k", b"db3"]
        raw.call("SELECT", "0")
        assert raw.call("LRANGE", "k", 0, -1) == [b"db0"]

    def test_push_then_pop_pipelined(self, shared_server, raw):
        """Waiters are served after each command, so the waiter gets the element
        before the pipelined LPOP runs."""
        w = block(shared_server, raw, "BLPOP", "k", "0")
        raw.send_many([("LPUSH", "k", "x"), ("LPOP", "k")])
        assert raw.read_many(2) == [1, NULL_BULK]
        assert w.read() == [b"k", b"x"]

    def test_push_then_pop_in_multi(self, shared_server, raw):
        """Inside a transaction the element is gone before anyone is served."""
        w = block(shared_server, raw, "BLPOP", "k", "0")
        raw.call("MULTI")
        raw.call("LPUSH", "k", "x")
        raw.call("LPOP", "k")
        assert raw.call("EXEC") == [1, b"x"]
        assert w.no_reply_within(0.3)
        assert blocked(raw) == 1
        raw.call("LPUSH", "k", "y")
        assert w.read() == [b"k", b"y"]

    def test_multi_push_serves_after_exec(self, shared_server, raw):
        w = block(shared_server, raw, "BLPOP", "k", "0")
        raw.call("MULTI")
        raw.call("RPUSH", "k", "a", "b")
        raw.call("LLEN", "k")
        assert raw.call("EXEC") == [2, 2]
        assert w.read() == [b"k", b"a"]
        assert raw.call("LRANGE", "k", 0, -1) == [b"b"]

    def test_blmove_chain(self, shared_server, raw):
        final = block(shared_server, raw, "BLPOP", "c", "0")
        mid = block(shared_server, raw, "BRPOPLPUSH", "b", "c", "0")
        first = block(shared_server, raw, "BLMOVE", "a", "b", "RIGHT", "LEFT", "0")
        raw.call("RPUSH", "a", "token")
        assert first.read() == b"token"
        assert mid.read() == b"token"
        assert final.read() == [b"c", b"token"]
        assert raw.call("EXISTS", "a", "b", "c") == 0
        assert blocked(raw) == 0

    def test_blmove_to_own_source_waiter(self, shared_server, raw):
        mover = block(shared_server, raw, "BLMOVE", "a", "b", "LEFT", "RIGHT", "0")
        other = block(shared_server, raw, "BLPOP", "a", "0")
        raw.call("RPUSH", "a", "1", "2")
        assert mover.read() == b"1"
        assert other.read() == [b"a", b"2"]
        assert raw.call("LRANGE", "b", 0, -1) == [b"1"]

    def test_blmove_destination_wrongtype_when_served(self, shared_server, raw):
        w = block(shared_server, raw, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
        raw.call("SET", "dst", "string")
        raw.call("RPUSH", "src", "x")
        assert w.read() == Error(WRONGTYPE)
        assert raw.call("LRANGE", "src", 0, -1) == [b"x"]

    def test_created_by_rename_move_and_copy(self, shared_server, raw):
        w1 = block(shared_server, raw, "BLPOP", "r", "0")
        w2 = block(shared_server, raw, "BLPOP", "m", "0")
        w3 = block(shared_server, raw, "BZPOPMIN", "c", "0")
        raw.call("RPUSH", "tmp", "renamed")
        raw.call("RENAME", "tmp", "r")
        assert w1.read() == [b"r", b"renamed"]
        raw.call("SELECT", "1")
        raw.call("RPUSH", "m", "moved")
        assert raw.call("MOVE", "m", "0") == 1
        raw.call("SELECT", "0")
        assert w2.read() == [b"m", b"moved"]
        raw.call("ZADD", "zsrc", "1", "copied")
        assert raw.call("COPY", "zsrc", "c") == 1
        assert w3.read() == [b"c", b"copied", b"1"]

    def test_created_by_store_commands(self, shared_server, raw):
        w1 = block(shared_server, raw, "BLPOP", "sorted", "0")
        w2 = block(shared_server, raw, "BZPOPMAX", "union", "0")
        raw.call("RPUSH", "in", "3", "1", "2")
        assert raw.call("SORT", "in", "STORE", "sorted") == 3
        assert w1.read() == [b"sorted", b"1"]
        raw.call("ZADD", "z1", "1", "a")
        raw.call("ZADD", "z2", "5", "b")
        assert raw.call("ZUNIONSTORE", "union", "2", "z1", "z2") == 2
        assert w2.read() == [b"union", b"b", b"5"]

    def test_swapdb_serves_waiters(self, shared_server, raw):
        w = block(shared_server, raw, "BLPOP", "k", "0")
        raw.call("SELECT", "1")
        raw.call("RPUSH", "k", "from-db1")
        raw.call("SELECT", "0")
        assert raw.call("SWAPDB", "0", "1") == OK
        assert w.read() == [b"k", b"from-db1"]


# --------------------------------------------------------------------------- ending a wait


class TestUnblock:
    def test_client_unblock_timeout(self, shared_server, raw):
        w = shared_server.raw()
        wid = int(w.call("CLIENT", "ID"))
        w.send("BLPOP", "k", "0")
        wait_blocked(raw, 1)
        assert raw.call("CLIENT", "UNBLOCK", wid) == 1
        assert w.read() == NULL_ARRAY
        assert w.call("PING") == Simple(b"PONG")
        assert blocked(raw) == 0
        raw.call("RPUSH", "k", "x")
        assert raw.call("LLEN", "k") == 1

    def test_client_unblock_timeout_blmove(self, shared_server, raw):
        w = shared_server.raw()
        wid = int(w.call("CLIENT", "ID"))
        w.send("BLMOVE", "k", "d", "LEFT", "LEFT", "0")
        wait_blocked(raw, 1)
        assert raw.call("CLIENT", "UNBLOCK", wid, "TIMEOUT") == 1
        assert w.read() == NULL_ARRAY  # not $-1: see test_timeout_shapes

    def test_client_unblock_error(self, shared_server, raw):
        w = shared_server.raw()
        wid = int(w.call("CLIENT", "ID"))
        w.send("BZPOPMIN", "z", "0")
        wait_blocked(raw, 1)
        assert raw.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
        assert w.read() == Error(UNBLOCKED)
        assert w.call("PING") == Simple(b"PONG")

    def test_client_unblock_not_blocked(self, shared_server, raw):
        w = shared_server.raw()
        wid = int(w.call("CLIENT", "ID"))
        assert raw.call("CLIENT", "UNBLOCK", wid) == 0
        assert raw.call("CLIENT", "UNBLOCK", wid, "ERROR") == 0
        assert raw.call("CLIENT", "UNBLOCK", "999999999") == 0
        assert raw.call("CLIENT", "UNBLOCK", int(raw.call("CLIENT", "ID"))) == 0
        assert w.call("PING") == Simple(b"PONG")

    def test_client_unblock_bad_arguments(self, shared_server, raw):
        w = shared_server.raw()
        wid = int(w.call("CLIENT", "ID"))
        w.send("BLPOP", "k", "0")
        wait_blocked(raw, 1)
        assert raw.call("CLIENT", "UNBLOCK", wid, "MAYBE") == \
            Error(b"ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
        assert raw.call("CLIENT", "UNBLOCK", "notanumber") == \
            Error(b"ERR value is not an integer or out of range")
        assert blocked(raw) == 1
        assert raw.call("CLIENT", "UNBLOCK", wid) == 1
        assert w.read() == NULL_ARRAY

    def test_unblocked_pipeline_continues(self, shared_server, raw):
        w = shared_server.raw()
        wid = int(w.call("CLIENT", "ID"))
        w.send_many([("BLPOP", "k", "0"), ("ECHO", "next")])
        wait_blocked(raw, 1)
        assert raw.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
        assert w.read_many(2) == [Error(UNBLOCKED), Bulk(b"next")]

    def test_info_and_client_list(self, shared_server, raw):
        assert blocked(raw) == 0
        ws = [block(shared_server, raw, "BLPOP", "k%d" % i, "0") for i in range(3)]
        assert blocked(raw) == 3
        flags = [c["flags"] for c in client_list(shared_server.client())]
        assert sum("b" in f for f in flags) == 3
        raw.call("RPUSH", "k1", "x")
        assert ws[1].read() == [b"k1", b"x"]
        wait_blocked(raw, 2)
        for i in (0, 2):
            raw.call("RPUSH", "k%d" % i, "x")
            assert ws[i].read() == [b"k%d" % i, b"x"]
        wait_blocked(raw, 0)

    def test_disconnect_while_blocked(self, shared_server, raw):
        gone = block(shared_server, raw, "BLPOP", "k", "0")
        stays = block(shared_server, raw, "BLPOP", "k", "0")
        gone.close()
        wait_blocked(raw, 1)
        raw.call("RPUSH", "k", "x")
        assert stays.read() == [b"k", b"x"]
        assert raw.call("EXISTS", "k") == 0
        assert raw.call("PING") == Simple(b"PONG")

    def test_disconnect_many_waiters(self, shared_server, raw):
        ws = [block(shared_server, raw, "BZPOPMIN", "z", "0") for _ in range(10)]
        for w in ws:
            w.close()
        wait_blocked(raw, 0)
        raw.call("ZADD", "z", "1", "m")
        assert raw.call("ZCARD", "z") == 1


# --------------------------------------------------------------------------- two workers


@pytest.fixture
def srv2(server):
    return server(threads=2)


def on_other_worker(srv, busy, n):
    """n connections on the worker that busy's connection is not on.

    kvik spreads new connections over its workers, so some of a batch land on
    each. Which ones are on the other worker shows while busy's worker sleeps
    in DEBUG SLEEP: those answer PING before the sleep is over. The others
    are closed (and the attempt repeated if too few were found). Under redis
    (one thread) these are plain connections."""
    if IS_REDIS:
        return [srv.raw() for _ in range(n)]
    for _ in range(5):
        conns = [srv.raw() for _ in range(3 * n)]
        busy.send("DEBUG", "SLEEP", "0.5")
        time.sleep(0.05)
        for c in conns:
            c.send("PING")
        time.sleep(0.1)
        awake = [c for c in conns if not c.no_reply_within(0.001)]
        still_asleep = busy.no_reply_within(0.001)
        for c in conns:
            assert c.read() == Simple(b"PONG")
        assert busy.read() == OK
        keep = awake[:n] if still_asleep else []
        for c in conns:
            if c not in keep:
                c.close()
        if len(keep) == n:
            return keep
    raise AssertionError("could not place connections on the other worker")


def two_workers(srv, n):
    """(a, b): n connections on each of the two workers."""
    first = srv.raw()
    b = on_other_worker(srv, first, n)
    a = on_other_worker(srv, b[0], n)
    first.close()
    return a, b


class TestAcrossThreads:
    def test_fifo_across_workers(self, srv2):
        """Waiters alternate between the two workers; service order is still
        the order in which they blocked."""
        ctl = srv2.raw()
        a, b = two_workers(srv2, 6)
        waiters = []
        for x, y in zip(a, b):
            for w in (x, y):
                w.send("BLPOP", "q", "0")
                waiters.append(w)
                wait_blocked(ctl, len(waiters))
        for i in range(len(waiters)):
            ctl.call("RPUSH", "q", "e%d" % i)
        for i, w in enumerate(waiters):
            assert w.read() == [b"q", b"e%d" % i]
        assert ctl.call("EXISTS", "q") == 0

    def test_one_push_serves_across_workers(self, srv2):
        a, b = two_workers(srv2, 5)
        ctl = a[-1]
        waiters = []
        for x, y in zip(a[:-1], b[:-1]):
            for w in (y, x):
                w.send("BRPOP", "q", "0")
                waiters.append(w)
                wait_blocked(ctl, len(waiters))
        n = len(waiters)
        # from the other worker than half the waiters
        b[-1].call("LPUSH", "q", *["e%d" % i for i in range(n)])
        # BRPOP pops from the tail, which holds e0 after an LPUSH of e0..e7
        for i, w in enumerate(waiters):
            assert w.read() == [b"q", b"e%d" % i]

    def test_pushers_on_both_workers(self, srv2):
        ctl = srv2.raw()
        n = 16
        keys = ["k%d" % (i % 4) for i in range(n)]
        a, b = two_workers(srv2, n // 2 + 2)
        conns = [x for pair in zip(a, b) for x in pair]
        waiters, pushers = conns[:n], conns[n:n + 4]
        for i, w in enumerate(waiters):
            w.send("BLPOP", keys[i], "0")
            wait_blocked(ctl, i + 1)
        errors = []

        def push(i):
            try:
                for j in range(n // 4):
                    pushers[i].call("RPUSH", "k%d" % i, "p%d-%d" % (i, j))
            except Exception as e:  # noqa
                errors.append(e)

        ts = [threading.Thread(target=push, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        assert not errors
        got = [w.read() for w in waiters]
        for i, rep in enumerate(got):
            assert rep[0] == keys[i].encode()
        # per key, the waiters got the pusher's elements in blocking order
        for k in range(4):
            mine = [rep[1] for i, rep in enumerate(got) if i % 4 == k]
            assert mine == [b"p%d-%d" % (k, j) for j in range(n // 4)]
        assert blocked(ctl) == 0
        assert ctl.call("DBSIZE") == 0

    def test_blmove_chain_across_workers(self, srv2):
        a, b = two_workers(srv2, 2)
        ctl = srv2.raw()
        a[0].send("BLPOP", "c", "0")
        wait_blocked(ctl, 1)
        b[0].send("BLMOVE", "bb", "c", "LEFT", "LEFT", "0")
        wait_blocked(ctl, 2)
        a[1].send("BRPOPLPUSH", "aa", "bb", "0")
        wait_blocked(ctl, 3)
        b[1].call("RPUSH", "aa", "t")
        assert a[1].read() == b"t"
        assert b[0].read() == b"t"
        assert a[0].read() == [b"c", b"t"]
        assert ctl.call("EXISTS", "aa", "bb", "c") == 0

    def test_unblock_and_timeouts_across_workers(self, srv2):
        ctl = srv2.raw()
        a, b = two_workers(srv2, 4)
        stuck = []
        for w in a[:2] + b[:2]:
            stuck.append((int(w.call("CLIENT", "ID")), w))
            w.send("BLPOP", "k", "0")
        wait_blocked(ctl, 4)
        timing_out = a[2:] + b[2:]
        for w in timing_out:
            w.send("BLPOP", "k", "0.3")
        for w in timing_out:
            assert w.read() == NULL_ARRAY
        wait_blocked(ctl, 4)
        for wid, w in stuck:
            assert ctl.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
            assert w.read() == Error(UNBLOCKED)
        assert blocked(ctl) == 0
        assert srv2.is_running()

    def test_client_kill_then_push_same_worker(self, server):
        """CLIENT KILL of a blocked client, then a push in the same pipeline:
        the element stays in the list (the killed client must not take it)."""
        srv = server(threads=1)
        ctl = srv.raw()
        w = srv.raw()
        wid = int(w.call("CLIENT", "ID"))
        w.send("BLPOP", "k", "0")
        wait_blocked(ctl, 1)
        ctl.send_many([("CLIENT", "KILL", "ID", wid), ("RPUSH", "k", "x"), ("LLEN", "k")])
        assert ctl.read_many(3) == [1, 1, 1]
        wait_blocked(ctl, 0)

    def test_client_kill_then_push_other_worker(self, srv2):
        a, b = two_workers(srv2, 1)
        w, ctl = a[0], b[0]
        wid = int(w.call("CLIENT", "ID"))
        w.send("BLPOP", "k", "0")
        wait_blocked(ctl, 1)
        ctl.send_many([("CLIENT", "KILL", "ID", wid), ("RPUSH", "k", "x"), ("LLEN", "k")])
        assert ctl.read_many(3) == [1, 1, 1]
