"""Hostile input: malformed and oversize requests, floods, stalls.

Every test sends something a well-behaved client never sends and then checks
that the server (1) replied exactly what Redis 7.0 replies where the two share
the behaviour (checked with KVIK_TEST_TARGET=redis), (2) stays up and keeps
answering other clients during and after, and (3) does not grow its memory
(INFO used_memory and used_memory_rss) beyond a bound.

Where kvik is deliberately stricter than Redis (it checks the CRLF after a
bulk, refuses a multibulk count above proto-max-multibulk-len at once, treats a
NUL in an inline line as a byte) the case is kvik_only; see proto/resp.c.

`make test` runs this file a second time against the ASan/UBSan build, which
makes it the sanitizer test for hostile input as well: a sanitizer report in the
server output fails the test (util.Server.check).
"""

import os
import random
import socket
import subprocess
import threading
import time

import pytest

from resp import Bulk, Error, Integer, Simple, encode
from util import IS_KVIK, IS_REDIS, ServerFactory, finish, info_dict, wait_for

MB = 1024 * 1024

# Limits of the module's server: small enough to hit quickly.
MAXCLIENTS = 48
QBUF_LIMIT = 1 * MB


@pytest.fixture(scope="module")
def hostile():
    f = ServerFactory()
    srv = f("--maxclients", MAXCLIENTS, "--client-query-buffer-limit", QBUF_LIMIT,
            "--hz", 50, threads=2)
    yield srv
    finish(f)


def still_serves(srv):
    with srv.raw(timeout=10) as c:
        assert c.call("PING") == Simple(b"PONG")
        assert c.call("ECHO", "alive") == Bulk(b"alive")


