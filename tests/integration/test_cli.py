"""kvik-cli: output formats, modes, exit codes, the interactive prompt.

Replies are compared byte for byte with /usr/bin/redis-cli run against the same
server with the same arguments, both in the terminal form (stdout a
pseudo-terminal) and in the raw form (stdout a pipe). The interactive prompt is
driven in a pseudo-terminal: TAB completion, argument hints, history, SELECT.

The binary is bin/kvik-cli beside the server binary (KVIK_BIN), or KVIK_CLI.
"""

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

import util

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


CLI = util.tool_binary("kvik-cli", "KVIK_CLI")
pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK), reason="kvik-cli not built: " + CLI)

# Under the sanitizer build, LeakSanitizer stays on for the cli's own memory;
# libedit keeps a few wide strings of its history to the end (wcsdup), which
# are not ours to free.
_SUPP = os.path.join(tempfile.gettempdir(), "kvik-cli-lsan-%d.supp" % os.getpid())
with open(_SUPP, "w") as _f:
    _f.write("leak:wcsdup\n")
CLI_ENV = dict(os.environ, LSAN_OPTIONS="suppressions=" + _SUPP, LC_ALL="C.UTF-8")


def run(argv, stdin=b"", timeout=20):
    """Runs with stdout a pipe; returns (rc, stdout bytes, stderr bytes)."""
    p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, env=CLI_ENV)
    return p.returncode, p.stdout, p.stderr


