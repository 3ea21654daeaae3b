/* signet: memory shared by the master and its children.  ISC licence. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/scoreboard.h"

struct scoreboard	*sb;
int			 sb_slot = -1;

const char *const	 slot_kind_route[SLOT_KINDS] = { "", "mailer", "hasher" };

/* This process's permit record, once it has one (-1: none yet). */
static int		 my_rec = -1;
static pid_t		 my_rec_pid;

/* Set up the permits of a new region. */
static void
permits_init(struct permits *pm, int total, int queue)
{
	pthread_mutexattr_t	ma;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	if (pthread_mutex_init(&pm->lock, &ma) != 0) {
		log_crit("scoreboard: cannot make its mutex");
		exit(1);
	}
	pthread_mutexattr_destroy(&ma);
	pm->total = total;
	pm->queue = queue;
}

void
scoreboard_name(const char *conf_path, char out[64])
{
	char		 real[PATH_MAX];
	const char	*s;
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */

	s = realpath(conf_path, real) != NULL ? real : conf_path;
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	snprintf(out, 64, "/signet-%u-%016llx", (unsigned)geteuid(),
	    (unsigned long long)h);
}

void
scoreboard_init(const char *name, int total, int queue)
{
	struct stat	st;
	int		fd;

	if (name == NULL) {
		sb = mmap(NULL, sizeof(*sb), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (sb == MAP_FAILED) {
			log_crit("mmap: %s", strerror(errno));
			exit(1);
		}
		memset(sb, 0, sizeof(*sb));
		permits_init(&sb->permits, total, queue);
		log_share(sb->lograte);
		mx_share(&sb->metrics);
		return;
	}
	/* The first of the processes sharing name makes it, under a lock. */
	if ((fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    flock(fd, LOCK_EX) == -1 || fstat(fd, &st) == -1) {
		log_crit("scoreboard %s: %s", name, strerror(errno));
		exit(1);
	}
	if (st.st_size == 0 && ftruncate(fd, sizeof(*sb)) == -1) {
		log_crit("scoreboard %s: %s", name, strerror(errno));
		exit(1);
	}
	/* Made by another version of signet: its layout is not ours. */
	if (st.st_size != 0 && (size_t)st.st_size != sizeof(*sb)) {
		log_crit("scoreboard %s holds %lld bytes, not %zu: another "
		    "version of signet made it; stop every signet of this "
		    "configuration and remove /dev/shm%s", name,
		    (long long)st.st_size, sizeof(*sb), name);
		exit(1);
	}
	sb = mmap(NULL, sizeof(*sb), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0);
	if (sb == MAP_FAILED) {
		log_crit("scoreboard %s: mmap: %s", name, strerror(errno));
		exit(1);
	}
	if (st.st_size == 0)
		permits_init(&sb->permits, total, queue);
	(void)flock(fd, LOCK_UN);
	close(fd);
	log_share(sb->lograte);
	mx_share(&sb->metrics);
}

void
scoreboard_busy(const char *route)
{
	if (sb == NULL || sb_slot < 0)
		return;
	snprintf(sb->slots[sb_slot].route, sizeof(sb->slots[sb_slot].route),
	    "%s", route ? route : "");
}

enum slot_kind
scoreboard_kind(const struct slot *s)
{
	if (strcmp(s->route, slot_kind_route[SLOT_MAILER]) == 0)
		return SLOT_MAILER;
	if (strcmp(s->route, slot_kind_route[SLOT_HASHER]) == 0)
		return SLOT_HASHER;
	return SLOT_WORKER;
}

/*
 * Lock the permits.  A process that died holding the lock left the
 * records whole (each change is one store): make the lock usable again.
 */
static void
permits_lock(struct permits *pm)
{
	if (pthread_mutex_lock(&pm->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&pm->lock);
}

/* Count the records in each state (under the lock). */
static void
count(struct permits *pm, int *holding, int *waiting)
{
	int	i;

	*holding = *waiting = 0;
	for (i = 0; i < SLOTS_MAX; i++) {
		if (pm->recs[i].pid == 0)
			continue;
		if (pm->recs[i].state == PERMIT_HOLDING)
			(*holding)++;
		else if (pm->recs[i].state == PERMIT_WAITING)
			(*waiting)++;
	}
}

/*
 * Free the records of processes that are gone (no master saw them die:
 * workers = 0).  Called under the lock when every permit is held or a
 * waiter woke without one; only the busy records are looked at.  Returns
 * how many permits came back.
 */
static int
reap_dead(struct permits *pm)
{
	int	i, n = 0;

	for (i = 0; i < SLOTS_MAX; i++)
		if (pm->recs[i].pid != 0 && pm->recs[i].state != PERMIT_NONE &&
		    kill(pm->recs[i].pid, 0) == -1 && errno == ESRCH) {
			n += pm->recs[i].state == PERMIT_HOLDING;
			pm->recs[i].state = PERMIT_NONE;
			pm->recs[i].pid = 0;
		}
	return n;
}

/* This process's record, found or claimed under the lock; -1: none free. */
static int
my_record(struct permits *pm)
{
	pid_t	pid = getpid();
	int	i;

	if (my_rec >= 0 && my_rec_pid == pid && pm->recs[my_rec].pid == pid)
		return my_rec;
	if (sb_slot >= 0 && (pm->recs[sb_slot].pid == 0 ||
	    pm->recs[sb_slot].pid == pid))
		i = sb_slot;
	else
		for (i = 0; i < SLOTS_MAX && pm->recs[i].pid != 0 &&
		    pm->recs[i].pid != pid; i++)
			continue;
	if (i == SLOTS_MAX)
		return -1;
	pm->recs[i].state = PERMIT_NONE;
	pm->recs[i].pid = pid;
	my_rec = i;
	my_rec_pid = pid;
	return i;
}

static long
futex_wait(uint32_t *word, uint32_t val, const struct timespec *rel)
{
	return syscall(SYS_futex, word, FUTEX_WAIT, val, rel, NULL, 0);
}

static void
futex_wake(uint32_t *word)
{
	(void)syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/*
 * The waiters given a permit under the lock, to wake once it is let go
 * (woken under it, they would only sleep again on the lock).
 */
#define WAKES_MAX	4
struct wakes {
	int		 n;
	uint32_t	*word[WAKES_MAX];
};

static void
wake(struct wakes *wk)
{
	int	i;

	for (i = 0; i < wk->n; i++)
		futex_wake(wk->word[i]);
	wk->n = 0;
}

/*
 * Under the lock: count the records, and give each free permit to the
 * waiter with the oldest ticket, noting it in wk (past WAKES_MAX, woken at
 * once).  Leaves in *holding and *waiting the counts after that.
 */
static void
hand_over(struct permits *pm, int *holding, int *waiting, struct wakes *wk)
{
	struct permit_rec	*rec, *oldest;

	count(pm, holding, waiting);
	while (*holding < pm->total && *waiting > 0) {
		oldest = NULL;
		for (rec = pm->recs; rec < pm->recs + SLOTS_MAX; rec++)
			if (rec->pid != 0 && rec->state == PERMIT_WAITING &&
			    (oldest == NULL ||
			    (int32_t)(rec->ticket - oldest->ticket) < 0))
				oldest = rec;
		oldest->state = PERMIT_HOLDING;
		oldest->wake++;
		if (wk->n < WAKES_MAX)
			wk->word[wk->n++] = &oldest->wake;
		else
			futex_wake(&oldest->wake);
		(*holding)++;
		(*waiting)--;
	}
	pm->full = *holding >= pm->total && *waiting >= pm->queue;
}

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int
scoreboard_hash_enter(long wait_ms)
{
	struct permits		*pm;
	struct permit_rec	*rec;
	struct wakes		 wk = { 0 };
	struct timespec		 rel;
	uint32_t		 word;
	long			 deadline, left;
	int			 r, holding, waiting, rc = -1;

	if (sb == NULL)
		return 0;
	pm = &sb->permits;
	deadline = now_ms() + wait_ms;
	permits_lock(pm);
	if ((r = my_record(pm)) == -1) {
		log_err("scoreboard: no free permit record");
		goto out;
	}
	rec = &pm->recs[r];
	hand_over(pm, &holding, &waiting, &wk);
	if (holding >= pm->total && reap_dead(pm) > 0)
		hand_over(pm, &holding, &waiting, &wk);
	if (holding < pm->total) {
		rec->state = PERMIT_HOLDING;
		rc = 0;
		goto out;
	}
	if (waiting >= pm->queue)
		goto out;
	rec->state = PERMIT_WAITING;
	rec->ticket = pm->tickets++;
	for (;;) {
		if (rec->state == PERMIT_HOLDING) {
			rc = 0;
			break;
		}
		if ((left = deadline - now_ms()) <= 0) {
			rec->state = PERMIT_NONE;
			pm->full = 0;
			break;
		}
		word = rec->wake;
		pthread_mutex_unlock(&pm->lock);
		wake(&wk);
		rel.tv_sec = left / 1000;
		rel.tv_nsec = (left % 1000) * 1000000L;
		(void)futex_wait(&rec->wake, word, &rel);
		permits_lock(pm);
		if (rec->state != PERMIT_HOLDING) {
			(void)reap_dead(pm);
			hand_over(pm, &holding, &waiting, &wk);
		}
	}
out:
	pthread_mutex_unlock(&pm->lock);
	wake(&wk);
	return rc;
}

bool
scoreboard_hash_full(void)
{
	return sb != NULL && sb->permits.full;
}

void
scoreboard_hash_leave(void)
{
	struct permits	*pm;
	struct wakes	 wk = { 0 };
	int		 holding, waiting;

	if (sb == NULL)
		return;
	pm = &sb->permits;
	permits_lock(pm);
	if (my_rec >= 0 && pm->recs[my_rec].pid == getpid())
		pm->recs[my_rec].state = PERMIT_NONE;
	hand_over(pm, &holding, &waiting, &wk);
	pthread_mutex_unlock(&pm->lock);
	wake(&wk);
}

void
scoreboard_reclaim(pid_t pid)
{
	struct permits	*pm = &sb->permits;
	struct wakes	 wk = { 0 };
	int		 i, holding, waiting;

	permits_lock(pm);
	for (i = 0; i < SLOTS_MAX; i++)
		if (pm->recs[i].pid == pid) {
			pm->recs[i].state = PERMIT_NONE;
			pm->recs[i].pid = 0;
		}
	hand_over(pm, &holding, &waiting, &wk);
	pthread_mutex_unlock(&pm->lock);
	wake(&wk);
}

void
scoreboard_permits(int *holding, int *waiting)
{
	*holding = *waiting = 0;
	if (sb == NULL)
		return;
	permits_lock(&sb->permits);
	count(&sb->permits, holding, waiting);
	pthread_mutex_unlock(&sb->permits.lock);
}
