"""Paths, ports, processes and users: what every other module of the harness builds on.

    SRCDIR, BUILDDIR       the source top and the build top ($SIGNET_SRCDIR, $SIGNET_BUILDDIR)
    free_port(), wait_until(), tcp_open(), unix_open(), tail(), run()
    spawn(cmd, logfile)    a server in its own session, output appended to logfile
    stop_group(proc)       SIGTERM, wait, SIGKILL its process group
    PidProc(pid)           a process we did not start (pid file), stoppable the same way
    PG_USER, ensure_pg_user(), public_tmpdir(), check_reachable()   the unprivileged user
    reachable(path)        path, or a copy the unprivileged users reach (a tree in /root)

Everything is bounded: every wait has a timeout, every command a deadline.
"""

import atexit
import glob
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.environ.get("SIGNET_SRCDIR") or os.path.join(HERE, "..", ".."))
BUILDDIR = os.path.abspath(os.environ.get("SIGNET_BUILDDIR") or SRCDIR)
IS_ROOT = os.geteuid() == 0
# Debian's interpreter: the python3 first on PATH may be another one that lacks
# python3-aiosmtpd and python3-requests.
PYTHON = "/usr/bin/python3"
# initdb refuses to run as root: as root, private clusters belong to this system user
# (and servers that drop privileges drop to it when www-data is missing).
PG_USER = "signet"


# ------------------------------------------------------------------------ waiting

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


def python_cmd(*args):
    """The command line of `python3 -m harness ARGS` (see __main__.py)."""
    return [PYTHON, "-m", "harness"] + list(args)


def python_env(env=None):
    """env (default: ours) with this package on PYTHONPATH and no bytecode written."""
    env = dict(os.environ if env is None else env)
    top = os.path.dirname(HERE)
    env["PYTHONPATH"] = top + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def find_binary(names, package):
    """The first of names found in the sbin/bin directories or on PATH; RuntimeError
    naming the Debian package otherwise."""
    for n in names:
        for d in ("/usr/sbin", "/usr/bin", "/sbin"):
            p = os.path.join(d, n)
            if os.access(p, os.X_OK):
                return p
        p = shutil.which(n)
        if p:
            return p
    raise RuntimeError("%s not found: apt-get install %s" % (names[0], package))


# ---------------------------------------------------------------------- processes

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


def comm_of(pid):
    """The command name of pid (its /proc comm), or None once it is gone."""
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def cpu_ticks(pid):
    """The CPU time pid has used, user and system, in clock ticks; None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def procs_with_env(name, value):
    """Pids of live processes whose environment has name=value (Linux /proc)."""
    needle = ("%s=%s" % (name, value)).encode()
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read().split(b"\0")
            with open("/proc/%s/stat" % d) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in env and state != "Z":
            pids.append(int(d))
    return pids


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


def spawn(cmd, logfile, header=None, **kw):
    """Start cmd as a server: its own session and process group, stdin from /dev/null,
    stdout and stderr appended to logfile (after the line header, if given)."""
    log = open(logfile, "ab")
    try:
        if header:
            log.write(header.encode() + b"\n")
            log.flush()
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True, **kw)
    finally:
        log.close()


def pid_alive(pid, name=None):
    """True if pid runs (not a zombie) and, given name (or a tuple of names), its
    command line mentions it (a stale pid file must not name some other process)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                return False
        if name is not None:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmdline = f.read()
            names = (name,) if isinstance(name, str) else name
            if not any(n.encode() in cmdline for n in names):
                return False
    except (OSError, IndexError):
        return False
    return True


def read_pidfile(path, name=None):
    """The pid in the first line of path if that process is alive (see pid_alive)."""
    try:
        with open(path) as f:
            pid = int(f.readline())
    except (OSError, ValueError):
        return None
    return pid if pid > 0 and pid_alive(pid, name) else None


def write_pidfile(path, pid):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % pid)
    os.replace(path + ".tmp", path)


class PidProc:
    """A running process we did not start (its pid from a pid file), with the part of
    Popen's interface that the stop helpers use: pid, poll(), wait(), send_signal().
    Its exit status is unknown: returncode is 0 once it is gone."""

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None and not pid_alive(self.pid):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout=None):
        deadline = time.monotonic() + (timeout if timeout is not None else 3600)
        while self.poll() is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, sig):
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass


# -------------------------------------------------------------------------- users

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


def as_user(user, cmd):
    """cmd run as user when we are root (runuser), as ourselves otherwise."""
    if IS_ROOT and user is not None:
        return ["runuser", "-u", user, "--"] + list(cmd)
    return list(cmd)


def user_can_reach(user, path, flag="-x"):
    """Can user reach path (test -x by default: traverse a directory)?  Always true
    when we are not root: everything runs as ourselves then."""
    if not IS_ROOT:
        return True
    return run(as_user(user, ["test", flag, path]), check=False).returncode == 0


def check_reachable(user, paths, what):
    """As root, fail early and clearly if user cannot reach paths."""
    for p in paths:
        flag = "-x" if os.access(p, os.X_OK) and not os.path.isdir(p) else "-r"
        if not user_can_reach(user, p, flag):
            raise RuntimeError("%s: user %s cannot reach %s: make its parent directories "
                               "traversable (chmod o+x)" % (what, user, p))


def unprivileged():
    """(user, group) the servers' children run as when we are root: www-data as on
    Debian, else the user that owns the private PostgreSQL clusters."""
    for u in ("www-data", PG_USER):
        try:
            pw = pwd.getpwnam(u)
        except KeyError:
            continue
        return u, grp.getgrgid(pw.pw_gid).gr_name
    raise RuntimeError("no unprivileged user (www-data or %s) to run servers as" % PG_USER)


def me():
    pw = pwd.getpwuid(os.getuid())
    return pw.pw_name, grp.getgrgid(os.getgid()).gr_name


def public_tmpdir(prefix):
    """A temp dir that an unprivileged user can traverse (pytest's are 0700)."""
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    return d


_copies = {}


def reachable(path):
    """path (a file or a directory tree) if the unprivileged users can reach it or we
    are not root; else a copy they can reach (a checkout in /root, mode 0700, where
    signet dropping privileges or run by Apache could not exec its binary or read its
    templates).  One copy per path and process, in a public temp dir removed at exit."""
    if path in _copies:
        return _copies[path]
    flag = "-x" if os.path.isdir(path) or os.access(path, os.X_OK) else "-r"
    if user_can_reach(PG_USER, path, flag):
        _copies[path] = path
        return path
    if None not in _copies:
        _copies[None] = public_tmpdir("signet-public-")
        atexit.register(shutil.rmtree, _copies[None], True)
    dst = os.path.join(_copies[None], "%d-%s" % (len(_copies), os.path.basename(path)))
    if os.path.isdir(path):
        shutil.copytree(path, dst)
        for d, dirs, files in os.walk(dst):
            os.chmod(d, 0o755)
            for f in files:
                os.chmod(os.path.join(d, f), 0o644)
    else:
        shutil.copy2(path, dst)
        os.chmod(dst, 0o755 if flag == "-x" else 0o644)
    _copies[path] = dst
    return dst
