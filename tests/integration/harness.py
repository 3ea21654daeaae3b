"""Building blocks of signet's integration tests: a private PostgreSQL cluster, an SMTP
sink, signet itself, nginx in front of it, and a small HTTP client.

conftest.py turns these into pytest fixtures; tests import the plain helpers from here:

    from harness import extract_code

Everything listens on 127.0.0.1 only, every wait is bounded, and every process started
here is stopped by its owner's stop() (the fixtures call it at the end, even on failure).
"""

import csv
import email
import email.policy
import email.utils
import glob
import io
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import requests
from aiosmtpd.controller import Controller

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.environ.get("SIGNET_SRCDIR") or os.path.join(HERE, "..", ".."))
BUILDDIR = os.path.abspath(os.environ.get("SIGNET_BUILDDIR") or SRCDIR)
IS_ROOT = os.geteuid() == 0
# initdb refuses to run as root: as root, private clusters belong to this system user.
PG_USER = "signet"


# --------------------------------------------------------------------------- utilities

def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.05):
    """Call predicate() until it returns a true value (returned) or timeout seconds pass
    (TimeoutError naming what was awaited)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def tcp_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def unix_open(path):
    if not os.path.exists(path):
        return False
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def tail(path, lines=40):
    """The last lines of a text file, or a note that it cannot be read."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


def run(cmd, timeout=60, check=True, **kw):
    """subprocess.run with a timeout and an error that shows the command's output."""
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError("%s: timed out after %ss" % (" ".join(cmd), timeout)) from e
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s%s" % (
            " ".join(cmd), r.returncode,
            r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")))
    return r


def _live_procs():
    """(pid, ppid, pgrp) of every live (not zombie) process (Linux /proc)."""
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                data = f.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
        fields = data[data.rindex(")") + 2:].split()
        if fields[0] != "Z":
            yield int(stat.split("/")[2]), int(fields[1]), int(fields[2])


def pgroup_members(pgid):
    """Pids of the live processes in process group pgid."""
    return [pid for pid, _, pgrp in _live_procs() if pgrp == pgid]


def children_of(pid):
    """Pids of the live children of pid."""
    return sorted(p for p, ppid, _ in _live_procs() if ppid == pid)


def kill_group(pgid, sig=signal.SIGKILL):
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def stop_group(proc, timeout):
    """SIGTERM the server proc (a session leader), wait up to timeout seconds, then
    SIGKILL its whole process group, stray children included."""
    pgid = proc.pid
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(pgid)
            proc.wait(5)
    kill_group(pgid)


# ------------------------------------------------------------------------- PostgreSQL

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


