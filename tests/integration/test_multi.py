"""Transactions: MULTI / EXEC / DISCARD / WATCH / UNWATCH.

Exact reply types come from the raw client (RESP2 and RESP3); WATCH races are
driven by a second connection. The shared server runs at --threads 1 and 2.
"""

import pytest
import redis

from resp import (NULL3, NULL_ARRAY, NULL_BULK, Array, Bulk, Double, Error, Integer,
                  Map, Simple)
from util import IS_KVIK, client_list, wait_for

OK = Simple(b"OK")
QUEUED = Simple(b"QUEUED")
EXECABORT = b"EXECABORT Transaction discarded because of previous errors."


def other(shared_server):
    """A second raw connection to the shared server."""
    return shared_server.raw()


def queue(rc, *commands):
    """MULTI, then each command must answer QUEUED."""
    assert rc.call("MULTI") == OK
    for c in commands:
        rep = rc.call(*c)
        assert rep == QUEUED, (c, rep)


# --------------------------------------------------------------------------- MULTI / EXEC


class TestExecReplies:
    def test_queued_and_exec_array_resp2(self, raw):
        assert raw.call("MULTI") == OK
        for c in (("SET", "a", "1"), ("INCR", "a"), ("GET", "a"), ("RPUSH", "l", "x", "y"),
                  ("GET", "missing"), ("LRANGE", "l", 0, -1)):
            rep = raw.call(*c)
            assert rep == QUEUED and isinstance(rep, Simple)
        rep = raw.call("EXEC")
        assert isinstance(rep, Array)
        assert rep == [OK, 2, b"2", 2, NULL_BULK, [b"x", b"y"]]
        assert isinstance(rep[0], Simple)
        assert isinstance(rep[1], Integer) and isinstance(rep[3], Integer)
        assert isinstance(rep[2], Bulk)
        assert isinstance(rep[5], Array)

    def test_exec_array_resp3(self, raw):
        assert isinstance(raw.call("HELLO", "3"), Map)
        queue(raw, ("SET", "a", "1"), ("GET", "missing"), ("HSET", "h", "f", "v"),
              ("HGETALL", "h"), ("ZADD", "z", "1.5", "m"), ("ZSCORE", "z", "m"))
        rep = raw.call("EXEC")
        assert isinstance(rep, Array)
        assert rep[0] == OK
        assert rep[1] == NULL3
        assert rep[2] == 1
        assert isinstance(rep[3], Map) and rep[3] == {b"f": b"v"}
        assert rep[4] == 1
        assert isinstance(rep[5], Double) and rep[5] == 1.5

    def test_empty_transaction(self, raw):
        assert raw.call("MULTI") == OK
        rep = raw.call("EXEC")
        assert isinstance(rep, Array) and rep == []

    def test_results_visible_only_after_exec(self, shared_server, raw):
        rc2 = other(shared_server)
        queue(raw, ("SET", "k", "v"), ("INCR", "n"))
        assert rc2.call("EXISTS", "k", "n") == 0
        assert raw.call("EXEC") == [OK, 1]
        assert rc2.call("MGET", "k", "n") == [b"v", b"1"]

    def test_pipelined_transaction(self, raw):
        raw.send_many([("MULTI",), ("SET", "p", "1"), ("INCRBY", "p", "5"), ("EXEC",),
                       ("GET", "p")])
        assert raw.read_many(5) == [OK, QUEUED, QUEUED, [OK, 6], b"6"]


