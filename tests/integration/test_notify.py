"""Keyspace notifications: notify-keyspace-events (parsing and normalisation),
the __keyspace@<db>__ and __keyevent@<db>__ channels, and the events of every
write command, checked event by event against Redis 7.0."""

import time

import pytest

from resp import Push
from util import cmd, wait_for

SENTINEL = "__notify_test_done__"


class Listener:
    """A raw connection subscribed to every notification channel (and a
    sentinel channel, to know when everything published before has arrived)."""

    def __init__(self, srv, pattern="__key*__:*"):
        self.c = srv.raw(timeout=15)
        self.c.call("PSUBSCRIBE", pattern)
        self.c.call("SUBSCRIBE", SENTINEL)

    def collect(self, pub):
        """Everything received until the sentinel published now through pub."""
        cmd(pub, "PUBLISH", SENTINEL, "x")
        out = []
        while True:
            m = self.c.read()
            if m[0] == b"message" and m[1] == SENTINEL.encode():
                return out
            assert m[0] == b"pmessage", m
            out.append((m[2].decode(), m[3].decode()))

    def keyspace(self, pub):
        """Keyspace events as (db, key, event)."""
        out = []
        for ch, data in self.collect(pub):
            assert ch.startswith("__keyspace@"), ch
            db, key = ch[len("__keyspace@"):].split("__:", 1)
            out.append((int(db), key, data))
        return out


@pytest.fixture
def notif(shared_server, r):
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "KA")
    yield shared_server
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "")
    for db in (1, 2):
        cmd(r, "SELECT", db)
        cmd(r, "FLUSHDB")
    cmd(r, "SELECT", 0)


def run_case(srv, r, setup, commands, flags="KA"):
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "")
    cmd(r, "FLUSHALL")
    for c in setup:
        cmd(r, *c)
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", flags)
    lis = Listener(srv)
    for c in commands:
        cmd(r, *c)
    got = lis.keyspace(r)
    lis.c.close()
    return [(k, e) if db == 0 else (db, k, e) for db, k, e in got]


