"""Unicat's account after login (LIFECYCLE.md section 3): account/update,
update_email_request + update_email, delete, leave_project, and the documented calls
signet does not serve; end to end through nginx with the mails actually received."""

import concurrent.futures
import time

import pytest

from harness import extract_code
from harness.flows import (PASSWORD, bearer, freesewing_login, make_project, new_identity,
                           unicat_error, unicat_init, unicat_invite, unicat_login,
                           unicat_signup)

BAD_REQUEST = (400, 400, "Bad request")
UNAUTHORIZED = (401, 401, "Permission denied")
VALIDATION = (422, 1001, "Validation error")
NEW_PASSWORD = "copper-violin-harbour-77"


@pytest.fixture
def user(api, smtp, unique):
    return unicat_signup(api, smtp, unique, prefix="acc")


def post(api, path, ident, body):
    return api.post(path, json=body, headers=bearer(ident))


def me(r, ident):
    """The user entry of an account/update or update_email answer, checked."""
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True
    assert body["result"] == {"user": ident["gid"]}
    assert list(body["data"]) == ["cc.users"]
    return body["data"]["cc.users"][ident["gid"]]


def login_fails(api, username, password):
    r = api.post("/api/login", json={"username": username, "password": password})
    assert r.status_code == 403, r.text


# ------------------------------------------------------------------------ account/update

def test_update_profile_fields(api, user):
    r = post(api, "/api/account/update", user, {
        "name": "Ann Example", "language": "nl", "timezone": "Europe/Amsterdam"})
    u = me(r, user)
    assert u == {"gid": user["gid"], "username": user["username"], "email": user["email"],
                 "name": "Ann Example", "avatar": None, "status": "active",
                 "options": {"language": "nl", "timezone": "Europe/Amsterdam"}}
    # The session sees the same, and the token still works (no password change).
    init = unicat_init(api, user)
    assert init["data"]["cc.users"][user["gid"]] == u


def test_update_username(api, user, unique):
    name = unique("ren")
    u = me(post(api, "/api/account/update", user, {"username": name}), user)
    assert u["username"] == name
    assert unicat_login(api, dict(user, username=name))["jwt"]
    login_fails(api, user["username"], user["password"])


def test_update_username_taken_changes_nothing(api, smtp, user, unique):
    other = unicat_signup(api, smtp, unique, prefix="oth")
    for taken in (other["username"], other["username"].upper()):
        r = post(api, "/api/account/update", user, {"username": taken, "name": "New"})
        unicat_error(r, *VALIDATION, info={"username": "is not available"})
    # One bad field: none of the good ones was stored either.
    assert unicat_init(api, user)["data"]["cc.users"][user["gid"]]["name"] == ""


def test_update_own_username_in_another_case(api, user):
    u = me(post(api, "/api/account/update", user, {"username": user["username"].upper()}),
           user)
    assert u["username"] == user["username"].upper()


@pytest.mark.parametrize("body, field", [
    ({"username": "a"}, "username"),
    ({"username": "has space"}, "username"),
    ({"language": "xx"}, "language"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "../etc/passwd"}, "timezone"),
    ({"timezone": "Europe/Amsterdam/"}, "timezone"),
    ({"name": "x" * 201}, "name"),
    ({"name": "tab\there"}, "name"),
    ({"name": ""}, "name"),
    ({"password": "short"}, "password"),
])
def test_update_refuses_bad_values(api, user, body, field):
    r = post(api, "/api/account/update", user, body)
    info = unicat_error(r, *VALIDATION)["result"]["info"]
    assert list(info) == [field], info


def test_update_needs_one_field(api, user):
    unicat_error(post(api, "/api/account/update", user, {}), *BAD_REQUEST,
                 info={"Missing parameter": "username, password, name, language or "
                                            "timezone"})
    unicat_error(post(api, "/api/account/update", user, {"name": 5}), *BAD_REQUEST,
                 info={"Invalid parameter": "name"})


