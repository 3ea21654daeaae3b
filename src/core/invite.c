/* signet: project invitations, the core.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "db/db.h"
#include "db/draft.h"
#include "db/member.h"
#include "db/project.h"
#include "db/user.h"
#include "core/event.h"
#include "core/invite.h"
#include "base/log.h"
#include "mail/outbox.h"
#include "core/throttle.h"
#include "core/validate.h"
#include "base/xmalloc.h"

void
invitation_free(struct invitation *inv)
{
	db_user_free(&inv->invitee);
	free(inv->project);
	free(inv->status);
	free(inv->roles);
	free(inv->options);
	memset(inv, 0, sizeof(*inv));
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
	if (throttle_problem(wait, p) == -1)
		return -1;
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

		rc = outbox_put_template(to->email, "invite", to->language,
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

/* What invite_create() and invite_resend() hold in their transaction. */
struct invite_tx {
	struct project	pr;		/* the project, locked */
	struct user	by;		/* the inviter (none: signet-admin) */
	struct member	m;		/* the invitee's membership */
};

/*
 * The start of invite_create() and invite_resend(), once their arguments
 * are checked: begin, lock the project and check the inviter
 * (managed_project()).  0, or -1 with *p.
 */
static int
invite_begin(const char *inviter, const char *project, struct invite_tx *tx,
    struct problem *p)
{
	if (db_begin() == -1) {
		problem_db(p);
		return -1;
	}
	return managed_project(inviter, project, &tx->pr, &tx->by, p);
}

/*
 * The end of invite_create() and invite_resend(): on success (rc 0) move
 * the membership into out and commit; then release what tx holds.
 * Returns rc, or -1 with the database problem when the commit fails.
 */
static int
invite_finish(int rc, struct invitation *out, struct invite_tx *tx,
    struct problem *p)
{
	if (rc == 0) {
		take_member(out, &tx->pr, &tx->m);
		if (db_commit() == -1) {
			problem_db(p);
			rc = -1;
		} else if (out->mailed)
			event_note(EV_INVITE_SENT, OUT_OK, out->invitee.id,
			    out->invitee.gid);
	}
	db_rollback();
	if (rc == -1)
		invitation_free(out);
	db_project_free(&tx->pr);
	db_user_free(&tx->by);
	db_member_free(&tx->m);
	return rc;
}

int
invite_create(const char *inviter, const char *project, const char *who,
    struct invitation *out, struct problem *p)
{
	struct invite_tx	 tx;
	char			 gid[GID_LEN], *norm = NULL;
	const char		*why, *lang;
	bool			 by_email;
	int			 found, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&tx, 0, sizeof(tx));
	if (!validate_gid(project)) {
		p->kind = PROB_FORBIDDEN;
		return -1;
	}
	if ((by_email = strchr(who, '@') != NULL)) {
		if (!validate_email(who, &norm, &why)) {
			problem_field(p, "login", why);
			return -1;
		}
		who = norm;		/* from here on, as stored */
	}
	if (invite_begin(inviter, project, &tx, p) == -1)
		goto out;

	if (by_email) {
		lang = inviter != NULL ? tx.by.language : cf->default_language;
		if (db_user_lock_email(who) == -1 ||
		    db_draft_clear(who, NULL, false, 0) == -1 ||
		    (found = db_user_invitee(who, gid)) == -1 ||
		    (!found && db_user_placeholder(who, lang, gid) == -1) ||
		    (found = db_user_by_gid(gid, &out->invitee)) == -1)
			goto dberr;
	} else if ((found = db_user_by_username(who, &out->invitee)) == -1)
		goto dberr;
	if (!found) {
		problem_field(p, "login", "is not a known user");
		goto out;
	}
	if (strcmp(out->invitee.status, "disabled") == 0) {
		p->kind = PROB_INVITE_INVALID;
		goto out;
	}

	if ((found = db_member_get(tx.pr.id, out->invitee.id, &tx.m)) == -1)
		goto dberr;
	if (!found) {
		if (db_member_invite(tx.pr.id, out->invitee.id, &tx.m) == -1)
			goto dberr;
	} else if (member_closed(&tx.m)) {
		p->kind = PROB_INVITE_INVALID;
		goto out;
	}
	/* Pending (new or again): mail it.  Active: nothing to do. */
	if (strcmp(tx.m.status, "invited") == 0 &&
	    mail_invitation(&tx.pr, inviter ? &tx.by : NULL, out, p) == -1)
		goto out;
	log_info("invite: user %s to project %s (%s)", out->invitee.gid,
	    tx.pr.gid, tx.m.status);
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	free(norm);
	return invite_finish(rc, out, &tx, p);
}

int
invite_resend(const char *inviter, const char *project, const char *user,
    struct invitation *out, struct problem *p)
{
	struct invite_tx	tx;
	int			found, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&tx, 0, sizeof(tx));
	if (!validate_gid(project)) {
		p->kind = PROB_FORBIDDEN;
		return -1;
	}
	if (!validate_gid(user)) {
		p->kind = PROB_INVALID;
		p->field = "user";
		return -1;
	}
	if (invite_begin(inviter, project, &tx, p) == -1)
		goto out;
	if ((found = db_user_by_gid(user, &out->invitee)) == -1 ||
	    (found && (found = db_member_get(tx.pr.id, out->invitee.id,
	    &tx.m)) == -1))
		goto dberr;
	if (found && member_closed(&tx.m)) {
		p->kind = PROB_INVITE_INVALID;
		goto out;
	}
	if (!found || strcmp(tx.m.status, "invited") != 0) {
		problem_field(p, "user", "has no pending invitation to this "
		    "project");
		goto out;
	}
	if (mail_invitation(&tx.pr, inviter ? &tx.by : NULL, out, p) == -1)
		goto out;
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	return invite_finish(rc, out, &tx, p);
}

int
invite_answer(const char *user, const char *project, bool accept,
    struct problem *p)
{
	struct member	 m;
	const char	*to = NULL;
	int		 found, rc = -1;

	memset(&m, 0, sizeof(m));
	if (!validate_gid(user)) {
		p->kind = PROB_INVALID;
		p->field = "user";
		return -1;
	}
	if (!validate_gid(project)) {
		p->kind = PROB_INVALID;
		p->field = "project";
		return -1;
	}
	if (db_begin() == -1 ||
	    (found = db_member_by_gids(project, user, &m)) == -1)
		goto dberr;
	if (!found) {
		problem_field(p, "invitation", "has no invitation for this user");
		goto out;
	}
	if (strcmp(m.status, "invited") == 0)
		to = accept ? "active" : "declined";
	else if (strcmp(m.status, accept ? "active" : "declined") == 0)
		to = NULL;	/* asked twice: done already */
	else if (strcmp(m.status, "active") == 0) {
		/* Declining a membership is not leaving the project. */
		problem_field(p, "invitation", "has no pending invitation "
		    "for this user");
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
	if (to != NULL) {
		log_info("invite: user %s %s project %s", user,
		    accept ? "accepted" : "declined", project);
		event_note(accept ? EV_INVITE_ACCEPTED : EV_INVITE_DECLINED,
		    OUT_OK, m.user_id, user);
	}
	rc = 0;
	goto out;
dberr:
	problem_db(p);
out:
	db_rollback();
	db_member_free(&m);
	return rc;
}
