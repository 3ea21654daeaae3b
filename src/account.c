/* signet: the accounts core, shared by every personality.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "code.h"
#include "conf.h"
#include "db.h"
#include "db_project.h"
#include "db_session.h"
#include "db_signup.h"
#include "db_user.h"
#include "log.h"
#include "mail.h"
#include "password.h"
#include "throttle.h"
#include "validate.h"
#include "xmalloc.h"

#define HOUR	THROTTLE_HOUR

void
user_free(struct user *u)
{
	free(u->gid);
	free(u->username);
	free(u->email);
	free(u->name);
	free(u->avatar);
	free(u->status);
	free(u->language);
	free(u->timezone);
	free(u->verified);
	free(u->last_login);
	free(u->last_login_err);
	free(u->created);
	free(u->modified);
	if (u->password != NULL) {
		explicit_bzero(u->password, strlen(u->password));
		free(u->password);
	}
	memset(u, 0, sizeof(*u));
}

bool
account_client_exempt(const char *client)
{
	return throttle_exempt(client);
}

int
account_signup_request(const char *username, const char *password,
    const char *email, const char *language, const char *client,
    char **vcode, struct problem *p)
{
	char		 mcf[PASSWORD_MCF_LEN], digits[7], vmac[67], cmac[67];
	char		 minutes[24];
	char		*token = NULL;
	const char	*why;
	int		 taken, rc = -1;
	bool		 name_ok;

	*vcode = NULL;
	if (throttle_client("signup-addr", client,
	    cf->throttle_signup_addr_hourly, p) == -1)
		return -1;
	if (!(name_ok = validate_username(username, &why)))
		problem_field(p, "username", why);
	if (!validate_email(email, &why))
		problem_field(p, "email", why);
	if (!validate_password(password, username, email,
	    cf->password_min_score, &why))
		problem_field(p, "password", why);
	if (language == NULL)
		language = cf->default_language;
	else if (!mail_language_ok(language))
		problem_field(p, "language", "is not a supported language");
	if (name_ok) {
		if ((taken = db_username_taken(username)) == -1) {
			problem_db(p);
			return -1;
		}
		if (taken)
			problem_field(p, "username", "is not available");
	}
	if (p->nverrs > 0)
		return -1;
	if (throttle_email("signup", email, cf->throttle_signup_email_cooldown,
	    cf->throttle_signup_email_daily, p) == -1)
		return -1;

	if (password_hash(password, mcf) == -1) {
		p->kind = PROB_INTERNAL;
		return -1;
	}
	token = code_token();
	code_digits(digits);
	code_mac_hex(token, vmac);
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
		    mail_queue_template(email, "signup_code", language, vars,
		    sizeof(vars) / sizeof(vars[0])) == -1 ||
		    db_commit() == -1) {
			problem_db(p);
			goto out;
		}
	}
	*vcode = token;
	token = NULL;
	rc = 0;
out:
	db_rollback();
	explicit_bzero(digits, sizeof(digits));
	explicit_bzero(mcf, sizeof(mcf));
	xfreezero(token, token != NULL ? strlen(token) : 0);
	return rc;
}

int
account_signup(const char *username, const char *password, const char *email,
    const char *vcode, const char *code, char **gid, long *epoch,
    struct problem *p)
{
	struct pending	 pend;
	struct user	 u;
	char		 vmac[67], cmac[67];
	int		 found, rc = -1, took, tried;

	*gid = NULL;
	memset(&u, 0, sizeof(u));
	code_mac_hex(vcode, vmac);
	if ((found = db_pending_get(vmac, &pend)) == -1) {
		problem_db(p);
		return -1;
	}
	if (!found || pend.expired) {
		problem_field(p, "validation_code", "is invalid or expired");
		goto out;
	}
	if (strcmp(pend.username, username) != 0)
		problem_field(p, "username", "differs from the signup request");
	if (strcasecmp(pend.email, email) != 0)
		problem_field(p, "email", "differs from the signup request");
	if (p->nverrs > 0)
		goto out;
	/*
	 * The try is counted before the code is compared, so that requests
	 * racing on one code cannot each compare within the limit.  A wrong
	 * password uses a try too.
	 */
	if ((tried = db_pending_try(pend.id, cf->code_max_attempts)) == -1) {
		problem_db(p);
		goto out;
	}
	if (!tried) {
		problem_field(p, "verification_code",
		    "has had too many wrong tries; request a new one");
		goto out;
	}
	code_mac_hex(code, cmac);
	if (strlen(pend.code_mac) != strlen(cmac) ||
	    !code_equal(pend.code_mac, cmac, strlen(cmac))) {
		problem_field(p, "verification_code", "is not the code we sent");
		goto out;
	}
	if (!password_verify(password, pend.password)) {
		problem_field(p, "password", "differs from the signup request");
		goto out;
	}

	/* Exactly one request consumes the pending signup. */
	if (db_begin() == -1 || (took = db_pending_take(pend.id)) == -1) {
		problem_db(p);
		goto out;
	}
	if (!took) {
		problem_field(p, "validation_code", "is invalid or expired");
		goto out;
	}
	/* The lock invitations take: no placeholder appears beside us. */
	if (db_invite_lock_email(pend.email) == -1) {
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
	*gid = u.gid;
	*epoch = u.token_epoch;
	u.gid = NULL;
	rc = 0;
out:
	db_rollback();
	pending_free(&pend);
	user_free(&u);
	return rc;
}

