/* signet: the Unicat personality, everything under /api/.  ISC licence. */
#ifndef SIGNET_UNICAT_H
#define SIGNET_UNICAT_H

#include "req.h"

/* Render a problem in Unicat's envelope (API.md's error table). */
void	unicat_fail(struct req *, const struct problem *);

/* 200 {"success":true,"result":result,"data":data}; takes both (NULL: {}). */
void	unicat_ok(struct req *, struct json_object *result,
	    struct json_object *data);

/* Handlers. */
void	unicat_health(struct req *);

#endif
