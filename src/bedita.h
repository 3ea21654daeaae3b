/* signet: the BEdita personality: /signup, /signup/activation, /auth. */
#ifndef SIGNET_BEDITA_H
#define SIGNET_BEDITA_H

#include "req.h"

/*
 * Render a problem in BEdita's JSON:API error envelope
 * {"error": {"status", "title"[, "detail"][, "code"]}, "links": {...}},
 * Content-Type application/vnd.api+json.
 */
void	bedita_fail(struct req *, const struct problem *);

/*
 * BEdita error with explicit parts: status, title, detail and code (both
 * may be NULL).
 */
void	bedita_error(struct req *, int status, const char *title,
	    const char *detail, const char *code);

/*
 * The handlers.  Each checks the X-Api-Key (bedita_api_keys) first and
 * answers every outcome itself.
 */
void	bedita_signup(struct req *);		/* POST /signup */
void	bedita_activation(struct req *);	/* POST /signup/activation */
void	bedita_auth(struct req *);		/* POST /auth */

#endif
