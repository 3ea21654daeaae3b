/* signet: the projects table.  ISC licence. */
#ifndef SIGNET_DB_PROJECT_H
#define SIGNET_DB_PROJECT_H

#include "db/db.h"
#include "db/user.h"

/* A project as the invitation code needs it.  Strings owned. */
struct project {
	long long	 id;
	char		*gid;
	char		*name;
	char		*status;	/* active | disabled */
	long long	 owner_id;
	char		*owner;		/* the owner's name, else username */
};

void	db_project_free(struct project *);

/*
 * signet-admin project create: a project named name owned by the user
 * whose username is owner (case-insensitively), with the owner's
 * membership (active, roles {owner}), in one statement.  *gid gets the
 * new project's gid.  1 created, 0 no such user, -1 failed.
 */
int	db_project_create(const char *owner, const char *name,
	    char gid[GID_LEN]) __attribute__((warn_unused_result));

/*
 * signet-admin project list: every project, oldest first, one call of
 * each per row with the columns gid, name, owner (username), status,
 * active members, pending invitations, created.  0 or -1.
 */
int	db_project_list(db_row_fn *each, void *arg)
	    __attribute__((warn_unused_result));

/*
 * Invitations: the project gid, locked FOR UPDATE until the end of the
 * caller's transaction (so invitations to one project are serialized).
 * 1 found (fills *p), 0 not, -1 failed.  gid must look like a uuid.
 */
int	db_project_lock(const char *gid, struct project *p)
	    __attribute__((warn_unused_result));

/*
 * May user_id manage project_id's members: its owner_id, or an active
 * member with the role owner?  1, 0 or -1.
 */
int	db_project_is_owner(long long project_id, long long user_id)
	    __attribute__((warn_unused_result));

#endif
