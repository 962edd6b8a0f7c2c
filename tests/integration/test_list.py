"""List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT
LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP, their errors, RESP3 reply shapes, lists that
span many nodes, and a randomized comparison with a Python model."""

import random
import threading

import pytest

from resp import NULL3, NULL_ARRAY, NULL_BULK, Array, Bulk, Integer
from util import cmd, err

NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
POSITIVE = "ERR value is out of range, must be positive"
RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
             "second ... or use negative to start from the end of the list")


def b(*xs):
    return [x if isinstance(x, bytes) else str(x).encode() for x in xs]


def lr(r, key):
    return cmd(r, "LRANGE", key, 0, -1)


@pytest.fixture
def small_nodes(r):
    """Nodes of 4 elements, so that small lists span several nodes."""
    old = r.config_get("list-max-listpack-size")["list-max-listpack-size"]
    r.config_set("list-max-listpack-size", 4)
    yield
    r.config_set("list-max-listpack-size", old)


class TestPushPop:
    def test_push_order_and_len(self, r):
        assert cmd(r, "RPUSH", "k", "a", "b") == 2
        assert cmd(r, "LPUSH", "k", "x", "y") == 4
        assert lr(r, "k") == b("y", "x", "a", "b")
        assert cmd(r, "LLEN", "k") == 4
        assert cmd(r, "LLEN", "missing") == 0

    def test_pushx(self, r):
        assert cmd(r, "LPUSHX", "k", "a") == 0
        assert cmd(r, "RPUSHX", "k", "a", "b") == 0
        assert r.exists("k") == 0
        r.rpush("k", "m")
        assert cmd(r, "LPUSHX", "k", "a", "b") == 3
        assert cmd(r, "RPUSHX", "k", "y", "z") == 5
        assert lr(r, "k") == b("b", "a", "m", "y", "z")

    def test_pop(self, r):
        r.rpush("k", "a", "b", "c", "d")
        assert cmd(r, "LPOP", "k") == b"a"
        assert cmd(r, "RPOP", "k") == b"d"
        assert cmd(r, "LPOP", "missing") is None
        assert cmd(r, "RPOP", "missing") is None

    def test_pop_count(self, r):
        r.rpush("k", *range(10))
        assert cmd(r, "LPOP", "k", 3) == b(0, 1, 2)
        assert cmd(r, "RPOP", "k", 2) == b(9, 8)
        assert cmd(r, "LPOP", "k", 0) == []
        assert cmd(r, "RPOP", "k", 100) == b(7, 6, 5, 4, 3)
        assert r.exists("k") == 0

    def test_pop_count_shapes(self, r, raw):
        raw.call("RPUSH", "k", "a")
        assert raw.call("LPOP", "missing") == NULL_BULK
        assert raw.call("LPOP", "missing", 2) == NULL_ARRAY
        assert raw.call("RPOP", "missing", 0) == NULL_ARRAY
        assert raw.call("LPOP", "k", 0) == Array([])
        assert raw.call("HELLO", "3")
        assert raw.call("LPOP", "missing") == NULL3
        assert raw.call("LPOP", "missing", 2) == NULL3
        assert raw.call("RPOP", "k", 5) == Array([Bulk(b"a")])

    def test_pop_errors(self, r):
        r.rpush("k", "a")
        assert err(r, "LPOP", "k", -1) == POSITIVE
        assert err(r, "RPOP", "k", "x") == POSITIVE
        assert err(r, "LPOP", "k", 1, 2) == "ERR wrong number of arguments for 'lpop' command"
        assert err(r, "LPUSH", "k") == "ERR wrong number of arguments for 'lpush' command"

    def test_empty_list_deleted(self, r):
        r.rpush("k", "a")
        r.lpop("k")
        assert r.exists("k") == 0
        r.rpush("k", "a", "b")
        assert cmd(r, "RPOP", "k", 2) == b("b", "a")
        assert r.exists("k") == 0

    def test_type_and_encoding(self, r):
        r.rpush("k", "a")
        assert cmd(r, "TYPE", "k") == b"list"
        assert cmd(r, "OBJECT", "ENCODING", "k") == b"quicklist"
        r.rpush("big", *range(5000))
        assert cmd(r, "OBJECT", "ENCODING", "big") == b"quicklist"

    def test_binary_and_empty_elements(self, r):
        vals = [b"", b"\x00\r\n\xff", b"x" * 100000, b"12", b"-1"]
        r.rpush("k", *vals)
        assert lr(r, "k") == vals
        assert cmd(r, "LINDEX", "k", 2) == vals[2]
        assert cmd(r, "LPOS", "k", b"\x00\r\n\xff") == 1


