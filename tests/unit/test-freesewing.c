/* Unit tests: FreeSewing's confirmation links. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "wire/freesewing.h"

static const struct {
	const char	*base;
	const char	*link;
} confirms[] = {
	{ "https://freesewing.example", "https://freesewing.example/confirm/"
	    "signup/ID" },
	{ "https://freesewing.example/", "https://freesewing.example/confirm/"
	    "signup/ID" },
	{ "https://x.example/en//", "https://x.example/en/confirm/signup/ID" },
	{ "", "/confirm/signup/ID" },
};

START_TEST(confirm_table)
{
	char	*l;

	l = freesewing_confirm_link(confirms[_i].base, "ID");
	ck_assert_str_eq(l, confirms[_i].link);
	free(l);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("freesewing");
	TCase	*tc = tcase_create("links");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, confirm_table, 0,
	    sizeof(confirms) / sizeof(confirms[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
