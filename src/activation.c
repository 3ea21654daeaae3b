/* signet: sign up by email link (BEdita, FreeSewing).  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "activation.h"
#include "code.h"
#include "conf.h"
#include "db.h"
#include "db_confirm.h"
#include "db_user.h"
#include "log.h"
#include "mail.h"
#include "password.h"
#include "throttle.h"
#include "validate.h"
#include "xmalloc.h"

#define HOUR	3600

/* BEdita's message for a value its rules refuse. */
#define INVALID	"The provided value is invalid"

/* ------------------------------------------------------------- links */

/* Is the authority [host][:port] of an http(s) URL, len bytes, acceptable? */
static bool
http_host_ok(const char *start, size_t len)
{
	const char	*end = start + len, *colon, *hend, *h;
	size_t		 n;
	bool		 dot = false;

	if (memchr(start, '@', len) != NULL)
		return false;		/* no user info: it only misleads */
	if (len > 0 && *start == '[') {
		hend = memchr(start, ']', len);
		if (hend == NULL || hend == start + 1 ||
		    strspn(start + 1, "0123456789abcdefABCDEF:.") !=
		    (size_t)(hend - start - 1))
			return false;
		colon = hend + 1 < end ? hend + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return false;
	} else {
		colon = memchr(start, ':', len);
		hend = colon ? colon : end;
		if (hend == start || *start == '.' || hend[-1] == '.')
			return false;
		for (h = start; h < hend; h++) {
			if (*h == '.') {
				if (h[1] == '.')
					return false;
				dot = true;
			} else if (!isalnum((unsigned char)*h) && *h != '-' &&
			    (unsigned char)*h < 0x80)
				return false;
		}
		if (!dot && (hend - start != 9 ||
		    strncasecmp(start, "localhost", 9) != 0))
			return false;
	}
	if (colon != NULL) {
		n = (size_t)(end - colon - 1);
		if (n < 1 || n > 5 || strspn(colon + 1, "0123456789") < n)
			return false;
	}
	return true;
}

bool
activation_url_ok(const char *url)
{
	static const char *const refused[] = { "javascript", "data",
	    "vbscript", "file" };
	const char	*s, *host;
	size_t		 len, n, i;

	len = strlen(url);
	if (len == 0 || len > ACTIVATION_URL_MAX)
		return false;
	for (s = url; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	if (!isalpha((unsigned char)url[0]))
		return false;
	n = 1 + strspn(url + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+-.");
	if (strncmp(url + n, "://", 3) != 0)
		return false;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strlen(refused[i]) == n &&
		    strncasecmp(url, refused[i], n) == 0)
			return false;
	if (!(n == 4 && strncasecmp(url, "http", 4) == 0) &&
	    !(n == 5 && strncasecmp(url, "https", 5) == 0))
		return true;		/* an app's own scheme */
	host = url + n + 3;
	return http_host_ok(host, strcspn(host, "/?#"));
}

char *
activation_urlencode(const char *s)
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
activation_link(const char *url, const char *uuid, const char *redirect)
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
	enc = activation_urlencode(redirect);
	link = xasprintf("%s%suuid=%s&redirect_url=%s", url, sep, uuid, enc);
	free(enc);
	return link;
}

char *
activation_confirm_link(const char *base, const char *id)
{
	size_t	len = strlen(base);

	while (len > 0 && base[len - 1] == '/')
		len--;
	return xasprintf("%.*s/confirm/signup/%s", (int)len, base, id);
}

/* --------------------------------------------------------- throttles */

/*
 * The signup throttles of account.c, with the same keys, so one budget
 * covers Unicat, BEdita and FreeSewing signups alike.
 */

/* Per client address, an hourly limit; exempt addresses skip it. */
static int
signup_client(const char *client, struct problem *p)
{
	return throttle_client("signup-addr", client,
	    cf->throttle_signup_addr_hourly, p);
}

/* Per email: one mail per cooldown, at most daily a day. */
static int
signup_email(const char *email, struct problem *p)
{
	return throttle_email("signup", email,
	    cf->throttle_signup_email_cooldown, cf->throttle_signup_email_daily, p);
}

/* ------------------------------------------------------------ drafts */

/*
 * Is the username (NULL: none asked for) or the email taken?  0 free,
 * -1 with CONFLICT naming the field (the username first, as BEdita
 * checks it first) or the database problem.  Fills *pr.
 */
