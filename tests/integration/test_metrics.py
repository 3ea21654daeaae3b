"""GET /metrics (issue 15): Prometheus' text format, parsed by Debian's
python3-prometheus-client; counters summed over every worker and mailer in shared
memory, moving as known requests go by, kept when the processes are replaced; served
only to metrics_allow.  And log_format = json: every line one JSON object.

Counters are compared before and after: the shared signet has served other tests.
Nothing here waits on a clock: a wait polls for a state with a generous deadline."""

import json
import os
import signal

from harness.flows import (PASSWORD, api_as, bedita_login, bedita_signup_activate, bearer,
                           freesewing_login, new_identity, sample, scrape, unicat_error,
                           unicat_login, unicat_signup, unicat_signup_request)
from harness.proc import wait_until

FAMILIES = [
    "signet_build_info", "signet_requests_total", "signet_request_duration_seconds",
    "signet_logins_total", "signet_signups_total", "signet_auth_events_total",
    "signet_throttle_hits_total", "signet_password_hash_seconds",
    "signet_hash_wait_seconds", "signet_hash_permits_in_use", "signet_hash_permits_waiting",
    "signet_hash_permits", "signet_mail_sent_total", "signet_mail_failed_total",
    "signet_mail_given_up_total", "signet_mail_queue_depth",
    "signet_mail_oldest_unsent_age_seconds", "signet_db_errors_total",
    "signet_db_reconnects_total", "signet_workers_alive", "signet_mailers_alive",
    "signet_worker_restarts_total", "signet_mailer_restarts_total",
    "signet_hashers_alive", "signet_hasher_restarts_total",
    "signet_audit_write_failures_total",
]


def logins(s, personality, outcome):
    return sample(s, "signet_logins_total", personality=personality, outcome=outcome)


def requests_of(s, route, status):
    return sample(s, "signet_requests_total", route=route, status=str(status))


def test_exposition_parses_with_every_family(api):
    r = api.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    text = r.text
    for name in FAMILIES:
        assert "# TYPE %s " % name in text, name
    s = scrape(api)
    assert sample(s, "signet_workers_alive") == 2
    assert sample(s, "signet_mailers_alive") == 2
    assert sample(s, "signet_hash_permits") >= 1
    assert any(k[0] == "signet_build_info" and s[k] == 1 for k in s)
    # Every personality's login outcomes are there from the start, zero or not.
    for p in ("unicat", "bedita", "freesewing"):
        for o in ("ok", "bad_password", "unknown_user", "throttled", "disabled",
                  "second_factor_required", "bad_second_factor", "busy"):
            assert ("signet_logins_total", (("outcome", o), ("personality", p))) in s
    # HEAD answers like GET, without a body.
    h = api.head("/metrics")
    assert h.status_code == 200 and h.content == b""


def test_counters_move_with_known_requests(api, smtp, unique):
    before = scrape(api)
    user = unicat_signup(api, smtp, unique)             # a signup: requested, completed
    unicat_login(api, user)                             # a login ok
    r = api.post("/api/login", json={"username": user["username"],
                                     "password": PASSWORD + "-wrong"})
    assert r.status_code == 403                         # a wrong password
    r = api.post("/api/login", json={"username": unique("nobody"), "password": PASSWORD})
    assert r.status_code == 403                         # an unknown user
    assert api.get("/no/such/path").status_code == 404
    after = scrape(api)

    def delta(fn, *a, **kw):
        return fn(after, *a, **kw) - fn(before, *a, **kw)

    assert delta(logins, "unicat", "ok") == 1
    assert delta(logins, "unicat", "bad_password") == 1
    assert delta(logins, "unicat", "unknown_user") == 1
    assert delta(logins, "bedita", "ok") == 0
    assert delta(sample, "signet_signups_total", personality="unicat",
                 stage="requested") == 1
    assert delta(sample, "signet_signups_total", personality="unicat",
                 stage="completed") == 1
    assert delta(requests_of, "login", 200) == 1
    assert delta(requests_of, "login", 403) == 2
    assert delta(requests_of, "signup_request", 200) == 1
    assert delta(requests_of, "unknown", 404) == 1
    assert delta(sample, "signet_request_duration_seconds_count", route="login") == 3
    # The buckets are cumulative and end with the count.
    inf = sample(after, "signet_request_duration_seconds_bucket", route="login", le="+Inf")
    assert inf == sample(after, "signet_request_duration_seconds_count", route="login")
    assert sample(after, "signet_request_duration_seconds_bucket", route="login",
                  le="0.001") <= inf
    # Hashes: the signup's, its check at step 2, three logins (one for the unknown user).
    assert delta(sample, "signet_password_hash_seconds_count") == 5
    assert delta(sample, "signet_hash_wait_seconds_count") == 5
    assert delta(sample, "signet_auth_events_total", event="login", outcome="ok") == 1
    # The mail the signup sent: counted once the mailer committed it.
    wait_until(lambda: sample(scrape(api), "signet_mail_sent_total")
               > sample(before, "signet_mail_sent_total"), 30, "signet_mail_sent_total")


