"""kvik-benchmark: short bounded runs report sane numbers.

Every run is small (a few thousand requests or about a second): the point is
that the tool runs its modes end to end (RESP and native, pipelining, threads,
mixes, pub/sub fan-out) and that its figures are consistent, not how fast the
server is. Native-protocol tests skip while the server has no native listener
(checked by trying it, not by version).

The binary is bin/kvik-benchmark beside the server binary (KVIK_BIN), or
KVIK_BENCHMARK.
"""

import csv
import io
import os
import subprocess

import pytest

import util


BENCH = util.tool_binary("kvik-benchmark", "KVIK_BENCHMARK")
CLI = util.tool_binary("kvik-cli", "KVIK_CLI")
pytestmark = pytest.mark.skipif(not os.access(BENCH, os.X_OK), reason="not built: " + BENCH)


def bench(port, *args, timeout=60):
    p = subprocess.run([BENCH, "-h", "127.0.0.1", "-p", str(port)] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return p.stdout.decode()


def rows(out):
    return list(csv.DictReader(io.StringIO(out)))


def check_row(row, requests=None):
    n = int(row["requests"])
    if requests is not None:
        assert n == requests
    assert n > 0
    assert float(row["seconds"]) > 0
    assert float(row["ops_per_sec"]) > 0
    p50, p99, p999, mx = (float(row[k]) for k in ("p50_ms", "p99_ms", "p999_ms", "max_ms"))
    assert 0 < p50 <= p99 <= p999
    assert p999 <= mx * 1.01 + 0.001  # a bucket's middle may pass the max slightly
    assert int(row["errors"]) == 0
    return n


CSV_FIELDS = ["test", "protocol", "clients", "threads", "pipeline", "value_size", "requests",
              "seconds", "ops_per_sec", "avg_ms", "p50_ms", "p99_ms", "p999_ms", "max_ms",
              "bytes_out_per_op", "bytes_in_per_op", "errors", "delivered", "delivered_per_sec"]


@pytest.mark.parametrize("pipeline", [1, 16])
def test_resp_set_get_csv(shared_server, r, pipeline):
    out = bench(shared_server.port, "-n", 4000, "-c", 8, "--threads", 2, "-P", pipeline,
                "-r", 1000, "-d", 100, "-t", "set,get", "--csv")
    lines = out.strip().split("\n")
    assert lines[0].split(",") == CSV_FIELDS
    got = rows(out)
    assert [x["test"] for x in got] == ["SET", "GET"]
    for x in got:
        check_row(x, 4000)
        assert x["protocol"] == "resp2" and int(x["pipeline"]) == pipeline
    # SET key:000000000NNN <100 bytes>: ~150 bytes of RESP per request
    assert 140 <= float(got[0]["bytes_out_per_op"]) <= 170
    assert float(got[0]["bytes_in_per_op"]) == 5.0  # +OK\r\n
    # GET replies carry the 100-byte values
    assert float(got[1]["bytes_in_per_op"]) >= 100
    keys = r.keys("key:*")
    assert 0 < len(keys) <= 1000
    assert len(r.get(keys[0])) == 100


def test_named_tests_and_report(shared_server, r):
    out = bench(shared_server.port, "-n", 2000, "-c", 4, "-P", 4,
                "-t", "ping,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,mset")
    for name in ("PING", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET", "SPOP",
                 "ZADD", "MSET"):
        assert "====== %s ======" % name in out
    assert "throughput:" in out and "p99.9" in out and "bytes/op" in out
    assert "errors" not in out
    assert int(r.get("counter:000000000000")) == 2000
    assert r.llen("mylist") == 0  # as many pops as pushes


def test_weighted_mix_and_duration(shared_server, r):
    out = bench(shared_server.port, "--duration", 1, "-c", 6, "--threads", 2,
                "-t", "set:1,get:3", "-r", 100, "-q")
    assert out.startswith("SET:1,GET:3: ") and "requests per second" in out
    out = bench(shared_server.port, "--duration", 1, "-c", 4, "-t", "set:1,get:3", "--csv")
    row = rows(out)[0]
    assert row["test"] == "SET:1,GET:3"
    check_row(row)
    assert 0.9 <= float(row["seconds"]) <= 5


def test_lib_driver(shared_server, r):
    out = bench(shared_server.port, "--lib", "-n", 1000, "-c", 3, "-P", 3, "-t", "incr", "--csv")
    check_row(rows(out)[0], 1000)
    assert int(r.get("counter:000000000000")) == 1000


def test_pubsub_delivers(shared_server, r):
    out = bench(shared_server.port, "--pubsub", 6, "--publishers", 2, "--threads", 2,
                "-d", 64, "--duration", 0.5, "-P", 4, "--csv")
    row = rows(out)[0]
    assert row["test"] == "PUBSUB"
    published = int(row["requests"])
    assert published > 0
    assert int(row["delivered"]) == published * 6
    assert float(row["delivered_per_sec"]) > 0
    out = bench(shared_server.port, "--pubsub", 3, "-d", 64, "-n", 500)
    assert "1500 of 1500 deliveries arrived" in out
    assert "delivery latency ms" in out


def test_auth_and_errors(server):
    srv = server()
    c = srv.client()
    c.execute_command("CONFIG", "SET", "requirepass", "pw")
    c.close()
    out = bench(srv.port, "-a", "pw", "-n", 500, "-c", 2, "-t", "set", "--csv")
    check_row(rows(out)[0], 500)
    p = subprocess.run([BENCH, "-p", str(srv.port), "-n", "10", "-c", "1", "-a", "bad"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    assert p.returncode == 1 and b"WRONGPASS" in p.stderr
    p = subprocess.run([BENCH, "-p", str(util.free_port()), "-n", "10", "-c", "1"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    assert p.returncode == 1 and b"cannot connect" in p.stderr
    p = subprocess.run([BENCH, "-t", "nosuchtest"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    assert p.returncode == 1 and b"unknown test" in p.stderr


# ---- native protocol -------------------------------------------------------------

@pytest.fixture
def native_server(server):
    return util.native_server(server)


@pytest.mark.parametrize("pipeline", [1, 16])
def test_native_set_get(native_server, pipeline):
    out = bench(native_server.native_port, "--native", "-n", 4000, "-c", 8, "--threads", 2,
                "-P", pipeline, "-r", 1000, "-d", 100, "-t", "set,get", "--csv")
    got = rows(out)
    for x in got:
        check_row(x, 4000)
        assert x["protocol"] == "native"
    # a native SET frame is smaller than its RESP form (about 150 bytes)
    assert 110 <= float(got[0]["bytes_out_per_op"]) < 145
    c = native_server.client()
    assert len(c.keys("key:*")) > 0


def test_native_compression_saves_bytes(native_server):
    common = ["--native", "-n", 300, "-c", 2, "-d", 65536, "--compressible", "-t", "set,get",
              "--csv"]
    plain = rows(bench(native_server.native_port, *common))
    lz4 = rows(bench(native_server.native_port, *common, "--compress", "lz4"))
    assert lz4[0]["protocol"] == "lz4"
    for a, b in zip(plain, lz4):
        check_row(a, 300)
        check_row(b, 300)
    # SET: the request shrinks; GET: the reply does
    assert float(lz4[0]["bytes_out_per_op"]) < float(plain[0]["bytes_out_per_op"]) / 2
    assert float(lz4[1]["bytes_in_per_op"]) < float(plain[1]["bytes_in_per_op"]) / 2


def test_native_pubsub(native_server):
    out = bench(native_server.native_port, "--native", "--pubsub", 3, "-d", 64, "-n", 300,
                "--csv")
    row = rows(out)[0]
    assert int(row["delivered"]) == 900


# ---- TLS: kvik's own TLS port, and redis-server's ------------------------------------

@pytest.mark.parametrize("target", ["kvik", "redis"])
def test_tls_run(server, target):
    import shutil
    import tempfile
    from test_cli import kvik_tls, redis_tls
    from test_libkvik import make_certs
    if target == "redis" and not os.access(util.REDIS_BIN, os.X_OK):
        pytest.skip("no redis-server")
    d = tempfile.mkdtemp(prefix="kvik-bench-tls-")
    try:
        make_certs(d)
        srv = kvik_tls(server, d) if target == "kvik" else redis_tls(d)
        if srv is None:
            pytest.skip("no TLS in this kvik build")
        try:
            c = lambda n: os.path.join(d, n)
            out = bench(srv.port, "--tls", "--cacert", c("ca.crt"), "--cert", c("client.crt"),
                        "--key", c("client.key"), "-n", 2000, "-c", 4, "-P", 8,
                        "-t", "set,get", "--csv")
            for row in rows(out):
                check_row(row, 2000)
        finally:
            if target == "redis":
                srv.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)
