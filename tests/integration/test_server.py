"""Server and connection commands: PING ECHO QUIT RESET TIME INFO CLIENT CONFIG
COMMAND DEBUG SHUTDOWN, and exit on SIGTERM."""

import os
import re
import signal
import time

import pytest

from resp import NULL_BULK, Array, Bulk, Error, Integer, Map, Simple
from util import (client_list, cmd, err, info_dict, info_sections, parse_client_line,
                  parse_kv_list, wait_for)

NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"
HUMAN = re.compile(r"^\d+(\.\d+)?[BKMGTPE]$")


def raw_info(r, *sections):
    text = cmd(r, "INFO", *sections)
    return text.decode() if isinstance(text, bytes) else text


def cmdstat(r, name):
    line = info_dict(r, "commandstats").get("cmdstat_" + name)
    if line is None:
        return None
    return {k: (float(v) if "." in v else int(v)) for k, v in parse_kv_list(line).items()}


def errorstat(r, code):
    line = info_dict(r, "errorstats").get("errorstat_" + code)
    return None if line is None else int(parse_kv_list(line)["count"])


class TestBasicCommands:
    def test_ping(self, raw):
        assert raw.call("PING") == Simple(b"PONG")
        assert raw.call("PING", "hello") == Bulk(b"hello")
        assert raw.call("PING", "") == Bulk(b"")
        assert raw.call("PING", "a", "b") == Error(
            b"ERR wrong number of arguments for 'ping' command")

    def test_echo(self, raw):
        assert raw.call("ECHO", "hi there") == Bulk(b"hi there")
        assert raw.call("ECHO", b"\x00\xff") == Bulk(b"\x00\xff")
        assert raw.call("ECHO") == Error(b"ERR wrong number of arguments for 'echo' command")
        assert raw.call("ECHO", "a", "b") == Error(
            b"ERR wrong number of arguments for 'echo' command")

    def test_time(self, raw):
        rep = raw.call("TIME")
        assert isinstance(rep, Array) and len(rep) == 2
        assert all(isinstance(x, Bulk) for x in rep)
        secs, usecs = int(rep[0]), int(rep[1])
        assert abs(secs - time.time()) < 60
        assert 0 <= usecs < 1000000

    def test_quit(self, shared_server):
        c = shared_server.raw()
        c.send("QUIT")
        closed, replies = c.read_until_closed(5)
        assert replies == [Simple(b"OK")] and closed

    def test_reset(self, shared_server, r):
        r.set("in0", "x")
        c = shared_server.raw()
        c.call("CLIENT", "SETNAME", "before-reset")
        c.call("SELECT", "3")
        c.call("HELLO", "3")
        assert c.call("RESET") == Simple(b"RESET")
        assert c.call("CLIENT", "GETNAME") == NULL_BULK  # back to RESP2, no name
        assert c.call("GET", "in0") == Bulk(b"x")  # back to db 0
        ci = parse_client_line(c.call("CLIENT", "INFO"))
        assert ci["db"] == "0" and ci["resp"] == "2" and ci["name"] == ""
        c.close()

    def test_reset_turns_replies_back_on(self, raw):
        raw.send_raw(b"CLIENT REPLY OFF\r\nPING\r\nRESET\r\nPING\r\n")
        assert raw.read() == Simple(b"RESET")
        assert raw.read() == Simple(b"PONG")
        assert raw.no_reply_within(0.1)


