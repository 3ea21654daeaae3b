/* signet: password reset codes (confirmations of kind 'reset').  ISC licence. */
#ifndef SIGNET_DB_RESET_H
#define SIGNET_DB_RESET_H

#include <stddef.h>

/* An account a reset request may reach.  Strings owned. */
struct reset_account {
	long long	 id;
	char		*gid;
	char		*username;
	char		*email;
	char		*language;
};

/* At most this many accounts are mailed for one address (Unicat lets
 * several usernames share an email). */
#define RESET_MAX_ACCOUNTS	10

void	reset_accounts_free(struct reset_account *, size_t n);

/*
 * The active accounts whose username or email is login (case-
 * insensitively; usernames never hold '@', so one of the two applies),
 * oldest first, at most RESET_MAX_ACCOUNTS.  *out (free with
 * reset_accounts_free()) and *n; 0 or -1.
 */
int	db_reset_accounts(const char *login, struct reset_account **out,
	    size_t *n) __attribute__((warn_unused_result));

/*
 * A new reset code for user_id, valid ttl seconds; any older unused one
 * of the user dies.  MACs in bytea hex input form ("\x...").  0 or -1.
 */
int	db_reset_put(long long user_id, const char *token_mac,
	    const char *code_mac, long ttl) __attribute__((warn_unused_result));

/* A reset code as step 2 reads it.  code_mac owned. */
struct reset_code {
	long long	 id;
	char		*code_mac;	/* bytea as "\x..." hex text */
	int		 attempts;
	int		 usable;	/* not used, not expired */
};

void	reset_code_free(struct reset_code *);

/* The reset code of user_id with token_mac: 1 found, 0 not, -1 failed. */
int	db_reset_get(long long user_id, const char *token_mac,
	    struct reset_code *c) __attribute__((warn_unused_result));

/*
 * Use up one try of the code, before comparing it: 1 when one was left
 * (attempts < max, now counted), 0 when none is, -1 failed.  Counting
 * first keeps the limit when requests race on one code.
 */
int	db_reset_try(long long id, long max) __attribute__((warn_unused_result));

/* Give a try back (the code was right, the new password weak).  0 or -1. */
int	db_reset_untry(long long id) __attribute__((warn_unused_result));

/*
 * Use the code up (inside the caller's transaction): 1 when this call
 * took it, 0 when it was used or expired meanwhile, -1 failed.
 */
int	db_reset_take(long long id) __attribute__((warn_unused_result));

/*
 * Set user_id's password (MCF), revoke its tokens (token_epoch + 1) and
 * clear its login error count.  *epoch gets the new epoch.  1 done, 0
 * the user is not active (any more), -1 failed.
 */
int	db_reset_set_password(long long user_id, const char *mcf, long *epoch)
	    __attribute__((warn_unused_result));

#endif
