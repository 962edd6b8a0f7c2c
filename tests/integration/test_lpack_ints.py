"""Integer elements in compact encodings (core/lpack stores canonical integers in
binary): every command that hands elements out must give back the exact text,
including commands that keep several elements at once (HSCAN, GEO searches,
SORT, pops with a count) and non-canonical look-alikes that stay strings."""

import pytest

from util import cmd

# Width edges of the integer entry forms, and strings that look like integers
# but are not canonical (they must come back byte for byte).
EDGES = [b"0", b"55", b"56", b"-1", b"8191", b"8192", b"-8192", b"-8193",
         b"32767", b"32768", b"-32769", b"8388608", b"2147483648",
         b"-2147483649", b"549755813888", b"140737488355328",
         b"36028797018963968", b"9223372036854775807", b"-9223372036854775808"]
LOOKALIKES = [b"-0", b"01", b"+1", b"00", b" 1", b"1 ", b"9223372036854775808",
              b"-9223372036854775809", b"12345678901234567890", b"1e3", b"0x1"]
ALL = EDGES + LOOKALIKES


def encoding(r, key):
    return cmd(r, "OBJECT", "ENCODING", key)


class TestHash:
    def test_fields_and_values(self, r):
        for i, v in enumerate(ALL):
            cmd(r, "HSET", "h", v, ALL[-1 - i])
        assert encoding(r, "h") == b"listpack"
        for i, v in enumerate(ALL):
            assert cmd(r, "HGET", "h", v) == ALL[-1 - i]
            assert cmd(r, "HSTRLEN", "h", v) == len(ALL[-1 - i])
            assert cmd(r, "HEXISTS", "h", v) == 1
        assert cmd(r, "HEXISTS", "h", "1") == 0  # "01" and "+1" are not 1
        assert cmd(r, "HMGET", "h", *ALL) == list(reversed(ALL))
        flat = cmd(r, "HGETALL", "h")
        assert dict(zip(flat[0::2], flat[1::2])) == dict(zip(ALL, reversed(ALL)))
        cur, items = cmd(r, "HSCAN", "h", 0, "COUNT", 1000)
        assert cur == b"0"
        assert dict(zip(items[0::2], items[1::2])) == dict(zip(ALL, reversed(ALL)))
        cur, items = cmd(r, "HSCAN", "h", 0, "MATCH", "*9*")
        want = {k: v for k, v in zip(ALL, reversed(ALL)) if b"9" in k}
        assert dict(zip(items[0::2], items[1::2])) == want
        got = cmd(r, "HRANDFIELD", "h", -50, "WITHVALUES")
        for f, v in zip(got[0::2], got[1::2]):
            assert dict(zip(ALL, reversed(ALL)))[f] == v

    def test_incr_on_integer_entries(self, r):
        cmd(r, "HSET", "h", "n", "55")
        assert cmd(r, "HINCRBY", "h", "n", 1) == 56
        assert cmd(r, "HINCRBY", "h", "n", 8135) == 8191
        assert cmd(r, "HINCRBY", "h", "n", 1) == 8192
        assert cmd(r, "HINCRBY", "h", "n", -16385) == -8193
        assert cmd(r, "HGET", "h", "n") == b"-8193"
        assert cmd(r, "HINCRBYFLOAT", "h", "n", "0.5") == b"-8192.5"
        cmd(r, "HSET", "h", "m", "9223372036854775807")
        assert cmd(r, "HGET", "h", "m") == b"9223372036854775807"

    def test_conversion_keeps_text(self, r):
        for v in ALL:
            cmd(r, "HSET", "h", v, v)
        cmd(r, "HSET", "h", "big", "x" * 100)  # past hash-max-listpack-value
        assert encoding(r, "h") == b"hashtable"
        for v in ALL:
            assert cmd(r, "HGET", "h", v) == v


class TestList:
    def test_push_range_index(self, r):
        cmd(r, "RPUSH", "l", *ALL)
        assert cmd(r, "LRANGE", "l", 0, -1) == ALL
        for i, v in enumerate(ALL):
            assert cmd(r, "LINDEX", "l", i) == v
            assert cmd(r, "LPOS", "l", v) == i
        assert cmd(r, "LPOS", "l", "1") is None
        assert cmd(r, "LRANGE", "l", -3, -1) == ALL[-3:]

    def test_pop_count_and_move(self, r):
        cmd(r, "RPUSH", "l", *ALL)
        assert cmd(r, "LPOP", "l", 5) == ALL[:5]
        assert cmd(r, "RPOP", "l", 5) == list(reversed(ALL[-5:]))
        assert cmd(r, "LMOVE", "l", "m", "LEFT", "RIGHT") == ALL[5]
        assert cmd(r, "LRANGE", "m", 0, -1) == [ALL[5]]

    def test_set_insert_rem(self, r):
        cmd(r, "RPUSH", "l", "a", "5", "b", "5", "c", "5")
        assert cmd(r, "LSET", "l", 0, "100000") == b"OK"
        assert cmd(r, "LINSERT", "l", "BEFORE", "5", "-0") == 7
        assert cmd(r, "LREM", "l", -1, "5") == 1
        assert cmd(r, "LRANGE", "l", 0, -1) == [b"100000", b"-0", b"5", b"b", b"5", b"c"]
        assert cmd(r, "LREM", "l", 0, "05") == 0
        assert cmd(r, "LREM", "l", 0, "5") == 2

    def test_long_list_of_integers(self, r):
        vals = [str(i * 7919 - 500000).encode() for i in range(5000)]
        cmd(r, "RPUSH", "l", *vals)
        assert cmd(r, "LLEN", "l") == 5000
        assert cmd(r, "LRANGE", "l", 0, -1) == vals
        assert cmd(r, "LINDEX", "l", 2500) == vals[2500]
        assert cmd(r, "SORT", "l", "LIMIT", 0, 3) == sorted(vals, key=int)[:3]


