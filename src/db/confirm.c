/* signet: the confirmations table: links and reset codes.  ISC licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "db/confirm.h"
#include "db/stmt.h"

/* link signups, email change and reset by link */
int
db_confirm_put(const struct confirm_new *n)
{
	static struct stmt st = STMT("confirm_put",
	    "WITH old AS (UPDATE confirmations SET used_at = now() "
	    " WHERE user_id = $3 AND kind = $1 AND kind IN ('email', 'change') "
	    " AND used_at IS NULL) "
	    "INSERT INTO confirmations (kind, token_mac, user_id, redirect_url, "
	    " expires_at, username, password, language, new_email) VALUES ($1, "
	    " $2, $3, $4, now() + make_interval(secs => $5), $6, $7, $8, $9)", 9);
	char		 ids[DB_INT_LEN], t[DB_INT_LEN];
	const char	*params[] = { n->kind, n->mac, db_int(ids, n->user_id),
	    n->redirect, db_int(t, n->ttl),
	    n->aside ? n->aside->username : NULL,
	    n->aside ? n->aside->password : NULL,
	    n->aside ? n->aside->language : NULL, n->new_email };

	return db_exec(&st, params);
}

void
db_confirm_link_free(struct confirm_link *l)
{
	free(l->username);
	if (l->password != NULL)
		xfreezero(l->password, strlen(l->password));
	free(l->language);
	free(l->new_email);
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
	l->new_email = db_dup(res, r, 4);
}

/* BEdita /signup/activation, FreeSewing /confirm/signup/<id> */
int
db_confirm_take(const char *kind, const char *mac, struct confirm_link *l)
{
	static struct stmt st = STMT("confirm_take",
	    "UPDATE confirmations SET used_at = now() "
	    "WHERE token_mac = $2 AND kind = $1 AND used_at IS NULL "
	    " AND expires_at > now() "
	    "RETURNING user_id, username, password, language, new_email", 2);
	const char	*params[] = { kind, mac };

	memset(l, 0, sizeof(*l));
	return db_one(&st, params, link_row, l);
}

/* /api/reset_password_request, /api/account/update_email_request */
int
db_confirm_code_put(const char *kind, long long user_id, const char *token_mac,
    const char *code_mac, const char *new_email, long ttl)
{
	static struct stmt st = STMT("confirm_code_put",
	    "WITH old AS (UPDATE confirmations SET used_at = now() "
	    " WHERE user_id = $1 AND kind = $6 AND used_at IS NULL) "
	    "INSERT INTO confirmations (kind, token_mac, code_mac, user_id, "
	    " expires_at, new_email) VALUES ($6, $2, $3, $1, "
	    " now() + make_interval(secs => $4), $5)", 6);
	char		 uid[DB_INT_LEN], t[DB_INT_LEN];
	const char	*params[] = { db_int(uid, user_id), token_mac, code_mac,
	    db_int(t, ttl), new_email, kind };

	return db_exec(&st, params);
}

void
db_confirm_code_free(struct confirm_code *c)
{
	free(c->code_mac);
	free(c->new_email);
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
	c->new_email = db_dup(res, r, 4);
}

/* /api/reset_password, /api/account/update_email */
int
db_confirm_code_get(const char *kind, long long user_id, const char *token_mac,
    struct confirm_code *c)
{
	static struct stmt st = STMT("confirm_code_get",
	    "SELECT id, code_mac, attempts, "
	    " used_at IS NULL AND expires_at > now(), new_email "
	    "FROM confirmations WHERE token_mac = $2 AND user_id = $1 "
	    " AND kind = $3", 3);
	char		 uid[DB_INT_LEN];
	const char	*params[] = { db_int(uid, user_id), token_mac, kind };

	memset(c, 0, sizeof(*c));
	return db_one(&st, params, code_row, c);
}

/* /api/reset_password, update_email: a try, counted before the compare */
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
