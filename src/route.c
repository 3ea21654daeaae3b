/* signet: the route table and dispatch.  ISC licence, see README. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "bedita.h"
#include "conf.h"
#include "freesewing.h"
#include "log.h"
#include "route.h"
#include "token.h"
#include "unicat.h"
#include "worker.h"
#include "xmalloc.h"

/* POST /signup: BEdita's or FreeSewing's, as signup_persona() decided. */
static void
signup_either(struct req *r)
{
	if (r->persona == PERSONA_BEDITA)
		bedita_signup(r);
	else
		freesewing_signup(r);
}

/*
 * The API surface: every endpoint signet answers, one line each.  Order
 * matters only between patterns that could match the same path.
 */
static const struct route routes[] = {
	{ M_GET, "/api/health", PERSONA_UNICAT, 0, unicat_health, "health" },
	{ M_POST, "/api/signup_request", PERSONA_UNICAT, 0,
	    unicat_signup_request, "signup_request" },
	{ M_POST, "/api/signup", PERSONA_UNICAT, 0, unicat_signup, "signup" },
	{ M_POST, "/api/login", PERSONA_UNICAT, 0, unicat_login, "login" },
	{ M_GET | M_POST, "/api/init", PERSONA_UNICAT, R_JWT, unicat_init,
	    "init" },
	{ M_POST, "/api/logout", PERSONA_UNICAT, R_AUTH, unicat_logout,
	    "logout" },
	{ M_POST, "/api/p/*/members/invite", PERSONA_UNICAT, R_AUTH,
	    unicat_invite, "invite" },
	{ M_POST, "/api/p/*/members/resend_invite", PERSONA_UNICAT, R_AUTH,
	    unicat_resend_invite, "resend_invite" },
	{ M_POST, "/api/account/accept_invite", PERSONA_UNICAT, R_AUTH,
	    unicat_accept_invite, "accept_invite" },
	{ M_POST, "/api/account/decline_invite", PERSONA_UNICAT, R_AUTH,
	    unicat_decline_invite, "decline_invite" },
	{ M_POST, "/api/decline_invite", PERSONA_UNICAT, 0,
	    unicat_decline_invite_anon, "decline_invite_anon" },
	{ M_POST, "/api/reset_password_request", PERSONA_UNICAT, 0,
	    unicat_reset_password_request, "reset_password_request" },
	{ M_POST, "/api/reset_password", PERSONA_UNICAT, 0,
	    unicat_reset_password, "reset_password" },
	{ M_POST, "/signup", PERSONA_SIGNUP, 0, signup_either, "signup_root" },
	{ M_POST, "/signup/activation", PERSONA_BEDITA, 0, bedita_activation,
	    "activation" },
	{ M_POST, "/auth", PERSONA_BEDITA, 0, bedita_auth, "auth" },
	{ M_POST, "/confirm/signup/*", PERSONA_FREESEWING, 0,
	    freesewing_confirm, "confirm_signup" },
	{ M_POST, "/login", PERSONA_FREESEWING, 0, freesewing_login,
	    "fs_login" },
};

#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

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

/* The personality that owns a path nothing matched: by its prefix. */
static enum persona
persona_of_path(const char *path)
{
	if (strncmp(path, "/confirm/", 9) == 0 || strcmp(path, "/login") == 0)
		return PERSONA_FREESEWING;
	if (strncmp(path, "/signup/", 8) == 0 || strcmp(path, "/auth") == 0)
		return PERSONA_BEDITA;
	return PERSONA_UNICAT;
}

/*
 * POST /signup's rule (API.md): BEdita if the request carries an API key,
 * asks for JSON:API, or has a body in BEdita's shape; else FreeSewing.
 */
