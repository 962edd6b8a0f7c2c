"""kvik-server --gen-config: the printed file loads back unchanged.

Each variant is generated, started as the server's config file and compared
setting by setting (CONFIG GET *) with a server started from the defaults:
the settings the options chose have their chosen values, every other setting
its default. Ports the file fixes (6379, 6380, 6381) are moved to free ports
on the command line so that parallel runs do not collide.
"""

import os
import socket
import ssl
import subprocess

import pytest

from resp import Simple
from util import free_port, server_binary

pytestmark = pytest.mark.kvik_only

# What each option must set, as CONFIG GET shows it.
CHOSEN = {
    "--tls": {"tls-cert-file": "./tls/server.crt", "tls-key-file": "./tls/server.key",
              "tls-ca-cert-file": "./tls/ca.crt"},
    "--native": {},
    "--storage memory": {"save": "", "appendonly": "no"},
    "--storage rdb": {"save": "3600 1 300 100 60 10000", "appendonly": "no"},
    "--storage aof": {"save": "", "appendonly": "yes", "appendfsync": "everysec"},
}
FILE_LINES = {
    "--tls": ["tls-port 6380", 'tls-cert-file "./tls/server.crt"',
              'tls-key-file "./tls/server.key"', 'tls-ca-cert-file "./tls/ca.crt"'],
    "--native": ["native-port 6381"],
    "--storage memory": ['save ""', "appendonly no"],
    "--storage rdb": ["save 3600 1 300 100 60 10000", "appendonly no"],
    "--storage aof": ['save ""', "appendonly yes"],
}
VARIANTS = [[], ["--tls"], ["--native"], ["--storage memory"], ["--storage rdb"],
            ["--storage aof"], ["--tls", "--native", "--storage aof"]]
# Set on the command line by this test, not by the file.
HARNESS = {"port", "bind", "dir", "logfile", "tls-port", "native-port"}


def gen(options):
    argv = [server_binary(), "--gen-config"]
    for o in options:
        argv += o.split()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    return p.stdout


def make_certs(d):
    """A CA, a server and a client certificate under d/tls (the names
    tools/gen-certs.sh uses)."""
    tls = os.path.join(d, "tls")
    os.makedirs(tls, exist_ok=True)

    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=tls, check=True,
                       capture_output=True, timeout=60)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
        "ca.crt", "-days", "2", "-subj", "/CN=kvik-test-ca")
    for name in ("server", "client"):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
            name + ".csr", "-subj", "/CN=" + name)
        run("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", name + ".crt", "-days", "2")
    return tls


def config_all(srv):
    with srv.raw() as c:
        reply = c.call("CONFIG", "GET", "*")
    return {bytes(reply[i]).decode(): bytes(reply[i + 1]).decode()
            for i in range(0, len(reply), 2)}


def start(server, config_text=None, options=()):
    srv = server(config_file=None, start=False, base_args=False)
    ports = {"port": free_port(), "tls-port": free_port(), "native-port": free_port()}
    args = []
    if config_text is not None:
        path = os.path.join(srv.dir, "kvik.conf")
        with open(path, "w") as f:
            f.write(config_text)
        args.append(path)
    args += ["--bind", "127.0.0.1", "--dir", srv.dir, "--logfile", srv.log_path]
    # The presets' fixed ports are replaced by free ones for the test.
    if "--tls" in options:
        args += ["--tls-port", str(ports["tls-port"])]
    if "--native" in options:
        args += ["--native-port", str(ports["native-port"])]
    srv.extra_args = args
    srv.tls_port = ports["tls-port"]
    return srv, ports["port"]


def launch(srv, port):
    srv.extra_args += ["--port", str(port)]
    srv.spawn(port=port)
    srv.wait_ready()
    return srv


@pytest.mark.parametrize("options", VARIANTS, ids=lambda v: "+".join(v) or "defaults")
def test_generated_config_loads_back(server, options):
    text = gen(options)
    assert text.startswith("# kvik ")
    for o in options:
        for line in FILE_LINES[o]:
            assert "\n" + line + "\n" in text, (o, line)
        assert "# (chosen by %s)" % o in text
    srv, port = start(server, text, options)
    if "--tls" in options:
        make_certs(srv.dir)
    launch(srv, port)
    ref, ref_port = start(server)
    launch(ref, ref_port)
    got, want = config_all(srv), config_all(ref)
    expected = dict(want)
    for o in options:
        expected.update(CHOSEN[o])
    for name in sorted(set(expected) | set(got)):
        if name in HARNESS:
            continue
        assert got.get(name) == expected.get(name), name
    if "--tls" in options:
        check_tls(srv)


def check_tls(srv):
    """PING over TLS with the generated certificates."""
    tls = os.path.join(srv.dir, "tls")
    ctx = ssl.create_default_context(cafile=os.path.join(tls, "ca.crt"))
    ctx.check_hostname = False
    ctx.load_cert_chain(os.path.join(tls, "client.crt"), os.path.join(tls, "client.key"))
    raw = socket.create_connection(("127.0.0.1", srv.tls_port), timeout=5)
    with ctx.wrap_socket(raw) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"+PONG\r\n"


def test_generated_config_listens_on_loopback():
    """A generated file is meant for a deployment: it binds loopback only, as
    redis.conf does, and says so."""
    text = gen([])
    assert "\nbind 127.0.0.1 -::1\n" in text
    assert "# (chosen by --gen-config: loopback only, as redis.conf)\nbind " in text


def test_gen_config_rejects_unknown_options():
    p = subprocess.run([server_binary(), "--gen-config", "--storage", "tape"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 1 and "Usage: kvik-server --gen-config" in p.stderr
    p = subprocess.run([server_binary(), "--gen-config", "--bogus"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 1


def test_gen_config_lists_every_setting(server):
    text = gen([])
    srv = server()
    names = config_all(srv)
    for name in names:
        if "ziplist" in name:  # aliases are not written; their setting is
            continue
        assert ("\n%s " % name) in text or ("\n# %s " % name) in text, name
    # machine-dependent defaults stay commented out
    assert "\n# threads " in text and "\n# dir " in text
    assert "\nrename-command" not in text