def run_tty(argv, timeout=20):
    """Runs with stdout (and stderr) a pseudo-terminal, stdin /dev/null;
    returns (rc, output with the terminal's CRLF turned back into LF)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                         env=CLI_ENV, close_fds=True)
    os.close(slave)
    out = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    os.close(master)
    rc = p.wait(timeout=5)
    return rc, out.replace(b"\r\n", b"\n")


def addr(srv):
    return ["-h", "127.0.0.1", "-p", str(srv.port)]


def seed(r):
    r.execute_command("FLUSHALL")
    r.rpush("list", "a", "b", "c", "x y")
    r.rpush("long", *[str(i) for i in range(12)])
    r.hset("hash", mapping={"f1": "v1", "f2": "v2"})
    r.sadd("set", "m1")
    r.zadd("zset", {"a": 1.5, "b": 2})
    r.set("str", b'he"llo\nworld\x00\xff\xc3\xa9\t\\')
    r.set("num", "10")
    r.xadd("stream", {"f": "v", "g": "w"}, id="1-1")
    r.xadd("stream", {"f": "v2"}, id="2-1")
    r.geoadd("geo", (13.361389, 38.115556, "Palermo"))


# Commands whose replies cover every shape: strings with escapes, integers,
# nil, errors, empty and nested arrays, maps and sets (RESP3), doubles,
# status replies, the text commands that print as is (INFO).
SHAPES = [
    ["GET", "str"],
    ["GET", "nokey"],
    ["INCR", "num"],
    ["NOSUCHCMD", "x"],
    ["GET"],
    ["LRANGE", "list", "0", "-1"],
    ["LRANGE", "long", "0", "-1"],
    ["LRANGE", "nolist", "0", "-1"],
    ["HGETALL", "hash"],
    ["HGETALL", "nohash"],
    ["SMEMBERS", "set"],
    ["SMEMBERS", "noset"],
    ["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
    ["ZSCORE", "zset", "a"],
    ["ZRANGE", "zset", "0", "0", "WITHSCORES"],
    ["COMMAND", "DOCS", "get"],
    ["COMMAND", "DOCS", "set"],
    ["CONFIG", "GET", "maxmemory*"],
    ["PING"],
    ["ECHO", ""],
    ["SET", "k2", "v"],
    ["TYPE", "hash"],
    ["INFO", "keyspace"],
    ["LPOS", "list", "b"],
    ["HSTRLEN", "hash", "f1"],
    ["XRANGE", "stream", "-", "+"],
    ["XREAD", "STREAMS", "stream", "0"],
    ["XINFO", "STREAM", "stream"],
    ["GEOPOS", "geo", "Palermo", "nowhere"],
    ["SCAN", "0", "COUNT", "100", "MATCH", "l*"],
    ["OBJECT", "ENCODING", "list"],
    ["TTL", "str"],
    ["EXISTS", "str", "nokey", "list"],
    ["HMGET", "hash", "f1", "nofield"],
    ["SET", "str", "x", "GET"],
    ["SORT", "long", "LIMIT", "0", "3"],
]


def same_as_redis_cli(srv, args, tty, reset):
    """Runs kvik-cli and redis-cli with args, each on freshly reset data."""
    res = []
    for prog in (CLI, REDIS_CLI):
        reset()
        argv = [prog] + addr(srv) + args
        res.append(run_tty(argv) if tty else run(argv)[:2])
    return res


@pytest.mark.parametrize("resp", ["-2", "-3"])
@pytest.mark.parametrize("tty", [True, False], ids=["tty", "raw"])
def test_formats_match_redis_cli(shared_server, r, resp, tty):
    for args in SHAPES:
        ours, theirs = same_as_redis_cli(shared_server, [resp] + args, tty, lambda: seed(r))
        assert ours == theirs, "%s %s" % (resp, args)


def test_known_forms(shared_server, r):
    seed(r)
    a = [CLI] + addr(shared_server)
    assert run_tty(a + ["GET", "nokey"])[1] == b"(nil)\n"
    assert run_tty(a + ["INCR", "num"])[1] == b"(integer) 11\n"
    assert run_tty(a + ["GET", "str"])[1] == b'"he\\"llo\\nworld\\x00\\xff\\xc3\\xa9\\t\\\\"\n'
    assert run_tty(a + ["NOSUCHCMD"])[1].startswith(b"(error) ERR unknown command")
    out = run_tty(a + ["-3", "HGETALL", "hash"])[1]
    assert out == b'1# "f1" => "v1"\n2# "f2" => "v2"\n'
    assert run_tty(a + ["-3", "SMEMBERS", "set"])[1] == b'1~ "m1"\n'
    assert run_tty(a + ["-3", "ZSCORE", "zset", "a"])[1] == b"(double) 1.5\n"
    out = run_tty(a + ["LRANGE", "long", "0", "-1"])[1].split(b"\n")
    assert out[0] == b' 1) "0"' and out[11] == b'12) "11"'
    out = run_tty(a + ["-3", "ZRANGE", "zset", "0", "-1", "WITHSCORES"])[1]
    assert out == b'1) 1) "a"\n   2) (double) 1.5\n2) 1) "b"\n   2) (double) 2\n'
    # raw: one element per line, map pairs "key value"
    assert run(a + ["-3", "HGETALL", "hash"])[1] == b"f1 v1\nf2 v2\n"
    assert run(a + ["LRANGE", "list", "0", "-1"])[1] == b"a\nb\nc\nx y\n"
    assert run(a + ["--no-raw", "GET", "nokey"])[1] == b"(nil)\n"
    assert run_tty(a + ["--raw", "INCR", "num"])[1] == b"12\n"


def test_one_shot_exit_codes(shared_server, r):
    a = [CLI] + addr(shared_server)
    assert run(a + ["SET", "k", "v"]) == (0, b"OK\n", b"")
    rc, out, err = run(a + ["NOSUCHCMD"])
    assert rc == 0 and out.startswith(b"ERR unknown command")
    rc, out, err = run(a + ["-e", "NOSUCHCMD"])
    assert rc == 1 and out == b"" and err.startswith(b"ERR unknown command")
    # the same as redis-cli -e
    assert run([REDIS_CLI] + addr(shared_server) + ["-e", "NOSUCHCMD"])[0] == 1
    rc, out, err = run([CLI, "-p", str(util.free_port()), "PING"])
    assert rc == 1 and b"Could not connect" in err


def test_shutdown_is_not_an_error(server):
    """SHUTDOWN answers by closing the connection: exit 0, nothing printed, as redis-cli."""
    srv = server("--save", "")
    assert run([CLI] + addr(srv) + ["SHUTDOWN", "NOSAVE"]) == (0, b"", b"")
    assert srv.wait_exit() == 0


def test_repeat_interval_and_db(shared_server, r):
    a = [CLI] + addr(shared_server)
    assert run(a + ["-r", "3", "-i", "0.05", "INCR", "c"])[1] == b"1\n2\n3\n"
    assert run(a + ["-n", "3", "SET", "dbkey", "v"])[1] == b"OK\n"
    assert run(a + ["-n", "3", "GET", "dbkey"])[1] == b"v\n"
    assert run(a + ["GET", "dbkey"])[1] == b"\n"


def test_x_reads_last_argument_from_stdin(shared_server, r):
    a = [CLI] + addr(shared_server)
    assert run(a + ["-x", "SET", "fromstdin"], stdin=b"hello\x00\n")[0] == 0
    assert r.get("fromstdin") == b"hello\x00\n"
    run([REDIS_CLI] + addr(shared_server) + ["-x", "SET", "fromstdin2"], stdin=b"hello\x00\n")
    assert r.get("fromstdin2") == r.get("fromstdin")


STDIN_SCRIPT = (b'set a 1\nget a\nnosuchcmd\nget nokey\nselect 2\nget a\n'
                b'set "a b" "c\\nd"\nget "a b"\nrpush l x y\nlrange l 0 -1\n'
                b'get "unterminated\nselect 0\nget a\n')


def test_stdin_mode_matches_redis_cli(shared_server, r):
    ours = run([CLI] + addr(shared_server), stdin=STDIN_SCRIPT)
    r.execute_command("FLUSHALL")
    theirs = run([REDIS_CLI] + addr(shared_server), stdin=STDIN_SCRIPT)
    assert ours == theirs
    assert ours[0] == 0
    # -e: kvik-cli also fails the run when a line got an error (redis-cli
    # only does in one-shot mode); the output stays the same
    rc, out, _ = run([CLI, "-e"] + addr(shared_server), stdin=b"ping\nnosuchcmd\nping\n")
    assert rc == 1 and out.count(b"PONG") == 2


def test_url(shared_server, r):
    url = "kvik://127.0.0.1:%d/4" % shared_server.port
    assert run([CLI, "-u", url, "SET", "u", "1"])[1] == b"OK\n"
    url = "redis://127.0.0.1:%d/4" % shared_server.port
    assert run([CLI, "-u", url, "GET", "u"])[1] == b"1\n"
    assert run([CLI] + addr(shared_server) + ["GET", "u"])[1] == b"\n"
    assert run([CLI, "-u", "nosuch://x"])[0] == 1


def test_auth(server):
    srv = server()
    c = srv.client()
    c.execute_command("CONFIG", "SET", "requirepass", "s3cret")
    c.close()
    a = [CLI] + addr(srv)
    assert run(a + ["PING"])[1].startswith(b"NOAUTH")
    assert run(a + ["-a", "s3cret", "PING"]) == (0, b"PONG\n", b"")
    assert run(a + ["--pass", "s3cret", "--user", "default", "PING"])[1] == b"PONG\n"
    rc, out, err = run(a + ["-a", "wrong", "PING"])
    assert rc == 1 and b"WRONGPASS" in err
    url = "redis://default:s3cret@127.0.0.1:%d/1" % srv.port
    assert run([CLI, "-u", url, "SET", "x", "1"])[1] == b"OK\n"
    assert run(a, stdin=b"auth s3cret\nping\nselect 1\nget x\n")[1] == b"OK\nPONG\nOK\n1\n"


# ---- interactive ---------------------------------------------------------------

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[78=>]|\r|\x07")


class Pty:
    """kvik-cli in a pseudo-terminal of 200 columns."""

    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(argv[0], argv, env)
        import fcntl
        import struct
        import termios
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
        self.buf = b""

    def read_until(self, pattern, timeout=10):
        """Reads until the screen text (escapes removed) matches pattern."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if rx.search(self.text()):
                return self.text()
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if r:
                try:
                    self.buf += os.read(self.fd, 65536)
                except OSError:
                    break
        raise AssertionError("timed out waiting for %r; got %r" % (pattern, self.text()[-2000:]))

    def text(self):
        return ANSI.sub(b"", self.buf)

    def send(self, data):
        self.buf = b""
        os.write(self.fd, data)

    def close(self):
        if self.pid > 0:  # only the child we forked, never a process group
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        os.close(self.fd)


