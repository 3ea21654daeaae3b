/* signet: the Unicat personality, everything under /api/.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/conf.h"
#include "base/xmalloc.h"
#include "core/account.h"
#include "core/mfa.h"
#include "core/reset.h"
#include "core/signup.h"
#include "core/token.h"
#include "mail/lang.h"
#include "wire/req.h"
#include "wire/unicat.h"

static const struct {
	int		 http;
	int		 code;
	const char	*message;
} unicat_probs[] = {
	[PROB_BAD_BODY] = { 400, 400, "Bad request" },
	[PROB_MISSING] = { 400, 400, "Bad request" },
	[PROB_INVALID] = { 400, 400, "Bad request" },
	[PROB_UNAUTHORIZED] = { 401, 401, "Permission denied" },
	[PROB_LOGIN_FAILED] = { 403, 403, "Unknown user" },
	[PROB_SECOND_FACTOR] = { 422, 1001, "Validation error" },
	[PROB_FORBIDDEN] = { 403, 403, "Forbidden" },
	[PROB_NOT_FOUND] = { 404, 404, "Not found" },
	[PROB_METHOD] = { 405, 405, "Method not allowed" },
	[PROB_CONFLICT] = { 409, 409, "Conflict" },
	[PROB_TOO_LARGE] = { 413, 413, "Payload too large" },
	[PROB_VALIDATION] = { 422, 1001, "Validation error" },
	[PROB_INVITE_INVALID] = { 422, 1004, "Invite invalid" },
	[PROB_RATE_LIMITED] = { 429, 429, "Too many requests" },
	[PROB_UNAVAILABLE] = { 503, 503, "Service unavailable" },
	[PROB_INTERNAL] = { 500, 500, "Internal error" },
	[PROB_NOT_IMPLEMENTED] = { 501, 501, "Not implemented" },
};

const struct persona unicat_persona = {
	.name = "unicat",
	.content_type = "application/json",
	.token_header = "Authorization",
	.fail = unicat_fail,
};

void
unicat_fail(struct req *r, const struct problem *p)
{
	struct json_object	*o, *res, *info;
	size_t			 i;

	req_problem_headers(r, p);
	info = json_object_new_object();
	switch (p->kind) {
	case PROB_BAD_BODY:
		json_object_object_add(info, "Invalid parameter",
		    json_object_new_string("body"));
		break;
	case PROB_MISSING:
		json_object_object_add(info, "Missing parameter",
		    jstr(p->field));
		break;
	case PROB_INVALID:
		json_object_object_add(info, "Invalid parameter",
		    jstr(p->field));
		break;
	case PROB_VALIDATION:
		for (i = 0; i < p->nverrs; i++)
			json_object_object_add(info, p->verrs[i].field,
			    jstr(p->verrs[i].reason));
		break;
	case PROB_SECOND_FACTOR:
		json_object_object_add(info, "totp",
		    json_object_new_string("required"));
		break;
	case PROB_UNAUTHORIZED:
		if (p->why == AUTH_STALE)
			json_object_object_add(info, "login", json_object_new_string(
			    "this change needs a recent login: log in again"));
		break;
	case PROB_RATE_LIMITED:
	case PROB_UNAVAILABLE:
		if (p->retry_after > 0)
			json_object_object_add(info, "retry_after",
			    json_object_new_int64(p->retry_after));
		break;
	default:
		break;
	}
	res = json_object_new_object();
	json_object_object_add(res, "code",
	    json_object_new_int(unicat_probs[p->kind].code));
	json_object_object_add(res, "message",
	    json_object_new_string(unicat_probs[p->kind].message));
	json_object_object_add(res, "info", info);
	o = json_object_new_object();
	json_object_object_add(o, "success", json_object_new_boolean(0));
	json_object_object_add(o, "result", res);
	json_object_object_add(o, "data", json_object_new_object());
	req_reply(r, unicat_probs[p->kind].http, o);
}

void
unicat_ok(struct req *r, struct json_object *result, struct json_object *data)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "success", json_object_new_boolean(1));
	json_object_object_add(o, "result",
	    result ? result : json_object_new_object());
	json_object_object_add(o, "data", data ? data : json_object_new_object());
	req_reply(r, 200, o);
}

/* GET /api/health: never needs a token; 503 while the database is down. */
void
unicat_health(struct req *r)
{
	struct json_object	*res, *o;
	bool			 up;

	up = account_store_ok();
	res = json_object_new_object();
	json_object_object_add(res, "status",
	    json_object_new_string(up ? "ok" : "degraded"));
	json_object_object_add(res, "database",
	    json_object_new_string(up ? "ok" : "down"));
	json_object_object_add(res, "version",
	    json_object_new_string(PACKAGE_VERSION));
	o = json_object_new_object();
	json_object_object_add(o, "success", json_object_new_boolean(up));
	json_object_object_add(o, "result", res);
	json_object_object_add(o, "data", json_object_new_object());
	req_reply(r, up ? 200 : 503, o);
}

