/* signet: projects and memberships (invitations).  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_project.h"
#include "xmalloc.h"

void
project_free(struct project *p)
{
	free(p->gid);
	free(p->name);
	free(p->status);
	free(p->owner);
	memset(p, 0, sizeof(*p));
}

void
member_free(struct member *m)
{
	free(m->status);
	free(m->roles);
	free(m->options);
	memset(m, 0, sizeof(*m));
}

/* Run a statement whose first row's first column is a gid: 1/0/-1. */
static int
one_gid(struct stmt *st, const char *const *params, char gid[GID_LEN])
{
	PGresult	*res;
	int		 found;

	gid[0] = '\0';
	if ((res = db_query(st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0))
		snprintf(gid, GID_LEN, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return found;
}

/* signet-admin project create */
int
db_project_create(const char *owner, const char *name, char gid[GID_LEN])
{
	static struct stmt st = STMT("project_create",
	    "WITH o AS (SELECT id FROM users "
	    "  WHERE lower(username) = lower($1)), "
	    "p AS (INSERT INTO projects (name, owner_id) "
	    "  SELECT $2, id FROM o RETURNING id, gid, owner_id), "
	    "m AS (INSERT INTO project_members (project_id, user_id, status, "
	    "  roles) SELECT id, owner_id, 'active', '{owner}' FROM p) "
	    "SELECT gid::text FROM p", 2);
	const char	*params[] = { owner, name };

	return one_gid(&st, params, gid);
}

/* signet-admin project list */
PGresult *
db_project_list(void)
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

	return db_query(&st, NULL);
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
	PGresult	*res;
	int		 found;

	memset(p, 0, sizeof(*p));
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0)) {
		p->id = atoll(PQgetvalue(res, 0, 0));
		p->gid = xstrdup(PQgetvalue(res, 0, 1));
		p->name = xstrdup(PQgetvalue(res, 0, 2));
		p->status = xstrdup(PQgetvalue(res, 0, 3));
		p->owner_id = atoll(PQgetvalue(res, 0, 4));
		p->owner = xstrdup(PQgetvalue(res, 0, 5));
	}
	PQclear(res);
	return found;
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
	char		 pid[24], uid[24];
	const char	*params[] = { pid, uid };
	PGresult	*res;
	int		 found;

	snprintf(pid, sizeof(pid), "%lld", project_id);
	snprintf(uid, sizeof(uid), "%lld", user_id);
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	found = PQntuples(res) > 0;
	PQclear(res);
	return found;
}

/* members/invite, signet-admin invite: one invitation per address at once */
int
db_invite_lock_email(const char *email)
{
	/* Two int4 keys: a lock space apart from migrate's bigint key. */
	static struct stmt st = STMT("invite_lock_email",
	    "SELECT pg_advisory_xact_lock(1936287346, hashtext(lower($1)))", 1);
	const char	*params[] = { email };

	return db_exec(&st, params);
}

/* members/invite, signet-admin invite: by email */
int
db_invitee_by_email(const char *email, char gid[GID_LEN])
{
	static struct stmt st = STMT("invitee_by_email",
	    "SELECT gid::text FROM users WHERE lower(email) = lower($1) "
	    " AND status IN ('active', 'invited') "
	    "ORDER BY status = 'active' DESC, id LIMIT 1", 1);
	const char	*params[] = { email };

	return one_gid(&st, params, gid);
}

/* members/invite, signet-admin invite: an address nobody uses yet */
int
db_invite_placeholder(const char *email, const char *language,
    char gid[GID_LEN])
{
	static struct stmt st = STMT("invite_placeholder",
	    "INSERT INTO users (email, language, status) "
	    "VALUES ($1, $2, 'invited') RETURNING gid::text", 2);
	const char	*params[] = { email, language };

	return one_gid(&st, params, gid) == 1 ? 0 : -1;
}

/* Fill *m from row 0 of res (columns: project_id, user_id, status, roles, options). */
static void
member_row(const PGresult *res, struct member *m)
{
	m->project_id = atoll(PQgetvalue(res, 0, 0));
	m->user_id = atoll(PQgetvalue(res, 0, 1));
	m->status = xstrdup(PQgetvalue(res, 0, 2));
	m->roles = xstrdup(PQgetvalue(res, 0, 3));
	m->options = xstrdup(PQgetvalue(res, 0, 4));
}

static int
one_member(struct stmt *st, const char *const *params, struct member *m)
{
	PGresult	*res;
	int		 found;

	memset(m, 0, sizeof(*m));
	if ((res = db_query(st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0))
		member_row(res, m);
	PQclear(res);
	return found;
}

#define MEMBER_COLS "m.project_id, m.user_id, m.status, " \
	"array_to_string(m.roles, ','), m.options::text"

/* members/invite, members/resend_invite */
int
db_member_get(long long project_id, long long user_id, struct member *m)
{
	static struct stmt st = STMT("member_get",
	    "SELECT " MEMBER_COLS " FROM project_members m "
	    "WHERE m.project_id = $1 AND m.user_id = $2 FOR UPDATE", 2);
	char		 pid[24], uid[24];
	const char	*params[] = { pid, uid };

	snprintf(pid, sizeof(pid), "%lld", project_id);
	snprintf(uid, sizeof(uid), "%lld", user_id);
	return one_member(&st, params, m);
}

/* account/accept_invite, account/decline_invite, decline_invite */
int
db_member_by_gids(const char *project, const char *user, struct member *m)
{
	static struct stmt st = STMT("member_by_gids",
	    "SELECT " MEMBER_COLS " FROM project_members m "
	    "JOIN projects p ON p.id = m.project_id "
	    "JOIN users u ON u.id = m.user_id "
	    "WHERE p.gid = $1::uuid AND u.gid = $2::uuid "
	    " AND p.status = 'active' FOR UPDATE OF m", 2);
	const char	*params[] = { project, user };

	return one_member(&st, params, m);
}

/* members/invite, signet-admin invite */
int
db_member_invite(long long project_id, long long user_id, struct member *m)
{
	static struct stmt st = STMT("member_invite",
	    "INSERT INTO project_members AS m (project_id, user_id, status, "
	    " roles) VALUES ($1, $2, 'invited', '{member}') "
	    "RETURNING " MEMBER_COLS, 2);
	char		 pid[24], uid[24];
	const char	*params[] = { pid, uid };

	snprintf(pid, sizeof(pid), "%lld", project_id);
	snprintf(uid, sizeof(uid), "%lld", user_id);
	return one_member(&st, params, m) == 1 ? 0 : -1;
}

/* account/accept_invite, account/decline_invite, decline_invite */
int
db_member_set_status(long long project_id, long long user_id,
    const char *status)
{
	static struct stmt st = STMT("member_set_status",
	    "UPDATE project_members SET status = $3 "
	    "WHERE project_id = $1 AND user_id = $2", 3);
	char		 pid[24], uid[24];
	const char	*params[] = { pid, uid, status };

	snprintf(pid, sizeof(pid), "%lld", project_id);
	snprintf(uid, sizeof(uid), "%lld", user_id);
	return db_exec(&st, params);
}
