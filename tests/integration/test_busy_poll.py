"""busy-poll-us: the setting's bounds, replies staying right while workers poll
(threads 1 and 2, many clients, pipelines), and a server left idle after a
burst not polling (its CPU time stays far below the wall time)."""

import os
import time

import pytest

from util import cmd, err, run_threads

pytestmark = pytest.mark.kvik_only


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/<pid>/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_setting_bounds(server):
    c = server().client()
    assert cmd(c, "CONFIG", "GET", "busy-poll-us") == [b"busy-poll-us", b"50"]
    for good in ("0", "1000", "7"):
        assert cmd(c, "CONFIG", "SET", "busy-poll-us", good) == b"OK"
        assert cmd(c, "CONFIG", "GET", "busy-poll-us")[1] == good.encode()
    for bad in ("1001", "-1", "x"):
        text = err(c, "CONFIG", "SET", "busy-poll-us", bad)
        assert "busy-poll-us" in text, text
    assert cmd(c, "CONFIG", "GET", "busy-poll-us")[1] == b"7"


@pytest.mark.parametrize("threads", [1, 2])
def test_replies_right_while_polling(server, threads):
    srv = server("--busy-poll-us", "1000", threads=threads)

    def work(n):
        c = srv.client()
        for i in range(300):
            assert cmd(c, "SET", "k%d:%d" % (n, i), "v%d" % i) == b"OK"
            p = c.pipeline(transaction=False)
            for _ in range(8):
                p.incr("ctr%d" % n)
            p.get("k%d:%d" % (n, i))
            got = p.execute()
            assert got[:8] == list(range(i * 8 + 1, i * 8 + 9)), got
            assert got[8] == ("v%d" % i).encode()

    run_threads(8, work, timeout=120)
    c = srv.client()
    assert cmd(c, "DBSIZE") == 8 * 300 + 8


def test_idle_after_burst_does_not_poll(server):
    # hz 500: the cron ends a wait every 2 ms, so a window that never closed
    # would poll 1 ms of every 2 (about 1 s of CPU in the 2 s below).
    srv = server("--busy-poll-us", "1000", "--hz", "500", threads=1)
    c = srv.client()
    for i in range(3000):  # requests back to back: the window opens
        cmd(c, "PING")
    before = cpu_seconds(srv.proc.pid)
    time.sleep(2.0)
    used = cpu_seconds(srv.proc.pid) - before
    # One whose window closed spends only the cron's few tens of milliseconds.
    assert used < 0.3, "idle server used %.2f s of CPU in 2 s" % used
