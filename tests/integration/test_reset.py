"""Unicat password reset: /api/reset_password_request and /api/reset_password, through nginx
with real mail: no account enumeration, codes (6 digits, TTL, 5 tries, single use,
HMAC-stored), throttles, token revocation and the password-changed notice."""

import base64
import concurrent.futures
import os
import re
import statistics
import time

import pytest

from harness.flows import (PASSWORD, bearer, new_identity, unicat_error, unicat_login,
                           unicat_reset, unicat_signup)
from harness import extract_code

NEW_PASSWORD = "velvet-orchard-tundra-97"


@pytest.fixture
def user(api, smtp, unique):
    return unicat_signup(api, smtp, unique, prefix="rst")


def reset(api, ident, vcode, code, password=NEW_PASSWORD, username=None):
    return api.post("/api/reset_password", json={
        "username": username or ident["username"], "new_password": password,
        "validation_code": vcode, "verification_code": code})


def request(api, login):
    return api.post("/api/reset_password_request", json={"username_or_email": login})


def clear_reset_throttles(pg):
    pg.sql("DELETE FROM throttles WHERE key LIKE 'reset%'")


def test_reset_flow(api, smtp, pg, user):
    old_jwt = unicat_login(api, user)["jwt"]
    vcode, code, mail = unicat_reset(api, smtp, user)
    assert len(vcode) >= 22
    assert re.fullmatch(r"\d{6}", code)
    assert user["username"] in mail.text and "15 minutes" in mail.text
    # Stored as MACs: neither the code nor the validation code is in the row.
    row = pg.sql("SELECT encode(c.token_mac, 'hex'), encode(c.code_mac, 'hex'), c.attempts, "
                 "c.expires_at - c.created FROM confirmations c JOIN users u ON u.id = c.user_id "
                 "WHERE u.gid = $1::uuid AND kind = 'reset'", user["gid"])
    assert len(row) == 1
    assert code not in row[0][1] and vcode not in row[0][0]
    assert row[0][3] == "00:15:00"

    since = smtp.mark()
    r = reset(api, user, vcode, code)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    jwt = r.headers["Authorization"]
    body = r.json()
    assert list(body["result"]) == ["user", "user_projects", "cc.version", "cc.cursor"]
    assert body["result"]["user"] == user["gid"]
    assert set(body["data"]) == {"cc.users", "cc.projects", "cc.projects_members",
                                 "cc.languages"}

    # Older tokens die; the fresh one works.
    unicat_error(api.get("/api/init", headers=bearer(old_jwt)), 401, 401, "Permission denied")
    unicat_error(api.get("/api/init", headers=bearer(user["jwt"])), 401, 401,
                 "Permission denied")
    assert api.get("/api/init", headers=bearer(jwt)).status_code == 200
    # The new password logs in, the old one does not.
    unicat_error(api.post("/api/login", json={"username": user["username"],
                                              "password": PASSWORD}), 403, 403, "Unknown user")
    assert unicat_login(api, dict(user, password=NEW_PASSWORD))["body"]["result"]["user"] \
        == user["gid"]
    # The owner is told.
    notice = smtp.wait_for(to=user["email"], since=since, subject="password was changed")
    assert user["username"] in notice.text
    assert NEW_PASSWORD not in notice.text

    # The code is used up.
    assert_refused(reset(api, user, vcode, code, password="another-" + NEW_PASSWORD))


# Every refusal of step 2 but a weak password is one answer (issue 12.14).
REFUSED = {"verification_code": "is not the code we sent, or has expired"}


def assert_refused(r):
    body = unicat_error(r, 422, 1001, "Validation error")
    assert body["result"]["info"] == REFUSED, body
    return body


def test_reset_by_email(api, smtp, user):
    vcode, code, _ = unicat_reset(api, smtp, user, login=user["email"].upper())
    r = reset(api, user, vcode, code)
    assert r.status_code == 200, r.text


