"""ACL users, AUTH, rules and permission checks (Redis 7.0 semantics).

Reply shapes are checked on the wire (resp.RawClient) in RESP2 and RESP3.
Every test except those marked kvik_only also passes against redis-server
(KVIK_TEST_TARGET=redis); kvik adds a "namespace" field at the end of ACL
GETUSER, which the shape checks strip.
"""

import hashlib
import os
import shutil
import subprocess
import time

import pytest
import redis

import util
from resp import Array, Bulk, Double, Error, Integer, Map, Null, Push, Set, Simple
from util import IS_REDIS, ServerFactory, cmd, err, finish, wait_for

THREADS = [None] if IS_REDIS else [1, 2]
NOPERM_KEYS = "NOPERM this user has no permissions to access one of the keys used as arguments"
NOPERM_CHANNELS = ("NOPERM this user has no permissions to access one of the channels used as "
                   "arguments")
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


def noperm_cmd(name):
    return "NOPERM this user has no permissions to run the '%s' command" % name


def sha(pw):
    return hashlib.sha256(pw.encode()).hexdigest()


@pytest.fixture(scope="module", params=THREADS, ids=lambda t: "redis" if t is None else "threads%d" % t)
def acl_holder(request):
    f = ServerFactory()
    aclfile = None
    holder = {"factory": f, "server": None, "threads": request.param}
    yield holder
    finish(f)


@pytest.fixture
def srv(acl_holder):
    """A server with an (initially empty) aclfile; users reset before each test."""
    s = acl_holder["server"]
    if s is None or not s.is_running():
        d = util.tempfile.mkdtemp(prefix="kvik-acl-")
        path = os.path.join(d, "users.acl")
        open(path, "w").close()
        s = acl_holder["factory"]("--aclfile", path, threads=acl_holder["threads"])
        s.aclfile = path
        acl_holder["server"] = s
    c = s.client()
    for u in c.execute_command("ACL", "USERS"):
        if u != b"default":
            c.execute_command("ACL", "DELUSER", u)
    c.execute_command("ACL", "SETUSER", "default", "clearselectors", "resetkeys", "~*",
                      "resetchannels", "&*", "+@all", "resetpass", "nopass", "on")
    c.execute_command("ACL", "LOG", "RESET")
    c.execute_command("FLUSHALL")
    yield s
    s.close_clients()


def admin(s):
    return s.client()


def raw_as(s, user, pw, resp=2):
    c = s.raw()
    if resp == 3:
        assert isinstance(c.call("HELLO", "3", "AUTH", user, pw), Map)
    else:
        assert c.call("AUTH", user, pw) == Simple(b"OK")
    return c


def strip_ns(m):
    """GETUSER without kvik's trailing namespace field."""
    if isinstance(m, Map):
        m = Map({k: v for k, v in m.items() if k != b"namespace"})
    elif isinstance(m, Array) and len(m) == 14 and m[12] == b"namespace":
        m = Array(m[:12])
    return m


# ---------------------------------------------------------------- users and shapes

def test_default_user(srv):
    c = admin(srv)
    assert cmd(c, "ACL", "LIST") == [b"user default on nopass ~* &* +@all"]
    assert cmd(c, "ACL", "USERS") == [b"default"]
    assert cmd(c, "ACL", "WHOAMI") == b"default"


def test_getuser_shapes_resp2_resp3(srv):
    c = admin(srv)
    assert cmd(c, "ACL", "SETUSER", "u1", "on", ">pw", "~k*", "%R~r*", "%W~w*", "&ch*", "+get",
               "+@hash", "-hset", "(+set ~s*)") == b"OK"
    r2 = srv.raw()
    got = strip_ns(r2.call("ACL", "GETUSER", "u1"))
    assert got == Array([
        Bulk(b"flags"), Array([Bulk(b"on")]),
        Bulk(b"passwords"), Array([Bulk(sha("pw").encode())]),
        Bulk(b"commands"), got[5],
        Bulk(b"keys"), Bulk(b"~k* %R~r* %W~w*"),
        Bulk(b"channels"), Bulk(b"&ch*"),
        Bulk(b"selectors"), Array([Array([Bulk(b"commands"), Bulk(b"-@all +set"),
                                          Bulk(b"keys"), Bulk(b"~s*"),
                                          Bulk(b"channels"), Bulk(b"")])]),
    ])
    assert type(got[1]) is Array
    # single-command rules come in Redis's hash-table order: compare as sets
    assert sorted(got[5].split()) == sorted(b"-@all +@hash -hset +get".split())
    r3 = srv.raw()
    r3.call("HELLO", "3")
    m = strip_ns(r3.call("ACL", "GETUSER", "u1"))
    assert isinstance(m, Map)
    assert list(m.keys()) == [b"flags", b"passwords", b"commands", b"keys", b"channels",
                              b"selectors"]
    assert type(m[b"flags"]) is Set and m[b"flags"] == [b"on"]
    assert type(m[b"passwords"]) is Array
    assert type(m[b"selectors"][0]) is Map
    assert r3.call("ACL", "GETUSER", "nosuch") == Null("resp3")
    assert r2.call("ACL", "GETUSER", "nosuch") == Null("bulk") or \
        r2.call("ACL", "GETUSER", "nosuch") == Null("array")
    line = cmd(c, "ACL", "LIST")[1].decode()
    assert sorted(line.split()) == sorted(
        ("user u1 on #%s ~k* %%R~r* %%W~w* resetchannels &ch* -@all +@hash -hset "
         "+get (~s* resetchannels -@all +set)" % sha("pw")).split())


