"""Expiry: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT), TTL PTTL EXPIRETIME
PEXPIRETIME PERSIST, lazy and active expiry, and how other commands treat TTLs."""

import time

import pytest

from util import cmd, err, info_dict, parse_kv_list, wait_for

NOT_INT = "ERR value is not an integer or out of range"
NX_COMBO = "ERR NX and XX, GT or LT options at the same time are not compatible"
GT_LT = "ERR GT and LT options at the same time are not compatible"


def stat(r, name):
    return int(info_dict(r, "stats")[name])


def wait_gone(r, key, timeout=5.0):
    wait_for(lambda: r.exists(key) == 0, timeout=timeout, message="%s to expire" % key)


class TestTtl:
    def test_ttl_missing_and_persistent(self, r):
        assert r.ttl("nokey") == -2
        assert r.pttl("nokey") == -2
        r.set("k", "v")
        assert r.ttl("k") == -1
        assert r.pttl("k") == -1

    def test_expire_and_ttl(self, r):
        r.set("k", "v")
        assert cmd(r, "EXPIRE", "k", "100") == 1
        assert r.ttl("k") == 100 or r.ttl("k") == 99
        assert 99000 < r.pttl("k") <= 100000

    def test_pexpire(self, r):
        r.set("k", "v")
        assert cmd(r, "PEXPIRE", "k", "100000") == 1
        assert 99000 < r.pttl("k") <= 100000
        assert 99 <= r.ttl("k") <= 100

    def test_expireat_pexpireat(self, r):
        r.set("k", "v")
        at = int(time.time()) + 100
        assert cmd(r, "EXPIREAT", "k", at) == 1
        assert cmd(r, "EXPIRETIME", "k") == at
        assert cmd(r, "PEXPIRETIME", "k") == at * 1000
        atms = int(time.time() * 1000) + 50000
        assert cmd(r, "PEXPIREAT", "k", atms) == 1
        assert cmd(r, "PEXPIRETIME", "k") == atms
        assert cmd(r, "EXPIRETIME", "k") == (atms + 500) // 1000 or \
            cmd(r, "EXPIRETIME", "k") == atms // 1000

    def test_expiretime_missing_and_persistent(self, r):
        assert cmd(r, "EXPIRETIME", "nokey") == -2
        assert cmd(r, "PEXPIRETIME", "nokey") == -2
        r.set("k", "v")
        assert cmd(r, "EXPIRETIME", "k") == -1
        assert cmd(r, "PEXPIRETIME", "k") == -1

    def test_expire_missing_key(self, r):
        assert cmd(r, "EXPIRE", "nokey", "100") == 0
        assert cmd(r, "PEXPIRE", "nokey", "100") == 0
        assert cmd(r, "EXPIREAT", "nokey", int(time.time()) + 100) == 0
        assert cmd(r, "EXPIRE", "nokey", "100", "NX") == 0
        assert r.exists("nokey") == 0

    def test_persist(self, r):
        r.set("k", "v", ex=100)
        assert cmd(r, "PERSIST", "k") == 1
        assert r.ttl("k") == -1
        assert cmd(r, "PERSIST", "k") == 0
        assert cmd(r, "PERSIST", "nokey") == 0
        assert r.get("k") == b"v"

    def test_expire_overwrites_ttl(self, r):
        r.set("k", "v", ex=100)
        cmd(r, "EXPIRE", "k", "500")
        assert r.ttl("k") > 400
        cmd(r, "EXPIRE", "k", "10")
        assert r.ttl("k") <= 10


