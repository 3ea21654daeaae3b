"""A master that never gives up for good (issue 18, point 5): a burst of worker deaths
makes it start no child for 1 s, then 2 s, ... (at most 60 s), and try again, logging
each step; while no worker runs the web server answers 502 at once, and then the
service returns by itself, under the same master.

Measured numbers (README's operations section) are printed: run with -rP to see them.
"""

import os
import signal
import time

import pytest

from harness import Api, children_of, wait_until


def burst(pid, step, signet, limit=10):
    """SIGKILL every child of pid, again and again as the master replaces them, until the
    master logs backoff step `step` (bounded by limit seconds); the number killed."""
    killed = set()
    mark = "(backoff step %d)" % step
    deadline = time.monotonic() + limit
    while mark not in signet.log_text():
        assert time.monotonic() < deadline, "no backoff after %d deaths" % len(killed)
        for k in children_of(pid):
            if k not in killed:
                try:
                    os.kill(k, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                killed.add(k)
        time.sleep(0.002)
    return len(killed)


def health(api):
    t = time.monotonic()
    code = api.get("/api/health").status_code
    return code, time.monotonic() - t


@pytest.mark.openapi_exempt("while no worker runs, nginx answers 502 itself (its own page, "
                             "not signet's)", status=502)
def test_a_burst_of_deaths_backs_off_then_service_returns(make_signet):
    stack = make_signet(workers=2)
    api = Api(stack.url, timeout=30)
    s = stack.signet
    pid = s.pid
    assert api.get("/api/health").status_code == 200

    n1 = burst(pid, 1, s)
    t1 = time.monotonic()
    wait_until(lambda: health(api)[0] == 200, 10, "service back after step 1")
    back1 = time.monotonic() - t1

    n2 = burst(pid, 2, s)
    t2 = time.monotonic()
    # Step 2 starts no child for 2 s.  Those that outlived the burst keep serving; once
    # they are gone too nobody takes connections, and the master closes them, so nginx
    # answers 502 at once instead of holding the request.
    for k in children_of(pid):
        try:
            os.kill(k, signal.SIGKILL)
        except ProcessLookupError:
            pass        # one the burst killed, still on its way out
    wait_until(lambda: children_of(pid) == [], 2, "no child left")
    code, took = health(api)
    assert code == 502 and took < 1.0, (code, took)
    codes = []
    while True:
        code, _ = health(api)
        codes.append(code)
        if code == 200:
            break
        assert time.monotonic() - t2 < 10, codes
        time.sleep(0.05)
    back2 = time.monotonic() - t2
    assert set(codes[:-1]) <= {502}, codes
    for _ in range(20):
        assert health(api)[0] == 200
    assert s.pid == pid and s.running()
    log = s.log_text()
    assert "starting none for 1 s (backoff step 1), then trying again" in log
    assert "starting none for 2 s (backoff step 2), then trying again" in log
    assert "backoff of 1 s over: starting the children again" in log
    assert "backoff of 2 s over: starting the children again" in log
    assert "giving up" not in log
    print("burst of %d then %d deaths: service back %.2f s and %.2f s later (backoff 1 s, "
          "2 s), 502 meanwhile, same master" % (n1, n2, back1, back2))
