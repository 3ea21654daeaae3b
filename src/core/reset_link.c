/* signet: password reset by link (BEdita's /auth/change).  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "core/code.h"
#include "core/event.h"
#include "core/password.h"
#include "core/reset.h"
#include "core/throttle.h"
#include "core/validate.h"
#include "db/confirm.h"
#include "db/db.h"
#include "db/user.h"
#include "mail/outbox.h"

/* One link for account a, its URL from url: 0 or -1 (database). */
static int
put_link(const struct user_target *a, const char *url,
    char *(*link)(const char *, const char *))
{
	char	 uuid[37], mac[67], hours[24], *href;
	int	 rc;

	code_uuid(uuid);
	code_mac_hex(uuid, mac);
	href = link(url, uuid);
	snprintf(hours, sizeof(hours), "%d", RESET_LINK_TTL / 3600);
	{
		const struct mail_var vars[] = {
			{ "username", a->username },
			{ "link", href },
			{ "hours", hours },
		};

		rc = db_confirm_put(&(struct confirm_new){
		    .kind = CONFIRM_CHANGE, .mac = mac, .user_id = a->id,
		    .ttl = RESET_LINK_TTL }) == -1 ||
		    outbox_put_template(a->email, "change_request", a->language,
		    vars, 3) == -1 ? -1 : 0;
	}
	xfreezero(href, strlen(href));
	explicit_bzero(uuid, sizeof(uuid));
	return rc;
}

int
reset_link_request(const char *email, const char *url,
    char *(*link)(const char *, const char *), const char *client,
    struct problem *p)
{
	struct user_target	*acc = NULL;
	const char		*why;
	char			*norm = NULL;
	size_t			 n = 0, i;
	int			 send, rc = -1;

	if (!validate_email(email, &norm, &why))
		problem_field(p, "email", why);
	if (!validate_link(url, &why))
		problem_field(p, "link", why);
	if (p->nverrs > 0)
		goto out;
	if (reset_throttles(client, norm, p) == -1)
		goto out;
	if (db_user_targets(norm, RESET_MAX_ACCOUNTS, &acc, &n) == -1)
		goto dberr;
	if (n == 0) {
		reset_requested(acc, n, 0);
		p->kind = PROB_NOT_FOUND;
		goto out;
	}
	if ((send = reset_mailbox_ok(acc[0].email)) == -1)
		goto dberr;
	if (send) {
		if (db_begin() == -1)
			goto dberr;
		for (i = 0; i < n; i++)
			if (put_link(&acc[i], url, link) == -1)
				goto dberr;
		if (db_commit() == -1)
			goto dberr;
		log_info("reset: link mailed for %zu account(s)", n);
	}
	reset_requested(acc, n, send);
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	db_user_targets_free(acc, n);
	free(norm);
	return rc;
}

int
reset_link_complete(const char *uuid, const char *new_password,
    struct user *u, struct problem *p)
{
	struct confirm_link	 l;
	char			 mac[67], mcf[PASSWORD_MCF_LEN], *lc, *s;
	const char		*why;
	long			 epoch;
	int			 found, rc = -1;

	memset(u, 0, sizeof(*u));
	memset(&l, 0, sizeof(l));
	memset(mcf, 0, sizeof(mcf));
	lc = xstrdup(uuid);
	for (s = lc; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
	code_mac_hex(lc, mac);
	xfreezero(lc, strlen(lc));
	if (db_begin() == -1 ||
	    (found = db_confirm_take(CONFIRM_CHANGE, mac, &l)) == -1 ||
	    (found && (found = db_user_by_id(l.user_id, u)) == -1))
		goto dberr;
	if (!found || strcmp(u->status, "active") != 0) {
		p->kind = PROB_NOT_FOUND;
		goto out;
	}
	/* Refused or busy: rolled back, the link stays as it was. */
	if (!validate_password_len(new_password, u->username, u->email,
	    cf->password_min_score, password_min_length(u->totp_enabled),
	    &why)) {
		problem_field(p, "password", why);
		goto out;
	}
	if ((found = password_hash(new_password, mcf)) != 0) {
		password_problem(found, p);
		goto out;
	}
	{
		const struct mail_var vars[] = {
			{ "username", u->username },
		};

		if ((found = db_user_set_password(u->id, mcf, &epoch)) == -1)
			goto dberr;
		if (!found) {
			p->kind = PROB_NOT_FOUND;
			goto out;
		}
		if (outbox_put_template(u->email, "password_changed",
		    u->language, vars, 1) == -1 || db_commit() == -1)
			goto dberr;
	}
	u->token_epoch = epoch;
	log_info("reset: user %s set a new password by link", u->gid);
	event_note(EV_RESET_DONE, OUT_OK, u->id, u->gid);
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	explicit_bzero(mcf, sizeof(mcf));
	db_confirm_link_free(&l);
	if (rc == -1)
		db_user_free(u);
	return rc;
}
