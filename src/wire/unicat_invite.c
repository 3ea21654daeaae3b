/* signet: the Unicat personality: project invitations.  ISC licence. */
#include "config.h"

#include <json-c/json.h>

#include "core/account.h"
#include "core/invite.h"
#include "wire/req.h"
#include "wire/unicat.h"

#define failed(r, rc, p)	unicat_failed(r, rc, p, NULL, 0)

/* Unicat's names of the core's fields, by endpoint. */
static const struct field_name invite_names[] = {
	{ "login", "username_or_email" },
};
static const struct field_name answer_names[] = {
	{ "invitation", "project" },
};
static const struct field_name anon_names[] = {
	{ "user", "invitee" },
	{ "invitation", "invitee" },
};

/*
 * The body of members/invite and members/resend_invite: result.user is
 * the invitee's gid, data.cc.users the invitee, data.cc.projects_members
 * the invitation.
 */
static void
reply_invitation(struct req *r, const struct invitation *inv)
{
	const struct user		*u = &inv->invitee;
	const struct session_user	 cu = {
		.gid = u->gid, .username = u->username, .email = u->email,
		.name = u->name, .avatar = u->avatar, .status = u->status,
		.language = u->language, .timezone = u->timezone,
	};
	struct json_object	*res, *data, *users, *members;

	users = json_object_new_object();
	json_object_object_add(users, u->gid, unicat_user_json(&cu));
	members = json_object_new_array();
	json_object_array_add(members, unicat_member_json(&(struct session_member){
		.project = inv->project, .user = u->gid, .status = inv->status,
		.roles = inv->roles, .options = inv->options }));
	res = json_object_new_object();
	json_object_object_add(res, "user", jstr(u->gid));
	data = json_object_new_object();
	json_object_object_add(data, "cc.users", users);
	json_object_object_add(data, "cc.projects_members", members);
	unicat_ok(r, res, data);
}

/* POST /api/p/<project gid>/members/invite {username_or_email} (JWT, owner) */
void
unicat_invite(struct req *r)
{
	static const char *const fields[] = { "username_or_email" };
	const char		*v[1];
	struct problem		 p = { 0 };
	struct invitation	 inv;

	if (failed(r, req_strings(r, fields, 1, v, &p), &p) ||
	    unicat_failed(r, invite_create(r->user_gid, r->params[0], v[0], &inv,
	    &p), &p, FIELD_NAMES(invite_names)))
		return;
	reply_invitation(r, &inv);
	invitation_free(&inv);
}

/* POST /api/p/<project gid>/members/resend_invite {user} (JWT, owner) */
void
unicat_resend_invite(struct req *r)
{
	static const char *const fields[] = { "user" };
	const char		*v[1];
	struct problem		 p = { 0 };
	struct invitation	 inv;

	if (failed(r, req_strings(r, fields, 1, v, &p), &p) ||
	    failed(r, invite_resend(r->user_gid, r->params[0], v[0], &inv,
	    &p), &p))
		return;
	reply_invitation(r, &inv);
	invitation_free(&inv);
}

/* accept_invite, decline_invite (JWT): then the session, as /api/init. */
static void
answer_invite(struct req *r, bool accept)
{
	static const char *const fields[] = { "project" };
	const char	*v[1];
	struct problem	 p = { 0 };
	struct session	 s;

	if (failed(r, req_strings(r, fields, 1, v, &p), &p) ||
	    unicat_failed(r, invite_answer(r->user_gid, v[0], accept, &p), &p,
	    FIELD_NAMES(answer_names)) ||
	    failed(r, account_session(r->user_gid, r->token_epoch, &s, &p),
	    &p))
		return;
	unicat_reply_session(r, &s, NULL, true);
	db_session_free(&s);
}

/* POST /api/account/accept_invite {project} (JWT) */
void
unicat_accept_invite(struct req *r)
{
	answer_invite(r, true);
}

/* POST /api/account/decline_invite {project} (JWT) */
void
unicat_decline_invite(struct req *r)
{
	answer_invite(r, false);
}

/* POST /api/decline_invite {invitee, project}: no token (invite mails). */
void
unicat_decline_invite_anon(struct req *r)
{
	static const char *const fields[] = { "invitee", "project" };
	const char	*v[2];
	struct problem	 p = { 0 };

	if (failed(r, req_strings(r, fields, 2, v, &p), &p) ||
	    unicat_failed(r, invite_answer(v[0], v[1], false, &p), &p,
	    FIELD_NAMES(anon_names)))
		return;
	unicat_ok(r, NULL, NULL);
}
