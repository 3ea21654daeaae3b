"""Unicat projects and invitations: members/invite, members/resend_invite,
account/accept_invite, account/decline_invite and decline_invite without an account,
end to end through nginx with real mail (API.md, "Projects and invitations")."""

import re

import pytest

from harness.flows import (PASSWORD, bearer, make_project, new_identity, unicat_error,
                           unicat_init, unicat_invite, unicat_login, unicat_signup,
                           unicat_signup_request)
from harness import extract_code

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FORBIDDEN = (403, 403, "Forbidden")
INVITE_INVALID = (422, 1004, "Invite invalid")


@pytest.fixture
def owner(api, smtp, unique):
    return unicat_signup(api, smtp, unique, prefix="own")


@pytest.fixture
def project(signet, owner, unique):
    return make_project(signet, owner, "Atlas " + unique("p"))


def cursor(api, ident):
    return unicat_init(api, ident)["result"]["cc.cursor"]


def clear_invite_throttles(pg):
    pg.sql("DELETE FROM throttles WHERE key LIKE 'invite:%'")


def member_status(pg, project, user_gid):
    return pg.sql_value(
        "SELECT m.status FROM project_members m JOIN projects p ON p.id = m.project_id "
        "JOIN users u ON u.id = m.user_id WHERE p.gid = $1::uuid AND u.gid = $2::uuid",
        project, user_gid)


def test_project_owner_session(api, owner, project):
    assert UUID_RE.match(project)
    body = unicat_login(api, owner)["body"]
    assert body["result"]["user_projects"] == {project: ["owner"]}
    p = body["data"]["cc.projects"][project]
    assert p["gid"] == project and p["owner"] == owner["gid"] and p["status"] == "active"
    assert p["name"].startswith("Atlas ")
    assert {"project_gid": project, "user_gid": owner["gid"], "status": "active",
            "roles": ["owner"], "options": {}} in body["data"]["cc.projects_members"]


def test_invited_email_signs_up_and_sees_the_project(api, smtp, pg, owner, project, unique):
    ident = new_identity(unique, "inv")
    before = cursor(api, owner)
    since = smtp.mark()
    r = unicat_invite(api, owner, project, ident["email"])
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["success"] is True
    invitee = body["result"]["user"]
    assert UUID_RE.match(invitee)
    assert body["result"] == {"user": invitee}
    assert set(body["data"]) == {"cc.users", "cc.projects_members"}
    assert body["data"]["cc.users"] == {invitee: {
        "gid": invitee, "username": None, "email": ident["email"], "name": "",
        "avatar": None, "status": "invited",
        "options": {"language": "en", "timezone": "UTC"}}}
    invitation = {"project_gid": project, "user_gid": invitee, "status": "invited",
                  "roles": ["member"], "options": {}}
    assert body["data"]["cc.projects_members"] == [invitation]
    assert cursor(api, owner) > before

    # The invite mail: who invited, to what, and the decline link with both gids.
    mail = smtp.wait_for(to=ident["email"], since=since)
    assert owner["username"] in mail.subject and "Atlas" in mail.subject
    link = re.search(r"https?://\S+/decline_invite\?\S+", mail.text).group(0)
    assert "invitee=" + invitee in link and "project=" + project in link

    # The owner sees the pending member.
    data = unicat_init(api, owner)["data"]
    assert invitee in data["cc.users"]
    assert invitation in data["cc.projects_members"]

    # Signup with the invited address keeps the gid and shows the project and invitation.
    user = unicat_signup(api, smtp, ident=ident)
    assert user["gid"] == invitee
    signup = user["body"]
    assert signup["result"] == {"user": invitee, "user_projects": {}}
    assert project in signup["data"]["cc.projects"]
    assert signup["data"]["cc.projects"][project]["owner"] == owner["gid"]
    assert signup["data"]["cc.projects_members"] == [invitation]
    assert signup["data"]["cc.users"][invitee]["status"] == "active"
    assert signup["data"]["cc.users"][invitee]["username"] == ident["username"]
    assert pg.sql_value("SELECT count(*) FROM users WHERE lower(email) = lower($1)",
                        ident["email"]) == "1"

    # Accepting makes it an active membership with its roles in user_projects.
    before = cursor(api, user)
    r = api.post("/api/account/accept_invite", json={"project": project},
                 headers=bearer(user))
    assert r.status_code == 200, r.text
    res = r.json()["result"]
    assert res["user_projects"] == {project: ["member"]}
    assert res["cc.cursor"] > before
    login = unicat_login(api, user)["body"]
    assert login["result"]["user_projects"] == {project: ["member"]}
    assert dict(invitation, status="active") in login["data"]["cc.projects_members"]
    assert owner["gid"] in login["data"]["cc.users"]  # members of the user's projects
    assert member_status(pg, project, invitee) == "active"

    # Accepting again changes nothing.
    r = api.post("/api/account/accept_invite", json={"project": project},
                 headers=bearer(user))
    assert r.status_code == 200, r.text
    assert r.json()["result"]["user_projects"] == {project: ["member"]}


