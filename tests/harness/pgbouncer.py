"""pgbouncer (Debian 12: 1.18) in transaction pooling in front of a harness Postgres:
the integration suite through a pooler (SIGNET_TEST_PGBOUNCER=1), the namespace test
and the benchmarks.

    pool = Pgbouncer(pg)                  # 127.0.0.1:<free port>, started
    pool.dsn                              # signet's `database` through the pool
    pool.dsn_for("other")                 # another database of the same cluster
    pool.show("POOLS")                    # the admin console: rows as dicts of str

Its configuration is contrib/pgbouncer/pgbouncer.ini (transaction pooling, short
timeouts so that an outage of PostgreSQL shows within seconds) with the test's
addresses and paths.  It runs in the foreground as the cluster's owner, trusts the two
roles of the cluster (signet and postgres: auth_file lists them) and forwards every
database name to the cluster (`* =`).
"""

import csv
import io
import os
import pwd
import re
import shutil
import tempfile

from .proc import (IS_ROOT, PG_USER, SRCDIR, as_user, find_binary, free_port, run, spawn,
                   stop_group, tail, tcp_open, wait_until)


def pgbouncer_binary():
    return find_binary(["pgbouncer"], "pgbouncer")


def pgbouncer_wanted():
    """Does the environment ask for the suite through pgbouncer (SIGNET_TEST_PGBOUNCER=1)?"""
    return os.environ.get("SIGNET_TEST_PGBOUNCER", "") not in ("", "0", "no")


def pgbouncer_ini(listen_addr, port, pg_host, pg_port, directory, pool_size=None,
                  max_client_conn=None, srcdir=SRCDIR):
    """The text of a pgbouncer.ini for the harness: contrib/pgbouncer/pgbouncer.ini as
    shipped (transaction pooling, its timeouts and pool sizes), with a test's addresses
    and paths, trust auth (the private clusters trust loopback) and every database name
    forwarded to the cluster; pool_size and max_client_conn, when given, replace the
    shipped values."""
    with open(os.path.join(srcdir, "contrib", "pgbouncer", "pgbouncer.ini")) as f:
        text = f.read()
    over = {"listen_addr": listen_addr, "listen_port": str(port), "unix_socket_dir": "",
            "pidfile": os.path.join(directory, "pgbouncer.pid"), "logfile": "",
            "auth_type": "trust", "auth_file": os.path.join(directory, "userlist.txt")}
    if pool_size is not None:
        over["default_pool_size"] = str(pool_size)
    if max_client_conn is not None:
        over["max_client_conn"] = str(max_client_conn)
    out, seen, section = [], set(), None
    for line in text.splitlines():
        m = re.match(r"\[(\w+)\]", line)
        if m:
            section = m.group(1)
        m = re.match(r"(\w+)\s*=", line)
        if section == "databases" and m:
            line = "* = host=%s port=%d" % (pg_host, pg_port)
        elif section == "pgbouncer" and m and m.group(1) in over:
            line = "%s = %s" % (m.group(1), over[m.group(1)])
            seen.add(m.group(1))
        out.append(line)
    missing = set(over) - seen
    if missing:
        raise RuntimeError("contrib/pgbouncer/pgbouncer.ini lacks %s" % ", ".join(
            sorted(missing)))
    return "; made by tests/harness/pgbouncer.py from contrib/pgbouncer/pgbouncer.ini\n" + \
        "\n".join(out) + "\n"


