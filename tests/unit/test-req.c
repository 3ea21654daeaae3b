/* Unit tests: JSON body parsing, route matching, address ranges. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/cidr.h"
#include "base/conf.h"
#include "wire/req.h"
#include "wire/route.h"

static const struct {
	const char	*body;
	size_t		 len;	/* 0: strlen(body) */
	int		 rc;
	int		 isnull;
} bodies[] = {
	{ "{}", 0, 0, 0 },
	{ "  {\"a\": 1}  \n", 0, 0, 0 },
	{ "", 0, 0, 1 },
	{ "   \n", 0, 0, 1 },
	{ "[]", 0, -1, 0 },
	{ "\"str\"", 0, -1, 0 },
	{ "42", 0, -1, 0 },
	{ "null", 0, -1, 0 },
	{ "{", 0, -1, 0 },
	{ "{\"a\":1,}", 0, -1, 0 },		/* trailing comma: strict */
	{ "{\"a\":1} x", 0, -1, 0 },		/* trailing garbage */
	{ "{\"a\":1}{}", 0, -1, 0 },
	{ "{\"a\":\"\xff\"}", 0, -1, 0 },	/* invalid UTF-8 */
	{ "{\"a\":\"\xc3\xa9\"}", 0, 0, 0 },	/* valid UTF-8 */
	{ "{\"a\":\"x\\u0000y\"}", 0, -1, 0 },	/* escaped NUL */
	{ "{\"a\\u0000b\":1}", 0, -1, 0 },	/* escaped NUL in a key */
	{ "{\"password\\u0000\":\"x\"}", 0, -1, 0 },
	{ "{\"a\\\\u0000\":1}", 0, 0, 0 },	/* "\\" then "u0000": text */
	{ "{\"a\":\"x\0\"}", 10, -1, 0 },	/* raw NUL */
	{ "{'a':1}", 0, -1, 0 },
	{ "{\"a\":NaN}", 0, -1, 0 },
	{ "{\"a\":-Infinity}", 0, -1, 0 },
	{ "{\"a\":1.}", 0, -1, 0 },
	{ "{\"a\":1.5e-3}", 0, 0, 0 },
	{ "{\"a\":\"tab\there\"}", 0, -1, 0 },
	{ "{\"a\":\"it's\"}", 0, 0, 0 },
	{ "{\"a\":[true,false,null]}", 0, 0, 0 },
	{ "{\"a\":TRUE}", 0, -1, 0 },
	{ "{\"a\\\"b\":\"x\\\\\"}", 0, 0, 0 },
	/* json-c takes these; PostgreSQL would not (issue 12.11) */
	{ "{\"a\":\"\xc0\xaf\"}", 0, -1, 0 },	/* overlong */
	{ "{\"a\":\"\xed\xa0\x80\"}", 0, -1, 0 },	/* a surrogate */
	{ "{\"a\":\"\xf5\x80\x80\x80\"}", 0, -1, 0 }, /* past U+10FFFF */
	{ "{\"\xed\xa0\x80\":1}", 0, -1, 0 },	/* in a key */
	{ "{\"a\":[\"\xc0\xaf\"]}", 0, -1, 0 },	/* in an array */
	{ "{\"a\":\"\\ud800\"}", 0, 0, 0 },	/* json-c: U+FFFD */
	{ "{\"a\":\"\\ud83d\\ude00\"}", 0, 0, 0 },	/* a pair: U+1F600 */
	{ "{\"a\":\"\xe2\x84\xaa\"}", 0, 0, 0 },	/* U+212A is fine */
};

START_TEST(json_bodies)
{
	struct json_object	*o = NULL;
	size_t			 len;
	int			 rc;

	len = bodies[_i].len ? bodies[_i].len : strlen(bodies[_i].body);
	rc = req_json_parse(bodies[_i].body, len, &o);
	ck_assert_msg(rc == bodies[_i].rc, "body %d: rc %d", _i, rc);
	if (rc == 0)
		ck_assert_int_eq(o == NULL, bodies[_i].isnull);
	else
		ck_assert_ptr_null(o);
	json_object_put(o);
}
END_TEST

START_TEST(json_depth)
{
	struct json_object	*o = NULL;
	char			 buf[200];
	int			 depth, i, n;

	for (depth = 31; depth <= 33; depth++) {
		/* depth - 1 times {"a": then {} then depth - 1 times } */
		n = 0;
		for (i = 0; i < depth - 1; i++) {
			memcpy(buf + n, "{\"a\":", 5);
			n += 5;
		}
		buf[n++] = '{';
		for (i = 0; i < depth; i++)
			buf[n++] = '}';
		buf[n] = '\0';
		ck_assert_int_eq(req_json_parse(buf, (size_t)n, &o),
		    depth <= 32 ? 0 : -1);
		json_object_put(o);
		o = NULL;
	}
}
END_TEST

static const struct {
	const char	*pattern, *path;
	bool		 match;
	const char	*p0, *p1;
} routes[] = {
	{ "/api/health", "/api/health", true, NULL, NULL },
	{ "/api/health", "/api/health/", false, NULL, NULL },
	{ "/api/health", "/api/healt", false, NULL, NULL },
	{ "/confirm/signup/*", "/confirm/signup/abc", true, "abc", NULL },
	{ "/confirm/signup/*", "/confirm/signup/", false, NULL, NULL },
	{ "/confirm/signup/*", "/confirm/signup/a/b", false, NULL, NULL },
	{ "/api/p/*/members/invite", "/api/p/g1/members/invite", true, "g1", NULL },
	{ "/a/*/b/*", "/a/x/b/y", true, "x", "y" },
	{ "/a/*/b/*", "/a/x/b", false, NULL, NULL },
};

