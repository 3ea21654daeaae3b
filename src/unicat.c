/* signet: the Unicat personality, everything under /api/.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "db.h"
#include "db_misc.h"
#include "req.h"
#include "unicat.h"

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
};

void
unicat_fail(struct req *r, const struct problem *p)
{
	struct json_object	*o, *res, *info;
	size_t			 i;

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
	case PROB_RATE_LIMITED:
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

	up = db_ping() == 0;
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
