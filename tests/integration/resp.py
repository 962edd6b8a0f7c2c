"""A small raw-socket RESP client for the integration tests.

redis-py hides the wire: it turns simple strings and bulk strings into the same
Python value, it does not speak RESP3 (4.3.4), and it refuses to send malformed
input. The tests about the protocol itself need to see the exact reply types, so
this module parses RESP2 and RESP3 replies into Python values whose class tells
the wire type:

    +OK            -> Simple(b"OK")
    -ERR x         -> Error(b"ERR x")            (returned, never raised)
    :12            -> Integer(12)
    $3 abc         -> Bulk(b"abc")
    $-1            -> Null("bulk")   (NULL_BULK)
    *-1            -> Null("array")  (NULL_ARRAY)
    _              -> Null("resp3")  (NULL3)
    *2 ...         -> Array([...])
    ~2 ...         -> Set([...])      (a list, so order and duplicates stay visible)
    %2 ...         -> Map({k: v})     (keys that are lists become tuples)
    ,1.5           -> Double(1.5)     (.raw keeps the text)
    (123...        -> BigNumber(int)
    #t / #f        -> Boolean(True/False)
    =15 txt:abc    -> Verbatim(b"abc") (.format == b"txt")
    !21 ...        -> BlobError(b"...")
    >3 ...         -> Push([...])
    |1 ... value   -> Attributed(value, attrs=Map)

The parser does no I/O (parse(buf, pos) -> (value, newpos) or raises
Incomplete), so it is also exercised offline by test_protocol.py.
"""

import socket
import time


class Incomplete(Exception):
    """The buffer does not yet hold a whole reply."""


class ProtocolViolation(Exception):
    """The server sent bytes that are not valid RESP."""


class ConnectionClosed(Exception):
    """The server closed the connection (EOF) before a whole reply arrived."""


class Simple(bytes):
    def __repr__(self):
        return "Simple(%s)" % bytes.__repr__(self)


class Error(bytes):
    @property
    def code(self):
        return bytes(self).split(b" ", 1)[0]

    @property
    def text(self):
        return bytes(self).decode("utf-8", "replace")

    def __repr__(self):
        return "Error(%s)" % bytes.__repr__(self)


class BlobError(Error):
    def __repr__(self):
        return "BlobError(%s)" % bytes.__repr__(self)


class Bulk(bytes):
    def __repr__(self):
        return "Bulk(%s)" % bytes.__repr__(self)


class Verbatim(bytes):
    format = b""

    def __repr__(self):
        return "Verbatim(%r, %s)" % (self.format, bytes.__repr__(self))


class Integer(int):
    def __repr__(self):
        return "Integer(%d)" % int(self)


class BigNumber(int):
    def __repr__(self):
        return "BigNumber(%d)" % int(self)


class Double(float):
    raw = b""

    def __repr__(self):
        return "Double(%r)" % (self.raw,)


class Boolean:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = bool(value)

    def __bool__(self):
        return self.value

    def __eq__(self, other):
        if isinstance(other, Boolean):
            return self.value == other.value
        if isinstance(other, bool):
            return self.value == other
        return NotImplemented

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):
        return "Boolean(%r)" % self.value


class Null:
    """A null reply. kind is 'bulk' ($-1), 'array' (*-1) or 'resp3' (_)."""

    __slots__ = ("kind",)

    def __init__(self, kind):
        self.kind = kind

    def __eq__(self, other):
        return isinstance(other, Null) and other.kind == self.kind

    def __hash__(self):
        return hash(("Null", self.kind))

    def __bool__(self):
        return False

    def __repr__(self):
        return "Null(%r)" % self.kind


NULL_BULK = Null("bulk")
NULL_ARRAY = Null("array")
NULL3 = Null("resp3")


class Array(list):
    def __repr__(self):
        return "Array(%s)" % list.__repr__(self)


class Set(list):
    def __repr__(self):
        return "Set(%s)" % list.__repr__(self)


class Push(list):
    def __repr__(self):
        return "Push(%s)" % list.__repr__(self)


class Map(dict):
    """A RESP3 map. Keys that are unhashable lists become tuples; .pairs keeps the
    wire order and the original values."""

    pairs = ()

    def __repr__(self):
        return "Map(%s)" % dict.__repr__(self)


class Attributed:
    """A reply preceded by a RESP3 attribute (|)."""

    def __init__(self, value, attrs):
        self.value = value
        self.attrs = attrs

    def __repr__(self):
        return "Attributed(%r, attrs=%r)" % (self.value, self.attrs)


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple((k, _hashable(x)) for k, x in v.items())
    return v


