"""signet-admin: migrate, project create/list, invite, user list/disable, purge, calibrate;
its output, messages and exit statuses (0 done, 1 refused or failed, 2 usage)."""

import re

from harness.flows import (admin, bearer, make_project, new_identity, unicat_error,
                           unicat_login, unicat_signup)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_migrate_is_idempotent(signet):
    r = admin(signet, "migrate")
    assert "up to date" in r.out


def test_usage_and_exit_statuses(signet, tmp_path):
    for args in ([], ["nonsense"], ["project"], ["project", "create", "--owner"],
                 ["project", "create", "--owner", "x"],
                 ["project", "create", "--owner", "x", "--name", "y", "--bogus", "z"],
                 ["project", "list", "extra"], ["user"], ["user", "disable"],
                 ["invite", "--project", "x"], ["purge", "now"], ["calibrate", "1", "2"]):
        r = admin(signet, *args, check=False)
        assert r.returncode == 2, (args, r.returncode, r.err)
        assert "usage: signet-admin" in r.err
        assert r.out == ""
    r = admin(signet, "calibrate", "fast", check=False)
    assert r.returncode == 2 and "calibrate" in r.err
    # A config that cannot be read is a failure (1) naming the file.
    import subprocess
    missing = str(tmp_path / "missing.conf")
    p = subprocess.run([signet.admin, "-c", missing, "user", "list"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    assert p.returncode == 1 and missing.encode() in p.stderr


def test_project_create_and_list(api, smtp, signet, pg, unique):
    owner = unicat_signup(api, smtp, unique, prefix="adm")
    name = "Name with\ttab " + unique("p")
    r = admin(signet, "project", "create", "--owner", owner["username"].upper(),
              "--name=" + name)
    gid = r.out.strip()
    assert r.out == gid + "\n" and UUID_RE.match(gid)  # only the gid on stdout
    assert pg.sql_value("SELECT array_to_string(m.roles, ',') || ' ' || m.status FROM "
                        "project_members m JOIN projects p ON p.id = m.project_id "
                        "WHERE p.gid = $1::uuid", gid) == "owner active"
    body = unicat_login(api, owner)["body"]
    assert body["result"]["user_projects"] == {gid: ["owner"]}

    rows = [l.split("\t") for l in admin(signet, "project", "list").out.splitlines()]
    mine = [row for row in rows if row[0] == gid]
    assert len(mine) == 1
    g, listed_name, own, status, members, invited, created = mine[0]
    assert listed_name == name.replace("\t", " ")  # one line, one field each
    assert (own, status, members, invited) == (owner["username"], "active", "1", "0")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created)


def test_project_create_errors(signet):
    r = admin(signet, "project", "create", "--owner", "no-such-owner-here", "--name", "P",
              check=False)
    assert r.returncode == 1 and r.out == ""
    assert "no-such-owner-here" in r.err
    for name in ("", "x" * 201):
        r = admin(signet, "project", "create", "--owner", "whoever", "--name", name,
                  check=False)
        assert r.returncode == 1 and "1 to 200" in r.err


def test_admin_invite_then_signup_sees_the_project(api, smtp, signet, unique):
    owner = unicat_signup(api, smtp, unique, prefix="adi")
    project = make_project(signet, owner, "Admin-invited")
    ident = new_identity(unique, "adinv")
    since = smtp.mark()
    r = admin(signet, "invite", "--project", project, "--email", ident["email"])
    invitee = r.out.strip()
    assert UUID_RE.match(invitee) and r.out == invitee + "\n"
    assert "mailed" in r.err
    mail = smtp.wait_for(to=ident["email"], since=since)
    assert "Admin-invited" in mail.subject and owner["username"] in mail.subject
    assert invitee in mail.text and project in mail.text

    user = unicat_signup(api, smtp, ident=ident)
    assert user["gid"] == invitee
    assert project in user["body"]["data"]["cc.projects"]
    r = api.post("/api/account/accept_invite", json={"project": project},
                 headers=bearer(user))
    assert r.json()["result"]["user_projects"] == {project: ["member"]}

    # Already a member: nothing to do, nothing mailed; status 0.
    r = admin(signet, "invite", "--project", project, "--email", ident["email"])
    assert r.out.strip() == invitee and "already a member" in r.err


def test_admin_invite_errors(api, smtp, signet, pg, unique):
    ident = new_identity(unique, "aie")
    r = admin(signet, "invite", "--project", "00000000-0000-4000-8000-000000000000",
              "--email", ident["email"], check=False)
    assert r.returncode == 1 and "no active project" in r.err and r.out == ""
    r = admin(signet, "invite", "--project", "garbage", "--email", ident["email"],
              check=False)
    assert r.returncode == 1 and "not a project gid" in r.err
    owner = unicat_signup(api, smtp, unique, prefix="aio")
    project = make_project(signet, owner)
    r = admin(signet, "invite", "--project", project, "--email", "not-an-email",
              check=False)
    assert r.returncode == 1 and "not an email address" in r.err
    r = admin(signet, "invite", "--project", project, "--email", "a@@b", check=False)
    assert r.returncode == 1
    # Declined: refused, 1.
    invitee = admin(signet, "invite", "--project", project, "--email",
                    ident["email"]).out.strip()
    assert api.post("/api/decline_invite", json={"invitee": invitee,
                                                  "project": project}).status_code == 200
    r = admin(signet, "invite", "--project", project, "--email", ident["email"],
              check=False)
    assert r.returncode == 1 and "declined" in r.err


def test_user_list(api, smtp, signet, unique):
    user = unicat_signup(api, smtp, unique, prefix="ul")
    owner = unicat_signup(api, smtp, unique, prefix="ulo")
    project = make_project(signet, owner)
    ghost = new_identity(unique, "ulg")
    placeholder = admin(signet, "invite", "--project", project, "--email",
                        ghost["email"]).out.strip()
    rows = {l.split("\t")[0]: l.split("\t") for l in admin(signet, "user", "list").out.splitlines()}
    row = rows[user["gid"]]
    assert row[1:4] == [user["username"], user["email"], "active"]
    assert len(row) == 6 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[4])
    assert rows[placeholder][1:4] == ["-", ghost["email"], "invited"]
    assert rows[placeholder][5] == "-"


