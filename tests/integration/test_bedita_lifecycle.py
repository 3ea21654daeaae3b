"""BEdita personality, the account after login (issue 13): GET/PATCH /auth/user, the 4.x
GET /auth alias, POST/PATCH /auth/change (reset by link) and POST /auth/optout, with the
mails read from the SMTP sink.  Applications' own logins: test_bedita_clients.py."""

import time

from harness.flows import (JSONAPI, PASSWORD, at_once, bedita_active_user, bedita_auth,
                           bedita_error, bedita_link, bedita_login, bedita_patch,
                           bedita_renew, bedita_signup_activate, bedita_signup_mail,
                           freesewing_login, link_query, make_project, unicat_login)

NEW_PASSWORD = "harbour-violet-compass-97"
CHANGE_URL = "https://app.example.org/change"
ROLE = {"id": "2", "type": "roles"}
PASSWORD_CHANGED = "Your password was changed"
CHANGE_REQUEST = "Choose a new password"
GOODBYE = "Your account was deleted"


def bearer(token):
    return {"Authorization": "Bearer " + token}


login = bedita_login
active_user = bedita_active_user
patch = bedita_patch
renew = bedita_renew


def whoami(api, token, path="/auth/user"):
    r = api.get(path, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()


def forget_throttles(pg, subject):
    """Drop the throttle counters of an address or a username (the tests ask again
    sooner than the cooldowns allow)."""
    pg.sql("DELETE FROM throttles WHERE key LIKE '%:' || lower($1)", subject)


# ------------------------------------------------------------------------- GET /auth/user

def test_auth_user_resource(api, smtp, unique, pg):
    ident = active_user(api, smtp, unique)
    r = api.get("/auth/user", headers=bearer(ident["jwt"]))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(JSONAPI)
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert set(body) == {"data", "included", "links"}
    data = body["data"]
    assert data["id"] == ident["id"] and data["type"] == "users"
    attrs = data["attributes"]
    assert attrs["username"] == ident["username"]
    assert attrs["email"] == ident["email"]
    assert attrs["status"] == "active"
    assert attrs["lang"] == "en"
    meta = data["meta"]
    assert meta["blocked"] is False and meta["verified"] is not None
    assert meta["last_login"] is not None and meta["num_login_err"] == 0
    assert "password_modified" in meta
    roles = data["relationships"]["roles"]
    assert roles["data"] == [ROLE]
    assert roles["links"]["related"].endswith("/users/%s/roles" % ident["id"])
    assert len(body["included"]) == 1
    role = body["included"][0]
    assert {"id": role["id"], "type": role["type"]} == ROLE
    assert role["attributes"]["name"] == "user"
    assert role["links"]["self"].endswith("/roles/2")
    assert body["links"]["self"].endswith("/auth/user")
    assert body["links"]["home"].endswith("/home")
    assert PASSWORD not in r.text and "$s1$" not in r.text
    # 4.x's alias answers the same user; include=roles is known, others are not.
    assert whoami(api, ident["jwt"], "/auth")["data"] == data
    assert whoami(api, ident["jwt"], "/auth/user?include=roles")["data"] == data
    for q, bad in (("include=gustavo", "gustavo"), ("include=roles,gustavo", "gustavo"),
                   ("x=1&include=roles%2Cparents", "parents")):
        r = api.get("/auth/user?" + q, headers=bearer(ident["jwt"]))
        bedita_error(r, 400, 'Invalid "include" query parameter (Relationship "%s" '
                     'does not exist)' % bad)
    # HEAD is GET without a body.
    r = api.head("/auth/user", headers=bearer(ident["jwt"]))
    assert r.status_code == 200 and not r.content


def test_auth_user_token_refusals(api, smtp, unique, pg):
    ident = active_user(api, smtp, unique)
    for headers in ({}, bearer("not.a.jwt"), bearer(ident["renew"])):
        r = api.get("/auth/user", headers=headers)
        bedita_error(r, 401, "Authentication is required to continue")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = api.get("/auth", headers={})
    bedita_error(r, 401, "Authentication is required to continue")
    # Revoked by a logout through Unicat: every token of the user dies.
    r = api.post("/api/logout", headers=bearer(ident["jwt"]))
    assert r.status_code == 200, r.text
    r = api.get("/auth/user", headers=bearer(ident["jwt"]))
    bedita_error(r, 401, "Request not authorized")
    # A blocked user: BEdita's testLoggedUserBlocked.
    jwt, _ = login(api, ident)
    pg.sql("UPDATE users SET status = 'disabled' WHERE id = $1::bigint", ident["id"])
    r = api.get("/auth/user", headers=bearer(jwt))
    bedita_error(r, 401, "Request not authorized")
    r = api.post("/auth/user", headers=bearer(jwt))
    bedita_error(r, 405, "Method Not Allowed")
    assert r.headers["Allow"] == "GET, PATCH"


def test_accept_must_name_json(api, smtp, unique):
    """BEdita's AppController: an Accept naming no JSON type is 406, before the token."""
    ident = active_user(api, smtp, unique)
    for accept in ("text/html", "application/xml, text/plain"):
        r = api.get("/auth/user", headers=dict(bearer(ident["jwt"]), Accept=accept))
        bedita_error(r, 406, 'Bad request content type "%s"' % accept)
        r = api.post("/auth", json={"username": ident["username"], "password": PASSWORD},
                     headers={"Accept": accept})
        bedita_error(r, 406, 'Bad request content type "%s"' % accept)
    for accept in ("application/json", JSONAPI, "*/*", "text/html, */*;q=0.8"):
        r = api.get("/auth/user", headers=dict(bearer(ident["jwt"]), Accept=accept))
        assert r.status_code == 200, (accept, r.text)


def test_expired_token(make_signet, smtp, unique):
    stack = make_signet(jwt_ttl=2)
    ident = active_user(stack.api, smtp, unique)
    assert whoami(stack.api, ident["jwt"])["data"]["id"] == ident["id"]
    time.sleep(3.2)
    r = stack.api.get("/auth/user", headers=bearer(ident["jwt"]))
    bedita_error(r, 401, "Expired token", code="be_token_expired")
    r = patch(stack.api, "/auth/user", {"name": "Late"}, ident["jwt"])
    bedita_error(r, 401, "Expired token", code="be_token_expired")


# ----------------------------------------------------------------------- PATCH /auth/user

def test_patch_profile_whitelist(api, smtp, unique, pg):
    ident = active_user(api, smtp, unique)
    since = smtp.mark()
    r = patch(api, "/auth/user", {
        "name": "Carla Rossi", "lang": "nl",
        # ignored: BEdita's read-only attributes, and those signet does not keep
        "username": "someone-else", "email": "other@example.org", "blocked": True,
        "verified": None, "password_hash": "x", "num_login_err": 9, "city": "Bologna",
        "surname": "Rossi", "status": "draft"}, ident["jwt"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"data", "included", "links"}  # no new tokens without a password
    attrs = body["data"]["attributes"]
    assert attrs["name"] == "Carla Rossi" and attrs["lang"] == "nl"
    assert attrs["username"] == ident["username"] and attrs["email"] == ident["email"]
    assert attrs["status"] == "active" and body["data"]["meta"]["blocked"] is False
    assert body["data"]["relationships"]["roles"]["data"] == [ROLE]
    row = pg.sql("SELECT username, email, name, language, status FROM users "
                 "WHERE id = $1::bigint", ident["id"])[0]
    assert list(row) == [ident["username"], ident["email"], "Carla Rossi", "nl", "active"]
    assert whoami(api, ident["jwt"])["data"]["attributes"]["name"] == "Carla Rossi"
    # A JSON:API-wrapped body; null and "" leave a field as it is.
    r = patch(api, "/auth/user", {"data": {"type": "users", "id": ident["id"],
                                           "attributes": {"name": "C. R.", "lang": None}}},
              ident["jwt"])
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["name"] == "C. R."
    assert r.json()["data"]["attributes"]["lang"] == "nl"
    r = patch(api, "/auth/user", {"name": "", "lang": ""}, ident["jwt"])
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["name"] == "C. R."
    # An empty body changes nothing; an empty password is no password change.
    r = patch(api, "/auth/user", {}, ident["jwt"])
    assert r.status_code == 200 and "meta" not in r.json(), r.text
    r = patch(api, "/auth/user", {"password": "", "old_password": "", "name": "Carla"},
              ident["jwt"])
    assert r.status_code == 200 and "meta" not in r.json(), r.text
    assert r.json()["data"]["attributes"]["name"] == "Carla"
    assert whoami(api, ident["jwt"])["data"]["id"] == ident["id"]
    assert not smtp.find(to=ident["email"], since=since)  # a profile change mails nothing


def test_patch_profile_invalid(api, smtp, unique, pg):
    ident = active_user(api, smtp, unique)
    r = patch(api, "/auth/user", {"name": "Kept", "lang": "xx"}, ident["jwt"])
    bedita_error(r, 400, "Invalid data",
                 "[lang.valid]: must be a language signet has mail for")
    r = patch(api, "/auth/user", {"name": 42}, ident["jwt"])
    bedita_error(r, 400, "Invalid data", "[name.scalar]: The provided value is invalid")
    r = patch(api, "/auth/user", {"name": "x" * 201}, ident["jwt"])
    bedita_error(r, 400, "Invalid data", "[name.valid]: must be 1 to 200 characters long")
    r = api.request("PATCH", "/auth/user", data="[1]", headers=dict(
        bearer(ident["jwt"]), **{"Content-Type": "application/json"}))
    bedita_error(r, 400, "Bad Request")
    # Nothing of a refused request was kept.
    assert pg.sql_value("SELECT name FROM users WHERE id = $1::bigint", ident["id"]) != "Kept"
    r = patch(api, "/auth/user", {"name": "Kept"})
    bedita_error(r, 401, "Authentication is required to continue")


def test_patch_password(api, smtp, unique, pg):
    ident = active_user(api, smtp, unique)
    unicat_jwt = unicat_login(api, ident)["jwt"]
    before = whoami(api, ident["jwt"])["data"]["meta"]["password_modified"]
    since = smtp.mark()
    # The current password is required, and must be right; nothing changes otherwise.
    r = patch(api, "/auth/user", {"password": NEW_PASSWORD}, ident["jwt"])
    bedita_error(r, 400, "Missing current password")
    r = patch(api, "/auth/user", {"password": NEW_PASSWORD, "old_password": "",
                                  "name": "Not Saved"}, ident["jwt"])
    bedita_error(r, 400, "Missing current password")
    r = patch(api, "/auth/user", {"password": NEW_PASSWORD, "name": "Not Saved",
                                  "old_password": "wrong-" + PASSWORD}, ident["jwt"])
    bedita_error(r, 400, "Wrong password")
    r = patch(api, "/auth/user", {"password": "short", "old_password": PASSWORD},
              ident["jwt"])
    err = bedita_error(r, 400, "Invalid data")
    assert err["detail"].startswith("[password."), err
    r = patch(api, "/auth/user", {"password": NEW_PASSWORD, "old_password": PASSWORD,
                                  "lang": "xx"}, ident["jwt"])
    bedita_error(r, 400, "Invalid data")
    assert pg.sql_value("SELECT name FROM users WHERE id = $1::bigint", ident["id"]) is None
    login(api, ident)  # the old password still works
    assert not smtp.find(to=ident["email"], since=since)
    # The change: the user, and a fresh pair in meta (older tokens died).
    r = patch(api, "/auth/user", {"password": NEW_PASSWORD, "old_password": PASSWORD,
                                  "name": "Saved"}, ident["jwt"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"data", "included", "links", "meta"}
    assert body["data"]["attributes"]["name"] == "Saved"
    assert body["data"]["meta"]["password_modified"] not in (None, before)
    jwt, fresh_renew = body["meta"]["jwt"], body["meta"]["renew"]
    assert whoami(api, jwt)["data"]["id"] == ident["id"]
    r = api.get("/auth/user", headers=bearer(ident["jwt"]))
    bedita_error(r, 401, "Request not authorized")
    bedita_error(renew(api, ident["renew"]), 401, "Login request not successful")
    assert renew(api, fresh_renew).status_code == 200
    # A password changed here kills the other personalities' tokens too.
    r = api.get("/api/init", headers=bearer(unicat_jwt))
    assert r.status_code == 401, r.text
    mail = smtp.wait_for(to=ident["email"], since=since, subject=PASSWORD_CHANGED)
    assert ident["username"] in mail.text and NEW_PASSWORD not in mail.text
    r = bedita_auth(api, ident)
    bedita_error(r, 401, "Login request not successful")
    login(api, ident, NEW_PASSWORD)
    r = freesewing_login(api, ident["username"], NEW_PASSWORD)
    assert r.status_code == 200, r.text


# ----------------------------------------------------------------- POST/PATCH /auth/change

def change_request(api, smtp, ident, change_url=CHANGE_URL, pg=None):
    """POST /auth/change for ident, checked 204; the uuid mailed and the mail.  With pg,
    the address's reset cooldown is forgotten first."""
    if pg is not None:
        forget_throttles(pg, ident["email"])
    since = smtp.mark()
    r = api.post("/auth/change", json={"contact": ident["email"], "change_url": change_url})
    assert r.status_code == 204, r.text
    assert r.content == b""
    mail = smtp.wait_for(to=ident["email"], since=since, subject=CHANGE_REQUEST)
    link = bedita_link(smtp, ident["email"], since, pattern=r"\S+[?&]uuid=[0-9a-f-]+")
    return link_query(link)["uuid"], link, mail


def test_change_by_link(api, smtp, unique, pg):
    ident = active_user(api, smtp, unique)
    uuid, link, mail = change_request(api, smtp, ident)
    assert link == CHANGE_URL + "?uuid=" + uuid
    assert ident["username"] in mail.text and "24" in mail.text
    # The link lives 24 hours, stored as a MAC only.
    ttl = pg.sql_value("SELECT round(extract(epoch FROM expires_at - created)) "
                       "FROM confirmations WHERE user_id = $1::bigint AND kind = 'change'",
                       ident["id"])
    assert ttl == "86400"
    # A weak password is refused and leaves the link usable.
    r = patch(api, "/auth/change", {"uuid": uuid, "password": "short"})
    err = bedita_error(r, 400, "Invalid data")
    assert err["detail"].startswith("[password."), err
    since = smtp.mark()
    r = patch(api, "/auth/change", {"uuid": uuid, "password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"data", "links"}
    assert body["data"]["id"] == ident["id"] and body["data"]["type"] == "users"
    assert body["data"]["meta"]["password_modified"] is not None
    assert body["links"]["self"].endswith("/auth/change")
    smtp.wait_for(to=ident["email"], since=since, subject=PASSWORD_CHANGED)
    # Older tokens died; the new password logs in, the old one does not.
    r = api.get("/auth/user", headers=bearer(ident["jwt"]))
    bedita_error(r, 401, "Request not authorized")
    login(api, ident, NEW_PASSWORD)
    bedita_error(bedita_auth(api, ident), 401, "Login request not successful")
    # Used once.
    r = patch(api, "/auth/change", {"uuid": uuid, "password": PASSWORD})
    bedita_error(r, 404, "Not Found")
    # login: true answers a token pair too; a query in change_url gets &uuid=.
    uuid, link, _ = change_request(api, smtp, ident, CHANGE_URL + "?from=app", pg)
    assert link == CHANGE_URL + "?from=app&uuid=" + uuid
    r = patch(api, "/auth/change", {"uuid": uuid.upper(), "password": PASSWORD,
                                    "login": True})
    assert r.status_code == 200, r.text
    meta = r.json()["meta"]
    assert whoami(api, meta["jwt"])["data"]["id"] == ident["id"]
    assert renew(api, meta["renew"]).status_code == 200
    # "login": PHP's truth ("0" and 0 are false).
    for value, want in ((0, False), ("0", False), ("yes", True), (1, True)):
        uuid, _, _ = change_request(api, smtp, ident, pg=pg)
        r = patch(api, "/auth/change", {"uuid": uuid, "password": PASSWORD,
                                        "login": value})
        assert r.status_code == 200, r.text
        assert ("meta" in r.json()) == want, (value, r.text)


def test_change_request_errors(api, smtp, unique, pg):
    r = api.post("/auth/change", json={})
    bedita_error(r, 400, "Invalid data", "[contact._required]: This field is required "
                 "[change_url._required]: This field is required")
    r = api.post("/auth/change", json={"contact": "x@example.org"})
    bedita_error(r, 400, "Invalid data", "[change_url._required]: This field is required")
    r = api.post("/auth/change", json={"contact": "not an address", "change_url": CHANGE_URL})
    err = bedita_error(r, 400, "Invalid data")
    assert err["detail"].startswith("[contact.email]: "), err
    r = api.post("/auth/change", json={"contact": "x@example.org",
                                       "change_url": "https://evil.example/steal"})
    bedita_error(r, 400, "Invalid data",
                 "[change_url.customUrl]: The provided value is invalid")
    # No active account with that address: BEdita's 404 (as production words it).
    since = smtp.mark()
    r = api.post("/auth/change", json={"contact": "%s@example.org" % unique("nobody"),
                                       "change_url": CHANGE_URL})
    bedita_error(r, 404, "Not Found")
    draft = bedita_signup_mail(api, smtp, unique)
    r = api.post("/auth/change", json={"contact": draft["email"], "change_url": CHANGE_URL})
    bedita_error(r, 404, "Not Found")
    assert not smtp.find(subject=CHANGE_REQUEST, since=since)
    r = api.get("/auth/change")
    bedita_error(r, 405, "Method Not Allowed")
    assert r.headers["Allow"] == "POST, PATCH"


def test_change_errors(api, smtp, unique, pg):
    r = patch(api, "/auth/change", {})
    bedita_error(r, 400, "Invalid data", "[uuid._required]: This field is required "
                 "[password._required]: This field is required")
    r = patch(api, "/auth/change", {"uuid": "x", "password": ""})
    bedita_error(r, 400, "Invalid data", "[password._empty]: This field cannot be left empty")
    r = patch(api, "/auth/change", {"uuid": "96b0b9fe-17fa-4cf8-bffa-1cd506421227",
                                    "password": NEW_PASSWORD})
    bedita_error(r, 404, "Not Found")
    # A signup's activation uuid is no reset link, and stays an activation link.
    draft = bedita_signup_mail(api, smtp, unique)
    r = patch(api, "/auth/change", {"uuid": draft["uuid"], "password": NEW_PASSWORD})
    bedita_error(r, 404, "Not Found")
    r = api.post("/signup/activation", json={"uuid": draft["uuid"]})
    assert r.status_code == 202, r.text
    # Expired (24 h), or for an account no longer active: 404.
    ident = active_user(api, smtp, unique)
    uuid, _, _ = change_request(api, smtp, ident)
    pg.sql("UPDATE confirmations SET expires_at = now() - interval '1 second' "
           "WHERE user_id = $1::bigint AND kind = 'change'", ident["id"])
    r = patch(api, "/auth/change", {"uuid": uuid, "password": NEW_PASSWORD})
    bedita_error(r, 404, "Not Found")
    uuid, _, _ = change_request(api, smtp, ident, pg=pg)
    pg.sql("UPDATE users SET status = 'disabled' WHERE id = $1::bigint", ident["id"])
    r = patch(api, "/auth/change", {"uuid": uuid, "password": NEW_PASSWORD, "login": True})
    bedita_error(r, 404, "Not Found")
    pg.sql("UPDATE users SET status = 'active' WHERE id = $1::bigint", ident["id"])
    login(api, ident)  # the password did not change


# ---------------------------------------------------------------------- POST /auth/optout

def assert_gone(api, ident, jwt):
    """ident can log in nowhere, and its token died with it."""
    bedita_error(bedita_auth(api, ident), 401, "Login request not successful")
    r = api.post("/api/login", json={"username": ident["username"],
                                     "password": ident["password"]})
    assert r.status_code == 403, r.text
    r = freesewing_login(api, ident["email"], ident["password"])
    assert r.status_code == 401, r.text
    r = api.get("/auth/user", headers=bearer(jwt))
    bedita_error(r, 401, "Request not authorized")


def test_optout_5x(api, smtp, unique, pg):
    ident = active_user(api, smtp, unique)
    since = smtp.mark()
    r = api.post("/auth/optout", json={"username": ident["username"],
                                       "password": ident["password"],
                                       "grant_type": "password"})
    assert r.status_code == 204, r.text
    assert r.content == b""
    mail = smtp.wait_for(to=ident["email"], since=since, subject=GOODBYE)
    assert ident["username"] in mail.text
    assert pg.sql_value("SELECT count(*) FROM users WHERE id = $1::bigint",
                        ident["id"]) == "0"
    assert_gone(api, ident, ident["jwt"])
    # Its username and address are free again (past the address's mail cooldown).
    forget_throttles(pg, ident["email"])
    again = bedita_signup_activate(api, smtp, ident={
        "username": ident["username"], "email": ident["email"], "password": PASSWORD})
    assert again["id"] != ident["id"]
    login(api, again)


def test_optout_4x(api, smtp, unique):
    ident = active_user(api, smtp, unique)
    r = api.post("/auth/optout", json={"username": ident["username"],
                                       "password": ident["password"]})
    assert r.status_code == 204, r.text
    assert_gone(api, ident, ident["jwt"])


def test_optout_refusals(api, smtp, unique, signet):
    ident = active_user(api, smtp, unique)
    for body in ({"username": ident["username"], "password": "wrong-" + PASSWORD,
                  "grant_type": "password"},
                 {"username": ident["username"]},
                 {"password": ident["password"]},
                 {},
                 {"username": unique("nobody"), "password": PASSWORD},
                 {"username": ident["username"], "password": ident["password"],
                  "grant_type": "client_credentials"}):
        r = api.post("/auth/optout", json=body)
        bedita_error(r, 401, "Login request not successful")
    draft = bedita_signup_mail(api, smtp, unique)
    r = api.post("/auth/optout", json={"username": draft["username"],
                                       "password": draft["password"]})
    bedita_error(r, 401, "Login request not successful")
    # The owner of a project: refused, and the account stays.
    make_project(signet, ident)
    r = api.post("/auth/optout", json={"username": ident["username"],
                                       "password": ident["password"],
                                       "grant_type": "password"})
    err = bedita_error(r, 403, 'Could not delete "User" %s' % ident["id"])
    assert "projects" in err["detail"]
    assert whoami(api, ident["jwt"])["data"]["id"] == ident["id"]
    r = api.get("/auth/optout")
    bedita_error(r, 405, "Method Not Allowed")
    assert r.headers["Allow"] == "POST"


def test_optout_race_one_wins(api, smtp, unique, pg):
    ident = active_user(api, smtp, unique)
    body = {"username": ident["username"], "password": ident["password"]}
    codes = at_once(6, api.post, "/auth/optout", body)
    # One wins; the others find no account (or, past the free tries, a throttle).
    assert codes[0] == 204 and set(codes[1:]) <= {401, 429}, codes
    forget_throttles(pg, ident["username"])
    assert_gone(api, ident, ident["jwt"])
