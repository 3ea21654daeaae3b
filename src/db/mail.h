/* signet: the mail_outbox table.  ISC licence. */
#ifndef SIGNET_DB_MAIL_H
#define SIGNET_DB_MAIL_H

/* A mail claimed for sending.  Strings owned; db_mail_free(). */
struct outbox_mail {
	long long	 id;
	char		*recipient;
	char		*subject;
	char		*body;
	long		 attempts;	/* made before this one */
	long long	 created_us;	/* queued, microseconds since the
					   epoch (with id: the Message-ID) */
};

void	 db_mail_free(struct outbox_mail *);

/*
 * outbox_put(): add a mail to the outbox; *id (may be NULL) gets its id.
 * Returns 0 or -1.
 */
int	 db_mail_insert(const char *recipient, const char *subject,
	    const char *body, long long *id) __attribute__((warn_unused_result));

/*
 * outbox_put(): NOTIFY signet_mail.  Inside a transaction PostgreSQL
 * delivers it at COMMIT (and drops it on ROLLBACK).  Returns 0 or -1.
 */
int	 db_mail_notify(void) __attribute__((warn_unused_result));

/*
 * Mailer: lock the oldest due row (not sent, not given up, next attempt
 * now or earlier), skipping rows another mailer holds, into *m.  Must run
 * inside a transaction: the lock lasts until its end.  1 claimed, 0 none
 * due, -1 failed.
 */
int	 db_mail_claim(struct outbox_mail *m)
	    __attribute__((warn_unused_result));

/*
 * Mailer: the SMTP server accepted mail id; its body (a code, a link) is
 * not kept.  Returns 0 or -1.
 */
int	 db_mail_sent(long long id) __attribute__((warn_unused_result));

/*
 * Mailer: an attempt to send mail id failed with error.  Counts the
 * attempt, keeps error as last_error, and schedules the next attempt
 * delay seconds from now, or gives the row up (failed_at, the body
 * dropped) when give_up.
 * Returns 0 or -1.
 */
int	 db_mail_failed(long long id, const char *error, long delay,
	    int give_up) __attribute__((warn_unused_result));

/*
 * Mailer: make every row that waits for its next attempt due now (the SMTP
 * server came back after an outage); *count gets how many.  Outside a
 * transaction.  Returns 0 or -1.
 */
int	 db_mail_wake(long long *count) __attribute__((warn_unused_result));

/*
 * Mailer: seconds until the next row falls due (<= 0: one is due now) in
 * *secs, or *secs = -1 when nothing waits.  Returns 0 or -1.
 */
int	 db_mail_next_due(double *secs) __attribute__((warn_unused_result));

/*
 * GET /metrics: how many mails wait to be sent (neither sent nor given
 * up) into *depth, and how many seconds the oldest of them has waited
 * into *oldest (0 when none).  Returns 0 or -1.
 */
int	 db_mail_queue(long long *depth, double *oldest)
	    __attribute__((warn_unused_result));

/*
 * signet-admin purge: delete mail sent, or given up, more than keep_days
 * days ago; *count gets how many.  Returns 0 or -1.
 */
int	 db_mail_purge(long keep_days, long long *count)
	    __attribute__((warn_unused_result));

#endif
