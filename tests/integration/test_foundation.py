"""Foundation: what the daemon skeleton must do before any personality exists —
health, the Unicat 404 envelope, Cache-Control, and the process model."""

import os

import pytest

from harness import wait_until
from harness.flows import unicat_login, unicat_signup

NOT_FOUND = {"success": False,
             "result": {"code": 404, "message": "Not found", "info": {}},
             "data": {}}


def health(api):
    return api.get("/api/health")


def test_health_through_nginx(api):
    r = health(api)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"success", "result", "data"}
    assert body["success"] is True
    assert body["data"] == {}
    assert set(body["result"]) == {"status", "database", "version"}
    assert body["result"]["status"] == "ok"
    assert body["result"]["database"] == "ok"
    assert isinstance(body["result"]["version"], str) and body["result"]["version"]


def test_health_needs_no_jwt(api):
    r = api.get("/api/health", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", ["/api/no-such-endpoint", "/api/health/extra", "/api/"])
def test_unknown_api_path_is_unicat_404(api, path):
    r = api.get(path)
    assert r.status_code == 404, r.text
    assert r.json() == NOT_FOUND


@pytest.mark.parametrize("method,path", [("GET", "/api/health"),
                                         ("GET", "/api/no-such-endpoint"),
                                         ("POST", "/api/no-such-endpoint")])
def test_cache_control_no_store(api, method, path):
    r = api.request(method, path, json={} if method == "POST" else None)
    assert r.headers.get("Cache-Control") == "no-store", (r.status_code, dict(r.headers))


def test_health_503_while_database_down(api, pg):
    pg.stop()
    try:
        r = health(api)
        assert r.status_code == 503, r.text
        assert r.json()["result"]["database"] == "down", r.text
        assert r.headers.get("Cache-Control") == "no-store"
    finally:
        pg.start()
    # the workers reconnect by themselves
    wait_until(lambda: health(api).status_code == 200, 20, "health 200 after PostgreSQL is back")


def test_workers_are_children_of_the_master(signet):
    kids = wait_until(lambda: len(signet.workers()) >= 2 and signet.workers(), 10,
                      "2 workers")
    assert len(kids) >= 2  # workers = 2 (plus a mailer, when there is one)


def test_sighup_reload_rolls_workers_and_keeps_serving(make_signet, smtp, unique):
    stack = make_signet()
    user = unicat_signup(stack.api, smtp, unique, prefix="hup")
    before = set(wait_until(lambda: stack.signet.workers(), 10, "workers"))
    hashers = stack.signet.hashers()
    assert len(hashers) == 2                              # hash_concurrency = 2
    stack.signet.reload(settle=0)
    wait_until(lambda: set(stack.signet.workers()) - before, 15, "new workers after SIGHUP")
    assert stack.signet.running()
    for _ in range(20):
        assert stack.api.get("/api/health").status_code == 200
    # The hashers hold no configuration (hash_concurrency is not reloaded): they stay.
    assert stack.signet.hashers() == hashers
    unicat_login(stack.api, user)


def test_sigterm_stops_cleanly(make_signet):
    stack = make_signet(nginx=False)
    # exit status 0, no worker left behind, no sanitizer report (stop() checks all three)
    assert stack.signet.stop(check=True) == 0


def test_sigterm_just_after_the_socket_opens_stops_signet(make_signet):
    """A stop sent in the instant between the socket opening and the master setting its
    handlers is not lost (libfcgi's FCGX_Init() sets a SIGTERM handler of its own): 30
    starts, each stopped as soon as the socket is there, each must exit 0 within 10 s."""
    stack = make_signet(nginx=False)
    s = stack.signet
    assert s.stop(check=True) == 0
    for _ in range(30):
        s.start(wait=False)
        wait_until(lambda: os.path.exists(s.socket) or not s.running(), 10, "the socket",
                   interval=0)  # at once: the window is microseconds wide
        assert s.stop(timeout=10, check=True) == 0
