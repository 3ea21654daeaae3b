"""pytest fixtures for signet's integration tests (the machinery is the package
tests/harness, put on sys.path here: `from harness import extract_code`).

Session-wide, started on first use and stopped at the end of the session:
  pg      private PostgreSQL cluster: .port .dsn .sql(q, *params) .sql_value() .stop() .start()
          (SIGNET_TEST_PGBOUNCER=1: .pool, pgbouncer in front of it, which signet uses)
  smtp    SMTP sink in this process: .wait_for(to=...) .messages .clear() .mark() .stop() .start()
  signet  the daemon (from $SIGNET_BUILDDIR/src/signet): .pid .workers() .hashers() .config .stop()
          .restart(extra_config={...}) .reload(...) .log_text() .log_tail()
  nginx   in front of signet: .url
  api     HTTP client on nginx: .get(path, **kw) .post(path, json=..., **kw)
Per test:
  make_signet(extra_config=None, nginx=True, **keys) -> Stack(.signet, .nginx, .api, .url):
          another signet (same database, keys and SMTP sink) with other config keys, behind
          its own nginx; stopped at the end of the test.
Front ends (harness/frontends.py), parametrized over nginx, lighttpd, Apache, spawn-fcgi
(or $SIGNET_TEST_FRONTENDS), each started once per session, one at a time:
  frontend        per test: a Frontend (.name .url .api .signet); the test fails if a
                  process of the stack died or logged a sanitizer report during it.
  frontend_stack  the same, session-scoped, without the per-test check.

Between tests a guard puts the shared world back: it starts PostgreSQL and the SMTP sink
again if a test stopped them, restarts the shared signet with the base config if a test
restarted it with extras (or stopped it), clears the SMTP sink, and fails the test if the
shared signet died or any signet logged a sanitizer report during it.

The same guard checks the test's HTTP exchanges against doc/openapi.yaml: every request an
Api sent during the test (and the fixtures it used) and its answer must be what the
document says (harness/openapi.py has the rules); each mismatch fails the test, named with
the exchange.  What a test must do that the document does not describe is said, with the
reason, never skipped silently:
  @pytest.mark.openapi_exempt("nginx answers 502 for the request of a killed worker",
                              status=502)      # only those statuses (int or tuple);
                                               # without status=, all of the test's
  Api(url, exempt="an echo responder, not signet")   # a server that is not signet
The session's last lines count the exchanges checked and list the exempted ones by reason.

Example:

    from harness import extract_code

    def test_signup_mail(api, smtp):
        r = api.post("/api/signup_request", json={"username": "ann", "email": "ann@example.org",
                                                  "password": "correct horse battery"})
        assert r.status_code == 200
        code = extract_code(smtp.wait_for(to="ann@example.org"))

    def test_short_code_ttl(make_signet):
        stack = make_signet(code_ttl=2)
        assert stack.api.get("/api/health").status_code == 200
"""

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import harness  # noqa: E402  (after the path is set)
from harness import Api, Keys, Nginx, Postgres, Signet, SmtpSink, Stack, free_port  # noqa: E402
from harness.frontends import selected, start_frontend  # noqa: E402
from harness.pgbouncer import Pgbouncer, pgbouncer_wanted  # noqa: E402

OPENAPI_PATH = os.path.join(harness.SRCDIR, "doc", "openapi.yaml")

# Session objects already made (the guard touches only these) and every Signet made.
_SESSION = {}
_ALL_SIGNETS = []


def pytest_report_header(config):
    return "signet: SIGNET_SRCDIR=%s SIGNET_BUILDDIR=%s%s" % (
        harness.SRCDIR, harness.BUILDDIR,
        "; through pgbouncer (SIGNET_TEST_PGBOUNCER=1): database via the pool, "
        "db_statements = unnamed, mailer_database direct" if pgbouncer_wanted() else "")


def _shared(name, thing, stop):
    """Yield thing as the session's `name` (the guard watches it), then stop(thing)."""
    _SESSION[name] = thing
    try:
        yield thing
    finally:
        _SESSION.pop(name, None)
        stop(thing)


def _pg_destroy(pg):
    try:
        if getattr(pg, "pool", None) is not None:
            pg.pool.destroy()
    finally:
        pg.destroy()


@pytest.fixture(scope="session")
def pg():
    """The cluster; with SIGNET_TEST_PGBOUNCER=1 also pgbouncer in transaction pooling in
    front of it (pg.pool), which every Signet's `database` then goes through with
    db_statements = unnamed, while its mailer_database and the tests' own SQL go
    direct (harness/signet.py, harness/pgbouncer.py)."""
    p = Postgres()
    try:
        if pgbouncer_wanted():
            p.pool = Pgbouncer(p)
    except Exception:
        p.destroy()
        raise
    yield from _shared("pg", p, _pg_destroy)


