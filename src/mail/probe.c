/*
 * signet: is the SMTP server there?  A connection, its greeting and QUIT,
 * within smtp_timeout_greeting: what a mailer asks every few seconds while
 * the server is away, without a mail or an attempt.  ISC licence.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/xmalloc.h"
#include "mail/submit.h"

/* Milliseconds left until end, at least 0. */
static int
left_ms(const struct timespec *end)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 600000 ? 600000 : (int)ms;
}

/* Wait until fd is ready for events, until end.  1 ready, 0 timeout/-1. */
static int
ready(int fd, short events, const struct timespec *end)
{
	struct pollfd	pfd;
	int		n;

	pfd.fd = fd;
	pfd.events = events;
	do {
		pfd.revents = 0;
		n = poll(&pfd, 1, left_ms(end));
	} while (n == -1 && errno == EINTR);
	return n == 1 ? 1 : n;
}

/*
 * Connect to host:port (libesmtp's form: split at the first ':', port
 * 587 when none) before end; the connected socket, or -1 with why.
 */
static int
probe_connect(const struct timespec *end, char *why, size_t sz)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		*host, *port;
	int		 fd = -1, rc, err = 0;
	socklen_t	 len = sizeof(err);

	host = xstrdup(cf->smtp_server);
	if ((port = strchr(host, ':')) != NULL)
		*port++ = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(*host ? host : NULL, port ? port : "587",
	    &hints, &res)) != 0) {
		snprintf(why, sz, "%s", gai_strerror(rc));
		goto out;
	}
	snprintf(why, sz, "no address");
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && (rc = ready(fd, POLLOUT, end)) ==
		    1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) ==
		    0 && err == 0)
			break;
		if (errno == EINPROGRESS && rc == 0)
			snprintf(why, sz, "timeout after %ld s connecting",
			    cf->smtp_timeout_greeting);
		else
			snprintf(why, sz, "cannot connect: %s",
			    strerror(err != 0 ? err : errno));
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
submit_probe(char *why, size_t sz)
{
	struct timespec	 end;
	char		 line[512];
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += cf->smtp_timeout_greeting;
	if ((fd = probe_connect(&end, why, sz)) == -1)
		return -1;
	/* The greeting's first line is enough: its code says it all. */
	while (len < sizeof(line) - 1 && memchr(line, '\n', len) == NULL) {
		if (ready(fd, POLLIN, &end) != 1) {
			snprintf(why, sz, "timeout after %ld s waiting for the "
			    "greeting", cf->smtp_timeout_greeting);
			goto out;
		}
		if ((n = read(fd, line + len, sizeof(line) - 1 - len)) <= 0) {
			snprintf(why, sz, "the server closed the connection "
			    "before its greeting");
			goto out;
		}
		len += (size_t)n;
	}
	line[len] = '\0';
	if (line[0] != '2') {
		snprintf(why, sz, "greeting %.3s", line);
		goto out;
	}
	(void)send(fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
	rc = 0;
out:
	close(fd);
	return rc;
}