# (name, setup commands, commands, expected keyspace events (key, event))
CASES = [
    ("set", [], [("SET", "k", "v")], [("k", "set")]),
    ("set_ex", [], [("SET", "k", "v", "EX", "100")], [("k", "set"), ("k", "expire")]),
    ("set_nx_miss", [("SET", "k", "v")], [("SET", "k", "w", "NX")], []),
    ("setex", [], [("SETEX", "k", "100", "v")], [("k", "set"), ("k", "expire")]),
    ("psetex", [], [("PSETEX", "k", "100000", "v")], [("k", "set"), ("k", "expire")]),
    ("setnx", [], [("SETNX", "k", "v"), ("SETNX", "k", "w")], [("k", "set")]),
    ("mset", [], [("MSET", "a", "1", "b", "2")], [("a", "set"), ("b", "set")]),
    ("msetnx", [], [("MSETNX", "a", "1", "b", "2")], [("a", "set"), ("b", "set")]),
    ("getset", [], [("GETSET", "k", "v")], [("k", "set")]),
    ("getdel", [("SET", "k", "v")], [("GETDEL", "k"), ("GETDEL", "k")], [("k", "del")]),
    ("getex", [("SET", "k", "v")],
     [("GETEX", "k", "EX", "100"), ("GETEX", "k", "PERSIST"), ("GETEX", "k")],
     [("k", "expire"), ("k", "persist")]),
    ("append", [], [("APPEND", "k", "a"), ("APPEND", "k", "b")],
     [("k", "append"), ("k", "append")]),
    ("setrange", [("SET", "k", "hello")], [("SETRANGE", "k", "1", "a")], [("k", "setrange")]),
    ("incr", [], [("INCR", "n"), ("DECR", "n"), ("INCRBY", "n", "5"), ("DECRBY", "n", "2")],
     [("n", "incrby")] * 4),
    ("incrbyfloat", [], [("INCRBYFLOAT", "f", "1.5")], [("f", "incrbyfloat")]),
    ("del", [("SET", "a", "1"), ("SET", "b", "1")], [("DEL", "a", "b", "c"), ("UNLINK", "b")],
     [("a", "del"), ("b", "del")]),
    ("expire", [("SET", "k", "v")],
     [("EXPIRE", "k", "100"), ("PEXPIRE", "k", "100000"), ("EXPIREAT", "k", "4000000000"),
      ("PERSIST", "k"), ("PERSIST", "k"), ("EXPIRE", "k", "100", "XX")],
     [("k", "expire"), ("k", "expire"), ("k", "expire"), ("k", "persist")]),
    ("expire_past", [("SET", "k", "v")], [("EXPIRE", "k", "-1")], [("k", "del")]),
    ("rename", [("SET", "a", "1"), ("SET", "b", "2")], [("RENAME", "a", "b")],
     [("a", "rename_from"), ("b", "rename_to")]),
    ("renamenx", [("SET", "a", "1")], [("RENAMENX", "a", "c")],
     [("a", "rename_from"), ("c", "rename_to")]),
    ("copy", [("SET", "a", "1")], [("COPY", "a", "c"), ("COPY", "a", "d", "DB", "2")],
     [("c", "copy_to"), (2, "d", "copy_to")]),
    ("move", [("SET", "a", "1")], [("MOVE", "a", "1")],
     [("a", "move_from"), (1, "a", "move_to")]),
    ("push_pop", [],
     [("LPUSH", "l", "a", "b"), ("RPUSH", "l", "c"), ("LPUSHX", "l", "d"), ("RPUSHX", "l", "e"),
      ("LPUSHX", "nol", "x"), ("LPOP", "l"), ("RPOP", "l", "2"), ("LPOP", "l"), ("LPOP", "l")],
     [("l", "lpush"), ("l", "rpush"), ("l", "lpush"), ("l", "rpush"), ("l", "lpop"),
      ("l", "rpop"), ("l", "lpop"), ("l", "lpop"), ("l", "del")]),
    ("list_edits", [("RPUSH", "l", "a", "b", "c", "b")],
     [("LINSERT", "l", "BEFORE", "a", "z"), ("LINSERT", "l", "BEFORE", "nope", "z"),
      ("LSET", "l", "0", "y"), ("LREM", "l", "0", "b"), ("LREM", "l", "0", "nope"),
      ("LTRIM", "l", "0", "1"), ("LTRIM", "l", "5", "1")],
     [("l", "linsert"), ("l", "lset"), ("l", "lrem"), ("l", "ltrim"), ("l", "ltrim"),
      ("l", "del")]),
    ("lmove", [("RPUSH", "s", "a")], [("LMOVE", "s", "d", "LEFT", "RIGHT")],
     [("d", "rpush"), ("s", "lpop"), ("s", "del")]),
    ("rpoplpush", [("RPUSH", "s", "a", "b")], [("RPOPLPUSH", "s", "d")],
     [("d", "lpush"), ("s", "rpop")]),
    ("lmpop", [("RPUSH", "l", "a", "b")], [("LMPOP", "2", "x", "l", "RIGHT", "COUNT", "5")],
     [("l", "rpop"), ("l", "del")]),
    ("hash", [],
     [("HSET", "h", "f", "v", "g", "w"), ("HSETNX", "h", "f", "x"), ("HSETNX", "h", "n", "1"),
      ("HMSET", "h", "a", "1"), ("HINCRBY", "h", "n", "1"), ("HINCRBYFLOAT", "h", "x", "1.5"),
      ("HDEL", "h", "zz"), ("HDEL", "h", "f", "g"), ("HDEL", "h", "n", "x", "a")],
     [("h", "hset"), ("h", "hset"), ("h", "hset"), ("h", "hincrby"), ("h", "hincrbyfloat"),
      ("h", "hdel"), ("h", "hdel"), ("h", "del")]),
    ("set_type", [],
     [("SADD", "s", "a", "b", "c"), ("SADD", "s", "a"), ("SREM", "s", "a", "zz"),
      ("SREM", "s", "zz"), ("SPOP", "s"), ("SPOP", "s", "5")],
     [("s", "sadd"), ("s", "srem"), ("s", "spop"), ("s", "spop"), ("s", "del")]),
    ("smove", [("SADD", "s", "a"), ("SADD", "d", "a")],
     [("SMOVE", "s", "d", "a"), ("SADD", "s", "b"), ("SMOVE", "s", "e", "b")],
     [("s", "srem"), ("s", "del"), ("s", "sadd"), ("s", "srem"), ("s", "del"), ("e", "sadd")]),
    ("set_store", [("SADD", "a", "1", "2"), ("SADD", "b", "2", "3"), ("SET", "x", "y")],
     [("SINTERSTORE", "d1", "a", "b"), ("SUNIONSTORE", "d2", "a", "b"),
      ("SDIFFSTORE", "d3", "a", "b"), ("SINTERSTORE", "d1", "a", "nokey"),
      ("SINTERSTORE", "d9", "a", "nokey")],
     [("d1", "sinterstore"), ("d2", "sunionstore"), ("d3", "sdiffstore"), ("d1", "del")]),
    ("zset", [],
     [("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"), ("ZADD", "z", "1", "a"),
      ("ZADD", "z", "5", "a"), ("ZINCRBY", "z", "1", "a"), ("ZADD", "z", "INCR", "1", "a"),
      ("ZADD", "z", "XX", "1", "new"), ("ZREM", "z", "nope"), ("ZREM", "z", "b"),
      ("ZREMRANGEBYSCORE", "z", "100", "200"), ("ZREMRANGEBYSCORE", "z", "3", "3"),
      ("ZREMRANGEBYRANK", "z", "0", "0"), ("ZPOPMAX", "z"), ("ZPOPMIN", "z")],
     [("z", "zadd"), ("z", "zadd"), ("z", "zincr"), ("z", "zincr"), ("z", "zrem"),
      ("z", "zremrangebyscore"), ("z", "zremrangebyrank"), ("z", "zpopmax"), ("z", "del")]),
    ("zset_more", [("ZADD", "z", "1", "a", "2", "b"), ("ZADD", "y", "1", "a", "3", "c")],
     [("ZREMRANGEBYLEX", "z", "[a", "[a"), ("ZPOPMIN", "z", "5"), ("ZMPOP", "1", "y", "MAX"),
      ("ZADD", "z", "1", "a", "2", "b")],
     [("z", "zremrangebylex"), ("z", "zpopmin"), ("z", "del"), ("y", "zpopmax"),
      ("z", "zadd")]),
    ("zset_store", [("ZADD", "a", "1", "x", "2", "y"), ("ZADD", "b", "1", "y")],
     [("ZUNIONSTORE", "u", "2", "a", "b"), ("ZINTERSTORE", "i", "2", "a", "b"),
      ("ZDIFFSTORE", "d", "2", "a", "b"), ("ZRANGESTORE", "r", "a", "0", "0"),
      ("ZINTERSTORE", "u", "2", "a", "nokey"), ("ZRANGESTORE", "r", "nokey", "0", "-1")],
     [("u", "zunionstore"), ("i", "zinterstore"), ("d", "zdiffstore"), ("r", "zrangestore"),
      ("u", "del"), ("r", "del")]),
    ("bitmap", [("SET", "s", "abc")],
     [("SETBIT", "b", "7", "1"), ("SETBIT", "b", "7", "1"), ("BITOP", "OR", "d", "b", "s"),
      ("BITFIELD", "b", "SET", "u8", "0", "255"), ("BITFIELD", "b", "GET", "u8", "0"),
      ("BITOP", "AND", "d", "nokey")],
     [("b", "setbit"), ("d", "set"), ("b", "setbit"), ("d", "del")]),
    ("hll", [], [("PFADD", "p", "a", "b"), ("PFADD", "p", "a"), ("PFMERGE", "q", "p"),
                 ("PFCOUNT", "p")],
     [("p", "pfadd"), ("q", "pfadd")]),
    ("geo", [],
     [("GEOADD", "g", "13.361389", "38.115556", "Palermo"),
      ("GEOADD", "g", "13.361389", "38.115556", "Palermo"),
      ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "13.36", "38.11", "BYRADIUS", "10", "km"),
      ("GEORADIUS", "g", "13.36", "38.11", "10", "km", "STORE", "e"),
      ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km")],
     [("g", "zadd"), ("d", "geosearchstore"), ("e", "georadiusstore"), ("d", "del")]),
    ("sort_store", [("RPUSH", "l", "3", "1", "2"), ("SET", "d2", "x")],
     [("SORT", "l", "STORE", "d"), ("SORT", "nokey", "STORE", "d2")],
     [("d", "sortstore"), ("d2", "del")]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_command_events(notif, r, case):
    _, setup, commands, expected = case
    assert run_case(notif, r, setup, commands) == expected


def test_keyevent_channel_and_both(notif, r):
    lis = Listener(notif)
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "E$g")
    cmd(r, "SET", "k", "v")
    cmd(r, "DEL", "k")
    cmd(r, "LPUSH", "l", "x")  # class l not enabled
    assert lis.collect(r) == [("__keyevent@0__:set", "k"), ("__keyevent@0__:del", "k")]
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "KEl")
    cmd(r, "SELECT", 3)
    cmd(r, "RPUSH", "l", "x")
    cmd(r, "SELECT", 0)
    assert lis.collect(r) == [("__keyspace@3__:l", "rpush"), ("__keyevent@3__:rpush", "l")]
    # Without K or E nothing is published, whatever the classes.
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "A")
    cmd(r, "SET", "k", "v")
    assert lis.collect(r) == []
    cmd(r, "SELECT", 3)
    cmd(r, "FLUSHDB")
    cmd(r, "SELECT", 0)


