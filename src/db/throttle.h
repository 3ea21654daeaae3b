/* signet: the throttles table.  ISC licence. */
#ifndef SIGNET_DB_THROTTLE_H
#define SIGNET_DB_THROTTLE_H

/*
 * Count one event for key in a window of window seconds (a new window
 * starts when the old one ended); *count is the count in the window,
 * *left the seconds until it ends.  0 or -1.
 */
int	db_throttle_hit(const char *key, long window, long *count, long *left)
	    __attribute__((warn_unused_result));

/*
 * Read key without counting: *count in the current window (0 if none or
 * ended), *left seconds until it ends, *since seconds since the last
 * event.  0 or -1.
 */
int	db_throttle_get(const char *key, long window, long *count, long *left,
	    long *since) __attribute__((warn_unused_result));

/*
 * Count one try for key unless that would break the backoff rule (free
 * tries, then each next one 2^(count - free) seconds, at most 60, after
 * the last) or the limit (0: off) of the window: 1 counted, 0 refused,
 * -1 failed.  Checking and counting are one statement, so requests
 * racing on one key never pass the rule together.
 */
int	db_throttle_reserve(const char *key, long window, long free,
	    long limit) __attribute__((warn_unused_result));

/* Give back a try db_throttle_reserve() counted.  0 or -1. */
int	db_throttle_untry(const char *key) __attribute__((warn_unused_result));

int	db_throttle_clear(const char *key) __attribute__((warn_unused_result));

#endif
