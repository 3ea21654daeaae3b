/* signet: the users table.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "db/stmt.h"
#include "db/user.h"

void
db_user_free(struct user *u)
{
	free(u->gid);
	free(u->username);
	free(u->email);
	free(u->name);
	free(u->avatar);
	free(u->status);
	free(u->language);
	free(u->timezone);
	free(u->verified);
	free(u->last_login);
	free(u->last_login_err);
	free(u->created);
	free(u->modified);
	if (u->password != NULL)
		xfreezero(u->password, strlen(u->password));
	free(u->password_changed);
	memset(u, 0, sizeof(*u));
}

/* db_fill_fn: a struct user from USER_COLS. */
void
db_user_row(const PGresult *res, int r, void *obj)
{
	struct user	*u = obj;

	u->id = atoll(PQgetvalue(res, r, 0));
	u->gid = db_dup(res, r, 1);
	u->username = db_dup(res, r, 2);
	u->email = db_dup(res, r, 3);
	u->name = db_dup(res, r, 4);
	u->avatar = db_dup(res, r, 5);
	u->status = db_dup(res, r, 6);
	u->language = db_dup(res, r, 7);
	u->timezone = db_dup(res, r, 8);
	u->consent = atoi(PQgetvalue(res, r, 9));
	u->verified = db_dup(res, r, 10);
	u->last_login = db_dup(res, r, 11);
	u->last_login_err = db_dup(res, r, 12);
	u->num_login_err = atoi(PQgetvalue(res, r, 13));
	u->created = db_dup(res, r, 14);
	u->modified = db_dup(res, r, 15);
	u->token_epoch = atol(PQgetvalue(res, r, 16));
	u->password = db_dup(res, r, 17);
	u->password_changed = db_dup(res, r, 18);
	u->totp_enabled = *PQgetvalue(res, r, 19) == 't';
}

/* Run a one-row user query: 1 found, 0 not, -1 failed. */
static int
one_user(struct stmt *st, const char *const *params, struct user *u)
{
	memset(u, 0, sizeof(*u));
	return db_one(st, params, db_user_row, u);
}

/* db_fill_fn: column 0 as text into a char[GID_LEN]. */
static void
gid_row(const PGresult *res, int r, void *obj)
{
	snprintf(obj, GID_LEN, "%s", PQgetvalue(res, r, 0));
}

/* /api/login, /auth */
int
db_user_by_username(const char *username, struct user *u)
{
	static struct stmt st = STMT("user_by_username",
	    "SELECT " USER_COLS " FROM users "
	    "WHERE ascii_lower(username) = ascii_lower($1)", 1);
	const char	*params[] = { username };

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

int
db_user_by_id(long long id, struct user *u)
{
	static struct stmt st = STMT("user_by_id",
	    "SELECT " USER_COLS " FROM users WHERE id = $1", 1);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id) };

	return one_user(&st, params, u);
}

/* /api/account/update, PATCH /account/jwt: a new username */
int
db_user_name_used(const char *username, long long except_id)
{
	static struct stmt st = STMT("user_name_used",
	    "SELECT 1 FROM users u WHERE ascii_lower(u.username) = "
	    " ascii_lower($1) AND u.id <> $2 AND NOT " SQL_DEAD_DRAFT("u") " "
	    "UNION ALL SELECT 1 WHERE " SQL_RESERVED_NAME("$1"), 2);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { username, db_int(ids, except_id) };

	return db_exists(&st, params);
}

/* /api/account/update, PATCH /auth/user, PATCH /account/jwt */
int
db_user_update(long long id, const struct user_changes *c, struct user *u)
{
	static struct stmt st = STMT("user_update",
	    "UPDATE users SET username = coalesce($2, username), "
	    " name = coalesce($3, name), language = coalesce($4, language), "
	    " timezone = coalesce($5, timezone), avatar = coalesce($6, avatar), "
	    " consent = CASE WHEN $7::int >= 0 THEN $7::int ELSE consent END "
	    "WHERE id = $1 AND status = 'active' RETURNING " USER_COLS, 7);
	char		 ids[DB_INT_LEN], cs[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), c->username, c->name,
	    c->language, c->timezone, c->avatar, db_int(cs, c->consent) };

	return one_user(&st, params, u);
}

/* email change: the new address is nobody else's */
int
db_user_email_used(const char *email, long long except_id)
{
	static struct stmt st = STMT("user_email_used",
	    "SELECT 1 FROM users u WHERE ascii_lower(u.email) = ascii_lower($1) "
	    " AND u.id <> $2 AND NOT " SQL_DEAD_DRAFT("u"), 2);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { email, db_int(ids, except_id) };

	return db_exists(&st, params);
}

/* email change, once proved */
int
db_user_set_email(long long id, const char *email)
{
	static struct stmt st = STMT("user_set_email",
	    "UPDATE users u SET email = $2, holds_email = NOT EXISTS "
	    " (SELECT 1 FROM users h WHERE ascii_lower(h.email) = "
	    "  ascii_lower($2) AND h.holds_email AND h.status <> 'disabled' "
	    "  AND h.id <> u.id) "
	    "WHERE id = $1 AND status = 'active' RETURNING 1", 2);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), email };

	return db_exists(&st, params);
}

