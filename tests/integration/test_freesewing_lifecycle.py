"""FreeSewing personality, the account after login (issue 13, LIFECYCLE.md 2.1-2.3):
GET /whoami/jwt and /account/jwt, PUT and PATCH /account/jwt (profile, password, address
change by a mailed link), DELETE /account/jwt, through nginx, with every link read from the
mails the SMTP sink received."""

import concurrent.futures
import os
import re
import time

import pytest

from harness import SRCDIR
from harness.flows import (PASSWORD, freesewing_confirm, freesewing_error, freesewing_login,
                           freesewing_signup_confirm, freesewing_signup_mail,
                           make_project, unicat_signup)

CONFIRM_BASE = "http://127.0.0.1:8080"   # freesewing_confirm_url's default
DEFAULT_IMG = "https://freesewing.org/avatar.svg"
ACCOUNT_KEYS = {"id", "bio", "consent", "control", "createdAt", "email", "github", "img",
                "imperial", "initial", "language", "lastLogin", "lastSeen", "mfaEnabled",
                "newsletter", "patron", "role", "status", "updatedAt", "username",
                "lusername"}
OTHER_PASSWORD = "velvet-harbour-juniper-77"


def subject(name, lang="en"):
    """The subject line of mail template name in lang."""
    with open(os.path.join(SRCDIR, "etc", "templates", lang, name + ".txt"),
              encoding="utf-8") as f:
        first = f.readline()
    assert first.startswith("Subject: ")
    return first[len("Subject: "):].strip()


def mail_of(smtp, to, since, template, lang="en"):
    """The newest mail of template (by its subject) to `to` after since.  By subject:
    the mailer sends in the background, and an earlier request's mail may come late."""
    pattern = "^%s$" % re.escape(subject(template, lang))
    return smtp.wait_for(to=to, since=since, subject=pattern)


def auth(token):
    return {"Authorization": "Bearer " + token}


def whoami(api, token, path="/whoami/jwt"):
    return api.get(path, headers=auth(token))


def put(api, token, body, method="PUT"):
    return api.request(method, "/account/jwt", json=body, headers=auth(token))


def account_of(r):
    """The account of a 200 success answer (checked)."""
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers.get("Cache-Control") == "no-store"
    body = r.json()
    assert body["result"] == "success", body
    return body["account"]


def fs_user(api, smtp, unique, password=PASSWORD):
    """A confirmed FreeSewing account that set a password (with the confirm answer's
    fresh token): dict(email, id, username, password, token)."""
    acct = freesewing_signup_confirm(api, smtp, unique)
    r = put(api, acct["token"], {"password": password})
    a = account_of(r)
    return {"email": acct["email"], "id": a["id"], "username": a["username"],
            "password": password, "token": r.json()["token"]}


def email_link(smtp, email, since, lang="en"):
    """The /confirm/emailchange/<id> link of the newest mail to email after since, in
    lang: (mail, base, id)."""
    mail = mail_of(smtp, email, since, "email_link", lang)
    m = re.search(r"(\S+)/confirm/emailchange/([A-Za-z0-9_-]+)\s*$", mail.text, re.M)
    assert m, "no emailchange link in:\n%s" % mail.text
    return mail, m.group(1), m.group(2)


def confirm_change(api, token, cid):
    return put(api, token, {"confirm": "emailchange", "confirmation": cid})


def email_confirmations(pg, uid):
    return int(pg.sql_value("SELECT count(*) FROM confirmations WHERE kind = 'email' "
                            "AND user_id = $1::bigint", uid))


# ------------------------------------------------------------------------- who am I