def test_new_and_keymiss(notif, r):
    assert run_case(notif, r, [("SET", "old", "1")],
                    [("SET", "k", "v"), ("SET", "k", "w"), ("SET", "old", "2"),
                     ("LPUSH", "l", "a"), ("SADD", "s", "a"), ("HSET", "h", "f", "v"),
                     ("ZADD", "z", "1", "m"), ("INCR", "n"), ("RENAME", "k", "k2"),
                     ("COPY", "k2", "k3")],
                    flags="Kn") == [("k", "new"), ("l", "new"), ("s", "new"), ("h", "new"),
                                    ("z", "new"), ("n", "new"), ("k2", "new"), ("k3", "new")]
    assert run_case(notif, r, [("SET", "k", "v")],
                    [("GET", "k"), ("GET", "nokey"), ("HGET", "noh", "f"), ("LRANGE", "nol", "0", "1"),
                     ("SET", "nokey2", "v")],
                    flags="Km") == [("nokey", "keymiss"), ("noh", "keymiss"),
                                    ("nol", "keymiss")]


def test_class_filters(notif, r):
    cmds = [("SET", "s", "1"), ("LPUSH", "l", "a"), ("SADD", "st", "a"), ("HSET", "h", "f", "v"),
            ("ZADD", "z", "1", "m"), ("EXPIRE", "s", "100"), ("DEL", "l")]
    assert run_case(notif, r, [], cmds, flags="K$") == [("s", "set")]
    assert run_case(notif, r, [], cmds, flags="Kl") == [("l", "lpush")]
    assert run_case(notif, r, [], cmds, flags="Ks") == [("st", "sadd")]
    assert run_case(notif, r, [], cmds, flags="Kh") == [("h", "hset")]
    assert run_case(notif, r, [], cmds, flags="Kz") == [("z", "zadd")]
    assert run_case(notif, r, [], cmds, flags="Kg") == [("s", "expire"), ("l", "del")]