def test_unknown_account_looks_identical(api, smtp, pg, user, unique):
    before = pg.sql_value("SELECT count(*) FROM confirmations WHERE kind = 'reset'")
    since = smtp.mark()
    ghost = new_identity(unique, "ghost")
    known = request(api, user["email"])
    unknown = request(api, ghost["email"])
    unknown_name = request(api, ghost["username"])
    for r in (known, unknown, unknown_name):
        assert r.status_code == 200, r.text
        body = r.json()
        assert body == {"success": True, "result": {"validation_code":
                        body["result"]["validation_code"]}, "data": {}}
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}", body["result"]["validation_code"])
    # Same headers, same body length; only the random code differs.
    skip = {"date"}
    hk = {k.lower(): v for k, v in known.headers.items() if k.lower() not in skip}
    hu = {k.lower(): v for k, v in unknown.headers.items() if k.lower() not in skip}
    assert hk == hu
    assert len(known.content) == len(unknown.content)
    assert known.json()["result"]["validation_code"] != unknown.json()["result"]["validation_code"]
    # Only the real account got a mail and a stored code.
    smtp.wait_for(to=user["email"], since=since)
    time.sleep(0.5)
    assert smtp.find(to=ghost["email"], since=since) == []
    assert int(pg.sql_value("SELECT count(*) FROM confirmations WHERE kind = 'reset'")) \
        == int(before) + 1
    # A validation code for nobody opens nothing.
    assert_refused(reset(api, user, unknown.json()["result"]["validation_code"], "123456"))


def test_unknown_account_takes_the_same_time(api, smtp, pg, unique):
    """Both answers wait for the same floor (reset.h RESET_FLOOR_MS = 150 ms)."""
    users = [unicat_signup(api, smtp, unique, prefix="tm") for _ in range(4)]
    t_known, t_unknown = [], []
    for u in users:
        ghost = new_identity(unique, "tg")
        for login, out in ((u["username"], t_known), (ghost["username"], t_unknown)):
            t0 = time.monotonic()
            assert request(api, login).status_code == 200
            out.append(time.monotonic() - t0)
    assert min(t_known + t_unknown) >= 0.15
    assert abs(statistics.median(t_known) - statistics.median(t_unknown)) < 0.05, \
        (t_known, t_unknown)


def test_step_two_unknown_user_and_wrong_code_look_alike(api, smtp, unique):
    """Issue 12.14: status, body and time of step 2 do not tell an account that
    exists (wrong code) from one that does not (unknown username)."""
    t_wrong, t_unknown = [], []
    for _ in range(3):
        u = unicat_signup(api, smtp, unique, prefix="s2")
        vcode, code, _ = unicat_reset(api, smtp, u)
        wrong = "%06d" % ((int(code) + 1) % 1000000)
        ghost = new_identity(unique, "s2g")
        gvcode = request(api, ghost["username"]).json()["result"]["validation_code"]
        t0 = time.monotonic()
        a = reset(api, u, vcode, wrong)
        t_wrong.append(time.monotonic() - t0)
        t0 = time.monotonic()
        b = reset(api, ghost, gvcode, wrong)
        t_unknown.append(time.monotonic() - t0)
        assert a.status_code == b.status_code == 422
        assert a.json() == b.json() == {"success": False, "result": {
            "code": 1001, "message": "Validation error", "info": REFUSED}, "data": {}}
        skip = {"date"}
        assert {k.lower(): v for k, v in a.headers.items() if k.lower() not in skip} == \
            {k.lower(): v for k, v in b.headers.items() if k.lower() not in skip}
    assert min(t_wrong + t_unknown) >= 0.15
    assert abs(statistics.median(t_wrong) - statistics.median(t_unknown)) < 0.05, \
        (t_wrong, t_unknown)


