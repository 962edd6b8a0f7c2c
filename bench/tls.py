#!/usr/bin/python3
"""kvik vs redis-server over TLS, side by side in one run.

Both servers get the same certificates (tools/gen-certs.sh into a temporary
directory), a plain port and a TLS port, `tls-auth-clients no`, and are pinned
to the same core (taskset, --server-cpus, default 0); the load generators run
on the other core (--bench-cpus, default 1). kvik runs with --threads 1.

1. Throughput: `redis-benchmark --tls -t set,get -c 50 -r 1000000` at -P 1
   and -P 16. The request count is calibrated on redis so that one run takes
   about --seconds; both servers get the same count. Servers alternate
   (kvik, redis, redis, kvik, ...) for --rounds rounds; the best run of each
   is kept, because noise on a shared machine only ever lowers a figure.
2. New connections per second: bin/kvik-tlshs (bench/tlshs.c; make
   bench-tools) runs --hs-threads client threads that each connect, do a full
   TLS handshake, PING, and close, in a loop for --seconds; then the same
   with session resumption (abbreviated handshakes). Alternating rounds, best
   kept, as above.

Prints every figure and the kvik/redis ratio, each server's CPU use during its
best run and the server CPU time per operation (or per new connection) in
microseconds: when the client core is the bottleneck (redis-benchmark --tls at
-P 1, handshakes) the servers are not saturated, and CPU per operation is the
fairer comparison. Writes bench/results/tls.csv. Like bench/run.py it never fails on
the figures: the exit status is non-zero only if the harness cannot run.

Usage: /usr/bin/python3 bench/tls.py [--quick] [--rounds R] [--seconds S]
       [--pipelines 1,16] [--tests set,get] [--hs-threads N] ...
"""

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as B  # noqa: E402  (process handling, Server, Conn from bench/run.py)

ROOT = B.ROOT


def make_server(name, argv_fn, args, workdir, certs):
    """A bench/run.py Server that also listens on a TLS port (srv.tls_port)."""
    srv = B.Server(name, None, args.server_cpus, workdir)

    def argv(port, d):
        srv.tls_port = B.free_port()
        return argv_fn(port, d) + [
            "--tls-port", str(srv.tls_port),
            "--tls-cert-file", os.path.join(certs, "server.crt"),
            "--tls-key-file", os.path.join(certs, "server.key"),
            "--tls-ca-cert-file", os.path.join(certs, "ca.crt"),
            "--tls-auth-clients", "no"]

    srv.argv_fn = argv
    return srv


