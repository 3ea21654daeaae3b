#!/usr/bin/python3
"""bench/login_timing.py: does a login failure tell an unknown user from a wrong password?

Starts PostgreSQL, an SMTP sink, signet (scrypt N=2^14 unless --n) and nginx on
loopback (the test harness's classes, tests/harness), signs one user up, then sends
--count pairs of failing logins, interleaved (unknown user, wrong password, ...),
one at a time, and prints the latency distributions of both and their ratio.
Bounded: --count pairs (default 200), and --seconds (default 120) overall.

    bench/login_timing.py [--build DIR] [--count N] [--n N]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests"))

ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(TOP, "build"))
ap.add_argument("--count", type=int, default=200)
ap.add_argument("--seconds", type=float, default=120)
ap.add_argument("--n", type=int, default=16384)
args = ap.parse_args()
os.environ["SIGNET_BUILDDIR"] = os.path.abspath(args.build)
os.environ.setdefault("SIGNET_SRCDIR", TOP)

import harness  # noqa: E402
from harness.flows import unicat_signup  # noqa: E402


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    work = tempfile.mkdtemp(prefix="signet-login-timing-")
    os.chmod(work, 0o755)  # the unprivileged PostgreSQL user must reach its cluster
    pg = smtp = s = n = None
    try:
        pg = harness.Postgres(work)
        smtp = harness.SmtpSink()
        keys = harness.Keys(os.path.join(work, "keys"))
        port = harness.free_port()
        s = harness.Signet(os.path.join(work, "signet"), pg, smtp, keys,
                           public_url="http://127.0.0.1:%d" % port,
                           extra_config={"scrypt_n": args.n, "workers": 2,
                                         "throttle_login_account_free": 0,
                                         "throttle_login_account_hourly": 0,
                                         "throttle_login_addr_hourly": 0})
        s.start()
        n = harness.Nginx(os.path.join(work, "nginx"), port, s.socket)
        n.start()
        api = harness.Api(n.url)
        counter = [0]

        def unique(prefix="u"):
            counter[0] += 1
            return "%stiming%d%d" % (prefix, os.getpid(), counter[0])

        user = unicat_signup(api, smtp, unique)
        bodies = {
            "unknown user": {"username": "nobody-" + user["username"],
                             "password": user["password"]},
            "wrong password": {"username": user["username"],
                               "password": user["password"] + "x"},
        }
        times = {k: [] for k in bodies}
        deadline = time.time() + args.seconds
        for i in range(args.count):
            if time.time() > deadline:
                break
            order = list(bodies) if i % 2 == 0 else list(reversed(list(bodies)))
            for k in order:
                t0 = time.perf_counter()
                r = api.post("/api/login", json=bodies[k])
                dt = (time.perf_counter() - t0) * 1000
                assert r.status_code == 403, r.text
                times[k].append(dt)
        print("login failures, scrypt N=%d r=8 p=1, %d pairs, one at a time, ms:"
              % (args.n, len(times["unknown user"])))
        print("%-16s %8s %8s %8s %8s" % ("", "p10", "median", "p90", "p99"))
        for k, xs in times.items():
            print("%-16s %8.2f %8.2f %8.2f %8.2f" % (k, pct(xs, .1), statistics.median(xs),
                                                     pct(xs, .9), pct(xs, .99)))
        mu = statistics.median(times["unknown user"])
        mw = statistics.median(times["wrong password"])
        print("median ratio unknown/wrong: %.3f (difference %.2f ms)" % (mu / mw, mu - mw))
    finally:
        for x in (n, s):
            if x is not None:
                try:
                    x.stop()
                except Exception as e:  # stop the rest
                    print("stop: %s" % e, file=sys.stderr)
        if smtp is not None:
            smtp.stop()
        if pg is not None:
            pg.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
