"""HTTP: a small requests client, and a signet behind its own nginx with one on it."""

from urllib.parse import unquote, urlsplit

import requests
from requests.structures import CaseInsensitiveDict


def _bytes(body):
    return body.encode("utf-8") if isinstance(body, str) else body


class Exchange:
    """One request and the answer it got, as the OpenAPI check reads them
    (harness/openapi.py): method, path (percent-decoded, as signet routes on it), query,
    request_headers, request_body (bytes or None), status, headers (case-insensitive),
    body (bytes), url, and exempt: None, or why the server is not signet.  An Api makes
    one of each of its requests (Exchange.of_response); a client that is not an Api
    (the BEdita SDK walk) can hand its own to Api.recorder."""

    __slots__ = ("method", "path", "query", "request_headers", "request_body", "status",
                 "headers", "body", "url", "exempt")

    def __init__(self, method, url, request_headers, request_body, status, headers, body,
                 exempt=None):
        parts = urlsplit(url)
        self.method = method.upper()
        self.path = unquote(parts.path) or "/"
        self.query = parts.query
        self.request_headers = CaseInsensitiveDict(request_headers or {})
        self.request_body = _bytes(request_body)
        self.status = status
        self.headers = CaseInsensitiveDict(headers or {})
        self.body = _bytes(body) or b""
        self.url = url
        self.exempt = exempt

    @classmethod
    def of_response(cls, response, exempt=None):
        req = response.request
        return cls(req.method, req.url, req.headers, req.body, response.status_code,
                   response.headers, response.content, exempt)

    def __repr__(self):
        return "%s %s -> %d" % (self.method, self.path, self.status)


class Api:
    """A thin requests client for base_url:  api.get("/api/health"),
    api.post("/api/login", json={...}, headers={...}).  Never uses proxies from the
    environment; every request has a timeout (30 s unless given).

    Every exchange goes to Api.recorder when one is set (the integration tests set it:
    each exchange is then checked against doc/openapi.yaml).  An Api on a server that
    is not signet says so, and why, with exempt="...": its exchanges are counted but
    not checked."""

    recorder = None

    def __init__(self, base_url, timeout=30, exempt=None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.exempt = exempt
        self.session = requests.Session()
        self.session.trust_env = False  # no http_proxy for loopback

    def url(self, path):
        return self.base_url + path

    def request(self, method, path, **kw):
        kw.setdefault("timeout", self.timeout)
        kw.setdefault("allow_redirects", False)
        r = self.session.request(method, self.url(path), **kw)
        recorder = Api.recorder
        if recorder is not None:
            recorder(Exchange.of_response(r, self.exempt))
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def options(self, path, **kw):
        return self.request("OPTIONS", path, **kw)


class Stack:
    """A signet behind its own nginx, with an Api on it (what make_signet() returns)."""

    def __init__(self, signet, nginx, api):
        self.signet = signet
        self.nginx = nginx
        self.api = api
        self.url = nginx.url if nginx else None

    def stop(self):
        try:
            if self.nginx:
                self.nginx.stop()
        finally:
            self.signet.stop()
