/* signet: confirmation links and draft accounts.  ISC licence. */
#ifndef SIGNET_DB_CONFIRM_H
#define SIGNET_DB_CONFIRM_H

/*
 * The SQL of BEdita's signup/activation and FreeSewing's signup/confirm:
 * draft accounts and the confirmations table.  Every function returns -1
 * when the database failed (logged by db.c; db_sqlstate() tells why).
 */

/* Kinds of the confirmations table (its CHECK lists them). */
#define CONFIRM_ACTIVATION	"activation"	/* BEdita's uuid */
#define CONFIRM_SIGNUP		"confirm"	/* FreeSewing's id */

/* What a signup finds for its username and email (db_signup_probe()). */
struct signup_probe {
	int		 email_used;	/* an active account, or a draft still
					   waiting for its link, has the email */
	int		 name_used;	/* another account has the username */
	long long	 reuse;		/* row the signup takes over, or 0 */
};

/*
 * Serialise signups of one email until the end of the caller's
 * transaction (an advisory lock on hashtext(lower(email))), so that the
 * probe and the insert after it cannot interleave with another signup of
 * the same address.  0 or -1.
 */
int	db_email_lock(const char *email) __attribute__((warn_unused_result));

/*
 * Look at email and username (NULL: FreeSewing, no username) before a
 * BEdita or FreeSewing signup.  A draft whose every link has expired
 * unused is stale: it does not hold its email, and the signup takes the
 * row over (as it does an invited placeholder of the email, which keeps
 * its gid and its invitations), so its username is not "used" either.
 * Fills *pr.  0 or -1.
 */
int	db_signup_probe(const char *username, const char *email,
	    struct signup_probe *pr) __attribute__((warn_unused_result));

/*
 * Make row id (an invited placeholder or a stale draft) a fresh draft
 * with these values; a NULL username keeps the row's one or, when it has
 * none, gives it "user-<id>".  *gid is the caller's to free.  1 done, 0
 * when the row is no longer invited or draft, -1 failed (sqlstate UNIQUE:
 * the username was taken meanwhile).
 */
int	db_draft_reuse(long long id, const char *username, const char *email,
	    const char *password, const char *language, char **gid)
	    __attribute__((warn_unused_result));

/*
 * Insert a draft account.  username NULL: "user-<id>" (with a random
 * suffix if a person already chose that name).  password NULL: no usable
 * password.  Sets *id and *gid (the caller's to free).  0, or -1 (sqlstate
 * UNIQUE: the username was taken meanwhile).
 */
int	db_draft_insert(const char *username, const char *email,
	    const char *password, const char *language, long long *id,
	    char **gid) __attribute__((warn_unused_result));

/*
 * Store a link of kind for user_id: mac is the bytea hex text of the
 * token's HMAC, valid ttl seconds; redirect may be NULL.  0 or -1.
 */
int	db_confirm_put(const char *kind, const char *mac, long long user_id,
	    const char *redirect, long ttl) __attribute__((warn_unused_result));

/*
 * Use up the link of kind whose MAC is mac: only an unused, unexpired one,
 * and only once however many requests race for it (the row lock of the
 * UPDATE makes the losers see used_at set).  1 with *user_id, 0 when there
 * is no such link, -1 failed.
 */
int	db_confirm_take(const char *kind, const char *mac, long long *user_id)
	    __attribute__((warn_unused_result));

/*
 * Lock user id for the rest of the transaction and read its gid and
 * status (both the caller's to free).  1, 0 when gone, -1 failed.
 */
int	db_user_lock(long long id, char **gid, char **status)
	    __attribute__((warn_unused_result));

/*
 * The link was good: user id becomes active and verified (now, unless it
 * already was); consent > 0 replaces the stored consent.  0 or -1.
 */
int	db_user_activate(long long id, long consent)
	    __attribute__((warn_unused_result));

#endif
