"""Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS
HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, their errors and RESP3 reply shapes,
the listpack -> hashtable conversion, and a randomized comparison with a dict model."""

import random
from contextlib import contextmanager

import pytest

from resp import NULL3, NULL_BULK, Array, Bulk, Integer, Map
from util import cmd, err

NOT_INT = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
SYNTAX = "ERR syntax error"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
OUT_OF_RANGE = "ERR value is out of range"


def encoding(r, key):
    return cmd(r, "OBJECT", "ENCODING", key)


@contextmanager
def hash_limits(r, entries=None, value=None):
    """Temporarily change the listpack thresholds of the shared server."""
    old = {k: cmd(r, "CONFIG", "GET", k)[1]
           for k in ("hash-max-listpack-entries", "hash-max-listpack-value")}
    try:
        if entries is not None:
            cmd(r, "CONFIG", "SET", "hash-max-listpack-entries", entries)
        if value is not None:
            cmd(r, "CONFIG", "SET", "hash-max-listpack-value", value)
        yield
    finally:
        for k, v in old.items():
            cmd(r, "CONFIG", "SET", k, v)


def pairs(flat):
    return dict(zip(flat[0::2], flat[1::2]))


class TestBasic:
    def test_hset_hget(self, r):
        assert cmd(r, "HSET", "h", "f1", "v1", "f2", "v2") == 2
        assert cmd(r, "HSET", "h", "f1", "new", "f3", "v3") == 1
        assert cmd(r, "HGET", "h", "f1") == b"new"
        assert cmd(r, "HGET", "h", "nofield") is None
        assert cmd(r, "HGET", "nokey", "f") is None
        assert cmd(r, "TYPE", "h") == b"hash"
        assert cmd(r, "HLEN", "h") == 3
        assert cmd(r, "HLEN", "nokey") == 0

    def test_hset_same_field_twice_in_one_call(self, r):
        assert cmd(r, "HSET", "h", "f", "1", "f", "2") == 1
        assert cmd(r, "HGET", "h", "f") == b"2"
        assert cmd(r, "HLEN", "h") == 1

    def test_empty_and_binary(self, r):
        cmd(r, "HSET", "h", "", "", b"bin\x00\r\n", b"v\x00\xff")
        assert cmd(r, "HGET", "h", "") == b""
        assert cmd(r, "HGET", "h", b"bin\x00\r\n") == b"v\x00\xff"
        assert cmd(r, "HSTRLEN", "h", "") == 0
        assert cmd(r, "HEXISTS", "h", "") == 1

    def test_hmset_hmget(self, r):
        assert cmd(r, "HMSET", "h", "a", "1", "b", "2") == b"OK"
        assert cmd(r, "HMGET", "h", "a", "x", "b") == [b"1", None, b"2"]
        assert cmd(r, "HMGET", "nokey", "a", "b") == [None, None]

    def test_hsetnx(self, r):
        assert cmd(r, "HSETNX", "h", "f", "1") == 1
        assert cmd(r, "HSETNX", "h", "f", "2") == 0
        assert cmd(r, "HGET", "h", "f") == b"1"
        assert cmd(r, "HSETNX", "h", "g", "3") == 1
        assert cmd(r, "HLEN", "h") == 2

    def test_hdel_deletes_empty_hash(self, r):
        cmd(r, "HSET", "h", "a", "1", "b", "2", "c", "3")
        assert cmd(r, "HDEL", "h", "a", "a", "zz") == 1
        assert cmd(r, "HDEL", "h", "b", "c", "b") == 2
        assert cmd(r, "EXISTS", "h") == 0
        assert cmd(r, "HDEL", "nokey", "a") == 0

    def test_hdel_empty_hashtable(self, r):
        cmd(r, "HSET", "h", "f", "x" * 100, "g", "1")
        assert encoding(r, "h") == b"hashtable"
        assert cmd(r, "HDEL", "h", "f", "g") == 2
        assert cmd(r, "EXISTS", "h") == 0

    def test_hstrlen_hexists(self, r):
        cmd(r, "HSET", "h", "f", "hello", "n", "12345")
        assert cmd(r, "HSTRLEN", "h", "f") == 5
        assert cmd(r, "HSTRLEN", "h", "n") == 5
        assert cmd(r, "HSTRLEN", "h", "x") == 0
        assert cmd(r, "HSTRLEN", "nokey", "x") == 0
        assert cmd(r, "HEXISTS", "h", "f") == 1
        assert cmd(r, "HEXISTS", "h", "x") == 0
        assert cmd(r, "HEXISTS", "nokey", "x") == 0

    def test_hkeys_hvals_hgetall_order(self, r):
        # small hashes keep insertion order (listpack), as in Redis
        cmd(r, "HSET", "h", "z", "1", "a", "2", "m", "3")
        cmd(r, "HSET", "h", "a", "20")
        assert cmd(r, "HKEYS", "h") == [b"z", b"a", b"m"]
        assert cmd(r, "HVALS", "h") == [b"1", b"20", b"3"]
        assert cmd(r, "HGETALL", "h") == [b"z", b"1", b"a", b"20", b"m", b"3"]
        cmd(r, "HDEL", "h", "a")
        assert cmd(r, "HGETALL", "h") == [b"z", b"1", b"m", b"3"]
        for c in ("HKEYS", "HVALS", "HGETALL"):
            assert cmd(r, c, "nokey") == []

    def test_hgetall_hashtable(self, r):
        fields = {b"f%d" % i: b"v%d" % i for i in range(300)}
        cmd(r, "HSET", "h", "big", "x" * 100, *[x for kv in fields.items() for x in kv])
        fields[b"big"] = b"x" * 100
        assert encoding(r, "h") == b"hashtable"
        assert pairs(cmd(r, "HGETALL", "h")) == fields
        assert sorted(cmd(r, "HKEYS", "h")) == sorted(fields)
        assert sorted(cmd(r, "HVALS", "h")) == sorted(fields.values())
        assert cmd(r, "HLEN", "h") == 301

    def test_ttl_kept_on_write(self, r):
        cmd(r, "HSET", "h", "a", "1")
        cmd(r, "EXPIRE", "h", "100")
        cmd(r, "HSET", "h", "b", "2")
        cmd(r, "HINCRBY", "h", "c", "1")
        cmd(r, "HDEL", "h", "a")
        assert 0 < cmd(r, "TTL", "h") <= 100

    def test_copy_and_rename(self, r):
        cmd(r, "HSET", "h", "a", "1", "b", "2")
        cmd(r, "HSET", "big", "x", "y" * 100)
        assert cmd(r, "COPY", "h", "h2") == 1
        assert cmd(r, "COPY", "big", "big2") == 1
        cmd(r, "HSET", "h", "a", "changed")
        cmd(r, "HSET", "big", "x", "changed")
        assert cmd(r, "HGETALL", "h2") == [b"a", b"1", b"b", b"2"]
        assert cmd(r, "HGET", "big2", "x") == b"y" * 100
        assert encoding(r, "big2") == b"hashtable"
        assert encoding(r, "h2") == b"listpack"
        cmd(r, "RENAME", "h2", "h3")
        assert cmd(r, "HGET", "h3", "b") == b"2"


