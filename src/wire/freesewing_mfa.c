/*
 * signet: FreeSewing's two-factor call, POST /account/mfa/jwt (LIFECYCLE.md
 * 2.5): set up, confirm, disable.  ISC licence, see README.
 */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "core/mfa.h"
#include "core/profile.h"
#include "wire/freesewing.h"
#include "wire/req.h"

/* A string field, or NULL when absent, null, empty or of another type. */
static const char *
text(const struct req *r, const char *name)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(r->json, name, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    *json_object_get_string(v) == '\0')
		return NULL;
	return json_object_get_string(v);
}

/* 200 {"result": "success", "mfa": {"secret", "otpauth", "qrcode"}} */
static void
setup(struct req *r)
{
	struct mfa_setup	 s;
	struct problem		 p = { 0 };
	struct json_object	*o, *m;

	if (profile_recent(r->auth_time, &p) == -1 ||
	    mfa_setup(r->user_id, &s, &p) == -1) {
		if (p.kind == PROB_VALIDATION)
			freesewing_error(r, 400, "mfaActive");
		else
			freesewing_fail(r, &p);
		return;
	}
	m = json_object_new_object();
	json_object_object_add(m, "secret", jstr(s.secret));
	json_object_object_add(m, "otpauth", jstr(s.uri));
	json_object_object_add(m, "qrcode", jstr(s.svg));
	o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string("success"));
	json_object_object_add(o, "mfa", m);
	req_reply(r, 200, o);
	mfa_setup_free(&s);
}

/*
 * 200 {"result": "success", "account": {...}, "recoveryCodes": [...]}:
 * the 2023 answer, and the recovery codes (a signet extension).
 */
static void
confirm(struct req *r, const char *secret, const char *token)
{
	char			*codes[MFA_RECOVERY_CODES];
	struct problem		 p = { 0 };
	struct json_object	*o, *a;
	struct user		 u;
	size_t			 i;

	if (mfa_confirm(r->user_id, secret, token, codes, &p) == -1) {
		if (p.kind != PROB_VALIDATION)
			freesewing_fail(r, &p);
		else if (strcmp(p.verrs[0].field, "mfa") == 0)
			freesewing_error(r, 400, "mfaActive");
		else
			freesewing_error(r, 403, "mfaTokenInvalid");
		return;
	}
	a = json_object_new_array();
	for (i = 0; i < MFA_RECOVERY_CODES; i++)
		json_object_array_add(a, jstr(codes[i]));
	mfa_codes_free(codes);
	o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string("success"));
	if (profile_get(r->user_gid, &u, &p) == 0) {
		json_object_object_add(o, "account", freesewing_account(&u));
		db_user_free(&u);
	}
	json_object_object_add(o, "recoveryCodes", a);
	req_reply(r, 200, o);
}

/* 200 {"result": "success"}: off, with the password and a code. */
static void
disable(struct req *r, const char *password, const char *token)
{
	struct problem		 p = { 0 };
	struct json_object	*o;

	if (token == NULL) {
		freesewing_error(r, 400, "mfaTokenRequired");
		return;
	}
	if (password == NULL) {
		freesewing_error(r, 400, "passwordRequired");
		return;
	}
	if (mfa_disable(r->user_id, password, token, &p) == -1) {
		if (p.kind == PROB_LOGIN_FAILED)
			freesewing_error(r, 401, "authenticationFailed");
		else if (p.kind == PROB_VALIDATION)
			freesewing_error(r, 400, "mfaInactive");
		else
			freesewing_fail(r, &p);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string("success"));
	req_reply(r, 200, o);
}

/*
 * POST /account/mfa/jwt: {"mfa": true} sets up (a recent login, as every
 * sensitive change), with "secret" and "token" confirms, {"mfa": false,
 * "password", "token"} disables ("token" may be a recovery code).
 * Anything else is 400 invalidMfaSetting.
 */
void
freesewing_mfa(struct req *r)
{
	struct json_object	*on;

	if (r->json == NULL || !json_object_object_get_ex(r->json, "mfa", &on) ||
	    !json_object_is_type(on, json_type_boolean)) {
		freesewing_error(r, 400, "invalidMfaSetting");
		return;
	}
	if (!json_object_get_boolean(on))
		disable(r, text(r, "password"), text(r, "token"));
	else if (text(r, "secret") != NULL || text(r, "token") != NULL)
		confirm(r, text(r, "secret"), text(r, "token") ?
		    text(r, "token") : "");
	else
		setup(r);
}
