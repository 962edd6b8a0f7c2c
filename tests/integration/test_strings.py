"""String commands: GET SET (options) SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET
MSETNX APPEND STRLEN GETRANGE SUBSTR SETRANGE INCR* DECR* LCS, string encodings."""

import time

import pytest
from redis import ResponseError

from util import cmd, err

NOT_INT = "ERR value is not an integer or out of range"
OVERFLOW = "ERR increment or decrement would overflow"
NOT_FLOAT = "ERR value is not a valid float"
SYNTAX = "ERR syntax error"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def make_non_string(r, key):
    """Create a key of some non-string type; skip if the server has none yet."""
    for args in (("RPUSH", key, "a"), ("SADD", key, "a"), ("HSET", key, "f", "v"),
                 ("ZADD", key, "1", "a")):
        try:
            r.execute_command(*args)
            return
        except ResponseError as e:
            if "unknown command" in str(e):
                continue
            raise
    pytest.skip("server has no non-string data type yet")


class TestGetSet:
    def test_set_get(self, r):
        assert cmd(r, "SET", "k", "v") == b"OK"
        assert r.get("k") == b"v"
        assert r.get("missing") is None

    def test_set_overwrites(self, r):
        r.set("k", "v1")
        r.set("k", "v2")
        assert r.get("k") == b"v2"

    def test_set_ex(self, r):
        assert cmd(r, "SET", "k", "v", "EX", "100") == b"OK"
        assert 99 <= r.ttl("k") <= 100
        assert 98000 < r.pttl("k") <= 100000

    def test_set_px(self, r):
        cmd(r, "SET", "k", "v", "PX", "100000")
        assert 99000 < r.pttl("k") <= 100000

    def test_set_exat_pxat(self, r):
        now = int(time.time())
        cmd(r, "SET", "k", "v", "EXAT", now + 100)
        assert 98 <= r.ttl("k") <= 100
        assert cmd(r, "EXPIRETIME", "k") == now + 100
        ms = int(time.time() * 1000) + 100000
        cmd(r, "SET", "k2", "v", "PXAT", ms)
        assert cmd(r, "PEXPIRETIME", "k2") == ms

    def test_set_exat_in_past_deletes(self, r):
        r.set("k", "old")
        assert cmd(r, "SET", "k", "v", "EXAT", "1") == b"OK"
        assert r.exists("k") == 0
        assert cmd(r, "SET", "k", "v", "PXAT", "1") == b"OK"
        assert r.get("k") is None

    def test_set_nx(self, r):
        assert cmd(r, "SET", "k", "v", "NX") == b"OK"
        assert cmd(r, "SET", "k", "v2", "NX") is None
        assert r.get("k") == b"v"

    def test_set_xx(self, r):
        assert cmd(r, "SET", "k", "v", "XX") is None
        assert r.exists("k") == 0
        r.set("k", "v")
        assert cmd(r, "SET", "k", "v2", "XX") == b"OK"
        assert r.get("k") == b"v2"

    def test_set_get_option(self, r):
        assert cmd(r, "SET", "k", "v1", "GET") is None
        assert cmd(r, "SET", "k", "v2", "GET") == b"v1"
        assert r.get("k") == b"v2"

    def test_set_nx_get(self, r):
        # Redis 7.0 allows NX together with GET
        assert cmd(r, "SET", "k", "v1", "NX", "GET") is None
        assert r.get("k") == b"v1"
        assert cmd(r, "SET", "k", "v2", "NX", "GET") == b"v1"
        assert r.get("k") == b"v1"

    def test_set_xx_get(self, r):
        assert cmd(r, "SET", "k", "v1", "XX", "GET") is None
        assert r.exists("k") == 0
        r.set("k", "a")
        assert cmd(r, "SET", "k", "b", "XX", "GET") == b"a"
        assert r.get("k") == b"b"

    def test_set_get_wrongtype(self, r):
        make_non_string(r, "nk")
        assert err(r, "SET", "nk", "x", "GET") == WRONGTYPE
        assert r.type("nk") != b"string"
        # plain SET overwrites any type
        assert cmd(r, "SET", "nk", "x") == b"OK"
        assert r.get("nk") == b"x"

    def test_set_clears_ttl(self, r):
        r.set("k", "v", ex=100)
        r.set("k", "v2")
        assert r.ttl("k") == -1

    def test_set_keepttl(self, r):
        r.set("k", "v", ex=100)
        assert cmd(r, "SET", "k", "v2", "KEEPTTL") == b"OK"
        assert 98 <= r.ttl("k") <= 100
        assert r.get("k") == b"v2"

    def test_set_options_case_insensitive(self, r):
        assert cmd(r, "set", "k", "v", "ex", "100", "nx") == b"OK"
        assert r.ttl("k") > 0
        assert cmd(r, "set", "k", "v2", "xx", "get", "keepttl") == b"v"

    @pytest.mark.parametrize("args", [
        ("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-100"), ("EXAT", "0"),
        ("PXAT", "0"), ("EXAT", "-1"), ("EX", "9223372036854775807"),
        ("PX", "9223372036854775807"), ("EX", "9999999999999999"),
    ])
    def test_set_invalid_expire(self, r, args):
        assert err(r, "SET", "k", "v", *args) == "ERR invalid expire time in 'set' command"
        assert r.exists("k") == 0

    @pytest.mark.parametrize("args", [("EX", "abc"), ("PX", "1.5"), ("EX", "1.5"), ("EXAT", "x")])
    def test_set_expire_not_integer(self, r, args):
        assert err(r, "SET", "k", "v", *args) == NOT_INT

    @pytest.mark.parametrize("args", [
        ("EX", "10", "PX", "100"), ("EX", "10", "KEEPTTL"), ("KEEPTTL", "PX", "10"),
        ("NX", "XX"), ("XX", "NX"), ("FOO",), ("EX",), ("PX",), ("EX", "10", "EXAT", "99999999999"),
        ("PXAT", "99999999999999", "EX", "10"), ("NX", "extra", "args"),
    ])
    def test_set_syntax_errors(self, r, args):
        assert err(r, "SET", "k", "v", *args) == SYNTAX
        assert r.exists("k") == 0

    def test_setnx(self, r):
        assert cmd(r, "SETNX", "k", "1") == 1
        assert cmd(r, "SETNX", "k", "2") == 0
        assert r.get("k") == b"1"

    def test_setex_psetex(self, r):
        assert cmd(r, "SETEX", "k", "100", "v") == b"OK"
        assert r.get("k") == b"v"
        assert 98 <= r.ttl("k") <= 100
        assert cmd(r, "PSETEX", "p", "100000", "v") == b"OK"
        assert 98000 < r.pttl("p") <= 100000

    @pytest.mark.parametrize("c,t", [("SETEX", "0"), ("SETEX", "-1"), ("PSETEX", "0"),
                                     ("PSETEX", "-5")])
    def test_setex_invalid(self, r, c, t):
        assert err(r, c, "k", t, "v") == "ERR invalid expire time in '%s' command" % c.lower()
        assert r.exists("k") == 0

    def test_setex_not_integer(self, r):
        assert err(r, "SETEX", "k", "abc", "v") == NOT_INT
        assert err(r, "PSETEX", "k", "1.5", "v") == NOT_INT

    def test_getset(self, r):
        assert r.getset("k", "a") is None
        assert r.getset("k", "b") == b"a"
        assert r.get("k") == b"b"

    def test_getset_clears_ttl(self, r):
        r.set("k", "v", ex=100)
        r.getset("k", "v2")
        assert r.ttl("k") == -1

    def test_getdel(self, r):
        r.set("k", "v")
        assert r.getdel("k") == b"v"
        assert r.exists("k") == 0
        assert r.getdel("k") is None

    def test_wrongtype_errors(self, r):
        make_non_string(r, "nk")
        for args in (("GET", "nk"), ("INCR", "nk"), ("APPEND", "nk", "x"), ("STRLEN", "nk"),
                     ("SETRANGE", "nk", "0", "x"), ("GETRANGE", "nk", "0", "1"),
                     ("GETDEL", "nk"), ("GETSET", "nk", "x"), ("GETEX", "nk"),
                     ("INCRBYFLOAT", "nk", "1"), ("DECRBY", "nk", "1")):
            assert err(r, *args) == WRONGTYPE, args
        # MGET returns nil for non-string values instead of failing
        r.set("s", "1")
        assert r.mget("s", "nk") == [b"1", None]
        assert err(r, "LCS", "s", "nk") == "ERR The specified keys must contain string values"


