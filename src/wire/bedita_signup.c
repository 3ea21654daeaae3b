/* signet: the BEdita personality: /signup and /signup/activation.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/xmalloc.h"
#include "core/activation.h"
#include "wire/bedita.h"
#include "wire/req.h"

/* BEdita's names of the core's fields. */
static const struct field_name bedita_names[] = {
	{ "link", "activation_url" },
	{ "redirect", "redirect_url" },
	{ "token", "uuid" },
};

char *
bedita_urlencode(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out, *o;
	unsigned char		 c;

	o = out = xmalloc(strlen(s) * 3 + 1);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) && c < 0x80)
			*o++ = (char)c;
		else if (c == '-' || c == '.' || c == '_' || c == '~')
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

char *
bedita_link(const char *url, const char *uuid, const char *redirect)
{
	const char	*sep;
	char		*enc, *link;
	size_t		 len = strlen(url);

	if (strchr(url, '?') == NULL)
		sep = "?";
	else if (len > 0 && (url[len - 1] == '?' || url[len - 1] == '&'))
		sep = "";
	else
		sep = "&";
	if (redirect == NULL)
		return xasprintf("%s%suuid=%s", url, sep, uuid);
	enc = bedita_urlencode(redirect);
	link = xasprintf("%s%suuid=%s&redirect_url=%s", url, sep, uuid, enc);
	free(enc);
	return link;
}

/* The link of a BEdita signup's mail (struct link_signup's link). */
static char *
signup_link(const struct link_signup *s, const char *uuid)
{
	return bedita_link(s->link_url, uuid, s->redirect);
}

/*
 * POST /signup (BEdita) {username, password, email, activation_url
 * [, redirect_url]}: 202 with the draft user.  An optional "lang" picks
 * the language of the activation mail (default_language otherwise).
 */
void
bedita_signup(struct req *r)
{
	static const char *const fields[] = { "username", "password", "email",
	    "activation_url", "?redirect_url", "?lang" };
	const char		*v[6];
	struct problem		 p = { 0 };
	struct user		 u;
	struct json_object	*o;
	char			*title;

	if (!bedita_strings(r, fields, 6, v))
		return;
	if (activation_signup(&(struct link_signup){ .username = v[0],
	    .password = v[1], .email = v[2], .link_url = v[3],
	    .redirect = v[4], .language = v[5], .form = LINK_UUID,
	    .template = "activation", .link = signup_link,
	    .client = r->remote }, &u, &p) == -1) {
		if (p.kind == PROB_CONFLICT && strcmp(p.field, "username") == 0) {
			title = xasprintf("User \"%s\" already registered",
			    v[0]);
			bedita_error(r, 400, title, NULL, "be_user_exists");
			free(title);
		} else if (p.kind == PROB_CONFLICT)
			bedita_error(r, 400, "Invalid data",
			    "[email.unique]: " BEDITA_INVALID, NULL);
		else {
			problem_rename(&p, FIELD_NAMES(bedita_names));
			bedita_fail(r, &p);
		}
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "data", bedita_user_resource(&u, false));
	json_object_object_add(o, "links", bedita_links(r));
	db_user_free(&u);
	req_reply(r, 202, o);
}

/* POST /signup/activation {uuid}: 202 with an empty body. */
void
bedita_activation(struct req *r)
{
	static const char *const fields[] = { "uuid" };
	const char	*v[1];
	struct problem	 p = { 0 };

	if (!bedita_strings(r, fields, 1, v))
		return;
	if (activation_confirm(LINK_UUID, v[0], 0, false, NULL, &p) == -1) {
		if (p.kind == PROB_CONFLICT)
			p.detail = "User already active";
		problem_rename(&p, FIELD_NAMES(bedita_names));
		bedita_fail(r, &p);
		return;
	}
	req_reply(r, 202, NULL);
}
