/* signet: the pending_signups table (Unicat signup).  ISC licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "db/pending.h"
#include "db/stmt.h"

void
db_pending_free(struct pending *p)
{
	free(p->code_mac);
	free(p->username);
	free(p->email);
	if (p->password != NULL)
		xfreezero(p->password, strlen(p->password));
	free(p->language);
	memset(p, 0, sizeof(*p));
}

/* /api/signup_request */
int
db_pending_put(const char *vmac, const char *cmac, const char *username,
    const char *email, const char *password, const char *language, long ttl)
{
	static struct stmt st = STMT("pending_put",
	    "INSERT INTO pending_signups (validation_mac, code_mac, username, "
	    " email, password, language, expires_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) "
	    "ON CONFLICT (ascii_lower(email)) DO UPDATE SET "
	    " validation_mac = EXCLUDED.validation_mac, "
	    " code_mac = EXCLUDED.code_mac, username = EXCLUDED.username, "
	    " email = EXCLUDED.email, password = EXCLUDED.password, "
	    " language = EXCLUDED.language, attempts = 0, "
	    " expires_at = EXCLUDED.expires_at, created = now()", 7);
	char		 t[DB_INT_LEN];
	const char	*params[] = { vmac, cmac, username, email, password,
	    language, db_int(t, ttl) };

	return db_exec(&st, params);
}

/* db_fill_fn: a struct pending. */
static void
pending_row(const PGresult *res, int r, void *obj)
{
	struct pending	*p = obj;

	p->id = atoll(PQgetvalue(res, r, 0));
	p->code_mac = db_dup(res, r, 1);
	p->username = db_dup(res, r, 2);
	p->email = db_dup(res, r, 3);
	p->password = db_dup(res, r, 4);
	p->language = db_dup(res, r, 5);
	p->attempts = atoi(PQgetvalue(res, r, 6));
	p->expired = *PQgetvalue(res, r, 7) == 't';
}

/* /api/signup */
int
db_pending_get(const char *vmac, struct pending *p)
{
	static struct stmt st = STMT("pending_get",
	    "SELECT id, code_mac, username, email, password, language, "
	    " attempts, expires_at <= now() "
	    "FROM pending_signups WHERE validation_mac = $1", 1);
	const char	*params[] = { vmac };

	memset(p, 0, sizeof(*p));
	return db_one(&st, params, pending_row, p);
}

/* /api/signup: every try of the code, counted before it is compared */
int
db_pending_try(long long id, long max)
{
	static struct stmt st = STMT("pending_try",
	    "UPDATE pending_signups SET attempts = attempts + 1 "
	    "WHERE id = $1 AND attempts < $2", 2);
	char		 ids[DB_INT_LEN], m[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), db_int(m, max) };

	return db_changed_any(&st, params);
}

/* /api/signup: exactly one request consumes a pending signup */
int
db_pending_take(long long id)
{
	static struct stmt st = STMT("pending_take",
	    "DELETE FROM pending_signups WHERE id = $1", 1);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id) };

	return db_changed_any(&st, params);
}
