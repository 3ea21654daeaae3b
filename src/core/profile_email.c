/* signet: the account after login: changing its address.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "core/account.h"
#include "core/code.h"
#include "core/event.h"
#include "core/profile.h"
#include "core/throttle.h"
#include "core/validate.h"
#include "db/confirm.h"
#include "db/db.h"
#include "db/user.h"
#include "mail/outbox.h"

/* Address changes a user may ask for in an hour, whatever the address. */
#define EMAIL_CHANGES_HOURLY	10

#define NOT_AVAILABLE	"is not available"
#define BAD_CODE	"is not the code we sent, or has expired"

/*
 * Is email (normalised) free for user u?  0, or -1 with VALIDATION on
 * "email" (u's own address, or another account's) or the database.
 */
static int
email_free(const struct user *u, const char *email, struct problem *p)
{
	int	used;

	if (strcasecmp(email, u->email) == 0) {
		problem_field(p, "email", "is your address already");
		return -1;
	}
	if ((used = db_user_email_used(email, u->id)) == -1) {
		problem_db(p);
		return -1;
	}
	if (used) {
		problem_field(p, "email", NOT_AVAILABLE);
		return -1;
	}
	return 0;
}

/* The throttles of an address change: per user, then per new address. */
static int
email_throttles(const struct user *u, const char *email, const char *client,
    struct problem *p)
{
	if (throttle_client("email-addr", client,
	    cf->throttle_signup_addr_hourly, true, p) == -1 ||
	    throttle_subject("email-user", u->gid, THROTTLE_HOUR,
	    EMAIL_CHANGES_HOURLY, true, p) == -1)
		return -1;
	return throttle_email("email-change", email,
	    cf->throttle_signup_email_cooldown, cf->throttle_signup_email_daily,
	    true, p);
}

int
profile_email_request(long long id, const char *email, enum email_proof proof,
    char *(*link)(const char *secret), const char *client, char **token,
    struct problem *p)
{
	struct user	 u;
	char		 digits[7] = "", tmac[67], cmac[67], num[24];
	char		*norm = NULL, *secret = NULL, *url = NULL;
	const char	*why;
	int		 rc = -1;

	*token = NULL;
	if (!validate_email(email, &norm, &why)) {
		problem_field(p, "email", why);
		return -1;
	}
	if (account_user(id, NULL, &u, p) == -1) {
		free(norm);
		return -1;
	}
	if (email_free(&u, norm, p) == -1 ||
	    email_throttles(&u, norm, client, p) == -1)
		goto out;
	secret = code_token();
	if (db_begin() == -1)
		goto dberr;
	if (proof == PROOF_CODE) {
		const struct mail_var vars[] = {
			{ "username", u.username },
			{ "code", digits },
			{ "minutes", num },
		};

		snprintf(num, sizeof(num), "%ld", (cf->code_ttl + 59) / 60);
		code_digits(digits);
		code_bound_mac("email", secret, u.gid, tmac);
		code_mac_hex(digits, cmac);
		if (db_confirm_code_put(CONFIRM_EMAIL, u.id, tmac, cmac, norm,
		    cf->code_ttl) == -1 ||
		    outbox_put_template(norm, "email_code", u.language, vars,
		    3) == -1)
			goto dberr;
	} else {
		snprintf(num, sizeof(num), "%ld",
		    (cf->activation_ttl + 3599) / 3600);
		url = link(secret);
		const struct mail_var vars[] = {
			{ "username", u.username },
			{ "link", url },
			{ "hours", num },
		};

		code_mac_hex(secret, tmac);
		if (db_confirm_put(&(struct confirm_new){ .kind = CONFIRM_EMAIL,
		    .mac = tmac, .user_id = u.id, .ttl = cf->activation_ttl,
		    .new_email = norm }) == -1 ||
		    outbox_put_template(norm, "email_link", u.language, vars,
		    3) == -1)
			goto dberr;
	}
	if (db_commit() == -1)
		goto dberr;
	log_info("profile: user %s asked to change the address", u.gid);
	event_note(EV_EMAIL_CHANGE_REQUESTED, OUT_OK, u.id, u.gid);
	if (proof == PROOF_CODE) {
		*token = secret;
		secret = NULL;
	}
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	explicit_bzero(digits, sizeof(digits));
	xfreezero(secret, secret != NULL ? strlen(secret) : 0);
	xfreezero(url, url != NULL ? strlen(url) : 0);	/* it holds the secret */
	free(norm);
	db_user_free(&u);
	return rc;
}

