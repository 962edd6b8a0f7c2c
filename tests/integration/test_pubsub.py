"""Pub/sub: subscription replies and counts (RESP2 and RESP3), patterns, shard
channels, PUBSUB introspection, subscriber-mode errors, RESP3 pushes mixed with
ordinary replies, delivery across worker threads (counts, ordering), slow
subscribers cut off by client-output-buffer-limit pubsub, and a bounded stress
run."""

import random
import socket
import threading
import time

import pytest

from resp import Array, Bulk, Error, Integer, Null, Push, RawClient, Simple
from util import cmd, info_dict, wait_for


def sub_reply(kind, name, count):
    return [kind, name, count]


def drain_subscribe(rc, n):
    """Reads n subscription confirmations, returns them."""
    return [rc.read() for _ in range(n)]


def numsub(r, *channels):
    rep = cmd(r, "PUBSUB", "NUMSUB", *channels)
    return {rep[i]: rep[i + 1] for i in range(0, len(rep), 2)}


def wait_numsub(r, channel, n, kind="NUMSUB"):
    def ok():
        rep = cmd(r, "PUBSUB", kind, channel)
        return rep[1] == n
    wait_for(ok, message="%s %s == %d" % (kind, channel, n))


# ------------------------------------------------------------ replies, modes

def test_subscribe_unsubscribe_replies_resp2(raw, r):
    raw.send("SUBSCRIBE", "a", "b", "a")
    reps = drain_subscribe(raw, 3)
    assert reps == [[b"subscribe", b"a", 1], [b"subscribe", b"b", 2], [b"subscribe", b"a", 2]]
    assert all(isinstance(x, Array) for x in reps)
    assert isinstance(reps[0][0], Bulk) and isinstance(reps[0][2], Integer)
    raw.send("PSUBSCRIBE", "x*", "y?")
    assert drain_subscribe(raw, 2) == [[b"psubscribe", b"x*", 3], [b"psubscribe", b"y?", 4]]
    raw.send("UNSUBSCRIBE", "b", "nosuch")
    assert drain_subscribe(raw, 2) == [[b"unsubscribe", b"b", 3], [b"unsubscribe", b"nosuch", 3]]
    raw.send("UNSUBSCRIBE")
    assert drain_subscribe(raw, 1) == [[b"unsubscribe", b"a", 2]]
    raw.send("PUNSUBSCRIBE")
    reps = drain_subscribe(raw, 2)
    assert sorted(x[1] for x in reps) == [b"x*", b"y?"]
    assert sorted(x[2] for x in reps) == [0, 1]
    # Nothing left: a null channel and a zero count.
    rep = raw.call("UNSUBSCRIBE")
    assert rep == [b"unsubscribe", Null("bulk"), 0]
    rep = raw.call("PUNSUBSCRIBE")
    assert rep == [b"punsubscribe", Null("bulk"), 0]
    rep = raw.call("SUNSUBSCRIBE")
    assert rep == [b"sunsubscribe", Null("bulk"), 0]
    # Out of subscriber mode again: ordinary commands work.
    assert raw.call("SET", "k", "v") == Simple(b"OK")


