/* signet: password hashing with scrypt.  ISC licence, see README. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libscrypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/code.h"
#include "base/conf.h"
#include "base/log.h"
#include "core/password.h"
#include "core/problem.h"
#include "base/metrics.h"
#include "base/scoreboard.h"
#include "base/hasher.h"

#define SALT_LEN	16
#define SALT_MAX	32	/* the most libscrypt_check() takes */
#define HASH_LEN	64	/* SCRYPT_HASH_LEN: what every record holds */

/*
 * The most scrypt memory (128 * r * N bytes) a stored record or a
 * calibration may ask for.  The default, N = 2^17 with r = 8, is 128 MiB;
 * a record beyond this is treated as unusable rather than allowed to
 * exhaust a worker.
 */
#define MEM_MAX		((uint64_t)1 << 30)

/* A parsed MCF record. */
struct mcf {
	uint64_t	n;
	uint32_t	r;
	uint32_t	p;
	unsigned char	salt[SALT_MAX];
	size_t		saltlen;
	unsigned char	hash[HASH_LEN];
};

/*
 * Parse "$s1$<hex params>$<salt>$<hash>" as libscrypt_mcf() writes it:
 * params = log2(N) << 16 | r << 8 | p.  Returns 0, or -1 if s is not such a
 * record or asks for more than MEM_MAX.
 *
 * We parse ourselves rather than call libscrypt_check(): it writes into its
 * argument (strtok), compares base64 text, and would run whatever N a
 * record names; here the raw hash is compared with code_equal() and the
 * same code serves password_needs_rehash() and the dummy hash.
 */
static int
mcf_parse(const char *s, struct mcf *m)
{
	const char	*salt, *hash, *end;
	unsigned long	 params, logn;
	char		*ep;
	size_t		 k, n;

	if (s == NULL || strncmp(s, "$s1$", 4) != 0)
		return -1;
	s += 4;
	k = strspn(s, "0123456789abcdefABCDEF");
	if (k == 0 || k > 8 || s[k] != '$')
		return -1;
	params = strtoul(s, &ep, 16);
	if (ep != s + k)
		return -1;
	salt = ep + 1;
	if ((hash = strchr(salt, '$')) == NULL)
		return -1;
	hash++;
	end = hash + strlen(hash);

	logn = params >> 16;
	m->r = params >> 8 & 0xff;
	m->p = params & 0xff;
	if (logn < 1 || logn > 30 || m->r == 0 || m->p == 0)
		return -1;
	m->n = (uint64_t)1 << logn;
	if (128 * (uint64_t)m->r * m->n > MEM_MAX)
		return -1;

	if (code_b64_decode(salt, (size_t)(hash - 1 - salt), m->salt,
	    sizeof(m->salt), &m->saltlen) == -1 || m->saltlen < 1)
		return -1;
	if (code_b64_decode(hash, (size_t)(end - hash), m->hash,
	    sizeof(m->hash), &n) == -1 || n != HASH_LEN)
		return -1;
	return 0;
}

/*
 * Can an MCF record hold n, r, p, within MEM_MAX?  Returns 0 or -1, logged.
 */
static int
params_ok(long n, long r, long p)
{
	if (n < 2 || (n & (n - 1)) != 0 || n > (1L << 30) || r < 1 ||
	    r > 255 || p < 1 || p > 255 ||
	    128 * (uint64_t)r * (uint64_t)n > MEM_MAX) {
		log_err("scrypt parameters N=%ld r=%ld p=%ld unusable", n, r,
		    p);
		return -1;
	}
	return 0;
}

static double	now_ms(void);

/*
 * scrypt pw into out (HASH_LEN bytes) holding a hash permit (none to take
 * without a scoreboard: signet-admin), in a hasher if there are any
 * (base/hasher.h).  Returns 0, or PASSWORD_BUSY when no permit came within
 * hash_wait_ms or the hash failed (logged: a hasher died, scrypt could not
 * have its memory), both worth a retry.  The wait for the permit and the
 * hash are timed for the metrics.
 */
static int
scrypt_permit(const char *pw, const unsigned char *salt, size_t saltlen,
    uint64_t n, uint32_t r, uint32_t p, unsigned char *out)
{
	double	 t0, t1;
	int	 rc;

	t0 = now_ms();
	rc = scoreboard_hash_enter(cf->hash_wait_ms);
	t1 = now_ms();
	mx_observe(MX_HASH_WAIT_SECONDS, (t1 - t0) / 1e3);
	if (rc == -1)
		return PASSWORD_BUSY;
	rc = hasher_scrypt(pw, salt, saltlen, n, r, p, out, HASH_LEN);
	scoreboard_hash_leave();
	mx_observe(MX_HASH_SECONDS, (now_ms() - t1) / 1e3);
	if (rc != 0) {
		log_err("scrypt failed (N=%llu r=%u)", (unsigned long long)n,
		    (unsigned)r);
		return PASSWORD_BUSY;
	}
	return 0;
}

