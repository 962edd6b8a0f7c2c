"""Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, their
errors, BYTE/BIT ranges, BITFIELD overflow modes, and a randomized comparison with a
Python model of the bitmap semantics."""

import random

import pytest
from redis import ResponseError

from util import cmd, err

NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
BAD_OFFSET = "ERR bit offset is not an integer or out of range"
BAD_BIT = "ERR bit is not an integer or out of range"
BAD_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is "
            "not supported but i64 is.")
BAD_OVERFLOW = "ERR Invalid OVERFLOW type specified"
RO_ONLY_GET = "ERR BITFIELD_RO only supports the GET subcommand"
NOT_ONE_KEY = "ERR BITOP NOT must be called with a single source key."
BAD_BITPOS = "ERR The bit argument must be 1 or 0."


def make_list(r, key):
    try:
        r.execute_command("RPUSH", key, "a")
    except ResponseError as e:
        if "unknown command" in str(e):
            pytest.skip("server has no list type yet")
        raise


# ------------------------------------------------------------------ model

def get_bit(data, i):
    return (data[i >> 3] >> (7 - (i & 7))) & 1 if (i >> 3) < len(data) else 0


def clip(start, end, total):
    if start < 0:
        start += total
    if end < 0:
        end += total
    start = max(start, 0)
    end = max(end, 0)
    end = min(end, total - 1)
    return start, end


def to_bits(start, end, isbit):
    return (start, end) if isbit else (start * 8, end * 8 + 7)


def m_bitcount(data, start=None, end=None, unit=None):
    if data is None:
        return 0
    if start is None:
        start, end, isbit = 0, len(data) - 1, False
    else:
        if start < 0 and end < 0 and start > end:
            return 0
        isbit = unit == "BIT"
        start, end = clip(start, end, len(data) * (8 if isbit else 1))
    if start > end:
        return 0
    sb, eb = to_bits(start, end, isbit)
    return sum(get_bit(data, i) for i in range(sb, eb + 1))


def m_bitpos(data, bit, start=None, end=None, unit=None):
    if data is None:
        return -1 if bit else 0
    isbit = unit == "BIT"
    total = len(data) * (8 if isbit else 1)
    if start is None:
        start = 0
    end_given = end is not None
    if not end_given:
        end = total - 1
    start, end = clip(start, end, total)
    if start > end:
        return -1
    sb, eb = to_bits(start, end, isbit)
    for i in range(sb, eb + 1):
        if get_bit(data, i) == bit:
            return i
    return eb + 1 if bit == 0 and not end_given else -1


def m_bitop(op, srcs):
    n = max((len(s) for s in srcs), default=0)
    pad = [bytes(s) + b"\0" * (n - len(s)) for s in srcs]
    out = bytearray(pad[0])
    for s in pad[1:]:
        for i in range(n):
            if op == "AND":
                out[i] &= s[i]
            elif op == "OR":
                out[i] |= s[i]
            else:
                out[i] ^= s[i]
    if op == "NOT":
        out = bytearray(~b & 0xFF for b in out)
    return out


def bf_get(data, off, bits, signed):
    v = 0
    for i in range(bits):
        v = (v << 1) | get_bit(data, off + i)
    if signed and v >> (bits - 1):
        v -= 1 << bits
    return v


def bf_set(data, off, bits, v):
    v &= (1 << bits) - 1
    for i in range(bits):
        pos = off + i
        m = 0x80 >> (pos & 7)
        if (v >> (bits - 1 - i)) & 1:
            data[pos >> 3] |= m
        else:
            data[pos >> 3] &= ~m & 0xFF


def bf_limit(s, bits, signed, ow, is_set):
    """(ok, value) for storing s (exact integer) with overflow mode ow."""
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if lo <= s <= hi:
        return True, s
    if ow == "FAIL":
        return False, None
    if ow == "WRAP":
        return True, (s - lo) % (1 << bits) + lo
    # SAT: an unsigned SET of a negative value saturates up, as in Redis
    up = s > hi or (is_set and not signed)
    return True, hi if up else lo


def m_bitfield(store, key, ops, readonly=False):
    """ops: list of tuples ('GET', t, off) / ('SET'|'INCRBY', t, off, v) /
    ('OVERFLOW', mode). Offsets are plain integers. Mutates store."""
    data = store.get(key)
    writes = [o for o in ops if o[0] in ("SET", "INCRBY")]
    if writes:
        hi = max(o[2] + int(o[1][1:]) - 1 for o in writes)
        data = store.setdefault(key, bytearray())
        need = (hi >> 3) + 1
        if len(data) < need:
            data.extend(b"\0" * (need - len(data)))
    data = data if data is not None else bytearray()
    ow, out = "WRAP", []
    for o in ops:
        if o[0] == "OVERFLOW":
            ow = o[1]
            continue
        signed, bits, off = o[1][0] == "i", int(o[1][1:]), o[2]
        old = bf_get(data, off, bits, signed)
        if o[0] == "GET":
            out.append(old)
            continue
        s = old + o[3] if o[0] == "INCRBY" else o[3]
        ok, nv = bf_limit(s, bits, signed, ow, o[0] == "SET")
        if not ok:
            out.append(None)
            continue
        bf_set(data, off, bits, nv)
        out.append(nv if o[0] == "INCRBY" else old)
    return out


