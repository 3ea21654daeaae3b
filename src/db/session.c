/* signet: a user with the projects and people around them.  ISC licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "db/session.h"
#include "db/stmt.h"

/*
 * One statement, five kinds of row told apart by the first column:
 * 0 the user, 1 other users, 2 projects, 3 memberships, 4 the cursor.
 * The memberships shown are the user's own (active or invited) and those
 * of the projects the user is an active member of.
 */
#define SESSION_SQL \
"WITH me AS (SELECT * FROM users WHERE gid = $1::uuid), " \
"mem AS (SELECT pm.* FROM project_members pm, me " \
" WHERE pm.status IN ('active', 'invited') AND (pm.user_id = me.id " \
"  OR pm.project_id IN (SELECT project_id FROM project_members " \
"   WHERE user_id = me.id AND status = 'active'))) " \
"SELECT 0, gid::text, username, email, name, avatar, status, language, " \
" timezone, token_epoch::text, id::text FROM me " \
"UNION ALL SELECT 1, u.gid::text, u.username, u.email, u.name, u.avatar, " \
" u.status, u.language, u.timezone, NULL, NULL FROM users u " \
" WHERE u.id IN (SELECT user_id FROM mem) " \
"  AND u.id NOT IN (SELECT id FROM me) " \
"UNION ALL SELECT 2, p.gid::text, p.name, p.icon, o.gid::text, p.status, " \
" NULL, NULL, NULL, NULL, NULL FROM projects p JOIN users o " \
" ON o.id = p.owner_id WHERE p.id IN (SELECT project_id FROM mem) " \
"UNION ALL SELECT 3, p.gid::text, u.gid::text, m.status, " \
" array_to_string(m.roles, ','), m.options::text, NULL, NULL, NULL, " \
" NULL, NULL FROM mem m JOIN projects p ON p.id = m.project_id " \
" JOIN users u ON u.id = m.user_id " \
"UNION ALL SELECT 4, (SELECT last_value FROM cc_cursor)::text, NULL, " \
" NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL " \
"ORDER BY 1, 2"

/*
 * The user alone, the cursor, and whether any membership exists: for a
 * user in no project (most logins) this is the whole session, in one
 * cheap round trip; the others then run SESSION_SQL.  Columns 0..10 as
 * SESSION_SQL's row 0, then the cursor and the membership flag.
 */
#define SESSION_ME_SQL \
"SELECT " SQL_SESSION_ME("u") " FROM users u WHERE gid = $1::uuid"

/* The user of row r: columns 1..8 of every user row. */
static struct session_user
user_at(const PGresult *res, int r)
{
	return (struct session_user){
		.gid = db_val(res, r, 1),
		.username = db_val(res, r, 2),
		.email = db_val(res, r, 3),
		.name = db_val(res, r, 4),
		.avatar = db_val(res, r, 5),
		.status = db_val(res, r, 6),
		.language = db_val(res, r, 7),
		.timezone = db_val(res, r, 8),
	};
}

/* Fill s->users[0] and the user's fields from row r of res. */
static void
me_row(const PGresult *res, int r, struct session *s)
{
	s->gid = PQgetvalue(res, r, 1);
	s->status = PQgetvalue(res, r, 6);
	s->epoch = atol(PQgetvalue(res, r, 9));
	s->user_id = atoll(PQgetvalue(res, r, 10));
	s->users[s->nusers++] = user_at(res, r);
}

int
db_session_me(PGresult *res, struct session *s)
{
	memset(s, 0, sizeof(*s));
	if (PQntuples(res) != 1 || *PQgetvalue(res, 0, 12) == 't')
		return 0;
	s->own = res;
	s->users = xcalloc(1, sizeof(*s->users));
	me_row(res, 0, s);
	s->cursor = atoll(PQgetvalue(res, 0, 11));
	return 1;
}

int
db_session_load(const char *gid, struct session *s)
{
	static struct stmt me = STMT("session_me", SESSION_ME_SQL, 1);
	static struct stmt st = STMT("session", SESSION_SQL, 1);
	const char	*params[] = { gid };
	PGresult	*res;
	int		 i, n, kind;

	memset(s, 0, sizeof(*s));
	if ((res = db_query(&me, params)) == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	if (db_session_me(res, s))
		return 1;
	PQclear(res);
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	n = PQntuples(res);
	if (n == 0 || atoi(PQgetvalue(res, 0, 0)) != 0) {
		PQclear(res);
		return 0;
	}
	s->own = res;
	s->users = xcalloc((size_t)n, sizeof(*s->users));
	s->projects = xcalloc((size_t)n, sizeof(*s->projects));
	s->members = xcalloc((size_t)n, sizeof(*s->members));
	for (i = 0; i < n; i++) {
		kind = atoi(PQgetvalue(res, i, 0));
		switch (kind) {
		case 0:
			me_row(res, i, s);
			break;
		case 1:
			s->users[s->nusers++] = user_at(res, i);
			break;
		case 2:
			s->projects[s->nprojects++] = (struct session_project){
				.gid = db_val(res, i, 1),
				.name = db_val(res, i, 2),
				.icon = db_val(res, i, 3),
				.owner = db_val(res, i, 4),
				.status = db_val(res, i, 5),
			};
			break;
		case 3:
			s->members[s->nmembers++] = (struct session_member){
				.project = db_val(res, i, 1),
				.user = db_val(res, i, 2),
				.status = db_val(res, i, 3),
				.roles = db_val(res, i, 4),
				.options = db_val(res, i, 5),
			};
			break;
		case 4:
			s->cursor = atoll(PQgetvalue(res, i, 1));
			break;
		}
	}
	return 1;
}

void
db_session_free(struct session *s)
{
	free(s->users);
	free(s->projects);
	free(s->members);
	PQclear(s->own);
	memset(s, 0, sizeof(*s));
}
