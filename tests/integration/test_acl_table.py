"""Every command of the table goes through the ACL checks.

The commands are read from the server (COMMAND INFO and COMMAND DOCS), not
from a hand-written list:

- a user allowed nothing (-@all) gets "NOPERM ... run the '<name>' command"
  for every command and subcommand (except those that need no
  authentication: AUTH, HELLO, QUIT, RESET...);
- a user with +@all but only ~allowed* gets the keys NOPERM for every keyed
  command given a forbidden key, with its arguments derived from COMMAND DOCS
  so that the keys are where COMMAND GETKEYS says they are.
"""

import pytest

from resp import Array, Error, Map
from util import IS_REDIS, ServerFactory, finish

NOPERM_KEYS = b"NOPERM this user has no permissions to access one of the keys used as arguments"


@pytest.fixture(scope="module")
def tsrv():
    f = ServerFactory()
    s = f(threads=None if IS_REDIS else 2)
    yield s
    finish(f)


def all_commands(raw):
    """[(fullname, arity, flags)] for every executable command and subcommand."""
    out = []

    def walk(e):
        name = e[0].decode()
        subs = e[9]
        if subs:
            for sub in subs:
                walk(sub)
            return
        flags = {f.decode() for f in e[2]}
        out.append((name, int(e[1]), flags))

    for e in raw.call("COMMAND", "INFO"):
        walk(e)
    return out


def argv_prefix(name):
    return name.split("|")


def filler(name, arity):
    argv = argv_prefix(name)
    need = arity if arity > 0 else -arity
    while len(argv) < need:
        argv.append("x")
    return argv


def test_every_command_needs_permission(tsrv):
    admin = tsrv.raw()
    admin.call("ACL", "SETUSER", "nobody", "on", "nopass", "allkeys", "allchannels", "-@all")
    cmds = all_commands(admin)
    assert len(cmds) > 200
    r = tsrv.raw()
    assert r.call("AUTH", "nobody", "x") == b"OK"
    checked = 0
    lines = []
    for name, arity, flags in cmds:
        if "no_auth" in flags:
            continue
        lines.append((name, filler(name, arity)))
    r.send_many([argv for _, argv in lines])
    replies = r.read_many(len(lines), timeout=30)
    for (name, argv), reply in zip(lines, replies):
        want = ("NOPERM this user has no permissions to run the '%s' command" % name).encode()
        if name == "exec":  # a rejected EXEC is worded as an abort (Redis)
            want = b"EXECABORT Transaction discarded because of: " + want
        if IS_REDIS and reply.startswith(b"ERR ") and b"command not allowed" in reply:
            continue  # enable-module-command / enable-debug-command come first in Redis
        assert reply == Error(want), (argv, reply)
        checked += 1
    assert checked > 200
    # the denials are logged with the full command name
    log = admin.call("ACL", "LOG", "1")[0]
    assert dict(zip(log[::2], log[1::2]))[b"reason"] == b"command"


# ------------------------------------------------------------ keyed commands


def doc_args(docs_entry):
    m = docs_entry if isinstance(docs_entry, dict) else dict(zip(docs_entry[::2], docs_entry[1::2]))
    return m.get(b"arguments") or []


def as_map(a):
    return a if isinstance(a, dict) else dict(zip(a[::2], a[1::2]))


class KeyNames:
    def __init__(self):
        self.n = 0

    def next(self):
        self.n += 1
        return "forbidden:%d" % self.n


def build(arg, keys, out):
    """Appends a minimal instance of a COMMAND DOCS argument to out."""
    a = as_map(arg)
    typ = a[b"type"].decode()
    flags = {f.decode() for f in (a.get(b"flags") or [])}
    token = a.get(b"token")
    if "optional" in flags:
        return
    if token is not None:
        out.append(token.decode())
    if typ == "key":
        out.append(keys.next())
    elif typ in ("integer", "unix-time"):
        out.append("1")
    elif typ == "double":
        out.append("1")
    elif typ == "pattern":
        out.append("*")
    elif typ == "pure-token":
        pass
    elif typ == "oneof":
        subs = a.get(b"arguments") or []
        if subs:
            build(_required(subs[0]), keys, out)
    elif typ == "block":
        for sub in a.get(b"arguments") or []:
            build(sub, keys, out)
    else:
        out.append("x%d" % len(out))


def _required(arg):
    a = dict(as_map(arg))
    a[b"flags"] = [f for f in (a.get(b"flags") or []) if f != b"optional"]
    return a


def test_every_keyed_command_checks_keys(tsrv):
    admin = tsrv.raw()
    admin.call("ACL", "SETUSER", "keyed", "on", "nopass", "+@all", "~allowed*", "&*")
    docs = admin.call("COMMAND", "DOCS")
    docs = as_map(docs)
    info = {}

    def walk(e):
        if e[9]:
            for sub in e[9]:
                walk(sub)
        info[e[0].decode()] = e

    for e in admin.call("COMMAND", "INFO"):
        walk(e)

    def docs_of(name):
        parts = name.split("|")
        d = as_map(docs.get(parts[0].encode()) or {})
        if len(parts) == 2:
            d = as_map(as_map(d.get(b"subcommands") or {}).get(name.encode()) or {})
        return d

    r = tsrv.raw()
    r.call("AUTH", "keyed", "x")
    tried = 0
    for name, e in sorted(info.items()):
        flags = {f.decode() for f in e[2]}
        if e[9] or "no_auth" in flags:
            continue
        if int(e[3]) == 0 and "movablekeys" not in flags:
            continue
        argv = argv_prefix(name)
        keys = KeyNames()
        for a in doc_args(docs_of(name)):
            build(a, keys, argv)
        arity = int(e[1])
        if (arity > 0 and len(argv) != arity) or len(argv) < -arity:
            continue
        got = admin.call("COMMAND", "GETKEYSANDFLAGS", *argv)
        if isinstance(got, Error) or not got:
            continue
        # arguments the docs do not type as keys: rename what GETKEYS found
        for k, _ in got:
            if not k.startswith(b"forbidden:") and argv.count(k.decode()) == 1:
                argv[argv.index(k.decode())] = keys.next()
        got = admin.call("COMMAND", "GETKEYSANDFLAGS", *argv)
        found = [k for k, kflags in got if b"not_key" not in kflags]
        if not found:
            continue
        # every key the table reports is one of ours, at its position
        assert all(k.startswith(b"forbidden:") for k in found), (argv, got)
        reply = r.call(*argv)
        assert reply == Error(NOPERM_KEYS), (argv, reply)
        tried += 1
    assert tried > 100
