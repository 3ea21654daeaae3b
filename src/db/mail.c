/* signet: the mail_outbox table.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "db/mail.h"
#include "db/stmt.h"

void
db_mail_free(struct outbox_mail *m)
{
	free(m->recipient);
	free(m->subject);
	if (m->body != NULL)
		xfreezero(m->body, strlen(m->body));	/* a code or a link */
	memset(m, 0, sizeof(*m));
}

/* db_fill_fn: column 0 as a long long. */
static void
id_row(const PGresult *res, int r, void *obj)
{
	*(long long *)obj = strtoll(PQgetvalue(res, r, 0), NULL, 10);
}

/* outbox_put(), from the signup, reset, invite and confirmation flows */
int
db_mail_insert(const char *recipient, const char *subject, const char *body,
    long long *id)
{
	static struct stmt	 st = STMT("mail_insert",
	    "INSERT INTO mail_outbox (recipient, subject, body) "
	    "VALUES ($1, $2, $3) RETURNING id", 3);
	const char		*p[] = { recipient, subject, body };
	long long		 dummy;

	return db_one(&st, p, id_row, id != NULL ? id : &dummy) == -1 ?
	    -1 : 0;
}

/* outbox_put(): wake the mailers (at COMMIT when in a transaction) */
int
db_mail_notify(void)
{
	static struct stmt	st = STMT("mail_notify",
	    "SELECT pg_notify('signet_mail', '')", 0);

	return db_exec(&st, NULL);
}

/* db_fill_fn: a struct outbox_mail. */
static void
mail_row(const PGresult *res, int r, void *obj)
{
	struct outbox_mail	*m = obj;

	m->id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
	m->recipient = db_dup(res, r, 1);
	m->subject = db_dup(res, r, 2);
	m->body = db_dup(res, r, 3);
	m->attempts = strtol(PQgetvalue(res, r, 4), NULL, 10);
	m->created_us = strtoll(PQgetvalue(res, r, 5), NULL, 10);
}

/*
 * mailer: claim a due row; FOR UPDATE SKIP LOCKED keeps mailers apart.
 * created in microseconds since the epoch: a number, the same whatever the
 * session's TimeZone and DateStyle, for the Message-ID.
 */
int
db_mail_claim(struct outbox_mail *m)
{
	static struct stmt	 st = STMT("mail_claim",
	    "SELECT id, recipient, subject, body, attempts, "
	    "(extract(epoch FROM created) * 1000000)::bigint "
	    "FROM mail_outbox "
	    "WHERE sent_at IS NULL AND failed_at IS NULL "
	    "AND next_attempt_at <= now() "
	    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED", 0);

	memset(m, 0, sizeof(*m));
	return db_one(&st, NULL, mail_row, m);
}

/* mailer: the SMTP server took the mail; its body (codes, links) goes */
int
db_mail_sent(long long id)
{
	static struct stmt	 st = STMT("mail_sent",
	    "UPDATE mail_outbox SET sent_at = now(), attempts = attempts + 1, "
	    " body = NULL WHERE id = $1", 1);
	char			 i[DB_INT_LEN];
	const char		*p[] = { db_int(i, id) };

	return db_exec(&st, p);
}

/* mailer: an attempt failed; try again after delay, or give up (body goes) */
int
db_mail_failed(long long id, const char *error, long delay, int give_up)
{
	static struct stmt	 st = STMT("mail_failed",
	    "UPDATE mail_outbox SET attempts = attempts + 1, "
	    "last_error = $2, "
	    "next_attempt_at = now() + make_interval(secs => $3), "
	    "failed_at = CASE WHEN $4::boolean THEN now() END, "
	    "body = CASE WHEN $4::boolean THEN NULL ELSE body END "
	    "WHERE id = $1", 4);
	char			 i[DB_INT_LEN], d[DB_INT_LEN];
	const char		*p[] = { db_int(i, id), error, db_int(d, delay),
	    give_up ? "true" : "false" };

	return db_exec(&st, p);
}

/* mailer: the SMTP server is back: every waiting row is due now */
int
db_mail_wake(long long *count)
{
	static struct stmt	 st = STMT("mail_wake",
	    "UPDATE mail_outbox SET next_attempt_at = now() "
	    "WHERE sent_at IS NULL AND failed_at IS NULL "
	    "AND next_attempt_at > now()", 0);

	return (*count = db_changed(&st, NULL)) == -1 ? -1 : 0;
}

/* db_fill_fn: seconds until due, or -1 (NULL: nothing waits). */
static void
due_row(const PGresult *res, int r, void *obj)
{
	const char	*v = db_val(res, r, 0);
	double		*secs = obj;

	*secs = v == NULL ? -1 : strtod(v, NULL);
	if (v != NULL && *secs < 0)
		*secs = 0;
}

/* mailer: how long it may sleep before a row falls due */
int
db_mail_next_due(double *secs)
{
	static struct stmt	 st = STMT("mail_next_due",
	    "SELECT EXTRACT(EPOCH FROM min(next_attempt_at) - now()) "
	    "FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL", 0);

	*secs = -1;
	return db_one(&st, NULL, due_row, secs) == -1 ? -1 : 0;
}

/* What db_mail_queue() reads: depth and the oldest's age. */
struct queue_stats {
	long long	depth;
	double		oldest;
};

/* db_fill_fn: a struct queue_stats. */
static void
queue_row(const PGresult *res, int r, void *obj)
{
	struct queue_stats	*q = obj;
	const char		*v = db_val(res, r, 1);

	q->depth = strtoll(PQgetvalue(res, r, 0), NULL, 10);
	q->oldest = v != NULL ? strtod(v, NULL) : 0;
}

/* GET /metrics: the rows mail_outbox_due indexes, the mailers' queue */
int
db_mail_queue(long long *depth, double *oldest)
{
	static struct stmt	 st = STMT("mail_queue",
	    "SELECT count(*), EXTRACT(EPOCH FROM now() - min(created)) "
	    "FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL", 0);
	struct queue_stats	 q = { 0, 0 };

	*depth = 0;
	*oldest = 0;
	if (db_one(&st, NULL, queue_row, &q) == -1)
		return -1;
	*depth = q.depth;
	*oldest = q.oldest > 0 ? q.oldest : 0;
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
	char			 d[DB_INT_LEN];
	const char		*p[] = { db_int(d, keep_days) };

	return (*count = db_changed(&st, p)) == -1 ? -1 : 0;
}
