/* signet: confirmation links and draft accounts.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_confirm.h"
#include "xmalloc.h"

/*
 * The automatic username of an account made without one (FreeSewing):
 * "user-<id>", or with a random suffix when somebody already chose that
 * name (validate_username() allows it).  The unique index still has the
 * last word if two such choices race.
 */
#define AUTO_NAME(id) \
	"CASE WHEN EXISTS (SELECT 1 FROM users o WHERE lower(o.username) = " \
	" 'user-' || " id ") THEN 'user-' || " id " || '-' || " \
	" substr(md5(random()::text), 1, 8) ELSE 'user-' || " id " END"

/* A link that still works: unused, unexpired. */
#define LIVE_LINK(c) \
	c ".kind IN ('activation', 'confirm') AND " c ".used_at IS NULL " \
	"AND " c ".expires_at > now()"

/* BEdita /signup, FreeSewing /signup */
int
db_email_lock(const char *email)
{
	static struct stmt st = STMT("email_lock",
	    "SELECT pg_advisory_xact_lock(hashtext(lower($1)))", 1);
	const char	*params[] = { email };

	return db_exec(&st, params);
}

/* BEdita /signup, FreeSewing /signup */
int
db_signup_probe(const char *username, const char *email,
    struct signup_probe *pr)
{
	static struct stmt st = STMT("signup_probe",
	    "WITH e AS (SELECT u.id, u.status, "
	    "  EXISTS (SELECT 1 FROM confirmations c WHERE c.user_id = u.id "
	    "   AND c.kind IN ('activation', 'confirm')) AS had, "
	    "  EXISTS (SELECT 1 FROM confirmations c WHERE c.user_id = u.id "
	    "   AND " LIVE_LINK("c") ") AS live "
	    " FROM users u WHERE lower(u.email) = lower($2)), "
	    "r AS (SELECT id FROM e WHERE status = 'invited' "
	    " OR (status = 'draft' AND had AND NOT live) ORDER BY id LIMIT 1) "
	    "SELECT EXISTS (SELECT 1 FROM e WHERE status = 'active' "
	    "  OR (status = 'draft' AND (live OR NOT had))), "
	    " EXISTS (SELECT 1 FROM users WHERE lower(username) = "
	    "  lower($1::text) AND id IS DISTINCT FROM (SELECT id FROM r)), "
	    " coalesce((SELECT id FROM r), 0)", 2);
	const char	*params[] = { username, email };
	PGresult	*res;

	memset(pr, 0, sizeof(*pr));
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		pr->email_used = *PQgetvalue(res, 0, 0) == 't';
		pr->name_used = *PQgetvalue(res, 0, 1) == 't';
		pr->reuse = atoll(PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return 0;
}

/* BEdita /signup, FreeSewing /signup: take over a placeholder or stale draft */
int
db_draft_reuse(long long id, const char *username, const char *email,
    const char *password, const char *language, char **gid)
{
	static struct stmt st = STMT("draft_reuse",
	    "UPDATE users SET username = coalesce($2, username, "
	    AUTO_NAME("users.id") "), email = $3, password = $4, "
	    " language = $5, status = 'draft', verified_at = NULL "
	    "WHERE id = $1 AND status IN ('invited', 'draft') RETURNING gid", 5);
	char		 ids[24];
	const char	*params[] = { ids, username, email, password, language };
	PGresult	*res;
	int		 done;

	*gid = NULL;
	snprintf(ids, sizeof(ids), "%lld", id);
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if ((done = PQntuples(res) == 1))
		*gid = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return done;
}

/* BEdita /signup, FreeSewing /signup: a new draft */
int
db_draft_insert(const char *username, const char *email, const char *password,
    const char *language, long long *id, char **gid)
{
	static struct stmt st = STMT("draft_insert",
	    "WITH n AS (SELECT nextval(pg_get_serial_sequence('users', 'id')) "
	    " AS id) "
	    "INSERT INTO users (id, username, email, password, language, status) "
	    "SELECT n.id, coalesce($1, " AUTO_NAME("n.id") "), $2, $3, $4, "
	    " 'draft' FROM n RETURNING id, gid", 4);
	const char	*params[] = { username, email, password, language };
	PGresult	*res;
	int		 rc = -1;

	*gid = NULL;
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*id = atoll(PQgetvalue(res, 0, 0));
		*gid = xstrdup(PQgetvalue(res, 0, 1));
		rc = 0;
	}
	PQclear(res);
	return rc;
}

/* BEdita /signup, FreeSewing /signup */
int
db_confirm_put(const char *kind, const char *mac, long long user_id,
    const char *redirect, long ttl)
{
	static struct stmt st = STMT("confirm_put",
	    "INSERT INTO confirmations (kind, token_mac, user_id, redirect_url, "
	    " expires_at) VALUES ($1, $2, $3, $4, "
	    " now() + make_interval(secs => $5))", 5);
	char		 ids[24], t[24];
	const char	*params[] = { kind, mac, ids, redirect, t };

	snprintf(ids, sizeof(ids), "%lld", user_id);
	snprintf(t, sizeof(t), "%ld", ttl);
	return db_exec(&st, params);
}

/* BEdita /signup/activation, FreeSewing /confirm/signup/<id> */
int
db_confirm_take(const char *kind, const char *mac, long long *user_id)
{
	static struct stmt st = STMT("confirm_take",
	    "UPDATE confirmations SET used_at = now() "
	    "WHERE token_mac = $2 AND kind = $1 AND used_at IS NULL "
	    " AND expires_at > now() RETURNING user_id", 2);
	const char	*params[] = { kind, mac };
	PGresult	*res;
	int		 found;

	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0))
		*user_id = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return found;
}

/* BEdita /signup/activation, FreeSewing /confirm/signup/<id> */
int
db_user_lock(long long id, char **gid, char **status)
{
	static struct stmt st = STMT("user_lock",
	    "SELECT gid, status FROM users WHERE id = $1 FOR UPDATE", 1);
	char		 ids[24];
	const char	*params[] = { ids };
	PGresult	*res;
	int		 found;

	*gid = *status = NULL;
	snprintf(ids, sizeof(ids), "%lld", id);
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0)) {
		*gid = xstrdup(PQgetvalue(res, 0, 0));
		*status = xstrdup(PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return found;
}

/* BEdita /signup/activation, FreeSewing /confirm/signup/<id> */
int
db_user_activate(long long id, long consent)
{
	static struct stmt st = STMT("user_activate",
	    "UPDATE users SET status = 'active', "
	    " verified_at = coalesce(verified_at, now()), "
	    " consent = CASE WHEN $2::int > 0 THEN $2::int ELSE consent END "
	    "WHERE id = $1", 2);
	char		 ids[24], c[24];
	const char	*params[] = { ids, c };

	snprintf(ids, sizeof(ids), "%lld", id);
	snprintf(c, sizeof(c), "%ld", consent);
	return db_exec(&st, params);
}