def flat(ops):
    return [str(x) for o in ops for x in o]


# ------------------------------------------------------------------ SETBIT GETBIT

class TestSetGetBit:
    def test_basic(self, r):
        assert cmd(r, "SETBIT", "k", "7", "1") == 0
        assert r.get("k") == b"\x01"
        assert cmd(r, "SETBIT", "k", "7", "1") == 1
        assert cmd(r, "SETBIT", "k", "0", "1") == 0
        assert r.get("k") == b"\x81"
        assert cmd(r, "SETBIT", "k", "0", "0") == 1
        assert r.get("k") == b"\x01"
        assert cmd(r, "GETBIT", "k", "7") == 1
        assert cmd(r, "GETBIT", "k", "6") == 0
        assert cmd(r, "GETBIT", "k", "100") == 0
        assert cmd(r, "GETBIT", "missing", "0") == 0
        assert cmd(r, "GETBIT", "missing", "4294967295") == 0
        assert r.exists("missing") == 0

    def test_grows_with_zeros(self, r):
        assert cmd(r, "SETBIT", "k", "23", "0") == 0
        assert r.get("k") == b"\0\0\0"
        r.set("s", "a")
        assert cmd(r, "SETBIT", "s", "17", "1") == 0
        assert r.get("s") == b"a\0\x40"

    def test_on_integer_and_embedded_values(self, r):
        r.set("n", "12")  # 0x31 0x32
        assert cmd(r, "GETBIT", "n", "2") == 1
        assert cmd(r, "GETBIT", "n", "15") == 0
        assert cmd(r, "SETBIT", "n", "15", "1") == 0
        assert r.get("n") == b"13"
        assert r.incr("n") == 14
        assert cmd(r, "SETBIT", "n", "8", "1") == 0
        assert r.get("n") == b"1\xb4"

    def test_errors(self, r):
        for off in ("-1", "x", "1.5", "4294967296", "#1", "", "99999999999999999999"):
            assert err(r, "SETBIT", "k", off, "1") == BAD_OFFSET
            assert err(r, "GETBIT", "k", off) == BAD_OFFSET
        for val in ("2", "-1", "x", "", "01"):
            assert err(r, "SETBIT", "k", "1", val) == BAD_BIT
        assert err(r, "SETBIT", "k", "x", "2") == BAD_OFFSET  # offset checked first
        assert r.exists("k") == 0
        assert err(r, "SETBIT", "k", "1") == \
            "ERR wrong number of arguments for 'setbit' command"
        assert err(r, "GETBIT", "k") == "ERR wrong number of arguments for 'getbit' command"

    def test_wrongtype(self, r):
        make_list(r, "l")
        assert err(r, "SETBIT", "l", "1", "1") == WRONGTYPE
        assert err(r, "GETBIT", "l", "1") == WRONGTYPE
        # argument errors come before the type check
        assert err(r, "SETBIT", "l", "x", "1") == BAD_OFFSET
        assert err(r, "SETBIT", "l", "1", "x") == BAD_BIT
        assert err(r, "GETBIT", "l", "x") == BAD_OFFSET

    def test_offset_limit_follows_proto_max_bulk_len(self, r):
        r.config_set("proto-max-bulk-len", "1048576")
        try:
            assert err(r, "SETBIT", "k", str(8 * 1048576), "1") == BAD_OFFSET
            assert err(r, "GETBIT", "k", str(8 * 1048576)) == BAD_OFFSET
            assert err(r, "BITFIELD", "k", "GET", "u8", "#1048576") == BAD_OFFSET
            assert cmd(r, "SETBIT", "k", str(8 * 1048576 - 1), "1") == 0
            assert r.strlen("k") == 1048576
            assert cmd(r, "GETBIT", "k", str(8 * 1048576 - 1)) == 1
            assert cmd(r, "BITCOUNT", "k") == 1
            assert cmd(r, "BITPOS", "k", "1") == 8 * 1048576 - 1
        finally:
            r.config_set("proto-max-bulk-len", "536870912")
        assert cmd(r, "GETBIT", "k", "4294967295") == 0
        assert err(r, "GETBIT", "k", "4294967296") == BAD_OFFSET

    def test_setbit_drops_nothing_of_ttl(self, r):
        r.set("k", "\xff", ex=100)
        cmd(r, "SETBIT", "k", "100", "1")
        assert 0 < r.ttl("k") <= 100


# ------------------------------------------------------------------ BITCOUNT

