/* Unit tests: the mailer's retry policy and its Message-IDs. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mailer.h"
#include "mail/message.h"

static const unsigned char	key1[] = "0123456789abcdef0123456789abcdef";
static const unsigned char	key2[] = "fedcba9876543210fedcba9876543210";

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

/* The Message-ID of an outbox row: one per row, the same every attempt. */
static const struct {
	const char		*from;
	long long		 id, created;
	const unsigned char	*key;
	const char		*domain;	/* what follows the "@" */
} ids[] = {
	{ "signet@example.org", 1, 1700000000000000LL, key1, "example.org>" },
	{ "Signet <noreply@mail.example.org>", 2, 1700000000000001LL, key1,
	    "mail.example.org>" },
	{ "signet@localhost", 3, 1700000000000000LL, key2, "localhost>" },
	/* A domain that cannot stand in a Message-ID: localhost. */
	{ "odd@exa mple", 4, 1, key1, "localhost>" },
	{ "no-domain", 5, 1, key1, "localhost>" },
};

#define NIDS	(sizeof(ids) / sizeof(ids[0]))

static void
id_of(char *buf, size_t i, long long id, long long created,
    const unsigned char *key)
{
	message_id(buf, MESSAGE_ID_MAX, ids[i].from, id, created, key,
	    sizeof(key1) - 1);
}

START_TEST(message_id_form)
{
	char	a[MESSAGE_ID_MAX], b[MESSAGE_ID_MAX];
	size_t	i;

	id_of(a, (size_t)_i, ids[_i].id, ids[_i].created, ids[_i].key);
	/* "<" 32 hex digits "@" domain ">" */
	ck_assert_int_eq(a[0], '<');
	for (i = 1; i <= 32; i++)
		ck_assert_msg(isxdigit((unsigned char)a[i]), "%s", a);
	ck_assert_int_eq(a[33], '@');
	ck_assert_str_eq(a + 34, ids[_i].domain);
	ck_assert(message_header_ok(a));
	/* Every attempt at the row: the same. */
	id_of(b, (size_t)_i, ids[_i].id, ids[_i].created, ids[_i].key);
	ck_assert_str_eq(a, b);
	/* Another row, another time, another key: another. */
	id_of(b, (size_t)_i, ids[_i].id + 1, ids[_i].created, ids[_i].key);
	ck_assert_str_ne(a, b);
	id_of(b, (size_t)_i, ids[_i].id, ids[_i].created + 1, ids[_i].key);
	ck_assert_str_ne(a, b);
	id_of(b, (size_t)_i, ids[_i].id, ids[_i].created,
	    ids[_i].key == key1 ? key2 : key1);
	ck_assert_str_ne(a, b);
}
END_TEST

/* The composed message carries it, once. */
START_TEST(message_id_in_message)
{
	char	id[MESSAGE_ID_MAX], *m, *p;

	message_id(id, sizeof(id), "signet@example.org", 42, 7, key1,
	    sizeof(key1) - 1);
	m = message_compose_id("signet@example.org", "ann@example.net", "s",
	    "b\n", id);
	ck_assert_ptr_nonnull(m);
	p = strstr(m, "\r\nMessage-ID: ");
	ck_assert_ptr_nonnull(p);
	ck_assert(strncmp(p + 14, id, strlen(id)) == 0);
	ck_assert_ptr_null(strstr(p + 14, "Message-ID:"));
	free(m);
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
	tcase_add_loop_test(tc, message_id_form, 0, NIDS);
	tcase_add_test(tc, message_id_in_message);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
