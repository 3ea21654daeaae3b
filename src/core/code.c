/* signet: random codes and keyed MACs.  ISC licence, see README. */
#include "config.h"

#include <sys/random.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/code.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/xmalloc.h"

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
 * HMAC-SHA256 with the MAC implementation fetched once per process and a
 * context kept per key: OpenSSL 3's one-shot HMAC() looks both up on every
 * call, which showed in /api/init's profile, and keying a context hashes
 * the key's two pads and looks the digest up again.  A kept context is
 * keyed once; EVP_MAC_init() without a key then starts it over from those
 * pads.  A process MACs under a handful of keys (the JWT key, the HMAC
 * key, one per TOTP secret in turn), so the few slots are reused in turn.
 * It only fails on allocation or a missing provider; treat that like
 * xmalloc does.  An empty key is passed as a zero-length buffer, not NULL.
 */
#define HMAC_SLOTS	4

static EVP_MAC_CTX *
hmac_keyed(const void *key, size_t keylen)
{
	static struct {
		unsigned char	*key;
		size_t		 len;
		EVP_MAC_CTX	*ctx;
	}			 slot[HMAC_SLOTS];
	static unsigned		 next;
	static EVP_MAC		*mac;
	static char		 digest[] = "SHA256";
	static const unsigned char nokey[1];
	OSSL_PARAM		 params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	unsigned		 i;

	if (key == NULL)
		key = nokey;
	for (i = 0; i < HMAC_SLOTS; i++)
		if (slot[i].ctx != NULL && slot[i].len == keylen &&
		    memcmp(slot[i].key, key, keylen) == 0)
			return EVP_MAC_init(slot[i].ctx, NULL, 0, NULL) == 1 ?
			    slot[i].ctx : NULL;
	if (mac == NULL && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	i = next++ % HMAC_SLOTS;
	if (slot[i].ctx == NULL && (slot[i].ctx = EVP_MAC_CTX_new(mac)) == NULL)
		return NULL;
	xfreezero(slot[i].key, slot[i].len);
	slot[i].key = NULL;
	slot[i].len = 0;
	if (EVP_MAC_init(slot[i].ctx, key, keylen, params) != 1)
		return NULL;
	slot[i].key = xmalloc(keylen + 1);
	memcpy(slot[i].key, key, keylen);
	slot[i].len = keylen;
	return slot[i].ctx;
}

void
code_hmac256(const void *key, size_t keylen, const void *in, size_t inlen,
    unsigned char out[32])
{
	EVP_MAC_CTX	*ctx;
	size_t		 len = 0;

	if ((ctx = hmac_keyed(key, keylen)) == NULL ||
	    EVP_MAC_update(ctx, in, inlen) != 1 ||
	    EVP_MAC_final(ctx, out, &len, 32) != 1 || len != 32) {
		log_crit("HMAC-SHA256 failed");
		exit(1);
	}
}

void
code_bound_mac(const char *kind, const char *token, const char *gid,
    char out[67])
{
	char	*s;

	s = xasprintf("%s\n%s\n%s", kind, token, gid);
	code_mac_hex(s, out);
	xfreezero(s, strlen(s));
}

void
code_mac(const char *s, unsigned char out[32])
{
	code_hmac256(cf->hmac_key, cf->hmac_keylen, s, strlen(s), out);
}

/*
 * Both base64 alphabets: url (RFC 4648 section 5, no padding: tokens) or
 * standard (section 4: what libscrypt writes in its MCF records).
 */
static int
b64_decode(const char *in, size_t len, bool url, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	unsigned long	acc = 0;
	size_t		i, n = 0;
	int		bits = 0, v;
	unsigned char	c;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == (url ? '-' : '+'))
			v = 62;
		else if (c == (url ? '_' : '/'))
			v = 63;
		else
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == outsz)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1UL << bits) - 1;
		}
	}
	if (acc != 0)		/* non-canonical: stray low bits */
		return -1;
	*outlen = n;
	return 0;
}

int
code_b64url_decode(const char *in, size_t len, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	return b64_decode(in, len, true, out, outsz, outlen);
}

int
code_b64_decode(const char *in, size_t len, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	if (len % 4 != 0)
		return -1;
	if (len > 0 && in[len - 1] == '=')
		len -= len > 1 && in[len - 2] == '=' ? 2 : 1;
	return b64_decode(in, len, false, out, outsz, outlen);
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

int
code_check(int (*try)(long long, long), long long id, long max,
    const char *stored_mac, const char *code, struct problem *p)
{
	char	mac[67];
	int	tried;

	if ((tried = try(id, max)) == -1) {
		problem_db(p);
		return -1;
	}
	if (!tried) {
		problem_field(p, "code",
		    "has had too many wrong tries; request a new one");
		return 0;
	}
	code_mac_hex(code, mac);
	if (strlen(stored_mac) != strlen(mac) ||
	    !code_equal(stored_mac, mac, strlen(mac))) {
		problem_field(p, "code", "is not the code we sent");
		return 0;
	}
	return 1;
}
