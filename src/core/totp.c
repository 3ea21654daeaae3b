/* signet: TOTP codes (RFC 6238), sealed secrets, QR codes.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/evp.h>
#include <qrencode.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "core/code.h"
#include "core/totp.h"

#define NONCE_LEN	12
#define TAG_LEN		16

/* A quiet zone of 4 modules round the code, as ISO/IEC 18004 asks. */
#define QUIET		4

/* liboath once per process; it only fails without memory. */
static void
oath_once(void)
{
	static bool	done;

	if (!done && oath_init() != OATH_OK) {
		log_crit("liboath: cannot initialise");
		exit(1);
	}
	done = true;
}

void
totp_code(const unsigned char *secret, long long step, char out[7])
{
	oath_once();
	if (oath_totp_generate((const char *)secret, TOTP_SECRET_LEN,
	    (time_t)(step * TOTP_STEP), TOTP_STEP, 0, TOTP_DIGITS, out) !=
	    OATH_OK) {
		log_crit("liboath: cannot make a TOTP code");
		exit(1);
	}
}

long long
totp_match(const unsigned char *secret, const char *code, time_t now)
{
	char		 want[7];
	long long	 step, found = -1;
	int		 d;
	size_t		 i;

	for (i = 0; i < TOTP_DIGITS; i++)
		if (!isdigit((unsigned char)code[i]))
			return -1;
	if (code[TOTP_DIGITS] != '\0')
		return -1;
	/* Every candidate is made and compared: no early way out. */
	for (d = -1; d <= 1; d++) {
		step = (long long)now / TOTP_STEP + d;
		totp_code(secret, step, want);
		if (code_equal(want, code, TOTP_DIGITS) && found == -1)
			found = step;
	}
	explicit_bzero(want, sizeof(want));
	return found;
}

char *
totp_base32(const unsigned char *secret)
{
	char	*out = NULL, *s;
	size_t	 len;

	oath_once();
	if (oath_base32_encode((const char *)secret, TOTP_SECRET_LEN, &out,
	    &len) != OATH_OK) {
		log_crit("liboath: cannot encode base32");
		exit(1);
	}
	/* 20 bytes make 32 characters: no padding, but be sure. */
	if ((s = strchr(out, '=')) != NULL)
		*s = '\0';
	return out;
}

/* RFC 3986 percent-encoding of s, all but the unreserved characters. */
static void
encode(char *out, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || strchr("-._~", *p) != NULL)
			*out++ = (char)*p;
		else {
			*out++ = '%';
			*out++ = hex[*p >> 4];
			*out++ = hex[*p & 15];
		}
	}
	*out = '\0';
}

char *
totp_uri(const char *issuer, const char *label, const char *b32)
{
	char	*i, *l, *uri;

	i = xmalloc(3 * strlen(issuer) + 1);
	l = xmalloc(3 * strlen(label) + 1);
	encode(i, issuer);
	encode(l, label);
	uri = xasprintf("otpauth://totp/%s:%s?secret=%s&period=%d&digits=%d&"
	    "algorithm=SHA1&issuer=%s", i, l, b32, TOTP_STEP, TOTP_DIGITS, i);
	free(i);
	free(l);
	return uri;
}

char *
totp_qr_svg(const char *text)
{
	QRcode	*qr;
	char	*svg, *p;
	size_t	 cap, len;
	int	 x, y, w, n;

	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8,
	    1)) == NULL)
		return NULL;
	w = qr->width;
	/* One path: a move and a unit square per dark module. */
	cap = 256 + (size_t)w * (size_t)w * 24;
	svg = xmalloc(cap);
	len = (size_t)snprintf(svg, cap, "<svg xmlns=\"http://www.w3.org/2000/"
	    "svg\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
	    "<path fill=\"currentColor\" d=\"", w + 2 * QUIET, w + 2 * QUIET);
	for (y = 0; y < w; y++)
		for (x = 0; x < w; x++) {
			if (!(qr->data[y * w + x] & 1))
				continue;
			p = svg + len;
			n = snprintf(p, cap - len, "M%d %dh1v1h-1z",
			    x + QUIET, y + QUIET);
			len += (size_t)n;
		}
	snprintf(svg + len, cap - len, "\"/></svg>");
	QRcode_free(qr);
	return svg;
}

/* The AES-256-GCM key: HMAC-SHA256 of a fixed label under the file's key. */
static void
seal_key(const unsigned char *key, size_t keylen, unsigned char out[32])
{
	static const char	label[] = "signet totp secret v1";

	code_hmac256(key, keylen, label, sizeof(label) - 1, out);
}

void
totp_seal(const unsigned char *key, size_t keylen, const char *aad,
    const unsigned char *secret, unsigned char out[TOTP_SEALED_LEN])
{
	EVP_CIPHER_CTX	*ctx;
	unsigned char	 k[32];
	int		 n;

	seal_key(key, keylen, k);
	if (random_bytes(out, NONCE_LEN) == -1)
		exit(1);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k, out) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(ctx, out + NONCE_LEN, &n, secret,
	    TOTP_SECRET_LEN) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + NONCE_LEN + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
	    out + NONCE_LEN + TOTP_SECRET_LEN) != 1) {
		log_crit("AES-256-GCM: cannot seal");
		exit(1);
	}
	EVP_CIPHER_CTX_free(ctx);
	explicit_bzero(k, sizeof(k));
}

int
totp_open(const unsigned char *key, size_t keylen, const char *aad,
    const unsigned char *sealed, size_t len,
    unsigned char secret[TOTP_SECRET_LEN])
{
	EVP_CIPHER_CTX	*ctx;
	unsigned char	 k[32], tag[TAG_LEN];
	int		 n, ok;

	if (len != TOTP_SEALED_LEN)
		return -1;
	seal_key(key, keylen, k);
	memcpy(tag, sealed + NONCE_LEN + TOTP_SECRET_LEN, TAG_LEN);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k, sealed) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_DecryptUpdate(ctx, secret, &n, sealed + NONCE_LEN,
	    TOTP_SECRET_LEN) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1) {
		log_crit("AES-256-GCM: cannot open");
		exit(1);
	}
	ok = EVP_DecryptFinal_ex(ctx, secret + n, &n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	explicit_bzero(k, sizeof(k));
	if (!ok) {
		explicit_bzero(secret, TOTP_SECRET_LEN);
		return -1;
	}
	return 0;
}
