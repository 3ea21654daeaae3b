"""Unicat login and session: /api/login, /api/init, JWT checks, refresh, logout,
rehash and throttles, through nginx."""

import base64
import json
import time

import pytest

from harness import wait_until
from harness.flows import (PASSWORD, make_project, unicat_error, unicat_invite,
                           unicat_login, unicat_signup)


@pytest.fixture
def user(api, smtp, unique):
    return unicat_signup(api, smtp, unique)


def b64(obj):
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_login_shapes(api, user):
    r = api.post("/api/login", json={"username": user["username"], "password": PASSWORD})
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    jwt = r.headers["Authorization"]
    body = r.json()
    res = body["result"]
    assert list(res) == ["user", "user_projects", "cc.version", "cc.cursor"]
    assert res["user"] == user["gid"]
    assert res["user_projects"] == {}
    assert isinstance(res["cc.version"], str) and res["cc.version"]
    assert isinstance(res["cc.cursor"], int)
    assert set(body["data"]) == {"cc.users", "cc.projects", "cc.projects_members",
                                 "cc.languages"}
    assert body["data"]["cc.users"][user["gid"]]["username"] == user["username"]
    claims = unb64(jwt.split(".")[1])
    assert claims["sub"] == user["gid"] and claims["iss"] == "signet"
    assert claims["exp"] - claims["iat"] == 3600
    assert {"jti", "epoch"} <= set(claims)
    assert unb64(jwt.split(".")[0])["alg"] == "HS256"


def test_login_case_insensitive_username(api, user):
    r = api.post("/api/login", json={"username": user["username"].upper(),
                                     "password": PASSWORD})
    assert r.status_code == 200, r.text


def test_init_same_body_as_login(api, user):
    login = unicat_login(api, user)
    for method in ("GET", "POST"):
        r = api.request(method, "/api/init", headers={"Authorization": login["jwt"]})
        assert r.status_code == 200, r.text
        assert r.json() == login["body"]
        # The Unicat page: "A fresh JWT is in the Authorization header" (issue 12.1),
        # however much life the one sent has left.
        fresh = r.headers["Authorization"]
        assert fresh != login["jwt"]
        claims = unb64(fresh.split(".")[1])
        assert claims["sub"] == user["gid"]
        assert claims["exp"] >= unb64(login["jwt"].split(".")[1])["exp"]
        assert api.get("/api/init", headers={"Authorization": fresh}).status_code == 200


def test_every_login_failure_looks_the_same(api, user, pg):
    unknown = api.post("/api/login", json={"username": "nobody-at-all", "password": PASSWORD})
    wrongpw = api.post("/api/login", json={"username": user["username"],
                                           "password": PASSWORD + "x"})
    pg.sql("UPDATE users SET status = 'disabled' WHERE gid = '%s'" % user["gid"],
           db="signet")
    disabled = api.post("/api/login", json={"username": user["username"],
                                            "password": PASSWORD})
    for r in (unknown, wrongpw, disabled):
        unicat_error(r, 403, 403, "Unknown user", {})
    assert unknown.content == wrongpw.content == disabled.content
    assert "WWW-Authenticate" not in unknown.headers


@pytest.mark.parametrize("body,info", [
    ({}, {"Missing parameter": "username"}),
    ({"password": "x"}, {"Missing parameter": "username"}),
    ({"username": "x"}, {"Missing parameter": "password"}),
    ({"username": 1, "password": "x"}, {"Invalid parameter": "username"}),
])
def test_login_missing_parameters(api, body, info):
    unicat_error(api.post("/api/login", json=body), 400, 400, "Bad request", info)


def assert_401(r):
    unicat_error(r, 401, 401, "Permission denied")
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="signet"'


def test_init_refuses_bad_tokens(api, user):
    jwt = unicat_login(api, user)["jwt"]
    head, payload, sig = jwt.split(".")
    claims = unb64(payload)
    tampered = head + "." + b64(dict(claims, sub="00000000-0000-0000-0000-000000000000")) + "." + sig
    alg_none = b64({"alg": "none", "typ": "JWT"}) + "." + payload + "."
    bad_sig = head + "." + payload + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    for token in (None, "", "Bearer", "garbage", "Bearer a.b.c", tampered, alg_none,
                  bad_sig):
        headers = {} if token is None else {"Authorization": token}
        assert_401(api.get("/api/init", headers=headers))


