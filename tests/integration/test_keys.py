"""Keyspace commands: DEL UNLINK EXISTS TOUCH TYPE RENAME RENAMENX COPY KEYS SCAN
RANDOMKEY OBJECT SELECT MOVE SWAPDB DBSIZE FLUSHDB FLUSHALL."""

import random

import pytest

from util import cmd, err

NO_SUCH_KEY = "ERR no such key"
DB_RANGE = "ERR DB index is out of range"
SAME = "ERR source and destination objects are the same"
NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"


class TestBasics:
    def test_del(self, r):
        r.mset({"a": 1, "b": 2, "c": 3})
        assert cmd(r, "DEL", "a", "a", "nokey") == 1
        assert cmd(r, "DEL", "b", "c") == 2
        assert cmd(r, "DEL", "b") == 0
        assert r.dbsize() == 0

    def test_unlink(self, r):
        r.mset({"a": 1, "b": 2})
        r.set("big", "x" * 100000)
        assert cmd(r, "UNLINK", "a", "b", "nokey", "big") == 3
        assert r.exists("a", "b", "big") == 0

    def test_exists_counts_duplicates(self, r):
        r.mset({"a": 1, "b": 2})
        assert cmd(r, "EXISTS", "a") == 1
        assert cmd(r, "EXISTS", "a", "a", "b", "nokey") == 3
        assert cmd(r, "EXISTS", "nokey", "nokey") == 0

    def test_touch(self, r):
        r.set("a", 1)
        assert cmd(r, "TOUCH", "a", "a", "nokey") == 2
        assert cmd(r, "TOUCH", "nokey") == 0

    def test_type(self, r):
        r.set("s", "v")
        assert cmd(r, "TYPE", "s") == b"string"
        assert cmd(r, "TYPE", "nokey") == b"none"

    def test_dbsize(self, r):
        assert r.dbsize() == 0
        for i in range(100):
            r.set("k%d" % i, i)
        assert r.dbsize() == 100
        r.delete("k0")
        assert r.dbsize() == 99


class TestRename:
    def test_rename(self, r):
        r.set("a", "1")
        assert cmd(r, "RENAME", "a", "b") == b"OK"
        assert r.get("b") == b"1"
        assert r.exists("a") == 0

    def test_rename_overwrites(self, r):
        r.set("a", "1")
        r.set("b", "2", ex=100)
        cmd(r, "RENAME", "a", "b")
        assert r.get("b") == b"1"
        assert r.ttl("b") == -1  # the destination's TTL is gone with its value

    def test_rename_carries_ttl(self, r):
        r.set("a", "1", ex=100)
        cmd(r, "RENAME", "a", "b")
        assert 98 <= r.ttl("b") <= 100

    def test_rename_missing(self, r):
        assert err(r, "RENAME", "nokey", "x") == NO_SUCH_KEY
        assert err(r, "RENAMENX", "nokey", "x") == NO_SUCH_KEY

    def test_rename_same_key(self, r):
        r.set("a", "1", ex=100)
        assert cmd(r, "RENAME", "a", "a") == b"OK"
        assert r.get("a") == b"1"
        assert r.ttl("a") > 90
        assert err(r, "RENAME", "nokey", "nokey") == NO_SUCH_KEY

    def test_renamenx(self, r):
        r.mset({"a": "1", "b": "2"})
        assert cmd(r, "RENAMENX", "a", "b") == 0
        assert r.get("a") == b"1" and r.get("b") == b"2"
        assert cmd(r, "RENAMENX", "a", "a") == 0
        assert cmd(r, "RENAMENX", "a", "c") == 1
        assert r.get("c") == b"1"
        assert r.exists("a") == 0

    def test_rename_binary_keys(self, r):
        r.set(b"\x00a\r\n", "v")
        cmd(r, "RENAME", b"\x00a\r\n", b"\x00b\r\n")
        assert r.get(b"\x00b\r\n") == b"v"