LIST_CASES = [
    (["+get", "-get"], "off resetchannels -@all"),
    (["+get", "+@read"], "off resetchannels -@all +@read"),
    (["+@read", "-get", "+get"], "off resetchannels -@all +@read"),
    (["+@all", "-@dangerous"], "off resetchannels +@all -@dangerous"),
    (["allcommands", "-config", "+config|get"], "off resetchannels +@all -config +config|get"),
    (["+config|get", "+config"], "off resetchannels -@all +config"),
    (["+config", "-config|set"], "off resetchannels -@all +config -config|set"),
    (["+get", "-@read"], "off resetchannels -@all"),
    (["nocommands", "+get", "allcommands"], "off resetchannels +@all"),
    (["~a", "%R~a", "%W~b", "%RW~c", "allkeys"], "off ~* resetchannels -@all"),
    (["%W~a", "%R~a"], "off ~a resetchannels -@all"),
    (["%W~x", "%W~x", "%RW~y", "%R~z"], "off %W~x ~y %R~z resetchannels -@all"),
    (["&a", "allchannels"], "off &* -@all"),
    ([">x", ">x", ">y", "<x"], "off #%s resetchannels -@all" % sha("y")),
    (["nopass", ">x"], "off #%s resetchannels -@all" % sha("x")),
    ([">x", "nopass"], "off nopass resetchannels -@all"),
    (["#" + sha("z"), "!" + sha("z")], "off resetchannels -@all"),
    (["on", "off"], "off resetchannels -@all"),
    (["on", "+get", "reset"], "off sanitize-payload resetchannels -@all"),
    (["(~a +get)", "(~b)", "clearselectors"], "off resetchannels -@all"),
    (["%R~*", "~*"], "off ~* resetchannels -@all"),
    (["+select|0", "+select|1", "-select"], "off resetchannels -@all"),
    (["-@all", "+get|x"], "off resetchannels -@all +get|x"),
    (["+select|0", "-@connection"], "off resetchannels -@all"),
    (["~*", "resetkeys", "~a"], "off ~a resetchannels -@all"),
    (["skip-sanitize-payload"], "off skip-sanitize-payload resetchannels -@all"),
    (["ON", "NoPass", "ALLKEYS", "+GET", "+@READ"], "on nopass ~* resetchannels -@all +@read"),
    (["%R~", "~"], "off %R~ ~ resetchannels -@all") if False else
    (["%R~"], "off %R~ resetchannels -@all"),
    (["()"], "off resetchannels -@all (resetchannels -@all)"),
    (["(~a ~b)", "(+@all)"], "off resetchannels -@all (~a ~b resetchannels -@all) "
                             "(resetchannels +@all)"),
    (["(+get", "~x", "&y)"], "off resetchannels -@all (~x resetchannels &y -@all +get)"),
]


@pytest.mark.parametrize("rules,expected", LIST_CASES, ids=[" ".join(r) for r, _ in LIST_CASES])
def test_setuser_list(srv, rules, expected):
    c = admin(srv)
    assert cmd(c, "ACL", "SETUSER", "t", *rules) == b"OK"
    lines = [l.decode() for l in cmd(c, "ACL", "LIST")]
    assert "user t " + expected in lines


ERROR_CASES = [
    (["~*", "~x"], "'~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is not "
     "valid and does not have any effect. Try 'resetkeys' to start with an empty list of "
     "patterns"),
    (["&*", "&x"], "'&x': Adding a pattern after the * pattern (or the 'allchannels' flag) is "
     "not valid and does not have any effect. Try 'resetchannels' to start with an empty list "
     "of channels"),
    (["+nosuch"], "'+nosuch': Unknown command or category name in ACL"),
    (["+@nosuch"], "'+@nosuch': Unknown command or category name in ACL"),
    (["-select|0"], "'-select|0': Unknown command or category name in ACL"),
    (["+config|nosuch"], "'+config|nosuch': Unknown command or category name in ACL"),
    (["+config|get|x"], "'+config|get|x': Allowing first-arg of a subcommand is not supported"),
    (["%Z~x"], "'%Z~x': Syntax error"),
    (["%~a"], "'%~a': Syntax error"),
    (["%RR~a"], "'%RR~a': Syntax error"),
    (["%"], "'%': Syntax error"),
    (["foo"], "'foo': Syntax error"),
    (["<nopw"], "'<nopw': The password you are trying to remove from the user does not exist"),
    (["#abc"], "'#abc': The password hash must be exactly 64 characters and contain only "
     "lowercase hexadecimal characters"),
    (["#" + sha("a").upper()], "'#%s': The password hash must be exactly 64 characters and "
     "contain only lowercase hexadecimal characters" % sha("a").upper()),
    (["(~a", "b)"], "'(~a b)': Syntax error"),
]


