/* Unit tests: scrypt password records. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libscrypt.h>

#include "base/conf.h"
#include "core/password.h"
#include "base/scoreboard.h"

static struct conf	c;

/* Cheap parameters: N = 2^10, r = 8, p = 1 (1 MiB, about 2 ms). */
static void
setup(void)
{
	memset(&c, 0, sizeof(c));
	c.scrypt_n = 1024;
	c.scrypt_r = 8;
	c.scrypt_p = 1;
	cf = &c;
	c.hash_wait_ms = 200;
	if (sb == NULL)
		scoreboard_init(NULL, 2, 2);
}

/* Free permits (of 2): every one given back after each use. */
static int
permits(void)
{
	int	 holding, waiting;

	scoreboard_permits(&holding, &waiting);
	ck_assert_int_eq(waiting, 0);
	return 2 - holding;
}

START_TEST(round_trip)
{
	char	 mcf[PASSWORD_MCF_LEN], mcf2[PASSWORD_MCF_LEN];

	ck_assert_int_eq(password_hash("correct horse", mcf), 0);
	ck_assert_int_eq(strncmp(mcf, "$s1$0a0801$", 11), 0);
	ck_assert_uint_eq(strlen(mcf), 124);
	ck_assert(password_verify("correct horse", mcf));
	ck_assert(!password_verify("correct horsf", mcf));
	ck_assert(!password_verify("", mcf));
	ck_assert(!password_verify(NULL, mcf));
	ck_assert(!password_verify("correct horse ", mcf));
	ck_assert_int_eq(password_hash("correct horse", mcf2), 0);
	ck_assert_str_ne(mcf, mcf2);		/* fresh salt each time */
	ck_assert(password_verify("correct horse", mcf2));
	ck_assert_int_eq(permits(), 2);		/* every permit given back */
}
END_TEST

START_TEST(unicode_and_long)
{
	char	 mcf[PASSWORD_MCF_LEN], big[1025];

	ck_assert_int_eq(password_hash("пароль ünïcödé 密码", mcf), 0);
	ck_assert(password_verify("пароль ünïcödé 密码", mcf));
	ck_assert(!password_verify("пароль unicode 密码", mcf));
	memset(big, 'q', 1024);
	big[1024] = '\0';
	ck_assert_int_eq(password_hash(big, mcf), 0);
	ck_assert(password_verify(big, mcf));
	big[1023] = 'r';
	ck_assert(!password_verify(big, mcf));
}
END_TEST

/* Records made by libscrypt itself verify, and ours pass its check. */
START_TEST(libscrypt_interop)
{
	char	 mcf[PASSWORD_MCF_LEN], copy[PASSWORD_MCF_LEN];

	ck_assert_int_eq(libscrypt_hash(mcf, "hunter22", 1024, 8, 1), 1);
	ck_assert(password_verify("hunter22", mcf));
	ck_assert(!password_verify("hunter23", mcf));
	ck_assert(!password_needs_rehash(mcf));

	ck_assert_int_eq(password_hash("hunter22", mcf), 0);
	strcpy(copy, mcf);
	ck_assert_int_gt(libscrypt_check(copy, "hunter22"), 0);
	strcpy(copy, mcf);
	ck_assert_int_eq(libscrypt_check(copy, "hunter23"), 0);
}
END_TEST

/* 64 zero bytes in base64: a well-formed hash field. */
#define H64	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
		"AAAAAAAAAAAAAAAAAAAAAAAAAA=="

static const char *const garbage[] = {
	NULL,
	"",
	"!",
	"$s1$",
	"$s1$0a0801$",
	"$s1$0a0801$c2FsdA==$",
	"$s1$0a0801$c2FsdA==$aGFzaA==",		/* hash not 64 bytes */
	"$s1$0a0801$c2FsdA==$" H64 "$",
	"$s1$zz0801$c2FsdA==$" H64,
	"$s1$0x0801$c2FsdA==$" H64,
	"$s1$$c2FsdA==$" H64,
	"$s1$0000000a0801$c2FsdA==$" H64,	/* 12 hex digits */
	"$s1$000801$c2FsdA==$" H64,		/* N = 2^0 */
	"$s1$0a0001$c2FsdA==$" H64,		/* r = 0 */
	"$s1$0a0800$c2FsdA==$" H64,		/* p = 0 */
	"$s1$1f0801$c2FsdA==$" H64,		/* N = 2^31 */
	"$s1$1e0801$c2FsdA==$" H64,		/* 2^30 * 1 KiB: over the cap */
	"$s1$0a0801$$" H64,			/* no salt */
	"$s1$0a0801$c2Fsd$" H64,		/* bad base64 */
	"$s1$0a0801$c2F*dA==$" H64,
	"$s1$0a0801$c2F=dA==$" H64,
	"$s1$0a0801$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$"
	    H64,				/* salt of 36 bytes */
	"$s2$0a0801$c2FsdA==$" H64,
	"$2y$10$abcdefghijklmnopqrstuuZ7Qqp5gVmcbZV9jM7ryfG5xmYvu5EnS",
	"plaintext password",
};

START_TEST(garbage_records)
{
	ck_assert(!password_verify("plaintext password", garbage[_i]));
	ck_assert(password_needs_rehash(garbage[_i]));
	ck_assert_int_eq(permits(), 2);
}
END_TEST