class TestExpireOptions:
    def test_nx(self, r):
        r.set("k", "v")
        assert cmd(r, "EXPIRE", "k", "100", "NX") == 1
        assert cmd(r, "EXPIRE", "k", "200", "NX") == 0
        assert r.ttl("k") <= 100

    def test_xx(self, r):
        r.set("k", "v")
        assert cmd(r, "EXPIRE", "k", "100", "XX") == 0
        assert r.ttl("k") == -1
        cmd(r, "EXPIRE", "k", "100")
        assert cmd(r, "EXPIRE", "k", "200", "XX") == 1
        assert r.ttl("k") > 150

    def test_gt(self, r):
        r.set("k", "v")
        # a key without TTL counts as infinite: GT never applies
        assert cmd(r, "EXPIRE", "k", "100", "GT") == 0
        assert r.ttl("k") == -1
        cmd(r, "EXPIRE", "k", "100")
        assert cmd(r, "EXPIRE", "k", "50", "GT") == 0
        assert cmd(r, "EXPIRE", "k", "300", "GT") == 1
        assert r.ttl("k") > 200

    def test_lt(self, r):
        r.set("k", "v")
        # a key without TTL counts as infinite: LT always applies
        assert cmd(r, "EXPIRE", "k", "100", "LT") == 1
        assert r.ttl("k") <= 100
        assert cmd(r, "EXPIRE", "k", "400", "LT") == 0
        assert cmd(r, "EXPIRE", "k", "50", "LT") == 1
        assert r.ttl("k") <= 50

    def test_xx_gt_combined(self, r):
        r.set("k", "v", ex=50)
        assert cmd(r, "EXPIRE", "k", "100", "XX", "GT") == 1
        assert cmd(r, "EXPIRE", "k", "10", "XX", "GT") == 0

    def test_options_on_pexpire_and_at_forms(self, r):
        r.set("k", "v")
        assert cmd(r, "PEXPIRE", "k", "100000", "NX") == 1
        assert cmd(r, "PEXPIRE", "k", "200000", "NX") == 0
        assert cmd(r, "PEXPIREAT", "k", int(time.time() * 1000) + 500000, "GT") == 1
        assert cmd(r, "EXPIREAT", "k", int(time.time()) + 10, "LT") == 1
        assert cmd(r, "EXPIREAT", "k", int(time.time()) + 1000, "LT") == 0
        assert r.ttl("k") <= 10

    def test_options_case_insensitive(self, r):
        r.set("k", "v")
        assert cmd(r, "EXPIRE", "k", "100", "nx") == 1
        assert cmd(r, "EXPIRE", "k", "200", "gt") == 1

    @pytest.mark.parametrize("opts,msg", [
        (("NX", "XX"), NX_COMBO), (("NX", "GT"), NX_COMBO), (("NX", "LT"), NX_COMBO),
        (("GT", "LT"), GT_LT), (("FOO",), "ERR Unsupported option FOO"),
    ])
    def test_invalid_combinations(self, r, opts, msg):
        r.set("k", "v")
        for c in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
            assert err(r, c, "k", "100000", *opts) == msg
        assert r.ttl("k") == -1

    def test_not_integer(self, r):
        r.set("k", "v")
        for c in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
            assert err(r, c, "k", "abc") == NOT_INT
            assert err(r, c, "k", "1.5") == NOT_INT

    @pytest.mark.parametrize("c,val", [
        ("EXPIRE", "9223372036854775807"), ("PEXPIRE", "9223372036854775807"),
        ("EXPIRE", "9223372036854775"), ("EXPIREAT", "9223372036854775807"),
        ("EXPIRE", "-9223372036854775808"),
    ])
    def test_invalid_expire_time(self, r, c, val):
        r.set("k", "v")
        assert err(r, c, "k", val) == "ERR invalid expire time in '%s' command" % c.lower()
        assert r.ttl("k") == -1


class TestPastExpiry:
    @pytest.mark.parametrize("args", [
        ("EXPIRE", "0"), ("EXPIRE", "-1"), ("PEXPIRE", "0"), ("PEXPIRE", "-100"),
        ("EXPIREAT", "1"), ("PEXPIREAT", "1"), ("EXPIREAT", "1", "NX"),
    ])
    def test_past_expire_deletes(self, r, args):
        r.set("k", "v")
        before = stat(r, "expired_keys")
        assert cmd(r, args[0], "k", *args[1:]) == 1
        assert r.exists("k") == 0
        assert r.get("k") is None
        assert r.dbsize() == 0
        assert stat(r, "expired_keys") >= before

    def test_negative_with_gt_lt(self, r):
        r.set("k", "v", ex=100)
        assert cmd(r, "EXPIRE", "k", "-1", "GT") == 0
        assert r.exists("k") == 1
        assert cmd(r, "EXPIRE", "k", "-1", "LT") == 1
        assert r.exists("k") == 0


