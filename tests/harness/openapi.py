"""doc/openapi.yaml against what signet really answers: a small OpenAPI 3.1 checker for
the exchanges the tests make (harness.api.Exchange), with Debian's python3-yaml and
python3-jsonschema (Draft 2020-12, the dialect of OpenAPI 3.1's schemas).

    doc = Document(os.path.join(SRCDIR, "doc", "openapi.yaml"))
    problems = doc.check(exchange)      # [] when the exchange is what the document says

What an exchange must be (the rules doc/openapi.yaml's introduction states):

  - its path and method an operation of the document: the path matched against each
    path template ({name} is one segment; templates without a parameter first), HEAD
    taken as GET;
  - or, for a path the document does not have, a 404 in the envelope of the path's
    owner (x-signet-unknown-paths, x-signet-personalities); for a method the path does
    not have, a 405 in the path's personality's envelope (x-signet-personality) whose
    Allow lists exactly the path's methods;
  - its status one of the operation's responses ("404", else "4XX", else "default");
  - that response's headers: every required one present, each present one valid against
    its schema (an integer schema reads the value as a number), and the headers of
    x-signet-every-response on every answer;
  - its body: none when the response has no content; else a Content-Type the response
    lists, and a JSON body valid against that media type's schema ($refs resolved in the
    document);
  - when answered 2xx, its request too: a JSON body of a media type the request body
    lists, valid against its schema (a required body present), and one of the
    operation's security alternatives met (the header of each scheme present).

To add an endpoint: add its path to doc/openapi.yaml (with x-signet-personality) and its
route to src/wire/route.c; nothing here changes.  A new personality needs its entry in
x-signet-personalities.  A new rule for every answer goes in x-signet-every-response.
"""

import json
import re
import warnings

import yaml
from jsonschema import Draft202012Validator, RefResolver
from jsonschema.exceptions import best_match

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The order signet's Allow header lists methods in (src/wire/route.c methods[]).
ALLOW_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")
EXCERPT = 300


def media_type(value):
    """"application/json; charset=utf-8" -> "application/json"; None -> None."""
    if value is None:
        return None
    return value.split(";", 1)[0].strip().lower()


def is_json(mtype):
    return mtype is not None and (mtype == "application/json" or mtype.endswith("+json"))


def exempt_reason(ex, marks):
    """Why ex is not checked, or None: its Api's exempt, else the reason of the first
    openapi_exempt mark (pytest's Mark: args, kwargs) whose status= (an int or a tuple;
    none: every status) takes ex's status.  A mark without a reason is a ValueError."""
    if ex.exempt:
        return ex.exempt
    for mark in marks:
        reason = mark.args[0] if mark.args else mark.kwargs.get("reason")
        if not reason:
            raise ValueError("openapi_exempt needs a reason")
        status = mark.kwargs.get("status")
        if status is None or ex.status in (status if isinstance(status, (tuple, list))
                                           else (status,)):
            return reason
    return None


def excerpt(data):
    if data is None:
        return "(none)"
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "..."


