"""The log file: SIGHUP reopens it (logrotate), log-rotation renames it per
hour or day, loglevel filters it."""

import os
import signal
import time

import pytest

from resp import Error, Simple
from util import read_text, wait_for

pytestmark = pytest.mark.kvik_only


def stamps(fmt):
    """The stamp for now, and for a moment later (an hour may turn meanwhile)."""
    return {time.strftime(fmt, time.localtime(time.time())),
            time.strftime(fmt, time.localtime(time.time() + 5))}


def rotated(srv):
    base = os.path.basename(srv.log_path)
    return sorted(f for f in os.listdir(srv.dir) if f.startswith(base + "."))


def test_sighup_reopens_the_log_file(server):
    srv = server()
    wait_for(lambda: "Ready to accept" in read_text(srv.log_path), message="start-up lines")
    moved = srv.log_path + ".old"
    os.rename(srv.log_path, moved)
    os.kill(srv.pid, signal.SIGHUP)
    wait_for(lambda: os.path.exists(srv.log_path), message="a new log file after SIGHUP")
    wait_for(lambda: "log file reopened" in read_text(srv.log_path),
             message="the SIGHUP line in the new file")
    assert "Ready to accept" in read_text(moved)
    assert "Ready to accept" not in read_text(srv.log_path)
    # the server keeps running and logging to the new file
    with srv.raw() as c:
        assert c.call("PING") == Simple(b"PONG")
    srv.stop()
    assert "bye bye" in read_text(srv.log_path)


def test_hourly_rotation_name(server):
    srv = server("--log-rotation", "hourly")
    with srv.raw() as c:
        assert c.call("DEBUG", "LOG-ROTATE") == Simple(b"OK")
        c.call("SET", "k", "v")
    names = rotated(srv)
    base = os.path.basename(srv.log_path)
    assert len(names) == 1 and names[0][len(base) + 1:] in stamps("%Y-%m-%dT%H"), names
    assert "Ready to accept" in read_text(os.path.join(srv.dir, names[0]))
    # the current file is a new one at the configured path
    assert "Ready to accept" not in read_text(srv.log_path)
    # the same period rotated again does not overwrite the first file
    with srv.raw() as c:
        assert c.call("DEBUG", "LOG-ROTATE") == Simple(b"OK")
    names2 = rotated(srv)
    assert len(names2) == 2 and names2[1] == names[0] + ".1", names2


def test_daily_rotation_of_a_stale_file_at_start(server):
    srv = server("--log-rotation", "daily", start=False)
    yesterday = time.time() - 86400
    with open(srv.log_path, "w") as f:
        f.write("old line\n")
    os.utime(srv.log_path, (yesterday, yesterday))
    srv.start()
    want = srv.log_path + "." + time.strftime("%Y-%m-%d", time.localtime(yesterday))
    assert os.path.exists(want), os.listdir(srv.dir)
    assert read_text(want) == "old line\n"
    assert "old line" not in read_text(srv.log_path)
    assert "Ready to accept" in read_text(srv.log_path)


def test_rotation_settings(server):
    srv = server()
    with srv.raw() as c:
        assert c.call("DEBUG", "LOG-ROTATE") == Error(
            b"ERR no log file, or log-rotation is never")
        assert c.call("CONFIG", "SET", "log-rotation", "daily") == Simple(b"OK")
        assert c.call("CONFIG", "GET", "log-rotation") == [b"log-rotation", b"daily"]
        assert c.call("DEBUG", "LOG-ROTATE") == Simple(b"OK")
        err = c.call("CONFIG", "SET", "log-rotation", "weekly")
        assert isinstance(err, Error) and b"never, hourly, daily" in err
    names = rotated(srv)
    base = os.path.basename(srv.log_path)
    assert len(names) == 1 and names[0][len(base) + 1:] in stamps("%Y-%m-%d"), names


def test_loglevel_filters(server):
    srv = server("--loglevel", "warning")
    with srv.raw() as c:
        assert c.call("CONFIG", "GET", "loglevel") == [b"loglevel", b"warning"]
    srv.stop()
    text = read_text(srv.log_path)
    assert "Ready to accept" not in text  # a notice
    assert "bye bye" in text  # a warning
