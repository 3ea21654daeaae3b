/* signet: windows that let one line of a kind through.  ISC licence. */
#ifndef SIGNET_BASE_RATELIMIT_H
#define SIGNET_BASE_RATELIMIT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The log's rate limit (log_limited() in log.h), apart so that it can be
 * tested without a clock.  A table of slots, one per kind of line (a
 * 64-bit key), each with a window: the first line of a kind is written and
 * opens a window of `window` seconds; the lines of that kind within it are
 * counted and dropped; the count goes out with the next line written, or
 * as a summary once the window closed (rl_closed()).
 *
 * Every field is atomic and no lock is taken: the daemon keeps the table in
 * the scoreboard, shared by the master and its children, and a process
 * killed between two steps leaves nothing held.  Two processes racing on
 * one slot at worst both write a line; no drop is counted twice.
 */
struct rl_slot {
	_Atomic uint64_t	key;	/* 0: free */
	_Atomic long		start;	/* window opened (seconds); 0: none */
	_Atomic long		count;	/* dropped, not yet reported */
};

/* Slots of the table in the scoreboard (and of a process without one). */
#define RL_SLOTS	64

/* FNV-1a of s, never 0 (0 marks a free slot).  Pure. */
uint64_t	rl_key(const char *s);

/*
 * A line of kind key at time now (seconds, > 0) in the table tab of n
 * slots: -1 to drop it (it is counted); otherwise write it, and the result
 * (>= 0) is how many lines of its kind were dropped and not yet reported,
 * to be said with it.  A line written opens the window of its kind; *slot
 * gets the slot used and *opened the window's start, for rl_closed().
 */
long		rl_hit(struct rl_slot *tab, size_t n, uint64_t key, long now,
		    long window, size_t *slot, long *opened);

/*
 * For the process that wrote the line that opened a window (slot, key,
 * opened as rl_hit() gave them): once the window has closed (now >=
 * opened + window) the lines dropped and not yet reported, which are then
 * its to report (0 when none, or when a later line took them); -1 while
 * the window is open, so ask again later.
 */
long		rl_closed(struct rl_slot *tab, size_t slot, uint64_t key,
		    long opened, long now, long window);

#endif