class Pgbouncer:
    """pgbouncer in front of pg (a harness Postgres), on host:port.
      .host .port .dsn .dsn_for(dbname) .start() .stop() .running() .destroy()
      .show(what) .admin(command) .server_pids(dbname) .server_connections(dbname)
      .wait_serving() .log_tail()
    host, pg_host: the addresses it listens on and reaches PostgreSQL at (the namespace
    test starts it inside a network namespace: harness/netns.py)."""

    def __init__(self, pg, port=None, host="127.0.0.1", pg_host=None, pool_size=None,
                 max_client_conn=None, directory=None, start=True):
        self.pg = pg
        self.host = host
        self.port = port or free_port()
        self.binary = pgbouncer_binary()
        self.own_dir = directory is None
        self.dir = directory or tempfile.mkdtemp(prefix="signet-pgbouncer-")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.conf = os.path.join(self.dir, "pgbouncer.ini")
        self.logfile = os.path.join(self.dir, "pgbouncer.log")
        with open(os.path.join(self.dir, "userlist.txt"), "w") as f:
            f.write('"%s" ""\n"postgres" ""\n' % pg.user)
        with open(self.conf, "w") as f:
            f.write(pgbouncer_ini(host, self.port, pg_host or pg.host, pg.port, self.dir,
                                  pool_size, max_client_conn))
        if IS_ROOT:
            pw = pwd.getpwnam(PG_USER)
            for name in os.listdir(self.dir):
                os.chown(os.path.join(self.dir, name), pw.pw_uid, pw.pw_gid)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.proc = None
        if start:
            self.start()

    def dsn_for(self, dbname):
        return "host=%s port=%d dbname=%s user=%s" % (self.host, self.port, dbname,
                                                      self.pg.user)

    @property
    def dsn(self):
        return self.dsn_for(self.pg.dbname)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=15):
        if self.running():
            return self
        cmd = as_user(PG_USER, [self.binary, self.conf])
        self.proc = spawn(cmd, self.logfile, header="--- starting %s" % " ".join(cmd))
        try:
            wait_until(lambda: self.proc.poll() is not None or tcp_open(self.host, self.port), timeout,
                       "pgbouncer on %s:%d" % (self.host, self.port), interval=0.1)
        except TimeoutError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            raise RuntimeError("pgbouncer exited with %s:\n%s" % (self.proc.returncode,
                                                                  tail(self.logfile)))
        return self

    def stop(self, timeout=10):
        if self.proc is None:
            return
        stop_group(self.proc, timeout)
        self.proc = None

    def destroy(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines=40):
        return tail(self.logfile, lines)

    def _psql(self, db, user, sql, timeout=30):
        psql = os.path.join(self.pg.bindir, "psql")
        return run([psql if os.path.exists(psql) else "psql", "-X", "-q", "--csv", "-h",
                    self.host, "-p", str(self.port), "-U", user, "-d", db, "-c", sql],
                   timeout=timeout, check=False)

    def wait_serving(self, timeout=30):
        """Wait until a query through the pool reaches the cluster (after an outage
        pgbouncer refuses logins for server_login_retry seconds)."""
        wait_until(lambda: self._psql(self.pg.dbname, self.pg.user, "SELECT 1",
                                      timeout=10).returncode == 0,
                   timeout, "pgbouncer on %s:%d to reach PostgreSQL again" % (self.host,
                                                                            self.port),
                   interval=0.2)

    def show(self, what):
        """SHOW <what> on the admin console (POOLS, SERVERS, CLIENTS, STATS...): a list of
        dicts of str."""
        r = self._psql("pgbouncer", "postgres", "SHOW %s" % what)
        if r.returncode != 0:
            raise RuntimeError("SHOW %s on pgbouncer: %s" % (what, r.stderr.decode(
                errors="replace")))
        return list(csv.DictReader(io.StringIO(r.stdout.decode("utf-8", "replace"))))

    def admin(self, command):
        """Run an admin console command (RECONNECT, PAUSE, RESUME, WAIT_CLOSE...)."""
        r = self._psql("pgbouncer", "postgres", command)
        if r.returncode != 0:
            raise RuntimeError("%s on pgbouncer: %s" % (command, r.stderr.decode(
                errors="replace")))

    def server_pids(self, dbname):
        """The PostgreSQL backend pids of pgbouncer's server connections to dbname."""
        return {int(s["remote_pid"]) for s in self.show("SERVERS")
                if s.get("database") == dbname}

    def server_connections(self, dbname=None):
        """Server connections pgbouncer holds now (to dbname, or to any database)."""
        return sum(1 for s in self.show("SERVERS")
                   if dbname is None or s.get("database") == dbname)