static enum persona
signup_persona(const struct req *r)
{
	struct json_object	*o = r->json;

	if (strcmp(cf->signup_personality, "bedita") == 0)
		return PERSONA_BEDITA;
	if (strcmp(cf->signup_personality, "freesewing") == 0)
		return PERSONA_FREESEWING;
	if (req_param(r, "HTTP_X_API_KEY") != NULL ||
	    strstr(r->accept, "application/vnd.api+json") != NULL)
		return PERSONA_BEDITA;
	if (o != NULL && (json_object_object_get_ex(o, "username", NULL) ||
	    json_object_object_get_ex(o, "activation_url", NULL) ||
	    json_object_object_get_ex(o, "data", NULL)))
		return PERSONA_BEDITA;
	return PERSONA_FREESEWING;
}

void
route_fail(struct req *r, const struct problem *p)
{
	char	buf[32];

	if (p->kind == PROB_RATE_LIMITED) {
		snprintf(buf, sizeof(buf), "%ld", p->retry_after);
		req_header(r, "Retry-After", buf);
	}
	if (p->kind == PROB_UNAUTHORIZED)
		req_header(r, "WWW-Authenticate", "Bearer realm=\"signet\"");
	switch (r->persona) {
	case PERSONA_BEDITA:
		bedita_fail(r, p);
		break;
	case PERSONA_FREESEWING:
		freesewing_fail(r, p);
		break;
	default:
		unicat_fail(r, p);
		break;
	}
}

void
route_fail_kind(struct req *r, enum prob kind)
{
	struct problem	p = { .kind = kind };

	route_fail(r, &p);
}

static void
method_names(char *buf, size_t sz, unsigned m)
{
	snprintf(buf, sz, "%s%s%s", m & M_GET ? "GET" : "",
	    (m & M_GET) && (m & M_POST) ? ", " : "", m & M_POST ? "POST" : "");
}

/*
 * Check the request's JWT: signature, algorithm, expiry, issuer; with
 * R_AUTH also the user (active) and the token epoch (current).  Returns
 * 0, or -1 with the 401 already answered.
 */
static int
authenticate(struct req *r, unsigned flags)
{
	struct token_claims	 c;
	struct problem		 p = { .kind = PROB_UNAUTHORIZED };

	if (r->authz == NULL || token_verify(r->authz, &c) == -1) {
		route_fail(r, &p);
		return -1;
	}
	r->user_gid = c.sub;
	c.sub = NULL;
	r->token_epoch = c.epoch;
	r->token_left = c.exp - (long)time(NULL);
	token_claims_free(&c);
	if ((flags & R_AUTH) == R_AUTH &&
	    account_auth(r->user_gid, r->token_epoch, &r->user_id, &p) == -1) {
		route_fail(r, &p);
		return -1;
	}
	return 0;
}

/* Half the token's life is gone: hand out a fresh one. */
static void
refresh(struct req *r)
{
	char	*jwt;

	if ((jwt = token_issue(r->user_gid, r->token_epoch, NULL)) != NULL) {
		req_header(r, "Authorization", jwt);
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
	char			 buf[32];
	size_t			 i;

	want = strcmp(r->method, "GET") == 0 ? M_GET :
	    strcmp(r->method, "HEAD") == 0 ? M_GET :
	    strcmp(r->method, "POST") == 0 ? M_POST : 0;
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
		r->persona = strcmp(r->path, "/signup") == 0 ?
		    signup_persona(r) : persona_of_path(r->path);
		if (allow != 0) {
			method_names(buf, sizeof(buf), allow);
			req_header(r, "Allow", buf);
			route_fail_kind(r, PROB_METHOD);
		} else
			route_fail_kind(r, PROB_NOT_FOUND);
		return;
	}
	r->route = rt;
	r->persona = rt->persona == PERSONA_SIGNUP ? signup_persona(r) :
	    (enum persona)rt->persona;
	worker_busy(rt->name);
	if (perr != NULL) {
		route_fail(r, perr);
		return;
	}
	if ((rt->flags & R_JWT) && authenticate(r, rt->flags) == -1)
		return;
	rt->handler(r);
	if ((rt->flags & R_JWT) && r->status == 200 &&
	    r->token_left < cf->jwt_ttl / 2)
		refresh(r);
}
