/* signet: the account after login: profile, password, address, deletion. */
#ifndef SIGNET_CORE_PROFILE_H
#define SIGNET_CORE_PROFILE_H

#include "core/problem.h"
#include "db/user.h"

/*
 * What a user does with the account once logged in, the same for every
 * personality: each decides which fields its wire lets through and
 * renders the outcome.  Each function returns 0, or -1 with *p: the
 * fields are "username", "name", "language", "timezone", "consent",
 * "password", "current_password", "email", "token", "code" and
 * "projects".
 */

/* Profile fields to change; NULL (consent < 0) keeps a field. */
struct profile_changes {
	const char	*username;	/* signup's rules; must be free */
	const char	*name;		/* at most 200 characters */
	const char	*language;	/* one signet has mail templates for */
	const char	*timezone;	/* an IANA name: "Europe/Amsterdam" */
	long		 consent;	/* 0 or more */
};

/* The active user gid ("who am I").  UNAUTHORIZED when gone or inactive. */
int	 profile_get(const char *gid, struct user *u, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * Change the profile of user id: VALIDATION per field that is malformed
 * (a username also when it is not available); nothing changes unless
 * every field passes.  *u is the user afterwards.
 */
int	 profile_update(long long id, const struct profile_changes *c,
	    struct user *u, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * profile_update()'s checks alone, changing nothing: 0, or -1 with the
 * same problem.  For a wire that changes the profile and the password in
 * one request (BEdita's PATCH /auth/user): all of it is checked before
 * any of it is changed.
 */
int	 profile_check(long long id, const struct profile_changes *c,
	    struct problem *p) __attribute__((warn_unused_result));

/*
 * A sensitive change (password without the current one, address,
 * deletion) asks for a session whose password was entered at most
 * reauth_window seconds ago (auth_time, from the token; 0 turns the rule
 * off).  0, or -1 with UNAUTHORIZED (why AUTH_STALE): log in again.
 */
int	 profile_recent(long auth_time, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * Set user id's password: current (when the wire carries it; NULL: the
 * caller checked profile_recent()) must be right (VALIDATION on
 * "current_password"), password passes signup's rules (VALIDATION on
 * "password").  Every token of the user dies (*epoch: the new token
 * epoch, for the caller's fresh token), and a mail tells the owner.
 */
int	 profile_password(long long id, const char *password,
	    const char *current, long *epoch, struct problem *p)
	    __attribute__((warn_unused_result));

/* How a new address is proved. */
enum email_proof {
	PROOF_CODE,		/* a 6-digit code, tied to a validation token */
	PROOF_LINK,		/* a one-time link */
};

/*
 * Address change, step 1: email must be a good address nobody else uses
 * (VALIDATION on "email": malformed, or "is not available").  A code
 * (template email_code) or a link (template email_link, its URL made by
 * link() from the secret) goes to the new address; the address changes
 * only when it is proved.  *token: the validation token a code is tied
 * to (PROOF_CODE; owned), NULL for a link.  client: for the throttles.
 */
int	 profile_email_request(long long id, const char *email,
	    enum email_proof proof, char *(*link)(const char *secret),
	    const char *client, char **token, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * Step 2 by code: the same email, the token and the mailed code
 * (VALIDATION on "token", "code" or "email").  Step 2 by link: its
 * secret (NOT_FOUND when unknown, used or expired).  The address is
 * checked again (someone may have taken it meanwhile: VALIDATION on
 * "email"), changed, and the old one is told.  *u is the user afterwards.
 */
int	 profile_email_by_code(long long id, const char *email,
	    const char *token, const char *code, struct user *u,
	    struct problem *p) __attribute__((warn_unused_result));
int	 profile_email_by_link(long long id, const char *secret,
	    struct user *u, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * Delete user id: refused while it owns projects (CONFLICT on
 * "projects"); else the row and what is kept for its address (pending
 * codes, drafts, invitations to it, mail waiting for it) go, its
 * memberships end, its tokens die with it, and a last mail says goodbye.
 * Its username and address are free again.
 */
int	 profile_delete(long long id, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * User id leaves project (a gid): its membership (active, or an
 * invitation not yet answered) ends.  VALIDATION on "project" when it is
 * no project of the user's, or the user owns it.
 */
int	 profile_leave(long long id, const char *project, struct problem *p)
	    __attribute__((warn_unused_result));

#endif
