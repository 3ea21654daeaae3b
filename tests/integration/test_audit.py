"""The audit log (issue 15): auth_events rows for signups, logins and their failures,
logouts, resets, password and address changes, deletions, two-factor, invitations,
accounts disabled and throttle hits; with time, account, client address, personality
and user agent, and never a password, code or token.  signet-admin audit reads it,
signet-admin purge keeps audit_keep_days of it, and a row that cannot be written never
fails its request.

Each test sends its requests with a User-Agent of its own and reads back the rows that
carry it: the shared database holds every other test's rows too."""

import json
import re

from harness import extract_code
from harness.flows import (PASSWORD, admin, api_as, bearer, bedita_login,
                           bedita_signup_activate, freesewing_confirm, freesewing_id,
                           freesewing_signup, make_project, new_identity, sample, scrape,
                           unicat_invite, unicat_login, unicat_mfa_enrol,
                           unicat_reset, unicat_signup, unicat_signup_request)
from harness.proc import wait_until

COLUMNS = "kind, outcome, user_id, user_gid, host(client), personality, user_agent, request_id"


def rows(pg, agent):
    """The rows of requests made with User-Agent agent, oldest first, as dicts."""
    names = ["kind", "outcome", "user_id", "user_gid", "client", "personality",
             "user_agent", "request_id"]
    got = pg.sql("SELECT %s FROM auth_events WHERE user_agent = $1 ORDER BY id" % COLUMNS,
                 agent)
    return [dict(zip(names, r)) for r in got]


def kinds(found):
    return [(r["kind"], r["outcome"]) for r in found]


def assert_no_secrets(pg, agent, long_secrets, codes=()):
    """No row of agent holds any of long_secrets (passwords, tokens...) anywhere, nor has
    a column that is one of codes (6-digit codes: compared whole, as digits could turn up
    inside an id)."""
    texts = [r[0] for r in pg.sql("SELECT row_to_json(e)::text FROM auth_events e "
                                  "WHERE user_agent = $1", agent)]
    assert texts
    for t in texts:
        for s in long_secrets:
            assert s and s not in t, "a secret in the audit log: %s" % t
        values = [str(v) for v in json.loads(t).values()]
        for c in codes:
            assert c not in values, t


def test_login_rows_with_their_fields(api, smtp, unique, pg):
    agent = unique("ua-login")
    a = api_as(api, agent)
    user = unicat_signup(a, smtp, unique)
    unicat_login(a, user)
    assert a.post("/api/login", json={"username": user["username"],
                                      "password": PASSWORD + "-wrong"}).status_code == 403
    assert a.post("/api/login", json={"username": unique("nobody"),
                                      "password": PASSWORD}).status_code == 403
    found = rows(pg, agent)
    assert kinds(found) == [("signup_requested", "ok"), ("signup_completed", "ok"),
                            ("login", "ok"), ("login", "bad_password"),
                            ("login", "unknown_user")]
    uid = pg.sql_value("SELECT id FROM users WHERE gid = $1::uuid", user["gid"])
    for r in found[1:4]:
        assert r["user_gid"] == user["gid"] and r["user_id"] == uid
    assert found[0]["user_id"] is None and found[4]["user_id"] is None
    assert found[4]["user_gid"] is None
    for r in found:
        assert r["client"] == "127.0.0.1"
        assert r["personality"] == "unicat"
        assert re.fullmatch(r"\d+-\d+", r["request_id"]), r
    # Each request its own id; the time is the database's.
    assert len({r["request_id"] for r in found}) == len(found)
    assert pg.sql_value("SELECT count(*) FROM auth_events WHERE user_agent = $1 "
                        "AND at > now() - interval '10 minutes'", agent) == str(len(found))
    assert_no_secrets(pg, agent, [user["password"], user["jwt"].split()[-1]])