def test_whoami_and_account_shape(api, smtp, unique, pg):
    acct = freesewing_signup_confirm(api, smtp, unique)
    r = whoami(api, acct["token"])
    a = account_of(r)
    assert set(r.json()) == {"result", "account"}
    assert set(a) == ACCOUNT_KEYS
    uid = int(pg.sql_value("SELECT id FROM users WHERE email = $1", acct["email"]))
    assert a["id"] == uid and isinstance(a["id"], int)
    assert a["email"] == acct["email"] and a["initial"] == acct["email"]
    assert a["username"] == "user-%d" % uid and a["lusername"] == a["username"]
    assert (a["bio"], a["github"], a["control"], a["patron"]) == ("", "", 1, 0)
    assert a["imperial"] is False and a["newsletter"] is False and a["mfaEnabled"] is False
    assert a["img"] == DEFAULT_IMG
    assert (a["role"], a["status"], a["language"], a["consent"]) == ("user", 1, "en", 1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", a["createdAt"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", a["updatedAt"])
    assert a["lastLogin"] == a["lastSeen"]
    # /account/jwt answers the same
    assert whoami(api, acct["token"], "/account/jwt").json() == r.json()
    # The account object of /confirm and /login is the same one.
    assert set(acct["account"]) == ACCOUNT_KEYS


def test_whoami_takes_any_personalitys_token(api, smtp, unique):
    u = unicat_signup(api, smtp, unique)
    a = account_of(whoami(api, u["jwt"]))
    assert a["username"] == u["username"] and a["lusername"] == u["username"].lower()
    assert a["email"] == u["email"]


@pytest.mark.parametrize("path", ["/whoami/jwt", "/account/jwt"])
def test_whoami_refuses_bad_tokens(api, path):
    r = api.get(path)
    freesewing_error(r, 401, "authenticationFailed")
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")
    freesewing_error(api.get(path, headers=auth("not.a.jwt")), 401, "authenticationFailed")
    for method in ("PUT", "PATCH", "DELETE"):
        freesewing_error(api.request(method, "/account/jwt", json={"consent": 1}), 401,
                         "authenticationFailed")


def test_account_routes_404_405(api):
    # HTTP Basic API keys (/account/key) are not signet's: 404 in FreeSewing's envelope.
    freesewing_error(api.get("/account/key"), 404, "notFound")
    freesewing_error(api.get("/whoami/key"), 404, "notFound")
    r = api.post("/account/jwt", json={})
    freesewing_error(r, 405, "methodNotAllowed")
    assert r.headers["Allow"] == "GET, PUT, PATCH, DELETE"
    r = api.delete("/whoami/jwt")
    freesewing_error(r, 405, "methodNotAllowed")
    assert r.headers["Allow"] == "GET"


# ----------------------------------------------------------------------------- update

@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_username_language_consent(api, smtp, unique, pg, method):
    acct = freesewing_signup_confirm(api, smtp, unique)
    name = unique("Fs")
    before = account_of(whoami(api, acct["token"]))
    time.sleep(1.01)   # updatedAt has whole seconds
    r = put(api, acct["token"], {"username": "  %s " % name, "language": "nl", "consent": 3},
            method)
    a = account_of(r)
    assert set(r.json()) == {"result", "account"}   # no token: the password did not change
    assert a["username"] == name and a["lusername"] == name.lower()
    assert a["language"] == "nl" and a["consent"] == 3
    assert a["updatedAt"] > before["updatedAt"]
    assert account_of(whoami(api, acct["token"])) == a
    assert pg.sql("SELECT username, language, consent FROM users WHERE id = $1::bigint",
                  a["id"])[0] == (name, "nl", "3")
    # consent 0 is FreeSewing's too; a float of an integral value counts as it
    assert account_of(put(api, acct["token"], {"consent": 0}, method))["consent"] == 0
    assert account_of(put(api, acct["token"], {"consent": 2.0}, method))["consent"] == 2
    # the new name logs in (once there is a password)
    assert put(api, acct["token"], {"password": PASSWORD}).status_code == 200
    assert freesewing_login(api, name.upper(), PASSWORD).status_code == 200


