/* signet: queries only signet-admin runs.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "db/admin.h"
#include "db/stmt.h"

/* signet-admin user list */
int
db_admin_user_list(db_row_fn *each, void *arg)
{
	static struct stmt st = STMT("admin_user_list",
	    "SELECT gid::text, username, email, status, "
	    " to_char(created AT TIME ZONE 'UTC', "
	    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    " to_char(last_login AT TIME ZONE 'UTC', "
	    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	    "FROM users ORDER BY created, id", 0);

	return db_rows(&st, NULL, each, arg);
}

/* Run a statement and give its affected row count; 0 or -1. */
static int
affected(struct stmt *st, const char *const *params, long long *count)
{
	return (*count = db_changed(st, params)) == -1 ? -1 : 0;
}

/* signet-admin user disable */
int
db_admin_user_disable(const char *username)
{
	static struct stmt st = STMT("admin_user_disable",
	    "UPDATE users SET status = 'disabled', "
	    " token_epoch = token_epoch + 1 "
	    "WHERE ascii_lower(username) = ascii_lower($1) AND status <> 'disabled'", 1);
	const char	*params[] = { username };

	return db_changed_any(&st, params);
}

/* signet-admin purge */
int
db_admin_purge_pending(long long *count)
{
	static struct stmt st = STMT("admin_purge_pending",
	    "DELETE FROM pending_signups WHERE expires_at <= now()", 0);

	return affected(&st, NULL, count);
}

/* signet-admin purge */
int
db_admin_purge_confirmations(long long *count)
{
	static struct stmt st = STMT("admin_purge_confirmations",
	    "DELETE FROM confirmations "
	    "WHERE expires_at <= now() OR used_at IS NOT NULL", 0);

	return affected(&st, NULL, count);
}

/* signet-admin purge: drafts with no usable link hold nothing (draft.h) */
int
db_admin_purge_drafts(long long *count)
{
	static struct stmt st = STMT("admin_purge_drafts",
	    "WITH d AS (SELECT u.id, EXISTS (SELECT 1 FROM project_members m "
	    "  WHERE m.user_id = u.id) AS member FROM users u "
	    " WHERE " SQL_DEAD_DRAFT("u") "), "
	    "back AS (UPDATE users u SET status = 'invited', username = NULL, "
	    " password = NULL, holds_email = NOT EXISTS (SELECT 1 FROM users h "
	    "  WHERE ascii_lower(h.email) = ascii_lower(u.email) "
	    "  AND h.holds_email AND h.status <> 'disabled' AND h.id <> u.id "
	    "  AND h.id NOT IN (SELECT id FROM d)) "
	    " WHERE u.id IN (SELECT id FROM d WHERE member)) "
	    "DELETE FROM users WHERE id IN (SELECT id FROM d WHERE NOT member)",
	    0);

	return affected(&st, NULL, count);
}

/* signet-admin purge */
int
db_admin_purge_throttles(long long *count)
{
	static struct stmt st = STMT("admin_purge_throttles",
	    "DELETE FROM throttles WHERE last_at < now() - interval '2 days'",
	    0);

	return affected(&st, NULL, count);
}

/* signet-admin migrate */
int
db_admin_migrate_init(void)
{
	return db_simple("CREATE TABLE IF NOT EXISTS schema_versions ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())");
}

/* signet-admin migrate: one migration at a time, across hosts */
int
db_admin_migrate_lock(void)
{
	static struct stmt st = STMT("migrate_lock",
	    "SELECT pg_advisory_xact_lock(7369676)", 0);

	return db_exec(&st, NULL);
}

/* signet-admin migrate */
int
db_admin_migrate_applied(int v)
{
	static struct stmt st = STMT("migrate_applied",
	    "SELECT 1 FROM schema_versions WHERE version = $1", 1);
	char		 vs[DB_INT_LEN];
	const char	*params[] = { db_int(vs, v) };

	return db_exists(&st, params);
}

/* signet-admin migrate */
int
db_admin_migrate_run(const char *sql)
{
	return db_simple(sql);
}
