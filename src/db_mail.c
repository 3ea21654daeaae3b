/* signet: the mail outbox queries.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "db_mail.h"

/* mail_queue(), from the signup, reset, invite and confirmation flows */
int
db_mail_insert(const char *recipient, const char *subject, const char *body,
    long long *id)
{
	static struct stmt	 st = STMT("mail_insert",
	    "INSERT INTO mail_outbox (recipient, subject, body) "
	    "VALUES ($1, $2, $3) RETURNING id", 3);
	const char		*p[] = { recipient, subject, body };
	PGresult		*res;

	if ((res = db_query(&st, p)) == NULL)
		return -1;
	if (id != NULL)
		*id = PQntuples(res) == 1 ?
		    strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	PQclear(res);
	return 0;
}

/* mail_queue(): wake the mailers (at COMMIT when in a transaction) */
int
db_mail_notify(void)
{
	static struct stmt	st = STMT("mail_notify",
	    "SELECT pg_notify('signet_mail', '')", 0);

	return db_exec(&st, NULL);
}

/* mailer: claim due rows; FOR UPDATE SKIP LOCKED keeps mailers apart */
PGresult *
db_mail_claim(int limit)
{
	static struct stmt	 st = STMT("mail_claim",
	    "SELECT id, recipient, subject, body, attempts FROM mail_outbox "
	    "WHERE sent_at IS NULL AND failed_at IS NULL "
	    "AND next_attempt_at <= now() "
	    "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED", 1);
	char			 n[16];
	const char		*p[] = { n };

	snprintf(n, sizeof(n), "%d", limit);
	return db_query(&st, p);
}

/* mailer: the SMTP server took the mail */
int
db_mail_sent(long long id)
{
	static struct stmt	 st = STMT("mail_sent",
	    "UPDATE mail_outbox SET sent_at = now(), attempts = attempts + 1 "
	    "WHERE id = $1", 1);
	char			 i[24];
	const char		*p[] = { i };

	snprintf(i, sizeof(i), "%lld", id);
	return db_exec(&st, p);
}

/* mailer: an attempt failed; back off, or give up after max_attempts */
int
db_mail_failed(long long id, const char *error, long base, long cap,
    long max_attempts)
{
	static struct stmt	 st = STMT("mail_failed",
	    "UPDATE mail_outbox SET attempts = attempts + 1, "
	    "last_error = $2, "
	    "next_attempt_at = now() + make_interval(secs => "
	    "least($4::float8, $3::float8 * power(2, least(attempts, 30)))), "
	    "failed_at = CASE WHEN attempts + 1 >= $5::int THEN now() END "
	    "WHERE id = $1", 5);
	char			 i[24], b[24], c[24], m[24];
	const char		*p[] = { i, error, b, c, m };

	snprintf(i, sizeof(i), "%lld", id);
	snprintf(b, sizeof(b), "%ld", base);
	snprintf(c, sizeof(c), "%ld", cap);
	snprintf(m, sizeof(m), "%ld", max_attempts);
	return db_exec(&st, p);
}

/* mailer: how long it may sleep before a row falls due */
int
db_mail_next_due(double *secs)
{
	static struct stmt	 st = STMT("mail_next_due",
	    "SELECT EXTRACT(EPOCH FROM min(next_attempt_at) - now()) "
	    "FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL", 0);
	PGresult		*res;
	const char		*v;

	if ((res = db_query(&st, NULL)) == NULL)
		return -1;
	v = PQntuples(res) == 1 ? db_val(res, 0, 0) : NULL;
	*secs = v == NULL ? -1 : strtod(v, NULL);
	if (v != NULL && *secs < 0)
		*secs = 0;
	PQclear(res);
	return 0;
}

/* signet-admin purge */
int
db_mail_purge(long keep_days, long long *count)
{
	static struct stmt	 st = STMT("mail_purge",
	    "DELETE FROM mail_outbox "
	    "WHERE coalesce(sent_at, failed_at) < "
	    "now() - make_interval(days => $1::int)", 1);
	char			 d[24];
	const char		*p[] = { d };
	PGresult		*res;

	snprintf(d, sizeof(d), "%ld", keep_days);
	if ((res = db_query(&st, p)) == NULL)
		return -1;
	if (count != NULL)
		*count = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}
