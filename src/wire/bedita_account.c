/* signet: the BEdita personality: /auth/user, /auth/change, /auth/optout. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/xmalloc.h"
#include "core/account.h"
#include "core/profile.h"
#include "core/reset.h"
#include "wire/bedita.h"
#include "wire/req.h"

/* Of an unknown include name, at most this much is shown back. */
#define INCLUDE_SHOWN	64

/* BEdita's names of the core's fields, for the profile... */
static const struct field_name user_names[] = {
	{ "language", "lang" },
};

/* ...and for a reset by link. */
static const struct field_name change_names[] = {
	{ "email", "contact" },
	{ "link", "change_url" },
};

/*
 * The length of the separator of include names at s (before end): ','
 * or "%2C"; 0 when there is none.
 */
static size_t
include_sep(const char *s, const char *end)
{
	if (end - s >= 1 && *s == ',')
		return 1;
	if (end - s >= 3 && s[0] == '%' && s[1] == '2' && (s[2] == 'C' ||
	    s[2] == 'c'))
		return 3;
	return 0;
}

/* The n bytes at s as printable ASCII, at most INCLUDE_SHOWN of them. */
static char *
shown(const char *s, size_t n)
{
	char	*out;
	size_t	 i;

	if (n > INCLUDE_SHOWN)
		n = INCLUDE_SHOWN;
	out = xstrndup(s, n);
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
	return out;
}

bool
bedita_include_ok(const char *query, char **bad)
{
	const char	*s, *end, *name;
	size_t		 n;

	*bad = NULL;
	for (s = query; *s != '\0'; s = *end != '\0' ? end + 1 : end) {
		end = s + strcspn(s, "&");
		if (end - s < 8 || strncmp(s, "include=", 8) != 0)
			continue;
		for (name = s + 8; name < end;
		    name += n + include_sep(name + n, end)) {
			for (n = 0; name + n < end &&
			    include_sep(name + n, end) == 0; n++)
				;
			if (n > 0 && (n != 5 || memcmp(name, "roles", 5) != 0)) {
				*bad = shown(name, n);
				return false;
			}
		}
	}
	return true;
}

/*
 * 200 {"data": u with its role, "included": [the role], "links"[, "meta":
 * m]}: BEdita's /auth/user.  m (may be NULL) is owned by the answer.
 */
static void
reply_user(struct req *r, const struct user *u, struct json_object *m)
{
	struct json_object	*o, *inc;

	inc = json_object_new_array();
	json_object_array_add(inc, bedita_role_resource());
	o = json_object_new_object();
	json_object_object_add(o, "data", bedita_user_resource(u, true));
	json_object_object_add(o, "included", inc);
	json_object_object_add(o, "links", bedita_links(r));
	if (m != NULL)
		json_object_object_add(o, "meta", m);
	req_reply(r, 200, o);
}

/*
 * GET /auth/user (and 4.x's GET /auth): who the access token speaks for,
 * with its role.  ?include= may name roles only, as BEdita refuses
 * relationships a user does not have.
 */
void
bedita_user(struct req *r)
{
	struct problem	 p = { 0 };
	struct user	 u;
	char		*bad, *title;

	if (!bedita_include_ok(r->query, &bad)) {
		title = xasprintf("Invalid \"include\" query parameter "
		    "(Relationship \"%s\" does not exist)", bad);
		bedita_error(r, 400, title, NULL, NULL);
		free(title);
		free(bad);
		return;
	}
	if (profile_get(r->user_gid, &u, &p) == -1) {
		bedita_fail(r, &p);
		return;
	}
	reply_user(r, &u, NULL);
	db_user_free(&u);
}

/*
 * PATCH /auth/user: the attributes signet keeps, name and lang (the
 * profile's language); every other attribute BEdita has is ignored, as
 * BEdita ignores those a user may not write (username, email, blocked,
 * ...).  null or "" leaves a field as it is.  password with old_password
 * changes the password: every older token dies (the core bumps the token
 * epoch), so the answer's meta carries a fresh pair.  Nothing changes
 * unless every field passes (profile_update()).  The token's age does not matter
 * here: old_password proves the user.
 */
void
bedita_user_update(struct req *r)
{
	static const char *const fields[] = { "?name", "?lang", "?password",
	    "?old_password" };
	const char		*v[4];
	struct profile_changes	 c = { .consent = -1 };
	struct problem		 p = { 0 };
	struct user		 u;
	struct json_object	*m = NULL;
	long			 epoch = 0;
	int			 rc;

	if (!bedita_strings(r, fields, 4, v))
		return;
	c.name = v[0];
	c.language = v[1];
	if (v[2] != NULL && v[3] == NULL) {
		bedita_error(r, 400, "Missing current password", NULL, NULL);
		return;
	}
	c.password = v[2];
	c.current = v[3];
	if (c.name != NULL || c.language != NULL || c.password != NULL)
		rc = profile_update(r->user_id, &c, &u, &p);
	else
		rc = profile_get(r->user_gid, &u, &p);
	if (rc == -1) {
		if (p.kind == PROB_VALIDATION &&
		    strcmp(p.verrs[0].field, "current_password") == 0) {
			bedita_error(r, 400, "Wrong password", NULL, NULL);
			return;
		}
		goto fail;
	}
	epoch = u.token_epoch;
	/* Without a pair (a token library failure) the change stands. */
	if (v[2] != NULL)
		m = bedita_token_meta(u.gid, epoch, 0);
	reply_user(r, &u, m);
	db_user_free(&u);
	return;
fail:
	problem_rename(&p, FIELD_NAMES(user_names));
	bedita_fail(r, &p);
}

