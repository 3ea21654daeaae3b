/* Unit tests: activation links, URL encoding, BEdita's customUrl rule. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"

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

	l = activation_link(links[_i].url, UUID, links[_i].redirect);
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

	o = activation_urlencode(enc[_i].in);
	ck_assert_str_eq(o, enc[_i].out);
	free(o);
}
END_TEST

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

	l = activation_confirm_link(confirms[_i].base, "ID");
	ck_assert_str_eq(l, confirms[_i].link);
	free(l);
}
END_TEST

static const struct {
	const char	*url;
	bool		 ok;
} urls[] = {
	{ "http://sample.com?confirm=true", true },
	{ "http://sample.com/ok", true },
	{ "HTTPS://Sample.COM:8443/a/b?c#d", true },
	{ "http://127.0.0.1:8080/activate", true },
	{ "http://localhost/activate", true },
	{ "http://[::1]:8080/x", true },
	{ "http://b\xc3\xbc" "cher.example/", true },
	{ "myapp://activate", true },
	{ "myapp://", true },
	{ "com.example.app+x://a?b", true },
	/* BEdita's own refusals */
	{ "/activate", false },
	{ "https://activate", false },
	{ "", false },
	{ "activate", false },
	{ "http:/x.example", false },
	{ "http://", false },
	{ "http://.example.com", false },
	{ "http://example.com.", false },
	{ "http://a..example", false },
	{ "http://user@evil.example/", false },
	{ "http://a.example:/", false },
	{ "http://a.example:123456/", false },
	{ "http://a.example:80x/", false },
	{ "http://[]/", false },
	{ "http://[::1]x/", false },
	{ "http://a_b.example/", false },
	{ "http://a.example/ b", false },
	{ "http://a.example/\r\nBcc: x", false },
	{ "http://a.example/\t", false },
	{ "javascript://%0aalert(1)", false },
	{ "JavaScript://x", false },
	{ "data://text/html,x", false },
	{ "vbscript://x", false },
	{ "file:///etc/passwd", false },
	{ "1app://x", false },
	{ "my app://x", false },
};

START_TEST(url_table)
{
	ck_assert_msg(activation_url_ok(urls[_i].url) == urls[_i].ok,
	    "%s: expected %s", urls[_i].url, urls[_i].ok ? "ok" : "refused");
}
END_TEST

START_TEST(url_length)
{
	char	*u;
	size_t	 n = ACTIVATION_URL_MAX;

	u = malloc(n + 2);
	ck_assert_ptr_nonnull(u);
	memcpy(u, "https://a.example/", 18);
	memset(u + 18, 'x', n - 18);
	u[n] = '\0';
	ck_assert(activation_url_ok(u));
	u[n] = 'x';
	u[n + 1] = '\0';
	ck_assert(!activation_url_ok(u));
	free(u);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("activation");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, link_table, 0, sizeof(links) / sizeof(links[0]));
	tcase_add_loop_test(tc, encode_table, 0, sizeof(enc) / sizeof(enc[0]));
	tcase_add_loop_test(tc, confirm_table, 0,
	    sizeof(confirms) / sizeof(confirms[0]));
	tcase_add_loop_test(tc, url_table, 0, sizeof(urls) / sizeof(urls[0]));
	tcase_add_test(tc, url_length);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