class TestCopy:
    def test_copy(self, r):
        r.set("a", "1")
        assert cmd(r, "COPY", "a", "b") == 1
        assert r.get("b") == b"1"
        assert r.get("a") == b"1"
        r.set("a", "changed")
        assert r.get("b") == b"1"

    def test_copy_existing_dest(self, r):
        r.mset({"a": "1", "b": "2"})
        assert cmd(r, "COPY", "a", "b") == 0
        assert r.get("b") == b"2"
        assert cmd(r, "COPY", "a", "b", "REPLACE") == 1
        assert r.get("b") == b"1"

    def test_copy_missing(self, r):
        assert cmd(r, "COPY", "nokey", "x") == 0
        assert r.exists("x") == 0

    def test_copy_keeps_ttl(self, r):
        r.set("a", "1", ex=100)
        cmd(r, "COPY", "a", "b")
        assert 98 <= r.ttl("b") <= 100

    def test_copy_db(self, shared_server, r):
        r.set("a", "1")
        assert cmd(r, "COPY", "a", "a", "DB", "1") == 1
        other = shared_server.client(db=1)
        assert other.get("a") == b"1"
        assert cmd(r, "COPY", "a", "a", "DB", "1") == 0
        r.set("a", "2")
        assert cmd(r, "COPY", "a", "a", "DB", "1", "REPLACE") == 1
        assert other.get("a") == b"2"
        assert r.get("a") == b"2"

    def test_copy_errors(self, r):
        r.set("a", "1")
        assert err(r, "COPY", "a", "a") == SAME
        assert err(r, "COPY", "a", "a", "DB", "0") == SAME
        assert err(r, "COPY", "a", "b", "DB", "16") == DB_RANGE
        assert err(r, "COPY", "a", "b", "DB", "-1") == DB_RANGE
        assert err(r, "COPY", "a", "b", "DB", "abc") == NOT_INT
        assert err(r, "COPY", "a", "b", "FOO") == SYNTAX
        assert err(r, "COPY", "a", "b", "DB") == SYNTAX


class TestKeys:
    KEYS = [b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"h*llo", b"h?llo",
            b"h[a]llo", b"h\\llo", b"Hello"]

    @pytest.fixture
    def keys(self, r):
        r.mset({k: 1 for k in self.KEYS})
        return r

    @pytest.mark.parametrize("pattern,expected", [
        (b"*", KEYS),
        (b"h?llo", [b"hello", b"hallo", b"hxllo", b"h*llo", b"h?llo", b"h\\llo"]),
        (b"h*llo", [b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"h*llo", b"h?llo",
                    b"h[a]llo", b"h\\llo"]),
        (b"h[ae]llo", [b"hello", b"hallo"]),
        (b"h[^e]llo", [b"hallo", b"hxllo", b"h*llo", b"h?llo", b"h\\llo"]),
        (b"h[a-b]llo", [b"hallo"]),
        (b"h[a-z]llo", [b"hello", b"hallo", b"hxllo"]),
        (b"h\\*llo", [b"h*llo"]),
        (b"h\\?llo", [b"h?llo"]),
        (b"h\\[a\\]llo", [b"h[a]llo"]),
        (b"h\\\\llo", [b"h\\llo"]),
        (b"\\h\\e\\l\\l\\o", [b"hello"]),
        (b"[H]ello", [b"Hello"]),
        (b"hello", [b"hello"]),
        (b"HELLO", []),
        (b"*ee*", [b"heeeello"]),
        (b"h??llo", []),
        (b"h???llo", [b"h[a]llo"]),
        (b"h*", [b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"h*llo", b"h?llo",
                 b"h[a]llo", b"h\\llo"]),
        (b"", []),
        (b"nomatch*", []),
    ])
    def test_keys_patterns(self, keys, pattern, expected):
        assert sorted(cmd(keys, "KEYS", pattern)) == sorted(expected)

    def test_keys_empty_db(self, r):
        assert cmd(r, "KEYS", "*") == []

    def test_keys_many(self, r):
        r.mset({"user:%d" % i: i for i in range(1000)})
        r.mset({"other:%d" % i: i for i in range(200)})
        got = cmd(r, "KEYS", "user:*")
        assert len(got) == 1000
        assert set(got) == {b"user:%d" % i for i in range(1000)}
        assert len(cmd(r, "KEYS", "user:1?")) == 10
        assert len(cmd(r, "KEYS", "*")) == 1200