/* A reset link of BEdita's shape: change_url?uuid=<uuid>. */
static char *
change_link(const char *url, const char *uuid)
{
	return bedita_link(url, uuid, NULL);
}

/*
 * POST /auth/change {contact, change_url}: 204, and a one-time link
 * change_url?uuid=<uuid> mailed to each active account of the address.
 * No active account: 404, as BEdita answers.
 */
void
bedita_change_request(struct req *r)
{
	static const char *const fields[] = { "contact", "change_url" };
	const char	*v[2];
	struct problem	 p = { 0 };

	if (!bedita_strings(r, fields, 2, v))
		return;
	if (reset_link_request(v[0], v[1], change_link, r->remote, &p) == -1) {
		problem_rename(&p, FIELD_NAMES(change_names));
		bedita_fail(r, &p);
		return;
	}
	req_reply(r, 204, NULL);
}

/* PHP's truth of a JSON value, as BEdita reads "login". */
static bool
truthy(struct json_object *v)
{
	const char	*s;

	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_int:
		return json_object_get_int64(v) != 0;
	case json_type_double:
		return json_object_get_double(v) != 0;
	case json_type_string:
		s = json_object_get_string(v);
		return *s != '\0' && strcmp(s, "0") != 0;
	case json_type_array:
		return json_object_array_length(v) > 0;
	case json_type_object:
		return json_object_object_length(v) > 0;
	default:
		return false;
	}
}

/*
 * PATCH /auth/change {uuid, password[, login]}: the link's new password.
 * 200 {"data": the user, "links"}, with "meta" {"jwt", "renew"} when
 * login is true.  Unlike BEdita, the link lives 24 hours, serves this and
 * nothing else, its password must pass the signup rules (a weak one
 * leaves it usable) and its account must still be active: else 404.
 */
void
bedita_change(struct req *r)
{
	static const char *const fields[] = { "uuid", "password" };
	const char		*v[2];
	struct problem		 p = { 0 };
	struct user		 u, now;
	struct json_object	*o, *m;

	if (!bedita_strings(r, fields, 2, v))
		return;
	if (reset_link_complete(v[0], v[1], &u, &p) == -1) {
		bedita_fail(r, &p);
		return;
	}
	/* The user as it is now (password_modified). */
	if (profile_get(u.gid, &now, &p) == -1) {
		db_user_free(&u);
		bedita_fail(r, &p);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "data", bedita_user_resource(&now, false));
	json_object_object_add(o, "links", bedita_links(r));
	if (truthy(bedita_field(r, "login")) &&
	    (m = bedita_token_meta(now.gid, u.token_epoch, 0)) != NULL)
		json_object_object_add(o, "meta", m);
	req_reply(r, 200, o);
	db_user_free(&now);
	db_user_free(&u);
}

/*
 * POST /auth/optout {username, password[, grant_type "password"]} (5.x
 * sends grant_type, 4.x need not): the credentials are checked as a login
 * (BEdita's 401 "Login request not successful"), then the account is
 * deleted (profile_delete()): 204.  The owner of projects is refused
 * with 403 'Could not delete "User" <id>', BEdita's words for a user it
 * will not delete.
 */
void
bedita_optout(struct req *r)
{
	struct problem	 p = { 0 };
	struct user	 u;
	const char	*name, *pw, *grant;
	char		*title;

	name = bedita_string(r, "username");
	pw = bedita_string(r, "password");
	grant = bedita_string(r, "grant_type");
	if ((grant != NULL && strcmp(grant, "password") != 0) ||
	    name == NULL || pw == NULL) {
		p.kind = PROB_LOGIN_FAILED;
		bedita_fail(r, &p);
		return;
	}
	if (account_login(name, LOGIN_USERNAME, pw, r->remote, &u, NULL,
	    &p) == -1) {
		bedita_fail(r, &p);
		return;
	}
	if (profile_delete(u.id, &p) == -1) {
		if (p.kind == PROB_CONFLICT) {
			title = xasprintf("Could not delete \"User\" %lld", u.id);
			bedita_error(r, 403, title, "the account owns projects: "
			    "hand them over or delete them first", NULL);
			free(title);
		} else {
			/* Gone meanwhile (a concurrent optout): a failed login. */
			if (p.kind == PROB_UNAUTHORIZED)
				p.kind = PROB_LOGIN_FAILED;
			bedita_fail(r, &p);
		}
		db_user_free(&u);
		return;
	}
	db_user_free(&u);
	req_reply(r, 204, NULL);
}
