#!/usr/bin/python3
"""bench/scale.py: the measurements behind doc/scaling.md (issue 14).

Run through bench/scale (which builds build-bench/ first); see BENCHMARKS.md, "Through
pgbouncer" and "For the sizing".

    scale.py --build DIR --bin DIR [--quick] [--parts pooler,mailer,size] [--rounds N]
             [--duration S] [--mails N] [--accounts N]

Three parts, each on one host's worth of processes, all on 127.0.0.1, started and
stopped here with the test harness (tests/harness), every load bounded (wrk -d, a
timeout on every wait):

  pooler  one signet host three ways, each its own signet (4 x cores workers, scrypt
          N=2^14, throttles off) behind one nginx, on one PostgreSQL:
            direct    database = PostgreSQL, db_statements = prepared (the default)
            unnamed   database = PostgreSQL, db_statements = unnamed
            pooled    database = pgbouncer (contrib/pgbouncer/pgbouncer.ini, transaction
                      pooling), db_statements = unnamed, mailer_database = PostgreSQL
          cells: ceil14, ceil17 (bench/scrypt_ceiling: scrypt alone, hash_concurrency
          processes, N=2^14 and 2^17: the hash's cost on this machine);
          login_* (POST /api/login, 2 x hash_concurrency connections, 16 accounts);
          login_cheap_direct and login_cheap_pooled (two more signets with scrypt N=2^4
          and accounts hashed so, the default throttles, 16 connections: a login's work
          but its hash, at a rate where the database's share can be measured)
          and init_* (GET /api/init with a JWT, 16 connections) for each; signup_direct
          and signup_pooled (POST /api/signup_request, a new user each time,
          hash_concurrency connections, its mail queued and sent); init_pool1,
          init_pool2, init_pool4 (pooled, pgbouncer's pool cut to 1, 2, 4 server
          connections).  Server connections: the backends each signet holds (direct),
          pgbouncer's server connections and the most in use at once (SHOW POOLS,
          sampled every 100 ms).
  mailer  the outbox drained by M = 1, 2, 4 `signet --mailer` processes to a prompt SMTP
          sink (a process of its own): N mails queued at once, mails/s from the rows'
          created to the last sent_at, and the CPU per mail; then 200 mails queued one
          at a time (20/s, each NOTIFYing) with M = 1, 4, 8 mailers waiting: the
          database's commits and CPU per mail as every mailer wakes for every mail.
  size    100 real signups through the API (rows as signet writes them), then --accounts
          users, sent outbox rows and throttle rows cloned from them in a database of
          their own: bytes per row and per million (tables, TOAST and indexes).

Rounds alternate the order of the cells compared; a figure is the median over the rounds
with min-max.  Results: the tables on stdout and var/bench/scale-*.md, raw in .json.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import driver  # noqa: E402  (bench/driver.py: wrk, CPU meter, processes)
from driver import (NCPU, PASSWORD, PROCS, CpuMeter, Wrk, children_cpu, libscrypt_mcf,  # noqa: E402
                    med, say)

harness = driver.harness
from harness.pgbouncer import Pgbouncer  # noqa: E402


def fmt(xs, f="%.0f"):
    m, lo, hi = med(xs)
    if m is None:
        return "n/a"
    return (f + " (" + f + "-" + f + ")") % (m, lo, hi)


class Console:
    """A psql kept open (to PostgreSQL or to pgbouncer's console): query(sql) -> rows of
    str.  For sampling every 100 ms without a process per sample."""

    def __init__(self, pg, host, port, db, user):
        psql = os.path.join(pg.bindir, "psql")
        self.p = subprocess.Popen([psql if os.path.exists(psql) else "psql", "-X", "-q", "-A",
                                   "-t", "-F", "|", "-h", host, "-p", str(port), "-U", user,
                                   "-d", db], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, bufsize=1,
                                  start_new_session=True)   # PROCS stops process groups
        PROCS.adopt("psql console", self.p)
        self.lock = threading.Lock()

    def query(self, sql):
        with self.lock:
            self.p.stdin.write(sql.rstrip(";") + ";\n\\echo @@end@@\n")
            self.p.stdin.flush()
            rows = []
            while True:
                line = self.p.stdout.readline()
                if not line:
                    raise RuntimeError("psql console closed")
                line = line.rstrip("\n")
                if line == "@@end@@":
                    return rows
                if line:
                    rows.append(line.split("|"))


class Sampler(threading.Thread):
    """Calls fn() every interval seconds until finish(); keeps the max of each key."""

    def __init__(self, fn, interval=0.1):
        super().__init__(daemon=True)
        self.fn, self.interval, self.peak, self.n = fn, interval, {}, 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            for k, v in self.fn().items():
                self.peak[k] = max(self.peak.get(k, 0), v)
            self.n += 1
            self._halt.wait(self.interval)

    def finish(self):
        self._halt.set()
        self.join(5)
        return self.peak


# ------------------------------------------------------------------------ the stack

class Stack:
    SETUPS = ("direct", "unnamed", "pooled", "cheap_direct", "cheap_pooled")

    def __init__(self, a):
        self.a = a
        self.work = a.work
        self.signets, self.urls, self.ports = {}, {}, {}

    def start(self):
        say("PostgreSQL (private cluster)")
        self.pg = harness.Postgres()
        PROCS.on_cleanup("postgres", self.pg.destroy)
        self.pool = Pgbouncer(self.pg, directory=os.path.join(self.work, "pgbouncer"))
        PROCS.on_cleanup("pgbouncer", self.pool.stop)
        self.pool_size = int(re.search(r"^default_pool_size = (\d+)", open(
            self.pool.conf).read(), re.M).group(1))
        port = harness.free_port()
        self.maildir = os.path.join(self.work, "mail")
        self.sink = PROCS.adopt("smtp sink", harness.spawn_sink(
            port, os.path.join(self.work, "smtp_sink.log"), maildir=self.maildir))
        self.smtp = type("Smtp", (), {"host": "127.0.0.1", "port": port})()
        self.keys = harness.Keys(os.path.join(self.work, "keys"))
        for name in self.SETUPS:
            self.start_signet(name)
        self.load_data()
        self.nginx = harness.Nginx(os.path.join(self.work, "nginx"), for_load=True,
                                   servers=[(self.ports[n], self.signets[n].socket)
                                            for n in self.SETUPS])
        PROCS.on_cleanup("nginx", self.nginx.stop)
        self.nginx.start()
        for n in self.SETUPS:
            self.urls[n] = "http://127.0.0.1:%d" % self.ports[n]
        self.pgc = Console(self.pg, self.pg.host, self.pg.port, "signet", "postgres")
        self.poolc = Console(self.pg, self.pool.host, self.pool.port, "pgbouncer", "postgres")

    def conninfo(self, host, port, app):
        return "host=%s port=%d dbname=signet user=signet application_name=%s" % (
            host, port, app)

    def start_signet(self, name):
        a = self.a
        port = harness.free_port()
        self.ports[name] = port
        direct = self.conninfo(self.pg.host, self.pg.port, "bench-" + name)
        cheap = name.startswith("cheap")
        cfg = {"workers": a.workers, "hash_concurrency": a.hash_concurrency,
               "scrypt_n": 1 << (4 if cheap else 14), "scrypt_r": 8, "scrypt_p": 1,
               "throttle_exempt": "127.0.0.0/8", "database": direct,
               "mailer_database": self.conninfo(self.pg.host, self.pg.port,
                                                "bench-%s-mailer" % name),
               "db_statements": "prepared" if name.endswith("direct") else "unnamed"}
        if cheap:
            # a queue for every connection of the cell: its hashes take a millisecond,
            # and admission control's 503s are not what is measured here
            cfg.update(scrypt_weak_ok="yes", hash_queue=32)
        if name.endswith("pooled"):
            cfg["database"] = self.conninfo(self.pool.host, self.pool.port, "bench-" + name)
        # Throttles off where the load comes from a few accounts at the hash's pace; the
        # cheap signets keep the default ones (their logins succeed, so an account's
        # try is reserved and cleared: a login's statements as in production).
        for k in sorted(driver.conf_keys()):
            if k.startswith("throttle_") and k != "throttle_exempt" and not cheap:
                cfg[k] = 0
        s = harness.Signet(os.path.join(self.work, name), self.pg, self.smtp, self.keys,
                           "http://127.0.0.1:%d" % port, extra_config=cfg,
                           builddir=a.build, name=name, public=False)
        PROCS.on_cleanup(name, lambda: s.stop(timeout=60, check=False))
        say("%s: %d workers, hash_concurrency %d, N=2^%d, %s" % (
            name, a.workers, a.hash_concurrency, 4 if cheap else 14, cfg["database"]))
        s.start()
        self.signets[name] = s

    def load_data(self):
        say("data: 100k filler users, %d login users (N=2^14)" % self.a.login_users)
        self.pg.sql("""
            INSERT INTO users (username, email, status, verified_at)
                SELECT 'filler' || g, 'filler' || g || '@example.org', 'active', now()
                FROM generate_series(1, 100000) g;
            ANALYZE;""")
        for logn in (4, 14):
            mcf = libscrypt_mcf(PASSWORD, 1 << logn, 8, 1)
            self.pg.sql("INSERT INTO users (username, email, password, status, verified_at) "
                        "SELECT 'b%du' || g, 'b%du' || g || '@example.org', $1, 'active', "
                        "now() FROM generate_series(0, %d) g" % (
                            logn, logn, self.a.login_users - 1), mcf)


# ------------------------------------------------------------------------ the pooler part

class PoolerBench:
    def __init__(self, a, s):
        self.a, self.s = a, s
        self.rounds = []
        groups = {"nginx": lambda: s.nginx.pid, "pgbouncer": lambda: s.pool.proc.pid,
                  "postgres": lambda: s.pg.pid(), "sink": lambda: s.sink.pid}
        for n in Stack.SETUPS:
            groups["signet_" + n] = (lambda n=n: s.signets[n].pid)
        self.groups = groups
        # the columns of SHOW POOLS and SHOW SERVERS in this pgbouncer's version
        s.pool.wait_serving()
        self.pool_cols = list(s.pool.show("POOLS")[0].keys())
        self.stats_cols = list(s.pool.show("STATS")[0].keys())
        self.server_cols = list((s.pool.show("SERVERS") or [{"type": 0, "user": 0,
                                                             "database": 0}])[0].keys())

    def smoke(self):
        s = self.s
        for n in Stack.SETUPS:
            api = harness.Api(s.urls[n])
            # each its own accounts: a login with other scrypt parameters rehashes
            user = "b4u0" if n.startswith("cheap") else "b14u0"
            r = api.post("/api/login", json={"username": user, "password": PASSWORD})
            assert r.status_code == 200, "%s login: %d %s" % (n, r.status_code, r.text)
            self.jwt = r.headers["Authorization"]
            r = api.get("/api/init", headers={"Authorization": "Bearer " + self.jwt})
            assert r.status_code == 200, "%s init: %s" % (n, r.text)

    def pools(self):
        """pgbouncer's pool of signet: server connections active, idle, used, tested,
        login, and clients waiting."""
        for r in self.s.poolc.query("SHOW POOLS"):
            d = dict(zip(self.pool_cols, r))
            if d.get("database") == "signet":
                sv = sum(int(d[k]) for k in ("sv_active", "sv_idle", "sv_used", "sv_tested",
                                             "sv_login"))
                return {"sv_active": int(d["sv_active"]), "sv_open": sv,
                        "cl_waiting": int(d["cl_waiting"])}
        return {}

    def backends(self, app):
        rows = self.s.pgc.query("SELECT count(*), count(*) FILTER (WHERE state = 'active') "
                                "FROM pg_stat_activity WHERE application_name = '%s'" % app)
        return {"backends": int(rows[0][0]), "active": int(rows[0][1])}

    def db_counters(self):
        """PostgreSQL's counters of database signet (commits, rows written), and
        pgbouncer's (transactions, queries) of its pool of signet.  Backends report at
        most once a second: call after a pause."""
        r = self.s.pgc.query("SELECT xact_commit + xact_rollback, tup_inserted + "
                             "tup_updated + tup_deleted FROM pg_stat_database WHERE "
                             "datname = 'signet'")[0]
        out = {"commits": int(r[0]), "written": int(r[1])}
        for row in self.s.poolc.query("SHOW STATS"):
            d = dict(zip(self.stats_cols, row))
            if d.get("database") == "signet":
                out["pool_xacts"] = int(d["total_xact_count"])
                out["pool_queries"] = int(d["total_query_count"])
        return out

    def cell(self, name, setup, path, conns, script="get.lua", args=(), headers=()):
        a = self.a
        time.sleep(1.2)
        before = self.db_counters()
        if setup.endswith("pooled"):
            sample = self.pools
        else:
            sample = lambda: self.backends("bench-" + setup)  # noqa: E731
        sampler = Sampler(sample)
        meter = CpuMeter(self.groups)
        c0 = children_cpu()
        meter.start()
        sampler.start()
        try:
            r = Wrk(self.s.urls[setup] + path, a.duration, conns, script, args, headers).result()
        finally:
            peak = sampler.finish()
        r["cpu"] = meter.stop({"wrk": children_cpu() - c0})
        time.sleep(1.2)
        after = self.db_counters()
        r["db"] = {k: (after[k] - before.get(k, 0)) / max(1, r["requests"]) for k in after}
        r["conns"] = peak
        r["samples"] = sampler.n
        if setup.endswith("pooled"):
            i = self.server_cols.index("database")
            r["servers"] = len([x for x in self.s.poolc.query("SHOW SERVERS")
                                if len(x) > i and x[i] == "signet"])
        return r

    def set_pool(self, n):
        c = self.s.poolc
        c.query("SET default_pool_size = %d" % n)
        c.query("RECONNECT signet")
        c.query("WAIT_CLOSE signet")

    def login(self, setup):
        if setup.startswith("cheap"):
            # N=2^4: the hash costs next to nothing, so the rest of a login (its
            # statements, pgbouncer, PostgreSQL) shows at a rate where it counts
            return self.cell("login_" + setup, setup, "/api/login", 16, "login.lua",
                             ["b4u", self.a.login_users, PASSWORD])
        return self.cell("login_" + setup, setup, "/api/login", 2 * self.a.hash_concurrency,
                         "login.lua", ["b14u", self.a.login_users, PASSWORD])

    def init(self, setup, pool=None):
        if setup == "pooled":
            self.set_pool(pool or self.s.pool_size)
        try:
            return self.cell("init_" + setup, setup, "/api/init", 16,
                             headers=["Authorization: Bearer " + self.jwt])
        finally:
            if pool:
                self.set_pool(self.s.pool_size)

    def signup(self, setup):
        self.tag = getattr(self, "tag", 0) + 1
        return self.cell("signup_" + setup, setup, "/api/signup_request",
                         self.a.hash_concurrency, "signup.lua",
                         ["%s%d" % (setup[0], self.tag), PASSWORD])

    def ceiling(self, logn):
        seconds = self.a.duration if logn == 14 else max(15, self.a.duration)
        meter = CpuMeter(self.groups)
        c0 = children_cpu()
        meter.start()
        r = driver.ceiling(self.a.bin, 1 << logn, seconds, self.a.hash_concurrency)
        r["cpu"] = meter.stop({"wrk": children_cpu() - c0})
        return r

    def groups_of_cells(self):
        return [
            [("ceil17", lambda: self.ceiling(17))],
            [("signup_direct", lambda: self.signup("direct")),
             ("signup_pooled", lambda: self.signup("pooled"))],
            [("ceil14", lambda: self.ceiling(14)),
             ("login_direct", lambda: self.login("direct")),
             ("login_unnamed", lambda: self.login("unnamed")),
             ("login_pooled", lambda: self.login("pooled"))],
            [("login_cheap_direct", lambda: self.login("cheap_direct")),
             ("login_cheap_pooled", lambda: self.login("cheap_pooled"))],
            [("init_direct", lambda: self.init("direct")),
             ("init_unnamed", lambda: self.init("unnamed")),
             ("init_pooled", lambda: self.init("pooled"))],
            [("init_pool1", lambda: self.init("pooled", 1)),
             ("init_pool2", lambda: self.init("pooled", 2)),
             ("init_pool4", lambda: self.init("pooled", 4))],
        ]

    def run(self):
        self.smoke()
        say("warm-up")
        saved, self.a.duration = self.a.duration, 1
        for g in self.groups_of_cells():
            for name, fn in g:
                if not name.startswith("ceil") and (not self.a.cells or name in self.a.cells):
                    fn()
        self.a.duration = saved
        for i in range(self.a.rounds):
            rnd = {}
            for g in self.groups_of_cells():
                for name, fn in (g if i % 2 == 0 else list(reversed(g))):
                    if self.a.cells and name not in self.a.cells:
                        continue
                    say("pooler round %d/%d: %s" % (i + 1, self.a.rounds, name))
                    rnd[name] = fn()
            self.rounds.append(rnd)
        # What each signet holds when idle: its workers' (and mailer's) connections.
        self.idle = {n: self.backends("bench-" + n)["backends"] for n in Stack.SETUPS}
        self.idle_mailers = {n: self.backends("bench-%s-mailer" % n)["backends"]
                             for n in Stack.SETUPS}

    def report(self):
        R = self.rounds
        col = lambda c, f: [f(r[c]) for r in R if c in r]  # noqa: E731
        rate = lambda c: col(c, lambda x: x["rate"])  # noqa: E731
        ratio = lambda a, b: [r[a]["rate"] / r[b]["rate"] for r in R  # noqa: E731
                              if a in r and b in r and r[b]["rate"]]

        def us(c, group):
            return col(c, lambda x: x["cpu"].get(group, 0) / x["requests"] * 1e6)

        def stack_us(c):
            return col(c, lambda x: sum(v for k, v in x["cpu"].items()
                                        if not k.startswith("_")) / x["requests"] * 1e6)
        out = []
        out.append("| cell | req/s | vs direct | p50 ms | p99 ms | errors | stack CPU us/req | "
                   "signet | pgbouncer | postgres | nginx | other | server connections |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for c in ("signup_direct", "signup_pooled",
                  "login_direct", "login_unnamed", "login_pooled", "login_cheap_direct",
                  "login_cheap_pooled", "init_direct",
                  "init_unnamed", "init_pooled", "init_pool4", "init_pool2", "init_pool1"):
            if not any(c in r for r in R):
                continue
            setup = "pooled" if "_pool" in c and not c.endswith("pooled") else \
                c.split("_", 1)[1]
            base = c.rsplit("_", 1)[0] + "_direct"
            if setup.endswith("pooled"):
                conns = "%s open, at most %s active at once" % (
                    fmt(col(c, lambda x: x["servers"])),
                    fmt(col(c, lambda x: x["conns"].get("sv_active", 0))))
                wait = max(col(c, lambda x: x["conns"].get("cl_waiting", 0)) or [0])
                if wait:
                    conns += "; up to %d clients waiting" % wait
            else:
                conns = "%s held, at most %s active at once" % (
                    fmt(col(c, lambda x: x["conns"].get("backends", 0))),
                    fmt(col(c, lambda x: x["conns"].get("active", 0))))
            errors = sum(x["status"] + x["connect"] + x["read"] + x["write"] + x["timeout"]
                         for x in col(c, lambda x: x))
            out.append("| %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                c, fmt(rate(c), "%.0f" if c.startswith("init") else "%.1f"),
                "-" if c == base else fmt(ratio(c, base), "%.3f"),
                fmt(col(c, lambda x: x["p50"] / 1000), "%.2f"),
                fmt(col(c, lambda x: x["p99"] / 1000), "%.2f"), errors,
                fmt(stack_us(c)), fmt(us(c, "signet_" + setup)), fmt(us(c, "pgbouncer")),
                fmt(us(c, "postgres")), fmt(us(c, "nginx")),
                fmt(col(c, lambda x: x["cpu"]["_other"] / x["requests"] * 1e6)), conns))
        out.append("")
        out.append("Database work per request: commits and rows written from pg_stat_database "
                   "of signet (approximate: a backend reports at most once a second, an idle "
                   "one within 10 s), transactions and queries from pgbouncer's SHOW STATS "
                   "(exact); the mailers' share included:")
        out.append("")
        out.append("| cell | commits | rows written | transactions through pgbouncer | "
                   "queries through pgbouncer |")
        out.append("|---|---|---|---|---|")
        for c in ("signup_direct", "signup_pooled", "login_direct", "login_unnamed",
                  "login_pooled", "login_cheap_direct", "login_cheap_pooled", "init_direct",
                  "init_unnamed", "init_pooled"):
            if not any(c in r for r in R):
                continue
            pooled = c.endswith("pooled")
            out.append("| %s | %s | %s | %s | %s |" % (
                c, fmt(col(c, lambda x: x["db"]["commits"]), "%.2f"),
                fmt(col(c, lambda x: x["db"]["written"]), "%.2f"),
                fmt(col(c, lambda x: x["db"].get("pool_xacts", 0)), "%.2f") if pooled else "-",
                fmt(col(c, lambda x: x["db"].get("pool_queries", 0)), "%.2f") if pooled else "-"))
        out.append("")
        cpu_ms = lambda c: col(c, lambda x: x["cpu"].get("wrk", 0) / x["requests"] * 1e3)  # noqa: E731
        if any("ceil14" in r for r in R):
            out.append("scrypt alone (bench/scrypt_ceiling, %d processes = hash_concurrency, "
                       "r=8 p=1): N=2^14 %s hashes/s, %s ms per hash (CPU %s ms); N=2^17 %s "
                       "hashes/s, %s ms per hash (CPU %s ms).  Logins against that ceiling in "
                       "the same rounds: direct %s, unnamed %s, pooled %s." % (
                           self.a.hash_concurrency, fmt(rate("ceil14"), "%.1f"),
                           fmt(col("ceil14", lambda x: x["ms_per_hash"]), "%.1f"),
                           fmt(cpu_ms("ceil14"), "%.1f"),
                           fmt(rate("ceil17"), "%.2f"),
                           fmt(col("ceil17", lambda x: x["ms_per_hash"]), "%.0f"),
                           fmt(cpu_ms("ceil17"), "%.0f"),
                           fmt(ratio("login_direct", "ceil14"), "%.3f"),
                           fmt(ratio("login_unnamed", "ceil14"), "%.3f"),
                           fmt(ratio("login_pooled", "ceil14"), "%.3f")))
        out.append("")
        out.append("Idle, after the rounds: PostgreSQL backends of each signet's workers "
                   "(and master): %s; of its mailer: %s; pgbouncer's pool: %d server "
                   "connections at most (default_pool_size)." % (
                       ", ".join("%s %d" % kv for kv in self.idle.items()),
                       ", ".join("%s %d" % kv for kv in self.idle_mailers.items()),
                       self.s.pool_size))
        return "\n".join(out)


# ------------------------------------------------------------------------ the mailer part

def mail_body():
    with open(os.path.join(driver.TOP, "etc", "templates", "en", "signup_code.txt")) as f:
        text = f.read().split("\n", 2)[2]
    return (text.replace("{{username}}", "annabelle-smith").replace("{{code}}", "493012")
            .replace("{{minutes}}", "15"))


class MailerBench:
    def __init__(self, a, s):
        self.a, self.s = a, s
        self.rounds = []
        s.pg.sql("DROP DATABASE IF EXISTS signet_mailer", db="postgres")
        self.db = harness.OtherDatabase(s.pg, "signet_mailer")
        port = harness.free_port()
        self.sink = PROCS.adopt("smtp sink (mailer)", harness.spawn_sink(
            port, os.path.join(a.work, "smtp_sink_mailer.log")))
        smtp = type("Smtp", (), {"host": "127.0.0.1", "port": port})()
        self.sg = harness.Signet(os.path.join(a.work, "mailer"), self.db, smtp, s.keys,
                                 "http://127.0.0.1:9", builddir=a.build, name="mailers",
                                 public=False, extra_config={"database": self.db.dsn})
        self.sg.write_config()
        self.sg.migrate()
        self.body = mail_body()

    def mailers(self, m):
        mailers = [harness.Mailer(self.sg.binary, self.sg.conf,
                                  os.path.join(self.a.work, "mailer-%d.log" % i))
                   for i in range(m)]
        for x in mailers:
            x.start()
            PROCS.on_cleanup("mailer", lambda x=x: x.stop() if x.running() else None)
        time.sleep(1)   # connected and listening
        return mailers

    def commits(self):
        return int(self.s.pgc.query("SELECT xact_commit + xact_rollback FROM "
                                    "pg_stat_database WHERE datname = 'signet_mailer'")[0][0])

    def trickle(self, m, n):
        """m idle mailers, LISTENing; n mails queued one at a time, 20 a second, each
        with its NOTIFY (as signups queue them): what every mail costs the database
        with m mailers woken by it."""
        pg = self.db
        mailers = self.mailers(m)
        console = Console(self.s.pg, self.s.pg.host, self.s.pg.port, pg.dbname, "postgres")
        groups = {"mailers": lambda: [x.proc.pid for x in mailers if x.proc],
                  "postgres": lambda: self.s.pg.pid()}
        time.sleep(1.2)
        c0 = self.commits()
        meter = CpuMeter(groups)
        meter.start()
        t0 = time.monotonic()
        try:
            for i in range(n):
                console.query("INSERT INTO mail_outbox (recipient, subject, body) VALUES "
                              "('t%d@example.org', 'Your verification code', 'x'); "
                              "SELECT pg_notify('signet_mail', '')" % i)
                time.sleep(max(0, t0 + (i + 1) / 20.0 - time.monotonic()))
            harness.wait_until(lambda: pg.sql_value(
                "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL",
                db=pg.dbname) == "0", 60, "the outbox to drain", interval=0.25)
            time.sleep(1.2)
            cpu = meter.stop()
            commits = self.commits() - c0
        finally:
            for x in mailers:
                x.stop()
            console.p.stdin.close()
            console.p.wait(10)
        pg.sql("DELETE FROM mail_outbox", db=pg.dbname)
        # the test's own INSERT + NOTIFY is one of the commits and part of the CPU
        return {"mails": n, "commits": commits / n, "cpu": cpu}

    def drain(self, m, n):
        pg = self.db
        mailers = self.mailers(m)
        groups = {"mailers": lambda: [x.proc.pid for x in mailers if x.proc],
                  "postgres": lambda: self.s.pg.pid(), "sink": lambda: self.sink.pid}
        meter = CpuMeter(groups)
        meter.start()
        pg.sql("INSERT INTO mail_outbox (recipient, subject, body) SELECT 'm' || g || "
               "'@example.org', 'Your verification code', $1 FROM generate_series(1, %d) g; "
               "SELECT pg_notify('signet_mail', '')" % n, self.body, db=pg.dbname)
        try:
            harness.wait_until(lambda: pg.sql_value(
                "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL",
                db=pg.dbname) == "0", max(120, n / 5), "the outbox to drain", interval=0.25)
        finally:
            cpu = meter.stop()
            for x in mailers:
                x.stop()
        row = pg.sql("SELECT count(*), extract(epoch FROM max(sent_at) - min(created)), "
                     "count(*) FILTER (WHERE failed_at IS NOT NULL) FROM mail_outbox",
                     db=pg.dbname)[0]
        pg.sql("DELETE FROM mail_outbox", db=pg.dbname)
        sent, secs, failed = int(row[0]), float(row[1]), int(row[2])
        assert failed == 0, "%d mails failed" % failed
        return {"mails": sent, "seconds": secs, "rate": sent / secs, "cpu": cpu}

    def run(self):
        say("mailer: warm-up")
        self.drain(1, 50)
        for i in range(self.a.rounds):
            rnd = {}
            for m in ((1, 2, 4) if i % 2 == 0 else (4, 2, 1)):
                say("mailer round %d/%d: %d mailer(s), %d mails" % (
                    i + 1, self.a.rounds, m, self.a.mails))
                rnd[m] = self.drain(m, self.a.mails)
            for m in ((1, 4, 8) if i % 2 == 0 else (8, 4, 1)):
                say("mailer round %d/%d: %d idle mailer(s), 200 mails one at a time" % (
                    i + 1, self.a.rounds, m))
                rnd["trickle%d" % m] = self.trickle(m, 200)
            self.rounds.append(rnd)

    def report(self):
        out = ["| mailers | mails/s | CPU ms per mail: mailers | postgres | sink (Python) |",
               "|---|---|---|---|---|"]
        for m in (1, 2, 4):
            rs = [r[m] for r in self.rounds if m in r]
            per = lambda g: [x["cpu"].get(g, 0) / x["mails"] * 1e3 for x in rs]  # noqa: E731
            out.append("| %d | %s | %s | %s | %s |" % (
                m, fmt([x["rate"] for x in rs]), fmt(per("mailers"), "%.2f"),
                fmt(per("postgres"), "%.2f"), fmt(per("sink"), "%.2f")))
        out += ["", "Mails queued one at a time (20 a second, each with its NOTIFY) while M "
                "mailers wait: every mailer wakes for every mail.", "",
                "| idle mailers | commits per mail | PostgreSQL CPU ms per mail | mailers' "
                "CPU ms per mail |", "|---|---|---|---|"]
        for m in (1, 4, 8):
            rs = [r["trickle%d" % m] for r in self.rounds if "trickle%d" % m in r]
            if not rs:
                continue
            per = lambda g: [x["cpu"].get(g, 0) / x["mails"] * 1e3 for x in rs]  # noqa: E731
            out.append("| %d | %s | %s | %s |" % (
                m, fmt([x["commits"] for x in rs], "%.1f"), fmt(per("postgres"), "%.2f"),
                fmt(per("mailers"), "%.2f")))
        return "\n".join(out)


# ------------------------------------------------------------------------ the size part

class SizeBench:
    """Rows as signet writes them, then --accounts of each cloned from those."""

    def __init__(self, a, s):
        self.a, self.s = a, s

    def start_signet(self):
        """A signet with the default throttles (none exempt): rows as a real one writes."""
        s = self.s
        port = harness.free_port()
        # a sink of its own, in this process: its mails at hand, not among thousands
        self.smtp = harness.SmtpSink()
        PROCS.on_cleanup("smtp sink (sizing)", self.smtp.stop)
        # and a database of its own: the other signets' mailers would take its mail
        s.pg.sql("DROP DATABASE IF EXISTS signet_rows", db="postgres")
        self.rowdb = harness.OtherDatabase(s.pg, "signet_rows")
        sg = harness.Signet(os.path.join(self.a.work, "sizing"), self.rowdb, self.smtp, s.keys,
                            "http://127.0.0.1:%d" % port, builddir=self.a.build,
                            name="sizing", public=False,
                            extra_config={"scrypt_n": 1 << 14, "throttle_exempt": "",
                                          "workers": 2})
        PROCS.on_cleanup("sizing", lambda: sg.stop(timeout=60, check=False))
        sg.start(migrate=True)
        n = harness.Nginx(os.path.join(self.a.work, "nginx-sizing"), port, sg.socket)
        PROCS.on_cleanup("nginx-sizing", n.stop)
        n.start()
        return harness.Api(n.url)

    def real_signups(self, n=100):
        api = self.start_signet()
        for i in range(n):
            # names and addresses of common lengths: 8-14 and 20-30 characters
            ident = {"username": "size%04dann" % i,
                     "email": "annabelle.size%04d@example.org" % i, "password": PASSWORD}
            r = api.post("/api/signup_request", json=ident)
            assert r.status_code == 200, r.text
            vcode = r.json()["result"]["validation_code"]
            code = harness.extract_code(self.smtp.wait_for(to=ident["email"], timeout=30))
            r = api.post("/api/signup", json=dict(ident, validation_code=vcode,
                                                   verification_code=code))
            assert r.status_code == 200, r.text
            r = api.post("/api/login", json={"username": ident["username"],
                                             "password": PASSWORD})
            assert r.status_code == 200, r.text

    def row_sizes(self):
        pg = self.rowdb
        q = lambda sql: float(pg.sql_value(sql) or 0)  # noqa: E731
        return {
            "users": q("SELECT avg(pg_column_size(u.*)) FROM users u WHERE username LIKE "
                       "'size%'"),
            "users_password": q("SELECT avg(pg_column_size(password)) FROM users WHERE "
                                "username LIKE 'size%'"),
            "mail_outbox": q("SELECT avg(pg_column_size(m.*)) FROM mail_outbox m WHERE "
                             "recipient LIKE 'annabelle.size%' AND sent_at IS NOT NULL"),
            "throttles": q("SELECT avg(pg_column_size(t.*)) FROM throttles t WHERE key LIKE "
                           "'%annabelle.size%'"),
            "throttles_per_signup": q("SELECT count(*) / 100.0 FROM throttles WHERE key LIKE "
                                      "'%annabelle.size%'"),
            "pending_left": q("SELECT count(*) FROM pending_signups WHERE email LIKE "
                              "'annabelle.size%'"),
        }

    def clone(self, n):
        """n users, n sent outbox rows and the throttle rows of n signups, copied from the
        real ones (same column sizes) into a database of their own, signet_size."""
        pg = self.s.pg
        pg.sql("DROP DATABASE IF EXISTS signet_size", db="postgres")
        db = harness.OtherDatabase(pg, "signet_size")
        sg = harness.Signet(os.path.join(self.a.work, "size"), db, None, self.s.keys,
                            "http://127.0.0.1:9", builddir=self.a.build, public=False,
                            extra_config={"database": db.dsn}, name="size")
        sg.write_config()
        sg.migrate()
        src = self.rowdb
        users = src.sql_value(
            "SELECT json_agg(t) FROM (SELECT username, email, password, name, status, "
            "language, timezone, consent, verified_at, last_login FROM users WHERE "
            "username LIKE 'size%') t")
        mail = src.sql_value(
            "SELECT json_agg(t) FROM (SELECT recipient, subject, attempts, sent_at, created "
            "FROM mail_outbox WHERE recipient LIKE 'annabelle.size%' AND sent_at IS NOT NULL "
            "LIMIT 1) t")
        throttles = src.sql_value(
            "SELECT json_agg(t) FROM (SELECT key, window_start, count, last_at FROM "
            "throttles WHERE key LIKE '%annabelle.size0000%') t")
        # 'c0000001' replaces the first 8 characters: the same lengths as the real rows.
        db.sql("""
            CREATE TEMP TABLE u AS SELECT row_number() OVER () - 1 AS i, * FROM
                json_to_recordset($1::json) AS t(username text, email text, password text,
                name text, status text, language text, timezone text, consent int,
                verified_at timestamptz, last_login timestamptz);
            INSERT INTO users (username, email, password, name, status, language, timezone,
                               consent, verified_at, last_login)
                SELECT 'c' || lpad(g::text, 7, '0') || substr(u.username, 9),
                       'c' || lpad(g::text, 7, '0') || substr(u.email, 9),
                       u.password, u.name, u.status, u.language, u.timezone, u.consent,
                       u.verified_at, u.last_login
                FROM generate_series(1, %d) g JOIN u ON u.i = g %% (SELECT count(*) FROM u);
            INSERT INTO mail_outbox (recipient, subject, body, attempts, sent_at, created)
                SELECT 'c' || lpad(g::text, 7, '0') || substr(m.recipient, 9), m.subject,
                       NULL, m.attempts, m.sent_at, m.created
                FROM generate_series(1, %d) g, json_to_recordset($2::json) AS m(
                    recipient text, subject text, attempts int, sent_at timestamptz,
                    created timestamptz);
            INSERT INTO throttles (key, window_start, count, last_at)
                SELECT replace(t.key, 'annabelle.size0000', 'c' || lpad(g::text, 7, '0')
                               || 'e.size'), t.window_start, t.count, t.last_at
                FROM generate_series(1, %d) g, json_to_recordset($3::json) AS t(key text,
                    window_start timestamptz, count int, last_at timestamptz);
            VACUUM ANALYZE;""" % (n, n, n), users, mail, throttles, db=db.dbname)
        out = {}
        for table in ("users", "mail_outbox", "throttles"):
            row = db.sql("SELECT count(*), pg_relation_size($1), pg_table_size($1), "
                         "pg_indexes_size($1), pg_total_relation_size($1) FROM " + table,
                         table, db=db.dbname)[0]
            out[table] = dict(zip(("rows", "heap", "table", "indexes", "total"),
                                  (int(x) for x in row)))
            out[table]["indexes_each"] = {r[0]: int(r[1]) for r in db.sql(
                "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM "
                "pg_index WHERE indrelid = $1::regclass", table, db=db.dbname)}
        return out

    def run(self):
        say("size: 100 real signups, then %d clones" % self.a.accounts)
        self.real_signups()
        self.rows = self.row_sizes()
        self.tables = self.clone(self.a.accounts)

    def report(self):
        out = ["Rows as signet wrote them (100 signups with a login each), average "
               "pg_column_size: users %.0f bytes (its password, the scrypt MCF, %.0f), a sent "
               "mail_outbox row %.0f, a throttles row %.0f (%.1f rows per signup); pending "
               "signups left after step 2: %d." % (
                   self.rows["users"], self.rows["users_password"], self.rows["mail_outbox"],
                   self.rows["throttles"], self.rows["throttles_per_signup"],
                   self.rows["pending_left"]), "",
               "| table | rows | heap | table (with TOAST, FSM, VM) | indexes | total | per "
               "row | per million rows |", "|---|---|---|---|---|---|---|---|"]
        for t, v in self.tables.items():
            if not v["rows"]:
                out.append("| %s | 0 | | | | | | |" % t)
                continue
            out.append("| %s | %d | %.1f MB | %.1f MB | %.1f MB | %.1f MB | %.0f B | %.0f MB |" % (
                t, v["rows"], v["heap"] / 1e6, v["table"] / 1e6, v["indexes"] / 1e6,
                v["total"] / 1e6, v["total"] / v["rows"], v["total"] / v["rows"]))
            out.append("| (indexes of %s) | | %s | | | | | |" % (t, ", ".join(
                "%s %.1f MB" % (k, b / 1e6) for k, b in v["indexes_each"].items())))
        return "\n".join(out)


# ------------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True, help="signet's build directory (src/signet)")
    ap.add_argument("--bin", required=True, help="where scrypt_ceiling is")
    ap.add_argument("--out", help="where the results go (default: var/bench)")
    ap.add_argument("--quick", action="store_true", help="short cells, for smoke testing")
    ap.add_argument("--parts", default="pooler,mailer,size")
    ap.add_argument("--cells", default="", help="only these cells of the pooler part "
                    "(comma-separated, e.g. login_cheap_direct,login_cheap_pooled)")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--duration", type=int, help="seconds per wrk cell (default 10)")
    ap.add_argument("--mails", type=int, help="mails per mailer cell (default 2000)")
    ap.add_argument("--accounts", type=int, help="accounts cloned (default 100000)")
    ap.add_argument("--workers", type=int, default=4 * NCPU)
    ap.add_argument("--hash-concurrency", type=int, default=NCPU)
    ap.add_argument("--login-users", type=int, default=16)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    a.parts = [p for p in a.parts.split(",") if p]
    a.cells = [c for c in a.cells.split(",") if c]
    a.rounds = a.rounds or (1 if a.quick else 3)
    a.duration = a.duration or (2 if a.quick else 10)
    a.mails = a.mails or (200 if a.quick else 2000)
    a.accounts = a.accounts or (10000 if a.quick else 100000)
    a.out = a.out or os.path.join(driver.state_dir(), "bench")
    os.makedirs(a.out, exist_ok=True)
    a.work = tempfile.mkdtemp(prefix="signet-scale-")
    os.chmod(a.work, 0o755)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, driver.on_signal)

    t0 = time.monotonic()
    load0 = os.getloadavg()
    s = Stack(a)
    parts = {}
    ok = False
    try:
        s.start()
        if "pooler" in a.parts:
            parts["pooler"] = PoolerBench(a, s)
            parts["pooler"].run()
        if "mailer" in a.parts:
            parts["mailer"] = MailerBench(a, s)
            parts["mailer"].run()
        if "size" in a.parts:
            parts["size"] = SizeBench(a, s)
            parts["size"].run()
        ok = True
    finally:
        driver.finish(a, ok)
    v = driver.versions()
    pgb = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "pgbouncer"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
    text = ["signet scale measurements (bench/scale), %s%s" % (
        time.strftime("%Y-%m-%dT%H:%M:%S"), ", quick" if a.quick else ""),
        "machine: %s, %d cores, %.0f GiB, Linux %s; load average before: %.2f %.2f %.2f" % (
            v["cpu"], v["cores"], v["mem_gib"], v["kernel"], *load0),
        "%s, %s, pgbouncer %s, wrk %s" % (v["nginx"], v["postgresql"], pgb, v["wrk"]),
        "workers %d, hash_concurrency %d, scrypt N=2^14 r=8 p=1; %d rounds, %d s cells; "
        "the whole run %.0f s" % (a.workers, a.hash_concurrency, a.rounds, a.duration,
                                  time.monotonic() - t0), ""]
    titles = {"pooler": "One host: direct, unnamed statements, through pgbouncer",
              "mailer": "The outbox drained by M mailers (%d mails each cell)" % a.mails,
              "size": "Database size (%d accounts cloned from real rows)" % a.accounts}
    for name, part in parts.items():
        text += ["### " + titles[name], "", part.report(), ""]
    raw = {"args": vars(a), "versions": v}
    for name, part in parts.items():
        raw[name] = {k: getattr(part, k) for k in ("rounds", "idle", "idle_mailers", "rows",
                                                   "tables") if hasattr(part, k)}
    driver.write_results(a, "scale", "\n".join(text), raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
