"""Starting and stopping servers for the integration tests, plus small helpers.

The suite runs against kvik by default (KVIK_BIN names the binary) and against
the real redis-server when KVIK_TEST_TARGET=redis, so that every expectation can
be checked against Redis 7.0 itself. Arguments that only kvik knows (such as
--threads) are dropped for redis-server; a few that redis-server needs to behave
like kvik's defaults (such as enabling DEBUG) are added for it.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import redis
from redis.connection import PythonParser

from resp import RawClient


class FullErrorParser(PythonParser):
    """redis-py strips the "ERR " prefix from error replies and turns some into
    other exception classes; the tests check exact error texts, so keep the whole
    line in a plain ResponseError."""

    def parse_error(self, response):
        return redis.ResponseError(response)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

TARGET = os.environ.get("KVIK_TEST_TARGET", "kvik").strip().lower() or "kvik"
if TARGET not in ("kvik", "redis"):
    raise RuntimeError("KVIK_TEST_TARGET must be 'kvik' or 'redis', not %r" % TARGET)
IS_REDIS = TARGET == "redis"
IS_KVIK = not IS_REDIS

REDIS_BIN = os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server")

# Options that redis-server does not know; dropped (with their value) under redis.
KVIK_ONLY_OPTIONS = {"--threads"}

# Added for redis-server only: Redis 7 refuses DEBUG unless enabled, and kvik
# allows it by default.
REDIS_EXTRA_ARGS = ["--enable-debug-command", "yes"]

START_TIMEOUT = float(os.environ.get("KVIK_START_TIMEOUT", "10"))
STOP_TIMEOUT = float(os.environ.get("KVIK_STOP_TIMEOUT", "15"))

SANITIZER_PATTERNS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "WARNING: ThreadSanitizer",
)


def server_binary():
    if IS_REDIS:
        return REDIS_BIN
    path = os.environ.get("KVIK_BIN")
    if not path:
        path = os.path.join(REPO, "bin", "kvik-server")
    return os.path.abspath(path)


def tool_binary(name, env_var):
    """A kvik tool (kvik-cli, kvik-benchmark): $env_var, else beside the server
    binary under test (bin/ or bin-asan/), else bin/ when testing redis-server."""
    path = os.environ.get(env_var)
    if not path:
        base = os.path.dirname(server_binary()) if IS_KVIK else os.path.join(REPO, "bin")
        path = os.path.join(base, name)
    return path


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def adapt_args(args):
    """Drop kvik-only options (and their value) when the target is redis."""
    args = [str(a) for a in args]
    if IS_KVIK:
        return args
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in KVIK_ONLY_OPTIONS:
            skip = True
            continue
        out.append(a)
    return out


def tail(path, n=60):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return "<no %s>" % path
    lines = data.decode("utf-8", "replace").splitlines()
    return "\n".join(lines[-n:])


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


class ServerError(Exception):
    pass


class Server:
    """One server process we started. Kill it only through stop()."""

    def __init__(self, extra_args=(), threads=None, config_file=None, env=None,
                 workdir=None, base_args=True, logfile=True):
        self.host = "127.0.0.1"
        self.threads = threads
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="kvik-it-")
        self.log_path = os.path.join(self.dir, "server.log")
        self.out_path = os.path.join(self.dir, "stdout-stderr.log")
        self.config_file = config_file
        self.extra_args = list(extra_args)
        self.env = env
        self.base_args = base_args
        self.use_logfile = logfile
        self.proc = None
        self.port = None
        self.returncode = None
        self.killed = False
        self._clients = []

    # -- lifecycle -----------------------------------------------------------
    def build_argv(self, port):
        argv = [server_binary()]
        if self.config_file:
            argv.append(self.config_file)
        if self.base_args:
            argv += ["--bind", self.host, "--port", str(port), "--dir", self.dir,
                     "--save", "", "--appendonly", "no"]
            if self.use_logfile:
                argv += ["--logfile", self.log_path]
            if self.threads is not None:
                argv += ["--threads", str(self.threads)]
        argv += [str(a) for a in self.extra_args]
        argv = [argv[0]] + adapt_args(argv[1:])
        if IS_REDIS:
            argv += REDIS_EXTRA_ARGS
        return argv

    def spawn(self, port=None):
        """Start the process without waiting for it to answer."""
        self.port = port or free_port()
        self.argv = self.build_argv(self.port)
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self._out = open(self.out_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdout=self._out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir, env=env)
        return self.proc

    def start(self):
        last = None
        for _ in range(3):
            self.spawn()
            try:
                self.wait_ready()
                return self
            except ServerError as e:
                last = e
                out = self.output()
                if self.proc.poll() is not None and "in use" in out.lower():
                    # Lost the race for the free port; try another one.
                    self.returncode = self.proc.returncode
                    continue
                self._force_stop()
                raise
        raise last

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError("server exited with code %s during start-up\nargv: %s\n%s"
                                  % (self.proc.returncode, self.argv, self.output_tail()))
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    s.settimeout(2)
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    data = b""
                    while not data.endswith(b"\r\n"):
                        chunk = s.recv(100)
                        if not chunk:
                            break
                        data += chunk
                    if data.startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise ServerError("server did not answer PING within %.0fs\nargv: %s\n%s"
                          % (timeout, self.argv, self.output_tail()))

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=STOP_TIMEOUT):
        """Wait for the process to exit by itself; returns its code or None."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, then SIGKILL after timeout. Returns the exit code."""
        self.close_clients()
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.killed = True
                self.proc.kill()
                self.proc.wait(10)
        self.returncode = self.proc.returncode
        try:
            self._out.close()
        except Exception:
            pass
        return self.returncode

    def _force_stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        try:
            self._out.close()
        except Exception:
            pass

    def problems(self, expect_exit_zero=True):
        """A list of reasons this server run counts as a failure."""
        out = []
        if self.killed:
            out.append("server did not exit within %.0fs of SIGTERM and was killed" % STOP_TIMEOUT)
        elif expect_exit_zero and self.returncode not in (0, None):
            out.append("server exited with code %s" % self.returncode)
        text = self.output()
        for pat in SANITIZER_PATTERNS:
            if pat in text:
                out.append("server output contains %r" % pat)
        return out

    def check(self, expect_exit_zero=True):
        probs = self.problems(expect_exit_zero)
        if probs:
            raise ServerError("%s (port %s, dir %s)\nargv: %s\n%s"
                              % ("; ".join(probs), self.port, self.dir, self.argv,
                                 self.output_tail(120)))

    def cleanup_dir(self):
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- output --------------------------------------------------------------
    def output(self):
        """stdout/stderr plus the log file."""
        return read_text(self.out_path) + "\n" + read_text(self.log_path)

    def new_sanitizer_reports(self):
        """Sanitizer lines printed since the previous call (to blame one test)."""
        found = []
        offsets = self.__dict__.setdefault("_seen_offsets", {})
        for path in (self.out_path, self.log_path):
            text = read_text(path)
            start = offsets.get(path, 0)
            offsets[path] = len(text)
            for line in text[start:].splitlines():
                if any(p in line for p in SANITIZER_PATTERNS):
                    found.append(line.strip())
        return found

    def output_tail(self, n=60):
        return ("--- stdout/stderr (%s) ---\n%s\n--- log (%s) ---\n%s"
                % (self.out_path, tail(self.out_path, n), self.log_path, tail(self.log_path, n)))

    # -- clients -------------------------------------------------------------
    def client(self, **kw):
        kw.setdefault("decode_responses", False)
        kw.setdefault("socket_timeout", 20)
        kw.setdefault("socket_connect_timeout", 5)
        kw.setdefault("parser_class", FullErrorParser)
        pool = redis.ConnectionPool(host=self.host, port=self.port, **kw)
        c = redis.Redis(connection_pool=pool)
        self._clients.append(c)
        return c

    def raw(self, timeout=10.0):
        c = RawClient(self.host, self.port, timeout=timeout)
        self._clients.append(c)
        return c

    def close_clients(self):
        for c in self._clients:
            try:
                c.close()
            except Exception:
                pass
            pool = getattr(c, "connection_pool", None)
            if pool is not None:
                try:
                    pool.disconnect()
                except Exception:
                    pass
        self._clients = []


