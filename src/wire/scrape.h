/* signet: GET /metrics, in Prometheus' text format.  ISC licence. */
#ifndef SIGNET_WIRE_SCRAPE_H
#define SIGNET_WIRE_SCRAPE_H

#include <stddef.h>

#include "wire/req.h"

/*
 * The operator's view of every process at once: the counters of the
 * shared region (base/metrics.h) written out with base/expo.h, plus what
 * is read at scrape time (hash permits in use, processes alive, the mail
 * queue from the database).  The dispatcher numbers routes and
 * personalities; it hands their names over here.
 */
struct metrics_labels {
	const char *const	*routes;	/* nroutes + 1 names: the last
						   for paths no route knows */
	size_t			 nroutes;
	const char *const	*personas;	/* npersonas names, [0] none */
	size_t			 npersonas;
};

/* A request of route number route (nroutes: none) answered status. */
void	 metrics_request(size_t route, int status, double seconds);

/*
 * GET /metrics: the exposition, to clients in metrics_allow only; any
 * other client gets the persona's 404, as for a path that does not exist.
 * Methods other than GET and HEAD: 405.
 */
void	 metrics_serve(struct req *r, const struct metrics_labels *l);

#endif