def test_wrong_codes_five_tries(api, smtp, pg, user):
    vcode, code, _ = unicat_reset(api, smtp, user)
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    for _ in range(5):
        assert_refused(reset(api, user, vcode, wrong))
    # The right code now comes too late, and is told so in the same words.
    assert_refused(reset(api, user, vcode, code))
    assert pg.sql_value("SELECT attempts FROM confirmations c JOIN users u "
                        "ON u.id = c.user_id WHERE u.gid = $1::uuid AND kind = 'reset'",
                        user["gid"]) == "5"


def test_code_expires(make_signet, smtp, unique):
    stack = make_signet(code_ttl=1)
    u = unicat_signup(stack.api, smtp, unique, prefix="exp")
    vcode, code, mail = unicat_reset(stack.api, smtp, u)
    assert "1 minutes" in mail.text or "1 minute" in mail.text
    time.sleep(1.5)
    assert_refused(reset(stack.api, u, vcode, code))


def test_weak_password_keeps_the_code(api, smtp, user):
    vcode, code, _ = unicat_reset(api, smtp, user)
    # More weak tries than code_max_attempts: with the right code, none costs a try.
    for weak in ("short", "password1", user["username"] + "-tundra-97") * 2:
        body = unicat_error(reset(api, user, vcode, code, password=weak),
                            422, 1001, "Validation error")
        assert list(body["result"]["info"]) == ["new_password"]
    assert reset(api, user, vcode, code).status_code == 200


def test_parallel_guesses_get_no_extra_tries(make_signet, smtp, pg, unique):
    # A try is counted before the code is compared: guesses sent all at once get
    # code_max_attempts comparisons in all, not one each.
    stack = make_signet(workers=8)
    for _ in range(3):
        u = unicat_signup(stack.api, smtp, unique, prefix="par")
        vcode, code, _ = unicat_reset(stack.api, smtp, u)
        guesses = ["%06d" % ((int(code) + k) % 1000000) for k in range(1, 41)]
        with concurrent.futures.ThreadPoolExecutor(len(guesses)) as ex:
            answers = list(ex.map(lambda g: reset(stack.api, u, vcode, g), guesses))
        for r in answers:
            assert_refused(r)
        # Tries counted: never more than code_max_attempts, whatever the race.
        assert pg.sql_value("SELECT attempts FROM confirmations c JOIN users u "
                            "ON u.id = c.user_id WHERE u.gid = $1::uuid "
                            "AND kind = 'reset'", u["gid"]) == "5"
        assert_refused(reset(stack.api, u, vcode, code))


def test_newer_request_replaces_older_code(api, smtp, pg, user):
    v1, c1, _ = unicat_reset(api, smtp, user)
    clear_reset_throttles(pg)
    v2, c2, _ = unicat_reset(api, smtp, user)
    assert_refused(reset(api, user, v1, c1))
    assert reset(api, user, v2, c2).status_code == 200


def test_code_belongs_to_its_account(api, smtp, user, unique):
    other = unicat_signup(api, smtp, unique, prefix="oth")
    vcode, code, _ = unicat_reset(api, smtp, user)
    assert_refused(reset(api, other, vcode, code))
    assert_refused(reset(api, user, vcode, code, username="no-such-user-here"))


