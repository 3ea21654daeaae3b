/* signet: the throttles table.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "db_throttle.h"

/* signup_request, reset_password_request, login, ... (throttle_hit) */
int
db_throttle_hit(const char *key, long window, long *count, long *left)
{
	static struct stmt st = STMT("throttle_hit",
	    "INSERT INTO throttles AS t (key, window_start, count, last_at) "
	    "VALUES ($1, now(), 1, now()) "
	    "ON CONFLICT (key) DO UPDATE SET "
	    " count = CASE WHEN t.window_start + make_interval(secs => $2) "
	    "  <= now() THEN 1 ELSE t.count + 1 END, "
	    " window_start = CASE WHEN t.window_start + "
	    "  make_interval(secs => $2) <= now() THEN now() "
	    "  ELSE t.window_start END, "
	    " last_at = now() "
	    "RETURNING count, ceil(extract(epoch FROM window_start + "
	    " make_interval(secs => $2) - now()))::bigint", 2);
	char		 w[24];
	const char	*params[] = { key, w };
	PGresult	*res;

	snprintf(w, sizeof(w), "%ld", window);
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	*count = atol(PQgetvalue(res, 0, 0));
	*left = atol(PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
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
	char		 w[24];
	const char	*params[] = { key, w };
	PGresult	*res;

	snprintf(w, sizeof(w), "%ld", window);
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		*count = *left = 0;
		*since = window;
	} else {
		*count = atol(PQgetvalue(res, 0, 0));
		*left = atol(PQgetvalue(res, 0, 1));
		*since = atol(PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return 0;
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
