/* signet: project invitations.  ISC licence. */
#ifndef SIGNET_INVITE_H
#define SIGNET_INVITE_H

#include <stdbool.h>

#include "core/problem.h"
#include "db/user.h"

/*
 * Invitations follow API.md's Unicat "Projects and invitations".  A
 * membership's status moves invited -> active (accept) or invited ->
 * declined (decline); a declined or deactivated membership is final here:
 * inviting, resending, accepting it again is INVITE_INVALID (1004).
 * Every change bumps the cc cursor (the triggers of project_members).
 */

/* An invitation as the personalities show it.  All owned. */
struct invitation {
	struct user	 invitee;
	char		*project;	/* project gid */
	char		*status;	/* membership status */
	char		*roles;		/* comma separated */
	char		*options;	/* JSON object text */
	bool		 mailed;	/* an invite mail was queued */
};

void	 invitation_free(struct invitation *);

/*
 * Invite who (a username, or an email address: it holds an '@') to the
 * project gid, on behalf of the user inviter (a gid; NULL: signet-admin,
 * which needs no ownership and no throttle).
 *
 * By username: the user must exist with a username and not be disabled.
 * By email: the oldest active account with that address, else its
 * invited placeholder, else a new placeholder (status invited) whose gid
 * a later Unicat signup with the address keeps.  A new or still pending
 * invitation is mailed (template "invite" in the invitee's language); an
 * active membership is left as it is and not mailed.
 *
 * Failure: FORBIDDEN (no such active project, or inviter may not manage
 * it), VALIDATION on "login" (who), INVITE_INVALID (declined,
 * deactivated, or a disabled account), RATE_LIMITED (the same invitee
 * mailed again within throttle_signup_email_cooldown), or the database.
 */
int	 invite_create(const char *inviter, const char *project,
	    const char *who, struct invitation *out, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * Mail a pending invitation of user (a gid) to project again.  As
 * invite_create(); VALIDATION on "user" when there is no pending
 * invitation, INVITE_INVALID when it was declined or deactivated.
 */
int	 invite_resend(const char *inviter, const char *project,
	    const char *user, struct invitation *out, struct problem *p)
	    __attribute__((warn_unused_result));

/*
 * The invitee user (gid) accepts (accept true) or declines the pending
 * invitation to project.  Accepting an active membership or declining a
 * declined one again is a success that changes nothing.  Failure: INVALID
 * on "user" or "project" when one is not a gid (in that order), VALIDATION
 * on "invitation" when there is no such invitation, INVITE_INVALID when
 * it was declined (accept) or deactivated, or the database.
 */
int	 invite_answer(const char *user, const char *project, bool accept,
	    struct problem *p) __attribute__((warn_unused_result));

/*
 * The decline link of an invite mail: a page of the app at public_url
 * (which then POSTs /api/decline_invite {invitee, project}):
 * "<public_url>/decline_invite?invitee=<gid>&project=<gid>".  Caller frees.
 */
char	*invite_decline_url(const char *public_url, const char *invitee,
	    const char *project);

#endif
