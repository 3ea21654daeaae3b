/* Unit tests: the pure parts of reset.c (the reset token MAC). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/code.h"
#include "base/conf.h"
#include "core/reset.h"

static struct conf	c;

static void
setup(void)
{
	static unsigned char	 key[] = "0123456789abcdef0123456789abcdef";

	memset(&c, 0, sizeof(c));
	c.hmac_key = key;
	c.hmac_keylen = 32;
	cf = &c;
}

START_TEST(mac_shape)
{
	char	m[67];
	size_t	i;

	reset_token_mac("vcode", "3f2504e0-4f89-41d3-9a0c-0305e82c3301", m);
	ck_assert_uint_eq(strlen(m), 66);
	ck_assert(m[0] == '\\' && m[1] == 'x');
	for (i = 2; i < 66; i++)
		ck_assert(strchr("0123456789abcdef", m[i]) != NULL);
}
END_TEST

START_TEST(mac_binds_account)
{
	const char	*g1 = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
	const char	*g2 = "3f2504e0-4f89-41d3-9a0c-0305e82c3302";
	char		 a[67], b[67], d[67], plain[67];

	reset_token_mac("tok", g1, a);
	reset_token_mac("tok", g1, b);
	ck_assert_str_eq(a, b);			/* deterministic */
	reset_token_mac("tok", g2, d);
	ck_assert_str_ne(a, d);			/* one row per account */
	reset_token_mac("tok2", g1, d);
	ck_assert_str_ne(a, d);
	code_mac_hex("tok", plain);		/* not the signup MAC */
	ck_assert_str_ne(a, plain);
	/* The separator keeps ("ab", "c") and ("a", "bc") apart. */
	reset_token_mac("ab", "c", b);
	reset_token_mac("a", "bc", d);
	ck_assert_str_ne(b, d);
}
END_TEST

START_TEST(mac_keyed)
{
	static unsigned char	 other[] = "another key, another mac........";
	char			 a[67], b[67];

	reset_token_mac("tok", "g", a);
	c.hmac_key = other;
	reset_token_mac("tok", "g", b);
	ck_assert_str_ne(a, b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("reset");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, mac_shape);
	tcase_add_test(tc, mac_binds_account);
	tcase_add_test(tc, mac_keyed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
