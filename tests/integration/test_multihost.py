"""Two signet hosts on one PostgreSQL through pgbouncer, in network namespaces (issue 14).

    db      PostgreSQL (10.77.0.2:5432) + pgbouncer 1.18 in transaction pooling (:6432)
    host1   nginx (10.77.0.3:80) + signet (2 workers and 2 mailers)
    host2   nginx (10.77.0.4:80) + signet (2 workers and 2 mailers)
    client  this test's HTTP requests and the one SMTP sink (10.77.0.100:2525)

joined by a bridge in a namespace of its own (harness/netns.py): nothing is added to the
machine's own network.  Each host's workers go through pgbouncer with db_statements =
unnamed; each mailer's mailer_database goes straight to PostgreSQL (its LISTEN needs a
session).  The client's address is not in the hosts' throttle_exempt (127.0.0.0/8), so
the per-address limits apply to it.  Requests for one account alternate between the
hosts: every limit, code and mail must hold across them, because all of it lives in
PostgreSQL.

Without root or `ip netns` the module is skipped with the reason (never passed).  The
namespaces and everything in them go at the end, also on failure; a run killed before
that leaves them behind, and the next run removes them (netns.cleanup_leftovers()).
"""

import concurrent.futures
import os
import signal
import time

import pytest

from harness import Api, Nginx, Signet, SmtpSink, extract_code, wait_until
from harness.flows import (PASSWORD, new_identity, unicat_error, unicat_login,
                           unicat_signup_request)
from harness.netns import Lab, LabPostgres, cleanup_leftovers, netns_usable
from harness.pgbouncer import Pgbouncer

HOSTS = ("host1", "host2")
POOL_SIZE = 10
MAILERS = 2          # mail_concurrency, the default: mailer processes per host
ACCOUNT_LIMIT = 5      # throttle_login_account_hourly: failures per account and hour
ADDR_LIMIT = 6         # throttle_login_addr_hourly: failures per client address and hour


class Host:
    def __init__(self, name, ns, signet, nginx):
        self.name = name
        self.ns = ns
        self.addr = ns.addr
        self.signet = signet
        self.nginx = nginx
        self.api = Api("http://%s" % ns.addr, timeout=30)

    def start(self):
        with self.ns.inside():
            self.signet.start(extra_config=self.signet.extra_config)
            self.nginx.start()

    def stop(self):
        try:
            self.nginx.stop()
        finally:
            self.signet.stop(check=True)


class World:
    pass


def host_config(lab, pool, pg):
    return {
        "database": pool.dsn,                       # the workers: through pgbouncer
        "db_statements": "unnamed",
        "mailer_database": pg.dsn,                  # the mailers: straight to PostgreSQL
        "mail_concurrency": str(MAILERS),
        "throttle_exempt": "127.0.0.0/8",           # not the client (10.77.0.100)
        "throttle_login_account_free": "5",
        "throttle_login_account_hourly": str(ACCOUNT_LIMIT),
        "throttle_login_addr_hourly": str(ADDR_LIMIT),
        "throttle_signup_addr_hourly": "0",         # 400 signups come from one client
        "workers": "2",
    }


@pytest.fixture(scope="module")
def world(keys):
    ok, why = netns_usable()
    if not ok:
        pytest.skip("multi-host namespace test skipped: %s" % why)
    removed = cleanup_leftovers()
    if removed:
        print("removed namespaces left by a killed earlier run: %s" % " ".join(removed))
    lab = Lab(["db", "host1", "host2", "client"])
    w = World()
    w.lab, w.pg, w.pool, w.smtp, w.hosts = lab, None, None, None, {}
    try:
        w.pg = LabPostgres(lab["db"], basedir=lab.dir)
        with lab["db"].inside():
            w.pool = Pgbouncer(w.pg, port=6432, host=lab.addr("db"), pg_host="127.0.0.1",
                               pool_size=POOL_SIZE, directory=os.path.join(lab.dir, "pgbouncer"))
        with lab["client"].inside():
            w.smtp = SmtpSink(port=2525, host=lab.addr("client"))
        for name in HOSTS:
            ns = lab[name]
            d = os.path.join(lab.dir, name)
            s = Signet(os.path.join(d, "signet"), w.pg, w.smtp, keys,
                       public_url="http://%s" % ns.addr,
                       extra_config=host_config(lab, w.pool, w.pg), name=name)
            os.makedirs(os.path.join(d, "nginx"))
            n = Nginx(os.path.join(d, "nginx"), 80, s.socket)
            # contrib/nginx/signet.conf listens on 127.0.0.1: this host also answers on
            # its lab address.
            server = os.path.join(n.dir, "signet-server.conf")
            with open(server) as f:
                text = f.read()
            with open(server, "w") as f:
                f.write(text.replace("listen 127.0.0.1:80;",
                                     "listen 127.0.0.1:80;\n\tlisten %s:80;" % ns.addr))
            w.hosts[name] = Host(name, ns, s, n)
            w.hosts[name].start()
        yield w
    finally:
        errors = []
        for h in w.hosts.values():
            try:
                h.stop()
            except Exception as e:  # stop everything, then report
                errors.append(str(e))
        if w.smtp is not None:
            with lab["client"].inside():
                w.smtp.stop()
        for thing in (w.pool, w.pg):
            if thing is not None:
                try:
                    thing.destroy()
                except Exception as e:
                    errors.append(str(e))
        lab.destroy()
        if errors:
            pytest.fail("\n".join(errors), pytrace=False)


