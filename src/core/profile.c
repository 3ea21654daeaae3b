/* signet: the account after login: profile, password, address, deletion. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/conf.h"
#include "base/log.h"
#include "core/account.h"
#include "core/event.h"
#include "core/password.h"
#include "core/profile.h"
#include "core/validate.h"
#include "db/db.h"
#include "db/member.h"
#include "db/project.h"
#include "db/user.h"
#include "mail/lang.h"
#include "mail/outbox.h"

#define NOT_AVAILABLE	"is not available"

/* The active user id into *u: 0, or -1 with UNAUTHORIZED or the database. */
static int
load(long long id, struct user *u, struct problem *p)
{
	return account_user(id, NULL, u, p);
}

int
profile_get(const char *gid, struct user *u, struct problem *p)
{
	return account_user(0, gid, u, p);
}

/*
 * Check every field of c for user cur: 0, or -1 with a VALIDATION listing
 * each failed field, or another problem.
 */
static int
check(const struct user *cur, const struct profile_changes *c,
    struct problem *p)
{
	const char	*why;
	int		 used;

	if (c->username != NULL) {
		if (!validate_username(c->username, &why))
			problem_field(p, "username", why);
		else if ((used = db_user_name_used(c->username, cur->id)) == -1) {
			problem_db(p);
			return -1;
		} else if (used)
			problem_field(p, "username", NOT_AVAILABLE);
	}
	if (c->name != NULL && !validate_name(c->name, &why))
		problem_field(p, "name", why);
	if (c->language != NULL && !lang_ok(c->language))
		problem_field(p, "language",
		    "must be a language signet has mail for");
	if (c->timezone != NULL && !validate_timezone(c->timezone, &why))
		problem_field(p, "timezone", why);
	if (c->password != NULL && !validate_password_len(c->password,
	    c->username != NULL ? c->username : cur->username, cur->email,
	    cf->password_min_score, password_min_length(cur->totp_enabled),
	    &why))
		problem_field(p, "password", why);
	if (p->nverrs > 0)
		return -1;
	/* Last, as it counts a failed login when wrong. */
	if (c->password != NULL && c->current != NULL &&
	    account_password(cur, c->current, p) == -1) {
		event_note(EV_PASSWORD_CHANGED, event_outcome_of(p,
		    OUT_BAD_PASSWORD), cur->id, cur->gid);
		if (p->kind == PROB_LOGIN_FAILED) {
			memset(p, 0, sizeof(*p));
			problem_field(p, "current_password", "is wrong");
		}
		return -1;
	}
	return 0;
}

int
profile_update(long long id, const struct profile_changes *c, struct user *u,
    struct problem *p)
{
	struct user_changes	 ch = { .username = c->username, .name = c->name,
	    .language = c->language, .timezone = c->timezone,
	    .consent = c->consent };
	struct user		 cur;
	char			 mcf[PASSWORD_MCF_LEN];
	long			 epoch;
	int			 done, rc = -1;

	memset(u, 0, sizeof(*u));
	memset(mcf, 0, sizeof(mcf));
	if (load(id, &cur, p) == -1)
		return -1;
	if (check(&cur, c, p) == -1)
		goto out;
	if (c->password != NULL && (done = password_hash(c->password,
	    mcf)) != 0) {
		password_problem(done, p);
		goto out;
	}
	if (db_begin() == -1)
		goto dberr;
	if (c->password != NULL) {
		const struct mail_var vars[] = {
			{ "username", c->username ? c->username : cur.username },
		};

		if ((done = db_user_set_password(id, mcf, &epoch)) == -1)
			goto dberr;
		if (done && outbox_put_template(cur.email, "password_changed",
		    c->language ? c->language : cur.language, vars, 1) == -1)
			goto dberr;
	}
	if ((done = db_user_update(id, &ch, u)) == -1) {
		/* Taken between the check and the update. */
		if (c->username != NULL &&
		    strcmp(db_sqlstate(), SQLSTATE_UNIQUE) == 0) {
			problem_field(p, "username", NOT_AVAILABLE);
			goto out;
		}
		goto dberr;
	}
	if (!done) {
		p->kind = PROB_UNAUTHORIZED;
		p->why = AUTH_REVOKED;
		goto out;
	}
	if (db_commit() == -1)
		goto dberr;
	if (c->username != NULL)
		log_info("profile: user %s renamed", u->gid);
	if (c->password != NULL) {
		log_info("profile: user %s changed the password", u->gid);
		event_note(EV_PASSWORD_CHANGED, OUT_OK, u->id, u->gid);
	}
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	explicit_bzero(mcf, sizeof(mcf));
	if (rc == -1)
		db_user_free(u);
	db_user_free(&cur);
	return rc;
}