class TestBitcount:
    def test_docs_examples(self, r):
        r.set("k", "foobar")
        assert cmd(r, "BITCOUNT", "k") == 26
        assert cmd(r, "BITCOUNT", "k", "0", "0") == 4
        assert cmd(r, "BITCOUNT", "k", "1", "1") == 6
        assert cmd(r, "BITCOUNT", "k", "1", "1", "BYTE") == 6
        assert cmd(r, "BITCOUNT", "k", "5", "30", "BIT") == 17
        assert cmd(r, "BITCOUNT", "k", "0", "-1", "bit") == 26
        assert cmd(r, "BITCOUNT", "k", "0", "-1", "byte") == 26

    def test_ranges(self, r):
        r.set("k", b"\xff\x0f\xf0")
        assert cmd(r, "BITCOUNT", "k", "-1", "-1") == 4
        assert cmd(r, "BITCOUNT", "k", "-2", "-1") == 8
        assert cmd(r, "BITCOUNT", "k", "-100", "100") == 16
        assert cmd(r, "BITCOUNT", "k", "2", "1") == 0
        assert cmd(r, "BITCOUNT", "k", "3", "10") == 0
        assert cmd(r, "BITCOUNT", "k", "-1", "-2") == 0
        assert cmd(r, "BITCOUNT", "k", "-1", "-2", "nonsense") == 0  # checked first
        assert cmd(r, "BITCOUNT", "k", "4", "11", "BIT") == 4
        assert cmd(r, "BITCOUNT", "k", "-5", "-1", "BIT") == 1
        assert cmd(r, "BITCOUNT", "k", "-24", "-17", "BIT") == 8
        assert cmd(r, "BITCOUNT", "k", "6", "6", "BIT") == 1
        assert cmd(r, "BITCOUNT", "k", "12", "19", "BIT") == 8
        assert cmd(r, "BITCOUNT", "k", "24", "30", "BIT") == 0

    def test_long_string(self, r):
        data = bytes(random.Random(7).getrandbits(8) for _ in range(1000))
        r.set("k", data)
        assert cmd(r, "BITCOUNT", "k") == sum(bin(b).count("1") for b in data)
        assert cmd(r, "BITCOUNT", "k", "3", "997", "BIT") == m_bitcount(data, 3, 997, "BIT")
        assert cmd(r, "BITCOUNT", "k", "3", "-4") == m_bitcount(data, 3, -4)

    def test_missing_and_empty(self, r):
        assert cmd(r, "BITCOUNT", "missing") == 0
        # a missing key answers before its range is even parsed
        assert cmd(r, "BITCOUNT", "missing", "a", "b") == 0
        assert cmd(r, "BITCOUNT", "missing", "1") == 0
        r.set("e", "")
        assert cmd(r, "BITCOUNT", "e") == 0
        assert cmd(r, "BITCOUNT", "e", "0", "-1", "BIT") == 0

    def test_errors(self, r):
        r.set("k", "foobar")
        assert err(r, "BITCOUNT", "k", "1") == SYNTAX
        assert err(r, "BITCOUNT", "k", "a", "1") == NOT_INT
        assert err(r, "BITCOUNT", "k", "1", "a") == NOT_INT
        assert err(r, "BITCOUNT", "k", "0", "a", "foo") == NOT_INT
        assert err(r, "BITCOUNT", "k", "1", "2", "foo") == SYNTAX
        assert err(r, "BITCOUNT", "k", "1", "2", "BIT", "x") == SYNTAX
        assert err(r, "BITCOUNT") == "ERR wrong number of arguments for 'bitcount' command"
        make_list(r, "l")
        assert err(r, "BITCOUNT", "l") == WRONGTYPE
        assert err(r, "BITCOUNT", "l", "a", "b") == WRONGTYPE


# ------------------------------------------------------------------ BITPOS

