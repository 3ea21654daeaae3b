/* signet: the mail outbox queries.  ISC licence. */
#ifndef SIGNET_DB_MAIL_H
#define SIGNET_DB_MAIL_H

#include <libpq-fe.h>

/* Column numbers of the rows db_mail_claim() returns. */
enum {
	DB_MAIL_ID,
	DB_MAIL_RECIPIENT,
	DB_MAIL_SUBJECT,
	DB_MAIL_BODY,
	DB_MAIL_ATTEMPTS
};

/*
 * mail_queue(): add a mail to the outbox; *id (may be NULL) gets its id.
 * Returns 0 or -1.
 */
int	 db_mail_insert(const char *recipient, const char *subject,
	    const char *body, long long *id) __attribute__((warn_unused_result));

/*
 * mail_queue(): NOTIFY signet_mail.  Inside a transaction PostgreSQL
 * delivers it at COMMIT (and drops it on ROLLBACK).  Returns 0 or -1.
 */
int	 db_mail_notify(void) __attribute__((warn_unused_result));

/*
 * Mailer: lock up to limit due rows (not sent, not given up, next attempt
 * now or earlier), oldest first, skipping rows another mailer holds.
 * Must run inside a transaction: the locks last until its end.  Returns
 * the rows (columns DB_MAIL_*), which the caller PQclear()s, or NULL.
 */
PGresult *db_mail_claim(int limit) __attribute__((warn_unused_result));

/* Mailer: the SMTP server accepted mail id.  Returns 0 or -1. */
int	 db_mail_sent(long long id) __attribute__((warn_unused_result));

/*
 * Mailer: an attempt to send mail id failed with error.  Counts the
 * attempt, keeps error as last_error, and schedules the next attempt
 * base * 2^(attempts - 1) seconds from now, at most cap seconds; once
 * attempts reach max_attempts the row is given up (failed_at).  Returns
 * 0 or -1.
 */
int	 db_mail_failed(long long id, const char *error, long base, long cap,
	    long max_attempts) __attribute__((warn_unused_result));

/*
 * Mailer: seconds until the next row falls due (<= 0: one is due now) in
 * *secs, or *secs = -1 when nothing waits.  Returns 0 or -1.
 */
int	 db_mail_next_due(double *secs) __attribute__((warn_unused_result));

/*
 * signet-admin purge: delete mail sent, or given up, more than keep_days
 * days ago; *count (may be NULL) gets how many.  Returns 0 or -1.
 */
int	 db_mail_purge(long keep_days, long long *count)
	    __attribute__((warn_unused_result));

#endif
