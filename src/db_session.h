/* signet: the session query of /api/login, /api/init, /api/signup. */
#ifndef SIGNET_DB_SESSION_H
#define SIGNET_DB_SESSION_H

#include "account.h"

/*
 * Fill *s for user gid in one round trip: the user, the users, projects
 * and memberships around them, and the cc cursor.  1 when the user
 * exists, 0 when not, -1 failed.  session_free() releases it.
 */
int	db_session(const char *gid, struct session *s)
	    __attribute__((warn_unused_result));

#endif
