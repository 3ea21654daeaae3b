/* signet: password reset by code.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/code.h"
#include "core/event.h"
#include "base/conf.h"
#include "db/db.h"
#include "db/confirm.h"
#include "db/user.h"
#include "base/log.h"
#include "mail/outbox.h"
#include "core/password.h"
#include "core/reset.h"
#include "core/throttle.h"
#include "core/validate.h"
#include "base/xmalloc.h"

/* The longest login looked up; longer ones cannot be an account. */
#define LOGIN_MAX	254

void
reset_token_mac(const char *vcode, const char *gid, char out[67])
{
	code_bound_mac("reset", vcode, gid, out);
}

/* Sleep until RESET_FLOOR_MS after t0 (CLOCK_MONOTONIC). */
static void
pad_to_floor(const struct timespec *t0)
{
	struct timespec	 end, now, left;

	end = *t0;
	end.tv_sec += RESET_FLOOR_MS / 1000;
	end.tv_nsec += (RESET_FLOOR_MS % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec))
			return;
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (nanosleep(&left, NULL) == -1 && errno != EINTR)
			return;
	}
}

int
reset_throttles(const char *client, const char *login, struct problem *p)
{
	if (throttle_client("reset-addr", client,
	    cf->throttle_reset_addr_hourly, true, p) == -1)
		return -1;
	return throttle_email("reset", login, cf->throttle_reset_email_cooldown,
	    cf->throttle_reset_email_daily, true, p);
}

int
reset_mailbox_ok(const char *email)
{
	char	*key;
	long	 wait;

	if (cf->throttle_reset_email_daily <= 0)
		return 1;
	key = throttle_key("reset-mail", email);
	wait = throttle_hit(key, THROTTLE_DAY, cf->throttle_reset_email_daily);
	free(key);
	return wait < 0 ? -1 : wait == 0;
}

void
reset_requested(const struct user_target *acc, size_t n, int sent)
{
	size_t	i;

	if (n == 0)
		event_note(EV_RESET_REQUESTED, OUT_NO_ACCOUNT, 0, NULL);
	for (i = 0; i < n; i++)
		event_note(EV_RESET_REQUESTED, sent ? OUT_OK : OUT_MAILBOX_FULL,
		    acc[i].id, acc[i].gid);
}

int
reset_request(const char *asked, const char *client, char **vcode,
    struct problem *p)
{
	struct user_target	*acc = NULL;
	struct timespec		 t0;
	char			 digits[7], tmac[67], cmac[67], minutes[24];
	char			*token = NULL, *login;
	size_t			 n = 0, i;
	int			 send = 0, rc = -1;

	*vcode = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	login = validate_login(asked);
	if (reset_throttles(client, login, p) == -1)
		goto out;

	token = code_token();
	memset(digits, 0, sizeof(digits));
	if (strlen(login) <= LOGIN_MAX &&
	    db_user_targets(login, RESET_MAX_ACCOUNTS, &acc, &n) == -1)
		goto dberr;
	/* A cap per mailbox, whatever login reached it: silent. */
	if (n > 0 && (send = reset_mailbox_ok(acc[0].email)) == -1)
		goto dberr;
	if (send) {
		snprintf(minutes, sizeof(minutes), "%ld",
		    (cf->code_ttl + 59) / 60);
		if (db_begin() == -1)
			goto dberr;
		for (i = 0; i < n; i++) {
			const struct mail_var vars[] = {
				{ "username", acc[i].username },
				{ "code", digits },
				{ "minutes", minutes },
			};

			code_digits(digits);
			reset_token_mac(token, acc[i].gid, tmac);
			code_mac_hex(digits, cmac);
			if (db_confirm_code_put(CONFIRM_RESET, acc[i].id, tmac,
			    cmac, NULL, cf->code_ttl) == -1 ||
			    outbox_put_template(acc[i].email, "reset_code",
			    acc[i].language, vars,
			    sizeof(vars) / sizeof(vars[0])) == -1)
				goto dberr;
		}
		if (db_commit() == -1)
			goto dberr;
		log_info("reset: code mailed for %zu account(s)", n);
	}
	reset_requested(acc, n, send);
	*vcode = token;
	token = NULL;
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	explicit_bzero(digits, sizeof(digits));
	db_user_targets_free(acc, n);
	xfreezero(token, token != NULL ? strlen(token) : 0);
	free(login);
	if (rc == 0)
		pad_to_floor(&t0);
	return rc;
}

