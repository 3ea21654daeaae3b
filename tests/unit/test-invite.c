/* Unit tests: the pure parts of invite.c (the decline link). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/invite.h"

START_TEST(decline_url)
{
	const char	*inv = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
	const char	*prj = "00000000-0000-4000-8000-000000000001";
	const char	*want = "https://app.example.org/decline_invite?"
	    "invitee=3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	    "&project=00000000-0000-4000-8000-000000000001";
	char		*u;

	u = invite_decline_url("https://app.example.org", inv, prj);
	ck_assert_str_eq(u, want);
	free(u);
	/* Trailing slashes of public_url do not double. */
	u = invite_decline_url("https://app.example.org//", inv, prj);
	ck_assert_str_eq(u, want);
	free(u);
	u = invite_decline_url("https://app.example.org/sub/", inv, prj);
	ck_assert_str_eq(u, "https://app.example.org/sub/decline_invite?"
	    "invitee=3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	    "&project=00000000-0000-4000-8000-000000000001");
	free(u);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("invite");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, decline_url);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