def test_each_personality_counts_apart(api, smtp, unique):
    ident = bedita_signup_activate(api, smtp, unique)
    before = scrape(api)
    bedita_login(api, ident)
    r = freesewing_login(api, ident["username"], ident["password"])
    assert r.status_code == 200, r.text
    after = scrape(api)
    assert logins(after, "bedita", "ok") - logins(before, "bedita", "ok") == 1
    assert logins(after, "freesewing", "ok") - logins(before, "freesewing", "ok") == 1
    assert logins(after, "unicat", "ok") == logins(before, "unicat", "ok")
    assert (sample(after, "signet_signups_total", personality="bedita", stage="completed")
            >= 1)


def test_throttle_hits_by_kind(api, smtp, unique):
    ident = new_identity(unique)
    before = scrape(api)
    assert unicat_signup_request(api, ident).status_code == 200
    # The same address again within throttle_signup_email_cooldown (60 s): refused.
    assert unicat_signup_request(api, ident).status_code == 429
    after = scrape(api)
    key = ("signet_throttle_hits_total", (("kind", "signup_email"),))
    assert after[key] - before.get(key, 0) == 1
    assert requests_of(after, "signup_request", 429) - requests_of(
        before, "signup_request", 429) == 1


def test_not_allowed_clients_get_404(make_signet):
    stack = make_signet(metrics_allow="10.0.0.0/8, 2001:db8::/32")
    for r in (stack.api.get("/metrics"), stack.api.post("/metrics", json={})):
        unicat_error(r, 404, 404, "Not found")           # as for no such path
    # Reloaded (a key SIGHUP may change): the new workers answer.
    stack.signet.reload({"metrics_allow": "127.0.0.1"})
    wait_until(lambda: stack.api.get("/metrics").status_code == 200, 30, "allowed")
    r = stack.api.post("/metrics", json={})              # allowed, but not GET
    unicat_error(r, 405, 405, "Method not allowed")
    assert r.headers["Allow"] == "GET"
    stack.signet.reload({"metrics_allow": ""})           # empty: nobody
    wait_until(lambda: stack.api.get("/metrics").status_code == 404, 30, "refused")
    unicat_error(stack.api.get("/metrics"), 404, 404, "Not found")


def test_counters_survive_replaced_processes(make_signet, smtp, unique):
    stack = make_signet()
    user = unicat_signup(stack.api, smtp, unique)
    unicat_login(stack.api, user)
    before = scrape(stack.api)
    assert logins(before, "unicat", "ok") >= 1
    children = stack.signet.children()
    assert len(stack.signet.hashers()) == 2
    assert len(children) == 6                            # 2 workers, 2 mailers, 2 hashers
    assert sample(before, "signet_hashers_alive") == 2
    for pid in children:
        os.kill(pid, signal.SIGKILL)

    def replaced():
        if set(stack.signet.children()) & set(children):
            return None
        try:
            s = scrape(stack.api)
        except (AssertionError, OSError):
            return None
        ok = (sample(s, "signet_workers_alive") == 2 and sample(s, "signet_mailers_alive") == 2
              and sample(s, "signet_hashers_alive") == 2
              and sample(s, "signet_worker_restarts_total") == 2
              and sample(s, "signet_mailer_restarts_total") == 2
              and sample(s, "signet_hasher_restarts_total") == 2)
        return s if ok else None

    after = wait_until(replaced, 30, "the master to replace its 6 children")
    # Nothing counted before the kills is lost; the new processes add to it.
    assert logins(after, "unicat", "ok") == logins(before, "unicat", "ok")
    assert requests_of(after, "login", 200) == requests_of(before, "login", 200)
    assert (sample(after, "signet_password_hash_seconds_count")
            == sample(before, "signet_password_hash_seconds_count"))
    unicat_login(stack.api, user)
    assert logins(scrape(stack.api), "unicat", "ok") == logins(before, "unicat", "ok") + 1
    assert "killed by signal 9" in stack.signet.log_text()