bool
unicat_failed(struct req *r, int rc, struct problem *p,
    const struct field_name *map, size_t n)
{
	if (rc == 0)
		return false;
	problem_rename(p, map, n);
	unicat_fail(r, p);
	return true;
}

#define failed(r, rc, p)	unicat_failed(r, rc, p, NULL, 0)

/* Unicat's names of the two codes of its two-step flows. */
static const struct field_name two_step[] = {
	{ "token", "validation_code" },
	{ "code", "verification_code" },
};

/* ... and of the new password of a reset. */
static const struct field_name reset_names[] = {
	{ "token", "validation_code" },
	{ "code", "verification_code" },
	{ "password", "new_password" },
};

/* ["a", "b"] from "a,b" */
static struct json_object *
roles_json(const char *roles)
{
	struct json_object	*a = json_object_new_array();
	const char		*s = roles ? roles : "";
	size_t			 n;

	while (*s != '\0') {
		n = strcspn(s, ",");
		json_object_array_add(a, json_object_new_string_len(s, (int)n));
		s += n;
		if (*s == ',')
			s++;
	}
	return a;
}

struct json_object *
unicat_user_json(const struct session_user *u)
{
	struct json_object	*o, *opt;

	o = json_object_new_object();
	json_object_object_add(o, "gid", jstr(u->gid));
	json_object_object_add(o, "username", jstr(u->username));
	json_object_object_add(o, "email", jstr(u->email));
	json_object_object_add(o, "name", jstr(u->name ? u->name : ""));
	json_object_object_add(o, "avatar", jstr(u->avatar));
	json_object_object_add(o, "status", jstr(u->status));
	opt = json_object_new_object();
	json_object_object_add(opt, "language", jstr(u->language));
	json_object_object_add(opt, "timezone", jstr(u->timezone));
	json_object_object_add(o, "options", opt);
	return o;
}

struct json_object *
unicat_member_json(const struct session_member *cm)
{
	struct json_object	*m, *opt;

	m = json_object_new_object();
	json_object_object_add(m, "project_gid", jstr(cm->project));
	json_object_object_add(m, "user_gid", jstr(cm->user));
	json_object_object_add(m, "status", jstr(cm->status));
	json_object_object_add(m, "roles", roles_json(cm->roles));
	opt = cm->options ? json_tokener_parse(cm->options) : NULL;
	json_object_object_add(m, "options",
	    opt ? opt : json_object_new_object());
	return m;
}

/*
 * The language list shared by every response: code -> English name.  Made
 * once per scan of the registry (once per process unless templates_dir
 * changes) and lent to each response with a reference of its own.
 */
static struct json_object *
languages_json(void)
{
	static struct json_object	*o;
	static unsigned long		 gen;
	const char *const		*codes;
	size_t				 i, n;

	if (o == NULL || gen != lang_generation()) {
		json_object_put(o);
		gen = lang_generation();
		o = json_object_new_object();
		n = lang_list(&codes);
		for (i = 0; i < n; i++)
			json_object_object_add(o, codes[i],
			    json_object_new_string(lang_name(codes[i])));
	}
	return json_object_get(o);
}

