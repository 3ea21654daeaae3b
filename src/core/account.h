/* signet: accounts: login, tokens, sessions.  ISC licence. */
#ifndef SIGNET_CORE_ACCOUNT_H
#define SIGNET_CORE_ACCOUNT_H

#include <stdbool.h>

#include "core/problem.h"
#include "core/token.h"
#include "db/session.h"
#include "db/user.h"

/*
 * The core knows rules, not wire formats: each function takes plain
 * strings, returns 0 or -1 with *p saying what went wrong, and fills the
 * db layer's row types, which the personalities render.
 */

/* How a login name is looked up. */
enum login_by {
	LOGIN_USERNAME,			/* a username */
	LOGIN_ANY,			/* a username, an email or an id */
};

/*
 * Check a password login, with the throttles (checked before any hash)
 * and one hash even for unknown users.  On success fills *u
 * (db_user_free() it).  Failure: LOGIN_FAILED for every kind of refusal
 * alike, RATE_LIMITED, or the database problem.  Tells the login's
 * outcome (core/event.h) but a success that mfa_login() must still finish.
 * With s, a success also fills *s with the user's session when one round
 * trip could (a user in no project; db_session_free() it), else leaves it
 * empty (s->users NULL: account_session() loads it).
 */
int	 account_login(const char *login, enum login_by by,
	    const char *password, const char *client, struct user *u,
	    struct session *s, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * Check the password of the account u (loaded, active) again, as a login
 * would: the account's tries are throttled the same way, a wrong one
 * counts as a failed login.  0 right; -1 with LOGIN_FAILED (wrong),
 * RATE_LIMITED, UNAVAILABLE (busy) or the database problem.
 */
int	 account_password(const struct user *u, const char *password,
	    struct problem *p) __attribute__((warn_unused_result));

/*
 * The active user id (gid NULL) or gid into *u (db_user_free() it).  0,
 * or -1 with UNAUTHORIZED (why REVOKED: gone or not active) or the
 * database problem, *u zeroed.
 */
int	 account_user(long long id, const char *gid, struct user *u,
	    struct problem *p) __attribute__((warn_unused_result));

/* Who a verified token speaks for. */
struct bearer {
	char		*gid;		/* the user's gid, owned */
	char		*app;		/* an application's token (no user):
					   its client id, owned; else NULL */
	long		 epoch;		/* the token epoch it was issued at */
	long		 left;		/* seconds of lifetime left */
	long		 auth_time;	/* when its session began */
	long long	 id;		/* with active: the user's id; else 0 */
};

/*
 * Check the token in authz (an Authorization header value; NULL: none):
 * signature, algorithm, expiry, issuer, session age, and that it is of
 * type (an access token is no renew token, nor the other way round); with
 * active also that it speaks for a user (not an application alone), that
 * user active and its epoch current.  Fills *b
 * (account_bearer_free() it).  Failure: UNAUTHORIZED, or the database
 * problem.
 */
int	 account_bearer(const char *authz, enum token_type type, bool active,
	    struct bearer *b, struct problem *p)
	    __attribute__((warn_unused_result));

void	 account_bearer_free(struct bearer *b);

/*
 * Load the session of user gid (the user, their projects and the people
 * around them).  Returns 0; or -1 with UNAUTHORIZED when the user is gone,
 * not active, or epoch (>= 0) is not the user's token epoch; or the
 * database problem.  db_session_free() it.
 */
int	 account_session(const char *gid, long epoch, struct session *s,
	    struct problem *p) __attribute__((warn_unused_result));

/* Revoke every token of user id (logout). */
int	 account_logout(long long id, struct problem *p)
	    __attribute__((warn_unused_result));

/* Does the account store answer?  For health checks. */
bool	 account_store_ok(void);

#endif