@pytest.mark.parametrize("rules,msg", ERROR_CASES, ids=[" ".join(r) for r, _ in ERROR_CASES])
def test_setuser_errors(srv, rules, msg):
    c = admin(srv)
    assert err(c, "ACL", "SETUSER", "t", *rules) == "ERR Error in ACL SETUSER modifier " + msg


def test_setuser_other_errors(srv):
    c = admin(srv)
    assert err(c, "ACL", "SETUSER", "t", "(foo") == \
        "ERR Unmatched parenthesis in acl selector starting at '(foo'."
    assert err(c, "ACL", "SETUSER", "u 1") == "ERR Usernames can't contain spaces or null characters"
    # a failed SETUSER changes nothing (and creates nothing)
    assert cmd(c, "ACL", "GETUSER", "t") is None
    cmd(c, "ACL", "SETUSER", "t", "+get")
    err(c, "ACL", "SETUSER", "t", "+set", "+nosuch")
    assert "+set" not in cmd(c, "ACL", "LIST")[1].decode()


def test_deluser_users_whoami(srv):
    c = admin(srv)
    assert err(c, "ACL", "DELUSER", "default") == "ERR The 'default' user cannot be removed"
    cmd(c, "ACL", "SETUSER", "b")
    cmd(c, "ACL", "SETUSER", "a")
    assert cmd(c, "ACL", "USERS") == [b"a", b"b", b"default"]
    assert cmd(c, "ACL", "DELUSER", "nosuch", "a", "a") == 1
    assert cmd(c, "ACL", "USERS") == [b"b", b"default"]


