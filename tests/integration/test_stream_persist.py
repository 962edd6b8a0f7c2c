"""Streams in snapshots, DUMP/RESTORE and the append-only file.

  * SAVE / BGSAVE / DEBUG RELOAD + restart keep every stream as it was
    (entries, deleted entries, metadata, groups, PELs with delivery times and
    counts, consumers with seen times, entries-read / lag);
  * kvik's dump.rdb loads into redis-server 7.0 (and passes redis-check-rdb)
    and redis's loads into kvik, with equal XRANGE and XINFO STREAM FULL;
  * DUMP/RESTORE both ways, the 6.x encoding (type 15) too, and corrupted
    payloads are refused without harm;
  * the append-only file: a random mix of stream commands, kill -9
    (appendfsync always), restart: the same streams (consumers' seen times
    aside), even with another stream-node-max-entries at replay.

Tests that start their own redis-server (REDIS_SERVER_BIN, default
/usr/bin/redis-server) kill it by PID.
"""

import os
import random
import shutil
import subprocess
import time

import pytest
import redis

import util
from util import IS_REDIS, wait_for

THREADS = [None] if IS_REDIS else [1, 2]
REDIS_CHECK_RDB = os.environ.get("REDIS_CHECK_RDB_BIN", "/usr/bin/redis-check-rdb")


@pytest.fixture(params=THREADS, ids=lambda t: "redis" if t is None else "threads%d" % t)
def threads(request):
    return request.param


# ---------------------------------------------------------------- helpers


class OwnRedis:
    """A redis-server 7.0 of our own on a free port, killed by PID."""

    def __init__(self, workdir, *extra):
        self.dir = str(workdir)
        os.makedirs(self.dir, exist_ok=True)
        self.extra = [str(a) for a in extra]
        self.proc = None
        self.port = None

    def start(self):
        for _ in range(3):
            self.port = util.free_port()
            argv = [util.REDIS_BIN, "--bind", "127.0.0.1", "--port", str(self.port),
                    "--dir", self.dir, "--save", "", "--appendonly", "no"] + self.extra
            with open(os.path.join(self.dir, "redis-out.log"), "ab") as f:
                self.proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, cwd=self.dir)
            deadline = time.monotonic() + util.START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2).ping():
                        return self
                except (redis.ConnectionError, redis.BusyLoadingError, redis.TimeoutError):
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError("redis-server did not start")

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=30)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def own_redis():
    started = []

    def make(workdir, *extra):
        r = OwnRedis(workdir, *extra).start()
        started.append(r)
        return r

    yield make
    for r in started:
        r.stop()


