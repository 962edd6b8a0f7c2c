"""A client of kvik's native protocol for the tests, written from
proto/kvik.proto and docs/protocol.md.

The message classes are generated at import time with `protoc --python_out`
into a temporary directory (nothing generated is committed). Replies are turned
into the same Python classes as resp.py gives for RESP3, so a reply over the
native port can be compared with the same command's reply over RESP3:

    Value.simple -> Simple   Value.error -> Error     Value.integer -> Integer
    Value.bulk -> Bulk       Value.null -> NULL3      Value.double -> Double
    Value.boolean -> Boolean Value.verbatim -> Verbatim  Value.bignum -> BigNumber
    Value.array -> Array     Value.map -> Map         Value.set -> Set
    ServerMessage.push -> Push

Frames: a 4-byte big-endian header, top two bits the compression (0 none,
1 gzip, 2 lz4, 3 zstd), low 30 bits the payload length as sent.
"""

import atexit
import gzip
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import resp
from resp import (Array, BigNumber, Boolean, Bulk, Double, Error, Integer, Map, NULL3,
                  Push, Set, Simple, Verbatim)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PROTO = os.path.join(REPO, "proto", "kvik.proto")

_gen = tempfile.mkdtemp(prefix="kvik-pb-")
atexit.register(shutil.rmtree, _gen, True)
subprocess.run(["protoc", "--python_out=" + _gen, "-I" + os.path.dirname(PROTO), PROTO],
               check=True)
sys.path.insert(0, _gen)
import kvik_pb2 as pb  # noqa: E402

try:
    import lz4.frame as _lz4
except ImportError:  # scripts/deps.sh installs python3-lz4
    _lz4 = None
try:
    import zstandard as _zstd
except ImportError:  # scripts/deps.sh installs python3-zstandard
    _zstd = None

NONE, GZIP, LZ4, ZSTD = 0, 1, 2, 3
NAMES = {NONE: "none", GZIP: "gzip", LZ4: "lz4", ZSTD: "zstd"}
MAX_PAYLOAD = (1 << 30) - 1


class ConnectionClosed(Exception):
    pass


def compress(data, comp):
    if comp == NONE:
        return data
    if comp == GZIP:
        return gzip.compress(data, mtime=0)
    if comp == LZ4:
        return _lz4.compress(data, store_size=True)
    if comp == ZSTD:
        return _zstd.ZstdCompressor(write_content_size=True).compress(data)
    raise ValueError(comp)


def decompress(data, comp):
    if comp == NONE:
        return data
    if comp == GZIP:
        return gzip.decompress(data)
    if comp == LZ4:
        return _lz4.decompress(data)
    if comp == ZSTD:
        return _zstd.ZstdDecompressor().decompress(data)
    raise ValueError(comp)


def frame(payload, comp=NONE, raw=False):
    """A frame holding payload; compressed with comp unless raw (payload as is)."""
    body = payload if raw else compress(payload, comp)
    return struct.pack(">I", (comp << 30) | len(body)) + body


def parse_frame(buf, pos=0):
    """(compression, payload as sent, next pos) or None if incomplete."""
    if len(buf) - pos < 4:
        return None
    (h,) = struct.unpack_from(">I", buf, pos)
    n = h & MAX_PAYLOAD
    if len(buf) - pos - 4 < n:
        return None
    return h >> 30, bytes(buf[pos + 4:pos + 4 + n]), pos + 4 + n


def hello_msg(version=1, accept=(GZIP, LZ4, ZSTD), user="", password="", name=""):
    m = pb.ClientMessage()
    m.hello.version = version
    m.hello.accept.extend(accept)
    if user:
        m.hello.user = user
    if password:
        m.hello.password = password
    if name:
        m.hello.client_name = name
    return m.SerializeToString()


def request_msg(*args):
    m = pb.ClientMessage()
    m.request.argv.extend(a if isinstance(a, bytes) else str(a).encode() for a in args)
    return m.SerializeToString()


