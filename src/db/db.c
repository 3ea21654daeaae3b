/* signet: the one PostgreSQL connection of a process.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <libpq-fe.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/xmalloc.h"
#include "db/db.h"
#include "db/stmt.h"

static PGconn		*conn;
static unsigned long	 gen;		/* bumped on every new connection */
static bool		 in_tx;
static bool		 last_down;
static char		 last_state[6];
static bool		 mailer_link;	/* connect with mailer_database */

/* libpq's notices (e.g. "relation exists, skipping") go to our log. */
static void
notice(void *arg, const char *msg)
{
	char	line[512];

	log_debug("postgresql: %s", log_oneline(line, sizeof(line), msg));
}

/*
 * Log a database failure: what failed (a statement's name, "connect", ...)
 * and libpq's message, on one line.  A database that is away fails every
 * query of every process, and a client can make some fail at will: lines
 * go through log_limited(), one kind per SQLSTATE and statement, or per
 * message when there is no SQLSTATE (the link itself: the same text from
 * every statement).
 */
static void
complain(const char *what, const char *state, const char *msg)
{
	char	line[512], kind[600];

	log_oneline(line, sizeof(line), msg);
	if (state != NULL && *state != '\0')
		snprintf(kind, sizeof(kind), "db %s %s", state, what);
	else
		snprintf(kind, sizeof(kind), "db %s", line);
	log_limited(LOG_ERR, kind, "database: %s: %s", what, line);
}

void
db_use_mailer_database(void)
{
	mailer_link = true;
}

/* The conninfo of this process: mailer_database for the mailer, if set. */
static const char *
conninfo(void)
{
	if (mailer_link && cf->mailer_database != NULL &&
	    *cf->mailer_database != '\0')
		return cf->mailer_database;
	return cf->database;
}

bool
db_ready(void)
{
	/*
	 * Defaults first: the conninfo in "dbname" may override them.  No
	 * GSSAPI probe unless asked for (it costs a round trip per connect
	 * and ~1 MiB per process).
	 */
	const char *const kw[] = { "connect_timeout", "application_name",
	    "gssencmode", "dbname", NULL };
	const char *const val[] = { "3", "signet", "disable", conninfo(),
	    NULL };

	if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
		return true;
	if (conn != NULL)
		PQfinish(conn);
	in_tx = false;
	conn = PQconnectdbParams(kw, val, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		mx_inc(MX_DB_ERRORS);
		complain("connect", NULL, conn ? PQerrorMessage(conn) :
		    "out of memory");
		if (conn != NULL)
			PQfinish(conn);
		conn = NULL;
		last_down = true;
		return false;
	}
	PQsetNoticeProcessor(conn, notice, NULL);
	if (gen > 0)
		mx_inc(MX_DB_RECONNECTS);	/* this process had one before */
	gen++;
	last_down = false;
	return true;
}

void
db_close(void)
{
	if (conn != NULL)
		PQfinish(conn);
	conn = NULL;
	in_tx = false;
}

const char *
db_sqlstate(void)
{
	return last_state;
}

bool
db_down(void)
{
	return last_down;
}

const char *
db_val(const PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
}

/* Record why res (may be NULL) failed; true when the link is gone. */
static bool
failed(PGresult *res, const char *what)
{
	const char	*st, *msg;

	st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(last_state, sizeof(last_state), "%s", st ? st : "");
	last_down = conn == NULL || PQstatus(conn) != CONNECTION_OK;
	/* Unique violations are answers, not faults: the caller decides. */
	if (strcmp(last_state, SQLSTATE_UNIQUE) != 0) {
		mx_inc(MX_DB_ERRORS);
		msg = res ? PQresultErrorMessage(res) : "";
		if (*msg == '\0')
			msg = conn ? PQerrorMessage(conn) : "no connection";
		complain(what, last_state, msg);
	}
	return last_down;
}

/* Round trips to the server this process made (statements, BEGIN, ...). */
static unsigned long	trips;

unsigned long
db_round_trips(void)
{
	return trips;
}

/*
 * PQexecPrepared(), preparing st first on a new connection.  Returns the
 * result of PQexecPrepared(), or the failed one of PQprepare().
 */
static PGresult *
prepared(struct stmt *st, const char *const *params)
{
	PGresult	*res;

	if (st->gen != gen) {
		trips++;
		res = PQprepare(conn, st->name, st->sql, st->nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return res;
		PQclear(res);
		st->gen = gen;
	}
	trips++;
	return PQexecPrepared(conn, st->name, st->nparams, params, NULL, NULL,
	    0);
}

/*
 * Behind a pooler in transaction mode a server connection may carry another
 * session's LISTEN (a mailer without mailer_database), and its notifications
 * then reach whichever client holds the connection.  Only the mailer reads
 * them (db_notifications()); anywhere else libpq would keep them until the
 * connection closes, so they are dropped after each statement.
 */
static void
drop_notifications(void)
{
	PGnotify	*n;
	int		 count = 0;

	if (mailer_link || conn == NULL)
		return;
	while ((n = PQnotifies(conn)) != NULL) {
		PQfreemem(n);
		count++;
	}
	if (count > 0)
		log_debug("database: dropped %d notification(s) of another "
		    "session (a LISTEN through the pool)", count);
}

/*
 * Run st on the connection: prepared by name once per connection, or with
 * db_statements = unnamed sent with its text every time (PQexecParams: an
 * unnamed statement, parsed, bound and run in one round trip), so nothing
 * outlives the transaction on a pooled server connection.
 */
static PGresult *
run(struct stmt *st, const char *const *params)
{
	PGresult	*res;

	if (cf->db_unnamed) {
		trips++;
		res = PQexecParams(conn, st->sql, st->nparams, NULL, params,
		    NULL, NULL, 0);
	} else
		res = prepared(st, params);
	drop_notifications();
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		last_state[0] = '\0';
		return res;
	default:
		failed(res, st->name);
		PQclear(res);
		return NULL;
	}
}

