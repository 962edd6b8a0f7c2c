"""The native protocol (docs/protocol.md) over a real server's native port.

- The test vectors of docs/protocol.md, read from the document itself: the
  server's bytes must equal the server-side vectors, the client-side ones are
  sent to the server, and every vector decodes (protoc-generated code) to the
  value the document describes.
- Every command family, run over the native port and over RESP3 on the same
  server (each in its own database, from the same empty state): the replies
  must be the same values of the same RESP3 types.
- Pub/sub pushes, MULTI/EXEC, blocking commands woken from another worker.
- Compression off, on (each algorithm), and mixed frame by frame, in both
  directions; pipelining.
- Handshake refusals, corrupt and oversize frames, compression bombs, a RESP
  client on the native port: an error and a closed connection, nothing else
  disturbed.

Runs on a server with --threads 1 and --threads 2. kvik only (Redis has no
native port).
"""

import gzip
import os
import re
import socket
import struct
import threading
import time

import pytest

import native_client as nc
from native_client import NativeClient, frame, hello_msg, request_msg, pb
from resp import (Array, BigNumber, Boolean, Bulk, Double, Error, Integer, Map, Null,
                  Push, RawClient, Set, Simple, Verbatim, NULL3)
from util import ServerFactory, finish, free_port, parse_info, wait_for

pytestmark = [pytest.mark.kvik_only,
              pytest.mark.skipif(nc._lz4 is None or nc._zstd is None,
                                 reason="python3-lz4 / python3-zstandard missing "
                                        "(scripts/deps.sh installs them)")]

DOC = os.path.join(nc.REPO, "docs", "protocol.md")


# ------------------------------------------------------------------ fixtures

class NativeServer:
    def __init__(self, srv, nport):
        self.srv = srv
        self.host = srv.host
        self.nport = nport
        self.clients = []

    def native(self, **kw):
        c = NativeClient(self.host, self.nport, **kw)
        self.clients.append(c)
        return c

    def resp3(self):
        r = self.srv.raw()
        assert isinstance(r.call("HELLO", "3"), Map)
        return r

    def close_clients(self):
        for c in self.clients:
            c.close()
        self.clients = []


def start_native(factory, *args, threads=None):
    port = free_port()
    srv = factory("--native-port", port, *args, threads=threads)
    return NativeServer(srv, port)


@pytest.fixture(scope="module", params=[1, 2], ids=["threads1", "threads2"])
def nsrv_holder(request):
    f = ServerFactory()
    holder = {"factory": f, "threads": request.param, "ns": None}
    yield holder
    finish(f)


@pytest.fixture
def ns(nsrv_holder):
    cur = nsrv_holder["ns"]
    if cur is None or not cur.srv.is_running():
        cur = start_native(nsrv_holder["factory"], threads=nsrv_holder["threads"])
        nsrv_holder["ns"] = cur
    r = cur.resp3()
    r.call("FLUSHALL")
    r.close()
    yield cur
    cur.close_clients()
    assert cur.srv.is_running(), cur.srv.output_tail(80)
    reports = cur.srv.new_sanitizer_reports()
    assert not reports, "\n".join(reports)


def info_dict(r, section):
    """INFO section as a dict, from a RESP3 RawClient."""
    return parse_info(bytes(r.call("INFO", section)).decode())


def still_serving(ns):
    """The server still answers on both ports."""
    c = ns.native()
    assert c.call("PING") == Simple(b"PONG")
    c.close()
    r = ns.resp3()
    assert r.call("PING") == Simple(b"PONG")
    r.close()


# ------------------------------------------------------------------ comparing

def norm(v):
    """A comparable form keeping the RESP3 type of every value."""
    if isinstance(v, Map):
        pairs = getattr(v, "pairs", None) or tuple(v.items())
        return ("map", tuple((norm(k), norm(x)) for k, x in pairs))
    if isinstance(v, (Array, Set, Push)):
        return (type(v).__name__, tuple(norm(x) for x in v))
    if isinstance(v, Double):
        f = float(v)
        return ("double", "nan" if f != f else f)
    if isinstance(v, Verbatim):
        return ("verbatim", v.format, bytes(v))
    if isinstance(v, Null):
        return ("null",)
    if isinstance(v, Boolean):
        return ("bool", bool(v))
    if isinstance(v, (Simple, Error, Bulk)):
        return (type(v).__name__, bytes(v))
    if isinstance(v, (Integer, BigNumber)):
        return (type(v).__name__, int(v))
    if isinstance(v, tuple):  # map keys made hashable by resp.py
        return ("tuple", tuple(norm(x) for x in v))
    raise AssertionError("unexpected reply %r" % (v,))


def run_both(ns, commands, db_native=9, db_resp=10):
    """Runs commands (lists of args) over native and over RESP3, each in its own
    empty database; asserts the replies are the same."""
    n = ns.native()
    r = ns.resp3()
    assert n.call("SELECT", db_native) == Simple(b"OK")
    assert r.call("SELECT", db_resp) == Simple(b"OK")
    n.call("FLUSHDB")
    r.call("FLUSHDB")
    for args in commands:
        a = n.call(*args)
        b = r.call(*args)
        assert norm(a) == norm(b), "%r:\n native %r\n RESP3  %r" % (args, a, b)
    r.close()
    return n


# ------------------------------------------------------------------ doc vectors