class TestGetEx:
    def test_getex_plain(self, r):
        r.set("k", "v", ex=100)
        assert cmd(r, "GETEX", "k") == b"v"
        assert r.ttl("k") > 90

    def test_getex_missing(self, r):
        assert cmd(r, "GETEX", "nokey", "EX", "10") is None
        assert r.exists("nokey") == 0

    def test_getex_ex_px(self, r):
        r.set("k", "v")
        assert cmd(r, "GETEX", "k", "EX", "100") == b"v"
        assert 98 <= r.ttl("k") <= 100
        assert cmd(r, "GETEX", "k", "PX", "50000") == b"v"
        assert 48000 < r.pttl("k") <= 50000

    def test_getex_exat_pxat(self, r):
        r.set("k", "v")
        at = int(time.time()) + 200
        assert cmd(r, "GETEX", "k", "EXAT", at) == b"v"
        assert cmd(r, "EXPIRETIME", "k") == at
        atms = int(time.time() * 1000) + 200000
        assert cmd(r, "GETEX", "k", "PXAT", atms) == b"v"
        assert cmd(r, "PEXPIRETIME", "k") == atms

    def test_getex_persist(self, r):
        r.set("k", "v", ex=100)
        assert cmd(r, "GETEX", "k", "PERSIST") == b"v"
        assert r.ttl("k") == -1

    def test_getex_past_deletes(self, r):
        r.set("k", "v")
        assert cmd(r, "GETEX", "k", "EXAT", "1") == b"v"
        assert r.exists("k") == 0

    @pytest.mark.parametrize("args", [("EX", "0"), ("EX", "-5"), ("PX", "0"), ("EXAT", "0"),
                                      ("PXAT", "-1")])
    def test_getex_invalid_expire(self, r, args):
        r.set("k", "v")
        assert err(r, "GETEX", "k", *args) == "ERR invalid expire time in 'getex' command"
        assert r.get("k") == b"v"
        assert r.ttl("k") == -1

    @pytest.mark.parametrize("args", [("EX", "10", "PX", "10"), ("PERSIST", "EX", "10"),
                                      ("EX", "10", "PERSIST"), ("FOO",), ("EX",)])
    def test_getex_syntax(self, r, args):
        r.set("k", "v")
        assert err(r, "GETEX", "k", *args) == SYNTAX


