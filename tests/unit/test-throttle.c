/* Unit tests: the pure parts of throttle.c (keys, the backoff decision). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "core/throttle.h"

static struct conf	c;

static void
setup(void)
{
	static unsigned char	 key[] = "throttle test key";

	memset(&c, 0, sizeof(c));
	c.hmac_key = key;
	c.hmac_keylen = sizeof(key) - 1;
	cf = &c;
}

static const struct {
	const char	*action, *subject, *key;
} keys[] = {
	{ "login", "Ann", "login:ann" },
	{ "login", "ANN@Example.ORG", "login:ann@example.org" },
	/* The action keeps its case; only the subject is folded. */
	{ "Login-Addr", "::FFFF:10.0.0.1", "Login-Addr:::ffff:10.0.0.1" },
	{ "signup", "", "signup:" },
	/* ASCII only: other bytes pass through untouched. */
	{ "login", "\xc3\x89LODIE", "login:\xc3\x89lodie" },
};

START_TEST(key_table)
{
	char	*k;

	k = throttle_key(keys[_i].action, keys[_i].subject);
	ck_assert_str_eq(k, keys[_i].key);
	free(k);
}
END_TEST

START_TEST(fit_short_keys_unchanged)
{
	char	 buf[THROTTLE_KEY_MAX + 1], key[THROTTLE_KEY_MAX + 1];

	memset(key, 'k', THROTTLE_KEY_MAX);
	key[THROTTLE_KEY_MAX] = '\0';
	ck_assert_ptr_eq(throttle_fit("login:ann", buf), "login:ann");
	ck_assert_ptr_eq(throttle_fit(key, buf), key);
}
END_TEST

START_TEST(fit_long_keys)
{
	char	 buf[THROTTLE_KEY_MAX + 1], b2[THROTTLE_KEY_MAX + 1];
	char	 key[1000], other[1000];
	const char *f, *g;

	memset(key, 'a', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	memcpy(other, key, sizeof(key));
	other[900] = 'b';
	f = throttle_fit(key, buf);
	ck_assert_ptr_eq(f, buf);
	ck_assert_uint_le(strlen(f), THROTTLE_KEY_MAX);
	/* A readable prefix, then "~" and the MAC. */
	ck_assert(strncmp(f, key, 40) == 0);
	ck_assert_int_eq(f[40], '~');
	/* Keys that differ only past the prefix stay apart. */
	g = throttle_fit(other, b2);
	ck_assert_str_ne(f, g);
	/* The same key fits the same way every time. */
	ck_assert_str_eq(throttle_fit(key, b2), buf);
}
END_TEST

START_TEST(fit_cuts_at_a_character)
{
	char	 buf[THROTTLE_KEY_MAX + 1], key[600];
	size_t	 i;
	const char *f;

	/* "é" is two bytes: 39 + 2 puts a character across byte 40. */
	memset(key, 'a', 39);
	for (i = 39; i + 2 < sizeof(key); i += 2) {
		key[i] = '\xc3';
		key[i + 1] = '\xa9';
	}
	key[i] = '\0';
	f = throttle_fit(key, buf);
	ck_assert_int_eq(f[39], '~');
}
END_TEST

/* The subject a client address is throttled under (issue 12.13). */
static const struct {
	const char	*client, *subject;
} addrs[] = {
	{ "198.51.100.7", "198.51.100.7" },
	{ "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64" },
	{ "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64" },
	{ "2001:db8:1:3::1", "2001:db8:1:3::/64" },
	{ "::1", "::/64" },
	{ "::ffff:198.51.100.7", "198.51.100.7" },	/* v4-mapped */
	{ "", "" },
	{ "not an address", "not an address" },
};

START_TEST(address_table)
{
	char	buf[THROTTLE_ADDR_LEN];

	ck_assert_str_eq(throttle_address(addrs[_i].client, buf),
	    addrs[_i].subject);
}
END_TEST

/* throttle_backoff_wait(count, left, since, free, limit) */
static const struct {
	long	count, left, since, free, limit, wait;
} waits[] = {
	{ 0, 0, 3600, 5, 100, 0 },	/* nothing yet */
	{ 4, 100, 0, 5, 100, 0 },	/* within the free tries */
	{ 5, 100, 0, 5, 100, 1 },	/* first backoff: 2^0 s */
	{ 5, 100, 1, 5, 100, 0 },	/* ... which has passed */
	{ 6, 100, 0, 5, 100, 2 },
	{ 7, 100, 1, 5, 100, 3 },	/* 4 s, one gone */
	{ 10, 100, 0, 5, 100, 32 },
	{ 11, 100, 0, 5, 100, 60 },	/* capped at a minute */
	{ 50, 100, 59, 5, 100, 1 },
	{ 100, 1234, 0, 5, 100, 1234 },	/* the hourly cap: the window */
	{ 100, 0, 0, 5, 100, 1 },	/* ... at least a second */
	{ 100, 10, 0, 0, 0, 0 },	/* both off */
	{ 3, 10, 0, 0, 3, 10 },		/* cap only */
	{ 3, 10, 0, 3, 0, 1 },		/* backoff only */
};

START_TEST(backoff_table)
{
	ck_assert_int_eq(throttle_backoff_wait(waits[_i].count, waits[_i].left,
	    waits[_i].since, waits[_i].free, waits[_i].limit), waits[_i].wait);
}
END_TEST

START_TEST(problem_of_a_wait)
{
	struct problem	p;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(throttle_problem(0, &p), 0);
	ck_assert_int_eq(p.kind, 0);
	ck_assert_int_eq(throttle_problem(42, &p), -1);
	ck_assert_int_eq(p.kind, PROB_RATE_LIMITED);
	ck_assert_int_eq(p.retry_after, 42);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("throttle");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, key_table, 0, sizeof(keys) / sizeof(keys[0]));
	tcase_add_test(tc, fit_short_keys_unchanged);
	tcase_add_test(tc, fit_long_keys);
	tcase_add_test(tc, fit_cuts_at_a_character);
	tcase_add_loop_test(tc, backoff_table, 0,
	    sizeof(waits) / sizeof(waits[0]));
	tcase_add_test(tc, problem_of_a_wait);
	tcase_add_loop_test(tc, address_table, 0,
	    sizeof(addrs) / sizeof(addrs[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
