/* signet: mail submission through libesmtp.  ISC licence. */
#ifndef SIGNET_MAIL_SUBMIT_H
#define SIGNET_MAIL_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>

/* How a submission went, when it failed. */
struct submit_result {
	char	err[512];	/* for last_error: may quote the server */
	char	brief[512];	/* for the log: no text from the server,
				   which may name the recipient */
	bool	permanent;	/* the server refused the recipient with a
				   5xx: retrying cannot help */
	bool	noauth;		/* smtp_user is set but AUTH did not
				   succeed (not offered, or refused),
				   whatever the outcome */
	bool	unreachable;	/* no greeting: the server refused the
				   connection, or did not greet within
				   smtp_timeout_greeting (the mailer then
				   watches for it to come back) */
};

/* Once per process around the submissions: libesmtp's AUTH support. */
void	submit_init(void);
void	submit_exit(void);

/*
 * Send the message msg to rcpt through cf->smtp_server in one SMTP
 * session (STARTTLS and AUTH as configured), each wait bounded by the
 * smtp_timeout_* of the configuration: connecting and the greeting (and
 * EHLO, STARTTLS, AUTH) by smtp_timeout_greeting, the envelope and the
 * message by smtp_timeout_command, the reply to the final dot (and to
 * QUIT) by smtp_timeout_data_end.  Connecting is bounded with SIGALRM:
 * the caller must not use it meanwhile.  Returns 0 when the server
 * accepted it for the recipient (2xx to RCPT and to the final dot); -1
 * otherwise, with *res saying why, and in which phase a timeout ran out or
 * the server closed the connection.
 */
int	submit_message(const char *rcpt, const char *msg,
	    struct submit_result *res) __attribute__((warn_unused_result));

/*
 * Is cf->smtp_server there: connect, read its greeting and say QUIT, each
 * within smtp_timeout_greeting.  Cheaper than a submission and costs no
 * mail an attempt: the mailer asks every few seconds while the server is
 * unreachable, to send what waits as soon as it is back.  0 when it
 * greeted with 2xx; -1 otherwise, with why (for a log line) in why.
 */
int	submit_probe(char *why, size_t sz) __attribute__((warn_unused_result));

#endif