class TestMulti:
    def test_mset_mget(self, r):
        assert cmd(r, "MSET", "a", "1", "b", "2", "c", "3") == b"OK"
        assert r.mget("a", "b", "c", "nokey") == [b"1", b"2", b"3", None]

    def test_mset_duplicate_keys_last_wins(self, r):
        cmd(r, "MSET", "a", "1", "a", "2")
        assert r.get("a") == b"2"

    def test_mset_clears_ttl(self, r):
        r.set("a", "x", ex=100)
        cmd(r, "MSET", "a", "1")
        assert r.ttl("a") == -1

    def test_mset_wrong_args(self, r):
        assert err(r, "MSET", "a") == "ERR wrong number of arguments for 'mset' command"
        assert err(r, "MSET", "a", "1", "b") == "ERR wrong number of arguments for 'mset' command"
        assert r.exists("a") == 0

    def test_msetnx(self, r):
        assert cmd(r, "MSETNX", "a", "1", "b", "2") == 1
        assert cmd(r, "MSETNX", "a", "x", "d", "4") == 0
        assert r.exists("d") == 0
        assert r.get("a") == b"1"
        assert cmd(r, "MSETNX", "f", "1", "f", "2") == 1
        assert r.get("f") == b"2"

    def test_mget_many(self, r):
        keys = ["key:%d" % i for i in range(500)]
        r.mset({k: k.upper() for k in keys})
        vals = r.mget(keys + ["nope"])
        assert vals[:-1] == [k.upper().encode() for k in keys]
        assert vals[-1] is None