class TestWrongType:
    def test_wrongtype(self, r):
        r.set("s", "x")
        for args in (("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"),
                     ("RPUSHX", "s", "a"), ("LPOP", "s"), ("RPOP", "s", 2), ("LLEN", "s"),
                     ("LRANGE", "s", 0, -1), ("LINDEX", "s", 0), ("LSET", "s", 0, "a"),
                     ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", 0, "a"),
                     ("LTRIM", "s", 0, 1), ("LPOS", "s", "a"), ("LMOVE", "s", "d", "LEFT",
                                                                "LEFT"),
                     ("RPOPLPUSH", "s", "d"), ("LMPOP", 1, "s", "LEFT")):
            assert err(r, *args) == WRONGTYPE, args
        assert r.get("s") == b"x"

    def test_wrongtype_destination(self, r):
        r.set("s", "x")
        r.rpush("k", "a")
        assert err(r, "LMOVE", "k", "s", "LEFT", "RIGHT") == WRONGTYPE
        assert err(r, "RPOPLPUSH", "k", "s") == WRONGTYPE
        assert lr(r, "k") == b("a")
        # a missing source replies nil before the destination is looked at
        assert cmd(r, "RPOPLPUSH", "missing", "s") is None

    def test_lmpop_wrongtype_in_order(self, r):
        r.set("s", "x")
        r.rpush("k", "a")
        assert cmd(r, "LMPOP", 2, "k", "s", "LEFT") == [b"k", [b"a"]]
        r.rpush("k", "a")
        assert err(r, "LMPOP", 2, "s", "k", "LEFT") == WRONGTYPE


class TestIndexing:
    def test_lrange(self, r):
        r.rpush("k", *range(6))
        assert cmd(r, "LRANGE", "k", 1, 3) == b(1, 2, 3)
        assert cmd(r, "LRANGE", "k", -2, -1) == b(4, 5)
        assert cmd(r, "LRANGE", "k", -100, 100) == b(*range(6))
        assert cmd(r, "LRANGE", "k", 4, 2) == []
        assert cmd(r, "LRANGE", "k", 6, 10) == []
        assert cmd(r, "LRANGE", "missing", 0, -1) == []
        assert err(r, "LRANGE", "k", "x", 1) == NOT_INT
        assert err(r, "LRANGE", "missing", 0, "1.5") == NOT_INT

    def test_lindex(self, r):
        r.rpush("k", "a", "b", "c")
        assert cmd(r, "LINDEX", "k", 0) == b"a"
        assert cmd(r, "LINDEX", "k", -1) == b"c"
        assert cmd(r, "LINDEX", "k", 3) is None
        assert cmd(r, "LINDEX", "k", -4) is None
        assert cmd(r, "LINDEX", "missing", 0) is None
        # the key is looked up before the index is parsed
        assert cmd(r, "LINDEX", "missing", "x") is None
        assert err(r, "LINDEX", "k", "x") == NOT_INT

    def test_lset(self, r):
        r.rpush("k", "a", "b", "c")
        assert cmd(r, "LSET", "k", 1, "B") == b"OK"
        assert cmd(r, "LSET", "k", -1, "C") == b"OK"
        assert lr(r, "k") == b("a", "B", "C")
        assert err(r, "LSET", "k", 3, "x") == "ERR index out of range"
        assert err(r, "LSET", "k", -4, "x") == "ERR index out of range"
        assert err(r, "LSET", "missing", 0, "x") == "ERR no such key"
        assert err(r, "LSET", "missing", "x", "x") == "ERR no such key"
        assert err(r, "LSET", "k", "x", "x") == NOT_INT

    def test_linsert(self, r):
        r.rpush("k", "a", "b", "c")
        assert cmd(r, "LINSERT", "k", "BEFORE", "b", "x") == 4
        assert cmd(r, "LINSERT", "k", "after", "c", "y") == 5
        assert cmd(r, "LINSERT", "k", "before", "a", "z") == 6
        assert lr(r, "k") == b("z", "a", "x", "b", "c", "y")
        assert cmd(r, "LINSERT", "k", "BEFORE", "nope", "q") == -1
        assert cmd(r, "LINSERT", "missing", "BEFORE", "a", "q") == 0
        assert err(r, "LINSERT", "k", "MIDDLE", "a", "q") == SYNTAX
        assert err(r, "LINSERT", "missing", "MIDDLE", "a", "q") == SYNTAX

    def test_linsert_first_pivot(self, r):
        r.rpush("k", "a", "p", "b", "p")
        cmd(r, "LINSERT", "k", "AFTER", "p", "x")
        assert lr(r, "k") == b("a", "p", "x", "b", "p")


