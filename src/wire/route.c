/* signet: the route table and dispatch.  ISC licence, see README. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/conf.h"
#include "base/metrics.h"
#include "base/scoreboard.h"
#include "base/xmalloc.h"
#include "core/account.h"
#include "core/event.h"
#include "core/token.h"
#include "wire/bedita.h"
#include "wire/freesewing.h"
#include "wire/scrape.h"
#include "wire/route.h"
#include "wire/unicat.h"

/*
 * GET /api/openapi.yaml: the OpenAPI document of this route table
 * (doc/openapi.yaml, installed in pkgdatadir), as openapi_file holds it,
 * copied (the request owns its body); 404 when no openapi_file is set.
 */
static void
openapi_document(struct req *r)
{
	struct problem	 p = { .kind = PROB_NOT_FOUND };
	char		*text;

	if (cf->openapi == NULL) {
		r->persona->fail(r, &p);
		return;
	}
	text = xmalloc(cf->openapi_len + 1);
	memcpy(text, cf->openapi, cf->openapi_len + 1);
	req_reply_text(r, 200, "application/yaml", text, cf->openapi_len);
}

/*
 * POST /signup's rule (API.md): BEdita if the request carries an API key,
 * asks for JSON:API, or has a body in BEdita's shape; else FreeSewing.
 * signup_personality pins it.
 */
static const struct persona *
signup_persona(const struct req *r)
{
	struct json_object	*o = r->json;

	if (strcmp(cf->signup_personality, "bedita") == 0)
		return &bedita_persona;
	if (strcmp(cf->signup_personality, "freesewing") == 0)
		return &freesewing_persona;
	if (req_param(r, "HTTP_X_API_KEY") != NULL ||
	    strstr(r->accept, "application/vnd.api+json") != NULL)
		return &bedita_persona;
	if (o != NULL && (json_object_object_get_ex(o, "username", NULL) ||
	    json_object_object_get_ex(o, "activation_url", NULL) ||
	    json_object_object_get_ex(o, "data", NULL)))
		return &bedita_persona;
	return &freesewing_persona;
}

/* POST /signup: the handler of the personality signup_persona() chose. */
static void
signup_handler(struct req *r)
{
	r->persona->signup(r);
}

static void	metrics_handler(struct req *);

#define UNICAT		&unicat_persona, NULL
#define BEDITA		&bedita_persona, NULL
#define FREESEWING	&freesewing_persona, NULL

/*
 * The API surface: every endpoint signet answers, one line each.  Order
 * matters only between patterns that could match the same path.
 */
static const struct route routes[] = {
	{ M_GET, "/api/health", UNICAT, 0, unicat_health, "health" },
	/* Prometheus; other methods and clients are answered by the handler */
	{ M_GET | M_POST | M_PUT | M_PATCH | M_DELETE, "/metrics", UNICAT, 0,
	    metrics_handler, "metrics" },
	{ M_POST, "/api/signup_request", UNICAT, 0, unicat_signup_request,
	    "signup_request" },
	{ M_POST, "/api/signup", UNICAT, 0, unicat_signup, "signup" },
	{ M_POST, "/api/login", UNICAT, 0, unicat_login, "login" },
	{ M_GET | M_POST, "/api/init", UNICAT, R_JWT, unicat_init, "init" },
	{ M_POST, "/api/logout", UNICAT, R_AUTH, unicat_logout, "logout" },
	{ M_POST, "/api/p/*/members/invite", UNICAT, R_AUTH, unicat_invite,
	    "invite" },
	{ M_POST, "/api/p/*/members/resend_invite", UNICAT, R_AUTH,
	    unicat_resend_invite, "resend_invite" },
	{ M_POST, "/api/account/accept_invite", UNICAT, R_AUTH,
	    unicat_accept_invite, "accept_invite" },
	{ M_POST, "/api/account/decline_invite", UNICAT, R_AUTH,
	    unicat_decline_invite, "decline_invite" },
	{ M_POST, "/api/decline_invite", UNICAT, 0,
	    unicat_decline_invite_anon, "decline_invite_anon" },
	{ M_POST, "/api/reset_password_request", UNICAT, 0,
	    unicat_reset_password_request, "reset_password_request" },
	{ M_POST, "/api/reset_password", UNICAT, 0, unicat_reset_password,
	    "reset_password" },
	{ M_POST, "/signup", NULL, signup_persona, 0, signup_handler,
	    "signup_root" },
	{ M_POST, "/signup/activation", BEDITA, 0, bedita_activation,
	    "activation" },
	{ M_POST, "/auth", BEDITA, 0, bedita_auth, "auth" },
	{ M_POST, "/confirm/signup/*", FREESEWING, 0, freesewing_confirm,
	    "confirm_signup" },
	{ M_POST, "/login", FREESEWING, 0, freesewing_login, "fs_login" },

	/* The account after login (issue 13): Unicat */
	{ M_POST, "/api/account/update", UNICAT, R_AUTH, unicat_account_update,
	    "account_update" },
	{ M_POST, "/api/account/update_email_request", UNICAT, R_AUTH,
	    unicat_update_email_request, "update_email_request" },
	{ M_POST, "/api/account/update_email", UNICAT, R_AUTH,
	    unicat_update_email, "update_email" },
	{ M_POST, "/api/account/delete", UNICAT, R_AUTH, unicat_account_delete,
	    "account_delete" },
	{ M_POST, "/api/account/leave_project", UNICAT, R_AUTH,
	    unicat_leave_project, "leave_project" },
	{ M_POST, "/api/account/mfa", UNICAT, R_AUTH, unicat_account_mfa,
	    "account_mfa" },
	{ M_POST, "/api/account/upload_avatar", UNICAT, 0, unicat_not_served,
	    "upload_avatar" },
	{ M_POST, "/api/account/delete_avatar", UNICAT, 0, unicat_not_served,
	    "delete_avatar" },

	/* This table's OpenAPI document, when openapi_file is set */
	{ M_GET, "/api/openapi.yaml", UNICAT, 0, openapi_document, "openapi" },

	/* BEdita */
	{ M_GET, "/auth/user", BEDITA, R_AUTH, bedita_user, "auth_user" },
	{ M_PATCH, "/auth/user", BEDITA, R_AUTH, bedita_user_update,
	    "auth_user_update" },
	{ M_GET, "/auth", BEDITA, R_AUTH, bedita_user, "auth_user_4x" },
	{ M_POST, "/auth/change", BEDITA, 0, bedita_change_request,
	    "change_request" },
	{ M_PATCH, "/auth/change", BEDITA, 0, bedita_change, "change" },
	{ M_POST, "/auth/optout", BEDITA, 0, bedita_optout, "optout" },

	/* FreeSewing */
	{ M_GET, "/whoami/jwt", FREESEWING, R_AUTH, freesewing_whoami,
	    "fs_whoami" },
	{ M_GET, "/account/jwt", FREESEWING, R_AUTH, freesewing_whoami,
	    "fs_account" },
	{ M_PUT | M_PATCH, "/account/jwt", FREESEWING, R_AUTH,
	    freesewing_update, "fs_account_update" },
	{ M_POST, "/account/mfa/jwt", FREESEWING, R_AUTH, freesewing_mfa,
	    "fs_account_mfa" },
	{ M_DELETE, "/account/jwt", FREESEWING, R_AUTH, freesewing_delete,
	    "fs_account_delete" },
};

