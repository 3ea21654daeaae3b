/* signet: the projects table.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/project.h"
#include "db/stmt.h"

void
db_project_free(struct project *p)
{
	free(p->gid);
	free(p->name);
	free(p->status);
	free(p->owner);
	memset(p, 0, sizeof(*p));
}

/* db_fill_fn: column 0 as text into a char[GID_LEN]. */
static void
gid_row(const PGresult *res, int r, void *obj)
{
	snprintf(obj, GID_LEN, "%s", PQgetvalue(res, r, 0));
}

/* signet-admin project create */
int
db_project_create(const char *owner, const char *name, char gid[GID_LEN])
{
	static struct stmt st = STMT("project_create",
	    "WITH o AS (SELECT id FROM users "
	    "  WHERE ascii_lower(username) = ascii_lower($1)), "
	    "p AS (INSERT INTO projects (name, owner_id) "
	    "  SELECT $2, id FROM o RETURNING id, gid, owner_id), "
	    "m AS (INSERT INTO project_members (project_id, user_id, status, "
	    "  roles) SELECT id, owner_id, 'active', '{owner}' FROM p) "
	    "SELECT gid::text FROM p", 2);
	const char	*params[] = { owner, name };

	gid[0] = '\0';
	return db_one(&st, params, gid_row, gid);
}

/* signet-admin project list */
int
db_project_list(db_row_fn *each, void *arg)
{
	static struct stmt st = STMT("project_list",
	    "SELECT p.gid::text, p.name, o.username, p.status, "
	    " (SELECT count(*) FROM project_members m WHERE m.project_id = p.id "
	    "  AND m.status = 'active')::text, "
	    " (SELECT count(*) FROM project_members m WHERE m.project_id = p.id "
	    "  AND m.status = 'invited')::text, "
	    " to_char(p.created AT TIME ZONE 'UTC', "
	    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	    "FROM projects p JOIN users o ON o.id = p.owner_id "
	    "ORDER BY p.created, p.id", 0);

	return db_rows(&st, NULL, each, arg);
}

/* db_fill_fn: a struct project. */
static void
project_row(const PGresult *res, int r, void *obj)
{
	struct project	*p = obj;

	p->id = atoll(PQgetvalue(res, r, 0));
	p->gid = db_dup(res, r, 1);
	p->name = db_dup(res, r, 2);
	p->status = db_dup(res, r, 3);
	p->owner_id = atoll(PQgetvalue(res, r, 4));
	p->owner = db_dup(res, r, 5);
}

/* members/invite, members/resend_invite, signet-admin invite */
int
db_project_lock(const char *gid, struct project *p)
{
	static struct stmt st = STMT("project_lock",
	    "SELECT p.id, p.gid::text, p.name, p.status, p.owner_id, "
	    " coalesce(nullif(o.name, ''), o.username, o.email) "
	    "FROM projects p JOIN users o ON o.id = p.owner_id "
	    "WHERE p.gid = $1::uuid FOR UPDATE OF p", 1);
	const char	*params[] = { gid };

	memset(p, 0, sizeof(*p));
	return db_one(&st, params, project_row, p);
}

/* members/invite, members/resend_invite: the owner check */
int
db_project_is_owner(long long project_id, long long user_id)
{
	static struct stmt st = STMT("project_is_owner",
	    "SELECT 1 FROM projects p WHERE p.id = $1 AND (p.owner_id = $2 "
	    " OR EXISTS (SELECT 1 FROM project_members m "
	    "  WHERE m.project_id = p.id AND m.user_id = $2 "
	    "  AND m.status = 'active' AND 'owner' = ANY (m.roles)))", 2);
	char		 pid[DB_INT_LEN], uid[DB_INT_LEN];
	const char	*params[] = { db_int(pid, project_id),
	    db_int(uid, user_id) };

	return db_exists(&st, params);
}
