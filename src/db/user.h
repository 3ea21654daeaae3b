/* signet: the users table.  ISC licence. */
#ifndef SIGNET_DB_USER_H
#define SIGNET_DB_USER_H

#include <stdbool.h>
#include <stddef.h>

/* Text of a uuid, with its NUL. */
#define GID_LEN		37

/* A user as every personality shows it.  Strings owned; db_user_free(). */
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
	char		*password_changed;	/* ISO 8601 or NULL */
	bool		 totp_enabled;	/* two-factor is on */
};

/* Free what u holds (the password wiped first) and zero it. */
void	db_user_free(struct user *u);

/*
 * Lookups fill *u (db_user_free() it) and return 1 when found, 0 when not,
 * -1 when the database failed.  Names compare case-insensitively.
 */
int	db_user_by_username(const char *username, struct user *u)
	    __attribute__((warn_unused_result));
int	db_user_by_gid(const char *gid, struct user *u)
	    __attribute__((warn_unused_result));
int	db_user_by_id(long long id, struct user *u)
	    __attribute__((warn_unused_result));

/*
 * Is the username used by an account (not a dead draft) or kept by a
 * live signup link?  1, 0 or -1.
 */
int	db_user_name_taken(const char *username)
	    __attribute__((warn_unused_result));

/*
 * A new active user, or the invited placeholder of email made active (it
 * keeps its gid; a link signup of it in flight is dropped).  A new user
 * holds the email unless another account does (Unicat lets one address
 * have several usernames).  Fills *u.  0; -1 with db_sqlstate() UNIQUE
 * when the username was taken meanwhile.
 */
int	db_user_create_active(const char *username, const char *email,
	    const char *password, const char *language, struct user *u)
	    __attribute__((warn_unused_result));

/*
 * After a bad password outside a login (a re-check, a second factor):
 * last_login_err, num_login_err + 1.  A login's own: db/login.h.
 */
int	db_user_login_failed(long long id) __attribute__((warn_unused_result));

/* Revoke every token: token_epoch + 1.  0 or -1. */
int	db_user_bump_epoch(long long id) __attribute__((warn_unused_result));

/* Token check: *id of the active user gid whose epoch is epoch; 1/0/-1. */
int	db_user_auth(const char *gid, long epoch, long long *id)
	    __attribute__((warn_unused_result));

/*
 * Lock user id for the rest of the transaction and read its gid and
 * status (both the caller's to free).  1, 0 when gone, -1 failed.
 */
int	db_user_lock(long long id, char **gid, char **status)
	    __attribute__((warn_unused_result));

/*
 * What a link signup of an invited placeholder keeps aside (in its
 * confirmation) until the link proves the address.  Strings borrowed.
 */
struct user_aside {
	const char	*username;	/* NULL: "user-<id>" */
	const char	*password;	/* MCF; NULL: no usable password */
	const char	*language;
};

/*
 * A link was good: user id becomes active and verified (now, unless it
 * already was); consent > 0 replaces the stored consent; a (not NULL)
 * gives it its signup data.  0 or -1.
 */
int	db_user_activate(long long id, long consent,
	    const struct user_aside *a) __attribute__((warn_unused_result));

/*
 * Set user_id's password (MCF), revoke its tokens (token_epoch + 1),
 * clear its login error count and note when (password_changed).  *epoch
 * gets the new epoch.  1 done, 0 the user is not active (any more), -1
 * failed.
 */
int	db_user_set_password(long long user_id, const char *mcf, long *epoch)
	    __attribute__((warn_unused_result));

/*
 * Is username used by another account than except_id (0: none) that is
 * not a dead draft, or kept by a live signup link?  1, 0 or -1.
 */
int	db_user_name_used(const char *username, long long except_id)
	    __attribute__((warn_unused_result));

/* Profile fields to change; NULL (consent < 0) keeps the stored value. */
struct user_changes {
	const char	*username;
	const char	*name;
	const char	*language;
	const char	*timezone;
	const char	*avatar;
	long		 consent;
};

/*
 * Change the profile of the active user id and fill *u with the result.
 * 1 done, 0 no such active user, -1 failed (sqlstate UNIQUE: the
 * username was taken meanwhile).
 */
int	db_user_update(long long id, const struct user_changes *c,
	    struct user *u) __attribute__((warn_unused_result));

/*
 * Is email in use by another account than except_id: an active or
 * disabled one, a draft with a live link, or an invited placeholder?
 * 1, 0 or -1.
 */
int	db_user_email_used(const char *email, long long except_id)
	    __attribute__((warn_unused_result));

/*
 * Give the active user id its new address (it holds it unless another
 * account does).  1 done, 0 no such active user, -1 failed (sqlstate
 * UNIQUE: another holder appeared).
 */
int	db_user_set_email(long long id, const char *email)
	    __attribute__((warn_unused_result));

/* How many projects user id owns: 0 or more, or -1 failed. */
long	db_user_projects_owned(long long id)
	    __attribute__((warn_unused_result));

/*
 * Delete user id and what is kept for its address email: pending signups,
 * other drafts, invited placeholders (their invitations), mail waiting
 * for it; its confirmations and memberships go with it.  Inside the
 * caller's transaction.  1 done, 0 no such user, -1 failed.
 */
int	db_user_delete(long long id, const char *email)
	    __attribute__((warn_unused_result));

/* An account a mail may reach (a reset code).  Strings owned. */
struct user_target {
	long long	 id;
	char		*gid;
	char		*username;
	char		*email;
	char		*language;
};

void	db_user_targets_free(struct user_target *, size_t n);

/*
 * The active accounts whose username or email is login (case-
 * insensitively; usernames never hold '@', so one of the two applies),
 * oldest first, at most max.  *out (free with db_user_targets_free())
 * and *n; 0 or -1.
 */
int	db_user_targets(const char *login, size_t max,
	    struct user_target **out, size_t *n)
	    __attribute__((warn_unused_result));

/*
 * Serialize the flows that claim or invite an address (an advisory lock
 * on its lower case, until the end of the transaction), so that two of
 * them never make two rows for it.  0 or -1.
 */
int	db_user_lock_email(const char *email)
	    __attribute__((warn_unused_result));

/*
 * The account an invitation by email goes to: the holder of the address
 * (its active account, live draft or invited placeholder).  1 found
 * (*gid), 0 none, -1 failed.
 */
int	db_user_invitee(const char *email, char gid[GID_LEN])
	    __attribute__((warn_unused_result));

/*
 * A placeholder user for an invited address (status invited, no username
 * or password); a later Unicat signup with that address claims it and
 * keeps its gid.  *gid gets it.  0 or -1.
 */
int	db_user_placeholder(const char *email, const char *language,
	    char gid[GID_LEN]) __attribute__((warn_unused_result));

#endif
