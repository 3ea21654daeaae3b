/*
 * Unit tests: where an SMTP dialogue stands (mail/dialogue.c), from the
 * commands written and the replies read, as libesmtp's monitor passes
 * them (replies in any pieces).  ISC licence.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail/dialogue.h"

/*
 * Each step: 'C' connected, 'W' text written, 'R' text read, 'M' the
 * message handed over; then the phase and its words.
 */
static const struct {
	const char		*name;
	const char		*steps[12];
	enum dialogue_phase	 phase;
	const char		*what;
} cases[] = {
	{ "nothing yet", { NULL }, DLG_CONNECT, "connecting" },
	{ "no greeting", { "C" }, DLG_GREETING, "the greeting" },
	{ "greeting in pieces", { "C", "R22", "R0 mx ESMTP" },
	    DLG_GREETING, "the greeting" },
	{ "no EHLO reply", { "C", "R220 mx\r\n", "WEHLO me\r\n" },
	    DLG_HELLO, "the reply to EHLO" },
	{ "multi-line EHLO reply, then MAIL",
	    { "C", "R220 mx\r\n", "WEHLO me\r\n",
	    "R250-mx\r\n250-PIPELINING\r\n", "R250 8BITMIME\r\n",
	    "WMAIL FROM:<a@b>\r\n" }, DLG_ENVELOPE, "the reply to MAIL FROM" },
	{ "pipelined envelope, MAIL answered",
	    { "C", "R220 mx\r\n", "WEHLO me\r\n", "R250 mx\r\n",
	    "WMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n", "R250 ok\r\n" },
	    DLG_ENVELOPE, "the reply to RCPT TO" },
	{ "DATA not answered",
	    { "C", "R220 mx\r\n", "WEHLO me\r\n", "R250 mx\r\n",
	    "WMAIL FROM:<a@b>\r\n", "R250 ok\r\n", "WRCPT TO:<c@d>\r\n",
	    "R250 ok\r\n", "WDATA\r\n" }, DLG_ENVELOPE, "the reply to DATA" },
	{ "sending the message",
	    { "C", "R220 mx\r\n", "WEHLO me\r\n", "R250 mx\r\n",
	    "WMAIL FROM:<a@b>\r\n", "R250 ok\r\n", "WRCPT TO:<c@d>\r\n",
	    "R250 ok\r\n", "WDATA\r\n", "R354 go on\r\n" },
	    DLG_MESSAGE, "sending the message" },
	{ "the final dot not answered (was \"message refused: 354\")",
	    { "C", "R220 mx\r\n", "WEHLO me\r\n", "R250 mx\r\n",
	    "WMAIL FROM:<a@b>\r\n", "R250 ok\r\n", "WRCPT TO:<c@d>\r\n",
	    "R250 ok\r\n", "WDATA\r\n", "R354 go on\r\n", "M" },
	    DLG_DATA_END, "the reply to the end of data" },
	{ "QUIT after the 250",
	    { "C", "R220 mx\r\n", "WEHLO me\r\n", "R250 mx\r\n",
	    "WMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
	    "R250 ok\r\n250 ok\r\n354 go\r\n", "M", "R250 queued\r\n",
	    "WQUIT\r\n" }, DLG_QUIT, "the reply to QUIT" },
	{ "AUTH LOGIN's exchange",
	    { "C", "R220 mx\r\n", "WEHLO me\r\n", "R250 AUTH LOGIN\r\n",
	    "WAUTH LOGIN\r\n", "R334 VXNlcm5hbWU6\r\n", "WYW5u\r\n" },
	    DLG_HELLO, "the reply to AUTH" },
	{ "STARTTLS", { "C", "R220 mx\r\n", "Wstarttls\r\n" },
	    DLG_HELLO, "the reply to STARTTLS" },
	{ "code-only replies", { "C", "R220\r\n", "WHELO me\r\n", "R250\r\n",
	    "WRSET\r\n" }, DLG_ENVELOPE, "the reply to RSET" },
	/* Nothing outstanding: libesmtp gave up on its own (no STARTTLS). */
	{ "nothing outstanding", { "C", "R220 mx\r\n", "WEHLO me\r\n",
	    "R250 mx\r\n" }, DLG_OTHER, "the session" },
};

/* Run the steps of case i on d. */
static void
play(struct dialogue *d, size_t i)
{
	const char	*s;
	size_t		 k;

	dialogue_init(d);
	for (k = 0; (s = cases[i].steps[k]) != NULL; k++)
		switch (s[0]) {
		case 'C':
			d->connected = true;
			break;
		case 'M':
			d->message_done = true;
			break;
		case 'W':
			dialogue_wrote(d, s + 1, strlen(s + 1));
			break;
		case 'R':
			dialogue_read(d, s + 1, strlen(s + 1));
			break;
		}
}

START_TEST(phases)
{
	struct dialogue	d;
	char		what[48];

	play(&d, (size_t)_i);
	ck_assert_msg(dialogue_phase(&d, what, sizeof(what)) ==
	    cases[_i].phase, "%s: phase %d", cases[_i].name,
	    (int)dialogue_phase(&d, NULL, 0));
	ck_assert_str_eq(what, cases[_i].what);
}
END_TEST

START_TEST(auth_outcome)
{
	struct dialogue	d;

	dialogue_init(&d);
	d.connected = true;
	dialogue_read(&d, "220 mx\r\n", 8);
	dialogue_wrote(&d, "EHLO me\r\n", 9);
	dialogue_read(&d, "250 AUTH PLAIN\r\n", 16);
	ck_assert(!d.auth_tried && !d.auth_ok);
	dialogue_wrote(&d, "AUTH PLAIN AGFubgB4\r\n", 20);
	ck_assert(d.auth_tried && !d.auth_ok);
	dialogue_read(&d, "535 no\r\n", 8);
	ck_assert(!d.auth_ok);
	dialogue_wrote(&d, "AUTH PLAIN AGFubgB5\r\n", 20);
	dialogue_read(&d, "235 ok\r\n", 8);
	ck_assert(d.auth_ok);
	ck_assert_int_eq(d.last_code, 235);
}
END_TEST

/* The greeting's code is kept: a 421 greeting means no session. */
START_TEST(greeting_code)
{
	struct dialogue	d;

	dialogue_init(&d);
	d.connected = true;
	ck_assert_int_eq(d.greeting_code, 0);
	dialogue_read(&d, "421-busy\r\n421 try later\r\n", 25);
	ck_assert_int_eq(d.greeting_code, 421);
	dialogue_wrote(&d, "QUIT\r\n", 6);
	dialogue_read(&d, "221 bye\r\n", 9);
	ck_assert_int_eq(d.greeting_code, 421);
	ck_assert_int_eq(d.last_code, 221);
}
END_TEST

/* The final dot's reply marks the data answered, whatever its code. */
START_TEST(data_answered)
{
	struct dialogue	d;

	play(&d, 8);	/* "the final dot not answered" */
	ck_assert(!d.data_answered);
	dialogue_read(&d, "554 no\r\n", 8);
	ck_assert(d.data_answered && !d.in_data);
	ck_assert_int_eq(d.last_code, 554);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dialogue");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, phases, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, auth_outcome);
	tcase_add_test(tc, greeting_code);
	tcase_add_test(tc, data_answered);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
