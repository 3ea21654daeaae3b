"""bench/peer.py: better-auth, the peer that bench/driver.py measures signet against.

better-auth (the npm package, the version bench/peer/package-lock.json pins) behind
express 5 with node-postgres, as its own guides set it up (bench/peer/auth.mjs,
server.mjs), on a database of its own (`betterauth`) in the driver's PostgreSQL cluster,
its schema made by its own migration (getMigrations, what its CLI's `migrate` runs:
bench/peer/migrate.mjs).  It runs as PROCS node processes (node's cluster module, one
port on 127.0.0.1), no nginx in front: node serves HTTP itself.

    peer = Peer(a, procs)            # procs: the driver's Procs (stopped on any exit)
    peer.reason                      # why the peer's cells are skipped, or None
    peer.start(pg, password)         # database, migration, server, accounts, smoke check
    peer.url, peer.cookie, peer.pid  # for the cells (wrk) and the CPU meter
    peer.ceiling(seconds)            # better-auth's own password check back to back

Cells (bench/driver.py's Bench):  ba_signin (POST /api/auth/sign-in/email over
login_users accounts made with /api/auth/sign-up/email), ba_session (GET
/api/auth/get-session with the session cookie), ba_ceil (bench/peer/ceiling.mjs).
Without node, or without bench/peer/node_modules (npm ci failed: the registry was
unreachable), the cells are skipped and the reason is printed with the results.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
import harness  # noqa: E402

PEER_DIR = os.path.join(HERE, "peer")
MiB = 1024 * 1024
# better-auth's password hash, read from its pinned source (@better-auth/utils,
# dist/password.node.mjs: node:crypto scrypt, 16 random bytes of salt as hex text,
# a 64-byte key); ceiling.mjs calls that code itself, this is for the reports.
SCRYPT = {"N": 1 << 14, "r": 16, "p": 1, "dklen": 64}


def node_binary():
    """Debian's (or NodeSource's) /usr/bin/node, else the first node on PATH."""
    if os.access("/usr/bin/node", os.X_OK):
        return "/usr/bin/node"
    return shutil.which("node")


def pinned(name):
    """The version of name that bench/peer/package.json pins."""
    with open(os.path.join(PEER_DIR, "package.json")) as f:
        return json.load(f)["dependencies"][name]


def installed(name):
    try:
        with open(os.path.join(PEER_DIR, "node_modules", name, "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return None


def pss(pid):
    """Pss of process pid in bytes (smaps_rollup), 0 when it is gone."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(harness.children_of(p))
    return out


def pss_sum(roots):
    """Pss summed over the process trees of roots (pids), in bytes."""
    return sum(pss(p) for r in roots if r for p in descendants(r))


class PssSampler(threading.Thread):
    """The peak of the summed Pss of the process trees of roots, sampled every interval
    seconds while a cell runs (smaps_rollup: PSS counts a page shared by k processes
    1/k in each, so the sum is what the stack costs the machine).  A sample of signet's
    stack (13 processes) costs about 0.7 ms of CPU: every 0.1 s, 0.35% of 2 cores.
    With more connections than hashes at once, the hash buffers are held almost all
    the time, so 0.1 s catches the peak."""

    def __init__(self, roots, interval=0.1):
        super().__init__(daemon=True)
        self.pids = [p for r in roots if r for p in descendants(r)]
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            self.peak = max(self.peak, sum(pss(p) for p in self.pids))
            self.samples += 1
            self._halt.wait(self.interval)

    def finish(self):
        self._halt.set()
        self.join(5)
        return self


class BetterAuth(harness.Server):
    """bench/peer/server.mjs: PROCS node processes (cluster) on 127.0.0.1:port; started
    when every process listens ("ready" in its output)."""

    name = "better-auth"

    def __init__(self, workdir, port, node, flags, env):
        super().__init__(workdir, port)
        self.node, self.flags, self._env = node, flags, env

    def cmd(self):
        return [self.node] + self.flags + [os.path.join(PEER_DIR, "server.mjs")]

    def env(self):
        return self._env

    def start(self, timeout=60):
        super().start(timeout)
        deadline = time.monotonic() + timeout
        while "ready:" not in harness.tail(self.output):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out = self.log_tail()
                self.stop()
                raise RuntimeError("better-auth did not start within %d s:\n%s" % (timeout, out))
            time.sleep(0.05)
        return self