@pytest.fixture
def prompt(shared_server, r, tmp_path):
    seed(r)
    env = dict(CLI_ENV, HOME=str(tmp_path), TERM="xterm")
    env.pop("KVIKCLI_HISTFILE", None)
    p = Pty([CLI] + addr(shared_server), env)
    p.home = tmp_path
    p.prefix = b"127.0.0.1:%d" % shared_server.port
    p.read_until(re.escape(p.prefix) + rb"> $")
    yield p
    p.close()


def test_interactive_outputs_and_select(prompt):
    p = prompt
    p.send(b"get str\r")
    p.read_until(rb'"he\\"llo\\nworld.*"\n' + re.escape(p.prefix) + b"> $")
    p.send(b"lrange list 0 -1\r")
    p.read_until(rb'1\) "a"\n2\) "b"\n3\) "c"\n4\) "x y"\n')
    p.send(b"get nokey\r")
    p.read_until(rb"\(nil\)\n")
    p.send(b"incr num\r")
    p.read_until(rb"\(integer\) 11\n")
    p.send(b"nosuchcmd\r")
    p.read_until(rb"\(error\) ERR unknown command")
    p.send(b"hello 3\r")
    p.read_until(rb'1# "server" => "')
    p.send(b"hgetall hash\r")
    p.read_until(rb'1# "f1" => "v1"\n2# "f2" => "v2"\n')
    p.send(b"select 2\r")
    p.read_until(re.escape(p.prefix) + rb"\[2\]> $")
    p.send(b"set indb2 yes\r")
    p.read_until(rb"OK\n" + re.escape(p.prefix) + rb"\[2\]> $")
    p.send(b"select 0\r")
    p.read_until(rb"OK\n" + re.escape(p.prefix) + rb"> $")


