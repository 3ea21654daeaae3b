/* signet: draft accounts, made by a link signup.  ISC licence. */
#ifndef SIGNET_DB_DRAFT_H
#define SIGNET_DB_DRAFT_H

/*
 * A draft is a users row (status draft) waiting for its link: the SQL of
 * the link signups (BEdita's and FreeSewing's /signup).  Every function
 * returns -1 when the database failed.
 */

/* What a signup finds for its username and email (db_draft_probe()). */
struct draft_probe {
	int		 email_used;	/* an active account, or a draft still
					   waiting for its link, has the email */
	int		 name_used;	/* another account has the username */
	long long	 reuse;		/* row the signup takes over, or 0 */
};

/*
 * Serialise link signups of one email until the end of the caller's
 * transaction (an advisory lock on hashtext(lower(email))), so that the
 * probe and the insert after it cannot interleave with another signup of
 * the same address.  0 or -1.
 */
int	db_draft_lock(const char *email) __attribute__((warn_unused_result));

/*
 * Look at email and username (NULL: none asked for) before a link
 * signup.  A draft whose every link has expired unused is stale: it does
 * not hold its email, and the signup takes the row over (as it does an
 * invited placeholder of the email, which keeps its gid and its
 * invitations), so its username is not "used" either.  Fills *pr.  0 or
 * -1.
 */
int	db_draft_probe(const char *username, const char *email,
	    struct draft_probe *pr) __attribute__((warn_unused_result));

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

#endif
