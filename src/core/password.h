/* signet: password hashing with scrypt.  ISC licence, see README. */
#ifndef SIGNET_PASSWORD_H
#define SIGNET_PASSWORD_H

#include <stdbool.h>

#include "core/problem.h"

/*
 * Room for libscrypt's modular crypt format, "$s1$PPPPPP$salt$hash": the
 * params (log2 N, r, p as hex bytes), a base64 16-byte salt and a base64
 * 64-byte hash take 124 bytes with the NUL.
 */
#define PASSWORD_MCF_LEN	128

/*
 * No hash permit came within hash_wait_ms, or hash_queue requests wait
 * already, or the hash failed (logged; a hasher died): the request is
 * answered "busy, retry" at once (password_problem()).
 */
#define PASSWORD_BUSY	(-2)

/*
 * Hash pw with scrypt at cf->scrypt_n/r/p and a fresh 16-byte salt into
 * out, as MCF.  Holds a hash permit (hash_concurrency) while hashing.
 * Returns 0; PASSWORD_BUSY (no permit, or the hash failed); or -1 (logged)
 * on another failure or parameters an MCF record cannot hold (r or p over
 * 255) or that need over 1 GiB (128 * r * N bytes).
 */
int	 password_hash(const char *pw, char out[PASSWORD_MCF_LEN])
	    __attribute__((warn_unused_result));

/*
 * Does pw match the MCF record mcf: 1 yes, 0 no, or PASSWORD_BUSY.  A NULL
 * or unusable record (unknown user, account without a password) still
 * costs one hash at the configured parameters, so the answer takes as
 * long either way, and is no.  Holds a hash permit while hashing;
 * compares in constant time.
 */
int	 password_verify(const char *pw, const char *mcf)
	    __attribute__((warn_unused_result));

/*
 * Would a hash now be turned away (every permit held, the queue full)?  A
 * hint: a request that would only wait to be refused is refused first.
 */
bool	 password_busy(void);

/*
 * The problem of a failed password_hash() or password_verify() (rc):
 * UNAVAILABLE with a retry_after of a second when busy, else INTERNAL.
 * Returns -1.
 */
int	 password_problem(int rc, struct problem *p);

/*
 * Was mcf made with other parameters than cf->scrypt_n/r/p (or is it
 * unusable)?  Then a login that verifies should store a new hash.
 */
bool	 password_needs_rehash(const char *mcf);

/*
 * For signet-admin calibrate: the largest power-of-two N for which one
 * scrypt hash with r and p takes at most target_ms here, into *n_out, and
 * that hash's time in ms into *ms_out.  Takes no permit; stops at 1 GiB of
 * scrypt memory (128 * r * N bytes).  Returns 0, or -1 if r or p is outside
 * 1..255 (all MCF can store), scrypt fails, or even N = 2 is too slow.
 */
int	 password_calibrate(double target_ms, long r, long p, long *n_out,
	    double *ms_out) __attribute__((warn_unused_result));

#endif