class TestBitpos:
    def test_docs_examples(self, r):
        r.set("k", b"\xff\xf0\x00")
        assert cmd(r, "BITPOS", "k", "0") == 12
        r.set("k", b"\x00\xff\xf0")
        assert cmd(r, "BITPOS", "k", "1", "0") == 8
        assert cmd(r, "BITPOS", "k", "1", "2") == 16
        assert cmd(r, "BITPOS", "k", "1", "2", "-1", "BYTE") == 16
        assert cmd(r, "BITPOS", "k", "1", "7", "15", "BIT") == 8
        assert cmd(r, "BITPOS", "k", "1", "7", "-3", "BIT") == 8
        r.set("k", b"\x00\x00\x00")
        assert cmd(r, "BITPOS", "k", "1") == -1

    def test_clear_bit_past_the_end(self, r):
        r.set("k", b"\xff\xff\xff")
        assert cmd(r, "BITPOS", "k", "0") == 24
        assert cmd(r, "BITPOS", "k", "0", "1") == 24
        assert cmd(r, "BITPOS", "k", "0", "1", "-1") == -1   # explicit end
        assert cmd(r, "BITPOS", "k", "0", "1", "20", "BIT") == -1
        assert cmd(r, "BITPOS", "k", "1", "1") == 8
        assert cmd(r, "BITPOS", "k", "0", "5") == -1          # empty range

    def test_bit_ranges(self, r):
        r.set("k", b"\x80\x01")
        assert cmd(r, "BITPOS", "k", "1", "1", "-1", "BIT") == 15
        assert cmd(r, "BITPOS", "k", "1", "1", "14", "BIT") == -1
        assert cmd(r, "BITPOS", "k", "0", "0", "0", "BIT") == -1
        assert cmd(r, "BITPOS", "k", "0", "0", "1", "BIT") == 1
        assert cmd(r, "BITPOS", "k", "1", "-1", "-1", "BIT") == 15
        assert cmd(r, "BITPOS", "k", "1", "-16", "-16", "BIT") == 0
        assert cmd(r, "BITPOS", "k", "1", "-100", "-1", "BYTE") == 0
        assert cmd(r, "BITPOS", "k", "1", "-1") == 15

    def test_long_runs(self, r):
        data = b"\0" * 1000 + b"\x04" + b"\0" * 100
        r.set("k", data)
        assert cmd(r, "BITPOS", "k", "1") == 8005
        assert cmd(r, "BITPOS", "k", "1", "3", "999") == -1
        assert cmd(r, "BITPOS", "k", "1", "17", "8005", "BIT") == 8005
        r.set("k", b"\xff" * 1001 + b"\xfe")
        assert cmd(r, "BITPOS", "k", "0") == 8015
        assert cmd(r, "BITPOS", "k", "0", "0", "-2") == -1

    def test_missing_and_empty(self, r):
        assert cmd(r, "BITPOS", "missing", "0") == 0
        assert cmd(r, "BITPOS", "missing", "1") == -1
        assert cmd(r, "BITPOS", "missing", "0", "a") == 0  # range not parsed
        r.set("e", "")
        assert cmd(r, "BITPOS", "e", "0") == -1
        assert cmd(r, "BITPOS", "e", "1") == -1

    def test_errors(self, r):
        r.set("k", "foobar")
        assert err(r, "BITPOS", "k", "2") == BAD_BITPOS
        assert err(r, "BITPOS", "missing", "2") == BAD_BITPOS
        assert err(r, "BITPOS", "k", "x") == NOT_INT
        assert err(r, "BITPOS", "k", "1", "x") == NOT_INT
        assert err(r, "BITPOS", "k", "1", "0", "x") == NOT_INT
        assert err(r, "BITPOS", "k", "1", "0", "x", "foo") == SYNTAX  # unit before end
        assert err(r, "BITPOS", "k", "1", "x", "1", "foo") == NOT_INT
        assert err(r, "BITPOS", "k", "1", "0", "1", "foo") == SYNTAX
        assert err(r, "BITPOS", "k", "1", "0", "1", "BIT", "x") == SYNTAX
        assert err(r, "BITPOS", "k") == "ERR wrong number of arguments for 'bitpos' command"
        make_list(r, "l")
        assert err(r, "BITPOS", "l", "1") == WRONGTYPE
        assert err(r, "BITPOS", "l", "1", "x") == WRONGTYPE
        assert err(r, "BITPOS", "l", "2") == BAD_BITPOS


# ------------------------------------------------------------------ BITOP