class TestExecErrors:
    def test_exec_and_discard_without_multi(self, raw):
        assert raw.call("EXEC") == Error(b"ERR EXEC without MULTI")
        assert raw.call("DISCARD") == Error(b"ERR DISCARD without MULTI")

    def test_nested_multi(self, raw):
        assert raw.call("MULTI") == OK
        assert raw.call("SET", "a", "1") == QUEUED
        rep = raw.call("MULTI")
        assert rep == Error(b"ERR MULTI calls can not be nested")
        assert raw.call("INCR", "a") == QUEUED
        # the nested MULTI is refused but does not doom the transaction
        assert raw.call("EXEC") == [OK, 2]
        assert raw.call("GET", "a") == b"2"

    def test_watch_inside_multi(self, raw):
        assert raw.call("MULTI") == OK
        assert raw.call("SET", "a", "1") == QUEUED
        assert raw.call("WATCH", "a") == Error(b"ERR WATCH inside MULTI is not allowed")
        assert raw.call("GET", "a") == QUEUED
        assert raw.call("EXEC") == [OK, b"1"]

    def test_unknown_command_aborts(self, raw):
        queue(raw, ("SET", "a", "1"))
        rep = raw.call("NOSUCHCMD", "x")
        assert isinstance(rep, Error)
        assert rep.startswith(b"ERR unknown command 'NOSUCHCMD'")
        assert raw.call("INCR", "b") == QUEUED  # still queueing after the error
        assert raw.call("EXEC") == Error(EXECABORT)
        assert raw.call("EXISTS", "a", "b") == 0
        # the transaction is over
        assert raw.call("EXEC") == Error(b"ERR EXEC without MULTI")

    def test_wrong_arity_aborts(self, raw):
        queue(raw, ("SET", "a", "1"))
        assert raw.call("GET") == Error(b"ERR wrong number of arguments for 'get' command")
        assert raw.call("EXEC") == Error(EXECABORT)
        assert raw.call("EXISTS", "a") == 0

    def test_unknown_subcommand_aborts(self, raw):
        queue(raw, ("SET", "a", "1"))
        rep = raw.call("CONFIG", "NOSUCHSUB")
        assert isinstance(rep, Error) and rep.startswith(b"ERR unknown subcommand")
        assert raw.call("EXEC") == Error(EXECABORT)
        assert raw.call("EXISTS", "a") == 0

    def test_execabort_then_new_transaction(self, raw):
        assert raw.call("MULTI") == OK
        raw.call("NOSUCHCMD")
        assert raw.call("EXEC") == Error(EXECABORT)
        queue(raw, ("SET", "a", "1"))
        assert raw.call("EXEC") == [OK]

    def test_runtime_errors_do_not_abort(self, raw):
        raw.call("RPUSH", "l", "x")
        queue(raw, ("SET", "a", "1"), ("INCR", "l"), ("SET", "b", "2", "NX", "XX"),
              ("INCR", "a"), ("LPUSH", "a", "z"), ("RPUSH", "l", "y"))
        rep = raw.call("EXEC")
        assert len(rep) == 6
        assert rep[0] == OK
        assert isinstance(rep[1], Error) and rep[1].startswith(b"WRONGTYPE")
        assert rep[2] == Error(b"ERR syntax error")
        assert rep[3] == 2
        assert isinstance(rep[4], Error) and rep[4].startswith(b"WRONGTYPE")
        assert rep[5] == 2
        assert raw.call("GET", "a") == b"2"
        assert raw.call("LRANGE", "l", 0, -1) == [b"x", b"y"]
        assert raw.call("EXISTS", "b") == 0

    def test_redis_py_transaction(self, r):
        p = r.pipeline(transaction=True)
        p.set("a", "1").incr("a").get("a")
        assert p.execute() == [True, 2, b"2"]


class TestDiscard:
    def test_discard_drops_queue(self, raw):
        queue(raw, ("SET", "a", "1"), ("INCR", "b"))
        assert raw.call("DISCARD") == OK
        assert raw.call("EXISTS", "a", "b") == 0
        assert raw.call("EXEC") == Error(b"ERR EXEC without MULTI")
        # a new transaction starts clean
        queue(raw, ("INCR", "b"))
        assert raw.call("EXEC") == [1]

    def test_discard_after_queue_error(self, raw):
        assert raw.call("MULTI") == OK
        raw.call("NOSUCHCMD")
        assert raw.call("DISCARD") == OK
        queue(raw, ("SET", "a", "1"))
        assert raw.call("EXEC") == [OK]

    def test_discard_drops_watches(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "w", "0")
        assert raw.call("WATCH", "w") == OK
        assert raw.call("MULTI") == OK
        assert raw.call("DISCARD") == OK
        assert rc2.call("SET", "w", "1") == OK
        queue(raw, ("SET", "a", "1"))
        assert raw.call("EXEC") == [OK]


