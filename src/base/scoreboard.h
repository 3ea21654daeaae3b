/* signet: memory shared by the master and its children.  ISC licence. */
#ifndef SIGNET_SCOREBOARD_H
#define SIGNET_SCOREBOARD_H

#include <semaphore.h>
#include <sys/types.h>

#include "base/ratelimit.h"

/*
 * The scoreboard: one slot per child, in memory shared by the master and
 * its children (MAP_SHARED, created before the first fork), and the hash
 * permits (a process-shared semaphore of hash_concurrency).  A worker
 * writes the route it serves and whether it holds a hash permit; when a
 * worker dies the master reads its slot to log the route and to give back
 * a permit the dead worker held.  Every layer may use it: it knows
 * nothing of requests, hashing or mail.
 */
struct slot {
	pid_t		pid;		/* 0: free */
	unsigned	generation;	/* config generation it was forked under */
	volatile int	hashing;	/* holds a hash_concurrency permit */
	char		route[40];	/* route being served, "" when idle */
};

#define SLOTS_MAX	2100

struct scoreboard {
	sem_t		hash_sem;	/* hash_concurrency permits */
	struct slot	slots[SLOTS_MAX];
	struct rl_slot	lograte[RL_SLOTS];	/* log_limited()'s windows */
};

/* The shared region (NULL before scoreboard_init(): signet-admin). */
extern struct scoreboard	*sb;

/* This process's slot in sb->slots, -1 if none (the master, -workers 0). */
extern int			 sb_slot;

/*
 * Create the shared region with permits hash permits.  Before any fork;
 * exits on failure.
 */
void	 scoreboard_init(unsigned permits);

/* Note in this process's slot that it serves route (NULL: idle). */
void	 scoreboard_busy(const char *route);

/*
 * Take / give back a hash permit; scoreboard_hash_enter() blocks while none
 * is free.  Without a scoreboard (signet-admin) both do nothing.
 */
void	 scoreboard_hash_enter(void);
void	 scoreboard_hash_leave(void);

/* The master: give back the permit a dead child held in slot i, if any. */
void	 scoreboard_reclaim(int i);

#endif
