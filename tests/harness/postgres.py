"""A private PostgreSQL cluster on 127.0.0.1, for the tests (a temp dir, gone at the
end), for contrib/dev/up (a directory that stays) and for the benchmarks.

    pg = Postgres()                       # initdb in a temp dir, start, role and database
    pg = Postgres(directory=D, port=P)    # the cluster in D (initdb the first time)
    pg.sql("SELECT $1::int", 41)          # rows as tuples of str
"""

import csv
import glob
import io
import os
import pwd
import re
import shutil
import signal
import tempfile

from .proc import (IS_ROOT, PG_USER, as_user, ensure_pg_user, free_port, run, tail,
                   tcp_open, user_can_reach, wait_until)


def pg_bindir():
    """Directory of initdb/pg_ctl/postgres: Debian keeps them in /usr/lib/postgresql/N/bin,
    off PATH.  The newest version wins."""
    best = None
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        if not os.access(os.path.join(d, "initdb"), os.X_OK):
            continue
        ver = os.path.basename(os.path.dirname(d))
        key = tuple(int(x) for x in re.findall(r"\d+", ver)) or (0,)
        if best is None or key > best[0]:
            best = (key, d)
    if best:
        return best[1]
    if shutil.which("pg_config"):
        d = run(["pg_config", "--bindir"], check=False).stdout.decode().strip()
        if d and os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    if shutil.which("initdb"):
        return os.path.dirname(shutil.which("initdb"))
    raise RuntimeError("PostgreSQL server programs (initdb) not found: apt-get install postgresql")


NULL = "\x01NULL\x01"


