/* signet: random codes and keyed MACs.  ISC licence, see README. */
#include "config.h"

#include <sys/random.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "code.h"
#include "conf.h"
#include "log.h"
#include "xmalloc.h"

/*
 * Fill buf, or give up on the process: getrandom(2) fails only when the
 * kernel lacks it or buf is bad, and no code may come from anything weaker.
 */
static void
random_or_die(void *buf, size_t n)
{
	if (random_bytes(buf, n) == -1)
		exit(1);
}

int
random_bytes(void *buf, size_t n)
{
	unsigned char	*p = buf;
	ssize_t		 got;

	while (n > 0) {
		got = getrandom(p, n, 0);
		if (got == -1) {
			if (errno == EINTR)
				continue;
			log_crit("getrandom: %s", strerror(errno));
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

char *
code_b64url(char *out, const void *in, size_t n)
{
	static const char	 abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char	*s = in;
	char			*o = out;
	uint32_t		 v;

	for (; n >= 3; s += 3, n -= 3) {
		v = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = abc[v >> 6 & 63];
		*o++ = abc[v & 63];
	}
	if (n > 0) {
		v = (uint32_t)s[0] << 16;
		if (n == 2)
			v |= (uint32_t)s[1] << 8;
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		if (n == 2)
			*o++ = abc[v >> 6 & 63];
	}
	*o = '\0';
	return out;
}

char *
code_token(void)
{
	unsigned char	 b[CODE_TOKEN_BYTES];
	char		*t;

	random_or_die(b, sizeof(b));
	t = xmalloc(CODE_TOKEN_LEN + 1);
	code_b64url(t, b, sizeof(b));
	OPENSSL_cleanse(b, sizeof(b));
	return t;
}

/*
 * 10^6 does not divide 2^32: a draw at or above 4294 * 10^6, the largest
 * multiple of it that fits, is drawn again, so each code is equally likely.
 */
void
code_digits(char out[7])
{
	const uint32_t	 lim = UINT32_MAX - UINT32_MAX % 1000000u;
	uint32_t	 v;

	do
		random_or_die(&v, sizeof(v));
	while (v >= lim);
	snprintf(out, 7, "%06u", (unsigned)(v % 1000000u));
}

void
code_uuid(char out[37])
{
	unsigned char	 b[16];

	random_or_die(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* variant 10 (RFC 4122) */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/*
 * OpenSSL's one-shot HMAC() only fails on allocation or a missing digest;
 * treat that like xmalloc does.  An empty key is passed as a zero-length
 * buffer, not NULL, which HMAC() would refuse.
 */
void
code_mac(const char *s, unsigned char out[32])
{
	static const unsigned char	 nokey[1];
	const unsigned char		*key;
	unsigned int			 len = 32;

	key = cf->hmac_key != NULL ? cf->hmac_key : nokey;

	if (HMAC(EVP_sha256(), key, (int)cf->hmac_keylen,
	    (const unsigned char *)s, strlen(s), out, &len) == NULL ||
	    len != 32) {
		log_crit("HMAC-SHA256 failed");
		exit(1);
	}
}

void
code_mac_hex(const char *s, char out[67])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 mac[32];
	size_t			 i;

	code_mac(s, mac);
	out[0] = '\\';
	out[1] = 'x';
	for (i = 0; i < sizeof(mac); i++) {
		out[2 + 2 * i] = hex[mac[i] >> 4];
		out[3 + 2 * i] = hex[mac[i] & 15];
	}
	out[66] = '\0';
}

bool
code_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}
