/* signet: the second factor of users (TOTP, recovery codes).  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "db/mfa.h"
#include "db/stmt.h"

static void
state_row(const PGresult *res, int r, void *obj)
{
	struct mfa_state	*m = obj;

	m->enabled = *PQgetvalue(res, r, 0) == 't';
	m->last_step = atoll(PQgetvalue(res, r, 1));
	snprintf(m->sealed, sizeof(m->sealed), "%s", PQgetvalue(res, r, 2));
}

/* login, account mfa calls */
int
db_mfa_get(long long id, struct mfa_state *m)
{
	static struct stmt st = STMT("mfa_get",
	    "SELECT totp_enabled, totp_last_step, coalesce(totp_secret::text, '') "
	    "FROM users WHERE id = $1 AND status = 'active'", 1);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id) };

	memset(m, 0, sizeof(*m));
	return db_one(&st, params, state_row, m);
}

/* enrolment */
int
db_mfa_set_secret(long long id, const char *sealed)
{
	static struct stmt st = STMT("mfa_set_secret",
	    "UPDATE users SET totp_secret = $2, totp_last_step = 0 "
	    "WHERE id = $1 AND status = 'active' AND NOT totp_enabled "
	    "RETURNING 1", 2);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), sealed };

	return db_exists(&st, params);
}

/* confirmation of enrolment */
int
db_mfa_enable(long long id, long long step, const char *const *macs,
    size_t n)
{
	static struct stmt on = STMT("mfa_enable",
	    "WITH old AS (DELETE FROM recovery_codes WHERE user_id = $1) "
	    "UPDATE users SET totp_enabled = true, totp_last_step = $2 "
	    "WHERE id = $1 AND status = 'active' AND NOT totp_enabled "
	    " AND totp_secret IS NOT NULL RETURNING 1", 2);
	static struct stmt add = STMT("mfa_recovery_add",
	    "INSERT INTO recovery_codes (user_id, code_mac) "
	    "VALUES ($1, $2)", 2);
	char		 ids[DB_INT_LEN], steps[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), db_int(steps, step) };
	size_t		 i;
	int		 done;

	if ((done = db_exists(&on, params)) != 1)
		return done;
	for (i = 0; i < n; i++) {
		params[1] = macs[i];
		if (db_exec(&add, params) == -1)
			return -1;
	}
	return 1;
}

/* disable, signet-admin user mfa-reset */
int
db_mfa_disable(long long id)
{
	static struct stmt st = STMT("mfa_disable",
	    "WITH codes AS (DELETE FROM recovery_codes WHERE user_id = $1) "
	    "UPDATE users SET totp_enabled = false, totp_secret = NULL, "
	    " totp_last_step = 0 WHERE id = $1", 1);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id) };

	return db_exec(&st, params);
}

/* a code at login or disable */
int
db_mfa_use_step(long long id, long long step)
{
	static struct stmt st = STMT("mfa_use_step",
	    "UPDATE users SET totp_last_step = $2 "
	    "WHERE id = $1 AND totp_enabled AND totp_last_step < $2 "
	    "RETURNING 1", 2);
	char		 ids[DB_INT_LEN], steps[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), db_int(steps, step) };

	return db_exists(&st, params);
}

/* a recovery code in place of a TOTP code */
int
db_mfa_use_recovery(long long id, const char *mac)
{
	static struct stmt st = STMT("mfa_use_recovery",
	    "UPDATE recovery_codes SET used_at = now() "
	    "WHERE user_id = $1 AND code_mac = $2 "
	    " AND used_at IS NULL RETURNING 1", 2);
	char		 ids[DB_INT_LEN];
	const char	*params[] = { db_int(ids, id), mac };

	return db_exists(&st, params);
}
