"""Tests of the test harness itself (no signet needed): the PostgreSQL cluster, the SMTP
sink, and nginx with contrib/nginx/signet.conf in front of a fake FastCGI responder."""

import smtplib
import socket
from email.message import EmailMessage

import pytest

from harness.fake_fcgi import FakeFcgi
from harness import Api, Nginx, extract_code, free_port, tcp_open


def send_mail(smtp, to, subject, text):
    m = EmailMessage()
    m["From"] = "signet@localhost"
    m["To"] = to
    m["Subject"] = subject
    m.set_content(text)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as s:
        s.send_message(m)


def test_pg_sql_params_and_nulls(pg):
    rows = pg.sql("SELECT $1::int + 1, NULL, $2, 'a,b\"c'", 41, "it's; DROP TABLE x")
    assert rows == [("42", None, "it's; DROP TABLE x", 'a,b"c')]
    assert pg.sql_value("SELECT current_user", user="signet") == "signet"
    assert pg.sql_value("SELECT count(*) FROM pg_database WHERE datname = 'signet'") == "1"
    assert pg.sql("SELECT 1 WHERE false") == []


def test_pg_stop_start(pg):
    pg.stop()
    assert not tcp_open("127.0.0.1", pg.port)
    with pytest.raises(RuntimeError):
        pg.sql("SELECT 1")
    pg.start()
    assert pg.sql_value("SELECT 1") == "1"


def test_pg_left_stopped_is_restarted_by_the_guard(pg):
    # the guard restarts it after this test; the next test checks.
    pg.stop()


def test_pg_guard_restarted_it(pg):
    assert pg.sql_value("SELECT 2") == "2"


def test_smtp_sink_wait_for_and_code(smtp):
    mark = smtp.mark()
    send_mail(smtp, "Ann <ann@example.org>", "Your code", "Hello,\n\n  123456\n\nBye 7654321\n")
    send_mail(smtp, "bob@example.org", "Other", "nothing")
    m = smtp.wait_for(to="ANN@example.org", since=mark, timeout=5)
    assert m.subject == "Your code"
    assert m.envelope_to == ["ann@example.org"]
    assert extract_code(m) == "123456"
    assert len(smtp.messages) == 2
    with pytest.raises(AssertionError):
        smtp.wait_for(to="nobody@example.org", timeout=0.3)
    with pytest.raises(AssertionError):
        extract_code("code 123456 inline\n1234567\n")
    smtp.clear()
    assert smtp.messages == []


def test_smtp_outage_same_port(smtp):
    port = smtp.port
    smtp.stop()
    with pytest.raises(OSError):
        send_mail(smtp, "c@example.org", "x", "x")
    smtp.start()
    assert smtp.port == port
    smtp.reply = "451 4.3.0 try again later"
    with pytest.raises(smtplib.SMTPDataError):
        send_mail(smtp, "c@example.org", "x", "x")
    smtp.reply = None
    send_mail(smtp, "c@example.org", "back", "x")
    assert smtp.wait_for(to="c@example.org").subject == "back"


def test_smtp_guard_cleared_and_restarted(smtp):
    assert smtp.messages == []
    smtp.stop()  # the guard starts it again


def test_nginx_example_config_in_front_of_fastcgi(tmp_path):
    sock = str(tmp_path / "fake.sock")
    fcgi = FakeFcgi(sock).start()
    port = free_port()
    n = Nginx(tmp_path / "nginx", port, sock)
    try:
        n.start()
        api = Api(n.url, exempt="nginx in front of harness.fake_fcgi, not signet")
        r = api.get("/api/health?x=1")
        assert r.status_code == 200, r.text
        p = r.json()["params"]
        assert p["PATH_INFO"] == "/api/health"
        # nginx sends SCRIPT_NAME twice (ours, then fastcgi_params'); libfcgi sees the first.
        sn = p["SCRIPT_NAME"]
        assert (sn[0] if isinstance(sn, list) else sn) == ""
        assert p["REQUEST_METHOD"] == "GET"
        assert p["QUERY_STRING"] == "x=1"
        assert p["REMOTE_ADDR"] == "127.0.0.1"
        assert r.headers["Cache-Control"] == "no-store"

        body = {"k": "v" * (100 * 1024)}  # larger than signet's own 64 KiB limit
        r = api.post("/signup", json=body)
        assert r.status_code == 200
        assert r.json()["body_length"] > 100 * 1024
        assert r.json()["params"]["CONTENT_TYPE"] == "application/json"

        r = api.post("/signup", data=b"x" * (2 * 1024 * 1024))  # over nginx's 1m
        assert r.status_code == 413
    finally:
        n.stop()
        fcgi.stop()
    assert not tcp_open("127.0.0.1", port)


def test_free_port_is_loopback_and_free():
    port = free_port()
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    finally:
        s.close()