@pytest.fixture(scope="session")
def smtp():
    yield from _shared("smtp", SmtpSink(), SmtpSink.stop)


@pytest.fixture(scope="session")
def keys(tmp_path_factory):
    return Keys(str(tmp_path_factory.mktemp("keys")))


@pytest.fixture(scope="session")
def nginx_port():
    """The port of the shared nginx, known before signet starts (its public_url)."""
    return free_port()


@pytest.fixture(scope="session")
def signet(pg, smtp, keys, nginx_port, tmp_path_factory):
    s = Signet(tmp_path_factory.mktemp("signet"), pg, smtp, keys,
               public_url="http://127.0.0.1:%d" % nginx_port)
    _ALL_SIGNETS.append(s)
    try:
        s.start()
        _SESSION["signet"] = s
        yield s
    finally:
        _SESSION.pop("signet", None)
        s.stop(check=True)  # a non-zero exit, stray worker or sanitizer report fails here


@pytest.fixture(scope="session")
def nginx(signet, nginx_port, tmp_path_factory):
    n = Nginx(tmp_path_factory.mktemp("nginx"), nginx_port, signet.socket)
    try:
        n.start()
        yield n
    finally:
        n.stop()


@pytest.fixture(scope="session")
def api(nginx):
    return Api(nginx.url)


@pytest.fixture
def make_signet(pg, smtp, keys, tmp_path_factory):
    """Factory: make_signet(extra_config=None, nginx=True, **keys) -> Stack.

    Starts another signet on the shared database, keys and SMTP sink with the base config
    plus extra_config and keyword keys (make_signet(code_ttl=2)), behind its own nginx
    unless nginx=False (then .nginx, .api and .url are None).  Stopped after the test."""
    stacks = []

    def make(extra_config=None, nginx=True, **kw):
        cfg = dict(extra_config or {})
        cfg.update(kw)
        port = free_port()
        s = Signet(tmp_path_factory.mktemp("signet-extra"), pg, smtp, keys,
                   public_url="http://127.0.0.1:%d" % port, extra_config=cfg,
                   name="signet#%d" % (len(stacks) + 1))
        _ALL_SIGNETS.append(s)
        stack = Stack(s, None, None)
        stacks.append(stack)
        s.start()
        if nginx:
            n = Nginx(tmp_path_factory.mktemp("nginx-extra"), port, s.socket)
            stack.nginx = n
            n.start()
            stack.api = Api(n.url)
            stack.url = n.url
        return stack

    yield make

    errors = []
    for stack in reversed(stacks):
        try:
            stack.stop()
        except Exception as e:  # stop them all, then report
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


@pytest.fixture(scope="session", params=selected())
def frontend_stack(request, pg, smtp, keys, tmp_path_factory):
    fe = start_frontend(request.param, request, pg, smtp, keys, tmp_path_factory)
    try:
        yield fe
    finally:
        try:
            fe.stop()
        finally:
            d = getattr(fe, "cleanup_dir", None)
            if d and not os.environ.get("SIGNET_TEST_KEEP"):
                shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def frontend(frontend_stack):
    frontend_stack.problems()  # forget what happened before this test
    yield frontend_stack
    problems = frontend_stack.problems()
    if problems:
        pytest.fail("%s front end:\n%s\n%s" % (frontend_stack.name, "\n".join(problems),
                                                frontend_stack.log_tail(40)),
                    pytrace=False)


@pytest.fixture(autouse=True)
def _harness_guard(request):
    smtp = _SESSION.get("smtp")
    if smtp is not None:
        smtp.clear()
    yield
    problems = _openapi_problems(request.node)

    pg = _SESSION.get("pg")
    if pg is not None and not pg.accepting():
        pg.start()
    if pg is not None and getattr(pg, "pool", None) is not None and not pg.pool.running():
        problems.append("pgbouncer died during this test:\n" + pg.pool.log_tail())
        pg.pool.start()
    smtp = _SESSION.get("smtp")
    if smtp is not None:
        smtp.reply = None
        smtp.start()

    s = _SESSION.get("signet")
    if s is not None:
        if s.proc is not None and s.proc.poll() is not None:
            problems.append("the shared signet died during this test (status %s)\n"
                            "--- log tail:\n%s" % (s.proc.returncode, s.log_tail(60)))
            s.stop(check=False)
        if s.proc is None:
            s.start(extra_config={})
        elif s.extra_config:
            s.restart(extra_config={}, check=False)
            if s.last_problem:
                problems.append(s.last_problem)
                s.last_problem = None

    for s in _ALL_SIGNETS:
        reports = s.new_sanitizer_reports()
        if reports:
            problems.append("%s logged sanitizer reports:\n%s\n--- log tail:\n%s" % (
                s.name, "\n".join(reports), s.log_tail(80)))
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


