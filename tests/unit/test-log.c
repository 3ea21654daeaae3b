/*
 * Unit tests: the log's rate limit (base/ratelimit.c: the windows, what
 * each line reports, slots taken over), log_oneline(), and the JSON lines
 * of log_format = json (each parsed back with json-c).  ISC licence.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/log.h"
#include "base/ratelimit.h"

#define W	5	/* the window used throughout, seconds */

/*
 * Runs of lines: each (key, now) and what rl_hit() must answer: -1
 * dropped, else the count of drops reported with the line written.
 */
static const struct {
	const char	*name;
	struct {
		uint64_t	key;
		long		now, want;
	}		 ev[12];
} runs[] = {
	{ "one kind", {
		{ 1, 100, 0 }, { 1, 100, -1 }, { 1, 104, -1 },
		{ 1, 105, 2 },		/* window over: the 2 drops with it */
		{ 1, 106, -1 }, { 1, 111, 1 }, { 1, 200, 0 } } },
	{ "kinds apart", {
		{ 1, 100, 0 }, { 2, 100, 0 }, { 1, 101, -1 }, { 2, 101, -1 },
		{ 2, 102, -1 }, { 2, 106, 2 }, { 1, 110, 1 } } },
	{ "quiet kind writes every line", {
		{ 7, 100, 0 }, { 7, 105, 0 }, { 7, 110, 0 }, { 7, 115, 0 } } },
	{ "a flood", {
		{ 3, 100, 0 }, { 3, 101, -1 }, { 3, 101, -1 }, { 3, 102, -1 },
		{ 3, 103, -1 }, { 3, 104, -1 }, { 3, 104, -1 },
		{ 3, 105, 6 } } },
	/* Same home slot (key % RL_SLOTS), all kept apart by probing. */
	{ "collisions probe", {
		{ 1, 100, 0 }, { 1 + RL_SLOTS, 100, 0 },
		{ 1 + 2 * RL_SLOTS, 100, 0 }, { 1, 101, -1 },
		{ 1 + RL_SLOTS, 101, -1 }, { 1 + 2 * RL_SLOTS, 101, -1 } } },
	/* A fifth kind on one home slot takes it over, window and all. */
	{ "take over", {
		{ 1, 100, 0 }, { 1 + RL_SLOTS, 100, 0 },
		{ 1 + 2 * RL_SLOTS, 100, 0 }, { 1 + 3 * RL_SLOTS, 100, 0 },
		{ 1 + 4 * RL_SLOTS, 100, 0 }, { 1 + 4 * RL_SLOTS, 101, -1 },
		{ 1, 101, 0 } } },
};

START_TEST(rl_runs)
{
	struct rl_slot	tab[RL_SLOTS];
	size_t		i, slot;
	long		got, opened;

	memset(tab, 0, sizeof(tab));
	for (i = 0; i < 12 && runs[_i].ev[i].key != 0; i++) {
		got = rl_hit(tab, RL_SLOTS, runs[_i].ev[i].key,
		    runs[_i].ev[i].now, W, &slot, &opened);
		ck_assert_msg(got == runs[_i].ev[i].want,
		    "%s: line %zu: got %ld, want %ld", runs[_i].name, i, got,
		    runs[_i].ev[i].want);
		if (got >= 0)
			ck_assert_int_eq(opened, runs[_i].ev[i].now);
	}
}
END_TEST