/* db_fill_fn: column 0 as a long. */
static void
count_row(const PGresult *res, int r, void *obj)
{
	*(long *)obj = atol(PQgetvalue(res, r, 0));
}

/* account deletion: an owner keeps the account while it owns projects */
long
db_user_projects_owned(long long id)
{
	static struct stmt st = STMT("user_projects_owned",
	    "SELECT count(*) FROM projects WHERE owner_id = $1", 1);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id) };
	long		 n = 0;

	return db_one(&st, params, count_row, &n) == -1 ? -1 : n;
}

/* account deletion: the user and what is kept for its address */
int
db_user_delete(long long id, const char *email)
{
	static struct stmt st = STMT("user_delete",
	    "WITH m AS (DELETE FROM mail_outbox WHERE ascii_lower(recipient) = "
	    "  ascii_lower($2)), "
	    "p AS (DELETE FROM pending_signups WHERE ascii_lower(email) = "
	    "  ascii_lower($2)), "
	    "o AS (DELETE FROM users WHERE ascii_lower(email) = ascii_lower($2) "
	    "  AND status IN ('invited', 'draft') AND id <> $1) "
	    "DELETE FROM users WHERE id = $1 RETURNING 1", 2);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), email };

	return db_exists(&st, params);
}

/* signup_request, signup, signet-admin user disable: is the name used? */
int
db_user_name_taken(const char *username)
{
	static struct stmt st = STMT("user_name_taken",
	    "SELECT 1 FROM users u WHERE ascii_lower(u.username) = "
	    " ascii_lower($1) AND NOT " SQL_DEAD_DRAFT("u") " "
	    "UNION ALL SELECT 1 WHERE " SQL_RESERVED_NAME("$1"), 1);
	const char	*params[] = { username };

	return db_exists(&st, params);
}

/* /api/signup: the invited placeholder of the email, else a new row. */
int
db_user_create_active(const char *username, const char *email,
    const char *password, const char *language, struct user *u)
{
	static struct stmt claim = STMT("user_claim_invited",
	    "WITH c AS (UPDATE users SET username = $1, password = $3, "
	    "  language = $4, status = 'active', verified_at = now() "
	    " WHERE id = (SELECT id FROM users WHERE ascii_lower(email) = "
	    "  ascii_lower($2) AND status = 'invited' ORDER BY id LIMIT 1 "
	    "  FOR UPDATE) RETURNING *), "
	    /* A link signup of the placeholder in flight: the code won. */
	    "l AS (DELETE FROM confirmations WHERE user_id IN "
	    " (SELECT id FROM c) AND kind IN ('activation', 'confirm')) "
	    "SELECT " USER_COLS " FROM c", 4);
	static struct stmt ins = STMT("user_insert_active",
	    "INSERT INTO users (username, email, password, language, status, "
	    " verified_at, holds_email) VALUES ($1, $2, $3, $4, 'active', "
	    " now(), NOT EXISTS (SELECT 1 FROM users WHERE ascii_lower(email) "
	    " = ascii_lower($2) AND holds_email AND status <> 'disabled')) "
	    "RETURNING " USER_COLS, 4);
	const char	*params[] = { username, email, password, language };
	int		 rc;

	if ((rc = one_user(&claim, params, u)) != 0)
		return rc == 1 ? 0 : -1;
	return one_user(&ins, params, u) == 1 ? 0 : -1;
}

/* every login: failure */
int
db_user_login_failed(long long id)
{
	static struct stmt st = STMT("user_login_failed",
	    "UPDATE users SET last_login_err = now(), "
	    " num_login_err = num_login_err + 1 WHERE id = $1", 1);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id) };

	return db_exec(&st, params);
}

/* /api/logout */
int
db_user_bump_epoch(long long id)
{
	static struct stmt st = STMT("user_bump_epoch",
	    "UPDATE users SET token_epoch = token_epoch + 1 WHERE id = $1", 1);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id) };

	return db_exec(&st, params);
}

/* db_fill_fn: column 0 as a long long. */
static void
id_row(const PGresult *res, int r, void *obj)
{
	*(long long *)obj = atoll(PQgetvalue(res, r, 0));
}

/* Every route that needs a JWT of an active user */
int
db_user_auth(const char *gid, long epoch, long long *id)
{
	static struct stmt st = STMT("user_auth",
	    "SELECT id FROM users WHERE gid = $1::uuid AND status = 'active' "
	    " AND token_epoch = $2", 2);
	char		 ep[DB_INT_LEN];
	const char	*params[] = { gid, db_int(ep, epoch) };

	return db_one(&st, params, id_row, id);
}

/* Where db_user_lock() puts what it read. */
struct lock_out {
	char	**gid;
	char	**status;
};

