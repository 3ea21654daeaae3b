"""FreeSewing personality: POST /signup, /confirm/signup/<id> and /login through nginx, with
the confirmation links read from the mails the SMTP sink received."""

import os
import re

import pytest

from harness.flows import (PASSWORD, at_once, freesewing_confirm, freesewing_error,
                           freesewing_id, freesewing_login, freesewing_signup,
                           freesewing_signup_confirm, freesewing_signup_mail, unicat_signup,
                           unicat_signup_request, new_identity)
from harness import SRCDIR

LANGUAGES = ("en", "de", "es", "fr", "nl")


def template_subject(lang, name):
    with open(os.path.join(SRCDIR, "etc", "templates", lang, name + ".txt"),
              encoding="utf-8") as f:
        first = f.readline()
    assert first.startswith("Subject: ")
    return first[len("Subject: "):].strip()


def test_signup_201_and_the_mail(api, smtp, unique, pg, signet):
    email = "%s@example.org" % unique("f")
    since = smtp.mark()
    r = freesewing_signup(api, email, "en")
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Cache-Control"] == "no-store"
    assert r.json() == {"result": "success", "email": email}
    uid, username, status, password, lang = pg.sql(
        "SELECT id, username, status, password, language FROM users "
        "WHERE email = $1", email)[0]
    assert username == "user-%s" % uid
    assert status == "draft" and password is None and lang == "en"
    mail = smtp.wait_for(to=email, since=since)
    assert mail.subject == template_subject("en", "confirm")
    base = signet.config.get("freesewing_confirm_url", "http://127.0.0.1:8080")
    m = re.search(r"(\S+)/confirm/signup/([A-Za-z0-9_-]+)\s*$", mail.text, re.M)
    assert m and m.group(1) == base.rstrip("/"), mail.text
    cid = m.group(2)
    assert len(cid) >= 22
    kind, mac, ttl = pg.sql("SELECT kind, encode(token_mac, 'hex'), "
                            " round(extract(epoch FROM expires_at - created)) "
                            "FROM confirmations WHERE user_id = $1::bigint", uid)[0]
    assert kind == "confirm" and ttl == "86400" and cid not in mac


def test_confirm_200_token_and_account(api, smtp, unique, pg):
    acct = freesewing_signup_mail(api, smtp, unique, language="de")
    r = freesewing_confirm(api, acct["cid"], consent=2)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"] == "success"
    assert set(body) == {"result", "token", "account"}
    a = body["account"]
    uid = int(pg.sql_value("SELECT id FROM users WHERE email = $1", acct["email"]))
    assert a["id"] == uid
    assert a["email"] == acct["email"]
    assert a["username"] == "user-%d" % uid and a["lusername"] == a["username"]
    assert a["language"] == "de" and a["consent"] == 2
    assert a["status"] == 1 and a["role"] == "user"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", a["createdAt"])
    assert "password" not in r.text and "$s1$" not in r.text
    row = pg.sql("SELECT status, verified_at IS NOT NULL, consent FROM users "
                 "WHERE id = $1::bigint", uid)[0]
    assert row == ("active", "t", "2")
    # The token is the store's own: Unicat's /api/init takes it.
    r = api.get("/api/init", headers={"Authorization": "Bearer " + body["token"]})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["cc.users"][r.json()["result"]["user"]]["email"] == acct["email"]


def test_confirm_used_unknown_expired_404(api, smtp, unique, pg):
    acct = freesewing_signup_confirm(api, smtp, unique)
    r = freesewing_confirm(api, acct["cid"])                     # used
    freesewing_error(r, 404, "failedToFindConfirmationId")
    r = freesewing_confirm(api, "A" * 24)                        # unknown
    freesewing_error(r, 404, "failedToFindConfirmationId")
    acct = freesewing_signup_mail(api, smtp, unique)             # expired
    pg.sql("UPDATE confirmations SET expires_at = now() - interval '1 second' "
           "WHERE user_id = (SELECT id FROM users WHERE email = $1)", acct["email"])
    r = freesewing_confirm(api, acct["cid"])
    freesewing_error(r, 404, "failedToFindConfirmationId")
    assert pg.sql_value("SELECT status FROM users WHERE email = $1", acct["email"]) == "draft"


# consent is a JSON number, 1 or more (issue 12.2): a string, a boolean, null, an
# array or nothing at all is consentRequired.
@pytest.mark.parametrize("body", [{"consent": 0}, {"consent": -1}, {"consent": "x"},
                                  {"consent": None}, {"consent": False}, {"other": 1},
                                  {"consent": [1]}, {"consent": "1"}, {"consent": "yes"},
                                  {"consent": True}, {"consent": 0.5},
                                  {"consent": {"v": 1}}])
