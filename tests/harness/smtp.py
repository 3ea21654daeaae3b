"""The one SMTP sink (Debian's python3-aiosmtpd) of the tests, the dev mail catcher and
the benchmarks, and the one way to read a mail.

In the test process:

    sink = SmtpSink()                     # 127.0.0.1:<free port>, keeps every Mail
    mail = sink.wait_for(to="ann@example.org")
    code = extract_code(mail)

As a process (contrib/dev/up's mail catcher, bench/driver.py's sink):

    python3 -m harness smtp --port PORT [--dir DIR] [--print] [--slow SECONDS]

      --dir DIR      keep every mail as DIR/<UTC time>-<n>.eml (MailDir(DIR) reads them)
      --print        print each mail (headers and text part) to stdout
      --slow S       SIGUSR1: wait S seconds before each reply (the greeting included),
                     a slow mail server; SIGUSR2: prompt again (the start)
    SIGTERM or SIGINT stops it.  Nothing is ever relayed anywhere.
"""

import argparse
import asyncio
import datetime
import email
import email.policy
import email.utils
import os
import re
import signal
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from .proc import free_port, python_cmd, python_env, spawn, tcp_open, tail, wait_until


# ------------------------------------------------------------------------- reading

def body_part(msg, subtype="plain"):
    """The decoded text/<subtype> part of an email.message.EmailMessage, or ''."""
    part = msg.get_body(preferencelist=(subtype,))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, UnicodeError):
        return part.get_payload(decode=True).decode("utf-8", "replace")


class Mail:
    """One received mail.
      .envelope_from, .envelope_to (list): the SMTP envelope (empty: read from a file)
      .from_, .to, .subject: decoded headers (str; '' if absent); mail["Header"] for others
      .text: the text/plain part; .html: the text/html part ('' if none)
      .message: the parsed email.message.EmailMessage; .raw: the bytes as received
      .peer: the sending client's address (a sink in this process), else None
      .received_at: time.time() when it came
    """

    def __init__(self, envelope_from, envelope_to, raw):
        self.envelope_from = envelope_from
        self.envelope_to = list(envelope_to)
        self.raw = raw
        self.message = email.message_from_bytes(raw, policy=email.policy.default)
        self.from_ = str(self.message["From"] or "")
        self.to = str(self.message["To"] or "")
        self.subject = str(self.message["Subject"] or "")
        self.text = body_part(self.message, "plain").replace("\r\n", "\n")
        self.html = body_part(self.message, "html").replace("\r\n", "\n")
        self.received_at = time.time()
        self.peer = None

    @classmethod
    def from_file(cls, path):
        with open(path, "rb") as f:
            return cls(None, [], f.read())

    def __getitem__(self, header):
        return self.message[header]

    def recipients(self):
        """Lower-cased addresses from the envelope and the To/Cc headers."""
        addrs = {a.lower() for a in self.envelope_to}
        for h in ("To", "Cc"):
            for v in self.message.get_all(h, []):
                for _, a in email.utils.getaddresses([str(v)]):
                    if a:
                        addrs.add(a.lower())
        return addrs

    def summary(self):
        """The envelope, the main headers and the text part, for a log."""
        lines = []
        if self.envelope_to:
            lines.append("envelope: from %s to %s" % (self.envelope_from,
                                                      ", ".join(self.envelope_to)))
        for h in ("From", "To", "Subject", "Date"):
            if self.message[h] is not None:
                lines.append("%s: %s" % (h, self.message[h]))
        return "\n".join(lines + ["", self.text.rstrip()])

    def __repr__(self):
        return "<Mail to=%r subject=%r>" % (self.envelope_to or self.to, self.subject)


def select(mails, to=None, subject=None):
    """The mails to `to` (any recipient if None) whose subject matches the regex subject."""
    return [m for m in mails
            if (to is None or to.lower() in m.recipients())
            and (subject is None or re.search(subject, m.subject))]


