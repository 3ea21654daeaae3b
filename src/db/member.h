/* signet: the project_members table.  ISC licence. */
#ifndef SIGNET_DB_MEMBER_H
#define SIGNET_DB_MEMBER_H

/* A membership row.  Strings owned; db_member_free(). */
struct member {
	long long	 project_id;
	long long	 user_id;
	char		*status;	/* invited | active | declined | deactivated */
	char		*roles;		/* comma separated */
	char		*options;	/* JSON object text */
};

void	db_member_free(struct member *);

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

/* End a membership: the row goes.  0 or -1. */
int	db_member_delete(long long project_id, long long user_id)
	    __attribute__((warn_unused_result));

#endif