def test_account_lifecycle_rows(api, smtp, unique, pg):
    agent = unique("ua-life")
    a = api_as(api, agent)
    user = unicat_signup(a, smtp, unique)
    secrets = [user["password"], user["jwt"].split()[-1]]
    codes = []
    # Password reset by code, both steps.
    vcode, code, _ = unicat_reset(a, smtp, user)
    new_password = PASSWORD + "-reset"
    r = a.post("/api/reset_password", json={"username": user["username"],
                                            "new_password": new_password,
                                            "validation_code": vcode,
                                            "verification_code": code})
    assert r.status_code == 200, r.text
    secrets += [vcode, new_password, r.headers["Authorization"].split()[-1]]
    codes.append(code)
    user["password"] = new_password
    user["jwt"] = r.headers["Authorization"]
    # Password changed after login (a recent one).
    changed = PASSWORD + "-changed"
    r = a.post("/api/account/update", json={"password": changed}, headers=bearer(user))
    assert r.status_code == 200, r.text
    user["jwt"] = r.headers["Authorization"]
    secrets += [changed, user["jwt"].split()[-1]]
    # Address change by code.
    new = "%s@example.net" % unique("new")
    since = smtp.mark()
    r = a.post("/api/account/update_email_request", json={"email": new},
               headers=bearer(user))
    assert r.status_code == 200, r.text
    evcode = r.json()["result"]["validation_code"]
    ecode = extract_code(smtp.wait_for(to=new, since=since))
    r = a.post("/api/account/update_email", json={
        "email": new, "validation_code": evcode, "verification_code": ecode},
        headers=bearer(user))
    assert r.status_code == 200, r.text
    secrets.append(evcode)
    codes.append(ecode)
    # Two-factor: on, a login by a recovery code, a wrong code, off.
    secret, recovery = unicat_mfa_enrol(a, user)
    secrets += [secret] + recovery
    r = a.post("/api/login", json={"username": user["username"], "password": changed,
                                   "totp": recovery[0]})
    assert r.status_code == 200, r.text
    user["jwt"] = r.headers["Authorization"]
    r = a.post("/api/login", json={"username": user["username"], "password": changed})
    assert r.status_code == 422                          # the code is due
    r = a.post("/api/account/mfa", json={"mfa": False, "password": changed,
                                         "token": recovery[1]}, headers=bearer(user))
    assert r.status_code == 200, r.text
    # Logout, then a login again and the account deleted.
    assert a.post("/api/logout", headers=bearer(user)).status_code == 200
    user["jwt"] = unicat_login(a, {"username": user["username"], "password": changed})["jwt"]
    r = a.post("/api/account/delete", json={"confirm": True}, headers=bearer(user))
    assert r.status_code == 200, r.text

    found = rows(pg, agent)
    assert kinds(found) == [
        ("signup_requested", "ok"), ("signup_completed", "ok"),
        ("password_reset_requested", "ok"), ("password_reset_done", "ok"),
        ("password_changed", "ok"),
        ("email_change_requested", "ok"), ("email_changed", "ok"),
        ("mfa_enabled", "ok"),
        ("mfa_recovery_used", "ok"), ("login", "ok"),
        ("login", "second_factor_required"),
        ("mfa_disabled", "ok"),
        ("logout", "ok"), ("login", "ok"),
        ("account_deleted", "ok")]
    # Every row after the signup request names the account, whose row is gone now.
    assert {r["user_gid"] for r in found[1:]} == {user["gid"]}
    assert pg.sql_value("SELECT count(*) FROM users WHERE gid = $1::uuid", user["gid"]) == "0"
    assert_no_secrets(pg, agent, secrets, codes)