def test_confirm_consent_required(api, smtp, unique, body):
    acct = freesewing_signup_mail(api, smtp, unique)
    r = api.post("/confirm/signup/%s" % acct["cid"], json=body)
    freesewing_error(r, 400, "consentRequired")
    # The refused request did not use the link up.
    r = freesewing_confirm(api, acct["cid"], consent=1)
    assert r.status_code == 200, r.text


def test_confirm_body_missing(api, smtp, unique):
    acct = freesewing_signup_mail(api, smtp, unique)
    for kw in ({"json": {}}, {}, {"data": "not json",
                                  "headers": {"Content-Type": "application/json"}}):
        r = api.post("/confirm/signup/%s" % acct["cid"], **kw)
        freesewing_error(r, 400, "postBodyMissing")


def test_confirm_consent_forms(api, smtp, unique):
    for consent in (1, 3, 1.0, 2.5):
        acct = freesewing_signup_mail(api, smtp, unique)
        r = freesewing_confirm(api, acct["cid"], consent=consent)
        assert r.status_code == 200, (consent, r.text)


def test_signup_errors_400(api, smtp, unique):
    email = "%s@example.org" % unique("f")
    r = api.post("/signup")
    freesewing_error(r, 400, "postBodyMissing")
    r = api.post("/signup", json={})
    freesewing_error(r, 400, "postBodyMissing")
    r = api.post("/signup", data="{nope", headers={"Content-Type": "application/json"})
    freesewing_error(r, 400, "postBodyMissing")
    r = api.post("/signup", json={"language": "en"})
    freesewing_error(r, 400, "emailMissing")
    r = api.post("/signup", json={"email": "", "language": "en"})
    freesewing_error(r, 400, "emailMissing")
    r = api.post("/signup", json={"email": email})
    freesewing_error(r, 400, "languageMissing")
    for lang in ("it", "EN", "en-US", "xx"):
        r = freesewing_signup(api, email, lang)
        freesewing_error(r, 400, "unsupportedLanguage")
    r = freesewing_signup(api, "not-an-email", "en")
    freesewing_error(r, 400, "emailInvalid")
    assert smtp.find(to=email) == []


def test_signup_email_exists(api, smtp, unique):
    # An unconfirmed FreeSewing account holds its email, in any case.
    acct = freesewing_signup_mail(api, smtp, unique)
    r = freesewing_signup(api, acct["email"].upper(), "en")
    freesewing_error(r, 400, "emailExists")
    # So does an active Unicat account.
    u = unicat_signup(api, smtp, unique)
    r = freesewing_signup(api, u["email"], "fr")
    freesewing_error(r, 400, "emailExists")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_confirm_mail_in_each_language(api, smtp, unique, lang):
    email = "%s@example.org" % unique("f")
    since = smtp.mark()
    r = freesewing_signup(api, email, lang)
    assert r.status_code == 201, r.text
    mail = smtp.wait_for(to=email, since=since)
    assert mail.subject == template_subject(lang, "confirm")
    assert freesewing_id(smtp, email, since)


def test_confirm_url_base(make_signet, smtp, unique):
    stack = make_signet(freesewing_confirm_url="https://fs.example/en//")
    email = "%s@example.org" % unique("f")
    since = smtp.mark()
    r = freesewing_signup(stack.api, email, "en")
    assert r.status_code == 201, r.text
    text = smtp.wait_for(to=email, since=since).text
    assert re.search(r"^https://fs\.example/en/confirm/signup/[A-Za-z0-9_-]{24}$", text, re.M), text


def test_concurrent_confirm_one_wins(api, smtp, unique):
    acct = freesewing_signup_mail(api, smtp, unique)
    n = 8
    codes = at_once(n, freesewing_confirm, api, acct["cid"])
    assert codes == [200] + [404] * (n - 1), codes


def test_login(api, smtp, unique, pg):
    u = unicat_signup(api, smtp, unique)
    uid = pg.sql_value("SELECT id FROM users WHERE gid = $1::uuid", u["gid"])
    # Username, email or numeric id.
    for login in (u["username"], u["email"], uid):
        r = freesewing_login(api, login, PASSWORD)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["result"] == "success" and body["token"].count(".") == 2
        assert body["account"]["id"] == int(uid)
        assert body["account"]["username"] == u["username"]
        assert body["account"]["status"] == 1
    r = freesewing_login(api, u["username"], "wrong-" + PASSWORD)
    freesewing_error(r, 401, "loginFailed")
    r = freesewing_login(api, unique("nobody"), PASSWORD)
    freesewing_error(r, 401, "loginFailed")


