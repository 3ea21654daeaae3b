/* signet: queries that belong to no one noun.  ISC licence. */
#ifndef SIGNET_DB_MISC_H
#define SIGNET_DB_MISC_H

/* GET /api/health: 0 when the database answers, -1 if not. */
int	db_ping(void) __attribute__((warn_unused_result));

#endif
