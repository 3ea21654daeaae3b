/* signet: statements and results, private to the db layer.  ISC licence. */
#ifndef SIGNET_DB_STMT_H
#define SIGNET_DB_STMT_H

#include <libpq-fe.h>

/*
 * Only files under src/db include this header (and libpq-fe.h): results
 * never leave the db layer.  Each query function holds one statement as a
 * static, with its SQL text beside it; db_query() prepares it once per
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

/* Room for a long long in decimal, with its sign and NUL. */
#define DB_INT_LEN	24

/*
 * Run a prepared statement with text parameters (NULL = SQL NULL).  Returns
 * a result whose status is PGRES_TUPLES_OK or PGRES_COMMAND_OK, which the
 * caller PQclear()s; or NULL on failure, logged, with db_sqlstate() and
 * db_down() telling why.  Outside a transaction a statement that finds the
 * connection lost reconnects and runs once more.
 */
PGresult	*db_query(struct stmt *, const char *const *params)
		    __attribute__((warn_unused_result));

/* Like db_query() for a statement whose rows nobody reads; 0 or -1. */
int		 db_exec(struct stmt *, const char *const *params)
		    __attribute__((warn_unused_result));

/* Run a statement that changes rows: how many it changed, or -1. */
long long	 db_changed(struct stmt *, const char *const *params)
		    __attribute__((warn_unused_result));

/* Like db_changed(): 1 when it changed any row, 0 none, -1 failed. */
int		 db_changed_any(struct stmt *, const char *const *params)
		    __attribute__((warn_unused_result));

/* Fills an object from row r of a result. */
typedef void	 db_fill_fn(const PGresult *, int r, void *obj);

/*
 * Run a statement and, when it returns a row, fill obj from the first one.
 * 1 found, 0 no row, -1 failed.
 */
int		 db_one(struct stmt *, const char *const *params,
		    db_fill_fn *fill, void *obj)
		    __attribute__((warn_unused_result));

/* Does the statement return a row?  1, 0, or -1 failed. */
int		 db_exists(struct stmt *, const char *const *params)
		    __attribute__((warn_unused_result));

/*
 * Run a listing statement: each(cols, ncols, arg) for every row, in order.
 * 0 or -1.
 */
int		 db_rows(struct stmt *, const char *const *params,
		    void (*each)(const char *const *cols, int ncols, void *arg),
		    void *arg) __attribute__((warn_unused_result));

/* Run a simple (unprepared) command: migrations.  0 or -1. */
int		 db_simple(const char *sql) __attribute__((warn_unused_result));

/* Value of row r, column c, or NULL when SQL NULL. */
const char	*db_val(const PGresult *, int r, int c);

/* A copy of db_val() (NULL stays NULL), the caller's to free. */
char		*db_dup(const PGresult *, int r, int c);

/* v in decimal into buf, for a text parameter.  Returns buf. */
const char	*db_int(char buf[DB_INT_LEN], long long v);

#endif