/* db_fill_fn: gid and status. */
static void
lock_row(const PGresult *res, int r, void *obj)
{
	struct lock_out	*o = obj;

	*o->gid = db_dup(res, r, 0);
	*o->status = db_dup(res, r, 1);
}

/* BEdita /signup/activation, FreeSewing /confirm/signup/<id> */
int
db_user_lock(long long id, char **gid, char **status)
{
	static struct stmt st = STMT("user_lock",
	    "SELECT gid, status FROM users WHERE id = $1 FOR UPDATE", 1);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id) };
	struct lock_out	 o = { gid, status };

	*gid = *status = NULL;
	return db_one(&st, params, lock_row, &o);
}

/* BEdita /signup/activation, FreeSewing /confirm/signup/<id> */
int
db_user_activate(long long id, long consent, const struct user_aside *a)
{
	static struct stmt st = STMT("user_activate",
	    "UPDATE users SET status = 'active', "
	    " verified_at = coalesce(verified_at, now()), "
	    " consent = CASE WHEN $2::int > 0 THEN $2::int ELSE consent END, "
	    " username = CASE WHEN $3 THEN coalesce($4, username, "
	    SQL_AUTO_NAME("users.id") ") ELSE username END, "
	    " password = CASE WHEN $3 THEN $5 ELSE password END, "
	    " language = CASE WHEN $3 THEN coalesce($6, language) "
	    "  ELSE language END "
	    "WHERE id = $1", 6);
	char		 ids[DB_INT_LEN], c[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), db_int(c, consent),
	    a != NULL ? "true" : "false", a ? a->username : NULL,
	    a ? a->password : NULL, a ? a->language : NULL };

	return db_exec(&st, params);
}

/* db_fill_fn: column 0 as a long. */
static void
long_row(const PGresult *res, int r, void *obj)
{
	*(long *)obj = atol(PQgetvalue(res, r, 0));
}

/* /api/reset_password */
int
db_user_set_password(long long user_id, const char *mcf, long *epoch)
{
	static struct stmt st = STMT("user_set_password",
	    "UPDATE users SET password = $2, token_epoch = token_epoch + 1, "
	    " num_login_err = 0, password_changed = now() "
	    "WHERE id = $1 AND status = 'active' RETURNING token_epoch", 2);
	char		 uid[DB_INT_LEN];
	const char	*params[] = { db_int(uid, user_id), mcf };

	return db_one(&st, params, long_row, epoch);
}

void
db_user_targets_free(struct user_target *a, size_t n)
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

/* /api/reset_password_request */
int
db_user_targets(const char *login, size_t max, struct user_target **out,
    size_t *n)
{
	static struct stmt st = STMT("user_targets",
	    "SELECT id, gid::text, username, email, language FROM users "
	    "WHERE (ascii_lower(username) = ascii_lower($1) "
	    " OR ascii_lower(email) = ascii_lower($1)) "
	    " AND status = 'active' ORDER BY id LIMIT $2", 2);
	char		 lim[DB_INT_LEN];
	const char	*params[] = { login, db_int(lim, (long long)max) };
	PGresult	*res;
	int		 i, rows;

	*out = NULL;
	*n = 0;
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	rows = PQntuples(res);
	if (rows > 0)
		*out = xcalloc((size_t)rows, sizeof(**out));
	for (i = 0; i < rows; i++) {
		(*out)[i].id = atoll(PQgetvalue(res, i, 0));
		(*out)[i].gid = db_dup(res, i, 1);
		(*out)[i].username = db_dup(res, i, 2);
		(*out)[i].email = db_dup(res, i, 3);
		(*out)[i].language = db_dup(res, i, 4);
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* /api/signup, members/invite, signet-admin invite */
int
db_user_lock_email(const char *email)
{
	/* Two int4 keys: a lock space apart from migrate's bigint key. */
	static struct stmt st = STMT("user_lock_email",
	    "SELECT pg_advisory_xact_lock(1936287346, hashtext(ascii_lower($1)))", 1);
	const char	*params[] = { email };

	return db_exec(&st, params);
}

/* members/invite, signet-admin invite: by email, the address's holder */
int
db_user_invitee(const char *email, char gid[GID_LEN])
{
	static struct stmt st = STMT("user_invitee",
	    "SELECT gid::text FROM users WHERE ascii_lower(email) = "
	    " ascii_lower($1) AND holds_email AND status <> 'disabled'", 1);
	const char	*params[] = { email };

	gid[0] = '\0';
	return db_one(&st, params, gid_row, gid);
}

/* members/invite, signet-admin invite: an address nobody uses yet */
int
db_user_placeholder(const char *email, const char *language,
    char gid[GID_LEN])
{
	static struct stmt st = STMT("user_placeholder",
	    "INSERT INTO users (email, language, status) "
	    "VALUES ($1, $2, 'invited') RETURNING gid::text", 2);
	const char	*params[] = { email, language };

	gid[0] = '\0';
	return db_one(&st, params, gid_row, gid) == 1 ? 0 : -1;
}