class TestSet:
    def test_mixed_listpack(self, r):
        cmd(r, "SADD", "s", "x", *ALL)
        assert encoding(r, "s") == b"listpack"
        assert sorted(cmd(r, "SMEMBERS", "s")) == sorted(ALL + [b"x"])
        for v in ALL:
            assert cmd(r, "SISMEMBER", "s", v) == 1
        assert cmd(r, "SISMEMBER", "s", "1") == 0
        cur, items = cmd(r, "SSCAN", "s", 0)
        assert sorted(items) == sorted(ALL + [b"x"])
        popped = cmd(r, "SPOP", "s", 10)
        assert len(set(popped)) == 10 and set(popped) <= set(ALL + [b"x"])
        rest = cmd(r, "SMEMBERS", "s")
        assert sorted(rest + popped) == sorted(ALL + [b"x"])
        assert cmd(r, "SREM", "s", *rest) == len(rest)


class TestZset:
    def test_integer_members_and_scores(self, r):
        for i, v in enumerate(ALL):
            cmd(r, "ZADD", "z", i - 5, v)
        assert encoding(r, "z") == b"listpack"
        assert cmd(r, "ZRANGE", "z", 0, -1) == ALL
        for i, v in enumerate(ALL):
            assert cmd(r, "ZSCORE", "z", v) == str(i - 5).encode()
            assert cmd(r, "ZRANK", "z", v) == i
        cur, items = cmd(r, "ZSCAN", "z", 0)
        assert items[0::2] == ALL
        assert cmd(r, "ZPOPMIN", "z", 2) == [ALL[0], b"-5", ALL[1], b"-4"]

    def test_scores_round_trip(self, r):
        scores = ["0", "-0", "55", "56", "8191", "8192", "-8193", "1e16",
                  "99999999999999999", "1e17", "123456789012345678", "-1e20",
                  "0.5", "-2.25", "1.7976931348623157e308", "inf", "-inf"]
        for i, s in enumerate(scores):
            cmd(r, "ZADD", "z", s, "m%d" % i)
        cmd(r, "ZADD", "ref", "0", "x")
        for i, s in enumerate(scores):
            got = cmd(r, "ZSCORE", "z", "m%d" % i)
            assert float(got) == float(s)
        # the same scores in a skiplist give the same text
        cmd(r, "ZUNIONSTORE", "big", 1, "z")
        cmd(r, "ZADD", "big", 1, "y" * 100)
        assert encoding(r, "big") == b"skiplist"
        for i in range(len(scores)):
            assert cmd(r, "ZSCORE", "big", "m%d" % i) == cmd(r, "ZSCORE", "z", "m%d" % i)

    def test_geo_integer_members(self, r):
        for i in range(20):
            cmd(r, "GEOADD", "g", 13.0 + i * 0.001, 38.0, str(i * 1000))
        cmd(r, "GEOADD", "g", 13.0, 38.0, "-0")
        got = cmd(r, "GEOSEARCH", "g", "FROMLONLAT", 13.0, 38.0, "BYRADIUS", 5, "km", "ASC")
        assert got[:2] in ([b"0", b"-0"], [b"-0", b"0"])
        assert sorted(got) == sorted([str(i * 1000).encode() for i in range(20)] + [b"-0"])
        assert cmd(r, "GEOSEARCHSTORE", "dst", "g", "FROMLONLAT", 13.0, 38.0,
                   "BYRADIUS", 5, "km") == 21
        assert sorted(cmd(r, "ZRANGE", "dst", 0, -1)) == sorted(got)


class TestSort:
    def test_sort_by_hash_field(self, r):
        cmd(r, "RPUSH", "ids", "1", "2", "3")
        cmd(r, "HSET", "h:1", "w", "30", "n", "-0")
        cmd(r, "HSET", "h:2", "w", "10", "n", "9223372036854775807")
        cmd(r, "HSET", "h:3", "w", "20", "n", "8192")
        assert cmd(r, "SORT", "ids", "BY", "h:*->w", "GET", "h:*->n") == \
            [b"9223372036854775807", b"8192", b"-0"]
