/* signet: rate limits kept in PostgreSQL, so they hold across hosts. */
#include "config.h"

#include <stdlib.h>

#include "db_throttle.h"
#include "throttle.h"

long
throttle_hit(const char *key, long window, long limit)
{
	long	count, left;

	if (limit <= 0)
		return 0;
	if (db_throttle_hit(key, window, &count, &left) == -1)
		return -1;
	return count > limit ? (left > 0 ? left : 1) : 0;
}

long
throttle_peek(const char *key, long window, long limit)
{
	long	count, left, since;

	if (limit <= 0)
		return 0;
	if (db_throttle_get(key, window, &count, &left, &since) == -1)
		return -1;
	return count >= limit ? (left > 0 ? left : 1) : 0;
}

long
throttle_backoff(const char *key, long window, long free, long limit)
{
	long	count, left, since, delay;

	if (limit <= 0 && free <= 0)
		return 0;
	if (db_throttle_get(key, window, &count, &left, &since) == -1)
		return -1;
	if (limit > 0 && count >= limit)
		return left > 0 ? left : 1;
	if (free > 0 && count >= free) {
		delay = count - free >= 6 ? 60 : 1L << (count - free);
		if (since < delay)
			return delay - since;
	}
	return 0;
}

int
throttle_count(const char *key, long window)
{
	long	count, left;

	return db_throttle_hit(key, window, &count, &left);
}

int
throttle_clear(const char *key)
{
	return db_throttle_clear(key);
}
