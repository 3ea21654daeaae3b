/* signet: the confirmations table: links and reset codes.  ISC licence. */
#ifndef SIGNET_DB_CONFIRM_H
#define SIGNET_DB_CONFIRM_H

#include <stdbool.h>

#include "db/user.h"

/*
 * A confirmation is a one-time secret mailed to an address, stored only
 * as an HMAC (bytea hex input text, "\x..."): a signup link, or a reset
 * code tied to its validation token.  Every function returns -1 when the
 * database failed.
 */

/* Kinds of confirmation (the table's CHECK lists them). */
#define CONFIRM_ACTIVATION	"activation"	/* a signup's uuid link */
#define CONFIRM_SIGNUP		"confirm"	/* a signup's opaque link */
#define CONFIRM_RESET		"reset"		/* a reset code */
#define CONFIRM_EMAIL		"email"		/* a new address's code or link */
#define CONFIRM_CHANGE		"change"	/* a reset link */

/* A new confirmation. */
struct confirm_new {
	const char		*kind;
	const char		*mac;		/* the token's HMAC */
	long long		 user_id;
	long			 ttl;		/* seconds */
	const char		*redirect;	/* or NULL */
	const struct user_aside	*aside;		/* the signup data of an invited
						   placeholder, given to it only
						   when the link is used (its
						   username kept meanwhile) */
	const char		*new_email;	/* kind email: the address */
};

/*
 * Store a link; the user's older unused confirmations of its kind die
 * when it is an email change or a reset.  0 or -1.
 */
int	db_confirm_put(const struct confirm_new *c)
	    __attribute__((warn_unused_result));

/* A link as db_confirm_take() used it up.  Owned; db_confirm_link_free(). */
struct confirm_link {
	long long	 user_id;
	bool		 has_aside;	/* it carries a placeholder's signup */
	char		*username;	/* the signup kept aside, if any */
	char		*password;
	char		*language;
	char		*new_email;	/* kind email */
};

void	db_confirm_link_free(struct confirm_link *);

/*
 * Use up the link of kind whose MAC is mac: only an unused, unexpired one,
 * and only once however many requests race for it (the row lock of the
 * UPDATE makes the losers see used_at set).  1 with *l filled, 0 when
 * there is no such link, -1 failed.
 */
int	db_confirm_take(const char *kind, const char *mac,
	    struct confirm_link *l) __attribute__((warn_unused_result));

/*
 * A new code of kind (reset, email) for user_id, tied to token_mac, valid
 * ttl seconds; any older unused one of that kind of the user dies.
 * new_email: kind email's address.  0 or -1.
 */
int	db_confirm_code_put(const char *kind, long long user_id,
	    const char *token_mac, const char *code_mac, const char *new_email,
	    long ttl) __attribute__((warn_unused_result));

/* A code as step 2 reads it.  Strings owned. */
struct confirm_code {
	long long	 id;
	char		*code_mac;	/* bytea as "\x..." hex text */
	char		*new_email;	/* kind email */
	int		 attempts;
	int		 usable;	/* not used, not expired */
};

void	db_confirm_code_free(struct confirm_code *);

/* The code of kind of user_id with token_mac: 1 found, 0 not, -1 failed. */
int	db_confirm_code_get(const char *kind, long long user_id,
	    const char *token_mac, struct confirm_code *c)
	    __attribute__((warn_unused_result));

/*
 * Use up one try of the code, before comparing it: 1 when one was left
 * (attempts < max, now counted), 0 when none is, -1 failed.  Counting
 * first keeps the limit when requests race on one code.
 */
int	db_confirm_code_try(long long id, long max)
	    __attribute__((warn_unused_result));

/* Give a try back (the code was right, the new password weak).  0 or -1. */
int	db_confirm_code_untry(long long id) __attribute__((warn_unused_result));

/*
 * Use the code up (inside the caller's transaction): 1 when this call
 * took it, 0 when it was used or expired meanwhile, -1 failed.
 */
int	db_confirm_code_take(long long id) __attribute__((warn_unused_result));

#endif
