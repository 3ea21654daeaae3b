"""Network namespaces for the multi-host test (tests/integration/test_multihost.py) and
bench/multihost.py: several hosts on a private bridge, without touching the machine's
own network.

    ok, why = netns_usable()              # root, `ip netns`, veth and bridge work?
    lab = Lab(["db", "host1", "host2", "client"])     # namespaces on one bridge
    with lab["host1"].inside():           # this thread in host1's network stack:
        server.start()                    # what it starts (and connects) lives there
    lab.destroy()                         # kill what runs inside, delete the namespaces

Topology: every namespace of the lab has one veth `eth0` with an address on
10.77.0.0/24 (lab.addr(name)); the other ends hang on a bridge in a namespace of its
own (`sw`), so nothing is added to the machine's namespace (no device, no address, no
route) and two labs never see each other.  Names are smh<pid>-<role>: cleanup_leftovers()
removes what a killed earlier run (its pid gone) left behind.

Switching namespaces is per thread (setns(2) on this thread only): what a thread
creates while inside (sockets, child processes, threads) stays in that namespace after
it leaves.  Servers started inside keep listening there; a client made inside (the
test's SMTP sink, its HTTP sessions) reaches the lab's addresses only.
"""

import contextlib
import ctypes
import os
import re
import shutil
import signal
import time

from .postgres import Postgres
from .proc import IS_ROOT, find_binary, pid_alive, run

CLONE_NEWNET = 0x40000000
SUBNET = "10.77.0"
PREFIX = "smh"
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: %s" % os.strerror(e))


def ip(*args, check=True, timeout=30):
    return run([find_binary(["ip"], "iproute2")] + list(args), check=check, timeout=timeout)


def netns_usable():
    """(True, "") when this process can build a lab: root, iproute2's `ip netns`, veth
    pairs and a bridge; else (False, why)."""
    if not IS_ROOT:
        return False, "network namespaces need root (ip netns add)"
    try:
        find_binary(["ip"], "iproute2")
    except RuntimeError as e:
        return False, str(e)
    probe = "%s%d-probe" % (PREFIX, os.getpid())
    try:
        r = ip("netns", "add", probe, check=False)
        if r.returncode != 0:
            return False, "ip netns add failed: %s" % r.stderr.decode(errors="replace").strip()
        for cmd in (["-n", probe, "link", "add", "br0", "type", "bridge"],
                    ["-n", probe, "link", "add", "ve0", "type", "veth", "peer", "name", "ve1"],
                    ["-n", probe, "link", "set", "ve0", "master", "br0"]):
            r = ip(*cmd, check=False)
            if r.returncode != 0:
                return False, "ip %s failed: %s" % (" ".join(cmd),
                                                     r.stderr.decode(errors="replace").strip())
        fd = os.open("/run/netns/" + probe, os.O_RDONLY)
        back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            _setns(fd)
            _setns(back)
        except OSError as e:
            return False, str(e)
        finally:
            os.close(fd)
            os.close(back)
        return True, ""
    finally:
        ip("netns", "del", probe, check=False)


class Netns:
    """One network namespace by name: .inside() (this thread, for a while), .pids(),
    .run(cmd) (ip netns exec)."""

    def __init__(self, name, addr=None):
        self.name = name
        self.addr = addr

    @contextlib.contextmanager
    def inside(self):
        back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            _setns(fd)
            try:
                yield self
            finally:
                _setns(back)
        finally:
            os.close(fd)
            os.close(back)

    def pids(self):
        r = ip("netns", "pids", self.name, check=False)
        return [int(p) for p in r.stdout.split()] if r.returncode == 0 else []

    def run(self, cmd, **kw):
        return run([find_binary(["ip"], "iproute2"), "netns", "exec", self.name] + list(cmd),
                   **kw)


def _kill_inside(names, grace=3.0):
    """SIGTERM, then SIGKILL, every process in the namespaces names (not us)."""
    me = os.getpid()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = [p for n in names for p in Netns(n).pids() if p != me]
        if not pids:
            return
        for p in pids:
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(pid_alive(p) for p in pids):
            time.sleep(0.1)


