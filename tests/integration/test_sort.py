"""SORT and SORT_RO on lists, sets and sorted sets: numeric and ALPHA order, ASC/DESC,
LIMIT, BY (string keys, hash fields, nosort), GET (several, #, ->field, missing keys),
STORE (replacing the destination, deleting it on an empty result), errors.

ALPHA without STORE uses strcoll() in Redis; the test values are ASCII letters, on which
the C locale and byte order agree. Equal BY weights sort in an unspecified order in
Redis, so the tests avoid them."""

import pytest

from util import cmd, err

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_INT = "ERR value is not an integer or out of range"
NOT_DOUBLE = "ERR One or more scores can't be converted into double"


def bl(*xs):
    return [None if x is None else (x if isinstance(x, bytes) else str(x).encode())
            for x in xs]


def make(r, kind, key, values):
    """Creates key as a list, set or zset holding values (zset scores 1, 2, ...)."""
    if kind == "list":
        cmd(r, "RPUSH", key, *values)
    elif kind == "set":
        cmd(r, "SADD", key, *values)
    else:
        args = []
        for i, v in enumerate(values):
            args += [i + 1, v]
        cmd(r, "ZADD", key, *args)


KINDS = ["list", "set", "zset"]


@pytest.mark.parametrize("kind", KINDS)
class TestOrder:
    def test_numeric(self, r, kind):
        make(r, kind, "k", ["3", "-1.5", "10", "2", "1e1", " 7", "0x10"])
        # strtod syntax (leading space, exponent, hex); 1e1 == 10 falls back to bytes
        assert cmd(r, "SORT", "k") == bl("-1.5", "2", "3", " 7", "10", "1e1", "0x10")
        assert cmd(r, "SORT", "k", "DESC") == bl("0x10", "1e1", "10", " 7", "3", "2", "-1.5")

    def test_numeric_plain(self, r, kind):
        make(r, kind, "k", ["5", "1", "40", "3.5", "-2"])
        assert cmd(r, "SORT", "k") == bl("-2", "1", "3.5", "5", "40")
        assert cmd(r, "SORT", "k", "DESC") == bl("40", "5", "3.5", "1", "-2")
        assert cmd(r, "SORT_RO", "k", "ASC") == bl("-2", "1", "3.5", "5", "40")

    def test_equal_scores_byte_order(self, r, kind):
        make(r, kind, "k", ["10", "1e1", "010", "2"])
        assert cmd(r, "SORT", "k") == bl("2", "010", "10", "1e1")
        assert cmd(r, "SORT", "k", "DESC") == bl("1e1", "10", "010", "2")

    def test_alpha(self, r, kind):
        make(r, kind, "k", ["banana", "apple", "cherry", "Apple", "10", "9"])
        assert cmd(r, "SORT", "k", "ALPHA") == bl("10", "9", "Apple", "apple", "banana",
                                                  "cherry")
        assert cmd(r, "SORT", "k", "ALPHA", "DESC") == bl("cherry", "banana", "apple",
                                                          "Apple", "9", "10")

    def test_not_double(self, r, kind):
        make(r, kind, "k", ["1", "abc", "2"])
        assert err(r, "SORT", "k") == NOT_DOUBLE
        assert err(r, "SORT_RO", "k", "DESC") == NOT_DOUBLE
        assert cmd(r, "SORT", "k", "ALPHA") == bl("1", "2", "abc")

    def test_limit(self, r, kind):
        make(r, kind, "k", ["5", "1", "4", "2", "3"])
        assert cmd(r, "SORT", "k", "LIMIT", 0, 2) == bl("1", "2")
        assert cmd(r, "SORT", "k", "LIMIT", 1, 3) == bl("2", "3", "4")
        assert cmd(r, "SORT", "k", "LIMIT", 3, 10) == bl("4", "5")
        assert cmd(r, "SORT", "k", "LIMIT", 5, 1) == []
        assert cmd(r, "SORT", "k", "LIMIT", 100, 1) == []
        assert cmd(r, "SORT", "k", "LIMIT", -5, 2) == bl("1", "2")
        assert cmd(r, "SORT", "k", "LIMIT", 2, -1) == bl("3", "4", "5")
        assert cmd(r, "SORT", "k", "LIMIT", 0, 0) == []
        assert cmd(r, "SORT", "k", "LIMIT", 1, 2, "DESC") == bl("4", "3")

    def test_by_string_keys(self, r, kind):
        make(r, kind, "k", ["a", "b", "c", "d"])
        cmd(r, "MSET", "w_a", "30", "w_b", "10", "w_c", "20")  # w_d missing: 0
        assert cmd(r, "SORT", "k", "BY", "w_*") == bl("d", "b", "c", "a")
        assert cmd(r, "SORT", "k", "BY", "w_*", "DESC") == bl("a", "c", "b", "d")
        assert cmd(r, "SORT", "k", "BY", "w_*", "LIMIT", 1, 2) == bl("b", "c")

    def test_by_alpha(self, r, kind):
        make(r, kind, "k", ["1", "2", "3", "4"])
        cmd(r, "MSET", "n_1", "pear", "n_2", "apple", "n_3", "zoo")  # n_4 missing
        assert cmd(r, "SORT", "k", "BY", "n_*", "ALPHA") == bl("4", "2", "1", "3")
        assert cmd(r, "SORT", "k", "BY", "n_*", "ALPHA", "DESC") == bl("3", "1", "2", "4")
        assert err(r, "SORT", "k", "BY", "n_*") == NOT_DOUBLE

    def test_by_hash_field(self, r, kind):
        make(r, kind, "k", ["a", "b", "c"])
        cmd(r, "HSET", "h_a", "age", "40", "name", "Ann")
        cmd(r, "HSET", "h_b", "age", "20", "name", "Bob")
        cmd(r, "HSET", "h_c", "age", "30", "name", "Cid")
        assert cmd(r, "SORT", "k", "BY", "h_*->age") == bl("b", "c", "a")
        assert cmd(r, "SORT", "k", "BY", "h_*->age", "DESC") == bl("a", "c", "b")
        assert cmd(r, "SORT", "k", "BY", "h_*->name", "ALPHA", "DESC") == bl("c", "b", "a")
        # a field that no hash has weighs 0 for all: byte order of the elements
        assert cmd(r, "SORT", "k", "BY", "h_*->nope") == bl("a", "b", "c")

    def test_by_wrong_type_weighs_zero(self, r, kind):
        make(r, kind, "k", ["1", "2", "3"])
        cmd(r, "SET", "w_1", "5")
        cmd(r, "RPUSH", "w_2", "100")  # not a string: no weight (0)
        cmd(r, "SET", "w_3", "-1")
        assert cmd(r, "SORT", "k", "BY", "w_*") == bl("3", "2", "1")

    def test_get(self, r, kind):
        make(r, kind, "k", ["1", "2", "3"])
        cmd(r, "MSET", "v_1", "one", "v_2", "two")  # v_3 missing
        cmd(r, "HSET", "h_1", "f", "x1")
        cmd(r, "HSET", "h_3", "f", "x3")
        assert cmd(r, "SORT", "k", "GET", "v_*") == bl("one", "two", None)
        assert cmd(r, "SORT", "k", "GET", "#", "GET", "v_*", "GET", "h_*->f", "DESC") == \
            bl("3", None, "x3", "2", "two", None, "1", "one", "x1")
        assert cmd(r, "SORT", "k", "GET", "nostar", "LIMIT", 0, 1) == [None]
        assert cmd(r, "SORT_RO", "k", "GET", "#", "LIMIT", 1, 1) == bl("2")

    def test_get_with_by(self, r, kind):
        make(r, kind, "k", ["a", "b", "c"])
        cmd(r, "MSET", "w_a", "3", "w_b", "1", "w_c", "2")
        cmd(r, "MSET", "d_a", "A", "d_b", "B", "d_c", "C")
        assert cmd(r, "SORT", "k", "BY", "w_*", "GET", "d_*", "GET", "#") == \
            bl("B", "b", "C", "c", "A", "a")

    def test_store(self, r, kind):
        make(r, kind, "k", ["3", "1", "2"])
        cmd(r, "SET", "dst", "old")
        cmd(r, "EXPIRE", "dst", 100)
        assert cmd(r, "SORT", "k", "STORE", "dst") == 3
        assert cmd(r, "TYPE", "dst") == b"list"
        assert cmd(r, "TTL", "dst") == -1
        assert cmd(r, "LRANGE", "dst", 0, -1) == bl("1", "2", "3")
        cmd(r, "SET", "v_1", "one")
        assert cmd(r, "SORT", "k", "GET", "v_*", "GET", "#", "DESC", "STORE", "dst") == 6
        assert cmd(r, "LRANGE", "dst", 0, -1) == bl("", "3", "", "2", "one", "1")
        assert cmd(r, "SORT", "k", "LIMIT", 10, 5, "STORE", "dst") == 0
        assert cmd(r, "EXISTS", "dst") == 0
        assert cmd(r, "SORT", "k", "STORE", "k") == 3
        assert cmd(r, "TYPE", "k") == b"list"
        assert cmd(r, "LRANGE", "k", 0, -1) == bl("1", "2", "3")

    def test_wrongtype_dest_replaced(self, r, kind):
        make(r, kind, "k", ["b", "a"])
        cmd(r, "HSET", "dst", "f", "v")
        assert cmd(r, "SORT", "k", "ALPHA", "STORE", "dst") == 2
        assert cmd(r, "LRANGE", "dst", 0, -1) == bl("a", "b")


