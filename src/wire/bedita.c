/* signet: the BEdita personality: its envelope, body fields, resources. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "base/conf.h"
#include "base/xmalloc.h"
#include "core/code.h"
#include "wire/bedita.h"
#include "wire/req.h"

#define JSONAPI	"application/vnd.api+json"

/* Room for the detail of every field of a request (a few names each). */
#define DETAIL_MAX	1024


static bool	admit(struct req *);

const struct persona bedita_persona = {
	.name = "bedita",
	.content_type = JSONAPI,
	.fail = bedita_fail,
	.admit = admit,
	.signup = bedita_signup,
};

struct json_object *
bedita_links(const struct req *r)
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
	json_object_object_add(o, "links", bedita_links(r));
	req_reply(r, status, o);
}

/* Append "[field.rule]: message" to buf (size sz), blank separated. */
static void
detail_add(char *buf, size_t sz, const char *field, const char *rule,
    const char *message)
{
	size_t	len = strlen(buf);

	if (len < sz)
		snprintf(buf + len, sz - len, "%s[%s.%s]: %s", len ? " " : "",
		    field, rule, message);
}

/*
 * The BEdita validation rule a field fails, and the message BEdita gives
 * for it (NULL: the core's reason).
 */
static const char *
rule_of(const char *field, const char **message)
{
	*message = NULL;
	if (strcmp(field, "email") == 0 || strcmp(field, "contact") == 0)
		return "email";
	if (strcmp(field, "activation_url") == 0 ||
	    strcmp(field, "redirect_url") == 0 ||
	    strcmp(field, "change_url") == 0) {
		*message = BEDITA_INVALID;
		return "customUrl";
	}
	return "valid";
}

/* 401 for a refused token, in BEdita 5's words for each reason. */
static void
unauthorized(struct req *r, enum auth_why why)
{
	switch (why) {
	case AUTH_ABSENT:
	case AUTH_INVALID:
		bedita_error(r, 401, "Authentication is required to continue",
		    NULL, NULL);
		break;
	case AUTH_EXPIRED:
		bedita_error(r, 401, "Expired token", NULL, "be_token_expired");
		break;
	case AUTH_REVOKED:
		bedita_error(r, 401, "Request not authorized", NULL, NULL);
		break;
	case AUTH_STALE:
		bedita_error(r, 401, "Request not authorized",
		    "this change needs a recent login: log in again",
		    "be_reauth_required");
		break;
	}
}

void
bedita_fail(struct req *r, const struct problem *p)
{
	const char	*rule, *message;
	char		 detail[DETAIL_MAX] = "";
	size_t		 i;

	req_problem_headers(r, p);
	switch (p->kind) {
	case PROB_BAD_BODY:
		bedita_error(r, 400, "Bad Request",
		    "the body must be a JSON object", NULL);
		break;
	case PROB_MISSING:
		detail_add(detail, sizeof(detail), p->field, "_required",
		    "This field is required");
		bedita_error(r, 400, "Invalid data", detail, NULL);
		break;
	case PROB_INVALID:
		detail_add(detail, sizeof(detail), p->field, "scalar",
		    BEDITA_INVALID);
		bedita_error(r, 400, "Invalid data", detail, NULL);
		break;
	case PROB_VALIDATION:
		/* BEdita lists every failed rule, as its renderer does. */
		for (i = 0; i < p->nverrs; i++) {
			rule = rule_of(p->verrs[i].field, &message);
			detail_add(detail, sizeof(detail), p->verrs[i].field,
			    rule, message ? message : p->verrs[i].reason);
		}
		bedita_error(r, 400, "Invalid data", detail, NULL);
		break;
	case PROB_UNAUTHORIZED:
		unauthorized(r, p->why);
		break;
	case PROB_LOGIN_FAILED:
	case PROB_SECOND_FACTOR:	/* as BEdita: nothing more said */
		bedita_error(r, 401, "Login request not successful", NULL,
		    NULL);
		break;
	case PROB_FORBIDDEN:
		bedita_error(r, 403, p->detail ? p->detail : "Forbidden", NULL,
		    NULL);
		break;
	case PROB_NOT_FOUND:
		bedita_error(r, 404, "Not Found", p->detail, NULL);
		break;
	case PROB_METHOD:
		bedita_error(r, 405, "Method Not Allowed", NULL, NULL);
		break;
	case PROB_CONFLICT:
		bedita_error(r, 409, p->detail ? p->detail : "Conflict", NULL,
		    NULL);
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
	case PROB_NOT_IMPLEMENTED:
		bedita_error(r, 501, "Not Implemented", NULL, NULL);
		break;
	}
}