def test_invite_existing_user_by_username_and_by_email(api, smtp, signet, owner, project,
                                                       unique):
    alice = unicat_signup(api, smtp, unique, prefix="ali")
    bob = unicat_signup(api, smtp, unique, prefix="bob")
    since = smtp.mark()
    r = unicat_invite(api, owner, project, alice["username"].upper())
    assert r.status_code == 200, r.text
    assert r.json()["result"]["user"] == alice["gid"]
    assert r.json()["data"]["cc.users"][alice["gid"]]["status"] == "active"
    smtp.wait_for(to=alice["email"], since=since)
    r = unicat_invite(api, owner, project, bob["email"].upper())
    assert r.status_code == 200, r.text
    assert r.json()["result"]["user"] == bob["gid"]
    assert r.json()["data"]["cc.projects_members"][0]["status"] == "invited"
    smtp.wait_for(to=bob["email"], since=since)

    # Each sees the invitation (not yet a membership) in the session.
    for who in (alice, bob):
        body = unicat_init(api, who)
        assert body["result"]["user_projects"] == {}
        assert project in body["data"]["cc.projects"]
        assert body["data"]["cc.projects_members"] == [{
            "project_gid": project, "user_gid": who["gid"], "status": "invited",
            "roles": ["member"], "options": {}}]


def test_invite_mail_in_the_invitees_language(api, smtp, owner, project, unique):
    ident = new_identity(unique, "nl")
    since = smtp.mark()
    r = unicat_signup_request(api, ident, language="nl")
    assert r.status_code == 200, r.text
    vcode = r.json()["result"]["validation_code"]
    code = extract_code(smtp.wait_for(to=ident["email"], since=since))
    r = api.post("/api/signup", json=dict(ident, validation_code=vcode,
                                          verification_code=code))
    assert r.status_code == 200, r.text
    since = smtp.mark()
    r = unicat_invite(api, owner, project, ident["username"])
    assert r.status_code == 200, r.text
    mail = smtp.wait_for(to=ident["email"], since=since)
    assert "nodigt je uit" in mail.subject  # Dutch invitee, Dutch mail
    assert owner["username"] in mail.text


def test_invite_placeholder_language_and_dutch_invitee(api, smtp, pg, owner, project, unique):
    ident = new_identity(unique, "nl")
    pg.sql("UPDATE users SET language = 'nl' WHERE gid = $1::uuid", owner["gid"])
    since = smtp.mark()
    r = unicat_invite(api, owner, project, ident["email"])
    assert r.status_code == 200, r.text
    invitee = r.json()["result"]["user"]
    # A placeholder takes its inviter's language, and so does its mail.
    assert r.json()["data"]["cc.users"][invitee]["options"]["language"] == "nl"
    mail = smtp.wait_for(to=ident["email"], since=since)
    assert "nodigt je uit" in mail.subject


def test_two_projects_one_placeholder(api, smtp, signet, owner, unique):
    p1 = make_project(signet, owner, "One")
    p2 = make_project(signet, owner, "Two")
    ident = new_identity(unique, "two")
    g1 = unicat_invite(api, owner, p1, ident["email"]).json()["result"]["user"]
    g2 = unicat_invite(api, owner, p2, ident["email"].upper()).json()["result"]["user"]
    assert g1 == g2
    smtp.wait_for(to=ident["email"], subject="One")
    smtp.wait_for(to=ident["email"], subject="Two")
    user = unicat_signup(api, smtp, ident=ident)
    assert user["gid"] == g1
    data = user["body"]["data"]
    assert set(data["cc.projects"]) == {p1, p2}
    assert sorted(m["project_gid"] for m in data["cc.projects_members"]) == sorted([p1, p2])