int
profile_recent(long auth_time, struct problem *p)
{
	if (cf->reauth_window == 0 ||
	    (long)time(NULL) - auth_time <= cf->reauth_window)
		return 0;
	p->kind = PROB_UNAUTHORIZED;
	p->why = AUTH_STALE;
	return -1;
}

int
profile_password(long long id, const char *password, const char *current,
    long *epoch, struct problem *p)
{
	struct profile_changes	 c = { .consent = -1, .password = password,
	    .current = current };
	struct user		 u;

	if (profile_update(id, &c, &u, p) == -1)
		return -1;
	*epoch = u.token_epoch;
	db_user_free(&u);
	return 0;
}

int
profile_delete(long long id, struct problem *p)
{
	struct user	 u;
	char		*gid = NULL, *status = NULL;
	long		 owned;
	int		 found, rc = -1;

	memset(&u, 0, sizeof(u));
	if (db_begin() == -1 || (found = db_user_lock(id, &gid,
	    &status)) == -1)
		goto dberr;
	if (!found || strcmp(status, "active") != 0) {
		p->kind = PROB_UNAUTHORIZED;
		p->why = AUTH_REVOKED;
		goto out;
	}
	if ((owned = db_user_projects_owned(id)) == -1)
		goto dberr;
	if (owned > 0) {
		p->kind = PROB_CONFLICT;
		p->field = "projects";
		p->detail = "the account owns projects";
		goto out;
	}
	if (db_user_by_id(id, &u) != 1)
		goto dberr;
	{
		const struct mail_var vars[] = {
			{ "username", u.username },
		};

		/* The goodbye after the purge of the address's mail. */
		if (db_user_lock_email(u.email) == -1 ||
		    db_user_delete(id, u.email) != 1 ||
		    outbox_put_template(u.email, "account_deleted", u.language,
		    vars, 1) == -1 || db_commit() == -1)
			goto dberr;
	}
	log_info("profile: user %s deleted the account", gid);
	event_note(EV_ACCOUNT_DELETED, OUT_OK, id, gid);
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	db_user_free(&u);
	free(gid);
	free(status);
	return rc;
}

int
profile_leave(long long id, const char *project, struct problem *p)
{
	struct project	 pr;
	struct member	 m;
	int		 found, rc = -1;

	memset(&pr, 0, sizeof(pr));
	memset(&m, 0, sizeof(m));
	if (!validate_gid(project)) {
		problem_field(p, "project", "is not a project id");
		return -1;
	}
	if (db_begin() == -1 || (found = db_project_lock(project, &pr)) == -1)
		goto dberr;
	if (found && pr.owner_id == id) {
		problem_field(p, "project", "is yours: an owner cannot leave it");
		goto out;
	}
	if (found && (found = db_member_get(pr.id, id, &m)) == -1)
		goto dberr;
	if (!found || (strcmp(m.status, "active") != 0 &&
	    strcmp(m.status, "invited") != 0)) {
		problem_field(p, "project", "is not a project of yours");
		goto out;
	}
	if (db_member_delete(pr.id, id) == -1 || db_commit() == -1)
		goto dberr;
	log_info("profile: user %lld left project %s", id, pr.gid);
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	db_member_free(&m);
	db_project_free(&pr);
	return rc;
}
