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

/*
 * SQL shared by the query files.  SQL_LIVE_LINK(c): confirmations row c is
 * a signup link still usable (unused, unexpired).  SQL_DEAD_DRAFT(u): users
 * row u is a draft without one: it holds neither its username nor its
 * email.  SQL_RESERVED_NAME(n): a live link keeps username n for the
 * placeholder it will activate.
 */
#define SQL_LIVE_LINK(c) \
	"(" c ".kind IN ('activation', 'confirm') AND " c ".used_at IS NULL " \
	"AND " c ".expires_at > now())"
#define SQL_DEAD_DRAFT(u) \
	"(" u ".status = 'draft' AND NOT EXISTS (SELECT 1 FROM confirmations " \
	"lc WHERE lc.user_id = " u ".id AND " SQL_LIVE_LINK("lc") "))"
#define SQL_RESERVED_NAME(n) \
	"EXISTS (SELECT 1 FROM confirmations rc WHERE ascii_lower(rc.username) " \
	"= ascii_lower(" n ") AND rc.username IS NOT NULL AND " \
	SQL_LIVE_LINK("rc") ")"

/*
 * The automatic username of an account made without one (FreeSewing):
 * "user-<id>", or with a random suffix when somebody already chose that
 * name (validate_username() allows it).  The unique index still has the
 * last word if two such choices race.
 */
#define SQL_AUTO_NAME(id) \
	"CASE WHEN EXISTS (SELECT 1 FROM users o WHERE ascii_lower(o.username) = " \
	" 'user-' || " id ") THEN 'user-' || " id " || '-' || " \
	" substr(md5(random()::text), 1, 8) ELSE 'user-' || " id " END"

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

/* A timestamptz column as ISO 8601 text in UTC. */
#define ISO(c) "to_char(" c " AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"

/* The columns of a struct user, in db_user_row()'s order. */
#define USER_COLS "id, gid, username, email, name, avatar, status, " \
	"language, timezone, consent, " ISO("verified_at") ", " \
	ISO("last_login") ", " ISO("last_login_err") ", num_login_err, " \
	ISO("created") ", " ISO("modified") ", token_epoch, password, " \
	ISO("password_changed") ", totp_enabled"
#define USER_NCOLS	20

/* db_fill_fn: a struct user (db/user.h) from USER_COLS at column 0. */
void		 db_user_row(const PGresult *, int r, void *u);

/*
 * A throttle row counted once more in its fixed window of w seconds (a
 * new window when the old one ended): the SET of an upsert on the
 * throttles table, aliased t.
 */
#define SQL_THROTTLE_BUMP(w) \
	" count = CASE WHEN t.window_start + make_interval(secs => " w ") " \
	"  <= now() THEN 1 ELSE t.count + 1 END, " \
	" window_start = CASE WHEN t.window_start + " \
	"  make_interval(secs => " w ") <= now() THEN now() " \
	"  ELSE t.window_start END, " \
	" last_at = now() "

/*
 * May row t take one more try (throttle_backoff_wait()'s rule): its window
 * of w seconds ended, or it is under the limit l (<= 0: none) and under
 * f free tries (<= 0: no backoff) or past its backoff delay.
 */
#define SQL_THROTTLE_ROOM(w, f, l) \
	"(t.window_start + make_interval(secs => " w ") <= now() " \
	" OR ((" l " <= 0 OR t.count < " l ") AND (" f " <= 0 OR t.count < " f \
	"  OR now() - t.last_at >= make_interval(secs => CASE " \
	"  WHEN t.count - " f " >= 6 THEN 60 ELSE 2 ^ (t.count - " f ") END))))"

/* v in decimal into buf, for a text parameter.  Returns buf. */
const char	*db_int(char buf[DB_INT_LEN], long long v);

/*
 * The INSERT of one row from the parameters named (as "$5"...), in
 * struct audit_row's order: a statement of its own, or a data-modifying
 * WITH of the statement whose outcome it records (db/login.c).
 */
#define SQL_AUDIT_INSERT(k, o, id, gid, cl, pe, ua, rq) \
	"INSERT INTO auth_events (kind, outcome, user_id, user_gid, client, " \
	" personality, user_agent, request_id) SELECT " k "::text, " o \
	"::text, " id "::bigint, " gid "::uuid, " cl "::inet, " pe "::text, " \
	ua "::text, " rq "::text "

#define AUDIT_NPARAMS	8

/* a's columns (db/audit.h) as AUDIT_NPARAMS parameters; a NULL: all NULL. */
struct audit_row;
void	db_audit_params(const struct audit_row *a, char id[DB_INT_LEN],
	    const char *p[AUDIT_NPARAMS]);

/*
 * A session for the users row u when it is the whole session (db/session.h):
 * the user's columns, the change cursor, and whether any membership
 * exists, in SESSION_ME_SQL's order; db_session_me() reads a result of
 * one such row.  A SELECT's list, or a login's RETURNING (db/login.c).
 */
#define SQL_SESSION_ME(u) \
	"0, " u ".gid::text, " u ".username, " u ".email, " u ".name, " \
	u ".avatar, " u ".status, " u ".language, " u ".timezone, " \
	u ".token_epoch::text, " u ".id::text, " \
	"(SELECT last_value FROM cc_cursor)::text, " \
	"EXISTS (SELECT 1 FROM project_members pm WHERE pm.user_id = " u \
	".id AND pm.status IN ('active', 'invited')) "

/*
 * *s from res, one SQL_SESSION_ME row, when it is the whole session (no
 * membership): 1, and *s owns res.  0 (*s empty, res still the caller's):
 * no row, or the user has memberships, which db_session_load() reads.
 */
struct session;
int	db_session_me(PGresult *res, struct session *s);

#endif