int
password_hash(const char *pw, char out[PASSWORD_MCF_LEN])
{
	unsigned char	 salt[SALT_LEN], hash[HASH_LEN];
	char		 salt64[4 * ((SALT_LEN + 2) / 3) + 1];
	char		 hash64[4 * ((HASH_LEN + 2) / 3) + 1];
	int		 rc = -1;

	out[0] = '\0';
	if (params_ok(cf->scrypt_n, cf->scrypt_r, cf->scrypt_p) == -1)
		return -1;
	if (random_bytes(salt, sizeof(salt)) == -1)
		return -1;
	if ((rc = scrypt_permit(pw, salt, sizeof(salt), (uint64_t)cf->scrypt_n,
	    (uint32_t)cf->scrypt_r, (uint32_t)cf->scrypt_p, hash)) != 0)
		goto out;
	rc = -1;
	EVP_EncodeBlock((unsigned char *)salt64, salt, sizeof(salt));
	EVP_EncodeBlock((unsigned char *)hash64, hash, sizeof(hash));
	if (libscrypt_mcf((uint32_t)cf->scrypt_n, (uint32_t)cf->scrypt_r,
	    (uint32_t)cf->scrypt_p, salt64, hash64, out) != 1) {
		log_err("libscrypt_mcf failed");
		out[0] = '\0';
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(hash64, sizeof(hash64));
	return rc;
}

int
password_verify(const char *pw, const char *mcf)
{
	static const unsigned char	 dummy_salt[SALT_LEN] =
	    "signet/no-record";
	struct mcf			 m;
	unsigned char			 hash[HASH_LEN];
	bool				 usable;
	int				 rc;

	usable = mcf_parse(mcf, &m) == 0;
	if (!usable) {
		/* Same work as a real record at today's parameters. */
		if (params_ok(cf->scrypt_n, cf->scrypt_r, cf->scrypt_p) == -1)
			return 0;
		m.n = (uint64_t)cf->scrypt_n;
		m.r = (uint32_t)cf->scrypt_r;
		m.p = (uint32_t)cf->scrypt_p;
		memcpy(m.salt, dummy_salt, sizeof(dummy_salt));
		m.saltlen = sizeof(dummy_salt);
		memset(m.hash, 0, sizeof(m.hash));
	}
	if ((rc = scrypt_permit(pw ? pw : "", m.salt, m.saltlen, m.n, m.r, m.p,
	    hash)) != 0)
		goto out;
	rc = code_equal(hash, m.hash, sizeof(hash)) && usable;
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(&m, sizeof(m));
	return rc;
}

bool
password_busy(void)
{
	return scoreboard_hash_full();
}

int
password_problem(int rc, struct problem *p)
{
	if (rc == PASSWORD_BUSY) {
		p->kind = PROB_UNAVAILABLE;
		p->retry_after = 1;
	} else
		p->kind = PROB_INTERNAL;
	return -1;
}

bool
password_needs_rehash(const char *mcf)
{
	struct mcf	 m;

	if (mcf_parse(mcf, &m) == -1)
		return true;
	return m.n != (uint64_t)cf->scrypt_n || m.r != (uint32_t)cf->scrypt_r ||
	    m.p != (uint32_t)cf->scrypt_p;
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One scrypt at n, r, p: its wall time in ms, or -1 (logged). */
static double
calibrate_once(uint64_t n, long r, long p)
{
	static const unsigned char	 salt[SALT_LEN] = "signet/calibrate";
	unsigned char			 hash[HASH_LEN];
	double				 t0 = now_ms();

	if (hasher_kdf((const uint8_t *)"calibrate", 9, salt, sizeof(salt), n,
	    (uint32_t)r, (uint32_t)p, hash, sizeof(hash)) == -1) {
		log_err("scrypt failed (N=%llu r=%ld p=%ld)",
		    (unsigned long long)n, r, p);
		return -1;
	}
	return now_ms() - t0;
}

int
password_calibrate(double target_ms, long r, long p, long *n_out,
    double *ms_out)
{
	uint64_t	 n;
	double		 ms;

	*n_out = 0;
	*ms_out = 0;
	if (params_ok(2, r, p) == -1)
		return -1;
	/* Untimed: the first scrypt also loads OpenSSL's implementation. */
	if (calibrate_once(2, r, p) < 0)
		return -1;
	for (n = 2; 128 * (uint64_t)r * n <= MEM_MAX; n *= 2) {
		/* Over the target once may be a stall; twice is the cost. */
		if ((ms = calibrate_once(n, r, p)) > target_ms)
			ms = calibrate_once(n, r, p);
		if (ms < 0)
			return -1;
		if (ms > target_ms)
			break;
		*n_out = (long)n;
		*ms_out = ms;
	}
	return *n_out == 0 ? -1 : 0;
}