def test_expired_event(notif, r):
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "Kx")
    lis = Listener(notif)
    cmd(r, "SET", "gone", "v", "PX", "50")
    cmd(r, "SET", "stays", "v")
    m = lis.c.read(timeout=10)
    assert m == [b"pmessage", b"__key*__:*", b"__keyspace@0__:gone", b"expired"]
    assert lis.collect(r) == []


def test_evicted_event(server):
    srv = server(threads=2)
    r = srv.client()
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "Ee")
    lis = Listener(srv)
    cmd(r, "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
    used = int(cmd(r, "INFO", "memory").decode().split("used_memory:")[1].split("\r\n")[0])
    cmd(r, "CONFIG", "SET", "maxmemory", str(used + 256 * 1024))
    for i in range(200):
        cmd(r, "SET", "key:%d" % i, "x" * 10000)
    got = lis.collect(r)
    assert got, "no eviction events"
    assert all(ch == "__keyevent@0__:evicted" and k.startswith("key:") for ch, k in got)
    assert len(set(k for _, k in got)) == len(got)
    assert cmd(r, "EXISTS", *[k for _, k in got]) == 0
    cmd(r, "CONFIG", "SET", "maxmemory", "0")


def test_resp3_subscriber_gets_notifications(notif, r):
    c = notif.raw()
    c.call("HELLO", "3")
    assert c.call("SUBSCRIBE", "__keyevent@0__:set") == [b"subscribe", b"__keyevent@0__:set", 1]
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "E$")
    # The subscriber's own write notifies itself, before the reply.
    c.send("SET", "mine", "1")
    m = c.read()
    assert isinstance(m, Push) and m == [b"message", b"__keyevent@0__:set", b"mine"]
    assert c.read() == b"OK"