def to_py(v):
    """A Value as the RESP3 classes of resp.py."""
    k = v.WhichOneof("kind")
    if k == "simple":
        return Simple(v.simple.encode())
    if k == "error":
        return Error(v.error.encode())
    if k == "integer":
        return Integer(v.integer)
    if k == "bulk":
        return Bulk(v.bulk)
    if k == "null":
        return NULL3
    if k == "double":
        d = Double(v.double)
        d.raw = repr(v.double).encode()
        return d
    if k == "boolean":
        return Boolean(v.boolean)
    if k == "verbatim":
        x = Verbatim(v.verbatim.text)
        x.format = v.verbatim.format.encode()
        return x
    if k == "bignum":
        return BigNumber(int(v.bignum))
    if k == "array":
        return Array(to_py(x) for x in v.array.values)
    if k == "set":
        return Set(to_py(x) for x in v.set.values)
    if k == "map":
        assert len(v.map.keys) == len(v.map.values), v
        m = Map()
        pairs = []
        for kk, vv in zip(v.map.keys, v.map.values):
            key, val = to_py(kk), to_py(vv)
            pairs.append((key, val))
            m[resp._hashable(key)] = val
        m.pairs = tuple(pairs)
        return m
    raise AssertionError("Value without a kind: %r" % v)


def message_to_py(sm):
    k = sm.WhichOneof("msg")
    if k == "reply":
        return to_py(sm.reply)
    if k == "push":
        return Push(to_py(x) for x in sm.push.values)
    if k == "hello":
        return sm.hello
    raise AssertionError("ServerMessage without a member")


class NativeClient:
    """One connection to the native port. hello() must come first (connect()
    does it unless hello=False)."""

    def __init__(self, host, port, timeout=10.0, hello=True, send_comp=NONE,
                 compress_min=0, ssl_context=None, **hello_kw):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if ssl_context is not None:
            self.sock = ssl_context.wrap_socket(self.sock, server_hostname=host)
        self.timeout = timeout
        self.buf = bytearray()
        self.send_comp = send_comp
        self.compress_min = compress_min
        self.frames_seen = []   # compression of every frame received
        self.hello_reply = None
        if hello:
            self.hello_reply = self.hello(**hello_kw)
            assert not self.hello_reply.error, self.hello_reply.error

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # -- sending -------------------------------------------------------------
    def send_raw(self, data):
        self.sock.sendall(data)

    def frame_for(self, payload, comp=None):
        comp = self.send_comp if comp is None else comp
        if comp != NONE and len(payload) < self.compress_min:
            comp = NONE
        return frame(payload, comp)

    def hello(self, **kw):
        self.send_raw(frame(hello_msg(**kw)))
        return self.read_message()

    def send(self, *args, comp=None):
        self.send_raw(self.frame_for(request_msg(*args), comp))

    # -- receiving -----------------------------------------------------------
    def _fill(self, timeout=None):
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionClosed()
        self.buf += chunk

    def read_frame(self, timeout=None):
        """(compression, decompressed payload)."""
        while True:
            got = parse_frame(self.buf)
            if got:
                comp, body, end = got
                del self.buf[:end]
                self.frames_seen.append(comp)
                return comp, decompress(body, comp)
            self._fill(timeout)

    def read_message(self, timeout=None):
        comp, payload = self.read_frame(timeout)
        sm = pb.ServerMessage()
        sm.ParseFromString(payload)
        return message_to_py(sm)

    def read(self, timeout=None):
        return self.read_message(timeout)

    def call(self, *args, comp=None):
        self.send(*args, comp=comp)
        return self.read()

    def read_until_closed(self, timeout=5.0):
        """Every message until the server closes; raises on timeout."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            got = parse_frame(self.buf)
            if got:
                comp, body, end = got
                del self.buf[:end]
                sm = pb.ServerMessage()
                sm.ParseFromString(decompress(body, comp))
                out.append(message_to_py(sm))
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("server did not close the connection")
            try:
                self._fill(left)
            except (ConnectionClosed, ConnectionResetError):
                if self.buf:
                    raise AssertionError("trailing bytes: %r" % bytes(self.buf[:64]))
                return out
