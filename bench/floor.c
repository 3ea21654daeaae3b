/*
 * bench/floor: the FastCGI floors signet's cheap paths are measured against.
 * ISC licence, see README.
 *
 * A minimal pre-forked libfcgi responder, nothing else:
 *
 *   floor -s SOCKET -w WORKERS [-m static|select|query] [-d CONNINFO]
 *         [-q SQLFILE -v VALUE] [-a block|poll|epoll] [-b BACKLOG]
 *
 *   -m static  (floor A) answer every request with a small JSON body
 *   -m select  (floor B) the same, after one prepared indexed
 *              SELECT name, email FROM bench_floor WHERE id = $1
 *              (a random id of 1..100000) on the worker's own libpq
 *              connection (-d CONNINFO), its row in the body
 *   -m query   the same with the one-parameter statement in SQLFILE run
 *              with $1 = VALUE, the row count in the body
 *   -m session signet's own session query function (db_session_load(),
 *              linked from signet's library) for the user gid VALUE, the
 *              row counts in the body: what /api/init reads, without
 *              signet's request path around it
 *   -a block   workers block in accept(2) inside FCGX_Accept_r: the stock
 *              libfcgi pattern, and the floor proper
 *   -a poll    the listening socket is non-blocking and every worker polls
 *              it with a timeout before FCGX_Accept_r: what signet's
 *              worker.c does; every connection wakes every idle worker
 *   -a epoll   as poll, through an epoll set with EPOLLEXCLUSIVE: one idle
 *              worker is woken per connection
 *
 * The master forks WORKERS workers and waits; SIGTERM or SIGINT stops it and
 * its workers, and a worker whose master dies stops too (PR_SET_PDEATHSIG).
 * The floor does no parsing, routing, logging or JSON building: whatever
 * signet spends on top of it is signet's own cost.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <libpq-fe.h>

#include "base/conf.h"
#include "db/db.h"
#include "db/session.h"

#define ROWS	100000

enum accept_mode { ACC_BLOCK, ACC_POLL, ACC_EPOLL };

static volatile sig_atomic_t	stop;
static const char		*query_sql;	/* -m query: the statement */
static const char		*query_value;	/* and its $1 */

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: floor -s SOCKET -w WORKERS "
	    "[-m static|select|query|session] [-d CONNINFO] [-q SQLFILE] "
	    "[-v VALUE] "
	    "[-a block|poll|epoll] [-b BACKLOG]\n");
	exit(2);
}

/* The whole of path, NUL-terminated, or NULL. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The worker's connection and its prepared statement; exits on failure. */
static PGconn *
db_open(const char *conninfo)
{
	PGconn		*c;
	PGresult	*res;

	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "floor: %s", PQerrorMessage(c));
		exit(1);
	}
	res = PQprepare(c, "row", query_sql != NULL ? query_sql :
	    "SELECT name, email FROM bench_floor WHERE id = $1", 1, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "floor: prepare: %s", PQerrorMessage(c));
		exit(1);
	}
	PQclear(res);
	return c;
}

/* -m session: the session of user gid query_value, through signet's code. */
static int
session_body(char *body, size_t sz)
{
	struct session	s;
	int		n;

	if (db_session_load(query_value, &s) != 1)
		return -1;
	n = snprintf(body, sz, "{\"success\":true,\"result\":{\"users\":%zu,"
	    "\"projects\":%zu,\"members\":%zu},\"data\":{}}", s.nusers,
	    s.nprojects, s.nmembers);
	db_session_free(&s);
	return n;
}

