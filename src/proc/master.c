/* signet: the master process: forks, reaps, respawns, reloads. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/scoreboard.h"
#include "base/log.h"
#include "mail/mailer.h"
#include "proc/master.h"
#include "proc/worker.h"
#include "base/xmalloc.h"

/* More deaths than this within CRASH_WINDOW seconds: give up loudly. */
#define CRASH_MAX	20
#define CRASH_WINDOW	10

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
	    listen(fd, (int)cf->backlog) == -1) {
		log_crit("listen: %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
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
static int		listen_fd;

/* Fork a child into a free slot: a worker, or the mailer. */
static void
spawn(bool mailer)
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
	    "%s", mailer ? "mailer" : "");
	sb->slots[i].generation = generation;
	switch ((pid = fork())) {
	case -1:
		log_err("fork: %s", strerror(errno));
		return;
	case 0:
		sb_slot = i;
		if (mailer) {
			close(listen_fd);
			exit(mailer_run());
		}
		exit(worker_run(listen_fd, false));
	default:
		sb->slots[i].pid = pid;
		/* The slot's route says "mailer" for the mailer's lifetime. */
	}
}

/* How many live children of the current generation, by kind. */
static void
count(int *workers, int *mailers)
{
	int	i;

	*workers = *mailers = 0;
	for (i = 0; i < SLOTS_MAX; i++) {
		if (sb->slots[i].pid == 0 ||
		    sb->slots[i].generation != generation)
			continue;
		if (strcmp(sb->slots[i].route, "mailer") == 0 &&
		    sb->slots[i].pid != 0)
			(*mailers)++;
		else
			(*workers)++;
	}
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
		scoreboard_reclaim(pid);
		memset(s, 0, sizeof(*s));
	}
	return bad;
}

static void
signal_children(int sig, bool old_only)
{
	int	i;

	for (i = 0; i < SLOTS_MAX; i++)
		if (sb->slots[i].pid != 0 &&
		    (!old_only || sb->slots[i].generation != generation))
			kill(sb->slots[i].pid, sig);
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

int
master_run(int fd)
{
	struct sigaction	 sa;
	sigset_t		 block, empty;
	time_t			 crash_start = 0;
	int			 crashes = 0, w, m, i;
	bool			 stopping = false;

	listen_fd = fd;
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

	log_info("signet %s master started, %ld workers", PACKAGE_VERSION,
	    cf->workers);
	for (;;) {
		if (got_chld) {
			got_chld = 0;
			if ((i = reap()) > 0 && !stopping) {
				if (time(NULL) - crash_start > CRASH_WINDOW) {
					crash_start = time(NULL);
					crashes = 0;
				}
				if ((crashes += i) > CRASH_MAX) {
					log_crit("%d children died within %d s: "
					    "giving up", crashes, CRASH_WINDOW);
					signal_children(SIGKILL, false);
					return 1;
				}
			}
		}
		if (got_term && !stopping) {
			stopping = true;
			log_info("stopping: letting requests in flight finish");
			signal_children(SIGTERM, false);
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
		if (stopping) {
			if (live_children() == 0) {
				log_info("stopped");
				return 0;
			}
		} else {
			count(&w, &m);
			for (; w < cf->workers; w++)
				spawn(false);
			if (m == 0)
				spawn(true);
			signal_children(SIGTERM, true);
		}
		sigsuspend(&empty);
	}
}
