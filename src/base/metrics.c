/* signet: counters shared by every process, for GET /metrics.  ISC licence. */
#include "config.h"

#include <stddef.h>

#include "base/metrics.h"

const double	mx_bounds[MX_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10, 30,
};

static struct metrics	*mx;

struct metrics *
mx_region(void)
{
	return mx;
}

void
mx_share(struct metrics *m)
{
	mx = m;
}

/* One more, relaxed: a counter orders nothing else. */
static void
bump(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

uint64_t
mx_get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void
mx_inc(enum mx_counter c)
{
	if (mx != NULL && c < MX_COUNTERS)
		bump(&mx->counters[c], 1);
}

void
mx_hist_add(struct mx_hist *h, double seconds)
{
	size_t	i;

	if (seconds < 0)
		seconds = 0;
	for (i = 0; i < MX_BUCKETS && seconds > mx_bounds[i]; i++)
		continue;
	bump(&h->n[i], 1);
	bump(&h->sum_us, (uint64_t)(seconds * 1e6 + 0.5));
}

void
mx_hist_read(const struct mx_hist *h, struct mx_snap *s)
{
	uint64_t	run = 0;
	size_t		i;

	for (i = 0; i <= MX_BUCKETS; i++) {
		run += mx_get(&h->n[i]);
		s->n[i] = run;
	}
	s->sum = (double)mx_get(&h->sum_us) / 1e6;
}

void
mx_request(unsigned route, unsigned status, double seconds)
{
	if (mx == NULL || route >= MX_ROUTES || status >= MX_STATUSES)
		return;
	bump(&mx->requests[route][status], 1);
	mx_hist_add(&mx->request_seconds[route], seconds);
}

void
mx_event(unsigned event, unsigned outcome, unsigned persona)
{
	if (mx != NULL && event < MX_EVENTS && outcome < MX_OUTCOMES &&
	    persona < MX_PERSONAS)
		bump(&mx->events[event][outcome][persona], 1);
}

void
mx_throttle(unsigned kind)
{
	if (mx != NULL && kind < MX_THROTTLES)
		bump(&mx->throttles[kind], 1);
}

void
mx_observe(enum mx_timer t, double seconds)
{
	if (mx != NULL && t < MX_TIMERS)
		mx_hist_add(&mx->timers[t], seconds);
}
