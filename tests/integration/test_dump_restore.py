"""DUMP and RESTORE: round trips for every type and encoding, every RESTORE
option and error, and payloads exchanged with a real redis-server 7.0 both ways
(started by these tests on its own port, whatever the target is)."""

import time

import pytest

from util import cmd, err
# helpers shared with the snapshot tests
from test_rdb import RealRedis, contents, fill_all_types, read_value


@pytest.fixture(scope="module")
def module_redis(tmp_path_factory):
    rr = RealRedis(tmp_path_factory.mktemp("redis")).start()
    yield rr
    rr.stop()


@pytest.fixture
def rc(module_redis):
    c = module_redis.client()
    cmd(c, "FLUSHALL")
    yield c
    c.close()


# -- CRC-64 as the RDB format uses it (Jones polynomial, reflected, init 0) --

_POLY = 0x95AC9329AC4BC9B5  # 0xad93d23594c935a9 bit-reversed
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc64(data, crc=0):
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def test_crc64_reference_value():
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


def make_payload(body, version=10):
    """type byte + value, then version (2 bytes LE) and CRC-64 (8 bytes LE)."""
    data = body + version.to_bytes(2, "little")
    return data + crc64(data).to_bytes(8, "little")


# -- one key per type/encoding ------------------------------------------------

def _big_list(r, k):
    for i in range(0, 12000, 2000):
        cmd(r, "RPUSH", k, *["e%d" % j for j in range(i, i + 2000)])


KINDS = {
    "str-embstr": lambda r, k: cmd(r, "SET", k, "hello"),
    "str-int": lambda r, k: cmd(r, "SET", k, "-123456"),
    "str-int64": lambda r, k: cmd(r, "SET", k, str(2 ** 63 - 1)),
    "str-raw": lambda r, k: cmd(r, "SET", k, "r" * 10 + "x" * 100),
    "str-binary": lambda r, k: cmd(r, "SET", k, bytes(range(256))),
    "str-lzf": lambda r, k: cmd(r, "SET", k, b"0123456789" * 5000),
    "str-empty": lambda r, k: cmd(r, "SET", k, ""),
    "list-small": lambda r, k: cmd(r, "RPUSH", k, "a", "1", "-2", b"\x00\xff", "z" * 80),
    "list-big": _big_list,
    "set-intset": lambda r, k: cmd(r, "SADD", k, 1, -2, 70000, 2 ** 40),
    "set-strings": lambda r, k: cmd(r, "SADD", k, "a", "b", "c"),
    "set-hashtable": lambda r, k: cmd(r, "SADD", k, *["m%d" % i for i in range(600)]),
    "set-manyints": lambda r, k: cmd(r, "SADD", k, *range(1000)),
    "zset-small": lambda r, k: cmd(r, "ZADD", k, 1.5, "a", "-inf", "b", "inf", "c",
                                   0.1, "d", -2.75, "e"),
    "zset-skiplist": lambda r, k: cmd(r, "ZADD", k, *[x for i in range(300)
                                                       for x in (i / 3.0, "m%d" % i)]),
    "zset-longmember": lambda r, k: cmd(r, "ZADD", k, 1, "m" * 100, 2, "n"),
    "hash-small": lambda r, k: cmd(r, "HSET", k, "f", "v", "n", "12", b"\x00", b"\xff"),
    "hash-hashtable": lambda r, k: cmd(r, "HSET", k, *[x for i in range(600)
                                                        for x in ("f%d" % i, "v%d" % i)]),
    "hash-longvalue": lambda r, k: cmd(r, "HSET", k, "a", "b", "long", "w" * 300),
}


def full_value(r, k):
    return read_value(r, k)