/* The media ranges of an Accept header BEdita answers (its AppController). */
static const char *const acceptable[] = {
	"application/json", "application/vnd.api+json", "application/*",
	"*/*",
};

bool
bedita_accept_ok(const char *accept)
{
	const char	*s = accept;
	size_t		 n, i;

	if (s[strspn(s, " \t")] == '\0')
		return true;
	while (*s != '\0') {
		s += strspn(s, " \t,");
		n = strcspn(s, ",;");
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		for (i = 0; i < sizeof(acceptable) / sizeof(acceptable[0]); i++)
			if (n == strlen(acceptable[i]) &&
			    strncasecmp(s, acceptable[i], n) == 0)
				return true;
		s += strcspn(s, ",");
	}
	return false;
}

/*
 * Who may use the BEdita personality: a request whose Accept names no
 * JSON type is 406 'Bad request content type "<accept>"', as BEdita's
 * AppController answers; with bedita_api_keys set, every request must
 * carry one of those keys in X-Api-Key (else 403; compared in constant
 * time per candidate).  Answers itself and returns false when refused.
 */
static bool
admit(struct req *r)
{
	struct problem	 p = { .kind = PROB_FORBIDDEN,
	    .detail = "Invalid API key" };
	const char	*list = cf->bedita_api_keys, *key;
	char		*title;
	size_t		 n, klen;
	bool		 ok = false;

	if (!bedita_accept_ok(r->accept)) {
		title = xasprintf("Bad request content type \"%s\"", r->accept);
		bedita_error(r, 406, title, NULL, NULL);
		free(title);
		return false;
	}
	if (list[strspn(list, ", \t")] == '\0')
		return true;
	if ((key = req_param(r, "HTTP_X_API_KEY")) != NULL) {
		klen = strlen(key);
		for (;;) {
			list += strspn(list, ", \t");
			if (*list == '\0')
				break;
			n = strcspn(list, ", \t");
			if (n == klen && code_equal(list, key, n))
				ok = true;
			list += n;
		}
	}
	if (!ok)
		bedita_fail(r, &p);
	return ok;
}

/*
 * At the top level (BEdita's documented form), else in a JSON:API
 * wrapper's data.attributes or data.meta (where BEdita's own clients put
 * activation_url and redirect_url).
 */
struct json_object *
bedita_field(const struct req *r, const char *name)
{
	static const char *const parts[] = { "attributes", "meta" };
	struct json_object	*v, *data, *part;
	size_t			 i;

	if (r->json == NULL)
		return NULL;
	if (json_object_object_get_ex(r->json, name, &v) &&
	    !json_object_is_type(v, json_type_null))
		return v;
	if (!json_object_object_get_ex(r->json, "data", &data) ||
	    !json_object_is_type(data, json_type_object))
		return NULL;
	for (i = 0; i < 2; i++)
		if (json_object_object_get_ex(data, parts[i], &part) &&
		    json_object_is_type(part, json_type_object) &&
		    json_object_object_get_ex(part, name, &v) &&
		    !json_object_is_type(v, json_type_null))
			return v;
	return NULL;
}

