/* signet: the throttles table.  ISC licence. */
#include "config.h"

#include <stdlib.h>

#include "db/stmt.h"
#include "db/throttle.h"

/* What a throttle row says: the columns of both queries, in order. */
struct window {
	long	*count;
	long	*left;
	long	*since;		/* NULL: not asked */
};

/* db_fill_fn: count, seconds left[, seconds since the last event]. */
static void
window_row(const PGresult *res, int r, void *obj)
{
	struct window	*w = obj;

	*w->count = atol(PQgetvalue(res, r, 0));
	*w->left = atol(PQgetvalue(res, r, 1));
	if (w->since != NULL)
		*w->since = atol(PQgetvalue(res, r, 2));
}

/* signup_request, reset_password_request, login, ... (throttle_hit) */
int
db_throttle_hit(const char *key, long window, long *count, long *left)
{
	static struct stmt st = STMT("throttle_hit",
	    "INSERT INTO throttles AS t (key, window_start, count, last_at) "
	    "VALUES ($1, now(), 1, now()) "
	    "ON CONFLICT (key) DO UPDATE SET " SQL_THROTTLE_BUMP("$2")
	    "RETURNING count, ceil(extract(epoch FROM window_start + "
	    " make_interval(secs => $2) - now()))::bigint", 2);
	char		 w[DB_INT_LEN];
	const char	*params[] = { key, db_int(w, window) };
	struct window	 out = { count, left, NULL };

	*count = *left = 0;
	return db_one(&st, params, window_row, &out) == -1 ? -1 : 0;
}

/* login (throttle_peek, throttle_backoff) */
int
db_throttle_get(const char *key, long window, long *count, long *left,
    long *since)
{
	static struct stmt st = STMT("throttle_get",
	    "SELECT count, ceil(extract(epoch FROM window_start + "
	    " make_interval(secs => $2) - now()))::bigint, "
	    " floor(extract(epoch FROM now() - last_at))::bigint "
	    "FROM throttles WHERE key = $1 AND "
	    " window_start + make_interval(secs => $2) > now()", 2);
	char		 w[DB_INT_LEN];
	const char	*params[] = { key, db_int(w, window) };
	struct window	 out = { count, left, since };

	*count = *left = 0;
	*since = window;
	return db_one(&st, params, window_row, &out) == -1 ? -1 : 0;
}

/* db_fill_fn: nothing to read: a row means it was reserved. */
static void
none_row(const PGresult *res, int r, void *obj)
{
}

/* login: one try, reserved before the hash */
int
db_throttle_reserve(const char *key, long window, long free, long limit)
{
	static struct stmt st = STMT("throttle_reserve",
	    "INSERT INTO throttles AS t (key, window_start, count, last_at) "
	    "VALUES ($1, now(), 1, now()) "
	    "ON CONFLICT (key) DO UPDATE SET " SQL_THROTTLE_BUMP("$2")
	    "WHERE " SQL_THROTTLE_ROOM("$2", "$3", "$4") " RETURNING 1", 4);
	char		 w[DB_INT_LEN], f[DB_INT_LEN], l[DB_INT_LEN];
	const char	*params[] = { key, db_int(w, window), db_int(f, free),
	    db_int(l, limit) };

	return db_one(&st, params, none_row, NULL);
}

/* login: a reserved try that never happened (busy) */
int
db_throttle_untry(const char *key)
{
	static struct stmt st = STMT("throttle_untry",
	    "UPDATE throttles SET count = greatest(count - 1, 0) "
	    "WHERE key = $1", 1);
	const char	*params[] = { key };

	return db_exec(&st, params);
}

/* login: a success forgets the failures */
int
db_throttle_clear(const char *key)
{
	static struct stmt st = STMT("throttle_clear",
	    "DELETE FROM throttles WHERE key = $1", 1);
	const char	*params[] = { key };

	return db_exec(&st, params);
}