class TestIncr:
    def test_hincrby(self, r):
        assert cmd(r, "HINCRBY", "h", "f", "5") == 5
        assert cmd(r, "HINCRBY", "h", "f", "-7") == -2
        assert cmd(r, "HGET", "h", "f") == b"-2"
        cmd(r, "HSET", "h", "g", "100")
        assert cmd(r, "HINCRBY", "h", "g", "0") == 100

    def test_hincrby_errors(self, r):
        cmd(r, "HSET", "h", "s", "abc", "z", "01", "sp", " 1", "max", "9223372036854775807",
            "min", "-9223372036854775808")
        assert err(r, "HINCRBY", "h", "f", "x") == NOT_INT
        assert err(r, "HINCRBY", "h", "f", "1.5") == NOT_INT
        assert err(r, "HINCRBY", "h", "f", "9223372036854775808") == NOT_INT
        for f in ("s", "z", "sp"):
            assert err(r, "HINCRBY", "h", f, "1") == "ERR hash value is not an integer"
        assert err(r, "HINCRBY", "h", "max", "1") == "ERR increment or decrement would overflow"
        assert err(r, "HINCRBY", "h", "min", "-1") == "ERR increment or decrement would overflow"
        assert cmd(r, "HINCRBY", "h", "min", "9223372036854775807") == -1
        # a bad increment on a missing key creates nothing
        assert err(r, "HINCRBY", "nokey", "f", "x") == NOT_INT
        assert cmd(r, "EXISTS", "nokey") == 0

    def test_hincrbyfloat(self, r):
        assert cmd(r, "HINCRBYFLOAT", "h", "f", "1.5") == b"1.5"
        assert cmd(r, "HINCRBYFLOAT", "h", "f", "1e3") == b"1001.5"
        assert cmd(r, "HINCRBYFLOAT", "h", "f", "-1001.5") == b"0"
        cmd(r, "HSET", "h", "i", "10")
        assert cmd(r, "HINCRBYFLOAT", "h", "i", "0.1") == b"10.1"
        assert cmd(r, "HINCRBYFLOAT", "h", "j", "3.0e3") == b"3000"
        assert cmd(r, "HGET", "h", "j") == b"3000"
        assert cmd(r, "HINCRBY", "h", "j", "1") == 3001

    def test_hincrbyfloat_errors(self, r):
        cmd(r, "HSET", "h", "s", "abc", "sp", " 1")
        assert err(r, "HINCRBYFLOAT", "h", "f", "abc") == NOT_FLOAT
        assert err(r, "HINCRBYFLOAT", "h", "f", " 1") == NOT_FLOAT
        assert err(r, "HINCRBYFLOAT", "h", "f", "1 ") == NOT_FLOAT
        assert err(r, "HINCRBYFLOAT", "h", "f", "inf") == "ERR value is NaN or Infinity"
        assert err(r, "HINCRBYFLOAT", "h", "f", "-inf") == "ERR value is NaN or Infinity"
        assert err(r, "HINCRBYFLOAT", "h", "f", "nan") == NOT_FLOAT
        for f in ("s", "sp"):
            assert err(r, "HINCRBYFLOAT", "h", f, "1") == "ERR hash value is not a float"
        cmd(r, "HSET", "h", "big", "1e4932")
        assert (err(r, "HINCRBYFLOAT", "h", "big", "1e4932")
                == "ERR increment would produce NaN or Infinity")
        assert cmd(r, "HGET", "h", "big") == b"1e4932"
        assert err(r, "HINCRBYFLOAT", "nokey", "f", "x") == NOT_FLOAT
        assert cmd(r, "EXISTS", "nokey") == 0