@pytest.fixture(autouse=True)
def in_client(request):
    """Each test on the world runs in the client's namespace: its requests come from
    10.77.0.100."""
    if "world" not in request.fixturenames:
        yield
        return
    world = request.getfixturevalue("world")
    with world.lab["client"].inside():
        yield


def other(name):
    return HOSTS[1 - HOSTS.index(name)]


def alternate(n, first="host1"):
    """n host names, alternating, starting with first."""
    return [HOSTS[(HOSTS.index(first) + i) % 2] for i in range(n)]


def signup(world, unique, request_on="host1", signup_on="host2"):
    """signup_request on one host, signup with the mailed code on the other; the
    identity with gid and jwt."""
    w = world
    ident = new_identity(unique, "mh")
    since = w.smtp.mark()
    r = unicat_signup_request(w.hosts[request_on].api, ident)
    assert r.status_code == 200, r.text
    vcode = r.json()["result"]["validation_code"]
    code = extract_code(w.smtp.wait_for(to=ident["email"], since=since, timeout=30))
    r = w.hosts[signup_on].api.post("/api/signup", json={
        "username": ident["username"], "password": ident["password"],
        "email": ident["email"], "validation_code": vcode, "verification_code": code})
    assert r.status_code == 200, r.text
    ident.update(gid=r.json()["result"]["user"], jwt=r.headers["Authorization"])
    return ident


def clear_addr_throttles(world):
    world.pg.sql("DELETE FROM throttles WHERE key LIKE 'login-addr:%'")


def mailer_pids(signet):
    """The master's children with a TCP connection to PostgreSQL's port 5432 itself (the
    workers talk to pgbouncer's 6432): the mailers."""
    pids = set()
    for pid in signet.workers():
        try:
            inodes = {os.readlink("/proc/%d/fd/%s" % (pid, fd))
                      for fd in os.listdir("/proc/%d/fd" % pid)}
            with open("/proc/%d/net/tcp" % pid) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if cols[2].endswith(":1538") and "socket:[%s]" % cols[9] in inodes:
                pids.add(pid)
    return pids


def backends_by_addr(world):
    rows = world.pg.sql("SELECT host(client_addr), count(*) FROM pg_stat_activity "
                        "WHERE datname = 'signet' AND usename = 'signet' GROUP BY 1")
    return {a: int(n) for a, n in rows}


# ------------------------------------------------------------------------------ tests

def test_workers_through_pgbouncer_mailers_direct(world):
    w = world
    for _ in range(3):
        for h in w.hosts.values():
            assert h.api.get("/api/health").status_code == 200
    by_addr = backends_by_addr(w)
    # One direct connection per mailer of a host.  Every other session of signet comes
    # from pgbouncer (127.0.0.1 in the db namespace), at most its pool size.
    for h in w.hosts.values():
        assert by_addr.get(h.addr) == MAILERS, by_addr
    assert 1 <= by_addr.get("127.0.0.1", 0) <= POOL_SIZE, by_addr
    clients = {c["addr"] for c in w.pool.show("CLIENTS") if c["database"] == "signet"}
    assert {h.addr for h in w.hosts.values()} <= clients, clients
    for h in w.hosts.values():
        assert len(mailer_pids(h.signet)) == MAILERS, \
            "not %d mailers connected to 5432 on %s" % (MAILERS, h.name)


