/*
 * Unit tests: the pure parts of core/event.c: which limit a throttle key
 * is, the outcome of a failed step from its problem, the names the audit
 * table's CHECKs accept, the user agent as a row keeps it, and the row a
 * login's own statement writes (event_row()).  ISC licence.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "db/audit.h"

static const struct {
	const char			*key;
	enum event_throttle_kind	 kind;
} keys[] = {
	{ "login-addr:192.0.2.1", TH_LOGIN_ADDRESS },
	{ "login-addr:2001:db8::/64", TH_LOGIN_ADDRESS },
	{ "login-id:42", TH_LOGIN_ACCOUNT },
	{ "login:nobody", TH_LOGIN_ACCOUNT },
	{ "signup-addr:192.0.2.1", TH_SIGNUP_ADDRESS },
	{ "signup:ann@example.org", TH_SIGNUP_EMAIL },
	{ "signup-day:ann@example.org", TH_SIGNUP_EMAIL },
	{ "reset-addr:192.0.2.1", TH_RESET_ADDRESS },
	{ "reset:ann", TH_RESET_EMAIL },
	{ "reset-day:ann", TH_RESET_EMAIL },
	{ "reset-mail:ann@example.org", TH_RESET_MAILBOX },
	{ "email-addr:192.0.2.1", TH_EMAIL_CHANGE_ADDRESS },
	{ "email-user:6f1c...", TH_EMAIL_CHANGE_USER },
	{ "email-change:new@example.org", TH_EMAIL_CHANGE_EMAIL },
	{ "email-change-day:new@example.org", TH_EMAIL_CHANGE_EMAIL },
	{ "invite:p:u", TH_INVITE },
	/* Prefixes of a known action, or longer words, are not it. */
	{ "login-a:x", TH_OTHER },
	{ "login-addrs:x", TH_OTHER },
	{ "", TH_OTHER },
	{ "login", TH_LOGIN_ACCOUNT },
	{ "whatever:x", TH_OTHER },
};

START_TEST(throttle_kinds)
{
	ck_assert_int_eq(event_throttle_kind(keys[_i].key), keys[_i].kind);
}
END_TEST

static const struct {
	struct problem		p;
	enum event_outcome	refused, want;
} outcomes[] = {
	{ { .kind = PROB_LOGIN_FAILED }, OUT_BAD_PASSWORD, OUT_BAD_PASSWORD },
	{ { .kind = PROB_LOGIN_FAILED }, OUT_BAD_SECOND_FACTOR,
	    OUT_BAD_SECOND_FACTOR },
	{ { .kind = PROB_VALIDATION }, OUT_BAD_CODE, OUT_BAD_CODE },
	{ { .kind = PROB_RATE_LIMITED, .retry_after = 30 }, OUT_BAD_PASSWORD,
	    OUT_THROTTLED },
	{ { .kind = PROB_UNAVAILABLE, .retry_after = 1 }, OUT_BAD_PASSWORD,
	    OUT_BUSY },
	{ { .kind = PROB_UNAVAILABLE }, OUT_BAD_PASSWORD, OUT_ERROR },
	{ { .kind = PROB_INTERNAL }, OUT_BAD_PASSWORD, OUT_ERROR },
};

START_TEST(outcome_of)
{
	ck_assert_int_eq(event_outcome_of(&outcomes[_i].p,
	    outcomes[_i].refused), outcomes[_i].want);
}
END_TEST

/* Every name, as auth_events' CHECK (kind ~ '^[a-z_]{1,40}$') wants. */
static void
name_ok(const char *s)
{
	ck_assert_ptr_nonnull(s);
	ck_assert(strlen(s) >= 1 && strlen(s) <= 40);
	ck_assert_msg(strspn(s, "abcdefghijklmnopqrstuvwxyz_") == strlen(s),
	    "%s", s);
}

START_TEST(names)
{
	unsigned	i, j;

	for (i = 0; i < EV_KINDS; i++)
		name_ok(event_kind_name(i));
	for (i = 0; i < OUT_KINDS; i++)
		name_ok(event_outcome_name(i));
	for (i = 0; i < TH_KINDS; i++)
		name_ok(event_throttle_name(i));
	ck_assert_ptr_null(event_kind_name(EV_KINDS));
	ck_assert_ptr_null(event_outcome_name(OUT_KINDS));
	ck_assert_ptr_null(event_throttle_name(TH_KINDS));
	for (i = 0; i < EV_KINDS; i++)
		for (j = i + 1; j < EV_KINDS; j++)
			ck_assert_str_ne(event_kind_name(i), event_kind_name(j));
	ck_assert_str_eq(event_kind_name(EV_LOGIN), "login");
	ck_assert_str_eq(event_outcome_name(OUT_OK), "ok");
}
END_TEST

