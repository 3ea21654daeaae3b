/* signet: the project_members table.  ISC licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/member.h"
#include "db/stmt.h"

#define MEMBER_COLS "m.project_id, m.user_id, m.status, " \
	"array_to_string(m.roles, ','), m.options::text"

void
db_member_free(struct member *m)
{
	free(m->status);
	free(m->roles);
	free(m->options);
	memset(m, 0, sizeof(*m));
}

/* db_fill_fn: a struct member from MEMBER_COLS. */
static void
member_row(const PGresult *res, int r, void *obj)
{
	struct member	*m = obj;

	m->project_id = atoll(PQgetvalue(res, r, 0));
	m->user_id = atoll(PQgetvalue(res, r, 1));
	m->status = db_dup(res, r, 2);
	m->roles = db_dup(res, r, 3);
	m->options = db_dup(res, r, 4);
}

static int
one_member(struct stmt *st, const char *const *params, struct member *m)
{
	memset(m, 0, sizeof(*m));
	return db_one(st, params, member_row, m);
}

/* members/invite, members/resend_invite */
int
db_member_get(long long project_id, long long user_id, struct member *m)
{
	static struct stmt st = STMT("member_get",
	    "SELECT " MEMBER_COLS " FROM project_members m "
	    "WHERE m.project_id = $1 AND m.user_id = $2 FOR UPDATE", 2);
	char		 pid[DB_INT_LEN], uid[DB_INT_LEN];
	const char	*params[] = { db_int(pid, project_id),
	    db_int(uid, user_id) };

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
	char		 pid[DB_INT_LEN], uid[DB_INT_LEN];
	const char	*params[] = { db_int(pid, project_id),
	    db_int(uid, user_id) };

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
	char		 pid[DB_INT_LEN], uid[DB_INT_LEN];
	const char	*params[] = { db_int(pid, project_id),
	    db_int(uid, user_id), status };

	return db_exec(&st, params);
}

/* account/leave_project */
int
db_member_delete(long long project_id, long long user_id)
{
	static struct stmt st = STMT("member_delete",
	    "DELETE FROM project_members WHERE project_id = $1 "
	    " AND user_id = $2", 2);
	char		 pid[DB_INT_LEN], uid[DB_INT_LEN];
	const char	*params[] = { db_int(pid, project_id),
	    db_int(uid, user_id) };

	return db_exec(&st, params);
}
