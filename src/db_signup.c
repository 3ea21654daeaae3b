/* signet: pending Unicat signups.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_signup.h"
#include "xmalloc.h"

void
pending_free(struct pending *p)
{
	free(p->code_mac);
	free(p->username);
	free(p->email);
	free(p->password);
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
	    "ON CONFLICT (lower(email)) DO UPDATE SET "
	    " validation_mac = EXCLUDED.validation_mac, "
	    " code_mac = EXCLUDED.code_mac, username = EXCLUDED.username, "
	    " email = EXCLUDED.email, password = EXCLUDED.password, "
	    " language = EXCLUDED.language, attempts = 0, "
	    " expires_at = EXCLUDED.expires_at, created = now()", 7);
	char		 t[24];
	const char	*params[] = { vmac, cmac, username, email, password,
	    language, t };

	snprintf(t, sizeof(t), "%ld", ttl);
	return db_exec(&st, params);
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
	PGresult	*res;
	int		 found;

	memset(p, 0, sizeof(*p));
	if ((res = db_query(&st, params)) == NULL)
		return -1;
	if ((found = PQntuples(res) > 0)) {
		p->id = atoll(PQgetvalue(res, 0, 0));
		p->code_mac = xstrdup(PQgetvalue(res, 0, 1));
		p->username = xstrdup(PQgetvalue(res, 0, 2));
		p->email = xstrdup(PQgetvalue(res, 0, 3));
		p->password = xstrdup(PQgetvalue(res, 0, 4));
		p->language = xstrdup(PQgetvalue(res, 0, 5));
		p->attempts = atoi(PQgetvalue(res, 0, 6));
		p->expired = *PQgetvalue(res, 0, 7) == 't';
	}
	PQclear(res);
	return found;
}

/* /api/signup: every try of the code, counted before it is compared */
int
db_pending_try(long long id, long max)
{
	static struct stmt st = STMT("pending_try",
	    "UPDATE pending_signups SET attempts = attempts + 1 "
	    "WHERE id = $1 AND attempts < $2", 2);
	long long	n;

	if ((n = db_changed_2(&st, id, max)) == -1)
		return -1;
	return n > 0;
}

/* /api/signup: exactly one request consumes a pending signup */
int
db_pending_take(long long id)
{
	static struct stmt st = STMT("pending_take",
	    "DELETE FROM pending_signups WHERE id = $1", 1);
	char		 ids[24];
	const char	*params[] = { ids };
	long long	 n;

	snprintf(ids, sizeof(ids), "%lld", id);
	if ((n = db_changed(&st, params)) == -1)
		return -1;
	return n > 0;
}
