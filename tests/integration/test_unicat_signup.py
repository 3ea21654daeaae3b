"""Unicat signup (/api/signup_request, /api/signup) through nginx, with real mail."""

import concurrent.futures
import re
import time

import pytest

from harness.flows import (PASSWORD, new_identity, unicat_error, unicat_signup,
                           unicat_signup_request)
from harness import extract_code


def test_signup_flow_shapes(api, smtp, unique, pg):
    ident = new_identity(unique)
    since = smtp.mark()
    r = unicat_signup_request(api, ident)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["success"] is True and body["data"] == {}
    vcode = body["result"]["validation_code"]
    assert len(vcode) >= 22  # >= 128 bits, base64url
    mail = smtp.wait_for(to=ident["email"], since=since)
    code = extract_code(mail)
    assert re.fullmatch(r"\d{6}", code)
    # The pending signup holds a hash, never the password or the codes.
    row = pg.sql("SELECT password, encode(code_mac, 'hex') FROM pending_signups "
                 "WHERE lower(email) = lower('%s')" % ident["email"], db="signet")[0]
    assert row[0].startswith("$s1$") and PASSWORD not in row[0]
    assert code not in row[1] and vcode not in row[1]

    r = api.post("/api/signup", json=dict(
        username=ident["username"], password=PASSWORD, email=ident["email"],
        validation_code=vcode, verification_code=code))
    assert r.status_code == 200, r.text
    jwt = r.headers["Authorization"]
    assert jwt.count(".") == 2 and not jwt.startswith("Bearer")
    body = r.json()
    assert body["success"] is True
    gid = body["result"]["user"]
    assert body["result"] == {"user": gid, "user_projects": {}}
    data = body["data"]
    assert set(data) == {"cc.users", "cc.projects", "cc.projects_members", "cc.languages"}
    assert data["cc.users"] == {gid: {
        "gid": gid, "username": ident["username"], "email": ident["email"], "name": "",
        "avatar": None, "status": "active",
        "options": {"language": "en", "timezone": "UTC"}}}
    assert data["cc.projects"] == {} and data["cc.projects_members"] == []
    assert data["cc.languages"]["en"] == "English"
    assert data["cc.languages"]["nl"] == "Dutch"

    # The JWT from signup is good for /api/init, Bearer or bare.
    for auth in (jwt, "Bearer " + jwt):
        r = api.get("/api/init", headers={"Authorization": auth})
        assert r.status_code == 200, r.text
        assert r.json()["result"]["user"] == gid


def test_signup_language_picks_template(api, smtp, unique):
    ident = new_identity(unique)
    since = smtp.mark()
    r = unicat_signup_request(api, ident, language="nl")
    assert r.status_code == 200, r.text
    mail = smtp.wait_for(to=ident["email"], since=since)
    extract_code(mail)
    assert mail.text != ""
    r = unicat_signup_request(api, new_identity(unique), language="xx")
    unicat_error(r, 422, 1001, "Validation error")
    assert "language" in r.json()["result"]["info"]


@pytest.mark.parametrize("missing", ["username", "password", "email"])
def test_signup_request_missing_parameter_in_order(api, missing):
    body = {"username": "someone", "password": PASSWORD, "email": "someone@example.org"}
    fields = ["username", "password", "email"]
    # Drop this field and every later one: the first missing is reported.
    for f in fields[fields.index(missing):]:
        body.pop(f)
    r = api.post("/api/signup_request", json=body)
    unicat_error(r, 400, 400, "Bad request", {"Missing parameter": missing})


def test_signup_request_mistyped_parameter(api):
    r = api.post("/api/signup_request", json={"username": 5, "password": PASSWORD,
                                              "email": "x@example.org"})
    unicat_error(r, 400, 400, "Bad request", {"Invalid parameter": "username"})
    r = api.post("/api/signup_request", json={"username": "abc", "password": ["x"],
                                              "email": "x@example.org"})
    unicat_error(r, 400, 400, "Bad request", {"Invalid parameter": "password"})


@pytest.mark.parametrize("missing", ["username", "password", "email", "validation_code",
                                     "verification_code"])
