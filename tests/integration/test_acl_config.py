"""Users declared by `user` lines of the config file or the command line (as in
redis.conf), and CONFIG REWRITE keeping the ACL's users in the config file.

Except where marked kvik_only these tests also pass against redis-server
(KVIK_TEST_TARGET=redis)."""

import hashlib
import re
import time

import pytest
import redis

from util import cmd, err, expect_startup_failure


def sha(pw):
    return hashlib.sha256(pw.encode()).hexdigest()


def norm(line):
    """An ACL LIST line with its single-command rules sorted: Redis lists them
    in its own table order (+set +get), kvik in its own."""
    words = line.split(" ")
    rules = [w for w in words if w.startswith(("+", "-"))]
    cmds = sorted(w for w in rules if "@" not in w)
    return " ".join([w for w in words if w not in rules] +
                    [w for w in rules if "@" in w] + cmds)


def acl_list(c):
    return [norm(x.decode()) for x in cmd(c, "ACL", "LIST")]


def user_lines(text):
    return [norm(l) for l in text.splitlines() if l.startswith("user ")]


def wait_for_auth(srv, user, password, timeout=10.0):
    """A client authenticated as user, once the server (whose default user has
    a password, so the harness's PING cannot tell) answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            c = srv.client(username=user, password=password)
            cmd(c, "PING")
            return c
        except redis.ConnectionError:
            if time.monotonic() > deadline or not srv.is_running():
                raise
            time.sleep(0.05)


def test_user_lines_in_config_file(server, tmp_path):
    conf = tmp_path / "users.conf"
    conf.write_text("user alice on >pw ~app:* +get +set\n"
                    "user bob off\n")
    srv = server(config_file=str(conf))
    c = srv.client()
    assert acl_list(c) == [
        "user alice on #%s ~app:* resetchannels -@all +get +set" % sha("pw"),
        "user bob off resetchannels -@all",
        "user default on nopass ~* &* +@all",
    ]
    alice = srv.client(username="alice", password="pw")
    assert cmd(alice, "SET", "app:1", "v") == b"OK"
    assert cmd(alice, "GET", "app:1") == b"v"
    assert err(alice, "GET", "other").startswith("NOPERM")
    assert err(alice, "DEL", "app:1").startswith("NOPERM")
    with pytest.raises(redis.ResponseError, match="WRONGPASS"):
        srv.client(username="bob", password="x").ping()


def test_user_line_on_command_line(server):
    srv = server("--user", "carol", "on", ">secret", "~*", "+@read")
    c = srv.client()
    assert "user carol on #%s ~* resetchannels -@all +@read" % sha("secret") in acl_list(c)
    carol = srv.client(username="carol", password="secret")
    assert cmd(carol, "GET", "k") is None
    assert err(carol, "SET", "k", "v").startswith("NOPERM")


def test_selector_spans_words(server, tmp_path):
    conf = tmp_path / "sel.conf"
    conf.write_text("user dave on nopass ~a* +get (~b* +set)\n")
    srv = server(config_file=str(conf))
    dave = srv.client(username="dave", password="x")
    assert cmd(dave, "SET", "b1", "v") == b"OK"
    assert err(dave, "SET", "a1", "v").startswith("NOPERM")
    assert cmd(dave, "GET", "a1") is None


def test_default_user_line_replaces_the_default_rules(server, tmp_path):
    conf = tmp_path / "default.conf"
    conf.write_text("user default on >topsecret ~* &* +@all\n")
    srv = server(config_file=str(conf), start=False)
    srv.spawn()
    c = wait_for_auth(srv, "default", "topsecret")
    assert ("user default on sanitize-payload #%s ~* &* +@all" % sha("topsecret")
            in acl_list(c))
    anon = srv.raw()
    assert anon.call("GET", "k").startswith(b"NOAUTH")


def test_requirepass_kept_without_default_line(server, tmp_path):
    conf = tmp_path / "rp.conf"
    conf.write_text("requirepass hunter2\nuser erin on >pw +ping\n")
    srv = server(config_file=str(conf), start=False)
    srv.spawn()
    wait_for_auth(srv, "default", "hunter2")
    erin = srv.client(username="erin", password="pw")
    assert cmd(erin, "PING") == b"PONG"


def test_duplicate_user_refused(server, tmp_path):
    conf = tmp_path / "dup.conf"
    conf.write_text("user alice on >pw\nuser alice off\n")
    out = expect_startup_failure(server, config_file=str(conf))
    assert "Duplicate user found" in out, out
    assert "line 2" in out, out


def test_bad_rule_refused(server, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("user alice on >pw +nosuchcommand\n")
    out = expect_startup_failure(server, config_file=str(conf))
    assert "alice" in out and "nosuchcommand" in out, out


def test_user_lines_and_aclfile_refused(server, tmp_path):
    acl = tmp_path / "users.acl"
    acl.write_text("user bob on nopass +@all ~*\n")
    conf = tmp_path / "both.conf"
    conf.write_text("aclfile %s\nuser alice on >pw\n" % acl)
    out = expect_startup_failure(server, config_file=str(conf))
    assert "ACL file" in out and "not both" in out, out


@pytest.mark.kvik_only
def test_fatal_error_does_not_print_passwords(server, tmp_path):
    conf = tmp_path / "secret.conf"
    conf.write_text("user alice on >s3cr3t-pw\nuser alice on >other-pw\n")
    out = expect_startup_failure(server, config_file=str(conf))
    assert "s3cr3t-pw" not in out and "other-pw" not in out, out
    assert "user alice <redacted>" in out, out


def test_rewrite_writes_users_and_they_load_back(server, tmp_path):
    conf = tmp_path / "rw.conf"
    conf.write_text("# my users\nuser alice on >pw ~k* +get\nmaxmemory 10mb\n")
    srv = server(config_file=str(conf))
    c = srv.client()
    assert cmd(c, "ACL", "SETUSER", "bob", "on", ">x", "~*", "+@read") == b"OK"
    assert cmd(c, "ACL", "SETUSER", "alice", "+set") == b"OK"
    assert cmd(c, "CONFIG", "REWRITE") == b"OK"
    text = conf.read_text()
    assert "# my users" in text.splitlines()
    lines = user_lines(text)
    assert sorted(lines) == sorted(acl_list(c)), text
    assert re.search(r"^maxmemory ", text, re.M), text
    # the rewritten file starts a server with the same users (the default
    # user's line starts from `reset`, which adds sanitize-payload, as Redis)
    srv2 = server(config_file=str(conf))
    c2 = srv2.client()
    assert [l for l in acl_list(c2) if not l.startswith("user default ")] == \
        [l for l in acl_list(c) if not l.startswith("user default ")]
    assert "user default on nopass sanitize-payload ~* &* +@all" in acl_list(c2)
    assert cmd(srv2.client(username="alice", password="pw"), "SET", "k1", "v") == b"OK"
    # a deleted user leaves the file at the next rewrite
    assert cmd(c2, "ACL", "DELUSER", "bob") == 1
    assert cmd(c2, "CONFIG", "REWRITE") == b"OK"
    lines = user_lines(conf.read_text())
    assert not any(l.startswith("user bob ") for l in lines), lines
    assert sorted(lines) == sorted(acl_list(c2))


def test_rewrite_with_aclfile_drops_user_lines(server, tmp_path):
    acl = tmp_path / "users.acl"
    acl.write_text("user bob on nopass ~* +@all\n")
    conf = tmp_path / "af.conf"
    conf.write_text("aclfile %s\n" % acl)
    srv = server(config_file=str(conf))
    c = srv.client()
    assert cmd(c, "ACL", "SETUSER", "zed", "on", "nopass") == b"OK"
    assert cmd(c, "CONFIG", "REWRITE") == b"OK"
    assert user_lines(conf.read_text()) == []
    # the users stay in the aclfile's keeping
    assert cmd(c, "ACL", "SAVE") == b"OK"
    assert any(l.startswith("user zed ") for l in acl.read_text().splitlines())


def test_acl_save_and_load_need_an_aclfile(server, tmp_path):
    conf = tmp_path / "noacl.conf"
    conf.write_text("user alice on >pw\n")
    c = server(config_file=str(conf)).client()
    for sub in ("SAVE", "LOAD"):
        e = err(c, "ACL", sub)
        assert e.startswith("ERR This Redis instance is not configured to use an ACL file"), e
