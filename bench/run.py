#!/usr/bin/python3
"""kvik vs redis-server, side by side in one run.

Starts kvik and redis-server on free 127.0.0.1 ports (each pinned to one core),
drives both with redis-benchmark pinned to the other core, alternating servers
so that noise from the shared machine hits both alike, then measures memory per
key with exactly 1M small string keys.  The data-type suite (--suite types,
part of the default run) does the same for lpush, lpop, sadd, hset, zadd, spop
and lrange_100 (with a geometric-mean line) and measures memory per
field/member/element for hashes, sets, sorted sets and a list.  Prints ratios
(kvik / redis) against the project's targets and writes every figure to
bench/results/last.csv.

Benchmarks never fail the build: the exit status is 0 unless the harness itself
could not run (missing binary, a server that would not start).

Usage: /usr/bin/python3 bench/run.py [--quick] [--suite all|strings|types]
       [--tests set,get,...] [--type-tests ...] [--datasets hash,set,zset,list]
       [--threads N] [--rounds R] [--seconds S] [-n N] [--skip-memory] ...
See bench/README.md.
"""

import argparse
import csv
import math
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS_DIR = os.path.join(ROOT, "bench", "results")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Targets from the performance issue (kvik / redis).
TARGET_TPUT = {1: 1.0, 16: 1.2}  # pipeline depth -> minimum ops/s ratio
TARGET_MEM = 0.6                 # maximum bytes/key ratio (used and RSS)
# Data-type suite (--suite types): each test >= 1.0 at every depth, and the
# geometric mean over the tests >= 1.2 at -P 16; memory per entry <= 1.0.
TYPE_TESTS = "lpush,lpop,sadd,hset,zadd,spop,lrange_100"
TARGET_TYPES = 1.0
TARGET_GEOMEAN = {16: 1.2}
TARGET_MEM_TYPES = 1.0

# Pub/sub suite (--suite pubsub): deliveries/s of kvik --threads 2 with 100
# subscribers >= 1.5x redis-server's.
TARGET_PUBSUB = 1.5

# Every process we start, so we can kill exactly these (by PID) on any exit.
_children = []


# --------------------------------------------------------------------------
# process handling