const char *
bedita_string(const struct req *r, const char *name)
{
	struct json_object	*v;

	if ((v = bedita_field(r, name)) == NULL ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool
bedita_strings(struct req *r, const char *const *names, size_t n,
    const char **out)
{
	struct json_object	*v;
	const char		*name;
	char			 detail[DETAIL_MAX] = "";
	bool			 optional;
	size_t			 i;

	for (i = 0; i < n; i++) {
		name = names[i];
		if ((optional = *name == '?'))
			name++;
		out[i] = NULL;
		if ((v = bedita_field(r, name)) == NULL) {
			if (!optional)
				detail_add(detail, sizeof(detail), name,
				    "_required", "This field is required");
		} else if (!json_object_is_type(v, json_type_string))
			detail_add(detail, sizeof(detail), name, "scalar",
			    BEDITA_INVALID);
		else if (*json_object_get_string(v) != '\0')
			out[i] = json_object_get_string(v);
		else if (!optional)
			detail_add(detail, sizeof(detail), name, "_empty",
			    "This field cannot be left empty");
	}
	if (*detail == '\0')
		return true;
	bedita_error(r, 400, "Invalid data", detail, NULL);
	return false;
}

/* o[key] = "<public_url>/<type>/<id><tail>": a resource's link. */
static void
add_url(struct json_object *o, const char *key, const char *type,
    const char *id, const char *tail)
{
	char	*url;

	url = xasprintf("%s/%s/%s%s", cf->public_url, type, id, tail);
	json_object_object_add(o, key, json_object_new_string(url));
	free(url);
}

struct json_object *
bedita_user_resource(const struct user *u, bool with_roles)
{
	struct json_object	*d, *a, *m, *rel, *roles, *l, *ref, *list;
	char			 id[24], *s;

	snprintf(id, sizeof(id), "%lld", u->id);
	a = json_object_new_object();
	json_object_object_add(a, "username", jstr(u->username));
	json_object_object_add(a, "name", u->name && *u->name ?
	    jstr(u->name) : NULL);
	json_object_object_add(a, "surname", NULL);
	json_object_object_add(a, "email", jstr(u->email));
	json_object_object_add(a, "status", jstr(u->status));
	s = xasprintf("user-%s", u->username ? u->username : id);
	json_object_object_add(a, "uname", json_object_new_string(s));
	free(s);
	json_object_object_add(a, "title", NULL);
	json_object_object_add(a, "description", NULL);
	json_object_object_add(a, "lang", jstr(u->language));

	m = json_object_new_object();
	json_object_object_add(m, "blocked",
	    json_object_new_boolean(strcmp(u->status, "disabled") == 0));
	json_object_object_add(m, "last_login", jstr(u->last_login));
	json_object_object_add(m, "last_login_err", jstr(u->last_login_err));
	json_object_object_add(m, "num_login_err",
	    json_object_new_int(u->num_login_err));
	json_object_object_add(m, "verified", jstr(u->verified));
	json_object_object_add(m, "password_modified",
	    jstr(u->password_changed));
	json_object_object_add(m, "locked", json_object_new_boolean(0));
	json_object_object_add(m, "created", jstr(u->created));
	json_object_object_add(m, "modified", jstr(u->modified));

	l = json_object_new_object();
	add_url(l, "related", "users", id, "/roles");
	add_url(l, "self", "users", id, "/relationships/roles");
	roles = json_object_new_object();
	if (with_roles) {
		/* BEdita shows the data of a relationship it contained. */
		ref = json_object_new_object();
		json_object_object_add(ref, "id",
		    json_object_new_string(BEDITA_ROLE_ID));
		json_object_object_add(ref, "type",
		    json_object_new_string("roles"));
		list = json_object_new_array();
		json_object_array_add(list, ref);
		json_object_object_add(roles, "data", list);
	}
	json_object_object_add(roles, "links", l);
	rel = json_object_new_object();
	json_object_object_add(rel, "roles", roles);

	d = json_object_new_object();
	json_object_object_add(d, "id", json_object_new_string(id));
	json_object_object_add(d, "type", json_object_new_string("users"));
	json_object_object_add(d, "attributes", a);
	json_object_object_add(d, "meta", m);
	json_object_object_add(d, "relationships", rel);
	l = json_object_new_object();
	add_url(l, "self", "users", id, "");
	json_object_object_add(d, "links", l);
	return d;
}

struct json_object *
bedita_role_resource(void)
{
	struct json_object	*d, *a, *m, *l, *users, *rel;

	a = json_object_new_object();
	json_object_object_add(a, "name",
	    json_object_new_string(BEDITA_ROLE_NAME));
	json_object_object_add(a, "description",
	    json_object_new_string("every signet account"));
	m = json_object_new_object();
	json_object_object_add(m, "unchangeable", json_object_new_boolean(1));
	l = json_object_new_object();
	add_url(l, "self", "roles", BEDITA_ROLE_ID, "/relationships/users");
	add_url(l, "related", "roles", BEDITA_ROLE_ID, "/users");
	users = json_object_new_object();
	json_object_object_add(users, "links", l);
	rel = json_object_new_object();
	json_object_object_add(rel, "users", users);

	d = json_object_new_object();
	json_object_object_add(d, "id", json_object_new_string(BEDITA_ROLE_ID));
	json_object_object_add(d, "type", json_object_new_string("roles"));
	json_object_object_add(d, "attributes", a);
	json_object_object_add(d, "meta", m);
	l = json_object_new_object();
	add_url(l, "self", "roles", BEDITA_ROLE_ID, "");
	json_object_object_add(d, "links", l);
	json_object_object_add(d, "relationships", rel);
	return d;
}
