/* signet: what went wrong, independent of the wire format.  ISC licence. */
#ifndef SIGNET_PROBLEM_H
#define SIGNET_PROBLEM_H

#include <stddef.h>

/*
 * What went wrong, independent of the wire format: each personality
 * renders a problem in its own envelope and words (its persona's fail
 * function).  Fields are named in the core's words ("username",
 * "password", "email", "language", "login" for a username or an email,
 * "token" for a flow's opaque token, "code" for a mailed code, "link" and
 * "redirect" for a link signup's URLs, "project", "user", "invitation");
 * a personality whose wire names a field otherwise renames it
 * (problem_rename()).  A field the wire format reported itself (MISSING,
 * INVALID from the request parser) already carries the wire's name.
 */
enum prob {
	PROB_BAD_BODY,		/* 400: not JSON, not an object, bad UTF-8, NUL */
	PROB_MISSING,		/* 400: field is missing */
	PROB_INVALID,		/* 400: field has the wrong type or shape */
	PROB_UNAUTHORIZED,	/* 401: no, bad, expired or revoked token */
	PROB_LOGIN_FAILED,	/* 403/401: unknown user, bad password, inactive */
	PROB_SECOND_FACTOR,	/* 403/422/401: the password was right; the
				   account's second factor is due */
	PROB_FORBIDDEN,		/* 403: authenticated, not allowed */
	PROB_NOT_FOUND,		/* 404 */
	PROB_METHOD,		/* 405: with the Allow header already set */
	PROB_CONFLICT,		/* 409 */
	PROB_TOO_LARGE,		/* 413 */
	PROB_VALIDATION,	/* 422: per-field reasons */
	PROB_INVITE_INVALID,	/* 422: declined or deactivated invitee */
	PROB_RATE_LIMITED,	/* 429: retry_after seconds */
	PROB_UNAVAILABLE,	/* 503: database down, or busy (retry_after) */
	PROB_INTERNAL,		/* 500: a bug or an unexpected database error */
	PROB_NOT_IMPLEMENTED,	/* 501: a documented call signet does not serve */
};

/*
 * Why a token was refused (UNAUTHORIZED): some personalities word each
 * differently (BEdita), the others answer them alike.
 */
enum auth_why {
	AUTH_INVALID,		/* not ours, malformed, or of the wrong type */
	AUTH_ABSENT,		/* no token at all */
	AUTH_EXPIRED,		/* ours, but expired or its session over */
	AUTH_REVOKED,		/* ours, but its user is gone, inactive, or
				   revoked every token since */
	AUTH_STALE,		/* good, but the change asked for needs a
				   password entered more recently */
};

/* One failed field of a validation, with a reason for people. */
struct verr {
	const char	*field;
	const char	*reason;
};

#define VERR_MAX	8

struct problem {
	enum prob	 kind;
	const char	*field;		/* MISSING, INVALID */
	const char	*detail;	/* optional text for people */
	long		 retry_after;	/* RATE_LIMITED, UNAVAILABLE: seconds */
	enum auth_why	 why;		/* UNAUTHORIZED */
	struct verr	 verrs[VERR_MAX]; /* VALIDATION */
	size_t		 nverrs;
};

/* Add a failed field to a VALIDATION problem (ignored past VERR_MAX). */
void	problem_field(struct problem *, const char *field, const char *reason);

/* The database failed: UNAVAILABLE when the link is down, else INTERNAL. */
void	problem_db(struct problem *);

/* A field's name in the core's words and on one personality's wire. */
struct field_name {
	const char	*core;
	const char	*wire;
};

/* Rename p's field and failed fields by map (n entries); others stay. */
void	problem_rename(struct problem *p, const struct field_name *map,
	    size_t n);

/* A const array of struct field_name as problem_rename()'s map and n. */
#define FIELD_NAMES(a)	(a), sizeof(a) / sizeof((a)[0])

#endif
