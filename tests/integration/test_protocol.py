"""RESP2 / RESP3 / inline protocol, pipelining, large and binary values, bad input."""

import socket
import time

import pytest

import resp
from resp import (NULL3, NULL_ARRAY, NULL_BULK, Array, Attributed, BigNumber, BlobError,
                  Boolean, Bulk, Double, Error, Integer, Map, Push, Set,
                  Simple, Verbatim, encode, parse, parse_all)

HELLO_FIELDS = {b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"}


def still_serves(srv):
    """Another, fresh connection still gets answers."""
    with srv.raw() as c:
        assert c.call("PING") == Simple(b"PONG")
        assert c.call("ECHO", "alive") == Bulk(b"alive")


def expect_protocol_error(srv, data, message):
    c = srv.raw()
    c.send_raw(data)
    closed, replies = c.read_until_closed(timeout=5)
    c.close()
    assert replies == [Error(message)], replies
    assert closed, "connection should be closed after a protocol error"
    still_serves(srv)


# --- the parser of this suite, offline ------------------------------------------

class TestRespParserOffline:
    def test_resp2_types(self):
        data = (b"+OK\r\n-ERR bad\r\n:42\r\n:-7\r\n$3\r\na\r\n\r\n$0\r\n\r\n$-1\r\n*-1\r\n"
                b"*2\r\n$1\r\nx\r\n*1\r\n:1\r\n*0\r\n")
        got = parse_all(data)
        assert got == [b"OK", b"ERR bad", 42, -7, b"a\r\n", b"", NULL_BULK, NULL_ARRAY,
                       [b"x", [1]], []]
        assert [type(v) for v in got] == [Simple, Error, Integer, Integer, Bulk, Bulk,
                                          resp.Null, resp.Null, Array, Array]
        assert got[1].code == b"ERR"

    def test_resp3_types(self):
        data = (b"_\r\n,1.5\r\n,inf\r\n,-inf\r\n#t\r\n#f\r\n(12345678901234567890\r\n"
                b"=7\r\ntxt:abc\r\n!5\r\nERR x\r\n~2\r\n:1\r\n:1\r\n"
                b"%2\r\n+a\r\n:1\r\n*1\r\n:2\r\n:3\r\n>2\r\n+message\r\n$1\r\nx\r\n"
                b"|1\r\n+key\r\n:9\r\n+val\r\n")
        got = parse_all(data)
        assert got[0] is NULL3
        assert isinstance(got[1], Double) and got[1] == 1.5 and got[1].raw == b"1.5"
        assert got[2] == float("inf") and got[3] == float("-inf")
        assert got[4] == Boolean(True) and got[5] == Boolean(False)
        assert isinstance(got[6], BigNumber) and got[6] == 12345678901234567890
        assert isinstance(got[7], Verbatim) and got[7] == b"abc" and got[7].format == b"txt"
        assert isinstance(got[8], BlobError) and got[8] == b"ERR x"
        assert isinstance(got[9], Set) and got[9] == [1, 1]
        assert isinstance(got[10], Map) and got[10][b"a"] == 1 and got[10][(2,)] == 3
        assert isinstance(got[11], Push) and got[11] == [b"message", b"x"]
        assert isinstance(got[12], Attributed) and got[12].value == b"val"
        assert got[12].attrs == {b"key": 9}

    def test_incomplete(self):
        for whole in (b"$5\r\nhello\r\n", b"*2\r\n:1\r\n:2\r\n", b"%1\r\n+a\r\n+b\r\n"):
            for cut in range(len(whole)):
                with pytest.raises(resp.Incomplete):
                    parse(whole[:cut])
            assert parse(whole)[1] == len(whole)

    def test_encode(self):
        assert encode("SET", b"k\x00", 12) == b"*3\r\n$3\r\nSET\r\n$2\r\nk\x00\r\n$2\r\n12\r\n"


# --- HELLO / RESP3 ------------------------------------------------------------

class TestHello:
    def test_hello_no_args_is_resp2(self, raw):
        rep = raw.call("HELLO")
        assert isinstance(rep, Array)
        assert len(rep) == 14
        fields = dict(zip(rep[::2], rep[1::2]))
        assert set(fields) == HELLO_FIELDS
        assert fields[b"proto"] == Integer(2)
        assert isinstance(fields[b"server"], Bulk) and len(fields[b"server"]) > 0
        assert isinstance(fields[b"version"], Bulk)
        assert isinstance(fields[b"modules"], Array)
        assert fields[b"id"] == raw.call("CLIENT", "ID")
        assert fields[b"mode"] == b"standalone"
        assert fields[b"role"] == b"master"

    def test_hello_2(self, raw):
        rep = raw.call("HELLO", "2")
        assert isinstance(rep, Array)
        fields = dict(zip(rep[::2], rep[1::2]))
        assert fields[b"proto"] == 2
        assert raw.call("GET", "missing") == NULL_BULK

    def test_hello_3(self, raw):
        rep = raw.call("HELLO", "3")
        assert isinstance(rep, Map)
        assert set(rep) == HELLO_FIELDS
        assert rep[b"proto"] == Integer(3)
        assert isinstance(rep[b"id"], Integer)
        assert isinstance(rep[b"server"], Bulk) and len(rep[b"server"]) > 0
        assert isinstance(rep[b"modules"], Array)
        assert rep[b"id"] == raw.call("CLIENT", "ID")
        # a second HELLO 3 is fine and keeps the id
        again = raw.call("HELLO", "3")
        assert again[b"id"] == rep[b"id"]

    def test_hello_ids_differ_between_connections(self, shared_server):
        a, b = shared_server.raw(), shared_server.raw()
        ida = a.call("HELLO", "3")[b"id"]
        idb = b.call("HELLO", "3")[b"id"]
        assert ida != idb

    @pytest.mark.parametrize("version", ["4", "1", "0", "-1", "100"])
    def test_hello_unsupported_version(self, raw, version):
        rep = raw.call("HELLO", version)
        assert rep == Error(b"NOPROTO unsupported protocol version")
        # connection still in RESP2
        assert raw.call("GET", "missing") == NULL_BULK

    def test_hello_4_keeps_resp3(self, raw):
        raw.call("HELLO", "3")
        assert raw.call("HELLO", "4") == Error(b"NOPROTO unsupported protocol version")
        assert raw.call("GET", "missing") is NULL3

    def test_hello_not_integer(self, raw):
        assert raw.call("HELLO", "abc") == Error(
            b"ERR Protocol version is not an integer or out of range")

    def test_hello_setname(self, raw):
        rep = raw.call("HELLO", "3", "SETNAME", "x")
        assert isinstance(rep, Map) and rep[b"proto"] == 3
        assert raw.call("CLIENT", "GETNAME") == Bulk(b"x")

    def test_hello_setname_invalid(self, raw):
        assert raw.call("HELLO", "3", "SETNAME", "a b") == Error(
            b"ERR Client names cannot contain spaces, newlines or special characters.")
        # the failed HELLO did not switch the protocol
        assert raw.call("GET", "missing") == NULL_BULK

    def test_hello_bad_option(self, raw):
        assert raw.call("HELLO", "3", "FOO") == Error(b"ERR Syntax error in HELLO option 'FOO'")
        assert raw.call("HELLO", "3", "SETNAME") == Error(
            b"ERR Syntax error in HELLO option 'SETNAME'")

    def test_back_to_resp2(self, raw):
        raw.call("HELLO", "3")
        assert raw.call("GET", "missing") is NULL3
        rep = raw.call("HELLO", "2")
        assert isinstance(rep, Array)
        assert raw.call("GET", "missing") == NULL_BULK


class TestResp3Replies:
    def test_null_and_scalars(self, raw):
        raw.call("HELLO", "3")
        assert raw.call("GET", "nokey") is NULL3
        assert raw.call("SET", "k", "v") == Simple(b"OK")
        assert raw.call("GET", "k") == Bulk(b"v")
        assert raw.call("SET", "k", "v2", "GET") == Bulk(b"v")
        assert raw.call("SET", "k2", "v", "GET") is NULL3
        assert raw.call("SET", "k", "v", "NX") is NULL3
        assert raw.call("EXISTS", "k") == Integer(1)
        assert raw.call("TTL", "k") == Integer(-1)
        assert raw.call("PING") == Simple(b"PONG")
        assert raw.call("TYPE", "k") == Simple(b"string")
        assert raw.call("INCRBYFLOAT", "f", "1.5") == Bulk(b"1.5")
        assert raw.call("OBJECT", "ENCODING", "nokey") is NULL3
        assert raw.call("CLIENT", "GETNAME") is NULL3

    def test_arrays_with_nulls(self, raw):
        raw.call("HELLO", "3")
        raw.call("SET", "a", "1")
        assert raw.call("MGET", "a", "b") == Array([Bulk(b"1"), NULL3])

    def test_config_get_is_map(self, raw):
        raw.call("HELLO", "3")
        rep = raw.call("CONFIG", "GET", "maxmemory")
        assert isinstance(rep, Map)
        assert rep == {b"maxmemory": b"0"}
        raw.call("HELLO", "2")
        rep = raw.call("CONFIG", "GET", "maxmemory")
        assert isinstance(rep, Array) and rep == [b"maxmemory", b"0"]

    def test_info_and_client_info_are_verbatim(self, raw):
        raw.call("HELLO", "3")
        info = raw.call("INFO", "server")
        assert isinstance(info, Verbatim) and info.format == b"txt"
        assert b"# Server" in info
        ci = raw.call("CLIENT", "INFO")
        assert isinstance(ci, Verbatim) and ci.format == b"txt"
        assert b"resp=3" in ci
        cl = raw.call("CLIENT", "LIST")
        assert isinstance(cl, Verbatim)

    def test_info_resp2_is_bulk(self, raw):
        assert isinstance(raw.call("INFO", "server"), Bulk)
        assert isinstance(raw.call("CLIENT", "INFO"), Bulk)

    def test_lcs_idx_is_map(self, raw):
        raw.call("HELLO", "3")
        raw.call("SET", "a", "ohmytext")
        raw.call("SET", "b", "mynewtext")
        rep = raw.call("LCS", "a", "b", "IDX")
        assert isinstance(rep, Map)
        assert rep[b"len"] == 6
        assert isinstance(rep[b"matches"], Array)

    def test_scan_shape(self, raw):
        raw.call("HELLO", "3")
        raw.call("SET", "k", "v")
        rep = raw.call("SCAN", "0", "COUNT", "100")
        assert isinstance(rep, Array) and len(rep) == 2
        assert isinstance(rep[0], Bulk) and rep[0] == b"0"
        assert rep[1] == [b"k"]

    def test_errors_same_in_resp3(self, raw):
        raw.call("HELLO", "3")
        assert raw.call("GET") == Error(b"ERR wrong number of arguments for 'get' command")
        raw.call("SET", "s", "abc")
        assert raw.call("INCR", "s") == Error(b"ERR value is not an integer or out of range")


# --- inline commands --------------------------------------------------------------

class TestInline:
    def test_inline_ping(self, raw):
        raw.send_raw(b"PING\r\n")
        assert raw.read() == Simple(b"PONG")

    def test_inline_lf_only(self, raw):
        raw.send_raw(b"PING\n")
        assert raw.read() == Simple(b"PONG")

    def test_inline_set_get(self, raw):
        raw.send_raw(b"SET a b\r\nGET a\r\n")
        assert raw.read_many(2) == [Simple(b"OK"), Bulk(b"b")]

    def test_inline_extra_spaces(self, raw):
        raw.send_raw(b"SET  a   b  \r\nGET a\r\n")
        assert raw.read_many(2) == [Simple(b"OK"), Bulk(b"b")]

    def test_inline_double_quotes(self, raw):
        raw.send_raw(b'SET "my key" "hello world"\r\nGET "my key"\r\n')
        assert raw.read_many(2) == [Simple(b"OK"), Bulk(b"hello world")]

    def test_inline_single_quotes(self, raw):
        raw.send_raw(b"SET k 'x y'\r\nGET k\r\n")
        assert raw.read_many(2) == [Simple(b"OK"), Bulk(b"x y")]

    def test_inline_escapes(self, raw):
        raw.send_raw(b'ECHO "a\\x41\\n\\t\\"q"\r\n')
        assert raw.read() == Bulk(b'aA\n\t"q')
        raw.send_raw(b'ECHO "\\xff\\x00"\r\n')
        assert raw.read() == Bulk(b"\xff\x00")

    def test_inline_empty_quoted_arg(self, raw):
        raw.send_raw(b'SET k ""\r\nSTRLEN k\r\n')
        assert raw.read_many(2) == [Simple(b"OK"), Integer(0)]

    def test_inline_empty_lines_ignored(self, raw):
        raw.send_raw(b"\r\n\r\nPING\r\n")
        assert raw.read() == Simple(b"PONG")
        assert raw.no_reply_within(0.2)

    def test_inline_unbalanced_quotes(self, shared_server):
        expect_protocol_error(shared_server, b'SET a "x\r\n',
                              b"ERR Protocol error: unbalanced quotes in request")
        expect_protocol_error(shared_server, b'SET a "x"y\r\n',
                              b"ERR Protocol error: unbalanced quotes in request")

    def test_inline_unknown_command(self, raw):
        raw.send_raw(b"foo bar\r\n")
        assert raw.read() == Error(b"ERR unknown command 'foo', with args beginning with: 'bar' ")
        raw.send_raw(b"foo\r\n")
        assert raw.read() == Error(b"ERR unknown command 'foo', with args beginning with: ")

    def test_inline_too_big(self, shared_server):
        expect_protocol_error(shared_server, b"A" * 70000,
                              b"ERR Protocol error: too big inline request")

    def test_inline_and_multibulk_mixed(self, raw):
        raw.send_raw(b"SET a 1\r\n" + encode("INCR", "a") + b"GET a\r\n")
        assert raw.read_many(3) == [Simple(b"OK"), Integer(2), Bulk(b"2")]


# --- multibulk details --------------------------------------------------------------

class TestMultibulk:
    def test_commands_case_insensitive(self, raw):
        raw.call("set", "k", "v")
        assert raw.call("gEt", "k") == Bulk(b"v")
        assert raw.call("GET", "k") == Bulk(b"v")

    def test_empty_and_null_multibulk_ignored(self, raw):
        raw.send_raw(b"*0\r\n*-1\r\nPING\r\n")
        assert raw.read() == Simple(b"PONG")
        assert raw.no_reply_within(0.2)

    def test_command_split_across_writes(self, raw):
        data = encode("SET", "split", "value-split")
        for i in range(0, len(data), 3):
            raw.send_raw(data[i:i + 3])
            time.sleep(0.001)
        assert raw.read() == Simple(b"OK")
        assert raw.call("GET", "split") == Bulk(b"value-split")

    def test_pipeline_10k(self, raw):
        n = 10000
        cmds = []
        for i in range(n):
            cmds.append(("INCR", "counter") if i % 2 else ("SET", "k%d" % i, "v%d" % i))
        raw.send_many(cmds)
        replies = raw.read_many(n, timeout=30)
        for i, rep in enumerate(replies):
            if i % 2:
                assert rep == Integer((i + 1) // 2)
            else:
                assert rep == Simple(b"OK")
        assert raw.call("GET", "k9998") == Bulk(b"v9998")
        assert raw.call("DBSIZE") == Integer(n // 2 + 1)

    def test_pipeline_inline_10k(self, raw):
        n = 10000
        raw.send_raw(b"PING\r\n" * n)
        replies = raw.read_many(n, timeout=30)
        assert all(r == Simple(b"PONG") for r in replies)

    def test_pipeline_with_errors_in_the_middle(self, raw):
        raw.send_many([("SET", "a", "x"), ("INCR", "a"), ("NOSUCHCMD",), ("GET",), ("GET", "a")])
        reps = raw.read_many(5)
        assert reps[0] == Simple(b"OK")
        assert reps[1] == Error(b"ERR value is not an integer or out of range")
        assert reps[2] == Error(b"ERR unknown command 'NOSUCHCMD', with args beginning with: ")
        assert reps[3] == Error(b"ERR wrong number of arguments for 'get' command")
        assert reps[4] == Bulk(b"x")

    def test_quit(self, raw):
        raw.send("QUIT")
        closed, replies = raw.read_until_closed(timeout=5)
        assert replies == [Simple(b"OK")]
        assert closed

    def test_quit_inline(self, shared_server):
        c = shared_server.raw()
        c.send_raw(b"QUIT\r\nPING\r\n")
        closed, replies = c.read_until_closed(timeout=5)
        assert replies == [Simple(b"OK")]
        assert closed


# --- values --------------------------------------------------------------------

class TestValues:
    def test_large_value_raw(self, raw):
        big = bytes(range(256)) * (4 * 1024 * 1024 // 256)  # 4 MiB
        assert raw.call("SET", "big", big) == Simple(b"OK")
        assert raw.call("STRLEN", "big") == Integer(len(big))
        got = raw.call("GET", "big")
        assert isinstance(got, Bulk) and got == big

    def test_large_value_redis_py(self, r):
        big = b"x" * (3 * 1024 * 1024) + b"end"
        r.set("big", big)
        assert r.get("big") == big
        assert r.append("big", b"!" * 1000) == len(big) + 1000
        assert r.getrange("big", -4, -1) == b"!!!!"

    def test_many_large_values_pipelined(self, raw):
        val = b"v" * 200000
        raw.send_many([("SET", "lv%d" % i, val) for i in range(20)])
        assert raw.read_many(20) == [Simple(b"OK")] * 20
        raw.send_many([("GET", "lv%d" % i) for i in range(20)])
        assert all(v == val for v in raw.read_many(20, timeout=30))

    def test_empty_value_and_key(self, r):
        assert r.set("", "") is True
        assert r.get("") == b""
        assert r.exists("") == 1
        assert r.strlen("") == 0
        r.set("k", "")
        assert r.get("k") == b""
        assert r.type("k") == b"string"

    def test_empty_bulk_raw(self, raw):
        raw.send_raw(b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n")
        assert raw.read() == Simple(b"OK")
        assert raw.call("GET", "") == Bulk(b"")

    def test_binary_safe(self, r):
        key = b"k\x00ey\r\n*1\r\n$3"
        val = b"\x00\x01\r\n\xff\xfe$-1\r\n\x00"
        r.set(key, val)
        assert r.get(key) == val
        assert r.exists(key) == 1
        assert r.exists(b"k") == 0
        assert r.strlen(key) == len(val)
        assert r.keys(b"k*") == [key]
        allbytes = bytes(range(256))
        r.set(allbytes, allbytes)
        assert r.get(allbytes) == allbytes

    def test_binary_in_unknown_command_error(self, raw):
        rep = raw.call("foo", "a\r\nb", "c d")
        assert rep == Error(b"ERR unknown command 'foo', with args beginning with: 'a  b' 'c d' ")
        assert raw.call("PING") == Simple(b"PONG")


# --- bad input ------------------------------------------------------------------

class TestBadInput:
    def test_invalid_bulk_length(self, shared_server):
        expect_protocol_error(shared_server, b"*1\r\n$x\r\n",
                              b"ERR Protocol error: invalid bulk length")

    def test_negative_bulk_length(self, shared_server):
        expect_protocol_error(shared_server, b"*1\r\n$-1\r\n",
                              b"ERR Protocol error: invalid bulk length")
        expect_protocol_error(shared_server, b"*1\r\n$-5\r\n",
                              b"ERR Protocol error: invalid bulk length")

    def test_invalid_multibulk_length(self, shared_server):
        expect_protocol_error(shared_server, b"*abc\r\n",
                              b"ERR Protocol error: invalid multibulk length")

    def test_multibulk_count_too_big(self, shared_server):
        expect_protocol_error(shared_server, b"*3000000000\r\n",
                              b"ERR Protocol error: invalid multibulk length")

    def test_bulk_above_proto_max_bulk_len(self, shared_server):
        # default proto-max-bulk-len is 512mb
        expect_protocol_error(shared_server, b"*1\r\n$536870913\r\n",
                              b"ERR Protocol error: invalid bulk length")

    def test_bulk_above_configured_proto_max_bulk_len(self, server):
        srv = server("--proto-max-bulk-len", "1mb")
        c = srv.client()
        assert c.execute_command("CONFIG", "GET", "proto-max-bulk-len") == [
            b"proto-max-bulk-len", b"1048576"]
        # exactly the limit is fine
        c.set("ok", b"x" * 1048576)
        assert c.strlen("ok") == 1048576
        expect_protocol_error(srv, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n",
                              b"ERR Protocol error: invalid bulk length")

    def test_dollar_expected_got_star(self, shared_server):
        expect_protocol_error(shared_server, b"*2\r\n$4\r\nPING\r\n*1\r\n",
                              b"ERR Protocol error: expected '$', got '*'")

    def test_dollar_expected_got_colon(self, shared_server):
        expect_protocol_error(shared_server, b"*2\r\n$4\r\nECHO\r\n:1\r\n",
                              b"ERR Protocol error: expected '$', got ':'")

    def test_dollar_expected_got_letter(self, shared_server):
        expect_protocol_error(shared_server, b"*1\r\nPING\r\n",
                              b"ERR Protocol error: expected '$', got 'P'")

    def test_too_big_count_strings(self, shared_server):
        expect_protocol_error(shared_server, b"*" + b"1" * 70000,
                              b"ERR Protocol error: too big mbulk count string")
        expect_protocol_error(shared_server, b"*1\r\n$" + b"1" * 70000,
                              b"ERR Protocol error: too big bulk count string")

    def test_commands_before_error_are_answered(self, shared_server):
        c = shared_server.raw()
        c.send_raw(encode("SET", "before", "1") + encode("PING") + b"*1\r\n$x\r\n"
                   + encode("SET", "after", "1"))
        closed, replies = c.read_until_closed(timeout=5)
        assert replies == [Simple(b"OK"), Simple(b"PONG"),
                           Error(b"ERR Protocol error: invalid bulk length")]
        assert closed
        with shared_server.raw() as d:
            assert d.call("EXISTS", "before") == 1
            assert d.call("EXISTS", "after") == 0
            d.call("DEL", "before")

    def test_unknown_command(self, raw):
        assert raw.call("foo") == Error(b"ERR unknown command 'foo', with args beginning with: ")
        assert raw.call("foo", "a", "bb") == Error(
            b"ERR unknown command 'foo', with args beginning with: 'a' 'bb' ")

    def test_unknown_command_long_name_and_args_truncated(self, raw):
        rep = raw.call("x" * 200, "a" * 200, "b")
        assert rep == Error(b"ERR unknown command '" + b"x" * 128
                            + b"', with args beginning with: '" + b"a" * 128 + b"' ")
        rep = raw.call("foo", *["a%d" % i for i in range(60)])
        expected = b"".join(b"'a%d' " % i for i in range(23))
        assert rep == Error(b"ERR unknown command 'foo', with args beginning with: " + expected)

    @pytest.mark.parametrize("cmd,name", [
        (("GET",), "get"), (("get", "a", "b"), "get"), (("SET", "a"), "set"),
        (("MGET",), "mget"), (("MSET", "a"), "mset"), (("MSET", "a", "b", "c"), "mset"),
        (("EXPIRE", "a"), "expire"), (("INCRBY", "a"), "incrby"), (("ECHO",), "echo"),
        (("PING", "a", "b"), "ping"), (("CONFIG", "GET"), "config|get"),
        (("CONFIG",), "config"), (("OBJECT", "ENCODING"), "object|encoding"),
        (("CLIENT", "SETNAME"), "client|setname"), (("DEL",), "del"),
    ])
    def test_wrong_arity(self, raw, cmd, name):
        assert raw.call(*cmd) == Error(
            b"ERR wrong number of arguments for '%s' command" % name.encode())

    def test_unknown_subcommand(self, raw):
        assert raw.call("CONFIG", "FOO") == Error(b"ERR unknown subcommand 'FOO'. Try CONFIG HELP.")
        assert raw.call("OBJECT", "FOO", "k") == Error(
            b"ERR unknown subcommand 'FOO'. Try OBJECT HELP.")
        assert raw.call("CLIENT", "FOO") == Error(b"ERR unknown subcommand 'FOO'. Try CLIENT HELP.")

    def test_half_command_then_disconnect(self, shared_server, r):
        for partial in (b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$5\r\nab",
                        b"*3\r\n$3\r\nSET\r\n$4\r\nhalf",
                        b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100000\r\n" + b"z" * 50000,
                        b"SET half value"):
            c = shared_server.raw()
            c.send_raw(partial)
            time.sleep(0.02)
            c.close()
        assert r.exists("half") == 0
        assert r.ping()
        still_serves(shared_server)

    def test_half_command_does_not_block_others(self, shared_server, r):
        stuck = shared_server.raw()
        stuck.send_raw(b"*2\r\n$4\r\nECHO\r\n$10\r\nabc")
        # other clients are served while the first one is incomplete
        for i in range(20):
            assert r.set("x%d" % i, i)
        assert r.dbsize() == 20
        # the first client can still finish its command
        stuck.send_raw(b"defghij\r\n")
        assert stuck.read() == Bulk(b"abcdefghij")
        stuck.close()

    def test_many_bad_clients_then_good(self, shared_server):
        bad = [b"*1\r\n$x\r\n", b"*abc\r\n", b"*2\r\n$4\r\nPING\r\n*1\r\n", b'GET "a\r\n']
        conns = []
        for i in range(20):
            c = shared_server.raw()
            c.send_raw(bad[i % len(bad)])
            conns.append(c)
        for c in conns:
            closed, replies = c.read_until_closed(timeout=5)
            assert closed
            assert len(replies) == 1 and isinstance(replies[0], Error)
            assert replies[0].startswith(b"ERR Protocol error: ")
            c.close()
        still_serves(shared_server)

    def test_abrupt_reset_while_replying(self, shared_server, r):
        r.set("big", b"y" * (2 * 1024 * 1024))
        for _ in range(3):
            s = socket.create_connection((shared_server.host, shared_server.port), timeout=5)
            s.sendall(encode("GET", "big") * 5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()  # RST with unread replies pending
        assert r.strlen("big") == 2 * 1024 * 1024
        still_serves(shared_server)
