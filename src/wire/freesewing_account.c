/*
 * signet: FreeSewing's account after login (issue 13, LIFECYCLE.md 2.1 to
 * 2.3): GET /whoami/jwt and /account/jwt, PUT and PATCH /account/jwt,
 * DELETE /account/jwt.  ISC licence, see README.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "base/conf.h"
#include "base/xmalloc.h"
#include "core/profile.h"
#include "core/token.h"
#include "core/validate.h"
#include "mail/lang.h"
#include "wire/freesewing.h"
#include "wire/req.h"

/* FreeSewing's languages (its config.languages). */
static const char *const languages[] = { "en", "de", "es", "fr", "nl" };

#define NLANGUAGES	(sizeof(languages) / sizeof(languages[0]))

/* Blanks JavaScript's String.prototype.trim() removes, in ASCII. */
#define BLANKS	" \t\n\v\f\r"

/*
 * v as FreeSewing's `[lo, ..., hi].includes(v)` sees it: a JSON number of
 * an integral value in lo..hi (1.0 is 1, as in JavaScript); else -1.
 */
static long
integral(const struct json_object *v, long lo, long hi)
{
	int64_t	i;
	double	d;

	switch (json_object_get_type(v)) {
	case json_type_int:
		i = json_object_get_int64(v);
		return i >= lo && i <= hi ? (long)i : -1;
	case json_type_double:
		d = json_object_get_double(v);
		if (!(d >= (double)lo && d <= (double)hi) || d != (double)(long)d)
			return -1;
		return (long)d;
	default:
		return -1;
	}
}

/* The string member name of body, or NULL when absent or not a string. */
static const char *
string_of(const struct json_object *body, const char *name)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(body, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* s without leading and trailing blanks, owned; NULL when nothing is left. */
static char *
trimmed(const char *s)
{
	size_t	len;

	s += strspn(s, BLANKS);
	len = strlen(s);
	while (len > 0 && strchr(BLANKS, s[len - 1]) != NULL)
		len--;
	return len > 0 ? xstrndup(s, len) : NULL;
}

void
freesewing_changes_read(const struct json_object *body,
    struct freesewing_changes *c)
{
	struct json_object	*v;
	const char		*s;
	size_t			 i;

	memset(c, 0, sizeof(*c));
	c->consent = -1;
	if (body == NULL || !json_object_is_type(body, json_type_object))
		return;
	if ((s = string_of(body, "username")) != NULL)
		c->username = trimmed(s);
	if ((s = string_of(body, "language")) != NULL)
		for (i = 0; i < NLANGUAGES; i++)
			if (strcmp(s, languages[i]) == 0)
				c->language = s;
	if (json_object_object_get_ex(body, "consent", &v))
		c->consent = integral(v, 0, 3);
	/* "" sets no password: the field left empty in a form. */
	if ((s = string_of(body, "password")) != NULL && *s != '\0')
		c->password = s;
	c->email = string_of(body, "email");
	if ((s = string_of(body, "confirm")) != NULL &&
	    strcmp(s, "emailchange") == 0 &&
	    (s = string_of(body, "confirmation")) != NULL && *s != '\0')
		c->confirmation = s;
}

void
freesewing_changes_free(struct freesewing_changes *c)
{
	free(c->username);
	memset(c, 0, sizeof(*c));
	c->consent = -1;
}

/* 200 {"result": "success"[, "token": <JWT>], "account": {...}} */
static void
account_reply(struct req *r, const struct user *u, const char *jwt)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string("success"));
	if (jwt != NULL)
		json_object_object_add(o, "token", json_object_new_string(jwt));
	json_object_object_add(o, "account", freesewing_account(u));
	req_reply(r, 200, o);
}

/*
 * GET /whoami/jwt, GET /account/jwt: the account of the token.  R_AUTH
 * already refused a token of an account that is not active (401), so
 * FreeSewing's 403 accountStatusLacking cannot happen here.
 */
void
freesewing_whoami(struct req *r)
{
	struct problem	 p = { 0 };
	struct user	 u;

	if (profile_get(r->user_gid, &u, &p) == -1) {
		freesewing_fail(r, &p);
		return;
	}
	account_reply(r, &u, NULL);
	db_user_free(&u);
}

/* The link of an address change's mail: FreeSewing's confirm page. */
static char *
emailchange_link(const char *secret)
{
	return freesewing_confirm_link(cf->freesewing_confirm_url,
	    "emailchange", secret);
}

/*
 * The address email asks to change to, normalised (owned), or NULL when
 * there is none to change to: absent, malformed (ignored, as FreeSewing
 * ignores what it cannot use) or u's own (FreeSewing compares the
 * lower-case forms).
 */
static char *
new_address(const struct user *u, const char *email)
{
	const char	*why;
	char		*norm;

	if (email == NULL || !validate_email(email, &norm, &why))
		return NULL;
	if (strcasecmp(norm, u->email) == 0) {
		free(norm);
		return NULL;
	}
	return norm;
}

/*
 * Would profile_password() take the password, whichever of u's username
 * and the one asked for (c) the account ends up with?  Asked before any
 * change is made, so that a weak password refuses the whole update.
 */
static bool
password_ok(const struct user *u, const struct freesewing_changes *c)
{
	const char	*why;

	return validate_password(c->password, u->username, u->email,
	    cf->password_min_score, &why) && (c->username == NULL ||
	    validate_password(c->password, c->username, u->email,
	    cf->password_min_score, &why));
}

