/* Unit tests: scrypt in a process of its own. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
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

/* RFC 7914, section 12: scrypt's own test vectors. */
static const struct {
	const char	*pw, *salt;
	uint64_t	 n;
	uint32_t	 r, p;
	const char	*hex;
} vectors[] = {
	{ "", "", 16, 1, 1,
	  "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
	  "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906" },
	{ "password", "NaCl", 1024, 8, 16,
	  "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
	  "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640" },
	{ "pleaseletmein", "SodiumChloride", 16384, 8, 1,
	  "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
	  "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887" },
};

START_TEST(rfc7914)
{
	uint8_t		 got[64], want[64], lib[64];
	const char	*pw = vectors[_i].pw, *sa = vectors[_i].salt;
	unsigned int	 k, byte;

	for (k = 0; k < 64; k++) {
		ck_assert_int_eq(sscanf(vectors[_i].hex + 2 * k, "%2x", &byte), 1);
		want[k] = (uint8_t)byte;
	}
	ck_assert_int_eq(hasher_kdf((const uint8_t *)pw, strlen(pw),
	    (const uint8_t *)sa, strlen(sa), vectors[_i].n, vectors[_i].r,
	    vectors[_i].p, got, 64), 0);
	ck_assert_mem_eq(got, want, 64);
	/* And what every stored record was made with: libscrypt's bytes. */
	ck_assert_int_eq(libscrypt_scrypt((const uint8_t *)pw, strlen(pw),
	    (const uint8_t *)sa, strlen(sa), vectors[_i].n, vectors[_i].r,
	    vectors[_i].p, lib, 64), 0);
	ck_assert_mem_eq(lib, want, 64);
}
END_TEST

/* What scrypt refuses, hasher_kdf() refuses: -1, never a hash. */
START_TEST(refused)
{
	static const struct {
		uint64_t	n;
		uint32_t	r, p;
	} bad[] = {
		{ 0, 8, 1 }, { 1, 8, 1 }, { 1000, 8, 1 }, { 1024, 0, 1 },
		{ 1024, 8, 0 }, { (uint64_t)1 << 40, 8, 1 },
		{ 1024, 1U << 21, 1 }, { 1024, 8, 1U << 21 },
	};
	uint8_t	 out[64];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hasher_kdf((const uint8_t *)"pw", 2, salt,
		    sizeof(salt), bad[i].n, bad[i].r, bad[i].p, out, 64) == -1,
		    "N=%llu r=%u p=%u", (unsigned long long)bad[i].n, bad[i].r,
		    bad[i].p);
}
END_TEST

/* The resident memory of pid, in KiB, from /proc; -1 if unreadable. */
static long
rss_kib(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * A hasher keeps scrypt's 16 MiB (N = 2^14) between hashes that come one
 * after another, and gives it back once idle.  (AddressSanitizer's own
 * allocator holds freed memory in quarantine, whatever glibc is told.)
 */
START_TEST(memory_kept_then_given_back)
{
#if defined(__SANITIZE_ADDRESS__)
	return;
#else
	uint8_t	 got[64], want[64];
	pid_t	 pid = fork_hasher();
	long	 kib = -1;
	int	 i;

	expect("pw", 1 << 14, want);
	ck_assert_int_eq(hasher_scrypt("pw", salt, sizeof(salt), 1 << 14, 8, 1,
	    got, 64), 0);
	ck_assert_mem_eq(got, want, 64);
	ck_assert_int_ge(rss_kib(pid), 16 * 1024);
	/* Given back 2 s after the last hash: wait at most 10. */
	for (i = 0; i < 100 && (kib = rss_kib(pid)) >= 8 * 1024; i++)
		usleep(100000);
	ck_assert_int_lt(kib, 8 * 1024);
	ck_assert_int_ge(kib, 0);
	/* And the next hash is still right. */
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(hasher_scrypt("pw", salt, sizeof(salt), 1 << 14, 8, 1,
	    got, 64), 0);
	ck_assert_mem_eq(got, want, 64);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(ended(pid), 0);
#endif
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
	tcase_add_loop_test(tc, rfc7914, 0,
	    (int)(sizeof(vectors) / sizeof(vectors[0])));
	tcase_add_test(tc, refused);
	tcase_add_test(tc, memory_kept_then_given_back);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
