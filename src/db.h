/* signet: the one PostgreSQL connection of a process.  ISC licence. */
#ifndef SIGNET_DB_H
#define SIGNET_DB_H

#include <stdbool.h>

#include <libpq-fe.h>

/*
 * A named prepared statement.  Each query function in db_*.c holds one as
 * a static, with its SQL text beside it; db_query() prepares it once per
 * connection (gen remembers on which one) and re-prepares after a
 * reconnect.
 */
struct stmt {
	const char	*name;
	const char	*sql;
	int		 nparams;
	unsigned long	 gen;
};

#define STMT(name, sql, n)	{ name, sql, n, 0 }

/* SQLSTATEs the core tells apart. */
#define SQLSTATE_UNIQUE		"23505"
#define SQLSTATE_SERIALIZE	"40001"

/*
 * Connect (or reconnect) with the database conninfo of the config.  Opens
 * lazily; a failure is logged and retried on the next call.  Returns true
 * when a usable connection is there.
 */
bool		 db_ready(void);
void		 db_close(void);

/*
 * Run a prepared statement with text parameters (NULL = SQL NULL).  Returns
 * a result whose status is PGRES_TUPLES_OK or PGRES_COMMAND_OK, which the
 * caller PQclear()s; or NULL on failure, logged, with db_sqlstate() and
 * db_down() telling why.  Outside a transaction a statement that finds the
 * connection lost reconnects and runs once more.
 */
PGresult	*db_query(struct stmt *, const char *const *params)
		    __attribute__((warn_unused_result));

/* Like db_query() for a statement that returns no rows; 0 or -1. */
int		 db_exec(struct stmt *, const char *const *params)
		    __attribute__((warn_unused_result));

/* Run a statement that changes rows: how many it changed, or -1. */
long long	 db_changed(struct stmt *, const char *const *params)
		    __attribute__((warn_unused_result));

/* db_changed() of a statement whose two parameters are integers. */
long long	 db_changed_2(struct stmt *, long long a, long long b)
		    __attribute__((warn_unused_result));

/* db_exec() of a statement whose one parameter is a row id. */
int		 db_exec_id(struct stmt *, long long id)
		    __attribute__((warn_unused_result));

/* Transactions: 0 or -1.  db_rollback() is safe to call at any time. */
int		 db_begin(void) __attribute__((warn_unused_result));
int		 db_commit(void) __attribute__((warn_unused_result));
void		 db_rollback(void);

/* SQLSTATE of the last failure ("" if none), and whether it was the link. */
const char	*db_sqlstate(void);
bool		 db_down(void);

/* The raw connection, for LISTEN/NOTIFY in the mailer; NULL if none. */
PGconn		*db_conn(void);

/* Run a simple (unprepared) command: LISTEN, migrations.  0 or -1. */
int		 db_simple(const char *sql) __attribute__((warn_unused_result));

/* Value of row r, column c, or NULL when SQL NULL. */
const char	*db_val(const PGresult *, int r, int c);

#endif
