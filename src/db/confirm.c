/* signet: the confirmations table: links and reset codes.  ISC licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "db/confirm.h"
#include "db/stmt.h"

/* BEdita /signup, FreeSewing /signup */
int
db_confirm_put(const char *kind, const char *mac, long long user_id,
    const char *redirect, long ttl, const struct user_aside *aside)
{
	static struct stmt st = STMT("confirm_put",
	    "INSERT INTO confirmations (kind, token_mac, user_id, redirect_url, "
	    " expires_at, username, password, language) VALUES ($1, $2, $3, "
	    " $4, now() + make_interval(secs => $5), $6, $7, $8)", 8);
	char		 ids[DB_INT_LEN], t[DB_INT_LEN];
	const char	*params[] = { kind, mac, db_int(ids, user_id), redirect,
	    db_int(t, ttl), aside ? aside->username : NULL,
	    aside ? aside->password : NULL, aside ? aside->language : NULL };

	return db_exec(&st, params);
}

void
db_confirm_link_free(struct confirm_link *l)
{
	free(l->username);
	if (l->password != NULL)
		xfreezero(l->password, strlen(l->password));
	free(l->language);
	memset(l, 0, sizeof(*l));
}

/* db_fill_fn: a struct confirm_link. */
static void
link_row(const PGresult *res, int r, void *obj)
{
	struct confirm_link	*l = obj;

	l->user_id = atoll(PQgetvalue(res, r, 0));
	l->username = db_dup(res, r, 1);
	l->password = db_dup(res, r, 2);
	l->language = db_dup(res, r, 3);
	l->has_aside = l->language != NULL;
}

/* BEdita /signup/activation, FreeSewing /confirm/signup/<id> */
int
db_confirm_take(const char *kind, const char *mac, struct confirm_link *l)
{
	static struct stmt st = STMT("confirm_take",
	    "UPDATE confirmations SET used_at = now() "
	    "WHERE token_mac = $2 AND kind = $1 AND used_at IS NULL "
	    " AND expires_at > now() "
	    "RETURNING user_id, username, password, language", 2);
	const char	*params[] = { kind, mac };

	memset(l, 0, sizeof(*l));
	return db_one(&st, params, link_row, l);
}

/* /api/reset_password_request */
int
db_confirm_code_put(long long user_id, const char *token_mac,
    const char *code_mac, long ttl)
{
	static struct stmt st = STMT("confirm_code_put",
	    "WITH old AS (UPDATE confirmations SET used_at = now() "
	    " WHERE user_id = $1 AND kind = 'reset' AND used_at IS NULL) "
	    "INSERT INTO confirmations (kind, token_mac, code_mac, user_id, "
	    " expires_at) VALUES ('reset', $2, $3, $1, "
	    " now() + make_interval(secs => $4))", 4);
	char		 uid[DB_INT_LEN], t[DB_INT_LEN];
	const char	*params[] = { db_int(uid, user_id), token_mac, code_mac,
	    db_int(t, ttl) };

	return db_exec(&st, params);
}

void
db_confirm_code_free(struct confirm_code *c)
{
	free(c->code_mac);
	memset(c, 0, sizeof(*c));
}

/* db_fill_fn: a struct confirm_code. */
static void
code_row(const PGresult *res, int r, void *obj)
{
	struct confirm_code	*c = obj;

	c->id = atoll(PQgetvalue(res, r, 0));
	c->code_mac = db_dup(res, r, 1);
	c->attempts = atoi(PQgetvalue(res, r, 2));
	c->usable = *PQgetvalue(res, r, 3) == 't';
}

/* /api/reset_password */
int
db_confirm_code_get(long long user_id, const char *token_mac,
    struct confirm_code *c)
{
	static struct stmt st = STMT("confirm_code_get",
	    "SELECT id, code_mac, attempts, "
	    " used_at IS NULL AND expires_at > now() "
	    "FROM confirmations WHERE token_mac = $2 AND user_id = $1 "
	    " AND kind = 'reset'", 2);
	char		 uid[DB_INT_LEN];
	const char	*params[] = { db_int(uid, user_id), token_mac };

	memset(c, 0, sizeof(*c));
	return db_one(&st, params, code_row, c);
}

/* /api/reset_password: every try of the code, counted before it is compared */
int
db_confirm_code_try(long long id, long max)
{
	static struct stmt st = STMT("confirm_code_try",
	    "UPDATE confirmations SET attempts = attempts + 1 "
	    "WHERE id = $1 AND attempts < $2", 2);
	char		 ids[DB_INT_LEN], m[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), db_int(m, max) };

	return db_changed_any(&st, params);
}

/* /api/reset_password: the right code with a weak password */
int
db_confirm_code_untry(long long id)
{
	static struct stmt st = STMT("confirm_code_untry",
	    "UPDATE confirmations SET attempts = attempts - 1 "
	    "WHERE id = $1 AND attempts > 0", 1);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id) };

	return db_exec(&st, params);
}

/* /api/reset_password: exactly one request uses a code */
int
db_confirm_code_take(long long id)
{
	static struct stmt st = STMT("confirm_code_take",
	    "UPDATE confirmations SET used_at = now() WHERE id = $1 "
	    " AND used_at IS NULL AND expires_at > now()", 1);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id) };

	return db_changed_any(&st, params);
}