def doc_vectors():
    text = open(DOC, encoding="utf-8").read()
    out = {}
    for name, body in re.findall(r"```hex (\S+)\n(.*?)```", text, re.S):
        assert name not in out, "duplicate vector %s" % name
        out[name] = bytes.fromhex(" ".join(body.split()))
    return out


VECTORS = doc_vectors()

# What each vector must decode to (ServerMessage / ClientMessage values).
EXPECTED_VALUES = {
    "reply-simple": Simple(b"OK"),
    "reply-error": Error(b"ERR syntax error"),
    "reply-integer": Integer(1000),
    "reply-integer-negative": Integer(-1),
    "reply-bulk": Bulk(b"hello"),
    "reply-null": NULL3,
    "reply-double": Double(1.5),
    "reply-boolean": Boolean(True),
    "reply-bignum": BigNumber(1234567999999999999999999999),
    "reply-array": Array([Integer(1), Bulk(b"two"), NULL3]),
    "reply-set": Set([Bulk(b"x"), Bulk(b"y")]),
    "reply-nested": Array([Array([Integer(1), Integer(2)]), Array([])]),
    "push-message": Push([Bulk(b"message"), Bulk(b"news"), Bulk(b"hi")]),
    "error-no-hello": Error(b"ERR Protocol error: the first message must be a Hello"),
}
EXPECTED_REQUESTS = {
    "request-set": [b"SET", b"greeting", b"hello"],
    "request-get": [b"GET", b"greeting"],
    "request-big": [b"SET", b"doc:z", b"kvik " * 40],
}


def one_frame(data):
    got = nc.parse_frame(data)
    assert got is not None and got[2] == len(data), "not exactly one frame"
    comp, body, _ = got
    return comp, nc.decompress(body, comp)


def test_doc_vectors_decode():
    names = set(VECTORS)
    for need in list(EXPECTED_VALUES) + list(EXPECTED_REQUESTS) + [
            "hello", "hello-reply", "reply-map", "reply-verbatim", "request-big-gzip",
            "request-big-lz4", "request-big-zstd"]:
        assert need in names, "docs/protocol.md lacks vector %s" % need
    for name, want in EXPECTED_VALUES.items():
        comp, payload = one_frame(VECTORS[name])
        assert comp == nc.NONE
        sm = pb.ServerMessage()
        sm.ParseFromString(payload)
        assert norm(nc.message_to_py(sm)) == norm(want), name
    sm = pb.ServerMessage()
    sm.ParseFromString(one_frame(VECTORS["reply-map"])[1])
    assert [nc.to_py(k) for k in sm.reply.map.keys] == [Bulk(b"a"), Bulk(b"b")]
    assert [nc.to_py(v) for v in sm.reply.map.values] == [Integer(1), Integer(2)]
    sm.ParseFromString(one_frame(VECTORS["reply-verbatim"])[1])
    assert sm.reply.verbatim.format == "txt" and sm.reply.verbatim.text == b"Some string"
    sm.ParseFromString(one_frame(VECTORS["hello-reply"])[1])
    h = sm.hello
    assert (h.version, list(h.accept), h.compress_min, h.server, h.client_id, h.error) == \
        (1, [1, 2, 3], 1436, "kvik", 7, "")
    cm = pb.ClientMessage()
    cm.ParseFromString(one_frame(VECTORS["hello"])[1])
    assert (cm.hello.version, list(cm.hello.accept), cm.hello.client_name) == (1, [2, 3, 1], "app")
    big = one_frame(VECTORS["request-big"])[1]
    for name, want in EXPECTED_REQUESTS.items():
        cm = pb.ClientMessage()
        cm.ParseFromString(one_frame(VECTORS[name])[1])
        assert list(cm.request.argv) == want, name
    for name, comp in (("gzip", nc.GZIP), ("lz4", nc.LZ4), ("zstd", nc.ZSTD)):
        c, payload = one_frame(VECTORS["request-big-" + name])
        assert c == comp and payload == big, name


def send_until_closed(ns, data):
    """Sends data to the native port; everything the server answers until it
    closes the connection."""
    s = socket.create_connection((ns.host, ns.nport), timeout=10)
    s.sendall(data)
    got = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    s.close()
    return got