def test_interactive_completion_and_hints(prompt):
    p = prompt
    p.send(b"lpus\t")
    p.read_until(rb"LPUSH key element \[element \.\.\.\]")  # with its hint
    p.send(b"\x15")  # ^U: clear the line
    p.send(b"set ")
    p.read_until(rb"set key value \[NX\|XX\] \[GET\]")
    p.send(b"k ")
    p.read_until(rb"k value \[NX\|XX\]")
    p.send(b"v\r")
    p.read_until(rb"OK\n")
    p.send(b"config g")
    p.read_until(rb"config g$")
    p.send(b"\x15conf\t")
    p.read_until(rb"CONFIG")
    p.send(b"\t")
    p.read_until(rb"(GET|SET|HELP|RESETSTAT|REWRITE) ")  # CONFIG <next>, with its hint


def test_interactive_history(prompt):
    p = prompt
    p.send(b"echo first-line\r")
    p.read_until(rb'"first-line"\n')
    p.send(b"auth not-in-history\r")
    p.read_until(rb"\(error\)")
    p.send(b"\x1b[A\x1b[A\r")  # up twice skips the AUTH line, which was not kept
    p.read_until(rb'"first-line"\n.*> $')
    p.send(b"quit\r")
    _, status = os.waitpid(p.pid, 0)
    p.pid = 0
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    hist = (p.home / ".kvikcli_history").read_bytes()
    assert b"first-line" in hist
    assert b"not-in-history" not in hist