def test_subscriber_mode_errors_resp2(raw):
    raw.call("SUBSCRIBE", "ch")
    err = raw.call("GET", "k")
    assert err == Error(b"ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                        b"PING / QUIT / RESET are allowed in this context")
    err = raw.call("CLIENT", "LIST")
    assert err.startswith(b"ERR Can't execute 'client|list': only (P|S)SUBSCRIBE")
    assert raw.call("PING") == [b"pong", b""]
    assert raw.call("PING", "hi") == [b"pong", b"hi"]
    # Other subscription kinds stay allowed.
    assert raw.call("SSUBSCRIBE", "s") == [b"ssubscribe", b"s", 1]
    assert raw.call("PSUBSCRIBE", "p*") == [b"psubscribe", b"p*", 2]
    assert raw.call("QUIT") == Simple(b"OK")


def test_shard_subscription_alone_is_subscriber_mode(raw):
    assert raw.call("SSUBSCRIBE", "s1", "s2") == [b"ssubscribe", b"s1", 1]
    assert raw.read() == [b"ssubscribe", b"s2", 2]
    assert raw.call("GET", "x").startswith(b"ERR Can't execute 'get'")
    # SUBSCRIBE counts channels + patterns only.
    assert raw.call("SUBSCRIBE", "c") == [b"subscribe", b"c", 1]
    assert raw.call("SUNSUBSCRIBE", "s1") == [b"sunsubscribe", b"s1", 1]


def test_resp3_push_mixed_with_replies(shared_server, r):
    sub = shared_server.raw()
    sub.call("HELLO", "3")
    rep = sub.call("SUBSCRIBE", "news")
    assert isinstance(rep, Push) and rep == [b"subscribe", b"news", 1]
    # RESP3: ordinary commands keep working on the subscribed connection.
    assert sub.call("SET", "k", "v") == Simple(b"OK")
    assert sub.call("PING") == Simple(b"PONG")
    assert cmd(r, "PUBLISH", "news", "hello") == 1
    msg = sub.read()
    assert isinstance(msg, Push) and msg == [b"message", b"news", b"hello"]
    # A push arriving between commands does not disturb the replies.
    assert cmd(r, "PUBLISH", "news", "m2") == 1
    sub.send("GET", "k")
    got = [sub.read(), sub.read()]
    assert [b"message", b"news", b"m2"] in got and b"v" in got
    # A client publishing to its own channel gets the message too.
    sub.send("PUBLISH", "news", "self")
    got = [sub.read(), sub.read()]
    assert got == [[b"message", b"news", b"self"], 1]
    assert isinstance(got[0], Push)
    rep = sub.call("UNSUBSCRIBE")
    assert isinstance(rep, Push) and rep == [b"unsubscribe", b"news", 0]


def test_message_formats_resp2(shared_server, r):
    sub = shared_server.raw()
    sub.send("SUBSCRIBE", "chan")
    sub.read()
    sub.send("PSUBSCRIBE", "ch*")
    sub.read()
    sub.send("SSUBSCRIBE", "chan")
    sub.read()
    # The channel subscriber gets "message", then the pattern one "pmessage".
    assert cmd(r, "PUBLISH", "chan", "payload") == 2
    assert sub.read() == [b"message", b"chan", b"payload"]
    assert sub.read() == [b"pmessage", b"ch*", b"chan", b"payload"]
    # Shard channels are separate from channels, and patterns never match them.
    assert cmd(r, "SPUBLISH", "chan", "s") == 1
    rep = sub.read()
    assert isinstance(rep, Array) and rep == [b"smessage", b"chan", b"s"]
    # Binary-safe channel and payload.
    bin_payload = bytes(range(256)) * 3
    assert cmd(r, "PUBLISH", "chan", bin_payload) == 2
    assert sub.read() == [b"message", b"chan", bin_payload]
    assert sub.read() == [b"pmessage", b"ch*", b"chan", bin_payload]
    assert cmd(r, "PUBLISH", "nobody", "x") == 0
    assert cmd(r, "SPUBLISH", "nobody", "x") == 0


def test_glob_patterns(shared_server, r):
    sub = shared_server.raw()
    pats = ["news.*", "h?llo", "h[ae]llo", "a\\*b", "[^x]y"]
    sub.send("PSUBSCRIBE", *pats)
    drain_subscribe(sub, len(pats))
    cases = {
        "news.sport": ["news.*"], "news": [], "hello": ["h?llo", "h[ae]llo"],
        "hillo": ["h?llo"], "a*b": ["a\\*b"], "axb": [], "zy": ["[^x]y"], "xy": [],
    }
    for channel, expect in cases.items():
        assert cmd(r, "PUBLISH", channel, "m") == len(expect), channel
        got = [sub.read()[1].decode() for _ in expect]
        assert sorted(got) == sorted(expect), channel
    assert sub.call("PING") == [b"pong", b""]  # nothing else was queued


# ------------------------------------------------------------ introspection

def test_pubsub_introspection(shared_server, r):
    a = shared_server.raw()
    b = shared_server.raw()
    a.send("SUBSCRIBE", "foo", "bar", "foo.x")
    drain_subscribe(a, 3)
    b.send("SUBSCRIBE", "foo")
    drain_subscribe(b, 1)
    a.send("PSUBSCRIBE", "f*", "b*")
    drain_subscribe(a, 2)
    b.send("PSUBSCRIBE", "f*")
    drain_subscribe(b, 1)
    b.send("SSUBSCRIBE", "s1", "s2")
    drain_subscribe(b, 2)
    a.send("SSUBSCRIBE", "s1")
    drain_subscribe(a, 1)
    assert sorted(cmd(r, "PUBSUB", "CHANNELS")) == [b"bar", b"foo", b"foo.x"]
    assert sorted(cmd(r, "PUBSUB", "CHANNELS", "foo*")) == [b"foo", b"foo.x"]
    assert cmd(r, "PUBSUB", "CHANNELS", "zz*") == []
    assert cmd(r, "PUBSUB", "NUMSUB", "foo", "bar", "none") == [b"foo", 2, b"bar", 1, b"none", 0]
    assert cmd(r, "PUBSUB", "NUMSUB") == []
    assert cmd(r, "PUBSUB", "NUMPAT") == 2  # distinct patterns
    assert sorted(cmd(r, "PUBSUB", "SHARDCHANNELS")) == [b"s1", b"s2"]
    assert cmd(r, "PUBSUB", "SHARDCHANNELS", "*2") == [b"s2"]
    assert cmd(r, "PUBSUB", "SHARDNUMSUB", "s1", "s2", "foo") == [b"s1", 2, b"s2", 1, b"foo", 0]
    info = info_dict(r, "stats")
    assert info["pubsub_channels"] == "3"
    assert info["pubsub_patterns"] == "2"
    assert info["pubsubshard_channels"] == "2"
    # PUBLISH counts channel and pattern receivers.
    assert cmd(r, "PUBLISH", "foo", "m") == 4
    help_lines = cmd(r, "PUBSUB", "HELP")
    assert help_lines[0].startswith(b"PUBSUB <subcommand>")
    assert any(line.startswith(b"SHARDNUMSUB") for line in help_lines)
    with pytest.raises(Exception) as e:
        cmd(r, "PUBSUB", "CHANNELS", "a", "b")
    assert str(e.value) == ("ERR unknown subcommand or wrong number of arguments for "
                            "'CHANNELS'. Try PUBSUB HELP.")
    with pytest.raises(Exception) as e:
        cmd(r, "PUBSUB", "NOPE")
    assert str(e.value) == "ERR unknown subcommand 'NOPE'. Try PUBSUB HELP."
    with pytest.raises(Exception) as e:
        cmd(r, "PUBSUB", "NUMPAT", "x")
    assert str(e.value) == "ERR wrong number of arguments for 'pubsub|numpat' command"
    # Leaving clears the registry.
    a.close()
    b.close()
    wait_for(lambda: cmd(r, "PUBSUB", "NUMPAT") == 0 and cmd(r, "PUBSUB", "CHANNELS") == []
             and cmd(r, "PUBSUB", "SHARDCHANNELS") == [], message="registry emptied")
    info = info_dict(r, "stats")
    assert (info["pubsub_channels"], info["pubsub_patterns"], info["pubsubshard_channels"]) \
        == ("0", "0", "0")


def client_line(r, name):
    for line in cmd(r, "CLIENT", "LIST").decode().splitlines():
        if " name=%s " % name in line:
            return dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
    return None


def test_client_list_fields_and_reset(shared_server, r):
    sub = shared_server.raw()
    sub.call("CLIENT", "SETNAME", "subber")
    sub.send("SUBSCRIBE", "a", "b")
    drain_subscribe(sub, 2)
    sub.call("PSUBSCRIBE", "p*")
    sub.send("SSUBSCRIBE", "s1", "s2", "s3")
    drain_subscribe(sub, 3)
    f = client_line(r, "subber")
    assert (f["sub"], f["psub"], f["ssub"], f["flags"]) == ("2", "1", "3", "P")
    assert b"subber" in cmd(r, "CLIENT", "LIST", "TYPE", "pubsub")
    assert b"subber" not in cmd(r, "CLIENT", "LIST", "TYPE", "normal")
    # RESET leaves every subscription and subscriber mode.
    assert sub.call("RESET") == Simple(b"RESET")
    assert sub.call("CLIENT", "SETNAME", "subber") == Simple(b"OK")
    f = client_line(r, "subber")
    assert (f["sub"], f["psub"], f["ssub"], f["flags"]) == ("0", "0", "0", "N")
    assert cmd(r, "PUBLISH", "a", "x") == 0
    assert cmd(r, "SPUBLISH", "s1", "x") == 0
    assert cmd(r, "PUBSUB", "NUMPAT") == 0
    assert sub.call("GET", "nokey") == Null("bulk")


def test_disconnect_unsubscribes(shared_server, r):
    subs = [shared_server.raw() for _ in range(6)]
    for s in subs:
        s.send("SUBSCRIBE", "gone")
        s.read()
    assert cmd(r, "PUBLISH", "gone", "x") == 6
    for s in subs[:4]:
        s.close()
    wait_numsub(r, "gone", 2)
    assert cmd(r, "PUBLISH", "gone", "y") == 2
    for s in subs[4:]:
        assert s.read() == [b"message", b"gone", b"x"]
        assert s.read() == [b"message", b"gone", b"y"]


# ------------------------------------------------------------ across threads

@pytest.fixture
def threaded(server):
    return server(threads=2)


def test_delivery_across_threads_ordered(threaded):
    """Several publishers, many subscribers on both workers (channel and
    pattern): every subscriber gets every message once, each publisher's in
    publish order, and PUBLISH's counts add up to the deliveries."""
    n_subs, n_pubs, per_pub = 24, 4, 250
    subs = []
    for i in range(n_subs):
        s = threaded.raw(timeout=30)
        if i % 3 == 2:
            s.call("PSUBSCRIBE", "ord*")
        else:
            s.call("SUBSCRIBE", "order")
        subs.append(s)
    ctl = threaded.client()
    assert cmd(ctl, "PUBLISH", "order", "start") == n_subs
    for s in subs:
        assert s.read()[-1] == b"start"
    totals = [0] * n_pubs

    def publish(p):
        with RawClient(threaded.host, threaded.port, timeout=30) as pc:
            # A mix of single commands and pipelines.
            seq = 0
            while seq < per_pub:
                batch = min(random.choice([1, 1, 8, 32]), per_pub - seq)
                pc.send_many([("PUBLISH", "order", "%d:%d" % (p, seq + k))
                              for k in range(batch)])
                for rep in pc.read_many(batch):
                    totals[p] += rep
                seq += batch

    pubs = [threading.Thread(target=publish, args=(p,)) for p in range(n_pubs)]
    for t in pubs:
        t.start()
    for t in pubs:
        t.join(60)
    assert not any(t.is_alive() for t in pubs)
    assert sum(totals) == n_subs * n_pubs * per_pub
    for s in subs:
        last = [-1] * n_pubs
        for _ in range(n_pubs * per_pub):
            m = s.read()
            p, seq = map(int, m[-1].split(b":"))
            assert seq == last[p] + 1, "publisher %d: %d after %d" % (p, seq, last[p])
            last[p] = seq
        assert last == [per_pub - 1] * n_pubs
        # Nothing more (no duplicates): the next thing is the PING reply.
        assert s.call("PING") == [b"pong", b""]


def test_publish_counts_spread_over_workers(threaded):
    r = threaded.client()
    subs = [threaded.raw() for _ in range(40)]
    for i, s in enumerate(subs):
        s.send("SUBSCRIBE", "spread", "c%d" % (i % 2))
        drain_subscribe(s, 2)
    assert cmd(r, "PUBSUB", "NUMSUB", "spread", "c0", "c1") == \
        [b"spread", 40, b"c0", 20, b"c1", 20]
    assert cmd(r, "PUBLISH", "spread", "x") == 40
    assert cmd(r, "PUBLISH", "c1", "y") == 20
    for i, s in enumerate(subs):
        assert s.read() == [b"message", b"spread", b"x"]
        if i % 2:
            assert s.read() == [b"message", b"c1", b"y"]


def test_slow_subscriber_is_cut_off(threaded):
    """A subscriber that does not read is disconnected at the pubsub hard
    limit; a reading subscriber keeps getting everything, and the server's
    memory stays bounded."""
    r = threaded.client()
    cmd(r, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 262144 131072 60")
    mem0 = int(info_dict(r, "memory")["used_memory"])
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((threaded.host, threaded.port))
    slow.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nflow\r\n")
    good = threaded.raw(timeout=30)
    good.call("SUBSCRIBE", "flow")
    wait_numsub(r, "flow", 2)
    payload = b"x" * 4000
    n = 1500  # 6 MB, far over the 256 KB hard limit
    received = [0]

    def reader():
        for _ in range(n):
            m = good.read()
            assert m == [b"message", b"flow", payload]
            received[0] += 1

    t = threading.Thread(target=reader)
    t.start()
    pub = threaded.raw(timeout=30)
    counts = []
    for i in range(0, n, 25):
        # Paced by the reading subscriber (it is on another thread than the
        # publisher, and must stay well under the limit itself).
        wait_for(lambda: received[0] >= i - 25, timeout=30, interval=0.005,
                 message="the reading subscriber keeps up")
        pub.send_many([("PUBLISH", "flow", payload)] * 25)
        counts += pub.read_many(25)
    t.join(60)
    assert received[0] == n
    assert counts[0] == 2 and counts[-1] == 1
    wait_numsub(r, "flow", 1)  # the slow one was disconnected
    mem1 = int(info_dict(r, "memory")["used_memory"])
    assert mem1 - mem0 < 4 * 1024 * 1024, (mem0, mem1)
    slow.close()


def test_soft_limit_cuts_off_after_time(threaded):
    r = threaded.client()
    cmd(r, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 65536 1")
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((threaded.host, threaded.port))
    slow.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nsoft\r\n")
    wait_numsub(r, "soft", 1)
    payload = b"y" * 2000

    def cut():
        cmd(r, "PUBLISH", "soft", payload)
        return cmd(r, "PUBSUB", "NUMSUB", "soft")[1] == 0

    # Several MB: more than the kernel's socket buffers absorb.
    pub = threaded.raw(timeout=30)
    for _ in range(30):
        pub.send_many([("PUBLISH", "soft", payload)] * 100)
        pub.read_many(100)
    wait_for(cut, timeout=10, interval=0.1, message="soft limit disconnection")
    slow.close()


def test_stress_bounded(threaded):
    """Publishers, pattern and channel subscribers and subscription churn at
    once for a few seconds: stable subscribers get exactly what PUBLISH
    counted for them, and the server stays consistent."""
    duration = 3.0
    channels = ["st%d" % i for i in range(4)]
    stable = []
    for i in range(8):
        s = threaded.raw(timeout=30)
        s.call("SUBSCRIBE", channels[i % 4])
        stable.append(s)
    stop = time.monotonic() + duration
    sent = {c: 0 for c in channels}
    lock = threading.Lock()
    errors = []

    def publisher(p):
        try:
            with RawClient(threaded.host, threaded.port, timeout=30) as pc:
                k = 0
                while time.monotonic() < stop and k < 20000:
                    batch = [("PUBLISH", channels[(p + j) % 4], "%d:%d" % (p, k + j))
                             for j in range(16)]
                    pc.send_many(batch)
                    pc.read_many(16)
                    with lock:
                        for cmdargs in batch:
                            sent[cmdargs[1]] += 1
                    k += 16
        except Exception as e:  # noqa
            errors.append(e)

    def churn(i):
        try:
            while time.monotonic() < stop:
                with RawClient(threaded.host, threaded.port, timeout=30) as cc:
                    cc.send("SUBSCRIBE", *channels)
                    cc.send("PSUBSCRIBE", "st*", "s?%d" % i)
                    cc.send("PUNSUBSCRIBE", "st*")
                    cc.send("UNSUBSCRIBE", channels[i % 4])
                    cc.send("SSUBSCRIBE", "sh%d" % i)
                    cc.call("PING")  # some replies/messages left unread on purpose
        except Exception as e:  # noqa
            errors.append(e)

    threads = [threading.Thread(target=publisher, args=(p,)) for p in range(3)]
    threads += [threading.Thread(target=churn, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[0]
    for i, s in enumerate(stable):
        ch = channels[i % 4]
        last = {}
        for _ in range(sent[ch]):
            m = s.read()
            assert m[1] == ch.encode()
            p, seq = map(int, m[2].split(b":"))
            assert seq > last.get(p, -1)
            last[p] = seq
        assert s.call("PING") == [b"pong", b""]
    r = threaded.client()
    wait_for(lambda: cmd(r, "PUBSUB", "NUMPAT") == 0, message="churned patterns released")
    assert cmd(r, "PUBSUB", "NUMSUB", *channels) == \
        [x for c in channels for x in (c.encode(), 2)]
    assert cmd(r, "PUBSUB", "SHARDCHANNELS") == []
