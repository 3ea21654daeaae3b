/* signet: a worker process, and the state it shares with the master. */
#ifndef SIGNET_WORKER_H
#define SIGNET_WORKER_H

#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * The scoreboard: one slot per child, in memory shared by the master and
 * its children (MAP_SHARED, created before the first fork).  A worker
 * writes the route it serves and whether it holds a hash permit; when a
 * worker dies the master reads its slot to log the route and to give back
 * a permit the dead worker held.
 */
struct slot {
	pid_t		pid;		/* 0: free */
	unsigned	generation;	/* config generation it was forked under */
	volatile int	hashing;	/* holds a hash_concurrency permit */
	char		route[40];	/* route being served, "" when idle */
};

#define SLOTS_MAX	2100

struct shared {
	sem_t		hash_sem;	/* hash_concurrency permits */
	struct slot	slots[SLOTS_MAX];
};

extern struct shared	*shared;
extern int		 my_slot;	/* index in shared->slots, -1 if none */

/*
 * Create the shared region with hash_concurrency permits.  Before any fork;
 * exits on failure.
 */
void	 shared_init(unsigned permits);

/*
 * Serve FastCGI requests on the listening socket fd until told to stop
 * (SIGTERM/SIGINT), finishing the request in flight.  With standalone (no
 * master) SIGHUP reloads the configuration in place.  Returns the exit
 * status for the process.
 */
int	 worker_run(int fd, bool standalone);

/* Note in the scoreboard that this worker serves route (NULL: idle). */
void	 worker_busy(const char *route);

/* Take / give back a hash permit; hash_enter() blocks while none is free. */
void	 hash_enter(void);
void	 hash_leave(void);

#endif
