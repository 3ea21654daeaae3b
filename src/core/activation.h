/* signet: signup by email link.  ISC licence. */
#ifndef SIGNET_CORE_ACTIVATION_H
#define SIGNET_CORE_ACTIVATION_H

#include <stdbool.h>

#include "core/problem.h"
#include "db/user.h"

/*
 * Signup by link: a draft account, a one-time link mailed to its address,
 * and the account made active by that link.  The link's secret is a v4
 * UUID or an opaque code_token() (the link's form), stored only as an
 * HMAC, valid cf->activation_ttl seconds, and used up by the request that
 * activates.  The personality decides what the mailed link looks like.
 * Like the rest of the core each function returns 0, or -1 with *p:
 *
 *   VALIDATION	verrs name each malformed field with a reason for people
 *		("username", "password", "email", "link", "redirect")
 *   CONFLICT	field "username": the username is taken; field "email":
 *		an active account, or a draft still waiting for its link,
 *		has the email (Unicat allows several accounts per email,
 *		link signups do not); field "token": the link is good but
 *		its account is active already (the link stays unused)
 *   NOT_FOUND	no such link, or it was used or has expired
 *   RATE_LIMITED, UNAVAILABLE, INTERNAL
 */

/* The secret of a link. */
enum link_form {
	LINK_UUID,		/* a v4 UUID, compared case-insensitively */
	LINK_TOKEN,		/* an opaque code_token() */
};

/* What a link signup asks for. */
struct link_signup {
	const char	*username;	/* NULL: automatic, "user-<id>" */
	const char	*password;	/* NULL: no usable password */
	const char	*email;
	const char	*language;	/* of the mail; NULL or without
					   templates: default_language */
	const char	*link_url;	/* the app's page the link opens, checked
					   (validate_url()) when not NULL */
	const char	*redirect;	/* NULL, or checked likewise; kept with
					   the link */
	enum link_form	 form;
	const char	*template;	/* the mail's, given {{username}},
					   {{link}} and {{hours}} */
	/* The mailed link for the secret token; the caller frees it. */
	char		*(*link)(const struct link_signup *, const char *token);
	const char	*client;	/* address, for the throttles */
};

/*
 * A draft account with s's username, password (hashed here) and email,
 * and a mail with its link.  On success *u (when not NULL) is the new
 * draft (db_user_free() it).
 */
int	 activation_signup(const struct link_signup *s, struct user *u,
	    struct problem *p) __attribute__((warn_unused_result));

/*
 * Use up the link whose secret is token and make its draft account
 * active, storing consent when > 0.  An account already active is a
 * success when again_ok (the consent is still stored), else CONFLICT on
 * "token" with the link left unused.  A concurrent second request for
 * one link gets NOT_FOUND.  On success *u (when not NULL) is the account.
 */
int	 activation_confirm(enum link_form form, const char *token,
	    long consent, bool again_ok, struct user *u, struct problem *p)
	    __attribute__((warn_unused_result));

#endif