def servers(args, workdir, certs):
    def kvik(port, d):
        return [args.kvik, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--threads", "1", "--dir", d]

    def redis(port, d):
        return [args.redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", d, "--daemonize", "no", "--logfile", ""]

    return (make_server("kvik", kvik, args, workdir, certs),
            make_server("redis", redis, args, workdir, certs))


def timed(argv, server, timeout):
    """Runs argv; returns (stdout, server cpu %, error)."""
    cpu0, t0 = B.cpu_seconds(server.proc.pid), time.time()
    p = B.spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return "", None, "timeout after %ds" % timeout
    finally:
        B.kill_child(p)
    wall = time.time() - t0
    cpu1 = B.cpu_seconds(server.proc.pid)
    cpu = 100.0 * (cpu1 - cpu0) / wall if cpu0 is not None and cpu1 is not None else None
    error = None
    if p.returncode != 0:
        lines = [l for l in (err + out).decode(errors="replace").splitlines() if l.strip()]
        error = (lines[-1] if lines else "exit status %d" % p.returncode)[:200]
        if not server.alive():
            error = "server died: " + error
    return out.decode(errors="replace"), cpu, error


def benchmark(args, server, certs, test, pipeline, n):
    argv = ["taskset", "-c", args.bench_cpus, args.benchmark, "-h", "127.0.0.1",
            "-p", str(server.tls_port), "--tls", "--cacert", os.path.join(certs, "ca.crt"),
            "-t", test, "-n", str(n), "-c", str(args.clients), "-r", str(args.keyspace),
            "-P", str(pipeline), "--csv"]
    out, cpu, error = timed(argv, server, args.timeout)
    for row in csv.reader(out.splitlines()):
        if len(row) >= 2 and row[0] != "test":
            try:
                return float(row[1]), cpu, error
            except ValueError:
                pass
    return None, cpu, error or "no result"


def handshakes(args, server, certs, resume):
    argv = ["taskset", "-c", args.bench_cpus, args.tlshs, "-p", str(server.tls_port),
            "--cacert", os.path.join(certs, "ca.crt"), "-c", str(args.hs_threads),
            "-t", str(args.seconds)] + (["-r"] if resume else [])
    out, cpu, error = timed(argv, server, args.timeout)
    for line in out.splitlines():
        if line.startswith("RESULT "):
            kv = dict(x.split("=", 1) for x in line.split()[1:])
            if int(kv["failed"]) and not error:
                error = "%s failed connections" % kv["failed"]
            return float(kv["per_sec"]), cpu, error
    return None, cpu, error or "no result"


def alternate(args, kvik, redis, fn):
    """Best figure of each server over args.rounds alternating rounds, with
    the server CPU % of that run. Returns {name: (value, cpu, error)}."""
    best = {"kvik": (None, None, None), "redis": (None, None, None)}
    for r in range(args.rounds):
        for srv in ((kvik, redis) if r % 2 == 0 else (redis, kvik)):
            v, cpu, err = fn(srv)
            name = srv.name
            if v is not None and (best[name][0] is None or v > best[name][0]):
                best[name] = (v, cpu, None)
            elif best[name][0] is None and err:
                best[name] = (None, None, err)
    return best


def fmt(v):
    return "%10.0f" % v if v is not None else "     ERROR"


def us_per_op(v, cpu):
    """Server CPU microseconds per operation (or per connection)."""
    return cpu / 100.0 / v * 1e6 if v and cpu else None


def row(results, label, best):
    k, r = best["kvik"], best["redis"]
    ratio = k[0] / r[0] if k[0] and r[0] else None
    ku, ru = us_per_op(k[0], k[1]), us_per_op(r[0], r[1])
    cpu = ""
    if k[1] is not None and r[1] is not None:
        cpu = "%3.0f%% / %3.0f%%" % (k[1], r[1])
    eff = "%8.2f %8.2f" % (ku, ru) if ku and ru else ""
    print("%-32s %s %s %7s  %-13s %s" % (label, fmt(k[0]), fmt(r[0]),
                                         "%.2fx" % ratio if ratio else "-", cpu, eff))
    for name, (_v, _c, err) in best.items():
        if err:
            print("    %s: %s" % (name, err))
    results.append((label, k[0], r[0], ratio, k[1], r[1], ku, ru))


def parse_args():
    ap = argparse.ArgumentParser(description="kvik vs redis-server over TLS.")
    ap.add_argument("--quick", action="store_true", help="1 round of ~0.7 s runs")
    ap.add_argument("--rounds", type=int, default=None, help="default 3 (quick: 1)")
    ap.add_argument("--seconds", type=float, default=None,
                    help="length of one run (default 2.5, quick 0.7)")
    ap.add_argument("--tests", default="set,get")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-r", "--keyspace", type=int, default=1000000)
    ap.add_argument("--hs-threads", type=int, default=8,
                    help="client threads of the handshake test (default 8)")
    ap.add_argument("--server-cpus", default="0")
    ap.add_argument("--bench-cpus", default="1")
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--kvik", default=os.path.join(ROOT, "bin", "kvik-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--benchmark",
                    default=shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark")
    ap.add_argument("--tlshs", default=os.path.join(ROOT, "bin", "kvik-tlshs"))
    ap.add_argument("--csv", default=os.path.join(B.RESULTS_DIR, "tls.csv"))
    args = ap.parse_args()
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.seconds is None:
        args.seconds = 0.7 if args.quick else 2.5
    return args


def main():
    args = parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, B._on_term)
    for path in (args.kvik, args.redis, args.benchmark, args.tlshs):
        if not os.access(path, os.X_OK):
            print("bench/tls: %s not found or not executable (make all bench-tools)" % path,
                  file=sys.stderr)
            return 2
    workdir = tempfile.mkdtemp(prefix="kvik-bench-tls-")
    certs = os.path.join(workdir, "tls")
    results = []
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    try:
        subprocess.run(["sh", os.path.join(ROOT, "tools", "gen-certs.sh"), certs],
                       check=True, stdout=subprocess.DEVNULL)
        kvik, redis = servers(args, workdir, certs)
        kvik.start()
        redis.start()
        print("kvik bench tls %s: servers on cpu %s (kvik --threads 1), clients on cpu %s; "
              "RSA 2048 certificates, tls-auth-clients no; best of %d" % (
                  stamp, args.server_cpus, args.bench_cpus, args.rounds))
        print("%-32s %10s %10s %7s  %-13s %8s %8s" % (
            "", "kvik", "redis", "ratio", "server cpu", "kvik us", "redis us"))
        for p in [int(x) for x in args.pipelines.split(",") if x.strip()]:
            for test in [t.strip() for t in args.tests.split(",") if t.strip()]:
                # calibrate on redis: one run of about --seconds
                n0 = 20000 * p
                v, _, err = benchmark(args, redis, certs, test, p, n0)
                n = max(n0, int((v or 0) * args.seconds))
                best = alternate(args, kvik, redis,
                                 lambda s: benchmark(args, s, certs, test, p, n))
                row(results, "%s -P %d (ops/s)" % (test.upper(), p), best)
        for resume, label in ((False, "new conns/s, full handshake"),
                              (True, "new conns/s, resumed session")):
            best = alternate(args, kvik, redis, lambda s: handshakes(args, s, certs, resume))
            row(results, label, best)
    except KeyboardInterrupt:
        print("\nbench/tls: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001
        print("bench/tls: error: %s" % e, file=sys.stderr)
        return 1
    finally:
        B.kill_all()
        shutil.rmtree(workdir, ignore_errors=True)
        if results:
            os.makedirs(os.path.dirname(args.csv), exist_ok=True)
            with open(args.csv, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["stamp", "test", "kvik", "redis", "ratio", "kvik_cpu_pct",
                            "redis_cpu_pct", "kvik_cpu_us_per_op", "redis_cpu_us_per_op"])
                for r in results:
                    w.writerow([stamp] + ["" if x is None else x for x in r])
            print("results written to %s" % os.path.relpath(args.csv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