def test_update_needs_a_token(api, user):
    unicat_error(api.post("/api/account/update", json={"name": "x"}), *UNAUTHORIZED)
    unicat_error(api.post("/api/account/update", json={"name": "x"},
                          headers={"Authorization": "Bearer nonsense"}), *UNAUTHORIZED)
    r = api.get("/api/account/update", headers=bearer(user))
    unicat_error(r, 405, 405, "Method not allowed")
    assert r.headers["Allow"] == "POST"


def test_update_password(api, smtp, user):
    since = smtp.mark()
    r = post(api, "/api/account/update", user, {"password": NEW_PASSWORD})
    me(r, user)
    fresh = r.headers["Authorization"]
    # Every older token died; the fresh one works, in the same session.
    unicat_error(api.get("/api/init", headers=bearer(user)), *UNAUTHORIZED)
    assert unicat_init(api, fresh)["result"]["user"] == user["gid"]
    login_fails(api, user["username"], user["password"])
    assert unicat_login(api, dict(user, password=NEW_PASSWORD))["jwt"]
    mail = smtp.wait_for(to=user["email"], since=since)
    assert mail["Subject"] == "Your password was changed"
    assert NEW_PASSWORD not in mail.text


def test_update_weak_password_changes_nothing(api, user):
    r = post(api, "/api/account/update", user, {"password": user["username"] + "123",
                                                 "name": "Kept Out"})
    assert list(unicat_error(r, *VALIDATION)["result"]["info"]) == ["password"]
    assert unicat_login(api, user)["jwt"]
    assert unicat_init(api, user)["data"]["cc.users"][user["gid"]]["name"] == ""


def test_sensitive_changes_need_a_recent_login(make_signet, smtp, unique):
    stack = make_signet(reauth_window=1)
    user = unicat_signup(stack.api, smtp, unique, prefix="st")
    time.sleep(2.2)
    stale = {"login": "this change needs a recent login: log in again"}
    for path, body in (("/api/account/update", {"password": NEW_PASSWORD}),
                       ("/api/account/update_email_request",
                        {"email": "%s@example.net" % unique("n")}),
                       ("/api/account/delete", {"confirm": True})):
        unicat_error(post(stack.api, path, user, body), *UNAUTHORIZED, info=stale)
    # What is not sensitive goes on; a new login opens the window again.
    me(post(stack.api, "/api/account/update", user, {"name": "Still Me"}), user)
    fresh = unicat_login(stack.api, user)["jwt"]
    r = stack.api.post("/api/account/update", json={"password": NEW_PASSWORD},
                       headers=bearer(fresh))
    assert r.status_code == 200, r.text


def test_reauth_window_zero_turns_the_rule_off(make_signet, smtp, unique):
    stack = make_signet(reauth_window=0, session_max_age=3600)
    user = unicat_signup(stack.api, smtp, unique, prefix="st0")
    time.sleep(1.2)
    assert post(stack.api, "/api/account/update", user,
                {"password": NEW_PASSWORD}).status_code == 200


# ------------------------------------------------------------------- the address, by code

def change_email(api, smtp, ident, new):
    """Step 1 and the code mailed to new: (validation_code, code, mail)."""
    since = smtp.mark()
    r = post(api, "/api/account/update_email_request", ident, {"email": new})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and body["data"] == {}
    assert list(body["result"]) == ["validation_code"]
    mail = smtp.wait_for(to=new, since=since)
    return body["result"]["validation_code"], extract_code(mail), mail


def test_email_change_by_code(api, smtp, user, unique):
    new = "%s@example.net" % unique("new")
    vcode, code, mail = change_email(api, smtp, user, new)
    assert mail["Subject"] == "Your code to confirm your new address"
    assert vcode not in mail.text
    # Nothing changes before the proof.
    assert unicat_init(api, user)["data"]["cc.users"][user["gid"]]["email"] == user["email"]
    since = smtp.mark()
    r = post(api, "/api/account/update_email", user, {
        "email": new.upper(), "validation_code": vcode, "verification_code": code})
    assert me(r, user)["email"] == new
    # The old address is told, and the token still works.
    notice = smtp.wait_for(to=user["email"], since=since)
    assert notice["Subject"] == "The address of your account was changed"
    assert new in notice.text
    assert unicat_init(api, user)["data"]["cc.users"][user["gid"]]["email"] == new
    # The code is used up.
    r = post(api, "/api/account/update_email", user, {
        "email": new, "validation_code": vcode, "verification_code": code})
    assert list(unicat_error(r, *VALIDATION)["result"]["info"]) == ["validation_code"]


