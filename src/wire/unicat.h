/* signet: the Unicat personality, everything under /api/.  ISC licence. */
#ifndef SIGNET_UNICAT_H
#define SIGNET_UNICAT_H

#include "wire/persona.h"
#include "wire/req.h"

/* The Unicat personality: route rows point at it. */
extern const struct persona unicat_persona;

/* Render a problem in Unicat's envelope (API.md's error table). */
void	unicat_fail(struct req *, const struct problem *);

/* 200 {"success":true,"result":result,"data":data}; takes both (NULL: {}). */
void	unicat_ok(struct req *, struct json_object *result,
	    struct json_object *data);

/* Handlers, one per route (route.c). */
void	unicat_health(struct req *);
void	unicat_signup_request(struct req *);
void	unicat_signup(struct req *);
void	unicat_login(struct req *);
void	unicat_init(struct req *);
void	unicat_logout(struct req *);
void	unicat_invite(struct req *);
void	unicat_resend_invite(struct req *);
void	unicat_accept_invite(struct req *);
void	unicat_decline_invite(struct req *);
void	unicat_decline_invite_anon(struct req *);
void	unicat_reset_password_request(struct req *);
void	unicat_reset_password(struct req *);

#endif
