/* signet: a second factor (TOTP) for logins.  ISC licence. */
#ifndef SIGNET_CORE_MFA_H
#define SIGNET_CORE_MFA_H

#include "core/problem.h"
#include "db/user.h"

/*
 * Two-factor login with TOTP codes (core/totp.h), for every personality
 * alike.  Each function returns 0, or -1 with *p.  Without totp_key_file
 * two-factor is not offered: NOT_IMPLEMENTED.  A wrong code counts
 * against the account like a wrong password (the same backoff and hourly
 * cap, login-id:<id>), and each code is good once.
 */

/* How many one-time recovery codes enrolment hands out. */
#define MFA_RECOVERY_CODES	10

/* What enrolment shows the user once.  Owned; mfa_setup_free(). */
struct mfa_setup {
	char	*secret;	/* base32 */
	char	*uri;		/* otpauth://totp/... */
	char	*svg;		/* the URI as a QR code */
};

void	 mfa_setup_free(struct mfa_setup *);

/*
 * Enrolment, step 1: a new secret for user id, kept sealed, not on until
 * confirmed (asking again replaces it).  VALIDATION on "mfa" when
 * two-factor is on already.
 */
int	 mfa_setup(long long id, struct mfa_setup *s, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * Step 2: a current code of the secret set up (secret, when the wire
 * carries it, must be that secret: VALIDATION on "secret") turns
 * two-factor on and fills codes with MFA_RECOVERY_CODES recovery codes
 * (owned), shown once, kept as HMACs.  VALIDATION on "mfa" when on already;
 * VALIDATION on "secret" with nothing set up; VALIDATION on "totp" for a
 * code that is not current.  A mail tells the owner.
 */
int	 mfa_confirm(long long id, const char *secret, const char *code,
	    char *codes[MFA_RECOVERY_CODES], struct problem *p)
	    __attribute__((warn_unused_result));

void	 mfa_codes_free(char *codes[MFA_RECOVERY_CODES]);

/*
 * Turn two-factor off: the password and a current code (or a recovery
 * code) of user id.  VALIDATION on "mfa" when it is not on; LOGIN_FAILED
 * when either is wrong.  The secret and the recovery codes go; a mail
 * tells the owner.
 */
int	 mfa_disable(long long id, const char *password, const char *code,
	    struct problem *p) __attribute__((warn_unused_result));

/*
 * After a login's password check (never before it): 0 when u has no
 * second factor, or code is a current TOTP code or an unused recovery
 * code (a mail tells the owner it was used); SECOND_FACTOR when code is
 * NULL; LOGIN_FAILED when it is wrong or used; RATE_LIMITED.  The last
 * step of every login: for an account with a second factor it tells the
 * login's outcome (core/event.h), ok included; account_login() tells the
 * rest, with the statement that records them.
 */
int	 mfa_login(const struct user *u, const char *code, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * signet-admin user mfa-reset: turn two-factor off for user id without
 * the user (a lost device), and mail the owner.  0, or -1 with *p.
 */
int	 mfa_reset(long long id, struct problem *p)
	    __attribute__((warn_unused_result));

/* Is two-factor offered (a totp_key_file)? */
bool	 mfa_available(void);

#endif
