/* signet: signup by code (Unicat's two steps), and the signup throttles. */
#ifndef SIGNET_CORE_SIGNUP_H
#define SIGNET_CORE_SIGNUP_H

#include <stdbool.h>

#include "core/problem.h"

/*
 * Step 1: check the fields (VALIDATION on "username", "email",
 * "password", "language"), store a pending signup with the password
 * already hashed, and mail a 6-digit code (template signup_code).  The
 * opaque token that ties step 2 to it is returned in *token (owned).
 * client is the address for the throttles.
 */
int	 signup_request(const char *username, const char *password,
	    const char *email, const char *language, const char *client,
	    char **token, struct problem *p) __attribute__((warn_unused_result));

/*
 * Step 2: the same username, password and email, the token and the
 * mailed code (VALIDATION on "token", "code", "username", "email",
 * "password").  Makes the account active (an invited placeholder of the
 * email keeps its gid): its gid in *gid (owned) and token epoch in *epoch.
 */
int	 signup_complete(const char *username, const char *password,
	    const char *email, const char *token, const char *code, char **gid,
	    long *epoch, struct problem *p) __attribute__((warn_unused_result));

/*
 * The throttles every signup shares, whichever personality it came
 * through: per client address (hourly; exempt addresses skip it), and per
 * email (one mail per cooldown, a daily cap).  They count requests that
 * send mail: with count they count this one, without they only check
 * that one more would pass.  0, or -1 with *p.
 */
int	 signup_throttle_client(const char *client, bool count,
	    struct problem *p) __attribute__((warn_unused_result));
int	 signup_throttle_email(const char *email, bool count,
	    struct problem *p) __attribute__((warn_unused_result));

#endif
