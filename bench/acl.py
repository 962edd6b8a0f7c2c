#!/usr/bin/python3
"""ACL overhead: kvik as the default user vs as AUTH'd ACL users.

Starts one kvik (--threads 1, pinned to one core) on a free 127.0.0.1 port,
creates two users and drives GET and SET with redis-benchmark (pinned to
another core) at -P 1 and -P 16, alternating the users round by round so that
machine noise hits all alike; keeps the best of --rounds runs and prints
ops/s and the ratio to the default user:

  default   +@all ~* &*                     (no password)
  full      on >pw +@all ~* &*              (same rights: the fast path)
  limited   on >pw +@read +@write ~key:* &* (command bits + a key pattern per key)

Also prints the server's CPU time per request (utime+stime from /proc, best
of the rounds): on a shared machine it is steadier than ops/s. The target is
an overhead under 5% (ops/s ratio >= 0.95, CPU ratio <= 1.05). Never fails: exits 0
unless the harness cannot run. Stops only the process it started.

Usage: /usr/bin/python3 bench/acl.py [--rounds 3] [-n 200000] [--kvik PATH]
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as B  # noqa: E402  (process handling from bench/run.py)

ROOT = B.ROOT


def wait_ping(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args), check=True,
                          capture_output=True, text=True).stdout


def bench(port, test, pipeline, n, user, cpus):
    cmd = ["taskset", "-c", cpus, "redis-benchmark", "-p", str(port), "-t", test, "-n", str(n),
           "-P", str(pipeline), "-r", "100000", "-c", "50", "-q"]
    if user != "default":
        cmd += ["--user", user, "-a", "pw"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    m = re.findall(r"([\d.]+) requests per second", out)
    return float(m[-1]) if m else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("-n", type=int, default=300000)
    ap.add_argument("--kvik", default=os.path.join(ROOT, "bin", "kvik-server"))
    ap.add_argument("--server-cpus", default="0")
    ap.add_argument("--bench-cpus", default="1")
    a = ap.parse_args()
    port = B.free_port()
    d = tempfile.mkdtemp(prefix="kvik-aclbench-")
    proc = B.spawn(["taskset", "-c", a.server_cpus, a.kvik, "--port", str(port),
                             "--bind", "127.0.0.1", "--threads", "1", "--save", "",
                             "--dir", d], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    try:
        wait_ping(port)
        cli(port, "ACL", "SETUSER", "full", "on", ">pw", "+@all", "~*", "&*")
        cli(port, "ACL", "SETUSER", "limited", "on", ">pw", "+@read", "+@write", "~key:*", "&*")
        users = ["default", "full", "limited"]
        print("%-6s %-3s %-9s %12s %8s %14s %8s" % ("test", "-P", "user", "ops/s", "ratio",
                                                  "server us/op", "ratio"))
        for test in ("get", "set"):
            for p in (1, 16):
                best = {u: 0.0 for u in users}
                cpu = {u: float("inf") for u in users}
                for _ in range(a.rounds):
                    for u in users:
                        n = a.n * (10 if p > 1 else 1)  # enough CPU ticks to measure
                        c0 = B.cpu_seconds(proc.pid)
                        best[u] = max(best[u], bench(port, test, p, n, u, a.bench_cpus))
                        cpu[u] = min(cpu[u], (B.cpu_seconds(proc.pid) - c0) / n * 1e6)
                for u in users:
                    ratio = best[u] / best["default"] if best["default"] else 0
                    cr = cpu[u] / cpu["default"] if cpu["default"] else 0
                    print("%-6s %-3d %-9s %12.0f %8.3f %14.3f %8.3f"
                          % (test, p, u, best[u], ratio, cpu[u], cr))
    finally:
        B.kill_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
