/* signet: the daemon's entry point.  ISC licence, see README. */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "base/conf.h"
#include "base/scoreboard.h"
#include "base/log.h"
#include "proc/master.h"
#include "proc/privdrop.h"
#include "proc/worker.h"
#include "base/xmalloc.h"

static void
usage(void)
{
	fprintf(stderr, "usage: signet [-dftV] [-c file] [--mailer]\n");
	exit(2);
}

/* Detach from the terminal; fd 0 stays if it is the FastCGI socket. */
static void
daemonize(int listen_fd)
{
	int	fd;

	switch (fork()) {
	case -1:
		err(1, "fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() == -1)
		err(1, "setsid");
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		err(1, "/dev/null");
	if (listen_fd != 0)
		dup2(fd, 0);
	dup2(fd, 1);
	if (strcmp(cf->log, "syslog") == 0)
		dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "mailer", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*path;
	char		 msg[512], shm[64];
	bool		 foreground = false, test = false, mailer = false;
	bool		 debug = false;
	int		 ch, fd, rc;
	sigset_t	 stop;

	if ((path = getenv("SIGNET_CONFIG")) == NULL)
		path = SYSCONFDIR "/signet/signet.conf";
	while ((ch = getopt_long(argc, argv, "c:dftVh", longopts, NULL)) != -1)
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 't':
			test = true;
			break;
		case 'M':
			mailer = true;
			break;
		case 'V':
			printf("signet %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	if (optind != argc)
		usage();

	cf = xcalloc(1, sizeof(*cf));
	if (conf_load(cf, path, msg, sizeof(msg)) == -1 ||
	    conf_load_secrets(cf, msg, sizeof(msg)) == -1)
		errx(1, "%s", msg);
	if (test) {
		printf("%s: configuration OK\n", path);
		return 0;
	}
	log_set_debug(debug || cf->debug);
	log_set_json(strcmp(cf->log_format, "json") == 0);

	if (mailer) {
		/* A master of mail_concurrency mailers and no workers. */
		if (cf->mail_concurrency == 0)
			errx(1, "%s: mail_concurrency is 0: signet --mailer "
			    "would run no mailer", path);
		if (privdrop_config(NULL, foreground) == -1)
			exit(1);
		log_init("signet-mailer", strcmp(cf->log, "syslog") == 0);
		scoreboard_init(NULL, 1, 1);
		return master_run(-1);
	}
	/*
	 * FCGX_Init() installs a SIGTERM handler of its own (it only notes a
	 * shutdown for FCGX_Accept(), which signet does not call): a stop
	 * asked for once the socket is bound but before master_run() or
	 * worker_run() sets its handlers would be swallowed, and signet would
	 * run on.  Hold the stop signals from here: they wait, pending, for
	 * those handlers.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	/* libfcgi reads its allow-list of web servers at FCGX_Init(). */
	if (*cf->web_server_addrs != '\0' &&
	    setenv("FCGI_WEB_SERVER_ADDRS", cf->web_server_addrs, 1) == -1)
		err(1, "setenv");
	if (FCGX_Init() != 0)
		errx(1, "FCGX_Init failed");
	if ((fd = master_listen()) == -1)
		errx(1, "cannot listen on %s", cf->listen);
	/* Socket and secrets are open: now give up root (see privdrop.h). */
	if (privdrop_config(fd != 0 && strncmp(cf->listen, "unix:", 5) == 0 ?
	    cf->listen + 5 : NULL, foreground) == -1)
		exit(1);
	/*
	 * With workers = 0 the web server starts every process (mod_fcgid):
	 * they share the hash permits of one configuration through a named
	 * region, not one count each.
	 */
	if (cf->workers == 0) {
		scoreboard_name(cf->path != NULL ? cf->path : "signet", shm);
		scoreboard_init(shm, (int)cf->hash_concurrency,
		    (int)cf->hash_queue);
	} else
		scoreboard_init(NULL, (int)cf->hash_concurrency,
		    (int)cf->hash_queue);
	/* A socket inherited on fd 0: a process manager runs us, so stay. */
	if (!foreground && fd != 0)
		daemonize(fd);
	log_init("signet", strcmp(cf->log, "syslog") == 0);

	if (cf->workers == 0) {
		log_info("signet %s serving in-process", PACKAGE_VERSION);
		rc = worker_run(fd, true);
	} else
		rc = master_run(fd);
	master_unlisten();
	return rc;
}