def spawn(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    _children.append(p)
    return p


def kill_child(p, timeout=5.0):
    if p.poll() is None:
        try:
            os.kill(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
    if p in _children:
        _children.remove(p)


def kill_all():
    for p in list(_children):
        try:
            kill_child(p)
        except Exception:
            pass


def _on_term(signum, frame):
    # Turn SIGTERM/SIGHUP into an exception so the finally-blocks run.
    raise KeyboardInterrupt("signal %d" % signum)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """utime + stime of a process (all threads), in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime/stime are fields 14/15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy():
    """Busy CPU-seconds of the whole machine so far (all cores, /proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    return (sum(v[:8]) - v[3] - v[4]) / CLK_TCK


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def proc_rss(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------
# minimal RESP client (stdlib only)


class Conn:
    def __init__(self, port, timeout=30.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def read_reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+", b":"):
            return rest.decode() if t == b"+" else int(rest)
        if t == b"-":
            raise RuntimeError("server error: " + rest.decode(errors="replace"))
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        raise RuntimeError("unexpected reply %r" % line[:80])

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def call(self, *args):
        self.sock.sendall(self.encode(*args))
        return self.read_reply()

    def info(self, section):
        raw = self.call("INFO", section).decode()
        out = {}
        for line in raw.splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out


# --------------------------------------------------------------------------
# servers


class Server:
    def __init__(self, name, argv_fn, cpus, workdir):
        self.name = name
        self.argv_fn = argv_fn
        self.cpus = cpus
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None
        self.port = None
        self.log = os.path.join(self.dir, "server.log")

    def start(self):
        last_err = None
        for _attempt in range(5):
            self.port = free_port()
            argv = ["taskset", "-c", self.cpus] + self.argv_fn(self.port, self.dir)
            logf = open(self.log, "ab")
            self.proc = spawn(argv, stdout=logf, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, cwd=self.dir)
            logf.close()
            try:
                self._wait_ready()
                return self
            except Exception as e:  # port race or startup failure: retry
                last_err = e
                kill_child(self.proc)
                self.proc = None
        raise RuntimeError("%s did not start: %s\n--- %s ---\n%s" % (
            self.name, last_err, self.log, self.log_tail()))

    def _wait_ready(self, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("exited with status %d" % self.proc.returncode)
            try:
                c = Conn(self.port, timeout=2.0)
                try:
                    if c.call("PING") == "PONG":
                        return
                finally:
                    c.close()
            except (OSError, RuntimeError, ConnectionError):
                pass
            time.sleep(0.05)
        raise RuntimeError("not answering PING after %.0fs" % timeout)

    def stop(self):
        if self.proc is not None:
            kill_child(self.proc)
            self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=15):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


def make_servers(args, workdir, tag=""):
    kvik_bin = args.kvik
    redis_bin = args.redis
    threads = str(args.threads)

    def kvik_argv(port, d):
        return [kvik_bin, "--port", str(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--threads", threads,
                "--dir", d] + shlex.split(args.kvik_args)

    def redis_argv(port, d):
        return [redis_bin, "--port", str(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", d,
                "--daemonize", "no", "--logfile", ""]

    return (Server("kvik" + tag, kvik_argv, args.server_cpus, workdir),
            Server("redis" + tag, redis_argv, args.server_cpus, workdir))


# --------------------------------------------------------------------------
# pub/sub fan-out (bin/kvik-fanout, built from bench/fanout.c)


def run_fanout(args, server, depth):
    """One kvik-fanout run; returns a dict of its RESULT figures plus the
    server's cpu % over the run, or raises RuntimeError."""
    argv = ["taskset", "-c", args.bench_cpus, args.fanout, "-p", str(server.port),
            "-s", str(args.subscribers), "-P", str(args.publishers), "-d", str(depth),
            "-t", str(args.seconds), "-m", str(args.message_size)]
    cpu0, t0 = cpu_seconds(server.proc.pid), time.time()
    p = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=args.timeout)
    finally:
        if p in _children:
            _children.remove(p)
    cpu = 100.0 * (cpu_seconds(server.proc.pid) - cpu0) / max(time.time() - t0, 1e-6)
    line = [l for l in out.splitlines() if l.startswith("RESULT ")]
    if p.returncode != 0 or not line:
        raise RuntimeError("kvik-fanout failed (%s): %s" % (p.returncode, (err or out)[-300:]))
    res = {}
    for kv in line[0].split()[1:]:
        k, v = kv.split("=", 1)
        res[k] = float(v)
    res["cpu"] = cpu
    return res


def pubsub_suite(args, workdir, results):
    """kvik --threads 1, kvik --threads 2 and redis-server side by side: the
    servers take turns for --rounds rounds per depth, best deliveries/s kept."""
    kvik_bin, redis_bin = args.kvik, args.redis

    def kvik_argv(threads):
        return lambda port, d: [kvik_bin, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--threads",
                                str(threads), "--dir", d] + shlex.split(args.kvik_args)

    def redis_argv(port, d):
        return [redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", d, "--daemonize", "no", "--logfile", ""]

    servers = [Server("kvik-t1", kvik_argv(1), args.server_cpus, workdir),
               Server("kvik-t2", kvik_argv(2), args.pubsub_cpus_t2, workdir),
               Server("redis", redis_argv, args.server_cpus, workdir)]
    depths = [int(x) for x in args.pipelines.split(",") if x]
    print("Pub/sub fan-out: %d subscribers, %d publisher(s), %d-byte messages, %.1f s "
          "per run, best of %d" % (args.subscribers, args.publishers, args.message_size,
                                   args.seconds, args.rounds))
    print("cpus: kvik-t1 and redis on %s, kvik-t2 on %s, kvik-fanout on %s" % (
        args.server_cpus, args.pubsub_cpus_t2, args.bench_cpus))
    try:
        for s in servers:
            s.start()
        best = {}
        for depth in depths:
            for rnd in range(args.rounds):
                order = servers[rnd % 3:] + servers[:rnd % 3]
                for s in order:
                    try:
                        res = run_fanout(args, s, depth)
                    except RuntimeError as e:
                        print("  %s P=%d: %s" % (s.name, depth, e))
                        continue
                    key = (s.name, depth)
                    res["runs"] = best.get(key, {}).get("runs", []) + [
                        res["deliveries_per_sec"]]
                    if key not in best or res["deliveries_per_sec"] > \
                            best[key]["deliveries_per_sec"]:
                        best[key] = res
                    else:
                        best[key]["runs"] = res["runs"]
                    time.sleep(args.settle)
    finally:
        for s in servers:
            s.stop()
    hdr = "%-4s %-8s %12s %14s %9s %9s %6s %5s %8s %7s" % (
        "P", "server", "publishes/s", "deliveries/s", "p50 us", "p99 us", "lost", "cpu%",
        "vs redis", "spread")
    print(hdr)
    print("-" * len(hdr))
    for depth in depths:
        red = best.get(("redis", depth))
        for s in servers:
            r = best.get((s.name, depth))
            if not r:
                print("%-4d %-8s %12s" % (depth, s.name, "ERROR"))
                continue
            ratio = (r["deliveries_per_sec"] / red["deliveries_per_sec"]
                     if red and red["deliveries_per_sec"] else None)
            runs = r["runs"]
            spread = 1 - min(runs) / max(runs) if runs and max(runs) else 0
            print("%-4d %-8s %12.0f %14.0f %9.1f %9.1f %6d %5.0f %8s %6.0f%%" % (
                depth, s.name, r["publishes_per_sec"], r["deliveries_per_sec"],
                r["p50_us"], r["p99_us"], r["lost"], r["cpu"],
                "%.2fx" % ratio if ratio else "-", 100 * spread))
            if s.name != "redis":
                target = TARGET_PUBSUB if s.name == "kvik-t2" else None
                status = "" if target is None or ratio is None else (
                    "PASS" if ratio >= target else "BELOW")
                for metric, unit in (("deliveries_per_sec", "deliveries/s"),
                                     ("publishes_per_sec", "publishes/s")):
                    kv = r[metric]
                    rv = red[metric] if red else None
                    results.append({
                        "kind": "pubsub", "test": "fanout_%s_%s" % (s.name, metric[:-8]),
                        "pipeline": depth, "unit": unit, "kvik": kv, "redis": rv,
                        "ratio": kv / rv if rv else None,
                        "target": target if metric == "deliveries_per_sec" else None,
                        "status": status if metric == "deliveries_per_sec" else "",
                        "n": args.subscribers, "rounds": args.rounds,
                        "kvik_threads": 2 if s.name == "kvik-t2" else 1})
    for depth in depths:
        r, red = best.get(("kvik-t2", depth)), best.get(("redis", depth))
        if r and red and red["deliveries_per_sec"]:
            ratio = r["deliveries_per_sec"] / red["deliveries_per_sec"]
            print("P=%d: kvik --threads 2 deliveries/s %.2fx redis, target >= %.1f %s" % (
                depth, ratio, TARGET_PUBSUB, "PASS" if ratio >= TARGET_PUBSUB else "BELOW"))


# --------------------------------------------------------------------------
# throughput


def run_benchmark(args, server, test, pipeline, n):
    """One redis-benchmark run of one test.  Returns (rows, cpu, error): rows
    maps the CSV test label to ops/s; cpu is (server cpu %, other cpu %), the
    latter being CPU used meanwhile by processes that are neither the server
    nor redis-benchmark (a gauge of noise from the shared machine)."""
    try:
        prepare(server, test, n)
    except (OSError, RuntimeError, ConnectionError) as e:
        err = "preparing %s: %s" % (test, e)
        if not server.alive():
            err = "server died (exit %s): %s" % (server.proc.returncode, err)
        return {}, None, err[:200]
    argv = ["taskset", "-c", args.bench_cpus, args.benchmark,
            "-h", "127.0.0.1", "-p", str(server.port),
            "-t", test, "-n", str(n), "-c", str(args.clients),
            "-r", str(args.keyspace), "-P", str(pipeline), "--csv"]
    cpu0 = cpu_seconds(server.proc.pid)
    busy0, kids0 = machine_busy(), children_cpu()
    t0 = time.time()
    p = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
              stdin=subprocess.DEVNULL)
    try:
        out, err = p.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {}, None, "timeout after %ds" % args.timeout
    finally:
        kill_child(p)   # no-op if it exited; kills it on timeout or Ctrl-C
    wall = time.time() - t0
    cpu1 = cpu_seconds(server.proc.pid)
    busy = machine_busy() - busy0
    bench_cpu = children_cpu() - kids0
    cpu = (None, None)
    if cpu0 is not None and cpu1 is not None and wall > 0:
        srv = cpu1 - cpu0
        other = max(0.0, busy - srv - bench_cpu)
        cpu = (100.0 * srv / wall, 100.0 * other / wall)
    rows = {}
    lines = out.decode(errors="replace").splitlines()
    for row in csv.reader(lines):
        if len(row) >= 2 and row[0] != "test":
            try:
                rows[row[0]] = float(row[1])
            except ValueError:
                pass
    error = None
    if p.returncode != 0 or not rows:
        lines = [l for l in err.decode(errors="replace").splitlines()
                 if l.strip()]
        lines += [l for l in out.decode(errors="replace").splitlines()
                  if l.strip() and not l.startswith('"test"')]
        error = (lines[-1] if lines else
                 "exit status %d, no result" % p.returncode)[:200]
        if not server.alive():
            error = "server died (exit %s): %s" % (server.proc.returncode, error)
    return rows, cpu, error


# Keys redis-benchmark's data-type tests use (no __rand_int__ in the key, so
# -r does not spread them): every run of such a test starts from the same
# state on both servers (see prepare()).
BENCH_KEYS = {"lpush": "mylist", "rpush": "mylist", "lpop": "mylist",
              "rpop": "mylist", "sadd": "myset", "spop": "myset",
              "hset": "myhash", "zadd": "myzset", "zpopmin": "myzset"}
# One command per test that must be known to the server, else the test is an
# ERROR for it (redis-benchmark alone would count error replies as ops/s).
PROBES = {"lpush": ("LPUSH", "x"), "rpush": ("RPUSH", "x"),
          "lpop": ("LPOP",), "rpop": ("RPOP",), "sadd": ("SADD", "x"),
          "spop": ("SPOP",), "hset": ("HSET", "f", "v"),
          "zadd": ("ZADD", "0", "m"), "zpopmin": ("ZPOPMIN",),
          "lrange": ("LRANGE", "0", "1")}
_fill_cache = {}


def _fill_payload(kind, n):
    """Pipelined commands that fill the benchmark key with n entries, and
    the number of replies to expect.  Cached: both servers and every round
    of a test get the same n."""
    key = (kind, n)
    if key not in _fill_cache:
        per = 1000
        cmds, count = [], 0
        for start in range(0, n, per):
            m = min(per, n - start)
            if kind == "list":   # LPOP pops what redis-benchmark pushes: "xxx"
                cmds.append(b"*%d\r\n$5\r\nLPUSH\r\n$6\r\nmylist\r\n" % (m + 2)
                            + b"$3\r\nxxx\r\n" * m)
            else:                # members as SADD -r would make them
                cmds.append(b"*%d\r\n$4\r\nSADD\r\n$5\r\nmyset\r\n" % (m + 2)
                            + b"".join(b"$20\r\nelement:%012d\r\n" % i
                                       for i in range(start, start + m)))
            count += 1
        _fill_cache.clear()
        _fill_cache[key] = (b"".join(cmds), count)
    return _fill_cache[key]


def prepare(server, test, n):
    """Put the key a data-type test works on into the same state on both
    servers before every run: empty for the write tests (lpush, sadd, hset,
    zadd), exactly n entries for the pop tests (so every LPOP/SPOP pops a
    real element), empty for lrange_* (redis-benchmark then runs its own
    "LPUSH (needed to benchmark LRANGE)" phase of n "xxx" elements, then
    LRANGE).  String tests are left alone."""
    base = "lrange" if test.startswith("lrange") else test
    if base not in PROBES:
        return
    key = "mylist" if base == "lrange" else BENCH_KEYS[base]
    c = Conn(server.port, timeout=120)
    try:
        probe = "__kvik_bench_probe"
        pc = PROBES[base]
        c.call(pc[0], probe, *pc[1:])   # raises on "unknown command"
        c.call("DEL", probe)
        c.call("DEL", key)
        if base in ("lpop", "spop"):
            data, count = _fill_payload("list" if base == "lpop" else "set", n)
            c.sock.sendall(data)
            for _ in range(count):
                c.read_reply()
    finally:
        c.close()


CALIBRATION_N = {True: 20000, False: 100000}  # keyed by "pipeline == 1"


def calibrate(args, server, test, pipeline):
    """Pick -n so one run lasts about args.seconds on the reference server."""
    if args.n:
        return args.n
    n0 = CALIBRATION_N[pipeline == 1] // (2 if args.quick else 1)
    rows, _cpu, err = run_benchmark(args, server, test, pipeline, n0)
    if err or not rows:
        return n0
    rps = min(rows.values())
    n = int(rps * args.seconds)
    n = max(10000, min(n, 50_000_000))
    return int(round(n, -3 if n < 1_000_000 else -4))


def throughput(args, kvik, redis, results, tests_csv, suite="strings"):
    tests = [t.strip().lower() for t in tests_csv.split(",") if t.strip()]
    pipelines = [int(x) for x in args.pipelines.split(",")]
    total = len(tests) * len(pipelines)
    done = 0
    for test in tests:
        for pipeline in pipelines:
            done += 1
            # Calibrate on redis (the reference), then give kvik the same
            # warm-up run so both keyspaces see the same writes.
            n = calibrate(args, redis, test, pipeline)
            if not args.n:
                run_benchmark(args, kvik, test, pipeline, CALIBRATION_N[
                    pipeline == 1] // (2 if args.quick else 1))
            runs = {kvik.name: [], redis.name: []}
            errors = {}
            for rnd in range(args.rounds):
                order = (kvik, redis) if rnd % 2 == 0 else (redis, kvik)
                for srv in order:
                    if srv.name in errors:
                        continue
                    rows, cpu, err = run_benchmark(args, srv, test, pipeline, n)
                    if err:
                        errors[srv.name] = err
                    else:
                        runs[srv.name].append((rows, cpu))
            labels = []
            for srv in (redis, kvik):
                for rows, _ in runs[srv.name]:
                    for lab in rows:
                        if lab not in labels:
                            labels.append(lab)
            if not labels:
                labels = [test.upper()]
            for lab in labels:
                res = {"test": lab, "pipeline": pipeline, "n": n,
                       "rounds": args.rounds, "suite": suite,
                       # redis-benchmark's own fill phase (lrange_*):
                       # shown, but not one of the suite's tests
                       "aux": "needed to benchmark" in lab}
                for srv, key in ((kvik, "kvik"), (redis, "redis")):
                    vals = [(rows[lab], cpu) for rows, cpu in runs[srv.name]
                            if lab in rows]
                    if vals:
                        best = max(vals, key=lambda v: v[0])
                        res[key] = best[0]
                        res[key + "_cpu"] = best[1][0]
                        res[key + "_other"] = best[1][1]
                        res[key + "_runs"] = vals
                        res[key + "_all"] = [v[0] for v in vals]
                    else:
                        res[key] = None
                        res[key + "_err"] = errors.get(srv.name, "no result")
                results.append(res)
                print("  [%d/%d] %-22s P=%-2d n=%-9d kvik %s  redis %s" % (
                    done, total, short(lab), pipeline, n,
                    fmt_rps(res.get("kvik")), fmt_rps(res.get("redis"))),
                    flush=True)
            for name, err in errors.items():
                print("      %s: %s" % (name, err), flush=True)
            # A crashed server is restarted so later tests still run.
            for srv in (kvik, redis):
                if not srv.alive():
                    print("      %s is not running; restarting it" % srv.name,
                          flush=True)
                    srv.stop()
                    srv.start()


def short(label):
    """Table label for a redis-benchmark CSV test name."""
    label = re.sub(r" \(first \d+ elements\)", "", label)
    label = re.sub(r"\(needed to benchmark (\w+)\)", r"(for \1)", label)
    return label[:22]


def fmt_rps(v):
    return "%11.0f" % v if v is not None else "%11s" % "ERR"


def row_target(r):
    if r.get("suite") == "types":
        return TARGET_TYPES
    return TARGET_TPUT.get(r["pipeline"], 1.0)


def print_throughput(results, args, title="Throughput"):
    print()
    print("%s (ops/s, best of %d; redis-benchmark -c %d -r %d; "
          "kvik --threads %d)" % (title, args.rounds, args.clients,
                                  args.keyspace, args.threads))
    hdr = "%-22s %3s %10s %10s %7s %7s  %-6s %8s %9s %8s %6s %6s" % (
        "test", "P", "kvik", "redis", "ratio", "target", "status",
        "kvik cpu", "redis cpu", "ops/cpu", "spread", "other")
    print(hdr)
    print("-" * len(hdr))
    client_bound = False
    noisy = False
    busy = False
    for r in results:
        k, rd = r.get("kvik"), r.get("redis")
        target = row_target(r)
        r["target"] = target
        if k is not None and rd is not None and rd > 0:
            ratio = k / rd
            status = "PASS" if ratio >= target else "BELOW"
        else:
            ratio = None
            status = "ERROR"
        r["ratio"] = ratio
        r["status"] = status
        kc, rc = r.get("kvik_cpu"), r.get("redis_cpu")
        # ops per CPU-second of the server process: fair even when the
        # single-threaded client, not the server, is the bottleneck.
        cpu_ratio = None
        if ratio is not None and kc and rc:
            cpu_ratio = (k / kc) / (rd / rc)
            if min(kc, rc) < 90:
                client_bound = True
        r["ops_per_cpu_ratio"] = cpu_ratio
        # spread: worst round vs best round, over both servers (noise gauge)
        spread = None
        for key in ("kvik_all", "redis_all"):
            vals = r.get(key) or []
            if len(vals) > 1:
                sp = 1.0 - min(vals) / max(vals)
                spread = sp if spread is None else max(spread, sp)
        r["spread"] = spread
        if spread is not None and spread > 0.2:
            noisy = True
        others = [v for v in (r.get("kvik_other"), r.get("redis_other"))
                  if v is not None]
        other = max(others) if others else None
        if other is not None and other > 20:
            busy = True
        print("%-22s %3d %10s %10s %7s %7s  %-6s %8s %9s %8s %6s %6s" % (
            short(r["test"]), r["pipeline"],
            "%.0f" % k if k is not None else "ERR",
            "%.0f" % rd if rd is not None else "ERR",
            "%.2fx" % ratio if ratio is not None else "-",
            ">=%.1f" % target, status,
            "%.0f%%" % kc if kc is not None else "-",
            "%.0f%%" % rc if rc is not None else "-",
            "%.2fx" % cpu_ratio if cpu_ratio is not None else "-",
            "%.0f%%" % (100 * spread) if spread is not None else "-",
            "%.0f%%" % other if other is not None else "-"))
    seen = set()
    for r in results:
        for key in ("kvik", "redis"):
            err = r.get(key + "_err")
            if err and (key, r["pipeline"], err) not in seen:
                seen.add((key, r["pipeline"], err))
                print("  %s error (P=%d): %s" % (key, r["pipeline"], err))
    if client_bound:
        print("  note: a server below ~90% cpu was not saturated (client-bound);"
              " the ops/cpu column (kvik/redis ops per CPU-second) is the"
              " fairer ratio there. kvik's cpu includes its busy poll"
              " (busy-poll-us, spent to answer sooner); --kvik-args"
              " '--busy-poll-us 0' measures it without.")
    if noisy:
        print("  note: spread > 20% means rounds disagreed (busy machine);"
              " rerun or raise --rounds before trusting a small ratio change.")
    if busy:
        print("  note: other > 20% means other processes used that much CPU"
              " (% of one core) during the kept runs; the machine was shared.")


def geomeans(results, args):
    """Geometric mean of the kvik/redis ratios per pipeline depth over the
    suite's tests (redis-benchmark's fill rows excluded).  A test without a
    ratio (ERROR) is left out and named.  Informational: never fails."""
    out = []
    for pipeline in [int(x) for x in args.pipelines.split(",")]:
        rows = [r for r in results
                if r["pipeline"] == pipeline and not r.get("aux")]
        if not rows:
            continue
        ratios = [r["ratio"] for r in rows if r.get("ratio")]
        missing = [short(r["test"]) for r in rows if not r.get("ratio")]
        gm = (math.exp(sum(math.log(x) for x in ratios) / len(ratios))
              if ratios else None)
        target = TARGET_GEOMEAN.get(pipeline)
        if target is None:
            status = "-"
        elif gm is None:
            status = "ERROR"
        else:
            status = "PASS" if gm >= target else "BELOW"
        print("  geomean P=%-2d over %d/%d tests: %s  target %s  %s%s" % (
            pipeline, len(ratios), len(rows),
            "%.2fx" % gm if gm is not None else "-",
            ">=%.1f" % target if target is not None else "(none)", status,
            "  (missing: %s)" % ", ".join(missing) if missing else ""))
        out.append({"test": "geomean", "pipeline": pipeline, "ratio": gm,
                    "target": target, "status": status, "n": len(ratios),
                    "rounds": args.rounds, "suite": "types", "kind": "geomean",
                    "missing": missing})
    return out


# --------------------------------------------------------------------------
# memory


def load_keys(conn, nkeys, batch):
    for start in range(0, nkeys, batch):
        end = min(start + batch, nkeys)
        parts = []
        for i in range(start, end):
            # key: 16 bytes ("key:" + 12 digits); value: 10 bytes, non-numeric
            # so Redis cannot store it as an integer.
            parts.append(b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$10\r\nv%09d\r\n"
                         % (i, i))
        conn.sock.sendall(b"".join(parts))
        want = b"+OK\r\n" * (end - start)
        while len(conn.buf) < len(want):
            conn._fill()
        got, conn.buf = conn.buf[:len(want)], conn.buf[len(want):]
        if got != want:
            bad = got.find(b"-")
            raise RuntimeError("unexpected reply while loading: %r"
                               % got[max(bad, 0):][:120])


def mem_figures(srv):
    c = Conn(srv.port)
    try:
        m = c.info("memory")
    finally:
        c.close()
    return {"used": int(m["used_memory"]), "rss": int(m["used_memory_rss"]),
            "proc_rss": proc_rss(srv.proc.pid)}


def memory(args, workdir, results):
    nkeys = args.keys
    kvik, redis = make_servers(args, workdir, tag="-mem")
    out = {}
    try:
        for srv, key in ((kvik, "kvik"), (redis, "redis")):
            srv.start()
            time.sleep(args.settle)   # let redis' cron refresh its RSS figure
            before = mem_figures(srv)
            t0 = time.time()
            c = Conn(srv.port, timeout=120)
            try:
                load_keys(c, nkeys, args.batch)
                dbsize = c.call("DBSIZE")
            finally:
                c.close()
            load_s = time.time() - t0
            if dbsize != nkeys:
                raise RuntimeError("%s: DBSIZE %s after loading %d keys"
                                   % (srv.name, dbsize, nkeys))
            time.sleep(args.settle)
            after = mem_figures(srv)
            out[key] = {
                "used": (after["used"] - before["used"]) / nkeys,
                "rss": (after["rss"] - before["rss"]) / nkeys,
                "proc_rss": ((after["proc_rss"] - before["proc_rss"]) / nkeys
                             if after["proc_rss"] and before["proc_rss"] else None),
                "before": before, "after": after, "load_s": load_s,
            }
            print("  %-5s loaded %d keys in %.1fs (%.0f keys/s)" % (
                key, nkeys, load_s, nkeys / load_s), flush=True)
            srv.stop()
    finally:
        kvik.stop()
        redis.stop()

    print()
    print("Memory (bytes/key, %d keys: 16-byte key, 10-byte value; "
          "after-load minus after-start)" % nkeys)
    hdr = "%-15s %10s %10s %7s %7s  %-6s" % ("metric", "kvik", "redis", "ratio",
                                             "target", "status")
    print(hdr)
    print("-" * len(hdr))
    for metric, label in (("used", "used_memory"), ("rss", "used_memory_rss")):
        k, r = out["kvik"][metric], out["redis"][metric]
        ratio = k / r if r > 0 else None
        status = ("PASS" if ratio is not None and ratio <= TARGET_MEM
                  else "BELOW")
        print("%-15s %10.1f %10.1f %7s %7s  %-6s" % (
            label, k, r,
            "%.2fx" % ratio if ratio is not None else "-",
            "<=%.1f" % TARGET_MEM, status))
        results.append({"kind": "memory", "test": "mem_" + metric,
                        "kvik": k, "redis": r, "ratio": ratio,
                        "target": TARGET_MEM, "status": status, "n": nkeys})
    kp, rp = out["kvik"]["proc_rss"], out["redis"]["proc_rss"]
    if kp is not None and rp is not None:
        print("  (/proc VmRSS delta: kvik %.1f, redis %.1f bytes/key)" % (kp, rp))
    return out


# Data-type memory datasets.  Each yields (batch of pipelined commands,
# expected reply bytes) and has a total entry count (fields, members,
# elements).  Sizes are for the full run; --quick divides them by 10.
def _hash_batches(nkeys, _per_key, batch):
    # key "hash:" + 11 digits (16 bytes); fields f0..f9; values 8 bytes,
    # non-numeric ("v" + 7 digits)
    per = max(1, batch // 10)
    for start in range(0, nkeys, per):
        end = min(start + per, nkeys)
        parts = []
        for i in range(start, end):
            parts.append(b"*22\r\n$4\r\nHSET\r\n$16\r\nhash:%011d\r\n" % i
                         + b"".join(b"$2\r\nf%d\r\n$8\r\nv%07d\r\n"
                                    % (j, (i * 10 + j) % 10000000)
                                    for j in range(10)))
        yield b"".join(parts), b":10\r\n" * (end - start)


def _set_batches(nkeys, _per_key, batch):
    # key "set:" + 12 digits (16 bytes); 10 integer members i*10+j
    per = max(1, batch // 10)
    for start in range(0, nkeys, per):
        end = min(start + per, nkeys)
        parts = []
        for i in range(start, end):
            parts.append(b"*12\r\n$4\r\nSADD\r\n$16\r\nset:%012d\r\n" % i
                         + b"".join(b"$%d\r\n%d\r\n" % (len(b"%d" % (i * 10 + j)),
                                                         i * 10 + j)
                                    for j in range(10)))
        yield b"".join(parts), b":10\r\n" * (end - start)


_ZSET_BODY = b"".join(b"$%d\r\n%d\r\n$%d\r\nm%d\r\n"
                      % (len(b"%d" % j), j, len(b"m%d" % j), j)
                      for j in range(100))


def _zset_batches(nkeys, _per_key, batch):
    # key "zset:" + 11 digits (16 bytes); members m0..m99, score i
    per = max(1, batch // 100)
    for start in range(0, nkeys, per):
        end = min(start + per, nkeys)
        parts = [b"*202\r\n$4\r\nZADD\r\n$16\r\nzset:%011d\r\n" % i
                 + _ZSET_BODY for i in range(start, end)]
        yield b"".join(parts), b":100\r\n" * (end - start)


def _list_batches(_nkeys, nelems, batch):
    # one key "list"; values 8 bytes, non-numeric; RPUSH of 1000 per command
    per, done, parts, want = 1000, 0, [], []
    while done < nelems:
        m = min(per, nelems - done)
        parts.append(b"*%d\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n" % (m + 2)
                     + b"".join(b"$8\r\nv%07d\r\n" % (k % 10000000)
                                for k in range(done, done + m)))
        done += m
        want.append(b":%d\r\n" % done)
        if len(parts) * per >= batch or done >= nelems:
            yield b"".join(parts), b"".join(want)
            parts, want = [], []


# name -> (description, unit, keys, entries per key, batches, check command)
def type_datasets(quick):
    d = 10 if quick else 1
    return {
        "hash": ("%d hashes x 10 fields (f0..f9, 8-byte values)" % (100000 // d),
                 "field", 100000 // d, 10, _hash_batches,
                 ("HLEN", "hash:%011d" % 0)),
        "set": ("%d sets x 10 integers" % (100000 // d),
                "member", 100000 // d, 10, _set_batches,
                ("SCARD", "set:%012d" % 0)),
        "zset": ("%d sorted sets x 100 members (m0..m99, score i)" % (10000 // d),
                 "member", 10000 // d, 100, _zset_batches,
                 ("ZCARD", "zset:%011d" % 0)),
        "list": ("1 list x %d elements (8-byte values)" % (1000000 // d),
                 "element", 1, 1000000 // d, _list_batches, ("LLEN", "list")),
    }


def load_batches(conn, batches):
    for data, want in batches:
        conn.sock.sendall(data)
        while len(conn.buf) < len(want):
            conn._fill()
        got, conn.buf = conn.buf[:len(want)], conn.buf[len(want):]
        if got != want:
            bad = got.find(b"-")
            raise RuntimeError("unexpected reply while loading: %r"
                               % got[max(bad, 0):][:120])


def measure_dataset(args, srv, nkeys, per_key, batches, check):
    """Fresh server: load one dataset, return bytes per entry."""
    srv.start()
    try:
        time.sleep(args.settle)
        before = mem_figures(srv)
        t0 = time.time()
        c = Conn(srv.port, timeout=120)
        try:
            load_batches(c, batches)
            dbsize = c.call("DBSIZE")
            card = c.call(*check)
            try:
                enc = c.call("OBJECT", "ENCODING", check[1])
                enc = enc.decode() if isinstance(enc, bytes) else str(enc)
            except RuntimeError:
                enc = "?"
        finally:
            c.close()
        load_s = time.time() - t0
        if dbsize != nkeys or card != per_key:
            raise RuntimeError("DBSIZE %s (want %d), %s %s (want %d) after load"
                               % (dbsize, nkeys, check[0], card, per_key))
        time.sleep(args.settle)
        after = mem_figures(srv)
    finally:
        srv.stop()
    entries = nkeys * per_key
    return {"used": (after["used"] - before["used"]) / entries,
            "rss": (after["rss"] - before["rss"]) / entries,
            "proc_rss": ((after["proc_rss"] - before["proc_rss"]) / entries
                         if after["proc_rss"] and before["proc_rss"] else None),
            "load_s": load_s, "encoding": enc, "entries": entries}


def memory_types(args, workdir, results):
    """Memory per entry for hashes, sets, sorted sets and a list, each
    dataset on fresh servers (one at a time), both loaded identically.  A
    server that cannot load a dataset (e.g. unknown command) gives an ERROR
    row; the run continues."""
    sets = type_datasets(args.quick)
    names = [x.strip() for x in args.datasets.split(",") if x.strip()]
    table = []
    for name in names:
        if name not in sets:
            print("  unknown dataset %r (have: %s)" % (name, ", ".join(sets)))
            continue
        desc, unit, nkeys, per_key, gen, check = sets[name]
        kvik, redis = make_servers(args, workdir, tag="-mem-" + name)
        out, errs = {}, {}
        for srv, key in ((kvik, "kvik"), (redis, "redis")):
            try:
                out[key] = measure_dataset(args, srv, nkeys, per_key,
                                           gen(nkeys, per_key, args.batch),
                                           check)
                print("  %-5s %-4s: %d %ss in %.1fs (encoding %s)" % (
                    key, name, out[key]["entries"], unit, out[key]["load_s"],
                    out[key]["encoding"]), flush=True)
            except (OSError, RuntimeError, ConnectionError) as e:
                errs[key] = str(e)[:200]
                print("  %-5s %-4s: ERROR %s" % (key, name, errs[key]),
                      flush=True)
                srv.stop()
        table.append((name, desc, unit, nkeys * per_key, out, errs))

    print()
    print("Memory per entry (bytes per field/member/element; after-load minus "
          "after-start; fresh servers per dataset)")
    hdr = "%-10s %-15s %10s %10s %7s %7s  %-6s  %s" % (
        "dataset", "metric", "kvik", "redis", "ratio", "target", "status",
        "encoding kvik/redis")
    print(hdr)
    print("-" * len(hdr))
    for name, desc, unit, entries, out, errs in table:
        for metric, label in (("used", "used_memory"),
                              ("rss", "used_memory_rss")):
            k = out.get("kvik", {}).get(metric)
            r = out.get("redis", {}).get(metric)
            if k is not None and r is not None and r > 0:
                ratio = k / r
                status = "PASS" if ratio <= TARGET_MEM_TYPES else "BELOW"
            else:
                ratio, status = None, "ERROR"
            enc = "%s/%s" % (out.get("kvik", {}).get("encoding", "-"),
                             out.get("redis", {}).get("encoding", "-"))
            print("%-10s %-15s %10s %10s %7s %7s  %-6s  %s" % (
                "%s/%s" % (name, unit) if metric == "used" else "",
                label,
                "%.1f" % k if k is not None else "ERR",
                "%.1f" % r if r is not None else "ERR",
                "%.2fx" % ratio if ratio is not None else "-",
                "<=%.1f" % TARGET_MEM_TYPES, status,
                enc if metric == "used" else ""))
            results.append({"kind": "memory", "test": "mem_%s_%s" % (name, metric),
                            "unit": "bytes/" + unit, "kvik": k, "redis": r,
                            "ratio": ratio, "target": TARGET_MEM_TYPES,
                            "status": status, "n": entries})
    for name, desc, unit, entries, out, errs in table:
        print("  %-4s: %s" % (name, desc))
        for key, err in errs.items():
            print("        %s error: %s" % (key, err))
        kp = out.get("kvik", {}).get("proc_rss")
        rp = out.get("redis", {}).get("proc_rss")
        if kp is not None and rp is not None:
            print("        /proc VmRSS delta: kvik %.1f, redis %.1f bytes/%s"
                  % (kp, rp, unit))


# --------------------------------------------------------------------------
# output


def runs_str(runs):
    """Every round as ops/s:server cpu %:other cpu %, space separated."""
    out = []
    for rps, (cpu, other) in runs or []:
        out.append("%.0f:%s:%s" % (rps, "" if cpu is None else "%.0f" % cpu,
                                   "" if other is None else "%.0f" % other))
    return " ".join(out)


def write_csv(path, tput, mem, args, stamp):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    gi = os.path.join(os.path.dirname(path), ".gitignore")
    if not os.path.exists(gi):
        with open(gi, "w") as f:
            f.write("*.csv\n")
    cols = ["timestamp", "kind", "test", "pipeline", "unit", "kvik", "redis",
            "ratio", "target", "status", "kvik_cpu_pct", "redis_cpu_pct",
            "kvik_other_pct", "redis_other_pct",
            "ops_per_cpu_ratio", "spread", "n", "rounds", "kvik_threads", "kvik_runs",
            "redis_runs", "quick"]

    def f(v, digits=2):
        if v is None:
            return ""
        if isinstance(v, float):
            return "%.*f" % (digits, v)
        return str(v)

    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        pubsub_rows = [r for r in tput if r.get("kind") == "pubsub"]
        for r in tput:
            if r.get("kind") == "pubsub":
                continue
            if r.get("kind") == "geomean":
                w.writerow([stamp, "geomean", "types_geomean", r["pipeline"],
                            "ratio", "", "", f(r.get("ratio"), 3),
                            f(r.get("target"), 1), r.get("status"),
                            "", "", "", "", "", "", r["n"], r["rounds"],
                            args.threads, "", "", int(args.quick)])
                continue
            w.writerow([stamp, "throughput", r["test"], r["pipeline"], "ops/s",
                        f(r.get("kvik")), f(r.get("redis")),
                        f(r.get("ratio"), 3), f(r.get("target"), 1),
                        r.get("status"), f(r.get("kvik_cpu"), 1),
                        f(r.get("redis_cpu"), 1), f(r.get("kvik_other"), 1),
                        f(r.get("redis_other"), 1),
                        f(r.get("ops_per_cpu_ratio"), 3), f(r.get("spread"), 3),
                        r["n"], r["rounds"],
                        args.threads,
                        runs_str(r.get("kvik_runs")),
                        runs_str(r.get("redis_runs")),
                        int(args.quick)])
        for r in pubsub_rows:
            w.writerow([stamp, "pubsub", r["test"], r["pipeline"], r["unit"],
                        f(r["kvik"]), f(r["redis"]), f(r["ratio"], 3),
                        f(r["target"], 1), r["status"], "", "", "", "", "", "",
                        r["n"], r["rounds"], r["kvik_threads"], "", "", int(args.quick)])
        for r in mem:
            w.writerow([stamp, "memory", r["test"], "", r.get("unit", "bytes/key"),
                        f(r["kvik"]), f(r["redis"]), f(r["ratio"], 3),
                        f(r["target"], 1), r["status"], "", "", "", "", "", "",
                        r["n"], "",
                        args.threads, "", "", int(args.quick)])


# --------------------------------------------------------------------------


def parse_args():
    ap = argparse.ArgumentParser(
        description="Compare kvik with redis-server side by side.")
    ap.add_argument("--quick", action="store_true",
                    help="fast smoke run: ~0.5 s per test, 1 round, 100k keys")
    ap.add_argument("--suite", choices=("all", "strings", "types", "pubsub", "snapshot"),
                    default=None,
                    help="strings: --tests and the string memory test; "
                         "types: --type-tests and the hash/set/zset/list "
                         "memory datasets; all: both (default: all, or "
                         "strings when --tests is given); snapshot: BGSAVE "
                         "under load (bench/snapshot.py, --keys keys), not "
                         "part of all")
    ap.add_argument("--tests", default=None,
                    help="redis-benchmark -t tests of the strings suite, "
                         "comma separated (default: set,get,incr,mset)")
    ap.add_argument("--type-tests", default=TYPE_TESTS,
                    help="redis-benchmark -t tests of the types suite "
                         "(default: %(default)s)")
    ap.add_argument("--datasets", default="hash,set,zset,list",
                    help="memory datasets of the types suite "
                         "(default: %(default)s)")
    ap.add_argument("--pipelines", default="1,16",
                    help="pipeline depths (-P) to run (default: %(default)s)")
    ap.add_argument("--threads", type=int, default=1,
                    help="kvik --threads (default: 1)")
    ap.add_argument("--rounds", type=int, default=None,
                    help="runs per server per test, best is kept "
                         "(default: 3, --quick: 1)")
    ap.add_argument("--seconds", type=float, default=None,
                    help="target duration of one run (default: 2.5, --quick: 0.5)")
    ap.add_argument("-n", type=int, default=0,
                    help="fixed request count per run (default: calibrated)")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-r", "--keyspace", type=int, default=1000000)
    ap.add_argument("--keys", type=int, default=None,
                    help="keys for the memory test (default: 1000000, "
                         "--quick: 100000)")
    ap.add_argument("--batch", type=int, default=10000,
                    help="SETs per pipelined batch when loading")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--server-cpus", default="0",
                    help="taskset cpu list for both servers (default: 0)")
    ap.add_argument("--bench-cpus", default="1",
                    help="taskset cpu list for redis-benchmark (default: 1)")
    ap.add_argument("--timeout", type=int, default=300,
                    help="seconds before one redis-benchmark run is abandoned")
    ap.add_argument("--settle", type=float, default=0.5,
                    help="seconds to wait before reading INFO memory")
    ap.add_argument("--kvik", default=os.path.join(ROOT, "bin", "kvik-server"))
    ap.add_argument("--kvik-args", default="",
                    help="more kvik-server arguments, e.g. '--busy-poll-us 0'")
    ap.add_argument("--redis", default=shutil.which("redis-server")
                    or "/usr/bin/redis-server")
    ap.add_argument("--benchmark", default=shutil.which("redis-benchmark")
                    or "/usr/bin/redis-benchmark")
    ap.add_argument("--fanout", default=os.path.join(ROOT, "bin", "kvik-fanout"),
                    help="the fan-out client of --suite pubsub (make bench-tools)")
    ap.add_argument("--subscribers", type=int, default=100,
                    help="pubsub suite: subscriber connections (default 100)")
    ap.add_argument("--publishers", type=int, default=1,
                    help="pubsub suite: publisher connections (default 1)")
    ap.add_argument("--message-size", type=int, default=32,
                    help="pubsub suite: payload bytes (default 32)")
    ap.add_argument("--pubsub-cpus-t2", default="0,1",
                    help="pubsub suite: taskset cpus of kvik --threads 2 (default 0,1)")
    ap.add_argument("--csv", default=os.path.join(RESULTS_DIR, "last.csv"),
                    help="where to write results (default: %(default)s)")
    args = ap.parse_args()
    if args.suite is None:
        args.suite = "strings" if args.tests is not None else "all"
    if args.tests is None:
        args.tests = "set,get,incr,mset"
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.seconds is None:
        args.seconds = 0.5 if args.quick else 2.5
    if args.keys is None:
        args.keys = 100000 if args.quick else 1000000
    return args


def main():
    args = parse_args()
    if args.suite == "snapshot":
        import snapshot
        return snapshot.main(["--keys", str(args.keys), "--kvik", args.kvik,
                              "--redis", args.redis, "--benchmark", args.benchmark,
                              "--server-cpus", args.server_cpus,
                              "--bench-cpus", args.bench_cpus])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_term)
    for path in (args.kvik, args.redis, args.benchmark):
        if not os.access(path, os.X_OK):
            print("bench: %s not found or not executable" % path, file=sys.stderr)
            return 2
    if not shutil.which("taskset"):
        print("bench: taskset not found (util-linux)", file=sys.stderr)
        return 2

    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    print("kvik bench %s%s: servers on cpu %s, redis-benchmark on cpu %s, "
          "%d cores" % (stamp, " (quick)" if args.quick else "",
                        args.server_cpus, args.bench_cpus, os.cpu_count()))
    workdir = tempfile.mkdtemp(prefix="kvik-bench-")
    tput, mem = [], []
    try:
        strings = args.suite in ("all", "strings")
        types = args.suite in ("all", "types")
        if args.suite == "pubsub":
            if not os.access(args.fanout, os.X_OK):
                print("bench: %s not found (make bench-tools)" % args.fanout, file=sys.stderr)
                return 2
            pubsub_suite(args, workdir, tput)
        elif not args.skip_throughput:
            # Fresh servers per suite, so the string keyspace does not sit
            # under the data-type tests.
            for on, suite, tests, title in (
                    (strings, "strings", args.tests, "Throughput"),
                    (types, "types", args.type_tests,
                     "Throughput, data types")):
                if not on:
                    continue
                kvik, redis = make_servers(args, workdir, tag="-" + suite)
                part = []
                try:
                    kvik.start()
                    redis.start()
                    print("%s: kvik pid %d port %d, redis pid %d port %d" % (
                        suite, kvik.proc.pid, kvik.port, redis.proc.pid,
                        redis.port))
                    throughput(args, kvik, redis, part, tests, suite)
                finally:
                    kvik.stop()
                    redis.stop()
                    tput.extend(part)
                print_throughput(part, args, title)
                if suite == "types":
                    tput.extend(geomeans(part, args))
        if not args.skip_memory and args.suite != "pubsub":
            if strings:
                print()
                memory(args, workdir, mem)
            if types:
                print()
                memory_types(args, workdir, mem)
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        print("bench: error: %s" % e, file=sys.stderr)
        return 1
    finally:
        kill_all()
        shutil.rmtree(workdir, ignore_errors=True)
        if tput or mem:
            write_csv(args.csv, tput, mem, args, stamp)
            shown = os.path.relpath(args.csv)
            if shown.startswith(".."):
                shown = os.path.abspath(args.csv)
            print("\nresults written to %s" % shown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
