"""BEdita personality: POST /signup, /signup/activation and /auth through nginx, with the
activation links read from the mails the SMTP sink received."""

import re
import uuid as uuidlib
from urllib.parse import quote

import pytest

from harness.flows import (ACTIVATION_URL, JSONAPI, PASSWORD, at_once, bedita_activate,
                           bedita_auth, bedita_error, bedita_link, bedita_signup,
                           bedita_signup_activate, bedita_signup_mail, freesewing_login,
                           link_query, new_identity, unicat_error, unicat_signup)

UUID_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
META = {"blocked", "last_login", "last_login_err", "num_login_err", "verified", "locked",
        "created", "modified", "password_modified"}


def test_signup_202_users_resource(api, smtp, unique, pg):
    ident = new_identity(unique, "b")
    since = smtp.mark()
    r = bedita_signup(api, ident)
    assert r.status_code == 202, r.text
    assert r.headers["Content-Type"].startswith(JSONAPI)
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    data = body["data"]
    assert data["type"] == "users"
    assert isinstance(data["id"], str) and data["id"].isdigit()
    row = pg.sql("SELECT id, status, password, verified_at FROM users "
                 "WHERE username = $1", ident["username"])[0]
    assert data["id"] == row[0]
    assert row[1] == "draft" and row[2].startswith("$s1$") and row[3] is None
    attrs = data["attributes"]
    assert attrs["username"] == ident["username"]
    assert attrs["email"] == ident["email"]
    assert attrs["status"] == "draft"
    assert attrs["name"] is None and attrs["surname"] is None
    assert set(data["meta"]) == META
    meta = data["meta"]
    assert meta["blocked"] is False and meta["locked"] is False
    assert meta["verified"] is None and meta["last_login"] is None
    assert meta["num_login_err"] == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", meta["created"])
    assert body["links"]["self"].endswith("/signup")
    assert body["links"]["home"].endswith("/home")
    # Never a password or its hash, in any field.
    assert PASSWORD not in r.text and "$s1$" not in r.text
    assert re.search(r'"password(?!_modified")', r.text) is None
    # The mail is there, and the uuid is stored only as a MAC, valid 24 h.
    link = bedita_link(smtp, ident["email"], since)
    uuid = link_query(link)["uuid"]
    conf = pg.sql("SELECT kind, encode(token_mac, 'hex'), used_at, "
                  " round(extract(epoch FROM expires_at - created)) "
                  "FROM confirmations WHERE user_id = $1::bigint", data["id"])
    assert len(conf) == 1
    kind, mac, used, ttl = conf[0]
    assert kind == "activation" and used is None and ttl == "86400"
    assert uuid.replace("-", "") not in mac


def test_activation_mail_link_shapes(api, smtp, unique):
    # No query yet: ?uuid=
    ident = bedita_signup_mail(api, smtp, unique)
    assert ident["link"].startswith(ACTIVATION_URL + "?uuid=")
    assert UUID_V4.fullmatch(ident["uuid"])
    mail = smtp.wait_for(to=ident["email"])
    assert ident["username"] in mail.text
    assert "24" in mail.text
    # A query already: &uuid=, and redirect_url url-encoded after it.
    redirect = "app://xx?dum=my&x=\u00e9/~"
    ident = bedita_signup_mail(api, smtp, unique,
                               activation_url="http://myactivationsys.example?dum=my",
                               redirect_url=redirect)
    link = ident["link"]
    assert link == ("http://myactivationsys.example?dum=my&uuid=%s&redirect_url=%s"
                    % (ident["uuid"], quote(redirect, safe="")))
    assert link_query(link)["redirect_url"] == redirect
    # An app's own scheme (BEdita's "myapp://activate").
    ident = bedita_signup_mail(api, smtp, unique, activation_url="myapp://activate")
    assert ident["link"] == "myapp://activate?uuid=" + ident["uuid"]


def test_activation_202_empty_then_login_everywhere(api, smtp, unique, pg):
    ident = bedita_signup_mail(api, smtp, unique)
    r = bedita_activate(api, ident["uuid"])
    assert r.status_code == 202, r.text
    assert r.content == b""
    assert r.headers["Cache-Control"] == "no-store"
    row = pg.sql("SELECT status, verified_at IS NOT NULL FROM users WHERE id = $1::bigint",
                 ident["id"])[0]
    assert row == ("active", "t")
    assert pg.sql_value("SELECT used_at IS NOT NULL FROM confirmations "
                        "WHERE user_id = $1::bigint", ident["id"]) == "t"
    # Unicat's login.
    r = api.post("/api/login", json={"username": ident["username"],
                                     "password": ident["password"]})
    assert r.status_code == 200, r.text
    assert r.json()["result"]["user"]
    # BEdita's own.
    r = bedita_auth(api, ident)
    assert r.status_code == 200, r.text
    # FreeSewing's, by username and by email.
    for login in (ident["username"], ident["email"]):
        r = freesewing_login(api, login, ident["password"])
        assert r.status_code == 200, r.text
        assert r.json()["account"]["status"] == 1