def test_doc_vectors_match_server(ns):
    V = VECTORS
    # A Request before the Hello: exactly the documented error, then EOF.
    assert send_until_closed(ns, V["request-set"]) == V["error-no-hello"]

    # The Hello vector, answered with the HelloReply vector (our client id).
    c = NativeClient(ns.host, ns.nport, hello=False)
    ns.clients.append(c)
    c.send_raw(V["hello"])
    comp, payload = c.read_frame()
    sm = pb.ServerMessage()
    sm.ParseFromString(one_frame(V["hello-reply"])[1])
    real = pb.ServerMessage()
    real.ParseFromString(payload)
    sm.hello.client_id = real.hello.client_id
    assert struct.pack(">I", len(payload)) + payload == frame(sm.SerializeToString())
    assert comp == nc.NONE

    def exact(frame_bytes, want):
        c.send_raw(frame_bytes)
        comp, payload = c.read_frame()
        assert struct.pack(">I", (comp << 30) | len(payload)) + payload == V[want], want

    exact(V["request-set"], "reply-simple")
    exact(V["request-get"], "reply-bulk")
    exact(frame(request_msg("GET", "nosuch")), "reply-null")
    exact(frame(request_msg("SET", "k", "v", "BADOPTION")), "reply-error")
    c.call("SET", "n", "999")
    exact(frame(request_msg("INCR", "n")), "reply-integer")
    exact(frame(request_msg("TTL", "n")), "reply-integer-negative")
    c.call("ZADD", "z", "1.5", "m")
    exact(frame(request_msg("ZSCORE", "z", "m")), "reply-double")
    c.call("SADD", "s", "x", "y")
    exact(frame(request_msg("SMEMBERS", "s")), "reply-set")
    c.call("SET", "two", "two")
    assert c.call("MULTI") == Simple(b"OK")
    for args in (("INCR", "one"), ("GET", "two"), ("GET", "nosuch")):
        assert c.call(*args) == Simple(b"QUEUED")
    exact(frame(request_msg("EXEC")), "reply-array")
    # The compressed Requests of the document are accepted as they are.
    for name in ("request-big", "request-big-gzip", "request-big-lz4", "request-big-zstd"):
        c.call("DEL", "doc:z")
        exact(V[name], "reply-simple")
        assert c.call("GET", "doc:z") == Bulk(b"kvik " * 40)
    # The push vector.
    sub = ns.native()
    sub.send("SUBSCRIBE", "news")
    assert sub.read() == Push([Bulk(b"subscribe"), Bulk(b"news"), Integer(1)])
    assert c.call("PUBLISH", "news", "hi") == Integer(1)
    comp, payload = sub.read_frame()
    assert struct.pack(">I", len(payload)) + payload == V["push-message"]


# ------------------------------------------------------------------ families

