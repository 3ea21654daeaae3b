"""A tiny FastCGI responder on a unix socket, for testing the nginx side of the harness
(contrib/nginx/signet.conf) without signet.  Every request is answered 200 with a JSON
object of the FastCGI params it received (repeated names become lists) and the length
and text of the request body."""

import json
import os
import socketserver
import struct
import threading

FCGI_BEGIN_REQUEST = 1
FCGI_END_REQUEST = 3
FCGI_PARAMS = 4
FCGI_STDIN = 5
FCGI_STDOUT = 6


def _read_exact(f, n):
    data = b""
    while len(data) < n:
        chunk = f.read(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _pairs(data):
    """Decode FastCGI name-value pairs into a list of (name, value)."""
    out = []
    i = 0

    def length():
        nonlocal i
        if data[i] & 0x80:
            n = struct.unpack(">I", data[i:i + 4])[0] & 0x7FFFFFFF
            i += 4
        else:
            n = data[i]
            i += 1
        return n

    while i < len(data):
        nl = length()
        vl = length()
        name = data[i:i + nl].decode("latin-1")
        i += nl
        value = data[i:i + vl].decode("latin-1")
        i += vl
        out.append((name, value))
    return out


def _record(rtype, req_id, content):
    return struct.pack(">BBHHBB", 1, rtype, req_id, len(content), 0, 0) + content


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        params = b""
        body = b""
        req_id = 1
        try:
            while True:
                hdr = _read_exact(self.rfile, 8)
                _, rtype, req_id, clen, plen, _ = struct.unpack(">BBHHBB", hdr)
                content = _read_exact(self.rfile, clen)
                _read_exact(self.rfile, plen)
                if rtype == FCGI_PARAMS:
                    params += content
                elif rtype == FCGI_STDIN:
                    if not content:
                        break
                    body += content
        except EOFError:
            return
        got = {}
        for name, value in _pairs(params):
            if name in got:
                if not isinstance(got[name], list):
                    got[name] = [got[name]]
                got[name].append(value)
            else:
                got[name] = value
        payload = json.dumps({"params": got, "body_length": len(body),
                              "body": body[:1000].decode("utf-8", "replace")}).encode()
        out = (b"Status: 200 OK\r\nContent-Type: application/json\r\n"
               b"Cache-Control: no-store\r\n\r\n" + payload)
        for i in range(0, len(out), 65535):
            self.wfile.write(_record(FCGI_STDOUT, req_id, out[i:i + 65535]))
        self.wfile.write(_record(FCGI_STDOUT, req_id, b""))
        self.wfile.write(_record(FCGI_END_REQUEST, req_id, struct.pack(">IB3x", 0, 0)))
        self.server.count += 1


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class FakeFcgi:
    """FakeFcgi(path).start() ... .stop(); .count is the number of requests answered."""

    def __init__(self, path):
        self.path = path

    def start(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.server = _Server(self.path, _Handler)
        self.server.count = 0
        os.chmod(self.path, 0o666)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def count(self):
        return self.server.count

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
        if os.path.exists(self.path):
            os.unlink(self.path)
