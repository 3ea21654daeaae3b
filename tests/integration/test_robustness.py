"""Bad input and process life: every error in the envelope of its API, never a crash;
workers that die are replaced; SIGTERM finishes requests in flight; SIGHUP fails none;
configuration errors name file:line."""

import os
import signal
import subprocess
import threading
import time

import pytest

from harness.flows import PASSWORD, new_identity, unicat_error, unicat_signup_request
from harness import BUILDDIR, wait_until


@pytest.mark.parametrize("body", [
    b"{", b"[]", b"\"string\"", b"42", b"null", b"{\"a\":1,}", b"{'a':1}",
    b"{\"username\":\"\xff\xfe\"}",           # invalid UTF-8
    b"{\"username\":\"a\\u0000b\"}",           # NUL in a string
    b"{\"a\":NaN}",
    b"[" * 40 + b"]" * 40,
    b"{\"a\":" * 40 + b"1" + b"}" * 40,        # deeper than 32
])
def test_malformed_bodies_get_unicat_400(api, body):
    r = api.post("/api/login", data=body, headers={"Content-Type": "application/json"})
    unicat_error(r, 400, 400, "Bad request", {"Invalid parameter": "body"})


def test_body_over_max_body_is_413(api):
    big = b"{\"username\":\"" + b"x" * (64 * 1024) + b"\"}"
    r = api.post("/api/login", data=big, headers={"Content-Type": "application/json"})
    unicat_error(r, 413, 413, "Payload too large", {})


def test_body_at_max_body_is_parsed(api):
    # exactly 64 KiB: parsed, then refused as an unknown user, not as too large
    pad = 64 * 1024 - len(b'{"username":"","password":"x"}')
    body = b'{"username":"' + b"u" * pad + b'","password":"x"}'
    assert len(body) == 64 * 1024
    r = api.post("/api/login", data=body, headers={"Content-Type": "application/json"})
    unicat_error(r, 403, 403, "Unknown user", {})


def test_vnd_api_json_and_charset_accepted(api):
    for ctype in ("application/vnd.api+json", "application/json; charset=utf-8"):
        r = api.post("/api/login", data=b'{"username":"nobody-here","password":"x"}',
                     headers={"Content-Type": ctype})
        unicat_error(r, 403, 403, "Unknown user", {})


def test_wrong_method_is_405_with_allow(api):
    r = api.get("/api/login")
    unicat_error(r, 405, 405, "Method not allowed", {})
    assert r.headers["Allow"] == "POST"
    r = api.request("DELETE", "/api/init")
    unicat_error(r, 405, 405, "Method not allowed", {})
    assert r.headers["Allow"] == "GET, POST"


def test_killed_worker_is_replaced(make_signet):
    stack = make_signet()
    kids = wait_until(lambda: len(stack.signet.workers()) >= 3 and stack.signet.workers(),
                      10, "2 workers and the mailer")
    victim = kids[0]
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: victim not in stack.signet.workers()
               and len(stack.signet.workers()) >= 3, 10, "a replacement")
    for _ in range(20):
        assert stack.api.get("/api/health").status_code == 200
    assert "killed by signal 9" in stack.signet.log_text()
    assert stack.signet.running()


def test_sigterm_lets_the_request_in_flight_finish(make_signet, unique):
    # N = 2^17: a signup_request hashes for a noticeable time.
    stack = make_signet(scrypt_n=131072)
    result = {}

    def slow():
        result["r"] = unicat_signup_request(stack.api, new_identity(unique))

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.1)
    os.kill(stack.signet.pid, signal.SIGTERM)
    t.join(60)
    assert result["r"].status_code == 200, result["r"].text
    assert stack.signet.proc.wait(30) == 0
    assert "stopped" in stack.signet.log_text()
    stack.signet.proc = None  # stopped here, not by the fixture


def test_sighup_under_load_fails_no_request(make_signet):
    stack = make_signet(workers=3)
    codes = []
    stop = threading.Event()

    def load():
        deadline = time.time() + 20
        while not stop.is_set() and time.time() < deadline:
            codes.append(stack.api.get("/api/health").status_code)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    for _ in range(3):
        stack.signet.reload(settle=0.7)
    stop.set()
    for t in threads:
        t.join(30)
    assert len(codes) > 50
    assert set(codes) == {200}, {c: codes.count(c) for c in set(codes)}
    assert stack.signet.running()


def signet_t(path):
    return subprocess.run([os.path.join(BUILDDIR, "src", "signet"), "-t", "-c", path],
                          capture_output=True, text=True, timeout=30)


def test_config_errors_cite_file_and_line(tmp_path, signet):
    good = open(signet.conf).read()
    ok = tmp_path / "ok.conf"
    ok.write_text(good)
    r = signet_t(str(ok))
    assert r.returncode == 0 and "configuration OK" in r.stdout
    for extra, what in [("no_such_key = 1", "unknown key"),
                        ("workers = many", "not a number"),
                        ("just words", "expected key = value")]:
        bad = tmp_path / "bad.conf"
        bad.write_text(good + extra + "\n")
        line = len(good.splitlines()) + 1
        r = signet_t(str(bad))
        assert r.returncode != 0
        assert "%s:%d:" % (bad, line) in r.stderr, r.stderr
        assert what in r.stderr


def test_short_jwt_key_refused(tmp_path, signet):
    key = tmp_path / "short.key"
    key.write_bytes(b"x" * 31)
    key.chmod(0o600)
    conf = tmp_path / "c.conf"
    conf.write_text(open(signet.conf).read() + "jwt_secret_file = %s\n" % key)
    r = signet_t(str(conf))
    assert r.returncode != 0 and "at least 32" in r.stderr


def test_pg_restart_same_process_serves_again(api, pg, signet, smtp, unique):
    pid = signet.pid
    pg.stop()
    r = unicat_signup_request(api, new_identity(unique))
    unicat_error(r, 503, 503, "Service unavailable", {})
    pg.start()
    # No warm-up: every worker finds its link dead on its first query, which opens a
    # transaction here (BEdita activation), and must reconnect instead of answering 503.
    for _ in range(6):
        r = api.post("/signup/activation", json={"uuid": "96b0b9fe-17fa-4cf8-bffa-1cd506421227"})
        assert r.status_code == 404, r.text
    r = unicat_signup_request(api, new_identity(unique))
    assert r.status_code == 200, r.text
    assert signet.pid == pid
