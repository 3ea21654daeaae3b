"""Whole user flows, reusable by every test and every front end.

    from harness.flows import unicat_signup, unicat_login
    user = unicat_signup(api, smtp, unique)      # -> dict(username, email, password, gid, jwt, body)
    jwt = unicat_login(api, user)["jwt"]
"""

import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

from .smtp import extract_code, extract_url

# Strong enough for zxcvbn's score 3 and free of any username or email part.
PASSWORD = "quartz-lantern-meadow-42"


def new_identity(unique, prefix="u"):
    name = unique(prefix)
    return {"username": name, "email": "%s@example.org" % name, "password": PASSWORD}


def unicat_signup_request(api, ident, **extra):
    body = {"username": ident["username"], "password": ident["password"],
            "email": ident["email"]}
    body.update(extra)
    return api.post("/api/signup_request", json=body)


def unicat_signup(api, smtp, unique=None, ident=None, prefix="u"):
    """Sign up through both Unicat steps with the code read from the mail received;
    returns the identity with gid, jwt and the step-2 body."""
    ident = dict(ident or new_identity(unique, prefix))
    since = smtp.mark()
    r = unicat_signup_request(api, ident)
    assert r.status_code == 200, r.text
    vcode = r.json()["result"]["validation_code"]
    code = extract_code(smtp.wait_for(to=ident["email"], since=since))
    r = api.post("/api/signup", json={
        "username": ident["username"], "password": ident["password"],
        "email": ident["email"], "validation_code": vcode, "verification_code": code})
    assert r.status_code == 200, r.text
    body = r.json()
    ident.update(gid=body["result"]["user"], jwt=r.headers["Authorization"], body=body)
    return ident


def unicat_login(api, ident):
    r = api.post("/api/login", json={"username": ident["username"],
                                     "password": ident["password"]})
    assert r.status_code == 200, r.text
    return {"jwt": r.headers["Authorization"], "body": r.json()}


def at_once(n, request, *args):
    """Send request(*args) n times at once (n threads); the status codes, sorted."""
    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        return sorted(f.result().status_code for f in
                      [ex.submit(request, *args) for _ in range(n)])


def unicat_error(r, http, code, message, info=None):
    """Assert r is Unicat's error envelope with these values."""
    assert r.status_code == http, r.text
    assert r.headers.get("Cache-Control") == "no-store"
    body = r.json()
    assert body["success"] is False
    assert body["data"] == {}
    assert body["result"]["code"] == code, body
    assert body["result"]["message"] == message, body
    if info is not None:
        assert body["result"]["info"] == info, body
    return body


# ---------------------------------------------------------------- admin, projects, invites