class TestInfo:
    def test_default_sections(self, r):
        text = raw_info(r)
        secs = info_sections(text)
        for s in ("server", "clients", "memory", "stats", "cpu", "keyspace", "errorstats"):
            assert s in secs, s
        assert "commandstats" not in secs
        assert info_sections(raw_info(r, "default")) == secs

    @pytest.mark.parametrize("arg", ["all", "everything"])
    def test_all_sections(self, r, arg):
        secs = info_sections(raw_info(r, arg))
        for s in ("server", "clients", "memory", "stats", "cpu", "keyspace", "commandstats",
                  "errorstats"):
            assert s in secs, s

    def test_single_and_multiple_sections(self, r):
        assert info_sections(raw_info(r, "server")) == ["server"]
        assert info_sections(raw_info(r, "SERVER")) == ["server"]
        assert info_sections(raw_info(r, "server", "clients")) == ["server", "clients"]
        assert raw_info(r, "nosuchsection") == ""

    def test_server_section(self, shared_server, r):
        info = info_dict(r, "server")
        assert re.match(r"^\d+\.\d+\.\d+", info["redis_version"])
        assert int(info["process_id"]) == shared_server.pid
        assert int(info["tcp_port"]) == shared_server.port
        assert int(info["uptime_in_seconds"]) >= 0
        assert int(info["uptime_in_days"]) >= 0
        assert re.match(r"^[0-9a-f]{40}$", info["run_id"])

    def test_clients_section(self, server):
        # a server of its own: no connections of other tests come and go
        srv = server()
        r = srv.client()
        wait_for(lambda: info_dict(r, "clients")["connected_clients"] == "1",
                 message="only this test's connection")
        extra = [srv.raw() for _ in range(5)]
        for c in extra:
            c.call("PING")
        assert info_dict(r, "clients")["connected_clients"] == "6"
        for c in extra:
            c.close()
        wait_for(lambda: info_dict(r, "clients")["connected_clients"] == "1",
                 message="connected_clients to drop")
        info = info_dict(r, "clients")
        assert info["maxclients"] == cmd(r, "CONFIG", "GET", "maxclients")[1].decode()
        assert int(info["blocked_clients"]) == 0

    def test_memory_section(self, r):
        info = info_dict(r, "memory")
        before = int(info["used_memory"])
        assert before > 0
        assert HUMAN.match(info["used_memory_human"]), info["used_memory_human"]
        assert info["maxmemory"] == "0"
        assert HUMAN.match(info["maxmemory_human"])
        assert info["maxmemory_policy"] == "noeviction"
        r.set("big", b"x" * (2 * 1024 * 1024))
        after = int(info_dict(r, "memory")["used_memory"])
        assert after - before >= 2 * 1024 * 1024
        r.delete("big")
        assert int(info_dict(r, "memory")["used_memory"]) < after - 1024 * 1024

    def test_cpu_section(self, r):
        info = info_dict(r, "cpu")
        assert float(info["used_cpu_sys"]) >= 0
        assert float(info["used_cpu_user"]) >= 0

    def test_stats_section(self, shared_server, r):
        cmd(r, "CONFIG", "RESETSTAT")
        r.set("k", "v")
        r.get("k")
        r.get("k")
        r.get("nokey")
        r.mget("k", "nokey", "nokey2")
        info = info_dict(r, "stats")
        assert int(info["keyspace_hits"]) == 3
        assert int(info["keyspace_misses"]) == 3
        assert int(info["total_commands_processed"]) >= 5
        assert int(info["expired_keys"]) == 0
        assert int(info["evicted_keys"]) == 0
        conns = int(info["total_connections_received"])
        shared_server.raw().call("PING")
        assert int(info_dict(r, "stats")["total_connections_received"]) == conns + 1

    def test_total_commands_processed_grows(self, r):
        a = int(info_dict(r, "stats")["total_commands_processed"])
        for _ in range(10):
            r.ping()
        b = int(info_dict(r, "stats")["total_commands_processed"])
        assert b - a >= 11

    def test_keyspace_section(self, shared_server, r):
        assert "db0" not in info_dict(r, "keyspace")
        r.mset({"a": 1, "b": 2})
        r.set("c", 3, ex=100)
        shared_server.client(db=5).set("x", 1)
        ks = info_dict(r, "keyspace")
        db0 = parse_kv_list(ks["db0"])
        assert db0["keys"] == "3" and db0["expires"] == "1"
        assert int(db0["avg_ttl"]) >= 0
        assert parse_kv_list(ks["db5"]) == {"keys": "1", "expires": "0", "avg_ttl": "0"}
        assert re.search(r"^db0:keys=3,expires=1,avg_ttl=\d+\r?$",
                         raw_info(r, "keyspace"), re.M)

    def test_commandstats(self, r):
        cmd(r, "CONFIG", "RESETSTAT")
        r.get("a")
        r.get("b")
        r.set("n", "x")
        err(r, "INCR", "n")
        st = cmdstat(r, "get")
        assert st["calls"] == 2
        assert st["failed_calls"] == 0 and st["rejected_calls"] == 0
        assert "usec" in st and "usec_per_call" in st
        inc = cmdstat(r, "incr")
        assert inc["calls"] == 1 and inc["failed_calls"] == 1
        assert cmdstat(r, "set")["calls"] == 1
        assert cmdstat(r, "lcs") is None
        # a wrong-arity call is rejected before it runs
        err(r, "GET")
        assert cmdstat(r, "get")["rejected_calls"] == 1
        assert cmdstat(r, "get")["calls"] == 2
        # subcommands are counted by their full name
        cmd(r, "CONFIG", "GET", "maxmemory")
        assert cmdstat(r, "config|get")["calls"] == 1

    def test_errorstats(self, shared_server, r):
        cmd(r, "CONFIG", "RESETSTAT")
        assert errorstat(r, "ERR") is None
        err(r, "NOSUCHCMD")
        err(r, "GET")
        r.set("s", "abc")
        err(r, "INCR", "s")
        assert errorstat(r, "ERR") == 3
        c = shared_server.raw()
        assert c.call("HELLO", "9").code == b"NOPROTO"
        assert errorstat(r, "NOPROTO") == 1
        assert re.search(r"^errorstat_ERR:count=3\r?$", raw_info(r, "errorstats"), re.M)

    def test_resetstat(self, r):
        r.get("x")
        assert cmd(r, "CONFIG", "RESETSTAT") == b"OK"
        info = info_dict(r, "stats")
        assert int(info["keyspace_misses"]) == 0
        assert int(info["keyspace_hits"]) == 0
        assert cmdstat(r, "get") is None
        assert err(r, "CONFIG", "RESETSTAT", "x") == (
            "ERR wrong number of arguments for 'config|resetstat' command")

    def test_info_resp3_is_verbatim(self, raw):
        raw.call("HELLO", "3")
        rep = raw.call("INFO")
        assert rep.format == b"txt"
        assert b"# Server" in rep