def _line(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete()
    return bytes(buf[pos:end]), end + 2


def _int(text, what):
    try:
        return int(text)
    except ValueError:
        raise ProtocolViolation("bad %s %r" % (what, text))


def _aggregate(buf, pos, count, cls):
    items = cls()
    for _ in range(count):
        v, pos = parse(buf, pos)
        items.append(v)
    return items, pos


def parse(buf, pos=0):
    """Parse one reply from buf[pos:]. Returns (value, new_pos) or raises
    Incomplete when more bytes are needed."""
    if pos >= len(buf):
        raise Incomplete()
    t = bytes(buf[pos:pos + 1])
    line, nxt = _line(buf, pos + 1)
    if t == b"+":
        return Simple(line), nxt
    if t == b"-":
        return Error(line), nxt
    if t == b":":
        return Integer(_int(line, "integer")), nxt
    if t == b"(":
        return BigNumber(_int(line, "big number")), nxt
    if t == b",":
        low = line.lower()
        if low in (b"inf", b"+inf"):
            val = float("inf")
        elif low == b"-inf":
            val = float("-inf")
        elif low == b"nan":
            val = float("nan")
        else:
            try:
                val = float(line)
            except ValueError:
                raise ProtocolViolation("bad double %r" % line)
        d = Double(val)
        d.raw = line
        return d, nxt
    if t == b"#":
        if line == b"t":
            return Boolean(True), nxt
        if line == b"f":
            return Boolean(False), nxt
        raise ProtocolViolation("bad boolean %r" % line)
    if t == b"_":
        if line != b"":
            raise ProtocolViolation("bad null %r" % line)
        return NULL3, nxt
    if t in (b"$", b"=", b"!"):
        n = _int(line, "bulk length")
        if n == -1 and t == b"$":
            return NULL_BULK, nxt
        if n < 0:
            raise ProtocolViolation("bad bulk length %r" % line)
        if len(buf) < nxt + n + 2:
            raise Incomplete()
        data = bytes(buf[nxt:nxt + n])
        if buf[nxt + n:nxt + n + 2] != b"\r\n":
            raise ProtocolViolation("bulk not terminated by CRLF")
        end = nxt + n + 2
        if t == b"$":
            return Bulk(data), end
        if t == b"!":
            return BlobError(data), end
        if len(data) < 4 or data[3:4] != b":":
            raise ProtocolViolation("bad verbatim string %r" % data)
        v = Verbatim(data[4:])
        v.format = data[:3]
        return v, end
    if t in (b"*", b"~", b">"):
        n = _int(line, "aggregate length")
        if n == -1 and t == b"*":
            return NULL_ARRAY, nxt
        if n < 0:
            raise ProtocolViolation("bad aggregate length %r" % line)
        cls = {b"*": Array, b"~": Set, b">": Push}[t]
        return _aggregate(buf, nxt, n, cls)
    if t in (b"%", b"|"):
        n = _int(line, "map length")
        if n < 0:
            raise ProtocolViolation("bad map length %r" % line)
        m = Map()
        pairs = []
        pos = nxt
        for _ in range(n):
            k, pos = parse(buf, pos)
            v, pos = parse(buf, pos)
            pairs.append((k, v))
            m[_hashable(k)] = v
        m.pairs = pairs
        if t == b"%":
            return m, pos
        value, pos = parse(buf, pos)
        return Attributed(value, m), pos
    raise ProtocolViolation("unknown reply type byte %r" % t)


def parse_all(data):
    """Parse a complete byte string holding zero or more replies."""
    out = []
    pos = 0
    while pos < len(data):
        v, pos = parse(data, pos)
        out.append(v)
    return out


def _arg(a):
    if isinstance(a, bytes):
        return a
    if isinstance(a, (bytearray, memoryview)):
        return bytes(a)
    if isinstance(a, str):
        return a.encode("utf-8")
    if isinstance(a, bool):
        raise TypeError("refusing to encode a bool")
    if isinstance(a, int):
        return str(int(a)).encode()
    if isinstance(a, float):
        return repr(float(a)).encode()
    raise TypeError("cannot encode %r" % (a,))


def encode(*args):
    """Encode one command as a RESP multibulk."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = _arg(a)
        parts.append(b"$%d\r\n" % len(b))
        parts.append(b)
        parts.append(b"\r\n")
    return b"".join(parts)


class RawClient:
    """One TCP connection; send commands or raw bytes, read typed replies."""

    def __init__(self, host="127.0.0.1", port=6379, timeout=10.0):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0
        self.closed_by_peer = False

    # -- sending -------------------------------------------------------------
    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, *args):
        self.sock.sendall(encode(*args))

    def send_many(self, commands):
        """Send many commands (each a tuple of args) in one write."""
        self.sock.sendall(b"".join(encode(*c) for c in commands))

    # -- receiving -----------------------------------------------------------
    def _fill(self, timeout=None):
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            chunk = self.sock.recv(1 << 20)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.closed_by_peer = True
            raise ConnectionClosed("connection closed by server")
        if self.pos and self.pos > (1 << 20):
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += chunk

    def read(self, timeout=None):
        """Read one whole reply (errors are returned as Error values)."""
        while True:
            try:
                value, newpos = parse(self.buf, self.pos)
            except Incomplete:
                self._fill(timeout)
                continue
            self.pos = newpos
            if self.pos == len(self.buf):
                self.buf = bytearray()
                self.pos = 0
            return value

    def read_many(self, n, timeout=None):
        return [self.read(timeout) for _ in range(n)]

    def call(self, *args):
        self.send(*args)
        return self.read()

    def pending(self):
        """Bytes received but not yet parsed."""
        return bytes(self.buf[self.pos:])

    def read_until_closed(self, timeout=5.0):
        """Read until the server closes the connection or timeout passes.
        Returns (closed, replies) where replies are those parsed from all the
        bytes received."""
        deadline = time.monotonic() + timeout
        closed = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                self._fill(left)
            except ConnectionClosed:
                closed = True
                break
            except socket.timeout:
                break
            except OSError:
                closed = True
                break
        replies = []
        pos = self.pos
        while True:
            try:
                v, pos = parse(self.buf, pos)
            except (Incomplete, ProtocolViolation):
                break
            replies.append(v)
        self.pos = pos
        return closed, replies

    def no_reply_within(self, seconds):
        """True when nothing arrives within `seconds` (connection stays open)."""
        if self.pos < len(self.buf):
            return False
        self.sock.settimeout(seconds)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return True
        finally:
            self.sock.settimeout(self.timeout)
        if not chunk:
            self.closed_by_peer = True
            return False
        self.buf += chunk
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
