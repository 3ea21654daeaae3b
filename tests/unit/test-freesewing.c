/* Unit tests: FreeSewing's confirmation links and update bodies. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "wire/freesewing.h"

static const struct {
	const char	*base;
	const char	*kind;
	const char	*link;
} confirms[] = {
	{ "https://freesewing.example", "signup",
	    "https://freesewing.example/confirm/signup/ID" },
	{ "https://freesewing.example/", "signup",
	    "https://freesewing.example/confirm/signup/ID" },
	{ "https://x.example/en//", "signup",
	    "https://x.example/en/confirm/signup/ID" },
	{ "", "signup", "/confirm/signup/ID" },
	{ "https://freesewing.example", "emailchange",
	    "https://freesewing.example/confirm/emailchange/ID" },
	{ "https://x.example/en/", "emailchange",
	    "https://x.example/en/confirm/emailchange/ID" },
};

START_TEST(confirm_table)
{
	char	*l;

	l = freesewing_confirm_link(confirms[_i].base, confirms[_i].kind, "ID");
	ck_assert_str_eq(l, confirms[_i].link);
	free(l);
}
END_TEST

/* A body and what freesewing_changes_read() takes from it (NULL: none). */
static const struct {
	const char	*body;
	const char	*username;
	const char	*language;
	long		 consent;
	const char	*password;
	const char	*email;
	const char	*confirmation;
} changes[] = {
	{ "{}", NULL, NULL, -1, NULL, NULL, NULL },
	{ NULL, NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"username\":\"ann\",\"language\":\"nl\",\"consent\":2}",
	    "ann", "nl", 2, NULL, NULL, NULL },
	/* username: trimmed like String.trim(); a non-string is ignored */
	{ "{\"username\":\" \\t ann-b \\n\"}", "ann-b", NULL, -1, NULL,
	    NULL, NULL },
	{ "{\"username\":\"   \"}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"username\":\"\"}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"username\":42}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"username\":null}", NULL, NULL, -1, NULL, NULL, NULL },
	/* language: FreeSewing's five, exactly */
	{ "{\"language\":\"en\"}", NULL, "en", -1, NULL, NULL, NULL },
	{ "{\"language\":\"de\"}", NULL, "de", -1, NULL, NULL, NULL },
	{ "{\"language\":\"es\"}", NULL, "es", -1, NULL, NULL, NULL },
	{ "{\"language\":\"fr\"}", NULL, "fr", -1, NULL, NULL, NULL },
	{ "{\"language\":\"NL\"}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"language\":\"it\"}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"language\":\"en \"}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"language\":[\"en\"]}", NULL, NULL, -1, NULL, NULL, NULL },
	/* consent: a number 0..3 as [0, 1, 2, 3].includes() sees it */
	{ "{\"consent\":0}", NULL, NULL, 0, NULL, NULL, NULL },
	{ "{\"consent\":3}", NULL, NULL, 3, NULL, NULL, NULL },
	{ "{\"consent\":1.0}", NULL, NULL, 1, NULL, NULL, NULL },
	{ "{\"consent\":-0.0}", NULL, NULL, 0, NULL, NULL, NULL },
	{ "{\"consent\":4}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"consent\":-1}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"consent\":1.5}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"consent\":\"1\"}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"consent\":true}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"consent\":null}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"consent\":1e300}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"consent\":9223372036854775807}", NULL, NULL, -1, NULL, NULL,
	    NULL },
	/* password: a non-empty string */
	{ "{\"password\":\"pw pw pw\"}", NULL, NULL, -1, "pw pw pw", NULL,
	    NULL },
	{ "{\"password\":\"\"}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"password\":12345678}", NULL, NULL, -1, NULL, NULL, NULL },
	/* email: any string, checked against the account later */
	{ "{\"email\":\"a@b.example\"}", NULL, NULL, -1, NULL,
	    "a@b.example", NULL },
	{ "{\"email\":\"nonsense\"}", NULL, NULL, -1, NULL, "nonsense",
	    NULL },
	{ "{\"email\":false}", NULL, NULL, -1, NULL, NULL, NULL },
	/* confirm: only "emailchange" with a confirmation */
	{ "{\"confirm\":\"emailchange\",\"confirmation\":\"abc\"}",
	    NULL, NULL, -1, NULL, NULL, "abc" },
	{ "{\"confirm\":\"signup\",\"confirmation\":\"abc\"}",
	    NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"confirmation\":\"abc\"}", NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"confirm\":\"emailchange\",\"confirmation\":\"\"}",
	    NULL, NULL, -1, NULL, NULL, NULL },
	{ "{\"confirm\":\"emailchange\",\"confirmation\":7}",
	    NULL, NULL, -1, NULL, NULL, NULL },
	/* fields signet has no column for are not read */
	{ "{\"bio\":\"x\",\"github\":\"@x\",\"imperial\":true,"
	    "\"newsletter\":true,\"control\":2,\"img\":\"data:,\"}",
	    NULL, NULL, -1, NULL, NULL, NULL },
	/* not an object */
	{ "[1]", NULL, NULL, -1, NULL, NULL, NULL },
};

static void
eq(const char *got, const char *want)
{
	if (want == NULL)
		ck_assert_ptr_null(got);
	else {
		ck_assert_ptr_nonnull(got);
		ck_assert_str_eq(got, want);
	}
}

START_TEST(changes_table)
{
	struct freesewing_changes	 c;
	struct json_object		*o = NULL;

	if (changes[_i].body != NULL) {
		o = json_tokener_parse(changes[_i].body);
		ck_assert_msg(o != NULL, "bad JSON in row %d", _i);
	}
	freesewing_changes_read(o, &c);
	eq(c.username, changes[_i].username);
	eq(c.language, changes[_i].language);
	ck_assert_int_eq(c.consent, changes[_i].consent);
	eq(c.password, changes[_i].password);
	eq(c.email, changes[_i].email);
	eq(c.confirmation, changes[_i].confirmation);
	freesewing_changes_free(&c);
	ck_assert_ptr_null(c.username);
	json_object_put(o);
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
	tc = tcase_create("changes");
	tcase_add_loop_test(tc, changes_table, 0,
	    sizeof(changes) / sizeof(changes[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