def cleanup_leftovers():
    """Remove the namespaces (and what runs in them, and their state directory) of
    earlier labs whose process is gone.  Returns the names removed."""
    r = ip("netns", "list", check=False)
    stale = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        m = re.match(r"(%s(\d+)-[a-z0-9]+)\b" % PREFIX, line)
        if m and not pid_alive(int(m.group(2))):
            stale.setdefault(int(m.group(2)), []).append(m.group(1))
    removed = []
    for pid, names in stale.items():
        _kill_inside(names)
        for n in names:
            ip("netns", "del", n, check=False)
            removed.append(n)
        shutil.rmtree(state_dir(pid), ignore_errors=True)
    return removed


def state_dir(pid=None):
    """The directory a lab of process pid keeps its servers' files in."""
    return "/tmp/signet-%s%d" % (PREFIX, os.getpid() if pid is None else pid)


class Lab:
    """Namespaces `roles` of this process on one bridge (see the module's doc).
      lab[role] -> Netns (with .addr), lab.addr(role), lab.dir (files, traversable by
      the unprivileged users), lab.destroy()"""

    def __init__(self, roles):
        self.prefix = "%s%d" % (PREFIX, os.getpid())
        self.dir = state_dir()
        self.ns = {}
        self.sw = Netns(self.prefix + "-sw")
        self._made = []
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)
        try:
            self._build(roles)
        except Exception:
            self.destroy()
            raise

    def _add(self, name):
        ip("netns", "add", name)
        self._made.append(name)
        ip("-n", name, "link", "set", "lo", "up")

    def _build(self, roles):
        self._add(self.sw.name)
        ip("-n", self.sw.name, "link", "add", "br0", "type", "bridge")
        ip("-n", self.sw.name, "link", "set", "br0", "up")
        for i, role in enumerate(roles):
            name = "%s-%s" % (self.prefix, role)
            addr = "%s.%d" % (SUBNET, 2 + i if role != "client" else 100)
            self._add(name)
            port = "p%d" % i
            ip("link", "add", "eth0", "netns", name, "type", "veth", "peer", "name", port,
               "netns", self.sw.name)
            ip("-n", self.sw.name, "link", "set", port, "master", "br0")
            ip("-n", self.sw.name, "link", "set", port, "up")
            ip("-n", name, "addr", "add", addr + "/24", "dev", "eth0")
            ip("-n", name, "link", "set", "eth0", "up")
            self.ns[role] = Netns(name, addr)

    def __getitem__(self, role):
        return self.ns[role]

    def addr(self, role):
        return self.ns[role].addr

    def destroy(self):
        """Stop everything still running in the lab's namespaces and delete them.  Call it
        from the machine's namespace (not inside())."""
        _kill_inside(self._made)
        for n in reversed(self._made):
            ip("netns", "del", n, check=False)
        self._made = []
        shutil.rmtree(self.dir, ignore_errors=True)


class LabPostgres(Postgres):
    """A harness Postgres run inside a lab namespace ns (a Netns), listening on 127.0.0.1
    and ns.addr (port 5432: the namespace's own), trusting the lab's subnet.  .host is
    ns.addr, so .dsn reaches it from every namespace of the lab; .sql(), .start(),
    .stop() and .accepting() work from any namespace (they step into ns)."""

    def __init__(self, ns, basedir):
        self.ns = ns
        super().__init__(basedir=basedir, port=5432, start=False)
        self.host = ns.addr
        self.up()

    def _initdb(self):
        super()._initdb()
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("listen_addresses = '127.0.0.1,%s'\n" % self.ns.addr)
        with open(os.path.join(self.data, "pg_hba.conf"), "a") as f:
            f.write("host all all %s.0/24 trust\n" % SUBNET)

    def start(self):
        with self.ns.inside():
            super().start()

    def stop(self, mode="fast"):
        with self.ns.inside():
            super().stop(mode)

    def psql(self, *args, **kw):
        with self.ns.inside():
            return super().psql(*args, **kw)

    def accepting(self):
        with self.ns.inside():
            return super().accepting()