/*
 * The address step of an update: start a change to email (a link to the
 * new address), or complete one by its confirmation id.  0, or -1 after
 * answering.  Taken meanwhile, or by the time it is proved: 400
 * emailExists, as at signup; the confirmation id of nobody's change, a
 * used one or another user's: 404 failedToFindConfirmationId.
 */
static int
address_step(struct req *r, const struct user *u, const char *email,
    const char *confirmation)
{
	struct problem	 p = { 0 };
	struct user	 after;
	char		*none = NULL;
	int		 rc;

	if (email != NULL)
		rc = profile_email_request(u->id, email, PROOF_LINK,
		    emailchange_link, r->remote, &none, &p);
	else if (confirmation != NULL) {
		if ((rc = profile_email_by_link(u->id, confirmation, &after,
		    &p)) == 0)
			db_user_free(&after);
	} else
		return 0;
	free(none);
	if (rc == 0)
		return 0;
	if (p.kind == PROB_VALIDATION)
		freesewing_error(r, 400, "emailExists");
	else if (p.kind == PROB_NOT_FOUND)
		freesewing_error(r, 404, "failedToFindConfirmationId");
	else
		freesewing_fail(r, &p);
	return -1;
}

/*
 * The profile step: username, language and consent, each already one
 * FreeSewing accepts.  A username signet's rules refuse or another
 * account has is ignored, as FreeSewing (2023) ignores an unavailable
 * one: the other fields are saved without it.  0, or -1 with *p.
 */
static int
profile_step(const struct user *u, const struct freesewing_changes *c,
    struct problem *p)
{
	struct profile_changes	 pc = { .username = c->username,
	    .language = c->language, .consent = c->consent };
	struct user		 after;

	if (pc.username != NULL) {
		if (profile_update(u->id, &pc, &after, p) == 0) {
			db_user_free(&after);
			return 0;
		}
		if (p->kind != PROB_VALIDATION)
			return -1;
		memset(p, 0, sizeof(*p));
		pc.username = NULL;
	}
	if (pc.language == NULL && pc.consent < 0)
		return 0;
	if (profile_update(u->id, &pc, &after, p) == -1)
		return -1;
	db_user_free(&after);
	return 0;
}

/*
 * PUT and PATCH /account/jwt (LIFECYCLE.md 2.2): 200 {"result":
 * "success", "account"} with the account afterwards.  A value FreeSewing
 * would not take is ignored.  A new password or address needs a session
 * whose password was entered within reauth_window (else 401
 * reauthenticationRequired, nothing changed).  A new password kills every
 * token of the account, the caller's too: the answer then carries a fresh
 * "token" of the same session, as /login's does.
 *
 * The steps, each ending the update when refused with the steps before
 * it kept: the checks (session age, a weak password: 400
 * passwordTooWeak), the address (started or completed), the password,
 * the profile.  A confirmation in the same body as an email is ignored,
 * as FreeSewing does.
 */
void
freesewing_update(struct req *r)
{
	struct freesewing_changes	 c;
	struct problem			 p = { 0 };
	struct user			 u;
	char				*email = NULL, *jwt = NULL;
	long				 epoch = -1;

	memset(&u, 0, sizeof(u));
	freesewing_changes_read(r->json, &c);
	if (c.language != NULL && !lang_ok(c.language))
		c.language = NULL;
	if (profile_get(r->user_gid, &u, &p) == -1)
		goto fail;
	email = new_address(&u, c.email);
	if ((c.password != NULL || email != NULL) &&
	    profile_recent(r->auth_time, &p) == -1)
		goto fail;
	if (c.password != NULL && !password_ok(&u, &c)) {
		freesewing_error(r, 400, "passwordTooWeak");
		goto out;
	}
	if (address_step(r, &u, email, c.confirmation) == -1)
		goto out;
	if (c.password != NULL && profile_password(u.id, c.password, NULL,
	    &epoch, &p) == -1) {
		if (p.kind == PROB_VALIDATION)
			freesewing_error(r, 400, "passwordTooWeak");
		else
			freesewing_fail(r, &p);
		goto out;
	}
	if (profile_step(&u, &c, &p) == -1)
		goto fail;
	db_user_free(&u);
	if (profile_get(r->user_gid, &u, &p) == -1)
		goto fail;
	/* NULL: the session ended meanwhile (session_max_age): log in. */
	if (epoch >= 0 && (jwt = token_issue(u.gid, epoch, TOKEN_ACCESS,
	    r->auth_time, NULL)) == NULL) {
		p.kind = PROB_UNAUTHORIZED;
		p.why = AUTH_EXPIRED;
		goto fail;
	}
	account_reply(r, &u, jwt);
	goto out;
fail:
	freesewing_fail(r, &p);
out:
	if (jwt != NULL)
		xfreezero(jwt, strlen(jwt));
	free(email);
	db_user_free(&u);
	freesewing_changes_free(&c);
}

/*
 * DELETE /account/jwt (FreeSewing 2023): 200 {"result": "success",
 * "data": {}}.  Needs a recent password (401 reauthenticationRequired).
 * An owner of projects keeps the account: 403 accountOwnsProjects.
 */
void
freesewing_delete(struct req *r)
{
	struct problem		 p = { 0 };
	struct json_object	*o;

	if (profile_recent(r->auth_time, &p) == -1 ||
	    profile_delete(r->user_id, &p) == -1) {
		if (p.kind == PROB_CONFLICT)
			freesewing_error(r, 403, "accountOwnsProjects");
		else
			freesewing_fail(r, &p);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string("success"));
	json_object_object_add(o, "data", json_object_new_object());
	req_reply(r, 200, o);
}
