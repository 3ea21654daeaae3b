/* signet: counters shared by every process, for GET /metrics.  ISC licence. */
#ifndef SIGNET_BASE_METRICS_H
#define SIGNET_BASE_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * The counters live in the scoreboard's region (struct scoreboard), made
 * by the master before the first fork: every worker and mailer adds to the
 * same numbers, and they outlive any one process.  Each is a 64-bit
 * atomic bumped with one relaxed fetch-add: no lock that a process killed
 * at any moment could leave held, and a reader sees each counter whole.
 * Without a region (signet-admin, the unit tests before they make one)
 * every call here does nothing.
 *
 * The layer that counts owns the meaning of an index: the route table
 * (wire) numbers routes and statuses, the event module (core) numbers
 * events, outcomes and throttle kinds; the writer of /metrics (wire) names
 * them.  This file only fixes the room each has.
 */

/* Room: routes (+1 for paths no route knows), statuses, ... */
#define MX_ROUTES	64
#define MX_STATUSES	20
#define MX_PERSONAS	4	/* 0: none (signet-admin), then one each */
#define MX_EVENTS	32
#define MX_OUTCOMES	24
#define MX_THROTTLES	16

/*
 * Histogram buckets, in seconds: one set for every histogram (requests,
 * hashes, waits for a hash permit), from a cached read (1 ms) to a login
 * held up by a full queue (hash_wait_ms, 2 s by default) and beyond.
 */
#define MX_BUCKETS	14
extern const double	mx_bounds[MX_BUCKETS];

/*
 * A histogram: counts per bucket, not cumulative (n[MX_BUCKETS] is past
 * the last bound), and the sum of the observations in microseconds.  The
 * count is the sum of n[], so that a scrape always sees _count equal to
 * the +Inf bucket.
 */
struct mx_hist {
	_Atomic uint64_t	n[MX_BUCKETS + 1];
	_Atomic uint64_t	sum_us;
};

/* Plain counters, by name. */
enum mx_counter {
	MX_MAIL_SENT,		/* mails the SMTP server accepted */
	MX_MAIL_FAILED,		/* attempts that failed (each is retried) */
	MX_MAIL_GIVEN_UP,	/* mails whose attempts ran out */
	MX_DB_ERRORS,		/* statements or connects that failed */
	MX_DB_RECONNECTS,	/* connections made after a first one */
	MX_WORKER_RESTARTS,	/* workers that died and were replaced */
	MX_MAILER_RESTARTS,	/* mailers likewise */
	MX_HASHER_RESTARTS,	/* hashers likewise */
	MX_AUDIT_FAILED,	/* audit rows that could not be written */
	MX_COUNTERS
};

/* Histograms other than the requests', by name. */
enum mx_timer {
	MX_HASH_SECONDS,	/* one scrypt hash, permit held */
	MX_HASH_WAIT_SECONDS,	/* waiting for a hash permit */
	MX_TIMERS
};

struct metrics {
	_Atomic uint64_t	 requests[MX_ROUTES][MX_STATUSES];
	struct mx_hist		 request_seconds[MX_ROUTES];
	_Atomic uint64_t	 events[MX_EVENTS][MX_OUTCOMES][MX_PERSONAS];
	_Atomic uint64_t	 throttles[MX_THROTTLES];
	_Atomic uint64_t	 counters[MX_COUNTERS];
	struct mx_hist		 timers[MX_TIMERS];
};

/* The region's counters, or NULL without one. */
struct metrics	*mx_region(void);

/* Let the calls below count into m (scoreboard_init(); NULL: stop). */
void	 mx_share(struct metrics *m);

/* Count one: a counter, a request (route, status index), an event. */
void	 mx_inc(enum mx_counter c);
void	 mx_request(unsigned route, unsigned status, double seconds);
void	 mx_event(unsigned event, unsigned outcome, unsigned persona);
void	 mx_throttle(unsigned kind);

/* Add an observation of seconds to a histogram. */
void	 mx_observe(enum mx_timer t, double seconds);
void	 mx_hist_add(struct mx_hist *h, double seconds);

/*
 * A histogram read once: cumulative counts per bound (n[MX_BUCKETS] is
 * +Inf, the count) and the sum in seconds.  Pure but for the loads.
 */
struct mx_snap {
	uint64_t	n[MX_BUCKETS + 1];
	double		sum;
};
void	 mx_hist_read(const struct mx_hist *h, struct mx_snap *s);

/* A counter read once. */
uint64_t mx_get(const _Atomic uint64_t *c);

#endif
