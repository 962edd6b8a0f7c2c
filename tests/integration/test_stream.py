"""Stream commands: XADD XTRIM XDEL XLEN XRANGE XREVRANGE XREAD XGROUP XREADGROUP XACK
XPENDING XCLAIM XAUTOCLAIM XINFO XSETID; their errors, RESP2/RESP3 reply shapes,
consumer-group flows, large streams, generic key commands on streams, and a randomized
comparison with a Python model."""

import random
import time

import pytest

from resp import NULL3, NULL_ARRAY, NULL_BULK, Map
from util import cmd, err

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_INT = "ERR value is not an integer or out of range"
BAD_ID = "ERR Invalid stream ID specified as stream command argument"
SMALLER = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
EXHAUSTED = "ERR The stream has exhausted the last possible ID, unable to add more items"
MAX_ID = "18446744073709551615-18446744073709551615"
NOKEY_XGROUP = ("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE "
                "you may want to use the MKSTREAM option to create an empty stream "
                "automatically.")


def b(*xs):
    return [x if isinstance(x, bytes) else str(x).encode() for x in xs]


def ids(entries):
    return [e[0] for e in entries]


def entry(eid, *fv):
    return [str(eid).encode(), b(*fv)]


def info(r, key):
    flat = cmd(r, "XINFO", "STREAM", key)
    return dict(zip(flat[::2], flat[1::2]))


def groups(r, key):
    return [dict(zip(g[::2], g[1::2])) for g in cmd(r, "XINFO", "GROUPS", key)]


def consumers(r, key, group):
    return [dict(zip(g[::2], g[1::2])) for g in cmd(r, "XINFO", "CONSUMERS", key, group)]


@pytest.fixture
def s3(r):
    cmd(r, "XADD", "s", "1-1", "a", "1")
    cmd(r, "XADD", "s", "2-1", "b", "2")
    cmd(r, "XADD", "s", "3-1", "c", "3")


# ---------------------------------------------------------------- XADD


