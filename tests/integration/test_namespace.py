"""Namespaces (kvik extension, docs/namespaces.md): a client moved into a
namespace with NAMESPACE USE sees a keyspace, databases, channels and keyspace
notifications of its own. Checked here: isolation of keys, databases, SCAN /
KEYS / RANDOMKEY / DBSIZE / FLUSHDB / FLUSHALL, INFO keyspace, pub/sub,
notifications, WATCH, blocked clients; the NAMESPACE command; quotas;
persistence through RDB and AOF; and, derived from the command table, that no
keyed command and no pub/sub command of one namespace reads, writes, lists or
notices anything of another."""

import itertools
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from resp import Error, Null, RawClient
from util import free_port, parse_info, run_parallel, wait_for

pytestmark = pytest.mark.kvik_only

_names = itertools.count()


def fresh_name(prefix="t"):
    return "%s%d" % (prefix, next(_names))


def ok(reply):
    assert reply == b"OK", reply
    return reply


class Spaces:
    """Connections into namespaces of one server; deletes the namespaces it
    made when the test ends (after closing its connections)."""

    def __init__(self, server):
        self.server = server
        self.names = []
        self.conns = []

    def name(self, prefix="t"):
        n = fresh_name(prefix)
        self.names.append(n)
        return n

    def conn(self, name=None):
        c = self.server.raw()
        self.conns.append(c)
        if name is not None:
            ok(c.call("NAMESPACE", "USE", name))
        return c

    def close(self):
        for c in self.conns:
            try:
                c.close()
            except Exception:
                pass
        if not self.server.is_running():
            return
        admin = self.server.raw()
        try:
            for n in self.names:
                def gone(n=n):
                    rep = admin.call("NAMESPACE", "DEL", n)
                    return rep == b"OK" or (isinstance(rep, Error) and b"no such" in rep)
                wait_for(gone, message="namespace %s deleted" % n)
        finally:
            admin.close()


@pytest.fixture
def spaces(shared_server, r):
    s = Spaces(shared_server)
    yield s
    s.close()


def keyspace(c):
    return parse_info(c.call("INFO", "keyspace").decode())


# ------------------------------------------------------------ keys and databases

def test_keys_isolated(spaces):
    a_name, b_name = spaces.name(), spaces.name()
    a, b, d = spaces.conn(a_name), spaces.conn(b_name), spaces.conn()
    ok(a.call("SET", "k", "a"))
    ok(b.call("SET", "k", "b"))
    assert d.call("GET", "k") == Null("bulk")
    ok(d.call("SET", "k", "d"))
    assert [x.call("GET", "k") for x in (a, b, d)] == [b"a", b"b", b"d"]
    for i in range(20):
        ok(a.call("SET", "a%d" % i, i))
    assert a.call("DBSIZE") == 21 and b.call("DBSIZE") == 1 and d.call("DBSIZE") == 1
    assert sorted(a.call("KEYS", "*")) == sorted([b"k"] + [b"a%d" % i for i in range(20)])
    assert b.call("KEYS", "*") == [b"k"] and d.call("KEYS", "a*") == []
    seen, cur = set(), b"0"
    while True:
        cur, batch = b.call("SCAN", cur, "COUNT", 5)
        seen.update(batch)
        if cur == b"0":
            break
    assert seen == {b"k"}
    assert all(b.call("RANDOMKEY") == b"k" for _ in range(10))
    assert all(a.call("RANDOMKEY") != b"zz" for _ in range(5))
    assert d.call("EXISTS", "a1", "a2") == 0
    assert b.call("DEL", "a1", "k") == 1
    assert a.call("EXISTS", "a1", "k") == 2


def test_databases_flush_and_info(spaces):
    a_name, b_name = spaces.name(), spaces.name()
    a, b, d = spaces.conn(a_name), spaces.conn(b_name), spaces.conn()
    ok(d.call("SET", "dk", 1))
    ok(a.call("SELECT", 5))
    ok(a.call("SET", "x", 1))
    ok(a.call("SET", "y", 2))
    ok(b.call("SELECT", 5))
    assert b.call("DBSIZE") == 0
    assert keyspace(a) == {"db5": "keys=2,expires=0,avg_ttl=0"}
    assert keyspace(b) == {}
    assert keyspace(d) == {"db0": "keys=1,expires=0,avg_ttl=0"}
    # MOVE, COPY ... DB and SWAPDB stay inside the namespace
    assert a.call("MOVE", "x", 6) == 1
    assert a.call("COPY", "y", "y2", "DB", 7) == 1
    ok(a.call("SWAPDB", 6, 0))
    assert keyspace(a) == {"db0": "keys=1,expires=0,avg_ttl=0",
                           "db5": "keys=1,expires=0,avg_ttl=0",
                           "db7": "keys=1,expires=0,avg_ttl=0"}
    assert keyspace(b) == {} and keyspace(d) == {"db0": "keys=1,expires=0,avg_ttl=0"}
    assert d.call("EXISTS", "x") == 0
    ok(b.call("SET", "bk", 1))
    # FLUSHDB and FLUSHALL empty only the caller's namespace
    ok(a.call("FLUSHDB"))
    assert keyspace(a) == {"db0": "keys=1,expires=0,avg_ttl=0",
                           "db7": "keys=1,expires=0,avg_ttl=0"}
    ok(a.call("FLUSHALL"))
    assert keyspace(a) == {}
    assert b.call("EXISTS", "bk") == 1 and d.call("EXISTS", "dk") == 1
    ok(d.call("FLUSHALL"))
    assert b.call("EXISTS", "bk") == 1
    # SELECT range is the same in every namespace
    assert isinstance(a.call("SELECT", 16), Error)
    assert b.call("CLIENT", "INFO").split(b" db=")[1].startswith(b"5 ")


def test_client_list_names_the_namespace(spaces):
    name = spaces.name()
    a = spaces.conn(name)
    ok(a.call("CLIENT", "SETNAME", "in-ns"))
    root = spaces.conn()
    ok(root.call("CLIENT", "SETNAME", "at-root"))
    fields = lambda line: dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
    assert fields(a.call("CLIENT", "INFO").decode().strip())["ns"] == name
    # the default namespace adds no field: Redis's CLIENT LIST, unchanged
    assert "ns" not in fields(root.call("CLIENT", "INFO").decode().strip())
    rows = [fields(l) for l in root.call("CLIENT", "LIST").decode().splitlines()]
    by_name = {r["name"]: r for r in rows}
    assert by_name["in-ns"]["ns"] == name
    assert "ns" not in by_name["at-root"]


