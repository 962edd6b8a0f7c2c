"""Sorted set commands: ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK
ZREVRANK ZRANGE ZRANGESTORE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX
ZREMRANGEBY{RANK,SCORE,LEX} ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZUNION ZINTER ZDIFF
ZINTERCARD and the STORE forms, ZSCAN; their errors, RESP2/RESP3 reply shapes, the
listpack/skiplist encodings and a randomized comparison with a Python model."""

import math
import random

import pytest

from resp import NULL3, NULL_BULK, Array, Bulk, Double, Error, Integer
from util import cmd, err

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_INT = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
RANGE_FLOAT = "ERR min or max is not a float"
RANGE_LEX = "ERR min or max not valid string range item"


def enc(r, key):
    return cmd(r, "OBJECT", "ENCODING", key)


def zr(r, key, *extra):
    return cmd(r, "ZRANGE", key, 0, -1, *extra)


def bl(*xs):
    return [x if isinstance(x, bytes) else str(x).encode() for x in xs]


@pytest.fixture
def abc(r):
    cmd(r, "ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e")


class TestZadd:
    def test_basic(self, r):
        assert cmd(r, "ZADD", "z", 1, "a", 2, "b", 1.5, "c") == 3
        assert zr(r, "z") == bl("a", "c", "b")
        assert cmd(r, "ZADD", "z", 3, "a", 2, "b") == 0
        assert zr(r, "z", "WITHSCORES") == bl("c", "1.5", "b", 2, "a", 3)
        assert cmd(r, "TYPE", "z") == b"zset"
        assert cmd(r, "ZCARD", "z") == 3 and cmd(r, "ZCARD", "missing") == 0

    def test_ties_order_by_member(self, r):
        cmd(r, "ZADD", "z", 1, "b", 1, "a", 1, "c", 0, "z")
        assert zr(r, "z") == bl("z", "a", "b", "c")

    def test_flags(self, r):
        cmd(r, "ZADD", "z", 1, "a")
        assert cmd(r, "ZADD", "z", "NX", 5, "a", 2, "b") == 1
        assert cmd(r, "ZSCORE", "z", "a") == b"1"
        assert cmd(r, "ZADD", "z", "XX", 5, "a", 2, "c") == 0
        assert cmd(r, "ZSCORE", "z", "a") == b"5" and cmd(r, "ZSCORE", "z", "c") is None
        assert cmd(r, "ZADD", "z", "CH", 6, "a", 2, "b", 3, "d") == 2
        assert cmd(r, "ZADD", "z", "GT", "CH", 1, "a", 7, "b") == 1
        assert cmd(r, "ZMSCORE", "z", "a", "b") == bl(6, 7)
        assert cmd(r, "ZADD", "z", "LT", "CH", 10, "a", 0, "b", 1, "new") == 2
        assert cmd(r, "ZMSCORE", "z", "a", "b", "new") == bl(6, 0, 1)
        assert cmd(r, "ZADD", "missing", "XX", 1, "a") == 0
        assert cmd(r, "EXISTS", "missing") == 0

    def test_incr(self, r):
        assert cmd(r, "ZADD", "z", "INCR", 2, "a") == b"2"
        assert cmd(r, "ZADD", "z", "INCR", 0.5, "a") == b"2.5"
        assert cmd(r, "ZADD", "z", "NX", "INCR", 1, "a") is None
        assert cmd(r, "ZADD", "z", "XX", "INCR", 1, "b") is None
        assert cmd(r, "ZADD", "z", "GT", "INCR", -1, "a") is None
        assert cmd(r, "ZADD", "z", "LT", "INCR", -1, "a") == b"1.5"
        assert cmd(r, "ZINCRBY", "z", 10, "a") == b"11.5"
        assert cmd(r, "ZINCRBY", "z", "-inf", "b") == b"-inf"
        assert err(r, "ZINCRBY", "z", "+inf", "b") == "ERR resulting score is not a number (NaN)"
        assert cmd(r, "ZSCORE", "z", "b") == b"-inf"
        assert err(r, "ZINCRBY", "z", "x", "b") == NOT_FLOAT
        assert cmd(r, "ZADD", "missing", "XX", "INCR", 1, "a") is None

    def test_score_formatting(self, r):
        cmd(r, "ZADD", "z", 0.1, "a", 1e20, "b", "-0.5", "c", 3.0, "d", "inf", "e", "1e-7", "f")
        assert cmd(r, "ZMSCORE", "z", "a", "b", "c", "d", "e", "f", "x") == [
            b"0.10000000000000001", b"1e+20", b"-0.5", b"3", b"inf", b"9.9999999999999995e-08",
            None]

    def test_negative_zero(self, r):
        cmd(r, "ZADD", "z", "-0", "a")
        assert cmd(r, "ZSCORE", "z", "a") == b"0"
        assert cmd(r, "ZRANGEBYLEX", "z", "[", "+") == bl("a")

    def test_errors(self, r):
        assert err(r, "ZADD", "z", "NX", "XX", 1, "a") == \
            "ERR XX and NX options at the same time are not compatible"
        gtlt = "ERR GT, LT, and/or NX options at the same time are not compatible"
        for fl in (("GT", "LT"), ("GT", "NX"), ("LT", "NX")):
            assert err(r, "ZADD", "z", *fl, 1, "a") == gtlt
        assert err(r, "ZADD", "z", "INCR", 1, "a", 2, "b") == \
            "ERR INCR option supports a single increment-element pair"
        assert err(r, "ZADD", "z", 1, "a", 2) == SYNTAX
        assert err(r, "ZADD", "z", "NX", 1) == SYNTAX
        assert err(r, "ZADD", "z", "x", "a") == NOT_FLOAT
        assert err(r, "ZADD", "z", "nan", "a") == NOT_FLOAT
        assert err(r, "ZADD", "z", 1, "a", "y", "b") == NOT_FLOAT
        assert cmd(r, "EXISTS", "z") == 0
        assert err(r, "ZADD", "z", 1) == "ERR wrong number of arguments for 'zadd' command"

    def test_wrongtype(self, r):
        r.set("str", "x")
        for args in (("ZADD", "str", 1, "a"), ("ZINCRBY", "str", 1, "a"), ("ZREM", "str", "a"),
                     ("ZCARD", "str"), ("ZSCORE", "str", "a"), ("ZMSCORE", "str", "a"),
                     ("ZRANK", "str", "a"), ("ZRANGE", "str", 0, 1), ("ZCOUNT", "str", 0, 1),
                     ("ZLEXCOUNT", "str", "-", "+"), ("ZPOPMIN", "str"),
                     ("ZRANDMEMBER", "str"), ("ZUNION", 1, "str"), ("ZINTERCARD", 1, "str"),
                     ("ZMPOP", 1, "str", "MIN"), ("ZSCAN", "str", 0),
                     ("ZREMRANGEBYRANK", "str", 0, 1), ("ZRANGESTORE", "d", "str", 0, 1)):
            assert err(r, *args) == WRONGTYPE, args


