/* signet: a user with the projects and people around them.  ISC licence. */
#ifndef SIGNET_DB_SESSION_H
#define SIGNET_DB_SESSION_H

#include <stddef.h>

/* A user as a session lists it.  Strings borrowed from the session. */
struct session_user {
	const char	*gid, *username, *email, *name, *avatar, *status;
	const char	*language, *timezone;
};

/* A project of the session. */
struct session_project {
	const char	*gid, *name, *icon;
	const char	*owner;		/* the owner's gid */
	const char	*status;
};

/* A membership of the session: project and user by gid. */
struct session_member {
	const char	*project, *user, *status;
	const char	*roles;		/* comma separated */
	const char	*options;	/* JSON object text */
};

/*
 * A user, the projects they belong to or are invited to, the memberships
 * of those projects and the users they name, and the change cursor (a
 * counter bumped by every change to users, projects and memberships).
 * Everything is borrowed from own; db_session_free() releases it.
 */
struct session {
	long long		 user_id;
	const char		*gid;
	const char		*status;
	long			 epoch;
	long long		 cursor;
	struct session_user	*users;		/* users[0] is the user */
	size_t			 nusers;
	struct session_project	*projects;
	size_t			 nprojects;
	struct session_member	*members;
	size_t			 nmembers;
	void			*own;		/* what it borrows from */
};

/*
 * Fill *s for user gid: one round trip for a user in no project, two
 * otherwise.  1 when the user exists, 0 when not, -1 failed.
 */
int	db_session_load(const char *gid, struct session *s)
	    __attribute__((warn_unused_result));

void	db_session_free(struct session *);

#endif