class Peer:
    def __init__(self, a, procs):
        self.a = a
        self.procs = procs
        self.nprocs = a.peer_procs
        self.server = None
        self.url = self.cookie = None
        self.memory = {}
        self.node = node_binary()
        self.node_version = None
        self.flags = []
        self.version = pinned("better-auth")
        # in the plan: the default plan, or --cells naming one of its cells
        self.wanted = not a.cells or any(c.startswith("ba_") for c in a.cells)
        self.reason = (a.peer_skip or self._check()) if self.wanted else None

    def _check(self):
        """Why the peer cannot run here, or None."""
        if not self.node:
            return "node not found (bench/run installs Debian's nodejs)"
        try:
            v = harness.run([self.node, "--version"], timeout=30).stdout.decode().strip()
        except RuntimeError as e:
            return "%s --version failed: %s" % (self.node, e)
        self.node_version = v
        major = int(re.match(r"v(\d+)", v).group(1)) if re.match(r"v(\d+)", v) else 0
        if major < 18:
            return "node %s is too old for better-auth %s (18 at least)" % (v, self.version)
        if major < 19:
            # better-auth calls the global `crypto` (WebCrypto), a global from node 19 on
            self.flags = ["--experimental-global-webcrypto"]
        lock = os.path.join(PEER_DIR, "package-lock.json")
        mark = os.path.join(PEER_DIR, "node_modules", ".package-lock.json")
        if not os.path.exists(mark) or os.path.getmtime(lock) > os.path.getmtime(mark):
            return ("bench/peer/node_modules is missing or older than package-lock.json: "
                    "npm ci --ignore-scripts in bench/peer (bench/run does it)")
        for name in ("better-auth", "express", "pg"):
            if installed(name) != pinned(name):
                return "bench/peer/node_modules holds %s %s, package.json pins %s: npm ci" % (
                    name, installed(name), pinned(name))
        return None

    @property
    def up(self):
        return self.reason is None and self.server is not None

    @property
    def pid(self):
        return self.server.pid if self.server else None

    def describe(self):
        if self.reason:
            return "better-auth: skipped: %s" % self.reason
        return ("better-auth %s (express %s, pg %s) on node %s%s, %d processes (node's cluster), "
                "no nginx in front; its hash: node scrypt N=2^14 r=%d p=%d" % (
                    self.version, installed("express"), installed("pg"), self.node_version,
                    " " + " ".join(self.flags) if self.flags else "", self.nprocs,
                    SCRYPT["r"], SCRYPT["p"]))

    # --- start
    def start(self, pg, work, password):
        say("better-auth %s: database, migration, %d processes" % (self.version, self.nprocs))
        db = harness.OtherDatabase(pg, "betterauth")
        port = harness.free_port()
        self.url = "http://127.0.0.1:%d" % port
        env = dict(os.environ, NODE_ENV="production", BA_PORT=str(port),
                   BA_PROCS=str(self.nprocs), BA_BASE_URL=self.url,
                   BA_DATABASE_URL="postgresql://%s@%s:%d/%s" % (pg.user, pg.host, pg.port,
                                                                db.dbname),
                   BETTER_AUTH_SECRET=secrets.token_hex(32))
        r = harness.run([self.node] + self.flags + [os.path.join(PEER_DIR, "migrate.mjs")],
                        timeout=120, env=env, cwd=PEER_DIR)
        say(r.stdout.decode(errors="replace").strip())
        d = os.path.join(work, "better-auth")
        os.makedirs(d, exist_ok=True)
        self.server = BetterAuth(d, port, self.node, self.flags, env)
        self.procs.on_cleanup("better-auth", self.server.stop)
        self.server.start()
        self.accounts(password)
        self.ceil_hash = harness.run(self.ceil_cmd("--hash"), timeout=60, cwd=PEER_DIR
                                     ).stdout.decode().strip()

    def ceil_cmd(self, *args):
        return [self.node] + self.flags + [os.path.join(PEER_DIR, "ceiling.mjs")] + list(args)

    def accounts(self, password):
        """login_users accounts through better-auth's sign-up; then a sign-in, whose
        session cookie the get-session cell sends, and a get-session with it."""
        # a POST carries its Origin, as browsers send it (better-auth refuses a POST with
        # cookies and no Origin); each request in a session of its own, without cookies
        origin = {"Origin": self.url}
        for i in range(self.a.login_users):
            r = harness.Api(self.url, timeout=60).post("/api/auth/sign-up/email", json={
                "email": "ba%d@example.org" % i, "password": password, "name": "ba%d" % i},
                headers=origin)
            assert r.status_code == 200, "better-auth sign-up: %d %s" % (r.status_code, r.text)
        r = harness.Api(self.url, timeout=60).post("/api/auth/sign-in/email", json={
            "email": "ba0@example.org", "password": password}, headers=origin)
        assert r.status_code == 200 and r.json()["token"], "better-auth sign-in: %d %s" % (
            r.status_code, r.text)
        m = re.match(r"\s*(better-auth\.session_token=[^;]+)", r.headers.get("Set-Cookie", ""))
        assert m, "better-auth sign-in set no session cookie: %s" % r.headers
        self.cookie = m.group(1)
        r = harness.Api(self.url).get("/api/auth/get-session", headers={"Cookie": self.cookie})
        assert r.status_code == 200 and (r.json() or {}).get("user", {}).get("email") == \
            "ba0@example.org", "better-auth get-session: %d %s" % (r.status_code, r.text)
        r = harness.Api(self.url).get("/api/auth/get-session")
        assert r.status_code == 200 and r.json() is None, \
            "get-session without a cookie: %s" % r.text

    # --- the hash ceiling
    def ceiling(self, seconds):
        """better-auth's password check back to back (bench/peer/ceiling.mjs): as many
        at once as signet's ceiling runs (hash_concurrency, the cores by default), spread
        over the peer's processes.  One node process could run 4 at once (its libuv
        thread pool, UV_THREADPOOL_SIZE), but the cores run only as many as there are
        cores.  The summed rate in checks/s."""
        chains = max(1, -(-self.a.hash_concurrency // self.nprocs))
        cmd = self.ceil_cmd(str(seconds), str(chains), self.ceil_hash)
        ps = [self.procs.popen("peer ceiling", cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=PEER_DIR)
              for _ in range(self.nprocs)]
        rate, hashes, ms = 0.0, 0, []
        for p in ps:
            out, err = p.communicate(timeout=seconds + 120)
            self.procs.forget(p)
            if p.returncode != 0:
                raise RuntimeError("ceiling.mjs: %s" % err.decode(errors="replace"))
            kv = dict(x.split("=") for x in out.decode().split())
            rate += float(kv["rate_window"])
            hashes += int(kv["hashes"])
            ms.append(float(kv["ms_per_hash"]))
        return {"rate": rate, "ms_per_hash": sum(ms) / len(ms), "requests": hashes,
                "streams": chains * self.nprocs}

    # --- memory
    def memory_now(self, key, signet_roots):
        """Pss of each whole stack now, kept as memory[key]."""
        if self.up:
            self.memory[key] = {"signet": pss_sum(signet_roots), "peer": pss_sum([self.pid])}

    def sample(self, roots, fn):
        """fn() (a cell) while a PssSampler watches roots; the cell's result with the
        peak ("pss_peak") and the sum just before ("pss_before")."""
        before = pss_sum(roots)
        s = PssSampler(roots)
        s.start()
        try:
            r = fn()
        finally:
            s.finish()
        r["pss_before"], r["pss_peak"], r["pss_samples"] = before, s.peak, s.samples
        return r


def say(*a):
    print("==>", *a, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------ reporting

def side_by_side(b, a, t):
    """The side-by-side table: signet's cells and the peer's, same rounds.  t: the
    driver's helpers (fmt_range, med, own_cpu_per_req)."""
    peer = b.s.peer
    R = b.rounds
    lines = [peer.describe(), ""]
    if not peer.wanted or peer.reason:
        return "\n".join(lines)

    def col(cell, key):
        return [r[cell][key] for r in R if cell in r and key in r[cell]]

    def per_round(f, *cells):
        return [f(*(r[c] for c in cells)) for r in R if all(c in r for c in cells)]

    def cpu(cell):
        return [t.own_cpu_per_req(r[cell]) for r in R if cell in r]

    def x(num, den, key="rate"):
        return per_round(lambda n, d: n[key] / d[key] if d[key] else None, num, den)

    def xcpu(num, den):
        """den's stack CPU per request over num's: how many times cheaper num is."""
        return per_round(lambda n, d: t.own_cpu_per_req(d) / t.own_cpu_per_req(n)
                         if t.own_cpu_per_req(n) and t.own_cpu_per_req(d) else None, num, den)

    f = t.fmt_range
    w = lines.append
    w("| measure (median, min-max over %d rounds; the logins and hash ceilings over %d) "
      "| signet | better-auth %s | signet / better-auth |"
      % (a.rounds, a.login_rounds, peer.version))
    w("|---|---|---|---|")
    w("| password hash | OpenSSL scrypt N=2^14 r=8 p=1, 16 MiB | node scrypt N=2^14 r=16 p=1, 32 MiB | |")
    if col("ceil14", "rate") and col("ba_ceil", "rate"):
        w("| hash ceiling, hashes/s (%d at once, back to back) | %s (%s ms/hash) | %s (%s ms/hash) | %s |" % (
            a.hash_concurrency, f(col("ceil14", "rate"), "%.1f"),
            f(col("ceil14", "ms_per_hash"), "%.0f"), f(col("ba_ceil", "rate"), "%.1f"),
            f(col("ba_ceil", "ms_per_hash"), "%.0f"), f(x("ceil14", "ba_ceil"), "%.2f")))
    if col("login14", "rate") and col("ba_signin", "rate"):
        w("| login/s, %d conns (POST /api/login; POST /api/auth/sign-in/email) | %s | %s | %s |" % (
            a.login_conns, f(col("login14", "rate"), "%.1f"), f(col("ba_signin", "rate"), "%.1f"),
            f(x("login14", "ba_signin"), "%.2f")))
        if col("ceil14", "rate") and col("ba_ceil", "rate"):
            w("| login / its own hash ceiling, same round | %s; by CPU cost %s | %s; by CPU cost %s | |" % (
                f(x("login14", "ceil14"), "%.3f"), f(xcpu("login14", "ceil14"), "%.3f"),
                f(x("ba_signin", "ba_ceil"), "%.3f"), f(xcpu("ba_signin", "ba_ceil"), "%.3f")))
        w("| login p50 / p99 (ms) | %s / %s | %s / %s | |" % (
            f(col("login14", "p50"), "%.0f", 1e-3), f(col("login14", "p99"), "%.0f", 1e-3),
            f(col("ba_signin", "p50"), "%.0f", 1e-3), f(col("ba_signin", "p99"), "%.0f", 1e-3)))
        w("| login, CPU of the whole stack per request (ms) | %s | %s | %s |" % (
            f(cpu("login14"), "%.1f", 1e-3), f(cpu("ba_signin"), "%.1f", 1e-3),
            f(xcpu("login14", "ba_signin"), "%.2f")))
    if col("init", "rate") and col("ba_session", "rate"):
        w("| session/s, %d conns (GET /api/init with a JWT; GET /api/auth/get-session with the cookie) | %s | %s | %s; by CPU cost %s |" % (
            a.conns, f(col("init", "rate")), f(col("ba_session", "rate")),
            f(x("init", "ba_session"), "%.1f"), f(xcpu("init", "ba_session"), "%.1f")))
        w("| session p50 / p99 (ms) | %s / %s | %s / %s | |" % (
            f(col("init", "p50"), "%.2f", 1e-3), f(col("init", "p99"), "%.2f", 1e-3),
            f(col("ba_session", "p50"), "%.2f", 1e-3), f(col("ba_session", "p99"), "%.2f", 1e-3)))
        w("| session, CPU of the whole stack per request (us) | %s | %s | |" % (
            f(cpu("init")), f(cpu("ba_session"))))
    m = peer.memory
    if "idle" in m:
        w("| memory: Pss summed over the stack (MiB), idle after start | %.1f | %.1f | %.2f |" % (
            m["idle"]["signet"] / MiB, m["idle"]["peer"] / MiB,
            m["idle"]["signet"] / m["idle"]["peer"]))
    hm = b.hashing_memory
    if "login14" in hm and "ba_signin" in hm:
        w("| memory: peak Pss while logging in, 4 conns, 5 s after the rounds (MiB) | %.1f | %.1f | %.2f |" % (
            hm["login14"]["pss_peak"] / MiB, hm["ba_signin"]["pss_peak"] / MiB,
            hm["login14"]["pss_peak"] / hm["ba_signin"]["pss_peak"]))
    if "after" in m:
        w("| memory: Pss after the rounds (MiB) | %.1f | %.1f | %.2f |" % (
            m["after"]["signet"] / MiB, m["after"]["peer"] / MiB,
            m["after"]["signet"] / m["after"]["peer"]))
    w("")
    w("Stacks: signet = signet14 (master, %d workers, mailer) + nginx (master, 2 workers); "
      "better-auth = node's primary + %d processes; PostgreSQL (one cluster, both "
      "databases) is in neither memory sum and in both CPU sums." % (a.workers, peer.nprocs))
    return "\n".join(lines)


def summary_rows(b, a, t):
    """Rows of the driver's summary table (its column layout), group 6."""
    peer = b.s.peer
    if not peer.wanted:
        return []
    if peer.reason:
        return ["| 6 | better-auth (the peer) | skipped: %s | | | | |" % peer.reason]
    R = b.rounds
    f = t.fmt_range
    rows = []

    def ratios(num, den):
        return [r[num]["rate"] / r[den]["rate"] for r in R
                if num in r and den in r and r[den]["rate"]]

    def cpu_x(num, den):
        xs = []
        for r in R:
            if num in r and den in r:
                cn, cd = t.own_cpu_per_req(r[num]), t.own_cpu_per_req(r[den])
                if cn and cd:
                    xs.append(cd / cn)
        return xs
    def has(cell):
        return any(cell in r for r in R)
    if has("ba_signin") and has("ba_ceil"):
        ceil = [r["ba_ceil"]["rate"] for r in R if "ba_ceil" in r]
        ms = [r["ba_ceil"]["ms_per_hash"] for r in R if "ba_ceil" in r]
        rows.append("| 6 | better-auth sign-in/s, N=2^14 r=16 p=1, %d conns | %s | node scrypt x%d: %s/s (%s ms/hash) | %s; by CPU cost %s | | |" % (
            a.login_conns, f([r["ba_signin"]["rate"] for r in R if "ba_signin" in r], "%.1f"),
            a.hash_concurrency, f(ceil, "%.1f"), f(ms, "%.0f"),
            f(ratios("ba_signin", "ba_ceil"), "%.3f"), f(cpu_x("ba_signin", "ba_ceil"), "%.3f")))
        if has("login14") and has("ceil14"):
            rows.append("| 6 | login / own ceiling: signet vs better-auth | %s vs %s | | | | |" % (
                f(ratios("login14", "ceil14"), "%.3f"), f(ratios("ba_signin", "ba_ceil"), "%.3f")))
    if has("ba_session") and has("init"):
        xs = ratios("init", "ba_session")
        rows.append("| 6 | GET /api/init vs better-auth get-session, %d conns | %s | better-auth: %s | %sx; by CPU cost %sx | >= 20x | %s |" % (
            a.conns, f([r["init"]["rate"] for r in R if "init" in r]),
            f([r["ba_session"]["rate"] for r in R if "ba_session" in r]),
            f(xs, "%.1f"), f(cpu_x("init", "ba_session"), "%.1f"),
            "ok" if t.med(xs)[0] and t.med(xs)[0] >= 20 else "**below**"))
    m, hm = peer.memory, b.hashing_memory
    if "idle" in m:
        peak = "login14" in hm and "ba_signin" in hm
        rows.append("| 6 | memory, Pss of each stack (MiB): signet14+nginx vs better-auth's node | idle %.0f vs %.0f%s | | | | |" % (
            m["idle"]["signet"] / MiB, m["idle"]["peer"] / MiB,
            "; peak while logging in %.0f vs %.0f" % (hm["login14"]["pss_peak"] / MiB,
                                                      hm["ba_signin"]["pss_peak"] / MiB)
            if peak else ""))
    return rows
