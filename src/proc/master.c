/* signet: the master process: forks, reaps, respawns, reloads. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/hasher.h"
#include "base/metrics.h"
#include "base/scoreboard.h"
#include "base/log.h"
#include "mail/mailer.h"
#include "proc/master.h"
#include "proc/worker.h"
#include "base/xmalloc.h"

/*
 * More deaths than CRASH_MAX within CRASH_WINDOW seconds is a burst: a
 * crash at start-up (a bad library, a full disk) that respawning at once
 * would only repeat, as fast as fork(2) goes.  The master then starts no
 * child for a while (master_backoff(): 1, 2, 4 ... 60 s, one step further
 * for each burst in a row) and tries again, for ever: nobody may be
 * there to restart it.  A step is forgotten once the children ran
 * BACKOFF_CALM seconds without a burst.
 */
#define CRASH_MAX	20
#define CRASH_WINDOW	10
#define BACKOFF_MAX	60
#define BACKOFF_CALM	60

static volatile sig_atomic_t	got_term, got_hup, got_chld, got_alrm;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		got_term++;
		break;
	case SIGHUP:
		got_hup = 1;
		break;
	case SIGCHLD:
		got_chld = 1;
		break;
	case SIGALRM:
		got_alrm = 1;
		break;
	}
}

/* The unix socket we bound, and its inode then, for master_unlisten(). */
static char		*bound_path;
static struct stat	 bound;

static int
listen_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_crit("listen: %s: path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_crit("socket: %s", strerror(errno));
		return -1;
	}
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, (mode_t)cf->socket_mode) == -1 ||
	    stat(path, &bound) == -1 ||
	    listen(fd, (int)cf->backlog) == -1) {
		log_crit("listen: %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	bound_path = xstrdup(path);
	return fd;
}

void
master_unlisten(void)
{
	struct stat	st;

	/*
	 * Only the socket we made: a signet started while we were stopping
	 * (a supervisor that does not wait) may have bound the path anew.
	 */
	if (bound_path != NULL && stat(bound_path, &st) == 0 &&
	    st.st_dev == bound.st_dev && st.st_ino == bound.st_ino)
		(void)unlink(bound_path);
	free(bound_path);
	bound_path = NULL;
}

static int
listen_tcp(const char *spec)
{
	struct addrinfo	 hints, *res = NULL;
	char		*host, *port;
	int		 fd = -1, on = 1, rc;

	host = xstrdup(spec);
	port = strrchr(host, ':');
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &res)) != 0) {
		log_crit("listen: %s: %s", spec, gai_strerror(rc));
		goto out;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, (int)cf->backlog) == -1) {
		log_crit("listen: %s: %s", spec, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
out:
	if (res != NULL)
		freeaddrinfo(res);
	free(host);
	return fd;
}

int
master_listen(void)
{
	int		on = 0;
	socklen_t	len = sizeof(on);

	/* A web server that spawns us hands the socket over on fd 0. */
	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on) {
		log_info("using the FastCGI socket inherited on fd 0");
		return 0;
	}
	if (strncmp(cf->listen, "unix:", 5) == 0)
		return listen_unix(cf->listen + 5);
	return listen_tcp(cf->listen);
}

static unsigned		generation;
static int		listen_fd = -1;

/* Fork a child of that kind into a free slot. */
static void
spawn(enum slot_kind kind)
{
	pid_t	pid;
	int	i;

	for (i = 0; i < SLOTS_MAX; i++)
		if (sb->slots[i].pid == 0)
			break;
	if (i == SLOTS_MAX) {
		log_err("no free scoreboard slot; not forking");
		return;
	}
	memset(&sb->slots[i], 0, sizeof(sb->slots[i]));
	snprintf(sb->slots[i].route, sizeof(sb->slots[i].route),
	    "%s", slot_kind_route[kind]);
	sb->slots[i].generation = generation;
	switch ((pid = fork())) {
	case -1:
		log_err("fork: %s", strerror(errno));
		return;
	case 0:
		sb_slot = i;
		hasher_keep(kind == SLOT_WORKER, kind == SLOT_HASHER);
		if (kind != SLOT_WORKER && listen_fd != -1)
			close(listen_fd);
		if (kind == SLOT_MAILER)
			exit(mailer_run());
		if (kind == SLOT_HASHER)
			exit(hasher_run());
		exit(worker_run(listen_fd, false));
	default:
		sb->slots[i].pid = pid;
	}
}

