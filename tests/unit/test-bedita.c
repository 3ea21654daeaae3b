/* Unit tests: BEdita's activation links and their URL encoding. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bedita.h"

#define UUID	"96b0b9fe-17fa-4cf8-bffa-1cd506421227"

static const struct {
	const char	*url;
	const char	*redirect;	/* NULL: none */
	const char	*link;
} links[] = {
	{ "http://a.example", NULL, "http://a.example?uuid=" UUID },
	{ "http://a.example/activate", NULL,
	    "http://a.example/activate?uuid=" UUID },
	/* the seed's example: a query already there */
	{ "http://myactivationsys.xx?dum=my", "app://xx?dum=my",
	    "http://myactivationsys.xx?dum=my&uuid=" UUID
	    "&redirect_url=app%3A%2F%2Fxx%3Fdum%3Dmy" },
	{ "http://a.example/x?", NULL, "http://a.example/x?uuid=" UUID },
	{ "http://a.example/x?a=1&", NULL,
	    "http://a.example/x?a=1&uuid=" UUID },
	{ "myapp://activate", "myapp://", "myapp://activate?uuid=" UUID
	    "&redirect_url=myapp%3A%2F%2F" },
	/* a hash router reads the query inside the fragment: BEdita's way */
	{ "https://app.example/#/activate", NULL,
	    "https://app.example/#/activate?uuid=" UUID },
	{ "https://a.example/a", "https://b.example/p?q=a b&c=d/é~_.-",
	    "https://a.example/a?uuid=" UUID "&redirect_url="
	    "https%3A%2F%2Fb.example%2Fp%3Fq%3Da%20b%26c%3Dd%2F%C3%A9~_.-" },
};

START_TEST(link_table)
{
	char	*l;

	l = bedita_link(links[_i].url, UUID, links[_i].redirect);
	ck_assert_str_eq(l, links[_i].link);
	free(l);
}
END_TEST

static const struct {
	const char	*in;
	const char	*out;
} enc[] = {
	{ "", "" },
	{ "AZaz09-._~", "AZaz09-._~" },
	{ " ", "%20" },
	{ "+&=?#/%", "%2B%26%3D%3F%23%2F%25" },
	{ "\xc3\xa9", "%C3%A9" },
	{ "\x7f\x01", "%7F%01" },
};

START_TEST(encode_table)
{
	char	*o;

	o = bedita_urlencode(enc[_i].in);
	ck_assert_str_eq(o, enc[_i].out);
	free(o);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("bedita");
	TCase	*tc = tcase_create("links");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, link_table, 0, sizeof(links) / sizeof(links[0]));
	tcase_add_loop_test(tc, encode_table, 0, sizeof(enc) / sizeof(enc[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
