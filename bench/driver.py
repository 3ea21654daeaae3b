#!/usr/bin/python3
"""bench/driver.py: signet's benchmarks against the limits of the same machine.

Run through bench/run (which builds everything first); see BENCHMARKS.md.

    driver.py --build DIR --bin DIR [--quick] [--rounds N] [--out DIR]
              [--cells NAME,...] [--profile CELL [--profile-tool perf|callgrind]]

The stack, all on 127.0.0.1 and all started and stopped here with the test harness
(tests/harness):
  PostgreSQL     a private cluster (harness.Postgres)
  SMTP sink      `python3 -m harness smtp` (harness/smtp.py) in a process of its own;
                 prompt, or 2 s before each reply on demand
  signet14       signet, scrypt N=2^14 r=8 p=1 (the cheap paths, login at 2^14,
                 signup_request, the memory checks)
  signet17       signet, scrypt N=2^17 r=8 p=1 (login at the default cost)
  floorA         bench/floor -m static: a minimal libfcgi responder
  floorB         bench/floor -m select: the same plus one prepared indexed
                 SELECT on a 100k-row table per request
  nginx          one nginx (harness.Nginx), one server block per backend, each
                 made from contrib/nginx/signet.conf (the one we ship)
  better-auth    the peer (bench/peer.py): better-auth + express + pg in node
                 processes, on its own database of the same cluster
Every signet and floor runs the same number of worker processes; the peer runs one
node process per core (--peer-procs).

Each round runs every cell once, pairs of cells that are compared back to back
(limit then subject, the other way round in odd rounds); a figure is the median
over the rounds, with min..max.  Every load is bounded by wrk's -d and a
timeout here; every process started here is stopped in the end, on failure and
on SIGINT/SIGTERM too.
"""

import argparse
import base64
import glob
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests"))
import harness  # noqa: E402
from harness.dev import state_dir  # noqa: E402
from harness.proc import cpu_ticks  # noqa: E402
import peer  # noqa: E402

LUA = os.path.join(HERE, "lua")
PASSWORD = "Bench-Tr0ub4dor-&-staple-9047"
MiB = 1024 * 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1