def slow_reader(srv):
    """A socket with a tiny receive buffer that never reads."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((srv.host, srv.port))
    return s


def memory(srv):
    with srv.raw() as c:
        c.send("INFO", "memory")
        text = bytes(c.read()).decode()
    info = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        info[k] = v.strip()
    return int(info["used_memory"]), int(info["used_memory_rss"])


def exchange(srv, data, timeout=5.0):
    """Sends data on a fresh connection; returns (closed, replies)."""
    c = srv.raw()
    try:
        c.send_raw(data)
    except OSError:
        pass  # the server may close while we still write
    closed, replies = c.read_until_closed(timeout=timeout)
    c.close()
    return closed, replies


def exchange_open(srv, data, n):
    """Sends data followed by PING on a fresh connection; returns the n replies
    before the PONG (the connection must stay open)."""
    with srv.raw() as c:
        c.send_raw(data + encode("PING"))
        replies = c.read_many(n + 1)
        assert replies[-1] == Simple(b"PONG"), replies
        return replies[:-1]


def unknown(name, *args):
    text = b"ERR unknown command '" + name + b"', with args beginning with: "
    for a in args:
        text += b"'" + a + b"' "
    return Error(text)


PROTO = b"ERR Protocol error: "

# Bad input that closes the connection after one error: (name, bytes, error).
CLOSING = [
    ("count_not_a_number", b"*abc\r\n", b"invalid multibulk length"),
    ("count_plus_sign", b"*+1\r\n$4\r\nPING\r\n", b"invalid multibulk length"),
    ("count_space", b"* 1\r\n$4\r\nPING\r\n", b"invalid multibulk length"),
    ("count_leading_zero", b"*01\r\n$4\r\nPING\r\n", b"invalid multibulk length"),
    ("count_empty", b"*\r\n", b"invalid multibulk length"),
    ("count_over_int_max", b"*2147483648\r\n", b"invalid multibulk length"),
    ("count_over_llong", b"*99999999999999999999999\r\n", b"invalid multibulk length"),
    ("count_lf_only", b"*1\n$4\nPING\n\r\n", b"invalid multibulk length"),
    ("count_line_too_long", b"*" + b"1" * 70000, b"too big mbulk count string"),
    ("bulk_not_a_number", b"*1\r\n$x\r\n", b"invalid bulk length"),
    ("bulk_negative", b"*1\r\n$-1\r\n", b"invalid bulk length"),
    ("bulk_very_negative", b"*1\r\n$-9223372036854775808\r\n", b"invalid bulk length"),
    ("bulk_plus_sign", b"*1\r\n$+4\r\nPING\r\n", b"invalid bulk length"),
    ("bulk_leading_zero", b"*1\r\n$04\r\nPING\r\n", b"invalid bulk length"),
    ("bulk_empty", b"*1\r\n$\r\n", b"invalid bulk length"),
    ("bulk_over_limit", b"*1\r\n$536870913\r\n", b"invalid bulk length"),
    ("bulk_over_llong", b"*1\r\n$99999999999999999999\r\n", b"invalid bulk length"),
    ("bulk_line_too_long", b"*1\r\n$" + b"1" * 70000, b"too big bulk count string"),
    ("nested_arrays", b"*1\r\n" * 64 + b"$4\r\nPING\r\n", b"expected '$', got '*'"),
    ("resp3_map_as_arg", b"*2\r\n$4\r\nECHO\r\n%1\r\n+a\r\n+b\r\n", b"expected '$', got '%'"),
    ("resp3_set_as_arg", b"*2\r\n$4\r\nECHO\r\n~1\r\n:1\r\n", b"expected '$', got '~'"),
    ("resp3_null_as_arg", b"*2\r\n$4\r\nECHO\r\n_\r\n", b"expected '$', got '_'"),
    ("resp3_double_as_arg", b"*2\r\n$4\r\nECHO\r\n,1.5\r\n", b"expected '$', got ','"),
    ("integer_as_arg", b"*2\r\n$4\r\nECHO\r\n:1\r\n", b"expected '$', got ':'"),
    ("simple_as_arg", b"*1\r\n+PING\r\n", b"expected '$', got '+'"),
    ("bare_word_as_arg", b"*1\r\nPING\r\n", b"expected '$', got 'P'"),
    ("inline_unbalanced_quote", b'SET a "x\r\n', b"unbalanced quotes in request"),
    ("inline_quote_then_char", b"SET a 'x'y\r\n", b"unbalanced quotes in request"),
    ("inline_too_long", b"A" * 70000, b"too big inline request"),
]


@pytest.mark.parametrize("name,data,message", CLOSING, ids=[c[0] for c in CLOSING])
def test_protocol_errors_close(hostile, name, data, message):
    closed, replies = exchange(hostile, data)
    assert replies == [Error(PROTO + message)], replies
    assert closed, "connection should be closed after a protocol error"
    still_serves(hostile)


def test_pipelined_garbage_answers_what_came_before(hostile):
    closed, replies = exchange(hostile, b"PING\r\n*1\r\n$4\r\nPING\r\n*x\r\nPING\r\n")
    assert replies == [Simple(b"PONG"), Simple(b"PONG"),
                       Error(PROTO + b"invalid multibulk length")]
    assert closed


# Odd but valid input: the connection stays open. (name, bytes, replies)
OPEN = [
    ("nul_in_bulk", b"*2\r\n$4\r\nECHO\r\n$3\r\na\x00b\r\n", [Bulk(b"a\x00b")]),
    # Redis formats the name with %s: it ends at the NUL
    ("nul_in_command_name", b"*1\r\n$4\r\nPI\x00G\r\n", [unknown(b"PI")]),
    ("negative_count_ignored", b"*-5\r\n", []),
    ("zero_count_ignored", b"*0\r\n", []),
    ("resp3_map_top_level", b"%1\r\n+a\r\n+b\r\n",
     [unknown(b"%1"), unknown(b"+a"), unknown(b"+b")]),
    ("resp3_null_top_level", b"_\r\n", [unknown(b"_")]),
    ("resp3_bool_top_level", b"#t\r\n", [unknown(b"#t")]),
    ("bulk_top_level", b"$4\r\nPING\r\n", [unknown(b"$4"), Simple(b"PONG")]),
    ("invalid_utf8_command", b"*2\r\n$2\r\n\xff\xfe\r\n$2\r\n\xc3\x28\r\n",
     [unknown(b"\xff\xfe", b"\xc3\x28")]),
    ("invalid_utf8_inline", b"\xff\xfe \xc3\x28\r\n", [unknown(b"\xff\xfe", b"\xc3\x28")]),
    ("invalid_utf8_value", b"*2\r\n$4\r\nECHO\r\n$2\r\n\xc3\x28\r\n", [Bulk(b"\xc3\x28")]),
    ("empty_lines", b"\r\n\n\r\n   \r\n", []),
    ("tab_separated_inline", b"ECHO\ta\r\n", [Bulk(b"a")]),
    ("crlf_escaped_in_inline", b'ECHO "a\\r\\nb"\r\n', [Bulk(b"a\r\nb")]),
    ("nul_and_ff_escaped_in_inline", b'ECHO "\\x00\\xff"\r\n', [Bulk(b"\x00\xff")]),
    ("lf_only_inline", b"ECHO x\n", [Bulk(b"x")]),
    ("arity_garbage", b"*3\r\n$3\r\nGET\r\n$1\r\na\r\n$1\r\nb\r\n",
     [Error(b"ERR wrong number of arguments for 'get' command")]),
]


@pytest.mark.parametrize("name,data,expected", OPEN, ids=[c[0] for c in OPEN])
def test_odd_input_answered(hostile, name, data, expected):
    assert exchange_open(hostile, data, len(expected)) == expected


# Where kvik is stricter than Redis (Redis waits, or skips two bytes blindly).
STRICT = [
    ("bulk_without_crlf", b"*1\r\n$4\r\nPINGxx", b"invalid bulk length"),
    ("bulk_longer_than_said", b"*1\r\n$4\r\nPINGxxPING\r\n", b"invalid bulk length"),
    ("cr_cr_lf", b"*1\r\r\n", b"invalid multibulk length"),
    ("count_over_proto_max_multibulk_len", b"*1048577\r\n", b"invalid multibulk length"),
]


@pytest.mark.kvik_only
@pytest.mark.parametrize("name,data,message", STRICT, ids=[c[0] for c in STRICT])
def test_kvik_stricter(hostile, name, data, message):
    closed, replies = exchange(hostile, data)
    assert replies == [Error(PROTO + message)], replies
    assert closed
    still_serves(hostile)


@pytest.mark.kvik_only
def test_nul_in_inline_is_a_byte(hostile):
    # Redis stops looking at the line at the NUL and waits; kvik reads on
    assert exchange_open(hostile, b"ECHO a\x00b\r\n", 1) == [Bulk(b"a\x00b")]


def test_unauthenticated_limits(server):
    srv = server()
    with srv.raw() as c:
        assert c.call("CONFIG", "SET", "requirepass", "pw") == Simple(b"OK")
    closed, replies = exchange(srv, b"*11\r\n")
    assert replies == [Error(PROTO + b"unauthenticated multibulk length")] and closed
    closed, replies = exchange(srv, b"*1\r\n$16385\r\n")
    assert replies == [Error(PROTO + b"unauthenticated bulk length")] and closed
    # at the limits: accepted, then NOAUTH
    with srv.raw() as c:
        c.send_raw(b"*2\r\n$4\r\nECHO\r\n$16384\r\n" + b"x" * 16384 + b"\r\n")
        assert c.read() == Error(b"NOAUTH Authentication required.")
        assert c.call("AUTH", "pw") == Simple(b"OK")
        assert c.call("ECHO", "y" * 20000) == Bulk(b"y" * 20000)


def test_random_garbage_connections(hostile):
    """Seeded random bytes, some starting like RESP, on many connections."""
    rnd = random.Random(1234)
    before = memory(hostile)
    prefixes = [b"", b"*", b"*3\r\n", b"*2\r\n$", b"$", b"%", b"*1\r\n$3\r\nGET\r\n"]
    socks = []
    for i in range(40):
        data = rnd.choice(prefixes) + bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000)))
        s = socket.create_connection((hostile.host, hostile.port), timeout=5)
        try:
            s.sendall(data)
        except OSError:
            pass
        socks.append(s)
        if len(socks) >= 20:
            socks.pop(0).close()
        if i % 10 == 0:
            still_serves(hostile)
    for s in socks:
        s.close()
    still_serves(hostile)
    after = memory(hostile)
    assert after[0] - before[0] < 16 * MB, (before, after)


def test_query_buffer_limit_closes_client(hostile):
    # a 2 MB argument is within proto-max-bulk-len but over the 1 MB query buffer
    with hostile.raw() as c:
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$2097152\r\n")
        chunk = b"z" * 65536
        sent = 0
        try:
            while sent < 2 * MB:
                c.send_raw(chunk)
                sent += len(chunk)
        except OSError:
            pass
        closed, replies = c.read_until_closed(timeout=10)
        assert closed and replies == []
    still_serves(hostile)
    with hostile.raw() as c:
        assert c.call("EXISTS", "q") == Integer(0)


@pytest.mark.kvik_only
def test_many_small_arguments_over_query_buffer_limit(hostile):
    # kvik keeps a command's arguments in the query buffer until it runs, so a
    # multibulk of many small arguments counts whole (Redis moves parsed
    # arguments out of its query buffer and would run this MSET)
    with hostile.raw() as c:
        n = 300000
        c.send_raw(b"*%d\r\n" % (n + 1) + b"$4\r\nMSET\r\n")
        arg = b"$5\r\nabcde\r\n"
        try:
            for _ in range(n // 1000):
                c.send_raw(arg * 1000)
        except OSError:
            pass
        closed, _ = c.read_until_closed(timeout=10)
        assert closed
    still_serves(hostile)


@pytest.mark.kvik_only
def test_many_partial_huge_bulks_memory_bounded(hostile):
    """Clients announcing 500 MB bulks and sending a few KB hold what they sent,
    not what they announced (Redis reserves the announced length)."""
    before = memory(hostile)
    socks = []
    try:
        for i in range(MAXCLIENTS - 8):
            s = socket.create_connection((hostile.host, hostile.port), timeout=5)
            s.sendall(b"*3\r\n$3\r\nSET\r\n$2\r\nk%d\r\n$500000000\r\n" % (i % 10) + b"v" * 40000)
            socks.append(s)
        time.sleep(0.3)
        still_serves(hostile)
        during = memory(hostile)
        # 40 clients x (40 KB received, reserved at most twice) is a few MB
        assert during[0] - before[0] < 24 * MB, (before, during)
        assert during[1] - before[1] < 48 * MB, (before, during)
    finally:
        for s in socks:
            s.close()
    still_serves(hostile)


def test_connection_flood_beyond_maxclients(hostile):
    socks, denied = [], 0
    try:
        for _ in range(MAXCLIENTS + 16):
            s = socket.create_connection((hostile.host, hostile.port), timeout=5)
            socks.append(s)
        # each connection either works or got the maxclients error and was closed
        for s in socks:
            try:
                s.sendall(b"PING\r\n")
            except OSError:
                pass
        for s in socks:
            data = b""
            s.settimeout(5)
            while not data.endswith(b"\r\n"):
                try:
                    chunk = s.recv(1000)
                except (ConnectionResetError, socket.timeout):
                    break
                if not chunk:
                    break
                data += chunk
            if data.startswith(b"-ERR max number of clients reached"):
                denied += 1
            else:
                assert data == b"+PONG\r\n", data
        assert denied >= 16
    finally:
        for s in socks:
            s.close()

    def fresh_ok():
        try:
            with hostile.raw(timeout=2) as c:
                return c.call("PING") == Simple(b"PONG")
        except Exception:
            return False
    wait_for(fresh_ok, timeout=10, message="a free client slot after the flood")


def test_output_buffer_limit_normal(server):
    srv = server("--client-output-buffer-limit", "normal", "1mb", "256kb", "1")
    with srv.raw() as c:
        c.call("SET", "big", "x" * 100000)
    before = memory(srv)
    s = slow_reader(srv)
    try:
        s.sendall(encode("CLIENT", "SETNAME", "slowreader") + encode("GET", "big") * 400)
    except OSError:
        pass
    with srv.raw() as other:
        def gone():
            text = bytes(other.call("CLIENT", "LIST")).decode()
            return "name=slowreader" not in text
        wait_for(gone, timeout=10, message="the reader that never reads to be closed")
        assert other.call("PING") == Simple(b"PONG")
    after = memory(srv)
    assert after[0] - before[0] < 8 * MB, (before, after)
    s.close()


@pytest.mark.kvik_only
def test_unread_pipelined_replies_are_throttled(hostile):
    """A client that pipelines GETs of a big value and reads nothing makes the
    server hold client-output-throttle (4 MB) of replies, not all of them (Redis
    buffers all of them); reading later, it gets every reply."""
    value = b"x" * 100000
    with hostile.raw() as c:
        c.call("SET", "big", value)
    before = memory(hostile)
    s = slow_reader(hostile)
    n = 500  # 50 MB of replies for 13 KB of requests
    s.sendall(encode("GET", "big") * n)
    time.sleep(0.5)
    still_serves(hostile)
    during = memory(hostile)
    assert during[0] - before[0] < 16 * MB, (before, during)
    one = b"$100000\r\n" + value + b"\r\n"
    want, got = len(one) * n, 0
    s.settimeout(20)
    while got < want:
        chunk = s.recv(1 << 20)
        assert chunk, "closed after %d of %d bytes" % (got, want)
        got += len(chunk)
    assert got == want
    s.sendall(b"PING\r\n")
    assert s.recv(100) == b"+PONG\r\n"
    s.close()


def test_output_buffer_limit_pubsub(server):
    srv = server("--client-output-buffer-limit", "pubsub", "256kb", "0", "0")
    s = slow_reader(srv)
    s.sendall(encode("SUBSCRIBE", "ch"))
    with srv.raw() as pub:
        wait_for(lambda: pub.call("PUBSUB", "NUMSUB", "ch")[1] == 1, message="subscribed")
        payload = "p" * 10000
        for _ in range(20):
            pub.send_many([("PUBLISH", "ch", payload)] * 50)
            pub.read_many(50)
        wait_for(lambda: pub.call("PUBSUB", "NUMSUB", "ch")[1] == 0, timeout=10,
                 message="the slow subscriber to be closed")
    s.close()
    still_serves(srv)


def test_idle_timeout(server):
    srv = server("--timeout", "1", "--hz", "50")
    idle = srv.raw()
    idle.call("PING")
    blocked = srv.raw()
    blocked.send("BLPOP", "nothing", "0")
    subscriber = srv.raw()
    subscriber.call("SUBSCRIBE", "ch")
    closed, _ = idle.read_until_closed(timeout=10)
    assert closed, "an idle client is closed after timeout seconds"
    # blocked and subscribed clients are not idle
    assert blocked.no_reply_within(0.5)
    with srv.raw() as c:
        c.call("RPUSH", "nothing", "v")
    assert blocked.read() == [b"nothing", b"v"]
    assert subscriber.call("PING") == [b"pong", b""]
    blocked.close()
    subscriber.close()


@pytest.mark.kvik_only
def test_stalled_half_command_closed(server):
    srv = server("--client-idle-request-timeout", "1", "--hz", "50")
    assert srv.raw().call("CONFIG", "GET", "client-idle-request-timeout") == [
        b"client-idle-request-timeout", b"1"]
    half = srv.raw()
    half.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc")
    t0 = time.monotonic()
    closed, replies = half.read_until_closed(timeout=10)
    assert closed and replies == []
    assert time.monotonic() - t0 < 5
    # a slow client that keeps sending is not stalled
    slow = srv.raw()
    data = encode("SET", "slow", "0123456789")
    for i in range(len(data)):
        slow.send_raw(data[i:i + 1])
        time.sleep(0.1)
    assert slow.read() == Simple(b"OK")
    # an idle client with no half command is left alone by this limit
    idle = srv.raw()
    idle.call("PING")
    assert idle.no_reply_within(2.0) and not idle.closed_by_peer
    assert idle.call("PING") == Simple(b"PONG")
    for c in (slow, idle):
        c.close()


@pytest.mark.kvik_only
def test_inline_limit_configurable(server):
    srv = server("--proto-max-inline-len", "2kb")
    closed, replies = exchange(srv, b"ECHO " + b"a" * 3000 + b"\r\n")
    assert replies == [Error(PROTO + b"too big inline request")] and closed
    closed, replies = exchange(srv, b"*1\r\n$" + b"1" * 3000)
    assert replies == [Error(PROTO + b"too big bulk count string")] and closed
    assert exchange_open(srv, b"ECHO " + b"a" * 1500 + b"\r\n", 1) == [Bulk(b"a" * 1500)]


@pytest.mark.kvik_only
def test_limits_are_settings(hostile):
    with hostile.raw() as c:
        names = {}
        for pattern in ("proto-max-*", "client-query-buffer-limit", "client-output-buffer-limit",
                        "maxclients", "timeout", "client-idle-request-timeout"):
            reply = c.call("CONFIG", "GET", pattern)
            for i in range(0, len(reply), 2):
                names[bytes(reply[i])] = bytes(reply[i + 1])
    assert names[b"proto-max-bulk-len"] == b"536870912"
    assert names[b"proto-max-multibulk-len"] == b"1048576"
    assert names[b"proto-max-inline-len"] == b"65536"
    assert names[b"client-query-buffer-limit"] == str(QBUF_LIMIT).encode()
    assert names[b"maxclients"] == str(MAXCLIENTS).encode()
    assert names[b"client-idle-request-timeout"] == b"30"
    with hostile.raw() as c:
        assert c.call("CONFIG", "GET", "client-output-throttle") == [
            b"client-output-throttle", b"4194304"]


def _non_loopback_ipv4():
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True,
                             timeout=5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    for a in out:
        if "." in a and not a.startswith("127."):
            return a
    return None


PROTECTED_TEXT = (
    "-DENIED {0} is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to {0} you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to {0} from the "
    "same host the server is running, however MAKE SURE {0} is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the {0} configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    "to do one of the above things in order for the server to start accepting connections "
    "from the outside.\r\n")


def _read_all(sock, timeout=5):
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    return data


def test_protected_mode(server):
    ip = _non_loopback_ipv4()
    if ip is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    srv = server("--bind", ip, "127.0.0.1")
    name = "Redis" if IS_REDIS else "kvik"
    s = socket.create_connection((ip, srv.port), source_address=(ip, 0), timeout=5)
    assert _read_all(s) == PROTECTED_TEXT.format(name).encode()
    s.close()
    still_serves(srv)  # loopback clients are served
    # protected-mode off (CONFIG SET from loopback): served from outside too
    with srv.raw() as c:
        assert c.call("CONFIG", "SET", "protected-mode", "no") == Simple(b"OK")
    s = socket.create_connection((ip, srv.port), source_address=(ip, 0), timeout=5)
    s.sendall(b"PING\r\n")
    assert s.recv(100) == b"+PONG\r\n"
    s.close()
    # protected mode on with a password: outside clients may connect and AUTH
    with srv.raw() as c:
        assert c.call("CONFIG", "SET", "protected-mode", "yes") == Simple(b"OK")
        assert c.call("CONFIG", "SET", "requirepass", "pw") == Simple(b"OK")
    s = socket.create_connection((ip, srv.port), source_address=(ip, 0), timeout=5)
    s.sendall(b"PING\r\n")
    assert s.recv(100) == b"-NOAUTH Authentication required.\r\n"
    s.close()


@pytest.mark.kvik_only
def test_rename_command_refused(server, tmp_path):
    conf = tmp_path / "kvik.conf"
    conf.write_text("port 0\nrename-command FLUSHALL \"\"\n")
    srv = server(config_file=str(conf), start=False)
    srv.expect_failure = True
    proc = srv.spawn()
    assert proc.wait(10) == 1
    out = srv.output()
    assert "at line 2" in out
    assert "rename-command FLUSHALL" in out
    assert "rename-command is not supported" in out and "-@dangerous" in out


def test_memory_bounded_after_everything(hostile):
    # runs last in this module (pytest keeps file order): the server is up and
    # its memory is what a few idle connections cost
    still_serves(hostile)
    used, rss = memory(hostile)
    assert used < 64 * MB, used
    assert rss < 512 * MB, rss
