/* signet: the accounts core, shared by every personality.  ISC licence. */
#ifndef SIGNET_ACCOUNT_H
#define SIGNET_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "problem.h"

/*
 * The core knows rules, not wire formats: each function takes plain
 * strings, returns 0 or -1 with *p saying what went wrong, and fills
 * structs the personalities render.
 */

/* A user as every personality shows it.  Strings owned; user_free(). */
struct user {
	long long	 id;
	char		*gid;
	char		*username;	/* NULL for an invited placeholder */
	char		*email;
	char		*name;
	char		*avatar;	/* NULL when none */
	char		*status;	/* invited | draft | active | disabled */
	char		*language;
	char		*timezone;
	int		 consent;
	char		*verified;	/* ISO 8601 or NULL, likewise below */
	char		*last_login;
	char		*last_login_err;
	int		 num_login_err;
	char		*created;
	char		*modified;
	long		 token_epoch;
	char		*password;	/* MCF or NULL; the core's, never shown */
};

void	 user_free(struct user *);

/* One row of each cc.* collection, borrowed from the session. */
struct cc_user {
	const char	*gid, *username, *email, *name, *avatar, *status;
	const char	*language, *timezone;
};
struct cc_project {
	const char	*gid, *name, *icon, *owner, *status;
};
struct cc_member {
	const char	*project, *user, *status;
	const char	*roles;		/* comma separated */
	const char	*options;	/* JSON object text */
};

/*
 * What /api/login, /api/init and /api/signup show: the user, their
 * projects, the memberships and users around them, the cc cursor.
 */
struct session {
	long long		 user_id;
	const char		*gid;
	const char		*status;
	long			 epoch;
	long long		 cursor;
	struct cc_user		*users;		/* users[0] is the user */
	size_t			 nusers;
	struct cc_project	*projects;
	size_t			 nprojects;
	struct cc_member	*members;
	size_t			 nmembers;
	void			*own;		/* the result it borrows from */
};

void	 session_free(struct session *);

/*
 * Load the session of user gid (one round trip).  Returns 0; or -1 with
 * UNAUTHORIZED when the user is gone, not active, or epoch (>= 0) is not
 * the user's token epoch; or the database problem.
 */
int	 account_session(const char *gid, long epoch, struct session *s,
	    struct problem *p) __attribute__((warn_unused_result));

/* Unicat signup, step 1: returns the validation code in *vcode (owned). */
int	 account_signup_request(const char *username, const char *password,
	    const char *email, const char *language, const char *client,
	    char **vcode, struct problem *p) __attribute__((warn_unused_result));

/* Unicat signup, step 2: the new (or invited) user's gid in *gid (owned). */
int	 account_signup(const char *username, const char *password,
	    const char *email, const char *vcode, const char *code,
	    char **gid, long *epoch, struct problem *p)
	    __attribute__((warn_unused_result));

/* How a login name is looked up. */
enum login_by {
	LOGIN_USERNAME,			/* Unicat, BEdita */
	LOGIN_ANY,			/* FreeSewing: username, email or id */
};

/*
 * Check a password login, with the throttles (checked before any hash)
 * and one hash even for unknown users.  On success fills *u.  Failure:
 * LOGIN_FAILED for every kind of refusal alike, RATE_LIMITED, or the
 * database problem.
 */
int	 account_login(const char *login, enum login_by by,
	    const char *password, const char *client, struct user *u,
	    struct problem *p) __attribute__((warn_unused_result));

/*
 * A token's user: gid and epoch from a verified JWT.  Sets *id when the
 * user is active and the epoch current; else UNAUTHORIZED.
 */
int	 account_auth(const char *gid, long epoch, long long *id,
	    struct problem *p) __attribute__((warn_unused_result));

/* Revoke every token of user id (logout). */
int	 account_logout(long long id, struct problem *p)
	    __attribute__((warn_unused_result));

/* Is the client address exempt from per-address throttles? */
bool	 account_client_exempt(const char *client);

#endif