PGresult *
db_query(struct stmt *st, const char *const *params)
{
	PGresult	*res;

	last_state[0] = '\0';
	if (!db_ready())
		return NULL;
	if ((res = run(st, params)) != NULL)
		return res;
	/* A connection lost between requests: one more try, fresh link. */
	if (last_down && !in_tx && db_ready())
		res = run(st, params);
	return res;
}

int
db_exec(struct stmt *st, const char *const *params)
{
	PGresult	*res;

	if ((res = db_query(st, params)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

long long
db_changed(struct stmt *st, const char *const *params)
{
	PGresult	*res;
	long long	 n;

	if ((res = db_query(st, params)) == NULL)
		return -1;
	n = atoll(PQcmdTuples(res));
	PQclear(res);
	return n;
}

int
db_changed_any(struct stmt *st, const char *const *params)
{
	long long	n;

	if ((n = db_changed(st, params)) == -1)
		return -1;
	return n > 0;
}

int
db_one(struct stmt *st, const char *const *params, db_fill_fn *fill,
    void *obj)
{
	PGresult	*res;
	int		 found;

	if ((res = db_query(st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0))
		fill(res, 0, obj);
	PQclear(res);
	return found;
}

int
db_exists(struct stmt *st, const char *const *params)
{
	PGresult	*res;
	int		 found;

	if ((res = db_query(st, params)) == NULL)
		return -1;
	found = PQntuples(res) > 0;
	PQclear(res);
	return found;
}

int
db_rows(struct stmt *st, const char *const *params,
    void (*each)(const char *const *, int, void *), void *arg)
{
	PGresult	*res;
	const char	**cols;
	int		  r, c, n, nc;

	if ((res = db_query(st, params)) == NULL)
		return -1;
	n = PQntuples(res);
	nc = PQnfields(res);
	cols = xcalloc((size_t)nc + 1, sizeof(*cols));
	for (r = 0; r < n; r++) {
		for (c = 0; c < nc; c++)
			cols[c] = db_val(res, r, c);
		each(cols, nc, arg);
	}
	free(cols);
	PQclear(res);
	return 0;
}

char *
db_dup(const PGresult *res, int r, int c)
{
	const char	*v = db_val(res, r, c);

	return v != NULL ? xstrdup(v) : NULL;
}

const char *
db_int(char buf[DB_INT_LEN], long long v)
{
	snprintf(buf, DB_INT_LEN, "%lld", v);
	return buf;
}

/* GET /api/health */
int
db_ping(void)
{
	static struct stmt	st = STMT("ping", "SELECT 1", 0);

	return db_exec(&st, NULL);
}

unsigned long
db_generation(void)
{
	return gen;
}

int
db_socket(void)
{
	return conn != NULL ? PQsocket(conn) : -1;
}

/* mailer: LISTEN on a fresh connection (not prepared: no parameters) */
int
db_listen(const char *channel)
{
	char	*sql;
	int	 rc;

	sql = xasprintf("LISTEN %s", channel);
	rc = db_simple(sql);
	free(sql);
	return rc;
}

int
db_notifications(bool consume)
{
	PGnotify	*n;
	int		 any = 0;

	if (conn == NULL)
		return -1;
	if (consume && !PQconsumeInput(conn)) {
		complain("notifications", NULL, PQerrorMessage(conn));
		db_close();
		last_down = true;
		return -1;
	}
	while ((n = PQnotifies(conn)) != NULL) {
		any = 1;
		PQfreemem(n);
	}
	return any;
}

static int
simple(const char *sql)
{
	PGresult	*res;
	int		 rc = -1;

	trips++;
	res = PQexec(conn, sql);
	drop_notifications();
	if (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK)
		rc = 0;
	else
		failed(res, "simple query");
	PQclear(res);
	return rc;
}

int
db_simple(const char *sql)
{
	last_state[0] = '\0';
	if (!db_ready())
		return -1;
	if (simple(sql) == 0)
		return 0;
	/* As db_query(): a link lost between requests gets one more try. */
	if (last_down && !in_tx && db_ready())
		return simple(sql);
	return -1;
}

int
db_begin(void)
{
	if (db_simple("BEGIN") == -1)
		return -1;
	in_tx = true;
	return 0;
}

int
db_commit(void)
{
	int	rc;

	rc = db_simple("COMMIT");
	in_tx = false;
	return rc;
}

void
db_rollback(void)
{
	PGresult	*res;

	if (conn == NULL || !in_tx)
		return;
	in_tx = false;
	if (PQstatus(conn) == CONNECTION_OK) {
		res = PQexec(conn, "ROLLBACK");
		PQclear(res);
	}
}