def full_scan(r, *extra, between=None):
    """SCAN until the cursor returns to 0 (bounded); returns (keys list, calls)."""
    cursor = b"0"
    seen = []
    calls = 0
    while True:
        cursor, keys = cmd(r, "SCAN", cursor, *extra)
        assert isinstance(cursor, bytes)
        seen.extend(keys)
        calls += 1
        assert calls < 100000, "SCAN did not terminate"
        if between:
            between(calls)
        if cursor == b"0":
            return seen, calls


class TestScan:
    def test_scan_empty(self, r):
        assert cmd(r, "SCAN", "0") == [b"0", []]

    def test_scan_all(self, r):
        names = {b"key:%d" % i for i in range(1000)}
        r.mset({k: 1 for k in names})
        seen, calls = full_scan(r, "COUNT", "10")
        assert set(seen) == names
        assert calls > 1

    def test_scan_match(self, r):
        r.mset({"user:%d" % i: 1 for i in range(300)})
        r.mset({"other:%d" % i: 1 for i in range(300)})
        seen, _ = full_scan(r, "MATCH", "user:*", "COUNT", "20")
        assert set(seen) == {b"user:%d" % i for i in range(300)}
        seen, _ = full_scan(r, "MATCH", "user:1?", "COUNT", "1000")
        assert set(seen) == {b"user:%d" % i for i in range(10, 20)}

    def test_scan_type(self, r):
        r.mset({"s%d" % i: 1 for i in range(50)})
        seen, _ = full_scan(r, "TYPE", "string", "COUNT", "100")
        assert set(seen) == {b"s%d" % i for i in range(50)}
        seen, _ = full_scan(r, "TYPE", "list")
        assert seen == []
        # an unknown type name matches nothing (Redis 7.0)
        assert full_scan(r, "TYPE", "foo")[0] == []

    def test_scan_options_combined(self, r):
        r.mset({"hello": 1, "hallo": 2, "other": 3})
        seen, _ = full_scan(r, "TYPE", "string", "COUNT", "100", "MATCH", "h?llo")
        assert sorted(seen) == [b"hallo", b"hello"]

    def test_scan_count_large_returns_all_small_db(self, r):
        r.mset({"k%d" % i: 1 for i in range(20)})
        cursor, keys = cmd(r, "SCAN", "0", "COUNT", "1000")
        assert cursor == b"0"
        assert len(keys) == 20

    def test_scan_errors(self, r):
        assert err(r, "SCAN", "abc") == "ERR invalid cursor"
        assert err(r, "SCAN", "18446744073709551616") == "ERR invalid cursor"
        assert err(r, "SCAN", "0", "COUNT", "0") == SYNTAX
        assert err(r, "SCAN", "0", "COUNT", "-1") == SYNTAX
        assert err(r, "SCAN", "0", "COUNT", "abc") == NOT_INT
        assert err(r, "SCAN", "0", "FOO") == SYNTAX
        assert err(r, "SCAN", "0", "MATCH") == SYNTAX

    def test_scan_guarantee_with_concurrent_changes(self, shared_server, r):
        """Every key present for the whole scan is returned, while other keys are
        added (enough to make the table grow) and deleted between SCAN calls."""
        stable = {b"stable:%d" % i for i in range(2000)}
        r.mset({k: 1 for k in stable})
        r.mset({"doomed:%d" % i: 1 for i in range(1000)})
        writer = shared_server.client()
        added = [0]
        rng = random.Random(7)

        def mutate(call):
            if added[0] < 12000:
                pipe = writer.pipeline(transaction=False)
                for _ in range(300):
                    pipe.set("new:%d" % added[0], 1)
                    added[0] += 1
                pipe.delete(*["doomed:%d" % rng.randrange(1000) for _ in range(20)])
                pipe.execute()

        seen, calls = full_scan(r, "COUNT", "50", between=mutate)
        missing = stable - set(seen)
        assert not missing, "%d stable keys never returned, e.g. %r" % (
            len(missing), sorted(missing)[:5])
        assert calls > 10

    def test_scan_guarantee_while_shrinking(self, shared_server, r):
        stable = {b"stable:%d" % i for i in range(500)}
        r.mset({k: 1 for k in stable})
        r.mset({"tmp:%d" % i: 1 for i in range(8000)})
        writer = shared_server.client()
        left = list(range(8000))

        def mutate(call):
            if left:
                batch = [left.pop() for _ in range(min(800, len(left)))]
                writer.delete(*["tmp:%d" % i for i in batch])

        seen, _ = full_scan(r, "COUNT", "100", between=mutate)
        assert stable <= set(seen)


