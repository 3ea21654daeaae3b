/* signet: the route table and dispatch.  ISC licence, see README. */
#ifndef SIGNET_WIRE_ROUTE_H
#define SIGNET_WIRE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "wire/persona.h"
#include "wire/req.h"

/* Method bits of a route. */
#define M_GET		0x01	/* and HEAD */
#define M_POST		0x02
#define M_PUT		0x04
#define M_PATCH		0x08
#define M_DELETE	0x10

/* Route flags. */
#define R_JWT	0x1	/* needs a JWT with a good signature; the handler
			   checks its epoch (account_session() does) */
#define R_AUTH	0x3	/* needs a valid JWT of an active user, current epoch */

struct route {
	unsigned		 methods;
	const char		*pattern;	/* '*' is one path segment, a
						   parameter */
	const struct persona	*persona;	/* who answers; NULL: resolve */
	/* The persona of a route shared by personalities (POST /signup). */
	const struct persona	*(*resolve)(const struct req *);
	unsigned		 flags;
	void			(*handler)(struct req *);
	const char		*name;		/* for the log and the scoreboard */
};

/*
 * Answer one parsed request: find its route (404, 405 + Allow), let its
 * persona admit it, check the token when needed, tell the core where the
 * request came from (event_begin(): the audit log), run the handler.
 * perr is the problem req_parse() found, or NULL.  The response is left
 * in r for req_send(); the caller flushes the events (event_flush()).
 */
void	 route_dispatch(struct req *r, const struct problem *perr);

/*
 * Count a request answered (the metrics): by its route (matched, even by
 * path only) or as unknown, its status and how long it took.
 */
void	 route_observe(const struct req *r, double seconds);

/*
 * Does path match pattern?  Fills params (owned by the caller, free()d)
 * for each '*', up to max.  Exposed for the unit tests.
 */
bool	 route_match(const char *pattern, const char *path, char **params,
	    size_t max);

#endif