/*
 * Every refusal of step 2 but a weak password (reachable only with the
 * right code): unknown or inactive user, no such code, used, expired, too
 * many tries, wrong code.  One answer, given no sooner than
 * RESET_FLOOR_MS after the request began, so nothing tells an account
 * that exists from one that does not.
 */
static void
refuse(struct problem *p, const struct timespec *t0)
{
	memset(p, 0, sizeof(*p));
	problem_field(p, "code", "is not the code we sent, or has expired");
	pad_to_floor(t0);
}

int
reset_confirm(const char *username, const char *new_password,
    const char *vcode, const char *code, char **gid, long *epoch,
    struct problem *p)
{
	struct user		 u;
	const struct user	*who = NULL;	/* an active account, once known */
	struct confirm_code	 c;
	struct timespec		 t0;
	char			 tmac[67], mcf[PASSWORD_MCF_LEN];
	const char		*why;
	int			 found, rc = -1;

	*gid = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&c, 0, sizeof(c));
	memset(mcf, 0, sizeof(mcf));
	if ((found = db_user_by_username(username, &u)) == -1)
		goto dberr;
	if (!found || strcmp(u.status, "active") != 0)
		goto refused;
	who = &u;
	reset_token_mac(vcode, u.gid, tmac);
	if ((found = db_confirm_code_get(CONFIRM_RESET, u.id, tmac, &c)) == -1)
		goto dberr;
	if (!found || !c.usable)
		goto refused;
	if ((found = code_check(db_confirm_code_try, c.id,
	    cf->code_max_attempts, c.code_mac, code, p)) == -1)
		goto out;
	if (found == 0)
		goto refused;
	/* A weak password neither uses the code up nor costs a try. */
	if (!validate_password_len(new_password, u.username, u.email,
	    cf->password_min_score, password_min_length(u.totp_enabled),
	    &why)) {
		if (db_confirm_code_untry(c.id) == -1)
			goto dberr;
		problem_field(p, "password", why);
		goto out;
	}
	if ((found = password_hash(new_password, mcf)) != 0) {
		/* Busy: the code neither used up nor counted. */
		if (db_confirm_code_untry(c.id) == -1)
			goto dberr;
		password_problem(found, p);
		goto out;
	}
	{
		const struct mail_var vars[] = {
			{ "username", u.username },
		};

		if (db_begin() == -1 || (found = db_confirm_code_take(c.id)) == -1)
			goto dberr;
		if (found && (found = db_user_set_password(u.id, mcf,
		    epoch)) == -1)
			goto dberr;
		/* Used by a concurrent request, or the account went. */
		if (!found)
			goto refused;
		if (outbox_put_template(u.email, "password_changed",
		    u.language, vars, 1) == -1 || db_commit() == -1)
			goto dberr;
	}
	log_info("reset: user %s set a new password", u.gid);
	event_note(EV_RESET_DONE, OUT_OK, u.id, u.gid);
	*gid = u.gid;
	u.gid = NULL;
	rc = 0;
	goto out;
refused:
	event_note(EV_RESET_DONE, OUT_BAD_CODE, who ? who->id : 0,
	    who ? who->gid : NULL);
	refuse(p, &t0);
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	explicit_bzero(mcf, sizeof(mcf));
	db_confirm_code_free(&c);
	db_user_free(&u);
	return rc;
}
