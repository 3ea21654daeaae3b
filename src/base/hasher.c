/* signet: scrypt in processes of their own.  ISC licence, see README. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/hasher.h"
#include "base/log.h"

/*
 * How long a worker waits for its answer once its hash is asked for.  A
 * permit holder's hash is taken at once while the hashers live (there are
 * as many as permits), and the slowest hash signet allows (1 GiB of
 * scrypt memory) takes seconds; no answer in a minute means no hasher is
 * left to give one (the master backing off after a burst of deaths).
 */
#define HASHER_WAIT_S	60

/*
 * The key scrypt gives HMAC-SHA-256 is the password, and HMAC replaces a
 * key longer than SHA-256's 64-byte block by its SHA-256 (RFC 2104): a
 * longer password is sent as those 32 bytes, the same hash, so an ask
 * has a fixed size whatever max_body lets a login carry.
 */
#define KEY_MAX		64

/*
 * How long a hasher keeps scrypt's memory after its last hash, in case
 * another comes: under load every hash reuses the pages of the one before
 * (no page faults), and an idle hasher gives them back.
 */
#define KEEP_MS		2000

struct ask {
	uint64_t	n;
	uint32_t	r;
	uint32_t	p;
	uint32_t	saltlen;
	uint32_t	keylen;
	uint32_t	outlen;
	uint8_t		salt[32];
	uint8_t		key[KEY_MAX];
};

struct answer {
	int32_t		rc;
	uint8_t		out[64];
};

/* An ask on the queue: the ask, and the socket for its answer. */
struct msg {
	struct msghdr	mh;
	struct iovec	iov;
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} cm;
};

/* The queue: [0] the workers send asks, [1] the hashers receive them. */
static int			q[2] = { -1, -1 };

static volatile sig_atomic_t	stop;