IGNORED = [
    {},
    {"consent": 4}, {"consent": -1}, {"consent": "1"}, {"consent": True}, {"consent": 1.5},
    {"consent": None},
    {"language": "it"}, {"language": "EN"}, {"language": 5}, {"language": None},
    {"username": "a"}, {"username": "x"}, {"username": "bad name!"}, {"username": "-lead"},
    {"username": "x" * 65}, {"username": ""}, {"username": "   "}, {"username": 42},
    {"username": "has@at"},
    {"password": ""}, {"password": 12345678}, {"password": None},
    {"email": "nonsense"}, {"email": ""}, {"email": 5}, {"email": "a@b"},
    {"confirm": "signup", "confirmation": "x"}, {"confirmation": "x"},
    {"confirm": "emailchange", "confirmation": ""},
    {"confirm": "emailchange", "confirmation": 12},
    # FreeSewing fields signet has no column for
    {"bio": "I sew", "github": "@ann", "imperial": True, "newsletter": True, "control": 5,
     "img": "data:image/png;base64,AAAA", "compare": True, "mfaEnabled": True,
     "role": "admin", "status": 0, "patron": 8, "id": 1},
]


def test_invalid_values_are_ignored(api, smtp, unique, pg):
    acct = freesewing_signup_confirm(api, smtp, unique)
    before = account_of(whoami(api, acct["token"]))
    row = pg.sql("SELECT * FROM users WHERE id = $1::bigint", before["id"])
    for body in IGNORED:
        for method in ("PUT", "PATCH"):
            r = put(api, acct["token"], body, method)
            assert account_of(r) == before, (body, r.text)
            assert set(r.json()) == {"result", "account"}, body
    assert pg.sql("SELECT * FROM users WHERE id = $1::bigint", before["id"]) == row
    assert email_confirmations(pg, before["id"]) == 0


def test_invalid_field_beside_valid_ones(api, smtp, unique):
    acct = freesewing_signup_confirm(api, smtp, unique)
    a = account_of(put(api, acct["token"], {"username": "a", "language": "fr",
                                            "consent": 9, "bio": "x"}))
    assert a["language"] == "fr" and a["consent"] == 1
    assert a["username"] == acct["account"]["username"]


def test_username_taken_is_ignored(api, smtp, unique, pg):
    ann = fs_user(api, smtp, unique)
    name = unique("Taken")
    assert account_of(put(api, ann["token"], {"username": name}))["username"] == name
    bob = freesewing_signup_confirm(api, smtp, unique)
    old = bob["account"]["username"]
    for taken in (name, name.lower(), name.upper(), " %s " % name):
        a = account_of(put(api, bob["token"], {"username": taken, "language": "de"}))
        assert a["username"] == old, taken
        assert a["language"] == "de"       # the other fields are saved
    # a Unicat account's name is taken the same way
    u = unicat_signup(api, smtp, unique)
    assert account_of(put(api, bob["token"], {"username": u["username"]}))["username"] == old
    # one's own name in other letter case is a rename
    a = account_of(put(api, ann["token"], {"username": name.lower()}))
    assert a["username"] == name.lower()


# --------------------------------------------------------------------------- password

def test_password_change(api, smtp, unique, pg, signet):
    acct = freesewing_signup_confirm(api, smtp, unique)
    old_token = acct["token"]
    since = smtp.mark()
    r = put(api, old_token, {"password": PASSWORD, "language": "es"})
    a = account_of(r)
    assert set(r.json()) == {"result", "token", "account"}
    assert a["language"] == "es"
    new_token = r.json()["token"]
    assert new_token != old_token
    assert PASSWORD not in r.text
    # in the language the account had when the request came
    mail_of(smtp, acct["email"], since, "password_changed", "en")
    # the old token died with the epoch; the fresh one lives
    freesewing_error(whoami(api, old_token), 401, "authenticationFailed")
    assert account_of(whoami(api, new_token))["id"] == a["id"]
    # the new password logs in by email, username and id
    for name in (acct["email"], a["username"], str(a["id"])):
        r = freesewing_login(api, name, PASSWORD)
        assert r.status_code == 200, r.text
    # and again: the older password no more
    r = put(api, new_token, {"password": OTHER_PASSWORD})
    newer = r.json()["token"]
    freesewing_error(whoami(api, new_token), 401, "authenticationFailed")
    freesewing_error(freesewing_login(api, acct["email"], PASSWORD), 401, "loginFailed")
    assert freesewing_login(api, acct["email"], OTHER_PASSWORD).status_code == 200
    assert account_of(whoami(api, newer))["id"] == a["id"]
    assert "$s1$" not in r.text and OTHER_PASSWORD not in r.text
    log = signet.log_text()
    for secret in (PASSWORD, OTHER_PASSWORD, old_token, new_token, newer):
        assert secret not in log


