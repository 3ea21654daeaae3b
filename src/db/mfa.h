/* signet: the second factor of users (TOTP, recovery codes).  ISC licence. */
#ifndef SIGNET_DB_MFA_H
#define SIGNET_DB_MFA_H

#include <stdbool.h>
#include <stddef.h>

/* Room for a sealed secret as PostgreSQL's bytea hex text "\x...". */
#define DB_MFA_HEX_LEN	(2 + 2 * 128 + 1)

/* A user's two-factor state.  sealed: bytea hex text, or "" when none. */
struct mfa_state {
	bool		 enabled;
	long long	 last_step;
	char		 sealed[DB_MFA_HEX_LEN];
};

/*
 * The two-factor state of the active user id: 1 found (fills *m), 0 no
 * such active user, -1 failed.
 */
int	db_mfa_get(long long id, struct mfa_state *m)
	    __attribute__((warn_unused_result));

/*
 * Keep sealed (hex text) as user id's secret, not yet on: enrolment,
 * again as often as asked until it is confirmed.  1 done, 0 no such
 * active user or two-factor is on already, -1 failed.
 */
int	db_mfa_set_secret(long long id, const char *sealed)
	    __attribute__((warn_unused_result));

/*
 * Turn two-factor on for user id with the code of step, and store the n
 * recovery code MACs (hex text), replacing any older ones.  Inside the
 * caller's transaction.  1 done, 0 it was on already (or no secret), -1.
 */
int	db_mfa_enable(long long id, long long step, const char *const *macs,
	    size_t n) __attribute__((warn_unused_result));

/* Turn two-factor off: the secret and the recovery codes go.  0 or -1. */
int	db_mfa_disable(long long id) __attribute__((warn_unused_result));

/*
 * Use the code of step: 1 when step is later than the last code's, so
 * each code counts once (and none older); 0 a replay; -1 failed.
 */
int	db_mfa_use_step(long long id, long long step)
	    __attribute__((warn_unused_result));

/* Use a recovery code by its MAC: 1 it was unused, 0 not, -1 failed. */
int	db_mfa_use_recovery(long long id, const char *mac)
	    __attribute__((warn_unused_result));

#endif
