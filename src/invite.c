/* signet: project invitations, the core.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "conf.h"
#include "db.h"
#include "db_project.h"
#include "db_user.h"
#include "invite.h"
#include "log.h"
#include "mail.h"
#include "throttle.h"
#include "validate.h"
#include "xmalloc.h"

void
invitation_free(struct invitation *inv)
{
	user_free(&inv->invitee);
	free(inv->project);
	free(inv->status);
	free(inv->roles);
	free(inv->options);
	memset(inv, 0, sizeof(*inv));
}

bool
invite_gid_ok(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

char *
invite_decline_url(const char *public_url, const char *invitee,
    const char *project)
{
	size_t	n = strlen(public_url);

	while (n > 0 && public_url[n - 1] == '/')
		n--;
	return xasprintf("%.*s/decline_invite?invitee=%s&project=%s", (int)n,
	    public_url, invitee, project);
}

/*
 * Inside the caller's transaction: lock the active project gid into *pr
 * and, when inviter (a gid) is not NULL, load the inviter into *by and
 * check that they may manage the project's members.  0, or -1 with *p
 * (FORBIDDEN, or the database).
 */
static int
managed_project(const char *inviter, const char *gid, struct project *pr,
    struct user *by, struct problem *p)
{
	int	found;

	if ((found = db_project_lock(gid, pr)) == -1)
		goto dberr;
	if (!found || strcmp(pr->status, "active") != 0) {
		/* Unknown and not yours look alike: no probing for gids. */
		p->kind = PROB_FORBIDDEN;
		return -1;
	}
	if (inviter == NULL)
		return 0;
	if ((found = db_user_by_gid(inviter, by)) == -1)
		goto dberr;
	if (found && (found = db_project_is_owner(pr->id, by->id)) == -1)
		goto dberr;
	if (!found) {
		p->kind = PROB_FORBIDDEN;
		return -1;
	}
	return 0;
dberr:
	problem_db(p);
	return -1;
}

/*
 * Queue the invite mail of inv (its invitee set) to project pr from
 * inviter by (NULL: signet-admin, in the owner's name), with the per
 * invitee cooldown unless it is signet-admin.  0, or -1 with *p.
 */
static int
mail_invitation(const struct project *pr, const struct user *by,
    struct invitation *inv, struct problem *p)
{
	const struct user	*to = &inv->invitee;
	const char		*from;
	char			*key, *url;
	long			 wait = 0;
	int			 rc;

	if (by != NULL && cf->throttle_signup_email_cooldown > 0) {
		key = xasprintf("invite:%s:%s", pr->gid, to->gid);
		wait = throttle_hit(key, cf->throttle_signup_email_cooldown, 1);
		free(key);
	}
	if (wait < 0) {
		problem_db(p);
		return -1;
	}
	if (wait > 0) {
		p->kind = PROB_RATE_LIMITED;
		p->retry_after = wait;
		return -1;
	}
	if (by == NULL)
		from = pr->owner;
	else if (by->name != NULL && *by->name != '\0')
		from = by->name;
	else
		from = by->username;
	url = invite_decline_url(cf->public_url, to->gid, pr->gid);
	{
		const struct mail_var vars[] = {
			{ "inviter", from },
			{ "project", pr->name },
			{ "decline_url", url },
		};

		rc = mail_queue_template(to->email, "invite", to->language,
		    vars, sizeof(vars) / sizeof(vars[0]));
	}
	free(url);
	if (rc == -1) {
		problem_db(p);
		return -1;
	}
	inv->mailed = true;
	return 0;
}

/* Move the membership m into inv (which takes its strings). */
static void
take_member(struct invitation *inv, const struct project *pr,
    struct member *m)
{
	inv->project = xstrdup(pr->gid);
	inv->status = m->status;
	inv->roles = m->roles;
	inv->options = m->options;
	m->status = m->roles = m->options = NULL;
}

/* A membership the invitee ended, or the owner did: no invitation again. */
static bool
member_closed(const struct member *m)
{
	return strcmp(m->status, "declined") == 0 ||
	    strcmp(m->status, "deactivated") == 0;
}

/*
 * The end of invite_create() and invite_resend(): on success (rc 0) move
 * the membership into out and commit; then release the state both hold.
 * Returns rc, or -1 with the database problem when the commit fails.
 */
static int
invite_finish(int rc, struct invitation *out, struct project *pr,
    struct user *by, struct member *m, struct problem *p)
{
	if (rc == 0) {
		take_member(out, pr, m);
		if (db_commit() == -1) {
			problem_db(p);
			rc = -1;
		}
	}
	db_rollback();
	if (rc == -1)
		invitation_free(out);
	project_free(pr);
	user_free(by);
	member_free(m);
	return rc;
}

