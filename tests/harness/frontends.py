"""signet behind each web server it supports, for the integration tests, each started
from its contrib/ files with the ports and paths filled in:

  nginx       conftest's shared nginx and signet (contrib/nginx/signet.conf)
  lighttpd    lighttpd -D with contrib/lighttpd/{lighttpd-dev,signet}.conf in front of
              its own signet's socket
  apache      apache2 -DFOREGROUND with contrib/apache/{httpd-dev,signet}.conf: mod_fcgid
              starts signet itself (workers = 0, SIGNET_CONFIG), and `signet --mailer`
              runs beside it to send the mail
  spawn-fcgi  contrib/spawn-fcgi/signet-spawn-fcgi: spawn-fcgi binds the socket and execs
              signet on it (fd 0); as root signet drops to an unprivileged user; nginx
              in front

conftest.py's fixtures `frontend` and `frontend_stack` start them with start_frontend().
SIGNET_TEST_FRONTENDS (e.g. "nginx lighttpd") picks some; default: all four.  A missing
server is an error naming its Debian package, never a silent skip.  Everything listens
on 127.0.0.1 only, every wait is bounded, and everything is stopped at the end.
"""

import grp
import os
import pwd
import shutil
import signal
import subprocess

from .api import Api
from .fake_fcgi import FakeFcgi
from .nginx import Nginx, Server
from .postgres import OtherDatabase
from .proc import (HERE, IS_ROOT, PG_USER, SRCDIR, check_reachable, ensure_pg_user,
                   find_binary, free_port, kill_group, me, procs_with_env, public_tmpdir,
                   spawn, tail, unix_open, unprivileged, wait_until)
from .signet import SANITIZER_RE, Mailer, Signet

ALL = ("nginx", "lighttpd", "apache", "spawn-fcgi")
CONTRIB = os.path.join(SRCDIR, "contrib")


def selected():
    """The front ends to test: $SIGNET_TEST_FRONTENDS or all."""
    want = os.environ.get("SIGNET_TEST_FRONTENDS", "").replace(",", " ").split()
    bad = [w for w in want if w not in ALL]
    if bad:
        raise RuntimeError("SIGNET_TEST_FRONTENDS: unknown %s (known: %s)" % (
            ", ".join(bad), ", ".join(ALL)))
    return [f for f in ALL if f in want] if want else list(ALL)


def fill(template, out, **values):
    """Copy template to out with every @KEY@ replaced by values[KEY]."""
    with open(template) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, str(v))
    with open(out, "w") as f:
        f.write(text)
    return out


def socket_owner():
    """SIGNET_SOCKET_OWNER for contrib/spawn-fcgi/signet-spawn-fcgi: as root, the
    unprivileged user (root's nginx gets in anyway); else none (spawn-fcgi may not)."""
    return "%s:%s" % unprivileged() if IS_ROOT else ""


# ------------------------------------------------------------------------------ servers

