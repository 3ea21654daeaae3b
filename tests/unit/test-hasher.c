/* Unit tests: scrypt in a process of its own. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libscrypt.h>

#include "base/hasher.h"

static const uint8_t	salt[16] = "signet/unittest!";

/* Fork a hasher on the queue hasher_open() made; this process keeps sending. */
static pid_t
fork_hasher(void)
{
	pid_t	pid;

	ck_assert_int_eq(hasher_open(), 0);
	if ((pid = fork()) == 0) {
		hasher_keep(false, true);
		_exit(hasher_run());
	}
	ck_assert_int_gt(pid, 0);
	hasher_keep(true, false);
	return pid;
}

/* Exit status of pid, waiting at most 10 s; -1 if it did not end. */
static int
ended(pid_t pid)
{
	int	i, status;

	for (i = 0; i < 1000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(10000);
	}
	return -1;
}

/*
 * Password lengths around HMAC-SHA-256's 64-byte block: a longer one goes
 * to the hasher as its SHA-256, and the hash must not change.
 */
static const size_t	lengths[] = { 0, 1, 32, 63, 64, 65, 100, 1024, 70000 };

static char *
password(size_t len)
{
	char	*pw;
	size_t	 i;

	ck_assert_ptr_nonnull(pw = malloc(len + 1));
	for (i = 0; i < len; i++)
		pw[i] = (char)('!' + (i * 7 + len) % 90);
	pw[len] = '\0';
	return pw;
}

/* What libscrypt says here, with the whole password. */
static void
expect(const char *pw, uint64_t n, uint8_t out[64])
{
	ck_assert_int_eq(libscrypt_scrypt((const uint8_t *)pw, strlen(pw), salt,
	    sizeof(salt), n, 8, 1, out, 64), 0);
}

START_TEST(in_process)
{
	uint8_t	 got[64], want[64];
	char	*pw = password(lengths[_i]);

	expect(pw, 1024, want);
	ck_assert_int_eq(hasher_scrypt(pw, salt, sizeof(salt), 1024, 8, 1, got,
	    64), 0);
	ck_assert_mem_eq(got, want, 64);
	free(pw);
}
END_TEST

START_TEST(by_a_hasher)
{
	uint8_t	 got[64], want[64];
	char	*pw = password(lengths[_i]);
	pid_t	 pid = fork_hasher();

	expect(pw, 1024, want);
	ck_assert_int_eq(hasher_scrypt(pw, salt, sizeof(salt), 1024, 8, 1, got,
	    64), 0);
	ck_assert_mem_eq(got, want, 64);
	/* A second ask, on the same hasher. */
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(hasher_scrypt(pw, salt, sizeof(salt), 1024, 8, 1, got,
	    64), 0);
	ck_assert_mem_eq(got, want, 64);
	/* Nobody left to ask: the hasher leaves by itself, status 0. */
	hasher_keep(false, false);
	ck_assert_int_eq(ended(pid), 0);
	free(pw);
}
END_TEST

/* Fewer bytes out, and a hash libscrypt refuses, answered as such. */
START_TEST(lengths_and_failures)
{
	uint8_t	 got[64], want[64];
	pid_t	 pid = fork_hasher();

	ck_assert_int_eq(libscrypt_scrypt((const uint8_t *)"pw", 2, salt, 8,
	    1024, 8, 1, want, 20), 0);
	ck_assert_int_eq(hasher_scrypt("pw", salt, 8, 1024, 8, 1, got, 20), 0);
	ck_assert_mem_eq(got, want, 20);
	/* N not a power of two: libscrypt's -1, from the hasher. */
	ck_assert_int_eq(hasher_scrypt("pw", salt, 8, 1000, 8, 1, got, 64), -1);
	/* The hasher is still there for the next. */
	ck_assert_int_eq(hasher_scrypt("pw", salt, 8, 1024, 8, 1, got, 20), 0);
	ck_assert_mem_eq(got, want, 20);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(ended(pid), 0);
}
END_TEST

/* A hasher that dies while hashing: the asker hears of it at once. */
START_TEST(hasher_killed)
{
	uint8_t			 got[64];
	struct timespec		 t0, t1;
	pid_t			 pid = fork_hasher(), killer;

	if ((killer = fork()) == 0) {
		usleep(50000);
		_exit(kill(pid, SIGKILL) == 0 ? 0 : 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* 2^18 * 8 * 128 bytes: 256 MiB, long enough to be killed in. */
	ck_assert_int_eq(hasher_scrypt("pw", salt, 8, 1 << 18, 8, 1, got, 64),
	    -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq(ended(killer), 0);
	ck_assert_int_eq(ended(pid), 128);
	ck_assert(t1.tv_sec - t0.tv_sec < 30);
}
END_TEST

/* SIGINT and SIGHUP are the master's; SIGTERM while idle ends a hasher. */
START_TEST(signals)
{
	uint8_t	 got[64], want[64];
	pid_t	 pid = fork_hasher();

	expect("pw", 1024, want);
	/* An answer: the hasher runs, its handlers set. */
	ck_assert_int_eq(hasher_scrypt("pw", salt, sizeof(salt), 1024, 8, 1, got,
	    64), 0);
	ck_assert_int_eq(kill(pid, SIGINT), 0);
	ck_assert_int_eq(kill(pid, SIGHUP), 0);
	ck_assert_int_eq(hasher_scrypt("pw", salt, sizeof(salt), 1024, 8, 1, got,
	    64), 0);
	ck_assert_mem_eq(got, want, 64);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(ended(pid), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("hasher");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 n = sizeof(lengths) / sizeof(lengths[0]), failed;

	tcase_add_loop_test(tc, in_process, 0, n);
	tcase_add_loop_test(tc, by_a_hasher, 0, n);
	tcase_add_test(tc, lengths_and_failures);
	tcase_add_test(tc, hasher_killed);
	tcase_add_test(tc, signals);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
