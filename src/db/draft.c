/* signet: draft accounts, made by a link signup.  ISC licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/draft.h"
#include "db/stmt.h"

/* db_fill_fn: a struct draft_probe. */
static void
probe_row(const PGresult *res, int r, void *obj)
{
	struct draft_probe	*pr = obj;

	pr->email_used = *PQgetvalue(res, r, 0) == 't';
	pr->name_used = *PQgetvalue(res, r, 1) == 't';
	pr->reuse = atoll(PQgetvalue(res, r, 2));
	pr->placeholder = atoll(PQgetvalue(res, r, 3));
}

/* BEdita /signup, FreeSewing /signup */
int
db_draft_probe(const char *username, const char *email,
    struct draft_probe *pr)
{
	static struct stmt st = STMT("draft_probe",
	    "WITH e AS (SELECT u.id, u.status, " SQL_DEAD_DRAFT("u") " AS dead, "
	    "  EXISTS (SELECT 1 FROM confirmations c WHERE c.user_id = u.id "
	    "   AND " SQL_LIVE_LINK("c") ") AS live "
	    " FROM users u WHERE ascii_lower(u.email) = ascii_lower($2)) "
	    "SELECT EXISTS (SELECT 1 FROM e WHERE status = 'active' "
	    "  OR (status = 'draft' AND NOT dead) "
	    "  OR (status = 'invited' AND live)), "
	    " $1::text IS NOT NULL AND (EXISTS (SELECT 1 FROM users u "
	    "  WHERE ascii_lower(u.username) = ascii_lower($1) "
	    "  AND NOT " SQL_DEAD_DRAFT("u") ") OR " SQL_RESERVED_NAME("$1") "), "
	    " coalesce((SELECT min(id) FROM e WHERE dead), 0), "
	    " coalesce((SELECT min(id) FROM e WHERE status = 'invited'), 0)", 2);
	const char	*params[] = { username, email };

	memset(pr, 0, sizeof(*pr));
	return db_one(&st, params, probe_row, pr) == -1 ? -1 : 0;
}

/* every flow that makes or claims an account for an address */
int
db_draft_clear(const char *email, const char *username, bool live,
    long long keep)
{
	static struct stmt st = STMT("draft_clear",
	    "WITH d AS (SELECT u.id, EXISTS (SELECT 1 FROM project_members m "
	    "  WHERE m.user_id = u.id) AS member FROM users u "
	    " WHERE u.status = 'draft' AND u.id <> $4 AND ("
	    "  (ascii_lower(u.email) = ascii_lower($1) AND ($3 OR "
	    SQL_DEAD_DRAFT("u") ")) OR "
	    "  (ascii_lower(u.username) = ascii_lower($2) AND "
	    SQL_DEAD_DRAFT("u") "))), "
	    "gone AS (DELETE FROM users WHERE id IN "
	    " (SELECT id FROM d WHERE NOT member)) "
	    "UPDATE users u SET status = 'invited', username = NULL, "
	    " password = NULL, verified_at = NULL, "
	    " holds_email = NOT EXISTS (SELECT 1 FROM users h "
	    "  WHERE ascii_lower(h.email) = ascii_lower(u.email) "
	    "  AND h.holds_email AND h.status <> 'disabled' AND h.id <> u.id "
	    "  AND h.id NOT IN (SELECT id FROM d)) "
	    "WHERE u.id IN (SELECT id FROM d WHERE member)", 4);
	char		 k[DB_INT_LEN];
	const char	*params[] = { email, username, live ? "true" : "false",
	    db_int(k, keep) };

	return db_exec(&st, params);
}

/* db_fill_fn: column 0 as a new string into a char **. */
static void
text_row(const PGresult *res, int r, void *obj)
{
	*(char **)obj = db_dup(res, r, 0);
}

/* BEdita /signup, FreeSewing /signup: take over a dead draft of the email */
int
db_draft_reuse(long long id, const char *username, const char *email,
    const char *password, const char *language, char **gid)
{
	static struct stmt st = STMT("draft_reuse",
	    "UPDATE users SET username = coalesce($2, username, "
	    SQL_AUTO_NAME("users.id") "), email = $3, password = $4, "
	    " language = $5, status = 'draft', verified_at = NULL, "
	    " holds_email = true "
	    "WHERE id = $1 AND status = 'draft' RETURNING gid", 5);
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
	    "SELECT n.id, coalesce($1, " SQL_AUTO_NAME("n.id") "), $2, $3, $4, "
	    " 'draft' FROM n RETURNING id, gid", 4);
	const char		*params[] = { username, email, password,
	    language };
	struct insert_out	 o = { id, gid };

	*gid = NULL;
	return db_one(&st, params, insert_row, &o) == 1 ? 0 : -1;
}
