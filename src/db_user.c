/* signet: the users table.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "db.h"
#include "db_user.h"
#include "xmalloc.h"

#define ISO(c) "to_char(" c " AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"

/* The columns db_user_row() reads, in its order. */
#define USER_COLS "id, gid, username, email, name, avatar, status, " \
	"language, timezone, consent, " ISO("verified_at") ", " \
	ISO("last_login") ", " ISO("last_login_err") ", num_login_err, " \
	ISO("created") ", " ISO("modified") ", token_epoch, password"

static char *
dup_or_null(const PGresult *res, int r, int c)
{
	const char	*v = db_val(res, r, c);

	return v ? xstrdup(v) : NULL;
}

static void
db_user_row(const PGresult *res, int r, struct user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = atoll(PQgetvalue(res, r, 0));
	u->gid = dup_or_null(res, r, 1);
	u->username = dup_or_null(res, r, 2);
	u->email = dup_or_null(res, r, 3);
	u->name = dup_or_null(res, r, 4);
	u->avatar = dup_or_null(res, r, 5);
	u->status = dup_or_null(res, r, 6);
	u->language = dup_or_null(res, r, 7);
	u->timezone = dup_or_null(res, r, 8);
	u->consent = atoi(PQgetvalue(res, r, 9));
	u->verified = dup_or_null(res, r, 10);
	u->last_login = dup_or_null(res, r, 11);
	u->last_login_err = dup_or_null(res, r, 12);
	u->num_login_err = atoi(PQgetvalue(res, r, 13));
	u->created = dup_or_null(res, r, 14);
	u->modified = dup_or_null(res, r, 15);
	u->token_epoch = atol(PQgetvalue(res, r, 16));
	u->password = dup_or_null(res, r, 17);
}

/* Run a one-row user query: 1 found, 0 not, -1 failed. */
static int
one_user(struct stmt *st, const char *const *params, struct user *u)
{
	PGresult	*res;
	int		 found;

	memset(u, 0, sizeof(*u));
	if ((res = db_query(st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0))
		db_user_row(res, 0, u);
	PQclear(res);
	return found;
}

/* /api/login, /auth */
int
db_user_by_username(const char *username, struct user *u)
{
	static struct stmt st = STMT("user_by_username",
	    "SELECT " USER_COLS " FROM users "
	    "WHERE lower(username) = lower($1)", 1);
	const char	*params[] = { username };

	return one_user(&st, params, u);
}

/* FreeSewing /login: a username, an email or a numeric id. */
int
db_user_by_login(const char *login, struct user *u)
{
	static struct stmt st = STMT("user_by_login",
	    "SELECT " USER_COLS " FROM users "
	    "WHERE lower(username) = lower($1) "
	    " OR (lower(email) = lower($1) AND status <> 'invited') "
	    " OR id::text = $1 "
	    "ORDER BY lower(username) = lower($1) DESC, "
	    " status = 'active' DESC, id LIMIT 1", 1);
	const char	*params[] = { login };

	return one_user(&st, params, u);
}

int
db_user_by_gid(const char *gid, struct user *u)
{
	static struct stmt st = STMT("user_by_gid",
	    "SELECT " USER_COLS " FROM users WHERE gid = $1::uuid", 1);
	const char	*params[] = { gid };

	return one_user(&st, params, u);
}

/* signup_request, signup: is the name free? */
int
db_username_taken(const char *username)
{
	static struct stmt st = STMT("username_taken",
	    "SELECT 1 FROM users WHERE lower(username) = lower($1)", 1);
	const char	*params[] = { username };
	PGresult	*res;
	int		 taken;

	if ((res = db_query(&st, params)) == NULL)
		return -1;
	taken = PQntuples(res) > 0;
	PQclear(res);
	return taken;
}

/* /api/signup: the invited placeholder of the email, else a new row. */
int
db_user_create_active(const char *username, const char *email,
    const char *password, const char *language, struct user *u)
{
	static struct stmt claim = STMT("user_claim_invited",
	    "UPDATE users SET username = $1, password = $3, language = $4, "
	    " status = 'active', verified_at = now() "
	    "WHERE id = (SELECT id FROM users WHERE lower(email) = lower($2) "
	    " AND status = 'invited' ORDER BY id LIMIT 1 FOR UPDATE) "
	    "RETURNING " USER_COLS, 4);
	static struct stmt ins = STMT("user_insert_active",
	    "INSERT INTO users (username, email, password, language, status, "
	    " verified_at) VALUES ($1, $2, $3, $4, 'active', now()) "
	    "RETURNING " USER_COLS, 4);
	const char	*params[] = { username, email, password, language };
	int		 rc;

	if ((rc = one_user(&claim, params, u)) != 0)
		return rc == 1 ? 0 : -1;
	return one_user(&ins, params, u) == 1 ? 0 : -1;
}

/* /api/login and the other logins: success */
int
db_user_login_ok(long long id, const char *rehash)
{
	static struct stmt st = STMT("user_login_ok",
	    "UPDATE users SET last_login = now(), num_login_err = 0, "
	    " password = coalesce($2, password) WHERE id = $1", 2);
	char		 ids[24];
	const char	*params[] = { ids, rehash };

	snprintf(ids, sizeof(ids), "%lld", id);
	return db_exec(&st, params);
}

/* /api/login and the other logins: failure */
int
db_user_login_failed(long long id)
{
	static struct stmt st = STMT("user_login_failed",
	    "UPDATE users SET last_login_err = now(), "
	    " num_login_err = num_login_err + 1 WHERE id = $1", 1);

	return db_exec_id(&st, id);
}

/* /api/logout, password reset, signet-admin user disable */
int
db_user_bump_epoch(long long id)
{
	static struct stmt st = STMT("user_bump_epoch",
	    "UPDATE users SET token_epoch = token_epoch + 1 WHERE id = $1", 1);

	return db_exec_id(&st, id);
}

/* Every route that needs a JWT (R_AUTH) */
int
db_user_auth(const char *gid, long epoch, long long *id)
{
	static struct stmt st = STMT("user_auth",
	    "SELECT id FROM users WHERE gid = $1::uuid AND status = 'active' "
	    " AND token_epoch = $2", 2);
	char		 ep[24];
	const char	*params[] = { gid, ep };
	PGresult	*res;
	int		 found;

	snprintf(ep, sizeof(ep), "%ld", epoch);
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0))
		*id = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return found;
}
