/* signet: what a personality is to the dispatcher.  ISC licence. */
#ifndef SIGNET_WIRE_PERSONA_H
#define SIGNET_WIRE_PERSONA_H

#include <stdbool.h>

struct problem;
struct req;

/*
 * A personality: one wire format signet speaks (Unicat, BEdita,
 * FreeSewing).  Each has one const instance, defined beside its handlers;
 * every route row points at one, and whatever the dispatcher does
 * differently for a personality is read from here, never switched on.
 * Success bodies differ too much to share a signature: each personality's
 * handlers build their own.
 */
struct persona {
	const char	*name;		/* "unicat", "bedita", "freesewing" */
	const char	*content_type;	/* of every body it answers */

	/*
	 * The response header that carries a refreshed token when a token's
	 * life is half gone (routes that take one), or NULL: none.
	 */
	const char	*token_header;

	/* Answer p in this personality's envelope, status and words. */
	void		(*fail)(struct req *, const struct problem *);

	/*
	 * Before a route's token check and handler: may this request use
	 * the personality at all (BEdita's API keys)?  Returns false after
	 * answering.  NULL: every request may.
	 */
	bool		(*admit)(struct req *);

	/* The handler of POST /signup when this personality serves it. */
	void		(*signup)(struct req *);
};

#endif