class TestExpiryHappens:
    def test_key_expires(self, r):
        r.set("k", "v", px=150)
        assert r.get("k") == b"v"
        wait_gone(r, "k")
        assert r.get("k") is None
        assert r.ttl("k") == -2
        assert r.pttl("k") == -2

    def test_pexpire_short(self, r):
        r.set("k", "v")
        cmd(r, "PEXPIRE", "k", "100")
        wait_gone(r, "k")

    def test_setex_expires(self, r):
        cmd(r, "PSETEX", "k", "120", "v")
        wait_gone(r, "k")

    def test_expired_key_recreated_fresh(self, r):
        r.set("n", "10", px=100)
        wait_for(lambda: r.pttl("n") == -2, message="n to expire")
        assert r.incr("n") == 1
        assert r.ttl("n") == -1
        r.set("s", "abc", px=100)
        wait_for(lambda: r.pttl("s") == -2, message="s to expire")
        assert r.append("s", "x") == 1
        assert r.get("s") == b"x"

    def test_expired_keys_not_listed(self, r):
        cmd(r, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
        try:
            r.set("live", "v")
            for i in range(20):
                r.set("short:%d" % i, "v", px=100)
            wait_for(lambda: r.pttl("short:0") == -2, message="short keys to expire")
            time.sleep(0.01)
            assert cmd(r, "KEYS", "*") == [b"live"]
            assert r.exists(*["short:%d" % i for i in range(20)]) == 0
            assert r.mget("short:1", "live") == [None, b"v"]
            cursor, seen = b"0", []
            for _ in range(1000):
                cursor, keys = cmd(r, "SCAN", cursor, "COUNT", "5")
                seen += keys
                if cursor == b"0":
                    break
            assert seen == [b"live"]
            assert r.randomkey() == b"live"
        finally:
            cmd(r, "DEBUG", "SET-ACTIVE-EXPIRE", "1")

    def test_lazy_expiry_on_access(self, r):
        """With active expiry off, expired keys stay until touched; access
        deletes them and counts them in expired_keys."""
        cmd(r, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
        try:
            before = stat(r, "expired_keys")
            for i in range(10):
                r.set("lazy:%d" % i, "v", px=100)
            r.set("keep", "v")
            time.sleep(0.15)
            wait_for(lambda: r.pttl("lazy:0") == -2, message="lazy:0 expired")
            # lazy:0 was removed by the PTTL access; the others are still stored
            assert r.dbsize() == 10
            assert r.get("lazy:1") is None
            assert r.dbsize() == 9
            assert stat(r, "expired_keys") - before == 2
        finally:
            cmd(r, "DEBUG", "SET-ACTIVE-EXPIRE", "1")

    def test_active_expiry(self, r):
        before = stat(r, "expired_keys")
        n = 500
        pipe = r.pipeline(transaction=False)
        for i in range(n):
            pipe.set("act:%d" % i, "v", px=100 + (i % 3) * 100)
        pipe.set("persistent", "v")
        pipe.execute()
        ks = parse_kv_list(info_dict(r, "keyspace")["db0"])
        assert int(ks["keys"]) == n + 1
        assert int(ks["expires"]) == n
        assert int(ks["avg_ttl"]) >= 0
        # nothing touches the keys: DBSIZE does not expire keys by itself
        wait_for(lambda: r.dbsize() == 1, timeout=10, interval=0.05,
                 message="active expiry to remove %d keys" % n)
        assert stat(r, "expired_keys") - before >= n
        ks = parse_kv_list(info_dict(r, "keyspace")["db0"])
        assert ks["keys"] == "1" and ks["expires"] == "0"

    def test_active_expiry_other_db(self, shared_server, r):
        d3 = shared_server.client(db=3)
        for i in range(50):
            d3.set("x%d" % i, "v", px=100)
        wait_for(lambda: d3.dbsize() == 0, timeout=10, interval=0.05,
                 message="keys in db 3 to expire")
        assert "db3" not in info_dict(r, "keyspace")


class TestTtlAndOtherCommands:
    def test_set_clears_ttl(self, r):
        r.set("k", "v", ex=100)
        r.set("k", "v2")
        assert r.ttl("k") == -1

    def test_getset_clears_ttl(self, r):
        r.set("k", "v", ex=100)
        r.getset("k", "v2")
        assert r.ttl("k") == -1

    def test_keepttl(self, r):
        r.set("k", "v", px=200)
        cmd(r, "SET", "k", "v2", "KEEPTTL")
        assert 0 < r.pttl("k") <= 200
        wait_gone(r, "k")

    def test_rename_carries_ttl(self, r):
        r.set("a", "v", px=200)
        cmd(r, "RENAME", "a", "b")
        assert 0 < r.pttl("b") <= 200
        wait_gone(r, "b")
        assert r.exists("a") == 0

    def test_rename_persistent_over_volatile(self, r):
        r.set("a", "v")
        r.set("b", "x", ex=100)
        cmd(r, "RENAME", "a", "b")
        assert r.ttl("b") == -1

    def test_modifications_keep_ttl(self, r):
        r.set("k", "1", ex=100)
        r.incr("k")
        r.append("k", "0")
        r.setrange("k", 0, "3")
        cmd(r, "INCRBYFLOAT", "k", "1")
        assert r.get("k") == b"31"
        assert r.ttl("k") > 90

    def test_getdel_and_del_volatile(self, r):
        r.set("k", "v", ex=100)
        assert r.getdel("k") == b"v"
        r.set("k", "v2")
        assert r.ttl("k") == -1

    def test_getex_persist_then_expire(self, r):
        r.set("k", "v", px=150)
        cmd(r, "GETEX", "k", "PERSIST")
        time.sleep(0.2)
        assert r.get("k") == b"v"
        cmd(r, "GETEX", "k", "PX", "100")
        wait_gone(r, "k")

    def test_keyspace_info_counts_expires(self, r):
        r.mset({"a": 1, "b": 2, "c": 3})
        r.expire("a", 100)
        ks = parse_kv_list(info_dict(r, "keyspace")["db0"])
        assert ks["keys"] == "3"
        assert ks["expires"] == "1"
        r.persist("a")
        ks = parse_kv_list(info_dict(r, "keyspace")["db0"])
        assert ks["expires"] == "0"