def ensure_pg_user():
    """As root, make sure the system user that owns private clusters exists."""
    if not IS_ROOT:
        return
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        run(["useradd", "--system", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", PG_USER], check=False)
        pwd.getpwnam(PG_USER)  # raises if it still does not exist


NULL = "\x01NULL\x01"


class Postgres:
    """A private PostgreSQL cluster in a temp dir, on 127.0.0.1:<port>, trust auth.

    Superuser `postgres`; role `signet` owns database `signet`.
      .port, .dsn (what signet's `database` key takes), .host
      .stop(mode="fast"), .start(), .running()
      .sql(query, *params) -> list of row tuples of str (None for NULL); params are $1, $2...
      .sql_value(query, *params) -> first column of the first row, or None
    """

    def __init__(self, basedir=None):
        ensure_pg_user()
        self.bindir = pg_bindir()
        self.port = free_port()
        self.host = "127.0.0.1"
        self.dbname = "signet"
        self.user = "signet"
        # Not under pytest's tmp dir: that one is private to us (0700), and the cluster
        # owner must reach its data directory.
        self.dir = tempfile.mkdtemp(prefix="signet-pg-", dir=basedir)
        self.data = os.path.join(self.dir, "data")
        self.rundir = os.path.join(self.dir, "run")
        self.logfile = os.path.join(self.dir, "postgresql.log")
        os.makedirs(self.rundir)
        if IS_ROOT:
            pw = pwd.getpwnam(PG_USER)
            for d in (self.dir, self.rundir):
                os.chown(d, pw.pw_uid, pw.pw_gid)
            r = run(["runuser", "-u", PG_USER, "--", "test", "-x", self.dir], check=False)
            if r.returncode != 0:
                raise RuntimeError("user %s cannot reach %s: make its parents traversable "
                                   "(or set TMPDIR)" % (PG_USER, self.dir))
        self._initdb()

    @property
    def dsn(self):
        return "host=%s port=%d dbname=%s user=%s" % (self.host, self.port, self.dbname, self.user)

    def _as_owner(self, cmd):
        if IS_ROOT:
            return ["runuser", "-u", PG_USER, "--"] + cmd
        return cmd

    def _bin(self, name):
        return os.path.join(self.bindir, name)

    def _initdb(self):
        run(self._as_owner([self._bin("initdb"), "-D", self.data, "-U", "postgres",
                            "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
                            "--no-instructions"]), timeout=120)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n# signet integration tests\n"
                    "listen_addresses = '127.0.0.1'\n"
                    "port = %d\n"
                    "unix_socket_directories = '%s'\n"
                    "fsync = off\n"
                    "synchronous_commit = off\n"
                    "full_page_writes = off\n"
                    "max_connections = 200\n"
                    "log_min_messages = warning\n"
                    "log_line_prefix = '%%m [%%p] '\n" % (self.port, self.rundir))
        self.start()
        self.sql("CREATE ROLE signet LOGIN", db="postgres")
        self.sql("CREATE DATABASE signet OWNER signet", db="postgres")

    def accepting(self):
        """Cheap check: does the cluster accept TCP connections right now?"""
        return tcp_open(self.host, self.port)

    def running(self):
        r = run(self._as_owner([self._bin("pg_ctl"), "-D", self.data, "status"]),
                check=False, timeout=30)
        return r.returncode == 0

    def start(self):
        """Start the cluster (same port) and wait until it accepts connections."""
        if self.running():
            return
        r = run(self._as_owner([self._bin("pg_ctl"), "-D", self.data, "-l", self.logfile,
                                "-w", "-t", "60", "start"]), check=False, timeout=90)
        if r.returncode != 0:
            raise RuntimeError("PostgreSQL did not start:\n%s\n--- %s:\n%s" % (
                r.stderr.decode(errors="replace"), self.logfile, tail(self.logfile)))
        wait_until(lambda: tcp_open(self.host, self.port), 30, "PostgreSQL on port %d" % self.port)

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
                pidfile = os.path.join(self.data, "postmaster.pid")
                try:
                    with open(pidfile) as f:
                        os.kill(int(f.readline()), signal.SIGKILL)
                except (OSError, ValueError):
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


# ------------------------------------------------------------------------------- SMTP

def _text_part(msg):
    part = msg.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, UnicodeError):
        return part.get_payload(decode=True).decode("utf-8", "replace")


def _html_part(msg):
    part = msg.get_body(preferencelist=("html",))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, UnicodeError):
        return part.get_payload(decode=True).decode("utf-8", "replace")


class Mail:
    """One received mail.
      .envelope_from, .envelope_to (list): the SMTP envelope
      .from_, .to, .subject: decoded headers (str; '' if absent); mail["Header"] for others
      .text: the text/plain part; .html: the text/html part ('' if none)
      .message: the parsed email.message.EmailMessage; .raw: the bytes as received
    """

    def __init__(self, envelope_from, envelope_to, raw):
        self.envelope_from = envelope_from
        self.envelope_to = list(envelope_to)
        self.raw = raw
        self.message = email.message_from_bytes(raw, policy=email.policy.default)
        self.from_ = str(self.message["From"] or "")
        self.to = str(self.message["To"] or "")
        self.subject = str(self.message["Subject"] or "")
        self.text = _text_part(self.message).replace("\r\n", "\n")
        self.html = _html_part(self.message).replace("\r\n", "\n")
        self.received_at = time.time()

    def __getitem__(self, header):
        return self.message[header]

    def recipients(self):
        """Lower-cased addresses from the envelope and the To/Cc headers."""
        addrs = {a.lower() for a in self.envelope_to}
        for h in ("To", "Cc"):
            for v in self.message.get_all(h, []):
                for _, a in email.utils.getaddresses([str(v)]):
                    if a:
                        addrs.add(a.lower())
        return addrs

    def __repr__(self):
        return "<Mail to=%r subject=%r>" % (self.envelope_to, self.subject)


