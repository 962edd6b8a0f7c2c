#!/usr/bin/python3
"""appendfsync always: write throughput of kvik and redis-server side by side.

Both servers log every write to an append-only file with `appendfsync always`
(no reply before the write is on disk) in a fresh directory each; the
servers run on cpu 0, redis-benchmark on cpu 1, 50 clients at pipeline depth
1 (one outstanding write per client, so group commit is what helps). Each
test runs `--rounds` times per server, alternating, best kept; the ratio is
kvik / redis-server.

Usage: /usr/bin/python3 bench/aof.py [--requests N] [--rounds R] [--threads T]
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_ready(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(10).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def start(name, argv, port, cpus):
    p = subprocess.Popen(["taskset", "-c", cpus] + argv, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_ready(port, p)
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def bench(args, port, test):
    out = subprocess.run(["taskset", "-c", args.bench_cpus, args.benchmark, "-p", str(port),
                          "-c", str(args.clients), "-n", str(args.requests), "-r", "100000",
                          "-t", test, "--csv"], capture_output=True, text=True,
                         timeout=600).stdout
    for line in out.splitlines():
        parts = [x.strip('"') for x in line.split(",")]
        if len(parts) > 1 and parts[0].lower() == test:
            return float(parts[1])
    raise RuntimeError("no result for %s: %r" % (test, out[-300:]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=50000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1, help="kvik --threads")
    ap.add_argument("--tests", default="set,incr,lpush")
    ap.add_argument("--server-cpus", default="0")
    ap.add_argument("--bench-cpus", default="1")
    ap.add_argument("--kvik", default=os.path.join(ROOT, "bin", "kvik-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--benchmark", default=shutil.which("redis-benchmark")
                    or "/usr/bin/redis-benchmark")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kvik-bench-aof-")
    servers = {}
    try:
        for name in ("kvik", "redis"):
            d = os.path.join(work, name)
            os.mkdir(d)
            port = free_port()
            common = ["--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                      "--appendonly", "yes", "--appendfsync", "always"]
            argv = ([args.kvik] + common + ["--threads", str(args.threads)] if name == "kvik"
                    else [args.redis] + common + ["--daemonize", "no", "--logfile", ""])
            servers[name] = (start(name, argv, port, args.server_cpus), port)
        print("appendfsync always, %d clients, -P 1, %d requests per run, best of %d "
              "(kvik --threads %d)" % (args.clients, args.requests, args.rounds, args.threads))
        print("%-8s %14s %14s %8s" % ("test", "kvik ops/s", "redis ops/s", "ratio"))
        ratios = []
        for test in args.tests.split(","):
            best = {"kvik": 0.0, "redis": 0.0}
            for _ in range(args.rounds):
                for name in ("kvik", "redis"):
                    best[name] = max(best[name], bench(args, servers[name][1], test))
            r = best["kvik"] / best["redis"] if best["redis"] else float("nan")
            ratios.append(r)
            print("%-8s %14.0f %14.0f %7.2fx" % (test, best["kvik"], best["redis"], r))
        g = 1.0
        for r in ratios:
            g *= r
        print("geomean ratio: %.2fx (target >= 1.0x)" % (g ** (1.0 / len(ratios))))
    finally:
        for p, _ in servers.values():
            stop(p)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