def test_refusals_rows(api, smtp, unique, pg):
    agent = unique("ua-refused")
    a = api_as(api, agent)
    user = unicat_signup(a, smtp, unique)
    vcode, code, _ = unicat_reset(a, smtp, user)
    wrong = "000000" if code != "000000" else "111111"
    r = a.post("/api/reset_password", json={"username": user["username"],
                                            "new_password": PASSWORD + "-x",
                                            "validation_code": vcode,
                                            "verification_code": wrong})
    assert r.status_code == 422
    r = a.post("/api/reset_password_request", json={"username_or_email": unique("nobody")})
    assert r.status_code == 200                          # the same answer, no mail
    # The same address asked again within its cooldown: a throttle hit.
    ident = new_identity(unique)
    assert unicat_signup_request(a, ident).status_code == 200
    assert unicat_signup_request(a, ident).status_code == 429
    found = rows(pg, agent)
    assert kinds(found)[2:] == [("password_reset_requested", "ok"),
                                ("password_reset_done", "bad_code"),
                                ("password_reset_requested", "no_account"),
                                ("signup_requested", "ok"),
                                ("throttled", "signup_email")]
    assert found[3]["user_gid"] == user["gid"]
    assert found[4]["user_gid"] is None and found[6]["user_gid"] is None


def test_other_personalities(api, smtp, unique, pg):
    agent = unique("ua-persona")
    a = api_as(api, agent)
    ident = bedita_signup_activate(a, smtp, unique)
    bedita_login(a, ident)
    r = a.post("/login", json={"username": ident["username"], "password": ident["password"]})
    assert r.status_code == 200, r.text
    email = "%s@example.org" % unique("fs")
    since = smtp.mark()
    assert freesewing_signup(a, email).status_code == 201
    r = freesewing_confirm(a, freesewing_id(smtp, email, since))
    assert r.status_code == 200, r.text
    found = rows(pg, agent)
    assert [(r["kind"], r["outcome"], r["personality"]) for r in found] == [
        ("signup_requested", "ok", "bedita"), ("signup_completed", "ok", "bedita"),
        ("login", "ok", "bedita"), ("login", "ok", "freesewing"),
        ("signup_requested", "ok", "freesewing"),
        ("signup_completed", "ok", "freesewing")]
    assert found[0]["user_id"] == found[1]["user_id"] == found[3]["user_id"]


def test_invitations_and_admin_rows(api, smtp, unique, pg, signet):
    agent = unique("ua-invite")
    a = api_as(api, agent)
    owner = unicat_signup(a, smtp, unique)
    one = unicat_signup(a, smtp, unique)
    two = unicat_signup(a, smtp, unique)
    project = make_project(signet, owner)
    for who in (one, two):
        assert unicat_invite(a, owner, project, who["username"]).status_code == 200
    assert a.post("/api/account/accept_invite", json={"project": project},
                  headers=bearer(one)).status_code == 200
    assert a.post("/api/account/decline_invite", json={"project": project},
                  headers=bearer(two)).status_code == 200
    found = [r for r in rows(pg, agent) if r["kind"].startswith("invite")]
    assert [(r["kind"], r["user_gid"]) for r in found] == [
        ("invite_sent", one["gid"]), ("invite_sent", two["gid"]),
        ("invite_accepted", one["gid"]), ("invite_declined", two["gid"])]
    # signet-admin: its rows say admin, with no client address.
    unicat_mfa_enrol(a, one)
    admin(signet, "user", "mfa-reset", one["username"])
    admin(signet, "user", "disable", one["username"])
    r = a.post("/api/login", json={"username": one["username"], "password": one["password"]})
    assert r.status_code == 403
    mine = pg.sql("SELECT kind, outcome, host(client), personality, user_agent FROM "
                  "auth_events WHERE user_gid = $1::uuid AND personality = 'admin' "
                  "ORDER BY id", one["gid"])
    assert mine == [("mfa_admin_reset", "ok", None, "admin", "signet-admin"),
                    ("account_disabled", "ok", None, "admin", "signet-admin")]
    assert kinds(rows(pg, agent))[-1] == ("login", "disabled")