STRINGS = [
    ["SET", "s", "hello"], ["GET", "s"], ["APPEND", "s", " world"], ["STRLEN", "s"],
    ["GETRANGE", "s", "0", "4"], ["SETRANGE", "s", "6", "W"], ["GET", "s"],
    ["INCR", "n"], ["INCRBY", "n", "41"], ["DECR", "n"], ["INCRBYFLOAT", "f", "1.25"],
    ["MSET", "a", "1", "b", "2"], ["MGET", "a", "nosuch", "b"], ["SETNX", "a", "x"],
    ["GETSET", "a", "3"], ["GETDEL", "b"], ["SET", "e", "v", "EX", "100", "GET"],
    ["TTL", "e"], ["SET", "bin", b"\x00\xff\r\n"], ["GET", "bin"], ["GET", "nosuch"],
    ["INCR", "s"], ["SET", "x"], ["NOSUCHCOMMAND", "a"], ["LCS", "s", "a"],
    ["GETEX", "s", "PERSIST"], ["SUBSTR", "s", "0", "2"],
]
LISTS = [
    ["RPUSH", "l", "a", "b", "c"], ["LPUSH", "l", "z"], ["LRANGE", "l", "0", "-1"],
    ["LLEN", "l"], ["LINDEX", "l", "1"], ["LPOP", "l", "2"], ["RPOP", "l"],
    ["LINSERT", "l", "BEFORE", "b", "x"], ["LPOS", "l", "b"], ["LSET", "l", "0", "q"],
    ["LMOVE", "l", "l2", "LEFT", "RIGHT"], ["LREM", "l", "0", "b"], ["LTRIM", "l", "0", "0"],
    ["RPUSH", "m", "1", "2"], ["LMPOP", "2", "nosuch", "m", "LEFT", "COUNT", "5"],
    ["LPOP", "nosuch"], ["LPOP", "nosuch", "2"], ["LRANGE", "l2", "0", "-1"],
]
HASHES = [
    ["HSET", "h", "f1", "v1", "f2", "v2", "n", "5"], ["HGET", "h", "f1"], ["HGETALL", "h"],
    ["HMGET", "h", "f1", "nosuch"], ["HINCRBY", "h", "n", "3"],
    ["HINCRBYFLOAT", "h", "n", "0.5"], ["HKEYS", "h"], ["HVALS", "h"], ["HLEN", "h"],
    ["HEXISTS", "h", "f2"], ["HDEL", "h", "f2"], ["HSTRLEN", "h", "f1"], ["HGETALL", "nosuch"],
    ["HSETNX", "h", "f1", "x"], ["HRANDFIELD", "h", "0"], ["HSCAN", "h", "0"],
]
SETS = [
    ["SADD", "s1", "a", "b", "c"], ["SADD", "s2", "b", "c", "d"], ["SMEMBERS", "s1"],
    ["SISMEMBER", "s1", "a"], ["SMISMEMBER", "s1", "a", "z"], ["SCARD", "s1"],
    ["SINTER", "s1", "s2"], ["SUNION", "s1", "s2"], ["SDIFF", "s1", "s2"],
    ["SINTERCARD", "2", "s1", "s2"], ["SMOVE", "s1", "s2", "a"], ["SREM", "s2", "d"],
    ["SMEMBERS", "s2"], ["SADD", "ints", "3", "1", "2"], ["SMEMBERS", "ints"],
    ["SUNIONSTORE", "s3", "s1", "ints"], ["SCARD", "s3"], ["SMEMBERS", "nosuch"],
]
ZSETS = [
    ["ZADD", "z", "1", "a", "2.5", "b", "3", "c"], ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    ["ZRANGE", "z", "0", "-1"], ["ZSCORE", "z", "b"], ["ZINCRBY", "z", "1", "a"],
    ["ZRANK", "z", "c"], ["ZREVRANGE", "z", "0", "1", "WITHSCORES"],
    ["ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"], ["ZCOUNT", "z", "2", "3"],
    ["ZMSCORE", "z", "a", "nosuch"], ["ZPOPMIN", "z"], ["ZPOPMAX", "z", "2"],
    ["ZADD", "y", "inf", "big", "-inf", "small"], ["ZRANGE", "y", "0", "-1", "WITHSCORES"],
    ["ZUNIONSTORE", "u", "2", "z", "y"], ["ZRANGE", "u", "0", "-1", "WITHSCORES"],
    ["ZMPOP", "1", "u", "MIN", "COUNT", "2"], ["ZSCORE", "nosuch", "a"],
    ["ZADD", "z", "INCR", "5", "q"],
]
STREAMS = [
    ["XADD", "st", "1-1", "a", "1"], ["XADD", "st", "2-1", "b", "2", "c", "3"],
    ["XLEN", "st"], ["XRANGE", "st", "-", "+"], ["XREVRANGE", "st", "+", "-", "COUNT", "1"],
    ["XREAD", "STREAMS", "st", "0"], ["XGROUP", "CREATE", "st", "g", "0"],
    ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "st", ">"],
    ["XPENDING", "st", "g"], ["XACK", "st", "g", "1-1"], ["XINFO", "GROUPS", "st"],
    ["XINFO", "STREAM", "st"], ["XDEL", "st", "1-1"], ["XTRIM", "st", "MAXLEN", "0"],
    ["XREAD", "STREAMS", "st", "$"], ["XADD", "st", "1-0", "x", "y"],
]
GEO = [
    ["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
    ["GEOPOS", "g", "Palermo", "nosuch"], ["GEODIST", "g", "Palermo", "Catania", "km"],
    ["GEOHASH", "g", "Palermo"],
    ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHCOORD",
     "WITHDIST", "WITHHASH"],
    ["GEORADIUS", "g", "15", "37", "200", "km", "WITHDIST"],
]
HLL = [
    ["PFADD", "h1", "a", "b", "c"], ["PFADD", "h2", "c", "d"], ["PFCOUNT", "h1"],
    ["PFCOUNT", "h1", "h2"], ["PFMERGE", "h3", "h1", "h2"], ["PFCOUNT", "h3"],
    ["PFADD", "h1", "a"],
]
BITMAPS = [
    ["SETBIT", "b", "7", "1"], ["GETBIT", "b", "7"], ["BITCOUNT", "b"], ["BITPOS", "b", "1"],
    ["SET", "c", "abc"], ["BITOP", "OR", "d", "b", "c"], ["GET", "d"],
    ["BITFIELD", "b", "INCRBY", "u8", "0", "10", "GET", "i4", "0"],
    ["BITFIELD_RO", "b", "GET", "u8", "0"],
]
KEYS = [
    ["SET", "k1", "v"], ["RPUSH", "k2", "a"], ["EXISTS", "k1", "k2", "k3"], ["TYPE", "k2"],
    ["RENAME", "k1", "k3"], ["EXPIRE", "k3", "100"], ["TTL", "k3"], ["PERSIST", "k3"],
    ["OBJECT", "ENCODING", "k2"], ["COPY", "k3", "k4"], ["DBSIZE"], ["KEYS", "k4"],
    ["SORT", "k2", "ALPHA"], ["DEL", "k2", "k3"], ["UNLINK", "nosuch"], ["PTTL", "k4"],
    ["DUMP", "nosuch"], ["TOUCH", "k4"], ["EXPIRETIME", "k4"],
]
SERVER = [
    ["PING"], ["PING", "hi"], ["ECHO", "x"], ["DBSIZE"], ["COMMAND", "COUNT"],
    ["COMMAND", "INFO", "get", "nosuchcmd"], ["COMMAND", "DOCS", "set"],
    ["CLIENT", "GETNAME"], ["CONFIG", "GET", "maxmemory*"],
    ["CONFIG", "SET", "maxmemory-samples", "5"], ["CONFIG", "GET", "hash-max-*"],
    ["CLIENT", "NO-EVICT", "off"], ["SELECT", "100"], ["DEBUG", "NOSUCH"],
]

FAMILIES = {"strings": STRINGS, "lists": LISTS, "hashes": HASHES, "sets": SETS,
            "zsets": ZSETS, "streams": STREAMS, "geo": GEO, "hll": HLL, "bitmaps": BITMAPS,
            "keys": KEYS, "server": SERVER}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_same_as_resp3(ns, family):
    run_both(ns, FAMILIES[family])


def test_info_and_client_verbatim(ns):
    n = ns.native(name="nat1")
    info = n.call("INFO", "server")
    assert isinstance(info, Verbatim) and info.format == b"txt"
    assert b"redis_version:" in info
    me = n.call("CLIENT", "INFO")
    assert b"name=nat1" in me and b"resp=3" in me
    assert n.call("CLIENT", "ID") == Integer(n.hello_reply.client_id)
    assert n.call("CLIENT", "GETNAME") == Bulk(b"nat1")
    assert n.call("HELLO", "2")[b"proto"] == Integer(2)
    # Still RESP3-typed replies after HELLO 2.
    n.call("HSET", "h", "a", "b")
    assert isinstance(n.call("HGETALL", "h"), Map)
    assert n.call("RESET") == Simple(b"RESET")
    assert isinstance(n.call("HGETALL", "h"), Map)


