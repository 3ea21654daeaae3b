/* signet: the auth_events table, the audit log.  ISC licence. */
#ifndef SIGNET_DB_AUDIT_H
#define SIGNET_DB_AUDIT_H

#include "db/db.h"

/* One event to record; NULL or 0 columns are SQL NULL. */
struct audit_row {
	const char	*kind;		/* [a-z_]+ */
	const char	*outcome;	/* [a-z_]+ */
	long long	 user_id;
	const char	*user_gid;
	const char	*client;	/* an IPv4 or IPv6 address */
	const char	*personality;
	const char	*user_agent;	/* at most 256 bytes, UTF-8 */
	const char	*request_id;
};

/*
 * event_flush(): insert one row, outside any transaction (it outlives a
 * rollback of the request's), committed without waiting for the disk
 * (synchronous_commit off for it alone).  0 or -1.
 */
int	db_audit_insert(const struct audit_row *)
	    __attribute__((warn_unused_result));

/*
 * signet-admin audit: the events, oldest first, one call of each per row
 * with the columns time (ISO 8601, UTC), kind, outcome, user id, user
 * gid, username (the account's now), client, personality, request id and
 * user agent.  user (NULL: all) is a username, an email address or a gid
 * (a deleted account's too); since_time (NULL: none) a PostgreSQL
 * timestamp, since_secs (< 0: none) an age in seconds.  0 or -1 (a bad
 * since_time is SQLSTATE 22007 or 22008).
 */
int	db_audit_list(const char *user, const char *since_time,
	    long long since_secs, db_row_fn *each, void *arg)
	    __attribute__((warn_unused_result));

/*
 * signet-admin purge: delete the rows older than keep_days days (0: none
 * at all); *count gets how many.  0 or -1.
 */
int	db_audit_purge(long keep_days, long long *count)
	    __attribute__((warn_unused_result));

#endif