def test_expiry_in_namespace(spaces):
    a = spaces.conn(spaces.name())
    ok(a.call("SET", "e", 1, "PX", 30))
    ok(a.call("SET", "p", 1))
    wait_for(lambda: a.call("DBSIZE") == 1, message="active expiry in a namespace")
    assert a.call("EXISTS", "e") == 0


# ------------------------------------------------------------ the command

def test_namespace_command(spaces, shared_server):
    admin = spaces.conn()
    name = spaces.name()
    a = spaces.conn(name)
    ok(a.call("SET", "one", "1"))
    assert a.call("RPUSH", "two", "a", "b", "c") == 3
    rep = admin.call("NAMESPACE", "INFO", name)
    info = dict(zip(rep[0::2], rep[1::2]))
    assert info[b"name"] == name.encode() and info[b"keys"] == 2 and info[b"clients"] == 1
    assert info[b"memory"] > 0 and info[b"maxkeys"] == 0 and info[b"maxmemory"] == 0
    listed = {dict(zip(e[0::2], e[1::2]))[b"name"]: dict(zip(e[0::2], e[1::2]))
              for e in admin.call("NAMESPACE", "LIST")}
    assert listed[b"default"][b"clients"] == 0
    assert listed[name.encode()][b"keys"] == 2
    # errors
    assert b"no such namespace" in admin.call("NAMESPACE", "INFO", "nosuch-ns")
    assert b"invalid namespace name" in admin.call("NAMESPACE", "USE", "bad name")
    assert b"invalid namespace name" in admin.call("NAMESPACE", "USE", "x" * 65)
    assert b"default namespace has no quotas" in admin.call("NAMESPACE", "QUOTA", "default",
                                                            "MAXKEYS", 1)
    assert b"can't be deleted" in admin.call("NAMESPACE", "DEL", "default")
    err = admin.call("NAMESPACE", "DEL", name)
    assert isinstance(err, Error) and b"connected client" in err
    assert isinstance(admin.call("NAMESPACE", "QUOTA", name, "MAXKEYS", -1), Error)
    assert isinstance(admin.call("NAMESPACE", "QUOTA", name, "BOGUS", 1), Error)
    assert isinstance(admin.call("NAMESPACE", "NOPE"), Error)
    help_lines = admin.call("NAMESPACE", "HELP")
    assert any(l.startswith(b"USE") for l in help_lines)
    # USE default goes back; the count follows
    ok(a.call("NAMESPACE", "USE", "default"))
    assert a.call("GET", "one") == Null("bulk")
    wait_for(lambda: admin.call("NAMESPACE", "DEL", name) == b"OK", message="DEL after leaving")
    assert b"no such namespace" in admin.call("NAMESPACE", "INFO", name)
    # a new namespace of the same name starts empty
    ok(a.call("NAMESPACE", "USE", name))
    assert a.call("DBSIZE") == 0


def test_namespace_command_docs(r):
    from util import cmd
    info = cmd(r, "COMMAND", "INFO", "NAMESPACE")[0]
    subs = {s[0] for s in info[9]}
    assert subs == {b"namespace|list", b"namespace|info", b"namespace|quota",
                    b"namespace|use", b"namespace|del", b"namespace|help"}
    use = [s for s in info[9] if s[0] == b"namespace|use"][0]
    assert set(use[6]) >= {b"@admin", b"@slow", b"@dangerous"}
    docs = cmd(r, "COMMAND", "DOCS", "NAMESPACE")
    assert docs[0] == b"namespace"


def test_max_namespaces(server):
    s = server("--max-namespaces", 2)
    c = s.raw()
    ok(c.call("NAMESPACE", "QUOTA", "n1", "MAXKEYS", 5))
    ok(c.call("NAMESPACE", "QUOTA", "n2", "MAXKEYS", 5))
    assert b"too many namespaces" in c.call("NAMESPACE", "USE", "n3")
    ok(c.call("NAMESPACE", "DEL", "n2"))
    ok(c.call("NAMESPACE", "USE", "n3"))
    s2 = server("--max-namespaces", 0)
    assert b"disabled" in s2.raw().call("NAMESPACE", "USE", "x")


# ------------------------------------------------------------ quotas

def test_quota_maxkeys(spaces):
    admin = spaces.conn()
    name = spaces.name()
    ok(admin.call("NAMESPACE", "QUOTA", name, "MAXKEYS", 10))
    rep = admin.call("NAMESPACE", "QUOTA", name)
    assert dict(zip(rep[0::2], rep[1::2])) == {b"maxkeys": 10, b"maxmemory": 0}
    a, other = spaces.conn(name), spaces.conn(spaces.name())
    for i in range(10):
        ok(a.call("SET", "k%d" % i, i))
    err = a.call("SET", "k10", 1)
    assert err == Error(b"OOM namespace '%s' reached its maxkeys quota (10)" % name.encode())
    assert isinstance(a.call("LPUSH", "l", 1), Error)
    # reads, deletes and other namespaces still work
    assert a.call("GET", "k1") == b"1"
    for i in range(20):
        ok(other.call("SET", "o%d" % i, i))
    # inside MULTI: rejected while queueing, EXEC aborts
    ok(a.call("MULTI"))
    assert isinstance(a.call("SET", "k11", 1), Error)
    assert a.call("EXEC").startswith(b"EXECABORT")
    assert a.call("DEL", "k1", "k2") == 2
    ok(a.call("SET", "new", 1))
    ok(admin.call("NAMESPACE", "QUOTA", name, "MAXKEYS", 0))
    ok(a.call("SET", "more", 1))