def test_several_accounts_on_one_email(api, smtp, pg, unique):
    a = unicat_signup(api, smtp, unique, prefix="sha")
    pg.sql("DELETE FROM throttles WHERE key LIKE 'signup%'")
    b = unicat_signup(api, smtp, ident=dict(new_identity(unique, "shb"), email=a["email"]))
    since = smtp.mark()
    r = request(api, a["email"])
    assert r.status_code == 200, r.text
    vcode = r.json()["result"]["validation_code"]
    deadline = time.monotonic() + 10
    while len(smtp.find(to=a["email"], since=since)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    mails = smtp.find(to=a["email"], since=since)
    assert len(mails) == 2
    codes = {}
    for m in mails:
        for ident in (a, b):
            if re.search(r"\b%s\b" % re.escape(ident["username"]), m.text):
                codes[ident["username"]] = extract_code(m)
    assert set(codes) == {a["username"], b["username"]}
    assert reset(api, b, vcode, codes[b["username"]]).status_code == 200
    # One account's code does not open the other; the other's own code does.
    unicat_error(reset(api, a, vcode, codes[b["username"]]), 422, 1001, "Validation error")
    assert reset(api, a, vcode, codes[a["username"]]).status_code == 200


def test_inactive_accounts_get_no_code(api, smtp, pg, user):
    pg.sql("UPDATE users SET status = 'disabled' WHERE gid = $1::uuid", user["gid"])
    since = smtp.mark()
    r = request(api, user["username"])
    assert r.status_code == 200, r.text
    time.sleep(0.5)
    assert smtp.find(to=user["email"], since=since) == []


def test_parameters(api):
    unicat_error(api.post("/api/reset_password_request", json={}), 400, 400, "Bad request",
                 {"Missing parameter": "username_or_email"})
    unicat_error(request(api, 5), 400, 400, "Bad request",
                 {"Invalid parameter": "username_or_email"})
    body = {"username": "x", "new_password": "y", "validation_code": "z",
            "verification_code": "1"}
    fields = list(body)
    for i, f in enumerate(fields):
        partial = {k: body[k] for k in fields[:i]}
        unicat_error(api.post("/api/reset_password", json=partial), 400, 400,
                     "Bad request", {"Missing parameter": f})
    unicat_error(api.post("/api/reset_password", json=dict(body, new_password=[])), 400, 400,
                 "Bad request", {"Invalid parameter": "new_password"})
    r = api.get("/api/reset_password")
    unicat_error(r, 405, 405, "Method not allowed")


def test_long_garbage_login(api):
    """A login far longer than any account's still gets the usual answer (the throttle key
    is cut: a long random key would not fit PostgreSQL's btree)."""
    # byte 254, where the key is cut, is the middle of an "é": the cut must back off
    junk = "a" + "\u00e9" * 200 + base64.b64encode(os.urandom(15000)).decode()
    r = request(api, junk)
    assert r.status_code == 200, r.text
    assert set(r.json()["result"]) == {"validation_code"}


def test_throttle_per_login_same_for_unknown(api, smtp, pg, user, unique):
    ghost = new_identity(unique, "thr")["email"]
    assert request(api, user["username"]).status_code == 200
    assert request(api, ghost).status_code == 200
    known = request(api, user["username"].upper())
    unknown = request(api, ghost)
    for r in (known, unknown):
        body = unicat_error(r, 429, 429, "Too many requests")
        assert 0 < int(r.headers["Retry-After"]) <= 60
        assert body["result"]["info"] == {"retry_after": int(r.headers["Retry-After"])}


def test_daily_cap_per_mailbox_is_silent(make_signet, smtp, pg, unique):
    stack = make_signet(throttle_reset_email_cooldown=0, throttle_reset_email_daily=2)
    u = unicat_signup(stack.api, smtp, unique, prefix="cap")
    since = smtp.mark()
    # Username and email are two logins, but one mailbox: two mails a day.
    for login in (u["username"], u["email"]):
        assert request(stack.api, login).status_code == 200
    deadline = time.monotonic() + 10
    while len(smtp.find(to=u["email"], since=since)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    r = request(stack.api, u["username"].upper())  # a third login spelling
    assert r.status_code == 200, r.text
    time.sleep(0.7)
    assert len(smtp.find(to=u["email"], since=since)) == 2


def test_throttle_per_address(make_signet, pg, unique):
    stack = make_signet(throttle_exempt=None, throttle_reset_addr_hourly=2)
    try:
        for _ in range(2):
            assert request(stack.api, unique("addr")).status_code == 200
        r = request(stack.api, unique("addr"))
        unicat_error(r, 429, 429, "Too many requests")
    finally:
        pg.sql("DELETE FROM throttles WHERE key LIKE 'reset-addr:%'")
