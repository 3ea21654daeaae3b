/* signet: the Unicat personality, everything under /api/.  ISC licence. */
#ifndef SIGNET_UNICAT_H
#define SIGNET_UNICAT_H

#include <stdbool.h>
#include <stddef.h>

#include "db/session.h"
#include "wire/persona.h"
#include "wire/req.h"

/* The Unicat personality: route rows point at it. */
extern const struct persona unicat_persona;

/* Render a problem in Unicat's envelope (API.md's error table). */
void	unicat_fail(struct req *, const struct problem *);

/* 200 {"success":true,"result":result,"data":data}; takes both (NULL: {}). */
void	unicat_ok(struct req *, struct json_object *result,
	    struct json_object *data);

/*
 * For the Unicat files only.  unicat_failed(): unless rc is 0, answer p
 * with its fields renamed from the core's words to Unicat's by map (n
 * entries); true when it failed.  unicat_user_json(), unicat_member_json():
 * an entry of cc.users and of cc.projects_members.  unicat_reply_session():
 * the body of /api/signup, /api/login and /api/init, with jwt (if not NULL)
 * in the Authorization header; login adds cc.version and cc.cursor.
 */
bool	unicat_failed(struct req *, int rc, struct problem *p,
	    const struct field_name *map, size_t n);
struct json_object *unicat_user_json(const struct session_user *);
struct json_object *unicat_member_json(const struct session_member *);
void	unicat_reply_session(struct req *, const struct session *,
	    const char *jwt, bool login);

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
void	unicat_account_update(struct req *);
void	unicat_update_email_request(struct req *);
void	unicat_update_email(struct req *);
void	unicat_account_delete(struct req *);
void	unicat_leave_project(struct req *);
void	unicat_account_mfa(struct req *);
void	unicat_not_served(struct req *);	/* 501: documented, not served */

#endif