int
account_login(const char *login, enum login_by by, const char *password,
    const char *client, struct user *u, struct problem *p)
{
	char		 rehash[PASSWORD_MCF_LEN], *akey, *ckey = NULL;
	const char	*again = NULL;
	long		 wait;
	bool		 ok;
	int		 found, rc = -1;

	memset(u, 0, sizeof(*u));
	akey = throttle_key("login", login);
	if (client != NULL && !account_client_exempt(client))
		ckey = throttle_key("login-addr", client);

	/* Throttles before any hash. */
	wait = throttle_backoff(akey, HOUR, cf->throttle_login_account_free,
	    cf->throttle_login_account_hourly);
	if (wait == 0 && ckey != NULL)
		wait = throttle_peek(ckey, HOUR, cf->throttle_login_addr_hourly);
	if (throttle_problem(wait, p) == -1)
		goto out;

	found = by == LOGIN_ANY ? db_user_by_login(login, u) :
	    db_user_by_username(login, u);
	if (found == -1) {
		problem_db(p);
		goto out;
	}
	/* Unknown users cost one hash too: no timing oracle. */
	ok = password_verify(password, found ? u->password : NULL);
	if (!ok || !found || strcmp(u->status, "active") != 0) {
		/* One commit whether or not the user exists: no flush to time. */
		if (db_begin() == -1 ||
		    (found && db_user_login_failed(u->id) == -1) ||
		    throttle_count(akey, HOUR) == -1 ||
		    (ckey && throttle_count(ckey, HOUR) == -1) ||
		    db_commit() == -1) {
			problem_db(p);
			goto out;
		}
		p->kind = PROB_LOGIN_FAILED;
		goto out;
	}
	if (password_needs_rehash(u->password) &&
	    password_hash(password, rehash) == 0)
		again = rehash;
	if (db_user_login_ok(u->id, again) == -1 ||
	    throttle_clear(akey) == -1) {
		problem_db(p);
		goto out;
	}
	rc = 0;
out:
	db_rollback();
	if (rc == -1)
		user_free(u);
	explicit_bzero(rehash, sizeof(rehash));
	free(akey);
	free(ckey);
	return rc;
}

int
account_session(const char *gid, long epoch, struct session *s,
    struct problem *p)
{
	int	found;

	if ((found = db_session(gid, s)) == -1) {
		problem_db(p);
		return -1;
	}
	if (!found || strcmp(s->status, "active") != 0 ||
	    (epoch >= 0 && s->epoch != epoch)) {
		session_free(s);
		p->kind = PROB_UNAUTHORIZED;
		return -1;
	}
	return 0;
}

int
account_auth(const char *gid, long epoch, long long *id, struct problem *p)
{
	int	found;

	if ((found = db_user_auth(gid, epoch, id)) == -1) {
		problem_db(p);
		return -1;
	}
	if (!found) {
		p->kind = PROB_UNAUTHORIZED;
		return -1;
	}
	return 0;
}

int
account_logout(long long id, struct problem *p)
{
	if (db_user_bump_epoch(id) == -1) {
		problem_db(p);
		return -1;
	}
	return 0;
}
