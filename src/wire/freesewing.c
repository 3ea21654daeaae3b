/* signet: the FreeSewing personality: /signup, /confirm/signup/<id>, /login. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/conf.h"
#include "base/xmalloc.h"
#include "core/account.h"
#include "core/mfa.h"
#include "core/activation.h"
#include "core/token.h"
#include "mail/lang.h"
#include "wire/freesewing.h"
#include "wire/req.h"

const struct persona freesewing_persona = {
	.name = "freesewing",
	.content_type = "application/json",
	.fail = freesewing_fail,
	.signup = freesewing_signup,
};

void
freesewing_error(struct req *r, int status, const char *code)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string("error"));
	json_object_object_add(o, "error", json_object_new_string(code));
	req_reply(r, status, o);
}

void
freesewing_fail(struct req *r, const struct problem *p)
{
	char	code[64];

	req_problem_headers(r, p);
	switch (p->kind) {
	case PROB_BAD_BODY:
		freesewing_error(r, 400, "postBodyMissing");
		break;
	case PROB_MISSING:
		snprintf(code, sizeof(code), "%sMissing", p->field);
		freesewing_error(r, 400, code);
		break;
	case PROB_INVALID:
	case PROB_VALIDATION:
		if (p->detail != NULL)
			snprintf(code, sizeof(code), "%s", p->detail);
		else
			snprintf(code, sizeof(code), "%sInvalid",
			    p->kind == PROB_INVALID ? p->field :
			    p->nverrs ? p->verrs[0].field : "data");
		freesewing_error(r, 400, code);
		break;
	case PROB_UNAUTHORIZED:
		freesewing_error(r, 401, p->why == AUTH_STALE ?
		    "reauthenticationRequired" : "authenticationFailed");
		break;
	case PROB_LOGIN_FAILED:
		freesewing_error(r, 401, "loginFailed");
		break;
	case PROB_SECOND_FACTOR:
		freesewing_error(r, 403, "mfaTokenRequired");
		break;
	case PROB_FORBIDDEN:
		freesewing_error(r, 403, "accessDenied");
		break;
	case PROB_NOT_FOUND:
		freesewing_error(r, 404, p->detail ? p->detail : "notFound");
		break;
	case PROB_METHOD:
		freesewing_error(r, 405, "methodNotAllowed");
		break;
	case PROB_CONFLICT:
		freesewing_error(r, 409, p->detail ? p->detail : "conflict");
		break;
	case PROB_TOO_LARGE:
		freesewing_error(r, 413, "payloadTooLarge");
		break;
	case PROB_INVITE_INVALID:
		freesewing_error(r, 400, "inviteInvalid");
		break;
	case PROB_RATE_LIMITED:
		freesewing_error(r, 429, "tooManyRequests");
		break;
	case PROB_UNAVAILABLE:
		freesewing_error(r, 503, "serviceUnavailable");
		break;
	case PROB_INTERNAL:
		freesewing_error(r, 500, "internalError");
		break;
	case PROB_NOT_IMPLEMENTED:
		freesewing_error(r, 501, "notImplemented");
		break;
	}
}

/* An empty or absent body: FreeSewing's postBodyMissing. */
static bool
body_missing(struct req *r)
{
	if (r->json != NULL && json_object_object_length(r->json) > 0)
		return false;
	freesewing_error(r, 400, "postBodyMissing");
	return true;
}

/*
 * A string field as FreeSewing's `if (!body.x)` sees it: absent, null or
 * "" is <name>Missing; another type is <name>Invalid.  Returns NULL after
 * answering.
 */
static const char *
string(struct req *r, const char *name)
{
	struct json_object	*v;
	struct problem		 p = { .kind = PROB_MISSING, .field = name };

	if (json_object_object_get_ex(r->json, name, &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string))
			p.kind = PROB_INVALID;
		else if (*json_object_get_string(v) != '\0')
			return json_object_get_string(v);
	}
	freesewing_fail(r, &p);
	return NULL;
}

/* FreeSewing's numeric account status. */
static int
status_number(const char *status)
{
	if (strcmp(status, "active") == 0)
		return 1;
	if (strcmp(status, "disabled") == 0)
		return -1;
	return 0;
}

/*
 * LIFECYCLE.md 2.1's account.  signet has no column for bio, control,
 * github, imperial, newsletter or patron: FreeSewing's defaults.  initial
 * is the address at signup in FreeSewing; signet keeps no such column and
 * shows the current one.  lastSeen (FreeSewing's later name) beside
 * lastLogin (the seed's).
 */
