/* signet: a login's statements, one round trip each side of the hash. */
#ifndef SIGNET_DB_LOGIN_H
#define SIGNET_DB_LOGIN_H

#include <stdbool.h>

#include "db/user.h"

struct audit_row;
struct session;

/*
 * A password login costs two round trips to PostgreSQL, one before the
 * hash and one after, whatever the throttles ask: each statement is its
 * own transaction.  The one after writes the login's audit row too (ev,
 * NULL: none), so that the outcome and its record are one commit.  The
 * throttle rules are core/throttle.h's, written once in db/stmt.h.
 */

/* What a login's first statement asks. */
struct login_ask {
	const char	*login;		/* username, or any name (by_any) */
	bool		 by_any;	/* a username, an email or an id */
	const char	*client_key;	/* the address's throttle key; NULL:
					   exempt */
	long		 client_limit;	/* its hourly limit (<= 0: none) */
	const char	*name_key;	/* the account's key when no account
					   has the login */
	long		 window;	/* seconds */
	long		 free, limit;	/* the account's backoff and cap
					   (both <= 0: none) */
};

/* What it learns. */
struct login_start {
	int		 found;		/* 1: the user is in *u */
	bool		 client_over;	/* the address is at its limit */
	bool		 reserved;	/* the account's try is counted (or
					   nothing limits it) */
};

/*
 * Look the login up, check the client address's limit and, when it has
 * room, reserve the account's try (under "login-id:<id>", or name_key for
 * an unknown login) as db_throttle_reserve() does.  0 (fills *u when
 * found, and *ls), or -1.
 */
int	db_login_start(const struct login_ask *a, struct user *u,
	    struct login_start *ls) __attribute__((warn_unused_result));

/*
 * After a right password: the user's last login, its error count cleared
 * and its password rehashed (rehash: MCF, or NULL), and the account's
 * try forgotten (key deleted), or, with a second factor still due
 * (give_back), given back.  With s, the session the answer shows comes
 * back in the same round trip when it is the user alone (db_session_me():
 * else *s is empty, for db_session_load()).  0 or -1.
 */
int	db_login_ok(long long id, const char *rehash, const char *key,
	    bool give_back, const struct audit_row *ev, struct session *s)
	    __attribute__((warn_unused_result));

/*
 * After a refusal: the user's error count (id 0: no user) and the client
 * address's failures (client_key NULL: exempt), in one commit whether or
 * not the user exists.  0 or -1.
 */
int	db_login_failed(long long id, const char *client_key, long window,
	    const struct audit_row *ev) __attribute__((warn_unused_result));

#endif
