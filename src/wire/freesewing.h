/* signet: the FreeSewing personality: /signup, /confirm/signup/<id>, /login. */
#ifndef SIGNET_FREESEWING_H
#define SIGNET_FREESEWING_H

#include "wire/persona.h"
#include "wire/req.h"

/* The FreeSewing personality: route rows point at it. */
extern const struct persona freesewing_persona;

/* Render a problem as {"result":"error","error":"<camelCaseCode>"}. */
void	freesewing_fail(struct req *, const struct problem *);

/* FreeSewing error with an explicit status and code. */
void	freesewing_error(struct req *, int status, const char *code);

/*
 * FreeSewing's mailed link: base without trailing slashes +
 * "/confirm/signup/" + id.  Caller frees.  Pure.
 */
char	*freesewing_confirm_link(const char *base, const char *id);

/* The handlers; each answers every outcome itself. */
void	freesewing_signup(struct req *);	/* POST /signup */
void	freesewing_confirm(struct req *);	/* POST /confirm/signup/<id> */
void	freesewing_login(struct req *);		/* POST /login */

#endif
