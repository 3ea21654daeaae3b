"""signet's harness: the one way to bring up PostgreSQL, an SMTP sink, signet and nginx
on loopback, for the integration tests (tests/integration/conftest.py makes fixtures of
it), for contrib/dev/up|down|status (dev.py) and for the benchmarks (bench/driver.py).

    proc.py       paths (SRCDIR, BUILDDIR), ports, waits, processes, the unprivileged user
    postgres.py   Postgres: a private cluster (initdb as that user when we are root)
    smtp.py       SmtpSink, Mail, MailDir, extract_code(); `python3 -m harness smtp`
    signet.py     Keys, Signet (the daemon from the build tree), Mailer (signet --mailer)
    nginx.py      Server (a foreground server), Nginx, write_nginx_config()
    api.py        Api (a requests client that hands each Exchange to Api.recorder), Stack
                  (a signet behind its own nginx)
    openapi.py    Document: an exchange checked against doc/openapi.yaml (the tests' guard;
                  imported by itself, it needs python3-yaml and python3-jsonschema)
    frontends.py  lighttpd, Apache mod_fcgid, spawn-fcgi in front of signet (the tests)
    pgbouncer.py  Pgbouncer: pgbouncer in transaction pooling in front of a Postgres
    netns.py      Lab: network namespaces on a private bridge (the multi-host test)
    flows.py      whole user flows (sign up with the mailed code, log in, ...)
    fake_fcgi.py, fcgi_echo.py   FastCGI responders that echo what a server sends
    dev.py        contrib/dev/up, down, status: `python3 -m harness dev up`

Everything listens on 127.0.0.1 only (or, in a Lab, on its private subnet), every wait
is bounded, and every process started here is stopped by its owner's stop().  The plain helpers are importable from here:

    from harness import extract_code, wait_until
"""

import pwd  # noqa: F401  (harness.pwd: kept for the tests that use it)

from .api import Api, Stack
from .nginx import Nginx, Server, nginx_binary, write_nginx_config
from .postgres import NULL, OtherDatabase, Postgres, pg_bindir
from .proc import (BUILDDIR, IS_ROOT, PG_USER, PYTHON, SRCDIR, PidProc, as_user,
                   check_reachable, children_of, comm_of, cpu_ticks, ensure_pg_user, find_binary,
                   free_port, kill_group, me, pgroup_members, pid_alive, procs_with_env,
                   public_tmpdir, python_cmd, python_env, reachable, read_pidfile, run, spawn,
                   stop_group, tail, tcp_open, unix_open, unprivileged, user_can_reach,
                   wait_until, write_pidfile)
from .signet import SANITIZER_RE, Keys, Mailer, Signet
from .smtp import (Mail, MailDir, SmtpSink, body_part, extract_code, extract_url,
                   select, spawn_sink)

__all__ = ["Api", "as_user", "body_part", "BUILDDIR", "check_reachable", "children_of",
           "comm_of", "ensure_pg_user", "extract_code", "extract_url", "find_binary", "free_port",
           "IS_ROOT", "Keys", "kill_group", "Mail", "MailDir", "Mailer", "me", "Nginx",
           "nginx_binary", "NULL", "OtherDatabase", "pg_bindir", "PG_USER",
           "pgroup_members", "pid_alive", "PidProc", "Postgres", "procs_with_env",
           "public_tmpdir", "PYTHON", "python_cmd", "python_env", "reachable",
           "read_pidfile", "run", "SANITIZER_RE", "select", "Server", "Signet", "SmtpSink",
           "spawn", "spawn_sink", "SRCDIR", "Stack", "stop_group", "tail", "tcp_open",
           "unix_open", "unprivileged", "user_can_reach", "wait_until",
           "write_nginx_config", "write_pidfile"]