def say(*a):
    print("==>", *a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------- processes

class Procs:
    """Every process and cleanup action of the run, undone in reverse order."""

    def __init__(self):
        self.items = []  # ("proc", name, Popen) or ("call", name, fn)

    def popen(self, name, cmd, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("start_new_session", True)
        p = subprocess.Popen(cmd, **kw)
        self.items.append(("proc", name, p))
        return p

    def adopt(self, name, p):
        """p, a Popen started elsewhere, is stopped with the rest."""
        self.items.append(("proc", name, p))
        return p

    def on_cleanup(self, name, fn):
        self.items.append(("call", name, fn))

    def forget(self, p):
        self.items = [i for i in self.items if i[2] is not p]

    @staticmethod
    def stop_proc(p, timeout=10):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # the whole group: workers of a floor, wrk threads...
        harness.kill_group(p.pid, signal.SIGKILL)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def cleanup(self):
        while self.items:
            kind, name, x = self.items.pop()
            try:
                if kind == "proc":
                    self.stop_proc(x)
                else:
                    x()
            except Exception as e:  # keep cleaning up
                print("cleanup of %s: %s" % (name, e), file=sys.stderr)


PROCS = Procs()


def finish(a, ok):
    """Stop every process started here; remove the work directory unless the run
    failed or --keep asked to keep it."""
    PROCS.cleanup()
    if ok and not a.keep:
        shutil.rmtree(a.work, ignore_errors=True)
    else:
        print("work directory kept: %s" % a.work, file=sys.stderr)


def write_results(a, kind, text, raw):
    """The run's report (print it, and OUT/KIND-<time>.md) and its raw data
    (OUT/KIND-<time>.json)."""
    print(text)
    base = os.path.join(a.out, "%s-%s%s" % (kind, time.strftime("%Y%m%d-%H%M%S"),
                                            "-quick" if a.quick else ""))
    with open(base + ".md", "w") as f:
        f.write(text + "\n")
    with open(base + ".json", "w") as f:
        json.dump(raw, f, indent=1, default=str)
    print("\nwritten: %s.md, %s.json" % (base, base), file=sys.stderr)


def on_signal(sig, frame):
    raise SystemExit("stopped by signal %d" % sig)


# ------------------------------------------------------------------ /proc readings

def read_status(pid):
    """VmRSS, VmHWM, RssAnon of pid in bytes (missing: 0); None if it is gone."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                    out[k] = int(v.split()[0]) * 1024
    except OSError:
        return None
    return out


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return harness.children_of(pid)


def tree(pid):
    """pid and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def quiet(pids, limit=30.0, step=0.2):
    """Wait until processes pids use under a tenth of a core (the requests wrk
    left in flight are done, as settle() waits for signet's); the seconds waited."""
    t0 = time.monotonic()
    last = sum(cpu_ticks(p) or 0 for p in pids)
    while time.monotonic() - t0 < limit:
        time.sleep(step)
        now = sum(cpu_ticks(p) or 0 for p in pids)
        if (now - last) / CLK_TCK < 0.1 * step:
            break
        last = now
    return time.monotonic() - t0


def machine_ticks():
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    vals = [int(x) for x in parts]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return sum(vals[:8]), idle


class CpuMeter:
    """CPU seconds used by named process trees over an interval, the machine's
    busy seconds, and what was busy outside those trees ("other": the rest of the
    machine, other people's tests included)."""

    def __init__(self, groups):
        self.groups = groups  # name -> root pid (callable or int)

    def _snap(self):
        snap = {}
        for name, root in self.groups.items():
            r = root() if callable(root) else root
            if not r:
                continue
            for pid in [p for x in (r if isinstance(r, list) else [r]) for p in tree(x)]:
                t = cpu_ticks(pid)
                if t is not None:
                    snap[(name, pid)] = t
        return snap

    def start(self):
        self.t0 = time.monotonic()
        self.m0 = machine_ticks()
        self.s0 = self._snap()

    def stop(self, extra_pids=None):
        """extra_pids: {name: [pid...]} of short-lived processes (wrk) whose whole
        CPU time counts (read while they are zombies or from their rusage)."""
        s1 = self._snap()
        m1 = machine_ticks()
        wall = time.monotonic() - self.t0
        used = {}
        for key, t in s1.items():
            used[key[0]] = used.get(key[0], 0) + t - self.s0.get(key, 0)
        for name, secs in (extra_pids or {}).items():
            used[name] = used.get(name, 0) + secs * CLK_TCK
        total = (m1[0] - self.m0[0])
        busy = total - (m1[1] - self.m0[1])
        out = {k: v / CLK_TCK for k, v in used.items()}
        out["_busy"] = busy / CLK_TCK
        out["_capacity"] = total / CLK_TCK
        out["_other"] = max(0.0, out["_busy"] - sum(v for k, v in out.items()
                                                     if not k.startswith("_")))
        out["_wall"] = wall
        return out


class RssSampler(threading.Thread):
    """Samples the summed RSS of a process tree every interval seconds; keeps the
    peak of the sum and of each process."""

    def __init__(self, root, interval=0.02):
        super().__init__(daemon=True)
        self.pids = tree(root)
        self.interval = interval
        self.peak_sum = 0
        self.peak_each = {}
        self.samples = 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            total = 0
            for pid in self.pids:
                st = read_status(pid)
                if st is None:
                    continue
                rss = st.get("VmRSS", 0)
                total += rss
                if rss > self.peak_each.get(pid, 0):
                    self.peak_each[pid] = rss
            self.peak_sum = max(self.peak_sum, total)
            self.samples += 1
            self._halt.wait(self.interval)

    def finish(self):
        self._halt.set()
        self.join(5)
        return self


# ------------------------------------------------------------------------ the stack

def conf_keys():
    """Config keys signet knows, from src/base/conf.c's keys[] table."""
    try:
        with open(os.path.join(TOP, "src", "base", "conf.c")) as f:
            text = f.read()
    except OSError:
        return set()
    return set(re.findall(r"^\s*[SIB]\((\w+),", text, re.M))


def libscrypt_mcf(password, n, r, p):
    """A libscrypt MCF record ("$s1$PARAMS$SALT$HASH"), as signet stores them."""
    salt = os.urandom(16)
    h = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p,
                       maxmem=256 * r * n + 16 * MiB, dklen=64)
    params = (n.bit_length() - 1) << 16 | r << 8 | p
    return "$s1$%06x$%s$%s" % (params, base64.b64encode(salt).decode(),
                               base64.b64encode(h).decode())


class Stack:
    def __init__(self, a):
        self.a = a
        self.work = a.work
        self.signets = {}
        self.floors = {}
        self.ports = {}
        self.urls = {}
        self.peer = peer.Peer(a, PROCS)

    # --- pieces
    def start_pg(self):
        say("PostgreSQL (private cluster)")
        self.pg = harness.Postgres()
        PROCS.on_cleanup("postgres", self.pg.destroy)

    def start_sink(self):
        port = harness.free_port()
        self.maildir = os.path.join(self.work, "mail")
        self.sink = PROCS.adopt("smtp sink", harness.spawn_sink(
            port, os.path.join(self.work, "smtp_sink.log"), maildir=self.maildir, slow=2))
        self.smtp = types.SimpleNamespace(host="127.0.0.1", port=port)

    def sink_slow(self, slow):
        os.kill(self.sink.pid, signal.SIGUSR1 if slow else signal.SIGUSR2)

    def signet_config(self, n):
        a = self.a
        cfg = {
            "workers": a.workers,
            "hash_concurrency": a.hash_concurrency,
            "scrypt_n": n, "scrypt_r": 8, "scrypt_p": 1,
            "throttle_exempt": "127.0.0.0/8",
        }
        if n < 1 << 14:
            cfg["scrypt_weak_ok"] = "yes"
        # every throttle off: the load comes from one address and a few accounts
        for k in sorted(conf_keys()):
            if k.startswith("throttle_") and k != "throttle_exempt":
                cfg[k] = 0
        return cfg

    def start_signet(self, name, n):
        port = harness.free_port()
        self.ports[name] = port
        d = os.path.join(self.work, name)
        cfg = self.signet_config(n)
        wrapper = None
        if name == "signet14" and self.a.callgrind:
            # one process (workers = 0) under callgrind: the whole request path
            cfg["workers"] = 0
            self.callgrind_out = os.path.join(self.work, "callgrind.out")
            wrapper = os.path.join(self.work, "signet-callgrind")
            with open(wrapper, "w") as f:
                f.write("#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s "
                        "%s \"$@\"\n" % (self.callgrind_out,
                                           os.path.join(self.a.build, "src", "signet")))
            os.chmod(wrapper, 0o755)
        s = harness.Signet(d, self.pg, self.smtp, self.keys, "http://127.0.0.1:%d" % port,
                           extra_config=cfg, builddir=self.a.build, name=name,
                           public=False)
        if wrapper:
            s.binary = wrapper
        PROCS.on_cleanup(name, lambda: s.stop(timeout=120, check=False))
        say("%s: %s workers, hash_concurrency %d, N=%d%s" % (
            name, cfg["workers"], self.a.hash_concurrency, n,
            " (under callgrind)" if wrapper else ""))
        s.start(timeout=120 if wrapper else 30)
        self.signets[name] = s
        return s

    def start_floor(self, name, mode, accept="block", extra=()):
        port = harness.free_port()
        self.ports[name] = port
        sock = os.path.join(self.work, name + ".sock")
        cmd = [os.path.join(self.a.bin, "floor"), "-s", sock, "-w", str(self.a.workers),
               "-m", mode, "-a", accept]
        if mode in ("select", "query", "session"):
            cmd += ["-d", self.pg.dsn]
        cmd += list(extra)
        log = open(os.path.join(self.work, name + ".log"), "ab")
        p = PROCS.popen(name, cmd, stdout=log, stderr=log)
        log.close()
        harness.wait_until(lambda: harness.unix_open(sock) or p.poll() is not None, 15,
                           "%s's socket" % name)
        if p.poll() is not None:
            raise RuntimeError("%s exited: %s" % (name, harness.tail(
                os.path.join(self.work, name + ".log"))))
        self.floors[name] = types.SimpleNamespace(proc=p, socket=sock, pid=p.pid)

    def start_session_floor(self):
        """floorB_session: the floor running signet's own session query function
        (db_session_load(), the one behind /api/init, linked from signet's library) for
        the user of the JWT."""
        gid = self.pg.sql_value("SELECT gid FROM users WHERE username = 'b17u0'")
        self.start_floor("floorB_session", "session", extra=["-v", gid])
        if self.a.alt_sql:
            self.start_floor("floorB_alt", "query", extra=["-q", os.path.abspath(self.a.alt_sql),
                                                         "-v", gid])

    def socket_of(self, name):
        if name in self.signets:
            return self.signets[name].socket
        return self.floors[name].socket

    def start_nginx(self):
        self.nginx = harness.Nginx(os.path.join(self.work, "nginx"), for_load=True,
                                   servers=[(port, self.socket_of(name))
                                            for name, port in self.ports.items()])
        PROCS.on_cleanup("nginx", self.nginx.stop)
        self.nginx.start()
        for name, port in self.ports.items():
            self.urls[name] = "http://127.0.0.1:%d" % port

    # --- data
    def load_data(self):
        say("data: 100k-row bench_floor table, 100k filler users")
        self.pg.sql("""
            CREATE TABLE bench_floor (id integer PRIMARY KEY, name text NOT NULL,
                                      email text NOT NULL);
            INSERT INTO bench_floor SELECT g, 'user' || g, 'user' || g || '@example.org'
                FROM generate_series(1, 100000) g;
            ALTER TABLE bench_floor OWNER TO signet;
            INSERT INTO users (username, email, status, verified_at)
                SELECT 'filler' || g, 'filler' || g || '@example.org', 'active', now()
                FROM generate_series(1, 100000) g;
            ANALYZE;
        """)
        for logn in (14, 17) + ((4,) if "signet4" in self.signets else ()):
            mcf = libscrypt_mcf(PASSWORD, 1 << logn, 8, 1)
            self.pg.sql("INSERT INTO users (username, email, password, status, verified_at) "
                        "SELECT 'b%du' || g, 'b%du' || g || '@example.org', $1, 'active', now() "
                        "FROM generate_series(0, %d) g" % (logn, logn, self.a.login_users - 1),
                        mcf)

    def start(self):
        os.makedirs(self.work, exist_ok=True)
        self.start_pg()
        self.start_sink()
        self.keys = harness.Keys(os.path.join(self.work, "keys"))
        self.start_signet("signet14", 1 << 14)
        self.start_signet("signet17", 1 << 17)
        if not self.a.cells or "ceil14_mixed" in self.a.cells:
            # cheap logins for ceil14_mixed: signet's login path, a hash of nothing
            self.start_signet("signet4", 1 << 4)
        self.load_data()
        self.start_floor("floorA", "static")
        self.start_floor("floorB", "select")
        self.start_session_floor()
        for name, accept in self.a.extra_floors:
            self.start_floor(name, "static", accept)
        self.start_nginx()
        if self.peer.wanted and not self.peer.reason:
            self.peer.start(self.pg, self.work, PASSWORD)
            self.urls["better-auth"] = self.peer.url

    def api(self, name):
        return harness.Api(self.urls[name], timeout=30)


# ------------------------------------------------------------------------ wrk and co

def parse_wrk(out):
    for line in out.splitlines():
        if line.startswith("WRKJSON "):
            r = json.loads(line[8:])
            r["rate"] = r["requests"] / (r["duration_us"] / 1e6) if r["duration_us"] else 0
            return r
    raise RuntimeError("wrk printed no WRKJSON line:\n" + out[-2000:])


class Wrk:
    """One wrk run, started now; .result() waits and parses."""

    def __init__(self, url, seconds, conns, script="get.lua", args=(), headers=(), threads=1,
                 name="wrk"):
        cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", "%ds" % seconds,
               "--timeout", "10s", "-s", os.path.join(LUA, script)]
        for h in headers:
            cmd += ["-H", h]
        cmd.append(url)
        if args:
            cmd += ["--"] + [str(x) for x in args]
        self.seconds = seconds
        env = dict(os.environ, BENCH_LUA=LUA)
        self.p = PROCS.popen(name, cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.t0 = time.monotonic()

    def result(self):
        try:
            out, err = self.p.communicate(timeout=self.seconds + 60)
        except subprocess.TimeoutExpired:
            Procs.stop_proc(self.p)
            raise RuntimeError("wrk did not finish in time")
        PROCS.forget(self.p)
        if self.p.returncode != 0:
            raise RuntimeError("wrk exit %d: %s" % (self.p.returncode, err.decode(errors="replace")))
        r = parse_wrk(out.decode(errors="replace"))
        # wrk's own CPU time: from the children's rusage after it was reaped
        return r


def children_cpu():
    t = os.times()
    return t.children_user + t.children_system


def ceiling(bin_dir, n, seconds, procs, impl="openssl"):
    """procs scrypt_ceiling processes at once; the summed rate in hashes/s.  impl:
    "openssl", what signet's hashers run, or "libscrypt", what they ran before."""
    cmd = [os.path.join(bin_dir, "scrypt_ceiling"), "-N", str(n), "-r", "8", "-p", "1",
           "-t", str(seconds), "-i", impl]
    ps = [PROCS.popen("scrypt_ceiling", cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
          for _ in range(procs)]
    total, steady, ms, hashes = 0.0, 0.0, [], 0
    for p in ps:
        out, err = p.communicate(timeout=seconds + 120)
        PROCS.forget(p)
        if p.returncode != 0:
            raise RuntimeError("scrypt_ceiling: %s" % err.decode(errors="replace"))
        kv = dict(x.split("=") for x in out.decode().split())
        # hashes finished inside the window, as wrk counts logins
        total += float(kv["rate_window"])
        steady += float(kv["rate"])
        hashes += int(kv["hashes"])
        ms.append(float(kv["ms_per_hash"]))
    return {"rate": total, "steady_rate": steady, "ms_per_hash": statistics.mean(ms),
            "requests": hashes}


def merge_bracket(before, after):
    """A ceiling measured before and after its subject, as one cell: the mean
    rate, the pooled CPU per hash, and both rates kept ("bracket")."""
    m = dict(before)
    m["rate"] = (before["rate"] + after["rate"]) / 2
    m["steady_rate"] = (before["steady_rate"] + after["steady_rate"]) / 2
    m["ms_per_hash"] = (before["ms_per_hash"] + after["ms_per_hash"]) / 2
    m["requests"] = before["requests"] + after["requests"]
    m["cpu"] = {k: before["cpu"].get(k, 0) + after["cpu"].get(k, 0)
                for k in set(before["cpu"]) | set(after["cpu"])}
    m["bracket"] = [before["rate"], after["rate"]]
    return m


# -------------------------------------------------------------------------- the run

class Bench:
    def __init__(self, a, stack):
        self.a = a
        self.s = stack
        self.rounds = []
        self.rnd = {}  # the round being measured
        self.memory = {}
        self.peaks17 = []
        self.cpu_groups = {
            "nginx": lambda: stack.nginx.pid,
            "signet14": lambda: stack.signets["signet14"].pid,
            "signet17": lambda: stack.signets["signet17"].pid,
            "signet4": lambda: stack.signets["signet4"].pid if "signet4" in stack.signets
            else None,
            "floorA": lambda: stack.floors["floorA"].pid,
            "floorB": lambda: stack.floors["floorB"].pid,
            "floorS": lambda: stack.floors["floorB_session"].pid
            if "floorB_session" in stack.floors else None,
            "floorX": lambda: [f.pid for n, f in stack.floors.items()
                               if n not in ("floorA", "floorB", "floorB_session")],
            "postgres": self.postmaster_pid,
            "better-auth": lambda: stack.peer.pid,
        }

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.s.pg.data, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    # --- one measurement, with CPU accounting
    def measure(self, fn):
        meter = CpuMeter(self.cpu_groups)
        c0 = children_cpu()
        meter.start()
        r = fn()
        cpu = meter.stop({"wrk+ceiling": children_cpu() - c0})
        r["cpu"] = cpu
        return r

    def wrk_cell(self, backend, path, conns, script="get.lua", args=(), headers=(), seconds=None):
        seconds = seconds or self.a.duration
        url = self.s.urls[backend] + path
        return self.measure(lambda: Wrk(url, seconds, conns, script, args, headers).result())

    # --- cells
    def c_floorA(self):
        return self.wrk_cell("floorA", "/floor", self.a.conns)

    # Not in the default plan: the floor with signet's accept loop (poll on a
    # non-blocking socket) and with epoll + EPOLLEXCLUSIVE.  --cells floorA_poll,...
    def c_floorA_poll(self):
        return self.wrk_cell("floorA_poll", "/floor", self.a.conns)

    def c_floorA_epoll(self):
        return self.wrk_cell("floorA_epoll", "/floor", self.a.conns)

    def c_bad400(self):
        return self.wrk_cell("signet14", "/api/login", self.a.conns, "post.lua", ["{}"])

    def c_floorB(self):
        return self.wrk_cell("floorB", "/floor", self.a.conns)

    def c_floorB_session(self):
        return self.wrk_cell("floorB_session", "/floor", self.a.conns)

    def c_floorB_alt(self):
        return self.wrk_cell("floorB_alt", "/floor", self.a.conns)

    def c_init(self):
        return self.wrk_cell("signet14", "/api/init", self.a.conns,
                             headers=["Authorization: Bearer " + self.jwt])

    def c_ceil14(self):
        return self.measure(lambda: ceiling(self.a.bin, 1 << 14, self.a.duration,
                                            self.a.hash_concurrency))

    def c_ceil14_lib(self):
        """ceil14 with libscrypt's scrypt, what signet hashed with until 2026-12-02:
        the same bytes, the memory mapped afresh for each hash."""
        return self.measure(lambda: ceiling(self.a.bin, 1 << 14, self.a.duration,
                                            self.a.hash_concurrency, "libscrypt"))

    def scrape(self, name, *series):
        """The values of the unlabelled series of signet `name`'s /metrics (0 for
        one it does not show), in the order asked."""
        text = self.s.api(name).get("/metrics").text
        out = []
        for s in series:
            m = re.search(r"^%s (\S+)$" % re.escape(s), text, re.M)
            out.append(float(m.group(1)) if m else 0.0)
        return out

    def hashes(self, name):
        """How many scrypt hashes signet `name` has finished, and their summed time,
        to tell the hashes a login cell paid for from the logins wrk counted."""
        count, total = self.scrape(name, "signet_password_hash_seconds_count",
                                   "signet_password_hash_seconds_sum")
        return {"count": count, "sum": total}

    def hasher_ticks(self, name):
        """CPU ticks of signet `name`'s hashers by pid: the hashes alone, to set
        beside the ceiling's CPU per hash."""
        return {p: cpu_ticks(p) or 0 for p in self.s.signets[name].hashers()}

    def login_cell(self, name, prefix, seconds):
        h0, t0 = self.hashes(name), self.hasher_ticks(name)
        r = self.wrk_cell(name, "/api/login", self.a.login_conns, "login.lua",
                          [prefix, self.a.login_users, PASSWORD], seconds=seconds)
        h1, t1 = self.hashes(name), self.hasher_ticks(name)
        r["hashes"] = h1["count"] - h0["count"]
        r["hash_seconds"] = h1["sum"] - h0["sum"]
        r["hasher_cpu_s"] = sum(t - t0.get(p, 0) for p, t in t1.items()) / CLK_TCK
        r["settle_s"] = self.settle(name)
        return r

    def settle(self, name, limit=60.0):
        """Wait until signet `name` holds and awaits no hash permit: the logins
        and signups wrk left in flight when it stopped still hash, and would take
        their CPU from the cell after this one (the ceiling a login is compared
        with, the paced /api/init alone).  Returns the seconds waited."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            if not sum(self.scrape(name, "signet_hash_permits_in_use",
                                   "signet_hash_permits_waiting")):
                break
            time.sleep(0.02)
        return time.monotonic() - t0

    def c_login14(self, seconds=None):
        return self.login_cell("signet14", "b14u", seconds)

    def c_ceil14_mixed(self):
        """ceil14 with a login's other work beside it: logins through signet4 (the
        same path with a hash of N=2^4) at the rate login14 reached in this round.
        The machine then does login14's work, with the hashes in the ceiling's
        processes: the ceiling's rate here over ceil14's estimates the most login14
        can reach on this machine, whatever signet does (too noisy on the
        development VM to settle 2-3 %: BENCHMARKS.md)."""
        rate = self.rnd.get("login14", {}).get("rate") or 20.0
        conns = self.a.login_conns
        pause = max(1, int(conns * 1000 / rate))

        def both():
            w = Wrk(self.s.urls["signet4"] + "/api/login", self.a.duration + 2, conns,
                    "login_paced.lua", ["b4u", self.a.login_users, PASSWORD, pause],
                    name="wrk paced login")
            time.sleep(0.5)  # the paced logins are running before the ceiling starts
            r = ceiling(self.a.bin, 1 << 14, self.a.duration, self.a.hash_concurrency)
            r["logins"] = w.result()
            r["logins"]["target_rate"] = rate
            return r
        return self.measure(both)

    def signet_stack(self):
        """signet14's and nginx's pids: signet's stack, in the peer's memory table."""
        return [self.s.signets["signet14"].pid, self.s.nginx.pid]

    # The peer (bench/peer.py): better-auth's sign-in, get-session and hash ceiling.
    def c_ba_signin(self, seconds=None):
        r = self.wrk_cell(
            "better-auth", "/api/auth/sign-in/email", self.a.login_conns, "ba_signin.lua",
            ["ba", self.a.login_users, PASSWORD], headers=["Origin: " + self.s.peer.url],
            seconds=seconds)
        r["settle_s"] = quiet(tree(self.s.peer.pid))
        return r

    def c_ba_session(self):
        return self.wrk_cell("better-auth", "/api/auth/get-session", self.a.conns,
                             headers=["Cookie: " + self.s.peer.cookie])

    def c_ba_ceil(self):
        return self.measure(lambda: self.s.peer.ceiling(self.a.duration))

    def c_login14_c2(self):
        """login14 with only as many connections as hash permits: no queue."""
        return self.wrk_cell("signet14", "/api/login", self.a.hash_concurrency, "login.lua",
                             ["b14u", self.a.login_users, PASSWORD])

    def c_ceil17(self):
        return self.measure(lambda: ceiling(self.a.bin, 1 << 17, self.a.duration17,
                                            self.a.hash_concurrency))

    def c_login17(self, seconds=None):
        return self.login_cell("signet17", "b17u", seconds or self.a.duration17)

    def memory_hashing(self):
        """The memory of the stacks while they hash, in a pass of its own after the
        rounds: reading /proc while a timed cell runs costs CPU (and the page-table
        lock the hashes' faults take) that the ceilings it is compared with do not
        pay.  The peak RSS of signet17 (its bound: hash_concurrency x 128 x r x N)
        and the peak Pss of signet's stack and the peer's while they log in."""
        a, m = self.a, self.hashing_memory
        if not self.skip("login17"):
            say("memory while hashing: login17")
            root = self.s.signets["signet17"].pid
            base = sum((read_status(pid) or {}).get("VmRSS", 0) for pid in tree(root))
            sampler = RssSampler(root)
            sampler.start()
            try:
                self.c_login17(seconds=min(a.duration17, 8))
            finally:
                sampler.finish()
            m["login17"] = {"rss_peak_sum": sampler.peak_sum, "rss_base_sum": base,
                            "rss_peak_each": max(sampler.peak_each.values() or [0]),
                            "rss_samples": sampler.samples}
            self.peaks17.append(sampler.peak_sum - base)
        if not self.s.peer.up:
            return
        for cell, roots, run in (
                ("login14", self.signet_stack(), lambda: self.c_login14(seconds=5)),
                ("ba_signin", [self.s.peer.pid], lambda: self.c_ba_signin(seconds=5))):
            if not self.skip(cell):
                say("memory while hashing: " + cell)
                m[cell] = self.s.peer.sample(roots, run)

    def paced_init(self, seconds):
        return Wrk(self.s.urls["signet17"] + "/api/init", seconds, self.a.paced_conns,
                   "paced.lua", [self.a.paced_ms], ["Authorization: Bearer " + self.jwt],
                   name="wrk paced")

    def c_init_alone(self):
        return self.measure(lambda: self.paced_init(self.a.duration17).result())

    def c_init_under_login(self):
        def both():
            login = Wrk(self.s.urls["signet17"] + "/api/login", self.a.duration17 + 2,
                        self.a.login_conns, "login.lua", ["b17u", self.a.login_users, PASSWORD],
                        name="wrk login")
            time.sleep(1)  # the hash permits are all taken before we look
            init = self.paced_init(self.a.duration17)
            r = init.result()
            r["login"] = login.result()
            return r
        r = self.measure(both)
        r["settle_s"] = self.settle("signet17")
        return r

    def signup(self, slow):
        tag = "%d%s%d" % (len(self.rounds), "s" if slow else "p", int(time.time()) % 100000)
        self.s.sink_slow(slow)
        try:
            r = self.wrk_cell("signet14", "/api/signup_request", self.a.signup_conns,
                              "signup.lua", [tag, PASSWORD])
            r["settle_s"] = self.settle("signet14")
            return r
        finally:
            self.s.sink_slow(False)

    def under_ceiling(self, nice):
        """paced /api/init while scrypt_ceiling processes (not signet) burn the
        cores, at nice 0 or 19: what running the hashes niced would buy."""
        def both():
            cmd = [os.path.join(self.a.bin, "scrypt_ceiling"), "-N", str(1 << 17), "-r", "8",
                   "-p", "1", "-t", str(self.a.duration17 + 2)]
            if nice:
                cmd = ["nice", "-n", "19"] + cmd
            ps = [PROCS.popen("scrypt_ceiling", cmd, stdout=subprocess.DEVNULL)
                  for _ in range(self.a.hash_concurrency)]
            time.sleep(1)
            r = self.paced_init(self.a.duration17).result()
            for p in ps:
                p.wait(self.a.duration17 + 60)
                PROCS.forget(p)
            return r
        return self.measure(both)

    def c_init_under_ceiling(self):
        return self.under_ceiling(False)

    def c_init_under_ceiling_nice(self):
        return self.under_ceiling(True)

    def c_signup_prompt(self):
        return self.signup(False)

    def c_signup_slow(self):
        return self.signup(True)

    PAIRS = [("floorA", "bad400"), ("floorB", "floorB_session", "init", "ba_session"),
             ("ceil14", "login14", "ba_ceil", "ba_signin"), ("ceil14_mixed",), ("ceil14_lib",),
             ("ceil17", "login17"), ("init_alone", "init_under_login"),
             ("signup_prompt", "signup_slow")]
    EXTRA_PAIRS = [("floorA_poll", "floorA_epoll"), ("floorB_alt",), ("login14_c2",),
                   ("init_under_ceiling", "init_under_ceiling_nice")]

    # The hash ceilings are measured on both sides of their login cell, and
    # the login compared with the two together (merge_bracket()): the VM's
    # hash speed drifts by several percent within a minute, and a limit
    # taken on one side only moves the ratio by as much.
    BRACKETS = {"login14": "ceil14", "login17": "ceil17"}

    # The cells whose groups run --login-rounds times.
    LOGIN_CELLS = set(BRACKETS) | {"ceil14_mixed", "ba_signin"}

    def login_group(self, group):
        return any(c in self.LOGIN_CELLS for c in group)

    def bracketing(self, c):
        """c is a limit that a bracketed subject of this run measures itself."""
        return any(lim == c and not self.skip(sub) for sub, lim in self.BRACKETS.items()
                   if any(sub in g for g in self.cells_enabled()))

    def cell(self, i, c, why=""):
        say("round %d/%d: %s%s" % (i + 1, self.a.login_rounds if i >= self.a.rounds
                                   else self.a.rounds, c, " (%s)" % why if why else ""))
        return getattr(self, "c_" + c)()

    def cells_enabled(self):
        want = self.a.cells
        if self.a.diag and not want:
            return self.PAIRS + [g for g in self.EXTRA_PAIRS if g != ("floorB_alt",)]
        return [g for g in self.PAIRS + (self.EXTRA_PAIRS if want else [])
                if not want or any(c in want for c in g)]

    def skip(self, c):
        """Not run: not among --cells, or the peer's cell and the peer is not up."""
        return (self.a.cells and c not in self.a.cells) or \
            (c.startswith("ba_") and not self.s.peer.up)

    # --- checks before measuring
    def smoke(self):
        s = self.s
        say("smoke checks")
        api14, api17 = s.api("signet14"), s.api("signet17")
        r = api14.get("/api/health")
        assert r.status_code == 200, "health: %d %s" % (r.status_code, r.text)
        for name in [n for n in self.s.floors]:
            r = s.api(name).get("/floor")
            assert r.status_code == 200 and r.json()["success"], "%s: %s" % (name, r.text)
        r = api14.post("/api/login", json={})
        assert r.status_code == 400, "400 path: %d %s" % (r.status_code, r.text)
        # a full signup through the mail, to know the mailer delivers
        if not self.a.cells or "signup_prompt" in self.a.cells or "signup_slow" in self.a.cells:
            ident = {"username": "benchsmoke", "email": "benchsmoke@example.org",
                     "password": PASSWORD}
            r = api14.post("/api/signup_request", json=ident)
            assert r.status_code == 200, "signup_request: %d %s" % (r.status_code, r.text)
            vcode = r.json()["result"]["validation_code"]
            mail = harness.MailDir(s.maildir).wait_for(to=ident["email"], timeout=30)
            code = harness.extract_code(mail)
            r = api14.post("/api/signup", json=dict(ident, validation_code=vcode,
                                                     verification_code=code))
            assert r.status_code == 200, "signup: %d %s" % (r.status_code, r.text)
        for api, prefix in ((api14, "b14u"), (api17, "b17u")):
            r = api.post("/api/login", json={"username": prefix + "0", "password": PASSWORD})
            assert r.status_code == 200, "login %s: %d %s" % (prefix, r.status_code, r.text)
            jwt = r.headers["Authorization"]
        # the same keys and database behind both: one token serves both
        self.jwt = jwt
        for api in (api14, api17):
            r = api.get("/api/init", headers={"Authorization": "Bearer " + jwt})
            assert r.status_code == 200 and r.json()["success"], "init: %s" % r.text
            # Since issue 12, /api/init answers with a fresh JWT, as Unicat's page says
            # ("A fresh JWT is in the Authorization header"): the init cell pays for it.
            assert r.headers.get("Authorization"), "init gave no fresh token"

    # --- memory
    def rss_table(self, name):
        sg = self.s.signets[name]
        mailers = self.mailer_pids(sg)
        rows = []
        for pid in tree(sg.pid):
            st = read_status(pid) or {}
            role = ("master" if pid == sg.pid else "mailer" if pid in mailers else
                    "hasher" if harness.comm_of(pid) == "signet-hasher" else "worker")
            rows.append({"pid": pid, "role": role, "rss": st.get("VmRSS", 0),
                         "anon": st.get("RssAnon", 0), "hwm": st.get("VmHWM", 0),
                         "pss": peer.pss(pid)})
        return rows

    @staticmethod
    def mailer_pids(sg):
        """Every mailer signet sg started (mail_concurrency of them, and any
        replaced): a mailer counted as a worker would put its SMTP and TLS
        libraries in the workers' RSS."""
        return {int(m) for m in re.findall(r"\[(\d+)\] \w+: mailer started",
                                           sg.log_text())}

    def memory_cheap(self):
        """Idle RSS, then after 10k and after `mem_requests` cheap requests."""
        say("memory: idle, then %d cheap requests" % self.a.mem_requests)
        m = self.memory
        # A hasher keeps scrypt's memory for 2 s after its last hash (the smoke
        # checks' signup and login), then gives it back: idle is after that.
        time.sleep(2.5)
        m["idle14"] = self.rss_table("signet14")
        m["idle17"] = self.rss_table("signet17")
        url = self.s.urls["signet14"]
        warm = min(10000, self.a.mem_requests // 10)
        done, errors, deadline = 0, 0, time.monotonic() + 300
        # wrk runs for whole seconds whatever its threads do: load in short
        # chunks until enough requests were answered (bounded by the deadline).
        for target, key in ((warm, "warm14"), (self.a.mem_requests, "after14")):
            while done < target and time.monotonic() < deadline:
                r = Wrk(url, 2, 8, "mix.lua", [self.jwt], threads=2).result()
                done += r["requests"]
                errors += r["connect"] + r["read"] + r["write"] + r["timeout"]
            m[key] = self.rss_table("signet14")
            m[key + "_requests"] = done
        m["mix_requests"] = done
        m["mix_errors"] = errors

    def run(self):
        a = self.a
        self.smoke()
        if not a.cells:
            self.memory_cheap()
        pairs = self.cells_enabled()
        self.s.peer.memory_now("idle", self.signet_stack())
        # one short pass of everything first: caches, JIT of nothing, pages in
        say("warm-up")
        saved = (a.duration, a.duration17)
        a.duration, a.duration17 = 1, 2
        # (only the cheap cells: the hashing ones are warm after one hash)
        for group in pairs:
            for c in group:
                if not self.skip(c) and not c.startswith(("ceil", "login", "signup", "init_under",
                                                          "ba_ceil", "ba_signin")):
                    getattr(self, "c_" + c)()
        a.duration, a.duration17 = saved
        self.peaks17 = []
        self.hashing_memory = {}
        t0 = time.monotonic()
        for i in range(a.login_rounds):
            rnd = self.rnd = {}
            for group in pairs:
                if i >= a.rounds and not self.login_group(group):
                    continue
                order = group if i % 2 == 0 else tuple(reversed(group))
                for c in order:
                    if self.skip(c) or self.bracketing(c):
                        continue
                    limit = self.BRACKETS.get(c)
                    if limit is not None and not self.skip(limit):
                        rnd[limit] = self.cell(i, limit, "before " + c)
                    rnd[c] = self.cell(i, c)
                    if limit is not None and not self.skip(limit):
                        rnd[limit] = merge_bracket(rnd[limit], self.cell(i, limit, "after " + c))
                    rnd[c]["order"] = order.index(c)
            self.rounds.append(rnd)
        self.rounds_seconds = time.monotonic() - t0
        self.memory_hashing()
        self.s.peer.memory_now("after", self.signet_stack())
        if not a.cells:
            self.memory["post14"] = self.rss_table("signet14")
            self.memory["post17"] = self.rss_table("signet17")
        self.mails = self.mail_count()

    def mail_count(self):
        return len(harness.MailDir(self.s.maildir).paths())


# ------------------------------------------------------------------------- reporting

def med(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None, None, None
    return statistics.median(xs), min(xs), max(xs)


def fmt_range(xs, f="%.0f", scale=1.0):
    m, lo, hi = med(xs)
    if m is None:
        return "n/a"
    return (f + " (" + f + "-" + f + ")") % (m * scale, lo * scale, hi * scale)


def versions():
    def first_line(cmd):
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
            return r.stdout.decode(errors="replace").splitlines()[0].strip()
        except Exception:
            return "?"

    def deb(pkg):
        try:
            r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=10)
            return r.stdout.decode().strip() or "?"
        except Exception:
            return "?"
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": NCPU, "kernel": platform.release(),
        "nginx": first_line([harness.nginx_binary(), "-v"]),
        "postgresql": first_line([os.path.join(harness.pg_bindir(), "postgres"), "--version"]),
        "wrk": deb("wrk"), "libfcgi": deb("libfcgi0ldbl"), "libscrypt": deb("libscrypt0"),
        "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def cpu_per_req(r, group):
    req = r.get("requests") or 0
    c = r.get("cpu", {})
    if not req or group not in c:
        return None
    return c[group] / req * 1e6  # us per request


def own_cpu_per_req(r):
    """CPU microseconds per request of the stack itself (wrk, nginx, backends,
    PostgreSQL), whatever else ran on the machine."""
    c, req = r.get("cpu", {}), r.get("requests") or 0
    if not req:
        return None
    return sum(v for k, v in c.items() if not k.startswith("_")) / req * 1e6


# what bench/peer.py's reports use
TOOLS = types.SimpleNamespace(fmt_range=fmt_range, med=med, own_cpu_per_req=own_cpu_per_req)


def report(b, a):
    R = b.rounds
    col = lambda cell, key: [r[cell][key] for r in R if cell in r and key in r[cell]]
    ratio = lambda num, den, key="rate": [r[num][key] / r[den][key] for r in R
                                          if num in r and den in r and r[den][key]]
    lines = []
    w = lines.append
    w("| # | measure | result (median, min-max over %d rounds%s) | limit, same rounds | ratio | target | |"
      % (a.rounds, "; the login pairs over %d" % a.login_rounds
         if a.login_rounds > a.rounds else ""))
    w("|---|---|---|---|---|---|---|")

    def verdict(val, ok):
        if val is None:
            return "n/a"
        return "ok" if ok(val) else "**below**"

    def cpu_ratio(subject, limit):
        """limit's CPU cost per request over subject's, round by round: the
        throughput ratio the two would have on an otherwise idle machine."""
        xs = []
        for r in R:
            if subject in r and limit in r:
                cs, cl = own_cpu_per_req(r[subject]), own_cpu_per_req(r[limit])
                if cs and cl:
                    xs.append(cl / cs)
        return xs

    for login, ceil, conns in (("login14", "ceil14", a.login_conns),
                               ("login14_c2", "ceil14", a.hash_concurrency),
                               ("login17", "ceil17", a.login_conns)):
        logn = int(ceil[4:])
        if not col(login, "rate"):
            continue
        rr = ratio(login, ceil)
        p = [r[login]["p99"] / r[login]["p50"] for r in R if login in r and r[login]["p50"]]
        w("| 1 | login/s, N=2^%d r=8 p=1, %d conns | %s | scrypt x%d, before and after: %s/s (%s ms/hash) | %s; by CPU cost %s | >= 0.95 | %s |" % (
            logn, conns, fmt_range(col(login, "rate"), "%.1f"), a.hash_concurrency,
            fmt_range([r[ceil]["rate"] for r in R if ceil in r], "%.1f"),
            fmt_range([r[ceil]["ms_per_hash"] for r in R if ceil in r], "%.0f"),
            fmt_range(rr, "%.3f"), fmt_range(cpu_ratio(login, ceil), "%.3f"),
            verdict(med(rr)[0], lambda v: v >= 0.95)))
        w("| 1 | login p50 / p99 (ms), N=2^%d, %d conns | %s / %s | | p99/p50 %s | <= 1.5 | %s |" % (
            logn, conns, fmt_range(col(login, "p50"), "%.0f", 1e-3), fmt_range(col(login, "p99"), "%.0f", 1e-3),
            fmt_range(p, "%.2f"), verdict(med(p)[0], lambda v: v <= 1.5)))
    if col("ceil14_mixed", "rate"):
        bound = ratio("ceil14_mixed", "ceil14")
        w("| 1 | (why) scrypt x%d with a login's other work beside it: paced logins, N=2^4, at %s/s (login14's rate: %s) | %s/s (%s ms/hash) | scrypt x%d alone: %s/s | %s: left for the hashes; login14 / this %s | | |" % (
            a.hash_concurrency, fmt_range([r["ceil14_mixed"]["logins"]["rate"] for r in R
                                           if "ceil14_mixed" in r], "%.1f"),
            fmt_range([r["ceil14_mixed"]["logins"]["target_rate"] for r in R
                       if "ceil14_mixed" in r], "%.1f"),
            fmt_range(col("ceil14_mixed", "rate"), "%.1f"),
            fmt_range(col("ceil14_mixed", "ms_per_hash"), "%.0f"), a.hash_concurrency,
            fmt_range([r["ceil14"]["rate"] for r in R if "ceil14_mixed" in r and "ceil14" in r],
                      "%.1f"),
            fmt_range(bound, "%.3f"), fmt_range(ratio("login14", "ceil14_mixed"), "%.3f")))
    if col("ceil14_lib", "rate"):
        w("| 1 | (why) libscrypt's scrypt x%d, N=2^14 (signet's hash until 2026-12-02; the same bytes) | %s/s (%s ms/hash) | OpenSSL's (signet's now) x%d: %s/s | %s of OpenSSL's; login14 / this %s | | |" % (
            a.hash_concurrency, fmt_range(col("ceil14_lib", "rate"), "%.1f"),
            fmt_range(col("ceil14_lib", "ms_per_hash"), "%.0f"), a.hash_concurrency,
            fmt_range([r["ceil14"]["rate"] for r in R if "ceil14_lib" in r and "ceil14" in r],
                      "%.1f"),
            fmt_range(ratio("ceil14_lib", "ceil14"), "%.3f"),
            fmt_range(ratio("login14", "ceil14_lib"), "%.2f")))
    if col("bad400", "rate"):
        rr = ratio("bad400", "floorA")
        w("| 2 | 400 path (POST /api/login {}), req/s, %d conns | %s | floor A: %s | %s; by CPU cost %s | >= 0.80 | %s |" % (
            a.conns, fmt_range(col("bad400", "rate")), fmt_range(col("floorA", "rate")),
            fmt_range(rr, "%.3f"), fmt_range(cpu_ratio("bad400", "floorA"), "%.2f"),
            verdict(med(rr)[0], lambda v: v >= 0.8)))
    for cell, what in (("floorA_poll", "signet's accept loop (poll on a non-blocking socket)"),
                       ("floorA_epoll", "epoll + EPOLLEXCLUSIVE")):
        if col(cell, "rate"):
            rr = ratio(cell, "floorA")
            w("| 2 | (why) floor A with %s, req/s | %s | floor A: %s | %s; by CPU cost %s | | |" % (
                what, fmt_range(col(cell, "rate")), fmt_range(col("floorA", "rate")),
                fmt_range(rr, "%.3f"), fmt_range(cpu_ratio(cell, "floorA"), "%.2f")))
    if col("init", "rate"):
        rr = ratio("init", "floorB")
        w("| 2 | GET /api/init (JWT), req/s, %d conns | %s | floor B: %s | %s; by CPU cost %s | >= 0.80 | %s |" % (
            a.conns, fmt_range(col("init", "rate")), fmt_range(col("floorB", "rate")),
            fmt_range(rr, "%.3f"), fmt_range(cpu_ratio("init", "floorB"), "%.2f"),
            verdict(med(rr)[0], lambda v: v >= 0.8)))
    if col("floorB_session", "rate"):
        rr = ratio("floorB_session", "floorB")
        w("| 2 | (why) floor B running signet's session query instead of its SELECT, req/s | %s | floor B: %s | %s; by CPU cost %s | | |" % (
            fmt_range(col("floorB_session", "rate")), fmt_range(col("floorB", "rate")),
            fmt_range(rr, "%.3f"), fmt_range(cpu_ratio("floorB_session", "floorB"), "%.2f")))
        if col("init", "rate"):
            rr = ratio("init", "floorB_session")
            w("| 2 | (why) /api/init over that floor: signet's own code | %s | %s | %s; by CPU cost %s | | |" % (
                fmt_range(col("init", "rate")), fmt_range(col("floorB_session", "rate")),
                fmt_range(rr, "%.3f"), fmt_range(cpu_ratio("init", "floorB_session"), "%.2f")))
    if col("init_under_login", "p99"):
        lr = [r["init_under_login"]["login"]["rate"] / r["ceil17"]["rate"] for r in R
              if "init_under_login" in r and "ceil17" in r]
        p99 = col("init_under_login", "p99")
        w("| 3 | /api/init p99 (ms) while logins (2^17) run; paced %d conns x 1/%d ms | %s | alone: %s; logins at %s of the ceiling | | <= 5 ms | %s |" % (
            a.paced_conns, a.paced_ms, fmt_range(p99, "%.1f", 1e-3),
            fmt_range(col("init_alone", "p99"), "%.1f", 1e-3), fmt_range(lr, "%.2f"),
            verdict(med(p99)[0], lambda v: v <= 5000)))
    for cell, what in (("init_under_ceiling", "scrypt_ceiling x%d at nice 0" % a.hash_concurrency),
                       ("init_under_ceiling_nice", "scrypt_ceiling x%d at nice 19" % a.hash_concurrency)):
        if col(cell, "p99"):
            w("| 3 | (why) /api/init p99 (ms), same paced load, while %s burn the cores | %s | alone: %s | | | |" % (
                what, fmt_range(col(cell, "p99"), "%.1f", 1e-3),
                fmt_range(col("init_alone", "p99"), "%.1f", 1e-3)))
    if col("signup_slow", "p99"):
        d = [r["signup_slow"]["p99"] - r["signup_prompt"]["p99"] for r in R
             if "signup_slow" in r and "signup_prompt" in r]
        w("| 4 | signup_request p99 (ms), sink 2 s/reply, %d conns | %s | prompt sink: %s | +%s ms | <= +10 ms | %s |" % (
            a.signup_conns, fmt_range(col("signup_slow", "p99"), "%.1f", 1e-3),
            fmt_range(col("signup_prompt", "p99"), "%.1f", 1e-3), fmt_range(d, "%.1f", 1e-3),
            verdict(med(d)[0], lambda v: v <= 10000)))
    m = b.memory
    if m:
        def roles(tab, role, key="rss"):
            return [x[key] for x in tab if x["role"] == role]
        iw = roles(m["idle14"], "worker")
        ww = roles(m["warm14"], "worker")
        warm_k = m["warm14_requests"] // 1000
        grow = [x["rss"] - y["rss"] for x in m["after14"] for y in m["warm14"]
                if x["pid"] == y["pid"] and x["role"] == "worker"]
        def desc(tab, role):
            rss, anon, pss = (roles(tab, role, k) for k in ("rss", "anon", "pss"))
            if not rss:
                return "?"
            if len(rss) == 1:
                return "%.1f (private %.1f, PSS %.1f)" % (rss[0] / MiB, anon[0] / MiB, pss[0] / MiB)
            return "max %.1f, min %.1f (private max %.1f, PSS max %.1f)" % (
                max(rss) / MiB, min(rss) / MiB, max(anon) / MiB, max(pss) / MiB)
        w("| 5 | RSS of each of %d workers, idle after start (MiB) | %s | | | <= 8 MiB | %s |" % (
            len(iw), desc(m["idle14"], "worker"), verdict(max(iw), lambda v: v <= 8 * MiB)))
        w("| 5 | RSS of each worker after %d cheap requests (MiB) | %s | after %dk: max %.1f | growth max %+.2f MiB | no growth | %s |" % (
            m["mix_requests"], desc(m["after14"], "worker"), warm_k, max(ww) / MiB,
            max(grow) / MiB, verdict(max(grow), lambda v: v <= 256 * 1024)))
        w("| 5 | master RSS, idle / after (MiB) | %s / %s | | | | |" % (
            desc(m["idle14"], "master"), desc(m["after14"], "master")))
        w("| 5 | mailer RSS, idle / after (MiB) | %s / %s | | | | |" % (
            desc(m["idle14"], "mailer"), desc(m.get("post14", m["after14"]), "mailer")))
        w("| 5 | hasher RSS, idle / after the rounds (MiB) | %s / %s | | | | |" % (
            desc(m["idle14"], "hasher"), desc(m.get("post14", m["after14"]), "hasher")))
        if b.peaks17:
            bound = a.hash_concurrency * 128 * 8 * (1 << 17)
            over = b.peaks17
            w("| 5 | peak RSS of signet17 (all processes) while hashing, above the sum just before (MiB) | %s | hash_concurrency x 128 x r x N = %.0f | %s | <= bound | %s |" % (
                fmt_range(over, "%.0f", 1.0 / MiB), bound / MiB,
                fmt_range([o / bound for o in over], "%.2f"),
                verdict(max(over), lambda v: v <= bound * 1.02)))
        if "post14" in m:
            w("| 5 | RSS of each worker after the rounds (hashing included), N=2^14 (MiB) | %s | | | <= 8 MiB | %s |" % (
                desc(m["post14"], "worker"),
                verdict(max(roles(m["post14"], "worker")), lambda v: v <= 8 * MiB)))
            w("| 5 | same, N=2^17 (MiB) | %s | | | <= 8 MiB | %s |" % (
                desc(m["post17"], "worker"),
                verdict(max(roles(m["post17"], "worker")), lambda v: v <= 8 * MiB)))
    lines.extend(peer.summary_rows(b, a, TOOLS))
    return "\n".join(lines)


def cpu_report(b):
    """CPU microseconds per request, by process group, medians over the rounds."""
    cells = ["floorA", "floorA_poll", "floorA_epoll", "bad400", "floorB", "floorB_session",
             "floorB_alt", "init", "ba_session", "login14", "ba_signin", "login17"]
    groups = ["wrk+ceiling", "nginx", "signet14", "signet17", "floorA", "floorB", "floorS",
              "floorX", "better-auth", "postgres", "_other"]
    lines = ["| cell | " + " | ".join(g.strip("_") for g in groups) +
             " | stack total | machine busy |",
             "|---" * (len(groups) + 3) + "|"]
    for c in cells:
        rs = [r[c] for r in b.rounds if c in r]
        if not rs:
            continue
        row = []
        for g in groups:
            m = med([cpu_per_req(r, g) for r in rs])[0]
            row.append("-" if not m or m < 0.5 else "%.0f" % m)
        busy = med([r["cpu"]["_busy"] / r["cpu"]["_capacity"] for r in rs])[0]
        tot = med([own_cpu_per_req(r) for r in rs])[0]
        lines.append("| %s | %s | %.0f | %.0f%% |" % (c, " | ".join(row), tot or 0, busy * 100))
    return "\n".join(lines)


def latency_report(b):
    cells = ["floorA", "floorA_poll", "floorA_epoll", "bad400", "floorB", "floorB_session",
             "floorB_alt", "init", "ba_session", "login14", "login14_c2", "ba_signin", "login17",
             "init_alone", "init_under_ceiling",
             "init_under_ceiling_nice",
             "init_under_login", "signup_prompt", "signup_slow"]
    lines = ["| cell | req/s | p50 ms | p90 ms | p99 ms | max ms | errors (socket/status) |",
             "|---|---|---|---|---|---|---|"]
    for c in cells:
        rs = [r[c] for r in b.rounds if c in r]
        if not rs:
            continue
        errs = sum(x["connect"] + x["read"] + x["write"] + x["timeout"] for x in rs)
        st = sum(x["status"] for x in rs)
        lines.append("| %s | %s | %s | %s | %s | %s | %d / %d |" % (
            c, fmt_range([x["rate"] for x in rs],
                         "%.1f" if c.startswith(("login", "ba_signin")) else "%.0f"),
            fmt_range([x["p50"] for x in rs], "%.2f", 1e-3),
            fmt_range([x["p90"] for x in rs], "%.2f", 1e-3),
            fmt_range([x["p99"] for x in rs], "%.2f", 1e-3),
            fmt_range([x["max"] for x in rs], "%.1f", 1e-3), errs, st))
    return "\n".join(lines)


def profile(a, stack, b):
    """Run one cell under perf (system-wide, every process of the stack) or with
    signet14 under callgrind; write the reports next to the results."""
    cell = a.profile
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = os.path.join(a.out, "profile-%s-%s-%s" % (cell, "callgrind" if a.callgrind else "perf",
                                                    stamp))
    b.smoke()
    fn = getattr(b, "c_" + cell)
    if a.callgrind:
        sg = stack.signets["signet14"]
        # only the cell: forget what start-up and the smoke checks cost
        harness.run(["callgrind_control", "--zero", str(sg.pid)], timeout=60)
        say("%s with signet14 under callgrind for %d s" % (cell, a.duration))
        r = fn()
        sg.stop(timeout=120, check=False)
        outs = glob.glob(stack.callgrind_out + "*")
        if not outs:
            raise RuntimeError("callgrind wrote nothing: %s" % sg.log_tail())
        shutil.copyfile(outs[0], base + ".callgrind.out")
        with open(base + ".txt", "w") as f:
            f.write("%s: %d requests under callgrind\n\n" % (cell, r["requests"]))
            for incl in ("yes", "no"):
                f.flush()
                subprocess.run(["callgrind_annotate", "--inclusive=" + incl, "--threshold=99",
                                base + ".callgrind.out"], stdout=f, stderr=subprocess.STDOUT,
                               timeout=300)
        say("callgrind: %s.txt (%d requests)" % (base, r["requests"]))
        return base
    data = base + ".data"
    say("%s under perf record -a for %d s" % (cell, a.duration))
    perf = PROCS.popen("perf", ["perf", "record", "-q", "-e", "cpu-clock", "-F", "1999", "-a",
                                "-g", "-o", data, "--", "sleep", str(a.duration)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r = fn()
    perf.wait(a.duration + 60)
    PROCS.forget(perf)
    with open(base + ".txt", "w") as f:
        f.write("%s: %.0f req/s, %d requests; CPU us/request by group: %s\n\n" % (
            cell, r["rate"], r["requests"],
            {k: round(v / max(1, r["requests"]) * 1e6, 1) for k, v in r["cpu"].items()
             if not k.startswith("_")}))
        for title, extra in (("by process", ["--sort", "comm"]),
                             ("by process and library", ["--sort", "comm,dso"]),
                             ("signet's symbols", ["--comms", "signet", "--sort", "dso,sym"]),
                             ("nginx's symbols", ["--comms", "nginx", "--sort", "dso,sym"]),
                             ("postgres' symbols", ["--comms", "postgres", "--sort", "dso,sym"]),
                             ("floor's symbols", ["--comms", "floor", "--sort", "dso,sym"])):
            f.write("\n==== %s ====\n" % title)
            f.flush()
            p = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                                "-g", "none", "--percent-limit", "0.7"] + extra,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=300)
            f.write("\n".join(l for l in p.stdout.decode(errors="replace").splitlines()
                              if l and not l.startswith("#")) + "\n")
    say("perf: %s.txt (data: %s)" % (base, data))
    return base


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True, help="signet's build directory (src/signet)")
    ap.add_argument("--bin", required=True, help="where floor and scrypt_ceiling are")
    ap.add_argument("--out", help="where the results go (default: var/bench)")
    ap.add_argument("--quick", action="store_true", help="short cells, for smoke testing")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--login-rounds", type=int,
                    help="rounds of the login pairs (login14, login17, their ceilings, the "
                         "peer's sign-in): this VM's hash speed drifts by several percent "
                         "within a minute, and their targets are tight (default: 7, "
                         "--quick: --rounds; never fewer than --rounds)")
    ap.add_argument("--duration", type=int, help="seconds per cell")
    ap.add_argument("--cells", default="", help="comma-separated cell names (default: all)")
    ap.add_argument("--workers", type=int, default=4 * NCPU)
    ap.add_argument("--hash-concurrency", type=int, default=NCPU)
    ap.add_argument("--conns", type=int, default=16, help="wrk connections, cheap paths")
    ap.add_argument("--login-conns", type=int, default=0, help="default 2 x hash_concurrency")
    ap.add_argument("--signup-conns", type=int, default=0, help="default hash_concurrency")
    ap.add_argument("--paced-conns", type=int, default=4)
    ap.add_argument("--paced-ms", type=int, default=20)
    ap.add_argument("--login-users", type=int, default=16)
    ap.add_argument("--mem-requests", type=int)
    ap.add_argument("--extra-floor", action="append", default=[],
                    help="NAME:ACCEPT, another static floor (accept: block|poll|epoll)")
    ap.add_argument("--peer-procs", type=int, default=NCPU,
                    help="node processes of the peer, better-auth (default: the cores)")
    ap.add_argument("--peer-skip", metavar="REASON",
                    help="skip the peer's cells (ba_*), printing REASON (bench/run passes "
                         "why npm ci failed)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--diag", action="store_true",
                    help="add the diagnostic cells (floorA_poll, floorA_epoll, login14_c2, "
                         "init_under_ceiling, init_under_ceiling_nice) to the full plan")
    ap.add_argument("--alt-sql", metavar="FILE",
                    help="a one-parameter statement ($1 = the user's gid) for the extra "
                         "cell floorB_alt: try a rewrite of the session query")
    ap.add_argument("--hold", type=int, metavar="SECONDS",
                    help="start the stack, print where it is, keep it up SECONDS (or until "
                         "SIGINT/SIGTERM), then stop it: for profiling by hand")
    ap.add_argument("--profile", metavar="CELL", help="profile one cell (perf, system-wide)")
    ap.add_argument("--callgrind", action="store_true",
                    help="with --profile: signet14 as one process under callgrind instead")
    a = ap.parse_args()
    a.rounds = a.rounds or 3
    a.login_rounds = max(a.rounds, a.login_rounds or (a.rounds if a.quick else 7))
    if a.quick:
        a.duration = a.duration or 2
        a.duration17 = max(3, a.duration)
        a.mem_requests = a.mem_requests or 20000
    else:
        a.duration = a.duration or 10
        a.duration17 = max(15, a.duration)
        a.mem_requests = a.mem_requests or 100000
    a.login_conns = a.login_conns or 2 * a.hash_concurrency
    a.signup_conns = a.signup_conns or a.hash_concurrency
    a.cells = [c for c in a.cells.split(",") if c]
    a.extra_floors = [tuple(x.split(":", 1)) for x in a.extra_floor]
    for c in a.cells + (["floorA_poll", "floorA_epoll"] if a.diag and not a.cells else []):
        if c.startswith("floorA_"):
            a.extra_floors.append((c, c.split("_", 1)[1]))
    a.out = a.out or os.path.join(state_dir(), "bench")
    os.makedirs(a.out, exist_ok=True)
    a.work = tempfile.mkdtemp(prefix="signet-bench-")
    os.chmod(a.work, 0o755)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    t0 = time.monotonic()
    load0 = os.getloadavg()
    stack = Stack(a)
    b = Bench(a, stack)
    ok = False
    if a.profile:
        if not hasattr(Bench, "c_" + a.profile):
            ap.error("no such cell: %s" % a.profile)
        a.rounds = 1
        a.duration = a.duration or 10
    try:
        stack.start()
        if a.profile:
            profile(a, stack, b)
            ok = True
            return 0
        if a.hold:
            b.smoke()
            info = {"urls": stack.urls, "dsn": stack.pg.dsn, "jwt": b.jwt, "work": a.work,
                    "pids": {n: sg.pid for n, sg in stack.signets.items()},
                    "floors": {n: f.pid for n, f in stack.floors.items()},
                    "nginx": stack.nginx.pid, "smtp_sink": stack.sink.pid,
                    "better-auth": {"pid": stack.peer.pid, "cookie": stack.peer.cookie,
                                    "skipped": stack.peer.reason}}
            with open(os.path.join(a.out, "hold.json"), "w") as f:
                json.dump(info, f, indent=1)
            print(json.dumps(info, indent=1), flush=True)
            say("holding for %d s (%s/hold.json); SIGINT or SIGTERM stops it" % (a.hold, a.out))
            time.sleep(a.hold)
            ok = True
            return 0
        b.run()
        ok = True
    finally:
        finish(a, ok)
    elapsed = time.monotonic() - t0

    v = versions()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    text = []
    text.append("signet benchmarks, %s, %s" % (stamp, "quick" if a.quick else "full"))
    text.append("machine: %s, %d cores, %.0f GiB, Linux %s; load average before: %.2f %.2f %.2f" % (
        v["cpu"], v["cores"], v["mem_gib"], v["kernel"], *load0))
    text.append("%s, %s, wrk %s, libfcgi %s, libscrypt %s" % (
        v["nginx"], v["postgresql"], v["wrk"], v["libfcgi"], v["libscrypt"]))
    text.append("workers %d, hash_concurrency %d; %d rounds (the login pairs: %d), %d s cells "
                "(%d s for N=2^17); rounds took %.0f s, the whole run %.0f s" % (
                    a.workers, a.hash_concurrency, a.rounds, a.login_rounds, a.duration,
                    a.duration17, getattr(b, "rounds_seconds", 0), elapsed))
    text.append("")
    text.append(report(b, a))
    if stack.peer.wanted:
        text.append("")
        text.append("signet and its peer, side by side (the same rounds):")
        text.append("")
        text.append(peer.side_by_side(b, a, TOOLS))
    text.append("")
    text.append("Every cell (median, min-max over the rounds):")
    text.append("")
    text.append(latency_report(b))
    text.append("")
    text.append("CPU microseconds per request by process group (median over the rounds; "
                "'other' is whatever else the machine ran):")
    text.append("")
    text.append(cpu_report(b))
    if b.memory:
        text.append("")
        text.append("mails the sink accepted during the run: %d" % b.mails)
    write_results(a, "bench", "\n".join(text), {
        "args": {k: v for k, v in vars(a).items() if k != "extra_floors"},
        "versions": v, "rounds": b.rounds, "memory": b.memory,
        "peaks17": b.peaks17, "hashing_memory": b.hashing_memory,
        "peer": {"describe": stack.peer.describe(), "skipped": stack.peer.reason,
                 "memory": stack.peer.memory}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