/* rl_closed(): the opener's summary, once, after the window. */
START_TEST(rl_summary)
{
	struct rl_slot	tab[RL_SLOTS];
	size_t		slot, s2;
	long		opened, o2;

	memset(tab, 0, sizeof(tab));
	ck_assert_int_eq(rl_hit(tab, RL_SLOTS, 9, 100, W, &slot, &opened), 0);
	ck_assert_int_eq(rl_hit(tab, RL_SLOTS, 9, 101, W, &s2, &o2), -1);
	ck_assert_int_eq(rl_hit(tab, RL_SLOTS, 9, 103, W, &s2, &o2), -1);
	/* Open: ask again later. */
	ck_assert_int_eq(rl_closed(tab, slot, 9, opened, 104, W), -1);
	/* Closed: the two drops, once. */
	ck_assert_int_eq(rl_closed(tab, slot, 9, opened, 105, W), 2);
	ck_assert_int_eq(rl_closed(tab, slot, 9, opened, 106, W), 0);
	/* The next line has nothing left to report. */
	ck_assert_int_eq(rl_hit(tab, RL_SLOTS, 9, 120, W, &slot, &opened), 0);
	ck_assert_int_eq(rl_hit(tab, RL_SLOTS, 9, 121, W, &s2, &o2), -1);
	/* A later line took the drops: the old opener has none. */
	ck_assert_int_eq(rl_hit(tab, RL_SLOTS, 9, 125, W, &s2, &o2), 1);
	ck_assert_int_eq(rl_closed(tab, slot, 9, opened, 130, W), 0);
	/* Another kind in the slot: nothing for us. */
	ck_assert_int_eq(rl_closed(tab, s2, 10, o2, 130, W), 0);
}
END_TEST

START_TEST(rl_key_nonzero)
{
	ck_assert(rl_key("") != 0);
	ck_assert(rl_key("db 57P01 ping") != rl_key("db 57P01 user"));
	ck_assert(rl_key("req - 404") == rl_key("req - 404"));
}
END_TEST

static const struct {
	const char	*in, *out;
	size_t		 sz;
} lines[] = {
	{ "one line", "one line", 64 },
	/* libpq's two-line connection failure */
	{ "connection to server at \"127.0.0.1\", port 5 failed: Connection "
	    "refused\n\tIs the server running on that host?\n",
	    "connection to server at \"127.0.0.1\", port 5 failed: Connection "
	    "refused Is the server running on that host?", 200 },
	{ "ERROR:  relation \"x\" does not exist\nLINE 1: SELECT\n",
	    "ERROR: relation \"x\" does not exist LINE 1: SELECT", 100 },
	{ "\r\n  lead and trail \n\n", "lead and trail", 64 },
	{ "bell\a and del\x7f", "bell? and del?", 64 },
	{ "truncated here", "trunc", 6 },
	{ "", "", 4 },
};

START_TEST(oneline)
{
	char	buf[256];

	memset(buf, 'x', sizeof(buf));
	log_oneline(buf, lines[_i].sz, lines[_i].in);
	ck_assert_str_eq(buf, lines[_i].out);
	ck_assert(strchr(buf, '\n') == NULL);
}
END_TEST

/* JSON strings: what each text becomes, and what json-c reads back. */
static const struct {
	const char	*in, *json, *back;
	size_t		 sz;
} jstrings[] = {
	{ "plain", "\"plain\"", "plain", 64 },
	{ "", "\"\"", "", 64 },
	{ "say \"hi\" \\ there", "\"say \\\"hi\\\" \\\\ there\"",
	    "say \"hi\" \\ there", 64 },
	{ "a\nb\tc\rd", "\"a\\nb\\tc\\rd\"", "a\nb\tc\rd", 64 },
	{ "bell\a del\x7f", "\"bell\\u0007 del\\u007f\"", "bell\a del\x7f",
	    64 },
	/* Well-formed UTF-8 goes as it is. */
	{ "caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"",
	    "caf\xc3\xa9 \xe2\x82\xac", 64 },
	/* Anything else: its bytes as \xNN text. */
	{ "bad \xff\xc3", "\"bad \\\\xff\\\\xc3\"", "bad \\xff\\xc3", 64 },
	/* Truncated: never inside an escape or a character. */
	{ "abc\"def", "\"abc\"", "abc", 7 },
	{ "ab\xe2\x82\xac", "\"ab\"", "ab", 7 },
	{ "ab\xe2\x82\xac", "\"ab\xe2\x82\xac\"", "ab\xe2\x82\xac", 8 },
};

START_TEST(json_strings)
{
	char			 buf[128];
	struct json_object	*o;
	size_t			 n;

	n = log_json_string(buf, jstrings[_i].sz, jstrings[_i].in);
	ck_assert_str_eq(buf, jstrings[_i].json);
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_uint_lt(n, jstrings[_i].sz);
	o = json_tokener_parse(buf);
	ck_assert_msg(o != NULL, "%s does not parse", buf);
	ck_assert_str_eq(json_object_get_string(o), jstrings[_i].back);
	json_object_put(o);
}
END_TEST