def admin(signet, *args, check=True, timeout=60):
    """Run signet-admin -c <signet's config> ARGS; returns the CompletedProcess (stdout and
    stderr decoded as .out and .err).  With check, a non-zero exit raises."""
    r = subprocess.run([signet.admin, "-c", signet.conf] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    r.out = r.stdout.decode("utf-8", "replace")
    r.err = r.stderr.decode("utf-8", "replace")
    if check:
        assert r.returncode == 0, "signet-admin %s: exit %d\n%s%s" % (
            " ".join(map(str, args)), r.returncode, r.out, r.err)
    return r


def make_project(signet, owner, name="Project"):
    """signet-admin project create for the user owner (an identity dict or a username);
    returns the new project's gid."""
    username = owner["username"] if isinstance(owner, dict) else owner
    r = admin(signet, "project", "create", "--owner", username, "--name", name)
    return r.out.strip()


def bearer(ident_or_jwt):
    jwt = ident_or_jwt["jwt"] if isinstance(ident_or_jwt, dict) else ident_or_jwt
    return {"Authorization": "Bearer " + jwt}


def unicat_invite(api, owner, project, who):
    """POST /api/p/<project>/members/invite as owner (identity dict with jwt)."""
    return api.post("/api/p/%s/members/invite" % project, json={"username_or_email": who},
                    headers=bearer(owner))


def unicat_init(api, ident):
    r = api.get("/api/init", headers=bearer(ident))
    assert r.status_code == 200, r.text
    return r.json()


def unicat_reset(api, smtp, ident, login=None):
    """Reset step 1 for the identity ident (by login, default its username) and the code
    mailed to its address.  Returns (validation_code, code, mail)."""
    since = smtp.mark()
    r = api.post("/api/reset_password_request",
                 json={"username_or_email": login or ident["username"]})
    assert r.status_code == 200, r.text
    vcode = r.json()["result"]["validation_code"]
    mail = smtp.wait_for(to=ident["email"], since=since, subject="reset")
    return vcode, extract_code(mail), mail


# ------------------------------------------------- BEdita and FreeSewing (signup by mailed link)

# Where BEdita's activation page would be; signet only mails links to it.
ACTIVATION_URL = "http://127.0.0.1:9/activate"
JSONAPI = "application/vnd.api+json"


def bedita_signup(api, ident, activation_url=ACTIVATION_URL, redirect_url=None,
                  headers=None, **extra):
    """POST /signup in BEdita's documented form (Accept: JSON:API, a plain JSON body)."""
    body = {"username": ident["username"], "password": ident["password"],
            "email": ident["email"], "activation_url": activation_url}
    if redirect_url is not None:
        body["redirect_url"] = redirect_url
    body.update(extra)
    h = {"Accept": JSONAPI}
    h.update(headers or {})
    return api.post("/signup", json=body, headers=h)


def bedita_link(smtp, email, since=None, pattern=r"\S+[?&]uuid=\S+"):
    """The activation link in the newest mail to email (after since)."""
    return extract_url(smtp.wait_for(to=email, since=since), pattern)


def link_query(link):
    """The query parameters of a link as a dict of single values."""
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def bedita_signup_mail(api, smtp, unique=None, ident=None, prefix="b", **kw):
    """BEdita signup, checked 202, and the uuid from the mail received.  Returns the
    identity with id (BEdita's string id), uuid, link and body."""
    ident = dict(ident or new_identity(unique, prefix))
    since = smtp.mark()
    r = bedita_signup(api, ident, **kw)
    assert r.status_code == 202, r.text
    link = bedita_link(smtp, ident["email"], since)
    ident.update(id=r.json()["data"]["id"], uuid=link_query(link)["uuid"], link=link,
                 body=r.json())
    return ident


def bedita_activate(api, uuid, headers=None):
    return api.post("/signup/activation", json={"uuid": uuid}, headers=headers)


def bedita_signup_activate(api, smtp, unique=None, ident=None, prefix="b", **kw):
    """BEdita signup and activation through the mailed link: an active account."""
    ident = bedita_signup_mail(api, smtp, unique, ident, prefix, **kw)
    r = bedita_activate(api, ident["uuid"])
    assert r.status_code == 202, r.text
    return ident


def bedita_auth(api, ident, **extra):
    body = {"username": ident["username"], "password": ident["password"]}
    body.update(extra)
    return api.post("/auth", json=body)


def bedita_error(r, status, title, detail=None, code=None):
    """Assert r is BEdita's error envelope with these values (detail/code None: not
    checked); returns the error object."""
    assert r.status_code == status, r.text
    assert r.headers.get("Cache-Control") == "no-store"
    assert r.headers["Content-Type"].startswith(JSONAPI), r.headers
    body = r.json()
    assert set(body) == {"error", "links"}, body
    err = body["error"]
    assert err["status"] == str(status), body
    assert err["title"] == title, body
    if detail is not None:
        assert err.get("detail") == detail, body
    if code is not None:
        assert err.get("code") == code, body
    assert body["links"]["self"].endswith(r.request.path_url), body
    assert body["links"]["home"].endswith("/home"), body
    return err


def bedita_login(api, ident, password=None):
    """POST /auth for ident, checked 200: (jwt, renew)."""
    r = api.post("/auth", json={"username": ident["username"],
                                "password": password or ident["password"]})
    assert r.status_code == 200, r.text
    return r.json()["meta"]["jwt"], r.json()["meta"]["renew"]


def bedita_active_user(api, smtp, unique):
    """A BEdita account, activated and logged in: the identity with jwt and renew."""
    ident = bedita_signup_activate(api, smtp, unique)
    ident["jwt"], ident["renew"] = bedita_login(api, ident)
    return ident


def bedita_patch(api, path, body, token=None, **kw):
    """PATCH path with a JSON body, as Bearer token when given."""
    headers = dict(kw.pop("headers", {}))
    if token:
        headers["Authorization"] = "Bearer " + token
    return api.request("PATCH", path, json=body, headers=headers, **kw)


def bedita_renew(api, token):
    """POST /auth grant_type refresh_token with token (a renew token)."""
    return api.post("/auth", json={"grant_type": "refresh_token"},
                    headers={"Authorization": "Bearer " + token})


def jwt_claims(token):
    """The payload of a JWT, unverified."""
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def secret_file(directory, name, text):
    """A file only its owner may read (signet refuses secret files others may)."""
    path = os.path.join(str(directory), name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def freesewing_signup(api, email, language="en", **extra):
    body = {"email": email, "language": language}
    body.update(extra)
    return api.post("/signup", json=body)


def freesewing_id(smtp, email, since=None):
    """The confirmation id at the end of the /confirm/signup/<id> link mailed to email."""
    mail = smtp.wait_for(to=email, since=since)
    m = re.search(r"\S+/confirm/signup/([A-Za-z0-9_-]+)", mail.text)
    assert m, "no confirmation link in:\n%s" % mail.text
    return m.group(1)


def freesewing_signup_mail(api, smtp, unique=None, email=None, language="en", prefix="f"):
    """FreeSewing signup, checked 201, and the id from the mail: dict(email, cid)."""
    email = email or "%s@example.org" % unique(prefix)
    since = smtp.mark()
    r = freesewing_signup(api, email, language)
    assert r.status_code == 201, r.text
    return {"email": email, "cid": freesewing_id(smtp, email, since)}


def freesewing_confirm(api, cid, consent=1):
    return api.post("/confirm/signup/%s" % cid, json={"consent": consent})


def freesewing_signup_confirm(api, smtp, unique=None, email=None, language="en"):
    """FreeSewing signup and confirmation: dict(email, cid, token, account)."""
    acct = freesewing_signup_mail(api, smtp, unique, email, language)
    r = freesewing_confirm(api, acct["cid"])
    assert r.status_code == 200, r.text
    acct.update(token=r.json()["token"], account=r.json()["account"])
    return acct


def freesewing_login(api, username, password):
    return api.post("/login", json={"username": username, "password": password})


def freesewing_error(r, status, code):
    """Assert r is FreeSewing's error envelope with this code."""
    assert r.status_code == status, r.text
    assert r.headers.get("Cache-Control") == "no-store"
    assert r.json() == {"result": "error", "error": code}, r.text


# ------------------------------------------------------------------ two-factor (TOTP)

def totp_code(secret, offset=0, at=None):
    """RFC 6238's code of the base32 secret for the 30-second step of at (default now)
    plus offset steps: HMAC-SHA1, 6 digits.  Written here from the RFC, apart from
    signet's liboath, so the tests prove what an authenticator app would compute."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30) + offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    value = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1000000)


def unicat_mfa_enrol(api, ident):
    """Unicat two-factor enrolment, both steps: returns (secret, recovery_codes)."""
    r = api.post("/api/account/mfa", json={"mfa": True}, headers=bearer(ident))
    assert r.status_code == 200, r.text
    secret = r.json()["result"]["mfa"]["secret"]
    r = api.post("/api/account/mfa", json={"mfa": True, "secret": secret,
                                           "token": totp_code(secret)},
                 headers=bearer(ident))
    assert r.status_code == 200, r.text
    return secret, r.json()["result"]["recovery_codes"]


# ---------------------------------------------------------------- operating: metrics, audit

def api_as(api, agent):
    """A client of the same server as api whose requests carry User-Agent agent (the
    audit log keeps it: a test finds its own rows by it)."""
    from .api import Api
    other = Api(api.base_url)
    other.session.headers["User-Agent"] = agent
    return other


def scrape(api, path="/metrics"):
    """GET /metrics, parsed by Debian's python3-prometheus-client (a real parser, not
    ours): {(sample name, ((label, value), ...)): value}.  Asserts the status, the
    content type, a HELP and TYPE for every family and that no sample repeats."""
    from prometheus_client.parser import text_string_to_metric_families
    r = api.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    samples = {}
    for fam in text_string_to_metric_families(r.text):
        assert fam.documentation, fam.name
        assert fam.type in ("counter", "gauge", "histogram"), (fam.name, fam.type)
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            assert key not in samples, "sample twice: %r" % (key,)
            samples[key] = s.value
    return samples


def sample(samples, name, **labels):
    """The value of sample name{labels} in scrape()'s result (0 when absent)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0)