def test_quota_maxmemory(spaces):
    admin = spaces.conn()
    name = spaces.name()
    ok(admin.call("NAMESPACE", "QUOTA", name, "MAXMEMORY", "64kb"))
    a = spaces.conn(name)
    val = "v" * 1000
    refused = None
    for i in range(200):
        rep = a.call("SET", "k%d" % i, val)
        if isinstance(rep, Error):
            refused = (i, rep)
            break
    assert refused, "the quota never refused a write"
    i, err = refused
    assert err == Error(b"OOM namespace '%s' reached its maxmemory quota (65536 bytes)"
                        % name.encode())
    # about 64 KB of 1 KB values: the charge follows the data
    assert 40 <= i <= 66, i
    mem = dict(zip(*[iter(admin.call("NAMESPACE", "INFO", name))] * 2))[b"memory"]
    assert 65536 < mem < 65536 + 4096, mem
    # deleting frees the charge again
    assert a.call("DEL", *["k%d" % j for j in range(i // 2)]) == i // 2
    mem2 = dict(zip(*[iter(admin.call("NAMESPACE", "INFO", name))] * 2))[b"memory"]
    assert mem2 < mem - 1000 * (i // 2), (mem, mem2)
    ok(a.call("SET", "again", val))
    # expiry refunds too (outside the namespace's own commands)
    for j in range(i // 2, i):
        assert a.call("PEXPIRE", "k%d" % j, 20) == 1
    wait_for(lambda: a.call("DBSIZE") == 1, message="keys expired")
    mem3 = dict(zip(*[iter(admin.call("NAMESPACE", "INFO", name))] * 2))[b"memory"]
    # (what stays is the one key and the shards' tables)
    assert mem3 < mem2 - 500 * (i - i // 2), (mem2, mem3)
    # FLUSHALL resets it
    ok(a.call("FLUSHALL"))
    mem4 = dict(zip(*[iter(admin.call("NAMESPACE", "INFO", name))] * 2))[b"memory"]
    assert mem4 == 0


# ------------------------------------------------------------ pub/sub, notifications

def read_pushes(c, timeout=0.3):
    """Messages that arrive within timeout."""
    out = []
    while True:
        try:
            out.append(c.read(timeout=timeout))
        except Exception:
            return out


def test_pubsub_isolated(spaces):
    a_name, b_name = spaces.name(), spaces.name()
    subs = {}
    for who, name in (("a", a_name), ("b", b_name), ("d", None)):
        s = spaces.conn(name)
        s.send("SUBSCRIBE", "news")
        assert s.read() == [b"subscribe", b"news", 1]
        s.send("PSUBSCRIBE", "n*")
        assert s.read() == [b"psubscribe", b"n*", 2]
        s.send("SSUBSCRIBE", "shard")
        assert s.read() == [b"ssubscribe", b"shard", 1]
        subs[who] = s
    pa, pb, pd = spaces.conn(a_name), spaces.conn(b_name), spaces.conn()
    # each namespace counts only its own receivers
    assert pa.call("PUBLISH", "news", "for-a") == 2
    assert pa.call("SPUBLISH", "shard", "s-a") == 1
    assert pd.call("PUBLISH", "news", "for-d") == 2
    assert pb.call("PUBLISH", "nothing-here", "x") == 1  # its own pattern only
    got_a = read_pushes(subs["a"])
    assert [b"message", b"news", b"for-a"] in got_a
    assert [b"pmessage", b"n*", b"news", b"for-a"] in got_a
    assert [b"smessage", b"shard", b"s-a"] in got_a
    assert all(b"for-d" not in m for m in got_a)
    got_b = read_pushes(subs["b"])
    assert got_b == [[b"pmessage", b"n*", b"nothing-here", b"x"]]
    got_d = read_pushes(subs["d"])
    assert [b"message", b"news", b"for-d"] in got_d and all(b"for-a" not in m for m in got_d)
    # introspection
    for p in (pa, pb, pd):
        assert p.call("PUBSUB", "CHANNELS") == [b"news"]
        assert p.call("PUBSUB", "NUMSUB", "news") == [b"news", 1]
        assert p.call("PUBSUB", "NUMPAT") == 1
        assert p.call("PUBSUB", "SHARDCHANNELS") == [b"shard"]
        assert p.call("PUBSUB", "SHARDNUMSUB", "shard") == [b"shard", 1]
    c_ns = spaces.conn(spaces.name())
    assert c_ns.call("PUBSUB", "CHANNELS", "*") == [] and c_ns.call("PUBSUB", "NUMPAT") == 0
    assert c_ns.call("PUBLISH", "news", "z") == 0


def test_namespace_change_leaves_channels(spaces):
    s = spaces.conn()
    ok(s.call("CLIENT", "SETNAME", "mover"))
    s.send("HELLO", 3)
    s.read()
    s.send("SUBSCRIBE", "c1")
    s.read()
    p = spaces.conn()
    assert p.call("PUBLISH", "c1", "x") == 1
    assert s.read() == [b"message", b"c1", b"x"]
    ok(s.call("NAMESPACE", "USE", spaces.name()))
    assert p.call("PUBLISH", "c1", "y") == 0
    assert read_pushes(s, 0.1) == []


def test_keyspace_notifications_isolated(spaces, shared_server):
    admin = spaces.conn()
    ok(admin.call("CONFIG", "SET", "notify-keyspace-events", "KEA"))
    try:
        a_name, b_name = spaces.name(), spaces.name()
        sa, sb, sd = spaces.conn(a_name), spaces.conn(b_name), spaces.conn()
        for s in (sa, sb, sd):
            s.send("PSUBSCRIBE", "__key*__:*")
            assert s.read()[0] == b"psubscribe"
        a = spaces.conn(a_name)
        ok(a.call("SELECT", 3))
        ok(a.call("SET", "k", 1))
        got = read_pushes(sa)
        assert [b"pmessage", b"__key*__:*", b"__keyspace@3__:k", b"set"] in got
        assert [b"pmessage", b"__key*__:*", b"__keyevent@3__:set", b"k"] in got
        assert read_pushes(sb, 0.1) == [] and read_pushes(sd, 0.1) == []
        ok(a.call("SET", "e", 1, "PX", 10))
        wait_for(lambda: a.call("EXISTS", "e") == 0, message="expired")
        got = read_pushes(sa)
        assert [b"pmessage", b"__key*__:*", b"__keyevent@3__:expired", b"e"] in got
        assert read_pushes(sb, 0.1) == [] and read_pushes(sd, 0.1) == []
    finally:
        ok(admin.call("CONFIG", "SET", "notify-keyspace-events", ""))


# ------------------------------------------------------------ WATCH, blocked clients

def test_watch_isolated(spaces):
    a_name, b_name = spaces.name(), spaces.name()
    a, a2, b, d = spaces.conn(a_name), spaces.conn(a_name), spaces.conn(b_name), spaces.conn()
    ok(a.call("WATCH", "w"))
    ok(b.call("SET", "w", 1))
    ok(d.call("SET", "w", 1))
    ok(b.call("FLUSHALL"))
    ok(a.call("MULTI"))
    assert a.call("INCR", "w") == b"QUEUED"
    assert a.call("EXEC") == [1]
    ok(a.call("WATCH", "w"))
    ok(a2.call("SET", "w", 5))
    ok(a.call("MULTI"))
    a.call("INCR", "w")
    assert a.call("EXEC") == Null("array")


def test_blocking_isolated(spaces):
    a_name, b_name = spaces.name(), spaces.name()
    waiter, a, b, d = (spaces.conn(a_name), spaces.conn(a_name), spaces.conn(b_name),
                       spaces.conn())
    waiter.send("BLPOP", "q", 5)
    admin = spaces.conn()
    wait_for(lambda: info_dict_raw(admin)["blocked_clients"] == "1", message="blocked")
    assert b.call("RPUSH", "q", "from-b") == 1
    assert d.call("RPUSH", "q", "from-d") == 1
    assert b.call("LPUSH", "q2", "x") == 1
    time.sleep(0.1)
    assert waiter.pending() == b""
    assert a.call("RPUSH", "q", "from-a") == 1
    assert waiter.read() == [b"q", b"from-a"]
    assert b.call("LRANGE", "q", 0, -1) == [b"from-b"]
    assert d.call("LRANGE", "q", 0, -1) == [b"from-d"]
    # a move within the namespace wakes it, one from outside cannot reach
    waiter.send("BLMOVE", "src", "dst", "LEFT", "LEFT", 5)
    wait_for(lambda: info_dict_raw(admin)["blocked_clients"] == "1", message="blocked")
    assert d.call("RPUSH", "src", "d") == 1
    time.sleep(0.05)
    assert a.call("RPUSH", "src", "a") == 1
    assert waiter.read() == b"a"
    assert a.call("LRANGE", "dst", 0, -1) == [b"a"]
    assert d.call("EXISTS", "dst") == 0


def info_dict_raw(c, section=None):
    raw = c.call("INFO", section) if section else c.call("INFO")
    return parse_info(raw.decode())


# ------------------------------------------------------------ persistence

THREADS = [1, 2]


def fill(c, tag):
    """A few keys of every type in databases 0 and 2 of c's namespace."""
    ok(c.call("SELECT", 0))
    ok(c.call("SET", "s", tag))
    ok(c.call("SET", "ttl", tag, "EX", 1000))
    c.call("RPUSH", "l", tag, "x")
    c.call("HSET", "h", "f", tag)
    c.call("SADD", "set", tag)
    c.call("ZADD", "z", 1, tag)
    c.call("XADD", "st", "1-1", "f", tag)
    ok(c.call("SELECT", 2))
    ok(c.call("SET", "in2", tag))
    ok(c.call("SELECT", 0))


def check(c, tag):
    ok(c.call("SELECT", 0))
    assert c.call("GET", "s") == tag.encode()
    assert 900 < c.call("TTL", "ttl") <= 1000
    assert c.call("LRANGE", "l", 0, -1) == [tag.encode(), b"x"]
    assert c.call("HGET", "h", "f") == tag.encode()
    assert c.call("SMEMBERS", "set") == [tag.encode()]
    assert c.call("ZSCORE", "z", tag) == b"1"
    assert c.call("XLEN", "st") == 1
    ks = keyspace(c)
    # (7 keys, plus the one some tests add)
    assert ks["db0"].split(",")[:2] in (["keys=7", "expires=1"], ["keys=8", "expires=1"])
    assert ks["db2"] == "keys=1,expires=0,avg_ttl=0"
    assert set(ks) <= {"db0", "db2", "db5"}
    ok(c.call("SELECT", 2))
    assert c.call("GET", "in2") == tag.encode()
    ok(c.call("SELECT", 0))


def populate_three(s):
    d = s.raw()
    fill(d, "default")
    for name in ("acme", "beta"):
        c = s.raw()
        ok(c.call("NAMESPACE", "USE", name))
        fill(c, name)
        c.close()
    ok(d.call("NAMESPACE", "QUOTA", "acme", "MAXKEYS", 100, "MAXMEMORY", "10mb"))
    ok(d.call("NAMESPACE", "QUOTA", "quota-only", "MAXKEYS", 7))
    ok(d.call("NAMESPACE", "QUOTA", "gone", "MAXKEYS", 1))
    ok(d.call("NAMESPACE", "DEL", "gone"))
    d.close()


def check_three(s):
    d = s.raw()
    check(d, "default")
    for name in ("acme", "beta"):
        c = s.raw()
        ok(c.call("NAMESPACE", "USE", name))
        check(c, name)
        c.close()
    names = {dict(zip(e[0::2], e[1::2]))[b"name"] for e in d.call("NAMESPACE", "LIST")}
    assert names == {b"default", b"acme", b"beta", b"quota-only"}
    q = d.call("NAMESPACE", "QUOTA", "acme")
    assert q == [b"maxkeys", 100, b"maxmemory", 10 * 1024 * 1024]
    assert d.call("NAMESPACE", "QUOTA", "quota-only") == [b"maxkeys", 7, b"maxmemory", 0]
    info = dict(zip(*[iter(d.call("NAMESPACE", "INFO", "acme"))] * 2))
    assert info[b"keys"] in (8, 9) and info[b"memory"] > 0
    d.close()


@pytest.mark.parametrize("threads", THREADS)
def test_persist_rdb(server, tmp_path, threads):
    # 200 databases: the namespaces' database ids go past 255
    s = server("--databases", 200, threads=threads, workdir=str(tmp_path))
    populate_three(s)
    ok(s.raw().call("SAVE"))
    s.stop()
    s2 = server("--databases", 200, threads=threads, workdir=str(tmp_path))
    check_three(s2)
    # BGSAVE while a namespace is written, then DEBUG RELOAD
    c = s2.raw()
    ok(c.call("NAMESPACE", "USE", "beta"))
    ok(c.call("SELECT", 5))
    for i in range(200):
        c.call("SET", "bg%d" % i, i)
    assert c.call("BGSAVE") == b"Background saving started"
    for i in range(200):
        c.call("SET", "bg%d" % i, "changed")
    wait_for(lambda: info_dict_raw(c, "persistence")["rdb_bgsave_in_progress"] == "0",
             message="BGSAVE done")
    out = subprocess.run([s2.argv[0], "--check-rdb", os.path.join(s2.dir, "dump.rdb")],
                         capture_output=True, text=True)
    assert out.returncode == 0 and ": OK, " in out.stdout, out.stdout
    ok(c.call("DEBUG", "RELOAD", "NOSAVE"))
    assert c.call("GET", "bg5") == b"5"
    assert c.call("DBSIZE") == 200
    c.close()
    check_three(s2)
    s2.stop()
    # the same file loads into 16 databases per namespace (the indexes used fit)
    s3 = server(threads=threads, workdir=str(tmp_path))
    check_three(s3)
    c.close()


@pytest.mark.parametrize("threads", THREADS)
def test_persist_aof(server, tmp_path, threads):
    s = server("--appendonly", "yes", threads=threads, workdir=str(tmp_path))
    populate_three(s)
    c = s.raw()
    ok(c.call("NAMESPACE", "USE", "acme"))
    ok(c.call("SELECT", 5))
    ok(c.call("SET", "last-in-acme", 1))
    c.close()
    s.stop()
    s2 = server("--appendonly", "yes", threads=threads, workdir=str(tmp_path))
    check_three(s2)
    # The log ended in acme: a write to the default namespace after the
    # restart must still land there.
    d = s2.raw()
    ok(d.call("SET", "after-restart", 1))
    d.close()
    s2.stop()
    s3 = server("--appendonly", "yes", threads=threads, workdir=str(tmp_path))
    d = s3.raw()
    assert d.call("GET", "after-restart") == b"1"
    # a rewrite makes a base holding the namespaces, then more writes follow
    d.call("BGREWRITEAOF")
    wait_for(lambda: info_dict_raw(d, "persistence")["aof_rewrite_in_progress"] == "0",
             message="rewrite done")
    a = s3.raw()
    ok(a.call("NAMESPACE", "USE", "beta"))
    ok(a.call("SELECT", 5))
    ok(a.call("SET", "after-rewrite", 1))
    a.close()
    d.close()
    s3.stop()
    s4 = server("--appendonly", "yes", threads=threads, workdir=str(tmp_path))
    check_three(s4)
    b = s4.raw()
    ok(b.call("NAMESPACE", "USE", "beta"))
    ok(b.call("SELECT", 5))
    assert b.call("GET", "after-rewrite") == b"1"
    ok(b.call("NAMESPACE", "USE", "acme"))
    ok(b.call("SELECT", 5))
    assert b.call("GET", "last-in-acme") == b"1"
    assert s4.raw().call("GET", "after-rewrite") == Null("bulk")
    b.close()


def test_plain_rdb_loads_in_redis(server, tmp_path):
    """A server that uses no namespace (or no longer does) writes files that
    redis-check-rdb and redis-server accept."""
    if not (os.path.exists("/usr/bin/redis-check-rdb") and os.path.exists("/usr/bin/redis-server")):
        pytest.skip("redis tools not installed")
    s = server(threads=2, workdir=str(tmp_path))
    c = s.raw()
    fill(c, "plain")
    ok(c.call("NAMESPACE", "QUOTA", "tmp", "MAXKEYS", 3))
    ok(c.call("NAMESPACE", "DEL", "tmp"))
    ok(c.call("SAVE"))
    c.close()
    path = os.path.join(s.dir, "dump.rdb")
    with open(path, "rb") as f:
        assert b"kvik-namespaces" not in f.read()
    out = subprocess.run(["/usr/bin/redis-check-rdb", path], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    rdir = tempfile.mkdtemp(prefix="kvik-ns-redis-")
    try:
        shutil.copy(path, os.path.join(rdir, "dump.rdb"))
        port = free_port()
        proc = subprocess.Popen(["/usr/bin/redis-server", "--bind", "127.0.0.1", "--port",
                                 str(port), "--dir", rdir, "--save", "", "--appendonly", "no"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            rc = wait_for(lambda: _try_connect(port), message="redis-server up")
            assert rc.call("GET", "s") == b"plain" and rc.call("DBSIZE") == 7
            ok(rc.call("SELECT", 2))
            assert rc.call("GET", "in2") == b"plain"
            rc.close()
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        shutil.rmtree(rdir, ignore_errors=True)


def _try_connect(port):
    try:
        c = RawClient("127.0.0.1", port, timeout=5)
        if c.call("PING") == b"PONG":
            return c
        c.close()
    except OSError:
        return None
    except Exception:
        return None
    return None


# ------------------------------------------------------------ derived from the command table

def _pairs(flat):
    return {flat[i].decode() if isinstance(flat[i], bytes) else flat[i]: flat[i + 1]
            for i in range(0, len(flat), 2)}


def command_table(c):
    """Every runnable command (subcommands instead of their containers):
    name -> (COMMAND INFO entry, COMMAND DOCS argument list)."""
    docs_flat = c.call("COMMAND", "DOCS")
    docs = {}
    for i in range(0, len(docs_flat), 2):
        d = _pairs(docs_flat[i + 1])
        docs[docs_flat[i].decode()] = d
        for sub, sd in _pairs(d.get("subcommands", [])).items():
            docs[sub] = _pairs(sd)
    table = {}

    def walk(e):
        if e[9]:
            for s in e[9]:
                walk(s)
            return
        name = e[0].decode()
        args = [_pairs(a) for a in docs.get(name, {}).get("arguments", [])]
        table[name] = (e, args)

    for e in c.call("COMMAND"):
        walk(e)
    return table


# Values for arguments by name (the rest: "1" for numbers, "m0" for strings):
# chosen so that commands run rather than fail on syntax, and so that they
# name the members, fields and groups namespace B holds.
NUM_BY_NAME = {"timeout": "0.01", "numkeys": "1", "count": "1", "db": "1", "destination-db": "1",
               "index": "0", "start": "0", "end": "-1", "stop": "-1", "offset": "0",
               "min-idle-time": "0", "ttl": "0", "milliseconds": "100000",
               "seconds": "100", "increment": "1", "bit": "1", "value": "1"}
STR_BY_NAME = {"timeout": "0.01", "value": "1", "id": "0-1", "start": "-", "end": "+", "last-id": "0-1", "min": "-",
               "max": "+", "threshold": "0", "pattern": "*", "serialized-value": None}
# Whole argument lists for commands whose required arguments alone say too
# little (or whose strings must be numbers); keys are k:0, k:1, ...
OVERRIDES = {
    "zrange": ["k:0", "0", "-1"], "zrangestore": ["k:0", "k:1", "0", "-1"],
    "zrangebyscore": ["k:0", "-inf", "+inf"], "zrevrangebyscore": ["k:0", "+inf", "-inf"],
    "zcount": ["k:0", "-inf", "+inf"], "zremrangebyscore": ["k:0", "-inf", "+inf"],
    "zrevrangebylex": ["k:0", "+", "-"], "zrangebylex": ["k:0", "-", "+"],
    "zlexcount": ["k:0", "-", "+"], "zremrangebylex": ["k:0", "-", "+"],
    "xrevrange": ["k:0", "+", "-"], "xrange": ["k:0", "-", "+"], "xautoclaim": ["k:0", "m0", "m0", "0", "0"],
    "xclaim": ["k:0", "m0", "m0", "0", "1-1"], "xpending": ["k:0", "m0"],
    "xread": ["STREAMS", "k:0", "0"], "xreadgroup": ["GROUP", "m0", "m0", "STREAMS", "k:0", ">"],
    "xgroup|create": ["k:0", "m1", "$", "MKSTREAM"], "xsetid": ["k:0", "1-1"],
    "xtrim": ["k:0", "MAXLEN", "0"], "xadd": ["k:0", "*", "f", "v"],
    "xack": ["k:0", "m0", "1-1"], "xdel": ["k:0", "1-1"],
    "georadius": ["k:0", "1", "1", "100", "km"], "georadius_ro": ["k:0", "1", "1", "100", "km"],
    "georadiusbymember": ["k:0", "m0", "100", "km"],
    "georadiusbymember_ro": ["k:0", "m0", "100", "km"],
    "geosearch": ["k:0", "FROMLONLAT", "1", "1", "BYRADIUS", "100", "km"],
    "geosearchstore": ["k:1", "k:0", "FROMLONLAT", "1", "1", "BYRADIUS", "100", "km"],
    "bitfield": ["k:0", "GET", "u8", "0"], "bitfield_ro": ["k:0", "GET", "u8", "0"],
    "linsert": ["k:0", "BEFORE", "m0", "new"], "lset": ["k:0", "0", "x"],
    "bitop": ["OR", "k:1", "k:0"], "lcs": ["k:0", "k:1"],
    "sort": ["k:0", "ALPHA"], "sort_ro": ["k:0", "ALPHA"],
    "getex": ["k:0"], "set": ["k:0", "v"], "restore": None,  # filled in with a real payload
    "pfdebug": ["GETREG", "k:0"], "object|freq": ["k:0"],
    "swapdb": ["1", "2"], "scan": ["0"], "keys": ["*"],
    "hincrbyfloat": ["k:0", "f", "1.5"], "incrbyfloat": ["k:0", "1.5"],
    "zincrby": ["k:0", "1", "m0"], "zadd": ["k:0", "1", "m0"],
    "geoadd": ["k:0", "1", "1", "m0"],
    "expire": ["k:0", "100"], "pexpire": ["k:0", "100000"],
    "expireat": ["k:0", "4000000000"], "pexpireat": ["k:0", "4000000000000"],
    "psetex": ["k:0", "100000", "v"], "setex": ["k:0", "100", "v"],
}
BLOCKING_TIMEOUT = "0.01"


def gen_args(arglist, keys):
    out = []
    for a in arglist:
        flags = [f.decode() if isinstance(f, bytes) else f for f in a.get("flags", [])]
        if "optional" in flags:
            continue
        out += gen_one(a, keys)
    return out


def gen_one(a, keys):
    t = a["type"].decode()
    name = a["name"].decode()
    toks = [a["token"].decode()] if "token" in a else []
    if t == "key":
        v = ["k:%d" % next(keys)]
    elif t == "pure-token":
        return toks
    elif t == "oneof":
        v = gen_one(_pairs(a["arguments"][0]), keys)
    elif t == "block":
        v = gen_args([_pairs(x) for x in a["arguments"]], keys)
    elif t in ("integer", "double"):
        v = [NUM_BY_NAME.get(name, "1")]
    elif t == "pattern":
        v = ["*"]
    elif t == "unix-time":
        v = ["4000000000"]
    else:
        v = [STR_BY_NAME.get(name, "m0") or "m0"]
    return toks + v


def populate(c, kind, nkeys=6):
    """Keys k:0.. of one type (holding the members generated arguments name)
    in databases 0 and 1 of c's namespace."""
    for db in (0, 1):
        c.call("SELECT", db)
        for i in range(nkeys):
            k = "k:%d" % i
            if kind == "string":
                c.call("SET", k, "5")
            elif kind == "list":
                c.call("RPUSH", k, "m0", "m1", "5")
            elif kind == "hash":
                c.call("HSET", k, "m0", "1", "f", "5")
            elif kind == "set":
                c.call("SADD", k, "m0", "m1")
            elif kind == "zset":
                c.call("ZADD", k, 1, "m0", 2, "m1")
            elif kind == "geo":
                c.call("GEOADD", k, 1, 1, "m0")
            elif kind == "stream":
                c.call("XADD", k, "1-1", "m0", "v")
                c.call("XGROUP", "CREATE", k, "m0", "0")
                c.call("XREADGROUP", "GROUP", "m0", "m0", "STREAMS", k, ">")
            c.call("PEXPIRE", k, 10000000) if i == 0 else None
    c.call("SELECT", 0)


def digest(c, nkeys=6):
    """Everything namespace B holds, in one round trip."""
    cmds = [("SELECT", 0), ("INFO", "keyspace"), ("KEYS", "*")]
    for db in (0, 1):
        cmds.append(("SELECT", db))
        for i in range(nkeys):
            cmds += [("TYPE", "k:%d" % i), ("DUMP", "k:%d" % i), ("PEXPIRETIME", "k:%d" % i)]
    cmds.append(("SELECT", 0))
    c.send_many(cmds)
    out = c.read_many(len(cmds))
    import re
    out[1] = re.sub(rb"avg_ttl=\d+", b"", out[1])  # the expiry cycle's estimate moves
    return out


def normalize(reply):
    """Stream IDs made from the clock and idle times differ between runs."""
    import re
    if isinstance(reply, list):
        return [normalize(x) for x in reply]
    if isinstance(reply, bytes) and re.fullmatch(rb"1\d{12}-\d+", reply):
        return b"<id>"
    return reply


def run_in(c, args):
    c.send_many([tuple(args), ("FLUSHALL",), ("SELECT", 0)])
    rep, flushed, _ = c.read_many(3)
    assert flushed == b"OK"
    return normalize(rep)


KINDS = ["string", "list", "hash", "set", "zset", "geo", "stream"]


def test_table_keyed_commands_isolated(spaces):
    """For every command of the table that takes keys or walks the keyspace:
    run in namespace A, with B full of keys (of each type in turn) under the
    names A's command uses, it replies what it replies in an empty C and
    what it replied while B was empty; B is unchanged and hears nothing."""
    a_name, b_name, c_name = spaces.name("A"), spaces.name("B"), spaces.name("C")
    a, b, cc = spaces.conn(a_name), spaces.conn(b_name), spaces.conn(c_name)
    admin = spaces.conn()
    table = command_table(admin)
    # a real DUMP payload for RESTORE
    ok(cc.call("SET", "src", "payload"))
    payload = cc.call("DUMP", "src")
    ok(cc.call("FLUSHALL"))
    plans, skipped = {}, {}
    for name, (e, arglist) in sorted(table.items()):
        flags = [f.decode() for f in e[2]]
        acl = [x.decode() for x in e[6]]
        keyed = e[3] > 0 or "movablekeys" in flags or bool(e[8])
        if "pubsub" in flags:
            continue  # channels: test_table_channel_commands_isolated
        if not keyed and "@keyspace" not in acl:
            continue
        if name.endswith("|help"):
            skipped[name] = "help text"
            continue
        words = name.split("|")
        if name in OVERRIDES:
            args = OVERRIDES[name] if name != "restore" else ["k:0", "0", payload]
        else:
            args = gen_args(arglist, itertools.count())
        if "blocking" in flags:
            args = [BLOCKING_TIMEOUT if x == NUM_BY_NAME["timeout"] else x for x in args]
        plans[name] = words + list(args)
    # the table's key positions agree with the generated arguments
    for name, argv in plans.items():
        e = table[name][0]
        if e[3] > 0 or "movablekeys" in [f.decode() for f in e[2]]:
            keys = admin.call("COMMAND", "GETKEYS", *argv)
            assert isinstance(keys, list) and keys and all(k.startswith(b"k:") for k in keys), \
                (name, argv, keys)
    # baseline: in C while B is empty
    baseline = {name: run_in(cc, argv) for name, argv in plans.items()}
    ok(admin.call("CONFIG", "SET", "notify-keyspace-events", "KEA"))
    listener = spaces.conn(b_name)
    listener.send("PSUBSCRIBE", "*")
    assert listener.read()[0] == b"psubscribe"
    exercised, only_errors = set(), set(plans)
    try:
        for kind in KINDS:
            populate(b, kind)
            read_pushes(listener, 0.05)  # B's own events
            before = digest(b)
            for name, argv in plans.items():
                ra = run_in(a, argv)
                rc = run_in(cc, argv)
                assert ra == rc == baseline[name], (kind, name, argv, ra, rc, baseline[name])
                if not isinstance(ra, Error):
                    only_errors.discard(name)
                exercised.add(name)
            assert digest(b) == before, kind
            assert read_pushes(listener, 0.02) == [], kind
            ok(b.call("FLUSHALL"))
            read_pushes(listener, 0.05)
    finally:
        ok(admin.call("CONFIG", "SET", "notify-keyspace-events", ""))
    assert exercised == set(plans)
    assert len(exercised) >= 180
    # Commands that can only fail in a namespace without the key ("no such
    # key", NOGROUP): their error is the proof that B's key stays unseen. Any
    # other command that never got past an error would mean the generated
    # arguments are wrong, so it is named here rather than hidden.
    need_key = {"lset", "pfdebug", "rename", "renamenx", "xautoclaim", "xclaim", "xpending",
                "xreadgroup", "xsetid", "xgroup|createconsumer", "xgroup|delconsumer",
                "xgroup|destroy", "xgroup|setid", "xinfo|consumers", "xinfo|groups",
                "xinfo|stream"}
    assert only_errors <= need_key, sorted((n, plans[n], baseline[n]) for n in only_errors
                                           if n not in need_key)


def test_table_channel_commands_isolated(spaces):
    """Every pub/sub command of the table, run in A and in an empty C with the
    same arguments, replies the same; B's subscribers (to the same channel,
    a pattern and a shard channel) receive nothing from A or C, and A's and
    C's subscriptions receive nothing from B."""
    a_name, b_name, c_name = spaces.name("A"), spaces.name("B"), spaces.name("C")
    admin = spaces.conn()
    table = command_table(admin)
    bsubs = spaces.conn(b_name)
    bsubs.send("SUBSCRIBE", "m0")
    bsubs.send("PSUBSCRIBE", "*")
    bsubs.send("SSUBSCRIBE", "m0")
    assert [x[0] for x in bsubs.read_many(3)] == [b"subscribe", b"psubscribe", b"ssubscribe"]
    bpub = spaces.conn(b_name)
    exercised = set()
    for name, (e, arglist) in sorted(table.items()):
        flags = [f.decode() for f in e[2]]
        if "pubsub" not in flags:
            continue
        argv = name.split("|") + gen_args(arglist, itertools.count())
        if name in ("pubsub|channels", "pubsub|shardchannels"):
            argv.append("*")
        if name in ("pubsub|numsub", "pubsub|shardnumsub"):
            argv.append("m0")
        if name in ("unsubscribe", "punsubscribe", "sunsubscribe"):
            argv.append("m0" if name != "punsubscribe" else "*")
        replies = []
        for ns in (a_name, c_name):
            x = spaces.conn(ns)
            x.send(*argv)
            replies.append(normalize(x.read()))
            # B publishes: only its own subscribers count, x hears nothing
            assert bpub.call("PUBLISH", "m0", "from-b") == 2
            assert bpub.call("SPUBLISH", "m0", "from-b") == 1
            assert read_pushes(x, 0.02) == [], (name, ns)
            # x publishes: B hears nothing
            x.send("RESET")
            assert x.read() == b"RESET"
            x.call("PUBLISH", "m0", "from-x")
            x.call("SPUBLISH", "m0", "from-x")
            x.close()
        got = read_pushes(bsubs, 0.02)
        assert all(m[-1] == b"from-b" for m in got), (name, got)
        assert len(got) == 3 * 2, (name, got)  # message, pmessage, smessage per namespace
        assert replies[0] == replies[1], (name, argv, replies)
        exercised.add(name)
    assert exercised == {"subscribe", "unsubscribe", "psubscribe", "punsubscribe", "publish",
                         "ssubscribe", "sunsubscribe", "spublish", "pubsub|channels",
                         "pubsub|numpat", "pubsub|numsub", "pubsub|shardchannels",
                         "pubsub|shardnumsub"} | {n for n in table if n.startswith("pubsub|")
                                                   and "pubsub" in [f.decode() for f in
                                                                    table[n][0][2]]}


def test_aof_turned_off_and_on(server, tmp_path):
    """A log started by CONFIG SET appendonly yes starts in the default
    namespace whatever namespace the previous log was in."""
    s = server("--appendonly", "yes", threads=2, workdir=str(tmp_path))
    a, d = s.raw(), s.raw()
    ok(a.call("NAMESPACE", "USE", "acme"))
    ok(a.call("SET", "k1", 1))
    ok(d.call("CONFIG", "SET", "appendonly", "no"))
    ok(d.call("CONFIG", "SET", "appendonly", "yes"))
    wait_for(lambda: info_dict_raw(d, "persistence")["aof_rewrite_in_progress"] == "0",
             message="rewrite done")
    ok(a.call("SET", "k2", 2))
    ok(d.call("SET", "d1", 1))
    ok(a.call("SET", "k3", 3))
    a.close()
    d.close()
    s.stop()
    s2 = server("--appendonly", "yes", threads=2, workdir=str(tmp_path))
    a, d = s2.raw(), s2.raw()
    ok(a.call("NAMESPACE", "USE", "acme"))
    assert sorted(a.call("KEYS", "*")) == [b"k1", b"k2", b"k3"]
    assert d.call("KEYS", "*") == [b"d1"]


def test_concurrent_namespaces(spaces):
    """Clients of several namespaces writing at once (on both workers of a
    threads-2 server): every namespace ends with exactly its own writes, and
    NAMESPACE INFO's key count is exact."""
    names = [spaces.name() for _ in range(4)]

    def work(name, part):
        c = RawClient(spaces.server.host, spaces.server.port)
        ok(c.call("NAMESPACE", "USE", name))
        cmds = []
        for i in range(300):
            cmds += [("INCR", "ctr"), ("SET", "%s:%d:%d" % (name, part, i), i),
                     ("PUBLISH", "ch", name)]
        c.send_many(cmds)
        reps = c.read_many(len(cmds))
        assert not any(isinstance(x, Error) for x in reps)
        c.close()

    run_parallel([lambda n=n, p=p: work(n, p) for n in names for p in range(2)])
    admin = spaces.conn()
    for n in names:
        c = spaces.conn(n)
        assert c.call("GET", "ctr") == b"600"
        assert c.call("DBSIZE") == 601
        assert all(k.startswith(n.encode() + b":") or k == b"ctr" for k in c.call("KEYS", "*"))
        info = dict(zip(*[iter(admin.call("NAMESPACE", "INFO", n))] * 2))
        assert info[b"keys"] == 601


def test_aof_transactions_and_rewritten_forms(server, tmp_path):
    """MULTI/EXEC, a served BLPOP (logged as a pop) and EXPIRE (logged with
    absolute times) inside a namespace replay into that namespace."""
    s = server("--appendonly", "yes", threads=2, workdir=str(tmp_path))
    a, a2, d = s.raw(), s.raw(), s.raw()
    for c in (a, a2):
        ok(c.call("NAMESPACE", "USE", "acme"))
    ok(d.call("SET", "x", "default"))
    ok(a.call("MULTI"))
    a.call("SET", "t1", 1)
    a.call("SELECT", 2)
    a.call("SET", "t2", 2)
    a.call("SELECT", 0)
    assert a.call("EXEC") == [b"OK", b"OK", b"OK", b"OK"]
    a2.send("BLPOP", "q", 5)
    wait_for(lambda: info_dict_raw(d)["blocked_clients"] == "1", message="blocked")
    assert a.call("RPUSH", "q", "one", "two") == 2
    assert a2.read() == [b"q", b"one"]
    assert a.call("EXPIRE", "t1", 1000) == 1
    assert a.call("SPOP", "nosuch") == Null("bulk")
    ok(d.call("SET", "y", "default"))
    for c in (a, a2, d):
        c.close()
    s.stop()
    s2 = server("--appendonly", "yes", threads=2, workdir=str(tmp_path))
    a, d = s2.raw(), s2.raw()
    ok(a.call("NAMESPACE", "USE", "acme"))
    assert a.call("GET", "t1") == b"1" and 900 < a.call("TTL", "t1") <= 1000
    assert a.call("LRANGE", "q", 0, -1) == [b"two"]
    ok(a.call("SELECT", 2))
    assert a.call("GET", "t2") == b"2"
    assert sorted(d.call("KEYS", "*")) == [b"x", b"y"]


def test_eviction_refunds_the_charge(server):
    """Keys evicted by the server-wide maxmemory leave their namespace's
    charge: it keeps following what the namespace holds."""
    s = server("--maxmemory", "3mb", "--maxmemory-policy", "allkeys-random", threads=2)
    a, admin = s.raw(), s.raw()
    ok(a.call("NAMESPACE", "USE", "acme"))
    val = "v" * 10000
    for i in range(600):
        rep = a.call("SET", "k%d" % i, val)
        assert rep == b"OK", rep
    keys = a.call("DBSIZE")
    assert 0 < keys < 600
    assert int(info_dict_raw(admin, "stats")["evicted_keys"]) >= 600 - keys
    mem = dict(zip(*[iter(admin.call("NAMESPACE", "INFO", "acme"))] * 2))[b"memory"]
    per_key = mem / keys
    assert 10000 < per_key < 13000, (mem, keys)