def test_non_owner_is_refused(api, smtp, signet, owner, project, unique, pg):
    stranger = unicat_signup(api, smtp, unique, prefix="str")
    target = new_identity(unique, "tgt")
    unicat_error(unicat_invite(api, stranger, project, target["email"]), *FORBIDDEN, {})

    # An active member without the owner role may not invite either.
    member = unicat_signup(api, smtp, unique, prefix="mem")
    assert unicat_invite(api, owner, project, member["username"]).status_code == 200
    r = api.post("/api/account/accept_invite", json={"project": project},
                 headers=bearer(member))
    assert r.status_code == 200, r.text
    unicat_error(unicat_invite(api, member, project, target["email"]), *FORBIDDEN, {})
    r = api.post("/api/p/%s/members/resend_invite" % project, json={"user": member["gid"]},
                 headers=bearer(member))
    unicat_error(r, *FORBIDDEN, {})

    # Unknown or malformed project gids look the same as someone else's project.
    for p in ("00000000-0000-4000-8000-000000000000", "not-a-uuid", "x'--"):
        unicat_error(unicat_invite(api, owner, p, target["email"]), *FORBIDDEN, {})
    # A disabled project takes no invitations.
    pg.sql("UPDATE projects SET status = 'disabled' WHERE gid = $1::uuid", project)
    unicat_error(unicat_invite(api, owner, project, target["email"]), *FORBIDDEN, {})
    # Nobody got a placeholder out of it.
    assert pg.sql_value("SELECT count(*) FROM users WHERE lower(email) = lower($1)",
                        target["email"]) == "0"


def test_owner_role_member_may_invite(api, smtp, pg, owner, project, unique):
    co = unicat_signup(api, smtp, unique, prefix="co")
    assert unicat_invite(api, owner, project, co["username"]).status_code == 200
    assert api.post("/api/account/accept_invite", json={"project": project},
                    headers=bearer(co)).status_code == 200
    pg.sql("UPDATE project_members SET roles = '{owner}' WHERE user_id = "
           "(SELECT id FROM users WHERE gid = $1::uuid)", co["gid"])
    r = unicat_invite(api, co, project, new_identity(unique)["email"])
    assert r.status_code == 200, r.text


def test_invite_needs_a_token(api, project):
    r = api.post("/api/p/%s/members/invite" % project, json={"username_or_email": "a@b.org"})
    unicat_error(r, 401, 401, "Permission denied")
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="signet"'
    for path in ("/api/p/%s/members/resend_invite" % project, "/api/account/accept_invite",
                 "/api/account/decline_invite"):
        unicat_error(api.post(path, json={}), 401, 401, "Permission denied")


def test_invite_parameters(api, owner, project):
    r = api.post("/api/p/%s/members/invite" % project, json={}, headers=bearer(owner))
    unicat_error(r, 400, 400, "Bad request", {"Missing parameter": "username_or_email"})
    r = api.post("/api/p/%s/members/invite" % project, json={"username_or_email": 7},
                 headers=bearer(owner))
    unicat_error(r, 400, 400, "Bad request", {"Invalid parameter": "username_or_email"})
    body = unicat_error(unicat_invite(api, owner, project, "bad@@example"),
                        422, 1001, "Validation error")
    assert list(body["result"]["info"]) == ["username_or_email"]
    body = unicat_error(unicat_invite(api, owner, project, "nobody-has-this-name"),
                        422, 1001, "Validation error")
    assert body["result"]["info"] == {"username_or_email": "is not a known user"}
    r = api.get("/api/p/%s/members/invite" % project, headers=bearer(owner))
    unicat_error(r, 405, 405, "Method not allowed")
    assert r.headers["Allow"] == "POST"


def test_inviting_a_member_changes_nothing(api, smtp, owner, project):
    since = smtp.mark()
    r = unicat_invite(api, owner, project, owner["email"])
    assert r.status_code == 200, r.text
    assert r.json()["result"]["user"] == owner["gid"]
    assert r.json()["data"]["cc.projects_members"] == [{
        "project_gid": project, "user_gid": owner["gid"], "status": "active",
        "roles": ["owner"], "options": {}}]
    assert smtp.find(to=owner["email"], since=since) == []