class TestReads:
    def test_rem_deletes_empty(self, r, abc):
        assert cmd(r, "ZREM", "z", "a", "x", "a") == 1
        assert cmd(r, "ZREM", "missing", "a") == 0
        assert cmd(r, "ZREM", "z", "b", "c", "d", "e") == 4
        assert cmd(r, "EXISTS", "z") == 0

    def test_rank(self, r, abc):
        assert cmd(r, "ZRANK", "z", "a") == 0 and cmd(r, "ZRANK", "z", "e") == 4
        assert cmd(r, "ZREVRANK", "z", "a") == 4 and cmd(r, "ZREVRANK", "z", "e") == 0
        assert cmd(r, "ZRANK", "z", "x") is None and cmd(r, "ZRANK", "missing", "a") is None

    def test_count(self, r, abc):
        assert cmd(r, "ZCOUNT", "z", 2, 4) == 3
        assert cmd(r, "ZCOUNT", "z", "(2", "(4") == 1
        assert cmd(r, "ZCOUNT", "z", "-inf", "+inf") == 5
        assert cmd(r, "ZCOUNT", "z", 4, 2) == 0
        assert cmd(r, "ZCOUNT", "missing", 0, 1) == 0
        assert err(r, "ZCOUNT", "z", "x", 1) == RANGE_FLOAT
        assert err(r, "ZCOUNT", "z", 1, "((2") == RANGE_FLOAT

    def test_lexcount(self, r):
        cmd(r, "ZADD", "z", 0, "a", 0, "b", 0, "c", 0, "d")
        assert cmd(r, "ZLEXCOUNT", "z", "-", "+") == 4
        assert cmd(r, "ZLEXCOUNT", "z", "[b", "(d") == 2
        assert cmd(r, "ZLEXCOUNT", "z", "(a", "[z") == 3
        assert cmd(r, "ZLEXCOUNT", "z", "+", "-") == 0
        for bad in (("a", "+"), ("-", "b"), ("", "+"), ("--", "+")):
            assert err(r, "ZLEXCOUNT", "z", *bad) == RANGE_LEX