class TestBitop:
    def test_ops_different_lengths(self, r):
        r.set("a", b"\xff\x0f\x55")
        r.set("b", b"\xf0")
        assert cmd(r, "BITOP", "AND", "d", "a", "b") == 3
        assert r.get("d") == b"\xf0\0\0"
        assert cmd(r, "BITOP", "or", "d", "a", "b") == 3
        assert r.get("d") == b"\xff\x0f\x55"
        assert cmd(r, "BITOP", "Xor", "d", "a", "b") == 3
        assert r.get("d") == b"\x0f\x0f\x55"
        assert cmd(r, "BITOP", "NOT", "d", "a") == 3
        assert r.get("d") == b"\x00\xf0\xaa"

    def test_missing_keys_are_zeros(self, r):
        r.set("a", b"\xff\xff")
        assert cmd(r, "BITOP", "AND", "d", "a", "missing") == 2
        assert r.get("d") == b"\0\0"
        assert cmd(r, "BITOP", "OR", "d", "missing", "a") == 2
        assert r.get("d") == b"\xff\xff"
        assert cmd(r, "BITOP", "NOT", "d", "missing") == 0
        assert r.exists("d") == 0  # an empty result deletes the destination
        r.set("d", "x")
        assert cmd(r, "BITOP", "OR", "d", "m1", "m2") == 0
        assert r.exists("d") == 0
        r.set("e", "")
        r.set("d", "x")
        assert cmd(r, "BITOP", "XOR", "d", "e", "e") == 0
        assert r.exists("d") == 0

    def test_long_values_and_dest_is_source(self, r):
        rnd = random.Random(3)
        a = bytes(rnd.getrandbits(8) for _ in range(1003))
        b = bytes(rnd.getrandbits(8) for _ in range(517))
        r.set("a", a)
        r.set("b", b)
        for op in ("AND", "OR", "XOR"):
            assert cmd(r, "BITOP", op, "d", "a", "b", "a") == 1003
            assert r.get("d") == bytes(m_bitop(op, [a, b, a]))
        assert cmd(r, "BITOP", "NOT", "a", "a") == 1003
        assert r.get("a") == bytes(m_bitop("NOT", [a]))
        assert cmd(r, "BITOP", "XOR", "b", "b", "b") == 517
        assert r.get("b") == b"\0" * 517

    def test_replaces_destination_and_ttl(self, r):
        r.set("a", "12")
        make_list(r, "d")
        r.expire("d", 100)
        assert cmd(r, "BITOP", "OR", "d", "a") == 2
        assert r.type("d") == b"string"
        assert r.get("d") == b"12"
        assert r.ttl("d") == -1
        assert cmd(r, "OBJECT", "ENCODING", "d") == b"raw"

    def test_errors(self, r):
        assert err(r, "BITOP", "AND", "d") == \
            "ERR wrong number of arguments for 'bitop' command"
        assert err(r, "BITOP", "NAND", "d", "a") == SYNTAX
        assert err(r, "BITOP", "NOT", "d", "a", "b") == NOT_ONE_KEY
        make_list(r, "l")
        assert err(r, "BITOP", "FOO", "d", "l") == SYNTAX
        assert err(r, "BITOP", "NOT", "d", "l") == WRONGTYPE
        assert err(r, "BITOP", "AND", "d", "missing", "l") == WRONGTYPE
        r.set("d", "keep")
        assert err(r, "BITOP", "OR", "d", "d", "l") == WRONGTYPE
        assert r.get("d") == b"keep"

    def test_many_sources_with_integer_values(self, r):
        vals = [str(v).encode() for v in (1, 22, 333, 4444, 55555, -6, 7777777, 0)]
        for i, v in enumerate(vals):
            r.set("s%d" % i, v)
        names = ["s%d" % i for i in range(len(vals))] + ["missing"]
        for op in ("AND", "OR", "XOR"):
            assert cmd(r, "BITOP", op, "d", *names) == 7
            assert r.get("d") == bytes(m_bitop(op, vals + [b""]))

    def test_getkeys(self, r):
        assert cmd(r, "COMMAND", "GETKEYS", "BITOP", "AND", "d", "a", "b") == [b"d", b"a", b"b"]


# ------------------------------------------------------------------ BITFIELD

