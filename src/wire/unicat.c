/* signet: the Unicat personality, everything under /api/.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/conf.h"
#include "base/jw.h"
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
static void
jw_roles(struct jw *w, const char *roles)
{
	const char	*s = roles ? roles : "";
	size_t		 n;

	jw_open(w, '[');
	while (*s != '\0') {
		n = strcspn(s, ",");
		jw_strn(w, s, n);
		s += n;
		if (*s == ',')
			s++;
	}
	jw_close(w, ']');
}

static void
jw_user(struct jw *w, const struct session_user *u)
{
	static const char *const keys[] = { "gid", "username", "email",
	    "name", "avatar", "status" };
	static const char *const opt_keys[] = { "language", "timezone" };
	const char *const	 values[] = { u->gid, u->username, u->email,
	    u->name ? u->name : "", u->avatar, u->status };
	const char *const	 opts[] = { u->language, u->timezone };

	jw_open(w, '{');
	jw_strings(w, keys, values, 6);
	jw_key(w, "options");
	jw_open(w, '{');
	jw_strings(w, opt_keys, opts, 2);
	jw_close(w, '}');
	jw_close(w, '}');
}

/* The options are stored JSON: written as json-c writes what it parses. */
static void
jw_member(struct jw *w, const struct session_member *cm)
{
	static const char *const keys[] = { "project_gid", "user_gid",
	    "status" };
	const char *const	 values[] = { cm->project, cm->user, cm->status };
	struct json_object	*opt;
	const char		*text = "{}";
	size_t			 len = 2;

	jw_open(w, '{');
	jw_strings(w, keys, values, 3);
	jw_key(w, "roles");
	jw_roles(w, cm->roles);
	jw_key(w, "options");
	opt = cm->options ? json_tokener_parse(cm->options) : NULL;
	if (opt != NULL)
		text = json_object_to_json_string_length(opt, JW_JSONC_FLAGS,
		    &len);
	jw_raw(w, text, len);
	json_object_put(opt);
	jw_close(w, '}');
}

/* One entry written by fn, as a json-c tree for the answers built as one. */
static struct json_object *
tree_of(void (*fn)(struct jw *, const void *), const void *arg)
{
	struct json_object	*o;
	struct jw		 w;
	char			*text;
	size_t			 len;

	jw_init(&w);
	fn(&w, arg);
	text = jw_done(&w, &len);
	o = json_tokener_parse(text);
	free(text);
	return o;
}

static void
user_fn(struct jw *w, const void *u)
{
	jw_user(w, u);
}

static void
member_fn(struct jw *w, const void *cm)
{
	jw_member(w, cm);
}

struct json_object *
unicat_user_json(const struct session_user *u)
{
	return tree_of(user_fn, u);
}

struct json_object *
unicat_member_json(const struct session_member *cm)
{
	return tree_of(member_fn, cm);
}

/*
 * The language list shared by every response: code -> English name,
 * written once per scan of the registry (once per process unless
 * templates_dir changes).
 */
static const char *
languages_json(size_t *len)
{
	static char		*text;
	static size_t		 textlen;
	static unsigned long	 gen;
	const char *const	*codes;
	struct jw		 w;
	size_t			 i, n;

	if (text == NULL || gen != lang_generation()) {
		free(text);
		gen = lang_generation();
		jw_init(&w);
		jw_open(&w, '{');
		n = lang_list(&codes);
		for (i = 0; i < n; i++) {
			jw_key(&w, codes[i]);
			jw_str(&w, lang_name(codes[i]));
		}
		jw_close(&w, '}');
		text = jw_done(&w, &textlen);
	}
	*len = textlen;
	return text;
}

/*
 * Written straight, not built as a json-c tree: this is the answer to
 * every login and every /api/init, and the tree cost more than the rest
 * of the request's own work (BENCHMARKS.md).  The bytes are what
 * unicat_ok() would have written of the same tree.
 */
void
unicat_reply_session(struct req *r, const struct session *s, const char *jwt,
    bool login)
{
	static const char *const project_keys[] = { "gid", "name", "icon",
	    "owner", "status" };
	struct jw	 w;
	const char	*langs;
	char		*text;
	size_t		 i, len;

	jw_init(&w);
	jw_open(&w, '{');
	jw_key(&w, "success");
	jw_bool(&w, true);
	jw_key(&w, "result");
	jw_open(&w, '{');
	jw_key(&w, "user");
	jw_str(&w, s->gid);
	jw_key(&w, "user_projects");
	jw_open(&w, '{');
	for (i = 0; i < s->nmembers; i++) {
		const struct session_member *cm = &s->members[i];

		if (strcmp(cm->user, s->gid) == 0 &&
		    strcmp(cm->status, "active") == 0) {
			jw_key(&w, cm->project);
			jw_roles(&w, cm->roles);
		}
	}
	jw_close(&w, '}');
	if (login) {
		jw_key(&w, "cc.version");
		jw_str(&w, PACKAGE_VERSION);
		jw_key(&w, "cc.cursor");
		jw_int(&w, s->cursor);
	}
	jw_close(&w, '}');
	jw_key(&w, "data");
	jw_open(&w, '{');
	jw_key(&w, "cc.users");
	jw_open(&w, '{');
	for (i = 0; i < s->nusers; i++) {
		jw_key(&w, s->users[i].gid);
		jw_user(&w, &s->users[i]);
	}
	jw_close(&w, '}');
	jw_key(&w, "cc.projects");
	jw_open(&w, '{');
	for (i = 0; i < s->nprojects; i++) {
		const struct session_project *cp = &s->projects[i];

		const char *const values[] = { cp->gid, cp->name, cp->icon,
		    cp->owner, cp->status };

		jw_key(&w, cp->gid);
		jw_open(&w, '{');
		jw_strings(&w, project_keys, values, 5);
		jw_close(&w, '}');
	}
	jw_close(&w, '}');
	jw_key(&w, "cc.projects_members");
	jw_open(&w, '[');
	for (i = 0; i < s->nmembers; i++)
		jw_member(&w, &s->members[i]);
	jw_close(&w, ']');
	jw_key(&w, "cc.languages");
	langs = languages_json(&len);
	jw_raw(&w, langs, len);
	jw_close(&w, '}');
	jw_close(&w, '}');
	text = jw_done(&w, &len);
	req_reply_text(r, 200, r->persona != NULL ?
	    r->persona->content_type : "application/json", text, len);
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