/* Answer one request: a status line, headers and a small JSON body. */
static void
answer(FCGX_Request *f, PGconn *db, unsigned *seed, bool session)
{
	char		 body[512], id[16];
	const char	*params[1];
	PGresult	*res;
	int		 n, status = 200;

	if (session) {
		if ((n = session_body(body, sizeof(body))) == -1) {
			status = 503;
			n = snprintf(body, sizeof(body),
			    "{\"success\":false}");
		}
	} else if (db == NULL)
		n = snprintf(body, sizeof(body),
		    "{\"success\":true,\"result\":{\"status\":\"ok\"},"
		    "\"data\":{}}");
	else {
		snprintf(id, sizeof(id), "%d", 1 + rand_r(seed) % ROWS);
		params[0] = query_sql != NULL ? query_value : id;
		res = PQexecPrepared(db, "row", 1, params, NULL, NULL, 0);
		if (query_sql != NULL && PQresultStatus(res) == PGRES_TUPLES_OK)
			n = snprintf(body, sizeof(body),
			    "{\"success\":true,\"result\":{\"rows\":%d},"
			    "\"data\":{}}", PQntuples(res));
		else if (PQresultStatus(res) == PGRES_TUPLES_OK &&
		    PQntuples(res) == 1)
			n = snprintf(body, sizeof(body),
			    "{\"success\":true,\"result\":{\"id\":%s,"
			    "\"name\":\"%s\",\"email\":\"%s\"},\"data\":{}}",
			    id, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		else {
			status = 503;
			n = snprintf(body, sizeof(body),
			    "{\"success\":false}");
		}
		PQclear(res);
	}
	FCGX_FPrintF(f->out, "Status: %d %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %d\r\n\r\n", status,
	    status == 200 ? "OK" : "Service Unavailable", n);
	FCGX_PutStr(body, n, f->out);
}

static int
worker(int fd, enum accept_mode mode, const char *conninfo, bool session)
{
	static struct conf	 sc;
	FCGX_Request		 f;
	struct pollfd		 pfd;
	struct epoll_event	 ev;
	PGconn			*db = NULL;
	unsigned		 seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	int			 ep = -1, n;

	/* A floor worker may die mid-request: it has nothing to finish. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		return 1;
	if (session) {
		/* signet's db layer, on the configuration it reads. */
		sc.database = (char *)(uintptr_t)conninfo;
		cf = &sc;
		if (!db_ready())
			return 1;
	} else if (conninfo != NULL)
		db = db_open(conninfo);
	if (mode != ACC_BLOCK)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (mode == ACC_EPOLL) {
		if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
			perror("floor: epoll_create1");
			return 1;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
			perror("floor: epoll_ctl");
			return 1;
		}
	}
	if (FCGX_InitRequest(&f, fd, 0) != 0)
		return 1;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		if (mode == ACC_POLL) {
			pfd.revents = 0;
			if (poll(&pfd, 1, 1000) <= 0)
				continue;
		} else if (mode == ACC_EPOLL) {
			n = epoll_wait(ep, &ev, 1, 1000);
			if (n <= 0)
				continue;
		}
		if (FCGX_Accept_r(&f) < 0)
			continue;
		answer(&f, db, &seed, session);
		FCGX_Finish_r(&f);
	}
	FCGX_Free(&f, 0);
	if (db != NULL)
		PQfinish(db);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	const char		*sock = NULL, *conninfo = NULL;
	enum accept_mode	 mode = ACC_BLOCK;
	pid_t			*pids;
	int			 c, fd, i, nworkers = 0, backlog = 128;
	int			 select_mode = 0;

	while ((c = getopt(argc, argv, "a:b:d:m:q:s:v:w:")) != -1) {
		switch (c) {
		case 'a':
			if (strcmp(optarg, "block") == 0)
				mode = ACC_BLOCK;
			else if (strcmp(optarg, "poll") == 0)
				mode = ACC_POLL;
			else if (strcmp(optarg, "epoll") == 0)
				mode = ACC_EPOLL;
			else
				usage();
			break;
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'd':
			conninfo = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "static") == 0)
				select_mode = 0;
			else if (strcmp(optarg, "select") == 0)
				select_mode = 1;
			else if (strcmp(optarg, "query") == 0)
				select_mode = 2;
			else if (strcmp(optarg, "session") == 0)
				select_mode = 3;
			else
				usage();
			break;
		case 'q':
			if ((query_sql = slurp(optarg)) == NULL) {
				perror(optarg);
				return 1;
			}
			break;
		case 's':
			sock = optarg;
			break;
		case 'v':
			query_value = optarg;
			break;
		case 'w':
			nworkers = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (sock == NULL || nworkers < 1 || nworkers > 256 || backlog < 1 ||
	    (select_mode && conninfo == NULL) ||
	    ((select_mode == 2) != (query_sql != NULL)) ||
	    ((select_mode >= 2) != (query_value != NULL)))
		usage();
	if (!select_mode)
		conninfo = NULL;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0) {
		fprintf(stderr, "floor: FCGX_Init failed\n");
		return 1;
	}
	unlink(sock);
	if ((fd = FCGX_OpenSocket(sock, backlog)) < 0) {
		fprintf(stderr, "floor: cannot listen on %s\n", sock);
		return 1;
	}
	chmod(sock, 0666);

	pids = calloc((size_t)nworkers, sizeof(*pids));
	if (pids == NULL)
		return 1;
	for (i = 0; i < nworkers; i++) {
		switch ((pids[i] = fork())) {
		case -1:
			perror("floor: fork");
			stop = 1;
			break;
		case 0:
			_exit(worker(fd, mode, conninfo, select_mode == 3));
		}
		if (stop)
			break;
	}
	/* The master only waits: a worker that dies is not replaced. */
	while (!stop) {
		if (waitpid(-1, NULL, 0) == -1 && errno == ECHILD)
			break;
	}
	for (i = 0; i < nworkers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (waitpid(-1, NULL, 0) > 0)
		continue;
	unlink(sock);
	free(pids);
	return 0;
}