class TestErrors:
    def test_arity(self, r):
        for c, name in (("HSET", "hset"), ("HMSET", "hmset")):
            assert err(r, c, "h", "f") == "ERR wrong number of arguments for '%s' command" % name
            assert (err(r, c, "h", "a", "1", "b")
                    == "ERR wrong number of arguments for '%s' command" % name)
        assert cmd(r, "EXISTS", "h") == 0
        for args in (("HGET", "h"), ("HSETNX", "h", "f"), ("HDEL", "h"), ("HLEN",),
                     ("HMGET", "h"), ("HSTRLEN", "h"), ("HEXISTS", "h"), ("HKEYS",),
                     ("HGETALL", "h", "x"), ("HINCRBY", "h", "f"), ("HINCRBYFLOAT", "h"),
                     ("HRANDFIELD",), ("HSCAN", "h")):
            assert err(r, *args) == ("ERR wrong number of arguments for '%s' command"
                                     % args[0].lower())

    def test_wrongtype(self, r):
        cmd(r, "SET", "s", "v")
        for args in (("HSET", "s", "f", "v"), ("HSETNX", "s", "f", "v"), ("HGET", "s", "f"),
                     ("HMGET", "s", "f"), ("HMSET", "s", "f", "v"), ("HDEL", "s", "f"),
                     ("HLEN", "s"), ("HSTRLEN", "s", "f"), ("HEXISTS", "s", "f"),
                     ("HKEYS", "s"), ("HVALS", "s"), ("HGETALL", "s"),
                     ("HINCRBY", "s", "f", "1"), ("HINCRBYFLOAT", "s", "f", "1"),
                     ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "1"),
                     ("HRANDFIELD", "s", "0"), ("HRANDFIELD", "s", "-1", "WITHVALUES"),
                     ("HSCAN", "s", "0"), ("HSCAN", "s", "0", "COUNT", "0")):
            assert err(r, *args) == WRONGTYPE, args
        assert cmd(r, "GET", "s") == b"v"
        # argument errors come before the type check
        assert err(r, "HINCRBY", "s", "f", "x") == NOT_INT
        assert err(r, "HINCRBYFLOAT", "s", "f", "x") == NOT_FLOAT
        assert err(r, "HRANDFIELD", "s", "x") == NOT_INT
        assert err(r, "HSCAN", "s", "x") == "ERR invalid cursor"

    def test_other_types_reject_hash(self, r):
        cmd(r, "HSET", "h", "f", "v")
        assert err(r, "GET", "h") == WRONGTYPE
        assert err(r, "INCR", "h") == WRONGTYPE


