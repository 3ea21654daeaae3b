/* Unit tests: the master's backoff after bursts of deaths.  ISC licence. */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>

#include "proc/master.h"

/* Seconds without children after the n-th burst in a row: 1, 2 ... 60. */
static const struct {
	unsigned	step;
	long		delay;
} steps[] = {
	{ 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 4 }, { 4, 8 }, { 5, 16 }, { 6, 32 },
	{ 7, 60 }, { 8, 60 }, { 31, 60 }, { 32, 60 }, { 1000, 60 },
	{ UINT_MAX, 60 },
};

START_TEST(backoff_steps)
{
	ck_assert_int_eq(master_backoff(steps[_i].step), steps[_i].delay);
}
END_TEST

/* Never shorter than the step before, never 0 once backing off. */
START_TEST(backoff_grows)
{
	unsigned	s;

	for (s = 1; s < 200; s++) {
		ck_assert_int_ge(master_backoff(s), master_backoff(s - 1));
		ck_assert_int_ge(master_backoff(s), 1);
		ck_assert_int_le(master_backoff(s), 60);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("master");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, backoff_steps, 0,
	    sizeof(steps) / sizeof(steps[0]));
	tcase_add_test(tc, backoff_grows);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
