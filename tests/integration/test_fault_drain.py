"""SIGTERM drains (issue 18, point 1): the connections waiting in signet's socket when
SIGTERM comes, and those that come while the requests in flight finish, all get
answers; and with a socket that outlives signet (systemd's signet.socket, emulated here
by a launcher that owns the socket and starts signet with it on fd 0, as
StandardInput=socket does) a restart under load loses no request.

The slow requests are GET /api/init held by an ACCESS EXCLUSIVE lock on users that the
test takes in its own psql session; how many connections wait in the socket's queue is
read from ss(8) (the Recv-Q of a listening unix socket).

Measured numbers (README's operations section) are printed: run with -rP to see them.
"""

import os
import signal
import socket
import subprocess
import threading
import time

from harness.flows import bearer, unicat_signup
from harness import Api, Nginx, free_port, wait_until


def queued(path):
    """Connections waiting in the accept queue of the listening unix socket at path."""
    out = subprocess.run(["ss", "-xlnH"], stdout=subprocess.PIPE, text=True,
                         timeout=10).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5 and f[4] == path:
            return int(f[2])
    return 0


class TableLock:
    """ACCESS EXCLUSIVE on a table, held by a psql session of the test until release()."""

    def __init__(self, pg, table):
        psql = os.path.join(pg.bindir, "psql")
        self.proc = subprocess.Popen(
            [psql if os.path.exists(psql) else "psql", "-X", "-q", "-h", pg.host, "-p", str(pg.port), "-U", "postgres",
             "-d", pg.dbname], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        self.proc.stdin.write("BEGIN;\nLOCK TABLE %s IN ACCESS EXCLUSIVE MODE;\n"
                              "\\echo locked\n" % table)
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line.strip() == "locked", line

    def release(self):
        if self.proc.poll() is None:
            self.proc.stdin.write("COMMIT;\n\\q\n")
            self.proc.stdin.flush()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def waiting_on_locks(pg):
    return int(pg.sql_value("SELECT count(*) FROM pg_locks WHERE NOT granted"))


def test_sigterm_answers_every_queued_request(make_signet, pg, smtp, unique):
    stack = make_signet(workers=2)
    user = unicat_signup(stack.api, smtp, unique)
    api = Api(stack.url, timeout=60)
    results = {}

    def init(i):
        try:
            results[i] = api.get("/api/init", headers=bearer(user)).status_code
        except Exception as e:  # a reset connection would surface here
            results[i] = repr(e)

    lock = TableLock(pg, "users")
    threads = []
    try:
        # Two requests hold the two workers (blocked on the lock), four wait in the queue.
        for i in range(6):
            threads.append(threading.Thread(target=init, args=(i,)))
            threads[-1].start()
        wait_until(lambda: waiting_on_locks(pg) >= 2, 15, "2 workers blocked on the lock")
        wait_until(lambda: queued(stack.signet.socket) >= 4, 15, "4 connections queued")
        os.kill(stack.signet.pid, signal.SIGTERM)
        time.sleep(0.5)
        # Two more after SIGTERM, while the two in flight still wait.
        for i in range(6, 8):
            threads.append(threading.Thread(target=init, args=(i,)))
            threads[-1].start()
        wait_until(lambda: queued(stack.signet.socket) >= 6, 15, "6 connections queued")
        assert stack.signet.proc.poll() is None
    finally:
        lock.release()
    t0 = time.monotonic()
    for t in threads:
        t.join(60)
    drained = time.monotonic() - t0
    assert stack.signet.proc.wait(30) == 0
    print("SIGTERM with 2 requests in flight and 6 queued: %s; drained in %.2f s" % (
        {c: list(results.values()).count(c) for c in set(results.values())}, drained))
    assert results == {i: 200 for i in range(8)}, results
    log = stack.signet.log_text()
    assert "stopped" in log and "still queued" not in log
    stack.signet.proc = None  # stopped here, not by the fixture


class SocketLauncher:
    """What systemd's signet.socket + signet.service do: own a listening unix socket and
    start signet with it on fd 0; a restart is SIGTERM, wait, start again, while the
    socket stays open and keeps the connections that come meanwhile."""

    def __init__(self, binary, conf, path, logfile):
        self.binary, self.conf, self.path, self.logfile = binary, conf, path, logfile
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        self.sock.listen(128)
        self.proc = None

    def start(self):
        log = open(self.logfile, "ab")
        # -f: as root without `user` (a test); no other change from the unit's command.
        self.proc = subprocess.Popen([self.binary, "-f", "-c", self.conf],
                                     stdin=self.sock.fileno(), stdout=log, stderr=log,
                                     start_new_session=True)
        log.close()

    def stop(self, timeout=30):
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            rc = self.proc.wait(10)
        self.proc = None
        return rc

    def close(self):
        try:
            self.stop()
        finally:
            self.sock.close()


def test_restart_with_the_socket_kept_loses_no_request(make_signet, tmp_path):
    # Its config (and migrations); the launcher runs that config's signet itself.
    stack = make_signet(nginx=False, workers=2)
    stack.signet.stop()
    path = str(tmp_path / "signet.sock")
    launcher = SocketLauncher(stack.signet.binary, stack.signet.conf, path,
                              stack.signet.logfile)
    nginx = Nginx(tmp_path / "nginx", free_port(), path)
    codes, slowest = [], [0.0]
    stop = threading.Event()
    try:
        launcher.start()
        nginx.start()
        api = Api(nginx.url, timeout=60)
        wait_until(lambda: api.get("/api/health").status_code == 200, 15, "signet up")

        def load():
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline:
                t = time.monotonic()
                try:
                    codes.append(api.get("/api/health").status_code)
                except Exception as e:
                    codes.append(repr(e))
                slowest[0] = max(slowest[0], time.monotonic() - t)

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(1)
        restarts = []
        for _ in range(3):
            t = time.monotonic()
            assert launcher.stop() == 0
            launcher.start()
            restarts.append(time.monotonic() - t)
            time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(60)
    finally:
        stop.set()
        nginx.stop()
        launcher.close()
    tally = {c: codes.count(c) for c in set(codes)}
    print("3 restarts under load (4 clients): %s; stop+start took %s s; slowest "
          "request %.2f s" % (tally, ", ".join("%.2f" % r for r in restarts), slowest[0]))
    assert len(codes) > 100
    assert set(codes) == {200}, tally
    assert stack.signet.log_text().count("using the FastCGI socket inherited on fd 0") >= 4