def test_mail_failures_and_the_queue(api, smtp, unique):
    before = scrape(api)
    smtp.stop()                                          # the guard starts it again
    ident = new_identity(unique)
    assert unicat_signup_request(api, ident).status_code == 200

    def failed():
        s = scrape(api)
        return s if sample(s, "signet_mail_failed_total") > sample(
            before, "signet_mail_failed_total") else None

    during = wait_until(failed, 30, "a failed mail attempt to be counted")
    assert sample(during, "signet_mail_queue_depth") >= 1
    assert sample(during, "signet_mail_oldest_unsent_age_seconds") >= 0
    since = smtp.mark()
    smtp.start()
    smtp.wait_for(to=ident["email"], since=since, timeout=60)
    wait_until(lambda: sample(scrape(api), "signet_mail_sent_total")
               > sample(during, "signet_mail_sent_total"), 30, "the mail to be counted sent")


def test_database_away_counts_errors_and_metrics_still_answer(api, pg):
    before = scrape(api)
    pg.stop()                                            # the guard starts it again
    try:
        assert api.get("/api/health").status_code == 503
        during = scrape(api)                             # no database needed
        assert sample(during, "signet_db_errors_total") > sample(before,
                                                                "signet_db_errors_total")
        assert ("signet_mail_queue_depth", ()) not in during
    finally:
        pg.start()
    wait_until(lambda: api.get("/api/health").status_code == 200, 30, "health again")
    after = scrape(api)
    assert ("signet_mail_queue_depth", ()) in after
    assert sample(after, "signet_db_reconnects_total") > sample(before,
                                                               "signet_db_reconnects_total")


def test_json_log_lines(make_signet, smtp, unique):
    stack = make_signet(log_format="json")
    agent = api_as(stack.api, "metrics-json-test")
    assert agent.get("/api/health").status_code == 200
    assert agent.get("/no/such/thing").status_code == 404
    user = unicat_signup(stack.api, smtp, unique)
    r = stack.api.post("/api/login", json={"username": user["username"],
                                           "password": user["password"]})
    assert r.status_code == 200
    jwt = r.headers["Authorization"]
    assert stack.api.post("/api/logout", headers=bearer(jwt)).status_code == 200

    def lines():
        text = stack.signet.log_text()
        start = text.rindex("--- starting ")
        out = []
        for line in text[start:].splitlines()[1:]:
            if line.startswith("--- ") or not line.strip():
                continue                                 # the harness's own lines
            out.append(json.loads(line))                 # every other line is JSON
        return out

    def request_lines():
        got = [o for o in lines() if "request_id" in o]
        routes = {o["route"] for o in got}
        return got if {"health", "unknown", "login", "logout"} <= routes else None

    got = wait_until(request_lines, 30, "the request lines in the log")
    health = [o for o in got if o["route"] == "health"][0]
    assert health["method"] == "GET" and health["status"] == 200
    assert health["path"] == "/api/health"
    assert health["client"] == "127.0.0.1"
    assert isinstance(health["duration_ms"], (int, float))
    assert isinstance(health["worker"], int) and health["worker"] >= 0
    assert health["level"] == "info" and health["time"].endswith("Z")
    assert "-" in health["request_id"]
    unknown = [o for o in got if o["route"] == "unknown"][0]
    assert unknown["status"] == 404 and unknown["path"] == "/no/such/thing"
    others = [o for o in lines() if "request_id" not in o]
    assert others and all({"time", "level", "pid", "msg"} <= set(o) for o in others)
    text = stack.signet.log_text()
    for secret in (user["password"], jwt.split()[-1], user["jwt"].split()[-1]):
        assert secret not in text


def test_contrib_names_only_metrics_that_exist(api):
    """contrib/prometheus (the dashboard, the alert rules) names no metric signet lacks."""
    import re
    from harness.proc import SRCDIR
    have = set()
    for m in re.finditer(r"^# TYPE (\S+) (\S+)$", api.get("/metrics").text, re.M):
        have.add(m.group(1))
        if m.group(2) == "histogram":
            have |= {m.group(1) + x for x in ("_bucket", "_sum", "_count")}
    for f in ("grafana-dashboard.json", "prometheus.yml"):
        with open(os.path.join(SRCDIR, "contrib", "prometheus", f)) as fh:
            text = fh.read()
        if f.endswith(".json"):
            json.loads(text)
        names = set(re.findall(r"\bsignet_[a-z_]+", text))
        assert names, f
        missing = {n for n in names if n not in have}
        assert not missing, "%s names %s" % (f, sorted(missing))