def test_expired_token_and_refresh(make_signet, smtp, unique):
    # /api/init always answers a fresh token; the other token routes only when less
    # than half of the token's life is left: accept_invite shows that rule.
    stack = make_signet(jwt_ttl=6)
    owner = unicat_signup(stack.api, smtp, unique)
    user = unicat_signup(stack.api, smtp, unique)
    project = make_project(stack.signet, owner)
    r = unicat_invite(stack.api, owner, project, user["username"])
    assert r.status_code == 200, r.text
    jwt = user["jwt"]

    def accept(token):
        return stack.api.post("/api/account/accept_invite", json={"project": project},
                              headers={"Authorization": "Bearer " + token})
    r = accept(jwt)
    assert r.status_code == 200 and "Authorization" not in r.headers, r.text
    time.sleep(4.2)  # less than half of 6 s left: refresh due
    r = accept(jwt)    # accepting again changes nothing, and answers 200
    assert r.status_code == 200, r.text
    fresh = r.headers["Authorization"]
    assert fresh != jwt
    assert unb64(fresh.split(".")[1])["exp"] > unb64(jwt.split(".")[1])["exp"]
    time.sleep(2.5)  # the old token is now expired, the fresh one is not
    assert_401(stack.api.get("/api/init", headers={"Authorization": jwt}))
    assert stack.api.get("/api/init", headers={"Authorization": fresh}).status_code == 200


def test_logout_revokes_every_token(api, user):
    a = unicat_login(api, user)["jwt"]
    b = user["jwt"]
    r = api.post("/api/logout", headers={"Authorization": a})
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "result": {}, "data": {}}
    for token in (a, b):
        assert_401(api.get("/api/init", headers={"Authorization": token}))
        assert_401(api.post("/api/logout", headers={"Authorization": token}))
    # A new login works again.
    c = unicat_login(api, user)["jwt"]
    assert api.get("/api/init", headers={"Authorization": c}).status_code == 200


def test_rehash_after_cost_change(make_signet, smtp, unique, pg):
    stack = make_signet(scrypt_n=1024)
    user = unicat_signup(stack.api, smtp, unique)
    q = "SELECT password FROM users WHERE gid = '%s'" % user["gid"]
    before = pg.sql_value(q, db="signet")
    stack.signet.restart(extra_config={"scrypt_n": 2048})
    unicat_login(stack.api, user)
    after = pg.sql_value(q, db="signet")
    assert before != after
    assert before.split("$")[2] != after.split("$")[2]  # the cost field changed
    unicat_login(stack.api, user)  # and the new hash verifies
    assert pg.sql_value(q, db="signet") == after


def test_login_throttle_engages_and_releases(make_signet, smtp, unique, pg):
    pg.sql("DELETE FROM throttles WHERE key LIKE 'login-addr:%'")
    stack = make_signet(throttle_exempt="", throttle_login_account_free=2,
                        throttle_login_addr_hourly=0)
    user = unicat_signup(stack.api, smtp, unique)
    bad = {"username": user["username"], "password": "wrong-" + PASSWORD}
    for _ in range(2):
        unicat_error(stack.api.post("/api/login", json=bad), 403, 403, "Unknown user")
    r = stack.api.post("/api/login", json=bad)  # 2 failures: next must wait 1 s
    body = unicat_error(r, 429, 429, "Too many requests")
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= 2 and body["result"]["info"] == {"retry_after": wait}
    # Even the right password waits: nothing is hashed while throttled.
    r = stack.api.post("/api/login", json={"username": user["username"],
                                           "password": PASSWORD})
    assert r.status_code == 429
    time.sleep(wait + 0.5)
    assert stack.api.post("/api/login", json={"username": user["username"],
                                               "password": PASSWORD}).status_code == 200
    n = pg.sql_value("SELECT num_login_err FROM users WHERE gid = '%s'" % user["gid"],
                     db="signet")
    assert str(n) == "0"


