"""The mailer: rows of mail_outbox go out through real SMTP, exactly once, through SMTP and
database outages, and failed attempts are recorded.

The signup endpoints are not needed: each test writes rows into mail_outbox the way
mail_queue() does (INSERT + NOTIFY signet_mail in one statement) and watches the SMTP sink
and the table.  Every wait is bounded.

Retry timing these tests rely on (src/mailer.c): attempt n+1 comes 5 * 2^(n-1) s after
attempt n (5, 10, 20... s, at most 300 s); the mailer wakes on NOTIFY or at least every 5 s.
"""

import time

import pytest

from harness import Mailer, extract_code, wait_until

CODE_BODY = ("Bonjour Ren\u00e9e,\n"
             "\n"
             "Utilisez ce code pour terminer la cr\u00e9ation de votre compte\u00a0:\n"
             "\n"
             "123456\n"
             "\n"
             + "Une ligne tr\u00e8s longue = avec des signes \u00e9gal. " * 8 + "\n"
             "Fin \u2713\n")


def queue(pg, to, subject="Test", body="Hello\n"):
    """Put a mail into the outbox and wake the mailers, as mail_queue() does; returns its id."""
    rows = pg.sql("WITH m AS (INSERT INTO mail_outbox (recipient, subject, body) "
                  "VALUES ($1, $2, $3) RETURNING id) "
                  "SELECT id, pg_notify('signet_mail', '') FROM m", to, subject, body)
    return int(rows[0][0])


def assert_prompt(pg, smtp, unique, n=4, within=2.0):
    """n mails queued one after the other each arrive within `within` seconds: the NOTIFY
    wakes the mailer (its fallback poll, every 5 s, would make that unlikely n times)."""
    for _ in range(n):
        to = unique("prompt") + "@example.org"
        queue(pg, to, "Prompt", "p\n")
        t0 = time.monotonic()
        smtp.wait_for(to=to, timeout=15)
        took = time.monotonic() - t0
        assert took < within, "took %.1fs: is the mailer LISTENing?" % took


def row(pg, mail_id):
    """The outbox row as a dict of strings (None for NULL)."""
    cols = ("attempts", "sent_at", "failed_at", "last_error", "next_attempt_at > now()")
    r = pg.sql("SELECT attempts, sent_at, failed_at, last_error, next_attempt_at > now() "
               "FROM mail_outbox WHERE id = $1::bigint", mail_id)
    assert r, "no outbox row %d" % mail_id
    return dict(zip(cols, r[0]))


def wait_sent(pg, mail_id, timeout=20):
    return wait_until(lambda: row(pg, mail_id)["sent_at"] is not None, timeout,
                      "outbox row %d to be marked sent" % mail_id, interval=0.2)


def test_mail_arrives_with_headers_and_body(signet, pg, smtp, unique):
    to = unique("mail") + "@example.org"
    subject = "V\u00e9rification de votre adresse \u2713"
    mail_id = queue(pg, to, subject, CODE_BODY)

    m = smtp.wait_for(to=to, timeout=15)
    assert m.envelope_to == [to]
    assert m.envelope_from == "signet@localhost"
    assert m.to == to
    assert m.from_ == "signet@localhost"
    assert m.subject == subject                      # RFC 2047, decoded
    assert m["MIME-Version"] == "1.0"
    assert m.message.get_content_type() == "text/plain"
    assert m.message.get_content_charset() == "utf-8"
    assert m["Content-Transfer-Encoding"] == "quoted-printable"
    assert m["Date"] and m["Date"].datetime is not None
    assert str(m["Message-ID"]).endswith("@localhost>")
    assert m.text == CODE_BODY
    assert extract_code(m) == "123456"
    # On the wire: CRLF only, no line longer than 78 octets, nothing but ASCII.
    raw = m.raw
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert all(b < 0x80 for b in raw)
    assert b"\r\n123456\r\n" in raw

    wait_sent(pg, mail_id)
    r = row(pg, mail_id)
    assert r["attempts"] == "1"
    assert r["failed_at"] is None and r["last_error"] is None

    # Exactly one copy, even after the mailer looked again.
    time.sleep(1)
    assert len(smtp.find(to=to)) == 1


def test_mail_log_names_domain_only(signet, pg, smtp, unique, tmp_path_factory):
    # Any mailer of the session may send it (front-end stacks run their own):
    # read every log file the session's processes write.
    def logs():
        base = tmp_path_factory.getbasetemp()
        return "\n".join(p.read_text(errors="replace") for p in base.rglob("*.log"))

    to = unique("private") + "@log-domain.example"
    # A body nothing else writes (a bare 6-digit code may turn up in a random path).
    secret = unique("body-secret")
    mail_id = queue(pg, to, "Code", "Your code:\n\n654321 %s\n" % secret)
    smtp.wait_for(to=to, timeout=15)
    wait_sent(pg, mail_id)
    line = wait_until(lambda: [l for l in logs().splitlines()
                               if "mail %d " % mail_id in l], 10, "the mailer's log line")
    assert "@log-domain.example" in line[0] and "sent" in line[0]
    log = logs()
    assert to not in log                      # only the domain
    assert secret not in log                  # never the body


