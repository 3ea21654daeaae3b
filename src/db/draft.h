/* signet: draft accounts, made by a link signup.  ISC licence. */
#ifndef SIGNET_DB_DRAFT_H
#define SIGNET_DB_DRAFT_H

#include <stdbool.h>

/*
 * A draft is a users row (status draft) waiting for its link: the SQL of
 * the link signups (BEdita's and FreeSewing's /signup).  A draft with no
 * usable link left (expired, used, purged) is dead: it holds neither its
 * username nor its email.  Every function returns -1 when the database
 * failed; the ones that write run under db_user_lock_email() of the
 * address, in the caller's transaction.
 */

/* What a signup finds for its username and email (db_draft_probe()). */
struct draft_probe {
	int		 email_used;	/* an active account, a live draft or a
					   placeholder with a live signup link
					   has the email */
	int		 name_used;	/* a live account has the username, or a
					   live signup link keeps it */
	long long	 reuse;		/* a dead draft of the email to take
					   over (it keeps its id), or 0 */
	long long	 placeholder;	/* the invited placeholder of the
					   email, or 0 */
};

/* Look at email and username (NULL: none asked for).  Fills *pr.  0 or -1. */
int	db_draft_probe(const char *username, const char *email,
	    struct draft_probe *pr) __attribute__((warn_unused_result));

/*
 * Free what dead drafts hold: delete the dead drafts of email or username
 * (NULL: none), and with live the live drafts of email too, except row
 * keep.  A draft in a project (an invitation reached it) becomes the
 * address's invited placeholder again instead.  0 or -1.
 */
int	db_draft_clear(const char *email, const char *username, bool live,
	    long long keep) __attribute__((warn_unused_result));

/*
 * Make the dead draft id a fresh draft with these values; a NULL username
 * gives it "user-<id>" unless it has one.  *gid is the caller's to free.
 * 1 done, 0 when the row is no longer a draft, -1 failed (sqlstate UNIQUE:
 * the username was taken meanwhile).
 */
int	db_draft_reuse(long long id, const char *username, const char *email,
	    const char *password, const char *language, char **gid)
	    __attribute__((warn_unused_result));

/*
 * Insert a draft account, the holder of its email.  username NULL:
 * "user-<id>" (with a random suffix if a person already chose that name).
 * password NULL: no usable password.  Sets *id and *gid (the caller's to
 * free).  0, or -1 (sqlstate UNIQUE: taken meanwhile).
 */
int	db_draft_insert(const char *username, const char *email,
	    const char *password, const char *language, long long *id,
	    char **gid) __attribute__((warn_unused_result));

#endif