def test_signup_request_on_host1_signup_on_host2(world, unique):
    w = world
    ident = signup(w, unique, "host1", "host2")
    # The account is the same everywhere: the token of host2 works on host1, and the
    # password logs in on both, each one's token good on the other.
    r = w.hosts["host1"].api.get("/api/init", headers={"Authorization": ident["jwt"]})
    assert r.status_code == 200 and r.json()["result"]["user"] == ident["gid"], r.text
    for h in HOSTS:
        jwt = unicat_login(w.hosts[h].api, ident)["jwt"]
        r = w.hosts[other(h)].api.get("/api/init", headers={"Authorization": jwt})
        assert r.status_code == 200 and r.json()["result"]["user"] == ident["gid"], r.text
    time.sleep(1)
    assert len(w.smtp.find(to=ident["email"])) == 1
    # The other way round too.
    signup(w, unique, "host2", "host1")


@pytest.mark.parametrize("sixth_on", HOSTS)
def test_login_limit_per_account_across_hosts(world, unique, sixth_on):
    w = world
    ident = signup(w, unique)
    clear_addr_throttles(w)
    bad = {"username": ident["username"], "password": "wrong-" + PASSWORD}
    # Five failures, alternating, so that the sixth try lands on sixth_on.
    for h in alternate(ACCOUNT_LIMIT, other(sixth_on)):
        unicat_error(w.hosts[h].api.post("/api/login", json=bad), 403, 403, "Unknown user")
    for h in (sixth_on, other(sixth_on)):
        unicat_error(w.hosts[h].api.post("/api/login", json=bad), 429, 429,
                     "Too many requests")
        # The right password waits too: nothing is hashed while throttled.
        r = w.hosts[h].api.post("/api/login", json={"username": ident["username"],
                                                     "password": PASSWORD})
        assert r.status_code == 429, r.text
    # It was the account's limit, counted on both hosts: the address had 5 of its 6.
    uid = w.pg.sql_value("SELECT id FROM users WHERE username = $1", ident["username"])
    assert w.pg.sql_value("SELECT count FROM throttles WHERE key = $1",
                          "login-id:%s" % uid) == str(ACCOUNT_LIMIT)
    assert w.pg.sql_value("SELECT sum(count) FROM throttles WHERE key LIKE 'login-addr:%'") \
        == str(ACCOUNT_LIMIT)


@pytest.mark.parametrize("last_on", HOSTS)
def test_login_limit_per_address_across_hosts(world, unique, last_on):
    w = world
    clear_addr_throttles(w)
    # Failures for as many different (unknown) accounts: only the address is common.
    for h in alternate(ADDR_LIMIT, other(last_on)):
        r = w.hosts[h].api.post("/api/login", json={"username": unique("nobody"),
                                                     "password": "x"})
        unicat_error(r, 403, 403, "Unknown user")
    for h in (last_on, other(last_on)):
        r = w.hosts[h].api.post("/api/login", json={"username": unique("nobody"),
                                                     "password": "x"})
        unicat_error(r, 429, 429, "Too many requests")
    assert w.pg.sql_value("SELECT sum(count) FROM throttles WHERE key LIKE 'login-addr:%'") \
        == str(ADDR_LIMIT)
    clear_addr_throttles(w)


def test_code_tries_counted_across_hosts(world, unique):
    w = world
    ident = new_identity(unique, "mh")
    since = w.smtp.mark()
    r = unicat_signup_request(w.hosts["host1"].api, ident)
    assert r.status_code == 200, r.text
    vcode = r.json()["result"]["validation_code"]
    code = extract_code(w.smtp.wait_for(to=ident["email"], since=since, timeout=30))
    wrong = "%06d" % ((int(code) + 1) % 1000000)

    def step2(h, c):
        return w.hosts[h].api.post("/api/signup", json={
            "username": ident["username"], "password": ident["password"],
            "email": ident["email"], "validation_code": vcode, "verification_code": c})

    for h in alternate(5, "host2"):
        body = unicat_error(step2(h, wrong), 422, 1001, "Validation error")
        assert body["result"]["info"]["verification_code"] == "is not the code we sent"
    assert w.pg.sql_value("SELECT attempts FROM pending_signups WHERE lower(email) = "
                          "lower($1)", ident["email"]) == "5"
    # Five tries in all, on two hosts: the right code is dead on either.
    for h in HOSTS:
        body = unicat_error(step2(h, code), 422, 1001, "Validation error")
        assert "too many" in body["result"]["info"]["verification_code"], body


