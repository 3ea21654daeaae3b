"""Quiet logs (issue 18, point 4): while PostgreSQL is away and clients retry in a loop,
or while a client sends garbage in a loop, signet writes a few lines, each one line,
with counts of what it dropped -- not a line per failed query or request.

Measured numbers (README's operations section) are printed: run with -rP to see them.
"""

import re
import threading
import time

from harness import Api, wait_until

# Every line signet writes to stderr: "<UTC time> <ident>[<pid>] <level>: <text>".
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ signet(-mailer)?\[\d+\] "
                  r"(crit|error|warning|info|debug): \S")


def new_lines(signet, offset):
    """The log's lines written after byte offset."""
    with open(signet.logfile, "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace").splitlines()


def log_size(signet):
    with open(signet.logfile, "rb") as f:
        return len(f.read())


def hammer(api, calls, stop, seconds):
    """Run calls (functions of api returning a status) in a loop on 4 threads until stop
    is set or seconds pass; returns the list of statuses (appended as they come)."""
    codes = []

    def loop():
        deadline = time.monotonic() + seconds
        i = 0
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                codes.append(calls[i % len(calls)](api))
            except Exception as e:
                codes.append(repr(e))
            i += 1

    threads = [threading.Thread(target=loop) for _ in range(4)]
    for t in threads:
        t.start()
    return codes, threads


def test_database_outage_under_retries_writes_a_few_one_line_lines(make_signet, pg):
    stack = make_signet(workers=2)
    api = Api(stack.url, timeout=30)
    assert api.get("/api/health").status_code == 200
    offset = log_size(stack.signet)
    calls = [lambda a: a.get("/api/health").status_code,
             lambda a: a.post("/api/login", json={"username": "nobody-at-all",
                                                  "password": "x"}).status_code]
    stop = threading.Event()
    codes, threads = hammer(api, calls, stop, 60)
    try:
        time.sleep(0.5)
        pg.stop()
        down = time.monotonic()
        time.sleep(10)
        pg.start()
        up = time.monotonic()
        wait_until(lambda: api.get("/api/health").status_code == 200, 15, "health 200")
        recovered = time.monotonic() - up
        time.sleep(1)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    lines = new_lines(stack.signet, offset)
    # The lines of the outage: not the access lines of the requests that succeeded.
    ok = re.compile(r" info: \S+ \S+ \S+ [23]\d\d [\d.]+ms$")
    outage = [l for l in lines if not ok.search(l)]
    failed = len([c for c in codes if c != 200])
    print("PostgreSQL away %.1f s, %d requests (%d failed): %d log lines besides "
          "successful requests' (%d error lines); recovered %.2f s after its return" % (
              up - down, len(codes), failed, len(outage),
              len([l for l in outage if " error: " in l]), recovered))
    for l in outage:
        print("  " + l[:160])
    assert failed > 200, "the clients did not retry enough to matter"
    bad = [l for l in lines if not LINE.match(l)]
    assert not bad, "lines not in signet's one-line form:\n" + "\n".join(bad[:10])
    # One line per kind (a database error, a failed route) per 5 s, with its counts.
    assert len(outage) <= 60, "\n".join(outage)
    assert any("more like it before]" in l or "more times in 5 s]" in l for l in outage)
    assert any("database: connect:" in l for l in outage)


def test_garbage_in_a_loop_cannot_fill_the_log(make_signet):
    stack = make_signet(workers=2)
    api = Api(stack.url, timeout=30)
    assert api.get("/api/health").status_code == 200
    offset = log_size(stack.signet)
    calls = [lambda a: a.post("/api/login", data=b"{", headers={
                 "Content-Type": "application/json"}).status_code,
             lambda a: a.get("/no/such/%d" % time.monotonic_ns()).status_code,
             lambda a: a.request("BREW", "/api/login").status_code]
    stop = threading.Event()
    codes, threads = hammer(api, calls, stop, 6)
    for t in threads:
        t.join(30)
    # The windows close 5 s after their first line: then each says how often it repeated.
    time.sleep(6)
    # (The health check's line may land after the offset: signet logs after answering.)
    lines = [l for l in new_lines(stack.signet, offset) if "/api/health" not in l]
    tally = {c: codes.count(c) for c in set(codes)}
    print("garbage for 6 s: %d requests %s, %d log lines" % (len(codes), tally, len(lines)))
    for l in lines:
        print("  " + l[:160])
    assert len(codes) > 300 and set(codes) <= {400, 404, 405}, tally
    # Per kind (3) and 5 s window (2): its first line and what it counted.
    assert len(lines) <= 15, "\n".join(lines)
    assert all(LINE.match(l) for l in lines)
    # Counted, not lost: the requests' lines (a summary, "[repeated N more times...]",
    # is none) and the counts the lines carry add up to the requests.
    counted = len([l for l in lines if "[repeated " not in l]) + sum(int(n) for n in re.findall(
        r"\[(?:and|repeated) (\d+) more", "\n".join(lines)))
    assert counted == len(codes), (counted, len(codes))
