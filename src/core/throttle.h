/* signet: rate limits kept in PostgreSQL, so they hold across hosts. */
#ifndef SIGNET_THROTTLE_H
#define SIGNET_THROTTLE_H

#include <stdbool.h>

#include "core/problem.h"

#define THROTTLE_HOUR	3600
#define THROTTLE_DAY	86400

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

/*
 * throttle_backoff()'s rule, checked and counted at once: 0 when this try
 * was counted, else the wait (no try counted), or -1.  A try reserved
 * before a slow check (a password hash) keeps concurrent tries within
 * the rule whatever their number.
 */
long	throttle_reserve(const char *key, long window, long free, long limit)
	    __attribute__((warn_unused_result));

/*
 * A try the database refused to reserve (a login's one statement did
 * it): the wait throttle_reserve() answers then, at least 1, told as a
 * throttle hit; or -1.
 */
long	throttle_refused(const char *key, long window, long free, long limit)
	    __attribute__((warn_unused_result));

/* Give back a try throttle_reserve() counted (it never ran).  0 or -1. */
int	throttle_unreserve(const char *key) __attribute__((warn_unused_result));

/*
 * The decision of throttle_backoff() from a key's window: count failures,
 * left seconds until the window ends, since seconds since the last one.
 * Pure.
 */
long	throttle_backoff_wait(long count, long left, long since, long free,
	    long limit);

/* Count one event for key without a limit (login failures).  0 or -1. */
int	throttle_count(const char *key, long window)
	    __attribute__((warn_unused_result));

/* Forget key (a successful login).  0 or -1. */
int	throttle_clear(const char *key) __attribute__((warn_unused_result));

/*
 * The helpers every flow uses.  Keys are "action:subject" with the
 * subject in lower case (throttle_key(), caller frees).  Each returns 0
 * when allowed, or -1 with *p set: RATE_LIMITED with retry_after, or the
 * database problem.
 */
char	*throttle_key(const char *action, const char *subject);

/*
 * Keys carry what the client sent (a login name, an address): one longer
 * than THROTTLE_KEY_MAX is replaced by a readable prefix (cut at a UTF-8
 * boundary) and its HMAC, so that no key outgrows the index.  Returns key
 * itself or buf.
 */
#define THROTTLE_KEY_MAX	200
const char *throttle_fit(const char *key, char buf[THROTTLE_KEY_MAX + 1]);

/* A wait from the functions above into *p: 0 when wait is 0, else -1. */
int	throttle_problem(long wait, struct problem *p)
	    __attribute__((warn_unused_result));

/* Is client exempt from the per-address limits (throttle_exempt)? */
bool	throttle_exempt(const char *client);

/*
 * The subject a client address is throttled under: an IPv6 address by
 * its /64 (one host usually has a whole /64 to pick from), a v4-mapped one
 * as IPv4, anything else as it is.  Returns client or buf.
 */
#define THROTTLE_ADDR_LEN	64
const char *throttle_address(const char *client, char buf[THROTTLE_ADDR_LEN]);

/*
 * With count, count one request for action:subject, at most limit per
 * window seconds; without, only check that one more would be allowed.
 */
int	throttle_subject(const char *action, const char *subject, long window,
	    long limit, bool count, struct problem *p)
	    __attribute__((warn_unused_result));

/* throttle_subject() of client's address (hourly limit), unless exempt. */
int	throttle_client(const char *action, const char *client, long limit,
	    bool count, struct problem *p) __attribute__((warn_unused_result));

/*
 * Per address (email, login): one request per cooldown seconds, at most
 * daily a day ("<action>-day:" keys); count as throttle_subject().
 */
int	throttle_email(const char *action, const char *email, long cooldown,
	    long daily, bool count, struct problem *p)
	    __attribute__((warn_unused_result));

#endif