static const struct {
	const char	*in, *out;
} agents[] = {
	{ "curl/7.88.1", "curl/7.88.1" },
	{ "", "" },
	{ "a\"b\\c", "a\\x22b\\x5cc" },
	{ "new\nline\x01", "new\\x0aline\\x01" },
	{ "caf\xc3\xa9", "caf\\xc3\\xa9" },
};

START_TEST(agent_forms)
{
	char	buf[EVENT_AGENT_MAX + 1];

	ck_assert_str_eq(event_agent(buf, agents[_i].in), agents[_i].out);
}
END_TEST

START_TEST(agent_bounded)
{
	char	 buf[EVENT_AGENT_MAX + 1], *big;

	big = malloc(5000);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	event_agent(buf, big);
	ck_assert_uint_le(strlen(buf), EVENT_AGENT_MAX);
	ck_assert(strstr(buf, "...") != NULL);
	memset(big, '\n', 4999);
	event_agent(buf, big);
	ck_assert_uint_le(strlen(buf), EVENT_AGENT_MAX);
	free(big);
	ck_assert_str_eq(event_agent(buf, NULL), "");
}
END_TEST

/* event_row(): whose row it is, and the origin's columns. */
static const struct {
	long long	 id;
	const char	*gid;
	long long	 want_id;
	const char	*want_gid;
} whose[] = {
	{ 0, NULL, 7, "g-seven" },	/* the origin's token user */
	{ 7, NULL, 7, "g-seven" },	/* that user by id: its gid too */
	{ 9, "g-nine", 9, "g-nine" },
	{ 9, NULL, 9, NULL },		/* another user: no gid to lend */
};

START_TEST(row_whose)
{
	struct audit_row	a;

	event_begin(&(struct event_origin){ .persona = 1,
	    .personality = "unicat", .request = "req-1",
	    .client = "192.0.2.7", .agent = "curl/8\n", .user_id = 7,
	    .user_gid = "g-seven" });
	event_row(EV_LOGIN, OUT_BAD_PASSWORD, whose[_i].id, whose[_i].gid, &a);
	ck_assert_str_eq(a.kind, "login");
	ck_assert_str_eq(a.outcome, "bad_password");
	ck_assert_int_eq(a.user_id, whose[_i].want_id);
	if (whose[_i].want_gid == NULL)
		ck_assert_ptr_null(a.user_gid);
	else
		ck_assert_str_eq(a.user_gid, whose[_i].want_gid);
	ck_assert_str_eq(a.client, "192.0.2.7");
	ck_assert_str_eq(a.personality, "unicat");
	ck_assert_str_eq(a.user_agent, "curl/8\\x0a");
	ck_assert_str_eq(a.request_id, "req-1");
}
END_TEST

/* A client that is no address, and no agent: SQL NULLs, not "". */
START_TEST(row_nulls)
{
	struct audit_row	a;

	event_begin(&(struct event_origin){ .client = "unix:", .agent = NULL });
	event_row(EV_LOGIN, OUT_OK, 3, "g-three", &a);
	ck_assert_str_eq(a.outcome, "ok");
	ck_assert_ptr_null(a.client);
	ck_assert_ptr_null(a.personality);
	ck_assert_ptr_null(a.user_agent);
	ck_assert_ptr_null(a.request_id);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("event");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, throttle_kinds, 0,
	    sizeof(keys) / sizeof(keys[0]));
	tcase_add_loop_test(tc, outcome_of, 0,
	    sizeof(outcomes) / sizeof(outcomes[0]));
	tcase_add_test(tc, names);
	tcase_add_loop_test(tc, agent_forms, 0,
	    sizeof(agents) / sizeof(agents[0]));
	tcase_add_test(tc, agent_bounded);
	tcase_add_loop_test(tc, row_whose, 0, sizeof(whose) / sizeof(whose[0]));
	tcase_add_test(tc, row_nulls);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
