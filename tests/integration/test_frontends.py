"""signet behind every front end it supports: nginx, lighttpd, Apache mod_fcgid and
spawn-fcgi (+ nginx), each started from its contrib/ files (frontends.py).  The same
URLs must work on all four.

To add a flow, write a test that takes `frontend` and talks to `frontend.api` (it then
runs once per front end), with the helpers of flows.py.  A flow whose endpoint does not
exist yet (404 through the reference nginx stack, `api`) is skipped, not failed.
"""

import os
import re
import shutil
import stat
import subprocess

import pytest

import harness
from harness import IS_ROOT, children_of, extract_url, flows
from harness.frontends import EchoStack, selected

NOT_FOUND = {"success": False,
             "result": {"code": 404, "message": "Not found", "info": {}},
             "data": {}}


def require_route(api, method, path, json=None, missing=None):
    """Skip the test if signet has no route for method+path yet: a 404 through the
    reference stack (or missing(response) true, for routes whose own answer may be
    404)."""
    r = api.request(method, path, json=json if json is not None else {})
    if (missing(r) if missing else r.status_code == 404):
        pytest.skip("%s %s is not implemented yet" % (method, path))


# --------------------------------------------------------- what each server sends

@pytest.fixture(params=selected())
def echo(request, tmp_path_factory):
    stack = EchoStack(request.param, tmp_path_factory.mktemp)
    try:
        yield stack
    finally:
        stack.stop()


def first(params, name):
    v = params.get(name)
    return v[0] if v else None


def test_fastcgi_params_give_one_url_scheme(echo):
    """Every front end mounts signet at the root with SCRIPT_NAME "" and the whole
    decoded path in PATH_INFO (what src/req.c route_path() routes on)."""
    p, _ = echo.params("/api/health?x=1")
    assert first(p, "SCRIPT_NAME") == "", p
    assert first(p, "PATH_INFO") == "/api/health", p
    assert p["REQUEST_URI"] == ["/api/health?x=1"], p
    assert p["QUERY_STRING"] == ["x=1"], p
    assert p["REQUEST_METHOD"] == ["GET"], p
    assert p["REMOTE_ADDR"] == ["127.0.0.1"], p
    for path, want in (("/", "/"), ("/signup", "/signup"), ("/signup/activation",
                       "/signup/activation"), ("/confirm/signup/0a1b-2c", "/confirm/signup/0a1b-2c"),
                       ("/api/p/9f0e/members/invite", "/api/p/9f0e/members/invite"),
                       ("/api/a%20b", "/api/a b")):
        p, _ = echo.params(path)
        assert first(p, "SCRIPT_NAME") == "", (path, p)
        assert first(p, "PATH_INFO") == want, (path, p)


def test_fastcgi_params_pass_body_and_headers(echo):
    p, got = echo.params("/api/login", method="POST", json={"username": "ann"},
                         headers={"Authorization": "Bearer x.y.z", "X-Api-Key": "k1",
                                  "Accept": "application/vnd.api+json",
                                  "X-Forwarded-For": "192.0.2.7"})
    assert p["REQUEST_METHOD"] == ["POST"]
    assert p["CONTENT_TYPE"] == ["application/json"]
    assert p["CONTENT_LENGTH"] == [str(len('{"username": "ann"}'))]
    assert got["body"] == '{"username": "ann"}'
    # The JWT must reach signet: Apache hides Authorization unless told (CGIPassAuth).
    assert p.get("HTTP_AUTHORIZATION") == ["Bearer x.y.z"], p
    assert p.get("HTTP_X_API_KEY") == ["k1"], p
    assert p.get("HTTP_ACCEPT") == ["application/vnd.api+json"], p
    assert p.get("HTTP_X_FORWARDED_FOR") == ["192.0.2.7"], p


# ------------------------------------------------------------------ basic answers