class Lighttpd(Server):
    """lighttpd with contrib/lighttpd/lighttpd-dev.conf around contrib/lighttpd/signet.conf,
    in front of the FastCGI socket socket_path."""

    name = "lighttpd"

    def __init__(self, workdir, port, socket_path):
        super().__init__(workdir, port)
        self.binary = find_binary(["lighttpd"], "lighttpd")
        self.socket = socket_path
        self.error_log = os.path.join(self.dir, "error.log")
        for d in ("htdocs", "tmp"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        server = fill(os.path.join(CONTRIB, "lighttpd", "signet.conf"),
                      os.path.join(self.dir, "signet.conf"), SOCKET=socket_path)
        self.conf = fill(os.path.join(CONTRIB, "lighttpd", "lighttpd-dev.conf"),
                         os.path.join(self.dir, "lighttpd.conf"),
                         DIR=self.dir, PORT=port, SERVER=server)

    def test_cmd(self):
        return [self.binary, "-tt", "-f", self.conf]

    def cmd(self):
        return [self.binary, "-D", "-f", self.conf]


class Apache(Server):
    """Apache httpd with contrib/apache/httpd-dev.conf around contrib/apache/signet.conf:
    mod_fcgid runs `program` (signet) with SIGNET_CONFIG=config.  workdir must be
    traversable by the user Apache's children run as (see public_tmpdir())."""

    name = "apache"

    def __init__(self, workdir, port, program, config, env=None):
        super().__init__(workdir, port)
        self.binary = find_binary(["apache2", "httpd"], "apache2")
        self.modules = "/usr/lib/apache2/modules"
        for m in ("mod_mpm_event.so", "mod_authz_core.so", "mod_alias.so"):
            if not os.path.exists(os.path.join(self.modules, m)):
                raise RuntimeError("%s/%s not found: apt-get install apache2" % (
                    self.modules, m))
        if not os.path.exists(os.path.join(self.modules, "mod_fcgid.so")):
            raise RuntimeError("mod_fcgid not found: apt-get install libapache2-mod-fcgid")
        self.program = program
        self.config = config
        self.user, self.group = unprivileged() if IS_ROOT else me()
        self.error_log = os.path.join(self.dir, "error.log")
        os.makedirs(os.path.join(self.dir, "htdocs"), exist_ok=True)
        server = fill(os.path.join(CONTRIB, "apache", "signet.conf"),
                      os.path.join(self.dir, "signet.conf"),
                      PORT=port, SIGNET=program, CONFIG=config)
        self.conf = fill(os.path.join(CONTRIB, "apache", "httpd-dev.conf"),
                         os.path.join(self.dir, "httpd.conf"),
                         DIR=self.dir, PORT=port, MODULES=self.modules, USER=self.user,
                         GROUP=self.group, SERVER=server)
        # Sanitizer options reach signet only through FcgidInitialEnv.
        lines = ['FcgidInitialEnv %s "%s"\n' % (k, v) for k, v in sorted((env or {}).items())]
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if os.environ.get(k):
                lines.append('FcgidInitialEnv %s "%s"\n' % (k, os.environ[k]))
        with open(os.path.join(self.dir, "env.conf"), "w") as f:
            f.writelines(lines)
        check_reachable(self.user, [program, config], "apache")

    def env(self):
        # Debian's apache2 reads nothing from the environment with its own -f config,
        # but keep the locale predictable.
        e = dict(os.environ)
        e.setdefault("LANG", "C")
        return e

    def test_cmd(self):
        return [self.binary, "-t", "-f", self.conf]

    def cmd(self):
        return [self.binary, "-f", self.conf, "-DFOREGROUND"]

    def spawned(self):
        """Pids of the processes mod_fcgid started with our SIGNET_CONFIG."""
        return procs_with_env("SIGNET_CONFIG", self.config)

    def stop(self, timeout=15):
        super().stop(timeout)
        # mod_fcgid's process manager stops its children; make sure none survive.
        try:
            wait_until(lambda: not self.spawned(), 5, "mod_fcgid's processes to exit")
        except TimeoutError:
            for pid in self.spawned():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            raise AssertionError("apache: processes of %s outlived Apache" % self.program)


class SpawnFcgiSignet(Signet):
    """signet started by contrib/spawn-fcgi/signet-spawn-fcgi: spawn-fcgi binds
    self.socket and execs signet with it on fd 0 (so signet stays in the foreground
    without -f).  As root the config names an unprivileged user to drop to."""

    def start(self, extra_config=None, migrate=None, wait=True, timeout=30):
        self._prepare_start(extra_config, migrate)
        script = os.path.join(CONTRIB, "spawn-fcgi", "signet-spawn-fcgi")
        env = spawn_fcgi_env(self.binary, self.conf, self.socket, SIGNET_SOCKET_MODE="0660")
        self.proc = spawn(["/bin/sh", script], self.logfile, header="--- starting " + script,
                          cwd=self.dir, env=env)
        if wait:
            self.wait_ready(timeout)
        return self


def spawn_fcgi_env(program, config, sock, **more):
    """The environment of contrib/spawn-fcgi/signet-spawn-fcgi for program on sock."""
    return dict(os.environ, SIGNET=program, SIGNET_CONFIG=config, SIGNET_SOCKET=sock,
                SIGNET_SOCKET_OWNER=socket_owner(),
                SPAWN_FCGI=find_binary(["spawn-fcgi"], "spawn-fcgi"), **more)


# ------------------------------------------------------------------------------- stacks

class Frontend:
    """One front end in front of signet.
      .name, .url, .api (harness.Api on .url)
      .signet: the harness.Signet whose config the signet(s) behind it use
      .parts: what was started here (stopped in reverse order by .stop())
      .logs: files scanned for sanitizer reports by .problems()"""

    def __init__(self, name, url, signet=None, parts=(), logs=(), liveness=()):
        self.name = name
        self.url = url
        self.api = Api(url)
        self.signet = signet
        self.parts = list(parts)
        self.logs = list(logs)
        self.liveness = list(liveness)  # (label, callable -> bool)
        self._offsets = {}
        self.problems()  # start scanning from here

    def __repr__(self):
        return "<Frontend %s %s>" % (self.name, self.url)

    def problems(self):
        """What went wrong since the last call: a dead process, sanitizer lines."""
        out = ["%s is not running" % label for label, alive in self.liveness if not alive()]
        for path in self.logs:
            try:
                with open(path, "rb") as f:
                    f.seek(self._offsets.get(path, 0))
                    data = f.read()
            except FileNotFoundError:
                continue
            self._offsets[path] = self._offsets.get(path, 0) + len(data)
            bad = [l for l in data.decode("utf-8", "replace").splitlines()
                   if SANITIZER_RE.search(l)]
            if bad:
                out.append("sanitizer reports in %s:\n%s" % (path, "\n".join(bad)))
        return out

    def log_tail(self, lines=30):
        return "\n".join("--- %s:\n%s" % (p, tail(p, lines)) for p in self.logs)

    def stop(self):
        errors = []
        for part in reversed(self.parts):
            try:
                if isinstance(part, Signet):
                    part.stop(check=True)
                else:
                    part.stop()
            except Exception as e:  # stop them all, then report
                errors.append(str(e))
        self.parts = []
        if errors:
            raise AssertionError("%s front end: %s" % (self.name, "\n".join(errors)))


def copy_keys(keys, directory, user=None):
    """Copies of the session's key files that user (when root) can read."""
    os.makedirs(directory, exist_ok=True)
    out = {}
    for k, src in (("jwt_secret_file", keys.jwt), ("secret_file", keys.hmac),
                   ("totp_key_file", keys.totp)):
        dst = os.path.join(directory, os.path.basename(src))
        shutil.copyfile(src, dst)
        os.chmod(dst, 0o600)
        if user is not None and IS_ROOT:
            pw = pwd.getpwnam(user)
            os.chown(dst, pw.pw_uid, pw.pw_gid)
        out[k] = dst
    return out


def behind(name, signet, make_server):
    """Start signet, then the server make_server(signet) in front of it: a Frontend."""
    parts = [signet]
    try:
        signet.start()
        srv = make_server(signet)
        parts.append(srv)
        srv.start()
    except Exception:
        for p in reversed(parts):
            p.stop(**({"check": False} if isinstance(p, Signet) else {}))
        raise
    return Frontend(name, srv.url, signet, parts, logs=[signet.logfile, srv.error_log],
                    liveness=[("signet", signet.running), (srv.name, srv.running)])


def start_lighttpd(pg, smtp, keys, tmp):
    port = free_port()
    s = Signet(tmp("lighttpd-signet"), pg, smtp, keys,
               public_url="http://127.0.0.1:%d" % port, name="signet(lighttpd)")
    return behind("lighttpd", s, lambda s: Lighttpd(tmp("lighttpd"), port, s.socket))


def start_apache(pg, smtp, keys, tmp):
    port = free_port()
    top = public_tmpdir("signet-apache-")
    user, group = unprivileged() if IS_ROOT else me()
    sdir = os.path.join(top, "signet")
    os.makedirs(sdir)
    os.chmod(sdir, 0o755)
    s = Signet(sdir, pg, smtp, keys, public_url="http://127.0.0.1:%d" % port,
               name="signet(apache)")
    extra = {"workers": "0"}
    extra.update(copy_keys(keys, os.path.join(sdir, "keys"), user))
    s.write_config(extra)
    os.chmod(s.conf, 0o644)
    s.migrate()
    parts = []
    try:
        ap = Apache(os.path.join(top, "httpd"), port, s.binary, s.conf)
        parts.append(ap)
        ap.start()
        # mod_fcgid's processes serve in-process and have no mailer: run one beside,
        # as the same unprivileged user.
        m = Mailer(s.binary, s.conf, os.path.join(sdir, "mailer.log"),
                   *((user, group) if IS_ROOT else (None, None)))
        parts.append(m)
        m.start()
    except Exception:
        for p in reversed(parts):
            try:
                p.stop()
            except Exception:
                pass
        shutil.rmtree(top, ignore_errors=True)
        raise
    fe = Frontend("apache", ap.url, s, parts, logs=[ap.error_log, m.logfile],
                  liveness=[("apache", ap.running), ("signet --mailer", m.running)])
    fe.apache = ap
    fe.cleanup_dir = top
    return fe


def start_spawn_fcgi(pg, smtp, keys, tmp):
    port = free_port()
    extra = {}
    if IS_ROOT:
        # spawn-fcgi runs signet as root: signet drops to this user after opening its
        # secrets (its config must say so: it refuses to run as root otherwise).
        ensure_pg_user()
        extra.update(user=PG_USER, group=grp.getgrgid(pwd.getpwnam(PG_USER).pw_gid).gr_name)
    s = SpawnFcgiSignet(tmp("spawn-fcgi-signet"), pg, smtp, keys,
                        public_url="http://127.0.0.1:%d" % port, extra_config=extra,
                        name="signet(spawn-fcgi)")
    return behind("spawn-fcgi", s, lambda s: Nginx(tmp("spawn-fcgi-nginx"), port, s.socket))


def start_frontend(name, request, pg, smtp, keys, tmp_path_factory):
    def tmp(base):
        return tmp_path_factory.mktemp(base)

    if name != "nginx":
        pg = OtherDatabase(pg, "signet_frontends")

    if name == "nginx":
        # conftest's shared stack: its own guard watches it between tests.
        signet = request.getfixturevalue("signet")
        nginx = request.getfixturevalue("nginx")
        return Frontend("nginx", nginx.url, signet, parts=[],
                        logs=[nginx.error_log],
                        liveness=[("nginx", nginx.running)])
    if name == "lighttpd":
        return start_lighttpd(pg, smtp, keys, tmp)
    if name == "apache":
        return start_apache(pg, smtp, keys, tmp)
    if name == "spawn-fcgi":
        return start_spawn_fcgi(pg, smtp, keys, tmp)
    raise ValueError(name)


# ------------------------------------------------------- what each server sends (echo)

class EchoStack:
    """A front end started from the same contrib files, with a FastCGI echo responder
    (fake_fcgi.py, fcgi_echo.py) where signet would be: .api answers every request with
    the FastCGI params the server sent."""

    def __init__(self, name, tmp):
        self.name = name
        self.parts = []
        self.cleanup_dir = None
        try:
            self._start(tmp)
        except Exception:
            self.stop()
            raise
        self.api = Api(self.url, exempt="a FastCGI echo responder behind the front end, "
                       "not signet")

    def _start(self, tmp):
        port = free_port()
        if self.name in ("nginx", "lighttpd"):
            d = str(tmp("echo-" + self.name))
            sock = os.path.join(d, "echo.sock")
            fake = FakeFcgi(sock).start()
            self.parts.append(fake)
            srv = (Nginx(tmp("echo-nginx-srv"), port, sock) if self.name == "nginx"
                   else Lighttpd(tmp("echo-lighttpd-srv"), port, sock))
            self.parts.append(srv)
            srv.start()
        elif self.name == "apache":
            top = self.cleanup_dir = public_tmpdir("signet-apache-echo-")
            prog = echo_program(os.path.join(top, "bin"))
            conf = os.path.join(top, "bin", "unused.conf")
            open(conf, "w").close()
            os.chmod(conf, 0o644)
            srv = Apache(os.path.join(top, "httpd"), port, prog, conf)
            self.parts.append(srv)
            srv.start()
        elif self.name == "spawn-fcgi":
            d = str(tmp("echo-spawn-fcgi"))
            sock = os.path.join(d, "echo.sock")
            script = os.path.join(CONTRIB, "spawn-fcgi", "signet-spawn-fcgi")
            out = os.path.join(d, "spawn-fcgi.out")
            proc = spawn(["/bin/sh", script], out,
                         env=spawn_fcgi_env(echo_program(d), "/nonexistent", sock))
            self.parts.append(_Proc(proc))
            wait_until(lambda: unix_open(sock) or proc.poll() is not None, 15,
                       "spawn-fcgi's socket")
            if proc.poll() is not None:
                raise RuntimeError("spawn-fcgi exited: %s" % tail(out))
            srv = Nginx(tmp("echo-spawn-fcgi-nginx"), port, sock)
            self.parts.append(srv)
            srv.start()
        else:
            raise ValueError(self.name)
        self.url = "http://127.0.0.1:%d" % port

    def params(self, path, method="GET", **kw):
        """The FastCGI params the server sent for one request: {name: [values]}."""
        r = self.api.request(method, path, **kw)
        assert r.status_code == 200, (r.status_code, r.text)
        got = r.json()
        params = {k: v if isinstance(v, list) else [v] for k, v in got["params"].items()}
        return params, got

    def stop(self):
        for p in reversed(self.parts):
            try:
                p.stop()
            except Exception:
                pass
        self.parts = []
        if self.cleanup_dir and not os.environ.get("SIGNET_TEST_KEEP"):
            shutil.rmtree(self.cleanup_dir, ignore_errors=True)


def echo_program(directory):
    """Executable copies of fcgi_echo.py and fake_fcgi.py in directory (made 0755, so
    that the user a server runs programs as reaches them); the path of fcgi_echo.py."""
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o755)
    for f in ("fcgi_echo.py", "fake_fcgi.py"):
        shutil.copyfile(os.path.join(HERE, f), os.path.join(directory, f))
        os.chmod(os.path.join(directory, f), 0o755)
    return os.path.join(directory, "fcgi_echo.py")


class _Proc:
    """A Popen in its own process group, stopped with its group."""

    def __init__(self, proc):
        self.proc = proc

    def stop(self):
        kill_group(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            kill_group(self.proc.pid)
            self.proc.wait(5)