@pytest.mark.parametrize("value,expected", [
    ("KEA", "AKE"), ("Kgn", "gnK"), ("Em", "Em"), ("AKEm", "AKEm"), ("nd", "dn"), ("", ""),
    ("xe", "xe"), ("KEg$lshzxetd", "AKE"), ("A", "A"), ("lgK$", "g$lK"), ("tE", "tE"),
])
def test_config_normalised(r, value, expected):
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", value)
    assert cmd(r, "CONFIG", "GET", "notify-keyspace-events") == \
        [b"notify-keyspace-events", expected.encode()]
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "")


def test_config_invalid(r):
    with pytest.raises(Exception) as e:
        cmd(r, "CONFIG", "SET", "notify-keyspace-events", "KEQ")
    assert "Invalid event class character" in str(e.value)


def test_notifications_ordered_per_key_across_threads(server):
    """Writers on both workers change the same keys: a subscriber sees each
    key's events in the order the changes happened (INCR values rise by one)."""
    import threading
    from resp import RawClient
    srv = server(threads=2)
    r = srv.client()
    cmd(r, "CONFIG", "SET", "notify-keyspace-events", "K$")
    subs = [Listener(srv, "__keyspace@0__:ctr*") for _ in range(4)]
    keys = ["ctr%d" % i for i in range(3)]
    per_writer = 200

    def writer(i):
        with RawClient(srv.host, srv.port) as wc:
            for j in range(per_writer):
                wc.send("INCR", keys[j % 3])
                wc.read()

    ts = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    total = 6 * per_writer
    for lis in subs:
        got = lis.collect(r)
        assert len(got) == total
        assert all(ev == "incrby" for _, ev in got)
    # Every notification is published under the key's lock: counting events
    # per key gives each key's final value.
    vals = [int(v) for v in cmd(r, "MGET", *keys)]
    assert sum(vals) == total
    assert time.monotonic() > 0
