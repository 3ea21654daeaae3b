/* signet: the BEdita personality: /signup, /signup/activation, /auth. */
#ifndef SIGNET_BEDITA_H
#define SIGNET_BEDITA_H

#include "req.h"

/* Render a problem in BEdita's JSON:API error envelope. */
void	bedita_fail(struct req *, const struct problem *);

/*
 * BEdita error with explicit parts: status, title, detail and code (both
 * may be NULL).
 */
void	bedita_error(struct req *, int status, const char *title,
	    const char *detail, const char *code);

#endif
