/* signet: a worker process: accept, parse, dispatch, answer.  ISC licence. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "base/conf.h"
#include "base/scoreboard.h"
#include "core/event.h"
#include "db/db.h"
#include "base/log.h"
#include "wire/req.h"
#include "wire/route.h"
#include "proc/worker.h"

static volatile sig_atomic_t	stop;
static volatile sig_atomic_t	reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		stop = 1;
}

/*
 * Answer one accepted request, count it and log it.  A matched request is
 * logged by its route's pattern, not its path: a path segment can be a
 * secret (the FreeSewing confirmation id of /confirm/signup/<id>), and
 * secrets never reach a log line.  A request that failed (4xx, 5xx) is
 * logged through log_limited(), one line per route and status every few
 * seconds: an anonymous client sending garbage in a loop, or clients
 * retrying while the database is away, must not be able to fill the log.
 * The audit rows of its events are written once its transaction is over
 * and before the answer goes, so that a client that got its answer finds
 * them (a failure to write one is logged, never answered).
 */
static void
serve(FCGX_Request *f)
{
	struct req		 r;
	struct problem		 p;
	struct log_request	 q;
	char			 path[160], kind[80];
	unsigned long		 trips = db_round_trips();
	int			 rc;

	memset(&p, 0, sizeof(p));
	rc = req_parse(&r, f, &p);
	route_dispatch(&r, rc == 0 ? NULL : &p);
	db_rollback();	/* a handler that failed midway leaves no transaction */
	event_flush();
	req_send(&r);
	memset(&q, 0, sizeof(q));
	q.id = r.id;
	q.method = r.method;
	q.route = r.route != NULL ? r.route->name : "unknown";
	q.path = r.route != NULL ? r.route->pattern : log_escape(path,
	    sizeof(path), r.path, strlen(r.path));
	q.client = r.remote;
	q.status = r.status;
	q.ms = req_elapsed_ms(&r);
	q.worker = sb_slot;
	q.db = (long)(db_round_trips() - trips);
	route_observe(&r, q.ms / 1e3);
	/* The kind: nothing the client chose, so a bounded set. */
	if (r.status >= 400)
		snprintf(kind, sizeof(kind), "req %s %d", r.route != NULL ?
		    r.route->pattern : "-", r.status);
	log_request(LOG_INFO, r.status < 400 ? NULL : kind, &q);
	/*
	 * libfcgi closes a connection by shutdown(2), then waits for the web
	 * server to close its end, reading what it still sends: data left
	 * unread when a socket closes makes TCP reset the connection, and the
	 * server lose the answer.  Once the server's stdin stream has ended
	 * it sends nothing more, so a plain close(2) is safe, and the worker
	 * takes its next connection without waiting for the server to hang
	 * up (three system calls and a sleep less per request).
	 */
	if (r.read_all)
		FCGX_Detach(f);
	req_free(&r);
	scoreboard_busy(NULL);
}

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Asked to stop: the connections waiting in the socket's queue were
 * handed to signet already, and a worker that left them there would make
 * the web server answer 502 to each once the socket closes.  So take
 * them until the queue is empty, then go.  For at most half of
 * shutdown_timeout: the master kills what still runs at shutdown_timeout,
 * and the last request taken needs time to finish.  Under a load that
 * never lets the queue empty, what is left waits for whoever has the
 * socket next (systemd's socket unit keeps it open across a restart).
 * Returns how many requests were served.
 */
static unsigned long
drain(FCGX_Request *f, int fd)
{
	struct pollfd		pfd;
	long long		end;
	unsigned long		served = 0;
	int			rc;

	end = now_ms() + cf->shutdown_timeout * 500;
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN))
			break;		/* nothing waits */
		if (now_ms() >= end) {
			log_warn("stopping with connections still queued: "
			    "shutdown_timeout / 2 has passed");
			break;
		}
		if ((rc = FCGX_Accept_r(f)) < 0) {
			if (rc == -EAGAIN || rc == -EWOULDBLOCK ||
			    rc == -EINTR)
				continue;	/* another worker took it */
			break;
		}
		serve(f);
		FCGX_Finish_r(f);
		served++;
	}
	return served;
}

/* Reload in a master-less process: swap the configuration in place. */
static void
reload_in_place(void)
{
	if (conf_reload() == -1)
		return;
	db_close();	/* the database may have changed */
	log_info("configuration reloaded");
}

int
worker_run(int fd, bool standalone)
{
	struct sigaction	 sa;
	sigset_t		 none, block;
	struct epoll_event	 ev;
	int			 ep;
	FCGX_Request		 f;
	pid_t			 master = getppid();
	unsigned		 turns = 0;

	/*
	 * SIGTERM, SIGINT and SIGHUP get through only while we wait for a
	 * connection (epoll_pwait() below).  Anywhere else a signal would
	 * interrupt a system call that no SA_RESTART restarts: libfcgi's
	 * accept polls a new unix connection for its first bytes and, when
	 * that poll(2) fails with EINTR, closes the connection unanswered
	 * (nginx: "writev() failed (32: Broken pipe)", a 502) -- the rare
	 * failed request of a SIGHUP under load.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_SETMASK, &block, NULL);

	/*
	 * The listening socket is non-blocking and waited on with a timeout,
	 * so a worker that loses the race for a connection, or is asked to
	 * stop while idle, is never stuck in accept(2).  EPOLLEXCLUSIVE wakes
	 * one idle worker per connection instead of all of them.
	 */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (FCGX_InitRequest(&f, fd, 0) != 0) {
		log_crit("FCGX_InitRequest failed");
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	if (ep == -1 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_crit("epoll: %s", strerror(errno));
		return 1;
	}
	(void)db_ready();	/* connect early; a failure retries later */
	while (!stop) {
		log_tick();
		if (reload && standalone) {
			reload = 0;
			reload_in_place();
		}
		/* Asked when idle, and every few dozen requests under load. */
		if (!standalone && turns++ % 64 == 0 && getppid() != master)
			break;		/* the master is gone: so are we */
		if (epoll_pwait(ep, &ev, 1, 1000, &none) <= 0) {
			turns = 0;
			continue;
		}
		if (FCGX_Accept_r(&f) < 0)
			continue;	/* another worker took it, or EINTR */
		serve(&f);
		FCGX_Finish_r(&f);
	}
	if (stop)
		log_debug("drained %lu queued requests", drain(&f, fd));
	log_tick();
	FCGX_Free(&f, 0);
	close(ep);
	db_close();
	return 0;
}
