"""ACL users bound to namespaces (kvik extension; docs/acl.md, docs/namespaces.md):
the rule namespace:<name> puts every connection of that user into the
namespace at AUTH / HELLO AUTH, users of one namespace share it, a bound user
cannot leave it, and the binding survives ACL SAVE / LOAD and a restart."""

import pytest
import redis

from resp import Error, Null, RawClient
from util import wait_for

pytestmark = pytest.mark.kvik_only


def login(srv, user, pw, resp3=False):
    c = RawClient(srv.host, srv.port)
    if resp3:
        reply = c.call("HELLO", "3", "AUTH", user, pw)
        assert not isinstance(reply, Error), reply
    else:
        assert c.call("AUTH", user, pw) == b"OK"
    return c


def nil(reply):
    return isinstance(reply, Null) or reply is None


def setup_users(c):
    for rule in (["alice", "on", ">pa", "~*", "&*", "+@all", "namespace:acme"],
                 ["bob", "on", ">pb", "~*", "&*", "+@all", "namespace:acme"],
                 ["carol", "on", ">pc", "~*", "&*", "+@all", "namespace:globex"]):
        assert c.call("ACL", "SETUSER", *rule) == b"OK"


@pytest.mark.parametrize("threads", [1, 2])
def test_users_share_their_namespace_and_see_no_other(server, threads):
    srv = server(threads=threads)
    admin = RawClient(srv.host, srv.port)
    setup_users(admin)
    admin.call("SET", "shared", "default")
    alice = login(srv, "alice", "pa")
    bob = login(srv, "bob", "pb", resp3=True)
    carol = login(srv, "carol", "pc")
    assert nil(alice.call("GET", "shared"))
    assert alice.call("SET", "shared", "acme") == b"OK"
    assert bob.call("GET", "shared") == b"acme"          # same namespace
    assert nil(carol.call("GET", "shared"))            # another one
    assert carol.call("SET", "shared", "globex") == b"OK"
    assert admin.call("GET", "shared") == b"default"      # the default namespace
    assert alice.call("DBSIZE") == 1 and carol.call("KEYS", "*") == [b"shared"]
    assert carol.call("FLUSHALL") == b"OK"
    assert bob.call("GET", "shared") == b"acme" and admin.call("DBSIZE") == 1
    # Channels: a message published in acme reaches acme's subscriber only.
    sub_acme = login(srv, "bob", "pb")
    sub_globex = login(srv, "carol", "pc")
    sub_default = RawClient(srv.host, srv.port)
    for s in (sub_acme, sub_globex, sub_default):
        s.call("SUBSCRIBE", "news")
    assert alice.call("PUBLISH", "news", "hello") == 1
    assert sub_acme.read() == [b"message", b"news", b"hello"]
    assert carol.call("PUBLISH", "news", "x") == 1
    assert admin.call("PUBLISH", "news", "y") == 1
    assert sub_default.read() == [b"message", b"news", b"y"]
    # A bound user cannot move to another namespace.
    reply = alice.call("NAMESPACE", "USE", "globex")
    assert isinstance(reply, Error), reply
    assert alice.call("GET", "shared") == b"acme"
    # AUTH as another user moves the connection to that user's namespace.
    assert alice.call("AUTH", "carol", "pc") == b"OK"
    assert nil(alice.call("GET", "shared"))  # globex, emptied by carol's FLUSHALL
    assert alice.call("DBSIZE") == carol.call("DBSIZE")


def test_binding_persists_through_aclfile_and_restart(server, tmp_path):
    aclfile = tmp_path / "users.acl"
    aclfile.write_text("user default on nopass ~* &* +@all\n")
    srv = server("--aclfile", str(aclfile), "--appendonly", "yes", workdir=str(tmp_path))
    admin = RawClient(srv.host, srv.port)
    setup_users(admin)
    assert admin.call("ACL", "SAVE") == b"OK"
    text = aclfile.read_text()
    assert "namespace:acme" in text and "namespace:globex" in text
    alice = login(srv, "alice", "pa")
    assert alice.call("SET", "k", "acme-value") == b"OK"
    alice.close()
    srv.stop()
    srv = server("--aclfile", str(aclfile), "--appendonly", "yes", workdir=str(tmp_path))
    alice = login(srv, "alice", "pa")
    assert alice.call("GET", "k") == b"acme-value"
    carol = login(srv, "carol", "pc")
    assert nil(carol.call("GET", "k"))
    assert nil(RawClient(srv.host, srv.port).call("GET", "k"))


def test_namespace_change_disconnects_clients(server):
    srv = server()
    admin = RawClient(srv.host, srv.port)
    setup_users(admin)
    alice = login(srv, "alice", "pa")
    assert alice.call("SET", "k", "1") == b"OK"
    assert admin.call("ACL", "SETUSER", "alice", "namespace:globex") == b"OK"
    # The old connection is closed rather than left in the wrong namespace.
    with pytest.raises(Exception):
        for _ in range(3):
            alice.call("PING")
    alice = login(srv, "alice", "pa")
    assert nil(alice.call("GET", "k"))


def test_redis_py_client_in_namespace(server):
    srv = server()
    admin = redis.Redis(host=srv.host, port=srv.port)
    admin.execute_command("ACL", "SETUSER", "app", "on", ">pw", "~*", "&*", "+@all",
                          "namespace:app")
    admin.set("k", "default")
    app = redis.Redis(host=srv.host, port=srv.port, username="app", password="pw")
    assert app.get("k") is None
    app.set("k", "app")
    assert [k for k in app.scan_iter()] == [b"k"]
    assert admin.get("k") == b"default"
    user = admin.execute_command("ACL", "GETUSER", "app")
    assert b"namespace" in user