void
unicat_reply_session(struct req *r, const struct session *s, const char *jwt,
    bool login)
{
	struct json_object	*res, *data, *up, *users, *projects, *members;
	struct json_object	*p;
	size_t			 i;

	up = json_object_new_object();
	members = json_object_new_array();
	for (i = 0; i < s->nmembers; i++) {
		const struct session_member *cm = &s->members[i];

		if (strcmp(cm->user, s->gid) == 0 &&
		    strcmp(cm->status, "active") == 0)
			json_object_object_add(up, cm->project,
			    roles_json(cm->roles));
		json_object_array_add(members, unicat_member_json(cm));
	}
	users = json_object_new_object();
	for (i = 0; i < s->nusers; i++)
		json_object_object_add(users, s->users[i].gid,
		    unicat_user_json(&s->users[i]));
	projects = json_object_new_object();
	for (i = 0; i < s->nprojects; i++) {
		const struct session_project *cp = &s->projects[i];

		p = json_object_new_object();
		json_object_object_add(p, "gid", jstr(cp->gid));
		json_object_object_add(p, "name", jstr(cp->name));
		json_object_object_add(p, "icon", jstr(cp->icon));
		json_object_object_add(p, "owner", jstr(cp->owner));
		json_object_object_add(p, "status", jstr(cp->status));
		json_object_object_add(projects, cp->gid, p);
	}
	res = json_object_new_object();
	json_object_object_add(res, "user", jstr(s->gid));
	json_object_object_add(res, "user_projects", up);
	if (login) {
		json_object_object_add(res, "cc.version",
		    json_object_new_string(PACKAGE_VERSION));
		json_object_object_add(res, "cc.cursor",
		    json_object_new_int64(s->cursor));
	}
	data = json_object_new_object();
	json_object_object_add(data, "cc.users", users);
	json_object_object_add(data, "cc.projects", projects);
	json_object_object_add(data, "cc.projects_members", members);
	json_object_object_add(data, "cc.languages", languages_json());
	unicat_ok(r, res, data);
	if (jwt != NULL)
		req_header(r, "Authorization", jwt);
}

/*
 * A fresh token and the session of gid: the answer to every login.  The
 * session is have when the login brought it (account_login()), else it
 * is loaded here.
 */
static void
logged_in(struct req *r, const char *gid, long epoch, bool login,
    struct session *have)
{
	struct session	 s;
	struct problem	 p = { 0 };
	char		*jwt;

	if (have != NULL && have->users != NULL) {
		s = *have;
		memset(have, 0, sizeof(*have));
	} else if (account_session(gid, epoch, &s, &p) == -1) {
		/* Deleted (or its password changed) since it was checked. */
		if (p.kind == PROB_UNAUTHORIZED)
			p.kind = PROB_LOGIN_FAILED;
		unicat_fail(r, &p);
		return;
	}
	if ((jwt = token_issue(gid, epoch, TOKEN_ACCESS, 0, NULL)) == NULL) {
		db_session_free(&s);
		p.kind = PROB_INTERNAL;
		unicat_fail(r, &p);
		return;
	}
	unicat_reply_session(r, &s, jwt, login);
	free(jwt);
	db_session_free(&s);
}

/* POST /api/signup_request {username, password, email[, language]} */
void
unicat_signup_request(struct req *r)
{
	static const char *const fields[] = { "username", "password", "email",
	    "?language" };
	const char		*v[4];
	struct problem		 p = { 0 };
	struct json_object	*res;
	char			*vcode;

	if (failed(r, req_strings(r, fields, 4, v, &p), &p) ||
	    failed(r, signup_request(v[0], v[1], v[2], v[3], r->remote, &vcode,
	    &p), &p))
		return;
	res = json_object_new_object();
	json_object_object_add(res, "validation_code", jstr(vcode));
	xfreezero(vcode, strlen(vcode));
	unicat_ok(r, res, NULL);
}