int
hasher_open(void)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, q) == -1) {
		log_crit("hasher queue: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
hasher_keep(bool send, bool receive)
{
	if (!send && q[0] != -1) {
		close(q[0]);
		q[0] = -1;
	}
	if (!receive && q[1] != -1) {
		close(q[1]);
		q[1] = -1;
	}
}

/*
 * The bytes OpenSSL's scrypt allocates for n, r, p: B (128 r p) and V with
 * its scratch (128 r (N + 2)).  0 when scrypt would refuse them; the bounds
 * also keep the sum in range.
 */
static uint64_t
scrypt_mem(uint64_t n, uint32_t r, uint32_t p)
{
	if (n < 2 || n > ((uint64_t)1 << 36) || r == 0 || r > (1U << 20) ||
	    p == 0 || p > (1U << 20))
		return 0;
	return 128 * (uint64_t)r * (n + 2) + 128 * (uint64_t)r * p;
}

int
hasher_kdf(const uint8_t *key, size_t keylen, const uint8_t *salt,
    size_t saltlen, uint64_t n, uint32_t r, uint32_t p, uint8_t *out,
    size_t outlen)
{
	uint64_t	mem;

	if ((mem = scrypt_mem(n, r, p)) == 0)
		return -1;
	return EVP_PBE_scrypt((const char *)key, keylen, salt, saltlen, n, r,
	    p, mem, out, outlen) == 1 ? 0 : -1;
}

/*
 * In a hasher, before a hash: room for scrypt's memory at the top of the
 * heap, and transparent huge pages asked for over it (madvise, which
 * Debian's kernels honour by default).  scrypt reads its memory at random:
 * with 4 KiB pages nearly every read misses the TLB, and faulting it in
 * after an idle trim takes 32,768 faults at N = 2^17 instead of 64.  The
 * hash's CPU drops by a sixth to a fifth (BENCHMARKS.md, "One scrypt, its
 * memory kept").  Only a hint: without it, the same hash, slower.
 */
static void
heap_ready(uint64_t n, uint32_t r, uint32_t p)
{
	static uintptr_t	 base;
	uintptr_t		 top, page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uint64_t		 need = scrypt_mem(n, r, p);
	void			*v;

	if (base == 0)
		base = ((uintptr_t)sbrk(0) + page - 1) & ~(page - 1);
	top = (uintptr_t)sbrk(0);
	/* Grown, untouched, then freed back to the top, kept (mallopt). */
	if (need != 0 && need < SIZE_MAX && (top <= base || top - base < need) &&
	    (v = malloc((size_t)need)) != NULL) {
		free(v);
		top = (uintptr_t)sbrk(0);
	}
	if (top > base)
		(void)madvise((void *)base, (top - base) & ~(page - 1),
		    MADV_HUGEPAGE);
}

/* scrypt in this process, as SCHED_BATCH while it runs. */
static int
scrypt_here(const uint8_t *key, size_t keylen, const uint8_t *salt,
    size_t saltlen, uint64_t n, uint32_t r, uint32_t p, uint8_t *out,
    size_t outlen)
{
	struct sched_param	 sp = { 0 };
	int			 rc, policy;

	/*
	 * A hash is CPU work nobody waits on but its own client: batch it,
	 * so that the scheduler lets cheap requests (a session, a health
	 * check) run first on a machine whose cores the hashes fill.
	 */
	policy = sched_getscheduler(0);
	if (policy != SCHED_BATCH)
		(void)sched_setscheduler(0, SCHED_BATCH, &sp);
	rc = hasher_kdf(key, keylen, salt, saltlen, n, r, p, out, outlen);
	if (policy != -1 && policy != SCHED_BATCH)
		(void)sched_setscheduler(0, policy, &sp);
	return rc;
}

/* Set m up for the ask a, its control room for one descriptor. */
static void
msg_init(struct msg *m, struct ask *a)
{
	memset(m, 0, sizeof(*m));
	m->iov.iov_base = a;
	m->iov.iov_len = sizeof(*a);
	m->mh.msg_iov = &m->iov;
	m->mh.msg_iovlen = 1;
	m->mh.msg_control = m->cm.buf;
	m->mh.msg_controllen = sizeof(m->cm.buf);
}

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Receive one ask and the socket for its answer.  Returns 1 with *fd set,
 * 0 when there was none to take (another hasher took it, a signal), -1 at
 * end of file or on an error.
 */
static int
take(struct ask *a, int *fd)
{
	struct msg	 m;
	struct cmsghdr	*c;
	ssize_t		 k;

	msg_init(&m, a);
	if ((k = recvmsg(q[1], &m.mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) == 0)
		return -1;
	if (k == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		log_err("hasher: recvmsg: %s", strerror(errno));
		return -1;
	}
	*fd = -1;
	if ((c = CMSG_FIRSTHDR(&m.mh)) != NULL && c->cmsg_level == SOL_SOCKET &&
	    c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	if (*fd == -1)
		return 0;
	if ((size_t)k != sizeof(*a) || (m.mh.msg_flags & MSG_TRUNC)) {
		close(*fd);
		return 0;
	}
	return 1;
}

int
hasher_run(void)
{
	static const struct timespec keep = {
		KEEP_MS / 1000, (KEEP_MS % 1000) * 1000000L
	};
	struct sigaction	 sa;
	struct pollfd		 pfd;
	struct ask		 a;
	struct answer		 ans;
	sigset_t		 block, none;
	bool			 holding = false;
	int			 fd, rc;

	/* "signet-hasher" in ps(1) and top(1), and to the tests. */
	(void)prctl(PR_SET_NAME, "signet-hasher");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_SETMASK, &block, NULL);

	/*
	 * scrypt's memory from the heap, never a mapping of its own, and kept
	 * there after free(): mapping 16 MiB (N = 2^14) afresh for each hash
	 * and faulting it in page by page cost a third of the hash's CPU
	 * (BENCHMARKS.md, "One scrypt, its memory kept").  Given back after
	 * KEEP_MS without an ask.
	 */
	(void)mallopt(M_MMAP_MAX, 0);
	(void)mallopt(M_TRIM_THRESHOLD, INT_MAX);

	pfd.fd = q[1];
	pfd.events = POLLIN;
	while (!stop) {
		/* SIGTERM is let in only while waiting for an ask. */
		if ((rc = ppoll(&pfd, 1, holding ? &keep : NULL, &none)) == -1 &&
		    errno != EINTR) {
			log_err("hasher: ppoll: %s", strerror(errno));
			return 1;
		}
		if (stop)
			break;
		if (rc == 0) {
			(void)malloc_trim(0);
			holding = false;
			continue;
		}
		if ((rc = take(&a, &fd)) == -1)
			break;
		if (rc == 0)
			continue;
		memset(&ans, 0, sizeof(ans));
		if (a.saltlen > sizeof(a.salt) || a.keylen > sizeof(a.key) ||
		    a.outlen > sizeof(ans.out))
			ans.rc = -1;
		else {
			heap_ready(a.n, a.r, a.p);
			ans.rc = scrypt_here(a.key, a.keylen, a.salt,
			    a.saltlen, a.n, a.r, a.p, ans.out, a.outlen);
			holding = true;
		}
		OPENSSL_cleanse(&a, sizeof(a));
		/* The asker may have given up: nothing to do about it. */
		(void)send(fd, &ans, sizeof(ans), MSG_NOSIGNAL);
		OPENSSL_cleanse(&ans, sizeof(ans));
		close(fd);
	}
	return 0;
}

/*
 * Send a to the queue with one end of a new socket pair; returns the other
 * end, to read the answer on, or -1 (logged).
 */
static int
ask(struct ask *a)
{
	struct msg	 m;
	struct cmsghdr	*c;
	int		 sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_err("hasher: socketpair: %s", strerror(errno));
		return -1;
	}
	msg_init(&m, a);
	c = CMSG_FIRSTHDR(&m.mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &sv[1], sizeof(int));
	while (sendmsg(q[0], &m.mh, MSG_NOSIGNAL) == -1) {
		if (errno == EINTR)
			continue;
		log_err("hasher: sendmsg: %s", strerror(errno));
		close(sv[0]);
		sv[0] = -1;
		break;
	}
	/* Ours closed, the hasher's copy is the last: its death is EOF. */
	close(sv[1]);
	return sv[0];
}

/*
 * Wait for the answer on fd, at most HASHER_WAIT_S.  Returns the hash's 0
 * or -1 with out filled on 0, or -1 (logged) without an answer.
 */
static int
answer(int fd, uint8_t *out, size_t outlen)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	struct answer	 ans;
	ssize_t		 k;
	int		 rc;

	/* A signal (SIGTERM: stop after this request) is no reason to quit. */
	while ((rc = poll(&pfd, 1, HASHER_WAIT_S * 1000)) == -1 &&
	    errno == EINTR)
		;
	if (rc != 1) {
		log_err("hasher: no answer in %d s", HASHER_WAIT_S);
		return -1;
	}
	while ((k = recv(fd, &ans, sizeof(ans), 0)) == -1 && errno == EINTR)
		;
	rc = -1;
	if (k != (ssize_t)sizeof(ans))
		log_err("hasher: gone before answering");
	else if ((rc = ans.rc) == 0)
		memcpy(out, ans.out, outlen);
	OPENSSL_cleanse(&ans, sizeof(ans));
	return rc;
}

int
hasher_scrypt(const char *pw, const uint8_t *salt, size_t saltlen,
    uint64_t n, uint32_t r, uint32_t p, uint8_t *out, size_t outlen)
{
	struct ask	 a;
	size_t		 pwlen = strlen(pw);
	unsigned int	 mdlen;
	int		 fd, rc = -1;

	if (q[0] == -1 || saltlen > sizeof(a.salt) || outlen > 64)
		return scrypt_here((const uint8_t *)pw, pwlen, salt, saltlen,
		    n, r, p, out, outlen);
	memset(&a, 0, sizeof(a));
	a.n = n;
	a.r = r;
	a.p = p;
	a.saltlen = (uint32_t)saltlen;
	a.outlen = (uint32_t)outlen;
	memcpy(a.salt, salt, saltlen);
	if (pwlen <= KEY_MAX) {
		memcpy(a.key, pw, pwlen);
		a.keylen = (uint32_t)pwlen;
	} else if (EVP_Digest(pw, pwlen, a.key, &mdlen, EVP_sha256(),
	    NULL) == 1)
		a.keylen = mdlen;
	else {
		log_err("hasher: SHA-256 failed");
		goto out;
	}
	if ((fd = ask(&a)) == -1)
		goto out;
	rc = answer(fd, out, outlen);
	close(fd);
out:
	OPENSSL_cleanse(&a, sizeof(a));
	return rc;
}