class TestBitfield:
    def test_get_set_incrby(self, r):
        assert cmd(r, "BITFIELD", "k", "SET", "i8", "0", "100", "GET", "i8", "0") == [0, 100]
        assert cmd(r, "BITFIELD", "k", "INCRBY", "i8", "0", "10", "GET", "u4", "0") == [110, 6]
        assert r.get("k") == b"\x6e"
        assert cmd(r, "BITFIELD", "k", "set", "u4", "#1", "15", "get", "u8", "0") == [14, 0x6f]
        assert cmd(r, "BITFIELD", "k", "SET", "u2", "#3", "2") == [3]
        assert cmd(r, "BITFIELD", "k", "SET", "u2", "#5", "3") == [0]
        assert r.get("k") == b"\x6e\x30"
        assert cmd(r, "BITFIELD", "k", "GET", "i64", "0", "GET", "u63", "1") == \
            [0x6e30 << 48, 0x6e30 << 48]

    def test_unaligned_wide_fields(self, r):
        vals = [(1 << 62) + 12345, -(1 << 63), (1 << 63) - 1, -1]
        for i, v in enumerate(vals):
            cmd(r, "BITFIELD", "k", "SET", "i64", str(3 + 67 * i), str(v))
        got = cmd(r, "BITFIELD", "k", *flat(("GET", "i64", 3 + 67 * i) for i in range(4)))
        assert got == vals
        assert r.strlen("k") == (3 + 67 * 3 + 63) // 8 + 1
        assert cmd(r, "BITFIELD", "k", "GET", "u63", "4") == [(1 << 62) + 12345]
        assert cmd(r, "BITFIELD", "k", "GET", "i64", "1000") == [0]

    def test_missing_key(self, r):
        assert cmd(r, "BITFIELD", "k") == []
        assert cmd(r, "BITFIELD", "k", "GET", "u8", "0", "GET", "i5", "#9") == [0, 0]
        assert cmd(r, "BITFIELD", "k", "OVERFLOW", "SAT") == []
        assert r.exists("k") == 0
        # a write op creates the key even when it fails
        assert cmd(r, "BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "16", "256") == [None]
        assert r.get("k") == b"\0\0\0"

    def test_unsigned_overflow(self, r):
        def run(mode, *ops):
            return cmd(r, "BITFIELD", "k", "OVERFLOW", mode, *ops)
        r.set("k", b"\xfa")  # u8 250
        assert run("WRAP", "INCRBY", "u8", "0", "10") == [4]
        assert run("WRAP", "INCRBY", "u8", "0", "-5") == [255]
        assert run("SAT", "INCRBY", "u8", "0", "10") == [255]
        assert run("SAT", "INCRBY", "u8", "0", "-300") == [0]
        assert run("FAIL", "INCRBY", "u8", "0", "-1") == [None]
        assert run("FAIL", "INCRBY", "u8", "0", "255", "GET", "u8", "0") == [255, 255]
        assert run("FAIL", "INCRBY", "u8", "0", "1") == [None]
        assert run("WRAP", "SET", "u8", "0", "257", "GET", "u8", "0") == [255, 1]
        assert run("WRAP", "SET", "u8", "0", "-1", "GET", "u8", "0") == [1, 255]
        assert run("SAT", "SET", "u8", "0", "-1", "GET", "u8", "0") == [255, 255]  # up
        assert run("SAT", "SET", "u8", "0", "1000", "GET", "u8", "0") == [255, 255]
        assert run("FAIL", "SET", "u8", "0", "256", "GET", "u8", "0") == [None, 255]
        assert run("SAT", "SET", "u1", "0", "5", "INCRBY", "u1", "0", "1") == [1, 1]
        r.delete("k")
        assert run("WRAP", "SET", "u63", "0", "-1") == [0]
        assert cmd(r, "BITFIELD", "k", "GET", "u63", "0") == [(1 << 63) - 1]
        assert run("SAT", "INCRBY", "u63", "0", "1") == [(1 << 63) - 1]
        assert run("WRAP", "INCRBY", "u63", "0", "1") == [0]
        assert run("WRAP", "INCRBY", "u63", "0", "-9223372036854775808") == [0]
        assert run("SAT", "INCRBY", "u63", "0", "-1") == [0]

    def test_signed_overflow(self, r):
        def run(mode, *ops):
            return cmd(r, "BITFIELD", "k", "OVERFLOW", mode, *ops)
        assert run("WRAP", "SET", "i8", "0", "127", "INCRBY", "i8", "0", "1") == [0, -128]
        assert run("WRAP", "INCRBY", "i8", "0", "-1") == [127]
        assert run("SAT", "INCRBY", "i8", "0", "1000") == [127]
        assert run("SAT", "INCRBY", "i8", "0", "-1000") == [-128]
        assert run("FAIL", "INCRBY", "i8", "0", "-1", "GET", "i8", "0") == [None, -128]
        assert run("WRAP", "SET", "i8", "0", "200", "GET", "i8", "0") == [-128, -56]
        assert run("SAT", "SET", "i8", "0", "200", "GET", "i8", "0") == [-56, 127]
        assert run("SAT", "SET", "i8", "0", "-200", "GET", "i8", "0") == [127, -128]
        assert run("WRAP", "SET", "i8", "0", "-1000", "GET", "i8", "0") == [-128, 24]
        assert run("FAIL", "SET", "i8", "0", "128", "SET", "i8", "0", "-128") == [None, 24]
        assert run("SAT", "SET", "i1", "0", "1", "GET", "i1", "0") == [-1, 0]
        assert run("WRAP", "SET", "i1", "0", "1", "GET", "i1", "0") == [0, -1]
        # Redis's limit arithmetic saturates a SET of a value near INT64_MIN upwards
        r.delete("k")
        assert run("SAT", "SET", "i8", "0", "-9223372036854775808",
                   "SET", "i8", "8", "-9223372036854775680",
                   "SET", "i8", "16", "-9223372036854775681") == [0, 0, 0]
        assert cmd(r, "BITFIELD", "k", "GET", "i8", "0", "GET", "i8", "8",
                   "GET", "i8", "16") == [127, -128, 127]

    def test_i64_overflow(self, r):
        mx, mn = (1 << 63) - 1, -(1 << 63)
        assert cmd(r, "BITFIELD", "k", "SET", "i64", "0", str(mx)) == [0]
        assert cmd(r, "BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "1",
                   "OVERFLOW", "SAT", "INCRBY", "i64", "0", "1",
                   "OVERFLOW", "WRAP", "INCRBY", "i64", "0", "1") == [None, mx, mn]
        assert cmd(r, "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1",
                   "SET", "i64", "0", str(mn), "INCRBY", "i64", "0", str(mx),
                   "INCRBY", "i64", "0", str(mn)) == [mn, mn, -1, mn]
        assert cmd(r, "BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "i64", "0", "-1") == [mx]

    def test_overflow_applies_to_later_ops_only(self, r):
        assert cmd(r, "BITFIELD", "k", "INCRBY", "u2", "0", "5", "OVERFLOW", "SAT",
                   "INCRBY", "u2", "2", "5", "OVERFLOW", "FAIL", "INCRBY", "u2", "4", "5",
                   "INCRBY", "u2", "6", "2") == [1, 3, None, 2]
        assert r.get("k") == b"\x72"

    def test_offsets(self, r):
        assert cmd(r, "BITFIELD", "k", "SET", "u8", "#2", "255", "SET", "u3", "#1", "7") == [0, 0]
        assert r.get("k") == b"\x1c\x00\xff"
        assert cmd(r, "BITFIELD", "k", "GET", "u8", "#536870911") == [0]
        assert cmd(r, "BITFIELD", "k", "GET", "i16", "#268435455") == [0]
        for off in ("-1", "#-1", "#", "#x", "##1", "x", "4294967296", "#536870912"):
            assert err(r, "BITFIELD", "k", "GET", "i8", off) == BAD_OFFSET
        assert err(r, "BITFIELD", "k", "GET", "i16", "#268435456") == BAD_OFFSET
        assert err(r, "BITFIELD", "k", "SET", "u8", "#9223372036854775807", "1") == BAD_OFFSET

    def test_errors(self, r):
        for t in ("I8", "U8", "i0", "u0", "u64", "i65", "x8", "i", "8", "i-1", "i08", ""):
            assert err(r, "BITFIELD", "k", "GET", t, "0") == BAD_TYPE
        assert err(r, "BITFIELD", "k", "GET", "u8") == SYNTAX
        assert err(r, "BITFIELD", "k", "GET") == SYNTAX
        assert err(r, "BITFIELD", "k", "SET", "u8", "0") == SYNTAX
        assert err(r, "BITFIELD", "k", "INCRBY", "u8", "0") == SYNTAX
        assert err(r, "BITFIELD", "k", "SET", "u8", "0", "x") == NOT_INT
        assert err(r, "BITFIELD", "k", "INCRBY", "u8", "0", "1.5") == NOT_INT
        assert err(r, "BITFIELD", "k", "OVERFLOW") == SYNTAX
        assert err(r, "BITFIELD", "k", "OVERFLOW", "foo") == BAD_OVERFLOW
        assert err(r, "BITFIELD", "k", "OVERFLOW", "foo", "GET", "u8", "0") == BAD_OVERFLOW
        assert err(r, "BITFIELD", "k", "GET", "x", "0", "OVERFLOW", "foo") == BAD_TYPE
        assert err(r, "BITFIELD", "k", "foo") == SYNTAX
        assert err(r, "BITFIELD", "k", "GET", "u8", "0", "foo") == SYNTAX
        # nothing runs when a later op is bad
        assert err(r, "BITFIELD", "k", "SET", "u8", "0", "1", "GET", "x", "0") == BAD_TYPE
        assert r.exists("k") == 0
        assert err(r, "BITFIELD") == "ERR wrong number of arguments for 'bitfield' command"

    def test_wrongtype(self, r):
        make_list(r, "l")
        assert err(r, "BITFIELD", "l") == WRONGTYPE
        assert err(r, "BITFIELD", "l", "GET", "u8", "0") == WRONGTYPE
        assert err(r, "BITFIELD", "l", "SET", "u8", "0", "1") == WRONGTYPE
        assert err(r, "BITFIELD", "l", "SET", "u8", "0", "x") == NOT_INT
        assert err(r, "BITFIELD_RO", "l") == WRONGTYPE
        assert err(r, "BITFIELD_RO", "l", "GET", "u8", "0") == WRONGTYPE
        assert err(r, "BITFIELD_RO", "l", "SET", "u8", "0", "1") == RO_ONLY_GET

    def test_bitfield_ro(self, r):
        r.set("k", b"\x80\x01")
        assert cmd(r, "BITFIELD_RO", "k", "GET", "i9", "0", "GET", "u63", "1") == \
            [-256, 1 << 48]
        assert cmd(r, "BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u8", "#1") == [1]
        assert cmd(r, "BITFIELD_RO", "k") == []
        assert cmd(r, "BITFIELD_RO", "missing", "GET", "u8", "0") == [0]
        assert r.exists("missing") == 0
        assert err(r, "BITFIELD_RO", "k", "INCRBY", "u8", "0", "1") == RO_ONLY_GET
        assert err(r, "BITFIELD_RO", "k", "SET", "u8", "0", "1") == RO_ONLY_GET
        assert err(r, "BITFIELD_RO", "k", "GET", "u8", "0", "foo") == SYNTAX
        assert err(r, "BITFIELD_RO", "k", "SET", "x", "0", "1") == BAD_TYPE
        assert r.get("k") == b"\x80\x01"

    def test_many_ops(self, r):
        ops = []
        for i in range(40):
            ops.append(("SET", "u5", "#%d" % i, str(i)))
        got = cmd(r, "BITFIELD", "k", *flat(ops), *flat(("GET", "u5", "#%d" % i)
                                                      for i in range(40)))
        assert got == [0] * 40 + [i & 31 for i in range(40)]  # 32.. wrap
        assert cmd(r, "BITFIELD_RO", "k", *flat(("GET", "i5", "#%d" % i)
                                                for i in range(40))) == \
            [(i & 31) - 32 if i & 16 else i & 31 for i in range(40)]
        assert r.strlen("k") == 25

    def test_integer_encoded_value(self, r):
        r.set("n", "100")  # "1" "0" "0" = 0x31 0x30 0x30
        assert cmd(r, "BITFIELD", "n", "GET", "u8", "0", "GET", "u16", "8") == [0x31, 0x3030]
        assert cmd(r, "BITFIELD", "n", "INCRBY", "u8", "16", "1") == [0x31]
        assert r.get("n") == b"101"
        assert r.incr("n") == 102


# ------------------------------------------------------------------ randomized

TYPES = ["u1", "u3", "u8", "u13", "u32", "u63", "i1", "i4", "i8", "i17", "i32", "i63", "i64"]


def rand_value(rnd, t):
    bits = int(t[1:])
    choice = rnd.random()
    if choice < 0.3:
        v = rnd.randint(-(1 << bits), 1 << bits)
    elif choice < 0.5:
        v = rnd.choice([0, 1, -1, (1 << (bits - 1)) - 1, -(1 << (bits - 1)), (1 << bits) - 1])
    elif bits > 32:
        v = rnd.randint(-(1 << 62), (1 << 63) - 1)
    else:
        v = rnd.randint(-999, 999)
    # Redis's limit arithmetic differs from plain math for a SET far below
    # -2**62 (see test_signed_overflow): stay above it here, and within int64
    return max(-(1 << 62), min(v, (1 << 63) - 1))


def rand_bitfield_ops(rnd):
    ops = []
    for _ in range(rnd.randint(1, 5)):
        k = rnd.random()
        t = rnd.choice(TYPES)
        off = rnd.randint(0, 90)
        if k < 0.15:
            ops.append(("OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL"])))
        elif k < 0.45:
            ops.append(("GET", t, off))
        elif k < 0.7:
            ops.append(("SET", t, off, rand_value(rnd, t)))
        else:
            ops.append(("INCRBY", t, off, rand_value(rnd, t)))
    return ops