/* POST /api/signup {username, password, email, validation_code, verification_code} */
void
unicat_signup(struct req *r)
{
	static const char *const fields[] = { "username", "password", "email",
	    "validation_code", "verification_code" };
	const char	*v[5];
	struct problem	 p = { 0 };
	char		*gid;
	long		 epoch;

	if (failed(r, req_strings(r, fields, 5, v, &p), &p) ||
	    unicat_failed(r, signup_complete(v[0], v[1], v[2], v[3], v[4], &gid,
	    &epoch, &p), &p, FIELD_NAMES(two_step)))
		return;
	logged_in(r, gid, epoch, false, NULL);
	free(gid);
}

/* POST /api/login {username, password[, totp]} */
void
unicat_login(struct req *r)
{
	static const char *const fields[] = { "username", "password", "?totp" };
	const char	*v[3];
	struct problem	 p = { 0 };
	struct user	 u;
	struct session	 s;

	if (failed(r, req_strings(r, fields, 3, v, &p), &p) ||
	    failed(r, account_login(v[0], LOGIN_USERNAME, v[1], r->remote, &u,
	    &s, &p), &p))
		return;
	if (failed(r, mfa_login(&u, v[2], &p), &p)) {
		db_session_free(&s);
		db_user_free(&u);
		return;
	}
	logged_in(r, u.gid, u.token_epoch, true, &s);
	db_user_free(&u);
}

/* GET or POST /api/init (JWT): login's body for the token's user. */
void
unicat_init(struct req *r)
{
	struct session	 s;
	struct problem	 p = { 0 };
	char		*jwt;

	if (failed(r, account_session(r->user_gid, r->token_epoch, &s, &p), &p))
		return;
	/* The Unicat page: "A fresh JWT is in the Authorization header". */
	jwt = token_issue(r->user_gid, r->token_epoch, TOKEN_ACCESS, r->auth_time,
	    NULL);
	unicat_reply_session(r, &s, jwt, true);
	r->token_left = cf->jwt_ttl;	/* fresh already: no second one */
	free(jwt);
	db_session_free(&s);
}

/* POST /api/logout (JWT): every token of the user dies. */
void
unicat_logout(struct req *r)
{
	struct problem	p = { 0 };

	if (failed(r, account_logout(r->user_id, &p), &p))
		return;
	unicat_ok(r, NULL, NULL);
	r->token_left = cf->jwt_ttl;	/* no refreshed token after logout */
}

/* ------------------------------------------------------- password reset */

/* POST /api/reset_password_request {username_or_email} */
void
unicat_reset_password_request(struct req *r)
{
	static const char *const fields[] = { "username_or_email" };
	const char		*v[1];
	struct problem		 p = { 0 };
	struct json_object	*res;
	char			*vcode;

	if (failed(r, req_strings(r, fields, 1, v, &p), &p) ||
	    failed(r, reset_request(v[0], r->remote, &vcode, &p), &p))
		return;
	res = json_object_new_object();
	json_object_object_add(res, "validation_code", jstr(vcode));
	xfreezero(vcode, strlen(vcode));
	unicat_ok(r, res, NULL);
}

/*
 * POST /api/reset_password {username, new_password, validation_code,
 * verification_code}: login's body with a fresh JWT.
 */
void
unicat_reset_password(struct req *r)
{
	static const char *const fields[] = { "username", "new_password",
	    "validation_code", "verification_code" };
	const char	*v[4];
	struct problem	 p = { 0 };
	char		*gid;
	long		 epoch;

	if (failed(r, req_strings(r, fields, 4, v, &p), &p) ||
	    unicat_failed(r, reset_confirm(v[0], v[1], v[2], v[3], &gid, &epoch,
	    &p), &p, FIELD_NAMES(reset_names)))
		return;
	logged_in(r, gid, epoch, true, NULL);
	free(gid);
}
