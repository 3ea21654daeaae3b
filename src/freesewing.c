/* signet: the FreeSewing personality: /signup, /confirm/signup/<id>, /login. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "freesewing.h"
#include "req.h"

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
		freesewing_error(r, 401, "authenticationFailed");
		break;
	case PROB_LOGIN_FAILED:
		freesewing_error(r, 401, "loginFailed");
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
	}
}