struct json_object *
freesewing_account(const struct user *u)
{
	struct json_object	*a;
	char			*lower, *s;

	lower = xstrdup(u->username ? u->username : "");
	for (s = lower; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
	a = json_object_new_object();
	json_object_object_add(a, "id", json_object_new_int64(u->id));
	json_object_object_add(a, "bio", json_object_new_string(""));
	json_object_object_add(a, "consent", json_object_new_int(u->consent));
	json_object_object_add(a, "control", json_object_new_int(1));
	json_object_object_add(a, "createdAt", jstr(u->created));
	json_object_object_add(a, "email", jstr(u->email));
	json_object_object_add(a, "github", json_object_new_string(""));
	json_object_object_add(a, "img", json_object_new_string(u->avatar ?
	    u->avatar : FREESEWING_DEFAULT_IMG));
	json_object_object_add(a, "imperial", json_object_new_boolean(0));
	json_object_object_add(a, "initial", jstr(u->email));
	json_object_object_add(a, "language", jstr(u->language));
	json_object_object_add(a, "lastLogin", jstr(u->last_login));
	json_object_object_add(a, "lastSeen", jstr(u->last_login));
	json_object_object_add(a, "mfaEnabled",
	    json_object_new_boolean(u->totp_enabled));
	json_object_object_add(a, "newsletter", json_object_new_boolean(0));
	json_object_object_add(a, "patron", json_object_new_int(0));
	json_object_object_add(a, "role", json_object_new_string("user"));
	json_object_object_add(a, "status",
	    json_object_new_int(status_number(u->status)));
	json_object_object_add(a, "updatedAt", jstr(u->modified));
	json_object_object_add(a, "username", jstr(u->username));
	json_object_object_add(a, "lusername", json_object_new_string(lower));
	free(lower);
	return a;
}

/* 200 {"result": "success", "token": <JWT>, "account": {...}} */
static void
logged_in(struct req *r, const struct user *u)
{
	struct json_object	*o;
	struct problem		 p = { .kind = PROB_INTERNAL };
	char			*jwt;

	if ((jwt = token_issue(u->gid, u->token_epoch, TOKEN_ACCESS, 0,
	    NULL)) == NULL) {
		freesewing_fail(r, &p);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string("success"));
	json_object_object_add(o, "token", json_object_new_string(jwt));
	json_object_object_add(o, "account", freesewing_account(u));
	free(jwt);
	req_reply(r, 200, o);
}

char *
freesewing_confirm_link(const char *base, const char *kind, const char *id)
{
	size_t	len = strlen(base);

	while (len > 0 && base[len - 1] == '/')
		len--;
	return xasprintf("%.*s/confirm/%s/%s", (int)len, base, kind, id);
}

/* The link of a FreeSewing signup's mail (struct link_signup's link). */
static char *
signup_link(const struct link_signup *s, const char *id)
{
	return freesewing_confirm_link(cf->freesewing_confirm_url, "signup",
	    id);
}

/*
 * POST /signup (FreeSewing) {email, language}: 201 {"result": "success",
 * "email"}.  The account is a draft named "user-<id>" without a usable
 * password until its link is confirmed; the confirmation's token then
 * sets one with PUT /account/jwt.  A malformed email is emailInvalid
 * (signet's email rules hold in every personality).
 */
void
freesewing_signup(struct req *r)
{
	struct problem		 p = { 0 };
	struct json_object	*o;
	const char		*email, *lang;

	if (body_missing(r) || (email = string(r, "email")) == NULL ||
	    (lang = string(r, "language")) == NULL)
		return;
	if (!lang_ok(lang)) {
		freesewing_error(r, 400, "unsupportedLanguage");
		return;
	}
	if (activation_signup(&(struct link_signup){ .email = email,
	    .language = lang, .form = LINK_TOKEN, .template = "confirm",
	    .link = signup_link, .client = r->remote }, NULL, &p) == -1) {
		if (p.kind == PROB_CONFLICT)
			freesewing_error(r, 400, "emailExists");
		else
			freesewing_fail(r, &p);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string("success"));
	json_object_object_add(o, "email", json_object_new_string(email));
	req_reply(r, 201, o);
}

/*
 * The consent of a confirm body: a JSON number, 1 or more (FreeSewing's
 * `consent < 1` test on a number).  0 when absent or anything else: a
 * string, a boolean, null, an array.
 */
static long
consent_of(const struct req *r)
{
	struct json_object	*v;
	double			 d;

	if (!json_object_object_get_ex(r->json, "consent", &v))
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_int:
		d = (double)json_object_get_int64(v);
		break;
	case json_type_double:
		d = json_object_get_double(v);
		break;
	default:
		return 0;
	}
	return d >= 1 && d <= INT_MAX ? (long)d : 0;
}

/*
 * POST /confirm/signup/<id> {consent}: the account becomes active and
 * the link is used up; 200 with a token and the account.
 */
void
freesewing_confirm(struct req *r)
{
	struct problem	 p = { 0 };
	struct user	 u;
	long		 consent;

	if (body_missing(r))
		return;
	if ((consent = consent_of(r)) < 1) {
		freesewing_error(r, 400, "consentRequired");
		return;
	}
	if (activation_confirm(LINK_TOKEN, r->params[0], consent, true, &u,
	    &p) == -1) {
		if (p.kind == PROB_NOT_FOUND)
			freesewing_error(r, 404, "failedToFindConfirmationId");
		else
			freesewing_fail(r, &p);
		return;
	}
	logged_in(r, &u);
	db_user_free(&u);
}

/*
 * POST /login {username, password}: username, email or numeric id.  Any
 * active account with a password logs in here (a Unicat or BEdita one
 * too); FreeSewing's own accounts have none until PUT /account/jwt sets
 * one.
 */
void
freesewing_login(struct req *r)
{
	struct problem		 p = { 0 };
	struct user		 u;
	struct json_object	*t;
	const char		*name, *pw, *token = NULL;

	if (body_missing(r) || (name = string(r, "username")) == NULL ||
	    (pw = string(r, "password")) == NULL)
		return;
	/* The second factor's code; any other type is a wrong code. */
	if (json_object_object_get_ex(r->json, "token", &t) &&
	    !json_object_is_type(t, json_type_null))
		token = json_object_is_type(t, json_type_string) ?
		    json_object_get_string(t) : "-";
	if (account_login(name, LOGIN_ANY, pw, r->remote, &u, NULL, &p) == -1) {
		freesewing_fail(r, &p);
		return;
	}
	if (mfa_login(&u, token, &p) == -1) {
		freesewing_fail(r, &p);
		db_user_free(&u);
		return;
	}
	logged_in(r, &u);
	db_user_free(&u);
}
