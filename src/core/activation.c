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
#include "core/event.h"
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
 * In one transaction, under the address's lock: check again (a request
 * that lost the race for the address is refused here, before anything is
 * counted), count the throttles, and either keep the signup aside in the
 * link of the address's invited placeholder (which is not touched before
 * the link proves the address) or make a draft (taking over a dead draft
 * of the email), then store the link's MAC and queue the mail.  *id is
 * the row the link activates.
 */
static int
draft_create(const struct link_signup *s, const char *mcf, const char *token,
    const struct mail_var *vars, size_t nvars, long long *id,
    struct problem *p)
{
	struct draft_probe	 pr;
	struct user_aside	 aside;
	const char		*lang = s->language;
	char			 mac[67], *gid = NULL;
	int			 rc = -1, done = 0;

	*id = 0;
	if (lang == NULL || !lang_ok(lang))
		lang = cf->default_language;
	code_mac_hex(token, mac);
	if (db_begin() == -1 || db_user_lock_email(s->email) == -1)
		goto dberr;
	if (probe(s->username, s->email, &pr, p) == -1 ||
	    signup_throttle_client(s->client, true, p) == -1 ||
	    signup_throttle_email(s->email, true, p) == -1)
		goto out;
	if (pr.placeholder != 0) {
		*id = pr.placeholder;
		aside = (struct user_aside){ .username = s->username,
		    .password = mcf, .language = lang };
	} else {
		if (db_draft_clear(s->email, s->username, false,
		    pr.reuse) == -1)
			goto dberr;
		if (pr.reuse != 0) {
			*id = pr.reuse;
			done = db_draft_reuse(*id, s->username, s->email, mcf,
			    lang, &gid);
		}
		if (done == 0)
			done = db_draft_insert(s->username, s->email, mcf, lang,
			    id, &gid) == 0 ? 1 : -1;
		if (done == -1) {
			if (s->username != NULL &&
			    strcmp(db_sqlstate(), SQLSTATE_UNIQUE) == 0) {
				p->kind = PROB_CONFLICT;
				p->field = "username";
				goto out;
			}
			goto dberr;
		}
	}
	if (db_confirm_put(&(struct confirm_new){ .kind = kind_of(s->form),
	    .mac = mac, .user_id = *id, .ttl = cf->activation_ttl,
	    .redirect = s->redirect,
	    .aside = pr.placeholder != 0 ? &aside : NULL }) == -1 ||
	    outbox_put_template(s->email, s->template, lang, vars, nvars) == -1 ||
	    db_commit() == -1)
		goto dberr;
	log_info("link signup: user %lld is %s", *id, pr.placeholder != 0 ?
	    "invited, its signup kept aside" : pr.reuse != 0 ?
	    "a draft again" : "a draft");
	event_note(EV_SIGNUP_REQUESTED, OUT_OK, *id, gid);
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	free(gid);
	return rc;
}

/* Load user id into *u (when not NULL).  0, or -1 with *p. */
static int
load(long long id, struct user *u, struct problem *p)
{
	int	found;

	if (u == NULL)
		return 0;
	if ((found = db_user_by_id(id, u)) == 1)
		return 0;
	if (found == 0)
		p->kind = PROB_INTERNAL;
	else
		problem_db(p);
	return -1;
}

int
activation_signup(const struct link_signup *asked, struct user *u,
    struct problem *p)
{
	struct link_signup	 n = *asked, *s = &n;
	struct draft_probe	 pr;
	char			 mcf[PASSWORD_MCF_LEN], uuid[37], hours[24];
	char			*token = NULL, *link = NULL, *email = NULL;
	const char		*why;
	long long		 id;
	int			 rc = -1, hashed;