class TestRemoveTrim:
    def test_lrem(self, r):
        r.rpush("k", "a", "x", "b", "x", "c", "x")
        assert cmd(r, "LREM", "k", 1, "x") == 1
        assert lr(r, "k") == b("a", "b", "x", "c", "x")
        assert cmd(r, "LREM", "k", -1, "x") == 1
        assert lr(r, "k") == b("a", "b", "x", "c")
        assert cmd(r, "LREM", "k", 0, "nope") == 0
        r.rpush("k", "x", "x")
        assert cmd(r, "LREM", "k", 0, "x") == 3
        assert lr(r, "k") == b("a", "b", "c")
        assert cmd(r, "LREM", "missing", 0, "x") == 0
        assert err(r, "LREM", "k", "x", "a") == NOT_INT

    def test_lrem_deletes_empty(self, r):
        r.rpush("k", "x", "x")
        assert cmd(r, "LREM", "k", -5, "x") == 2
        assert r.exists("k") == 0

    def test_ltrim(self, r):
        r.rpush("k", *range(10))
        assert cmd(r, "LTRIM", "k", 2, -3) == b"OK"
        assert lr(r, "k") == b(*range(2, 8))
        assert cmd(r, "LTRIM", "k", -100, 100) == b"OK"
        assert lr(r, "k") == b(*range(2, 8))
        cmd(r, "LTRIM", "k", 1, 1)
        assert lr(r, "k") == b(3)
        assert cmd(r, "LTRIM", "k", 5, 1) == b"OK"
        assert r.exists("k") == 0
        assert cmd(r, "LTRIM", "missing", 0, 1) == b"OK"
        assert err(r, "LTRIM", "missing", "x", 1) == NOT_INT