def test_logout_on_host1_revokes_on_host2(world, unique):
    w = world
    ident = signup(w, unique)
    jwt = unicat_login(w.hosts["host2"].api, ident)["jwt"]
    for h in HOSTS:
        assert w.hosts[h].api.get("/api/init", headers={"Authorization": jwt}).status_code == 200
    r = w.hosts["host1"].api.post("/api/logout", headers={"Authorization": jwt})
    assert r.status_code == 200, r.text
    for h in HOSTS:
        for token in (jwt, ident["jwt"]):
            r = w.hosts[h].api.get("/api/init", headers={"Authorization": token})
            assert r.status_code == 401, (h, r.text)


def test_mail_is_prompt_through_direct_listen(world, unique):
    """A mail queued (and NOTIFYed) goes out within 2 s, four times in a row: the mailers'
    LISTEN reaches PostgreSQL (through pgbouncer it would not: 5 s polls)."""
    w = world
    for _ in range(4):
        to = unique("prompt") + "@example.org"
        w.pg.sql("INSERT INTO mail_outbox (recipient, subject, body) VALUES ($1, 'p', 'p'); "
                 "SELECT pg_notify('signet_mail', '')", to)
        t0 = time.monotonic()
        w.smtp.wait_for(to=to, timeout=15)
        assert time.monotonic() - t0 < 2.0, "took %.1f s" % (time.monotonic() - t0)


def many_signups(world, unique, n, during=None):
    """n signup requests spread over both hosts (4 at a time); during(count) is called
    from here while they and their mails are under way.  Returns the addresses."""
    w = world
    idents = [new_identity(unique, "bulk") for _ in range(n)]
    errors = []

    def one(i):
        r = unicat_signup_request(w.hosts[HOSTS[i % 2]].api, idents[i])
        if r.status_code != 200:
            errors.append("%s: %d %s" % (HOSTS[i % 2], r.status_code, r.text[:200]))

    # Threads made here live in the client's namespace too (they are made inside it).
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        futures = [ex.submit(one, i) for i in range(n)]
        if during is not None:
            during(futures)
        for f in futures:
            f.result(timeout=120)
    assert not errors, errors[:5]
    return [i["email"].lower() for i in idents]


def received(world, addrs):
    """{address: [Mail, ...]} of the mails the sink has for addrs."""
    want = set(addrs)
    out = {a: [] for a in addrs}
    for m in world.smtp.messages:
        for a in m.recipients() & want:
            out[a].append(m)
    return out


def wait_all_delivered(world, addrs, timeout=180):
    wait_until(lambda: all(received(world, addrs).values()), timeout,
               "a mail to each of %d addresses" % len(addrs), interval=0.5)
    # Anything sent twice would come within a retry's time: give it a moment.
    time.sleep(3)
    rows = world.pg.sql("SELECT count(*) FILTER (WHERE sent_at IS NULL), count(*) FROM "
                        "mail_outbox WHERE lower(recipient) = ANY($1::text[])",
                        "{%s}" % ",".join(addrs))
    assert rows[0] == ("0", str(len(addrs))), rows


def test_200_signups_every_mail_once(world, unique):
    w = world
    w.smtp.delay = 0.01   # ~6 replies a mail: both mailers get a share of the work
    try:
        addrs = many_signups(w, unique, 200)
        wait_all_delivered(w, addrs)
    finally:
        w.smtp.delay = 0
    got = received(w, addrs)
    twice = {a: len(ms) for a, ms in got.items() if len(ms) != 1}
    assert not twice, "mails not delivered exactly once: %s" % twice
    senders = {ms[0].peer for ms in got.values()}
    assert senders == {h.addr for h in w.hosts.values()}, \
        "both hosts' mailers should have sent some: %s" % senders


