/* signet: sign up by email link (BEdita, FreeSewing).  ISC licence. */
#ifndef SIGNET_ACTIVATION_H
#define SIGNET_ACTIVATION_H

#include <stdbool.h>

#include "account.h"
#include "problem.h"

/*
 * The core of BEdita's /signup + /signup/activation and FreeSewing's
 * /signup + /confirm/signup/<id>: a draft account, a one-time link mailed
 * to its address, and the account made active by that link.  Rules only,
 * no wire format; like account.c each function returns 0, or -1 with *p
 * saying what went wrong:
 *
 *   VALIDATION	verrs name each malformed field with a reason for people
 *		("username", "password", "email", "activation_url",
 *		"redirect_url")
 *   CONFLICT	field "username": the username is taken; field "email":
 *		an active account, or a draft still waiting for its link,
 *		has the email (Unicat allows several accounts per email, these
 *		two personalities do not); field "uuid", detail "User already
 *		active": the link is good but the account is active already
 *   NOT_FOUND	no such link, or it was used or has expired
 *   RATE_LIMITED, UNAVAILABLE, INTERNAL
 *
 * The links are random (a v4 UUID for BEdita, a code_token() for
 * FreeSewing), stored only as HMACs, valid cf->activation_ttl seconds,
 * and used up by the request that activates.
 */

/* The longest activation_url or redirect_url accepted, in bytes. */
#define ACTIVATION_URL_MAX	2048

/*
 * BEdita's customUrl rule for activation_url and redirect_url: a scheme,
 * "://", and for http and https a host that is a dotted name, "localhost",
 * an IPv4 or a bracketed IPv6 address, without user info; other schemes
 * (an app's "myapp://") may have anything after "://".  No blanks or
 * control characters, at most ACTIVATION_URL_MAX bytes; javascript:,
 * data:, vbscript: and file: are refused.  Pure.
 */
bool	 activation_url_ok(const char *url);

/*
 * RFC 3986 percent-encoding of s for a query value: every byte but the
 * unreserved A-Z a-z 0-9 - . _ ~ as %XX (upper case).  Caller frees.
 */
char	*activation_urlencode(const char *s);

/*
 * BEdita's mailed link: url + "?uuid=" + uuid, with "&uuid=" when url
 * already has a query (and no separator at all when it ends in '?' or
 * '&'), then "&redirect_url=" + the encoded redirect unless that is NULL.
 * Appended at the very end as BEdita does, so a client-side router that
 * reads a query inside the fragment ("https://app/#/activate") keeps
 * working.  Caller frees.  Pure.
 */
char	*activation_link(const char *url, const char *uuid,
	    const char *redirect);

/*
 * FreeSewing's mailed link: base without trailing slashes +
 * "/confirm/signup/" + id.  Caller frees.  Pure.
 */
char	*activation_confirm_link(const char *base, const char *id);

/*
 * BEdita POST /signup: a draft account with this username, password and
 * email, and a mail (template "activation" in language, or the default
 * language when NULL or without templates) with the activation link.
 * redirect_url may be NULL.  client is the address for the throttles.
 * On success *u is the new draft (user_free() it).
 */
int	 activation_bedita_signup(const char *username, const char *password,
	    const char *email, const char *activation_url,
	    const char *redirect_url, const char *language, const char *client,
	    struct user *u, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * BEdita POST /signup/activation: use up uuid and make its draft account
 * active.  A concurrent second request for one uuid gets NOT_FOUND.
 */
int	 activation_bedita_activate(const char *uuid, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * FreeSewing POST /signup: a draft account for email with the automatic
 * username "user-<id>" and no usable password, and a mail (template
 * "confirm" in language, which the caller checked) with the link.
 */
int	 activation_freesewing_signup(const char *email, const char *language,
	    const char *client, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * FreeSewing POST /confirm/signup/<id>: use up id, store consent (>= 1,
 * the caller checked) and make the account active; an account that is
 * active already just records the consent.  On success *u is the account
 * (user_free() it).
 */
int	 activation_freesewing_confirm(const char *id, long consent,
	    struct user *u, struct problem *p)
	    __attribute__((warn_unused_result));

#endif