def test_health(frontend):
    r = frontend.api.get("/api/health")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers.get("Cache-Control") == "no-store"
    body = r.json()
    assert body["success"] is True and body["data"] == {}
    assert body["result"]["status"] == "ok"
    assert body["result"]["database"] == "ok"


def test_health_with_query_string(frontend):
    r = frontend.api.get("/api/health?probe=lb&x=%2F")
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", ["/api/no-such-endpoint", "/api/health/extra", "/api/"])
def test_unknown_path_404(frontend, path):
    r = frontend.api.get(path)
    assert r.status_code == 404, r.text
    assert r.json() == NOT_FOUND
    assert r.headers.get("Cache-Control") == "no-store"


def test_wrong_method_405(frontend):
    r = frontend.api.post("/api/health", json={})
    assert r.status_code == 405, r.text
    assert "GET" in r.headers.get("Allow", ""), dict(r.headers)
    body = r.json()
    assert body["success"] is False and body["result"]["code"] == 405


def test_body_too_large_413(frontend, api):
    """signet's own 413 (max_body 64 KiB), not the web server's."""
    require_route(api, "POST", "/api/login")
    big = {"username": "x" * 70000, "password": "y"}
    r = frontend.api.post("/api/login", json=big)
    assert r.status_code == 413, r.text
    body = r.json()
    assert body["success"] is False and body["result"]["code"] == 413