/*
 * The address is proved (the confirmation used up in the open
 * transaction): check it again under its lock, give it to u, tell the old
 * one, commit, and load the user anew into *out.
 */
static int
email_finish(struct user *u, const char *email, struct user *out,
    struct problem *p)
{
	const struct mail_var vars[] = {
		{ "username", u->username },
		{ "email", email },
	};
	int	done;

	if (db_user_lock_email(email) == -1)
		goto dberr;
	if (email_free(u, email, p) == -1)
		return -1;
	if ((done = db_user_set_email(u->id, email)) == -1) {
		if (strcmp(db_sqlstate(), SQLSTATE_UNIQUE) == 0) {
			problem_field(p, "email", NOT_AVAILABLE);
			return -1;
		}
		goto dberr;
	}
	if (!done) {
		p->kind = PROB_UNAUTHORIZED;
		p->why = AUTH_REVOKED;
		return -1;
	}
	if (outbox_put_template(u->email, "email_changed", u->language, vars,
	    2) == -1 || db_commit() == -1)
		goto dberr;
	log_info("profile: user %s changed the address", u->gid);
	event_note(EV_EMAIL_CHANGED, OUT_OK, u->id, u->gid);
	if (db_user_by_id(u->id, out) != 1)
		goto dberr;
	return 0;
dberr:
	problem_db(p);
	return -1;
}

int
profile_email_by_code(long long id, const char *email, const char *token,
    const char *code, struct user *out, struct problem *p)
{
	struct user		 u;
	struct confirm_code	 c;
	char			 tmac[67], *norm = NULL;
	const char		*why;
	int			 found, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if (account_user(id, NULL, &u, p) == -1)
		return -1;
	code_bound_mac("email", token, u.gid, tmac);
	if ((found = db_confirm_code_get(CONFIRM_EMAIL, id, tmac, &c)) == -1)
		goto dberr;
	if (!found || !c.usable) {
		problem_field(p, "token", BAD_CODE);
		goto out;
	}
	if (!validate_email(email, &norm, &why) ||
	    strcasecmp(norm, c.new_email) != 0) {
		problem_field(p, "email",
		    "is not the address of this request: start a new one");
		goto out;
	}
	if ((found = code_check(db_confirm_code_try, c.id,
	    cf->code_max_attempts, c.code_mac, code, p)) != 1)
		goto out;
	if (db_begin() == -1 || (found = db_confirm_code_take(c.id)) == -1)
		goto dberr;
	if (!found) {
		/* Used by a concurrent request. */
		problem_field(p, "code", BAD_CODE);
		goto out;
	}
	rc = email_finish(&u, c.new_email, out, p);
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	db_confirm_code_free(&c);
	db_user_free(&u);
	free(norm);
	return rc;
}

int
profile_email_by_link(long long id, const char *secret, struct user *out,
    struct problem *p)
{
	struct user		 u;
	struct confirm_link	 l;
	char			 mac[67];
	int			 found, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	if (account_user(id, NULL, &u, p) == -1)
		return -1;
	code_mac_hex(secret, mac);
	if (db_begin() == -1 ||
	    (found = db_confirm_take(CONFIRM_EMAIL, mac, &l)) == -1)
		goto dberr;
	/* Another user's link is no link for this one (and stays unused). */
	if (!found || l.user_id != id) {
		p->kind = PROB_NOT_FOUND;
		goto out;
	}
	rc = email_finish(&u, l.new_email, out, p);
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	db_confirm_link_free(&l);
	db_user_free(&u);
	return rc;
}