class Postgres:
    """A private PostgreSQL cluster on 127.0.0.1:<port>, trust auth.

    Superuser `postgres`; role `signet` owns database `signet`.
      .port, .dsn (what signet's `database` key takes), .host
      .stop(mode="fast"), .start(), .running()
      .sql(query, *params) -> list of row tuples of str (None for NULL); params are $1, $2...
      .sql_value(query, *params) -> first column of the first row, or None
    directory=None: a new temp dir, removed by destroy(); else that directory, kept.
    start=False: neither initdb nor start (to stop or look at a cluster that exists).
    """

    def __init__(self, basedir=None, directory=None, port=None, start=True):
        ensure_pg_user()
        self.bindir = pg_bindir()
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.dbname = "signet"
        self.user = "signet"
        # Not under pytest's tmp dir: that one is private to us (0700), and the cluster
        # owner must reach its data directory.
        if directory is None:
            self.dir = tempfile.mkdtemp(prefix="signet-pg-", dir=basedir)
        else:
            self.dir = directory
            os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self.data = os.path.join(self.dir, "data")
        self.rundir = os.path.join(self.dir, "run")
        self.logfile = os.path.join(self.dir, "postgresql.log")
        os.makedirs(self.rundir, exist_ok=True)
        if IS_ROOT:
            pw = pwd.getpwnam(PG_USER)
            for d in (self.dir, self.rundir):
                os.chown(d, pw.pw_uid, pw.pw_gid)
            if not user_can_reach(PG_USER, self.dir):
                raise RuntimeError("user %s cannot reach %s: make its parents traversable "
                                   "(or set TMPDIR)" % (PG_USER, self.dir))
        if start:
            self.up()

    def up(self):
        """initdb (the first time), start, make the role and the database if missing."""
        if not self.exists():
            self._initdb()
        self.start()
        self.ensure_database()

    @property
    def dsn(self):
        return "host=%s port=%d dbname=%s user=%s" % (self.host, self.port, self.dbname, self.user)

    def _as_owner(self, cmd):
        return as_user(PG_USER, cmd)

    def _bin(self, name):
        return os.path.join(self.bindir, name)

    def exists(self):
        return os.path.exists(os.path.join(self.data, "PG_VERSION"))

    def _initdb(self):
        run(self._as_owner([self._bin("initdb"), "-D", self.data, "-U", "postgres",
                            "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
                            "--no-instructions"]), timeout=120)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n# signet's harness (tests/harness/postgres.py)\n"
                    "listen_addresses = '127.0.0.1'\n"
                    "port = %d\n"
                    "unix_socket_directories = '%s'\n"
                    "fsync = off\n"
                    "synchronous_commit = off\n"
                    "full_page_writes = off\n"
                    "max_connections = 200\n"
                    "log_min_messages = warning\n"
                    "log_line_prefix = '%%m [%%p] '\n" % (self.port, self.rundir))

    def ensure_database(self):
        """Role signet and its database signet, made if missing."""
        if self.sql_value("SELECT 1 FROM pg_roles WHERE rolname = $1", self.user,
                          db="postgres") is None:
            self.sql("CREATE ROLE %s LOGIN" % self.user, db="postgres")
        if self.sql_value("SELECT 1 FROM pg_database WHERE datname = $1", self.dbname,
                          db="postgres") is None:
            self.sql("CREATE DATABASE %s OWNER %s" % (self.dbname, self.user), db="postgres")

    def accepting(self):
        """Cheap check: does the cluster accept TCP connections right now?"""
        return tcp_open(self.host, self.port)

    def running(self):
        if not self.exists():
            return False
        r = run(self._as_owner([self._bin("pg_ctl"), "-D", self.data, "status"]),
                check=False, timeout=30)
        return r.returncode == 0

    def pid(self):
        """The postmaster's pid, or None."""
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def start(self):
        """Start the cluster (on self.port) and wait until it accepts connections."""
        if self.running():
            return
        r = run(self._as_owner([self._bin("pg_ctl"), "-D", self.data, "-l", self.logfile,
                                "-o", "-p %d" % self.port, "-w", "-t", "60", "start"]),
                check=False, timeout=90)
        if r.returncode != 0:
            raise RuntimeError("PostgreSQL did not start:\n%s\n--- %s:\n%s" % (
                r.stderr.decode(errors="replace"), self.logfile, tail(self.logfile)))
        wait_until(lambda: tcp_open(self.host, self.port), 30, "PostgreSQL on port %d" % self.port)
        # A pooler in front (SIGNET_TEST_PGBOUNCER=1) refuses logins for a while after it
        # failed to reach the cluster (pgbouncer's server_login_retry): back means back
        # for signet, through the pool.
        if getattr(self, "pool", None) is not None:
            self.pool.wait_serving()

    def stop(self, mode="fast"):
        """Stop the cluster (mode: smart, fast or immediate); tests use it for outages."""
        if not os.path.exists(os.path.join(self.data, "postmaster.pid")):
            return
        r = run(self._as_owner([self._bin("pg_ctl"), "-D", self.data, "-m", mode, "-w",
                                "-t", "60", "stop"]), check=False, timeout=90)
        if r.returncode != 0 and self.running():
            raise RuntimeError("PostgreSQL did not stop: %s" % r.stderr.decode(errors="replace"))

    def destroy(self):
        """Stop the cluster at all costs and remove its files."""
        try:
            self.stop("fast")
        except Exception:
            try:
                self.stop("immediate")
            except Exception:
                pid = self.pid()
                if pid:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def psql(self, *args, db=None, user="postgres", input=None, timeout=60):
        """Run psql against the cluster; returns the CompletedProcess (raises on error)."""
        cmd = [self._bin("psql") if os.path.exists(self._bin("psql")) else "psql",
               "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p", str(self.port),
               "-U", user, "-d", db or self.dbname] + list(args)
        return run(cmd, input=input, timeout=timeout)

    def sql(self, query, *params, db=None, user="postgres"):
        """Run query (as superuser `postgres` on database signet by default) and return its
        rows as tuples of strings, None for NULL.  $1, $2... are replaced by the params,
        quoted as literals by psql (so cast where the type matters: $1::int)."""
        variables = []

        def subst(m):
            i = int(m.group(1))
            if i < 1 or i > len(params):
                raise IndexError("sql(): $%d but %d params" % (i, len(params)))
            v = params[i - 1]
            if v is None:
                return "NULL"
            if isinstance(v, bool):
                v = "true" if v else "false"
            variables.extend(["-v", "p%d=%s" % (i, v)])
            return ":'p%d'" % i

        text = re.sub(r"\$(\d+)", subst, query)
        r = self.psql("--csv", "-t", "-P", "null=" + NULL, *variables, "-f", "-",
                      db=db, user=user, input=text.encode())
        rows = []
        for row in csv.reader(io.StringIO(r.stdout.decode("utf-8"))):
            rows.append(tuple(None if c == NULL else c for c in row))
        return rows

    def sql_value(self, query, *params, **kw):
        rows = self.sql(query, *params, **kw)
        return rows[0][0] if rows and rows[0] else None


class OtherDatabase:
    """The same cluster under another database (its dsn names it): the front ends of
    the tests keep their accounts and mail outbox apart from the shared one, so that
    their mailers never claim (and retry under their own settings) mail that other
    tests queue."""

    def __init__(self, pg, dbname):
        self._pg = pg
        self.dbname = dbname
        if pg.sql_value("SELECT 1 FROM pg_database WHERE datname = $1", dbname) is None:
            pg.sql("CREATE DATABASE %s OWNER %s" % (dbname, pg.user), db="postgres")

    def __getattr__(self, name):
        return getattr(self._pg, name)

    def sql(self, query, *params, db=None, user="postgres"):
        """As Postgres.sql(), on this database unless db says otherwise."""
        return self._pg.sql(query, *params, db=db or self.dbname, user=user)

    def sql_value(self, query, *params, **kw):
        kw.setdefault("db", self.dbname)
        return self._pg.sql_value(query, *params, **kw)

    @property
    def dsn(self):
        pg = self._pg
        return "host=%s port=%d dbname=%s user=%s" % (pg.host, pg.port, self.dbname, pg.user)
