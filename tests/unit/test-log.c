/*
 * Unit tests: the log's rate limit (base/ratelimit.c: the windows, what
 * each line reports, slots taken over) and log_oneline().  ISC licence.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