class TestMultiMisc:
    def test_select_inside_multi(self, raw):
        queue(raw, ("SET", "k", "db0"), ("SELECT", "1"), ("SET", "k", "db1"), ("DBSIZE",))
        assert raw.call("EXEC") == [OK, OK, OK, 1]
        # the SELECT stays in effect after EXEC
        assert raw.call("GET", "k") == b"db1"
        assert raw.call("SELECT", "0") == OK
        assert raw.call("GET", "k") == b"db0"

    def test_select_bad_index_inside_multi(self, raw):
        queue(raw, ("SELECT", "9999"), ("SET", "k", "v"))
        rep = raw.call("EXEC")
        assert isinstance(rep[0], Error) and b"out of range" in rep[0]
        assert rep[1] == OK
        assert raw.call("GET", "k") == b"v"

    @pytest.mark.parametrize("proto", [2, 3])
    def test_blocking_commands_do_not_block(self, raw, proto):
        if proto == 3:
            raw.call("HELLO", "3")
        queue(raw, ("BLPOP", "l", "0"), ("BRPOP", "l", "l2", "0"),
              ("BLMOVE", "l", "d", "LEFT", "RIGHT", "0"), ("BRPOPLPUSH", "l", "d", "0"),
              ("BLMPOP", "0", "1", "l", "LEFT"), ("BZPOPMIN", "z", "0"),
              ("BZPOPMAX", "z", "0"), ("BZMPOP", "0", "1", "z", "MIN"), ("PING",))
        rep = raw.call("EXEC")
        if proto == 2:
            assert rep == [NULL_ARRAY, NULL_ARRAY, NULL_BULK, NULL_BULK, NULL_ARRAY,
                           NULL_ARRAY, NULL_ARRAY, NULL_ARRAY, Simple(b"PONG")]
        else:
            assert rep == [NULL3] * 8 + [Simple(b"PONG")]
        assert raw.call("EXISTS", "l", "d", "z") == 0

    def test_blocking_command_in_multi_with_data(self, raw):
        queue(raw, ("RPUSH", "l", "a", "b"), ("BLPOP", "l", "0"),
              ("BLMOVE", "l", "d", "LEFT", "LEFT", "0"), ("ZADD", "z", "1", "m"),
              ("BZPOPMIN", "z", "0"), ("BLPOP", "l", "0"))
        rep = raw.call("EXEC")
        assert rep == [2, [b"l", b"a"], b"b", 1, [b"z", b"m", b"1"], NULL_ARRAY]
        assert raw.call("LRANGE", "d", 0, -1) == [b"b"]

    def test_client_list_multi_fields(self, shared_server, raw):
        rc2 = other(shared_server)
        my_id = str(int(raw.call("CLIENT", "ID")))

        def me():
            for c in client_list(shared_server.client()):
                if c["id"] == my_id:
                    return c
            raise AssertionError("client %s not in CLIENT LIST" % my_id)

        before = me()
        assert before["multi"] == "-1"
        assert "x" not in before["flags"]
        assert raw.call("MULTI") == OK
        c0 = me()
        assert "x" in c0["flags"] and c0["multi"] == "0"
        raw.call("SET", "a", "1")
        raw.call("GET", "a")
        c2 = me()
        assert "x" in c2["flags"] and c2["multi"] == "2"
        assert raw.call("EXEC") == [OK, b"1"]
        after = me()
        assert "x" not in after["flags"] and after["multi"] == "-1"
        assert rc2.call("PING") == Simple(b"PONG")

    def test_unwatch_queued_inside_multi(self, raw):
        """UNWATCH inside MULTI is queued and runs within EXEC (with the
        watched keys' shards held by EXEC on a threaded server)."""
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k", "other")
        queue(raw, ("UNWATCH",), ("INCR", "n"), ("GET", "k"))
        assert raw.call("EXEC") == [OK, 1, b"v"]
        assert raw.call("PING") == Simple(b"PONG")

    def test_keyspace_info_inside_multi(self, raw):
        """INFO and DBSIZE walk every shard; inside EXEC, next to keyed and
        watched commands, they must not deadlock."""
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        queue(raw, ("SET", "k", "v2"), ("INFO", "keyspace"), ("DBSIZE",), ("INFO",),
              ("RANDOMKEY",), ("GET", "k"))
        rep = raw.call("EXEC")
        assert len(rep) == 6
        assert b"db0:keys=1" in rep[1]
        assert rep[2] == 1
        assert b"# Keyspace" in rep[3]
        assert rep[4] == b"k" and rep[5] == b"v2"

    def test_reset_ends_transaction(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "w", "0")
        raw.call("WATCH", "w")
        queue(raw, ("SET", "a", "1"))
        assert raw.call("RESET") == Simple(b"RESET")
        assert raw.call("EXEC") == Error(b"ERR EXEC without MULTI")
        assert raw.call("EXISTS", "a") == 0
        # RESET also dropped the WATCH
        rc2.call("SET", "w", "1")
        queue(raw, ("SET", "a", "1"))
        assert raw.call("EXEC") == [OK]