	if (u != NULL)
		memset(u, 0, sizeof(*u));
	memset(mcf, 0, sizeof(mcf));
	if (s->username != NULL && !validate_username(s->username, &why))
		problem_field(p, "username", why);
	if (s->password != NULL && !validate_password(s->password,
	    s->username, s->email, cf->password_min_score, &why))
		problem_field(p, "password", why);
	if (!validate_email(s->email, &email, &why))
		problem_field(p, "email", why);
	else
		s->email = email;	/* from here on, as stored */
	if (s->link_url != NULL && !validate_link(s->link_url, &why))
		problem_field(p, "link", why);
	if (s->redirect != NULL && !validate_link(s->redirect, &why))
		problem_field(p, "redirect", why);
	if (p->nverrs > 0)
		goto out;
	/*
	 * A taken address or name is answered before any throttle: they
	 * count requests that send mail.  The throttles are checked (not
	 * counted) before the hash, and counted once the address is ours.
	 */
	if (probe(s->username, s->email, &pr, p) == -1)
		goto out;
	if (signup_throttle_client(s->client, false, p) == -1 ||
	    signup_throttle_email(s->email, false, p) == -1) {
		/*
		 * A limit counted by a signup that took the address after
		 * our probe: that signup's answer is the right one.
		 */
		if (p->kind == PROB_RATE_LIMITED) {
			struct problem	q = { 0 };

			if (probe(s->username, s->email, &pr, &q) == -1 &&
			    q.kind == PROB_CONFLICT)
				*p = q;
		}
		goto out;
	}

	if (s->password != NULL && (hashed = password_hash(s->password,
	    mcf)) != 0) {
		password_problem(hashed, p);
		goto out;
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
		    vars, sizeof(vars) / sizeof(vars[0]), &id, p) == -1 ||
		    load(id, u, p) == -1)
			goto out;
	}
	if (u != NULL && strcmp(u->status, "invited") == 0) {
		/* What the link will make of the placeholder. */
		free(u->username);
		free(u->status);
		free(u->language);
		u->username = s->username ? xstrdup(s->username) : NULL;
		u->status = xstrdup("draft");
		u->language = xstrdup(s->language != NULL &&
		    lang_ok(s->language) ? s->language : cf->default_language);
	}
	rc = 0;
out:
	explicit_bzero(mcf, sizeof(mcf));
	if (token != NULL)
		xfreezero(token, strlen(token));
	if (link != NULL)
		xfreezero(link, strlen(link));	/* holds the token */
	free(email);
	return rc;
}

int
activation_confirm(enum link_form form, const char *token, long consent,
    bool again_ok, struct user *u, struct problem *p)
{
	struct confirm_link	 l;
	struct user_aside	 aside;
	char			 mac[67], *lc, *s, *gid = NULL, *status = NULL;
	int			 found, rc = -1;

	if (u != NULL)
		memset(u, 0, sizeof(*u));
	memset(&l, 0, sizeof(l));
	lc = xstrdup(token);
	if (form == LINK_UUID) {
		/* UUIDs are case-insensitive; ours are made in lower case. */
		for (s = lc; *s != '\0'; s++)
			*s = (char)tolower((unsigned char)*s);
	}
	code_mac_hex(lc, mac);
	xfreezero(lc, strlen(lc));
	if (db_begin() == -1 ||
	    (found = db_confirm_take(kind_of(form), mac, &l)) == -1 ||
	    (found && (found = db_user_lock(l.user_id, &gid, &status)) == -1)) {
		problem_db(p);
		goto out;
	}
	/* A placeholder is only ever activated by a link that carries data. */
	if (!found || strcmp(status, "disabled") == 0 ||
	    (strcmp(status, "invited") == 0 && !l.has_aside)) {
		p->kind = PROB_NOT_FOUND;
		goto out;
	}
	if (strcmp(status, "active") == 0 && !again_ok) {
		/* Rolled back: the link stays as it was. */
		p->kind = PROB_CONFLICT;
		p->field = "token";
		goto out;
	}
	aside = (struct user_aside){ .username = l.username,
	    .password = l.password, .language = l.language };
	if (db_user_activate(l.user_id, consent, strcmp(status, "invited") == 0 ?
	    &aside : NULL) == -1 || db_commit() == -1) {
		if (strcmp(db_sqlstate(), SQLSTATE_UNIQUE) == 0) {
			/* Its username was kept for it: only a race with an
			 * older account can take it. */
			problem_field(p, "username", "is not available");
			goto out;
		}
		problem_db(p);
		goto out;
	}
	log_info("%s: user %s is active", kind_of(form), gid);
	if (strcmp(status, "active") != 0)
		event_note(EV_SIGNUP_COMPLETED, OUT_OK, l.user_id, gid);
	rc = load(l.user_id, u, p);
out:
	db_rollback();
	db_confirm_link_free(&l);
	free(status);
	free(gid);
	return rc;
}