def test_multi_exec(ns):
    run_both(ns, [
        ["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["HSET", "h", "f", "v"], ["HGETALL", "h"],
        ["ZADD", "z", "1.5", "m"], ["ZSCORE", "z", "m"], ["GET", "nosuch"], ["LPOP", "a"],
        ["EXEC"],
        ["MULTI"], ["SET", "b"], ["EXEC"],
        ["MULTI"], ["DISCARD"], ["EXEC"],
    ])
    # WATCH: a change by another client makes EXEC answer null.
    n = ns.native()
    other = ns.native()
    assert n.call("WATCH", "w") == Simple(b"OK")
    assert other.call("SET", "w", "x") == Simple(b"OK")
    assert n.call("MULTI") == Simple(b"OK")
    assert n.call("GET", "w") == Simple(b"QUEUED")
    assert n.call("EXEC") == NULL3


def test_blocking(ns):
    run_both(ns, [
        ["RPUSH", "l", "a"], ["BLPOP", "l", "0"], ["BLPOP", "l", "0.05"],
        ["ZADD", "z", "1", "m"], ["BZPOPMIN", "z", "1"], ["BZPOPMIN", "z", "0.05"],
        ["BLMOVE", "nosuch", "x", "LEFT", "LEFT", "0.05"],
        ["XREAD", "BLOCK", "50", "STREAMS", "st", "$"],
    ])
    # Woken by a client of the other protocol (another worker with --threads 2).
    waiters = [ns.native() for _ in range(4)]
    for i, w in enumerate(waiters):
        w.send("BLPOP", "q%d" % (i % 2), "10")
        w.send("PING")
    r = ns.resp3()
    wait_for(lambda: info_dict(r, "clients").get("blocked_clients") == "4",
             message="4 blocked clients")
    r.call("RPUSH", "q0", "a", "b")
    r.call("RPUSH", "q1", "c", "d")
    # Which waiter of a key gets which element depends on the order they blocked.
    got = sorted(norm(w.read()) for w in waiters)
    assert got == sorted(norm(Array([Bulk(k), Bulk(v)]))
                         for k, v in ((b"q0", b"a"), (b"q0", b"b"), (b"q1", b"c"), (b"q1", b"d")))
    for w in waiters:
        assert w.read() == Simple(b"PONG")
    # A blocked XREAD served with a compressed reply (retry path, lz4).
    big = "v" * 5000
    w = ns.native(accept=(nc.LZ4,))
    w.send("XREAD", "BLOCK", "5000", "STREAMS", "bs", "$")
    wait_for(lambda: info_dict(r, "clients").get("blocked_clients") == "1",
             message="XREAD blocked")
    r.call("XADD", "bs", "5-1", "f", big)
    rep = w.read()
    assert w.frames_seen[-1] == nc.LZ4
    assert norm(rep) == norm(Map({Bulk(b"bs"): Array([Array([Bulk(b"5-1"),
                                                            Array([Bulk(b"f"),
                                                                   Bulk(big.encode())])])])}))
    r.close()


def test_pubsub_pushes_same_as_resp3(ns):
    n = ns.native(accept=(nc.ZSTD,))
    r = ns.resp3()
    pub = ns.resp3()
    for c in (n, r):
        c.send("SUBSCRIBE", "ch", "other")
        c.send("PSUBSCRIBE", "c*")
        c.send("SSUBSCRIBE", "sh")
    got_n = [n.read() for _ in range(4)]
    got_r = [r.read() for _ in range(4)]
    assert [norm(x) for x in got_n] == [norm(x) for x in got_r]
    assert got_n[0] == Push([Bulk(b"subscribe"), Bulk(b"ch"), Integer(1)])
    assert pub.call("PUBLISH", "ch", "m1") == Integer(4)
    assert pub.call("SPUBLISH", "sh", "m2") == Integer(2)
    big = b"p" * 4000
    pub.call("PUBLISH", "ch", big)
    for _ in range(5):
        a, b = n.read(), r.read()
        assert norm(a) == norm(b), (a, b)
    assert n.frames_seen[-1] == nc.ZSTD  # the big pmessage went compressed
    # Commands still work while subscribed (RESP3 semantics), pushes interleave.
    n.send("PING")
    pub.call("PUBLISH", "other", "x")
    seen = [n.read(), n.read()]
    assert Simple(b"PONG") in seen or [norm(s) for s in seen].count(norm(Simple(b"PONG"))) == 1
    n.send("UNSUBSCRIBE")
    n.send("PUNSUBSCRIBE")
    reps = [n.read() for _ in range(3)]
    assert sorted(bytes(x[1]) for x in reps if isinstance(x, Push)) == [b"c*", b"ch", b"other"]
    # Keyspace notifications reach a native subscriber as pushes.
    pub.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
    try:
        k = ns.native()
        k.send("PSUBSCRIBE", "__keyspace@0__:*")
        k.read()
        pub.call("SET", "kk", "v")
        assert k.read() == Push([Bulk(b"pmessage"), Bulk(b"__keyspace@0__:*"),
                                 Bulk(b"__keyspace@0__:kk"), Bulk(b"set")])
    finally:
        pub.call("CONFIG", "SET", "notify-keyspace-events", "")
    r.close()
    pub.close()


def test_pubsub_fanout_shared(ns):
    subs = [ns.native(accept=(nc.LZ4,) if i % 2 else ()) for i in range(6)]
    for s in subs:
        s.send("SUBSCRIBE", "fan")
        s.read()
    pub = ns.native()
    for i in range(20):
        payload = ("m%d-" % i).encode() * (1 + (i % 3) * 600)
        assert pub.call("PUBLISH", "fan", payload) == Integer(6)
    for s in subs:
        for i in range(20):
            payload = ("m%d-" % i).encode() * (1 + (i % 3) * 600)
            assert s.read() == Push([Bulk(b"message"), Bulk(b"fan"), Bulk(payload)])


# ------------------------------------------------------------------ compression

def test_compression_negotiation(ns):
    big = b"abcdefgh" * 1000
    r = ns.resp3()
    r.call("SET", "big", big)
    cases = [((), nc.NONE), ((nc.GZIP,), nc.GZIP), ((nc.LZ4,), nc.LZ4),
             ((nc.ZSTD,), nc.ZSTD), ((nc.GZIP, nc.ZSTD), nc.ZSTD),
             ((nc.GZIP, nc.LZ4, nc.ZSTD), nc.LZ4), ((nc.ZSTD, nc.GZIP, nc.LZ4), nc.LZ4)]
    for accept, want in cases:
        c = ns.native(accept=accept)
        assert list(c.hello_reply.accept) == [nc.GZIP, nc.LZ4, nc.ZSTD]
        assert c.hello_reply.compress_min == 1436
        assert c.call("GET", "big") == Bulk(big)
        assert c.frames_seen[-1] == want, (accept, c.frames_seen)
        # Small replies are never compressed.
        assert c.call("PING") == Simple(b"PONG")
        assert c.frames_seen[-1] == nc.NONE
        # Incompressible data goes uncompressed even when large.
        rnd = os.urandom(5000)
        c.call("SET", "rnd", rnd)
        assert c.call("GET", "rnd") == Bulk(rnd)
        assert c.frames_seen[-1] == nc.NONE
    r.close()


def test_compression_client_to_server_mixed(ns):
    c = ns.native(accept=(nc.GZIP, nc.LZ4, nc.ZSTD))
    comps = [nc.NONE, nc.GZIP, nc.LZ4, nc.ZSTD]
    # Every algorithm, frame by frame, in one pipelined write.
    data = b""
    expect = []
    for i in range(40):
        val = ("value-%d-" % i).encode() * (1 + (i % 5) * 100)
        data += frame(request_msg("SET", "k%d" % i, val), comps[i % 4])
        data += frame(request_msg("GET", "k%d" % i), comps[(i + 1) % 4])
        expect += [Simple(b"OK"), Bulk(val)]
    c.send_raw(data)
    got = [c.read() for _ in expect]
    assert got == expect
    # Replies above the threshold came compressed (lz4), the small ones not.
    assert nc.LZ4 in c.frames_seen and nc.NONE in c.frames_seen
    # Small payloads compressed by the client are fine too.
    for comp in comps:
        assert c.call("ECHO", "x", comp=comp) == Bulk(b"x")


def test_compress_min_setting(ns):
    r = ns.resp3()
    try:
        assert r.call("CONFIG", "SET", "native-compress-min", "100") == Simple(b"OK")
        c = ns.native(accept=(nc.GZIP,))
        assert c.hello_reply.compress_min == 100
        assert c.call("ECHO", "a" * 200) == Bulk(b"a" * 200)
        assert c.frames_seen[-1] == nc.GZIP
        assert c.call("ECHO", "a" * 50) == Bulk(b"a" * 50)
        assert c.frames_seen[-1] == nc.NONE
    finally:
        r.call("CONFIG", "SET", "native-compress-min", "1436")
        r.close()


def test_pipeline_in_order_few_writes(ns):
    c = ns.native()
    r = ns.resp3()
    before = int(info_dict(r, "stats")["total_writes_processed"])
    n = 2000
    data = b"".join(frame(request_msg("INCR", "ctr")) for _ in range(n))
    c.send_raw(data)
    got = [c.read() for _ in range(n)]
    assert got == [Integer(i + 1) for i in range(n)]
    after = int(info_dict(r, "stats")["total_writes_processed"])
    # ~50 KB of requests arrive in a few reads; each read's replies go in one write.
    assert after - before < 60, after - before
    r.close()


def test_large_values_both_ways(ns):
    c = ns.native(accept=(nc.LZ4,))
    val = os.urandom(700 * 1024) + b"z" * (300 * 1024)
    assert c.call("SET", "huge", val, comp=nc.ZSTD) == Simple(b"OK")
    assert c.call("GET", "huge") == Bulk(val)
    assert c.call("STRLEN", "huge") == Integer(len(val))
    # A reply split over many reads, with deep aggregates.
    c.call("RPUSH", "many", *["e%d" % i for i in range(3000)])
    got = c.call("LRANGE", "many", "0", "-1")
    assert got == Array(Bulk(("e%d" % i).encode()) for i in range(3000))


# ------------------------------------------------------------------ errors

def expect_error_close(c, prefix=b"ERR Protocol error"):
    msgs = c.read_until_closed(timeout=10)
    assert msgs, "no error before close"
    last = msgs[-1]
    assert isinstance(last, Error) and bytes(last).startswith(prefix), msgs
    return msgs


def test_corrupt_frames(ns):
    cases = [
        ("bad protobuf", frame(b"\xff\xff\xff\xff")),
        ("wrong wire type", frame(b"\x10\x01")),
        ("argv wrong wire type", frame(b"\x12\x02\x08\x01")),
        ("truncated field", frame(b"\x12\x05\x0a\x03ab")),
        ("group", frame(b"\x13\x14")),
        ("empty message", frame(b"")),
        ("gzip garbage", frame(b"not gzip at all", nc.GZIP, raw=True)),
        ("lz4 garbage", frame(b"\x04\x22\x4d\x18garbage", nc.LZ4, raw=True)),
        ("zstd garbage", frame(b"\x28\xb5\x2f\xfdgarbage", nc.ZSTD, raw=True)),
        ("gzip truncated", frame(gzip.compress(request_msg("PING"))[:-5], nc.GZIP, raw=True)),
        ("gzip trailing", frame(gzip.compress(request_msg("PING")) + b"x", nc.GZIP, raw=True)),
        ("lz4 truncated", frame(nc.compress(request_msg("PING") * 50, nc.LZ4)[:-6], nc.LZ4,
                                raw=True)),
        ("zstd trailing", frame(nc.compress(request_msg("PING"), nc.ZSTD) + b"\x00", nc.ZSTD,
                                raw=True)),
        ("second hello", frame(hello_msg())),
    ]
    for what, data in cases:
        c = ns.native()
        assert c.call("SET", "alive", what) == Simple(b"OK")
        c.send_raw(frame(request_msg("PING")) + data + frame(request_msg("PING")))
        msgs = expect_error_close(c)
        # The request before the bad frame was answered, the one after it not.
        assert msgs[0] == Simple(b"PONG") and len(msgs) == 2, (what, msgs)
    # An empty Request is an error reply, not a protocol error.
    c = ns.native()
    c.send_raw(frame(b"\x12\x00"))
    assert c.call("PING") == Error(b"ERR empty Request")
    assert c.read() == Simple(b"PONG")
    still_serving(ns)


def test_handshake_errors(ns):
    # Request first: error, closed (the exact bytes are a doc vector).
    c = NativeClient(ns.host, ns.nport, hello=False)
    c.send("PING")
    expect_error_close(c, b"ERR Protocol error: the first message must be a Hello")
    # Version 0.
    c = NativeClient(ns.host, ns.nport, hello=False)
    rep = c.hello(version=0)
    assert rep.error.startswith("ERR unsupported native protocol version")
    assert c.read_until_closed() == []
    # A newer client gets version 1.
    c = ns.native(version=7)
    assert c.hello_reply.version == 1 and c.call("PING") == Simple(b"PONG")
    # An invalid client name.
    c = NativeClient(ns.host, ns.nport, hello=False)
    rep = c.hello(name="has space")
    assert rep.error.startswith("ERR Client names cannot contain spaces")
    assert c.read_until_closed() == []
    # AUTH when no password is set: the default user with any password.
    c = NativeClient(ns.host, ns.nport, hello=False)
    rep = c.hello(user="nobody", password="x")
    assert rep.error.startswith("WRONGPASS")
    # A first frame over 64 KB.
    c = NativeClient(ns.host, ns.nport, hello=False)
    c.send_raw(struct.pack(">I", 70000) + b"\x00" * 10)
    expect_error_close(c)
    # A compressed Hello that expands past 64 KB (an unknown field of 100 KB).
    c = NativeClient(ns.host, ns.nport, hello=False)
    padded = hello_msg() + b"\x7a" + bytes([0x80 | (100000 & 0x7f), 0x80 | ((100000 >> 7) & 0x7f),
                                             100000 >> 14]) + b"\x00" * 100000
    c.send_raw(frame(padded, nc.ZSTD))
    expect_error_close(c, b"ERR Protocol error: zstd: decompressed size %d exceeds" % len(padded))
    # ... while a compressed Hello within the limit is fine.
    c = NativeClient(ns.host, ns.nport, hello=False)
    c.send_raw(frame(hello_msg(name="z" * 3000), nc.GZIP))
    assert not c.read().error
    assert c.call("CLIENT", "GETNAME") == Bulk(b"z" * 3000)
    # Hello pipelined with requests.
    c = NativeClient(ns.host, ns.nport, hello=False)
    c.send_raw(frame(hello_msg(name="pipe")) + frame(request_msg("CLIENT", "GETNAME")))
    assert not c.read().error
    assert c.read() == Bulk(b"pipe")
    still_serving(ns)


def test_resp_client_on_native_port(ns):
    got = send_until_closed(ns, b"*1\r\n$4\r\nPING\r\n")
    assert got == (b"-ERR this port speaks kvik's native protocol (docs/protocol.md), "
                   b"not RESP\r\n")
    s = socket.create_connection((ns.host, ns.nport), timeout=10)
    s.sendall(b"PING\r\n")
    assert s.recv(4096).startswith(b"-ERR this port speaks")
    s.close()
    still_serving(ns)


def test_authentication(server):
    s = start_native(server)
    r = s.resp3()
    assert r.call("CONFIG", "SET", "requirepass", "sekret") == Simple(b"OK")
    r.close()
    c = NativeClient(s.host, s.nport, hello=False)
    rep = c.hello()
    assert rep.error.startswith("NOAUTH")
    assert c.read_until_closed() == []
    c = NativeClient(s.host, s.nport, hello=False)
    assert c.hello(password="wrong").error.startswith("WRONGPASS")
    assert c.read_until_closed() == []
    c = NativeClient(s.host, s.nport, password="sekret", name="authd")
    assert c.call("CLIENT", "GETNAME") == Bulk(b"authd")
    assert c.call("SET", "a", "1") == Simple(b"OK")
    c.close()
    c = NativeClient(s.host, s.nport, hello=False)
    assert c.hello(user="default").error.startswith("WRONGPASS")
    c = NativeClient(s.host, s.nport, user="default", password="sekret")
    assert c.call("GET", "a") == Bulk(b"1")
    # RESET drops the authentication, as over RESP.
    assert c.call("RESET") == Simple(b"RESET")
    assert c.call("GET", "a") == Error(b"NOAUTH Authentication required.")
    c.close()


def test_limits_and_bombs(server):
    s = start_native(server, "--client-query-buffer-limit", "2mb",
                     "--proto-max-bulk-len", "1mb", "--proto-max-multibulk-len", "10")
    # A header announcing more than the query buffer limit: refused at once.
    c = NativeClient(s.host, s.nport)
    c.send_raw(struct.pack(">I", 3 * 1024 * 1024))
    expect_error_close(c, b"ERR Protocol error: frame payload of 3145728 bytes exceeds")
    # Too many arguments.
    c = NativeClient(s.host, s.nport)
    c.send("RPUSH", "l", *["x"] * 10)
    expect_error_close(c, b"ERR Protocol error: too many arguments")
    c = NativeClient(s.host, s.nport)
    assert c.call("RPUSH", "l", *["x"] * 8) == Integer(8)
    # An argument over proto-max-bulk-len.
    c.send("SET", "k", "v" * (1024 * 1024 + 1))
    expect_error_close(c, b"ERR Protocol error: argument of 1048577 bytes exceeds")
    # Compression bombs: 64 MB of zeros in a few KB, each algorithm, with and
    # without a content size.
    zeros = b"\x00" * (64 * 1024 * 1024)
    bombs = [(nc.GZIP, gzip.compress(zeros, compresslevel=9)),
             (nc.LZ4, nc._lz4.compress(zeros, store_size=True)),
             (nc.LZ4, nc._lz4.compress(zeros, store_size=False)),
             (nc.ZSTD, nc._zstd.ZstdCompressor(write_content_size=True).compress(zeros)),
             (nc.ZSTD, nc._zstd.ZstdCompressor(write_content_size=False).compress(zeros))]
    # gzip with a lying size trailer (says 100 bytes).
    g = bytearray(bombs[0][1])
    g[-4:] = struct.pack("<I", 100)
    bombs.append((nc.GZIP, bytes(g)))
    for comp, body in bombs:
        assert len(body) < 2 * 1024 * 1024
        c = NativeClient(s.host, s.nport)
        c.send_raw(frame(body, comp, raw=True))
        expect_error_close(c, b"ERR Protocol error: ")
    del zeros
    r = s.resp3()
    used = int(info_dict(r, "memory")["used_memory"])
    assert used < 48 * 1024 * 1024, used
    assert r.call("PING") == Simple(b"PONG")
    r.close()
    still_serving(s)


def test_own_notifications_never_split_a_reply(ns):
    """A native client subscribed to keyspace events gets the notifications of
    its own commands as whole pushes, never inside the command's reply."""
    r = ns.resp3()
    r.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
    try:
        c = ns.native(accept=(nc.LZ4,))
        c.send("PSUBSCRIBE", "__key*__:*")
        assert c.read()[0] == Bulk(b"psubscribe")
        cmds = [["RPUSH", "l", "a", "b", "c"], ["LPOP", "l", "2"],
                ["SADD", "s", "a", "b", "c"], ["SPOP", "s", "2"],
                ["ZADD", "z", "1", "a", "2", "b"], ["ZPOPMIN", "z", "2"],
                ["RPUSH", "m", "x", "y"], ["LMPOP", "1", "m", "LEFT", "COUNT", "2"],
                ["HSET", "h", "a", "1"], ["HGETALL", "h"], ["SET", "g", "v"], ["GETDEL", "g"],
                ["XADD", "st", "1-1", "f", "v"], ["XGROUP", "CREATE", "st", "g", "0"],
                ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "st", ">"],
                ["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["DEL", "a"], ["EXEC"]]
        for args in cmds:
            c.send(*args)
            # Read until the reply: everything before it must be whole pushes.
            while True:
                m = c.read()
                if not isinstance(m, Push):
                    break
                assert m[0] == Bulk(b"pmessage"), m
            assert not isinstance(m, Error), (args, m)
    finally:
        r.call("CONFIG", "SET", "notify-keyspace-events", "")
        r.close()


def test_reply_modes_and_quit(ns):
    c = ns.native()
    # CLIENT REPLY OFF / SKIP / ON: replies dropped as over RESP, framing intact.
    c.send("CLIENT", "REPLY", "OFF")
    c.send("SET", "a", "1")
    c.send("CLIENT", "REPLY", "SKIP")
    c.send("CLIENT", "REPLY", "ON")
    assert c.read() == Simple(b"OK")
    c.send("CLIENT", "REPLY", "SKIP")
    c.send("GET", "a")
    assert c.call("GET", "a") == Bulk(b"1")
    # SELECT is per connection.
    assert c.call("SELECT", "3") == Simple(b"OK")
    assert c.call("GET", "a") == NULL3
    # QUIT: OK, then the server closes.
    c.send("QUIT")
    assert c.read_until_closed() == [Simple(b"OK")]
    still_serving(ns)
