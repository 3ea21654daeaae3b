/* Unit tests: problems and the renaming of their fields. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/problem.h"

START_TEST(fields_accumulate)
{
	struct problem	p;
	static const char username[] = "username", email[] = "email";

	memset(&p, 0, sizeof(p));
	problem_field(&p, username, "is short");
	problem_field(&p, email, "is odd");
	problem_field(&p, username, "is taken");	/* first reason wins */
	ck_assert_int_eq(p.kind, PROB_VALIDATION);
	ck_assert_uint_eq(p.nverrs, 2);
	ck_assert_str_eq(p.verrs[0].reason, "is short");
	ck_assert_str_eq(p.verrs[1].field, "email");
}
END_TEST

START_TEST(fields_capped)
{
	static const char *const names[] = { "a", "b", "c", "d", "e", "f",
	    "g", "h", "i", "j" };
	struct problem	p;
	size_t		i;

	memset(&p, 0, sizeof(p));
	for (i = 0; i < 10; i++)
		problem_field(&p, names[i], "bad");
	ck_assert_uint_eq(p.nverrs, VERR_MAX);
}
END_TEST

START_TEST(rename)
{
	static const struct field_name map[] = {
		{ "token", "validation_code" },
		{ "code", "verification_code" },
	};
	struct problem	p;

	memset(&p, 0, sizeof(p));
	problem_field(&p, "code", "is not the code we sent");
	problem_field(&p, "username", "differs");
	problem_rename(&p, FIELD_NAMES(map));
	ck_assert_str_eq(p.verrs[0].field, "verification_code");
	ck_assert_str_eq(p.verrs[1].field, "username");

	memset(&p, 0, sizeof(p));
	p.kind = PROB_INVALID;
	p.field = "token";
	problem_rename(&p, FIELD_NAMES(map));
	ck_assert_str_eq(p.field, "validation_code");

	/* No field, no map: nothing happens. */
	memset(&p, 0, sizeof(p));
	problem_rename(&p, NULL, 0);
	ck_assert_ptr_null(p.field);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("problem");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, fields_accumulate);
	tcase_add_test(tc, fields_capped);
	tcase_add_test(tc, rename);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
