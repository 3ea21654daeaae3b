"""signet behind pgbouncer (Debian 12: 1.18) in transaction pooling, on loopback
(issue 14): why db_statements = unnamed exists, and that mailer_database takes the
mailer's connection (and its LISTEN) around the pool.  A database of its own
(signet_pooler) and a pgbouncer of its own, whatever the suite runs through.

The whole suite runs through pgbouncer with SIGNET_TEST_PGBOUNCER=1 (conftest.py's pg
fixture); tests/integration/test_multihost.py has two hosts on one pgbouncer.
"""

import re
import threading

import pytest

from harness import Api, Nginx, OtherDatabase, Signet, Stack, free_port, wait_until
from harness.pgbouncer import Pgbouncer, pgbouncer_wanted


@pytest.fixture(scope="module")
def pooled(pg, keys, tmp_path_factory):
    """(database, pool): signet_pooler, migrated directly, and a pgbouncer in front."""
    db = OtherDatabase(pg, "signet_pooler")
    s = Signet(tmp_path_factory.mktemp("pooler-migrate"), db, None, keys,
               public_url="http://127.0.0.1:9", extra_config={"database": db.dsn})
    s.write_config()
    s.migrate()
    pool = Pgbouncer(pg)
    try:
        yield db, pool
    finally:
        pool.destroy()


@pytest.fixture
def stack_on(pooled, smtp, keys, tmp_path_factory):
    """stack_on(**config) -> a Stack whose signet's `database` is the pool."""
    db, pool = pooled
    stacks = []

    def make(**cfg):
        port = free_port()
        extra = {"database": pool.dsn_for(db.dbname)}
        extra.update(cfg)
        s = Signet(tmp_path_factory.mktemp("signet-pooler"), db, smtp, keys,
                   public_url="http://127.0.0.1:%d" % port, extra_config=extra,
                   name="signet-pooler")
        s.start(migrate=False)
        stack = Stack(s, None, None)
        stacks.append(stack)
        stack.nginx = Nginx(tmp_path_factory.mktemp("nginx-pooler"), port, s.socket).start()
        stack.api = Api(stack.nginx.url)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


@pytest.mark.parametrize("mode", ["prepared", "unnamed"])
def test_statements_when_the_pool_changes_server(pooled, stack_on, mode):
    db, pool = pooled
    stack = stack_on(db_statements=mode, mailer_database=db.dsn, workers=1)
    for _ in range(3):
        assert stack.api.get("/api/health").status_code == 200
    # pgbouncer closes its server connections (as it may at any time: server_lifetime,
    # a restart, another client taking the one we used); our client link stays.
    pool.admin("RECONNECT %s" % db.dbname)
    pool.admin("WAIT_CLOSE %s" % db.dbname)
    codes = [stack.api.get("/api/health").status_code for _ in range(3)]
    if mode == "prepared":
        # The worker's statement was prepared on a server connection that is gone: it
        # fails, and keeps failing, which is what db_statements = unnamed is for.
        assert codes == [503] * 3, codes
        assert 'prepared statement "ping" does not exist' in stack.signet.log_text()
    else:
        assert codes == [200] * 3, (codes, stack.signet.log_tail())


@pytest.mark.parametrize("direct", [True, False], ids=["mailer_database", "no_mailer_database"])
def test_mailer_database_takes_the_mailer_around_the_pool(pooled, stack_on, pg, direct):
    db, pool = pooled
    stack = stack_on(db_statements="unnamed", workers=2, mail_concurrency=2,
                     mailer_database=db.dsn if direct else "")
    for _ in range(4):
        assert stack.api.get("/api/health").status_code == 200

    def outside_the_pool():
        backends = {int(r[0]) for r in pg.sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND usename = 'signet'",
            db.dbname)}
        return backends - pool.server_pids(db.dbname)

    # Every session of signet on its database is one of pgbouncer's, but the mailers'
    # (one each) when mailer_database sends them straight to PostgreSQL.
    want = 2 if direct else 0
    wait_until(lambda: len(outside_the_pool()) == want, 15,
               "%d session(s) outside the pool" % want, interval=0.2)


def test_suite_mode_goes_through_the_pool(pg, signet, api):
    """With SIGNET_TEST_PGBOUNCER=1 the shared signet's workers are pgbouncer clients."""
    if not pgbouncer_wanted():
        pytest.skip("the suite runs direct (SIGNET_TEST_PGBOUNCER unset)")
    for _ in range(4):
        assert api.get("/api/health").status_code == 200
    assert signet.config["database"] == pg.pool.dsn
    assert signet.config["db_statements"] == "unnamed"
    assert signet.config["mailer_database"] == pg.dsn
    clients = [c for c in pg.pool.show("CLIENTS") if c["database"] == pg.dbname]
    assert len(clients) >= 2, clients


def test_notifications_through_the_pool_are_dropped(pooled, pg, smtp, keys, tmp_path_factory):
    """Without mailer_database the mailer's LISTEN goes through the pool, and pgbouncer
    hands its notifications to whichever client holds that server connection at the
    time: a worker.  Workers drop them (libpq would keep them as long as the
    connection lives) and say so at debug level."""
    db, _ = pooled
    one = Pgbouncer(pg, pool_size=1)     # one server connection: the LISTEN is on it
    try:
        port = free_port()
        s = Signet(tmp_path_factory.mktemp("signet-pooler-notify"), db, smtp, keys,
                   public_url="http://127.0.0.1:%d" % port, name="signet-pooler-notify",
                   extra_config={"database": one.dsn_for(db.dbname), "mailer_database": "",
                                 "db_statements": "unnamed", "workers": 2, "debug": "yes"})
        s.start(migrate=False)
        n = Nginx(tmp_path_factory.mktemp("nginx-pooler-notify"), port, s.socket).start()
        api = Api(n.url)
        try:
            wait_until(lambda: "listening on signet_mail" in s.log_text(), 15,
                       "the mailer's LISTEN")
            stop = threading.Event()

            def load():
                while not stop.is_set():
                    api.get("/api/health")
            threads = [threading.Thread(target=load) for _ in range(4)]
            for t in threads:
                t.start()
            try:
                def dropped():
                    pg.sql("SELECT pg_notify('signet_mail', '') FROM generate_series(1, 50)",
                           db=db.dbname)
                    return "notification(s) of another session" in s.log_text()
                wait_until(dropped, 30, "a worker to drop a notification", interval=0.1)
            finally:
                stop.set()
                for t in threads:
                    t.join(10)
            workers = set(s.workers())
            mailer = [int(m) for m in re.findall(r"signet\[(\d+)\] info: mailer started",
                                                 s.log_text())]
            droppers = {int(m) for m in re.findall(
                r"signet\[(\d+)\] debug: database: dropped", s.log_text())}
            assert droppers and not droppers & set(mailer), (droppers, mailer)
            assert droppers <= workers, (droppers, workers)
        finally:
            n.stop()
            s.stop()
    finally:
        one.destroy()
