"""One account store behind three personalities: who logs in where, which personality
answers POST /signup, and the rules and throttles every personality shares."""

import pytest

from harness.flows import (ACTIVATION_URL, JSONAPI, PASSWORD, bedita_activate, bedita_auth,
                           bedita_error, bedita_signup, bedita_signup_activate,
                           bedita_signup_mail, freesewing_error, freesewing_login,
                           freesewing_signup, freesewing_signup_confirm,
                           freesewing_signup_mail, new_identity, unicat_error,
                           unicat_signup, unicat_signup_request)


def test_bedita_activated_user_logs_in_everywhere(api, smtp, unique, pg):
    ident = bedita_signup_activate(api, smtp, unique)
    gid = pg.sql_value("SELECT gid FROM users WHERE id = $1::bigint", ident["id"])
    r = api.post("/api/login", json={"username": ident["username"],
                                     "password": ident["password"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"]["user"] == gid
    assert body["data"]["cc.users"][gid]["status"] == "active"
    jwt = r.headers["Authorization"]
    r = api.get("/api/init", headers={"Authorization": jwt})
    assert r.status_code == 200, r.text
    assert bedita_auth(api, ident).status_code == 200
    for login in (ident["username"], ident["email"], ident["id"]):
        r = freesewing_login(api, login, ident["password"])
        assert r.status_code == 200, r.text
        assert r.json()["account"]["id"] == int(ident["id"])


def test_unicat_user_logs_in_through_auth_and_login(api, smtp, unique):
    u = unicat_signup(api, smtp, unique)
    r = bedita_auth(api, u)
    assert r.status_code == 200, r.text
    jwt = r.json()["meta"]["jwt"]
    r = api.get("/api/init", headers={"Authorization": "Bearer " + jwt})
    assert r.status_code == 200 and r.json()["result"]["user"] == u["gid"], r.text
    r = freesewing_login(api, u["email"], u["password"])
    assert r.status_code == 200, r.text
    r = api.get("/api/init", headers={"Authorization": r.json()["token"]})
    assert r.status_code == 200 and r.json()["result"]["user"] == u["gid"], r.text


def test_freesewing_account_token_is_the_stores(api, smtp, unique):
    acct = freesewing_signup_confirm(api, smtp, unique)
    r = api.get("/api/init", headers={"Authorization": "Bearer " + acct["token"]})
    assert r.status_code == 200, r.text
    gid = r.json()["result"]["user"]
    assert r.json()["data"]["cc.users"][gid]["username"] == acct["account"]["username"]
    # Logging out through Unicat revokes FreeSewing's token too.
    r = api.post("/api/logout", headers={"Authorization": "Bearer " + acct["token"]})
    assert r.status_code == 200, r.text
    r = api.get("/api/init", headers={"Authorization": "Bearer " + acct["token"]})
    assert r.status_code == 401


def test_drafts_log_in_nowhere(api, smtp, unique, pg):
    # A BEdita draft, with its right password.
    ident = bedita_signup_mail(api, smtp, unique)
    r = api.post("/api/login", json={"username": ident["username"],
                                     "password": ident["password"]})
    unicat_error(r, 403, 403, "Unknown user")
    bedita_error(bedita_auth(api, ident), 401, "Login request not successful")
    for login in (ident["username"], ident["email"], ident["id"]):
        freesewing_error(freesewing_login(api, login, ident["password"]), 401, "loginFailed")
    # An unconfirmed FreeSewing account, even were it to have a password.
    acct = freesewing_signup_mail(api, smtp, unique)
    mcf = pg.sql_value("SELECT password FROM users WHERE id = $1::bigint", ident["id"])
    pg.sql("UPDATE users SET password = $1 WHERE email = $2", mcf, acct["email"])
    name = pg.sql_value("SELECT username FROM users WHERE email = $1", acct["email"])
    r = api.post("/api/login", json={"username": name, "password": PASSWORD})
    unicat_error(r, 403, 403, "Unknown user")
    r = api.post("/auth", json={"username": name, "password": PASSWORD})
    bedita_error(r, 401, "Login request not successful")
    freesewing_error(freesewing_login(api, acct["email"], PASSWORD), 401, "loginFailed")


# ------------------------------------------------------------------ POST /signup

def bedita_shaped(r):
    return r.headers.get("Content-Type", "").startswith(JSONAPI)


def test_signup_goes_to_bedita(api, smtp, unique):
    fs_body = {"email": "%s@example.org" % unique("x"), "language": "en"}
    # Accept: JSON:API alone.
    r = api.post("/signup", json=fs_body, headers={"Accept": JSONAPI})
    bedita_error(r, 400, "Invalid data")
    assert "[username._required]" in r.json()["error"]["detail"]
    # X-Api-Key alone (no keys configured: any key is fine).
    r = api.post("/signup", json=fs_body, headers={"X-Api-Key": "whatever"})
    bedita_error(r, 400, "Invalid data")
    # A body with username, activation_url, or a data wrapper.
    for extra in ({"username": unique("x")}, {"activation_url": ACTIVATION_URL},
                  {"data": {}}):
        r = api.post("/signup", json=dict(fs_body, **extra))
        assert bedita_shaped(r) and r.status_code == 400, r.text
    # A whole BEdita signup without any header.
    ident = new_identity(unique, "b")
    r = api.post("/signup", json={"username": ident["username"], "password": PASSWORD,
                                  "email": ident["email"],
                                  "activation_url": ACTIVATION_URL})
    assert r.status_code == 202 and bedita_shaped(r), r.text
    # A body that is not JSON: BEdita's envelope when JSON:API is asked for.
    r = api.post("/signup", data="{nope", headers={"Content-Type": "application/json",
                                                   "Accept": JSONAPI})
    bedita_error(r, 400, "Bad Request")


def test_signup_goes_to_freesewing(api, smtp, unique):
    email = "%s@example.org" % unique("x")
    r = api.post("/signup", json={"email": email, "language": "es"},
                 headers={"Accept": "application/json"})
    assert r.status_code == 201 and r.json() == {"result": "success", "email": email}, r.text
    r = api.post("/signup", data="{nope", headers={"Content-Type": "application/json"})
    freesewing_error(r, 400, "postBodyMissing")
    r = api.post("/signup", json={"password": PASSWORD})
    freesewing_error(r, 400, "emailMissing")


def test_signup_personality_pinned(make_signet, smtp, unique):
    ident = new_identity(unique, "b")
    bedita_body = {"username": ident["username"], "password": PASSWORD,
                   "email": ident["email"], "activation_url": ACTIVATION_URL}
    fs = make_signet(signup_personality="freesewing")
    r = fs.api.post("/signup", json=bedita_body, headers={"Accept": JSONAPI,
                                                         "X-Api-Key": "k"})
    freesewing_error(r, 400, "languageMissing")
    r = fs.api.post("/signup", json=dict(bedita_body, language="en"))
    assert r.status_code == 201, r.text
    be = make_signet(signup_personality="bedita")
    r = be.api.post("/signup", json={"email": "%s@example.org" % unique("x"),
                                     "language": "en"})
    bedita_error(r, 400, "Invalid data")
    r = be.api.post("/signup", json=dict(new_identity(unique, "b"), activation_url=ACTIVATION_URL))
    assert r.status_code == 202 and bedita_shaped(r), r.text


# ------------------------------------------------------------ one set of rules

def test_username_and_email_rules_cross_personalities(make_signet, smtp, unique):
    # No per-email cooldown: this test mails some addresses twice on purpose.
    api = make_signet(throttle_signup_email_cooldown=0).api
    # A BEdita draft's username is taken for Unicat too (case-insensitively).
    ident = bedita_signup_mail(api, smtp, unique)
    other = new_identity(unique)
    r = unicat_signup_request(api, dict(other, username=ident["username"].upper()))
    body = unicat_error(r, 422, 1001, "Validation error")
    assert "username" in body["result"]["info"]
    # Its email is taken for FreeSewing, and the other way round.
    freesewing_error(freesewing_signup(api, ident["email"]), 400, "emailExists")
    acct = freesewing_signup_mail(api, smtp, unique)
    r = bedita_signup(api, dict(new_identity(unique, "b"), email=acct["email"]))
    bedita_error(r, 400, "Invalid data", "[email.unique]: The provided value is invalid")
    # Unicat allows another username on an email in use.
    done = bedita_signup_activate(api, smtp, unique)
    u = unicat_signup(api, smtp, ident=dict(new_identity(unique), email=done["email"]))
    assert u["gid"]
    # The same username syntax everywhere.
    r = bedita_signup(api, dict(new_identity(unique, "b"), username="has space"))
    bedita_error(r, 400, "Invalid data")
    assert r.json()["error"]["detail"].startswith("[username.valid]: ")


def test_login_throttle_holds_for_auth_and_login(make_signet, smtp, unique):
    stack = make_signet(throttle_exempt="", throttle_login_account_free=1,
                        throttle_login_addr_hourly=0)
    u = unicat_signup(stack.api, smtp, unique)
    bad = {"username": u["username"], "password": "wrong-" + PASSWORD}
    statuses = [stack.api.post("/auth", json=bad).status_code for _ in range(3)]
    assert statuses[0] == 401 and 429 in statuses, statuses
    r = stack.api.post("/auth", json=bad)
    bedita_error(r, 429, "Too Many Requests")
    assert int(r.headers["Retry-After"]) > 0
    # The account's failures count for FreeSewing's /login too (same key, same account).
    r = freesewing_login(stack.api, u["username"], PASSWORD)
    freesewing_error(r, 429, "tooManyRequests")
    assert int(r.headers["Retry-After"]) > 0


def test_signup_email_budget_is_shared(api, smtp, unique):
    # A Unicat signup request just mailed this address: BEdita waits for the cooldown.
    ident = new_identity(unique, "b")
    assert unicat_signup_request(api, ident).status_code == 200
    r = bedita_signup(api, dict(ident, username=unique("b")))
    bedita_error(r, 429, "Too Many Requests")
    assert int(r.headers["Retry-After"]) > 0


def test_invited_placeholder_taken_over_keeps_gid(api, smtp, unique, pg):
    # An email invited before it had an account: the BEdita signup takes the
    # placeholder over, so the gid (and its invitations) survive activation.
    email = "%s@example.org" % unique("inv")
    gid = pg.sql_value("INSERT INTO users (email, status) VALUES ($1, 'invited') "
                       "RETURNING gid", email)
    ident = bedita_signup_activate(api, smtp, ident=dict(new_identity(unique, "b"),
                                                         email=email))
    assert pg.sql_value("SELECT gid FROM users WHERE id = $1::bigint", ident["id"]) == gid
    r = api.post("/api/login", json={"username": ident["username"], "password": PASSWORD})
    assert r.status_code == 200 and r.json()["result"]["user"] == gid, r.text


@pytest.mark.parametrize("path", ["/signup/activation", "/auth"])
def test_bedita_errors_never_leak(api, path):
    r = api.post(path, data="\x00", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    text = r.text.lower()
    for leak in ("sql", "postgres", "libpq", "trace"):
        assert leak not in text