_CODE_RE = re.compile(r"^[ \t]*(\d{6})[ \t\r]*$", re.MULTILINE)


def extract_code(msg):
    """The 6-digit code standing on a line of its own in a Mail's text part (or in a
    string); AssertionError if there is none."""
    text = msg if isinstance(msg, str) else msg.text
    m = _CODE_RE.search(text)
    assert m, "no 6-digit code on a line of its own in:\n%s" % text
    return m.group(1)


def extract_url(msg, pattern=r"https?://\S+"):
    """The first URL (regex pattern) in a Mail's text part; AssertionError if none."""
    text = msg if isinstance(msg, str) else msg.text
    m = re.search(pattern, text)
    assert m, "no URL matching %r in:\n%s" % (pattern, text)
    return m.group(0)


class MailDir:
    """The mails a sink process keeps in a directory (--dir), oldest first.
      .messages, .wait_for(to=None, timeout=10, subject=None) -> newest matching Mail"""

    def __init__(self, directory):
        self.dir = directory

    def paths(self):
        try:
            names = sorted(n for n in os.listdir(self.dir) if n.endswith(".eml"))
        except FileNotFoundError:
            return []
        return [os.path.join(self.dir, n) for n in names]

    @property
    def messages(self):
        return [Mail.from_file(p) for p in self.paths()]

    def wait_for(self, to=None, timeout=10, subject=None):
        try:
            return wait_until(lambda: select(self.messages, to, subject)[-1:], timeout,
                              "a mail to %s in %s" % (to or "anyone", self.dir), 0.2)[0]
        except TimeoutError as e:
            raise AssertionError(str(e)) from None


# ------------------------------------------------------------------------ the sink

class _SMTP(SMTP):
    """aiosmtpd's SMTP, waiting the sink's delay before each reply (before its first
    line: a multi-line EHLO answer is one reply)."""

    _continued = False

    async def push(self, status):
        delay = self.event_handler.delay
        if delay > 0 and not self._continued:
            await asyncio.sleep(delay)
        line = status if isinstance(status, str) else status.decode("latin-1")
        self._continued = line[3:4] == "-"
        await super().push(status)


class _Controller(Controller):
    def factory(self):
        return _SMTP(self.handler, **self.SMTP_kwargs)


