/* Unit tests: the mailer's retry policy. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "mail/mailer.h"

/* The mailer's retry policy: 5 s doubling, capped at 5 minutes. */
static const struct {
	long	attempts, delay;
} delays[] = {
	{ -1, 5 }, { 0, 5 }, { 1, 10 }, { 2, 20 }, { 3, 40 }, { 4, 80 },
	{ 5, 160 }, { 6, 300 }, { 9, 300 }, { 10, 300 }, { 1000, 300 },
};

START_TEST(retry_delays)
{
	ck_assert_int_eq(mailer_retry_delay(delays[_i].attempts),
	    delays[_i].delay);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("mailer");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, retry_delays, 0,
	    sizeof(delays) / sizeof(delays[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
