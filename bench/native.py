#!/usr/bin/python3
"""kvik's native protocol vs RESP, on the same kvik server, with kvik-benchmark.

One kvik-server (--threads 1, pinned to --server-cpus) listens on a RESP port
and a native port; kvik-benchmark (pinned to --bench-cpus) drives it:

  1. SET and GET at -P 1 and -P 16 (small values), RESP vs native: ops/s and
     bytes on the wire per op, ratio native / RESP.
  2. 64 KB compressible values (JSON-like text), SET and GET on the native
     protocol without compression, with lz4 and with zstd: bytes on the wire
     per op (both directions) and ops/s, ratio compressed / uncompressed.
     The client picks what it compresses requests with (SET); the server
     compresses replies (GET) with its own preference among what the client
     accepts, whichever the client uses.

Each figure is the best of --rounds runs, the protocols alternating so that
noise on a shared machine hits both alike. Benchmarks never fail the build:
the exit status is 0 whatever the ratios; 2 only if the harness cannot run
(no binary, the server will not start, or no native listener in this build).

Usage: /usr/bin/python3 bench/native.py [--seconds S] [--rounds R] [--quick]
       [--clients C] [--server-cpus 0] [--bench-cpus 1] [--csv PATH]
"""

import argparse
import csv
import io
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as B  # noqa: E402  (process handling from bench/run.py)

ROOT = B.ROOT


def taskset(cpus):
    return ["taskset", "-c", cpus] if cpus and shutil.which("taskset") else []