def test_activation_used_unknown_expired_404(api, smtp, unique, pg):
    ident = bedita_signup_activate(api, smtp, unique)
    r = bedita_activate(api, ident["uuid"])            # used
    bedita_error(r, 404, "Not Found")
    r = bedita_activate(api, str(uuidlib.uuid4()))     # unknown
    bedita_error(r, 404, "Not Found")
    r = bedita_activate(api, "not-a-uuid")
    bedita_error(r, 404, "Not Found")
    ident = bedita_signup_mail(api, smtp, unique)      # expired
    pg.sql("UPDATE confirmations SET expires_at = now() - interval '1 second' "
           "WHERE user_id = $1::bigint", ident["id"])
    r = bedita_activate(api, ident["uuid"])
    bedita_error(r, 404, "Not Found")
    assert pg.sql_value("SELECT status FROM users WHERE id = $1::bigint",
                        ident["id"]) == "draft"


def test_activation_uuid_case_insensitive(api, smtp, unique):
    ident = bedita_signup_mail(api, smtp, unique)
    r = bedita_activate(api, ident["uuid"].upper())
    assert r.status_code == 202, r.text


def test_activation_already_active_409(api, smtp, unique, pg):
    ident = bedita_signup_mail(api, smtp, unique)
    pg.sql("UPDATE users SET status = 'active', verified_at = now() WHERE id = $1::bigint",
           ident["id"])
    r = bedita_activate(api, ident["uuid"])
    bedita_error(r, 409, "User already active")
    # The refused request did not use the link up.
    assert pg.sql_value("SELECT used_at FROM confirmations WHERE user_id = $1::bigint",
                        ident["id"]) is None


def test_activation_missing_uuid_400(api):
    r = api.post("/signup/activation", json={})
    bedita_error(r, 400, "Invalid data", "[uuid._required]: This field is required")
    r = api.post("/signup/activation", json={"uuid": 12})
    bedita_error(r, 400, "Invalid data", "[uuid.scalar]: The provided value is invalid")
    r = api.post("/signup/activation", data="[1]",
                 headers={"Content-Type": "application/json"})
    bedita_error(r, 400, "Bad Request")


def test_draft_logs_in_nowhere(api, smtp, unique):
    ident = bedita_signup_mail(api, smtp, unique)
    r = api.post("/api/login", json={"username": ident["username"],
                                     "password": ident["password"]})
    unicat_error(r, 403, 403, "Unknown user")
    r = bedita_auth(api, ident)
    bedita_error(r, 401, "Login request not successful")
    r = freesewing_login(api, ident["email"], ident["password"])
    assert r.status_code == 401 and r.json() == {"result": "error", "error": "loginFailed"}


def test_signup_missing_fields_400(api):
    r = api.post("/signup", json={"username": "someone", "password": PASSWORD,
                                  "email": "someone@example.org"},
                 headers={"Accept": JSONAPI})
    bedita_error(r, 400, "Invalid data",
                 "[activation_url._required]: This field is required")
    # Every missing field is listed, in the order of the request's fields.
    r = api.post("/signup", json={}, headers={"Accept": JSONAPI})
    bedita_error(r, 400, "Invalid data",
                 "[username._required]: This field is required "
                 "[password._required]: This field is required "
                 "[email._required]: This field is required "
                 "[activation_url._required]: This field is required")
    r = api.post("/signup", json={"username": "", "password": PASSWORD,
                                  "email": "someone@example.org",
                                  "activation_url": ACTIVATION_URL})
    bedita_error(r, 400, "Invalid data",
                 "[username._empty]: This field cannot be left empty")


@pytest.mark.parametrize("field,value", [
    ("activation_url", "/activate"),
    ("activation_url", "https://activate"),
    ("activation_url", "javascript://x%0aalert(1)"),
    ("redirect_url", "not a url"),
])
def test_signup_invalid_url_400(api, unique, field, value):
    ident = new_identity(unique, "b")
    kw = {field: value}
    r = bedita_signup(api, ident, **kw)
    bedita_error(r, 400, "Invalid data",
                 "[%s.customUrl]: The provided value is invalid" % field)


def test_signup_malformed_values_400(api, unique):
    ident = new_identity(unique, "b")
    r = bedita_signup(api, dict(ident, email="no-at-sign", password="short"))
    err = bedita_error(r, 400, "Invalid data")
    assert err["detail"].startswith("[password.valid]: "), err
    assert "[email.email]: " in err["detail"], err
    r = bedita_signup(api, dict(ident, username="bad name!"))
    err = bedita_error(r, 400, "Invalid data")
    assert err["detail"].startswith("[username.valid]: "), err


