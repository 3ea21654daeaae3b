/* signet: the users table.  ISC licence. */
#ifndef SIGNET_DB_USER_H
#define SIGNET_DB_USER_H

#include "account.h"

/*
 * Lookups fill *u (user_free() it) and return 1 when found, 0 when not,
 * -1 when the database failed.
 */
int	db_user_by_username(const char *username, struct user *u)
	    __attribute__((warn_unused_result));
int	db_user_by_login(const char *login, struct user *u)
	    __attribute__((warn_unused_result));
int	db_user_by_gid(const char *gid, struct user *u)
	    __attribute__((warn_unused_result));

/* Is the username used by any account?  1, 0 or -1. */
int	db_username_taken(const char *username)
	    __attribute__((warn_unused_result));

/*
 * A new active user, or the invited placeholder of email made active (it
 * keeps its gid).  Fills *u.  0; -1 with db_sqlstate() UNIQUE when the
 * username was taken meanwhile.
 */
int	db_user_create_active(const char *username, const char *email,
	    const char *password, const char *language, struct user *u)
	    __attribute__((warn_unused_result));

/* After a good password: last_login, reset the error count, new hash. */
int	db_user_login_ok(long long id, const char *rehash)
	    __attribute__((warn_unused_result));
/* After a bad one: last_login_err, num_login_err + 1. */
int	db_user_login_failed(long long id) __attribute__((warn_unused_result));

/* Revoke every token: token_epoch + 1. */
int	db_user_bump_epoch(long long id) __attribute__((warn_unused_result));

/* Token check: *id of the active user gid whose epoch is epoch; 1/0/-1. */
int	db_user_auth(const char *gid, long epoch, long long *id)
	    __attribute__((warn_unused_result));

#endif
