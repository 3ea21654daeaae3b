/* signet: signup by email link.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "core/activation.h"
#include "core/code.h"
#include "core/password.h"
#include "core/signup.h"
#include "core/throttle.h"
#include "core/validate.h"
#include "db/confirm.h"
#include "db/db.h"
#include "db/draft.h"
#include "db/user.h"
#include "mail/lang.h"
#include "mail/outbox.h"

/* The confirmations kind of a link form. */
static const char *
kind_of(enum link_form form)
{
	return form == LINK_UUID ? CONFIRM_ACTIVATION : CONFIRM_SIGNUP;
}

/*
 * Is the username (NULL: none asked for) or the email taken?  0 free,
 * -1 with CONFLICT naming the field (the username first) or the database
 * problem.
 */
static int
probe(const char *username, const char *email, struct draft_probe *pr,
    struct problem *p)
{
	if (db_draft_probe(username, email, pr) == -1) {
		problem_db(p);
		return -1;
	}
	if (pr->name_used || pr->email_used) {
		p->kind = PROB_CONFLICT;
		p->field = pr->name_used ? "username" : "email";
		return -1;
	}
	return 0;
}

/*
 * In one transaction, under the email's lock: check again, make the
 * draft (or take over a placeholder or stale draft of the email), store
 * the link's MAC and queue the mail.  *gid is the caller's to free.
 */
static int
draft_create(const struct link_signup *s, const char *mcf, const char *token,
    const struct mail_var *vars, size_t nvars, char **gid, struct problem *p)
{
	struct draft_probe	 pr;
	const char		*lang = s->language;
	char			 mac[67];
	long long		 id = 0;
	int			 rc = -1, done = 0, took;

	*gid = NULL;
	if (lang == NULL || !lang_ok(lang))
		lang = cf->default_language;
	code_mac_hex(token, mac);
	if (db_begin() == -1 || db_draft_lock(s->email) == -1) {
		problem_db(p);
		goto out;
	}
	if (probe(s->username, s->email, &pr, p) == -1)
		goto out;
	if (pr.reuse != 0) {
		id = pr.reuse;
		done = db_draft_reuse(id, s->username, s->email, mcf, lang, gid);
	}
	took = done == 1;
	if (done == 0)
		done = db_draft_insert(s->username, s->email, mcf, lang, &id,
		    gid) == 0 ? 1 : -1;
	if (done == -1) {
		if (s->username != NULL &&
		    strcmp(db_sqlstate(), SQLSTATE_UNIQUE) == 0) {
			p->kind = PROB_CONFLICT;
			p->field = "username";
		} else
			problem_db(p);
		goto out;
	}
	if (db_confirm_put(kind_of(s->form), mac, id, s->redirect,
	    cf->activation_ttl) == -1 ||
	    outbox_put_template(s->email, s->template, lang, vars, nvars) == -1 ||
	    db_commit() == -1) {
		problem_db(p);
		goto out;
	}
	log_info("link signup: user %s is a draft%s", *gid,
	    took ? " (row taken over)" : "");
	rc = 0;
out:
	db_rollback();
	if (rc == -1) {
		free(*gid);
		*gid = NULL;
	}
	return rc;
}

/* Load user gid into *u (when not NULL).  0, or -1 with *p. */
static int
load(const char *gid, struct user *u, struct problem *p)
{
	int	found;

	if (u == NULL)
		return 0;
	if ((found = db_user_by_gid(gid, u)) == 1)
		return 0;
	if (found == 0)
		p->kind = PROB_INTERNAL;
	else
		problem_db(p);
	return -1;
}

int
activation_signup(const struct link_signup *s, struct user *u,
    struct problem *p)
{
	struct draft_probe	 pr;
	char			 mcf[PASSWORD_MCF_LEN], uuid[37], hours[24];
	char			*token = NULL, *link = NULL, *gid = NULL;
	const char		*why;
	int			 rc = -1;

	if (u != NULL)
		memset(u, 0, sizeof(*u));
	memset(mcf, 0, sizeof(mcf));
	if (signup_throttle_client(s->client, p) == -1)
		return -1;
	if (s->username != NULL && !validate_username(s->username, &why))
		problem_field(p, "username", why);
	if (s->password != NULL && !validate_password(s->password,
	    s->username, s->email, cf->password_min_score, &why))
		problem_field(p, "password", why);
	if (!validate_email(s->email, &why))
		problem_field(p, "email", why);
	if (s->link_url != NULL && !validate_url(s->link_url, &why))
		problem_field(p, "link", why);
	if (s->redirect != NULL && !validate_url(s->redirect, &why))
		problem_field(p, "redirect", why);
	if (p->nverrs > 0)
		return -1;
	/* Taken names are answered before the mail throttle counts. */
	if (probe(s->username, s->email, &pr, p) == -1 ||
	    signup_throttle_email(s->email, p) == -1)
		return -1;

	if (s->password != NULL && password_hash(s->password, mcf) == -1) {
		p->kind = PROB_INTERNAL;
		return -1;
	}
	if (s->form == LINK_UUID) {
		code_uuid(uuid);
		token = xstrdup(uuid);
		explicit_bzero(uuid, sizeof(uuid));
	} else
		token = code_token();
	link = s->link(s, token);
	snprintf(hours, sizeof(hours), "%ld",
	    (cf->activation_ttl + THROTTLE_HOUR - 1) / THROTTLE_HOUR);
	{
		const struct mail_var vars[] = {
			{ "username", s->username },
			{ "link", link },
			{ "hours", hours },
		};

		if (draft_create(s, s->password != NULL ? mcf : NULL, token,
		    vars, sizeof(vars) / sizeof(vars[0]), &gid, p) == -1 ||
		    load(gid, u, p) == -1)
			goto out;
	}
	rc = 0;
out:
	explicit_bzero(mcf, sizeof(mcf));
	xfreezero(token, strlen(token));
	xfreezero(link, strlen(link));		/* holds the token */
	free(gid);
	return rc;
}

int
activation_confirm(enum link_form form, const char *token, long consent,
    bool again_ok, struct user *u, struct problem *p)
{
	char		 mac[67], *lc, *s, *gid = NULL, *status = NULL;
	long long	 id;
	int		 found, rc = -1;

	if (u != NULL)
		memset(u, 0, sizeof(*u));
	lc = xstrdup(token);
	if (form == LINK_UUID) {
		/* UUIDs are case-insensitive; ours are made in lower case. */
		for (s = lc; *s != '\0'; s++)
			*s = (char)tolower((unsigned char)*s);
	}
	code_mac_hex(lc, mac);
	xfreezero(lc, strlen(lc));
	if (db_begin() == -1 ||
	    (found = db_confirm_take(kind_of(form), mac, &id)) == -1 ||
	    (found && (found = db_user_lock(id, &gid, &status)) == -1)) {
		problem_db(p);
		goto out;
	}
	if (!found || strcmp(status, "invited") == 0 ||
	    strcmp(status, "disabled") == 0) {
		p->kind = PROB_NOT_FOUND;
		goto out;
	}
	if (strcmp(status, "active") == 0 && !again_ok) {
		/* Rolled back: the link stays as it was. */
		p->kind = PROB_CONFLICT;
		p->field = "token";
		goto out;
	}
	if (db_user_activate(id, consent) == -1 || db_commit() == -1) {
		problem_db(p);
		goto out;
	}
	log_info("%s: user %s is active", kind_of(form), gid);
	rc = load(gid, u, p);
out:
	db_rollback();
	free(status);
	free(gid);
	return rc;
}