def test_bad_json_400(frontend, api):
    require_route(api, "POST", "/api/login")
    r = frontend.api.post("/api/login", data=b"{not json",
                          headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["success"] is False and body["result"]["code"] == 400


# ---------------------------------------------------------------------- process model

def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def ids(pid):
    st = proc_status(pid)
    return ([int(x) for x in st["Uid"].split()], [int(x) for x in st["Gid"].split()],
            [int(x) for x in st["Groups"].split()])


def fd0_is_socket(pid):
    return stat.S_ISSOCK(os.stat("/proc/%d/fd/0" % pid).st_mode)


def test_process_model(frontend):
    """Who runs signet, on which socket, how many processes (contrib/*/README)."""
    assert frontend.api.get("/api/health").status_code == 200
    if frontend.name == "apache":
        # mod_fcgid starts signet itself: in-process (workers = 0) processes, no
        # children, the socket on fd 0, as Apache's unprivileged user.
        ap = frontend.apache
        pids = ap.spawned()
        assert pids, "no signet process started by mod_fcgid"
        for pid in pids:
            assert children_of(pid) == [], "workers = 0 must not fork"
            assert fd0_is_socket(pid)
            if IS_ROOT:
                uid = harness.pwd.getpwnam(ap.user).pw_uid
                assert ids(pid)[0] == [uid] * 4
        return
    s = frontend.signet
    kids = harness.wait_until(lambda: len(children_of(s.pid)) >= 2 and children_of(s.pid),
                              10, "signet's workers")
    assert len(kids) >= 2
    if frontend.name == "spawn-fcgi":
        # spawn-fcgi execs signet: the master holds the socket on fd 0 ...
        assert os.path.realpath("/proc/%d/exe" % s.pid) == os.path.realpath(s.binary)
        assert fd0_is_socket(s.pid)
        if IS_ROOT:
            # ... and gave up root for `user` after reading its secrets.
            pw = harness.pwd.getpwnam(s.config["user"])
            for pid in [s.pid] + kids:
                uids, gids, groups = ids(pid)
                assert uids == [pw.pw_uid] * 4, (pid, uids)
                assert gids == [pw.pw_gid] * 4, (pid, gids)
                assert groups in ([], [pw.pw_gid]), (pid, groups)


# ------------------------------------------------------------------------ core flows

def test_unicat_signup_login_init(frontend, smtp, unique, api):
    """Unicat: signup with the mailed code, login, init with the JWT."""
    require_route(api, "POST", "/api/signup_request")
    user = flows.unicat_signup(frontend.api, smtp, unique, prefix="fe")
    jwt = flows.unicat_login(frontend.api, user)["jwt"]
    for auth in (jwt, "Bearer " + jwt):
        r = frontend.api.get("/api/init", headers={"Authorization": auth})
        assert r.status_code == 200, r.text
        assert r.json()["result"]["user"] == user["gid"]


def test_bedita_signup_activation(frontend, smtp, unique, api):
    """BEdita: signup (202), the mailed activation link, activation (202), /auth."""
    for path in ("/signup", "/signup/activation", "/auth"):
        require_route(api, "POST", path)
    ident = flows.new_identity(unique, "be")
    since = smtp.mark()
    r = frontend.api.post("/signup", json={
        "username": ident["username"], "password": ident["password"],
        "email": ident["email"], "activation_url": "https://app.example.org/activate"},
        headers={"Accept": "application/vnd.api+json"})
    assert r.status_code == 202, r.text
    assert r.json()["data"]["attributes"]["status"] == "draft"
    link = extract_url(smtp.wait_for(to=ident["email"], since=since),
                       r"https://app\.example\.org/activate\?\S+")
    uuid = re.search(r"[?&]uuid=([0-9a-fA-F-]+)", link).group(1)
    r = frontend.api.post("/signup/activation", json={"uuid": uuid},
                          headers={"Accept": "application/vnd.api+json"})
    assert r.status_code == 202, r.text
    assert r.content == b""
    r = frontend.api.post("/auth", json={"username": ident["username"],
                                         "password": ident["password"]},
                          headers={"Accept": "application/vnd.api+json"})
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["jwt"].count(".") == 2


def test_freesewing_signup_confirm(frontend, smtp, unique, api):
    """FreeSewing: signup (201), the mailed confirmation link, confirm (200 + token)."""
    require_route(api, "POST", "/signup")
    require_route(api, "POST", "/confirm/signup/probe", json={"consent": 1},
                  missing=lambda r: r.status_code == 404 and
                  "failedToFindConfirmationId" not in r.text)
    email = "%s@example.org" % unique("fs")
    since = smtp.mark()
    r = frontend.api.post("/signup", json={"email": email, "language": "en"})
    assert r.status_code == 201, r.text
    assert r.json() == {"result": "success", "email": email}
    link = extract_url(smtp.wait_for(to=email, since=since), r"\S+/confirm/signup/\S+")
    cid = link.rstrip(".,;)>").rsplit("/", 1)[1]
    r = frontend.api.post("/confirm/signup/%s" % cid, json={"consent": 1})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"] == "success"
    assert body["token"].count(".") == 2
    assert body["account"]["email"] == email and body["account"]["status"] == 1


# ----------------------------------------------------------------------- systemd units

def test_systemd_units_verify(tmp_path):
    """contrib/systemd/* parse cleanly (systemd-analyze verify, with ExecStart pointed
    at the built binary).  Their fd-0 socket path is what spawn-fcgi exercises above."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed")
    src = os.path.join(harness.SRCDIR, "contrib", "systemd")
    units = sorted(f for f in os.listdir(src) if f.endswith((".service", ".socket")))
    assert {"signet.service", "signet.socket", "signet-mailer.service"} <= set(units)
    binary = os.path.join(harness.BUILDDIR, "src", "signet")
    for u in units:
        with open(os.path.join(src, u)) as f:
            text = f.read().replace("/usr/sbin/signet", binary)
        (tmp_path / u).write_text(text)
    env = dict(os.environ, SYSTEMD_LOG_COLOR="0")
    r = subprocess.run([analyze, "verify", "--man=no"] + [str(tmp_path / u) for u in units],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
                       env=env, cwd=str(tmp_path))
    out = r.stdout.decode(errors="replace")
    # Only complaints about the machine (no systemd running, no user signet) are fine.
    bad = [l for l in out.splitlines() if l.strip() and not re.search(
        r"System has not been booted|Failed to connect to bus|user.*signet|"
        r"Failed to resolve user|No such file or directory.*journal", l)]
    assert r.returncode == 0 and not bad, out