def test_signup_missing_parameter(api, missing):
    fields = ["username", "password", "email", "validation_code", "verification_code"]
    body = {f: "x" for f in fields[:fields.index(missing)]}
    r = api.post("/api/signup", json=body)
    unicat_error(r, 400, 400, "Bad request", {"Missing parameter": missing})


def test_signup_request_validation_names_every_field(api, unique):
    r = api.post("/api/signup_request", json={
        "username": "a b", "password": "short", "email": "not-an-email"})
    body = unicat_error(r, 422, 1001, "Validation error")
    assert set(body["result"]["info"]) == {"username", "password", "email"}


@pytest.mark.parametrize("password", [
    "password", "12345678", "qwertyuiop", "short1!", "aaaaaaaaaaaa"])
def test_weak_passwords_refused(api, unique, password):
    r = unicat_signup_request(api, dict(new_identity(unique), password=password))
    body = unicat_error(r, 422, 1001, "Validation error")
    assert list(body["result"]["info"]) == ["password"]


def test_password_containing_username_or_email_refused(api, unique):
    ident = new_identity(unique)
    r = unicat_signup_request(api, dict(ident, password="zz" + ident["username"] + "Q!x"))
    assert list(unicat_error(r, 422, 1001, "Validation error")["result"]["info"]) == ["password"]
    ident = dict(new_identity(unique), email="glimmerfoxtrot@example.org")
    r = unicat_signup_request(api, dict(ident, password="glimmerfoxtrot-99"))
    assert list(unicat_error(r, 422, 1001, "Validation error")["result"]["info"]) == ["password"]


def test_long_passphrase_accepted(api, smtp, unique):
    ident = dict(new_identity(unique), password="river stone " * 80)  # 960 bytes
    unicat_signup(api, smtp, ident=ident)


def test_taken_username_case_insensitive(api, smtp, unique):
    user = unicat_signup(api, smtp, unique)
    other = new_identity(unique)
    other["username"] = user["username"].upper()
    r = unicat_signup_request(api, other)
    body = unicat_error(r, 422, 1001, "Validation error")
    assert list(body["result"]["info"]) == ["username"]


def request_code(api, smtp, ident, **extra):
    since = smtp.mark()
    r = unicat_signup_request(api, ident, **extra)
    assert r.status_code == 200, r.text
    return r.json()["result"]["validation_code"], extract_code(
        smtp.wait_for(to=ident["email"], since=since))


def step2(api, ident, vcode, code, **over):
    body = dict(username=ident["username"], password=ident["password"],
                email=ident["email"], validation_code=vcode, verification_code=code)
    body.update(over)
    return api.post("/api/signup", json=body)


def wrong(code):
    return "%06d" % ((int(code) + 1) % 1000000)


def test_signup_mismatches_and_wrong_codes(api, smtp, unique):
    ident = new_identity(unique)
    vcode, code = request_code(api, smtp, ident)
    for over, field in [({"username": ident["username"] + "x"}, "username"),
                        ({"email": "other" + ident["email"]}, "email"),
                        ({"validation_code": "A" * 24}, "validation_code"),
                        ({"verification_code": wrong(code)}, "verification_code"),
                        ({"password": PASSWORD + "x"}, "password")]:
        r = step2(api, ident, vcode, code, **over)
        body = unicat_error(r, 422, 1001, "Validation error")
        assert field in body["result"]["info"], (field, body)
    # Two wrong tries so far (code, password): the right code still works...
    r = step2(api, ident, vcode, code)
    assert r.status_code == 200, r.text
    # ...exactly once.
    r = step2(api, ident, vcode, code)
    assert "validation_code" in unicat_error(r, 422, 1001, "Validation error")["result"]["info"]


def test_code_dies_after_five_wrong_tries(api, smtp, unique):
    ident = new_identity(unique)
    vcode, code = request_code(api, smtp, ident)
    for _ in range(5):
        r = step2(api, ident, vcode, code, verification_code=wrong(code))
        unicat_error(r, 422, 1001, "Validation error")
    r = step2(api, ident, vcode, code)
    body = unicat_error(r, 422, 1001, "Validation error")
    assert "verification_code" in body["result"]["info"]


