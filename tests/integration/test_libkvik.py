"""libkvik, the C client library, against real servers.

The C tests live in tests/lib/test_libkvik.c (cmocka); `make integration`
builds them as $(B)/tests/lib/test_libkvik next to the server binary's build
(build/ for bin/, build-asan/ for bin-asan/). Each test here starts the
servers one group of C tests needs and runs that group with the ports in the
environment. KVIK_LIBTEST overrides the binary's path.

TLS runs against kvik's TLS port and against Debian's redis-server (7.0
supports --tls-port), with certificates made by openssl for the test: a CA, a server certificate for
localhost / 127.0.0.1, a client certificate (the server requires one) and a
second, unrelated CA.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import util
from util import IS_REDIS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.kvik_only


def build_dir():
    """build/ or build-asan/, matching the server binary under test."""
    bindir = os.path.basename(os.path.dirname(util.server_binary()))
    return os.path.join(ROOT, "build-asan" if bindir == "bin-asan" else "build")


def is_asan():
    return os.path.basename(build_dir()) == "build-asan"


def libtest_binary():
    path = os.environ.get("KVIK_LIBTEST") or os.path.join(build_dir(), "tests", "lib",
                                                          "test_libkvik")
    if not os.access(path, os.X_OK):
        pytest.fail("%s is missing: `make integration` builds it (or make %s)"
                    % (path, os.path.relpath(path, ROOT)), pytrace=False)
    return path


def run_group(group, env=None, timeout=120):
    e = dict(os.environ)
    e.update(env or {})
    res = subprocess.run([libtest_binary(), group], capture_output=True, text=True,
                         env=e, timeout=timeout)
    out = res.stdout + res.stderr
    assert res.returncode == 0, "test_libkvik %s failed (exit %d):\n%s" % (
        group, res.returncode, out[-6000:])
    assert "PASSED" in out, out[-3000:]
    return out


def test_offline():
    """URL parsing, options, refused and timed-out connects, a scripted fake
    server: every RESP3 type, attributes, split and malformed replies, limits."""
    run_group("offline")


def test_resp(server):
    srv = server(threads=2)
    run_group("resp", {"KVIK_PORT": str(srv.port)})


def test_auth(server):
    srv = server(threads=1)  # (the readiness check PINGs without a password)
    c = srv.client()
    c.config_set("requirepass", "s3cret-pass")
    c.close()
    run_group("auth", {"KVIK_AUTH_PORT": str(srv.port), "KVIK_AUTH_PASS": "s3cret-pass"})


def test_native(server):
    native_port = util.free_port()
    srv = server("--native-port", native_port, threads=2)
    run_group("native", {"KVIK_NATIVE_PORT": str(native_port)})


def test_native_auth(server):
    native_port = util.free_port()
    srv = server("--native-port", native_port, threads=1)
    c = srv.client()
    c.config_set("requirepass", "s3cret-pass")
    c.close()
    run_group("native-auth", {"KVIK_AUTH_PORT": str(native_port),
                              "KVIK_AUTH_PASS": "s3cret-pass"})


# ---- TLS -------------------------------------------------------------------

def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_certs(d):
    """ca.crt/ca.key, server.crt/key (localhost, 127.0.0.1), client.crt/key,
    other-ca.crt, ca-dir/: all in d."""
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=kvik test %s" % ca, "-keyout", ca + ".key", "-out", ca + ".crt",
                cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "extendedKeyUsage=serverAuth\n")
    with open(os.path.join(d, "client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=%s" % name,
                "-keyout", name + ".key", "-out", name + ".csr", cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", name + ".ext",
                "-out", name + ".crt", cwd=d)
    # ca-dir/: the CA under its OpenSSL hash name, for tls_ca_dir
    h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", "ca.crt"], cwd=d,
                       check=True, capture_output=True, text=True).stdout.strip()
    os.mkdir(os.path.join(d, "ca-dir"))
    shutil.copy(os.path.join(d, "ca.crt"), os.path.join(d, "ca-dir", h + ".0"))


@pytest.fixture(scope="module")
def certs():
    d = tempfile.mkdtemp(prefix="kvik-tls-")
    make_certs(d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


class RedisTLS:
    """redis-server with only a TLS port that requires client certificates."""

    def __init__(self, certs):
        self.dir = tempfile.mkdtemp(prefix="kvik-redis-tls-")
        self.port = util.free_port()
        c = lambda n: os.path.join(certs, n)
        self.proc = subprocess.Popen(
            [util.REDIS_BIN, "--port", "0", "--tls-port", str(self.port),
             "--bind", "127.0.0.1", "--tls-cert-file", c("server.crt"),
             "--tls-key-file", c("server.key"), "--tls-ca-cert-file", c("ca.crt"),
             "--tls-auth-clients", "yes", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "redis-server (TLS) exited at start-up"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server (TLS) did not listen on %d" % self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def test_tls_against_kvik(server, certs):
    """kvik's own TLS listener (tls-auth-clients yes: a client certificate is
    required), beside its plain port."""
    tls_port = util.free_port()
    c = lambda n: os.path.join(certs, n)
    server("--tls-port", tls_port, "--tls-cert-file", c("server.crt"),
           "--tls-key-file", c("server.key"), "--tls-ca-cert-file", c("ca.crt"),
           "--tls-auth-clients", "yes", threads=2)
    run_group("tls", {"KVIK_TLS_PORT": str(tls_port), "KVIK_TLS_DIR": certs})


@pytest.mark.skipif(not os.access(util.REDIS_BIN, os.X_OK), reason="no redis-server")
def test_tls_against_redis(certs):
    srv = RedisTLS(certs)
    try:
        run_group("tls", {"KVIK_TLS_PORT": str(srv.port), "KVIK_TLS_DIR": certs})
    finally:
        srv.stop()


# ---- install + pkg-config + the documented example ---------------------------

def test_install_and_example(server, tmp_path):
    """`make install PREFIX=...` then docs/examples/hello.c built with
    `cc hello.c $(pkg-config --cflags --libs libkvik)` runs against a server;
    `make uninstall` removes every file again."""
    prefix = str(tmp_path / "prefix")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    make = ["make", "-s", "-C", ROOT, "PREFIX=" + prefix]
    if is_asan():
        make.append("SANITIZE=address,undefined")
    subprocess.run(make + ["install"], check=True, env=env, capture_output=True, timeout=300)
    libdir = os.path.join(prefix, "lib")
    for f in ("libkvik.a", "libkvik.so", "libkvik.so.0", "pkgconfig/libkvik.pc"):
        assert os.path.exists(os.path.join(libdir, f)), f
    assert os.path.exists(os.path.join(prefix, "include", "kvik.h"))
    soname = subprocess.run(["objdump", "-p", os.path.join(libdir, "libkvik.so")],
                            capture_output=True, text=True).stdout
    assert "SONAME               libkvik.so.0" in soname

    env["PKG_CONFIG_PATH"] = os.path.join(libdir, "pkgconfig")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libkvik"], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    exe = str(tmp_path / "hello")
    cc = ["cc"] + (["-fsanitize=address,undefined"] if is_asan() else [])
    subprocess.run(cc + [os.path.join(ROOT, "docs", "examples", "hello.c"), "-o", exe] + flags,
                   check=True, env=env, capture_output=True)
    srv = server(threads=1)
    run_env = dict(env, LD_LIBRARY_PATH=libdir)
    res = subprocess.run([exe, "127.0.0.1", str(srv.port)], capture_output=True, text=True,
                         env=run_env, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "hello" in res.stdout

    # The same against the static library, with its private dependencies.
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "--static", "libkvik"],
                           env=env, capture_output=True, text=True, check=True).stdout.split()
    flags = [f if f != "-lkvik" else os.path.join(libdir, "libkvik.a") for f in flags]
    subprocess.run(cc + [os.path.join(ROOT, "docs", "examples", "hello.c"), "-o", exe + "-static"]
                   + flags, check=True, env=env, capture_output=True)
    res = subprocess.run([exe + "-static", "127.0.0.1", str(srv.port)], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr

    subprocess.run(make + ["uninstall"], check=True, env=env, capture_output=True)
    left = [os.path.join(dp, f) for dp, _, fs in os.walk(prefix) for f in fs]
    assert left == [], left