def test_user_disable_revokes_tokens(api, smtp, signet, unique):
    user = unicat_signup(api, smtp, unique, prefix="dis")
    jwt = unicat_login(api, user)["jwt"]
    assert api.get("/api/init", headers=bearer(jwt)).status_code == 200
    r = admin(signet, "user", "disable", user["username"].upper())
    assert "disabled" in r.err and r.out == ""
    for token in (jwt, user["jwt"]):
        unicat_error(api.get("/api/init", headers=bearer(token)), 401, 401,
                     "Permission denied")
    unicat_error(api.post("/api/login", json={"username": user["username"],
                                              "password": user["password"]}),
                 403, 403, "Unknown user")
    r = admin(signet, "user", "disable", user["username"])
    assert r.returncode == 0 and "already" in r.err
    r = admin(signet, "user", "disable", "no-such-user-here", check=False)
    assert r.returncode == 1 and "no-such-user-here" in r.err


# 32 random bytes in SQL (pgcrypto's gen_random_bytes() is not installed).
RAND32 = "decode(md5(random()::text) || md5(random()::text), 'hex')"


def test_purge(signet, pg, api, smtp, unique):
    user = unicat_signup(api, smtp, unique, prefix="pur")
    uid = pg.sql_value("SELECT id FROM users WHERE gid = $1::uuid", user["gid"])
    pg.sql(("INSERT INTO pending_signups (validation_mac, code_mac, username, email, "
            "password, language, expires_at) VALUES "
            "(%(r)s, %(r)s, $1, $2, 'x', 'en', now() - interval '1 minute'), "
            "(%(r)s, %(r)s, $3, $4, 'x', 'en', now() + interval '1 hour')") % {"r": RAND32},
           unique("pe"), unique("pe") + "@example.org", unique("pf"),
           unique("pf") + "@example.org")
    # expired, live, and used (but not expired): only the live one stays
    pg.sql(("INSERT INTO confirmations (kind, token_mac, user_id, expires_at, used_at) VALUES "
            "('reset', %(r)s, $1::bigint, now() - interval '1 second', NULL), "
            "('reset', %(r)s, $1::bigint, now() + interval '1 hour', NULL), "
            "('reset', %(r)s, $1::bigint, now() + interval '1 hour', now())") % {"r": RAND32},
           uid)
    pg.sql("INSERT INTO mail_outbox (recipient, subject, body, sent_at, created) VALUES "
           "('old@example.org', 'old', 'x', now() - interval '40 days', "
           " now() - interval '40 days'), "
           "('new@example.org', 'new', 'x', now() - interval '1 day', now() - interval '1 day')")
    pg.sql("INSERT INTO throttles (key, window_start, count, last_at) VALUES "
           "($1, now() - interval '3 days', 1, now() - interval '3 days')", "test:" + unique())
    r = admin(signet, "purge")
    m = re.search(r"deleted (\d+) expired pending signups, (\d+) used or expired "
                  r"confirmations, "
                  r"(\d+) mails older than 30 days, (\d+) idle throttles", r.out)
    assert m, r.out
    assert all(int(x) >= 1 for x in m.groups())
    assert pg.sql_value("SELECT count(*) FROM pending_signups WHERE expires_at <= now()") == "0"
    assert pg.sql_value("SELECT count(*) FROM pending_signups WHERE expires_at > now()") != "0"
    assert pg.sql_value("SELECT count(*) FROM confirmations WHERE expires_at <= now() "
                        "OR used_at IS NOT NULL") == "0"
    assert pg.sql_value("SELECT count(*) FROM confirmations WHERE user_id = $1::bigint",
                        uid) == "1"
    assert pg.sql_value("SELECT count(*) FROM mail_outbox WHERE recipient = "
                        "'old@example.org'") == "0"
    assert pg.sql_value("SELECT count(*) FROM mail_outbox WHERE recipient = "
                        "'new@example.org'") == "1"
    assert admin(signet, "purge").returncode == 0


def test_calibrate(signet):
    r = admin(signet, "calibrate", "5")
    n = int(r.out.strip())
    assert n >= 2 and n & (n - 1) == 0  # a power of two
    assert "scrypt_n = %d" % n in r.err
    big = int(admin(signet, "calibrate", "50").out.strip())
    assert big >= n
