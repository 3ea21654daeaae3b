"""signet's privileges: as root it opens its socket and reads its secrets, then drops to
`user`/`group` for good (setgroups, setresgid, setresuid, verified); it refuses to run
as root without `user` unless -f is given (development).  src/privdrop.c.

These need root: they are skipped otherwise."""

import os
import pwd
import shutil
import signal
import subprocess

import pytest

import harness
from harness import IS_ROOT, Signet, children_of, procs_with_env, public_tmpdir, wait_until
from harness.frontends import copy_keys

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="needs root")

USER = harness.PG_USER  # an unprivileged system user the harness makes as root


@pytest.fixture
def user():
    harness.ensure_pg_user()
    pw = pwd.getpwnam(USER)
    return pw


def config(tmp_path, pg, smtp, keys, **extra):
    """A harness Signet (not started) whose config holds extra; returns it."""
    s = Signet(tmp_path, pg, smtp, keys, public_url="http://127.0.0.1:1",
               extra_config={k: v for k, v in extra.items()})
    s.write_config()
    return s


def run_signet(s, *args, timeout=20, **kw):
    """Run signet with args and the config of s; it is expected to exit by itself.
    Whatever it left running (it should not) is killed.  Returns CompletedProcess."""
    cmd = [s.binary] + list(args) + ["-c", s.conf]
    env = dict(os.environ, SIGNET_TEST_MARK=s.conf)
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, env=env,
                              start_new_session=True, **kw)
    except subprocess.TimeoutExpired:
        pytest.fail("%s did not exit within %ss" % (" ".join(cmd), timeout))
    finally:
        for pid in procs_with_env("SIGNET_TEST_MARK", s.conf):  # a daemon it became
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


@pytest.mark.parametrize("args", [[], ["--mailer"]], ids=["daemon", "mailer"])
def test_root_without_user_is_refused(tmp_path, pg, smtp, keys, args):
    s = config(tmp_path, pg, smtp, keys)
    r = run_signet(s, *args)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert b"refusing to run as root" in r.stderr, r.stderr


@pytest.mark.parametrize("extra,message", [
    ({"user": "signet-no-such-user"}, b"no such user"),
    ({"user": USER, "group": "signet-no-such-group"}, b"no such group"),
    ({"user": "root"}, b"is root"),
], ids=["unknown-user", "unknown-group", "user-root"])
def test_bad_user_is_refused(tmp_path, pg, smtp, keys, user, extra, message):
    s = config(tmp_path, pg, smtp, keys, **extra)
    r = run_signet(s, "-f")
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert message in r.stderr, r.stderr


def test_drop_to_user(make_signet, user):
    """Master and workers run as user:group with no other group and no capability;
    the socket made by root belongs to user:group; requests are served."""
    stack = make_signet(user=USER, group=USER)
    s = stack.signet
    assert stack.api.get("/api/health").status_code == 200
    kids = wait_until(lambda: len(children_of(s.pid)) >= 2 and children_of(s.pid), 10,
                      "workers")
    for pid in [s.pid] + kids:
        st = status(pid)
        assert st["Uid"].split() == [str(user.pw_uid)] * 4, (pid, st["Uid"])
        assert st["Gid"].split() == [str(user.pw_gid)] * 4, (pid, st["Gid"])
        assert st["Groups"].split() in ([], [str(user.pw_gid)]), (pid, st["Groups"])
        assert int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0, st
    sock = os.stat(s.socket)
    assert (sock.st_uid, sock.st_gid) == (user.pw_uid, user.pw_gid)


def test_already_that_user_is_fine(pg, smtp, keys, user):
    """Started as user itself (systemd's User=), `user = <itself>` is a no-op; naming
    another user then fails: only root can switch."""
    top = public_tmpdir("signet-privdrop-")
    try:
        os.chown(top, user.pw_uid, user.pw_gid)
        kdir = os.path.join(top, "keys")
        os.makedirs(kdir)
        extra = copy_keys(keys, kdir, USER)
        s = config(top, pg, smtp, keys, user=USER, workers="1", **extra)
        os.chmod(s.conf, 0o644)
        env = dict(os.environ, SIGNET_TEST_MARK=s.conf)
        proc = subprocess.Popen([s.binary, "-f", "-c", s.conf], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                                start_new_session=True, env=env)
        try:
            wait_until(lambda: harness.unix_open(s.socket) or proc.poll() is not None, 20,
                       "the socket")
            assert proc.poll() is None, proc.stdout.read()
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                out, _ = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                harness.kill_group(proc.pid)
                out, _ = proc.communicate(timeout=5)
        assert proc.returncode == 0, out

        s = config(top, pg, smtp, keys, user="nobody", **extra)
        os.chmod(s.conf, 0o644)
        r = run_signet(s, "-f", user=user.pw_uid, group=user.pw_gid, extra_groups=[])
        assert r.returncode == 1, r.stderr
        assert b"not running as root" in r.stderr, r.stderr
    finally:
        shutil.rmtree(top, ignore_errors=True)
