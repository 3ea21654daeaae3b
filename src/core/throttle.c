/* signet: rate limits kept in PostgreSQL, so they hold across hosts. */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/code.h"
#include "base/conf.h"
#include "db/throttle.h"
#include "core/event.h"
#include "core/throttle.h"
#include "base/xmalloc.h"

/*
 * A check of key answered wait: a refusal (> 0) is a throttle hit, told
 * once per refusal (counted and audited, core/event.h).  Returns wait.
 */
static long
told(const char *key, long wait)
{
	if (wait > 0)
		event_throttle(key);
	return wait;
}

const char *
throttle_fit(const char *key, char buf[THROTTLE_KEY_MAX + 1])
{
	char	mac[67];
	int	keep = 40;

	if (strlen(key) <= THROTTLE_KEY_MAX)
		return key;
	code_mac_hex(key, mac);
	/* Keep a readable prefix, cut at a UTF-8 character boundary. */
	while (keep > 0 && ((unsigned char)key[keep] & 0xc0) == 0x80)
		keep--;
	snprintf(buf, THROTTLE_KEY_MAX + 1, "%.*s~%s", keep, key, mac + 2);
	return buf;
}

long
throttle_hit(const char *key, long window, long limit)
{
	char	buf[THROTTLE_KEY_MAX + 1];
	long	count, left;

	if (limit <= 0)
		return 0;
	if (db_throttle_hit(throttle_fit(key, buf), window, &count,
	    &left) == -1)
		return -1;
	return told(key, count > limit ? (left > 0 ? left : 1) : 0);
}

long
throttle_peek(const char *key, long window, long limit)
{
	char	buf[THROTTLE_KEY_MAX + 1];
	long	count, left, since;

	if (limit <= 0)
		return 0;
	if (db_throttle_get(throttle_fit(key, buf), window, &count, &left,
	    &since) == -1)
		return -1;
	return told(key, count >= limit ? (left > 0 ? left : 1) : 0);
}

/* throttle_backoff() without telling: the caller tells. */
static long
backoff(const char *key, long window, long free, long limit)
{
	char	buf[THROTTLE_KEY_MAX + 1];
	long	count, left, since;

	if (limit <= 0 && free <= 0)
		return 0;
	if (db_throttle_get(throttle_fit(key, buf), window, &count, &left,
	    &since) == -1)
		return -1;
	return throttle_backoff_wait(count, left, since, free, limit);
}

long
throttle_backoff(const char *key, long window, long free, long limit)
{
	return told(key, backoff(key, window, free, limit));
}

long
throttle_reserve(const char *key, long window, long free, long limit)
{
	char	buf[THROTTLE_KEY_MAX + 1];
	int	got;

	if (limit <= 0 && free <= 0)
		return 0;
	if ((got = db_throttle_reserve(throttle_fit(key, buf), window, free,
	    limit)) != 0)
		return got == 1 ? 0 : -1;
	return throttle_refused(key, window, free, limit);
}

long
throttle_refused(const char *key, long window, long free, long limit)
{
	long	wait;

	/* How long until it would pass (at least a second). */
	if ((wait = backoff(key, window, free, limit)) == -1)
		return -1;
	return told(key, wait == 0 ? 1 : wait);
}

int
throttle_unreserve(const char *key)
{
	char	buf[THROTTLE_KEY_MAX + 1];

	return db_throttle_untry(throttle_fit(key, buf));
}

long
throttle_backoff_wait(long count, long left, long since, long free,
    long limit)
{
	long	delay;

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
	char	buf[THROTTLE_KEY_MAX + 1];
	long	count, left;

	return db_throttle_hit(throttle_fit(key, buf), window, &count, &left);
}

int
throttle_clear(const char *key)
{
	char	buf[THROTTLE_KEY_MAX + 1];

	return db_throttle_clear(throttle_fit(key, buf));
}

char *
throttle_key(const char *action, const char *subject)
{
	char	*k, *s;

	k = xasprintf("%s:%s", action, subject);
	for (s = k + strlen(action); *s; s++)
		*s = (char)tolower((unsigned char)*s);
	return k;
}

int
throttle_problem(long wait, struct problem *p)
{
	if (wait == 0)
		return 0;
	if (wait < 0)
		problem_db(p);
	else {
		p->kind = PROB_RATE_LIMITED;
		p->retry_after = wait;
	}
	return -1;
}

bool
throttle_exempt(const char *client)
{
	return client == NULL || cidrs_match(&cf->exempt, client);
}

const char *
throttle_address(const char *client, char buf[THROTTLE_ADDR_LEN])
{
	struct in6_addr	a6;
	struct in_addr	a4;

	if (inet_pton(AF_INET6, client, &a6) != 1)
		return client;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
		return inet_ntop(AF_INET, &a4, buf, THROTTLE_ADDR_LEN);
	}
	memset(&a6.s6_addr[8], 0, 8);
	if (inet_ntop(AF_INET6, &a6, buf, THROTTLE_ADDR_LEN - 3) == NULL)
		return client;
	strcat(buf, "/64");
	return buf;
}

int
throttle_subject(const char *action, const char *subject, long window,
    long limit, bool count, struct problem *p)
{
	char	*key;
	long	 wait;

	if (window <= 0 || limit <= 0)
		return 0;
	key = throttle_key(action, subject);
	wait = count ? throttle_hit(key, window, limit) :
	    throttle_peek(key, window, limit);
	free(key);
	return throttle_problem(wait, p);
}

int
throttle_client(const char *action, const char *client, long limit,
    bool count, struct problem *p)
{
	char	buf[THROTTLE_ADDR_LEN];

	if (throttle_exempt(client))
		return 0;
	return throttle_subject(action, throttle_address(client, buf),
	    THROTTLE_HOUR, limit, count, p);
}

int
throttle_email(const char *action, const char *email, long cooldown,
    long daily, bool count, struct problem *p)
{
	char	*day;
	int	 rc;

	if (throttle_subject(action, email, cooldown, 1, count, p) == -1)
		return -1;
	day = xasprintf("%s-day", action);
	rc = throttle_subject(day, email, THROTTLE_DAY, daily, count, p);
	free(day);
	return rc;
}
