/* signet: queries only signet-admin runs.  ISC licence. */
#ifndef SIGNET_DB_ADMIN_H
#define SIGNET_DB_ADMIN_H

#include "db/db.h"

/*
 * signet-admin user list: every user, oldest first, one call of each per
 * row with the columns gid, username (NULL for an invited placeholder),
 * email, status, created, last login (NULL if never).  0 or -1.
 */
int	db_admin_user_list(db_row_fn *each, void *arg)
	    __attribute__((warn_unused_result));

/*
 * signet-admin user disable: status disabled and every token revoked
 * (token_epoch + 1) for the user named username (case-insensitively).
 * 1 done, 0 no such user or already disabled, -1 failed.
 */
int	db_admin_user_disable(const char *username)
	    __attribute__((warn_unused_result));

/*
 * signet-admin purge: delete expired pending signups, used or expired
 * confirmations (no query reads a used one again), and throttle rows
 * idle for two days (longer than any throttle window).
 * The counts go to the out parameters.  0 or -1 each.
 */
int	db_admin_purge_pending(long long *count)
	    __attribute__((warn_unused_result));
int	db_admin_purge_confirmations(long long *count)
	    __attribute__((warn_unused_result));
int	db_admin_purge_throttles(long long *count)
	    __attribute__((warn_unused_result));

/*
 * signet-admin purge: drafts without a usable link, which hold nothing:
 * deleted, or made the invited placeholder of their address again when
 * an invitation reached them.  *count gets how many.  0 or -1.
 */
int	db_admin_purge_drafts(long long *count)
	    __attribute__((warn_unused_result));

/*
 * signet-admin migrate: create schema_versions if missing; take the lock
 * that serialises migrations (inside a transaction); has version v been
 * applied (1, 0, -1)?  The others: 0 or -1.
 */
int	db_admin_migrate_init(void) __attribute__((warn_unused_result));
int	db_admin_migrate_lock(void) __attribute__((warn_unused_result));
int	db_admin_migrate_applied(int v) __attribute__((warn_unused_result));

/* signet-admin migrate: run the SQL text of one migration.  0 or -1. */
int	db_admin_migrate_run(const char *sql)
	    __attribute__((warn_unused_result));

#endif
