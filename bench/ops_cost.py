#!/usr/bin/python3
"""bench/ops_cost.py: what the metrics and the audit log cost a request (issue 15).

Starts PostgreSQL, an SMTP sink and nginx on loopback (the test harness's classes,
tests/harness), and two signets in turn: the build before issue 15 (--base) and this
one (--build), each with 2 workers, scrypt N=1024 and the login throttles off.  For
--rounds rounds, alternating the builds (A B A B ...) so that drift on a shared machine
hits both alike, wrk sends for --seconds each:

  health   GET /api/health: counted (a request, a histogram), no event
  login    POST /api/login with a wrong password: a hash, a failed-login update, and
           now one audit row (an INSERT after the request's transaction) and its
           counters

and prints the median requests per second, p50 and p99 of each, the CPU time signet
and PostgreSQL spent per request (from /proc: what a machine shared with other work
distorts least), and the size and time of GET /metrics.  Bounded: rounds x cells x
seconds.

    bench/ops_cost.py --base DIR --build DIR [--rounds 3] [--seconds 8] [--conns 8]

The base build is any signet build directory of the commit before (e.g.
git archive 7409ad0 | tar -x -C /tmp/base/src, then a VPATH build in /tmp/base/build).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests"))

ap = argparse.ArgumentParser()
ap.add_argument("--base", required=True, help="build directory before issue 15")
ap.add_argument("--build", default=os.path.join(TOP, "build"))
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--seconds", type=int, default=8)
ap.add_argument("--conns", type=int, default=8)
ap.add_argument("--durable", action="store_true",
                help="PostgreSQL with fsync and synchronous_commit on, as in production "
                     "(the test harness turns both off)")
args = ap.parse_args()
os.environ["SIGNET_BUILDDIR"] = os.path.abspath(args.build)
os.environ.setdefault("SIGNET_SRCDIR", TOP)

import harness  # noqa: E402
import harness.proc  # noqa: E402
from harness.flows import unicat_signup  # noqa: E402

LUA = os.path.join(HERE, "lua")


def ticks(pids):
    """utime + stime of pids and their children, in clock ticks (/proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total


def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(harness.proc.children_of(p))
    return out


def wrk(url, script, *extra, pids=()):
    env = dict(os.environ, BENCH_LUA=LUA)
    t0 = ticks(pids)
    out = subprocess.run(["wrk", "-t2", "-c%d" % args.conns, "-d%ds" % args.seconds,
                          "--latency", "-s", os.path.join(LUA, script), url, *extra],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=args.seconds + 60, check=True).stdout.decode()
    line = [l for l in out.splitlines() if l.startswith("WRKJSON ")][-1]
    r = json.loads(line[len("WRKJSON "):])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["cpu_us"] = (ticks(pids) - t0) * 1e6 / os.sysconf("SC_CLK_TCK") / r["requests"]
    return r


def main():
    work = tempfile.mkdtemp(prefix="signet-ops-cost-")
    os.chmod(work, 0o755)  # the unprivileged PostgreSQL user must reach its cluster
    pg = smtp = None
    results = {b: {"health": [], "login": []} for b in ("base", "new")}
    scrapes = []
    try:
        pg = harness.Postgres(work)
        if args.durable:
            pg.sql("ALTER SYSTEM SET fsync = on")
            pg.sql("ALTER SYSTEM SET synchronous_commit = on")
            pg.sql("SELECT pg_reload_conf()")
        smtp = harness.SmtpSink()
        keys = harness.Keys(os.path.join(work, "keys"))
        for rnd in range(args.rounds):
            for name, build in (("base", args.base), ("new", args.build)):
                port = harness.free_port()
                s = harness.Signet(os.path.join(work, "%s-%d" % (name, rnd)), pg, smtp, keys,
                                   public_url="http://127.0.0.1:%d" % port, builddir=build,
                                   extra_config={"workers": 2,
                                                 "throttle_login_account_free": 0,
                                                 "throttle_login_account_hourly": 0,
                                                 "throttle_login_addr_hourly": 0})
                s.start()
                n = harness.Nginx(os.path.join(work, "nginx-%s-%d" % (name, rnd)), port,
                                  s.socket)
                n.start()
                try:
                    api = harness.Api(n.url)
                    user = unicat_signup(api, smtp, lambda p="u": "%s%s%d%d" % (
                        p, name, rnd, os.getpid()))
                    body = json.dumps({"username": user["username"],
                                       "password": user["password"] + "x"})
                    pids = tree(s.pid) + tree(pg.pid())
                    results[name]["health"].append(wrk(n.url + "/api/health", "get.lua",
                                                       pids=pids))
                    results[name]["login"].append(wrk(n.url + "/api/login", "post.lua",
                                                      "--", body, pids=pids))
                    for cell in ("health", "login"):
                        r = results[name][cell][-1]
                        print("round %d %-6s %-6s %8.0f req/s %8.0f us CPU/req" % (
                            rnd, name, cell, r["rps"], r["cpu_us"]), flush=True)
                    for _ in range(20 if name == "new" else 0):
                        t0 = time.monotonic()
                        r = api.get("/metrics")
                        scrapes.append((time.monotonic() - t0, len(r.content)))
                finally:
                    n.stop()
                    s.stop(check=False)
        print("cell    build    req/s   p50 ms   p99 ms   CPU us/req (medians of %d)"
              % args.rounds)
        for cell in ("health", "login"):
            for name in ("base", "new"):
                rs = results[name][cell]
                print("%-7s %-6s %7.0f  %7.2f  %7.2f  %8.0f" % (
                    cell, name, statistics.median(r["rps"] for r in rs),
                    statistics.median(r["p50"] for r in rs) / 1e3,
                    statistics.median(r["p99"] for r in rs) / 1e3,
                    statistics.median(r["cpu_us"] for r in rs)))
        print("GET /metrics: %.1f ms median, %.1f ms fastest, %d bytes" % (
            statistics.median(t for t, _ in scrapes) * 1e3,
            min(t for t, _ in scrapes) * 1e3, statistics.median(b for _, b in scrapes)))
        rows = pg.sql_value("SELECT count(*) FROM auth_events")
        print("audit rows written by the new build: %s" % rows)
    finally:
        if smtp is not None:
            smtp.stop()
        if pg is not None:
            pg.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