def test_200_signups_mailer_killed_midway(world, unique):
    """As above, with one of host1's mailers SIGKILLed while mails go out; its master
    starts a new one.  Delivery is at least once: a mailer killed after the SMTP server's 250 and
    before its COMMIT leaves that one row unsent, and it goes out again.  So the only
    duplicate allowed is one mail whose first copy host1 sent before the kill and whose
    second came after it; nothing may be lost."""
    w = world
    host1 = w.hosts["host1"]
    before = mailer_pids(host1.signet)
    assert len(before) == MAILERS, before
    victim = min(before)
    killed = {}

    def kill_midway(futures):
        def sent_by_host1():
            return sum(1 for m in w.smtp.messages if m.peer == host1.addr and
                       m.received_at > start)
        wait_until(lambda: sent_by_host1() >= 20, 90, "host1's mailers to send 20 mails",
                   interval=0.05)
        killed["at"] = time.time()
        os.kill(victim, signal.SIGKILL)

    start = time.time()
    w.smtp.delay = 0.01
    try:
        addrs = many_signups(w, unique, 200, during=kill_midway)
        new = wait_until(lambda: mailer_pids(host1.signet) - before, 30,
                         "host1's master to start a new mailer")
        assert victim not in mailer_pids(host1.signet)
        wait_all_delivered(w, addrs)
    finally:
        w.smtp.delay = 0
    got = received(w, addrs)
    after = [m for ms in got.values() for m in ms if m.received_at > killed["at"]]
    assert after, "the kill came after the last mail: nothing was under way"
    dups = {a: ms for a, ms in got.items() if len(ms) > 1}
    assert len(dups) <= 1, "more than one mail twice: %s" % {a: len(m) for a, m in dups.items()}
    for a, ms in dups.items():
        assert len(ms) == 2, (a, len(ms))
        first, second = sorted(ms, key=lambda m: m.received_at)
        assert first.peer == host1.addr and first.received_at <= killed["at"] and \
            second.received_at >= killed["at"], \
            "a duplicate that the kill does not explain: %s" % [
                (m.peer, m.received_at - killed["at"]) for m in ms]
    # The new mailer is connected straight to PostgreSQL again.
    wait_until(lambda: backends_by_addr(w).get(host1.addr) == MAILERS, 15,
               "host1's new mailer (pid %s) on PostgreSQL" % new)
    assert host1.signet.running()


def test_one_host_stopped_the_other_serves(world, unique):
    w = world
    host1 = w.hosts["host1"]
    host1.stop()
    try:
        with pytest.raises(Exception):
            host1.api.get("/api/health", timeout=3)
        # The whole flow on host2 alone, its mailer sending the code.
        ident = signup(w, unique, "host2", "host2")
        unicat_login(w.hosts["host2"].api, ident)
    finally:
        host1.start()
    ident = signup(w, unique, "host1", "host2")
    unicat_login(host1.api, ident)


def test_postgresql_restart_both_recover(world, unique):
    w = world
    pids = {h.name: h.signet.pid for h in w.hosts.values()}
    w.pg.stop("fast")
    try:
        for h in w.hosts.values():
            # pgbouncer 1.18 holds a query up to query_wait_timeout (5 s here), then
            # gives up on it: a 503, not a hang.
            r = h.api.get("/api/health", timeout=30)
            assert r.status_code == 503, (h.name, r.text)
    finally:
        w.pg.start()
    for h in w.hosts.values():
        wait_until(lambda: h.api.get("/api/health").status_code == 200, 30,
                   "%s healthy after PostgreSQL's restart" % h.name, interval=0.5)
    # Both serve whole flows again, and both mailers are back on their direct LISTEN.
    signup(w, unique, "host1", "host2")
    signup(w, unique, "host2", "host1")
    wait_until(lambda: all(backends_by_addr(w).get(h.addr) == MAILERS
                           for h in w.hosts.values()),
               15, "both mailers reconnected")
    test_mail_is_prompt_through_direct_listen(w, unique)
    # Nobody restarted signet: the same masters recovered alone.
    assert {h.name: h.signet.pid for h in w.hosts.values()} == pids


def test_leftovers_of_a_killed_run_are_removed():
    """What a run killed before its teardown left (namespaces with processes in them,
    its state directory) goes at the start of the next one; a live run's stays."""
    ok, why = netns_usable()
    if not ok:
        pytest.skip("multi-host namespace test skipped: %s" % why)
    import subprocess
    from harness.netns import PREFIX, Netns, ip, state_dir
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = "%s%d-db" % (PREFIX, gone.pid)
    live = "%s%d-zz" % (PREFIX, os.getpid())
    sleeper = None
    try:
        for n in (dead, live):
            ip("netns", "add", n)
        os.makedirs(state_dir(gone.pid), exist_ok=True)
        sleeper = subprocess.Popen(["ip", "netns", "exec", dead, "sleep", "60"])
        wait_until(lambda: Netns(dead).pids(), 10, "a process inside " + dead)
        removed = cleanup_leftovers()
        assert dead in removed and live not in removed, removed
        sleeper.wait(10)                     # killed, not left running
        listed = ip("netns", "list").stdout.decode()
        assert dead not in listed and live in listed, listed
        assert not os.path.exists(state_dir(gone.pid))
    finally:
        if sleeper is not None and sleeper.poll() is None:
            sleeper.kill()
        for n in (dead, live):
            ip("netns", "del", n, check=False)
