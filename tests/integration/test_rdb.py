"""RDB snapshots: SAVE/BGSAVE, loading at start, interop with redis-server 7.0
files both ways, save rules, SHUTDOWN and SIGTERM saves, DEBUG RELOAD,
--check-rdb, corrupt files, a failed background save (MISCONF).

Besides the target server, some tests start their own redis-server
(REDIS_SERVER_BIN, default /usr/bin/redis-server) and run redis-check-rdb
(REDIS_CHECK_RDB_BIN, default /usr/bin/redis-check-rdb) on the files the target
writes, whatever the target is. Those redis-servers are killed by PID.
"""

import os
import random
import re
import shutil
import subprocess
import threading
import time

import pytest
import redis

import util
from util import IS_KVIK, IS_REDIS, cmd, err, info_dict, wait_for

THREADS = [None] if IS_REDIS else [1, 2]
REDIS_CHECK_RDB = os.environ.get("REDIS_CHECK_RDB_BIN", "/usr/bin/redis-check-rdb")
NDB = 16


@pytest.fixture(params=THREADS, ids=lambda t: "redis" if t is None else "threads%d" % t)
def threads(request):
    return request.param


# ---------------------------------------------------------------- helpers


class RealRedis:
    """A redis-server 7.0 of our own (not the test target), on a free port."""

    def __init__(self, workdir, *extra):
        self.dir = str(workdir)
        os.makedirs(self.dir, exist_ok=True)
        self.port = None
        self.proc = None
        self.extra = [str(a) for a in extra]
        self.out = os.path.join(self.dir, "redis-out.log")

    def start(self):
        for _ in range(3):
            self.port = util.free_port()
            argv = [util.REDIS_BIN, "--bind", "127.0.0.1", "--port", str(self.port),
                    "--dir", self.dir, "--save", "", "--appendonly", "no",
                    "--enable-debug-command", "yes"] + self.extra
            with open(self.out, "ab") as f:
                self.proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, cwd=self.dir)
            deadline = time.monotonic() + util.START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2).ping():
                        return self
                except redis.RedisError:
                    time.sleep(0.05)
            if self.proc.poll() is None:
                break
        self.stop()
        raise AssertionError("redis-server did not start:\n" + util.tail(self.out))

    def client(self, db=0):
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=20)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(util.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def real_redis():
    started = []

    def make(workdir, *extra):
        r = RealRedis(workdir, *extra)
        started.append(r)
        return r.start()

    yield make
    for r in started:
        r.stop()


def db_client(host, port, db):
    return redis.Redis(host=host, port=port, db=db, socket_timeout=30)


def read_value(c, key):
    t = cmd(c, "TYPE", key)
    if t == b"string":
        v = cmd(c, "GET", key)
    elif t == b"list":
        v = tuple(cmd(c, "LRANGE", key, 0, -1))
    elif t == b"set":
        v = tuple(sorted(cmd(c, "SMEMBERS", key)))
    elif t == b"zset":
        v = tuple(cmd(c, "ZRANGE", key, 0, -1, "WITHSCORES"))
    elif t == b"hash":
        flat = cmd(c, "HGETALL", key)
        v = tuple(sorted(zip(flat[0::2], flat[1::2])))
    else:
        v = None
    return t, v


def contents(host, port, encodings=False, dbs=NDB):
    """Everything in every database: {db: {key: (type, value, pexpiretime[, enc])}}.
    Values are compared exactly as sent on the wire (scores as text)."""
    out = {}
    for db in range(dbs):
        c = db_client(host, port, db)
        keys = []
        cursor = b"0"
        while True:
            cursor, batch = cmd(c, "SCAN", cursor, "COUNT", 1000)
            keys += batch
            if cursor == b"0":
                break
        d = {}
        for k in keys:
            t, v = read_value(c, k)
            entry = (t, v, cmd(c, "PEXPIRETIME", k))
            if encodings:
                entry += (cmd(c, "OBJECT", "ENCODING", k),)
            d[k] = entry
        c.close()
        if d:
            out[db] = d
    return out


def srv_contents(srv, **kw):
    return contents(srv.host, srv.port, **kw)


def fill_all_types(host, port, with_ttl=True):
    """Every type and encoding Redis 7.0 has, plus kvik's listpack sets,
    across all 16 databases. Returns the absolute expire times set."""
    rnd = random.Random(1234)
    c = db_client(host, port, 0)
    p = c.pipeline(transaction=False)
    # strings: embstr, int, raw, binary, large compressible and incompressible
    p.set("s:embstr", "hello world")
    p.set("s:int", "123456789")
    p.set("s:negint", "-42")
    p.set("s:int64", str(2 ** 62))
    p.set("s:notcanonical", "007")
    p.set("s:bigdecimal", "12345678901234567890123")
    p.set("s:empty", "")
    p.set("s:binary", bytes(range(256)) * 3)
    p.set("s:raw", bytes(rnd.getrandbits(8) for _ in range(300)))
    p.set("s:lzf", b"abcdefgh" * 20000)
    p.set("s:lzf-text", ("the quick brown fox %d " * 10) % tuple(range(10)))
    p.set(b"key\x00with\xffbinary", b"v\r\n\x00")
    # lists: small, 12k elements, with a large element, with integers
    p.rpush("l:small", "a", "1", "-7", b"\x00\xff", "x" * 70)
    for i in range(0, 12000, 1000):
        p.rpush("l:big", *["elem-%d" % j for j in range(i, i + 1000)])
    p.rpush("l:bigelem", "head", "y" * 20000, bytes(rnd.getrandbits(8) for _ in range(9000)),
            "tail")
    p.rpush("l:ints", *[str(v) for v in (0, 1, -1, 127, -128, 32767, 2 ** 31, -2 ** 63, 2 ** 63 - 1)])
    # sets: intset (16/32/64-bit), small strings, hashtable (many / long members)
    p.sadd("set:int16", 1, 2, 3, -5, 300)
    p.sadd("set:int64", 1, 2 ** 40, -2 ** 63, 2 ** 63 - 1)
    p.sadd("set:small", "a", "b", "c", "17")
    p.sadd("set:ht", *["m%d" % i for i in range(700)])
    p.sadd("set:htints", *range(1000))
    p.sadd("set:long", "short", "z" * 100)
    # sorted sets: small with inf/-inf/fractions, skiplist by size and by length
    p.zadd("z:small", {"a": 1.5, "b": float("-inf"), "c": float("inf"), "d": 0.1,
                       "e": -3.25, "f": 0, "g": 1e300, "h": 123456789.125})
    p.zadd("z:big", {"m%d" % i: i / 7.0 for i in range(300)})
    p.zadd("z:long", {"k" * 100: 2.5, "q": -0.000001})
    # hashes: small, many fields, a long value
    p.hset("h:small", mapping={"f1": "v1", "n": "123", "neg": "-5", b"\x00": b"\xff"})
    p.hset("h:big", mapping={"field%d" % i: "value%d" % i for i in range(600)})
    p.hset("h:long", mapping={"a": "b", "long": "w" * 200})
    p.execute()
    expires = {}
    if with_ttl:
        now_ms = int(time.time() * 1000)
        for k, delta in (("s:embstr", 3600_000), ("l:big", 7200_000), ("h:small", 86_400_000),
                         ("z:big", 1_000_000_000), ("set:ht", 5_000)):
            at = now_ms + delta
            cmd(c, "PEXPIREAT", k, at)
            expires[k] = at
    c.close()
    for db in range(1, NDB):
        c = db_client(host, port, db)
        p = c.pipeline(transaction=False)
        p.set("db%d:str" % db, "value-%d" % db)
        p.rpush("db%d:list" % db, *range(db + 1))
        p.hset("db%d:hash" % db, "db", db)
        if db % 3 == 0:
            p.sadd("db%d:set" % db, *["x%d" % i for i in range(db * 50)])
            p.zadd("db%d:zset" % db, {"x%d" % i: i * 0.5 for i in range(db * 20)})
        p.execute()
        c.close()
    return expires


def restart(server, old, *args, threads=None):
    """Stops old (SIGTERM) and starts a new server on the same directory."""
    old.stop()
    assert old.returncode == 0, old.output_tail()
    return server(*args, threads=threads, workdir=old.dir)


def dump_path(srv):
    return os.path.join(srv.dir, "dump.rdb")


def bg_done(c):
    return info_dict(c, "persistence")["rdb_bgsave_in_progress"] == "0"


def wait_bgsave(c, timeout=30):
    wait_for(lambda: bg_done(c), timeout=timeout, message="the background save to end")


def check_with_redis_tool(path):
    p = subprocess.run([REDIS_CHECK_RDB, path], capture_output=True, timeout=60)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    assert p.returncode == 0 and "RDB looks OK" in out, out
    return out


def check_rdb_kvik(path):
    p = subprocess.run([util.server_binary(), "--check-rdb", path], capture_output=True,
                       timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def mset_batches(c, n, prefix="fill:", size=100, batch=1000):
    """n keys prefix0..n-1 with size-byte values, pipelined MSETs."""
    val = b"v" * size
    p = c.pipeline(transaction=False)
    for i in range(0, n, batch):
        args = []
        for j in range(i, min(n, i + batch)):
            args += [b"%s%d" % (prefix.encode(), j), val]
        p.execute_command("MSET", *args)
        if len(p) >= 20:
            p.execute()
    p.execute()


def tmpdir_for(tmp_path, name):
    d = tmp_path / name
    d.mkdir()
    return str(d)


# ---------------------------------------------------------------- round trip


class TestRoundTrip:
    def test_every_type_survives_save_and_restart(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir_for(tmp_path, "rt"))
        expires = fill_all_types(srv.host, srv.port)
        before = srv_contents(srv, encodings=True)
        assert len(before) == NDB
        # absolute expire times went in exactly as given
        for k, at in expires.items():
            assert before[0][k.encode()][2] == at
        c = srv.client()
        assert cmd(c, "SAVE") == b"OK"
        assert os.path.getsize(dump_path(srv)) > 0
        srv2 = restart(server, srv, threads=threads)
        after = srv_contents(srv2, encodings=True)
        assert after == before

    def test_empty_server(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir_for(tmp_path, "empty"))
        c = srv.client()
        assert cmd(c, "SAVE") == b"OK"
        check_with_redis_tool(dump_path(srv))
        srv2 = restart(server, srv, threads=threads)
        c2 = srv2.client()
        for db in range(NDB):
            assert cmd(srv2.client(db=db), "DBSIZE") == 0
        assert cmd(c2, "SET", "after", "1") == b"OK"

    def test_expired_keys_dropped_on_load(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir_for(tmp_path, "exp"))
        c = srv.client()
        at = int(time.time() * 1000) + 400
        cmd(c, "SET", "soon", "x")
        cmd(c, "PEXPIREAT", "soon", at)
        cmd(c, "HSET", "soonhash", "f", "v")
        cmd(c, "PEXPIREAT", "soonhash", at)
        cmd(c, "SET", "later", "y", "PX", 3_600_000)
        cmd(c, "SET", "forever", "z")
        assert cmd(c, "SAVE") == b"OK"
        srv.stop()
        wait_for(lambda: time.time() * 1000 > at + 50, timeout=5, message="the TTL to pass")
        srv2 = server(threads=threads, workdir=srv.dir)
        c2 = srv2.client()
        assert cmd(c2, "DBSIZE") == 2
        assert cmd(c2, "GET", "forever") == b"z"
        assert cmd(c2, "EXISTS", "soon", "soonhash") == 0
        assert cmd(c2, "PTTL", "later") > 3_000_000

    def test_debug_reload_keeps_everything(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir_for(tmp_path, "reload"))
        fill_all_types(srv.host, srv.port)
        before = srv_contents(srv, encodings=True)
        c = srv.client()
        assert cmd(c, "DEBUG", "RELOAD") == b"OK"
        assert srv_contents(srv, encodings=True) == before
        assert os.path.exists(dump_path(srv))

    def test_config_set_dir_moves_snapshots(self, server, threads, tmp_path):
        top = tmpdir_for(tmp_path, "top")
        srv = server("--enable-protected-configs", "yes", threads=threads, workdir=top)
        c = srv.client()
        other = tmpdir_for(tmp_path, "other")
        assert cmd(c, "CONFIG", "SET", "dir", other) == b"OK"
        cmd(c, "SET", "k", "v1")
        assert cmd(c, "SAVE") == b"OK"
        assert os.path.exists(os.path.join(other, "dump.rdb"))
        assert not os.path.exists(os.path.join(top, "dump.rdb"))
        cmd(c, "SET", "k", "v2")
        assert cmd(c, "CONFIG", "SET", "dbfilename", "snap.rdb") == b"OK"
        assert cmd(c, "BGSAVE") == b"Background saving started"
        wait_bgsave(c)
        assert os.path.exists(os.path.join(other, "snap.rdb"))
        # DEBUG RELOAD reads back what it wrote there
        cmd(c, "SET", "k", "v3")
        assert cmd(c, "DEBUG", "RELOAD") == b"OK"
        assert cmd(c, "GET", "k") == b"v3"
        assert not [f for f in os.listdir(top) if f.endswith(".rdb")]
        # a server started on that directory loads the file
        srv.stop()
        shutil.copy(os.path.join(other, "snap.rdb"), os.path.join(other, "dump.rdb"))
        srv2 = server(threads=threads, workdir=other)
        assert cmd(srv2.client(), "GET", "k") == b"v3"

    @pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu"])
    def test_lru_lfu_metadata_kept(self, server, threads, real_redis, tmp_path, policy):
        """With an LRU/LFU policy the file carries IDLE/FREQ per key: kept on
        restart, and the file is still one redis-server loads."""
        srv = server("--maxmemory-policy", policy, threads=threads,
                     workdir=tmpdir_for(tmp_path, "meta"))
        c = srv.client()
        cmd(c, "SET", "src", "v")
        payload = cmd(c, "DUMP", "src")
        cmd(c, "DEL", "src")
        lfu = policy.endswith("lfu")
        opt = ("FREQ", 77) if lfu else ("IDLETIME", 5000)
        assert cmd(c, "RESTORE", "k", 0, payload, *opt) == b"OK"
        cmd(c, "RPUSH", "l", "a", "b")
        assert cmd(c, "SAVE") == b"OK"
        check_with_redis_tool(dump_path(srv))
        srv2 = restart(server, srv, "--maxmemory-policy", policy, threads=threads)
        c2 = srv2.client()
        if lfu:
            assert cmd(c2, "OBJECT", "FREQ", "k") == 77
        else:
            assert 5000 <= cmd(c2, "OBJECT", "IDLETIME", "k") <= 5010
        assert cmd(c2, "LRANGE", "l", 0, -1) == [b"a", b"b"]
        rdir = tmpdir_for(tmp_path, "redis")
        shutil.copy(dump_path(srv2), os.path.join(rdir, "dump.rdb"))
        rr = real_redis(rdir, "--maxmemory-policy", policy)
        rc = rr.client()
        if lfu:
            assert cmd(rc, "OBJECT", "FREQ", "k") == 77
        else:
            assert cmd(rc, "OBJECT", "IDLETIME", "k") >= 5000
        assert cmd(rc, "GET", "k") == b"v"

    @pytest.mark.kvik_only
    def test_check_rdb_good_file(self, server, tmp_path):
        srv = server(threads=1, workdir=tmpdir_for(tmp_path, "chk"))
        fill_all_types(srv.host, srv.port, with_ttl=False)
        total = sum(cmd(srv.client(db=d), "DBSIZE") for d in range(NDB))
        assert cmd(srv.client(), "SAVE") == b"OK"
        rc, out = check_rdb_kvik(dump_path(srv))
        assert rc == 0, out
        assert "%s: OK, %d keys" % (dump_path(srv), total) in out


# ---------------------------------------------------------------- interop


class TestInterop:
    def test_redis_file_loads_into_target(self, server, threads, real_redis, tmp_path):
        rdir = tmpdir_for(tmp_path, "redis")
        rr = real_redis(rdir)
        fill_all_types("127.0.0.1", rr.port)
        rc = rr.client()
        # encodings Redis 7.0 writes: listpack hash/zset, intset, quicklist, hashtable...
        encs = {cmd(rc, "OBJECT", "ENCODING", k) for k in
                ("h:small", "z:small", "set:int16", "l:big", "set:ht", "z:big", "h:big")}
        assert {b"listpack", b"intset", b"quicklist", b"hashtable", b"skiplist"} <= encs
        expected = contents("127.0.0.1", rr.port)
        assert cmd(rc, "SAVE") == b"OK"
        rr.stop()
        kdir = tmpdir_for(tmp_path, "target")
        shutil.copy(os.path.join(rdir, "dump.rdb"), os.path.join(kdir, "dump.rdb"))
        srv = server(threads=threads, workdir=kdir)
        assert srv_contents(srv) == expected
        # and kvik writes it back in a form redis-check-rdb accepts
        assert cmd(srv.client(), "SAVE") == b"OK"
        check_with_redis_tool(dump_path(srv))

    def test_target_file_loads_into_redis(self, server, threads, real_redis, tmp_path):
        kdir = tmpdir_for(tmp_path, "target")
        srv = server(threads=threads, workdir=kdir)
        fill_all_types(srv.host, srv.port)
        expected = srv_contents(srv)
        assert cmd(srv.client(), "SAVE") == b"OK"
        out = check_with_redis_tool(dump_path(srv))
        total = sum(len(v) for v in expected.values())
        assert re.search(r"%d keys read" % total, out), out
        rdir = tmpdir_for(tmp_path, "redis")
        shutil.copy(dump_path(srv), os.path.join(rdir, "dump.rdb"))
        rr = real_redis(rdir)
        assert contents("127.0.0.1", rr.port) == expected

    def test_target_bgsave_file_loads_into_redis(self, server, threads, real_redis, tmp_path):
        kdir = tmpdir_for(tmp_path, "target")
        srv = server(threads=threads, workdir=kdir)
        fill_all_types(srv.host, srv.port)
        expected = srv_contents(srv)
        c = srv.client()
        assert cmd(c, "BGSAVE") == b"Background saving started"
        wait_bgsave(c)
        assert info_dict(c, "persistence")["rdb_last_bgsave_status"] == "ok"
        check_with_redis_tool(dump_path(srv))
        rdir = tmpdir_for(tmp_path, "redis")
        shutil.copy(dump_path(srv), os.path.join(rdir, "dump.rdb"))
        rr = real_redis(rdir)
        assert contents("127.0.0.1", rr.port) == expected


# ---------------------------------------------------------------- BGSAVE


class TestBgsave:
    def test_info_fields_and_lastsave(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir_for(tmp_path, "bg"))
        c = srv.client()
        inf = info_dict(c, "persistence")
        assert inf["rdb_bgsave_in_progress"] == "0"
        assert inf["rdb_last_bgsave_status"] == "ok"
        saves0 = int(inf.get("rdb_saves", 0))
        t0 = cmd(c, "LASTSAVE")
        cmd(c, "SET", "a", "1")
        cmd(c, "SET", "b", "2")
        cmd(c, "INCR", "a")
        assert int(info_dict(c, "persistence")["rdb_changes_since_last_save"]) == 3
        # LASTSAVE has a one-second resolution: let a second pass first
        wait_for(lambda: time.time() >= t0 + 1.05, timeout=3, message="a new second")
        assert cmd(c, "BGSAVE") == b"Background saving started"
        wait_bgsave(c)
        inf = info_dict(c, "persistence")
        assert inf["rdb_last_bgsave_status"] == "ok"
        assert inf["rdb_changes_since_last_save"] == "0"
        assert int(inf["rdb_saves"]) == saves0 + 1
        assert int(inf["rdb_last_bgsave_time_sec"]) >= 0
        assert inf["rdb_current_bgsave_time_sec"] == "-1"
        t1 = cmd(c, "LASTSAVE")
        assert t1 > t0
        assert int(inf["rdb_last_save_time"]) == t1
        # SAVE counts too
        cmd(c, "SET", "c", "3")
        assert cmd(c, "SAVE") == b"OK"
        inf = info_dict(c, "persistence")
        assert int(inf["rdb_saves"]) == saves0 + 2
        assert inf["rdb_changes_since_last_save"] == "0"

    @staticmethod
    def _slow_save_data(c):
        """Enough incompressible data that a save takes a while."""
        blob = random.Random(5).randbytes(2000)
        p = c.pipeline(transaction=False)
        for i in range(0, 20000, 500):
            args = []
            for j in range(i, i + 500):
                args += [b"k%d" % j, blob[j % 1000:] + b"%d" % j]
            p.execute_command("MSET", *args)
        p.execute()

    def test_in_progress_errors(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir_for(tmp_path, "bg"))
        c = srv.client()
        self._slow_save_data(c)
        saves0 = int(info_dict(c, "persistence")["rdb_saves"])
        raw = srv.raw()
        # back to back on one connection: the second arrives while the first runs
        raw.send_raw(raw_cmd("BGSAVE") + raw_cmd("BGSAVE") + raw_cmd("SAVE")
                     + raw_cmd("INFO", "persistence"))
        r1, r2, r3, r4 = (raw.read() for _ in range(4))
        assert r1 == b"Background saving started"
        assert bytes(r2) == b"ERR Background save already in progress"
        assert bytes(r3) == b"ERR Background save already in progress"
        inf = util.parse_info(bytes(r4).decode())
        assert inf["rdb_bgsave_in_progress"] == "1"
        assert int(inf["rdb_current_bgsave_time_sec"]) >= 0
        wait_bgsave(c)
        inf = info_dict(c, "persistence")
        assert inf["rdb_last_bgsave_status"] == "ok"
        assert int(inf["rdb_saves"]) == saves0 + 1
        # SCHEDULE with nothing running starts one at once
        assert cmd(c, "BGSAVE", "SCHEDULE") == b"Background saving started"
        wait_bgsave(c)
        assert int(info_dict(c, "persistence")["rdb_saves"]) == saves0 + 2
        assert err(c, "BGSAVE", "NOW") == "ERR syntax error"

    def test_schedule_while_bgsave_runs(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir_for(tmp_path, "bg"))
        c = srv.client()
        self._slow_save_data(c)
        raw = srv.raw()
        raw.send_raw(raw_cmd("BGSAVE") + raw_cmd("BGSAVE", "SCHEDULE"))
        r1, r2 = raw.read(), raw.read()
        wait_bgsave(c)
        assert r1 == b"Background saving started"
        assert bytes(r2) == b"ERR Background save already in progress"

    def test_bgsave_inside_multi_is_scheduled(self, server, threads, tmp_path):
        """BGSAVE queued in a transaction is scheduled (as Redis 7 does), so
        the snapshot holds the whole transaction's writes."""
        srv = server(threads=threads, workdir=tmpdir_for(tmp_path, "bg"))
        c = srv.client()
        mset_batches(c, 20000, size=50)
        raw = srv.raw()
        cmds = [raw_cmd("MULTI"), raw_cmd("SET", "k", "before"), raw_cmd("BGSAVE"),
                raw_cmd("SET", "k", "after"), raw_cmd("RPUSH", "l", "x"), raw_cmd("EXEC")]
        raw.send_raw(b"".join(cmds))
        replies = [raw.read() for _ in cmds]
        assert replies[-1][1] == b"Background saving scheduled", replies
        wait_for(lambda: int(info_dict(c, "persistence")["rdb_saves"]) >= 1, timeout=10,
                 message="the scheduled BGSAVE")
        wait_bgsave(c)
        assert info_dict(c, "persistence")["rdb_last_bgsave_status"] == "ok"
        # writes after the transaction are not in it
        cmd(c, "SET", "k", "later")
        srv2 = restart(server, srv, threads=threads)
        c2 = srv2.client()
        assert cmd(c2, "GET", "k") == b"after"
        assert cmd(c2, "LRANGE", "l", 0, -1) == [b"x"]
        assert cmd(c2, "DBSIZE") == 20002

    def test_writes_during_bgsave_do_not_leak_into_it(self, server, threads, tmp_path):
        """Keys changed, added and deleted while a save runs: the file holds
        the keyspace as it was when BGSAVE started."""
        srv = server(threads=threads, workdir=tmpdir_for(tmp_path, "bg"))
        c = srv.client()
        mset_batches(c, 60000, prefix="k", size=200)
        raw = srv.raw()
        cmds = [b"*1\r\n$6\r\nBGSAVE\r\n"]
        for i in range(0, 60000, 600):
            cmds.append(raw_cmd("SET", "k%d" % i, "changed"))
            cmds.append(raw_cmd("DEL", "k%d" % (i + 1)))
            cmds.append(raw_cmd("SET", "new%d" % i, "n"))
        raw.send_raw(b"".join(cmds))
        replies = [raw.read() for _ in cmds]
        assert replies[0] == b"Background saving started"
        wait_bgsave(c)
        srv2 = restart(server, srv, threads=threads)
        c2 = srv2.client()
        assert cmd(c2, "DBSIZE") == 60000
        assert cmd(c2, "EXISTS", "new0", "new600") == 0
        vals = cmd(c2, "MGET", *["k%d" % i for i in range(0, 60000, 600)])
        assert all(v == b"v" * 200 for v in vals)
        assert cmd(c2, "EXISTS", *["k%d" % (i + 1) for i in range(0, 60000, 600)]) == 100

    @pytest.mark.kvik_only
    def test_point_in_time_with_concurrent_msets(self, server, real_redis, tmp_path):
        """--threads 2, writers MSET a_i and b_i (different shards) to the same
        value in one command while BGSAVEs run: no saved file may split an MSET."""
        srv = server(threads=2, workdir=tmpdir_for(tmp_path, "pit"))
        c = srv.client()
        mset_batches(c, 150000, prefix="filler:", size=64)
        npairs = 2000
        stop = threading.Event()
        errors = []

        def writer(w):
            try:
                wc = srv.client()
                p = wc.pipeline(transaction=False)
                rnd = random.Random(w)
                n = 0
                while not stop.is_set():
                    for _ in range(50):
                        i = rnd.randrange(npairs)
                        n += 1
                        v = "%d:%d" % (w, n)
                        p.execute_command("MSET", "a%d" % i, v, "b%d" % i, v)
                    p.execute()
                wc.close()
            except Exception as e:  # reported by the test
                errors.append(repr(e))

        ths = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(3)]
        for t in ths:
            t.start()
        # the writers are under way before the first save
        wait_for(lambda: cmd(c, "DBSIZE") >= 150000 + 200 or errors, timeout=10,
                 message="the writers to start")
        snaps = []
        try:
            deadline = time.monotonic() + 2.5
            k = 0
            while time.monotonic() < deadline or not snaps:
                assert cmd(c, "BGSAVE") == b"Background saving started"
                wait_bgsave(c)
                assert info_dict(c, "persistence")["rdb_last_bgsave_status"] == "ok"
                path = os.path.join(str(tmp_path), "snap%d.rdb" % k)
                shutil.copy(dump_path(srv), path)
                snaps.append(path)
                k += 1
                if k >= 6:
                    break
        finally:
            stop.set()
            for t in ths:
                t.join(20)
        assert not errors, errors
        for path in snaps[:3]:
            rc, out = check_rdb_kvik(path)
            assert rc == 0, out
            d = tmpdir_for(tmp_path, "load-" + os.path.basename(path))
            shutil.copy(path, os.path.join(d, "dump.rdb"))
            s = server(threads=1, workdir=d)
            sc = s.client()
            a = cmd(sc, "MGET", *["a%d" % i for i in range(npairs)])
            b = cmd(sc, "MGET", *["b%d" % i for i in range(npairs)])
            split = [(i, x, y) for i, (x, y) in enumerate(zip(a, b)) if x != y]
            assert not split, "%s: MSETs split by the snapshot: %r" % (path, split[:10])
            assert any(x is not None for x in a)
            assert cmd(sc, "DBSIZE") >= 150000
            s.stop()


def raw_cmd(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


# ---------------------------------------------------------------- save rules, shutdown


class TestSaveOnRulesAndShutdown:
    def test_save_rule_triggers_background_save(self, server, threads, tmp_path):
        srv = server("--save", "1 1", threads=threads, workdir=tmpdir_for(tmp_path, "rule"))
        c = srv.client()
        assert not os.path.exists(dump_path(srv))
        cmd(c, "SET", "k", "v")
        wait_for(lambda: int(info_dict(c, "persistence")["rdb_saves"]) >= 1, timeout=6,
                 message="a save triggered by the save rule")
        wait_bgsave(c)
        assert os.path.exists(dump_path(srv))
        assert info_dict(c, "persistence")["rdb_changes_since_last_save"] == "0"
        srv2 = restart(server, srv, threads=threads)
        assert cmd(srv2.client(), "GET", "k") == b"v"

    def test_no_save_without_enough_changes(self, server, threads, tmp_path):
        srv = server("--save", "1 5", threads=threads, workdir=tmpdir_for(tmp_path, "rule"))
        c = srv.client()
        cmd(c, "SET", "k", "v")
        t0 = time.monotonic()
        # give the cron a few runs: still only 1 change of the 5 needed
        wait_for(lambda: time.monotonic() - t0 > 1.5, timeout=3, message="1.5 s")
        assert info_dict(c, "persistence")["rdb_saves"] == "0"
        cmd(c, "MSET", "a", 1, "b", 2, "c", 3, "d", 4)
        wait_for(lambda: int(info_dict(c, "persistence")["rdb_saves"]) >= 1, timeout=6,
                 message="a save after 5 changes")

    def _shutdown(self, srv, *args):
        c = srv.client()
        with pytest.raises(redis.ConnectionError):
            cmd(c, "SHUTDOWN", *args)
        assert srv.wait_exit() == 0, srv.output_tail()

    @pytest.mark.parametrize("rules,args,saves", [
        ("", ("SAVE",), True),
        ("", ("NOSAVE",), False),
        ("", (), False),
        ("3600 1", (), True),
        ("3600 1", ("NOSAVE",), False),
        ("3600 1", ("SAVE",), True),
    ], ids=["nosave-rules+SAVE", "nosave-rules+NOSAVE", "nosave-rules+default",
            "rules+default", "rules+NOSAVE", "rules+SAVE"])
    def test_shutdown(self, server, threads, tmp_path, rules, args, saves):
        srv = server("--save", rules, threads=threads, workdir=tmpdir_for(tmp_path, "sd"))
        cmd(srv.client(), "SET", "k", "v")
        self._shutdown(srv, *args)
        assert os.path.exists(dump_path(srv)) == saves
        srv2 = server(threads=threads, workdir=srv.dir)
        assert cmd(srv2.client(), "GET", "k") == (b"v" if saves else None)

    def test_sigterm_saves_with_save_rules(self, server, threads, tmp_path):
        srv = server("--save", "3600 1", threads=threads, workdir=tmpdir_for(tmp_path, "term"))
        fill_all_types(srv.host, srv.port)
        before = srv_contents(srv)
        srv.stop()  # SIGTERM
        assert srv.returncode == 0
        assert os.path.exists(dump_path(srv))
        srv2 = server(threads=threads, workdir=srv.dir)
        assert srv_contents(srv2) == before

    def test_sigterm_without_save_rules_does_not_save(self, server, threads, tmp_path):
        srv = server(threads=threads, workdir=tmpdir_for(tmp_path, "term"))
        cmd(srv.client(), "SET", "k", "v")
        srv.stop()
        assert srv.returncode == 0
        assert not os.path.exists(dump_path(srv))

    def test_sigterm_during_bgsave(self, server, threads, tmp_path):
        srv = server("--save", "3600 1", threads=threads, workdir=tmpdir_for(tmp_path, "term"))
        c = srv.client()
        mset_batches(c, 50000, size=100)
        assert cmd(c, "BGSAVE") == b"Background saving started"
        srv.stop()
        assert srv.returncode == 0, srv.output_tail()
        srv2 = server(threads=threads, workdir=srv.dir)
        assert cmd(srv2.client(), "DBSIZE") == 50000


# ---------------------------------------------------------------- corrupt files


BIG_VALUE = random.Random(9).randbytes(5000)


def _saved_file(server, tmp_path, name):
    srv = server(threads=1, workdir=tmpdir_for(tmp_path, name))
    c = srv.client()
    cmd(c, "SET", "small", "v")
    cmd(c, "SET", "big", BIG_VALUE)
    cmd(c, "RPUSH", "list", *range(100))
    assert cmd(c, "SAVE") == b"OK"
    srv.stop()
    with open(dump_path(srv), "rb") as f:
        data = f.read()
    return srv.dir, data


def _start_fails(server, d, threads=1):
    s = server(threads=threads, workdir=d, start=False)
    s.expect_failure = True
    s.spawn()
    rc = s.wait_exit(timeout=util.START_TIMEOUT)
    assert rc is not None, "the server started on a corrupt file"
    assert rc != 0
    return s.output()


OFFSET_RE = re.compile(r"Bad RDB file (\S+) at byte offset (\d+): (.*)")


@pytest.mark.kvik_only
class TestCorruptFiles:
    def test_flipped_byte_checksum_mismatch(self, server, threads, tmp_path):
        d, data = _saved_file(server, tmp_path, "flip")
        pos = data.index(BIG_VALUE[:64]) + 1000
        bad = bytearray(data)
        bad[pos] ^= 0x01  # inside the incompressible 5000-byte value: structure intact
        path = os.path.join(d, "dump.rdb")
        with open(path, "wb") as f:
            f.write(bad)
        rc, out = check_rdb_kvik(path)
        assert rc != 0
        m = OFFSET_RE.search(out)
        assert m and m.group(1).endswith("dump.rdb") and "checksum" in m.group(3), out
        assert int(m.group(2)) == len(data) - 8
        out = _start_fails(server, d, threads)
        m = OFFSET_RE.search(out)
        assert m and m.group(1).endswith("dump.rdb"), out
        assert int(m.group(2)) == len(data) - 8 and "checksum" in m.group(3)

    def test_truncated_file(self, server, threads, tmp_path):
        d, data = _saved_file(server, tmp_path, "trunc")
        path = os.path.join(d, "dump.rdb")
        for cut in (len(data) // 2, len(data) - 1, 12):
            with open(path, "wb") as f:
                f.write(data[:cut])
            rc, out = check_rdb_kvik(path)
            assert rc != 0
            m = OFFSET_RE.search(out)
            assert m and m.group(1).endswith("dump.rdb"), out
            assert int(m.group(2)) <= cut
        out = _start_fails(server, d, threads)
        m = OFFSET_RE.search(out)
        assert m and "end of data" in m.group(3), out

    def test_not_an_rdb_file(self, server, tmp_path):
        d = tmpdir_for(tmp_path, "junk")
        path = os.path.join(d, "dump.rdb")
        with open(path, "wb") as f:
            f.write(b"this is not a snapshot at all\n")
        rc, out = check_rdb_kvik(path)
        assert rc != 0 and OFFSET_RE.search(out), out
        out = _start_fails(server, d)
        assert "dump.rdb" in out and "signature" in out

    def test_check_rdb_missing_file(self, tmp_path):
        rc, out = check_rdb_kvik(os.path.join(str(tmp_path), "nope.rdb"))
        assert rc != 0 and "nope.rdb" in out

    def test_random_corruption_never_crashes(self, tmp_path, server):
        """Single-byte changes anywhere in a real file: --check-rdb either
        accepts the file (checksum off) or reports an offset; never crashes."""
        d, data = _saved_file(server, tmp_path, "rand")
        # checksum zeroed: Redis then skips the check, so the parser sees the damage
        base = bytearray(data)
        base[-8:] = b"\x00" * 8
        rnd = random.Random(77)
        path = os.path.join(d, "dump.rdb")
        for _ in range(40):
            bad = bytearray(base)
            pos = rnd.randrange(9, len(bad) - 9)
            bad[pos] = rnd.randrange(256)
            with open(path, "wb") as f:
                f.write(bad)
            rc, out = check_rdb_kvik(path)
            assert rc in (0, 1), out
            assert rc == 0 or OFFSET_RE.search(out), out


# ---------------------------------------------------------------- failed BGSAVE


class TestFailedBgsave:
    def test_misconf_after_failed_bgsave(self, server, threads, tmp_path):
        top = tmpdir_for(tmp_path, "fail")
        srv = server("--save", "3600 100000", "--enable-protected-configs", "yes",
                     threads=threads, workdir=top)
        c = srv.client()
        cmd(c, "SET", "k", "v")
        # A directory that disappears: writing there fails even for root
        # (chmod does not stop root).
        gone = os.path.join(top, "gone")
        os.mkdir(gone)
        assert cmd(c, "CONFIG", "SET", "dir", gone) == b"OK"
        os.rmdir(gone)
        try:
            rep = cmd(c, "BGSAVE")
            # Redis forks first and fails in the child; kvik may refuse at once
            assert rep == b"Background saving started"
        except redis.ResponseError as e:
            assert "ERR" in str(e) and "temp" in str(e).lower(), str(e)
        wait_for(lambda: info_dict(c, "persistence")["rdb_last_bgsave_status"] == "err",
                 timeout=10, message="rdb_last_bgsave_status:err")
        wait_bgsave(c)
        e = err(c, "SET", "k2", "v")
        assert e.startswith("MISCONF "), e
        assert err(c, "DEL", "k").startswith("MISCONF ")
        assert cmd(c, "GET", "k") == b"v"
        assert cmd(c, "DBSIZE") == 1
        # with stop-writes-on-bgsave-error off, writes go through
        assert cmd(c, "CONFIG", "SET", "stop-writes-on-bgsave-error", "no") == b"OK"
        assert cmd(c, "SET", "k2", "v") == b"OK"
        assert cmd(c, "CONFIG", "SET", "stop-writes-on-bgsave-error", "yes") == b"OK"
        assert err(c, "SET", "k3", "v").startswith("MISCONF ")
        # a successful save clears the error
        assert cmd(c, "CONFIG", "SET", "dir", top) == b"OK"
        assert cmd(c, "BGSAVE") == b"Background saving started"
        wait_bgsave(c)
        assert info_dict(c, "persistence")["rdb_last_bgsave_status"] == "ok"
        assert cmd(c, "SET", "k3", "v") == b"OK"

    def test_no_misconf_without_save_rules(self, server, threads, tmp_path):
        top = tmpdir_for(tmp_path, "fail")
        srv = server("--enable-protected-configs", "yes", threads=threads, workdir=top)
        c = srv.client()
        gone = os.path.join(top, "gone")
        os.mkdir(gone)
        assert cmd(c, "CONFIG", "SET", "dir", gone) == b"OK"
        os.rmdir(gone)
        try:
            cmd(c, "BGSAVE")
        except redis.ResponseError:
            pass
        wait_for(lambda: info_dict(c, "persistence")["rdb_last_bgsave_status"] == "err",
                 timeout=10, message="rdb_last_bgsave_status:err")
        wait_bgsave(c)
        assert cmd(c, "SET", "k", "v") == b"OK"
        assert err(c, "SAVE").startswith("ERR")
        assert cmd(c, "CONFIG", "SET", "dir", top) == b"OK"


def test_rdbchecksum_no_and_load_counters(server, tmp_path):
    """With rdbchecksum no the file ends in a zero checksum, which both
    servers' loaders skip; INFO counts the keys a load kept and dropped."""
    srv = server("--rdbchecksum", "no", workdir=tmpdir_for(tmp_path, "nock"))
    c = srv.client()
    c.set("keep", "1")
    c.set("gone", "1", px=300)
    assert c.save()
    with open(dump_path(srv), "rb") as f:
        assert f.read()[-8:] == b"\0" * 8
    check_with_redis_tool(dump_path(srv))
    time.sleep(0.4)
    srv2 = restart(server, srv)
    c2 = srv2.client()
    assert c2.get("keep") == b"1" and c2.exists("gone") == 0
    inf = info_dict(c2, "persistence")
    assert inf["rdb_last_load_keys_loaded"] == "1"
    assert inf["rdb_last_load_keys_expired"] == "1"
