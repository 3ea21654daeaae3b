/* signet: the Unicat personality: the account after login.  ISC licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/conf.h"
#include "base/xmalloc.h"
#include "core/mfa.h"
#include "core/profile.h"
#include "core/token.h"
#include "wire/req.h"
#include "wire/unicat.h"

#define failed(r, rc, p)	unicat_failed(r, rc, p, NULL, 0)

/* Unicat's names of the two codes of an address change. */
static const struct field_name email_names[] = {
	{ "token", "validation_code" },
	{ "code", "verification_code" },
};

/*
 * The body of account/update and account/update_email: result.user is
 * the user's gid, data.cc.users the user as it is now.
 */
static void
reply_user(struct req *r, const struct user *u)
{
	const struct session_user	 su = {
		.gid = u->gid, .username = u->username, .email = u->email,
		.name = u->name, .avatar = u->avatar, .status = u->status,
		.language = u->language, .timezone = u->timezone,
	};
	struct json_object		*res, *data, *users;

	users = json_object_new_object();
	json_object_object_add(users, u->gid, unicat_user_json(&su));
	res = json_object_new_object();
	json_object_object_add(res, "user", jstr(u->gid));
	data = json_object_new_object();
	json_object_object_add(data, "cc.users", users);
	unicat_ok(r, res, data);
}

/*
 * The user's other tokens died with a new password: this request's answer
 * carries one at the new epoch, of the same session.
 */
static void
fresh_token(struct req *r, long epoch)
{
	char	*jwt;

	r->token_left = cf->jwt_ttl;	/* no refresh at the old epoch */
	if ((jwt = token_issue(r->user_gid, epoch, TOKEN_ACCESS, r->auth_time,
	    NULL)) != NULL) {
		req_header(r, "Authorization", jwt);
		free(jwt);
	}
}

/*
 * POST /api/account/update {username, password, name, language, timezone}
 * (JWT): each optional, at least one.  No current password on this wire:
 * a new one needs a recent login (reauth_window).
 */
void
unicat_account_update(struct req *r)
{
	static const char *const fields[] = { "?username", "?password",
	    "?name", "?language", "?timezone" };
	const char		*v[5];
	struct profile_changes	 c = { .consent = -1 };
	struct problem		 p = { 0 };
	struct user		 u;
	size_t			 i;

	if (failed(r, req_strings(r, fields, 5, v, &p), &p))
		return;
	for (i = 0; i < 5 && v[i] == NULL; i++)
		;
	if (i == 5) {
		p.kind = PROB_MISSING;
		p.field = "username, password, name, language or timezone";
		unicat_fail(r, &p);
		return;
	}
	c.username = v[0];
	c.password = v[1];
	c.name = v[2];
	c.language = v[3];
	c.timezone = v[4];
	if ((c.password != NULL &&
	    failed(r, profile_recent(r->auth_time, &p), &p)) ||
	    failed(r, profile_update(r->user_id, &c, &u, &p), &p))
		return;
	reply_user(r, &u);
	if (c.password != NULL)
		fresh_token(r, u.token_epoch);
	db_user_free(&u);
}

/* POST /api/account/update_email_request {email} (JWT, a recent login) */
void
unicat_update_email_request(struct req *r)
{
	static const char *const fields[] = { "email" };
	const char		*v[1];
	struct problem		 p = { 0 };
	struct json_object	*res;
	char			*token;

	if (failed(r, req_strings(r, fields, 1, v, &p), &p) ||
	    failed(r, profile_recent(r->auth_time, &p), &p) ||
	    failed(r, profile_email_request(r->user_id, v[0], PROOF_CODE, NULL,
	    r->remote, &token, &p), &p))
		return;
	res = json_object_new_object();
	json_object_object_add(res, "validation_code", jstr(token));
	xfreezero(token, strlen(token));
	unicat_ok(r, res, NULL);
}

/*
 * POST /api/account/update_email {email, validation_code,
 * verification_code} (JWT): the address of the request, proved.
 */
void
unicat_update_email(struct req *r)
{
	static const char *const fields[] = { "email", "validation_code",
	    "verification_code" };
	const char	*v[3];
	struct problem	 p = { 0 };
	struct user	 u;

	if (failed(r, req_strings(r, fields, 3, v, &p), &p) ||
	    unicat_failed(r, profile_email_by_code(r->user_id, v[0], v[1], v[2],
	    &u, &p), &p, FIELD_NAMES(email_names)))
		return;
	reply_user(r, &u);
	db_user_free(&u);
}

/*
 * POST /api/account/delete {"confirm": true} (JWT, a recent login).  The
 * answer carries no token: none authenticates the account any more.
 */
