/* signet: the auth_events table, the audit log.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit.h"
#include "db/stmt.h"

/* db/stmt.h */
void
db_audit_params(const struct audit_row *a, char id[DB_INT_LEN],
    const char *p[AUDIT_NPARAMS])
{
	if (a == NULL) {
		memset(p, 0, AUDIT_NPARAMS * sizeof(*p));
		return;
	}
	p[0] = a->kind;
	p[1] = a->outcome;
	p[2] = a->user_id > 0 ? db_int(id, a->user_id) : NULL;
	p[3] = a->user_gid;
	p[4] = a->client;
	p[5] = a->personality;
	p[6] = a->user_agent;
	p[7] = a->request_id;
}

/*
 * event_flush(): the events no statement of the request wrote itself (a
 * login's rides on its outcome: db/login.c), after its transaction.
 * The row commits without waiting for its WAL to reach the disk
 * (synchronous_commit off for this one transaction, set inside the
 * statement): the request's own commit waited already, and a second wait
 * per login would cost each a disk flush (bench/ops_cost.py --durable).
 * What that risks: the rows of the last moments (wal_writer_delay, 200 ms)
 * if PostgreSQL itself crashes; a crash of signet loses nothing.
 */
int
db_audit_insert(const struct audit_row *a)
{
	static struct stmt	 st = STMT("audit_insert",
	    "WITH async AS (SELECT set_config('synchronous_commit', 'off', "
	    " true)) "
	    SQL_AUDIT_INSERT("$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8")
	    "FROM async", AUDIT_NPARAMS);
	char			 id[DB_INT_LEN];
	const char		*p[AUDIT_NPARAMS];

	db_audit_params(a, id, p);
	return db_exec(&st, p);
}

/* signet-admin audit */
int
db_audit_list(const char *user, const char *since_time, long long since_secs,
    db_row_fn *each, void *arg)
{
	static struct stmt	 st = STMT("audit_list",
	    "SELECT to_char(e.at AT TIME ZONE 'UTC', "
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), e.kind, e.outcome, "
	    " e.user_id, e.user_gid, u.username, host(e.client), "
	    " e.personality, e.request_id, e.user_agent "
	    "FROM auth_events e LEFT JOIN users u ON u.id = e.user_id "
	    "WHERE ($1::text IS NULL OR e.user_gid::text = lower($1) "
	    " OR e.user_id IN (SELECT id FROM users WHERE "
	    "  ascii_lower(username) = ascii_lower($1) "
	    "  OR ascii_lower(email) = ascii_lower($1))) "
	    "AND ($2::timestamptz IS NULL OR e.at >= $2::timestamptz) "
	    "AND ($3::bigint IS NULL OR "
	    " e.at >= now() - make_interval(secs => $3::bigint)) "
	    "ORDER BY e.at, e.id", 3);
	char			 secs[DB_INT_LEN];
	const char		*p[] = { user, since_time,
	    since_secs >= 0 ? db_int(secs, since_secs) : NULL };

	return db_rows(&st, p, each, arg);
}

/* signet-admin purge */
int
db_audit_purge(long keep_days, long long *count)
{
	static struct stmt	 st = STMT("audit_purge",
	    "DELETE FROM auth_events "
	    "WHERE at < now() - make_interval(days => $1::int)", 1);
	char			 d[DB_INT_LEN];
	const char		*p[] = { db_int(d, keep_days) };

	*count = 0;
	if (keep_days <= 0)
		return 0;
	return (*count = db_changed(&st, p)) == -1 ? -1 : 0;
}