class SmtpSink:
    """An SMTP server on 127.0.0.1:<port> that takes every mail.
      .host, .port, .messages (a copy, oldest first), .clear(), .mark(), .count
      .wait_for(to=None, timeout=10, since=None, subject=None) -> newest matching Mail
      .stop() / .start() (same port): an SMTP outage; .reply = "451 ..." makes it refuse
      mails with that reply instead of keeping them (None: accept again).
      .delay: seconds to wait before each reply (0: prompt)
    keep=False: hold no Mail in memory; maildir: save each as <UTC time>-<n>.eml there;
    echo: print each one's summary to stdout.
    """

    def __init__(self, port=None, keep=True, maildir=None, echo=False, host="127.0.0.1"):
        self.host = host
        self.port = port or free_port()
        self.keep = keep
        self.maildir = maildir
        self.echo = echo
        self.count = 0
        self.delay = 0.0
        self._messages = []
        self._cond = threading.Condition()
        self._controller = None
        self.reply = None
        if maildir:
            os.makedirs(maildir, exist_ok=True)
        self.start()

    # aiosmtpd handler hook
    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        self.count += 1
        path = self._save(raw) if self.maildir else None
        if self.keep or self.echo:
            mail = Mail(envelope.mail_from, envelope.rcpt_tos, raw)
            mail.peer = session.peer[0] if session.peer else None
            if self.echo:
                print("=" * 72)
                print("mail #%d%s" % (self.count, " saved as " + path if path else ""))
                print(mail.summary())
                print("=" * 72, flush=True)
            if self.keep:
                with self._cond:
                    self._messages.append(mail)
                    self._cond.notify_all()
        return "250 OK"

    def _save(self, raw):
        now = datetime.datetime.now(datetime.timezone.utc)
        path = os.path.join(self.maildir, "%s-%06d.eml" % (now.strftime("%Y%m%dT%H%M%S.%fZ"),
                                                           self.count))
        with open(path + ".tmp", "wb") as f:
            f.write(raw)
        os.rename(path + ".tmp", path)
        return path

    def _controller_new(self):
        return _Controller(self, hostname=self.host, port=self.port, ready_timeout=10,
                           enable_SMTPUTF8=True)

    def start(self):
        if self._controller is not None:
            return
        deadline = time.monotonic() + 10
        while True:
            c = self._controller_new()
            try:
                c.start()
                break
            except (OSError, RuntimeError):
                # the port may still be held briefly after stop()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)
        self._controller = c

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self):
        return self._controller is not None

    @property
    def messages(self):
        with self._cond:
            return list(self._messages)

    def clear(self):
        with self._cond:
            self._messages.clear()

    def mark(self):
        """A position to pass as wait_for(since=...) to see only later mails."""
        with self._cond:
            return len(self._messages)

    def find(self, to=None, since=None, subject=None):
        """Matching mails (oldest first) without waiting."""
        with self._cond:
            msgs = self._messages[since or 0:]
        return select(msgs, to, subject)

    def wait_for(self, to=None, timeout=10, since=None, subject=None):
        """The newest mail to `to` (any recipient if None) received after position `since`
        (see mark(); all if None) whose subject matches the regex `subject`, waiting up
        to timeout seconds for one; AssertionError if none came."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.find(to=to, since=since, subject=subject)
                if found:
                    return found[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no mail to %s within %ss (received: %r)" % (
                        to or "anyone", timeout, self._messages))
                self._cond.wait(min(left, 0.5))


# ------------------------------------------------------------------- as a process

def spawn_sink(port, logfile, maildir=None, echo=False, slow=None, timeout=15):
    """Start `python3 -m harness smtp` in its own session; returns the Popen once the
    port accepts connections."""
    cmd = python_cmd("smtp", "--port", str(port))
    if maildir:
        cmd += ["--dir", maildir]
    if echo:
        cmd.append("--print")
    if slow is not None:
        cmd += ["--slow", str(slow)]
    p = spawn(cmd, logfile, env=python_env())
    try:
        wait_until(lambda: tcp_open("127.0.0.1", port) or p.poll() is not None, timeout,
                   "the SMTP sink on port %d" % port)
    except TimeoutError:
        p.kill()
        raise
    if p.poll() is not None:
        raise RuntimeError("the SMTP sink exited with %s:\n%s" % (p.returncode, tail(logfile)))
    return p


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m harness smtp",
                                 description="An SMTP sink on loopback that keeps every mail.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", help="keep every mail there as <UTC time>-<n>.eml")
    ap.add_argument("--print", action="store_true", dest="echo",
                    help="print each mail (headers and text part)")
    ap.add_argument("--slow", type=float, default=2.0,
                    help="the delay before each reply after SIGUSR1 (default 2 s)")
    a = ap.parse_args(argv)
    stopping = threading.Event()
    sinks = []

    def slow(signum, frame):
        for sink in sinks:
            sink.delay = a.slow if signum == signal.SIGUSR1 else 0.0
            print("delay %.1f s" % sink.delay, flush=True)

    signal.signal(signal.SIGUSR1, slow)
    signal.signal(signal.SIGUSR2, slow)
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    sink = SmtpSink(a.port, keep=False, maildir=a.dir, echo=a.echo, host=a.host)
    sinks.append(sink)
    print("smtp sink: listening on %s:%d%s" % (a.host, a.port,
                                                ", saving to " + a.dir if a.dir else ""),
          flush=True)
    try:
        while not stopping.wait(1):
            pass
    finally:
        sink.stop()
        print("smtp sink: stopped after %d mails" % sink.count, flush=True)
    return 0