class TestRange:
    def test_rank_ranges(self, r, abc):
        assert zr(r, "z") == bl(*"abcde")
        assert cmd(r, "ZRANGE", "z", 1, 2) == bl("b", "c")
        assert cmd(r, "ZRANGE", "z", -2, 100) == bl("d", "e")
        assert cmd(r, "ZRANGE", "z", 3, 1) == []
        assert cmd(r, "ZRANGE", "z", 0, 1, "REV", "WITHSCORES") == bl("e", 5, "d", 4)
        assert cmd(r, "ZRANGE", "missing", 0, -1) == []
        assert err(r, "ZRANGE", "z", "a", 1) == NOT_INT

    def test_byscore(self, r, abc):
        assert cmd(r, "ZRANGE", "z", "(1", 3, "BYSCORE") == bl("b", "c")
        assert cmd(r, "ZRANGE", "z", 3, "(1", "BYSCORE", "REV") == bl("c", "b")
        assert cmd(r, "ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", 1, 2) == bl("b", "c")
        assert cmd(r, "ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", 1, -1) == \
            bl("d", "c", "b", "a")
        assert cmd(r, "ZRANGEBYSCORE", "z", 2, 3, "WITHSCORES") == bl("b", 2, "c", 3)
        assert cmd(r, "ZRANGEBYSCORE", "z", 0, 10, "LIMIT", -1, 2) == []
        assert cmd(r, "ZRANGEBYSCORE", "z", 0, 10, "LIMIT", 4, 5) == bl("e")
        assert cmd(r, "ZREVRANGEBYSCORE", "z", 4, 2) == bl("d", "c", "b")
        assert cmd(r, "ZREVRANGEBYSCORE", "z", "(4", "(2", "WITHSCORES") == bl("c", 3)
        assert err(r, "ZRANGEBYSCORE", "z", "a", 1) == RANGE_FLOAT

    def test_bylex(self, r):
        cmd(r, "ZADD", "z", *[x for m in "abcdef" for x in (0, m)])
        assert cmd(r, "ZRANGE", "z", "[b", "(e", "BYLEX") == bl("b", "c", "d")
        assert cmd(r, "ZRANGE", "z", "(e", "[b", "BYLEX", "REV") == bl("d", "c", "b")
        assert cmd(r, "ZRANGEBYLEX", "z", "-", "+", "LIMIT", 2, 2) == bl("c", "d")
        assert cmd(r, "ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", 0, 2) == bl("f", "e")
        assert cmd(r, "ZREVRANGEBYLEX", "z", "[c", "-") == bl("c", "b", "a")
        assert err(r, "ZRANGEBYLEX", "z", "b", "+") == RANGE_LEX

    def test_option_errors(self, r, abc):
        assert err(r, "ZRANGE", "z", 0, 1, "LIMIT", 0, 1) == (
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
            "or BYLEX")
        ws = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
        assert err(r, "ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == ws
        assert err(r, "ZRANGEBYLEX", "z", "-", "+", "WITHSCORES") == ws
        assert err(r, "ZRANGE", "z", 0, 1, "FOO") == SYNTAX
        assert err(r, "ZRANGE", "z", 0, 1, "BYSCORE", "BYLEX") == SYNTAX
        assert err(r, "ZRANGE", "z", 0, 1, "REV", "REV") == SYNTAX
        assert cmd(r, "ZRANGEBYSCORE", "z", 0, 1, "WITHSCORES", "WITHSCORES") == bl("a", 1)
        assert err(r, "ZRANGEBYSCORE", "z", 0, 1, "REV") == SYNTAX
        assert err(r, "ZRANGEBYSCORE", "z", 0, 1, "LIMIT", 0) == SYNTAX
        assert err(r, "ZRANGEBYSCORE", "z", 0, 1, "LIMIT", "a", 1) == NOT_INT
        assert err(r, "ZRANGESTORE", "d", "z", 0, 1, "WITHSCORES") == SYNTAX

    def test_rangestore(self, r, abc):
        r.set("d", "x")
        assert cmd(r, "ZRANGESTORE", "d", "z", 1, 3) == 3
        assert zr(r, "d", "WITHSCORES") == bl("b", 2, "c", 3, "d", 4)
        assert cmd(r, "ZRANGESTORE", "d", "z", 5, "(2", "BYSCORE", "REV", "LIMIT", 0, 2) == 2
        assert zr(r, "d") == bl("d", "e")
        assert cmd(r, "ZRANGESTORE", "d", "z", 10, 20) == 0
        assert cmd(r, "EXISTS", "d") == 0


class TestRemrange:
    def test_by_rank(self, r, abc):
        assert cmd(r, "ZREMRANGEBYRANK", "z", 0, 1) == 2
        assert cmd(r, "ZREMRANGEBYRANK", "z", -1, -1) == 1
        assert zr(r, "z") == bl("c", "d")
        assert cmd(r, "ZREMRANGEBYRANK", "z", 0, -1) == 2
        assert cmd(r, "EXISTS", "z") == 0
        assert cmd(r, "ZREMRANGEBYRANK", "missing", 0, -1) == 0

    def test_by_score_and_lex(self, r, abc):
        assert cmd(r, "ZREMRANGEBYSCORE", "z", "(1", 3) == 2
        assert zr(r, "z") == bl("a", "d", "e")
        assert err(r, "ZREMRANGEBYSCORE", "z", "x", 3) == RANGE_FLOAT
        cmd(r, "ZADD", "l", 0, "a", 0, "b", 0, "c")
        assert cmd(r, "ZREMRANGEBYLEX", "l", "(a", "+") == 2
        assert zr(r, "l") == bl("a")
        assert err(r, "ZREMRANGEBYLEX", "l", "a", "+") == RANGE_LEX


class TestPop:
    def test_popmin_popmax(self, r, abc):
        assert cmd(r, "ZPOPMIN", "z") == bl("a", 1)
        assert cmd(r, "ZPOPMAX", "z", 2) == bl("e", 5, "d", 4)
        assert cmd(r, "ZPOPMIN", "z", 0) == []
        assert cmd(r, "ZPOPMIN", "z", 10) == bl("b", 2, "c", 3)
        assert cmd(r, "EXISTS", "z") == 0
        assert cmd(r, "ZPOPMIN", "z") == []
        assert err(r, "ZPOPMIN", "z", -1) == "ERR value is out of range, must be positive"
        assert err(r, "ZPOPMIN", "z", 1, 2) == SYNTAX

    def test_zmpop(self, r, abc):
        assert cmd(r, "ZMPOP", 2, "missing", "z", "MIN") == [b"z", [bl("a", 1)]]
        assert cmd(r, "ZMPOP", 1, "z", "MAX", "COUNT", 2) == [b"z", [bl("e", 5), bl("d", 4)]]
        assert cmd(r, "ZMPOP", 1, "missing", "MAX") is None
        assert err(r, "ZMPOP", 0, "z", "MIN") == "ERR numkeys should be greater than 0"
        assert err(r, "ZMPOP", "x", "z", "MIN") == "ERR numkeys should be greater than 0"
        assert err(r, "ZMPOP", 1, "z", "FOO") == SYNTAX
        assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT") == SYNTAX
        assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT", "x") == "ERR count should be greater than 0"
        assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT", 1, 2) == SYNTAX
        assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT", 0) == "ERR count should be greater than 0"
        assert err(r, "ZMPOP", 3, "z", "MIN") == SYNTAX
        assert cmd(r, "COMMAND", "GETKEYS", "ZMPOP", 2, "a", "b", "MIN") == [b"a", b"b"]

    def test_randmember(self, r, abc):
        assert cmd(r, "ZRANDMEMBER", "missing") is None
        assert cmd(r, "ZRANDMEMBER", "z") in bl(*"abcde")
        assert sorted(cmd(r, "ZRANDMEMBER", "z", 10)) == bl(*"abcde")
        got = cmd(r, "ZRANDMEMBER", "z", 3)
        assert len(got) == 3 and len(set(got)) == 3
        assert len(cmd(r, "ZRANDMEMBER", "z", -20)) == 20
        ws = cmd(r, "ZRANDMEMBER", "z", -6, "WITHSCORES")
        assert len(ws) == 12
        for m, s in zip(ws[::2], ws[1::2]):
            assert float(s) == " abcde".index(m.decode())
        assert cmd(r, "ZRANDMEMBER", "z", 0) == [] and cmd(r, "ZRANDMEMBER", "missing", 5) == []
        assert err(r, "ZRANDMEMBER", "z", "x") == NOT_INT
        assert err(r, "ZRANDMEMBER", "z", 1, "FOO") == SYNTAX
        assert err(r, "ZRANDMEMBER", "z", -2**63) == (
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807")
        assert err(r, "ZRANDMEMBER", "z", -2**62, "WITHSCORES") == "ERR value is out of range"


class TestAlgebra:
    @pytest.fixture
    def srcs(self, r):
        cmd(r, "ZADD", "z1", 1, "a", 2, "b", 3, "c")
        cmd(r, "ZADD", "z2", 10, "b", 20, "c", 30, "d")
        cmd(r, "SADD", "s", "c", "d", "e")

    def test_union(self, r, srcs):
        assert cmd(r, "ZUNION", 2, "z1", "z2", "WITHSCORES") == \
            bl("a", 1, "b", 12, "c", 23, "d", 30)
        assert cmd(r, "ZUNION", 3, "z1", "z2", "s", "WEIGHTS", 1, 2, 10, "AGGREGATE", "MAX",
                   "WITHSCORES") == bl("a", 1, "e", 10, "b", 20, "c", 40, "d", 60)
        assert cmd(r, "ZUNION", 2, "z1", "missing") == bl("a", "b", "c")

    def test_inter(self, r, srcs):
        assert cmd(r, "ZINTER", 2, "z1", "z2", "WITHSCORES") == bl("b", 12, "c", 23)
        assert cmd(r, "ZINTER", 3, "z1", "z2", "s", "AGGREGATE", "MIN", "WITHSCORES") == \
            bl("c", 1)
        assert cmd(r, "ZINTER", 2, "z1", "missing") == []
        assert cmd(r, "ZINTERCARD", 2, "z1", "z2") == 2
        assert cmd(r, "ZINTERCARD", 2, "z1", "z2", "LIMIT", 1) == 1
        assert cmd(r, "ZINTERCARD", 2, "z2", "s") == 2

    def test_diff(self, r, srcs):
        assert cmd(r, "ZDIFF", 2, "z1", "z2", "WITHSCORES") == bl("a", 1)
        assert cmd(r, "ZDIFF", 2, "z2", "s") == bl("b")
        assert cmd(r, "ZDIFF", 1, "missing") == []

    def test_store(self, r, srcs):
        r.set("d", "x")
        r.expire("d", 100)
        assert cmd(r, "ZUNIONSTORE", "d", 2, "z1", "z2", "WEIGHTS", 2, 1) == 4
        assert zr(r, "d", "WITHSCORES") == bl("a", 2, "b", 14, "c", 26, "d", 30)
        assert r.ttl("d") == -1
        assert cmd(r, "ZINTERSTORE", "d", 2, "z1", "s") == 1
        assert zr(r, "d", "WITHSCORES") == bl("c", 4)
        assert cmd(r, "ZDIFFSTORE", "d", 2, "z1", "z2") == 1
        assert cmd(r, "ZINTERSTORE", "z1", 2, "z1", "z2") == 2
        assert zr(r, "z1", "WITHSCORES") == bl("b", 12, "c", 23)
        assert cmd(r, "ZDIFFSTORE", "d", 2, "z1", "z1") == 0
        assert cmd(r, "EXISTS", "d") == 0

    def test_inf_weights(self, r):
        cmd(r, "ZADD", "a", "inf", "x", 0, "y")
        cmd(r, "ZADD", "b", "-inf", "x", 1, "y")
        assert cmd(r, "ZUNION", 2, "a", "b", "WITHSCORES") == bl("x", 0, "y", 1)
        assert cmd(r, "ZUNION", 1, "a", "WEIGHTS", 0, "WITHSCORES") == bl("x", 0, "y", 0)

    def test_signed_zero(self, r):
        cmd(r, "ZADD", "a", 0, "x")
        assert cmd(r, "ZUNION", 1, "a", "WEIGHTS", -1, "WITHSCORES") == bl("x", "-0")
        assert cmd(r, "ZUNION", 2, "a", "a", "WEIGHTS", -1, 1, "WITHSCORES") == bl("x", 0)
        assert cmd(r, "ZINTER", 2, "a", "a", "WEIGHTS", 1, -1, "AGGREGATE", "MIN",
                   "WITHSCORES") == bl("x", 0)
        assert cmd(r, "ZUNIONSTORE", "d", 1, "a", "WEIGHTS", -1) == 1
        assert cmd(r, "ZSCORE", "d", "x") == b"0"

    def test_errors(self, r, srcs):
        r.set("str", "x")
        assert err(r, "ZUNION", 0, "z1") == "ERR at least 1 input key is needed for 'zunion' command"
        assert err(r, "ZUNIONSTORE", "d", 0, "z1") == \
            "ERR at least 1 input key is needed for 'zunionstore' command"
        assert err(r, "ZINTERCARD", 0, "z1") == \
            "ERR at least 1 input key is needed for 'zintercard' command"
        assert err(r, "ZUNION", "x", "z1") == NOT_INT
        assert err(r, "ZINTER", 3, "z1") == SYNTAX
        assert err(r, "ZUNION", 2, "z1", "z2", "WEIGHTS", 1) == SYNTAX
        assert err(r, "ZUNION", 1, "z1", "WEIGHTS", "x") == "ERR weight value is not a float"
        assert err(r, "ZUNION", 1, "z1", "AGGREGATE", "AVG") == SYNTAX
        assert err(r, "ZDIFF", 1, "z1", "WEIGHTS", 1) == SYNTAX
        assert err(r, "ZUNIONSTORE", "d", 1, "z1", "WITHSCORES") == SYNTAX
        assert err(r, "ZUNION", 2, "z1", "str") == WRONGTYPE
        assert err(r, "ZINTERCARD", 2, "z1") == SYNTAX
        assert err(r, "ZINTERCARD", 1, "z1", "LIMIT", -1) == "ERR LIMIT can't be negative"

    def test_getkeys(self, r):
        assert cmd(r, "COMMAND", "GETKEYS", "ZUNIONSTORE", "d", 2, "a", "b", "WEIGHTS", 1, 2) \
            == bl("d", "a", "b")
        assert cmd(r, "COMMAND", "GETKEYS", "ZINTER", 2, "a", "b") == bl("a", "b")
        assert cmd(r, "COMMAND", "GETKEYS", "ZINTERCARD", 1, "a", "LIMIT", 1) == bl("a")
        assert cmd(r, "COMMAND", "GETKEYS", "ZRANGESTORE", "d", "s", 0, 1) == bl("d", "s")


class TestScan:
    def test_listpack_whole(self, r, abc):
        cursor, got = cmd(r, "ZSCAN", "z", 0)
        assert cursor == b"0" and got == bl("a", 1, "b", 2, "c", 3, "d", 4, "e", 5)
        assert cmd(r, "ZSCAN", "z", 0, "MATCH", "[bd]")[1] == bl("b", 2, "d", 4)
        assert cmd(r, "ZSCAN", "missing", 0) == [b"0", []]
        assert err(r, "ZSCAN", "z", "x") == "ERR invalid cursor"
        assert err(r, "ZSCAN", "z", 0, "COUNT", 0) == SYNTAX

    def test_skiplist_full_scan(self, r):
        cmd(r, "ZADD", "z", *[x for i in range(500) for x in (i, "m%d" % i)])
        seen, cursor, calls = {}, b"0", 0
        while True:
            cursor, got = cmd(r, "ZSCAN", "z", cursor, "COUNT", 20)
            seen.update(zip(got[::2], got[1::2]))
            calls += 1
            if cursor == b"0":
                break
        assert calls > 1
        assert seen == {("m%d" % i).encode(): str(i).encode() for i in range(500)}


class TestEncoding:
    def test_by_count(self, r):
        cmd(r, "ZADD", "z", *[x for i in range(128) for x in (i, "m%d" % i)])
        assert enc(r, "z") == b"listpack"
        cmd(r, "ZADD", "z", 200, "x")
        assert enc(r, "z") == b"skiplist"
        cmd(r, "ZREMRANGEBYRANK", "z", 0, -3)
        assert enc(r, "z") == b"skiplist"
        assert zr(r, "z", "WITHSCORES") == bl("m127", 127, "x", 200)

    def test_by_size(self, r):
        cmd(r, "ZADD", "z", 1, "a" * 64)
        assert enc(r, "z") == b"listpack"
        cmd(r, "ZADD", "z", 2, "b" * 65)
        assert enc(r, "z") == b"skiplist"
        cmd(r, "ZADD", "y", 2, "b" * 65)
        assert enc(r, "y") == b"skiplist"

    def test_config_limits(self, r):
        old = r.config_get("zset-max-listpack-entries")["zset-max-listpack-entries"]
        try:
            r.config_set("zset-max-listpack-entries", 0)
            cmd(r, "ZADD", "z", 1, "a")
            assert enc(r, "z") == b"skiplist"
            r.config_set("zset-max-listpack-entries", 3)
            cmd(r, "ZADD", "y", 1, "a", 2, "b", 3, "c")
            assert enc(r, "y") == b"listpack"
            cmd(r, "ZADD", "y", 4, "d")
            assert enc(r, "y") == b"skiplist"
            assert zr(r, "y") == bl("a", "b", "c", "d")
        finally:
            r.config_set("zset-max-listpack-entries", old)

    def test_store_encoding(self, r):
        cmd(r, "ZADD", "big", *[x for i in range(200) for x in (i, "m%d" % i)])
        cmd(r, "ZRANGESTORE", "d", "big", 0, 9)
        assert enc(r, "d") == b"listpack"
        cmd(r, "ZUNIONSTORE", "d", 1, "big")
        assert enc(r, "d") == b"skiplist"

    def test_copy_and_rename(self, r):
        for n in (5, 300):
            cmd(r, "ZADD", "z", *[x for i in range(n) for x in (i, "m%d" % i)])
            assert cmd(r, "COPY", "z", "c") == 1
            cmd(r, "ZADD", "c", -1, "new")
            assert cmd(r, "ZCARD", "z") == n and cmd(r, "ZCARD", "c") == n + 1
            assert zr(r, "c")[:2] == bl("new", "m0")
            cmd(r, "DEL", "z", "c")


class TestResp3:
    def test_shapes(self, raw):
        raw.call("ZADD", "z", 1, "a", 2.5, "b")
        raw.call("HELLO", 3)
        assert raw.call("ZSCORE", "z", "b") == Double(2.5)
        assert type(raw.call("ZSCORE", "z", "b")) is Double
        assert raw.call("ZSCORE", "z", "x") == NULL3
        assert raw.call("ZMSCORE", "z", "a", "x") == [Double(1), NULL3]
        assert raw.call("ZRANGE", "z", 0, -1, "WITHSCORES") == [[b"a", 1.0], [b"b", 2.5]]
        assert raw.call("ZRANGE", "z", 0, -1) == [b"a", b"b"]
        assert raw.call("ZUNION", 1, "z", "WITHSCORES") == [[b"a", 1.0], [b"b", 2.5]]
        assert raw.call("ZRANDMEMBER", "z", -1, "WITHSCORES") in ([[b"a", 1.0]], [[b"b", 2.5]])
        assert raw.call("ZINCRBY", "z", 1, "a") == Double(2)
        assert raw.call("ZSCAN", "z", 0) == [b"0", [b"a", b"2", b"b", b"2.5"]]
        assert raw.call("ZPOPMIN", "z") == [b"a", Double(2)]
        raw.call("ZADD", "z", 1, "a", 3, "c")
        assert raw.call("ZPOPMAX", "z", 1) == [[b"c", Double(3)]]
        assert raw.call("ZMPOP", 1, "z", "MIN") == [b"z", [[b"a", Double(1)]]]
        assert raw.call("ZMPOP", 1, "missing", "MIN") == NULL3
        assert raw.call("ZADD", "z", "INCR", 1, "b") == Double(3.5)
        assert raw.call("ZADD", "z", "NX", "INCR", 1, "b") == NULL3
        assert raw.call("ZRANDMEMBER", "z", 5, "WITHSCORES") == [[b"b", Double(3.5)]]
        assert raw.call("ZMSCORE", "missing", "a") == [NULL3]
        assert raw.call("ZPOPMIN", "missing") == []
        assert raw.call("ZPOPMIN", "missing", 2) == []
        assert raw.call("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "WITHSCORES") == [
            [b"b", Double(3.5)]]
        assert type(raw.call("ZRANGESTORE", "d", "z", 0, -1)) is Integer
        assert raw.call("ZINTER", 2, "z", "d", "WITHSCORES") == [[b"b", Double(7)]]
        assert raw.call("ZRANDMEMBER", "missing") == NULL3
        raw.call("HELLO", 2)
        assert raw.call("ZRANDMEMBER", "missing") == NULL_BULK
        assert raw.call("ZRANGE", "z", 0, -1, "WITHSCORES") == [b"b", b"3.5"]
        assert raw.call("ZPOPMIN", "z", 1) == [b"b", b"3.5"]
        assert raw.call("ZSCORE", "d", "b") == Bulk(b"3.5")
        raw.call("ZADD", "z", 2.5, "b")
        assert raw.call("ZSCORE", "z", "x") == NULL_BULK


class TestModel:
    def test_random_ops(self, r):
        rnd = random.Random(7)
        model = {}
        members = ["m%d" % i for i in range(40)] + ["x" * 70]
        scores = [0, 1, 2, -1.5, 3.25, 1e10, float("inf"), float("-inf")]

        def order():
            return sorted(model.items(), key=lambda kv: (kv[1], kv[0].encode()))

        def fmt(s):
            if s == float("inf"):
                return b"inf"
            if s == float("-inf"):
                return b"-inf"
            return ("%.17g" % s).encode()

        for step in range(1500):
            op = rnd.randrange(8)
            m = rnd.choice(members)
            s = rnd.choice(scores)
            if op <= 2:
                assert cmd(r, "ZADD", "k", s, m) == (m not in model)
                model[m] = s
            elif op == 3:
                assert cmd(r, "ZREM", "k", m) == (m in model)
                model.pop(m, None)
            elif op == 4:
                o = order()
                a, b = rnd.randrange(-10, 10), rnd.randrange(-10, 10)
                n = len(o)
                a2, b2 = (a + n if a < 0 else a), (b + n if b < 0 else b)
                a2 = max(a2, 0)
                want = [k for k, _ in o[a2:b2 + 1]] if a2 <= b2 and a2 < n else []
                assert cmd(r, "ZRANGE", "k", a, b) == bl(*want)
            elif op == 5:
                lo, hi = sorted(rnd.sample(scores, 2))
                want = [k for k, v in order() if lo < v <= hi]
                assert cmd(r, "ZRANGEBYSCORE", "k", "(%r" % lo if not math.isinf(lo) else
                           ("(-inf" if lo < 0 else "(+inf"),
                           fmt(hi)) == bl(*want)
                assert cmd(r, "ZCOUNT", "k", "(" + fmt(lo).decode(), fmt(hi)) == len(want)
            elif op == 6:
                o = [k for k, _ in order()]
                if m in model:
                    assert cmd(r, "ZRANK", "k", m) == o.index(m)
                    assert cmd(r, "ZSCORE", "k", m) == fmt(model[m])
                else:
                    assert cmd(r, "ZRANK", "k", m) is None
            else:
                if rnd.random() < 0.05:
                    for i in range(150):
                        model["bulk%d" % i] = i
                        cmd(r, "ZADD", "k", i, "bulk%d" % i)
            assert cmd(r, "ZCARD", "k") == len(model)
        got = cmd(r, "ZRANGE", "k", 0, -1, "WITHSCORES")
        want = []
        for k, v in order():
            want += [k.encode(), fmt(v)]
        assert got == want


class TestModelLarge:
    """A skiplist-sized zset (hundreds of members) driven through every range form
    and the set algebra, checked against a dict after each step."""

    def test_random_ops(self, r):
        rnd = random.Random(11)
        model = {}
        other = {}

        def order(d=None):
            d = model if d is None else d
            return [k for k, _ in sorted(d.items(), key=lambda kv: (kv[1], kv[0].encode()))]

        def rand_member():
            return "k%03d" % rnd.randrange(400)

        cmd(r, "ZADD", "k", *[x for i in range(300) for x in (i % 37, "k%03d" % i)])
        model.update({"k%03d" % i: i % 37 for i in range(300)})
        assert enc(r, "k") == b"skiplist"
        for step in range(400):
            op = rnd.randrange(10)
            o = order()
            if op == 0:
                m, s = rand_member(), rnd.randrange(-5, 40)
                cmd(r, "ZADD", "k", s, m)
                model[m] = s
            elif op == 1:
                m = rand_member()
                assert cmd(r, "ZREM", "k", m) == (m in model)
                model.pop(m, None)
            elif op == 2:
                lo = rnd.randrange(-5, 40)
                hi = lo + rnd.randrange(0, 10)
                off, cnt = rnd.randrange(0, 20), rnd.randrange(-1, 20)
                want = [k for k in o if lo <= model[k] <= hi]
                want_rev = want[::-1][off:] if cnt < 0 else want[::-1][off:off + cnt]
                want = want[off:] if cnt < 0 else want[off:off + cnt]
                assert cmd(r, "ZRANGE", "k", lo, hi, "BYSCORE", "LIMIT", off, cnt) == bl(*want)
                assert cmd(r, "ZREVRANGEBYSCORE", "k", hi, lo, "LIMIT", off, cnt) == \
                    bl(*want_rev)
            elif op == 3:
                # lex ranges over one score band
                cmd(r, "DEL", "lex")
                band = sorted(m for m in model if model[m] == 5)
                if band:
                    cmd(r, "ZADD", "lex", *[x for m in band for x in (0, m)])
                    a, b = sorted([rand_member(), rand_member()])
                    want = [m for m in band if a < m <= b]
                    assert cmd(r, "ZRANGEBYLEX", "lex", "(" + a, "[" + b) == bl(*want)
                    assert cmd(r, "ZLEXCOUNT", "lex", "(" + a, "[" + b) == len(want)
                    assert cmd(r, "ZREVRANGEBYLEX", "lex", "[" + b, "(" + a) == bl(*want[::-1])
            elif op == 4:
                a, b = rnd.randrange(-50, 50), rnd.randrange(-50, 50)
                n = len(o)
                a2, b2 = max(a + n if a < 0 else a, 0), (b + n if b < 0 else b)
                want = o[a2:b2 + 1] if a2 <= b2 and a2 < n else []
                assert cmd(r, "ZRANGE", "k", a, b, "REV") == bl(*[x for x in o[::-1]][a2:b2 + 1]
                                                                if a2 <= b2 and a2 < n else [])
                if rnd.random() < 0.2:
                    assert cmd(r, "ZREMRANGEBYRANK", "k", a, b) == len(want)
                    for m in want:
                        del model[m]
            elif op == 5 and o:
                m = rnd.choice(o)
                assert cmd(r, "ZRANK", "k", m) == o.index(m)
                assert cmd(r, "ZREVRANK", "k", m) == len(o) - 1 - o.index(m)
            elif op == 6 and rnd.random() < 0.3:
                lo = rnd.randrange(-5, 40)
                want = [k for k in o if lo <= model[k] < lo + 2]
                assert cmd(r, "ZREMRANGEBYSCORE", "k", lo, "(%d" % (lo + 2)) == len(want)
                for m in want:
                    del model[m]
            elif op == 7:
                n = rnd.randrange(1, 4)
                got = cmd(r, "ZPOPMIN" if rnd.random() < 0.5 else "ZPOPMAX", "k", n)
                for m in got[::2]:
                    del model[m.decode()]
                assert len(got) == 2 * min(n, len(o))
            elif op == 8:
                other = {rand_member(): rnd.randrange(10) for _ in range(rnd.randrange(0, 60))}
                cmd(r, "DEL", "o")
                if other:
                    cmd(r, "ZADD", "o", *[x for m, s in other.items() for x in (s, m)])
                agg = rnd.choice(["SUM", "MIN", "MAX"])
                f = {"SUM": lambda x, y: x + y, "MIN": min, "MAX": max}[agg]
                u = dict(model)
                for m, s in other.items():
                    u[m] = f(u[m], 2 * s) if m in u else 2 * s
                got = cmd(r, "ZUNION", 2, "k", "o", "WEIGHTS", 1, 2, "AGGREGATE", agg,
                          "WITHSCORES")
                assert got[::2] == bl(*order(u))
                assert [float(x) for x in got[1::2]] == [u[m] for m in order(u)]
                inter = {m: f(model[m], other[m]) for m in model if m in other}
                assert cmd(r, "ZINTERSTORE", "dst", 2, "k", "o", "AGGREGATE", agg) == len(inter)
                assert cmd(r, "ZRANGE", "dst", 0, -1) == bl(*order(inter))
                assert cmd(r, "ZINTERCARD", 2, "k", "o") == len(inter)
                diff = {m: s for m, s in model.items() if m not in other}
                assert cmd(r, "ZDIFF", 2, "k", "o") == bl(*order(diff))
            else:
                m = rand_member()
                got = cmd(r, "ZINCRBY", "k", 3, m)
                model[m] = model.get(m, 0) + 3
                assert float(got) == model[m]
            assert cmd(r, "ZCARD", "k") == len(model)
        got = cmd(r, "ZRANGE", "k", 0, -1, "WITHSCORES")
        assert got[::2] == bl(*order())
        assert [float(x) for x in got[1::2]] == [model[m] for m in order()]
