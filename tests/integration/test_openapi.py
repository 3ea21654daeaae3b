"""doc/openapi.yaml, the OpenAPI 3.1 document of the three APIs: Redocly CLI lints it
(pinned in contrib/openapi, installed by contrib/dev/test), its paths are src/wire/route.c's
table, the checker that holds every test's exchanges against it (harness/openapi.py,
run by conftest.py's guard) catches what it must, and signet serves it at
GET /api/openapi.yaml when openapi_file names it.

Without node or Redocly CLI the lint fails and says why: it never skips."""

import copy
import json
import os
import re
import subprocess

import pytest
import requests
import yaml

from harness import BUILDDIR, SRCDIR
from harness.flows import unicat_error
from harness.openapi import Document, exempt_reason

NODE = "/usr/bin/node"
DOC = os.path.join(SRCDIR, "doc", "openapi.yaml")
LINT_DIR = os.path.join(SRCDIR, "contrib", "openapi")
REDOCLY = os.path.join(LINT_DIR, "node_modules", "@redocly", "cli")
ROUTES = os.path.join(SRCDIR, "src", "wire", "route.c")
PERSONA = {"UNICAT": ["unicat"], "BEDITA": ["bedita"], "FREESEWING": ["freesewing"],
           "signup_persona": ["bedita", "freesewing"]}


@pytest.fixture(scope="module")
def doc():
    return Document(DOC)


# ------------------------------------------------------------------------------ lint

