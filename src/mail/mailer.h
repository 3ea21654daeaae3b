/* signet: the mailer: drains the mail outbox through SMTP.  ISC licence. */
#ifndef SIGNET_MAIL_MAILER_H
#define SIGNET_MAIL_MAILER_H

/*
 * Send queued mail until SIGTERM/SIGINT: LISTEN for new rows, claim them
 * with FOR UPDATE SKIP LOCKED, submit them, retry with backoff.  Returns
 * the process's exit status.
 */
int	mailer_run(void);

/*
 * Seconds to wait before the next try of a mail that has failed
 * attempts + 1 times: 5, 10, 20, ... doubling, at most 300.  Pure.
 */
long	mailer_retry_delay(long attempts);

#endif