def test_weak_password_changes_nothing(api, smtp, unique, pg):
    acct = freesewing_signup_confirm(api, smtp, unique)
    uid = acct["account"]["id"]
    row = pg.sql("SELECT * FROM users WHERE id = $1::bigint", uid)
    name = unique("Weak")
    for weak in ("short", "password1", "12345678", acct["email"], name + "-abc-xyz-9"):
        r = put(api, acct["token"], {"password": weak, "language": "de", "username": name,
                                     "email": unique("w") + "@example.org"})
        freesewing_error(r, 400, "passwordTooWeak")
    assert pg.sql("SELECT * FROM users WHERE id = $1::bigint", uid) == row
    assert email_confirmations(pg, uid) == 0
    assert account_of(whoami(api, acct["token"]))["language"] == "en"


# ----------------------------------------------------------------------- address change

def test_email_change_by_link(api, smtp, unique, pg, signet):
    ann = fs_user(api, smtp, unique)
    new = unique("new") + "@example.org"
    since = smtp.mark()
    r = put(api, ann["token"], {"email": new.upper().replace("EXAMPLE", "Example")})
    a = account_of(r)
    assert a["email"] == ann["email"]              # not before it is proved
    mail, base, cid = email_link(smtp, new, since)
    assert base == signet.config.get("freesewing_confirm_url", CONFIRM_BASE).rstrip("/")
    assert ann["email"].lower() not in mail.recipients()
    assert len(cid) >= 22 and cid not in r.text
    assert a["username"] in mail.text
    # the old address still logs in until then
    assert freesewing_login(api, ann["email"], PASSWORD).status_code == 200
    since = smtp.mark()
    r = confirm_change(api, ann["token"], cid)
    a = account_of(r)
    assert a["email"].lower() == new.lower()
    assert set(r.json()) == {"result", "account"}   # the token lives on
    assert account_of(whoami(api, ann["token"]))["email"] == a["email"]
    notice = mail_of(smtp, ann["email"], since, "email_changed")
    assert new.lower() in notice.text.lower()
    # /login by the new address; the old one is nobody's
    assert freesewing_login(api, new, PASSWORD).status_code == 200
    freesewing_error(freesewing_login(api, ann["email"], PASSWORD), 401, "loginFailed")
    # a link works once
    freesewing_error(confirm_change(api, ann["token"], cid), 404, "failedToFindConfirmationId")
    assert cid not in signet.log_text() and ann["token"] not in signet.log_text()
    # the old address is free again: another account may change to it
    bob = freesewing_signup_confirm(api, smtp, unique)
    since = smtp.mark()
    assert account_of(put(api, bob["token"], {"email": ann["email"]}))["email"] == bob["email"]
    email_link(smtp, ann["email"], since)


def test_email_same_as_now_sends_nothing(api, smtp, unique, pg):
    ann = fs_user(api, smtp, unique)
    for same in (ann["email"], ann["email"].upper(), " " + ann["email"]):
        account_of(put(api, ann["token"], {"email": same}))
    assert email_confirmations(pg, ann["id"]) == 0


