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
from util import Server, info_dict, parse_info, wait_for

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