def test_subscribe_prints_messages(shared_server, r):
    a = [CLI] + addr(shared_server)
    p = subprocess.Popen(a + ["SUBSCRIBE", "news"], stdout=subprocess.PIPE, env=CLI_ENV)
    try:
        util.wait_for(lambda: r.execute_command("PUBSUB", "NUMSUB", "news")[1] == 1, timeout=10)
        r.publish("news", "hello")
        r.publish("news", "world")
        want = b"subscribe\nnews\n1\nmessage\nnews\nhello\nmessage\nnews\nworld\n"
        got = b""
        deadline = time.time() + 10
        while len(got) < len(want) and time.time() < deadline:
            rd, _, _ = select.select([p.stdout], [], [], 0.2)
            if rd:
                got += os.read(p.stdout.fileno(), 4096)
        assert got == want
    finally:
        p.send_signal(signal.SIGINT)
        p.wait(timeout=10)


# ---- native protocol -------------------------------------------------------------

@pytest.fixture
def native_srv(server):
    return util.native_server(server)


def test_native_prints_like_resp3(native_srv):
    """Native replies are RESP3-typed: every shape prints as with -3."""
    c = native_srv.client()
    nat = [CLI, "--native", "-p", str(native_srv.native_port)]
    resp3 = [CLI, "-3", "-p", str(native_srv.port)]
    for args in SHAPES:
        if args[0] == "INFO":
            continue  # counters move between the two runs
        if args[0] == "GEOPOS":
            continue  # a native double has no text: printed shortest, not as RESP3 sends it
        for tty in (True, False):
            got = []
            for argv in (nat, resp3):
                seed(c)
                got.append(run_tty(argv + args) if tty else run(argv + args)[:2])
            assert got[0] == got[1], args


def test_native_url_and_stdin(native_srv):
    url = "kvik+native://127.0.0.1:%d/5" % native_srv.native_port
    assert run([CLI, "-u", url, "SET", "n", "1"])[1] == b"OK\n"
    assert run([CLI, "-n", "5", "-p", str(native_srv.port), "GET", "n"])[1] == b"1\n"
    out = run([CLI, "--native", "-p", str(native_srv.native_port)], stdin=b"select 5\nincr n\nnosuch\n")
    assert out[1].startswith(b"OK\n2\nERR unknown command")


# ---- TLS: kvik's own TLS port, and redis-server's ------------------------------------