def test_login_errors_400(api):
    r = api.post("/login", json={})
    freesewing_error(r, 400, "postBodyMissing")
    r = api.post("/login", json={"password": PASSWORD})
    freesewing_error(r, 400, "usernameMissing")
    r = api.post("/login", json={"username": "someone"})
    freesewing_error(r, 400, "passwordMissing")


def test_freesewing_account_has_no_password(api, smtp, unique, pg):
    # Decision: until FreeSewing's later steps (not served) set one, nobody can log in
    # with a password, not even an empty one.
    acct = freesewing_signup_confirm(api, smtp, unique)
    for pw in ("", PASSWORD, "null"):
        r = freesewing_login(api, acct["email"], pw)
        assert r.status_code in (400, 401), r.text
        assert r.json()["result"] == "error"
    assert pg.sql_value("SELECT password FROM users WHERE email = $1", acct["email"]) is None


def test_auto_username_never_collides(api, smtp, unique, pg):
    # Somebody took the name the next FreeSewing account would get.
    n = int(pg.sql_value("SELECT nextval(pg_get_serial_sequence('users', 'id'))"))
    pg.sql("INSERT INTO users (id, username, email, status, verified_at) "
           "VALUES ($1::bigint, $2, $3, 'active', now())",
           n, "User-%d" % (n + 1), "%s@example.org" % unique("taken"))
    acct = freesewing_signup_mail(api, smtp, unique)
    uid, name = pg.sql("SELECT id, username FROM users WHERE email = $1", acct["email"])[0]
    assert name.lower() != "user-%d" % (n + 1)
    assert re.fullmatch(r"user-%s(-[0-9a-f]{8})?" % uid, name), name
    r = freesewing_confirm(api, acct["cid"])
    assert r.status_code == 200, r.text


def test_stale_signup_taken_over(make_signet, smtp, unique, pg):
    stack = make_signet(throttle_signup_email_cooldown=0)
    acct = freesewing_signup_mail(stack.api, smtp, unique)
    pg.sql("UPDATE confirmations SET expires_at = now() - interval '1 second' "
           "WHERE user_id = (SELECT id FROM users WHERE email = $1)", acct["email"])
    again = freesewing_signup_mail(stack.api, smtp, email=acct["email"], language="nl")
    assert again["cid"] != acct["cid"]
    assert pg.sql_value("SELECT count(*) FROM users WHERE email = $1", acct["email"]) == "1"
    freesewing_error(freesewing_confirm(stack.api, acct["cid"]), 404,
                     "failedToFindConfirmationId")
    r = freesewing_confirm(stack.api, again["cid"])
    assert r.status_code == 200 and r.json()["account"]["language"] == "nl", r.text


def test_confirmation_id_never_logged(api, smtp, unique, signet):
    # The id in the path is the link's secret: the request log names the route instead.
    acct = freesewing_signup_mail(api, smtp, unique)
    freesewing_error(api.get("/confirm/signup/%s" % acct["cid"]), 405, "methodNotAllowed")
    freesewing_error(freesewing_confirm(api, acct["cid"] + "x"), 404,
                     "failedToFindConfirmationId")
    assert freesewing_confirm(api, acct["cid"]).status_code == 200
    log = signet.log_text()
    assert "/confirm/signup/* 200" in log
    assert acct["cid"] not in log


def test_wrong_method_405(api):
    for path in ("/login", "/confirm/signup/abc", "/signup"):
        r = api.get(path)
        freesewing_error(r, 405, "methodNotAllowed")
        assert r.headers["Allow"] == "POST"
    r = api.post("/confirm/signup")
    freesewing_error(r, 404, "notFound")


def test_signup_throttle_per_address(make_signet, unique, pg):
    stack = make_signet(throttle_exempt="", throttle_signup_addr_hourly=2)
    pg.sql("DELETE FROM throttles WHERE key LIKE 'signup-addr:%'")
    for _ in range(2):
        r = freesewing_signup(stack.api, "%s@example.org" % unique("f"))
        assert r.status_code == 201, r.text
    r = freesewing_signup(stack.api, "%s@example.org" % unique("f"))
    freesewing_error(r, 429, "tooManyRequests")
    assert int(r.headers["Retry-After"]) > 0
    pg.sql("DELETE FROM throttles WHERE key LIKE 'signup-addr:%'")


def test_signup_shares_unicat_email_budget(api, smtp, unique):
    # A Unicat signup request mailed this address a moment ago: the same per-email
    # cooldown holds for FreeSewing's signup.
    ident = new_identity(unique, "f")
    r = unicat_signup_request(api, ident)
    assert r.status_code == 200, r.text
    r = freesewing_signup(api, ident["email"], "en")
    freesewing_error(r, 429, "tooManyRequests")
    assert int(r.headers["Retry-After"]) > 0
