/* signet: memory shared by the master and its children.  ISC licence. */
#ifndef SIGNET_SCOREBOARD_H
#define SIGNET_SCOREBOARD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/metrics.h"
#include "base/ratelimit.h"

/*
 * The scoreboard: one slot per child, in memory shared by the master and
 * its children (MAP_SHARED, created before the first fork), and the hash
 * permits.  A worker writes the route it serves; when a worker dies the
 * master reads its slot to log the route and gives back a permit the dead
 * worker held.  Beside them, the counters of GET /metrics (metrics.h),
 * summed over every process and kept when one is replaced.  Every layer
 * may use it: it knows nothing of requests, hashing or mail.
 */
struct slot {
	pid_t		pid;		/* 0: free */
	unsigned	generation;	/* config generation it was forked under */
	char		route[40];	/* route being served, "" when idle */
};

/*
 * What a child of the master is, by its slot's route: "mailer" and "hasher"
 * for its whole life, set at fork; a worker's route is what it serves.
 */
enum slot_kind {
	SLOT_WORKER,
	SLOT_MAILER,
	SLOT_HASHER,
	SLOT_KINDS
};

/* The route a child of each kind starts with ("" for a worker: idle). */
extern const char *const	slot_kind_route[SLOT_KINDS];

/* Two generations of 1024 workers and 64 mailers, and 1024 hashers. */
#define SLOTS_MAX	3200

/*
 * The hash permits: admission control for password hashing.  At most
 * total hashes run at once; at most queue requests wait for a permit, each
 * for a bounded time; anyone else is turned away at once.  Every process
 * that hashes has a record, changed under a robust process-shared mutex
 * with single stores, so a process killed at any moment leaves the state
 * whole: its record still says what it held, and the master (or, without
 * one, the next process that waits) gives it back.  Permits go in the
 * order they were asked for: one given back goes straight to the longest
 * waiter, so a request that arrives later cannot take it first, and no
 * login waits for two hashes where others wait for one.  Each waiter
 * sleeps on the futex word of its own record.
 */
enum permit_state {
	PERMIT_NONE,		/* the record is free or its process idle */
	PERMIT_WAITING,
	PERMIT_HOLDING,
};

struct permit_rec {
	pid_t			pid;	/* 0: free record */
	enum permit_state	state;
	uint32_t		ticket;	/* when it began to wait */
	uint32_t		wake;	/* futex word: bumped when the
					   permit is handed to it */
};

struct permits {
	pthread_mutex_t		lock;
	uint32_t		tickets;	/* the next waiter's ticket */
	int			total;	/* hash_concurrency */
	int			queue;	/* hash_queue */
	volatile int		full;	/* at the last look: every permit
					   held and the queue full */
	struct permit_rec	recs[SLOTS_MAX];
};

struct scoreboard {
	struct permits	permits;
	struct slot	slots[SLOTS_MAX];
	struct rl_slot	lograte[RL_SLOTS];	/* log_limited()'s windows */
	struct metrics	metrics;		/* mx_*() count here */
};

/* The shared region (NULL before scoreboard_init(): signet-admin). */
extern struct scoreboard	*sb;

/* This process's slot in sb->slots, -1 if none (the master, workers 0). */
extern int			 sb_slot;

/*
 * Create the shared region with total hash permits of which at most queue
 * may be waited for at once.  With name (workers = 0: every process is
 * started by the web server, none by us) the region is a POSIX shared
 * memory object of that name, made by the first process and shared by all
 * that give the same name; else it is anonymous, for the master and the
 * children it forks.  Before any fork; exits on failure.
 */
void	 scoreboard_init(const char *name, int total, int queue);

/* A shared memory name for a configuration file: "/signet-<hash>". */
void	 scoreboard_name(const char *conf_path, char out[64]);

/* Note in this process's slot that it serves route (NULL: idle). */
void	 scoreboard_busy(const char *route);

/* What the child in slot s is (see enum slot_kind). */
enum slot_kind	 scoreboard_kind(const struct slot *s);

/*
 * Take a hash permit, waiting at most wait_ms for one: 0 taken, -1 none
 * (the queue is full, or the wait ran out): the caller answers "busy" at
 * once instead of holding its worker.  Without a scoreboard (signet-admin)
 * it always succeeds.
 */
int	 scoreboard_hash_enter(long wait_ms) __attribute__((warn_unused_result));

/*
 * Were the permits and the queue all taken at the last look?  A lock-free
 * hint, so that a flood of requests that would be turned away is turned
 * away before it costs anything else.
 */
bool	 scoreboard_hash_full(void);

/* Give back the permit scoreboard_hash_enter() gave. */
void	 scoreboard_hash_leave(void);

/* The master: a child died; give back any permit process pid held. */
void	 scoreboard_reclaim(pid_t pid);

/* Permits held and requests waiting now (tests, metrics). */
void	 scoreboard_permits(int *holding, int *waiting);

#endif
