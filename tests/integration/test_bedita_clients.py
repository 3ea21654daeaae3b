"""BEdita personality, applications (issue 13): POST /auth with grant_type
client_credentials for the applications of bedita_clients_file, their renewal, and what
their tokens may not do."""

from harness.flows import (bedita_active_user, bedita_error, bedita_patch, bedita_renew,
                           jwt_claims, secret_file)


def bearer(token):
    return {"Authorization": "Bearer " + token}


CLIENTS = """# applications that may log in by themselves
myapp   s3cret-value-0123456789   My App
  other othersecret
lonely
"""


def test_client_credentials(make_signet, smtp, unique, tmp_path, api):
    path = secret_file(tmp_path, "bedita-clients", CLIENTS)
    stack = make_signet(bedita_clients_file=path)
    creds = {"grant_type": "client_credentials", "client_id": "myapp",
             "client_secret": "s3cret-value-0123456789"}
    r = stack.api.post("/auth", json=creds)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"meta", "links"}
    jwt, app_renew = body["meta"]["jwt"], body["meta"]["renew"]
    c = jwt_claims(jwt)
    assert c["app"] == {"id": "myapp", "name": "My App"} and c["sub"] == "app:myapp"
    assert c["typ"] == "access" and jwt_claims(app_renew)["typ"] == "renew"
    assert "s3cret" not in r.text
    # A name is optional (the id then), and a JSON:API wrapper is read too.
    r = stack.api.post("/auth", json={"data": {"attributes": {
        "grant_type": "client_credentials", "client_id": "other",
        "client_secret": "othersecret"}}})
    assert r.status_code == 200, r.text
    assert jwt_claims(r.json()["meta"]["jwt"])["app"] == {"id": "other", "name": "other"}
    # Wrong or missing credentials.
    for bad in ({"client_secret": "s3cret-value-012345678"},
                {"client_secret": "s3cret-value-0123456789x"},
                {"client_secret": "othersecret"}, {"client_secret": ""},
                {"client_secret": None}, {"client_id": "nobody"},
                {"client_id": "lonely", "client_secret": ""},
                {"client_id": "# applications", "client_secret": "that"}):
        r = stack.api.post("/auth", json=dict(creds, **bad))
        bedita_error(r, 401, "App authentication failed")
    # The app's renew token gives a new app pair; its access token is no user.
    r = bedita_renew(stack.api, app_renew)
    assert r.status_code == 200, r.text
    assert jwt_claims(r.json()["meta"]["jwt"])["app"]["id"] == "myapp"
    assert r.json()["meta"]["renew"] != app_renew
    bedita_error(bedita_renew(stack.api, jwt), 401, "Login request not successful")
    for path_ in ("/auth/user", "/auth"):
        r = stack.api.get(path_, headers=bearer(jwt))
        bedita_error(r, 401, "Authentication is required to continue")
    r = bedita_patch(stack.api, "/auth/user", {"name": "App"}, jwt)
    bedita_error(r, 401, "Authentication is required to continue")
    # A user logging in alongside is unaffected.
    ident = bedita_active_user(stack.api, smtp, unique)
    r = stack.api.get("/auth/user", headers=bearer(ident["jwt"]))
    assert r.status_code == 200 and r.json()["data"]["id"] == ident["id"], r.text
    # An application taken out of the file: its renew token is refused.
    with open(path, "w") as f:
        f.write("other othersecret\n")
    stack.signet.reload(stack.signet.extra_config)
    bedita_error(bedita_renew(stack.api, app_renew), 401, "Application unauthorized")
    r = stack.api.post("/auth", json=creds)
    bedita_error(r, 401, "App authentication failed")
    # Without bedita_clients_file no application logs in.
    r = api.post("/auth", json=creds)
    bedita_error(r, 401, "App authentication failed")
    assert "s3cret" not in stack.signet.log_text()


def test_client_credentials_throttled(make_signet, tmp_path, pg):
    """Wrong credentials count as failed logins of the address."""
    stack = make_signet(bedita_clients_file=secret_file(tmp_path, "bedita-clients", CLIENTS),
                        throttle_exempt="", throttle_login_addr_hourly=2)
    pg.sql("DELETE FROM throttles WHERE key LIKE 'login-addr:%'")
    try:
        wrong = {"grant_type": "client_credentials", "client_id": "myapp",
                 "client_secret": "guess"}
        for _ in range(2):
            bedita_error(stack.api.post("/auth", json=wrong), 401,
                         "App authentication failed")
        r = stack.api.post("/auth", json=dict(wrong, client_secret="s3cret-value-0123456789"))
        bedita_error(r, 429, "Too Many Requests")
        assert int(r.headers["Retry-After"]) > 0
    finally:
        pg.sql("DELETE FROM throttles WHERE key LIKE 'login-addr:%'")