def start_server(args, workdir):
    port, nport = B.free_port(), B.free_port()
    argv = taskset(args.server_cpus) + [
        args.kvik, "--bind", "127.0.0.1", "--port", str(port), "--native-port", str(nport),
        "--threads", str(args.threads), "--save", "", "--appendonly", "no", "--dir", workdir,
        "--logfile", os.path.join(workdir, "kvik.log")]
    p = B.spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    args.server_pid = p.pid
    deadline = time.time() + 10
    while time.time() < deadline:
        if p.poll() is not None:
            sys.exit("native.py: kvik-server exited at start (code %s)" % p.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit("native.py: kvik-server did not start")
    cli = os.path.join(os.path.dirname(args.benchmark), "kvik-cli")
    out = subprocess.run([cli, "--native", "-p", str(nport), "PING"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=10)
    if out.stdout != b"PONG\n":
        print("native.py: no native protocol in this build: %s"
              % (out.stderr.decode(errors="replace").strip() or out.stdout), file=sys.stderr)
        sys.exit(2)
    return port, nport


def run_bench(args, port, extra):
    """One kvik-benchmark run of one test: its CSV row, plus the server's and
    the client's CPU microseconds per request (robust to a busy machine,
    unlike ops/s)."""
    argv = taskset(args.bench_cpus) + [
        args.benchmark, "-p", str(port), "-c", str(args.clients), "--threads", "1",
        "--duration", str(args.seconds), "--csv"] + [str(x) for x in extra]
    srv0 = B.cpu_seconds(args.server_pid)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    srv1 = B.cpu_seconds(args.server_pid)
    if p.returncode != 0:
        sys.exit("native.py: kvik-benchmark failed: %s\n%s" % (" ".join(argv), p.stderr.decode()))
    row = list(csv.DictReader(io.StringIO(p.stdout.decode())))[0]
    n = max(1, int(row["requests"]))
    row["server_us"] = (srv1 - srv0) * 1e6 / n
    row["client_us"] = ((ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)) * 1e6 / n
    return row


def best(args, variants, tests):
    """variants: name -> (port, extra args). Runs each test of each variant
    alternately --rounds times; keeps, per variant and test, the run with the
    most ops/s and, separately, the lowest server CPU per request."""
    res = {}
    for rnd in range(args.rounds):
        names = list(variants) if rnd % 2 == 0 else list(reversed(variants))
        for test in tests:
            for name in names:
                port, extra = variants[name]
                row = run_bench(args, port, extra + ["-t", test])
                cur = res.setdefault(name, {}).get(row["test"])
                if cur is None:
                    res[name][row["test"]] = row
                    continue
                if float(row["ops_per_sec"]) > float(cur["ops_per_sec"]):
                    for k in ("ops_per_sec", "bytes_out_per_op", "bytes_in_per_op"):
                        cur[k] = row[k]
                cur["server_us"] = min(cur["server_us"], row["server_us"])
                cur["client_us"] = min(cur["client_us"], row["client_us"])
    return res


def fmt(v):
    return "%.0f" % v if v >= 100 else "%.1f" % v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kvik", default=os.path.join(ROOT, "bin", "kvik-server"))
    ap.add_argument("--benchmark", default=os.path.join(ROOT, "bin", "kvik-benchmark"))
    ap.add_argument("--threads", type=int, default=1, help="kvik worker threads (default 1)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of one run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one round of 0.5 s runs")
    ap.add_argument("--server-cpus", default="0")
    ap.add_argument("--bench-cpus", default="1")
    ap.add_argument("--csv", help="also write every figure here")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.seconds = 1, 0.5
    for b in (args.kvik, args.benchmark):
        if not os.access(b, os.X_OK):
            print("native.py: not built: %s (run make)" % b, file=sys.stderr)
            return 2
    signal.signal(signal.SIGTERM, B._on_term)
    workdir = tempfile.mkdtemp(prefix="kvik-native-bench-")
    rows = []
    try:
        port, nport = start_server(args, workdir)
        print("kvik native vs RESP: kvik-server --threads %d (cpus %s), kvik-benchmark -c %d "
              "(cpus %s), best of %d x %.1f s\n" % (args.threads, args.server_cpus, args.clients,
                                                    args.bench_cpus, args.rounds, args.seconds))
        print("1. SET/GET, 3-byte values, keyspace 100k")
        print("%-4s %3s %11s %11s %6s %9s %9s %6s %8s %8s" % (
            "test", "P", "RESP ops/s", "nat. ops/s", "ratio", "RESP us", "nat. us", "ratio",
            "RESP B", "nat. B"))
        for pipeline in (1, 16):
            common = ["-P", pipeline, "-r", 100000]
            res = best(args, {"resp": (port, common), "native": (nport, ["--native"] + common)},
                       ["set", "get"])
            for test in ("SET", "GET"):
                r, n = res["resp"][test], res["native"][test]
                ro, no = float(r["ops_per_sec"]), float(n["ops_per_sec"])
                rb = float(r["bytes_out_per_op"]) + float(r["bytes_in_per_op"])
                nb = float(n["bytes_out_per_op"]) + float(n["bytes_in_per_op"])
                rc, nc = r["server_us"], n["server_us"]
                print("%-4s %3d %11s %11s %5.2fx %9.2f %9.2f %5.2fx %8.1f %8.1f" % (
                    test, pipeline, fmt(ro), fmt(no), no / ro if ro else 0, rc, nc,
                    nc / rc if rc else 0, rb, nb))
                rows.append(["small", test, pipeline, "resp", ro, rc, r["client_us"], rb])
                rows.append(["small", test, pipeline, "native", no, nc, n["client_us"], nb])
        print("(us: server CPU microseconds per request; B: wire bytes per request, both ways)")
        print("\n2. 64 KB compressible values on the native protocol (-P 1, keyspace 1000, 10 clients)")
        print("%-4s %-5s %9s %6s %10s %10s %10s %10s %6s" % (
            "test", "comp", "ops/s", "ratio", "server us", "client us", "sent B", "recv B", "bytes"))
        big = ["--native", "-d", 65536, "--compressible", "-r", 1000]
        variants = {"none": (nport, big), "lz4": (nport, big + ["--compress", "lz4"]),
                    "zstd": (nport, big + ["--compress", "zstd"])}
        # every key exists before the first GET, so each GET returns 64 KB
        subprocess.run([args.benchmark, "-p", str(nport), "--native", "-c", "1", "-t", "set",
                        "-n", "1000", "-r", "1000", "--sequential", "-d", "65536",
                        "--compressible", "-q"], stdout=subprocess.DEVNULL, check=True)
        saved = args.clients
        args.clients = min(args.clients, 10)
        res = best(args, variants, ["set", "get"])
        args.clients = saved
        for test in ("SET", "GET"):
            base = res["none"][test]
            bo = float(base["ops_per_sec"])
            bw = float(base["bytes_out_per_op"]) + float(base["bytes_in_per_op"])
            for comp in ("none", "lz4", "zstd"):
                r = res[comp][test]
                o = float(r["ops_per_sec"])
                w = float(r["bytes_out_per_op"]) + float(r["bytes_in_per_op"])
                print("%-4s %-5s %9s %5.2fx %10.1f %10.1f %10.1f %10.1f %5.2fx" % (
                    test, comp, fmt(o), o / bo if bo else 0, r["server_us"], r["client_us"],
                    float(r["bytes_out_per_op"]), float(r["bytes_in_per_op"]),
                    w / bw if bw else 0))
                rows.append(["64k", test, 1, comp, o, r["server_us"], r["client_us"], w])
        print("\nratio: against the first row of its group (RESP, or no compression); bytes:"
              " wire bytes per request, both ways, against the same.\n"
              "comp is what the client compresses with; the server compresses its replies with"
              " its own preference among those the client accepts.")
        if args.csv:
            with open(args.csv, "w", newline="") as f:
                wr = csv.writer(f)
                wr.writerow(["suite", "test", "pipeline", "variant", "ops_per_sec",
                             "server_cpu_us_per_op", "client_cpu_us_per_op", "wire_bytes_per_op"])
                wr.writerows(rows)
    except KeyboardInterrupt:
        return 130
    finally:
        B.kill_all()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
