/* signet: the one PostgreSQL connection of a process.  ISC licence. */
#ifndef SIGNET_DB_DB_H
#define SIGNET_DB_DB_H

#include <stdbool.h>

/*
 * The db layer is the only one that speaks SQL and libpq: above it, the
 * query functions of db/<table>.c take and return plain C values and the
 * row types their headers declare.  Every query function returns -1 when
 * the database failed (logged here; db_sqlstate() and db_down() tell why).
 */

/* SQLSTATEs the core tells apart. */
#define SQLSTATE_UNIQUE		"23505"
#define SQLSTATE_SERIALIZE	"40001"

/*
 * Connect (or reconnect) with the database conninfo of the config.  Opens
 * lazily; a failure is logged and retried on the next call.  Returns true
 * when a usable connection is there.
 */
bool		 db_ready(void);
void		 db_close(void);

/*
 * The mailer calls this before its first query: its connection then uses
 * mailer_database when that is set (its LISTEN needs a session of its own,
 * which a pooler in transaction mode does not keep), database otherwise.
 */
void		 db_use_mailer_database(void);

/* Transactions: 0 or -1.  db_rollback() is safe to call at any time. */
int		 db_begin(void) __attribute__((warn_unused_result));
int		 db_commit(void) __attribute__((warn_unused_result));
void		 db_rollback(void);

/* SQLSTATE of the last failure ("" if none), and whether it was the link. */
const char	*db_sqlstate(void);

/*
 * How many round trips to the database this process has made: each
 * statement, BEGIN and COMMIT one (and a statement's first preparation on
 * a connection one more).  For the request log.
 */
unsigned long	 db_round_trips(void);
bool		 db_down(void);

/* GET /api/health: 0 when the database answers, -1 if not. */
int		 db_ping(void) __attribute__((warn_unused_result));

/*
 * LISTEN/NOTIFY, for the mailer.  db_generation() changes with every new
 * connection (a LISTEN must then be issued again); db_socket() is the
 * connection's socket to wait on (-1: none); db_notifications() first
 * reads what arrived on it when consume is set (a dead link is closed,
 * -1), then drops the notifications received: 1 if there were any, 0 if
 * not.
 */
int		 db_listen(const char *channel)
		    __attribute__((warn_unused_result));
unsigned long	 db_generation(void);
int		 db_socket(void);
int		 db_notifications(bool consume);

/*
 * A row of a listing (signet-admin): its columns as text, NULL for SQL
 * NULL, borrowed for the duration of the call.
 */
typedef void	 db_row_fn(const char *const *cols, int ncols, void *arg);

#endif