/*
 * How many live children of each kind: workers and mailers of the current
 * generation, hashers of any (they hold no configuration, and
 * hash_concurrency is not reloaded).
 */
static void
count(int n[SLOT_KINDS])
{
	enum slot_kind	k;
	int		i;

	memset(n, 0, SLOT_KINDS * sizeof(n[0]));
	for (i = 0; i < SLOTS_MAX; i++) {
		if (sb->slots[i].pid == 0)
			continue;
		k = scoreboard_kind(&sb->slots[i]);
		if (k == SLOT_HASHER || sb->slots[i].generation == generation)
			n[k]++;
	}
}

/* Live workers of any generation: is anyone taking connections? */
static int
live_workers(void)
{
	int	i, n = 0;

	for (i = 0; i < SLOTS_MAX; i++)
		if (sb->slots[i].pid != 0 &&
		    scoreboard_kind(&sb->slots[i]) == SLOT_WORKER)
			n++;
	return n;
}

static int
slot_of(pid_t pid)
{
	int	i;

	for (i = 0; i < SLOTS_MAX; i++)
		if (sb->slots[i].pid == pid)
			return i;
	return -1;
}

/*
 * Reap every child that ended: log how, give back a hash permit it held.
 * Returns the number of abnormal deaths.
 */
static int
reap(void)
{
	static const enum mx_counter	restarts[SLOT_KINDS] = {
		MX_WORKER_RESTARTS, MX_MAILER_RESTARTS, MX_HASHER_RESTARTS
	};
	struct slot	*s;
	pid_t		 pid;
	int		 status, i, bad = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((i = slot_of(pid)) == -1)
			continue;
		s = &sb->slots[i];
		if (WIFSIGNALED(status)) {
			log_err("child %d killed by signal %d while serving "
			    "\"%s\"", (int)pid, WTERMSIG(status),
			    *s->route ? s->route : "nothing");
			bad++;
		} else if (WEXITSTATUS(status) != 0) {
			log_err("child %d exited with status %d while serving "
			    "\"%s\"", (int)pid, WEXITSTATUS(status),
			    *s->route ? s->route : "nothing");
			bad++;
		} else
			log_debug("child %d exited", (int)pid);
		/* An abnormal death: the loop forks its replacement. */
		if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)
			mx_inc(restarts[scoreboard_kind(s)]);
		scoreboard_reclaim(pid);
		memset(s, 0, sizeof(*s));
	}
	return bad;
}

/*
 * Signal the children: all, or those of an older generation.  The hashers
 * only to kill them: they outlive the workers they serve, and leave once
 * the last of them has (hasher_keep()).
 */
static void
signal_children(int sig, bool old_only)
{
	struct slot	*s;
	int		 i;

	for (i = 0; i < SLOTS_MAX; i++) {
		s = &sb->slots[i];
		if (s->pid != 0 &&
		    (scoreboard_kind(s) != SLOT_HASHER || sig == SIGKILL) &&
		    (!old_only || s->generation != generation))
			kill(s->pid, sig);
	}
}

static int
live_children(void)
{
	int	i, n = 0;

	for (i = 0; i < SLOTS_MAX; i++)
		if (sb->slots[i].pid != 0)
			n++;
	return n;
}

/* SIGHUP: new configuration, new workers, the old ones finish and go. */
static void
reload(void)
{
	if (conf_reload() == -1)
		return;
	generation++;
	log_info("configuration reloaded; replacing the workers");
}

long
master_backoff(unsigned step)
{
	if (step == 0)
		return 0;
	if (step > 6)
		return BACKOFF_MAX;
	return 1L << (step - 1) > BACKOFF_MAX ? BACKOFF_MAX : 1L << (step - 1);
}

/* Milliseconds on the monotonic clock. */
static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * While no worker runs, connections would wait in the queue for nobody
 * (nginx holds each for fastcgi_read_timeout): close them at once, so the
 * web server answers 502 now and a health check sees the outage.
 */
static void
refuse_waiting(void)
{
	int	fd, n = 0;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
		close(fd);
		n++;
	}
	if (n > 0)
		log_limited(LOG_WARNING, "master refuses",
		    "no worker runs: closed %d waiting connection%s", n,
		    n == 1 ? "" : "s");
}

/*
 * The crash accounting: deaths in the current window, backoff state.
 * Times in milliseconds on the monotonic clock.
 */
