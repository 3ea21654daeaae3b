#!/usr/bin/python3
"""bench/smtp_sink.py: an SMTP sink on 127.0.0.1 for the benchmarks.

    smtp_sink.py --port PORT [--dir DIR] [--delay SECONDS]

Accepts every mail and forgets it (with --dir, the last mail to each recipient
is kept there as RECIPIENT.eml, so the driver can read a code out of it).
Before each reply line (the greeting included) it waits the current delay:
SIGUSR1 sets it to --delay (default 2 s, a slow mail server), SIGUSR2 back to
0 (a prompt one).  It starts prompt.  SIGTERM stops it.

Each accepted mail bumps a counter that is written to DIR/count (with --dir)
so the driver can tell that the mailer kept sending.
"""

import argparse
import asyncio
import os
import signal
import sys


class Sink:
    def __init__(self, directory, slow_delay):
        self.dir = directory
        self.slow_delay = slow_delay
        self.delay = 0.0
        self.count = 0

    async def reply(self, writer, line):
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        writer.write(line.encode() + b"\r\n")
        await writer.drain()

    def keep(self, rcpts, data):
        self.count += 1
        if not self.dir:
            return
        for r in rcpts:
            safe = "".join(c for c in r.lower() if c.isalnum() or c in "@._-")[:200]
            tmp = os.path.join(self.dir, ".%s.tmp" % safe)
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, os.path.join(self.dir, safe + ".eml"))
        with open(os.path.join(self.dir, ".count.tmp"), "w") as f:
            f.write("%d\n" % self.count)
        os.replace(os.path.join(self.dir, ".count.tmp"), os.path.join(self.dir, "count"))

    async def session(self, reader, writer):
        rcpts = []
        try:
            await self.reply(writer, "220 bench-sink ESMTP")
            while True:
                line = await asyncio.wait_for(reader.readline(), 300)
                if not line:
                    break
                cmd = line.decode("latin-1").strip()
                verb = cmd[:4].upper()
                if verb in ("EHLO", "HELO"):
                    if verb == "EHLO":
                        await self.reply(writer, "250-bench-sink\r\n250-8BITMIME\r\n"
                                                 "250-SMTPUTF8\r\n250 SIZE 10485760")
                    else:
                        await self.reply(writer, "250 bench-sink")
                elif verb == "MAIL":
                    rcpts = []
                    await self.reply(writer, "250 OK")
                elif verb == "RCPT":
                    addr = cmd[cmd.find(":") + 1:].strip()
                    addr = addr.split()[0].strip("<>") if addr else ""
                    rcpts.append(addr)
                    await self.reply(writer, "250 OK")
                elif verb == "DATA":
                    await self.reply(writer, "354 go ahead")
                    chunks = []
                    while True:
                        l = await asyncio.wait_for(reader.readline(), 300)
                        if not l or l in (b".\r\n", b".\n"):
                            break
                        if l.startswith(b".."):
                            l = l[1:]
                        chunks.append(l)
                    self.keep(rcpts, b"".join(chunks))
                    rcpts = []
                    await self.reply(writer, "250 OK queued")
                elif verb == "RSET":
                    rcpts = []
                    await self.reply(writer, "250 OK")
                elif verb == "NOOP":
                    await self.reply(writer, "250 OK")
                elif verb == "QUIT":
                    await self.reply(writer, "221 bye")
                    break
                else:
                    await self.reply(writer, "502 not implemented")
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir")
    ap.add_argument("--delay", type=float, default=2.0)
    a = ap.parse_args()
    if a.dir:
        os.makedirs(a.dir, exist_ok=True)
    sink = Sink(a.dir, a.delay)
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def slow():
        sink.delay = sink.slow_delay
        print("delay %.1f s" % sink.delay, flush=True)

    def prompt():
        sink.delay = 0.0
        print("delay 0", flush=True)

    loop.add_signal_handler(signal.SIGUSR1, slow)
    loop.add_signal_handler(signal.SIGUSR2, prompt)
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, lambda: done.done() or done.set_result(None))
    server = await asyncio.start_server(sink.session, "127.0.0.1", a.port)
    print("listening on 127.0.0.1:%d" % a.port, flush=True)
    async with server:
        await done
    print("mails accepted: %d" % sink.count, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
