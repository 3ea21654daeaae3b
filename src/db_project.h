/* signet: projects and memberships (invitations).  ISC licence. */
#ifndef SIGNET_DB_PROJECT_H
#define SIGNET_DB_PROJECT_H

#include <libpq-fe.h>

/* Text of a uuid, with its NUL. */
#define GID_LEN		37

/* A project as the invitation code needs it.  Strings owned. */
struct project {
	long long	 id;
	char		*gid;
	char		*name;
	char		*status;	/* active | disabled */
	long long	 owner_id;
	char		*owner;		/* the owner's name, else username */
};

void	project_free(struct project *);

/* A membership row.  Strings owned; member_free(). */
struct member {
	long long	 project_id;
	long long	 user_id;
	char		*status;	/* invited | active | declined | deactivated */
	char		*roles;		/* comma separated */
	char		*options;	/* JSON object text */
};

void	member_free(struct member *);

/*
 * signet-admin project create: a project named name owned by the user
 * whose username is owner (case-insensitively), with the owner's
 * membership (active, roles {owner}), in one statement.  *gid gets the
 * new project's gid.  1 created, 0 no such user, -1 failed.
 */
int	db_project_create(const char *owner, const char *name,
	    char gid[GID_LEN]) __attribute__((warn_unused_result));

/* Column numbers of the rows db_project_list() returns. */
enum {
	DB_PROJECT_GID,
	DB_PROJECT_NAME,
	DB_PROJECT_OWNER,		/* username */
	DB_PROJECT_STATUS,
	DB_PROJECT_MEMBERS,		/* active members */
	DB_PROJECT_INVITED,		/* pending invitations */
	DB_PROJECT_CREATED
};

/* signet-admin project list: every project, oldest first; PQclear(). */
PGresult *db_project_list(void) __attribute__((warn_unused_result));

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

/*
 * Serialize invitations of one address (advisory lock on its lower case,
 * until the end of the transaction), so that two concurrent invitations
 * never make two placeholders.  0 or -1.
 */
int	db_invite_lock_email(const char *email)
	    __attribute__((warn_unused_result));

/*
 * The account an invitation by email goes to: the oldest active user
 * with that address, else its invited placeholder.  1 found (*gid), 0
 * none, -1 failed.
 */
int	db_invitee_by_email(const char *email, char gid[GID_LEN])
	    __attribute__((warn_unused_result));

/*
 * A placeholder user for an invited address (status invited, no username
 * or password); a later Unicat signup with that address claims it and
 * keeps its gid.  *gid gets it.  0 or -1.
 */
int	db_invite_placeholder(const char *email, const char *language,
	    char gid[GID_LEN]) __attribute__((warn_unused_result));

/*
 * The membership of user_id in project_id, locked FOR UPDATE.  1 found
 * (fills *m), 0 none, -1 failed.
 */
int	db_member_get(long long project_id, long long user_id, struct member *m)
	    __attribute__((warn_unused_result));

/*
 * The membership of user gid in the active project gid, locked FOR
 * UPDATE: what accept and decline change.  Both must look like uuids.
 * 1 found (fills *m), 0 none, -1 failed.
 */
int	db_member_by_gids(const char *project, const char *user,
	    struct member *m) __attribute__((warn_unused_result));

/* A new invitation (status invited, roles {member}); fills *m.  0 or -1. */
int	db_member_invite(long long project_id, long long user_id,
	    struct member *m) __attribute__((warn_unused_result));

/* Set a membership's status.  0 or -1. */
int	db_member_set_status(long long project_id, long long user_id,
	    const char *status) __attribute__((warn_unused_result));

#endif