class ServerFactory:
    def __init__(self):
        self.servers = []

    def __call__(self, *extra_args, threads=None, config_file=None, env=None,
                 start=True, workdir=None, base_args=True, logfile=True):
        s = Server(extra_args, threads=threads, config_file=config_file, env=env,
                   workdir=workdir, base_args=base_args, logfile=logfile)
        s.expect_failure = False
        self.servers.append(s)
        if start:
            s.start()
        return s

    def finish(self):
        errors = []
        for s in self.servers:
            if s.proc is None:
                continue
            s.stop()
            try:
                s.check(expect_exit_zero=not s.expect_failure)
            except ServerError as e:
                errors.append(str(e))
            else:
                s.cleanup_dir()
        self.servers = []
        if errors:
            raise ServerError("\n\n".join(errors))


def finish(factory):
    """Stop the factory's servers; a crash, a non-zero exit or sanitizer output
    fails the test that used them."""
    message = None
    try:
        factory.finish()
    except ServerError as e:
        message = str(e)
    if message:
        pytest.fail(message, pytrace=False)


# -- helpers used by many tests ---------------------------------------------

def wait_for(predicate, timeout=5.0, interval=0.02, message="condition"):
    """Poll predicate() until it returns a truthy value; bounded by timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, message))
        time.sleep(interval)


def info_dict(client, section=None):
    """INFO as a dict of raw strings (no type conversion), from any client."""
    raw = cmd(client, "INFO", section) if section else cmd(client, "INFO")
    if isinstance(raw, bytes):
        raw = raw.decode()
    return parse_info(raw)


def parse_info(text):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        k, _, v = line.partition(":")
        out[k] = v
    return out


def info_sections(text):
    return [l[2:].strip().lower() for l in text.splitlines() if l.startswith("# ")]


def parse_kv_list(value):
    """'keys=1,expires=0,avg_ttl=0' -> {'keys': '1', ...}"""
    out = {}
    for part in value.split(","):
        k, _, v = part.partition("=")
        out[k] = v
    return out


def client_list(client):
    raw = cmd(client, "CLIENT", "LIST")
    if isinstance(raw, bytes):
        raw = raw.decode()
    return [parse_client_line(l) for l in raw.splitlines() if l.strip()]


def parse_client_line(line):
    if isinstance(line, bytes):
        line = line.decode()
    out = {}
    for part in line.strip().split(" "):
        k, _, v = part.partition("=")
        out[k] = v
    return out


def err_text(excinfo):
    return str(excinfo.value)


def to_str(v):
    if isinstance(v, bytes):
        return v.decode()
    return v


def cmd(client, *args):
    """Run a command on a redis.Redis client and return the reply exactly as
    parsed from the wire (no redis-py response callbacks). Error replies raise
    redis.ResponseError with the whole error line."""
    pool = client.connection_pool
    conn = pool.get_connection(str(args[0]))
    try:
        conn.send_command(*args)
        reply = conn.read_response()
    except BaseException:
        conn.disconnect()
        raise
    finally:
        pool.release(conn)
    if isinstance(reply, redis.ResponseError):
        raise reply
    return reply


def err(client, *args):
    """Run a command that must fail; return the whole error line."""
    try:
        reply = cmd(client, *args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("expected an error from %r, got %r" % (args, reply))


def run_parallel(targets, timeout=60):
    """Runs each callable in a thread of its own, all released at once by a
    barrier; waits for all, fails if one is still running after timeout
    seconds, and re-raises the first exception any of them raised."""
    errors = []
    barrier = threading.Barrier(len(targets))

    def wrap(fn):
        try:
            barrier.wait(timeout=30)
            fn()
        except BaseException as e:  # noqa: BLE001 -- re-raised below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(t,), daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "worker threads did not finish"
    if errors:
        raise errors[0]


def run_threads(n, target, timeout=60):
    """run_parallel of target(0) .. target(n - 1)."""
    run_parallel([lambda i=i: target(i) for i in range(n)], timeout)


def native_server(server):
    """A kvik server with a native-protocol listener (srv.native_port), checked
    with kvik-cli --native PING; skips the test against redis-server or in a
    build without the native protocol."""
    if IS_REDIS:
        pytest.skip("the native protocol is kvik's")
    nport = free_port()
    srv = server("--native-port", str(nport))
    p = subprocess.run([tool_binary("kvik-cli", "KVIK_CLI"), "--native", "-h", "127.0.0.1",
                        "-p", str(nport), "PING"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if p.stdout != b"PONG\n":
        pytest.skip("no native protocol in this build (server or libkvik): %s"
                    % (p.stderr.decode(errors="replace").strip() or p.stdout))
    srv.native_port = nport
    return srv


def expect_startup_failure(server, *args, config_file=None, env=None, port=None):
    """Starts a server that must refuse to start; returns what it printed."""
    srv = server(*args, config_file=config_file, env=env, start=False)
    srv.expect_failure = True
    srv.spawn(port=port)
    code = srv.wait_exit(10)
    assert code is not None, "server should have refused to start\n" + srv.output_tail()
    assert code != 0, "server exited with 0 despite a bad configuration"
    return srv.output()
