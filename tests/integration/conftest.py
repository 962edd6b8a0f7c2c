"""Fixtures for the kvik integration tests.

Run against kvik:   KVIK_BIN=/abs/bin/kvik-server python3 -m pytest -q tests/integration
Run against Redis:  KVIK_TEST_TARGET=redis python3 -m pytest -q tests/integration

Fixtures
  server         factory: start_server(*extra_args, threads=None, config_file=None,
                 env=None, start=True) -> util.Server. Servers are stopped (SIGTERM,
                 then SIGKILL) and checked at the end of the test: a non-zero exit
                 code or sanitizer output fails the test.
  shared_server  a module-wide server, run with --threads 1 and --threads 2 for kvik
                 (once under redis). Restarted if a test killed it.
  r              a redis.Redis client (bytes replies) on shared_server after FLUSHALL.
  raw            a resp.RawClient on shared_server (after the same FLUSHALL).

Markers
  kvik_only      behaviour where kvik differs from / extends Redis; skipped under redis.
"""

import os

import pytest

import util
from util import IS_REDIS, ServerFactory, finish

THREAD_PARAMS = [None] if IS_REDIS else [1, 2]


def _thread_id(t):
    return "redis" if t is None else "threads%d" % t


def pytest_configure(config):
    config.addinivalue_line("markers", "kvik_only: kvik-specific behaviour, skipped when "
                            "KVIK_TEST_TARGET=redis")


def pytest_collection_modifyitems(config, items):
    if not IS_REDIS:
        return
    skip = pytest.mark.skip(reason="kvik-only behaviour (KVIK_TEST_TARGET=redis)")
    for item in items:
        if "kvik_only" in item.keywords:
            item.add_marker(skip)


def pytest_sessionstart(session):
    binary = util.server_binary()
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.exit("server binary not found or not executable: %s\n"
                    "set KVIK_BIN=/abs/path/bin/kvik-server (or KVIK_TEST_TARGET=redis)"
                    % binary, returncode=4)


def pytest_report_header(config):
    return "kvik integration target: %s (%s)" % (util.TARGET, util.server_binary())


@pytest.fixture
def server():
    f = ServerFactory()
    yield f
    finish(f)


class SharedServer:
    """A module-wide server; get() restarts it if a previous test killed it."""

    def __init__(self, threads):
        self.threads = threads
        self.factory = ServerFactory()
        self.current = None

    def get(self):
        if self.current is None or not self.current.is_running():
            self.current = self.factory(threads=self.threads)
        return self.current


@pytest.fixture(scope="module", params=THREAD_PARAMS, ids=_thread_id)
def shared_holder(request):
    h = SharedServer(request.param)
    yield h
    finish(h.factory)


@pytest.fixture
def shared_server(shared_holder):
    srv = shared_holder.get()
    yield srv
    srv.close_clients()
    if not srv.is_running():
        srv.stop()
        # reported here; the holder must not report it again at module end
        shared_holder.factory.servers.remove(srv)
        pytest.fail("the shared server died during this test (exit code %s)\n%s"
                    % (srv.returncode, srv.output_tail(120)), pytrace=False)
    reports = srv.new_sanitizer_reports()
    if reports:
        pytest.fail("sanitizer report during this test:\n%s\n%s"
                    % ("\n".join(reports[:20]), srv.output_tail(120)), pytrace=False)


@pytest.fixture
def r(shared_server):
    c = shared_server.client()
    c.execute_command("FLUSHALL")
    yield c
    c.close()


@pytest.fixture
def raw(shared_server, r):
    c = shared_server.raw()
    yield c
    c.close()