def test_cat_genpass_help(srv):
    c = admin(srv)
    cats = cmd(c, "ACL", "CAT")
    assert cats[:3] == [b"keyspace", b"read", b"write"] and len(cats) == 21
    hashcmds = set(cmd(c, "ACL", "CAT", "hash"))
    assert {b"hset", b"hget", b"hgetall"} <= hashcmds and b"get" not in hashcmds
    assert b"config|get" in set(cmd(c, "ACL", "CAT", "admin"))
    assert err(c, "ACL", "CAT", "nosuch") == "ERR Unknown category 'nosuch'"
    p = cmd(c, "ACL", "GENPASS")
    assert len(p) == 64 and int(p, 16) >= 0
    assert len(cmd(c, "ACL", "GENPASS", "5")) == 2
    assert len(cmd(c, "ACL", "GENPASS", "4096")) == 1024
    for bad in ("0", "4097", "-1"):
        assert err(c, "ACL", "GENPASS", bad) == ("ERR ACL GENPASS argument must be the number "
                                                 "of bits for the output password, a positive "
                                                 "number up to 4096")
    assert err(c, "ACL", "GENPASS", "x") == "ERR value is not an integer or out of range"
    h = srv.raw().call("ACL", "HELP")
    assert h[0] == Simple(b"ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    assert len(h) == 29 and all(type(x) is Simple for x in h)
    assert err(c, "ACL", "FOO") == "ERR unknown subcommand 'FOO'. Try ACL HELP."


# ---------------------------------------------------------------- AUTH / HELLO / requirepass

def test_auth_forms(srv):
    c = admin(srv)
    assert err(c, "AUTH", "x") == ("ERR AUTH <password> called without any password configured "
                                   "for the default user. Are you sure your configuration is "
                                   "correct?")
    cmd(c, "ACL", "SETUSER", "u", "on", ">pw", "+@all", "~*")
    cmd(c, "ACL", "SETUSER", "off1", "off", ">pw", "+@all")
    r = srv.raw()
    assert r.call("AUTH", "u", "bad") == Error(WRONGPASS.encode())
    assert r.call("AUTH", "nosuch", "pw") == Error(WRONGPASS.encode())
    assert r.call("AUTH", "off1", "pw") == Error(WRONGPASS.encode())
    assert r.call("AUTH", "u", "pw") == Simple(b"OK")
    assert r.call("ACL", "WHOAMI") == Bulk(b"u")
    assert r.call("AUTH", "a", "b", "c") == Error(b"ERR syntax error")
    # HELLO AUTH
    h = srv.raw()
    assert h.call("HELLO", "3", "AUTH", "u", "bad") == Error(WRONGPASS.encode())
    m = h.call("HELLO", "3", "AUTH", "u", "pw")
    assert isinstance(m, Map) and m[b"proto"] == 3
    assert h.call("ACL", "WHOAMI") == Bulk(b"u")
    # a user turned off keeps its authenticated connections (Redis)
    cmd(c, "ACL", "SETUSER", "u", "off")
    assert r.call("PING") == Simple(b"PONG")
    # nopass accepts any password
    cmd(c, "ACL", "SETUSER", "np", "on", "nopass", "+ping")
    assert srv.raw().call("AUTH", "np", "whatever") == Simple(b"OK")


def test_requirepass(server):
    s = server(threads=2 if not IS_REDIS else None)
    s.raw().call("CONFIG", "SET", "requirepass", "s3cret")
    r = s.raw()
    assert r.call("GET", "x") == Error(b"NOAUTH Authentication required.")
    assert r.call("AUTH", "wrong") == Error(WRONGPASS.encode())
    assert r.call("AUTH", "s3cret") == Simple(b"OK")
    assert r.call("ACL", "LIST") == [Bulk(("user default on #%s ~* &* +@all" % sha("s3cret"))
                                          .encode())]
    assert r.call("CONFIG", "SET", "requirepass", "other") == Simple(b"OK")
    r2 = s.raw()
    assert r2.call("AUTH", "default", "s3cret") == Error(WRONGPASS.encode())
    assert r2.call("AUTH", "default", "other") == Simple(b"OK")
    assert r2.call("CONFIG", "SET", "requirepass", "") == Simple(b"OK")
    assert r2.call("ACL", "LIST") == [Bulk(b"user default on nopass ~* &* +@all")]
    assert s.raw().call("PING") == Simple(b"PONG")
    # RESET puts a client back to the default user
    r2.call("ACL", "SETUSER", "u", "on", ">p", "+@all")
    assert r2.call("AUTH", "u", "p") == Simple(b"OK")
    assert r2.call("RESET") == Simple(b"RESET")
    assert r2.call("ACL", "WHOAMI") == Bulk(b"default")


def test_default_user_with_password_needs_auth(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "default", "resetpass", ">dp")
    r = srv.raw()
    assert r.call("PING") == Error(b"NOAUTH Authentication required.")
    assert r.call("AUTH", "dp") == Simple(b"OK")
    assert r.call("PING") == Simple(b"PONG")
    r.call("ACL", "SETUSER", "default", "nopass")


# ---------------------------------------------------------------- command permissions

def test_command_permissions(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "~*", "+get", "+config|get", "+select|1",
        "+client")
    r = raw_as(srv, "u", "p")
    assert r.call("GET", "k") == Null("bulk")
    assert r.call("SET", "k", "v") == Error(noperm_cmd("set").encode())
    assert r.call("CONFIG", "GET", "maxmemory")[0] == Bulk(b"maxmemory")
    assert r.call("CONFIG", "SET", "maxmemory", "0") == Error(noperm_cmd("config|set").encode())
    assert r.call("SELECT", "1") == Simple(b"OK")
    assert r.call("SELECT", "2") == Error(noperm_cmd("select").encode())
    assert type(r.call("CLIENT", "ID")) is Integer
    assert r.call("ACL", "WHOAMI") == Error(noperm_cmd("acl|whoami").encode())
    # commands that need no authentication are never denied
    assert r.call("AUTH", "u", "p") == Simple(b"OK")
    # the change applies at once to a connected client
    cmd(c, "ACL", "SETUSER", "u", "+set")
    assert r.call("SET", "k", "v") == Simple(b"OK")
    cmd(c, "ACL", "SETUSER", "u", "-get")
    assert r.call("GET", "k") == Error(noperm_cmd("get").encode())
    # unknown commands keep their own error
    assert r.call("NOSUCH").startswith(b"ERR unknown command")


def test_key_permissions_read_write(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "%R~r*", "%W~w*", "~rw*")
    r = raw_as(srv, "u", "p")
    assert r.call("GET", "r1") == Null("bulk")
    assert r.call("SET", "r1", "v") == Error(NOPERM_KEYS.encode())
    assert r.call("SET", "w1", "v") == Simple(b"OK")
    assert r.call("GET", "w1") == Error(NOPERM_KEYS.encode())
    assert r.call("APPEND", "w1", "x") == Integer(2)                    # RW insert: write only
    assert r.call("SET", "w1", "v", "GET") == Error(NOPERM_KEYS.encode())  # GET reads
    assert r.call("INCR", "w1") == Error(NOPERM_KEYS.encode())          # RW access update
    assert r.call("BITFIELD", "r1", "GET", "u8", "0") == Array([Integer(0)])
    assert r.call("BITFIELD", "r1", "SET", "u8", "0", "1") == Error(NOPERM_KEYS.encode())
    assert r.call("DEL", "w1") == Integer(1)                            # RM delete: write only
    assert r.call("EXISTS", "r1", "w1") == Integer(0)                   # RO no access: any
    assert r.call("SET", "rw1", "v") == Simple(b"OK")
    assert r.call("GET", "rw1") == Bulk(b"v")
    assert r.call("GET", "x") == Error(NOPERM_KEYS.encode())
    # keys with different roles: COPY reads the source, writes the destination
    c.set("r2", "v")
    assert r.call("COPY", "r2", "w2") == Integer(1)
    assert r.call("COPY", "w2", "w3") == Error(NOPERM_KEYS.encode())
    assert r.call("COPY", "r2", "r3") == Error(NOPERM_KEYS.encode())
    # RENAME: source read+write (delete), destination write
    c.set("rw2", "v")
    assert r.call("RENAME", "rw2", "w4") == Simple(b"OK")
    assert r.call("RENAME", "w4", "rw3") == Error(NOPERM_KEYS.encode())
    # LMOVE: source RW access delete, destination insert (write only)
    c.rpush("rwl", "a")
    assert r.call("LMOVE", "rwl", "wl", "LEFT", "RIGHT") == Bulk(b"a")
    assert r.call("LMOVE", "wl", "rwl", "LEFT", "RIGHT") == Error(NOPERM_KEYS.encode())
    # *STORE: sources read, destination write
    c.sadd("rs", "m")
    assert r.call("SUNIONSTORE", "ws", "rs") == Integer(1)
    assert r.call("SUNIONSTORE", "rs", "ws") == Error(NOPERM_KEYS.encode())
    assert r.call("SORT", "rs", "ALPHA", "STORE", "wsorted") == Integer(1)
    assert r.call("SORT", "rs", "ALPHA", "STORE", "rsorted") == Error(NOPERM_KEYS.encode())


def test_key_denial_logs_the_key(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "~a*")
    r = raw_as(srv, "u", "p")
    assert r.call("MSET", "a1", "1", "b2", "2") == Error(NOPERM_KEYS.encode())
    e = cmd(c, "ACL", "LOG", "1")[0]
    d = dict(zip(e[::2], e[1::2]))
    assert d[b"reason"] == b"key" and d[b"object"] == b"b2" and d[b"username"] == b"u"


def test_channel_permissions(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "~*", "resetchannels", "&news.*", "&lit")
    r = raw_as(srv, "u", "p")
    assert r.call("PUBLISH", "news.x", "m") == Integer(0)
    assert r.call("PUBLISH", "sport", "m") == Error(NOPERM_CHANNELS.encode())
    assert r.call("SPUBLISH", "sport", "m") == Error(NOPERM_CHANNELS.encode())
    assert r.call("SUBSCRIBE", "news.a", "sport") == Error(NOPERM_CHANNELS.encode())
    # a pattern subscription must match a channel rule literally
    assert r.call("PSUBSCRIBE", "news.a*") == Error(NOPERM_CHANNELS.encode())
    assert r.call("PSUBSCRIBE", "news.*")[0] == Bulk(b"psubscribe")
    r2 = raw_as(srv, "u", "p")
    assert r2.call("SSUBSCRIBE", "lit")[0] == Bulk(b"ssubscribe")
    # UNSUBSCRIBE is never checked
    r3 = raw_as(srv, "u", "p")
    assert r3.call("UNSUBSCRIBE", "sport")[0] == Bulk(b"unsubscribe")


def test_acl_pubsub_default(srv):
    c = admin(srv)
    cmd(c, "CONFIG", "SET", "acl-pubsub-default", "allchannels")
    try:
        cmd(c, "ACL", "SETUSER", "pa", "on")
        assert b"&*" in cmd(c, "ACL", "LIST")[1]
    finally:
        cmd(c, "CONFIG", "SET", "acl-pubsub-default", "resetchannels")
    cmd(c, "ACL", "SETUSER", "pb", "on")
    assert b"resetchannels" in cmd(c, "ACL", "LIST")[2]


def test_selectors(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+get", "~a*", "(+set ~b*)", "(+get ~c* &ch)")
    r = raw_as(srv, "u", "p")
    assert r.call("GET", "a1") == Null("bulk")
    assert r.call("GET", "c1") == Null("bulk")
    assert r.call("SET", "b1", "v") == Simple(b"OK")
    assert r.call("SET", "a1", "v") == Error(NOPERM_KEYS.encode())
    assert r.call("GET", "b1") == Error(NOPERM_KEYS.encode())
    assert r.call("DEL", "a1") == Error(noperm_cmd("del").encode())
    assert cmd(c, "ACL", "DRYRUN", "u", "set", "a1", "v") == \
        b"This user has no permissions to access the 'a1' key"
    cmd(c, "ACL", "SETUSER", "u", "clearselectors")
    assert r.call("SET", "b1", "v") == Error(noperm_cmd("set").encode())


def test_dryrun(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", "+get", "+publish", "~k*", "&ch*")
    assert cmd(c, "ACL", "DRYRUN", "u", "get", "k1") == b"OK"
    assert cmd(c, "ACL", "DRYRUN", "u", "get", "x") == \
        b"This user has no permissions to access the 'x' key"
    assert cmd(c, "ACL", "DRYRUN", "u", "set", "k1", "v") == \
        b"This user has no permissions to run the 'set' command"
    assert cmd(c, "ACL", "DRYRUN", "u", "publish", "zz", "m") == \
        b"This user has no permissions to access the 'zz' channel"
    assert err(c, "ACL", "DRYRUN", "u", "foo") == "ERR Command 'foo' not found"
    assert err(c, "ACL", "DRYRUN", "nouser", "get", "a") == "ERR User 'nouser' not found"
    assert srv.raw().call("ACL", "DRYRUN", "u", "get", "k1") == Simple(b"OK")


# ---------------------------------------------------------------- ACL LOG

def test_log_entries(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+get", "~k*")
    r = raw_as(srv, "u", "p")
    r.call("SET", "k", "v")
    r.call("SET", "k", "v")
    r.call("GET", "zz")
    srv.raw().call("AUTH", "u", "bad")
    r2 = srv.raw()
    entries = r2.call("ACL", "LOG")
    assert type(entries) is Array and len(entries) == 3
    first = entries[0]
    assert type(first) is Array and len(first) == 14
    d = dict(zip(first[::2], first[1::2]))
    assert first[::2] == [b"count", b"reason", b"context", b"object", b"username",
                          b"age-seconds", b"client-info"]
    # the object of an AUTH failure is the command name as typed
    assert d[b"reason"] == b"auth" and d[b"object"] == b"AUTH" and d[b"username"] == b"u"
    assert d[b"context"] == b"toplevel"
    assert type(d[b"age-seconds"]) is Bulk and float(d[b"age-seconds"]) >= 0
    assert b"cmd=auth" in d[b"client-info"] and b"id=" in d[b"client-info"]
    e2 = dict(zip(entries[1][::2], entries[1][1::2]))
    assert e2[b"reason"] == b"key" and e2[b"object"] == b"zz"
    e3 = dict(zip(entries[2][::2], entries[2][1::2]))
    assert e3[b"reason"] == b"command" and e3[b"object"] == b"set" and e3[b"count"] == 2
    assert len(r2.call("ACL", "LOG", "1")) == 1
    assert r2.call("ACL", "LOG", "-1") == Array([])
    assert r2.call("ACL", "LOG", "x") == Error(b"ERR value is not an integer or out of range")
    assert r2.call("ACL", "LOG", "1", "2") == Error(
        b"ERR unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP.")
    r2.call("HELLO", "3")
    m = r2.call("ACL", "LOG", "1")[0]
    assert type(m) is Map and type(m[b"age-seconds"]) is Double
    assert r2.call("ACL", "LOG", "RESET") == Simple(b"OK")
    assert r2.call("ACL", "LOG") == Array([])


def test_log_max_len(srv):
    c = admin(srv)
    cmd(c, "CONFIG", "SET", "acllog-max-len", "2")
    try:
        for i in range(4):
            srv.raw().call("AUTH", "nouser%d" % i, "x")
        assert len(cmd(c, "ACL", "LOG")) == 2
    finally:
        cmd(c, "CONFIG", "SET", "acllog-max-len", "128")


# ---------------------------------------------------------------- MULTI

def test_multi_noperm_at_queue_time(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "-set", "~*")
    r = raw_as(srv, "u", "p")
    assert r.call("MULTI") == Simple(b"OK")
    assert r.call("GET", "a") == Simple(b"QUEUED")
    assert r.call("SET", "a", "b") == Error(noperm_cmd("set").encode())
    assert r.call("EXEC") == Error(b"EXECABORT Transaction discarded because of previous errors.")
    e = cmd(c, "ACL", "LOG", "1")[0]
    assert dict(zip(e[::2], e[1::2]))[b"context"] == b"multi"


def test_exec_denied_is_execabort(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "-exec", "-multi", "~*")
    r = raw_as(srv, "u", "p")
    assert r.call("EXEC") == Error(b"EXECABORT Transaction discarded because of: " +
                                   noperm_cmd("exec").encode())


def test_rules_changed_before_exec(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "~*")
    r = raw_as(srv, "u", "p")
    r.call("MULTI")
    r.call("SET", "a", "1")
    r.call("GET", "a")
    cmd(c, "ACL", "SETUSER", "u", "-set")
    res = r.call("EXEC")
    assert res[0] == Error(b"NOPERM ACLs rules changed between the moment the transaction was "
                           b"accumulated and the EXEC call. This command is no longer allowed "
                           b"for the following reason: no permission to execute the command or "
                           b"subcommand")
    assert res[1] == Null("bulk")


# ---------------------------------------------------------------- lifetime

def test_deleted_user_is_disconnected(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "~*")
    victims = [raw_as(srv, "u", "p") for _ in range(3)]
    other = srv.raw()
    assert cmd(c, "ACL", "DELUSER", "u") == 1
    for v in victims:
        assert v.read_until_closed(timeout=5)[0]
    assert other.call("PING") == Simple(b"PONG")
    assert srv.raw().call("AUTH", "u", "p") == Error(WRONGPASS.encode())


def test_delete_own_user(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "~*")
    r = raw_as(srv, "u", "p")
    assert r.call("ACL", "DELUSER", "u") == Integer(1)
    assert r.read_until_closed(timeout=5)[0]


def test_client_kill_user(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "~*")
    raw_as(srv, "u", "p")
    assert cmd(c, "CLIENT", "KILL", "USER", "u") == 1
    assert err(c, "CLIENT", "KILL", "USER", "nosuch") == "ERR No such user 'nosuch'"


def test_concurrent_setuser_while_running(srv):
    """SETUSER/DELUSER while clients of the user run commands: no crash, no
    stale permission after the change returns."""
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "~*")
    clients = [srv.client(username="u", password="p") for _ in range(4)]
    import threading
    stop = threading.Event()
    errors = []

    def work(cl):
        i = 0
        while not stop.is_set():
            try:
                cl.set("k%d" % (i % 10), i)
                cl.get("k%d" % (i % 10))
            except redis.ResponseError:
                pass
            except redis.ConnectionError:
                return
            except Exception as e:  # pragma: no cover
                errors.append(e)
                return
            i += 1

    ts = [threading.Thread(target=work, args=(cl,)) for cl in clients]
    for t in ts:
        t.start()
    for i in range(100):
        cmd(c, "ACL", "SETUSER", "u", "-set" if i % 2 else "+set", "resetkeys",
            "~k%d" % (i % 10) if i % 3 else "~*")
    cmd(c, "ACL", "SETUSER", "u", "resetkeys", "~*")
    cmd(c, "ACL", "SETUSER", "u", "-get")
    check = srv.raw()
    check.call("AUTH", "u", "p")
    assert check.call("GET", "k1") == Error(noperm_cmd("get").encode())
    stop.set()
    for t in ts:
        t.join(10)
    assert not errors


# ---------------------------------------------------------------- aclfile

def test_save_load_round_trip(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "alice", "on", ">pw1", "~a*", "%R~r*", "&ch", "+@read", "-get",
        "(+set ~s*)")
    cmd(c, "ACL", "SETUSER", "bob", "off", "nopass", "+@all", "allkeys", "allchannels")
    before = cmd(c, "ACL", "LIST")
    assert cmd(c, "ACL", "SAVE") == b"OK"
    text = open(srv.aclfile).read()
    assert "user alice on #%s" % sha("pw1") in text
    cmd(c, "ACL", "DELUSER", "alice")
    cmd(c, "ACL", "SETUSER", "carol", "on")
    assert cmd(c, "ACL", "LOAD") == b"OK"
    assert cmd(c, "ACL", "LIST") == before
    r = srv.raw()
    assert r.call("AUTH", "alice", "pw1") == Simple(b"OK")


def test_load_errors(srv):
    c = admin(srv)
    with open(srv.aclfile, "w") as f:
        f.write("user x on +nosuch\n")
    e = err(c, "ACL", "LOAD")
    assert e.startswith("ERR ") and "Unknown command or category name in ACL" in e
    with open(srv.aclfile, "w") as f:
        f.write("bogus line\n")
    assert err(c, "ACL", "LOAD").startswith("ERR ")
    open(srv.aclfile, "w").close()
    assert cmd(c, "ACL", "LOAD") == b"OK"
    assert cmd(c, "ACL", "LIST") == [b"user default on nopass ~* &* +@all"]


def test_no_aclfile(server):
    s = server()
    c = s.client()
    msg = ("ERR This Redis instance is not configured to use an ACL file. You may want to "
           "specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "
           "(assuming you have a Redis configuration file set) in order to store users in the "
           "Redis configuration.")
    assert err(c, "ACL", "SAVE") == msg
    assert err(c, "ACL", "LOAD") == msg


def _tokens(line):
    """An ACL LIST line as (fixed prefix, set of command rules): the order of
    single-command rules is Redis's hash-table order, so compare as sets."""
    parts = line.split()
    return parts


@pytest.mark.kvik_only
def test_aclfile_written_by_redis_loads(server, tmp_path):
    if not os.path.exists(util.REDIS_BIN):
        pytest.skip("redis-server not installed")
    d = tmp_path / "redis"
    d.mkdir()
    path = str(d / "users.acl")
    open(path, "w").close()
    port = util.free_port()
    p = subprocess.Popen([util.REDIS_BIN, "--port", str(port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--dir", str(d),
                          "--aclfile", path], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        rc = redis.Redis(port=port)
        wait_for(lambda: _ping(rc), message="redis-server up")
        rc.execute_command("ACL", "SETUSER", "alice", "on", ">pw", "~cache:*", "%R~ro:*",
                           "%W~wo:*", "&chan:*", "+@read", "+@hash", "-hdel", "+config|get",
                           "(+set ~sel:*)")
        rc.execute_command("ACL", "SETUSER", "bob", "off", "#" + sha("x"), "allkeys",
                           "allchannels", "+@all", "-@dangerous", "skip-sanitize-payload")
        rc.execute_command("ACL", "SAVE")
        redis_list = [l.decode() for l in rc.execute_command("ACL", "LIST")]
    finally:
        p.terminate()
        p.wait(10)
    s = server("--aclfile", path)
    k = s.raw()
    kvik_list = [l.decode() for l in k.call("ACL", "LIST")]
    assert len(kvik_list) == len(redis_list)
    for a, b in zip(redis_list, kvik_list):
        assert sorted(a.split()) == sorted(b.split()), (a, b)
    assert s.raw().call("AUTH", "alice", "pw") == Simple(b"OK")


def _ping(c):
    try:
        return c.ping()
    except redis.ConnectionError:
        return False


# ---------------------------------------------------------------- namespaces (kvik)

@pytest.mark.kvik_only
def test_namespace_rule(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "n", "on", ">p", "+@all", "~*", "namespace:acme")
    assert cmd(c, "ACL", "LIST")[1].decode().endswith(" namespace:acme")
    r = srv.raw()
    g = r.call("ACL", "GETUSER", "n")
    assert g[-2:] == [Bulk(b"namespace"), Bulk(b"acme")]
    g = r.call("ACL", "GETUSER", "default")
    assert g[-2:] == [Bulk(b"namespace"), Bulk(b"")]
    assert err(c, "ACL", "SETUSER", "n", "namespace:bad name!").startswith(
        "ERR Error in ACL SETUSER modifier 'namespace:bad name!': Invalid namespace name")
    assert err(c, "ACL", "SETUSER", "n", "namespace:" + "x" * 65).startswith("ERR Error in ACL")
    # persisted in the aclfile
    cmd(c, "ACL", "SAVE")
    assert "namespace:acme" in open(srv.aclfile).read()
    cmd(c, "ACL", "SETUSER", "n", "namespace:")
    assert "namespace" not in cmd(c, "ACL", "LIST")[1].decode()
    cmd(c, "ACL", "LOAD")
    assert cmd(c, "ACL", "LIST")[1].decode().endswith(" namespace:acme")
    cmd(c, "ACL", "SETUSER", "n", "reset")
    assert "namespace" not in cmd(c, "ACL", "LIST")[1].decode()


@pytest.mark.kvik_only
def test_namespace_change_disconnects(srv):
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "n", "on", ">p", "+@all", "~*")
    r = raw_as(srv, "n", "p")
    cmd(c, "ACL", "SETUSER", "n", "+get")       # same namespace: stays
    assert r.call("PING") == Simple(b"PONG")
    cmd(c, "ACL", "SETUSER", "n", "namespace:other")
    assert r.read_until_closed(timeout=5)[0]


@pytest.mark.kvik_only
def test_blocked_command_checked_again(srv):
    """A blocked command runs later with the rules of that moment (kvik checks
    it again, like Redis 7.2; Redis 7.0 does not)."""
    c = admin(srv)
    cmd(c, "ACL", "SETUSER", "u", "on", ">p", "+@all", "~*")
    r = raw_as(srv, "u", "p")
    r.send("BLPOP", "q1", "0")
    wait_for(lambda: b"cmd=blpop" in cmd(c, "CLIENT", "LIST"), message="client blocked")
    cmd(c, "ACL", "SETUSER", "u", "resetkeys", "~other*")
    c.rpush("q1", "a")
    assert r.read() == Error(NOPERM_KEYS.encode())
    assert c.llen("q1") == 1
    # allowed again: served normally
    cmd(c, "ACL", "SETUSER", "u", "~*")
    r.send("BLPOP", "q2", "0")
    wait_for(lambda: cmd(c, "CLIENT", "LIST").count(b"cmd=blpop") >= 1, message="blocked")
    c.rpush("q2", "b")
    assert r.read() == [b"q2", b"b"]