def test_email_changed_through_unicat_logs_in_on_freesewing(api, smtp, user, unique):
    new = "%s@example.net" % unique("xfs")
    vcode, code, _ = change_email(api, smtp, user, new)
    me(post(api, "/api/account/update_email", user, {
        "email": new, "validation_code": vcode, "verification_code": code}), user)
    r = freesewing_login(api, new, user["password"])
    assert r.status_code == 200, r.text
    assert r.json()["account"]["email"] == new
    assert freesewing_login(api, user["email"], user["password"]).status_code == 401


def test_email_change_wrong_codes(api, smtp, user, unique):
    new = "%s@example.net" % unique("wc")
    vcode, code, _ = change_email(api, smtp, user, new)
    wrong = "000000" if code != "000000" else "111111"
    r = post(api, "/api/account/update_email", user, {
        "email": new, "validation_code": vcode, "verification_code": wrong})
    assert list(unicat_error(r, *VALIDATION)["result"]["info"]) == ["verification_code"]
    r = post(api, "/api/account/update_email", user, {
        "email": new, "validation_code": vcode + "x", "verification_code": code})
    assert list(unicat_error(r, *VALIDATION)["result"]["info"]) == ["validation_code"]
    r = post(api, "/api/account/update_email", user, {
        "email": "other-" + new, "validation_code": vcode, "verification_code": code})
    assert list(unicat_error(r, *VALIDATION)["result"]["info"]) == ["email"]
    # A wrong try did not spend the code's right use.
    me(post(api, "/api/account/update_email", user, {
        "email": new, "validation_code": vcode, "verification_code": code}), user)


def test_email_change_code_dies_after_too_many_tries(api, smtp, user, unique):
    new = "%s@example.net" % unique("tm")
    vcode, code, _ = change_email(api, smtp, user, new)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        post(api, "/api/account/update_email", user, {
            "email": new, "validation_code": vcode, "verification_code": wrong})
    r = post(api, "/api/account/update_email", user, {
        "email": new, "validation_code": vcode, "verification_code": code})
    unicat_error(r, *VALIDATION)


def test_email_change_only_the_newest_request_counts(api, smtp, user, unique):
    first, second = ("%s@example.net" % unique(p) for p in ("f1", "f2"))
    v1, c1, _ = change_email(api, smtp, user, first)
    v2, c2, _ = change_email(api, smtp, user, second)
    r = post(api, "/api/account/update_email", user, {
        "email": first, "validation_code": v1, "verification_code": c1})
    unicat_error(r, *VALIDATION)
    assert me(post(api, "/api/account/update_email", user, {
        "email": second, "validation_code": v2, "verification_code": c2}),
        user)["email"] == second


def test_email_change_refuses_taken_and_bad_addresses(api, smtp, user, unique):
    other = unicat_signup(api, smtp, unique, prefix="tk")
    cases = [(other["email"], "is not available"),
             (other["email"].upper(), "is not available"),
             (user["email"], "is your address already"),
             ("not an address", None), ("a@b", None)]
    for email, reason in cases:
        r = post(api, "/api/account/update_email_request", user, {"email": email})
        info = unicat_error(r, *VALIDATION)["result"]["info"]
        assert list(info) == ["email"], (email, info)
        if reason:
            assert info["email"] == reason
    unicat_error(post(api, "/api/account/update_email_request", user, {}), *BAD_REQUEST,
                 info={"Missing parameter": "email"})