def test_dump_missing_key(r):
    assert cmd(r, "DUMP", "nosuchkey") is None


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_round_trip(r, kind):
    KINDS[kind](r, "src")
    payload = cmd(r, "DUMP", "src")
    assert isinstance(payload, bytes) and len(payload) > 10
    assert cmd(r, "RESTORE", "dst", 0, payload) == b"OK"
    assert full_value(r, "dst") == full_value(r, "src")
    assert cmd(r, "OBJECT", "ENCODING", "dst") == cmd(r, "OBJECT", "ENCODING", "src")
    assert cmd(r, "PTTL", "dst") == -1
    # the payload of the copy restores to the same value again
    assert cmd(r, "RESTORE", "dst2", 0, cmd(r, "DUMP", "dst")) == b"OK"
    assert full_value(r, "dst2") == full_value(r, "src")


def test_dump_ignores_ttl(r):
    cmd(r, "SET", "k", "v", "EX", 100)
    payload = cmd(r, "DUMP", "k")
    assert cmd(r, "RESTORE", "k2", 0, payload) == b"OK"
    assert cmd(r, "PTTL", "k2") == -1


class TestRestoreOptions:
    def payload(self, r, value=b"v"):
        cmd(r, "SET", "__src", value)
        p = cmd(r, "DUMP", "__src")
        cmd(r, "DEL", "__src")
        return p

    def test_relative_ttl(self, r):
        p = self.payload(r)
        assert cmd(r, "RESTORE", "k", 5000, p) == b"OK"
        assert 0 < cmd(r, "PTTL", "k") <= 5000

    def test_absttl(self, r):
        p = self.payload(r)
        at = int(time.time() * 1000) + 3_600_000
        assert cmd(r, "RESTORE", "k", at, p, "ABSTTL") == b"OK"
        assert cmd(r, "PEXPIRETIME", "k") == at
        # ABSTTL 0: no expiry
        assert cmd(r, "RESTORE", "k0", 0, p, "ABSTTL") == b"OK"
        assert cmd(r, "PTTL", "k0") == -1

    def test_absttl_in_the_past(self, r):
        p = self.payload(r)
        past = int(time.time() * 1000) - 1000
        assert cmd(r, "RESTORE", "k", past, p, "ABSTTL") == b"OK"
        assert cmd(r, "EXISTS", "k") == 0
        # with REPLACE the existing key goes away
        cmd(r, "SET", "old", "x")
        assert cmd(r, "RESTORE", "old", past, p, "ABSTTL", "REPLACE") == b"OK"
        assert cmd(r, "EXISTS", "old") == 0
        # without REPLACE an existing key is still BUSYKEY
        cmd(r, "SET", "old", "x")
        assert err(r, "RESTORE", "old", past, p, "ABSTTL").startswith("BUSYKEY")
        assert cmd(r, "GET", "old") == b"x"

    def test_absttl_in_the_past_still_checks_the_payload(self, r):
        p = bytearray(self.payload(r))
        p[0] ^= 0xFF
        past = int(time.time() * 1000) - 1000
        assert err(r, "RESTORE", "k", past, bytes(p), "ABSTTL") == \
            "ERR DUMP payload version or checksum are wrong"
        cmd(r, "SET", "old", "x")
        assert err(r, "RESTORE", "old", past, bytes(p), "ABSTTL", "REPLACE") == \
            "ERR DUMP payload version or checksum are wrong"
        assert cmd(r, "GET", "old") == b"x"

    def test_busykey_and_replace(self, r):
        p = self.payload(r, b"new")
        cmd(r, "RPUSH", "k", "a")
        assert err(r, "RESTORE", "k", 0, p) == "BUSYKEY Target key name already exists."
        assert cmd(r, "TYPE", "k") == b"list"
        assert cmd(r, "RESTORE", "k", 0, p, "REPLACE") == b"OK"
        assert cmd(r, "GET", "k") == b"new"
        # REPLACE drops the old TTL
        cmd(r, "EXPIRE", "k", 100)
        assert cmd(r, "RESTORE", "k", 0, p, "replace") == b"OK"
        assert cmd(r, "PTTL", "k") == -1

    def test_bad_ttl(self, r):
        p = self.payload(r)
        assert err(r, "RESTORE", "k", -1, p) == "ERR Invalid TTL value, must be >= 0"
        assert err(r, "RESTORE", "k", "abc", p) == \
            "ERR value is not an integer or out of range"
        assert err(r, "RESTORE", "k", "1.5", p) == \
            "ERR value is not an integer or out of range"
        assert cmd(r, "EXISTS", "k") == 0

    def test_idletime(self, r):
        p = self.payload(r)
        assert err(r, "RESTORE", "k", 0, p, "IDLETIME", -1) == \
            "ERR Invalid IDLETIME value, must be >= 0"
        assert err(r, "RESTORE", "k", 0, p, "IDLETIME", "x") == \
            "ERR value is not an integer or out of range"
        assert err(r, "RESTORE", "k", 0, p, "IDLETIME") == "ERR syntax error"
        assert cmd(r, "RESTORE", "k", 0, p, "IDLETIME", 1000) == b"OK"
        assert 1000 <= cmd(r, "OBJECT", "IDLETIME", "k") <= 1002
        assert cmd(r, "RESTORE", "k2", 0, p, "IDLETIME", 0) == b"OK"
        assert cmd(r, "OBJECT", "IDLETIME", "k2") <= 2

    def test_freq(self, r):
        p = self.payload(r)
        for bad in (-1, 256):
            assert err(r, "RESTORE", "k", 0, p, "FREQ", bad) == \
                "ERR Invalid FREQ value, must be >= 0 and <= 255"
        assert err(r, "RESTORE", "k", 0, p, "FREQ", 10, "IDLETIME", 5) == "ERR syntax error"
        assert err(r, "RESTORE", "k", 0, p, "IDLETIME", 5, "FREQ", 10) == "ERR syntax error"
        assert err(r, "RESTORE", "k", 0, p, "BOGUS") == "ERR syntax error"
        assert cmd(r, "EXISTS", "k") == 0
        old = cmd(r, "CONFIG", "GET", "maxmemory-policy")[1]
        cmd(r, "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
        try:
            assert cmd(r, "RESTORE", "k", 0, p, "FREQ", 100) == b"OK"
            assert cmd(r, "OBJECT", "FREQ", "k") == 100
            assert cmd(r, "RESTORE", "k2", 0, p, "FREQ", 255) == b"OK"
            assert cmd(r, "OBJECT", "FREQ", "k2") == 255
        finally:
            cmd(r, "CONFIG", "SET", "maxmemory-policy", old)

    def test_restore_then_dump_preserves_bytes_of_value(self, r):
        p = self.payload(r, b"\x00\x01binary\r\n")
        cmd(r, "RESTORE", "k", 0, p)
        assert cmd(r, "GET", "k") == b"\x00\x01binary\r\n"


class TestCorruptPayloads:
    WRONG = "ERR DUMP payload version or checksum are wrong"

    def test_flipped_bytes(self, r):
        cmd(r, "HSET", "h", "f1", "v1", "f2", "v2")
        p = cmd(r, "DUMP", "h")
        for i in range(len(p)):
            bad = bytearray(p)
            bad[i] ^= 0x20
            assert err(r, "RESTORE", "k%d" % i, 0, bytes(bad)) == self.WRONG
        assert cmd(r, "DBSIZE") == 1

    def test_truncated_and_short(self, r):
        cmd(r, "SET", "s", "value")
        p = cmd(r, "DUMP", "s")
        for n in (0, 1, 5, 9, 10, len(p) - 1):
            assert err(r, "RESTORE", "k", 0, p[:n]) == self.WRONG
        assert err(r, "RESTORE", "k", 0, p + b"x") == self.WRONG

    def test_newer_version(self, r):
        cmd(r, "SET", "s", "value")
        p = cmd(r, "DUMP", "s")
        body = p[:-10]
        assert make_payload(body, 10) == p  # our CRC matches the server's
        assert cmd(r, "RESTORE", "same", 0, make_payload(body, 10)) == b"OK"
        assert err(r, "RESTORE", "k", 0, make_payload(body, 11)) == self.WRONG
        assert err(r, "RESTORE", "k", 0, make_payload(body, 0xFFFF)) == self.WRONG
        # older versions are fine
        assert cmd(r, "RESTORE", "old", 0, make_payload(body, 9)) == b"OK"
        assert cmd(r, "GET", "old") == b"value"

    @pytest.mark.parametrize("body", [
        b"\x00",                      # string without its length
        b"\x00\x3fab",                # string longer than the whole payload
        b"\x63abc",                   # unknown type
        b"\x02\x03\x01a\x01b",        # set of 3 with 2 members
        b"\x02\x02\x01a\x01a",        # set with a duplicate
        b"\x04\x01\x01f",             # hash field without a value
        b"\x0b\x05abcde",             # intset blob of junk
        b"\x10\x05abcde",             # listpack hash of junk
        b"\x12\x01\x02\x05abcde",     # quicklist node of junk
        b"\x05\x01\x01a" + b"\x00\x00\x00\x00\x00\x00\xf8\x7f",  # zset, NaN score
    ], ids=lambda b: b.hex())
    def test_bad_data_with_good_checksum(self, r, body):
        assert err(r, "RESTORE", "k", 0, make_payload(body)) == "ERR Bad data format"
        assert cmd(r, "EXISTS", "k") == 0

    def test_good_handmade_payloads(self, r):
        # RDB_TYPE_STRING with an 8-bit integer encoding, and a plain set
        assert cmd(r, "RESTORE", "i", 0, make_payload(b"\x00\xc0\x7b")) == b"OK"
        assert cmd(r, "GET", "i") == b"123"
        assert cmd(r, "RESTORE", "s", 0, make_payload(b"\x02\x02\x01a\x01b")) == b"OK"
        assert sorted(cmd(r, "SMEMBERS", "s")) == [b"a", b"b"]
        # RDB_TYPE_LIST_QUICKLIST_2 with one plain node
        assert cmd(r, "RESTORE", "l", 0, make_payload(b"\x12\x01\x01\x03abc")) == b"OK"
        assert cmd(r, "LRANGE", "l", 0, -1) == [b"abc"]


# -- payloads exchanged with a real redis-server ----------------------------


def _copy_keys(src, dst, keys):
    """DUMP each key on src and RESTORE it on dst (absolute expire times kept)."""
    for k in keys:
        payload = cmd(src, "DUMP", k)
        at = cmd(src, "PEXPIRETIME", k)
        ttl = at if at > 0 else 0
        assert cmd(dst, "RESTORE", k, ttl, payload, "ABSTTL", "REPLACE") == b"OK", k


def _all_keys(c):
    return sorted(cmd(c, "KEYS", "*"))


def test_dump_from_redis_restores_here(r, shared_server, module_redis, rc):
    rr = module_redis
    fill_all_types("127.0.0.1", rr.port)
    keys = _all_keys(rc)
    assert len(keys) > 25
    _copy_keys(rc, r, keys)
    mine = contents(shared_server.host, shared_server.port, dbs=1)
    theirs = contents("127.0.0.1", rr.port, dbs=1)
    assert mine == theirs


def test_dump_from_here_restores_into_redis(r, shared_server, module_redis, rc):
    rr = module_redis
    fill_all_types(shared_server.host, shared_server.port)
    keys = _all_keys(r)
    assert len(keys) > 25
    _copy_keys(r, rc, keys)
    mine = contents(shared_server.host, shared_server.port, dbs=1)
    theirs = contents("127.0.0.1", rr.port, dbs=1)
    assert theirs == mine
    # and back again: what Redis dumps of our values restores to the same
    cmd(r, "FLUSHALL")
    _copy_keys(rc, r, keys)
    assert contents(shared_server.host, shared_server.port, dbs=1) == mine


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_with_redis_both_ways(r, rc, kind):
    KINDS[kind](rc, "k")
    KINDS[kind](r, "k")
    from_redis = cmd(rc, "DUMP", "k")
    from_here = cmd(r, "DUMP", "k")
    assert cmd(r, "RESTORE", "fromredis", 0, from_redis) == b"OK"
    assert cmd(rc, "RESTORE", "fromhere", 0, from_here) == b"OK"
    assert read_value(r, "fromredis") == read_value(rc, "k")
    assert read_value(rc, "fromhere") == read_value(r, "k")
    assert read_value(r, "k") == read_value(rc, "k")