class TestXadd:
    def test_explicit_ids(self, r):
        assert cmd(r, "XADD", "s", "1-1", "f", "v") == b"1-1"
        assert cmd(r, "XADD", "s", "1-2", "f", "v", "g", "w") == b"1-2"
        assert cmd(r, "XADD", "s", "5", "f", "v") == b"5-0"
        assert cmd(r, "XLEN", "s") == 3
        assert cmd(r, "XRANGE", "s", "-", "+") == [
            entry("1-1", "f", "v"), entry("1-2", "f", "v", "g", "w"), entry("5-0", "f", "v")]

    def test_auto_id(self, r):
        before = int(time.time() * 1000)
        a = cmd(r, "XADD", "s", "*", "f", "v").decode()
        ms, seq = a.split("-")
        assert int(ms) >= before - 1000
        b2 = cmd(r, "XADD", "s", "*", "f", "v").decode()
        assert tuple(map(int, b2.split("-"))) > (int(ms), int(seq))
        # a last ID in the future: * increments the sequence
        cmd(r, "XADD", "t", "99999999999999-5", "f", "v")
        assert cmd(r, "XADD", "t", "*", "f", "v") == b"99999999999999-6"

    def test_partial_ids(self, r):
        assert cmd(r, "XADD", "s", "5-*", "f", "v") == b"5-0"
        assert cmd(r, "XADD", "s", "5-*", "f", "v") == b"5-1"
        assert cmd(r, "XADD", "s", "7-*", "f", "v") == b"7-0"
        assert err(r, "XADD", "s", "6-*", "f", "v") == SMALLER
        assert cmd(r, "XADD", "u", "0-*", "f", "v") == b"0-1"
        cmd(r, "XADD", "w", "3-18446744073709551615", "f", "v")
        # Redis 7.0 reports a sequence overflow of "ms-*" this way
        assert err(r, "XADD", "w", "3-*", "f", "v") == "ERR Elements are too large to be stored"
        assert cmd(r, "XADD", "w", "4-*", "f", "v") == b"4-0"

    def test_id_errors(self, r):
        cmd(r, "XADD", "s", "5-5", "f", "v")
        assert err(r, "XADD", "s", "5-5", "f", "v") == SMALLER
        assert err(r, "XADD", "s", "5-4", "f", "v") == SMALLER
        assert err(r, "XADD", "s", "4", "f", "v") == SMALLER
        assert err(r, "XADD", "s", "5", "f", "v") == SMALLER
        for bad in ("abc", "1-x", "-5", "5-", "-", "+", "18446744073709551616", "1-2-3",
                    "*-1", ""):
            assert err(r, "XADD", "s", bad, "f", "v") == BAD_ID, bad
        assert err(r, "XADD", "n", "0-0", "f", "v") == \
            "ERR The ID specified in XADD must be greater than 0-0"
        assert err(r, "XADD", "n", "0", "f", "v") == \
            "ERR The ID specified in XADD must be greater than 0-0"
        assert cmd(r, "EXISTS", "n") == 0

    def test_exhausted(self, r):
        assert cmd(r, "XADD", "s", MAX_ID, "f", "v") == MAX_ID.encode()
        assert err(r, "XADD", "s", "*", "f", "v") == EXHAUSTED
        assert err(r, "XADD", "s", "1-1", "f", "v") == EXHAUSTED
        assert err(r, "XADD", "s", "18446744073709551615-*", "f", "v") == EXHAUSTED
        cmd(r, "XADD", "t", "18446744073709551615-5", "f", "v")
        assert cmd(r, "XADD", "t", "*", "f", "v") == b"18446744073709551615-6"

    def test_arity(self, r):
        arity = "ERR wrong number of arguments for 'xadd' command"
        assert err(r, "XADD", "s", "*", "f") == arity
        assert err(r, "XADD", "s", "*", "f", "v", "g") == arity
        assert err(r, "XADD", "s", "1-1", "f") == arity
        assert err(r, "XADD", "s", "abc", "f") == arity
        assert err(r, "XADD", "s", "MAXLEN", "1", "*") == arity
        assert err(r, "XADD", "s", "*") == arity
        assert cmd(r, "EXISTS", "s") == 0

    def test_nomkstream(self, r):
        assert cmd(r, "XADD", "s", "NOMKSTREAM", "*", "f", "v") is None
        assert cmd(r, "EXISTS", "s") == 0
        cmd(r, "XADD", "s", "1-1", "f", "v")
        assert cmd(r, "XADD", "s", "nomkstream", "2-1", "f", "v") == b"2-1"

    def test_option_errors(self, r):
        cmd(r, "XADD", "s", "1-1", "f", "v")
        assert err(r, "XADD", "s", "MAXLEN", "-1", "*", "f", "v") == \
            "ERR The MAXLEN argument must be >= 0."
        assert err(r, "XADD", "s", "MAXLEN", "x", "*", "f", "v") == NOT_INT
        assert err(r, "XADD", "s", "MINID", "x", "*", "f", "v") == BAD_ID
        assert err(r, "XADD", "s", "MAXLEN", "1", "MINID", "1", "*", "f", "v") == \
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
        assert err(r, "XADD", "s", "LIMIT", "10", "*", "f", "v") == \
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
        assert err(r, "XADD", "s", "MAXLEN", "1", "LIMIT", "10", "*", "f", "v") == \
            "ERR syntax error, LIMIT cannot be used without the special ~ option"
        assert err(r, "XADD", "s", "MAXLEN", "=", "1", "LIMIT", "10", "*", "f", "v") == \
            "ERR syntax error, LIMIT cannot be used without the special ~ option"
        assert err(r, "XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "*", "f", "v") == \
            "ERR The LIMIT argument must be >= 0."
        assert err(r, "XADD", "s", "MAXLEN", "~", "1", "LIMIT", "x", "*", "f", "v") == NOT_INT
        assert cmd(r, "XLEN", "s") == 1

    def test_maxlen_exact(self, r):
        for i in range(1, 11):
            cmd(r, "XADD", "s", "MAXLEN", "5", "%d-1" % i, "f", i)
        assert cmd(r, "XLEN", "s") == 5
        assert ids(cmd(r, "XRANGE", "s", "-", "+")) == b("6-1", "7-1", "8-1", "9-1", "10-1")
        cmd(r, "XADD", "s", "MAXLEN", "=", "2", "11-1", "f", 1)
        assert ids(cmd(r, "XRANGE", "s", "-", "+")) == b("10-1", "11-1")
        cmd(r, "XADD", "s", "MAXLEN", "0", "12-1", "f", 1)
        assert cmd(r, "XLEN", "s") == 0
        assert cmd(r, "EXISTS", "s") == 1
        assert info(r, "s")[b"last-generated-id"] == b"12-1"

    def test_minid(self, r):
        for i in range(1, 11):
            cmd(r, "XADD", "s", "%d-1" % i, "f", i)
        cmd(r, "XADD", "s", "MINID", "8", "11-1", "f", 1)
        assert ids(cmd(r, "XRANGE", "s", "-", "+")) == b("8-1", "9-1", "10-1", "11-1")
        cmd(r, "XADD", "s", "MINID", "=", "10-1", "12-1", "f", 1)
        assert ids(cmd(r, "XRANGE", "s", "-", "+")) == b("10-1", "11-1", "12-1")

    def test_approx_trim(self, r):
        for i in range(1000):
            cmd(r, "XADD", "s", "MAXLEN", "~", "500", "*", "field", i)
        n = cmd(r, "XLEN", "s")
        assert 500 <= n < 1000
        # LIMIT bounds the work: nothing removed with a tiny limit
        assert cmd(r, "XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "1") == 0
        assert cmd(r, "XLEN", "s") == n
        # LIMIT 0 means no limit
        removed = cmd(r, "XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "0")
        assert removed > 0 and cmd(r, "XLEN", "s") >= 10
        n2 = cmd(r, "XLEN", "s")
        assert cmd(r, "XTRIM", "s", "MAXLEN", "10") == n2 - 10
        assert cmd(r, "XLEN", "s") == 10

    def test_same_and_varying_fields(self, r):
        cmd(r, "XADD", "s", "1", "a", "1", "b", "2")
        cmd(r, "XADD", "s", "2", "a", "3", "b", "4")
        cmd(r, "XADD", "s", "3", "a", "5")
        cmd(r, "XADD", "s", "4", "b", "6", "a", "7")
        cmd(r, "XADD", "s", "5", "", "", "a", "")
        cmd(r, "XADD", "s", "6", "a", "1", "a", "2")
        assert cmd(r, "XRANGE", "s", "-", "+") == [
            entry("1-0", "a", "1", "b", "2"), entry("2-0", "a", "3", "b", "4"),
            entry("3-0", "a", "5"), entry("4-0", "b", "6", "a", "7"),
            entry("5-0", "", "", "a", ""), entry("6-0", "a", "1", "a", "2")]

    def test_binary_and_big_values(self, r):
        big = b"x" * 100000
        bin_ = bytes(range(256))
        cmd(r, "XADD", "s", "1", bin_, big, "k", bin_)
        assert cmd(r, "XRANGE", "s", "-", "+") == [[b"1-0", [bin_, big, b"k", bin_]]]

    def test_wrongtype(self, r):
        cmd(r, "SET", "str", "x")
        assert err(r, "XADD", "str", "*", "f", "v") == WRONGTYPE
        assert err(r, "XADD", "str", "NOMKSTREAM", "*", "f", "v") == WRONGTYPE


# ---------------------------------------------------------------- XRANGE


class TestXrange:
    def test_ranges(self, r, s3):
        assert ids(cmd(r, "XRANGE", "s", "-", "+")) == b("1-1", "2-1", "3-1")
        assert ids(cmd(r, "XRANGE", "s", "2", "+")) == b("2-1", "3-1")
        assert ids(cmd(r, "XRANGE", "s", "-", "2")) == b("1-1", "2-1")
        assert ids(cmd(r, "XRANGE", "s", "2-1", "2-1")) == b("2-1")
        assert ids(cmd(r, "XRANGE", "s", "2-2", "3-0")) == []
        assert cmd(r, "XRANGE", "s", "3", "1") == []
        assert ids(cmd(r, "XREVRANGE", "s", "+", "-")) == b("3-1", "2-1", "1-1")
        assert ids(cmd(r, "XREVRANGE", "s", "2", "-")) == b("2-1", "1-1")
        assert cmd(r, "XREVRANGE", "s", "1", "3") == []

    def test_exclusive(self, r, s3):
        assert ids(cmd(r, "XRANGE", "s", "(1-1", "+")) == b("2-1", "3-1")
        assert ids(cmd(r, "XRANGE", "s", "-", "(3-1")) == b("1-1", "2-1")
        assert ids(cmd(r, "XRANGE", "s", "(1-1", "(3-1")) == b("2-1")
        assert ids(cmd(r, "XREVRANGE", "s", "(3-1", "(1-1")) == b("2-1")
        assert ids(cmd(r, "XRANGE", "s", "(1", "+")) == b("1-1", "2-1", "3-1")
        assert ids(cmd(r, "XRANGE", "s", "(0-18446744073709551615", "+")) == \
            b("1-1", "2-1", "3-1")
        assert err(r, "XRANGE", "s", "(" + MAX_ID, "+") == \
            "ERR invalid start ID for the interval"
        assert err(r, "XRANGE", "s", "-", "(0-0") == "ERR invalid end ID for the interval"
        assert err(r, "XREVRANGE", "s", "(0-0", "-") == "ERR invalid end ID for the interval"
        assert err(r, "XRANGE", "s", "(-", "+") == BAD_ID
        assert err(r, "XRANGE", "s", "-", "(+") == BAD_ID

    def test_count(self, r, s3):
        assert ids(cmd(r, "XRANGE", "s", "-", "+", "COUNT", 2)) == b("1-1", "2-1")
        assert ids(cmd(r, "XREVRANGE", "s", "+", "-", "count", 1)) == b("3-1")
        # Redis 7.0 replies a null array for COUNT <= 0 on an existing stream
        assert cmd(r, "XRANGE", "s", "-", "+", "COUNT", 0) is None
        assert cmd(r, "XRANGE", "s", "-", "+", "COUNT", -1) is None
        assert cmd(r, "XREVRANGE", "s", "+", "-", "COUNT", 0) is None
        assert cmd(r, "XRANGE", "nokey", "-", "+", "COUNT", 0) == []
        assert len(cmd(r, "XRANGE", "s", "-", "+", "COUNT", 100)) == 3
        assert err(r, "XRANGE", "s", "-", "+", "COUNT", "x") == NOT_INT
        assert err(r, "XRANGE", "s", "-", "+", "COUNT") == SYNTAX
        assert err(r, "XRANGE", "s", "-", "+", "foo", "1") == SYNTAX

    def test_errors_and_missing(self, r, s3):
        assert err(r, "XRANGE", "s", "x", "+") == BAD_ID
        assert err(r, "XRANGE", "s", "-", "1-x") == BAD_ID
        assert err(r, "XRANGE", "nokey", "x", "+") == BAD_ID
        assert cmd(r, "XRANGE", "nokey", "-", "+") == []
        assert cmd(r, "XREVRANGE", "nokey", "+", "-") == []
        cmd(r, "SET", "str", "x")
        assert err(r, "XRANGE", "str", "-", "+") == WRONGTYPE
        assert err(r, "XREVRANGE", "str", "+", "-") == WRONGTYPE

    def test_large_stream(self, r):
        n = 5000
        p = r.pipeline(transaction=False)
        for i in range(n):
            fields = {"f": i} if i % 5 else {"f": i, "g": "x" * (i % 50)}
            p.xadd("big", fields, id="%d-%d" % (1 + i // 7, i % 7))
        p.execute()
        assert cmd(r, "XLEN", "big") == n
        all_ = cmd(r, "XRANGE", "big", "-", "+")
        assert len(all_) == n
        assert [int(e[1][1]) for e in all_] == list(range(n))
        rev = cmd(r, "XREVRANGE", "big", "+", "-")
        assert rev == all_[::-1]
        # paging through with exclusive ranges, both ways
        got, start = [], "-"
        while True:
            page = cmd(r, "XRANGE", "big", start, "+", "COUNT", 333)
            if not page:
                break
            got += page
            start = "(" + page[-1][0].decode()
        assert got == all_
        got, end = [], "+"
        while True:
            page = cmd(r, "XREVRANGE", "big", end, "-", "COUNT", 777)
            if not page:
                break
            got += page
            end = "(" + page[-1][0].decode()
        assert got == rev
        assert ids(cmd(r, "XRANGE", "big", "100", "101")) == ids(all_[693:707])
        # delete every third entry, trim, check again
        dels = [e[0] for e in all_[::3]]
        assert cmd(r, "XDEL", "big", *dels) == len(dels)
        kept = [e for i, e in enumerate(all_) if i % 3]
        assert cmd(r, "XRANGE", "big", "-", "+") == kept
        assert cmd(r, "XREVRANGE", "big", "+", "-", "COUNT", 10) == kept[::-1][:10]
        assert cmd(r, "XTRIM", "big", "MAXLEN", 1000) == len(kept) - 1000
        assert cmd(r, "XRANGE", "big", "-", "+") == kept[-1000:]


# ---------------------------------------------------------------- XLEN XDEL XTRIM


class TestXdelXtrim:
    def test_xlen(self, r, s3):
        assert cmd(r, "XLEN", "s") == 3
        assert cmd(r, "XLEN", "nokey") == 0
        cmd(r, "SET", "str", "x")
        assert err(r, "XLEN", "str") == WRONGTYPE

    def test_xdel(self, r, s3):
        assert cmd(r, "XDEL", "s", "2-1", "9-9") == 1
        assert cmd(r, "XDEL", "s", "2-1") == 0
        assert ids(cmd(r, "XRANGE", "s", "-", "+")) == b("1-1", "3-1")
        assert err(r, "XDEL", "s", "1-1", "x") == BAD_ID
        assert cmd(r, "XLEN", "s") == 2
        assert cmd(r, "XDEL", "nokey", "1") == 0
        assert cmd(r, "XDEL", "nokey", "x", "+") == 0  # the key is looked up first
        assert err(r, "XDEL", "s", "+") == BAD_ID
        assert cmd(r, "XDEL", "s", "1-1", "3-1") == 2
        # an emptied stream stays, keeping its last ID
        assert cmd(r, "EXISTS", "s") == 1
        assert cmd(r, "XLEN", "s") == 0
        i = info(r, "s")
        assert i[b"last-generated-id"] == b"3-1"
        assert i[b"max-deleted-entry-id"] == b"3-1"
        assert i[b"recorded-first-entry-id"] == b"0-0"
        assert i[b"first-entry"] is None and i[b"last-entry"] is None
        assert err(r, "XADD", "s", "3-1", "f", "v") == SMALLER
        cmd(r, "SET", "str", "x")
        assert err(r, "XDEL", "str", "1") == WRONGTYPE
        assert err(r, "XDEL", "s") == "ERR wrong number of arguments for 'xdel' command"

    def test_xtrim(self, r):
        for i in range(1, 11):
            cmd(r, "XADD", "s", "%d-1" % i, "f", i)
        assert cmd(r, "XTRIM", "s", "MAXLEN", 8) == 2
        assert cmd(r, "XTRIM", "s", "MAXLEN", "=", 8) == 0
        assert cmd(r, "XTRIM", "s", "MINID", "5") == 2
        assert cmd(r, "XTRIM", "s", "minid", "~", "5") == 0
        assert ids(cmd(r, "XRANGE", "s", "-", "+")) == b(*["%d-1" % i for i in range(5, 11)])
        assert cmd(r, "XTRIM", "nokey", "MAXLEN", 1) == 0
        assert info(r, "s")[b"recorded-first-entry-id"] == b"5-1"

    def test_xtrim_errors(self, r, s3):
        arity = "ERR wrong number of arguments for 'xtrim' command"
        assert err(r, "XTRIM", "s") == arity
        assert err(r, "XTRIM", "s", "MAXLEN") == arity
        assert err(r, "XTRIM", "s", "foo", "1") == SYNTAX
        assert err(r, "XTRIM", "s", "MAXLEN", "1", "extra") == SYNTAX
        assert err(r, "XTRIM", "s", "MAXLEN", "1", "LIMIT", "1") == \
            "ERR syntax error, LIMIT cannot be used without the special ~ option"
        assert err(r, "XTRIM", "s", "MAXLEN", "-1") == "ERR The MAXLEN argument must be >= 0."
        assert err(r, "XTRIM", "s", "MINID", "x") == BAD_ID
        assert err(r, "XTRIM", "s", "MAXLEN", "1", "MINID", "1") == \
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
        assert cmd(r, "XLEN", "s") == 3
        cmd(r, "SET", "str", "x")
        assert err(r, "XTRIM", "str", "MAXLEN", 1) == WRONGTYPE


# ---------------------------------------------------------------- XREAD


class TestXread:
    def test_basic(self, r, s3):
        assert cmd(r, "XREAD", "STREAMS", "s", "0") == [
            [b"s", [entry("1-1", "a", 1), entry("2-1", "b", 2), entry("3-1", "c", 3)]]]
        assert cmd(r, "XREAD", "COUNT", 1, "STREAMS", "s", "1-1") == [
            [b"s", [entry("2-1", "b", 2)]]]
        assert cmd(r, "XREAD", "STREAMS", "s", "3-1") is None
        assert cmd(r, "XREAD", "STREAMS", "s", "$") is None
        assert cmd(r, "XREAD", "STREAMS", "nokey", "0") is None
        assert cmd(r, "XREAD", "COUNT", 0, "STREAMS", "s", "2") == [
            [b"s", [entry("2-1", "b", 2), entry("3-1", "c", 3)]]]
        assert cmd(r, "XREAD", "COUNT", -5, "STREAMS", "s", "2-1") == [
            [b"s", [entry("3-1", "c", 3)]]]

    def test_multiple_streams(self, r, s3):
        cmd(r, "XADD", "t", "5-0", "x", "y")
        assert cmd(r, "XREAD", "STREAMS", "s", "nokey", "t", "2-1", "0", "0") == [
            [b"s", [entry("3-1", "c", 3)]], [b"t", [entry("5-0", "x", "y")]]]
        assert cmd(r, "XREAD", "STREAMS", "s", "t", "3-1", "0") == [
            [b"t", [entry("5-0", "x", "y")]]]

    def test_deleted_tail(self, r, s3):
        cmd(r, "XDEL", "s", "3-1")
        assert cmd(r, "XREAD", "STREAMS", "s", "2-1") is None

    def test_block_with_data(self, r, s3):
        # data is there: BLOCK returns at once
        start = time.time()
        assert cmd(r, "XREAD", "BLOCK", 0, "STREAMS", "s", "2-1") == [
            [b"s", [entry("3-1", "c", 3)]]]
        assert cmd(r, "XREAD", "BLOCK", 10000, "COUNT", 1, "STREAMS", "s", "0") == [
            [b"s", [entry("1-1", "a", 1)]]]
        assert time.time() - start < 5

    def test_block_times_out(self, r, s3):
        # nothing to serve: a short BLOCK ends with a null reply
        assert cmd(r, "XREAD", "BLOCK", 10, "STREAMS", "s", "$") is None
        assert cmd(r, "XREAD", "BLOCK", 10, "STREAMS", "nokey", "$") is None
        cmd(r, "XGROUP", "CREATE", "s", "g", "$")
        assert cmd(r, "XREADGROUP", "GROUP", "g", "c", "BLOCK", 10, "STREAMS", "s", ">") is None

    def test_errors(self, r, s3):
        arity = "ERR wrong number of arguments for 'xread' command"
        assert err(r, "XREAD") == arity
        assert err(r, "XREAD", "STREAMS") == arity
        assert err(r, "XREAD", "STREAMS", "s") == arity
        assert err(r, "XREAD", "STREAMS", "s", "0", "1") == \
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must " \
            "be specified."
        assert err(r, "XREAD", "BLOCK", "-1", "STREAMS", "s", "0") == "ERR timeout is negative"
        assert err(r, "XREAD", "BLOCK", "x", "STREAMS", "s", "0") == \
            "ERR timeout is not an integer or out of range"
        assert err(r, "XREAD", "COUNT", "x", "STREAMS", "s", "0") == NOT_INT
        for bad in ("x", "+", "-"):
            assert err(r, "XREAD", "STREAMS", "s", bad) == BAD_ID
        assert err(r, "XREAD", "STREAMS", "s", ">") == \
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP " \
            "<group> <consumer> option."
        assert err(r, "XREAD", "FOO", "STREAMS", "s", "0") == SYNTAX
        assert err(r, "XREAD", "GROUP", "g", "c", "STREAMS", "s", "0") == \
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
        assert err(r, "XREAD", "NOACK", "STREAMS", "s", "0") == \
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
        cmd(r, "SET", "str", "x")
        assert err(r, "XREAD", "STREAMS", "s", "str", "0", "0") == WRONGTYPE

    def test_getkeys(self, r):
        assert cmd(r, "COMMAND", "GETKEYS", "XREAD", "COUNT", 1, "STREAMS", "a", "b", "0",
                   "0") == [b"a", b"b"]
        assert cmd(r, "COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "BLOCK", 5,
                   "NOACK", "STREAMS", "k", ">") == [b"k"]

    def test_resp3_shapes(self, raw):
        raw.call("XADD", "s", "1-1", "a", "1")
        raw.call("XADD", "t", "2-1", "b", "2")
        assert raw.call("XREAD", "STREAMS", "s", "9") == NULL_ARRAY
        assert raw.call("XRANGE", "s", "-", "+") == [[b"1-1", [b"a", b"1"]]]
        raw.call("HELLO", 3)
        got = raw.call("XREAD", "STREAMS", "s", "t", "0", "0")
        assert isinstance(got, Map)
        assert got == {b"s": [[b"1-1", [b"a", b"1"]]], b"t": [[b"2-1", [b"b", b"2"]]]}
        assert raw.call("XREAD", "STREAMS", "s", "9") == NULL3
        assert raw.call("XADD", "n", "NOMKSTREAM", "*", "a", "1") == NULL3


# ---------------------------------------------------------------- XGROUP


class TestXgroup:
    def test_create(self, r, s3):
        assert cmd(r, "XGROUP", "CREATE", "s", "g", "$") == b"OK"
        assert err(r, "XGROUP", "CREATE", "s", "g", "0") == \
            "BUSYGROUP Consumer Group name already exists"
        assert cmd(r, "XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", 1) == b"OK"
        assert cmd(r, "XGROUP", "CREATE", "s", "G3", "2-1") == b"OK"
        gs = groups(r, "s")
        assert [g[b"name"] for g in gs] == [b"G3", b"g", b"g2"]
        by = {g[b"name"]: g for g in gs}
        assert by[b"g"][b"last-delivered-id"] == b"3-1"
        assert by[b"g"][b"entries-read"] is None and by[b"g"][b"lag"] == 0
        assert by[b"g2"][b"entries-read"] == 1 and by[b"g2"][b"lag"] == 2
        assert by[b"G3"][b"entries-read"] is None and by[b"G3"][b"lag"] is None
        assert by[b"G3"][b"consumers"] == 0 and by[b"G3"][b"pending"] == 0

    def test_create_errors(self, r, s3):
        assert err(r, "XGROUP", "CREATE", "nokey", "g", "$") == NOKEY_XGROUP
        assert err(r, "XGROUP", "CREATE", "s", "g", "x") == BAD_ID
        assert err(r, "XGROUP", "CREATE", "s", "g", "+") == BAD_ID
        assert err(r, "XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "-2") == \
            "ERR value for ENTRIESREAD must be positive or -1"
        assert err(r, "XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "x") == NOT_INT
        assert err(r, "XGROUP", "CREATE", "s", "g", "0", "foo") == \
            "ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."
        assert err(r, "XGROUP", "CREATE", "s", "g") == \
            "ERR wrong number of arguments for 'xgroup|create' command"
        assert err(r, "XGROUP", "FOO", "s") == "ERR unknown subcommand 'FOO'. Try XGROUP HELP."
        assert err(r, "XGROUP") == "ERR wrong number of arguments for 'xgroup' command"
        cmd(r, "SET", "str", "x")
        assert err(r, "XGROUP", "CREATE", "str", "g", "$") == WRONGTYPE
        assert err(r, "XGROUP", "CREATE", "str", "g", "$", "MKSTREAM") == WRONGTYPE
        assert groups(r, "s") == []

    def test_mkstream(self, r):
        assert cmd(r, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM") == b"OK"
        assert cmd(r, "TYPE", "s") == b"stream"
        assert cmd(r, "XLEN", "s") == 0
        g = groups(r, "s")[0]
        assert g[b"last-delivered-id"] == b"0-0"
        assert g[b"lag"] == 0
        assert cmd(r, "XGROUP", "CREATE", "s", "g2", "$", "MKSTREAM", "ENTRIESREAD", 0) == b"OK"

    def test_setid(self, r, s3):
        cmd(r, "XGROUP", "CREATE", "s", "g", "0")
        assert cmd(r, "XGROUP", "SETID", "s", "g", "2-1") == b"OK"
        assert groups(r, "s")[0][b"last-delivered-id"] == b"2-1"
        assert cmd(r, "XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", 3) == b"OK"
        g = groups(r, "s")[0]
        assert g[b"last-delivered-id"] == b"3-1" and g[b"entries-read"] == 3
        assert g[b"lag"] == 0
        assert cmd(r, "XGROUP", "SETID", "s", "g", "0") == b"OK"
        assert groups(r, "s")[0][b"entries-read"] is None
        assert err(r, "XGROUP", "SETID", "s", "nog", "0") == \
            "NOGROUP No such consumer group 'nog' for key name 's'"
        assert err(r, "XGROUP", "SETID", "nokey", "g", "0") == NOKEY_XGROUP
        assert err(r, "XGROUP", "SETID", "s", "g", "x") == BAD_ID
        assert err(r, "XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD") == \
            "ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP."
        assert err(r, "XGROUP", "SETID", "s", "g", "0", "FOO", "1") == \
            "ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP."

    def test_consumers_and_destroy(self, r, s3):
        cmd(r, "XGROUP", "CREATE", "s", "g", "0")
        assert cmd(r, "XGROUP", "CREATECONSUMER", "s", "g", "alice") == 1
        assert cmd(r, "XGROUP", "CREATECONSUMER", "s", "g", "alice") == 0
        assert err(r, "XGROUP", "CREATECONSUMER", "s", "nog", "alice") == \
            "NOGROUP No such consumer group 'nog' for key name 's'"
        assert err(r, "XGROUP", "CREATECONSUMER", "nokey", "g", "alice") == NOKEY_XGROUP
        cmd(r, "XREADGROUP", "GROUP", "g", "bob", "COUNT", 2, "STREAMS", "s", ">")
        assert [c[b"name"] for c in consumers(r, "s", "g")] == [b"alice", b"bob"]
        assert cmd(r, "XGROUP", "DELCONSUMER", "s", "g", "nobody") == 0
        assert cmd(r, "XGROUP", "DELCONSUMER", "s", "g", "bob") == 2
        assert cmd(r, "XPENDING", "s", "g")[0] == 0
        assert cmd(r, "XGROUP", "DELCONSUMER", "s", "g", "alice") == 0
        assert consumers(r, "s", "g") == []
        assert err(r, "XGROUP", "DELCONSUMER", "s", "nog", "x") == \
            "NOGROUP No such consumer group 'nog' for key name 's'"
        assert cmd(r, "XGROUP", "DESTROY", "s", "g") == 1
        assert cmd(r, "XGROUP", "DESTROY", "s", "g") == 0
        assert err(r, "XGROUP", "DESTROY", "nokey", "g") == NOKEY_XGROUP
        assert groups(r, "s") == []

    def test_help(self, r):
        lines = cmd(r, "XGROUP", "HELP")
        assert lines[0].startswith(b"XGROUP <subcommand>")
        assert any(l.startswith(b"CREATECONSUMER") for l in lines)
        lines = cmd(r, "XINFO", "HELP")
        assert lines[0].startswith(b"XINFO <subcommand>")
        assert err(r, "XINFO", "HELP", "x") == \
            "ERR wrong number of arguments for 'xinfo|help' command"


# ---------------------------------------------------------------- XREADGROUP


class TestXreadgroup:
    def test_flow(self, r, s3):
        cmd(r, "XGROUP", "CREATE", "s", "g", "0")
        got = cmd(r, "XREADGROUP", "GROUP", "g", "alice", "COUNT", 2, "STREAMS", "s", ">")
        assert got == [[b"s", [entry("1-1", "a", 1), entry("2-1", "b", 2)]]]
        got = cmd(r, "XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
        assert got == [[b"s", [entry("3-1", "c", 3)]]]
        assert cmd(r, "XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">") is None
        g = groups(r, "s")[0]
        assert g[b"last-delivered-id"] == b"3-1"
        assert g[b"entries-read"] == 3 and g[b"lag"] == 0
        assert g[b"pending"] == 3 and g[b"consumers"] == 2
        pend = cmd(r, "XPENDING", "s", "g")
        assert pend == [3, b"1-1", b"3-1", [[b"alice", b"2"], [b"bob", b"1"]]]
        cmd(r, "XADD", "s", "4-1", "d", 4)
        g = groups(r, "s")[0]
        assert g[b"lag"] == 1
        # history: alice's own pending entries
        got = cmd(r, "XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
        assert got == [[b"s", [entry("1-1", "a", 1), entry("2-1", "b", 2)]]]
        got = cmd(r, "XREADGROUP", "GROUP", "g", "alice", "COUNT", 1, "STREAMS", "s", "1-1")
        assert got == [[b"s", [entry("2-1", "b", 2)]]]
        ext = cmd(r, "XPENDING", "s", "g", "-", "+", 10, "alice")
        assert [(e[0], e[1], e[3]) for e in ext] == [(b"1-1", b"alice", 2), (b"2-1", b"alice", 3)]
        assert cmd(r, "XACK", "s", "g", "1-1", "2-1", "9-9") == 2
        got = cmd(r, "XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
        assert got == [[b"s", []]]

    def test_history_with_deleted(self, r, s3):
        cmd(r, "XGROUP", "CREATE", "s", "g", "0")
        cmd(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
        cmd(r, "XDEL", "s", "2-1")
        got = cmd(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0")
        assert got == [[b"s", [entry("1-1", "a", 1), [b"2-1", None], entry("3-1", "c", 3)]]]
        ext = cmd(r, "XPENDING", "s", "g", "-", "+", 10)
        assert [(e[0], e[3]) for e in ext] == [(b"1-1", 2), (b"2-1", 1), (b"3-1", 2)]

    def test_noack(self, r, s3):
        cmd(r, "XGROUP", "CREATE", "s", "g", "0")
        got = cmd(r, "XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "s", ">")
        assert len(got[0][1]) == 3
        assert cmd(r, "XPENDING", "s", "g")[0] == 0
        assert groups(r, "s")[0][b"last-delivered-id"] == b"3-1"
        assert consumers(r, "s", "g")[0][b"pending"] == 0

    def test_redelivery_to_other_consumer(self, r, s3):
        cmd(r, "XGROUP", "CREATE", "s", "g", "0")
        cmd(r, "XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
        cmd(r, "XGROUP", "SETID", "s", "g", "0")
        cmd(r, "XREADGROUP", "GROUP", "g", "b", "COUNT", 1, "STREAMS", "s", ">")
        ext = cmd(r, "XPENDING", "s", "g", "-", "+", 10)
        assert [(e[0], e[1], e[3]) for e in ext] == [
            (b"1-1", b"b", 1), (b"2-1", b"a", 1), (b"3-1", b"a", 1)]

    def test_multiple_streams(self, r, s3):
        cmd(r, "XADD", "t", "9-9", "z", "z")
        cmd(r, "XGROUP", "CREATE", "s", "g", "$")
        cmd(r, "XGROUP", "CREATE", "t", "g", "0")
        got = cmd(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">", ">")
        assert got == [[b"t", [entry("9-9", "z", "z")]]]
        got = cmd(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", "0", "0")
        assert got == [[b"s", []], [b"t", [entry("9-9", "z", "z")]]]

    def test_block_with_data(self, r, s3):
        cmd(r, "XGROUP", "CREATE", "s", "g", "0")
        got = cmd(r, "XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "COUNT", 1,
                  "STREAMS", "s", ">")
        assert got == [[b"s", [entry("1-1", "a", 1)]]]

    def test_consumer_created_on_read(self, r, s3):
        cmd(r, "XGROUP", "CREATE", "s", "g", "$")
        # nothing to serve: no consumer is created
        assert cmd(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">") is None
        assert consumers(r, "s", "g") == []
        cmd(r, "XADD", "s", "4-1", "d", 4)
        cmd(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
        assert [c[b"name"] for c in consumers(r, "s", "g")] == [b"c"]
        # history reads create the consumer too
        assert cmd(r, "XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", "0") == [[b"s", []]]
        assert [c[b"name"] for c in consumers(r, "s", "g")] == [b"c", b"d"]

    def test_errors(self, r, s3):
        arity = "ERR wrong number of arguments for 'xreadgroup' command"
        assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s") == arity
        assert err(r, "XREADGROUP", "STREAMS", "s", "0") == arity
        assert err(r, "XREADGROUP", "COUNT", "1", "STREAMS", "s", "t", "0", "0") == \
            "ERR Missing GROUP option for XREADGROUP"
        assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">") == \
            "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"
        assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">") == \
            "NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option"
        cmd(r, "XGROUP", "CREATE", "s", "g", "0")
        assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$") == \
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the " \
            "history of this consumer by specifying a proper ID, or use the > ID to get new " \
            "messages. The $ ID would just return an empty result set."
        assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "x") == BAD_ID
        assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "s", ">") == \
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must " \
            "be specified."
        cmd(r, "SET", "str", "x")
        assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">") == WRONGTYPE

    def test_resp3(self, raw):
        raw.call("XADD", "s", "1-1", "a", "1")
        raw.call("XGROUP", "CREATE", "s", "g", "0")
        raw.call("HELLO", 3)
        got = raw.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
        assert isinstance(got, Map)
        assert got == {b"s": [[b"1-1", [b"a", b"1"]]]}
        assert raw.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">") == NULL3
        raw.call("XDEL", "s", "1-1")
        assert raw.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0") == \
            {b"s": [[b"1-1", NULL3]]}


# ---------------------------------------------------------------- XACK XPENDING


@pytest.fixture
def pel(r, s3):
    cmd(r, "XGROUP", "CREATE", "s", "g", "0")
    cmd(r, "XREADGROUP", "GROUP", "g", "alice", "COUNT", 2, "STREAMS", "s", ">")
    cmd(r, "XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")


class TestXackXpending:
    def test_xack(self, r, pel):
        assert cmd(r, "XACK", "s", "g", "1-1") == 1
        assert cmd(r, "XACK", "s", "g", "1-1") == 0
        assert cmd(r, "XACK", "s", "nog", "2-1") == 0
        assert cmd(r, "XACK", "nokey", "g", "2-1") == 0
        assert cmd(r, "XACK", "s", "nog", "x") == 0
        assert err(r, "XACK", "s", "g", "2-1", "x") == BAD_ID
        assert cmd(r, "XPENDING", "s", "g")[0] == 2
        assert cmd(r, "XACK", "s", "g", "2-1", "3-1") == 2
        assert cmd(r, "XPENDING", "s", "g") == [0, None, None, None]
        cmd(r, "SET", "str", "x")
        assert err(r, "XACK", "str", "g", "1") == WRONGTYPE

    def test_summary_and_extended(self, r, pel):
        assert cmd(r, "XPENDING", "s", "g") == [3, b"1-1", b"3-1",
                                                [[b"alice", b"2"], [b"bob", b"1"]]]
        ext = cmd(r, "XPENDING", "s", "g", "-", "+", 10)
        assert [(e[0], e[1], e[3]) for e in ext] == [
            (b"1-1", b"alice", 1), (b"2-1", b"alice", 1), (b"3-1", b"bob", 1)]
        assert all(isinstance(e[2], int) and e[2] >= 0 for e in ext)
        assert ids(cmd(r, "XPENDING", "s", "g", "(1-1", "+", 10)) == b("2-1", "3-1")
        assert ids(cmd(r, "XPENDING", "s", "g", "-", "(3-1", 10)) == b("1-1", "2-1")
        assert ids(cmd(r, "XPENDING", "s", "g", "-", "+", 1)) == b("1-1")
        assert cmd(r, "XPENDING", "s", "g", "-", "+", 0) == []
        assert cmd(r, "XPENDING", "s", "g", "-", "+", -1) == []
        assert ids(cmd(r, "XPENDING", "s", "g", "-", "+", 10, "bob")) == b("3-1")
        assert cmd(r, "XPENDING", "s", "g", "-", "+", 10, "nobody") == []
        assert ids(cmd(r, "XPENDING", "s", "g", "IDLE", 0, "-", "+", 10)) == \
            b("1-1", "2-1", "3-1")
        assert cmd(r, "XPENDING", "s", "g", "IDLE", 100000, "-", "+", 10) == []
        time.sleep(0.05)
        assert ids(cmd(r, "XPENDING", "s", "g", "IDLE", 20, "-", "+", 10, "alice")) == \
            b("1-1", "2-1")

    def test_errors(self, r, pel):
        assert err(r, "XPENDING", "s", "g", "-") == SYNTAX
        assert err(r, "XPENDING", "s", "g", "-", "+") == SYNTAX
        assert err(r, "XPENDING", "s", "g", "-", "+", "x") == NOT_INT
        assert err(r, "XPENDING", "s", "g", "IDLE", "1", "-", "+") == SYNTAX
        assert err(r, "XPENDING", "s", "g", "IDLE", "x", "-", "+", "1") == NOT_INT
        assert err(r, "XPENDING", "s", "g", "x", "+", "1") == BAD_ID
        assert err(r, "XPENDING", "s", "g", "(" + MAX_ID, "+", "1") == \
            "ERR invalid start ID for the interval"
        assert err(r, "XPENDING", "s", "nog") == "NOGROUP No such key 's' or consumer group 'nog'"
        assert err(r, "XPENDING", "nokey", "g") == \
            "NOGROUP No such key 'nokey' or consumer group 'g'"
        cmd(r, "SET", "str", "x")
        assert err(r, "XPENDING", "str", "g") == WRONGTYPE

    def test_resp3(self, raw):
        raw.call("XADD", "s", "1-1", "a", "1")
        raw.call("XGROUP", "CREATE", "s", "g", "0")
        raw.call("HELLO", 3)
        assert raw.call("XPENDING", "s", "g") == [0, NULL3, NULL3, NULL3]
        raw.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
        assert raw.call("XPENDING", "s", "g") == [1, b"1-1", b"1-1", [[b"c", b"1"]]]


# ---------------------------------------------------------------- XCLAIM XAUTOCLAIM


class TestXclaim:
    def test_claim(self, r, pel):
        got = cmd(r, "XCLAIM", "s", "g", "carol", 0, "1-1", "3-1")
        assert got == [entry("1-1", "a", 1), entry("3-1", "c", 3)]
        ext = cmd(r, "XPENDING", "s", "g", "-", "+", 10)
        assert [(e[0], e[1], e[3]) for e in ext] == [
            (b"1-1", b"carol", 2), (b"2-1", b"alice", 1), (b"3-1", b"carol", 2)]
        assert [(c[b"name"], c[b"pending"]) for c in consumers(r, "s", "g")] == [
            (b"alice", 1), (b"bob", 0), (b"carol", 2)]

    def test_min_idle(self, r, pel):
        assert cmd(r, "XCLAIM", "s", "g", "carol", 100000, "1-1") == []
        assert [c[b"name"] for c in consumers(r, "s", "g")] == [b"alice", b"bob"]
        time.sleep(0.05)
        assert ids(cmd(r, "XCLAIM", "s", "g", "carol", 20, "1-1", "2-1")) == b("1-1", "2-1")

    def test_options(self, r, pel):
        got = cmd(r, "XCLAIM", "s", "g", "carol", 0, "1-1", "JUSTID")
        assert got == [b"1-1"]
        ext = cmd(r, "XPENDING", "s", "g", "-", "+", 1)
        assert ext[0][3] == 1  # JUSTID does not count a delivery
        cmd(r, "XCLAIM", "s", "g", "carol", 0, "1-1", "RETRYCOUNT", 7, "IDLE", 500000)
        ext = cmd(r, "XPENDING", "s", "g", "-", "+", 1)
        assert ext[0][3] == 7 and ext[0][2] >= 500000
        ms = int(time.time() * 1000) - 300000
        cmd(r, "XCLAIM", "s", "g", "dave", 0, "2-1", "TIME", ms, "JUSTID")
        ext = cmd(r, "XPENDING", "s", "g", "2-1", "2-1", 1)
        assert ext[0][1] == b"dave" and 299000 <= ext[0][2] < 400000
        # LASTID moves the group's last ID forward only
        cmd(r, "XCLAIM", "s", "g", "carol", 0, "1-1", "LASTID", "5-0", "JUSTID")
        assert groups(r, "s")[0][b"last-delivered-id"] == b"5-0"
        cmd(r, "XCLAIM", "s", "g", "carol", 0, "1-1", "LASTID", "1-0", "JUSTID")
        assert groups(r, "s")[0][b"last-delivered-id"] == b"5-0"

    def test_force(self, r, s3):
        cmd(r, "XGROUP", "CREATE", "s", "g", "$")
        assert cmd(r, "XCLAIM", "s", "g", "c", 0, "2-1") == []
        assert cmd(r, "XCLAIM", "s", "g", "c", 0, "2-1", "9-9", "FORCE") == \
            [entry("2-1", "b", 2)]
        assert cmd(r, "XPENDING", "s", "g") == [1, b"2-1", b"2-1", [[b"c", b"1"]]]
        assert cmd(r, "XCLAIM", "s", "g", "d", 0, "1-1", "FORCE", "JUSTID") == [b"1-1"]
        ext = cmd(r, "XPENDING", "s", "g", "1-1", "1-1", 1)
        assert ext[0][1] == b"d" and ext[0][3] == 1

    def test_deleted_entries(self, r, pel):
        cmd(r, "XDEL", "s", "2-1")
        assert cmd(r, "XCLAIM", "s", "g", "carol", 0, "1-1", "2-1") == [entry("1-1", "a", 1)]
        assert ids(cmd(r, "XPENDING", "s", "g", "-", "+", 10)) == b("1-1", "3-1")

    def test_errors(self, r, pel):
        assert err(r, "XCLAIM", "s", "nog", "c", 0, "1-1") == \
            "NOGROUP No such key 's' or consumer group 'nog'"
        assert err(r, "XCLAIM", "nokey", "g", "c", 0, "1-1") == \
            "NOGROUP No such key 'nokey' or consumer group 'g'"
        assert err(r, "XCLAIM", "s", "g", "c", "x", "1-1") == \
            "ERR Invalid min-idle-time argument for XCLAIM"
        assert err(r, "XCLAIM", "s", "g", "c", 0, "1-1", "foo") == \
            "ERR Unrecognized XCLAIM option 'foo'"
        assert err(r, "XCLAIM", "s", "g", "c", 0, "1-1", "IDLE", "x") == \
            "ERR Invalid IDLE option argument for XCLAIM"
        assert err(r, "XCLAIM", "s", "g", "c", 0, "1-1", "TIME", "x") == \
            "ERR Invalid TIME option argument for XCLAIM"
        assert err(r, "XCLAIM", "s", "g", "c", 0, "1-1", "RETRYCOUNT", "x") == \
            "ERR Invalid RETRYCOUNT option argument for XCLAIM"
        assert err(r, "XCLAIM", "s", "g", "c", 0, "1-1", "LASTID", "x") == BAD_ID
        assert err(r, "XCLAIM", "s", "g", "c", 0, "1-1", "IDLE") == \
            "ERR Unrecognized XCLAIM option 'IDLE'"
        cmd(r, "SET", "str", "x")
        assert err(r, "XCLAIM", "str", "g", "c", 0, "1-1") == WRONGTYPE
        # nothing was claimed by the failed calls
        assert [c[b"name"] for c in consumers(r, "s", "g")] == [b"alice", b"bob"]


class TestXautoclaim:
    def test_autoclaim(self, r, pel):
        got = cmd(r, "XAUTOCLAIM", "s", "g", "carol", 0, "0", "COUNT", 2)
        assert got == [b"3-1", [entry("1-1", "a", 1), entry("2-1", "b", 2)], []]
        got = cmd(r, "XAUTOCLAIM", "s", "g", "carol", 0, "3-1")
        assert got == [b"0-0", [entry("3-1", "c", 3)], []]
        assert [(c[b"name"], c[b"pending"]) for c in consumers(r, "s", "g")] == [
            (b"alice", 0), (b"bob", 0), (b"carol", 3)]
        got = cmd(r, "XAUTOCLAIM", "s", "g", "dave", 0, "(1-1", "JUSTID")
        assert got == [b"0-0", [b"2-1", b"3-1"], []]
        ext = cmd(r, "XPENDING", "s", "g", "-", "+", 10)
        assert [(e[1], e[3]) for e in ext] == [(b"carol", 2), (b"dave", 2), (b"dave", 2)]

    def test_min_idle(self, r, pel):
        assert cmd(r, "XAUTOCLAIM", "s", "g", "carol", 100000, "0") == [b"0-0", [], []]
        assert [c[b"name"] for c in consumers(r, "s", "g")] == [b"alice", b"bob"]

    def test_deleted(self, r, pel):
        cmd(r, "XDEL", "s", "1-1", "3-1")
        got = cmd(r, "XAUTOCLAIM", "s", "g", "carol", 0, "-")
        assert got == [b"0-0", [entry("2-1", "b", 2)], [b"1-1", b"3-1"]]
        assert cmd(r, "XPENDING", "s", "g")[0] == 1
        # deleted entries count against COUNT
        cmd(r, "XADD", "s", "4-1", "d", 4)
        cmd(r, "XREADGROUP", "GROUP", "g", "x", "STREAMS", "s", ">")
        cmd(r, "XDEL", "s", "2-1")
        got = cmd(r, "XAUTOCLAIM", "s", "g", "carol", 0, "-", "COUNT", 1)
        assert got == [b"4-1", [], [b"2-1"]]

    def test_errors(self, r, pel):
        assert err(r, "XAUTOCLAIM", "s", "g", "c", "x", "0") == \
            "ERR Invalid min-idle-time argument for XAUTOCLAIM"
        assert err(r, "XAUTOCLAIM", "s", "g", "c", 0, "x") == BAD_ID
        assert err(r, "XAUTOCLAIM", "s", "g", "c", 0, "0", "COUNT", 0) == \
            "ERR COUNT must be > 0"
        assert err(r, "XAUTOCLAIM", "s", "g", "c", 0, "0", "COUNT", "x") == \
            "ERR COUNT must be > 0"
        assert err(r, "XAUTOCLAIM", "s", "g", "c", 0, "0", "foo") == SYNTAX
        assert err(r, "XAUTOCLAIM", "s", "nog", "c", 0, "0") == \
            "NOGROUP No such key 's' or consumer group 'nog'"
        assert err(r, "XAUTOCLAIM", "s", "g", "c", 0, "(" + MAX_ID) == \
            "ERR invalid start ID for the interval"
        cmd(r, "SET", "str", "x")
        assert err(r, "XAUTOCLAIM", "str", "g", "c", 0, "0") == WRONGTYPE

    def test_resp3(self, raw):
        raw.call("XADD", "s", "1-1", "a", "1")
        raw.call("XGROUP", "CREATE", "s", "g", "0")
        raw.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
        raw.call("HELLO", 3)
        assert raw.call("XAUTOCLAIM", "s", "g", "d", 0, "0") == \
            [b"0-0", [[b"1-1", [b"a", b"1"]]], []]
        assert raw.call("XCLAIM", "s", "g", "e", 0, "1-1", "JUSTID") == [b"1-1"]


# ---------------------------------------------------------------- XINFO XSETID


class TestXinfo:
    def test_stream(self, r, s3):
        cmd(r, "XGROUP", "CREATE", "s", "g", "0")
        i = info(r, "s")
        assert list(i.keys()) == [
            b"length", b"radix-tree-keys", b"radix-tree-nodes", b"last-generated-id",
            b"max-deleted-entry-id", b"entries-added", b"recorded-first-entry-id", b"groups",
            b"first-entry", b"last-entry"]
        assert i[b"length"] == 3 and i[b"groups"] == 1
        assert i[b"last-generated-id"] == b"3-1"
        assert i[b"max-deleted-entry-id"] == b"0-0"
        assert i[b"entries-added"] == 3
        assert i[b"recorded-first-entry-id"] == b"1-1"
        assert i[b"first-entry"] == entry("1-1", "a", 1)
        assert i[b"last-entry"] == entry("3-1", "c", 3)
        cmd(r, "XDEL", "s", "1-1")
        i = info(r, "s")
        assert i[b"recorded-first-entry-id"] == b"2-1"
        assert i[b"max-deleted-entry-id"] == b"1-1"
        assert i[b"entries-added"] == 3 and i[b"length"] == 2

    def test_full(self, r, pel):
        full = cmd(r, "XINFO", "STREAM", "s", "FULL")
        f = dict(zip(full[::2], full[1::2]))
        assert list(f.keys()) == [
            b"length", b"radix-tree-keys", b"radix-tree-nodes", b"last-generated-id",
            b"max-deleted-entry-id", b"entries-added", b"recorded-first-entry-id", b"entries",
            b"groups"]
        assert ids(f[b"entries"]) == b("1-1", "2-1", "3-1")
        g = dict(zip(f[b"groups"][0][::2], f[b"groups"][0][1::2]))
        assert list(g.keys()) == [b"name", b"last-delivered-id", b"entries-read", b"lag",
                                  b"pel-count", b"pending", b"consumers"]
        assert g[b"pel-count"] == 3 and g[b"entries-read"] == 3 and g[b"lag"] == 0
        assert [(p[0], p[1], p[3]) for p in g[b"pending"]] == [
            (b"1-1", b"alice", 1), (b"2-1", b"alice", 1), (b"3-1", b"bob", 1)]
        now = int(time.time() * 1000)
        assert all(abs(p[2] - now) < 60000 for p in g[b"pending"])
        cs = [dict(zip(c[::2], c[1::2])) for c in g[b"consumers"]]
        assert [list(c.keys()) for c in cs] == [[b"name", b"seen-time", b"pel-count",
                                                 b"pending"]] * 2
        assert [(c[b"name"], c[b"pel-count"]) for c in cs] == [(b"alice", 2), (b"bob", 1)]
        assert [(p[0], p[2]) for p in cs[0][b"pending"]] == [(b"1-1", 1), (b"2-1", 1)]
        full = cmd(r, "XINFO", "STREAM", "s", "FULL", "COUNT", 1)
        f = dict(zip(full[::2], full[1::2]))
        assert ids(f[b"entries"]) == b("1-1")
        g = dict(zip(f[b"groups"][0][::2], f[b"groups"][0][1::2]))
        assert len(g[b"pending"]) == 1
        full = cmd(r, "XINFO", "STREAM", "s", "FULL", "COUNT", 0)
        f = dict(zip(full[::2], full[1::2]))
        assert len(f[b"entries"]) == 3

    def test_consumers(self, r, pel):
        cs = consumers(r, "s", "g")
        assert [list(c.keys()) for c in cs] == [[b"name", b"pending", b"idle"]] * 2
        assert [(c[b"name"], c[b"pending"]) for c in cs] == [(b"alice", 2), (b"bob", 1)]
        assert all(0 <= c[b"idle"] < 60000 for c in cs)

    def test_errors(self, r, s3):
        sub = "ERR unknown subcommand or wrong number of arguments for '%s'. Try XINFO HELP."
        assert err(r, "XINFO", "STREAM", "nokey") == "ERR no such key"
        assert err(r, "XINFO", "GROUPS", "nokey") == "ERR no such key"
        assert err(r, "XINFO", "CONSUMERS", "nokey", "g") == "ERR no such key"
        assert err(r, "XINFO", "CONSUMERS", "s", "nog") == \
            "NOGROUP No such consumer group 'nog' for key name 's'"
        assert err(r, "XINFO", "STREAM", "s", "foo") == sub % "STREAM"
        assert err(r, "XINFO", "STREAM", "s", "FULL", "COUNT") == sub % "STREAM"
        assert err(r, "XINFO", "STREAM", "s", "FULL", "foo", "1") == sub % "STREAM"
        assert err(r, "XINFO", "STREAM", "s", "FULL", "COUNT", "x") == NOT_INT
        assert err(r, "XINFO", "GROUPS", "s", "x") == \
            "ERR wrong number of arguments for 'xinfo|groups' command"
        assert err(r, "XINFO", "FOO", "s") == "ERR unknown subcommand 'FOO'. Try XINFO HELP."
        cmd(r, "SET", "str", "x")
        assert err(r, "XINFO", "STREAM", "str") == WRONGTYPE
        assert err(r, "XINFO", "STREAM", "str", "FULL", "COUNT", "x") == WRONGTYPE
        assert err(r, "XINFO", "STREAM", "nokey", "foo") == "ERR no such key"
        assert err(r, "XINFO", "GROUPS", "str") == WRONGTYPE

    def test_lag_and_entries_read(self, r):
        for i in range(1, 6):
            cmd(r, "XADD", "s", "%d-0" % i, "f", i)
        cmd(r, "XGROUP", "CREATE", "s", "g", "0")
        g = groups(r, "s")[0]
        assert g[b"entries-read"] is None and g[b"lag"] == 5
        cmd(r, "XREADGROUP", "GROUP", "g", "c", "COUNT", 2, "STREAMS", "s", ">")
        g = groups(r, "s")[0]
        assert g[b"entries-read"] == 2 and g[b"lag"] == 3
        # a deletion ahead of the group makes the lag unknown
        cmd(r, "XDEL", "s", "4-0")
        g = groups(r, "s")[0]
        assert g[b"entries-read"] == 2 and g[b"lag"] is None
        cmd(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
        g = groups(r, "s")[0]
        assert g[b"entries-read"] == 5 and g[b"lag"] == 0
        cmd(r, "XADD", "s", "6-0", "f", 6)
        assert groups(r, "s")[0][b"lag"] == 1
        # a deletion behind the group does not matter
        cmd(r, "XDEL", "s", "1-0")
        assert groups(r, "s")[0][b"lag"] == 1
        cmd(r, "XGROUP", "CREATE", "s", "h", "$")
        h = groups(r, "s")[1]
        assert h[b"entries-read"] is None and h[b"lag"] == 0

    def test_lag_deletions_before_first_entry(self, r):
        for i in range(1, 6):
            cmd(r, "XADD", "s", "%d-0" % i, "f", i)
        cmd(r, "XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", 0)
        cmd(r, "XDEL", "s", "1-0")
        # the only deletion lies before the first entry: the counter stays valid
        g = groups(r, "s")[0]
        assert g[b"entries-read"] == 0 and g[b"lag"] == 5
        cmd(r, "XDEL", "s", "3-0")
        assert groups(r, "s")[0][b"lag"] is None
        cmd(r, "XTRIM", "s", "MINID", "4")
        g = groups(r, "s")[0]
        assert g[b"lag"] == 5 and info(r, "s")[b"recorded-first-entry-id"] == b"4-0"

    def test_resp3(self, raw):
        raw.call("XADD", "s", "1-1", "a", "1")
        raw.call("XGROUP", "CREATE", "s", "g", "0")
        raw.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
        raw.call("HELLO", 3)
        i = raw.call("XINFO", "STREAM", "s")
        assert isinstance(i, Map)
        assert i[b"first-entry"] == [b"1-1", [b"a", b"1"]]
        assert i[b"length"] == 1
        gs = raw.call("XINFO", "GROUPS", "s")
        assert isinstance(gs[0], Map) and gs[0][b"entries-read"] == 1
        cs = raw.call("XINFO", "CONSUMERS", "s", "g")
        assert isinstance(cs[0], Map) and cs[0][b"pending"] == 1
        full = raw.call("XINFO", "STREAM", "s", "FULL")
        assert isinstance(full, Map) and isinstance(full[b"groups"][0], Map)
        assert isinstance(full[b"groups"][0][b"consumers"][0], Map)
        raw.call("XDEL", "s", "1-1")
        i = raw.call("XINFO", "STREAM", "s")
        assert i[b"first-entry"] == NULL3 and i[b"last-entry"] == NULL3
        raw.call("HELLO", 2)
        i = raw.call("XINFO", "STREAM", "s")
        assert i[-1] == NULL_BULK


class TestXsetid:
    def test_setid(self, r, s3):
        assert cmd(r, "XSETID", "s", "5-0") == b"OK"
        assert info(r, "s")[b"last-generated-id"] == b"5-0"
        assert err(r, "XADD", "s", "4-0", "f", "v") == SMALLER
        assert cmd(r, "XSETID", "s", "3-1") == b"OK"  # down to the last entry
        assert err(r, "XSETID", "s", "3-0") == \
            "ERR The ID specified in XSETID is smaller than the target stream top item"
        assert cmd(r, "XSETID", "s", "9-0", "ENTRIESADDED", 10, "MAXDELETEDID", "8-0") == b"OK"
        i = info(r, "s")
        assert i[b"entries-added"] == 10 and i[b"max-deleted-entry-id"] == b"8-0"
        assert err(r, "XSETID", "s", "9-0", "ENTRIESADDED", 2) == \
            "ERR The entries_added specified in XSETID is smaller than the target stream length"
        assert err(r, "XSETID", "s", "9-0", "ENTRIESADDED", -1) == \
            "ERR entries_added must be positive"
        assert err(r, "XSETID", "s", "9-0", "MAXDELETEDID", "10-0") == \
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
        assert err(r, "XSETID", "s", "x") == BAD_ID
        assert err(r, "XSETID", "s", "9-0", "FOO") == SYNTAX
        assert err(r, "XSETID", "nokey", "1-1") == "ERR no such key"
        cmd(r, "SET", "str", "x")
        assert err(r, "XSETID", "str", "1-1") == WRONGTYPE

    def test_empty_stream(self, r):
        cmd(r, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        assert cmd(r, "XSETID", "s", "0-1") == b"OK"
        assert cmd(r, "XADD", "s", "*", "f", "v") != b"0-1"
        assert err(r, "XADD", "s", "0-1", "f", "v") == SMALLER


# ---------------------------------------------------------------- generic key commands


class TestKeyspace:
    def test_type_encoding_scan(self, r, s3):
        assert cmd(r, "TYPE", "s") == b"stream"
        assert cmd(r, "OBJECT", "ENCODING", "s") == b"stream"
        cmd(r, "SET", "str", "x")
        assert cmd(r, "SCAN", 0, "TYPE", "stream", "COUNT", 100) == [b"0", [b"s"]]

    def test_copy_rename_move(self, r, pel):
        assert cmd(r, "COPY", "s", "c") == 1
        cmd(r, "XADD", "s", "9-9", "z", "z")
        cmd(r, "XACK", "s", "g", "1-1")
        assert ids(cmd(r, "XRANGE", "c", "-", "+")) == b("1-1", "2-1", "3-1")
        assert cmd(r, "XPENDING", "c", "g")[0] == 3
        assert [c[b"name"] for c in consumers(r, "c", "g")] == [b"alice", b"bob"]
        assert info(r, "c")[b"entries-added"] == 3
        assert cmd(r, "RENAME", "c", "d") == b"OK"
        assert cmd(r, "XLEN", "d") == 3
        assert cmd(r, "MOVE", "d", 1) == 1
        assert cmd(r, "EXISTS", "d") == 0
        cmd(r, "SELECT", 1)
        try:
            assert cmd(r, "XLEN", "d") == 3
            assert cmd(r, "XPENDING", "d", "g")[0] == 3
        finally:
            cmd(r, "FLUSHDB")
            cmd(r, "SELECT", 0)

    def test_expire(self, r, s3):
        cmd(r, "PEXPIRE", "s", 100)
        from util import wait_for
        wait_for(lambda: cmd(r, "EXISTS", "s") == 0, message="stream expired")
        assert cmd(r, "XLEN", "s") == 0

    def test_command_info(self, r):
        info_ = cmd(r, "COMMAND", "INFO", "xadd", "xread", "xgroup")
        assert info_[0][0] == b"xadd" and info_[0][1] == -5
        assert info_[1][0] == b"xread" and info_[1][1] == -4
        assert b"@stream" in info_[0][6]
        docs = cmd(r, "COMMAND", "DOCS", "xadd")
        assert docs[0] == b"xadd"


# ---------------------------------------------------------------- randomized model


class Model:
    def __init__(self):
        self.entries = []  # (ms, seq, fields)
        self.last = (0, 0)

    def add(self, eid, fields):
        self.entries.append((eid, fields))
        self.last = eid

    def range(self, lo, hi):
        return [e for e in self.entries if lo <= e[0] <= hi]


def fmt(eid):
    return "%d-%d" % eid


@pytest.fixture
def small_nodes(r):
    old = cmd(r, "CONFIG", "GET", "stream-node-max-*")
    cmd(r, "CONFIG", "SET", "stream-node-max-entries", 3, "stream-node-max-bytes", 0)
    yield
    cmd(r, "CONFIG", "SET", *old)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_against_model(r, seed):
    _random_model(r, seed)


def test_random_small_nodes(r, small_nodes):
    _random_model(r, 4)


def test_groups_with_small_nodes(r, small_nodes):
    p = r.pipeline(transaction=False)
    for i in range(1, 301):
        p.execute_command("XADD", "s", "%d-0" % i, "f", i)
    p.execute()
    cmd(r, "XGROUP", "CREATE", "s", "g", "0")
    got = cmd(r, "XREADGROUP", "GROUP", "g", "a", "COUNT", 250, "STREAMS", "s", ">")
    assert len(got[0][1]) == 250
    # acknowledge every other one, delete some entries, claim the rest
    assert cmd(r, "XACK", "s", "g", *["%d-0" % i for i in range(1, 251, 2)]) == 125
    assert cmd(r, "XDEL", "s", *["%d-0" % i for i in range(2, 60, 4)]) == 15
    got = cmd(r, "XAUTOCLAIM", "s", "g", "b", 0, "0", "COUNT", 1000000000)
    assert got[0] == b"0-0"
    assert len(got[1]) == 110 and len(got[2]) == 15
    assert cmd(r, "XPENDING", "s", "g")[0] == 110
    i = groups(r, "s")[0]
    assert i[b"entries-read"] == 250 and i[b"lag"] == 50
    got = cmd(r, "XREADGROUP", "GROUP", "g", "b", "COUNT", 5, "STREAMS", "s", "100")
    assert ids(got[0][1]) == b("102-0", "104-0", "106-0", "108-0", "110-0")
    assert ids(cmd(r, "XREVRANGE", "s", "+", "-", "COUNT", 3)) == b("300-0", "299-0", "298-0")
    full = cmd(r, "XINFO", "STREAM", "s", "FULL", "COUNT", 0)
    f = dict(zip(full[::2], full[1::2]))
    assert len(f[b"entries"]) == 285


def _random_model(r, seed):
    rnd = random.Random(seed)
    m = Model()
    names = ["a", "b", "c", "long-field-name"]
    for step in range(1500):
        op = rnd.random()
        if op < 0.55:
            ms = m.last[0] + rnd.choice([0, 0, 1, 2, 50])
            seq = m.last[1] + 1 if ms == m.last[0] else rnd.choice([0, 1, 7])
            fields = [(rnd.choice(names[:2]) if rnd.random() < 0.8 else rnd.choice(names),
                       str(rnd.randint(0, 10 ** rnd.randint(0, 12))))
                      for _ in range(rnd.choice([1, 2, 2, 3]))]
            if rnd.random() < 0.7:
                fields = [("a", fields[0][1]), ("b", fields[-1][1])]
            args = [x for fv in fields for x in fv]
            assert cmd(r, "XADD", "s", fmt((ms, seq)), *args) == fmt((ms, seq)).encode()
            m.add((ms, seq), fields)
        elif op < 0.7 and m.entries:
            victims = [rnd.choice(m.entries)[0] for _ in range(rnd.randint(1, 4))]
            victims.append((m.last[0] + 5, 0))
            n = cmd(r, "XDEL", "s", *[fmt(v) for v in victims])
            vs = set(victims)
            before = len(m.entries)
            m.entries = [e for e in m.entries if e[0] not in vs]
            assert n == before - len(m.entries)
        elif op < 0.75:
            keep = rnd.randint(0, len(m.entries) + 5)
            n = cmd(r, "XTRIM", "s", "MAXLEN", keep)
            drop = max(0, len(m.entries) - keep)
            assert n == drop
            m.entries = m.entries[drop:]
        elif op < 0.8 and m.entries:
            minid = rnd.choice(m.entries)[0]
            n = cmd(r, "XTRIM", "s", "MINID", fmt(minid))
            kept = [e for e in m.entries if e[0] >= minid]
            assert n == len(m.entries) - len(kept)
            m.entries = kept
        else:
            if not m.entries:
                assert cmd(r, "XRANGE", "s", "-", "+") == []
                continue
            a, b2 = sorted([rnd.choice(m.entries)[0], rnd.choice(m.entries)[0]])
            if rnd.random() < 0.3:
                a = (a[0], 0)
            count = rnd.choice([None, 1, 5, 1000])
            want = m.range(a, b2)
            extra = [] if count is None else ["COUNT", count]
            got = cmd(r, "XRANGE", "s", fmt(a), fmt(b2), *extra)
            exp = want if count is None else want[:count]
            assert got == [[fmt(e[0]).encode(), b(*[x for fv in e[1] for x in fv])]
                           for e in exp]
            got = cmd(r, "XREVRANGE", "s", fmt(b2), fmt(a), *extra)
            exp = want[::-1] if count is None else want[::-1][:count]
            assert ids(got) == [fmt(e[0]).encode() for e in exp]
        if step % 100 == 0:
            assert cmd(r, "XLEN", "s") == len(m.entries)
    assert cmd(r, "XLEN", "s") == len(m.entries)
    assert ids(cmd(r, "XRANGE", "s", "-", "+")) == [fmt(e[0]).encode() for e in m.entries]