#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

/* The personalities by their number in the metrics; 0 is none. */
static const struct persona *const personas[] = {
	NULL, &unicat_persona, &bedita_persona, &freesewing_persona,
};

#define NPERSONAS	(sizeof(personas) / sizeof(personas[0]))

_Static_assert(NROUTES < MX_ROUTES, "MX_ROUTES too small for the routes");
_Static_assert(NPERSONAS <= MX_PERSONAS, "MX_PERSONAS too small");

static unsigned
persona_number(const struct persona *p)
{
	unsigned	i;

	for (i = 1; i < NPERSONAS; i++)
		if (personas[i] == p)
			return i;
	return 0;
}

/* GET /metrics: the writer, with the names of what we number. */
static void
metrics_handler(struct req *r)
{
	static const char	*rnames[NROUTES + 1], *pnames[NPERSONAS];
	struct metrics_labels	 l = { rnames, NROUTES, pnames, NPERSONAS };
	size_t			 i;

	for (i = 0; i < NROUTES; i++)
		rnames[i] = routes[i].name;
	rnames[NROUTES] = "unknown";
	pnames[0] = "none";
	for (i = 1; i < NPERSONAS; i++)
		pnames[i] = personas[i]->name;
	metrics_serve(r, &l);
}

void
route_observe(const struct req *r, double seconds)
{
	metrics_request(r->route != NULL ? (size_t)(r->route - routes) :
	    NROUTES, r->status, seconds);
}

/*
 * Who answers a path no route matched (a 404) or matched with another
 * method (a 405): by its prefix, Unicat when none fits.
 */
static const struct {
	const char		*path;
	bool			 prefix;	/* else the whole path */
	const struct persona	*persona;
} owners[] = {
	{ "/confirm/", true, &freesewing_persona },
	{ "/login", false, &freesewing_persona },
	{ "/account/", true, &freesewing_persona },
	{ "/whoami/", true, &freesewing_persona },
	{ "/signup/", true, &bedita_persona },
	{ "/auth", false, &bedita_persona },
	{ "/auth/", true, &bedita_persona },
};

