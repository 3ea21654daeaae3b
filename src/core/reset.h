/* signet: password reset by code.  ISC licence. */
#ifndef SIGNET_RESET_H
#define SIGNET_RESET_H

#include "core/problem.h"
#include "db/user.h"

/*
 * Every reset request answers no sooner than this many milliseconds after
 * it began, whether or not an account was found and mailed: with the same
 * body (a fresh validation code either way), this leaves no timing
 * difference to tell accounts that exist from those that do not.  Real
 * work (a few queries and a queued mail) takes a few ms on loopback.
 */
#define RESET_FLOOR_MS	150

/* At most this many accounts are mailed for one address (Unicat lets
 * several usernames share an email). */
#define RESET_MAX_ACCOUNTS	10

/*
 * Step 1: login is a username or an email address.  Throttles first, the
 * same for every login: per client address (throttle_reset_addr_hourly,
 * unless exempt) and per login (throttle_reset_email_cooldown and
 * _daily); over one -> RATE_LIMITED.  Then each active account with that
 * username or email (several may share an email) gets its own 6-digit
 * code, valid code_ttl seconds, mailed to it (template reset_code, with
 * the username, so the owner knows which account it is for), all tied to
 * the one validation code returned in *vcode (owned).  An address that
 * already got throttle_reset_email_daily reset mails today gets no more,
 * silently.  Unknown logins get a validation code too, and nothing is
 * stored.  Returns 0, or -1 with *p.
 */
int	 reset_request(const char *login, const char *client, char **vcode,
	    struct problem *p) __attribute__((warn_unused_result));

/*
 * Step 2: the account username's code (vcode + the mailed code, at most
 * code_max_attempts wrong tries) sets new_password (validate_password()'s
 * rules), revokes every older token and mails the owner that the password
 * changed (template password_changed).  *gid (owned) and *epoch: the
 * user's, for a fresh token.  Every refusal but a weak new password is
 * one and the same VALIDATION on "code", answered no sooner than
 * RESET_FLOOR_MS: unknown user, unknown, used or expired code, too many
 * tries, wrong code.  A weak password (only reachable with the right
 * code) is VALIDATION on "password".  Or the database.
 */
int	 reset_confirm(const char *username, const char *new_password,
	    const char *vcode, const char *code, char **gid, long *epoch,
	    struct problem *p) __attribute__((warn_unused_result));

/* How long a reset link lives: a day, as BEdita documents it. */
#define RESET_LINK_TTL	86400

/*
 * Reset by link (BEdita's /auth/change), step 1: email must be an
 * address (VALIDATION on "email") and url a page signet may link to
 * (validate_link(); VALIDATION on "link").  The throttles of
 * reset_request() apply.  No active account has the address: NOT_FOUND
 * (BEdita's answer; its signup tells taken addresses apart anyway).
 * Else each active account of the address (at most RESET_MAX_ACCOUNTS)
 * gets its own one-time link, valid RESET_LINK_TTL seconds, good for
 * nothing but this (template change_request; link(url, uuid) makes its
 * URL).  The address's daily cap of reset mails holds, silently.
 */
int	 reset_link_request(const char *email, const char *url,
	    char *(*link)(const char *url, const char *uuid),
	    const char *client, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * Step 2: the link's uuid sets new_password (validate_password(); a weak
 * one is VALIDATION on "password" and leaves the link unused) for an
 * active account, revokes its older tokens and mails the owner
 * (password_changed).  NOT_FOUND for an unknown, used or expired uuid,
 * one made for anything else, or an account no longer active.  On
 * success *u is the account (db_user_free() it), its token_epoch the new
 * one.
 */
int	 reset_link_complete(const char *uuid, const char *new_password,
	    struct user *u, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * For reset by code and by link alike.  reset_throttles(): the limits of
 * a request per client address and per login (counted), 0 or -1 with *p.
 * reset_mailbox_ok(): one more reset mail to email today (counted)?  1
 * yes, 0 no (the daily cap: silence), -1 the database failed.
 */
int	 reset_throttles(const char *client, const char *login,
	    struct problem *p) __attribute__((warn_unused_result));
int	 reset_mailbox_ok(const char *email) __attribute__((warn_unused_result));

/*
 * Tell a reset request's event (core/event.h) for each of the n accounts
 * acc found (none: no_account), mailed (ok) or not (mailbox_full).
 */
void	 reset_requested(const struct user_target *acc, size_t n, int sent);

/*
 * The MAC a reset code is stored under: HMAC of the validation code
 * bound to the account's gid, so one validation code serves several
 * accounts of an address, each with its own row and code.
 */
void	 reset_token_mac(const char *vcode, const char *gid, char out[67]);

#endif