def test_email_taken_and_throttled(api, smtp, unique, pg):
    ann = fs_user(api, smtp, unique)
    bob = freesewing_signup_confirm(api, smtp, unique)
    freesewing_error(put(api, ann["token"], {"email": bob["email"], "language": "nl"}), 400,
                     "emailExists")
    assert account_of(whoami(api, ann["token"]))["language"] == "en"   # nothing changed
    # an address with a signup waiting for its link is taken too
    pending = freesewing_signup_mail(api, smtp, unique)
    freesewing_error(put(api, ann["token"], {"email": pending["email"]}), 400, "emailExists")
    assert email_confirmations(pg, ann["id"]) == 0
    new = unique("n") + "@example.org"
    assert put(api, ann["token"], {"email": new}).status_code == 200
    # the same address again within throttle_signup_email_cooldown
    r = put(api, ann["token"], {"email": new})
    freesewing_error(r, 429, "tooManyRequests")
    assert int(r.headers["Retry-After"]) > 0


def test_confirmation_of_another_user_or_unknown_404(api, smtp, unique, pg):
    ann = fs_user(api, smtp, unique)
    bob = fs_user(api, smtp, unique)
    new = unique("n") + "@example.org"
    since = smtp.mark()
    assert put(api, ann["token"], {"email": new}).status_code == 200
    _, _, cid = email_link(smtp, new, since)
    freesewing_error(confirm_change(api, bob["token"], cid), 404, "failedToFindConfirmationId")
    freesewing_error(confirm_change(api, bob["token"], cid + "x"), 404,
                     "failedToFindConfirmationId")
    freesewing_error(confirm_change(api, ann["token"], "A" * 43), 404,
                     "failedToFindConfirmationId")
    assert account_of(whoami(api, bob["token"]))["email"] == bob["email"]
    # a signup's confirmation id is no address change's
    acct = freesewing_signup_mail(api, smtp, unique)
    freesewing_error(confirm_change(api, ann["token"], acct["cid"]), 404,
                     "failedToFindConfirmationId")
    assert freesewing_confirm(api, acct["cid"]).status_code == 200
    # the owner's link stayed good
    assert account_of(confirm_change(api, ann["token"], cid))["email"] == new


def test_newer_request_replaces_the_older_link(api, smtp, unique, pg):
    ann = fs_user(api, smtp, unique)
    first, second = (unique("n") + "@example.org" for _ in range(2))
    since = smtp.mark()
    assert put(api, ann["token"], {"email": first}).status_code == 200
    _, _, cid1 = email_link(smtp, first, since)
    assert put(api, ann["token"], {"email": second}).status_code == 200
    _, _, cid2 = email_link(smtp, second, since)
    freesewing_error(confirm_change(api, ann["token"], cid1), 404,
                     "failedToFindConfirmationId")
    assert account_of(confirm_change(api, ann["token"], cid2))["email"] == second


def test_email_race_one_wins(make_signet, smtp, unique, pg):
    """Two users ask for one new address (both links mailed), then confirm at the same
    time: exactly one gets it, the other is told and keeps its address."""
    stack = make_signet(throttle_signup_email_cooldown=0)
    api = stack.api
    for _ in range(3):
        ann, bob = fs_user(api, smtp, unique), fs_user(api, smtp, unique)
        new = unique("race") + "@example.org"
        cids = []
        for u in (ann, bob):
            since = smtp.mark()
            assert put(api, u["token"], {"email": new}).status_code == 200
            cids.append(email_link(smtp, new, since)[2])
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            futures = [ex.submit(confirm_change, api, u["token"], cid)
                       for u, cid in zip((ann, bob), cids)]
            answers = [f.result() for f in futures]
        assert sorted(r.status_code for r in answers) == [200, 400], [r.text for r in answers]
        winner, loser = (ann, bob) if answers[0].status_code == 200 else (bob, ann)
        freesewing_error(answers[1 if winner is ann else 0], 400, "emailExists")
        assert account_of(whoami(api, winner["token"]))["email"] == new
        assert account_of(whoami(api, loser["token"]))["email"] == loser["email"]
        assert pg.sql("SELECT id FROM users WHERE lower(email) = lower($1)", new) == \
            [(str(winner["id"]),)]
        assert freesewing_login(api, new, PASSWORD).json()["account"]["id"] == winner["id"]
        assert freesewing_login(api, loser["email"], PASSWORD).status_code == 200


