/* Unit tests: what utf8_valid() takes and refuses. */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

static const struct {
	const char	*s;
	size_t		 len;	/* 0: strlen(s) */
	bool		 ok;
} texts[] = {
	{ "", 0, true },
	{ "plain ascii", 0, true },
	{ "\xc3\xa9", 0, true },			/* U+00E9 */
	{ "\xe2\x84\xaa", 0, true },			/* U+212A KELVIN SIGN */
	{ "\xc4\xb0", 0, true },			/* U+0130 */
	{ "\xf0\x9f\x98\x80", 0, true },		/* U+1F600 */
	{ "\xf4\x8f\xbf\xbf", 0, true },		/* U+10FFFF */
	{ "\xef\xbf\xbd", 0, true },			/* U+FFFD */
	{ "\xc0\xaf", 0, false },			/* overlong '/' */
	{ "\xc1\xbf", 0, false },			/* overlong */
	{ "\xe0\x80\xaf", 0, false },			/* overlong, 3 bytes */
	{ "\xf0\x80\x80\xaf", 0, false },		/* overlong, 4 bytes */
	{ "\xed\xa0\x80", 0, false },			/* U+D800 */
	{ "\xed\xbf\xbf", 0, false },			/* U+DFFF */
	{ "\xf4\x90\x80\x80", 0, false },		/* U+110000 */
	{ "\xf5\x80\x80\x80", 0, false },		/* past U+10FFFF */
	{ "\xff", 0, false },
	{ "\x80", 0, false },				/* a lone continuation */
	{ "\xc3", 0, false },				/* cut short */
	{ "\xe2\x84", 0, false },
	{ "a\0b", 3, false },				/* NUL */
};

START_TEST(text_table)
{
	size_t	len = texts[_i].len ? texts[_i].len : strlen(texts[_i].s);

	ck_assert_msg(utf8_valid(texts[_i].s, len) == texts[_i].ok,
	    "case %d", _i);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("utf8");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, text_table, 0, sizeof(texts) / sizeof(texts[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
