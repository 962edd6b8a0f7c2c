"""Set commands: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SPOP SMOVE
SINTER SINTERCARD SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SSCAN, their errors,
RESP2/RESP3 reply shapes, the intset/listpack/hashtable encodings and a randomized
comparison with a Python model.

kvik keeps small non-integer sets in a listpack as Redis 7.2 does; Redis 7.0 uses a
hashtable for them, so those encoding checks expect SMALL (listpack under kvik,
hashtable under redis)."""

import random

import pytest

from resp import NULL3, NULL_BULK, Array, Bulk, ConnectionClosed, Error, Integer, Set
from util import IS_REDIS, cmd, err

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_INT = "ERR value is not an integer or out of range"
SMALL = b"hashtable" if IS_REDIS else b"listpack"


def members(r, key):
    return set(cmd(r, "SMEMBERS", key))


def enc(r, key):
    return cmd(r, "OBJECT", "ENCODING", key)


def b(*xs):
    return {x if isinstance(x, bytes) else str(x).encode() for x in xs}


class TestBasics:
    def test_sadd_smembers_scard(self, r):
        assert cmd(r, "SADD", "s", "a", "b", "a") == 2
        assert cmd(r, "SADD", "s", "b", "c") == 1
        assert cmd(r, "SADD", "s", "c") == 0
        assert members(r, "s") == b("a", "b", "c")
        assert cmd(r, "SCARD", "s") == 3
        assert cmd(r, "SCARD", "missing") == 0
        assert cmd(r, "TYPE", "s") == b"set"
        assert cmd(r, "SMEMBERS", "missing") == []

    def test_binary_and_empty_members(self, r):
        vals = [b"", b"\x00\xff", b"x" * 300, b"a b\r\n"]
        assert cmd(r, "SADD", "s", *vals) == 4
        assert members(r, "s") == set(vals)
        for v in vals:
            assert cmd(r, "SISMEMBER", "s", v) == 1

    def test_srem(self, r):
        cmd(r, "SADD", "s", "a", "b", "c")
        assert cmd(r, "SREM", "s", "a", "x", "a") == 1
        assert members(r, "s") == b("b", "c")
        assert cmd(r, "SREM", "missing", "a") == 0
        assert cmd(r, "SREM", "s", "b", "c") == 2
        assert cmd(r, "EXISTS", "s") == 0

    def test_srem_intset(self, r):
        cmd(r, "SADD", "s", 1, 2, 3)
        assert cmd(r, "SREM", "s", "2", "02", "x") == 1
        assert members(r, "s") == b(1, 3)
        assert cmd(r, "SREM", "s", 1, 3) == 2
        assert cmd(r, "EXISTS", "s") == 0

    def test_sismember_smismember(self, r):
        cmd(r, "SADD", "s", "a", 1)
        assert cmd(r, "SISMEMBER", "s", "a") == 1
        assert cmd(r, "SISMEMBER", "s", "1") == 1
        assert cmd(r, "SISMEMBER", "s", "z") == 0
        assert cmd(r, "SISMEMBER", "missing", "a") == 0
        assert cmd(r, "SMISMEMBER", "s", "a", "z", "1") == [1, 0, 1]
        assert cmd(r, "SMISMEMBER", "missing", "a", "b") == [0, 0]

    def test_wrongtype(self, r):
        r.set("str", "x")
        for args in (("SADD", "str", "a"), ("SREM", "str", "a"), ("SCARD", "str"),
                     ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a"), ("SMEMBERS", "str"),
                     ("SRANDMEMBER", "str"), ("SRANDMEMBER", "str", "2"), ("SPOP", "str"),
                     ("SPOP", "str", "0"), ("SINTER", "str"), ("SUNION", "str"),
                     ("SDIFF", "str"), ("SSCAN", "str", "0"), ("SINTERCARD", "1", "str"),
                     ("SMOVE", "str", "d", "a")):
            assert err(r, *args) == WRONGTYPE, args
        assert r.get("str") == b"x"

    def test_arity(self, r):
        for args in (("SADD", "s"), ("SREM", "s"), ("SCARD",), ("SISMEMBER", "s"),
                     ("SMISMEMBER", "s"), ("SMEMBERS",), ("SRANDMEMBER",), ("SPOP",),
                     ("SMOVE", "a", "b"), ("SINTER",), ("SUNION",), ("SDIFF",),
                     ("SINTERSTORE", "d"), ("SUNIONSTORE", "d"), ("SDIFFSTORE", "d"),
                     ("SINTERCARD", "1"), ("SSCAN", "s")):
            assert err(r, *args) == ("ERR wrong number of arguments for '%s' command"
                                     % args[0].lower()), args