class TestRandField:
    def test_no_count(self, r):
        assert cmd(r, "HRANDFIELD", "nokey") is None
        cmd(r, "HSET", "h", "a", "1", "b", "2", "c", "3")
        for _ in range(20):
            assert cmd(r, "HRANDFIELD", "h") in (b"a", b"b", b"c")

    @pytest.mark.parametrize("big", [False, True], ids=["listpack", "hashtable"])
    def test_counts(self, r, big):
        n = 200 if big else 10
        data = {b"f%d" % i: b"v%d" % i for i in range(n)}
        cmd(r, "HSET", "h", *[x for kv in data.items() for x in kv])
        if big:
            cmd(r, "HSET", "h", "long", "x" * 100)
            data[b"long"] = b"x" * 100
            assert encoding(r, "h") == b"hashtable"
        size = len(data)
        assert cmd(r, "HRANDFIELD", "h", "0") == []
        assert cmd(r, "HRANDFIELD", "h", "0", "WITHVALUES") == []
        for count in (1, 3, size // 3, size // 2 + 1, size - 1, size, size + 5):
            got = cmd(r, "HRANDFIELD", "h", str(count))
            assert len(got) == min(count, size)
            assert len(set(got)) == len(got)
            assert set(got) <= set(data)
            flat = cmd(r, "HRANDFIELD", "h", str(count), "WITHVALUES")
            assert len(flat) == 2 * min(count, size)
            assert len(set(flat[0::2])) == min(count, size)
            for f, v in zip(flat[0::2], flat[1::2]):
                assert data[f] == v
        got = cmd(r, "HRANDFIELD", "h", "-500")
        assert len(got) == 500 and set(got) <= set(data)
        assert len(set(got)) > 5  # repetitions allowed, but random
        flat = cmd(r, "HRANDFIELD", "h", "-50", "withvalues")
        assert len(flat) == 100
        for f, v in zip(flat[0::2], flat[1::2]):
            assert data[f] == v

    def test_distribution_covers_all(self, r):
        cmd(r, "HSET", "h", *[x for i in range(6) for x in ("f%d" % i, "v")])
        seen = set(cmd(r, "HRANDFIELD", "h", "-300"))
        assert len(seen) == 6
        seen = set()
        for _ in range(60):
            seen.update(cmd(r, "HRANDFIELD", "h", "2"))
        assert len(seen) == 6

    def test_missing_key(self, r):
        assert cmd(r, "HRANDFIELD", "nokey", "5") == []
        assert cmd(r, "HRANDFIELD", "nokey", "-5", "WITHVALUES") == []

    def test_errors(self, r):
        cmd(r, "HSET", "h", "a", "1")
        assert err(r, "HRANDFIELD", "h", "x") == NOT_INT
        assert err(r, "HRANDFIELD", "h", "x", "WITHVALUE") == NOT_INT
        assert err(r, "HRANDFIELD", "h", "1", "WITHVALUE") == SYNTAX
        assert err(r, "HRANDFIELD", "h", "1", "WITHVALUES", "x") == SYNTAX
        assert err(r, "HRANDFIELD", "nokey", "1", "x") == SYNTAX
        assert (err(r, "HRANDFIELD", "h", "-9223372036854775808")
                == "ERR value is out of range, value must between -9223372036854775807 "
                   "and 9223372036854775807")
        assert err(r, "HRANDFIELD", "h", "4611686018427387904", "WITHVALUES") == OUT_OF_RANGE
        assert err(r, "HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES") == OUT_OF_RANGE
        assert err(r, "HRANDFIELD", "nokey", "4611686018427387904", "WITHVALUES") == OUT_OF_RANGE
        assert cmd(r, "HRANDFIELD", "h", "4611686018427387903", "WITHVALUES") == [b"a", b"1"]
        assert cmd(r, "HRANDFIELD", "h", "9223372036854775807") == [b"a"]


class TestScan:
    def test_listpack_all_at_once(self, r):
        cmd(r, "HSET", "h", "a", "1", "b", "2", "c", "3")
        assert cmd(r, "HSCAN", "h", "0") == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3"]]
        assert cmd(r, "HSCAN", "h", "0", "COUNT", "1") == [b"0", [b"a", b"1", b"b", b"2",
                                                                  b"c", b"3"]]
        assert cmd(r, "HSCAN", "h", "0", "MATCH", "[ab]") == [b"0", [b"a", b"1", b"b", b"2"]]
        assert cmd(r, "HSCAN", "nokey", "0") == [b"0", []]

    def test_hashtable_full_iteration(self, r):
        data = {b"f%d" % i: b"v%d" % i for i in range(1000)}
        cmd(r, "HSET", "h", *[x for kv in data.items() for x in kv])
        cmd(r, "HSET", "h", "long", "x" * 100)
        data[b"long"] = b"x" * 100
        assert encoding(r, "h") == b"hashtable"
        got, cursor, calls = {}, b"0", 0
        while True:
            cursor, items = cmd(r, "HSCAN", "h", cursor, "COUNT", "20")
            calls += 1
            got.update(pairs(items))
            if cursor == b"0":
                break
        assert got == data
        assert calls > 5  # really incremental

    def test_match(self, r):
        cmd(r, "HSET", "h", "long", "x" * 100, *[x for i in range(300)
                                                for x in ("f%d" % i, str(i))])
        got, cursor = {}, b"0"
        while True:
            cursor, items = cmd(r, "HSCAN", "h", cursor, "MATCH", "f1?", "COUNT", "50")
            got.update(pairs(items))
            if cursor == b"0":
                break
        assert got == {b"f1%d" % i: b"1%d" % i for i in range(10)}

    def test_scan_survives_changes(self, r):
        # fields present for the whole scan are returned at least once
        cmd(r, "HSET", "h", *[x for i in range(600) for x in ("keep%d" % i, "v")])
        seen, cursor, step = set(), b"0", 0
        while True:
            cursor, items = cmd(r, "HSCAN", "h", cursor, "COUNT", "30")
            seen.update(items[0::2])
            step += 1
            # grow and shrink the table while scanning
            if step % 2:
                cmd(r, "HSET", "h", *[x for i in range(150) for x in ("t%d_%d" % (step, i),
                                                                        "v")])
            else:
                cmd(r, "HDEL", "h", *["t%d_%d" % (step - 1, i) for i in range(150)])
            if cursor == b"0":
                break
        assert {b"keep%d" % i for i in range(600)} <= seen

    def test_errors(self, r):
        cmd(r, "HSET", "h", "a", "1")
        assert err(r, "HSCAN", "h", "x") == "ERR invalid cursor"
        assert err(r, "HSCAN", "h", " 1") == "ERR invalid cursor"
        assert err(r, "HSCAN", "h", "18446744073709551616") == "ERR invalid cursor"
        assert cmd(r, "HSCAN", "h", "18446744073709551615")[0] == b"0"
        assert err(r, "HSCAN", "h", "0", "COUNT", "0") == SYNTAX
        assert err(r, "HSCAN", "h", "0", "COUNT", "-1") == SYNTAX
        assert err(r, "HSCAN", "h", "0", "COUNT", "x") == NOT_INT
        assert err(r, "HSCAN", "h", "0", "MATCH") == SYNTAX
        assert err(r, "HSCAN", "h", "0", "FOO", "bar") == SYNTAX
        # options are not looked at when the key does not exist
        assert cmd(r, "HSCAN", "nokey", "0", "COUNT", "0") == [b"0", []]
        assert err(r, "HSCAN", "nokey", "x") == "ERR invalid cursor"


class TestResp3:
    def test_shapes(self, raw):
        raw.call("HELLO", "3")
        assert raw.call("HSET", "h", "a", "1", "b", "2") == Integer(2)
        rep = raw.call("HGETALL", "h")
        assert isinstance(rep, Map) and rep == {b"a": b"1", b"b": b"2"}
        assert list(rep.keys()) == [b"a", b"b"]
        rep = raw.call("HGETALL", "nokey")
        assert isinstance(rep, Map) and rep == {}
        assert isinstance(raw.call("HKEYS", "h"), Array)
        assert isinstance(raw.call("HVALS", "h"), Array)
        assert raw.call("HKEYS", "nokey") == Array([])
        assert raw.call("HGET", "h", "x") is NULL3
        assert raw.call("HMGET", "h", "a", "x") == Array([Bulk(b"1"), NULL3])
        assert raw.call("HRANDFIELD", "nokey") is NULL3
        assert isinstance(raw.call("HRANDFIELD", "h"), Bulk)
        assert raw.call("HEXISTS", "h", "a") == Integer(1)
        assert raw.call("HINCRBYFLOAT", "h", "f", "1.5") == Bulk(b"1.5")
        assert raw.call("HMSET", "h", "c", "3") == b"OK"
        rep = raw.call("HSCAN", "h", "0")
        assert isinstance(rep, Array) and isinstance(rep[0], Bulk) and isinstance(rep[1], Array)

    @pytest.mark.parametrize("count", ["2", "5", "-4"])
    def test_hrandfield_withvalues_pairs(self, raw, count):
        raw.call("HSET", "h", "a", "1", "b", "2", "c", "3")
        data = {b"a": b"1", b"b": b"2", b"c": b"3"}
        flat = raw.call("HRANDFIELD", "h", count, "WITHVALUES")
        n = min(abs(int(count)), 3) if int(count) > 0 else 4
        assert isinstance(flat, Array) and len(flat) == 2 * n
        assert all(isinstance(x, Bulk) for x in flat)
        raw.call("HELLO", "3")
        rep = raw.call("HRANDFIELD", "h", count, "WITHVALUES")
        assert isinstance(rep, Array) and len(rep) == n
        for p in rep:
            assert isinstance(p, Array) and len(p) == 2 and data[p[0]] == p[1]
        rep = raw.call("HRANDFIELD", "h", count)
        assert len(rep) == n and all(isinstance(x, Bulk) for x in rep)
        assert raw.call("HRANDFIELD", "nokey", count, "WITHVALUES") == Array([])

    def test_resp2_nulls(self, raw):
        assert raw.call("HGET", "nokey", "f") is NULL_BULK
        assert raw.call("HRANDFIELD", "nokey") is NULL_BULK
        assert raw.call("HGETALL", "nokey") == Array([])


class TestEncoding:
    def test_conversion_by_count(self, r):
        n = int(cmd(r, "CONFIG", "GET", "hash-max-listpack-entries")[1])
        cmd(r, "HSET", "h", *[x for i in range(n) for x in ("f%d" % i, "v")])
        assert encoding(r, "h") == b"listpack"
        cmd(r, "HSET", "h", "f0", "again")
        assert encoding(r, "h") == b"listpack"
        cmd(r, "HSET", "h", "one-more", "v")
        assert encoding(r, "h") == b"hashtable"
        assert cmd(r, "HLEN", "h") == n + 1
        assert cmd(r, "HGET", "h", "f0") == b"again"
        cmd(r, "HDEL", "h", "one-more", "f1", "f2")
        assert encoding(r, "h") == b"hashtable"  # never converts back

    def test_conversion_by_count_small_limit(self, r):
        with hash_limits(r, entries=4):
            cmd(r, "HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
            assert encoding(r, "h") == b"listpack"
            cmd(r, "HSETNX", "h", "e", "5")
            assert encoding(r, "h") == b"hashtable"
            cmd(r, "HINCRBY", "i", "a", "1")
            cmd(r, "HMSET", "i", "b", "1", "c", "1", "d", "1")
            assert encoding(r, "i") == b"listpack"
            cmd(r, "HINCRBYFLOAT", "i", "e", "1.5")
            assert encoding(r, "i") == b"hashtable"
            assert pairs(cmd(r, "HGETALL", "i")) == {b"a": b"1", b"b": b"1", b"c": b"1",
                                                     b"d": b"1", b"e": b"1.5"}
        with hash_limits(r, entries=0):
            cmd(r, "HSET", "z", "a", "1")
            assert encoding(r, "z") == b"hashtable"

    def test_conversion_by_value_size(self, r):
        n = int(cmd(r, "CONFIG", "GET", "hash-max-listpack-value")[1])
        cmd(r, "HSET", "v", "f", "x" * n)
        cmd(r, "HSET", "f", "y" * n, "v")
        assert encoding(r, "v") == b"listpack"
        assert encoding(r, "f") == b"listpack"
        cmd(r, "HSET", "v", "g", "x" * (n + 1))
        cmd(r, "HSET", "f", "y" * (n + 1), "v")
        assert encoding(r, "v") == b"hashtable"
        assert encoding(r, "f") == b"hashtable"
        assert cmd(r, "HGET", "v", "f") == b"x" * n
        cmd(r, "HSET", "new", "f", "x" * (n + 1))
        assert encoding(r, "new") == b"hashtable"
        cmd(r, "HSETNX", "nx", "f", "x" * (n + 1))
        assert encoding(r, "nx") == b"hashtable"
        # an existing field updated to a long value converts too
        cmd(r, "HSET", "u", "f", "short")
        cmd(r, "HSET", "u", "f", "x" * (n + 1))
        assert encoding(r, "u") == b"hashtable"

    def test_conversion_by_incrbyfloat_result(self, r):
        cmd(r, "HINCRBYFLOAT", "h", "f", "1e80")
        assert len(cmd(r, "HGET", "h", "f")) > 64
        assert encoding(r, "h") == b"hashtable"

    def test_small_value_limit(self, r):
        with hash_limits(r, value=3):
            cmd(r, "HSET", "h", "abc", "def")
            assert encoding(r, "h") == b"listpack"
            cmd(r, "HINCRBY", "h", "n", "1000")
            assert encoding(r, "h") == b"hashtable"


def is_float(b):
    if b != b.strip():
        return False
    try:
        return float(b) == float(b)  # not NaN
    except ValueError:
        return False


OPS = ("hset", "hsetnx", "hdel", "hincrby", "hincrbyfloat", "hget", "hmget", "hexists",
       "hstrlen", "hlen", "hgetall", "hkeys", "hvals", "hrandfield", "hscan")


class TestModel:
    @pytest.mark.parametrize("seed", [1, 2])
    def test_random_ops_against_dict(self, r, seed):
        rnd = random.Random(seed)
        model = {}  # key -> {field: value}
        keys = ["k1", "k2", "k3"]

        def field():
            return ("f%d" % rnd.randrange(40)).encode()

        def value():
            c = rnd.random()
            if c < 0.3:
                return str(rnd.randrange(-1000, 1000)).encode()
            if c < 0.35:
                return b"x" * rnd.randrange(60, 80)  # sometimes too long for a listpack
            return ("v%d" % rnd.randrange(1000)).encode()

        with hash_limits(r, entries=16):
            for _ in range(1500):
                k = rnd.choice(keys)
                h = model.get(k, {})
                op = rnd.choice(OPS)
                if op == "hset":
                    args = [x for _ in range(rnd.randrange(1, 4)) for x in (field(), value())]
                    new = len({f for f in args[0::2]} - set(h))
                    assert cmd(r, "HSET", k, *args) == new
                    for f, v in zip(args[0::2], args[1::2]):
                        h[f] = v
                elif op == "hsetnx":
                    f, v = field(), value()
                    assert cmd(r, "HSETNX", k, f, v) == (0 if f in h else 1)
                    h.setdefault(f, v)
                elif op == "hdel":
                    fs = [field() for _ in range(rnd.randrange(1, 6))]
                    assert cmd(r, "HDEL", k, *fs) == len(set(fs) & set(h))
                    for f in fs:
                        h.pop(f, None)
                elif op == "hincrby":
                    f, by = field(), rnd.randrange(-50, 50)
                    cur = h.get(f, b"0")
                    try:
                        ok = str(int(cur)).encode() == cur
                    except ValueError:
                        ok = False
                    if ok:
                        assert cmd(r, "HINCRBY", k, f, by) == int(cur) + by
                        h[f] = str(int(cur) + by).encode()
                    else:
                        assert err(r, "HINCRBY", k, f, by) == "ERR hash value is not an integer"
                elif op == "hincrbyfloat":
                    f = field()
                    if f in h and not is_float(h[f]):
                        assert (err(r, "HINCRBYFLOAT", k, f, "1")
                                == "ERR hash value is not a float")
                    else:
                        got = cmd(r, "HINCRBYFLOAT", k, f, "2.5")
                        assert float(got) == float(h.get(f, b"0")) + 2.5
                        h[f] = got
                elif op == "hget":
                    f = field()
                    assert cmd(r, "HGET", k, f) == h.get(f)
                elif op == "hmget":
                    fs = [field() for _ in range(3)]
                    assert cmd(r, "HMGET", k, *fs) == [h.get(f) for f in fs]
                elif op == "hexists":
                    f = field()
                    assert cmd(r, "HEXISTS", k, f) == (1 if f in h else 0)
                elif op == "hstrlen":
                    f = field()
                    assert cmd(r, "HSTRLEN", k, f) == len(h.get(f, b""))
                elif op == "hlen":
                    assert cmd(r, "HLEN", k) == len(h)
                elif op == "hgetall":
                    flat = cmd(r, "HGETALL", k)
                    assert len(flat) == 2 * len(h) and pairs(flat) == h
                elif op == "hkeys":
                    assert sorted(cmd(r, "HKEYS", k)) == sorted(h)
                elif op == "hvals":
                    assert sorted(cmd(r, "HVALS", k)) == sorted(h.values())
                elif op == "hrandfield":
                    flat = cmd(r, "HRANDFIELD", k, "3", "WITHVALUES")
                    assert len(flat) == 2 * min(3, len(h))
                    for f, v in zip(flat[0::2], flat[1::2]):
                        assert h[f] == v
                elif op == "hscan":
                    got, cursor = {}, b"0"
                    while True:
                        cursor, items = cmd(r, "HSCAN", k, cursor, "COUNT", "5")
                        got.update(pairs(items))
                        if cursor == b"0":
                            break
                    assert got == h
                if h:
                    model[k] = h
                else:
                    model.pop(k, None)
                assert cmd(r, "EXISTS", k) == (1 if k in model else 0)
            for k in keys:
                assert pairs(cmd(r, "HGETALL", k)) == model.get(k, {})
                if k in model:
                    enc = encoding(r, k)
                    assert enc in (b"listpack", b"hashtable")
