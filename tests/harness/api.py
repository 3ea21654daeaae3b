"""HTTP: a small requests client, and a signet behind its own nginx with one on it."""

import requests


class Api:
    """A thin requests client for base_url:  api.get("/api/health"),
    api.post("/api/login", json={...}, headers={...}).  Never uses proxies from the
    environment; every request has a timeout (30 s unless given)."""

    def __init__(self, base_url, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # no http_proxy for loopback

    def url(self, path):
        return self.base_url + path

    def request(self, method, path, **kw):
        kw.setdefault("timeout", self.timeout)
        kw.setdefault("allow_redirects", False)
        return self.session.request(method, self.url(path), **kw)

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