int
invite_create(const char *inviter, const char *project, const char *who,
    struct invitation *out, struct problem *p)
{
	struct project	 pr;
	struct user	 by;
	struct member	 m;
	char		 gid[GID_LEN];
	const char	*why, *lang;
	bool		 by_email;
	int		 found, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&pr, 0, sizeof(pr));
	memset(&by, 0, sizeof(by));
	memset(&m, 0, sizeof(m));
	if (!invite_gid_ok(project)) {
		p->kind = PROB_FORBIDDEN;
		return -1;
	}
	if ((by_email = strchr(who, '@') != NULL) &&
	    !validate_email(who, &why)) {
		problem_field(p, "username_or_email", why);
		return -1;
	}
	if (db_begin() == -1)
		goto dberr;
	if (managed_project(inviter, project, &pr, &by, p) == -1)
		goto out;

	if (by_email) {
		lang = inviter != NULL ? by.language : cf->default_language;
		if (db_invite_lock_email(who) == -1 ||
		    (found = db_invitee_by_email(who, gid)) == -1 ||
		    (!found && db_invite_placeholder(who, lang, gid) == -1) ||
		    (found = db_user_by_gid(gid, &out->invitee)) == -1)
			goto dberr;
	} else if ((found = db_user_by_username(who, &out->invitee)) == -1)
		goto dberr;
	if (!found) {
		problem_field(p, "username_or_email", "is not a known user");
		goto out;
	}
	if (strcmp(out->invitee.status, "disabled") == 0) {
		p->kind = PROB_INVITE_INVALID;
		goto out;
	}

	if ((found = db_member_get(pr.id, out->invitee.id, &m)) == -1)
		goto dberr;
	if (!found) {
		if (db_member_invite(pr.id, out->invitee.id, &m) == -1)
			goto dberr;
	} else if (member_closed(&m)) {
		p->kind = PROB_INVITE_INVALID;
		goto out;
	}
	/* Pending (new or again): mail it.  Active: nothing to do. */
	if (strcmp(m.status, "invited") == 0 &&
	    mail_invitation(&pr, inviter ? &by : NULL, out, p) == -1)
		goto out;
	log_info("invite: user %s to project %s (%s)", out->invitee.gid,
	    pr.gid, m.status);
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	return invite_finish(rc, out, &pr, &by, &m, p);
}

int
invite_resend(const char *inviter, const char *project, const char *user,
    struct invitation *out, struct problem *p)
{
	struct project	 pr;
	struct user	 by;
	struct member	 m;
	int		 found, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&pr, 0, sizeof(pr));
	memset(&by, 0, sizeof(by));
	memset(&m, 0, sizeof(m));
	if (!invite_gid_ok(project)) {
		p->kind = PROB_FORBIDDEN;
		return -1;
	}
	if (!invite_gid_ok(user)) {
		p->kind = PROB_INVALID;
		p->field = "user";
		return -1;
	}
	if (db_begin() == -1)
		goto dberr;
	if (managed_project(inviter, project, &pr, &by, p) == -1)
		goto out;
	if ((found = db_user_by_gid(user, &out->invitee)) == -1 ||
	    (found && (found = db_member_get(pr.id, out->invitee.id,
	    &m)) == -1))
		goto dberr;
	if (found && member_closed(&m)) {
		p->kind = PROB_INVITE_INVALID;
		goto out;
	}
	if (!found || strcmp(m.status, "invited") != 0) {
		problem_field(p, "user", "has no pending invitation to this "
		    "project");
		goto out;
	}
	if (mail_invitation(&pr, inviter ? &by : NULL, out, p) == -1)
		goto out;
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	return invite_finish(rc, out, &pr, &by, &m, p);
}

int
invite_answer(const char *user, const char *project, bool accept,
    const char *field, struct problem *p)
{
	struct member	 m;
	const char	*to = NULL;
	int		 found, rc = -1;

	memset(&m, 0, sizeof(m));
	/* decline_invite's field order: invitee, then project. */
	if (!invite_gid_ok(user)) {
		p->kind = PROB_INVALID;
		p->field = "invitee";
		return -1;
	}
	if (!invite_gid_ok(project)) {
		p->kind = PROB_INVALID;
		p->field = "project";
		return -1;
	}
	if (db_begin() == -1 ||
	    (found = db_member_by_gids(project, user, &m)) == -1)
		goto dberr;
	if (!found) {
		problem_field(p, field, "has no invitation for this user");
		goto out;
	}
	if (strcmp(m.status, "invited") == 0)
		to = accept ? "active" : "declined";
	else if (strcmp(m.status, accept ? "active" : "declined") == 0)
		to = NULL;	/* asked twice: done already */
	else if (strcmp(m.status, "active") == 0) {
		/* Declining a membership is not leaving the project. */
		problem_field(p, field, "has no pending invitation for this "
		    "user");
		goto out;
	} else {
		p->kind = PROB_INVITE_INVALID;
		goto out;
	}
	if (to != NULL &&
	    db_member_set_status(m.project_id, m.user_id, to) == -1)
		goto dberr;
	if (db_commit() == -1)
		goto dberr;
	if (to != NULL)
		log_info("invite: user %s %s project %s", user,
		    accept ? "accepted" : "declined", project);
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	member_free(&m);
	return rc;
}
