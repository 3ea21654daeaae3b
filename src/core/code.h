/* signet: random codes and keyed MACs.  ISC licence, see README. */
#ifndef SIGNET_CODE_H
#define SIGNET_CODE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/problem.h"

/* Length of the base64url text (no padding) of n bytes, without the NUL. */
#define CODE_B64URL_LEN(n)	(((n) * 4 + 2) / 3)

/* Random bits in a code_token(), and its length in characters. */
#define CODE_TOKEN_BYTES	18
#define CODE_TOKEN_LEN		CODE_B64URL_LEN(CODE_TOKEN_BYTES)

/*
 * Fill buf with n bytes from getrandom(2), retrying short reads and EINTR.
 * Returns 0, or -1 (logged) if the kernel will not give randomness.
 */
int	 random_bytes(void *buf, size_t n) __attribute__((warn_unused_result));

/*
 * A new opaque token: 144 random bits as 24 characters of base64url without
 * padding (Unicat's validation_code, FreeSewing's confirmation id).  The
 * caller owns and frees it.  Never NULL: without randomness the process
 * exits (the master respawns it), as the xmalloc family does.
 */
char	*code_token(void);

/* Six uniform decimal digits, leading zeros kept, NUL-terminated. */
void	 code_digits(char out[7]);

/* A random UUID version 4 in lowercase text, NUL-terminated. */
void	 code_uuid(char out[37]);

/*
 * HMAC-SHA256 of the C string s under cf->hmac_key (secret_file).  Codes
 * and tokens are stored only as such MACs.
 */
void	 code_mac(const char *s, unsigned char out[32]);

/*
 * code_mac() in PostgreSQL's bytea hex input form: a backslash, 'x', then
 * 64 lowercase hex digits and a NUL.
 */
void	 code_mac_hex(const char *s, char out[67]);

/* Do the n bytes at a and b match?  Time depends on n only. */
bool	 code_equal(const void *a, const void *b, size_t n);

/*
 * Write the base64url text of the n bytes at in, without padding, to out,
 * which holds CODE_B64URL_LEN(n) + 1 bytes.  Returns out.
 */
char	*code_b64url(char *out, const void *in, size_t n);

/*
 * Decode len bytes of unpadded base64url into out (at most outsz bytes,
 * *outlen set).  Returns 0, or -1 on a bad character, length, overflow or
 * non-canonical trailing bits.
 */
int	 code_b64url_decode(const char *in, size_t len, unsigned char *out,
	    size_t outsz, size_t *outlen) __attribute__((warn_unused_result));

/* The same for standard, padded base64 (libscrypt's MCF records). */
int	 code_b64_decode(const char *in, size_t len, unsigned char *out,
	    size_t outsz, size_t *outlen) __attribute__((warn_unused_result));

/*
 * Check a mailed code against its stored MAC (code_mac_hex() form),
 * spending one of its tries first: try(id, max) uses up one try of row id
 * when fewer than max were used (1), or says none is left (0), or fails
 * (-1).  Counting before comparing keeps the limit when requests race on
 * one code.  Returns 1 when the code matches; 0 with *p a VALIDATION of
 * field "code" when it does not or no try is left; -1 with the database
 * problem.
 */
int	 code_check(int (*try)(long long id, long max), long long id,
	    long max, const char *stored_mac, const char *code,
	    struct problem *p) __attribute__((warn_unused_result));

/*
 * code_mac_hex() of a flow's token bound to the account it was made for:
 * "<kind>\n<token>\n<gid>", so one token serves several accounts, each
 * with its own row, and a token of one kind is nothing for another.
 */
void	 code_bound_mac(const char *kind, const char *token, const char *gid,
	    char out[67]);

/* HMAC-SHA256 of in under key (NULL: empty).  Exits on library failure. */
void	 code_hmac256(const void *key, size_t keylen, const void *in,
	    size_t inlen, unsigned char out[32]);

#endif
