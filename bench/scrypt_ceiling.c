/*
 * bench/scrypt_ceiling: scrypt hashes back to back, the ceiling of login.
 * ISC licence, see README.
 *
 *   scrypt_ceiling -N N -r R -p P -t SECONDS [-n MAX] [-s MICROSECONDS]
 *       [-i openssl | libscrypt]
 *
 * Runs scrypt with exactly N, r, p on a fixed password and salt, one hash
 * after another, until SECONDS have passed or MAX hashes are done, then
 * prints one line:
 *
 *   hashes=H seconds=S rate=H/S ms_per_hash=S/H window=W rate_window=W/SECONDS
 *   cpu_ms_per_hash=C
 *
 * W counts the hashes finished within the first SECONDS: a load generator
 * that stops at SECONDS (wrk -d) loses the hashes in flight at that moment,
 * and rate_window loses them the same way, so the two compare like with like
 * (rate, over the whole last hash, is the unbiased steady rate).
 *
 * -i openssl (the default) is what signet's hashers run: OpenSSL's
 * EVP_PBE_scrypt(), its 128 * r * N bytes from a heap that keeps them
 * from one hash to the next (mallopt() as in src/base/hasher.c), in
 * transparent huge pages (the hashers madvise() their heap; here glibc's
 * own tunable glibc.malloc.hugetlb=1 does it, set by a re-exec).  -i
 * libscrypt is libscrypt_scrypt(), what signet hashed with before, which
 * maps and unmaps that memory for each hash.  Both give the same bytes;
 * the first hash is checked against libscrypt's.  bench/driver.py runs as
 * many of these at once as signet has hash permits (the core count) and
 * adds their rates.
 *
 * With -s each hash is followed by a sleep of that many microseconds, as a
 * server's hashes are by the rest of their request: what that does to a
 * hash's CPU time (cpu_ms_per_hash, user + system) is how far back-to-back
 * hashing flatters the ceiling.
 */
#include <malloc.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libscrypt.h>
#include <openssl/evp.h>

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This process's CPU time so far, user and system, in seconds. */
static double
cpu_s(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void
usage(void)
{
	fprintf(stderr, "usage: scrypt_ceiling -N N -r R -p P -t SECONDS "
	    "[-n MAX] [-s MICROSECONDS] [-i openssl | libscrypt]\n");
	exit(2);
}

/* One scrypt by OpenSSL or by libscrypt: 0, or -1. */
static int
hash(int ossl, const uint8_t *pw, size_t pwlen, const uint8_t *salt,
    size_t saltlen, uint64_t n, uint32_t r, uint32_t p, uint8_t *out,
    size_t outlen)
{
	if (!ossl)
		return libscrypt_scrypt(pw, pwlen, salt, saltlen, n, r, p, out,
		    outlen);
	return EVP_PBE_scrypt((const char *)pw, pwlen, salt, saltlen, n, r, p,
	    128 * (uint64_t)r * (n + 2) + 128 * (uint64_t)r * p, out,
	    outlen) == 1 ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	static const uint8_t	 pw[] = "correct horse battery staple";
	static const uint8_t	 salt[16] = "signet/ceiling!!";
	uint8_t			 out[64], ref[64];
	unsigned long long	 n = 0;
	unsigned long		 r = 0, p = 0;
	long			 max = 0, done = 0, window = 0, pause = 0;
	double			 secs = 0, t0, t, cpu, cpu0;
	int			 c, ossl = 1;

	while ((c = getopt(argc, argv, "i:N:n:p:r:s:t:")) != -1) {
		switch (c) {
		case 'i':
			if (strcmp(optarg, "openssl") == 0)
				ossl = 1;
			else if (strcmp(optarg, "libscrypt") == 0)
				ossl = 0;
			else
				usage();
			break;
		case 'N':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			max = atol(optarg);
			break;
		case 'p':
			p = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			r = strtoul(optarg, NULL, 10);
			break;
		case 's':
			pause = atol(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1 || secs <= 0 ||
	    secs > 3600 || pause < 0 || pause > 1000000)
		usage();
	if (ossl && getenv("SCRYPT_CEILING_THP") == NULL) {
		if (setenv("SCRYPT_CEILING_THP", "1", 1) == -1 ||
		    setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1) == -1)
			return 1;
		execv("/proc/self/exe", argv);
		perror("scrypt_ceiling: execv");
		return 1;
	}
	if (ossl) {
		(void)mallopt(M_MMAP_MAX, 0);
		(void)mallopt(M_TRIM_THRESHOLD, INT_MAX);
		/* Untimed: the same bytes as libscrypt's, or no ceiling. */
		if (hash(1, pw, sizeof(pw) - 1, salt, sizeof(salt), n,
		    (uint32_t)r, (uint32_t)p, out, sizeof(out)) != 0 ||
		    libscrypt_scrypt(pw, sizeof(pw) - 1, salt, sizeof(salt), n,
		    (uint32_t)r, (uint32_t)p, ref, sizeof(ref)) != 0 ||
		    memcmp(out, ref, sizeof(out)) != 0) {
			fprintf(stderr, "scrypt_ceiling: not libscrypt's bytes\n");
			return 1;
		}
	}
	cpu0 = cpu_s();
	t0 = now();
	do {
		if (hash(ossl, pw, sizeof(pw) - 1, salt, sizeof(salt), n,
		    (uint32_t)r, (uint32_t)p, out, sizeof(out)) != 0) {
			fprintf(stderr, "scrypt_ceiling: scrypt failed\n");
			return 1;
		}
		done++;
		if (pause > 0)
			usleep((useconds_t)pause);
		t = now() - t0;
		if (t <= secs)
			window = done;
	} while (t < secs && (max == 0 || done < max));
	cpu = cpu_s() - cpu0;
	printf("hashes=%ld seconds=%.4f rate=%.4f ms_per_hash=%.3f window=%ld "
	    "rate_window=%.4f cpu_ms_per_hash=%.3f\n", done, t, (double)done / t,
	    t * 1e3 / (double)done, window, (double)window / secs,
	    cpu * 1e3 / (double)done);
	return 0;
}
