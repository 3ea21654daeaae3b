/* Unit tests: the pure parts of invite.c (gid shape, decline link). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "invite.h"

static const struct {
	const char	*s;
	bool		 ok;
} gids[] = {
	{ "3f2504e0-4f89-41d3-9a0c-0305e82c3301", true },
	{ "3F2504E0-4F89-41D3-9A0C-0305E82C3301", true },
	{ "00000000-0000-0000-0000-000000000000", true },
	{ "", false },
	{ "3f2504e0-4f89-41d3-9a0c-0305e82c330", false },	/* short */
	{ "3f2504e0-4f89-41d3-9a0c-0305e82c33011", false },	/* long */
	{ "3f2504e04f8941d39a0c0305e82c3301", false },		/* no hyphens */
	{ "3f2504e0-4f89-41d3-9a0c_0305e82c3301", false },
	{ "3f2504e0-4f89-41d3-9a0c-0305e82c330g", false },
	{ "{3f2504e0-4f89-41d3-9a0c-0305e82c33}", false },
	{ "3f2504e0-4f89-41d3-9a0c-0305e82c33'1", false },
	{ "x' OR '1'='1", false },
	{ "3f2504e0 4f89 41d3 9a0c 0305e82c3301", false },
};

START_TEST(gid_table)
{
	ck_assert_msg(invite_gid_ok(gids[_i].s) == gids[_i].ok, "%s",
	    gids[_i].s);
}
END_TEST

START_TEST(gid_null_and_generated)
{
	char	u[37];
	int	i;

	ck_assert(!invite_gid_ok(NULL));
	for (i = 0; i < 100; i++) {
		code_uuid(u);
		ck_assert(invite_gid_ok(u));
	}
}
END_TEST

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

	tcase_add_loop_test(tc, gid_table, 0, sizeof(gids) / sizeof(gids[0]));
	tcase_add_test(tc, gid_null_and_generated);
	tcase_add_test(tc, decline_url);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
