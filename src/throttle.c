/* signet: rate limits kept in PostgreSQL, so they hold across hosts. */
#include "config.h"

#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#include "code.h"
#include "db_throttle.h"
#include "throttle.h"

/*
 * Keys carry what the client sent (a login name, an address): a long one
 * is replaced by its HMAC so that no key outgrows the index.
 */
#define KEY_MAX	200

static const char *
fit(const char *key, char buf[KEY_MAX + 1])
{
	char	mac[67];
	int	keep = 40;

	if (strlen(key) <= KEY_MAX)
		return key;
	code_mac_hex(key, mac);
	/* Keep a readable prefix, cut at a UTF-8 character boundary. */
	while (keep > 0 && ((unsigned char)key[keep] & 0xc0) == 0x80)
		keep--;
	snprintf(buf, KEY_MAX + 1, "%.*s~%s", keep, key, mac + 2);
	return buf;
}

long
throttle_hit(const char *key, long window, long limit)
{
	char	buf[KEY_MAX + 1];
	long	count, left;

	if (limit <= 0)
		return 0;
	if (db_throttle_hit(fit(key, buf), window, &count, &left) == -1)
		return -1;
	return count > limit ? (left > 0 ? left : 1) : 0;
}

long
throttle_peek(const char *key, long window, long limit)
{
	char	buf[KEY_MAX + 1];
	long	count, left, since;

	if (limit <= 0)
		return 0;
	if (db_throttle_get(fit(key, buf), window, &count, &left, &since) == -1)
		return -1;
	return count >= limit ? (left > 0 ? left : 1) : 0;
}

long
throttle_backoff(const char *key, long window, long free, long limit)
{
	char	buf[KEY_MAX + 1];
	long	count, left, since, delay;

	if (limit <= 0 && free <= 0)
		return 0;
	if (db_throttle_get(fit(key, buf), window, &count, &left, &since) == -1)
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
	char	buf[KEY_MAX + 1];
	long	count, left;

	return db_throttle_hit(fit(key, buf), window, &count, &left);
}

int
throttle_clear(const char *key)
{
	char	buf[KEY_MAX + 1];

	return db_throttle_clear(fit(key, buf));
}