@pytest.fixture(scope="module")
def certs_dir():
    from test_libkvik import make_certs
    d = tempfile.mkdtemp(prefix="kvik-cli-tls-")
    make_certs(d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def kvik_tls(server, certs):
    """A kvik server with a TLS port (mutual TLS); None while the build has none."""
    if util.IS_REDIS:
        return None
    tport = util.free_port()
    c = lambda n: os.path.join(certs, n)
    try:
        srv = server("--tls-port", str(tport), "--tls-cert-file", c("server.crt"),
                     "--tls-key-file", c("server.key"), "--tls-ca-cert-file", c("ca.crt"))
    except util.ServerError:
        return None

    class Tls:  # the TLS side of srv (srv.port stays the plain port its fixture uses)
        port = tport

    t = Tls()
    t.certs = certs
    t.server = srv
    return t


def redis_tls(certs):
    """redis-server on a TLS port; tried three times, as its free port may be
    taken between choosing it and binding it."""
    from test_libkvik import RedisTLS
    for attempt in range(3):
        try:
            return RedisTLS(certs)
        except AssertionError:
            if attempt == 2:
                raise


@pytest.fixture(params=["kvik", "redis"])
def tls_server(request, server, certs_dir):
    if request.param == "kvik":
        srv = kvik_tls(server, certs_dir)
        if srv is None:
            pytest.skip("no TLS in this kvik build")
        yield srv
        return
    if not os.access(util.REDIS_BIN, os.X_OK):
        pytest.skip("no redis-server")
    srv = redis_tls(certs_dir)
    srv.certs = certs_dir
    yield srv
    srv.stop()


def test_tls(tls_server):
    c = lambda n: os.path.join(tls_server.certs, n)
    tls = [CLI, "-p", str(tls_server.port), "--tls", "--cert", c("client.crt"),
           "--key", c("client.key")]
    assert run(tls + ["--cacert", c("ca.crt"), "SET", "t", "1"]) == (0, b"OK\n", b"")
    assert run(tls + ["--cacert", c("ca.crt"), "--sni", "localhost", "GET", "t"])[1] == b"1\n"
    assert run(tls + ["--insecure", "GET", "t"])[1] == b"1\n"
    rc, out, err = run(tls + ["--cacert", c("other-ca.crt"), "GET", "t"])
    assert rc == 1 and b"Could not connect" in err  # not the server's CA
    url = "rediss://127.0.0.1:%d/0?ca_file=%s&cert_file=%s&key_file=%s" % (
        tls_server.port, c("ca.crt"), c("client.crt"), c("client.key"))
    assert run([CLI, "-u", url, "GET", "t"])[1] == b"1\n"


def test_help_version_and_bad_options():
    rc, out, _ = run([CLI, "--help"])
    assert rc == 0 and b"Usage: kvik-cli" in out and b"--native" in out
    rc, out, _ = run([CLI, "--version"])
    assert rc == 0 and out.startswith(b"kvik-cli ")
    rc, _, err = run([CLI, "--no-such-option"])
    assert rc == 1 and b"unknown option" in err
    rc, _, err = run([CLI, "-p"])
    assert rc == 1 and b"requires an argument" in err


def test_help_and_quit_match_redis_cli(shared_server, r):
    """help <command>, help @<group> (the synopsis of every command, built
    from COMMAND DOCS as redis-cli builds its hints) and quit, read from stdin."""
    groups = set()
    for doc in util.cmd(r, "COMMAND", "DOCS")[1::2]:
        d = dict(zip(doc[::2], doc[1::2]))
        groups.add(d[b"group"].decode())
    assert len(groups) > 5
    script = "".join("help @%s\n" % g for g in sorted(groups))
    script += "help get\nhelp config get\nhelp nosuchcmd\nping\nquit\nping\n"
    ours = run([CLI] + addr(shared_server), stdin=script.encode())
    theirs = run([REDIS_CLI] + addr(shared_server), stdin=script.encode())
    assert ours == theirs
    assert ours[1].endswith(b"PONG\n")


class OldServer:
    """A tiny RESP server that knows only PING (no COMMAND, no COMMAND DOCS),
    to see the prompt do without completion and hints."""

    def __init__(self):
        import socket
        import threading
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            c.settimeout(0.2)
            data = b""
            while not self.stop:
                try:
                    chunk = c.recv(4096)
                except OSError:
                    continue
                if not chunk:
                    break
                data += chunk
                while True:
                    cmd, data = self.parse(data)
                    if cmd is None:
                        break
                    c.sendall(b"+PONG\r\n" if cmd[0].upper() == b"PING"
                              else b"-ERR unknown command\r\n")
            c.close()

    @staticmethod
    def parse(data):
        if not data.startswith(b"*") or b"\r\n" not in data:
            return None, data
        head, rest = data.split(b"\r\n", 1)
        args = []
        for _ in range(int(head[1:])):
            if b"\r\n" not in rest:
                return None, data
            ln, rest = rest.split(b"\r\n", 1)
            n = int(ln[1:])
            if len(rest) < n + 2:
                return None, data
            args.append(rest[:n])
            rest = rest[n + 2:]
        return args, rest

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


def test_prompt_without_command_docs(tmp_path):
    srv = OldServer()
    env = dict(CLI_ENV, HOME=str(tmp_path), TERM="xterm")
    p = Pty([CLI, "-p", str(srv.port)], env)
    try:
        p.read_until(rb"127\.0\.0\.1:%d> $" % srv.port)
        p.send(b"pin\t")  # no names to complete with: nothing happens
        p.read_until(rb"pin")
        p.send(b"g\r")
        p.read_until(rb"PONG\n")
        p.send(b"help get\r")  # no documentation: an empty answer, no crash
        p.read_until(rb"> $")
        p.send(b"quit\r")
        _, status = os.waitpid(p.pid, 0)
        p.pid = 0
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        p.close()
        srv.close()