struct crashes {
	long long	start;		/* window opened */
	int		n;		/* deaths in it */
	unsigned	step;		/* bursts in a row */
	long long	resume;		/* backing off until then; 0: not */
	long long	resumed;	/* when the last backoff ended */
};

/* bad more abnormal deaths at now: back off on a burst. */
static void
crashed(struct crashes *c, int bad, long long now)
{
	long	delay;

	if (now - c->start > CRASH_WINDOW * 1000) {
		c->start = now;
		c->n = 0;
	}
	if ((c->n += bad) <= CRASH_MAX)
		return;
	if (c->step > 0 && c->resumed != 0 &&
	    now - c->resumed >= BACKOFF_CALM * 1000)
		c->step = 0;
	c->step++;
	delay = master_backoff(c->step);
	log_crit("%d children died within %d s: starting none for %ld s "
	    "(backoff step %u), then trying again", c->n, CRASH_WINDOW,
	    delay, c->step);
	c->resume = now + delay * 1000;
	c->n = 0;
	c->start = now;
}

/*
 * Sleep until a signal, or until timeout milliseconds (-1: none) pass,
 * or, when watch is set, until a connection waits on the listening
 * socket.  Signals get through only here.
 */
static void
wait_for(long long timeout, bool watch, const sigset_t *mask)
{
	struct pollfd	pfd;
	struct timespec	ts;

	pfd.fd = listen_fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	ts.tv_sec = (time_t)(timeout / 1000);
	ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
	(void)ppoll(watch ? &pfd : NULL, watch ? 1 : 0,
	    timeout >= 0 ? &ts : NULL, mask);
}

int
master_run(int fd)
{
	struct sigaction	 sa;
	sigset_t		 block, empty;
	struct crashes		 c;
	long long		 now, timeout;
	int			 n[SLOT_KINDS], i;
	bool			 stopping = false, watch;

	listen_fd = fd;
	/* Workers wait on it with a timeout, and so does refuse_waiting(). */
	if (fd != -1)
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	memset(&c, 0, sizeof(c));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);

	if (fd == -1)
		log_info("signet %s mailer master started, %ld mailers",
		    PACKAGE_VERSION, cf->mail_concurrency);
	else {
		if (hasher_open() == -1)
			return 1;
		log_info("signet %s master started, %ld workers, %ld hashers, "
		    "%ld mailers", PACKAGE_VERSION, cf->workers,
		    cf->hash_concurrency, cf->mail_concurrency);
	}
	for (;;) {
		log_tick();
		now = mono_ms();
		if (got_chld) {
			got_chld = 0;
			if ((i = reap()) > 0 && !stopping)
				crashed(&c, i, now);
		}
		if (got_term && !stopping) {
			stopping = true;
			log_info("stopping: letting requests in flight and "
			    "queued finish");
			signal_children(SIGTERM, false);
			hasher_keep(false, false);
			alarm((unsigned)cf->shutdown_timeout);
		} else if (got_term > 1 || got_alrm) {
			log_warn("stopping now");
			signal_children(SIGKILL, false);
			while (live_children() > 0 && waitpid(-1, NULL, 0) > 0)
				reap();
			return 1;
		}
		if (got_hup && !stopping) {
			got_hup = 0;
			reload();
		}
		timeout = -1;
		watch = false;
		if (stopping) {
			if (live_children() == 0) {
				log_info("stopped");
				return 0;
			}
		} else if (c.resume != 0 && now < c.resume) {
			/* Backing off: start nothing; fail fast if none runs. */
			timeout = c.resume - now;
			watch = listen_fd != -1 && live_workers() == 0;
			if (watch)
				refuse_waiting();
		} else {
			if (c.resume != 0) {
				log_warn("backoff of %ld s over: starting the "
				    "children again", master_backoff(c.step));
				c.resume = 0;
				c.resumed = now;
			}
			count(n);
			for (; listen_fd != -1 &&
			    n[SLOT_HASHER] < cf->hash_concurrency;
			    n[SLOT_HASHER]++)
				spawn(SLOT_HASHER);
			for (; listen_fd != -1 && n[SLOT_WORKER] < cf->workers;
			    n[SLOT_WORKER]++)
				spawn(SLOT_WORKER);
			for (; n[SLOT_MAILER] < cf->mail_concurrency;
			    n[SLOT_MAILER]++)
				spawn(SLOT_MAILER);
			signal_children(SIGTERM, true);
		}
		wait_for(timeout, watch, &empty);
	}
}