def test_decline_without_an_account(api, smtp, pg, owner, project, unique):
    ident = new_identity(unique, "dec")
    since = smtp.mark()
    invitee = unicat_invite(api, owner, project, ident["email"]).json()["result"]["user"]
    mail = smtp.wait_for(to=ident["email"], since=since)
    link = re.search(r"/decline_invite\?invitee=([0-9a-f-]+)&project=([0-9a-f-]+)",
                     mail.text)
    assert link.groups() == (invitee, project)

    before = cursor(api, owner)
    r = api.post("/api/decline_invite", json={"invitee": link.group(1),
                                               "project": link.group(2)})
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "result": {}, "data": {}}
    assert member_status(pg, project, invitee) == "declined"
    assert cursor(api, owner) > before
    # Declining twice is fine; the owner no longer sees a pending member.
    r = api.post("/api/decline_invite", json={"invitee": invitee, "project": project})
    assert r.status_code == 200, r.text
    members = unicat_init(api, owner)["data"]["cc.projects_members"]
    assert all(m["user_gid"] != invitee for m in members)

    # Re-inviting someone who declined: 1004, by email as by gid; no mail.
    clear_invite_throttles(pg)
    since = smtp.mark()
    unicat_error(unicat_invite(api, owner, project, ident["email"]), *INVITE_INVALID, {})
    r = api.post("/api/p/%s/members/resend_invite" % project, json={"user": invitee},
                 headers=bearer(owner))
    unicat_error(r, *INVITE_INVALID, {})
    assert smtp.find(to=ident["email"], since=since) == []

    # A later signup with the address keeps the gid but shows no invitation.
    user = unicat_signup(api, smtp, ident=ident)
    assert user["gid"] == invitee
    assert user["body"]["data"]["cc.projects_members"] == []
    r = api.post("/api/account/accept_invite", json={"project": project},
                 headers=bearer(user))
    unicat_error(r, *INVITE_INVALID, {})


def test_decline_without_an_account_errors(api, owner, project):
    unicat_error(api.post("/api/decline_invite", json={}), 400, 400, "Bad request",
                 {"Missing parameter": "invitee"})
    unicat_error(api.post("/api/decline_invite", json={"invitee": owner["gid"]}),
                 400, 400, "Bad request", {"Missing parameter": "project"})
    for bad in ("", "nope", "'; DROP TABLE users; --", owner["gid"] + "0"):
        r = api.post("/api/decline_invite", json={"invitee": bad, "project": project})
        unicat_error(r, 400, 400, "Bad request", {"Invalid parameter": "invitee"})
        r = api.post("/api/decline_invite", json={"invitee": owner["gid"], "project": bad})
        unicat_error(r, 400, 400, "Bad request", {"Invalid parameter": "project"})
    # No such invitation.
    r = api.post("/api/decline_invite", json={"invitee": "00000000-0000-4000-8000-000000000000",
                                               "project": project})
    body = unicat_error(r, 422, 1001, "Validation error")
    assert list(body["result"]["info"]) == ["invitee"]
    # The owner's active membership is not an invitation to decline.
    r = api.post("/api/decline_invite", json={"invitee": owner["gid"], "project": project})
    unicat_error(r, 422, 1001, "Validation error")


def test_decline_with_an_account(api, smtp, pg, owner, project, unique):
    user = unicat_signup(api, smtp, unique, prefix="dwa")
    assert unicat_invite(api, owner, project, user["email"]).status_code == 200
    assert project in unicat_init(api, user)["data"]["cc.projects"]
    before = cursor(api, user)
    r = api.post("/api/account/decline_invite", json={"project": project},
                 headers=bearer(user))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"]["user"] == user["gid"]
    assert body["result"]["user_projects"] == {}
    assert body["result"]["cc.cursor"] > before
    assert body["data"]["cc.projects_members"] == []
    assert project not in body["data"]["cc.projects"]
    assert member_status(pg, project, user["gid"]) == "declined"
    r = api.post("/api/account/accept_invite", json={"project": project},
                 headers=bearer(user))
    unicat_error(r, *INVITE_INVALID, {})
    clear_invite_throttles(pg)
    unicat_error(unicat_invite(api, owner, project, user["username"]), *INVITE_INVALID, {})


def test_deactivated_invitee(api, smtp, pg, owner, project, unique):
    user = unicat_signup(api, smtp, unique, prefix="dea")
    assert unicat_invite(api, owner, project, user["username"]).status_code == 200
    pg.sql("UPDATE project_members SET status = 'deactivated' WHERE user_id = "
           "(SELECT id FROM users WHERE gid = $1::uuid)", user["gid"])
    clear_invite_throttles(pg)
    unicat_error(unicat_invite(api, owner, project, user["username"]), *INVITE_INVALID, {})
    for path in ("/api/account/accept_invite", "/api/account/decline_invite"):
        r = api.post(path, json={"project": project}, headers=bearer(user))
        unicat_error(r, *INVITE_INVALID, {})
    r = api.post("/api/decline_invite", json={"invitee": user["gid"], "project": project})
    unicat_error(r, *INVITE_INVALID, {})
    # A disabled account cannot be invited either.
    other = unicat_signup(api, smtp, unique, prefix="dis")
    pg.sql("UPDATE users SET status = 'disabled' WHERE gid = $1::uuid", other["gid"])
    unicat_error(unicat_invite(api, owner, project, other["username"]), *INVITE_INVALID, {})