def test_login_throttle_per_address(make_signet, unique, pg):
    pg.sql("DELETE FROM throttles WHERE key LIKE 'login-addr:%'")  # other tests' failures
    stack = make_signet(throttle_exempt="", throttle_login_addr_hourly=3,
                        throttle_login_account_free=0)
    for i in range(3):
        r = stack.api.post("/api/login", json={"username": unique("n"), "password": "x"})
        unicat_error(r, 403, 403, "Unknown user")
    r = stack.api.post("/api/login", json={"username": unique("n"), "password": "x"})
    unicat_error(r, 429, 429, "Too many requests")


def test_cursor_moves_on_change(api, smtp, unique):
    a = unicat_signup(api, smtp, unique)
    c1 = unicat_login(api, a)["body"]["result"]["cc.cursor"]
    unicat_signup(api, smtp, unique)
    c2 = unicat_login(api, a)["body"]["result"]["cc.cursor"]
    assert c2 > c1


def test_huge_login_name_is_just_unknown(api):
    r = api.post("/api/login", json={"username": "x" * 20000, "password": "y" * 5000})
    unicat_error(r, 403, 403, "Unknown user", {})


def _request_lines(stack):
    """The JSON request lines signet logged since it started (log_format = json)."""
    text = stack.signet.log_text()
    text = text[text.rindex("--- starting "):]
    out = []
    for line in text.splitlines()[1:]:
        if line.startswith("{") and '"request_id"' in line:
            out.append(json.loads(line))
    return out


def test_login_answers_what_init_answers(api, signet, smtp, unique):
    """The session a login brings back with its outcome (a user in no project) and
    the one it loads after (a user with projects) are /api/init's, byte for byte."""
    alone = unicat_signup(api, smtp, unique, prefix="alone")
    owner = unicat_signup(api, smtp, unique, prefix="owns")
    member = unicat_signup(api, smtp, unique, prefix="memb")
    project = make_project(signet, owner, "Login " + unique("p"))
    assert unicat_invite(api, owner, project, member["username"]).status_code == 200
    r = api.post("/api/account/accept_invite", json={"project": project},
                 headers={"Authorization": "Bearer " + member["jwt"]})
    assert r.status_code == 200, r.text
    for who in (alone, owner, member):
        r = api.post("/api/login", json={"username": who["username"], "password": PASSWORD})
        assert r.status_code == 200, r.text
        login = r.json()["result"]
        init = api.get("/api/init", headers={"Authorization": r.headers["Authorization"]})
        assert init.status_code == 200, init.text
        assert login == init.json()["result"], who["username"]
        if who is member:
            assert project in login["user_projects"], login   # two statements
        if who is alone:
            assert login["user_projects"] == {}, login


@pytest.mark.parametrize("throttles", ["on", "off"])
def test_login_costs_two_round_trips(make_signet, smtp, unique, throttles):
    """One statement before the hash (lookup, the address's limit, the account's try)
    and one after (the outcome, its audit row and, for a success of a user in no
    project, the session the answer carries), whatever the throttles ask."""
    extra = {} if throttles == "on" else {
        "throttle_login_account_free": 0, "throttle_login_account_hourly": 0,
        "throttle_login_addr_hourly": 0}
    stack = make_signet(log_format="json", workers=1, throttle_exempt="", **extra)
    user = unicat_signup(stack.api, smtp, unique, prefix="rt")
    login = {"username": user["username"], "password": user["password"]}
    # The first of each prepares its statements on the worker's connection.
    wrong = dict(login, password="wrong-horse-1")
    for body in (login, wrong, login):
        stack.api.post("/api/login", json=body)
    # A 4xx line is written once per kind in 5 s: the second refusal after that.
    time.sleep(5.5)
    stack.api.post("/api/login", json=wrong)

    def lines(status, n):
        got = [o for o in _request_lines(stack)
               if o["route"] == "login" and o["status"] == status]
        return got if len(got) >= n else None

    ok = wait_until(lambda: lines(200, 2), 10, "the successful logins' lines")[-1]
    bad = wait_until(lambda: lines(403, 2), 10, "the refused logins' lines")[-1]
    assert ok["db_round_trips"] == 2, ok      # start, ok + audit row + session
    assert bad["db_round_trips"] == 2, bad    # start, failed + audit row