class TestLpos:
    def test_basic(self, r):
        r.rpush("k", "a", "b", "c", "1", "2", "3", "c", "c")
        assert cmd(r, "LPOS", "k", "c") == 2
        assert cmd(r, "LPOS", "k", "c", "RANK", 2) == 6
        assert cmd(r, "LPOS", "k", "c", "RANK", -1) == 7
        assert cmd(r, "LPOS", "k", "c", "RANK", -3) == 2
        assert cmd(r, "LPOS", "k", "c", "RANK", 4) is None
        assert cmd(r, "LPOS", "k", "nope") is None
        assert cmd(r, "LPOS", "missing", "c") is None

    def test_count_maxlen(self, r):
        r.rpush("k", "a", "b", "c", "1", "2", "3", "c", "c")
        assert cmd(r, "LPOS", "k", "c", "COUNT", 2) == [2, 6]
        assert cmd(r, "LPOS", "k", "c", "COUNT", 0) == [2, 6, 7]
        assert cmd(r, "LPOS", "k", "c", "COUNT", 0, "RANK", 2) == [6, 7]
        assert cmd(r, "LPOS", "k", "c", "COUNT", 2, "RANK", -1) == [7, 6]
        assert cmd(r, "LPOS", "k", "c", "COUNT", 0, "MAXLEN", 7) == [2, 6]
        assert cmd(r, "LPOS", "k", "c", "RANK", -1, "MAXLEN", 1) == 7
        assert cmd(r, "LPOS", "k", "c", "RANK", -1, "MAXLEN", 1, "COUNT", 0) == [7]
        assert cmd(r, "LPOS", "k", "c", "MAXLEN", 2) is None
        assert cmd(r, "LPOS", "k", "nope", "COUNT", 0) == []
        assert cmd(r, "LPOS", "missing", "c", "COUNT", 1) == []
        # the last of a repeated option wins
        assert cmd(r, "LPOS", "k", "c", "RANK", 5, "RANK", 1) == 2

    def test_errors(self, r):
        r.rpush("k", "a")
        assert err(r, "LPOS", "k", "a", "RANK", 0) == RANK_ZERO
        assert err(r, "LPOS", "k", "a", "RANK", "x") == NOT_INT
        assert err(r, "LPOS", "k", "a", "COUNT", -1) == "ERR COUNT can't be negative"
        assert err(r, "LPOS", "k", "a", "COUNT", "x") == "ERR COUNT can't be negative"
        assert err(r, "LPOS", "k", "a", "MAXLEN", -1) == "ERR MAXLEN can't be negative"
        assert err(r, "LPOS", "k", "a", "RANK") == SYNTAX
        assert err(r, "LPOS", "k", "a", "FOO", 1) == SYNTAX
        r.set("s", "x")
        # options are checked before the key
        assert err(r, "LPOS", "s", "a", "RANK", 0) == RANK_ZERO

    def test_shapes(self, r, raw):
        raw.call("HELLO", "3")
        assert raw.call("LPOS", "missing", "a") == NULL3
        assert raw.call("LPOS", "missing", "a", "COUNT", 1) == Array([])
        raw.call("RPUSH", "k", "a")
        assert raw.call("LPOS", "k", "a") == Integer(0)


class TestMove:
    def test_lmove_all_directions(self, r):
        r.rpush("s", 1, 2, 3, 4)
        assert cmd(r, "LMOVE", "s", "d", "LEFT", "LEFT") == b"1"
        assert cmd(r, "LMOVE", "s", "d", "RIGHT", "LEFT") == b"4"
        assert cmd(r, "LMOVE", "s", "d", "left", "right") == b"2"
        assert cmd(r, "LMOVE", "s", "d", "RIGHT", "RIGHT") == b"3"
        assert lr(r, "d") == b(4, 1, 2, 3)
        assert r.exists("s") == 0

    def test_same_key_rotates(self, r):
        r.rpush("k", 1, 2, 3)
        assert cmd(r, "LMOVE", "k", "k", "LEFT", "RIGHT") == b"1"
        assert lr(r, "k") == b(2, 3, 1)
        assert cmd(r, "RPOPLPUSH", "k", "k") == b"1"
        assert lr(r, "k") == b(1, 2, 3)
        r.rpush("one", "x")
        assert cmd(r, "LMOVE", "one", "one", "LEFT", "LEFT") == b"x"
        assert lr(r, "one") == b("x")

    def test_rpoplpush(self, r):
        r.rpush("s", "a", "b")
        r.rpush("d", "z")
        assert cmd(r, "RPOPLPUSH", "s", "d") == b"b"
        assert lr(r, "d") == b("b", "z")
        assert cmd(r, "RPOPLPUSH", "missing", "d") is None
        assert lr(r, "d") == b("b", "z")

    def test_errors_and_shapes(self, r, raw):
        r.rpush("s", "a")
        assert err(r, "LMOVE", "s", "d", "UP", "LEFT") == SYNTAX
        assert err(r, "LMOVE", "s", "d", "LEFT", "DOWN") == SYNTAX
        assert cmd(r, "LMOVE", "missing", "d", "LEFT", "LEFT") is None
        assert r.exists("d") == 0
        raw.call("HELLO", "3")
        assert raw.call("LMOVE", "missing", "d", "LEFT", "LEFT") == NULL3