class SmtpSink:
    """An SMTP server on 127.0.0.1:<port> inside the test process that keeps every mail.
      .host, .port, .messages (a copy, oldest first), .clear(), .mark()
      .wait_for(to=None, timeout=10, since=None, subject=None) -> newest matching Mail
      .stop() / .start() (same port): an SMTP outage; .reply = "451 ..." makes it refuse
      mails with that reply instead of keeping them (None: accept again).
    """

    def __init__(self, port=None):
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self._messages = []
        self._cond = threading.Condition()
        self._controller = None
        self.reply = None
        self.start()

    # aiosmtpd handler hook
    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mail = Mail(envelope.mail_from, envelope.rcpt_tos, raw)
        with self._cond:
            self._messages.append(mail)
            self._cond.notify_all()
        return "250 OK"

    def start(self):
        if self._controller is not None:
            return
        c = Controller(self, hostname=self.host, port=self.port, ready_timeout=10,
                       enable_SMTPUTF8=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                c.start()
                break
            except (OSError, RuntimeError):
                # the port may still be held briefly after stop()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)
                c = Controller(self, hostname=self.host, port=self.port, ready_timeout=10,
                               enable_SMTPUTF8=True)
        self._controller = c

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self):
        return self._controller is not None

    @property
    def messages(self):
        with self._cond:
            return list(self._messages)

    def clear(self):
        with self._cond:
            self._messages.clear()

    def mark(self):
        """A position to pass as wait_for(since=...) to see only later mails."""
        with self._cond:
            return len(self._messages)

    def find(self, to=None, since=None, subject=None):
        """Matching mails (oldest first) without waiting."""
        with self._cond:
            msgs = self._messages[since or 0:]
        out = []
        for m in msgs:
            if to is not None and to.lower() not in m.recipients():
                continue
            if subject is not None and not re.search(subject, m.subject):
                continue
            out.append(m)
        return out

    def wait_for(self, to=None, timeout=10, since=None, subject=None):
        """The newest mail to `to` (any recipient if None) received after position `since`
        (see mark(); all if None) whose subject matches the regex `subject`, waiting up
        to timeout seconds for one; AssertionError if none came."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.find(to=to, since=since, subject=subject)
                if found:
                    return found[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no mail to %s within %ss (received: %r)" % (
                        to or "anyone", timeout, self._messages))
                self._cond.wait(min(left, 0.5))


_CODE_RE = re.compile(r"^[ \t]*(\d{6})[ \t\r]*$", re.MULTILINE)


def extract_code(msg):
    """The 6-digit code standing on a line of its own in a Mail's text part (or in a
    string); AssertionError if there is none."""
    text = msg if isinstance(msg, str) else msg.text
    m = _CODE_RE.search(text)
    assert m, "no 6-digit code on a line of its own in:\n%s" % text
    return m.group(1)


def extract_url(msg, pattern=r"https?://\S+"):
    """The first URL (regex pattern) in a Mail's text part; AssertionError if none."""
    text = msg if isinstance(msg, str) else msg.text
    m = re.search(pattern, text)
    assert m, "no URL matching %r in:\n%s" % (pattern, text)
    return m.group(0)


# ----------------------------------------------------------------------------- signet

SANITIZER_RE = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)"
    r"|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)"
    r"|runtime error: ")