class Document:
    """An OpenAPI 3.1 document, loaded once; check() an exchange against it."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            self.spec = yaml.safe_load(f)
        if not str(self.spec.get("openapi", "")).startswith("3.1"):
            raise ValueError("%s: not an OpenAPI 3.1 document" % path)
        with warnings.catch_warnings():  # jsonschema >= 4.18 deprecates RefResolver
            warnings.simplefilter("ignore", DeprecationWarning)
            self.resolver = RefResolver("", self.spec)
        self._validators = {}
        self.templates = []
        for template, item in self.spec.get("paths", {}).items():
            names = re.findall(r"\{([^}/]+)\}", template)
            rx = "^" + "".join("[^/]+" if part.startswith("{") else re.escape(part)
                               for part in re.split(r"(\{[^}/]+\})", template) if part) + "$"
            self.templates.append((bool(names), template, re.compile(rx), item))
        self.templates.sort(key=lambda t: t[0])   # literal paths win over templates
        unknown = self.spec.get("x-signet-unknown-paths", {})
        self.owners = unknown.get("owners", [])
        self.default_owner = unknown.get("default")
        self.personalities = self.spec.get("x-signet-personalities", {})
        self.every = self.spec.get("x-signet-every-response", {})

    # ------------------------------------------------------------------ lookups

    def deref(self, obj):
        """obj with a "$ref" at its top followed (OpenAPI objects: responses, headers,
        parameters, request bodies)."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("only local $refs are supported: %s" % ref)
            obj = self.spec
            for part in ref[2:].split("/"):
                obj = obj[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
            if seen > 20:
                raise ValueError("$ref loop at %s" % ref)
        return obj

    def path_item(self, path):
        """(template, path item) of the document's path that path matches, or None."""
        for _, template, rx, item in self.templates:
            if rx.match(path):
                return template, item
        return None

    def operations(self):
        """[(METHOD, template)] of every operation in the document."""
        return [(m.upper(), t) for _, t, _, item in self.templates
                for m in METHODS if m in item]

    def owner_of(self, path):
        for o in self.owners:
            if ("path" in o and o["path"] == path) or \
                    ("prefix" in o and path.startswith(o["prefix"])):
                return o["personality"]
        return self.default_owner

    def personalities_of(self, item):
        p = item.get("x-signet-personality")
        return p if isinstance(p, list) else [p]

    def validator(self, schema):
        v = self._validators.get(id(schema))
        if v is None:
            v = self._validators[id(schema)] = (schema, Draft202012Validator(
                schema, resolver=self.resolver))
        return v[1]

    # ------------------------------------------------------------------ the check

    def check(self, ex):
        """The ways ex differs from the document: a list of strings, [] when none."""
        where = "%s %s%s -> %d" % (ex.method, ex.path, "?" + ex.query if ex.query else "",
                                   ex.status)
        found = self.path_item(ex.path)
        if found is None:
            owner = self.owner_of(ex.path)
            resp = self.personalities.get(owner, {}).get("not-found")
            if ex.status != 404 or resp is None:
                return ["%s: %s is no path of the document: the answer must be %s's 404"
                        % (where, ex.path, owner)]
            return ["%s: %s" % (where, p) for p in self.check_response(ex, resp)]
        template, item = found
        method = "get" if ex.method == "HEAD" else ex.method.lower()
        op = item.get(method) if method in METHODS else None
        if op is None:
            return ["%s: %s" % (where, p) for p in self.check_405(ex, item, template)]
        status = str(ex.status)
        responses = op.get("responses", {})
        resp = responses.get(status) or responses.get(status[0] + "XX") or \
            responses.get("default")
        if resp is None:
            return ["%s: status %s is not documented for %s %s (documented: %s)" % (
                where, status, method.upper(), template, ", ".join(sorted(responses)))]
        problems = self.check_response(ex, resp)
        if 200 <= ex.status < 300:
            problems += self.check_request(ex, op)
        return ["%s: %s" % (where, p) for p in problems]

    def check_405(self, ex, item, template):
        allow = ", ".join(m for m in ALLOW_ORDER if m.lower() in item)
        if ex.status != 405:
            return ["%s has no %s operation: the answer must be 405 (Allow: %s)" % (
                template, ex.method, allow)]
        problems = []
        if ex.headers.get("Allow") != allow:
            problems.append("Allow is %r, the document's methods of %s are %r" % (
                ex.headers.get("Allow"), template, allow))
        tried = []
        for who in self.personalities_of(item):
            resp = self.personalities.get(who, {}).get("method-not-allowed")
            if resp is None:
                tried.append("%s: no method-not-allowed in x-signet-personalities" % who)
                continue
            found = self.check_response(ex, resp)
            if not found:
                return problems
            tried += found
        return problems + tried

    def check_response(self, ex, resp):
        resp = self.deref(resp)
        problems = []
        headers = dict(self.every.get("headers", {}))
        headers.update(resp.get("headers", {}))
        for name, h in headers.items():
            h = self.deref(h)
            value = ex.headers.get(name)
            if value is None:
                if h.get("required"):
                    problems.append("header %s is missing" % name)
                continue
            schema = h.get("schema")
            if schema is not None:
                problems += ["header %s: %s" % (name, e) for e in
                             self.errors(schema, self.header_value(schema, value))]
        content = resp.get("content")
        mtype = media_type(ex.headers.get("Content-Type"))
        if not content:
            if ex.body:
                problems.append("the response has no body in the document, got %s: %s"
                                % (mtype, excerpt(ex.body)))
            return problems
        if mtype not in content:
            problems.append("Content-Type %s is not one of the document's (%s)" % (
                mtype, ", ".join(content)))
            return problems
        if ex.method == "HEAD":
            return problems
        schema = content[mtype].get("schema")
        if schema is None:
            return problems
        if is_json(mtype):
            try:
                body = json.loads(ex.body)
            except ValueError as e:
                return problems + ["the body is not JSON (%s): %s" % (e, excerpt(ex.body))]
        else:
            body = ex.body.decode("utf-8", "replace")
        errors = self.errors(schema, body)
        if errors:
            problems += ["response body: %s" % e for e in errors]
            problems.append("the body was: %s" % excerpt(ex.body))
        return problems

    def check_request(self, ex, op):
        problems = []
        rb = op.get("requestBody")
        if rb is not None:
            rb = self.deref(rb)
            content = rb.get("content", {})
            if not ex.request_body:
                if rb.get("required"):
                    problems.append("answered %d to a request without the body the "
                                    "document requires" % ex.status)
            else:
                mtype = media_type(ex.request_headers.get("Content-Type"))
                if mtype not in content:
                    problems.append("answered %d to a request body of type %s, not one of "
                                    "the document's (%s)" % (ex.status, mtype,
                                                             ", ".join(content)))
                elif is_json(mtype) and content[mtype].get("schema") is not None:
                    try:
                        body = json.loads(ex.request_body)
                    except ValueError:
                        problems.append("answered %d to a request body that is not JSON: %s"
                                        % (ex.status, excerpt(ex.request_body)))
                    else:
                        errors = self.errors(content[mtype]["schema"], body)
                        if errors:
                            problems += ["answered %d to a request body the document "
                                         "refuses: %s" % (ex.status, e) for e in errors]
                            problems.append("the request body was: %s"
                                            % excerpt(ex.request_body))
        security = op.get("security", self.spec.get("security", []))
        if security and not any(self.satisfied(alt, ex) for alt in security):
            problems.append("answered %d without the credentials of any of the operation's "
                            "security alternatives %s" % (ex.status, security))
        return problems

    def satisfied(self, alternative, ex):
        schemes = self.spec.get("components", {}).get("securitySchemes", {})
        for name in alternative:
            s = self.deref(schemes[name])
            if s["type"] == "http":
                header = "Authorization"
            elif s["type"] == "apiKey" and s.get("in") == "header":
                header = s["name"]
            else:
                raise ValueError("security scheme %s: only http and apiKey in a header "
                                 "are checked" % name)
            if not ex.request_headers.get(header):
                return False
        return True

    def header_value(self, schema, value):
        s = self.deref(schema)
        if s.get("type") == "integer" and re.fullmatch(r"-?[0-9]+", value.strip()):
            return int(value)
        return value

    def errors(self, schema, instance):
        """Why instance is not valid against schema: one line per failure, the most
        telling one first (best_match), [] when valid."""
        v = self.validator(schema)
        errs = list(v.iter_errors(instance))
        if not errs:
            return []
        best = best_match(errs)
        out = ["%s (at %s)" % (best.message, best.json_path)]
        for e in errs:
            if e is not best:
                out.append("%s (at %s)" % (e.message, e.json_path))
        return out[:5]
