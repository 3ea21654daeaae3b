"""Web servers run in the foreground, and nginx in front of signet: the one nginx
config of the tests, the front-end tests, contrib/dev/up and the benchmarks, made
from contrib/nginx/nginx-dev.conf around contrib/nginx/signet.conf's server block.

    n = Nginx(workdir, port, socket_path).start()        # http://127.0.0.1:port
    n = Nginx(workdir, servers=[(port, sock), ...], for_load=True)   # bench: several
"""

import os
import re
import shutil
import signal
import time

from .proc import IS_ROOT, SRCDIR, PidProc, find_binary, run, spawn, stop_group, tail, tcp_open


class Server:
    """A server run in the foreground in its own session and process group, on
    127.0.0.1:port (and .ports).  Subclasses give .name, .cmd() and write their config;
    .start() waits (bounded) until every port accepts, .stop() SIGTERMs the group and
    SIGKILLs what is left."""

    name = "server"
    error_log = None

    def __init__(self, workdir, port):
        self.dir = str(workdir)
        self.port = port
        self.ports = [port]
        self.url = "http://127.0.0.1:%d" % port
        self.proc = None
        self.output = os.path.join(self.dir, "%s.out" % self.name)

    def cmd(self):
        raise NotImplementedError

    def test_cmd(self):
        return None

    def env(self):
        return None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def attach(self, pid):
        """Take over the server pid (started by an earlier process)."""
        self.proc = PidProc(pid)
        return self

    def logs(self):
        return [p for p in (self.error_log, self.output) if p]

    def log_tail(self, lines=30):
        return "\n".join("--- %s:\n%s" % (p, tail(p, lines)) for p in self.logs())

    def error_log_text(self):
        try:
            with open(self.error_log, errors="replace") as f:
                return f.read()
        except (TypeError, FileNotFoundError):
            return ""

    def start(self, timeout=20):
        if self.running():
            return self
        t = self.test_cmd()
        if t:
            r = run(t, check=False)
            if r.returncode != 0:
                raise RuntimeError("%s refused its configuration:\n%s%s" % (
                    self.name, r.stdout.decode(errors="replace"),
                    r.stderr.decode(errors="replace")))
        self.proc = spawn(self.cmd(), self.output, env=self.env())
        deadline = time.monotonic() + timeout
        for port in self.ports:
            while not tcp_open("127.0.0.1", port):
                if self.proc.poll() is not None or time.monotonic() >= deadline:
                    self.stop()
                    raise RuntimeError("%s did not listen on port %d within %ss\n%s" % (
                        self.name, port, timeout, self.log_tail()))
                time.sleep(0.05)
        return self

    def stop(self, timeout=15):
        if self.proc is None:
            return
        stop_group(self.proc, timeout)
        self.proc = None


def nginx_binary():
    return find_binary(["nginx"], "nginx-light")


def write_nginx_config(directory, servers, srcdir=SRCDIR, for_load=False):
    """directory/nginx.conf: contrib/nginx/nginx-dev.conf including one server block of
    contrib/nginx/signet.conf per (port, socket) of servers, and fastcgi_params beside
    it.  for_load: measuring, not debugging: no access log, warnings only, room for
    wrk's connections; everything else is the shipped configuration.  Temp paths of
    modules this nginx lacks are left out (nginx refuses them).  Returns the path."""
    os.makedirs(os.path.join(directory, "tmp"), exist_ok=True)
    contrib = os.path.join(srcdir, "contrib", "nginx")
    with open(os.path.join(contrib, "signet.conf")) as f:
        block = f.read()
    server_conf = os.path.join(directory, "signet-server.conf")
    with open(server_conf, "w") as f:
        for port, sock in servers:
            f.write(block.replace("@PORT@", str(port)).replace("@SOCKET@", sock))
    with open(os.path.join(contrib, "nginx-dev.conf")) as f:
        top = f.read()
    top = (top.replace("@DIR@", directory)
           .replace("@USER@", "user root root;" if IS_ROOT else "")
           .replace("@SERVER@", server_conf))
    if for_load:
        top = re.sub(r"access_log [^;]*;", "access_log off;", top)
        top = re.sub(r"(error_log [^;]*) info;", r"\1 warn;", top)
        top = re.sub(r"worker_connections \d+;", "worker_connections 4096;", top)
    v = run([nginx_binary(), "-V"], check=False).stderr.decode(errors="replace")
    lines = top.splitlines(True)
    for mod in ("uwsgi", "scgi"):
        if "--without-http_%s_module" % mod in v:
            lines = [l for l in lines if "%s_temp_path" % mod not in l]
    conf = os.path.join(directory, "nginx.conf")
    with open(conf, "w") as f:
        f.writelines(lines)
    params = "/etc/nginx/fastcgi_params"
    if not os.path.exists(params):
        params = os.path.join(contrib, "fastcgi_params")
    shutil.copyfile(params, os.path.join(directory, "fastcgi_params"))
    return conf


class Nginx(Server):
    """nginx in the foreground on 127.0.0.1:<port>, with contrib/nginx/signet.conf's server
    block pointing at a signet socket (or one per (port, socket) of servers).
    .url, .port, .ports, .pid, .stop(), .start(), .reload(), .error_log_text()"""

    name = "nginx"

    def __init__(self, workdir, port=None, socket_path=None, srcdir=SRCDIR, servers=None,
                 for_load=False):
        servers = list(servers or [(port, socket_path)])
        super().__init__(workdir, servers[0][0])
        self.ports = [p for p, _ in servers]
        self.socket = servers[0][1]
        self.srcdir = srcdir
        self.binary = nginx_binary()
        self.error_log = os.path.join(self.dir, "error.log")
        self.pidfile = os.path.join(self.dir, "nginx.pid")
        self.conf = write_nginx_config(self.dir, servers, srcdir, for_load)

    def _cmd(self):
        return [self.binary, "-p", self.dir, "-e", self.error_log, "-c", self.conf]

    def test_cmd(self):
        return self._cmd() + ["-t", "-q"]

    def cmd(self):
        return self._cmd() + ["-g", "daemon off;"]

    def reload(self):
        """Check the config, then SIGHUP the master: it reads it again."""
        r = run(self.test_cmd(), check=False)
        if r.returncode != 0:
            raise RuntimeError("nginx refused %s:\n%s" % (
                self.conf, r.stderr.decode(errors="replace")))
        self.proc.send_signal(signal.SIGHUP)
