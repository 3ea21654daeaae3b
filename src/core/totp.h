/* signet: TOTP codes (RFC 6238), sealed secrets, QR codes.  ISC licence. */
#ifndef SIGNET_CORE_TOTP_H
#define SIGNET_CORE_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * The codes authenticator apps make: HMAC-SHA1, 6 digits, 30-second
 * steps from the Unix epoch (liboath computes them).  A secret is 20
 * random bytes, shown to people in base32 and sealed at rest.
 */
#define TOTP_SECRET_LEN	20
#define TOTP_STEP	30
#define TOTP_DIGITS	6

/* Sealed: a 12-byte nonce, the ciphertext, a 16-byte tag. */
#define TOTP_SEALED_LEN	(12 + TOTP_SECRET_LEN + 16)

/* The code of secret for the 30-second step (now / 30) into out. */
void	 totp_code(const unsigned char *secret, long long step, char out[7]);

/*
 * Which step of now - 1, now, now + 1 (one either side, for clocks
 * apart) has code as its code: the step, or -1 (also for a code that is
 * not 6 digits).  Each is compared in constant time.
 */
long long totp_match(const unsigned char *secret, const char *code,
	    time_t now);

/* secret in base32 without padding ("JBSWY3DPEHPK3PXP..."); caller frees. */
char	*totp_base32(const unsigned char *secret);

/*
 * otpauth://totp/<issuer>:<label>?secret=<b32>&period=30&digits=6&
 * algorithm=SHA1&issuer=<issuer>, issuer and label percent-encoded: what
 * a QR code gives an app.  Caller frees.
 */
char	*totp_uri(const char *issuer, const char *label, const char *b32);

/*
 * An SVG QR code of text (error correction M, 4 modules of quiet zone),
 * drawn in currentColor: the page that shows it picks the colour.  Caller
 * frees; NULL if text does not fit a QR code.
 */
char	*totp_qr_svg(const char *text);

/*
 * Seal secret under key (cf->totp_key, any length of 32 bytes or more:
 * its SHA-256 HMAC is the AES-256-GCM key), bound to aad (the user's gid),
 * into out.  totp_open() undoes it: 0, or -1 when out was not sealed so
 * (another key, another user, altered).
 */
void	 totp_seal(const unsigned char *key, size_t keylen, const char *aad,
	    const unsigned char *secret, unsigned char out[TOTP_SEALED_LEN]);
int	 totp_open(const unsigned char *key, size_t keylen, const char *aad,
	    const unsigned char *sealed, size_t len,
	    unsigned char secret[TOTP_SECRET_LEN])
	    __attribute__((warn_unused_result));

#endif