def test_signup_username_taken_be_user_exists(api, smtp, unique):
    ident = bedita_signup_mail(api, smtp, unique)
    other = new_identity(unique, "b")
    for name in (ident["username"], ident["username"].upper()):
        r = bedita_signup(api, dict(other, username=name))
        bedita_error(r, 400, 'User "%s" already registered' % name, code="be_user_exists")
    # A Unicat account's name too: one store.
    u = unicat_signup(api, smtp, unique)
    r = bedita_signup(api, dict(other, username=u["username"]))
    bedita_error(r, 400, 'User "%s" already registered' % u["username"],
                 code="be_user_exists")


def test_signup_email_taken_400(api, smtp, unique):
    unique_detail = "[email.unique]: The provided value is invalid"
    # By a draft that still waits for its link.
    ident = bedita_signup_mail(api, smtp, unique)
    r = bedita_signup(api, dict(new_identity(unique, "b"), email=ident["email"].upper()))
    bedita_error(r, 400, "Invalid data", unique_detail)
    # By an active Unicat account.
    u = unicat_signup(api, smtp, unique)
    r = bedita_signup(api, dict(new_identity(unique, "b"), email=u["email"]))
    bedita_error(r, 400, "Invalid data", unique_detail)


def test_stale_draft_gives_its_email_back(make_signet, smtp, unique, pg):
    stack = make_signet(throttle_signup_email_cooldown=0)
    ident = bedita_signup_mail(stack.api, smtp, unique)
    pg.sql("UPDATE confirmations SET expires_at = now() - interval '1 second' "
           "WHERE user_id = $1::bigint", ident["id"])
    again = dict(new_identity(unique, "b"), email=ident["email"])
    fresh = bedita_signup_mail(stack.api, smtp, ident=again)
    # The stale row was taken over: same id, the new name, a working link.
    assert fresh["id"] == ident["id"]
    assert fresh["body"]["data"]["attributes"]["username"] == again["username"]
    r = bedita_activate(stack.api, fresh["uuid"])
    assert r.status_code == 202, r.text
    r = bedita_auth(stack.api, again)
    assert r.status_code == 200, r.text


def test_jsonapi_wrapper_body(api, smtp, unique):
    ident = new_identity(unique, "b")
    body = {"data": {"type": "users",
                     "attributes": {"username": ident["username"],
                                    "password": ident["password"],
                                    "email": ident["email"]},
                     "meta": {"activation_url": "myapp://activate",
                              "redirect_url": "myapp://"}}}
    since = smtp.mark()
    # No Accept header: the "data" wrapper alone makes it BEdita's.
    r = api.post("/signup", json=body, headers={"Content-Type": JSONAPI})
    assert r.status_code == 202, r.text
    assert r.json()["data"]["attributes"]["username"] == ident["username"]
    link = bedita_link(smtp, ident["email"], since)
    assert link.startswith("myapp://activate?uuid=")
    assert link.endswith("&redirect_url=myapp%3A%2F%2F")


def test_activation_mail_language(api, smtp, unique):
    ident = new_identity(unique, "b")
    since = smtp.mark()
    r = bedita_signup(api, ident, lang="nl")
    assert r.status_code == 202, r.text
    mail = smtp.wait_for(to=ident["email"], since=since)
    assert mail.subject == "Activeer je account"
    ident = new_identity(unique, "b")
    since = smtp.mark()
    r = bedita_signup(api, ident, lang="xx")   # no such templates: the default
    assert r.status_code == 202, r.text
    assert smtp.wait_for(to=ident["email"], since=since).subject == "Activate your account"


def test_concurrent_activation_one_wins(api, smtp, unique):
    ident = bedita_signup_mail(api, smtp, unique)
    n = 8
    codes = at_once(n, bedita_activate, api, ident["uuid"])
    assert codes == [202] + [404] * (n - 1), codes


def test_auth_jwt_and_renew(api, smtp, unique):
    ident = bedita_signup_activate(api, smtp, unique)
    r = bedita_auth(api, ident)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(JSONAPI)
    body = r.json()
    assert set(body) == {"meta", "links"}
    jwt, renew = body["meta"]["jwt"], body["meta"]["renew"]
    assert jwt.count(".") == 2 and renew.count(".") == 2 and jwt != renew
    # The JWT is the store's: Unicat's /api/init takes it.
    r = api.get("/api/init", headers={"Authorization": "Bearer " + jwt})
    assert r.status_code == 200, r.text
    # Renewal with the renew token, by grant_type or by a body without credentials.
    r = api.post("/auth", json={"grant_type": "refresh_token"},
                 headers={"Authorization": "Bearer " + renew})
    assert r.status_code == 200, r.text
    assert set(r.json()["meta"]) == {"jwt", "renew"}
    r = api.post("/auth", json={}, headers={"Authorization": "Bearer " + renew})
    assert r.status_code == 200, r.text
    r = api.post("/auth", json={"grant_type": "refresh_token"},
                 headers={"Authorization": "Bearer not.a.jwt"})
    bedita_error(r, 401, "Login request not successful")
    # grant_type password is the default.
    r = bedita_auth(api, ident, grant_type="password")
    assert r.status_code == 200, r.text


