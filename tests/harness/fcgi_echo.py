#!/usr/bin/python3
"""A FastCGI responder run the way a process manager runs signet: it accepts on the
listening socket it inherits on fd 0 (spawn-fcgi, Apache mod_fcgid) and answers every
request 200 with a JSON object of the FastCGI params it received (fake_fcgi.py's
answer).  Command-line arguments are ignored (spawn-fcgi passes signet's).

tests/harness/frontends.py puts it where signet would be, to see what each front end
sends (SCRIPT_NAME, PATH_INFO, REQUEST_URI...)."""

import os
import socket
import socketserver
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_fcgi  # noqa: E402  (after the path is set)


class Fd0Server(socketserver.UnixStreamServer):
    """socketserver on an already listening socket: fd 0."""

    def __init__(self):
        socketserver.BaseServer.__init__(self, None, fake_fcgi._Handler)
        self.socket = socket.socket(fileno=0)
        self.count = 0


def main():
    try:
        s = socket.socket(fileno=os.dup(0))
    except OSError:
        accepting = 0
    else:
        with s:
            accepting = s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    if not accepting:
        sys.stderr.write("fcgi_echo: fd 0 is not a listening socket\n")
        return 1
    Fd0Server().serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