class TestKeyspace:
    @pytest.mark.parametrize("vals", [[1, 2, 3], ["a", "b", 1], ["m%d" % i for i in range(300)]],
                             ids=["intset", "small", "hashtable"])
    def test_copy_rename_ttl(self, r, vals):
        cmd(r, "SADD", "s", *vals)
        e = enc(r, "s")
        assert cmd(r, "COPY", "s", "c") == 1
        cmd(r, "SADD", "c", "new")
        assert members(r, "s") == b(*vals)
        assert members(r, "c") == b(*vals) | b("new")
        assert cmd(r, "RENAME", "s", "t") == b"OK"
        assert members(r, "t") == b(*vals) and enc(r, "t") == e
        r.expire("t", 100)
        cmd(r, "SADD", "t", "x")
        cmd(r, "SREM", "t", "x")
        assert 0 < r.ttl("t") <= 100
        assert cmd(r, "DEL", "t", "c") == 2


class TestRandom:
    def test_srandmember_single(self, r):
        assert cmd(r, "SRANDMEMBER", "missing") is None
        for vals in ((1, 2, 3), ("a", "b", "c")):
            r.delete("s")
            cmd(r, "SADD", "s", *vals)
            seen = set()
            for _ in range(200):
                seen.add(cmd(r, "SRANDMEMBER", "s"))
            assert seen == b(*vals)
            assert cmd(r, "SCARD", "s") == 3

    @pytest.mark.parametrize("vals", [list(range(50)), ["m%d" % i for i in range(50)],
                                      ["m%d" % i for i in range(300)]],
                             ids=["intset", "small", "hashtable"])
    def test_srandmember_count(self, r, vals):
        cmd(r, "SADD", "s", *vals)
        all_, size = b(*vals), len(vals)
        assert cmd(r, "SRANDMEMBER", "s", 0) == []
        for n in (1, 5, 20, size // 3 + 1, size - 1):
            got = cmd(r, "SRANDMEMBER", "s", n)
            assert len(got) == n and len(set(got)) == n and set(got) <= all_
        for n in (size, size + 1, 1000):
            got = cmd(r, "SRANDMEMBER", "s", n)
            assert len(got) == size and set(got) == all_
        got = cmd(r, "SRANDMEMBER", "s", -200)
        assert len(got) == 200 and set(got) <= all_
        assert len(set(got)) > 25  # repeats allowed, but spread out
        seen = set()
        for _ in range(size // 2):
            seen.update(cmd(r, "SRANDMEMBER", "s", 5))
        assert len(seen) > size * 0.8
        assert cmd(r, "SCARD", "s") == size

    @pytest.mark.kvik_only
    def test_srandmember_huge_negative_count_hits_output_limit(self, r, shared_server):
        cmd(r, "SADD", "s", "a", "b")
        old = r.config_get("client-output-buffer-limit")["client-output-buffer-limit"]
        try:
            r.config_set("client-output-buffer-limit", "normal 1mb 0 0")
            c = shared_server.raw()
            c.send("SRANDMEMBER", "s", "-9223372036854775807")
            with pytest.raises((ConnectionClosed, ConnectionResetError)):
                while True:
                    c.read(timeout=5)
            c.close()
        finally:
            r.config_set("client-output-buffer-limit", old)
        assert cmd(r, "SCARD", "s") == 2

    def test_srandmember_errors(self, r):
        cmd(r, "SADD", "s", "a")
        assert cmd(r, "SRANDMEMBER", "missing", 5) == []
        assert cmd(r, "SRANDMEMBER", "missing", -5) == []
        assert err(r, "SRANDMEMBER", "s", "x") == NOT_INT
        assert err(r, "SRANDMEMBER", "missing", "x") == NOT_INT
        assert err(r, "SRANDMEMBER", "s", "1", "2") == SYNTAX
        assert err(r, "SRANDMEMBER", "s", "-9223372036854775808") == (
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807")

    def test_spop_single(self, r):
        assert cmd(r, "SPOP", "missing") is None
        for vals in ((1, 2, 3), ("a", "b", "c")):
            cmd(r, "SADD", "s", *vals)
            got = {cmd(r, "SPOP", "s") for _ in range(3)}
            assert got == b(*vals)
            assert cmd(r, "EXISTS", "s") == 0

    @pytest.mark.parametrize("vals", [list(range(100)), ["m%d" % i for i in range(100)],
                                      ["m%d" % i for i in range(300)]],
                             ids=["intset", "small", "hashtable"])
    def test_spop_count(self, r, vals):
        cmd(r, "SADD", "s", *vals)
        left = b(*vals)
        for n in (0, 1, 10, 60, len(vals) // 2):
            got = cmd(r, "SPOP", "s", n)
            assert len(got) == len(set(got)) == min(n, len(left)) and set(got) <= left
            left -= set(got)
            assert members(r, "s") == left
        got = cmd(r, "SPOP", "s", 1000)
        assert set(got) == left and len(got) == len(left)
        assert cmd(r, "EXISTS", "s") == 0
        assert cmd(r, "SPOP", "s", 3) == []

    def test_spop_count_exact_size_deletes(self, r):
        cmd(r, "SADD", "s", "a", "b")
        assert set(cmd(r, "SPOP", "s", 2)) == b("a", "b")
        assert cmd(r, "EXISTS", "s") == 0

    def test_spop_errors(self, r):
        cmd(r, "SADD", "s", "a")
        msg = "ERR value is out of range, must be positive"
        assert err(r, "SPOP", "s", "-1") == msg
        assert err(r, "SPOP", "s", "x") == msg
        assert err(r, "SPOP", "missing", "-1") == msg
        assert err(r, "SPOP", "s", "1", "2") == SYNTAX
        assert members(r, "s") == b("a")


class TestSmove:
    def test_smove(self, r):
        cmd(r, "SADD", "src", "a", "b")
        cmd(r, "SADD", "dst", "c")
        assert cmd(r, "SMOVE", "src", "dst", "a") == 1
        assert members(r, "src") == b("b")
        assert members(r, "dst") == b("a", "c")
        assert cmd(r, "SMOVE", "src", "dst", "zz") == 0
        assert cmd(r, "SMOVE", "src", "new", "b") == 1
        assert cmd(r, "EXISTS", "src") == 0
        assert members(r, "new") == b("b")
        assert cmd(r, "SMOVE", "missing", "dst", "a") == 0

    def test_smove_member_already_in_dst(self, r):
        cmd(r, "SADD", "src", "a")
        cmd(r, "SADD", "dst", "a")
        assert cmd(r, "SMOVE", "src", "dst", "a") == 1
        assert cmd(r, "EXISTS", "src") == 0
        assert members(r, "dst") == b("a")

    def test_smove_same_key(self, r):
        cmd(r, "SADD", "s", "a", "b")
        assert cmd(r, "SMOVE", "s", "s", "a") == 1
        assert cmd(r, "SMOVE", "s", "s", "z") == 0
        assert members(r, "s") == b("a", "b")

    def test_smove_wrongtype(self, r):
        r.set("str", "x")
        cmd(r, "SADD", "s", "a")
        assert err(r, "SMOVE", "str", "s", "a") == WRONGTYPE
        assert err(r, "SMOVE", "s", "str", "a") == WRONGTYPE
        assert err(r, "SMOVE", "s", "str", "zz") == WRONGTYPE
        assert cmd(r, "SMOVE", "missing", "str", "a") == 0
        assert members(r, "s") == b("a")

    def test_smove_converts_destination(self, r):
        cmd(r, "SADD", "src", "x", 5)
        cmd(r, "SADD", "dst", 1, 2)
        assert cmd(r, "SMOVE", "src", "dst", "5") == 1
        assert enc(r, "dst") == b"intset"
        assert cmd(r, "SMOVE", "src", "dst", "x") == 1
        assert enc(r, "dst") == SMALL
        assert members(r, "dst") == b(1, 2, 5, "x")


class TestAlgebra:
    @pytest.fixture
    def sets(self, r):
        cmd(r, "SADD", "a", 1, 2, 3, 4)
        cmd(r, "SADD", "b", 2, 3, "x")
        cmd(r, "SADD", "c", 3, "x", "y")

    def test_sinter(self, r, sets):
        assert set(cmd(r, "SINTER", "a", "b")) == b(2, 3)
        assert set(cmd(r, "SINTER", "a", "b", "c")) == b(3)
        assert set(cmd(r, "SINTER", "b", "c")) == b(3, "x")
        assert set(cmd(r, "SINTER", "a")) == b(1, 2, 3, 4)
        assert set(cmd(r, "SINTER", "a", "a")) == b(1, 2, 3, 4)
        assert cmd(r, "SINTER", "a", "missing") == []
        assert cmd(r, "SINTER", "missing", "a") == []

    def test_sunion(self, r, sets):
        assert set(cmd(r, "SUNION", "a", "b", "c")) == b(1, 2, 3, 4, "x", "y")
        assert set(cmd(r, "SUNION", "a", "missing")) == b(1, 2, 3, 4)
        assert cmd(r, "SUNION", "missing") == []

    def test_sdiff(self, r, sets):
        assert set(cmd(r, "SDIFF", "a", "b")) == b(1, 4)
        assert set(cmd(r, "SDIFF", "a", "b", "c")) == b(1, 4)
        assert set(cmd(r, "SDIFF", "c", "a")) == b("x", "y")
        assert set(cmd(r, "SDIFF", "a", "missing")) == b(1, 2, 3, 4)
        assert cmd(r, "SDIFF", "missing", "a") == []
        assert cmd(r, "SDIFF", "a", "a") == []

    def test_sdiff_large_others(self, r):
        cmd(r, "SADD", "small", "k1", "k2", "k3")
        for i in range(5):
            cmd(r, "SADD", "big%d" % i, *["k%d" % j for j in range(i * 50 + 2, i * 50 + 60)])
        assert set(cmd(r, "SDIFF", "small", *["big%d" % i for i in range(5)])) == b("k1")
        cmd(r, "SADD", "first", *["k%d" % j for j in range(300)])
        exp = b(*["k%d" % j for j in range(300)]) - b("k1", "k2", "k3")
        assert set(cmd(r, "SDIFF", "first", "small")) == exp

    def test_wrongtype_anywhere(self, r, sets):
        r.set("str", "x")
        for op in ("SINTER", "SUNION", "SDIFF"):
            assert err(r, op, "a", "str") == WRONGTYPE
            assert err(r, op, "missing", "str") == WRONGTYPE
            assert err(r, op + "STORE", "d", "missing", "str") == WRONGTYPE
        assert cmd(r, "EXISTS", "d") == 0

    def test_store(self, r, sets):
        assert cmd(r, "SINTERSTORE", "d", "a", "b") == 2
        assert members(r, "d") == b(2, 3)
        assert enc(r, "d") == b"intset"
        assert cmd(r, "SUNIONSTORE", "d", "a", "c") == 6
        assert members(r, "d") == b(1, 2, 3, 4, "x", "y")
        assert enc(r, "d") == SMALL
        assert cmd(r, "SDIFFSTORE", "d", "b", "a") == 1
        assert members(r, "d") == b("x")

    def test_store_result_encoding(self, r, sets):
        # an all-integer result is an intset even when a source is a hashtable
        assert cmd(r, "SDIFFSTORE", "d", "b", "c") == 1
        assert enc(r, "d") == b"intset"
        assert cmd(r, "SINTERSTORE", "d", "b", "a") == 2
        assert enc(r, "d") == b"intset"

    def test_store_replaces_other_type_and_ttl(self, r, sets):
        r.set("d", "string")
        r.expire("d", 100)
        assert cmd(r, "SUNIONSTORE", "d", "a") == 4
        assert cmd(r, "TYPE", "d") == b"set"
        assert cmd(r, "TTL", "d") == -1
        r.set("d2", "string")
        assert cmd(r, "SINTERSTORE", "d2", "a", "c") == 1
        assert members(r, "d2") == b(3)

    def test_store_empty_deletes(self, r, sets):
        for args in (("SINTERSTORE", "d", "a", "missing"), ("SDIFFSTORE", "d", "a", "a"),
                     ("SUNIONSTORE", "d", "missing"), ("SINTERSTORE", "d", "a", "c", "missing")):
            r.set("d", "x")
            assert cmd(r, *args) == 0, args
            assert cmd(r, "EXISTS", "d") == 0, args

    def test_store_into_source(self, r, sets):
        assert cmd(r, "SINTERSTORE", "a", "a", "b") == 2
        assert members(r, "a") == b(2, 3)
        assert cmd(r, "SUNIONSTORE", "b", "b", "c") == 4
        assert members(r, "b") == b(2, 3, "x", "y")
        assert cmd(r, "SDIFFSTORE", "c", "c", "c") == 0
        assert cmd(r, "EXISTS", "c") == 0

    def test_sintercard(self, r, sets):
        assert cmd(r, "SINTERCARD", 2, "a", "b") == 2
        assert cmd(r, "SINTERCARD", 3, "a", "b", "c") == 1
        assert cmd(r, "SINTERCARD", 1, "a") == 4
        assert cmd(r, "SINTERCARD", 1, "a", "LIMIT", 2) == 2
        assert cmd(r, "SINTERCARD", 1, "a", "LIMIT", 0) == 4
        assert cmd(r, "SINTERCARD", 1, "a", "LIMIT", 100) == 4
        assert cmd(r, "SINTERCARD", 1, "a", "LIMIT", 1, "LIMIT", 3) == 3
        assert cmd(r, "SINTERCARD", 2, "a", "missing") == 0
        assert cmd(r, "SINTERCARD", 1, "missing") == 0

    def test_sintercard_errors(self, r, sets):
        r.set("str", "x")
        gt0 = "ERR numkeys should be greater than 0"
        assert err(r, "SINTERCARD", 0, "a") == gt0
        assert err(r, "SINTERCARD", -1, "a") == gt0
        assert err(r, "SINTERCARD", "x", "a") == gt0
        assert err(r, "SINTERCARD", 3, "a", "b") == (
            "ERR Number of keys can't be greater than number of args")
        assert err(r, "SINTERCARD", 1, "a", "LIMIT", -1) == "ERR LIMIT can't be negative"
        assert err(r, "SINTERCARD", 1, "a", "LIMIT", "x") == "ERR LIMIT can't be negative"
        assert err(r, "SINTERCARD", 1, "a", "LIMIT") == SYNTAX
        assert err(r, "SINTERCARD", 1, "a", "b") == SYNTAX
        assert err(r, "SINTERCARD", 2, "missing", "str") == WRONGTYPE

    def test_getkeys(self, r):
        assert cmd(r, "COMMAND", "GETKEYS", "SINTERCARD", 2, "k1", "k2", "LIMIT", 1) == [
            b"k1", b"k2"]
        assert cmd(r, "COMMAND", "GETKEYS", "SMOVE", "a", "b", "m") == [b"a", b"b"]
        assert cmd(r, "COMMAND", "GETKEYS", "SUNIONSTORE", "d", "a", "b") == [b"d", b"a", b"b"]

    def test_same_slot_keys(self, r):
        cmd(r, "SADD", "{t}a", "1", "2")
        cmd(r, "SADD", "{t}b", "2", "3")
        assert set(cmd(r, "SUNION", "{t}a", "{t}b")) == b(1, 2, 3)
        assert cmd(r, "SINTERSTORE", "{t}a", "{t}a", "{t}b") == 1


class TestScan:
    def test_intset_in_one_call(self, r):
        cmd(r, "SADD", "s", *range(100))
        cursor, got = cmd(r, "SSCAN", "s", 0)
        assert cursor == b"0" and set(got) == b(*range(100))
        cursor, got = cmd(r, "SSCAN", "s", 0, "MATCH", "1*", "COUNT", 5)
        assert cursor == b"0"
        assert set(got) == b(*[i for i in range(100) if str(i).startswith("1")])

    def test_hashtable_full_scan(self, r):
        vals = ["m%d" % i for i in range(1000)]
        cmd(r, "SADD", "s", *vals)
        for count in (None, 1, 100):
            seen, cursor, calls = set(), b"0", 0
            while True:
                args = ["SSCAN", "s", cursor] + (["COUNT", count] if count else [])
                cursor, got = cmd(r, *args)
                seen.update(got)
                calls += 1
                if cursor == b"0":
                    break
            assert seen == b(*vals)
            assert calls > 1
        seen, cursor = set(), b"0"
        while True:
            cursor, got = cmd(r, "SSCAN", "s", cursor, "MATCH", "m1?", "COUNT", 50)
            seen.update(got)
            if cursor == b"0":
                break
        assert seen == b(*["m1%d" % i for i in range(10)])

    def test_errors(self, r):
        cmd(r, "SADD", "s", "a", "b")
        assert cmd(r, "SSCAN", "missing", 0) == [b"0", []]
        assert cmd(r, "SSCAN", "missing", 0, "BAD") == [b"0", []]
        assert err(r, "SSCAN", "s", "x") == "ERR invalid cursor"
        assert err(r, "SSCAN", "missing", "x") == "ERR invalid cursor"
        assert err(r, "SSCAN", "s", "18446744073709551616") == "ERR invalid cursor"
        assert err(r, "SSCAN", "s", 0, "COUNT", 0) == SYNTAX
        assert err(r, "SSCAN", "s", 0, "COUNT", "x") == NOT_INT
        assert err(r, "SSCAN", "s", 0, "MATCH") == SYNTAX
        assert err(r, "SSCAN", "s", 0, "TYPE", "set") == SYNTAX
        assert err(r, "SSCAN", "s", 0, "FOO") == SYNTAX


class TestEncoding:
    def test_intset_to_hashtable_by_count(self, r):
        cmd(r, "SADD", "s", *range(512))
        assert enc(r, "s") == b"intset"
        cmd(r, "SADD", "s", 511)
        assert enc(r, "s") == b"intset"
        cmd(r, "SADD", "s", 512)
        assert enc(r, "s") == b"hashtable"
        assert cmd(r, "SCARD", "s") == 513
        cmd(r, "SREM", "s", *range(10, 513))
        assert enc(r, "s") == b"hashtable"  # never converts back
        assert members(r, "s") == b(*range(10))

    def test_intset_to_hashtable_by_member(self, r):
        cmd(r, "SADD", "s", 1, 2, 3)
        assert enc(r, "s") == b"intset"
        cmd(r, "SADD", "s", "abc")
        assert enc(r, "s") == SMALL
        assert members(r, "s") == b(1, 2, 3, "abc")
        assert cmd(r, "SISMEMBER", "s", "2") == 1

    @pytest.mark.parametrize("m", ["01", "-0", "+1", " 1", "1.5", "9223372036854775808", ""])
    def test_non_canonical_integers(self, r, m):
        cmd(r, "SADD", "s", 1, m)
        assert enc(r, "s") == SMALL
        assert members(r, "s") == b(1, m)

    def test_integer_widths(self, r):
        vals = [0, -1, 32767, -32768, 32768, 2147483647, -2147483648, 2147483648,
                9223372036854775807, -9223372036854775808]
        for v in vals:
            cmd(r, "SADD", "s", v)
            assert enc(r, "s") == b"intset"
        assert cmd(r, "SMEMBERS", "s") == [str(v).encode() for v in sorted(vals)]
        for v in vals:
            assert cmd(r, "SISMEMBER", "s", v) == 1
        assert cmd(r, "SMISMEMBER", "s", 1, 2, -9223372036854775807) == [0, 0, 0]

    def test_config_threshold(self, r):
        old = r.config_get("set-max-intset-entries")["set-max-intset-entries"]
        try:
            r.config_set("set-max-intset-entries", 4)
            cmd(r, "SADD", "s", 1, 2, 3, 4)
            assert enc(r, "s") == b"intset"
            cmd(r, "SADD", "s", 5)
            assert enc(r, "s") == SMALL
            assert cmd(r, "SUNIONSTORE", "d", "s") == 5
            assert enc(r, "d") == SMALL
            assert cmd(r, "SINTERSTORE", "d", "s", "s") == 5
            assert enc(r, "d") == SMALL
        finally:
            r.config_set("set-max-intset-entries", old)

    @pytest.mark.kvik_only
    def test_listpack_limits(self, r):
        cmd(r, "SADD", "s", *["m%d" % i for i in range(128)])
        assert enc(r, "s") == b"listpack"
        cmd(r, "SADD", "s", "m0")
        assert enc(r, "s") == b"listpack"
        cmd(r, "SADD", "s", "x")
        assert enc(r, "s") == b"hashtable"
        cmd(r, "SADD", "t", "a", "b" * 64)
        assert enc(r, "t") == b"listpack"
        cmd(r, "SADD", "t", "c" * 65)
        assert enc(r, "t") == b"hashtable"
        cmd(r, "SADD", "u", *range(100))
        cmd(r, "SADD", "u", "x" * 65)
        assert enc(r, "u") == b"hashtable"
        cmd(r, "SADD", "v", *range(128))
        cmd(r, "SADD", "v", "x")
        assert enc(r, "v") == b"hashtable"
        assert cmd(r, "SCARD", "v") == 129 and cmd(r, "SISMEMBER", "v", "127") == 1

    @pytest.mark.kvik_only
    def test_listpack_disabled_is_redis_70(self, r):
        old = r.config_get("set-max-listpack-entries")["set-max-listpack-entries"]
        try:
            r.config_set("set-max-listpack-entries", 0)
            cmd(r, "SADD", "s", 1, "a")
            assert enc(r, "s") == b"hashtable"
        finally:
            r.config_set("set-max-listpack-entries", old)

    @pytest.mark.kvik_only
    def test_listpack_ops(self, r):
        vals = ["v%d" % i for i in range(20)]
        cmd(r, "SADD", "s", *vals)
        assert enc(r, "s") == b"listpack"
        assert cmd(r, "SSCAN", "s", 0, "COUNT", 1)[0] == b"0"
        assert set(cmd(r, "SSCAN", "s", 0)[1]) == b(*vals)
        assert cmd(r, "SREM", "s", "v0", "v19", "zz") == 2
        assert cmd(r, "SMISMEMBER", "s", "v0", "v1") == [0, 1]
        got = cmd(r, "SPOP", "s", 5)
        assert len(set(got)) == 5
        assert members(r, "s") == b(*vals[1:19]) - set(got)
        assert cmd(r, "SPOP", "s", 100) and cmd(r, "EXISTS", "s") == 0

    def test_new_set_with_string_first(self, r):
        cmd(r, "SADD", "s", "a", 1)
        assert enc(r, "s") == SMALL
        cmd(r, "SADD", "t", 1)
        assert enc(r, "t") == b"intset"


class TestResp3:
    def test_shapes(self, raw):
        raw.call("SADD", "s", "1", "2")
        raw.call("SADD", "t", "2", "x")
        for proto in (2, 3):
            raw.call("HELLO", proto)
            agg = Array if proto == 2 else Set
            null = NULL_BULK if proto == 2 else NULL3
            for args in (("SMEMBERS", "s"), ("SINTER", "s", "t"), ("SUNION", "s", "t"),
                         ("SDIFF", "s", "t"), ("SMEMBERS", "missing"),
                         ("SINTER", "s", "missing"), ("SPOP", "missing", "2")):
                assert type(raw.call(*args)) is agg, (proto, args)
            assert raw.call("SINTER", "s", "t") == [Bulk(b"2")]
            assert raw.call("SMEMBERS", "missing") == []
            for args in (("SRANDMEMBER", "s", "5"), ("SRANDMEMBER", "s", "1"),
                         ("SRANDMEMBER", "s", "-3"), ("SRANDMEMBER", "missing", "2"),
                         ("SMISMEMBER", "s", "1", "9")):
                assert type(raw.call(*args)) is Array, (proto, args)
            assert raw.call("SMISMEMBER", "s", "1", "9") == [Integer(1), Integer(0)]
            assert raw.call("SPOP", "missing") == null
            assert raw.call("SRANDMEMBER", "missing") == null
            assert type(raw.call("SCARD", "s")) is Integer
            assert type(raw.call("SINTERCARD", "1", "s")) is Integer
            assert type(raw.call("SRANDMEMBER", "s")) is Bulk
            scan = raw.call("SSCAN", "s", "0")
            assert type(scan) is Array and type(scan[0]) is Bulk and type(scan[1]) is Array
            assert type(raw.call("SPOP", "t", "1")) is agg
            raw.call("SADD", "t", "2", "x")
            assert type(raw.call("SADD", "z", "a")) is Integer
            raw.call("DEL", "z")
        assert isinstance(raw.call("SCARD"), Error)


class TestModel:
    @pytest.fixture(params=["default", "small-limits"])
    def limits(self, request, r):
        """small-limits: tiny encoding thresholds, so conversions happen all the time."""
        names = ["set-max-intset-entries"] + ([] if IS_REDIS else ["set-max-listpack-entries"])
        old = {n: r.config_get(n)[n] for n in names}
        if request.param == "small-limits":
            for n, v in zip(names, (8, 16)):
                r.config_set(n, v)
        yield request.param
        for n, v in old.items():
            r.config_set(n, v)

    def test_random_ops_against_model(self, r, limits):
        rnd = random.Random(1234 if limits == "default" else 4321)
        keys = ["{k}%d" % i for i in range(4)]
        universe = [str(i) for i in range(-20, 40)] + ["s%d" % i for i in range(25)]
        model = {k: set() for k in keys}

        def check_all():
            for k in keys:
                assert members(r, k) == model[k], k
                assert cmd(r, "SCARD", k) == len(model[k])
                assert cmd(r, "EXISTS", k) == (1 if model[k] else 0)

        for step in range(1200):
            op = rnd.randrange(12)
            k, k2 = rnd.choice(keys), rnd.choice(keys)
            if op <= 2:
                pool = universe if op else universe[:60]
                ms = [rnd.choice(pool) for _ in range(rnd.randint(1, 6))]
                bs = set(x.encode() for x in ms)
                assert cmd(r, "SADD", k, *ms) == len(bs - model[k])
                model[k] |= bs
            elif op == 3:
                ms = [rnd.choice(universe) for _ in range(rnd.randint(1, 4))]
                got = cmd(r, "SREM", k, *ms)
                bs = set(x.encode() for x in ms)
                assert got == len(bs & model[k])
                model[k] -= bs
            elif op == 4:
                n = rnd.randint(0, 5)
                got = cmd(r, "SPOP", k, n)
                assert len(got) == min(n, len(model[k])) and set(got) <= model[k]
                model[k] -= set(got)
            elif op == 5:
                got = cmd(r, "SPOP", k)
                if model[k]:
                    assert got in model[k]
                    model[k].discard(got)
                else:
                    assert got is None
            elif op == 6:
                m = rnd.choice(universe).encode()
                got = cmd(r, "SMOVE", k, k2, m)
                assert got == (1 if m in model[k] else 0)
                if got and k != k2:
                    model[k].discard(m)
                    model[k2].add(m)
            elif op == 7:
                ks = rnd.sample(keys, rnd.randint(1, 3))
                exp = set.intersection(*[model[x] for x in ks])
                assert set(cmd(r, "SINTER", *ks)) == exp
                assert cmd(r, "SINTERCARD", len(ks), *ks) == len(exp)
                lim = rnd.randint(0, 5)
                assert cmd(r, "SINTERCARD", len(ks), *ks, "LIMIT", lim) == (
                    len(exp) if lim == 0 else min(lim, len(exp)))
            elif op == 8:
                ks = rnd.sample(keys, rnd.randint(1, 3))
                assert set(cmd(r, "SUNION", *ks)) == set.union(*[model[x] for x in ks])
                exp = model[ks[0]].difference(*[model[x] for x in ks[1:]])
                assert set(cmd(r, "SDIFF", *ks)) == exp
            elif op == 9:
                which = rnd.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
                ks = rnd.sample(keys, rnd.randint(1, 3))
                srcs = [model[x] for x in ks]
                if which == "SINTERSTORE":
                    exp = set.intersection(*srcs)
                elif which == "SUNIONSTORE":
                    exp = set.union(*srcs)
                else:
                    exp = srcs[0].difference(*srcs[1:])
                assert cmd(r, which, k, *ks) == len(exp)
                model[k] = set(exp)
            elif op == 10:
                n = rnd.randint(-6, 6)
                got = cmd(r, "SRANDMEMBER", k, n)
                assert set(got) <= model[k]
                if n >= 0:
                    assert len(got) == min(n, len(model[k])) == len(set(got))
                else:
                    assert len(got) == (-n if model[k] else 0)
            else:
                ms = [rnd.choice(universe).encode() for _ in range(3)]
                assert cmd(r, "SMISMEMBER", k, *ms) == [1 if m in model[k] else 0 for m in ms]
            if step % 100 == 0:
                check_all()
        check_all()