def test_email_taken_between_request_and_proof(api, smtp, user, unique):
    new = "%s@example.net" % unique("race")
    vcode, code, _ = change_email(api, smtp, user, new)
    # Someone signs up with that address meanwhile: the proof comes too late.
    unicat_signup(api, smtp, ident=dict(new_identity(unique, "thief"), email=new))
    r = post(api, "/api/account/update_email", user, {
        "email": new, "validation_code": vcode, "verification_code": code})
    unicat_error(r, *VALIDATION, info={"email": "is not available"})
    assert unicat_init(api, user)["data"]["cc.users"][user["gid"]]["email"] == user["email"]


def test_two_users_race_for_one_new_address(make_signet, smtp, unique):
    # Two requests for one address within a minute: no cooldown here.
    api = make_signet(throttle_signup_email_cooldown=0).api
    a = unicat_signup(api, smtp, unique, prefix="ra")
    b = unicat_signup(api, smtp, unique, prefix="rb")
    new = "%s@example.net" % unique("one")
    va, ca, _ = change_email(api, smtp, a, new)
    vb, cb, _ = change_email(api, smtp, b, new)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        ra, rb = ex.map(lambda args: post(api, "/api/account/update_email", args[0], {
            "email": new, "validation_code": args[1], "verification_code": args[2]}),
            [(a, va, ca), (b, vb, cb)])
    assert sorted([ra.status_code, rb.status_code]) == [200, 422], (ra.text, rb.text)
    winner, loser = (a, b) if ra.status_code == 200 else (b, a)
    lost = ra if winner is b else rb
    unicat_error(lost, *VALIDATION, info={"email": "is not available"})
    assert unicat_init(api, winner)["data"]["cc.users"][winner["gid"]]["email"] == new
    assert unicat_init(api, loser)["data"]["cc.users"][loser["gid"]]["email"] == \
        loser["email"]


# --------------------------------------------------------------------------- deletion

def test_delete_account(make_signet, smtp, pg, unique):
    # No cooldown between the two signups of one address, for the last step.
    api = make_signet(throttle_signup_email_cooldown=0).api
    user = unicat_signup(api, smtp, unique, prefix="del")
    since = smtp.mark()
    r = post(api, "/api/account/delete", user, {"confirm": True})
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "result": {}, "data": {}}
    assert "Authorization" not in r.headers
    # No token of it works, no login, and nothing of it is kept.
    unicat_error(api.get("/api/init", headers=bearer(user)), *UNAUTHORIZED)
    login_fails(api, user["username"], user["password"])
    assert pg.sql_value("SELECT count(*) FROM users WHERE ascii_lower(email) = "
                        "ascii_lower($1)", user["email"]) == "0"
    bye = smtp.wait_for(to=user["email"], since=since)
    assert bye["Subject"] == "Your account was deleted"
    # The username and the address are free again.
    again = unicat_signup(api, smtp, ident={k: user[k] for k in
                                            ("username", "email", "password")})
    assert again["gid"] != user["gid"]


def test_delete_needs_confirm_true(api, user):
    unicat_error(post(api, "/api/account/delete", user, {}), *BAD_REQUEST,
                 info={"Missing parameter": "confirm"})
    for bad in (False, "true", 1):
        unicat_error(post(api, "/api/account/delete", user, {"confirm": bad}),
                     *BAD_REQUEST, info={"Invalid parameter": "confirm"})
    assert unicat_login(api, user)["jwt"]


def test_owner_cannot_delete_the_account(api, signet, user):
    project = make_project(signet, user, "Kept")
    r = post(api, "/api/account/delete", user, {"confirm": True})
    unicat_error(r, *VALIDATION,
                 info={"projects": "the account owns projects: deletion failed"})
    assert unicat_init(api, user)["result"]["user_projects"] == {project: ["owner"]}


def test_delete_ends_memberships_and_invitations(api, smtp, pg, signet, unique):
    owner, project, member = invited(api, smtp, signet, unique)
    assert member["gid"] in unicat_init(api, owner)["data"]["cc.users"]
    assert post(api, "/api/account/delete", member, {"confirm": True}).status_code == 200
    init = unicat_init(api, owner)
    assert member["gid"] not in init["data"]["cc.users"]
    assert all(m["user_gid"] != member["gid"] for m in init["data"]["cc.projects_members"])
    assert pg.sql_value("SELECT count(*) FROM users WHERE gid = $1::uuid",
                        member["gid"]) == "0"


