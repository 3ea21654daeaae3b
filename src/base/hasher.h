/* signet: scrypt in processes of their own.  ISC licence, see README. */
#ifndef SIGNET_HASHER_H
#define SIGNET_HASHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The hashers: under a master, every password hash runs in one of
 * hash_concurrency processes that do nothing else, as the scrypt ceiling
 * of bench/ does, back to back; a worker holding a hash permit hands its
 * hash over and waits for the answer.  A hash then no longer shares a
 * process, its caches and its scheduling with a request's parsing, SQL
 * and JSON (BENCHMARKS.md, "Hashers"), and a worker never maps scrypt's
 * memory (16 MiB at N = 2^14, 128 MiB at 2^17).
 *
 * The queue is one SOCK_SEQPACKET socket pair made before any fork: the
 * workers send on one end, the idle hashers receive on the other, each
 * message going to one of them.  A request carries a socket of its own
 * for the answer (SCM_RIGHTS), so an answer can only reach the worker
 * that asked, and a hasher's death reads as end of file there.
 *
 * Without the queue (signet-admin, workers = 0, the unit tests) a hash
 * runs in the calling process.
 */

/* The master, before forking anyone: make the queue.  0, or -1 logged. */
int	hasher_open(void) __attribute__((warn_unused_result));

/*
 * In a child just forked, by what it is: a worker keeps the sending end, a
 * hasher the receiving one, anyone else neither.  The master calls
 * hasher_keep(false, false) once it stops, so that the hashers see end of
 * file once the last worker has gone.
 */
void	hasher_keep(bool send, bool receive);

/*
 * A hasher's life: take a hash, do it, answer, until SIGTERM (a reload
 * replaces it) or end of file on the queue (nobody left to ask).  SIGINT
 * and SIGHUP are the master's to act on.  Returns the exit status.
 */
int	hasher_run(void);

/*
 * scrypt(key, salt, n, r, p) into out[outlen], here and now: OpenSSL's
 * scrypt, the same bytes as libscrypt_scrypt() at less than half its CPU
 * (BENCHMARKS.md, "One scrypt, its memory kept").  Returns 0, or -1 for
 * parameters scrypt refuses (N not a power of two above 1, r or p 0) or
 * memory it could not get.
 */
int	hasher_kdf(const uint8_t *key, size_t keylen, const uint8_t *salt,
	    size_t saltlen, uint64_t n, uint32_t r, uint32_t p, uint8_t *out,
	    size_t outlen) __attribute__((warn_unused_result));

/*
 * scrypt(pw, salt, n, r, p) into out[outlen]: by a hasher if there is a
 * queue, else here; in both the process hashing runs as SCHED_BATCH.
 * Returns hasher_kdf()'s 0 or -1; -1 (logged) also when no hasher
 * answered within HASHER_WAIT_S.
 */
int	hasher_scrypt(const char *pw, const uint8_t *salt, size_t saltlen,
	    uint64_t n, uint32_t r, uint32_t p, uint8_t *out, size_t outlen)
	    __attribute__((warn_unused_result));

#endif
