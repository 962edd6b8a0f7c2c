#!/usr/bin/python3
"""kvik vs redis-server: a background save (BGSAVE) under write load.

One run, side by side: kvik (--threads 1) and redis-server, one at a time,
each started fresh in its own temporary directory and loaded with the same
--keys small string keys (pipelined MSETs).  Then, while redis-benchmark runs
a SET load on random keys of that keyspace and a probe client sends one PING
at a time, BGSAVE is started and the save is followed to its end.  Reported:

  save time       BGSAVE reply -> INFO rdb_bgsave_in_progress:0 (polled every
                  10 ms), plus the server's own rdb_last_bgsave_time_sec
  RSS before      VmRSS just before BGSAVE
  peak RSS        the highest VmRSS sampled during the save (every 10 ms); for
                  redis the forked child's VmRSS is added to the parent's
                  (as asked: an upper bound, pages shared copy-on-write count
                  twice), so the PSS sum (smaps_rollup, same samples) is shown
                  as well, which counts shared pages once
  probe latency   max / p99 / p50 round trip of the PING probe during the save
  SET ops/s       what redis-benchmark achieved during the save window

and ratios kvik/redis.  Benchmarks never fail: the exit status is 0 unless
the harness itself could not run.  Only processes started here are stopped,
by PID.

Usage: /usr/bin/python3 bench/snapshot.py [--keys N] [--value-size B]
       [--clients C] [--server-cpus 0] [--bench-cpus 1] [--kvik PATH] ...
(also reachable as `bench/run.py --suite snapshot`; see bench/README.md)
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as lib  # noqa: E402  (process handling, RESP client, /proc helpers)

ROOT = lib.ROOT


def proc_status_kb(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children_of(pid):
    """Direct children of pid (redis' BGSAVE child), from /proc/<pid>/task/*/children."""
    out = set()
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    out.update(int(x) for x in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return sorted(out)


class Sampler(threading.Thread):
    """VmRSS and PSS of a process plus its children, every interval seconds."""

    def __init__(self, pid, interval=0.01):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.stop_ev = threading.Event()
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_child_rss = 0
        self.samples = 0
        self.children_seen = set()

    def run(self):
        while not self.stop_ev.is_set():
            kids = children_of(self.pid)
            self.children_seen.update(kids)
            rss = proc_status_kb(self.pid, "VmRSS")
            kid_rss = sum(proc_status_kb(k, "VmRSS") for k in kids)
            pss = proc_pss_kb(self.pid) + sum(proc_pss_kb(k) for k in kids)
            self.peak_rss = max(self.peak_rss, rss + kid_rss)
            self.peak_child_rss = max(self.peak_child_rss, kid_rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.samples += 1
            self.stop_ev.wait(self.interval)

    def stop(self):
        self.stop_ev.set()
        self.join(5)


class Probe(threading.Thread):
    """One PING at a time on its own connection; records round trips (s)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.conn = lib.Conn(port, timeout=60)
        self.stop_ev = threading.Event()
        self.lat = []
        self.error = None
        self.recording = False

    def run(self):
        try:
            while not self.stop_ev.is_set():
                t = time.perf_counter()
                self.conn.call("PING")
                d = time.perf_counter() - t
                if self.recording:
                    self.lat.append(d)
                time.sleep(0.001)
        except Exception as e:  # reported in the output
            self.error = str(e)

    def stop(self):
        self.stop_ev.set()
        self.join(10)
        self.conn.close()


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def load(port, nkeys, vsize, batch=10000):
    c = lib.Conn(port, timeout=120)
    val = (b"v" * vsize)[:vsize]
    for start in range(0, nkeys, batch):
        args = [b"MSET"]
        for i in range(start, min(nkeys, start + batch)):
            args += [b"key:%012d" % i, val]
        c.sock.sendall(lib.Conn.encode(*args))
        c.read_reply()
    n = c.call("DBSIZE")
    c.close()
    return n


def measure(name, argv_fn, args, workdir):
    srv = lib.Server(name, argv_fn, args.server_cpus, workdir)
    srv.start()
    res = {"name": name}
    bench = None
    probe = None
    sampler = None
    try:
        pid = srv.proc.pid
        t = time.time()
        n = load(srv.port, args.keys, args.value_size)
        res["load_s"] = time.time() - t
        if n != args.keys:
            raise RuntimeError("%s holds %s keys after the load, not %d" % (name, n, args.keys))
        ctl = lib.Conn(srv.port, timeout=60)
        time.sleep(args.settle)
        res["rss_before"] = proc_status_kb(pid, "VmRSS")
        res["pss_before"] = proc_pss_kb(pid)
        # write load + latency probe, running before the save starts
        bench_argv = ["taskset", "-c", args.bench_cpus, args.benchmark, "-p", str(srv.port),
                      "-t", "set", "-n", "1000000000", "-c", str(args.clients),
                      "-r", str(args.keys), "-d", str(args.value_size), "-P", "1", "-q"]
        bench = lib.spawn(bench_argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = Probe(srv.port)
        probe.start()
        time.sleep(args.warmup)
        sampler = Sampler(pid)
        stats0 = ctl.info("stats")
        sampler.start()
        probe.recording = True
        t0 = time.perf_counter()
        rep = ctl.call("BGSAVE")
        if rep not in ("Background saving started",):
            raise RuntimeError("%s: BGSAVE replied %r" % (name, rep))
        deadline = t0 + args.timeout
        while True:
            p = ctl.info("persistence")
            if p.get("rdb_bgsave_in_progress") == "0":
                break
            if time.perf_counter() > deadline:
                raise RuntimeError("%s: the save did not end within %ds" % (name, args.timeout))
            time.sleep(0.01)
        res["save_s"] = time.perf_counter() - t0
        probe.recording = False
        stats1 = ctl.info("stats")
        sampler.stop()
        res["status"] = p.get("rdb_last_bgsave_status")
        res["server_save_s"] = p.get("rdb_last_bgsave_time_sec")
        res["peak_rss"] = sampler.peak_rss
        res["peak_child_rss"] = sampler.peak_child_rss
        res["peak_pss"] = sampler.peak_pss
        res["samples"] = sampler.samples
        res["children"] = len(sampler.children_seen)
        res["lat"] = list(probe.lat)
        cmds = int(stats1.get("total_commands_processed", 0)) - \
            int(stats0.get("total_commands_processed", 0))
        res["ops_s"] = cmds / res["save_s"] if res["save_s"] > 0 else None
        res["rdb_bytes"] = os.path.getsize(os.path.join(srv.dir, "dump.rdb"))
        res["probe_error"] = probe.error
        ctl.close()
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        if probe is not None:
            probe.stop()
        if bench is not None:
            lib.kill_child(bench)
        srv.stop()
    return res


def mb(kb):
    return "%.1f MB" % (kb / 1024.0) if kb else "-"


def ms(s):
    return "%.2f ms" % (s * 1000) if s is not None else "-"


def ratio(a, b):
    if a is None or b is None or not b:
        return "-"
    return "%.2fx" % (a / b)


def report(k, r):
    rows = []
    for label, key, fmt in (
            ("save time (BGSAVE -> done)", "save_s", lambda v: "%.3f s" % v),
            ("RSS before", "rss_before", mb),
            ("peak RSS during save (+child)", "peak_rss", mb),
            ("peak PSS during save (+child)", "peak_pss", mb),
            ("rdb file size", "rdb_bytes", lambda v: "%.1f MB" % (v / 1048576.0)),
            ("SET+probe ops/s during save", "ops_s", lambda v: "%.0f" % v if v else "-")):
        rows.append((label, fmt(k[key]) if k.get(key) is not None else "-",
                     fmt(r[key]) if r.get(key) is not None else "-", ratio(k.get(key), r.get(key))))
    for label, p in (("probe latency max", 100), ("probe latency p99", 99),
                     ("probe latency p50", 50)):
        a, b = pct(k["lat"], p), pct(r["lat"], p)
        rows.append((label, ms(a), ms(b), ratio(a, b)))
    w0 = max(len(x[0]) for x in rows)
    print("%-*s  %14s  %14s  %8s" % (w0, "", "kvik", "redis", "kvik/redis"))
    for row in rows:
        print("%-*s  %14s  %14s  %8s" % (w0, row[0], row[1], row[2], row[3]))
    print("(peak RSS growth: kvik +%s, redis +%s; probes: kvik %d, redis %d; "
          "save status kvik %s, redis %s; server-reported save seconds kvik %s, redis %s)"
          % (mb(k["peak_rss"] - k["rss_before"]), mb(r["peak_rss"] - r["rss_before"]),
             len(k["lat"]), len(r["lat"]), k["status"], r["status"], k["server_save_s"],
             r["server_save_s"]))
    for x in (k, r):
        if x.get("probe_error"):
            print("note: %s probe error: %s" % (x["name"], x["probe_error"]))
    if r["children"] == 0:
        print("note: no redis child was seen by the sampler (save too short?)")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="BGSAVE under load, kvik vs redis-server.")
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--value-size", type=int, default=10)
    ap.add_argument("--clients", type=int, default=20,
                    help="redis-benchmark SET connections during the save")
    ap.add_argument("--warmup", type=float, default=1.0,
                    help="seconds of write load before BGSAVE")
    ap.add_argument("--settle", type=float, default=0.5)
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds a save may take before the run is abandoned")
    ap.add_argument("--server-cpus", default="0")
    ap.add_argument("--bench-cpus", default="1")
    ap.add_argument("--kvik", default=os.path.join(ROOT, "bin", "kvik-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--benchmark", default=shutil.which("redis-benchmark")
                    or "/usr/bin/redis-benchmark")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lib._on_term)
    for path in (args.kvik, args.redis, args.benchmark):
        if not os.access(path, os.X_OK):
            print("bench: %s not found or not executable" % path, file=sys.stderr)
            return 2

    def kvik_argv(port, d):
        return [args.kvik, "--bind", "127.0.0.1", "--port", str(port), "--dir", d,
                "--save", "", "--appendonly", "no", "--threads", "1"]

    def redis_argv(port, d):
        return [args.redis, "--bind", "127.0.0.1", "--port", str(port), "--dir", d,
                "--save", "", "--appendonly", "no"]

    print("kvik snapshot bench %s: %d keys of %d bytes, SET load -c %d, servers on cpu %s, "
          "clients on cpu %s" % (time.strftime("%Y-%m-%dT%H:%M:%S"), args.keys,
                                 args.value_size, args.clients, args.server_cpus,
                                 args.bench_cpus))
    workdir = tempfile.mkdtemp(prefix="kvik-snapbench-")
    try:
        k = measure("kvik", kvik_argv, args, workdir)
        r = measure("redis", redis_argv, args, workdir)
        print()
        report(k, r)
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        print("bench: error: %s" % e, file=sys.stderr)
        return 1
    finally:
        lib.kill_all()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