def pairs(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


def full_info(c, key, times=True, layout=False):
    """XINFO STREAM FULL as plain data. times=False drops the consumers' seen
    (and active) times; layout=False drops the radix tree counters, which
    depend on node sizes."""
    d = pairs(c.execute_command("XINFO", "STREAM", key, "FULL", "COUNT", "0"))
    if not layout:
        d.pop(b"radix-tree-keys", None)
        d.pop(b"radix-tree-nodes", None)
    groups = []
    for g in d.get(b"groups") or []:
        g = pairs(g)
        cons = []
        for cs in g.get(b"consumers") or []:
            cs = pairs(cs)
            if not times:
                cs.pop(b"seen-time", None)
                cs.pop(b"active-time", None)
            cons.append(cs)
        g[b"consumers"] = cons
        groups.append(g)
    d[b"groups"] = groups
    return d


def stream_state(c, keys, times=True):
    out = {}
    for k in keys:
        if c.exists(k):
            assert c.type(k) == b"stream"
            out[k] = (full_info(c, k, times), c.xrange(k), c.xrevrange(k, count=5),
                      c.execute_command("XINFO", "GROUPS", k))
        else:
            out[k] = None
    return out


def stream_keys(c):
    return sorted(k for k in c.keys(b"*") if c.type(k) == b"stream")


def build_streams(c, big=0):
    """Streams covering what a snapshot must keep. big: entries of a large one."""
    for i in range(1, 21):
        c.execute_command("XADD", "s1", "%d-1" % i, "f1", "v%d" % i, "f2", str(i))
    c.execute_command("XADD", "s1", "21-0", "other", "x")
    c.execute_command("XADD", "s1", "21-5", "f1", "a", "f2", "-17")
    c.execute_command("XDEL", "s1", "3-1", "7-1", "20-1")
    c.execute_command("XGROUP", "CREATE", "s1", "g1", "0")
    c.execute_command("XGROUP", "CREATE", "s1", "g2", "$")
    c.execute_command("XGROUP", "CREATE", "s1", "g3", "5-1")
    c.execute_command("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "s1", ">")
    c.execute_command("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s1", ">")
    c.execute_command("XREADGROUP", "GROUP", "g3", "carol", "STREAMS", "s1", ">")
    c.execute_command("XACK", "s1", "g1", "2-1", "4-1")
    c.execute_command("XCLAIM", "s1", "g1", "bob", "0", "1-1", "RETRYCOUNT", "7")
    c.execute_command("XGROUP", "CREATECONSUMER", "s1", "g2", "dave")
    c.execute_command("XADD", "s1", "22-0", "a", "b")
    c.execute_command("XREADGROUP", "GROUP", "g2", "erin", "NOACK", "STREAMS", "s1", ">")
    # an entry read, then deleted: the PEL keeps it
    c.execute_command("XDEL", "s1", "5-1")
    # head trimmed: first ID moves, entries-read stays known
    for i in range(1, 31):
        c.execute_command("XADD", "t1", "%d-0" % i, "k", str(i * 1000))
    c.execute_command("XGROUP", "CREATE", "t1", "g", "0")
    c.execute_command("XREADGROUP", "GROUP", "g", "x", "COUNT", "10", "STREAMS", "t1", ">")
    c.execute_command("XTRIM", "t1", "MAXLEN", "25")
    # empty streams: with a group, and emptied by XDEL
    c.execute_command("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM")
    c.execute_command("XADD", "gone", "7-7", "a", "1")
    c.execute_command("XDEL", "gone", "7-7")
    # odd values: binary, integers at the edges, long strings
    c.execute_command("XADD", "bin", "1-1", b"\x00\xff", b"-123", b"9223372036854775807",
                      b"x" * 300, b"", b"-9223372036854775808")
    c.execute_command("XADD", "bin", "1-2", b"\x00\xff", b"0", b"9223372036854775807", b"12",
                      b"", b"")
    c.execute_command("XADD", "bin", "2-0", "n", "18446744073709551615")
    c.execute_command("XSETID", "bin", "99-99")
    if big:
        p = c.pipeline(transaction=False)
        for i in range(big):
            p.execute_command("XADD", "big", "%d-%d" % (1000 + i // 3, i % 3), "field", str(i),
                              "payload", "p" * (i % 17))
            if len(p) >= 2000:
                p.execute()
        p.execute()
        for i in range(0, big, 97):
            c.execute_command("XDEL", "big", "%d-%d" % (1000 + i // 3, i % 3))
        c.execute_command("XGROUP", "CREATE", "big", "bg", "0")
        c.execute_command("XREADGROUP", "GROUP", "bg", "r1", "COUNT", "1500", "STREAMS", "big", ">")
        c.execute_command("XREADGROUP", "GROUP", "bg", "r2", "COUNT", "700", "STREAMS", "big", ">")
        c.execute_command("XACK", "big", "bg", *["%d-%d" % (1000 + i // 3, i % 3)
                                                 for i in range(0, 1500, 5)])


def dump_path(srv_dir):
    return os.path.join(srv_dir, "dump.rdb")


def check_with_redis_tool(path):
    p = subprocess.run([REDIS_CHECK_RDB, path], capture_output=True, timeout=120)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    assert p.returncode == 0 and "RDB looks OK" in out, out


def tmpdir(tmp_path, name):
    d = tmp_path / name
    d.mkdir()
    return str(d)


# CRC-64 (Jones, reflected), as DUMP payloads use it.
_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x95AC9329AC4BC9B5 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc64(data):
    crc = 0
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def with_crc(body):
    """A payload from type byte + value + version: the CRC appended."""
    return body + crc64(body).to_bytes(8, "little")


def rd_len(b, i):
    t = b[i] >> 6
    if t == 0:
        return b[i] & 0x3F, i + 1, False
    if t == 1:
        return ((b[i] & 0x3F) << 8) | b[i + 1], i + 2, False
    if t == 3:
        return b[i] & 0x3F, i + 1, True
    if b[i] == 0x80:
        return int.from_bytes(b[i + 1:i + 5], "big"), i + 5, False
    return int.from_bytes(b[i + 1:i + 9], "big"), i + 9, False


def rd_str(b, i):
    n, i, enc = rd_len(b, i)
    if not enc:
        return i + n
    if n in (0, 1, 2):
        return i + (1, 2, 4)[n]
    clen, i, _ = rd_len(b, i)
    _, i, _ = rd_len(b, i)
    return i + clen


def to_v1(payload):
    """A type 19 DUMP payload rewritten as type 15 (Redis 6.x): without first
    ID, max deleted ID, entries added and the groups' entries read."""
    b = payload[:-10]
    assert b[0] == 19
    out = bytearray([15])
    i = 1
    nodes, i, _ = rd_len(b, i)
    for _ in range(2 * nodes):
        i = rd_str(b, i)
    for _ in range(3):  # length, last ID
        _, i, _ = rd_len(b, i)
    out += b[1:i]
    for _ in range(5):  # first ID, max deleted ID, entries added: dropped
        _, i, _ = rd_len(b, i)
    start = i
    ngroups, i, _ = rd_len(b, i)
    out += b[start:i]
    for _ in range(ngroups):
        start = i
        i = rd_str(b, i)
        _, i, _ = rd_len(b, i)
        _, i, _ = rd_len(b, i)
        out += b[start:i]
        _, i, _ = rd_len(b, i)  # entries read: dropped
        start = i
        npel, i, _ = rd_len(b, i)
        for _ in range(npel):
            i += 24
            _, i, _ = rd_len(b, i)
        ncons, i, _ = rd_len(b, i)
        for _ in range(ncons):
            i = rd_str(b, i)
            i += 8
            n, i, _ = rd_len(b, i)
            i += 16 * n
        out += b[start:i]
    assert i == len(b)
    return with_crc(bytes(out) + payload[-10:-8])


# ---------------------------------------------------------------- snapshots


class TestSnapshot:
    def test_save_restart_round_trip(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir(tmp_path, "rt"))
        c = srv.client()
        build_streams(c, big=50000)
        keys = stream_keys(c)
        assert len(keys) == 6
        before = stream_state(c, keys)
        assert before[b"big"][0][b"length"] == 50000 - len(range(0, 50000, 97))
        assert c.save()
        srv.stop()
        assert srv.returncode == 0
        srv2 = server(threads=threads, workdir=srv.dir)
        c2 = srv2.client()
        assert stream_keys(c2) == keys
        assert stream_state(c2, keys) == before
        # the loaded streams keep working
        assert c2.execute_command("XADD", "s1", "*", "new", "1")
        assert c2.execute_command("XREADGROUP", "GROUP", "g1", "alice", "STREAMS", "s1", ">")
        with pytest.raises(redis.ResponseError):
            c2.execute_command("XADD", "bin", "99-99", "a", "b")

    def test_bgsave_and_debug_reload(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir(tmp_path, "bg"))
        c = srv.client()
        build_streams(c, big=3000)
        keys = stream_keys(c)
        before = stream_state(c, keys)
        c.execute_command("DEBUG", "RELOAD")
        assert stream_state(c, keys) == before
        c.bgsave()
        wait_for(lambda: util.info_dict(c, "persistence")["rdb_bgsave_in_progress"] == "0",
                 timeout=30, message="BGSAVE")
        srv.stop()
        srv2 = server(threads=threads, workdir=srv.dir)
        assert stream_state(srv2.client(), keys) == before

    @pytest.mark.kvik_only
    def test_check_rdb_and_redis_check_rdb(self, server, tmp_path):
        srv = server(threads=1, workdir=tmpdir(tmp_path, "chk"))
        c = srv.client()
        build_streams(c, big=2000)
        assert c.save()
        path = dump_path(srv.dir)
        p = subprocess.run([util.server_binary(), "--check-rdb", path], capture_output=True,
                           timeout=60)
        assert p.returncode == 0, p.stdout + p.stderr
        check_with_redis_tool(path)

    @pytest.mark.kvik_only
    def test_kvik_file_loads_into_redis(self, server, threads, own_redis, tmp_path):
        srv = server(threads=threads, workdir=tmpdir(tmp_path, "k"))
        c = srv.client()
        build_streams(c, big=20000)
        keys = stream_keys(c)
        before = stream_state(c, keys)
        assert c.save()
        rdir = tmpdir(tmp_path, "r")
        shutil.copy(dump_path(srv.dir), dump_path(rdir))
        r = own_redis(rdir).client()
        assert stream_keys(r) == keys
        assert stream_state(r, keys) == before

    @pytest.mark.kvik_only
    def test_redis_file_loads_into_kvik(self, server, threads, own_redis, tmp_path):
        rdir = tmpdir(tmp_path, "r")
        rr = own_redis(rdir, "--stream-node-max-entries", "7")
        r = rr.client()
        build_streams(r, big=20000)
        keys = stream_keys(r)
        before = stream_state(r, keys)
        assert r.save()
        kdir = tmpdir(tmp_path, "k")
        shutil.copy(dump_path(rdir), dump_path(kdir))
        rr.stop()
        srv = server(threads=threads, workdir=kdir)
        c = srv.client()
        assert stream_keys(c) == keys
        assert stream_state(c, keys) == before
        # and back: kvik's own file equals it too
        c.execute_command("DEBUG", "RELOAD")
        assert stream_state(c, keys) == before


# ---------------------------------------------------------------- DUMP / RESTORE


@pytest.mark.kvik_only
class TestDumpRestore:
    def test_both_ways(self, server, threads, own_redis, tmp_path):
        srv = server(threads=threads, workdir=tmpdir(tmp_path, "k"))
        k = srv.client()
        r = own_redis(tmpdir(tmp_path, "r")).client()
        build_streams(k, big=5000)
        build_streams(r, big=5000)
        keys = stream_keys(k)
        for key in keys:
            # kvik -> redis
            want = stream_state(k, [key])[key]
            r.restore(b"from-kvik", 0, k.dump(key), replace=True)
            assert stream_state(r, [b"from-kvik"])[b"from-kvik"] == want, key
            # redis -> kvik
            want = stream_state(r, [key])[key]
            k.restore(b"from-redis", 0, r.dump(key), replace=True)
            assert stream_state(k, [b"from-redis"])[b"from-redis"] == want, key
            # kvik's payload is what redis would write (times aside)
            if key in (b"bin", b"gone", b"t1"):
                assert k.dump(b"from-redis") == r.dump(key), key

    def test_redis6_encoding(self, server, threads, own_redis, tmp_path):
        """Type 15 (no first ID, max deleted ID, entries added, entries read)
        loads as Redis 7.0 loads it."""
        srv = server(threads=threads, workdir=tmpdir(tmp_path, "k"))
        k = srv.client()
        r = own_redis(tmpdir(tmp_path, "r")).client()
        build_streams(r, big=500)
        for key in stream_keys(r):
            v1 = to_v1(r.dump(key))
            r.restore(b"v1", 0, v1, replace=True)
            k.restore(b"v1", 0, v1, replace=True)
            assert stream_state(k, [b"v1"]) == stream_state(r, [b"v1"]), key

    def test_corrupt_payloads_refused(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir(tmp_path, "k"))
        c = srv.client()
        build_streams(c)
        rng = random.Random(1234)
        payloads = [c.dump(k) for k in stream_keys(c)]
        accepted = refused = 0
        for n in range(1500):
            body = bytearray(rng.choice(payloads)[:-8])
            kind = rng.randrange(4)
            pos = rng.randrange(1, len(body) - 2)
            if kind == 0:
                body[pos] ^= 1 << rng.randrange(8)
            elif kind == 1:
                body[pos] = rng.choice([0, 1, 2, 3, 0x7F, 0x80, 0xFF, 0x40, 0xC0, 0x10])
            elif kind == 2:
                del body[pos:pos + rng.randrange(1, 6)]
            else:
                body[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4)))
            body[-2:] = b"\x0a\x00"
            try:
                c.restore(b"fz", 0, with_crc(bytes(body)), replace=True)
            except redis.ResponseError as e:
                refused += 1
                assert "payload" in str(e) or "Bad data" in str(e), str(e)
                continue
            accepted += 1
            if c.type(b"fz") != b"stream":
                continue
            # whatever was accepted is a working stream
            full_info(c, b"fz")
            c.xrange(b"fz")
            c.xrevrange(b"fz")
            c.execute_command("XINFO", "GROUPS", b"fz")
            try:
                c.execute_command("XADD", b"fz", "*", "a", "b")
            except redis.ResponseError:
                pass
            c.execute_command("XTRIM", b"fz", "MAXLEN", "1")
            for g in c.execute_command("XINFO", "GROUPS", b"fz"):
                g = pairs(g)
                c.execute_command("XAUTOCLAIM", b"fz", g[b"name"], "z", "0", "0-0")
                c.execute_command("XREADGROUP", "GROUP", g[b"name"], "z", "STREAMS", b"fz", ">")
        assert c.ping()
        assert refused > 0


# ---------------------------------------------------------------- AOF


def raw_client(srv):
    """A client without redis-py's reply parsing (replies as the server sent them)."""
    c = srv.client()
    c.response_callbacks.clear()
    return c


def random_stream_ops(c, rng, n, keys=(b"a1", b"a2", b"a3")):
    """A reproducible random mix of stream writes (with real time passing); c
    is a raw_client."""
    groups = (b"g1", b"g2")
    consumers = (b"c1", b"c2", b"c3")

    def some_ids(key, k):
        try:
            ents = c.xrange(key)
        except redis.ResponseError:
            return []
        return [e[0] for e in rng.sample(ents, min(k, len(ents)))]

    def pending_ids(key, g):
        try:
            return [p[0] for p in c.execute_command("XPENDING", key, g, "-", "+", "50")]
        except redis.ResponseError:
            return []

    for step in range(n):
        key = rng.choice(keys)
        g = rng.choice(groups)
        cons = rng.choice(consumers)
        op = rng.randrange(20)
        try:
            if op <= 4:
                args = ["XADD", key]
                if rng.random() < 0.3:
                    args += ["MAXLEN", "~", str(rng.randrange(5, 40))]
                elif rng.random() < 0.1:
                    args += ["MINID", "~", "%d" % (int(time.time() * 1000) - rng.randrange(50))]
                if rng.random() < 0.2:
                    args += ["%d-*" % (int(time.time() * 1000) + rng.randrange(1000))]
                else:
                    args += ["*"]
                args += ["f", str(step)] + (["g", "x" * rng.randrange(20)] if rng.random() < 0.5
                                            else [])
                c.execute_command(*args)
            elif op == 5:
                c.execute_command("XTRIM", key, "MAXLEN", "~", str(rng.randrange(0, 30)))
            elif op == 6:
                ids = some_ids(key, 2)
                if ids:
                    c.execute_command("XDEL", key, *ids)
            elif op == 7:
                c.execute_command("XGROUP", "CREATE", key, g, rng.choice(["$", "0"]), "MKSTREAM")
            elif op in (8, 9, 10):
                args = ["XREADGROUP", "GROUP", g, cons, "COUNT", str(rng.randrange(1, 6))]
                if rng.random() < 0.15:
                    args.append("NOACK")
                other = rng.choice(keys)
                if other != key and rng.random() < 0.3:
                    args += ["STREAMS", key, other, ">", ">"]
                else:
                    args += ["STREAMS", key, rng.choice([">", ">", "0"])]
                c.execute_command(*args)
            elif op == 11:
                ids = pending_ids(key, g)
                if ids:
                    c.execute_command("XACK", key, g, *rng.sample(ids, min(2, len(ids))))
            elif op == 12:
                ids = pending_ids(key, g) + some_ids(key, 1)
                if ids:
                    args = ["XCLAIM", key, g, cons, str(rng.randrange(0, 15))]
                    args += rng.sample(ids, min(3, len(ids)))
                    if rng.random() < 0.3:
                        args.append("JUSTID")
                    if rng.random() < 0.2:
                        args += ["FORCE"]
                    if rng.random() < 0.2:
                        args += ["LASTID", ids[0]]
                    c.execute_command(*args)
            elif op == 13:
                c.execute_command("XAUTOCLAIM", key, g, cons, str(rng.randrange(0, 15)), "0-0",
                                  "COUNT", str(rng.randrange(1, 5)),
                                  *(["JUSTID"] if rng.random() < 0.3 else []))
            elif op == 14:
                c.execute_command("XGROUP", "SETID", key, g, rng.choice(["$", "0"]))
            elif op == 15:
                c.execute_command("XGROUP", rng.choice(["CREATECONSUMER", "DELCONSUMER"]), key,
                                  g, cons)
            elif op == 16:
                info = pairs(c.execute_command("XINFO", "STREAM", key))
                c.execute_command("XSETID", key, info[b"last-generated-id"])
            elif op == 17:
                p = c.pipeline(transaction=True)
                p.execute_command("XADD", key, "*", "m", str(step))
                p.execute_command("XREADGROUP", "GROUP", g, cons, "STREAMS", key, ">")
                p.execute()
            elif op == 18:
                c.execute_command("XADD", key, "MAXLEN", "~", "3", "*", "t", str(step))
            else:
                time.sleep(rng.random() * 0.01)
        except redis.ResponseError:
            pass


@pytest.mark.kvik_only
class TestAof:
    @pytest.mark.parametrize("rewrite", [False, True], ids=["log", "rewrite"])
    def test_kill9_replay_same_streams(self, server, threads, tmp_path, rewrite):
        d = tmpdir(tmp_path, "aof")
        args = ["--appendonly", "yes", "--appendfsync", "always"]
        srv = server(*args, "--stream-node-max-entries", "4", threads=threads, workdir=d)
        c = raw_client(srv)
        rng = random.Random(77 if rewrite else 42)
        random_stream_ops(c, rng, 700)
        if rewrite:
            c.execute_command("BGREWRITEAOF")
            wait_for(lambda: b"aof_rewrite_in_progress:0" in c.execute_command("INFO", "persistence"),
                     timeout=30, message="the rewrite")
            random_stream_ops(c, rng, 300)
        keys = stream_keys(c)
        assert keys
        before = stream_state(c, keys, times=False)
        srv.expect_failure = True
        srv.proc.kill()
        srv.proc.wait(10)
        # replayed with other node sizes: approximate trims must not depend on them
        srv2 = server(*args, "--stream-node-max-entries", "100", threads=threads, workdir=d)
        c2 = raw_client(srv2)
        assert stream_keys(c2) == keys
        assert stream_state(c2, keys, times=False) == before

    def test_blocked_xreadgroup_served_later_is_logged(self, server, threads, tmp_path):
        import threading
        d = tmpdir(tmp_path, "aof")
        args = ["--appendonly", "yes", "--appendfsync", "always"]
        srv = server(*args, threads=threads, workdir=d)
        c = raw_client(srv)
        c.execute_command("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
        c.execute_command("XGROUP", "CREATE", "q", "g2", "$")
        got = []

        def reader(group):
            rc = raw_client(srv)
            got.append(rc.execute_command("XREADGROUP", "GROUP", group, "w", "BLOCK", "0",
                                          "STREAMS", "q", ">"))

        ts = [threading.Thread(target=reader, args=(g,)) for g in ("g", "g2")]
        for t in ts:
            t.start()
        wait_for(lambda: int(util.info_dict(c, "clients")["blocked_clients"]) == 2,
                 message="two blocked readers")
        c.execute_command("XADD", "q", "*", "job", "1")
        for t in ts:
            t.join(10)
        assert len(got) == 2
        before = stream_state(c, [b"q"], times=False)
        assert before[b"q"][0][b"groups"][0][b"pel-count"] == 1
        srv.expect_failure = True
        srv.proc.kill()
        srv.proc.wait(10)
        c2 = raw_client(server(*args, threads=threads, workdir=d))
        assert stream_state(c2, [b"q"], times=False) == before

    def test_log_forms_are_deterministic(self, server, tmp_path):
        d = tmpdir(tmp_path, "aof")
        srv = server("--appendonly", "yes", "--appendfsync", "always", threads=1, workdir=d)
        c = srv.client()
        c.execute_command("XADD", "s", "*", "a", "1")
        c.execute_command("XGROUP", "CREATE", "s", "g", "$")
        c.execute_command("XADD", "s", "*", "a", "2")
        c.execute_command("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
        time.sleep(0.02)
        c.execute_command("XCLAIM", "s", "g", "d", "10", "0-1", "0-2",
                          c.xrange("s")[-1][0])
        c.execute_command("XAUTOCLAIM", "s", "g", "e", "0", "0-0")
        srv.stop()
        text = b""
        adir = os.path.join(d, "appendonlydir")
        for name in sorted(os.listdir(adir)):
            if name.endswith(".aof"):
                with open(os.path.join(adir, name), "rb") as f:
                    text += f.read()
        assert b"$1\r\n*\r\n" not in text          # XADD's ID resolved
        assert b"$1\r\n$\r\n" not in text          # XGROUP CREATE's "$" resolved
        assert b"XREADGROUP" not in text.upper()   # its effects instead
        assert b"XAUTOCLAIM" not in text.upper()
        assert b"RETRYCOUNT" in text and b"FORCE" in text and b"ENTRIESREAD" in text