def test_random_against_model(r):
    rnd = random.Random(20261122)
    keys = ["a", "b", "c"]
    store = {}
    p = r.pipeline(transaction=False)
    expected = []

    def check():
        got = p.execute(raise_on_error=False)
        for (what, want), g in zip(expected, got):
            if isinstance(g, bytes) and isinstance(want, (bytes, bytearray)):
                want = bytes(want)
            assert g == want, what
        expected.clear()

    for step in range(3000):
        key = rnd.choice(keys)
        data = store.get(key)
        k = rnd.random()
        if k < 0.04:
            v = rnd.choice([b"", str(rnd.randint(-99999, 99999)).encode(),
                            bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 40)))])
            store[key] = bytearray(v)
            p.execute_command("SET", key, v)
            expected.append((("SET", key), True))  # redis-py parses it
        elif k < 0.2:
            off, val = rnd.randint(0, 200), rnd.randint(0, 1)
            old = get_bit(data or b"", off)
            d = store.setdefault(key, bytearray())
            if len(d) <= off >> 3:
                d.extend(b"\0" * ((off >> 3) + 1 - len(d)))
            bf_set(d, off, 1, val)
            p.execute_command("SETBIT", key, off, val)
            expected.append((("SETBIT", key, off, val), old))
        elif k < 0.3:
            off = rnd.randint(0, 220)
            p.execute_command("GETBIT", key, off)
            expected.append((("GETBIT", key, off), get_bit(data or b"", off)))
        elif k < 0.45:
            args = []
            if rnd.random() < 0.8:
                args = [rnd.randint(-30, 30), rnd.randint(-30, 30)]
                if rnd.random() < 0.7:
                    args.append(rnd.choice(["BIT", "BYTE"]))
                if len(args) == 3 and args[2] == "BIT":
                    args[0] *= 7
                    args[1] *= 7
            p.execute_command("BITCOUNT", key, *args)
            expected.append((("BITCOUNT", key, *args), m_bitcount(data, *args)))
        elif k < 0.6:
            bit = rnd.randint(0, 1)
            args = []
            n = rnd.randint(0, 3)
            if n >= 1:
                args.append(rnd.randint(-30, 30))
            if n >= 2:
                args.append(rnd.randint(-30, 30))
            if n == 3:
                args.append(rnd.choice(["BIT", "BYTE"]))
            kw = dict(zip(["start", "end", "unit"], args))
            p.execute_command("BITPOS", key, bit, *args)
            expected.append((("BITPOS", key, bit, *args), m_bitpos(data, bit, **kw)))
        elif k < 0.7:
            op = rnd.choice(["AND", "OR", "XOR", "NOT"])
            srcs = [rnd.choice(keys + ["missing"])]
            if op != "NOT":
                srcs += [rnd.choice(keys + ["missing"]) for _ in range(rnd.randint(0, 3))]
            res = m_bitop(op, [store.get(s, b"") for s in srcs])
            if res:
                store[key] = res
            else:
                store.pop(key, None)
            p.execute_command("BITOP", op, key, *srcs)
            expected.append((("BITOP", op, key, *srcs), len(res)))
        else:
            ops = rand_bitfield_ops(rnd)
            want = m_bitfield(store, key, ops)
            p.execute_command("BITFIELD", key, *flat(ops))
            expected.append((("BITFIELD", key, ops), want))
        if step % 100 == 99:
            for kk in keys:
                p.execute_command("GET", kk)
                want = store.get(kk)
                expected.append((("GET", kk), bytes(want) if want is not None else None))
            check()
    check()