class TestLmpop:
    def test_basic(self, r):
        r.rpush("b", 1, 2, 3)
        assert cmd(r, "LMPOP", 2, "a", "b", "LEFT") == [b"b", [b"1"]]
        assert cmd(r, "LMPOP", 2, "a", "b", "RIGHT", "COUNT", 5) == [b"b", [b"3", b"2"]]
        assert r.exists("b") == 0
        assert cmd(r, "LMPOP", 2, "a", "b", "LEFT") is None

    def test_first_nonempty_only(self, r):
        r.rpush("a", "x")
        r.rpush("b", "y")
        assert cmd(r, "LMPOP", 2, "a", "b", "LEFT", "COUNT", 10) == [b"a", [b"x"]]
        assert lr(r, "b") == b("y")

    def test_errors(self, r):
        r.rpush("k", "a")
        assert err(r, "LMPOP", 0, "k", "LEFT") == "ERR numkeys should be greater than 0"
        assert err(r, "LMPOP", -1, "k", "LEFT") == "ERR numkeys should be greater than 0"
        assert err(r, "LMPOP", "x", "k", "LEFT") == "ERR numkeys should be greater than 0"
        assert err(r, "LMPOP", 5, "k", "LEFT") == SYNTAX
        assert err(r, "LMPOP", 2, "k", "LEFT") == SYNTAX
        assert err(r, "LMPOP", 1, "k", "UP") == SYNTAX
        assert err(r, "LMPOP", 1, "k", "LEFT", "COUNT") == SYNTAX
        assert err(r, "LMPOP", 1, "k", "LEFT", "COUNT", 0) == "ERR count should be greater than 0"
        assert err(r, "LMPOP", 1, "k", "LEFT", "COUNT", "x") == "ERR count should be greater than 0"
        assert err(r, "LMPOP", 1, "k", "LEFT", "COUNT", 1, "COUNT", 2) == SYNTAX
        assert err(r, "LMPOP", 1, "k", "LEFT", "FOO") == SYNTAX
        assert lr(r, "k") == b("a")

    def test_shapes(self, r, raw):
        assert raw.call("LMPOP", 1, "missing", "LEFT") == NULL_ARRAY
        raw.call("HELLO", "3")
        assert raw.call("LMPOP", 1, "missing", "LEFT") == NULL3
        raw.call("RPUSH", "k", "a")
        assert raw.call("LMPOP", 1, "k", "LEFT") == Array([Bulk(b"k"), Array([Bulk(b"a")])])

    def test_getkeys(self, r):
        assert cmd(r, "COMMAND", "GETKEYS", "LMPOP", 2, "a", "b", "LEFT", "COUNT", 1) == \
            [b"a", b"b"]
        assert cmd(r, "COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "LEFT") == [b"a", b"b"]
        assert cmd(r, "COMMAND", "GETKEYS", "RPOPLPUSH", "a", "b") == [b"a", b"b"]


class TestCommandInfo:
    def test_table(self, r):
        info = cmd(r, "COMMAND", "INFO", "lpush", "lrange", "lmove", "lmpop", "lpos")
        by = {e[0]: e for e in info}
        assert by[b"lpush"][1:6] == [-3, [b"write", b"denyoom", b"fast"], 1, 1, 1]
        assert by[b"lrange"][1:6] == [4, [b"readonly"], 1, 1, 1]
        assert by[b"lmove"][1:6] == [5, [b"write", b"denyoom"], 1, 2, 1]
        assert by[b"lmpop"][1:6] == [-4, [b"write", b"movablekeys"], 0, 0, 0]
        assert by[b"lpos"][1:6] == [-3, [b"readonly"], 1, 1, 1]
        assert set(by[b"lmpop"][6]) == {b"@write", b"@list", b"@slow"}
        assert set(by[b"lpush"][6]) == {b"@write", b"@list", b"@fast"}


class TestKeyspace:
    def test_copy_is_independent(self, r):
        r.rpush("k", "a", "b")
        assert cmd(r, "COPY", "k", "k2") == 1
        r.rpush("k2", "c")
        cmd(r, "LSET", "k", 0, "A")
        assert lr(r, "k") == b("A", "b")
        assert lr(r, "k2") == b("a", "b", "c")

    def test_rename_move(self, r):
        r.rpush("k", "a", "b")
        cmd(r, "RENAME", "k", "k2")
        assert lr(r, "k2") == b("a", "b")
        assert cmd(r, "MOVE", "k2", 1) == 1
        assert r.exists("k2") == 0
        cmd(r, "SELECT", 1)
        assert lr(r, "k2") == b("a", "b")
        cmd(r, "SELECT", 0)

    def test_ttl_kept_on_push_gone_with_key(self, r):
        r.rpush("k", "a")
        r.expire("k", 100)
        r.lpush("k", "b")
        assert 99 <= r.ttl("k") <= 100
        cmd(r, "RPOP", "k", 2)
        assert r.ttl("k") == -2
        r.rpush("k", "c")
        assert r.ttl("k") == -1


class TestConcurrency:
    def test_parallel_pushes_and_moves(self, r, shared_server):
        r.rpush("{a}src", *range(2000))
        errors = []

        def pusher(i):
            try:
                c = shared_server.client()
                p = c.pipeline(transaction=False)
                for j in range(500):
                    p.rpush("shared", "%d-%d" % (i, j))
                p.execute()
                c.close()
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        def mover(src, dst):
            try:
                c = shared_server.client()
                for _ in range(300):
                    c.execute_command("LMOVE", src, dst, "LEFT", "RIGHT")
                c.close()
            except Exception as e:  # pragma: no cover
                errors.append(e)

        ts = [threading.Thread(target=pusher, args=(i,)) for i in range(4)]
        ts += [threading.Thread(target=mover, args=("{a}src", "{b}dst")),
               threading.Thread(target=mover, args=("{b}dst", "{a}src"))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert not errors
        assert r.llen("shared") == 2000
        assert r.llen("{a}src") + r.llen("{b}dst") == 2000
        got = sorted(int(x) for x in lr(r, "{a}src") + lr(r, "{b}dst"))
        assert got == list(range(2000))


N_BIG = 100000


class TestBigLists:
    """Lists of many nodes: every operation across node boundaries."""

    def test_big_list(self, r):
        model = [str(i).encode() for i in range(N_BIG)]
        p = r.pipeline(transaction=False)
        for i in range(0, N_BIG, 5000):
            p.rpush("k", *model[i:i + 5000])
        p.execute()
        assert r.llen("k") == N_BIG
        assert lr(r, "k") == model
        for idx in (0, 1, 4999, 50000, 77777, N_BIG - 1, -1, -2, -50001, -N_BIG):
            assert cmd(r, "LINDEX", "k", idx) == model[idx]
        assert cmd(r, "LRANGE", "k", 49990, 50010) == model[49990:50011]
        assert cmd(r, "LRANGE", "k", -30010, -29990) == model[-30010:-29989]
        for idx in (3, 12345, 50000, 99998, -7):
            cmd(r, "LSET", "k", idx, b"set%d" % idx)
            model[idx] = b"set%d" % idx
        assert cmd(r, "LINDEX", "k", 12345) == b"set12345"
        assert cmd(r, "LINSERT", "k", "BEFORE", "60000", "before") == N_BIG + 1
        model.insert(60000, b"before")
        assert cmd(r, "LINSERT", "k", "AFTER", "70000", "after") == N_BIG + 2
        model.insert(model.index(b"70000") + 1, b"after")
        assert cmd(r, "LPOS", "k", "after") == model.index(b"after")
        assert cmd(r, "LPOS", "k", "99990", "RANK", -1) == model.index(b"99990")
        # every 7th element becomes "x"; LREM takes some from each end, then all
        p = r.pipeline(transaction=False)
        for i in range(0, N_BIG, 7):
            p.lset("k", i, "x")
            model[i] = b"x"
        p.execute()
        assert cmd(r, "LREM", "k", 1000, "x") == 1000
        for _ in range(1000):
            model.remove(b"x")
        assert cmd(r, "LREM", "k", -1000, "x") == 1000
        model.reverse()
        for _ in range(1000):
            model.remove(b"x")
        model.reverse()
        assert lr(r, "k") == model
        n = model.count(b"x")
        assert cmd(r, "LREM", "k", 0, "x") == n
        model = [x for x in model if x != b"x"]
        assert lr(r, "k") == model
        assert cmd(r, "LTRIM", "k", 1234, -4321) == b"OK"
        model = model[1234:len(model) - 4320]
        assert r.llen("k") == len(model)
        assert lr(r, "k") == model
        assert cmd(r, "LPOP", "k", 3000) == model[:3000]
        assert cmd(r, "RPOP", "k", 3000) == model[::-1][:3000]
        model = model[3000:-3000]
        assert lr(r, "k") == model
        assert cmd(r, "LINDEX", "k", len(model) // 2) == model[len(model) // 2]

    def test_big_elements(self, r):
        big = [bytes([65 + i % 26]) * (3000 + i * 100) for i in range(40)]
        r.rpush("k", *big)
        assert lr(r, "k") == big
        cmd(r, "LSET", "k", 5, b"z" * 20000)
        big[5] = b"z" * 20000
        cmd(r, "LINSERT", "k", "AFTER", big[10], b"y" * 9000)
        big.insert(11, b"y" * 9000)
        assert lr(r, "k") == big
        assert cmd(r, "LINDEX", "k", 11) == big[11]

    def test_big_lrem_from_tail_and_ltrim_halves(self, r):
        r.rpush("k", *(["x", "y"] * 20000))
        assert cmd(r, "LREM", "k", -15000, "x") == 15000
        assert r.llen("k") == 25000
        assert cmd(r, "LRANGE", "k", 0, 5) == b("x", "y", "x", "y", "x", "y")
        assert cmd(r, "LRANGE", "k", -3, -1) == b("y", "y", "y")
        assert cmd(r, "LPOS", "k", "x", "RANK", -1) == 9998
        assert cmd(r, "LINDEX", "k", 10000) == b"y"
        cmd(r, "LTRIM", "k", 0, 12499)
        assert r.llen("k") == 12500
        cmd(r, "LTRIM", "k", 6250, -1)
        assert r.llen("k") == 6250


def run_model(r, seed, steps, key="k"):
    rnd = random.Random(seed)
    model = []
    vals = [b"a", b"b", b"c", b"dd", b"", b"x" * 300, b"12", b"-7"]

    def idx():
        n = len(model) + 2
        return rnd.randint(-n, n)

    for _ in range(steps):
        op = rnd.randrange(14)
        v = rnd.choice(vals)
        if op <= 2:
            vs = [rnd.choice(vals) for _ in range(rnd.randint(1, 6))]
            if rnd.random() < 0.5:
                assert cmd(r, "RPUSH", key, *vs) == len(model) + len(vs)
                model.extend(vs)
            else:
                assert cmd(r, "LPUSH", key, *vs) == len(model) + len(vs)
                model[:0] = vs[::-1]
        elif op == 3:
            n = rnd.randint(0, 4)
            got = cmd(r, "LPOP", key, n)
            if not model:
                assert got is None
            else:
                assert got == model[:n]
                del model[:n]
        elif op == 4:
            got = cmd(r, "RPOP", key)
            assert got == (model.pop() if model else None)
        elif op == 5:
            i = idx()
            want = model[i] if -len(model) <= i < len(model) else None
            assert cmd(r, "LINDEX", key, i) == want
        elif op == 6:
            i = idx()
            if not model:
                assert err(r, "LSET", key, i, v) == "ERR no such key"
            elif -len(model) <= i < len(model):
                assert cmd(r, "LSET", key, i, v) == b"OK"
                model[i] = v
            else:
                assert err(r, "LSET", key, i, v) == "ERR index out of range"
        elif op == 7:
            pivot = rnd.choice(vals)
            after = rnd.random() < 0.5
            got = cmd(r, "LINSERT", key, "AFTER" if after else "BEFORE", pivot, v)
            if not model:
                assert got == 0
            elif pivot in model:
                model.insert(model.index(pivot) + (1 if after else 0), v)
                assert got == len(model)
            else:
                assert got == -1
        elif op == 8:
            count = rnd.randint(-3, 3)
            got = cmd(r, "LREM", key, count, v)
            if count >= 0:
                pos = [i for i, x in enumerate(model) if x == v]
                if count:
                    pos = pos[:count]
            else:
                pos = [i for i, x in enumerate(model) if x == v][::-1][:-count]
            for i in sorted(pos, reverse=True):
                del model[i]
            assert got == len(pos)
        elif op == 9:
            s, e = idx(), idx()
            cmd(r, "LTRIM", key, s, e)
            n = len(model)
            s2 = s + n if s < 0 else s
            e2 = e + n if e < 0 else e
            s2 = max(s2, 0)
            model = [] if s2 > e2 or s2 >= n else model[s2:min(e2, n - 1) + 1]
        elif op == 10:
            s, e = idx(), idx()
            n = len(model)
            s2 = max(s + n if s < 0 else s, 0)
            e2 = e + n if e < 0 else e
            want = [] if s2 > e2 or s2 >= n else model[s2:min(e2, n - 1) + 1]
            assert cmd(r, "LRANGE", key, s, e) == want
        elif op == 11:
            rank = rnd.choice([1, 2, -1, -2])
            pos = [i for i, x in enumerate(model) if x == v]
            if rank < 0:
                pos = pos[::-1]
            want = pos[abs(rank) - 1:]
            assert cmd(r, "LPOS", key, v, "RANK", rank, "COUNT", 0) == want
        elif op == 12:
            frm, to = rnd.choice(["LEFT", "RIGHT"]), rnd.choice(["LEFT", "RIGHT"])
            got = cmd(r, "LMOVE", key, key, frm, to)
            if not model:
                assert got is None
            else:
                x = model.pop(0 if frm == "LEFT" else -1)
                if to == "LEFT":
                    model.insert(0, x)
                else:
                    model.append(x)
                assert got == x
        else:
            assert cmd(r, "LLEN", key) == len(model)
        assert r.exists(key) == (1 if model else 0)
    assert lr(r, key) == model


class TestRandomized:
    def test_model_default_nodes(self, r):
        run_model(r, 1, 1500)

    def test_model_small_nodes(self, r, small_nodes):
        run_model(r, 2, 2500)

    @pytest.mark.parametrize("fill", [1, 0, -1, -5])
    def test_model_other_node_sizes(self, r, fill):
        old = r.config_get("list-max-listpack-size")["list-max-listpack-size"]
        r.config_set("list-max-listpack-size", fill)
        try:
            run_model(r, 3 + fill, 800)
        finally:
            r.config_set("list-max-listpack-size", old)