class TestClient:
    def test_id(self, shared_server):
        a, b = shared_server.raw(), shared_server.raw()
        ia, ib = a.call("CLIENT", "ID"), b.call("CLIENT", "ID")
        assert isinstance(ia, Integer) and ia > 0
        assert ib > ia  # ids increase
        assert a.call("CLIENT", "ID") == ia

    def test_setname_getname(self, raw):
        assert raw.call("CLIENT", "GETNAME") == NULL_BULK
        assert raw.call("CLIENT", "SETNAME", "worker-1") == Simple(b"OK")
        assert raw.call("CLIENT", "GETNAME") == Bulk(b"worker-1")
        assert raw.call("CLIENT", "SETNAME", "") == Simple(b"OK")
        assert raw.call("CLIENT", "GETNAME") == NULL_BULK

    @pytest.mark.parametrize("name", ["a b", "a\nb", "tab\there", "\x01"])
    def test_setname_invalid(self, raw, name):
        assert raw.call("CLIENT", "SETNAME", name) == Error(
            b"ERR Client names cannot contain spaces, newlines or special characters.")

    def test_info(self, raw, shared_server):
        raw.call("CLIENT", "SETNAME", "me")
        line = raw.call("CLIENT", "INFO")
        assert isinstance(line, Bulk)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        f = parse_client_line(line)
        assert int(f["id"]) == raw.call("CLIENT", "ID")
        assert f["name"] == "me"
        assert f["laddr"] == "127.0.0.1:%d" % shared_server.port
        assert f["addr"] == "127.0.0.1:%d" % raw.sock.getsockname()[1]
        assert f["db"] == "0"
        assert f["cmd"] == "client|info"
        assert f["user"] == "default"
        assert f["resp"] == "2"
        for field in ("fd", "age", "idle", "flags"):
            assert field in f

    def test_list(self, shared_server, r):
        a = shared_server.raw()
        a.call("CLIENT", "SETNAME", "lister")
        a.call("SELECT", "2")
        aid = int(a.call("CLIENT", "ID"))
        entries = client_list(r)
        mine = [e for e in entries if e["id"] == str(aid)]
        assert len(mine) == 1
        assert mine[0]["name"] == "lister"
        assert mine[0]["db"] == "2"
        assert mine[0]["cmd"] == "client|id"
        assert mine[0]["addr"] == "127.0.0.1:%d" % a.sock.getsockname()[1]
        assert len(entries) >= 2

    def test_list_filters(self, shared_server, r):
        a, b = shared_server.raw(), shared_server.raw()
        ia, ib = int(a.call("CLIENT", "ID")), int(b.call("CLIENT", "ID"))
        got = [parse_client_line(l) for l in
               cmd(r, "CLIENT", "LIST", "ID", ia, ib).decode().splitlines()]
        assert sorted(int(e["id"]) for e in got) == sorted([ia, ib])
        assert cmd(r, "CLIENT", "LIST", "ID", "999999999") == b""
        normal = cmd(r, "CLIENT", "LIST", "TYPE", "normal").decode().splitlines()
        assert len(normal) >= 3
        assert err(r, "CLIENT", "LIST", "TYPE", "foo") == "ERR Unknown client type 'foo'"
        assert err(r, "CLIENT", "LIST", "ID", "abc") == "ERR Invalid client ID"
        assert err(r, "CLIENT", "LIST", "FOO") == SYNTAX

    def test_kill_old_form(self, shared_server, r):
        victim = shared_server.raw()
        victim.call("PING")
        addr = "127.0.0.1:%d" % victim.sock.getsockname()[1]
        assert cmd(r, "CLIENT", "KILL", addr) == b"OK"
        closed, _ = victim.read_until_closed(5)
        assert closed
        assert err(r, "CLIENT", "KILL", addr) == "ERR No such client"
        assert err(r, "CLIENT", "KILL", "1.2.3.4:5") == "ERR No such client"

    def test_kill_old_form_self(self, shared_server):
        c = shared_server.raw()
        addr = "127.0.0.1:%d" % c.sock.getsockname()[1]
        assert c.call("CLIENT", "KILL", addr) == Simple(b"OK")
        closed, _ = c.read_until_closed(5)
        assert closed

    def test_kill_id(self, shared_server, r):
        victim = shared_server.raw()
        vid = int(victim.call("CLIENT", "ID"))
        assert cmd(r, "CLIENT", "KILL", "ID", vid) == 1
        assert victim.read_until_closed(5)[0]
        assert cmd(r, "CLIENT", "KILL", "ID", vid) == 0
        assert cmd(r, "CLIENT", "KILL", "ID", "999999999") == 0
        assert err(r, "CLIENT", "KILL", "ID", "abc") == "ERR client-id should be greater than 0"
        assert err(r, "CLIENT", "KILL", "ID", "0") == "ERR client-id should be greater than 0"

    def test_kill_addr(self, shared_server, r):
        victim = shared_server.raw()
        victim.call("PING")
        addr = "127.0.0.1:%d" % victim.sock.getsockname()[1]
        assert cmd(r, "CLIENT", "KILL", "ADDR", addr) == 1
        assert victim.read_until_closed(5)[0]
        assert cmd(r, "CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0

    def test_kill_laddr_skipme(self, shared_server):
        me = shared_server.raw()
        others = [shared_server.raw() for _ in range(3)]
        for o in others:
            o.call("PING")
        laddr = "127.0.0.1:%d" % shared_server.port
        # everybody shares the listening address; SKIPME yes is the default
        n = me.call("CLIENT", "KILL", "LADDR", laddr)
        assert n >= 3
        for o in others:
            assert o.read_until_closed(5)[0]
        assert me.call("PING") == Simple(b"PONG")

    def test_kill_user(self, shared_server):
        me = shared_server.raw()
        other = shared_server.raw()
        other.call("PING")
        assert me.call("CLIENT", "KILL", "USER", "default", "SKIPME", "yes") >= 1
        assert other.read_until_closed(5)[0]
        assert me.call("PING") == Simple(b"PONG")
        assert me.call("CLIENT", "KILL", "USER", "nobody") == Error(b"ERR No such user 'nobody'")

    def test_kill_self_skipme_no(self, shared_server):
        me = shared_server.raw()
        myid = me.call("CLIENT", "ID")
        assert me.call("CLIENT", "KILL", "ID", myid) == Integer(0)  # SKIPME yes by default
        assert me.call("CLIENT", "KILL", "ID", myid, "SKIPME", "no") == Integer(1)
        assert me.read_until_closed(5)[0]

    def test_kill_errors(self, r):
        assert err(r, "CLIENT", "KILL", "FOO", "bar") == SYNTAX
        assert err(r, "CLIENT", "KILL", "SKIPME", "maybe") == SYNTAX
        assert err(r, "CLIENT", "KILL", "TYPE", "foo") == "ERR Unknown client type 'foo'"
        assert err(r, "CLIENT", "KILL") == (
            "ERR wrong number of arguments for 'client|kill' command")

    def test_reply_off_on(self, raw):
        raw.send_raw(b"CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nGET\r\nCLIENT REPLY ON\r\nGET a\r\n")
        assert raw.read() == Simple(b"OK")   # the reply to CLIENT REPLY ON
        assert raw.read() == Bulk(b"1")
        assert raw.no_reply_within(0.1)

    def test_reply_skip(self, raw):
        raw.send_raw(b"CLIENT REPLY SKIP\r\nSET a 2\r\nGET a\r\n")
        assert raw.read() == Bulk(b"2")
        raw.send_raw(b"CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING\r\nPING x\r\n")
        assert raw.read() == Bulk(b"x")
        assert raw.no_reply_within(0.1)

    def test_reply_errors(self, raw):
        assert raw.call("CLIENT", "REPLY", "FOO") == Error(b"ERR syntax error")

    def test_no_evict(self, raw):
        assert raw.call("CLIENT", "NO-EVICT", "on") == Simple(b"OK")
        assert raw.call("CLIENT", "NO-EVICT", "OFF") == Simple(b"OK")
        assert raw.call("CLIENT", "NO-EVICT", "foo") == Error(b"ERR syntax error")

    @pytest.mark.kvik_only  # CLIENT SETINFO is Redis 7.2; redis-server here is 7.0
    def test_setinfo(self, raw):
        assert raw.call("CLIENT", "SETINFO", "LIB-NAME", "kvik-tests") == Simple(b"OK")
        assert raw.call("CLIENT", "SETINFO", "lib-ver", "1.2.3") == Simple(b"OK")
        f = parse_client_line(raw.call("CLIENT", "INFO"))
        assert f["lib-name"] == "kvik-tests"
        assert f["lib-ver"] == "1.2.3"
        rep = raw.call("CLIENT", "SETINFO", "LIB-NAME", "a b")
        assert isinstance(rep, Error) and rep.startswith(b"ERR ")
        rep = raw.call("CLIENT", "SETINFO", "FOO", "x")
        assert isinstance(rep, Error) and rep.startswith(b"ERR ")
        assert raw.call("CLIENT", "SETINFO", "LIB-NAME") == Error(
            b"ERR wrong number of arguments for 'client|setinfo' command")
        # not cleared by RESET
        raw.call("RESET")
        f = parse_client_line(raw.call("CLIENT", "INFO"))
        assert f["lib-name"] == "kvik-tests"

    def test_help(self, r):
        lines = cmd(r, "CLIENT", "HELP")
        assert lines[0].startswith(b"CLIENT <subcommand>")
        text = b"\n".join(lines)
        for sub in (b"KILL", b"LIST", b"PAUSE", b"REPLY", b"SETNAME"):
            assert sub in text


class TestPause:
    def test_pause_write(self, shared_server, r):
        r.set("x", "old")
        pauser = shared_server.raw()
        writer, reader = shared_server.raw(), shared_server.raw()
        try:
            assert pauser.call("CLIENT", "PAUSE", "10000", "WRITE") == Simple(b"OK")
            writer.send("SET", "x", "new")
            assert writer.no_reply_within(0.2)
            # reads and other non-write commands go on
            assert reader.call("GET", "x") == Bulk(b"old")
            assert reader.call("PING") == Simple(b"PONG")
            assert reader.call("TTL", "x") == Integer(-1)
            assert isinstance(reader.call("INFO", "server"), Bulk)
            # other writes wait too, even from the pausing client
            reader.send("DEL", "x")
            assert reader.no_reply_within(0.1)
            assert pauser.call("CLIENT", "UNPAUSE") == Simple(b"OK")
            assert writer.read() == Simple(b"OK")
            assert reader.read() == Integer(1)
        finally:
            shared_server.raw().call("CLIENT", "UNPAUSE")

    def test_pause_write_timeout_releases(self, shared_server, r):
        pauser, writer = shared_server.raw(), shared_server.raw()
        assert pauser.call("CLIENT", "PAUSE", "300", "WRITE") == Simple(b"OK")
        writer.send("SET", "y", "1")
        assert writer.read(timeout=10) == Simple(b"OK")
        assert r.get("y") == b"1"

    def test_pause_all(self, shared_server, r):
        pauser, other = shared_server.raw(), shared_server.raw()
        assert pauser.call("CLIENT", "PAUSE", "800") == Simple(b"OK")
        other.send("GET", "k")
        assert other.no_reply_within(0.1)
        # the timeout releases the pause
        assert other.read(timeout=10) == NULL_BULK
        assert other.call("PING") == Simple(b"PONG")

    def test_pause_all_explicit(self, shared_server):
        pauser, other = shared_server.raw(), shared_server.raw()
        assert pauser.call("CLIENT", "PAUSE", "800", "ALL") == Simple(b"OK")
        other.send("PING")
        assert other.no_reply_within(0.1)
        assert other.read(timeout=10) == Simple(b"PONG")

    def test_pause_errors(self, r):
        assert err(r, "CLIENT", "PAUSE", "abc") == "ERR timeout is not an integer or out of range"
        assert err(r, "CLIENT", "PAUSE", "-1") == "ERR timeout is negative"
        assert err(r, "CLIENT", "PAUSE", "10", "FOO") == "ERR CLIENT PAUSE mode must be WRITE or ALL"
        assert cmd(r, "CLIENT", "UNPAUSE") == b"OK"


class TestConfig:
    def test_get(self, shared_server, r):
        assert cmd(r, "CONFIG", "GET", "port") == [b"port", str(shared_server.port).encode()]
        assert cmd(r, "CONFIG", "GET", "maxmemory") == [b"maxmemory", b"0"]
        assert cmd(r, "CONFIG", "GET", "nosuchparam") == []

    def test_get_pattern(self, r):
        rep = cmd(r, "CONFIG", "GET", "maxmemory*")
        d = dict(zip(rep[::2], rep[1::2]))
        assert d[b"maxmemory"] == b"0"
        assert d[b"maxmemory-policy"] == b"noeviction"
        assert d[b"maxmemory-samples"] == b"5"
        assert all(k.startswith(b"maxmemory") for k in d)
        rep = cmd(r, "CONFIG", "GET", "*")
        d = dict(zip(rep[::2], rep[1::2]))
        assert len(d) > 10
        assert b"port" in d and b"dir" in d and b"maxclients" in d

    def test_get_multiple_args(self, shared_server, r):
        rep = cmd(r, "CONFIG", "GET", "maxmemory", "port", "maxmemory")
        d = dict(zip(rep[::2], rep[1::2]))
        assert d == {b"maxmemory": b"0", b"port": str(shared_server.port).encode()}
        assert len(rep) == 4  # no duplicates

    def test_dir(self, shared_server, r):
        rep = cmd(r, "CONFIG", "GET", "dir")
        assert os.path.realpath(rep[1].decode()) == os.path.realpath(shared_server.dir)

    def test_set_and_get(self, r):
        try:
            assert cmd(r, "CONFIG", "SET", "maxmemory", "10mb") == b"OK"
            assert cmd(r, "CONFIG", "GET", "maxmemory") == [b"maxmemory", b"10485760"]
            cmd(r, "CONFIG", "SET", "maxmemory", "1gb")
            assert cmd(r, "CONFIG", "GET", "maxmemory")[1] == b"1073741824"
            cmd(r, "CONFIG", "SET", "maxmemory", "100k")
            assert cmd(r, "CONFIG", "GET", "maxmemory")[1] == b"100000"
            cmd(r, "CONFIG", "SET", "maxmemory", "2kb")
            assert cmd(r, "CONFIG", "GET", "maxmemory")[1] == b"2048"
            cmd(r, "CONFIG", "SET", "MAXMEMORY", "5000")
            assert cmd(r, "CONFIG", "GET", "maxmemory")[1] == b"5000"
        finally:
            cmd(r, "CONFIG", "SET", "maxmemory", "0")

    def test_set_multiple(self, r):
        try:
            assert cmd(r, "CONFIG", "SET", "maxmemory", "10mb", "maxmemory-policy",
                       "allkeys-lru") == b"OK"
            rep = cmd(r, "CONFIG", "GET", "maxmemory", "maxmemory-policy")
            assert dict(zip(rep[::2], rep[1::2])) == {b"maxmemory": b"10485760",
                                                      b"maxmemory-policy": b"allkeys-lru"}
            # one bad value: nothing is applied
            e = err(r, "CONFIG", "SET", "maxmemory", "20mb", "maxmemory-policy", "foo")
            assert e.startswith("ERR CONFIG SET failed (possibly related to argument "
                                "'maxmemory-policy')")
            assert cmd(r, "CONFIG", "GET", "maxmemory")[1] == b"10485760"
            assert cmd(r, "CONFIG", "GET", "maxmemory-policy")[1] == b"allkeys-lru"
        finally:
            cmd(r, "CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction")

    @pytest.mark.parametrize("param,value,msg", [
        ("maxmemory-policy", "foo",
         "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
         "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"),
        ("maxmemory", "abc", "argument must be a memory value"),
        ("maxmemory", "-1", "argument must be a memory value"),
        ("maxmemory", "1.5", "argument must be a memory value"),
        ("maxclients", "abc", "argument couldn't be parsed into an integer"),
        ("timeout", "-1", "argument must be between 0 and 2147483647 inclusive"),
        ("maxmemory-samples", "0", "argument must be between 1 and 2147483647 inclusive"),
        ("appendonly", "maybe", "argument must be 'yes' or 'no'"),
    ])
    def test_set_bad_values(self, r, param, value, msg):
        before = cmd(r, "CONFIG", "GET", param)
        assert err(r, "CONFIG", "SET", param, value) == (
            "ERR CONFIG SET failed (possibly related to argument '%s') - %s" % (param, msg))
        assert cmd(r, "CONFIG", "GET", param) == before

    def test_set_errors(self, r):
        assert err(r, "CONFIG", "SET", "nosuch", "1") == (
            "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
        assert err(r, "CONFIG", "SET", "maxmemory", "1", "maxmemory", "2") == (
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
            "duplicate parameter")
        assert err(r, "CONFIG", "SET", "maxmemory") == (
            "ERR wrong number of arguments for 'config|set' command")
        assert err(r, "CONFIG", "SET", "maxmemory", "1", "maxmemory-policy") == SYNTAX
        assert err(r, "CONFIG", "SET", "daemonize", "yes") == (
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - "
            "can't set immutable config")
        assert cmd(r, "CONFIG", "GET", "maxmemory") == [b"maxmemory", b"0"]

    def test_config_get_resp3_map(self, raw):
        raw.call("HELLO", "3")
        rep = raw.call("CONFIG", "GET", "maxmemory", "maxmemory-policy")
        assert isinstance(rep, Map)
        assert rep == {b"maxmemory": b"0", b"maxmemory-policy": b"noeviction"}

    def test_rewrite_without_file(self, r):
        assert err(r, "CONFIG", "REWRITE") == "ERR The server is running without a config file"

    def test_rewrite(self, server, tmp_path):
        conf = tmp_path / "kvik.conf"
        conf.write_text("# my settings\nmaxmemory 10mb\nhz 15\n\n# end\n")
        srv = server(config_file=str(conf))
        c = srv.client()
        assert cmd(c, "CONFIG", "GET", "maxmemory") == [b"maxmemory", b"10485760"]
        assert cmd(c, "CONFIG", "GET", "hz") == [b"hz", b"15"]
        cmd(c, "CONFIG", "SET", "maxmemory", "123mb", "maxmemory-policy", "allkeys-lfu")
        assert cmd(c, "CONFIG", "REWRITE") == b"OK"
        text = conf.read_text()
        lines = text.splitlines()
        assert "# my settings" in lines
        assert re.search(r"^maxmemory (123mb|128974848)$", text, re.M), text
        assert len(re.findall(r"^maxmemory ", text, re.M)) == 1, text
        assert re.search(r"^maxmemory-policy \"?allkeys-lfu\"?$", text, re.M), text
        assert re.search(r"^hz 15$", text, re.M), text
        # a server started from the rewritten file has the new values
        srv2 = server(config_file=str(conf))
        c2 = srv2.client()
        assert cmd(c2, "CONFIG", "GET", "maxmemory") == [b"maxmemory", b"128974848"]
        assert cmd(c2, "CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy",
                                                               b"allkeys-lfu"]
        assert cmd(c2, "CONFIG", "GET", "hz") == [b"hz", b"15"]


class TestCommand:
    def test_count(self, r):
        n = cmd(r, "COMMAND", "COUNT")
        assert isinstance(n, int) and n > 50
        assert len(cmd(r, "COMMAND")) == n
        # COMMAND LIST also names the subcommands (config|get, ...)
        names = cmd(r, "COMMAND", "LIST")
        assert len(names) >= n
        assert b"config|get" in names and b"get" in names

    def test_command_entries(self, r):
        names = {e[0] for e in cmd(r, "COMMAND")}
        for c in (b"get", b"set", b"del", b"expire", b"scan", b"client", b"config", b"info",
                  b"command", b"hello", b"lcs", b"ping"):
            assert c in names

    def test_info_get(self, r):
        [entry] = cmd(r, "COMMAND", "INFO", "get")
        assert entry[0] == b"get"
        assert entry[1] == 2
        assert set(entry[2]) >= {b"readonly", b"fast"}
        assert entry[3:6] == [1, 1, 1]
        assert set(entry[6]) >= {b"@read", b"@string", b"@fast"}
        assert len(entry) >= 10

    def test_info_several(self, r):
        rep = cmd(r, "COMMAND", "INFO", "set", "nosuchcmd", "MGET")
        assert rep[0][0] == b"set" and rep[0][1] == -3
        assert set(rep[0][2]) >= {b"write", b"denyoom"}
        assert rep[1] is None
        assert rep[2][0] == b"mget" and rep[2][1] == -2 and rep[2][3:6] == [1, -1, 1]

    def test_info_subcommands(self, r):
        [entry] = cmd(r, "COMMAND", "INFO", "config|get")
        assert entry[0] == b"config|get"
        assert entry[1] == -3
        [cfg] = cmd(r, "COMMAND", "INFO", "config")
        subs = {s[0] for s in cfg[9]}
        assert {b"config|get", b"config|set", b"config|rewrite", b"config|resetstat"} <= subs

    def test_docs_get(self, r):
        rep = cmd(r, "COMMAND", "DOCS", "get")
        assert rep[0] == b"get"
        doc = dict(zip(rep[1][::2], rep[1][1::2]))
        assert doc[b"group"] == b"string"
        assert doc[b"since"] == b"1.0.0"
        assert doc[b"complexity"] == b"O(1)"
        assert isinstance(doc[b"summary"], bytes) and doc[b"summary"]
        args = doc[b"arguments"]
        assert len(args) == 1
        a = dict(zip(args[0][::2], args[0][1::2]))
        assert a[b"name"] == b"key" and a[b"type"] == b"key"
        assert cmd(r, "COMMAND", "DOCS", "nosuchcmd") == []

    def test_docs_resp3(self, raw):
        raw.call("HELLO", "3")
        rep = raw.call("COMMAND", "DOCS", "set")
        assert isinstance(rep, Map)
        assert rep[b"set"][b"group"] == b"string"

    def test_list_filterby_pattern(self, r):
        got = set(cmd(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "get*"))
        assert {b"get", b"getdel", b"getex", b"getrange", b"getset"} <= got
        assert all(n.startswith(b"get") for n in got)
        assert cmd(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "xyz*") == []
        assert err(r, "COMMAND", "LIST", "FILTERBY", "FOO", "x") == SYNTAX
        assert err(r, "COMMAND", "LIST", "FILTERBY", "PATTERN") == SYNTAX

    def test_list_filterby_aclcat(self, r):
        got = set(cmd(r, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"))
        assert {b"get", b"set", b"incr", b"lcs", b"mset", b"append"} <= got
        assert b"del" not in got

    def test_getkeys(self, r):
        assert cmd(r, "COMMAND", "GETKEYS", "SET", "a", "b") == [b"a"]
        assert cmd(r, "COMMAND", "GETKEYS", "SET", "a", "b", "EX", "10") == [b"a"]
        assert cmd(r, "COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == [b"a", b"b"]
        assert cmd(r, "COMMAND", "GETKEYS", "DEL", "a", "b", "c") == [b"a", b"b", b"c"]
        assert cmd(r, "COMMAND", "GETKEYS", "RENAME", "a", "b") == [b"a", b"b"]
        assert cmd(r, "COMMAND", "GETKEYS", "GET", "a") == [b"a"]

    def test_getkeys_errors(self, r):
        assert err(r, "COMMAND", "GETKEYS", "PING", "x") == "ERR The command has no key arguments"
        assert err(r, "COMMAND", "GETKEYS", "nosuch", "a") == "ERR Invalid command specified"
        assert err(r, "COMMAND", "GETKEYS", "GET", "a", "b") == (
            "ERR Invalid number of arguments specified for command")
        assert err(r, "COMMAND", "GETKEYS", "GET") == (
            "ERR wrong number of arguments for 'command|getkeys' command")

    def test_help(self, r):
        lines = cmd(r, "COMMAND", "HELP")
        assert lines[0].startswith(b"COMMAND <subcommand>")


class TestDebug:
    def test_sleep_0(self, r):
        assert cmd(r, "DEBUG", "SLEEP", "0") == b"OK"
        assert cmd(r, "DEBUG", "SLEEP", "0.01") == b"OK"

    def test_object(self, r):
        r.set("k", "v")
        rep = cmd(r, "DEBUG", "OBJECT", "k")
        assert isinstance(rep, bytes)
        assert rep.startswith(b"Value at:")
        assert b" refcount:1 " in rep
        assert b" encoding:embstr " in rep
        assert re.search(rb" serializedlength:\d+ ", rep)
        assert re.search(rb" lru_seconds_idle:\d+", rep)
        r.set("n", "12345")
        assert b" encoding:int " in cmd(r, "DEBUG", "OBJECT", "n")
        assert err(r, "DEBUG", "OBJECT", "nokey") == "ERR no such key"

    def test_set_active_expire(self, r):
        assert cmd(r, "DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
        assert cmd(r, "DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"

    def test_unknown(self, r):
        assert err(r, "DEBUG", "FOO") == (
            "ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.")


class TestShutdown:
    def test_shutdown(self, server):
        srv = server()
        c = srv.raw()
        c.call("SET", "k", "v")
        c.send("SHUTDOWN")
        closed, replies = c.read_until_closed(15)
        assert closed
        assert replies == []
        assert srv.wait_exit(15) == 0

    def test_shutdown_nosave(self, server):
        srv = server()
        c = srv.raw()
        c.send("SHUTDOWN", "NOSAVE")
        assert c.read_until_closed(15)[0]
        assert srv.wait_exit(15) == 0

    def test_shutdown_syntax_error(self, server):
        srv = server()
        c = srv.raw()
        assert c.call("SHUTDOWN", "FOO") == Error(b"ERR syntax error")
        assert c.call("PING") == Simple(b"PONG")

    def test_sigterm(self, server):
        srv = server(threads=2)
        c = srv.client()
        c.set("k", "v")
        others = [srv.raw() for _ in range(5)]
        for o in others:
            o.call("PING")
        os.kill(srv.pid, signal.SIGTERM)
        assert srv.wait_exit(15) == 0
        for o in others:
            assert o.read_until_closed(5)[0]

    def test_sigint(self, server):
        srv = server()
        os.kill(srv.pid, signal.SIGINT)
        assert srv.wait_exit(15) == 0
