"""contrib/dev/up, down and status: signet on loopback for a developer, started with the
same classes as the tests, and left running after this program exits.

    python3 -m harness dev up --build DIR     # start what is not running (idempotent)
    python3 -m harness dev status             # what runs: pids, ports, URLs
    python3 -m harness dev down [--purge]     # stop it all (--purge: and remove the state)

The state lives in var/ at the top of the tree (git-ignored) or in $SIGNET_STATE_DIR:
    pg/                the PostgreSQL cluster (127.0.0.1:$SIGNET_PG_PORT)
    signet.conf        the generated config; jwt.key, hmac.key (made once, 0600)
    signet.log, .pid   signet's log and master pid
    mail/              every mail the catcher received (.eml); mailcatcher.log prints them
    nginx/             nginx's config, pid and logs
    dev.json           the ports up used (status reads them)
As root, when the unprivileged owner of the cluster cannot reach var/ (a clone in /root,
mode 0700), var/ is a link to /var/lib/signet-dev/<hash of the checkout's path>.

Knobs: SIGNET_PORT (8080), SIGNET_PG_PORT (5433), SIGNET_CATCHER_PORT (2525),
SIGNET_SMTP=host:port (a real SMTP server instead of the catcher), SIGNET_CONFIG_EXTRA=FILE
(lines appended to the config), SIGNET_UP_TIMEOUT (30 s), SIGNET_STATE_DIR.
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import sys
import time
import types

from .api import Api
from .nginx import Nginx
from .postgres import Postgres
from .proc import (IS_ROOT, PG_USER, SRCDIR, PidProc, ensure_pg_user, read_pidfile,
                   stop_group, tail, tcp_open, unix_open, user_can_reach, write_pidfile)
from .signet import Keys, Signet
from .smtp import spawn_sink

STATE_BASE = os.environ.get("SIGNET_DEV_STATE_BASE", "/var/lib/signet-dev")
PASSWORD = "quartz-lantern-meadow-42"


def say(msg):
    print("==> " + msg, file=sys.stderr, flush=True)


def knobs():
    return {"port": int(os.environ.get("SIGNET_PORT") or 8080),
            "pg_port": int(os.environ.get("SIGNET_PG_PORT") or 5433),
            "catcher_port": int(os.environ.get("SIGNET_CATCHER_PORT") or 2525),
            "smtp": os.environ.get("SIGNET_SMTP") or None}


# -------------------------------------------------------------------------- state

def state_dir(top=SRCDIR, base=None, create=True):
    """The directory of the state: $SIGNET_STATE_DIR, else top/var, which as root is a
    link to base/<hash of top> when the cluster owner cannot reach top/var (made here,
    moving what an earlier run left in a var/ of its own there).  The real path, or
    None when there is none and create is false."""
    explicit = os.environ.get("SIGNET_STATE_DIR")
    if explicit:
        if create:
            os.makedirs(explicit, exist_ok=True)
        return os.path.realpath(explicit) if os.path.isdir(explicit) else None
    var = os.path.join(top, "var")
    if os.path.islink(var) or not create:
        if create:
            os.makedirs(os.path.realpath(var), mode=0o755, exist_ok=True)
        return os.path.realpath(var) if os.path.isdir(var) else None
    ensure_pg_user()
    if os.path.isdir(var) and user_can_reach(PG_USER, var):
        return var
    if not os.path.exists(var) and user_can_reach(PG_USER, top):
        os.makedirs(var)
        return var
    base = base or STATE_BASE
    target = os.path.join(base, hashlib.sha256(os.path.realpath(top).encode()).hexdigest()[:12])
    os.makedirs(target, exist_ok=True)
    for d in (base, target):
        os.chmod(d, 0o755)
    if os.path.isdir(var):
        for name in os.listdir(var):
            if not os.path.exists(os.path.join(target, name)):
                shutil.move(os.path.join(var, name), os.path.join(target, name))
        shutil.rmtree(var)
    say("%s: user %s cannot reach it; the state lives in %s (var/ links there)" % (
        var, PG_USER, target))
    os.symlink(target, var)
    return target


class Paths:
    def __init__(self, state):
        self.state = state
        self.pg = os.path.join(state, "pg")
        self.mail = os.path.join(state, "mail")
        self.catcher_log = os.path.join(state, "mailcatcher.log")
        self.catcher_pid = os.path.join(state, "mailcatcher.pid")
        self.signet_pid = os.path.join(state, "signet.pid")
        self.nginx = os.path.join(state, "nginx")
        self.nginx_pid = os.path.join(self.nginx, "nginx.pid")
        self.json = os.path.join(state, "dev.json")

    def saved(self):
        """The knobs the last `up` used (status and down read them)."""
        try:
            with open(self.json) as f:
                return json.load(f)
        except (OSError, ValueError):
            return knobs()


# catcher: this package's sink, or the mailcatcher.py of older trees still running
CATCHER_NAMES = ("harness", "mailcatcher")


# ----------------------------------------------------------------------------- up

def start_postgres(p, port):
    pg = Postgres(directory=p.pg, port=port, start=False)
    if pg.running() and not pg.accepting():
        say("PostgreSQL runs on another port: restarting it on %d" % port)
        pg.stop()
    if not pg.exists():
        say("initdb %s" % pg.data)
    if not pg.running():
        say("starting PostgreSQL on 127.0.0.1:%d" % port)
    pg.up()
    return pg


def start_catcher(p, port):
    pid = read_pidfile(p.catcher_pid, CATCHER_NAMES)
    if pid and tcp_open("127.0.0.1", port):
        return
    if pid:
        stop_group(PidProc(pid), 10)
    say("starting the mail catcher on 127.0.0.1:%d" % port)
    proc = spawn_sink(port, p.catcher_log, maildir=p.mail, echo=True)
    write_pidfile(p.catcher_pid, proc.pid)


def start_signet(p, pg, smtp, url, build):
    s = Signet(p.state, pg, smtp, Keys(p.state, keep=True), url,
               extra_config={"scrypt_n": 16384, "scrypt_weak_ok": None}, builddir=build,
               public=False)
    s.header = "# generated by contrib/dev/up: edits are lost; use SIGNET_CONFIG_EXTRA=FILE"
    extra = os.environ.get("SIGNET_CONFIG_EXTRA")
    if extra:
        try:
            with open(extra) as f:
                s.config_tail = "# from %s\n%s" % (extra, f.read())
        except OSError as e:
            raise SystemExit("SIGNET_CONFIG_EXTRA=%s: cannot read it (%s)" % (extra, e))
    try:
        with open(s.conf) as f:
            before = f.read()
    except OSError:
        before = None
    pid = read_pidfile(p.signet_pid, "signet")
    if pid and os.path.getmtime(s.binary) > os.path.getmtime(p.signet_pid):
        say("signet was rebuilt: restarting it")
        s.attach(pid).stop(check=False)
        pid = None
    if pid:
        s.attach(pid)
        s.write_config()
        s.migrate()
        with open(s.conf) as f:
            if f.read() != before:
                say("config changed: reloading signet (SIGHUP)")
                os.kill(pid, signal.SIGHUP)
        return s
    say("starting signet")
    s.start(migrate=True)
    write_pidfile(p.signet_pid, s.pid)
    return s


def start_nginx(p, port, sock):
    n = Nginx(p.nginx, port, sock)
    pid = read_pidfile(n.pidfile, "nginx")
    if pid:
        n.attach(pid).reload()
    else:
        say("starting nginx on 127.0.0.1:%d" % port)
        n.start()
    return n


def wait_healthy(url, signet, timeout):
    api = Api(url, timeout=2)
    deadline = time.monotonic() + timeout
    answer = None
    while time.monotonic() < deadline and signet.running():
        try:
            r = api.get("/api/health")
            answer = "%d %s" % (r.status_code, r.text.strip())
            if r.status_code == 200:
                return True
        except OSError as e:
            answer = str(e)
        time.sleep(0.2)
    print("--- %s/api/health answered: %s" % (url, answer or "nothing"), file=sys.stderr)
    if not signet.running():
        print("--- signet is not running", file=sys.stderr)
    print("--- tail of %s\n%s" % (signet.logfile, signet.log_tail(40)), file=sys.stderr)
    return False


def first_username(pg):
    """ann, or annN: the first one no account has taken yet."""
    n = pg.sql_value("SELECT min(n) FROM generate_series(1, 10000) n WHERE NOT EXISTS "
                     "(SELECT 1 FROM users WHERE lower(username) = "
                     "CASE WHEN n = 1 THEN 'ann' ELSE 'ann' || n END OR lower(email) = "
                     "CASE WHEN n = 1 THEN 'ann' ELSE 'ann' || n END || '@example.org')")
    return "ann" if n in (None, "1") else "ann" + n


def up(build):
    k = knobs()
    p = Paths(state_dir())
    for d in (p.mail, p.nginx):
        os.makedirs(d, exist_ok=True)
    pg = start_postgres(p, k["pg_port"])
    if k["smtp"]:
        host, _, port = k["smtp"].rpartition(":")
        smtp = types.SimpleNamespace(host=host, port=int(port))
    else:
        start_catcher(p, k["catcher_port"])
        smtp = types.SimpleNamespace(host="127.0.0.1", port=k["catcher_port"])
    url = "http://127.0.0.1:%d" % k["port"]
    s = start_signet(p, pg, smtp, url, build)
    start_nginx(p, k["port"], s.socket)
    with open(p.json, "w") as f:
        json.dump(dict(k, build=build), f, indent=1)
    if not wait_healthy(url, s, int(os.environ.get("SIGNET_UP_TIMEOUT") or 30)):
        print("--- tail of %s\n%s" % (os.path.join(p.nginx, "error.log"),
                                     tail(os.path.join(p.nginx, "error.log"), 20)),
              file=sys.stderr)
        raise SystemExit("error: signet did not become healthy")
    report_up(p, k, url, s, pg)
    return 0


def report_up(p, k, url, s, pg):
    var = os.path.join(SRCDIR, "var")
    where = ""
    if os.path.islink(var) and os.path.realpath(var) == p.state:
        where = "  (var/ links here)"
    print("\nsignet is up:")
    print("  url:     %s   (try: curl %s/api/health)" % (url, url))
    print("  state:   %s%s" % (p.state, where))
    print("  config:  %s" % s.conf)
    print("  log:     %s" % s.logfile)
    print("  db:      psql -h 127.0.0.1 -p %d -U signet signet" % k["pg_port"])
    if k["smtp"]:
        print("  mail:    sent to %s" % k["smtp"])
    else:
        print("  mail:    caught on 127.0.0.1:%d, saved in %s/ (printed to %s)" % (
            k["catcher_port"], p.mail, p.catcher_log))
    print("  status:  contrib/dev/status      stop: contrib/dev/down")
    user = first_username(pg)
    ident = {"username": user, "password": PASSWORD, "email": user + "@example.org"}
    print("\nThe first signup: ask for a code")
    print("  curl -s %s/api/signup_request -H 'Content-Type: application/json' -d '%s'" % (
        url, json.dumps(ident, separators=(",", ":"))))
    if k["smtp"]:
        print("The answer holds a validation_code; the 6-digit code is mailed to %s "
              "through %s." % (ident["email"], k["smtp"]))
    else:
        print("The answer holds a validation_code; the 6-digit code is in the mail to %s: "
              "the newest file of %s/, and printed at the end of %s" % (
                  ident["email"], p.mail, p.catcher_log))
    print("Then sign up with both (the JWT comes back in the Authorization header):")
    print("  curl -si %s/api/signup -H 'Content-Type: application/json' -d '%s'" % (
        url, json.dumps(dict(ident, validation_code="<from the answer>",
                             verification_code="<from the mail>"), separators=(",", ":"))))
    print("More in README, \"Trying it with curl\".")


# ------------------------------------------------------------------ status, down

def status():
    state = state_dir(create=False)
    if state is None:
        print("nothing is running: no state yet (contrib/dev/up makes it)")
        return 3
    p = Paths(state)
    k = p.saved()
    rows, down = [], 0

    def row(name, pid, where):
        nonlocal down
        if pid:
            rows.append("%-13s running, pid %d, %s" % (name, pid, where))
        else:
            rows.append("%-13s not running" % name)
            down += 1

    pg = Postgres(directory=p.pg, port=k["pg_port"], start=False)
    row("postgres", pg.running() and pg.pid(), "127.0.0.1:%d (data: %s)" % (pg.port, pg.data))
    if k["smtp"]:
        rows.append("%-13s not used: mail goes to %s" % ("mail catcher", k["smtp"]))
    else:
        row("mail catcher", read_pidfile(p.catcher_pid, CATCHER_NAMES),
            "127.0.0.1:%d (mail: %s/)" % (k["catcher_port"], p.mail))
    sock = os.path.join(state, "signet.sock")
    pid = read_pidfile(p.signet_pid, "signet")
    row("signet", pid, "unix:%s%s" % (sock, "" if unix_open(sock) else " (not accepting)"))
    url = "http://127.0.0.1:%d" % k["port"]
    pid = read_pidfile(p.nginx_pid, "nginx")
    health = ""
    if pid:
        try:
            health = ", /api/health: %d" % Api(url, timeout=5).get("/api/health").status_code
        except OSError as e:
            health = ", /api/health: %s" % e.__class__.__name__
    row("nginx", pid, url + health)
    print("state: %s" % state)
    print("\n".join(rows))
    return 3 if down else 0


def down(purge=False):
    state = state_dir(create=False)
    if state is None:
        say("nothing to stop: no state yet")
        return 0
    p = Paths(state)
    for name, pidfile, cmd, secs in (("nginx", p.nginx_pid, "nginx", 10),
                                     ("signet", p.signet_pid, "signet", 20),
                                     ("the mail catcher", p.catcher_pid, CATCHER_NAMES, 10)):
        pid = read_pidfile(pidfile, cmd)
        if pid:
            say("stopping %s (pid %d)" % (name, pid))
            stop_group(PidProc(pid), secs)
        try:
            os.unlink(pidfile)
        except FileNotFoundError:
            pass
    pg = Postgres(directory=p.pg, port=p.saved()["pg_port"], start=False)
    if pg.running():
        say("stopping PostgreSQL")
        pg.stop()
    if purge:
        var = os.path.join(SRCDIR, "var")
        say("removing %s" % state)
        shutil.rmtree(state)
        if os.path.islink(var) and not os.path.exists(var):
            os.unlink(var)
        return 0
    say("down (state kept in %s)" % state)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m harness dev",
                                 description="signet on loopback for development")
    sub = ap.add_subparsers(dest="command", required=True)
    u = sub.add_parser("up", help="start what is not running")
    u.add_argument("--build", required=True, help="the build directory (src/signet)")
    sub.add_parser("status", help="what is running")
    d = sub.add_parser("down", help="stop it all")
    d.add_argument("--purge", action="store_true", help="and remove the state")
    a = ap.parse_args(argv)
    try:
        if IS_ROOT:
            ensure_pg_user()
        if a.command == "up":
            return up(os.path.abspath(a.build))
        if a.command == "status":
            return status()
        return down(a.purge)
    except (RuntimeError, TimeoutError, OSError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
