"""MONITOR: line format, which commands appear and in what order, redacted
secrets, quoting, RESET, and (kvik) monitors across worker threads and
namespaces.

Except where marked kvik_only these tests also pass against redis-server
(KVIK_TEST_TARGET=redis)."""

import re
import time

import pytest

from resp import Error, Simple
from util import IS_REDIS

THREADS = [None] if IS_REDIS else [1, 2]
LINE = re.compile(rb'^(\d+)\.(\d{6}) \[(\d+) (127\.0\.0\.1:\d+)\] (.*)$')


@pytest.fixture(params=THREADS, ids=lambda t: "redis" if t is None else "threads%d" % t)
def srv(request, server):
    return server(threads=request.param)


def start_monitor(srv):
    m = srv.raw()
    assert m.call("MONITOR") == Simple(b"OK")
    return m


def read_lines(m, until, timeout=5.0):
    """Monitor lines (db, addr, argument text) up to and including the first
    whose text contains `until`."""
    out = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = m.read(timeout=deadline - time.monotonic())
        assert isinstance(line, Simple), line
        g = LINE.match(bytes(line))
        assert g, line
        out.append((int(g.group(3)), g.group(4).decode(), g.group(5)))
        if until in g.group(5):
            return out
    raise AssertionError("no monitor line with %r; got %r" % (until, out))


def test_lines_and_order(srv):
    m = start_monitor(srv)
    c = srv.raw()
    port = c.sock.getsockname()[1]
    c.call("SET", "a", "x y")
    c.call("MULTI")
    c.call("INCR", "n")
    c.call("EXEC")
    c.call("CONFIG", "GET", "maxmemory")  # admin: not shown
    c.call("GET")  # wrong arity: not run, not shown
    c.call("NOSUCHCOMMAND")
    c.call("SELECT", 5)
    c.call("SET", "b", b"\x01\n\"q\\")
    c.call("PING", "end-marker")
    lines = read_lines(m, b"end-marker")
    assert [l[2] for l in lines] == [
        b'"SET" "a" "x y"',
        b'"MULTI"',
        b'"INCR" "n"',
        b'"EXEC"',
        b'"SELECT" "5"',
        b'"SET" "b" "\\x01\\n\\"q\\\\"',
        b'"PING" "end-marker"',
    ]
    assert [l[0] for l in lines] == [0, 0, 0, 0, 5, 5, 5]
    assert {l[1] for l in lines} == {"127.0.0.1:%d" % port}


def test_secrets_redacted(srv):
    m = start_monitor(srv)
    c = srv.raw()
    c.call("ACL", "SETUSER", "someone", "on", ">hunter2", "+@all", "~*")
    c.call("AUTH", "someone", "hunter2")
    c.call("HELLO", "2", "AUTH", "someone", "hunter2")
    c.call("PING", "end-marker")
    texts = [l[2] for l in read_lines(m, b"end-marker")]
    assert b"hunter2" not in b" ".join(texts)
    assert texts[0] == b'"AUTH" "(redacted)" "(redacted)"'
    assert texts[1] == b'"HELLO" "2" "AUTH" "(redacted)" "(redacted)"'


def test_many_clients_in_order(srv):
    """Each client's commands reach the monitor in its order (with two worker
    threads the clients land on both)."""
    m = start_monitor(srv)
    clients = [srv.raw() for _ in range(6)]
    for i in range(30):
        for k, c in enumerate(clients):
            c.call("SET", "c%d" % k, i)
    clients[0].call("PING", "end-marker")
    lines = read_lines(m, b"end-marker")
    for k in range(6):
        seen = [int(re.match(rb'"SET" "c%d" "(\d+)"' % k, t).group(1))
                for _, _, t in lines if t.startswith(b'"SET" "c%d" ' % k)]
        assert seen == list(range(30))


def test_reset_leaves_monitor_mode(srv):
    m = start_monitor(srv)
    listing = srv.raw().call("CLIENT", "LIST").decode()
    assert re.search(r"flags=O .*cmd=monitor", listing), listing
    assert m.call("RESET") == Simple(b"RESET")
    c = srv.raw()
    c.call("SET", "k", "v")
    assert m.call("PING") == Simple(b"PONG")  # no monitor line came first
    assert "flags=O" not in srv.raw().call("CLIENT", "LIST").decode()


@pytest.mark.kvik_only
def test_namespaces_see_their_own(server):
    srv = server(threads=2)
    admin = srv.raw()
    mon = start_monitor(srv)
    tenant_mon = srv.raw()
    assert tenant_mon.call("NAMESPACE", "USE", "acme") == Simple(b"OK")
    assert tenant_mon.call("MONITOR") == Simple(b"OK")
    t = srv.raw()
    t.call("NAMESPACE", "USE", "acme")
    t.call("SET", "secret-of-acme", 1)
    admin.call("SET", "root-key", 1)
    t.call("PING", "acme-end")
    admin.call("PING", "root-end")
    root_lines = [l[2] for l in read_lines(mon, b"root-end")]
    assert not any(b"acme" in x for x in root_lines), root_lines
    acme_lines = [l[2] for l in read_lines(tenant_mon, b"acme-end")]
    assert b'"SET" "secret-of-acme" "1"' in acme_lines
    assert not any(b"root-key" in x for x in acme_lines)


def own_call(m, *command):
    """A monitor's own command: its reply, past the monitor lines before it."""
    reply = m.call(*command)
    while isinstance(reply, Simple) and LINE.match(bytes(reply)):
        reply = m.read()
    return reply


def test_monitor_cannot_touch_the_keyspace(srv):
    m = start_monitor(srv)
    for command in (("SET", "x", 1), ("GET", "x"), ("DEL", "x")):
        assert own_call(m, *command) == Error(b"ERR Replica can't interact with the keyspace")
    assert own_call(m, "PING") == Simple(b"PONG")
    # a queued keyspace command dooms the transaction; EXEC's reply is whole
    assert own_call(m, "MULTI") == Simple(b"OK")
    assert own_call(m, "SET", "x", 1) == Error(b"ERR Replica can't interact with the keyspace")
    assert own_call(m, "PING") == Simple(b"QUEUED")
    assert own_call(m, "EXEC") == Error(
        b"EXECABORT Transaction discarded because of previous errors.")