class TestNosort:
    def test_list_keeps_order(self, r):
        cmd(r, "RPUSH", "l", "c", "a", "b", "d")
        assert cmd(r, "SORT", "l", "BY", "nosort") == bl("c", "a", "b", "d")
        assert cmd(r, "SORT", "l", "BY", "nosort", "DESC") == bl("d", "b", "a", "c")
        assert cmd(r, "SORT", "l", "BY", "nosort", "LIMIT", 1, 2) == bl("a", "b")
        assert cmd(r, "SORT", "l", "BY", "nosort", "LIMIT", 1, 2, "DESC") == bl("b", "a")
        assert cmd(r, "SORT", "l", "BY", "nosort", "LIMIT", 3, 10) == bl("d")
        assert cmd(r, "SORT", "l", "BY", "x", "LIMIT", 9, 10) == []
        # not a number, but nothing is compared
        assert cmd(r, "SORT", "l", "BY", "nosort", "STORE", "dst") == 4
        assert cmd(r, "LRANGE", "dst", 0, -1) == bl("c", "a", "b", "d")

    def test_zset_keeps_score_order(self, r):
        cmd(r, "ZADD", "z", 3, "c", 1, "x", 2, "a", 4, "b")
        assert cmd(r, "SORT", "z", "BY", "nosort") == bl("x", "a", "c", "b")
        assert cmd(r, "SORT", "z", "BY", "nosort", "DESC") == bl("b", "c", "a", "x")
        assert cmd(r, "SORT", "z", "BY", "nosort", "LIMIT", 1, 2) == bl("a", "c")
        assert cmd(r, "SORT", "z", "BY", "nosort", "LIMIT", 1, 2, "DESC") == bl("c", "a")
        assert cmd(r, "SORT", "z", "BY", "nosort", "LIMIT", 2, -1) == bl("c", "b")
        cmd(r, "MSET", "v_x", "X", "v_b", "B")
        assert cmd(r, "SORT", "z", "BY", "nosort", "GET", "v_*", "GET", "#",
                   "LIMIT", 0, 2) == bl("X", "x", None, "a")
        assert cmd(r, "SORT", "z", "BY", "nosort", "STORE", "dst") == 4
        assert cmd(r, "LRANGE", "dst", 0, -1) == bl("x", "a", "c", "b")

    def test_set_nosort_store_sorts_alpha(self, r):
        cmd(r, "SADD", "s", "c", "a", "b", "10", "9")
        assert sorted(cmd(r, "SORT", "s", "BY", "nosort")) == sorted(bl("a", "b", "c",
                                                                        "10", "9"))
        assert cmd(r, "SORT", "s", "BY", "nosort", "STORE", "dst") == 5
        assert cmd(r, "LRANGE", "dst", 0, -1) == bl("10", "9", "a", "b", "c")


