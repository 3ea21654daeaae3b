/* signet: a login's statements, one round trip each side of the hash. */
#include "config.h"

#include <string.h>

#include "db/audit.h"
#include "db/login.h"
#include "db/session.h"
#include "db/stmt.h"

/* The lookup of a login by username only, or by any of its names. */
#define BY_USERNAME "ascii_lower(username) = ascii_lower($1)"
#define BY_ANY BY_USERNAME \
	" OR (ascii_lower(email) = ascii_lower($1) AND status <> 'invited') " \
	" OR id::text = $1 ORDER BY ascii_lower(username) = ascii_lower($1) " \
	" DESC, status = 'active' DESC, id LIMIT 1"

/*
 * $1 login, $2 the client's key ('' exempt), $3 its limit, $4 the key of
 * an unknown login, $5 window, $6 free, $7 limit.  The account's try is
 * reserved only when the client has room, and only where a rule is set.
 */
#define LOGIN_START(where) \
	"WITH u AS (SELECT " USER_COLS " FROM users WHERE " where "), " \
	"c AS (SELECT $3 > 0 AND EXISTS (SELECT 1 FROM throttles " \
	"  WHERE key = $2 AND $2 <> '' AND count >= $3 AND " \
	"  window_start + make_interval(secs => $5) > now()) AS over), " \
	"r AS (INSERT INTO throttles AS t (key, window_start, count, last_at) " \
	"  SELECT coalesce((SELECT 'login-id:' || id FROM u), $4), now(), 1, " \
	"  now() WHERE NOT (SELECT over FROM c) AND ($6 > 0 OR $7 > 0) " \
	"  ON CONFLICT (key) DO UPDATE SET " SQL_THROTTLE_BUMP("$5") \
	"  WHERE " SQL_THROTTLE_ROOM("$5", "$6", "$7") " RETURNING 1) " \
	"SELECT u.*, (SELECT over FROM c), ($6 <= 0 AND $7 <= 0) OR " \
	" EXISTS (SELECT 1 FROM r) FROM (SELECT 1) one LEFT JOIN u ON true"

/* The answer of LOGIN_START: the user (or none), then the two flags. */
struct start {
	struct user		*u;
	struct login_start	*ls;
};

static void
start_row(const PGresult *res, int r, void *obj)
{
	struct start	*s = obj;

	if (!PQgetisnull(res, r, 0)) {
		db_user_row(res, r, s->u);
		s->ls->found = 1;
	}
	s->ls->client_over = *PQgetvalue(res, r, USER_NCOLS) == 't';
	s->ls->reserved = *PQgetvalue(res, r, USER_NCOLS + 1) == 't';
}

/* /api/login, POST /auth, FreeSewing /login: before the hash */
int
db_login_start(const struct login_ask *a, struct user *u,
    struct login_start *ls)
{
	static struct stmt by_name = STMT("login_start_username",
	    LOGIN_START(BY_USERNAME), 7);
	static struct stmt by_any = STMT("login_start_any",
	    LOGIN_START(BY_ANY), 7);
	char		 cl[DB_INT_LEN], w[DB_INT_LEN], f[DB_INT_LEN];
	char		 l[DB_INT_LEN];
	const char	*params[] = { a->login,
	    a->client_key != NULL ? a->client_key : "",
	    db_int(cl, a->client_limit), a->name_key, db_int(w, a->window),
	    db_int(f, a->free), db_int(l, a->limit) };
	struct start	 s = { u, ls };

	memset(u, 0, sizeof(*u));
	memset(ls, 0, sizeof(*ls));
	return db_one(a->by_any ? &by_any : &by_name, params, start_row,
	    &s) == 1 ? 0 : -1;
}

/*
 * The outcome statements: the audit row of the login's event ($a.., NULL
 * kind: none) rides along, one commit for both.
 */
#define AUDIT_ROW(a, b, c, d, e, f, g, h) \
	"e AS (" SQL_AUDIT_INSERT(a, b, c, d, e, f, g, h) \
	" WHERE " a "::text IS NOT NULL) "

/* $1 id, $2 rehash, $3 the try's key, $4 give it back; then the row's. */
#define LOGIN_OK(returning) \
	"WITH t AS (DELETE FROM throttles WHERE key = $3 AND NOT $4), " \
	"b AS (UPDATE throttles SET count = greatest(count - 1, 0) " \
	" WHERE key = $3 AND $4), " \
	AUDIT_ROW("$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12") \
	"UPDATE users u SET last_login = now(), num_login_err = 0, " \
	" password = coalesce($2, u.password) WHERE u.id = $1" returning

/* every login: a right password */
int
db_login_ok(long long id, const char *rehash, const char *key, bool give_back,
    const struct audit_row *ev, struct session *s)
{
	static struct stmt plain = STMT("login_ok", LOGIN_OK(""),
	    4 + AUDIT_NPARAMS);
	static struct stmt with_me = STMT("login_ok_session",
	    LOGIN_OK(" RETURNING " SQL_SESSION_ME("u")), 4 + AUDIT_NPARAMS);
	char		 ids[DB_INT_LEN], eid[DB_INT_LEN];
	const char	*params[4 + AUDIT_NPARAMS] = { db_int(ids, id), rehash,
	    key, give_back ? "true" : "false" };
	PGresult	*res;

	db_audit_params(ev, eid, params + 4);
	if (s == NULL)
		return db_exec(&plain, params);
	if ((res = db_query(&with_me, params)) == NULL)
		return -1;
	if (!db_session_me(res, s))
		PQclear(res);
	return 0;
}

/* every login: a refusal */
int
db_login_failed(long long id, const char *client_key, long window,
    const struct audit_row *ev)
{
	static struct stmt st = STMT("login_failed",
	    "WITH f AS (UPDATE users SET last_login_err = now(), "
	    " num_login_err = num_login_err + 1 WHERE id = $1), "
	    AUDIT_ROW("$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11") ", "
	    "c AS (INSERT INTO throttles AS t (key, window_start, count, "
	    " last_at) SELECT $2, now(), 1, now() WHERE $2 <> '' "
	    " ON CONFLICT (key) DO UPDATE SET " SQL_THROTTLE_BUMP("$3") ") "
	    "SELECT 1", 3 + AUDIT_NPARAMS);
	char		 ids[DB_INT_LEN], w[DB_INT_LEN], eid[DB_INT_LEN];
	const char	*params[3 + AUDIT_NPARAMS] = { db_int(ids, id),
	    client_key != NULL ? client_key : "", db_int(w, window) };

	db_audit_params(ev, eid, params + 3);
	return db_exec(&st, params);
}