def test_parallel_guesses_get_no_extra_tries(make_signet, smtp, unique, pg):
    # A try is counted before the code is compared, so guesses sent all at once get
    # code_max_attempts comparisons in all, not one each.
    stack = make_signet(workers=8)
    for _ in range(3):
        ident = new_identity(unique)
        vcode, code = request_code(stack.api, smtp, ident)
        guesses = ["%06d" % ((int(code) + k) % 1000000) for k in range(1, 41)]
        with concurrent.futures.ThreadPoolExecutor(len(guesses)) as ex:
            answers = list(ex.map(lambda g: step2(stack.api, ident, vcode, code,
                                                  verification_code=g), guesses))
        compared = [r for r in answers if r.status_code == 422 and
                    r.json()["result"]["info"].get("verification_code") ==
                    "is not the code we sent"]
        assert len(compared) <= 5, len(compared)
        assert int(pg.sql_value("SELECT attempts FROM pending_signups WHERE lower(email) = "
                                "lower($1)", ident["email"])) == 5
        body = unicat_error(step2(stack.api, ident, vcode, code), 422, 1001,
                            "Validation error")
        assert "too many" in body["result"]["info"]["verification_code"]


def test_code_expires(make_signet, smtp, unique):
    stack = make_signet(code_ttl=2)
    ident = new_identity(unique)
    vcode, code = request_code(stack.api, smtp, ident)
    time.sleep(3)
    r = step2(stack.api, ident, vcode, code)
    body = unicat_error(r, 422, 1001, "Validation error")
    assert "validation_code" in body["result"]["info"]


def test_new_request_replaces_older(make_signet, smtp, unique):
    stack = make_signet(throttle_signup_email_cooldown=0)
    ident = new_identity(unique)
    old_v, old_c = request_code(stack.api, smtp, ident)
    new_v, new_c = request_code(stack.api, smtp, ident)
    assert old_v != new_v
    r = step2(stack.api, ident, old_v, old_c)
    assert "validation_code" in unicat_error(r, 422, 1001, "Validation error")["result"]["info"]
    assert step2(stack.api, ident, new_v, new_c).status_code == 200


def test_concurrent_completions_exactly_one_wins(api, smtp, unique):
    ident = new_identity(unique)
    vcode, code = request_code(api, smtp, ident)
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(lambda _: step2(api, ident, vcode, code).status_code,
                              range(10)))
    assert codes.count(200) == 1, codes
    assert codes.count(422) == 9, codes


def test_concurrent_signups_of_one_username(api, smtp, unique):
    name = unique("race")
    idents = [dict(new_identity(unique), username=name) for _ in range(10)]
    pending = [(i, *request_code(api, smtp, i)) for i in idents]
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(lambda p: step2(api, p[0], p[1], p[2]).status_code,
                              pending))
    assert codes.count(200) == 1, codes
    assert codes.count(422) == 9, codes


def test_throttle_per_email_cooldown(api, smtp, unique):
    ident = new_identity(unique)
    request_code(api, smtp, ident)
    r = unicat_signup_request(api, ident)
    body = unicat_error(r, 429, 429, "Too many requests")
    retry = int(r.headers["Retry-After"])
    assert 0 < retry <= 60
    assert body["result"]["info"] == {"retry_after": retry}


def test_throttle_per_address(make_signet, unique, pg):
    pg.sql("DELETE FROM throttles WHERE key LIKE 'signup-addr:%'")  # other tests' requests
    stack = make_signet(throttle_exempt="", throttle_signup_addr_hourly=2)
    for _ in range(2):
        assert unicat_signup_request(stack.api, new_identity(unique)).status_code == 200
    r = unicat_signup_request(stack.api, new_identity(unique))
    unicat_error(r, 429, 429, "Too many requests")
    assert int(r.headers["Retry-After"]) > 0


def test_mail_survives_smtp_outage(api, smtp, unique, pg):
    smtp.stop()
    ident = new_identity(unique)
    r = unicat_signup_request(api, ident)
    assert r.status_code == 200, r.text  # never waits for SMTP
    time.sleep(2)
    smtp.start()
    mail = smtp.wait_for(to=ident["email"], timeout=30)
    extract_code(mail)
    time.sleep(3)
    assert len(smtp.find(to=ident["email"])) == 1
