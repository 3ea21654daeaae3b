/* signet: password reset codes (confirmations of kind 'reset').  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_reset.h"
#include "xmalloc.h"

void
reset_accounts_free(struct reset_account *a, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(a[i].gid);
		free(a[i].username);
		free(a[i].email);
		free(a[i].language);
	}
	free(a);
}

void
reset_code_free(struct reset_code *c)
{
	free(c->code_mac);
	memset(c, 0, sizeof(*c));
}

/* /api/reset_password_request */
int
db_reset_accounts(const char *login, struct reset_account **out, size_t *n)
{
	static struct stmt st = STMT("reset_accounts",
	    "SELECT id, gid::text, username, email, language FROM users "
	    "WHERE (lower(username) = lower($1) OR lower(email) = lower($1)) "
	    " AND status = 'active' ORDER BY id LIMIT $2", 2);
	char		 lim[16];
	const char	*params[] = { login, lim };
	PGresult	*res;
	int		 i, rows;

	*out = NULL;
	*n = 0;
	snprintf(lim, sizeof(lim), "%d", RESET_MAX_ACCOUNTS);
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	rows = PQntuples(res);
	if (rows > 0)
		*out = xcalloc((size_t)rows, sizeof(**out));
	for (i = 0; i < rows; i++) {
		(*out)[i].id = atoll(PQgetvalue(res, i, 0));
		(*out)[i].gid = xstrdup(PQgetvalue(res, i, 1));
		(*out)[i].username = xstrdup(PQgetvalue(res, i, 2));
		(*out)[i].email = xstrdup(PQgetvalue(res, i, 3));
		(*out)[i].language = xstrdup(PQgetvalue(res, i, 4));
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* /api/reset_password_request */
int
db_reset_put(long long user_id, const char *token_mac, const char *code_mac,
    long ttl)
{
	static struct stmt st = STMT("reset_put",
	    "WITH old AS (UPDATE confirmations SET used_at = now() "
	    " WHERE user_id = $1 AND kind = 'reset' AND used_at IS NULL) "
	    "INSERT INTO confirmations (kind, token_mac, code_mac, user_id, "
	    " expires_at) VALUES ('reset', $2, $3, $1, "
	    " now() + make_interval(secs => $4))", 4);
	char		 uid[24], t[24];
	const char	*params[] = { uid, token_mac, code_mac, t };

	snprintf(uid, sizeof(uid), "%lld", user_id);
	snprintf(t, sizeof(t), "%ld", ttl);
	return db_exec(&st, params);
}

/* /api/reset_password */
int
db_reset_get(long long user_id, const char *token_mac, struct reset_code *c)
{
	static struct stmt st = STMT("reset_get",
	    "SELECT id, code_mac, attempts, "
	    " used_at IS NULL AND expires_at > now() "
	    "FROM confirmations WHERE token_mac = $2 AND user_id = $1 "
	    " AND kind = 'reset'", 2);
	char		 uid[24];
	const char	*params[] = { uid, token_mac };
	PGresult	*res;
	int		 found;

	memset(c, 0, sizeof(*c));
	snprintf(uid, sizeof(uid), "%lld", user_id);
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0)) {
		c->id = atoll(PQgetvalue(res, 0, 0));
		c->code_mac = xstrdup(PQgetvalue(res, 0, 1));
		c->attempts = atoi(PQgetvalue(res, 0, 2));
		c->usable = *PQgetvalue(res, 0, 3) == 't';
	}
	PQclear(res);
	return found;
}

/* /api/reset_password: every try of the code, counted before it is compared */
int
db_reset_try(long long id, long max)
{
	static struct stmt st = STMT("reset_try",
	    "UPDATE confirmations SET attempts = attempts + 1 "
	    "WHERE id = $1 AND attempts < $2", 2);
	long long	n;

	if ((n = db_changed_2(&st, id, max)) == -1)
		return -1;
	return n > 0;
}

/* /api/reset_password: the right code with a weak password */
int
db_reset_untry(long long id)
{
	static struct stmt st = STMT("reset_untry",
	    "UPDATE confirmations SET attempts = attempts - 1 "
	    "WHERE id = $1 AND attempts > 0", 1);

	return db_exec_id(&st, id);
}

/* /api/reset_password: exactly one request uses a code */
int
db_reset_take(long long id)
{
	static struct stmt st = STMT("reset_take",
	    "UPDATE confirmations SET used_at = now() WHERE id = $1 "
	    " AND used_at IS NULL AND expires_at > now()", 1);
	char		 ids[24];
	const char	*params[] = { ids };
	long long	 n;

	snprintf(ids, sizeof(ids), "%lld", id);
	if ((n = db_changed(&st, params)) == -1)
		return -1;
	return n > 0;
}

/* /api/reset_password */
int
db_reset_set_password(long long user_id, const char *mcf, long *epoch)
{
	static struct stmt st = STMT("reset_set_password",
	    "UPDATE users SET password = $2, token_epoch = token_epoch + 1, "
	    " num_login_err = 0 WHERE id = $1 AND status = 'active' "
	    "RETURNING token_epoch", 2);
	char		 uid[24];
	const char	*params[] = { uid, mcf };
	PGresult	*res;
	int		 found;

	snprintf(uid, sizeof(uid), "%lld", user_id);
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0))
		*epoch = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return found;
}