static const struct persona *
owner_of(const struct req *r)
{
	size_t	i;

	if (strcmp(r->path, "/signup") == 0)
		return signup_persona(r);
	for (i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		if (owners[i].prefix ? strncmp(r->path, owners[i].path,
		    strlen(owners[i].path)) == 0 :
		    strcmp(r->path, owners[i].path) == 0)
			return owners[i].persona;
	return &unicat_persona;
}

bool
route_match(const char *pat, const char *path, char **params, size_t max)
{
	size_t	np = 0, n, i;

	while (*pat != '\0') {
		if (*pat == '*') {
			n = strcspn(path, "/");
			if (n == 0 || np == max)
				goto nomatch;
			params[np++] = xstrndup(path, n);
			path += n;
			pat++;
			continue;
		}
		if (*pat++ != *path++)
			goto nomatch;
	}
	if (*path == '\0')
		return true;
nomatch:
	for (i = 0; i < np; i++) {
		free(params[i]);
		params[i] = NULL;
	}
	return false;
}

/* Answer a problem of just one kind in r's persona's envelope. */
static void
fail_kind(struct req *r, enum prob kind)
{
	struct problem	p = { .kind = kind };

	r->persona->fail(r, &p);
}

/* The methods of a route, by bit: what Allow lists. */
static const struct {
	unsigned	 bit;
	const char	*name;
} methods[] = {
	{ M_GET, "GET" },
	{ M_POST, "POST" },
	{ M_PUT, "PUT" },
	{ M_PATCH, "PATCH" },
	{ M_DELETE, "DELETE" },
};

#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

/* The bit of a request's method; HEAD is GET's; 0 for any other. */
static unsigned
method_bit(const char *method)
{
	size_t	i;

	if (strcmp(method, "HEAD") == 0)
		return M_GET;
	for (i = 0; i < NMETHODS; i++)
		if (strcmp(method, methods[i].name) == 0)
			return methods[i].bit;
	return 0;
}

/* "GET, POST": the names of the bits of m, into buf. */
static void
method_names(char *buf, size_t sz, unsigned m)
{
	size_t	i, len = 0;

	*buf = '\0';
	for (i = 0; i < NMETHODS; i++)
		if ((m & methods[i].bit) && len < sz)
			len += (size_t)snprintf(buf + len, sz - len, "%s%s",
			    len ? ", " : "", methods[i].name);
}

/*
 * Check the request's token (account_bearer(); with R_AUTH its user and
 * epoch too) and note whose it is in r.  Returns 0, or -1 with the
 * problem answered.
 */
static int
authenticate(struct req *r, unsigned flags)
{
	struct bearer	 b;
	struct problem	 p = { 0 };

	if (account_bearer(r->authz, TOKEN_ACCESS, (flags & R_AUTH) == R_AUTH,
	    &b, &p) == -1) {
		r->persona->fail(r, &p);
		return -1;
	}
	r->user_gid = b.gid;
	b.gid = NULL;
	r->user_id = b.id;
	r->token_epoch = b.epoch;
	r->token_left = b.left;
	r->auth_time = b.auth_time;
	account_bearer_free(&b);
	return 0;
}

/* Half the token's life is gone: hand out a fresh one. */
static void
refresh(struct req *r)
{
	char	*jwt;

	if ((jwt = token_issue(r->user_gid, r->token_epoch, TOKEN_ACCESS,
	    r->auth_time, NULL)) != NULL) {
		req_header(r, r->persona->token_header, jwt);
		free(jwt);
	}
}

static void
params_free(struct req *r)
{
	size_t	i;

	for (i = 0; i < REQ_MAX_PARAMS; i++) {
		free(r->params[i]);
		r->params[i] = NULL;
	}
}

void
route_dispatch(struct req *r, const struct problem *perr)
{
	const struct route	*rt = NULL;
	unsigned		 allow = 0, want;
	char			 buf[64];
	size_t			 i;

	want = method_bit(r->method);
	for (i = 0; i < NROUTES && rt == NULL; i++) {
		if (!route_match(routes[i].pattern, r->path, r->params,
		    REQ_MAX_PARAMS))
			continue;
		if (routes[i].methods & want)
			rt = &routes[i];
		else {
			allow |= routes[i].methods;
			r->route = &routes[i];	/* for the log: not the path */
			params_free(r);
		}
	}
	if (rt == NULL) {
		r->persona = owner_of(r);
		if (allow != 0) {
			method_names(buf, sizeof(buf), allow);
			req_header(r, "Allow", buf);
			fail_kind(r, PROB_METHOD);
		} else
			fail_kind(r, PROB_NOT_FOUND);
		return;
	}
	r->route = rt;
	r->persona = rt->persona != NULL ? rt->persona : rt->resolve(r);
	scoreboard_busy(rt->name);
	if (perr != NULL) {
		r->persona->fail(r, perr);
		return;
	}
	if (r->persona->admit != NULL && !r->persona->admit(r))
		return;
	if ((rt->flags & R_JWT) && authenticate(r, rt->flags) == -1)
		return;
	event_begin(&(struct event_origin){
	    .persona = persona_number(r->persona),
	    .personality = r->persona->name, .request = r->id,
	    .client = r->remote, .agent = req_param(r, "HTTP_USER_AGENT"),
	    .user_id = r->user_id, .user_gid = r->user_gid });
	rt->handler(r);
	if ((rt->flags & R_JWT) && r->status == 200 &&
	    r->persona->token_header != NULL &&
	    r->token_left < cf->jwt_ttl / 2)
		refresh(r);
}
