/* signet: the mailer: drains the mail outbox through SMTP.  ISC licence. */
#ifndef SIGNET_MAILER_H
#define SIGNET_MAILER_H

/*
 * Send queued mail until SIGTERM/SIGINT: LISTEN for new rows, claim them
 * with FOR UPDATE SKIP LOCKED, send through libesmtp, retry with backoff.
 * Returns the process's exit status.
 */
int	mailer_run(void);

#endif