def test_deletion_racing_logins_leaves_no_token(api, smtp, user):
    def login(_):
        return api.post("/api/login", json={"username": user["username"],
                                            "password": user["password"]})

    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        logins = [ex.submit(login, i) for i in range(5)]
        gone = ex.submit(post, api, "/api/account/delete", user, {"confirm": True})
        answers = [f.result() for f in logins]
        assert gone.result().status_code == 200, gone.result().text
    tokens = [r.headers["Authorization"] for r in answers if r.status_code == 200]
    for jwt in tokens:
        unicat_error(api.get("/api/init", headers=bearer(jwt)), *UNAUTHORIZED)
    assert all(r.status_code in (200, 403) for r in answers), [r.text for r in answers]


# ---------------------------------------------------------------------- leave_project

def invited(api, smtp, signet, unique, accept=True):
    """An owner, their project and a user invited to it (who accepted): the three."""
    owner = unicat_signup(api, smtp, unique, prefix="ow")
    project = make_project(signet, owner, "Team")
    member = unicat_signup(api, smtp, unique, prefix="mem")
    assert unicat_invite(api, owner, project, member["username"]).status_code == 200
    if accept:
        assert post(api, "/api/account/accept_invite", member,
                    {"project": project}).status_code == 200
    return owner, project, member


def test_leave_project(api, smtp, signet, unique):
    owner, project, member = invited(api, smtp, signet, unique)
    r = post(api, "/api/account/leave_project", member, {"project": project})
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "result": {}, "data": {}}
    assert unicat_init(api, member)["result"]["user_projects"] == {}
    # Gone is gone; the owner stays.
    for who, reason in ((member, "is not a project of yours"),
                        (owner, "is yours: an owner cannot leave it")):
        r = post(api, "/api/account/leave_project", who, {"project": project})
        unicat_error(r, *VALIDATION, info={"project": reason})
    r = post(api, "/api/account/leave_project", member, {"project": "not-a-gid"})
    unicat_error(r, *VALIDATION, info={"project": "is not a project id"})
    unicat_error(post(api, "/api/account/leave_project", member, {}), *BAD_REQUEST,
                 info={"Missing parameter": "project"})


def test_leave_an_invitation_not_yet_answered(api, smtp, signet, unique):
    owner, project, member = invited(api, smtp, signet, unique, accept=False)
    assert post(api, "/api/account/leave_project", member,
                {"project": project}).status_code == 200
    init = unicat_init(api, owner)
    assert all(m["user_gid"] != member["gid"] for m in init["data"]["cc.projects_members"])


# ------------------------------------------------------------ documented, not served

@pytest.mark.parametrize("path", ["/api/account/upload_avatar",
                                  "/api/account/delete_avatar"])
def test_avatar_calls_answer_501(api, user, path):
    for headers in (bearer(user), {}):
        unicat_error(api.post(path, json={}, headers=headers), 501, 501,
                     "Not implemented")


def test_password_change_kills_other_personalities_tokens(api, smtp, unique):
    """A password changed through Unicat ends FreeSewing's tokens of the account too."""
    user = unicat_signup(api, smtp, unique, prefix="xk")
    r = freesewing_login(api, user["email"], PASSWORD)
    assert r.status_code == 200, r.text
    fs_token = r.json()["token"]
    r = api.get("/whoami/jwt", headers={"Authorization": "Bearer " + fs_token})
    assert r.status_code == 200, r.text
    assert post(api, "/api/account/update", user,
                {"password": NEW_PASSWORD}).status_code == 200
    r = api.get("/whoami/jwt", headers={"Authorization": "Bearer " + fs_token})
    assert r.status_code == 401, r.text
    assert r.json() == {"result": "error", "error": "authenticationFailed"}
