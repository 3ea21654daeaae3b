/* signet: rate limits kept in PostgreSQL, so they hold across hosts. */
#ifndef SIGNET_THROTTLE_H
#define SIGNET_THROTTLE_H

#include <stdbool.h>

/*
 * A fixed window per key ("action:subject").  A limit of 0 disables a
 * check (0 returned).  Each returns 0 when allowed, the seconds to wait
 * (> 0) when over the limit, or -1 when the database failed.
 */

/* Count one event for key and check count <= limit within window s. */
long	throttle_hit(const char *key, long window, long limit)
	    __attribute__((warn_unused_result));

/* Check without counting: would one more event be over the limit? */
long	throttle_peek(const char *key, long window, long limit)
	    __attribute__((warn_unused_result));

/*
 * Login failures: with more than free failures in the window, each next
 * try waits 2^(failures - free) seconds (at most 60) after the last one,
 * and at most limit failures are allowed in the window.  No permanent
 * lockout: the window ends.  Checks; throttle_hit() counts.
 */
long	throttle_backoff(const char *key, long window, long free, long limit)
	    __attribute__((warn_unused_result));

/* Count one event for key without a limit (login failures).  0 or -1. */
int	throttle_count(const char *key, long window)
	    __attribute__((warn_unused_result));

/* Forget key (a successful login).  0 or -1. */
int	throttle_clear(const char *key) __attribute__((warn_unused_result));

#endif