class TestAppendRange:
    def test_append(self, r):
        assert r.append("k", "hello") == 5
        assert r.append("k", " world") == 11
        assert r.get("k") == b"hello world"

    def test_append_keeps_ttl(self, r):
        r.set("k", "a", ex=100)
        r.append("k", "b")
        assert r.ttl("k") > 90

    def test_strlen(self, r):
        assert r.strlen("nokey") == 0
        r.set("k", "12345")
        assert r.strlen("k") == 5
        r.set("u", "\u00e9\u00e9")
        assert r.strlen("u") == 4

    def test_strlen_int_encoded(self, r):
        r.set("n", "-123456")
        assert r.strlen("n") == 7
        r.incr("c")
        assert r.strlen("c") == 1

    @pytest.mark.parametrize("start,end,expected", [
        (0, 3, b"This"), (-3, -1, b"ing"), (0, -1, b"This is a string"),
        (10, 100, b"string"), (5, 3, b""), (-1, -100, b""), (100, 200, b""),
        (0, 0, b"T"), (-100, 3, b"This"), (15, 15, b"g"),
    ])
    def test_getrange(self, r, start, end, expected):
        r.set("g", "This is a string")
        assert r.getrange("g", start, end) == expected
        assert cmd(r, "SUBSTR", "g", start, end) == expected

    def test_getrange_missing_and_int(self, r):
        assert r.getrange("nokey", 0, -1) == b""
        r.set("i", 12345)
        assert r.getrange("i", 1, 2) == b"23"
        assert r.getrange("i", -2, -1) == b"45"

    def test_getrange_not_integer(self, r):
        r.set("g", "abc")
        assert err(r, "GETRANGE", "g", "abc", "1") == NOT_INT
        assert err(r, "GETRANGE", "g", "0", "1.5") == NOT_INT

    def test_setrange_pads_with_zeros(self, r):
        assert r.setrange("k", 5, "abc") == 8
        assert r.get("k") == b"\x00\x00\x00\x00\x00abc"

    def test_setrange_overwrite_and_extend(self, r):
        r.set("k", "Hello World")
        assert r.setrange("k", 6, "Redis") == 11
        assert r.get("k") == b"Hello Redis"
        assert r.setrange("k", 9, "xxxxx") == 14
        assert r.get("k") == b"Hello Redxxxxx"

    def test_setrange_on_int(self, r):
        r.set("k", "12345")
        assert r.setrange("k", 1, "x") == 5
        assert r.get("k") == b"1x345"

    def test_setrange_empty_value(self, r):
        # on a missing key: nothing is created
        assert r.setrange("k", 10, "") == 0
        assert r.exists("k") == 0
        assert r.setrange("k", 0, "") == 0
        assert r.exists("k") == 0
        r.set("e", "abc")
        assert r.setrange("e", 100, "") == 3
        assert r.get("e") == b"abc"

    def test_setrange_offset_limits(self, r):
        assert err(r, "SETRANGE", "k", "-1", "abc") == "ERR offset is out of range"
        assert err(r, "SETRANGE", "k", "abc", "x") == NOT_INT
        # offset + length above proto-max-bulk-len (512mb)
        assert err(r, "SETRANGE", "k", "536870912", "a") == (
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        assert err(r, "SETRANGE", "k", "536870910", "abc") == (
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        assert r.exists("k") == 0
        # an empty value at a huge offset is fine and does not create the key
        assert r.setrange("k", 536870912, "") == 0
        assert r.exists("k") == 0

    def test_append_limit(self, server):
        srv = server("--proto-max-bulk-len", "1mb")
        c = srv.client()
        c.set("k", b"x" * (1024 * 1024 - 1))
        assert c.append("k", "y") == 1024 * 1024
        assert err(c, "APPEND", "k", "z") == (
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        assert c.strlen("k") == 1024 * 1024
        assert err(c, "SETRANGE", "k2", str(1024 * 1024), "a") == (
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)")


class TestIncrDecr:
    def test_incr_decr(self, r):
        assert r.incr("n") == 1
        assert r.incr("n") == 2
        assert r.decr("n") == 1
        assert r.decr("m") == -1
        assert r.incrby("n", 10) == 11
        assert r.decrby("n", 20) == -9
        assert cmd(r, "INCRBY", "n", "-1") == -10
        assert cmd(r, "DECRBY", "n", "-10") == 0
        assert r.get("n") == b"0"

    def test_incr_keeps_ttl(self, r):
        r.set("n", "1", ex=100)
        r.incr("n")
        assert r.ttl("n") > 90

    def test_incr_on_string_number(self, r):
        r.set("n", "41")
        assert r.incr("n") == 42
        r.set("n", "-9223372036854775807")
        assert r.decr("n") == -9223372036854775808

    @pytest.mark.parametrize("val", ["abc", " 10", "10 ", "10abc", "010", "+10", "1.5", "1e3",
                                     "", "9223372036854775808", "0x10", "-0"])
    def test_incr_not_integer(self, r, val):
        r.set("n", val)
        assert err(r, "INCR", "n") == NOT_INT
        assert r.get("n") == val.encode()

    def test_incr_overflow(self, r):
        r.set("n", "9223372036854775807")
        assert err(r, "INCR", "n") == OVERFLOW
        assert err(r, "INCRBY", "n", "1") == OVERFLOW
        r.set("n", "-9223372036854775808")
        assert err(r, "DECR", "n") == OVERFLOW
        assert err(r, "INCRBY", "n", "-1") == OVERFLOW
        assert r.get("n") == b"-9223372036854775808"

    def test_decrby_min_int(self, r):
        r.set("n", "10")
        assert err(r, "DECRBY", "n", "-9223372036854775808") == "ERR decrement would overflow"
        assert r.get("n") == b"10"

    def test_incrby_bad_increment(self, r):
        assert err(r, "INCRBY", "n", "abc") == NOT_INT
        assert err(r, "INCRBY", "n", "9223372036854775808") == NOT_INT
        assert err(r, "DECRBY", "n", "1.0") == NOT_INT
        assert r.exists("n") == 0

    def test_incrbyfloat(self, r):
        assert cmd(r, "INCRBYFLOAT", "f", "1.5") == b"1.5"
        assert cmd(r, "INCRBYFLOAT", "f", "1.5") == b"3"
        assert cmd(r, "INCRBYFLOAT", "f", "5.0e3") == b"5003"
        assert cmd(r, "INCRBYFLOAT", "f", "-5003") == b"0"
        assert cmd(r, "INCRBYFLOAT", "f", "1.23456789") == b"1.23456789"
        r.set("g", "10.50")
        assert cmd(r, "INCRBYFLOAT", "g", "0.1") == b"10.6"
        assert cmd(r, "INCRBYFLOAT", "g", "0.1") == b"10.7"
        assert r.get("g") == b"10.7"

    def test_incrbyfloat_on_int_and_exp(self, r):
        r.set("n", "1e3")
        assert cmd(r, "INCRBYFLOAT", "n", "1") == b"1001"
        r.set("i", "5")
        assert cmd(r, "INCRBYFLOAT", "i", "2") == b"7"
        r.set("h", "3.0e3")
        assert cmd(r, "INCRBYFLOAT", "h", "200") == b"3200"

    def test_incrbyfloat_errors(self, r):
        r.set("s", "abc")
        assert err(r, "INCRBYFLOAT", "s", "1") == NOT_FLOAT
        assert err(r, "INCRBYFLOAT", "f", "abc") == NOT_FLOAT
        assert err(r, "INCRBYFLOAT", "f", "nan") == NOT_FLOAT
        assert err(r, "INCRBYFLOAT", "f", "inf") == "ERR increment would produce NaN or Infinity"
        assert r.exists("f") == 0

    def test_incr_after_incrbyfloat_string(self, r):
        r.set("n", "1.5")
        assert err(r, "INCR", "n") == NOT_INT
        assert cmd(r, "INCRBYFLOAT", "n", "1.5") == b"3"
        assert r.incr("n") == 4

    def test_incrbyfloat_keeps_ttl(self, r):
        r.set("f", "1", ex=100)
        cmd(r, "INCRBYFLOAT", "f", "0.5")
        assert r.ttl("f") > 90


class TestLcs:
    @pytest.fixture
    def lcs(self, r):
        r.mset({"key1": "ohmytext", "key2": "mynewtext"})
        return r

    def test_lcs_string(self, lcs):
        assert cmd(lcs, "LCS", "key1", "key2") == b"mytext"

    def test_lcs_len(self, lcs):
        assert cmd(lcs, "LCS", "key1", "key2", "LEN") == 6

    def test_lcs_idx(self, lcs):
        assert cmd(lcs, "LCS", "key1", "key2", "IDX") == [
            b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]

    def test_lcs_minmatchlen(self, lcs):
        assert cmd(lcs, "LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4") == [
            b"matches", [[[4, 7], [5, 8]]], b"len", 6]
        assert cmd(lcs, "LCS", "key1", "key2", "MINMATCHLEN", "-5", "IDX") == [
            b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]

    def test_lcs_withmatchlen(self, lcs):
        assert cmd(lcs, "LCS", "key1", "key2", "IDX", "WITHMATCHLEN") == [
            b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], b"len", 6]
        assert cmd(lcs, "LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == [
            b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]

    def test_lcs_missing_keys(self, lcs):
        assert cmd(lcs, "LCS", "key1", "nokey") == b""
        assert cmd(lcs, "LCS", "no1", "no2", "LEN") == 0
        assert cmd(lcs, "LCS", "no1", "no2", "IDX") == [b"matches", [], b"len", 0]

    def test_lcs_same_and_disjoint(self, r):
        r.mset({"a": "abcdef", "b": "xyz"})
        assert cmd(r, "LCS", "a", "a") == b"abcdef"
        assert cmd(r, "LCS", "a", "b") == b""
        assert cmd(r, "LCS", "a", "b", "LEN") == 0

    def test_lcs_errors(self, lcs):
        assert err(lcs, "LCS", "key1", "key2", "LEN", "IDX") == (
            "ERR If you want both the length and indexes, please just use IDX.")
        assert err(lcs, "LCS", "key1", "key2", "FOO") == SYNTAX
        assert err(lcs, "LCS", "key1", "key2", "MINMATCHLEN") == SYNTAX
        assert err(lcs, "LCS", "key1", "key2", "MINMATCHLEN", "abc") == NOT_INT
        assert err(lcs, "LCS", "key1") == "ERR wrong number of arguments for 'lcs' command"


class TestEncoding:
    @pytest.mark.parametrize("value,enc", [
        ("123", b"int"), ("-123", b"int"), ("0", b"int"), ("9223372036854775807", b"int"),
        ("-9223372036854775808", b"int"), ("12345678901234567890", b"embstr"),
        ("00", b"embstr"), (" 1", b"embstr"), ("1.5", b"embstr"), ("hello", b"embstr"),
        ("a" * 44, b"embstr"), ("a" * 45, b"raw"), ("a" * 1000, b"raw"), ("", b"embstr"),
    ])
    def test_set_encodings(self, r, value, enc):
        r.set("k", value)
        assert cmd(r, "OBJECT", "ENCODING", "k") == enc

    def test_encoding_after_modification(self, r):
        r.incr("c")
        assert cmd(r, "OBJECT", "ENCODING", "c") == b"int"
        r.append("c", "x")
        assert cmd(r, "OBJECT", "ENCODING", "c") == b"raw"
        r.set("s", "abc")
        r.setrange("s", 1, "x")
        assert cmd(r, "OBJECT", "ENCODING", "s") == b"raw"
        r.set("i", "12345")
        r.append("i", "6")
        assert cmd(r, "OBJECT", "ENCODING", "i") == b"raw"
        assert r.get("i") == b"123456"
        cmd(r, "INCRBYFLOAT", "f", "1.5")
        assert cmd(r, "OBJECT", "ENCODING", "f") == b"embstr"

    def test_encoding_missing_key(self, r):
        assert cmd(r, "OBJECT", "ENCODING", "nokey") is None