/* A key of a parsed line, which must be there. */
static struct json_object *
field(struct json_object *o, const char *key)
{
	struct json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return v;
}

START_TEST(json_lines)
{
	char			 buf[2048];
	struct json_object	*o;

	log_json_line(buf, sizeof(buf), "2024-05-01T12:00:00.123Z", "warning",
	    4242, "database: \"x\" failed\twith \xff");
	o = json_tokener_parse(buf);
	ck_assert_msg(o != NULL, "%s", buf);
	ck_assert_str_eq(json_object_get_string(field(o, "time")),
	    "2024-05-01T12:00:00.123Z");
	ck_assert_str_eq(json_object_get_string(field(o, "level")), "warning");
	ck_assert_int_eq(json_object_get_int(field(o, "pid")), 4242);
	ck_assert_str_eq(json_object_get_string(field(o, "msg")),
	    "database: \"x\" failed\twith \\xff");
	ck_assert(strchr(buf, '\n') == NULL);
	json_object_put(o);
}
END_TEST

START_TEST(json_requests)
{
	const struct log_request q = { .id = "77-3", .method = "POST",
	    .route = "confirm_signup", .path = "/confirm/signup/*",
	    .client = "2001:db8::1", .status = 404, .ms = 1.23456,
	    .worker = 3, .db = 2 };
	const struct log_request anon = { .id = "1-1", .method = "GET",
	    .route = "unknown", .path = "/x\\x22\"", .client = NULL,
	    .status = 404, .ms = 0, .worker = -1, .db = -1 };
	char			 buf[2048];
	struct json_object	*o, *v;

	log_json_request(buf, sizeof(buf), "T", "info", 77, &q, 5);
	o = json_tokener_parse(buf);
	ck_assert_msg(o != NULL, "%s", buf);
	ck_assert_str_eq(json_object_get_string(field(o, "request_id")),
	    "77-3");
	ck_assert_str_eq(json_object_get_string(field(o, "method")), "POST");
	ck_assert_str_eq(json_object_get_string(field(o, "route")),
	    "confirm_signup");
	ck_assert_str_eq(json_object_get_string(field(o, "path")),
	    "/confirm/signup/*");
	ck_assert_str_eq(json_object_get_string(field(o, "client")),
	    "2001:db8::1");
	ck_assert_int_eq(json_object_get_int(field(o, "status")), 404);
	ck_assert_int_eq(json_object_get_int(field(o, "worker")), 3);
	ck_assert_int_eq(json_object_get_int(field(o, "dropped")), 5);
	ck_assert_int_eq(json_object_get_int(field(o, "db_round_trips")), 2);
	ck_assert(json_object_get_double(field(o, "duration_ms")) > 1.234 &&
	    json_object_get_double(field(o, "duration_ms")) < 1.236);
	json_object_put(o);

	log_json_request(buf, sizeof(buf), "T", "info", 1, &anon, 0);
	o = json_tokener_parse(buf);
	ck_assert_msg(o != NULL, "%s", buf);
	ck_assert(!json_object_object_get_ex(o, "worker", &v));
	ck_assert(!json_object_object_get_ex(o, "dropped", &v));
	ck_assert(!json_object_object_get_ex(o, "db_round_trips", &v));
	ck_assert_str_eq(json_object_get_string(field(o, "client")), "");
	ck_assert_str_eq(json_object_get_string(field(o, "path")),
	    "/x\\x22\"");
	json_object_put(o);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, rl_runs, 0, sizeof(runs) / sizeof(runs[0]));
	tcase_add_test(tc, rl_summary);
	tcase_add_test(tc, rl_key_nonzero);
	tcase_add_loop_test(tc, oneline, 0, sizeof(lines) / sizeof(lines[0]));
	tcase_add_loop_test(tc, json_strings, 0,
	    sizeof(jstrings) / sizeof(jstrings[0]));
	tcase_add_test(tc, json_lines);
	tcase_add_test(tc, json_requests);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
