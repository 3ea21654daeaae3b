"""Two-factor login with TOTP (issue 16): enrolment, login with and without the code,
replay, brute force against the account's limit, recovery codes, disable, the admin
reset and the mails.  Codes are computed by harness.flows.totp_code (Python's hmac, from
RFC 6238) and cross-checked with Debian's oathtool: what an authenticator app makes."""

import re
import shutil
import subprocess

import pytest

from harness.flows import (PASSWORD, admin, bearer, bedita_error, freesewing_error,
                           totp_code, unicat_error, unicat_mfa_enrol, unicat_reset,
                           unicat_signup)

UNKNOWN = (403, 403, "Unknown user")
VALIDATION = (422, 1001, "Validation error")


@pytest.fixture
def user(api, smtp, unique):
    return unicat_signup(api, smtp, unique, prefix="mfa")


def login(api, ident, totp=None, password=None):
    body = {"username": ident["username"], "password": password or ident["password"]}
    if totp is not None:
        body["totp"] = totp
    return api.post("/api/login", json=body)


def mfa(api, ident, **body):
    return api.post("/api/account/mfa", json=body, headers=bearer(ident))


def wrong(code):
    return "%06d" % ((int(code) + 1) % 1000000)


def test_enrolment(api, smtp, user):
    r = mfa(api, user, mfa=True)
    assert r.status_code == 200, r.text
    setup = r.json()["result"]["mfa"]
    secret = setup["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    assert setup["otpauth"] == (
        "otpauth://totp/signet:%s?secret=%s&period=30&digits=6&algorithm=SHA1&"
        "issuer=signet" % (user["username"], secret))
    assert setup["qrcode"].startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    assert "currentColor" in setup["qrcode"]
    # Not on until confirmed: a login needs no code yet.
    assert login(api, user).status_code == 200
    # Setting up again replaces the secret; the old one no longer confirms.
    again = mfa(api, user, mfa=True).json()["result"]["mfa"]["secret"]
    assert again != secret
    r = mfa(api, user, mfa=True, secret=secret, token=totp_code(secret))
    unicat_error(r, *VALIDATION, info={"secret": "is not the secret set up last"})
    r = mfa(api, user, mfa=True, secret=again, token=wrong(totp_code(again)))
    unicat_error(r, *VALIDATION, info={"token": "is not a current code"})
    since = smtp.mark()
    r = mfa(api, user, mfa=True, secret=again, token=totp_code(again))
    assert r.status_code == 200, r.text
    codes = r.json()["result"]["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes), codes
    mail = smtp.wait_for(to=user["email"], since=since)
    assert mail["Subject"] == "Two-factor login is on"
    assert again not in mail.text and codes[0] not in mail.text
    # On now: neither step starts again.
    unicat_error(mfa(api, user, mfa=True), *VALIDATION, info={"mfa": "is on already"})
    unicat_error(mfa(api, user, mfa=True, secret=again, token=totp_code(again, 1)),
                 *VALIDATION, info={"mfa": "is on already"})


def test_mfa_call_errors(api, user):
    unicat_error(mfa(api, user), 400, 400, "Bad request", info={"Missing parameter": "mfa"})
    unicat_error(mfa(api, user, mfa="yes"), 400, 400, "Bad request",
                 info={"Invalid parameter": "mfa"})
    unicat_error(mfa(api, user, mfa=False, password=PASSWORD), 400, 400, "Bad request",
                 info={"Missing parameter": "token"})
    unicat_error(mfa(api, user, mfa=False, token="123456"), 400, 400, "Bad request",
                 info={"Missing parameter": "password"})
    unicat_error(mfa(api, user, mfa=False, password=PASSWORD, token="123456"),
                 *VALIDATION, info={"mfa": "is not on"})
    unicat_error(api.post("/api/account/mfa", json={"mfa": True}), 401, 401,
                 "Permission denied")


def test_login_with_a_second_factor(api, user):
    secret, _ = unicat_mfa_enrol(api, user)
    # The password first: a wrong one says nothing about the second factor.
    unicat_error(login(api, user, password="not-the-password-1"), *UNKNOWN)
    unicat_error(login(api, user), *VALIDATION, info={"totp": "required"})
    unicat_error(login(api, user, totp=""), *VALIDATION, info={"totp": "required"})
    unicat_error(login(api, user, totp=wrong(totp_code(secret, 1))), *UNKNOWN)
    unicat_error(login(api, user, totp="12345"), *UNKNOWN)
    # Enrolment used this step's code: the next step's is due (clocks one step apart).
    code = totp_code(secret, 1)
    r = login(api, user, totp=code)
    assert r.status_code == 200, r.text
    assert r.json()["result"]["user"] == user["gid"]
    # Each code counts once, and no older one after it.
    unicat_error(login(api, user, totp=code), *UNKNOWN)
    unicat_error(login(api, user, totp=totp_code(secret)), *UNKNOWN)


def test_codes_match_oathtool(api, user):
    oathtool = shutil.which("oathtool")
    assert oathtool, "oathtool (Debian's oathtool package) is not installed"
    secret, _ = unicat_mfa_enrol(api, user)
    out = subprocess.run([oathtool, "--totp", "-b", "-N", "now + 30 seconds", secret],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == totp_code(secret, 1)
    assert login(api, user, totp=out).status_code == 200


def test_recovery_codes_each_once(api, smtp, user):
    _, codes = unicat_mfa_enrol(api, user)
    since = smtp.mark()
    assert login(api, user, totp=codes[0]).status_code == 200
    mail = smtp.wait_for(to=user["email"], since=since, subject="recovery")
    assert mail["Subject"] == "A recovery code was used"
    unicat_error(login(api, user, totp=codes[0]), *UNKNOWN)
    # Typed another way: upper case, without the dash, with blanks.
    assert login(api, user, totp=codes[1].upper()).status_code == 200
    assert login(api, user, totp=codes[2].replace("-", "")).status_code == 200
    assert login(api, user, totp=" " + codes[3].replace("-", " ")).status_code == 200


def test_wrong_codes_count_against_the_account(make_signet, smtp, unique):
    stack = make_signet(throttle_login_account_free=2, throttle_login_account_hourly=4)
    user = unicat_signup(stack.api, smtp, unique, prefix="bf")
    secret, _ = unicat_mfa_enrol(stack.api, user)
    bad = wrong(totp_code(secret, 1))
    answers = [login(stack.api, user, totp=bad).status_code for _ in range(6)]
    # Two free tries, then the backoff and the cap: a right password does not reset it.
    assert answers[:2] == [403, 403], answers
    assert 429 in answers[2:], answers
    r = login(stack.api, user, totp=totp_code(secret, 1))
    unicat_error(r, 429, 429, "Too many requests")


def test_disable(api, smtp, user):
    secret, codes = unicat_mfa_enrol(api, user)
    code = totp_code(secret, 1)
    unicat_error(mfa(api, user, mfa=False, password="not-the-password-1", token=code),
                 *UNKNOWN)
    unicat_error(mfa(api, user, mfa=False, password=PASSWORD, token=wrong(code)),
                 *UNKNOWN)
    since = smtp.mark()
    r = mfa(api, user, mfa=False, password=PASSWORD, token=codes[5])
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "result": {}, "data": {}}
    assert smtp.wait_for(to=user["email"], since=since, subject="is off")["Subject"] == \
        "Two-factor login is off"
    assert login(api, user).status_code == 200
    # The recovery codes went with it.
    secret2, _ = unicat_mfa_enrol(api, user)
    unicat_error(login(api, user, totp=codes[6]), *UNKNOWN)
    assert login(api, user, totp=totp_code(secret2, 1)).status_code == 200


def test_admin_mfa_reset(api, smtp, signet, user):
    unicat_mfa_enrol(api, user)
    since = smtp.mark()
    r = admin(signet, "user", "mfa-reset", user["username"])
    assert "two-factor of %s is off" % user["username"] in r.err
    assert smtp.wait_for(to=user["email"], since=since, subject="is off")["Subject"] == \
        "Two-factor login is off"
    assert login(api, user).status_code == 200
    assert "has no two-factor" in admin(signet, "user", "mfa-reset", user["username"]).err
    r = admin(signet, "user", "mfa-reset", "nobody-at-all", check=False)
    assert r.returncode != 0 and "no user" in r.err


def test_reset_keeps_the_second_factor(api, smtp, user):
    secret, _ = unicat_mfa_enrol(api, user)
    vcode, code, _ = unicat_reset(api, smtp, user)
    new = "copper-violin-harbour-77"
    r = api.post("/api/reset_password", json={
        "username": user["username"], "new_password": new, "validation_code": vcode,
        "verification_code": code})
    assert r.status_code == 200, r.text
    unicat_error(login(api, user, password=new), *VALIDATION, info={"totp": "required"})
    assert login(api, user, password=new, totp=totp_code(secret, 1)).status_code == 200


def test_single_factor_passwords_may_need_more_length(make_signet, smtp, unique):
    stack = make_signet(password_min_length_single_factor=15)
    ident = {"username": unique("len"), "password": "ember-fjord-921",
             "email": "%s@example.org" % unique("len")}
    short = dict(ident, password="ember-fjord-92")
    r = stack.api.post("/api/signup_request", json=short)
    unicat_error(r, *VALIDATION, info={"password": "must be at least 15 characters"})
    user = unicat_signup(stack.api, smtp, ident=ident)
    r = stack.api.post("/api/account/update", json={"password": "ember-fjord-93"},
                       headers=bearer(user))
    unicat_error(r, *VALIDATION, info={"password": "must be at least 15 characters"})
    # With a second factor, 8 characters are enough.
    unicat_mfa_enrol(stack.api, user)
    r = stack.api.post("/api/account/update", json={"password": "ember-fjord-93"},
                       headers=bearer(user))
    assert r.status_code == 200, r.text


def test_without_a_totp_key_two_factor_is_not_offered(make_signet, smtp, unique):
    stack = make_signet(totp_key_file=None)
    user = unicat_signup(stack.api, smtp, unique, prefix="nk")
    unicat_error(mfa(stack.api, user, mfa=True), 501, 501, "Not implemented")


def test_freesewing_login_takes_token(api, user):
    """LIFECYCLE.md 2.5: /login answers 401 loginFailed for a wrong password first, then
    403 mfaTokenRequired without a token, 401 loginFailed with a wrong one."""
    secret, codes = unicat_mfa_enrol(api, user)
    fs = lambda **b: api.post("/login", json=dict(username=user["username"], **b))  # noqa
    freesewing_error(fs(password="not-the-password-1"), 401, "loginFailed")
    freesewing_error(fs(password=PASSWORD), 403, "mfaTokenRequired")
    freesewing_error(fs(password=PASSWORD, token=wrong(totp_code(secret, 1))), 401,
                     "loginFailed")
    freesewing_error(fs(password=PASSWORD, token=123456), 401, "loginFailed")
    r = fs(password=PASSWORD, token=totp_code(secret, 1))
    assert r.status_code == 200, r.text
    assert r.json()["result"] == "success"
    r = fs(password=PASSWORD, token=codes[0])
    assert r.status_code == 200, r.text


def test_bedita_auth_takes_totp(api, user):
    secret, _ = unicat_mfa_enrol(api, user)
    auth = lambda **b: api.post("/auth", json=dict(username=user["username"], **b))  # noqa
    for r in (auth(password=PASSWORD), auth(password=PASSWORD, totp="000000"),
              auth(password="not-the-password-1", totp=totp_code(secret, 1))):
        bedita_error(r, 401, "Login request not successful")
    r = auth(password=PASSWORD, totp=totp_code(secret, 1))
    assert r.status_code == 200, r.text
    assert set(r.json()["meta"]) == {"jwt", "renew"}


def test_freesewing_mfa_call(api, user):
    """LIFECYCLE.md 2.5's POST /account/mfa/jwt, on a token from FreeSewing's /login."""
    r = api.post("/login", json={"username": user["username"], "password": PASSWORD})
    assert r.status_code == 200, r.text
    fs = {"Authorization": "Bearer " + r.json()["token"]}
    call = lambda body: api.post("/account/mfa/jwt", json=body, headers=fs)  # noqa

    freesewing_error(call({"mfa": "yes"}), 400, "invalidMfaSetting")
    freesewing_error(call({}), 400, "invalidMfaSetting")
    r = call({"mfa": True})
    assert r.status_code == 200, r.text
    setup = r.json()
    assert setup["result"] == "success" and set(setup["mfa"]) == {"secret", "otpauth",
                                                                  "qrcode"}
    secret = setup["mfa"]["secret"]
    freesewing_error(call({"mfa": True, "secret": secret,
                           "token": wrong(totp_code(secret))}), 403, "mfaTokenInvalid")
    freesewing_error(call({"mfa": True, "secret": "A" * 32, "token": totp_code(secret)}),
                     403, "mfaTokenInvalid")
    r = call({"mfa": True, "secret": secret, "token": totp_code(secret)})
    assert r.status_code == 200, r.text
    assert r.json()["account"]["mfaEnabled"] is True
    assert len(r.json()["recoveryCodes"]) == 10
    freesewing_error(call({"mfa": True}), 400, "mfaActive")
    freesewing_error(call({"mfa": True, "secret": secret, "token": totp_code(secret, 1)}),
                     400, "mfaActive")
    assert api.get("/whoami/jwt", headers=fs).json()["account"]["mfaEnabled"] is True

    freesewing_error(call({"mfa": False, "password": PASSWORD}), 400, "mfaTokenRequired")
    freesewing_error(call({"mfa": False, "token": totp_code(secret, 1)}), 400,
                     "passwordRequired")
    freesewing_error(call({"mfa": False, "password": "not-the-password-1",
                           "token": totp_code(secret, 1)}), 401, "authenticationFailed")
    r = call({"mfa": False, "password": PASSWORD, "token": totp_code(secret, 1)})
    assert r.status_code == 200, r.text
    assert r.json() == {"result": "success"}
    assert api.get("/whoami/jwt", headers=fs).json()["account"]["mfaEnabled"] is False
    freesewing_error(call({"mfa": False, "password": PASSWORD, "token": "123456"}), 400,
                     "mfaInactive")