class Keys:
    """The JWT and HMAC key files signet needs (48 random bytes each, mode 0600)."""

    def __init__(self, directory):
        os.makedirs(directory, exist_ok=True)
        self.jwt = os.path.join(directory, "jwt.key")
        self.hmac = os.path.join(directory, "hmac.key")
        for path in (self.jwt, self.hmac):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(48))


class Signet:
    """signet run in the foreground (`signet -f -c FILE`) from the build tree.
      .config: the current key -> value dict (base + extras); .conf: its file
      .socket: the FastCGI unix socket; .pid: the master's pid; .workers(): its children
      .start(extra_config=None, migrate=None, wait=True), .stop(), .restart(extra_config)
      .reload(extra_config): rewrite the config and SIGHUP
      .log_text(), .log_tail(n), .sanitizer_reports()
    extra_config: {key: value} added to or overriding the base keys (None removes a key);
    restart()/reload() start again from the base keys: extras do not accumulate.
    """

    # databases already migrated this session (dsn set), so restarts skip it
    _migrated = set()

    def __init__(self, workdir, pg, smtp, keys, public_url, extra_config=None,
                 builddir=BUILDDIR, srcdir=SRCDIR, name="signet"):
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
        self.socket = os.path.join(self.dir, "signet.sock")
        self.conf = os.path.join(self.dir, "signet.conf")
        self.logfile = os.path.join(self.dir, "signet.log")
        self.proc = None
        self.extra_config = dict(extra_config or {})
        self.config = {}
        self.returncode = None
        self._scan_offset = 0
        self.last_problem = None
        for b in (self.binary, self.admin):
            if not os.access(b, os.X_OK):
                raise RuntimeError("%s not built (SIGNET_BUILDDIR=%s): build first, e.g. "
                                   "contrib/dev/test or make -C build" % (b, builddir))

    def base_config(self):
        smtp = "%s:%d" % (self.smtp.host, self.smtp.port) if self.smtp else "127.0.0.1:1"
        return {
            "listen": "unix:" + self.socket,
            "socket_mode": "0660",
            "workers": "2",
            "database": self.pg.dsn,
            "public_url": self.public_url,
            "jwt_secret_file": self.keys.jwt,
            "secret_file": self.keys.hmac,
            "smtp_server": smtp,
            "mail_from": "signet@localhost",
            "sql_dir": os.path.join(self.srcdir, "sql"),
            "templates_dir": os.path.join(self.srcdir, "etc", "templates"),
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
            f.write("# written by tests/integration/harness.py\n")
            for k, v in cfg.items():
                f.write("%s = %s\n" % (k, v))
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
        return children_of(self.pid) if self.running() else []

    def start(self, extra_config=None, migrate=None, wait=True, timeout=30):
        """Write the config, migrate (once per database unless migrate=True/False), start
        signet and wait until its socket accepts connections."""
        if self.running():
            raise RuntimeError("%s is already running (pid %d)" % (self.name, self.pid))
        self.write_config(extra_config)
        if migrate or (migrate is None and self.pg.dsn not in Signet._migrated):
            self.migrate()
        try:
            os.unlink(self.socket)
        except FileNotFoundError:
            pass
        log = open(self.logfile, "ab")
        log.write(b"--- starting %s -f -c %s\n" % (self.binary.encode(), self.conf.encode()))
        log.flush()
        self.returncode = None
        self.proc = subprocess.Popen([self.binary, "-f", "-c", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     start_new_session=True, cwd=self.dir)
        log.close()
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


# ------------------------------------------------------------------------------ nginx

def nginx_binary():
    for p in ("/usr/sbin/nginx",):
        if os.access(p, os.X_OK):
            return p
    p = shutil.which("nginx")
    if not p:
        raise RuntimeError("nginx not found: apt-get install nginx-light")
    return p


class Nginx:
    """nginx in the foreground on 127.0.0.1:<port>, with contrib/nginx/signet.conf's server
    block pointing at a signet socket.  .url, .port, .stop(), .start(), .error_log_text()"""

    def __init__(self, workdir, port, socket_path, srcdir=SRCDIR):
        self.dir = str(workdir)
        self.port = port
        self.socket = socket_path
        self.srcdir = srcdir
        self.binary = nginx_binary()
        self.proc = None
        self.url = "http://127.0.0.1:%d" % port
        self.conf = os.path.join(self.dir, "nginx.conf")
        self.error_log = os.path.join(self.dir, "error.log")
        self.output = os.path.join(self.dir, "nginx.out")
        self._write_config()

    def _write_config(self):
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        nginx_dir = os.path.join(self.srcdir, "contrib", "nginx")
        with open(os.path.join(nginx_dir, "signet.conf")) as f:
            server = f.read().replace("@PORT@", str(self.port)).replace("@SOCKET@", self.socket)
        server_conf = os.path.join(self.dir, "signet-server.conf")
        with open(server_conf, "w") as f:
            f.write(server)
        with open(os.path.join(nginx_dir, "nginx-dev.conf")) as f:
            top = f.read()
        top = (top.replace("@DIR@", self.dir)
               .replace("@USER@", "user root root;" if IS_ROOT else "")
               .replace("@SERVER@", server_conf))
        v = run([self.binary, "-V"], check=False).stderr.decode(errors="replace")
        lines = top.splitlines(True)
        if "--without-http_uwsgi_module" in v:
            lines = [l for l in lines if "uwsgi_temp_path" not in l]
        if "--without-http_scgi_module" in v:
            lines = [l for l in lines if "scgi_temp_path" not in l]
        with open(self.conf, "w") as f:
            f.writelines(lines)
        params = "/etc/nginx/fastcgi_params"
        if not os.path.exists(params):
            params = os.path.join(nginx_dir, "fastcgi_params")
        shutil.copyfile(params, os.path.join(self.dir, "fastcgi_params"))

    def _cmd(self):
        return [self.binary, "-p", self.dir, "-e", self.error_log, "-c", self.conf]

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=15):
        if self.running():
            return self
        r = run(self._cmd() + ["-t", "-q"], check=False)
        if r.returncode != 0:
            raise RuntimeError("nginx refused %s:\n%s" % (self.conf, r.stderr.decode(errors="replace")))
        out = open(self.output, "ab")
        self.proc = subprocess.Popen(self._cmd() + ["-g", "daemon off;"], stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=out, start_new_session=True)
        out.close()
        deadline = time.monotonic() + timeout
        while not tcp_open("127.0.0.1", self.port):
            if self.proc.poll() is not None or time.monotonic() >= deadline:
                self.stop()
                raise RuntimeError("nginx did not listen on port %d\n--- %s:\n%s\n%s" % (
                    self.port, self.error_log, tail(self.error_log), tail(self.output)))
            time.sleep(0.05)
        return self

    def stop(self, timeout=10):
        if self.proc is None:
            return
        stop_group(self.proc, timeout)
        self.proc = None

    def error_log_text(self):
        try:
            with open(self.error_log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


# ------------------------------------------------------------------------------- HTTP

class Api:
    """A thin requests client for base_url:  api.get("/api/health"),
    api.post("/api/login", json={...}, headers={...}).  Never uses proxies from the
    environment; every request has a timeout (30 s unless given)."""

    def __init__(self, base_url, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # no http_proxy for loopback

    def url(self, path):
        return self.base_url + path

    def request(self, method, path, **kw):
        kw.setdefault("timeout", self.timeout)
        kw.setdefault("allow_redirects", False)
        return self.session.request(method, self.url(path), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def options(self, path, **kw):
        return self.request("OPTIONS", path, **kw)


class Stack:
    """A signet behind its own nginx, with an Api on it (what make_signet() returns)."""

    def __init__(self, signet, nginx, api):
        self.signet = signet
        self.nginx = nginx
        self.api = api
        self.url = nginx.url if nginx else None

    def stop(self):
        try:
            if self.nginx:
                self.nginx.stop()
        finally:
            self.signet.stop()