def test_queued_during_smtp_outage_arrives_exactly_once(signet, pg, smtp, unique):
    smtp.stop()
    addrs = [unique("outage") + "@example.org" for _ in range(3)]
    ids = [queue(pg, a, "Outage %d" % i, "Code:\n\n11111%d\n" % i) for i, a in enumerate(addrs)]

    # Every row gets its failed attempts recorded while the server is away.
    def all_failed_twice():
        rows = [row(pg, i) for i in ids]
        return all(int(r["attempts"]) >= 2 and r["last_error"] and r["sent_at"] is None
                   and r["failed_at"] is None for r in rows)
    wait_until(all_failed_twice, 30, "two failed attempts per mail", interval=0.2)
    assert "refused" in row(pg, ids[0])["last_error"].lower()   # "Connection refused"

    smtp.start()
    for i, a in enumerate(addrs):
        m = smtp.wait_for(to=a, timeout=40)
        assert extract_code(m) == "11111%d" % i
    for i in ids:
        wait_sent(pg, i)
    time.sleep(2)  # a duplicate would have had time to arrive
    for a in addrs:
        assert len(smtp.find(to=a)) == 1, "%s got %d mails" % (a, len(smtp.find(to=a)))


def test_refused_attempt_records_last_error_then_retries(signet, pg, smtp, unique):
    smtp.reply = "451 4.3.0 Try again later"
    to = unique("refused") + "@example.org"
    mail_id = queue(pg, to, "Refused first", "x\n")

    r = wait_until(lambda: (lambda r: r if int(r["attempts"]) >= 1 else None)(row(pg, mail_id)),
                   15, "a failed attempt")
    assert "451" in r["last_error"]
    assert r["sent_at"] is None and r["failed_at"] is None
    assert r["next_attempt_at > now()"] == "t"       # backing off
    assert not smtp.find(to=to)

    smtp.reply = None
    smtp.wait_for(to=to, timeout=30)
    wait_sent(pg, mail_id)
    time.sleep(1)
    assert len(smtp.find(to=to)) == 1


def test_gives_up_after_max_attempts(signet, pg, smtp, make_signet, unique):
    # Only this test's mailer runs, with mail_max_attempts = 2.
    signet.stop()
    make_signet(nginx=False, mail_max_attempts=2)
    smtp.reply = "451 4.3.0 Still not"
    to = unique("giveup") + "@example.org"
    mail_id = queue(pg, to, "Never", "x\n")
    r = wait_until(lambda: (lambda r: r if r["failed_at"] else None)(row(pg, mail_id)),
                   30, "the mail to be given up")
    assert r["attempts"] == "2"
    assert "451" in r["last_error"] and r["sent_at"] is None
    smtp.reply = None
    time.sleep(6)   # past the next retry it would have had
    assert row(pg, mail_id)["attempts"] == "2"
    assert not smtp.find(to=to)


def test_two_mailers_never_double_send(signet, pg, smtp, make_signet, unique):
    make_signet(nginx=False)          # a second master, so a second mailer, same database
    addrs = [unique("race") + "@example.org" for _ in range(30)]
    ids = [queue(pg, a, "Race", "r\n") for a in addrs]
    for a in addrs:
        smtp.wait_for(to=a, timeout=30)
    for i in ids:
        wait_sent(pg, i)
    time.sleep(2)
    for a in addrs:
        assert len(smtp.find(to=a)) == 1, "%s got %d mails" % (a, len(smtp.find(to=a)))
    assert pg.sql_value("SELECT count(*) FROM mail_outbox WHERE id = ANY($1::bigint[]) "
                        "AND attempts = 1", "{%s}" % ",".join(map(str, ids))) == str(len(ids))


def test_mail_concurrency_0_runs_no_mailer(signet, make_signet, tmp_path):
    """A host of a fleet can leave its mail to the others' mailers: mail_concurrency = 0
    forks the workers only, and `signet --mailer` refuses to run with it."""
    stack = make_signet(nginx=False, workers=2, mail_concurrency=0)
    s = stack.signet
    time.sleep(1)   # a mailer would have started by now
    assert len(s.workers()) == 2, s.workers()
    assert "2 workers, 2 hashers, 0 mailers" in s.log_text()
    assert "mailer started" not in s.log_text()
    log = str(tmp_path / "mailer.log")
    m = Mailer(s.binary, s.conf, log)
    with pytest.raises(RuntimeError) as e:
        m.start()
    assert "mail_concurrency is 0" in str(e.value)


def test_mailer_survives_database_restart(signet, pg, smtp, unique):
    to = unique("dbdown") + "@example.org"
    pg.stop()
    time.sleep(1.5)                   # the mailer notices and backs off
    pg.start()
    mail_id = queue(pg, to, "After the restart", "x\n")
    # Reconnected and LISTENing again: the NOTIFY, or the 5 s poll, brings it out.
    smtp.wait_for(to=to, timeout=20)
    wait_sent(pg, mail_id)
    assert_prompt(pg, smtp, unique)   # LISTENing again on the new connection
    assert signet.running()


def test_notify_wakes_the_mailer(signet, pg, smtp, unique):
    assert_prompt(pg, smtp, unique)