def test_auth_failures_401(api, smtp, unique):
    ident = bedita_signup_activate(api, smtp, unique)
    for body in ({"username": ident["username"], "password": "wrong-" + PASSWORD},
                 {"username": unique("nobody"), "password": PASSWORD},
                 {"username": ident["username"]},
                 {}):
        r = api.post("/auth", json=body)
        bedita_error(r, 401, "Login request not successful")
    # A user's credentials are no application's (test_bedita_lifecycle.py).
    r = api.post("/auth", json={"username": ident["username"], "password": PASSWORD,
                                "grant_type": "client_credentials"})
    bedita_error(r, 401, "App authentication failed")


def test_unicat_account_logs_in_through_auth(api, smtp, unique):
    u = unicat_signup(api, smtp, unique)
    r = bedita_auth(api, u)
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["jwt"]


def test_wrong_method_405_in_bedita_envelope(api):
    r = api.get("/signup/activation")
    bedita_error(r, 405, "Method Not Allowed")
    assert r.headers["Allow"] == "POST"
    # GET /auth is 4.x's whoami (test_bedita_lifecycle.py).
    r = api.put("/auth")
    bedita_error(r, 405, "Method Not Allowed")
    assert r.headers["Allow"] == "GET, POST"
    r = api.get("/signup", headers={"Accept": JSONAPI})
    bedita_error(r, 405, "Method Not Allowed")
    assert r.headers["Allow"] == "POST"
    r = api.get("/signup/nothing-here")
    bedita_error(r, 404, "Not Found")


def test_api_keys(make_signet, smtp, unique):
    stack = make_signet(bedita_api_keys="key-one, key-two")
    ident = new_identity(unique, "b")
    # Without a key, or with a wrong one: 403 on every BEdita route.
    r = bedita_signup(stack.api, ident)
    bedita_error(r, 403, "Invalid API key")
    r = bedita_signup(stack.api, ident, headers={"X-Api-Key": "key-three"})
    bedita_error(r, 403, "Invalid API key")
    r = stack.api.post("/signup/activation", json={"uuid": str(uuidlib.uuid4())})
    bedita_error(r, 403, "Invalid API key")
    r = bedita_auth(stack.api, ident)
    bedita_error(r, 403, "Invalid API key")
    # With one of them.
    since = smtp.mark()
    r = bedita_signup(stack.api, ident, headers={"X-Api-Key": "key-two"})
    assert r.status_code == 202, r.text
    uuid = link_query(bedita_link(smtp, ident["email"], since))["uuid"]
    r = bedita_activate(stack.api, uuid, headers={"X-Api-Key": "key-one"})
    assert r.status_code == 202, r.text
    r = stack.api.post("/auth", json={"username": ident["username"],
                                      "password": ident["password"]},
                       headers={"X-Api-Key": "key-one"})
    assert r.status_code == 200, r.text


def test_signup_throttle_per_address(make_signet, unique, pg):
    stack = make_signet(throttle_exempt="", throttle_signup_addr_hourly=2)
    pg.sql("DELETE FROM throttles WHERE key LIKE 'signup-addr:%'")
    for _ in range(2):
        r = bedita_signup(stack.api, new_identity(unique, "b"))
        assert r.status_code == 202, r.text
    r = bedita_signup(stack.api, new_identity(unique, "b"))
    bedita_error(r, 429, "Too Many Requests")
    assert int(r.headers["Retry-After"]) > 0
    pg.sql("DELETE FROM throttles WHERE key LIKE 'signup-addr:%'")


def test_signup_throttle_per_email(make_signet, smtp, unique, pg):
    # The cooldown of a second mail to one address, once its first draft went stale.
    stack = make_signet(throttle_signup_email_cooldown=3600)
    ident = bedita_signup_mail(stack.api, smtp, unique)
    pg.sql("UPDATE confirmations SET expires_at = now() - interval '1 second' "
           "WHERE user_id = $1::bigint", ident["id"])
    r = bedita_signup(stack.api, dict(new_identity(unique, "b"), email=ident["email"]))
    bedita_error(r, 429, "Too Many Requests")
    assert 0 < int(r.headers["Retry-After"]) <= 3600
