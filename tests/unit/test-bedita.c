/*
 * Unit tests: BEdita's activation links and their URL encoding, the
 * clients file of its client credentials, and ?include= of /auth/user.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
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

/* A clients file with what an operator may write in one. */
static const char clients[] =
    "# applications that log in by themselves\n"
    "myapp   s3cret-0123   My App  \n"
    "\n"
    "  \t# an indented comment\n"
    "\tother\tothersecret\r\n"
    "lonely\n"
    "twice first-secret First\n"
    "twice second-secret Second\n"
    "hash#id se#cret Name # with a hash\n"
    "last lastsecret";

static const struct {
	const char	*text;		/* NULL: no clients file */
	const char	*id, *secret;
	const char	*name;		/* NULL: refused */
} creds[] = {
	{ clients, "myapp", "s3cret-0123", "My App" },
	{ clients, "myapp", "s3cret-012", NULL },	/* a prefix */
	{ clients, "myapp", "s3cret-01234", NULL },	/* longer */
	{ clients, "myapp", "", NULL },
	{ clients, "myapp", "othersecret", NULL },	/* another's */
	{ clients, "MYAPP", "s3cret-0123", NULL },	/* ids are exact */
	{ clients, "myap", "s3cret-0123", NULL },
	{ clients, "other", "othersecret", "other" },	/* no name: the id */
	{ clients, "other", "othersecret\r", NULL },
	{ clients, "lonely", "", NULL },		/* no secret, no login */
	{ clients, "lonely", "lonely", NULL },
	{ clients, "#", "applications", NULL },		/* comments are none */
	{ clients, "twice", "first-secret", "First" },
	{ clients, "twice", "second-secret", "Second" },
	{ clients, "hash#id", "se#cret", "Name # with a hash" },
	{ clients, "last", "lastsecret", "last" },	/* no final newline */
	{ clients, "", "", NULL },
	{ "", "myapp", "s3cret-0123", NULL },
	{ NULL, "myapp", "s3cret-0123", NULL },
};

START_TEST(client_check_table)
{
	char	*name = (char *)1;
	bool	 ok;

	ok = bedita_client_check(creds[_i].text, creds[_i].id,
	    creds[_i].secret, &name);
	if (creds[_i].name == NULL) {
		ck_assert_msg(!ok, "%s/%s accepted", creds[_i].id,
		    creds[_i].secret);
		ck_assert_ptr_null(name);
	} else {
		ck_assert_msg(ok, "%s/%s refused", creds[_i].id,
		    creds[_i].secret);
		ck_assert_str_eq(name, creds[_i].name);
		free(name);
	}
}
END_TEST

static const struct {
	const char	*id;
	const char	*name;		/* NULL: not listed */
} finds[] = {
	{ "myapp", "My App" },
	{ "other", "other" },
	{ "twice", "First" },		/* the first line of an id */
	{ "lonely", NULL },		/* a line of one field lists nobody */
	{ "nobody", NULL },
	{ "", NULL },
	{ "last", "last" },
};

START_TEST(client_find_table)
{
	char	*name = (char *)1;

	if (finds[_i].name == NULL) {
		ck_assert(!bedita_client_find(clients, finds[_i].id, &name));
		ck_assert_ptr_null(name);
	} else {
		ck_assert(bedita_client_find(clients, finds[_i].id, &name));
		ck_assert_str_eq(name, finds[_i].name);
		free(name);
	}
	ck_assert(!bedita_client_find(NULL, finds[_i].id, &name));
}
END_TEST

static const struct {
	const char	*query;
	const char	*bad;		/* NULL: fine */
} includes[] = {
	{ "", NULL },
	{ "include=", NULL },
	{ "include=roles", NULL },
	{ "include=roles,roles,", NULL },
	{ "include=roles%2croles%2C", NULL },
	{ "fields=x&include=roles&page=2", NULL },
	{ "includes=gustavo", NULL },		/* another parameter */
	{ "xinclude=gustavo", NULL },
	{ "include=gustavo", "gustavo" },
	{ "include=roles,gustavo", "gustavo" },
	{ "include=roles%2Cparents", "parents" },
	{ "a=1&include=roles&include=role", "role" },
	{ "include=Roles", "Roles" },
	{ "include=%E2%82%AC", "%E2%82%AC" },
	{ "include=\xe2\x82\xac\x01", "????" },
	{ "include=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
};

START_TEST(include_table)
{
	char	*bad = (char *)1;

	if (includes[_i].bad == NULL) {
		ck_assert_msg(bedita_include_ok(includes[_i].query, &bad),
		    "%s refused", includes[_i].query);
		ck_assert_ptr_null(bad);
	} else {
		ck_assert_msg(!bedita_include_ok(includes[_i].query, &bad),
		    "%s accepted", includes[_i].query);
		ck_assert_str_eq(bad, includes[_i].bad);
		free(bad);
	}
}
END_TEST

/* Accept headers BEdita answers, and those it refuses with 406. */
static const struct {
	const char	*accept;
	bool		 ok;
} accepts[] = {
	{ "", true },
	{ "   ", true },
	{ "application/json", true },
	{ "application/vnd.api+json", true },
	{ "Application/JSON", true },
	{ "application/json; charset=utf-8", true },
	{ "text/html, application/xhtml+xml, */*;q=0.8", true },
	{ "application/*", true },
	{ "text/html,application/vnd.api+json;q=0.9", true },
	{ "text/html", false },
	{ "text/plain, image/png", false },
	{ "application/xml", false },
	{ "application/jsonx", false },
	{ "json", false },
	{ "*/json", false },
};

START_TEST(accept_table)
{
	ck_assert_msg(bedita_accept_ok(accepts[_i].accept) == accepts[_i].ok,
	    "\"%s\"", accepts[_i].accept);
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
	tc = tcase_create("clients");
	tcase_add_loop_test(tc, client_check_table, 0,
	    sizeof(creds) / sizeof(creds[0]));
	tcase_add_loop_test(tc, client_find_table, 0,
	    sizeof(finds) / sizeof(finds[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("include");
	tcase_add_loop_test(tc, include_table, 0,
	    sizeof(includes) / sizeof(includes[0]));
	tcase_add_loop_test(tc, accept_table, 0,
	    sizeof(accepts) / sizeof(accepts[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
