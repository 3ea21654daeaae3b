"""signet itself, from the build tree: its key files, its config, the daemon in the
foreground (`signet -f -c FILE`) and `signet --mailer` beside a front end that runs
signet without a master (Apache mod_fcgid).
"""

import os
import re
import signal
import subprocess
import time

from .proc import (BUILDDIR, IS_ROOT, SRCDIR, PidProc, children_of, comm_of,
                   kill_group, pgroup_members, reachable, run, spawn, tail, unix_open,
                   wait_until)

SANITIZER_RE = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)"
    r"|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)"
    r"|runtime error: ")


class Keys:
    """The JWT, HMAC and TOTP key files signet needs (48 random bytes each, mode 0600).
    keep: reuse the files already there (contrib/dev/up makes them once)."""

    def __init__(self, directory, keep=False):
        os.makedirs(directory, exist_ok=True)
        self.jwt = os.path.join(directory, "jwt.key")
        self.hmac = os.path.join(directory, "hmac.key")
        self.totp = os.path.join(directory, "totp.key")
        for path in (self.jwt, self.hmac, self.totp):
            if keep and os.path.exists(path) and os.path.getsize(path) >= 32:
                os.chmod(path, 0o600)
                continue
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(48))


class Signet:
    """signet run in the foreground (`signet -f -c FILE`) from the build tree.
      .config: the current key -> value dict (base + extras); .conf: its file
      .socket: the FastCGI unix socket; .pid: the master's pid; .workers(): its
        children but the hashers, .hashers(), .children()
      .start(extra_config=None, migrate=None, wait=True), .stop(), .restart(extra_config)
      .reload(extra_config): rewrite the config and SIGHUP
      .attach(pid): take over a signet started earlier (from a pid file) to stop it
      .log_text(), .log_tail(n), .sanitizer_reports()
    extra_config: {key: value} added to or overriding the base keys (None removes a key);
    restart()/reload() start again from the base keys: extras do not accumulate.
    .config_tail: text written at the end of the config file, after the keys.
    public: run copies of the binary and the templates that an unprivileged user
    reaches when the trees are out of its reach (proc.reachable()), for the tests whose
    signet drops privileges or runs under Apache; False for a signet that outlives
    this process (contrib/dev/up) or must run the build's own binary (bench).
    """

    # databases already migrated this session (dsn set), so restarts skip it
    _migrated = set()

    def __init__(self, workdir, pg, smtp, keys, public_url, extra_config=None,
                 builddir=BUILDDIR, srcdir=SRCDIR, name="signet", public=True):
        self.dir = str(workdir)
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.pg = pg
        self.smtp = smtp
        self.keys = keys
        self.public_url = public_url
        self.binary = os.path.join(builddir, "src", "signet")
        self.admin = os.path.join(builddir, "src", "signet-admin")
        self.srcdir = srcdir
        self.templates = os.path.join(srcdir, "etc", "templates")
        self.socket = os.path.join(self.dir, "signet.sock")
        self.conf = os.path.join(self.dir, "signet.conf")
        self.logfile = os.path.join(self.dir, "signet.log")
        self.proc = None
        self.extra_config = dict(extra_config or {})
        self.config = {}
        self.header = "# written by tests/harness/signet.py"
        self.config_tail = ""
        self.returncode = None
        self._scan_offset = 0
        self.last_problem = None
        for b in (self.binary, self.admin):
            if not os.access(b, os.X_OK):
                raise RuntimeError("%s not built (SIGNET_BUILDDIR=%s): build first, e.g. "
                                   "contrib/dev/test or make -C build" % (b, builddir))
        if public:
            self.binary = reachable(self.binary)
            self.templates = reachable(self.templates)

    def base_config(self):
        smtp = "%s:%d" % (self.smtp.host, self.smtp.port) if self.smtp else "127.0.0.1:1"
        cfg = {
            "listen": "unix:" + self.socket,
            "socket_mode": "0660",
            "workers": "2",
            "hash_concurrency": "2",        # 2 hashers, whatever the cores
            "database": self.pg.dsn,
            "public_url": self.public_url,
            "jwt_secret_file": self.keys.jwt,
            "secret_file": self.keys.hmac,
            "totp_key_file": self.keys.totp,
            "smtp_server": smtp,
            "mail_from": "signet@localhost",
            "sql_dir": os.path.join(self.srcdir, "sql"),
            "templates_dir": self.templates,
            "scrypt_n": "1024",
            "scrypt_weak_ok": "yes",
            "scrypt_r": "8",
            "scrypt_p": "1",
            "throttle_exempt": "127.0.0.0/8",
            # The places the tests' BEdita signups link to (link_prefixes).
            "link_prefixes": "http://127.0.0.1:9/ http://myactivationsys.example "
                             "https://app.example.org/ myapp:// app://",
            "log": "stderr",
        }
        # Through a pooler (SIGNET_TEST_PGBOUNCER=1 sets pg.pool: harness/pgbouncer.py):
        # the workers in transaction pooling with unnamed statements, the mailer's
        # LISTEN straight to PostgreSQL.
        pool = getattr(self.pg, "pool", None)
        if pool is not None:
            cfg.update(database=pool.dsn_for(self.pg.dbname), mailer_database=self.pg.dsn,
                       db_statements="unnamed")
        return cfg

    def write_config(self, extra_config=None):
        if extra_config is not None:
            self.extra_config = dict(extra_config)
        cfg = self.base_config()
        for k, v in self.extra_config.items():
            if v is None:
                cfg.pop(k, None)
            else:
                cfg[k] = str(v)
        self.config = cfg
        with open(self.conf, "w") as f:
            f.write(self.header + "\n")
            for k, v in cfg.items():
                f.write("%s = %s\n" % (k, v))
            f.write(self.config_tail)
        return self.conf

    def migrate(self):
        """signet-admin -c CONF migrate (raises with its output on failure)."""
        r = run([self.admin, "-c", self.conf, "migrate"], check=False, timeout=120)
        with open(self.logfile, "ab") as f:
            f.write(b"--- signet-admin migrate: exit %d\n" % r.returncode)
            f.write(r.stdout + r.stderr)
        if r.returncode != 0:
            raise RuntimeError("signet-admin migrate failed (exit %d):\n%s%s" % (
                r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")))
        Signet._migrated.add(self.pg.dsn)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def workers(self):
        """The master's children that serve or mail: every child but the hashers."""
        return [p for p in self.children() if comm_of(p) != "signet-hasher"]

    def hashers(self):
        """The master's children that hash passwords (hash_concurrency of them)."""
        return [p for p in self.children() if comm_of(p) == "signet-hasher"]

    def children(self):
        return children_of(self.pid) if self.running() else []

    def attach(self, pid):
        """Take over the signet master pid (started by an earlier process)."""
        self.proc = PidProc(pid)
        return self

    def _prepare_start(self, extra_config, migrate):
        if self.running():
            raise RuntimeError("%s is already running (pid %d)" % (self.name, self.pid))
        self.write_config(extra_config)
        if migrate or (migrate is None and self.pg.dsn not in Signet._migrated):
            self.migrate()
        try:
            os.unlink(self.socket)
        except FileNotFoundError:
            pass
        self.returncode = None

    def start(self, extra_config=None, migrate=None, wait=True, timeout=30):
        """Write the config, migrate (once per database unless migrate=True/False), start
        signet and wait until its socket accepts connections."""
        self._prepare_start(extra_config, migrate)
        self.proc = spawn([self.binary, "-f", "-c", self.conf], self.logfile,
                          header="--- starting %s -f -c %s" % (self.binary, self.conf),
                          cwd=self.dir)
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while not unix_open(self.socket):
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s before opening %s\n--- log tail:\n%s" % (
                    self.name, self.proc.returncode, self.socket, self.log_tail()))
            if time.monotonic() >= deadline:
                self.stop(check=False)
                raise RuntimeError("%s did not open %s within %ss\n--- log tail:\n%s" % (
                    self.name, self.socket, timeout, self.log_tail()))
            time.sleep(0.05)

    def stop(self, timeout=20, check=True):
        """SIGTERM the master and wait for it (SIGKILL the whole process group after
        timeout).  With check, raise if it exited non-zero, left processes behind or
        logged a sanitizer report.  Returns the exit status (negative: signal)."""
        if self.proc is None:
            return self.returncode
        problems = []
        pgid = self.proc.pid
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                problems.append("did not stop within %ss of SIGTERM: killed" % timeout)
                kill_group(pgid)
                self.proc.wait(10)
        else:
            problems.append("had already exited with %s" % self.proc.returncode)
        self.returncode = self.proc.returncode
        if self.returncode not in (0, None) and not problems:
            problems.append("exited with status %s after SIGTERM" % self.returncode)
        try:
            wait_until(lambda: not pgroup_members(pgid), 3, "workers to exit")
        except TimeoutError:
            problems.append("left processes behind: %s" % pgroup_members(pgid))
            kill_group(pgid)
        self.proc = None
        reports = self.sanitizer_reports()
        if reports:
            problems.append("sanitizer reports:\n" + "\n".join(reports))
        if problems:
            self.last_problem = "%s %s\n--- log tail:\n%s" % (
                self.name, "; ".join(problems), self.log_tail(60))
            if check:
                raise AssertionError(self.last_problem)
        return self.returncode

    def kill(self):
        """SIGKILL the master and its process group, no questions asked."""
        if self.proc is not None:
            kill_group(self.proc.pid)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
            self.returncode = self.proc.returncode
            self.proc = None

    def restart(self, extra_config=None, check=True, **kw):
        """Stop, then start with the base config plus extra_config (not the old extras)."""
        self.stop(check=check)
        return self.start(extra_config=dict(extra_config or {}), **kw)

    def reload(self, extra_config=None, settle=1.0):
        """Rewrite the config (base + extra_config) and send SIGHUP to the master."""
        self.write_config(dict(extra_config or {}))
        os.kill(self.pid, signal.SIGHUP)
        time.sleep(settle)

    def log_text(self):
        try:
            with open(self.logfile, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=40):
        return tail(self.logfile, lines)

    def sanitizer_reports(self):
        """Sanitizer lines in the whole log."""
        return [l for l in self.log_text().splitlines() if SANITIZER_RE.search(l)]

    def new_sanitizer_reports(self):
        """Sanitizer lines logged since the last call."""
        try:
            with open(self.logfile, "rb") as f:
                f.seek(self._scan_offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self._scan_offset += len(data)
        return [l for l in data.decode("utf-8", "replace").splitlines() if SANITIZER_RE.search(l)]


class Mailer:
    """`signet --mailer -c conf` beside a front end whose signet has no master (mod_fcgid),
    run as user (None: as ourselves, with -f when root)."""

    def __init__(self, binary, conf, logfile, user=None, group=None):
        self.cmd = [binary, "--mailer", "-c", conf]
        self.user, self.group = user, group
        if user is None and IS_ROOT:
            self.cmd.insert(2, "-f")
        self.logfile = logfile
        self.proc = None

    def start(self):
        kw = {}
        if self.user is not None:
            kw = dict(user=self.user, group=self.group, extra_groups=[])
        self.proc = spawn(self.cmd, self.logfile, **kw)
        time.sleep(0.2)
        if self.proc.poll() is not None:
            raise RuntimeError("signet --mailer exited with %s\n%s" % (
                self.proc.returncode, tail(self.logfile)))
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=15):
        if self.proc is None:
            return
        problem = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                kill_group(self.proc.pid)
                self.proc.wait(5)
                problem = "signet --mailer did not stop within %ss of SIGTERM" % timeout
        else:
            problem = "signet --mailer had exited with %s" % self.proc.returncode
        if problem is None and self.proc.returncode != 0:
            problem = "signet --mailer exited with %s after SIGTERM" % self.proc.returncode
        self.proc = None
        if problem:
            raise AssertionError("%s\n%s" % (problem, tail(self.logfile)))