static int
probe(const char *username, const char *email, struct signup_probe *pr,
    struct problem *p)
{
	if (db_signup_probe(username, email, pr) == -1) {
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

/* What a new draft is made of. */
struct draft {
	const char		*who;		/* "bedita", "freesewing": the log */
	const char		*kind;		/* CONFIRM_* */
	const char		*username;	/* NULL: automatic */
	const char		*password;	/* MCF or NULL */
	const char		*email;
	const char		*language;
	const char		*redirect;	/* or NULL */
	const char		*token;		/* the link's secret */
	const char		*tmpl;		/* mail template */
	const struct mail_var	*vars;
	size_t			 nvars;
};

/*
 * In one transaction, under the email's lock: check again, make the
 * draft (or take over a placeholder or stale draft of the email), store
 * the link's MAC and queue the mail.  *gid is the caller's to free.
 */
static int
draft_create(const struct draft *d, char **gid, struct problem *p)
{
	struct signup_probe	 pr;
	char			 mac[67];
	long long		 id = 0;
	int			 rc = -1, done = 0, took;

	*gid = NULL;
	code_mac_hex(d->token, mac);
	if (db_begin() == -1 || db_email_lock(d->email) == -1) {
		problem_db(p);
		goto out;
	}
	if (probe(d->username, d->email, &pr, p) == -1)
		goto out;
	if (pr.reuse != 0) {
		id = pr.reuse;
		done = db_draft_reuse(id, d->username, d->email, d->password,
		    d->language, gid);
	}
	took = done == 1;
	if (done == 0)
		done = db_draft_insert(d->username, d->email, d->password,
		    d->language, &id, gid) == 0 ? 1 : -1;
	if (done == -1) {
		if (d->username != NULL &&
		    strcmp(db_sqlstate(), SQLSTATE_UNIQUE) == 0) {
			p->kind = PROB_CONFLICT;
			p->field = "username";
		} else
			problem_db(p);
		goto out;
	}
	if (db_confirm_put(d->kind, mac, id, d->redirect,
	    cf->activation_ttl) == -1 ||
	    mail_queue_template(d->email, d->tmpl, d->language, d->vars,
	    d->nvars) == -1 ||
	    db_commit() == -1) {
		problem_db(p);
		goto out;
	}
	log_info("%s signup: user %s is a draft%s", d->who, *gid,
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

int
activation_bedita_signup(const char *username, const char *password,
    const char *email, const char *activation_url, const char *redirect_url,
    const char *language, const char *client, struct user *u,
    struct problem *p)
{
	struct signup_probe	 pr;
	struct draft		 d;
	char			 mcf[PASSWORD_MCF_LEN], uuid[37], hours[24];
	char			*link = NULL, *gid = NULL;
	const char		*why;
	int			 found, rc = -1;

	memset(u, 0, sizeof(*u));
	if (signup_client(client, p) == -1)
		return -1;
	if (!validate_username(username, &why))
		problem_field(p, "username", why);
	if (!validate_password(password, username, email,
	    cf->password_min_score, &why))
		problem_field(p, "password", why);
	if (!validate_email(email, &why))
		problem_field(p, "email", why);
	if (!activation_url_ok(activation_url))
		problem_field(p, "activation_url", INVALID);
	if (redirect_url != NULL && !activation_url_ok(redirect_url))
		problem_field(p, "redirect_url", INVALID);
	if (p->nverrs > 0)
		return -1;
	if (language == NULL || !mail_language_ok(language))
		language = cf->default_language;
	/* Taken names are answered before the mail throttle counts. */
	if (probe(username, email, &pr, p) == -1 ||
	    signup_email(email, p) == -1)
		return -1;

	if (password_hash(password, mcf) == -1) {
		p->kind = PROB_INTERNAL;
		return -1;
	}
	code_uuid(uuid);
	link = activation_link(activation_url, uuid, redirect_url);
	snprintf(hours, sizeof(hours), "%ld", (cf->activation_ttl + HOUR - 1) /
	    HOUR);
	{
		const struct mail_var vars[] = {
			{ "username", username },
			{ "link", link },
			{ "hours", hours },
		};

		d = (struct draft){ .who = "bedita",
		    .kind = CONFIRM_ACTIVATION,
		    .username = username, .password = mcf, .email = email,
		    .language = language, .redirect = redirect_url,
		    .token = uuid, .tmpl = "activation", .vars = vars,
		    .nvars = sizeof(vars) / sizeof(vars[0]) };
		if (draft_create(&d, &gid, p) == -1)
			goto out;
	}
	if ((found = db_user_by_gid(gid, u)) != 1) {
		if (found == 0)
			p->kind = PROB_INTERNAL;
		else
			problem_db(p);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(mcf, sizeof(mcf));
	explicit_bzero(uuid, sizeof(uuid));
	xfreezero(link, link != NULL ? strlen(link) : 0);	/* holds uuid */
	free(gid);
	return rc;
}

int
activation_freesewing_signup(const char *email, const char *language,
    const char *client, struct problem *p)
{
	struct signup_probe	 pr;
	struct draft		 d;
	char			*id = NULL, *link = NULL, *gid = NULL;
	const char		*why;
	int			 rc = -1;

	if (signup_client(client, p) == -1)
		return -1;
	if (!validate_email(email, &why)) {
		problem_field(p, "email", why);
		return -1;
	}
	if (probe(NULL, email, &pr, p) == -1 || signup_email(email, p) == -1)
		return -1;
	id = code_token();
	link = activation_confirm_link(cf->freesewing_confirm_url, id);
	{
		const struct mail_var vars[] = {
			{ "link", link },
		};

		d = (struct draft){ .who = "freesewing",
		    .kind = CONFIRM_SIGNUP, .email = email,
		    .language = language, .token = id, .tmpl = "confirm",
		    .vars = vars, .nvars = 1 };
		if (draft_create(&d, &gid, p) == -1)
			goto out;
	}
	rc = 0;
out:
	xfreezero(id, strlen(id));
	xfreezero(link, strlen(link));	/* holds id */
	free(gid);
	return rc;
}

/*
 * Use up the link token of kind and activate its account.  already_ok:
 * an active account is fine (FreeSewing), else CONFLICT (BEdita).  Sets
 * *gid (the caller's to free).
 */
static int
confirm(const char *kind, const char *token, long consent, bool already_ok,
    char **gid, struct problem *p)
{
	char		 mac[67], *status = NULL;
	long long	 id;
	int		 found, rc = -1;

	*gid = NULL;
	code_mac_hex(token, mac);
	if (db_begin() == -1 ||
	    (found = db_confirm_take(kind, mac, &id)) == -1 ||
	    (found && (found = db_user_lock(id, gid, &status)) == -1)) {
		problem_db(p);
		goto out;
	}
	if (!found || strcmp(status, "invited") == 0 ||
	    strcmp(status, "disabled") == 0) {
		p->kind = PROB_NOT_FOUND;
		goto out;
	}
	if (strcmp(status, "active") == 0 && !already_ok) {
		/* Rolled back: the link stays as it was. */
		p->kind = PROB_CONFLICT;
		p->field = "uuid";
		p->detail = "User already active";
		goto out;
	}
	if (db_user_activate(id, consent) == -1 || db_commit() == -1) {
		problem_db(p);
		goto out;
	}
	log_info("%s: user %s is active", kind, *gid);
	rc = 0;
out:
	db_rollback();
	free(status);
	if (rc == -1) {
		free(*gid);
		*gid = NULL;
	}
	return rc;
}

int
activation_bedita_activate(const char *uuid, struct problem *p)
{
	char	*lc, *s, *gid;
	int	 rc;

	/* UUIDs are case-insensitive; ours are made in lower case. */
	lc = xstrdup(uuid);
	for (s = lc; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
	rc = confirm(CONFIRM_ACTIVATION, lc, 0, false, &gid, p);
	free(lc);
	free(gid);
	return rc;
}

int
activation_freesewing_confirm(const char *id, long consent, struct user *u,
    struct problem *p)
{
	char	*gid;
	int	 found;

	memset(u, 0, sizeof(*u));
	if (confirm(CONFIRM_SIGNUP, id, consent, true, &gid, p) == -1)
		return -1;
	found = db_user_by_gid(gid, u);
	free(gid);
	if (found != 1) {
		if (found == 0)
			p->kind = PROB_INTERNAL;
		else
			problem_db(p);
		return -1;
	}
	return 0;
}
