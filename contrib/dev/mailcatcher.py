#!/usr/bin/python3
"""A mail catcher for development: an SMTP server on loopback that keeps every mail.

Each message is printed to stdout (headers and the text part) and saved as
DIR/<UTC timestamp>-<n>.eml.  Nothing is relayed anywhere.

    /usr/bin/python3 contrib/dev/mailcatcher.py [--host 127.0.0.1] [--port 2525] [--dir var/mail]

Uses Debian's python3-aiosmtpd; run it with /usr/bin/python3 (the python3 first on PATH
may be another interpreter that does not see Debian's packages).
"""

import argparse
import datetime
import email
import email.policy
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


def text_part(msg):
    """The decoded text/plain part of msg, or '' if it has none."""
    part = msg.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, UnicodeError):
        return part.get_payload(decode=True).decode("utf-8", "replace")


class Catcher:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        now = datetime.datetime.now(datetime.timezone.utc)
        name = "%s-%d.eml" % (now.strftime("%Y%m%dT%H%M%S.%fZ"), self.count)
        path = os.path.join(self.directory, name)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, path)

        msg = email.message_from_bytes(data, policy=email.policy.default)
        print("=" * 72)
        print("mail #%d saved as %s" % (self.count, path))
        print("envelope: from %s to %s" % (envelope.mail_from, ", ".join(envelope.rcpt_tos)))
        for h in ("From", "To", "Subject", "Date"):
            if msg[h] is not None:
                print("%s: %s" % (h, msg[h]))
        print()
        print(text_part(msg).rstrip())
        print("=" * 72, flush=True)
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2525)
    ap.add_argument("--dir", default="var/mail", help="where to save .eml files")
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(
        Catcher(args.dir),
        hostname=args.host,
        port=args.port,
        ready_timeout=10,
        enable_SMTPUTF8=True,
    )
    controller.start()
    print("mailcatcher: listening on %s:%d, saving to %s" % (args.host, args.port, args.dir),
          flush=True)

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    try:
        while not stopping.wait(1):
            pass
    finally:
        controller.stop()
        print("mailcatcher: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
