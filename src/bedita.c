/* signet: the BEdita personality: /signup, /signup/activation, /auth. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "bedita.h"
#include "conf.h"
#include "req.h"
#include "xmalloc.h"

#define JSONAPI	"application/vnd.api+json"

/* {"self": <this request's URL>, "home": <public_url>/home} */
static struct json_object *
links(const struct req *r)
{
	struct json_object	*l;
	char			*self;

	self = xasprintf("%s%s%s%s", cf->public_url, r->path,
	    *r->query ? "?" : "", r->query);
	l = json_object_new_object();
	json_object_object_add(l, "self", json_object_new_string(self));
	free(self);
	self = xasprintf("%s/home", cf->public_url);
	json_object_object_add(l, "home", json_object_new_string(self));
	free(self);
	return l;
}

void
bedita_error(struct req *r, int status, const char *title, const char *detail,
    const char *code)
{
	struct json_object	*o, *e;
	char			 st[8];

	snprintf(st, sizeof(st), "%d", status);
	e = json_object_new_object();
	json_object_object_add(e, "status", json_object_new_string(st));
	json_object_object_add(e, "title", json_object_new_string(title));
	if (detail != NULL)
		json_object_object_add(e, "detail",
		    json_object_new_string(detail));
	if (code != NULL)
		json_object_object_add(e, "code", json_object_new_string(code));
	o = json_object_new_object();
	json_object_object_add(o, "error", e);
	json_object_object_add(o, "links", links(r));
	req_reply(r, status, o);
	r->rtype = JSONAPI;
}

void
bedita_fail(struct req *r, const struct problem *p)
{
	char	detail[256];

	switch (p->kind) {
	case PROB_BAD_BODY:
		bedita_error(r, 400, "Bad Request",
		    "the body must be a JSON object", NULL);
		break;
	case PROB_MISSING:
		snprintf(detail, sizeof(detail),
		    "[%s._required]: This field is required", p->field);
		bedita_error(r, 400, "Invalid data", detail, NULL);
		break;
	case PROB_INVALID:
		snprintf(detail, sizeof(detail),
		    "[%s.scalar]: The provided value is invalid", p->field);
		bedita_error(r, 400, "Invalid data", detail, NULL);
		break;
	case PROB_VALIDATION:
		snprintf(detail, sizeof(detail), "[%s.%s]: %s",
		    p->nverrs ? p->verrs[0].field : "data",
		    p->detail ? p->detail : "valid",
		    p->nverrs ? p->verrs[0].reason : "invalid");
		bedita_error(r, 400, "Invalid data", detail, NULL);
		break;
	case PROB_UNAUTHORIZED:
		bedita_error(r, 401, "Unauthorized", NULL, NULL);
		break;
	case PROB_LOGIN_FAILED:
		bedita_error(r, 401, "Login request not successful", NULL,
		    NULL);
		break;
	case PROB_FORBIDDEN:
		bedita_error(r, 403, "Forbidden", p->detail, NULL);
		break;
	case PROB_NOT_FOUND:
		bedita_error(r, 404, "Not Found", p->detail, NULL);
		break;
	case PROB_METHOD:
		bedita_error(r, 405, "Method Not Allowed", NULL, NULL);
		break;
	case PROB_CONFLICT:
		bedita_error(r, 409, "Conflict", p->detail, NULL);
		break;
	case PROB_TOO_LARGE:
		bedita_error(r, 413, "Payload Too Large", NULL, NULL);
		break;
	case PROB_INVITE_INVALID:
		bedita_error(r, 400, "Invalid data", p->detail, NULL);
		break;
	case PROB_RATE_LIMITED:
		bedita_error(r, 429, "Too Many Requests", NULL, NULL);
		break;
	case PROB_UNAVAILABLE:
		bedita_error(r, 503, "Service Unavailable", NULL, NULL);
		break;
	case PROB_INTERNAL:
		bedita_error(r, 500, "Internal Server Error", NULL, NULL);
		break;
	}
}
