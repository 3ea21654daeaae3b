/* signet: a worker process: accept, parse, dispatch, answer.  ISC licence. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "base/conf.h"
#include "base/scoreboard.h"
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
 * Answer one accepted request and log it.  A matched request is logged by
 * its route's pattern, not its path: a path segment can be a secret (the
 * FreeSewing confirmation id of /confirm/signup/<id>), and secrets never
 * reach a log line.
 */
static void
serve(FCGX_Request *f)
{
	struct req	 r;
	struct problem	 p;
	char		 path[160];
	int		 rc;

	memset(&p, 0, sizeof(p));
	rc = req_parse(&r, f, &p);
	route_dispatch(&r, rc == 0 ? NULL : &p);
	db_rollback();	/* a handler that failed midway leaves no transaction */
	req_send(&r);
	log_info("%s %s %s %d %.1fms", r.id, r.method, r.route != NULL ?
	    r.route->pattern : log_escape(path, sizeof(path), r.path,
	    strlen(r.path)), r.status, req_elapsed_ms(&r));
	req_free(&r);
	scoreboard_busy(NULL);
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
	sigset_t		 none;
	struct epoll_event	 ev;
	int			 ep;
	FCGX_Request		 f;
	pid_t			 master = getppid();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;	/* never cut a request in flight */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);	/* the master forks with its signals blocked */
	sigprocmask(SIG_SETMASK, &none, NULL);

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
		if (reload && standalone) {
			reload = 0;
			reload_in_place();
		}
		if (!standalone && getppid() != master)
			break;		/* the master is gone: so are we */
		if (epoll_wait(ep, &ev, 1, 1000) <= 0)
			continue;
		if (FCGX_Accept_r(&f) < 0)
			continue;	/* another worker took it, or EINTR */
		serve(&f);
		FCGX_Finish_r(&f);
	}
	FCGX_Free(&f, 0);
	close(ep);
	db_close();
	return 0;
}
