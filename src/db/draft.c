/* signet: draft accounts, made by a link signup.  ISC licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/draft.h"
#include "db/stmt.h"

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
db_draft_lock(const char *email)
{
	static struct stmt st = STMT("draft_lock",
	    "SELECT pg_advisory_xact_lock(hashtext(lower($1)))", 1);
	const char	*params[] = { email };

	return db_exec(&st, params);
}

/* db_fill_fn: a struct draft_probe. */
static void
probe_row(const PGresult *res, int r, void *obj)
{
	struct draft_probe	*pr = obj;

	pr->email_used = *PQgetvalue(res, r, 0) == 't';
	pr->name_used = *PQgetvalue(res, r, 1) == 't';
	pr->reuse = atoll(PQgetvalue(res, r, 2));
}

/* BEdita /signup, FreeSewing /signup */
int
db_draft_probe(const char *username, const char *email,
    struct draft_probe *pr)
{
	static struct stmt st = STMT("draft_probe",
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

	memset(pr, 0, sizeof(*pr));
	return db_one(&st, params, probe_row, pr) == -1 ? -1 : 0;
}

/* db_fill_fn: column 0 as a new string into a char **. */
static void
text_row(const PGresult *res, int r, void *obj)
{
	*(char **)obj = db_dup(res, r, 0);
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
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), username, email, password,
	    language };

	*gid = NULL;
	return db_one(&st, params, text_row, gid);
}

/* Where db_draft_insert() puts what it read. */
struct insert_out {
	long long	 *id;
	char		**gid;
};

/* db_fill_fn: id and gid. */
static void
insert_row(const PGresult *res, int r, void *obj)
{
	struct insert_out	*o = obj;

	*o->id = atoll(PQgetvalue(res, r, 0));
	*o->gid = db_dup(res, r, 1);
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
	const char		*params[] = { username, email, password,
	    language };
	struct insert_out	 o = { id, gid };

	*gid = NULL;
	return db_one(&st, params, insert_row, &o) == 1 ? 0 : -1;
}