def test_accept_and_decline_errors(api, owner, project, unique):
    for path in ("/api/account/accept_invite", "/api/account/decline_invite"):
        r = api.post(path, json={}, headers=bearer(owner))
        unicat_error(r, 400, 400, "Bad request", {"Missing parameter": "project"})
        r = api.post(path, json={"project": "nope"}, headers=bearer(owner))
        unicat_error(r, 400, 400, "Bad request", {"Invalid parameter": "project"})
        r = api.post(path, json={"project": "00000000-0000-4000-8000-000000000000"},
                     headers=bearer(owner))
        body = unicat_error(r, 422, 1001, "Validation error")
        assert list(body["result"]["info"]) == ["project"]
    # The owner's own project: accepting is a no-op, declining is refused.
    r = api.post("/api/account/accept_invite", json={"project": project},
                 headers=bearer(owner))
    assert r.status_code == 200 and r.json()["result"]["user_projects"] == {project: ["owner"]}
    r = api.post("/api/account/decline_invite", json={"project": project},
                 headers=bearer(owner))
    unicat_error(r, 422, 1001, "Validation error")


def test_resend_invite(api, smtp, pg, owner, project, unique):
    ident = new_identity(unique, "rs")
    since = smtp.mark()
    invitee = unicat_invite(api, owner, project, ident["email"]).json()["result"]["user"]
    smtp.wait_for(to=ident["email"], since=since)

    # Within the cooldown another mail to the same invitee is refused.
    path = "/api/p/%s/members/resend_invite" % project
    r = api.post(path, json={"user": invitee}, headers=bearer(owner))
    body = unicat_error(r, 429, 429, "Too many requests")
    assert int(r.headers["Retry-After"]) > 0
    assert body["result"]["info"]["retry_after"] == int(r.headers["Retry-After"])

    # Inviting a pending invitee again is a resend: same cooldown, then mailed again.
    unicat_error(unicat_invite(api, owner, project, ident["email"]), 429, 429,
                 "Too many requests")
    clear_invite_throttles(pg)
    since = smtp.mark()
    r = unicat_invite(api, owner, project, ident["email"])
    assert r.status_code == 200, r.text
    assert r.json()["result"]["user"] == invitee
    assert r.json()["data"]["cc.projects_members"][0]["status"] == "invited"
    smtp.wait_for(to=ident["email"], since=since)

    clear_invite_throttles(pg)
    since = smtp.mark()
    r = api.post(path, json={"user": invitee}, headers=bearer(owner))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"] == {"user": invitee}
    assert body["data"]["cc.projects_members"] == [{
        "project_gid": project, "user_gid": invitee, "status": "invited",
        "roles": ["member"], "options": {}}]
    mail = smtp.wait_for(to=ident["email"], since=since)
    assert invitee in mail.text

    unicat_error(api.post(path, json={}, headers=bearer(owner)), 400, 400, "Bad request",
                 {"Missing parameter": "user"})
    unicat_error(api.post(path, json={"user": "zz"}, headers=bearer(owner)), 400, 400,
                 "Bad request", {"Invalid parameter": "user"})
    # The owner is a member, not invited; an unknown gid has no invitation.
    for gid in (owner["gid"], "00000000-0000-4000-8000-000000000000"):
        body = unicat_error(api.post(path, json={"user": gid}, headers=bearer(owner)),
                            422, 1001, "Validation error")
        assert list(body["result"]["info"]) == ["user"]


def test_each_change_moves_the_cursor(api, smtp, owner, project, unique):
    user = unicat_signup(api, smtp, unique, prefix="cur")
    c0 = cursor(api, user)
    assert unicat_invite(api, owner, project, user["username"]).status_code == 200
    c1 = cursor(api, user)
    assert c1 > c0
    r = api.post("/api/account/accept_invite", json={"project": project},
                 headers=bearer(user))
    c2 = r.json()["result"]["cc.cursor"]
    assert c2 > c1
    # A no-op leaves it where it was.
    r = api.post("/api/account/accept_invite", json={"project": project},
                 headers=bearer(user))
    assert r.json()["result"]["cc.cursor"] == c2


def test_invite_password_unchanged_for_existing_user(api, smtp, owner, project, unique):
    user = unicat_signup(api, smtp, unique, prefix="pw")
    assert unicat_invite(api, owner, project, user["email"]).status_code == 200
    r = api.post("/api/login", json={"username": user["username"], "password": PASSWORD})
    assert r.status_code == 200, r.text