# --------------------------------------------------------------------------- WATCH


def exec_after(raw, *commands):
    """MULTI, the commands, EXEC; returns EXEC's reply."""
    queue(raw, *(commands or (("PING",),)))
    return raw.call("EXEC")


class TestWatch:
    def test_write_by_other_client_aborts(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "1")
        assert raw.call("WATCH", "k") == OK
        assert rc2.call("INCR", "k") == 2
        rep = exec_after(raw, ("SET", "k", "100"), ("SET", "side", "1"))
        assert rep == NULL_ARRAY
        assert raw.call("MGET", "k", "side") == [b"2", NULL_BULK]

    def test_aborted_exec_null_resp3(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("HELLO", "3")
        raw.call("WATCH", "k")
        rc2.call("SET", "k", "x")
        assert exec_after(raw, ("GET", "k")) == NULL3

    def test_redis_py_watch_error(self, r, shared_server):
        r2 = shared_server.client()
        r.set("k", "1")
        with r.pipeline() as p:
            p.watch("k")
            assert p.get("k") == b"1"
            r2.set("k", "2")
            p.multi()
            p.set("k", "3")
            with pytest.raises(redis.WatchError):
                p.execute()
        assert r.get("k") == b"2"

    def test_untouched_keys_succeed(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("MSET", "a", "1", "b", "2")
        assert raw.call("WATCH", "a", "b", "missing") == OK
        # reads and writes of other keys do not matter
        assert rc2.call("MGET", "a", "b", "missing") == [b"1", b"2", NULL_BULK]
        rc2.call("SET", "other", "x")
        rc2.call("EXISTS", "a")
        assert exec_after(raw, ("INCR", "a")) == [2]

    def test_watch_then_exec_clears_watches(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("WATCH", "k")
        assert exec_after(raw) == [Simple(b"PONG")]
        rc2.call("SET", "k", "1")
        assert exec_after(raw) == [Simple(b"PONG")]

    def test_aborted_exec_clears_watches(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("WATCH", "k")
        rc2.call("SET", "k", "1")
        assert exec_after(raw) == NULL_ARRAY
        rc2.call("SET", "k", "2")
        assert exec_after(raw) == [Simple(b"PONG")]

    def test_execabort_clears_watches(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("WATCH", "k")
        assert raw.call("MULTI") == OK
        raw.call("NOSUCHCMD")
        assert raw.call("EXEC") == Error(EXECABORT)
        rc2.call("SET", "k", "1")
        assert exec_after(raw) == [Simple(b"PONG")]

    def test_unwatch(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "1")
        assert raw.call("WATCH", "k") == OK
        assert raw.call("UNWATCH") == OK
        rc2.call("SET", "k", "2")
        assert exec_after(raw, ("GET", "k")) == [b"2"]
        assert raw.call("UNWATCH") == OK  # without WATCH: still OK

    def test_watch_same_key_twice(self, shared_server, raw):
        rc2 = other(shared_server)
        assert raw.call("WATCH", "k", "k") == OK
        assert raw.call("WATCH", "k") == OK
        rc2.call("SET", "k", "1")
        assert exec_after(raw) == NULL_ARRAY

    def test_watch_missing_key_then_created(self, shared_server, raw):
        rc2 = other(shared_server)
        assert raw.call("WATCH", "k") == OK
        rc2.call("LPUSH", "k", "x")
        assert exec_after(raw, ("SET", "k2", "v")) == NULL_ARRAY
        assert raw.call("EXISTS", "k2") == 0

    def test_watch_missing_key_deleted_again(self, shared_server, raw):
        """DEL of a key that does not exist changes nothing."""
        rc2 = other(shared_server)
        raw.call("WATCH", "k")
        assert rc2.call("DEL", "k") == 0
        assert exec_after(raw) == [Simple(b"PONG")]

    def test_del_invalidates(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        assert rc2.call("DEL", "k") == 1
        assert exec_after(raw) == NULL_ARRAY

    def test_same_value_write_invalidates(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "same")
        raw.call("WATCH", "k")
        assert rc2.call("SET", "k", "same") == OK
        assert exec_after(raw) == NULL_ARRAY

    def test_expire_command_invalidates(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        assert rc2.call("EXPIRE", "k", "100") == 1
        assert exec_after(raw) == NULL_ARRAY

    def test_write_in_other_db_does_not_invalidate(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        rc2.call("SELECT", "1")
        rc2.call("SET", "k", "other-db")
        assert exec_after(raw, ("GET", "k")) == [b"v"]

    def test_watch_keeps_its_db_after_select(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("WATCH", "k")  # db 0
        raw.call("SELECT", "1")
        rc2.call("SET", "k", "x")  # db 0
        assert exec_after(raw) == NULL_ARRAY

    def test_own_transaction_does_not_invalidate(self, raw):
        raw.call("SET", "k", "1")
        raw.call("WATCH", "k")
        assert exec_after(raw, ("INCR", "k"), ("DEL", "k"), ("SET", "k", "9")) == [2, 1, OK]
        assert raw.call("GET", "k") == b"9"

    def test_own_write_before_multi_invalidates(self, raw):
        raw.call("SET", "k", "1")
        raw.call("WATCH", "k")
        raw.call("SET", "k", "2")
        assert exec_after(raw, ("SET", "k", "3")) == NULL_ARRAY
        assert raw.call("GET", "k") == b"2"

    def test_failed_write_does_not_invalidate(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "str")
        raw.call("WATCH", "k")
        assert rc2.call("LPUSH", "k", "x").startswith(b"WRONGTYPE")
        assert rc2.call("SET", "k", "new", "NX") == NULL_BULK
        assert exec_after(raw, ("GET", "k")) == [b"str"]

    def test_many_keys_one_touched(self, shared_server, raw):
        rc2 = other(shared_server)
        keys = ["key:%d" % i for i in range(50)]
        raw.call("WATCH", *keys)
        rc2.call("SET", keys[37], "x")
        assert exec_after(raw) == NULL_ARRAY


class TestWatchExpiry:
    def test_expires_between_watch_and_exec(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        assert raw.call("PEXPIRE", "k", "150") == 1
        assert raw.call("WATCH", "k") == OK
        # A sentinel with a later deadline: once it is gone, k has expired too.
        # (Looking at k itself from here would delete it, which is a write.)
        rc2.call("SET", "sentinel", "v", "PX", "250")
        wait_for(lambda: rc2.call("EXISTS", "sentinel") == 0, timeout=10,
                 message="sentinel key to expire")
        assert exec_after(raw, ("SET", "side", "1")) == NULL_ARRAY
        assert raw.call("EXISTS", "k", "side") == 0

    def test_expires_between_watch_and_exec_no_active_expiry(self, shared_server, raw):
        rc2 = other(shared_server)
        assert rc2.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == OK
        try:
            raw.call("SET", "k", "v", "PX", "100")
            raw.call("WATCH", "k")
            rc2.call("SET", "sentinel", "v", "PX", "200")
            wait_for(lambda: rc2.call("EXISTS", "sentinel") == 0, timeout=10,
                     message="sentinel key to expire")
            # k is logically expired but nothing has deleted it yet
            assert exec_after(raw, ("SET", "side", "1")) == NULL_ARRAY
        finally:
            rc2.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")

    def test_key_already_expired_at_watch(self, shared_server, raw):
        """A key that had expired before WATCH is simply missing: its deletion
        afterwards is no change."""
        rc2 = other(shared_server)
        raw.call("SET", "k", "v", "PX", "50")
        raw.call("SET", "sentinel", "v", "PX", "120")
        wait_for(lambda: rc2.call("EXISTS", "sentinel") == 0, timeout=10,
                 message="sentinel key to expire")
        raw.call("WATCH", "k")
        assert rc2.call("EXISTS", "k") == 0
        assert exec_after(raw, ("GET", "k")) == [NULL_BULK]

    def test_ttl_key_not_expired_succeeds(self, shared_server, raw):
        raw.call("SET", "k", "v", "EX", "100")
        raw.call("WATCH", "k")
        assert exec_after(raw, ("GET", "k")) == [b"v"]


class TestWatchFlushSwapRename:
    def test_flushdb_invalidates(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        assert rc2.call("FLUSHDB") == OK
        assert exec_after(raw) == NULL_ARRAY

    def test_flushdb_missing_key_not_invalidated(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "unrelated", "v")
        raw.call("WATCH", "k")
        assert rc2.call("FLUSHDB") == OK
        assert exec_after(raw) == [Simple(b"PONG")]

    def test_flushdb_of_other_db_does_not_invalidate(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        rc2.call("SELECT", "1")
        rc2.call("SET", "k", "v1")
        assert rc2.call("FLUSHDB") == OK
        assert exec_after(raw, ("GET", "k")) == [b"v"]

    def test_flushall_invalidates(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SELECT", "2")
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        assert rc2.call("FLUSHALL") == OK
        assert exec_after(raw) == NULL_ARRAY

    def test_flushall_async_invalidates(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        assert rc2.call("FLUSHALL", "ASYNC") == OK
        assert exec_after(raw) == NULL_ARRAY

    def _swap_case(self, shared_server, raw, in_db0, in_db1):
        rc2 = other(shared_server)
        if in_db0:
            raw.call("SET", "k", "zero")
        if in_db1:
            rc2.call("SELECT", "1")
            rc2.call("SET", "k", "one")
            rc2.call("SELECT", "0")
        raw.call("SET", "unrelated", "x")
        raw.call("WATCH", "k")
        assert rc2.call("SWAPDB", "0", "1") == OK
        return exec_after(raw, ("GET", "k"))

    def test_swapdb_key_in_watched_db(self, shared_server, raw):
        assert self._swap_case(shared_server, raw, True, False) == NULL_ARRAY

    def test_swapdb_key_in_other_db(self, shared_server, raw):
        assert self._swap_case(shared_server, raw, False, True) == NULL_ARRAY

    def test_swapdb_key_in_both(self, shared_server, raw):
        assert self._swap_case(shared_server, raw, True, True) == NULL_ARRAY

    def test_swapdb_key_in_neither(self, shared_server, raw):
        assert self._swap_case(shared_server, raw, False, False) == [NULL_BULK]

    def test_swapdb_watch_stays_on_db_index(self, shared_server, raw):
        """After SWAPDB 0 1 the watch is still on db 0: a later write there
        (to what used to be db 1's data) invalidates it."""
        rc2 = other(shared_server)
        raw.call("WATCH", "k")
        assert rc2.call("SWAPDB", "0", "1") == OK
        rc2.call("SET", "k", "v")  # rc2 is in db 0
        assert exec_after(raw) == NULL_ARRAY

    def test_swapdb_write_in_old_db_after_swap(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("WATCH", "k")
        assert rc2.call("SWAPDB", "0", "1") == OK
        rc2.call("SELECT", "1")
        rc2.call("SET", "k", "v")
        assert exec_after(raw) == [Simple(b"PONG")]

    def test_debug_reload_invalidates(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        assert rc2.call("DEBUG", "RELOAD") == OK
        assert rc2.call("GET", "k") == b"v"
        assert exec_after(raw) == NULL_ARRAY

    def test_rename_into_watched_key(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "src", "v")
        raw.call("WATCH", "k")
        assert rc2.call("RENAME", "src", "k") == OK
        assert exec_after(raw) == NULL_ARRAY

    def test_rename_out_of_watched_key(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        assert rc2.call("RENAME", "k", "dst") == OK
        assert exec_after(raw) == NULL_ARRAY

    def test_rename_other_keys_does_not_invalidate(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("SET", "a", "1")
        raw.call("WATCH", "k")
        assert rc2.call("RENAME", "a", "b") == OK
        assert exec_after(raw, ("GET", "k")) == [b"v"]

    def test_move_out_of_watched_key(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        assert rc2.call("MOVE", "k", "1") == 1
        assert exec_after(raw) == NULL_ARRAY

    def test_watched_list_popped_by_blocking_client(self, shared_server, raw):
        """A blocked BLPOP that is served is a write of the list."""
        rc2 = other(shared_server)
        rc3 = other(shared_server)
        rc2.send("BLPOP", "l", "0")
        wait_for(lambda: b"blocked_clients:1\r\n" in rc3.call("INFO", "clients"),
                 message="BLPOP to block")
        raw.call("WATCH", "l")
        assert rc3.call("RPUSH", "l", "x") == 1
        assert rc2.read() == [b"l", b"x"]
        assert exec_after(raw) == NULL_ARRAY


class TestWatchMore:
    def test_eviction_invalidates(self, shared_server, raw):
        rc2 = other(shared_server)
        raw.call("SET", "k", "v")
        raw.call("WATCH", "k")
        old = rc2.call("CONFIG", "GET", "maxmemory-policy")[1]
        try:
            assert rc2.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random") == OK
            assert rc2.call("CONFIG", "SET", "maxmemory", "1") == OK
            # any command now evicts (every key, memory can never get under 1 byte)
            wait_for(lambda: rc2.call("DBSIZE") == 0, message="keys to be evicted")
        finally:
            rc2.call("CONFIG", "SET", "maxmemory", "0")
            rc2.call("CONFIG", "SET", "maxmemory-policy", old)
        assert exec_after(raw, ("SET", "side", "1")) == NULL_ARRAY
        assert raw.call("EXISTS", "side") == 0

    def test_write_by_served_blmove_invalidates(self, shared_server, raw):
        rc2 = other(shared_server)
        rc3 = other(shared_server)
        raw.call("WATCH", "dst")
        rc2.send("BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
        wait_for(lambda: b"blocked_clients:1\r\n" in rc3.call("INFO", "clients"),
                 message="BLMOVE to block")
        rc3.call("RPUSH", "src", "x")
        assert rc2.read() == b"x"
        assert exec_after(raw) == NULL_ARRAY

    def test_keyspace_walking_commands_in_multi(self, raw):
        raw.call("SET", "a", "1")
        queue(raw, ("KEYS", "*"), ("FLUSHDB",), ("SET", "b", "2"), ("DBSIZE",),
              ("SCAN", "0"))
        rep = raw.call("EXEC")
        assert rep[:4] == [[b"a"], OK, OK, 1]
        assert rep[4][1] == [b"b"]

    def test_swapdb_in_multi_serves_waiter(self, shared_server, raw):
        w = other(shared_server)
        w.send("BLPOP", "k", "0")
        wait_for(lambda: b"blocked_clients:1\r\n" in raw.call("INFO", "clients"),
                 message="BLPOP to block")
        queue(raw, ("SELECT", "1"), ("RPUSH", "k", "x"), ("SWAPDB", "0", "1"))
        assert raw.call("EXEC") == [OK, 1, OK]
        assert w.read() == [b"k", b"x"]

    def test_client_list_counts_only_queued(self, shared_server, raw):
        my_id = str(int(raw.call("CLIENT", "ID")))
        raw.call("MULTI")
        raw.call("SET", "a", "1")
        raw.call("NOSUCHCMD")
        raw.call("GET")
        mine = [c for c in client_list(shared_server.client()) if c["id"] == my_id]
        assert mine[0]["multi"] == "1"
        assert raw.call("DISCARD") == OK


# Every kind of write to a watched key invalidates the transaction. Each case:
# (setup commands, the write made by another connection).
STR = [("SET", "k", "10")]
LST = [("RPUSH", "k", "a", "b", "c")]
HSH = [("HSET", "k", "f", "1")]
SET_ = [("SADD", "k", "m1", "m2")]
ZST = [("ZADD", "k", "1", "m1", "2", "m2")]
WRITES = [
    (STR, ("APPEND", "k", "x")),
    (STR, ("SETRANGE", "k", "0", "x")),
    (STR, ("INCRBYFLOAT", "k", "1.5")),
    (STR, ("DECRBY", "k", "3")),
    (STR, ("GETDEL", "k")),
    (STR, ("GETEX", "k", "EX", "100")),
    (STR, ("GETSET", "k", "new")),
    (STR, ("SET", "k", "10", "KEEPTTL")),
    (STR, ("MSET", "k", "1", "other", "2")),
    (STR, ("PSETEX", "k", "100000", "v")),
    (STR, ("SETBIT", "k", "100", "1")),
    (STR, ("BITFIELD", "k", "SET", "u8", "0", "1")),
    ([("SET", "a", "x")], ("BITOP", "NOT", "k", "a")),
    ([("PFADD", "k", "a")], ("PFADD", "k", "b")),
    (STR, ("UNLINK", "k")),
    (STR, ("PEXPIREAT", "k", "99999999999999")),
    ([("SET", "k", "v", "EX", "100")], ("PERSIST", "k")),
    ([("SET", "src", "v")], ("RENAMENX", "src", "k")),
    ([("SET", "src", "v")], ("COPY", "src", "k")),
    ([("SET", "src", "v"), ("SET", "k", "w")], ("COPY", "src", "k", "REPLACE")),
    ([("RPUSH", "src", "3", "1")], ("SORT", "src", "STORE", "k")),
    (LST, ("LPUSHX", "k", "x")),
    (LST, ("RPOP", "k")),
    (LST, ("LSET", "k", "0", "x")),
    (LST, ("LTRIM", "k", "1", "-1")),
    (LST, ("LREM", "k", "0", "b")),
    (LST, ("LINSERT", "k", "BEFORE", "b", "x")),
    (LST, ("LMOVE", "k", "other", "LEFT", "LEFT")),
    ([("RPUSH", "src", "x")], ("LMOVE", "src", "k", "LEFT", "LEFT")),
    (LST, ("LMPOP", "1", "k", "RIGHT")),
    (HSH, ("HSET", "k", "g", "2")),
    (HSH, ("HDEL", "k", "f")),
    (HSH, ("HINCRBY", "k", "f", "1")),
    (HSH, ("HINCRBYFLOAT", "k", "f", "0.5")),
    (HSH, ("HSETNX", "k", "new", "1")),
    (SET_, ("SADD", "k", "m3")),
    (SET_, ("SREM", "k", "m1")),
    (SET_, ("SPOP", "k")),
    (SET_, ("SMOVE", "k", "other", "m1")),
    ([("SADD", "a", "x")], ("SUNIONSTORE", "k", "a")),
    ([("SADD", "a", "x")], ("SINTERSTORE", "k", "a", "a")),
    (ZST, ("ZINCRBY", "k", "5", "m1")),
    (ZST, ("ZREM", "k", "m1")),
    (ZST, ("ZPOPMAX", "k")),
    (ZST, ("ZREMRANGEBYSCORE", "k", "0", "1")),
    ([("ZADD", "a", "1", "x")], ("ZUNIONSTORE", "k", "1", "a")),
    ([("ZADD", "a", "1", "x")], ("ZRANGESTORE", "k", "a", "0", "-1")),
    (ZST, ("ZMPOP", "1", "k", "MIN")),
    ([], ("GEOADD", "k", "13.36", "38.11", "place")),
]


@pytest.mark.parametrize("setup,write", WRITES, ids=[" ".join(w[:1] + w[2:3]) for _, w in WRITES])
def test_every_write_invalidates(shared_server, raw, setup, write):
    rc2 = other(shared_server)
    for c in setup:
        raw.call(*c)
    raw.call("WATCH", "k")
    rep = rc2.call(*write)
    assert not isinstance(rep, Error), rep
    assert exec_after(raw, ("SET", "side", "1")) == NULL_ARRAY
    assert raw.call("EXISTS", "side") == 0


# Commands that change nothing leave the watchers alone.
NO_OPS = [
    (SET_, ("SADD", "k", "m1")),
    (SET_, ("SREM", "k", "nope")),
    (HSH, ("HDEL", "k", "nope")),
    (HSH, ("HSETNX", "k", "f", "2")),
    (LST, ("LREM", "k", "0", "nope")),
    (ZST, ("ZREM", "k", "nope")),
    (STR, ("SETNX", "k", "x")),
    (STR, ("PERSIST", "k")),
    ([], ("EXPIRE", "k", "100")),
    ([], ("LPUSHX", "k", "x")),
    ([], ("LPOP", "k")),
    (STR, ("TOUCH", "k")),
    (STR, ("GET", "k")),
]


@pytest.mark.parametrize("setup,write", NO_OPS, ids=[" ".join(w[:1]) for _, w in NO_OPS])
def test_no_op_writes_do_not_invalidate(shared_server, raw, setup, write):
    rc2 = other(shared_server)
    for c in setup:
        raw.call(*c)
    raw.call("WATCH", "k")
    rep = rc2.call(*write)
    assert not isinstance(rep, Error), rep
    assert exec_after(raw, ("SET", "side", "1")) == [OK]


def test_many_keys_watched_and_queued(shared_server, raw):
    rc2 = other(shared_server)
    keys = ["mk:%d" % i for i in range(150)]
    raw.call("WATCH", *keys)
    args = [x for k in keys for x in (k, k)]
    assert exec_after(raw, ("MSET", *args), ("DEL", *keys[:70])) == [OK, 70]
    assert raw.call("DBSIZE") == 80
    raw.call("WATCH", *keys)
    rc2.call("DEL", keys[149])
    assert exec_after(raw, ("MSET", *args)) == NULL_ARRAY
    assert raw.call("DBSIZE") == 79
