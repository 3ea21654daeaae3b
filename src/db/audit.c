/* signet: the auth_events table, the audit log.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "db/audit.h"
#include "db/stmt.h"

/*
 * event_flush(): every core flow's events, after the request's transaction.
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
	    "INSERT INTO auth_events (kind, outcome, user_id, user_gid, client, "
	    " personality, user_agent, request_id) "
	    "SELECT $1, $2, $3::bigint, $4::uuid, $5::inet, $6, $7, $8 "
	    "FROM async", 8);
	char			 id[DB_INT_LEN];
	const char		*p[] = { a->kind, a->outcome,
	    a->user_id > 0 ? db_int(id, a->user_id) : NULL, a->user_gid,
	    a->client, a->personality, a->user_agent, a->request_id };

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
