"""contrib/dev/up, status and down (tests/harness/dev.py) as a developer runs them, on
free ports and with a state folder of their own; and where the state goes when the
checkout is out of the cluster owner's reach (cloned as root into /root, mode 0700)."""

import json
import os
import re
import shutil
import subprocess

import pytest

import harness
from harness import (IS_ROOT, PG_USER, SANITIZER_RE, MailDir, extract_code, free_port,
                     pid_alive, public_tmpdir, read_pidfile, tcp_open, user_can_reach,
                     wait_until)
from harness.dev import state_dir

DEV = os.path.join(harness.SRCDIR, "contrib", "dev")
NAMES = ("postgres", "mail catcher", "signet", "nginx")


def dev(command, env, *args, timeout=180):
    """Run contrib/dev/<command>; the CompletedProcess with .out (stdout and stderr)."""
    r = subprocess.run([os.path.join(DEV, command)] + list(args), env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    r.out = r.stdout.decode("utf-8", "replace")
    return r


def shell(line, timeout=60):
    r = subprocess.run(["bash", "-c", line], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    assert r.returncode == 0, (line, r.stderr)
    return r.stdout.decode("utf-8", "replace")


@pytest.fixture
def dev_env():
    """The environment of contrib/dev/*: this build as it is, free ports, a state folder
    the cluster's owner reaches.  Afterwards everything is stopped and removed."""
    state = public_tmpdir("signet-dev-test-")
    env = dict(os.environ, SIGNET_STATE_DIR=state, SIGNET_NO_BUILD="1",
               SIGNET_BUILD_DIR=harness.BUILDDIR, SIGNET_PORT=str(free_port()),
               SIGNET_PG_PORT=str(free_port()), SIGNET_CATCHER_PORT=str(free_port()))
    for k in ("SIGNET_SMTP", "SIGNET_CONFIG_EXTRA", "http_proxy", "HTTP_PROXY"):
        env.pop(k, None)
    try:
        yield env
    finally:
        dev("down", env, "--purge", timeout=120)
        shutil.rmtree(state, ignore_errors=True)


def test_up_status_first_signup_down(dev_env):
    env = dev_env
    state = env["SIGNET_STATE_DIR"]
    url = "http://127.0.0.1:%s" % env["SIGNET_PORT"]
    up = dev("up", env)
    assert up.returncode == 0, up.out
    assert "signet is up" in up.out and url in up.out, up.out

    st = dev("status", env)
    assert st.returncode == 0, st.out
    for name in NAMES:
        assert re.search(r"^%s +running, pid \d+" % name, st.out, re.M), st.out
    assert "%s, /api/health: 200" % url in st.out, st.out
    assert "127.0.0.1:%s" % env["SIGNET_PG_PORT"] in st.out, st.out
    assert "127.0.0.1:%s" % env["SIGNET_CATCHER_PORT"] in st.out, st.out

    # The first signup as up prints it: the curl line works, the code is where it says.
    lines = [l.strip() for l in up.out.splitlines() if l.strip().startswith("curl ")]
    ask = [l for l in lines if "/api/signup_request" in l]
    finish = [l for l in lines if "/api/signup " in l]
    assert ask and finish, up.out
    answer = json.loads(shell(ask[0]))
    assert answer["success"] is True, answer
    email = re.search(r'"email":"([^"]+)"', ask[0]).group(1)
    mail = MailDir(os.path.join(state, "mail")).wait_for(to=email, timeout=30)
    code = extract_code(mail)
    assert os.path.join(state, "mail") in up.out and "mailcatcher.log" in up.out, up.out
    # The catcher saves the mail, then logs it: the log line may lag the file a little.

    def logged():
        with open(os.path.join(state, "mailcatcher.log")) as f:
            return code in f.read()
    wait_until(logged, 10, "the code in mailcatcher.log")
    out = shell(finish[0].replace("<from the answer>", answer["result"]["validation_code"])
                .replace("<from the mail>", code))
    assert re.search(r"^HTTP/\S+ 200", out, re.M), out
    assert re.search(r"^Authorization: ", out, re.M | re.I), out

    # up again: everything already runs, nothing restarts
    pids = [read_pidfile(os.path.join(state, f)) for f in
            ("signet.pid", "mailcatcher.pid", os.path.join("nginx", "nginx.pid"))]
    with open(os.path.join(state, "pg", "data", "postmaster.pid")) as f:
        pids.append(int(f.readline()))
    assert all(pids), pids
    again = dev("up", env)
    assert again.returncode == 0 and "==> starting" not in again.out, again.out
    assert pids[0] == read_pidfile(os.path.join(state, "signet.pid"))

    down = dev("down", env)
    assert down.returncode == 0, down.out
    st = dev("status", env)
    assert st.returncode == 3, st.out
    for name in NAMES:
        assert re.search(r"^%s +not running" % name, st.out, re.M), st.out
    assert [p for p in pids if pid_alive(p)] == []
    for k in ("SIGNET_PORT", "SIGNET_PG_PORT", "SIGNET_CATCHER_PORT"):
        assert not tcp_open("127.0.0.1", int(env[k])), k
    with open(os.path.join(state, "signet.log"), errors="replace") as f:
        assert [l for l in f if SANITIZER_RE.search(l)] == []


def test_state_where_the_cluster_owner_reaches_it(tmp_path):
    """pytest's tmp_path is private (0700): a checkout there is out of the cluster
    owner's reach when we are root.  var/ then links to a folder under the state base
    (one per checkout), and what an earlier run left in a var/ of its own moves there."""
    top = str(tmp_path / "signet")
    os.makedirs(os.path.join(top, "var", "mail"))
    with open(os.path.join(top, "var", "mail", "old.eml"), "w") as f:
        f.write("Subject: kept\n\nkept\n")
    base = public_tmpdir("signet-dev-base-")
    reachable = public_tmpdir("signet-dev-checkout-")
    env = os.environ.pop("SIGNET_STATE_DIR", None)
    try:
        state = state_dir(top=top, base=base)
        var = os.path.join(top, "var")
        if IS_ROOT:
            assert os.path.islink(var) and os.path.realpath(var) == state
            assert os.path.dirname(state) == base
            assert user_can_reach(PG_USER, state)
        else:
            assert state == var and not os.path.islink(var)
        assert os.path.exists(os.path.join(state, "mail", "old.eml"))
        assert state_dir(top=top, base=base) == state
        # a checkout the owner reaches keeps var/ in the tree, as it always did
        assert state_dir(top=reachable, base=base) == os.path.join(reachable, "var")
        assert not os.path.islink(os.path.join(reachable, "var"))
    finally:
        if env is not None:
            os.environ["SIGNET_STATE_DIR"] = env
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(reachable, ignore_errors=True)