# ------------------------------------------------------------ the OpenAPI check

_EXCHANGES = []         # what every Api recorded since the last check
_OPENAPI = {"doc": None, "error": None, "checked": 0, "exempt": {}, "seen": set(),
            "mismatched": 0}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "openapi_exempt(reason, status=None): this test's exchanges (only those "
        "answered with status, an int or a tuple, when given) are not checked against "
        "doc/openapi.yaml, for the reason given")
    Api.recorder = _EXCHANGES.append


def _openapi_doc():
    """The document, loaded once; None after a failure (its reason in _OPENAPI)."""
    if _OPENAPI["doc"] is None and _OPENAPI["error"] is None:
        try:
            from harness.openapi import Document
            _OPENAPI["doc"] = Document(OPENAPI_PATH)
        except ImportError as e:
            _OPENAPI["error"] = ("the OpenAPI check needs Debian's python3-yaml and "
                                 "python3-jsonschema (apt-get install python3-yaml "
                                 "python3-jsonschema; contrib/dev/test does): %s" % e)
        except Exception as e:  # a document that does not load fails every test
            _OPENAPI["error"] = "%s does not load: %s" % (OPENAPI_PATH, e)
    return _OPENAPI["doc"]


def _openapi_problems(node):
    """Check the exchanges recorded since the last call; the mismatches, each named."""
    taken = _EXCHANGES[:]
    del _EXCHANGES[:len(taken)]
    if not taken:
        return []
    doc = _openapi_doc()
    if doc is None:
        return [_OPENAPI["error"]]
    from harness.openapi import exempt_reason
    marks = list(node.iter_markers("openapi_exempt"))
    out = []
    for ex in taken:
        try:
            reason = exempt_reason(ex, marks)
        except ValueError as e:
            return ["%s: %s" % (node.nodeid, e)]
        if reason is not None:
            key = (node.nodeid.split("[")[0], reason)
            _OPENAPI["exempt"][key] = _OPENAPI["exempt"].get(key, 0) + 1
            continue
        _OPENAPI["checked"] += 1
        found = doc.path_item(ex.path)
        if found is not None:
            _OPENAPI["seen"].add(("GET" if ex.method == "HEAD" else ex.method, found[0]))
        try:
            problems = doc.check(ex)
        except Exception as e:  # the checker's own failure, named with its exchange
            problems = ["%r: the check failed: %r" % (ex, e)]
        if problems:
            _OPENAPI["mismatched"] += 1
            out.extend(problems)
    if out:
        return ["doc/openapi.yaml does not describe what this test's requests got "
                "(fix the document or the code; tests/harness/openapi.py has the rules):"
                "\n  " + "\n  ".join(out[:40]) +
                ("\n  ... and %d more" % (len(out) - 40) if len(out) > 40 else "")]
    return []


def pytest_sessionfinish(session):
    """Exchanges made after the last test (session fixtures stopping) are checked too."""
    problems = _openapi_problems(session)
    if problems:
        sys.stderr.write("\nafter the last test: %s\n" % "\n".join(problems))
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    w = terminalreporter
    if _OPENAPI["checked"] == 0 and not _OPENAPI["exempt"]:
        return
    w.section("OpenAPI check")
    w.line("%d exchanges checked against doc/openapi.yaml, %d did not match it" % (
        _OPENAPI["checked"], _OPENAPI["mismatched"]))
    if _OPENAPI["exempt"]:
        w.line("%d exempted:" % sum(_OPENAPI["exempt"].values()))
        for (where, reason), n in sorted(_OPENAPI["exempt"].items()):
            w.line("  %6d  %s: %s" % (n, where, reason))
    doc = _OPENAPI["doc"]
    if doc is not None:
        unseen = [m + " " + t for m, t in doc.operations() if (m, t) not in _OPENAPI["seen"]]
        if unseen:
            w.line("operations no test of this run exercised: %s" % ", ".join(unseen))


@pytest.fixture
def unique():
    """unique(prefix) -> a name no other test uses (for usernames and emails)."""
    counter = [0]
    base = "%x%x" % (os.getpid() & 0xffff, int.from_bytes(os.urandom(3), "big"))

    def make(prefix="u"):
        counter[0] += 1
        return "%s%s%d" % (prefix, base, counter[0])
    return make