# ------------------------------------------------------------------------ stale sessions

def test_stale_session_needs_a_new_login(make_signet, smtp, unique, pg):
    # auth_time has whole seconds: 3 s later a session is surely older than 2 s.
    stack = make_signet(reauth_window=2)
    api = stack.api
    ann = fs_user(api, smtp, unique)
    uid = ann["id"]
    row = pg.sql("SELECT * FROM users WHERE id = $1::bigint", uid)
    time.sleep(3.1)
    new = unique("n") + "@example.org"
    for body in ({"password": OTHER_PASSWORD}, {"email": new},
                 {"password": OTHER_PASSWORD, "language": "de", "username": unique("S")},
                 {"email": new, "consent": 3}):
        freesewing_error(put(api, ann["token"], body), 401, "reauthenticationRequired")
    freesewing_error(api.delete("/account/jwt", headers=auth(ann["token"])), 401,
                     "reauthenticationRequired")
    assert pg.sql("SELECT * FROM users WHERE id = $1::bigint", uid) == row
    assert email_confirmations(pg, uid) == 0
    # what needs no recent password still works with the old session
    assert account_of(put(api, ann["token"], {"language": "de"}))["language"] == "de"
    assert account_of(put(api, ann["token"], {"email": ann["email"]}))["email"] == ann["email"]
    # a confirmation proves the address: it needs no recent password either
    r = freesewing_login(api, ann["email"], PASSWORD)
    fresh = r.json()["token"]
    since = smtp.mark()
    assert put(api, fresh, {"email": new}).status_code == 200
    _, _, cid = email_link(smtp, new, since, "de")
    time.sleep(3.1)
    assert account_of(confirm_change(api, fresh, cid))["email"] == new
    # a new login makes the session recent again
    fresh = freesewing_login(api, new, PASSWORD).json()["token"]
    r = put(api, fresh, {"password": OTHER_PASSWORD})
    assert account_of(r)["id"] == uid and "token" in r.json()
    r = api.delete("/account/jwt", headers=auth(r.json()["token"]))
    assert r.status_code == 200, r.text


# ---------------------------------------------------------------------------- deletion

def test_delete_account(make_signet, smtp, unique, pg):
    # Signing the address up again within a minute is not a throttle test.
    api = make_signet(throttle_signup_email_cooldown=0).api
    ann = fs_user(api, smtp, unique)
    name = unique("Gone")
    assert account_of(put(api, ann["token"], {"username": name}))["username"] == name
    since = smtp.mark()
    r = api.delete("/account/jwt", headers=auth(ann["token"]))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"result": "success", "data": {}}
    bye = mail_of(smtp, ann["email"], since, "account_deleted")
    assert name in bye.text
    assert pg.sql_value("SELECT count(*) FROM users WHERE id = $1::bigint", ann["id"]) == "0"
    # the token, the login: gone
    freesewing_error(whoami(api, ann["token"]), 401, "authenticationFailed")
    freesewing_error(api.delete("/account/jwt", headers=auth(ann["token"])), 401,
                     "authenticationFailed")
    for login in (ann["email"], name, str(ann["id"])):
        freesewing_error(freesewing_login(api, login, PASSWORD), 401, "loginFailed")
    # the address and the username are free again
    again = freesewing_signup_confirm(api, smtp, email=ann["email"])
    assert again["account"]["id"] != ann["id"]
    a = account_of(put(api, again["token"], {"username": name}))
    assert a["username"] == name and a["email"] == ann["email"]


def test_delete_owner_refused(api, smtp, unique, pg, signet):
    ann = fs_user(api, smtp, unique)
    name = unique("Own")
    assert account_of(put(api, ann["token"], {"username": name}))["username"] == name
    make_project(signet, name)
    r = api.delete("/account/jwt", headers=auth(ann["token"]))
    freesewing_error(r, 403, "accountOwnsProjects")
    assert account_of(whoami(api, ann["token"]))["id"] == ann["id"]
    assert freesewing_login(api, name, PASSWORD).status_code == 200
