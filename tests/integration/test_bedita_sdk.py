"""A real BEdita client against signet: the official BEdita JS SDK
(@atlasconsulting/bedita-sdk, pinned in tests/sdk/package.json, installed by
contrib/dev/test with `npm ci`) run by Debian's node through tests/sdk/walk.mjs:
signup, activation (the uuid read here from the SMTP sink and handed to the script),
authenticate(), getUserAuth(), renewTokens(), a password change through PATCH
/auth/user, the client-credentials login and optout.  The walk notes every exchange it
makes (SIGNET_WALK_EXCHANGES): each goes to the OpenAPI check like an Api's.

Without node or the SDK the test fails and says why: it never skips."""

import json
import os
import queue
import subprocess
import threading

import pytest

import harness
from harness.api import Api, Exchange
from harness.flows import PASSWORD, bedita_link, link_query, secret_file

NODE = "/usr/bin/node"
SDK_DIR = os.path.join(harness.SRCDIR, "tests", "sdk")
SDK_PACKAGE = os.path.join(SDK_DIR, "node_modules", "@atlasconsulting", "bedita-sdk",
                           "package.json")
NEW_PASSWORD = "harbour-violet-compass-97"
CLIENT_ID, CLIENT_SECRET = "sdk-walk", "a-long-random-client-secret-4711"
WALK_TIMEOUT = 120


def sdk_version():
    """The pinned version (package.json) and the installed one, or None."""
    with open(os.path.join(SDK_DIR, "package.json")) as f:
        pinned = json.load(f)["dependencies"]["@atlasconsulting/bedita-sdk"]
    try:
        with open(SDK_PACKAGE) as f:
            return pinned, json.load(f)["version"]
    except FileNotFoundError:
        return pinned, None


def require_sdk():
    if not os.access(NODE, os.X_OK):
        pytest.fail("%s not found: the BEdita SDK walk needs Debian's node "
                    "(apt-get install nodejs npm; contrib/dev/test installs them)" % NODE,
                    pytrace=False)
    pinned, installed = sdk_version()
    if installed is None:
        pytest.fail("the BEdita SDK is not installed: %s is missing.  Run `npm ci` in %s "
                    "(contrib/dev/test does, and needs the npm registry for it); "
                    "this test does not skip without it" % (SDK_PACKAGE, SDK_DIR),
                    pytrace=False)
    if installed != pinned:
        pytest.fail("tests/sdk/node_modules holds @atlasconsulting/bedita-sdk %s, "
                    "package.json pins %s: run `npm ci` in %s" % (installed, pinned, SDK_DIR),
                    pytrace=False)


def node_env(**more):
    """The environment without proxies (axios honours http_proxy even for loopback)."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "*"
    env.update(more)
    return env


def hand_over(path):
    """The walk's exchanges (one JSON object a line) to the OpenAPI check; how many."""
    n = 0
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            if Api.recorder is not None:
                Api.recorder(Exchange(e["method"], e["url"], e["headers"], e["body"],
                                      e["status"], e["response_headers"],
                                      e["response_body"]))
            n += 1
    return n


def test_bedita_sdk_walk(make_signet, smtp, unique, pg, tmp_path):
    require_sdk()
    stack = make_signet(bedita_clients_file=secret_file(
        tmp_path, "bedita-clients", "%s %s The SDK walk\n" % (CLIENT_ID, CLIENT_SECRET)))
    username = unique("sdk")
    email = "%s@example.org" % username
    since = smtp.mark()
    exchanges = tmp_path / "exchanges.jsonl"
    proc = subprocess.Popen(
        [NODE, os.path.join(SDK_DIR, "walk.mjs"), stack.url, username, email, PASSWORD,
         NEW_PASSWORD, CLIENT_ID, CLIENT_SECRET],
        cwd=SDK_DIR, env=node_env(SIGNET_WALK_EXCHANGES=str(exchanges)),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()
    errors = []

    def read_out():
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)  # the end

    def read_err():
        for line in proc.stderr:
            errors.append(line.rstrip("\n"))

    threads = [threading.Thread(target=read_out, daemon=True),
               threading.Thread(target=read_err, daemon=True)]
    for t in threads:
        t.start()
    out = []
    try:
        while True:
            try:
                line = lines.get(timeout=WALK_TIMEOUT)
            except queue.Empty:
                pytest.fail("the SDK walk said nothing for %ss; so far:\n%s\n%s" % (
                    WALK_TIMEOUT, "\n".join(out), "\n".join(errors)), pytrace=False)
            if line is None:
                break
            out.append(line)
            if line == "need-uuid " + email:
                link = bedita_link(smtp, email, since)
                proc.stdin.write(link_query(link)["uuid"] + "\n")
                proc.stdin.flush()
        rc = proc.wait(timeout=WALK_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for t in threads:
        t.join(5)
    report = "\n".join(out + errors)
    noted = hand_over(exchanges) if exchanges.exists() else 0
    assert rc == 0 and out[-1:] == ["walk ok"], "the SDK walk failed:\n" + report
    assert noted >= 15, "the walk noted %d exchanges" % noted
    for step in ("signup", "activation", "bad password", "authenticate", "getUserAuth",
                 "renewTokens", "password change", "client credentials", "optout"):
        assert "ok " + step in out, report
    # What the walk left behind: the mails of each step, and no account.
    smtp.wait_for(to=email, since=since, subject="Your password was changed")
    smtp.wait_for(to=email, since=since, subject="Your account was deleted")
    assert pg.sql_value("SELECT count(*) FROM users WHERE lower(username) = lower($1)",
                        username) == "0"
    assert CLIENT_SECRET not in stack.signet.log_text()
