"""TLS: the tls-port listener (net/tls.c) with every feature over it.

Certificates come from tools/gen-certs.sh, run twice into a temporary
directory: "main" (the CA the server trusts, its server and client
certificates) and "other" (an unrelated CA with its own certificates, for
refused clients and for the reload test). Each server runs a plain port (for
the harness and for control commands) and a TLS port.

Clients: redis-cli --tls, redis-py with ssl=True, and a raw RESP client over
Python's ssl module (RESP3, pipelining, protocol-level checks).
"""

import os
import socket
import ssl
import subprocess
import threading
import time

import pytest
import redis

import util
from resp import Array, ConnectionClosed, Map, RawClient, Simple, encode
from util import ServerFactory, finish, free_port, wait_for

pytestmark = pytest.mark.kvik_only

GEN = os.path.join(util.REPO, "tools", "gen-certs.sh")


class Certs:
    def __init__(self, base):
        self.dir = base
        j = lambda n: os.path.join(base, n)  # noqa: E731
        self.ca, self.ca_dir = j("ca.crt"), j("ca-dir")
        self.server_crt, self.server_key = j("server.crt"), j("server.key")
        self.client_crt, self.client_key = j("client.crt"), j("client.key")


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    out = {}
    for name in ("main", "other"):
        path = str(d / name)
        subprocess.run(["sh", GEN, path], check=True, stdout=subprocess.DEVNULL)
        out[name] = Certs(path)
    main = out["main"]
    main.other = out["other"]
    return main


def tls_args(c, port, auth="no", extra=()):
    return ["--tls-port", port, "--tls-cert-file", c.server_crt, "--tls-key-file",
            c.server_key, "--tls-ca-cert-file", c.ca, "--tls-auth-clients", auth] + list(extra)


def start(factory, certs, auth="no", threads=None, extra=()):
    port = free_port()
    srv = factory(*tls_args(certs, port, auth, extra), threads=threads)
    srv.tls_port = port
    return srv


def client_ctx(certs, cert=None, minv=None, maxv=None):
    """An SSL context trusting the main CA (hostname checked against the SAN),
    with a client certificate: None, "main" or "other"."""
    ctx = ssl.create_default_context(cafile=certs.ca)
    if cert == "main":
        ctx.load_cert_chain(certs.client_crt, certs.client_key)
    elif cert == "other":
        ctx.load_cert_chain(certs.other.client_crt, certs.other.client_key)
    if minv:
        ctx.minimum_version = minv
    if maxv:
        ctx.maximum_version = maxv
    return ctx