class TestMissingAndErrors:
    def test_missing_key(self, r):
        assert cmd(r, "SORT", "nokey") == []
        assert cmd(r, "SORT_RO", "nokey", "ALPHA", "GET", "#") == []
        cmd(r, "SET", "dst", "x")
        assert cmd(r, "SORT", "nokey", "STORE", "dst") == 0
        assert cmd(r, "EXISTS", "dst") == 0
        assert cmd(r, "SORT", "nokey", "STORE", "dst") == 0

    def test_wrongtype(self, r):
        cmd(r, "SET", "str", "1")
        cmd(r, "HSET", "h", "f", "1")
        assert err(r, "SORT", "str") == WRONGTYPE
        assert err(r, "SORT", "h") == WRONGTYPE
        assert err(r, "SORT_RO", "str", "ALPHA") == WRONGTYPE
        cmd(r, "SET", "dst", "keep")
        assert err(r, "SORT", "h", "STORE", "dst") == WRONGTYPE
        assert cmd(r, "GET", "dst") == b"keep"

    def test_syntax(self, r):
        cmd(r, "RPUSH", "l", "1", "2")
        assert err(r, "SORT", "l", "BOGUS") == SYNTAX
        assert err(r, "SORT", "l", "LIMIT", 1) == SYNTAX
        assert err(r, "SORT", "l", "BY") == SYNTAX
        assert err(r, "SORT", "l", "GET") == SYNTAX
        assert err(r, "SORT", "l", "STORE") == SYNTAX
        assert err(r, "SORT_RO", "l", "STORE", "dst") == SYNTAX
        assert cmd(r, "EXISTS", "dst") == 0
        assert err(r, "SORT", "l", "LIMIT", "a", 1) == NOT_INT
        assert err(r, "SORT", "l", "LIMIT", 0, "1.5") == NOT_INT
        # options are parsed before the key is looked up
        cmd(r, "SET", "str", "x")
        assert err(r, "SORT", "str", "BOGUS") == SYNTAX
        assert err(r, "SORT") == "ERR wrong number of arguments for 'sort' command"
        assert err(r, "SORT_RO") == "ERR wrong number of arguments for 'sort_ro' command"

    def test_not_double_does_not_store(self, r):
        cmd(r, "RPUSH", "l", "1", "x")
        cmd(r, "SET", "dst", "keep")
        assert err(r, "SORT", "l", "STORE", "dst") == NOT_DOUBLE
        assert cmd(r, "GET", "dst") == b"keep"

    def test_last_options_win(self, r):
        cmd(r, "RPUSH", "l", "2", "1", "3")
        assert cmd(r, "SORT", "l", "DESC", "ASC") == bl("1", "2", "3")
        assert cmd(r, "SORT", "l", "LIMIT", 0, 1, "LIMIT", 1, 1) == bl("2")
        assert cmd(r, "SORT", "l", "STORE", "a", "STORE", "b") == 3
        assert cmd(r, "EXISTS", "a") == 0
        assert cmd(r, "LRANGE", "b", 0, -1) == bl("1", "2", "3")

    def test_binary_elements(self, r):
        vals = [b"b\x00z", b"b", b"\xff", b"a\x00"]
        cmd(r, "RPUSH", "l", *vals)
        assert cmd(r, "SORT", "l", "ALPHA", "STORE", "dst") == 4
        assert cmd(r, "LRANGE", "dst", 0, -1) == [b"a\x00", b"b", b"b\x00z", b"\xff"]

    def test_getkeys(self, r):
        assert cmd(r, "COMMAND", "GETKEYS", "SORT", "k", "BY", "w_*", "STORE", "d") == \
            bl("k", "d")
        assert cmd(r, "COMMAND", "GETKEYS", "SORT", "k") == bl("k")
        assert cmd(r, "COMMAND", "GETKEYS", "SORT_RO", "k", "ALPHA") == bl("k")