void
unicat_account_delete(struct req *r)
{
	struct json_object	*v;
	struct problem		 p = { 0 };

	if (r->json == NULL || !json_object_object_get_ex(r->json, "confirm",
	    &v) || json_object_is_type(v, json_type_null)) {
		p.kind = PROB_MISSING;
		p.field = "confirm";
	} else if (!json_object_is_type(v, json_type_boolean) ||
	    !json_object_get_boolean(v)) {
		p.kind = PROB_INVALID;
		p.field = "confirm";
	}
	if (p.field != NULL) {
		unicat_fail(r, &p);
		return;
	}
	if (failed(r, profile_recent(r->auth_time, &p), &p))
		return;
	if (profile_delete(r->user_id, &p) == -1) {
		/* Unicat: an owner keeps the account (422, "deletion failed"). */
		if (p.kind == PROB_CONFLICT) {
			memset(&p, 0, sizeof(p));
			problem_field(&p, "projects", "the account owns projects: "
			    "deletion failed");
		}
		unicat_fail(r, &p);
		return;
	}
	unicat_ok(r, NULL, NULL);
	r->token_left = cf->jwt_ttl;	/* no refreshed token for nobody */
}

/* POST /api/account/leave_project {project} (JWT) */
void
unicat_leave_project(struct req *r)
{
	static const char *const fields[] = { "project" };
	const char	*v[1];
	struct problem	 p = { 0 };

	if (failed(r, req_strings(r, fields, 1, v, &p), &p) ||
	    failed(r, profile_leave(r->user_id, v[0], &p), &p))
		return;
	unicat_ok(r, NULL, NULL);
}

/*
 * POST /api/account/upload_avatar, /api/account/delete_avatar: documented
 * by Unicat, not served by signet (it keeps no files).
 */
void
unicat_not_served(struct req *r)
{
	struct problem	p = { .kind = PROB_NOT_IMPLEMENTED };

	unicat_fail(r, &p);
}

/* Unicat's names for the fields of two-factor (FreeSewing's words). */
static const struct field_name mfa_names[] = {
	{ "totp", "token" },
};

/* {"mfa": {"secret", "otpauth", "qrcode"}}: enrolment, step 1. */
static void
mfa_setup_reply(struct req *r)
{
	struct mfa_setup	 s;
	struct problem		 p = { 0 };
	struct json_object	*res, *m;

	if (failed(r, profile_recent(r->auth_time, &p), &p) ||
	    failed(r, mfa_setup(r->user_id, &s, &p), &p))
		return;
	m = json_object_new_object();
	json_object_object_add(m, "secret", jstr(s.secret));
	json_object_object_add(m, "otpauth", jstr(s.uri));
	json_object_object_add(m, "qrcode", jstr(s.svg));
	res = json_object_new_object();
	json_object_object_add(res, "mfa", m);
	unicat_ok(r, res, NULL);
	mfa_setup_free(&s);
}

/* {"recovery_codes": [...]}: enrolment, step 2. */
static void
mfa_confirm_reply(struct req *r, const char *secret, const char *token)
{
	char			*codes[MFA_RECOVERY_CODES];
	struct problem		 p = { 0 };
	struct json_object	*res, *a;
	size_t			 i;

	if (unicat_failed(r, mfa_confirm(r->user_id, secret, token, codes, &p),
	    &p, FIELD_NAMES(mfa_names)))
		return;
	a = json_object_new_array();
	for (i = 0; i < MFA_RECOVERY_CODES; i++)
		json_object_array_add(a, jstr(codes[i]));
	res = json_object_new_object();
	json_object_object_add(res, "recovery_codes", a);
	unicat_ok(r, res, NULL);
	mfa_codes_free(codes);
}

/*
 * POST /api/account/mfa (JWT), FreeSewing's three modes in Unicat's
 * envelope: {"mfa": true} sets up (a recent login), {"mfa": true,
 * "secret", "token"} confirms, {"mfa": false, "password", "token"} turns
 * two-factor off ("token" may be a recovery code).
 */
void
unicat_account_mfa(struct req *r)
{
	static const char *const fields[] = { "?secret", "?token",
	    "?password" };
	struct json_object	*on;
	struct problem		 p = { 0 };
	const char		*v[3];

	if (r->json == NULL || !json_object_object_get_ex(r->json, "mfa", &on) ||
	    json_object_is_type(on, json_type_null)) {
		p.kind = PROB_MISSING;
		p.field = "mfa";
	} else if (!json_object_is_type(on, json_type_boolean)) {
		p.kind = PROB_INVALID;
		p.field = "mfa";
	}
	if (p.field != NULL) {
		unicat_fail(r, &p);
		return;
	}
	if (failed(r, req_strings(r, fields, 3, v, &p), &p))
		return;
	if (!json_object_get_boolean(on)) {
		if (v[1] == NULL || v[2] == NULL) {
			p.kind = PROB_MISSING;
			p.field = v[1] == NULL ? "token" : "password";
			unicat_fail(r, &p);
			return;
		}
		if (failed(r, mfa_disable(r->user_id, v[2], v[1], &p), &p))
			return;
		unicat_ok(r, NULL, NULL);
	} else if (v[1] == NULL)
		mfa_setup_reply(r);
	else
		mfa_confirm_reply(r, v[0], v[1]);
}