class TestRandomKey:
    def test_randomkey_empty(self, r):
        assert r.randomkey() is None

    def test_randomkey(self, r):
        names = {b"k%d" % i for i in range(50)}
        r.mset({k: 1 for k in names})
        got = {r.randomkey() for _ in range(200)}
        assert got <= names
        assert len(got) > 5

    def test_randomkey_single(self, r):
        r.set("only", 1)
        assert r.randomkey() == b"only"


class TestObject:
    def test_object_refcount(self, r):
        r.set("k", "some value")
        assert cmd(r, "OBJECT", "REFCOUNT", "k") == 1
        assert cmd(r, "OBJECT", "REFCOUNT", "nokey") is None

    def test_object_idletime(self, r):
        r.set("k", "v")
        assert cmd(r, "OBJECT", "IDLETIME", "k") == 0
        assert cmd(r, "OBJECT", "IDLETIME", "nokey") is None

    def test_object_freq_needs_lfu(self, r):
        r.set("k", "v")
        assert err(r, "OBJECT", "FREQ", "k") == (
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
            "Please note that when switching between policies at runtime LRU and LFU data "
            "will take some time to adjust.")

    def test_object_freq_with_lfu(self, r):
        cmd(r, "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
        try:
            r.set("k", "v")
            for _ in range(50):
                r.get("k")
            freq = cmd(r, "OBJECT", "FREQ", "k")
            assert isinstance(freq, int) and 1 <= freq <= 255
            assert cmd(r, "OBJECT", "FREQ", "nokey") is None
            # with an LFU policy, IDLETIME is not available
            assert err(r, "OBJECT", "IDLETIME", "k") == (
                "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                "that when switching between policies at runtime LRU and LFU data will take "
                "some time to adjust.")
        finally:
            cmd(r, "CONFIG", "SET", "maxmemory-policy", "noeviction")

    def test_object_help(self, r):
        lines = cmd(r, "OBJECT", "HELP")
        assert isinstance(lines, list) and len(lines) > 5
        text = b"\n".join(lines)
        assert lines[0].startswith(b"OBJECT <subcommand>")
        for sub in (b"ENCODING", b"FREQ", b"IDLETIME", b"REFCOUNT", b"HELP"):
            assert sub in text

    def test_object_errors(self, r):
        assert err(r, "OBJECT", "FOO") == "ERR unknown subcommand 'FOO'. Try OBJECT HELP."
        assert err(r, "OBJECT", "ENCODING") == (
            "ERR wrong number of arguments for 'object|encoding' command")
        assert err(r, "OBJECT", "ENCODING", "a", "b") == (
            "ERR wrong number of arguments for 'object|encoding' command")


class TestDatabases:
    def test_select(self, shared_server):
        c = shared_server.raw()
        assert c.call("SELECT", "1") == b"OK"
        c.call("SET", "k", "db1")
        assert c.call("SELECT", "15") == b"OK"
        assert c.call("EXISTS", "k") == 0
        c.call("SELECT", "1")
        assert c.call("GET", "k") == b"db1"
        c.call("FLUSHDB")

    def test_select_errors(self, r):
        assert err(r, "SELECT", "16") == DB_RANGE
        assert err(r, "SELECT", "-1") == DB_RANGE
        assert err(r, "SELECT", "abc") == NOT_INT

    def test_dbs_are_separate(self, shared_server, r):
        d1 = shared_server.client(db=1)
        r.set("k", "db0")
        d1.set("k", "db1")
        d1.set("only1", "x")
        assert r.get("k") == b"db0"
        assert d1.get("k") == b"db1"
        assert r.dbsize() == 1
        assert d1.dbsize() == 2

    def test_move(self, shared_server, r):
        d1 = shared_server.client(db=1)
        r.set("k", "v", ex=100)
        assert cmd(r, "MOVE", "k", "1") == 1
        assert r.exists("k") == 0
        assert d1.get("k") == b"v"
        assert 98 <= d1.ttl("k") <= 100
        assert cmd(r, "MOVE", "k", "1") == 0  # no longer in db 0
        r.set("k", "again")
        assert cmd(r, "MOVE", "k", "1") == 0  # exists in target: not moved
        assert r.get("k") == b"again"
        assert d1.get("k") == b"v"
        assert cmd(r, "MOVE", "nokey", "1") == 0

    def test_move_errors(self, r):
        r.set("k", "v")
        assert err(r, "MOVE", "k", "0") == SAME
        assert err(r, "MOVE", "k", "16") == DB_RANGE
        assert err(r, "MOVE", "k", "abc") == NOT_INT

    def test_swapdb(self, shared_server, r):
        d1 = shared_server.client(db=1)
        r.set("a", "in0")
        d1.mset({"b": "in1", "c": "in1"})
        assert cmd(r, "SWAPDB", "0", "1") == b"OK"
        # connections keep their db index and see the swapped contents
        assert r.dbsize() == 2 and r.get("b") == b"in1"
        assert d1.dbsize() == 1 and d1.get("a") == b"in0"
        assert cmd(r, "SWAPDB", "1", "0") == b"OK"
        assert r.get("a") == b"in0"
        assert cmd(r, "SWAPDB", "0", "0") == b"OK"
        assert r.get("a") == b"in0"

    def test_swapdb_errors(self, r):
        assert err(r, "SWAPDB", "0", "16") == DB_RANGE
        assert err(r, "SWAPDB", "-1", "0") == DB_RANGE
        assert err(r, "SWAPDB", "abc", "0") == "ERR invalid first DB index"
        assert err(r, "SWAPDB", "0", "abc") == "ERR invalid second DB index"

    def test_flushdb_only_current(self, shared_server, r):
        d1 = shared_server.client(db=1)
        r.set("a", 1)
        d1.set("b", 1)
        assert cmd(r, "FLUSHDB") == b"OK"
        assert r.dbsize() == 0
        assert d1.dbsize() == 1

    @pytest.mark.parametrize("mode", ["ASYNC", "SYNC", "async", "sync"])
    def test_flushdb_modes(self, r, mode):
        r.mset({"k%d" % i: i for i in range(1000)})
        assert cmd(r, "FLUSHDB", mode) == b"OK"
        assert r.dbsize() == 0
        r.set("after", 1)
        assert r.get("after") == b"1"

    @pytest.mark.parametrize("mode", [None, "ASYNC", "SYNC"])
    def test_flushall(self, shared_server, r, mode):
        d1 = shared_server.client(db=1)
        r.mset({"k%d" % i: i for i in range(100)})
        d1.set("b", 1)
        assert cmd(r, "FLUSHALL", *([mode] if mode else [])) == b"OK"
        assert r.dbsize() == 0
        assert d1.dbsize() == 0

    def test_flush_errors(self, r):
        assert err(r, "FLUSHDB", "FOO") == SYNTAX
        assert err(r, "FLUSHALL", "FOO") == SYNTAX
