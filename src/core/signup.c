/* signet: signup by code (Unicat's two steps), and the signup throttles. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "core/code.h"
#include "core/event.h"
#include "core/password.h"
#include "core/signup.h"
#include "core/throttle.h"
#include "core/validate.h"
#include "db/db.h"
#include "db/draft.h"
#include "db/pending.h"
#include "db/user.h"
#include "mail/lang.h"
#include "mail/outbox.h"

int
signup_throttle_client(const char *client, bool count, struct problem *p)
{
	return throttle_client("signup-addr", client,
	    cf->throttle_signup_addr_hourly, count, p);
}

int
signup_throttle_email(const char *email, bool count, struct problem *p)
{
	return throttle_email("signup", email,
	    cf->throttle_signup_email_cooldown, cf->throttle_signup_email_daily,
	    count, p);
}

int
signup_request(const char *username, const char *password, const char *email,
    const char *language, const char *client, char **token, struct problem *p)
{
	char		 mcf[PASSWORD_MCF_LEN], digits[7], vmac[67], cmac[67];
	char		 minutes[24];
	char		*tok = NULL, *norm = NULL;
	const char	*why;
	int		 taken, hashed, rc = -1;
	bool		 name_ok;

	*token = NULL;
	memset(mcf, 0, sizeof(mcf));
	memset(digits, 0, sizeof(digits));
	if (signup_throttle_client(client, true, p) == -1)
		return -1;
	if (!(name_ok = validate_username(username, &why)))
		problem_field(p, "username", why);
	if (!validate_email(email, &norm, &why))
		problem_field(p, "email", why);
	else
		email = norm;		/* from here on, as stored */
	if (!validate_password(password, username, email,
	    cf->password_min_score, &why))
		problem_field(p, "password", why);
	if (language == NULL)
		language = cf->default_language;
	else if (!lang_ok(language))
		problem_field(p, "language", "is not a supported language");
	if (name_ok) {
		if ((taken = db_user_name_taken(username)) == -1) {
			problem_db(p);
			goto out;
		}
		if (taken)
			problem_field(p, "username", "is not available");
	}
	if (p->nverrs > 0 || signup_throttle_email(email, true, p) == -1)
		goto out;
	if ((hashed = password_hash(password, mcf)) != 0) {
		password_problem(hashed, p);
		goto out;
	}
	tok = code_token();
	code_digits(digits);
	code_mac_hex(tok, vmac);
	code_mac_hex(digits, cmac);
	snprintf(minutes, sizeof(minutes), "%ld", (cf->code_ttl + 59) / 60);
	{
		const struct mail_var vars[] = {
			{ "username", username },
			{ "code", digits },
			{ "minutes", minutes },
		};

		if (db_begin() == -1 ||
		    db_pending_put(vmac, cmac, username, email, mcf, language,
		    cf->code_ttl) == -1 ||
		    outbox_put_template(email, "signup_code", language, vars,
		    sizeof(vars) / sizeof(vars[0])) == -1 ||
		    db_commit() == -1) {
			problem_db(p);
			goto out;
		}
	}
	event_note(EV_SIGNUP_REQUESTED, OUT_OK, 0, NULL);
	*token = tok;
	tok = NULL;
	rc = 0;
out:
	db_rollback();
	explicit_bzero(digits, sizeof(digits));
	explicit_bzero(mcf, sizeof(mcf));
	xfreezero(tok, tok != NULL ? strlen(tok) : 0);
	free(norm);
	return rc;
}

int
signup_complete(const char *username, const char *password, const char *email,
    const char *token, const char *code, char **gid, long *epoch,
    struct problem *p)
{
	struct pending	 pend;
	struct user	 u;
	char		 vmac[67], *norm = NULL;
	const char	*why;
	int		 found, rc = -1, took;

	*gid = NULL;
	memset(&u, 0, sizeof(u));
	if (validate_email(email, &norm, &why))
		email = norm;
	code_mac_hex(token, vmac);
	if ((found = db_pending_get(vmac, &pend)) == -1) {
		problem_db(p);
		goto out;
	}
	if (!found || pend.expired) {
		problem_field(p, "token", "is invalid or expired");
		goto out;
	}
	if (strcmp(pend.username, username) != 0)
		problem_field(p, "username", "differs from the signup request");
	if (strcasecmp(pend.email, email) != 0)
		problem_field(p, "email", "differs from the signup request");
	if (p->nverrs > 0)
		goto out;
	/* A wrong password uses a try too. */
	if ((took = code_check(db_pending_try, pend.id, cf->code_max_attempts,
	    pend.code_mac, code, p)) != 1) {
		if (took == 0)
			event_note(EV_SIGNUP_COMPLETED, OUT_BAD_CODE, 0, NULL);
		goto out;
	}
	if ((found = password_verify(password, pend.password)) != 1) {
		if (found == PASSWORD_BUSY)
			password_problem(found, p);
		else
			problem_field(p, "password",
			    "differs from the signup request");
		goto out;
	}

	/* Exactly one request consumes the pending signup. */
	if (db_begin() == -1 || (took = db_pending_take(pend.id)) == -1) {
		problem_db(p);
		goto out;
	}
	if (!took) {
		problem_field(p, "token", "is invalid or expired");
		goto out;
	}
	/*
	 * Under the address's lock: free what dead drafts hold, and drop a
	 * draft still waiting for its link (the code just proved the
	 * address: the link's claim was unproven).
	 */
	if (db_user_lock_email(pend.email) == -1 ||
	    db_draft_clear(pend.email, pend.username, true, 0) == -1) {
		problem_db(p);
		goto out;
	}
	if (db_user_create_active(pend.username, pend.email, pend.password,
	    pend.language, &u) == -1) {
		if (strcmp(db_sqlstate(), SQLSTATE_UNIQUE) == 0)
			problem_field(p, "username", "is not available");
		else
			problem_db(p);
		goto out;
	}
	if (db_commit() == -1) {
		problem_db(p);
		goto out;
	}
	log_info("signup: user %s created", u.gid);
	event_note(EV_SIGNUP_COMPLETED, OUT_OK, u.id, u.gid);
	*gid = u.gid;
	*epoch = u.token_epoch;
	u.gid = NULL;
	rc = 0;
out:
	db_rollback();
	db_pending_free(&pend);
	db_user_free(&u);
	free(norm);
	return rc;
}