/* Well formed with the current parameters, but no password gives it. */
START_TEST(wrong_hash)
{
	const char	*mcf = "$s1$0a0801$c2FsdA==$" H64;

	ck_assert(!password_verify("", mcf));
	ck_assert(!password_verify("salt", mcf));
	ck_assert(!password_needs_rehash(mcf));
}
END_TEST

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * The parameters test: the configured N/r/p reach the record and the
 * rehash decision, and an unknown user costs as much as a known one.
 */
START_TEST(parameters)
{
	char	 mcf[PASSWORD_MCF_LEN];
	double	 t, known = 1e9, unknown = 1e9;
	int	 i;

	c.scrypt_n = 16384;
	ck_assert_int_eq(password_hash("pw", mcf), 0);
	ck_assert_int_eq(strncmp(mcf, "$s1$0e0801$", 11), 0);
	ck_assert(!password_needs_rehash(mcf));
	for (i = 0; i < 3; i++) {
		t = now_ms();
		ck_assert(!password_verify("wrong", mcf));
		t = now_ms() - t;
		known = t < known ? t : known;
		t = now_ms();
		ck_assert(!password_verify("wrong", NULL));
		t = now_ms() - t;
		unknown = t < unknown ? t : unknown;
	}
	ck_assert_msg(unknown > known * 0.5 && unknown < known * 2,
	    "known %.2f ms, unknown %.2f ms", known, unknown);

	c.scrypt_n = 32768;
	ck_assert(password_needs_rehash(mcf));
	c.scrypt_n = 16384;
	c.scrypt_r = 4;
	ck_assert(password_needs_rehash(mcf));
	c.scrypt_r = 8;
	c.scrypt_p = 2;
	ck_assert(password_needs_rehash(mcf));
	ck_assert_int_eq(password_hash("pw", mcf), 0);
	ck_assert_int_eq(strncmp(mcf, "$s1$0e0802$", 11), 0);
	ck_assert(password_verify("pw", mcf));
	c.scrypt_p = 1;

	/* what MCF cannot hold, or over 1 GiB, is refused */
	c.scrypt_r = 256;
	ck_assert_int_eq(password_hash("pw", mcf), -1);
	ck_assert(!password_verify("pw", NULL));
	c.scrypt_r = 8;
	c.scrypt_n = 1L << 21;
	ck_assert_int_eq(password_hash("pw", mcf), -1);
	c.scrypt_n = 1000;
	ck_assert_int_eq(password_hash("pw", mcf), -1);
	ck_assert_int_eq(permits(), 2);
}
END_TEST

/* Every permit held by other processes, the queue full: busy at once. */
START_TEST(busy)
{
	char	 mcf[PASSWORD_MCF_LEN], other[PASSWORD_MCF_LEN];
	int	 go[2], done[2], i;
	pid_t	 kids[4];
	char	 b;

	ck_assert_int_eq(password_hash("pw", mcf), 0);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(done), 0);
	/* Two hold a permit, two wait for one: all that may. */
	for (i = 0; i < 4; i++) {
		if ((kids[i] = fork()) == 0) {
			if (scoreboard_hash_enter(5000) == 0) {
				if (write(done[1], "h", 1) != 1 ||
				    read(go[0], &b, 1) != 1)
					_exit(3);
				scoreboard_hash_leave();
			}
			_exit(0);
		}
		if (i < 2)
			ck_assert_int_eq(read(done[0], &b, 1), 1);
	}
	for (;;) {
		int	 holding, waiting;

		scoreboard_permits(&holding, &waiting);
		if (holding == 2 && waiting == 2)
			break;
		usleep(10 * 1000);
	}
	ck_assert_int_eq(password_hash("pw", other), PASSWORD_BUSY);
	ck_assert_int_eq(password_verify("pw", mcf), PASSWORD_BUSY);
	ck_assert_int_eq(write(go[1], "gggg", 4), 4);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(waitpid(kids[i], NULL, 0), kids[i]);
	ck_assert_int_eq(permits(), 2);
	ck_assert_int_eq(password_verify("pw", mcf), 1);
}
END_TEST

START_TEST(calibrate)
{
	long	 n;
	double	 ms;

	ck_assert_int_eq(password_calibrate(5.0, 8, 1, &n, &ms), 0);
	ck_assert_int_ge(n, 2);
	ck_assert_int_eq(n & (n - 1), 0);
	ck_assert(ms <= 5.0);
	ck_assert_int_eq(password_calibrate(5.0, 0, 1, &n, &ms), -1);
	ck_assert_int_eq(password_calibrate(5.0, 8, 256, &n, &ms), -1);
	ck_assert_int_eq(password_calibrate(-1.0, 8, 1, &n, &ms), -1);
	ck_assert_int_eq(permits(), 2);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("password");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, unicode_and_long);
	tcase_add_test(tc, libscrypt_interop);
	tcase_add_loop_test(tc, garbage_records, 0,
	    sizeof(garbage) / sizeof(garbage[0]));
	tcase_add_test(tc, wrong_hash);
	tcase_add_test(tc, parameters);
	tcase_add_test(tc, busy);
	tcase_add_test(tc, calibrate);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