def test_admin_audit_command(api, smtp, unique, pg, signet):
    agent = unique("ua-cmd")
    a = api_as(api, agent)
    user = unicat_signup(a, smtp, unique)
    unicat_login(a, user)
    r = admin(signet, "audit", "--user", user["username"], "--json")
    got = [json.loads(line) for line in r.out.splitlines()]
    assert [(o["kind"], o["outcome"]) for o in got] == [("signup_completed", "ok"),
                                                       ("login", "ok")]
    o = got[-1]
    assert o["user_gid"] == user["gid"] and o["username"] == user["username"]
    assert isinstance(o["user_id"], int)
    assert o["client"] == "127.0.0.1" and o["personality"] == "unicat"
    assert o["user_agent"] == agent and re.fullmatch(r"\d+-\d+", o["request_id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["time"])
    assert set(o) == {"time", "kind", "outcome", "user_id", "user_gid", "username",
                      "client", "personality", "request_id", "user_agent"}
    # The same by email and by gid, in text: one tab-separated line per row.
    for who in (user["email"].upper(), user["gid"]):
        r = admin(signet, "audit", "--user", who, "--since", "1h")
        lines = r.out.splitlines()
        assert len(lines) == 2 and lines[1].split("\t")[1:3] == ["login", "ok"]
    assert admin(signet, "audit", "--user", user["gid"], "--since=2999-01-01").out == ""
    r = admin(signet, "audit", "--user", user["gid"], "--since", "not-a-time",
              check=False)
    assert r.returncode == 2 and "--since" in r.err
    assert admin(signet, "audit", "--json", check=False).returncode == 0
    assert admin(signet, "audit", "--bogus", "x", check=False).returncode == 2


def test_purge_keeps_audit_keep_days(make_signet, pg, unique):
    agent = unique("ua-purge")
    for days in (10, 3, 0):
        pg.sql("INSERT INTO auth_events (at, kind, outcome, user_agent) VALUES "
               "(now() - make_interval(days => $1::int), 'login', 'ok', $2)", days, agent)
    stack = make_signet(audit_keep_days=5, nginx=False)
    r = admin(stack.signet, "purge")
    assert "audit rows older than 5 days" in r.out
    assert pg.sql("SELECT extract(day FROM now() - at)::int FROM auth_events "
                  "WHERE user_agent = $1 ORDER BY at", agent) == [("3",), ("0",)]
    stack.signet.write_config({"audit_keep_days": 0})    # 0: keep them all
    r = admin(stack.signet, "purge")
    assert "audit_keep_days = 0" in r.out
    stack.signet.write_config({"audit_keep_days": 1})
    admin(stack.signet, "purge")
    assert pg.sql("SELECT count(*) FROM auth_events WHERE user_agent = $1", agent) == [("1",)]


def test_a_row_that_cannot_be_written_fails_nothing(api, smtp, unique, pg, signet):
    agent = unique("ua-fail")
    a = api_as(api, agent)
    user = unicat_signup(a, smtp, unique)
    before = scrape(api)
    pg.sql("ALTER TABLE auth_events ADD CONSTRAINT audit_test_refuses CHECK (false) "
           "NOT VALID")
    try:
        unicat_login(a, user)                            # 200 all the same
    finally:
        pg.sql("ALTER TABLE auth_events DROP CONSTRAINT audit_test_refuses")
    after = scrape(api)
    assert (sample(after, "signet_audit_write_failures_total")
            - sample(before, "signet_audit_write_failures_total")) == 1
    assert (sample(after, "signet_logins_total", personality="unicat", outcome="ok")
            - sample(before, "signet_logins_total", personality="unicat", outcome="ok")) == 1
    assert kinds(rows(pg, agent)) == [("signup_requested", "ok"), ("signup_completed", "ok")]
    wait_until(lambda: "audit: login ok of request" in signet.log_text(), 10,
               "the lost row in the log")
    unicat_login(a, user)                                # and written again after
    assert kinds(rows(pg, agent))[-1] == ("login", "ok")