START_TEST(route_patterns)
{
	char	*p[REQ_MAX_PARAMS] = { NULL };
	bool	 m;

	m = route_match(routes[_i].pattern, routes[_i].path, p, REQ_MAX_PARAMS);
	ck_assert_int_eq(m, routes[_i].match);
	if (routes[_i].p0)
		ck_assert_str_eq(p[0], routes[_i].p0);
	else
		ck_assert_ptr_null(p[0]);
	if (routes[_i].p1)
		ck_assert_str_eq(p[1], routes[_i].p1);
	else
		ck_assert_ptr_null(p[1]);
	free(p[0]);
	free(p[1]);
}
END_TEST

static const struct {
	const char	*list, *ip;
	int		 parse;
	bool		 match;
} ranges[] = {
	{ "127.0.0.0/8", "127.0.0.1", 0, true },
	{ "127.0.0.0/8", "128.0.0.1", 0, false },
	{ "10.0.0.0/8, ::1", "::1", 0, true },
	{ "10.0.0.0/8 ::1", "::ffff:10.1.2.3", 0, true },
	{ "192.168.1.0/25", "192.168.1.127", 0, true },
	{ "192.168.1.0/25", "192.168.1.128", 0, false },
	{ "2001:db8::/32", "2001:db8:1::5", 0, true },
	{ "2001:db8::/32", "2001:db9::5", 0, false },
	{ "", "127.0.0.1", 0, false },
	{ "0.0.0.0/0", "8.8.8.8", 0, true },
	{ "1.2.3.4/33", "1.2.3.4", -1, false },
	{ "nonsense", "1.2.3.4", -1, false },
	{ "1.2.3.4/", "1.2.3.4", -1, false },
	{ "127.0.0.1", "garbage", 0, false },
};

START_TEST(cidr_table)
{
	struct cidrs	 cs;
	const char	*bad = NULL;
	int		 rc;

	rc = cidrs_parse(&cs, ranges[_i].list, &bad);
	ck_assert_int_eq(rc, ranges[_i].parse);
	if (rc == 0) {
		ck_assert_int_eq(cidrs_match(&cs, ranges[_i].ip),
		    ranges[_i].match);
		cidrs_free(&cs);
	} else
		ck_assert_ptr_nonnull(bad);
}
END_TEST

/* req_client(): trusted_proxies = 127.0.0.0/8, 10.0.0.0/8 */
static const struct {
	const char	*peer, *xff, *client;
} clients[] = {
	{ "192.0.2.1", NULL, "192.0.2.1" },		/* not a proxy */
	{ "192.0.2.1", "198.51.100.7", "192.0.2.1" },	/* its XFF is ignored */
	{ "127.0.0.1", NULL, "127.0.0.1" },
	{ "127.0.0.1", "198.51.100.7", "198.51.100.7" },
	{ "127.0.0.1", "198.51.100.7, 10.1.1.1", "198.51.100.7" },
	{ "127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.1.1", "198.51.100.7" },
	{ "127.0.0.1", " 198.51.100.7 ,10.1.1.1 ", "198.51.100.7" },
	{ "127.0.0.1", ",,, , 2001:db8::1 , ,", "2001:db8::1" },
	{ "127.0.0.1", "10.0.0.1, 10.0.0.2", "127.0.0.1" },	/* all proxies */
	{ "127.0.0.1", "", "127.0.0.1" },
	{ "127.0.0.1", "   ", "127.0.0.1" },
	{ NULL, "198.51.100.7", "" },
};

static struct conf	conf;

static void
proxies(void)
{
	const char	*bad;

	memset(&conf, 0, sizeof(conf));
	ck_assert_int_eq(cidrs_parse(&conf.proxies, "127.0.0.0/8 10.0.0.0/8",
	    &bad), 0);
	cf = &conf;
}

static void
proxies_free(void)
{
	cidrs_free(&conf.proxies);
}

START_TEST(client_table)
{
	ck_assert_str_eq(req_client(clients[_i].peer, clients[_i].xff),
	    clients[_i].client);
}
END_TEST

/*
 * Linear in the header's length whatever its shape (issue 12.15): 4 MiB of
 * blank hops would take hours if each hop rescanned the ones after it,
 * and well under the test's time limit in one pass.
 */
START_TEST(client_linear)
{
	static const char	*shapes[] = { " ", ", ", " ,", "\t \t,," };
	size_t			 n = 4 << 20, i, k, l;
	char			*xff;

	xff = malloc(n + 32);
	ck_assert_ptr_nonnull(xff);
	for (k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		l = strlen(shapes[k]);
		for (i = 0; i + l <= n; i += l)
			memcpy(xff + i, shapes[k], l);
		xff[i] = '\0';
		/* No address anywhere: the peer, after reading it all. */
		ck_assert_str_eq(req_client("127.0.0.1", xff), "127.0.0.1");
		/* The only address at the very start. */
		memcpy(xff, "198.51.100.7,", 13);
		ck_assert_str_eq(req_client("127.0.0.1", xff), "198.51.100.7");
	}
	free(xff);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("req");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, json_bodies, 0, sizeof(bodies) / sizeof(bodies[0]));
	tcase_add_test(tc, json_depth);
	tcase_add_loop_test(tc, route_patterns, 0, sizeof(routes) / sizeof(routes[0]));
	tcase_add_loop_test(tc, cidr_table, 0, sizeof(ranges) / sizeof(ranges[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("client");
	tcase_add_checked_fixture(tc, proxies, proxies_free);
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, client_table, 0,
	    sizeof(clients) / sizeof(clients[0]));
	tcase_add_test(tc, client_linear);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