def test_redocly_lint():
    with open(os.path.join(LINT_DIR, "package.json")) as f:
        pinned = json.load(f)["dependencies"]["@redocly/cli"]
    if not os.access(NODE, os.X_OK):
        pytest.fail("%s not found: the lint of doc/openapi.yaml needs Debian's node "
                    "(apt-get install nodejs npm; contrib/dev/test installs them)" % NODE,
                    pytrace=False)
    try:
        with open(os.path.join(REDOCLY, "package.json")) as f:
            installed = json.load(f)["version"]
    except FileNotFoundError:
        pytest.fail("Redocly CLI is not installed: %s is missing.  Run `npm ci "
                    "--ignore-scripts` in %s (contrib/dev/test does, and needs the npm "
                    "registry for it); this test does not skip without it"
                    % (REDOCLY, LINT_DIR), pytrace=False)
    assert installed == pinned, ("Redocly CLI %s is installed, package.json pins %s: "
                                 "npm ci in %s" % (installed, pinned, LINT_DIR))
    env = dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true",
               NO_COLOR="1")
    r = subprocess.run([NODE, os.path.join(REDOCLY, "bin", "cli.js"), "lint", "--config",
                        "redocly.yaml", "--format", "stylish",
                        os.path.relpath(DOC, LINT_DIR)],
                       cwd=LINT_DIR, env=env, capture_output=True, text=True, timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 0, "redocly lint failed:\n" + out
    assert "valid" in out, out


# ------------------------------------------------------------- the document and route.c

def route_table():
    """src/wire/route.c's routes[]: [(set of methods, pattern, personalities, flags)]."""
    with open(ROUTES) as f:
        text = f.read()
    table = text[text.index("routes[] = {"):]
    table = table[:table.index("\n};")]
    rows = re.findall(r'\{\s*(M_[A-Z]+(?:\s*\|\s*M_[A-Z]+)*)\s*,\s*"([^"]+)"\s*,\s*'
                      r'(?:NULL\s*,\s*)?(UNICAT|BEDITA|FREESEWING|signup_persona)\s*,\s*'
                      r'([A-Z_|\s0]+?)\s*,', table)
    assert len(rows) == table.count('"/'), "a row of routes[] this test cannot read"
    return [({m.strip()[2:] for m in methods.split("|")}, pattern, PERSONA[who],
             flags.strip()) for methods, pattern, who, flags in rows]


def as_pattern(template):
    return re.sub(r"\{[^}]+\}", "*", template)


def test_every_route_is_documented_and_nothing_else(doc):
    routes = {}
    for methods, pattern, who, flags in route_table():
        for m in methods:
            routes[(m, pattern)] = (who, flags)
    documented = {(m, as_pattern(t)) for m, t in doc.operations()}
    assert set(routes) - documented == set(), "routes of route.c doc/openapi.yaml lacks"
    assert documented - set(routes) == set(), "operations of doc/openapi.yaml route.c lacks"
    for template, item in doc.spec["paths"].items():
        for method in [m for m in ("get", "put", "post", "patch", "delete") if m in item]:
            who, flags = routes[(method.upper(), as_pattern(template))]
            assert doc.personalities_of(item) == who, (template, who)
            security = item[method].get("security", doc.spec.get("security", []))
            # A route that needs a token: every way in has the bearer scheme.
            needs = ["bearer" in alt for alt in security]
            if "R_JWT" in flags or "R_AUTH" in flags:
                assert security and all(needs), (method, template, security)
            else:
                assert not any(needs), (method, template, security)


def test_unknown_paths_have_route_cs_owners(doc):
    with open(ROUTES) as f:
        text = f.read()
    owners = re.findall(r'\{\s*"([^"]+)"\s*,\s*(true|false)\s*,\s*&(\w+)_persona\s*\}', text)
    assert owners, "route.c's owners[] not found"
    want = [{"prefix" if prefix == "true" else "path": path, "personality": who}
            for path, prefix, who in owners]
    assert doc.spec["x-signet-unknown-paths"]["owners"] == want
    assert doc.spec["x-signet-unknown-paths"]["default"] == "unicat"


def test_version_is_the_package_version(doc):
    with open(os.path.join(SRCDIR, "configure.ac")) as f:
        version = re.search(r"AC_INIT\(\[signet\],\s*\[([^\]]+)\]", f.read()).group(1)
    assert doc.spec["info"]["version"] == version


# ------------------------------------------------------------------- the checker itself

class Fake:
    """An exchange made up here, with the attributes the checker reads."""

    def __init__(self, method, path, status, body=None, headers=None, request=None,
                 request_headers=None, content_type="application/json"):
        self.method, self.path, self.query, self.status = method, path, "", status
        h = {"Cache-Control": "no-store"}
        if body is not None:
            h["Content-Type"] = content_type
        h.update(headers or {})
        self.headers = requests.structures.CaseInsensitiveDict(h)
        self.body = b"" if body is None else json.dumps(body).encode()
        rh = {"Content-Type": "application/json"} if request is not None else {}
        rh.update(request_headers or {})
        self.request_headers = requests.structures.CaseInsensitiveDict(rh)
        self.request_body = None if request is None else json.dumps(request).encode()
        self.exempt = None


VCODE = {"success": True, "result": {"validation_code": "x" * 24}, "data": {}}
SIGNUP_REQUEST = {"username": "ann", "password": "pw", "email": "ann@example.org"}


def test_checker_catches_drift(doc):
    ok = Fake("POST", "/api/signup_request", 200, VCODE, request=SIGNUP_REQUEST)
    assert doc.check(ok) == []
    renamed = copy.deepcopy(VCODE)
    renamed["result"]["validation_cod"] = renamed["result"].pop("validation_code")
    problems = doc.check(Fake("POST", "/api/signup_request", 200, renamed,
                              request=SIGNUP_REQUEST))
    assert any("'validation_code' is a required property" in p for p in problems), problems
    assert any("'validation_cod' was unexpected" in p for p in problems), problems
    # A status the operation does not have, a path the document does not have.
    assert doc.check(Fake("POST", "/api/signup_request", 201, VCODE))
    assert doc.check(Fake("GET", "/api/nothing", 200, VCODE))
    # A 2xx answer to a request the document refuses (a required field missing).
    assert any("request body the document refuses" in p for p in doc.check(
        Fake("POST", "/api/signup_request", 200, VCODE, request={"username": "ann"})))
    # Headers: a required one missing, one of the wrong form.
    err = {"success": False, "result": {"code": 429, "message": "Too many requests",
                                        "info": {"retry_after": 5}}, "data": {}}
    assert doc.check(Fake("POST", "/api/login", 429, err, headers={"Retry-After": "5"})) == []
    assert any("Retry-After is missing" in p for p in doc.check(
        Fake("POST", "/api/login", 429, err)))
    assert doc.check(Fake("POST", "/api/login", 429, err, headers={"Retry-After": "soon"}))
    assert any("Cache-Control" in p for p in doc.check(
        Fake("POST", "/api/login", 429, err, headers={"Retry-After": "5",
                                                      "Cache-Control": "max-age=60"})))
    # A token route answered 2xx to a request without a token.
    assert any("security" in p for p in doc.check(Fake("GET", "/whoami/jwt", 200, {
        "result": "success", "account": {}})))
    # The wrong personality's envelope, the wrong media type.
    fs = {"result": "error", "error": "notFound"}
    assert doc.check(Fake("GET", "/api/nothing", 404, fs))
    assert doc.check(Fake("GET", "/confirm/x", 404, fs)) == []
    assert doc.check(Fake("GET", "/confirm/x", 404, fs,
                          content_type="application/vnd.api+json"))


def test_checker_405_and_allow(doc):
    body = {"success": False, "result": {"code": 405, "message": "Method not allowed",
                                         "info": {}}, "data": {}}
    assert doc.check(Fake("DELETE", "/api/init", 405, body,
                          headers={"Allow": "GET, POST"})) == []
    assert any("Allow" in p for p in doc.check(Fake("DELETE", "/api/init", 405, body,
                                                    headers={"Allow": "GET"})))
    assert doc.check(Fake("DELETE", "/api/init", 200, body, headers={"Allow": "GET, POST"}))
    fs = {"result": "error", "error": "methodNotAllowed"}
    be = {"error": {"status": "405", "title": "Method Not Allowed"},
          "links": {"self": "x", "home": "y"}}
    # /signup answers in either envelope; /login only in FreeSewing's.
    assert doc.check(Fake("GET", "/signup", 405, fs, headers={"Allow": "POST"})) == []
    assert doc.check(Fake("GET", "/signup", 405, be, headers={"Allow": "POST"},
                          content_type="application/vnd.api+json")) == []
    assert doc.check(Fake("GET", "/login", 405, be, headers={"Allow": "POST"},
                          content_type="application/vnd.api+json"))


def test_exemptions_say_why():
    ex = Fake("GET", "/api/health", 502)
    mark = pytest.mark.openapi_exempt
    assert exempt_reason(ex, [mark("why", status=502).mark]) == "why"
    assert exempt_reason(ex, [mark("why", status=(500, 504)).mark]) is None
    assert exempt_reason(ex, [mark("why").mark]) == "why"
    assert exempt_reason(ex, []) is None
    with pytest.raises(ValueError):
        exempt_reason(ex, [mark(status=502).mark])
    ex.exempt = "not signet"
    assert exempt_reason(ex, []) == "not signet"


# ------------------------------------------------------------------------- served

def test_served_only_when_configured(api, make_signet, tmp_path):
    # Off by default: Unicat's 404.
    unicat_error(api.get("/api/openapi.yaml"), 404, 404, "Not found", {})
    stack = make_signet(openapi_file=DOC)
    r = stack.api.get("/api/openapi.yaml")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/yaml"
    assert r.headers["Cache-Control"] == "no-store"
    with open(DOC, "rb") as f:
        assert r.content == f.read()
    assert yaml.safe_load(r.content)["openapi"].startswith("3.1")
    r = stack.api.head("/api/openapi.yaml")
    assert r.status_code == 200 and r.content == b""
    r = stack.api.post("/api/openapi.yaml", json={})
    unicat_error(r, 405, 405, "Method not allowed", {})
    assert r.headers["Allow"] == "GET"
    # A file that cannot be read is a configuration error, named.
    conf = tmp_path / "c.conf"
    with open(stack.signet.conf) as f:
        conf.write_text(f.read() + "openapi_file = %s\n" % (tmp_path / "nothing.yaml"))
    r = subprocess.run([os.path.join(BUILDDIR, "src", "signet"), "-t", "-c", str(conf)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "openapi_file" in r.stderr, r.stderr