class TlsRaw(RawClient):
    """resp.RawClient over TLS."""

    def __init__(self, srv, ctx, timeout=10.0, session=None):
        self.host, self.port, self.timeout = srv.host, srv.tls_port, timeout
        s = socket.create_connection((srv.host, srv.tls_port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = ctx.wrap_socket(s, server_hostname="127.0.0.1", session=session)
        self.buf = bytearray()
        self.pos = 0
        self.closed_by_peer = False


def tls_redis(srv, certs, cert=None, **kw):
    kw.setdefault("socket_timeout", 20)
    c = redis.Redis(host=srv.host, port=srv.tls_port, ssl=True, ssl_ca_certs=certs.ca,
                    ssl_cert_reqs="required", ssl_check_hostname=True,
                    ssl_certfile=certs.client_crt if cert == "main" else None,
                    ssl_keyfile=certs.client_key if cert == "main" else None, **kw)
    srv._clients.append(c)
    return c


def handshake_fails(srv, ctx):
    """True if the server refuses the handshake (or closes before a reply:
    with TLSv1.3 a missing client certificate is only noticed after the
    client's handshake returned)."""
    try:
        c = TlsRaw(srv, ctx, timeout=5)
    except (ssl.SSLError, ConnectionError, OSError):
        return True
    try:
        r = c.call("PING")
        return r != b"PONG"
    except (ssl.SSLError, ConnectionError, ConnectionClosed, OSError):
        return True
    finally:
        c.close()


def cli(srv, *args, cert=False, tls=True):
    argv = ["redis-cli", "-h", "127.0.0.1"]
    if tls:
        argv += ["-p", str(srv.tls_port), "--tls", "--cacert", srv.certs.ca]
        if cert:
            argv += ["--cert", srv.certs.client_crt, "--key", srv.certs.client_key]
    else:
        argv += ["-p", str(srv.port)]
    p = subprocess.run(argv + [str(a) for a in args], capture_output=True, timeout=20)
    return p.returncode, p.stdout.decode().strip(), p.stderr.decode().strip()


# ---------------------------------------------------------------- shared server

class Holder:
    def __init__(self, threads, certs):
        self.threads, self.certs = threads, certs
        self.factory = ServerFactory()
        self.current = None

    def get(self):
        if self.current is None or not self.current.is_running():
            self.current = start(self.factory, self.certs, auth="optional",
                                 threads=self.threads)
            self.current.certs = self.certs
        return self.current


@pytest.fixture(scope="module", params=[1, 2], ids=["threads1", "threads2"])
def holder(request, certs):
    h = Holder(request.param, certs)
    yield h
    finish(h.factory)


@pytest.fixture
def srv(holder):
    s = holder.get()
    s.client().flushall()
    yield s
    s.close_clients()
    assert s.is_running(), s.output_tail(60)
    reports = s.new_sanitizer_reports()
    assert not reports, "\n".join(reports)


# ---------------------------------------------------------------- basics

def test_redis_cli_over_tls(srv):
    assert cli(srv, "SET", "k", "v")[:2] == (0, "OK")
    assert cli(srv, "GET", "k")[:2] == (0, "v")
    # mutual TLS: the client certificate is accepted
    assert cli(srv, "PING", cert=True)[:2] == (0, "PONG")
    # the plain port still works beside it
    assert cli(srv, "GET", "k", tls=False)[:2] == (0, "v")


def test_redis_py_over_tls(srv, certs):
    r = tls_redis(srv, certs, cert="main")
    assert r.set("a", "1")
    assert r.incr("a") == 2
    assert r.get("a") == b"2"
    lines = util.client_list(r)
    me = [l for l in lines if l.get("cmd") == "client|list"]
    assert me and me[0]["laddr"].endswith(":%d" % srv.tls_port)
    info = util.info_dict(r, "server")
    assert info["tcp_port"] == str(srv.port)


def test_tls_and_plain_clients_share_data(srv, certs):
    plain = srv.client()
    secure = tls_redis(srv, certs)
    plain.set("shared", "x")
    assert secure.get("shared") == b"x"
    secure.rpush("l", 1, 2, 3)
    assert plain.lrange("l", 0, -1) == [b"1", b"2", b"3"]


def test_resp3_hello(srv, certs):
    c = TlsRaw(srv, client_ctx(certs))
    hello = c.call("HELLO", "3")
    assert isinstance(hello, Map)
    assert hello[b"proto"] == 3
    c.call("HSET", "h", "f", "v")
    assert isinstance(c.call("HGETALL", "h"), Map)
    c.close()


def test_pipelining(srv, certs):
    c = TlsRaw(srv, client_ctx(certs))
    n = 20000
    c.send_raw(b"".join(encode("SET", "k%d" % i, "v%d" % i) for i in range(n)))
    assert c.read_many(n) == [b"OK"] * n
    c.send_raw(b"".join(encode("GET", "k%d" % i) for i in range(0, n, 7)))
    got = c.read_many(len(range(0, n, 7)))
    assert got == [b"v%d" % i for i in range(0, n, 7)]
    c.close()


def test_large_values(srv, certs):
    r = tls_redis(srv, certs)
    big = os.urandom(1 << 20)
    assert r.set("big", big)
    assert r.get("big") == big
    assert r.strlen("big") == len(big)
    # several large replies pipelined to a client that reads slowly
    c = TlsRaw(srv, client_ctx(certs))
    c.send_raw(encode("GET", "big") * 8)
    time.sleep(0.3)
    assert c.read_many(8) == [big] * 8
    c.close()


def test_pubsub(srv, certs):
    sub = tls_redis(srv, certs)
    ps = sub.pubsub()
    ps.subscribe("news")
    ps.psubscribe("n*")
    wait_for(lambda: srv.client().pubsub_numsub("news")[0][1] == 1, message="subscribed")
    pub_tls = tls_redis(srv, certs)
    assert pub_tls.publish("news", "one") == 2
    assert srv.client().publish("news", "two") == 2
    got = []
    deadline = time.monotonic() + 10
    while len(got) < 4 and time.monotonic() < deadline:
        m = ps.get_message(timeout=1)
        if m and m["type"] in ("message", "pmessage"):
            got.append((m["type"], m["data"]))
    assert sorted(got) == sorted([("message", b"one"), ("pmessage", b"one"),
                                  ("message", b"two"), ("pmessage", b"two")])
    ps.close()


def test_blpop_woken_by_other_connection(srv, certs):
    waiter = tls_redis(srv, certs)
    result = {}

    def wait():
        result["v"] = waiter.blpop("queue", timeout=10)

    t = threading.Thread(target=wait)
    t.start()
    plain = srv.client()
    wait_for(lambda: util.info_dict(plain, "clients")["blocked_clients"] == "1",
             message="a blocked client")
    tls_redis(srv, certs).lpush("queue", "job")
    t.join(15)
    assert result["v"] == (b"queue", b"job")
    # and woken by a plain client
    t = threading.Thread(target=wait)
    t.start()
    wait_for(lambda: util.info_dict(plain, "clients")["blocked_clients"] == "1",
             message="a blocked client")
    plain.lpush("queue", "job2")
    t.join(15)
    assert result["v"] == (b"queue", b"job2")


def test_multi_exec(srv, certs):
    c = TlsRaw(srv, client_ctx(certs))
    assert c.call("MULTI") == b"OK"
    assert c.call("SET", "m", "1") == b"QUEUED"
    assert c.call("INCR", "m") == b"QUEUED"
    res = c.call("EXEC")
    assert isinstance(res, Array) and res == [b"OK", 2]
    r = tls_redis(srv, certs)
    p = r.pipeline(transaction=True)
    p.incr("m").incr("m")
    assert p.execute() == [3, 4]
    c.close()


def test_many_concurrent_clients(srv, certs):
    ctx = client_ctx(certs)

    def work(i):
        c = TlsRaw(srv, ctx)
        for j in range(20):
            c.send("INCR", "counter")
            c.send("SET", "c%d:%d" % (i, j), "x" * (i + j))
        replies = c.read_many(40)
        assert replies[1::2] == [b"OK"] * 20
        c.close()

    util.run_threads(60, work)
    assert srv.client().get("counter") == b"1200"


def closed_within(sock, seconds):
    """True if the server closes sock (EOF or reset) within seconds."""
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_unfinished_handshake_closed(server, certs):
    """A connection that starts no handshake, or stops half way, is closed
    after client-idle-request-timeout; one that finished it may stay idle."""
    srv = start(server, certs, extra=["--client-idle-request-timeout", "1", "--hz", "50"])
    silent = socket.create_connection((srv.host, srv.tls_port), timeout=5)
    half = socket.create_connection((srv.host, srv.tls_port), timeout=5)
    half.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # start of a ClientHello
    done = TlsRaw(srv, client_ctx(certs))
    assert done.call("PING") == b"PONG"
    assert closed_within(silent, 10)
    assert closed_within(half, 10)
    time.sleep(1.5)  # past the limit: an idle client with its handshake done stays
    assert done.call("PING") == b"PONG"
    for s in (silent, half):
        s.close()
    done.close()


def test_plaintext_client_on_tls_port(srv, certs):
    for payload in (b"*1\r\n$4\r\nPING\r\n", b"PING\r\n", b"GET / HTTP/1.1\r\n\r\n"):
        s = socket.create_connection((srv.host, srv.tls_port), timeout=5)
        s.sendall(payload)
        data = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        s.close()
        assert b"PONG" not in data
    # connect and leave at once; half a record header, then leave; a client
    # that never speaks
    socket.create_connection((srv.host, srv.tls_port), timeout=5).close()
    s = socket.create_connection((srv.host, srv.tls_port), timeout=5)
    s.sendall(b"\x16\x03")
    s.close()
    idle = socket.create_connection((srv.host, srv.tls_port), timeout=5)
    assert tls_redis(srv, certs).ping()
    assert srv.client().ping()
    idle.close()
    wait_for(lambda: "handshake with 127.0.0.1:" in srv.output(), message="a logged failure")


def test_client_kill_and_quit(srv, certs):
    c = TlsRaw(srv, client_ctx(certs))
    assert c.call("CLIENT", "SETNAME", "victim") == b"OK"
    plain = srv.client()
    assert util.cmd(plain, "CLIENT", "KILL", "SKIPME", "no", "ID",
                    str(int(c.call("CLIENT", "ID")))) == 1
    closed, _ = c.read_until_closed(5)
    assert closed
    c.close()
    q = TlsRaw(srv, client_ctx(certs))
    assert q.call("QUIT") == b"OK"
    closed, _ = q.read_until_closed(5)
    assert closed
    q.close()
    assert tls_redis(srv, certs).ping()


def test_info_reports_tls(srv, certs):
    r = tls_redis(srv, certs)
    r.ping()
    info = util.info_dict(r, "clients")
    assert int(info["tls_connected_clients"]) >= 1
    stats = util.info_dict(r, "stats")
    assert int(stats["tls_handshakes"]) >= 1


# ---------------------------------------------------------------- mutual TLS

def test_auth_clients_modes(server, certs):
    s = start(server, certs, auth="yes")
    s.certs = certs
    ctl = s.client()
    cases = {
        # mode: (no certificate, main CA's certificate, other CA's certificate)
        "yes": (False, True, False),
        "optional": (True, True, False),
        "no": (True, True, True),
    }
    for mode, (none, main, other) in cases.items():
        if mode != "yes":
            assert ctl.config_set("tls-auth-clients", mode)
        assert ctl.config_get("tls-auth-clients")["tls-auth-clients"] == mode
        for cert, ok in ((None, none), ("main", main), ("other", other)):
            assert handshake_fails(s, client_ctx(certs, cert)) != ok, (mode, cert)
        # redis-cli agrees
        rc, out, _ = cli(s, "PING", cert=True)
        assert (rc, out) == (0, "PONG")
        rc, out, _ = cli(s, "PING")
        assert (out == "PONG") == none, (mode, out)
    assert "peer did not return a certificate" in s.output() or \
        "certificate required" in s.output()


def test_ca_cert_dir(server, certs):
    port = free_port()
    s = server("--tls-port", port, "--tls-cert-file", certs.server_crt, "--tls-key-file",
               certs.server_key, "--tls-ca-cert-dir", certs.ca_dir, "--tls-auth-clients", "yes")
    s.tls_port = port
    assert not handshake_fails(s, client_ctx(certs, "main"))
    assert handshake_fails(s, client_ctx(certs, "other"))


# ---------------------------------------------------------------- settings

def test_bad_config_refused_at_start(server, certs, tmp_path):
    port = free_port()
    base = ["--tls-port", port]
    out = util.expect_startup_failure(server, *base, "--tls-cert-file", "/nonexistent/server.crt",
                      "--tls-key-file", certs.server_key, "--tls-auth-clients", "no")
    assert "tls-cert-file '/nonexistent/server.crt': No such file or directory" in out
    out = util.expect_startup_failure(server, *base)
    assert "tls-cert-file is not set" in out
    # a key that is not the certificate's
    out = util.expect_startup_failure(server, *base, "--tls-cert-file", certs.server_crt, "--tls-key-file",
                      certs.other.server_key, "--tls-auth-clients", "no")
    assert "does not match" in out
    # a certificate file that is not PEM
    junk = tmp_path / "junk.crt"
    junk.write_text("not a certificate\n")
    out = util.expect_startup_failure(server, *base, "--tls-cert-file", str(junk), "--tls-key-file",
                      certs.server_key, "--tls-auth-clients", "no")
    assert "tls-cert-file '%s'" % junk in out
    # client certificates required but no CA to check them against
    out = util.expect_startup_failure(server, *base, "--tls-cert-file", certs.server_crt, "--tls-key-file",
                      certs.server_key)
    assert "neither tls-ca-cert-file nor tls-ca-cert-dir" in out
    out = util.expect_startup_failure(server, *tls_args(certs, port, extra=["--tls-protocols", "TLSv9"]))
    assert "tls-protocols: unknown protocol 'TLSv9'" in out
    out = util.expect_startup_failure(server, *tls_args(certs, port, extra=["--tls-ciphers", "NOPE"]))
    assert "tls-ciphers 'NOPE'" in out


def test_tls_settings_without_tls_port(server, certs):
    """With tls-port 0 nothing is built or checked, as in Redis."""
    s = server("--tls-cert-file", "/nonexistent.crt")
    c = s.client()
    assert c.config_set("tls-key-file", "/nonexistent.key")
    assert c.config_set("tls-protocols", "TLSv1.3")
    assert "tls_connected_clients" not in util.info_dict(c, "clients")


def peer_cert_issuer(s, certs, ca):
    ctx = ssl.create_default_context(cafile=ca)
    c = TlsRaw(s, ctx)
    issuer = dict(x[0] for x in c.sock.getpeercert()["issuer"])
    assert c.call("PING") == b"PONG"
    c.close()
    return issuer


def test_config_set_tls_files(server, certs):
    s = start(server, certs, auth="no")
    ctl = s.client()
    old = TlsRaw(s, client_ctx(certs))
    assert old.call("SET", "x", "1") == b"OK"
    # a certificate alone that does not match the key: refused, old context kept
    e = util.err(ctl, "CONFIG", "SET", "tls-cert-file", certs.other.server_crt)
    assert e.startswith("ERR CONFIG SET failed (possibly related to argument 'tls-cert-file')")
    assert "does not match" in e
    assert ctl.config_get("tls-cert-file")["tls-cert-file"] == certs.server_crt
    e = util.err(ctl, "CONFIG", "SET", "tls-cert-file", "/nonexistent.crt")
    assert "No such file or directory" in e
    e = util.err(ctl, "CONFIG", "SET", "tls-protocols", "TLSv1.2 SSLv3")
    assert "unknown protocol 'SSLv3'" in e
    assert peer_cert_issuer(s, certs, certs.ca)["commonName"] == "kvik test CA"
    # certificate and key together: new connections get the new certificate
    util.cmd(ctl, "CONFIG", "SET", "tls-cert-file", certs.other.server_crt,
             "tls-key-file", certs.other.server_key)
    assert ctl.config_get("tls-key-file")["tls-key-file"] == certs.other.server_key
    assert handshake_fails(s, client_ctx(certs))  # main CA no longer vouches for it
    assert peer_cert_issuer(s, certs, certs.other.ca)["commonName"] == "kvik test CA"
    # the connection made before the reload keeps working
    assert old.call("GET", "x") == b"1"
    old.close()
    # and back
    util.cmd(ctl, "CONFIG", "SET", "tls-cert-file", certs.server_crt, "tls-key-file",
             certs.server_key)
    assert not handshake_fails(s, client_ctx(certs))
    assert "TLS context reloaded" in s.output()


def test_protocols_and_ciphers(server, certs):
    s = start(server, certs, extra=["--tls-protocols", "TLSv1.2", "--tls-ciphers",
                                    "ECDHE-RSA-AES128-GCM-SHA256",
                                    "--tls-prefer-server-ciphers", "yes"])
    c = TlsRaw(s, client_ctx(certs))
    assert c.sock.version() == "TLSv1.2"
    assert c.sock.cipher()[0] == "ECDHE-RSA-AES128-GCM-SHA256"
    c.close()
    assert handshake_fails(s, client_ctx(certs, minv=ssl.TLSVersion.TLSv1_3))
    ctl = s.client()
    util.cmd(ctl, "CONFIG", "SET", "tls-protocols", "TLSv1.3", "tls-ciphersuites",
             "TLS_CHACHA20_POLY1305_SHA256")
    c = TlsRaw(s, client_ctx(certs))
    assert c.sock.version() == "TLSv1.3"
    assert c.sock.cipher()[0] == "TLS_CHACHA20_POLY1305_SHA256"
    c.close()
    assert handshake_fails(s, client_ctx(certs, maxv=ssl.TLSVersion.TLSv1_2))


def resumed(s, certs):
    ctx = client_ctx(certs, maxv=ssl.TLSVersion.TLSv1_2)
    c = TlsRaw(s, ctx)
    assert c.call("PING") == b"PONG"
    sess = c.sock.session
    c.close()
    c = TlsRaw(s, ctx, session=sess)
    assert c.call("PING") == b"PONG"
    r = c.sock.session_reused
    c.close()
    return r


def test_session_caching(server, certs):
    s = start(server, certs, extra=["--tls-session-cache-size", "100",
                                    "--tls-session-cache-timeout", "60"])
    assert resumed(s, certs)
    assert s.client().config_set("tls-session-caching", "no")
    assert not resumed(s, certs)


def test_encrypted_key(server, certs, tmp_path):
    key = str(tmp_path / "enc.key")
    subprocess.run(["openssl", "pkey", "-in", certs.server_key, "-aes256", "-passout",
                    "pass:s3cret", "-out", key], check=True)
    port = free_port()
    out = util.expect_startup_failure(server, "--tls-port", port, "--tls-cert-file", certs.server_crt,
                      "--tls-key-file", key, "--tls-auth-clients", "no",
                      "--tls-key-file-pass", "wrong")
    assert "tls-key-file '%s'" % key in out
    s = start(server, certs, extra=["--tls-key-file", key, "--tls-key-file-pass", "s3cret"])
    assert not handshake_fails(s, client_ctx(certs))
    assert s.client().config_get("tls-key-file-pass")["tls-key-file-pass"] == "s3cret"


def test_large_chain_slow_client(server, certs, tmp_path):
    """A large certificate chain (80 KB) to a client that sends its hello and
    then does not read for a while. (On loopback the kernel's buffers usually
    take the whole flight; the read-waits-for-writable path itself is covered
    by tests/unit/test_tls.c over a socketpair with tiny buffers.)"""
    chain = str(tmp_path / "chain.crt")
    with open(chain, "w") as f:
        f.write(open(certs.server_crt).read())
        ca = open(certs.ca).read()
        for _ in range(70):
            f.write(ca)
    s = start(server, certs, extra=["--tls-cert-file", chain])
    ctx = client_ctx(certs)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.settimeout(10)
    sock.connect((s.host, s.tls_port))
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="127.0.0.1")

    def flush():
        data = out.read()
        if data:
            sock.sendall(data)

    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    flush()
    time.sleep(0.3)
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            flush()
            data = sock.recv(65536)
            assert data, "server closed during the handshake"
            inc.write(data)
    flush()
    obj.write(encode("PING"))
    flush()
    reply = b""
    while not reply.endswith(b"\r\n"):
        try:
            reply += obj.read(1024)
        except ssl.SSLWantReadError:
            inc.write(sock.recv(65536))
    assert reply == b"+PONG\r\n"
    sock.close()


def test_appendfsync_always_over_tls(server, certs):
    """Replies held until the log is on disk go out over TLS, large ones
    included."""
    s = start(server, certs, extra=["--appendonly", "yes", "--appendfsync", "always"])
    c = TlsRaw(s, client_ctx(certs))
    big = b"v" * (256 << 10)
    n = 40
    c.send_raw(b"".join(encode("SET", "k%d" % i, big) for i in range(n)))
    assert c.read_many(n) == [b"OK"] * n
    c.send_raw(b"".join(encode("GET", "k%d" % i) for i in range(n)) + encode("INCR", "x"))
    assert c.read_many(n + 1) == [big] * n + [1]
    c.close()


# ---------------------------------------------------------------- native protocol over TLS

@pytest.mark.kvik_only
def test_native_protocol_over_tls(server, certs):
    """tls-native-port: the native protocol on a TLS connection, with the same
    certificates as tls-port; compression works inside it."""
    from native_client import LZ4, NativeClient
    nport = free_port()
    srv = start(server, certs, extra=["--tls-native-port", str(nport)])
    ctx = client_ctx(certs)
    c = NativeClient(srv.host, nport, ssl_context=ctx, send_comp=LZ4, compress_min=16)
    try:
        assert c.call("SET", "k", "v" * 5000) == Simple(b"OK")
        assert c.call("GET", "k") == b"v" * 5000
        assert c.call("HSET", "h", "f", "1") == 1
        assert c.call("HGETALL", "h") == Map([(b"f", b"1")])
        assert LZ4 in c.frames_seen  # the 5000-byte reply came back compressed
    finally:
        c.close()
    # A plaintext native client on the TLS native port is refused, the server stays up.
    with pytest.raises(Exception):
        NativeClient(srv.host, nport, timeout=3)
    assert tls_redis(srv, certs).get("k") == b"v" * 5000


@pytest.mark.kvik_only
def test_kvik_cli_native_over_tls(server, certs):
    """kvik-cli --native --tls (libkvik's native protocol on a TLS stream)."""
    cli = util.tool_binary("kvik-cli", "KVIK_CLI")
    if not os.access(cli, os.X_OK):
        pytest.skip("kvik-cli not built")
    nport = free_port()
    srv = start(server, certs, extra=["--tls-native-port", str(nport)])
    base = [cli, "-h", "127.0.0.1", "-p", str(nport), "--native", "--tls", "--cacert", certs.ca]
    env = dict(os.environ, LSAN_OPTIONS="detect_leaks=0")
    p = subprocess.run(base + ["SET", "greeting", "hello"], capture_output=True, timeout=20,
                       env=env)
    assert p.returncode == 0 and p.stdout.strip() == b"OK", p
    p = subprocess.run(base + ["GET", "greeting"], capture_output=True, timeout=20, env=env)
    assert p.stdout.strip() == b"hello", p
    assert tls_redis(srv, certs).get("greeting") == b"hello"
